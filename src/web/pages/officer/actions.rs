//! The case page's forms: a step, the clock, withdrawal, fees, an extension, a penalty
//! decision, publication and revocation, all through one path ([`run_case_form`]).

use super::*;
use aggregates::money::Fen;

/// What every case form's handler takes: the request, the engine, the signed-in officer,
/// the request id, the case id from the path and the form's bytes (extracted in that order,
/// so a missing session is answered before the body is read).
pub(crate) struct CaseForm {
    req: HttpRequest,
    engine: web::Data<Engine>,
    signed: SignedIn,
    request_id: RequestId,
    id: String,
    body: web::Bytes,
}

impl actix_web::FromRequest for CaseForm {
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let parts = <(
            web::Data<Engine>,
            SignedIn,
            RequestId,
            web::Path<String>,
            web::Bytes,
        )>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let (engine, signed, request_id, id, body) = parts.await?;
            Ok(CaseForm {
                req,
                engine,
                signed,
                request_id,
                id: id.into_inner(),
                body,
            })
        })
    }
}

/// The shared path of every case form: token, role, version, command, answer.
pub(super) async fn run_case_form(
    form: CaseForm,
    form_name: &'static str,
    build: impl FnOnce(&Ctx, &Params, Actor, u64) -> Result<(CaseCommand, &'static str), String>,
) -> HttpResponse {
    run_case_form_then(form, form_name, build, |ctx, _, id, done| {
        redirect(&ctx.link(&format!(
            "/officer/cases/{}?done={done}",
            crate::web::pages::encode_component(id)
        )))
    })
    .await
}

/// [`run_case_form`], answering a command that went through with `success` (the context, the
/// signed-in officer, the case id and the `done` word) instead of the redirect to the case.
pub(super) async fn run_case_form_then(
    form: CaseForm,
    form_name: &'static str,
    build: impl FnOnce(&Ctx, &Params, Actor, u64) -> Result<(CaseCommand, &'static str), String>,
    success: impl FnOnce(&Ctx, &SignedIn, &str, &str) -> HttpResponse,
) -> HttpResponse {
    let CaseForm {
        req,
        engine,
        signed,
        request_id,
        id,
        body,
    } = form;
    let mut ctx = Ctx::new(&req, engine.now());
    let params = match signed.verify_post(&mut ctx, &body) {
        Ok(p) => p,
        Err(page) => return page,
    };
    if let Err(p) = signed.require(&ctx, &[Role::Officer]) {
        return p;
    }
    let Some(expected) = params
        .get("expected_version")
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return crate::web::pages::message_page(
            &ctx,
            StatusCode::BAD_REQUEST,
            Section::Officer,
            ctx.t("请求有误", "Bad request"),
            ctx.t(
                "表单缺少办件版本号，请刷新页面。",
                "The form lacks the case version; reload the page.",
            ),
        );
    };
    let typed = |params: Params| Typed {
        form: form_name,
        params: Some(params),
    };
    let (command, done) = match build(&ctx, &params, signed.principal.actor(), expected) {
        Ok(c) => c,
        Err(message) => {
            return render_case(
                &ctx,
                &engine,
                &signed,
                &id,
                typed(params),
                Notice {
                    status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                    error: Some(message),
                    ..Notice::default()
                },
            )
            .await;
        }
    };
    // The case must exist and be readable before anything is run on it.
    let case_id = match load_readable(&engine, &ctx, &signed, &id).await {
        Ok((case_id, _, _)) => case_id,
        Err(p) => return p,
    };
    match engine
        .execute_case(&case_id, command, signed.meta(&request_id))
        .await
    {
        Ok(_) => success(&ctx, &signed, &id, done),
        Err(AggregateError::UserError(CaseError::StaleVersion { .. }))
        | Err(AggregateError::AggregateConflict) => {
            render_case(
                &ctx,
                &engine,
                &signed,
                &id,
                typed(params),
                Notice {
                    status: Some(StatusCode::CONFLICT),
                    conflict_since: Some(expected),
                    ..Notice::default()
                },
            )
            .await
        }
        Err(AggregateError::UserError(e)) => {
            let words = crate::web::pages::refusal_words(ctx.lang, &e);
            render_case(
                &ctx,
                &engine,
                &signed,
                &id,
                typed(params),
                Notice {
                    status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                    error: Some(words),
                    ..Notice::default()
                },
            )
            .await
        }
        Err(e) => {
            tracing::error!(error = %e, "a case command failed");
            let mut response = render_case(
                &ctx,
                &engine,
                &signed,
                &id,
                typed(params),
                Notice {
                    status: Some(StatusCode::SERVICE_UNAVAILABLE),
                    error: Some(
                        ctx.t(
                            "暂时无法保存，请稍后再试。",
                            "It could not be saved just now; please try again.",
                        )
                        .into(),
                    ),
                    ..Notice::default()
                },
            )
            .await;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            response
        }
    }
}

/// `POST /officer/cases/{id}/step`: one of the allowed outcomes, with a note.
pub(crate) async fn complete_step(form: CaseForm) -> HttpResponse {
    run_case_form(form, "step", |ctx, params, actor, expected| {
        let outcome = params.get("outcome").unwrap_or("").to_string();
        if outcome.is_empty() {
            return Err(ctx
                .t(
                    "请点击一个办理结果按钮。",
                    "Click one of the outcome buttons.",
                )
                .into());
        }
        let note = params.get("note").map(str::to_owned);
        Ok((
            CaseCommand::CompleteStep {
                actor,
                expected_version: expected,
                outcome,
                note,
                at: None,
            },
            "step",
        ))
    })
    .await
}

/// `POST /officer/cases/{id}/clock`: pause or resume with a reason.
pub(crate) async fn clock(form: CaseForm) -> HttpResponse {
    run_case_form(form, "clock", |ctx, params, actor, expected| {
        let reason = params.get("reason").unwrap_or("").to_string();
        if reason.is_empty() {
            return Err(ctx.t("请填写原因。", "Please give a reason.").into());
        }
        match params.get("action") {
            Some("pause") => Ok((
                CaseCommand::PauseClock {
                    actor,
                    expected_version: Some(expected),
                    reason,
                    at: None,
                },
                "pause",
            )),
            Some("resume") => Ok((
                CaseCommand::ResumeClock {
                    actor,
                    expected_version: Some(expected),
                    reason,
                    at: None,
                },
                "resume",
            )),
            _ => Err(ctx.t("未知的操作。", "Unknown action.").into()),
        }
    })
    .await
}

/// `POST /officer/cases/{id}/withdraw`.
pub(crate) async fn withdraw(form: CaseForm) -> HttpResponse {
    run_case_form(form, "withdraw", |ctx, params, actor, expected| {
        let reason = params.get("reason").unwrap_or("").to_string();
        if reason.is_empty() {
            return Err(ctx.t("请填写原因。", "Please give a reason.").into());
        }
        Ok((
            CaseCommand::WithdrawCase {
                actor,
                expected_version: Some(expected),
                reason,
                at: None,
            },
            "withdraw",
        ))
    })
    .await
}

/// `POST /officer/cases/{id}/publish`: 处罚决定公开.
pub(crate) async fn publish(form: CaseForm) -> HttpResponse {
    run_case_form(form, "publish", |_ctx, params, actor, _expected| {
        Ok((
            CaseCommand::PublishPenaltyDecision {
                actor,
                document_no: params.raw("document_no").to_string(),
                violation: params.raw("violation").to_string(),
                penalty: params.raw("penalty").to_string(),
                at: None,
            },
            "publish",
        ))
    })
    .await
}

/// `POST /officer/cases/{id}/revoke`: 处罚决定撤销 (and withdrawal of its publication).
pub(crate) async fn revoke(form: CaseForm) -> HttpResponse {
    run_case_form(form, "revoke", |_ctx, params, actor, _expected| {
        Ok((
            CaseCommand::RevokePenaltyDecision {
                actor,
                reason: params.raw("reason").to_string(),
                at: None,
            },
            "revoke",
        ))
    })
    .await
}

/// `POST /officer/cases/{id}/fee`: a fee charged, by item and amount in yuan.
pub(crate) async fn fee(form: CaseForm) -> HttpResponse {
    run_case_form(form, "fee", |ctx, params, actor, expected| {
        let item = params.get("item").unwrap_or("").to_string();
        if item.is_empty() {
            return Err(ctx.t("请填写收费项目。", "Enter the fee item.").into());
        }
        let amount = Fen::parse_yuan(params.raw("amount"))
            .filter(|a| !a.is_zero())
            .ok_or_else(|| {
                ctx.t(
                    "请按元填写收费金额，如 10 或 10.50。",
                    "Enter the amount in yuan, e.g. 10 or 10.50.",
                )
                .to_string()
            })?;
        Ok((
            CaseCommand::ChargeFee {
                actor,
                expected_version: expected,
                item,
                amount_fen: amount,
                note: params.get("note").map(str::to_owned),
                at: None,
            },
            "fee",
        ))
    })
    .await
}

/// `POST /officer/cases/{id}/extension`: the limit extended with its approval.
pub(crate) async fn extension(form: CaseForm) -> HttpResponse {
    run_case_form(form, "extension", |ctx, params, actor, expected| {
        let days = params
            .get("days")
            .and_then(|d| d.parse::<u32>().ok())
            .filter(|d| *d > 0)
            .ok_or_else(|| {
                ctx.t(
                    "请填写延长的工作日数（正整数）。",
                    "Enter the working days to add (a whole number).",
                )
                .to_string()
            })?;
        Ok((
            CaseCommand::ExtendLimit {
                actor,
                expected_version: expected,
                days,
                approved_by: params.get("approved_by").unwrap_or("").to_string(),
                reason: params.get("reason").unwrap_or("").to_string(),
                at: None,
            },
            "extension",
        ))
    })
    .await
}

/// The penalty form's input, or the problem with it.
pub(super) fn penalty_input(ctx: &Ctx, params: &Params) -> Result<PenaltyDecisionInput, String> {
    let amount = Fen::parse_yuan(params.raw("amount")).ok_or_else(|| {
        ctx.t(
            "请按元填写罚款金额，如 70000 或 70000.50。",
            "Enter the fine in yuan, e.g. 70000 or 70000.50.",
        )
        .to_string()
    })?;
    let base = match params.get("base_amount") {
        None => None,
        Some(b) => Some(Fen::parse_yuan(b).ok_or_else(|| {
            ctx.t(
                "请按元填写基数金额，如 3000。",
                "Enter the base amount in yuan, e.g. 3000.",
            )
            .to_string()
        })?),
    };
    Ok(PenaltyDecisionInput {
        band: params.get("band").map(str::to_owned),
        base_amount_fen: base,
        amount_fen: amount,
        circumstances: params
            .all("circumstances")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        grounds: params
            .all("grounds")
            .into_iter()
            .map(str::to_owned)
            .collect(),
    })
}

/// `POST /officer/cases/{id}/penalty`: `intent=check` shows the band's range for the base
/// amount and whether the fine is inside it, writing nothing; `intent=record` records it.
pub(crate) async fn penalty(form: CaseForm) -> HttpResponse {
    let CaseForm {
        req,
        engine,
        signed,
        request_id,
        id,
        body,
    } = form;
    let mut ctx = Ctx::new(&req, engine.now());
    let peek = std::str::from_utf8(&body)
        .ok()
        .and_then(|t| Params::parse(t).ok());
    let is_record = peek.as_ref().and_then(|p| p.get("intent")) == Some("record");
    if is_record {
        return run_case_form(
            CaseForm {
                req,
                engine,
                signed,
                request_id,
                id,
                body,
            },
            "penalty",
            |ctx, params, actor, expected| {
                let input = penalty_input(ctx, params)?;
                Ok((
                    CaseCommand::RecordPenaltyDecision {
                        actor,
                        expected_version: expected,
                        band: input.band,
                        base_amount_fen: input.base_amount_fen,
                        amount_fen: input.amount_fen,
                        circumstances: input.circumstances,
                        grounds: input.grounds,
                        justification: params.raw("justification").trim().to_string(),
                        approval: match (
                            params.get("approved_by"),
                            params.get("approval_reference"),
                        ) {
                            (Some(by), Some(reference)) => {
                                Some(aggregates::case::MitigationApproval {
                                    approved_by: by.to_string(),
                                    reference: reference.to_string(),
                                })
                            }
                            _ => None,
                        },
                        at: None,
                    },
                    "penalty",
                ))
            },
        )
        .await;
    }
    // A check: nothing is written.
    let params = match signed.verify_post(&mut ctx, &body) {
        Ok(p) => p,
        Err(page) => return page,
    };
    if let Err(p) = signed.require(&ctx, &[Role::Officer]) {
        return p;
    }
    let (_, case, _) = match load_readable(&engine, &ctx, &signed, &id).await {
        Ok(x) => x,
        Err(p) => return p,
    };
    let expected = params
        .get("expected_version")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let typed = |params: Params| Typed {
        form: "penalty",
        params: Some(params),
    };
    if expected != case.version {
        return render_case(
            &ctx,
            &engine,
            &signed,
            &id,
            typed(params),
            Notice {
                status: Some(StatusCode::CONFLICT),
                conflict_since: Some(expected),
                ..Notice::default()
            },
        )
        .await;
    }
    let input = match penalty_input(&ctx, &params) {
        Ok(i) => i,
        Err(message) => {
            return render_case(
                &ctx,
                &engine,
                &signed,
                &id,
                typed(params),
                Notice {
                    status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                    error: Some(message),
                    ..Notice::default()
                },
            )
            .await;
        }
    };
    let power = match engine
        .catalogue()
        .version_of(&case.power_code, case.power_version)
        .await
    {
        Ok(Some(p)) => p,
        Ok(None) => {
            return crate::web::pages::message_page(
                &ctx,
                StatusCode::SERVICE_UNAVAILABLE,
                Section::Officer,
                ctx.t("服务暂时不可用", "Temporarily unavailable"),
                ctx.t(
                    "办件所依据的事项版本无法读取。",
                    "The case's power version cannot be read.",
                ),
            );
        }
        Err(e) => return crate::web::pages::unavailable(&ctx, Section::Officer, e),
    };
    let notice = match case.check_penalty(&signed.principal.actor(), &power, input) {
        Ok(check) => Notice {
            check: Some(check),
            ..Notice::default()
        },
        Err(e) => Notice {
            status: Some(StatusCode::UNPROCESSABLE_ENTITY),
            error: Some(crate::web::pages::refusal_words(ctx.lang, &e)),
            ..Notice::default()
        },
    };
    render_case(&ctx, &engine, &signed, &id, typed(params), notice).await
}

/// `POST /officer/cases/{id}/supplement`: 一次性告知补正 — every material ticked, with what is
/// needed, in one notice.
pub(crate) async fn supplement(form: CaseForm) -> HttpResponse {
    run_case_form(form, "supplement", |ctx, params, actor, expected| {
        let outcome = params.get("outcome").unwrap_or("").to_string();
        let mut items = Vec::new();
        for i in 0..aggregates::case::MAX_SUPPLEMENT_ITEMS * 4 {
            let Some(name) = params.get(&format!("material-{i}")) else {
                continue;
            };
            if params.get(&format!("ask-{i}")).is_some() {
                items.push(aggregates::case::SupplementItem {
                    material: name.to_string(),
                    reason: params.raw(&format!("reason-{i}")).to_string(),
                });
            }
        }
        if items.is_empty() {
            return Err(ctx
                .t(
                    "请勾选需要补正的材料，并逐项写明需补正的内容。",
                    "Tick each material to supplement and say what is needed.",
                )
                .into());
        }
        if items.iter().any(|i| i.reason.trim().is_empty()) {
            return Err(ctx
                .t(
                    "每项勾选的材料都要写明需补正的内容（如：未提交、缺少签字、照片不清晰）。",
                    "Say for each ticked material what is needed (missing, unsigned, illegible…).",
                )
                .into());
        }
        Ok((
            CaseCommand::RequestSupplement {
                actor,
                expected_version: expected,
                outcome,
                items,
                at: None,
            },
            "supplement",
        ))
    })
    .await
}

/// `POST /officer/cases/{id}/query-code`: 补发查询码 — a new code replaces the lost one and is
/// shown this once.
pub(crate) async fn reissue_code(form: CaseForm) -> HttpResponse {
    let code = crate::engine::query_code::QueryCode::generate();
    let (salt, hash, shown) = (code.salt_hex, code.hash_hex, code.code);
    run_case_form_then(
        form,
        "query-code",
        |ctx, params, actor, expected| {
            let reason = params.get("reason").unwrap_or("").to_string();
            if reason.is_empty() {
                return Err(ctx
                    .t(
                        "请写明补发原因（如：申请人遗失回执，已核验身份证件）。",
                        "Say why (e.g. the applicant lost the receipt; identity checked).",
                    )
                    .into());
            }
            Ok((
                CaseCommand::ReissueQueryCode {
                    actor,
                    expected_version: expected,
                    query_code_salt: salt,
                    query_code_hash: hash,
                    reason,
                },
                "query-code",
            ))
        },
        move |ctx, signed, id, _| {
            let case_href = ctx.link(&format!(
                "/officer/cases/{}",
                crate::web::pages::encode_component(id)
            ));
            let body = html! {
                (signed.bar(ctx))
                h1 id="reissued" { (ctx.t("已补发查询码", "A new query code")) }
                p role="status" { (ctx.t(
                    "请把新的查询码告知申请人（只显示这一次）；原查询码已失效。",
                    "Give the applicant the new query code (shown only this once); the old one no longer works."
                )) }
                dl class="facts summary receipt" {
                    div { dt { (ctx.t("办件编号", "Tracking number")) } dd { code id="tracking-no" { (id) } } }
                    div { dt { (ctx.t("新查询码", "New query code")) } dd { code id="query-code" { (shown) } } }
                }
                p { a id="to-case" href=(case_href) { (ctx.t("返回办件", "Back to the case")) } }
            };
            page(
                ctx,
                StatusCode::OK,
                ctx.t("已补发查询码", "A new query code").to_string(),
                body,
            )
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::super::open::parse_local_time;

    #[test]
    fn local_times_are_china_standard_time() {
        let t = parse_local_time("2026-03-06T09:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-06T09:00:00+08:00");
        assert!(parse_local_time("2026-02-30T09:00").is_none());
    }
}
