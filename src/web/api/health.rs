use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::engine::Engine;
use crate::web::error::ApiError;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(healthz);
}

/// Health of the server and its store.
#[derive(Serialize, ToSchema)]
struct Health {
    /// `ok`.
    status: &'static str,
    /// `sqlite` or `postgres`.
    store: &'static str,
    /// What an operator should see to (in English, for the logs and monitors): a year whose
    /// dates are provisional and whose State Council notice should be loaded
    /// (`yangguang calendar import`), this year at any time and next year from 1 November.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

/// Liveness and readiness: answers 200 when the event store answers, 503 otherwise.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Serving", body = Health),
        (status = 503, description = "The store does not answer", body = crate::web::error::Problem, content_type = "application/problem+json")
    )
)]
#[get("/healthz")]
async fn healthz(engine: web::Data<Engine>) -> Result<HttpResponse, ApiError> {
    engine.repo().ping().await.map_err(ApiError::unavailable)?;
    let warnings = engine
        .provisional_warning()
        .into_iter()
        .map(|year| {
            format!(
                "calendar year {year} is provisional (weekends and statutory holidays only): \
                 load the State Council's notice for {year} with `yangguang calendar import`"
            )
        })
        .collect();
    Ok(HttpResponse::Ok().json(Health {
        status: "ok",
        store: engine.repo().kind(),
        warnings,
    }))
}
