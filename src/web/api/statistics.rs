//! 考核评价公开: the public statistics of a period, per department and power, as JSON and CSV;
//! and the tables of the annual disclosure report (年度报告). Open to anyone.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use aggregates::case::china_date;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::engine::Engine;
use crate::queries::{AnnualReport, MAX_MONTHS, Month, PublicStatistics};
use crate::web::error::{ApiError, Problem};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(public_statistics)
        .service(public_statistics_csv)
        .service(annual_report);
}

/// A department filter: absent for every department, else a well-formed id (the pages pass an
/// empty choice as absent).
fn department_filter(department: Option<&str>) -> Result<Option<&str>, ApiError> {
    if let Some(d) = department
        && !aggregates::power::is_valid_department_id(d)
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "department: use a-z, 0-9 and -, at most 40 characters",
        ));
    }
    Ok(department)
}

/// Which statistics: a department (all if absent) and a period of whole months.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatisticsQuery {
    /// Department id (all departments if absent).
    #[param(pattern = "^[a-z0-9-]{1,40}$")]
    pub department: Option<String>,
    /// First month, `YYYY-MM` (default: January of this year).
    #[param(value_type = Option<String>, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub from: Option<Month>,
    /// Last month, `YYYY-MM` (default: this month), not before `from`; at most 120 months
    /// after it.
    #[param(value_type = Option<String>, pattern = "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$")]
    pub to: Option<Month>,
}

impl StatisticsQuery {
    /// The department and the months asked for, with the defaults; a bad filter is refused.
    pub(crate) fn resolve(
        &self,
        now: DateTime<FixedOffset>,
    ) -> Result<(Option<&str>, Month, Month), ApiError> {
        let this_month = Month::of(china_date(now));
        let from = self
            .from
            .unwrap_or_else(|| Month::january(this_month.year()));
        let to = self.to.unwrap_or(this_month);
        if to < from {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_period",
                "the period's last month (`to`) is before its first (`from`)",
            ));
        }
        if from.span_to(to) > MAX_MONTHS {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_period",
                "a period is at most 120 months",
            ));
        }
        let department = department_filter(self.department.as_deref())?;
        Ok((department, from, to))
    }
}

/// The statistics of a period, with the moment they are for.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatisticsResponse {
    /// The figures.
    #[serde(flatten)]
    pub statistics: PublicStatistics,
    /// The moment the figures are for.
    pub as_of: DateTime<FixedOffset>,
}

/// Public statistics (考核评价公开) of a period of whole months, per department and power:
/// cases received and concluded, the on-time rate (concluded within the statutory limit and
/// any lawful extension, of those whose working days were counted), average working days,
/// withdrawals, ratings by level with the 差评率 (不满意 and 非常不满意 of all ratings),
/// complaints, and 督办 issued and replied to by or after their due date. Each figure counts
/// the month its event happened in (China time): a case received in March and concluded in
/// April is received in March and concluded in April. Kept as running counts as the events
/// arrive: figures follow new events within moments.
#[utoipa::path(
    tag = "public",
    params(StatisticsQuery),
    responses(
        (status = 200, description = "The statistics", body = StatisticsResponse),
        (status = 400, description = "A month that is not `YYYY-MM`, or a bad department id", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`to` before `from`, or a period longer than 120 months", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/public/statistics")]
async fn public_statistics(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    query: web::Query<StatisticsQuery>,
) -> Result<HttpResponse, ApiError> {
    let now = engine.now();
    let (department, from, to) = query.resolve(now)?;
    let figures = engine
        .reads(after.0)
        .public_statistics(from, to, department)
        .await?;
    Ok(HttpResponse::Ok().json(StatisticsResponse {
        statistics: figures,
        as_of: now,
    }))
}

/// The same statistics as CSV (UTF-8 with BOM): a line per department (its totals) followed
/// by a line per power.
#[utoipa::path(
    tag = "public",
    params(StatisticsQuery),
    responses(
        (status = 200, description = "CSV", body = String, content_type = "text/csv"),
        (status = 400, description = "A month that is not `YYYY-MM`, or a bad department id", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`to` before `from`, or a period longer than 120 months", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/public/statistics.csv")]
async fn public_statistics_csv(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    query: web::Query<StatisticsQuery>,
) -> Result<HttpResponse, ApiError> {
    let (department, from, to) = query.resolve(engine.now())?;
    let figures = engine
        .reads(after.0)
        .public_statistics(from, to, department)
        .await?;
    Ok(csv_response(&figures))
}

/// The CSV download of `statistics`.
pub fn csv_response(figures: &PublicStatistics) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"statistics-{}-{}.csv\"",
                figures.from, figures.to
            ),
        ))
        .body(figures.to_csv())
}

/// Which annual report: a year and a department (every department if absent).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AnnualReportQuery {
    /// The year (default: last year); 2000 to this year.
    pub year: Option<i32>,
    /// Department id (every department if absent).
    #[param(pattern = "^[a-z0-9-]{1,40}$")]
    pub department: Option<String>,
}

impl AnnualReportQuery {
    /// The year and department asked for; a bad one is refused.
    pub(crate) fn resolve(
        &self,
        now: DateTime<FixedOffset>,
    ) -> Result<(i32, Option<&str>), ApiError> {
        use chrono::Datelike;
        let this_year = china_date(now).year();
        let year = self.year.unwrap_or(this_year - 1);
        if !(2000..=this_year).contains(&year) {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_year",
                "year: 2000 to this year",
            ));
        }
        let department = department_filter(self.department.as_deref())?;
        Ok((year, department))
    }
}

/// The tables of the government information disclosure annual report (政府信息公开工作年度报告,
/// the format of 国办公开办函〔2021〕30号) for a year, from what the system holds: 二 (行政许可,
/// 行政处罚 and 行政强制 decisions, fees in 万元) and 三 (applications to the powers whose legal
/// basis cites 《政府信息公开条例》第二十七条: received, carried over, by result, carried into
/// next year, by applicant). A `null` cell is one the system cannot know, for manual input;
/// results no row names, and withdrawals, are listed in `unplaced`. The page
/// `/reports/annual` shows it in the format and downloads it as a document to complete.
#[utoipa::path(
    tag = "public",
    params(AnnualReportQuery),
    responses(
        (status = 200, description = "The report's tables", body = AnnualReport),
        (status = 400, description = "A year that is not a number, or a bad department id", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A year before 2000 or after this one", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/reports/annual")]
async fn annual_report(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    query: web::Query<AnnualReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (year, department) = query.resolve(engine.now())?;
    let report = engine
        .reads(after.0)
        .annual_report(year, department)
        .await?;
    Ok(HttpResponse::Ok().json(report))
}
