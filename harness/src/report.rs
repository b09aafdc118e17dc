//! `cargo harness report`: one self-contained HTML page from whatever results exist under
//! `target/gauntlet/` (inline SVG, no scripts, no network), rendered from
//! `templates/report/report.html`. This module only gathers the records into the page's context.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use gauntlet_records::Verdict;
use gauntlet_records::bench::BenchRecord;
use gauntlet_records::coverage::{Entry, Metric, Summary};
use gauntlet_records::fuzz::{RunSummary, TargetRun};
use gauntlet_records::mutants::{Escape, MutantsRun};
use minijinja::Value;
use serde::Serialize;

use crate::plot::{self, Axis, KeyAt, LadderRow, LineChart, Series, verdict_class};
use crate::project::Project;
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
    plot::render(
        "report.html",
        minijinja::context! {
            title => "gauntlet report",
            commit => sys::commit_stamp(root),
            toolchains => [stable, nightly],
            cpu => gauntlet_records::bench::cpu_model(),
            date => gauntlet_records::bench::rfc3339_now(),
            fuzz => plot::value(fuzz_section(g)),
            coverage => plot::value(coverage_section(g)),
            bench => plot::value(bench_section(g)),
            mutants => plot::value(mutants_section(g)),
            comparison => plot::safe(crate::compare::html_section(g)),
        },
    )
}

/// A section is either its content or a sentence saying why there is none.
#[derive(Serialize, Default)]
struct Section<T> {
    data: Option<T>,
    missing: String,
    broken: String,
}

impl<T> Section<T> {
    fn missing(why: &str) -> Self {
        Section {
            data: None,
            missing: why.to_owned(),
            broken: String::new(),
        }
    }
    fn broken(why: String) -> Self {
        Section {
            data: None,
            missing: String::new(),
            broken: why,
        }
    }
    fn of(data: T) -> Self {
        Section {
            data: Some(data),
            missing: String::new(),
            broken: String::new(),
        }
    }
}

#[derive(Serialize)]
struct Finding {
    class: &'static str,
    status: String,
    why: String,
}

#[derive(Serialize)]
struct FuzzRow {
    target: String,
    seconds: String,
    execs: String,
    exec_s: String,
    cov: String,
    cov_pct: String,
    ft: String,
    corpus: String,
    oracle: String,
    crash: bool,
    verdict: &'static str,
    findings: Vec<Finding>,
}

#[derive(Serialize)]
struct Figure {
    svg: Value,
    /// The verdict's class and its findings, first in the caption.
    class: &'static str,
    status: String,
    caption: String,
}

#[derive(Serialize)]
struct Fuzz {
    run: String,
    commit: String,
    date: String,
    verdict: &'static str,
    verdict_word: &'static str,
    rows: Vec<FuzzRow>,
    charts: Vec<Figure>,
}

fn fuzz_section(g: &Path) -> Section<Fuzz> {
    let path = g.join("fuzz/latest.json");
    if !path.exists() {
        return Section::missing("No fuzz run recorded yet (cargo gauntlet fuzz).");
    }
    let run: RunSummary = match gauntlet_records::load(&path) {
        Ok(r) => r,
        Err(e) => return Section::broken(e),
    };
    let rows = run.targets.iter().map(fuzz_row).collect();
    let charts = run
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| fuzz_chart(i, t))
        .collect();
    Section::of(Fuzz {
        run: run.id.clone(),
        commit: run.commit.clone(),
        date: run.date.clone(),
        verdict: verdict_class(run.verdict()),
        verdict_word: run.verdict().word(),
        rows,
        charts,
    })
}

fn fuzz_row(t: &TargetRun) -> FuzzRow {
    let last = t.events.last();
    let execs = last.map_or(0, |e| e.execs);
    FuzzRow {
        target: t.target.clone(),
        seconds: format!("{:.0}", t.elapsed_s),
        execs: plot::grouped(execs),
        exec_s: plot::grouped((execs as f64 / t.elapsed_s.max(0.001)).round() as u64),
        cov: plot::grouped(last.map_or(0, |e| e.cov)),
        cov_pct: t.cov_percent.map_or("–".into(), |p| format!("{p:.1}")),
        ft: plot::grouped(last.map_or(0, |e| e.ft)),
        corpus: plot::grouped(last.map_or(0, |e| e.corpus)),
        // A target without counters is not differential: nothing to count, not zero compared.
        oracle: match t.oracle {
            Some((c, r)) if c + r > 0 => {
                format!(
                    "{} ({:.0} %)",
                    plot::grouped(c),
                    c as f64 * 100.0 / (c + r) as f64
                )
            }
            _ => "–".to_owned(),
        },
        crash: t.crashed(),
        verdict: verdict_class(t.verdict()),
        findings: t
            .verdicts
            .iter()
            .map(|f| Finding {
                class: verdict_class(f.verdict),
                status: f.status.clone(),
                why: f.why.clone(),
            })
            .collect(),
    }
}

/// Coverage counters over time of one target: one small chart each, so a target with 200
/// counters is as readable as one with 5 000 and no key is needed.
fn fuzz_chart(i: usize, t: &TargetRun) -> Figure {
    let series = [Series {
        name: t.target.clone(),
        points: t
            .events
            .iter()
            .map(|e| (e.t_ms as f64 / 1000.0, e.cov as f64))
            .collect(),
    }];
    let color = [plot::PALETTE[i % plot::PALETTE.len()]];
    let chart = LineChart {
        title: &t.target,
        width: 440.0,
        height: 240.0,
        x: Axis {
            label: "seconds since start",
            log: false,
            min: Some(0.0),
            max: Some(t.elapsed_s),
            format: &plot::number_label,
            integer: false,
            ticks: &[],
        },
        y: Axis {
            label: "coverage counters",
            log: false,
            min: Some(0.0),
            max: None,
            format: &plot::count_label,
            integer: false,
            ticks: &[],
        },
        series: &series,
        key: KeyAt::None,
        markers: false,
        colors: Some(&color),
        dashed: &[],
    }
    .layout();
    let last = t.events.last();
    let mut status: Vec<&str> = t.verdicts.iter().map(|f| f.status.as_str()).collect();
    if t.crashed() {
        status.push("CRASH");
    }
    Figure {
        svg: plot::safe(chart.svg()),
        class: verdict_class(t.verdict()),
        status: status.join(" "),
        caption: format!(
            "{} counters, {} features, {} inputs in the corpus after {:.0} s",
            plot::grouped(last.map_or(0, |e| e.cov)),
            plot::grouped(last.map_or(0, |e| e.ft)),
            plot::grouped(last.map_or(0, |e| e.corpus)),
            t.elapsed_s
        ),
    }
}

#[derive(Serialize)]
struct CoverageRow {
    name: String,
    lines: String,
    regions: String,
    functions: String,
    minimum: String,
    low: bool,
    fuzz_only: String,
}

#[derive(Serialize)]
struct Coverage {
    run: String,
    passed: bool,
    failures: Vec<String>,
    page: String,
    rows: Vec<CoverageRow>,
    trend: Value,
}

/// The newest `target/gauntlet/coverage/<run>/summary.json` (written by `cargo harness coverage`):
/// per-crate lines / regions / functions, the policy verdict, the trend over `history.jsonl`, and
/// a link to the run's own page.
fn coverage_section(g: &Path) -> Section<Coverage> {
    let newest = sys::dirs_in(&g.join("coverage"))
        .into_iter()
        .filter_map(|d| {
            let summary: Summary = gauntlet_records::load(&d.join("summary.json")).ok()?;
            Some((d, summary))
        })
        .max_by_key(|(_, v)| v.unix_time);
    let Some((dir, v)) = newest else {
        return Section::missing("No coverage report yet (cargo gauntlet coverage).");
    };
    let pct = |m: &Metric| format!("{:.1} % ({}/{})", m.percent, m.covered, m.count);
    let rows = v
        .crates
        .iter()
        .map(|c| {
            let min = v.policy.minimums.get(&c.name).copied();
            CoverageRow {
                name: c.name.clone(),
                lines: pct(&c.metrics.lines),
                regions: pct(&c.metrics.regions),
                functions: pct(&c.metrics.functions),
                minimum: min.map_or("–".to_owned(), |m| format!("{m} %")),
                low: min.is_some_and(|m| c.metrics.lines.percent < m),
                fuzz_only: v
                    .fuzz_only
                    .iter()
                    .find(|r| r.crate_name == c.name)
                    .map_or("–".to_owned(), |r| format!("{} lines", r.lines)),
            }
        })
        .collect();
    let history = std::fs::read_to_string(g.join("coverage/history.jsonl")).unwrap_or_default();
    let entries: Vec<Entry> = history
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    Section::of(Coverage {
        run: v.run.clone(),
        passed: v.policy.verdict == Verdict::Pass,
        failures: v.policy.failures.iter().map(ToString::to_string).collect(),
        page: dir.join("index.html").display().to_string(),
        rows,
        trend: plot::safe(plot::coverage_trend(&trend(&entries))),
    })
}

/// Per crate, its line coverage over the runs of the history: (run number from 1, percent).
fn trend(entries: &[Entry]) -> Vec<(String, Vec<(f64, f64)>)> {
    let mut series: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        for (name, c) in &e.crates {
            series
                .entry(name)
                .or_default()
                .push(((i + 1) as f64, c.lines.percent()));
        }
    }
    series.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

#[derive(Serialize)]
struct MutantsRow {
    name: String,
    caught: u64,
    missed: u64,
    timeout: u64,
    unviable: u64,
    score: String,
    /// The package's own minimum, or "none".
    minimum: String,
    low: bool,
    /// `file:line — description`, `(timeout)` after a hang.
    survivors: Vec<String>,
}

#[derive(Serialize)]
struct Mutants {
    run: String,
    commit: String,
    date: String,
    tool: String,
    shard: String,
    minimum: String,
    verdict: &'static str,
    verdict_word: &'static str,
    rows: Vec<MutantsRow>,
}

/// `target/gauntlet/mutants/latest.json` (written by `cargo gauntlet mutants`): the score per
/// package against the minimum, and every mutant the tests let through.
fn mutants_section(g: &Path) -> Section<Mutants> {
    let path = g.join("mutants/latest.json");
    if !path.exists() {
        return Section::missing("No mutation run yet (cargo gauntlet mutants).");
    }
    let run: MutantsRun = match gauntlet_records::load(&path) {
        Ok(r) => r,
        Err(e) => return Section::broken(e),
    };
    let rows = run
        .packages
        .iter()
        .map(|p| MutantsRow {
            name: p.name.clone(),
            caught: p.caught,
            missed: p.missed,
            timeout: p.timeout,
            unviable: p.unviable,
            score: format!("{:.1} %", p.score_percent),
            minimum: p.minimum.map_or("none".to_owned(), |m| format!("{m} %")),
            low: p.under_minimum(),
            survivors: p
                .survivors
                .iter()
                .map(|v| {
                    format!(
                        "{}:{} — {}{}",
                        v.file,
                        v.line,
                        v.description,
                        if v.escape == Escape::Timeout {
                            " (timeout)"
                        } else {
                            ""
                        }
                    )
                })
                .collect(),
        })
        .collect();
    Section::of(Mutants {
        run: run.run.clone(),
        commit: run.commit.clone(),
        date: run.date.clone(),
        tool: run.tool.clone(),
        shard: run.shards_label().map_or(String::new(), |l| {
            if run.merged_shards.is_empty() {
                format!("{l} (from 0)")
            } else {
                format!("{l} (from 0), added up")
            }
        }),
        minimum: run.minimum.map_or("none".to_owned(), |m| format!("{m} %")),
        verdict: verdict_class(run.verdict),
        verdict_word: run.verdict.word(),
        rows,
    })
}

#[derive(Serialize)]
struct BenchGroup {
    krate: String,
    rows: Vec<Vec<String>>,
    chart: Value,
}

#[derive(Serialize)]
struct Bench {
    columns: Vec<String>,
    groups: Vec<BenchGroup>,
}

/// Every `target/gauntlet/bench/*.json`, one table and one percentile chart per crate.
fn bench_section(g: &Path) -> Section<Bench> {
    let mut records: Vec<BenchRecord> = sys::files_in(&g.join("bench"))
        .iter()
        .filter_map(|p| BenchRecord::load(p).ok())
        .collect();
    if records.is_empty() {
        return Section::missing("No bench records yet (cargo gauntlet bench).");
    }
    records.sort_by(|a, b| (&a.krate, &a.id).cmp(&(&b.krate, &b.id)));
    let mut by_crate: BTreeMap<&str, Vec<&BenchRecord>> = BTreeMap::new();
    for r in &records {
        by_crate.entry(&r.krate).or_default().push(r);
    }
    let mut columns: Vec<String> = crate::bench::COLUMNS
        .iter()
        .map(|c| c.to_string())
        .collect();
    columns.extend(["samples".to_owned(), "commit".to_owned()]);
    let groups = by_crate
        .into_iter()
        .map(|(krate, records)| BenchGroup {
            krate: krate.to_owned(),
            rows: records
                .iter()
                .map(|r| {
                    let mut cells = crate::bench::row_cells(r);
                    cells.push(plot::grouped(r.samples));
                    cells.push(format!(
                        "{}{}",
                        r.meta.commit.chars().take(12).collect::<String>(),
                        if r.meta.dirty { "-dirty" } else { "" }
                    ));
                    cells
                })
                .collect(),
            chart: plot::safe(bench_chart(krate, &records)),
        })
        .collect();
    Section::of(Bench { columns, groups })
}

fn bench_chart(krate: &str, records: &[&BenchRecord]) -> String {
    let rows: Vec<LadderRow> = records
        .iter()
        .map(|r| {
            let p = &r.percentiles_ns;
            let prefix = format!("{krate}/");
            LadderRow {
                name: r.id.strip_prefix(&prefix).unwrap_or(&r.id).to_owned(),
                title: r.id.clone(),
                values: vec![
                    ("p50", p.p50),
                    ("p90", p.p90),
                    ("p99", p.p99),
                    ("p99.9", p.p999),
                    ("max", p.max),
                ],
                note: format!("n = {}", plot::count_label(r.samples as f64)),
            }
        })
        .collect();
    plot::ladders(&format!("{krate}: time per op, p50 to max"), 900.0, &rows).svg()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_without_any_results() {
        let dir = std::env::temp_dir().join(format!("gauntlet-report-test-{}", std::process::id()));
        let html = render(Path::new("."), &dir);
        assert!(html.contains("No fuzz run recorded yet"), "{html}");
        assert!(html.contains("No bench records yet"));
        assert!(html.contains("No mutation run yet (cargo gauntlet mutants)."));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn counts_are_grouped() {
        assert_eq!(plot::grouped(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(plot::grouped(999), "999");
    }
}
