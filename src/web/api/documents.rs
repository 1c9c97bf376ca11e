//! Result documents (决定书): the applicant downloads theirs with the query code; anyone
//! holding a copy checks it (文书核验).
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::engine::Engine;
use crate::queries::DocumentCheck;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{PartLimits, PartsError, read_parts};

use super::public::CodeQuery;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(result_document).service(verify);
}

/// Largest file a check reads (the service's documents are a few KiB).
pub const MAX_CHECKED_BYTES: usize = 10 * 1024 * 1024;

/// Two parts are expected; a few more are read so that an unknown one is refused by name
/// (422 `unknown_part`) rather than by count.
const LIMITS: PartLimits = PartLimits {
    file: MAX_CHECKED_BYTES,
    field: 1024,
    total: MAX_CHECKED_BYTES + 16 * 1024,
    parts: 8,
};

/// `Content-Disposition` for a downloaded document: `决定书-{tracking_no}.pdf` (RFC 6266
/// `filename*`, with an ASCII fallback).
pub fn attachment(tracking_no: &str) -> String {
    let name = format!("决定书-{tracking_no}.pdf");
    format!(
        "attachment; filename=\"result-{tracking_no}.pdf\"; filename*=UTF-8''{}",
        crate::web::pages::encode_component(&name)
    )
}

/// 404 `no_result_document`.
fn no_document() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_result_document",
        "the case has no result document (yet): it is issued when the case concludes with a decision",
    )
}

/// The case's result document (决定书) as a PDF, for the applicant: looked up and limited as
/// the public status (the same 404 for an unknown number and a wrong code). Its SHA-256 is in
/// the case's public status and in the transparency log; `POST /public/documents/verify`
/// checks a copy.
#[utoipa::path(
    tag = "public",
    params(("tracking_no" = String, Path, description = "Tracking number"), CodeQuery),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "No code given", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No case matches this number and code (`not_found`), or it has no document yet (`no_result_document`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many lookups from this address; see Retry-After", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/public/cases/{tracking_no}/result-document")]
async fn result_document(
    req: HttpRequest,
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    tracking_no: web::Path<String>,
    query: web::Query<CodeQuery>,
) -> Result<HttpResponse, ApiError> {
    crate::web::rate_limit::check_public_lookup(&req).map_err(ApiError::rate_limited)?;
    let (issued, bytes) = engine
        .reads(after.0)
        .result_document_file(&tracking_no, &query.code)
        .await?
        .ok_or_else(ApiError::case_not_found)?
        .ok_or_else(no_document)?;
    Ok(pdf_response(&tracking_no, &issued.sha256, bytes))
}

/// A stored document as a download.
pub fn pdf_response(tracking_no: &str, sha256: &str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CONTENT_DISPOSITION, attachment(tracking_no)))
        .insert_header((header::CACHE_CONTROL, "no-store, private"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::ETAG, format!("\"{sha256}\"")))
        .body(bytes)
}

/// The body of a check: `multipart/form-data`, these parts and no others.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // describes the parts for the OpenAPI document; the handler reads them
pub struct VerifyForm {
    /// The tracking number printed on the document (编号): `YG`, eight digits, eight
    /// capital letters or digits.
    #[schema(example = "YG20261207ABCDEFGH", pattern = "^YG[0-9]{8}[0-9A-Z]{8}$")]
    tracking_no: String,
    /// The file to check (at most 10 MiB).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// What a check was sent, read.
pub struct CheckInput {
    /// The tracking number.
    pub tracking_no: String,
    /// SHA-256 of the file.
    pub sha256: String,
}

/// Why a check's body was refused: (status, code, Chinese, English).
pub type CheckRefusal = (StatusCode, &'static str, &'static str, &'static str);

/// Reads a check's body: the tracking number and the file's hash.
pub async fn read_check(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<CheckInput, CheckRefusal> {
    let parts = read_parts(req, payload, LIMITS)
        .await
        .map_err(|e| match e {
            PartsError::NotMultipart => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请以 multipart/form-data 提交编号和文件。",
                "send the tracking number and the file as multipart/form-data",
            ),
            PartsError::PartTooLarge(_) | PartsError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "file_too_large",
                "文件超过 10 MiB，不是本系统出具的决定书。",
                "the file is larger than 10 MiB: not a document this service issued",
            ),
            PartsError::TooManyParts => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_many_files",
                "一次只能核验一个文件。",
                "check one file at a time",
            ),
        })?;
    let mut tracking_no = None;
    let mut file = None;
    for part in parts {
        match part.name.as_str() {
            "tracking_no" => {
                tracking_no = Some(String::from_utf8_lossy(&part.bytes).trim().to_string())
            }
            "file" => file = Some(part.bytes),
            _ => {
                return Err((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown_part",
                    "请只提交编号和文件。",
                    "send the parts `tracking_no` and `file` only",
                ));
            }
        }
    }
    let tracking_no = tracking_no.filter(|n| !n.is_empty()).ok_or((
        StatusCode::UNPROCESSABLE_ENTITY,
        "tracking_no_required",
        "请填写决定书上的编号。",
        "give the tracking number printed on the document",
    ))?;
    let file = file.filter(|f| !f.is_empty()).ok_or((
        StatusCode::UNPROCESSABLE_ENTITY,
        "file_required",
        "请选择要核验的决定书文件。",
        "attach the document's file",
    ))?;
    Ok(CheckInput {
        tracking_no,
        sha256: hex::encode(Sha256::digest(&file)),
    })
}

/// Whether `no` has the shape of a tracking number: `YG`, eight digits, eight capital letters
/// or digits.
pub fn is_tracking_number(no: &str) -> bool {
    let b = no.as_bytes();
    b.len() == 18
        && no.starts_with("YG")
        && b[2..10].iter().all(u8::is_ascii_digit)
        && b[10..]
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

/// 422 `invalid_tracking_no`.
pub const NOT_A_NUMBER: CheckRefusal = (
    StatusCode::UNPROCESSABLE_ENTITY,
    "invalid_tracking_no",
    "编号格式不正确：应为 YG 加 16 位字母或数字，如 YG20261207ABCDEFGH。",
    "not a tracking number (YG, eight digits, eight capital letters or digits)",
);

/// 文书核验: checks a copy of a result document against the hash recorded for the tracking
/// number printed on it. Anyone may check; no code is needed, and the answer never says who
/// the document was issued to. An unknown number and a changed file give the same answer
/// (`authentic: false`). Limited per client address like the public lookups.
#[utoipa::path(
    tag = "public",
    request_body(content = VerifyForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "The check", body = DocumentCheck),
        (status = 413, description = "The file is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart/form-data", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A part missing or unknown (`tracking_no_required`, `file_required`, `unknown_part`), or not a tracking number (`invalid_tracking_no`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many checks from this address; see Retry-After", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/public/documents/verify")]
async fn verify(
    req: HttpRequest,
    engine: web::Data<Engine>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    crate::web::rate_limit::check_public_lookup(&req).map_err(ApiError::rate_limited)?;
    let input = read_check(&req, payload)
        .await
        .and_then(|input| {
            if is_tracking_number(&input.tracking_no) {
                Ok(input)
            } else {
                Err(NOT_A_NUMBER)
            }
        })
        .map_err(|(status, code, _, en)| ApiError::new(status, code, en))?;
    let check = engine
        .reads_own()
        .check_document(&input.tracking_no, &input.sha256)
        .await?;
    Ok(HttpResponse::Ok().json(check))
}
