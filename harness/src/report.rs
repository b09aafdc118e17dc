//! `cargo harness report`: one self-contained HTML page from whatever results exist under
//! `target/gauntlet/` (inline SVG, no scripts, no network).

use std::fmt::Write;
use std::path::Path;

use anyhow::Result;
use gauntlet_records::bench::BenchRecord;

use gauntlet_records::Verdict;
use gauntlet_records::coverage::{Metric, Summary};

use crate::fuzz::RunSummary;
use crate::project::Project;
use crate::svg::{esc, line_chart, percentile_ladders};
use crate::sys;

/// Options of `cargo harness report`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to write the page (default `target/gauntlet/report.html`).
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}

/// Run `cargo harness report`.
pub fn run(args: Args, project: &Project) -> Result<u8> {
    let g = project.gauntlet_dir();
    let html = render(&project.root, &g);
    let out = args.out.unwrap_or_else(|| g.join("report.html"));
    sys::write(&out, html)?;
    println!("{}", out.display());
    Ok(0)
}

fn render(root: &Path, g: &Path) -> String {
    let (stable, nightly) = sys::toolchains();
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>gauntlet report</h1><p class=meta>commit <b>{}</b> · {} · {} · CPU {} · {}</p>",
        esc(&sys::commit_stamp(root)),
        esc(&stable),
        esc(&nightly),
        esc(&gauntlet_records::bench::cpu_model()),
        esc(&gauntlet_records::bench::rfc3339_now())
    );
    body.push_str(&fuzz_section(g));
    body.push_str(&coverage_section(g));
    body.push_str(&bench_section(g));
    body.push_str(&crate::compare::html_section(g));
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>gauntlet report</title><style>\
         body{{font-family:system-ui,sans-serif;margin:2em;max-width:70em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}td:first-child,th:first-child{{text-align:left}}\
         .meta{{color:#555}}.fail{{color:#b00;font-weight:bold}}.warn{{color:#a60}}.ok{{color:#070}}</style></head>\
         <body>{body}</body></html>\n"
    )
}

fn fuzz_section(g: &Path) -> String {
    let mut s = String::from("<h2>Fuzzing</h2>");
    let Ok(text) = std::fs::read_to_string(g.join("fuzz/latest.json")) else {
        s.push_str("<p>No fuzz run recorded yet (<code>cargo harness fuzz</code>).</p>");
        return s;
    };
    let Ok(run) = serde_json::from_str::<RunSummary>(&text) else {
        s.push_str("<p class=fail>target/gauntlet/fuzz/latest.json does not parse.</p>");
        return s;
    };
    let _ = write!(
        s,
        "<p class=meta>run {} · commit {} · {}</p><table><tr><th>target</th><th>execs</th><th>exec/s</th><th>cov</th>\
         <th>cov %</th><th>ft</th><th>oracle compared / rejected</th><th>verdict</th></tr>",
        esc(&run.id),
        esc(&run.commit),
        esc(&run.date)
    );
    for t in &run.targets {
        let last = t.events.last();
        let verdicts: Vec<String> = t
            .verdicts
            .iter()
            .map(|v| {
                let class = if v.fails() {
                    "fail"
                } else if v.status == "HEALTHY" {
                    "ok"
                } else {
                    "warn"
                };
                format!(
                    "<span class={class} title=\"{}\">{}</span>",
                    esc(&v.why),
                    esc(&v.status)
                )
            })
            .collect();
        let crash = if t.crashed() {
            " <span class=fail>CRASH</span>"
        } else {
            ""
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{:.0}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{crash}</td></tr>",
            esc(&t.target),
            last.map_or(0, |e| e.execs),
            last.map_or(0.0, |e| e.execs as f64) / t.elapsed_s.max(0.001),
            last.map_or(0, |e| e.cov),
            t.cov_percent.map_or("–".into(), |p| format!("{p:.1}")),
            last.map_or(0, |e| e.ft),
            t.oracle.map_or("–".into(), |(c, r)| format!("{c} / {r}")),
            verdicts.join(" ")
        );
    }
    s.push_str("</table>");
    let series: Vec<(String, Vec<(f64, f64)>)> = run
        .targets
        .iter()
        .map(|t| {
            (
                t.target.clone(),
                t.events
                    .iter()
                    .map(|e| (e.t_ms as f64 / 1000.0, e.cov as f64))
                    .collect(),
            )
        })
        .collect();
    s.push_str(&line_chart("coverage over time", "seconds", "cov", &series));
    s
}

/// The newest `target/gauntlet/coverage/<run>/summary.json` (written by `cargo harness coverage`):
/// per-crate lines / regions / functions, the policy verdict, and links to the run's own page.
fn coverage_section(g: &Path) -> String {
    let mut s = String::from("<h2>Coverage</h2>");
    let newest = sys::dirs_in(&g.join("coverage"))
        .into_iter()
        .filter_map(|d| {
            let summary: Summary = gauntlet_records::load(&d.join("summary.json")).ok()?;
            Some((d, summary))
        })
        .max_by_key(|(_, v)| v.unix_time);
    let Some((dir, v)) = newest else {
        s.push_str("<p>No coverage report yet (<code>cargo gauntlet coverage</code>).</p>");
        return s;
    };
    let pct = |m: &Metric| format!("{:.1} % ({}/{})", m.percent, m.covered, m.count);
    let verdict = if v.policy.verdict == Verdict::Pass {
        "policy passed".to_owned()
    } else {
        format!(
            "<b>policy failed</b> ({} failure(s))",
            v.policy.failures.len()
        )
    };
    let _ = write!(
        s,
        "<p class=meta>run {} · {verdict} · <a href=\"{}\">coverage report with trend</a></p><table><tr><th>crate</th><th>lines</th><th>regions</th><th>functions</th><th>minimum</th><th>only fuzz reaches</th></tr>",
        esc(&v.run),
        esc(&dir.join("index.html").display().to_string())
    );
    for c in &v.crates {
        let fuzz_only = v
            .fuzz_only
            .iter()
            .find(|r| r.crate_name == c.name)
            .map_or("–".to_owned(), |r| format!("{} lines", r.lines));
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{fuzz_only}</td></tr>",
            esc(&c.name),
            pct(&c.metrics.lines),
            pct(&c.metrics.regions),
            pct(&c.metrics.functions),
            v.policy
                .minimums
                .get(&c.name)
                .map_or("–".to_owned(), |m| format!("{m} %"))
        );
    }
    s.push_str("</table>");
    s
}

fn bench_section(g: &Path) -> String {
    let mut s = String::from("<h2>Benchmarks</h2>");
    let mut records: Vec<BenchRecord> = sys::files_in(&g.join("bench"))
        .iter()
        .filter_map(|p| BenchRecord::load(p).ok())
        .collect();
    if records.is_empty() {
        s.push_str("<p>No bench records yet (<code>cargo harness bench</code>).</p>");
        return s;
    }
    records.sort_by(|a, b| a.id.cmp(&b.id));
    let head: String = crate::bench::COLUMNS
        .iter()
        .map(|c| format!("<th>{}</th>", esc(c)))
        .collect();
    let _ = write!(s, "<table><tr>{head}<th>commit</th></tr>");
    for r in &records {
        let cells: String = crate::bench::row_cells(r)
            .iter()
            .map(|c| format!("<td>{}</td>", esc(c)))
            .collect();
        let _ = write!(
            s,
            "<tr>{cells}<td>{}{}</td></tr>",
            esc(&r.meta.commit.chars().take(12).collect::<String>()),
            if r.meta.dirty { "-dirty" } else { "" }
        );
    }
    s.push_str("</table>");
    let rows: Vec<(String, Vec<(String, f64)>)> = records
        .iter()
        .map(|r| {
            let p = &r.percentiles_ns;
            (
                r.id.clone(),
                vec![
                    ("p50".into(), p.p50),
                    ("p90".into(), p.p90),
                    ("p99".into(), p.p99),
                    ("p99.9".into(), p.p999),
                    ("max".into(), p.max),
                ],
            )
        })
        .collect();
    s.push_str(&percentile_ladders(
        "percentiles per op (p50 · p90 · p99 · p99.9 · max), log scale",
        &rows,
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_without_any_results() {
        let dir = std::env::temp_dir().join(format!("gauntlet-report-test-{}", std::process::id()));
        let html = render(Path::new("."), &dir);
        assert!(html.contains("No fuzz run recorded yet"));
        assert!(html.contains("No bench records yet"));
        assert!(!html.contains("<script"));
    }
}
