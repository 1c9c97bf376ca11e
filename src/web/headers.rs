//! Headers this layer adds to responses (security finding 7 and 10):
//!
//! - `Cache-Control: no-store` on every API response that does not set its own: API answers
//!   carry parties' data, query codes and tokens' views, and no shared or browser cache should
//!   keep them (the pages set theirs: `no-store` on private pages, long-lived on the stylesheet).
//! - On Swagger UI (`/docs/`): a Content-Security-Policy that lets it load its own scripts and
//!   styles only and be framed by no one; its validator is off (`startup`), so the browser
//!   sends the deployment's spec URL to no third party.
//! - `Strict-Transport-Security` when the request came over https (directly or as the proxy's
//!   `X-Forwarded-Proto`/`Forwarded` says: over plain http a browser ignores the header, so a
//!   forged one gains nothing).
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// The policy of Swagger UI's pages: its own scripts, its own styles (it sets inline style
/// attributes), its icons as data URIs, requests to this server only.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                            img-src 'self' data:; connect-src 'self'; object-src 'none'; \
                            base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// One year, the usual HSTS lifetime.
pub const HSTS: &str = "max-age=31536000";

/// The middleware; see the module documentation.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let api = req.path().starts_with("/api/v1/");
    let docs = req.path() == "/docs" || req.path().starts_with("/docs/");
    let https = req.connection_info().scheme() == "https";
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    if api && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if docs {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    Ok(response)
}
