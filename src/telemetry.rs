//! Logging: `RUST_LOG` filters, text or JSON lines on stderr; the request span.
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls do nothing.
pub fn init(json: bool, default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// The request span, like tracing-actix-web's default but safe to log: the target is the path
/// without the query string (public lookups carry the query code there, searches carry what
/// people typed), and a failed request is logged with its status and stable `code` only, never
/// the error's text (which can quote the body, and so personal data).
pub struct RootSpan;

impl tracing_actix_web::RootSpanBuilder for RootSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        use actix_web::HttpMessage;
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        let user_agent = request
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let client_ip = request
            .peer_addr()
            .map(|a| a.ip().to_string())
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.target = %request.path(),
            http.client_ip = %client_ip,
            http.user_agent = %user_agent,
            http.status_code = tracing::field::Empty,
            error.code = tracing::field::Empty,
            request_id = %request_id,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        let (status, error) = match outcome {
            Ok(response) => (response.status(), response.response().error()),
            Err(error) => (error.as_response_error().status_code(), Some(error)),
        };
        span.record("http.status_code", status.as_u16());
        let Some(error) = error else { return };
        let code = error
            .as_error::<crate::web::error::ApiError>()
            .map(crate::web::error::ApiError::code)
            .unwrap_or("other");
        span.record("error.code", code);
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), code, "request failed");
        } else {
            tracing::warn!(status = status.as_u16(), code, "request refused");
        }
    }
}
