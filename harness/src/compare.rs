//! `cargo harness compare BASE HEAD`: did p50/p90/p99 regress between two commits?
//!
//! Each side is checked out in its own git worktree (or, for `WORKTREE`, used as it is), its
//! bench executables are built once, and then they run as whole process runs, interleaved
//! (A B, B A, A B, …). The unit of comparison is the process run: each run yields one p50, p90
//! and p99 per bench, and the two sets of runs are compared with a one-sided Mann–Whitney test,
//! Holm-adjusted over every gated statistic, plus a Hodges–Lehmann estimate of the ratio with its
//! confidence interval. A statistic regresses when the change is significant *and* at least the
//! threshold. p99.9 and max are shown, never gated.
//!
//! Results go to `target/gauntlet/compare/<base>-<head>/` (`comparison.json`, `comparison.md`,
//! `comparison.html`, `curves/*.svg`, and every run's records under `runs/`), and copies of the
//! JSON and Markdown to `target/gauntlet/compare/latest.{json,md}`; [`html_section`] renders the
//! JSON for the report.

mod analysis;
mod checkout;
mod instructions;
mod render;
mod runner;
mod stamps;
mod stats;

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::config::CompareConfig;
use crate::project::{self, Project};
use crate::{exit, sys};
use analysis::{Comparison, Policy, SideInfo};
use checkout::{Built, Side, Source};
use gauntlet_records::Verdict;
use runner::RunPlan;

/// Options of `cargo harness compare`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The baseline: a commit or ref, or WORKTREE for the checkout with its uncommitted changes.
    pub base: String,
    /// The commit or ref under test (or WORKTREE).
    pub head: String,
    /// Only bench files whose name contains this (e.g. `retry_counter`).
    #[arg(long)]
    pub bench: Option<String>,
    /// Only benches whose `crate/name` contains this.
    #[arg(long)]
    pub filter: Option<String>,
    /// Process runs per side. On a shared machine more short runs beat fewer long ones: the
    /// noise that matters is the state of the machine during a run, not the samples within it.
    /// [default: `[compare] runs` of gauntlet.toml, else 20]
    #[arg(long)]
    pub runs: Option<u32>,
    /// Recording time per bench per process run, in milliseconds.
    /// [default: `[compare] time_ms`, else 500]
    #[arg(long)]
    pub time_ms: Option<u64>,
    /// Smallest slowdown, in percent, that counts as a regression.
    /// [default: `[compare] threshold_pct`, else 5]
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Family-wise false-alarm rate over all gated statistics.
    /// [default: `[compare] alpha`, else 0.05]
    #[arg(long)]
    pub alpha: Option<f64>,
    /// Extra environment for the base's runs (repeatable), e.g. for calibration.
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_env)]
    pub base_env: Vec<(String, String)>,
    /// Extra environment for the head's runs, e.g. `GAUNTLET_BENCH_SLOWDOWN_PCT=10`.
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_env)]
    pub head_env: Vec<(String, String)>,
    /// Directory for the results (default `target/gauntlet/compare/<base>-<head>`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// What to compare: `time` (interleaved process runs, percentiles) or `instructions`
    /// (one run per side under valgrind's callgrind, instructions per iteration; `--threshold`
    /// then defaults to `[compare] instructions_threshold_pct`, else 1).
    #[arg(long, value_enum, default_value_t = Measure::Time)]
    pub measure: Measure,
}

/// What `compare` measures.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Wall time per op, percentiles of interleaved process runs.
    Time,
    /// Instructions (and estimated cycles) per iteration under callgrind.
    Instructions,
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}

/// The fewest runs per side with which one bench's three gated statistics can reach
/// significance at `alpha`.
fn min_runs(alpha: f64) -> usize {
    (2..1000)
        .find(|&r| stats::smallest_p(r, r) * analysis::GATED.len() as f64 <= alpha)
        .unwrap_or(1000)
}

/// The flags with gauntlet.toml's `[compare]` and the built-in defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Knobs {
    runs: u32,
    time_ms: u64,
    threshold: f64,
    alpha: f64,
}

fn knobs(args: &Args, config: &CompareConfig) -> Knobs {
    Knobs {
        runs: args.runs.or(config.runs).unwrap_or(20),
        time_ms: args.time_ms.or(config.time_ms).unwrap_or(500),
        threshold: args.threshold.or(config.threshold_pct).unwrap_or(5.0),
        alpha: args.alpha.or(config.alpha).unwrap_or(0.05),
    }
}

fn check_args(args: &Knobs) -> Result<()> {
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        bail!("--alpha must be between 0 and 1, got {}", args.alpha);
    }
    if !(args.threshold >= 0.0 && args.threshold < 1000.0) {
        bail!(
            "--threshold is a percentage between 0 and 1000, got {}",
            args.threshold
        );
    }
    let needed = min_runs(args.alpha);
    if (args.runs as usize) < needed {
        bail!(
            "--runs {} is too few: with fewer than {needed} runs per side no statistic can \
             reach significance at α = {} (10 or more recommended)",
            args.runs,
            args.alpha
        );
    }
    if args.time_ms < 10 {
        bail!("--time-ms {} is too short to record anything", args.time_ms);
    }
    Ok(())
}

/// BASE and HEAD resolved in the repository at `root`; a bad ref is a usage error.
fn sides(args: &Args, root: &Path) -> Result<(Side, Side)> {
    let side = |role, spec: &str, env: &[(String, String)]| {
        checkout::resolve(root, role, spec, env).map_err(|e| exit::usage(e.to_string()))
    };
    Ok((
        side("base", &args.base, &args.base_env)?,
        side("head", &args.head, &args.head_env)?,
    ))
}

/// Run `cargo gauntlet compare`.
pub fn run(args: Args, project: &Project) -> Result<u8> {
    if args.measure == Measure::Instructions {
        return instructions::run(&args, project);
    }
    let knobs = knobs(&args, &project.config.compare);
    check_args(&knobs).map_err(|e| exit::usage(format!("{e:#}")))?;
    let root = project.root.clone();
    let gauntlet = project.gauntlet_dir();
    let compare_dir = gauntlet.join("compare");
    project::select_benches(&project.benches(), args.bench.as_deref())?;
    let (base, head) = sides(&args, &root)?;
    let shared_build = base.source == head.source;

    let mut builder =
        checkout::Builder::new(&root, &project.target_dir, &compare_dir, args.bench.clone())?;
    let base_built = builder.build(&base)?;
    let head_built = if shared_build {
        if base.env == head.env {
            eprintln!(
                "base and head are the same build ({}): an A/A comparison",
                base.label
            );
        } else {
            eprintln!(
                "base and head are the same build ({}), built once; they differ only in the \
                 environment of their runs",
                base.label
            );
        }
        base_built.clone()
    } else {
        let head_built = builder.build(&head)?;
        warn_if_identical(&base_built, &head_built);
        head_built
    };
    let common = checkout::common_benches(&base_built, &head_built, args.bench.as_deref())?;

    let out = args
        .out
        .clone()
        .unwrap_or_else(|| compare_dir.join(format!("{}-{}", base.label, head.label)));
    let plan = RunPlan {
        runs: knobs.runs as usize,
        time_ms: knobs.time_ms,
        filter: args.filter.clone(),
        benches: common,
    };
    eprintln!(
        "{} interleaved process runs per side of {} ({} ms per bench) → {}",
        plan.runs,
        plan.benches.join(", "),
        plan.time_ms,
        out.display()
    );
    let recorded = runner::run_interleaved(
        [(&base, &base_built), (&head, &head_built)],
        &plan,
        &out.join("runs"),
    )?;
    let policy = Policy {
        threshold_pct: knobs.threshold,
        alpha: knobs.alpha,
        ..Policy::default()
    };
    let comparison = analysis::analyse(
        side_info(&root, &base),
        side_info(&root, &head),
        &recorded.base,
        &recorded.head,
        knobs.time_ms,
        policy,
    );
    write_outputs(&out, &gauntlet, &comparison)?;
    print!("{}", render::markdown(&comparison));
    eprintln!(
        "comparison: {} (JSON, Markdown, HTML, SVG curves)",
        out.display()
    );
    Ok(match comparison.verdict() {
        Verdict::Fail => exit::FAILED,
        Verdict::Inconclusive => exit::INCONCLUSIVE,
        Verdict::Pass | Verdict::Warn => exit::OK,
    })
}

/// Two different sources that built byte-identical bench executables measure the same code:
/// say so (the change touches nothing the benches run, or the build went wrong).
fn warn_if_identical(base: &Built, head: &Built) {
    for (name, (_, base_exe)) in &base.executables {
        let Some((_, head_exe)) = head.executables.get(name) else {
            continue;
        };
        if let (Ok(a), Ok(b)) = (std::fs::read(base_exe), std::fs::read(head_exe))
            && a == b
        {
            eprintln!(
                "note: bench {name} built to the same executable on both sides: the change does not \
                 touch what it runs"
            );
        }
    }
}

fn side_info(root: &Path, side: &Side) -> SideInfo {
    SideInfo {
        spec: side.spec.clone(),
        commit: side.commit.clone(),
        label: side.label.clone(),
        dirty: side.source == Source::WorkingTree && sys::commit_stamp(root).ends_with("-dirty"),
        env: side.env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        ..SideInfo::default()
    }
}

fn write_outputs(out: &Path, gauntlet: &Path, c: &Comparison) -> Result<()> {
    let json = serde_json::to_string_pretty(c)?;
    sys::write(&out.join("comparison.json"), &json)?;
    sys::write(&gauntlet.join("compare").join("latest.json"), &json)?;
    let md = render::markdown(c);
    sys::write(&out.join("comparison.md"), &md)?;
    sys::write(&gauntlet.join("compare").join("latest.md"), &md)?;
    // Rendered back from latest.json, exactly as the report shows it.
    sys::write(
        &out.join("comparison.html"),
        standalone_page(&html_section(gauntlet)),
    )?;
    for b in &c.benches {
        let svg = render::curves_svg(
            &format!("{}: time per op by percentile", b.id),
            &format!("base {}", c.base.label),
            &format!("head {}", c.head.label),
            (&b.base_curve, &b.head_curve),
        );
        let name = gauntlet_records::bench::file_name(&b.id).replace(".json", ".svg");
        sys::write(&out.join("curves").join(name), svg)?;
    }
    Ok(())
}

fn section_from(c: &Comparison) -> String {
    format!("<h2>Bench comparison</h2>{}", render::html(c))
}

fn standalone_page(body: &str) -> String {
    crate::plot::render(
        "page.html",
        minijinja::context! {
            title => "gauntlet bench comparison",
            body => crate::plot::safe(body.to_owned()),
        },
    )
}

/// The report's section on the latest comparison (`<gauntlet_dir>/compare/latest.json`): a
/// headline, the table of every statistic, and per bench the percentile curves of both commits
/// and the per-run values, as inline SVG. Never fails: says so when there is nothing to show.
pub fn html_section(gauntlet_dir: &Path) -> String {
    let path = gauntlet_dir.join("compare").join("latest.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return "<h2>Bench comparison</h2><p>No comparison yet (<code>cargo harness compare BASE HEAD</code>).</p>"
            .to_owned()
            + &instructions::html_section(gauntlet_dir);
    };
    match serde_json::from_str::<Comparison>(&text) {
        Ok(c) => section_from(&c) + &instructions::html_section(gauntlet_dir),
        Err(e) => format!(
            "<h2>Bench comparison</h2><p class=fail>{} does not parse: {}</p>",
            crate::plot::esc(&path.display().to_string()),
            crate::plot::esc(&e.to_string())
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_pairs_parse() {
        assert_eq!(
            parse_env("GAUNTLET_BENCH_SLOWDOWN_PCT=10"),
            Ok(("GAUNTLET_BENCH_SLOWDOWN_PCT".into(), "10".into()))
        );
        assert_eq!(parse_env("A=b=c"), Ok(("A".into(), "b=c".into())));
        assert!(parse_env("nope").is_err());
        assert!(parse_env("=x").is_err());
    }

    #[test]
    fn too_few_runs_are_refused_up_front() {
        // 1/C(8,4) = 1/70, times three gated statistics, is below 5 %; 1/C(6,3) is not.
        assert_eq!(min_runs(0.05), 4);
        assert!(min_runs(0.001) > 4);
    }

    #[test]
    fn the_section_says_when_there_is_nothing() {
        let dir =
            std::env::temp_dir().join(format!("gauntlet-compare-none-{}", std::process::id()));
        assert!(html_section(&dir).contains("No comparison yet"));
        let bad = dir.join("compare");
        std::fs::create_dir_all(&bad).unwrap();
        std::fs::write(bad.join("latest.json"), "{").unwrap();
        assert!(html_section(&dir).contains("does not parse"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
