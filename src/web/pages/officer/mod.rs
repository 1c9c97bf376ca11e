//! Officers' pages (承办人员): the department's worklist (办件清单), opening a case (受理/立案),
//! and the case page where each step is logged (办理): the timeline, the flowchart with the
//! current step, one button per allowed outcome, pausing and resuming the clock, withdrawing,
//! and for penalty powers the decision form checked against the discretion standard (裁量基准)
//! before it is recorded.
//!
//! Every page needs a signed-in account ([`SignedIn`]); every form carries the session's
//! synchronizer token and, for a case, the version the officer saw. The commands are the
//! API's: the same aggregate checks, the account as the actor. When someone else moved the
//! case meanwhile (409), the page shows the events added since and keeps what was typed.
//! No scripts: every form works as plain HTML.
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use aggregates::case::{
    Case, CaseCommand, CaseError, CaseEvent, CaseId, CaseStatus, Channel, LimitStatus, china_offset,
};
use aggregates::discretion::{DiscretionCheck, PenaltyDecisionInput};
use aggregates::party::{Party, PartyKind};
use aggregates::power::{Category, PublishedPower};
use aggregates::{Actor, Role};
use chrono::{DateTime, FixedOffset, NaiveDateTime};
use cqrs_es::AggregateError;
use maud::{Markup, PreEscaped, html};
use tracing_actix_web::RequestId;

use super::session::SignedIn;
use super::{Ctx, Lang, Page, Params, Section, cst, layout, respond_private, ymd};
use crate::engine::Engine;
use crate::queries::{PowerQuery, PowerSummary, WorklistItem, WorklistQuery};
use crate::store::StoredEvent;
use crate::web::render::{FlowchartStyle, flowchart_svg_bounded};

pub(super) const STATUSES: [CaseStatus; 4] = [
    CaseStatus::Open,
    CaseStatus::Paused,
    CaseStatus::Concluded,
    CaseStatus::Withdrawn,
];

pub(super) const CHANNELS: [(Channel, &str, &str, &str); 6] = [
    (
        Channel::Window,
        "window",
        "窗口受理",
        "At the service window",
    ),
    (Channel::Online, "online", "网上申请", "Online application"),
    (Channel::Mail, "mail", "邮寄", "By post"),
    (
        Channel::Inspection,
        "inspection",
        "监督检查中发现",
        "Found in an inspection",
    ),
    (
        Channel::Complaint,
        "complaint",
        "投诉举报",
        "Complaint or report",
    ),
    (
        Channel::Referral,
        "referral",
        "移送",
        "Referred by another body",
    ),
];

use super::redirect;

pub(super) fn page(ctx: &Ctx, status: StatusCode, title: String, body: Markup) -> HttpResponse {
    respond_private(
        status,
        layout(Page {
            ctx,
            title,
            section: Section::Officer,
            keep_params: false,
            body,
        }),
    )
}

/// `GET /officer`: to the worklist.
pub(crate) async fn officer_root(req: HttpRequest, engine: web::Data<Engine>) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    redirect(&ctx.link("/officer/worklist"))
}

/// The department's powers, for filters and the open-case form.
pub(super) async fn department_powers(
    engine: &Engine,
    department: &str,
) -> Result<Vec<PowerSummary>, crate::engine::LoadError> {
    engine
        .reads_own()
        .list_powers(&PowerQuery {
            department: Some(department.to_string()),
            ..PowerQuery::default()
        })
        .await
}

/// Red (overdue) or yellow (the jurisdiction's yellow-card threshold reached) for a limit.
pub(super) fn card(engine: &Engine, limit: &LimitStatus) -> Option<&'static str> {
    if limit.overdue {
        Some("overdue")
    } else if engine.alert_policy().yellow.reached(limit) {
        Some("due-soon")
    } else {
        None
    }
}

pub(super) fn card_flag(ctx: &Ctx, class: Option<&str>) -> Markup {
    html! {
        @match class {
            Some("overdue") => { " " strong class="flag overdue" { (ctx.t("红牌·已超期", "Red card · overdue")) } }
            Some(_) => { " " strong class="flag due-soon" { (ctx.t("黄牌·临近期限", "Yellow card · due soon")) } }
            None => {}
        }
    }
}

mod actions;
mod case_page;
mod open;
mod worklist;

pub(crate) use actions::{
    clock, complete_step, extension, fee, penalty, publish, reissue_code, revoke, supplement,
    withdraw,
};
pub(crate) use case_page::{case_page, event_line, limit_block, material, result_pdf};
pub(crate) use open::{form_tracking_number, new_case_form, new_form_key, open_case};
pub(crate) use worklist::worklist;
#[allow(unused_imports)]
use {actions::*, case_page::*, open::*, worklist::*};
