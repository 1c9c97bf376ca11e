//! Graphviz DOT output for [`Flowchart::to_dot`](super::Flowchart::to_dot).

use std::fmt::Write as _;

use super::{FlowchartSpec, StepKind};

/// Quotes `s` as a DOT string. Ids are quoted too: a valid step id such as `node` or
/// `edge` is a DOT keyword.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(super) fn to_dot(spec: &FlowchartSpec) -> String {
    let mut out = String::new();
    out.push_str("digraph flowchart {\n");
    out.push_str("    node [shape=box, style=rounded];\n");
    for step in &spec.steps {
        let mut style = vec!["rounded"];
        if step.kind == StepKind::Start {
            style.push("bold");
        }
        if step.pauses_clock {
            style.push("dashed");
        }
        let mut attrs = vec![format!("label={}", quote(&step.name))];
        if style.len() > 1 {
            attrs.push(format!("style={}", quote(&style.join(","))));
        }
        if step.kind == StepKind::End {
            attrs.push("peripheries=2".to_owned());
        }
        if let Some(role) = &step.role {
            attrs.push(format!("tooltip={}", quote(role)));
        }
        // Writing to a String cannot fail.
        let _ = writeln!(out, "    {} [{}];", quote(&step.id), attrs.join(", "));
    }
    for t in &spec.transitions {
        let mut attrs = vec![format!("label={}", quote(&t.outcome))];
        if t.exception {
            attrs.push("color=red, fontcolor=red".to_owned());
        }
        let _ = writeln!(
            out,
            "    {} -> {} [{}];",
            quote(&t.from),
            quote(&t.to),
            attrs.join(", ")
        );
    }
    out.push_str("}\n");
    out
}
