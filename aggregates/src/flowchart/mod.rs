//! 流程图 — the flowchart a department publishes with each administrative power.
//!
//! A case may only move along the edges of its power's flowchart, so the flowchart is
//! validated once, when the catalogue is loaded, and every later question ("may this
//! case go from here with that outcome?") is answered by a [`Flowchart`] that is known
//! to be well formed. [`FlowchartSpec`] is the stored shape (YAML or JSON in catalogue
//! files and events); [`Flowchart::parse`] turns it into a [`Flowchart`] or reports every
//! problem at once, so a catalogue author can fix a file in one pass.
//!
//! The module is pure: no I/O, no clock, no global state.

mod dot;
mod validate;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;

use petgraph::graph::{DiGraph, NodeIndex};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest allowed step id, in ASCII characters.
pub const MAX_STEP_ID_LEN: usize = 48;
/// Longest allowed step display name (步骤名称), in characters (not bytes).
pub const MAX_NAME_CHARS: usize = 64;
/// Longest allowed outcome label (办理结果选项), in characters (not bytes).
pub const MAX_OUTCOME_CHARS: usize = 32;

/// Most steps a flowchart may declare. Published charts of district powers have at most a
/// few dozen; the bound keeps layout (which grows much faster than the chart) within its
/// budget: a dense chart of 26 steps and 150 transitions took layout-rs 23 s.
pub const MAX_STEPS: usize = 60;

/// Most transitions a flowchart may declare (see [`MAX_STEPS`]).
pub const MAX_TRANSITIONS: usize = 120;

/// The size problems of a flowchart to be published: more than [`MAX_STEPS`] steps or
/// [`MAX_TRANSITIONS`] transitions. Checked for new versions only (a version published before
/// the limits existed still loads).
pub fn size_problems(spec: &FlowchartSpec) -> Vec<FlowchartProblem> {
    let (steps, transitions) = (spec.steps.len(), spec.transitions.len());
    let mut problems = Vec::new();
    if steps > MAX_STEPS {
        problems.push(FlowchartProblem {
            code: ProblemCode::TooManySteps,
            step: None,
            message: format!("the flowchart has {steps} steps; at most {MAX_STEPS} are allowed"),
        });
    }
    if transitions > MAX_TRANSITIONS {
        problems.push(FlowchartProblem {
            code: ProblemCode::TooManyTransitions,
            step: None,
            message: format!(
                "the flowchart has {transitions} transitions; at most {MAX_TRANSITIONS} are allowed"
            ),
        });
    }
    problems
}

// Used by `skip_serializing_if` so stored documents stay minimal.
fn is_false(b: &bool) -> bool {
    !*b
}

/// 流程图 as written in a catalogue file (YAML or JSON).
///
/// This is the stored schema; it is only a candidate until [`Flowchart::parse`]
/// accepts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FlowchartSpec {
    /// The steps (环节), in declaration order.
    pub steps: Vec<StepSpec>,
    /// The transitions (流转) between steps, in declaration order.
    #[serde(default)]
    pub transitions: Vec<TransitionSpec>,
    /// "Must pass" rules (必经环节).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub must_pass: Vec<MustPassSpec>,
}

/// One step (环节) of a flowchart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    /// Stable step id, ASCII: [a-z0-9_], 1..=48 chars, starts with a letter.
    pub id: String,
    /// Display name, e.g. 受理. Non-empty after trim, at most 64 chars.
    pub name: String,
    /// Whether this is the start (开始), an ordinary task (办理环节) or an end (办结) step.
    #[serde(default)]
    pub kind: StepKind,
    /// The post that performs the step, e.g. 窗口受理人员. Required (non-empty) on start and task steps; optional on end steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The step's own limit in working days; must be >= 1 when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_days: Option<u32>,
    /// While a case waits at this step the case clock is stopped (补正, 听证, 鉴定, 公告). Not allowed on end steps.
    #[serde(default, skip_serializing_if = "is_false")]
    pub pauses_clock: bool,
    /// Steps that must be done by a different person than the one who did this step (岗位分离). Symmetric in meaning.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub separate_from: Vec<String>,
    /// The approval of the extension (延期审批, e.g. 负责人同意延期): completing this step
    /// extends the case's limits by what the version's `extension` still allows. Needs a
    /// version with an `extension`; not allowed on start or end steps.
    #[serde(default, skip_serializing_if = "is_false")]
    pub approves_extension: bool,
    /// On end steps only (required there): the case's result label, e.g. 准予许可, 不予受理, 给予行政处罚.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// On end steps only: the title of the written decision (决定书) the case's party receives
    /// when a case ends here, e.g. 准予行政许可决定书 (行政许可法 第三十八条). Absent: no document
    /// (a withdrawal). Non-empty after trim, at most 40 chars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

/// The role of a step in the flowchart's shape.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// The single step every case begins at (收件 / 立案).
    Start,
    /// An ordinary step (办理环节); the default when `kind` is omitted.
    #[default]
    Task,
    /// A terminal step (办结); a case that reaches it is closed with the step's `result`.
    End,
}

/// One transition (流转): from a step, the officer picks `outcome` and the case moves to `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransitionSpec {
    /// Id of the step the case leaves.
    pub from: String,
    /// The outcome label the officer picks, e.g. 受理 / 不予受理 / 补正. Unique among the outgoing transitions of `from`. Non-empty, at most 32 chars.
    pub outcome: String,
    /// Id of the step the case arrives at.
    pub to: String,
    /// An exception path (e.g. 撤回, 终止) that supervision will flag. Default false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub exception: bool,
}

/// "Must pass" rule: `step` lies on every path from the start to `before` (e.g. 告知 before 决定). Checked with dominators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MustPassSpec {
    /// Id of the step that must have been passed (必经环节).
    pub step: String,
    /// Id of the step that may only be reached through `step`.
    pub before: String,
}

/// Stable machine code of a [`FlowchartProblem`]; the serde name is the snake_case form
/// returned by [`ProblemCode::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// The text is not a flowchart at all (syntax error, wrong shape, unknown field); only from [`parse_yaml`].
    Malformed,
    /// The flowchart has no steps.
    Empty,
    /// A step id does not match `[a-z][a-z0-9_]{0,47}`.
    InvalidStepId,
    /// Two steps share an id; reported on each later occurrence.
    DuplicateStepId,
    /// A step name is empty or only whitespace.
    EmptyName,
    /// A step name is longer than [`MAX_NAME_CHARS`].
    NameTooLong,
    /// A start or task step has no role (岗位), or a step has a blank role.
    MissingRole,
    /// No step has kind `start`.
    NoStart,
    /// More than one step has kind `start`; reported on each start after the first.
    MultipleStarts,
    /// No step has kind `end`.
    NoEnd,
    /// A transition, `separate_from` entry or must-pass rule names a step that does not exist.
    UnknownStep,
    /// A transition leaves an end step.
    TransitionFromEnd,
    /// A transition's outcome is empty or only whitespace.
    EmptyOutcome,
    /// A transition's outcome is longer than [`MAX_OUTCOME_CHARS`].
    OutcomeTooLong,
    /// Two transitions out of the same step share an outcome.
    DuplicateOutcome,
    /// A step cannot be reached from the start step.
    UnreachableStep,
    /// No end step can be reached from a step: a case there could never be closed.
    NoPathToEnd,
    /// An end step has no (or a blank) `result`.
    EndWithoutResult,
    /// A start or task step has a `result`.
    ResultOnNonEnd,
    /// A `document` on a start or task step, or a blank or overlong one.
    InvalidDocument,
    /// An end step has `pauses_clock`.
    PausingEnd,
    /// A start or end step has `approves_extension`.
    ExtensionOnStartOrEnd,
    /// More steps than [`MAX_STEPS`].
    TooManySteps,
    /// More transitions than [`MAX_TRANSITIONS`].
    TooManyTransitions,
    /// `limit_days` is 0.
    InvalidLimit,
    /// A step lists itself in `separate_from`.
    SeparateFromSelf,
    /// A must-pass rule has `step` equal to `before`.
    MustPassSelf,
    /// A must-pass rule does not hold: some path from the start reaches `before` without passing `step`.
    MustPassViolated,
}

impl ProblemCode {
    /// Every code, in declaration order (for documentation and UI listings).
    pub const ALL: [ProblemCode; 28] = [
        ProblemCode::Malformed,
        ProblemCode::Empty,
        ProblemCode::InvalidStepId,
        ProblemCode::DuplicateStepId,
        ProblemCode::EmptyName,
        ProblemCode::NameTooLong,
        ProblemCode::MissingRole,
        ProblemCode::NoStart,
        ProblemCode::MultipleStarts,
        ProblemCode::NoEnd,
        ProblemCode::UnknownStep,
        ProblemCode::TransitionFromEnd,
        ProblemCode::EmptyOutcome,
        ProblemCode::OutcomeTooLong,
        ProblemCode::DuplicateOutcome,
        ProblemCode::UnreachableStep,
        ProblemCode::NoPathToEnd,
        ProblemCode::EndWithoutResult,
        ProblemCode::ResultOnNonEnd,
        ProblemCode::InvalidDocument,
        ProblemCode::PausingEnd,
        ProblemCode::ExtensionOnStartOrEnd,
        ProblemCode::TooManySteps,
        ProblemCode::TooManyTransitions,
        ProblemCode::InvalidLimit,
        ProblemCode::SeparateFromSelf,
        ProblemCode::MustPassSelf,
        ProblemCode::MustPassViolated,
    ];

    /// The stable snake_case code, identical to the serde representation.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::Malformed => "malformed",
            ProblemCode::Empty => "empty",
            ProblemCode::InvalidStepId => "invalid_step_id",
            ProblemCode::DuplicateStepId => "duplicate_step_id",
            ProblemCode::EmptyName => "empty_name",
            ProblemCode::NameTooLong => "name_too_long",
            ProblemCode::MissingRole => "missing_role",
            ProblemCode::NoStart => "no_start",
            ProblemCode::MultipleStarts => "multiple_starts",
            ProblemCode::NoEnd => "no_end",
            ProblemCode::UnknownStep => "unknown_step",
            ProblemCode::TransitionFromEnd => "transition_from_end",
            ProblemCode::EmptyOutcome => "empty_outcome",
            ProblemCode::OutcomeTooLong => "outcome_too_long",
            ProblemCode::DuplicateOutcome => "duplicate_outcome",
            ProblemCode::UnreachableStep => "unreachable_step",
            ProblemCode::NoPathToEnd => "no_path_to_end",
            ProblemCode::EndWithoutResult => "end_without_result",
            ProblemCode::ResultOnNonEnd => "result_on_non_end",
            ProblemCode::InvalidDocument => "invalid_document",
            ProblemCode::PausingEnd => "pausing_end",
            ProblemCode::ExtensionOnStartOrEnd => "extension_on_start_or_end",
            ProblemCode::TooManySteps => "too_many_steps",
            ProblemCode::TooManyTransitions => "too_many_transitions",
            ProblemCode::InvalidLimit => "invalid_limit",
            ProblemCode::SeparateFromSelf => "separate_from_self",
            ProblemCode::MustPassSelf => "must_pass_self",
            ProblemCode::MustPassViolated => "must_pass_violated",
        }
    }
}

impl fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing wrong with a [`FlowchartSpec`] (流程图校验问题).
///
/// Displays as `code: message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{code}: {message}")]
pub struct FlowchartProblem {
    /// Stable machine code.
    pub code: ProblemCode,
    /// The step id it concerns (for transitions: the `from` step; for must_pass: the `before` step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// Plain English sentence naming the ids involved.
    pub message: String,
}

/// Whether `id` is a valid step id: ASCII `[a-z0-9_]`, 1..=48 chars, starting with a letter.
pub fn is_valid_step_id(id: &str) -> bool {
    id.len() <= MAX_STEP_ID_LEN
        && id.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A validated 流程图: exactly one start, every step reachable from it, an end reachable
/// from every step, and every other rule of [`Flowchart::parse`] satisfied.
///
/// Equality compares the underlying [`FlowchartSpec`]; everything else is derived from it.
#[derive(Debug, Clone)]
pub struct Flowchart {
    spec: FlowchartSpec,
    graph: DiGraph<usize, usize>,
    index: HashMap<String, NodeIndex>,
    start: NodeIndex,
}

impl Flowchart {
    /// Parse, don't validate: a valid flowchart, or every problem found at once.
    ///
    /// Problems come in a deterministic order: first per step (declaration order), then
    /// start/end presence, then per transition (declaration order), then reachability
    /// per step, then per must-pass rule. Graph-level checks still run when field-level
    /// problems exist, over the edges whose endpoints exist; reachability from the start
    /// and must-pass rules are skipped when there is no unique start, and a must-pass rule
    /// whose `before` is unreachable is not reported again.
    ///
    /// # Errors
    /// Every [`FlowchartProblem`] found; never an empty vector.
    pub fn parse(spec: FlowchartSpec) -> Result<Flowchart, Vec<FlowchartProblem>> {
        let valid = validate::validate(&spec)?;
        Ok(Flowchart {
            spec,
            graph: valid.graph,
            index: valid.index,
            start: valid.start,
        })
    }

    /// The spec this flowchart was parsed from.
    pub fn spec(&self) -> &FlowchartSpec {
        &self.spec
    }

    /// Gives back the spec, e.g. to edit it and parse again.
    pub fn into_spec(self) -> FlowchartSpec {
        self.spec
    }

    /// The start step (开始环节).
    pub fn start(&self) -> &StepSpec {
        self.step_at(self.start)
    }

    /// The step with this id, if any.
    pub fn step(&self, id: &str) -> Option<&StepSpec> {
        self.index.get(id).map(|&node| self.step_at(node))
    }

    /// All steps, in declaration order.
    pub fn steps(&self) -> impl Iterator<Item = &StepSpec> {
        self.spec.steps.iter()
    }

    /// The transitions leaving step `id`, in declaration order; empty for end or unknown steps.
    pub fn outgoing(&self, id: &str) -> Vec<&TransitionSpec> {
        self.spec
            .transitions
            .iter()
            .filter(|t| t.from == id)
            .collect()
    }

    /// The transition taken from step `from` when the officer picks `outcome`, if the flowchart has one.
    pub fn transition(&self, from: &str, outcome: &str) -> Option<&TransitionSpec> {
        self.spec
            .transitions
            .iter()
            .find(|t| t.from == from && t.outcome == outcome)
    }

    /// Whether `id` is an end step (办结环节); false for unknown ids.
    pub fn is_end(&self, id: &str) -> bool {
        self.step(id).is_some_and(|s| s.kind == StepKind::End)
    }

    /// Whether two steps must be done by different people (either side declared it).
    ///
    /// False when either id is unknown or both are the same step.
    pub fn must_separate(&self, a: &str, b: &str) -> bool {
        if a == b {
            return false;
        }
        match (self.step(a), self.step(b)) {
            (Some(sa), Some(sb)) => {
                sa.separate_from.iter().any(|s| s == b) || sb.separate_from.iter().any(|s| s == a)
            }
            _ => false,
        }
    }

    /// Graphviz DOT text (node label = step name, edge label = outcome; pausing steps drawn dashed, end steps double-bordered), for SVG rendering later.
    ///
    /// The start step is drawn bold and exception transitions red.
    pub fn to_dot(&self) -> String {
        dot::to_dot(&self.spec)
    }

    /// The underlying graph, read-only, for layout/rendering.
    ///
    /// Node weight = index into [`FlowchartSpec::steps`] (node `i` is step `i`);
    /// edge weight = index into [`FlowchartSpec::transitions`].
    pub fn graph(&self) -> &DiGraph<usize, usize> {
        &self.graph
    }

    /// The graph node of step `id`, if any.
    pub fn node_index(&self, id: &str) -> Option<NodeIndex> {
        self.index.get(id).copied()
    }

    fn step_at(&self, node: NodeIndex) -> &StepSpec {
        &self.spec.steps[self.graph[node]]
    }
}

impl PartialEq for Flowchart {
    fn eq(&self, other: &Self) -> bool {
        self.spec == other.spec
    }
}

impl Eq for Flowchart {}

impl Serialize for Flowchart {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.spec.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Flowchart {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spec = FlowchartSpec::deserialize(deserializer)?;
        Flowchart::parse(spec).map_err(|problems| {
            serde::de::Error::custom(format!("invalid flowchart: {}", join(&problems)))
        })
    }
}

fn join(problems: &[FlowchartProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Parses a flowchart from YAML text: a syntax or shape error becomes a single
/// [`ProblemCode::Malformed`] problem (its message names the line), otherwise the
/// result of [`Flowchart::parse`].
///
/// # Errors
/// A single `Malformed` problem, or the problems [`Flowchart::parse`] found.
pub fn parse_yaml(text: &str) -> Result<Flowchart, Vec<FlowchartProblem>> {
    let malformed = |e: String| {
        vec![FlowchartProblem {
            code: ProblemCode::Malformed,
            step: None,
            message: format!("the flowchart is not well-formed YAML of the expected shape: {e}"),
        }]
    };
    // Deep flow nesting would make the YAML scanner take quadratic time.
    crate::yaml::check(text).map_err(malformed)?;
    let spec: FlowchartSpec = serde_norway::from_str(text).map_err(|e| malformed(e.to_string()))?;
    Flowchart::parse(spec)
}
