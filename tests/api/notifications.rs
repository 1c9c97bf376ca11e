//! 办理通知 through a real SMTP server (aiosmtpd): the applicant hears back at each moment that
//! concerns them, once, and a relay that is down delays mail without losing any — across a
//! restart of the server.
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{BACKENDS, Backend, TestApp};
use crate::smtp::SmtpServer;

const TRACK_URL: &str = "https://zwgk.example.gov.cn/track";

/// A server of its own (the notifier holds a lease per database) sending through `smtp_url`.
async fn app_sending_to(backend: Backend, smtp_url: String) -> TestApp {
    let app = match backend {
        Backend::Sqlite => TestApp::spawn(Backend::Sqlite).await,
        Backend::Postgres => TestApp::spawn_isolated_pg().await,
    };
    app.restart_with(|s| {
        s.notifications.smtp_url = Some(smtp_url);
        s.notifications.track_url = Some(TRACK_URL.into());
    })
    .await
}

/// Applies online for `power` with an e-mail address and a mobile number; returns (no, code).
async fn apply(app: &TestApp, power: &str) -> (String, String) {
    let application = json!({
        "power_code": power,
        "party": {"kind": "person", "name": "赵通知", "id_number": "11010519491231002X"},
        "contact": {"email": "zhao.tongzhi@example.com", "mobile": "13800138000"},
        "file_materials": [],
    });
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/public/applications", app.address))
        .multipart(Form::new().text("application", application.to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let receipt: Value = r.json().await.unwrap();
    (
        receipt["tracking_no"].as_str().unwrap().to_string(),
        receipt["query_code"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn the_applicant_hears_back_by_email_at_each_moment_that_concerns_them_once() {
    for backend in BACKENDS {
        let smtp = SmtpServer::start();
        let app = app_sending_to(backend, smtp.url()).await;
        let power = app.licence_power().await;
        let (no, code) = apply(&app, &power).await;
        let received = smtp.wait_for("已收到申请").await;
        assert_eq!(received.to, "zhao.tongzhi@example.com");
        assert!(received.subject.contains(&no), "{received:?}");
        assert!(
            received.body.contains("我们已收到您的网上申请"),
            "{}",
            received.body
        );
        assert!(
            received
                .body
                .contains("We have received your online application")
        );
        assert!(received.body.contains(TRACK_URL));
        assert!(
            !received.body.contains(&code),
            "the query code never travels by mail"
        );

        // 补正: the notice lists every item.
        let officer = app.officer("officer-wang");
        let r = app
            .post(
                &format!("/api/v1/cases/{no}/supplement-request"),
                Some(&officer),
                &json!({
                    "outcome": "材料不齐全，一次告知补正",
                    "items": [{"material": "食品经营许可申请书", "reason": "未提交申请书"}],
                    "expected_version": 1
                }),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "{backend:?}: {}",
            r.text().await.unwrap()
        );
        let supplement = smtp.wait_for("需补正材料").await;
        assert!(
            supplement
                .body
                .contains("1. 食品经营许可申请书：未提交申请书"),
            "{}",
            supplement.body
        );

        // Answered online, then accepted.
        let r = reqwest::Client::new()
            .post(format!(
                "{}/api/v1/public/cases/{no}/supplement",
                app.address
            ))
            .multipart(
                Form::new()
                    .text(
                        "supplement",
                        json!({"code": code, "file_materials": [0]}).to_string(),
                    )
                    .part(
                        "file",
                        Part::bytes(
                            std::fs::read(concat!(
                                env!("CARGO_MANIFEST_DIR"),
                                "/tests/fixtures/materials/application.pdf"
                            ))
                            .unwrap(),
                        )
                        .file_name("申请书.pdf"),
                    ),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let case: Value = app
            .get(&format!("/api/v1/cases/{no}"), Some(&officer))
            .await
            .json()
            .await
            .unwrap();
        let version = case["version"].as_u64().unwrap();
        let r = app.step(&no, &officer, "受理", version).await;
        assert_eq!(r.status(), StatusCode::OK);
        let accepted = smtp.wait_for("已受理").await;
        assert!(accepted.body.contains("您的申请已受理（受理）"));

        // Each moment told once; the text messages went through the gateway too.
        let subjects: Vec<String> = smtp.mails().into_iter().map(|m| m.subject).collect();
        for kind in ["已收到申请", "需补正材料", "已受理"] {
            assert_eq!(
                subjects.iter().filter(|s| s.contains(kind)).count(),
                1,
                "{backend:?}: {subjects:?}"
            );
        }
        // The text messages of the same moments go out in the same rounds, one try each.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let rows = loop {
            let rows = app.engine.repo().case_notifications(&no).await.unwrap();
            if rows.len() == 6 && rows.iter().all(|n| n.sent_at.is_some()) {
                break rows;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{backend:?}: {rows:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        assert_eq!(
            rows.iter().filter(|n| n.channel == "sms").count(),
            3,
            "{rows:?}"
        );
        assert!(rows.iter().all(|n| n.attempts == 1), "{rows:?}");
    }
}

#[tokio::test]
async fn a_relay_that_is_down_delays_mail_and_a_restart_loses_none() {
    for backend in BACKENDS {
        // A port nobody listens on.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let app = app_sending_to(backend, format!("smtp://127.0.0.1:{closed}")).await;
        let power = app.licence_power().await;
        let (no, _) = apply(&app, &power).await;
        // The case is open at once; the mail waits, its failure on record.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let failed = loop {
            let rows = app.engine.repo().case_notifications(&no).await.unwrap();
            if let Some(n) = rows.iter().find(|n| n.channel == "email" && n.attempts > 0) {
                break n.clone();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{backend:?}: no failed try: {rows:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        assert!(failed.sent_at.is_none());
        assert!(
            failed.last_error.as_deref().unwrap_or("").contains("SMTP"),
            "{failed:?}"
        );
        assert!(
            failed.next_attempt_at > failed.created_at,
            "tried again later"
        );
        let counts = app.engine.repo().outbox_counts().await.unwrap();
        assert!(counts.failing >= 1, "{counts:?}");
        // The department's administrator sees it, the address masked.
        let (name, password) = app
            .account(aggregates::Role::Admin, Some(&app.department))
            .await;
        let console = crate::helpers::sign_in(&app.address, &name, &password).await;
        let page = app
            .page("/admin/notifications?lang=zh", Some(&console))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(&no) && page.contains("z***@example.com"),
            "{page}"
        );
        assert!(!page.contains("zhao.tongzhi@") && !page.contains("13800138000"));

        // The server stops with the mail unsent; the relay comes back; a new server sends it
        // once its next try is due.
        let smtp = SmtpServer::start();
        let app = app
            .restart_with(|s| s.notifications.smtp_url = Some(smtp.url()))
            .await;
        app.clock.set(app.now() + chrono::TimeDelta::minutes(10));
        let mail = smtp.wait_for("已收到申请").await;
        assert!(mail.subject.contains(&no));
        assert_eq!(smtp.mails().len(), 1, "sent once");
        let rows = app.engine.repo().case_notifications(&no).await.unwrap();
        let email = rows.iter().find(|n| n.channel == "email").unwrap();
        assert!(email.sent_at.is_some() && email.attempts >= 2, "{email:?}");
    }
}

#[tokio::test]
async fn an_asker_who_left_an_address_gets_the_answer_by_email() {
    let smtp = SmtpServer::start();
    let app = app_sending_to(Backend::Sqlite, smtp.url()).await;
    let power = app.licence_power().await;
    let officer = app.officer("officer-mail-q");
    let mut ids = Vec::new();
    for (text, email) in [
        ("分店需要单独申请许可吗？", Some("qian.zixun@example.com")),
        ("可以委托代理人办理吗？", None),
    ] {
        let mut body = json!({ "text": text });
        if let Some(e) = email {
            body["email"] = json!(e);
        }
        let r = app
            .post(
                &format!("/api/v1/public/powers/{power}/questions"),
                None,
                &body,
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        ids.push(
            r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    for id in &ids {
        let r = app
            .post(
                &format!("/api/v1/questions/{id}/answer"),
                Some(&officer),
                &json!({"text": "每个经营场所应当分别申请许可。"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let mail = smtp.wait_for("咨询已答复").await;
    assert_eq!(mail.to, "qian.zixun@example.com");
    assert!(mail.subject.contains(&ids[0]), "{mail:?}");
    assert!(
        mail.body.contains("分店需要单独申请许可吗？")
            && mail.body.contains("每个经营场所应当分别申请许可。"),
        "{}",
        mail.body
    );
    // The other asker left no address: one mail only, however long we wait for the outbox.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let answered = smtp
        .mails()
        .into_iter()
        .filter(|m| m.subject.contains("咨询已答复"))
        .count();
    assert_eq!(answered, 1);
}

#[tokio::test]
async fn the_applicant_hears_the_departments_answer_to_a_bad_rating() {
    let smtp = SmtpServer::start();
    let app = app_sending_to(Backend::Sqlite, smtp.url()).await;
    let power = app.licence_power().await;
    let (no, code) = apply(&app, &power).await;
    let zhang = app.officer("officer-mail-r1");
    let li = app.officer("officer-mail-r2");
    let mut v = app
        .get(&format!("/api/v1/cases/{no}"), Some(&zhang))
        .await
        .json::<Value>()
        .await
        .unwrap()["version"]
        .as_u64()
        .unwrap();
    for (who, outcome) in [
        (&zhang, "受理"),
        (&zhang, "书面审查符合条件"),
        (&li, "准予许可"),
    ] {
        let r = app.step(&no, who, outcome, v).await;
        assert_eq!(r.status(), StatusCode::OK, "{outcome}");
        v = r.json::<Value>().await.unwrap()["version"]
            .as_u64()
            .unwrap();
    }
    let r = app
        .post(
            &format!("/api/v1/public/cases/{no}/rating"),
            None,
            &json!({"code": code, "score": 1}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let reply = "已核实窗口未一次性告知，已对窗口人员批评教育。";
    let r = app
        .post(
            &format!("/api/v1/rectifications/{no}/rectification"),
            Some(&zhang),
            &json!({"reply": reply}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let mail = smtp.wait_for("整改已答复").await;
    assert_eq!(mail.to, "zhao.tongzhi@example.com");
    assert!(mail.subject.contains(&no), "{mail:?}");
    assert!(mail.body.contains(reply), "{}", mail.body);
    assert!(mail.body.contains(TRACK_URL), "{}", mail.body);
    assert!(!mail.body.contains(&code), "never the query code");
}
