//! Extractors: the bearer token of a request as a [`Principal`]; bodies read under a cap.
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;

use crate::engine::Engine;
use crate::identity::tokens::{Principal, TokenError, TokenKeys};
use crate::web::error::ApiError;

fn bearer(req: &HttpRequest) -> Result<Option<&str>, ApiError> {
    let Some(value) = req.headers().get(actix_web::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not valid text"))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(ApiError::unauthorized(
            "use the Authorization header with the Bearer scheme",
        )),
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, ApiError>>>>;

    /// A valid bearer token; one minted for an account only while the account is enabled
    /// (looked up on each request: disabling an account revokes its tokens at once).
    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let claims = (|| {
            let keys = req
                .app_data::<web::Data<TokenKeys>>()
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("token keys not configured")))?;
            let token = bearer(req)?.ok_or_else(|| {
                ApiError::unauthorized("this needs a bearer token (Authorization: Bearer ...)")
            })?;
            Ok::<_, ApiError>(keys.verify(token)?)
        })();
        let engine = req.app_data::<web::Data<Engine>>().cloned();
        Box::pin(async move {
            let claims = claims?;
            if claims.acct.is_some() {
                let engine = engine.ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!("no engine to check the token's account"))
                })?;
                let valid = crate::identity::accounts::token_still_valid(engine.repo(), &claims)
                    .await
                    .map_err(|e| ApiError::unavailable(anyhow::anyhow!("{e}")))?;
                if !valid {
                    return Err(TokenError::AccountDisabled.into());
                }
            }
            Ok(Principal { claims })
        })
    }
}

/// Reads a body of at most `limit` bytes, counted as they arrive (whatever `Content-Length` or
/// chunking says): `None` past the limit, or if the body could not be read.
pub async fn read_capped(mut payload: web::Payload, limit: usize) -> Option<web::Bytes> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.ok()?;
        if body.len() + chunk.len() > limit {
            return None;
        }
        body.extend_from_slice(&chunk);
    }
    Some(body.freeze())
}

/// The transparency log the server runs, if it runs one: startup hands it to the server, the
/// engine does not hold it.
pub(crate) fn running_log(
    req: &actix_web::HttpRequest,
) -> Option<std::sync::Arc<crate::follow::translog::Log>> {
    req.app_data::<actix_web::web::Data<crate::follow::translog::Log>>()
        .map(|log| log.clone().into_inner())
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone)]
pub struct FormPart {
    /// The part's field name.
    pub name: String,
    /// The file name, for a file.
    pub file_name: Option<String>,
    /// The part's declared type (`image/png`…), if any.
    pub content_type: Option<String>,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Why a multipart body was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartsError {
    /// Not `multipart/form-data`, or not well formed.
    NotMultipart,
    /// One part is larger than its limit (the part's name).
    PartTooLarge(String),
    /// The parts together are larger than the limit.
    TooLarge,
    /// More parts than allowed.
    TooManyParts,
}

/// Limits on a multipart body, counted as it is read.
#[derive(Debug, Clone, Copy)]
pub struct PartLimits {
    /// Largest file part.
    pub file: usize,
    /// Largest part that is not a file (a text field, a JSON document).
    pub field: usize,
    /// All parts together.
    pub total: usize,
    /// Most parts.
    pub parts: usize,
}

/// Reads a `multipart/form-data` body whole, each part and the whole counted against `limits`
/// as the bytes arrive: a body past a limit is cut off there, not read to its end.
pub async fn read_parts(
    req: &actix_web::HttpRequest,
    payload: web::Payload,
    limits: PartLimits,
) -> Result<Vec<FormPart>, PartsError> {
    let multipart_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !multipart_type {
        return Err(PartsError::NotMultipart);
    }
    let mut multipart = actix_multipart::Multipart::new(req.headers(), payload);
    let mut parts = Vec::new();
    let mut total = 0usize;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(|_| PartsError::NotMultipart)?;
        if parts.len() >= limits.parts {
            return Err(PartsError::TooManyParts);
        }
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_string);
        let limit = if file_name.is_some() {
            limits.file
        } else {
            limits.field
        };
        let content_type = field.content_type().map(|m| m.essence_str().to_string());
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| PartsError::NotMultipart)?;
            total += chunk.len();
            if bytes.len() + chunk.len() > limit {
                return Err(PartsError::PartTooLarge(name));
            }
            if total > limits.total {
                return Err(PartsError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        parts.push(FormPart {
            name,
            file_name,
            content_type,
            bytes,
        });
    }
    Ok(parts)
}
