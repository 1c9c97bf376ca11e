use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use aggregates::calendar::{CalendarError, DeadlineCalculation, MAX_WORKING_DAYS};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::engine::Engine;
use crate::web::error::{ApiError, Problem};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(deadline);
}

/// A deadline to compute.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeadlineQuery {
    /// The day the limit starts from (受理日期, not itself counted), `YYYY-MM-DD`.
    #[param(value_type = String, format = Date, example = "2026-02-10")]
    pub start: NaiveDate,
    /// Working days (工作日数), 0 to 3650.
    #[param(minimum = 0, maximum = 3650, example = 20)]
    pub days: u32,
}

/// The due date of a number of working days counted from a date (期限计算), with every day
/// explained: the start day is not counted, statutory holidays are not counted, make-up
/// workdays (调休上班) are.
#[utoipa::path(
    tag = "public",
    params(DeadlineQuery),
    responses(
        (status = 200, description = "The due date and the day-by-day count", body = DeadlineCalculation),
        (status = 400, description = "Malformed date or days outside 0-3650", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The count reaches a year the calendar does not cover", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/calendar/deadline")]
async fn deadline(
    engine: web::Data<Engine>,
    query: web::Query<DeadlineQuery>,
) -> Result<HttpResponse, ApiError> {
    if query.days > MAX_WORKING_DAYS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            format!("days must be between 0 and {MAX_WORKING_DAYS}"),
        ));
    }
    match engine.deadline(query.start, query.days) {
        Ok(calc) => Ok(HttpResponse::Ok().json(calc)),
        Err(CalendarError::YearNotCovered { year, covered }) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "calendar_not_covered",
            format!(
                "the working-day calendar has no data for {year}; covered years: {}",
                covered
                    .iter()
                    .map(i32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .with("covered_years", json!(covered))),
        Err(CalendarError::TooFar) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "the number of working days is too large",
        )),
        Err(other) => Err(ApiError::internal(anyhow::anyhow!(other))),
    }
}
