//! 网上咨询 / 便民问答 over the API: the public asks about a power and reads its 常见问题; the
//! department's staff read their questions and answer.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use aggregates::Role;
use chrono::{DateTime, FixedOffset};
use projections::questions::{PublicQuestion, QuestionDoc};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::meta;
use super::public::PublicJson;
use crate::engine::questions::AskError;
use crate::engine::{CommandMeta, Engine};
use crate::identity::tokens::Principal;
use crate::web::error::{ApiError, Problem};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(ask)
        .service(power_questions)
        .service(department_questions)
        .service(answer);
}

/// A question from the public.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionRequest {
    /// The question, 5 to 500 characters. Ask about the power, not about a case of your own
    /// (for that, the tracking page): answers are published unless the department marks them
    /// private.
    #[schema(example = "网上申请后多久可以拿到许可证？")]
    pub text: String,
    /// Where to send the answer; optional.
    #[schema(example = "li.wangshen@example.com")]
    pub email: Option<String>,
}

/// A question received.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionReceipt {
    /// Its id (咨询编号).
    pub id: String,
    /// The power.
    pub power_code: String,
    /// When received.
    pub received_at: DateTime<FixedOffset>,
}

/// An answer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// The answer, 1 to 2000 characters.
    pub text: String,
    /// Whether to publish it on the power's page as one of its 常见问题 (default true); false
    /// for a question about the asker's own affairs.
    #[serde(default = "yes")]
    pub public: bool,
}

fn yes() -> bool {
    true
}

fn no_power(code: &str) -> ApiError {
    ApiError::not_found(format!("no power with code {code}"))
}

/// Ask a question about a power (网上咨询), without an account; an e-mail address for the
/// answer is optional. The power's department answers in its console; the answer is published
/// on the power's page unless marked private. Limited per client address like the other
/// public writes.
#[utoipa::path(
    tag = "public",
    params(("code" = String, Path, description = "Power code")),
    request_body = QuestionRequest,
    responses(
        (status = 201, description = "Received", body = QuestionReceipt),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such power", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The question too short or long (`invalid_text`), the address not one (`invalid_email`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many from this address; see Retry-After", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/public/powers/{code}/questions")]
async fn ask(
    req: HttpRequest,
    engine: web::Data<Engine>,
    request_id: RequestId,
    code: web::Path<String>,
    body: PublicJson<QuestionRequest>,
) -> Result<HttpResponse, ApiError> {
    crate::web::rate_limit::check_public_write(&req).map_err(ApiError::rate_limited)?;
    let PublicJson(body) = body;
    let id = engine
        .ask_question(
            &code,
            body.text,
            body.email,
            CommandMeta::public(request_id.to_string()),
        )
        .await
        .map_err(|e| match e {
            AskError::UnknownPower => no_power(&code),
            AskError::Refused(e) => e.into(),
            AskError::Load(e) => e.into(),
        })?;
    Ok(super::positioned(
        &engine,
        HttpResponse::Created().json(QuestionReceipt {
            id,
            power_code: code.into_inner(),
            received_at: engine.now(),
        }),
    ))
}

/// A power's 常见问题: its answered questions the department published, newest answer first.
#[utoipa::path(
    tag = "public",
    params(("code" = String, Path, description = "Power code")),
    responses(
        (status = 200, description = "The questions and answers", body = Vec<PublicQuestion>),
        (status = 404, description = "No such power", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/public/powers/{code}/questions")]
async fn power_questions(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let record = engine
        .catalogue()
        .load(&code)
        .await?
        .ok_or_else(|| no_power(&code))?;
    let list = engine
        .reads(after.0)
        .power_questions(&record.power.department, &code)
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// The questions to the caller's department, unanswered first (oldest first). Officers and
/// administrators.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The questions", body = Vec<QuestionDoc>),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer or administrator", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/questions")]
async fn department_questions(
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::Officer, Role::Admin])?;
    let department = principal.claims.department.clone().unwrap_or_default();
    let list = engine
        .reads(after.0)
        .department_questions(&department)
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Answer a question to the caller's department (答复), once; published on the power's page
/// unless `public` is false. Officers and administrators of the department.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Question id")),
    request_body = AnswerRequest,
    responses(
        (status = 200, description = "Answered", body = QuestionDoc),
        (status = 400, description = "Malformed", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an officer or administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such question in the department", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Answered already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty or overlong answer", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/questions/{id}/answer")]
async fn answer(
    engine: web::Data<Engine>,
    principal: Principal,
    request_id: RequestId,
    id: web::Path<String>,
    body: web::Json<AnswerRequest>,
) -> Result<HttpResponse, ApiError> {
    principal.require(&[Role::Officer, Role::Admin])?;
    let body = body.into_inner();
    engine
        .answer_question(
            &id,
            principal.actor(),
            body.text,
            body.public,
            meta(&principal, &request_id),
        )
        .await?;
    let department = principal.claims.department.clone().unwrap_or_default();
    let doc = engine
        .reads_own()
        .department_question(&department, &id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such question"))?;
    Ok(super::positioned(&engine, HttpResponse::Ok().json(doc)))
}
