//! 流程图 as SVG: draws a validated [`Flowchart`] as a standalone SVG document for public
//! web pages (and, with `current`/`visited`, for a case's progress page).
//!
//! Layout (ranking, crossing reduction, coordinates) is done by the `layout-rs` crate
//! (0.1.3), top to bottom, in process: no Graphviz binary, no network. We run its
//! pipeline step by step (`to_valid_dag`, `split_text_edges`, `split_long_edges`,
//! `Placer`) instead of `VisualGraph::do_it`, so that `tidy` can fix overlaps it leaves,
//! and draw through its public [`RenderBackend`] trait with our own writer. Its
//! `SVGWriter` is not used: it hard-codes a serif font, cannot dash a box border, fill
//! by state or put a `<title>` on a shape, and relies on `fill="context-stroke"`
//! markers. Writing the SVG ourselves means every piece of user text goes through one
//! escaping function and every style is ours:
//!
//! - one box per step, labelled with its name (wrapped at about 12 characters) and, on a
//!   last line in smaller grey type, its own limit (`5个工作日`) when it has one;
//! - the start step with a bold (3 px) border;
//! - end steps as pills (fully rounded boxes) with a double border;
//! - steps that pause the clock with a dashed border and `（暂停计时）` after the name;
//! - edges labelled with the outcome; exception transitions dashed in dark red, their
//!   label dark red too;
//! - `current` filled amber, `visited` tinted light blue.
//!
//! Every shape carries a `class` (`yg-step`, `yg-start`, `yg-end`, `yg-pause`,
//! `yg-current`, `yg-visited`, `yg-edge`, `yg-exception`) and `data-step` /
//! `data-from` / `data-to` attributes, and a `<title>` (hover text: full name and role,
//! or the transition), so pages can restyle or script it without parsing labels.
//!
//! Limitations: layout-rs places each edge label as a small node between ranks and
//! routes the edge as a Bézier curve through it, so the line runs under its own label
//! (labels have a white halo to stay readable) and sometimes near another label. Text
//! widths are estimated (CJK = 1 em, ASCII ≈ 0.6 em), not measured. Marker ids
//! (`yg-arrow…`) are fixed, so two flowcharts inlined in one HTML page share them (the
//! definitions are identical, so this is harmless). layout-rs panics on a small share
//! of graphs (about 1 in 100 random flowcharts, none of the demo ones): the panic is
//! caught (the default hook still prints it to stderr), layout is retried without
//! crossing optimisation, and if that fails too (about 1 in 1000) the steps are drawn
//! as a plain column with their transitions as text (root class `yg-fallback`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};

use aggregates::flowchart::{Flowchart, FlowchartSpec, StepKind, StepSpec, TransitionSpec};
use layout::adt::dag::NodeHandle;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::format::{ClipHandle, RenderBackend, Renderable, Visible};
use layout::core::geometry::{Point, Position};
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::render::render_arrow;
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;
use layout::topo::placer::Placer;

/// Options for drawing a flowchart.
#[derive(Debug, Clone, Copy)]
pub struct FlowchartStyle<'a> {
    /// Id of the step a case is at now: filled in the highlight colour.
    pub current: Option<&'a str>,
    /// Ids of steps a case has passed through: lightly tinted.
    pub visited: &'a [String],
    /// Accessible name of the drawing (the SVG's `<title>`), e.g. `食品经营许可 办理流程图`.
    pub title: &'a str,
}

/// The font stack put on the root `<svg>` (inherited by all text).
pub const FONT_FAMILY: &str = "'Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Micro Hei','Microsoft YaHei','PingFang SC',sans-serif";

/// Suffix added to the label of a step that pauses the case clock.
pub const PAUSE_SUFFIX: &str = "（暂停计时）";

const NODE_FONT: usize = 14;
const LIMIT_FONT: f64 = 12.0;
const EDGE_FONT: usize = 12;
const NODE_WRAP_EM: f64 = 12.0;
const EDGE_WRAP_EM: f64 = 9.0;
const LINE_HEIGHT: f64 = 1.3;
const MARGIN: f64 = 12.0;

const INK: &str = "#263238";
const BORDER: &str = "#37474f";
const EDGE: &str = "#546e7a";
const EXCEPTION: &str = "#8b1a1a";
const LIMIT_INK: &str = "#5f6b73";
const FILL: &str = "#ffffff";
const FILL_VISITED: &str = "#e3eefc";
const FILL_CURRENT: &str = "#ffd966";
const DASH: &str = "6 4";

/// Label text handed to layout-rs ends with one private-use character naming what it
/// labels: U+100000 + step index, or U+F0000 + transition index. layout-rs moves edge
/// labels between rows without their style, so the tag is how [`Canvas::draw_text`] finds
/// the step or transition and draws the label from our own data. User text never contains
/// these characters: [`clean`] replaces them.
const STEP_TAG: u32 = 0x10_0000;
const EDGE_TAG: u32 = 0xF_0000;
const TAG_SPAN: u32 = 0xFFFE;

/// Renders `flowchart` as a standalone SVG document (UTF-8 text starting with `<svg`).
///
/// See the module documentation for what is drawn. The output has `xmlns`, `viewBox`,
/// `role="img"`, a `<title>` with `style.title`, the CJK font stack [`FONT_FAMILY`],
/// and no external references; all user text is escaped.
pub fn flowchart_svg(flowchart: &Flowchart, style: &FlowchartStyle) -> String {
    draw_spec(flowchart.spec(), style, &[])
}

/// Draws a flowchart that may not be valid (the administrator's preview before publishing):
/// the steps as declared, transitions whose ends exist, and the steps in `flagged` (those
/// with problems) with a thick dark red border, class `yg-problem` and `（有问题）` in their
/// hover text. Unreachable steps, dead ends and cycles are drawn as they are.
pub fn flowchart_spec_svg(
    spec: &FlowchartSpec,
    style: &FlowchartStyle,
    flagged: &[String],
) -> String {
    draw_spec(spec, style, flagged)
}

/// How long a page waits for a flowchart's layout before it shows the steps as a plain
/// column instead (the layout goes on off the HTTP workers and replaces it in the cache).
pub const LAYOUT_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

/// Crossing optimisation (the costly part of layout-rs: 1.8 s for 21 steps with 120
/// transitions, against 68 ms without) only up to this many transitions; real flowcharts
/// stay well below it.
const OPTIMIZE_UP_TO_TRANSITIONS: usize = 40;

/// Rendered flowcharts, by what determines the drawing (the spec, the style, the flagged
/// steps): a published version is laid out once, not per request.
fn svg_cache() -> &'static quick_cache::sync::Cache<u64, std::sync::Arc<str>> {
    static CACHE: std::sync::OnceLock<quick_cache::sync::Cache<u64, std::sync::Arc<str>>> =
        std::sync::OnceLock::new();
    CACHE.get_or_init(|| quick_cache::sync::Cache::new(1_024))
}

/// One layout at a time, so that however many pages ask, one core stays for everything else.
static LAYOUTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

fn cache_key(spec: &FlowchartSpec, style: &FlowchartStyle, flagged: &[String]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(spec).unwrap_or_default().hash(&mut h);
    (style.current, style.visited, style.title, flagged).hash(&mut h);
    h.finish()
}

/// [`flowchart_svg`] for a page: from the cache, or laid out on a blocking thread (one at a
/// time) within [`LAYOUT_BUDGET`]; past the budget, or for a chart over the limits a version
/// may declare (an invalid upload), the steps as a plain column. The HTTP worker only waits.
pub async fn flowchart_svg_bounded(
    spec: &FlowchartSpec,
    style: &FlowchartStyle<'_>,
    flagged: &[String],
) -> std::sync::Arc<str> {
    let key = cache_key(spec, style, flagged);
    let cache = svg_cache();
    let owned = (
        spec.clone(),
        style.current.map(str::to_owned),
        style.visited.to_vec(),
        style.title.to_owned(),
        flagged.to_vec(),
    );
    let rendered = cache
        .get_or_insert_async(&key, async move {
            Ok::<_, std::convert::Infallible>(render_within_budget(key, owned).await)
        })
        .await;
    match rendered {
        Ok(svg) => svg,
        Err(never) => match never {},
    }
}

type OwnedDrawing = (
    FlowchartSpec,
    Option<String>,
    Vec<String>,
    String,
    Vec<String>,
);

async fn render_within_budget(key: u64, owned: OwnedDrawing) -> std::sync::Arc<str> {
    let (spec, current, visited, title, flagged) = owned;
    let column = |spec: &FlowchartSpec| -> std::sync::Arc<str> {
        let style = FlowchartStyle {
            current: current.as_deref(),
            visited: &visited,
            title: &title,
        };
        column_svg(spec, &style, &flagged).into()
    };
    if spec.steps.len() > aggregates::flowchart::MAX_STEPS
        || spec.transitions.len() > aggregates::flowchart::MAX_TRANSITIONS
    {
        return column(&spec);
    }
    let deadline = tokio::time::Instant::now() + LAYOUT_BUDGET;
    let drawing = (
        spec.clone(),
        current.clone(),
        visited.clone(),
        title.clone(),
        flagged.clone(),
    );
    // The layout waits its turn and runs on a blocking thread; whenever it finishes, it
    // replaces in the cache the column a page may have shown meanwhile.
    let task = tokio::spawn(async move {
        let permit = LAYOUTS.acquire().await.ok()?;
        tokio::task::spawn_blocking(move || {
            let _one_at_a_time = permit;
            let (spec, current, visited, title, flagged) = drawing;
            let style = FlowchartStyle {
                current: current.as_deref(),
                visited: &visited,
                title: &title,
            };
            let svg: std::sync::Arc<str> = draw_spec(&spec, &style, &flagged).into();
            svg_cache().insert(key, svg.clone());
            svg
        })
        .await
        .ok()
    });
    match tokio::time::timeout_at(deadline, task).await {
        Ok(Ok(Some(svg))) => svg,
        _ => {
            tracing::warn!("flowchart layout over its budget: drawn as a column for now");
            column(&spec)
        }
    }
}

/// The steps as a plain column with their transitions as text: linear in the chart's size.
fn column_svg(flowchart: &FlowchartSpec, style: &FlowchartStyle, flagged: &[String]) -> String {
    let mut looks = step_looks(flowchart, style);
    for look in &mut looks {
        if flagged.contains(&look.id) {
            look.problem = true;
            look.tooltip.push_str("（有问题）");
        }
    }
    let edges = edge_looks(flowchart);
    let mut canvas = Canvas::new(&looks, &edges);
    fallback_column(flowchart, &mut canvas);
    canvas.finish(style.title, true)
}

fn draw_spec(flowchart: &FlowchartSpec, style: &FlowchartStyle, flagged: &[String]) -> String {
    let mut looks = step_looks(flowchart, style);
    for look in &mut looks {
        if flagged.contains(&look.id) {
            look.problem = true;
            look.tooltip.push_str("（有问题）");
        }
    }
    let edges = edge_looks(flowchart);
    // layout-rs 0.1.3 has internal assertions that fail on a small share of graphs
    // (about 1 in 100 random flowcharts); try again without its crossing optimisation,
    // then fall back to a plain column rather than fail the page.
    let passes: &[bool] = if flowchart.transitions.len() <= OPTIMIZE_UP_TO_TRANSITIONS {
        &[true, false]
    } else {
        &[false]
    };
    for &optimize in passes {
        let mut canvas = Canvas::new(&looks, &edges);
        let drawn = catch_unwind(AssertUnwindSafe(|| {
            let graph = lay_out(&looks, &edges, optimize);
            draw(&graph, &looks, &edges, &mut canvas);
        }));
        if drawn.is_ok() {
            return canvas.finish(style.title, false);
        }
    }
    let mut canvas = Canvas::new(&looks, &edges);
    fallback_column(flowchart, &mut canvas);
    canvas.finish(style.title, true)
}

/// How one step is drawn; derived from the spec and the style.
#[derive(Debug)]
struct StepLook {
    id: String,
    /// Lines of the label (already cleaned, not escaped).
    lines: Vec<String>,
    /// `5个工作日`, if the step has its own limit.
    limit: Option<String>,
    /// Hover text.
    tooltip: String,
    start: bool,
    end: bool,
    pause: bool,
    current: bool,
    visited: bool,
    /// Has a validation problem (preview of an invalid flowchart).
    problem: bool,
    size: Point,
}

/// How one transition is drawn.
#[derive(Debug)]
struct EdgeLook {
    from: usize,
    to: usize,
    lines: Vec<String>,
    tooltip: String,
    exception: bool,
}

fn step_looks(flowchart: &FlowchartSpec, style: &FlowchartStyle) -> Vec<StepLook> {
    flowchart
        .steps
        .iter()
        .map(|step| step_look(step, style))
        .collect()
}

fn step_look(step: &StepSpec, style: &FlowchartStyle) -> StepLook {
    let name = clean(&step.name);
    let mut label = name.clone();
    if step.pauses_clock {
        label.push_str(PAUSE_SUFFIX);
    }
    let lines = wrap(&label, NODE_WRAP_EM);
    let limit = step.limit_days.map(|d| format!("{d}个工作日"));
    let mut tooltip = name;
    if let Some(role) = &step.role {
        tooltip.push_str(" — 岗位：");
        tooltip.push_str(&clean(role));
    }
    if let Some(limit) = &limit {
        tooltip.push_str(" — 时限：");
        tooltip.push_str(limit);
    }
    if step.pauses_clock {
        tooltip.push_str(" — 暂停计时");
    }
    if let Some(result) = &step.result {
        tooltip.push_str(" — 办结结果：");
        tooltip.push_str(&clean(result));
    }
    let current = style.current == Some(step.id.as_str());
    let visited = style.visited.iter().any(|v| v == &step.id);
    if current {
        tooltip.push_str("（当前环节）");
    } else if visited {
        tooltip.push_str("（已办）");
    }
    let end = step.kind == StepKind::End;
    let width_em = lines
        .iter()
        .map(|l| em_width(l))
        .chain(
            limit
                .iter()
                .map(|l| em_width(l) * LIMIT_FONT / NODE_FONT as f64),
        )
        .fold(0.0, f64::max);
    let line_count = lines.len() as f64 + if limit.is_some() { 1.0 } else { 0.0 };
    let font = NODE_FONT as f64;
    let height = line_count * font * LINE_HEIGHT + 18.0;
    // Pills need extra room at the rounded ends.
    let side = if end { height / 2.0 + 8.0 } else { 14.0 };
    let width = (width_em * font + 2.0 * side).max(96.0);
    StepLook {
        id: step.id.clone(),
        lines,
        limit,
        tooltip,
        start: step.kind == StepKind::Start,
        end,
        pause: step.pauses_clock,
        current,
        visited,
        problem: false,
        size: Point::new(width.round(), height.round()),
    }
}

fn edge_looks(flowchart: &FlowchartSpec) -> Vec<EdgeLook> {
    let index: HashMap<&str, usize> = flowchart
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let names: Vec<String> = flowchart.steps.iter().map(|s| clean(&s.name)).collect();
    flowchart
        .transitions
        .iter()
        .filter_map(|t: &TransitionSpec| {
            // A validated flowchart has no dangling transitions; skip rather than panic.
            let from = *index.get(t.from.as_str())?;
            let to = *index.get(t.to.as_str())?;
            let outcome = clean(&t.outcome);
            let mut tooltip = format!("{} → {}：{}", names[from], names[to], outcome);
            if t.exception {
                tooltip.push_str("（异常流转）");
            }
            Some(EdgeLook {
                from,
                to,
                lines: wrap(&outcome, EDGE_WRAP_EM),
                tooltip,
                exception: t.exception,
            })
        })
        .collect()
}

fn build_graph(looks: &[StepLook], edges: &[EdgeLook]) -> VisualGraph {
    let dir = Orientation::TopToBottom;
    let mut graph = VisualGraph::new(dir);
    let handles: Vec<_> = looks
        .iter()
        .enumerate()
        .map(|(i, look)| {
            // Box size is ours (look.size); the text only identifies the step.
            let text = tagged(&look.lines.join("\n"), Tag::Step(i));
            let attr = StyleAttr::new(Color::fast("black"), 1, None, 0, NODE_FONT);
            let shape = ShapeKind::new_box(&text);
            let elem = Element::create_with_properties(shape, attr, dir, look.size, node_key(i));
            graph.add_node(elem)
        })
        .collect();
    for (j, edge) in edges.iter().enumerate() {
        let attr = StyleAttr::new(Color::fast("black"), 1, None, 0, EDGE_FONT);
        let line = if edge.exception {
            LineStyleKind::Dashed
        } else {
            LineStyleKind::Normal
        };
        // layout-rs sizes the label node from this text (1 em per character per line),
        // which fits our rendering of the same lines.
        let arrow = Arrow::with_properties(
            LineEndKind::None,
            LineEndKind::Arrow,
            line,
            &tagged(&edge.lines.join("\n"), Tag::Edge(j)),
            &attr,
            edge_key(j),
            &None,
            &None,
        );
        graph.add_edge(arrow, handles[edge.from], handles[edge.to]);
    }
    graph
}

/// Runs layout-rs's pipeline (what `VisualGraph::do_it` does before drawing), then
/// [`tidy`] fixes the overlaps it can leave.
fn lay_out(looks: &[StepLook], edges: &[EdgeLook], optimize: bool) -> VisualGraph {
    let mut graph = build_graph(looks, edges);
    graph.to_valid_dag();
    graph.split_text_edges();
    graph.split_long_edges(!optimize);
    let nodes: Vec<NodeHandle> = graph.iter_nodes().collect();
    for node in nodes {
        graph.element_mut(node).resize();
    }
    Placer::new(&mut graph).layout(false);
    tidy(&mut graph);
    graph
}

/// Gap kept between a label and anything else, in px.
const LABEL_GAP: f64 = 6.0;

fn is_label(graph: &VisualGraph, node: NodeHandle) -> bool {
    matches!(graph.element(node).shape, ShapeKind::Connector(Some(_)))
}

/// Whether the box of `a` (grown by `gap`) intersects the box of `b`.
fn overlaps(a: Position, b: Position, gap: f64) -> bool {
    let (a0, a1) = a.bbox(false);
    let (b0, b1) = b.bbox(false);
    a0.x - gap < b1.x && b0.x < a1.x + gap && a0.y - gap < b1.y && b0.y < a1.y + gap
}

/// Fixes two things layout-rs 0.1.3 can get wrong: its crossing adjustment moves an
/// edge label up to 95 px down or up without checking boxes, which can put the label
/// on top of a step; and its edge straightening can move a label onto a neighbour in
/// the same row. Labels pushed onto a step go back to their row; remaining overlaps
/// are resolved by moving labels sideways (steps only if two steps overlap).
fn tidy(graph: &mut VisualGraph) {
    let nodes: Vec<NodeHandle> = graph.iter_nodes().collect();
    let boxes: Vec<NodeHandle> = nodes
        .iter()
        .copied()
        .filter(|&n| !graph.is_connector(n))
        .collect();
    let labels: Vec<NodeHandle> = nodes
        .iter()
        .copied()
        .filter(|&n| is_label(graph, n))
        .collect();
    let on_a_box = |graph: &VisualGraph, pos: Position| {
        boxes
            .iter()
            .any(|&b| overlaps(pos, graph.pos(b), LABEL_GAP))
    };
    for &label in &labels {
        if !on_a_box(graph, graph.pos(label)) {
            continue;
        }
        if let Some(row_y) = row_y(graph, graph.dag.level(label)) {
            let mut moved = graph.pos(label);
            moved.translate(Point::new(0.0, row_y - moved.middle().y));
            if !on_a_box(graph, moved) {
                *graph.pos_mut(label) = moved;
            }
        }
    }
    let visible: Vec<NodeHandle> = boxes.iter().chain(&labels).copied().collect();
    // Each round moves one element of one overlapping pair; bounded so a pathological
    // graph cannot loop forever.
    for _ in 0..visible.len() * 4 + 16 {
        let mut fixed = false;
        'pairs: for (k, &a) in visible.iter().enumerate() {
            for &b in &visible[k + 1..] {
                let (pa, pb) = (graph.pos(a), graph.pos(b));
                if !overlaps(pa, pb, LABEL_GAP) {
                    continue;
                }
                // Move a label rather than a step; otherwise the one further right.
                let (fixed_node, moving) = match (is_label(graph, a), is_label(graph, b)) {
                    (true, false) => (b, a),
                    (false, true) => (a, b),
                    _ if pa.center().x <= pb.center().x => (a, b),
                    _ => (b, a),
                };
                let (f, m) = (graph.pos(fixed_node), graph.pos(moving));
                let right = f.right(false) + LABEL_GAP - m.left(false);
                let left = m.right(false) + LABEL_GAP - f.left(false);
                let dx = if m.center().x >= f.center().x || !is_label(graph, moving) {
                    right
                } else {
                    -left
                };
                graph.pos_mut(moving).translate(Point::new(dx, 0.0));
                fixed = true;
                break 'pairs;
            }
        }
        if !fixed {
            break;
        }
    }
}

/// The y every element of row `level` was aligned to (the most common middle; elements
/// moved by layout-rs's crossing adjustment are the minority).
fn row_y(graph: &VisualGraph, level: usize) -> Option<f64> {
    let ys: Vec<f64> = graph
        .dag
        .row(level)
        .iter()
        .map(|&n| graph.pos(n).middle().y)
        .collect();
    ys.iter()
        .copied()
        .max_by_key(|y| ys.iter().filter(|o| (*o - y).abs() < 0.01).count())
}

/// Draws a laid-out graph: every element, then every edge as a curve through its chain
/// of connectors. (`VisualGraph`'s own drawing is private to `do_it`, so the chains are
/// recovered from the ranked graph: each edge's chain carries its tagged label.)
fn draw(graph: &VisualGraph, looks: &[StepLook], edges: &[EdgeLook], canvas: &mut Canvas) {
    let nodes: Vec<NodeHandle> = graph.iter_nodes().collect();
    for &node in &nodes {
        graph.element(node).render(false, canvas);
    }
    let edge_of = |node: NodeHandle| match &graph.element(node).shape {
        ShapeKind::Connector(Some(text)) => match read_tag(text) {
            (_, Some(Tag::Edge(j))) => Some(j),
            _ => None,
        },
        _ => None,
    };
    // Node i is step i: the steps were added first, in order.
    let step_of = |node: NodeHandle| Some(node.get_index()).filter(|&i| i < looks.len());
    for &node in &nodes {
        if graph.is_connector(node) {
            // A self-loop's label is a connector outside the ranked edges.
            if graph.preds(node).is_empty()
                && graph.succ(node).is_empty()
                && let Some(j) = edge_of(node)
                && let Some(edge) = edges.get(j)
            {
                let owner = NodeHandle::new(edge.from);
                draw_chain(graph, &[owner, node, owner], Some(j), false, canvas);
            }
            continue;
        }
        for &first in graph.succ(node) {
            let mut chain = vec![node, first];
            let mut at = first;
            while graph.is_connector(at) {
                match graph.dag.single_succ(at) {
                    Some(next) => {
                        chain.push(next);
                        at = next;
                    }
                    None => break,
                }
            }
            if graph.is_connector(at) {
                continue;
            }
            let j = chain.iter().find_map(|&c| edge_of(c));
            // layout-rs reverses back edges to get a DAG: their arrowhead goes at the start.
            let reversed = j
                .and_then(|j| edges.get(j))
                .is_some_and(|e| step_of(node) != Some(e.from) && step_of(at) == Some(e.from));
            draw_chain(graph, &chain, j, reversed, canvas);
        }
    }
}

fn draw_chain(
    graph: &VisualGraph,
    chain: &[NodeHandle],
    edge: Option<usize>,
    reversed: bool,
    canvas: &mut Canvas,
) {
    let elements: Vec<Element> = chain.iter().map(|&n| graph.element(n).clone()).collect();
    let (start, end) = if reversed {
        (LineEndKind::Arrow, LineEndKind::None)
    } else {
        (LineEndKind::None, LineEndKind::Arrow)
    };
    let mut arrow = Arrow::new(
        start,
        end,
        LineStyleKind::Normal,
        "",
        &StyleAttr::simple(),
        &None,
        &None,
    );
    arrow.properties = edge.map(edge_key);
    render_arrow(canvas, false, &elements, &arrow);
}

/// What a piece of label text handed to layout-rs belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Step(usize),
    Edge(usize),
}

fn tagged(text: &str, tag: Tag) -> String {
    let (base, i) = match tag {
        Tag::Step(i) => (STEP_TAG, i),
        Tag::Edge(i) => (EDGE_TAG, i),
    };
    let mut out = text.to_owned();
    if let Some(c) = u32::try_from(i)
        .ok()
        .filter(|&i| i < TAG_SPAN)
        .and_then(|i| char::from_u32(base + i))
    {
        out.push(c);
    }
    out
}

/// Splits the tag off text made by [`tagged`].
fn read_tag(text: &str) -> (&str, Option<Tag>) {
    let Some(last) = text.chars().next_back() else {
        return (text, None);
    };
    let code = u32::from(last);
    let tag = if (STEP_TAG..STEP_TAG + TAG_SPAN).contains(&code) {
        Tag::Step((code - STEP_TAG) as usize)
    } else if (EDGE_TAG..EDGE_TAG + TAG_SPAN).contains(&code) {
        Tag::Edge((code - EDGE_TAG) as usize)
    } else {
        return (text, None);
    };
    (&text[..text.len() - last.len_utf8()], Some(tag))
}

/// Draws the steps in a column with their transitions as text: used only if layout-rs fails.
fn fallback_column(flowchart: &FlowchartSpec, canvas: &mut Canvas) {
    let x = 20.0;
    let mut y = 20.0;
    let steps = canvas.steps;
    for (i, look) in steps.iter().enumerate() {
        canvas.step_rect(i, Point::new(x, y), look.size);
        canvas.step_label(i, Point::new(x + look.size.x / 2.0, y + look.size.y / 2.0));
        let mut ty = y + EDGE_FONT as f64;
        for t in flowchart.transitions.iter().filter(|t| t.from == look.id) {
            let target = flowchart
                .steps
                .iter()
                .find(|s| s.id == t.to)
                .map(|s| clean(&s.name))
                .unwrap_or_default();
            let line = format!("{} → {}", clean(&t.outcome), target);
            let color = if t.exception { EXCEPTION } else { INK };
            let width = em_width(&line) * EDGE_FONT as f64;
            canvas.text_block(
                Point::new(x + look.size.x + 24.0 + width / 2.0, ty),
                &[(line.as_str(), EDGE_FONT as f64, None)],
                color,
                "yg-label yg-edge-label",
                false,
            );
            ty += EDGE_FONT as f64 * LINE_HEIGHT;
        }
        y += look.size.y.max(ty - y) + 24.0;
    }
}

fn node_key(i: usize) -> String {
    format!("step:{i}")
}

fn edge_key(j: usize) -> String {
    format!("edge:{j}")
}

fn parse_key(properties: Option<&str>, prefix: &str) -> Option<usize> {
    properties?.strip_prefix(prefix)?.parse().ok()
}

/// The SVG writer handed to layout-rs.
struct Canvas<'a> {
    steps: &'a [StepLook],
    edges: &'a [EdgeLook],
    shapes: String,
    paths: String,
    labels: String,
    min: Point,
    max: Point,
}

impl<'a> Canvas<'a> {
    fn new(steps: &'a [StepLook], edges: &'a [EdgeLook]) -> Self {
        Canvas {
            steps,
            edges,
            shapes: String::new(),
            paths: String::new(),
            labels: String::new(),
            min: Point::splat(f64::INFINITY),
            max: Point::splat(f64::NEG_INFINITY),
        }
    }

    fn grow(&mut self, p: Point) {
        if p.x.is_finite() && p.y.is_finite() {
            self.min = Point::new(self.min.x.min(p.x), self.min.y.min(p.y));
            self.max = Point::new(self.max.x.max(p.x), self.max.y.max(p.y));
        }
    }

    /// The document; `fallback` adds the class `yg-fallback` to the root.
    fn finish(self, title: &str, fallback: bool) -> String {
        let (min, max) = if self.min.x <= self.max.x && self.min.y <= self.max.y {
            (self.min, self.max)
        } else {
            (Point::zero(), Point::splat(1.0))
        };
        let x = (min.x - MARGIN).floor();
        let y = (min.y - MARGIN).floor();
        let w = (max.x + MARGIN).ceil() - x;
        let h = (max.y + MARGIN).ceil() - y;
        let mut out =
            String::with_capacity(self.shapes.len() + self.paths.len() + self.labels.len() + 2048);
        let _ = writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{w}\" height=\"{h}\" \
             viewBox=\"{x} {y} {w} {h}\" font-family=\"{FONT_FAMILY}\" class=\"yg-flowchart{}\">",
            if fallback { " yg-fallback" } else { "" }
        );
        let _ = writeln!(out, "<title>{}</title>", escape(&clean(title)));
        let _ = writeln!(
            out,
            "<defs>\n\
             <marker id=\"yg-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0 0L10 5L0 10z\" fill=\"{EDGE}\"/></marker>\n\
             <marker id=\"yg-arrow-start\" viewBox=\"0 0 10 10\" refX=\"0\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M10 0L0 5L10 10z\" fill=\"{EDGE}\"/></marker>\n\
             <marker id=\"yg-arrow-exception\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0 0L10 5L0 10z\" fill=\"{EXCEPTION}\"/></marker>\n\
             <marker id=\"yg-arrow-exception-start\" viewBox=\"0 0 10 10\" refX=\"0\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M10 0L0 5L10 10z\" fill=\"{EXCEPTION}\"/></marker>\n\
             </defs>"
        );
        let _ = writeln!(
            out,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>"
        );
        out.push_str(&self.paths);
        out.push_str(&self.shapes);
        out.push_str(&self.labels);
        out.push_str("</svg>\n");
        out
    }

    /// The label of step `i`, centred on `center`: its name lines, then its limit.
    fn step_label(&mut self, i: usize, center: Point) {
        let Some(step) = self.steps.get(i) else {
            return;
        };
        let font = NODE_FONT as f64;
        let mut lines: Vec<(&str, f64, Option<&str>)> = step
            .lines
            .iter()
            .map(|l| (l.as_str(), font, None))
            .collect();
        if let Some(limit) = &step.limit {
            lines.push((limit.as_str(), LIMIT_FONT, Some(LIMIT_INK)));
        }
        self.text_block(center, &lines, INK, "yg-label yg-step-label", false);
    }

    /// The outcome label of transition `j`, centred on `center`.
    fn edge_label(&mut self, j: usize, center: Point) {
        let Some(edge) = self.edges.get(j) else {
            return;
        };
        let font = EDGE_FONT as f64;
        let lines: Vec<(&str, f64, Option<&str>)> = edge
            .lines
            .iter()
            .map(|l| (l.as_str(), font, None))
            .collect();
        let color = if edge.exception { EXCEPTION } else { INK };
        self.text_block(center, &lines, color, "yg-label yg-edge-label", true);
    }

    /// Writes lines (text, font size, colour override) centred on `center`. `halo` puts
    /// a white outline behind the glyphs so an edge passing underneath does not hide them.
    fn text_block(
        &mut self,
        center: Point,
        lines: &[(&str, f64, Option<&str>)],
        color: &str,
        class: &str,
        halo: bool,
    ) {
        let total: f64 = lines.iter().map(|(_, size, _)| size * LINE_HEIGHT).sum();
        let width = lines
            .iter()
            .map(|(l, size, _)| em_width(l) * size)
            .fold(0.0, f64::max);
        self.grow(Point::new(center.x - width / 2.0, center.y - total / 2.0));
        self.grow(Point::new(center.x + width / 2.0, center.y + total / 2.0));
        let font = lines.first().map_or(NODE_FONT as f64, |l| l.1);
        let halo = if halo {
            " stroke=\"#ffffff\" stroke-width=\"4\" stroke-linejoin=\"round\" paint-order=\"stroke\""
        } else {
            ""
        };
        let out = &mut self.labels;
        let _ = write!(
            out,
            "<text class=\"{class}\" text-anchor=\"middle\" fill=\"{color}\" font-size=\"{}\"{halo}>",
            num(font)
        );
        // Lines are stacked around center.y; a baseline 0.35 em below a line's middle
        // centres CJK glyphs visually.
        let mut top = center.y - total / 2.0;
        for (line, size, ink) in lines {
            let baseline = top + size * LINE_HEIGHT / 2.0 + size * 0.35;
            let mut extra = String::new();
            if *size != font {
                let _ = write!(extra, " font-size=\"{}\"", num(*size));
            }
            if let Some(ink) = ink {
                let _ = write!(extra, " fill=\"{ink}\"");
            }
            let _ = write!(
                out,
                "<tspan x=\"{}\" y=\"{}\"{extra}>{}</tspan>",
                num(center.x),
                num(baseline),
                escape(line)
            );
            top += size * LINE_HEIGHT;
        }
        out.push_str("</text>\n");
    }

    fn step_rect(&mut self, i: usize, xy: Point, size: Point) {
        let Some(step) = self.steps.get(i) else {
            return;
        };
        let mut class = String::from("yg-step");
        for (on, name) in [
            (step.start, " yg-start"),
            (step.end, " yg-end"),
            (step.pause, " yg-pause"),
            (step.current, " yg-current"),
            (step.visited && !step.current, " yg-visited"),
            (step.problem, " yg-problem"),
        ] {
            if on {
                class.push_str(name);
            }
        }
        let fill = if step.current {
            FILL_CURRENT
        } else if step.visited {
            FILL_VISITED
        } else {
            FILL
        };
        let width = if step.problem {
            4.0
        } else if step.start {
            3.0
        } else {
            1.5
        };
        let stroke = if step.problem { EXCEPTION } else { BORDER };
        let rx = if step.end { size.y / 2.0 } else { 6.0 };
        let dash = if step.pause {
            format!(" stroke-dasharray=\"{DASH}\"")
        } else {
            String::new()
        };
        let s = &mut self.shapes;
        let _ = writeln!(
            s,
            "<g class=\"{class}\" data-step=\"{}\"><title>{}</title>",
            escape(&step.id),
            escape(&step.tooltip)
        );
        let _ = writeln!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash}/>",
            num(xy.x),
            num(xy.y),
            num(size.x),
            num(size.y),
            num(rx)
        );
        if step.end {
            let inset = 4.0;
            let _ = writeln!(
                s,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" fill=\"none\" stroke=\"{BORDER}\" stroke-width=\"1\"/>",
                num(xy.x + inset),
                num(xy.y + inset),
                num(size.x - 2.0 * inset),
                num(size.y - 2.0 * inset),
                num(rx - inset)
            );
        }
        s.push_str("</g>\n");
    }
}

impl RenderBackend for Canvas<'_> {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        _look: &StyleAttr,
        properties: Option<String>,
        _clip: Option<ClipHandle>,
    ) {
        // Only step boxes carry a key; layout-rs draws nothing else with rectangles
        // outside debug mode.
        if let Some(i) = parse_key(properties.as_deref(), "step:") {
            self.grow(xy);
            self.grow(xy.add(size));
            self.step_rect(i, xy, size);
        }
    }

    fn draw_line(
        &mut self,
        _start: Point,
        _stop: Point,
        _look: &StyleAttr,
        _properties: Option<String>,
    ) {
        // Only used by layout-rs's debug mode.
    }

    fn draw_circle(
        &mut self,
        _xy: Point,
        _size: Point,
        _look: &StyleAttr,
        _properties: Option<String>,
    ) {
        // Only used for circle shapes and debug mode, neither of which we create.
    }

    fn draw_text(&mut self, xy: Point, text: &str, look: &StyleAttr) {
        match read_tag(text) {
            (_, Some(Tag::Step(i))) => self.step_label(i, xy),
            (_, Some(Tag::Edge(j))) => self.edge_label(j, xy),
            (text, None) => {
                // Not ours (layout-rs draws no other text outside debug mode); draw it plainly.
                let size = look.font_size as f64;
                let lines: Vec<_> = text.lines().map(|l| (l, size, None)).collect();
                self.text_block(xy, &lines, INK, "yg-label", false);
            }
        }
    }

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        dashed: bool,
        head: (bool, bool),
        _look: &StyleAttr,
        properties: Option<String>,
        _text: &str,
    ) {
        if path.len() < 2 {
            return;
        }
        for (a, b) in path {
            self.grow(*a);
            self.grow(*b);
        }
        let edge = parse_key(properties.as_deref(), "edge:").and_then(|j| self.edges.get(j));
        let exception = edge.is_some_and(|e| e.exception);
        let mut d = format!(
            "M{} {}C{} {} {} {} {} {}",
            num(path[0].0.x),
            num(path[0].0.y),
            num(path[0].1.x),
            num(path[0].1.y),
            num(path[1].0.x),
            num(path[1].0.y),
            num(path[1].1.x),
            num(path[1].1.y)
        );
        for (a, b) in &path[2..] {
            let _ = write!(d, "S{} {} {} {}", num(a.x), num(a.y), num(b.x), num(b.y));
        }
        let (color, marker) = if exception {
            (EXCEPTION, "yg-arrow-exception")
        } else {
            (EDGE, "yg-arrow")
        };
        let mut attrs = String::new();
        if dashed || exception {
            let _ = write!(attrs, " stroke-dasharray=\"{DASH}\"");
        }
        if head.0 {
            let _ = write!(attrs, " marker-start=\"url(#{marker}-start)\"");
        }
        if head.1 {
            let _ = write!(attrs, " marker-end=\"url(#{marker})\"");
        }
        let s = &mut self.paths;
        match edge {
            Some(e) => {
                let class = if e.exception {
                    "yg-edge yg-exception"
                } else {
                    "yg-edge"
                };
                let _ = write!(
                    s,
                    "<g class=\"{class}\" data-from=\"{}\" data-to=\"{}\"><title>{}</title>",
                    escape(&self.steps[e.from].id),
                    escape(&self.steps[e.to].id),
                    escape(&e.tooltip)
                );
            }
            None => s.push_str("<g class=\"yg-edge\">"),
        }
        let _ = writeln!(
            s,
            "<path d=\"{d}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.4\"{attrs}/></g>"
        );
    }

    fn create_clip(&mut self, _xy: Point, _size: Point, _rounded_px: usize) -> ClipHandle {
        // Only used for record shapes, which we do not create.
        0
    }
}

/// A number for an SVG attribute: at most one decimal, no `-0`.
fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == 0.0 || !r.is_finite() {
        "0".to_owned()
    } else {
        format!("{r}")
    }
}

/// Replaces characters that cannot appear in XML 1.0 text (control characters, lone
/// surrogates cannot occur in `str`) and line breaks with a space, and trims.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' {
                ' '
            } else if u32::from(c) >= EDGE_TAG {
                // Supplementary private use areas: reserved for our label tags.
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Escapes text for use in XML content and double- or single-quoted attributes.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Estimated width of `c` in em: CJK and other wide characters 1, ASCII about 0.6.
fn char_em(c: char) -> f64 {
    if c.is_ascii() {
        if c.is_ascii_uppercase() || c == 'm' || c == 'w' {
            0.7
        } else {
            0.56
        }
    } else {
        1.0
    }
}

fn em_width(s: &str) -> f64 {
    s.chars().map(char_em).sum()
}

/// Characters a line should not start with (closing punctuation).
fn no_line_start(c: char) -> bool {
    "，。、；：！？）》」』】,.;:!?)".contains(c)
}

/// A line may break after these.
fn break_after(c: char) -> bool {
    "，。、；：！？）》」』】 ,;".contains(c)
}

/// A line may break before these.
fn break_before(c: char) -> bool {
    "（《「『【(".contains(c)
}

/// Wraps `text` into lines of about `max_em` em, balanced so the last line is not a
/// stub, preferring breaks at punctuation and spaces.
fn wrap(text: &str, max_em: f64) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut lines = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let rest: f64 = chars[start..].iter().copied().map(char_em).sum();
        if rest <= max_em {
            push_line(&mut lines, &chars[start..]);
            break;
        }
        // Balance what is left over the lines it needs.
        let count = (rest / max_em).ceil();
        let target = ((rest / count).ceil() + 0.5).min(max_em);
        let fill = |limit: f64| {
            let mut width = 0.0;
            let mut end = start;
            while end < chars.len() && (end == start || width + char_em(chars[end]) <= limit) {
                width += char_em(chars[end]);
                end += 1;
            }
            end
        };
        let mut end = fill(target);
        // Prefer a break at punctuation or a space near the target, in the second half
        // of the line and at most 1.5 em over the maximum.
        let half = start + (end - start).div_ceil(2);
        let furthest = fill(max_em + 1.5);
        let natural = (half.max(start + 1)..=furthest.min(chars.len() - 1))
            .filter(|&k| {
                (break_after(chars[k - 1]) || break_before(chars[k])) && !no_line_start(chars[k])
            })
            .min_by_key(|&k| k.abs_diff(end));
        match natural {
            Some(k) => end = k,
            None => {
                // Keep closing punctuation on this line even if it overflows.
                while end < chars.len() && no_line_start(chars[end]) {
                    end += 1;
                }
            }
        }
        push_line(&mut lines, &chars[start..end]);
        start = end;
    }
    lines
}

fn push_line(lines: &mut Vec<String>, chars: &[char]) {
    let line: String = chars.iter().collect();
    let line = line.trim();
    if !line.is_empty() {
        lines.push(line.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::catalogue_file;
    use aggregates::flowchart::{FlowchartSpec, parse_yaml};

    fn demo() -> Vec<(String, Flowchart)> {
        let file = catalogue_file::parse(catalogue_file::DEMO_CATALOGUE).expect("demo parses");
        file.powers
            .iter()
            .map(|p| {
                let flow = Flowchart::parse(p.version.flowchart.clone()).expect("valid");
                (p.name.clone(), flow)
            })
            .collect()
    }

    fn licence() -> Flowchart {
        demo()
            .into_iter()
            .find(|(name, _)| name == "食品经营许可")
            .expect("licence power in demo")
            .1
    }

    /// Writes `svg` to `$YG_RENDER_OUT/name` when that variable is set (to look at it).
    fn write_out(name: &str, svg: &str) {
        if let Some(dir) = std::env::var_os("YG_RENDER_OUT") {
            std::fs::write(std::path::Path::new(&dir).join(name), svg).unwrap();
        }
    }

    fn plain(title: &str) -> FlowchartStyle<'_> {
        FlowchartStyle {
            current: None,
            visited: &[],
            title,
        }
    }

    /// All text content of `<text>` elements, one string per element (lines joined).
    fn label_texts(doc: &roxmltree::Document) -> Vec<String> {
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| {
                n.descendants()
                    .filter(|d| d.is_text())
                    .filter_map(|d| d.text())
                    .collect::<String>()
            })
            .collect()
    }

    /// Without whitespace or control characters (line wrapping drops spaces at breaks).
    fn squeeze(s: &str) -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect()
    }

    fn check_document(flow: &Flowchart, svg: &str, title: &str) {
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        let doc = roxmltree::Document::parse(svg).expect("well-formed XML");
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        assert_eq!(root.attribute("role"), Some("img"));
        assert_eq!(root.attribute("font-family"), Some(FONT_FAMILY));
        let view_box: Vec<f64> = root
            .attribute("viewBox")
            .expect("viewBox")
            .split(' ')
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(view_box.len(), 4);
        assert!(view_box[2] > 50.0 && view_box[3] > 50.0);
        let first = root.first_element_child().unwrap();
        assert!(first.has_tag_name("title"));
        assert_eq!(first.text(), Some(title));
        // No external references, no script, no images, no fonts other than ours.
        assert!(!svg.contains("serif;"), "layout-rs serif font leaked");
        assert!(!svg.contains("Times"));
        assert_eq!(svg.matches("http").count(), 1, "only the xmlns namespace");
        for tag in ["script", "image", "foreignObject", "use", "a", "style"] {
            assert!(
                doc.descendants().all(|n| !n.has_tag_name(tag)),
                "unexpected <{tag}>"
            );
        }
        for node in doc.descendants() {
            for attr in node.attributes() {
                if attr.name() == "href" || attr.name().starts_with("on") {
                    panic!("unexpected attribute {}", attr.name());
                }
                if attr.value().contains("url(") {
                    assert!(attr.value().starts_with("url(#"), "{}", attr.value());
                }
            }
        }
        // Every step name and every outcome appears as visible label text.
        let labels: Vec<String> = label_texts(&doc).iter().map(|l| squeeze(l)).collect();
        for step in flow.steps() {
            assert!(
                labels.iter().any(|l| l.contains(&squeeze(&step.name))),
                "step {} not labelled",
                step.name
            );
            if let Some(days) = step.limit_days {
                let suffix = if step.pauses_clock { PAUSE_SUFFIX } else { "" };
                let expected = squeeze(&format!("{}{suffix}{days}个工作日", step.name));
                assert!(
                    labels.iter().any(|l| l.contains(&expected)),
                    "limit of {} not shown",
                    step.name
                );
            }
        }
        for t in &flow.spec().transitions {
            assert!(
                labels.iter().any(|l| l == &squeeze(&t.outcome)),
                "outcome {} not labelled",
                t.outcome
            );
        }
        // One box per step, one path per transition.
        let step_groups: Vec<_> = doc
            .descendants()
            .filter(|n| {
                n.attribute("class")
                    .is_some_and(|c| c.starts_with("yg-step"))
            })
            .collect();
        assert_eq!(step_groups.len(), flow.steps().count());
        let edge_paths = doc
            .descendants()
            .filter(|n| n.has_tag_name("path"))
            .filter(|n| {
                n.parent()
                    .and_then(|p| p.attribute("class"))
                    .is_some_and(|c| c.starts_with("yg-edge"))
            })
            .count();
        assert_eq!(edge_paths, flow.spec().transitions.len());
    }

    fn step_group<'a>(doc: &'a roxmltree::Document, id: &str) -> roxmltree::Node<'a, 'a> {
        doc.descendants()
            .find(|n| n.attribute("data-step") == Some(id))
            .unwrap_or_else(|| panic!("no group for {id}"))
    }

    fn main_rect<'a>(group: roxmltree::Node<'a, 'a>) -> roxmltree::Node<'a, 'a> {
        group
            .children()
            .find(|n| n.has_tag_name("rect"))
            .expect("rect")
    }

    #[test]
    fn demo_licence_renders_with_every_label_and_style() {
        let flow = licence();
        let visited = vec!["apply".to_owned(), "review".to_owned()];
        let style = FlowchartStyle {
            current: Some("site_check"),
            visited: &visited,
            title: "食品经营许可 办理流程图",
        };
        let started = std::time::Instant::now();
        let svg = flowchart_svg(&flow, &style);
        let elapsed = started.elapsed();
        check_document(&flow, &svg, "食品经营许可 办理流程图");
        let doc = roxmltree::Document::parse(&svg).unwrap();

        // current: highlighted; visited: tinted; others white.
        assert_eq!(
            main_rect(step_group(&doc, "site_check")).attribute("fill"),
            Some(FILL_CURRENT)
        );
        assert!(
            step_group(&doc, "site_check")
                .attribute("class")
                .unwrap()
                .contains("yg-current")
        );
        let tooltip = step_group(&doc, "site_check")
            .children()
            .find(|n| n.has_tag_name("title"))
            .and_then(|t| t.text())
            .unwrap();
        assert!(tooltip.starts_with("现场核查 — 岗位："), "{tooltip}");
        assert!(tooltip.ends_with("（当前环节）"), "{tooltip}");
        assert_eq!(
            main_rect(step_group(&doc, "review")).attribute("fill"),
            Some(FILL_VISITED)
        );
        assert_eq!(
            main_rect(step_group(&doc, "decide")).attribute("fill"),
            Some(FILL)
        );
        // start bold.
        assert_eq!(
            main_rect(step_group(&doc, "apply")).attribute("stroke-width"),
            Some("3")
        );
        // pausing step dashed with the suffix.
        let supplement = step_group(&doc, "supplement");
        assert_eq!(
            main_rect(supplement).attribute("stroke-dasharray"),
            Some(DASH)
        );
        assert!(
            label_texts(&doc)
                .iter()
                .any(|l| l == "补正材料（暂停计时）")
        );
        assert!(
            main_rect(step_group(&doc, "review"))
                .attribute("stroke-dasharray")
                .is_none()
        );
        // end steps: pill with a double border.
        let granted = step_group(&doc, "granted");
        assert_eq!(
            granted
                .children()
                .filter(|n| n.has_tag_name("rect"))
                .count(),
            2
        );
        // own limit on a second line.
        assert!(svg.contains(">5个工作日</tspan>"));
        // exception transitions: dark red, dashed.
        let exception: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("yg-edge yg-exception"))
            .collect();
        let expected = flow
            .spec()
            .transitions
            .iter()
            .filter(|t| t.exception)
            .count();
        assert!(expected > 0);
        assert_eq!(exception.len(), expected);
        for g in exception {
            let path = g.children().find(|n| n.has_tag_name("path")).unwrap();
            assert_eq!(path.attribute("stroke"), Some(EXCEPTION));
            assert_eq!(path.attribute("stroke-dasharray"), Some(DASH));
        }
        assert!(elapsed.as_millis() < 500, "rendering took {elapsed:?}");

        write_out("licence.svg", &svg);
    }

    #[test]
    fn every_demo_flowchart_renders_quickly() {
        for (name, flow) in demo() {
            let title = format!("{name} 办理流程图");
            let started = std::time::Instant::now();
            let svg = flowchart_svg(&flow, &plain(&title));
            let elapsed = started.elapsed();
            check_document(&flow, &svg, &title);
            assert!(elapsed.as_millis() < 500, "{name} took {elapsed:?}");
            let doc = roxmltree::Document::parse(&svg).unwrap();
            for step in flow.steps().filter(|s| s.pauses_clock) {
                let rect = main_rect(step_group(&doc, &step.id));
                assert_eq!(
                    rect.attribute("stroke-dasharray"),
                    Some(DASH),
                    "{}",
                    step.id
                );
            }
            write_out(&format!("yg-demo-{name}.svg"), &svg);
        }
    }

    #[test]
    fn rendering_is_deterministic() {
        let flow = licence();
        let a = flowchart_svg(&flow, &plain("t"));
        let b = flowchart_svg(&flow, &plain("t"));
        assert_eq!(a, b);
    }

    const HOSTILE: &str = r#"
steps:
  - id: start
    name: "<script>alert('x')</script>"
    kind: start
    role: "</title><script>alert(1)</script>"
    limit_days: 3
  - id: mid
    name: "A & B \"quoted\" <b>bold</b>"
    role: 岗位
    pauses_clock: true
  - id: done
    name: "]]><!-- end"
    kind: end
    result: "<img src=x onerror=alert(1)>"
transitions:
  - from: start
    outcome: "<script>go</script>"
    to: mid
  - from: mid
    outcome: "a&b<c>\"d\""
    to: done
  - from: mid
    outcome: "back\u0001 again"
    to: start
    exception: true
"#;

    #[test]
    fn user_text_is_escaped_and_cannot_inject_markup() {
        let flow = parse_yaml(HOSTILE).expect("valid flowchart");
        let title = "<script>alert(\"t\")</script> & co";
        let svg = flowchart_svg(&flow, &plain(title));
        check_document(&flow, &svg, title);
        assert!(!svg.contains("<script"));
        assert!(!svg.contains("<b>"));
        assert!(!svg.contains("<img"));
        assert!(!svg.contains("<!--"));
        assert!(svg.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(svg.contains("A &amp; B &quot;quoted&quot; &lt;b&gt;bold&lt;/b&gt;"));
        assert!(!svg.contains('\u{1}'));
        let doc = roxmltree::Document::parse(&svg).unwrap();
        assert_eq!(
            doc.descendants()
                .filter(|n| n.has_tag_name("title"))
                .count(),
            1 + 3 + 3
        );
        assert!(
            label_texts(&doc).iter().any(|l| l == "back  again"),
            "{:?}",
            label_texts(&doc)
        );
    }

    #[test]
    fn cycles_self_loops_and_parallel_edges_render() {
        let spec: FlowchartSpec = serde_norway::from_str(
            r#"
steps:
  - { id: a, name: 收件, kind: start, role: 窗口 }
  - { id: b, name: 审查, role: 审查员, limit_days: 10 }
  - { id: c, name: 办结, kind: end, result: 办结 }
transitions:
  - { from: a, outcome: 受理, to: b }
  - { from: b, outcome: 补充材料, to: b }
  - { from: b, outcome: 退回, to: a, exception: true }
  - { from: b, outcome: 通过, to: c }
  - { from: b, outcome: 直接办结, to: c }
"#,
        )
        .unwrap();
        let flow = Flowchart::parse(spec).unwrap();
        let svg = flowchart_svg(&flow, &plain("环路"));
        check_document(&flow, &svg, "环路");
    }

    #[test]
    fn demo_layouts_have_no_overlapping_boxes_or_labels() {
        for (name, flow) in demo() {
            let looks = step_looks(flow.spec(), &plain(""));
            let edges = edge_looks(flow.spec());
            let graph = lay_out(&looks, &edges, true);
            let visible: Vec<NodeHandle> = graph
                .iter_nodes()
                .filter(|&n| !graph.is_connector(n) || is_label(&graph, n))
                .collect();
            assert_eq!(
                visible.len(),
                looks.len() + edges.len(),
                "{name}: one box per step, one label per transition"
            );
            for (k, &a) in visible.iter().enumerate() {
                for &b in &visible[k + 1..] {
                    assert!(
                        !overlaps(graph.pos(a), graph.pos(b), 0.0),
                        "{name}: {:?} overlaps {:?}",
                        graph.element(a).shape,
                        graph.element(b).shape
                    );
                }
            }
            let svg = flowchart_svg(&flow, &plain(&name));
            assert!(!svg.contains("yg-fallback"), "{name} fell back");
        }
    }

    #[test]
    fn fallback_column_is_a_valid_document_too() {
        let flow = licence();
        let style = plain("fallback");
        let looks = step_looks(flow.spec(), &style);
        let edges = edge_looks(flow.spec());
        let mut canvas = Canvas::new(&looks, &edges);
        fallback_column(flow.spec(), &mut canvas);
        let svg = canvas.finish("fallback", true);
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        let text: String = label_texts(&doc).concat();
        for step in flow.steps() {
            assert!(text.contains(&step.name), "{}", step.name);
        }
        for t in &flow.spec().transitions {
            assert!(text.contains(&t.outcome), "{}", t.outcome);
        }
        assert!(svg.contains("yg-fallback"));
    }

    /// Random valid flowcharts (back edges, self-loops, parallel edges, long labels):
    /// rendering never panics, always yields a well-formed document with every label,
    /// and uses the real layout (not the fallback) for most of them.
    #[test]
    fn random_flowcharts_render() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let words = [
            "受理",
            "审查",
            "材料不齐全，一次告知补正",
            "退回",
            "A&B <x>",
            "核查",
        ];
        let (mut rendered, mut fallbacks) = (0, 0);
        for _ in 0..150 {
            let tasks = 1 + next(8);
            let ends = 1 + next(3);
            let mut yaml =
                String::from("steps:\n  - { id: s0, name: 开始, kind: start, role: r }\n");
            for i in 1..=tasks {
                let name = format!("{}{i}", words[next(words.len())]);
                let pause = if next(4) == 0 {
                    ", pauses_clock: true"
                } else {
                    ""
                };
                let limit = if next(3) == 0 { ", limit_days: 3" } else { "" };
                yaml.push_str(&format!(
                    "  - {{ id: s{i}, name: \"{name}\", role: r{pause}{limit} }}\n"
                ));
            }
            for e in 0..ends {
                yaml.push_str(&format!(
                    "  - {{ id: e{e}, name: 办结{e}, kind: end, result: 结果{e} }}\n"
                ));
            }
            yaml.push_str("transitions:\n");
            let mut outcome = 0;
            let mut edge = |yaml: &mut String, from: String, to: String, exception: bool| {
                outcome += 1;
                yaml.push_str(&format!(
                    "  - {{ from: {from}, to: {to}, outcome: \"{}{outcome}\", exception: {exception} }}\n",
                    words[outcome % words.len()]
                ));
            };
            for i in 1..=tasks {
                // Reachable from the start, and an end reachable from every task.
                edge(&mut yaml, format!("s{}", next(i)), format!("s{i}"), false);
                let to = if i == tasks || next(2) == 0 {
                    format!("e{}", next(ends))
                } else {
                    format!("s{}", i + 1 + next(tasks - i))
                };
                edge(&mut yaml, format!("s{i}"), to, next(5) == 0);
            }
            for _ in 0..next(tasks + 3) {
                let from = format!("s{}", next(tasks + 1));
                let to = if next(3) == 0 {
                    format!("e{}", next(ends))
                } else {
                    format!("s{}", next(tasks + 1))
                };
                edge(&mut yaml, from, to, next(4) == 0);
            }
            // Some draws leave an end step unreachable: not a valid flowchart, skip it.
            let Ok(flow) = parse_yaml(&yaml) else {
                continue;
            };
            let svg = flowchart_svg(&flow, &plain("random"));
            check_labels_only(&flow, &svg);
            rendered += 1;
            if svg.contains("yg-fallback") {
                fallbacks += 1;
            }
        }
        eprintln!("{rendered} random flowcharts, {fallbacks} fell back");
        assert!(rendered >= 50, "only {rendered} valid cases");
        assert!(
            fallbacks * 10 <= rendered,
            "{fallbacks} of {rendered} fell back"
        );
    }

    fn check_labels_only(flow: &Flowchart, svg: &str) {
        let doc = roxmltree::Document::parse(svg).expect("well-formed XML");
        let labels: String = label_texts(&doc).iter().map(|l| squeeze(l)).collect();
        for step in flow.steps() {
            assert!(labels.contains(&squeeze(&step.name)), "{}", step.name);
        }
        for t in &flow.spec().transitions {
            assert!(labels.contains(&squeeze(&t.outcome)), "{}", t.outcome);
        }
    }

    #[test]
    fn wrap_balances_lines_and_respects_punctuation() {
        assert_eq!(wrap("受理", 9.0), vec!["受理"]);
        let lines = wrap("时限中止（等待司法机关或有关行政主管部门结论）", 12.0);
        assert_eq!(
            lines.concat(),
            "时限中止（等待司法机关或有关行政主管部门结论）"
        );
        assert!(lines.iter().all(|l| em_width(l) <= 13.0), "{lines:?}");
        assert!(
            lines.iter().all(|l| !l.starts_with(no_line_start)),
            "{lines:?}"
        );
        assert_eq!(
            wrap("不予许可（书面说明理由）", 9.0),
            vec!["不予许可", "（书面说明理由）"]
        );
        let lines = wrap("材料不齐全，一次告知补正", 9.0);
        assert_eq!(lines, vec!["材料不齐全，", "一次告知补正"]);
        assert_eq!(
            wrap("违法事实不能成立，撤销立案", 9.0),
            vec!["违法事实不能成立，", "撤销立案"]
        );
        assert_eq!(
            wrap("陈述申辩已复核或放弃（需法制审核）", 9.0),
            vec!["陈述申辩已复核或放弃", "（需法制审核）"]
        );
        assert_eq!(wrap("当事人放弃或视为放弃听证", 9.0).len(), 2);
        let long = "a".repeat(60);
        assert!(wrap(&long, 9.0).iter().all(|l| em_width(l) <= 9.0));
    }

    #[test]
    fn escape_and_clean_cover_xml_specials() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(clean(" a\nb\u{0}c "), "a b c");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(12.345), "12.3");
    }

    /// A chart over the limits a version may declare (an upload's preview) is never laid out:
    /// the column, at once. A published chart is laid out once, then served from the cache.
    #[tokio::test]
    async fn bounded_rendering_draws_oversized_charts_as_a_column_and_caches_layouts() {
        let mut big = licence().spec().clone();
        let template = big.steps[1].clone();
        for i in 0..aggregates::flowchart::MAX_STEPS {
            let mut step = template.clone();
            step.id = format!("extra_{i}");
            step.name = format!("附加{i}");
            big.steps.push(step);
        }
        let style = plain("超大流程图");
        let svg = flowchart_svg_bounded(&big, &style, &[]).await;
        assert!(
            svg.contains("yg-fallback"),
            "an oversized chart is drawn as a column"
        );

        let spec = licence().spec().clone();
        let style = plain("食品经营许可 办理流程图");
        let first = flowchart_svg_bounded(&spec, &style, &[]).await;
        assert!(!first.contains("yg-fallback"));
        let again = flowchart_svg_bounded(&spec, &style, &[]).await;
        assert!(
            std::sync::Arc::ptr_eq(&first, &again),
            "the second page reads the cache"
        );
        // Another style is another drawing.
        let visited = vec!["shoujian".to_owned()];
        let other = flowchart_svg_bounded(
            &spec,
            &FlowchartStyle {
                current: Some("shencha"),
                visited: &visited,
                title: "食品经营许可 办理流程图",
            },
            &[],
        )
        .await;
        assert!(!std::sync::Arc::ptr_eq(&first, &other));
    }
}
