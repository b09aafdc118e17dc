//! Line charts (fuzz coverage over time, comparison curves, the coverage trend), with the key
//! placed where it covers no data.

use super::*;

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
pub(super) fn top_key_spots(series: &[Series], start: f64, limit: f64) -> Vec<(f64, usize)> {
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

pub(super) fn range(values: impl Iterator<Item = f64>, log: bool) -> Option<(f64, f64)> {
    let mut lo = f64::MAX;
    let mut hi = f64::MIN;
    for v in values.filter(|v| v.is_finite() && (!log || *v > 0.0)) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    (lo <= hi).then_some((lo, hi))
}

pub(super) fn axis_scale(
    axis: &Axis,
    data: Option<(f64, f64)>,
    from: f64,
    to: f64,
) -> (Scale, Vec<Tick>) {
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
