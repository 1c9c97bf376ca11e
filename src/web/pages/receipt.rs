//! 受理回执: what the applicant takes away from the window or keeps from an online application —
//! the limits and their due dates, where to follow the case, and where to ask or complain.
//! Printable from the browser (the print style leaves out the navigation and the forms).
use aggregates::case::Case;
use aggregates::power::PublishedPower;
use maud::{Markup, html};

use super::{Ctx, cst, ymd};
use crate::engine::Engine;

/// The receipt's facts after the tracking number and query code.
pub(crate) fn facts(ctx: &Ctx, engine: &Engine, case: &Case, power: &PublishedPower) -> Markup {
    let times = case
        .times(&power.flowchart, &engine.calendar(), engine.now())
        .ok();
    let step_name = power.flowchart.start().name.clone();
    html! {
        dl class="facts summary receipt-facts" id="receipt-facts" {
            div { dt { (ctx.t("办理部门", "Department")) } dd { (power.department_name) } }
            div { dt { (ctx.t("申请事项", "Power")) } dd { (case.power_name) } }
            @if let Some(at) = case.received_at {
                div { dt { (ctx.t("收到时间", "Received")) } dd { (cst(at)) } }
            }
            @if let Some(t) = &times {
                @if let Some(due) = t.step.as_ref().and_then(|s| s.due).filter(|_| case.current_step == power.flowchart.start().id) {
                    div { dt { (step_name) (ctx.t("期限", " by")) } dd id="acceptance-due" { (ymd(due)) } }
                }
                @if let Some(p) = t.promised.as_ref().filter(|p| p.due.is_some()) {
                    div { dt { (ctx.t("承诺办结期限", "Promised by")) } dd id="promised-due" { (due_words(ctx, p)) } }
                }
                @if t.statutory.due.is_some() {
                    div { dt { (ctx.t("法定办结期限", "Due by law")) } dd id="statutory-due" { (due_words(ctx, &t.statutory)) } }
                }
            }
        }
        p class="hint" {
            (ctx.t("期限按工作日计算；补正、听证等期间暂停计时，届满日相应顺延。",
                   "Limits count working days; they stand still while materials are supplemented or a hearing is held, and the due dates move on accordingly."))
        }
        p id="receipt-track" {
            (ctx.t("查询办理进度：在「办件查询」页面输入办件编号和查询码。", "Follow the case: enter the tracking number and query code on the tracking page."))
        }
        p id="receipt-ask" {
            strong { (ctx.t("咨询与投诉：", "Questions and complaints: ")) }
            (power.content.supervision_channel)
        }
        p class="hint no-print" {
            (ctx.t("可使用浏览器的“打印”功能打印本回执。", "Use the browser's Print to print this receipt."))
        }
    }
}

/// A due date, marked 预计 when it rests on a year whose State Council notice is not out yet.
fn due_words(ctx: &Ctx, limit: &aggregates::case::LimitStatus) -> String {
    match limit.due {
        Some(due) if limit.provisional => {
            format!("{}{}", ymd(due), ctx.t("（预计）", " (provisional)"))
        }
        Some(due) => ymd(due),
        None => String::new(),
    }
}
