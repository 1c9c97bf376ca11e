//! Extractors: the bearer token of a request as a [`Principal`].
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use crate::identity::tokens::{Principal, TokenKeys};
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
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        std::future::ready((|| {
            let keys = req
                .app_data::<web::Data<TokenKeys>>()
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("token keys not configured")))?;
            let token = bearer(req)?.ok_or_else(|| {
                ApiError::unauthorized("this needs a bearer token (Authorization: Bearer ...)")
            })?;
            let claims = keys.verify(token)?;
            Ok(Principal { claims })
        })())
    }
}
