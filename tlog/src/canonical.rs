//! Canonical JSON: the one byte form of a JSON value that this log hashes.
//!
//! Object members sorted by the bytes of their keys, no whitespace, strings escaped as
//! serde_json escapes them (`"`, `\` and control characters; everything else as UTF-8), numbers
//! as serde_json prints them (integers in decimal). PostgreSQL `jsonb` reorders keys, so the log
//! never hashes JSON as stored: it builds the value from the typed event and writes it here.
use serde_json::Value;

/// The canonical text of `value`.
pub fn to_string(value: &Value) -> String {
    String::from_utf8(to_bytes(value)).expect("canonical JSON is UTF-8: it is built from strs")
}

/// The canonical bytes of `value` (its canonical text in UTF-8).
pub fn to_bytes(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        // serde_json prints a number as its Display does, with no allocation.
        Value::Number(n) => to_writer(out, n),
        Value::String(s) => to_writer(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                to_writer(out, key);
                out.push(b':');
                write(item, out);
            }
            out.push(b'}');
        }
    }
}

/// serde_json's compact text of a string or number, appended: its string escaping is fixed,
/// so the same string always gives the same text.
fn to_writer<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    serde_json::to_writer(&mut *out, value)
        .expect("writing a string or number into a Vec cannot fail");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_at_every_depth_and_there_is_no_whitespace() {
        let a = json!({"b": 1, "a": {"z": [1, {"y": null, "x": true}], "c": "阳光"}});
        assert_eq!(
            to_string(&a),
            r#"{"a":{"c":"阳光","z":[1,{"x":true,"y":null}]},"b":1}"#
        );
    }

    #[test]
    fn the_order_of_parsed_keys_does_not_matter() {
        let one: Value = serde_json::from_str(r#"{"x":1,"y":"\u0007\"q"}"#).unwrap();
        let two: Value = serde_json::from_str(r#"{ "y" : "\u0007\"q", "x" : 1 }"#).unwrap();
        assert_eq!(to_bytes(&one), to_bytes(&two));
        assert_eq!(to_string(&one), r#"{"x":1,"y":"\u0007\"q"}"#);
    }

    #[test]
    fn canonical_text_parses_back_to_the_same_value_and_the_same_text() {
        let v =
            json!({"n": -12345678901234i64, "u": 18446744073709551615u64, "s": "a\nb\u{1F600}"});
        let text = to_string(&v);
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
        assert_eq!(to_string(&back), text);
    }
}
