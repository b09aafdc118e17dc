//! `cargo gauntlet compare BASE HEAD --measure instructions`: instruction counts under valgrind's
//! callgrind, per bench and commit, instead of timings.
//!
//! Each side is built as for the timing comparison, then every selected bench executable runs
//! once under callgrind with collection off except inside the measured routine:
//!
//! - **gauntlet-bench benches** run in instruction mode (`GAUNTLET_BENCH_INSTRUCTIONS=1`): each
//!   bench calls its op once (warm-up), then a fixed number of times inside
//!   `gauntlet_bench::measured`, which callgrind counts (`--toggle-collect`) and dumps after
//!   (`--dump-after`), so dump *k* is the *k*-th bench the executable names on its
//!   `gauntlet-instructions {json}` lines.
//! - **criterion benches** run one benchmark id per process with `--profile-time`: criterion's
//!   profile mode warms up in batches of 1, 2, 4, … iterations, one call of `Bencher::iter` (or
//!   `iter_batched`, …) each, which callgrind counts and dumps after. The counts of one batch minus
//!   those of the batch before (`2^k` more iterations) are `2^k` iterations of the routine alone:
//!   the per-batch costs (clock reads, the call) cancel. With `iter_batched`, the setup is counted
//!   too.
//!
//! Instructions are deterministic: the same executable gives the same count on every run, so the
//! gate is a plain threshold (`[compare] instructions_threshold_pct`, default 1 %) with no
//! statistics. The estimated cycles (`records::instructions::COST_MODEL`) come from a simulated
//! cache of fixed geometry, the same on every machine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use gauntlet_records::Verdict;
use gauntlet_records::compare::SideInfo;
use gauntlet_records::instructions::{
    self as rec, COST_MODEL, Counts, InstructionComparison, InstructionRun, Measured,
};

use super::runner::{self, Built, Side, Source};
use crate::project::{self, BenchTarget, Project};
use crate::{exit, plot, sys};

/// The function `gauntlet-bench` runs the counted iterations in.
pub const NATIVE_SYMBOL: &str = "gauntlet_bench::measured";

/// The `Bencher` methods criterion runs a batch of iterations in (0.3 to 0.5), as callgrind
/// names them; each is toggled and dumped after.
pub const CRITERION_SYMBOLS: [&str; 10] = [
    "criterion::bencher::Bencher<M>::iter",
    "criterion::bencher::Bencher<M>::iter_batched",
    "criterion::bencher::Bencher<M>::iter_batched_ref",
    "criterion::bencher::Bencher<M>::iter_custom",
    "criterion::bencher::Bencher<M>::iter_with_large_drop",
    "criterion::Bencher<M>::iter",
    "criterion::Bencher<M>::iter_batched",
    "criterion::Bencher<M>::iter_batched_ref",
    "criterion::Bencher<M>::iter_custom",
    "criterion::Bencher<M>::iter_with_large_drop",
];

/// The criterion warm-up batch whose difference to the batch before it is counted: batch
/// `CRITERION_BATCH` has `2^CRITERION_BATCH` iterations, the difference `2^(CRITERION_BATCH-1)`.
/// A slower routine that criterion's one-second warm-up (under valgrind) does not take that far
/// is counted at the last pair it reached, and says so.
pub const CRITERION_BATCH: usize = 6;

/// The simulated caches, fixed so that counts do not depend on the machine's caches.
pub const CACHE_ARGS: [&str; 3] = ["--I1=32768,8,64", "--D1=32768,8,64", "--LL=8388608,16,64"];

/// Everything one bench executable needs to be counted on one side.
struct Job<'a> {
    side: &'a Side,
    built: &'a Built,
    target: &'a BenchTarget,
    exe: &'a Path,
    filter: Option<&'a str>,
    work: PathBuf,
}

/// Run the instruction comparison (`compare --measure instructions`).
pub fn run(args: &super::Args, project: &Project) -> Result<u8> {
    let threshold = args
        .threshold
        .or(project.config.compare.instructions_threshold_pct)
        .unwrap_or(1.0);
    if !(0.0..1000.0).contains(&threshold) {
        return Err(exit::usage(format!(
            "--threshold is a percentage between 0 and 1000, got {threshold}"
        )));
    }
    let valgrind = sys::ensure_valgrind()?;
    let root = project.root.clone();
    let gauntlet = project.gauntlet_dir();
    let compare_dir = gauntlet.join("compare");
    project::select_benches(&project.benches(), args.bench.as_deref())?;
    let base = runner::resolve(&root, "base", &args.base, &args.base_env)
        .map_err(|e| exit::usage(e.to_string()))?;
    let head = runner::resolve(&root, "head", &args.head, &args.head_env)
        .map_err(|e| exit::usage(e.to_string()))?;

    let mut base_tree = runner::Worktree::new(&root, compare_dir.join("worktrees/base"))?;
    let mut head_tree = runner::Worktree::new(&root, compare_dir.join("worktrees/head"))?;
    let prepare = |side: &Side, tree: &mut runner::Worktree| -> Result<Built> {
        let dir = match &side.source {
            Source::WorkingTree => root.clone(),
            Source::Commit(c) => tree.checkout(c)?,
        };
        let wanted: Vec<BenchTarget> = project::benches_in(&dir)
            .with_context(|| format!("cannot read the benches of {} {}", side.role, side.spec))?
            .into_iter()
            .filter(|b| match args.bench.as_deref() {
                Some(f) => b.name.contains(f),
                None => b.by_default,
            })
            .collect();
        let target_dir = match side.source {
            Source::WorkingTree => project.target_dir.clone(),
            Source::Commit(_) => compare_dir.join(format!("target-{}", side.role)),
        };
        runner::build(
            side,
            &dir,
            &target_dir,
            &wanted,
            &compare_dir.join("bin-instructions").join(side.role),
        )
    };
    let base_built = prepare(&base, &mut base_tree)?;
    let head_built = if base.source == head.source {
        base_built.clone()
    } else {
        prepare(&head, &mut head_tree)?
    };
    let common: Vec<String> = base_built
        .executables
        .keys()
        .filter(|n| head_built.executables.contains_key(*n))
        .cloned()
        .collect();
    if common.is_empty() {
        return Err(exit::usage(match &args.bench {
            Some(f) => format!("no bench matching --bench {f:?} exists on both sides"),
            None => "no bench exists on both sides".to_owned(),
        }));
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| compare_dir.join(format!("{}-{}", base.label, head.label)));
    eprintln!(
        "counting instructions under {valgrind} (callgrind) of {} → {}",
        common.join(", "),
        out.display()
    );
    let started = Instant::now();
    let mut counted: [BTreeMap<String, Measured>; 2] = Default::default();
    for (k, (side, built)) in [(&base, &base_built), (&head, &head_built)]
        .into_iter()
        .enumerate()
    {
        for name in &common {
            let (target, exe) = &built.executables[name];
            let job = Job {
                side,
                built,
                target,
                exe,
                filter: args.filter.as_deref(),
                work: out.join("callgrind").join(side.role).join(name),
            };
            let t = Instant::now();
            let measured = if target.native {
                measure_native(&job)?
            } else {
                measure_criterion(&job)?
            };
            eprintln!(
                "{} {}: {} bench(es) of {name} counted in {:.1} s",
                side.role,
                side.label,
                measured.len(),
                t.elapsed().as_secs_f64()
            );
            for (id, m) in measured {
                counted[k].insert(id, m);
            }
        }
    }
    let measure_secs = started.elapsed().as_secs_f64();
    let [base_counts, mut head_counts] = counted;
    let mut benches = Vec::new();
    for (id, b) in base_counts {
        let h = head_counts.remove(&id);
        benches.push(rec::judge(&id, Some(b), h, threshold));
    }
    for (id, h) in head_counts {
        benches.push(rec::judge(&id, None, Some(h), threshold));
    }
    let comparison = InstructionComparison {
        schema: rec::SCHEMA.to_owned(),
        date: gauntlet_records::bench::rfc3339_now(),
        tool: format!(
            "{valgrind} --tool=callgrind --cache-sim=yes {}",
            CACHE_ARGS.join(" ")
        ),
        model: COST_MODEL.to_owned(),
        base: side_info(&base),
        head: side_info(&head),
        threshold_pct: threshold,
        measure_secs,
        benches,
    };
    let timing = timing_verdicts(&gauntlet, &comparison);
    let md = markdown(&comparison, &timing);
    let json = serde_json::to_string_pretty(&comparison)?;
    sys::write(&out.join("instructions.json"), &json)?;
    sys::write(&compare_dir.join("latest-instructions.json"), &json)?;
    sys::write(&out.join("instructions.md"), &md)?;
    sys::write(&compare_dir.join("latest-instructions.md"), &md)?;
    print!("{md}");
    eprintln!(
        "instruction comparison: {} ({measure_secs:.1} s under valgrind)",
        out.join("instructions.json").display()
    );
    Ok(exit_code(&comparison))
}

/// The exit code of an instruction comparison: the same contract as the timing comparison.
pub fn exit_code(c: &InstructionComparison) -> u8 {
    match c.verdict() {
        Verdict::Fail => exit::FAILED,
        Verdict::Inconclusive => exit::INCONCLUSIVE,
        Verdict::Pass | Verdict::Warn => exit::OK,
    }
}

fn side_info(side: &Side) -> SideInfo {
    SideInfo {
        spec: side.spec.clone(),
        commit: side.commit.clone(),
        label: side.label.clone(),
        dirty: false,
        env: side.env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        runs: 1,
        loadavg: sys::loadavg()[0],
    }
}

/// The valgrind command line counting `symbols` of `exe`, dumping into `<work>/callgrind.out.N`.
fn callgrind(exe: &Path, symbols: &[&str], work: &Path) -> Command {
    let mut cmd = Command::new("valgrind");
    cmd.args([
        "--tool=callgrind",
        "--collect-atstart=no",
        "--cache-sim=yes",
        "--quiet",
    ]);
    cmd.args(CACHE_ARGS);
    for s in symbols {
        cmd.arg(format!("--toggle-collect={s}"));
        cmd.arg(format!("--dump-after={s}"));
    }
    cmd.arg(format!(
        "--callgrind-out-file={}",
        work.join("callgrind.out").display()
    ));
    cmd.arg(exe);
    cmd
}

/// A fresh work directory.
fn fresh(dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}

/// Run `cmd`, failing with the tail of its stderr; returns stdout.
fn run_tool(cmd: &mut Command, what: &str) -> Result<String> {
    let output = cmd
        .output()
        .with_context(|| format!("cannot start {}", sys::describe(cmd)))?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = err.lines().rev().take(15).collect();
        for l in tail.iter().rev() {
            eprintln!("  {l}");
        }
        let sigill = err.contains("SIGILL") || err.contains("unhandled instruction");
        bail!(
            "{what} failed under valgrind ({}){}",
            output.status,
            if sigill {
                ": an instruction valgrind cannot execute (SIMD dispatch?); make the bench pick a \
                 path valgrind runs when gauntlet_bench::instruction_mode() is set"
            } else {
                ""
            }
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The counts of callgrind's dumps `<work>/callgrind.out.1`, `.2`, … in order.
fn read_dumps(work: &Path) -> Result<Vec<Counts>> {
    let mut dumps = Vec::new();
    for n in 1.. {
        let path = work.join(format!("callgrind.out.{n}"));
        if !path.exists() {
            break;
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        dumps.push(parse_dump(&text).with_context(|| format!("in {}", path.display()))?);
    }
    Ok(dumps)
}

/// The environment every counted run gets, then the side's own.
fn base_env(cmd: &mut Command, job: &Job) {
    cmd.current_dir(&job.built.dir)
        .env("GAUNTLET_BENCH_INSTRUCTIONS", "1")
        .env("GAUNTLET_SKIP_CRITERION", "1")
        .env("GAUNTLET_BENCH_TIME_MS", "1")
        .env("GAUNTLET_BENCH_OUT", job.work.join("records"))
        .env("GAUNTLET_BENCH_COMMIT", &job.side.commit)
        .env_remove("GAUNTLET_BENCH_QUICK")
        .env_remove("GAUNTLET_BENCH_SLOWDOWN_PCT");
    for (k, v) in &job.side.env {
        cmd.env(k, v);
    }
}

/// Count a gauntlet-bench executable: one process, one dump per bench.
fn measure_native(job: &Job) -> Result<Vec<(String, Measured)>> {
    fresh(&job.work)?;
    let mut cmd = callgrind(job.exe, &[NATIVE_SYMBOL], &job.work);
    cmd.arg("--bench");
    if let Some(f) = job.filter {
        cmd.arg(f);
    }
    base_env(&mut cmd, job);
    let what = format!(
        "bench {} of {} {}",
        job.target.name, job.side.role, job.side.label
    );
    let stdout = run_tool(&mut cmd, &what)?;
    let runs = parse_runs(&stdout)?;
    let dumps = read_dumps(&job.work)?;
    if dumps.len() != runs.len() {
        bail!(
            "{what}: {} bench(es) announced but callgrind dumped {} counts (is it built with \
             gauntlet-bench's instruction mode, and is `{NATIVE_SYMBOL}` kept as a symbol?)",
            runs.len(),
            dumps.len()
        );
    }
    Ok(runs
        .into_iter()
        .zip(dumps)
        .map(|(r, totals)| {
            (
                r.id,
                Measured {
                    iterations: r.iterations,
                    totals,
                    method: format!("{} iterations in one call of {NATIVE_SYMBOL}", r.iterations),
                    path: r.path,
                },
            )
        })
        .collect())
}

/// The `gauntlet-instructions {json}` lines of a bench's stdout, in order.
pub fn parse_runs(stdout: &str) -> Result<Vec<InstructionRun>> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(rec::LINE_PREFIX))
        .map(|j| serde_json::from_str(j).with_context(|| format!("bad instruction line {j:?}")))
        .collect()
}

/// Count a criterion executable: one process per benchmark id, batches differenced.
fn measure_criterion(job: &Job) -> Result<Vec<(String, Measured)>> {
    let mut list = Command::new(job.exe);
    list.current_dir(&job.built.dir)
        .arg("--bench")
        .arg("--list");
    if let Some(f) = job.filter {
        list.arg(f);
    }
    for (k, v) in &job.side.env {
        list.env(k, v);
    }
    let listed = run_tool(
        &mut list,
        &format!("listing criterion bench {}", job.target.name),
    )
    .or_else(|_| sys::output(&mut list).context("listing failed"))?;
    let ids = crate::criterion::parse_list(&listed);
    let mut out = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let work = job.work.join(format!("{i:03}"));
        fresh(&work)?;
        let mut cmd = callgrind(job.exe, &CRITERION_SYMBOLS, &work);
        cmd.args(["--bench", "--profile-time", "1", "--exact", id]);
        base_env(&mut cmd, job);
        cmd.env("CRITERION_HOME", work.join("criterion"));
        let what = format!(
            "criterion bench {id} of {} {}",
            job.side.role, job.side.label
        );
        run_tool(&mut cmd, &what)?;
        let dumps = read_dumps(&work)?;
        let Some((iterations, totals, k)) = difference(&dumps) else {
            eprintln!(
                "note: {what}: criterion ran {} warm-up batch(es) under valgrind, too few to \
                 count one routine (needs 2)",
                dumps.len()
            );
            continue;
        };
        let mut method = format!(
            "criterion --profile-time: batch of {} minus batch of {} iterations",
            1u64 << k,
            1u64 << (k - 1)
        );
        if k < CRITERION_BATCH {
            method.push_str(" (a slow routine: criterion's warm-up ended early)");
        }
        out.push((
            format!("{}/{id}", job.target.package),
            Measured {
                iterations,
                totals,
                method,
                path: None,
            },
        ));
    }
    Ok(out)
}

/// From criterion's warm-up dumps (batch `k` has `2^k` iterations): `(iterations, counts, k)`
/// of batch `k` minus batch `k − 1`, with `k` = [`CRITERION_BATCH`] or the last one reached.
pub fn difference(dumps: &[Counts]) -> Option<(u64, Counts, usize)> {
    if dumps.len() < 2 {
        return None;
    }
    let k = CRITERION_BATCH.min(dumps.len() - 1);
    Some((1u64 << (k - 1), dumps[k].minus(&dumps[k - 1]), k))
}

/// The totals of one callgrind output file: its `events:` line names the columns of its
/// `summary:` (or `totals:`) line; trailing zeros may be left out.
pub fn parse_dump(text: &str) -> Result<Counts> {
    let mut events: Option<Vec<&str>> = None;
    let mut summary: Option<Vec<u64>> = None;
    for line in text.lines() {
        if let Some(e) = line.strip_prefix("events:") {
            events = Some(e.split_whitespace().collect());
        } else if let Some(s) = line
            .strip_prefix("summary:")
            .or_else(|| line.strip_prefix("totals:"))
        {
            if summary.is_none() {
                summary = Some(
                    s.split_whitespace()
                        .map(|v| v.parse().with_context(|| format!("bad count {v:?}")))
                        .collect::<Result<_>>()?,
                );
            }
        }
    }
    let events = events.context("no `events:` line: not a callgrind output file")?;
    let values = summary.context("no `summary:` or `totals:` line")?;
    if values.len() > events.len() {
        bail!("{} counts for {} events", values.len(), events.len());
    }
    let mut c = Counts::default();
    for (name, v) in events
        .iter()
        .zip(values.iter().copied().chain(std::iter::repeat(0)))
    {
        match *name {
            "Ir" => c.ir = v,
            "Dr" => c.dr = v,
            "Dw" => c.dw = v,
            "I1mr" => c.i1mr = v,
            "D1mr" => c.d1mr = v,
            "D1mw" => c.d1mw = v,
            "ILmr" => c.ilmr = v,
            "DLmr" => c.dlmr = v,
            "DLmw" => c.dlmw = v,
            _ => {}
        }
    }
    if !events.contains(&"Ir") {
        bail!("callgrind counted no instructions (events {events:?})");
    }
    Ok(c)
}

/// The percentile verdict per bench id of the latest timing comparison, when it compared the
/// same two commits.
fn timing_verdicts(gauntlet: &Path, c: &InstructionComparison) -> BTreeMap<String, Verdict> {
    let Ok(t) = gauntlet_records::load::<gauntlet_records::compare::Comparison>(
        &gauntlet.join("compare").join("latest.json"),
    ) else {
        return BTreeMap::new();
    };
    if t.base.commit != c.base.commit || t.head.commit != c.head.commit {
        return BTreeMap::new();
    }
    t.benches
        .iter()
        .map(|b| (b.id.clone(), b.verdict.verdict()))
        .collect()
}

fn per_iter(m: &Option<Measured>, f: fn(&Measured) -> f64) -> String {
    m.as_ref()
        .map_or("–".to_owned(), |m| format!("{:.1}", f(m)))
}

fn pct(v: Option<f64>) -> String {
    v.map_or("–".to_owned(), |v| format!("{v:+.2} %"))
}

/// The Markdown table: per bench the instructions and estimated cycles per iteration of both
/// sides, the changes, the instruction verdict and (when the latest timing comparison compared
/// the same commits) the percentile verdict beside it.
pub fn markdown(c: &InstructionComparison, timing: &BTreeMap<String, Verdict>) -> String {
    let mut s = format!(
        "## Instruction counts: {} ({}) → {} ({})\n\n",
        c.base.spec, c.base.label, c.head.spec, c.head.label
    );
    s += &format!(
        "**{}** — instructions per iteration gated at ±{} %; {}; {}.\n\n",
        c.verdict().word().to_uppercase(),
        c.threshold_pct,
        COST_MODEL,
        c.tool
    );
    s += "| bench | path | Ir/iter base | Ir/iter head | Δ Ir | est. cycles/iter base | est. cycles/iter head | Δ cycles | instructions | percentiles |\n";
    s += "|---|---|---:|---:|---:|---:|---:|---:|---|---|\n";
    for b in &c.benches {
        let path = b
            .head
            .as_ref()
            .or(b.base.as_ref())
            .and_then(|m| m.path.clone())
            .unwrap_or_else(|| "–".into());
        s += &format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            b.id,
            path,
            per_iter(&b.base, Measured::ir_per_iteration),
            per_iter(&b.head, Measured::ir_per_iteration),
            pct(b.ir_change_pct),
            per_iter(&b.base, Measured::cycles_per_iteration),
            per_iter(&b.head, Measured::cycles_per_iteration),
            pct(b.cycles_change_pct),
            b.verdict.word(),
            timing.get(&b.id).map_or("–", |v| v.word()),
        );
    }
    s
}

/// The report's section on the latest instruction comparison
/// (`<gauntlet_dir>/compare/latest-instructions.json`), empty when there is none.
pub fn html_section(gauntlet_dir: &Path) -> String {
    let path = gauntlet_dir
        .join("compare")
        .join("latest-instructions.json");
    if !path.exists() {
        return String::new();
    }
    let c = match gauntlet_records::load::<InstructionComparison>(&path) {
        Ok(c) => c,
        Err(e) => {
            return format!(
                "<h2>Instruction counts</h2><p class=fail>{}</p>",
                plot::esc(&e)
            );
        }
    };
    let timing = timing_verdicts(gauntlet_dir, &c);
    let mut s = format!(
        "<h2>Instruction counts</h2><p><b class={v}>{}</b> {} ({}) → {} ({}): instructions per \
         iteration gated at ±{} %; {}.</p><table><tr><th>bench</th><th>path</th>\
         <th>Ir/iter base</th><th>Ir/iter head</th><th>Δ Ir</th><th>est. cycles base</th>\
         <th>est. cycles head</th><th>Δ cycles</th><th>instructions</th><th>percentiles</th></tr>",
        c.verdict().word(),
        plot::esc(&c.base.spec),
        plot::esc(&c.base.label),
        plot::esc(&c.head.spec),
        plot::esc(&c.head.label),
        c.threshold_pct,
        plot::esc(COST_MODEL),
        v = plot::verdict_class(c.verdict()),
    );
    for b in &c.benches {
        let path = b
            .head
            .as_ref()
            .or(b.base.as_ref())
            .and_then(|m| m.path.clone())
            .unwrap_or_else(|| "–".into());
        let (t, tc) = timing
            .get(&b.id)
            .map_or(("–", "na"), |v| (v.word(), plot::verdict_class(*v)));
        s += &format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td class={vc} title=\"{}\">{v}</td><td class={tc}>{t}</td></tr>",
            plot::esc(&b.id),
            plot::esc(&path),
            per_iter(&b.base, Measured::ir_per_iteration),
            per_iter(&b.head, Measured::ir_per_iteration),
            pct(b.ir_change_pct),
            per_iter(&b.base, Measured::cycles_per_iteration),
            per_iter(&b.head, Measured::cycles_per_iteration),
            pct(b.cycles_change_pct),
            plot::esc(&b.note),
            v = b.verdict.word(),
            vc = plot::verdict_class(b.verdict),
        );
    }
    s + "</table>"
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMP: &str = "# callgrind format\nversion: 1\ncmd:  ./fixture --bench\n\
        desc: Trigger: --dump-after=gauntlet_bench::measured\n\
        events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\n\
        fn=(1) gauntlet_bench::measured\n0 5 1\n\
        summary: 48568715 12358204 11792403 2 115900 54002 2\n\
        totals: 1 1 1 1 1 1 1 1 1\n";

    #[test]
    fn a_dump_parses_by_its_event_names_with_trailing_zeros_left_out() {
        let c = parse_dump(DUMP).unwrap();
        assert_eq!(
            c,
            Counts {
                ir: 48568715,
                dr: 12358204,
                dw: 11792403,
                i1mr: 2,
                d1mr: 115900,
                d1mw: 54002,
                ilmr: 2,
                dlmr: 0,
                dlmw: 0,
            }
        );
        // Other column orders are read by name.
        let swapped = parse_dump("events: D1mr Ir\nsummary: 7 100\n").unwrap();
        assert_eq!((swapped.ir, swapped.d1mr), (100, 7));
        assert!(parse_dump("summary: 1\n").is_err());
        assert!(parse_dump("events: Ir\n").is_err());
        assert!(parse_dump("events: Ir\nsummary: 1 2\n").is_err());
        assert!(parse_dump("events: Dr\nsummary: 1\n").is_err());
    }

    #[test]
    fn criterion_batches_are_differenced() {
        // Batch k has 2^k iterations of 10 instructions plus 1000 fixed.
        let dumps: Vec<Counts> = (0..9)
            .map(|k| Counts {
                ir: 1000 + 10 * (1 << k),
                ..Counts::default()
            })
            .collect();
        let (n, c, k) = difference(&dumps).unwrap();
        assert_eq!((n, c.ir, k), (32, 320, CRITERION_BATCH));
        let (n, c, k) = difference(&dumps[..3]).unwrap();
        assert_eq!((n, c.ir, k), (2, 20, 2));
        assert!(difference(&dumps[..1]).is_none());
    }

    #[test]
    fn instruction_lines_are_read_in_order() {
        let out = "gauntlet fixture/x n=1\ngauntlet-instructions {\"id\":\"a/b\",\"iterations\":100,\"path\":\"scalar\"}\nnoise\ngauntlet-instructions {\"id\":\"a/c\",\"iterations\":5,\"path\":null}\n";
        let runs = parse_runs(out).unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(
            (runs[0].id.as_str(), runs[0].path.as_deref()),
            ("a/b", Some("scalar"))
        );
        assert_eq!((runs[1].id.as_str(), runs[1].iterations), ("a/c", 5));
        assert!(parse_runs("gauntlet-instructions {").is_err());
    }

    #[test]
    fn the_table_shows_both_verdicts_and_the_model() {
        let m = |ir| Measured {
            iterations: 10,
            totals: Counts {
                ir,
                ..Counts::default()
            },
            method: "t".into(),
            path: Some("scalar".into()),
        };
        let c = InstructionComparison {
            schema: rec::SCHEMA.into(),
            date: String::new(),
            tool: "valgrind".into(),
            model: COST_MODEL.into(),
            base: SideInfo::default(),
            head: SideInfo::default(),
            threshold_pct: 1.0,
            measure_secs: 1.0,
            benches: vec![
                rec::judge("x/slow", Some(m(1000)), Some(m(1020)), 1.0),
                rec::judge("x/same", Some(m(1000)), Some(m(1000)), 1.0),
            ],
        };
        assert_eq!(exit_code(&c), exit::FAILED);
        let timing = BTreeMap::from([("x/same".to_owned(), Verdict::Pass)]);
        let md = markdown(&c, &timing);
        assert!(
            md.contains("| x/slow | scalar | 100.0 | 102.0 | +2.00 % |"),
            "{md}"
        );
        assert!(md.contains("| fail | – |"), "{md}");
        assert!(md.contains("| +0.00 % | pass | pass |"), "{md}");
        assert!(md.contains(COST_MODEL), "{md}");

        // The report's section reads the same record back.
        let dir = std::env::temp_dir().join(format!("gauntlet-instr-{}", std::process::id()));
        assert_eq!(html_section(&dir), "");
        sys::write(
            &dir.join("compare/latest-instructions.json"),
            serde_json::to_string(&c).unwrap(),
        )
        .unwrap();
        let html = html_section(&dir);
        assert!(html.contains("<h2>Instruction counts</h2>"), "{html}");
        assert!(
            html.contains(
                "<td>x&#x2f;slow</td><td>scalar</td><td>100.0</td><td>102.0</td><td>+2.00 %</td>"
            ),
            "{html}"
        );
        assert!(html.contains("class=fail"), "{html}");
        sys::write(&dir.join("compare/latest-instructions.json"), "{").unwrap();
        assert!(html_section(&dir).contains("class=fail"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
