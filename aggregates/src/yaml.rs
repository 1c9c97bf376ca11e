//! A guard to run before handing YAML text to `serde_norway`.
//!
//! libyaml's scanner (which `serde_norway` runs, as `unsafe-libyaml`) does work proportional
//! to the current flow nesting level for every token, so deeply nested flow collections take
//! quadratic time: `[` × 40 000 takes 2.5 s, × 100 000 about 18 s, a 1 MB file minutes.
//! `serde_norway` refuses anything nested deeper than 128 levels anyway, but only after the
//! scanner has read the whole document. [`check`] finds such nesting in one linear
//! pass first (found by `tests/fuzz`).
//!
//! Aliases (`*name`) copy what their anchor names every time they are used, so a small file
//! can expand to gigabytes (a 408 KB upload repeating one anchored string 2,500 times took a
//! server to 1.24 GB). No file Yangguang reads needs them: [`check`] refuses any alias in the
//! same pass.

/// Flow nesting deeper than this is refused before parsing. `serde_norway` refuses more than
/// 128 levels of any nesting, so no document it accepts is refused here; the margin absorbs
/// the brackets the scan cannot tell from text (see [`flow_depth`]).
pub const MAX_FLOW_DEPTH: usize = 256;

/// Refuses text whose flow collections (`[...]`, `{...}`) nest deeper than
/// [`MAX_FLOW_DEPTH`], or that uses an alias (`*name`), with a sentence saying so. Run it on
/// every YAML text from outside before parsing it.
pub fn check(text: &str) -> Result<(), String> {
    let scan = scan(text);
    if scan.aliases > 0 {
        return Err(
            "YAML aliases (*name) are not accepted: write each value out (an alias repeats \
             what its anchor names, and can make a small file huge)"
                .to_owned(),
        );
    }
    check_depth(scan.deepest)
}

fn check_depth(deepest: usize) -> Result<(), String> {
    if deepest > MAX_FLOW_DEPTH {
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
    scan(text).deepest
}

/// What one pass over a YAML text found.
struct Scan {
    /// The deepest flow nesting.
    deepest: usize,
    /// Aliases (`*name` where a node may start), outside comments and quoted scalars. An
    /// approximation like the brackets': ` *x` inside a plain scalar counts too.
    aliases: usize,
}

fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let (mut level, mut deepest, mut aliases) = (0usize, 0usize, 0usize);
    // The byte before, as far as token boundaries go (b'\n' at the start).
    let mut prev = b'\n';
    // The last byte on this line that was not a space (b'\n' if none), and whether everything
    // significant on the line so far was a block sequence's `- `: where a node may start.
    let (mut sig, mut entries_only) = (b'\n', true);
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
            // An alias starts a node: at the start of a line, after `key: `, after a block
            // sequence's `- `, or in a flow collection after `[`, `{` or `,`. Inside a plain
            // scalar (`a: 2 *3`) a star follows other text and is no alias.
            b'*' if bytes
                .get(i + 1)
                .is_some_and(|n| !matches!(n, b' ' | b'\t' | b'\r' | b'\n'))
                && (sig == b'\n'
                    || sig == b':'
                    || (sig == b'-' && entries_only)
                    || (level > 0 && matches!(sig, b'[' | b'{' | b','))) =>
            {
                aliases += 1;
            }
            _ => {}
        }
        let current = bytes.get(i).copied().unwrap_or(b'\n');
        match current {
            b'\n' => (sig, entries_only) = (b'\n', true),
            b' ' | b'\t' | b'\r' => {}
            b'-' if entries_only
                && bytes
                    .get(i + 1)
                    .is_none_or(|n| matches!(n, b' ' | b'\t' | b'\r' | b'\n')) =>
            {
                sig = b'-';
            }
            // `a:b` is text; only `: ` (or `:` at the end of a line) separates a key.
            b':' if bytes
                .get(i + 1)
                .is_some_and(|n| !matches!(n, b' ' | b'\t' | b'\r' | b'\n')) =>
            {
                (sig, entries_only) = (b'a', false);
            }
            other => (sig, entries_only) = (other, false),
        }
        prev = current;
        i += 1;
    }
    Scan { deepest, aliases }
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
    fn refuses_aliases_but_not_stars_in_text() {
        let bomb = format!(
            "a: &x {}\nb: [{}]\n",
            "y".repeat(100),
            ["*x"; 50].join(", ")
        );
        assert!(check(&bomb).unwrap_err().contains("aliases"));
        assert!(check("a: &x 1\nb: *x\n").is_err());
        assert!(check("- *x\n").is_err());
        assert!(check("a: [1, *x]\n").is_err());
        assert!(check("a:\n  - - *x\n").is_err());
        // A star or an ampersand inside text, quoted or not, and an unused anchor are fine.
        assert!(check("a: 2*3\nb: \"see *note\"\nc: 'x *y'\nd: A & B\ne: &anchor 1\n").is_ok());
        assert!(check("id: 𖿠 *0\nb: x - *y\nc: a, *b\nd: 0:*!\n").is_ok());
        assert!(check("# *comment\na: 1 # *x\n").is_ok());
    }

    #[test]
    fn refuses_deep_nesting_only() {
        assert!(check(&format!("a: {}{}", "[".repeat(257), "]".repeat(257))).is_err());
        assert!(check(&format!("a: {}{}", "[".repeat(256), "]".repeat(256))).is_ok());
    }
}
