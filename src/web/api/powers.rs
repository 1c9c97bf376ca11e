use actix_web::{HttpResponse, get, post, web};
use aggregates::Role;
use aggregates::power::{Category, PowerCommand, PowerVersionContent};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{meta, require};
use crate::engine::{Engine, PowerRecord};
use crate::identity::tokens::Principal;
use crate::queries::{PowerQuery, PowerSummary, PowerVersionView, doc_of, summary};
use crate::web::error::{ApiError, Problem};

async fn load(engine: &Engine, code: &str) -> Result<PowerRecord, ApiError> {
    engine
        .catalogue()
        .load(code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no power with code {code}")))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(register_power)
        .service(publish_version)
        .service(change_status)
        .service(list_powers)
        .service(get_power)
        .service(get_version);
}

/// Registers a power (登记职权).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterPowerRequest {
    /// Power code (职权编码): A-Z, 0-9 and -, at most 40.
    #[schema(example = "PD-SCJG-XK-001")]
    pub code: String,
    /// Name (职权名称).
    pub name: String,
    /// Category (职权类别).
    pub category: Category,
    /// Implementing department id: a-z, 0-9 and -, at most 40.
    #[schema(example = "pudong-amr")]
    pub department: String,
    /// Implementing department's name (实施主体).
    pub department_name: String,
}

/// The result of publishing.
#[derive(Debug, Serialize, ToSchema)]
pub struct Published {
    /// Power code.
    pub code: String,
    /// The version now current.
    pub version: u32,
    /// Its content hash.
    pub content_hash: String,
    /// False when the content equalled the current version and nothing was published.
    pub created: bool,
}

/// Suspend, reinstate or revoke.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// What to do.
    pub action: StatusAction,
    /// Why (1-500 characters).
    pub reason: String,
}

/// A status change.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusAction {
    /// 暂停: no new cases.
    Suspend,
    /// 恢复.
    Reinstate,
    /// 取消, for good.
    Revoke,
}

/// Register a power (登记职权). Registering the same power again with the same details is a
/// no-op answered 200.
#[utoipa::path(
    tag = "catalogue",
    security(("bearer" = [])),
    request_body = RegisterPowerRequest,
    responses(
        (status = 201, description = "Registered", body = PowerSummary),
        (status = 200, description = "Already registered with these details", body = PowerSummary),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator of the department", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is registered with other details", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/powers")]
async fn register_power(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    body: web::Json<RegisterPowerRequest>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Admin)?;
    let body = body.into_inner();
    if !aggregates::power::is_valid_power_code(&body.code) {
        return Err(aggregates::power::PowerError::InvalidCode { code: body.code }.into());
    }
    let code = body.code.clone();
    let events = engine
        .execute_power(
            &code,
            PowerCommand::RegisterPower {
                actor: principal.actor(),
                code: body.code,
                name: body.name,
                category: body.category,
                department: body.department,
                department_name: body.department_name,
            },
            meta(&principal, &request_id),
        )
        .await?;
    let record = load(&engine, &code).await?;
    let status = if events.is_empty() {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::CREATED
    };
    Ok(super::positioned(
        &engine,
        HttpResponse::build(status).json(summary(&doc_of(&record))),
    ))
}

/// Publish a new version of a power (发布版本): legal basis, limits, fees, flowchart... A
/// version is immutable; content equal to the current version publishes nothing (200). An
/// invalid version is refused with every problem listed.
#[utoipa::path(
    tag = "catalogue",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Power code")),
    request_body = PowerVersionContent,
    responses(
        (status = 201, description = "Published", body = Published),
        (status = 200, description = "Same as the current version; nothing published", body = Published),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator of the department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such power", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid version: every problem listed", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/powers/{code}/versions")]
async fn publish_version(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    code: web::Path<String>,
    body: web::Json<PowerVersionContent>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Admin)?;
    let code = code.into_inner();
    let events = engine
        .execute_power(
            &code,
            PowerCommand::PublishPowerVersion {
                actor: principal.actor(),
                content: Box::new(body.into_inner()),
            },
            meta(&principal, &request_id),
        )
        .await?;
    let record = load(&engine, &code).await?;
    let current = record
        .versions
        .last()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("published but no version")))?;
    let created = !events.is_empty();
    let body = Published {
        code,
        version: current.version,
        content_hash: current.content_hash.clone(),
        created,
    };
    Ok(super::positioned(
        &engine,
        if created {
            HttpResponse::Created().json(body)
        } else {
            HttpResponse::Ok().json(body)
        },
    ))
}

/// Suspend, reinstate or revoke a power (暂停/恢复/取消). Running cases go on under their
/// pinned version; a suspended or revoked power accepts no new cases.
#[utoipa::path(
    tag = "catalogue",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Power code")),
    request_body = StatusChange,
    responses(
        (status = 200, description = "Changed", body = PowerSummary),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator of the department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such power", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/powers/{code}/status")]
async fn change_status(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    code: web::Path<String>,
    body: web::Json<StatusChange>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Admin)?;
    let code = code.into_inner();
    let StatusChange { action, reason } = body.into_inner();
    let actor = principal.actor();
    let command = match action {
        StatusAction::Suspend => PowerCommand::SuspendPower { actor, reason },
        StatusAction::Reinstate => PowerCommand::ReinstatePower { actor, reason },
        StatusAction::Revoke => PowerCommand::RevokePower { actor, reason },
    };
    engine
        .execute_power(&code, command, meta(&principal, &request_id))
        .await?;
    Ok(super::positioned(
        &engine,
        HttpResponse::Ok().json(summary(&doc_of(&load(&engine, &code).await?))),
    ))
}

/// The public catalogue (职权目录), filtered by words, department and category.
#[utoipa::path(
    tag = "catalogue",
    params(PowerQuery),
    responses(
        (status = 200, description = "Powers, in order of registration", body = Vec<PowerSummary>),
        (status = 400, description = "Bad filter", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/powers")]
async fn list_powers(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    query: web::Query<PowerQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    if query.q.as_ref().is_some_and(|q| q.chars().count() > 100) {
        return Err(ApiError::bad_request("q must be at most 100 characters"));
    }
    let powers = engine.reads(after.0).list_powers(&query).await?;
    Ok(HttpResponse::Ok().json(powers))
}

/// A power's current version in full (办事指南).
#[utoipa::path(
    tag = "catalogue",
    params(("code" = String, Path, description = "Power code")),
    responses(
        (status = 200, description = "The current version", body = PowerVersionView),
        (status = 404, description = "No such power, or no version yet", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/powers/{code}")]
async fn get_power(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let page = engine
        .reads(after.0)
        .power_page(&code, None)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no published power with code {code}")))?;
    Ok(HttpResponse::Ok().json(page.view))
}

/// One version of a power.
#[utoipa::path(
    tag = "catalogue",
    params(
        ("code" = String, Path, description = "Power code"),
        ("n" = u32, Path, description = "Version number, from 1")
    ),
    responses(
        (status = 200, description = "That version", body = PowerVersionView),
        (status = 400, description = "Bad version number", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such power or version", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/powers/{code}/versions/{n}")]
async fn get_version(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    path: web::Path<(String, u32)>,
) -> Result<HttpResponse, ApiError> {
    let (code, n) = path.into_inner();
    let page = engine
        .reads(after.0)
        .power_page(&code, Some(n))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("power {code} has no version {n}")))?;
    Ok(HttpResponse::Ok().json(page.view))
}
