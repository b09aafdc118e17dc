//! The comparison's process runs: both sides' bench executables, built by [`super::checkout`], run
//! in interleaved pairs, each run's records kept.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use gauntlet_records::bench::{BenchRecord, Meta};

use super::checkout::{Built, Side, Source};
use crate::project::BenchTarget;
use crate::sys;

/// The adapter's view of a criterion bench of a built side.
fn criterion_target(b: &BenchTarget, built: &Built) -> crate::criterion::BenchTarget {
    crate::criterion::BenchTarget {
        dir: built.dir.clone(),
        package: Some(b.package.clone()),
        bench: b.name.clone(),
        target_dir: Some(built.target_dir.clone()),
    }
}

/// How to run the benches.
#[derive(Debug, Clone)]
pub struct RunPlan {
    /// Process runs per side.
    pub runs: usize,
    /// Recording time per bench per run.
    pub time_ms: u64,
    /// Only bench ids containing this (passed to the executables).
    pub filter: Option<String>,
    /// Bench files to run.
    pub benches: Vec<String>,
}

/// The records of every process run, per side, in run order.
#[derive(Debug, Default)]
pub struct Recorded {
    /// Base runs.
    pub base: Vec<Vec<BenchRecord>>,
    /// Head runs.
    pub head: Vec<Vec<BenchRecord>>,
}

/// Run both sides interleaved, alternating which goes first in each pair (A B, B A, A B, …), so
/// that a machine that drifts (load, temperature, frequency) moves both sides alike.
pub fn run_interleaved(
    sides: [(&Side, &Built); 2],
    plan: &RunPlan,
    runs_dir: &Path,
) -> Result<Recorded> {
    if runs_dir.exists() {
        sys::remove_dir(runs_dir)?;
    }
    let mut rec = Recorded::default();
    // Drawn only when stderr is a terminal; the per-pair lines print above it either way.
    let bar = indicatif::ProgressBar::new(2 * plan.runs as u64).with_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} process run {pos}/{len} ({msg}) {wide_bar} {elapsed_precise}, about {eta} left",
        )
        .expect("a valid progress template"),
    );
    for i in 0..plan.runs {
        let order = if i % 2 == 0 { [0, 1] } else { [1, 0] };
        let mut times = [0.0; 2];
        for k in order {
            let (side, built) = sides[k];
            bar.set_message(side.role);
            let out = runs_dir.join(format!("{}-{:02}", side.role, i + 1));
            let started = Instant::now();
            let records = bar.suspend(|| run_once(side, built, plan, &out, i + 1));
            let records = match records {
                Ok(r) => r,
                Err(e) => {
                    bar.abandon();
                    return Err(e);
                }
            };
            bar.inc(1);
            times[k] = started.elapsed().as_secs_f64();
            if k == 0 {
                rec.base.push(records);
            } else {
                rec.head.push(records);
            }
        }
        bar.suspend(|| {
            eprintln!(
                "run {:>2}/{}  base {:.1} s  head {:.1} s  load {:.2}",
                i + 1,
                plan.runs,
                times[0],
                times[1],
                sys::loadavg()[0]
            )
        });
    }
    bar.finish_and_clear();
    Ok(rec)
}

/// One process run of every selected bench file of one side into `out`.
fn run_once(
    side: &Side,
    built: &Built,
    plan: &RunPlan,
    out: &Path,
    run: usize,
) -> Result<Vec<BenchRecord>> {
    sys::create_dir(out)?;
    let mut foreign = Vec::new();
    for name in &plan.benches {
        let (target, exe) = &built.executables[name];
        if !target.native {
            foreign.extend(run_criterion(side, target, built, plan)?);
            continue;
        }
        let mut cmd = Command::new(exe);
        cmd.current_dir(&built.dir).arg("--bench");
        if let Some(f) = &plan.filter {
            cmd.arg(f);
        }
        // Nothing from the caller's environment may tilt one side: set every knob explicitly.
        cmd.env("GAUNTLET_SKIP_CRITERION", "1")
            .env("GAUNTLET_BENCH_OUT", out)
            .env("GAUNTLET_BENCH_TIME_MS", plan.time_ms.to_string())
            .env("GAUNTLET_BENCH_COMMIT", &side.commit)
            .env_remove("GAUNTLET_BENCH_QUICK")
            .env_remove("GAUNTLET_BENCH_SLOWDOWN_PCT");
        for (k, v) in &side.env {
            cmd.env(k, v);
        }
        let output = cmd
            .output()
            .with_context(|| format!("cannot start {}", exe.display()))?;
        if !output.status.success() {
            let err = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = err.lines().rev().take(15).collect();
            for l in tail.iter().rev() {
                eprintln!("  {l}");
            }
            bail!(
                "bench {name} of {} {} failed in run {run} ({})",
                side.role,
                side.label,
                output.status
            );
        }
    }
    let mut records = foreign;
    for path in sys::files_in(out) {
        if path.extension().is_some_and(|e| e == "json") {
            records.push(BenchRecord::load(&path).map_err(anyhow::Error::msg)?);
        }
    }
    if records.is_empty() {
        bail!(
            "run {run} of {} {} recorded no bench{}",
            side.role,
            side.label,
            plan.filter
                .as_ref()
                .map_or(String::new(), |f| format!(" matching {f:?}"))
        );
    }
    if let Source::Commit(c) = &side.source {
        let stale = records
            .iter()
            .find(|r| !r.meta.commit.is_empty() && &r.meta.commit != c);
        if let Some(r) = stale {
            bail!(
                "{} of {} claims commit {}, expected {c}: stale executable?",
                r.id,
                side.role,
                r.meta.commit
            );
        }
    }
    Ok(records)
}

/// One process run of a criterion bench, as records (`<package>/<criterion id>`).
fn run_criterion(
    side: &Side,
    target: &BenchTarget,
    built: &Built,
    plan: &RunPlan,
) -> Result<Vec<BenchRecord>> {
    let format = built
        .criterion
        .context("criterion bench without a criterion version")?;
    let run = crate::criterion::run(
        &criterion_target(target, built),
        plan.filter.as_deref(),
        &crate::criterion::Timing::for_run(plan.time_ms),
        format,
        &side.env,
    )
    .with_context(|| format!("bench {} of {} {}", target.name, side.role, side.label))?;
    let meta = Meta {
        commit: side.commit.clone(),
        dirty: false,
        rustc: String::new(),
        cpu: gauntlet_records::bench::cpu_model(),
        date: gauntlet_records::bench::rfc3339_now(),
        loadavg: sys::loadavg(),
    };
    for id in &run.overridden {
        eprintln!(
            "note: criterion bench {id} sets its own sample size or times; its runs may be longer"
        );
    }
    run.samples
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| crate::criterion::to_record(&target.package, s, meta.clone()))
        .collect()
}
