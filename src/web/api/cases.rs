use actix_web::{HttpResponse, get, post, web};
use aggregates::Role;
use aggregates::case::{
    AllowedOutcome, Case, CaseCommand, CaseError, CaseId, CaseStatus, CaseTimes, Channel, Contact,
    FeeRecord, MitigationApproval, OpenSupplement, PenaltyDecision, Publication, SubmittedMaterial,
    SupplementItem,
};
use aggregates::discretion::{DiscretionCheck, PenaltyDecisionInput};
use aggregates::money::Fen;
use aggregates::party::Party;
use chrono::{DateTime, FixedOffset};
use cqrs_es::AggregateError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tracing_actix_web::RequestId;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{meta, require};
use crate::engine::Engine;
use crate::engine::query_code;
use crate::identity::tokens::Principal;
use crate::queries::{WorklistItem, WorklistQuery};
use crate::web::error::{ApiError, Problem};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(open_case)
        .service(get_case)
        .service(case_events)
        .service(complete_step)
        .service(clock)
        .service(withdraw)
        .service(record_penalty_decision)
        .service(check_penalty_decision)
        .service(charge_fee)
        .service(request_supplement)
        .service(reissue_query_code)
        .service(extend_limit)
        .service(publish_decision)
        .service(revoke_decision)
        .service(worklist);
}

/// Opens a case (受理/立案).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenCaseRequest {
    /// The power exercised.
    #[schema(example = "PD-SCJG-XK-001")]
    pub power_code: String,
    /// The party (申请人/当事人).
    pub party: Party,
    /// How it came in.
    pub channel: Channel,
    /// When it was received, with its offset (e.g. `2026-03-06T09:00:00+08:00`).
    pub received_at: DateTime<FixedOffset>,
}

/// The answer to opening a case. The query code is shown this once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenedCase {
    /// The case id (= tracking number).
    pub id: String,
    /// Tracking number (办件编号) for the applicant.
    pub tracking_no: String,
    /// Query code (查询码) for the applicant; only its hash is stored.
    pub query_code: String,
    /// The case as it now stands.
    pub case: CaseView,
}

/// Completes the current step with one of its outcomes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    /// The outcome label (one of `allowed[].outcome`).
    pub outcome: String,
    /// The case version the officer saw.
    pub expected_version: u64,
    /// A note (at most 500 characters).
    #[serde(default)]
    pub note: Option<String>,
    /// When the step was taken, if not now.
    #[serde(default)]
    pub at: Option<DateTime<FixedOffset>>,
}

/// Pause or resume the clock.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockRequest {
    /// What to do.
    pub action: ClockAction,
    /// Why (1-500 characters).
    pub reason: String,
    /// The case version the officer saw, if they want the check.
    #[serde(default)]
    pub expected_version: Option<u64>,
    /// When, if not now.
    #[serde(default)]
    pub at: Option<DateTime<FixedOffset>>,
}

/// Clock actions.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockAction {
    /// 暂停计时.
    Pause,
    /// 恢复计时.
    Resume,
}

/// Withdraw or terminate a case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawRequest {
    /// Why (1-500 characters).
    pub reason: String,
    /// The case version the officer saw, if they want the check.
    #[serde(default)]
    pub expected_version: Option<u64>,
    /// When, if not now.
    #[serde(default)]
    pub at: Option<DateTime<FixedOffset>>,
}

/// A penalty decision (行政处罚决定) to check or record against the pinned version's
/// discretion standard (裁量基准). Money is in fen (分): 1 yuan = 100 fen.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PenaltyDecisionRequest {
    /// The case version the officer saw (a check against another version is a 409 too).
    pub expected_version: u64,
    /// The band chosen (裁量档次) by its id; absent for 不予处罚, or for 减轻 below every band.
    #[serde(default)]
    #[schema(example = "lt10k-ordinary")]
    pub band: Option<String>,
    /// The base amount the regime depends on (e.g. 货值金额), in fen.
    #[serde(default)]
    #[schema(value_type = Option<u64>, example = 300000)]
    pub base_amount_fen: Option<Fen>,
    /// The fine, in fen; 0 for no fine (不予处罚).
    #[schema(value_type = u64, example = 7500000)]
    pub amount_fen: Fen,
    /// Ids of the standard's circumstances (情节) found.
    #[serde(default)]
    pub circumstances: Vec<String>,
    /// Ids of the standard's 减轻 or 不予处罚 grounds relied on.
    #[serde(default)]
    pub grounds: Vec<String>,
    /// The reasons (说明理由), 1-2000 characters; required to record, optional to check.
    #[serde(default)]
    pub justification: String,
    /// The approval of a 减轻 below the statutory minimum (by someone other than the caller).
    #[serde(default)]
    pub approval: Option<MitigationApproval>,
    /// When decided, if not now (ignored by the check).
    #[serde(default)]
    pub at: Option<DateTime<FixedOffset>>,
}

impl PenaltyDecisionRequest {
    fn input(&self) -> PenaltyDecisionInput {
        PenaltyDecisionInput {
            band: self.band.clone(),
            base_amount_fen: self.base_amount_fen,
            amount_fen: self.amount_fen,
            circumstances: self.circumstances.clone(),
            grounds: self.grounds.clone(),
        }
    }
}

/// Publish a concluded penalty decision (行政处罚决定公开).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishDecisionRequest {
    /// 决定书文号 (1-100 characters).
    #[schema(example = "浦市监处〔2026〕12号")]
    pub document_no: String,
    /// 主要违法事实 (1-2000 characters). Name no natural person other than the party.
    pub violation: String,
    /// 处罚内容 in words (1-500 characters).
    #[schema(example = "没收违法所得，罚款人民币七万五千元")]
    pub penalty: String,
    /// When published, if not now.
    #[serde(default)]
    pub at: Option<DateTime<FixedOffset>>,
}

/// Revoke a concluded penalty decision; a published one is withdrawn from publication.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeDecisionRequest {
    /// Why (1-500 characters); shown publicly with the withdrawal.
    #[schema(example = "经行政复议决定撤销")]
    pub reason: String,
    /// When, if not now.
    #[serde(default)]
    pub at: Option<DateTime<FixedOffset>>,
}

/// The answer to recording a penalty decision: the case and the check stored with it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedPenalty {
    /// The case as it now stands.
    pub case: CaseView,
    /// The discretion check recorded on the event.
    pub check: DiscretionCheck,
}

/// The power version a case is pinned to.
#[derive(Debug, Serialize, ToSchema)]
pub struct PinnedPower {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Version number.
    pub version: u32,
    /// Content hash.
    pub content_hash: String,
}

/// The step a case stands at.
#[derive(Debug, Serialize, ToSchema)]
pub struct CurrentStep {
    /// Step id.
    pub id: String,
    /// Step name.
    pub name: String,
    /// The post that performs it.
    pub role: Option<String>,
    /// Since when.
    pub entered_at: Option<DateTime<FixedOffset>>,
    /// Whether waiting here stops the clock.
    pub pauses_clock: bool,
}

/// A case as officers see it (personal data included).
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    /// Case id (= tracking number).
    pub id: String,
    /// Tracking number.
    pub tracking_no: String,
    /// Version: the number of events; send it back as `expected_version`.
    pub version: u64,
    /// Status.
    pub status: CaseStatus,
    /// The pinned power version.
    pub power: PinnedPower,
    /// Department id.
    pub department: String,
    /// The party.
    pub party: Option<Party>,
    /// How it was received: at the window, online (网上申请), …
    pub channel: Option<Channel>,
    /// How to reach the applicant, when they applied online.
    pub contact: Option<Contact>,
    /// Files the applicant submitted online, oldest first.
    pub materials: Vec<SubmittedMaterial>,
    /// The 补正 notice waiting for the applicant's answer, if any.
    pub supplement: Option<OpenSupplement>,
    /// The written decision (决定书) once issued after the conclusion (by hash; the file at
    /// `/officer/cases/{id}/result.pdf`).
    pub result_document: Option<aggregates::case::ResultDocument>,
    /// When received.
    pub received_at: Option<DateTime<FixedOffset>>,
    /// The current step.
    pub current_step: CurrentStep,
    /// Outcomes allowed now.
    pub allowed: Vec<AllowedOutcome>,
    /// The result once concluded.
    pub result: Option<String>,
    /// When it concluded or was withdrawn.
    pub closed_at: Option<DateTime<FixedOffset>>,
    /// Time limits (statutory, promised, current step) and paused spans.
    pub limits: Option<CaseTimes>,
    /// Why limits could not be computed (e.g. no calendar for a year).
    pub limits_error: Option<String>,
    /// The penalty decision recorded last, with its discretion check (penalty powers).
    pub penalty: Option<PenaltyDecision>,
    /// Fees charged, oldest first, each with the amount the pinned version publishes for it.
    pub fees: Vec<FeeRecord>,
    /// The decision's publication, once published.
    pub publication: Option<Publication>,
    /// The moment these figures are for.
    pub as_of: DateTime<FixedOffset>,
}

/// One stored event of a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseEventView {
    /// Sequence within the case, from 1.
    pub sequence: i64,
    /// Global position.
    pub position: i64,
    /// Event type.
    pub event_type: String,
    /// Event schema version.
    pub event_version: String,
    /// Payload.
    #[schema(value_type = Object)]
    pub payload: Value,
    /// Actor, role, department, request id, recorded_at.
    #[schema(value_type = Object)]
    pub metadata: Value,
    /// When the store recorded it.
    pub recorded_at: DateTime<chrono::Utc>,
}

pub(crate) async fn case_view(engine: &Engine, case: &Case) -> Result<CaseView, ApiError> {
    let power = engine
        .catalogue()
        .version_of(&case.power_code, case.power_version)
        .await?;
    let now = engine.now();
    let (limits, limits_error, allowed, step) = match &power {
        Some(p) => {
            let (limits, err) = match case.times(&p.flowchart, &engine.calendar(), now) {
                Ok(t) => (Some(t), None),
                Err(e) => (None, Some(e.to_string())),
            };
            (
                limits,
                err,
                case.allowed(&p.flowchart),
                p.flowchart.step(&case.current_step).cloned(),
            )
        }
        None => (
            None,
            Some("the pinned power version is missing".into()),
            Vec::new(),
            None,
        ),
    };
    Ok(CaseView {
        id: case.tracking_no.clone(),
        tracking_no: case.tracking_no.clone(),
        version: case.version,
        status: case.status,
        power: PinnedPower {
            code: case.power_code.clone(),
            name: case.power_name.clone(),
            version: case.power_version,
            content_hash: case.content_hash.clone(),
        },
        department: case.department.clone(),
        party: case.party.clone(),
        channel: case.channel,
        contact: case.contact.clone(),
        materials: case.materials.clone(),
        supplement: case.supplement.clone(),
        result_document: case.result_document.clone(),
        received_at: case.received_at,
        current_step: CurrentStep {
            id: case.current_step.clone(),
            name: case.current_step_name.clone(),
            role: step.as_ref().and_then(|s| s.role.clone()),
            entered_at: case.entered_step_at,
            pauses_clock: step.as_ref().is_some_and(|s| s.pauses_clock),
        },
        allowed,
        result: case.result.clone(),
        closed_at: case.closed_at,
        limits,
        limits_error,
        penalty: case.penalty.clone(),
        fees: case.fees.clone(),
        publication: case.publication.clone(),
        as_of: now,
    })
}

/// Runs a command on a case and answers with the case as it now stands and the position the
/// command reached.
async fn run_command(
    engine: &Engine,
    principal: &Principal,
    request_id: &RequestId,
    id: &str,
    command: CaseCommand,
) -> Result<HttpResponse, ApiError> {
    let id = case_id(id)?;
    let (events, case) = engine
        .execute_case_with_state(&id, command, meta(principal, request_id))
        .await
        .map_err(hide_foreign)?;
    if events.is_empty() && case.version == 0 {
        // Nothing stored and nothing appended: there is no such case.
        return Err(ApiError::not_found("no such case"));
    }
    // The answer is the state the command produced: no second read of the stream.
    if !principal.can_read_department(&case.department) {
        return Err(no_such_case());
    }
    Ok(super::positioned(
        engine,
        HttpResponse::Ok().json(case_view(engine, &case).await?),
    ))
}

/// The case id in a path: what cannot be one is no such case.
fn case_id(id: &str) -> Result<CaseId, ApiError> {
    CaseId::parse(id).ok_or_else(|| ApiError::not_found("no such case"))
}

/// Loads a case the caller may read.
async fn readable_case(
    engine: &Engine,
    principal: &Principal,
    id: &str,
) -> Result<(Case, Vec<crate::store::StoredEvent>), ApiError> {
    let (case, events) = engine
        .load_case(&case_id(id)?)
        .await?
        .ok_or_else(|| ApiError::not_found("no such case"))?;
    if !principal.can_read_department(&case.department) {
        return Err(no_such_case());
    }
    Ok((case, events))
}

/// The one answer for a case the caller may not see and for a case that does not exist:
/// a 403 naming the department would tell a stranger which tracking numbers are real
/// (security finding 10).
fn no_such_case() -> ApiError {
    ApiError::not_found("no such case")
}

/// A command on an existing case refused because the case is another department's reads as
/// "no such case", like every read of it.
fn hide_foreign(err: AggregateError<CaseError>) -> ApiError {
    match err {
        AggregateError::UserError(CaseError::WrongDepartment { .. }) => no_such_case(),
        other => other.into(),
    }
}

/// Open a case (受理/立案) under the current version of a power. Officers of the power's
/// department only. Answers with the tracking number and the query code for the applicant.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    request_body = OpenCaseRequest,
    responses(
        (status = 201, description = "Opened", body = OpenedCase),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer of the power's department", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: unknown or inactive power, invalid party, bad time", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/cases")]
async fn open_case(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    body: web::Json<OpenCaseRequest>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Officer)?;
    let Some((tracking_no, query_code, case)) = open_new_case(
        &engine,
        principal.actor(),
        meta(&principal, &request_id),
        body.into_inner(),
        None,
    )
    .await?
    else {
        return Err(ApiError::unavailable(anyhow::anyhow!(
            "could not allocate a tracking number"
        )));
    };
    // The answer is the state the command produced: no read of the stream.
    let view = case_view(&engine, &case).await?;
    Ok(super::positioned(
        &engine,
        HttpResponse::Created()
            .insert_header((
                actix_web::http::header::LOCATION,
                format!("/api/v1/cases/{tracking_no}"),
            ))
            .json(OpenedCase {
                id: tracking_no.to_string(),
                tracking_no: tracking_no.to_string(),
                query_code,
                case: view,
            }),
    ))
}

/// Opens a case under a fresh random tracking number (the API and the officers' pages both
/// come here): the tracking number, the query code (shown to the applicant once) and the case
/// as opened. `None` when no free number was found in three tries (vanishing odds).
pub(crate) async fn open_new_case(
    engine: &Engine,
    actor: aggregates::Actor,
    meta: crate::engine::CommandMeta,
    body: OpenCaseRequest,
    preset: Option<CaseId>,
) -> Result<Option<(CaseId, String, Case)>, cqrs_es::AggregateError<CaseError>> {
    let today = aggregates::case::china_date(engine.now());
    // A fresh random tracking number collides with vanishing odds; retry a few times anyway.
    // A form's own number is tried once: taken, it is that form's case (posted twice).
    let tries = if preset.is_some() { 1 } else { 3 };
    for _ in 0..tries {
        let tracking_no = preset
            .clone()
            .unwrap_or_else(|| query_code::tracking_number(today));
        let code = query_code::QueryCode::generate();
        let result = engine
            .execute_new_case(
                &tracking_no,
                CaseCommand::OpenCase {
                    actor: actor.clone(),
                    tracking_no: tracking_no.to_string(),
                    power_code: body.power_code.clone(),
                    party: body.party.clone(),
                    channel: body.channel,
                    received_at: body.received_at,
                    query_code_salt: code.salt_hex.clone(),
                    query_code_hash: code.hash_hex.clone(),
                },
                meta.clone(),
            )
            .await;
        match result {
            Ok((_, case)) => return Ok(Some((tracking_no, code.code, case))),
            Err(cqrs_es::AggregateError::UserError(CaseError::AlreadyOpened))
            | Err(cqrs_es::AggregateError::AggregateConflict)
                if preset.is_some() =>
            {
                return Err(cqrs_es::AggregateError::UserError(CaseError::AlreadyOpened));
            }
            Err(cqrs_es::AggregateError::UserError(CaseError::AlreadyOpened))
            | Err(cqrs_es::AggregateError::AggregateConflict) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// A case with its current step, the outcomes allowed now and its time limits.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id (tracking number)")),
    responses(
        (status = 200, description = "The case", body = CaseView),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or another department's (the same answer)", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/cases/{id}")]
async fn get_case(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (case, _) = readable_case(&engine, &principal, &id).await?;
    record_inspector_read(&engine, &principal, &request_id, &id, "api_case").await?;
    Ok(HttpResponse::Ok().json(case_view(&engine, &case).await?))
}

/// An inspector reading a case's personal data leaves a `PersonalDataRead` event, as on the
/// desk; the department's own officers and administrators work on their cases and do not.
async fn record_inspector_read(
    engine: &Engine,
    principal: &Principal,
    request_id: &RequestId,
    id: &str,
    purpose: &str,
) -> Result<(), ApiError> {
    if principal.claims.role != Role::Inspector {
        return Ok(());
    }
    engine
        .record_personal_data_read(
            principal.actor(),
            &case_id(id)?,
            purpose,
            meta(principal, request_id),
        )
        .await
        .map_err(|e| ApiError::unavailable(anyhow::anyhow!("recording the read: {e}")))
}

/// Every event of a case, in order, with who did what.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id (tracking number)")),
    responses(
        (status = 200, description = "The events", body = Vec<CaseEventView>),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or another department's (the same answer)", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/cases/{id}/events")]
async fn case_events(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (_, events) = readable_case(&engine, &principal, &id).await?;
    record_inspector_read(&engine, &principal, &request_id, &id, "api_case_events").await?;
    let views: Vec<CaseEventView> = events
        .into_iter()
        .map(|e| CaseEventView {
            sequence: e.sequence,
            position: e.position,
            event_type: e.event_type,
            event_version: e.event_version,
            payload: e.payload,
            metadata: e.metadata,
            recorded_at: e.recorded_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

/// Complete the current step with one of its outcomes (办理环节). Only outcomes on an edge out
/// of the current step are accepted; a refusal lists the allowed ones. `expected_version` must
/// be the case's version, or the answer is 409.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id (tracking number)")),
    request_body = StepRequest,
    responses(
        (status = 200, description = "Done; the case as it now stands", body = CaseView),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or another department's (the same answer)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Stale expected_version or a concurrent write", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: outcome not allowed (with `allowed`), case closed, separation of duties, bad time", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/cases/{id}/steps")]
async fn complete_step(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Json<StepRequest>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Officer)?;
    let body = body.into_inner();
    run_command(
        &engine,
        &principal,
        &request_id,
        &id,
        CaseCommand::CompleteStep {
            actor: principal.actor(),
            expected_version: body.expected_version,
            outcome: body.outcome,
            note: body.note,
            at: body.at,
        },
    )
    .await
}

/// Pause or resume the case clock with a reason (暂停/恢复计时).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id (tracking number)")),
    request_body = ClockRequest,
    responses(
        (status = 200, description = "Done; the case as it now stands", body = CaseView),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or another department's (the same answer)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Stale expected_version or a concurrent write", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: already paused, not paused, held by a step, closed", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/cases/{id}/clock")]
async fn clock(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Json<ClockRequest>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Officer)?;
    let body = body.into_inner();
    let actor = principal.actor();
    let command = match body.action {
        ClockAction::Pause => CaseCommand::PauseClock {
            actor,
            expected_version: body.expected_version,
            reason: body.reason,
            at: body.at,
        },
        ClockAction::Resume => CaseCommand::ResumeClock {
            actor,
            expected_version: body.expected_version,
            reason: body.reason,
            at: body.at,
        },
    };
    run_command(&engine, &principal, &request_id, &id, command).await
}

/// Withdraw or terminate a case (撤回/终止) with a reason.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id (tracking number)")),
    request_body = WithdrawRequest,
    responses(
        (status = 200, description = "Withdrawn", body = CaseView),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or another department's (the same answer)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Stale expected_version or a concurrent write", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: already closed, no reason", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/cases/{id}/withdraw")]
async fn withdraw(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Json<WithdrawRequest>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Officer)?;
    let body = body.into_inner();
    run_command(
        &engine,
        &principal,
        &request_id,
        &id,
        CaseCommand::WithdrawCase {
            actor: principal.actor(),
            expected_version: body.expected_version,
            reason: body.reason,
            at: body.at,
        },
    )
    .await
}

/// An extension of the case's limits (延长期限) with its approval.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionRequest {
    /// Working days to add: 1 to what the pinned version's `extension` still allows.
    #[schema(example = 10)]
    pub days: u32,
    /// Who approved it (批准人), 1 to 100 characters.
    #[schema(example = "副局长 王某")]
    pub approved_by: String,
    /// Why (延期理由, told to the applicant), 1 to 500 characters.
    pub reason: String,
    /// The case version the officer saw.
    pub expected_version: u64,
    /// When approved, if not now.
    #[serde(default)]
    pub at: Option<DateTime<FixedOffset>>,
}

/// Extend the case's limits (延长期限: 行政许可法 第四十二条, 政府信息公开条例 第三十三条):
/// the statutory limit, and the promised one with it, grow by `days` working days. Officers of
/// the case's department; at most what the pinned version's `extension` allows in all; only
/// before the statutory limit has passed. Every deadline rule counts with the new limit.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id (tracking number)")),
    request_body = ExtensionRequest,
    responses(
        (status = 200, description = "Extended; the case as it now stands", body = CaseView),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or another department's (the same answer)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Stale expected_version or a concurrent write", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: `extension_not_allowed`, `extension_too_long`, `limit_already_passed`, `invalid_text`, case closed, bad time", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/cases/{id}/extension")]
async fn extend_limit(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Json<ExtensionRequest>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Officer)?;
    let body = body.into_inner();
    run_command(
        &engine,
        &principal,
        &request_id,
        &id,
        CaseCommand::ExtendLimit {
            actor: principal.actor(),
            expected_version: body.expected_version,
            days: body.days,
            approved_by: body.approved_by,
            reason: body.reason,
            at: body.at,
        },
    )
    .await
}

/// A fee charged to the party (收费).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeeRequest {
    /// The fee item's name, as the power's version publishes it (收费项目).
    #[schema(example = "工本费")]
    pub item: String,
    /// The amount charged, in fen (1 yuan = 100 fen), at least 1.
    #[schema(value_type = u64, example = 1000)]
    pub amount_fen: Fen,
    /// The case version the officer saw.
    pub expected_version: u64,
    /// A note (receipt number...), at most 500 characters.
    #[serde(default)]
    pub note: Option<String>,
    /// When charged, if not now.
    #[serde(default)]
    pub at: Option<DateTime<FixedOffset>>,
}

/// 补发查询码: why a new code is issued.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReissueRequest {
    /// Why, 1 to 500 characters (kept in the case's record).
    #[schema(example = "申请人遗失回执，已核验身份证件")]
    pub reason: String,
    /// The case version the officer saw.
    pub expected_version: u64,
}

/// A new query code, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReissuedCode {
    /// The tracking number.
    pub tracking_no: String,
    /// The new query code (查询码): the old one no longer works.
    pub query_code: String,
    /// The case as it now stands.
    pub case: CaseView,
}

/// 补发查询码: the applicant lost the query code; a new one replaces it (the old one stops
/// working at once) and is answered this once; the reason stays in the case's record.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id (tracking number)")),
    request_body = ReissueRequest,
    responses(
        (status = 200, description = "The new code", body = ReissuedCode),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or another department's (the same answer)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Stale expected_version or a concurrent write", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: no reason", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/cases/{id}/query-code")]
async fn reissue_query_code(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Json<ReissueRequest>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Officer)?;
    let body = body.into_inner();
    let (tracking_no, query_code, case) = reissue(
        &engine,
        &principal,
        meta(&principal, &request_id),
        &id,
        body.reason,
        body.expected_version,
    )
    .await?;
    Ok(super::positioned(
        &engine,
        HttpResponse::Ok().json(ReissuedCode {
            tracking_no,
            query_code,
            case: case_view(&engine, &case).await?,
        }),
    ))
}

/// Issues a new query code for case `id` (the API and the case page both come here): the
/// tracking number, the new code (shown once) and the case.
pub(crate) async fn reissue(
    engine: &Engine,
    principal: &Principal,
    meta: crate::engine::CommandMeta,
    id: &str,
    reason: String,
    expected_version: u64,
) -> Result<(String, String, Case), ApiError> {
    let id = case_id(id)?;
    let code = query_code::QueryCode::generate();
    let (_, case) = engine
        .execute_case_with_state(
            &id,
            CaseCommand::ReissueQueryCode {
                actor: principal.actor(),
                expected_version,
                query_code_salt: code.salt_hex,
                query_code_hash: code.hash_hex,
                reason,
            },
            meta,
        )
        .await
        .map_err(hide_foreign)?;
    if !principal.can_read_department(&case.department) {
        return Err(no_such_case());
    }
    Ok((id.to_string(), code.code, case))
}

/// 一次性告知补正: the materials to supplement, all in one notice.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplementRequestBody {
    /// The outcome of the current step that leads to the 补正 step (it must stop the clock).
    #[schema(example = "材料不齐全，一次告知补正")]
    pub outcome: String,
    /// Every material to supplement, each a material of the pinned version with what is
    /// missing or wrong (1 to 30).
    pub items: Vec<SupplementItem>,
    /// The case version the officer saw.
    pub expected_version: u64,
    /// When, if not now.
    #[serde(default)]
    pub at: Option<DateTime<FixedOffset>>,
}

/// Tell the applicant, in one notice, every material to supplement and why (一次性告知补正,
/// 行政许可法 第三十二条), completing the current step along `outcome` to the 补正 step, which
/// stops the clock. The applicant sees the notice with the query code and answers online
/// (`POST /public/cases/{tracking_no}/supplement`) or at the window.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id (tracking number)")),
    request_body = SupplementRequestBody,
    responses(
        (status = 200, description = "Told; the case as it now stands", body = CaseView),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or another department's (the same answer)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Stale expected_version or a concurrent write", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: the outcome is not allowed or leads to no 补正 step (`not_a_supplement_step`), the items are not 1 to 30 of the version's materials with reasons (`invalid_supplement`), the case is closed", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/cases/{id}/supplement-request")]
async fn request_supplement(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Json<SupplementRequestBody>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Officer)?;
    let body = body.into_inner();
    run_command(
        &engine,
        &principal,
        &request_id,
        &id,
        CaseCommand::RequestSupplement {
            actor: principal.actor(),
            expected_version: body.expected_version,
            outcome: body.outcome,
            items: body.items,
            at: body.at,
        },
    )
    .await
}

/// Record a fee charged to the party (收费). Kept with the amount the pinned version
/// publishes for that item (`standard_fen`, none when it does not list the item): a fee above
/// the schedule, on a free item or off the list is recorded as charged for supervision to
/// see, not refused.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id (tracking number)")),
    request_body = FeeRequest,
    responses(
        (status = 200, description = "Recorded; the case as it now stands", body = CaseView),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or another department's (the same answer)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Stale expected_version or a concurrent write", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: no item, amount 0 or too large, case closed, bad time", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/cases/{id}/fees")]
async fn charge_fee(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Json<FeeRequest>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Officer)?;
    let body = body.into_inner();
    run_command(
        &engine,
        &principal,
        &request_id,
        &id,
        CaseCommand::ChargeFee {
            actor: principal.actor(),
            expected_version: body.expected_version,
            item: body.item,
            amount_fen: body.amount_fen,
            note: body.note,
            at: body.at,
        },
    )
    .await
}

/// Record the penalty decision (行政处罚决定): band, base amount, fine, circumstances,
/// grounds and reasons, checked against the discretion standard (裁量基准) of the case's pinned
/// version. Officers of the case's department; penalty powers with a standard; while the case
/// is open. A decision outside its band is recorded with the check's verdict (supervision flags
/// it); impossible input is refused with the verdict as the code (`unknown_band`,
/// `above_statutory_maximum`, `band_required`, `base_amount_required`, `regime_mismatch`,
/// `unknown_circumstance`, `unknown_ground`) and the check in `check`. A later decision
/// replaces the earlier one until the case concludes; every one stays in the events.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id (tracking number)")),
    request_body = PenaltyDecisionRequest,
    responses(
        (status = 200, description = "Recorded; the case as it now stands and the check", body = RecordedPenalty),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or another department's (the same answer)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Stale expected_version or a concurrent write", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: not a penalty power, no discretion standard, impossible decision (code = verdict, with `check`), case closed, missing reasons, bad time", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/cases/{id}/penalty-decision")]
async fn record_penalty_decision(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Json<PenaltyDecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Officer)?;
    let body = body.into_inner();
    engine
        .execute_case(
            &case_id(&id)?,
            CaseCommand::RecordPenaltyDecision {
                actor: principal.actor(),
                expected_version: body.expected_version,
                band: body.band,
                base_amount_fen: body.base_amount_fen,
                amount_fen: body.amount_fen,
                circumstances: body.circumstances,
                grounds: body.grounds,
                justification: body.justification,
                approval: body.approval,
                at: body.at,
            },
            meta(&principal, &request_id),
        )
        .await
        .map_err(hide_foreign)?;
    let (case, _) = readable_case(&engine, &principal, &id).await?;
    let check = case
        .penalty
        .as_ref()
        .map(|p| p.check.clone())
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("recorded penalty not found")))?;
    let view = case_view(&engine, &case).await?;
    Ok(super::positioned(
        &engine,
        HttpResponse::Ok().json(RecordedPenalty { case: view, check }),
    ))
}

/// Check a penalty decision against the discretion standard without recording it: the
/// statutory range and the band's range for the base amount, and the verdict (`in_band`,
/// `above_band`, `mitigated_with_grounds` ...), for the officer to see before confirming. Same
/// body as recording; a decision recording would refuse comes back with `refused: true`.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id (tracking number)")),
    request_body = PenaltyDecisionRequest,
    responses(
        (status = 200, description = "The check; nothing is written", body = DiscretionCheck),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or another department's (the same answer)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Stale expected_version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: not a penalty power, no discretion standard, case closed, malformed ids", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/cases/{id}/penalty-decision/check")]
async fn check_penalty_decision(
    engine: web::Data<Engine>,
    principal: Principal,
    id: web::Path<String>,
    body: web::Json<PenaltyDecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Officer)?;
    let (case, _) = readable_case(&engine, &principal, &id).await?;
    if body.expected_version != case.version {
        return Err(CaseError::StaleVersion {
            expected: body.expected_version,
            actual: case.version,
        }
        .into());
    }
    let power = engine
        .catalogue()
        .version_of(&case.power_code, case.power_version)
        .await?
        .ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!("the pinned power version is missing"))
        })?;
    let check = case.check_penalty(&principal.actor(), &power, body.input())?;
    Ok(HttpResponse::Ok().json(check))
}

/// Publish the concluded case's penalty decision (行政处罚决定公开, 行政处罚法 art. 48): the
/// document number, the violation and the penalty in words; the party (a natural person
/// masked), the authority and the date come from the case. Once per decision. It then appears
/// on `GET /public/decisions`. Supervision flags a decision not published within 7 working days.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id (tracking number)")),
    request_body = PublishDecisionRequest,
    responses(
        (status = 200, description = "Published; the case as it now stands", body = CaseView),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or another department's (the same answer)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already published, or a concurrent write", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: no concluded penalty decision, revoked, bad texts or time", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/cases/{id}/publication")]
async fn publish_decision(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Json<PublishDecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Officer)?;
    let body = body.into_inner();
    let command = CaseCommand::PublishPenaltyDecision {
        actor: principal.actor(),
        document_no: body.document_no,
        violation: body.violation,
        penalty: body.penalty,
        at: body.at,
    };
    run_command(&engine, &principal, &request_id, &id, command).await
}

/// Revoke the concluded case's penalty decision (撤销: by 复议, 诉讼 or the authority itself).
/// A published decision is withdrawn from the public list; its page then says so, with the
/// reason (行政处罚法 art. 48 para. 2).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id (tracking number)")),
    request_body = RevokeDecisionRequest,
    responses(
        (status = 200, description = "Revoked; the case as it now stands", body = CaseView),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or another department's (the same answer)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A concurrent write", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: no concluded penalty decision, already revoked, no reason", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/cases/{id}/revocation")]
async fn revoke_decision(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Json<RevokeDecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Officer)?;
    let body = body.into_inner();
    let command = CaseCommand::RevokePenaltyDecision {
        actor: principal.actor(),
        reason: body.reason,
        at: body.at,
    };
    run_command(&engine, &principal, &request_id, &id, command).await
}

/// The worklist of the caller's department (办件清单): open and paused cases by default,
/// nearest deadline first. Officers and administrators of a department.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(WorklistQuery),
    responses(
        (status = 200, description = "Cases, nearest deadline first", body = Vec<WorklistItem>),
        (status = 400, description = "Bad filter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer or administrator of a department", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/worklist")]
async fn worklist(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    principal: Principal,
    query: web::Query<WorklistQuery>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::Officer, Role::Admin])?;
    let department = principal
        .claims
        .department
        .clone()
        .ok_or_else(|| ApiError::forbidden("the token names no department"))?;
    let items = engine.reads(after.0).worklist(&department, &query).await?;
    Ok(HttpResponse::Ok().json(items))
}
