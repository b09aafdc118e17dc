//! A comparison as Markdown (the pull-request comment), as an HTML section with inline SVG
//! percentile curves (the report), and as standalone SVG files.

use std::fmt::Write;

use gauntlet_records::bench::fmt_ns;

use super::analysis::{BenchComparison, Change, Comparison, Curve, StatComparison};
use crate::svg::esc;

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

/// The headline: how many gated statistics regressed, and under which rule.
pub fn headline(c: &Comparison) -> String {
    let rule = format!(
        "beyond {:+.0}% (one-sided Mann–Whitney on per-run percentiles, Holm-adjusted α = {}, \
         {} + {} interleaved process runs)",
        c.policy.threshold_pct, c.policy.alpha, c.base.runs, c.head.runs
    );
    match c.regressions {
        0 if c.inconclusive() => format!(
            "**Inconclusive**: no regression shown {rule}, but too few runs or too much noise to \
             rule one out (exit 3; more --runs would tell)."
        ),
        0 => format!("**No regression** {rule}."),
        1 => format!("**1 regression** {rule}."),
        n => format!("**{n} regressions** {rule}."),
    }
}

fn cell(s: &StatComparison) -> String {
    let change = pct(s.ratio);
    let change = match s.verdict {
        Change::Regressed | Change::Improved if s.gated => format!("**{change}**"),
        _ => change,
    };
    if s.gated {
        format!(
            "{} → {} {change} {}",
            fmt_ns(s.base_median),
            fmt_ns(s.head_median),
            interval(s)
        )
    } else {
        format!("{} {change}", fmt_ns(s.head_median))
    }
}

fn verdict_md(v: Change) -> String {
    match v {
        Change::Regressed => "**REGRESSED**".to_owned(),
        v => v.word().to_owned(),
    }
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
        "| bench | p50 | p90 | p99 | p99.9 ¹ | max ¹ | allocs/op | verdict |\n\
         |---|---|---|---|---:|---:|---:|---|\n",
    );
    for b in &c.benches {
        let cells: Vec<String> = b.stats.iter().map(cell).collect();
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} |",
            b.id,
            cells.join(" | "),
            allocs(b),
            verdict_md(b.verdict)
        );
    }
    let _ = writeln!(
        s,
        "\nCells: base → head median over the runs, the Hodges–Lehmann change and its {:.0}% \
         confidence interval. ¹ head median and change, shown but not gated. A statistic \
         regresses only when the change is significant *and* at least {:+.0}%.",
        c.policy.confidence * 100.0,
        c.policy.threshold_pct
    );
    for (what, ids) in [("base", &c.only_in_base), ("head", &c.only_in_head)] {
        if !ids.is_empty() {
            let _ = writeln!(s, "\nOnly in {what}: {}.", ids.join(", "));
        }
    }
    let _ = writeln!(
        s,
        "\n<details><summary>Every statistic</summary>\n\n\
         | bench | stat | base | head | change | CI | p slower | adjusted | p faster | verdict |\n\
         |---|---|---:|---:|---:|---|---:|---:|---:|---|"
    );
    for b in &c.benches {
        for st in &b.stats {
            let _ = writeln!(
                s,
                "| `{}` | {}{} | {} | {} | {} | {} | {} | {} | {} | {} |",
                b.id,
                st.stat,
                if st.gated { "" } else { " ¹" },
                fmt_ns(st.base_median),
                fmt_ns(st.head_median),
                pct(st.ratio),
                interval(st),
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

/// Percentile curves of both sides: x = quantile on a `1 / (1 − q)` log axis, y = time per op on
/// a log axis.
pub fn curves_svg(title: &str, base_label: &str, head_label: &str, c: (&Curve, &Curve)) -> String {
    const W: f64 = 640.0;
    const H: f64 = 300.0;
    const L: f64 = 70.0;
    const R: f64 = 20.0;
    const T: f64 = 30.0;
    const B: f64 = 40.0;
    let xs = |q: f64| (1.0 / (1.0 - q).max(1e-6)).log10();
    let points = c.0.iter().chain(c.1.iter()).filter(|p| p.1 > 0.0);
    let (mut y_lo, mut y_hi, mut x_hi) = (f64::MAX, 0.0f64, 1.0f64);
    for &(q, v) in points {
        y_lo = y_lo.min(v);
        y_hi = y_hi.max(v);
        if q < 1.0 {
            x_hi = x_hi.max(xs(q).ceil());
        }
    }
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" role="img"><title>{}</title><text x="{L}" y="18" font-size="13">{}</text>"#,
        esc(title),
        esc(title)
    );
    if y_hi <= 0.0 {
        s.push_str(r#"<text x="80" y="100" font-size="12">no samples</text></svg>"#);
        return s;
    }
    let (ly_lo, mut ly_hi) = (y_lo.log10().floor(), y_hi.log10().ceil());
    if ly_hi <= ly_lo {
        ly_hi = ly_lo + 1.0;
    }
    // The max (q = 1) is drawn one step right of the last quantile.
    let x_max = x_hi + 0.5;
    let sx = |x: f64| L + x / x_max * (W - L - R);
    let sy =
        |v: f64| H - B - (v.max(10f64.powf(ly_lo)).log10() - ly_lo) / (ly_hi - ly_lo) * (H - T - B);
    let _ = write!(
        s,
        r##"<rect x="{L}" y="{T}" width="{}" height="{}" fill="none" stroke="#999"/>"##,
        W - L - R,
        H - T - B
    );
    // Decades of the time axis, with 2× and 5× grid lines inside.
    let mut decade = ly_lo;
    while decade <= ly_hi {
        for (m, label) in [(1.0, true), (2.0, false), (5.0, false)] {
            let v = m * 10f64.powf(decade);
            if v.log10() > ly_hi + 1e-9 {
                continue;
            }
            let y = sy(v);
            let _ = write!(
                s,
                r##"<line x1="{L}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#eee"/>"##,
                W - R
            );
            if label || ly_hi - ly_lo <= 1.0 {
                let _ = write!(
                    s,
                    r#"<text x="{}" y="{:.1}" font-size="10" text-anchor="end">{}</text>"#,
                    L - 4.0,
                    y + 3.0,
                    fmt_ns(v)
                );
            }
        }
        decade += 1.0;
    }
    let labels = ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"];
    let mut k = 0.0;
    while k <= x_hi {
        let x = sx(k);
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="{T}" x2="{x:.1}" y2="{}" stroke="#eee"/><text x="{x:.1}" y="{}" font-size="10" text-anchor="middle">{}</text>"##,
            H - B,
            H - B + 14.0,
            labels.get(k as usize).copied().unwrap_or("")
        );
        k += 1.0;
    }
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{}" font-size="10" text-anchor="middle">max</text><text x="{}" y="{}" font-size="11" text-anchor="middle">percentile (all runs merged)</text>"#,
        sx(x_max),
        H - B + 14.0,
        (L + W - R) / 2.0,
        H - 6.0
    );
    for (i, (curve, color, label)) in [(c.0, BASE_COLOR, base_label), (c.1, HEAD_COLOR, head_label)]
        .into_iter()
        .enumerate()
    {
        let pts: Vec<String> = curve
            .iter()
            .filter(|p| p.1 > 0.0)
            .map(|&(q, v)| {
                let x = if q >= 1.0 { x_max } else { xs(q) };
                format!("{:.1},{:.1}", sx(x), sy(v))
            })
            .collect();
        let _ = write!(
            s,
            r#"<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{}"/><text x="{}" y="{}" font-size="11" fill="{color}">{}</text>"#,
            pts.join(" "),
            L + 8.0,
            T + 14.0 + 13.0 * i as f64,
            esc(label)
        );
    }
    s.push_str("</svg>");
    s
}

/// Each run's value of the gated statistics in run order, both sides: drift and outlier runs
/// show up here.
pub fn runs_svg(b: &BenchComparison) -> String {
    const W: f64 = 640.0;
    const ROW: f64 = 70.0;
    const L: f64 = 70.0;
    let gated: Vec<&StatComparison> = b.stats.iter().filter(|s| s.gated).collect();
    let h = 24.0 + ROW * gated.len() as f64;
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" viewBox="0 0 {W} {h}" role="img"><title>per-run values</title><text x="{L}" y="14" font-size="11">per process run, in run order (<tspan fill="{BASE_COLOR}">base</tspan>, <tspan fill="{HEAD_COLOR}">head</tspan>)</text>"#
    );
    for (row, st) in gated.iter().enumerate() {
        let top = 24.0 + ROW * row as f64;
        let all = st.base_runs.iter().chain(&st.head_runs).copied();
        let (mut lo, mut hi) = (f64::MAX, f64::MIN);
        for v in all {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if lo > hi {
            continue;
        }
        let span = (hi - lo).max(hi * 1e-3);
        let n = st.base_runs.len().max(st.head_runs.len()).max(2) as f64;
        let sx = |i: usize| L + 10.0 + i as f64 / (n - 1.0) * (W - L - 30.0);
        let sy = |v: f64| top + ROW - 12.0 - (v - lo) / span * (ROW - 24.0);
        let _ = write!(
            s,
            r##"<text x="4" y="{:.1}" font-size="11">{}</text><text x="{}" y="{:.1}" font-size="9" text-anchor="end">{}</text><text x="{}" y="{:.1}" font-size="9" text-anchor="end">{}</text><line x1="{L}" y1="{:.1}" x2="{}" y2="{:.1}" stroke="#ddd"/>"##,
            top + ROW / 2.0,
            esc(&st.stat),
            L - 4.0,
            sy(hi) + 3.0,
            fmt_ns(hi),
            L - 4.0,
            sy(lo) + 3.0,
            fmt_ns(lo),
            top + ROW - 4.0,
            W - 10.0,
            top + ROW - 4.0
        );
        for (values, color, dx) in [
            (&st.base_runs, BASE_COLOR, -2.0),
            (&st.head_runs, HEAD_COLOR, 2.0),
        ] {
            for (i, &v) in values.iter().enumerate() {
                let _ = write!(
                    s,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{color}"/>"#,
                    sx(i) + dx,
                    sy(v)
                );
            }
        }
    }
    s.push_str("</svg>");
    s
}

fn verdict_class(v: Change) -> &'static str {
    match v {
        Change::Regressed => "fail",
        Change::Improved | Change::Unchanged => "ok",
        Change::Inconclusive => "warn",
    }
}

/// The comparison as an HTML fragment: headline, table, then per bench the percentile curves of
/// both sides and the per-run values. Uses the report's CSS classes (`ok`, `warn`, `fail`).
pub fn html(c: &Comparison) -> String {
    let mut s = String::new();
    let bold = |t: &str| {
        let mut out = String::new();
        for (i, part) in t.split("**").enumerate() {
            if i % 2 == 1 {
                let _ = write!(out, "<b>{}</b>", esc(part));
            } else {
                out.push_str(&esc(part));
            }
        }
        out
    };
    let _ = write!(
        s,
        "<p class=meta>{} · {} · {} ms per bench per run · load {:.1} / {:.1}</p><p class={}>{}</p>",
        esc(&commit_line(c).replace('`', "")),
        esc(&c.date),
        c.time_ms,
        c.base.loadavg,
        c.head.loadavg,
        verdict_class(c.change()),
        bold(&headline(c))
    );
    if !c.significance_reachable {
        s.push_str("<p class=warn>Too few runs for any gated statistic to reach significance.</p>");
    }
    s.push_str(
        "<table><tr><th>bench</th><th>stat</th><th>base</th><th>head</th><th>change</th><th>CI</th>\
         <th>p slower (adj.)</th><th>verdict</th></tr>",
    );
    for b in &c.benches {
        for (i, st) in b.stats.iter().enumerate() {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class={}>{}</td></tr>",
                if i == 0 { esc(&b.id) } else { String::new() },
                esc(&st.stat),
                if st.gated { "" } else { " (not gated)" },
                fmt_ns(st.base_median),
                fmt_ns(st.head_median),
                pct(st.ratio),
                interval(st),
                st.p_slower_adjusted
                    .map_or_else(|| p_value(st.p_slower), p_value),
                if st.gated {
                    verdict_class(st.verdict)
                } else {
                    "meta"
                },
                st.verdict.word()
            );
        }
    }
    s.push_str("</table>");
    for b in &c.benches {
        let _ = write!(
            s,
            "<h3>{} <span class={}>{}</span></h3>",
            esc(&b.id),
            verdict_class(b.verdict),
            b.verdict.word()
        );
        s.push_str(&curves_svg(
            &format!("{}: time per op by percentile", b.id),
            &format!("base {}", c.base.label),
            &format!("head {}", c.head.label),
            (&b.base_curve, &b.head_curve),
        ));
        s.push_str(&runs_svg(b));
    }
    s
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
        assert!(!md.contains("**No regression**"), "{md}");
        assert!(md.contains("Too few runs"), "{md}");
        let h = html(&c);
        assert!(
            h.contains("<b>Inconclusive</b>") && !h.contains("**"),
            "{h}"
        );
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
