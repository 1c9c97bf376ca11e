//! Yangguang's read models, as folds over events. Pure: no I/O, no clock reads.
//!
//! A [`Fold`] says which document an event touches and how the typed document changes; every
//! fold is a [`Projection`], the object the server's runner drives: it loads the documents a
//! batch touches, hands each document its run of events and stores the documents and the new
//! checkpoint in one transaction. A document is decoded once per run and encoded once, however
//! many of the batch's events touch it.
#![forbid(unsafe_code)]

pub mod alert_queue;
pub mod alerts;
pub mod cases;
pub mod catalogue;
pub mod data_reads;
pub mod decisions;
pub mod notifications;
pub mod orders;
pub mod public_case;
pub mod questions;
pub mod rectifications;
pub mod scorecard;
pub mod spot_checks;
pub mod statistics;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// One stored event as projections see it (borrowed from the batch the runner read).
#[derive(Debug, Clone, Copy)]
pub struct EventRecord<'a> {
    /// Aggregate type (`Power`, `Case`).
    pub aggregate_type: &'a str,
    /// Aggregate id.
    pub aggregate_id: &'a str,
    /// Sequence within the aggregate.
    pub sequence: i64,
    /// Event type.
    pub event_type: &'a str,
    /// Payload.
    pub payload: &'a Value,
    /// When the store recorded it.
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

/// An event that owns its fields (for tests and tools that make events rather than read them).
#[derive(Debug, Clone)]
pub struct OwnedEventRecord {
    /// Aggregate type.
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

impl OwnedEventRecord {
    /// The record as folds take it.
    pub fn record(&self) -> EventRecord<'_> {
        EventRecord {
            aggregate_type: &self.aggregate_type,
            aggregate_id: &self.aggregate_id,
            sequence: self.sequence,
            event_type: &self.event_type,
            payload: &self.payload,
            recorded_at: self.recorded_at,
        }
    }
}

/// Why a run of events did not fold: the index of the event in the run, and what failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldError {
    /// Index of the failing event in the run handed to [`Projection::apply_run`].
    pub index: usize,
    /// What failed.
    pub message: String,
}

/// A read model with typed documents.
pub trait Fold: Send + Sync {
    /// A document of the view.
    type Doc: Serialize + DeserializeOwned;
    /// Stored name: never rename (checkpoints and documents are kept under it).
    fn name(&self) -> &'static str;
    /// Bumped when the document shape or the fold changes: the runner then rebuilds.
    fn version(&self) -> i32;
    /// The document `event` changes, if any. Decided from the aggregate type and id, sequence
    /// and event type only: the runner finds the documents a batch touches without looking at
    /// payloads.
    fn key(&self, event: &EventRecord) -> Option<String>;
    /// The aggregate type whose streams are this view's documents one to one (the key is the
    /// stream's id, and no other event touches a document), if they are: a rebuild may then
    /// replay stream by stream instead of in the global order.
    fn stream_type(&self) -> Option<&'static str> {
        None
    }
    /// A new document, before `first` (the first event that touches it) is applied.
    fn start(&self, first: &EventRecord) -> Self::Doc;
    /// Applies one event to its document.
    fn step(&self, doc: &mut Self::Doc, event: &EventRecord) -> Result<(), StepError>;
    /// The part a document is listed under.
    fn part(&self, doc: &Self::Doc) -> String;
}

/// A read model as the runner drives it (every [`Fold`] is one).
pub trait Projection: Send + Sync {
    /// Stored name.
    fn name(&self) -> &'static str;
    /// Version of the fold.
    fn version(&self) -> i32;
    /// See [`Fold::key`].
    fn key(&self, event: &EventRecord) -> Option<String>;
    /// See [`Fold::stream_type`].
    fn stream_type(&self) -> Option<&'static str>;
    /// The document (stored JSON, if any) after a run of events that all touch it, in order,
    /// and the part it is listed under. `None` for an empty run.
    fn apply_run(
        &self,
        doc: Option<&str>,
        events: &[EventRecord],
    ) -> Result<Option<(String, String)>, FoldError>;
    /// The document after one event (as JSON values; for tests and tools).
    fn apply(&self, doc: Option<Value>, event: &EventRecord) -> Result<(String, Value), String> {
        let text = doc.map(|d| d.to_string());
        let (part, doc) = self
            .apply_run(text.as_deref(), std::slice::from_ref(event))
            .map_err(|e| e.message)?
            .ok_or("no event")?;
        let doc = serde_json::from_str(&doc).map_err(|e| e.to_string())?;
        Ok((part, doc))
    }
}

impl<F: Fold> Projection for F {
    fn name(&self) -> &'static str {
        Fold::name(self)
    }

    fn version(&self) -> i32 {
        Fold::version(self)
    }

    fn key(&self, event: &EventRecord) -> Option<String> {
        Fold::key(self, event)
    }

    fn stream_type(&self) -> Option<&'static str> {
        Fold::stream_type(self)
    }

    fn apply_run(
        &self,
        doc: Option<&str>,
        events: &[EventRecord],
    ) -> Result<Option<(String, String)>, FoldError> {
        let Some(first) = events.first() else {
            return Ok(None);
        };
        let mut doc: F::Doc = match doc {
            Some(text) => serde_json::from_str(text).map_err(|e| FoldError {
                index: 0,
                message: format!("stored document: {e}"),
            })?,
            None => self.start(first),
        };
        for (index, event) in events.iter().enumerate() {
            self.step(&mut doc, event).map_err(|e| FoldError {
                index,
                message: e.to_string(),
            })?;
        }
        let text = serde_json::to_string(&doc).map_err(|e| FoldError {
            index: events.len() - 1,
            message: e.to_string(),
        })?;
        Ok(Some((self.part(&doc), text)))
    }
}

/// Decodes an event's payload as the fold's event type.
pub fn payload<T: DeserializeOwned>(event: &EventRecord) -> Result<T, StepError> {
    T::deserialize(event.payload).map_err(StepError::Payload)
}

/// Why one event could not be applied to a document.
#[derive(Debug)]
pub enum StepError {
    /// The payload is not the event the view reads (an unknown type, a missing field).
    Payload(serde_json::Error),
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::Payload(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for StepError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StepError::Payload(e) => Some(e),
        }
    }
}

/// Every projection the server runs.
pub fn all() -> Vec<Box<dyn Projection>> {
    vec![
        Box::new(catalogue::CatalogueProjection),
        Box::new(cases::CasesProjection),
        Box::new(alert_queue::AlertQueueProjection),
        Box::new(decisions::DecisionsProjection),
        Box::new(data_reads::DataReadsProjection),
        Box::new(questions::QuestionsProjection),
        Box::new(orders::OrdersProjection),
        Box::new(rectifications::RectificationsProjection),
        Box::new(spot_checks::SpotChecksProjection),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// Lists the sequences it saw; fails on a payload of `"bad"`.
    struct Seen;

    #[derive(Serialize, Deserialize)]
    struct SeenDoc {
        first: String,
        sequences: Vec<i64>,
    }

    impl Fold for Seen {
        type Doc = SeenDoc;
        fn name(&self) -> &'static str {
            "seen"
        }
        fn version(&self) -> i32 {
            1
        }
        fn key(&self, event: &EventRecord) -> Option<String> {
            Some(event.aggregate_id.to_string())
        }
        fn start(&self, first: &EventRecord) -> SeenDoc {
            SeenDoc {
                first: first.event_type.to_string(),
                sequences: Vec::new(),
            }
        }
        fn step(&self, doc: &mut SeenDoc, event: &EventRecord) -> Result<(), StepError> {
            if event.payload == "bad" {
                return Err(StepError::Payload(serde::de::Error::custom("bad payload")));
            }
            doc.sequences.push(event.sequence);
            Ok(())
        }
        fn part(&self, doc: &SeenDoc) -> String {
            format!("{} events", doc.sequences.len())
        }
    }

    fn event(sequence: i64, payload: Value) -> OwnedEventRecord {
        OwnedEventRecord {
            aggregate_type: "T".into(),
            aggregate_id: "a".into(),
            sequence,
            event_type: format!("E{sequence}"),
            payload,
            recorded_at: chrono::DateTime::from_timestamp(0, 0).unwrap(),
        }
    }

    #[test]
    fn a_run_folds_as_its_events_one_at_a_time() {
        let events: Vec<OwnedEventRecord> = (1..=4).map(|s| event(s, Value::Null)).collect();
        let records: Vec<EventRecord> = events.iter().map(OwnedEventRecord::record).collect();
        let (part, doc) = Seen.apply_run(None, &records).unwrap().unwrap();
        let mut one: Option<Value> = None;
        let mut one_part = String::new();
        for r in &records {
            let (p, d) = Seen.apply(one.take(), r).unwrap();
            one = Some(d);
            one_part = p;
        }
        assert_eq!(part, one_part);
        assert_eq!(serde_json::from_str::<Value>(&doc).unwrap(), one.unwrap());
        assert_eq!(part, "4 events");
        // A stored document goes on where it was; an empty run changes nothing.
        let (_, more) = Seen.apply_run(Some(&doc), &records[..1]).unwrap().unwrap();
        let more: SeenDoc = serde_json::from_str(&more).unwrap();
        assert_eq!(
            (more.first.as_str(), more.sequences),
            ("E1", vec![1, 2, 3, 4, 1])
        );
        assert!(Seen.apply_run(Some(&doc), &[]).unwrap().is_none());
    }

    #[test]
    fn a_failing_event_is_named_by_its_place_in_the_run() {
        let events = [
            event(1, Value::Null),
            event(2, Value::from("bad")),
            event(3, Value::Null),
        ];
        let records: Vec<EventRecord> = events.iter().map(OwnedEventRecord::record).collect();
        let err = Seen.apply_run(None, &records).unwrap_err();
        assert_eq!(err.index, 1);
        assert_eq!(err.message, "bad payload");
        let err = Seen.apply_run(Some("{not json"), &records).unwrap_err();
        assert_eq!(err.index, 0);
        assert!(
            err.message.starts_with("stored document"),
            "{}",
            err.message
        );
    }
}
