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
        if event.aggregate_type != DataAccess::TYPE {
            return None;
        }
        event.payload["PersonalDataRead"]["case_id"]
            .as_str()
            .map(str::to_string)
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
