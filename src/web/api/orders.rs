//! 督办 over the API: inspectors issue supervision orders on a case (or an alert on it) to its
//! department, and accept or return the replies; the department's officers and administrators
//! read their orders and reply.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use aggregates::Role;
use projections::orders::OrderDoc;
use serde::Deserialize;
use tracing_actix_web::RequestId;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::meta;
use crate::engine::Engine;
use crate::engine::orders::OrderCommandError;
use crate::identity::tokens::Principal;
use crate::web::error::{ApiError, Problem};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(issue)
        .service(list)
        .service(one)
        .service(reply)
        .service(accept)
        .service(return_reply);
}

/// A supervision order to issue.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueOrderRequest {
    /// The case (tracking number); the order goes to its department.
    #[schema(example = "YG20261102ABCDEFGH")]
    pub case_id: String,
    /// The alert it answers, if any (an alert on that case).
    pub alert_id: Option<String>,
    /// What the department is to do, 1 to 2000 characters.
    #[schema(example = "书面说明超期原因，提出整改措施")]
    pub instructions: String,
    /// Working days given, 1 to 60 (the due date counts from the day after today).
    #[schema(example = 5)]
    pub limit_days: u32,
}

/// A department's reply.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderReplyRequest {
    /// What happened and why, 1 to 2000 characters.
    pub explanation: String,
    /// What was done to correct it (整改措施), 1 to 2000 characters.
    pub corrective_action: String,
}

/// Accepting a reply.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptReplyRequest {
    /// A note, if any.
    pub note: Option<String>,
}

/// Returning a reply.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnReplyRequest {
    /// Why the reply is not enough, 1 to 2000 characters.
    pub reason: String,
    /// Working days given again, 1 to 60.
    pub limit_days: u32,
}

fn refused(e: OrderCommandError) -> ApiError {
    match e {
        OrderCommandError::UnknownCase => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_case",
            "no such case, or the alert named is not about it",
        ),
        OrderCommandError::NoCalendar => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_calendar",
            "the due date cannot be counted on the calendar loaded",
        ),
        OrderCommandError::Refused(e) => e.into(),
        OrderCommandError::Load(e) => e.into(),
    }
}

/// The department whose orders `principal` sees: `None` (every one) for inspectors.
fn scope(principal: &Principal) -> Result<Option<String>, ApiError> {
    principal.require(&[Role::Inspector, Role::Officer, Role::Admin])?;
    Ok(match principal.claims.role {
        Role::Inspector => None,
        _ => Some(principal.claims.department.clone().unwrap_or_default()),
    })
}

async fn answer(
    engine: &Engine,
    id: &str,
    department: Option<&str>,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let doc = engine
        .reads_own()
        .order(id, department)
        .await?
        .ok_or_else(|| ApiError::not_found("no such supervision order"))?;
    Ok(super::positioned(
        engine,
        HttpResponse::build(status).json(doc),
    ))
}

/// Issue a supervision order (发出督办) on a case, or on an alert on it, to the case's
/// department: what to do and how many working days it has. A reply missing or late past the
/// due date is escalated as a red alert (`order_overdue`). Inspectors.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    request_body = IssueOrderRequest,
    responses(
        (status = 201, description = "Issued", body = OrderDoc),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an inspector", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such case (`unknown_case`), instructions empty or overlong (`invalid_text`), days outside 1-60 (`invalid_limit_days`)", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/orders")]
async fn issue(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    body: web::Json<IssueOrderRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::Inspector])?;
    let body = body.into_inner();
    let id = engine
        .issue_order(
            principal.actor(),
            &body.case_id,
            body.alert_id,
            body.instructions,
            body.limit_days,
            meta(&principal, &request_id),
        )
        .await
        .map_err(refused)?;
    answer(&engine, &id, None, StatusCode::CREATED).await
}

/// The supervision orders the caller sees: every department's for inspectors, their own
/// department's for officers and administrators (its 督办 inbox). Waiting for a reply first,
/// earliest due first.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The orders", body = Vec<OrderDoc>),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/orders")]
async fn list(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    let department = scope(&principal)?;
    let list = engine.reads(after.0).orders(department.as_deref()).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// One supervision order with its whole history.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order", body = OrderDoc),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order (for staff: in their department)", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/orders/{id}")]
async fn one(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let department = scope(&principal)?;
    let doc = engine
        .reads(after.0)
        .order(&id, department.as_deref())
        .await?
        .ok_or_else(|| ApiError::not_found("no such supervision order"))?;
    Ok(HttpResponse::Ok().json(doc))
}

/// Reply to a supervision order (督办回复): the explanation and the corrective action. A reply
/// after the due date is recorded as late. Officers and administrators of the department.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Order id")),
    request_body = OrderReplyRequest,
    responses(
        (status = 200, description = "Replied", body = OrderDoc),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer or administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order in the department", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting for a reply (`not_awaiting_reply`), or changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A text empty or overlong", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/orders/{id}/reply")]
async fn reply(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Json<OrderReplyRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::Officer, Role::Admin])?;
    let body = body.into_inner();
    engine
        .reply_to_order(
            &id,
            principal.actor(),
            body.explanation,
            body.corrective_action,
            meta(&principal, &request_id),
        )
        .await
        .map_err(refused)?;
    let department = principal.claims.department.clone().unwrap_or_default();
    answer(&engine, &id, Some(&department), StatusCode::OK).await
}

/// Accept a reply (认可): the order is closed. Inspectors.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Order id")),
    request_body = AcceptReplyRequest,
    responses(
        (status = 200, description = "Closed", body = OrderDoc),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an inspector", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No reply waiting (`no_reply_to_judge`), or changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The note overlong", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/orders/{id}/accept")]
async fn accept(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Json<AcceptReplyRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::Inspector])?;
    engine
        .accept_order_reply(
            &id,
            principal.actor(),
            body.into_inner().note,
            meta(&principal, &request_id),
        )
        .await
        .map_err(refused)?;
    answer(&engine, &id, None, StatusCode::OK).await
}

/// Return a reply (退回重办) with the reason and new working days. Inspectors.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Order id")),
    request_body = ReturnReplyRequest,
    responses(
        (status = 200, description = "Returned: waiting for a reply again", body = OrderDoc),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an inspector", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No reply waiting (`no_reply_to_judge`), or changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The reason empty or overlong, days outside 1-60", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/orders/{id}/return")]
async fn return_reply(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Json<ReturnReplyRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::Inspector])?;
    let body = body.into_inner();
    engine
        .return_order_reply(
            &id,
            principal.actor(),
            body.reason,
            body.limit_days,
            meta(&principal, &request_id),
        )
        .await
        .map_err(refused)?;
    answer(&engine, &id, None, StatusCode::OK).await
}
