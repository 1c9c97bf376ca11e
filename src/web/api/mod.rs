//! The HTTP API under `/api/v1`, described by utoipa from the same `configure` the server runs.
pub mod alerts;
pub(crate) mod applications;
mod calendar;
pub(crate) mod cases;
pub(crate) mod documents;
pub(crate) mod forms;
mod health;
pub mod idempotency;
mod inspector;
mod log;
mod orders;
mod powers;
mod public;
mod questions;
mod rectifications;
mod spot_checks;
pub mod statistics;

pub use inspector::csv_response as scorecards_csv_response;
pub use public::PUBLIC_WRITE_LIMIT;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use aggregates::Role;
use tracing_actix_web::RequestId;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};

use crate::engine::CommandMeta;
use crate::identity::tokens::Principal;
use crate::web::error::{ApiError, Problem};

/// Largest JSON body accepted (a power version with a big flowchart fits easily).
pub const JSON_LIMIT: usize = 512 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Yangguang 阳光 — administrative power execution API",
        description = "Catalogue of administrative powers (职权目录), cases along their flowcharts \
                       (办件), and public status (动态公开). Errors are RFC 7807 problem+json with \
                       a stable `code`.",
        version = "1"
    ),
    components(schemas(Problem)),
    modifiers(&BearerAuth),
    tags(
        (name = "catalogue", description = "Powers and their published versions (职权目录)"),
        (name = "cases", description = "Cases and their steps (办件)"),
        (name = "public", description = "Public status lookups (动态公开)"),
        (name = "supervision", description = "Alerts for discipline inspectors (电子监察)"),
        (name = "log", description = "The transparency log (透明日志): signed tree heads, proofs, leaves"),
        (name = "health", description = "Liveness and readiness")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Registers every API route; the server and the spec generator both call this.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope::scope("/api/v1")
            .configure(powers::configure)
            .configure(cases::configure)
            .configure(public::configure)
            .configure(statistics::configure)
            .configure(applications::configure)
            .configure(documents::configure)
            .configure(forms::configure)
            .configure(questions::configure)
            .configure(orders::configure)
            .configure(rectifications::configure)
            .configure(spot_checks::configure)
            .configure(calendar::configure)
            .configure(alerts::configure)
            .configure(inspector::configure)
            .configure(log::configure),
    )
    .configure(health::configure);
}

/// The OpenAPI document, built from [`configure`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(configure)
        .split_for_parts();
    let mut api = api;
    IdempotencyKeyDoc.modify(&mut api);
    BodyDoc.modify(&mut api);
    api
}

/// Documents the answers every operation with a JSON body can give before its handler runs:
/// 413 past [`JSON_LIMIT`] and 415 for a body not sent as `application/json` (see
/// [`json_config`]).
struct BodyDoc;

impl Modify for BodyDoc {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        let limit = format!("The body is larger than {JSON_LIMIT} bytes (`payload_too_large`)");
        let added = [
            ("413", limit.as_str()),
            (
                "415",
                "The body is not sent as application/json (`unsupported_media_type`)",
            ),
        ];
        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.post, &mut item.put, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                if operation.request_body.is_none() {
                    continue;
                }
                for (status, what) in added {
                    operation
                        .responses
                        .responses
                        .entry(status.into())
                        .or_insert_with(|| problem(what).into());
                }
            }
        }
    }
}

/// Each documented path with the methods it answers (`Allow`), for 405s.
static ROUTES: std::sync::LazyLock<Vec<(actix_web::dev::ResourceDef, String)>> =
    std::sync::LazyLock::new(|| {
        const METHODS: [&str; 8] = [
            "get", "head", "post", "put", "patch", "delete", "options", "trace",
        ];
        let spec = serde_json::to_value(openapi()).unwrap_or_default();
        let Some(paths) = spec["paths"].as_object() else {
            return Vec::new();
        };
        paths
            .iter()
            .filter_map(|(path, item)| {
                let allow = METHODS
                    .iter()
                    .filter(|m| item.get(**m).is_some())
                    .map(|m| m.to_ascii_uppercase())
                    .collect::<Vec<_>>()
                    .join(", ");
                (!allow.is_empty())
                    .then(|| (actix_web::dev::ResourceDef::new(path.as_str()), allow))
            })
            .collect()
    });

/// Documents `Idempotency-Key` on every command (POST under `/api/v1`): the request header, the
/// `Idempotent-Replayed` response header, and the 400/409/422 answers it adds.
struct IdempotencyKeyDoc;

impl Modify for IdempotencyKeyDoc {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::{
            ContentBuilder, HeaderBuilder, ObjectBuilder, Ref, RefOr, Required, ResponseBuilder,
            Type,
        };
        let parameter = ParameterBuilder::new()
            .name(idempotency::IDEMPOTENCY_KEY_HEADER)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "Makes the command safe to retry: 1-255 visible ASCII characters, fresh for each \
                 new command (a UUID, say), scoped to the token's subject, role and department. \
                 A retry with the same \
                 key, method, path and body within 24 hours returns the first response again \
                 (with `Idempotent-Replayed: true`) and changes nothing; the same key with \
                 another request is a 422 `idempotency_key_reused`; while the first request \
                 still runs, a 409 `idempotency_key_in_progress` with `Retry-After`. Conflicts \
                 (409), rate limits (429) and server errors are not kept: a retry runs again. \
                 Kept answers are sealed at rest; one kept before the server's key was rotated \
                 is a 422 `idempotency_key_unreadable`.",
            ))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(idempotency::MAX_KEY_LEN))
                    .pattern(Some("^[!-~]+$")),
            ))
            .build();
        let replayed = HeaderBuilder::new()
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .description(Some(
                "`true` when this is the kept response of an earlier request with the same \
                 Idempotency-Key",
            ))
            .build();
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        let added = [
            (
                "400",
                "an invalid Idempotency-Key (`invalid_idempotency_key`)",
            ),
            (
                "409",
                "the first request with this Idempotency-Key is still running \
                 (`idempotency_key_in_progress`, with Retry-After)",
            ),
            (
                "422",
                "this Idempotency-Key was used for another request (`idempotency_key_reused`), \
                 or its kept answer was sealed under a key since rotated \
                 (`idempotency_key_unreadable`)",
            ),
        ];
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/api/v1/") {
                continue;
            }
            let Some(operation) = item.post.as_mut() else {
                continue;
            };
            operation
                .parameters
                .get_or_insert_with(Vec::new)
                .push(parameter.clone().into());
            for (status, response) in operation.responses.responses.iter_mut() {
                if let (true, RefOr::T(response)) = (status.starts_with('2'), response) {
                    response
                        .headers
                        .insert(idempotency::REPLAYED_HEADER.into(), replayed.clone().into());
                }
            }
            for (status, what) in added {
                match operation.responses.responses.get_mut(status) {
                    Some(RefOr::T(response)) => {
                        response.description = format!("{}; or {what}", response.description);
                    }
                    Some(RefOr::Ref(_)) => {}
                    None => {
                        let mut what = what.to_owned();
                        if let Some(first) = what.get_mut(..1) {
                            first.make_ascii_uppercase();
                        }
                        operation
                            .responses
                            .responses
                            .insert(status.into(), problem(&what).into());
                    }
                }
            }
        }
    }
}

/// JSON extractor settings: size limit, and bad bodies as problem+json 400s.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|err, _req| json_error(err, JSON_LIMIT).into())
}

/// A JSON body's error as problem+json: 413 past `limit`, 415 without the JSON media type,
/// else 400 `malformed_json`.
pub(crate) fn json_error(err: actix_web::error::JsonPayloadError, limit: usize) -> ApiError {
    use actix_web::error::JsonPayloadError;
    match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body is larger than {limit} bytes"),
            )
        }
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as application/json",
        ),
        JsonPayloadError::Deserialize(e) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body does not match the schema: {e}"),
        ),
        other => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body could not be read: {other}"),
        ),
    }
}

/// Query-string errors as problem+json 400s.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            format!("the query string is invalid: {err}"),
        )
        .into()
    })
}

/// Path errors as problem+json 400s.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_path",
            format!("the path is invalid: {err}"),
        )
        .into()
    })
}

/// Unknown routes, and methods a documented route does not have (405 with `Allow`).
pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    if let Some((_, allow)) = ROUTES.iter().find(|(route, _)| route.is_match(req.path())) {
        return Err(ApiError::method_not_allowed(req.method(), allow));
    }
    Err(ApiError::not_found(format!(
        "no such resource: {} {}",
        req.method(),
        req.path()
    )))
}

/// Header on command responses: the position of the log the command reached.
pub const POSITION_HEADER: &str = "Yangguang-Position";
/// Request header: serve views only once they have passed this position (bounded wait).
pub const MIN_POSITION_HEADER: &str = "Yangguang-Min-Position";

/// Lets a client read its own writes through another process: reads in this request wait
/// (bounded) until the views have passed the position given in `Yangguang-Min-Position`.
pub async fn min_position<B: actix_web::body::MessageBody + 'static>(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<B>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::EitherBody<B>>, actix_web::Error> {
    let asked = req
        .headers()
        .get(MIN_POSITION_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<crate::store::Cursor>().ok());
    let Some(cursor) = asked else {
        return next
            .call(req)
            .await
            .map(actix_web::dev::ServiceResponse::map_into_left_body);
    };
    // Wait only for a position this deployment has issued: anything beyond the newest
    // committed event would hold the read for the whole wait (security finding 10).
    if let Some(engine) = req.app_data::<web::Data<crate::engine::Engine>>() {
        match engine.repo().newest_committed().await {
            Ok(newest) if cursor > newest => {
                let refused = ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_position",
                    "Yangguang-Min-Position names a position this deployment has not issued; \
                     send back a Yangguang-Position header a command answered with",
                );
                return Ok(req.error_response(refused).map_into_right_body());
            }
            Ok(_) => {}
            Err(e) => {
                return Ok(req
                    .error_response(ApiError::unavailable(anyhow::anyhow!("{e}")))
                    .map_into_right_body());
            }
        }
    }
    actix_web::HttpMessage::extensions_mut(&req).insert(ReadAfter(cursor));
    next.call(req)
        .await
        .map(actix_web::dev::ServiceResponse::map_into_left_body)
}

/// The position a request's reads must have seen: what `Yangguang-Min-Position` asked for
/// (checked by [`min_position`]), or nothing. Handlers pass it to [`Engine::reads`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadAfter(pub crate::store::Cursor);

impl actix_web::FromRequest for ReadAfter {
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(
        req: &actix_web::HttpRequest,
        _payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        use actix_web::HttpMessage;
        std::future::ready(Ok(req
            .extensions()
            .get::<ReadAfter>()
            .copied()
            .unwrap_or_default()))
    }
}

/// Adds the position this process has written up to, for `Yangguang-Min-Position`.
fn positioned(
    engine: &crate::engine::Engine,
    mut response: actix_web::HttpResponse,
) -> actix_web::HttpResponse {
    if let Ok(value) =
        actix_web::http::header::HeaderValue::from_str(&engine.last_written().to_string())
    {
        response.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("yangguang-position"),
            value,
        );
    }
    response
}

fn meta(principal: &Principal, request_id: &RequestId) -> CommandMeta {
    CommandMeta {
        actor: principal.claims.sub.clone(),
        role: principal.claims.role.as_str().into(),
        department: principal.claims.department.clone(),
        request_id: request_id.to_string(),
    }
}

fn require(principal: &Principal, role: Role) -> Result<(), ApiError> {
    Ok(principal.require(&[role])?)
}
