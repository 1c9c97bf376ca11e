//! Charts of scorecards (绩效图表) and public statistics (统计公开) as SVG, drawn with `plotters` (its SVG backend only: no font
//! files, no bitmap code). Text is left to the browser, with the same CJK font stack as the
//! flowcharts. The label area is as wide as the longest department name (CJK characters count
//! double), and a value too close to the right edge is written inside its bar, so no label is
//! cut off.
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use projections::scorecard::ScorecardRow;

const BAR: RGBColor = RGBColor(0x1f, 0x5f, 0x99);
const WIDTH: u32 = 720;
const ROW_HEIGHT: u32 = 34;

/// A horizontal bar chart of one figure per department; rows without the figure are left
/// out. `max` fixes the scale (100 for percentages), else the largest value sets it.
pub fn bar_chart(
    title: &str,
    rows: &[ScorecardRow],
    value: impl Fn(&ScorecardRow) -> Option<f64>,
    max: Option<f64>,
) -> String {
    let points: Vec<(String, f64)> = rows
        .iter()
        .filter_map(|r| value(r).map(|v| (r.department_name.clone(), v)))
        .collect();
    bars(title, &points, max)
}

/// A horizontal bar chart of named values (each name cut to fit the label area). `max` fixes
/// the scale (100 for percentages), else the largest value sets it.
pub fn bars(title: &str, named: &[(String, f64)], max: Option<f64>) -> String {
    let points: Vec<(String, f64)> = named
        .iter()
        .map(|(name, v)| (label(name), v.max(0.0)))
        .collect();
    let mut svg = String::new();
    let height = 90 + ROW_HEIGHT * points.len().max(1) as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        if draw(&root, title, &points, max).is_err() {
            // Nothing sensible to draw (e.g. no data): an empty, titled frame.
            let _ = root.fill(&WHITE);
        }
        let _ = root.present();
    }
    labelled(&svg, title)
}

/// Longest label, in character cells (a CJK character is two).
const MAX_LABEL_CELLS: usize = 28;

/// Character cells `text` takes: two for a wide (CJK) character, one otherwise.
fn cells(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// A department name cut to fit the label area, with an ellipsis when cut.
fn label(name: &str) -> String {
    cut(name, MAX_LABEL_CELLS)
}

/// `name` cut to `max` character cells, with an ellipsis when cut.
fn cut(name: &str, max: usize) -> String {
    if cells(name) <= max {
        return name.to_string();
    }
    let mut out = String::new();
    for c in name.chars() {
        if cells(&out) + cells(&c.to_string()) > max - 2 {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

fn draw<'a>(
    root: &'a DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    title: &str,
    points: &[(String, f64)],
    max: Option<f64>,
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    root.fill(&WHITE)?;
    let top = max
        .unwrap_or_else(|| points.iter().map(|p| p.1).fold(0.0, f64::max) * 1.1)
        .max(1.0);
    let n = points.len().max(1);
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(30)
        // 7 px per cell at 13 px type, plus the tick and a margin.
        .y_label_area_size(
            (points.iter().map(|p| cells(&p.0)).max().unwrap_or(4) as u32 * 7 + 24).clamp(60, 230),
        )
        // Integer ranges are inclusive here: `0..n - 1` is n segments. A single row gets a spare
        // empty segment, as a one-value range draws nothing.
        .build_cartesian_2d(0.0..top, (0..(n - 1).max(1)).into_segmented())?;
    let labels: Vec<String> = points.iter().map(|p| p.0.clone()).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .x_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    chart.draw_series(points.iter().enumerate().map(|(i, (_, v))| {
        let mut bar = Rectangle::new(
            [
                (0.0, SegmentValue::Exact(i)),
                (*v, SegmentValue::Exact(i + 1)),
            ],
            BAR.filled(),
        );
        bar.set_margin(6, 6, 0, 0);
        bar
    }))?;
    // A value near the right edge goes inside its bar, right-aligned in white; the others
    // just after the bar's end.
    chart.draw_series(points.iter().enumerate().map(|(i, (_, v))| {
        let inside = *v > top * 0.85;
        let style = ("sans-serif", 13).into_font();
        let style = if inside {
            style.color(&WHITE).pos(Pos::new(HPos::Right, VPos::Center))
        } else {
            style.color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center))
        };
        let x = if inside {
            *v - top * 0.01
        } else {
            *v + top * 0.01
        };
        Text::new(format!("{v:.1}"), (x, SegmentValue::CenterOf(i)), style)
    }))?;
    Ok(())
}

/// The chart's SVG named for screen readers (`title`), its text in the pages' CJK font stack.
fn labelled(svg: &str, title: &str) -> String {
    svg.replacen(
        "<svg ",
        &format!(
            "<svg role=\"img\" aria-label=\"{}\" font-family=\"{}\" ",
            escape(title),
            escape(crate::web::render::FONT_FAMILY)
        ),
        1,
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Width of a [`stacked_bars`] chart in SVG units; it scales to its box (`.chart-narrow` in
/// the style sheet), about one to one on a phone.
const NARROW_WIDTH: u32 = 480;
const NARROW_ROW: u32 = 54;
const NARROW_TOP: u32 = 40;
/// The longest name a [`stacked_bars`] row writes whole, in character cells (plotters draws
/// a 21-unit font at about 17 units a CJK character: 26 of them fill the width).
const NARROW_LABEL_CELLS: usize = 52;

/// A bar chart for narrow screens: each row's name on a line of its own (whole up to 26 CJK
/// characters), with its bar
/// and value under it. `max` fixes the scale (100 for percentages), else the largest value
/// sets it; `unit` follows each value (`%`, or empty); `empty` is written when there is
/// nothing to draw.
pub fn stacked_bars(
    title: &str,
    named: &[(String, f64)],
    max: Option<f64>,
    unit: &str,
    empty: &str,
) -> String {
    let height = NARROW_TOP + NARROW_ROW * named.len().max(1) as u32 + 8;
    let top = max
        .unwrap_or_else(|| named.iter().map(|p| p.1).fold(0.0, f64::max))
        .max(1.0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (NARROW_WIDTH, height)).into_drawing_area();
        let _ = draw_stacked(&root, title, named, top, unit, empty);
        let _ = root.present();
    }
    labelled(&svg, title)
}

fn draw_stacked<'a>(
    root: &'a DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    title: &str,
    named: &[(String, f64)],
    top: f64,
    unit: &str,
    empty: &str,
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    root.fill(&WHITE)?;
    let width = NARROW_WIDTH as i32;
    root.draw(&Text::new(
        title.to_string(),
        (0, 6),
        ("sans-serif", 24).into_font().style(FontStyle::Bold),
    ))?;
    if named.is_empty() {
        root.draw(&Text::new(
            empty.to_string(),
            (0, NARROW_TOP as i32 + 8),
            ("sans-serif", 18)
                .into_font()
                .color(&RGBColor(0x55, 0x5f, 0x6d)),
        ))?;
    }
    // Room after the longest bar for its value ("100.0%").
    let track = width - 76;
    for (i, (name, value)) in named.iter().enumerate() {
        let y = (NARROW_TOP + NARROW_ROW * i as u32) as i32;
        root.draw(&Text::new(
            cut(name, NARROW_LABEL_CELLS),
            (0, y),
            ("sans-serif", 21).into_font().color(&BLACK),
        ))?;
        let length = ((value.max(0.0) / top) * f64::from(track)).round() as i32;
        root.draw(&Rectangle::new(
            [(0, y + 24), (track, y + 44)],
            RGBColor(0xe8, 0xee, 0xf4).filled(),
        ))?;
        root.draw(&Rectangle::new(
            [(0, y + 24), (length.max(1), y + 44)],
            BAR.filled(),
        ))?;
        root.draw(&Text::new(
            format!("{value:.1}{unit}"),
            (length.max(1) + 6, y + 25),
            ("sans-serif", 20).into_font().color(&BLACK),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(department: &str, rate: Option<f64>) -> ScorecardRow {
        ScorecardRow {
            department: department.into(),
            department_name: format!("{department}局"),
            cases: 10,
            concluded: 8,
            on_time: 6,
            on_time_rate: rate,
            average_working_days: Some(12.5),
            alerts: 3,
            alerts_per_100_cases: Some(30.0),
            violations: 1,
            decisions_in_band: 0,
            average_band_position: None,
            discretion_deviations: 0,
        }
    }

    #[test]
    fn a_bar_per_department_with_its_label_and_value() {
        let rows = [
            row("pudong-amr", Some(75.0)),
            row("pudong-tax", Some(50.0)),
            row("x", None),
        ];
        let svg = bar_chart("按时办结率 <%>", &rows, |r| r.on_time_rate, Some(100.0));
        assert!(
            svg.starts_with("<svg role=\"img\" aria-label=\"按时办结率 &lt;%&gt;\""),
            "{}",
            &svg[..200]
        );
        assert!(svg.contains("pudong-amr局") && svg.contains("pudong-tax局"));
        assert!(
            !svg.contains(">x<"),
            "a department without the figure has no bar"
        );
        assert!(svg.contains("75.0") && svg.contains("50.0"));
        assert!(svg.matches("<rect").count() >= 3, "background and two bars");
        assert!(!svg.contains("http://") || svg.contains("http://www.w3.org/2000/svg"));
    }

    #[test]
    fn labels_fit_a_full_bar_and_a_long_name() {
        let mut full = row("a", Some(100.0));
        full.department_name = "上海市浦东新区某某街道社区事务受理服务中心分中心".into();
        let svg = bar_chart("按时办结率", &[full], |r| r.on_time_rate, Some(100.0));
        // The value of a full bar is written inside it, right-aligned, not past the edge.
        let text = svg
            .split("<text")
            .find(|t| t.contains("\n100.0\n"))
            .unwrap_or_else(|| panic!("the value is drawn: {svg}"));
        assert!(text.contains("text-anchor=\"end\""), "{text}");
        assert!(
            text.contains("#FFFFFF") || text.contains("#ffffff"),
            "{text}"
        );
        // A name longer than the label area is cut with an ellipsis.
        assert!(svg.contains("…"), "{svg}");
        assert!(!svg.contains("分中心"), "{svg}");
    }

    #[test]
    fn a_single_department_gets_its_bar() {
        let svg = bar_chart(
            "t",
            &[row("pudong-amr", Some(75.0))],
            |r| r.on_time_rate,
            Some(100.0),
        );
        // Background, plot frame and the bar, which is drawn in the bar colour.
        assert!(svg.contains("#1F5F99") || svg.contains("#1f5f99"), "{svg}");
    }

    #[test]
    fn no_data_still_gives_a_drawing() {
        let svg = bar_chart("空", &[], |r| r.on_time_rate, Some(100.0));
        assert!(svg.starts_with("<svg"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn stacked_bars_keep_whole_names_and_say_when_empty() {
        let long = "上海市浦东新区人力资源和社会保障局劳动保障监察大队".to_string();
        let svg = stacked_bars("按时办结率", &[(long.clone(), 100.0)], Some(100.0), "%", "");
        assert!(svg.contains(&long), "the whole name, not cut: {svg}");
        assert!(svg.contains("100.0%"), "{svg}");
        assert!(svg.contains("viewBox"), "scales to its box");
        let longer = "上海市浦东新区人力资源和社会保障局劳动保障监察大队第一中队".to_string();
        let svg = stacked_bars("按时办结率", &[(longer.clone(), 1.0)], Some(100.0), "%", "");
        assert!(
            !svg.contains(&longer) && svg.contains('…'),
            "cut to the width"
        );
        let empty = stacked_bars("差评率", &[], Some(100.0), "%", "期间内没有可计算的数据");
        assert!(empty.contains("期间内没有可计算的数据"));
    }
}
