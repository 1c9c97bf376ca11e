//! Who read a case's personal data (个人信息查阅记录): one document per case listing every
//! recorded read, so the case file shows its own audit trail.
use aggregates::Role;
use aggregates::access::{DataAccess, DataAccessEvent};
use chrono::{DateTime, FixedOffset};
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{EventRecord, Fold, payload};

/// One read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DataRead {
    /// Who (subject id).
    pub reader: String,
    /// In which role.
    pub role: Role,
    /// Why.
    pub purpose: String,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// The reads of one case, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataReadsDoc {
    /// The reads.
    pub reads: Vec<DataRead>,
}

/// Folds `PersonalDataRead` events by case.
pub struct DataReadsProjection;

impl Fold for DataReadsProjection {
    type Doc = DataReadsDoc;

    fn name(&self) -> &'static str {
        "data_reads"
    }

    fn version(&self) -> i32 {
        1
    }

    fn key(&self, event: &EventRecord) -> Option<String> {
        // A read's stream id is `{case id}:{uuid}` (see `Engine::record_personal_data_read`):
        // keys come from ids, never from payloads, which the runner does not load to find them.
        if event.aggregate_type != DataAccess::TYPE {
            return None;
        }
        event
            .aggregate_id
            .split_once(':')
            .map(|(case_id, _)| case_id.to_string())
    }

    fn start(&self, _first: &EventRecord) -> DataReadsDoc {
        DataReadsDoc::default()
    }

    fn step(&self, doc: &mut DataReadsDoc, event: &EventRecord) -> Result<(), crate::StepError> {
        let DataAccessEvent::PersonalDataRead {
            reader,
            role,
            purpose,
            at,
            ..
        } = payload(event)?;
        doc.reads.push(DataRead {
            reader,
            role,
            purpose,
            at,
        });
        Ok(())
    }

    fn part(&self, _doc: &DataReadsDoc) -> String {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OwnedEventRecord, Projection};
    use cqrs_es::DomainEvent;
    use serde_json::Value;

    fn read(n: u8) -> OwnedEventRecord {
        let event = DataAccessEvent::PersonalDataRead {
            reader: format!("inspector-{n}"),
            role: Role::Inspector,
            department: None,
            case_id: "YG1".into(),
            purpose: "inspector_case_file".into(),
            at: DateTime::parse_from_rfc3339("2026-03-16T10:00:00+08:00").unwrap(),
        };
        OwnedEventRecord {
            aggregate_type: "DataAccess".into(),
            aggregate_id: format!("YG1:{n}"),
            sequence: 1,
            event_type: event.event_type(),
            payload: serde_json::to_value(&event).unwrap(),
            recorded_at: chrono::DateTime::from_timestamp(0, 0).unwrap(),
        }
    }

    #[test]
    fn reads_of_a_case_are_listed_in_order_and_keyed_without_the_payload() {
        let p = DataReadsProjection;
        let mut blind = read(1);
        blind.payload = Value::Null;
        assert_eq!(Fold::key(&p, &blind.record()).as_deref(), Some("YG1"));
        let (_, doc) = p.apply(None, &read(1).record()).unwrap();
        let (_, doc) = p.apply(Some(doc), &read(2).record()).unwrap();
        let doc: DataReadsDoc = serde_json::from_value(doc).unwrap();
        let readers: Vec<&str> = doc.reads.iter().map(|r| r.reader.as_str()).collect();
        assert_eq!(readers, ["inspector-1", "inspector-2"]);
    }
}
