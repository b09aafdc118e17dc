//! A comparison as Markdown (the pull-request comment), as an HTML section with inline SVG
//! percentile curves (the report), and as standalone SVG files.

use std::fmt::Write;

use gauntlet_records::bench::fmt_ns;

use gauntlet_records::Verdict;
use minijinja::Value;
use serde::Serialize;

use super::analysis::{BenchComparison, Change, Comparison, Curve, StatComparison};
use crate::plot::{self, Axis, KeyAt, LineChart, Series};

/// `+10.0%`, `-3.2%`.
fn pct(ratio: f64) -> String {
    format!("{:+.1}%", (ratio - 1.0) * 100.0)
}

/// `[+8.9, +11.2]`, or `[unbounded]` when the runs are too few for an interval.
fn interval(s: &StatComparison) -> String {
    match (s.ratio_lo, s.ratio_hi) {
        (Some(lo), Some(hi)) => format!("[{:+.1}, {:+.1}]", (lo - 1.0) * 100.0, (hi - 1.0) * 100.0),
        _ => "[unbounded]".to_owned(),
    }
}

/// `0.0012`, `<1e-5`.
fn p_value(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.0e}")
    } else {
        format!("{p:.4}")
    }
}

fn commit_line(c: &Comparison) -> String {
    let side = |s: &super::analysis::SideInfo| {
        let mut t = format!("`{}` ({}", s.spec, s.label);
        if s.dirty {
            t.push_str(", uncommitted changes");
        }
        if !s.env.is_empty() {
            let _ = write!(t, ", env {}", s.env.join(" "));
        }
        t.push(')');
        t
    };
    format!("{} → {}", side(&c.base), side(&c.head))
}

/// The rule a comparison is judged by, in words.
fn rule(c: &Comparison) -> String {
    format!(
        "beyond {:+.0}% (one-sided Mann–Whitney on per-run percentiles, Holm-adjusted α = {}, \
         {} + {} interleaved process runs)",
        c.policy.threshold_pct, c.policy.alpha, c.base.runs, c.head.runs
    )
}

/// The headline in two parts, the verdict's word (`Pass`, `Inconclusive`, `Fail`, from
/// [`Comparison::verdict`]) and what it means here; Markdown and HTML both show exactly these.
pub fn headline_parts(c: &Comparison) -> (&'static str, String) {
    let rule = rule(c);
    match c.verdict() {
        Verdict::Fail => (
            "Fail",
            match c.regressions {
                1 => format!("1 regression {rule}."),
                n => format!("{n} regressions {rule}."),
            },
        ),
        Verdict::Inconclusive => (
            "Inconclusive",
            format!(
                "no regression shown {rule}, but too few runs or too much noise to rule one out \
                 (exit 3; more --runs would tell)."
            ),
        ),
        Verdict::Pass | Verdict::Warn => (
            "Pass",
            match c.improvements {
                0 => format!("no regression {rule}."),
                n => format!(
                    "no regression {rule}; {n} statistic{} improved.",
                    if n == 1 { "" } else { "s" }
                ),
            },
        ),
    }
}

/// The headline as Markdown: `**Pass**: no regression beyond +5% (…).`
pub fn headline(c: &Comparison) -> String {
    let (word, text) = headline_parts(c);
    format!("**{word}**: {text}")
}

/// `5.6 ns → 10.3 ns`: the medians over the runs of each side.
fn medians(s: &StatComparison) -> String {
    format!("{} → {}", fmt_ns(s.base_median), fmt_ns(s.head_median))
}

/// `+26.4% [+20.1, +31.0]`: the Hodges–Lehmann change and its confidence interval.
fn change(s: &StatComparison) -> String {
    format!("{} {}", pct(s.ratio), interval(s))
}

fn verdict_md(v: Change) -> String {
    match v {
        Change::Regressed => "**REGRESSED**".to_owned(),
        v => v.word().to_owned(),
    }
}

/// `12 000 / 11 800`: timed samples over all runs of each side.
fn samples(b: &BenchComparison) -> String {
    format!(
        "{} / {}",
        plot::grouped(b.samples.0),
        plot::grouped(b.samples.1)
    )
}

fn allocs(b: &BenchComparison) -> String {
    let (x, y) = b.allocs_per_op;
    if (x - y).abs() < 0.005 {
        format!("{y:.2}")
    } else {
        format!("{x:.2} → **{y:.2}**")
    }
}

/// The Markdown report: a table, the settings, and a collapsed table of every statistic.
pub fn markdown(c: &Comparison) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "### gauntlet bench comparison: {}\n", commit_line(c));
    let _ = writeln!(s, "{}\n", headline(c));
    if !c.significance_reachable {
        let _ = writeln!(
            s,
            "> **Too few runs:** with {} + {} runs no gated statistic can reach significance \
             after the adjustment; rerun with more `--runs`.\n",
            c.base.runs, c.head.runs
        );
    }
    s.push_str(
        "| bench | stat | median base → head | change [CI] | samples base / head | allocs/op | verdict |\n\
         |---|---|---:|---:|---:|---:|---|\n",
    );
    for b in &c.benches {
        for (i, st) in b.stats.iter().filter(|st| st.gated).enumerate() {
            let first = i == 0;
            let change = match st.verdict {
                Change::Regressed | Change::Improved => format!("**{}**", change(st)),
                _ => change(st),
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {change} | {} | {} | {} |",
                if first {
                    format!("`{}`", b.id)
                } else {
                    String::new()
                },
                st.stat,
                medians(st),
                if first { samples(b) } else { String::new() },
                if first { allocs(b) } else { String::new() },
                verdict_md(st.verdict)
            );
        }
    }
    let _ = writeln!(
        s,
        "\nMedian: of the statistic over each side's process runs. Change: the Hodges–Lehmann \
         estimate of head ÷ base with its {:.0}% confidence interval — an estimate from every \
         pair of runs, not the ratio of the two medians. A statistic regresses only when the \
         change is significant *and* at least {:+.0}%. p99.9 and max are in the details, shown \
         but never gated.",
        c.policy.confidence * 100.0,
        c.policy.threshold_pct
    );
    for (what, ids) in [("base", &c.only_in_base), ("head", &c.only_in_head)] {
        if !ids.is_empty() {
            let ids: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
            let _ = writeln!(s, "\nOnly in {what}: {}.", ids.join(", "));
        }
    }
    let _ = writeln!(
        s,
        "\n<details><summary>Every statistic</summary>\n\n\
         | bench | stat | median base | median head | change | CI | samples | p slower | adjusted | p faster | verdict |\n\
         |---|---|---:|---:|---:|---|---:|---:|---:|---:|---|"
    );
    for b in &c.benches {
        for st in &b.stats {
            let _ = writeln!(
                s,
                "| `{}` | {}{} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                b.id,
                st.stat,
                if st.gated { "" } else { " (not gated)" },
                fmt_ns(st.base_median),
                fmt_ns(st.head_median),
                pct(st.ratio),
                interval(st),
                samples(b),
                p_value(st.p_slower),
                st.p_slower_adjusted.map_or("–".into(), p_value),
                p_value(st.p_faster),
                st.verdict.word()
            );
        }
    }
    let _ = writeln!(
        s,
        "\n{} ms recorded per bench per run; runs {}. Load average (1 min) base {:.1}, head \
         {:.1}. {} · {} · {}.\n\n</details>",
        c.time_ms, c.order, c.base.loadavg, c.head.loadavg, c.cpu, c.rustc, c.date
    );
    s
}

const BASE_COLOR: &str = "#1f77b4";
const HEAD_COLOR: &str = "#d62728";

/// Where the quantile `q` sits on the percentile axis: `log10(1 / (1 − q))`, so p90, p99, p99.9
/// are evenly spaced.
fn quantile_x(q: f64) -> f64 {
    (1.0 / (1.0 - q).max(1e-7)).log10()
}

/// Percentile curves of both sides: x = percentile on a `1 / (1 − q)` log axis (the max one step
/// right of the last quantile), y = time per op on a log axis; the key above the frame.
pub fn curves_svg(title: &str, base_label: &str, head_label: &str, c: (&Curve, &Curve)) -> String {
    let x_hi =
        c.0.iter()
            .chain(c.1.iter())
            .filter(|p| p.1 > 0.0 && p.0 < 1.0)
            // 0.9999 is 4 decades, not 4.0000000001 rounded up to 5.
            .map(|p| (quantile_x(p.0) - 1e-6).ceil())
            .fold(1.0, f64::max);
    let x_max = x_hi + 0.5;
    let series: Vec<Series> = [(base_label, c.0), (head_label, c.1)]
        .into_iter()
        .map(|(name, curve)| Series {
            name: name.to_owned(),
            points: curve
                .iter()
                .filter(|p| p.1 > 0.0)
                .map(|&(q, v)| (if q >= 1.0 { x_max } else { quantile_x(q) }, v))
                .collect(),
        })
        .collect();
    let mut ticks: Vec<(f64, String)> = vec![(0.0, "min".into()), (quantile_x(0.5), "p50".into())];
    for (k, label) in ["p90", "p99", "p99.9", "p99.99", "p99.999", "p99.9999"]
        .into_iter()
        .enumerate()
    {
        if (k + 1) as f64 <= x_hi {
            ticks.push(((k + 1) as f64, label.to_owned()));
        }
    }
    ticks.push((x_max, "max".into()));
    let mut chart = LineChart {
        title,
        width: 760.0,
        height: 320.0,
        x: Axis {
            label: "percentile (all runs merged)",
            log: false,
            min: Some(0.0),
            max: Some(x_max),
            format: &plot::number_label,
            integer: false,
            ticks: &ticks,
        },
        y: Axis {
            label: "time per op",
            log: true,
            min: None,
            max: None,
            format: &plot::time_label,
            integer: false,
            ticks: &[],
        },
        series: &series,
        key: KeyAt::Top,
        markers: false,
        colors: Some(&[BASE_COLOR, HEAD_COLOR]),
        dashed: &[false, true],
    }
    .layout();
    if series.iter().all(|s| s.points.is_empty()) {
        chart.note = "no samples".to_owned();
    }
    chart.svg()
}

/// Each process run's value of one gated statistic, both sides in run order: drift and outlier
/// runs show up here. One small chart per statistic.
pub fn runs_svgs(b: &BenchComparison) -> Vec<String> {
    b.stats
        .iter()
        .filter(|s| s.gated)
        .map(|st| {
            let side = |runs: &[f64], name: &str| Series {
                name: name.to_owned(),
                points: runs
                    .iter()
                    .enumerate()
                    .map(|(i, v)| ((i + 1) as f64, *v))
                    .collect(),
            };
            let series = [side(&st.base_runs, "base"), side(&st.head_runs, "head")];
            LineChart {
                title: &format!("{} of each run", st.stat),
                width: 400.0,
                height: 240.0,
                x: Axis {
                    label: "process run, in order",
                    log: false,
                    min: None,
                    max: None,
                    format: &plot::number_label,
                    integer: true,
                    ticks: &[],
                },
                y: Axis {
                    label: "time per op",
                    log: false,
                    min: None,
                    max: None,
                    format: &plot::time_label,
                    integer: false,
                    ticks: &[],
                },
                series: &series,
                key: KeyAt::Top,
                markers: true,
                colors: Some(&[BASE_COLOR, HEAD_COLOR]),
                dashed: &[],
            }
            .layout()
            .svg()
        })
        .collect()
}

#[derive(Serialize)]
struct Row {
    bench: String,
    stat: String,
    gated: bool,
    medians: String,
    change: String,
    interval: String,
    samples: String,
    p: String,
    class: &'static str,
    verdict: &'static str,
}

#[derive(Serialize)]
struct BenchView {
    id: String,
    class: &'static str,
    verdict: &'static str,
    curves: Value,
    runs: Vec<Value>,
}

/// The comparison as an HTML fragment (`templates/report/comparison.html`): headline, table,
/// then per bench the percentile curves of both sides and the per-run values. Uses the report's
/// CSS classes (`ok`, `warn`, `inconclusive`, `fail`).
pub fn html(c: &Comparison) -> String {
    let (word, text) = headline_parts(c);
    let base_label = format!("base {}", c.base.label);
    let head_label = format!("head {}", c.head.label);
    let rows: Vec<Row> = c
        .benches
        .iter()
        .flat_map(|b| {
            b.stats.iter().enumerate().map(move |(i, st)| Row {
                bench: if i == 0 { b.id.clone() } else { String::new() },
                stat: st.stat.clone(),
                gated: st.gated,
                medians: medians(st),
                change: pct(st.ratio),
                interval: interval(st),
                samples: if i == 0 { samples(b) } else { String::new() },
                p: st
                    .p_slower_adjusted
                    .map_or_else(|| p_value(st.p_slower), p_value),
                class: if st.gated {
                    plot::verdict_class(st.verdict.verdict())
                } else {
                    "meta"
                },
                verdict: st.verdict.word(),
            })
        })
        .collect();
    let benches: Vec<BenchView> = c
        .benches
        .iter()
        .map(|b| BenchView {
            id: b.id.clone(),
            class: plot::verdict_class(b.verdict.verdict()),
            verdict: b.verdict.word(),
            curves: plot::safe(curves_svg(
                &format!("{}: time per op by percentile", b.id),
                &base_label,
                &head_label,
                (&b.base_curve, &b.head_curve),
            )),
            runs: runs_svgs(b).into_iter().map(plot::safe).collect(),
        })
        .collect();
    plot::render(
        "comparison.html",
        minijinja::context! {
            sides => commit_line(c).replace('`', ""),
            date => &c.date,
            time_ms => c.time_ms,
            loads => format!("{:.1} / {:.1}", c.base.loadavg, c.head.loadavg),
            class => plot::verdict_class(c.verdict()),
            word => word,
            headline => text,
            confidence => format!("{:.0}", c.policy.confidence * 100.0),
            threshold => format!("{:+.0}", c.policy.threshold_pct),
            too_few => !c.significance_reachable,
            rows => plot::value(&rows),
            benches => plot::value(&benches),
            only_in_base => plot::value(&c.only_in_base),
            only_in_head => plot::value(&c.only_in_head),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::super::analysis::{Policy, SideInfo, analyse};
    use super::*;

    #[test]
    fn renders_an_empty_comparison() {
        let side = SideInfo {
            spec: "HEAD".into(),
            label: "abc".into(),
            ..Default::default()
        };
        let c = analyse(side.clone(), side, &[], &[], 100, Policy::default());
        let md = markdown(&c);
        // Nothing measured cannot show the absence of a regression: inconclusive, not a pass.
        assert!(md.contains("**Inconclusive**"), "{md}");
        assert!(!md.contains("**Pass**"), "{md}");
        assert!(md.contains("Too few runs"), "{md}");
        let h = html(&c);
        assert!(
            h.contains("<b>Inconclusive</b>") && !h.contains("**"),
            "{h}"
        );
    }

    #[test]
    fn markdown_and_html_say_the_same_verdict_and_keep_medians_apart_from_the_change() {
        let c: Comparison = gauntlet_records::load(std::path::Path::new(
            "tests/data/report/gauntlet/compare/latest.json",
        ))
        .unwrap();
        let md = markdown(&c);
        let h = html(&c);
        assert!(md.contains("**Fail**: 1 regression"), "{md}");
        assert!(h.contains("<b>Fail</b>: 1 regression"), "{h}");
        // Medians in one cell, the Hodges–Lehmann change and its interval in the next.
        assert!(
            md.contains("| 5.6 ns → 7.1 ns | **+26.4% [+22.4, +31.4]** |"),
            "{md}"
        );
        assert!(md.contains("`header-parser/parse <b>bold</b>`"), "{md}");
        assert!(!h.contains("<b>bold</b>"), "{h}");
    }

    #[test]
    fn curves_handle_empty_and_flat_input() {
        let empty = curves_svg("t", "a", "b", (&Vec::new(), &Vec::new()));
        assert!(empty.contains("no samples") && empty.ends_with("</svg>"));
        let flat = vec![(0.0, 5.0), (0.5, 5.0), (1.0, 5.0)];
        let svg = curves_svg("t <x>", "a", "b", (&flat, &flat));
        assert!(svg.contains("t &lt;x&gt;") && svg.contains("polyline"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }
}
