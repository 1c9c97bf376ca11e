//! The leaf: an event's public form (公开形式), in canonical JSON.
//!
//! Format `yangguang-leaf/1`, one JSON object with these members (canonical order):
//!
//! | member | value |
//! |---|---|
//! | `aggregate_id` | the id as text for powers (the catalogue is public); for every other aggregate a commitment `{"commitment": hex}` (a case id is its tracking number) |
//! | `aggregate_type`, `event_type`, `event_version` | as stored |
//! | `format` | `"yangguang-leaf/1"` |
//! | `payload` | the typed event's fields; a field not listed public for its event type is replaced by `{"commitment": hex}` |
//! | `position` | the event's global position |
//! | `recorded_at` | when the store recorded it, UTC, microseconds: `2026-11-27T03:57:00.123456Z` |
//! | `sequence` | its sequence within the aggregate |
//!
//! Commitments are salted SHA-256. Each aggregate has one random 32-byte secret, stored apart
//! from the log; two salts are derived from it: the *id salt* (shown to whoever holds the case's
//! query code, so they can check that a leaf is their case's) and the *field salt* (never
//! shown). Destroying the secret (erasure) leaves every leaf and proof valid while nobody can
//! test a guess of the erased data against the commitments any more.
use aggregates::alert::AlertEvent;
use aggregates::case::CaseEvent;
use aggregates::power::PowerEvent;
use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::{Hash, canonical};

/// The leaf format this code writes.
pub const FORMAT: &str = "yangguang-leaf/1";

/// Aggregate types whose ids are public as they are.
const PLAIN_ID_TYPES: &[&str] = &["Power"];

/// One stored event, as the log reads it.
#[derive(Debug, Clone, Copy)]
pub struct EventRecord<'a> {
    /// Global position.
    pub position: i64,
    /// Aggregate type.
    pub aggregate_type: &'a str,
    /// Aggregate id.
    pub aggregate_id: &'a str,
    /// Sequence within the aggregate.
    pub sequence: i64,
    /// Event type.
    pub event_type: &'a str,
    /// Event version.
    pub event_version: &'a str,
    /// When the store recorded it.
    pub recorded_at: DateTime<Utc>,
    /// The payload as stored (decoded into the typed event before use).
    pub payload: &'a Value,
}

/// An aggregate's commitment secret (32 random bytes, kept apart from the log).
#[derive(Clone, PartialEq, Eq)]
pub struct AggregateSecret([u8; 32]);

impl std::fmt::Debug for AggregateSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AggregateSecret(..)")
    }
}

impl AggregateSecret {
    /// The secret from its bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        AggregateSecret(bytes)
    }

    /// The secret from a stored slice; `None` unless it is 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(AggregateSecret)
    }

    /// Its bytes, for storage.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The salt of the aggregate id's commitment (may be shown to the case's query-code holder).
    pub fn id_salt(&self) -> Hash {
        derive(b"yangguang/id-salt/1", &self.0)
    }

    fn field_salt(&self) -> Hash {
        derive(b"yangguang/field-salt/1", &self.0)
    }
}

fn derive(label: &[u8], secret: &[u8; 32]) -> Hash {
    let mut h = Sha256::new();
    h.update(label);
    h.update([0u8]);
    h.update(secret);
    h.finalize().into()
}

/// The commitment to an aggregate id: hex SHA-256(`yangguang/aggregate-id/1` ‖ 0 ‖ id salt ‖ id).
pub fn id_commitment(id_salt: &Hash, aggregate_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"yangguang/aggregate-id/1");
    h.update([0u8]);
    h.update(id_salt);
    h.update(aggregate_id.as_bytes());
    hex::encode(h.finalize())
}

/// The commitment to one payload field: hex SHA-256(`yangguang/field/1` ‖ 0 ‖ field salt ‖
/// sequence (8 bytes, big-endian) ‖ length of the name (4 bytes) ‖ name ‖ canonical value).
fn field_commitment(field_salt: &Hash, sequence: i64, name: &str, value: &Value) -> String {
    let mut h = Sha256::new();
    h.update(b"yangguang/field/1");
    h.update([0u8]);
    h.update(field_salt);
    h.update(sequence.to_be_bytes());
    h.update((name.len() as u32).to_be_bytes());
    h.update(name.as_bytes());
    h.update(canonical::to_bytes(value));
    hex::encode(h.finalize())
}

fn commitment(hex: String) -> Value {
    json!({ "commitment": hex })
}

/// Which payload fields of an event type are public.
enum Visibility {
    All,
    Only(&'static [&'static str]),
}

/// The public fields per event type. Anything not listed (personal data: the party, notes,
/// reasons and justifications, officers' ids, query-code material; and every field of event
/// types not listed here) is committed, never shown.
fn visibility(aggregate_type: &str, event_type: &str) -> Visibility {
    use Visibility::{All, Only};
    match (aggregate_type, event_type) {
        // The catalogue is public in full.
        ("Power", _) => All,
        ("Case", "CaseOpened") => Only(&[
            "power_code",
            "power_version",
            "content_hash",
            "power_name",
            "department",
            "channel",
            "received_at",
            "start_step",
            "start_step_name",
            "statutory_limit_days",
            "promised_limit_days",
        ]),
        ("Case", "StepCompleted") => Only(&[
            "from",
            "from_name",
            "outcome",
            "to",
            "to_name",
            "exception",
            "at",
        ]),
        ("Case", "ClockPaused" | "ClockResumed") => Only(&["at", "step"]),
        ("Case", "CaseConcluded") => Only(&["end_step", "result", "at"]),
        ("Case", "PenaltyDecisionRecorded") => Only(&["band", "at"]),
        ("Case", "CaseWithdrawn") => Only(&["at"]),
        // The document's hash is public: it is how anyone holding the file checks it.
        ("Case", "ResultDocumentIssued") => Only(&["title", "sha256", "size", "at"]),
        ("Case", "FeeCharged") => Only(&["item", "amount_fen", "standard_fen", "at"]),
        // What a publication says may be withdrawn later (a revoked decision): the log, which
        // never forgets, shows only that and when it was published or revoked.
        ("Case", "PenaltyDecisionPublished") => Only(&["decided_at", "at"]),
        ("Case", "PenaltyDecisionRevoked") => Only(&["at"]),
        ("Alert", "AlertRaised") => Only(&["source", "rule", "severity", "threshold", "raised_at"]),
        _ => Only(&[]),
    }
}

/// The payload rebuilt from the typed event (fields in the order and form our types write),
/// so what is hashed never depends on how the store kept the JSON. Event types this code does
/// not know (written by a newer version) are taken as they are, canonicalised.
pub fn typed_payload(aggregate_type: &str, event_type: &str, payload: &Value) -> Value {
    fn retyped<E: serde::de::DeserializeOwned + serde::Serialize + DomainEvent>(
        payload: &Value,
        event_type: &str,
    ) -> Option<Value> {
        // Read from the value in place (`&Value` is a deserializer): no copy of the payload.
        let event = E::deserialize(payload).ok()?;
        (event.event_type() == event_type)
            .then(|| serde_json::to_value(&event).ok())
            .flatten()
    }
    let typed = match aggregate_type {
        "Case" => retyped::<CaseEvent>(payload, event_type),
        "Power" => retyped::<PowerEvent>(payload, event_type),
        "Alert" => retyped::<AlertEvent>(payload, event_type),
        _ => None,
    };
    let value = typed.unwrap_or_else(|| payload.clone());
    // cqrs-es stores an enum variant as {"Variant": {...fields}}: the fields are the payload.
    match value {
        Value::Object(map) if map.len() == 1 && map.contains_key(event_type) => map
            .into_iter()
            .next()
            .map(|(_, v)| v)
            .unwrap_or(Value::Null),
        other => other,
    }
}

/// The public form of an event: the leaf, as a JSON value.
pub fn public_form(event: &EventRecord<'_>, secret: &AggregateSecret) -> Value {
    let fields = typed_payload(event.aggregate_type, event.event_type, event.payload);
    let field_salt = secret.field_salt();
    let payload = match (visibility(event.aggregate_type, event.event_type), fields) {
        (Visibility::All, value) => value,
        (Visibility::Only(public), Value::Object(map)) => {
            let shown: Map<String, Value> = map
                .into_iter()
                .map(|(name, value)| {
                    if public.contains(&name.as_str()) {
                        (name, value)
                    } else {
                        let c = field_commitment(&field_salt, event.sequence, &name, &value);
                        (name, commitment(c))
                    }
                })
                .collect();
            Value::Object(shown)
        }
        (Visibility::Only(_), value) => {
            commitment(field_commitment(&field_salt, event.sequence, "", &value))
        }
    };
    let aggregate_id = if PLAIN_ID_TYPES.contains(&event.aggregate_type) {
        Value::String(event.aggregate_id.to_owned())
    } else {
        commitment(id_commitment(&secret.id_salt(), event.aggregate_id))
    };
    json!({
        "format": FORMAT,
        "position": event.position,
        "aggregate_type": event.aggregate_type,
        "aggregate_id": aggregate_id,
        "sequence": event.sequence,
        "event_type": event.event_type,
        "event_version": event.event_version,
        "recorded_at": recorded_at_text(event.recorded_at),
        "payload": payload,
    })
}

/// `recorded_at` as the leaf writes it: UTC with microseconds (what PostgreSQL keeps).
pub fn recorded_at_text(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The leaf's bytes: the canonical text of its public form.
pub fn encode(form: &Value) -> Vec<u8> {
    canonical::to_bytes(form)
}

/// The commitment hex a public form shows for its aggregate id, if it shows one.
pub fn committed_id(form: &Value) -> Option<&str> {
    form.get("aggregate_id")?.get("commitment")?.as_str()
}

#[cfg(test)]
mod tests;
