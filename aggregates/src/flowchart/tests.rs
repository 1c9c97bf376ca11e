//! Unit tests: a realistic licensing flowchart, and one test per problem code.

use super::*;

/// A realistic 行政许可 flowchart: 收件 → 受理/不予受理/补正 (loops back) → 审查 → 决定 →
/// 准予许可 / 不予许可, with an exceptional 撤回.
const LICENSING: &str = r#"
steps:
  - id: shoujian
    name: 收件
    kind: start
    role: 窗口受理人员
    limit_days: 1
  - id: buzheng
    name: 补正
    role: 窗口受理人员
    pauses_clock: true
  - id: shencha
    name: 审查
    role: 审查人员
    limit_days: 10
  - id: jueding
    name: 决定
    role: 分管负责人
    limit_days: 5
    separate_from: [shencha]
  - id: zhunyu_xuke
    name: 准予许可
    kind: end
    result: 准予许可
  - id: buyu_xuke
    name: 不予许可
    kind: end
    result: 不予许可
  - id: buyu_shouli
    name: 不予受理
    kind: end
    result: 不予受理
  - id: chehui
    name: 撤回
    kind: end
    result: 申请人撤回
transitions:
  - { from: shoujian, outcome: 受理, to: shencha }
  - { from: shoujian, outcome: 不予受理, to: buyu_shouli }
  - { from: shoujian, outcome: 补正, to: buzheng }
  - { from: buzheng, outcome: 补正完成, to: shoujian }
  - { from: buzheng, outcome: 逾期未补正, to: buyu_shouli }
  - { from: shencha, outcome: 提交决定, to: jueding }
  - { from: shencha, outcome: 撤回, to: chehui, exception: true }
  - { from: jueding, outcome: 准予许可, to: zhunyu_xuke }
  - { from: jueding, outcome: 不予许可, to: buyu_xuke }
must_pass:
  - { step: shencha, before: jueding }
"#;

fn licensing() -> FlowchartSpec {
    serde_norway::from_str(LICENSING).expect("fixture is well-formed")
}

fn step_mut<'a>(spec: &'a mut FlowchartSpec, id: &str) -> &'a mut StepSpec {
    spec.steps
        .iter_mut()
        .find(|s| s.id == id)
        .expect("fixture step")
}

fn task(id: &str, name: &str) -> StepSpec {
    StepSpec {
        id: id.to_owned(),
        name: name.to_owned(),
        kind: StepKind::Task,
        role: Some("科员".to_owned()),
        limit_days: None,
        pauses_clock: false,
        separate_from: vec![],
        approves_extension: false,
        result: None,
        document: None,
    }
}

fn edge(from: &str, outcome: &str, to: &str) -> TransitionSpec {
    TransitionSpec {
        from: from.to_owned(),
        outcome: outcome.to_owned(),
        to: to.to_owned(),
        exception: false,
    }
}

/// The (code, step) pairs of a spec that must not parse.
fn problems(spec: FlowchartSpec) -> Vec<(ProblemCode, Option<String>)> {
    match Flowchart::parse(spec) {
        Ok(_) => panic!("expected problems, the flowchart parsed"),
        Err(ps) => {
            for p in &ps {
                assert!(!p.message.is_empty(), "empty message in {p:?}");
            }
            ps.into_iter().map(|p| (p.code, p.step)).collect()
        }
    }
}

fn one(code: ProblemCode, step: Option<&str>) -> Vec<(ProblemCode, Option<String>)> {
    vec![(code, step.map(str::to_owned))]
}

#[test]
fn licensing_flowchart_parses_and_answers_queries() {
    let fc = Flowchart::parse(licensing()).expect("valid");
    assert_eq!(fc.start().id, "shoujian");
    assert_eq!(fc.step("shencha").map(|s| s.name.as_str()), Some("审查"));
    assert!(fc.step("nope").is_none());
    let ids: Vec<&str> = fc.steps().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "shoujian",
            "buzheng",
            "shencha",
            "jueding",
            "zhunyu_xuke",
            "buyu_xuke",
            "buyu_shouli",
            "chehui"
        ]
    );
    let outcomes: Vec<&str> = fc
        .outgoing("shoujian")
        .iter()
        .map(|t| t.outcome.as_str())
        .collect();
    assert_eq!(outcomes, ["受理", "不予受理", "补正"]);
    assert!(fc.outgoing("zhunyu_xuke").is_empty());
    assert!(fc.outgoing("nope").is_empty());
    assert_eq!(
        fc.transition("shoujian", "补正").map(|t| t.to.as_str()),
        Some("buzheng")
    );
    assert_eq!(
        fc.transition("buzheng", "补正完成").map(|t| t.to.as_str()),
        Some("shoujian")
    );
    assert!(fc.transition("shoujian", "准予许可").is_none());
    assert!(
        fc.transition("shencha", "撤回")
            .is_some_and(|t| t.exception)
    );
    assert!(fc.is_end("zhunyu_xuke") && fc.is_end("chehui"));
    assert!(!fc.is_end("shencha") && !fc.is_end("nope"));
    assert!(fc.must_separate("jueding", "shencha"));
    assert!(fc.must_separate("shencha", "jueding"), "symmetric");
    assert!(!fc.must_separate("shoujian", "shencha"));
    assert!(!fc.must_separate("jueding", "jueding"));
    assert!(!fc.must_separate("jueding", "nope"));
    assert!(fc.step("buzheng").is_some_and(|s| s.pauses_clock));
}

#[test]
fn graph_weights_index_the_spec() {
    let fc = Flowchart::parse(licensing()).expect("valid");
    let g = fc.graph();
    assert_eq!(g.node_count(), fc.spec().steps.len());
    assert_eq!(g.edge_count(), fc.spec().transitions.len());
    for node in g.node_indices() {
        let step = &fc.spec().steps[g[node]];
        assert_eq!(fc.node_index(&step.id), Some(node));
    }
    for e in g.edge_indices() {
        let t = &fc.spec().transitions[g[e]];
        let (a, b) = g.edge_endpoints(e).expect("edge");
        assert_eq!(fc.spec().steps[g[a]].id, t.from);
        assert_eq!(fc.spec().steps[g[b]].id, t.to);
    }
}

#[test]
fn start_need_not_be_declared_first() {
    let mut spec = licensing();
    spec.steps.rotate_left(3);
    let fc = Flowchart::parse(spec).expect("valid");
    assert_eq!(fc.start().id, "shoujian");
    assert_eq!(fc.steps().next().map(|s| s.id.as_str()), Some("jueding"));
}

#[test]
fn yaml_round_trip() {
    let fc = parse_yaml(LICENSING).expect("valid");
    let yaml = serde_norway::to_string(&fc).expect("serializes");
    // Defaults stay out of the stored form.
    assert!(!yaml.contains("pauses_clock: false"), "{yaml}");
    assert!(!yaml.contains("exception: false"), "{yaml}");
    let again = parse_yaml(&yaml).expect("round trip parses");
    assert_eq!(again, fc);
    assert_eq!(again.spec(), &licensing());
}

#[test]
fn json_round_trip_and_deserialize_validates() {
    let fc = Flowchart::parse(licensing()).expect("valid");
    let json = serde_json::to_string(&fc).expect("serializes");
    let back: Flowchart = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, fc);
    assert_eq!(back.into_spec(), licensing());

    let mut bad = licensing();
    step_mut(&mut bad, "shencha").limit_days = Some(0);
    step_mut(&mut bad, "chehui").result = None;
    let json = serde_json::to_string(&bad).expect("serializes");
    let err = serde_json::from_str::<Flowchart>(&json).expect_err("invalid");
    let msg = err.to_string();
    assert!(
        msg.contains("invalid_limit") && msg.contains("\"shencha\""),
        "{msg}"
    );
    assert!(
        msg.contains("end_without_result") && msg.contains("\"chehui\""),
        "{msg}"
    );
}

#[test]
fn spec_defaults_apply_when_fields_are_omitted() {
    let spec: FlowchartSpec =
        serde_json::from_str(r#"{"steps":[{"id":"a","name":"甲"}]}"#).expect("parses");
    assert_eq!(spec.steps[0].kind, StepKind::Task);
    assert!(spec.transitions.is_empty() && spec.must_pass.is_empty());
    assert!(!spec.steps[0].pauses_clock);
}

#[test]
fn dot_contains_names_and_styles() {
    let fc = Flowchart::parse(licensing()).expect("valid");
    let dot = fc.to_dot();
    assert!(dot.starts_with("digraph"));
    assert!(dot.trim_end().ends_with('}'));
    for step in fc.steps() {
        assert!(dot.contains(&format!("label=\"{}\"", step.name)), "{dot}");
    }
    for t in &fc.spec().transitions {
        assert!(dot.contains(&format!(
            "\"{}\" -> \"{}\" [label=\"{}\"",
            t.from, t.to, t.outcome
        )));
    }
    let line = |id: &str| {
        dot.lines()
            .find(|l| l.trim_start().starts_with(&format!("\"{id}\" [")))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line("buzheng").contains("dashed"));
    assert!(!line("shencha").contains("dashed"));
    assert!(line("zhunyu_xuke").contains("peripheries=2"));
    assert!(!line("shencha").contains("peripheries"));
    assert!(dot.contains("label=\"撤回\", color=red"));
}

#[test]
fn dot_escapes_quotes() {
    let mut spec = licensing();
    step_mut(&mut spec, "shencha").name = "审查\"初审\"\\".to_owned();
    let dot = Flowchart::parse(spec).expect("valid").to_dot();
    assert!(dot.contains(r#"label="审查\"初审\"\\""#), "{dot}");
}

#[test]
fn problem_codes_serialize_as_their_stable_names() {
    for code in ProblemCode::ALL {
        let json = serde_json::to_string(&code).expect("serializes");
        assert_eq!(json, format!("\"{}\"", code.as_str()));
        assert_eq!(code.to_string(), code.as_str());
        let back: ProblemCode = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, code);
    }
}

#[test]
fn problem_displays_code_and_message_and_serializes() {
    let p = FlowchartProblem {
        code: ProblemCode::NoStart,
        step: None,
        message: "the flowchart has no start step".to_owned(),
    };
    assert_eq!(p.to_string(), "no_start: the flowchart has no start step");
    assert_eq!(
        serde_json::to_string(&p).expect("serializes"),
        r#"{"code":"no_start","message":"the flowchart has no start step"}"#
    );
}

#[test]
fn step_id_rule() {
    for ok in ["a", "a1", "shou_li", "z_9_", &"a".repeat(48)] {
        assert!(is_valid_step_id(ok), "{ok:?}");
    }
    for bad in [
        "",
        "A",
        "1a",
        "_a",
        "a-b",
        "a b",
        "受理",
        "aé",
        &"a".repeat(49),
    ] {
        assert!(!is_valid_step_id(bad), "{bad:?}");
    }
}

// One test per problem code.

#[test]
fn malformed_yaml_names_the_line() {
    let err = parse_yaml("steps:\n  - id: a\n    name: [unclosed\n").expect_err("malformed");
    assert_eq!(err.len(), 1);
    assert_eq!(err[0].code, ProblemCode::Malformed);
    assert_eq!(err[0].step, None);
    assert!(err[0].message.contains("line"), "{}", err[0].message);

    // Unknown fields are shape errors too: a typo must not silently drop a rule.
    let typo = LICENSING.replace("pauses_clock: true", "pause_clock: true");
    let err = parse_yaml(&typo).expect_err("unknown field");
    assert_eq!(err[0].code, ProblemCode::Malformed);
    assert!(err[0].message.contains("pause_clock"), "{}", err[0].message);
}

#[test]
fn empty() {
    let spec = FlowchartSpec {
        steps: vec![],
        transitions: vec![],
        must_pass: vec![],
    };
    assert_eq!(problems(spec), one(ProblemCode::Empty, None));
}

#[test]
fn invalid_step_id() {
    let yaml = LICENSING.replace("buyu_xuke", "BuYu-Xuke");
    let err = parse_yaml(&yaml).expect_err("invalid id");
    let got: Vec<_> = err.into_iter().map(|p| (p.code, p.step)).collect();
    assert_eq!(got, one(ProblemCode::InvalidStepId, Some("BuYu-Xuke")));
}

#[test]
fn duplicate_step_id() {
    let mut spec = licensing();
    spec.steps.push(task("shencha", "复审"));
    assert_eq!(
        problems(spec),
        one(ProblemCode::DuplicateStepId, Some("shencha"))
    );
}

#[test]
fn empty_name() {
    let mut spec = licensing();
    step_mut(&mut spec, "shencha").name = "  ".to_owned();
    assert_eq!(problems(spec), one(ProblemCode::EmptyName, Some("shencha")));
}

#[test]
fn name_too_long() {
    let mut spec = licensing();
    step_mut(&mut spec, "shencha").name = "审".repeat(MAX_NAME_CHARS);
    assert!(Flowchart::parse(spec.clone()).is_ok(), "64 chars is fine");
    step_mut(&mut spec, "shencha").name = "审".repeat(MAX_NAME_CHARS + 1);
    assert_eq!(
        problems(spec),
        one(ProblemCode::NameTooLong, Some("shencha"))
    );
}

#[test]
fn missing_role() {
    let mut spec = licensing();
    step_mut(&mut spec, "shoujian").role = None;
    step_mut(&mut spec, "shencha").role = Some(" ".to_owned());
    step_mut(&mut spec, "chehui").role = Some(String::new());
    assert_eq!(
        problems(spec),
        vec![
            (ProblemCode::MissingRole, Some("shoujian".to_owned())),
            (ProblemCode::MissingRole, Some("shencha".to_owned())),
            (ProblemCode::MissingRole, Some("chehui".to_owned())),
        ]
    );
}

#[test]
fn no_start() {
    let mut spec = licensing();
    step_mut(&mut spec, "shoujian").kind = StepKind::Task;
    assert_eq!(problems(spec), one(ProblemCode::NoStart, None));
}

#[test]
fn multiple_starts() {
    let mut spec = licensing();
    step_mut(&mut spec, "shencha").kind = StepKind::Start;
    step_mut(&mut spec, "jueding").kind = StepKind::Start;
    assert_eq!(
        problems(spec),
        vec![
            (ProblemCode::MultipleStarts, Some("shencha".to_owned())),
            (ProblemCode::MultipleStarts, Some("jueding".to_owned())),
        ]
    );
}

/// Several starts do not hide the other problems: reachability and must-pass rules are
/// judged from the first start, so every problem shows in one answer.
#[test]
fn several_starts_still_show_unreachable_steps_and_broken_must_pass_rules() {
    let mut spec = licensing();
    let mut extra = task("extra", "另一收件");
    extra.kind = StepKind::Start;
    spec.steps.push(extra);
    spec.steps.push(task("orphan", "无人到达"));
    spec.transitions.push(edge("extra", "转审查", "shencha"));
    spec.transitions.push(edge("orphan", "撤回", "chehui"));
    // 决定 reachable from 收件 without 审查: the must-pass rule breaks.
    spec.transitions
        .push(edge("shoujian", "直接决定", "jueding"));
    assert_eq!(
        problems(spec),
        vec![
            (ProblemCode::MultipleStarts, Some("extra".to_owned())),
            (ProblemCode::UnreachableStep, Some("orphan".to_owned())),
            (ProblemCode::MustPassViolated, Some("jueding".to_owned())),
        ]
    );
}

#[test]
fn no_end() {
    let mut a = task("a", "甲");
    a.kind = StepKind::Start;
    let spec = FlowchartSpec {
        steps: vec![a, task("b", "乙")],
        transitions: vec![edge("a", "下一步", "b"), edge("b", "退回", "a")],
        must_pass: vec![],
    };
    assert_eq!(problems(spec), one(ProblemCode::NoEnd, None));
}

#[test]
fn unknown_step_in_transition_does_not_cascade_into_must_pass() {
    let mut spec = licensing();
    spec.transitions[5].to = "juedin".to_owned();
    let err = Flowchart::parse(spec).expect_err("unknown step");
    assert!(err[0].message.contains("\"juedin\""), "{}", err[0].message);
    let got: Vec<_> = err.into_iter().map(|p| (p.code, p.step)).collect();
    // jueding and what follows it are now unreachable; the must-pass rule on jueding
    // is not reported a second time.
    assert_eq!(
        got,
        vec![
            (ProblemCode::UnknownStep, Some("shencha".to_owned())),
            (ProblemCode::UnreachableStep, Some("jueding".to_owned())),
            (ProblemCode::UnreachableStep, Some("zhunyu_xuke".to_owned())),
            (ProblemCode::UnreachableStep, Some("buyu_xuke".to_owned())),
        ]
    );
}

#[test]
fn unknown_step_everywhere_else() {
    let mut spec = licensing();
    spec.transitions.push(edge("ghost", "幽灵", "shencha"));
    step_mut(&mut spec, "jueding")
        .separate_from
        .push("shenhe".to_owned());
    spec.must_pass.push(MustPassSpec {
        step: "gaozhi".to_owned(),
        before: "jueding".to_owned(),
    });
    spec.must_pass.push(MustPassSpec {
        step: "shencha".to_owned(),
        before: "tingzheng".to_owned(),
    });
    let err = Flowchart::parse(spec).expect_err("unknown steps");
    let got: Vec<_> = err.iter().map(|p| (p.code, p.step.as_deref())).collect();
    assert_eq!(
        got,
        vec![
            (ProblemCode::UnknownStep, Some("jueding")),
            (ProblemCode::UnknownStep, Some("ghost")),
            (ProblemCode::UnknownStep, Some("jueding")),
            (ProblemCode::UnknownStep, Some("tingzheng")),
        ]
    );
    for (p, missing) in err.iter().zip(["shenhe", "ghost", "gaozhi", "tingzheng"]) {
        assert!(
            p.message.contains(&format!("\"{missing}\"")),
            "{}",
            p.message
        );
    }
}

#[test]
fn transition_from_end() {
    let mut spec = licensing();
    spec.transitions
        .push(edge("buyu_shouli", "重新申请", "shoujian"));
    assert_eq!(
        problems(spec),
        one(ProblemCode::TransitionFromEnd, Some("buyu_shouli"))
    );
}

#[test]
fn empty_outcome() {
    let mut spec = licensing();
    spec.transitions[1].outcome = " ".to_owned();
    assert_eq!(
        problems(spec),
        one(ProblemCode::EmptyOutcome, Some("shoujian"))
    );
}

#[test]
fn outcome_too_long() {
    let mut spec = licensing();
    spec.transitions[5].outcome = "决".repeat(MAX_OUTCOME_CHARS);
    assert!(Flowchart::parse(spec.clone()).is_ok(), "32 chars is fine");
    spec.transitions[5].outcome = "决".repeat(MAX_OUTCOME_CHARS + 1);
    assert_eq!(
        problems(spec),
        one(ProblemCode::OutcomeTooLong, Some("shencha"))
    );
}

#[test]
fn duplicate_outcome() {
    let mut spec = licensing();
    spec.transitions.push(edge("shoujian", "受理 ", "buzheng"));
    assert_eq!(
        problems(spec),
        one(ProblemCode::DuplicateOutcome, Some("shoujian"))
    );
    // The same label from different steps is fine.
    let mut spec = licensing();
    spec.transitions.push(edge("buzheng", "受理", "shencha"));
    assert!(Flowchart::parse(spec).is_ok());
}

#[test]
fn unreachable_step() {
    let mut spec = licensing();
    spec.steps.push(task("guidang", "归档"));
    spec.transitions
        .push(edge("guidang", "归档完成", "zhunyu_xuke"));
    assert_eq!(
        problems(spec),
        one(ProblemCode::UnreachableStep, Some("guidang"))
    );
}

#[test]
fn no_path_to_end() {
    let mut spec = licensing();
    spec.steps.push(task("guaqi", "挂起"));
    spec.steps.push(task("dengdai", "等待"));
    spec.transitions.push(edge("shencha", "挂起", "guaqi"));
    // A cycle with no way out is as stuck as a dead end.
    spec.transitions.push(edge("guaqi", "等待", "dengdai"));
    spec.transitions.push(edge("dengdai", "继续挂起", "guaqi"));
    assert_eq!(
        problems(spec),
        vec![
            (ProblemCode::NoPathToEnd, Some("guaqi".to_owned())),
            (ProblemCode::NoPathToEnd, Some("dengdai".to_owned())),
        ]
    );
}

#[test]
fn loops_are_fine_when_an_end_is_reachable() {
    let mut spec = licensing();
    spec.transitions
        .push(edge("jueding", "退回审查", "shencha"));
    spec.transitions
        .push(edge("shencha", "补充材料", "shencha"));
    assert!(Flowchart::parse(spec).is_ok());
}

#[test]
fn end_without_result() {
    let mut spec = licensing();
    step_mut(&mut spec, "chehui").result = Some("  ".to_owned());
    assert_eq!(
        problems(spec),
        one(ProblemCode::EndWithoutResult, Some("chehui"))
    );
}

#[test]
fn result_on_non_end() {
    let mut spec = licensing();
    step_mut(&mut spec, "shencha").result = Some("审查通过".to_owned());
    assert_eq!(
        problems(spec),
        one(ProblemCode::ResultOnNonEnd, Some("shencha"))
    );
}

#[test]
fn pausing_end() {
    let mut spec = licensing();
    step_mut(&mut spec, "chehui").pauses_clock = true;
    assert_eq!(problems(spec), one(ProblemCode::PausingEnd, Some("chehui")));
}

#[test]
fn invalid_limit() {
    let mut spec = licensing();
    step_mut(&mut spec, "shencha").limit_days = Some(0);
    assert_eq!(
        problems(spec),
        one(ProblemCode::InvalidLimit, Some("shencha"))
    );
}

#[test]
fn separate_from_self() {
    let mut spec = licensing();
    step_mut(&mut spec, "jueding")
        .separate_from
        .push("jueding".to_owned());
    assert_eq!(
        problems(spec),
        one(ProblemCode::SeparateFromSelf, Some("jueding"))
    );
}

#[test]
fn must_pass_self() {
    let mut spec = licensing();
    spec.must_pass.push(MustPassSpec {
        step: "jueding".to_owned(),
        before: "jueding".to_owned(),
    });
    assert_eq!(
        problems(spec),
        one(ProblemCode::MustPassSelf, Some("jueding"))
    );
}

#[test]
fn must_pass_violated() {
    let mut spec = licensing();
    // A shortcut around 审查 breaks "审查 before 决定".
    spec.transitions
        .push(edge("shoujian", "简易程序", "jueding"));
    let err = Flowchart::parse(spec).expect_err("violated");
    assert!(err[0].message.contains("\"shencha\""), "{}", err[0].message);
    let got: Vec<_> = err.into_iter().map(|p| (p.code, p.step)).collect();
    assert_eq!(got, one(ProblemCode::MustPassViolated, Some("jueding")));
}

#[test]
fn must_pass_from_start_always_holds_and_into_start_never_does() {
    let mut spec = licensing();
    spec.must_pass.push(MustPassSpec {
        step: "shoujian".to_owned(),
        before: "buyu_xuke".to_owned(),
    });
    assert!(Flowchart::parse(spec.clone()).is_ok());
    spec.must_pass.push(MustPassSpec {
        step: "buzheng".to_owned(),
        before: "shoujian".to_owned(),
    });
    assert_eq!(
        problems(spec),
        one(ProblemCode::MustPassViolated, Some("shoujian"))
    );
}

#[test]
fn five_different_problems_are_all_reported() {
    let mut spec = licensing();
    step_mut(&mut spec, "shencha").limit_days = Some(0); // InvalidLimit
    step_mut(&mut spec, "jueding").role = None; // MissingRole
    step_mut(&mut spec, "chehui").result = None; // EndWithoutResult
    spec.transitions.push(edge("shoujian", "补正", "shencha")); // DuplicateOutcome
    spec.steps.push(task("guidang", "归档")); // UnreachableStep
    spec.transitions
        .push(edge("guidang", "完成", "zhunyu_xuke"));
    assert_eq!(
        problems(spec),
        vec![
            (ProblemCode::InvalidLimit, Some("shencha".to_owned())),
            (ProblemCode::MissingRole, Some("jueding".to_owned())),
            (ProblemCode::EndWithoutResult, Some("chehui".to_owned())),
            (ProblemCode::DuplicateOutcome, Some("shoujian".to_owned())),
            (ProblemCode::UnreachableStep, Some("guidang".to_owned())),
        ]
    );
}

#[test]
fn graph_checks_run_alongside_field_problems() {
    let mut spec = licensing();
    step_mut(&mut spec, "shencha").name = String::new();
    spec.transitions.retain(|t| t.to != "buzheng");
    let got = problems(spec);
    assert_eq!(
        got,
        vec![
            (ProblemCode::EmptyName, Some("shencha".to_owned())),
            (ProblemCode::UnreachableStep, Some("buzheng".to_owned())),
        ]
    );
}

/// A chart larger than layout can draw in its budget is refused when published (its size in
/// the words), while such a chart published before the limits still parses.
#[test]
fn too_many_steps_or_transitions_are_refused_for_new_versions() {
    let mut spec = licensing();
    for i in 0..MAX_STEPS {
        spec.steps.push(task(&format!("extra_{i}"), "附加环节"));
        spec.transitions
            .push(edge("shencha", &format!("转{i}"), &format!("extra_{i}")));
        spec.transitions
            .push(edge(&format!("extra_{i}"), "退回", "shencha"));
    }
    let codes: Vec<ProblemCode> = size_problems(&spec).iter().map(|p| p.code).collect();
    assert_eq!(
        codes,
        [ProblemCode::TooManySteps, ProblemCode::TooManyTransitions]
    );
    assert!(Flowchart::parse(spec).is_ok(), "a stored chart still loads");
    let mut spec = licensing();
    let room = MAX_STEPS - spec.steps.len();
    for i in 0..room {
        spec.steps.push(task(&format!("extra_{i}"), "附加环节"));
        spec.transitions
            .push(edge("shencha", &format!("转{i}"), &format!("extra_{i}")));
    }
    assert!(size_problems(&spec).is_empty());
}

#[test]
fn a_document_only_on_end_steps_and_of_bounded_length() {
    let mut spec = licensing();
    step_mut(&mut spec, "shencha").document = Some("审查意见书".into());
    assert_eq!(
        problems(spec),
        one(ProblemCode::InvalidDocument, Some("shencha"))
    );
    let mut spec = licensing();
    let end = "chehui".to_string();
    step_mut(&mut spec, &end).document = Some("长".repeat(41));
    assert_eq!(
        problems(spec),
        one(ProblemCode::InvalidDocument, Some(end.as_str()))
    );
    let mut spec = licensing();
    step_mut(&mut spec, &end).document = Some("准予行政许可决定书".into());
    assert!(
        Flowchart::parse(spec).is_ok(),
        "a document on an end step is fine"
    );
}
