//! `Idempotency-Key` on the command endpoints (every POST under `/api/v1`).
//!
//! A caller's key (scoped to the subject, role and department of its bearer token) is claimed before the command
//! runs; its response is kept for 24 hours and replayed, byte for byte and marked
//! `Idempotent-Replayed: true`, to every retry with the same method, path and body. The same key
//! with another request is a 422, and a retry while the first request still runs is a 409 with
//! `Retry-After`. Conflicts (409), rate limits (429) and server errors are not kept: the claim is
//! released so a retry runs the command again. Requests without a valid token pass through
//! untouched (the handler answers 401): there is no caller to scope the key to.
//!
//! Nothing a caller could not already see is kept in clear: the table holds the key's SHA-256
//! (not the key), and each kept body (which may carry a query code and the party's data) is
//! sealed with ChaCha20-Poly1305 under a key derived from the deployment's secret, the caller's
//! scope and the `Idempotency-Key` itself, so neither a copy of the database nor the server's
//! secret alone opens it.
//!
//! Once claimed, the command runs in a task of its own, so a client that hangs up mid-request
//! does not cancel it: its response is still recorded for the retry.
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{HttpMessage, HttpResponse, ResponseError};
use chacha20poly1305::aead::{Aead, KeyInit, Payload as AeadPayload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use futures_util::StreamExt;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tracing::Instrument;

use super::JSON_LIMIT;
use crate::engine::Engine;
use crate::identity::tokens::TokenKeys;
use crate::store::idempotency::{Claim, IdempotencyRecord, KeyedRequest, StoredResponse};
use crate::web::error::ApiError;

/// Request header naming a command attempt; retries send the same value.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";
/// Response header on a replayed response.
pub const REPLAYED_HEADER: &str = "Idempotent-Replayed";
/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 255;
/// Response headers kept with a response and replayed (everything else is regenerated).
const KEPT_HEADERS: [&str; 3] = ["content-type", "location", "yangguang-position"];

/// The middleware; see the module documentation.
pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() != Method::POST || !req.path().starts_with("/api/v1/") {
        return pass(req, next).await;
    }
    let key = match idempotency_key(&req) {
        Ok(Some(key)) => key,
        Ok(None) => return pass(req, next).await,
        Err(e) => return Ok(req.error_response(e)),
    };
    let Some((principal, sealing)) = subject(&req) else {
        return pass(req, next).await;
    };
    let Some(engine) = req.app_data::<web::Data<Engine>>().cloned() else {
        return pass(req, next).await;
    };
    let body = match read_body(&mut req).await {
        Ok(body) => body,
        Err(e) => return Ok(req.error_response(e)),
    };
    let method = req.method().as_str().to_owned();
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.path().to_owned(), |p| p.as_str().to_owned());
    let body_hash = request_hash(&method, &path, &body);
    let seal = Seal::new(&sealing, &principal, &key);
    let key = stored_key(&key);
    let keyed = KeyedRequest {
        principal: &principal,
        key: &key,
        method: &method,
        path: &path,
        body_hash: &body_hash,
    };
    match engine.repo().claim_idempotency_key(keyed).await {
        Ok(Claim::Claimed) => {}
        Ok(Claim::Existing(record)) => return Ok(answer_existing(req, record, keyed, &seal)),
        Err(e) => return Ok(req.error_response(ApiError::unavailable(e))),
    }
    req.set_payload(Payload::from(body));

    // Run the command in its own task: if the client hangs up, this future is dropped but the
    // command still completes and its response is kept (or the claim released).
    let claim = ClaimedKey {
        engine: engine.clone(),
        principal,
        key,
        seal,
        body_hash,
    };
    let run = async move {
        let result = next.call(req).await;
        claim.settle(result).await
    };
    let run = run.instrument(tracing::Span::current());
    match actix_web::rt::spawn(run).await {
        Ok(result) => result,
        Err(e) => Err(ApiError::internal(anyhow::anyhow!("the command task failed: {e}")).into()),
    }
}

async fn pass(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// The key, if the request carries one; a 400 if it is not 1-255 visible ASCII characters or
/// is given twice.
fn idempotency_key(req: &ServiceRequest) -> Result<Option<String>, ApiError> {
    let mut values = req.headers().get_all(IDEMPOTENCY_KEY_HEADER);
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let invalid = |detail: &str| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            format!(
                "{detail}: send one Idempotency-Key of 1 to {MAX_KEY_LEN} visible ASCII characters"
            ),
        )
    };
    if values.next().is_some() {
        return Err(invalid(
            "the Idempotency-Key header is given more than once",
        ));
    }
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_KEY_LEN {
        return Err(invalid("the Idempotency-Key is empty or too long"));
    }
    if !bytes.iter().all(|b| b.is_ascii_graphic()) {
        return Err(invalid(
            "the Idempotency-Key holds spaces, control or non-ASCII characters",
        ));
    }
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

/// Whom a key belongs to, from a valid bearer token, if the request has one: its subject,
/// role and department together, so that a token of the same subject with another role or
/// department never receives the first caller's answer (which it might not be allowed to see);
/// with the deployment's sealing key.
fn subject(req: &ServiceRequest) -> Option<(String, [u8; 32])> {
    let keys = req.app_data::<web::Data<TokenKeys>>()?;
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    keys.verify(token.trim()).ok().map(|claims| {
        (
            key_scope(&claims.sub, claims.role, claims.department.as_deref()),
            *keys.sealing_key(),
        )
    })
}

/// What the table stores for an `Idempotency-Key`: its SHA-256, hex.
pub fn stored_key(key: &str) -> String {
    hex::encode(
        Sha256::new()
            .chain_update(b"idempotency-key\0")
            .chain_update(key.as_bytes())
            .finalize(),
    )
}

/// Seals and opens the kept body of one caller's key.
struct Seal {
    cipher: ChaCha20Poly1305,
}

/// Bytes of the random nonce stored before each sealed body.
const NONCE_LEN: usize = 12;

impl Seal {
    /// The cipher for `key` under `scope`: its key is SHA-256 over the deployment's sealing key,
    /// the scope and the caller's key, so the stored row (which has neither the secret nor the
    /// key in clear) cannot be opened from the database alone.
    fn new(sealing: &[u8; 32], scope: &str, key: &str) -> Self {
        let derived: [u8; 32] = Sha256::new()
            .chain_update(b"yangguang idempotency v1\0")
            .chain_update(sealing)
            .chain_update(scope.as_bytes())
            .chain_update(b"\0")
            .chain_update(key.as_bytes())
            .finalize()
            .into();
        Seal {
            cipher: ChaCha20Poly1305::new(&Key::from(derived)),
        }
    }

    /// A random nonce, then the body sealed (bound to the request hash).
    fn seal(&self, body: &[u8], request_hash: &str) -> Result<Vec<u8>, ApiError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                AeadPayload {
                    msg: body,
                    aad: request_hash.as_bytes(),
                },
            )
            .map_err(|_| ApiError::internal(anyhow::anyhow!("could not seal a kept answer")))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// The body back, or `None` if it was sealed under another secret (rotated since) or altered.
    fn open(&self, stored: &[u8], request_hash: &str) -> Option<Vec<u8>> {
        let (nonce, sealed) = stored.split_at_checked(NONCE_LEN)?;
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        self.cipher
            .decrypt(
                &Nonce::from(nonce),
                AeadPayload {
                    msg: sealed,
                    aad: request_hash.as_bytes(),
                },
            )
            .ok()
    }
}

/// Whom an idempotency key belongs to (the stored `principal`): subject, role and department.
pub fn key_scope(subject: &str, role: aggregates::Role, department: Option<&str>) -> String {
    format!(
        "{subject}\u{1f}{}\u{1f}{}",
        role.as_str(),
        department.unwrap_or_default()
    )
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the body is larger than {JSON_LIMIT} bytes"),
    )
}

/// Reads the whole body, at most [`JSON_LIMIT`] bytes.
async fn read_body(req: &mut ServiceRequest) -> Result<Bytes, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > JSON_LIMIT) {
        return Err(too_large());
    }
    let mut payload = req.take_payload();
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the body could not be read: {e}"),
            )
        })?;
        if body.len() + chunk.len() > JSON_LIMIT {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// SHA-256 over method, path and body, hex.
fn request_hash(method: &str, path: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update(b"\n");
    hasher.update(path.as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    hex::encode(hasher.finalize())
}

/// The answer when the key was used before: 422 for another request, 409 while the first
/// still runs, else its response again.
fn answer_existing(
    req: ServiceRequest,
    record: IdempotencyRecord,
    request: KeyedRequest<'_>,
    seal: &Seal,
) -> ServiceResponse<BoxBody> {
    if record.method != request.method
        || record.path != request.path
        || record.body_hash != request.body_hash
    {
        return req.error_response(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used for another request; use a fresh key for a new request",
        ));
    }
    let Some(stored) = record.response else {
        let mut response = ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_in_progress",
            "the first request with this Idempotency-Key is still running; retry shortly",
        )
        .error_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return req.into_response(response);
    };
    let Some(body) = seal.open(&stored.body, request.body_hash) else {
        return req.error_response(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_unreadable",
            "the answer kept for this Idempotency-Key can no longer be read (the server's key \
             changed since); look the result up, or use a fresh key",
        ));
    };
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    for (name, value) in &stored.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.insert_header((name, value));
        }
    }
    response.insert_header((REPLAYED_HEADER, HeaderValue::from_static("true")));
    req.into_response(response.body(body))
}

/// Whether a response is kept for replay: successes and refusals, but not conflicts, rate
/// limits or timeouts (a retry may succeed) nor server errors.
fn keep(status: StatusCode) -> bool {
    status.is_success()
        || (status.is_client_error()
            && !matches!(
                status,
                StatusCode::CONFLICT | StatusCode::TOO_MANY_REQUESTS | StatusCode::REQUEST_TIMEOUT
            ))
}

/// A key this request claimed.
struct ClaimedKey {
    engine: web::Data<Engine>,
    principal: String,
    /// As stored: [`stored_key`].
    key: String,
    seal: Seal,
    /// The request's hash, to which the sealed body is bound.
    body_hash: String,
}

impl ClaimedKey {
    /// Keeps the response, or releases the claim; returns the response as produced.
    async fn settle<B: MessageBody + 'static>(
        self,
        result: Result<ServiceResponse<B>, actix_web::Error>,
    ) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
        let response = match result {
            Ok(response) if keep(response.status()) => response,
            other => {
                self.release().await;
                return other.map(ServiceResponse::map_into_boxed_body);
            }
        };
        let (request, response) = response.into_parts();
        let (head, body) = response.into_parts();
        let bytes = match actix_web::body::to_bytes(body).await {
            Ok(bytes) => bytes,
            Err(e) => {
                self.release().await;
                let e: Box<dyn std::error::Error> = e.into();
                return Err(ApiError::internal(anyhow::anyhow!(
                    "could not read the response body: {e}"
                ))
                .into());
            }
        };
        let headers = KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                let value = head.headers().get(*name)?.to_str().ok()?;
                Some(((*name).to_owned(), value.to_owned()))
            })
            .collect();
        let sealed = match self.seal.seal(&bytes, &self.body_hash) {
            Ok(sealed) => sealed,
            Err(e) => {
                self.release().await;
                return Err(e.into());
            }
        };
        let stored = StoredResponse {
            status: head.status().as_u16(),
            headers,
            body: sealed,
        };
        if let Err(e) = self
            .engine
            .repo()
            .complete_idempotency_key(&self.principal, &self.key, &stored)
            .await
        {
            tracing::error!(error = %e, "could not keep the response of an idempotent request");
            self.release().await;
        }
        Ok(ServiceResponse::new(
            request,
            head.set_body(BoxBody::new(bytes)),
        ))
    }

    async fn release(&self) {
        if let Err(e) = self
            .engine
            .repo()
            .release_idempotency_key(&self.principal, &self.key)
            .await
        {
            tracing::warn!(error = %e, "could not release an idempotency key");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_statuses() {
        assert!(keep(StatusCode::OK));
        assert!(keep(StatusCode::CREATED));
        assert!(keep(StatusCode::BAD_REQUEST));
        assert!(keep(StatusCode::UNPROCESSABLE_ENTITY));
        assert!(!keep(StatusCode::CONFLICT));
        assert!(!keep(StatusCode::TOO_MANY_REQUESTS));
        assert!(!keep(StatusCode::INTERNAL_SERVER_ERROR));
        assert!(!keep(StatusCode::SERVICE_UNAVAILABLE));
    }

    #[test]
    fn a_sealed_body_opens_only_with_the_same_secret_scope_key_and_request() {
        let seal = Seal::new(&[1; 32], "alice", "k1");
        let sealed = seal.seal(b"{\"query_code\":\"ABCD-2345\"}", "h").unwrap();
        assert!(!sealed.windows(9).any(|w| w == b"ABCD-2345"));
        assert_eq!(
            seal.open(&sealed, "h").as_deref(),
            Some(&b"{\"query_code\":\"ABCD-2345\"}"[..])
        );
        assert_eq!(seal.open(&sealed, "other request"), None);
        assert_eq!(Seal::new(&[2; 32], "alice", "k1").open(&sealed, "h"), None);
        assert_eq!(Seal::new(&[1; 32], "bob", "k1").open(&sealed, "h"), None);
        assert_eq!(Seal::new(&[1; 32], "alice", "k2").open(&sealed, "h"), None);
        assert_eq!(seal.open(&sealed[..5], "h"), None);
        assert_ne!(stored_key("k1"), "k1");
        assert_eq!(stored_key("k1").len(), 64);
    }

    #[test]
    fn the_hash_covers_method_path_and_body() {
        let a = request_hash("POST", "/api/v1/cases", b"{}");
        assert_eq!(a.len(), 64);
        assert_ne!(a, request_hash("POST", "/api/v1/cases", b"{ }"));
        assert_ne!(a, request_hash("POST", "/api/v1/powers", b"{}"));
        assert_ne!(a, request_hash("PUT", "/api/v1/cases", b"{}"));
    }
}
