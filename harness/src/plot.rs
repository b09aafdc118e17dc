//! The HTML outputs' charts and templates. A chart is laid out here in numbers (a [`Chart`]: the
//! plot frame, axis ticks with their labels, lines, marks, a key beside the frame) and drawn by one
//! template, `templates/report/chart.svg`; every page is a template too, so all markup, and all of
//! its escaping, lives in `templates/report/` (minijinja, auto-escaping `.html` and `.svg`).

use std::sync::OnceLock;

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use serde::Serialize;

/// Twelve colours that stay apart on white and from each other; a series past twelve is dashed.
pub const PALETTE: [&str; 12] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#7f7f7f", "#bcbd22", "#393b79", "#222222",
];

/// Render a template of `templates/report/` with its context (`minijinja::context!`).
pub fn render(name: &str, ctx: Value) -> String {
    let env = environment();
    match env.get_template(name).and_then(|t| t.render(ctx)) {
        Ok(s) => s,
        // The templates are compiled in and their contexts are typed: a failure is a gauntlet bug,
        // and it should show on the page rather than abort a report of everything else.
        Err(e) => format!(
            "<p class=fail>template {name} failed (a gauntlet bug): {}</p>",
            minijinja::HtmlEscape(&format!("{e:#}"))
        ),
    }
}

/// The CSS class of a verdict (`ok`, `warn`, `inconclusive`, `fail`), shared by every page.
pub fn verdict_class(v: gauntlet_records::Verdict) -> &'static str {
    use gauntlet_records::Verdict;
    match v {
        Verdict::Pass => "ok",
        Verdict::Warn => "warn",
        Verdict::Inconclusive => "inconclusive",
        Verdict::Fail => "fail",
    }
}

/// Any serialisable value as a template value (a [`Value`] inside it, e.g. from [`safe`], stays
/// what it is).
pub fn value(x: impl Serialize) -> Value {
    Value::from(minijinja::value::Serde(x))
}

/// Already rendered markup (a chart, a section) to pass into another template unescaped.
pub fn safe(html: String) -> Value {
    Value::from_safe_string(html)
}

/// Escape text for HTML, for the few lines of markup built outside a template.
pub fn esc(s: &str) -> String {
    minijinja::HtmlEscape(s).to_string()
}

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") || name.ends_with(".svg") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        match minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
        {
            Ok(syntax) => env.set_syntax(syntax),
            Err(e) => panic!("template syntax (a gauntlet bug): {e:#}"),
        }
        for (name, source) in TEMPLATES {
            if let Err(e) = env.add_template(name, source) {
                // Caught by every test that renders a page.
                panic!("template {name} does not parse (a gauntlet bug): {e:#}");
            }
        }
        env
    })
}

const TEMPLATES: [(&str, &str); 7] = [
    ("style.css", include_str!("../templates/report/style.css")),
    ("base.html", include_str!("../templates/report/base.html")),
    ("chart.svg", include_str!("../templates/report/chart.svg")),
    (
        "report.html",
        include_str!("../templates/report/report.html"),
    ),
    (
        "comparison.html",
        include_str!("../templates/report/comparison.html"),
    ),
    (
        "coverage.html",
        include_str!("../templates/report/coverage.html"),
    ),
    ("page.html", include_str!("../templates/report/page.html")),
];

/// A rectangle in SVG pixels.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// A tick on an axis: where (pixels) and its label (empty: a minor grid line only).
#[derive(Debug, Serialize)]
pub struct Tick {
    pub at: f64,
    pub label: String,
}

/// A polyline of one series.
#[derive(Debug, Serialize)]
pub struct Line {
    pub color: &'static str,
    pub dash: bool,
    pub points: String,
}

/// How a point is marked.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    Circle,
    Square,
    Diamond,
    Triangle,
    Bar,
}

/// One marked point, with a tooltip.
#[derive(Debug, Serialize)]
pub struct Mark {
    pub x: f64,
    pub y: f64,
    pub color: &'static str,
    pub shape: Shape,
    pub title: String,
}

/// Text placed in the chart (row names, end-of-line labels, notes).
#[derive(Debug, Serialize)]
pub struct Label {
    pub x: f64,
    pub y: f64,
    pub text: String,
    pub anchor: &'static str,
    pub color: &'static str,
    pub title: String,
}

/// One entry of the key, always outside the frame.
#[derive(Debug, Serialize)]
pub struct Key {
    pub x: f64,
    pub y: f64,
    pub color: &'static str,
    /// A line sample (a line series), with `dash` when the series is dashed.
    pub line: bool,
    pub dash: bool,
    pub shape: Option<Shape>,
    pub text: String,
}

/// Everything `chart.svg` draws.
#[derive(Debug, Serialize)]
pub struct Chart {
    pub title: String,
    pub width: f64,
    pub height: f64,
    pub frame: Rect,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    pub x_label: String,
    pub y_label: String,
    pub lines: Vec<Line>,
    pub marks: Vec<Mark>,
    pub labels: Vec<Label>,
    pub keys: Vec<Key>,
    /// Said in the middle of the frame (`one run so far`, `no samples`).
    pub note: String,
}

impl Chart {
    /// The chart as an `<svg>` element (also a valid standalone SVG file).
    pub fn svg(&self) -> String {
        render("chart.svg", minijinja::context! { c => value(self) })
    }

    fn empty(title: &str, width: f64, height: f64, frame: Rect) -> Chart {
        Chart {
            title: title.to_owned(),
            width,
            height,
            frame,
            x_ticks: Vec::new(),
            y_ticks: Vec::new(),
            x_label: String::new(),
            y_label: String::new(),
            lines: Vec::new(),
            marks: Vec::new(),
            labels: Vec::new(),
            keys: Vec::new(),
            note: String::new(),
        }
    }
}

/// `1 234 567`: a count with thin spaces between thousands.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// Text width in pixels, estimated (system-ui at `size` px averages a little over half an em).
fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.58
}

fn r1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A linear or log10 map from data to pixels.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    lo: f64,
    hi: f64,
    log: bool,
    from: f64,
    to: f64,
}

impl Scale {
    fn at(&self, v: f64) -> f64 {
        let t = if self.log {
            (v.max(self.lo).log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        r1(self.from + t * (self.to - self.from))
    }
}

/// Round numbers covering `lo..=hi` with about `count` steps: `(lo, hi, step)`.
fn nice_range(lo: f64, hi: f64, count: f64) -> (f64, f64, f64) {
    let span = if hi > lo { hi - lo } else { hi.abs().max(1.0) };
    let raw = span / count.max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    // Data a hair past a round number (60.04 s of a 60 s run) does not earn a tick of its own.
    let lo = (lo / step + 0.02).floor() * step;
    let mut hi = (hi / step - 0.02).ceil() * step;
    if hi <= lo {
        hi = lo + step;
    }
    (lo, hi, step)
}

/// Ticks of a linear axis from `lo` to `hi` every `step` (the scale may reach a little further).
fn linear_ticks(s: &Scale, lo: f64, hi: f64, step: f64, fmt: &dyn Fn(f64) -> String) -> Vec<Tick> {
    let n = ((hi - lo) / step).round() as i64;
    (0..=n)
        .map(|i| {
            let v = lo + step * i as f64;
            Tick {
                at: s.at(v),
                label: fmt(v),
            }
        })
        .collect()
}

/// Ticks of a log axis: every decade labelled, 2× and 5× labelled when there is room, else
/// grid lines only. `min_gap` is the least distance between two labels, in pixels.
fn log_ticks(s: &Scale, min_gap: f64, fmt: &dyn Fn(f64) -> String) -> Vec<Tick> {
    let (d0, d1) = (s.lo.log10().floor() as i32, s.hi.log10().ceil() as i32);
    let decade_px = (s.to - s.from).abs() / (s.hi.log10() - s.lo.log10());
    // 2× sits 0.30 of a decade after 1×, 5× 0.40 of a decade before 10×.
    let minors_labelled = decade_px * 0.3 >= min_gap;
    let mut ticks = Vec::new();
    for d in d0..=d1 {
        for m in [1.0, 2.0, 5.0] {
            let v = m * 10f64.powi(d);
            if v < s.lo * 0.999 || v > s.hi * 1.001 {
                continue;
            }
            let labelled = m == 1.0 || minors_labelled;
            ticks.push(Tick {
                at: s.at(v),
                label: if labelled { fmt(v) } else { String::new() },
            });
        }
    }
    ticks
}

/// `12 ns`, `1.5 µs`, `20 ms`: a time for an axis label, with no trailing zeros.
pub fn time_label(ns: f64) -> String {
    let (v, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    format!("{} {unit}", number_label(v))
}

/// `3`, `2.5`, `0.125`, `177.5`, `1200`: a number to four significant digits (at least one
/// decimal), no trailing zeros, so ticks a quarter step apart never read the same.
pub fn number_label(v: f64) -> String {
    let digits = if v.abs() >= 100.0 || v == 0.0 {
        1
    } else if v.abs() >= 10.0 {
        2
    } else {
        3
    };
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// `1.2 k`, `3.4 M`: a count, short.
pub fn count_label(v: f64) -> String {
    if v >= 1e6 {
        format!("{} M", number_label(v / 1e6))
    } else if v >= 1e4 {
        format!("{} k", number_label(v / 1e3))
    } else {
        number_label(v)
    }
}

/// One series of a line chart.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// An axis of a line chart.
pub struct Axis<'a> {
    /// With its unit, e.g. `time per op`, `line coverage (%)`.
    pub label: &'a str,
    pub log: bool,
    /// Forced ends of the range (the data widens them).
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Labels of the ticks.
    pub format: &'a dyn Fn(f64) -> String,
    /// Ticks at whole numbers only (run numbers).
    pub integer: bool,
    /// Fixed ticks `(value, label)`; then the axis spans exactly `min..=max`.
    pub ticks: &'a [(f64, String)],
}

impl std::fmt::Debug for Axis<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Axis").field("label", &self.label).finish()
    }
}

/// Where the key of a line chart goes: never inside the frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyAt {
    /// No key: one series, named by the title.
    None,
    /// A column right of the frame (many series).
    Right,
    /// A row above the frame (two or three series).
    Top,
}

/// A line chart of several series: ticks on both axes, a key outside the frame, markers on
/// every point when `markers` (short series, e.g. coverage runs), and a note in place of the
/// lines when every series has a single point.
#[derive(Debug)]
pub struct LineChart<'a> {
    pub title: &'a str,
    pub width: f64,
    pub height: f64,
    pub x: Axis<'a>,
    pub y: Axis<'a>,
    pub series: &'a [Series],
    pub key: KeyAt,
    pub markers: bool,
    /// Colour of series `i` (default: the palette in order).
    pub colors: Option<&'a [&'static str]>,
    /// Series `i` is dashed when `dashed[i]` (so one lying on another still shows).
    pub dashed: &'a [bool],
}

/// Where each entry of a key above the frame goes: `(x, row)`, rows filled left to right from
/// `start` up to `limit`.
fn top_key_spots(series: &[Series], start: f64, limit: f64) -> Vec<(f64, usize)> {
    let (mut x, mut row) = (start, 0);
    series
        .iter()
        .map(|s| {
            let w = text_width(&s.name, 12.0) + 40.0;
            if x + w > limit && x > start {
                x = start;
                row += 1;
            }
            let spot = (x, row);
            x += w;
            spot
        })
        .collect()
}

fn range(values: impl Iterator<Item = f64>, log: bool) -> Option<(f64, f64)> {
    let mut lo = f64::MAX;
    let mut hi = f64::MIN;
    for v in values.filter(|v| v.is_finite() && (!log || *v > 0.0)) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    (lo <= hi).then_some((lo, hi))
}

fn axis_scale(axis: &Axis, data: Option<(f64, f64)>, from: f64, to: f64) -> (Scale, Vec<Tick>) {
    let (mut lo, mut hi) = data.unwrap_or(if axis.log { (1.0, 10.0) } else { (0.0, 1.0) });
    if let Some(m) = axis.min {
        lo = lo.min(m);
    }
    if let Some(m) = axis.max {
        hi = hi.max(m);
    }
    let px = (to - from).abs();
    if !axis.ticks.is_empty() {
        let s = Scale {
            lo: axis.min.unwrap_or(lo),
            hi: axis.max.unwrap_or(hi),
            log: false,
            from,
            to,
        };
        let ticks = axis
            .ticks
            .iter()
            .map(|(v, label)| Tick {
                at: s.at(*v),
                label: label.clone(),
            })
            .collect();
        return (s, ticks);
    }
    if axis.log {
        let lo = 10f64.powf(lo.max(1e-12).log10().floor());
        let mut hi = 10f64.powf(hi.max(1e-12).log10().ceil());
        if hi <= lo {
            hi = lo * 10.0;
        }
        let s = Scale {
            lo,
            hi,
            log: true,
            from,
            to,
        };
        let gap = if from < to { 70.0 } else { 18.0 };
        return (s, log_ticks(&s, gap, axis.format));
    }
    if axis.integer {
        if hi - lo < 1.0 {
            // A single run: centre it.
            let s = Scale {
                lo: lo - 0.5,
                hi: hi + 0.5,
                log: false,
                from,
                to,
            };
            let ticks = vec![Tick {
                at: s.at(lo),
                label: (axis.format)(lo),
            }];
            return (s, ticks);
        }
        // The first run, then round numbers: 1, 5, 10, 15, 20.
        let (_, _, step) = nice_range(lo, hi, (px / 60.0).max(1.0));
        let step = step.max(1.0).round();
        // Half a run of room each side, so the first and last markers clear the frame.
        let s = Scale {
            lo: lo - 0.5,
            hi: hi + 0.5,
            log: false,
            from,
            to,
        };
        let mut ticks = vec![Tick {
            at: s.at(lo),
            label: (axis.format)(lo),
        }];
        let mut v = (lo / step).floor() * step + step;
        while v <= hi + 1e-9 {
            if v - lo >= step / 2.0 {
                ticks.push(Tick {
                    at: s.at(v),
                    label: (axis.format)(v),
                });
            }
            v += step;
        }
        return (s, ticks);
    }
    let per_tick = if from < to { 80.0 } else { 40.0 };
    let (nice_lo, nice_hi, step) = nice_range(lo, hi, (px / per_tick).max(2.0));
    let s = Scale {
        lo: nice_lo.min(lo),
        hi: nice_hi.max(hi),
        log: false,
        from,
        to,
    };
    let ticks = linear_ticks(&s, nice_lo, nice_hi, step, axis.format);
    (s, ticks)
}

impl LineChart<'_> {
    pub fn layout(&self) -> Chart {
        let color = |i: usize| {
            self.colors
                .and_then(|c| c.get(i).copied())
                .unwrap_or(PALETTE[i % PALETTE.len()])
        };
        let dash = |i: usize| {
            self.dashed.get(i).copied().unwrap_or(false)
                || (self.colors.is_none() && i >= PALETTE.len())
        };
        // Left margin fits the widest y label; the key takes a column or a row.
        let ys = range(
            self.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.1)),
            self.y.log,
        );
        let xs = range(
            self.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.0)),
            self.x.log,
        );
        let key_w = match self.key {
            KeyAt::Right => {
                self.series
                    .iter()
                    .map(|s| text_width(&s.name, 12.0))
                    .fold(0.0, f64::max)
                    + 44.0
            }
            _ => 0.0,
        };
        // The left margin fits the widest y label, and the key's rows above the frame start
        // there; the number of rows moves the frame's top, which may change the y labels.
        let bottom = 44.0;
        let y_labels_width = |top: f64| {
            let (_, ticks) = axis_scale(&self.y, ys, self.height - bottom, top);
            let widest = ticks
                .iter()
                .map(|t| text_width(&t.label, 11.0))
                .fold(0.0, f64::max);
            (widest + 30.0).max(56.0)
        };
        let mut left = y_labels_width(52.0);
        let key_spots = match self.key {
            KeyAt::Top => top_key_spots(self.series, left, self.width - 14.0),
            _ => Vec::new(),
        };
        let key_rows = key_spots.iter().map(|k| k.1 + 1).max().unwrap_or(0);
        let top = 28.0 + 18.0 * key_rows as f64 + 6.0;
        left = left.max(y_labels_width(top));
        let (sy, y_ticks) = axis_scale(&self.y, ys, self.height - bottom, top);
        let right = self.width - 14.0 - key_w;
        let (sx, x_ticks) = axis_scale(&self.x, xs, left, right);
        let frame = Rect {
            x: left,
            y: top,
            w: right - left,
            h: self.height - bottom - top,
        };
        let mut chart = Chart::empty(self.title, self.width, self.height, frame);
        chart.x_ticks = x_ticks;
        chart.y_ticks = y_ticks;
        chart.x_label = self.x.label.to_owned();
        chart.y_label = self.y.label.to_owned();
        let usable = |p: &&(f64, f64)| {
            p.0.is_finite()
                && p.1.is_finite()
                && (!self.x.log || p.0 > 0.0)
                && (!self.y.log || p.1 > 0.0)
        };
        for (i, s) in self.series.iter().enumerate() {
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .filter(usable)
                .map(|&(x, y)| (sx.at(x), sy.at(y)))
                .collect();
            if pts.len() > 1 {
                chart.lines.push(Line {
                    color: color(i),
                    dash: dash(i),
                    points: pts
                        .iter()
                        .map(|(x, y)| format!("{x},{y}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                });
            }
            if self.markers || pts.len() == 1 {
                for (&(px, py), &(x, y)) in pts.iter().zip(s.points.iter().filter(usable)) {
                    chart.marks.push(Mark {
                        x: px,
                        y: py,
                        color: color(i),
                        shape: Shape::Circle,
                        title: format!(
                            "{}: {} {}, {} {}",
                            s.name,
                            self.x.label,
                            (self.x.format)(x),
                            self.y.label,
                            (self.y.format)(y)
                        ),
                    });
                }
            }
        }
        let points = self
            .series
            .iter()
            .map(|s| s.points.len())
            .max()
            .unwrap_or(0);
        if points == 0 {
            chart.note = "nothing recorded".to_owned();
        } else if points == 1 && self.x.integer {
            chart.note = "one run so far".to_owned();
        }
        match self.key {
            KeyAt::None => {}
            KeyAt::Right => {
                for (i, s) in self.series.iter().enumerate() {
                    chart.keys.push(Key {
                        x: right + 16.0,
                        y: top + 8.0 + 18.0 * i as f64,
                        color: color(i),
                        line: true,
                        dash: dash(i),
                        shape: self.markers.then_some(Shape::Circle),
                        text: s.name.clone(),
                    });
                }
            }
            KeyAt::Top => {
                for (i, (s, &(x, row))) in self.series.iter().zip(&key_spots).enumerate() {
                    chart.keys.push(Key {
                        x,
                        y: 40.0 + 18.0 * row as f64,
                        color: color(i),
                        line: true,
                        dash: dash(i),
                        shape: self.markers.then_some(Shape::Circle),
                        text: s.name.clone(),
                    });
                }
            }
        }
        chart
    }
}

/// The line coverage trend, one line per crate with a marker per run and the key right of the
/// frame; a first run shows its points and says "one run so far". Shared with the coverage run
/// page. Empty when there is no history at all.
pub fn coverage_trend(trend: &[(String, Vec<(f64, f64)>)]) -> String {
    if trend.iter().all(|(_, p)| p.is_empty()) {
        return String::new();
    }
    let series: Vec<Series> = trend
        .iter()
        .map(|(name, points)| Series {
            name: name.clone(),
            points: points.clone(),
        })
        .collect();
    let lowest = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(100.0, f64::min);
    LineChart {
        title: "line coverage per crate, by run",
        width: 900.0,
        height: 320.0,
        x: Axis {
            label: "run (oldest first)",
            log: false,
            min: None,
            max: None,
            format: &number_label,
            integer: true,
            ticks: &[],
        },
        y: Axis {
            label: "line coverage (%)",
            log: false,
            // Zoomed to the data, but never past 100 %.
            min: Some((lowest - 5.0).max(0.0)),
            max: Some(100.0),
            format: &number_label,
            integer: false,
            ticks: &[],
        },
        series: &series,
        key: KeyAt::Right,
        markers: true,
        colors: None,
        dashed: &[],
    }
    .layout()
    .svg()
}

/// One row of a percentile ladder: a bench's statistics on a log time axis.
#[derive(Debug)]
pub struct LadderRow {
    pub name: String,
    /// The full name, for the tooltip.
    pub title: String,
    /// `(statistic, ns)` in increasing order of statistic.
    pub values: Vec<(&'static str, f64)>,
    /// Shown right of the frame (the sample count).
    pub note: String,
}

/// Marks of the statistics of a ladder, in the order of [`LadderRow::values`].
const LADDER_MARKS: [(&str, Shape); 5] = [
    ("#1f77b4", Shape::Circle),
    ("#2ca02c", Shape::Square),
    ("#ff7f0e", Shape::Diamond),
    ("#d62728", Shape::Triangle),
    ("#333333", Shape::Bar),
];

/// Percentile ladders: one row per bench, one mark per statistic on a shared log time axis, the
/// key above the frame and the sample count right of it.
pub fn ladders(title: &str, width: f64, rows: &[LadderRow]) -> Chart {
    const ROW: f64 = 24.0;
    let names_w = rows
        .iter()
        .map(|r| text_width(&r.name, 12.0))
        .fold(60.0, f64::max)
        .min(width * 0.4);
    let notes_w = rows
        .iter()
        .map(|r| text_width(&r.note, 11.0))
        .fold(0.0, f64::max);
    let left = names_w + 16.0;
    let right = width - notes_w - 20.0;
    let top = 56.0;
    let height = top + ROW * rows.len().max(1) as f64 + 46.0;
    let frame = Rect {
        x: left,
        y: top,
        w: right - left,
        h: ROW * rows.len().max(1) as f64,
    };
    let mut chart = Chart::empty(title, width, height, frame);
    let values = rows.iter().flat_map(|r| r.values.iter().map(|v| v.1));
    let axis = Axis {
        label: "time per op (log scale)",
        log: true,
        min: None,
        max: None,
        format: &time_label,
        integer: false,
        ticks: &[],
    };
    let (sx, ticks) = axis_scale(&axis, range(values, true), left, right);
    chart.x_ticks = ticks;
    chart.x_label = axis.label.to_owned();
    if let Some(first) = rows.first() {
        let mut x = left;
        for (i, (stat, _)) in first.values.iter().enumerate() {
            let (color, shape) = LADDER_MARKS[i % LADDER_MARKS.len()];
            chart.keys.push(Key {
                x,
                y: 40.0,
                color,
                line: false,
                dash: false,
                shape: Some(shape),
                text: (*stat).to_owned(),
            });
            x += text_width(stat, 12.0) + 36.0;
        }
    } else {
        chart.note = "no benches".to_owned();
    }
    for (i, r) in rows.iter().enumerate() {
        let y = r1(top + ROW * (i as f64 + 0.5));
        chart.labels.push(Label {
            x: left - 8.0,
            y: y + 4.0,
            text: r.name.clone(),
            anchor: "end",
            color: "#222",
            title: r.title.clone(),
        });
        chart.labels.push(Label {
            x: right + 8.0,
            y: y + 4.0,
            text: r.note.clone(),
            anchor: "start",
            color: "#555",
            title: String::new(),
        });
        let xs: Vec<f64> = r
            .values
            .iter()
            .filter(|v| v.1 > 0.0)
            .map(|v| sx.at(v.1))
            .collect();
        if let (Some(a), Some(b)) = (xs.first(), xs.last()) {
            chart.lines.push(Line {
                color: "#c8c8c8",
                dash: false,
                points: format!("{a},{y} {b},{y}"),
            });
        }
        for (j, (stat, v)) in r.values.iter().enumerate().filter(|(_, v)| v.1 > 0.0) {
            let (color, shape) = LADDER_MARKS[j % LADDER_MARKS.len()];
            chart.marks.push(Mark {
                x: sx.at(*v),
                y,
                color,
                shape,
                title: format!("{} {stat} {} ({})", r.title, time_label(*v), r.note),
            });
        }
    }
    chart
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fragment_gets_the_shared_page_around_it() {
        let page = render(
            "page.html",
            minijinja::context! { title => "a<b", body => safe("<h2>x</h2>".into()) },
        );
        assert!(page.starts_with("<!doctype html>") && page.contains("<title>a&lt;b</title>"));
        assert!(page.contains("<h2>x</h2>") && page.contains(".scroll{overflow-x:auto"));
    }

    #[test]
    fn labels_read_well() {
        assert_eq!(time_label(10_000.0), "10 µs");
        assert_eq!(time_label(2_500_000.0), "2.5 ms");
        assert_eq!(time_label(5.0), "5 ns");
        assert_eq!(number_label(0.25), "0.25");
        assert_eq!(number_label(1200.0), "1200");
        assert_eq!(count_label(123_456.0), "123.5 k");
        assert_eq!(time_label(177.5), "177.5 ns");
    }

    #[test]
    fn log_axis_labels_never_crowd() {
        let s = Scale {
            lo: 1.0,
            hi: 1e6,
            log: true,
            from: 0.0,
            to: 600.0,
        };
        let ticks = log_ticks(&s, 70.0, &time_label);
        let labelled: Vec<&Tick> = ticks.iter().filter(|t| !t.label.is_empty()).collect();
        assert_eq!(labelled.len(), 7, "decades only at 100 px per decade");
        for w in labelled.windows(2) {
            assert!(w[1].at - w[0].at >= 70.0);
        }
    }

    #[test]
    fn a_single_point_is_marked_and_noted() {
        let series = [Series {
            name: "a<b".into(),
            points: vec![(1.0, 90.0)],
        }];
        let chart = LineChart {
            title: "t",
            width: 600.0,
            height: 300.0,
            x: Axis {
                label: "run",
                log: false,
                min: None,
                max: None,
                format: &number_label,
                integer: true,
                ticks: &[],
            },
            y: Axis {
                label: "line %",
                log: false,
                min: None,
                max: Some(100.0),
                format: &number_label,
                integer: false,
                ticks: &[],
            },
            series: &series,
            key: KeyAt::Right,
            markers: true,
            colors: None,
            dashed: &[],
        }
        .layout();
        assert_eq!(chart.marks.len(), 1);
        assert_eq!(chart.note, "one run so far");
        let svg = chart.svg();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{svg}"
        );
        assert!(svg.contains("a&lt;b") && !svg.contains("a<b"), "{svg}");
        let key = &chart.keys[0];
        assert!(
            key.x > chart.frame.x + chart.frame.w,
            "the key is right of the frame"
        );
    }
}
