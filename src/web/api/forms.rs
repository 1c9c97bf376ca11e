//! 表格下载: a department uploads the forms its powers offer; anyone downloads those a power's
//! current version lists.
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use aggregates::Role;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::require;
use crate::engine::Engine;
use crate::engine::application::MAX_FILE_BYTES;
use crate::engine::forms::{FormError, StoredForm};
use crate::identity::tokens::Principal;
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{PartLimits, PartsError, read_parts};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upload_form).service(download_form);
}

/// One part is expected; a few more are read so that an unknown one is refused by name.
const LIMITS: PartLimits = PartLimits {
    file: MAX_FILE_BYTES,
    field: 1024,
    total: MAX_FILE_BYTES + 16 * 1024,
    parts: 8,
};

/// The body of an upload: `multipart/form-data`, one part named `file`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // describes the parts for the OpenAPI document; the handler reads them
pub struct FormUpload {
    /// The form: a PDF (at most 10 MiB, not password-protected), its name ending in `.pdf`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// A form upload refused: (status, code, Chinese, English).
pub type FormRefusal = (StatusCode, &'static str, String, String);

/// Reads and stores an uploaded form.
pub async fn receive_form(
    req: &HttpRequest,
    engine: &Engine,
    payload: web::Payload,
) -> Result<StoredForm, FormRefusal> {
    let parts = read_parts(req, payload, LIMITS)
        .await
        .map_err(|e| match e {
            PartsError::NotMultipart => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "请以 multipart/form-data 上传文件。".to_string(),
                "send the form as multipart/form-data".to_string(),
            ),
            PartsError::PartTooLarge(_) | PartsError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "file_too_large",
                format!("文件超过 {} MB。", MAX_FILE_BYTES / 1024 / 1024),
                format!(
                    "the file is larger than {} MiB",
                    MAX_FILE_BYTES / 1024 / 1024
                ),
            ),
            PartsError::TooManyParts => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_many_files",
                "一次上传一个表格。".to_string(),
                "upload one form at a time".to_string(),
            ),
        })?;
    if parts.iter().any(|p| p.name != "file") || parts.len() > 1 {
        return Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_part",
            "请只上传一个表格文件。".into(),
            "send one part, named `file`".into(),
        ));
    }
    let Some(part) = parts.into_iter().find(|p| p.name == "file") else {
        return Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            "file_required",
            "请选择要上传的表格文件。".into(),
            "attach the form as a part named `file`".into(),
        ));
    };
    engine
        .store_form(part.file_name, part.content_type, part.bytes)
        .await
        .map_err(|e| match e {
            FormError::File(p) => (StatusCode::UNPROCESSABLE_ENTITY, p.code(), p.zh(), p.en()),
            FormError::NotPdf => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "form_not_pdf",
                "表格只接受 PDF 文件。".into(),
                "forms are PDF files".into(),
            ),
            FormError::Store(e) => {
                tracing::error!(error = %e, "storing a form failed");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "暂时无法保存，请稍后再试。".into(),
                    "the store is unavailable; try again".into(),
                )
            }
        })
}

/// Uploads a form for a power's versions to offer (表格下载): a PDF checked like applicants'
/// files, stored by its SHA-256. Name it in a version's `forms` (`title`, `file_name`,
/// `sha256`) and publish that version; only then is it offered for download. Administrators
/// of the power's department.
#[utoipa::path(
    tag = "catalogue",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Power code")),
    request_body(content = FormUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored; name it by its sha256", body = StoredForm),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator of the power's department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such power", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart/form-data", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: `file_required`, `unknown_part`, `form_not_pdf`, `file_mislabelled`, `file_malformed`, `file_encrypted`, `file_empty`", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/powers/{code}/forms")]
async fn upload_form(
    req: HttpRequest,
    engine: web::Data<Engine>,
    principal: Principal,
    code: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    require(&principal, Role::Admin)?;
    let record = engine
        .catalogue()
        .load(&code)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no power with code {code}")))?;
    if principal.claims.department.as_deref() != Some(record.power.department.as_str()) {
        return Err(ApiError::forbidden(
            "only administrators of the power's department upload its forms",
        ));
    }
    let stored = receive_form(&req, &engine, payload)
        .await
        .map_err(|(status, code, _, en)| ApiError::new(status, code, en))?;
    Ok(HttpResponse::Created().json(stored))
}

/// Downloads a form the power's current version offers (表格下载). Public.
#[utoipa::path(
    tag = "catalogue",
    params(
        ("code" = String, Path, description = "Power code"),
        ("sha256" = String, Path, description = "The form's SHA-256, as the version lists it")
    ),
    responses(
        (status = 200, description = "The form", content_type = "application/pdf", body = Vec<u8>),
        (status = 404, description = "The current version offers no such form", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/powers/{code}/forms/{sha256}")]
async fn download_form(
    engine: web::Data<Engine>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (code, sha256) = path.into_inner();
    let (form, bytes) = engine
        .offered_form(&code, &sha256)
        .await?
        .ok_or_else(|| ApiError::not_found("the power's current version offers no such form"))?;
    // Browsers that read only `filename` get a plain one; the others the form's own name.
    let ascii = format!("form-{}.pdf", &sha256[..12.min(sha256.len())]);
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
                crate::web::pages::encode_component(&form.file_name)
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400, immutable"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::ETAG, format!("\"{sha256}\"")))
        .body(bytes))
}
