//! Percentile ladders: one row per bench, p50 to max on a log time axis.

use super::*;

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
pub(super) const LADDER_MARKS: [(&str, Shape); 5] = [
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
