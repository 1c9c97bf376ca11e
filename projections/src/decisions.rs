//! Published penalty decisions (行政处罚决定公开): one document per penalty case, public once the
//! officer publishes the concluded decision, withdrawn (撤回) when the decision is revoked.
//!
//! What is shown follows the market-regulation publication rules (FACTS.md, "Publishing penalty
//! decisions"): document number, party, violation, penalty, authority and date. The party is
//! named if it is an organisation and masked if it is a natural person (张*); no ID number,
//! address or phone is ever copied here. A withdrawn decision keeps only its document number,
//! authority and the reason for the withdrawal (行政处罚法 art. 48 para. 2).
//!
//! Documents are keyed by an opaque id derived from the tracking number, listed under the
//! department once published and under [`PENDING`] until then.
use aggregates::case::{Case, CaseEvent, china_date};
use aggregates::party::PartyKind;
use chrono::{DateTime, FixedOffset, NaiveDate};
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::{EventRecord, Fold, payload};

/// The part unpublished documents are kept under (never listed).
pub const PENDING: &str = "~pending";

/// The public id of a case's decision: the first 16 hex digits of SHA-256 over
/// `"decision:" + tracking number`.
pub fn decision_id(tracking_no: &str) -> String {
    let digest = Sha256::digest(format!("decision:{tracking_no}").as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// A withdrawal (撤回公示).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Withdrawal {
    /// Why the decision was revoked.
    pub reason: String,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// A published penalty decision as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublishedDecision {
    /// Public id.
    pub id: String,
    /// 决定书文号.
    pub document_no: String,
    /// 当事人: organisations by name, natural persons masked. Empty once withdrawn.
    pub party: String,
    /// Whether the party is a natural person (shown masked).
    pub party_is_person: bool,
    /// 主要违法事实. Empty once withdrawn.
    pub violation: String,
    /// 处罚内容. Empty once withdrawn.
    pub penalty: String,
    /// 作出决定的机关.
    pub authority: String,
    /// Department id.
    pub department: String,
    /// The power's code.
    pub power_code: String,
    /// The power's name.
    pub power_name: String,
    /// 决定日期.
    pub decided_on: NaiveDate,
    /// When published.
    pub published_at: DateTime<FixedOffset>,
    /// Set once the decision was revoked and its publication withdrawn.
    pub withdrawn: Option<Withdrawal>,
}

/// What the fold keeps between events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DecisionDoc {
    department: String,
    power_code: String,
    power_name: String,
    party: String,
    party_is_person: bool,
    published: Option<PublishedDecision>,
}

/// Folds case events into published decisions.
pub struct DecisionsProjection;

impl DecisionsProjection {
    /// The published decision in a stored document, if it is published.
    pub fn published(doc: &str) -> Option<PublishedDecision> {
        serde_json::from_str::<DecisionDoc>(doc).ok()?.published
    }
}

impl Fold for DecisionsProjection {
    type Doc = DecisionDoc;

    fn name(&self) -> &'static str {
        "decisions"
    }

    fn version(&self) -> i32 {
        // 2: a person's name masked without telling its length (张**).
        2
    }

    fn key(&self, event: &EventRecord) -> Option<String> {
        let relevant = matches!(
            event.event_type,
            "CaseOpened" | "PenaltyDecisionPublished" | "PenaltyDecisionRevoked"
        );
        (event.aggregate_type == Case::TYPE && relevant).then(|| decision_id(event.aggregate_id))
    }

    fn start(&self, _first: &EventRecord) -> DecisionDoc {
        DecisionDoc::default()
    }

    fn step(&self, doc: &mut DecisionDoc, event: &EventRecord) -> Result<(), crate::StepError> {
        let case_event: CaseEvent = payload(event)?;
        match case_event {
            CaseEvent::CaseOpened {
                department,
                power_code,
                power_name,
                party,
                ..
            } => {
                doc.department = department;
                doc.power_code = power_code;
                doc.power_name = power_name;
                doc.party = party.public_name();
                doc.party_is_person = party.kind == PartyKind::Person;
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
                doc.published = Some(PublishedDecision {
                    id: decision_id(event.aggregate_id),
                    document_no,
                    party: doc.party.clone(),
                    party_is_person: doc.party_is_person,
                    violation,
                    penalty,
                    authority,
                    department: doc.department.clone(),
                    power_code: doc.power_code.clone(),
                    power_name: doc.power_name.clone(),
                    decided_on: china_date(decided_at),
                    published_at: at,
                    withdrawn: None,
                });
            }
            CaseEvent::PenaltyDecisionRevoked { reason, at, .. } => {
                if let Some(p) = doc.published.as_mut() {
                    p.withdrawn = Some(Withdrawal { reason, at });
                    p.party.clear();
                    p.violation.clear();
                    p.penalty.clear();
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn part(&self, doc: &DecisionDoc) -> String {
        if doc.published.is_some() {
            doc.department.clone()
        } else {
            PENDING.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use aggregates::case::Channel;
    use aggregates::party::Party;

    use super::*;
    use serde_json::Value;

    use crate::{OwnedEventRecord, Projection};

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn record(sequence: i64, event: CaseEvent) -> OwnedEventRecord {
        use cqrs_es::DomainEvent;
        OwnedEventRecord {
            aggregate_type: "Case".into(),
            aggregate_id: "YG20260313ABCD2345".into(),
            sequence,
            event_type: event.event_type(),
            payload: serde_json::to_value(&event).unwrap(),
            recorded_at: at("2026-03-23T10:00:00+08:00").with_timezone(&chrono::Utc),
        }
    }

    fn opened(kind: PartyKind, name: &str) -> CaseEvent {
        CaseEvent::CaseOpened {
            tracking_no: "YG20260313ABCD2345".into(),
            power_code: "PD-SCJG-CF-001".into(),
            power_version: 1,
            content_hash: "sha256:00".into(),
            power_name: "对未取得食品经营许可从事食品经营活动的行政处罚".into(),
            department: "pudong-amr".into(),
            party: Party {
                kind,
                name: name.into(),
                id_number: "310101199001011234".into(),
                phone: Some("13800138000".into()),
                address: Some("上海市浦东新区某路1号".into()),
            },
            channel: Channel::Inspection,
            received_at: at("2026-03-13T09:00:00+08:00"),
            start_step: "file_case".into(),
            start_step_name: "立案".into(),
            statutory_limit_days: 57,
            promised_limit_days: None,
            query_code_salt: "00".into(),
            query_code_hash: "00".into(),
            opened_by: "officer-zhang".into(),
            contact: None,
        }
    }

    fn published() -> CaseEvent {
        CaseEvent::PenaltyDecisionPublished {
            document_no: "浦市监处〔2026〕12号".into(),
            violation: "未取得食品经营许可从事食品经营活动".into(),
            penalty: "罚款人民币七万五千元".into(),
            authority: "上海市浦东新区市场监督管理局".into(),
            decided_at: at("2026-03-20T16:00:00+08:00"),
            at: at("2026-03-23T10:00:00+08:00"),
            by: "officer-li".into(),
        }
    }

    fn fold(events: Vec<CaseEvent>) -> (String, Value) {
        let p = DecisionsProjection;
        let mut doc = None;
        let mut part = String::new();
        for (i, e) in events.into_iter().enumerate() {
            let r = record(i as i64 + 1, e);
            assert!(Fold::key(&p, &r.record()).is_some());
            let (pt, d) = p.apply(doc.take(), &r.record()).unwrap();
            part = pt;
            doc = Some(d);
        }
        (part, doc.unwrap())
    }

    #[test]
    fn a_decision_is_listed_once_published_with_a_person_masked() {
        let (part, doc) = fold(vec![opened(PartyKind::Person, "张三丰")]);
        assert_eq!(part, PENDING);
        assert!(DecisionsProjection::published(&doc.to_string()).is_none());
        let (part, doc) = fold(vec![opened(PartyKind::Person, "张三丰"), published()]);
        assert_eq!(part, "pudong-amr");
        let text = doc.to_string();
        for secret in ["张三丰", "310101199001011234", "13800138000", "某路1号"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        let d = DecisionsProjection::published(&doc.to_string()).unwrap();
        assert_eq!(d.party, "张**");
        assert!(d.party_is_person);
        assert_eq!(d.decided_on, NaiveDate::from_ymd_opt(2026, 3, 20).unwrap());
        assert_eq!(d.id, decision_id("YG20260313ABCD2345"));
    }

    #[test]
    fn an_organisation_is_named() {
        let (_, doc) = fold(vec![
            opened(PartyKind::Organisation, "上海某某餐饮管理有限公司"),
            published(),
        ]);
        assert_eq!(
            DecisionsProjection::published(&doc.to_string())
                .unwrap()
                .party,
            "上海某某餐饮管理有限公司"
        );
    }

    #[test]
    fn a_revoked_decision_is_withdrawn_with_its_reason() {
        let (_, doc) = fold(vec![
            opened(PartyKind::Organisation, "上海某某餐饮管理有限公司"),
            published(),
            CaseEvent::PenaltyDecisionRevoked {
                reason: "经行政复议撤销".into(),
                at: at("2026-04-01T10:00:00+08:00"),
                by: "officer-li".into(),
            },
        ]);
        let d = DecisionsProjection::published(&doc.to_string()).unwrap();
        assert_eq!(d.withdrawn.as_ref().unwrap().reason, "经行政复议撤销");
        assert!(d.party.is_empty() && d.violation.is_empty() && d.penalty.is_empty());
        assert_eq!(d.document_no, "浦市监处〔2026〕12号");
    }

    #[test]
    fn other_events_are_not_its_business() {
        let r = record(
            2,
            CaseEvent::CaseWithdrawn {
                reason: "x".into(),
                at: at("2026-03-14T10:00:00+08:00"),
                by: "officer-li".into(),
            },
        );
        assert!(Fold::key(&DecisionsProjection, &r.record()).is_none());
    }
}
