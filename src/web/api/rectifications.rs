//! 好差评整改 over the API: a department's officers and administrators list the cases whose bad
//! rating or complaint waits for their call back (回访, within 1 working day by default) and
//! rectification (整改, within 15), and record both; the rectification's reply is what the
//! citizen reads on their tracking page before a follow-up rating.
use actix_web::{HttpResponse, get, post, web};
use aggregates::Role;
use aggregates::case::CaseId;
use aggregates::feedback::FeedbackCommand;
use projections::rectifications::RectificationDoc;
use serde::Deserialize;
use tracing_actix_web::RequestId;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::meta;
use crate::engine::Engine;
use crate::identity::tokens::Principal;
use crate::web::error::{ApiError, Problem};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(call_back).service(rectify);
}

/// A call back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallBackRequest {
    /// What was said, 1 to 2000 characters (internal).
    pub note: String,
}

/// A rectification.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RectificationRequest {
    /// The reply to the citizen, 1 to 2000 characters: what was found and corrected. Shown on
    /// the case's tracking page; write no personal data into it.
    pub reply: String,
}

/// The caller's department's 整改 tasks: open ones first (oldest first), then those done.
/// Officers and administrators.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The tasks", body = Vec<RectificationDoc>),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer or administrator", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/rectifications")]
async fn list(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::Officer, Role::Admin])?;
    let department = principal.claims.department.clone().unwrap_or_default();
    let list = engine.reads(after.0).rectifications(&department).await?;
    Ok(HttpResponse::Ok().json(list))
}

async fn record(
    engine: &Engine,
    principal: &Principal,
    request_id: &RequestId,
    tracking_no: &str,
    command: FeedbackCommand,
) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::not_found("no 整改 task on such a case in the department");
    let id = CaseId::parse(tracking_no).ok_or_else(not_found)?;
    engine
        .execute_feedback(&id, command, meta(principal, request_id))
        .await
        .map_err(|e| match e {
            cqrs_es::AggregateError::UserError(aggregates::feedback::FeedbackError::NoSuchCase) => {
                not_found()
            }
            other => other.into(),
        })?;
    let department = principal.claims.department.clone().unwrap_or_default();
    let doc = engine
        .reads_own()
        .rectification(&department, &id)
        .await?
        .ok_or_else(not_found)?;
    Ok(super::positioned(engine, HttpResponse::Ok().json(doc)))
}

/// Record the call back (回访) after a bad rating or a complaint, once per task. Officers and
/// administrators of the case's department.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    params(("tracking_no" = String, Path, description = "Tracking number")),
    request_body = CallBackRequest,
    responses(
        (status = 200, description = "Recorded", body = RectificationDoc),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the case's department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No feedback on such a case in the department", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Nothing waits (`nothing_to_rectify`), recorded already (`already_called_back`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty or overlong note", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/rectifications/{tracking_no}/call-back")]
async fn call_back(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    tracking_no: web::Path<String>,
    body: web::Json<CallBackRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::Officer, Role::Admin])?;
    let command = FeedbackCommand::RecordCallBack {
        actor: principal.actor(),
        note: body.into_inner().note,
        at: engine.now(),
    };
    record(&engine, &principal, &request_id, &tracking_no, command).await
}

/// Record the rectification (整改) and its reply to the citizen: the task is done, the reply
/// shows on the tracking page, and the citizen may give one follow-up rating. Officers and
/// administrators of the case's department.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    params(("tracking_no" = String, Path, description = "Tracking number")),
    request_body = RectificationRequest,
    responses(
        (status = 200, description = "Recorded", body = RectificationDoc),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the case's department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No feedback on such a case in the department", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Nothing waits (`nothing_to_rectify`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty or overlong reply", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/rectifications/{tracking_no}/rectification")]
async fn rectify(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    tracking_no: web::Path<String>,
    body: web::Json<RectificationRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::Officer, Role::Admin])?;
    let command = FeedbackCommand::RecordRectification {
        actor: principal.actor(),
        reply: body.into_inner().reply,
        at: engine.now(),
    };
    record(&engine, &principal, &request_id, &tracking_no, command).await
}
