//! A guard to run before handing YAML text to `serde_norway`.
//!
//! libyaml's scanner (which `serde_norway` runs, as `unsafe-libyaml`) does work proportional
//! to the current flow nesting level for every token, so deeply nested flow collections take
//! quadratic time: `[` × 40 000 takes 2.5 s, × 100 000 about 18 s, a 1 MB file minutes.
//! `serde_norway` refuses anything nested deeper than 128 levels anyway, but only after the
//! scanner has read the whole document. [`check_flow_depth`] finds such nesting in one linear
//! pass first (found by `tests/fuzz`).

/// Flow nesting deeper than this is refused before parsing. `serde_norway` refuses more than
/// 128 levels of any nesting, so no document it accepts is refused here; the margin absorbs
/// the brackets the scan cannot tell from text (see [`flow_depth`]).
pub const MAX_FLOW_DEPTH: usize = 256;

/// Refuses text whose flow collections (`[...]`, `{...}`) nest deeper than
/// [`MAX_FLOW_DEPTH`], with a sentence saying so.
pub fn check_flow_depth(text: &str) -> Result<(), String> {
    if flow_depth(text) > MAX_FLOW_DEPTH {
        Err(format!(
            "the YAML nests flow collections ([...] or {{...}}) more than {MAX_FLOW_DEPTH} \
             levels deep"
        ))
    } else {
        Ok(())
    }
}

/// The deepest nesting of flow collections in `text`, as libyaml's scanner counts it, in one
/// pass: brackets in comments and in quoted scalars are skipped; outside a flow collection a
/// bracket opens one only where a value may start (after a space, at the start of a line),
/// so `a[1]` in a plain scalar does not count. An approximation: a bracket inside a plain
/// scalar after a space, or in a block scalar, is counted too.
pub fn flow_depth(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut level, mut deepest) = (0usize, 0usize);
    // The byte before, as far as token boundaries go (b'\n' at the start).
    let mut prev = b'\n';
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let boundary = matches!(prev, b' ' | b'\t' | b'\r' | b'\n')
            || (level > 0 && matches!(prev, b'[' | b'{' | b','));
        match c {
            b'#' if matches!(prev, b' ' | b'\t' | b'\r' | b'\n') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' if boundary || prev == b':' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'\'' if boundary || prev == b':' => {
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
            }
            b'[' | b'{' if level > 0 || boundary => {
                level += 1;
                deepest = deepest.max(level);
            }
            b']' | b'}' if level > 0 => level -= 1,
            _ => {}
        }
        prev = bytes.get(i).copied().unwrap_or(b'\n');
        i += 1;
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_flow_nesting() {
        assert_eq!(flow_depth("a: 1\n"), 0);
        assert_eq!(flow_depth("a: [1, [2, {b: [3]}]]\n"), 4);
        assert_eq!(flow_depth("[[[]]] [[]]"), 3);
        assert_eq!(flow_depth(&"[".repeat(10_000)), 10_000);
    }

    #[test]
    fn skips_quotes_comments_and_brackets_inside_plain_scalars() {
        assert_eq!(flow_depth("a: \"[[[[\"\nb: '[[[''[['\n"), 0);
        assert_eq!(flow_depth("a: x # [[[[\n"), 0);
        assert_eq!(flow_depth("a: f[1][2]\n"), 0);
        assert_eq!(flow_depth("a: [\"]]]\", ']]]', [1]]\n"), 2);
        assert_eq!(flow_depth("a: [\"\\\"[[\"]\n"), 1);
    }

    #[test]
    fn refuses_deep_nesting_only() {
        assert!(check_flow_depth(&format!("a: {}{}", "[".repeat(257), "]".repeat(257))).is_err());
        assert!(check_flow_depth(&format!("a: {}{}", "[".repeat(256), "]".repeat(256))).is_ok());
    }
}
