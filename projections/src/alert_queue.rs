//! The inspectors' alert queue (预警督办): one document per alert with its state and the
//! history of who did what when, listed by department.
use aggregates::alert::{Alert, AlertEvent};
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use serde::{Deserialize, Serialize};

use crate::{EventRecord, Fold, payload};

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

impl Fold for AlertQueueProjection {
    type Doc = AlertDoc;

    fn name(&self) -> &'static str {
        "alerts"
    }

    fn version(&self) -> i32 {
        1
    }

    fn key(&self, event: &EventRecord) -> Option<String> {
        (event.aggregate_type == Alert::TYPE).then(|| event.aggregate_id.to_string())
    }

    fn stream_type(&self) -> Option<&'static str> {
        Some(Alert::TYPE)
    }

    fn start(&self, first: &EventRecord) -> AlertDoc {
        AlertDoc {
            id: first.aggregate_id.to_string(),
            ..AlertDoc::default()
        }
    }

    fn step(&self, doc: &mut AlertDoc, event: &EventRecord) -> Result<(), crate::StepError> {
        let alert_event: AlertEvent = payload(event)?;
        doc.alert.apply(alert_event);
        doc.history.push(AlertStep {
            event_type: event.event_type.to_string(),
            recorded_at: event.recorded_at,
        });
        Ok(())
    }

    fn part(&self, doc: &AlertDoc) -> String {
        doc.alert.department.clone()
    }
}
