//! 决定书 over HTTP, on both stores: a decided case gets its result document, the applicant
//! downloads it with the query code, anyone checks a copy, a changed copy fails, and a case
//! that ends without a decision gets none.
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::helpers::{BACKENDS, TestApp, assert_problem};

/// Opens a licensing case at the window; returns its tracking number and query code.
async fn opened(app: &TestApp, power: &str, officer: &str) -> (String, String) {
    let opened = app.open_case(power, officer).await;
    (
        opened["id"].as_str().unwrap().to_string(),
        opened["query_code"].as_str().unwrap().to_string(),
    )
}

async fn check(app: &TestApp, no: &str, file: Vec<u8>) -> reqwest::Response {
    let form = Form::new().text("tracking_no", no.to_string()).part(
        "file",
        Part::bytes(file)
            .file_name("决定书.pdf")
            .mime_str("application/pdf")
            .unwrap(),
    );
    reqwest::Client::new()
        .post(format!("{}/api/v1/public/documents/verify", app.address))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_decided_case_gets_its_document_which_the_applicant_downloads_and_anyone_checks() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let officer = app.officer("officer-doc-1");
        let approver = app.officer("officer-doc-2");
        let (id, code) = opened(&app, &power, &officer).await;
        for (who, outcome, version) in [(&officer, "受理", 1), (&officer, "书面审查符合条件", 2)]
        {
            assert_eq!(
                app.step(&id, who, outcome, version).await.status(),
                StatusCode::OK
            );
        }
        // Before the decision there is none.
        let r = app
            .get(
                &format!("/api/v1/public/cases/{id}/result-document?code={code}"),
                None,
            )
            .await;
        assert_problem(r, StatusCode::NOT_FOUND, "no_result_document").await;
        let r = app
            .post(
                &format!("/api/v1/cases/{id}/steps"),
                Some(&approver),
                &serde_json::json!({"outcome": "准予许可", "expected_version": 3,
                                    "note": "经营场所和设备设施符合规定条件"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{backend:?}");

        let status = app.wait_for_result_document(&id, &code).await;
        let doc = &status["result_document"];
        assert_eq!(doc["title"], "准予行政许可决定书", "{status}");
        let recorded = doc["sha256"].as_str().unwrap().to_string();

        // The applicant downloads it with the code: the bytes are the ones recorded.
        let r = app
            .get(
                &format!("/api/v1/public/cases/{id}/result-document?code={code}"),
                None,
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment;")
        );
        let pdf = r.bytes().await.unwrap().to_vec();
        assert_eq!(hex::encode(Sha256::digest(&pdf)), recorded);
        assert_eq!(doc["size"].as_u64(), Some(pdf.len() as u64));
        let text = yangguang::engine::pdf::extract_text(&pdf)
            .expect("the document reads as a PDF")
            .concat()
            .replace('\n', "");
        for expected in [
            "准予行政许可决定书",
            "测试局",
            id.as_str(),
            "张三丰",
            "11010519491231002X",
            "准予许可",
            "经营场所和设备设施符合规定条件",
            "《中华人民共和国食品安全法》第三十五条第一款",
            "六十日内依法申请行政复议",
        ] {
            assert!(text.contains(expected), "{expected} missing from:\n{text}");
        }
        // A wrong code is the same 404 as an unknown number.
        let r = app
            .get(
                &format!("/api/v1/public/cases/{id}/result-document?code=WRONGCODE1"),
                None,
            )
            .await;
        assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;

        // Anyone checks the file: authentic, and the answer names no one.
        let r = check(&app, &id, pdf.clone()).await;
        assert_eq!(r.status(), StatusCode::OK);
        let body = r.text().await.unwrap();
        let answer: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(answer["authentic"], true, "{answer}");
        assert_eq!(answer["document"]["title"], "准予行政许可决定书");
        assert_eq!(answer["document"]["department_name"], "测试局");
        assert_eq!(answer["sha256"], recorded.as_str());
        for secret in ["张三丰", "11010519491231002X", "13912345678"] {
            assert!(!body.contains(secret), "the check shows {secret}: {body}");
        }
        // One byte changed, or the right file under another number: not authentic.
        let mut changed = pdf.clone();
        let last = changed.len() - 10;
        changed[last] ^= 0x01;
        for (no, file) in [(id.as_str(), changed), ("YG20260101AAAAAAAA", pdf.clone())] {
            let answer: Value = check(&app, no, file).await.json().await.unwrap();
            assert_eq!(answer["authentic"], false, "{no}: {answer}");
            assert!(answer["document"].is_null());
        }

        // The hash is in the transparency log, shown in the event's public form.
        let logged = app.wait_for_case_in_log(&id, &code).await;
        let leaf = logged["log"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["event_type"] == "ResultDocumentIssued")
            .unwrap_or_else(|| panic!("no leaf for the document: {logged}"))
            .clone();
        assert_eq!(
            leaf["leaf"]["payload"]["sha256"],
            recorded.as_str(),
            "{leaf}"
        );

        // Issued once: the case page's history lists it once.
        let events: Value = app
            .get(&format!("/api/v1/cases/{id}/events"), Some(&officer))
            .await
            .json()
            .await
            .unwrap();
        let issued = events
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|e| e["event_type"] == "ResultDocumentIssued")
                    .count()
            })
            .unwrap_or(0);
        assert_eq!(issued, 1, "{events}");
    }
}

#[tokio::test]
async fn a_withdrawn_case_gets_no_document_and_bad_checks_are_refused() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let officer = app.officer("officer-doc-3");

        let (withdrawn, withdrawn_code) = opened(&app, &power, &officer).await;
        let r = app
            .post(
                &format!("/api/v1/cases/{withdrawn}/withdraw"),
                Some(&officer),
                &serde_json::json!({"reason": "申请人书面申请撤回", "expected_version": 1}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        // A case decided after it: once its document is out, the follower has passed the
        // withdrawal, which issued nothing.
        let (decided, decided_code) = opened(&app, &power, &officer).await;
        assert_eq!(
            app.step(&decided, &officer, "不予受理", 1).await.status(),
            StatusCode::OK
        );
        let status = app.wait_for_result_document(&decided, &decided_code).await;
        assert_eq!(
            status["result_document"]["title"],
            "不予受理行政许可申请决定书"
        );
        let r = app
            .get(
                &format!("/api/v1/public/cases/{withdrawn}/result-document?code={withdrawn_code}"),
                None,
            )
            .await;
        assert_problem(r, StatusCode::NOT_FOUND, "no_result_document").await;

        // Checks without a file, without a number, with another part, or not multipart.
        let client = reqwest::Client::new();
        let url = format!("{}/api/v1/public/documents/verify", app.address);
        let send = |form: Form| client.post(&url).multipart(form).send();
        let r = send(Form::new().text("tracking_no", decided.clone()))
            .await
            .unwrap();
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "file_required").await;
        let r = send(Form::new().part("file", Part::bytes(b"%PDF-1.7".to_vec())))
            .await
            .unwrap();
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "tracking_no_required").await;
        let r = send(
            Form::new()
                .text("tracking_no", decided.clone())
                .text("code", decided_code.clone()),
        )
        .await
        .unwrap();
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "unknown_part").await;
        let r = send(
            Form::new()
                .text("tracking_no", "true")
                .part("file", Part::bytes(b"%PDF-1.7".to_vec())),
        )
        .await
        .unwrap();
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_tracking_no").await;
        let r = client
            .post(&url)
            .json(&serde_json::json!({"tracking_no": decided}))
            .send()
            .await
            .unwrap();
        assert_problem(
            r,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
        let big = vec![b'x'; 10 * 1024 * 1024 + 1];
        let r = send(
            Form::new()
                .text("tracking_no", decided.clone())
                .part("file", Part::bytes(big)),
        )
        .await
        .unwrap();
        assert_problem(r, StatusCode::PAYLOAD_TOO_LARGE, "file_too_large").await;
    }
}

/// Uploads `bytes` as a form of `power`; returns the response.
async fn upload_form(
    app: &TestApp,
    power: &str,
    token: &str,
    bytes: Vec<u8>,
    name: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/v1/powers/{power}/forms", app.address))
        .bearer_auth(token)
        .multipart(Form::new().part("file", Part::bytes(bytes).file_name(name.to_string())))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_version_offers_the_forms_its_department_uploaded_and_no_others() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let admin = app.admin();
        let template = std::fs::read(format!(
            "{}/tests/fixtures/materials/application.pdf",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        // Refused: not a PDF, a PDF by name only, another department's admin, an officer.
        let png = std::fs::read(format!(
            "{}/tests/fixtures/materials/licence.png",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let r = upload_form(&app, &power, &admin, png.clone(), "申请书.png").await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "form_not_pdf").await;
        let r = upload_form(&app, &power, &admin, png, "申请书.pdf").await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "file_mislabelled").await;
        let other = app.token(aggregates::Role::Admin, Some("another-dept"), "admin-x");
        let r = upload_form(&app, &power, &other, template.clone(), "申请书.pdf").await;
        assert_problem(r, StatusCode::FORBIDDEN, "forbidden").await;
        let r = upload_form(
            &app,
            &power,
            &app.officer("o-1"),
            template.clone(),
            "申请书.pdf",
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        // A version naming a file never uploaded is refused at the form.
        let mut power_doc: Value = app
            .get(&format!("/api/v1/powers/{power}"), None)
            .await
            .json()
            .await
            .unwrap();
        let mut content = power_doc["content"].take();
        assert!(content.is_object(), "{power_doc}");
        let missing = "ab".repeat(32);
        content["forms"] = serde_json::json!([
            {"title": "申请书样表", "file_name": "申请书.pdf", "sha256": missing}
        ]);
        let r = app
            .post(
                &format!("/api/v1/powers/{power}/versions"),
                Some(&admin),
                &content,
            )
            .await;
        let problem = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_version").await;
        assert!(
            problem.to_string().contains("form_not_uploaded")
                && problem.to_string().contains("forms[0].sha256"),
            "{problem}"
        );

        // Uploaded, named, published: the power offers it, byte for byte.
        let r = upload_form(&app, &power, &admin, template.clone(), "申请书.pdf").await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let stored: Value = r.json().await.unwrap();
        let sha = stored["sha256"].as_str().unwrap().to_string();
        assert_eq!(sha, hex::encode(Sha256::digest(&template)));
        content["forms"][0]["sha256"] = Value::String(sha.clone());
        let r = app
            .post(
                &format!("/api/v1/powers/{power}/versions"),
                Some(&admin),
                &content,
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap()
        );
        let r = app
            .get(&format!("/api/v1/powers/{power}/forms/{sha}"), None)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("filename*=UTF-8''%E7%94%B3%E8%AF%B7%E4%B9%A6.pdf")
        );
        assert_eq!(r.bytes().await.unwrap().to_vec(), template);
        let page = app
            .get(&format!("/powers/{power}"), None)
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("表格下载") && page.contains("申请书样表"),
            "{backend:?}"
        );
        assert!(page.contains(&format!("/api/v1/powers/{power}/forms/{sha}")));

        // A hash the version does not list is not served.
        let png_sha = hex::encode(Sha256::digest(
            std::fs::read(format!(
                "{}/tests/fixtures/materials/licence.png",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap(),
        ));
        let r = app
            .get(&format!("/api/v1/powers/{power}/forms/{png_sha}"), None)
            .await;
        assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
    }
}
