use aggregates::case::{CaseEvent, Channel};
use aggregates::party::{Party, PartyKind};
use chrono::DateTime;
use serde_json::{Value, json};

use super::*;

fn opened(name: &str) -> Value {
    serde_json::to_value(CaseEvent::CaseOpened {
        tracking_no: "YG20261127ABCDEFGH".into(),
        power_code: "PD-SCJG-XK-001".into(),
        power_version: 1,
        content_hash: "sha256:00".into(),
        power_name: "食品经营许可".into(),
        department: "pudong-amr".into(),
        party: Party {
            kind: PartyKind::Person,
            name: name.into(),
            id_number: "110101199003074514".into(),
            phone: Some("13912345678".into()),
            address: Some("上海市浦东新区世纪大道100号".into()),
        },
        channel: Channel::Window,
        received_at: DateTime::parse_from_rfc3339("2026-11-20T09:00:00+08:00").unwrap(),
        start_step: "apply".into(),
        start_step_name: "受理".into(),
        statutory_limit_days: 20,
        promised_limit_days: Some(10),
        query_code_salt: "5a17".into(),
        query_code_hash: "9e3c".into(),
        opened_by: "officer-wang".into(),
        contact: None,
    })
    .unwrap()
}

fn record<'a>(payload: &'a Value, event_type: &'a str) -> EventRecord<'a> {
    EventRecord {
        position: 42,
        aggregate_type: "Case",
        aggregate_id: "YG20261127ABCDEFGH",
        sequence: 1,
        event_type,
        event_version: "1",
        recorded_at: DateTime::parse_from_rfc3339("2026-11-20T01:00:00.123456Z")
            .unwrap()
            .with_timezone(&Utc),
        payload,
    }
}

fn secret() -> AggregateSecret {
    AggregateSecret::from_bytes([7; 32])
}

#[test]
fn personal_data_and_query_code_material_never_appear_in_a_leaf() {
    let payload = opened("张三");
    let text = String::from_utf8(encode(&public_form(
        &record(&payload, "CaseOpened"),
        &secret(),
    )))
    .unwrap();
    for secret_text in [
        "张三",
        "110101199003074514",
        "13912345678",
        "世纪大道",
        "5a17",
        "9e3c",
        "officer-wang",
        "YG20261127ABCDEFGH",
    ] {
        assert!(!text.contains(secret_text), "{secret_text} in {text}");
    }
    for public in [
        "PD-SCJG-XK-001",
        "食品经营许可",
        "受理",
        "2026-11-20T09:00:00+08:00",
    ] {
        assert!(text.contains(public), "{public} missing from {text}");
    }
    assert!(
        text.starts_with(r#"{"aggregate_id":{"commitment":""#),
        "{text}"
    );
}

#[test]
fn a_changed_personal_field_changes_the_leaf() {
    let one = opened("张三");
    let two = opened("李四");
    let a = encode(&public_form(&record(&one, "CaseOpened"), &secret()));
    let b = encode(&public_form(&record(&two, "CaseOpened"), &secret()));
    assert_ne!(a, b);
    // Another secret gives other commitments for the same data (they hide it).
    let c = encode(&public_form(
        &record(&one, "CaseOpened"),
        &AggregateSecret::from_bytes([8; 32]),
    ));
    assert_ne!(a, c);
}

#[test]
fn the_leaf_does_not_depend_on_how_the_store_ordered_the_json() {
    let payload = opened("张三");
    // What PostgreSQL jsonb hands back: keys reordered (shortest first, then bytewise).
    let text = payload.to_string();
    let mut inner: Vec<(String, Value)> = payload["CaseOpened"]
        .as_object()
        .unwrap()
        .clone()
        .into_iter()
        .collect();
    inner.sort_by(|a, b| (a.0.len(), &a.0).cmp(&(b.0.len(), &b.0)));
    let reordered = format!(
        "{{\"CaseOpened\":{{{}}}}}",
        inner
            .iter()
            .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), v))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert_ne!(reordered, text);
    let reordered: Value = serde_json::from_str(&reordered).unwrap();
    assert_eq!(
        encode(&public_form(&record(&payload, "CaseOpened"), &secret())),
        encode(&public_form(&record(&reordered, "CaseOpened"), &secret()))
    );
}

#[test]
fn the_leaf_format_is_stable() {
    // A change here changes every leaf ever written: that needs a new format version.
    let payload = json!({"StepCompleted": {
        "from": "apply", "from_name": "受理", "outcome": "受理", "to": "review",
        "to_name": "审查", "exception": false, "at": "2026-11-20T10:00:00+08:00",
        "by": "officer-wang", "note": "材料齐全"
    }});
    let mut event = record(&payload, "StepCompleted");
    event.sequence = 2;
    let form = public_form(&event, &secret());
    let text = String::from_utf8(encode(&form)).unwrap();
    assert_eq!(
        text,
        format!(
            concat!(
                r#"{{"aggregate_id":{{"commitment":"{id}"}},"aggregate_type":"Case","#,
                r#""event_type":"StepCompleted","event_version":"1","format":"yangguang-leaf/1","#,
                r#""payload":{{"at":"2026-11-20T10:00:00+08:00","by":{{"commitment":"{by}"}},"#,
                r#""exception":false,"from":"apply","from_name":"受理","#,
                r#""note":{{"commitment":"{note}"}},"outcome":"受理","to":"review","to_name":"审查"}},"#,
                r#""position":42,"recorded_at":"2026-11-20T01:00:00.123456Z","sequence":2}}"#
            ),
            id = id_commitment(&secret().id_salt(), "YG20261127ABCDEFGH"),
            by = form["payload"]["by"]["commitment"].as_str().unwrap(),
            note = form["payload"]["note"]["commitment"].as_str().unwrap(),
        )
    );
    assert_eq!(
        hex::encode(crate::tree::leaf_hash(text.as_bytes())),
        "97b34f5825a34616916526bb87c96e1d9d4e15263801ae6d4b7e2cf32fdc0cd2",
        "leaf hash of the golden leaf"
    );
}

#[test]
fn the_id_commitment_is_checkable_with_the_id_salt() {
    let payload = opened("张三");
    let form = public_form(&record(&payload, "CaseOpened"), &secret());
    assert_eq!(
        committed_id(&form),
        Some(id_commitment(&secret().id_salt(), "YG20261127ABCDEFGH").as_str())
    );
    assert_ne!(
        committed_id(&form),
        Some(id_commitment(&secret().id_salt(), "YG20261127ABCDEFGX").as_str())
    );
}

#[test]
fn powers_are_public_and_unknown_event_types_are_committed_whole() {
    let payload = json!({"PowerSuspended": {"reason": "法律修订"}});
    let event = EventRecord {
        aggregate_type: "Power",
        aggregate_id: "PD-SCJG-XK-001",
        ..record(&payload, "PowerSuspended")
    };
    let form = public_form(&event, &secret());
    assert_eq!(form["aggregate_id"], "PD-SCJG-XK-001");
    assert_eq!(form["payload"], json!({"reason": "法律修订"}));

    let payload = json!({"ComplaintLodged": {"text": "王五的电话13900000000", "rating": 1}});
    let event = EventRecord {
        aggregate_type: "Complaint",
        aggregate_id: "C-1",
        ..record(&payload, "ComplaintLodged")
    };
    let form = public_form(&event, &secret());
    let text = String::from_utf8(encode(&form)).unwrap();
    assert!(!text.contains("王五") && !text.contains("C-1"), "{text}");
    assert!(form["payload"]["text"]["commitment"].is_string());
    assert!(form["payload"]["rating"]["commitment"].is_string());
}

#[test]
fn recorded_at_is_written_with_microseconds_in_utc() {
    let at = DateTime::parse_from_rfc3339("2026-11-20T09:00:00.5+08:00")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(recorded_at_text(at), "2026-11-20T01:00:00.500000Z");
}
