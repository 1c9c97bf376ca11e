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
    let blank = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let (mut level, mut deepest, mut aliases) = (0usize, 0usize, 0usize);
    // The byte before, as far as token boundaries go (b'\n' at the start).
    let mut prev = b'\n';
    // The last byte on this line that was not a space (b'\n' if none), and whether everything
    // significant on the line so far was a block sequence's `- `: where a node may start.
    let (mut sig, mut entries_only) = (b'\n', true);
    // Whether `sig` closed a quoted scalar (so a `:` right after it is a key's).
    let mut sig_quoted = false;
    // Where this line starts, and the column of its first node (not a `- `).
    let (mut line_start, mut node_col) = (0usize, None::<usize>);
    // A block scalar (`key: |`, `- >`): its lines, indented more than its parent's column,
    // are text. `pending` is set on the indicator's line and takes effect on the next.
    let (mut block_parent, mut pending) = (None::<usize>, None::<usize>);
    // The block scalar's own indentation, set by its first line that is not blank (YAML's
    // rule): later lines indented less end it.
    let mut block_indent = None::<usize>;
    // The column of this line's last block sequence `- `.
    let mut dash_col = None::<usize>;
    let mut i = 0;
    while i < bytes.len() {
        if i == line_start
            && let Some(parent) = block_parent
        {
            let indent = bytes[i..].iter().take_while(|b| **b == b' ').count();
            let end = bytes[i..]
                .iter()
                .position(|b| *b == b'\n')
                .map_or(bytes.len(), |p| i + p);
            let empty = bytes[i..end].iter().all(|b| blank(*b));
            let inside = match block_indent {
                _ if empty => true,
                Some(own) => indent >= own,
                None if indent > parent => {
                    block_indent = Some(indent);
                    true
                }
                None => false,
            };
            if inside {
                i = end + 1;
                line_start = i;
                continue;
            }
            (block_parent, block_indent) = (None, None);
        }
        let c = bytes[i];
        let boundary = blank(prev) || (level > 0 && matches!(prev, b'[' | b'{' | b','));
        // A node (a quoted scalar, an alias, a block scalar) may start here: at the start of a
        // line, after `key: `, `? ` or a block sequence's `- `, or in a flow collection after
        // `[`, `{` or `,`. Elsewhere a quote or a star is text of a plain scalar.
        let node_start = sig == b'\n'
            || sig == b':'
            || sig == b'?'
            || (sig == b'-' && entries_only)
            || (level > 0 && matches!(sig, b'[' | b'{' | b','));
        let mut closed_quote = false;
        match c {
            b'#' if blank(prev) => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' if node_start => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                closed_quote = true;
            }
            b'\'' if node_start => {
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
                closed_quote = true;
            }
            b'[' | b'{' if level > 0 || boundary => {
                level += 1;
                deepest = deepest.max(level);
            }
            b']' | b'}' if level > 0 => level -= 1,
            b'*' if node_start && bytes.get(i + 1).is_some_and(|n| !blank(*n)) => {
                aliases += 1;
            }
            b'|' | b'>' if node_start && level == 0 => {
                pending = Some(node_col.or(dash_col).unwrap_or(i - line_start));
            }
            _ => {}
        }
        let current = bytes.get(i).copied().unwrap_or(b'\n');
        let next_blank = bytes.get(i + 1).is_none_or(|n| blank(*n));
        match current {
            b'\n' => {
                (sig, entries_only, node_col, sig_quoted) = (b'\n', true, None, false);
                dash_col = None;
                line_start = i + 1;
                if let Some(parent) = pending.take() {
                    (block_parent, block_indent) = (Some(parent), None);
                }
            }
            b' ' | b'\t' | b'\r' => {}
            b'-' | b'?' if entries_only && next_blank => {
                (sig, sig_quoted) = (current, false);
                if current == b'-' {
                    dash_col = Some(i.saturating_sub(line_start));
                }
            }
            // `a:b` is text; `: ` separates a key, and so does `:` right after a quoted key.
            b':' if !next_blank && !sig_quoted => {
                (sig, entries_only, sig_quoted) = (b'a', false, false);
                node_col.get_or_insert(i.saturating_sub(line_start));
            }
            other => {
                // A `?` that is not a complex key's indicator is text (`?*x` is a scalar).
                let text = if other == b'?' { b'a' } else { other };
                (sig, entries_only, sig_quoted) = (text, false, closed_quote);
                node_col.get_or_insert(i.saturating_sub(line_start));
            }
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
        assert!(
            check("id: 𖿠 *0\nb: x - *y\nc: a, *b\nd: 0:*!\ne: A\":*x\nf: ⿰?*x\ng:\n  - ?*x\n")
                .is_ok()
        );
    }

    /// Quotes and block scalars cannot hide an alias: a quote opens a quoted scalar only where
    /// a node may start, and a block scalar's text ends where its indentation does.
    #[test]
    fn quotes_and_block_scalars_do_not_hide_aliases() {
        for hidden in [
            "a: b \"\nc: *x\nd: e \"\n",
            "a: {\"k\":*x}\n",
            "? *x\n: 1\n",
            "a: |\n  \"\nb: *x\nc: |\n  \"\n",
            "- key: |\n    text\n  other: *x\n",
            "- key: |\n  other: *x\n",
            "a: >-\n  text\n\nb: [*x]\n",
        ] {
            assert!(check(hidden).is_err(), "{hidden:?}");
        }
        // A block scalar's own lines are text, stars and brackets alike, in a mapping or a
        // sequence, as serde_norway writes multi-line strings.
        for block in [
            "a: |\n  *not an alias\n  [[[[\n\n  \"\nb: 1\n",
            "a:\n- |-\n  x\n  *y\n- z\n",
            "- key: |-\n    x\n      *y\n    [[\n  other: 1\n",
        ] {
            assert!(check(block).is_ok(), "{block:?}");
            assert_eq!(flow_depth(block), 0, "{block:?}");
        }
        // ... but a line indented less than the block's own text ends it.
        assert!(check("- |\n    x\n  *y\n").is_err());
        assert!(check("# *comment\na: 1 # *x\n").is_ok());
    }

    #[test]
    fn refuses_deep_nesting_only() {
        assert!(check(&format!("a: {}{}", "[".repeat(257), "]".repeat(257))).is_err());
        assert!(check(&format!("a: {}{}", "[".repeat(256), "]".repeat(256))).is_ok());
    }
}
