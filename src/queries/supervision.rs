//! The inspectors' reads (电子监察): who is who — departments and people by name — and the
//! alert queue as one item per case (a case's alerts are one story, not a storm of rows).
use std::collections::{BTreeMap, HashMap};

use aggregates::alert::{AlertRule, AlertStatus, Severity};
use chrono::{DateTime, FixedOffset};
use projections::alert_queue::AlertDoc;
use projections::cases::CaseDoc;

use super::Reads;
use crate::engine::LoadError;

/// Names for the ids events and views carry: departments (from the catalogue, until
/// departments are records of their own), powers, and people (accounts' display names).
#[derive(Debug, Clone, Default)]
pub struct Directory {
    departments: BTreeMap<String, String>,
    powers: HashMap<String, String>,
    people: HashMap<String, String>,
}

impl Directory {
    /// The name of department `id`; the id itself only for a department the catalogue has
    /// never named.
    pub fn department<'a>(&'a self, id: &'a str) -> &'a str {
        self.departments.get(id).map_or(id, String::as_str)
    }

    /// Every department the catalogue names, by name: `(id, name)`.
    pub fn departments(&self) -> Vec<(&str, &str)> {
        let mut all: Vec<(&str, &str)> = self
            .departments
            .iter()
            .map(|(id, name)| (id.as_str(), name.as_str()))
            .collect();
        all.sort_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(b.0)));
        all
    }

    /// The name of power `code`, if the catalogue has it.
    pub fn power(&self, code: &str) -> Option<&str> {
        self.powers.get(code).map(String::as_str)
    }

    /// The display name of the person behind subject `id` (an account); the subject itself
    /// for a program's token, which names no person.
    pub fn person<'a>(&'a self, id: &'a str) -> &'a str {
        self.people.get(id).map_or(id, String::as_str)
    }
}

/// Which alerts the queue shows.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// Only alerts in this status.
    pub status: Option<AlertStatus>,
    /// Only alerts of this rule.
    pub rule: Option<AlertRule>,
    /// Only alerts of this severity.
    pub severity: Option<Severity>,
    /// Only alerts of this department.
    pub department: Option<String>,
    /// Only alerts at least this many days old.
    pub min_age_days: Option<i64>,
}

/// The alerts on one case (or one question from the public) that the filter matched.
#[derive(Debug, Clone)]
pub struct AlertGroup {
    /// The case's tracking number, or the question's id.
    pub subject: String,
    /// The department responsible.
    pub department: String,
    /// The power the case is an exercise of.
    pub power_code: String,
    /// The applicant or party as the public may see it (people masked), for cases.
    pub party: Option<String>,
    /// The matching alerts, the most serious first, then the oldest.
    pub alerts: Vec<AlertDoc>,
    /// The most serious severity among them.
    pub severity: Option<Severity>,
    /// When the first of them was raised.
    pub first_raised: Option<DateTime<FixedOffset>>,
}

impl AlertGroup {
    /// How many of the group's alerts are in `status`.
    pub fn count(&self, status: AlertStatus) -> usize {
        self.alerts
            .iter()
            .filter(|a| a.alert.status == status)
            .count()
    }
}

impl Reads<'_> {
    /// Names for departments, powers and people.
    pub async fn directory(&self) -> Result<Directory, LoadError> {
        let mut directory = Directory::default();
        for doc in self.catalogue_docs().await? {
            directory
                .departments
                .entry(doc.power.department.clone())
                .or_insert_with(|| doc.power.department_name.clone());
            directory
                .powers
                .insert(doc.power.code.clone(), doc.power.name.clone());
        }
        for (account, _) in self.repo().accounts().await? {
            directory.people.insert(account.id, account.display_name);
        }
        Ok(directory)
    }

    /// The alert queue: the alerts `filter` matches, one group per case, the most serious
    /// first and, among equals, the one waiting longest.
    pub async fn alert_queue(
        &self,
        filter: &AlertFilter,
        now: DateTime<FixedOffset>,
    ) -> Result<Vec<AlertGroup>, LoadError> {
        self.wait_for_view("alerts").await;
        let docs = self
            .repo()
            .view_docs_text("alerts", filter.department.as_deref())
            .await?;
        let mut groups: BTreeMap<String, AlertGroup> = BTreeMap::new();
        for doc in docs {
            let Ok(doc) = serde_json::from_str::<AlertDoc>(&doc) else {
                continue;
            };
            let a = &doc.alert;
            let age = a.raised_at.map(|at| (now - at).num_days()).unwrap_or(0);
            let wanted = filter.status.is_none_or(|s| s == a.status)
                && filter.rule.is_none_or(|r| Some(r) == a.rule)
                && filter.severity.is_none_or(|s| Some(s) == a.severity)
                && filter
                    .department
                    .as_deref()
                    .is_none_or(|d| d == a.department)
                && filter.min_age_days.is_none_or(|m| age >= m);
            if !wanted {
                continue;
            }
            let group = groups
                .entry(a.case_id.clone())
                .or_insert_with(|| AlertGroup {
                    subject: a.case_id.clone(),
                    department: a.department.clone(),
                    power_code: a.power_code.clone(),
                    party: None,
                    alerts: Vec::new(),
                    severity: None,
                    first_raised: None,
                });
            group.severity = group.severity.max(a.severity);
            group.first_raised = match (group.first_raised, a.raised_at) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            };
            group.alerts.push(doc);
        }
        let mut groups: Vec<AlertGroup> = groups.into_values().collect();
        self.wait_for_view("cases").await;
        for group in &mut groups {
            group.alerts.sort_by(|a, b| {
                (b.alert.severity, a.alert.raised_at).cmp(&(a.alert.severity, b.alert.raised_at))
            });
            if let Some(id) = aggregates::case::CaseId::parse(&group.subject)
                && let Some(doc) = self
                    .repo()
                    .view_doc::<CaseDoc>("cases", id.as_str())
                    .await?
            {
                group.party = doc.public.map(|p| p.applicant);
            }
        }
        groups.sort_by(|a, b| (b.severity, a.first_raised).cmp(&(a.severity, b.first_raised)));
        Ok(groups)
    }
}
