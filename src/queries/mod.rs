//! Read side: what pages and the API show. Each query says where its data comes from.
mod annual_report;
mod orders;
mod questions;
mod rectifications;
mod spot_checks;
mod statistics;
mod supervision;

use std::sync::Arc;

use aggregates::calendar::{CalendarError, DeadlineCalculation};
use aggregates::case::{Case, CaseId};
use aggregates::power::{Category, Disclosure, PowerStatus, PowerVersionContent, PublishedPower};
use chrono::NaiveDate;
use projections::cases::CaseDoc;
use projections::catalogue::{CatalogueDoc, VersionDoc};
use projections::decisions::{DecisionsProjection, PublishedDecision};
use projections::public_case::PublicCaseView;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::engine::query_code;
use crate::engine::{Engine, LoadError, PowerRecord};
use crate::store::Cursor;
pub use annual_report::{AnnualReport, Proactive, RequestRow, Unplaced};
pub use spot_checks::{Reproduction, SpotCheckView};
pub use statistics::{DepartmentStatistics, MAX_MONTHS, Month, PowerStatistics, PublicStatistics};
pub use supervision::{AlertFilter, AlertGroup, Directory};

/// A power in the catalogue with its current version's key figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct PowerSummary {
    /// Power code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Category.
    pub category: Category,
    /// Category in Chinese.
    pub category_name: &'static str,
    /// Department id.
    pub department: String,
    /// Department name.
    pub department_name: String,
    /// Status.
    pub status: String,
    /// Current version number, if any version is published.
    pub current_version: Option<u32>,
    /// Content hash of the current version.
    pub content_hash: Option<String>,
    /// 法定时限 of the current version, working days.
    pub statutory_limit_days: Option<u32>,
    /// 承诺时限 of the current version, working days.
    pub promised_limit_days: Option<u32>,
    /// 公开属性 of the current version.
    pub disclosure: Option<Disclosure>,
}

/// One version of a power in full (办事指南).
#[derive(Debug, Serialize, ToSchema)]
pub struct PowerVersionView {
    /// Power code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Category.
    pub category: Category,
    /// Category in Chinese.
    pub category_name: &'static str,
    /// Department id.
    pub department: String,
    /// Department name.
    pub department_name: String,
    /// The power's status now.
    pub status: String,
    /// This version's number.
    pub version: u32,
    /// This version's content hash.
    pub content_hash: String,
    /// Every version number published so far.
    pub versions: Vec<u32>,
    /// The content.
    pub content: PowerVersionContent,
}

/// Catalogue filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[derive(Default)]
pub struct PowerQuery {
    /// Words to find in the name or code (Chinese works).
    pub q: Option<String>,
    /// Department id.
    pub department: Option<String>,
    /// Category.
    pub category: Option<Category>,
}

fn status_name(status: PowerStatus) -> String {
    status.to_string()
}

/// The catalogue document of a power read straight from its events.
pub fn doc_of(record: &PowerRecord) -> CatalogueDoc {
    CatalogueDoc {
        power: record.power.clone(),
        versions: record
            .versions
            .iter()
            .map(|v| VersionDoc {
                version: v.version,
                content_hash: v.content_hash.clone(),
                content: v.content.clone(),
            })
            .collect(),
    }
}

/// A power's summary line.
pub fn summary(record: &CatalogueDoc) -> PowerSummary {
    let p = &record.power;
    let current = record.versions.last();
    let category = p.category.unwrap_or(Category::Other);
    PowerSummary {
        code: p.code.clone(),
        name: p.name.clone(),
        category,
        category_name: category.chinese(),
        department: p.department.clone(),
        department_name: p.department_name.clone(),
        status: status_name(p.status),
        current_version: current.map(|v| v.version),
        content_hash: current.map(|v| v.content_hash.clone()),
        statutory_limit_days: current.map(|v| v.content.statutory_limit_days),
        promised_limit_days: current.and_then(|v| v.content.promised_limit_days),
        disclosure: current.map(|v| v.content.disclosure),
    }
}

/// One version in full.
pub fn version_view(record: &CatalogueDoc, version: &VersionDoc) -> PowerVersionView {
    let category = record.power.category.unwrap_or(Category::Other);
    PowerVersionView {
        code: record.power.code.clone(),
        name: record.power.name.clone(),
        category,
        category_name: category.chinese(),
        department: record.power.department.clone(),
        department_name: record.power.department_name.clone(),
        status: status_name(record.power.status),
        version: version.version,
        content_hash: version.content_hash.clone(),
        versions: record.versions.iter().map(|v| v.version).collect(),
        content: version.content.clone(),
    }
}

/// A power version with its parsed flowchart, for pages that draw it.
pub struct PowerPage {
    /// The version as the API shows it.
    pub view: PowerVersionView,
    /// The version with its parsed flowchart.
    pub published: Arc<PublishedPower>,
}

/// A running case's due date that loading a calendar year would move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MovedDueDate {
    /// 办件编号.
    pub tracking_no: String,
    /// The power's name.
    pub power_name: String,
    /// The department handling it.
    pub department: String,
    /// `statutory` (法定时限) or `promised` (承诺时限).
    pub limit: &'static str,
    /// The due date now (`None` when it cannot be computed, or the clock is paused).
    pub before: Option<NaiveDate>,
    /// The due date with the year loaded.
    pub after: Option<NaiveDate>,
    /// How far it moves, in calendar days (later is positive).
    pub calendar_days: Option<i64>,
}

/// An open case on an officer's worklist (办件清单).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorklistItem {
    /// Case id (= tracking number).
    pub id: String,
    /// Power code.
    pub power_code: String,
    /// Power name.
    pub power_name: String,
    /// The party's name (officers see it in full).
    pub party_name: String,
    /// Status.
    pub status: aggregates::case::CaseStatus,
    /// Current step name.
    pub current_step: String,
    /// When received.
    pub received_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Due date of the statutory limit (None while paused or if it cannot be computed).
    pub statutory_due: Option<NaiveDate>,
    /// Due date of the promised limit.
    pub promised_due: Option<NaiveDate>,
    /// The years without their State Council notice that a due date above rests on (预计:
    /// it may move when they are loaded); empty when both are official.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub provisional_years: Vec<i32>,
    /// Working days left of the nearest limit (promised if set, else statutory).
    pub remaining_days: Option<i64>,
    /// Whether any limit is passed (红牌).
    pub overdue: bool,
    /// Whether a running limit has reached the jurisdiction's yellow-card threshold
    /// (`[alert_policy.yellow]`, by default 80 % of its working days used) without being
    /// passed (黄牌).
    pub yellow_card: bool,
    /// Case version.
    pub version: u64,
    /// An online application (网上申请) waiting at its start step for acceptance: listed first.
    pub awaiting_acceptance: bool,
}

/// Worklist filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WorklistQuery {
    /// Only cases of this power.
    pub power: Option<String>,
    /// Only cases in this status (`open`, `paused`, `concluded`, `withdrawn`); default: open
    /// and paused.
    pub status: Option<aggregates::case::CaseStatus>,
}

/// Reads that need no view: the calendar and the limits it gives.
impl Engine {
    /// The running cases whose due dates `candidate` (the calendar a year to load would make)
    /// moves, and by how much (导入预览): read from the `cases` view a page at a time.
    pub async fn calendar_preview(
        &self,
        candidate: &aggregates::calendar::WorkingCalendar,
    ) -> Result<Vec<MovedDueDate>, LoadError> {
        use aggregates::case::CaseStatus;
        let current = self.calendar();
        let now = self.now();
        let mut moved = Vec::new();
        let mut after = String::new();
        loop {
            let page = self.repo().view_docs_page("cases", &after, 1_000).await?;
            let Some((last, _)) = page.last() else { break };
            after.clone_from(last);
            for (_, text) in &page {
                let Ok(doc) = serde_json::from_str::<CaseDoc>(text) else {
                    continue;
                };
                let case = &doc.case;
                if !matches!(case.status, CaseStatus::Open | CaseStatus::Paused) {
                    continue;
                }
                let Some(power) = self
                    .catalogue()
                    .version_of(&case.power_code, case.power_version)
                    .await?
                else {
                    continue;
                };
                let before = case.times(&power.flowchart, &current, now).ok();
                let after_times = case.times(&power.flowchart, candidate, now).ok();
                let pairs = [
                    (
                        "statutory",
                        before.as_ref().and_then(|t| t.statutory.due),
                        after_times.as_ref().and_then(|t| t.statutory.due),
                    ),
                    (
                        "promised",
                        before.as_ref().and_then(|t| t.promised.as_ref()?.due),
                        after_times.as_ref().and_then(|t| t.promised.as_ref()?.due),
                    ),
                ];
                for (limit, was, will) in pairs {
                    if was != will {
                        moved.push(MovedDueDate {
                            tracking_no: case.tracking_no.clone(),
                            power_name: case.power_name.clone(),
                            department: case.department.clone(),
                            limit,
                            before: was,
                            after: will,
                            calendar_days: was.zip(will).map(|(a, b)| (b - a).num_days()),
                        });
                    }
                }
            }
            tokio::task::yield_now().await;
        }
        Ok(moved)
    }

    /// The years whose dates are provisional and should be loaded now: this year if it is,
    /// and from 1 November next year if it is (the notice usually appears in November or
    /// December). Administrators' console and `/healthz` warn about them.
    pub fn provisional_warning(&self) -> Vec<i32> {
        use chrono::Datelike;
        let today = aggregates::case::china_date(self.now());
        let calendar = self.calendar();
        let mut years = Vec::new();
        if calendar.is_provisional(today.year()) {
            years.push(today.year());
        }
        if today.month() >= 11 && calendar.is_provisional(today.year() + 1) {
            years.push(today.year() + 1);
        }
        years
    }

    /// The case's limits now, if its power version and the calendar allow computing them.
    pub async fn case_times(
        &self,
        case: &Case,
    ) -> Result<Option<aggregates::case::CaseTimes>, LoadError> {
        Ok(self
            .catalogue()
            .version_of(&case.power_code, case.power_version)
            .await?
            .and_then(|p| case.times(&p.flowchart, &self.calendar(), self.now()).ok()))
    }

    /// The due date of `days` working days counted from `start`, with every day explained.
    pub fn deadline(
        &self,
        start: NaiveDate,
        days: u32,
    ) -> Result<DeadlineCalculation, CalendarError> {
        self.calendar().add_working_days(start, days, &[])
    }
}

/// Reads from the views that see at least a position (read-your-writes across servers).
///
/// Every view read waits (bounded) until the view has applied what this process wrote and
/// what the caller asked to have seen (`after`: the API's `Yangguang-Min-Position`, given by
/// the web layer as an argument; pages pass [`Cursor::default`]). Everything else of the
/// engine is reachable through it.
pub struct Reads<'a> {
    engine: &'a Engine,
    after: Cursor,
}

impl Engine {
    /// The view reads of a request that has seen `after`.
    pub fn reads(&self, after: Cursor) -> Reads<'_> {
        Reads {
            engine: self,
            after,
        }
    }

    /// The view reads of a request that names no position (a page: browsers send none):
    /// they see what this process wrote.
    pub fn reads_own(&self) -> Reads<'_> {
        self.reads(Cursor::default())
    }
}

impl std::ops::Deref for Reads<'_> {
    type Target = Engine;

    fn deref(&self) -> &Engine {
        self.engine
    }
}

impl Reads<'_> {
    /// Waits (bounded) until view `name` has what these reads must see.
    pub async fn wait_for_view(&self, name: &str) -> bool {
        self.engine.wait_for_view(name, self.after).await
    }
}

impl Reads<'_> {
    /// Every power in the catalogue view, in code order.
    async fn catalogue_docs(&self) -> Result<Vec<CatalogueDoc>, LoadError> {
        self.wait_for_view("catalogue").await;
        Ok(self.repo().view_docs("catalogue", None).await?)
    }

    /// The catalogue, filtered (words match code, name and department, Chinese included).
    /// Read from the `catalogue` view.
    pub async fn list_powers(&self, query: &PowerQuery) -> Result<Vec<PowerSummary>, LoadError> {
        let words: Vec<String> = query
            .q
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        Ok(self
            .catalogue_docs()
            .await?
            .iter()
            .map(summary)
            .filter(|p| {
                query
                    .department
                    .as_deref()
                    .is_none_or(|d| d == p.department)
            })
            .filter(|p| query.category.is_none_or(|c| c == p.category))
            .filter(|p| {
                let haystack =
                    format!("{} {} {}", p.code, p.name, p.department_name).to_lowercase();
                words.iter().all(|w| haystack.contains(w.as_str()))
            })
            .collect())
    }

    /// One version of a power (the current one when `version` is `None`), from the
    /// `catalogue` view; the parsed flowchart comes from the version cache.
    pub async fn power_page(
        &self,
        code: &str,
        version: Option<u32>,
    ) -> Result<Option<PowerPage>, LoadError> {
        self.wait_for_view("catalogue").await;
        let Some(doc) = self
            .repo()
            .view_doc::<CatalogueDoc>("catalogue", code)
            .await?
        else {
            return Ok(None);
        };
        let chosen = match version {
            None => doc.versions.last(),
            Some(n) => doc.versions.iter().find(|v| v.version == n),
        };
        let Some(chosen) = chosen else {
            return Ok(None);
        };
        let Some(published) = self.catalogue().version_of(code, chosen.version).await? else {
            return Ok(None);
        };
        Ok(Some(PowerPage {
            view: version_view(&doc, chosen),
            published,
        }))
    }

    /// The public status of a case, if the number and code match (same `None` otherwise).
    /// Read from the `cases` view; the time figures are computed for today.
    pub async fn public_case(
        &self,
        tracking_no: &str,
        code: &str,
    ) -> Result<Option<PublicCaseView>, LoadError> {
        let Some(doc) = self.verified_case(tracking_no, code).await? else {
            return Ok(None);
        };
        let times = self.case_times(&doc.case).await?;
        Ok(doc.public.map(|mut v| {
            v.with_times(times.as_ref());
            v
        }))
    }

    /// The case document of `tracking_no` if `code` is its query code; `None` alike for an
    /// unknown number and a wrong code, with the same work spent on both.
    pub async fn verified_case(
        &self,
        tracking_no: &str,
        code: &str,
    ) -> Result<Option<CaseDoc>, LoadError> {
        if tracking_no.len() > 64 || code.len() > 64 {
            return Ok(None);
        }
        self.wait_for_view("cases").await;
        let Some(doc) = self
            .repo()
            .view_doc::<CaseDoc>("cases", tracking_no)
            .await?
        else {
            // Spend the same work as a real check so timing does not tell numbers apart.
            let _ = query_code::verify(code, "00", "00");
            return Ok(None);
        };
        if !query_code::verify(code, &doc.case.query_code_salt, &doc.case.query_code_hash) {
            return Ok(None);
        }
        Ok(Some(doc))
    }

    /// Published penalty decisions (of one department, or all), newest first; withdrawn ones
    /// only when `withdrawn` is set.
    pub async fn published_decisions(
        &self,
        department: Option<&str>,
        withdrawn: bool,
    ) -> Result<Vec<PublishedDecision>, LoadError> {
        self.wait_for_view("decisions").await;
        let mut out: Vec<PublishedDecision> = self
            .repo()
            .view_docs_text("decisions", department)
            .await?
            .iter()
            .filter_map(|d| DecisionsProjection::published(d))
            .filter(|d| withdrawn || d.withdrawn.is_none())
            .collect();
        out.sort_by(|a, b| {
            (b.decided_on, b.published_at, &b.id).cmp(&(a.decided_on, a.published_at, &a.id))
        });
        Ok(out)
    }

    /// One published decision by its public id (withdrawn ones too: their page says so).
    pub async fn published_decision(
        &self,
        id: &str,
    ) -> Result<Option<PublishedDecision>, LoadError> {
        if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        self.wait_for_view("decisions").await;
        Ok(self
            .repo()
            .view_doc_text("decisions", id)
            .await?
            .and_then(|d| DecisionsProjection::published(&d)))
    }

    /// Cases of a department, nearest deadline first.
    pub async fn worklist(
        &self,
        department: &str,
        query: &WorklistQuery,
    ) -> Result<Vec<WorklistItem>, LoadError> {
        use aggregates::case::CaseStatus;
        self.wait_for_view("cases").await;
        let mut items = Vec::new();
        // The cases in hand, or the ended ones when asked for by status.
        let part = projections::cases::department_part(
            department,
            query.status.unwrap_or(CaseStatus::Open),
        );
        for CaseDoc { case, .. } in self.repo().view_docs("cases", Some(&part)).await? {
            if query.power.as_deref().is_some_and(|p| p != case.power_code) {
                continue;
            }
            let wanted = match query.status {
                Some(s) => case.status == s,
                None => matches!(case.status, CaseStatus::Open | CaseStatus::Paused),
            };
            if !wanted {
                continue;
            }
            let times = self.case_times(&case).await?;
            let awaiting_acceptance = case.status == CaseStatus::Open
                && case.channel == Some(aggregates::case::Channel::Online)
                && self
                    .catalogue()
                    .version_of(&case.power_code, case.power_version)
                    .await?
                    .is_some_and(|p| p.flowchart.start().id == case.current_step);
            let nearest = times
                .as_ref()
                .map(|t| t.promised.as_ref().unwrap_or(&t.statutory));
            items.push(WorklistItem {
                id: case.tracking_no.clone(),
                power_code: case.power_code.clone(),
                power_name: case.power_name.clone(),
                party_name: case
                    .party
                    .as_ref()
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                status: case.status,
                current_step: case.current_step_name.clone(),
                received_at: case.received_at,
                statutory_due: times.as_ref().and_then(|t| t.statutory.due),
                promised_due: times
                    .as_ref()
                    .and_then(|t| t.promised.as_ref().and_then(|p| p.due)),
                provisional_years: times
                    .as_ref()
                    .map(|t| {
                        let mut years: Vec<i32> = t
                            .statutory
                            .provisional_years
                            .iter()
                            .chain(t.promised.iter().flat_map(|p| p.provisional_years.iter()))
                            .copied()
                            .collect();
                        years.sort_unstable();
                        years.dedup();
                        years
                    })
                    .unwrap_or_default(),
                remaining_days: nearest.map(|l| l.remaining_days),
                overdue: times.as_ref().is_some_and(|t| {
                    t.statutory.overdue || t.promised.as_ref().is_some_and(|p| p.overdue)
                }),
                yellow_card: times.as_ref().is_some_and(|t| {
                    let yellow = self.alert_policy().yellow;
                    let reached =
                        |l: &aggregates::case::LimitStatus| !l.overdue && yellow.reached(l);
                    matches!(case.status, CaseStatus::Open | CaseStatus::Paused)
                        && (reached(&t.statutory) || t.promised.as_ref().is_some_and(reached))
                }),
                version: case.version,
                awaiting_acceptance,
            });
        }
        items.sort_by_key(|i| {
            (
                !i.awaiting_acceptance,
                i.remaining_days.unwrap_or(i64::MAX),
                i.received_at,
            )
        });
        Ok(items)
    }
}

/// Everything an inspector's case file shows (卷宗): the case, its events, the public's
/// feedback, its alerts, the steps it went through and who read its personal data before.
pub struct CaseFile {
    /// The case's state.
    pub case: Case,
    /// Its stored events, in order.
    pub events: Vec<crate::store::StoredEvent>,
    /// Its feedback events (complaints with their text, the rating).
    pub feedback: Vec<crate::store::StoredEvent>,
    /// Alerts on the case.
    pub alerts: Vec<projections::alert_queue::AlertDoc>,
    /// Step ids the case has been at, in order (the start step first).
    pub path: Vec<String>,
    /// Recorded reads of its personal data (a read recorded before loading is included).
    pub reads: Vec<projections::data_reads::DataRead>,
}

/// Why a case file was not opened.
#[derive(Debug, thiserror::Error)]
pub enum CaseFileError {
    /// No case has this id (or the id cannot be one).
    #[error("no such case")]
    NotFound,
    /// The read could not be recorded, so nothing was loaded.
    #[error("recording the read: {0}")]
    Recording(#[from] cqrs_es::AggregateError<aggregates::access::DataAccessError>),
    /// The case could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
}

impl Reads<'_> {
    /// Opens the file of case `id` for `reader`: checks the case exists, records the read of its
    /// personal data (first: a file that was sent is always in the record, even if sending
    /// fails afterwards), then loads it. Every view of a case file goes through here.
    pub async fn open_case_file(
        &self,
        reader: aggregates::Actor,
        id: &CaseId,
        purpose: &str,
        meta: crate::engine::CommandMeta,
    ) -> Result<CaseFile, CaseFileError> {
        if self.load_case(id).await?.is_none() {
            return Err(CaseFileError::NotFound);
        }
        self.record_personal_data_read(reader, id, purpose, meta)
            .await?;
        self.case_file(id).await?.ok_or(CaseFileError::NotFound)
    }

    /// The case file of `id`, if the case exists.
    pub async fn case_file(&self, id: &CaseId) -> Result<Option<CaseFile>, LoadError> {
        use aggregates::case::CaseEvent;
        let Some((case, events)) = self.load_case(id).await? else {
            return Ok(None);
        };
        let feedback = self
            .repo()
            .aggregate_events(
                <aggregates::feedback::Feedback as cqrs_es::Aggregate>::TYPE,
                id,
            )
            .await?;
        self.wait_for_view("alerts").await;
        let alerts = self
            .repo()
            .view_docs_text("alerts", Some(&case.department))
            .await?
            .iter()
            .filter_map(|d| serde_json::from_str::<projections::alert_queue::AlertDoc>(d).ok())
            .filter(|d| d.alert.case_id == id.as_str())
            .collect();
        let mut path = Vec::new();
        for e in &events {
            match serde_json::from_value::<CaseEvent>(e.payload.clone()) {
                Ok(CaseEvent::CaseOpened { start_step, .. }) => path.push(start_step),
                Ok(CaseEvent::StepCompleted { to, .. }) => path.push(to),
                _ => {}
            }
        }
        self.wait_for_view("data_reads").await;
        let reads = self
            .repo()
            .view_doc::<projections::data_reads::DataReadsDoc>("data_reads", id)
            .await?
            .map(|d| d.reads)
            .unwrap_or_default();
        Ok(Some(CaseFile {
            case,
            events,
            feedback,
            alerts,
            path,
            reads,
        }))
    }

    /// The scorecards of every department for `from..=to` (dates in China).
    pub async fn scorecards(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<projections::scorecard::ScorecardRow>, LoadError> {
        use aggregates::case::{CaseStatus, china_date};
        use projections::scorecard::{AlertFacts, CaseFacts, scorecards};
        self.wait_for_view("cases").await;
        self.wait_for_view("alerts").await;
        let mut cases = Vec::new();
        for CaseDoc { case, .. } in self.repo().view_docs("cases", None).await? {
            let Some(received_at) = case.received_at else {
                continue;
            };
            let concluded = (case.status == CaseStatus::Concluded)
                .then_some(case.closed_at)
                .flatten();
            let mut on_time = None;
            let mut used_days = None;
            if let Some(closed_at) = concluded
                && let Ok(used) = case.used_working_days(&self.calendar(), china_date(closed_at))
            {
                on_time = Some(case.within_statutory_limit(used));
                used_days = Some(used);
            }
            let (position, deviation) = match &case.penalty {
                Some(p) if concluded.is_some() => {
                    let position = p.band_position_permille();
                    (position, p.check.deviation)
                }
                _ => (None, false),
            };
            cases.push(CaseFacts {
                case_id: case.tracking_no.clone(),
                department: case.department.clone(),
                received_on: china_date(received_at),
                concluded_on: concluded.map(china_date),
                on_time,
                used_days,
                band_position_permille: position,
                discretion_deviation: deviation,
            });
        }
        let alerts: Vec<AlertFacts> = self
            .repo()
            .view_docs_text("alerts", None)
            .await?
            .iter()
            .filter_map(|d| serde_json::from_str::<projections::alert_queue::AlertDoc>(d).ok())
            .filter_map(|d| {
                Some(AlertFacts {
                    case_id: d.alert.case_id.clone(),
                    rule: d.alert.rule?,
                    finding: d.alert.resolution.as_ref().map(|r| r.finding),
                })
            })
            .collect();
        let names = self.directory().await?;
        let mut rows = scorecards(&cases, &alerts, from, to);
        for row in &mut rows {
            row.department_name = names.department(&row.department).to_string();
        }
        Ok(rows)
    }
}

/// A copy of a result document, checked (文书核验).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentCheck {
    /// Whether the file is, byte for byte, the document issued under that tracking number.
    pub authentic: bool,
    /// SHA-256 of the file checked, lower-case hex.
    pub sha256: String,
    /// What the document is, when authentic (never who it was issued to).
    pub document: Option<CheckedDocument>,
}

/// What an authentic document is.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckedDocument {
    /// The tracking number it was issued under.
    pub tracking_no: String,
    /// Its title, e.g. 准予行政许可决定书.
    pub title: String,
    /// The power.
    pub power_name: String,
    /// The issuing authority.
    pub department_name: String,
    /// The decision (办理结果).
    pub result: Option<String>,
    /// When it was issued.
    pub issued_at: chrono::DateTime<chrono::FixedOffset>,
}

impl Reads<'_> {
    /// Checks a file against the document issued under `tracking_no`: authentic only if its
    /// hash is the one recorded. An unknown number and a different file give the same answer.
    pub async fn check_document(
        &self,
        tracking_no: &str,
        sha256: &str,
    ) -> Result<DocumentCheck, LoadError> {
        let not = DocumentCheck {
            authentic: false,
            sha256: sha256.to_string(),
            document: None,
        };
        if tracking_no.len() > 64 {
            return Ok(not);
        }
        self.wait_for_view("cases").await;
        let Some(doc) = self
            .repo()
            .view_doc::<CaseDoc>("cases", tracking_no)
            .await?
        else {
            return Ok(not);
        };
        let Some(issued) = doc
            .case
            .result_document
            .as_ref()
            .filter(|d| d.sha256 == sha256)
        else {
            return Ok(not);
        };
        let department_name = self
            .catalogue()
            .version_of(&doc.case.power_code, doc.case.power_version)
            .await?
            .map(|p| p.department_name.clone())
            .unwrap_or_else(|| doc.case.department.clone());
        Ok(DocumentCheck {
            authentic: true,
            sha256: sha256.to_string(),
            document: Some(CheckedDocument {
                tracking_no: doc.case.tracking_no.clone(),
                title: issued.title.clone(),
                power_name: doc.case.power_name.clone(),
                department_name,
                result: doc.case.result.clone(),
                issued_at: issued.issued_at,
            }),
        })
    }

    /// The result document of the case `tracking_no` if `code` is its query code: `None` for
    /// no such case (or a wrong code), `Some(None)` while it has no document, else the record
    /// and the PDF's bytes.
    pub async fn result_document_file(
        &self,
        tracking_no: &str,
        code: &str,
    ) -> Result<Option<Option<(aggregates::case::ResultDocument, Vec<u8>)>>, LoadError> {
        let Some(doc) = self.verified_case(tracking_no, code).await? else {
            return Ok(None);
        };
        let Some(issued) = doc.case.result_document else {
            return Ok(Some(None));
        };
        Ok(Some(
            self.repo()
                .material(&issued.sha256)
                .await?
                .map(|file| (issued, file.content)),
        ))
    }
}
