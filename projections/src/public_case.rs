//! The public status of a case (动态公开): what anyone holding the tracking number and query
//! code may see. Built only from values the events carry; the party appears masked
//! (people as 张*, organisations by name), and notes, officers' own pause reasons, ID numbers,
//! phones and addresses never appear at all.
use aggregates::case::{CaseEvent, CaseStatus, CaseTimes, LimitStatus, SupplementItem, china_date};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One step on the public timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicStep {
    /// When it happened.
    pub at: DateTime<FixedOffset>,
    /// The step completed.
    pub step: String,
    /// Its outcome.
    pub outcome: String,
    /// The step reached.
    pub next: String,
}

/// A span when the clock stood still.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicPause {
    /// Paused at.
    pub from: DateTime<FixedOffset>,
    /// Resumed at, if it has.
    pub until: Option<DateTime<FixedOffset>>,
    /// Why: the pausing step's name, or 承办人员暂停计时 for a pause an officer made (their
    /// own words may name the party, so they stay in the officers' records).
    pub reason: String,
}

/// A 补正 notice the applicant has yet to answer (一次性告知补正): everything asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicSupplement {
    /// When the notice was given.
    pub requested_at: DateTime<FixedOffset>,
    /// Each material asked for and what is missing or wrong with it.
    pub items: Vec<SupplementItem>,
    /// The name of the step where the case waits for the answer.
    pub waiting_at: Option<String>,
}

/// The public reason of a pause an officer made by hand.
pub const MANUAL_PAUSE: &str = "承办人员暂停计时";

/// The public view of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicCaseView {
    /// Tracking number.
    pub tracking_no: String,
    /// Power code.
    pub power_code: String,
    /// Power name.
    pub power_name: String,
    /// Department id.
    pub department: String,
    /// The applicant as it may be shown: organisations by name, people masked.
    pub applicant: String,
    /// Status.
    pub status: CaseStatus,
    /// Name of the current step.
    pub current_step: String,
    /// When received.
    pub received_on: NaiveDate,
    /// Steps taken, oldest first.
    pub timeline: Vec<PublicStep>,
    /// Pauses of the clock.
    pub paused: Vec<PublicPause>,
    /// The result once concluded.
    pub result: Option<String>,
    /// When it concluded or was withdrawn.
    pub closed_at: Option<DateTime<FixedOffset>>,
    /// 法定时限 use.
    pub statutory: Option<LimitStatus>,
    /// 承诺时限 use.
    pub promised: Option<LimitStatus>,
    /// A 补正 notice waiting for the applicant's answer: answer it with the query code
    /// (`POST /public/cases/{tracking_no}/supplement`) or at the window.
    #[serde(default)]
    pub supplement: Option<PublicSupplement>,
    /// The written decision (决定书) once issued: download it with the query code
    /// (`GET /public/cases/{tracking_no}/result-document`); anyone can check a copy
    /// (`POST /public/documents/verify`).
    #[serde(default)]
    pub result_document: Option<aggregates::case::ResultDocument>,
}

/// Folds a case's events into its public view; `None` before the case is opened.
pub fn public_case_view(events: &[CaseEvent], times: Option<&CaseTimes>) -> Option<PublicCaseView> {
    let mut view = events.iter().fold(None, apply_public);
    if let Some(v) = view.as_mut() {
        v.with_times(times);
    }
    view
}

impl PublicCaseView {
    /// Sets the time figures (they depend on today, so they are added at read time).
    pub fn with_times(&mut self, times: Option<&CaseTimes>) {
        if let Some(t) = times {
            self.statutory = Some(t.statutory.clone());
            self.promised = t.promised.clone();
        }
    }
}

/// The public view after one more event.
pub fn apply_public(view: Option<PublicCaseView>, event: &CaseEvent) -> Option<PublicCaseView> {
    let mut view = view;
    {
        match (event, view.as_mut()) {
            (
                CaseEvent::CaseOpened {
                    tracking_no,
                    power_code,
                    power_name,
                    department,
                    party,
                    received_at,
                    start_step_name,
                    ..
                },
                _,
            ) => {
                view = Some(PublicCaseView {
                    tracking_no: tracking_no.clone(),
                    power_code: power_code.clone(),
                    power_name: power_name.clone(),
                    department: department.clone(),
                    applicant: party.public_name(),
                    status: CaseStatus::Open,
                    current_step: start_step_name.clone(),
                    received_on: china_date(*received_at),
                    timeline: Vec::new(),
                    paused: Vec::new(),
                    result: None,
                    closed_at: None,
                    statutory: None,
                    promised: None,
                    supplement: None,
                    result_document: None,
                });
            }
            (
                CaseEvent::StepCompleted {
                    from_name,
                    outcome,
                    to_name,
                    at,
                    ..
                },
                Some(v),
            ) => {
                v.timeline.push(PublicStep {
                    at: *at,
                    step: from_name.clone(),
                    outcome: outcome.clone(),
                    next: to_name.clone(),
                });
                v.current_step = to_name.clone();
                // The notice's own step enters the waiting step; leaving it answers the notice.
                match v.supplement.as_mut() {
                    Some(s) if s.waiting_at.is_none() => s.waiting_at = Some(to_name.clone()),
                    Some(s) if s.waiting_at.as_deref() == Some(from_name.as_str()) => {
                        v.supplement = None
                    }
                    _ => {}
                }
            }
            (CaseEvent::SupplementRequested { items, at, .. }, Some(v)) => {
                v.supplement = Some(PublicSupplement {
                    requested_at: *at,
                    items: items.clone(),
                    waiting_at: None,
                });
            }
            (
                CaseEvent::ClockPaused {
                    reason, at, step, ..
                },
                Some(v),
            ) => {
                v.status = CaseStatus::Paused;
                v.paused.push(PublicPause {
                    from: *at,
                    until: None,
                    // A step's name comes from the published flowchart; an officer's reason is
                    // free text that may quote the party.
                    reason: match step {
                        Some(_) => reason.clone(),
                        None => MANUAL_PAUSE.into(),
                    },
                });
            }
            (CaseEvent::ClockResumed { at, .. }, Some(v)) => {
                v.status = CaseStatus::Open;
                if let Some(p) = v.paused.last_mut() {
                    p.until = Some(*at);
                }
            }
            (CaseEvent::CaseConcluded { result, at, .. }, Some(v)) => {
                v.status = CaseStatus::Concluded;
                v.result = Some(result.clone());
                v.closed_at = Some(*at);
            }
            (
                CaseEvent::ResultDocumentIssued {
                    title,
                    sha256,
                    size,
                    at,
                },
                Some(v),
            ) => {
                v.result_document = Some(aggregates::case::ResultDocument {
                    title: title.clone(),
                    sha256: sha256.clone(),
                    size: *size,
                    issued_at: *at,
                });
            }
            (CaseEvent::CaseWithdrawn { at, .. }, Some(v)) => {
                v.status = CaseStatus::Withdrawn;
                v.closed_at = Some(*at);
                v.supplement = None;
            }
            _ => {}
        }
    }
    view
}

#[cfg(test)]
mod tests {
    use super::*;
    use aggregates::case::Channel;
    use aggregates::party::{Party, PartyKind};

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn opened(kind: PartyKind, name: &str, id: &str) -> CaseEvent {
        CaseEvent::CaseOpened {
            tracking_no: "YG2026030600000001".into(),
            power_code: "PD-SCJG-XK-001".into(),
            power_version: 1,
            content_hash: "sha256:00".into(),
            power_name: "食品经营许可".into(),
            department: "pudong-amr".into(),
            party: Party {
                kind,
                name: name.into(),
                id_number: id.into(),
                phone: Some("13800138000".into()),
                address: Some("上海市浦东新区世纪大道100号".into()),
            },
            channel: Channel::Window,
            received_at: at("2026-03-06T09:00:00+08:00"),
            start_step: "apply".into(),
            start_step_name: "收件".into(),
            statutory_limit_days: 20,
            promised_limit_days: Some(5),
            query_code_salt: "ab".into(),
            query_code_hash: "cd".into(),
            opened_by: "officer-1".into(),
            contact: None,
        }
    }

    #[test]
    fn a_person_is_masked_and_no_personal_data_leaks() {
        let events = vec![
            opened(PartyKind::Person, "张三丰", "11010519491231002X"),
            CaseEvent::StepCompleted {
                from: "apply".into(),
                from_name: "收件".into(),
                outcome: "受理".into(),
                to: "review".into(),
                to_name: "审查".into(),
                exception: false,
                at: at("2026-03-06T10:00:00+08:00"),
                by: "officer-1".into(),
                note: Some("申请人张三丰电话13800138000".into()),
            },
        ];
        let view = public_case_view(&events, None).unwrap();
        assert_eq!(view.applicant, "张**");
        assert_eq!(view.current_step, "审查");
        assert_eq!(view.timeline.len(), 1);
        let json = serde_json::to_string(&view).unwrap();
        for secret in [
            "张三丰",
            "11010519491231002X",
            "13800138000",
            "世纪大道",
            "officer-1",
        ] {
            assert!(!json.contains(secret), "{secret} leaked: {json}");
        }
    }

    #[test]
    fn an_organisation_is_named_and_the_case_concludes() {
        let events = vec![
            opened(
                PartyKind::Organisation,
                "上海某某餐饮管理有限公司",
                "91350100M000100Y43",
            ),
            CaseEvent::ClockPaused {
                reason: "补正".into(),
                at: at("2026-03-06T10:00:00+08:00"),
                by: "o".into(),
                step: Some("fix".into()),
            },
            CaseEvent::ClockResumed {
                reason: "已补正".into(),
                at: at("2026-03-09T10:00:00+08:00"),
                by: "o".into(),
                step: Some("fix".into()),
            },
            CaseEvent::CaseConcluded {
                end_step: "granted".into(),
                result: "准予许可".into(),
                at: at("2026-03-10T10:00:00+08:00"),
            },
        ];
        let view = public_case_view(&events, None).unwrap();
        assert_eq!(view.applicant, "上海某某餐饮管理有限公司");
        assert_eq!(view.status, CaseStatus::Concluded);
        assert_eq!(view.result.as_deref(), Some("准予许可"));
        assert_eq!(view.paused.len(), 1);
        assert!(view.paused[0].until.is_some());
        assert!(
            !serde_json::to_string(&view)
                .unwrap()
                .contains("91350100M000100Y43")
        );
    }

    #[test]
    fn a_manual_pause_shows_no_reason_and_a_step_pause_its_step() {
        let events = vec![
            opened(PartyKind::Person, "张三丰", "11010519491231002X"),
            CaseEvent::ClockPaused {
                reason: "张三丰（13800138000）要求延期".into(),
                at: at("2026-03-06T10:00:00+08:00"),
                by: "officer-1".into(),
                step: None,
            },
            CaseEvent::ClockResumed {
                reason: "张三丰已到场".into(),
                at: at("2026-03-09T10:00:00+08:00"),
                by: "officer-1".into(),
                step: None,
            },
            CaseEvent::ClockPaused {
                reason: "补正材料".into(),
                at: at("2026-03-10T10:00:00+08:00"),
                by: "officer-1".into(),
                step: Some("supplement".into()),
            },
        ];
        let view = public_case_view(&events, None).unwrap();
        assert_eq!(view.paused[0].reason, MANUAL_PAUSE);
        assert_eq!(view.paused[1].reason, "补正材料");
        let json = serde_json::to_string(&view).unwrap();
        assert!(
            !json.contains("张三丰") && !json.contains("13800138000"),
            "{json}"
        );
    }

    #[test]
    fn nothing_before_opening() {
        assert!(public_case_view(&[], None).is_none());
    }
}
