//! Page tests over a temporary SQLite store with the demo catalogue and one case.
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{App, test, web};
use aggregates::calendar::WorkingCalendar;
use aggregates::case::{CaseCommand, Channel, Clock};
use aggregates::party::{Party, PartyKind};
use aggregates::{Actor, Role};
use chrono::{DateTime, FixedOffset};
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;

use crate::engine::catalogue_file::{DEMO_CATALOGUE, import, parse};
use crate::engine::query_code::{QueryCode, tracking_number};
use crate::engine::{CommandMeta, Engine};
use crate::identity::tokens::TokenKeys;
use crate::web::api;

const POWER: &str = "PD-SCJG-XK-001";
const DEPARTMENT: &str = "pudong-amr";
const PARTY_NAME: &str = "欧阳锋华";
const PARTY_ID: &str = "310115198007071231";
const PARTY_PHONE: &str = "13987654321";
const PARTY_ADDRESS: &str = "上海市浦东新区秘密路42号";

/// Tuesday 2026-03-10, 10:00 China Standard Time.
struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> DateTime<FixedOffset> {
        at("2026-03-10T10:00:00+08:00")
    }
}

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    engine: web::Data<Engine>,
    keys: web::Data<TokenKeys>,
    tracking_no: String,
    code: String,
}

fn officer() -> Actor {
    Actor {
        id: "officer-7".into(),
        role: Role::Officer,
        department: Some(DEPARTMENT.into()),
    }
}

fn meta() -> CommandMeta {
    CommandMeta {
        actor: "officer-7".into(),
        role: "officer".into(),
        department: Some(DEPARTMENT.into()),
        request_id: "test".into(),
    }
}

async fn fixture() -> Fixture {
    let (repo, dir) = crate::store::test_sqlite().await;
    let engine = Engine::new(repo, WorkingCalendar::builtin(), Arc::new(FixedClock));
    crate::follow::projection::start(&engine);
    import(&engine, &parse(DEMO_CATALOGUE).unwrap(), "test-loader")
        .await
        .unwrap();
    let tracking_no = tracking_number(at("2026-03-06T09:00:00+08:00").date_naive());
    let code = QueryCode::generate();
    engine
        .execute_case(
            &tracking_no,
            CaseCommand::OpenCase {
                actor: officer(),
                tracking_no: tracking_no.to_string(),
                power_code: POWER.into(),
                party: Party {
                    kind: PartyKind::Person,
                    name: PARTY_NAME.into(),
                    id_number: PARTY_ID.into(),
                    phone: Some(PARTY_PHONE.into()),
                    address: Some(PARTY_ADDRESS.into()),
                },
                channel: Channel::Window,
                received_at: at("2026-03-06T09:00:00+08:00"),
                query_code_salt: code.salt_hex.clone(),
                query_code_hash: code.hash_hex.clone(),
            },
            meta(),
        )
        .await
        .unwrap();
    engine
        .execute_case(
            &tracking_no,
            CaseCommand::CompleteStep {
                actor: officer(),
                expected_version: 1,
                outcome: "受理".into(),
                note: Some(format!("{PARTY_NAME} {PARTY_PHONE}")),
                at: Some(at("2026-03-06T10:00:00+08:00")),
            },
            meta(),
        )
        .await
        .unwrap();
    Fixture {
        _dir: dir,
        engine: web::Data::new(engine),
        keys: web::Data::new(TokenKeys::from_secret(&[42u8; 32])),
        tracking_no: tracking_no.to_string(),
        code: code.code,
    }
}

/// The app as `startup::run` builds it.
macro_rules! app {
    ($f:expr) => {
        test::init_service(
            App::new()
                .wrap(TracingLogger::default())
                .app_data($f.engine.clone())
                .app_data($f.keys.clone())
                .app_data(api::json_config())
                .app_data(api::query_config())
                .app_data(api::path_config())
                .into_utoipa_app()
                .configure(api::configure)
                .into_app()
                .configure(crate::web::pages::configure)
                .default_service(web::to(api::not_found)),
        )
        .await
    };
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Resp {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn has(&self, needle: &str) -> bool {
        self.body.contains(needle)
    }
}

async fn send<S, R, B>(app: &S, req: R) -> Resp
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = test::call_service(app, req).await;
    let status = res.status();
    let headers = res.headers().clone();
    let body = test::read_body(res).await;
    Resp {
        status,
        headers,
        body: String::from_utf8(body.to_vec()).expect("pages are UTF-8"),
    }
}

/// GET `uri` and read the answer.
macro_rules! get {
    ($app:expr, $uri:expr $(,)?) => {
        send($app, test::TestRequest::get().uri(&$uri).to_request()).await
    };
}

fn enc(s: &str) -> String {
    super::encode_component(s)
}

fn assert_page(r: &Resp) {
    assert_eq!(r.header(header::CONTENT_TYPE), "text/html; charset=utf-8");
    assert_eq!(r.header(header::CONTENT_SECURITY_POLICY), super::CSP);
    assert!(r.has("<main id=\"main\""), "{}", r.body);
    assert!(r.has("id=\"data-time\""));
    assert!(r.has("href=\"/docs/\""));
    assert!(!r.has("<script"), "a page has a script: {}", r.body);
}

#[actix_web::test]
async fn home_lists_the_catalogue_in_chinese_by_default() {
    let f = fixture().await;
    let app = app!(f);
    let r = get!(&app, "/");
    assert_eq!(r.status, StatusCode::OK);
    assert_page(&r);
    assert!(r.has("<html lang=\"zh-CN\">"));
    assert!(r.has("阳光·行政权力公开透明运行"));
    assert!(r.has("数据时间：2026-03-10 10:00"));
    assert!(r.has("class=\"skip-link\" href=\"#main\""));
    for id in [
        "id=\"search\"",
        "id=\"q\"",
        "id=\"department\"",
        "id=\"category\"",
        "id=\"search-submit\"",
        "id=\"powers\"",
    ] {
        assert!(r.has(id), "{id} missing");
    }
    assert!(r.has("<form id=\"search\" method=\"get\" action=\"/\""));
    assert!(r.has(&format!(
        "<a class=\"power-link\" href=\"/powers/{POWER}\">食品经营许可</a>"
    )));
    assert!(r.has("<option value=\"pudong-amr\">上海市浦东新区市场监督管理局</option>"));
    assert!(r.has("<option value=\"licensing\">行政许可</option>"));
    assert!(r.has("20 个工作日"));
    let css = regex_like_css_link(&r.body);
    let c = get!(&app, &css);
    assert_eq!(c.status, StatusCode::OK);
    assert_eq!(c.header(header::CONTENT_TYPE), "text/css; charset=utf-8");
    assert!(c.header(header::CACHE_CONTROL).contains("immutable"));
    assert!(c.has("--font"));
}

fn regex_like_css_link(body: &str) -> String {
    let start = body.find("/static/site.css?v=").expect("stylesheet link");
    let end = start + body[start..].find('"').unwrap();
    body[start..end].to_string()
}

#[actix_web::test]
async fn english_with_lang_or_accept_language_and_lang_wins() {
    let f = fixture().await;
    let app = app!(f);
    let r = get!(&app, "/?lang=en");
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.has("<html lang=\"en\">"));
    assert!(r.has("Data as of 2026-03-10 10:00 China Standard Time"));
    assert!(r.has("href=\"/track?lang=en\""), "links keep the language");
    assert!(r.has("<input type=\"hidden\" name=\"lang\" value=\"en\">"));
    assert!(r.has("Administrative licensing"));

    let h = send(
        &app,
        test::TestRequest::get()
            .uri("/track")
            .insert_header((header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9,zh;q=0.5"))
            .to_request(),
    )
    .await;
    assert!(h.has("<html lang=\"en\">"));
    assert!(h.has("Tracking number"));

    let z = send(
        &app,
        test::TestRequest::get()
            .uri("/track?lang=zh")
            .insert_header((header::ACCEPT_LANGUAGE, "en-US"))
            .to_request(),
    )
    .await;
    assert!(z.has("<html lang=\"zh-CN\">"));
    assert!(z.has("办件编号"));
    assert!(z.has("href=\"/calculator?lang=zh\""));
}

#[actix_web::test]
async fn search_by_a_chinese_word_filters_and_says_when_nothing_matches() {
    let f = fixture().await;
    let app = app!(f);
    let all = get!(&app, "/");
    let all_count = all.body.matches("class=\"power-link\"").count();
    assert!(all_count >= 3);

    let r = get!(&app, &format!("/?q={}", enc("食品")));
    assert_eq!(r.status, StatusCode::OK);
    let n = r.body.matches("class=\"power-link\"").count();
    assert!(n >= 1 && n < all_count, "{n} of {all_count}");
    assert!(r.has("食品经营许可"));
    assert!(!r.has("政府信息公开申请办理"));
    assert!(r.has("value=\"食品\""), "the form keeps the words");

    let c = get!(&app, "/?category=penalty&department=pudong-amr");
    assert_eq!(c.status, StatusCode::OK);
    assert!(c.has("对未取得食品经营许可从事食品经营活动的行政处罚"));
    assert!(!c.has(&format!("href=\"/powers/{POWER}\"")));

    let none = get!(&app, &format!("/?q={}", enc("没有这样的事项")));
    assert_eq!(none.status, StatusCode::OK);
    assert!(none.has("id=\"no-results\""));
    assert!(none.has("没有找到符合条件的职权事项"));
}

#[actix_web::test]
async fn bad_filters_give_400_pages_and_nothing_unescaped() {
    let f = fixture().await;
    let app = app!(f);
    for uri in [
        format!("/?category={}", enc("<script>alert(1)</script>")),
        format!("/?department={}", enc("<script>")),
        "/?q=a%00b".to_string(),
        format!("/?q={}", enc(&"长".repeat(500))),
        "/?category=%FF".to_string(),
    ] {
        let r = get!(&app, &uri);
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_page(&r);
        assert!(r.has("class=\"error\""), "{uri}");
        assert!(!r.has("<script>"), "{uri}");
        assert!(!r.body.contains('\0'), "{uri}");
    }
    // Emoji and markup are fine as search words: escaped, no match.
    let r = get!(&app, &format!("/?q={}", enc("😀<b>\"'&")));
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.has("&lt;b&gt;"));
    assert!(!r.has("<b>\""));
}

#[actix_web::test]
async fn the_power_page_is_the_guide_with_its_flowchart() {
    let f = fixture().await;
    let app = app!(f);
    let r = get!(&app, &format!("/powers/{POWER}"));
    assert_eq!(r.status, StatusCode::OK);
    assert_page(&r);
    assert!(r.has("<h1>食品经营许可</h1>"));
    assert!(r.has(POWER));
    assert!(r.has("行政许可"));
    assert!(r.has("上海市浦东新区市场监督管理局"));
    assert!(r.has("中华人民共和国食品安全法"));
    assert!(r.has("第三十五条第一款"));
    assert!(r.has("食品经营许可申请书"));
    assert!(r.has("id=\"statutory-limit\">20 个工作日"));
    assert!(r.has("id=\"promised-limit\">5 个工作日"));
    assert!(r.has("时限依据"));
    assert!(r.has("不收费"));
    assert!(r.has("id=\"disclosure\">主动公开"));
    assert!(r.has("12345"));
    assert!(r.has("<figure id=\"flowchart\">"));
    assert!(r.has("<svg"));
    assert!(r.has("<figcaption>"));
    assert!(r.has("暂停计时"));
    assert!(r.has("id=\"steps\""));
    assert!(r.has("补正材料"));
    assert!(!r.has("<?xml"));

    let en = get!(&app, &format!("/powers/{POWER}?lang=en"));
    assert!(en.has("Statutory limit"));
    assert!(en.has("Published proactively"));
    assert!(en.has("20 working days"));
}

#[actix_web::test]
async fn unknown_powers_are_plain_404_pages() {
    let f = fixture().await;
    let app = app!(f);
    for uri in [
        "/powers/NOPE-1".to_string(),
        format!("/powers/{}", enc("<script>alert(1)</script>")),
        format!("/powers/{}", "A".repeat(5000)),
        "/powers/%F0%9F%98%80".to_string(),
    ] {
        let r = get!(&app, &uri);
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
        assert_page(&r);
        assert!(r.has("<h1 id=\"not-found\">"));
        assert!(!r.has("<script>alert"));
    }
}

#[actix_web::test]
async fn the_tracking_form_and_the_status_page_without_personal_data() {
    let f = fixture().await;
    let app = app!(f);
    let form = get!(&app, "/track");
    assert_eq!(form.status, StatusCode::OK);
    for id in [
        "<form id=\"track\" method=\"get\" action=\"/track\"",
        "id=\"tracking_no\" name=\"no\"",
        "id=\"query_code\" name=\"code\"",
        "id=\"track-submit\"",
        "办件编号",
        "查询码",
    ] {
        assert!(form.has(id), "{id} missing");
    }

    let uri = format!("/track?no={}&code={}", f.tracking_no, f.code);
    let r = get!(&app, &uri);
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_page(&r);
    assert_eq!(r.header(header::CACHE_CONTROL), "no-store");
    assert!(r.has("<h1>食品经营许可</h1>"));
    assert!(r.has(">办理中</p>"));
    assert!(r.has("<p id=\"current-step\">材料审查</p>"));
    assert!(r.has("欧**"), "the applicant is shown masked");
    assert!(r.has("2026-03-06"));
    assert!(r.has("<progress id=\"working-days\" max=\"5\""));
    assert!(r.has("id=\"working-days-statutory\" max=\"20\""));
    assert!(r.has("已用 "));
    assert!(r.has(" / 5 个工作日"));
    assert!(r.has("期限届满日"));
    assert!(r.has("<ol id=\"timeline\""));
    assert!(r.has("申请与受理"));
    assert!(r.has("受理"));
    for secret in [
        PARTY_NAME,
        "阳锋华",
        PARTY_ID,
        PARTY_PHONE,
        PARTY_ADDRESS,
        "秘密路",
        "officer-7",
    ] {
        assert!(!r.has(secret), "{secret} leaked");
    }
    // Lower case and dashes in the code are fine.
    let lower = get!(
        &app,
        &format!(
            "/track?no={}&code={}-",
            f.tracking_no,
            f.code.to_lowercase()
        ),
    );
    assert_eq!(lower.status, StatusCode::OK);

    let en = get!(&app, &format!("{uri}&lang=en"));
    assert!(en.has(">In progress</p>"));
    assert!(en.has("working days used"));
}

#[actix_web::test]
async fn a_wrong_code_and_an_unknown_number_give_the_same_404() {
    let f = fixture().await;
    let app = app!(f);
    let wrong_code = get!(
        &app,
        &format!("/track?no={}&code=ZZZZZZZZZZ", f.tracking_no),
    );
    let unknown = get!(
        &app,
        &format!("/track?no=YG20260306ZZZZZZZZ&code={}", f.code)
    );
    assert_eq!(wrong_code.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(wrong_code.body, unknown.body);
    assert!(wrong_code.has("<h1 id=\"not-found\">未找到办件</h1>"));
    assert!(wrong_code.has("id=\"track\""));
    assert!(!wrong_code.has(&f.tracking_no));
    let en = get!(&app, "/track?no=X&code=Y&lang=en");
    assert_eq!(en.status, StatusCode::NOT_FOUND);
    assert!(en.has("No matching case"));
    // Garbage never errs.
    for uri in [
        format!("/track?no={}&code={}", "A".repeat(10_000), enc("<script>")),
        "/track?no=%00&code=%00".to_string(),
        format!("/track?no={}&code={}", enc("😀"), enc("<b>")),
    ] {
        let r = get!(&app, &uri);
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(!r.has("<script>"));
    }
    let half = get!(&app, "/track?no=YG1");
    assert_eq!(half.status, StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn the_calculator_explains_every_day() {
    let f = fixture().await;
    let app = app!(f);
    let form = get!(&app, "/calculator");
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.has("<form id=\"calculator\" method=\"get\" action=\"/calculator\""));
    assert!(form.has("id=\"start\" name=\"start\" type=\"date\""));
    assert!(form.has("id=\"days\" name=\"days\" type=\"number\" min=\"0\" max=\"3650\""));
    assert!(form.has("受理当日不计入，自次日起计算；法定节假日不计，调休上班日计入"));

    let r = get!(&app, "/calculator?start=2026-02-10&days=10");
    assert_eq!(r.status, StatusCode::OK);
    assert_page(&r);
    assert!(r.has("<p id=\"due-date\""));
    assert!(r.has("<table id=\"days\""));
    let row = r
        .body
        .split("<tr")
        .find(|row| row.contains("2026-02-14"))
        .expect("a row for 2026-02-14");
    assert!(row.contains("调休上班"), "{row}");
    assert!(row.contains("第 4 日"), "{row}");
    let holiday = r
        .body
        .split("<tr")
        .find(|row| row.contains("2026-02-17"))
        .expect("a row for 2026-02-17");
    assert!(holiday.contains("春节 休"), "{holiday}");
    assert!(holiday.contains("不计"));
    // 2/11-2/13 (1-3), 2/14 make-up (4), 2/15-2/23 off, 2/24-2/27 (5-8), 2/28 make-up (9), 3/2 (10).
    assert!(r.has("2026-03-02</time></strong> 星期一"), "{}", r.body);

    let en = get!(&app, "/calculator?start=2026-02-10&days=10&lang=en");
    assert!(en.has("Make-up workday"));
    assert!(en.has("Due date"));

    // A year without its notice: counted by the law's statutory holidays, and marked.
    let provisional = get!(&app, "/calculator?start=2030-12-30&days=5");
    assert_eq!(provisional.status, StatusCode::OK, "{}", provisional.body);
    assert!(
        provisional.has("预计，待国务院公布2030、2031年节假日安排后确定"),
        "{}",
        provisional.body
    );
    assert!(
        provisional.has("元旦 休（法定节假日，预计）"),
        "{}",
        provisional.body
    );
    // Before the law's first version nothing is known: refused, in words.
    let out = get!(&app, "/calculator?start=2005-01-04&days=5");
    assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(out.has("2024、2025、2026"), "{}", out.body);
    assert!(out.has("2005"));

    for uri in [
        "/calculator?start=abc&days=5",
        "/calculator?start=2026-02-30&days=5",
        "/calculator?start=2026-02-10&days=-1",
        "/calculator?start=2026-02-10&days=3651",
        "/calculator?start=2026-02-10&days=1e3",
        "/calculator?start=2026-02-10",
        "/calculator?days=5",
        "/calculator?start=%3Cscript%3E&days=%00",
    ] {
        let r = get!(&app, uri);
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(r.has("class=\"error\""), "{uri}");
        assert!(!r.has("<script>"));
    }
}

#[actix_web::test]
async fn the_deadline_api_answers_json_and_problems() {
    let f = fixture().await;
    let app = app!(f);
    let r = get!(&app, "/api/v1/calendar/deadline?start=2026-02-10&days=10");
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["due"], "2026-03-02");
    assert_eq!(json["working_days"], 10);
    assert_eq!(json["days"][3]["date"], "2026-02-14");
    assert_eq!(json["days"][3]["kind"]["kind"], "make_up_workday");
    assert_eq!(json["provisional"], false);
    let r = get!(&app, "/api/v1/calendar/deadline?start=2026-12-25&days=10");
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["provisional"], true);
    assert_eq!(json["provisional_years"], serde_json::json!([2027]));
    // 12/28-12/31 (1-4), 元旦 off by law, 1/4-1/8 (5-9), 1/11 (10).
    assert_eq!(json["due"], "2027-01-11");
    assert_eq!(json["days"][6]["kind"]["kind"], "provisional_holiday");

    for (uri, status, code) in [
        (
            "/api/v1/calendar/deadline?start=2005-01-04&days=5",
            StatusCode::UNPROCESSABLE_ENTITY,
            "calendar_not_covered",
        ),
        // Past the years any law reaches (the lunar calendar crate panics beyond 9999).
        (
            "/api/v1/calendar/deadline?start=9999-12-31&days=1",
            StatusCode::UNPROCESSABLE_ENTITY,
            "calendar_not_covered",
        ),
        (
            "/api/v1/calendar/deadline?start=2100-12-31&days=1",
            StatusCode::UNPROCESSABLE_ENTITY,
            "calendar_not_covered",
        ),
        (
            "/api/v1/calendar/deadline?start=2026-02-10&days=3651",
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "/api/v1/calendar/deadline?start=nope&days=5",
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "/api/v1/calendar/deadline?start=2026-02-10&days=-1",
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "/api/v1/calendar/deadline?days=5",
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
    ] {
        let r = get!(&app, uri);
        assert_eq!(r.status, status, "{uri}: {}", r.body);
        assert_eq!(r.header(header::CONTENT_TYPE), "application/problem+json");
        let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(json["code"], code, "{uri}");
    }
    let spec = serde_json::to_value(api::openapi()).unwrap();
    assert!(spec["paths"]["/api/v1/calendar/deadline"]["get"].is_object());
}

/// The value of cookie `name` set by a response.
fn cookie_value(r: &Resp, name: &str) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let (n, rest) = v.split(';').next()?.split_once('=')?;
            (n == name).then(|| rest.to_string())
        })
}

fn hidden_value(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).expect("the hidden input") + marker.len();
    body[start..start + body[start..].find('"').unwrap()].to_string()
}

#[actix_web::test]
async fn the_worklist_needs_a_signed_in_officer_and_lists_the_case() {
    let f = fixture().await;
    let app = app!(f);
    let refused = get!(&app, "/officer/worklist?status=open");
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_page(&refused);
    assert!(refused.has("<form id=\"sign-in\" method=\"post\" action=\"/sign-in\""));
    assert!(refused.has("id=\"password\" name=\"password\" type=\"password\""));
    assert!(refused.has("name=\"next\" value=\"/officer/worklist?status=open\""));
    assert!(!refused.has("id=\"worklist\""));

    let bad = send(
        &app,
        test::TestRequest::get()
            .uri("/officer/worklist")
            .insert_header((header::COOKIE, format!("yg_session={}", "0".repeat(64))))
            .to_request(),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(bad.has("登录已过期或已退出"));

    let now = f.engine.now().timestamp();
    crate::identity::accounts::create_account(
        f.engine.repo(),
        crate::identity::accounts::NewAccount {
            id: "officer-7".into(),
            display_name: Some("王丽".into()),
            role: Role::Officer,
            department: Some(DEPARTMENT.into()),
        },
        "a long passphrase",
        now,
    )
    .await
    .unwrap();
    let form = get!(&app, "/sign-in?lang=en");
    assert_eq!(form.status, StatusCode::OK);
    let token = cookie_value(&form, "yg_signin").expect("the double-submit cookie");
    assert_eq!(hidden_value(&form.body, "signin_token"), token);
    let signed = send(
        &app,
        test::TestRequest::post()
            .uri("/sign-in")
            .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .insert_header((header::COOKIE, format!("yg_signin={token}")))
            .set_payload(format!(
                "signin_token={token}&username=officer-7&password=a+long+passphrase&lang=en&next=%2Fofficer%2Fworklist"
            ))
            .to_request(),
    )
    .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    assert_eq!(signed.header(header::LOCATION), "/officer/worklist?lang=en");
    let session = cookie_value(&signed, "yg_session").expect("a session");
    let cookie = format!("yg_session={session}");

    let list = send(
        &app,
        test::TestRequest::get()
            .uri("/officer/worklist")
            .insert_header((header::COOKIE, cookie.clone()))
            .to_request(),
    )
    .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_page(&list);
    assert_eq!(list.header(header::CACHE_CONTROL), "no-store");
    assert!(list.has("<table id=\"worklist\""));
    assert!(list.has(&f.tracking_no));
    assert!(list.has(PARTY_NAME), "officers see the party");
    assert!(list.has("材料审查"));
    assert!(list.has("办理中"));
    assert!(list.has("王丽"));
    assert!(list.has("<select id=\"filter-power\" name=\"power\""));
    assert!(list.has("<select id=\"filter-status\" name=\"status\""));

    let other = send(
        &app,
        test::TestRequest::get()
            .uri("/officer/worklist?status=concluded")
            .insert_header((header::COOKIE, cookie.clone()))
            .to_request(),
    )
    .await;
    assert_eq!(other.status, StatusCode::OK);
    assert!(!other.has(&f.tracking_no));

    let bad_filter = send(
        &app,
        test::TestRequest::get()
            .uri("/officer/worklist?status=%3Cscript%3E&power=nope")
            .insert_header((header::COOKIE, cookie.clone()))
            .to_request(),
    )
    .await;
    assert_eq!(bad_filter.status, StatusCode::BAD_REQUEST);
    assert!(!bad_filter.has("<script>"));

    let case = send(
        &app,
        test::TestRequest::get()
            .uri(&format!("/officer/cases/{}", f.tracking_no))
            .insert_header((header::COOKIE, cookie.clone()))
            .to_request(),
    )
    .await;
    assert_eq!(case.status, StatusCode::OK);
    assert_page(&case);
    assert!(
        case.has("class=\"yg-step yg-current\" data-step=\"review\""),
        "{}",
        case.body
    );
    let csrf = hidden_value(&case.body, "csrf");

    let out = send(
        &app,
        test::TestRequest::post()
            .uri("/sign-out")
            .insert_header((header::COOKIE, cookie.clone()))
            .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload(format!("csrf={csrf}"))
            .to_request(),
    )
    .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.header(header::SET_COOKIE).contains("Max-Age=0"));
    let after = send(
        &app,
        test::TestRequest::get()
            .uri("/officer/worklist")
            .insert_header((header::COOKIE, cookie))
            .to_request(),
    )
    .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn no_page_errs_on_odd_input() {
    let f = fixture().await;
    let app = app!(f);
    let odd = [
        "%00",
        "%FF%FE",
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "%F0%9F%98%80",
        "&&&===",
        "%",
        "a%2",
    ];
    for path in [
        "/",
        "/track",
        "/calculator",
        "/officer/worklist",
        "/powers/X",
    ] {
        for value in odd {
            for name in ["q", "lang", "no", "start", "days", "department", "category"] {
                let uri = format!("{path}?{name}={value}&code={value}");
                let r = get!(&app, &uri);
                assert!(
                    r.status.is_client_error() || r.status.is_success(),
                    "{uri}: {}",
                    r.status
                );
                assert!(!r.has("<script>alert"), "{uri}");
            }
        }
    }
}
