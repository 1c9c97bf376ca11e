//! 抽查: a sample drawn from a department's concluded cases with a recorded seed, reproduced by
//! hand from that seed, drawn again the same, and a finding recorded per case.
use aggregates::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{BACKENDS, TestApp, assert_problem};

/// A concluded licence case's tracking number.
async fn concluded(app: &TestApp, power: &str, officer: &str, other: &str) -> String {
    app.concluded_licence_case(power, officer, other).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_spot_check_is_reproduced_from_its_seed() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let zhang = app.officer("officer-s-1");
        let li = app.officer("officer-s-2");
        let inspector = app.token(Role::Inspector, None, "inspector-s-1");
        app.clock
            .set(chrono::DateTime::parse_from_rfc3339("2026-11-10T10:00:00+08:00").unwrap());
        let mut population = Vec::new();
        for _ in 0..6 {
            population.push(concluded(&app, &power, &zhang, &li).await);
        }
        // One still open: not in the population.
        app.open_case(&power, &zhang).await;
        population.sort();

        let body = json!({"department": app.department, "from": "2026-11-01", "to": "2026-11-30",
                          "size": 3, "seed": "20261207"});
        let r = app
            .post("/api/v1/spot-checks", Some(&inspector), &body)
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{backend:?}");
        let check: Value = r.json().await.unwrap();
        assert_eq!(check["seed"], "20261207");
        assert_eq!(check["population_count"], 6);

        // By hand, as anyone could: rank by SHA-256 of "{seed}:{number}", take the lowest 3.
        let mut ranked: Vec<(String, &String)> = population
            .iter()
            .map(|id| (hex::encode(Sha256::digest(format!("20261207:{id}"))), id))
            .collect();
        ranked.sort();
        let expected: Vec<&String> = ranked.iter().take(3).map(|r| r.1).collect();
        let drawn: Vec<&str> = check["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["case_id"].as_str().unwrap())
            .collect();
        assert_eq!(
            drawn,
            expected.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "{backend:?}"
        );
        assert_eq!(
            check["population_sha256"],
            hex::encode(Sha256::digest(population.join("\n"))).as_str()
        );
        assert_eq!(check["reproduction"]["matches"], true);

        // The same seed over the same period draws the same cases; another seed may not.
        let again: Value = app
            .post("/api/v1/spot-checks", Some(&inspector), &body)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(again["cases"], check["cases"]);
        assert_ne!(again["id"], check["id"]);

        // A finding per sampled case, once; a deficiency needs its note.
        let id = check["id"].as_str().unwrap();
        let findings = format!("/api/v1/spot-checks/{id}/findings");
        let r = app
            .post(
                &findings,
                Some(&inspector),
                &json!({"case_id": drawn[0], "finding": "deficient"}),
            )
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_note").await;
        let r = app
            .post(
                &findings,
                Some(&inspector),
                &json!({"case_id": drawn[0], "finding": "deficient", "note": "未一次性告知补正材料"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let after: Value = r.json().await.unwrap();
        assert_eq!(after["cases"][0]["finding"], "deficient");
        let r = app
            .post(
                &findings,
                Some(&inspector),
                &json!({"case_id": drawn[0], "finding": "compliant"}),
            )
            .await;
        assert_problem(r, StatusCode::CONFLICT, "already_found").await;
        let outside = population
            .iter()
            .find(|p| !drawn.contains(&p.as_str()))
            .unwrap();
        let r = app
            .post(
                &findings,
                Some(&inspector),
                &json!({"case_id": outside, "finding": "compliant"}),
            )
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "not_sampled").await;

        // Refusals change nothing.
        for (body, code) in [
            (
                json!({"department": app.department, "from": "2026-11-01", "to": "2026-11-30", "size": 0}),
                "invalid_size",
            ),
            (
                json!({"department": app.department, "from": "2026-11-30", "to": "2026-11-01", "size": 3}),
                "invalid_period",
            ),
            (
                json!({"department": app.department, "from": "2025-01-01", "to": "2025-01-31", "size": 3}),
                "empty_population",
            ),
            (
                json!({"department": app.department, "from": "2026-11-01", "to": "2026-11-30", "size": 3, "seed": "x"}),
                "invalid_seed",
            ),
            (
                json!({"department": "NOT AN ID", "from": "2026-11-01", "to": "2026-11-30", "size": 3}),
                "invalid_department",
            ),
        ] {
            let r = app
                .post("/api/v1/spot-checks", Some(&inspector), &body)
                .await;
            assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, code).await;
        }
        let r = app.post("/api/v1/spot-checks", Some(&zhang), &body).await;
        assert_problem(r, StatusCode::FORBIDDEN, "forbidden").await;
        let all: Vec<Value> = app
            .get("/api/v1/spot-checks", Some(&inspector))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            all.iter()
                .filter(|c| c["department"] == app.department.as_str())
                .count(),
            2,
            "{backend:?}"
        );
    }
}
