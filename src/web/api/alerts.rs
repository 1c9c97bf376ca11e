use actix_web::{HttpResponse, get, post, web};
use aggregates::Role;
use aggregates::alert::{AlertCommand, AlertRule, AlertStatus, Finding, Severity};
use aggregates::case::CaseId;
use projections::alert_queue::AlertDoc;
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{meta, positioned, require};
use crate::engine::Engine;
use crate::identity::tokens::Principal;
use crate::web::error::{ApiError, Problem};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_alerts)
        .service(get_alert)
        .service(acknowledge)
        .service(resolve)
        .service(dismiss);
}

/// Alert queue filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    /// `raised`, `acknowledged`, `resolved` or `dismissed`.
    pub status: Option<AlertStatus>,
    /// A rule, e.g. `red_card`.
    pub rule: Option<AlertRule>,
    /// `info`, `yellow` or `red`.
    pub severity: Option<Severity>,
    /// A department id.
    pub department: Option<String>,
    /// Only alerts raised at least this many days ago (0 to 36500).
    #[param(minimum = 0, maximum = 36500)]
    pub min_age_days: Option<u32>,
}

/// An alert in the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    /// `case:rule:threshold`.
    pub id: String,
    /// Days since it was raised.
    pub age_days: i64,
    /// The alert.
    #[schema(value_type = Object)]
    pub alert: serde_json::Value,
    /// Its history (event type and time).
    #[schema(value_type = Vec<Object>)]
    pub history: serde_json::Value,
}

/// An alert with the case behind it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertDetail {
    /// The alert.
    pub alert: AlertView,
    /// Every event of the case, in order, with who did what (personal data included:
    /// inspectors see it).
    #[schema(value_type = Vec<Object>)]
    pub case_events: Vec<serde_json::Value>,
}

/// Acknowledge (签收) an alert.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeRequest {
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
}

/// Resolve (办结) an alert with a finding.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// `justified` or `violation`.
    pub finding: Finding,
    /// The accountability action (责任追究), required for a violation.
    #[serde(default)]
    pub accountability: Option<String>,
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
}

/// Dismiss (撤销) an alert with a reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DismissRequest {
    /// Why (1-500 characters).
    pub reason: String,
}

pub(crate) fn alert_view(engine: &Engine, doc: AlertDoc) -> AlertView {
    let age_days = doc
        .alert
        .raised_at
        .map(|at| (engine.now() - at).num_days())
        .unwrap_or(0);
    AlertView {
        id: doc.id.clone(),
        age_days,
        alert: serde_json::to_value(&doc.alert).unwrap_or_default(),
        history: serde_json::to_value(&doc.history).unwrap_or_default(),
    }
}

async fn load(engine: &Engine, after: super::ReadAfter, id: &str) -> Result<AlertDoc, ApiError> {
    engine.wait_for_view("alerts", after.0).await;
    let doc = engine
        .repo()
        .view_doc_text("alerts", id)
        .await
        .map_err(ApiError::unavailable)?
        .ok_or_else(|| ApiError::not_found("no such alert"))?;
    serde_json::from_str(&doc).map_err(ApiError::internal)
}

/// The alert queue (预警督办) of the jurisdiction, newest first. Inspectors only.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    params(AlertQuery),
    responses(
        (status = 200, description = "Alerts, newest first", body = Vec<AlertView>),
        (status = 400, description = "Bad filter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an inspector", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/alerts")]
async fn list_alerts(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    principal: Principal,
    query: web::Query<AlertQuery>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Inspector)?;
    if query.min_age_days.is_some_and(|d| d > 36_500) {
        return Err(ApiError::new(
            actix_web::http::StatusCode::BAD_REQUEST,
            "invalid_query",
            "min_age_days must be between 0 and 36500",
        ));
    }
    engine.wait_for_view("alerts", after.0).await;
    let docs = engine
        .repo()
        .view_docs_text("alerts", query.department.as_deref())
        .await
        .map_err(ApiError::unavailable)?;
    let mut alerts: Vec<AlertDoc> = docs
        .iter()
        .filter_map(|d| serde_json::from_str::<AlertDoc>(d).ok())
        .filter(|d| query.status.is_none_or(|s| s == d.alert.status))
        .filter(|d| query.rule.is_none_or(|r| Some(r) == d.alert.rule))
        .filter(|d| query.severity.is_none_or(|s| Some(s) == d.alert.severity))
        .collect();
    alerts.sort_by_key(|a| std::cmp::Reverse(a.alert.raised_at));
    let views: Vec<AlertView> = alerts
        .into_iter()
        .map(|d| alert_view(&engine, d))
        .filter(|v| {
            query
                .min_age_days
                .is_none_or(|m| v.age_days >= i64::from(m))
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

/// One alert with the whole event history of its case (drill-down). Inspectors only.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Alert id (case:rule:threshold)")),
    responses(
        (status = 200, description = "The alert and its case", body = AlertDetail),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an inspector", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such alert", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/alerts/{id}")]
async fn get_alert(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Inspector)?;
    let doc = load(&engine, after, &id).await?;
    // The case's events carry the party's data: the read is recorded like a case file's.
    let file = engine
        .reads(after.0)
        .open_case_file(
            principal.actor(),
            &CaseId::parse(&doc.alert.case_id)
                .ok_or_else(|| ApiError::from(crate::queries::CaseFileError::NotFound))?,
            "inspector_alert_detail",
            meta(&principal, &request_id),
        )
        .await?;
    let case_events = file
        .events
        .into_iter()
        .map(|e| {
            serde_json::json!({
                "sequence": e.sequence,
                "position": e.position,
                "event_type": e.event_type,
                "payload": e.payload,
                "metadata": e.metadata,
                "recorded_at": e.recorded_at,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(AlertDetail {
        alert: alert_view(&engine, doc),
        case_events,
    }))
}

async fn act(
    engine: &Engine,
    principal: &Principal,
    request_id: &RequestId,
    id: &str,
    command: AlertCommand,
) -> Result<HttpResponse, ApiError> {
    require(principal, Role::Inspector)?;
    engine
        .execute_alert(id, command, meta(principal, request_id))
        .await?;
    // Read back after the command: this process's own write is waited for.
    let doc = load(engine, super::ReadAfter::default(), id).await?;
    Ok(positioned(
        engine,
        HttpResponse::Ok().json(alert_view(engine, doc)),
    ))
}

/// Acknowledge an alert (签收): an inspector takes it up.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Alert id")),
    request_body = AcknowledgeRequest,
    responses(
        (status = 200, description = "Acknowledged", body = AlertView),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an inspector", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such alert", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed at the same moment", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: already acknowledged or closed", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/alerts/{id}/acknowledge")]
async fn acknowledge(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Json<AcknowledgeRequest>,
) -> Result<HttpResponse, ApiError> {
    let command = AlertCommand::AcknowledgeAlert {
        actor: principal.actor(),
        note: body.into_inner().note,
    };
    act(&engine, &principal, &request_id, &id, command).await
}

/// Resolve an alert (办结) with a finding: justified, or a violation with its accountability
/// action (责任追究).
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Alert id")),
    request_body = ResolveRequest,
    responses(
        (status = 200, description = "Resolved", body = AlertView),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an inspector", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such alert", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed at the same moment", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: not acknowledged, closed, accountability missing", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/alerts/{id}/resolve")]
async fn resolve(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Json<ResolveRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let command = AlertCommand::ResolveAlert {
        actor: principal.actor(),
        finding: body.finding,
        accountability: body.accountability,
        note: body.note,
    };
    act(&engine, &principal, &request_id, &id, command).await
}

/// Dismiss an alert (撤销) with a reason. Nothing is deleted.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Alert id")),
    request_body = DismissRequest,
    responses(
        (status = 200, description = "Dismissed", body = AlertView),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an inspector", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such alert", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed at the same moment", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: closed, no reason", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/alerts/{id}/dismiss")]
async fn dismiss(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Json<DismissRequest>,
) -> Result<HttpResponse, ApiError> {
    let command = AlertCommand::DismissAlert {
        actor: principal.actor(),
        reason: body.into_inner().reason,
    };
    act(&engine, &principal, &request_id, &id, command).await
}
