//! Property tests over generated flowcharts. The oracles here (BFS, brute-force path
//! enumeration) are written independently of `validate.rs` on purpose.

use std::collections::{HashMap, HashSet, VecDeque};

use proptest::prelude::*;
use proptest::sample::Index;

use super::*;

// ---------------------------------------------------------------- oracles

/// Adjacency by step position, from the spec's transitions (endpoints must exist).
fn adjacency(spec: &FlowchartSpec) -> Vec<Vec<usize>> {
    let pos: HashMap<&str, usize> = spec
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut adj = vec![Vec::new(); spec.steps.len()];
    for t in &spec.transitions {
        adj[pos[t.from.as_str()]].push(pos[t.to.as_str()]);
    }
    adj
}

fn bfs(adj: &[Vec<usize>], from: usize) -> Vec<bool> {
    let mut seen = vec![false; adj.len()];
    let mut queue = VecDeque::from([from]);
    seen[from] = true;
    while let Some(n) = queue.pop_front() {
        for &m in &adj[n] {
            if !seen[m] {
                seen[m] = true;
                queue.push_back(m);
            }
        }
    }
    seen
}

fn start_pos(spec: &FlowchartSpec) -> usize {
    spec.steps
        .iter()
        .position(|s| s.kind == StepKind::Start)
        .expect("a start")
}

fn pos_of(spec: &FlowchartSpec, id: &str) -> usize {
    spec.steps
        .iter()
        .position(|s| s.id == id)
        .expect("known id")
}

/// Whether every simple path from `from` to `target` visits `must` (brute force).
fn every_path_visits(adj: &[Vec<usize>], from: usize, target: usize, must: usize) -> bool {
    fn dfs(
        adj: &[Vec<usize>],
        cur: usize,
        target: usize,
        must: usize,
        on_path: &mut Vec<bool>,
        passed: bool,
    ) -> bool {
        let passed = passed || cur == must;
        if cur == target {
            return passed;
        }
        on_path[cur] = true;
        let mut ok = true;
        for &next in &adj[cur] {
            if !on_path[next] && !dfs(adj, next, target, must, on_path, passed) {
                ok = false;
                break;
            }
        }
        on_path[cur] = false;
        ok
    }
    dfs(adj, from, target, must, &mut vec![false; adj.len()], false)
}

/// The invariants every accepted flowchart must satisfy, checked from the spec alone.
fn check_invariants(fc: &Flowchart) -> Result<(), TestCaseError> {
    let spec = fc.spec();
    let starts: Vec<_> = spec
        .steps
        .iter()
        .filter(|s| s.kind == StepKind::Start)
        .collect();
    prop_assert_eq!(starts.len(), 1);
    prop_assert_eq!(&fc.start().id, &starts[0].id);
    let ids: HashSet<&str> = spec.steps.iter().map(|s| s.id.as_str()).collect();
    prop_assert_eq!(ids.len(), spec.steps.len(), "ids unique");
    for t in &spec.transitions {
        prop_assert!(ids.contains(t.from.as_str()) && ids.contains(t.to.as_str()));
    }
    let adj = adjacency(spec);
    let reached = bfs(&adj, start_pos(spec));
    prop_assert!(reached.iter().all(|&r| r), "every step reachable");
    for (i, _) in spec.steps.iter().enumerate() {
        let from_i = bfs(&adj, i);
        prop_assert!(
            spec.steps
                .iter()
                .enumerate()
                .any(|(j, s)| s.kind == StepKind::End && from_i[j]),
            "an end reachable from {}",
            spec.steps[i].id
        );
    }
    let mut seen = HashSet::new();
    for t in &spec.transitions {
        prop_assert!(
            seen.insert((t.from.as_str(), t.outcome.as_str())),
            "outcome unique"
        );
        prop_assert!(!fc.is_end(&t.from), "no transition out of an end");
        prop_assert_eq!(fc.transition(&t.from, &t.outcome), Some(t));
    }
    for s in &spec.steps {
        prop_assert_eq!(fc.step(&s.id), Some(s));
        let expected: Vec<_> = spec.transitions.iter().filter(|t| t.from == s.id).collect();
        prop_assert_eq!(fc.outgoing(&s.id), expected);
    }
    for rule in &spec.must_pass {
        prop_assert!(every_path_visits(
            &adj,
            start_pos(spec),
            pos_of(spec, &rule.before),
            pos_of(spec, &rule.step)
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------- arbitrary specs

fn arb_id() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(vec!["a", "b", "c", "d", "e"]).prop_map(str::to_owned),
        1 => prop::sample::select(vec!["", "A", "1x", "_x", "a-b", "受理", "node"])
            .prop_map(str::to_owned),
        1 => "[a-z_0-9]{0,50}",
    ]
}

fn arb_kind() -> impl Strategy<Value = StepKind> {
    prop_oneof![
        Just(StepKind::Start),
        Just(StepKind::Task),
        Just(StepKind::End)
    ]
}

fn arb_text(pool: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(pool).prop_map(str::to_owned),
        1 => Just(String::new()),
        1 => Just(" ".to_owned()),
        1 => Just("长".repeat(70)),
    ]
}

fn arb_step() -> impl Strategy<Value = StepSpec> {
    (
        arb_id(),
        arb_text(&["收件", "审查", "决定"]),
        arb_kind(),
        prop::option::of(arb_text(&["科员", "科长"])),
        prop::option::of(0u32..4),
        any::<bool>(),
        prop::collection::vec(arb_id(), 0..2),
        prop::option::of(arb_text(&["准予许可", "不予许可"])),
    )
        .prop_map(
            |(id, name, kind, role, limit_days, pauses_clock, separate_from, result)| StepSpec {
                id,
                name,
                kind,
                role,
                limit_days,
                pauses_clock,
                separate_from,
                approves_extension: false,
                result,
                document: None,
            },
        )
}

fn arb_transition() -> impl Strategy<Value = TransitionSpec> {
    (
        arb_id(),
        arb_text(&["受理", "补正", "通过"]),
        arb_id(),
        any::<bool>(),
    )
        .prop_map(|(from, outcome, to, exception)| TransitionSpec {
            from,
            outcome,
            to,
            exception,
        })
}

fn arb_spec() -> impl Strategy<Value = FlowchartSpec> {
    (
        prop::collection::vec(arb_step(), 0..7),
        prop::collection::vec(arb_transition(), 0..12),
        prop::collection::vec(
            (arb_id(), arb_id()).prop_map(|(step, before)| MustPassSpec { step, before }),
            0..3,
        ),
    )
        .prop_map(|(steps, transitions, must_pass)| FlowchartSpec {
            steps,
            transitions,
            must_pass,
        })
}

/// Well-formed steps over the ids a..e with random edges out of the non-end steps, so
/// that random graphs are accepted often enough to exercise the invariants.
fn arb_plausible_spec() -> impl Strategy<Value = FlowchartSpec> {
    const IDS: [&str; 5] = ["a", "b", "c", "d", "e"];
    const LABELS: [&str; 5] = ["受理", "补正", "通过", "退回", "撤回"];
    (
        prop::collection::vec(prop_oneof![Just(StepKind::Task), Just(StepKind::End)], 3),
        prop::collection::vec((any::<Index>(), any::<Index>(), any::<Index>()), 4..12),
    )
        .prop_map(|(kinds, edges)| {
            // a is the start, e always an end, b..d random.
            let kinds: Vec<StepKind> = std::iter::once(StepKind::Start)
                .chain(kinds)
                .chain(std::iter::once(StepKind::End))
                .collect();
            let steps: Vec<StepSpec> = IDS
                .iter()
                .zip(&kinds)
                .map(|(id, &kind)| StepSpec {
                    id: (*id).to_owned(),
                    name: id.to_uppercase(),
                    kind,
                    role: Some("科员".to_owned()),
                    limit_days: None,
                    pauses_clock: false,
                    separate_from: vec![],
                    approves_extension: false,
                    result: (kind == StepKind::End).then(|| "办结".to_owned()),
                    document: None,
                })
                .collect();
            let non_end: Vec<&str> = IDS
                .iter()
                .zip(&kinds)
                .filter(|(_, k)| **k != StepKind::End)
                .map(|(id, _)| *id)
                .collect();
            let mut used: HashMap<&str, usize> = HashMap::new();
            let transitions = edges
                .into_iter()
                .map(|(from, dup, to)| {
                    let from = non_end[from.index(non_end.len())];
                    let k = used.entry(from).or_default();
                    // Now and then reuse the first label, to see DuplicateOutcome too.
                    let label = if dup.index(10) == 0 { 0 } else { *k };
                    *k += 1;
                    TransitionSpec {
                        from: from.to_owned(),
                        outcome: LABELS
                            .get(label)
                            .map_or_else(|| format!("选项{label}"), |s| (*s).to_owned()),
                        to: IDS[to.index(IDS.len())].to_owned(),
                        exception: false,
                    }
                })
                .collect();
            FlowchartSpec {
                steps,
                transitions,
                must_pass: vec![],
            }
        })
}

// ---------------------------------------------------------------- valid by construction

/// Raw random choices; `build` turns them into a valid spec whatever they are.
#[derive(Debug, Clone)]
struct Shape {
    n: usize,
    ends: usize,
    parents: Vec<Index>,
    exits: Vec<Index>,
    extra: Vec<(Index, Index)>,
    order: Vec<usize>,
    rotate: Index,
    attrs: Vec<(Option<u32>, bool, Option<Index>)>,
}

fn arb_shape(max_n: usize) -> impl Strategy<Value = Shape> {
    (2..=max_n)
        .prop_flat_map(|n| {
            (
                Just(n),
                1..=(n - 1).min(2),
                prop::collection::vec(any::<Index>(), n),
                prop::collection::vec(any::<Index>(), n),
                prop::collection::vec((any::<Index>(), any::<Index>()), 0..=2 * n),
                Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
                any::<Index>(),
                prop::collection::vec(
                    (
                        prop::option::of(1u32..30),
                        any::<bool>(),
                        prop::option::of(any::<Index>()),
                    ),
                    n,
                ),
            )
        })
        .prop_map(
            |(n, ends, parents, exits, extra, order, rotate, attrs)| Shape {
                n,
                ends,
                parents,
                exits,
                extra,
                order,
                rotate,
                attrs,
            },
        )
}

const OUTCOMES: [&str; 6] = ["受理", "不予受理", "补正", "通过", "退回", "撤回"];

impl Shape {
    /// Node 0 is the start, the last `ends` nodes are ends. Every node `i > 0` gets a
    /// parent among earlier non-end nodes (so all are reachable), and every non-end node
    /// without a child gets an edge to a later node (so, by induction from the back,
    /// every node reaches an end). Extra edges may go anywhere, making cycles.
    fn edges(&self) -> Vec<(usize, usize)> {
        let non_end = self.n - self.ends;
        let mut edges = Vec::new();
        let mut has_out = vec![false; self.n];
        for i in 1..self.n {
            let p = self.parents[i].index(i.min(non_end));
            edges.push((p, i));
            has_out[p] = true;
        }
        for i in (0..non_end).rev() {
            if !has_out[i] {
                edges.push((i, i + 1 + self.exits[i].index(self.n - i - 1)));
            }
        }
        for (a, b) in &self.extra {
            edges.push((a.index(non_end), b.index(self.n)));
        }
        edges
    }

    fn id(i: usize) -> String {
        format!("s{i}")
    }

    fn build(&self) -> FlowchartSpec {
        let non_end = self.n - self.ends;
        let steps = self
            .order
            .iter()
            .map(|&i| {
                let (limit_days, pauses, sep) = &self.attrs[i];
                let is_end = i >= non_end;
                let kind = match i {
                    0 => StepKind::Start,
                    _ if is_end => StepKind::End,
                    _ => StepKind::Task,
                };
                let separate_from = sep
                    .map(|ix| ix.index(self.n))
                    .filter(|&j| j != i)
                    .map(Self::id)
                    .into_iter()
                    .collect();
                StepSpec {
                    id: Self::id(i),
                    name: format!("步骤{i}"),
                    kind,
                    role: (!is_end || *pauses).then(|| format!("岗位{}", i % 3)),
                    limit_days: *limit_days,
                    pauses_clock: *pauses && !is_end,
                    separate_from,
                    approves_extension: false,
                    result: is_end.then(|| format!("结果{i}")),
                    document: None,
                }
            })
            .collect();
        let mut used = vec![0usize; self.n];
        let mut transitions: Vec<TransitionSpec> = self
            .edges()
            .into_iter()
            .map(|(a, b)| {
                let k = used[a];
                used[a] += 1;
                TransitionSpec {
                    from: Self::id(a),
                    outcome: OUTCOMES
                        .get(k)
                        .map_or_else(|| format!("选项{k}"), |s| (*s).to_owned()),
                    to: Self::id(b),
                    exception: k == 5,
                }
            })
            .collect();
        if !transitions.is_empty() {
            let by = self.rotate.index(transitions.len());
            transitions.rotate_left(by);
        }
        FlowchartSpec {
            steps,
            transitions,
            must_pass: vec![],
        }
    }
}

fn codes(problems: &[FlowchartProblem]) -> Vec<(ProblemCode, Option<&str>)> {
    problems
        .iter()
        .map(|p| (p.code, p.step.as_deref()))
        .collect()
}

proptest! {
    /// (1) parse never panics on arbitrary specs, reports deterministically, and (3) any
    /// accepted spec satisfies the invariants. The YAML path agrees with the typed path.
    #[test]
    fn parse_never_panics(spec in arb_spec()) {
        let first = Flowchart::parse(spec.clone());
        let second = Flowchart::parse(spec.clone());
        prop_assert_eq!(&first, &second);
        match &first {
            Ok(fc) => check_invariants(fc)?,
            Err(problems) => {
                prop_assert!(!problems.is_empty());
                prop_assert!(problems.iter().all(|p| !p.message.is_empty()));
            }
        }
        let yaml = serde_norway::to_string(&spec).expect("serializes");
        prop_assert_eq!(parse_yaml(&yaml), first);
    }

    /// (3) on random graphs that are sometimes valid: the problems are exactly what
    /// independent oracles predict, and an accepted one holds the invariants.
    #[test]
    fn plausible_specs_match_oracles(spec in arb_plausible_spec()) {
        let mut expected = Vec::new();
        let mut seen = HashSet::new();
        for t in &spec.transitions {
            if !seen.insert((t.from.as_str(), t.outcome.as_str())) {
                expected.push((ProblemCode::DuplicateOutcome, Some(t.from.as_str())));
            }
        }
        let adj = adjacency(&spec);
        let reached = bfs(&adj, start_pos(&spec));
        for (i, s) in spec.steps.iter().enumerate() {
            if !reached[i] {
                expected.push((ProblemCode::UnreachableStep, Some(s.id.as_str())));
            }
            let r = bfs(&adj, i);
            if !spec.steps.iter().enumerate().any(|(j, e)| e.kind == StepKind::End && r[j]) {
                expected.push((ProblemCode::NoPathToEnd, Some(s.id.as_str())));
            }
        }
        match Flowchart::parse(spec.clone()) {
            Ok(fc) => {
                prop_assert!(expected.is_empty(), "{:?}", expected);
                check_invariants(&fc)?;
            }
            Err(problems) => prop_assert_eq!(codes(&problems), expected),
        }
    }

    /// (2) valid by construction ⇒ accepted, and (3) the invariants hold; it also
    /// survives a JSON round trip.
    #[test]
    fn valid_by_construction_parses(shape in arb_shape(8)) {
        let spec = shape.build();
        let fc = match Flowchart::parse(spec.clone()) {
            Ok(fc) => fc,
            Err(problems) => return Err(TestCaseError::fail(format!("{problems:?}"))),
        };
        check_invariants(&fc)?;
        prop_assert_eq!(fc.start().id.as_str(), "s0");
        let json = serde_json::to_string(&fc).expect("serializes");
        let back: Flowchart = serde_json::from_str(&json).expect("deserializes");
        prop_assert_eq!(back.spec(), &spec);
    }

    /// (4) removing the only incoming edge of a non-start step makes it unreachable.
    #[test]
    fn removing_only_incoming_edge_reports_unreachable(shape in arb_shape(8)) {
        let spec = shape.build();
        let start = "s0";
        for (t_index, t) in spec.transitions.iter().enumerate() {
            let target = t.to.as_str();
            let incoming = spec.transitions.iter().filter(|u| u.to == target).count();
            if target == start || incoming != 1 {
                continue;
            }
            let mut cut = spec.clone();
            cut.transitions.remove(t_index);
            let problems = Flowchart::parse(cut).expect_err("now unreachable");
            prop_assert!(
                codes(&problems).contains(&(ProblemCode::UnreachableStep, Some(target))),
                "{:?}", problems
            );
        }
    }

    /// (4, generalised) removing any one transition reports exactly the steps an
    /// independent BFS finds unreachable or stuck, and nothing else.
    #[test]
    fn removing_any_edge_matches_bfs(shape in arb_shape(8), which in any::<Index>()) {
        let mut spec = shape.build();
        spec.transitions.remove(which.index(spec.transitions.len()));
        let adj = adjacency(&spec);
        let reached = bfs(&adj, start_pos(&spec));
        let mut expected = Vec::new();
        for (i, s) in spec.steps.iter().enumerate() {
            if !reached[i] {
                expected.push((ProblemCode::UnreachableStep, Some(s.id.as_str())));
            }
            let r = bfs(&adj, i);
            if !spec.steps.iter().enumerate().any(|(j, e)| e.kind == StepKind::End && r[j]) {
                expected.push((ProblemCode::NoPathToEnd, Some(s.id.as_str())));
            }
        }
        match Flowchart::parse(spec.clone()) {
            Ok(fc) => {
                prop_assert!(expected.is_empty(), "{:?}", expected);
                check_invariants(&fc)?;
            }
            Err(problems) => prop_assert_eq!(codes(&problems), expected),
        }
    }

    /// (5) must-pass rules are accepted iff brute-force path enumeration says they hold.
    #[test]
    fn must_pass_matches_brute_force(
        shape in arb_shape(7),
        rules in prop::collection::vec((any::<Index>(), any::<Index>()), 1..=3),
    ) {
        let mut spec = shape.build();
        let n = spec.steps.len();
        let adj = adjacency(&spec);
        let start = start_pos(&spec);
        let mut expected = Vec::new();
        for (a, b) in rules {
            let step = a.index(n);
            let mut before = b.index(n);
            if before == step {
                before = (before + 1) % n;
            }
            if !every_path_visits(&adj, start, before, step) {
                expected.push((ProblemCode::MustPassViolated, Some(spec.steps[before].id.clone())));
            }
            spec.must_pass.push(MustPassSpec {
                step: spec.steps[step].id.clone(),
                before: spec.steps[before].id.clone(),
            });
        }
        match Flowchart::parse(spec) {
            Ok(fc) => {
                prop_assert!(expected.is_empty(), "accepted, but brute force found {:?}", expected);
                check_invariants(&fc)?;
            }
            Err(problems) => {
                let got: Vec<_> = problems.into_iter().map(|p| (p.code, p.step)).collect();
                prop_assert_eq!(got, expected);
            }
        }
    }
}
