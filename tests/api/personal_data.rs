//! Every route that shows a party's personal data, and the record of who read it (security
//! finding 3): every GET of the access table (every API operation of the served document and
//! every page) is requested by every kind of caller, API routes with a token and pages with
//! a signed-in session, and each answer is searched for the party's name, ID number, phone and
//! address. Where they appear:
//!
//! - for the case's own department (its officers and administrators) that is their work and
//!   is not recorded (the design's rule);
//! - for an inspector, a `PersonalDataRead` of the case must have been recorded by that
//!   request;
//! - for anyone else it is a leak.
//!
//! And the routes where they appear must be exactly [`SHOWS_PERSONAL_DATA`], so a new route
//! that shows personal data fails here until it is listed (and, for inspectors, recorded).
use std::collections::BTreeSet;

use aggregates::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{BACKENDS, Console, TestApp, sign_in};

/// The routes (method and path as routed) whose answers show the party's personal data to
/// someone.
const SHOWS_PERSONAL_DATA: &[&str] = &[
    "GET /api/v1/cases/{id}",
    "GET /api/v1/cases/{id}/events",
    "GET /api/v1/inspector/cases/{id}",
    "GET /api/v1/alerts/{id}",
    "GET /api/v1/worklist",
    "GET /officer/worklist",
    "GET /officer/cases/{id}",
    "GET /inspector/cases/{id}",
];

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Officer,
    Admin,
    OtherOfficer,
    Inspector,
}

const WHO: [Who; 5] = [
    Who::Anonymous,
    Who::Officer,
    Who::Admin,
    Who::OtherOfficer,
    Who::Inspector,
];

/// How many reads of `case` have been recorded (each read is a stream `{case}:{uuid}`).
async fn reads_of(app: &TestApp, case: &str) -> usize {
    let prefix = format!("{case}:");
    app.engine
        .repo()
        .aggregate_ids("DataAccess")
        .await
        .unwrap()
        .iter()
        .filter(|id| id.starts_with(&prefix))
        .count()
}

#[tokio::test]
async fn every_route_showing_personal_data_is_listed_and_an_inspectors_read_is_recorded() {
    for backend in BACKENDS {
        // The alert raiser runs in the server holding its lease: a database of its own.
        let app = match backend {
            crate::helpers::Backend::Sqlite => TestApp::spawn(backend).await,
            crate::helpers::Backend::Postgres => TestApp::spawn_isolated_pg().await,
        };
        let power = app.licence_power().await;
        let officer_token = app.officer("alice");
        // A person's application received a month ago and accepted only now: a late
        // acceptance, so the alert routes have an alert about this party to show.
        let received = crate::helpers::test_now() - chrono::Duration::days(30);
        let r = app
            .post(
                "/api/v1/cases",
                Some(&officer_token),
                &json!({
                    "power_code": power,
                    "party": {
                        "kind": "person", "name": "司马隐私", "id_number": "11010519491231002X",
                        "phone": "13700139457", "address": "上海市浦东新区隐私路8848号"
                    },
                    "channel": "window",
                    "received_at": received.to_rfc3339(),
                }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let opened: Value = r.json().await.unwrap();
        let id = opened["id"].as_str().unwrap().to_owned();
        let code = opened["query_code"].as_str().unwrap().to_owned();
        assert_eq!(
            app.step(&id, &officer_token, "受理", 1).await.status(),
            StatusCode::OK
        );
        let inspector_token = app.token(Role::Inspector, None, "inspector-zhao");
        let alerts = crate::alerts::alerts_of(&app, &inspector_token, &id).await;
        let alert = alerts
            .first()
            .unwrap_or_else(|| panic!("{backend:?}: no alert for the late acceptance"))["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let case: Value = app
            .get(&format!("/api/v1/cases/{id}"), Some(&officer_token))
            .await
            .json()
            .await
            .unwrap();
        let party = &case["party"];
        let secrets: Vec<String> = ["name", "id_number", "phone", "address"]
            .iter()
            .map(|f| {
                party[f]
                    .as_str()
                    .unwrap_or_else(|| panic!("{f}: {party}"))
                    .to_owned()
            })
            .collect();
        let other_department = format!("{}-other", app.department);
        let tokens = [
            (Who::Anonymous, None),
            (Who::Officer, Some(officer_token.clone())),
            (Who::Admin, Some(app.admin())),
            (
                Who::OtherOfficer,
                Some(app.token(Role::Officer, Some(&other_department), "bob")),
            ),
            (Who::Inspector, Some(inspector_token.clone())),
        ];
        let mut sessions: Vec<(Who, Option<Console>)> = vec![(Who::Anonymous, None)];
        for (who, role, department) in [
            (Who::Officer, Role::Officer, Some(app.department.clone())),
            (Who::Admin, Role::Admin, Some(app.department.clone())),
            (
                Who::OtherOfficer,
                Role::Officer,
                Some(other_department.clone()),
            ),
            (Who::Inspector, Role::Inspector, None),
        ] {
            let (name, password) = app.account(role, department.as_deref()).await;
            sessions.push((who, Some(sign_in(&app.address, &name, &password).await)));
        }

        let routes: Vec<(&str, &str)> = crate::access::table()
            .iter()
            .filter(|row| row.method == "GET")
            .map(|row| (row.method, row.path))
            .collect();
        assert!(routes.len() > 30, "{} GET routes", routes.len());
        let mut shown = BTreeSet::new();
        let mut failures = Vec::new();
        for (method, route) in &routes {
            let about_alert = route.contains("/alerts/");
            let mut path = route
                .replace("{id}", if about_alert { &alert } else { &id })
                .replace("{tracking_no}", &id)
                .replace("{code}", &power)
                .replace("{n}", "1");
            if route.starts_with("/api/v1/public/cases/") {
                path.push_str(&format!("?code={code}"));
            }
            if *route == "/track" {
                path.push_str(&format!("?no={id}&code={code}"));
            }
            for who in WHO {
                let before = reads_of(&app, &id).await;
                let response = if route.starts_with("/api/") {
                    let token = tokens.iter().find(|(w, _)| *w == who).unwrap().1.as_deref();
                    app.get(&path, token).await
                } else {
                    let console = sessions.iter().find(|(w, _)| *w == who).unwrap().1.as_ref();
                    app.page(&path, console).await
                };
                let status = response.status();
                assert_ne!(
                    status,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "{path} as {who:?}"
                );
                let body = response.text().await.unwrap();
                let found: Vec<&String> = secrets.iter().filter(|s| body.contains(*s)).collect();
                if found.is_empty() {
                    continue;
                }
                shown.insert(format!("{method} {route}"));
                match who {
                    Who::Officer | Who::Admin => {}
                    Who::Inspector => {
                        let after = reads_of(&app, &id).await;
                        if after <= before {
                            failures.push(format!(
                                "{method} {path} showed {found:?} to an inspector without \
                                 recording the read"
                            ));
                        }
                    }
                    Who::Anonymous | Who::OtherOfficer => failures.push(format!(
                        "{method} {path} showed {found:?} to {who:?} ({status})"
                    )),
                }
            }
        }
        let listed: BTreeSet<String> = SHOWS_PERSONAL_DATA.iter().map(|s| s.to_string()).collect();
        assert!(failures.is_empty(), "{backend:?}:\n{}", failures.join("\n"));
        assert_eq!(
            shown, listed,
            "{backend:?}: the routes that show personal data are not the listed ones"
        );
    }
}
