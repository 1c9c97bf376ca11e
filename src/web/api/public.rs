use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use aggregates::case::CaseId;
use aggregates::feedback::{CaseFacts, FeedbackCommand, FeedbackEvent};
use chrono::{DateTime, FixedOffset};
use projections::decisions::PublishedDecision;
use projections::public_case::PublicCaseView;
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::engine::{CommandMeta, Engine};
use crate::follow::translog::CaseLog;
use crate::web::error::{ApiError, Problem};

/// The public status with the case's place in the transparency log.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicCaseLogResponse {
    /// The public status.
    #[serde(flatten)]
    pub view: PublicCaseView,
    /// Each event's leaf in the transparency log and the newest signed tree head.
    pub log: CaseLog,
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(public_case)
        .service(public_case_log)
        .service(complain)
        .service(rate)
        .service(follow_up)
        .service(decisions)
        .service(decision);
}

/// The query code given to the applicant.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CodeQuery {
    /// Query code (查询码).
    pub code: String,
}

fn not_found() -> ApiError {
    ApiError::case_not_found()
}

/// Largest body of a complaint or rating; the texts themselves are limited by the domain.
pub const PUBLIC_WRITE_LIMIT: usize = 16 * 1024;

/// A complaint's or rating's JSON body, at most [`PUBLIC_WRITE_LIMIT`] bytes counted as they
/// are read: a chunked body, or one whose `Content-Length` understates it, is cut off at the
/// limit (413) instead of being read whole.
pub struct PublicJson<T>(pub T);

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for PublicJson<T> {
    type Error = actix_web::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let body = web::JsonBody::<T>::new(req, payload, None, true).limit(PUBLIC_WRITE_LIMIT);
        Box::pin(async move {
            body.await
                .map(PublicJson)
                .map_err(|e| super::json_error(e, PUBLIC_WRITE_LIMIT).into())
        })
    }
}

/// A public lookup: limited per client address, the same 404 for an unknown number and a
/// wrong code.
async fn look_up(
    req: &HttpRequest,
    engine: &Engine,
    after: super::ReadAfter,
    tracking_no: &str,
    code: &str,
) -> Result<PublicCaseView, ApiError> {
    crate::web::rate_limit::check_public_lookup(req).map_err(ApiError::rate_limited)?;
    engine
        .reads(after.0)
        .public_case(tracking_no, code)
        .await?
        .ok_or_else(not_found)
}

/// Public status of a case (动态公开): steps with dates, current step, working days used and
/// the deadline. No personal data. An unknown number and a wrong code give the same 404.
/// Lookups are limited per client address (shared with the `/track` page): past the limit the
/// answer is 429 with `Retry-After`. Where each event stands in the transparency log:
/// `/public/cases/{tracking_no}/log`.
#[utoipa::path(
    tag = "public",
    params(("tracking_no" = String, Path, description = "Tracking number"), CodeQuery),
    responses(
        (status = 200, description = "The public status", body = PublicCaseView),
        (status = 400, description = "No code given", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No case matches this number and code", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many lookups from this address; see Retry-After", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/public/cases/{tracking_no}")]
async fn public_case(
    req: HttpRequest,
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    tracking_no: web::Path<String>,
    query: web::Query<CodeQuery>,
) -> Result<HttpResponse, ApiError> {
    let view = look_up(&req, &engine, after, &tracking_no, &query.code).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The public status of a case with each event's leaf in the transparency log (透明日志): its
/// public form computed now from the event store, the leaf index and a link to its inclusion
/// proof, and the newest signed tree head; `yangguang log verify` checks them. Looked up and
/// limited as the public status; 404 `log_not_configured` when the server runs no log.
#[utoipa::path(
    tag = "public",
    params(("tracking_no" = String, Path, description = "Tracking number"), CodeQuery),
    responses(
        (status = 200, description = "The public status and the case's leaves", body = PublicCaseLogResponse),
        (status = 400, description = "No code given", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No case matches this number and code, or the server runs no log (`log_not_configured`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many lookups from this address; see Retry-After", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/public/cases/{tracking_no}/log")]
async fn public_case_log(
    req: HttpRequest,
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    tracking_no: web::Path<String>,
    query: web::Query<CodeQuery>,
) -> Result<HttpResponse, ApiError> {
    let view = look_up(&req, &engine, after, &tracking_no, &query.code).await?;
    if crate::web::extract::running_log(&req).is_none() {
        return Err(super::log::log_not_configured());
    }
    let log = crate::follow::translog::case_log(engine.repo(), &view.tracking_no)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::Ok().json(PublicCaseLogResponse { view, log }))
}

/// A complaint about the handling of a case (投诉).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintRequest {
    /// The case's query code (查询码), proving the sender holds the receipt.
    pub code: String,
    /// What happened, 1-2000 characters. It goes to the discipline inspectors only.
    #[schema(example = "窗口要求提供清单以外的证明材料")]
    pub text: String,
}

/// A rating of a concluded case's service (好差评).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    /// The case's query code (查询码).
    pub code: String,
    /// 1 非常不满意, 2 不满意, 3 基本满意, 4 满意, 5 非常满意.
    #[schema(example = 5, minimum = 1, maximum = 5)]
    pub score: u8,
    /// An optional comment, at most 500 characters.
    #[serde(default)]
    pub comment: Option<String>,
}

/// The receipt of a complaint or rating.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackReceipt {
    /// The tracking number.
    pub tracking_no: String,
    /// The complaint's number within the case (complaints only).
    pub complaint_no: Option<u32>,
    /// When it was received.
    pub received_at: DateTime<FixedOffset>,
}

/// Checks the limits of a public write and the case's number and code, and builds the facts
/// the feedback command needs.
async fn verified_facts(
    req: &HttpRequest,
    engine: &Engine,
    after: super::ReadAfter,
    tracking_no: &str,
    code: &str,
) -> Result<(CaseId, CaseFacts), ApiError> {
    crate::web::rate_limit::check_public_write(req).map_err(ApiError::rate_limited)?;
    crate::web::rate_limit::check_public_lookup(req).map_err(ApiError::rate_limited)?;
    let doc = engine
        .reads(after.0)
        .verified_case(tracking_no, code)
        .await?
        .ok_or_else(not_found)?;
    let id = CaseId::parse(tracking_no).ok_or_else(not_found)?;
    let facts = CaseFacts {
        status: doc.case.status,
        department: doc.case.department,
        power_code: doc.case.power_code,
    };
    Ok((id, facts))
}

/// File a complaint about a case (投诉), with its query code. It raises a `public_complaint`
/// alert for the discipline inspectors; the text is theirs only, never shown publicly. Limited
/// per client address (a small budget of its own, and each counts as a lookup); at most 20 per
/// case; bodies over 16 KiB are refused.
#[utoipa::path(
    tag = "public",
    params(("tracking_no" = String, Path, description = "Tracking number")),
    request_body = ComplaintRequest,
    responses(
        (status = 201, description = "Received", body = FeedbackReceipt),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No case matches this number and code", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty or overlong text, too many complaints", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many from this address; see Retry-After", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/public/cases/{tracking_no}/complaints")]
async fn complain(
    req: HttpRequest,
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    request_id: RequestId,
    tracking_no: web::Path<String>,
    body: PublicJson<ComplaintRequest>,
) -> Result<HttpResponse, ApiError> {
    let PublicJson(body) = body;
    let (id, case) = verified_facts(&req, &engine, after, &tracking_no, &body.code).await?;
    let at = engine.now();
    let events = engine
        .execute_feedback(
            &id,
            FeedbackCommand::FileComplaint {
                case,
                text: body.text,
                at,
            },
            CommandMeta::public(request_id.to_string()),
        )
        .await?;
    let complaint_no = events.iter().find_map(|e| match &e.payload {
        FeedbackEvent::ComplaintFiled { number, .. } => Some(*number),
        _ => None,
    });
    Ok(super::positioned(
        &engine,
        HttpResponse::Created().json(FeedbackReceipt {
            tracking_no: tracking_no.into_inner(),
            complaint_no,
            received_at: at,
        }),
    ))
}

/// Rate the service of a concluded case (好差评), once, with its query code. A rating of 1 or
/// 2 (不满意) raises a `bad_rating` alert. Limited like complaints.
#[utoipa::path(
    tag = "public",
    params(("tracking_no" = String, Path, description = "Tracking number")),
    request_body = RatingRequest,
    responses(
        (status = 201, description = "Received", body = FeedbackReceipt),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No case matches this number and code", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rated already", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Score not 1-5, overlong comment, case not concluded", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many from this address; see Retry-After", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/public/cases/{tracking_no}/rating")]
async fn rate(
    req: HttpRequest,
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    request_id: RequestId,
    tracking_no: web::Path<String>,
    body: PublicJson<RatingRequest>,
) -> Result<HttpResponse, ApiError> {
    let PublicJson(body) = body;
    let (id, case) = verified_facts(&req, &engine, after, &tracking_no, &body.code).await?;
    let at = engine.now();
    engine
        .execute_feedback(
            &id,
            FeedbackCommand::RateService {
                case,
                score: body.score,
                comment: body.comment,
                at,
            },
            CommandMeta::public(request_id.to_string()),
        )
        .await?;
    Ok(super::positioned(
        &engine,
        HttpResponse::Created().json(FeedbackReceipt {
            tracking_no: tracking_no.into_inner(),
            complaint_no: None,
            received_at: at,
        }),
    ))
}

/// The follow-up rating (追评) after the department answered a bad rating or a complaint
/// with its rectification (shown on the tracking page), once, with the query code. Limited
/// like complaints.
#[utoipa::path(
    tag = "public",
    params(("tracking_no" = String, Path, description = "Tracking number")),
    request_body = RatingRequest,
    responses(
        (status = 201, description = "Received", body = FeedbackReceipt),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No case matches this number and code", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Given already (`already_followed_up`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Score not 1-5, overlong comment, no rectification yet (`no_rectification_yet`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many from this address; see Retry-After", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/public/cases/{tracking_no}/follow-up-rating")]
async fn follow_up(
    req: HttpRequest,
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    request_id: RequestId,
    tracking_no: web::Path<String>,
    body: PublicJson<RatingRequest>,
) -> Result<HttpResponse, ApiError> {
    let PublicJson(body) = body;
    let (id, _) = verified_facts(&req, &engine, after, &tracking_no, &body.code).await?;
    let at = engine.now();
    engine
        .execute_feedback(
            &id,
            FeedbackCommand::RateFollowUp {
                score: body.score,
                comment: body.comment,
                at,
            },
            CommandMeta::public(request_id.to_string()),
        )
        .await?;
    Ok(super::positioned(
        &engine,
        HttpResponse::Created().json(FeedbackReceipt {
            tracking_no: tracking_no.into_inner(),
            complaint_no: None,
            received_at: at,
        }),
    ))
}

/// Filters of the published decisions.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DecisionsQuery {
    /// Only this department's.
    #[param(pattern = "^[a-z0-9-]{1,40}$")]
    pub department: Option<String>,
    /// Page, from 1 (default 1), at most 1,000,000.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u32>,
    /// Per page, 1-100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

/// A page of published decisions.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionPage {
    /// The decisions, newest first.
    pub items: Vec<PublishedDecision>,
    /// How many in all.
    pub total: usize,
    /// This page.
    pub page: u32,
    /// Per page.
    pub per_page: u32,
    /// The moment the list is for.
    pub as_of: DateTime<FixedOffset>,
}

/// Published penalty decisions (行政处罚决定公开), newest first: document number, party
/// (organisations named, natural persons masked), violation, penalty, authority, date.
/// Withdrawn (revoked) decisions are not listed; their own page says they were withdrawn.
#[utoipa::path(
    tag = "public",
    params(DecisionsQuery),
    responses(
        (status = 200, description = "A page of decisions", body = DecisionPage),
        (status = 400, description = "Bad filter", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/public/decisions")]
async fn decisions(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    query: web::Query<DecisionsQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page.unwrap_or(1);
    let per_page = query.per_page.unwrap_or(20);
    if !(1..=1_000_000).contains(&page) || !(1..=100).contains(&per_page) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "page is 1 to 1000000; per_page is 1 to 100",
        ));
    }
    if let Some(d) = &query.department
        && !aggregates::power::is_valid_department_id(d)
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "department: use a-z, 0-9 and -, at most 40 characters",
        ));
    }
    let all = engine
        .reads(after.0)
        .published_decisions(query.department.as_deref(), false)
        .await?;
    let total = all.len();
    let skip = usize::try_from(u64::from(page - 1) * u64::from(per_page)).unwrap_or(usize::MAX);
    let items = all.into_iter().skip(skip).take(per_page as usize).collect();
    Ok(HttpResponse::Ok().json(DecisionPage {
        items,
        total,
        page,
        per_page,
        as_of: engine.now(),
    }))
}

/// One published penalty decision by its public id; a withdrawn one keeps its document
/// number, authority and the reason it was withdrawn.
#[utoipa::path(
    tag = "public",
    params(("id" = String, Path, description = "The decision's public id (16 hex digits)")),
    responses(
        (status = 200, description = "The decision", body = PublishedDecision),
        (status = 404, description = "No such published decision", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/public/decisions/{id}")]
async fn decision(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let decision = engine
        .reads(after.0)
        .published_decision(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("no published decision with this id"))?;
    Ok(HttpResponse::Ok().json(decision))
}
