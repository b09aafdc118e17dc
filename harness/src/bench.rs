//! `cargo harness bench`: run the percentile benches and list what they recorded.
//!
//! One `cargo bench` builds and runs every selected bench file; each writes one
//! [`BenchRecord`] per bench into `target/gauntlet/bench/`. The table lists only the records of
//! this invocation (records of benches not run this time stay in place for the report).
//! Deciding whether something got slower is `cargo harness compare`'s job: one process run on a
//! shared machine is an anecdote.

mod render;

use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use gauntlet_records::bench::BenchRecord;

use std::path::Path;

use crate::project::{BenchTarget, Project, select_benches};
use crate::{exit, sys};
pub use render::{COLUMNS, bmf, row_cells, table};

/// Options of `cargo harness bench`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only bench files whose name contains this (e.g. `retry_counter`).
    #[arg(long)]
    pub bench: Option<String>,
    /// Only benches whose `crate/name` contains this.
    pub filter: Option<String>,
    /// Record for 100 ms per bench and skip criterion (smoke runs).
    #[arg(long)]
    pub quick: bool,
    /// Skip criterion's own measurement; record percentiles only.
    #[arg(long)]
    pub no_criterion: bool,
    /// Recording time per bench in milliseconds (default 2000, or 100 with --quick).
    #[arg(long)]
    pub time_ms: Option<u64>,
    /// What to print: a Markdown table, or Bencher Metric Format JSON (`bmf`) for
    /// `bencher run --adapter json`; the records are written under target/gauntlet/bench/ either way.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// `time` (percentiles) or `instructions`: every selected bench once under valgrind's
    /// callgrind, instructions and estimated cycles per iteration of its routine, written to
    /// target/gauntlet/instructions/latest.json (see `compare --measure instructions`).
    #[arg(long, value_enum, default_value_t = Measure::Time)]
    pub measure: Measure,
}

/// What `cargo gauntlet bench` measures.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// Wall time per op, as percentiles.
    Time,
    /// Instructions (and estimated cycles) per iteration under callgrind.
    Instructions,
}

/// The output format of `cargo gauntlet bench`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A Markdown table of percentiles.
    Table,
    /// Bencher Metric Format JSON.
    Bmf,
}

/// Run `cargo gauntlet bench`.
pub fn run(args: Args, project: &Project) -> Result<u8> {
    let all = project.benches();
    let selected = select_benches(&all, args.bench.as_deref())?;
    if args.time_ms == Some(0) {
        return Err(exit::usage(
            "--time-ms 0 records nothing; give a positive number of milliseconds",
        ));
    }
    if args.measure == Measure::Instructions {
        return run_instructions(project, &selected, &args);
    }
    warn_if_loaded();
    let out = project.gauntlet_dir().join("bench");
    let started = SystemTime::now();
    let (native, foreign): (Vec<&BenchTarget>, Vec<&BenchTarget>) =
        selected.iter().partition(|b| b.native);
    if !foreign.is_empty() {
        run_criterion(project, &foreign, &args, &out)?;
    }
    if !native.is_empty() {
        run_native(project, &native, &args, &out)?;
    }
    let mut records: Vec<BenchRecord> = sys::files_in(&out)
        .iter()
        .filter(|p| {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= started)
        })
        .filter_map(|p| BenchRecord::load(p).ok())
        .collect();
    if records.is_empty() {
        bail!(
            "no bench recorded anything{}; bench ids look like `crate/name`",
            args.filter
                .as_ref()
                .map_or(String::new(), |f| format!(" for filter {f:?}"))
        );
    }
    records.sort_by(|a, b| a.id.cmp(&b.id));
    match args.format {
        Format::Table => print!("{}", table(&records)),
        Format::Bmf => println!("{}", serde_json::to_string_pretty(&bmf(&records))?),
    }
    eprintln!(
        "{} bench records: {}  (compare commits with `cargo harness compare BASE HEAD`)",
        records.len(),
        out.display()
    );
    Ok(0)
}

/// `bench --measure instructions`: build the selected benches, count each under callgrind, write
/// `instructions/latest.json` and print a table.
fn run_instructions(project: &Project, selected: &[&BenchTarget], args: &Args) -> Result<u8> {
    use gauntlet_records::instructions::{COST_MODEL, COUNTS_SCHEMA, InstructionCounts};
    let valgrind = sys::ensure_valgrind()?;
    let mut cmd = project.cargo("bench");
    cmd.args(["--no-run", "--message-format=json-render-diagnostics"])
        .stdout(std::process::Stdio::piped());
    for b in selected {
        cmd.args(["--package", &b.package, "--bench", &b.name]);
    }
    let output = cmd
        .output()
        .with_context(|| format!("cannot start {}", sys::describe(&cmd)))?;
    if !output.status.success() {
        bail!("`{}` failed ({})", sys::describe(&cmd), output.status);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let commit = sys::commit_stamp(&project.root);
    let dir = project.gauntlet_dir().join("instructions");
    let mut benches = Vec::new();
    for b in selected {
        let Some(exe) = stdout.lines().find_map(|l| bench_executable(l, &b.name)) else {
            bail!("cargo built no executable for bench {}", b.name);
        };
        let job = crate::callgrind::Job {
            exe: &exe,
            dir: &project.root,
            native: b.native,
            package: &b.package,
            what: format!("bench {}", b.name),
            commit: &commit,
            env: &[],
            filter: args.filter.as_deref(),
            work: dir.join("callgrind").join(&b.name),
        };
        benches.extend(crate::callgrind::measure(&job)?);
    }
    if benches.is_empty() {
        bail!("no bench was counted");
    }
    let counts = InstructionCounts {
        schema: COUNTS_SCHEMA.to_owned(),
        date: gauntlet_records::bench::rfc3339_now(),
        commit,
        tool: crate::callgrind::tool(&valgrind),
        model: COST_MODEL.to_owned(),
        benches,
    };
    sys::write(
        &dir.join("latest.json"),
        serde_json::to_string_pretty(&counts)?,
    )?;
    print!("{}", instruction_table(&counts));
    eprintln!("instruction counts: {}", dir.join("latest.json").display());
    Ok(exit::OK)
}

/// The executable of bench `name` in one line of cargo's JSON messages.
fn bench_executable(line: &str, name: &str) -> Option<std::path::PathBuf> {
    use cargo_metadata::{Message, TargetKind};
    let Ok(Message::CompilerArtifact(a)) = serde_json::from_str::<Message>(line) else {
        return None;
    };
    (a.target.kind.contains(&TargetKind::Bench) && a.target.name == name)
        .then(|| a.executable.map(|e| e.into_std_path_buf()))
        .flatten()
}

/// The Markdown table of one checkout's instruction counts.
fn instruction_table(c: &gauntlet_records::instructions::InstructionCounts) -> String {
    let mut s = format!(
        "Instruction counts of {} ({}; {})\n\n",
        c.commit, c.model, c.tool
    );
    s += "| bench | path | Ir/iter | est. cycles/iter | L1 misses/iter | LL misses/iter | counted |\n";
    s += "|---|---|---:|---:|---:|---:|---|\n";
    for (id, m) in &c.benches {
        let n = m.iterations.max(1) as f64;
        s += &format!(
            "| {id} | {} | {:.1} | {:.1} | {:.2} | {:.2} | {} |\n",
            m.path.as_deref().unwrap_or("–"),
            m.ir_per_iteration(),
            m.cycles_per_iteration(),
            m.totals.l1_misses() as f64 / n,
            m.totals.ll_misses() as f64 / n,
            m.method
        );
    }
    s
}

/// `gauntlet-bench` benches: one `cargo bench` that writes the records itself.
fn run_native(project: &Project, benches: &[&BenchTarget], args: &Args, out: &Path) -> Result<()> {
    let mut cmd = project.cargo("bench");
    cmd.env("GAUNTLET_BENCH_OUT", out);
    for b in benches {
        cmd.args(["--package", &b.package, "--bench", &b.name]);
    }
    if args.quick {
        cmd.env("GAUNTLET_BENCH_QUICK", "1");
    }
    if args.no_criterion {
        cmd.env("GAUNTLET_SKIP_CRITERION", "1");
    }
    if let Some(ms) = args.time_ms {
        cmd.env("GAUNTLET_BENCH_TIME_MS", ms.to_string());
    }
    if let Some(f) = &args.filter {
        cmd.args(["--", f]);
    }
    sys::run_checked(&mut cmd)
}

/// Ordinary criterion benches: run through cargo-criterion's JSON messages, one record per
/// benchmark function (`<package>/<criterion id>`).
fn run_criterion(
    project: &Project,
    benches: &[&BenchTarget],
    args: &Args,
    out: &Path,
) -> Result<()> {
    crate::criterion::ensure_cargo_criterion()?;
    let time_ms = args.time_ms.unwrap_or(if args.quick { 100 } else { 1000 });
    for b in benches {
        let target = crate::criterion::BenchTarget {
            dir: project.root.clone(),
            package: Some(b.package.clone()),
            bench: b.name.clone(),
            target_dir: Some(project.target_dir.clone()),
        };
        let ids = crate::criterion::list(&target, args.filter.as_deref())?;
        if ids.is_empty() {
            eprintln!(
                "note: no function of criterion bench {} matches {:?}",
                b.name,
                args.filter.as_deref().unwrap_or("")
            );
            continue;
        }
        eprintln!(
            "bench {}: {} function(s), {time_ms} ms each",
            b.name,
            ids.len()
        );
        let format =
            crate::criterion::SecondsFormat::of(crate::project::criterion_version(&target.dir)?);
        let run = crate::criterion::run(
            &target,
            args.filter.as_deref(),
            &crate::criterion::Timing::for_run(time_ms),
            format,
            &[],
        )?;
        eprintln!("bench {}: {:.1} s", b.name, run.wall.as_secs_f64());
        let meta = gauntlet_records::bench::Meta {
            commit: sys::commit_stamp(&project.root),
            dirty: false,
            rustc: String::new(),
            cpu: gauntlet_records::bench::cpu_model(),
            date: gauntlet_records::bench::rfc3339_now(),
            loadavg: sys::loadavg(),
        };
        for s in run.samples.iter().filter(|s| !s.is_empty()) {
            let r = crate::criterion::to_record(&b.package, s, meta.clone())?;
            let json = serde_json::to_string_pretty(&r)?;
            sys::write(&out.join(gauntlet_records::bench::file_name(&r.id)), json)?;
        }
    }
    Ok(())
}

/// A bench on a busy machine measures the machine: say so before spending the time.
fn warn_if_loaded() {
    let load = crate::sys::loadavg()[0];
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    if load > cpus as f64 * 0.75 {
        eprintln!(
            "warning: load average {load:.1} on {cpus} CPUs: absolute percentiles will be noisy; \
             `cargo harness compare` interleaves process runs to judge changes despite that"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bt(package: &str, name: &str) -> BenchTarget {
        BenchTarget {
            package: package.into(),
            name: name.into(),
            native: false,
            by_default: name != "calibration",
        }
    }

    #[test]
    fn bmf_gives_latency_and_throughput_per_bench() {
        let r = BenchRecord {
            schema: gauntlet_records::bench::SCHEMA.into(),
            id: "parse/short".into(),
            krate: "parse".into(),
            name: "short".into(),
            unit: "ns".into(),
            percentiles_ns: gauntlet_records::bench::Percentiles {
                p50: 120.0,
                p90: 130.0,
                p99: 180.0,
                p999: 300.0,
                max: 900.0,
                min: 110.0,
            },
            mean_ns: 125.0,
            stdev_ns: 9.0,
            samples: 1000,
            batch: 16,
            timer_overhead_ns: 20.0,
            allocs_per_op: 0.0,
            bytes_per_op: 0.0,
            throughput_bytes: Some(64),
            mb_per_s_p50: Some(533.3),
            anchor: false,
            vs_anchor: None,
            histogram_v2_base64: String::new(),
            meta: Default::default(),
        };
        let v = bmf(std::slice::from_ref(&r));
        let l = &v["parse/short"]["latency"];
        assert_eq!(l["value"].as_f64(), Some(r.percentiles_ns.p50));
        assert_eq!(l["lower_value"].as_f64(), Some(r.percentiles_ns.min));
        assert_eq!(l["upper_value"].as_f64(), Some(r.percentiles_ns.p99));
        assert_eq!(
            v["parse/short"]["throughput"]["value"].as_f64(),
            r.mb_per_s_p50
        );
    }

    #[test]
    fn benches_are_selected_by_name_and_unknown_ones_are_usage_errors() {
        let all = [
            bt("p", "parse"),
            bt("p", "parse_long"),
            bt("q", "sort"),
            bt("q", "calibration"),
        ];
        let names = |s: Vec<&BenchTarget>| s.iter().map(|b| b.name.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(select_benches(&all, Some("parse")).unwrap()),
            ["parse", "parse_long"]
        );
        assert_eq!(
            names(select_benches(&all, None).unwrap()),
            ["parse", "parse_long", "sort"],
            "a bench = false target runs only when named"
        );
        assert_eq!(
            names(select_benches(&all, Some("calib")).unwrap()),
            ["calibration"]
        );
        let e = select_benches(&all, Some("nope")).unwrap_err();
        assert_eq!(exit::code_of(&e), exit::USAGE);
        assert!(
            e.to_string()
                .contains("parse, parse_long, sort, calibration"),
            "{e}"
        );
        assert_eq!(
            exit::code_of(&select_benches(&[], None).unwrap_err()),
            exit::USAGE
        );
    }
}
