//! Who read a case's personal data (个人信息查阅记录): one document per case listing every
//! recorded read, so the case file shows its own audit trail.
use aggregates::Role;
use aggregates::access::{DataAccess, DataAccessEvent};
use chrono::{DateTime, FixedOffset};
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::{EventRecord, Projection};

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

impl Projection for DataReadsProjection {
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

    fn apply(&self, doc: Option<Value>, event: &EventRecord) -> Result<(String, Value), String> {
        let mut doc: DataReadsDoc = match doc {
            Some(v) => serde_json::from_value(v).map_err(|e| e.to_string())?,
            None => DataReadsDoc::default(),
        };
        let DataAccessEvent::PersonalDataRead {
            reader,
            role,
            purpose,
            at,
            ..
        } = serde_json::from_value(event.payload.clone()).map_err(|e| e.to_string())?;
        doc.reads.push(DataRead {
            reader,
            role,
            purpose,
            at,
        });
        Ok((
            String::new(),
            serde_json::to_value(&doc).map_err(|e| e.to_string())?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cqrs_es::DomainEvent;

    fn read(n: u8) -> EventRecord {
        let event = DataAccessEvent::PersonalDataRead {
            reader: format!("inspector-{n}"),
            role: Role::Inspector,
            department: None,
            case_id: "YG1".into(),
            purpose: "inspector_case_file".into(),
            at: DateTime::parse_from_rfc3339("2026-03-16T10:00:00+08:00").unwrap(),
        };
        EventRecord {
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
        assert_eq!(p.key(&blind).as_deref(), Some("YG1"));
        let (_, doc) = p.apply(None, &read(1)).unwrap();
        let (_, doc) = p.apply(Some(doc), &read(2)).unwrap();
        let doc: DataReadsDoc = serde_json::from_value(doc).unwrap();
        let readers: Vec<&str> = doc.reads.iter().map(|r| r.reader.as_str()).collect();
        assert_eq!(readers, ["inspector-1", "inspector-2"]);
    }
}
