//! `GET /reports/annual` and `GET /reports/annual.html`: 政府信息公开工作年度报告 in the format of
//! 国办公开办函〔2021〕30号, with the cells the system fills and, marked 待填, those it leaves to
//! its author; the download is the same report as a document of its own (inline styles, no
//! links) to complete in a word processor. The report is Chinese, as the format is.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{DOCTYPE, Markup, html};

use super::{Ctx, Page, Section, layout, respond};
use crate::engine::Engine;
use crate::queries::{AnnualReport, RequestRow};
use crate::web::api::statistics::AnnualReportQuery;

/// A cell left to the report's author.
fn todo() -> Markup {
    html! { td class="manual" { "待填" } }
}

fn count(n: i64) -> Markup {
    html! { td class="number" { (n) } }
}

fn cell(n: Option<i64>) -> Markup {
    match n {
        Some(n) => count(n),
        None => todo(),
    }
}

/// The five 法人或其他组织 cells of a row: zeros when the row has none, else left to the
/// author with the total the system knows.
fn organisation_cells(row: &RequestRow) -> Markup {
    html! {
        @match row.organisations {
            Some(0) => { @for _ in 0..5 { (count(0)) } }
            Some(n) => {
                td class="manual" colspan="5" { "待填（五类合计 " (n) "）" }
            }
            None => { @for _ in 0..5 { (todo()) } }
        }
    }
}

fn manual_section(what: &str) -> Markup {
    html! { p class="manual-text" { "待填：" (what) } }
}

/// The report itself (shared by the page and the download).
fn report_body(r: &AnnualReport) -> Markup {
    let p = &r.proactive;
    html! {
        h1 id="report-title" { (r.year) "年" (r.department_name) "政府信息公开工作年度报告" }
        p class="report-note" {
            "按照《中华人民共和国政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号）编制。第二、三部分的数据由本系统根据办理记录生成；标注“待填”的内容本系统无从得知，由编制人员填写后发布。"
        }
        h2 { "一、总体情况" }
        (manual_section("本机关贯彻落实《中华人民共和国政府信息公开条例》情况综述：主动公开、依申请公开、政府信息管理、政府信息公开平台建设、监督保障等。"))
        h2 { "二、主动公开政府信息情况" }
        div class="table-scroll" {
            table id="proactive" class="report" {
                tr { th colspan="4" { "第二十条第（一）项" } }
                tr { th { "信息内容" } th { "本年制发件数" } th { "本年废止件数" } th { "现行有效件数" } }
                tr { td { "规章" } (todo()) (todo()) (todo()) }
                tr { td { "行政规范性文件" } (todo()) (todo()) (todo()) }
                tr { th colspan="4" { "第二十条第（五）项" } }
                tr { th { "信息内容" } th colspan="3" { "本年处理决定数量" } }
                tr id="licensing" { td { "行政许可" } td class="number" colspan="3" { (p.licensing_decisions) } }
                tr { th colspan="4" { "第二十条第（六）项" } }
                tr { th { "信息内容" } th colspan="3" { "本年处理决定数量" } }
                tr id="penalty" { td { "行政处罚" } td class="number" colspan="3" { (p.penalty_decisions) } }
                tr id="enforcement" { td { "行政强制" } td class="number" colspan="3" { (p.enforcement_decisions) } }
                tr { th colspan="4" { "第二十条第（八）项" } }
                tr { th { "信息内容" } th colspan="3" { "本年收费金额（单位：万元）" } }
                tr id="fees" { td { "行政事业性收费" } td class="number" colspan="3" { (p.fees_wan_yuan) } }
            }
        }
        h2 { "三、收到和处理政府信息公开申请情况" }
        div class="table-scroll" {
            table id="requests" class="report wide" {
                tr {
                    th colspan="3" rowspan="3" { "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）" }
                    th colspan="7" { "申请人情况" }
                }
                tr { th rowspan="2" { "自然人" } th colspan="5" { "法人或其他组织" } th rowspan="2" { "总计" } }
                tr { th { "商业企业" } th { "科研机构" } th { "社会公益组织" } th { "法律服务机构" } th { "其他" } }
                @for row in &r.requests {
                    @if row.level == 0 && row.total.is_none() {
                        tr { th colspan="10" class="group" { (row.label) } }
                    } @else {
                        tr data-row=(row.label) {
                            td colspan="3" class={ "level-" (row.level) } { (row.label) }
                            (cell(row.persons))
                            (organisation_cells(row))
                            (cell(row.total))
                        }
                    }
                }
            }
        }
        @if !r.unplaced.is_empty() {
            div id="unplaced" class="report-note" {
                p { "以下办理结果，上表没有与之明确对应的行次，请编制人员归入相应行次（已计入“（七）总计”）：" }
                ul {
                    @for u in &r.unplaced {
                        li { (u.result) "：自然人 " (u.persons) " 件，法人或其他组织 " (u.organisations) " 件" }
                    }
                }
            }
        }
        p class="report-note" id="scope" {
            "统计范围：法律依据含《中华人民共和国政府信息公开条例》第二十七条的事项（"
            @if r.request_powers.is_empty() { "本系统暂无此类事项" } @else { (r.request_powers.join("、")) }
            "）。法人或其他组织的申请，本系统不区分类型，分类数由编制人员填写。"
        }
        @if r.balanced {
            p class="report-note" id="balance" { "核对：办理结果各行与待归类结果之和等于“（七）总计”，结转数均不为负，第一项加第二项之和等于第三项加第四项之和。" }
        } @else {
            p class="error" id="balance" role="alert" { "核对未通过：办理结果之和与总计不符，或结转数为负。请核查办理记录后再编制。" }
        }
        h2 { "四、政府信息公开行政复议、行政诉讼情况" }
        div class="table-scroll" {
            table id="review" class="report wide" {
                tr { th colspan="5" { "行政复议" } th colspan="10" { "行政诉讼" } }
                tr {
                    th rowspan="2" { "结果维持" } th rowspan="2" { "结果纠正" } th rowspan="2" { "其他结果" } th rowspan="2" { "尚未审结" } th rowspan="2" { "总计" }
                    th colspan="5" { "未经复议直接起诉" } th colspan="5" { "复议后起诉" }
                }
                tr {
                    @for _ in 0..2 {
                        th { "结果维持" } th { "结果纠正" } th { "其他结果" } th { "尚未审结" } th { "总计" }
                    }
                }
                tr { @for _ in 0..15 { (todo()) } }
            }
        }
        h2 { "五、存在的主要问题及改进情况" }
        (manual_section("本年度工作存在的主要问题，上一年度问题的改进情况。"))
        h2 { "六、其他需要报告的事项" }
        (manual_section("依据《政府信息公开信息处理费管理办法》收取信息处理费的情况，以及其他需要报告的事项。"))
    }
}

/// The query of the page: year and department (empty fields are absent).
fn query(ctx: &Ctx) -> Result<AnnualReportQuery, ()> {
    let field = |name: &str| super::statistics::field(ctx, name);
    Ok(AnnualReportQuery {
        year: field("year").map(str::parse).transpose().map_err(|_| ())?,
        department: field("department").map(str::to_string),
    })
}

/// `GET /reports/annual`.
pub(crate) async fn annual_report(req: HttpRequest, engine: web::Data<Engine>) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if ctx.bad_query {
        return super::bad_query(&ctx, Section::Statistics);
    }
    let title = "政府信息公开工作年度报告";
    let refused = || {
        let body = html! {
            h1 { (title) }
            p class="error" role="alert" id="error" { "年份应为2000年至今年之间的整数，部门请从列表中选择。" }
        };
        respond(
            StatusCode::BAD_REQUEST,
            layout(Page {
                ctx: &ctx,
                title: title.to_string(),
                section: Section::Statistics,
                keep_params: true,
                body,
            }),
        )
    };
    let Ok(q) = query(&ctx) else {
        return refused();
    };
    let Ok((year, department)) = q.resolve(engine.now()) else {
        return refused();
    };
    let reads = engine.reads_own();
    let (report, names) = match (
        reads.annual_report(year, department).await,
        reads.directory().await,
    ) {
        (Ok(r), Ok(n)) => (r, n),
        (Err(e), _) | (_, Err(e)) => return super::unavailable(&ctx, Section::Statistics, e),
    };
    let download = format!(
        "/reports/annual.html?{}",
        super::statistics::with_department(format!("year={year}"), department)
    );
    let body = html! {
        p class="breadcrumb" { a href=(ctx.link("/statistics")) { (ctx.t("统计公开", "Statistics")) } }
        form id="filter" method="get" action="/reports/annual" class="filters" {
            (ctx.lang_input())
            (super::statistics::department_field(&ctx, &names, department))
            div class="field" { label for="year" { (ctx.t("年度", "Year")) } input id="year" name="year" type="number" min="2000" value=(year); }
            div class="actions" { button id="filter-submit" type="submit" { (ctx.t("生成", "Show")) } }
        }
        p { a id="download" href=(download) download { (ctx.t("下载报告文稿（可用文字处理软件打开并填写）", "Download the draft (opens in a word processor)")) } }
        article id="report" lang="zh-CN" { (report_body(&report)) }
    };
    respond(
        StatusCode::OK,
        layout(Page {
            ctx: &ctx,
            title: format!("{year}年{title}"),
            section: Section::Statistics,
            keep_params: true,
            body,
        }),
    )
}

/// `GET /reports/annual.html`: the report as a document of its own, to download.
pub(crate) async fn annual_report_file(
    req: HttpRequest,
    engine: web::Data<Engine>,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if ctx.bad_query {
        return super::bad_query(&ctx, Section::Statistics);
    }
    let Ok(q) = query(&ctx) else {
        return super::bad_query(&ctx, Section::Statistics);
    };
    let Ok((year, department)) = q.resolve(engine.now()) else {
        return super::bad_query(&ctx, Section::Statistics);
    };
    let report = match engine.reads_own().annual_report(year, department).await {
        Ok(r) => r,
        Err(e) => return super::unavailable(&ctx, Section::Statistics, e),
    };
    let document = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                title { (report.year) "年政府信息公开工作年度报告" }
                style { (maud::PreEscaped(DOCUMENT_STYLE)) }
            }
            body { (report_body(&report)) }
        }
    };
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"annual-report-{year}{}.html\"",
                department.map(|d| format!("-{d}")).unwrap_or_default()
            ),
        ))
        .body(document.into_string())
}

/// The downloaded document's own style (it loads nothing).
const DOCUMENT_STYLE: &str = "body{font-family:'FangSong','STFangsong','Noto Serif CJK SC',serif;\
max-width:48rem;margin:2rem auto;line-height:1.6}h1{text-align:center;font-size:1.5rem}\
table{border-collapse:collapse;width:100%;margin:0.75rem 0}th,td{border:1px solid #000;\
padding:0.25rem 0.4rem;text-align:center}td.level-1{text-align:left;padding-left:1rem}\
td.level-2{text-align:left;padding-left:2rem}td.level-0{text-align:left}th.group{text-align:left}\
.manual,.manual-text{background:#fff6d5}.report-note{font-size:0.9rem}";
