//! Ordinary criterion benches (criterion 0.3.4 to 0.5), measured without touching their code.
//!
//! A bench is run through `cargo criterion --message-format=json`, and its per-sample
//! measurements are read from the `benchmark-complete` messages: criterion's *documented*
//! machine-readable output ("External Tools" in the criterion book). Criterion's files under
//! `target/criterion/` are private ("may change at any time without warning", same book,
//! "CSV Output"), its HTML is for people, and `--output-format bencher` gives one mean per bench,
//! not samples. cargo-criterion is installed on demand, like cargo-fuzz.
//!
//! The run is bounded from the command line, which `criterion_group!` applies over the bench's
//! own configuration: `--warm-up-time`, `--measurement-time` and `--sample-size` (criterion 0.3
//! takes whole seconds, 0.4 and later fractions, hence [`SecondsFormat`]). Settings a bench makes
//! on a *group* (`group.measurement_time(..)`) still win; [`Samples::len`] then differs from the
//! sample size asked for, which [`Run::overridden`] reports.
//!
//! Self-contained (no `crate::` paths) so that `tests/criterion_fixture.rs` can include it.

use std::io::Read;
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use gauntlet_records::bench::{BenchRecord, Meta, Percentiles, SCHEMA};
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer, V2Serializer};

/// The cargo-criterion release installed on demand.
pub const CARGO_CRITERION_VERSION: &str = "1.1.0";

/// One criterion bench target of a project.
#[derive(Debug, Clone)]
pub struct BenchTarget {
    /// Where cargo runs: the project's (or its workspace's) root.
    pub dir: PathBuf,
    /// `-p`: the package, when the workspace has several.
    pub package: Option<String>,
    /// `--bench`: the bench target's name (`benches/<name>.rs`).
    pub bench: String,
    /// `CARGO_TARGET_DIR` for the build, when not the project's own.
    pub target_dir: Option<PathBuf>,
}

/// How long criterion measures each benchmark function in one process run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// `--warm-up-time`.
    pub warm_up: Duration,
    /// `--measurement-time`: criterion picks iteration counts to fill about this long.
    pub measurement: Duration,
    /// `--sample-size` (criterion's minimum is 10).
    pub sample_size: u32,
    /// `--nresamples` for cargo-criterion's own bootstrap, which gauntlet does not use.
    pub nresamples: u32,
    /// Wall-clock limit of one process run (build check included): past it the run is killed
    /// and fails. A safety net for benches whose groups set their own, longer, times.
    pub limit: Option<Duration>,
}

impl Default for Timing {
    /// About half a second per benchmark function with criterion 0.4+ (two with 0.3, which
    /// rounds both times up to whole seconds); more for a function slower than about 50 µs, of
    /// which criterion times at least one iteration per sample.
    ///
    /// Criterion's sample `k` (of `n`) runs `k·d` iterations, `d` chosen to fill the
    /// measurement time, so with 100 samples the shortest last about 60 µs: short enough that a
    /// busy machine's scheduler rarely lands in them, and the lower half of the distribution
    /// stays stable where 20 samples of several milliseconds each would measure the load.
    fn default() -> Self {
        Timing {
            warm_up: Duration::from_millis(100),
            measurement: Duration::from_millis(300),
            sample_size: 100,
            nresamples: 1000,
            limit: None,
        }
    }
}

impl Timing {
    /// One process run of `cargo gauntlet bench` or `compare`: `time_ms` of measurement per
    /// function after a fifth of it of warm-up; a run that takes far longer (a bench whose groups
    /// set their own times) is stopped after ten minutes.
    pub fn for_run(time_ms: u64) -> Timing {
        Timing {
            warm_up: Duration::from_millis((time_ms / 5).max(20)),
            measurement: Duration::from_millis(time_ms),
            limit: Some(Duration::from_secs(600)),
            ..Timing::default()
        }
    }
}

/// How a criterion version reads durations on its command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondsFormat {
    /// criterion 0.3: an integer number of seconds, at least 1.
    Whole,
    /// criterion 0.4 and later: a decimal number of seconds.
    Fractional,
}

impl SecondsFormat {
    /// The format of criterion `version` (`major.minor.patch`).
    pub fn of(version: (u64, u64, u64)) -> SecondsFormat {
        if version < (0, 4, 0) {
            SecondsFormat::Whole
        } else {
            SecondsFormat::Fractional
        }
    }

    /// `d` as this format writes it.
    pub fn write(self, d: Duration) -> String {
        match self {
            SecondsFormat::Whole => {
                let whole = d.as_secs() + u64::from(d.subsec_nanos() > 0);
                whole.max(1).to_string()
            }
            SecondsFormat::Fractional => format!("{:.3}", d.as_secs_f64().max(0.001)),
        }
    }
}

/// One benchmark function's samples from one process run.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    /// Criterion's id, e.g. `parse/short` (`group/function[/parameter]`).
    pub id: String,
    /// Iterations in each sample.
    pub iteration_counts: Vec<u64>,
    /// Each sample's total, in [`unit`](Self::unit).
    pub measured_values: Vec<f64>,
    /// `ns` for wall time (criterion's default measurement).
    pub unit: String,
    /// Bytes per iteration, when the bench declares `Throughput::Bytes`.
    pub throughput_bytes: Option<u64>,
}

impl Samples {
    /// Per-iteration value of each sample: `measured_value / iteration_count`.
    pub fn per_iteration(&self) -> Vec<f64> {
        self.measured_values
            .iter()
            .zip(&self.iteration_counts)
            .map(|(v, &n)| v / n as f64)
            .collect()
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.measured_values.len()
    }

    /// Whether there are no samples (never, for parsed messages).
    pub fn is_empty(&self) -> bool {
        self.measured_values.is_empty()
    }
}

/// The result of one process run of a bench target.
#[derive(Debug, Clone)]
pub struct Run {
    /// One entry per benchmark function, in the order criterion ran them.
    pub samples: Vec<Samples>,
    /// Wall time of the whole `cargo criterion` call (a no-op build included).
    pub wall: Duration,
    /// Ids whose sample count differs from the one asked for: the bench sets its own group
    /// configuration, so the time bound may not hold for them.
    pub overridden: Vec<String>,
}

/// Percentiles and moments of one benchmark function's per-iteration times.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Nearest-rank percentiles over the samples, plus min and max.
    pub percentiles: Percentiles,
    /// Mean of the samples' per-iteration times.
    pub mean: f64,
    /// Population standard deviation of the same.
    pub stdev: f64,
    /// Number of samples.
    pub samples: u64,
}

/// Make sure `cargo criterion` exists, installing [`CARGO_CRITERION_VERSION`] if it does not.
pub fn ensure_cargo_criterion() -> Result<()> {
    let works = |cmd: &mut Command| cmd.output().is_ok_and(|o| o.status.success());
    if works(Command::new("cargo").args(["criterion", "--version"])) {
        return Ok(());
    }
    eprintln!(
        "cargo-criterion is not installed; installing {CARGO_CRITERION_VERSION} once \
         (it reads criterion benches' measurements)"
    );
    let status = Command::new("cargo")
        .args(["install", "cargo-criterion", "--locked", "--version"])
        .arg(CARGO_CRITERION_VERSION)
        .status()
        .context("cannot run cargo install")?;
    if !status.success() {
        bail!(
            "`cargo install cargo-criterion --locked --version {CARGO_CRITERION_VERSION}` failed \
             ({status}); install it by hand and retry"
        );
    }
    Ok(())
}

/// The arguments after `--`: criterion's filter and time bounds.
pub fn bench_args(filter: Option<&str>, timing: &Timing, format: SecondsFormat) -> Vec<String> {
    let mut args = Vec::new();
    if let Some(f) = filter {
        args.push(f.to_owned());
    }
    args.extend([
        "--warm-up-time".to_owned(),
        format.write(timing.warm_up),
        "--measurement-time".to_owned(),
        format.write(timing.measurement),
        "--sample-size".to_owned(),
        timing.sample_size.max(10).to_string(),
        "--nresamples".to_owned(),
        timing.nresamples.max(1).to_string(),
    ]);
    args
}

fn check_filter(filter: Option<&str>) -> Result<()> {
    if let Some(f) = filter.filter(|f| f.starts_with('-')) {
        bail!("bench filter {f:?} looks like an option; give part of a benchmark id");
    }
    Ok(())
}

/// `cargo criterion` for `target` (build options only).
fn cargo_criterion(target: &BenchTarget) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(&target.dir).arg("criterion");
    if let Some(p) = &target.package {
        cmd.args(["--package", p]);
    }
    cmd.args(["--bench", &target.bench]);
    if let Some(t) = &target.target_dir {
        cmd.env("CARGO_TARGET_DIR", t);
    }
    cmd
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Run `cmd` to completion within `limit`; its stdout, or an error with the tail of its stderr.
///
/// The command gets a process group of its own, so that on timeout cargo, cargo-criterion and
/// the bench all go (a Ctrl-C to the harness then leaves the bench to finish on its own).
fn stdout_of(cmd: &mut Command, what: &str, limit: Option<Duration>) -> Result<String> {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {}", describe(cmd)))?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().context("cannot wait for cargo")? {
            break status;
        }
        if let Some(limit) = limit.filter(|&l| started.elapsed() >= l) {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{what} ran longer than {:.1} s and was stopped: `{}`; if its groups set their own \
                 measurement time or sample size, select fewer functions with a filter or allow \
                 more time",
                limit.as_secs_f64(),
                describe(cmd)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (out, err) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    if !status.success() {
        let lines: Vec<&str> = err.lines().collect();
        let tail = lines[lines.len().saturating_sub(15)..].join("\n  ");
        bail!("{what} failed ({status}): `{}`\n  {tail}", describe(cmd));
    }
    Ok(out)
}

/// One process run of `target` (built first if needed): criterion's samples per benchmark
/// function whose id matches `filter` (criterion's filter, a regular expression), with `env`
/// set for the bench. Call [`ensure_cargo_criterion`] first.
pub fn run(
    target: &BenchTarget,
    filter: Option<&str>,
    timing: &Timing,
    format: SecondsFormat,
    env: &[(String, String)],
) -> Result<Run> {
    check_filter(filter)?;
    let mut cmd = cargo_criterion(target);
    cmd.args([
        "--message-format=json",
        "--plotting-backend",
        "disabled",
        "--",
    ])
    .args(bench_args(filter, timing, format));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let stdout = stdout_of(
        &mut cmd,
        &format!("criterion bench {}", target.bench),
        timing.limit,
    )?;
    let wall = started.elapsed();
    let samples = parse_messages(&stdout)?;
    let wanted = timing.sample_size.max(10) as usize;
    let overridden = samples
        .iter()
        .filter(|s| s.len() != wanted)
        .map(|s| s.id.clone())
        .collect();
    Ok(Run {
        samples,
        wall,
        overridden,
    })
}

/// The ids of the benchmark functions of `target` that `filter` selects (criterion's `--list`).
pub fn list(target: &BenchTarget, filter: Option<&str>) -> Result<Vec<String>> {
    check_filter(filter)?;
    let mut cmd = cargo_criterion(target);
    cmd.arg("--");
    if let Some(f) = filter {
        cmd.arg(f);
    }
    cmd.arg("--list");
    let stdout = stdout_of(
        &mut cmd,
        &format!("listing criterion bench {}", target.bench),
        None,
    )?;
    Ok(parse_list(&stdout))
}

/// The ids in criterion's `--list` output: `<id>: benchmark` (0.5) or `<id>: bench` (0.3, 0.4).
pub fn parse_list(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim_end();
            l.strip_suffix(": benchmark")
                .or_else(|| l.strip_suffix(": bench"))
        })
        .map(str::to_owned)
        .collect()
}

/// The `benchmark-complete` messages in cargo-criterion's JSON output (other lines are
/// skipped: other message kinds, and anything a bench prints).
pub fn parse_messages(text: &str) -> Result<Vec<Samples>> {
    let mut all = Vec::new();
    for line in text.lines().filter(|l| l.starts_with('{')) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["reason"] != "benchmark-complete" {
            continue;
        }
        all.push(parse_benchmark_complete(&v).with_context(|| {
            let id = v["id"].as_str().unwrap_or("?");
            format!("cargo-criterion's message for {id} is not in the documented format")
        })?);
    }
    Ok(all)
}

fn parse_benchmark_complete(v: &serde_json::Value) -> Result<Samples> {
    let id = v["id"].as_str().context("no id")?.to_owned();
    let iteration_counts: Vec<u64> = v["iteration_count"]
        .as_array()
        .context("no iteration_count")?
        .iter()
        .map(|n| n.as_u64().filter(|&n| n > 0))
        .collect::<Option<_>>()
        .context("an iteration count is not a positive integer")?;
    let measured_values: Vec<f64> = v["measured_values"]
        .as_array()
        .context("no measured_values")?
        .iter()
        .map(serde_json::Value::as_f64)
        .collect::<Option<_>>()
        .context("a measured value is not a number")?;
    if iteration_counts.len() != measured_values.len() || measured_values.is_empty() {
        bail!(
            "{} iteration counts for {} measured values",
            iteration_counts.len(),
            measured_values.len()
        );
    }
    let unit = v["unit"].as_str().context("no unit")?.to_owned();
    let throughput_bytes = v["throughput"].as_array().and_then(|t| {
        t.iter()
            .find(|t| t["unit"] == "bytes")
            .and_then(|t| t["per_iteration"].as_u64())
    });
    Ok(Samples {
        id,
        iteration_counts,
        measured_values,
        unit,
        throughput_bytes,
    })
}

/// Percentiles (nearest rank), min, max, mean and standard deviation of `values`, each sample
/// counted once whatever its iteration count. `None` when there are none.
pub fn summarize(values: &[f64]) -> Option<Summary> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let at = |q: f64| sorted[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
    let mean = sorted.iter().sum::<f64>() / n as f64;
    let var = sorted.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
    Some(Summary {
        percentiles: Percentiles {
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            p999: at(0.999),
            max: sorted[n - 1],
            min: sorted[0],
        },
        mean,
        stdev: var.sqrt(),
        samples: n as u64,
    })
}

/// `samples` as a gauntlet [`BenchRecord`] of package `krate`: id `krate/<criterion id>`,
/// histogram of the per-iteration times. Criterion measures neither allocations nor a timer
/// overhead, so those fields are 0; `batch` is the mean iteration count per sample.
pub fn to_record(krate: &str, samples: &Samples, meta: Meta) -> Result<BenchRecord> {
    let per_iter = samples.per_iteration();
    let s = summarize(&per_iter).context("no samples")?;
    let mut hist = Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000_000, 3)
        .context("histogram bounds")?;
    for v in &per_iter {
        // Picoseconds, like the records gauntlet-bench writes.
        hist.saturating_record(((v * 1000.0).round() as u64).max(1));
    }
    let mut buf = Vec::new();
    V2Serializer::new()
        .serialize(&hist, &mut buf)
        .map_err(|e| anyhow::anyhow!("cannot serialise the histogram: {e:?}"))?;
    let iterations: u64 = samples.iteration_counts.iter().sum();
    Ok(BenchRecord {
        schema: SCHEMA.to_owned(),
        id: format!("{krate}/{}", samples.id),
        krate: krate.to_owned(),
        name: samples.id.clone(),
        unit: samples.unit.clone(),
        mb_per_s_p50: samples
            .throughput_bytes
            .map(|b| b as f64 / s.percentiles.p50 * 1000.0),
        percentiles_ns: s.percentiles,
        mean_ns: s.mean,
        stdev_ns: s.stdev,
        samples: s.samples,
        batch: iterations.div_ceil(s.samples),
        timer_overhead_ns: 0.0,
        allocs_per_op: 0.0,
        bytes_per_op: 0.0,
        throughput_bytes: samples.throughput_bytes,
        anchor: false,
        vs_anchor: None,
        histogram_v2_base64: base64::engine::general_purpose::STANDARD.encode(&buf),
        meta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured from `cargo criterion --message-format=json` on the fixture project's bench
    /// (criterion 0.5.1, cargo-criterion 1.1.0), with one non-message line added.
    const MESSAGES: &str = include_str!("../tests/fixtures/criterion/messages-0.5.jsonl");
    /// Captured from `cargo criterion --bench parse -- --list` on the same bench.
    const LIST: &str = include_str!("../tests/fixtures/criterion/list-0.5.txt");
    /// The same two on a criterion 0.3.6 bench; see `tests/fixtures/criterion/README.md`.
    const MESSAGES_0_3: &str = include_str!("../tests/fixtures/criterion/messages-0.3.jsonl");
    const LIST_0_3: &str = include_str!("../tests/fixtures/criterion/list-0.3.txt");

    #[test]
    fn reads_benchmark_complete_messages() {
        let all = parse_messages(MESSAGES).unwrap();
        let ids: Vec<&str> = all.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["parse/short", "parse/long", "format"]);
        for s in &all {
            assert_eq!(s.len(), 10, "{}", s.id);
            assert_eq!(s.unit, "ns");
        }
        let short = &all[0];
        assert_eq!(short.iteration_counts[0], 1594);
        assert_eq!(short.measured_values[0], 630718.0);
        assert_eq!(short.per_iteration()[0], 630718.0 / 1594.0);
        assert_eq!(short.throughput_bytes, Some(87));
        assert_eq!(all[2].throughput_bytes, None);
    }

    #[test]
    fn reads_criterion_0_3_the_same_way() {
        let all = parse_messages(MESSAGES_0_3).unwrap();
        let ids: Vec<&str> = all.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["sum/small", "big"]);
        assert!(all.iter().all(|s| s.len() == 10 && s.unit == "ns"));
        assert_eq!(parse_list(LIST_0_3), ["sum/small", "big"]);
    }

    #[test]
    fn malformed_messages_are_errors_and_other_lines_are_skipped() {
        assert!(
            parse_messages("Benchmarking x\n{\"reason\":\"group-complete\"}\n{oops")
                .unwrap()
                .is_empty()
        );
        let short = r#"{"reason":"benchmark-complete","id":"x","iteration_count":[1,2],"measured_values":[5.0],"unit":"ns"}"#;
        let e = parse_messages(short).unwrap_err();
        assert!(
            format!("{e:#}").contains("2 iteration counts for 1"),
            "{e:#}"
        );
        let zero = r#"{"reason":"benchmark-complete","id":"x","iteration_count":[0],"measured_values":[5.0],"unit":"ns"}"#;
        assert!(parse_messages(zero).is_err());
    }

    #[test]
    fn lists_ids_of_every_criterion_version() {
        assert_eq!(parse_list(LIST), ["parse/short", "parse/long", "format"]);
        // criterion 0.3 and 0.4 say `bench`; an id may contain ": ".
        assert_eq!(
            parse_list("a/b: bench\n\nWarning: x\nc: d/e: bench\n"),
            ["a/b", "c: d/e"]
        );
    }

    #[test]
    fn durations_are_written_as_the_version_reads_them() {
        let f = SecondsFormat::of((0, 3, 6));
        assert_eq!(f, SecondsFormat::Whole);
        assert_eq!(f.write(Duration::from_millis(300)), "1");
        assert_eq!(f.write(Duration::from_millis(2001)), "3");
        let f = SecondsFormat::of((0, 4, 0));
        assert_eq!(f, SecondsFormat::Fractional);
        assert_eq!(f.write(Duration::from_millis(300)), "0.300");
        assert_eq!(SecondsFormat::of((0, 5, 1)), SecondsFormat::Fractional);
        let args = bench_args(
            Some("parse/"),
            &Timing::default(),
            SecondsFormat::Fractional,
        );
        assert_eq!(
            args.join(" "),
            "parse/ --warm-up-time 0.100 --measurement-time 0.300 --sample-size 100 --nresamples 1000"
        );
        assert!(check_filter(Some("--list")).is_err());
    }

    #[test]
    fn summary_uses_nearest_rank() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        let s = summarize(&v).unwrap();
        let p = &s.percentiles;
        assert_eq!((p.p50, p.p90, p.p99, p.p999), (10.0, 18.0, 20.0, 20.0));
        assert_eq!((p.min, p.max, s.samples), (1.0, 20.0, 20));
        assert_eq!(s.mean, 10.5);
        assert!((s.stdev - 5.766_281).abs() < 1e-6, "{}", s.stdev);
        assert_eq!(summarize(&[3.0]).unwrap().percentiles.p50, 3.0);
        assert!(summarize(&[]).is_none());
    }

    #[test]
    fn records_round_trip_through_gauntlet_bench() {
        let all = parse_messages(MESSAGES).unwrap();
        let rec = to_record("fixture-project", &all[0], Meta::default()).unwrap();
        assert_eq!(rec.id, "fixture-project/parse/short");
        assert_eq!(
            (rec.krate.as_str(), rec.name.as_str()),
            ("fixture-project", "parse/short")
        );
        assert_eq!(rec.samples, 10);
        let per_iter = all[0].per_iteration();
        let expected = summarize(&per_iter).unwrap();
        assert_eq!(rec.percentiles_ns, expected.percentiles);
        let h = rec.histogram().unwrap();
        assert_eq!(h.len(), 10);
        let p50_ps = h.value_at_quantile(0.5) as f64;
        assert!((p50_ps / 1000.0 / rec.percentiles_ns.p50 - 1.0).abs() < 0.01);
        assert!(rec.mb_per_s_p50.is_some());
        let text = serde_json::to_string(&rec).unwrap();
        assert_eq!(serde_json::from_str::<BenchRecord>(&text).unwrap(), rec);
    }
}
