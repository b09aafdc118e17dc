//! `cargo harness fuzz`: build every libFuzzer target once, run each time-boxed on its committed
//! corpus, watch coverage live, judge its health, collect crashes.

use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::libfuzzer::{self, Event, Thresholds, Verdict};
use crate::sys;

/// Options of `cargo harness fuzz`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Targets to run (default: every `[[bin]]` in fuzz/Cargo.toml).
    pub targets: Vec<String>,
    /// Time per target, e.g. `60s`, `2m`, `500ms`.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub time: Duration,
    /// libFuzzer worker processes per target (`-fork=N`); 1 runs in-process.
    #[arg(long, default_value_t = 1)]
    pub jobs: u32,
    /// Build only; do not run.
    #[arg(long)]
    pub build_only: bool,
    /// Build with AddressSanitizer (default: none, which is 2–3× faster for safe Rust).
    #[arg(long)]
    pub asan: bool,
    /// Extra arguments for libFuzzer (after `--`).
    #[arg(last = true)]
    pub libfuzzer_args: Vec<String>,
}

/// `60s`, `2m`, `500ms`, or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit())
        .map_or((s, "s"), |i| s.split_at(i));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("bad duration {s:?}: use e.g. 60s, 2m or 500ms"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "h" => Ok(Duration::from_secs(n * 3600)),
        _ => Err(format!("bad duration unit in {s:?}: use ms, s, m or h")),
    }
}

/// One target's run, as written to `target/gauntlet/fuzz/<run>/<target>.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetRun {
    /// Fuzz target name.
    pub target: String,
    /// Seconds asked for.
    pub time_s: f64,
    /// Seconds it ran.
    pub elapsed_s: f64,
    /// Size of the PC table (`Loaded N PC tables`), the denominator of the coverage percentage.
    pub pc_table: Option<u64>,
    /// Final `cov` as a percentage of the PC table.
    pub cov_percent: Option<f64>,
    /// Every status line, timestamped.
    pub events: Vec<Event>,
    /// Health verdicts.
    pub verdicts: Vec<Verdict>,
    /// Crash or mismatch inputs written by libFuzzer.
    pub artifacts: Vec<String>,
    /// The first panic message, if the target panicked.
    pub panic: Option<String>,
    /// libFuzzer's exit code.
    pub exit_code: Option<i32>,
    /// Inputs that reached the differential oracle and inputs rejected before it, if the target
    /// reports them (`ORACLE compared=… rejected=…` lines).
    pub oracle: Option<(u64, u64)>,
}

/// The whole run: `target/gauntlet/fuzz/<run>/run.json` and `target/gauntlet/fuzz/latest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSummary {
    /// `<unix time>-<commit>`.
    pub id: String,
    /// Commit (with `-dirty`).
    pub commit: String,
    /// Stable and nightly rustc versions.
    pub toolchain: (String, String),
    /// CPU model.
    pub cpu: String,
    /// RFC 3339 start time.
    pub date: String,
    /// Per-target results.
    pub targets: Vec<TargetRun>,
}

/// `[[bin]]` names declared in `fuzz/Cargo.toml`.
pub fn discover_targets(fuzz_dir: &Path) -> Result<Vec<String>> {
    let path = fuzz_dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let doc: toml::Table = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", path.display()))?;
    let bins = doc
        .get("bin")
        .and_then(|b| b.as_array())
        .cloned()
        .unwrap_or_default();
    Ok(bins
        .iter()
        .filter_map(|b| b.get("name")?.as_str().map(str::to_owned))
        .collect())
}

fn load_thresholds(fuzz_dir: &Path) -> Result<Thresholds> {
    let path = fuzz_dir.join("monitor.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).with_context(|| format!("{} is invalid", path.display())),
        Err(_) => Ok(Thresholds::default()),
    }
}

/// `cargo +nightly fuzz`; the verb and [`common_flags`] follow.
fn cargo_fuzz(root: &Path) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(root).args(["+nightly", "fuzz"]);
    cmd
}

fn common_flags(cmd: &mut Command, root: &Path, target_dir: &Path, asan: bool) {
    cmd.arg("--fuzz-dir").arg(root.join("fuzz"));
    cmd.arg("--target-dir").arg(target_dir);
    if !asan {
        cmd.args(["--sanitizer", "none"]);
    }
    // Debug assertions on: overflow checks are part of what fuzzing finds.
    cmd.arg("--debug-assertions");
}

/// Run `cargo harness fuzz`.
pub fn run(args: Args) -> Result<u8> {
    let root = sys::workspace_root();
    let fuzz_dir = root.join("fuzz");
    let all = discover_targets(&fuzz_dir)?;
    if all.is_empty() {
        bail!("fuzz/Cargo.toml declares no [[bin]] targets");
    }
    for t in &args.targets {
        if !all.contains(t) {
            bail!("no fuzz target {t:?}; targets are: {}", all.join(", "));
        }
    }
    let targets = if args.targets.is_empty() {
        all
    } else {
        args.targets.clone()
    };
    if !sys::has_cargo_subcommand("fuzz") {
        bail!(
            "cargo-fuzz is not installed: run scripts/install-tools (or cargo install cargo-fuzz --locked)"
        );
    }
    let th = load_thresholds(&fuzz_dir)?;
    let target_dir = sys::target_dir(&root).join("fuzz");
    eprintln!(
        "building {} fuzz targets with nightly (cached in {})",
        targets.len(),
        target_dir.display()
    );
    let mut build = cargo_fuzz(&root);
    build.arg("build");
    common_flags(&mut build, &root, &target_dir, args.asan);
    if targets.len() == 1 {
        build.arg(&targets[0]);
    }
    sys::run_checked(&mut build)?;
    if args.build_only {
        return Ok(0);
    }
    let (stable, nightly) = sys::toolchains();
    let commit = sys::commit_stamp(&root);
    let id = format!("{}-{commit}", sys::unix_now());
    let out_dir = sys::gauntlet_dir(&root).join("fuzz").join(&id);
    let mut summary = RunSummary {
        id: id.clone(),
        commit,
        toolchain: (stable, nightly),
        cpu: gauntlet_bench::cpu_model(),
        date: gauntlet_bench::rfc3339_now(),
        targets: vec![],
    };
    for t in &targets {
        let r = run_target(&root, &target_dir, t, &args, &th)?;
        print_result(&r);
        sys::write(
            &out_dir.join(format!("{t}.json")),
            serde_json::to_vec_pretty(&r)?,
        )?;
        summary.targets.push(r);
    }
    let json = serde_json::to_vec_pretty(&summary)?;
    sys::write(&out_dir.join("run.json"), &json)?;
    sys::write(
        &sys::gauntlet_dir(&root).join("fuzz").join("latest.json"),
        &json,
    )?;
    let crashed: Vec<&TargetRun> = summary.targets.iter().filter(|r| is_crash(r)).collect();
    let stuck: Vec<&TargetRun> = summary
        .targets
        .iter()
        .filter(|r| r.verdicts.iter().any(|v| v.fails))
        .collect();
    eprintln!("fuzz results: {}", out_dir.display());
    for r in &crashed {
        report_crash(&root, r)?;
    }
    Ok(if !crashed.is_empty() {
        1
    } else if !stuck.is_empty() {
        2
    } else {
        0
    })
}

fn is_crash(r: &TargetRun) -> bool {
    r.exit_code != Some(0) || !r.artifacts.is_empty()
}

fn run_target(
    root: &Path,
    target_dir: &Path,
    target: &str,
    args: &Args,
    th: &Thresholds,
) -> Result<TargetRun> {
    let g = sys::gauntlet_dir(root).join("fuzz");
    let work = g.join("corpus").join(target);
    let artifacts = g.join("artifacts").join(target);
    std::fs::create_dir_all(&work)?;
    std::fs::create_dir_all(&artifacts)?;
    let seeds = root.join("fuzz").join("corpus").join(target);
    std::fs::create_dir_all(&seeds)?;
    let mut cmd = cargo_fuzz(root);
    cmd.arg("run");
    common_flags(&mut cmd, root, target_dir, args.asan);
    // New inputs go to the work corpus (first directory); the committed seeds are only read.
    cmd.arg(target).arg(&work).arg(&seeds).arg("--");
    cmd.arg(format!("-max_total_time={}", args.time.as_secs().max(1)));
    cmd.arg("-print_final_stats=1").arg("-print_pcs=0");
    cmd.arg(format!("-artifact_prefix={}/", artifacts.display()));
    let dict = root
        .join("fuzz")
        .join("dict")
        .join(format!("{target}.dict"));
    if dict.is_file() {
        cmd.arg(format!("-dict={}", dict.display()));
    }
    if args.jobs > 1 {
        cmd.arg(format!("-fork={}", args.jobs));
    }
    cmd.args(&args.libfuzzer_args);
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {}", sys::describe(&cmd)))?;
    let stderr = child.stderr.take().context("no stderr pipe")?;
    let log_path = g.join("logs").join(format!("{target}.log"));
    std::fs::create_dir_all(log_path.parent().unwrap_or(Path::new(".")))?;
    let mut log = std::fs::File::create(&log_path)?;
    let mut run = TargetRun {
        target: target.to_owned(),
        time_s: args.time.as_secs_f64(),
        elapsed_s: 0.0,
        pc_table: None,
        cov_percent: None,
        events: vec![],
        verdicts: vec![],
        artifacts: vec![],
        panic: None,
        exit_code: None,
        oracle: None,
    };
    let tty = std::io::stderr().is_terminal();
    let mut last_print = Instant::now();
    let mut reader = BufReader::new(stderr);
    let mut buf = Vec::new();
    let mut in_panic = false;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end();
        let _ = writeln!(log, "{line}");
        let t_ms = start.elapsed().as_millis() as u64;
        if let Some(ev) = libfuzzer::parse_status(line, t_ms) {
            if tty
                || last_print.elapsed() >= Duration::from_secs(10)
                || ev.kind == libfuzzer::Kind::Inited
            {
                progress(target, &ev, args.time, run.pc_table, tty);
                last_print = Instant::now();
            }
            run.events.push(ev);
        } else if let Some(n) = libfuzzer::parse_pc_table(line) {
            run.pc_table = Some(run.pc_table.unwrap_or(0) + n);
        } else if let Some(a) = libfuzzer::parse_artifact(line) {
            run.artifacts.push(a.to_owned());
        } else if let Some(rest) = line.strip_prefix("ORACLE ") {
            run.oracle = parse_oracle(rest);
        } else if line.contains(" panicked at ") && run.panic.is_none() {
            run.panic = Some(line.to_owned());
            in_panic = true;
        } else if in_panic {
            if let Some(p) = run.panic.as_mut() {
                p.push_str(" | ");
                p.push_str(line);
            }
            in_panic = false;
        }
    }
    if tty {
        eprintln!();
    }
    let status = child.wait()?;
    run.exit_code = status.code();
    run.elapsed_s = start.elapsed().as_secs_f64();
    if let (Some(pcs), Some(last)) = (run.pc_table, run.events.last()) {
        if pcs > 0 {
            run.cov_percent = Some(last.cov as f64 * 100.0 / pcs as f64);
        }
    }
    run.verdicts = libfuzzer::judge(&run.events, th);
    Ok(run)
}

fn parse_oracle(rest: &str) -> Option<(u64, u64)> {
    let mut compared = None;
    let mut rejected = None;
    for kv in rest.split_whitespace() {
        match kv.split_once('=') {
            Some(("compared", v)) => compared = v.parse().ok(),
            Some(("rejected", v)) => rejected = v.parse().ok(),
            _ => {}
        }
    }
    Some((compared?, rejected?))
}

fn progress(target: &str, ev: &Event, total: Duration, pcs: Option<u64>, tty: bool) {
    let elapsed = Duration::from_millis(ev.t_ms);
    let left = total.saturating_sub(elapsed).as_secs();
    let frac = (elapsed.as_secs_f64() / total.as_secs_f64().max(0.001)).min(1.0);
    let width = 20;
    let filled = (frac * width as f64) as usize;
    let bar: String = "#".repeat(filled) + &"-".repeat(width - filled);
    let pct = pcs
        .map(|p| format!(" ({:.1}%)", ev.cov as f64 * 100.0 / p.max(1) as f64))
        .unwrap_or_default();
    let line = format!(
        "{target:<32} [{bar}] {left:>4}s left  cov {}{pct} ft {}  {} exec/s  rss {} MB",
        ev.cov, ev.ft, ev.exec_s, ev.rss_mb
    );
    if tty {
        eprint!("\r{line}\x1b[K");
    } else {
        eprintln!("{line}");
    }
}

fn print_result(r: &TargetRun) {
    let last = r.events.last();
    let cov = last.map_or(0, |e| e.cov);
    let pct = r
        .cov_percent
        .map(|p| format!(" ({p:.1}% of {} PCs)", r.pc_table.unwrap_or(0)))
        .unwrap_or_default();
    let execs = last.map_or(0, |e| e.execs);
    let rate = if r.elapsed_s > 0.0 {
        execs as f64 / r.elapsed_s
    } else {
        0.0
    };
    eprintln!(
        "{:<32} {:>10} execs {:>9.0}/s  cov {cov}{pct}  ft {}",
        r.target,
        execs,
        rate,
        last.map_or(0, |e| e.ft)
    );
    if let Some((c, rej)) = r.oracle {
        eprintln!("    oracle: {c} inputs compared, {rej} rejected before the comparison");
    }
    for v in &r.verdicts {
        eprintln!("    {}: {}", v.status, v.why);
    }
    if is_crash(r) {
        eprintln!(
            "    CRASH (exit {:?}): {}",
            r.exit_code,
            r.panic.as_deref().unwrap_or("see the log")
        );
    }
}

/// Print how to reproduce and minimise each crash, and keep the input as a regression test.
fn report_crash(root: &Path, r: &TargetRun) -> Result<()> {
    let reg_dir = root.join("fuzz").join("regressions").join(&r.target);
    for a in &r.artifacts {
        let src = PathBuf::from(a);
        let name = src
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dst = reg_dir.join(&name);
        if src.is_file() && !dst.exists() {
            std::fs::create_dir_all(&reg_dir)?;
            std::fs::copy(&src, &dst)?;
        }
        eprintln!(
            "crash in {}: {}",
            r.target,
            r.panic.as_deref().unwrap_or("(no panic message)")
        );
        eprintln!(
            "  reproduce: cargo +nightly fuzz run {} {}",
            r.target,
            src.display()
        );
        eprintln!(
            "  minimise:  cargo +nightly fuzz tmin {} {}",
            r.target,
            src.display()
        );
        eprintln!(
            "  kept as:   {} (replayed by cargo test --workspace --all-features)",
            dst.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn discovers_the_workspace_targets() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
        let t = discover_targets(&root).unwrap();
        assert!(
            t.contains(&"retry_counter_differential".to_owned()),
            "{t:?}"
        );
    }

    #[test]
    fn oracle_lines() {
        assert_eq!(parse_oracle("compared=10 rejected=3"), Some((10, 3)));
        assert_eq!(parse_oracle("compared=10"), None);
    }
}
