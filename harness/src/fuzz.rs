//! `cargo harness fuzz`: build every libFuzzer target once, run each time-boxed on its committed
//! corpus, watch coverage live, judge its health, keep every crash as a regression input.
//!
//! The fuzz binaries are run directly (what `cargo fuzz run` execs after building), so the
//! monitor can stop a target gracefully the moment it is certain it is STUCK. Per target:
//! `<fuzz>/corpus/<t>/` seeds (read only), `<out>/corpus/<t>/` the growing work corpus,
//! `<fuzz>/dict/<t>.dict`, `<fuzz>/artifacts/<t>/` what libFuzzer writes,
//! `<fuzz>/regressions/<t>/` one minimised input per bug. Runs are recorded under `<out>/<run>/`.

mod crash;
mod monitor;
mod process;
mod render;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::config::parse_duration;
use crate::libfuzzer::{self, Thresholds};
use crate::project::{self, Project};
use crate::{exit, sys};
use crash::{Binary, Crash};
pub use gauntlet_records::fuzz::{RunSummary, TargetRun};
use monitor::Monitor;
use process::{Fuzzer, Next};

/// Options of `cargo harness fuzz`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Targets to run (default: every `[[bin]]` in fuzz/Cargo.toml).
    pub targets: Vec<String>,
    /// Time per target, e.g. `60s`, `2m`, `1h` (at least 1s) [default: `[fuzz] time` of
    /// gauntlet.toml, else 60s].
    #[arg(long, value_parser = parse_duration)]
    pub time: Option<Duration>,
    /// libFuzzer worker processes per target (`-fork=N`); 1 runs in-process.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub jobs: u32,
    /// Build only; do not run.
    #[arg(long)]
    pub build_only: bool,
    /// Build with AddressSanitizer (default: none, which is 2–3× faster for safe Rust).
    #[arg(long)]
    pub asan: bool,
    /// The cargo-fuzz package to run (default: `[fuzz] dir` of gauntlet.toml, else `fuzz/` at the
    /// root or in a member).
    #[arg(long, value_name = "DIR")]
    pub fuzz_dir: Option<PathBuf>,
    /// Where to record runs and keep work corpora (default: `target/gauntlet/fuzz`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Extra arguments for libFuzzer (after `--`).
    #[arg(last = true)]
    pub libfuzzer_args: Vec<String>,
}

/// Everything a target's run needs to know.
struct Ctx {
    fuzz_dir: PathBuf,
    /// Where the built binaries are.
    bin_dir: PathBuf,
    /// `<out>`: work corpora.
    out: PathBuf,
    /// `<out>/<run>`: this run's records and logs.
    run_dir: PathBuf,
    th: Thresholds,
    time: Duration,
    jobs: u32,
    asan: bool,
    libfuzzer_args: Vec<String>,
}

/// The host triple cargo-fuzz builds for, from the nightly compiler.
fn host_triple() -> String {
    sys::output(Command::new("rustc").args(["+nightly", "-vV"]))
        .and_then(|v| {
            v.lines()
                .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        })
        .unwrap_or_else(|| "x86_64-unknown-linux-gnu".to_owned())
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// `cargo +nightly fuzz <verb> --fuzz-dir … [--sanitizer none] --debug-assertions`.
fn cargo_fuzz(verb: &str, fuzz_dir: &Path, asan: bool) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(fuzz_dir).args(["+nightly", "fuzz", verb]);
    cmd.arg("--fuzz-dir").arg(fuzz_dir);
    if !asan {
        cmd.args(["--sanitizer", "none"]);
    }
    // Debug assertions on: overflow checks are part of what fuzzing finds.
    cmd.arg("--debug-assertions");
    cmd
}

/// Run `cargo harness fuzz`.
pub fn run(args: Args, project: &Project) -> Result<u8> {
    let root = project.root.clone();
    let fuzz_dir = match &args.fuzz_dir {
        Some(d) => absolute(d),
        None => project.fuzz_dir().ok_or_else(|| {
            exit::usage(format!(
                "{} has no cargo-fuzz package (looked for fuzz/ at the root and in every member): \
                 create one with `cargo fuzz init`, or name it with --fuzz-dir or [fuzz] dir in gauntlet.toml",
                root.display()
            ))
        })?,
    };
    let all = project::fuzz_targets(&fuzz_dir).map_err(|e| exit::usage(format!("{e:#}")))?;
    if all.is_empty() {
        return Err(exit::usage(format!(
            "{} declares no [[bin]] targets: add one with `cargo fuzz add NAME`",
            fuzz_dir.join("Cargo.toml").display()
        )));
    }
    for t in &args.targets {
        if !all.contains(t) {
            return Err(exit::usage(format!(
                "no fuzz target {t:?}; targets are: {}",
                all.join(", ")
            )));
        }
    }
    let time = args
        .time
        .or(project.config.fuzz.time)
        .unwrap_or(Duration::from_secs(60));
    if time < Duration::from_secs(1) {
        return Err(exit::usage(
            "--time must be at least 1s (libFuzzer counts whole seconds), e.g. --time 30s",
        ));
    }
    let targets = if args.targets.is_empty() {
        all
    } else {
        args.targets.clone()
    };
    let th = project.config.fuzz.monitor.clone();
    sys::ensure_cargo_tool("fuzz", "cargo-fuzz")?;
    let target_dir = project.target_dir.join("fuzz");
    let triple = host_triple();
    eprintln!(
        "building {} fuzz target(s) of {} with nightly (cached in {})",
        targets.len(),
        fuzz_dir.display(),
        target_dir.display()
    );
    let mut build = cargo_fuzz("build", &fuzz_dir, args.asan);
    build.arg("--target-dir").arg(&target_dir);
    build.arg("--target").arg(&triple);
    if targets.len() == 1 {
        build.arg(&targets[0]);
    }
    sys::run_checked(&mut build)?;
    if args.build_only {
        return Ok(0);
    }
    let out = absolute(
        &args
            .out
            .clone()
            .unwrap_or_else(|| project.gauntlet_dir().join("fuzz")),
    );
    let (stable, nightly) = sys::toolchains();
    let commit = sys::commit_stamp(&root);
    let id = format!("{}-{commit}-{}", sys::unix_now(), std::process::id());
    let ctx = Ctx {
        bin_dir: target_dir.join(&triple).join("release"),
        run_dir: out.join(&id),
        out: out.clone(),
        fuzz_dir: fuzz_dir.clone(),
        th,
        time,
        jobs: args.jobs,
        asan: args.asan,
        libfuzzer_args: args.libfuzzer_args.clone(),
    };
    let mut summary = RunSummary {
        id,
        commit,
        toolchain: (stable, nightly),
        cpu: gauntlet_records::bench::cpu_model(),
        date: gauntlet_records::bench::rfc3339_now(),
        fuzz_dir: fuzz_dir.display().to_string(),
        exit_status: 0,
        targets: vec![],
    };
    for t in &targets {
        let mut r = run_target(&ctx, t)?;
        collect_crashes(&ctx, &mut r)?;
        if r.crashed() {
            r.verdicts.retain(|v| v.status != "HEALTHY");
        }
        render::print_result(&ctx.fuzz_dir, &ctx.run_dir, &r);
        sys::write(
            &ctx.run_dir.join(format!("{t}.log")),
            std::mem::take(&mut r.log),
        )?;
        sys::write(
            &ctx.run_dir.join(format!("{t}.json")),
            serde_json::to_vec_pretty(&r)?,
        )?;
        summary.targets.push(r);
    }
    summary.exit_status = exit_status(&summary.targets);
    let json = serde_json::to_vec_pretty(&summary)?;
    sys::write(&ctx.run_dir.join("run.json"), &json)?;
    sys::write(&out.join("latest.json"), &json)?;
    render::print_summary(&ctx.run_dir, &summary);
    Ok(summary.exit_status)
}

/// 1 if any target crashed (a crash outranks a stuck target), 2 if any is stuck, else 0.
pub fn exit_status(runs: &[TargetRun]) -> u8 {
    if runs.iter().any(TargetRun::crashed) {
        exit::FAILED
    } else if runs.iter().any(TargetRun::stuck) {
        exit::POLICY
    } else {
        exit::OK
    }
}

/// The libFuzzer command line of one target's run.
fn fuzzer_command(ctx: &Ctx, target: &str) -> Result<(Command, String)> {
    let bin = ctx.bin_dir.join(target);
    if !bin.is_file() {
        bail!("{} was not built (looked for {})", target, bin.display());
    }
    let work = ctx.out.join("corpus").join(target);
    let artifacts = ctx.fuzz_dir.join("artifacts").join(target);
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    std::fs::create_dir_all(&artifacts)
        .with_context(|| format!("cannot create {}", artifacts.display()))?;
    std::fs::create_dir_all(&ctx.run_dir)?;
    let mut lf_args: Vec<String> = vec![work.display().to_string()];
    // New inputs go to the work corpus (the first directory); the committed seeds are only read.
    let seeds = ctx.fuzz_dir.join("corpus").join(target);
    if seeds.is_dir() {
        lf_args.push(seeds.display().to_string());
    }
    lf_args.push(format!("-max_total_time={}", ctx.time.as_secs()));
    lf_args.push(format!("-timeout={}", ctx.th.unit_timeout_secs));
    lf_args.push("-print_final_stats=1".into());
    lf_args.push(format!("-artifact_prefix={}/", artifacts.display()));
    let dict = ctx.fuzz_dir.join("dict").join(format!("{target}.dict"));
    if dict.is_file() {
        lf_args.push(format!("-dict={}", dict.display()));
    }
    if ctx.jobs > 1 {
        lf_args.push(format!("-fork={}", ctx.jobs));
    }
    lf_args.extend(ctx.libfuzzer_args.iter().cloned());
    let mut cmd = Command::new(&bin);
    cmd.current_dir(&ctx.run_dir).args(&lf_args);
    // What a user types to run the same thing by hand.
    let mut by_hand = cargo_fuzz("run", &ctx.fuzz_dir, ctx.asan);
    by_hand.arg(target);
    by_hand.args(lf_args.iter().take_while(|a| !a.starts_with('-')));
    by_hand.arg("--");
    by_hand.args(lf_args.iter().skip_while(|a| !a.starts_with('-')));
    Ok((cmd, sys::describe(&by_hand)))
}

/// Run one target time-boxed, watching it; stop it early once it is certainly STUCK, or when it
/// overruns its time.
fn run_target(ctx: &Ctx, target: &str) -> Result<TargetRun> {
    let (cmd, by_hand) = fuzzer_command(ctx, target)?;
    let mut mon = Monitor::new(TargetRun::new(target, ctx.time.as_secs_f64()));
    mon.run.command = by_hand;
    let mut fuzzer = Fuzzer::spawn(cmd)?;
    let tty = std::io::stderr().is_terminal();
    let grace = Duration::from_secs(5);
    // libFuzzer's own -max_total_time ends the run; this only catches a fuzzer that ignores it.
    let overrun = ctx.time + Duration::from_secs(ctx.th.unit_timeout_secs + 30);
    let mut last_print: Option<Duration> = None;
    mon.run.cpus = std::thread::available_parallelism()
        .ok()
        .map(|n| n.get() as u32);
    loop {
        let next = fuzzer.next(Duration::from_millis(250));
        let now = fuzzer.start.elapsed();
        let t_ms = now.as_millis() as u64;
        // The load average, so that a slowdown of the whole machine is not blamed on the target.
        if mon.run.load.last().is_none_or(|&(t, _)| t_ms >= t + 5000) {
            let load = sys::loadavg()[0];
            if load > 0.0 {
                mon.run.load.push((t_ms, load));
            }
        }
        match next {
            Next::Line(line) => {
                mon.run.log.push_str(&line);
                mon.run.log.push('\n');
                let inited = mon
                    .feed(&line, t_ms)
                    .is_some_and(|e| e.kind == libfuzzer::Kind::Inited);
                if inited && !tty {
                    render::progress(&mon.run, now, ctx.time, false);
                    last_print = Some(now);
                }
            }
            Next::Quiet => {}
            Next::Closed => break,
        }
        if !fuzzer.stopping() {
            if let Some(v) = libfuzzer::stuck(&mon.run.events, t_ms, &ctx.th) {
                mon.run.stopped_early = Some(format!("STUCK after {:.1} s", now.as_secs_f64()));
                if tty {
                    eprintln!();
                }
                eprintln!(
                    "{target:<32} STUCK at {:.1} s: stopping it ({})",
                    now.as_secs_f64(),
                    v.why
                );
                fuzzer.request_stop();
            } else if now > overrun {
                mon.run.stopped_early = Some(format!(
                    "ran past its time ({} s) and was stopped",
                    now.as_secs()
                ));
                fuzzer.request_stop();
            }
        }
        fuzzer.enforce_stop(grace);
        if fuzzer.given_up(grace) {
            break;
        }
        let every = if tty {
            Duration::from_millis(250)
        } else {
            Duration::from_secs(10)
        };
        let due = last_print.is_none_or(|p| now >= p + every);
        if due && !fuzzer.stopping() && !mon.run.events.is_empty() {
            render::progress(&mon.run, now, ctx.time, tty);
            last_print = Some(now);
        }
    }
    if tty {
        eprintln!();
    }
    let elapsed = fuzzer.start.elapsed();
    let status = fuzzer.wait()?;
    let mut run = mon.run;
    run.exit_code = status.code();
    run.elapsed_s = elapsed.as_secs_f64();
    Ok(finish(run, &ctx.th))
}

/// Fill in what follows from the whole log: elapsed time, coverage percentage, verdicts.
fn finish(mut run: TargetRun, th: &Thresholds) -> TargetRun {
    if let (Some(pcs), Some(last)) = (run.pc_table, run.events.last()) {
        if pcs > 0 {
            run.cov_percent = Some(last.cov as f64 * 100.0 / pcs as f64);
        }
    }
    let machine = run.cpus.map(|cpus| libfuzzer::Machine {
        load: &run.load,
        cpus,
    });
    run.verdicts = libfuzzer::judge(
        &run.events,
        (run.elapsed_s * 1000.0) as u64,
        run.oracle,
        machine,
        th,
    );
    run
}

/// Reproduce, name, deduplicate, minimise and keep every failing input of a run.
fn collect_crashes(ctx: &Ctx, r: &mut TargetRun) -> Result<()> {
    let bin = ctx.bin_dir.join(&r.target);
    let binary = Binary {
        path: &bin,
        cwd: &ctx.run_dir,
        unit_timeout_secs: ctx.th.unit_timeout_secs,
    };
    let keep_dir = ctx.fuzz_dir.join("regressions").join(&r.target);
    for artifact in r.artifacts.clone() {
        let Some(kind) = crash::failure_kind(&artifact) else {
            continue;
        };
        let path = ctx.run_dir.join(&artifact);
        let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
        // Hangs and OOMs are not re-run: that would cost the whole time limit again.
        let failure = if kind == "crash" {
            binary.reproduce(&path)?
        } else {
            None
        };
        let reproduced = failure.is_some();
        let failure = failure.unwrap_or_else(|| {
            // Fall back to what the fuzzing run itself printed.
            crash::parse_failure(r.panic.as_deref().map_or("", |p| p))
        });
        let signature = crash::signature(kind, &failure);
        let mut c = Crash {
            kind: kind.to_owned(),
            artifact: path.display().to_string(),
            signature: signature.clone(),
            location: failure.location.clone(),
            message: failure.message.clone(),
            frames: failure.frames.clone(),
            reproduced,
            bytes,
            minimized_bytes: None,
            kept_as: None,
            duplicate_of: None,
        };
        if let Some(dup) = crash::find_duplicate(&keep_dir, kind, &signature) {
            c.duplicate_of = Some(dup.display().to_string());
            r.crashes.push(c);
            continue;
        }
        let mut keep = path.clone();
        if reproduced && ctx.th.tmin_secs > 0 {
            let min = ctx
                .fuzz_dir
                .join("artifacts")
                .join(&r.target)
                .join(format!("minimized-{}", crash::kept_name(kind, &signature)));
            eprintln!(
                "{:<32} minimising {} ({bytes} bytes, up to {} s)",
                r.target,
                path.display(),
                ctx.th.tmin_secs
            );
            if binary.minimize(&path, &min, ctx.th.tmin_secs)? {
                // Keep the smaller input only if it still fails the same way.
                let same = binary
                    .reproduce(&min)?
                    .is_some_and(|f| crash::signature(kind, &f) == signature);
                if same {
                    c.minimized_bytes = std::fs::metadata(&min).ok().map(|m| m.len());
                    keep = min;
                }
            }
        }
        let dst = keep_dir.join(crash::kept_name(kind, &signature));
        std::fs::create_dir_all(&keep_dir)
            .with_context(|| format!("cannot create {}", keep_dir.display()))?;
        std::fs::copy(&keep, &dst)
            .with_context(|| format!("cannot copy {} to {}", keep.display(), dst.display()))?;
        c.kept_as = Some(dst.display().to_string());
        r.crashes.push(c);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gauntlet_records::{Finding, Verdict};

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("5y").is_err());
    }

    #[test]
    fn discovers_the_fixture_targets() {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
        assert_eq!(
            project::fuzz_targets(&fixture).unwrap(),
            ["fixture_crash", "fixture_healthy", "fixture_stuck"]
        );
        let e = project::fuzz_targets(Path::new("/nonexistent")).unwrap_err();
        assert!(format!("{e:#}").contains("cargo-fuzz package"), "{e:#}");
    }

    fn run_with(exit_code: Option<i32>, stopped: bool, fails: bool, crashes: usize) -> TargetRun {
        let mut r = TargetRun::new("t", 1.0);
        r.exit_code = exit_code;
        r.stopped_early = stopped.then(|| "STUCK".to_owned());
        r.verdicts = vec![Finding {
            status: if fails { "STUCK" } else { "HEALTHY" }.into(),
            verdict: if fails { Verdict::Fail } else { Verdict::Pass },
            why: String::new(),
        }];
        r.crashes = (0..crashes)
            .map(|_| Crash {
                kind: "crash".into(),
                artifact: "a".into(),
                signature: "0".repeat(16),
                location: None,
                message: None,
                frames: vec![],
                reproduced: true,
                bytes: 1,
                minimized_bytes: None,
                kept_as: None,
                duplicate_of: None,
            })
            .collect();
        r
    }

    #[test]
    fn exit_statuses() {
        let healthy = run_with(Some(0), false, false, 0);
        let stuck = run_with(Some(0), true, true, 0);
        // Killed after a stop request: not a crash.
        let stuck_killed = run_with(None, true, true, 0);
        let crashed = run_with(Some(77), false, false, 1);
        let broke = run_with(Some(1), false, false, 0);
        assert_eq!(exit_status(std::slice::from_ref(&healthy)), 0);
        assert_eq!(exit_status(&[healthy.clone(), stuck.clone()]), 2);
        assert_eq!(exit_status(&[stuck_killed]), 2);
        assert_eq!(exit_status(&[stuck, crashed]), 1);
        assert_eq!(exit_status(&[healthy, broke]), 1);
    }

    #[test]
    fn a_stuck_log_replayed_is_judged_stuck() {
        // The real stderr of `fixture_stuck` (abridged), with the times the monitor read it.
        let lines = [
            (
                0,
                "INFO: Loaded 1 PC tables (154 PCs): 154 [0x560ce3a61e28,0x560ce3a627c8),",
            ),
            (5, "#3\tINITED cov: 8 ft: 9 corp: 1/5b exec/s: 0 rss: 27Mb"),
            (
                2_000,
                "#524288\tpulse  cov: 8 ft: 9 corp: 1/1b lim: 4096 exec/s: 262144 rss: 27Mb",
            ),
            (
                4_000,
                "#1048576\tpulse  cov: 8 ft: 9 corp: 1/1b lim: 4096 exec/s: 262144 rss: 27Mb",
            ),
            (
                8_000,
                "#2097152\tpulse  cov: 8 ft: 9 corp: 1/1b lim: 4096 exec/s: 262144 rss: 27Mb",
            ),
            (
                10_100,
                "#2600000\tDONE   cov: 8 ft: 9 corp: 1/1b lim: 4096 exec/s: 257633 rss: 27Mb",
            ),
        ];
        let mut m = Monitor::new(TargetRun::new("fixture_stuck", 30.0));
        for (t, l) in lines {
            m.feed(l, t);
        }
        let mut run = m.run;
        run.elapsed_s = 10.1;
        let run = finish(run, &Thresholds::default());
        assert_eq!(run.verdicts[0].status, "STUCK");
        assert_eq!(run.cov_percent.map(|p| p.round()), Some(5.0));
    }
}
