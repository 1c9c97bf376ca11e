//! Catalogue files (职权目录 as YAML): import, export, and the demo catalogue.
use aggregates::power::{Category, Power, PowerCommand, PowerError, PowerVersionContent};
use aggregates::{Actor, Role};
use serde::{Deserialize, Serialize};

use crate::engine::{CommandMeta, Engine};

/// The demo catalogue shipped with the binary (see `demo/catalogue.yaml` for its sources).
pub const DEMO_CATALOGUE: &str = include_str!("../../demo/catalogue.yaml");

/// A catalogue file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFile {
    /// The powers.
    pub powers: Vec<PowerEntry>,
}

/// One power and the version to publish.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerEntry {
    /// Power code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Category.
    pub category: Category,
    /// Department id.
    pub department: String,
    /// Department name.
    pub department_name: String,
    /// The content of its current version.
    pub version: PowerVersionContent,
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Powers newly registered.
    pub registered: usize,
    /// Versions newly published.
    pub published: usize,
    /// Powers whose current version already had this content.
    pub unchanged: usize,
}

/// Why an import was refused. Nothing is written when any entry is invalid.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The YAML does not parse or has unknown fields.
    #[error("the catalogue file is malformed: {0}")]
    Malformed(String),
    /// Entries are invalid.
    #[error("the catalogue has {} problem(s):\n{}", .0.len(), .0.join("\n"))]
    Invalid(Vec<String>),
    /// A command failed.
    #[error("importing {code} failed: {message}")]
    Command {
        /// The power.
        code: String,
        /// What went wrong.
        message: String,
    },
}

/// The longest power and department name, in characters (as `RegisterPower` checks them).
const MAX_NAME_CHARS: usize = 100;

/// Parses a catalogue file and checks every entry, reporting every problem at once.
pub fn parse(text: &str) -> Result<CatalogueFile, ImportError> {
    // Deep flow nesting would make the YAML scanner take quadratic time.
    aggregates::yaml::check(text).map_err(ImportError::Malformed)?;
    let file: CatalogueFile =
        serde_norway::from_str(text).map_err(|e| ImportError::Malformed(e.to_string()))?;
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for entry in &file.powers {
        if !seen.insert(entry.code.as_str()) {
            problems.push(format!("{}: listed twice", entry.code));
        }
        if !aggregates::power::is_valid_power_code(&entry.code) {
            problems.push(format!("{}: invalid power code", entry.code));
        }
        if !aggregates::power::is_valid_department_id(&entry.department) {
            problems.push(format!(
                "{}: invalid department id {:?}",
                entry.code, entry.department
            ));
        }
        // The checks RegisterPower makes, so that an import never stops half-way on them.
        for (field, value) in [
            ("name", &entry.name),
            ("department_name", &entry.department_name),
        ] {
            let value = value.trim();
            if value.is_empty() {
                problems.push(format!("{}: {field} must not be empty", entry.code));
            } else if value.chars().count() > MAX_NAME_CHARS || value.chars().any(char::is_control)
            {
                problems.push(format!(
                    "{}: {field} must be at most {MAX_NAME_CHARS} characters, without control \
                     characters",
                    entry.code
                ));
            }
        }
        if let Err(found) = entry.version.validate_new() {
            for p in found {
                let step = p.step.map(|s| format!(" (step {s})")).unwrap_or_default();
                problems.push(format!(
                    "{}: {} {}{}: {}",
                    entry.code, p.code, p.field, step, p.message
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(file)
    } else {
        Err(ImportError::Invalid(problems))
    }
}

/// Registers each power and publishes its version. Importing the same file twice changes
/// nothing the second time.
pub async fn import(
    engine: &Engine,
    file: &CatalogueFile,
    actor_id: &str,
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport::default();
    for entry in &file.powers {
        let actor = Actor {
            id: actor_id.to_string(),
            role: Role::Admin,
            department: Some(entry.department.clone()),
        };
        let meta = || CommandMeta {
            actor: actor_id.to_string(),
            role: Role::Admin.as_str().into(),
            department: Some(entry.department.clone()),
            request_id: format!("import-{}", uuid::Uuid::now_v7()),
        };
        let fail = |e: String| ImportError::Command {
            code: entry.code.clone(),
            message: e,
        };
        let registered =
            execute_power(engine, &entry.code, &meta, || PowerCommand::RegisterPower {
                actor: actor.clone(),
                code: entry.code.clone(),
                name: entry.name.clone(),
                category: entry.category,
                department: entry.department.clone(),
                department_name: entry.department_name.clone(),
            })
            .await
            .map_err(|e| fail(e.to_string()))?;
        if !registered.is_empty() {
            report.registered += 1;
        }
        let published = execute_power(engine, &entry.code, &meta, || {
            PowerCommand::PublishPowerVersion {
                actor: actor.clone(),
                content: Box::new(entry.version.clone()),
            }
        })
        .await
        .map_err(|e| fail(e.to_string()))?;
        if published.is_empty() {
            report.unchanged += 1;
        } else {
            report.published += 1;
        }
    }
    Ok(report)
}

/// Runs a power command, again after a concurrent write to the same power: another process
/// importing the same file at the same moment (several servers started together with
/// `--demo`). The next run sees what the other wrote, and registering the same power or
/// publishing the same content again is a no-op, so both imports succeed.
async fn execute_power(
    engine: &Engine,
    code: &str,
    meta: &dyn Fn() -> CommandMeta,
    command: impl Fn() -> PowerCommand,
) -> Result<Vec<cqrs_es::EventEnvelope<Power>>, cqrs_es::AggregateError<PowerError>> {
    let mut conflicts = 0;
    loop {
        match engine.execute_power(code, command(), meta()).await {
            Err(cqrs_es::AggregateError::AggregateConflict) if conflicts < 5 => conflicts += 1,
            done => return done,
        }
    }
}

/// The current version of every power as a catalogue file.
pub async fn export(engine: &Engine) -> anyhow::Result<CatalogueFile> {
    let mut powers = Vec::new();
    for record in engine.catalogue().all().await? {
        if let Some(current) = record.versions.last() {
            powers.push(PowerEntry {
                code: record.power.code.clone(),
                name: record.power.name.clone(),
                category: record.power.category.unwrap_or(Category::Other),
                department: record.power.department.clone(),
                department_name: record.power.department_name.clone(),
                version: current.content.clone(),
            });
        }
    }
    Ok(CatalogueFile { powers })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An alias repeats what its anchor names: 2,500 of them over one large string took a
    /// server to 1.24 GB. Refused before parsing, whatever the rest of the file.
    #[test]
    fn yaml_aliases_are_refused_before_parsing() {
        let bomb = format!(
            "big: &b \"{}\"\npowers: [{}]\n",
            "x".repeat(100_000),
            vec!["*b"; 2_500].join(", ")
        );
        match parse(&bomb) {
            Err(ImportError::Malformed(message)) => {
                assert!(message.contains("aliases"), "{message}")
            }
            other => panic!("{:?}", other.err()),
        }
        let calendar = aggregates::calendar::WorkingCalendar::parse_year(&bomb);
        assert!(
            matches!(calendar, Err(aggregates::calendar::CalendarError::Malformed(m)) if m.contains("aliases"))
        );
    }

    #[test]
    fn the_demo_catalogue_is_valid_and_has_the_required_powers() {
        let file = parse(DEMO_CATALOGUE).expect("demo catalogue must validate");
        assert!(file.powers.len() >= 5);
        let names: Vec<&str> = file.powers.iter().map(|p| p.name.as_str()).collect();
        assert!(names.iter().any(|n| n.contains("食品经营许可")));
        let penalty = file
            .powers
            .iter()
            .find(|p| p.category == Category::Penalty)
            .expect("a penalty power");
        assert!(
            penalty.version.discretion.is_some(),
            "penalty carries its discretion standard"
        );
        assert!(
            penalty
                .version
                .legal_basis
                .iter()
                .any(|b| b.article.contains("第一百二十二条"))
        );
        let licence = file
            .powers
            .iter()
            .find(|p| p.name == "食品经营许可")
            .unwrap();
        let promised = licence
            .version
            .promised_limit_days
            .expect("a promised limit");
        assert!(promised < licence.version.statutory_limit_days);
        assert!(
            licence
                .version
                .flowchart
                .steps
                .iter()
                .any(|s| s.pauses_clock),
            "the licence has a 补正 step that pauses the clock"
        );
    }

    #[test]
    fn every_problem_of_a_bad_file_is_reported() {
        let mut file = parse(DEMO_CATALOGUE).unwrap();
        file.powers[0].version.statutory_limit_days = 0;
        file.powers[0].version.flowchart.transitions.clear();
        file.powers[1].code = file.powers[0].code.clone();
        let text = serde_norway::to_string(&file).unwrap();
        let Err(ImportError::Invalid(problems)) = parse(&text) else {
            panic!("must be refused");
        };
        assert!(problems.iter().any(|p| p.contains("listed twice")));
        assert!(problems.iter().any(|p| p.contains("statutory_limit_days")));
        assert!(problems.iter().any(|p| p.contains("unreachable_step")));
    }

    #[test]
    fn names_the_aggregate_would_refuse_are_refused_before_anything_is_written() {
        let mut file = parse(DEMO_CATALOGUE).unwrap();
        file.powers[1].name = " ".into();
        file.powers[2].department_name = "浦".repeat(101);
        file.powers[3].name = "a\u{7}b".into();
        let text = serde_norway::to_string(&file).unwrap();
        let Err(ImportError::Invalid(problems)) = parse(&text) else {
            panic!("must be refused");
        };
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("name must not be empty"));
        assert!(problems[1].contains("department_name must be at most 100 characters"));
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_the_yaml_scanner_runs() {
        let text = format!("powers: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let started = std::time::Instant::now();
        assert!(matches!(parse(&text), Err(ImportError::Malformed(m)) if m.contains("256")));
        // The YAML scanner alone takes ~18 s on this in release.
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = parse("powers: []\nextra: 1\n").unwrap_err();
        assert!(matches!(err, ImportError::Malformed(_)));
    }
}
