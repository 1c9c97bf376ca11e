//! The inspector's desk (电子监察台) beyond the alert queue: a case's whole file and the
//! department scorecards. Inspectors only. Opening a case file shows personal data, so every
//! opening is itself recorded (a `PersonalDataRead` event) before the file is sent.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use aggregates::Role;
use aggregates::case::CaseId;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use projections::data_reads::DataRead;
use projections::scorecard::{ScorecardRow, to_csv};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::alerts::{AlertView, alert_view};
use super::cases::{CaseEventView, CaseView, case_view};
use super::{meta, require};
use crate::engine::Engine;
use crate::identity::tokens::Principal;
use crate::store::StoredEvent;
use crate::web::error::{ApiError, Problem};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(case_file)
        .service(scorecards)
        .service(scorecards_csv);
}

/// A case's whole file for an inspector (卷宗).
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseFileView {
    /// The case as officers see it (personal data included).
    pub case: CaseView,
    /// Every event of the case, in order, with who did what.
    pub events: Vec<CaseEventView>,
    /// The public's complaints (with their text) and rating.
    pub feedback: Vec<CaseEventView>,
    /// Alerts on the case.
    pub alerts: Vec<AlertView>,
    /// Step ids the case has been at, in order: the path taken through its flowchart.
    pub path: Vec<String>,
    /// Every recorded read of this case's personal data, this one included.
    pub reads: Vec<DataRead>,
}

pub(crate) fn event_view(e: StoredEvent) -> CaseEventView {
    CaseEventView {
        sequence: e.sequence,
        position: e.position,
        event_type: e.event_type,
        event_version: e.event_version,
        payload: e.payload,
        metadata: e.metadata,
        recorded_at: e.recorded_at,
    }
}

/// Opens a case's file for an inspector ([`Engine::open_case_file`]: the read is recorded
/// first).
pub(crate) async fn open_case_file(
    engine: &Engine,
    after: super::ReadAfter,
    principal: &Principal,
    request_id: &RequestId,
    id: &str,
    purpose: &str,
) -> Result<crate::queries::CaseFile, ApiError> {
    require(principal, Role::Inspector)?;
    // What cannot be a case id is refused before anything is written.
    let id =
        CaseId::parse(id).ok_or_else(|| ApiError::from(crate::queries::CaseFileError::NotFound))?;
    engine
        .reads(after.0)
        .open_case_file(principal.actor(), &id, purpose, meta(principal, request_id))
        .await
        .map_err(ApiError::from)
}

/// A case's whole file (卷宗): the case with its party, every event with its actor, the
/// public's complaints and rating, its alerts, the path it took through its flowchart and who
/// read its personal data before. The read is recorded as an event. Inspectors only.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Case id (tracking number)")),
    responses(
        (status = 200, description = "The case file", body = CaseFileView),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an inspector", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/inspector/cases/{id}")]
async fn case_file(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let file = open_case_file(
        &engine,
        after,
        &principal,
        &request_id,
        &id,
        "inspector_case_file",
    )
    .await?;
    let view = CaseFileView {
        case: case_view(&engine, &file.case).await?,
        events: file.events.into_iter().map(event_view).collect(),
        feedback: file.feedback.into_iter().map(event_view).collect(),
        alerts: file
            .alerts
            .into_iter()
            .map(|d| alert_view(&engine, d))
            .collect(),
        path: file.path,
        reads: file.reads,
    };
    Ok(super::positioned(&engine, HttpResponse::Ok().json(view)))
}

/// The period of a scorecard.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    /// First day (default: 1 January of this year).
    pub from: Option<NaiveDate>,
    /// Last day (default: today), not before `from`.
    pub to: Option<NaiveDate>,
}

impl PeriodQuery {
    pub(crate) fn resolve(&self, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), ApiError> {
        let from = self
            .from
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today));
        let to = self.to.unwrap_or(today);
        if to < from {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_period",
                "the period's last day (`to`) is before its first (`from`)",
            ));
        }
        Ok((from, to))
    }
}

/// Scorecards of one period.
#[derive(Debug, Serialize, ToSchema)]
pub struct Scorecards {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// One row per department.
    pub rows: Vec<ScorecardRow>,
    /// The moment the figures are for.
    pub as_of: DateTime<FixedOffset>,
}

/// Department scorecards for a period (绩效评估): cases received and concluded, the on-time
/// rate, average working days, alerts per 100 cases, violations found, and where penalty
/// decisions sat within their bands. Inspectors only.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    params(PeriodQuery),
    responses(
        (status = 200, description = "The scorecards", body = Scorecards),
        (status = 400, description = "A date that is not a date", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`to` before `from`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an inspector", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/inspector/scorecards")]
async fn scorecards(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    principal: Principal,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Inspector)?;
    let now = engine.now();
    let (from, to) = query.resolve(now.date_naive())?;
    let rows = engine.reads(after.0).scorecards(from, to).await?;
    Ok(HttpResponse::Ok().json(Scorecards {
        from,
        to,
        rows,
        as_of: now,
    }))
}

/// The same scorecards as CSV (UTF-8 with BOM, one line per department). Inspectors only.
#[utoipa::path(
    tag = "supervision",
    security(("bearer" = [])),
    params(PeriodQuery),
    responses(
        (status = 200, description = "CSV", body = String, content_type = "text/csv"),
        (status = 400, description = "A date that is not a date", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`to` before `from`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an inspector", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/inspector/scorecards.csv")]
async fn scorecards_csv(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    principal: Principal,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Inspector)?;
    let (from, to) = query.resolve(engine.now().date_naive())?;
    let rows = engine.reads(after.0).scorecards(from, to).await?;
    Ok(csv_response(&rows, from, to))
}

pub fn csv_response(rows: &[ScorecardRow], from: NaiveDate, to: NaiveDate) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"scorecards-{from}-{to}.csv\""),
        ))
        .body(to_csv(rows, from, to))
}
