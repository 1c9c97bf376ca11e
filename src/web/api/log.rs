//! The transparency log, public (no token): signed tree heads, the public key, inclusion and
//! consistency proofs, leaves. Reads are limited per client address (429 with `Retry-After`).
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use tlog::head::SignedTreeHead;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::engine::Engine;
use crate::follow::translog::{
    self, ConsistencyProof, InclusionProof, LeafPage, Log, LogError, PublicKeyView,
};
use crate::web::error::{ApiError, Problem};
use crate::web::rate_limit::LogReadLimiter;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(tree_head)
        .service(public_key)
        .service(inclusion_proof)
        .service(consistency_proof)
        .service(leaves);
}

/// 404 `log_not_configured`.
pub(crate) fn log_not_configured() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "log_not_configured",
        "this server runs no transparency log",
    )
}

/// The transparency log this server runs (given to the server at start, not held by the
/// engine), checking the read limit.
fn log_of(req: &HttpRequest) -> Result<Arc<Log>, ApiError> {
    let log = crate::web::extract::running_log(req).ok_or_else(log_not_configured)?;
    if let Some(reads) = req.app_data::<actix_web::web::Data<LogReadLimiter>>() {
        reads.check(req).map_err(ApiError::rate_limited)?;
    }
    Ok(log)
}

/// A store that does not answer is a 503; one that answers with data it cannot hold (a
/// corrupted row) is a 500.
pub(crate) fn store_error(err: crate::store::StoreError) -> ApiError {
    match err {
        crate::store::StoreError::Query(
            sqlx::Error::Decode(_) | sqlx::Error::ColumnDecode { .. },
        ) => ApiError::internal(err),
        other => ApiError::unavailable(other),
    }
}

impl From<LogError> for ApiError {
    fn from(err: LogError) -> Self {
        match err {
            LogError::Store(e) => store_error(e),
            LogError::BeyondLog { asked, log_size } => ApiError::new(
                StatusCode::NOT_FOUND,
                "tree_size_beyond_log",
                format!("the log has {log_size} leaves; there is no tree of size {asked} yet"),
            ),
            LogError::Proof(tlog::tree::ProofError::IndexOutOfRange { index, size }) => {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "leaf_index_out_of_range",
                    format!("leaf {index} is not in a tree of {size} leaves"),
                )
            }
            LogError::Proof(tlog::tree::ProofError::BadSizes { first, second }) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_tree_sizes",
                format!(
                    "a consistency proof needs 0 < first <= second; got first {first}, second {second}"
                ),
            ),
            LogError::Proof(e) => ApiError::internal(e),
        }
    }
}

/// Which tree head.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HeadQuery {
    /// A tree size with a signed head; the newest head if absent.
    pub size: Option<u64>,
}

/// A signed tree head (签名树头): the newest, or the one signed at `size`. Heads are kept
/// append-only, one per size; verify the signature with `/log/public-key`.
#[utoipa::path(
    tag = "log",
    params(HeadQuery),
    responses(
        (status = 200, description = "The signed tree head", body = SignedTreeHead),
        (status = 400, description = "Bad query (`invalid_query`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No head signed yet, or none at that size (`tree_head_not_found`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many log reads from this address; see Retry-After", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/log/tree-head")]
async fn tree_head(
    req: HttpRequest,
    engine: web::Data<Engine>,
    query: web::Query<HeadQuery>,
) -> Result<HttpResponse, ApiError> {
    log_of(&req)?;
    let head = match query.size {
        Some(size) => crate::store::translog::head_at(engine.repo(), size).await,
        None => crate::store::translog::latest_head(engine.repo()).await,
    }
    .map_err(store_error)?;
    let head = head.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "tree_head_not_found",
            match query.size {
                Some(size) => format!("no tree head was signed at size {size}"),
                None => "no tree head has been signed yet".to_owned(),
            },
        )
    })?;
    Ok(HttpResponse::Ok().json(head))
}

/// The log's Ed25519 public key: every tree head is signed with it.
#[utoipa::path(
    tag = "log",
    responses(
        (status = 200, description = "The public key", body = PublicKeyView),
        (status = 429, description = "Too many log reads from this address; see Retry-After", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/log/public-key")]
async fn public_key(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let log = log_of(&req)?;
    Ok(HttpResponse::Ok().json(translog::public_key_view(&log)))
}

/// Which inclusion proof.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    /// The leaf, from 0.
    pub leaf_index: u64,
    /// The tree size (at most the log's size; a signed head's size to check against it).
    pub tree_size: u64,
}

/// The inclusion proof (RFC 6962 audit path) of a leaf in the tree of a given size, with the
/// leaf's bytes.
#[utoipa::path(
    tag = "log",
    params(InclusionQuery),
    responses(
        (status = 200, description = "The proof", body = InclusionProof),
        (status = 400, description = "Bad query (`invalid_query`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The leaf is not below the tree size (`leaf_index_out_of_range`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The log is not that large yet (`tree_size_beyond_log`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many log reads from this address; see Retry-After", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/log/proof/inclusion")]
async fn inclusion_proof(
    req: HttpRequest,
    engine: web::Data<Engine>,
    query: web::Query<InclusionQuery>,
) -> Result<HttpResponse, ApiError> {
    log_of(&req)?;
    let proof = translog::inclusion(engine.repo(), query.leaf_index, query.tree_size).await?;
    Ok(HttpResponse::Ok().json(proof))
}

/// Which consistency proof.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    /// The older tree size (at least 1).
    pub first: u64,
    /// The newer tree size (at least `first`, at most the log's size).
    pub second: u64,
}

/// The consistency proof (RFC 6962 2.1.2) that the tree of `first` leaves is a prefix of the
/// tree of `second` leaves.
#[utoipa::path(
    tag = "log",
    params(ConsistencyQuery),
    responses(
        (status = 200, description = "The proof", body = ConsistencyProof),
        (status = 400, description = "Bad query (`invalid_query`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not 0 < first <= second (`invalid_tree_sizes`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The log is not that large yet (`tree_size_beyond_log`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many log reads from this address; see Retry-After", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/log/proof/consistency")]
async fn consistency_proof(
    req: HttpRequest,
    engine: web::Data<Engine>,
    query: web::Query<ConsistencyQuery>,
) -> Result<HttpResponse, ApiError> {
    log_of(&req)?;
    let proof = translog::consistency(engine.repo(), query.first, query.second).await?;
    Ok(HttpResponse::Ok().json(proof))
}

/// Which leaves.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LeavesQuery {
    /// The first leaf, from 0.
    pub start: u64,
    /// One past the last leaf wanted; at most 100 are returned per page.
    pub end: Option<u64>,
}

/// Leaves by index, at most 100 per page: each leaf's exact bytes (the canonical JSON of an
/// event's public form, personal data replaced by salted commitments) and its leaf hash.
#[utoipa::path(
    tag = "log",
    params(LeavesQuery),
    responses(
        (status = 200, description = "The leaves", body = LeafPage),
        (status = 400, description = "Bad query (`invalid_query`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`end` not after `start` (`invalid_range`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`start` is past the log's end (`tree_size_beyond_log`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many log reads from this address; see Retry-After", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/log/leaves")]
async fn leaves(
    req: HttpRequest,
    engine: web::Data<Engine>,
    query: web::Query<LeavesQuery>,
) -> Result<HttpResponse, ApiError> {
    log_of(&req)?;
    // Indexes are documented as int64: larger values are malformed, not out of range.
    if query.end.is_some_and(|end| end > i64::MAX as u64) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "end is at most 9223372036854775807",
        ));
    }
    if query.end.is_some_and(|end| end <= query.start) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_range",
            "end must be after start",
        ));
    }
    let page: LeafPage = translog::leaves(engine.repo(), query.start, query.end).await?;
    Ok(HttpResponse::Ok().json(page))
}
