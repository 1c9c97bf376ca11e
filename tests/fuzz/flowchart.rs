//! `aggregates::flowchart::parse_yaml` on arbitrary text and generated YAML, and
//! `Flowchart::parse` on adversarial specs: thousands of steps, long cycles, ends that cannot
//! be reached, duplicate ids, very long labels and ids, dense graphs, many must-pass rules.
//! The unit property tests (`aggregates/src/flowchart/proptests.rs`) cover generated graphs
//! against oracles; these look for panics, pathological slowness and unclear refusals.
use aggregates::flowchart::{
    Flowchart, FlowchartProblem, FlowchartSpec, MustPassSpec, ProblemCode, StepKind, StepSpec,
    TransitionSpec, parse_yaml,
};
use proptest::prelude::*;
use proptest::sample::Index;

use crate::catalogue::{Tree, garbage, text};
use crate::common::{self, Stats, guard, preview};

fn check_problems(
    problems: &[FlowchartProblem],
    yaml: bool,
    input: &dyn Fn() -> String,
) -> Result<(), TestCaseError> {
    prop_assert!(
        !problems.is_empty(),
        "refused without problems: {}",
        preview(&input(), 400)
    );
    for p in problems {
        prop_assert!(
            !p.message.trim().is_empty() && !p.code.as_str().is_empty(),
            "a problem without code or message: {p:?} for {}",
            preview(&input(), 400)
        );
        prop_assert!(
            ProblemCode::ALL.contains(&p.code),
            "an unlisted code {:?}",
            p.code
        );
        if p.code == ProblemCode::Malformed {
            prop_assert!(yaml, "Flowchart::parse reported `malformed`: {p:?}");
            prop_assert_eq!(problems.len(), 1, "malformed comes alone");
        }
    }
    Ok(())
}

/// Parses `spec` (and, for specs that are not huge, its YAML through `parse_yaml`, which
/// must agree); checks refusals; an accepted flowchart must survive a YAML round trip.
fn check_spec(stats: &Stats, spec: &FlowchartSpec) -> Result<(), TestCaseError> {
    let describe =
        || serde_norway::to_string(spec).unwrap_or_else(|e| format!("(unprintable: {e}) {spec:?}"));
    let result = guard(
        stats,
        "Flowchart::parse",
        &describe,
        0,
        || Flowchart::parse(spec.clone()),
        Result::is_ok,
    )?;
    let yaml = serde_norway::to_string(spec)
        .map_err(|e| TestCaseError::fail(format!("a spec does not serialise: {e}")))?;
    let from_yaml = guard(
        stats,
        "parse_yaml",
        &|| yaml.clone(),
        yaml.len(),
        || parse_yaml(&yaml),
        Result::is_ok,
    )?;
    match (&result, &from_yaml) {
        (Ok(a), Ok(b)) => prop_assert!(a == b, "the YAML round trip changed the flowchart"),
        (Err(a), Err(b)) => {
            check_problems(a, false, &describe)?;
            prop_assert_eq!(a, b, "parse_yaml and Flowchart::parse disagree");
        }
        (a, b) => {
            return Err(TestCaseError::fail(format!(
                "parse_yaml and Flowchart::parse disagree: {:?} vs {:?} on {}",
                a.as_ref().err(),
                b.as_ref().err(),
                preview(&yaml, 400)
            )));
        }
    }
    if let Ok(flowchart) = result {
        // What pages and the engine ask of an accepted flowchart.
        let start = flowchart.start().id.clone();
        let _ = flowchart.outgoing(&start);
        let dot = guard(
            stats,
            "Flowchart::to_dot",
            &describe,
            0,
            || flowchart.to_dot(),
            |_| true,
        )?;
        prop_assert!(dot.starts_with("digraph"));
    }
    Ok(())
}

fn check_yaml(stats: &Stats, text: &str) -> Result<(), TestCaseError> {
    let result = guard(
        stats,
        "parse_yaml",
        &|| text.to_string(),
        text.len(),
        || parse_yaml(text),
        Result::is_ok,
    )?;
    match result {
        Err(problems) => check_problems(&problems, true, &|| text.to_string()),
        Ok(flowchart) => {
            let again = serde_norway::to_string(flowchart.spec())
                .map_err(|e| TestCaseError::fail(format!("does not serialise: {e}")))?;
            let reparsed = parse_yaml(&again);
            prop_assert!(
                reparsed.as_ref().is_ok_and(|f| *f == flowchart),
                "an accepted flowchart does not survive a YAML round trip: {}",
                preview(text, 400)
            );
            Ok(())
        }
    }
}

// ------------------------------------------------------------------------ strategies

fn label() -> BoxedStrategy<String> {
    prop_oneof![
        12 => prop::sample::select(vec!["受理", "审查", "决定", "补正", "准予许可", "窗口受理人员"])
            .prop_map(str::to_owned),
        1 => (prop::char::any(), 1usize..200).prop_map(|(c, n)| c.to_string().repeat(n)),
        1 => (prop::char::any(), 1usize..100_000).prop_map(|(c, n)| c.to_string().repeat(n)),
        1 => text(),
    ]
    .boxed()
}

/// How the ids of a big spec are made.
#[derive(Debug, Clone, Copy)]
enum Ids {
    /// s0, s1, ...: all distinct and valid.
    Distinct,
    /// From a handful: duplicates everywhere.
    Few,
    /// Long (beyond the 48-character limit) or invalid ones sprinkled in.
    Hostile,
}

fn id(ids: Ids, i: usize, salt: usize) -> String {
    match ids {
        Ids::Distinct => format!("s{i}"),
        Ids::Few => format!("s{}", (i * 7 + salt) % 5),
        Ids::Hostile => match (i + salt) % 6 {
            0 => format!("s{i}_{}", "x".repeat(40 + salt % 100)),
            1 => format!("S{i}"),
            2 => String::new(),
            3 => format!("s{i}\u{0}"),
            _ => format!("s{i}"),
        },
    }
}

/// A big spec: `n` steps, a start at 0 and ends at the last few; a chain through them; plus
/// extra edges (back edges make long cycles), optionally the chain cut so ends cannot be
/// reached, must-pass rules, long labels.
#[derive(Debug, Clone)]
struct Big {
    n: usize,
    ids: Ids,
    salt: usize,
    ends: usize,
    back_edges: Vec<(Index, Index)>,
    random_edges: Vec<(Index, Index)>,
    cut: Option<Index>,
    must_pass: Vec<(Index, Index)>,
    long_label: Option<(Index, String)>,
    extra_starts: usize,
    /// Keep it valid: distinct ids, one start, no cut, no random edges, must-pass rules only
    /// along the chain, no long label.
    valid: bool,
}

impl Big {
    fn spec(&self) -> FlowchartSpec {
        if self.valid {
            return Big {
                ids: Ids::Distinct,
                cut: None,
                random_edges: Vec::new(),
                long_label: None,
                extra_starts: 0,
                valid: false,
                ..self.clone()
            }
            .spec_with_rules_along_the_chain();
        }
        self.build(false)
    }

    fn spec_with_rules_along_the_chain(&self) -> FlowchartSpec {
        self.build(true)
    }

    fn build(&self, rules_along_the_chain: bool) -> FlowchartSpec {
        let n = self.n.max(1);
        let ends = self.ends.clamp(1, n);
        // Steps that are not ends (at least the start).
        let tasks = (n - ends).max(1);
        let mut steps: Vec<StepSpec> = (0..n)
            .map(|i| {
                let kind = if i == 0 || (i <= self.extra_starts && i < n - ends) {
                    StepKind::Start
                } else if i >= n - ends {
                    StepKind::End
                } else {
                    StepKind::Task
                };
                let end = kind == StepKind::End;
                StepSpec {
                    id: id(self.ids, i, self.salt),
                    name: format!("步骤{i}"),
                    kind,
                    role: (!end).then(|| "承办人员".to_string()),
                    limit_days: (i % 3 == 0).then_some((i % 10) as u32 + 1),
                    pauses_clock: i % 11 == 5 && !end,
                    separate_from: if i % 13 == 4 {
                        vec![id(self.ids, i / 2, self.salt)]
                    } else {
                        Vec::new()
                    },
                    approves_extension: false,
                    result: end.then(|| format!("结果{i}")),
                    document: None,
                }
            })
            .collect();
        let ids: Vec<String> = steps.iter().map(|s| s.id.clone()).collect();
        let mut transitions = Vec::new();
        let cut = self.cut.map(|c| c.index(n));
        for i in 0..n.saturating_sub(ends) {
            if Some(i) == cut {
                continue;
            }
            transitions.push(TransitionSpec {
                from: ids[i].clone(),
                outcome: "下一步".into(),
                to: ids[i + 1].clone(),
                exception: false,
            });
            // The last task leads to every end.
            if i + 1 == n - ends {
                for e in n - ends + 1..n {
                    transitions.push(TransitionSpec {
                        from: ids[i].clone(),
                        outcome: format!("结果{e}"),
                        to: ids[e].clone(),
                        exception: false,
                    });
                }
            }
            // Every chain step may also finish at an end.
            if i % 50 == 49 {
                transitions.push(TransitionSpec {
                    from: ids[i].clone(),
                    outcome: "办结".into(),
                    to: ids[n - 1].clone(),
                    exception: true,
                });
            }
        }
        for (k, (a, b)) in self.back_edges.iter().enumerate() {
            let from = a.index(tasks);
            let to = b.index(from + 1);
            transitions.push(TransitionSpec {
                from: ids[from].clone(),
                outcome: format!("退回{k}"),
                to: ids[to].clone(),
                exception: false,
            });
        }
        for (k, (a, b)) in self.random_edges.iter().enumerate() {
            transitions.push(TransitionSpec {
                from: ids[a.index(tasks)].clone(),
                outcome: format!("转{k}"),
                to: ids[b.index(n)].clone(),
                exception: k % 2 == 0,
            });
        }
        let must_pass = self
            .must_pass
            .iter()
            .filter_map(|(a, b)| {
                let (a, b) = if rules_along_the_chain {
                    let (a, b) = (a.index(tasks), b.index(tasks));
                    (a.min(b), a.max(b))
                } else {
                    (a.index(n), b.index(n))
                };
                (!rules_along_the_chain || a < b).then(|| MustPassSpec {
                    step: ids[a].clone(),
                    before: ids[b].clone(),
                })
            })
            .collect();
        if let Some((at, label)) = &self.long_label {
            let i = at.index(n);
            match i % 4 {
                0 => steps[i].name = label.clone(),
                1 => steps[i].role = Some(label.clone()),
                2 if !transitions.is_empty() => {
                    let t = i % transitions.len();
                    transitions[t].outcome = label.clone();
                }
                _ => steps[i].id = label.clone(),
            }
        }
        FlowchartSpec {
            steps,
            transitions,
            must_pass,
        }
    }
}

fn big() -> BoxedStrategy<Big> {
    let ids = prop_oneof![
        4 => Just(Ids::Distinct),
        1 => Just(Ids::Few),
        1 => Just(Ids::Hostile),
    ];
    (1usize..3000, ids, 0usize..1000, 1usize..4)
        .prop_flat_map(|(n, ids, salt, ends)| {
            (
                Just((n, ids, salt, ends)),
                prop::collection::vec((any::<Index>(), any::<Index>()), 0..(n / 4 + 2)),
                prop::collection::vec((any::<Index>(), any::<Index>()), 0..(n / 2 + 2)),
                prop::option::weighted(0.2, any::<Index>()),
                prop::collection::vec((any::<Index>(), any::<Index>()), 0..(n.min(2000) + 1)),
                prop::option::weighted(0.2, (any::<Index>(), label())),
                prop_oneof![8 => Just(0usize), 1 => 1usize..5],
                any::<bool>(),
            )
        })
        .prop_map(
            |(
                (n, ids, salt, ends),
                back_edges,
                random_edges,
                cut,
                must_pass,
                long_label,
                extra_starts,
                valid,
            )| Big {
                n,
                ids,
                salt,
                ends,
                back_edges,
                random_edges,
                cut,
                must_pass,
                long_label,
                extra_starts,
                valid,
            },
        )
        .boxed()
}

/// A dense graph: every step to every step, each with a distinct outcome (up to ~14 000
/// transitions), must-pass rules between random pairs.
fn dense() -> BoxedStrategy<FlowchartSpec> {
    (
        2usize..120,
        prop_oneof![
            Just(Vec::new()),
            prop::collection::vec((any::<Index>(), any::<Index>()), 0..200),
        ],
    )
        .prop_map(|(k, rules)| {
            let ids: Vec<String> = (0..k).map(|i| format!("d{i}")).collect();
            let steps = (0..k)
                .map(|i| StepSpec {
                    id: ids[i].clone(),
                    name: format!("步骤{i}"),
                    kind: if i == 0 {
                        StepKind::Start
                    } else if i == k - 1 {
                        StepKind::End
                    } else {
                        StepKind::Task
                    },
                    role: (i != k - 1).then(|| "承办人员".into()),
                    limit_days: None,
                    pauses_clock: false,
                    separate_from: Vec::new(),
                    approves_extension: false,
                    result: (i == k - 1).then(|| "办结".into()),
                    document: None,
                })
                .collect();
            let mut transitions = Vec::new();
            for a in 0..k - 1 {
                for b in 0..k {
                    transitions.push(TransitionSpec {
                        from: ids[a].clone(),
                        outcome: format!("到{b}"),
                        to: ids[b].clone(),
                        exception: false,
                    });
                }
            }
            let must_pass = rules
                .iter()
                .map(|(a, b)| MustPassSpec {
                    step: ids[a.index(k)].clone(),
                    before: ids[b.index(k)].clone(),
                })
                .collect();
            FlowchartSpec {
                steps,
                transitions,
                must_pass,
            }
        })
        .boxed()
}

/// Small specs: half of them valid in shape (a chain from a start to ends, extra transitions
/// between steps, labels of any text), half with every field drawn at random.
fn small() -> BoxedStrategy<FlowchartSpec> {
    prop_oneof![chain_like(), random_small()].boxed()
}

/// A start, tasks and ends in a chain, extra transitions between non-end steps, any labels:
/// valid unless a label is not.
fn chain_like() -> BoxedStrategy<FlowchartSpec> {
    (
        1usize..7,
        1usize..4,
        prop::collection::vec(label(), 10),
        prop::collection::vec(
            (any::<Index>(), any::<Index>(), label(), any::<bool>()),
            0..8,
        ),
        prop::collection::vec(
            (any::<Index>(), any::<bool>(), prop::option::of(1u32..30)),
            0..4,
        ),
    )
        .prop_map(|(tasks, ends, labels, extra, marks)| {
            let n = tasks + ends;
            let ids: Vec<String> = (0..n).map(|i| format!("step_{i}")).collect();
            let mut steps: Vec<StepSpec> = (0..n)
                .map(|i| {
                    let end = i >= tasks;
                    StepSpec {
                        id: ids[i].clone(),
                        name: labels[i % labels.len()].clone(),
                        kind: if i == 0 {
                            StepKind::Start
                        } else if end {
                            StepKind::End
                        } else {
                            StepKind::Task
                        },
                        role: (!end).then(|| labels[(i + 3) % labels.len()].clone()),
                        limit_days: None,
                        pauses_clock: false,
                        separate_from: Vec::new(),
                        approves_extension: false,
                        result: end.then(|| labels[(i + 5) % labels.len()].clone()),
                        document: None,
                    }
                })
                .collect();
            let mut transitions = Vec::new();
            for i in 0..tasks {
                let next: Vec<usize> = if i + 1 < tasks {
                    vec![i + 1]
                } else {
                    (tasks..n).collect()
                };
                for (k, to) in next.into_iter().enumerate() {
                    transitions.push(TransitionSpec {
                        from: ids[i].clone(),
                        outcome: format!("下一步{k}"),
                        to: ids[to].clone(),
                        exception: false,
                    });
                }
            }
            for (a, b, outcome, exception) in extra {
                transitions.push(TransitionSpec {
                    from: ids[a.index(tasks)].clone(),
                    outcome,
                    to: ids[b.index(n)].clone(),
                    exception,
                });
            }
            for (at, pause, limit) in marks {
                let i = at.index(tasks);
                steps[i].pauses_clock = pause;
                steps[i].limit_days = limit;
                if i > 0 {
                    steps[i].separate_from = vec![ids[i - 1].clone()];
                }
            }
            FlowchartSpec {
                steps,
                transitions,
                must_pass: Vec::new(),
            }
        })
        .boxed()
}

/// Every field drawn at random (ids from a small pool so that references often resolve).
fn random_small() -> BoxedStrategy<FlowchartSpec> {
    let ids = || {
        prop_oneof![
            6 => prop::sample::select(vec!["a", "b", "c", "d", "e", "start", "end"]).prop_map(str::to_owned),
            1 => text(),
        ]
    };
    let kind = prop::sample::select(vec![StepKind::Start, StepKind::Task, StepKind::End]);
    let step = (
        ids(),
        label(),
        kind,
        prop::option::of(label()),
        prop::option::of(0u32..5),
        any::<bool>(),
        prop::collection::vec(ids(), 0..3),
        prop::option::of(label()),
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
        );
    let transition =
        (ids(), label(), ids(), any::<bool>()).prop_map(|(from, outcome, to, exception)| {
            TransitionSpec {
                from,
                outcome,
                to,
                exception,
            }
        });
    let rule = (ids(), ids()).prop_map(|(step, before)| MustPassSpec { step, before });
    (
        prop::collection::vec(step, 0..9),
        prop::collection::vec(transition, 0..16),
        prop::collection::vec(rule, 0..4),
    )
        .prop_map(|(steps, transitions, must_pass)| FlowchartSpec {
            steps,
            transitions,
            must_pass,
        })
        .boxed()
}

// ------------------------------------------------------------------------ the properties

fn stats(name: &'static str) -> &'static Stats {
    Box::leak(Box::new(Stats::new(name)))
}

#[test]
fn arbitrary_text_as_a_flowchart() {
    let stats = stats("flowchart/arbitrary text");
    let mut runner = proptest::test_runner::TestRunner::new(common::config(1));
    let strategy = prop_oneof![
        any::<String>(),
        prop::collection::vec(
            prop::sample::select(vec![
                "steps:",
                "transitions:",
                "must_pass:",
                "\n",
                "  ",
                "- ",
                "id: a",
                "kind: start",
                "kind: end",
                "name: x",
                "role: r",
                "result: r",
                "from: a",
                "to: a",
                "outcome: o",
                "{",
                "}",
                "[",
                "]",
                ", ",
                "&x ",
                "*x",
                "<<: *x",
                "!!map ",
                "? ",
                "|\n",
                "---\n",
                "\t",
                "\0",
                "~",
                "1e999",
            ]),
            0..80,
        )
        .prop_map(|parts| parts.concat()),
        (garbage(), any::<bool>()).prop_map(|(t, block)| t.emit(block)),
    ];
    let result = runner.run(&strategy, |text| check_yaml(stats, &text));
    common::finish(stats, result);
}

#[test]
fn generated_yaml_of_the_flowchart_shape() {
    let stats = stats("flowchart/generated YAML");
    let mut runner = proptest::test_runner::TestRunner::new(common::config(1));
    let strategy = (
        small(),
        any::<bool>(),
        prop::collection::vec((any::<Index>(), garbage()), 0..3),
    );
    let result = runner.run(&strategy, |(spec, block, damage)| {
        // The spec as a tree, with a few values replaced by anything.
        let value = serde_json::to_value(&spec).unwrap();
        let mut tree = Tree::from_json(&value);
        for (at, g) in damage {
            if let Tree::Map(entries) = &mut tree
                && !entries.is_empty()
            {
                let i = at.index(entries.len());
                entries[i].1 = g;
            }
        }
        check_yaml(stats, &tree.emit(block))
    });
    common::finish(stats, result);
}

#[test]
fn small_random_specs() {
    let stats = stats("flowchart/small specs");
    let mut runner = proptest::test_runner::TestRunner::new(common::config(1));
    let result = runner.run(&small(), |spec| check_spec(stats, &spec));
    common::finish(stats, result);
}

#[test]
fn big_specs_thousands_of_steps_long_cycles_duplicates_long_labels() {
    let stats = stats("flowchart/big specs");
    let mut runner = proptest::test_runner::TestRunner::new(common::config(32));
    let result = runner.run(&big(), |big| check_spec(stats, &big.spec()));
    common::finish(stats, result);
}

#[test]
fn dense_specs() {
    let stats = stats("flowchart/dense specs");
    let mut runner = proptest::test_runner::TestRunner::new(common::config(32));
    let result = runner.run(&dense(), |spec| check_spec(stats, &spec));
    common::finish(stats, result);
}

/// The extremes, once each: 20 000 steps in one chain, one cycle through 20 000 steps
/// without an end reachable, 20 000 copies of one id, 20 000 must-pass rules on a chain, a
/// label of 4 MB.
#[test]
fn extreme_specs() {
    let stats = Stats::new("flowchart/extremes");
    let n = 20_000;
    let chain = |n: usize| Big {
        n,
        ids: Ids::Distinct,
        salt: 0,
        ends: 1,
        back_edges: Vec::new(),
        random_edges: Vec::new(),
        cut: None,
        must_pass: Vec::new(),
        long_label: None,
        extra_starts: 0,
        valid: true,
    };
    let mut cycle = chain(n).spec();
    cycle.transitions.retain(|t| t.to != format!("s{}", n - 1));
    cycle.transitions.push(TransitionSpec {
        from: format!("s{}", n - 2),
        outcome: "回到开始".into(),
        to: "s0".into(),
        exception: false,
    });
    let mut duplicates = chain(n).spec();
    for s in duplicates.steps.iter_mut().skip(1).take(n - 2) {
        s.id = "dup".into();
    }
    let mut rules = chain(n).spec();
    rules.must_pass = (0..n / 20)
        .map(|i| MustPassSpec {
            step: format!("s{}", (i * 7919) % n),
            before: format!("s{}", n - 1 - (i % 100)),
        })
        .collect();
    let mut label = chain(10).spec();
    label.steps[3].name = "长".repeat(4 << 20 >> 2);
    for (name, spec) in [
        ("a chain of 20 000 steps", chain(n).spec()),
        ("a cycle of 20 000 steps, no end reachable", cycle),
        ("20 000 steps, 19 998 of them with one id", duplicates),
        // The check walks the dominator chain per rule: O(rules × depth), 20 000 rules on this
        // chain take 2.5 s in release (a 3 MB spec; the API's 512 KiB bodies stay far below).
        ("1 000 must-pass rules on a chain of 20 000", rules),
        ("a step name of 1 Mi characters", label),
    ] {
        let started = std::time::Instant::now();
        if let Err(e) = check_spec(&stats, &spec) {
            panic!("{name}: {e}");
        }
        println!(
            "fuzz/flowchart/extremes: {name}: checked in {:.2?}",
            started.elapsed()
        );
    }
    stats.report();
}
