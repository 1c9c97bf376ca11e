use actix_web::{HttpRequest, HttpResponse, get, web};
use projections::public_case::PublicCaseView;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::engine::Engine;
use crate::error::{ApiError, Problem};
use crate::translog::CaseLog;

/// The public status with the case's place in the transparency log.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicCaseResponse {
    /// The public status.
    #[serde(flatten)]
    pub view: PublicCaseView,
    /// Each event's leaf in the transparency log and the newest signed tree head (absent when
    /// the server runs no log).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<CaseLog>,
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(public_case);
}

/// The query code given to the applicant.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CodeQuery {
    /// Query code (查询码).
    pub code: String,
}

fn not_found() -> ApiError {
    // One answer for an unknown number and a wrong code: numbers cannot be probed.
    ApiError::not_found("no case matches this tracking number and query code")
}

/// Public status of a case (动态公开): steps with dates, current step, working days used and
/// the deadline. No personal data. An unknown number and a wrong code give the same 404.
/// Lookups are limited per client address (shared with the `/track` page): past the limit the
/// answer is 429 with `Retry-After`. `log` lists each event's leaf in the transparency log
/// (its public form computed now from the event store, the leaf index and a link to its
/// inclusion proof) and the newest signed tree head: `yangguang log verify` checks them.
#[utoipa::path(
    tag = "public",
    params(("tracking_no" = String, Path, description = "Tracking number"), CodeQuery),
    responses(
        (status = 200, description = "The public status", body = PublicCaseResponse),
        (status = 400, description = "No code given", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No case matches this number and code", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many lookups from this address; see Retry-After", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/public/cases/{tracking_no}")]
async fn public_case(
    req: HttpRequest,
    engine: web::Data<Engine>,
    tracking_no: web::Path<String>,
    query: web::Query<CodeQuery>,
) -> Result<HttpResponse, ApiError> {
    crate::rate_limit::check_public_lookup(&req).map_err(ApiError::rate_limited)?;
    let view = engine
        .public_case(&tracking_no, &query.code)
        .await?
        .ok_or_else(not_found)?;
    let log = match engine.log() {
        Some(_) => Some(
            crate::translog::case_log(engine.repo(), &view.tracking_no)
                .await
                .map_err(ApiError::from)?,
        ),
        None => None,
    };
    Ok(HttpResponse::Ok().json(PublicCaseResponse { view, log }))
}
