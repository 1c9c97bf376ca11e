//! One error type for the HTTP API, rendered as RFC 7807 problem+json with a stable `code`.
//!
//! The mapping from domain refusals to statuses lives here and only here: validation 400,
//! auth 401/403, not found 404, a method the resource lacks 405 with Allow, concurrency 409,
//! refused by the domain 422, store down 503 with Retry-After, anything else 500 with the cause
//! logged and never shown.
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use aggregates::case::CaseError;
use aggregates::feedback::FeedbackError;
use aggregates::power::PowerError;
use aggregates::refusal::{Refusal, RefusalKind};
use cqrs_es::AggregateError;
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

/// RFC 7807 problem details, as sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A relative URI naming the problem type: `/problems/{code}`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What happened, in plain words.
    pub detail: String,
    /// Stable machine code.
    pub code: String,
    /// Request id, to quote when asking for help.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Every problem found (invalid flowcharts, parties, versions).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub problems: Option<Value>,
    /// Outcomes allowed from the current step (refused steps).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub allowed: Option<Value>,
    /// The case's current version (stale writes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<u64>,
    /// The discretion check of a refused penalty decision (its `verdict` is the `code`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub check: Option<Value>,
}

/// An API error.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    extra: Map<String, Value>,
    source: Option<anyhow::Error>,
    retry_after: Option<u64>,
    allow: Option<&'static str>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ApiError {
    /// An error with a status, a stable code and a plain message.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            detail: detail.into(),
            extra: Map::new(),
            source: None,
            retry_after: None,
            allow: None,
        }
    }

    /// Adds a member to the problem body.
    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }

    /// 400 with code `invalid_request`.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", detail)
    }

    /// 404 `not_found`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// The one public answer for an unknown tracking number and for a wrong query code, so that
    /// numbers cannot be probed.
    pub fn case_not_found() -> Self {
        Self::not_found("no case matches this tracking number and query code")
    }

    /// 401 `unauthorized`.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    /// 403 `forbidden`.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    /// 405 `method_not_allowed`, with `Allow` listing the methods the resource has.
    pub fn method_not_allowed(method: &actix_web::http::Method, allow: &'static str) -> Self {
        let mut e = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{method} is not allowed here; allowed: {allow}"),
        );
        e.allow = Some(allow);
        e
    }

    /// 429 `rate_limited`, with `Retry-After`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many lookups from this address; try again in {retry_after_secs} s"),
        );
        e.retry_after = Some(retry_after_secs);
        e
    }

    /// 503 `unavailable`, with the cause logged.
    pub fn unavailable(cause: impl Into<anyhow::Error>) -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the store is temporarily unavailable; try again shortly",
        );
        e.source = Some(cause.into());
        e
    }

    /// 500 `internal`, with the cause logged and never shown.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an internal error occurred",
        );
        e.source = Some(cause.into());
        e
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(source) = &self.source
            && self.status.is_server_error()
        {
            tracing::error!(code = self.code, error = ?source, "request failed");
        }
        let mut body = json!({
            "type": format!("/problems/{}", self.code),
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
            "code": self.code,
        });
        if let Some(obj) = body.as_object_mut() {
            for (k, v) in &self.extra {
                obj.insert(k.clone(), v.clone());
            }
        }
        let mut response = HttpResponse::build(self.status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if let Some(secs) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(secs)));
        } else if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("2")));
        }
        if let Some(allow) = self.allow {
            response.insert_header((header::ALLOW, HeaderValue::from_static(allow)));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"yangguang\""),
            ));
        }
        response.body(body.to_string())
    }
}

impl From<AggregateError<CaseError>> for ApiError {
    fn from(err: AggregateError<CaseError>) -> Self {
        match err {
            AggregateError::UserError(e) => e.into(),
            other => aggregate_failure(other),
        }
    }
}

impl From<AggregateError<PowerError>> for ApiError {
    fn from(err: AggregateError<PowerError>) -> Self {
        match err {
            AggregateError::UserError(e) => e.into(),
            other => aggregate_failure(other),
        }
    }
}

pub(crate) fn aggregate_failure<T: std::error::Error>(err: AggregateError<T>) -> ApiError {
    match err {
        AggregateError::AggregateConflict => ApiError::new(
            StatusCode::CONFLICT,
            "concurrent_write",
            "someone else changed this record at the same moment; reload and try again",
        ),
        AggregateError::DatabaseConnectionError(e) => ApiError::unavailable(anyhow::anyhow!(e)),
        AggregateError::DeserializationError(e) => ApiError::internal(anyhow::anyhow!(e)),
        AggregateError::UnexpectedError(e) => {
            // Pool timeouts and closed connections surface here too: a store that is down.
            ApiError::unavailable(anyhow::anyhow!(e))
        }
        AggregateError::UserError(e) => ApiError::internal(anyhow::anyhow!(e.to_string())),
    }
}

impl From<CaseError> for ApiError {
    fn from(err: CaseError) -> Self {
        let mut api = refused(&err);
        match err {
            CaseError::InvalidParty { problems } | CaseError::InvalidContact { problems } => {
                api = api.with("problems", json!(problems));
            }
            CaseError::OutcomeNotAllowed { allowed, .. } => {
                api = api.with("allowed", json!(allowed));
            }
            CaseError::StaleVersion { actual, .. } => {
                api = api.with("current_version", json!(actual));
            }
            CaseError::PenaltyDecisionRefused { check } => {
                api = api.with("check", json!(check));
            }
            _ => {}
        }
        api
    }
}

impl From<AggregateError<FeedbackError>> for ApiError {
    fn from(err: AggregateError<FeedbackError>) -> Self {
        match err {
            AggregateError::UserError(e) => e.into(),
            other => aggregate_failure(other),
        }
    }
}

impl From<FeedbackError> for ApiError {
    fn from(err: FeedbackError) -> Self {
        match err {
            // The same answer as an unknown tracking number or a wrong code: nothing to probe.
            FeedbackError::NoSuchCase => ApiError::case_not_found(),
            other => refused(&other),
        }
    }
}

impl From<AggregateError<aggregates::question::QuestionError>> for ApiError {
    fn from(err: AggregateError<aggregates::question::QuestionError>) -> Self {
        match err {
            AggregateError::UserError(e) => refused(&e),
            other => aggregate_failure(other),
        }
    }
}

impl From<AggregateError<aggregates::order::OrderError>> for ApiError {
    fn from(err: AggregateError<aggregates::order::OrderError>) -> Self {
        match err {
            AggregateError::UserError(e) => refused(&e),
            other => aggregate_failure(other),
        }
    }
}

impl From<PowerError> for ApiError {
    fn from(err: PowerError) -> Self {
        let mut api = refused(&err);
        if let PowerError::InvalidVersion { problems } = err {
            api = api.with("problems", json!(problems));
        }
        api
    }
}

impl From<crate::identity::tokens::TokenError> for ApiError {
    fn from(e: crate::identity::tokens::TokenError) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "invalid_token", e.to_string())
    }
}

impl From<crate::identity::tokens::MissingRole> for ApiError {
    fn from(e: crate::identity::tokens::MissingRole) -> Self {
        ApiError::forbidden(e.to_string())
    }
}

impl From<crate::queries::CaseFileError> for ApiError {
    fn from(e: crate::queries::CaseFileError) -> Self {
        match e {
            crate::queries::CaseFileError::NotFound => ApiError::not_found("no such case"),
            crate::queries::CaseFileError::Recording(e) => {
                ApiError::unavailable(anyhow::anyhow!("recording the read: {e}"))
            }
            crate::queries::CaseFileError::Load(e) => e.into(),
        }
    }
}

impl From<crate::engine::LoadError> for ApiError {
    fn from(err: crate::engine::LoadError) -> Self {
        match err {
            crate::engine::LoadError::Store(e) => ApiError::unavailable(e),
            other => ApiError::internal(other),
        }
    }
}

impl From<aggregates::alert::AlertError> for ApiError {
    fn from(err: aggregates::alert::AlertError) -> Self {
        refused(&err)
    }
}

impl From<AggregateError<aggregates::alert::AlertError>> for ApiError {
    fn from(err: AggregateError<aggregates::alert::AlertError>) -> Self {
        match err {
            AggregateError::UserError(e) => e.into(),
            other => aggregate_failure(other),
        }
    }
}

/// The one place a refusal's kind becomes an HTTP status.
fn status_of(kind: RefusalKind) -> StatusCode {
    match kind {
        RefusalKind::Forbidden => StatusCode::FORBIDDEN,
        RefusalKind::NotFound => StatusCode::NOT_FOUND,
        RefusalKind::Conflict => StatusCode::CONFLICT,
        RefusalKind::Rule => StatusCode::UNPROCESSABLE_ENTITY,
        RefusalKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// A refusal of the domain as a problem: its stable code, the status of its kind, its text.
pub(crate) fn refused(err: &impl Refusal) -> ApiError {
    match err.kind() {
        RefusalKind::Unavailable => ApiError::unavailable(anyhow::anyhow!(err.to_string())),
        kind => ApiError::new(status_of(kind), err.code(), err.to_string()),
    }
}
