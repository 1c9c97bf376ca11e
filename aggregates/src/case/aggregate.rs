use crate::money::Fen;
use crate::text::{Bounded, TextProblem};
use chrono::{DateTime, Duration, FixedOffset};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};

use super::{
    AllowedOutcome, CaseCommand, CaseError, CaseEvent, CaseServices, Contact, MAX_MATERIAL_FILES,
    MAX_SUPPLEMENT_ITEMS, MitigationApproval, OpenSupplement, ResultDocument, SubmittedMaterial,
    SupplementItem, is_sha256_hex,
};
use crate::discretion::{DiscretionCheck, DiscretionStandard, PenaltyDecisionInput};
use crate::flowchart::Flowchart;
use crate::party::Party;
use crate::power::{Category, PowerStatus, PublishedPower};
use crate::{Actor, Role};

/// Where a case stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Not yet opened (no events).
    #[default]
    New,
    /// 办理中.
    Open,
    /// 暂停计时.
    Paused,
    /// 已办结.
    Concluded,
    /// 已撤回/终止.
    Withdrawn,
}

impl std::fmt::Display for CaseStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CaseStatus::New => "new",
            CaseStatus::Open => "open",
            CaseStatus::Paused => "paused",
            CaseStatus::Concluded => "concluded",
            CaseStatus::Withdrawn => "withdrawn",
        })
    }
}

/// A span during which the case clock stood still.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// Since when.
    pub from: DateTime<FixedOffset>,
    /// Until when; `None` while it lasts.
    pub until: Option<DateTime<FixedOffset>>,
    /// Why.
    pub reason: String,
    /// The pausing step that caused it, if not manual.
    pub step: Option<String>,
}

/// Who completed which step, for the separation-of-duties rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step completed.
    pub step: String,
    /// Who (subject id).
    pub by: String,
}

/// The penalty decision a case recorded last (行政处罚决定), with its discretion check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PenaltyDecision {
    /// The band chosen.
    pub band: Option<String>,
    /// The base amount, in fen.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub base_amount_fen: Option<Fen>,
    /// The fine, in fen.
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub amount_fen: Fen,
    /// Ids of the circumstances found.
    pub circumstances: Vec<String>,
    /// Ids of the 减轻 or 不予处罚 grounds relied on.
    pub grounds: Vec<String>,
    /// The reasons given.
    pub justification: String,
    /// The check against the discretion standard, as recorded.
    pub check: DiscretionCheck,
    /// When decided.
    pub at: DateTime<FixedOffset>,
    /// Who recorded it (subject id).
    pub by: String,
    /// The 减轻 approval, if one was given.
    #[serde(default)]
    pub approval: Option<MitigationApproval>,
    /// Whether the decision was revoked (撤销) after conclusion.
    #[serde(default)]
    pub revoked: Option<Revocation>,
}

impl PenaltyDecision {
    /// Where an in-band fine sits in its band, in per mille of the band's width above its
    /// minimum; `None` outside a band (or for a band of no width).
    pub fn band_position_permille(&self) -> Option<u32> {
        let r = self.check.band_range.as_ref()?;
        if self.check.verdict != crate::discretion::Verdict::InBand || r.max_fen <= r.min_fen {
            return None;
        }
        let (min, max) = (r.min_fen.get(), r.max_fen.get());
        let offset = self.amount_fen.get().clamp(min, max) - min;
        u32::try_from(u128::from(offset) * 1000 / u128::from(max - min)).ok()
    }
}

/// A revoked decision: why and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revocation {
    /// Why.
    pub reason: String,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// A published penalty decision (行政处罚决定公开).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Publication {
    /// 决定书文号.
    pub document_no: String,
    /// 主要违法事实.
    pub violation: String,
    /// 处罚内容.
    pub penalty: String,
    /// 作出决定的机关.
    pub authority: String,
    /// When the decision was made.
    pub decided_at: DateTime<FixedOffset>,
    /// When published.
    pub at: DateTime<FixedOffset>,
}

/// A fee charged on a case (收费记录).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeeRecord {
    /// The fee item's name.
    pub item: String,
    /// The amount charged, in fen.
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub amount_fen: Fen,
    /// What the pinned version publishes for the item, in fen (`None`: not listed).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u64>))]
    pub standard_fen: Option<Fen>,
    /// When charged.
    pub at: DateTime<FixedOffset>,
    /// Who recorded it (subject id).
    pub by: String,
    /// Note.
    pub note: Option<String>,
}

/// Largest fee one record may hold, in fen (10 million yuan): beyond any fee schedule, small
/// enough that sums cannot overflow.
const MAX_FEE: Fen = Fen(1_000_000_000);

/// A case (办件). Its id is its tracking number.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// Tracking number.
    pub tracking_no: String,
    /// Number of events applied: the version a command must name.
    pub version: u64,
    /// Status.
    pub status: CaseStatus,
    /// Power code.
    pub power_code: String,
    /// Pinned version.
    pub power_version: u32,
    /// Pinned content hash.
    pub content_hash: String,
    /// Power name.
    pub power_name: String,
    /// Department id.
    pub department: String,
    /// The party.
    pub party: Option<Party>,
    /// When received.
    pub received_at: Option<DateTime<FixedOffset>>,
    /// Current step id.
    pub current_step: String,
    /// Current step name.
    pub current_step_name: String,
    /// When the case entered its current step.
    pub entered_step_at: Option<DateTime<FixedOffset>>,
    /// Time of the latest event (steps may not be dated before it).
    pub last_at: Option<DateTime<FixedOffset>>,
    /// Every pause, oldest first; the last may be open.
    pub pauses: Vec<Pause>,
    /// Steps completed and by whom.
    pub steps_done: Vec<StepRecord>,
    /// 法定时限.
    pub statutory_limit_days: u32,
    /// 承诺时限.
    pub promised_limit_days: Option<u32>,
    /// The result once concluded.
    pub result: Option<String>,
    /// When it concluded or was withdrawn.
    pub closed_at: Option<DateTime<FixedOffset>>,
    /// Query code salt.
    pub query_code_salt: String,
    /// Query code hash.
    pub query_code_hash: String,
    /// The penalty decision recorded last, if any (penalty powers).
    #[serde(default)]
    pub penalty: Option<PenaltyDecision>,
    /// Fees charged, oldest first.
    #[serde(default)]
    pub fees: Vec<FeeRecord>,
    /// The decision's publication, once published (kept after a revocation, which withdraws it).
    #[serde(default)]
    pub publication: Option<Publication>,
    /// Working days the limits were extended by (已依法延长), in all.
    #[serde(default)]
    pub extended_days: u32,
    /// How it was received (None before it opened).
    #[serde(default)]
    pub channel: Option<super::Channel>,
    /// How to reach the applicant, when they applied online.
    #[serde(default)]
    pub contact: Option<Contact>,
    /// Files the applicant submitted, oldest first.
    #[serde(default)]
    pub materials: Vec<SubmittedMaterial>,
    /// The 补正 notice waiting for the applicant's answer, if any.
    #[serde(default)]
    pub supplement: Option<OpenSupplement>,
    /// The written decision (决定书), once issued.
    #[serde(default)]
    pub result_document: Option<ResultDocument>,
}

/// A step may be dated at most this far ahead of the server clock (clock skew).
const FUTURE_SKEW: Duration = Duration::minutes(5);

fn invalid(field: &str) -> impl FnOnce(TextProblem) -> CaseError + '_ {
    move |problem| CaseError::InvalidText {
        field: field.into(),
        message: problem.message(),
    }
}

/// A reason (理由): 1 to 500 characters, line breaks allowed.
fn check_reason(field: &str, reason: &str) -> Result<String, CaseError> {
    check_text(field, reason, 500)
}

/// Most circumstances or grounds one decision may cite.
const MAX_CITED: usize = 50;

fn check_justification(text: &str) -> Result<String, CaseError> {
    check_text("justification", text, 2000)
}

/// Trims the band and the cited ids, drops repeats, and refuses what cannot be an id; whether
/// the ids are in the standard is the check's business.
fn normalize_penalty_input(input: PenaltyDecisionInput) -> Result<PenaltyDecisionInput, CaseError> {
    fn ids(field: &str, list: Vec<String>) -> Result<Vec<String>, CaseError> {
        if list.len() > MAX_CITED {
            return Err(CaseError::InvalidText {
                field: field.into(),
                message: format!("at most {MAX_CITED} entries"),
            });
        }
        let mut out: Vec<String> = Vec::with_capacity(list.len());
        for id in list {
            let id = ID.required(&id).map_err(|_| CaseError::InvalidText {
                field: field.into(),
                message: "each entry is an id of 1 to 100 characters".into(),
            })?;
            let id = id.to_string();
            if !out.contains(&id) {
                out.push(id);
            }
        }
        Ok(out)
    }
    let band = ID
        .optional(input.band.as_deref())
        .map_err(|_| CaseError::InvalidText {
            field: "band".into(),
            message: "an id of 1 to 100 characters".into(),
        })?
        .map(str::to_string);
    Ok(PenaltyDecisionInput {
        band,
        base_amount_fen: input.base_amount_fen,
        amount_fen: input.amount_fen,
        circumstances: ids("circumstances", input.circumstances)?,
        grounds: ids("grounds", input.grounds)?,
    })
}

fn check_note(note: Option<String>) -> Result<Option<String>, CaseError> {
    Bounded::lines(500)
        .optional(note.as_deref())
        .map(|n| n.map(str::to_string))
        .map_err(|_| CaseError::InvalidText {
            field: "note".into(),
            message: "at most 500 characters, no control characters".into(),
        })
}

/// A required text (document number, penalty, reasons): trimmed, 1 to `max` characters, no
/// control characters but line breaks.
fn check_text(field: &str, text: &str, max: usize) -> Result<String, CaseError> {
    Bounded::lines(max)
        .required(text)
        .map(str::to_string)
        .map_err(invalid(field))
}

/// An id cited from the discretion standard, or a fee item's name: one line of 1 to 100
/// characters.
const ID: Bounded = Bounded::line(100);

impl Case {
    /// Checks of the acts on a concluded penalty decision (publishing, revoking): an officer of
    /// the department, a concluded case with a decision not revoked, a time not in the future
    /// nor before the conclusion.
    fn check_decided_act(
        &self,
        actor: &Actor,
        at: Option<DateTime<FixedOffset>>,
        now: DateTime<FixedOffset>,
    ) -> Result<DateTime<FixedOffset>, CaseError> {
        if self.status == CaseStatus::New {
            return Err(CaseError::NotOpened);
        }
        self.check_officer(actor, &self.department)?;
        let Some(decision) = &self.penalty else {
            return Err(CaseError::NoConcludedDecision);
        };
        if self.status != CaseStatus::Concluded {
            return Err(CaseError::NoConcludedDecision);
        }
        if decision.revoked.is_some() {
            return Err(CaseError::DecisionRevoked);
        }
        let at = at.unwrap_or(now);
        if at > now + FUTURE_SKEW {
            return Err(CaseError::InvalidTime(
                "the time given is in the future".into(),
            ));
        }
        if let Some(last) = self.last_at
            && at < last
        {
            return Err(CaseError::InvalidTime(format!(
                "the time given is before the case's previous step ({})",
                last.to_rfc3339()
            )));
        }
        Ok(at)
    }

    /// The paused clock, if it is paused now.
    pub fn open_pause(&self) -> Option<&Pause> {
        self.pauses.last().filter(|p| p.until.is_none())
    }

    /// Outcomes allowed from the current step under `flowchart` (empty once closed).
    pub fn allowed(&self, flowchart: &Flowchart) -> Vec<AllowedOutcome> {
        if !matches!(self.status, CaseStatus::Open | CaseStatus::Paused) {
            return Vec::new();
        }
        flowchart
            .outgoing(&self.current_step)
            .into_iter()
            .map(|t| AllowedOutcome {
                outcome: t.outcome.clone(),
                to: t.to.clone(),
                to_name: flowchart
                    .step(&t.to)
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                exception: t.exception,
            })
            .collect()
    }

    fn check_officer(&self, actor: &Actor, department: &str) -> Result<(), CaseError> {
        if actor.role != Role::Officer {
            return Err(CaseError::NotAnOfficer);
        }
        if actor.department.as_deref() != Some(department) {
            return Err(CaseError::WrongDepartment {
                department: department.to_string(),
            });
        }
        Ok(())
    }

    /// Common checks of every command on an opened case; returns the time the act happened.
    fn check_act(
        &self,
        actor: &Actor,
        expected_version: Option<u64>,
        at: Option<DateTime<FixedOffset>>,
        now: DateTime<FixedOffset>,
    ) -> Result<DateTime<FixedOffset>, CaseError> {
        if self.status == CaseStatus::New {
            return Err(CaseError::NotOpened);
        }
        self.check_officer(actor, &self.department)?;
        if let Some(expected) = expected_version
            && expected != self.version
        {
            return Err(CaseError::StaleVersion {
                expected,
                actual: self.version,
            });
        }
        if matches!(self.status, CaseStatus::Concluded | CaseStatus::Withdrawn) {
            return Err(CaseError::CaseClosed {
                status: self.status.to_string(),
            });
        }
        let at = at.unwrap_or(now);
        if at > now + FUTURE_SKEW {
            return Err(CaseError::InvalidTime(
                "the time given is in the future".into(),
            ));
        }
        if let Some(last) = self.last_at
            && at < last
        {
            return Err(CaseError::InvalidTime(format!(
                "the time given is before the case's previous step ({})",
                last.to_rfc3339()
            )));
        }
        Ok(at)
    }

    async fn pinned_power(
        &self,
        services: &CaseServices,
    ) -> Result<std::sync::Arc<PublishedPower>, CaseError> {
        let power = services
            .powers
            .version(&self.power_code, self.power_version)
            .await
            .map_err(|_| CaseError::Unavailable)?
            .ok_or(CaseError::Unavailable)?;
        if power.content_hash != self.content_hash {
            // The pinned version must never change under a case.
            return Err(CaseError::Unavailable);
        }
        Ok(power)
    }

    /// Working days of extension the pinned version still allows, refusing a version that
    /// allows none.
    fn extension_room(&self, power: &PublishedPower) -> Result<u32, CaseError> {
        let allowed = power
            .content
            .extension
            .as_ref()
            .map(|e| e.days)
            .ok_or_else(|| CaseError::ExtensionNotAllowed {
                code: self.power_code.clone(),
                version: self.power_version,
            })?;
        Ok(allowed.saturating_sub(self.extended_days))
    }

    /// Refuses an extension once the statutory limit has passed on `at`'s day (it must be
    /// decided and told to the applicant within the limit). Where the calendar cannot count
    /// the days the extension is not refused: the event records its date for supervision.
    fn check_limit_not_passed(
        &self,
        power: &PublishedPower,
        services: &CaseServices,
        at: DateTime<FixedOffset>,
    ) -> Result<(), CaseError> {
        let calendar = services.calendar.calendar();
        match self.times(&power.flowchart, &calendar, at) {
            Ok(times) if times.statutory.overdue => Err(CaseError::LimitAlreadyPassed {
                due: times
                    .statutory
                    .due
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            }),
            _ => Ok(()),
        }
    }

    /// The discretion check of a proposed penalty under `power`, the case's pinned version.
    fn discretion_check(
        &self,
        power: &PublishedPower,
        input: &PenaltyDecisionInput,
    ) -> Result<DiscretionCheck, CaseError> {
        if power.code != self.power_code
            || power.version != self.power_version
            || power.content_hash != self.content_hash
        {
            return Err(CaseError::Unavailable);
        }
        if power.category != Category::Penalty {
            return Err(CaseError::NotAPenaltyPower {
                code: self.power_code.clone(),
            });
        }
        let spec =
            power
                .content
                .discretion
                .clone()
                .ok_or_else(|| CaseError::NoDiscretionStandard {
                    code: self.power_code.clone(),
                    version: self.power_version,
                })?;
        // Published versions were validated; a stored one that no longer parses is a fault of
        // the store, not of the officer.
        let standard = DiscretionStandard::parse(spec).map_err(|_| CaseError::Unavailable)?;
        Ok(standard.check(input))
    }

    /// What `RecordPenaltyDecision` would find, without recording anything: the check the
    /// officer sees before confirming. Refuses what the command refuses before the check (not
    /// an officer of the department, closed case, not a penalty power, no standard, malformed
    /// ids); a verdict the command would refuse comes back as a check with `refused` set.
    /// `power` must be the case's pinned version.
    pub fn check_penalty(
        &self,
        actor: &Actor,
        power: &PublishedPower,
        input: PenaltyDecisionInput,
    ) -> Result<DiscretionCheck, CaseError> {
        if self.status == CaseStatus::New {
            return Err(CaseError::NotOpened);
        }
        self.check_officer(actor, &self.department)?;
        if matches!(self.status, CaseStatus::Concluded | CaseStatus::Withdrawn) {
            return Err(CaseError::CaseClosed {
                status: self.status.to_string(),
            });
        }
        let input = normalize_penalty_input(input)?;
        self.discretion_check(power, &input)
    }
}

/// What every command handler gets besides its fields: the services, where its events go,
/// and the time the command is decided at.
#[derive(Clone, Copy)]
struct Env<'a> {
    services: &'a CaseServices,
    sink: &'a EventSink<Case>,
    now: DateTime<FixedOffset>,
}

/// Who acts, on which version they saw, and when they say they acted.
struct Act {
    actor: Actor,
    expected_version: Option<u64>,
    at: Option<DateTime<FixedOffset>>,
}

/// A new case's facts (the fields of `OpenCase` besides the actor).
pub(super) struct NewCase {
    tracking_no: String,
    power_code: String,
    party: Party,
    channel: super::Channel,
    received_at: DateTime<FixedOffset>,
    query_code_salt: String,
    query_code_hash: String,
}

/// Who opens a case: an officer at the window, or an applicant online.
enum Opener {
    Officer(Actor),
    Applicant(Contact),
}

/// The subject recorded as having opened a case applied for online (the applicant, who has no
/// account).
pub const APPLICANT: &str = "applicant";

/// Files for a submission: at most [`MAX_MATERIAL_FILES`], each named by its hash and for a
/// material the pinned version lists.
fn check_materials(
    materials: &[SubmittedMaterial],
    power: &crate::power::PublishedPower,
) -> Result<(), CaseError> {
    if materials.len() > MAX_MATERIAL_FILES
        || materials
            .iter()
            .any(|m| !is_sha256_hex(&m.sha256) || m.bytes == 0)
    {
        return Err(CaseError::InvalidMaterials {
            max: MAX_MATERIAL_FILES,
        });
    }
    for m in materials {
        if !power.content.materials.iter().any(|l| l.name == m.material) {
            return Err(CaseError::UnknownMaterial {
                name: m.material.clone(),
            });
        }
    }
    Ok(())
}

/// One method per command: [`Aggregate::handle`] only dispatches.
impl Case {
    /// Opens the case (受理/立案) under the power's current version.
    async fn open_case(
        &mut self,
        env: &Env<'_>,
        actor: Actor,
        new: NewCase,
    ) -> Result<(), CaseError> {
        if actor.role != Role::Officer {
            return Err(CaseError::NotAnOfficer);
        }
        self.open(env, Opener::Officer(actor), new, Vec::new())
            .await
    }

    /// 网上申请: opens the case on an applicant's online application, received now.
    async fn apply_online(
        &mut self,
        env: &Env<'_>,
        new: NewCase,
        contact: Contact,
        materials: Vec<SubmittedMaterial>,
    ) -> Result<(), CaseError> {
        let contact = contact.normalised();
        let problems = contact.problems();
        if !problems.is_empty() {
            return Err(CaseError::InvalidContact { problems });
        }
        self.open(env, Opener::Applicant(contact), new, materials)
            .await
    }

    /// Opens the case, by an officer or on an online application.
    async fn open(
        &mut self,
        env: &Env<'_>,
        opener: Opener,
        new: NewCase,
        materials: Vec<SubmittedMaterial>,
    ) -> Result<(), CaseError> {
        let Env {
            services,
            sink,
            now,
        } = *env;
        let NewCase {
            tracking_no,
            power_code,
            party,
            channel,
            received_at,
            query_code_salt,
            query_code_hash,
        } = new;
        if self.status != CaseStatus::New {
            return Err(CaseError::AlreadyOpened);
        }
        let power = services
            .powers
            .current(&power_code)
            .await
            .map_err(|_| CaseError::Unavailable)?
            .ok_or_else(|| CaseError::UnknownPower {
                code: power_code.clone(),
            })?;
        let (opened_by, contact) = match opener {
            Opener::Officer(actor) => {
                self.check_officer(&actor, &power.department)?;
                (actor.id, None)
            }
            Opener::Applicant(contact) => {
                if !power.category.on_application() {
                    return Err(CaseError::NotOnApplication { code: power_code });
                }
                (APPLICANT.to_string(), Some(contact))
            }
        };
        if power.status != PowerStatus::Active {
            return Err(CaseError::PowerNotActive {
                code: power_code,
                status: power.status.to_string(),
            });
        }
        let problems = party.problems();
        if !problems.is_empty() {
            return Err(CaseError::InvalidParty { problems });
        }
        if received_at > now + FUTURE_SKEW {
            return Err(CaseError::InvalidTime(
                "received_at is in the future".into(),
            ));
        }
        if received_at < now - Duration::days(366 * 5) {
            return Err(CaseError::InvalidTime(
                "received_at is more than five years ago".into(),
            ));
        }
        check_materials(&materials, &power)?;
        let start = power.flowchart.start().clone();
        sink.write(
            CaseEvent::CaseOpened {
                tracking_no,
                power_code: power.code.clone(),
                power_version: power.version,
                content_hash: power.content_hash.clone(),
                power_name: power.name.clone(),
                department: power.department.clone(),
                party,
                channel,
                received_at,
                start_step: start.id.clone(),
                start_step_name: start.name.clone(),
                statutory_limit_days: power.content.statutory_limit_days,
                promised_limit_days: power.content.promised_limit_days,
                query_code_salt,
                query_code_hash,
                opened_by: opened_by.clone(),
                contact,
            },
            self,
        )
        .await;
        if !materials.is_empty() {
            sink.write(
                CaseEvent::MaterialsSubmitted {
                    materials,
                    at: received_at,
                },
                self,
            )
            .await;
        }
        if start.pauses_clock {
            sink.write(
                CaseEvent::ClockPaused {
                    reason: start.name.clone(),
                    at: received_at,
                    by: opened_by,
                    step: Some(start.id),
                },
                self,
            )
            .await;
        }
        Ok(())
    }

    /// Completes the current step with an outcome the flowchart allows.
    async fn complete_step(
        &mut self,
        env: &Env<'_>,
        act: Act,
        outcome: String,
        note: Option<String>,
    ) -> Result<(), CaseError> {
        let Env { services, now, .. } = *env;
        let Act {
            actor,
            expected_version,
            at,
        } = act;
        let at = self.check_act(&actor, expected_version, at, now)?;
        let note = check_note(note)?;
        let power = self.pinned_power(services).await?;
        let transition = self.officer_transition(&power, &actor, outcome)?;
        self.advance(env, &power, transition, &actor.id, note, at)
            .await
    }

    /// The transition `outcome` names from the current step, if `actor` may take it (the
    /// separation of duties).
    fn officer_transition(
        &self,
        power: &PublishedPower,
        actor: &Actor,
        outcome: String,
    ) -> Result<crate::flowchart::TransitionSpec, CaseError> {
        let flowchart = &power.flowchart;
        let Some(transition) = flowchart.transition(&self.current_step, &outcome).cloned() else {
            return Err(CaseError::OutcomeNotAllowed {
                step: self.current_step.clone(),
                outcome,
                allowed: self.allowed(flowchart),
            });
        };
        for done in &self.steps_done {
            if done.by == actor.id && flowchart.must_separate(&self.current_step, &done.step) {
                return Err(CaseError::SeparationOfDuties {
                    step: self.current_step.clone(),
                    other: done.step.clone(),
                });
            }
        }
        Ok(transition)
    }

    /// Moves the case along `transition` at `at`, by `by`: the clock resumed if paused, the
    /// step completed, an extension approved, the case concluded or the clock paused at the
    /// step reached.
    async fn advance(
        &mut self,
        env: &Env<'_>,
        power: &PublishedPower,
        transition: crate::flowchart::TransitionSpec,
        by: &str,
        note: Option<String>,
        at: DateTime<FixedOffset>,
    ) -> Result<(), CaseError> {
        let Env {
            services,
            sink,
            now,
        } = *env;
        let flowchart = &power.flowchart;
        let from = flowchart
            .step(&self.current_step)
            .cloned()
            .ok_or(CaseError::Unavailable)?;
        let to = flowchart
            .step(&transition.to)
            .cloned()
            .ok_or(CaseError::Unavailable)?;
        // Completing the extension's approval (延期审批) extends the limits by what the
        // version still allows, if the limit has not passed yet.
        // Past the limit (or with nothing left to extend) the step is still completed,
        // without an extension: a case must never be stuck at the approval.
        let extension = if from.approves_extension {
            let remaining = self.extension_room(power).unwrap_or(0);
            let in_time = self.check_limit_not_passed(power, services, at).is_ok()
                && self.check_limit_not_passed(power, services, now).is_ok();
            (remaining > 0 && in_time).then_some(remaining)
        } else {
            None
        };
        if let Some(pause) = self.open_pause().cloned() {
            sink.write(
                CaseEvent::ClockResumed {
                    reason: if pause.step.is_some() {
                        format!("{}：{}", from.name, transition.outcome)
                    } else {
                        "办理环节推进".into()
                    },
                    at,
                    by: by.to_string(),
                    step: pause.step,
                },
                self,
            )
            .await;
        }
        sink.write(
            CaseEvent::StepCompleted {
                from: from.id.clone(),
                from_name: from.name.clone(),
                outcome: transition.outcome.clone(),
                to: to.id.clone(),
                to_name: to.name.clone(),
                exception: transition.exception,
                at,
                by: by.to_string(),
                note: note.clone(),
            },
            self,
        )
        .await;
        if let Some(days) = extension {
            sink.write(
                CaseEvent::LimitExtended {
                    days,
                    // The post that approved it (the step's), not an account id.
                    approved_by: from.role.clone().unwrap_or_else(|| from.name.clone()),
                    reason: note
                        .unwrap_or_else(|| format!("{}：{}", from.name, transition.outcome)),
                    at,
                    by: by.to_string(),
                    step: Some(from.id.clone()),
                },
                self,
            )
            .await;
        }
        if flowchart.is_end(&to.id) {
            sink.write(
                CaseEvent::CaseConcluded {
                    end_step: to.id.clone(),
                    result: to.result.clone().unwrap_or_else(|| to.name.clone()),
                    at,
                },
                self,
            )
            .await;
        } else if to.pauses_clock {
            sink.write(
                CaseEvent::ClockPaused {
                    reason: to.name.clone(),
                    at,
                    by: by.to_string(),
                    step: Some(to.id),
                },
                self,
            )
            .await;
        }
        Ok(())
    }

    /// 一次性告知补正: the notice, then the step to the 补正 step that stops the clock.
    async fn request_supplement(
        &mut self,
        env: &Env<'_>,
        act: Act,
        outcome: String,
        items: Vec<SupplementItem>,
    ) -> Result<(), CaseError> {
        let Act {
            actor,
            expected_version,
            at,
        } = act;
        let at = self.check_act(&actor, expected_version, at, env.now)?;
        let power = self.pinned_power(env.services).await?;
        let transition = self.officer_transition(&power, &actor, outcome)?;
        // 补正 is told at acceptance (行政许可法 第三十二条): from the start step, to a step that
        // stops the clock and whose ordinary way leads back, so that the applicant's answer can
        // always return the case there.
        let flowchart = &power.flowchart;
        let way_back = |to: &str| {
            flowchart
                .spec()
                .transitions
                .iter()
                .any(|t| t.from == to && t.to == self.current_step && !t.exception)
        };
        let waiting = flowchart
            .step(&transition.to)
            .filter(|s| {
                self.current_step == flowchart.start().id
                    && s.pauses_clock
                    && !flowchart.is_end(&s.id)
                    && way_back(&s.id)
            })
            .ok_or_else(|| CaseError::NotASupplementStep {
                outcome: transition.outcome.clone(),
            })?;
        let invalid = || CaseError::InvalidSupplement {
            max: MAX_SUPPLEMENT_ITEMS,
        };
        if items.is_empty() || items.len() > MAX_SUPPLEMENT_ITEMS {
            return Err(invalid());
        }
        let mut checked: Vec<SupplementItem> = Vec::with_capacity(items.len());
        for item in items {
            let listed = power
                .content
                .materials
                .iter()
                .any(|m| m.name == item.material);
            let reason = Bounded::lines(200)
                .required(&item.reason)
                .map_err(|_| invalid())?;
            if !listed || checked.iter().any(|c| c.material == item.material) {
                return Err(invalid());
            }
            checked.push(SupplementItem {
                material: item.material,
                reason: reason.to_string(),
            });
        }
        env.sink
            .write(
                CaseEvent::SupplementRequested {
                    items: checked,
                    from_step: self.current_step.clone(),
                    waiting_step: waiting.id.clone(),
                    at,
                    by: actor.id.clone(),
                },
                self,
            )
            .await;
        self.advance(env, &power, transition, &actor.id, None, at)
            .await
    }

    /// 网上补正: the applicant's files, then the step back to where the notice was given.
    async fn submit_supplement(
        &mut self,
        env: &Env<'_>,
        materials: Vec<SubmittedMaterial>,
        note: Option<String>,
    ) -> Result<(), CaseError> {
        let Some(open) = self.supplement.clone() else {
            return Err(match self.status {
                CaseStatus::New => CaseError::NotOpened,
                _ => CaseError::NoSupplementAsked,
            });
        };
        if self.current_step != open.waiting_step
            || !matches!(self.status, CaseStatus::Open | CaseStatus::Paused)
        {
            return Err(CaseError::NoSupplementAsked);
        }
        let note = check_note(note)?;
        let power = self.pinned_power(env.services).await?;
        if materials.is_empty() {
            return Err(CaseError::InvalidMaterials {
                max: MAX_MATERIAL_FILES,
            });
        }
        check_materials(&materials, &power)?;
        // Back where the notice was given, along the step's ordinary way there.
        let transition = power
            .flowchart
            .spec()
            .transitions
            .iter()
            .find(|t| t.from == open.waiting_step && t.to == open.from_step && !t.exception)
            .cloned()
            .ok_or(CaseError::Unavailable)?;
        let at = env.now.max(self.last_at.unwrap_or(env.now));
        env.sink
            .write(CaseEvent::MaterialsSubmitted { materials, at }, self)
            .await;
        self.advance(
            env,
            &power,
            transition,
            APPLICANT,
            Some(note.unwrap_or_else(|| "申请人网上提交补正材料".into())),
            at,
        )
        .await
    }

    /// 出具决定书: a concluded case's document, recorded once by its hash.
    async fn issue_result_document(
        &mut self,
        env: &Env<'_>,
        title: String,
        sha256: String,
        size: u64,
    ) -> Result<(), CaseError> {
        match self.status {
            CaseStatus::New => return Err(CaseError::NotOpened),
            CaseStatus::Concluded => {}
            _ => return Err(CaseError::NotConcluded),
        }
        if self.result_document.is_some() {
            return Err(CaseError::DocumentAlreadyIssued);
        }
        let title = Bounded::line(40)
            .required(&title)
            .map(str::to_string)
            .map_err(invalid("title"))?;
        if !is_sha256_hex(&sha256) || size == 0 {
            return Err(CaseError::InvalidText {
                field: "sha256".into(),
                message: "a SHA-256 in lower-case hex, of a file that is not empty".into(),
            });
        }
        let at = env.now.max(self.last_at.unwrap_or(env.now));
        env.sink
            .write(
                CaseEvent::ResultDocumentIssued {
                    title,
                    sha256,
                    size,
                    at,
                },
                self,
            )
            .await;
        Ok(())
    }

    /// 补发查询码: a new code for an opened case of the officer's department.
    async fn reissue_query_code(
        &mut self,
        env: &Env<'_>,
        actor: Actor,
        expected_version: u64,
        salt: String,
        hash: String,
        reason: String,
    ) -> Result<(), CaseError> {
        if actor.role != Role::Officer {
            return Err(CaseError::NotAnOfficer);
        }
        if self.status == CaseStatus::New {
            return Err(CaseError::NotOpened);
        }
        self.check_officer(&actor, &self.department)?;
        if expected_version != self.version {
            return Err(CaseError::StaleVersion {
                expected: expected_version,
                actual: self.version,
            });
        }
        let reason = check_reason("reason", &reason)?;
        let invalid_hex =
            |h: &str, len: usize| h.len() != len || !h.bytes().all(|b| b.is_ascii_hexdigit());
        if invalid_hex(&salt, 32) || invalid_hex(&hash, 64) {
            return Err(CaseError::InvalidText {
                field: "query_code".into(),
                message: "a salt of 16 bytes and a SHA-256, in hex".into(),
            });
        }
        let at = env.now.max(self.last_at.unwrap_or(env.now));
        env.sink
            .write(
                CaseEvent::QueryCodeReissued {
                    query_code_salt: salt,
                    query_code_hash: hash,
                    reason,
                    at,
                    by: actor.id,
                },
                self,
            )
            .await;
        Ok(())
    }

    /// Pauses the clock (暂停计时) with a reason.
    async fn pause_clock(
        &mut self,
        env: &Env<'_>,
        act: Act,
        reason: String,
    ) -> Result<(), CaseError> {
        let Env { sink, now, .. } = *env;
        let Act {
            actor,
            expected_version,
            at,
        } = act;
        let at = self.check_act(&actor, expected_version, at, now)?;
        let reason = check_reason("reason", &reason)?;
        if self.open_pause().is_some() {
            return Err(CaseError::AlreadyPaused);
        }
        sink.write(
            CaseEvent::ClockPaused {
                reason,
                at,
                by: actor.id,
                step: None,
            },
            self,
        )
        .await;
        Ok(())
    }

    /// Resumes a clock paused by hand.
    async fn resume_clock(
        &mut self,
        env: &Env<'_>,
        act: Act,
        reason: String,
    ) -> Result<(), CaseError> {
        let Env { sink, now, .. } = *env;
        let Act {
            actor,
            expected_version,
            at,
        } = act;
        let at = self.check_act(&actor, expected_version, at, now)?;
        let reason = check_reason("reason", &reason)?;
        match self.open_pause() {
            None => return Err(CaseError::NotPaused),
            Some(Pause {
                step: Some(step), ..
            }) => {
                return Err(CaseError::ClockHeldByStep { step: step.clone() });
            }
            Some(_) => {}
        }
        sink.write(
            CaseEvent::ClockResumed {
                reason,
                at,
                by: actor.id,
                step: None,
            },
            self,
        )
        .await;
        Ok(())
    }

    /// Records a penalty decision checked against the discretion standard (裁量基准).
    async fn record_penalty_decision(
        &mut self,
        env: &Env<'_>,
        act: Act,
        input: PenaltyDecisionInput,
        justification: String,
        approval: Option<MitigationApproval>,
    ) -> Result<(), CaseError> {
        let Env {
            services,
            sink,
            now,
        } = *env;
        let Act {
            actor,
            expected_version,
            at,
        } = act;
        let at = self.check_act(&actor, expected_version, at, now)?;
        let justification = check_justification(&justification)?;
        let approval = match approval {
            None => None,
            Some(a) => {
                let approved_by = check_text("approval.approved_by", &a.approved_by, 100)?;
                if approved_by == actor.id {
                    return Err(CaseError::SelfApproval);
                }
                Some(MitigationApproval {
                    approved_by,
                    reference: check_text("approval.reference", &a.reference, 100)?,
                })
            }
        };
        let input = normalize_penalty_input(input)?;
        let power = self.pinned_power(services).await?;
        let check = self.discretion_check(&power, &input)?;
        if check.refused {
            return Err(CaseError::PenaltyDecisionRefused {
                check: Box::new(check),
            });
        }
        sink.write(
            CaseEvent::PenaltyDecisionRecorded {
                band: input.band,
                base_amount_fen: input.base_amount_fen,
                amount_fen: input.amount_fen,
                circumstances: input.circumstances,
                grounds: input.grounds,
                justification,
                check,
                at,
                by: actor.id,
                approval,
            },
            self,
        )
        .await;
        Ok(())
    }

    /// Publishes a concluded penalty decision (双公示).
    async fn publish_penalty_decision(
        &mut self,
        env: &Env<'_>,
        act: Act,
        document_no: String,
        violation: String,
        penalty: String,
    ) -> Result<(), CaseError> {
        let Env {
            services,
            sink,
            now,
        } = *env;
        let Act { actor, at, .. } = act;
        let at = self.check_decided_act(&actor, at, now)?;
        if let Some(p) = &self.publication {
            return Err(CaseError::AlreadyPublished {
                document_no: p.document_no.clone(),
            });
        }
        let document_no = check_text("document_no", &document_no, 100)?;
        let violation = check_justification(&violation).map_err(|_| CaseError::InvalidText {
            field: "violation".into(),
            message: "required, 1 to 2000 characters, no control characters".into(),
        })?;
        let penalty = check_text("penalty", &penalty, 500)?;
        let power = self.pinned_power(services).await?;
        sink.write(
            CaseEvent::PenaltyDecisionPublished {
                document_no,
                violation,
                penalty,
                authority: power.department_name.clone(),
                decided_at: self.closed_at.unwrap_or(at),
                at,
                by: actor.id,
            },
            self,
        )
        .await;
        Ok(())
    }

    /// Revokes a published penalty decision.
    async fn revoke_penalty_decision(
        &mut self,
        env: &Env<'_>,
        act: Act,
        reason: String,
    ) -> Result<(), CaseError> {
        let Env { sink, now, .. } = *env;
        let Act { actor, at, .. } = act;
        let at = self.check_decided_act(&actor, at, now)?;
        let reason = check_reason("reason", &reason)?;
        sink.write(
            CaseEvent::PenaltyDecisionRevoked {
                reason,
                at,
                by: actor.id,
            },
            self,
        )
        .await;
        Ok(())
    }

    /// Records a fee charged, against the version's fee standard.
    async fn charge_fee(
        &mut self,
        env: &Env<'_>,
        act: Act,
        item: String,
        amount_fen: Fen,
        note: Option<String>,
    ) -> Result<(), CaseError> {
        let Env {
            services,
            sink,
            now,
        } = *env;
        let Act {
            actor,
            expected_version,
            at,
        } = act;
        let at = self.check_act(&actor, expected_version, at, now)?;
        let item = ID
            .required(&item)
            .map_err(|_| CaseError::InvalidText {
                field: "item".into(),
                message: "required, 1 to 100 characters, no control characters".into(),
            })?
            .to_string();
        if amount_fen.is_zero() {
            return Err(CaseError::ZeroFee);
        }
        if amount_fen > MAX_FEE {
            return Err(CaseError::InvalidText {
                field: "amount_fen".into(),
                message: format!("from 1 to {} fen", MAX_FEE.get()),
            });
        }
        let note = check_note(note)?;
        let power = self.pinned_power(services).await?;
        let standard_fen = power
            .content
            .fees
            .iter()
            .find(|f| f.name.trim() == item)
            .map(|f| f.amount_fen);
        sink.write(
            CaseEvent::FeeCharged {
                item,
                amount_fen,
                standard_fen,
                at,
                by: actor.id,
                note,
            },
            self,
        )
        .await;
        Ok(())
    }

    /// Extends the limit (延长期限) by what the version still allows.
    async fn extend_limit(
        &mut self,
        env: &Env<'_>,
        act: Act,
        days: u32,
        approved_by: String,
        reason: String,
    ) -> Result<(), CaseError> {
        let Env {
            services,
            sink,
            now,
        } = *env;
        let Act {
            actor,
            expected_version,
            at,
        } = act;
        let at = self.check_act(&actor, expected_version, at, now)?;
        let approved_by = check_reason("approved_by", &approved_by)?;
        if approved_by.chars().count() > 100 {
            return Err(CaseError::InvalidText {
                field: "approved_by".into(),
                message: "at most 100 characters".into(),
            });
        }
        let reason = check_reason("reason", &reason)?;
        let power = self.pinned_power(services).await?;
        let remaining = self.extension_room(&power)?;
        if days == 0 || days > remaining {
            return Err(CaseError::ExtensionTooLong { remaining });
        }
        // Judged on the day stated and on today: an extension cannot be dated back
        // into the limit once it has passed.
        self.check_limit_not_passed(&power, services, at)?;
        self.check_limit_not_passed(&power, services, now)?;
        sink.write(
            CaseEvent::LimitExtended {
                days,
                approved_by,
                reason,
                at,
                by: actor.id,
                step: None,
            },
            self,
        )
        .await;
        Ok(())
    }

    /// Withdraws the case (撤回) at the applicant's request.
    async fn withdraw_case(
        &mut self,
        env: &Env<'_>,
        act: Act,
        reason: String,
    ) -> Result<(), CaseError> {
        let Env { sink, now, .. } = *env;
        let Act {
            actor,
            expected_version,
            at,
        } = act;
        let at = self.check_act(&actor, expected_version, at, now)?;
        let reason = check_reason("reason", &reason)?;
        if self.open_pause().is_some() {
            sink.write(
                CaseEvent::ClockResumed {
                    reason: "撤回".into(),
                    at,
                    by: actor.id.clone(),
                    step: self.open_pause().and_then(|p| p.step.clone()),
                },
                self,
            )
            .await;
        }
        sink.write(
            CaseEvent::CaseWithdrawn {
                reason,
                at,
                by: actor.id,
            },
            self,
        )
        .await;
        Ok(())
    }
}

impl Aggregate for Case {
    const TYPE: &'static str = "Case";
    type Command = CaseCommand;
    type Event = CaseEvent;
    type Error = CaseError;
    type Services = CaseServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let env = Env {
            services,
            sink,
            now: services.clock.now(),
        };
        match command {
            CaseCommand::OpenCase {
                actor,
                tracking_no,
                power_code,
                party,
                channel,
                received_at,
                query_code_salt,
                query_code_hash,
            } => {
                self.open_case(
                    &env,
                    actor,
                    NewCase {
                        tracking_no,
                        power_code,
                        party,
                        channel,
                        received_at,
                        query_code_salt,
                        query_code_hash,
                    },
                )
                .await
            }
            CaseCommand::ApplyOnline {
                tracking_no,
                power_code,
                party,
                contact,
                materials,
                query_code_salt,
                query_code_hash,
            } => {
                let new = NewCase {
                    tracking_no,
                    power_code,
                    party,
                    channel: super::Channel::Online,
                    received_at: env.now,
                    query_code_salt,
                    query_code_hash,
                };
                self.apply_online(&env, new, contact, materials).await
            }
            CaseCommand::RequestSupplement {
                actor,
                expected_version,
                outcome,
                items,
                at,
            } => {
                let act = Act {
                    actor,
                    expected_version: Some(expected_version),
                    at,
                };
                self.request_supplement(&env, act, outcome, items).await
            }
            CaseCommand::ReissueQueryCode {
                actor,
                expected_version,
                query_code_salt,
                query_code_hash,
                reason,
            } => {
                self.reissue_query_code(
                    &env,
                    actor,
                    expected_version,
                    query_code_salt,
                    query_code_hash,
                    reason,
                )
                .await
            }
            CaseCommand::IssueResultDocument {
                title,
                sha256,
                size,
            } => self.issue_result_document(&env, title, sha256, size).await,
            CaseCommand::SubmitSupplement { materials, note } => {
                self.submit_supplement(&env, materials, note).await
            }
            CaseCommand::CompleteStep {
                actor,
                expected_version,
                outcome,
                note,
                at,
            } => {
                self.complete_step(
                    &env,
                    Act {
                        actor,
                        expected_version: Some(expected_version),
                        at,
                    },
                    outcome,
                    note,
                )
                .await
            }
            CaseCommand::PauseClock {
                actor,
                expected_version,
                reason,
                at,
            } => {
                self.pause_clock(
                    &env,
                    Act {
                        actor,
                        expected_version,
                        at,
                    },
                    reason,
                )
                .await
            }
            CaseCommand::ResumeClock {
                actor,
                expected_version,
                reason,
                at,
            } => {
                self.resume_clock(
                    &env,
                    Act {
                        actor,
                        expected_version,
                        at,
                    },
                    reason,
                )
                .await
            }
            CaseCommand::RecordPenaltyDecision {
                actor,
                expected_version,
                band,
                base_amount_fen,
                amount_fen,
                circumstances,
                grounds,
                justification,
                approval,
                at,
            } => {
                self.record_penalty_decision(
                    &env,
                    Act {
                        actor,
                        expected_version: Some(expected_version),
                        at,
                    },
                    PenaltyDecisionInput {
                        band,
                        base_amount_fen,
                        amount_fen,
                        circumstances,
                        grounds,
                    },
                    justification,
                    approval,
                )
                .await
            }
            CaseCommand::PublishPenaltyDecision {
                actor,
                document_no,
                violation,
                penalty,
                at,
            } => {
                self.publish_penalty_decision(
                    &env,
                    Act {
                        actor,
                        expected_version: None,
                        at,
                    },
                    document_no,
                    violation,
                    penalty,
                )
                .await
            }
            CaseCommand::RevokePenaltyDecision { actor, reason, at } => {
                self.revoke_penalty_decision(
                    &env,
                    Act {
                        actor,
                        expected_version: None,
                        at,
                    },
                    reason,
                )
                .await
            }
            CaseCommand::ChargeFee {
                actor,
                expected_version,
                item,
                amount_fen,
                note,
                at,
            } => {
                self.charge_fee(
                    &env,
                    Act {
                        actor,
                        expected_version: Some(expected_version),
                        at,
                    },
                    item,
                    amount_fen,
                    note,
                )
                .await
            }
            CaseCommand::ExtendLimit {
                actor,
                expected_version,
                days,
                approved_by,
                reason,
                at,
            } => {
                self.extend_limit(
                    &env,
                    Act {
                        actor,
                        expected_version: Some(expected_version),
                        at,
                    },
                    days,
                    approved_by,
                    reason,
                )
                .await
            }
            CaseCommand::WithdrawCase {
                actor,
                expected_version,
                reason,
                at,
            } => {
                self.withdraw_case(
                    &env,
                    Act {
                        actor,
                        expected_version,
                        at,
                    },
                    reason,
                )
                .await
            }
        }
    }

    fn apply(&mut self, event: Self::Event) {
        self.version += 1;
        // The result document is the system's, issued after the fact (on whichever server
        // follows the log): it does not move the time officers' acts may not be dated before.
        if !matches!(event, CaseEvent::ResultDocumentIssued { .. }) {
            self.last_at = Some(event.at().max(self.last_at.unwrap_or(event.at())));
        }
        match event {
            CaseEvent::CaseOpened {
                tracking_no,
                power_code,
                power_version,
                content_hash,
                power_name,
                department,
                party,
                received_at,
                start_step,
                start_step_name,
                statutory_limit_days,
                promised_limit_days,
                query_code_salt,
                query_code_hash,
                contact,
                channel,
                ..
            } => {
                self.tracking_no = tracking_no;
                self.channel = Some(channel);
                self.status = CaseStatus::Open;
                self.power_code = power_code;
                self.power_version = power_version;
                self.content_hash = content_hash;
                self.power_name = power_name;
                self.department = department;
                self.party = Some(party);
                self.received_at = Some(received_at);
                self.current_step = start_step;
                self.current_step_name = start_step_name;
                self.entered_step_at = Some(received_at);
                self.statutory_limit_days = statutory_limit_days;
                self.promised_limit_days = promised_limit_days;
                self.query_code_salt = query_code_salt;
                self.query_code_hash = query_code_hash;
                self.contact = contact;
            }
            CaseEvent::MaterialsSubmitted { materials, .. } => {
                self.materials.extend(materials);
            }
            CaseEvent::ResultDocumentIssued {
                title,
                sha256,
                size,
                at,
            } => {
                self.result_document = Some(ResultDocument {
                    title,
                    sha256,
                    size,
                    issued_at: at,
                });
            }
            CaseEvent::QueryCodeReissued {
                query_code_salt,
                query_code_hash,
                ..
            } => {
                self.query_code_salt = query_code_salt;
                self.query_code_hash = query_code_hash;
            }
            CaseEvent::SupplementRequested {
                items,
                from_step,
                waiting_step,
                at,
                ..
            } => {
                self.supplement = Some(OpenSupplement {
                    items,
                    from_step,
                    waiting_step,
                    requested_at: at,
                });
            }
            CaseEvent::LimitExtended { days, .. } => {
                self.extended_days = self.extended_days.saturating_add(days);
            }
            CaseEvent::StepCompleted {
                from,
                to,
                to_name,
                at,
                by,
                ..
            } => {
                // Leaving the step that waits for a 补正 answers (or ends) the notice.
                if self
                    .supplement
                    .as_ref()
                    .is_some_and(|s| s.waiting_step == from)
                {
                    self.supplement = None;
                }
                self.steps_done.push(StepRecord { step: from, by });
                self.current_step = to;
                self.current_step_name = to_name;
                self.entered_step_at = Some(at);
            }
            CaseEvent::ClockPaused {
                reason, at, step, ..
            } => {
                self.status = CaseStatus::Paused;
                self.pauses.push(Pause {
                    from: at,
                    until: None,
                    reason,
                    step,
                });
            }
            CaseEvent::ClockResumed { at, .. } => {
                self.status = CaseStatus::Open;
                if let Some(pause) = self.pauses.last_mut() {
                    pause.until = Some(at);
                }
            }
            CaseEvent::CaseConcluded { result, at, .. } => {
                self.status = CaseStatus::Concluded;
                self.result = Some(result);
                self.closed_at = Some(at);
            }
            CaseEvent::CaseWithdrawn { at, .. } => {
                self.status = CaseStatus::Withdrawn;
                self.closed_at = Some(at);
                self.supplement = None;
            }
            CaseEvent::PenaltyDecisionRecorded {
                band,
                base_amount_fen,
                amount_fen,
                circumstances,
                grounds,
                justification,
                check,
                at,
                by,
                approval,
            } => {
                self.penalty = Some(PenaltyDecision {
                    band,
                    base_amount_fen,
                    amount_fen,
                    circumstances,
                    grounds,
                    justification,
                    check,
                    at,
                    by,
                    approval,
                    revoked: None,
                });
            }
            CaseEvent::FeeCharged {
                item,
                amount_fen,
                standard_fen,
                at,
                by,
                note,
            } => {
                self.fees.push(FeeRecord {
                    item,
                    amount_fen,
                    standard_fen,
                    at,
                    by,
                    note,
                });
            }
            CaseEvent::PenaltyDecisionPublished {
                document_no,
                violation,
                penalty,
                authority,
                decided_at,
                at,
                ..
            } => {
                self.publication = Some(Publication {
                    document_no,
                    violation,
                    penalty,
                    authority,
                    decided_at,
                    at,
                });
            }
            CaseEvent::PenaltyDecisionRevoked { reason, at, .. } => {
                if let Some(decision) = self.penalty.as_mut() {
                    decision.revoked = Some(Revocation { reason, at });
                }
            }
        }
    }
}
