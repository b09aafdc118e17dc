//! A chart laid out in numbers: the frame, ticks, lines, marks, labels and key that
//! `templates/report/chart.svg` draws.

use super::*;

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

    pub(super) fn empty(title: &str, width: f64, height: f64, frame: Rect) -> Chart {
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
