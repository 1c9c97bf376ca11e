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
