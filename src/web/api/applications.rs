//! `POST /api/v1/public/applications`: 网上申请, without an account.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use aggregates::case::{Contact, SubmittedMaterial};
use aggregates::party::Party;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tracing_actix_web::RequestId;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::engine::application::{
    Application, ApplyError, MAX_APPLICATION_BYTES, MAX_FILE_BYTES, Upload,
};
use crate::engine::{CommandMeta, Engine};
use crate::web::error::{ApiError, Problem};
use crate::web::extract::{PartLimits, PartsError, read_parts};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(apply).service(supplement);
}

/// The application's data: the multipart part named `application`, as JSON.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationData {
    /// The power applied for (事项编码).
    #[schema(example = "PD-SCJG-XK-001")]
    pub power_code: String,
    /// The applicant (申请人).
    pub party: Party,
    /// How to reach the applicant: an e-mail address, a mobile number, or both.
    pub contact: Contact,
    /// For each `file` part, in order, the index (from 0) of the material it is for in the
    /// power's current version's list of 申请材料.
    #[serde(default)]
    #[schema(example = json!([0, 1]))]
    pub file_materials: Vec<usize>,
}

/// The body of an application: `multipart/form-data`, these parts and no others.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // describes the parts for the OpenAPI document; the handler reads them
pub struct ApplicationForm {
    /// The application as JSON: `power_code` (the power applied for), `party` (the applicant,
    /// as when a case is opened: `kind`, `name`, `id_number`, optional `phone` and `address`),
    /// `contact` (`email` and/or `mobile`, at least one) and `file_materials` (for each `file`
    /// part in order, the index from 0 of the material it is for in the power's current list of
    /// 申请材料).
    #[schema(value_type = String, example = r#"{"power_code":"PD-SCJG-XK-001","party":{"kind":"person","name":"张三","id_number":"310115198001011238"},"contact":{"email":"zhang.san@example.com"},"file_materials":[0]}"#)]
    application: String,
    /// The files (PDF, JPEG or PNG; at most 10 MiB each, 30 MiB in all, 20 files), one part
    /// named `file` each, in the order of `file_materials`.
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    file: Option<Vec<Vec<u8>>>,
}

/// An application received: the case is open online.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationReceipt {
    /// The tracking number (办件编号).
    pub tracking_no: String,
    /// The query code (查询码): shown this once, needed to follow the case.
    pub query_code: String,
    /// The power.
    pub power_code: String,
    /// Its name.
    pub power_name: String,
    /// When it was received (北京时间).
    pub received_at: DateTime<FixedOffset>,
    /// The files received.
    pub materials: Vec<SubmittedMaterial>,
    /// Where the applicant follows it.
    pub track_url: String,
}

/// The limits of an application's body.
pub const LIMITS: PartLimits = PartLimits {
    file: MAX_FILE_BYTES,
    field: 64 * 1024,
    total: MAX_APPLICATION_BYTES + 64 * 1024,
    parts: 32,
};

/// A multipart body that was not read, as a problem.
pub(crate) fn parts_error(err: PartsError) -> ApiError {
    match err {
        PartsError::NotMultipart => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the application as multipart/form-data",
        ),
        PartsError::PartTooLarge(name) => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "file_too_large",
            format!(
                "part {name:?} is larger than {} MiB",
                MAX_FILE_BYTES / 1024 / 1024
            ),
        ),
        PartsError::TooLarge => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "application_too_large",
            format!(
                "the files together are larger than {} MiB",
                MAX_APPLICATION_BYTES / 1024 / 1024
            ),
        ),
        PartsError::TooManyParts => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_files",
            format!("at most {} parts", LIMITS.parts),
        ),
    }
}

/// An application refused, as a problem.
pub(crate) fn apply_error(err: ApplyError) -> ApiError {
    match err {
        ApplyError::Invalid(problems) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_application",
            format!(
                "the application has {} problem(s); each is listed at its field",
                problems.len()
            ),
        )
        .with("problems", json!(problems)),
        ApplyError::Refused(e) => e.into(),
        ApplyError::AlreadyApplied(_) => ApiError::new(
            StatusCode::CONFLICT,
            "already_applied",
            "this application was sent before",
        ),
        ApplyError::NoNumber => ApiError::unavailable(anyhow::anyhow!("no free tracking number")),
        ApplyError::Unavailable(e) => ApiError::unavailable(anyhow::anyhow!(e)),
    }
}

/// 网上申请: apply for a power online, without an account. The body is `multipart/form-data`:
/// a part `application` (JSON: the power, the applicant, the contact, and which material each
/// file is for) and one part `file` per file. Every problem — the party, the contact, each
/// file (type sniffed from its bytes: PDF, JPEG or PNG; mislabelled, damaged or
/// password-protected files refused) — is listed at its field, and nothing is stored unless
/// all is well. The case opens at the flowchart's start step, received now, and the answer is
/// its tracking number and query code. Limited per client address like the other public
/// writes.
#[utoipa::path(
    tag = "public",
    request_body(content = ApplicationForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Received: the tracking number and query code", body = ApplicationReceipt),
        (status = 400, description = "The `application` part is missing", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such power", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "A file, or all of them, too large (`file_too_large`, `application_too_large`, `too_many_files`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart/form-data", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Problems at their fields (`invalid_application`); the application part not an application (`malformed_application`), files not matching `file_materials` (`files_mismatch`), an unknown part (`unknown_part`); a power nobody applies for (`not_on_application`, `power_not_active`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many submissions from this address; see Retry-After", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/public/applications")]
async fn apply(
    req: HttpRequest,
    engine: web::Data<Engine>,
    request_id: RequestId,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    crate::web::rate_limit::check_public_write(&req).map_err(ApiError::rate_limited)?;
    let parts = read_parts(&req, payload, LIMITS)
        .await
        .map_err(parts_error)?;
    let (data, files): (ApplicationData, _) = split_parts(parts, "application")?;
    let uploads = uploads(files, &data.file_materials)?;
    let applied = engine
        .apply_online(
            Application {
                power_code: data.power_code.clone(),
                party: data.party,
                contact: data.contact,
                uploads,
                preset: None,
            },
            public_meta(&request_id),
        )
        .await
        .map_err(apply_error)?;
    let receipt = ApplicationReceipt {
        tracking_no: applied.tracking_no.to_string(),
        query_code: applied.query_code,
        power_code: applied.case.power_code.clone(),
        power_name: applied.case.power_name.clone(),
        received_at: applied.case.received_at.unwrap_or_else(|| engine.now()),
        materials: applied.case.materials.clone(),
        track_url: format!("/track?no={}", applied.tracking_no),
    };
    Ok(super::positioned(
        &engine,
        HttpResponse::Created()
            .insert_header((
                actix_web::http::header::LOCATION,
                format!("/api/v1/public/cases/{}", applied.tracking_no),
            ))
            .json(receipt),
    ))
}

/// A supplement's data: the multipart part named `supplement`, as JSON.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SupplementData {
    code: String,
    #[serde(default)]
    file_materials: Vec<usize>,
    #[serde(default)]
    note: Option<String>,
}

/// The body of a supplement: `multipart/form-data`, these parts and no others.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // describes the parts for the OpenAPI document; the handler reads them
pub struct SupplementForm {
    /// The supplement as JSON: `code` (the query code), `file_materials` (for each `file` part
    /// in order, the index from 0 of the material it is for in the case's version's list of
    /// 申请材料) and an optional `note` (at most 500 characters).
    #[schema(value_type = String, example = r#"{"code":"ABCDEFGHJK","file_materials":[1]}"#)]
    supplement: String,
    /// The files (PDF, JPEG or PNG; limits as for an application), one part named `file` each.
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    file: Option<Vec<Vec<u8>>>,
}

/// Splits a body into its JSON part `json_part` (parsed) and its `file` parts.
fn split_parts<T: serde::de::DeserializeOwned>(
    parts: Vec<crate::web::extract::FormPart>,
    json_part: &str,
) -> Result<(T, Vec<crate::web::extract::FormPart>), ApiError> {
    let mut data: Option<T> = None;
    let mut files = Vec::new();
    for part in parts {
        if part.name == json_part {
            // The document calls the part a string: JSON that does not read as the data is
            // refused as content (422), not as a malformed request.
            data = Some(serde_json::from_slice(&part.bytes).map_err(|e| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "malformed_application",
                    format!("the {json_part} part is not valid for it: {e}"),
                )
            })?);
        } else if part.name == "file" {
            files.push(part);
        } else {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_part",
                format!(
                    "unknown part {:?}: send `{json_part}` and `file` parts",
                    part.name
                ),
            ));
        }
    }
    let data =
        data.ok_or_else(|| ApiError::bad_request(format!("the `{json_part}` part is missing")))?;
    Ok((data, files))
}

/// Pairs file parts with the materials they are for.
fn uploads(
    files: Vec<crate::web::extract::FormPart>,
    file_materials: &[usize],
) -> Result<Vec<Upload>, ApiError> {
    if file_materials.len() != files.len() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "files_mismatch",
            format!(
                "file_materials names {} material(s) for {} file part(s)",
                file_materials.len(),
                files.len()
            ),
        ));
    }
    Ok(files
        .into_iter()
        .zip(file_materials)
        .map(|(part, material)| Upload {
            material: *material,
            file_name: part.file_name,
            declared_type: part.content_type,
            bytes: part.bytes,
        })
        .collect())
}

/// 网上补正: answer the case's open 补正 notice with files, with the query code. The files are
/// checked as an application's are (every problem at its field, nothing stored unless all is
/// well); the case then goes back to the step the notice was given at, the clock running again
/// from now. The same 404 for an unknown number and a wrong code; limited per client address
/// like the other public writes and lookups.
#[utoipa::path(
    tag = "public",
    params(("tracking_no" = String, Path, description = "Tracking number")),
    request_body(content = SupplementForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Received; the case's public status", body = projections::public_case::PublicCaseView),
        (status = 400, description = "The `supplement` part is missing", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No case matches this number and code", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "A file, or all of them, too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not multipart/form-data", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Problems at their fields (`invalid_application`), nothing asked (`no_supplement_asked`), the part not valid (`malformed_application`, `files_mismatch`, `unknown_part`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many submissions from this address; see Retry-After", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/public/cases/{tracking_no}/supplement")]
async fn supplement(
    req: HttpRequest,
    engine: web::Data<Engine>,
    after: super::ReadAfter,
    request_id: RequestId,
    tracking_no: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    crate::web::rate_limit::check_public_write(&req).map_err(ApiError::rate_limited)?;
    crate::web::rate_limit::check_public_lookup(&req).map_err(ApiError::rate_limited)?;
    let parts = read_parts(&req, payload, LIMITS)
        .await
        .map_err(parts_error)?;
    let (data, files): (SupplementData, _) = split_parts(parts, "supplement")?;
    let doc = engine
        .reads(after.0)
        .verified_case(&tracking_no, &data.code)
        .await?
        .ok_or_else(ApiError::case_not_found)?;
    let id = aggregates::case::CaseId::parse(&doc.case.tracking_no)
        .ok_or_else(ApiError::case_not_found)?;
    let uploads = uploads(files, &data.file_materials)?;
    engine
        .submit_supplement(&id, uploads, data.note, public_meta(&request_id))
        .await
        .map_err(apply_error)?;
    let view = engine
        .reads_own()
        .public_case(&tracking_no, &data.code)
        .await?
        .ok_or_else(ApiError::case_not_found)?;
    Ok(super::positioned(&engine, HttpResponse::Ok().json(view)))
}

/// Who an applicant is to the log: nobody signed in.
pub(crate) fn public_meta(request_id: &RequestId) -> CommandMeta {
    CommandMeta {
        actor: aggregates::case::APPLICANT.into(),
        role: "public".into(),
        department: None,
        request_id: request_id.to_string(),
    }
}
