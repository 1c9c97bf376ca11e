//! The command line (`yangguang`): serve the API, mint tokens, manage accounts, import and
//! export catalogues and calendar years, rebuild views, audit the transparency log.
//! `src/main.rs` only calls [`main`].
pub mod log_verify;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::{Overrides, Settings};
use crate::engine::catalogue_file;
use crate::follow::projection;
use crate::identity::accounts;
use crate::identity::tokens::TokenKeys;
use crate::startup::Application;
use crate::web::api;
use crate::{startup, telemetry};
use aggregates::Role;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Yangguang 阳光: an execution system for publishing administrative powers.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// A TOML config file (default: ./yangguang.toml if present). Env: YANGGUANG_CONFIG.
    #[arg(long, global = true, env = "YANGGUANG_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Default)]
struct StoreArgs {
    /// Data directory (SQLite file, token key). Env: YANGGUANG_DATA_DIR. Default ./data.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// PostgreSQL URL; without it the embedded SQLite store is used. Env: DATABASE_URL or
    /// YANGGUANG_DATABASE_URL.
    #[arg(long)]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        /// Address to listen on. Env: YANGGUANG_BIND. Default 127.0.0.1:8080.
        #[arg(long)]
        bind: Option<String>,
        /// Load the demo catalogue (loading it twice changes nothing). Env: YANGGUANG_DEMO.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Bearer tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Console accounts for people (官员/管理员/纪检人员): add, list, disable, enable, unlock,
    /// set a new password. Passwords are read from the terminal (no echo) or standard input,
    /// never from the command line.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Catalogue files.
    Catalogue {
        #[command(subcommand)]
        command: CatalogueCommand,
    },
    /// The working-day calendar (工作日历): load a year's State Council notice, list the years.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Read models: status and rebuilds.
    Projections {
        #[command(subcommand)]
        command: ProjectionsCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// The transparency log (透明日志).
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
}

#[derive(Subcommand)]
enum LogCommand {
    /// Audit a server's transparency log over HTTP: the signed tree head, its consistency
    /// with heads seen before, and (with --tracking-no and --code) that every event of a case
    /// is the leaf the log signed. Exits 1 on any mismatch, 2 if it could not check.
    Verify {
        /// The server's base URL, e.g. https://yangguang.example.gov.cn
        #[arg(long)]
        url: String,
        /// A case's tracking number (办件编号) to check, with --code.
        #[arg(long, requires = "code")]
        tracking_no: Option<String>,
        /// The case's query code (查询码).
        #[arg(long, requires = "tracking_no")]
        code: Option<String>,
        /// Keeps the last verified head and the pinned public key; the next run checks the log
        /// is consistent with it.
        #[arg(long)]
        state: Option<PathBuf>,
        /// The log's Ed25519 public key (hex), instead of trusting the server's on first use.
        #[arg(long)]
        public_key: Option<String>,
        /// Another verifier's state file: its head must be consistent with this one's view
        /// (detects a log showing different histories to different verifiers). Repeatable.
        #[arg(long)]
        peer_state: Vec<PathBuf>,
    },
    /// Append every event not yet in the log and sign a head (with the server stopped, or on
    /// PostgreSQL once it lets go of the log's lease); prints how many leaves and how fast.
    CatchUp {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Benchmark: time inclusion and consistency proofs at the log's current size, read from
    /// the stored subtrees as the API does; prints RESULT lines for benches/run.
    #[command(hide = true)]
    BenchProofs {
        /// Proofs of each kind.
        #[arg(long, default_value_t = 1000)]
        samples: u64,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Ends the process with the verifier's exit code.
#[derive(Debug)]
struct VerifyExit(crate::cli::log_verify::Failure);

impl std::fmt::Display for VerifyExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for VerifyExit {}

#[derive(Subcommand)]
enum ProjectionsCommand {
    /// Each projection's checkpoint and how many events it lags behind.
    Status {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Run projections without serving (a worker process for views): keeps the named views
    /// (default: all) up to date with the log until stopped. On PostgreSQL each view is run
    /// by one process at a time: it waits for the lease of a view a server is running.
    Follow {
        /// Projection names (default: all).
        names: Vec<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Replay one projection (or all) from the start into a shadow view and swap it in
    /// atomically. On PostgreSQL it waits for the projection's lease (held by a running server).
    Rebuild {
        /// Projection name (default: all).
        name: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Admin,
    Officer,
    Inspector,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Admin => Role::Admin,
            RoleArg::Officer => Role::Officer,
            RoleArg::Inspector => Role::Inspector,
        }
    }
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Mint a token signed with the deployment's key; prints the token alone.
    Issue {
        /// Role.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Department id (required for admin and officer).
        #[arg(long)]
        department: Option<String>,
        /// Subject id recorded as the actor (default: role-department-random).
        #[arg(long)]
        subject: Option<String>,
        /// Validity in days.
        #[arg(long, default_value_t = 30)]
        ttl_days: i64,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Create an account with a password (asked twice on a terminal; else the first line of
    /// standard input).
    Add {
        /// Login name, also the actor id in events: 2-40 of a-z 0-9 . _ -, never reused.
        name: String,
        /// Role.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Department id (admins and officers; none for inspectors).
        #[arg(long)]
        department: Option<String>,
        /// Name shown on pages (default: the login name).
        #[arg(long)]
        display_name: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Every account with its role, department and state.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Disable an account (it is never deleted) and end its sessions.
    Disable {
        /// Login name.
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Enable a disabled account again.
    Enable {
        /// Login name.
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Lift a lockout after failed sign-ins.
    Unlock {
        /// Login name.
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Set a new password (read like `add`); ends the account's sessions.
    Password {
        /// Login name.
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Reads a new password: twice without echo on a terminal, else one line of standard input.
fn read_new_password() -> anyhow::Result<String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (密码): ")?;
        let second = rpassword::prompt_password("Again (再次输入): ")?;
        anyhow::ensure!(first == second, "the two passwords differ");
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\n', '\r']).to_string())
    }
}

fn epoch_now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn when(epoch: Option<i64>) -> String {
    epoch
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|t| {
            t.with_timezone(&aggregates::case::china_offset())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "-".into())
}

async fn users(config: Option<&PathBuf>, command: UsersCommand) -> anyhow::Result<()> {
    let store_of = |store: &StoreArgs| settings(config, store, None, false);
    match command {
        UsersCommand::Add {
            name,
            role,
            department,
            display_name,
            store,
        } => {
            let repo = startup::open_store(&store_of(&store)?).await?;
            let password = read_new_password()?;
            let account = accounts::create_account(
                &repo,
                accounts::NewAccount {
                    id: name,
                    display_name,
                    role: role.into(),
                    department,
                },
                &password,
                epoch_now(),
            )
            .await?;
            eprintln!(
                "created {} ({}{})",
                account.id,
                account.role,
                account
                    .department
                    .as_deref()
                    .map(|d| format!(", {d}"))
                    .unwrap_or_default()
            );
        }
        UsersCommand::List { store } => {
            let repo = startup::open_store(&store_of(&store)?).await?;
            println!(
                "{:<24} {:<10} {:<24} {:<16} {:<16} display name",
                "name", "role", "department", "disabled", "locked until"
            );
            let now = epoch_now();
            for (a, locked) in repo.accounts().await? {
                println!(
                    "{:<24} {:<10} {:<24} {:<16} {:<16} {}",
                    a.id,
                    a.role,
                    a.department.as_deref().unwrap_or("-"),
                    when(a.disabled_at),
                    when(locked.filter(|l| *l > now)),
                    a.display_name
                );
            }
        }
        UsersCommand::Disable { name, store } => {
            let repo = startup::open_store(&store_of(&store)?).await?;
            let now = epoch_now();
            anyhow::ensure!(
                repo.set_account_disabled(&name, Some(now), now).await?,
                "no account named {name}"
            );
            eprintln!("disabled {name}; its sessions are ended (the account is kept)");
        }
        UsersCommand::Enable { name, store } => {
            let repo = startup::open_store(&store_of(&store)?).await?;
            anyhow::ensure!(
                repo.set_account_disabled(&name, None, epoch_now()).await?,
                "no account named {name}"
            );
            eprintln!("enabled {name}");
        }
        UsersCommand::Unlock { name, store } => {
            let repo = startup::open_store(&store_of(&store)?).await?;
            anyhow::ensure!(
                repo.account(&name).await?.is_some(),
                "no account named {name}"
            );
            repo.clear_sign_in_failures(crate::store::accounts::LOCAL_PROVIDER, &name)
                .await?;
            eprintln!("unlocked {name}");
        }
        UsersCommand::Password { name, store } => {
            let repo = startup::open_store(&store_of(&store)?).await?;
            let password = read_new_password()?;
            accounts::set_password(&repo, &name, &password, epoch_now()).await?;
            eprintln!("password of {name} changed; its sessions are ended");
        }
    }
    Ok(())
}

async fn calendar(config: Option<&PathBuf>, command: CalendarCommand) -> anyhow::Result<()> {
    match command {
        CalendarCommand::Import {
            file,
            by,
            dry_run,
            store,
        } => {
            let settings = settings(config, &store, None, false)?;
            let text = std::fs::read_to_string(&file)?;
            let engine = startup::engine(&settings).await?;
            let year = aggregates::calendar::CalendarYear::from_yaml(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let candidate = match engine.check_calendar_year(&year) {
                Ok(candidate) => candidate,
                Err(problems) => return refuse_year(&file, &problems),
            };
            let moved = engine.calendar_preview(&candidate).await?;
            eprintln!(
                "{}: {} ({}), {} holidays; {} due dates of running cases move",
                year.year,
                year.source.title,
                year.source
                    .document_no
                    .as_deref()
                    .unwrap_or("no document number"),
                year.holidays.len(),
                moved.len()
            );
            for m in &moved {
                eprintln!(
                    "  {} {} {}: {} -> {}",
                    m.tracking_no,
                    m.power_name,
                    m.limit,
                    m.before
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "-".into()),
                    m.after.map(|d| d.to_string()).unwrap_or_else(|| "-".into())
                );
            }
            if dry_run {
                eprintln!("dry run: nothing loaded");
            } else {
                engine.load_calendar_year(&year, &by).await?;
                eprintln!("loaded {} for every server of this store", year.year);
            }
        }
        CalendarCommand::List { store } => {
            let settings = settings(config, &store, None, false)?;
            let engine = startup::engine(&settings).await?;
            let loaded: std::collections::BTreeMap<i32, _> = engine
                .repo()
                .calendar_years()
                .await?
                .into_iter()
                .map(|y| (y.year, y))
                .collect();
            let calendar = engine.calendar();
            let first = calendar.covered_years().first().copied().unwrap_or(2024);
            let this_year = chrono::Datelike::year(&engine.now());
            for year in first..=this_year + 2 {
                let state = match (calendar.year(year), calendar.is_provisional(year)) {
                    (Some(data), _) => {
                        let from = match loaded.get(&year) {
                            Some(l) => format!(
                                "loaded by {} on {} (Beijing time)",
                                l.loaded_by,
                                chrono::DateTime::from_timestamp(l.loaded_at, 0)
                                    .map(|t| t
                                        .with_timezone(&aggregates::case::china_offset())
                                        .format("%Y-%m-%d %H:%M")
                                        .to_string())
                                    .unwrap_or_default()
                            ),
                            None => "built in or a file of YANGGUANG_CALENDAR_DIR".into(),
                        };
                        format!("official    {} ({from})", data.source.title)
                    }
                    (None, true) => "provisional weekends and statutory holidays only".into(),
                    (None, false) => "missing".into(),
                };
                println!("{year}  {state}");
            }
        }
    }
    Ok(())
}

/// Prints every problem of a year file (Chinese, then English) and fails.
fn refuse_year(
    file: &std::path::Path,
    problems: &[aggregates::calendar::YearProblem],
) -> anyhow::Result<()> {
    eprintln!(
        "{}: {} problem(s), nothing loaded:",
        file.display(),
        problems.len()
    );
    for p in problems {
        eprintln!("  - {}  ({p})", p.zh());
    }
    anyhow::bail!("the calendar file is invalid")
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Load one year (a YAML file in the shape of `aggregates/data/calendar/20XX.yaml`, with
    /// its source) into the store, for every server of the deployment. Every problem is
    /// listed and nothing is loaded if there is one; the running cases whose due dates move
    /// are shown first.
    Import {
        /// The YAML file.
        file: PathBuf,
        /// Who loads it (recorded with the year).
        #[arg(long, default_value = "calendar-import")]
        by: String,
        /// Show the problems and the due dates that would move, load nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Each year from the first built in to two years ahead: official (with its notice and
    /// where it comes from), provisional or missing.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum CatalogueCommand {
    /// Register and publish every power of a YAML file; every problem is listed and nothing
    /// is written if any entry is invalid.
    Import {
        /// The YAML file.
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Write the current version of every power as YAML.
    Export {
        /// Output file (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
}

fn settings(
    config: Option<&PathBuf>,
    store: &StoreArgs,
    bind: Option<String>,
    demo: bool,
) -> anyhow::Result<Settings> {
    Settings::load(
        config.map(PathBuf::as_path),
        &Overrides {
            bind,
            data_dir: store.data_dir.clone(),
            database_url: store.database_url.clone(),
            demo: demo.then_some(true),
        },
    )
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { bind, demo, store } => {
            let settings = settings(cli.config.as_ref(), &store, bind, demo)?;
            telemetry::init(settings.log_format == "json", "info,sqlx=warn");
            let app = Application::build(settings.clone()).await?;
            tracing::info!(
                port = app.port(),
                store = if settings.database_url.is_some() {
                    "postgres"
                } else {
                    "sqlite"
                },
                "serving"
            );
            app.run_until_stopped().await?;
        }
        Command::Token {
            command:
                TokenCommand::Issue {
                    role,
                    department,
                    subject,
                    ttl_days,
                    store,
                },
        } => {
            let settings = settings(cli.config.as_ref(), &store, None, false)?;
            let role = match role {
                RoleArg::Admin => Role::Admin,
                RoleArg::Officer => Role::Officer,
                RoleArg::Inspector => Role::Inspector,
            };
            if role != Role::Inspector {
                let Some(d) = &department else {
                    anyhow::bail!("--department is required for {}", role.as_str());
                };
                anyhow::ensure!(
                    aggregates::power::is_valid_department_id(d),
                    "--department must be a-z, 0-9 and -, at most 40 characters"
                );
            }
            anyhow::ensure!(
                (1..=3650).contains(&ttl_days),
                "--ttl-days must be 1 to 3650"
            );
            let subject = subject.unwrap_or_else(|| {
                format!(
                    "{}-{}-{}",
                    role.as_str(),
                    department.as_deref().unwrap_or("all"),
                    &uuid::Uuid::new_v4().simple().to_string()[..8]
                )
            });
            let keys = TokenKeys::load_or_create(&settings.token_key_path())?;
            let ttl = chrono::Duration::days(ttl_days);
            // A token for a person's account names it, so that disabling the account
            // revokes the token; any other subject is a service token.
            let repo = startup::open_store(&settings).await?;
            let token = match repo.account(&subject).await? {
                Some(account) => {
                    anyhow::ensure!(
                        account.disabled_at.is_none(),
                        "the account {subject} is disabled"
                    );
                    anyhow::ensure!(
                        account.role == role.as_str() && account.department == department,
                        "{subject} is an account with the role {} in {}: issue its token with \
                         that role and department",
                        account.role,
                        account.department.as_deref().unwrap_or("no department")
                    );
                    eprintln!("token for the account {subject}: disabling it revokes the token");
                    keys.issue_for_account(&subject, role, department, ttl)?
                }
                None => keys.issue(&subject, role, department, ttl)?,
            };
            println!("{token}");
        }
        Command::Users { command } => users(cli.config.as_ref(), command).await?,
        Command::Calendar { command } => calendar(cli.config.as_ref(), command).await?,
        Command::Catalogue { command } => match command {
            CatalogueCommand::Import { file, store } => {
                let settings = settings(cli.config.as_ref(), &store, None, false)?;
                let text = std::fs::read_to_string(&file)?;
                let parsed = catalogue_file::parse(&text)?;
                let engine = startup::engine(&settings).await?;
                let report = catalogue_file::import(&engine, &parsed, "catalogue-import").await?;
                eprintln!(
                    "registered {}, published {}, unchanged {}",
                    report.registered, report.published, report.unchanged
                );
            }
            CatalogueCommand::Export { output, store } => {
                let settings = settings(cli.config.as_ref(), &store, None, false)?;
                let engine = startup::engine(&settings).await?;
                let text = serde_norway::to_string(&catalogue_file::export(&engine).await?)?;
                match output {
                    Some(path) => std::fs::write(path, text)?,
                    None => std::io::stdout().write_all(text.as_bytes())?,
                }
            }
        },
        Command::Projections { command } => match command {
            ProjectionsCommand::Status { store } => {
                let settings = settings(cli.config.as_ref(), &store, None, false)?;
                let repo = startup::open_store(&settings).await?;
                println!(
                    "{:<12} {:>7} {:>12} {:>10}",
                    "projection", "version", "position", "lag"
                );
                for s in projection::status(&repo).await? {
                    println!(
                        "{:<12} {:>7} {:>12} {:>10}",
                        s.name,
                        s.version,
                        s.position
                            .map(|p| p.to_string())
                            .unwrap_or_else(|| "-".into()),
                        s.lag
                    );
                }
            }
            ProjectionsCommand::Follow { names, store } => {
                let settings = settings(cli.config.as_ref(), &store, None, false)?;
                let repo = startup::open_store(&settings).await?;
                tokio::select! {
                    followed = projection::follow(repo, names, settings.cached_cases) => followed?,
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            ProjectionsCommand::Rebuild { name, store } => {
                let settings = settings(cli.config.as_ref(), &store, None, false)?;
                let repo = startup::open_store(&settings).await?;
                let names: Vec<String> = match name {
                    Some(n) => vec![n],
                    None => projection::names().into_iter().map(str::to_owned).collect(),
                };
                let total = repo.count_after(Default::default()).await?;
                for name in names {
                    let bar = indicatif::ProgressBar::new(total.max(0) as u64);
                    bar.set_style(
                        indicatif::ProgressStyle::with_template(
                            "{prefix:>10} [{bar:30}] {pos}/{len} events, {per_sec}, ETA {eta}",
                        )?
                        .progress_chars("=> "),
                    );
                    bar.set_prefix(name.clone());
                    let started = std::time::Instant::now();
                    let reached =
                        projection::rebuild(&repo, &name, |n, _| bar.inc(n as u64)).await?;
                    bar.finish();
                    eprintln!(
                        "{name}: rebuilt to position {} in {:.1?}",
                        reached.position,
                        started.elapsed()
                    );
                }
            }
        },
        Command::Openapi => {
            println!("{}", api::openapi().to_pretty_json()?);
        }
        Command::Log {
            command:
                LogCommand::Verify {
                    url,
                    tracking_no,
                    code,
                    state,
                    public_key,
                    peer_state,
                },
        } => {
            let args = crate::cli::log_verify::VerifyArgs {
                url,
                case: tracking_no.zip(code),
                state,
                public_key,
                peer_states: peer_state,
            };
            let report = crate::cli::log_verify::verify(&args)
                .await
                .map_err(VerifyExit)?;
            for line in report {
                println!("{line}");
            }
        }
        Command::Log {
            command: LogCommand::CatchUp { store },
        } => {
            let settings = settings(cli.config.as_ref(), &store, None, false)?;
            let engine = startup::engine(&settings).await?;
            let log = settings.transparency_log()?;
            let started = std::time::Instant::now();
            let (appended, size) = crate::follow::translog::catch_up(&engine, &log).await?;
            let seconds = started.elapsed().as_secs_f64();
            eprintln!(
                "appended {appended} leaves in {seconds:.1} s ({:.0}/s); the log has {size}",
                appended as f64 / seconds.max(1e-9)
            );
            println!("RESULT appended={appended} size={size} seconds={seconds:.3}");
        }
        Command::Log {
            command: LogCommand::BenchProofs { samples, store },
        } => {
            let settings = settings(cli.config.as_ref(), &store, None, false)?;
            let repo = startup::open_store(&settings).await?;
            let line = crate::follow::translog::bench_proofs(&repo, samples).await?;
            println!("{line}");
        }
    }
    Ok(())
}

/// The nice value of this runtime's threads (see [`background_priority`]).
const BACKGROUND_NICE: i32 = 10;

/// Lowers the scheduling priority of the calling thread: this runtime's. A server's HTTP
/// requests (commands, reads) run on actix's own worker threads; this runtime runs the
/// background work: the projections, the alert raiser and the transparency log, which catch up
/// in batches and whose readers wait for them where they must (`Yangguang-Min-Position`). When
/// the cores are contended the requests come first, and the background work takes the rest in
/// larger batches. (On Linux the nice value is per thread.)
fn background_priority() {
    let thread = rustix::thread::gettid();
    if let Err(e) = rustix::process::setpriority_process(Some(thread), BACKGROUND_NICE) {
        eprintln!("warning: cannot lower the background threads' priority: {e}");
    }
}

/// Parses the command line and runs the command on a runtime of its own.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_start(background_priority)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<VerifyExit>().is_some() => {
            eprintln!("{e}");
            match e.downcast_ref::<VerifyExit>() {
                Some(VerifyExit(crate::cli::log_verify::Failure::Mismatch(_))) => ExitCode::from(1),
                _ => ExitCode::from(2),
            }
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
