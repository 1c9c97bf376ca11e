//! Yangguang's read models, as folds over events. Pure: no I/O, no clock reads.
//!
//! A [`Projection`] says which document an event touches and how the document changes; the
//! server's runner loads the documents, applies a batch of events and stores the documents and
//! the new checkpoint in one transaction.
#![forbid(unsafe_code)]

pub mod alert_queue;
pub mod alerts;
pub mod cases;
pub mod catalogue;
pub mod data_reads;
pub mod decisions;
pub mod public_case;
pub mod scorecard;

use serde_json::Value;

/// One stored event as projections see it.
#[derive(Debug, Clone)]
pub struct EventRecord {
    /// Aggregate type (`Power`, `Case`).
    pub aggregate_type: String,
    /// Aggregate id.
    pub aggregate_id: String,
    /// Sequence within the aggregate.
    pub sequence: i64,
    /// Event type.
    pub event_type: String,
    /// Payload.
    pub payload: Value,
    /// When the store recorded it.
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

/// A read model.
pub trait Projection: Send + Sync {
    /// Stored name: never rename (checkpoints and documents are kept under it).
    fn name(&self) -> &'static str;
    /// Bumped when the document shape or the fold changes: the runner then rebuilds.
    fn version(&self) -> i32;
    /// The document `event` changes, if any. Decided from the aggregate type and id, sequence
    /// and event type only: the runner finds the documents a batch touches without loading
    /// payloads (it passes `Value::Null`).
    fn key(&self, event: &EventRecord) -> Option<String>;
    /// The document after `event`, and the part it is listed under.
    fn apply(&self, doc: Option<Value>, event: &EventRecord) -> Result<(String, Value), String>;
}

/// Every projection the server runs.
pub fn all() -> Vec<Box<dyn Projection>> {
    vec![
        Box::new(catalogue::CatalogueProjection),
        Box::new(cases::CasesProjection),
        Box::new(alert_queue::AlertQueueProjection),
        Box::new(decisions::DecisionsProjection),
        Box::new(data_reads::DataReadsProjection),
    ]
}
