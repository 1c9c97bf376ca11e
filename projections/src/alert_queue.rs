//! The inspectors' alert queue (预警督办): one document per alert with its state and the
//! history of who did what when, listed by department.
use aggregates::alert::{Alert, AlertEvent};
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{EventRecord, Projection};

/// One step in an alert's life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertStep {
    /// Event type (`AlertRaised`, `AlertAcknowledged`, ...).
    pub event_type: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// An alert as the queue shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertDoc {
    /// The alert's id (`case:rule:threshold`).
    pub id: String,
    /// Its state.
    pub alert: Alert,
    /// Its history, oldest first.
    pub history: Vec<AlertStep>,
}

/// Folds alert events into the queue.
pub struct AlertQueueProjection;

impl Projection for AlertQueueProjection {
    fn name(&self) -> &'static str {
        "alerts"
    }

    fn version(&self) -> i32 {
        1
    }

    fn key(&self, event: &EventRecord) -> Option<String> {
        (event.aggregate_type == Alert::TYPE).then(|| event.aggregate_id.clone())
    }

    fn apply(&self, doc: Option<Value>, event: &EventRecord) -> Result<(String, Value), String> {
        let mut doc: AlertDoc = match doc {
            Some(v) => serde_json::from_value(v).map_err(|e| e.to_string())?,
            None => AlertDoc {
                id: event.aggregate_id.clone(),
                ..AlertDoc::default()
            },
        };
        let alert_event: AlertEvent =
            serde_json::from_value(event.payload.clone()).map_err(|e| e.to_string())?;
        doc.alert.apply(alert_event);
        doc.history.push(AlertStep {
            event_type: event.event_type.clone(),
            recorded_at: event.recorded_at,
        });
        let part = doc.alert.department.clone();
        Ok((part, serde_json::to_value(&doc).map_err(|e| e.to_string())?))
    }
}
