//! `GET /officer/worklist`: the department's cases (办件清单), nearest deadline first.

use super::*;

/// `GET /officer/worklist`: the department's cases, nearest deadline first.
pub(crate) async fn worklist(
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
) -> HttpResponse {
    let ctx = Ctx::new(&req, engine.now());
    if let Err(p) = signed.require(&ctx, &[Role::Officer, Role::Admin]) {
        return p;
    }
    let department = signed.department().to_string();
    let powers = match department_powers(&engine, &department).await {
        Ok(p) => p,
        Err(e) => return crate::web::pages::unavailable(&ctx, Section::Officer, e),
    };
    let department_name = powers
        .first()
        .map(|p| p.department_name.clone())
        .unwrap_or_else(|| department.clone());
    // 督办 waiting for this department's reply: shown on the worklist, where staff look first.
    let orders_waiting = engine
        .reads_own()
        .orders(Some(&department))
        .await
        .map(|l| {
            l.iter()
                .filter(|o| o.status == aggregates::order::OrderStatus::AwaitingReply)
                .count()
        })
        .unwrap_or(0);

    let mut errors: Vec<&str> = Vec::new();
    if ctx.bad_query {
        errors.push(ctx.t(
            "网址中的查询参数无法识别。",
            "The query in the address could not be read.",
        ));
    }
    let power = match ctx.params.text("power") {
        Ok(None) => None,
        Ok(Some(p)) if powers.iter().any(|x| x.code == p) => Some(p.to_string()),
        _ => {
            errors.push(ctx.t(
                "所选职权事项不属于本部门，请从列表中选择。",
                "That power is not one of your department's; please choose from the list.",
            ));
            None
        }
    };
    let status = match ctx.params.get("status") {
        None => None,
        Some(s) => match STATUSES.iter().find(|x| x.to_string() == s) {
            Some(x) => Some(*x),
            None => {
                errors.push(ctx.t(
                    "所选状态不存在，请从列表中选择。",
                    "No such status; please choose from the list.",
                ));
                None
            }
        },
    };
    let items: Vec<WorklistItem> = if errors.is_empty() {
        match engine
            .reads_own()
            .worklist(
                &department,
                &WorklistQuery {
                    power: power.clone(),
                    status,
                },
            )
            .await
        {
            Ok(items) => items,
            Err(e) => return crate::web::pages::unavailable(&ctx, Section::Officer, e),
        }
    } else {
        Vec::new()
    };

    let body = html! {
        (signed.bar(&ctx))
        h1 { (ctx.t("办件清单", "Worklist")) }
        p class="signed-in" { (ctx.t("部门：", "Department: ")) (department_name) }
        p id="orders-link" {
            a href=(ctx.link("/officer/rectifications")) { (ctx.t("好差评整改", "Ratings to rectify")) }
            " · "
            a href=(ctx.link("/officer/orders")) { (ctx.t("督办", "Supervision orders")) }
            @if orders_waiting > 0 {
                " " strong class="flag overdue" id="orders-waiting" {
                    (orders_waiting) (ctx.t(" 件待回复", " awaiting reply"))
                }
            }
        }
        @if signed.principal.claims.role == Role::Officer {
            p {
                a id="new-case" class="button-link" href=(ctx.link("/officer/cases/new")) { (ctx.t("受理/立案新办件", "Open a new case")) }
                " "
                a id="to-questions" href=(ctx.link("/officer/questions")) { (ctx.t("网上咨询答复", "Questions from the public")) }
            }
        }
        @for e in &errors {
            p class="error" role="alert" { (e) }
        }
        form id="worklist-filter" method="get" action="/officer/worklist" class="search" {
            (ctx.lang_input())
            div class="field" {
                label for="filter-power" { (ctx.t("职权事项", "Power")) }
                select id="filter-power" name="power" {
                    option value="" { (ctx.t("全部事项", "All powers")) }
                    @for p in &powers {
                        option value=(p.code) selected[power.as_deref() == Some(p.code.as_str())] { (p.name) }
                    }
                }
            }
            div class="field" {
                label for="filter-status" { (ctx.t("状态", "Status")) }
                select id="filter-status" name="status" {
                    option value="" { (ctx.t("办理中和暂停计时", "In progress and paused")) }
                    @for s in STATUSES {
                        option value=(s.to_string()) selected[status == Some(s)] {
                            (crate::web::pages::track::status_words(ctx.lang, s))
                        }
                    }
                }
            }
            div class="actions" {
                button id="filter-submit" type="submit" { (ctx.t("筛选", "Filter")) }
            }
        }
        div class="table-scroll" {
            table id="worklist" class="worklist" {
                caption {
                    @match ctx.lang {
                        Lang::Zh => { "共 " (items.len()) " 件：待受理的网上申请在前，其余按剩余时限排列。黄牌：临近期限；红牌：已超期。" }
                        Lang::En => { (items.len()) " cases: online applications awaiting acceptance first, then nearest deadline first. Yellow card: due soon; red card: overdue." }
                    }
                }
                thead {
                    tr {
                        th scope="col" { (ctx.t("办件编号", "Tracking number")) }
                        th scope="col" { (ctx.t("职权事项", "Power")) }
                        th scope="col" { (ctx.t("当事人", "Party")) }
                        th scope="col" { (ctx.t("状态", "Status")) }
                        th scope="col" { (ctx.t("当前环节", "Current step")) }
                        th scope="col" { (ctx.t("受理时间", "Received")) }
                        th scope="col" { (ctx.t("期限届满日", "Due")) }
                        th scope="col" { (ctx.t("剩余工作日", "Working days left")) }
                    }
                }
                tbody {
                    @for item in &items {
                        (row(&ctx, item))
                    }
                }
            }
        }
        @if items.is_empty() && errors.is_empty() {
            p id="no-cases" { (ctx.t("本部门暂无符合条件的办件。", "Your department has no matching cases.")) }
        }
    };
    let code = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    respond_private(
        code,
        layout(Page {
            ctx: &ctx,
            title: ctx.t("办件清单", "Worklist").to_string(),
            section: Section::Officer,
            keep_params: true,
            body,
        }),
    )
}

pub(super) fn row(ctx: &Ctx, item: &WorklistItem) -> Markup {
    let class = if item.overdue {
        Some("overdue")
    } else if item.yellow_card {
        Some("due-soon")
    } else {
        None
    };
    html! {
        tr class=[class] data-case=(item.id) {
            td { a href=(ctx.link(&format!("/officer/cases/{}", crate::web::pages::encode_component(&item.id)))) { code { (item.id) } } }
            td { (item.power_name) }
            td { (item.party_name) }
            td { (crate::web::pages::track::status_words(ctx.lang, item.status)) }
            td {
                (item.current_step)
                @if item.awaiting_acceptance {
                    br; span class="badge online" { (ctx.t("网上申请·待受理", "online · awaiting acceptance")) }
                }
            }
            td { @if let Some(at) = item.received_at { (cst(at)) } }
            td {
                @if let Some(d) = item.promised_due {
                    (ctx.t("承诺 ", "promised ")) (ymd(d)) br;
                }
                @if let Some(d) = item.statutory_due {
                    (ctx.t("法定 ", "statutory ")) (ymd(d))
                }
                @if !item.provisional_years.is_empty() {
                    br;
                    span class="provisional-tag" title=(crate::web::pages::provisional_note(ctx, &item.provisional_years)) {
                        (ctx.t("（预计）", "(provisional)"))
                    }
                }
                @if item.promised_due.is_none() && item.statutory_due.is_none() {
                    @if item.status == CaseStatus::Paused {
                        (ctx.t("计时暂停中", "clock paused"))
                    } @else {
                        "—"
                    }
                }
            }
            td {
                @if let Some(d) = item.remaining_days { (d) }
                (card_flag(ctx, class))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Opening a case
