//! Building the store, the engine and the HTTP server from settings.
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::DefaultHeaders;
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use aggregates::Role;

use crate::config::Settings;
use crate::engine::catalogue_file;
use crate::engine::{Engine, SystemClock};
use crate::identity::accounts;
use crate::identity::tokens::TokenKeys;
use crate::store::EventRepo;
use crate::web::api;
use crate::web::rate_limit::{Limits, PublicLookupLimiter};

/// Opens the configured event store: PostgreSQL if a URL is set, else the SQLite file.
pub async fn open_store(settings: &Settings) -> anyhow::Result<EventRepo> {
    Ok(match &settings.database_url {
        Some(url) => EventRepo::connect_postgres(url, settings.pg_max_connections).await?,
        None => {
            // Owner only: the SQLite file and the keys live here.
            create_owner_only_dir(&settings.data_dir)?;
            EventRepo::open_sqlite(&settings.sqlite_path()).await?
        }
    })
}

/// The engine over the configured store and calendar, on the system clock.
pub async fn engine(settings: &Settings) -> anyhow::Result<Engine> {
    engine_with_clock(settings, Arc::new(SystemClock)).await
}

/// The engine on another clock: for tests only (a [`crate::engine::TestClock`]), so that
/// their dates do not depend on the day they run.
pub async fn engine_with_clock(
    settings: &Settings,
    clock: Arc<dyn aggregates::case::Clock>,
) -> anyhow::Result<Engine> {
    let repo = open_store(settings).await?;
    let engine = Engine::new(repo, settings.calendar()?, clock)
        .with_alert_policy(settings.alert_policy.clone())
        .with_notify(settings.notifications.clone())
        .with_cached_cases(settings.cached_cases);
    // The years loaded into the store (by any server of the deployment).
    engine.refresh_calendar().await?;
    Ok(engine)
}

/// The demo's console accounts: (name, role, department, display name).
pub const DEMO_ACCOUNTS: [(&str, Role, Option<&str>, &str); 3] = [
    (
        "demo-officer",
        Role::Officer,
        Some("pudong-amr"),
        "演示承办人员",
    ),
    (
        "demo-admin",
        Role::Admin,
        Some("pudong-amr"),
        "演示目录管理员",
    ),
    ("demo-inspector", Role::Inspector, None, "演示纪检监察人员"),
];

/// The file, in the data directory, that holds the demo accounts' passwords (mode 0600).
pub const DEMO_PASSWORDS_FILE: &str = "demo-accounts.txt";

/// With `--demo` only: creates the demo accounts that do not exist yet, with random
/// passwords. Existing ones are left alone (a restart, or another server started with
/// `--demo` at the same moment): `yangguang users password NAME` sets a new password.
///
/// The passwords are written to `<data_dir>/demo-accounts.txt` (owner only) and shown on the
/// terminal when standard error is one; a service's log (standard error that is not a
/// terminal) gets the file's path, never a password (security finding 10).
async fn demo_accounts(
    repo: &crate::store::EventRepo,
    data_dir: &std::path::Path,
) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let now = chrono::Utc::now().timestamp();
    let mut lines = Vec::new();
    for (id, role, department, name) in DEMO_ACCOUNTS {
        let what = format!(
            "({}{})",
            role.as_str(),
            department.map(|d| format!(", {d}")).unwrap_or_default()
        );
        let exists = format!(
            "  {id:<16} exists already {what}; `yangguang users password {id}` sets a new password"
        );
        if repo.account(id).await?.is_some() {
            lines.push((exists, None));
            continue;
        }
        let password = crate::engine::query_code::QueryCode::generate().code
            + &crate::engine::query_code::QueryCode::generate().code;
        let created = accounts::create_account(
            repo,
            accounts::NewAccount {
                id: id.into(),
                display_name: Some(name.into()),
                role,
                department: department.map(str::to_owned),
            },
            &password,
            now,
        )
        .await;
        match created {
            Ok(_) => lines.push((format!("  {id:<16} {password}  {what}"), Some(password))),
            // Another process created it first.
            Err(_) if repo.account(id).await?.is_some() => lines.push((exists, None)),
            Err(e) => return Err(e),
        }
    }
    let created: Vec<&str> = lines
        .iter()
        .filter(|(_, p)| p.is_some())
        .map(|(l, _)| l.as_str())
        .collect();
    let path = data_dir.join(DEMO_PASSWORDS_FILE);
    if !created.is_empty() {
        write_owner_only(&path, &format!("{}\n", created.join("\n")))?;
    }
    if std::io::stderr().is_terminal() {
        eprintln!("demo console accounts (sign in at /sign-in):");
        for (line, _) in &lines {
            eprintln!("{line}");
        }
    } else if !created.is_empty() {
        tracing::info!(
            file = %path.display(),
            "demo console accounts created; their passwords are in the file (owner only)"
        );
    }
    Ok(())
}

/// Creates a directory (and its parents) only its owner may enter.
fn create_owner_only_dir(dir: &std::path::Path) -> std::io::Result<()> {
    std::os::unix::fs::DirBuilderExt::mode(std::fs::DirBuilder::new().recursive(true), 0o700)
        .create(dir)
}

/// Writes a file only its owner may read, replacing what was there.
fn write_owner_only(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if let Some(dir) = path.parent() {
        create_owner_only_dir(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    // An older file may have been created with wider permissions.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

/// A server bound to its port, not yet running.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Opens the store, loads the demo catalogue if asked, binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let engine = engine(&settings).await?;
        let log = settings.transparency_log()?;
        // Reads wait until the views include the log found at start: after a crash a view may
        // be behind the log, and a restarted server must not serve it before it catches up.
        engine.note_head().await?;
        if settings.demo {
            let mut file = catalogue_file::parse(catalogue_file::DEMO_CATALOGUE)?;
            crate::engine::forms::attach_templates(&engine, &mut file).await?;
            let report = catalogue_file::import(&engine, &file, "demo-loader").await?;
            tracing::info!(?report, "demo catalogue loaded");
            demo_accounts(engine.repo(), &settings.data_dir).await?;
        }
        let keys = TokenKeys::load_or_create(&settings.token_key_path())?;
        let listener = TcpListener::bind(&settings.bind)?;
        let port = listener.local_addr()?.port();
        let server = run(listener, engine, Some(log), keys, Limits::from(&settings))?;
        Ok(Application { port, server })
    }

    /// The port bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs until stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Starts the HTTP server on `listener`, and the projection runners.
pub fn run(
    listener: TcpListener,
    engine: Engine,
    log: Option<crate::follow::translog::Log>,
    keys: TokenKeys,
    limits: Limits,
) -> anyhow::Result<Server> {
    run_shared(listener, web::Data::new(engine), log, keys, limits)
}

/// Like [`run`], keeping a handle on the engine (tests write through it).
pub fn run_shared(
    listener: TcpListener,
    engine: web::Data<Engine>,
    log: Option<crate::follow::translog::Log>,
    keys: TokenKeys,
    limits: Limits,
) -> anyhow::Result<Server> {
    let lookups = web::Data::new(PublicLookupLimiter::new(limits)?);
    let writes = web::Data::new(crate::web::rate_limit::PublicWriteLimiter::new(limits)?);
    let sign_ins = web::Data::new(crate::web::rate_limit::SignInLimiter(
        PublicLookupLimiter::with_rate(limits.sign_in_per_minute, limits.sign_in_burst, "sign_in")?,
    ));
    let log_reads = web::Data::new(crate::web::rate_limit::LogReadLimiter::new(limits)?);
    let account_policy = web::Data::new(limits.accounts);
    crate::follow::projection::start(&engine);
    engine.adopt(crate::follow::alerts::spawn(engine.clone().into_inner()));
    engine.adopt(crate::follow::notifier::spawn(engine.clone().into_inner())?);
    engine.adopt(crate::follow::documents::spawn(engine.clone().into_inner()));
    engine.adopt(crate::follow::statistics::spawn(
        engine.clone().into_inner(),
    ));
    engine.adopt(crate::engine::spawn_calendar_refresh(
        engine.clone().into_inner(),
    ));
    // The transparency log: its follower, and the handle pages and the API read it through.
    let log = log.map(web::Data::new);
    if let Some(log) = &log {
        engine.adopt(crate::follow::translog::spawn(
            engine.clone().into_inner(),
            log.clone().into_inner(),
        ));
    }
    let keys = web::Data::new(keys);
    let spec = api::openapi();
    let server = HttpServer::new(move || {
        App::new()
            .wrap(actix_web::middleware::from_fn(
                api::idempotency::idempotency,
            ))
            .wrap(
                DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("Referrer-Policy", "no-referrer")),
            )
            .wrap(actix_web::middleware::from_fn(
                crate::web::headers::security_headers,
            ))
            .wrap(actix_web::middleware::from_fn(api::min_position))
            .wrap(TracingLogger::<crate::telemetry::RootSpan>::new())
            .app_data(engine.clone())
            .configure(|cfg| {
                if let Some(log) = &log {
                    cfg.app_data(log.clone());
                }
            })
            .app_data(keys.clone())
            .app_data(lookups.clone())
            .app_data(writes.clone())
            .app_data(sign_ins.clone())
            .app_data(log_reads.clone())
            .app_data(account_policy.clone())
            .app_data(web::PayloadConfig::new(api::JSON_LIMIT))
            .app_data(api::json_config())
            .app_data(api::query_config())
            .app_data(api::path_config())
            .into_utoipa_app()
            .configure(api::configure)
            .into_app()
            .configure(crate::web::pages::configure)
            .service(
                SwaggerUi::new("/docs/{_:.*}")
                    .url("/openapi.json", spec.clone())
                    // No validator: the browser would send the spec's URL to a third party.
                    .config(utoipa_swagger_ui::Config::default().validator_url("none")),
            )
            .default_service(web::to(api::not_found))
    })
    .listen(listener)?
    .shutdown_timeout(10)
    .run();
    Ok(server)
}
