//! 抽查 over the API: inspectors draw a reproducible random sample of a department's cases
//! concluded in a period and record a finding on each; reading one does its draw again from the
//! recorded seed.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use aggregates::Role;
use aggregates::spot_check::SpotFinding;
use chrono::NaiveDate;
use projections::spot_checks::SpotCheckDoc;
use serde::Deserialize;
use tracing_actix_web::RequestId;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::meta;
use crate::engine::Engine;
use crate::engine::spot_checks::SpotCheckCommandError;
use crate::identity::tokens::Principal;
use crate::queries::SpotCheckView;
use crate::web::error::{ApiError, Problem};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(draw)
        .service(list)
        .service(one)
        .service(finding);
}

/// A spot check to draw.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawRequest {
    /// The department checked.
    #[schema(example = "pudong-amr", pattern = "^[a-z0-9-]{1,40}$")]
    pub department: String,
    /// First day of the period (cases concluded on or after it, China dates).
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// How many cases to draw, 1 to 200.
    #[schema(example = 5)]
    pub size: u32,
    /// The seed, a decimal 64-bit unsigned integer as a string; drawn at random when absent.
    #[schema(example = "20261207")]
    pub seed: Option<String>,
}

/// A finding on a sampled case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingRequest {
    /// The case.
    pub case_id: String,
    /// `compliant` (规范) or `deficient` (存在问题).
    pub finding: SpotFinding,
    /// What was found; required for a deficiency, 1 to 2000 characters.
    pub note: Option<String>,
}

fn refused(e: SpotCheckCommandError) -> ApiError {
    match e {
        SpotCheckCommandError::Refused(cqrs_es::AggregateError::UserError(e)) => {
            crate::web::error::refused(&e)
        }
        SpotCheckCommandError::Refused(e) => crate::web::error::aggregate_failure(e),
        SpotCheckCommandError::Load(e) => e.into(),
    }
}

async fn view(engine: &Engine, id: &str, status: StatusCode) -> Result<HttpResponse, ApiError> {
    let view = engine
        .reads_own()
        .spot_check(id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such spot check"))?;
    Ok(super::positioned(
        engine,
        HttpResponse::build(status).json(view),
    ))
}

/// Draw a spot check (抽取样本): `size` of the department's cases concluded in the period,
/// ranked by SHA-256 of `"{seed}:{tracking number}"`, lowest first. The seed and the
/// population's fingerprint are recorded, so anyone can reproduce the draw. Inspectors.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    request_body = DrawRequest,
    responses(
        (status = 201, description = "Drawn", body = SpotCheckView),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an inspector", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Size outside 1-200 (`invalid_size`), period reversed (`invalid_period`), nothing concluded in it (`empty_population`), seed not a number (`invalid_seed`), department not an id (`invalid_department`)", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/spot-checks")]
async fn draw(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    body: web::Json<DrawRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::Inspector])?;
    let body = body.into_inner();
    if !aggregates::power::is_valid_department_id(&body.department) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_department",
            "a department id is 1-40 of a-z, 0-9 and -",
        ));
    }
    let seed = match body.seed.as_deref().map(str::trim) {
        None => None,
        Some(s) => Some(s.parse::<u64>().map_err(|_| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_seed",
                "the seed is a decimal integer from 0 to 18446744073709551615",
            )
        })?),
    };
    let id = engine
        .draw_spot_check(
            principal.actor(),
            &body.department,
            body.from,
            body.to,
            body.size,
            seed,
            meta(&principal, &request_id),
        )
        .await
        .map_err(refused)?;
    view(&engine, &id, StatusCode::CREATED).await
}

/// Every spot check, newest first. Inspectors.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The spot checks", body = Vec<SpotCheckDoc>),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an inspector", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/spot-checks")]
async fn list(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::Inspector])?;
    Ok(HttpResponse::Ok().json(engine.reads(after.0).spot_checks(None).await?))
}

/// One spot check with its draw done again from its seed (`reproduction.matches`). Inspectors.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Spot check id")),
    responses(
        (status = 200, description = "The spot check", body = SpotCheckView),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an inspector", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such spot check", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/spot-checks/{id}")]
async fn one(
    engine: web::Data<Engine>,
    principal: Principal,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::Inspector])?;
    view(&engine, &id, StatusCode::OK).await
}

/// Record the finding on one sampled case (检查结论), once. Inspectors.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Spot check id")),
    request_body = FindingRequest,
    responses(
        (status = 200, description = "Recorded", body = SpotCheckView),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an inspector", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such spot check", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Recorded already (`already_found`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Case not in the sample (`not_sampled`), a deficiency without its note (`invalid_note`)", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/spot-checks/{id}/findings")]
async fn finding(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Json<FindingRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::Inspector])?;
    let body = body.into_inner();
    engine
        .record_spot_finding(
            &id,
            principal.actor(),
            body.case_id,
            body.finding,
            body.note,
            meta(&principal, &request_id),
        )
        .await
        .map_err(refused)?;
    view(&engine, &id, StatusCode::OK).await
}
