//! The web console's accounts, sessions, CSRF tokens and lockout, over HTTP on both stores;
//! and the console pages driven as a browser without scripts would (forms, cookies).
use aggregates::Role;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    BACKENDS, Console, TestApp, assert_problem, hidden, post_sign_in, set_cookie, sign_in,
};

fn body_error(html: &str) -> String {
    let start = html
        .find("id=\"error\">")
        .map(|i| i + "id=\"error\">".len());
    match start {
        Some(s) => html[s..html[s..].find('<').map_or(html.len(), |e| s + e)].to_string(),
        None => String::new(),
    }
}

/// Runs raw SQL on the test's store (to age a session or read a lock).
async fn sql(app: &TestApp, text: &str) {
    match app.engine.repo() {
        yangguang::store::EventRepo::Sqlite(pool) => {
            sqlx::query(text).execute(pool.pool()).await.unwrap();
        }
        yangguang::store::EventRepo::Postgres(yangguang::store::PgStore { pool, .. }) => {
            sqlx::query(text).execute(pool).await.unwrap();
        }
    }
}

async fn open_case_by_form(app: &TestApp, console: &Console, power: &str) -> String {
    let r = app
        .form(
            "/officer/cases",
            Some(console),
            &[
                ("power", power),
                ("kind", "organisation"),
                ("name", "上海某某餐饮管理有限公司"),
                ("id_number", "91350100M000100Y43"),
                ("channel", "window"),
                (
                    "received_at",
                    &crate::helpers::test_now()
                        .with_timezone(&aggregates::case::china_offset())
                        .format("%Y-%m-%dT%H:%M")
                        .to_string(),
                ),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let html = r.text().await.unwrap();
    let start = html.find("id=\"tracking-no\">").unwrap() + "id=\"tracking-no\">".len();
    html[start..start + html[start..].find('<').unwrap()].to_string()
}

async fn events(app: &TestApp, id: &str) -> Vec<Value> {
    let admin = app.admin();
    app.get(&format!("/api/v1/cases/{id}/events"), Some(&admin))
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_signed_in_officer_acts_as_their_account_exactly_as_with_a_token() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let (name, password) = app.account(Role::Officer, Some(&app.department)).await;

        let r = post_sign_in(&app.address, &name, &password).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{backend:?}");
        let set: Vec<String> = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let session = set.iter().find(|c| c.starts_with("yg_session=")).unwrap();
        for part in ["HttpOnly", "SameSite=Strict", "Path=/;"] {
            assert!(session.contains(part), "{session}");
        }
        assert!(!session.contains("Secure"), "plain http: no Secure flag");
        assert_eq!(r.headers()["location"], "/console");

        let console = sign_in(&app.address, &name, &password).await;
        let home = app.page("/console", Some(&console)).await;
        assert_eq!(home.status(), StatusCode::SEE_OTHER);
        assert_eq!(home.headers()["location"], "/officer/worklist");

        let id = open_case_by_form(&app, &console, &power).await;
        let r = app
            .form(
                &format!("/officer/cases/{id}/step"),
                Some(&console),
                &[
                    ("expected_version", "1"),
                    ("outcome", "受理"),
                    ("note", "材料齐全"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{backend:?}");
        let events = events(&app, &id).await;
        assert_eq!(events.len(), 2);
        for e in &events {
            assert_eq!(e["metadata"]["actor"], name.as_str(), "{e}");
            assert_eq!(e["metadata"]["role"], "officer");
            assert_eq!(e["metadata"]["department"], app.department.as_str());
        }
        assert_eq!(
            events[0]["payload"]["CaseOpened"]["opened_by"],
            name.as_str()
        );
        assert_eq!(events[1]["payload"]["StepCompleted"]["by"], name.as_str());
        assert_eq!(events[1]["payload"]["StepCompleted"]["note"], "材料齐全");

        // A fee by form: the licence is free, so the record keeps that the schedule says 0.
        let r = app
            .form(
                &format!("/officer/cases/{id}/fee"),
                Some(&console),
                &[
                    ("expected_version", "2"),
                    ("item", "不收费"),
                    ("amount", "12.50"),
                    ("note", "票据 7"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{backend:?}");
        let events = self::events(&app, &id).await;
        let fee = &events[2]["payload"]["FeeCharged"];
        assert_eq!(fee["amount_fen"], 1250);
        assert_eq!(fee["standard_fen"], 0);
        assert_eq!(fee["by"], name.as_str());
        let r = app
            .form(
                &format!("/officer/cases/{id}/fee"),
                Some(&console),
                &[
                    ("expected_version", "3"),
                    ("item", "工本费"),
                    ("amount", "0"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text().await.unwrap().contains("value=\"工本费\""),
            "the item is kept"
        );
        // And over the API, with a token: the same command, the fee on the case.
        let officer = app.officer("api-officer");
        let r = app
            .post(
                &format!("/api/v1/cases/{id}/fees"),
                Some(&officer),
                &serde_json::json!({"item": "加急费", "amount_fen": 5000, "expected_version": 3}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let case: Value = r.json().await.unwrap();
        assert_eq!(case["fees"].as_array().unwrap().len(), 2);
        assert_eq!(case["fees"][1]["standard_fen"], Value::Null);

        // Behind a TLS proxy the cookie is Secure.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let form = client
            .get(format!("{}/sign-in", app.address))
            .header("x-forwarded-proto", "https")
            .send()
            .await
            .unwrap();
        let token = set_cookie(&form, "yg_signin").unwrap();
        let r = client
            .post(format!("{}/sign-in", app.address))
            .header("x-forwarded-proto", "https")
            .header("cookie", format!("yg_signin={token}"))
            .form(&[
                ("signin_token", token.as_str()),
                ("username", &name),
                ("password", &password),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let secure = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("yg_session="))
            .unwrap();
        assert!(secure.contains("; Secure"), "{secure}");
    }
}

#[tokio::test]
async fn every_post_needs_the_sessions_csrf_token_and_changes_nothing_without_it() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let (name, password) = app.account(Role::Officer, Some(&app.department)).await;
        let console = sign_in(&app.address, &name, &password).await;
        let other = sign_in(&app.address, &name, &password).await;
        assert_ne!(console.csrf, other.csrf, "one token per session");
        let id = open_case_by_form(&app, &console, &power).await;
        for csrf in ["", "0", other.csrf.as_str(), &console.csrf[..63]] {
            for (path, fields) in [
                (
                    format!("/officer/cases/{id}/step"),
                    vec![("expected_version", "1"), ("outcome", "受理")],
                ),
                (
                    format!("/officer/cases/{id}/clock"),
                    vec![
                        ("expected_version", "1"),
                        ("action", "pause"),
                        ("reason", "鉴定"),
                    ],
                ),
                (
                    format!("/officer/cases/{id}/withdraw"),
                    vec![("expected_version", "1"), ("reason", "撤回")],
                ),
                ("/sign-out".to_string(), vec![]),
            ] {
                let mut fields = fields.clone();
                fields.push(("csrf", csrf));
                let r = app.form(&path, Some(&console), &fields).await;
                assert_eq!(
                    r.status(),
                    StatusCode::FORBIDDEN,
                    "{backend:?} {path} csrf={csrf:?}"
                );
            }
        }
        assert_eq!(events(&app, &id).await.len(), 1, "nothing was written");
        // The session survived the forged sign-out.
        assert_eq!(
            app.page("/officer/worklist", Some(&console)).await.status(),
            StatusCode::OK
        );
        // The sign-in form without its double-submit cookie is refused.
        let client = reqwest::Client::new();
        let r = client
            .post(format!("{}/sign-in", app.address))
            .form(&[
                ("signin_token", "abc"),
                ("username", name.as_str()),
                ("password", password.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert!(set_cookie(&r, "yg_session").is_none());
    }
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_with_the_same_answer_as_an_unknown_name() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let (name, password) = app.account(Role::Officer, Some(&app.department)).await;

        let unknown = post_sign_in(&app.address, "nobody-here", "whatever-it-is").await;
        assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
        let unknown = body_error(&unknown.text().await.unwrap());
        assert!(!unknown.is_empty());

        // Four failures, then the right password: the count starts again.
        for _ in 0..4 {
            let r = post_sign_in(&app.address, &name, "wrong-password-1").await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
            assert_eq!(body_error(&r.text().await.unwrap()), unknown);
        }
        assert_eq!(
            post_sign_in(&app.address, &name, &password).await.status(),
            StatusCode::SEE_OTHER
        );
        // Five in a row lock it: the right password is refused, with the same words.
        for _ in 0..5 {
            let r = post_sign_in(&app.address, &name, "wrong-password-2").await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
        let locked = post_sign_in(&app.address, &name, &password).await;
        assert_eq!(locked.status(), StatusCode::UNAUTHORIZED, "{backend:?}");
        assert!(set_cookie(&locked, "yg_session").is_none());
        assert_eq!(body_error(&locked.text().await.unwrap()), unknown);

        let identity = app
            .engine
            .repo()
            .identity("local", &name)
            .await
            .unwrap()
            .unwrap();
        let until = identity.locked_until.expect("locked");
        let expected = app.now().timestamp() + 15 * 60;
        assert!(
            (expected - 5..=expected + 1).contains(&until),
            "{until} vs {expected}"
        );
        assert_eq!(identity.failed_count, 0);

        // `users unlock` lifts it.
        app.engine
            .repo()
            .clear_sign_in_failures("local", &name)
            .await
            .unwrap();
        assert_eq!(
            post_sign_in(&app.address, &name, &password).await.status(),
            StatusCode::SEE_OTHER
        );
    }
}

#[tokio::test]
async fn sign_out_idle_time_expiry_and_disabling_end_sessions() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let (name, password) = app.account(Role::Officer, Some(&app.department)).await;

        let console = sign_in(&app.address, &name, &password).await;
        let r = app.form("/sign-out", Some(&console), &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(
            r.headers()
                .get_all("set-cookie")
                .iter()
                .any(|v| v.to_str().unwrap().starts_with("yg_session=;")),
            "the cookie is cleared"
        );
        let after = app.page("/officer/worklist", Some(&console)).await;
        assert_eq!(
            after.status(),
            StatusCode::UNAUTHORIZED,
            "{backend:?}: revoked"
        );
        assert!(after.text().await.unwrap().contains("id=\"sign-in\""));

        // Idle for longer than the idle timeout (30 minutes).
        let idle = sign_in(&app.address, &name, &password).await;
        let hash = yangguang::identity::accounts::session_hash(&idle.session_id);
        sql(
            &app,
            &format!(
                "UPDATE sessions SET last_seen_at = last_seen_at - 1801 WHERE id_hash = '{hash}'"
            ),
        )
        .await;
        assert_eq!(
            app.page("/officer/worklist", Some(&idle)).await.status(),
            StatusCode::UNAUTHORIZED
        );
        // Past its absolute end.
        let old = sign_in(&app.address, &name, &password).await;
        let hash = yangguang::identity::accounts::session_hash(&old.session_id);
        sql(
            &app,
            &format!("UPDATE sessions SET expires_at = created_at WHERE id_hash = '{hash}'"),
        )
        .await;
        assert_eq!(
            app.page("/officer/worklist", Some(&old)).await.status(),
            StatusCode::UNAUTHORIZED
        );
        // Only the hash is stored.
        let live = sign_in(&app.address, &name, &password).await;
        assert!(
            app.engine
                .repo()
                .session(&live.session_id)
                .await
                .unwrap()
                .is_none()
        );

        // Disabling ends its sessions and refuses sign-in with the usual words; enabling
        // lets the same account (same actor id) back in.
        let now = chrono::Utc::now().timestamp();
        assert!(
            app.engine
                .repo()
                .set_account_disabled(&name, Some(now), now)
                .await
                .unwrap()
        );
        assert_eq!(
            app.page("/officer/worklist", Some(&live)).await.status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            post_sign_in(&app.address, &name, &password).await.status(),
            StatusCode::UNAUTHORIZED
        );
        app.engine
            .repo()
            .set_account_disabled(&name, None, now)
            .await
            .unwrap();
        let again = sign_in(&app.address, &name, &password).await;
        // A new password (`users password`) ends the sessions too, and the old one stops.
        yangguang::identity::accounts::set_password(
            app.engine.repo(),
            &name,
            "a brand new passphrase",
            now,
        )
        .await
        .unwrap();
        assert_eq!(
            app.page("/officer/worklist", Some(&again)).await.status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            post_sign_in(&app.address, &name, &password).await.status(),
            StatusCode::UNAUTHORIZED
        );
        sign_in(&app.address, &name, "a brand new passphrase").await;
        // A form posted after the session ended offers the sign-in form, coming back to the
        // console (not to the POST-only address).
        let r = app
            .form("/officer/cases", Some(&again), &[("power", "X")])
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            hidden(&r.text().await.unwrap(), "next").as_deref(),
            Some("/console")
        );
    }
}

#[tokio::test]
async fn each_role_sees_its_own_console_pages_only() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let other_department = format!("{}-other", app.department);
        let mut consoles = Vec::new();
        for (role, department) in [
            (Role::Officer, Some(app.department.as_str())),
            (Role::Officer, Some(other_department.as_str())),
            (Role::Admin, Some(app.department.as_str())),
            (Role::Inspector, None),
        ] {
            let (name, password) = app.account(role, department).await;
            let r = post_sign_in(&app.address, &name, &password).await;
            let cookie = format!("yg_session={}", set_cookie(&r, "yg_session").unwrap());
            consoles.push(Console {
                cookie,
                csrf: String::new(),
                session_id: String::new(),
            });
        }
        let (name, password) = app.account(Role::Officer, Some(&app.department)).await;
        let writer = sign_in(&app.address, &name, &password).await;
        let id = open_case_by_form(&app, &writer, &power).await;
        // anonymous, officer, other department's officer, admin, inspector
        let table: Vec<(String, [u16; 5])> = vec![
            ("/officer/worklist".into(), [401, 200, 200, 200, 403]),
            ("/officer/cases/new".into(), [401, 200, 200, 403, 403]),
            // Another department's case reads as a number never issued (finding 10).
            (format!("/officer/cases/{id}"), [401, 200, 404, 200, 200]),
            (
                "/officer/cases/YG20260101ZZZZZZZZ".into(),
                [401, 404, 404, 404, 404],
            ),
            ("/admin".into(), [401, 403, 403, 200, 403]),
            ("/admin/upload".into(), [401, 403, 403, 200, 403]),
            ("/console".into(), [401, 303, 303, 303, 303]),
        ];
        let mut failures = Vec::new();
        for (path, expected) in table {
            for (i, want) in expected.iter().enumerate() {
                let console = if i == 0 { None } else { Some(&consoles[i - 1]) };
                let got = app.page(&path, console).await.status().as_u16();
                if got != *want {
                    failures.push(format!("{path} caller {i}: {got}, expected {want}"));
                }
            }
        }
        assert!(failures.is_empty(), "{backend:?}:\n{}", failures.join("\n"));
        // An admin or inspector reading the case sees no action forms.
        let r = app
            .page(&format!("/officer/cases/{id}"), Some(&consoles[2]))
            .await;
        assert!(!r.text().await.unwrap().contains("id=\"step-form\""));
    }
}

/// Security finding 9: a refused sign-in does the same work whether the name is an account's
/// or not (one read, one password check, one write of the name's failure count), so its timing
/// tells nothing. Before, only a real name's failures were written (about 0.65 ms more). The
/// lockout counts an unknown name's failures exactly as an account's, and the table keeps no
/// name readable.
#[tokio::test]
async fn a_refused_sign_in_does_the_same_work_for_unknown_and_real_names() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let (name, _) = app.account(Role::Officer, Some(&app.department)).await;
        let unknown = format!("{name}-nobody");
        let repo = app.engine.repo();
        for tries in 1..=5 {
            for who in [&name, &unknown] {
                let r = post_sign_in(&app.address, who, "wrong-password").await;
                assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{backend:?}");
            }
            let real = repo.sign_in_failures("local", &name).await.unwrap();
            let none = repo.sign_in_failures("local", &unknown).await.unwrap();
            assert!(
                real.is_some(),
                "{backend:?}: {tries} failures of {name} recorded"
            );
            assert_eq!(
                real.map(|(count, lock)| (count, lock.is_some())),
                none.map(|(count, lock)| (count, lock.is_some())),
                "{backend:?}: after {tries} failures each"
            );
        }
        // The fifth failure locked both names, for the same time.
        let (_, real_lock) = repo
            .sign_in_failures("local", &name)
            .await
            .unwrap()
            .unwrap();
        let (_, none_lock) = repo
            .sign_in_failures("local", &unknown)
            .await
            .unwrap()
            .unwrap();
        let (real_lock, none_lock) = (real_lock.unwrap(), none_lock.unwrap());
        assert!(
            (real_lock - none_lock).abs() <= 2,
            "{real_lock} vs {none_lock}"
        );
        // What was typed is not kept readable.
        let keys = match repo {
            yangguang::store::EventRepo::Sqlite(store) => {
                sqlx::query_scalar::<_, String>("SELECT name_hash FROM sign_in_failures")
                    .fetch_all(store.pool())
                    .await
                    .unwrap()
            }
            yangguang::store::EventRepo::Postgres(store) => {
                sqlx::query_scalar::<_, String>("SELECT name_hash FROM sign_in_failures")
                    .fetch_all(&store.pool)
                    .await
                    .unwrap()
            }
        };
        assert!(keys.len() >= 2, "{keys:?}");
        assert!(
            keys.iter().all(|k| !k.contains(&name)),
            "{backend:?}: {keys:?}"
        );
    }
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_address() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let app = app
        .restart_with(|s| {
            s.sign_in_per_minute = 1;
            s.sign_in_burst = 3;
        })
        .await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = post_sign_in(&app.address, "nobody-at-all", "not-the-password").await;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            let retry: u64 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&retry));
        }
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
}

#[tokio::test]
async fn a_conflicting_edit_shows_what_changed_and_keeps_what_was_typed() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let (a, pa) = app.account(Role::Officer, Some(&app.department)).await;
        let (b, pb) = app.account(Role::Officer, Some(&app.department)).await;
        let first = sign_in(&app.address, &a, &pa).await;
        let second = sign_in(&app.address, &b, &pb).await;
        let id = open_case_by_form(&app, &first, &power).await;
        let path = format!("/officer/cases/{id}/step");
        let r = app
            .form(
                &path,
                Some(&first),
                &[
                    ("expected_version", "1"),
                    ("outcome", "受理"),
                    ("note", "甲的备注"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let r = app
            .form(
                &path,
                Some(&second),
                &[
                    ("expected_version", "1"),
                    ("outcome", "不予受理"),
                    ("note", "乙写的很长的备注"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "{backend:?}");
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"conflict\""));
        let new_events = &html[html.find("id=\"new-events\"").unwrap()..];
        let new_events = &new_events[..new_events.find("</ol>").unwrap()];
        assert!(new_events.contains("甲的备注"), "{new_events}");
        assert!(new_events.contains(&a), "who did it: {new_events}");
        assert!(
            html.contains(">乙写的很长的备注</textarea>"),
            "the note is kept"
        );
        assert_eq!(hidden(&html, "expected_version").as_deref(), Some("2"));
        assert_eq!(
            events(&app, &id).await.len(),
            2,
            "the second write was not stored"
        );
    }
}

#[tokio::test]
async fn a_penalty_outside_its_band_is_flagged_before_it_is_recorded() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let file = yangguang::engine::catalogue_file::parse(
            yangguang::engine::catalogue_file::DEMO_CATALOGUE,
        )
        .unwrap();
        let entry = file
            .powers
            .iter()
            .find(|p| p.category == aggregates::power::Category::Penalty)
            .unwrap();
        let code = format!(
            "PEN-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8].to_uppercase()
        );
        let admin = app.admin();
        let r = app
            .post(
                "/api/v1/powers",
                Some(&admin),
                &serde_json::json!({"code": code, "name": entry.name, "category": "penalty",
                    "department": app.department, "department_name": "测试局"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let r = app
            .post(
                &format!("/api/v1/powers/{code}/versions"),
                Some(&admin),
                &serde_json::to_value(&entry.version).unwrap(),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let (name, password) = app.account(Role::Officer, Some(&app.department)).await;
        let console = sign_in(&app.address, &name, &password).await;
        let id = open_case_by_form(&app, &console, &code).await;
        let path = format!("/officer/cases/{id}/penalty");
        let fields = [
            ("expected_version", "1"),
            ("band", "lt10k-ordinary"),
            ("base_amount", "3000"),
            ("amount", "90000"),
            ("justification", "违法经营，无从轻从重情节"),
        ];
        let mut check = fields.to_vec();
        check.push(("intent", "check"));
        let r = app.form(&path, Some(&console), &check).await;
        assert_eq!(r.status(), StatusCode::OK, "{backend:?}");
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"penalty-check\""));
        assert!(
            html.contains("65000元 – 85000元"),
            "the band's range: {html}"
        );
        assert!(html.contains("50000元 – 100000元"), "the statutory range");
        assert!(html.contains("class=\"check warning\""));
        assert!(html.contains("id=\"penalty-record-submit\""));
        assert!(html.contains("value=\"90000\""), "the amount is kept");
        assert_eq!(events(&app, &id).await.len(), 1, "a check writes nothing");

        let mut record = fields.to_vec();
        record.push(("intent", "record"));
        let r = app.form(&path, Some(&console), &record).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let events = events(&app, &id).await;
        let recorded = &events[1]["payload"]["PenaltyDecisionRecorded"];
        assert_eq!(recorded["amount_fen"], 9_000_000);
        assert_eq!(recorded["check"]["verdict"], "above_band");
        assert_eq!(events[1]["metadata"]["actor"], name.as_str());
    }
}

#[tokio::test]
async fn an_administrator_sees_every_problem_of_an_upload_then_publishes_and_suspends() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let (name, password) = app.account(Role::Admin, Some(&app.department)).await;
        let console = sign_in(&app.address, &name, &password).await;
        let file = yangguang::engine::catalogue_file::parse(
            yangguang::engine::catalogue_file::DEMO_CATALOGUE,
        )
        .unwrap();
        let mut entry = file
            .powers
            .iter()
            .find(|p| p.name == "食品经营许可")
            .unwrap()
            .clone();
        entry.code = format!(
            "UP-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8].to_uppercase()
        );
        entry.department = app.department.clone();
        let good = serde_norway::to_string(&entry).unwrap();
        // Break it: a step nobody reaches, a transition to nowhere, no legal basis.
        let mut bad = entry.clone();
        bad.version.legal_basis.clear();
        bad.version
            .flowchart
            .transitions
            .retain(|t| t.to != "site_check");
        bad.version
            .flowchart
            .transitions
            .push(aggregates::flowchart::TransitionSpec {
                from: "review".into(),
                outcome: "转交".into(),
                to: "nowhere".into(),
                exception: false,
            });
        let bad = serde_norway::to_string(&bad).unwrap();
        let r = app
            .form("/admin/upload", Some(&console), &[("yaml", &bad)])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"problems-summary\""));
        assert!(html.contains("<svg"), "the preview is drawn");
        assert!(
            html.contains("yg-problem"),
            "steps with problems are marked"
        );
        assert!(
            !html.contains("id=\"publish\""),
            "no publishing an invalid version"
        );
        let row = html
            .split("<tr ")
            .find(|r| r.starts_with("data-step=\"site_check\""))
            .expect("a row for the unreachable step");
        assert!(row.contains("unreachable_step"), "{row}");
        assert!(html.contains("legal_basis"));

        let r = app
            .form("/admin/upload", Some(&console), &[("yaml", "powers: [")])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("data-code=\"malformed\""));

        let r = app
            .form("/admin/upload", Some(&console), &[("yaml", &good)])
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"publish\""));
        let r = app
            .form("/admin/publish", Some(&console), &[("yaml", &good)])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let r = app
            .get(&format!("/api/v1/powers/{}", entry.code), None)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let events = app
            .engine
            .repo()
            .aggregate_events("Power", &entry.code)
            .await
            .unwrap();
        assert!(events.iter().all(|e| e.metadata["actor"] == name.as_str()));

        let r = app
            .form(
                &format!("/admin/powers/{}/status", entry.code),
                Some(&console),
                &[("action", "suspend"), ("reason", "依据修订")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let power: Value = app
            .get(&format!("/api/v1/powers/{}", entry.code), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(power["status"], "suspended");
        // Another department's power is refused.
        let other = format!("{}-x", app.department);
        let mut foreign = entry.clone();
        foreign.department = other;
        let r = app
            .form(
                "/admin/upload",
                Some(&console),
                &[("yaml", &serde_norway::to_string(&foreign).unwrap())],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("wrong_department"));
    }
}

#[tokio::test]
async fn the_users_command_adds_lists_disables_and_never_takes_a_password_as_an_argument() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_yangguang"))
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("YANGGUANG_DATABASE_URL")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(
        &[
            "users",
            "add",
            "wang.li",
            "--role",
            "officer",
            "--department",
            "pudong-amr",
            "--display-name",
            "王丽",
        ],
        "a long passphrase 1\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = run(
        &[
            "users",
            "add",
            "wang.li",
            "--role",
            "officer",
            "--department",
            "pudong-amr",
        ],
        "another passphrase\n",
    );
    assert!(!again.status.success(), "names are never reused");
    let short = run(
        &[
            "users",
            "add",
            "li.si",
            "--role",
            "officer",
            "--department",
            "pudong-amr",
        ],
        "short\n",
    );
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 10"));
    let inspector = run(
        &[
            "users",
            "add",
            "zhao",
            "--role",
            "inspector",
            "--department",
            "pudong-amr",
        ],
        "a long passphrase 2\n",
    );
    assert!(!inspector.status.success(), "inspectors have no department");
    let help = run(&["users", "add", "--help"], "");
    assert!(!String::from_utf8_lossy(&help.stdout).contains("--password"));
    // A token issued for the account names it (security finding 5); one with another role
    // than the account's is refused.
    let token = run(
        &[
            "token",
            "issue",
            "--role",
            "officer",
            "--department",
            "pudong-amr",
            "--subject",
            "wang.li",
        ],
        "",
    );
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let token = String::from_utf8_lossy(&token.stdout).trim().to_owned();
    let claims: serde_json::Value = {
        use base64::Engine as _;
        let payload = token.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(claims["acct"], "wang.li", "{claims}");
    let escalated = run(
        &[
            "token",
            "issue",
            "--role",
            "admin",
            "--department",
            "pudong-amr",
            "--subject",
            "wang.li",
        ],
        "",
    );
    assert!(
        !escalated.status.success(),
        "another role than the account's"
    );
    assert!(run(&["users", "disable", "wang.li"], "").status.success());
    let disabled = run(
        &[
            "token",
            "issue",
            "--role",
            "officer",
            "--department",
            "pudong-amr",
            "--subject",
            "wang.li",
        ],
        "",
    );
    assert!(
        !disabled.status.success(),
        "no token for a disabled account"
    );
    let list = run(&["users", "list"], "");
    let text = String::from_utf8_lossy(&list.stdout).to_string();
    let line = text.lines().find(|l| l.starts_with("wang.li")).unwrap();
    assert!(
        line.contains("officer") && line.contains("pudong-amr") && line.contains("王丽"),
        "{line}"
    );
    assert_ne!(
        line.split_whitespace().nth(3),
        Some("-"),
        "disabled shows when: {line}"
    );
    assert!(!run(&["users", "disable", "nobody"], "").status.success());
}

/// Security finding 5: a token minted for an account stops working when the account is
/// disabled (at once, on every server), and works again when it is enabled; service tokens
/// are unaffected.
#[tokio::test]
async fn a_token_of_a_disabled_account_is_refused() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let (name, _) = app.account(Role::Officer, Some(&app.department)).await;
        let token = app
            .keys
            .issue_for_account(
                &name,
                Role::Officer,
                Some(app.department.clone()),
                chrono::Duration::days(3650),
            )
            .unwrap();
        let service = app.officer("batch-import");
        let worklist = |token: String| {
            let app = &app;
            async move { app.get("/api/v1/worklist", Some(&token)).await }
        };
        assert_eq!(
            worklist(token.clone()).await.status(),
            StatusCode::OK,
            "{backend:?}"
        );
        let now = chrono::Utc::now().timestamp();
        assert!(
            app.engine
                .repo()
                .set_account_disabled(&name, Some(now), now)
                .await
                .unwrap()
        );
        let refused = assert_problem(
            worklist(token.clone()).await,
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        )
        .await;
        assert!(
            refused["detail"].as_str().unwrap().contains("disabled"),
            "{refused}"
        );
        assert_eq!(worklist(service.clone()).await.status(), StatusCode::OK);
        assert!(
            app.engine
                .repo()
                .set_account_disabled(&name, None, now)
                .await
                .unwrap()
        );
        assert_eq!(
            worklist(token).await.status(),
            StatusCode::OK,
            "{backend:?}"
        );
        // A token naming an account that does not exist is refused too.
        let ghost = app
            .keys
            .issue_for_account(
                "nobody-here",
                Role::Officer,
                Some(app.department.clone()),
                chrono::Duration::hours(1),
            )
            .unwrap();
        assert_eq!(
            worklist(ghost).await.status(),
            StatusCode::UNAUTHORIZED,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn posting_the_open_case_form_twice_opens_one_case() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let (name, password) = app.account(Role::Officer, Some(&app.department)).await;
        let console = sign_in(&app.address, &name, &password).await;
        let form = app
            .page("/officer/cases/new?lang=zh", Some(&console))
            .await
            .text()
            .await
            .unwrap();
        let key = hidden(&form, "form_key").expect("the form carries its key");
        let received = crate::helpers::test_now()
            .with_timezone(&aggregates::case::china_offset())
            .format("%Y-%m-%dT%H:%M")
            .to_string();
        let fields = [
            ("form_key", key.as_str()),
            ("power", power.as_str()),
            ("kind", "organisation"),
            ("name", "上海某某餐饮管理有限公司"),
            ("id_number", "91350100M000100Y43"),
            ("channel", "window"),
            ("received_at", received.as_str()),
        ];
        let first = app.form("/officer/cases", Some(&console), &fields).await;
        assert_eq!(first.status(), StatusCode::CREATED, "{backend:?}");
        let first = first.text().await.unwrap();
        assert!(
            first.contains("id=\"receipt-facts\""),
            "the receipt with its limits"
        );
        assert!(first.contains("id=\"statutory-due\""));
        let second = app.form("/officer/cases", Some(&console), &fields).await;
        assert_eq!(second.status(), StatusCode::OK);
        let second = second.text().await.unwrap();
        assert!(second.contains("此表单已提交过"), "{second}");
        let number = |html: &str| {
            let start = html.find("id=\"tracking-no\">").unwrap() + "id=\"tracking-no\">".len();
            html[start..start + 18].to_string()
        };
        assert_eq!(number(&first), number(&second), "the same case");
        assert!(
            !second.contains("id=\"query-code\""),
            "the code is not shown again"
        );
        let worklist: serde_json::Value = app
            .get("/api/v1/worklist", Some(&app.officer("officer-wang")))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(worklist.as_array().map(Vec::len), Some(1), "{worklist}");
        // Another form (a new key) opens another case.
        let form = app
            .page("/officer/cases/new", Some(&console))
            .await
            .text()
            .await
            .unwrap();
        let other = hidden(&form, "form_key").unwrap();
        assert_ne!(other, key);
    }
}
