//! 网上申请 over HTTP, on both stores: an applicant applies with materials, every refused
//! upload is refused at its field with nothing stored, and the limits hold.
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{BACKENDS, TestApp, assert_problem};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/materials/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The applicant the tests use (a valid resident ID number).
fn application(power: &str, file_materials: &[usize]) -> Value {
    json!({
        "power_code": power,
        "party": {"kind": "person", "name": "李网申", "id_number": "11010519491231002X"},
        "contact": {"email": "li.wangshen@example.com", "mobile": "13800138000"},
        "file_materials": file_materials,
    })
}

fn file(bytes: Vec<u8>, name: &str, mime: &str) -> Part {
    Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str(mime)
        .unwrap()
}

async fn send(app: &TestApp, form: Form) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/v1/public/applications", app.address))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_applicant_applies_online_with_materials_and_the_department_sees_them() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let pdf = fixture("application.pdf");
        let png = fixture("licence.png");
        let form = Form::new()
            .text("application", application(&power, &[0, 1]).to_string())
            .part("file", file(pdf.clone(), "申请书.pdf", "application/pdf"))
            .part("file", file(png.clone(), "营业执照.png", "image/png"));
        let r = send(&app, form).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{backend:?}");
        let receipt: Value = r.json().await.unwrap();
        let no = receipt["tracking_no"].as_str().unwrap().to_string();
        let code = receipt["query_code"].as_str().unwrap().to_string();
        assert!(no.starts_with("YG"), "{receipt}");
        assert_eq!(receipt["materials"].as_array().unwrap().len(), 2);
        assert_eq!(receipt["materials"][0]["material"], "食品经营许可申请书");
        assert_eq!(receipt["materials"][1]["media_type"], "image/png");

        // The applicant follows it like any case: at the start step, received today.
        let public: Value = app
            .get(&format!("/api/v1/public/cases/{no}?code={code}"), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(public["current_step"], "申请与受理", "{public}");
        assert_eq!(
            public["promised"]["limit_days"], 5,
            "the acceptance runs from receipt"
        );

        // The department's officer sees the channel, the contact and the files by hash.
        let officer = app.officer("officer-wang");
        let case: Value = app
            .get(&format!("/api/v1/cases/{no}"), Some(&officer))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(case["channel"], "online", "{case}");
        assert_eq!(case["current_step"]["id"], "apply");
        let files = case["materials"].as_array().expect("materials listed");
        assert_eq!(files[0]["sha256"], sha256(&pdf));
        assert_eq!(files[1]["sha256"], sha256(&png));
        assert_eq!(case["contact"]["email"], "li.wangshen@example.com");

        // Stored once, by hash, byte for byte.
        let stored = app
            .engine
            .material_file(&sha256(&pdf))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.content, pdf);
        assert_eq!(stored.media_type, "application/pdf");
    }
}

#[tokio::test]
async fn every_bad_upload_is_refused_at_its_field_and_nothing_is_stored() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let encrypted = fixture("encrypted.pdf");
        let truncated = fixture("truncated.pdf");
        let mut unknown = fixture("licence.png");
        unknown.extend_from_slice(backend_tag(backend).as_bytes());
        let mut body = application(&power, &[0, 1, 2, 3, 4, 0]);
        body["party"]["id_number"] = json!("110105194912310021");
        body["contact"] = json!({"email": "not an address"});
        let form = Form::new()
            .text("application", body.to_string())
            .part(
                "file",
                file(encrypted.clone(), "申请书.pdf", "application/pdf"),
            )
            .part(
                "file",
                file(truncated.clone(), "执照.pdf", "application/pdf"),
            )
            .part(
                "file",
                file(fixture("licence.png"), "布局图.pdf", "application/pdf"),
            )
            .part(
                "file",
                file(b"not a document".to_vec(), "制度.txt", "text/plain"),
            )
            .part("file", file(Vec::new(), "委托书.pdf", "application/pdf"))
            .part("file", file(unknown.clone(), "申请书.png", "image/png"));
        let r = send(&app, form).await;
        let problem =
            assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_application").await;
        let found: Vec<(String, String)> = problem["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["field"].as_str().unwrap().to_string(),
                    p["code"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        for expected in [
            ("party.id_number", "invalid_party"),
            ("contact.email", "invalid_contact"),
            ("materials[0]", "file_encrypted"),
            ("materials[1]", "file_malformed"),
            ("materials[2]", "file_mislabelled"),
            ("materials[3]", "file_type_not_allowed"),
            ("materials[4]", "file_empty"),
        ] {
            assert!(
                found.contains(&(expected.0.to_string(), expected.1.to_string())),
                "{expected:?} not in {found:?}"
            );
        }
        // Every message is there in Chinese.
        assert!(
            problem["problems"][0]["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| c > '\u{2E80}')
        );
        // Nothing stored, not even the one good file.
        for bytes in [&encrypted, &truncated, &unknown] {
            assert!(
                app.engine
                    .material_file(&sha256(bytes))
                    .await
                    .unwrap()
                    .is_none()
            );
        }
    }
}

fn backend_tag(backend: crate::helpers::Backend) -> String {
    format!("{backend:?}-{}", uuid::Uuid::new_v4())
}

#[tokio::test]
async fn the_limits_and_the_shape_of_the_body_are_checked_before_anything_else() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let power = app.licence_power().await;
    // One file over 10 MiB: cut off as it is read.
    let big = vec![b'%'; 10 * 1024 * 1024 + 1];
    let form = Form::new()
        .text("application", application(&power, &[0]).to_string())
        .part("file", file(big, "申请书.pdf", "application/pdf"));
    assert_problem(
        send(&app, form).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
    )
    .await;
    // JSON instead of multipart.
    let r = app
        .post(
            "/api/v1/public/applications",
            None,
            &application(&power, &[]),
        )
        .await;
    assert_problem(
        r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    // No application part; files not matching file_materials; an unknown part.
    let form = Form::new().part("file", file(fixture("licence.png"), "a.png", "image/png"));
    assert_problem(
        send(&app, form).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
    let form = Form::new().text("application", application(&power, &[0, 1]).to_string());
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    assert_problem(send(&app, form).await, unprocessable, "files_mismatch").await;
    let form = Form::new().text("application", "{not json");
    assert_problem(
        send(&app, form).await,
        unprocessable,
        "malformed_application",
    )
    .await;
    let form = Form::new()
        .text("application", application(&power, &[]).to_string())
        .text("extra", "x");
    assert_problem(send(&app, form).await, unprocessable, "unknown_part").await;
    // A material the version does not list.
    let form = Form::new()
        .text("application", application(&power, &[99]).to_string())
        .part("file", file(fixture("licence.png"), "a.png", "image/png"));
    let problem = assert_problem(
        send(&app, form).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_application",
    )
    .await;
    assert_eq!(problem["problems"][0]["code"], "unknown_material");
    // An address no mail relay takes is refused at the field, not retried for ever.
    let mut body = application(&power, &[]);
    body["contact"] = json!({"email": "a,b@example.cn"});
    let form = Form::new().text("application", body.to_string());
    let problem = assert_problem(
        send(&app, form).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_application",
    )
    .await;
    assert_eq!(
        problem["problems"][0]["field"], "contact.email",
        "{problem}"
    );
}

#[tokio::test]
async fn nobody_applies_online_for_a_penalty_or_an_unknown_power() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let penalty = app
        .demo_power("对未取得食品经营许可从事食品经营活动的行政处罚")
        .await;
    let form = Form::new().text("application", application(&penalty, &[]).to_string());
    assert_problem(
        send(&app, form).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not_on_application",
    )
    .await;
    let form = Form::new().text("application", application("NO-SUCH-POWER", &[]).to_string());
    let r = send(&app, form).await;
    assert!(r.status().is_client_error(), "{}", r.status());
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "unknown_power");
}

/// The value of the `<code id="…">` on a page.
fn code_with_id(html: &str, id: &str) -> String {
    let start = html.find(&format!("id=\"{id}\"")).expect(id);
    let rest = &html[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest[open..].find('<').unwrap();
    rest[open..open + close].to_string()
}

#[tokio::test]
async fn on_the_pages_an_applicant_applies_and_the_officer_opens_the_files() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        // The power's page offers it; the form has a file field per material.
        let page = app
            .page(&format!("/powers/{power}?lang=zh"), None)
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("id=\"apply-online\""), "{backend:?}");
        let form = app
            .page(&format!("/powers/{power}/apply?lang=zh"), None)
            .await
            .text()
            .await
            .unwrap();
        for i in 0..5 {
            assert!(
                form.contains(&format!("name=\"material-{i}\"")),
                "material {i}"
            );
        }

        // A wrong ID number and an encrypted PDF: the form again, each problem in Chinese at
        // its field, what was typed kept.
        let bad = Form::new()
            .text("lang", "zh")
            .text("party_kind", "person")
            .text("party_name", "王网办")
            .text("party_id_number", "110105194912310021")
            .text("contact_mobile", "13800138000")
            .part(
                "material-0",
                file(fixture("encrypted.pdf"), "申请书.pdf", "application/pdf"),
            );
        let r = reqwest::Client::new()
            .post(format!("{}/powers/{power}/apply", app.address))
            .multipart(bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text().await.unwrap();
        assert!(html.contains("居民身份证号码无效"), "{html}");
        assert!(html.contains("PDF 文件设有密码"), "{html}");
        assert!(html.contains("value=\"王网办\""), "the name is kept");
        assert!(
            !html.contains("file_encrypted") && !html.contains("invalid_party"),
            "no raw codes"
        );

        // Right: the receipt with the number and the code.
        let good = Form::new()
            .text("lang", "zh")
            .text("party_kind", "person")
            .text("party_name", "王网办")
            .text("party_id_number", "11010519491231002x")
            .text("contact_mobile", "138 0013 8000")
            .part(
                "material-0",
                file(fixture("application.pdf"), "申请书.pdf", "application/pdf"),
            )
            .part(
                "material-1",
                file(fixture("licence.jpg"), "执照.jpg", "image/jpeg"),
            )
            .part(
                "material-2",
                file(Vec::new(), "", "application/octet-stream"),
            );
        let r = reqwest::Client::new()
            .post(format!("{}/powers/{power}/apply", app.address))
            .multipart(good)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        let no = code_with_id(&html, "tracking-no");
        let code = code_with_id(&html, "query-code");
        assert!(no.starts_with("YG") && code.len() == 10, "{html}");
        assert!(
            html.contains("id=\"acceptance-due\""),
            "the acceptance due date is given"
        );
        assert!(html.contains("id=\"statutory-due\""), "and the legal one");
        assert!(
            html.contains("12345市民服务热线"),
            "where to ask and complain"
        );

        // The department's officer: first on the worklist, the files on the case page.
        let (name, password) = app
            .account(aggregates::Role::Officer, Some(&app.department))
            .await;
        let console = crate::helpers::sign_in(&app.address, &name, &password).await;
        let worklist = app
            .page("/officer/worklist?lang=zh", Some(&console))
            .await
            .text()
            .await
            .unwrap();
        assert!(worklist.contains("网上申请·待受理"), "{worklist}");
        let case_page = app
            .page(&format!("/officer/cases/{no}?lang=zh"), Some(&console))
            .await
            .text()
            .await
            .unwrap();
        assert!(case_page.contains("id=\"material-files\""), "{case_page}");
        assert!(case_page.contains("13800138000"), "the contact is shown");
        let pdf_sha = sha256(&fixture("application.pdf"));
        let r = app
            .page(
                &format!("/officer/cases/{no}/materials/{pdf_sha}"),
                Some(&console),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert_eq!(r.headers()["cache-control"], "no-store, private");
        assert_eq!(
            r.bytes().await.unwrap().to_vec(),
            fixture("application.pdf")
        );
        // A hash the case does not name: not found, even if stored for another case.
        let r = app
            .page(
                &format!("/officer/cases/{no}/materials/{}", "0".repeat(64)),
                Some(&console),
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        // The opening is on record as a read of personal data.
        let reads = app
            .engine
            .repo()
            .aggregate_ids("DataAccess")
            .await
            .unwrap()
            .into_iter()
            .filter(|id| id.starts_with(&format!("{no}:")))
            .count();
        assert_eq!(reads, 1, "{backend:?}: one recorded opening");
    }
}

/// Applies online for `power` with the application form for material 0; returns (number, code).
async fn apply_with_one_file(app: &TestApp, power: &str) -> (String, String) {
    let form = Form::new()
        .text("application", application(power, &[0]).to_string())
        .part(
            "file",
            file(fixture("application.pdf"), "申请书.pdf", "application/pdf"),
        );
    let r = send(app, form).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let receipt: Value = r.json().await.unwrap();
    (
        receipt["tracking_no"].as_str().unwrap().to_string(),
        receipt["query_code"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn one_notice_asks_for_everything_and_the_applicant_supplements_online() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let (no, code) = apply_with_one_file(&app, &power).await;
        let officer = app.officer("officer-wang");

        // Refused: an outcome that does not wait for the applicant, a material not listed.
        let ask = |outcome: &str, material: &str| {
            json!({
                "outcome": outcome,
                "items": [
                    {"material": material, "reason": "未提交"},
                    {"material": "食品经营许可申请书", "reason": "缺少法定代表人签字"}
                ],
                "expected_version": 2
            })
        };
        let path = format!("/api/v1/cases/{no}/supplement-request");
        let r = app
            .post(
                &path,
                Some(&officer),
                &ask("受理", "营业执照或者其他主体资格证明文件"),
            )
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "not_a_supplement_step").await;
        let r = app
            .post(
                &path,
                Some(&officer),
                &ask("材料不齐全，一次告知补正", "身份证"),
            )
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_supplement").await;

        // One notice, two materials: the case waits and the clock stands still.
        let r = app
            .post(
                &path,
                Some(&officer),
                &ask(
                    "材料不齐全，一次告知补正",
                    "营业执照或者其他主体资格证明文件",
                ),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{backend:?}");
        let case: Value = r.json().await.unwrap();
        assert_eq!(case["status"], "paused");
        assert_eq!(case["supplement"]["items"].as_array().unwrap().len(), 2);

        // The applicant sees exactly what is asked.
        let public: Value = app
            .get(&format!("/api/v1/public/cases/{no}?code={code}"), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            public["supplement"]["items"][1]["reason"], "缺少法定代表人签字",
            "{public}"
        );
        assert_eq!(public["supplement"]["waiting_at"], "补正材料");

        // A wrong code is the same 404 as an unknown number.
        let supplement = |code: &str| {
            Form::new()
                .text(
                    "supplement",
                    json!({"code": code, "file_materials": [1, 0]}).to_string(),
                )
                .part(
                    "file",
                    file(fixture("licence.png"), "执照.png", "image/png"),
                )
                .part(
                    "file",
                    file(fixture("application.pdf"), "申请书.pdf", "application/pdf"),
                )
        };
        let url = format!("{}/api/v1/public/cases/{no}/supplement", app.address);
        let r = reqwest::Client::new()
            .post(&url)
            .multipart(supplement("WRONGCODE2"))
            .send()
            .await
            .unwrap();
        assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;

        // Answered: back at acceptance, the clock running again, the files with the case.
        let r = reqwest::Client::new()
            .post(&url)
            .multipart(supplement(&code))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{backend:?}");
        let public: Value = r.json().await.unwrap();
        assert_eq!(public["current_step"], "申请与受理", "{public}");
        assert_eq!(public["status"], "open");
        assert!(public["supplement"].is_null());
        assert!(
            public["paused"][0]["until"].is_string(),
            "the pause ended: {public}"
        );
        let case: Value = app
            .get(&format!("/api/v1/cases/{no}"), Some(&officer))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(case["materials"].as_array().unwrap().len(), 3);
        assert_eq!(
            case["materials"][1]["material"],
            "营业执照或者其他主体资格证明文件"
        );

        // Nothing is asked any more.
        let r = reqwest::Client::new()
            .post(&url)
            .multipart(supplement(&code))
            .send()
            .await
            .unwrap();
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "no_supplement_asked").await;
    }
}

#[tokio::test]
async fn on_the_pages_the_officer_asks_and_the_applicant_answers_from_the_tracking_page() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let power = app.licence_power().await;
    let (no, code) = apply_with_one_file(&app, &power).await;
    let (name, password) = app
        .account(aggregates::Role::Officer, Some(&app.department))
        .await;
    let console = crate::helpers::sign_in(&app.address, &name, &password).await;
    let page = app
        .page(&format!("/officer/cases/{no}?lang=zh"), Some(&console))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"supplement-form\""), "{page}");
    // Ticked without a reason: the form again, the tick kept.
    let r = app
        .form(
            &format!("/officer/cases/{no}/supplement"),
            Some(&console),
            &[
                ("expected_version", "2"),
                ("outcome", "材料不齐全，一次告知补正"),
                ("material-1", "营业执照或者其他主体资格证明文件"),
                ("ask-1", "1"),
                ("reason-1", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("每项勾选的材料都要写明需补正的内容")
    );
    let r = app
        .form(
            &format!("/officer/cases/{no}/supplement"),
            Some(&console),
            &[
                ("expected_version", "2"),
                ("outcome", "材料不齐全，一次告知补正"),
                ("material-0", "食品经营许可申请书"),
                ("material-1", "营业执照或者其他主体资格证明文件"),
                ("ask-1", "1"),
                ("reason-1", "未提交营业执照"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The tracking page shows the notice with a file field for it.
    let track = app
        .page(&format!("/track?no={no}&code={code}&lang=zh"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        track.contains("需要补正材料") && track.contains("未提交营业执照"),
        "{track}"
    );
    assert!(track.contains("name=\"item-0\""));
    let form = Form::new()
        .text("no", no.clone())
        .text("code", code.clone())
        .text("lang", "zh")
        .part(
            "item-0",
            file(fixture("licence.jpg"), "执照.jpg", "image/jpeg"),
        );
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/track/supplement", app.address))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let track = app
        .page(&format!("/track?no={no}&code={code}&lang=zh"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(!track.contains("需要补正材料"), "answered");
    assert!(
        track.contains("申请人已提交全部补正材料"),
        "the step on the timeline"
    );
}

#[tokio::test]
async fn a_case_can_be_followed_in_a_feed_reader_with_its_query_code() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let power = app.licence_power().await;
    let (no, code) = apply_with_one_file(&app, &power).await;
    let officer = app.officer("officer-wang");
    let r = app
        .post(
            &format!("/api/v1/cases/{no}/supplement-request"),
            Some(&officer),
            &json!({
                "outcome": "材料不齐全，一次告知补正",
                "items": [{"material": "营业执照或者其他主体资格证明文件", "reason": "未提交营业执照"}],
                "expected_version": 2
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .get(&format!("/track/feed?no={no}&code={code}&lang=zh"), None)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let xml = r.text().await.unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let atom = "http://www.w3.org/2005/Atom";
    assert_eq!(doc.root_element().tag_name().namespace(), Some(atom));
    let titles: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name((atom, "entry")))
        .filter_map(|e| e.children().find(|c| c.has_tag_name((atom, "title"))))
        .filter_map(|t| t.text().map(str::to_string))
        .collect();
    assert_eq!(titles[0], "需要补正材料", "newest first: {titles:?}");
    assert!(
        titles.contains(&"申请与受理：材料不齐全，一次告知补正".to_string()),
        "{titles:?}"
    );
    assert!(titles.contains(&"已收到申请".to_string()));
    assert!(xml.contains("未提交营业执照"));
    assert!(
        !xml.contains("李网申") && !xml.contains("11010519491231002X"),
        "no personal data"
    );
    assert!(!xml.contains("li.wangshen"), "no contact");
    // The same answer for a wrong code and an unknown number.
    let wrong = app
        .get(&format!("/track/feed?no={no}&code=WRONGCODE2"), None)
        .await;
    let unknown = app
        .get("/track/feed?no=YG20261102XXXXXXXX&code=WRONGCODE2", None)
        .await;
    assert_eq!(wrong.status(), StatusCode::NOT_FOUND);
    assert_eq!(wrong.text().await.unwrap(), unknown.text().await.unwrap());
}

#[tokio::test]
async fn a_lost_query_code_is_reissued_and_the_old_one_stops_working() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let power = app.licence_power().await;
        let officer = app.officer("officer-wang");
        let opened = app.open_case(&power, &officer).await;
        let no = opened["tracking_no"].as_str().unwrap().to_string();
        let old = opened["query_code"].as_str().unwrap().to_string();
        let path = format!("/api/v1/cases/{no}/query-code");
        // No reason, another department: refused.
        let r = app
            .post(
                &path,
                Some(&officer),
                &json!({"reason": " ", "expected_version": 1}),
            )
            .await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_text").await;
        let stranger = app.token(aggregates::Role::Officer, Some("another-dept"), "officer-x");
        let r = app
            .post(
                &path,
                Some(&stranger),
                &json!({"reason": "遗失回执", "expected_version": 1}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        let r = app
            .post(
                &path,
                Some(&officer),
                &json!({"reason": "申请人遗失回执，已核验身份证件", "expected_version": 1}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{backend:?}");
        let body: Value = r.json().await.unwrap();
        let new = body["query_code"].as_str().unwrap().to_string();
        assert_ne!(new, old);
        assert_eq!(body["case"]["version"], 2);
        let lookup = |code: String| {
            let app = &app;
            let no = no.clone();
            async move {
                app.get(&format!("/api/v1/public/cases/{no}?code={code}"), None)
                    .await
                    .status()
            }
        };
        assert_eq!(
            lookup(old.clone()).await,
            StatusCode::NOT_FOUND,
            "the old code is dead"
        );
        assert_eq!(lookup(new.clone()).await, StatusCode::OK);

        // On the case page, once more: the new code shown once, the one before dead.
        let (name, password) = app
            .account(aggregates::Role::Officer, Some(&app.department))
            .await;
        let console = crate::helpers::sign_in(&app.address, &name, &password).await;
        let r = app
            .form(
                &format!("/officer/cases/{no}/query-code"),
                Some(&console),
                &[("expected_version", "2"), ("reason", "再次遗失")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        let third = code_with_id(&html, "query-code");
        assert_eq!(lookup(new).await, StatusCode::NOT_FOUND);
        assert_eq!(lookup(third).await, StatusCode::OK);
        let page = app
            .page(&format!("/officer/cases/{no}?lang=zh"), Some(&console))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("补发查询码</strong>：再次遗失"),
            "on the timeline"
        );
    }
}

#[tokio::test]
async fn sending_the_application_form_twice_opens_one_case() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let power = app.licence_power().await;
    let page = app
        .page(&format!("/powers/{power}/apply?lang=zh"), None)
        .await
        .text()
        .await
        .unwrap();
    let key = crate::helpers::hidden(&page, "form_key").expect("the form carries its key");
    let form = || {
        Form::new()
            .text("lang", "zh")
            .text("form_key", key.clone())
            .text("party_kind", "person")
            .text("party_name", "钱重复")
            .text("party_id_number", "11010519491231002X")
            .text("contact_mobile", "13800138000")
    };
    let post = |form: Form| {
        let url = format!("{}/powers/{power}/apply", app.address);
        async move {
            reqwest::Client::new()
                .post(url)
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let first = post(form()).await;
    assert_eq!(first.status(), StatusCode::OK);
    let no = code_with_id(&first.text().await.unwrap(), "tracking-no");
    // A refresh of the receipt sends the same form again.
    let again = post(form()).await;
    assert_eq!(again.status(), StatusCode::OK);
    let html = again.text().await.unwrap();
    assert!(
        html.contains("此申请已提交过") && html.contains(&no),
        "{html}"
    );
    assert!(
        !html.contains("id=\"query-code\""),
        "the code is not shown again"
    );
    let worklist: Value = app
        .get("/api/v1/worklist", Some(&app.officer("officer-wang")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        worklist.as_array().map(Vec::len),
        Some(1),
        "one case: {worklist}"
    );
}
