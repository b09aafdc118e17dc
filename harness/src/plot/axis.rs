//! Axes: linear and log scales, tick placement that never crowds, and the labels of times,
//! numbers and counts.

use super::*;

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
pub(super) fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.58
}

pub(super) fn r1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A linear or log10 map from data to pixels.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) log: bool,
    pub(super) from: f64,
    pub(super) to: f64,
}

impl Scale {
    pub(super) fn at(&self, v: f64) -> f64 {
        let t = if self.log {
            (v.max(self.lo).log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        r1(self.from + t * (self.to - self.from))
    }
}

/// Round numbers covering `lo..=hi` with about `count` steps: `(lo, hi, step)`.
pub(super) fn nice_range(lo: f64, hi: f64, count: f64) -> (f64, f64, f64) {
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
pub(super) fn linear_ticks(
    s: &Scale,
    lo: f64,
    hi: f64,
    step: f64,
    fmt: &dyn Fn(f64) -> String,
) -> Vec<Tick> {
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
pub(super) fn log_ticks(s: &Scale, min_gap: f64, fmt: &dyn Fn(f64) -> String) -> Vec<Tick> {
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
