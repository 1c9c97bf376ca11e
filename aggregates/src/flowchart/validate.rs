//! The checks behind [`Flowchart::parse`](super::Flowchart::parse).

use std::collections::{HashMap, HashSet, VecDeque};

use petgraph::Direction;
use petgraph::algo::dominators::{Dominators, simple_fast};
use petgraph::graph::{DiGraph, NodeIndex};

use super::{
    FlowchartProblem, FlowchartSpec, MAX_NAME_CHARS, MAX_OUTCOME_CHARS, MAX_STEP_ID_LEN,
    ProblemCode, StepKind, is_valid_step_id,
};

/// What a successful validation hands to [`Flowchart`](super::Flowchart).
pub(super) struct Validated {
    pub graph: DiGraph<usize, usize>,
    pub index: HashMap<String, NodeIndex>,
    pub start: NodeIndex,
}

pub(super) fn validate(spec: &FlowchartSpec) -> Result<Validated, Vec<FlowchartProblem>> {
    let mut v = Validator::new(spec);
    v.check_steps();
    v.check_start_and_end();
    v.check_transitions();
    v.check_reachability();
    v.check_must_pass();
    v.finish()
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

fn blank_opt(s: Option<&String>) -> bool {
    s.is_none_or(|s| blank(s))
}

struct Validator<'a> {
    spec: &'a FlowchartSpec,
    /// Id -> first step declared with it; later duplicates are reported and otherwise
    /// ignored, so references resolve to the first.
    first: HashMap<&'a str, usize>,
    /// Node `i` is step `i`; only transitions whose both ends resolve become edges, so
    /// graph checks stay meaningful while field-level problems exist.
    graph: DiGraph<usize, usize>,
    /// Set only when there is exactly one start step (what a valid flowchart has).
    start: Option<usize>,
    /// The step reachability and must-pass rules are judged from: the start, or with several
    /// the first of them (the others are reported as extra starts), so that an administrator
    /// sees every problem of a chart at once, not one round per kind.
    judge_from: Option<usize>,
    /// Filled by `check_reachability` when `start` is set.
    reached: Option<Vec<bool>>,
    problems: Vec<FlowchartProblem>,
}

impl<'a> Validator<'a> {
    fn new(spec: &'a FlowchartSpec) -> Self {
        let mut first = HashMap::with_capacity(spec.steps.len());
        let mut graph = DiGraph::with_capacity(spec.steps.len(), spec.transitions.len());
        for (i, step) in spec.steps.iter().enumerate() {
            first.entry(step.id.as_str()).or_insert(i);
            graph.add_node(i);
        }
        let mut starts = spec
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == StepKind::Start);
        let first_start = starts.next().map(|(i, _)| i);
        let start = match (first_start, starts.next()) {
            (Some(i), None) => Some(i),
            _ => None,
        };
        Validator {
            spec,
            first,
            graph,
            start,
            judge_from: first_start,
            reached: None,
            problems: Vec::new(),
        }
    }

    fn report(&mut self, code: ProblemCode, step: Option<&str>, message: String) {
        self.problems.push(FlowchartProblem {
            code,
            step: step.map(str::to_owned),
            message,
        });
    }

    fn lookup(&self, id: &str) -> Option<usize> {
        self.first.get(id).copied()
    }

    fn is_first(&self, i: usize) -> bool {
        self.lookup(&self.spec.steps[i].id) == Some(i)
    }

    fn check_steps(&mut self) {
        let spec = self.spec;
        if spec.steps.is_empty() {
            self.report(
                ProblemCode::Empty,
                None,
                "the flowchart has no steps".to_owned(),
            );
        }
        for (i, step) in spec.steps.iter().enumerate() {
            let id = step.id.as_str();
            let at = Some(id);
            if !is_valid_step_id(id) {
                self.report(
                    ProblemCode::InvalidStepId,
                    at,
                    format!(
                        "step id {id:?} is invalid: use 1 to {MAX_STEP_ID_LEN} characters \
                         from a-z, 0-9 and _, starting with a letter"
                    ),
                );
            }
            if !self.is_first(i) {
                self.report(
                    ProblemCode::DuplicateStepId,
                    at,
                    format!("step id {id:?} is declared more than once"),
                );
            }
            if blank(&step.name) {
                self.report(
                    ProblemCode::EmptyName,
                    at,
                    format!("step {id:?} has an empty name"),
                );
            } else if step.name.chars().count() > MAX_NAME_CHARS {
                self.report(
                    ProblemCode::NameTooLong,
                    at,
                    format!("the name of step {id:?} is longer than {MAX_NAME_CHARS} characters"),
                );
            }
            let is_end = step.kind == StepKind::End;
            if !is_end && blank_opt(step.role.as_ref()) {
                self.report(
                    ProblemCode::MissingRole,
                    at,
                    format!("step {id:?} has no role saying which post performs it"),
                );
            } else if is_end && step.role.as_deref().is_some_and(blank) {
                self.report(
                    ProblemCode::MissingRole,
                    at,
                    format!("end step {id:?} has a blank role; omit it or name the post"),
                );
            }
            if is_end && blank_opt(step.result.as_ref()) {
                self.report(
                    ProblemCode::EndWithoutResult,
                    at,
                    format!("end step {id:?} has no result label"),
                );
            } else if !is_end && step.result.is_some() {
                self.report(
                    ProblemCode::ResultOnNonEnd,
                    at,
                    format!("step {id:?} has a result but is not an end step"),
                );
            }
            if let Some(title) = &step.document {
                if !is_end {
                    self.report(
                        ProblemCode::InvalidDocument,
                        at,
                        format!("step {id:?} names a document but is not an end step"),
                    );
                } else if blank(title) || title.chars().count() > 40 {
                    self.report(
                        ProblemCode::InvalidDocument,
                        at,
                        format!("end step {id:?} names a document of 1 to 40 characters, or none"),
                    );
                }
            }
            if is_end && step.pauses_clock {
                self.report(
                    ProblemCode::PausingEnd,
                    at,
                    format!("end step {id:?} cannot pause the clock"),
                );
            }
            if step.approves_extension && step.kind != StepKind::Task {
                self.report(
                    ProblemCode::ExtensionOnStartOrEnd,
                    at,
                    format!("step {id:?} approves an extension but is a start or end step"),
                );
            }
            if step.limit_days == Some(0) {
                self.report(
                    ProblemCode::InvalidLimit,
                    at,
                    format!("step {id:?} has a limit of 0 working days; it must be at least 1"),
                );
            }
            for other in &step.separate_from {
                if other == id {
                    self.report(
                        ProblemCode::SeparateFromSelf,
                        at,
                        format!("step {id:?} lists itself in separate_from"),
                    );
                } else if self.lookup(other).is_none() {
                    self.report(
                        ProblemCode::UnknownStep,
                        at,
                        format!("step {id:?} lists unknown step {other:?} in separate_from"),
                    );
                }
            }
        }
    }

    fn check_start_and_end(&mut self) {
        let spec = self.spec;
        if spec.steps.is_empty() {
            // Already reported as Empty; "no start"/"no end" would only repeat it.
            return;
        }
        let mut starts = spec.steps.iter().filter(|s| s.kind == StepKind::Start);
        match starts.next() {
            None => self.report(
                ProblemCode::NoStart,
                None,
                "the flowchart has no start step".to_owned(),
            ),
            Some(first) => {
                for extra in starts {
                    self.report(
                        ProblemCode::MultipleStarts,
                        Some(&extra.id),
                        format!(
                            "step {:?} is a second start step; {:?} is already the start",
                            extra.id, first.id
                        ),
                    );
                }
            }
        }
        if !spec.steps.iter().any(|s| s.kind == StepKind::End) {
            self.report(
                ProblemCode::NoEnd,
                None,
                "the flowchart has no end step".to_owned(),
            );
        }
    }

    fn check_transitions(&mut self) {
        let spec = self.spec;
        let mut seen: HashSet<(&str, &str)> = HashSet::new();
        for (t_index, t) in spec.transitions.iter().enumerate() {
            let (from, to, outcome) = (t.from.as_str(), t.to.as_str(), t.outcome.as_str());
            let at = Some(from);
            let from_i = self.lookup(from);
            let to_i = self.lookup(to);
            if from_i.is_none() {
                self.report(
                    ProblemCode::UnknownStep,
                    at,
                    format!("transition {outcome:?} starts at unknown step {from:?}"),
                );
            }
            if to_i.is_none() {
                self.report(
                    ProblemCode::UnknownStep,
                    at,
                    format!(
                        "transition {outcome:?} from step {from:?} leads to unknown step {to:?}"
                    ),
                );
            }
            if from_i.is_some_and(|i| spec.steps[i].kind == StepKind::End) {
                self.report(
                    ProblemCode::TransitionFromEnd,
                    at,
                    format!("transition {outcome:?} leaves end step {from:?}"),
                );
            }
            if blank(outcome) {
                self.report(
                    ProblemCode::EmptyOutcome,
                    at,
                    format!("a transition from step {from:?} to step {to:?} has an empty outcome"),
                );
            } else if outcome.chars().count() > MAX_OUTCOME_CHARS {
                self.report(
                    ProblemCode::OutcomeTooLong,
                    at,
                    format!(
                        "outcome {outcome:?} from step {from:?} is longer than \
                         {MAX_OUTCOME_CHARS} characters"
                    ),
                );
            } else if !seen.insert((from, outcome.trim())) {
                // Trimmed, because officers cannot tell "受理" from "受理 " apart.
                self.report(
                    ProblemCode::DuplicateOutcome,
                    at,
                    format!("step {from:?} has more than one transition with outcome {outcome:?}"),
                );
            }
            if let (Some(a), Some(b)) = (from_i, to_i) {
                self.graph
                    .add_edge(NodeIndex::new(a), NodeIndex::new(b), t_index);
            }
        }
    }

    fn check_reachability(&mut self) {
        let spec = self.spec;
        let judge_from = self.judge_from;
        let reached =
            judge_from.map(|s| reach(&self.graph, &[NodeIndex::new(s)], Direction::Outgoing));
        let ends: Vec<NodeIndex> = spec
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == StepKind::End)
            .map(|(i, _)| NodeIndex::new(i))
            .collect();
        // Without any end step NoEnd says it all; every step would fail here too.
        let closable = (!ends.is_empty()).then(|| reach(&self.graph, &ends, Direction::Incoming));
        for (i, step) in spec.steps.iter().enumerate() {
            // A duplicate declaration never gets edges (ids resolve to the first one),
            // so flagging it as unreachable would only echo DuplicateStepId.
            if !self.is_first(i) {
                continue;
            }
            let id = step.id.as_str();
            // An extra start step is reported as such; "unreachable" would only echo it.
            if let Some(r) = &reached
                && !r[i]
                && step.kind != StepKind::Start
            {
                self.report(
                    ProblemCode::UnreachableStep,
                    Some(id),
                    format!(
                        "step {id:?} cannot be reached from the start step {:?}",
                        spec.steps[judge_from.unwrap_or(i)].id
                    ),
                );
            }
            if let Some(c) = &closable
                && !c[i]
            {
                self.report(
                    ProblemCode::NoPathToEnd,
                    Some(id),
                    format!("no end step can be reached from step {id:?}, so a case there could never close"),
                );
            }
        }
        self.reached = reached;
    }

    fn check_must_pass(&mut self) {
        let spec = self.spec;
        let mut dominators: Option<Dominators<NodeIndex>> = None;
        for rule in &spec.must_pass {
            let (step, before) = (rule.step.as_str(), rule.before.as_str());
            let at = Some(before);
            let step_i = self.lookup(step);
            let before_i = self.lookup(before);
            if step_i.is_none() {
                self.report(
                    ProblemCode::UnknownStep,
                    at,
                    format!(
                        "must-pass rule {step:?} before {before:?} names unknown step {step:?}"
                    ),
                );
            }
            if before_i.is_none() && step != before {
                self.report(
                    ProblemCode::UnknownStep,
                    at,
                    format!(
                        "must-pass rule {step:?} before {before:?} names unknown step {before:?}"
                    ),
                );
            }
            if step == before {
                self.report(
                    ProblemCode::MustPassSelf,
                    at,
                    format!("must-pass rule names step {step:?} as both step and before"),
                );
                continue;
            }
            let (Some(step_i), Some(before_i), Some(start)) = (step_i, before_i, self.judge_from)
            else {
                continue;
            };
            // An unreachable `before` is already reported; "not dominated" would mislead.
            if !self.reached.as_ref().is_some_and(|r| r[before_i]) {
                continue;
            }
            let doms =
                dominators.get_or_insert_with(|| simple_fast(&self.graph, NodeIndex::new(start)));
            let holds = doms
                .dominators(NodeIndex::new(before_i))
                .is_some_and(|mut it| it.any(|n| n.index() == step_i));
            if !holds {
                self.report(
                    ProblemCode::MustPassViolated,
                    at,
                    format!(
                        "step {before:?} can be reached from the start without passing step {step:?}"
                    ),
                );
            }
        }
    }

    fn finish(self) -> Result<Validated, Vec<FlowchartProblem>> {
        let Some(start) = self.start else {
            debug_assert!(!self.problems.is_empty());
            return Err(self.problems);
        };
        if !self.problems.is_empty() {
            return Err(self.problems);
        }
        let index = self
            .first
            .into_iter()
            .map(|(id, i)| (id.to_owned(), NodeIndex::new(i)))
            .collect();
        Ok(Validated {
            graph: self.graph,
            index,
            start: NodeIndex::new(start),
        })
    }
}

/// Nodes reachable from any of `roots` following edges in `direction`, as a mask by index.
fn reach(graph: &DiGraph<usize, usize>, roots: &[NodeIndex], direction: Direction) -> Vec<bool> {
    let mut seen = vec![false; graph.node_count()];
    let mut queue: VecDeque<NodeIndex> = VecDeque::new();
    for &r in roots {
        if !seen[r.index()] {
            seen[r.index()] = true;
            queue.push_back(r);
        }
    }
    while let Some(n) = queue.pop_front() {
        for m in graph.neighbors_directed(n, direction) {
            if !seen[m.index()] {
                seen[m.index()] = true;
                queue.push_back(m);
            }
        }
    }
    seen
}
