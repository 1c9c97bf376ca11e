//! `yangguang::engine::catalogue_file::parse` on arbitrary text, on YAML documents generated from the
//! catalogue's grammar with random field values (wrong types, huge numbers, deep nesting,
//! Unicode, NUL, unknown keys; emitted in block or flow style), on the demo catalogue with its
//! tree mutated, and on the demo catalogue's text mutated line by line and character by
//! character.
use std::sync::OnceLock;

use aggregates::power::{Power, PowerCommand};
use aggregates::{Actor, Role};
use cqrs_es::test::TestFramework;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;
use yangguang::engine::catalogue_file::{self, CatalogueFile, DEMO_CATALOGUE, ImportError};

use crate::common::{self, Stats, guard, preview};

// ------------------------------------------------------------------------ YAML trees

/// A YAML document as a tree; `Raw` is a plain scalar written as is (numbers of any size,
/// booleans, null, `.inf`, dates...), `Str` a string written double-quoted and escaped.
#[derive(Debug, Clone)]
pub enum Tree {
    Map(Vec<(String, Tree)>),
    List(Vec<Tree>),
    Str(String),
    Raw(String),
}

impl Tree {
    pub fn from_json(value: &Value) -> Tree {
        match value {
            Value::Null => Tree::Raw("null".into()),
            Value::Bool(b) => Tree::Raw(b.to_string()),
            Value::Number(n) => Tree::Raw(n.to_string()),
            Value::String(s) => Tree::Str(s.clone()),
            Value::Array(items) => Tree::List(items.iter().map(Tree::from_json).collect()),
            Value::Object(map) => Tree::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), Tree::from_json(v)))
                    .collect(),
            ),
        }
    }

    fn len(&self) -> usize {
        match self {
            Tree::Map(entries) => entries.len(),
            Tree::List(items) => items.len(),
            _ => 0,
        }
    }

    /// Child `i` (`i < self.len()`).
    fn child_mut(&mut self, i: usize) -> &mut Tree {
        match self {
            Tree::Map(entries) => &mut entries[i].1,
            Tree::List(items) => &mut items[i],
            scalar => scalar,
        }
    }

    /// Flow style (a superset of JSON).
    pub fn flow(&self, out: &mut String) {
        match self {
            Tree::Map(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    quote(k, out);
                    out.push_str(": ");
                    v.flow(out);
                }
                out.push('}');
            }
            Tree::List(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.flow(out);
                }
                out.push(']');
            }
            Tree::Str(s) => quote(s, out),
            Tree::Raw(r) => out.push_str(r),
        }
    }

    /// Block style, indented by `indent` spaces.
    pub fn block(&self, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match self {
            Tree::Map(entries) if !entries.is_empty() => {
                for (k, v) in entries {
                    out.push_str(&pad);
                    if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !k.is_empty() {
                        out.push_str(k);
                    } else {
                        quote(k, out);
                    }
                    out.push(':');
                    v.after_key(indent, out);
                }
            }
            Tree::List(items) if !items.is_empty() => {
                for v in items {
                    out.push_str(&pad);
                    out.push('-');
                    v.after_key(indent, out);
                }
            }
            other => {
                out.push_str(&pad);
                other.flow(out);
                out.push('\n');
            }
        }
    }

    fn after_key(&self, indent: usize, out: &mut String) {
        match self {
            Tree::Map(e) if !e.is_empty() => {
                out.push('\n');
                self.block(indent + 2, out);
            }
            Tree::List(l) if !l.is_empty() => {
                out.push('\n');
                self.block(indent + 2, out);
            }
            scalar => {
                out.push(' ');
                scalar.flow(out);
                out.push('\n');
            }
        }
    }

    pub fn emit(&self, block: bool) -> String {
        let mut out = String::new();
        if block {
            self.block(0, &mut out);
        } else {
            self.flow(&mut out);
            out.push('\n');
        }
        out
    }
}

/// A YAML double-quoted scalar: every control character escaped (`\0`, `\x..`, `\u....`), so
/// NUL and friends reach the parser as characters of the string.
fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() || c == '\u{feff}' || ('\u{fffe}'..='\u{ffff}').contains(&c) => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

// ------------------------------------------------------------------------ values

/// Plain scalars: numbers of every size and sign, YAML's special values, dates, look-alikes.
fn raw_scalar() -> BoxedStrategy<Tree> {
    prop_oneof![
        prop::sample::select(vec![
            "0",
            "-1",
            "1",
            "5",
            "20",
            "365",
            "366",
            "4294967295",
            "4294967296",
            "9223372036854775807",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775809",
            "1e400",
            "-1e400",
            "1.5",
            "-0",
            "0.0",
            ".inf",
            "-.inf",
            ".nan",
            "~",
            "null",
            "true",
            "false",
            "yes",
            "no",
            "0x1F",
            "0o17",
            "1_000",
            "2026-02-30",
            "2026-11-20T09:00:00+08:00",
            "''",
            "!!binary aGVsbG8=",
            "!!str 5",
            "!unknown x",
        ])
        .prop_map(|s| Tree::Raw(s.to_string())),
        any::<i64>().prop_map(|n| Tree::Raw(n.to_string())),
        any::<u64>().prop_map(|n| Tree::Raw(n.to_string())),
        any::<f64>().prop_map(|n| Tree::Raw(format!("{n:?}"))),
        "[1-9][0-9]{20,400}".prop_map(Tree::Raw),
    ]
    .boxed()
}

/// Texts: plausible, empty, blank, long, every kind of Unicode, control characters.
pub fn text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "食品经营许可",
            "上海市浦东新区市场监督管理局",
            "中华人民共和国行政许可法",
            "第四十二条第一款",
            "12345市民服务热线",
            "窗口受理人员",
            "受理",
            "准予许可",
        ])
        .prop_map(str::to_owned),
        1 => Just(String::new()),
        1 => "[ \t\n\u{3000}\u{a0}]{1,5}",
        1 => (prop::char::any(), 90usize..3000).prop_map(|(c, n)| c.to_string().repeat(n)),
        1 => prop::sample::select(vec![
            "𠀀𠀁𪚥",
            "👨‍👩‍👧‍👦🏳️‍🌈",
            "\u{202e}مرحبا\u{200f}",
            "a\u{0301}\u{0327}\u{20dd}",
            "\u{feff}BOM",
            "\u{fffd}\u{ffff}",
            "\u{10ffff}",
            "nul\u{0}byte",
            "bell\u{7}",
            "del\u{7f}",
            "c1\u{85}\u{9f}",
            "line\nbreak",
            "tab\there",
            "\r\n",
            "{{ x }}",
            "<script>alert(1)</script>",
            "--- !!map",
            "*alias",
            "&anchor",
        ])
        .prop_map(str::to_owned),
        2 => any::<String>(),
        1 => "\\PC{0,40}",
    ]
    .boxed()
}

fn key() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "powers", "code", "name", "category", "department", "department_name", "version",
            "legal_basis", "law", "article", "excerpt", "url", "conditions", "materials",
            "copies", "note", "statutory_limit_days", "promised_limit_days", "limit_source",
            "extension", "days", "basis", "fees", "amount_fen", "disclosure",
            "supervision_channel", "flowchart", "steps", "transitions", "must_pass", "id",
            "kind", "role", "limit_days", "pauses_clock", "separate_from", "result", "from",
            "outcome", "to", "exception", "step", "before", "discretion", "regimes", "bands",
            "unknown", "extra", "<<",
        ])
        .prop_map(str::to_owned),
        1 => text(),
    ]
    .boxed()
}

/// Any tree: scalars, lists and maps nested a few levels, or a scalar buried under hundreds
/// of levels.
pub fn garbage() -> BoxedStrategy<Tree> {
    let leaf = prop_oneof![raw_scalar(), text().prop_map(Tree::Str)];
    let nested = leaf.clone().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Tree::List),
            prop::collection::vec((key(), inner), 0..6).prop_map(Tree::Map),
        ]
    });
    prop_oneof![
        6 => nested,
        1 => (leaf, 1usize..400, any::<bool>()).prop_map(|(mut t, depth, maps)| {
            for _ in 0..depth {
                t = if maps {
                    Tree::Map(vec![("k".into(), t)])
                } else {
                    Tree::List(vec![t])
                };
            }
            t
        }),
    ]
    .boxed()
}

/// Mostly `plausible`, sometimes anything.
fn field(plausible: BoxedStrategy<Tree>) -> BoxedStrategy<Tree> {
    prop_oneof![12 => plausible, 1 => garbage()].boxed()
}

fn s(options: Vec<&'static str>) -> BoxedStrategy<Tree> {
    prop_oneof![
        8 => prop::sample::select(options).prop_map(|s| Tree::Str(s.to_owned())),
        1 => text().prop_map(Tree::Str),
    ]
    .boxed()
}

fn t() -> BoxedStrategy<Tree> {
    text().prop_map(Tree::Str).boxed()
}

fn number() -> BoxedStrategy<Tree> {
    prop_oneof![
        3 => (0u32..400).prop_map(|n| Tree::Raw(n.to_string())),
        1 => raw_scalar(),
    ]
    .boxed()
}

fn boolean() -> BoxedStrategy<Tree> {
    prop_oneof![
        4 => any::<bool>().prop_map(|b| Tree::Raw(b.to_string())),
        1 => raw_scalar(),
    ]
    .boxed()
}

fn list(item: BoxedStrategy<Tree>, max: usize) -> BoxedStrategy<Tree> {
    prop::collection::vec(item, 0..max)
        .prop_map(Tree::List)
        .boxed()
}

/// A map of the given fields, each present most of the time, sometimes with an unknown key
/// added; the order shuffled.
fn map(fields: Vec<(&'static str, f64, BoxedStrategy<Tree>)>) -> BoxedStrategy<Tree> {
    let entries: Vec<BoxedStrategy<Option<(String, Tree)>>> = fields
        .into_iter()
        .map(|(name, p, strategy)| {
            prop::option::weighted(p, strategy.prop_map(move |v| (name.to_owned(), v))).boxed()
        })
        .collect();
    (
        entries,
        prop::option::weighted(0.05, (key(), garbage())),
        any::<bool>(),
    )
        .prop_map(|(entries, extra, reverse)| {
            let mut out: Vec<(String, Tree)> = entries.into_iter().flatten().collect();
            out.extend(extra);
            if reverse {
                out.reverse();
            }
            Tree::Map(out)
        })
        .boxed()
}

const STEP_IDS: [&str; 8] = [
    "apply",
    "supplement",
    "review",
    "decide",
    "granted",
    "denied",
    "a",
    "Bad-Id",
];

fn step_id() -> BoxedStrategy<Tree> {
    s(STEP_IDS.to_vec())
}

fn flowchart_tree() -> BoxedStrategy<Tree> {
    let step = map(vec![
        ("id", 0.97, field(step_id())),
        (
            "name",
            0.95,
            field(s(vec!["申请与受理", "材料审查", "许可决定", "准予许可"])),
        ),
        ("kind", 0.7, field(s(vec!["start", "task", "end", "Start"]))),
        (
            "role",
            0.8,
            field(s(vec!["窗口受理人员", "审查人员", "审批负责人"])),
        ),
        ("limit_days", 0.3, field(number())),
        ("pauses_clock", 0.2, field(boolean())),
        ("separate_from", 0.2, field(list(step_id(), 3))),
        ("result", 0.3, field(s(vec!["准予许可", "不予许可"]))),
    ]);
    let transition = map(vec![
        ("from", 0.97, field(step_id())),
        (
            "outcome",
            0.97,
            field(s(vec!["受理", "不予受理", "准予许可", "补正"])),
        ),
        ("to", 0.97, field(step_id())),
        ("exception", 0.2, field(boolean())),
    ]);
    let must_pass = map(vec![
        ("step", 0.97, field(step_id())),
        ("before", 0.97, field(step_id())),
    ]);
    map(vec![
        ("steps", 0.97, field(list(step, 9))),
        ("transitions", 0.9, field(list(transition, 12))),
        ("must_pass", 0.2, field(list(must_pass, 3))),
    ])
}

fn version_tree() -> BoxedStrategy<Tree> {
    let basis = map(vec![
        ("law", 0.97, field(t())),
        ("article", 0.97, field(t())),
        ("excerpt", 0.5, field(t())),
        ("url", 0.3, field(t())),
    ]);
    let material = map(vec![
        ("name", 0.97, field(t())),
        ("copies", 0.5, field(number())),
        ("note", 0.3, field(t())),
    ]);
    let fee = map(vec![
        ("name", 0.97, field(s(vec!["不收费", "工本费"]))),
        ("amount_fen", 0.95, field(number())),
        ("basis", 0.5, field(t())),
    ]);
    let extension = map(vec![
        ("days", 0.95, field(number())),
        ("basis", 0.95, field(t())),
    ]);
    (
        map(vec![
            ("legal_basis", 0.97, field(list(basis, 4))),
            ("conditions", 0.6, field(list(t(), 4))),
            ("materials", 0.6, field(list(material, 4))),
            ("statutory_limit_days", 0.97, field(number())),
            ("promised_limit_days", 0.6, field(number())),
            ("limit_source", 0.3, field(t())),
            ("extension", 0.3, field(extension)),
            ("fees", 0.5, field(list(fee, 3))),
            (
                "disclosure",
                0.97,
                field(s(vec!["proactive", "on_request", "withheld", "主动公开"])),
            ),
            ("supervision_channel", 0.97, field(t())),
            ("flowchart", 0.97, field(flowchart_tree())),
        ]),
        prop::option::weighted(0.15, discretion_tree()),
    )
        .prop_map(|(mut version, discretion)| {
            if let (Tree::Map(entries), Some(d)) = (&mut version, discretion) {
                entries.push(("discretion".into(), d));
            }
            version
        })
        .boxed()
}

/// The demo's discretion standard with a few of its values replaced.
fn discretion_tree() -> BoxedStrategy<Tree> {
    let base = demo_tree_at(|v| {
        v["powers"]
            .as_array()?
            .iter()
            .find_map(|p| p["version"].get("discretion").cloned())
    });
    prop::collection::vec(mutation(), 0..3)
        .prop_map(move |ops| {
            let mut tree = base.clone();
            for op in ops {
                op.apply(&mut tree);
            }
            tree
        })
        .boxed()
}

/// A catalogue file from the catalogue's grammar.
fn catalogue_tree() -> BoxedStrategy<Tree> {
    // Mostly valid values, so that whole entries pass and each field's checks are reached.
    let entry = map(vec![
        (
            "code",
            0.99,
            field(s(vec![
                "PD-SCJG-XK-001",
                "PD-SCJG-XK-002",
                "PD-SCJG-CF-003",
                "PD-FGW-QR-004",
                "X-1",
                "PD-SCJG-XK-006",
                "PD-SCJG-XK-007",
            ])),
        ),
        ("name", 0.99, field(s(vec!["食品经营许可", "药品零售许可"]))),
        (
            "category",
            0.99,
            field(s(vec!["licensing", "penalty", "许可", "other"])),
        ),
        (
            "department",
            0.99,
            field(s(vec!["pudong-amr", "pudong-fgw"])),
        ),
        (
            "department_name",
            0.99,
            field(s(vec!["上海市浦东新区市场监督管理局"])),
        ),
        ("version", 0.99, field(version())),
    ]);
    map(vec![("powers", 0.99, field(list(entry, 4)))])
}

/// A version: one of the demo's (valid, so that the rest of the entry decides), lightly
/// mutated, or one from the grammar.
fn version() -> BoxedStrategy<Tree> {
    let demo: Vec<Tree> = demo_json()["powers"]
        .as_array()
        .map(|powers| {
            powers
                .iter()
                .map(|p| Tree::from_json(&p["version"]))
                .collect()
        })
        .unwrap_or_default();
    prop_oneof![
        4 => (prop::sample::select(demo), prop::collection::vec(mutation(), 0..2)).prop_map(
            |(mut tree, ops)| {
                for op in ops {
                    op.apply(&mut tree);
                }
                tree
            }
        ),
        1 => version_tree(),
    ]
    .boxed()
}

// ------------------------------------------------------------------------ the demo

fn demo_json() -> &'static Value {
    static DEMO: OnceLock<Value> = OnceLock::new();
    DEMO.get_or_init(|| serde_norway::from_str(DEMO_CATALOGUE).expect("the demo catalogue is YAML"))
}

fn demo_tree_at(pick: impl Fn(&Value) -> Option<Value>) -> Tree {
    let value = pick(demo_json()).unwrap_or(Value::Null);
    Tree::from_json(&value)
}

/// One change to a tree, at a place chosen by `path` (an index at each level, stopping after
/// `depth` levels or at a scalar).
#[derive(Debug, Clone)]
pub struct Mutation {
    path: Vec<Index>,
    depth: usize,
    op: Op,
}

#[derive(Debug, Clone)]
enum Op {
    Replace(Tree),
    Delete(Index),
    Duplicate(Index),
    Swap(Index, Index),
    AddKey(String, Tree),
    Wrap(usize),
    Text(String),
    Number(Tree),
}

fn mutation() -> BoxedStrategy<Mutation> {
    let op = prop_oneof![
        2 => garbage().prop_map(Op::Replace),
        2 => any::<Index>().prop_map(Op::Delete),
        1 => any::<Index>().prop_map(Op::Duplicate),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Op::Swap(a, b)),
        1 => (key(), garbage()).prop_map(|(k, v)| Op::AddKey(k, v)),
        1 => (1usize..200).prop_map(Op::Wrap),
        2 => text().prop_map(Op::Text),
        2 => raw_scalar().prop_map(Op::Number),
    ];
    (prop::collection::vec(any::<Index>(), 12), 0usize..12, op)
        .prop_map(|(path, depth, op)| Mutation { path, depth, op })
        .boxed()
}

impl Mutation {
    fn apply(&self, tree: &mut Tree) {
        let mut node = tree;
        for index in self.path.iter().take(self.depth) {
            let n = node.len();
            if n == 0 {
                break;
            }
            node = node.child_mut(index.index(n));
        }
        match &self.op {
            Op::Replace(t) => *node = t.clone(),
            Op::Delete(i) => match node {
                Tree::Map(e) if !e.is_empty() => {
                    e.remove(i.index(e.len()));
                }
                Tree::List(l) if !l.is_empty() => {
                    l.remove(i.index(l.len()));
                }
                other => *other = Tree::Raw("null".into()),
            },
            Op::Duplicate(i) => match node {
                // A duplicate key: YAML forbids it, the parser must say so.
                Tree::Map(e) if !e.is_empty() => {
                    let entry = e[i.index(e.len())].clone();
                    e.push(entry);
                }
                Tree::List(l) if !l.is_empty() => {
                    let item = l[i.index(l.len())].clone();
                    l.push(item);
                }
                _ => {}
            },
            Op::Swap(a, b) => match node {
                Tree::Map(e) if !e.is_empty() => {
                    let (a, b) = (a.index(e.len()), b.index(e.len()));
                    let (va, vb) = (e[a].1.clone(), e[b].1.clone());
                    e[a].1 = vb;
                    e[b].1 = va;
                }
                Tree::List(l) if !l.is_empty() => {
                    let n = l.len();
                    l.swap(a.index(n), b.index(n));
                }
                _ => {}
            },
            Op::AddKey(k, v) => match node {
                Tree::Map(e) => e.push((k.clone(), v.clone())),
                other => *other = Tree::Map(vec![(k.clone(), v.clone())]),
            },
            Op::Wrap(depth) => {
                for _ in 0..*depth {
                    let inner = std::mem::replace(node, Tree::Raw("null".into()));
                    *node = Tree::List(vec![inner]);
                }
            }
            Op::Text(s) => *node = Tree::Str(s.clone()),
            Op::Number(n) => *node = n.clone(),
        }
    }
}

/// A change to the demo catalogue's text.
#[derive(Debug, Clone)]
pub enum Edit {
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    Indent(Index, bool),
    FlipChar(Index, Index, char),
    DeleteChar(Index, Index),
    Insert(Index, Index, String),
    Truncate(Index),
}

fn edit() -> BoxedStrategy<Edit> {
    let replacement = prop_oneof![
        4 => prop::sample::select(vec![
            ' ', '\t', ':', '-', '#', '"', '\'', '[', ']', '{', '}', '&', '*', '!', '|', '>', '%',
            '@', '`', ',', '?', '\0', '\u{7}', '\u{85}', '\u{feff}', '\u{2028}', '中', '0', '9',
            'x',
        ]),
        1 => prop::char::any(),
    ];
    prop_oneof![
        3 => any::<Index>().prop_map(Edit::DeleteLine),
        2 => any::<Index>().prop_map(Edit::DuplicateLine),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        1 => (any::<Index>(), any::<bool>()).prop_map(|(a, b)| Edit::Indent(a, b)),
        4 => (any::<Index>(), any::<Index>(), replacement).prop_map(|(l, c, r)| Edit::FlipChar(l, c, r)),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(l, c)| Edit::DeleteChar(l, c)),
        2 => (any::<Index>(), any::<Index>(), text()).prop_map(|(l, c, s)| Edit::Insert(l, c, s)),
        1 => any::<Index>().prop_map(Edit::Truncate),
    ]
    .boxed()
}

/// Applies edits to the demo's lines (comment lines carry no content: they are dropped first
/// so that edits land on content).
fn apply_edits(edits: &[Edit]) -> String {
    let mut lines: Vec<String> = DEMO_CATALOGUE
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(str::to_owned)
        .collect();
    let char_at = |line: &str, i: &Index| -> usize {
        let n = line.chars().count();
        if n == 0 { 0 } else { i.index(n) }
    };
    for e in edits {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match e {
            Edit::DeleteLine(i) => {
                lines.remove(i.index(n));
            }
            Edit::DuplicateLine(i) => {
                let i = i.index(n);
                lines.insert(i, lines[i].clone());
            }
            Edit::SwapLines(a, b) => lines.swap(a.index(n), b.index(n)),
            Edit::Indent(i, more) => {
                let line = &mut lines[i.index(n)];
                if *more {
                    line.insert_str(0, "  ");
                } else if line.starts_with(' ') {
                    line.remove(0);
                }
            }
            Edit::FlipChar(l, c, r) => {
                let line = &mut lines[l.index(n)];
                let at = char_at(line, c);
                let mut chars: Vec<char> = line.chars().collect();
                if chars.is_empty() {
                    chars.push(*r);
                } else {
                    chars[at] = *r;
                }
                *line = chars.into_iter().collect();
            }
            Edit::DeleteChar(l, c) => {
                let line = &mut lines[l.index(n)];
                let at = char_at(line, c);
                let mut chars: Vec<char> = line.chars().collect();
                if !chars.is_empty() {
                    chars.remove(at);
                }
                *line = chars.into_iter().collect();
            }
            Edit::Insert(l, c, s) => {
                let line = &mut lines[l.index(n)];
                let at = char_at(line, c);
                let mut chars: Vec<char> = line.chars().collect();
                chars.splice(at..at, s.chars());
                *line = chars.into_iter().collect();
            }
            Edit::Truncate(i) => lines.truncate(i.index(n) + 1),
        }
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

// ------------------------------------------------------------------------ the properties

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    })
}

/// Parses `text` under the guard and checks the answer; returns whether it was accepted.
fn check(stats: &Stats, text: &str) -> Result<bool, TestCaseError> {
    let result = guard(
        stats,
        "catalogue_file::parse",
        &|| text.to_string(),
        text.len(),
        || catalogue_file::parse(text),
        Result::is_ok,
    )?;
    match result {
        Err(ImportError::Malformed(message)) => {
            prop_assert!(
                !message.trim().is_empty(),
                "Malformed without a message for {}",
                preview(text, 400)
            );
            Ok(false)
        }
        Err(ImportError::Invalid(problems)) => {
            prop_assert!(
                !problems.is_empty(),
                "Invalid without problems for {}",
                preview(text, 400)
            );
            for p in &problems {
                // "<power code>: <what is wrong>": the part after the last ": " says what.
                let what = p.rsplit(": ").next().unwrap_or_default();
                prop_assert!(
                    p.contains(": ") && !what.trim().is_empty(),
                    "a problem without a message: {p:?} for {}",
                    preview(text, 400)
                );
            }
            Ok(false)
        }
        Err(ImportError::Command { code, message }) => Err(TestCaseError::fail(format!(
            "parse ran a command? {code}: {message}"
        ))),
        Ok(file) => {
            accepted_by_domain(&file, text)?;
            survives_export(stats, &file, text)?;
            Ok(true)
        }
    }
}

/// Every entry of an accepted file registers and publishes in the power aggregate: an import
/// never stops half-way on a refusal `parse` let through.
fn accepted_by_domain(file: &CatalogueFile, text: &str) -> Result<(), TestCaseError> {
    for entry in &file.powers {
        let actor = Actor {
            id: "fuzz".into(),
            role: Role::Admin,
            department: Some(entry.department.clone()),
        };
        let registered = runtime()
            .block_on(
                TestFramework::<Power>::with(())
                    .given_no_previous_events()
                    .when_async(PowerCommand::RegisterPower {
                        actor: actor.clone(),
                        code: entry.code.clone(),
                        name: entry.name.clone(),
                        category: entry.category,
                        department: entry.department.clone(),
                        department_name: entry.department_name.clone(),
                    }),
            )
            .inspect_result();
        let events = match registered {
            Ok(events) => events,
            Err(e) => {
                return Err(TestCaseError::fail(format!(
                    "parse accepted power {:?} but registering it is refused ({e}); an import \
                     would stop after writing the entries before it: {}",
                    entry.code,
                    preview(text, 600)
                )));
            }
        };
        let published = runtime()
            .block_on(TestFramework::<Power>::with(()).given(events).when_async(
                PowerCommand::PublishPowerVersion {
                    actor,
                    content: Box::new(entry.version.clone()),
                },
            ))
            .inspect_result();
        if let Err(e) = published {
            return Err(TestCaseError::fail(format!(
                "parse accepted power {:?} but publishing its version is refused ({e}): {}",
                entry.code,
                preview(text, 600)
            )));
        }
    }
    Ok(())
}

/// An accepted file, written out as `catalogue export` does, parses again to the same file.
fn survives_export(stats: &Stats, file: &CatalogueFile, text: &str) -> Result<(), TestCaseError> {
    let exported = serde_norway::to_string(file)
        .map_err(|e| TestCaseError::fail(format!("export failed: {e}: {}", preview(text, 600))))?;
    let again = guard(
        stats,
        "catalogue_file::parse (exported)",
        &|| exported.clone(),
        exported.len(),
        || catalogue_file::parse(&exported),
        Result::is_ok,
    )?;
    match again {
        Ok(again) => {
            prop_assert_eq!(
                serde_json::to_value(&again).ok(),
                serde_json::to_value(file).ok(),
                "exported and imported again, the catalogue changed: {}",
                preview(text, 600)
            );
            Ok(())
        }
        Err(e) => Err(TestCaseError::fail(format!(
            "the export of an accepted catalogue is refused ({e}); input {}, export {}",
            preview(text, 600),
            preview(&exported, 600)
        ))),
    }
}

fn stats(name: &'static str) -> &'static Stats {
    Box::leak(Box::new(Stats::new(name)))
}

#[test]
fn the_demo_catalogue_passes_every_check() {
    let stats = Stats::new("catalogue/demo");
    assert!(matches!(check(&stats, DEMO_CATALOGUE), Ok(true)));
    stats.report();
}

#[test]
fn arbitrary_text() {
    let stats = stats("catalogue/arbitrary text");
    let mut runner = proptest::test_runner::TestRunner::new(common::config(1));
    let strategy = prop_oneof![
        any::<String>(),
        "\\PC{0,200}",
        prop::collection::vec(
            prop::sample::select(vec![
                "powers:",
                "\n",
                "  ",
                "- ",
                "code: ",
                "version:",
                "flowchart:",
                "steps:",
                "{",
                "}",
                "[",
                "]",
                ", ",
                "\"",
                "'",
                "&a ",
                "*a",
                "!!str ",
                "<<: ",
                "? ",
                "|",
                ">",
                "---\n",
                "...\n",
                "#",
                "\t",
                "\0",
                "1",
                "x",
                "中",
            ]),
            0..80,
        )
        .prop_map(|parts| parts.concat()),
    ];
    let result = runner.run(&strategy, |text| check(stats, &text).map(|_| ()));
    common::finish(stats, result);
}

#[test]
fn documents_from_the_catalogue_grammar() {
    let stats = stats("catalogue/grammar");
    let mut runner = proptest::test_runner::TestRunner::new(common::config(2));
    let result = runner.run(&(catalogue_tree(), any::<bool>()), |(tree, block)| {
        check(stats, &tree.emit(block)).map(|_| ())
    });
    common::finish(stats, result);
}

#[test]
fn the_demo_catalogue_with_its_tree_mutated() {
    let stats = stats("catalogue/demo tree mutated");
    let demo = Tree::from_json(demo_json());
    let mut runner = proptest::test_runner::TestRunner::new(common::config(4));
    let result = runner.run(
        &(prop::collection::vec(mutation(), 1..5), any::<bool>()),
        |(mutations, block)| {
            let mut tree = demo.clone();
            for m in &mutations {
                m.apply(&mut tree);
            }
            check(stats, &tree.emit(block)).map(|_| ())
        },
    );
    common::finish(stats, result);
}

#[test]
fn the_demo_catalogue_with_its_text_mutated() {
    let stats = stats("catalogue/demo text mutated");
    let mut runner = proptest::test_runner::TestRunner::new(common::config(4));
    let result = runner.run(&prop::collection::vec(edit(), 1..7), |edits| {
        check(stats, &apply_edits(&edits)).map(|_| ())
    });
    common::finish(stats, result);
}

/// Fixed shapes worth a test of their own: an alias bomb (a billion laughs), nesting far
/// past any parser's limit, a long document, NUL in and out of quotes, a BOM.
#[test]
fn hostile_documents() {
    let stats = Stats::new("catalogue/hostile documents");
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        let refs = vec![format!("*{prev}"); 9].join(",");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    bomb.push_str("powers: *i\n");
    let deep = |n: usize| format!("powers: {}{}\n", "[".repeat(n), "]".repeat(n));
    let deep_flow = deep(100_000);
    let deep_block = {
        let mut s = String::from("powers:\n");
        for i in 0..5_000 {
            s.push_str(&" ".repeat(i + 1));
            s.push_str("- \n");
        }
        s
    };
    let long = {
        let file = catalogue_file::parse(DEMO_CATALOGUE).unwrap();
        let mut powers = Vec::new();
        for i in 0..100 {
            for p in &file.powers {
                let mut p = p.clone();
                p.code = format!("{}-{i}", p.code);
                powers.push(p);
            }
        }
        serde_norway::to_string(&CatalogueFile { powers }).unwrap()
    };
    let inputs = [
        bomb,
        deep(10_000),
        deep(20_000),
        deep(40_000),
        deep_flow,
        deep_block,
        long,
        "powers: []\n\0".into(),
        "powers: [\"\0\"]\n".into(),
        "\u{feff}powers: []\n".into(),
        "".into(),
        "---\n---\n".into(),
        "powers: []\npowers: []\n".into(),
        "powers: !!binary aGVsbG8=\n".into(),
        format!("powers: [{}]\n", "{}, ".repeat(50_000)),
    ];
    for text in &inputs {
        let started = std::time::Instant::now();
        if let Err(e) = check(&stats, text) {
            panic!("{e}");
        }
        println!(
            "fuzz/catalogue/hostile documents: {} checked in {:.2?}",
            preview(text, 24),
            started.elapsed()
        );
    }
    stats.report();
}
