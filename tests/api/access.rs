//! Who may do what: one table of every operation in the served OpenAPI document (and the
//! pages), each against eight kinds of caller, with the status each must get. A new endpoint
//! without a row fails `the_table_covers_every_operation_of_the_spec`.
//!
//! Requests are built valid (a real case of the right department, a power code of the test's
//! department, a step the flowchart allows), so a status tells about authorisation, not
//! validation. Every write cell gets fresh resources, so the cells do not depend on each other.
//!
//! Public endpoints ignore the Authorization header altogether: an expired, foreign or tampered
//! token on a public read still gets the public answer (200). A public read needs no identity,
//! and a stale token left in a client must not break it. The console pages take no token at
//! all: they need a signed-in session (`yg_session`), so every caller here gets the sign-in
//! page (401); how each role's session is answered is `tests/api/console.rs`.
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use aggregates::Role;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use yangguang::engine::catalogue_file;
use yangguang::identity::tokens::TokenKeys;

use crate::helpers::{BACKENDS, TestApp};

/// The kinds of caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    /// No Authorization header (no cookie).
    Anonymous,
    /// An officer of the department the records belong to.
    Officer,
    /// An officer of another department.
    OtherOfficer,
    /// An administrator of the records' department.
    Admin,
    /// An inspector (纪检监察, no department).
    Inspector,
    /// The right department's officer, with a token that expired two hours ago.
    Expired,
    /// The right department's officer, with a token signed by another key.
    ForeignKey,
    /// The other department's officer token with the department rewritten to the right one,
    /// signature kept.
    Tampered,
}

const CALLERS: [Caller; 8] = [
    Caller::Anonymous,
    Caller::Officer,
    Caller::OtherOfficer,
    Caller::Admin,
    Caller::Inspector,
    Caller::Expired,
    Caller::ForeignKey,
    Caller::Tampered,
];

/// One operation and the status each caller gets, in the order of [`CALLERS`]:
/// anonymous, officer, other department's officer, admin, inspector, expired, foreign key,
/// tampered.
pub(crate) struct Row {
    pub(crate) method: &'static str,
    /// The path as the OpenAPI document writes it (pages: as routed).
    pub(crate) path: &'static str,
    expect: [u16; 8],
}

const PUBLIC: [u16; 8] = [200; 8];
/// Admins of the department only; `ok` for them.
fn admin_only(ok: u16) -> [u16; 8] {
    [401, 403, 403, ok, 403, 401, 401, 401]
}
/// Officers of the power's department only; `ok` for them.
fn officer_only(ok: u16) -> [u16; 8] {
    [401, ok, 403, 403, 403, 401, 401, 401]
}
/// Officers of the case's department only; `ok` for them. Another department's officer is
/// told there is no such case, as for a number never issued (security finding 10).
fn case_officer_only(ok: u16) -> [u16; 8] {
    [401, ok, 404, 403, 403, 401, 401, 401]
}
/// Inspectors only; `ok` for them.
fn inspector_only(ok: u16) -> [u16; 8] {
    [401, 403, 403, 403, ok, 401, 401, 401]
}
/// Console pages: a bearer token signs nobody in, so everyone gets the sign-in page.
const NO_SESSION: [u16; 8] = [401; 8];
/// The department's officers and admins, and inspectors; another department's officer is
/// told there is no such case.
const CASE_READ: [u16; 8] = [401, 200, 404, 200, 200, 401, 401, 401];

pub(crate) fn table() -> Vec<Row> {
    let row = |method, path, expect| Row {
        method,
        path,
        expect,
    };
    vec![
        // The API: every operation of the OpenAPI document.
        row("GET", "/api/v1/powers", PUBLIC),
        row("POST", "/api/v1/powers", admin_only(201)),
        row("GET", "/api/v1/powers/{code}", PUBLIC),
        row("POST", "/api/v1/powers/{code}/versions", admin_only(201)),
        row("GET", "/api/v1/powers/{code}/versions/{n}", PUBLIC),
        // An upload is multipart: an admin of the department gets as far as the body.
        row("POST", "/api/v1/powers/{code}/forms", admin_only(415)),
        // 网上咨询: anyone asks and reads; the department's staff list and answer (another
        // department's officer is told there is no such question).
        row("POST", "/api/v1/public/powers/{code}/questions", [201; 8]),
        row("GET", "/api/v1/public/powers/{code}/questions", PUBLIC),
        row(
            "GET",
            "/api/v1/questions",
            [401, 200, 200, 200, 403, 401, 401, 401],
        ),
        row(
            "POST",
            "/api/v1/questions/{id}/answer",
            [401, 200, 404, 200, 403, 401, 401, 401],
        ),
        // 督办: inspectors issue and judge; the department's staff read and reply (another
        // department's officer sees an empty inbox and is told there is no such order).
        // 好差评整改: the shared case has no feedback, so no task on it (404) for staff of any
        // department; inspectors do not act on tasks.
        row(
            "GET",
            "/api/v1/rectifications",
            [401, 200, 200, 200, 403, 401, 401, 401],
        ),
        row(
            "POST",
            "/api/v1/rectifications/{tracking_no}/call-back",
            [401, 404, 404, 404, 403, 401, 401, 401],
        ),
        row(
            "POST",
            "/api/v1/rectifications/{tracking_no}/rectification",
            [401, 404, 404, 404, 403, 401, 401, 401],
        ),
        // No rectification yet: 422, for everyone alike (the query code is the credential).
        row(
            "POST",
            "/api/v1/public/cases/{tracking_no}/follow-up-rating",
            [422; 8],
        ),
        // 抽查: inspectors only; the shared case is open, so a November draw finds nothing
        // concluded (422), and no spot check exists under the id asked for (404).
        row("POST", "/api/v1/spot-checks", inspector_only(422)),
        row("GET", "/api/v1/spot-checks", inspector_only(200)),
        row("GET", "/api/v1/spot-checks/{id}", inspector_only(404)),
        row(
            "POST",
            "/api/v1/spot-checks/{id}/findings",
            inspector_only(404),
        ),
        row("POST", "/api/v1/orders", inspector_only(201)),
        row(
            "GET",
            "/api/v1/orders",
            [401, 200, 200, 200, 200, 401, 401, 401],
        ),
        row(
            "GET",
            "/api/v1/orders/{id}",
            [401, 200, 404, 200, 200, 401, 401, 401],
        ),
        row(
            "POST",
            "/api/v1/orders/{id}/reply",
            [401, 200, 404, 200, 403, 401, 401, 401],
        ),
        row("POST", "/api/v1/orders/{id}/accept", inspector_only(200)),
        row("POST", "/api/v1/orders/{id}/return", inspector_only(200)),
        // A form the version does not offer: not found, for everyone alike.
        row("GET", "/api/v1/powers/{code}/forms/{sha256}", [404; 8]),
        row("POST", "/api/v1/powers/{code}/status", admin_only(200)),
        row("POST", "/api/v1/cases", officer_only(201)),
        row("GET", "/api/v1/cases/{id}", CASE_READ),
        row("GET", "/api/v1/cases/{id}/events", CASE_READ),
        row("POST", "/api/v1/cases/{id}/steps", case_officer_only(200)),
        row("POST", "/api/v1/cases/{id}/clock", case_officer_only(200)),
        row(
            "POST",
            "/api/v1/cases/{id}/withdraw",
            case_officer_only(200),
        ),
        row("POST", "/api/v1/cases/{id}/fees", case_officer_only(200)),
        row(
            "POST",
            "/api/v1/cases/{id}/extension",
            case_officer_only(200),
        ),
        // A licence case: the officer passes the access check and the domain refuses (422
        // not_a_penalty_power); everyone else is stopped before.
        row(
            "POST",
            "/api/v1/cases/{id}/penalty-decision",
            case_officer_only(422),
        ),
        row(
            "POST",
            "/api/v1/cases/{id}/penalty-decision/check",
            case_officer_only(422),
        ),
        // The licence case has no concluded penalty decision: 422 once past the access check.
        row(
            "POST",
            "/api/v1/cases/{id}/publication",
            case_officer_only(422),
        ),
        row(
            "POST",
            "/api/v1/cases/{id}/revocation",
            case_officer_only(422),
        ),
        // The public's writes need the query code, not a token: everyone alike.
        row(
            "POST",
            "/api/v1/public/cases/{tracking_no}/complaints",
            [201; 8],
        ),
        // An application is multipart: a JSON body is refused, for everyone alike.
        row("POST", "/api/v1/public/applications", [415; 8]),
        row(
            "POST",
            "/api/v1/public/cases/{tracking_no}/supplement",
            [415; 8],
        ),
        // A version long past: a conflict, for the case's officers.
        row(
            "POST",
            "/api/v1/cases/{id}/query-code",
            case_officer_only(409),
        ),
        // An empty notice is refused by the domain, for the case's officers.
        row(
            "POST",
            "/api/v1/cases/{id}/supplement-request",
            case_officer_only(422),
        ),
        // The case is open: not yet rateable, for everyone alike.
        row(
            "POST",
            "/api/v1/public/cases/{tracking_no}/rating",
            [422; 8],
        ),
        row("GET", "/api/v1/public/decisions", PUBLIC),
        row("GET", "/api/v1/public/decisions/{id}", [404; 8]),
        row("GET", "/api/v1/public/statistics", PUBLIC),
        row("GET", "/api/v1/public/statistics.csv", PUBLIC),
        row("GET", "/api/v1/reports/annual", PUBLIC),
        row("GET", "/api/v1/inspector/cases/{id}", inspector_only(200)),
        row("GET", "/api/v1/inspector/scorecards", inspector_only(200)),
        row(
            "GET",
            "/api/v1/inspector/scorecards.csv",
            inspector_only(200),
        ),
        // No alert exists under the id used: inspectors get 404, everyone else never gets that far.
        row("GET", "/api/v1/alerts", inspector_only(200)),
        row("GET", "/api/v1/alerts/{id}", inspector_only(404)),
        row(
            "POST",
            "/api/v1/alerts/{id}/acknowledge",
            inspector_only(404),
        ),
        row("POST", "/api/v1/alerts/{id}/resolve", inspector_only(404)),
        row("POST", "/api/v1/alerts/{id}/dismiss", inspector_only(404)),
        // Another department's officer sees their own department's (empty) worklist.
        row(
            "GET",
            "/api/v1/worklist",
            [401, 200, 200, 200, 403, 401, 401, 401],
        ),
        row("GET", "/api/v1/public/cases/{tracking_no}", PUBLIC),
        row("GET", "/api/v1/public/cases/{tracking_no}/log", PUBLIC),
        // The case is still open: no document yet, for everyone alike.
        row(
            "GET",
            "/api/v1/public/cases/{tracking_no}/result-document",
            [404; 8],
        ),
        // A check is multipart: a JSON body is refused, for everyone alike.
        row("POST", "/api/v1/public/documents/verify", [415; 8]),
        row("GET", "/api/v1/calendar/deadline", PUBLIC),
        row("GET", "/api/v1/log/tree-head", PUBLIC),
        row("GET", "/api/v1/log/public-key", PUBLIC),
        row("GET", "/api/v1/log/proof/inclusion", PUBLIC),
        row("GET", "/api/v1/log/proof/consistency", PUBLIC),
        row("GET", "/api/v1/log/leaves", PUBLIC),
        row("GET", "/healthz", PUBLIC),
        // Outside the document: the spec, its UI and the pages.
        row("GET", "/openapi.json", PUBLIC),
        row("GET", "/docs/", PUBLIC),
        row("GET", "/", PUBLIC),
        row("GET", "/powers/{code}", PUBLIC),
        row("GET", "/powers/{code}/apply", PUBLIC),
        // An application is multipart: a urlencoded form is refused, for everyone alike.
        row("POST", "/powers/{code}/apply", [415; 8]),
        row("POST", "/track/supplement", [415; 8]),
        row("POST", "/officer/cases/{id}/supplement", NO_SESSION),
        row("POST", "/officer/cases/{id}/query-code", NO_SESSION),
        row("GET", "/track", PUBLIC),
        row("GET", "/track/feed", PUBLIC),
        row("GET", "/calculator", PUBLIC),
        row("GET", "/officer", [303; 8]),
        row("GET", "/sign-in", PUBLIC),
        // Without the sign-in form's double-submit token (cookie + field): 400, whoever.
        row("POST", "/sign-in", [400; 8]),
        row("POST", "/sign-out", NO_SESSION),
        row("GET", "/console", NO_SESSION),
        row("GET", "/officer/worklist", NO_SESSION),
        row("GET", "/officer/cases/new", NO_SESSION),
        row("POST", "/officer/cases", NO_SESSION),
        row("GET", "/officer/cases/{id}", NO_SESSION),
        row("GET", "/officer/cases/{id}/materials/{sha256}", NO_SESSION),
        row("GET", "/officer/cases/{id}/result.pdf", NO_SESSION),
        row("GET", "/officer/questions", NO_SESSION),
        row("POST", "/officer/questions/{id}/answer", NO_SESSION),
        row("GET", "/inspector/questions/{id}", NO_SESSION),
        row("GET", "/inspector/orders", NO_SESSION),
        row("POST", "/inspector/orders", NO_SESSION),
        row("GET", "/inspector/orders/{id}", NO_SESSION),
        row("POST", "/inspector/orders/{id}/{verb}", NO_SESSION),
        row("GET", "/officer/orders", NO_SESSION),
        row("GET", "/inspector/spot-checks", NO_SESSION),
        row("POST", "/inspector/spot-checks", NO_SESSION),
        row("GET", "/inspector/spot-checks/{id}", NO_SESSION),
        row("POST", "/inspector/spot-checks/{id}/findings", NO_SESSION),
        row("GET", "/officer/rectifications", NO_SESSION),
        row("POST", "/officer/rectifications/{no}/{verb}", NO_SESSION),
        row("POST", "/track/follow-up", [404; 8]),
        row("GET", "/officer/orders/{id}", NO_SESSION),
        row("POST", "/officer/orders/{id}/{verb}", NO_SESSION),
        row("POST", "/admin/forms", NO_SESSION),
        // 决定书 and 文书核验: without a number and code, the same 404 for everyone; the
        // check page is public, and its form is multipart (a urlencoded post is a 415 page).
        row("GET", "/track/result", [404; 8]),
        row("GET", "/track/result.pdf", [404; 8]),
        row("GET", "/verify", PUBLIC),
        row("POST", "/verify", [415; 8]),
        row("POST", "/officer/cases/{id}/step", NO_SESSION),
        row("POST", "/officer/cases/{id}/clock", NO_SESSION),
        row("POST", "/officer/cases/{id}/withdraw", NO_SESSION),
        row("POST", "/officer/cases/{id}/penalty", NO_SESSION),
        row("POST", "/officer/cases/{id}/fee", NO_SESSION),
        row("POST", "/officer/cases/{id}/publish", NO_SESSION),
        row("POST", "/officer/cases/{id}/revoke", NO_SESSION),
        row("GET", "/inspector", NO_SESSION),
        row("GET", "/inspector/cases/{id}", NO_SESSION),
        row("POST", "/inspector/alerts/{id}/acknowledge", NO_SESSION),
        row("GET", "/inspector/scorecards", NO_SESSION),
        row("GET", "/inspector/scorecards.csv", NO_SESSION),
        row("GET", "/decisions", PUBLIC),
        row("GET", "/statistics", PUBLIC),
        row("GET", "/statistics.csv", PUBLIC),
        row("GET", "/reports/annual", PUBLIC),
        row("GET", "/reports/annual.html", PUBLIC),
        // No decision is published under the id asked for.
        row("GET", "/decisions/{id}", [404; 8]),
        // The public's forms need the number and code, not a token: without them, 404 alike.
        row("POST", "/track/complaint", [404; 8]),
        row("POST", "/track/rating", [404; 8]),
        row("GET", "/admin", NO_SESSION),
        row("GET", "/admin/upload", NO_SESSION),
        row("GET", "/admin/notifications", NO_SESSION),
        row("POST", "/admin/upload", NO_SESSION),
        row("POST", "/admin/publish", NO_SESSION),
        row("POST", "/admin/powers/{code}/status", NO_SESSION),
    ]
}

/// Everything the requests need: the server, a published power and a case of its
/// department, and a token per caller.
struct Fixture {
    app: TestApp,
    client: reqwest::Client,
    power: String,
    case_id: String,
    query_code: String,
    tokens: Vec<(Caller, Option<String>)>,
    sent: AtomicUsize,
}

/// `token` with its claims' department replaced, header and signature kept.
fn tamper(token: &str, department: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT has three parts");
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_ne!(claims["department"], department);
    claims["department"] = json!(department);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

impl Fixture {
    async fn new(app: TestApp) -> Fixture {
        let other_department = format!("{}-other", app.department);
        let officer = app.officer("officer-right");
        let other = app.token(Role::Officer, Some(&other_department), "officer-other");
        let expired = app
            .keys
            .issue(
                "officer-expired",
                Role::Officer,
                Some(app.department.clone()),
                chrono::Duration::hours(-2),
            )
            .unwrap();
        let foreign = TokenKeys::from_secret(&[9u8; 32])
            .issue(
                "officer-foreign",
                Role::Officer,
                Some(app.department.clone()),
                chrono::Duration::hours(1),
            )
            .unwrap();
        let tampered = tamper(&other, &app.department);
        let tokens = vec![
            (Caller::Anonymous, None),
            (Caller::Officer, Some(officer.clone())),
            (Caller::OtherOfficer, Some(other)),
            (Caller::Admin, Some(app.admin())),
            (
                Caller::Inspector,
                Some(app.token(Role::Inspector, None, "inspector-1")),
            ),
            (Caller::Expired, Some(expired)),
            (Caller::ForeignKey, Some(foreign)),
            (Caller::Tampered, Some(tampered)),
        ];
        let power = app.licence_power().await;
        let opened = app.open_case(&power, &officer).await;
        // The log's endpoints answer 200 once it has signed a head with a leaf.
        app.wait_for_head(1).await;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Fixture {
            case_id: opened["id"].as_str().unwrap().to_string(),
            query_code: opened["query_code"].as_str().unwrap().to_string(),
            app,
            client,
            power,
            tokens,
            sent: AtomicUsize::new(0),
        }
    }

    fn token(&self, caller: Caller) -> Option<&str> {
        self.tokens
            .iter()
            .find(|(c, _)| *c == caller)
            .and_then(|(_, t)| t.as_deref())
    }

    fn officer(&self) -> &str {
        self.token(Caller::Officer).unwrap()
    }

    fn admin(&self) -> &str {
        self.token(Caller::Admin).unwrap()
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.client
            .request(method, format!("{}{path}", self.app.address))
    }

    async fn setup_post(&self, path: &str, token: &str, body: &Value) -> Value {
        let r = self
            .request(Method::POST, path)
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "setup {path}: {}", r.status());
        r.json().await.unwrap()
    }

    /// A fresh case of the department, at its first step, version 1.
    async fn fresh_case(&self) -> String {
        let opened = self
            .setup_post(
                "/api/v1/cases",
                self.officer(),
                &open_case_body(&self.power),
            )
            .await;
        opened["id"].as_str().unwrap().to_string()
    }

    /// A fresh question from the public about the department's power.
    async fn fresh_question(&self) -> String {
        let r = self
            .request(
                Method::POST,
                &format!("/api/v1/public/powers/{}/questions", self.power),
            )
            .json(&json!({"text": "访问测试：需要准备哪些材料？"}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "setup question: {}", r.status());
        let asked: Value = r.json().await.unwrap();
        asked["id"].as_str().unwrap().to_string()
    }

    /// A fresh 督办 on the shared case, issued by the inspector; replied by the department's
    /// officer if asked.
    async fn fresh_order(&self, replied: bool) -> String {
        let inspector = self.token(Caller::Inspector).unwrap();
        let order = self
            .setup_post(
                "/api/v1/orders",
                inspector,
                &json!({"case_id": self.case_id, "instructions": "访问测试：说明情况", "limit_days": 5}),
            )
            .await;
        let id = order["id"].as_str().unwrap().to_string();
        if replied {
            self.setup_post(
                &format!("/api/v1/orders/{id}/reply"),
                self.officer(),
                &json!({"explanation": "访问测试", "corrective_action": "访问测试"}),
            )
            .await;
        }
        id
    }

    /// A fresh power of the department, registered and, if asked, published.
    async fn fresh_power(&self, publish: bool) -> String {
        let code = format!(
            "ACC-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..10].to_uppercase()
        );
        self.setup_post(
            "/api/v1/powers",
            self.admin(),
            &register_body(&code, &self.app.department),
        )
        .await;
        if publish {
            self.setup_post(
                &format!("/api/v1/powers/{code}/versions"),
                self.admin(),
                &licence_version(),
            )
            .await;
        }
        code
    }

    async fn case_version(&self, id: &str) -> u64 {
        let r = self
            .request(Method::GET, &format!("/api/v1/cases/{id}"))
            .bearer_auth(self.officer())
            .send()
            .await
            .unwrap();
        let case: Value = r.json().await.unwrap();
        case["version"].as_u64().unwrap()
    }

    /// Sends `row`'s request as `caller`. Returns the response and, for writes to a fresh
    /// case, the case id (to check a refusal changed nothing).
    async fn send(&self, row: &Row, caller: Caller) -> (Response, Option<String>) {
        let token = self.token(caller);
        let mut fresh_case = None;
        let (method, path, body): (Method, String, Option<Value>) = match (row.method, row.path) {
            ("GET", "/api/v1/powers") => (Method::GET, "/api/v1/powers?q=许可".into(), None),
            ("POST", "/api/v1/powers") => {
                let code = format!(
                    "ACC-{}",
                    &uuid::Uuid::new_v4().simple().to_string()[..10].to_uppercase()
                );
                (
                    Method::POST,
                    "/api/v1/powers".into(),
                    Some(register_body(&code, &self.app.department)),
                )
            }
            ("GET", "/api/v1/powers/{code}") => {
                (Method::GET, format!("/api/v1/powers/{}", self.power), None)
            }
            ("POST", "/api/v1/powers/{code}/versions") => {
                let code = self.fresh_power(false).await;
                (
                    Method::POST,
                    format!("/api/v1/powers/{code}/versions"),
                    Some(licence_version()),
                )
            }
            ("POST", "/api/v1/powers/{code}/forms") => (
                Method::POST,
                format!("/api/v1/powers/{}/forms", self.power),
                Some(json!({})),
            ),
            ("POST", "/api/v1/public/powers/{code}/questions") => (
                Method::POST,
                format!("/api/v1/public/powers/{}/questions", self.power),
                Some(json!({"text": "办理需要多长时间？"})),
            ),
            ("GET", "/api/v1/public/powers/{code}/questions") => (
                Method::GET,
                format!("/api/v1/public/powers/{}/questions", self.power),
                None,
            ),
            ("GET", "/api/v1/questions") => (Method::GET, "/api/v1/questions".into(), None),
            ("POST", "/api/v1/orders") => (
                Method::POST,
                "/api/v1/orders".into(),
                Some(json!({"case_id": self.case_id, "instructions": "说明情况", "limit_days": 5})),
            ),
            ("GET", "/api/v1/orders") => (Method::GET, "/api/v1/orders".into(), None),
            ("POST", "/api/v1/spot-checks") => (
                Method::POST,
                "/api/v1/spot-checks".into(),
                Some(
                    json!({"department": self.app.department, "from": "2020-01-01", "to": "2020-01-31", "size": 3}),
                ),
            ),
            ("GET", "/api/v1/spot-checks") => (Method::GET, "/api/v1/spot-checks".into(), None),
            ("GET", "/api/v1/spot-checks/{id}") => (
                Method::GET,
                "/api/v1/spot-checks/S20260101AAAAAAAA".into(),
                None,
            ),
            ("POST", "/api/v1/spot-checks/{id}/findings") => (
                Method::POST,
                "/api/v1/spot-checks/S20260101AAAAAAAA/findings".into(),
                Some(json!({"case_id": self.case_id, "finding": "compliant"})),
            ),
            ("GET", "/api/v1/orders/{id}") => {
                let id = self.fresh_order(false).await;
                (Method::GET, format!("/api/v1/orders/{id}"), None)
            }
            ("POST", "/api/v1/orders/{id}/reply") => {
                let id = self.fresh_order(false).await;
                (
                    Method::POST,
                    format!("/api/v1/orders/{id}/reply"),
                    Some(json!({"explanation": "情况属实", "corrective_action": "已整改"})),
                )
            }
            ("POST", "/api/v1/orders/{id}/accept") => {
                let id = self.fresh_order(true).await;
                (
                    Method::POST,
                    format!("/api/v1/orders/{id}/accept"),
                    Some(json!({})),
                )
            }
            ("POST", "/api/v1/orders/{id}/return") => {
                let id = self.fresh_order(true).await;
                (
                    Method::POST,
                    format!("/api/v1/orders/{id}/return"),
                    Some(json!({"reason": "不具体", "limit_days": 3})),
                )
            }
            ("POST", "/api/v1/questions/{id}/answer") => {
                let id = self.fresh_question().await;
                (
                    Method::POST,
                    format!("/api/v1/questions/{id}/answer"),
                    Some(json!({"text": "请见办事指南所列申请材料。"})),
                )
            }
            ("GET", "/api/v1/powers/{code}/forms/{sha256}") => (
                Method::GET,
                format!("/api/v1/powers/{}/forms/{}", self.power, "0".repeat(64)),
                None,
            ),
            ("GET", "/api/v1/powers/{code}/versions/{n}") => (
                Method::GET,
                format!("/api/v1/powers/{}/versions/1", self.power),
                None,
            ),
            ("POST", "/api/v1/powers/{code}/status") => {
                let code = self.fresh_power(true).await;
                (
                    Method::POST,
                    format!("/api/v1/powers/{code}/status"),
                    Some(json!({"action": "suspend", "reason": "依据修订，暂停受理"})),
                )
            }
            ("POST", "/api/v1/cases") => (
                Method::POST,
                "/api/v1/cases".into(),
                Some(open_case_body(&self.power)),
            ),
            ("GET", "/api/v1/cases/{id}") => {
                (Method::GET, format!("/api/v1/cases/{}", self.case_id), None)
            }
            ("GET", "/api/v1/cases/{id}/events") => (
                Method::GET,
                format!("/api/v1/cases/{}/events", self.case_id),
                None,
            ),
            ("POST", "/api/v1/cases/{id}/steps") => {
                let id = self.fresh_case().await;
                fresh_case = Some(id.clone());
                (
                    Method::POST,
                    format!("/api/v1/cases/{id}/steps"),
                    Some(json!({"outcome": "受理", "expected_version": 1, "note": "材料齐全"})),
                )
            }
            ("POST", "/api/v1/cases/{id}/clock") => {
                let id = self.fresh_case().await;
                fresh_case = Some(id.clone());
                (
                    Method::POST,
                    format!("/api/v1/cases/{id}/clock"),
                    Some(
                        json!({"action": "pause", "reason": "等待鉴定结论", "expected_version": 1}),
                    ),
                )
            }
            ("POST", "/api/v1/cases/{id}/withdraw") => {
                let id = self.fresh_case().await;
                fresh_case = Some(id.clone());
                (
                    Method::POST,
                    format!("/api/v1/cases/{id}/withdraw"),
                    Some(json!({"reason": "申请人书面撤回申请", "expected_version": 1})),
                )
            }
            ("POST", "/api/v1/cases/{id}/fees") => {
                let id = self.fresh_case().await;
                fresh_case = Some(id.clone());
                (
                    Method::POST,
                    format!("/api/v1/cases/{id}/fees"),
                    Some(json!({"item": "工本费", "amount_fen": 1000, "expected_version": 1})),
                )
            }
            ("POST", "/api/v1/cases/{id}/extension") => {
                let id = self.fresh_case().await;
                fresh_case = Some(id.clone());
                (
                    Method::POST,
                    format!("/api/v1/cases/{id}/extension"),
                    Some(json!({"days": 5, "approved_by": "副局长 王某",
                                "reason": "需现场核查", "expected_version": 1})),
                )
            }
            ("GET", "/api/v1/worklist") => (Method::GET, "/api/v1/worklist".into(), None),
            ("POST", "/api/v1/cases/{id}/penalty-decision")
            | ("POST", "/api/v1/cases/{id}/penalty-decision/check") => {
                let id = self.fresh_case().await;
                fresh_case = Some(id.clone());
                let suffix = row.path.trim_start_matches("/api/v1/cases/{id}");
                (
                    Method::POST,
                    format!("/api/v1/cases/{id}{suffix}"),
                    Some(json!({
                        "expected_version": 1, "band": "ordinary", "base_amount_fen": 500000,
                        "amount_fen": 7000000, "circumstances": [], "grounds": [],
                        "justification": "无从轻从重情节"
                    })),
                )
            }
            ("GET", "/api/v1/alerts") => (Method::GET, "/api/v1/alerts".into(), None),
            ("GET", "/api/v1/alerts/{id}") => (
                Method::GET,
                format!("/api/v1/alerts/{}:red_card:statutory", self.case_id),
                None,
            ),
            ("POST", "/api/v1/alerts/{id}/acknowledge") => (
                Method::POST,
                format!(
                    "/api/v1/alerts/{}:red_card:statutory/acknowledge",
                    self.case_id
                ),
                Some(json!({"note": "签收"})),
            ),
            ("POST", "/api/v1/alerts/{id}/resolve") => (
                Method::POST,
                format!("/api/v1/alerts/{}:red_card:statutory/resolve", self.case_id),
                Some(json!({"finding": "justified"})),
            ),
            ("POST", "/api/v1/alerts/{id}/dismiss") => (
                Method::POST,
                format!("/api/v1/alerts/{}:red_card:statutory/dismiss", self.case_id),
                Some(json!({"reason": "误报"})),
            ),
            ("GET", "/api/v1/public/cases/{tracking_no}") => (
                Method::GET,
                format!(
                    "/api/v1/public/cases/{}?code={}",
                    self.case_id, self.query_code
                ),
                None,
            ),
            ("GET", "/api/v1/public/cases/{tracking_no}/result-document") => (
                Method::GET,
                format!(
                    "/api/v1/public/cases/{}/result-document?code={}",
                    self.case_id, self.query_code
                ),
                None,
            ),
            ("POST", "/api/v1/public/documents/verify") => (
                Method::POST,
                "/api/v1/public/documents/verify".into(),
                Some(json!({"tracking_no": self.case_id})),
            ),
            ("GET", "/api/v1/public/cases/{tracking_no}/log") => (
                Method::GET,
                format!(
                    "/api/v1/public/cases/{}/log?code={}",
                    self.case_id, self.query_code
                ),
                None,
            ),
            ("POST", "/api/v1/cases/{id}/publication") => (
                Method::POST,
                format!("/api/v1/cases/{}/publication", self.case_id),
                Some(
                    json!({"document_no": "测〔2026〕1号", "violation": "测试", "penalty": "罚款"}),
                ),
            ),
            ("POST", "/api/v1/cases/{id}/revocation") => (
                Method::POST,
                format!("/api/v1/cases/{}/revocation", self.case_id),
                Some(json!({"reason": "测试"})),
            ),
            ("POST", "/api/v1/public/cases/{tracking_no}/complaints") => (
                Method::POST,
                format!("/api/v1/public/cases/{}/complaints", self.case_id),
                Some(json!({"code": self.query_code, "text": "访问测试"})),
            ),
            ("POST", "/api/v1/public/cases/{tracking_no}/supplement") => (
                Method::POST,
                format!("/api/v1/public/cases/{}/supplement", self.case_id),
                Some(json!({"code": self.query_code})),
            ),
            ("POST", "/api/v1/cases/{id}/query-code") => (
                Method::POST,
                format!("/api/v1/cases/{}/query-code", self.case_id),
                Some(json!({"reason": "遗失回执", "expected_version": 999_999})),
            ),
            ("POST", "/api/v1/cases/{id}/supplement-request") => (
                Method::POST,
                format!("/api/v1/cases/{}/supplement-request", self.case_id),
                Some(
                    json!({"outcome": "材料不齐全，一次告知补正", "items": [], "expected_version": 1}),
                ),
            ),
            ("POST", "/api/v1/public/applications") => (
                Method::POST,
                "/api/v1/public/applications".into(),
                Some(json!({})),
            ),
            ("POST", "/api/v1/public/cases/{tracking_no}/follow-up-rating") => (
                Method::POST,
                format!("/api/v1/public/cases/{}/follow-up-rating", self.case_id),
                Some(json!({"code": self.query_code, "score": 5})),
            ),
            ("GET", "/api/v1/rectifications") => {
                (Method::GET, "/api/v1/rectifications".into(), None)
            }
            ("POST", "/api/v1/rectifications/{tracking_no}/call-back") => (
                Method::POST,
                format!("/api/v1/rectifications/{}/call-back", self.case_id),
                Some(json!({"note": "已回访"})),
            ),
            ("POST", "/api/v1/rectifications/{tracking_no}/rectification") => (
                Method::POST,
                format!("/api/v1/rectifications/{}/rectification", self.case_id),
                Some(json!({"reply": "已整改"})),
            ),
            ("POST", "/api/v1/public/cases/{tracking_no}/rating") => (
                Method::POST,
                format!("/api/v1/public/cases/{}/rating", self.case_id),
                Some(json!({"code": self.query_code, "score": 5})),
            ),
            ("GET", "/api/v1/public/decisions/{id}") => (
                Method::GET,
                "/api/v1/public/decisions/0123456789abcdef".into(),
                None,
            ),
            ("GET", "/api/v1/inspector/cases/{id}") => (
                Method::GET,
                format!("/api/v1/inspector/cases/{}", self.case_id),
                None,
            ),
            ("GET", "/api/v1/calendar/deadline") => (
                Method::GET,
                "/api/v1/calendar/deadline?start=2026-02-10&days=20".into(),
                None,
            ),
            ("GET", "/api/v1/log/proof/inclusion") => (
                Method::GET,
                "/api/v1/log/proof/inclusion?leaf_index=0&tree_size=1".into(),
                None,
            ),
            ("GET", "/api/v1/log/proof/consistency") => (
                Method::GET,
                "/api/v1/log/proof/consistency?first=1&second=1".into(),
                None,
            ),
            ("GET", "/api/v1/log/leaves") => {
                (Method::GET, "/api/v1/log/leaves?start=0&end=2".into(), None)
            }
            ("GET", "/powers/{code}") => (Method::GET, format!("/powers/{}", self.power), None),
            ("GET", "/track/feed") => (
                Method::GET,
                format!("/track/feed?no={}&code={}", self.case_id, self.query_code),
                None,
            ),
            ("GET", "/track") => (
                Method::GET,
                format!("/track?no={}&code={}", self.case_id, self.query_code),
                None,
            ),
            ("GET", "/officer/cases/{id}/materials/{sha256}") => (
                Method::GET,
                format!(
                    "/officer/cases/{}/materials/{}",
                    self.case_id,
                    "ab".repeat(32)
                ),
                None,
            ),
            ("GET", "/powers/{code}/apply") => {
                (Method::GET, format!("/powers/{}/apply", self.power), None)
            }
            ("GET", "/officer/cases/{id}") => (
                Method::GET,
                format!("/officer/cases/{}", self.case_id),
                None,
            ),
            ("GET", "/officer/cases/{id}/result.pdf") => (
                Method::GET,
                format!("/officer/cases/{}/result.pdf", self.case_id),
                None,
            ),
            ("GET", "/inspector/questions/{id}") => (
                Method::GET,
                "/inspector/questions/Q20260101AAAAAAAA".into(),
                None,
            ),
            ("GET", "/inspector/cases/{id}") => (
                Method::GET,
                format!("/inspector/cases/{}", self.case_id),
                None,
            ),
            ("GET", "/inspector/orders/{id}") => (
                Method::GET,
                "/inspector/orders/D20260101AAAAAAAA".into(),
                None,
            ),
            ("GET", "/inspector/spot-checks/{id}") => (
                Method::GET,
                "/inspector/spot-checks/S20260101AAAAAAAA".into(),
                None,
            ),
            ("GET", "/officer/orders/{id}") => (
                Method::GET,
                "/officer/orders/D20260101AAAAAAAA".into(),
                None,
            ),
            ("GET", "/decisions/{id}") => (Method::GET, "/decisions/0123456789abcdef".into(), None),
            ("GET", path) if !path.contains('{') => (Method::GET, path.to_string(), None),
            ("POST", path) if !path.starts_with("/api/") => {
                // A page form: the bearer token goes along, and is ignored.
                let path = path
                    .replace("{id}", &self.case_id)
                    .replace("{code}", &self.power)
                    .replace("{verb}", "reply")
                    .replace("{no}", &self.case_id);
                let mut req = self
                    .request(Method::POST, &path)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body("expected_version=1&outcome=%E5%8F%97%E7%90%86&reason=x");
                if let Some(t) = token {
                    req = req.bearer_auth(t);
                }
                return (req.send().await.unwrap(), None);
            }
            (method, path) => panic!("no request built for {method} {path}: add one to send()"),
        };
        let mut req = self.request(method, &path);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        (req.send().await.unwrap(), fresh_case)
    }
}

fn open_case_body(power: &str) -> Value {
    json!({
        "power_code": power,
        "party": {"kind": "organisation", "name": "上海某某餐饮管理有限公司", "id_number": "91350100M000100Y43"},
        "channel": "window",
        "received_at": crate::helpers::test_now().to_rfc3339(),
    })
}

fn register_body(code: &str, department: &str) -> Value {
    json!({
        "code": code, "name": "食品经营许可（访问测试）", "category": "licensing",
        "department": department, "department_name": "测试局",
    })
}

fn licence_version() -> Value {
    let file = catalogue_file::parse(catalogue_file::DEMO_CATALOGUE).unwrap();
    let entry = file
        .powers
        .iter()
        .find(|p| p.name == "食品经营许可")
        .unwrap();
    serde_json::to_value(&entry.version).unwrap()
}

/// The (method, path) of every operation the server's own OpenAPI document lists.
async fn served_operations(app: &TestApp) -> BTreeSet<(String, String)> {
    let spec: Value = app.get("/openapi.json", None).await.json().await.unwrap();
    let mut ops = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if matches!(
                method.as_str(),
                "get" | "post" | "put" | "patch" | "delete" | "head" | "options" | "trace"
            ) {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

#[tokio::test]
async fn the_table_covers_every_operation_of_the_spec() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let served = served_operations(&app).await;
    let rows: BTreeSet<(String, String)> = table()
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let missing: Vec<_> = served.difference(&rows).collect();
    assert!(
        missing.is_empty(),
        "operations without a row in the access table: {missing:?}"
    );
    // Rows for API paths that the document no longer lists are stale.
    let stale: Vec<_> = rows
        .iter()
        .filter(|(_, p)| p.starts_with("/api/") || p == "/healthz")
        .filter(|op| !served.contains(*op))
        .collect();
    assert!(
        stale.is_empty(),
        "rows for operations not served: {stale:?}"
    );
    assert_eq!(table().len(), rows.len(), "one row per operation");
}

#[tokio::test]
async fn every_operation_answers_every_kind_of_caller_as_the_table_says() {
    for backend in BACKENDS {
        let fx = Fixture::new(TestApp::spawn(backend).await).await;
        let table = table();
        let mut failures = Vec::new();
        let mut report = String::new();
        for row in &table {
            let mut line = format!("{:<6} {:<40}", row.method, row.path);
            for (caller, expected) in CALLERS.iter().zip(row.expect) {
                let (response, fresh_case) = fx.send(row, *caller).await;
                let status = response.status();
                line.push_str(&format!(" {:>3}", status.as_u16()));
                let api = row.path.starts_with("/api/");
                if status.as_u16() != expected {
                    let body = response.text().await.unwrap_or_default();
                    failures.push(format!(
                        "{} {} as {caller:?}: expected {expected}, got {status}: {body}",
                        row.method, row.path
                    ));
                    continue;
                }
                if api && (status.is_client_error() || status.is_server_error()) {
                    let content_type = response
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    if content_type != "application/problem+json" {
                        failures.push(format!(
                            "{} {} as {caller:?}: {status} as {content_type}",
                            row.method, row.path
                        ));
                    }
                    if status == StatusCode::UNAUTHORIZED
                        && response.headers().get("www-authenticate").is_none()
                    {
                        failures.push(format!(
                            "{} {} as {caller:?}: 401 without WWW-Authenticate",
                            row.method, row.path
                        ));
                    }
                    let body: Value = response.json().await.unwrap();
                    let code = body["code"].as_str().unwrap_or("");
                    let expected_code: &[&str] = match (status.as_u16(), caller) {
                        (401, Caller::Anonymous) => &["unauthorized"],
                        (401, _) => &["invalid_token"],
                        (403, _) => &["forbidden", "wrong_department", "not_an_officer"],
                        _ => &[],
                    };
                    if !expected_code.is_empty() && !expected_code.contains(&code) {
                        failures.push(format!(
                            "{} {} as {caller:?}: code {code}, expected one of {expected_code:?}",
                            row.method, row.path
                        ));
                    }
                }
                // A refused write changes nothing.
                if let Some(id) = fresh_case
                    && !status.is_success()
                {
                    let version = fx.case_version(&id).await;
                    if version != 1 {
                        failures.push(format!(
                            "{} {} as {caller:?} was refused ({status}) but the case moved to \
                             version {version}",
                            row.method, row.path
                        ));
                    }
                }
            }
            report.push_str(&line);
            report.push('\n');
        }
        println!(
            "{backend:?}: {} rows × {} callers = {} cells, {} requests\n{report}",
            table.len(),
            CALLERS.len(),
            table.len() * CALLERS.len(),
            fx.sent.load(Ordering::Relaxed)
        );
        assert!(
            failures.is_empty(),
            "{backend:?}: {} cells differ from the table:\n{}\n{report}",
            failures.len(),
            failures.join("\n")
        );
    }
}

#[tokio::test]
async fn a_tampered_token_differs_from_the_original_only_in_its_claims() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let original = app.token(Role::Officer, Some("elsewhere"), "mallory");
    let forged = tamper(&original, &app.department);
    let (o, f): (Vec<&str>, Vec<&str>) =
        (original.split('.').collect(), forged.split('.').collect());
    assert_eq!(o[0], f[0]);
    assert_eq!(o[2], f[2]);
    assert_ne!(o[1], f[1]);
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(f[1]).unwrap()).unwrap();
    assert_eq!(claims["department"], app.department.as_str());
    // Refused with the signature named, and the keys reject it directly too.
    assert!(app.keys.verify(&forged).is_err());
    let r = app.get("/api/v1/worklist", Some(&forged)).await;
    let body = crate::helpers::assert_problem(r, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert!(
        body["detail"].as_str().unwrap().contains("signature"),
        "{body}"
    );
}

// Query codes: one answer for an unknown number and a wrong code, and lookups limited per
// client address.

#[tokio::test]
async fn an_unknown_number_and_a_wrong_code_get_the_same_answer() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let power = app.licence_power().await;
    let opened = app.open_case(&power, &app.officer("alice")).await;
    let id = opened["id"].as_str().unwrap();
    let code = opened["query_code"].as_str().unwrap();
    let first = if code.starts_with('2') { '3' } else { '2' };
    let wrong_code = format!("{first}{}", &code[1..]);
    let unknown = format!(
        "{}{}",
        &id[..id.len() - 1],
        if id.ends_with('2') { '3' } else { '2' }
    );
    let mut answers = Vec::new();
    for (no, code) in [
        (id, wrong_code.as_str()),
        (unknown.as_str(), code),
        (unknown.as_str(), wrong_code.as_str()),
        ("YG", "x"),
    ] {
        let r = app
            .get(&format!("/api/v1/public/cases/{no}?code={code}"), None)
            .await;
        let status = r.status();
        let content_type = r.headers().get("content-type").cloned();
        let body = r.text().await.unwrap();
        answers.push((status, content_type, body));
        let page = app.get(&format!("/track?no={no}&code={code}"), None).await;
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
        let html = page.text().await.unwrap();
        assert!(
            !html.contains(no) || no == "YG",
            "the not-found page echoes nothing asked"
        );
    }
    assert_eq!(answers[0].0, StatusCode::NOT_FOUND);
    for other in &answers[1..] {
        assert_eq!(other, &answers[0], "every miss answers byte for byte alike");
    }
    // The code is case- and dash-insensitive, as typed on a phone.
    let typed = format!("{}-{}", &code[..5].to_lowercase(), &code[5..]);
    let r = app
        .get(&format!("/api/v1/public/cases/{id}?code={typed}"), None)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn public_lookups_are_limited_per_client_address() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let power = app.licence_power().await;
    let opened = app.open_case(&power, &app.officer("alice")).await;
    let id = opened["id"].as_str().unwrap().to_string();
    let code = opened["query_code"].as_str().unwrap().to_string();
    // A burst of 20, then one a minute: the test cannot outrun the refill by accident.
    let app = app
        .restart_with(|s| {
            s.public_lookup_per_minute = 1;
            s.public_lookup_burst = 20;
        })
        .await;
    let mut statuses = Vec::new();
    for i in 0..25 {
        let r = app
            .get(&format!("/api/v1/public/cases/{id}?code=WRONG{i:05}"), None)
            .await;
        let status = r.status();
        statuses.push(status.as_u16());
        if status == StatusCode::TOO_MANY_REQUESTS {
            let retry: u64 = r
                .headers()
                .get("retry-after")
                .expect("429 carries Retry-After")
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&retry), "Retry-After {retry}");
            crate::helpers::assert_problem(r, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
        }
    }
    assert_eq!(&statuses[..20], &[404; 20], "{statuses:?}");
    assert_eq!(&statuses[20..], &[429; 5], "{statuses:?}");

    // Spent is spent: the right code waits too, and so does the tracking page (one budget).
    let r = app
        .get(&format!("/api/v1/public/cases/{id}?code={code}"), None)
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let page = app.get(&format!("/track?no={id}&code={code}"), None).await;
    assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(page.headers().get("retry-after").is_some());
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("查询过于频繁"), "{html}");
    assert!(!html.contains(&code));

    // Only lookups count: the blank form, the catalogue and officers' reads are unaffected.
    assert_eq!(app.get("/track", None).await.status(), StatusCode::OK);
    for path in ["/api/v1/powers", "/", "/healthz"] {
        for _ in 0..5 {
            assert_eq!(app.get(path, None).await.status(), StatusCode::OK, "{path}");
        }
    }
    let officer = app.officer("alice");
    let r = app
        .get(&format!("/api/v1/cases/{id}"), Some(&officer))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}
