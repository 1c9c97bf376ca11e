//! The architecture test: the folders of `src/` are layers, and dependencies point one way.
//!
//! Reads every `crate::…` and `super::…` path in the main crate's sources (code, not comments),
//! resolves it to the module it names, and fails, naming the file and the path, when
//!
//! - a module reaches up to a layer above its own (web → engine/queries/follow/identity →
//!   store, with the wiring — `cli`, `startup`, `config`, `telemetry` — on top), or
//! - files depend on each other in a circle (modules and their own submodules aside).
//!
//! The upward imports that existed when the layers were drawn are listed in [`KNOWN`], each with
//! why it is there; they are being cut, and an entry whose import is gone fails the test too,
//! so the list only shrinks. The domain crates (`aggregates`, `projections`, `tlog`) sit below
//! every layer; that they do no I/O is kept by their own `Cargo.toml`s, which depend on no
//! store, runtime or web crate.
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The layers, top first, as (rank, first segments of the module path). A module may use its
/// own layer and any layer of lower rank.
const LAYERS: [(u8, &[&str]); 6] = [
    (6, &["cli"]),
    (5, &["startup", "config", "telemetry"]),
    (4, &["web"]),
    (3, &["queries", "follow"]),
    (2, &["engine", "identity"]),
    (1, &["store"]),
];

/// Upward imports known when the layers were drawn: (file, the module it reaches up to, why).
/// All are cut now; the list stays so that a new one has to be argued here.
const KNOWN: [(&str, &str, &str); 0] = [];

/// Circles between files known when the layers were drawn (each as its sorted members).
const KNOWN_CIRCLES: [&[&str]; 0] = [];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a source file: `src/web/api/mod.rs` → `["web", "api"]`.
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The code of a file without its comments (line comments, doc comments, block comments) and
/// without the contents of string literals.
fn code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut block = 0usize;
    while let Some(c) = chars.next() {
        if block > 0 {
            if c == '*' && chars.peek() == Some(&'/') {
                chars.next();
                block -= 1;
            } else if c == '/' && chars.peek() == Some(&'*') {
                chars.next();
                block += 1;
            }
            continue;
        }
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                block = 1;
            }
            '"' => {
                out.push('"');
                let mut escaped = false;
                for c in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
                out.push('"');
            }
            _ => out.push(c),
        }
    }
    out
}

fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The paths written after a `crate::` or `super::` at `rest`, groups (`{a, b::{c}}`) expanded.
fn paths_at(rest: &str) -> Vec<Vec<String>> {
    fn parse(s: &[char], i: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
        let mut path = prefix;
        loop {
            while *i < s.len() && s[*i].is_whitespace() {
                *i += 1;
            }
            if *i < s.len() && s[*i] == '{' {
                *i += 1;
                loop {
                    parse(s, i, path.clone(), out);
                    while *i < s.len() && s[*i].is_whitespace() {
                        *i += 1;
                    }
                    match s.get(*i) {
                        Some(',') => *i += 1,
                        Some('}') => {
                            *i += 1;
                            return;
                        }
                        _ => return,
                    }
                    while *i < s.len() && s[*i].is_whitespace() {
                        *i += 1;
                    }
                    if s.get(*i) == Some(&'}') {
                        *i += 1;
                        return;
                    }
                }
            }
            let start = *i;
            while *i < s.len() && ident_char(s[*i]) {
                *i += 1;
            }
            if *i > start {
                path.push(s[start..*i].iter().collect());
            }
            if s.get(*i) == Some(&':') && s.get(*i + 1) == Some(&':') {
                *i += 2;
                continue;
            }
            out.push(path);
            return;
        }
    }
    let chars: Vec<char> = rest.chars().take(4000).collect();
    let mut out = Vec::new();
    parse(&chars, &mut 0, Vec::new(), &mut out);
    out
}

/// One use of another module: the file, the path as written, the module it resolves to.
#[derive(Debug, Clone)]
struct Import {
    file: String,
    written: String,
    target: Vec<String>,
}

/// Every module of the crate, and every import of each file.
fn imports() -> (BTreeSet<Vec<String>>, Vec<Import>) {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    files.sort();
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(f)).collect();
    // The longest prefix of `path` that is a module.
    let resolve = |path: &[String]| -> Vec<String> {
        (0..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| modules.contains(p))
            .unwrap_or_default()
    };
    let mut found = Vec::new();
    for file in &files {
        let module = module_of(file);
        let text = code(&fs::read_to_string(file).unwrap());
        let name = format!(
            "src/{}",
            file.strip_prefix(src()).unwrap().to_string_lossy()
        );
        for (at, _) in text.match_indices("::") {
            let before = &text[..at];
            let word_start = before.rfind(|c: char| !ident_char(c)).map_or(0, |i| i + 1);
            let word = &before[word_start..];
            // Only the first segment of a path: `crate::` or a leading `super::`.
            let preceded_by_path = before[..word_start].ends_with("::");
            if preceded_by_path || !(word == "crate" || word == "super") {
                continue;
            }
            let base: Vec<String> = if word == "crate" {
                Vec::new()
            } else {
                module[..module.len().saturating_sub(1)].to_vec()
            };
            for tail in paths_at(&text[at + 2..]) {
                let mut full = base.clone();
                let mut rest = tail.as_slice();
                // `super::super::…`
                while rest.first().is_some_and(|s| s == "super") {
                    full.pop();
                    rest = &rest[1..];
                }
                full.extend(rest.iter().cloned());
                found.push(Import {
                    file: name.clone(),
                    written: format!("{word}::{}", tail.join("::")),
                    target: resolve(&full),
                });
            }
        }
    }
    (modules, found)
}

fn rank(module: &[String]) -> Option<u8> {
    let first = module.first()?;
    LAYERS
        .iter()
        .find(|(_, names)| names.contains(&first.as_str()))
        .map(|(rank, _)| *rank)
}

/// The imports that reach up a layer, as messages, and the known ones still present.
fn upward(found: &[Import], modules: &BTreeSet<Vec<String>>) -> (Vec<String>, BTreeSet<usize>) {
    let mut problems = Vec::new();
    let mut still = BTreeSet::new();
    for import in found {
        let from = module_of(&src().join(import.file.trim_start_matches("src/")));
        let (Some(low), Some(high)) = (rank(&from), rank(&import.target)) else {
            if import.target.is_empty() && !from.is_empty() {
                continue;
            }
            if let Some(first) = from.first().or(import.target.first())
                && rank(std::slice::from_ref(first)).is_none()
                && modules.iter().any(|m| m.first() == Some(first))
            {
                problems.push(format!(
                    "{}: module `{first}` belongs to no layer; add it to LAYERS",
                    import.file
                ));
            }
            continue;
        };
        if high <= low {
            continue;
        }
        let layer = &import.target[0];
        if let Some(i) = KNOWN
            .iter()
            .position(|(file, to, _)| *file == import.file && to == layer)
        {
            still.insert(i);
            continue;
        }
        problems.push(format!(
            "{} imports `{}`: {} (layer {low}) reaches up to {layer} (layer {high})",
            import.file, import.written, from[0]
        ));
    }
    (problems, still)
}

/// Circles between files: strongly connected components of the file graph, leaving out a
/// module's uses of its own ancestors (a submodule using its parent's items is how modules
/// nest; a parent's use of its children counts, so a circle through a re-export is found).
fn circles(found: &[Import], modules: &BTreeSet<Vec<String>>) -> Vec<Vec<String>> {
    let names: Vec<Vec<String>> = modules.iter().cloned().collect();
    let index: BTreeMap<&Vec<String>, usize> =
        names.iter().enumerate().map(|(i, m)| (m, i)).collect();
    let mut edges = vec![BTreeSet::new(); names.len()];
    for import in found {
        let from = module_of(&src().join(import.file.trim_start_matches("src/")));
        let to = &import.target;
        if to.is_empty() || from.starts_with(to) {
            continue;
        }
        edges[index[&from]].insert(index[to]);
    }
    // Tarjan's algorithm.
    struct State {
        next: usize,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        stack: Vec<usize>,
        on_stack: Vec<bool>,
        components: Vec<Vec<usize>>,
    }
    fn visit(v: usize, edges: &[BTreeSet<usize>], s: &mut State) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for &w in &edges[v] {
            match s.index[w] {
                None => {
                    visit(w, edges, s);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(i) if s.on_stack[w] => s.low[v] = s.low[v].min(i),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.components.push(component);
            }
        }
    }
    let n = names.len();
    let mut state = State {
        next: 0,
        index: vec![None; n],
        low: vec![0; n],
        stack: Vec::new(),
        on_stack: vec![false; n],
        components: Vec::new(),
    };
    for v in 0..n {
        if state.index[v].is_none() {
            visit(v, &edges, &mut state);
        }
    }
    let mut out: Vec<Vec<String>> = state
        .components
        .into_iter()
        .map(|c| {
            let mut members: Vec<String> = c.into_iter().map(|i| names[i].join("::")).collect();
            members.sort();
            members
        })
        .collect();
    out.sort();
    out
}

#[test]
fn layers_point_one_way() {
    let (modules, found) = imports();
    assert!(
        found.len() > 200,
        "the test found only {} imports: is it reading the sources?",
        found.len()
    );
    let (problems, still) = upward(&found, &modules);
    let mut report = problems;
    for (i, (file, to, why)) in KNOWN.iter().enumerate() {
        if !still.contains(&i) {
            report.push(format!(
                "{file} no longer reaches up to {to} ({why}): remove it from KNOWN"
            ));
        }
    }
    assert!(
        report.is_empty(),
        "the layers are web → engine/queries/follow/identity → store (tests/architecture.rs):\n{}",
        report.join("\n")
    );
}

#[test]
fn no_files_depend_on_each_other_in_a_circle() {
    let (modules, found) = imports();
    let found_circles = circles(&found, &modules);
    let known: Vec<Vec<String>> = KNOWN_CIRCLES
        .iter()
        .map(|c| c.iter().map(|s| (*s).to_owned()).collect())
        .collect();
    let new: Vec<_> = found_circles
        .iter()
        .filter(|c| !known.contains(c))
        .collect();
    let gone: Vec<_> = known
        .iter()
        .filter(|c| !found_circles.contains(c))
        .collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "files that depend on each other in a circle: {new:#?}\nknown circles no longer there \
         (remove them from KNOWN_CIRCLES): {gone:#?}"
    );
}

#[test]
fn the_reader_finds_grouped_nested_and_relative_paths() {
    let paths = paths_at("{a::B, c::{d, e::F}, g}; use x::y;");
    let joined: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(joined, ["a::B", "c::d", "c::e::F", "g"]);
    assert_eq!(
        code("let a = 1; // crate::web\n/* crate::store */ \"crate::cli\" b"),
        "let a = 1; \n \"\" b"
    );
}

/// Every statement the server sends to a database is written in `src/store/`: no other module
/// builds a query (`sqlx::query*`, `QueryBuilder`), so the SQL of both stores is read in one
/// place.
#[test]
fn sql_lives_in_the_store() {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    let store = src().join("store");
    let mut outside = Vec::new();
    for file in files.iter().filter(|f| !f.starts_with(&store)) {
        let text = fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if ["sqlx::query", "QueryBuilder", "query_as(", "query_scalar("]
                .iter()
                .any(|q| code.contains(q))
            {
                outside.push(format!(
                    "{}:{}: {}",
                    file.strip_prefix(src()).unwrap().display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        outside.is_empty(),
        "queries outside src/store/:\n{}",
        outside.join("\n")
    );
}
