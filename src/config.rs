//! Settings, layered: built-in defaults, then a TOML config file, then `YANGGUANG_*`
//! environment variables (and `DATABASE_URL`), then command-line flags.
use std::path::{Path, PathBuf};

use aggregates::calendar::{OutsideCoverage, WorkingCalendar};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Server settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on.
    pub bind: String,
    /// Data directory: the SQLite file and the token key live here.
    pub data_dir: PathBuf,
    /// PostgreSQL URL; when set, PostgreSQL is the event store instead of SQLite.
    pub database_url: Option<String>,
    /// Load the demo catalogue at start (idempotent).
    pub demo: bool,
    /// Extra working-day calendar files (`*.yaml`, one year each) that add or correct years.
    pub calendar_dir: Option<PathBuf>,
    /// What to do for dates in years without calendar data: `provisional` (default: weekends
    /// and the statutory holidays of the law, marked 预计 wherever they show), `refuse` or
    /// `weekends_only`.
    pub outside_coverage: OutsideCoverage,
    /// The token signing key file; defaults to `<data_dir>/token.key`. Share one file between
    /// processes serving one PostgreSQL.
    pub token_key_file: Option<PathBuf>,
    /// The PostgreSQL pool's size per process (the group commit keeps two connections beside it).
    pub pg_max_connections: u32,
    /// How many cases this process keeps in memory as its work left them (在办案件): for its
    /// commands (the case's state), and for each view runner and the alert raiser (what they
    /// last wrote or read of it). A case outside them is read back from the store when next
    /// touched. Size it to the cases worked in a day or so; see the README for the memory.
    /// At least 1 (0 is refused when the settings load).
    pub cached_cases: std::num::NonZeroUsize,
    /// Log format: `text` or `json`.
    pub log_format: String,
    /// Supervision rules of the jurisdiction (`[alert_policy]` in the config file): yellow
    /// card at a share of the limit (default 80%) or N working days before the due date,
    /// back-fill tolerance, minimum plausible handling time.
    #[serde(default)]
    pub alert_policy: projections::alerts::AlertPolicy,
    /// How applicants are told of their cases (`[notifications]`: `smtp_url`, `from`,
    /// `track_url`, `sms`).
    #[serde(default)]
    pub notifications: crate::engine::NotifySettings,
    /// Public case lookups (API and `/track`) per minute and client address, after the burst.
    pub public_lookup_per_minute: u32,
    /// Public case lookups a client address may make at once.
    pub public_lookup_burst: u32,
    /// Complaints and ratings from the public per minute and client address, after the burst.
    pub public_write_per_minute: u32,
    /// Complaints and ratings a client address may send at once.
    pub public_write_burst: u32,
    /// Console sign-ins: a session ends this many hours after sign-in.
    pub session_hours: u32,
    /// Console sign-ins: a session ends after this many minutes without a request.
    pub session_idle_minutes: u32,
    /// This many failed sign-ins in a row lock the account's password...
    pub sign_in_lockout_failures: u32,
    /// ...for this many minutes.
    pub sign_in_lockout_minutes: u32,
    /// Sign-in attempts per minute and client address, after the burst.
    pub sign_in_per_minute: u32,
    /// Sign-in attempts a client address may make at once.
    pub sign_in_burst: u32,
    /// The transparency log's Ed25519 key file (a hex seed); defaults to `<data_dir>/log.key`,
    /// created on first start. Share one file between processes serving one PostgreSQL.
    pub log_key_file: Option<PathBuf>,
    /// How often the log signs a new tree head at most, in milliseconds (only when it grew).
    pub log_sign_interval_ms: u64,
    /// Transparency log reads (heads, proofs, leaves) per minute and client address, after
    /// the burst.
    pub log_reads_per_minute: u32,
    /// Transparency log reads a client address may make at once.
    pub log_reads_burst: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            database_url: None,
            demo: false,
            calendar_dir: None,
            outside_coverage: OutsideCoverage::Provisional,
            token_key_file: None,
            pg_max_connections: 16,
            cached_cases: crate::engine::CACHED_CASES,
            log_format: "text".into(),
            alert_policy: projections::alerts::AlertPolicy::default(),
            notifications: crate::engine::NotifySettings::default(),
            public_lookup_per_minute: 60,
            public_lookup_burst: 20,
            public_write_per_minute: 2,
            public_write_burst: 5,
            session_hours: 12,
            session_idle_minutes: 30,
            sign_in_lockout_failures: 5,
            sign_in_lockout_minutes: 15,
            sign_in_per_minute: 10,
            sign_in_burst: 10,
            log_key_file: None,
            log_sign_interval_ms: 2_000,
            log_reads_per_minute: 600,
            log_reads_burst: 120,
        }
    }
}

/// Flag values given on the command line (only those present override).
#[derive(Debug, Default, Clone, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demo: Option<bool>,
}

impl Settings {
    /// Loads settings from defaults, `config` (or `./yangguang.toml` if present), the
    /// environment and `overrides`.
    pub fn load(config: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match config {
            Some(path) => {
                anyhow::ensure!(path.exists(), "config file {} not found", path.display());
                figment = figment.merge(Toml::file(path));
            }
            None if Path::new("yangguang.toml").exists() => {
                figment = figment.merge(Toml::file("yangguang.toml"));
            }
            None => {}
        }
        if let Ok(url) = std::env::var("DATABASE_URL") {
            figment = figment.merge(Serialized::default("database_url", url));
        }
        figment = figment
            .merge(Env::prefixed("YANGGUANG_").ignore(&[
                "config",
                "test_database_url",
                "test_smtpd_python",
            ]))
            .merge(Serialized::defaults(overrides));
        let settings: Settings = figment.extract()?;
        Ok(settings)
    }

    /// The token key file in use.
    pub fn token_key_path(&self) -> PathBuf {
        self.token_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("token.key"))
    }

    /// The transparency log's key file in use.
    pub fn log_key_path(&self) -> PathBuf {
        self.log_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("log.key"))
    }

    /// The transparency log with its key (created on first start) and limits.
    pub fn transparency_log(&self) -> anyhow::Result<crate::follow::translog::Log> {
        crate::follow::translog::Log::load_or_create(
            &self.log_key_path(),
            crate::follow::translog::LogLimits {
                sign_interval: std::time::Duration::from_millis(self.log_sign_interval_ms.max(1)),
            },
        )
    }

    /// The SQLite file in use when no PostgreSQL URL is set.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("yangguang.sqlite")
    }

    /// The working-day calendar: built-in years plus any deployment files.
    pub fn calendar(&self) -> anyhow::Result<WorkingCalendar> {
        let mut calendar = WorkingCalendar::builtin().with_outside_coverage(self.outside_coverage);
        if let Some(dir) = &self.calendar_dir {
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            files.sort();
            for file in files {
                let text = std::fs::read_to_string(&file)?;
                let year = WorkingCalendar::parse_year(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                calendar
                    .add_year(year)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            }
        }
        Ok(calendar)
    }
}

/// The web layer's limits, from the settings.
impl Default for crate::web::rate_limit::Limits {
    fn default() -> Self {
        Self::from(&Settings::default())
    }
}

impl From<&Settings> for crate::web::rate_limit::Limits {
    fn from(settings: &Settings) -> Self {
        crate::web::rate_limit::Limits {
            public_lookup_per_minute: settings.public_lookup_per_minute,
            public_lookup_burst: settings.public_lookup_burst,
            public_write_per_minute: settings.public_write_per_minute,
            public_write_burst: settings.public_write_burst,
            sign_in_per_minute: settings.sign_in_per_minute,
            sign_in_burst: settings.sign_in_burst,
            log_reads_per_minute: settings.log_reads_per_minute,
            log_reads_burst: settings.log_reads_burst,
            accounts: crate::identity::accounts::AccountPolicy {
                session_seconds: i64::from(settings.session_hours.max(1)) * 3600,
                idle_seconds: i64::from(settings.session_idle_minutes.max(1)) * 60,
                lockout_failures: i64::from(settings.sign_in_lockout_failures.max(1)),
                lockout_seconds: i64::from(settings.sign_in_lockout_minutes.max(1)) * 60,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The settings of a config file's text, or the error loading them, as printed.
    fn from_toml(text: &str) -> Result<Settings, String> {
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::string(text))
            .extract()
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_cache_of_no_cases_is_refused_when_the_settings_load() {
        assert_eq!(from_toml("cached_cases = 5").unwrap().cached_cases.get(), 5);
        let refused = from_toml("cached_cases = 0").unwrap_err();
        assert!(refused.contains("cached_cases"), "{refused}");
        assert_eq!(
            from_toml("").unwrap().cached_cases,
            crate::engine::CACHED_CASES
        );
    }
}
