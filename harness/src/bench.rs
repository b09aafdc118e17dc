//! `cargo harness bench`: run the percentile benches and list what they recorded.
//!
//! One `cargo bench` builds and runs every selected bench file; each writes one
//! [`BenchRecord`] per bench into `target/gauntlet/bench/`. The table lists only the records of
//! this invocation (records of benches not run this time stay in place for the report).
//! Deciding whether something got slower is `cargo harness compare`'s job: one process run on a
//! shared machine is an anecdote.

use std::time::SystemTime;

use anyhow::{Result, bail};
use gauntlet_records::bench::{BenchRecord, fmt_ns};

use crate::project::{BenchTarget, Project};
use crate::{exit, sys};

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
}

/// The bench targets `--bench` selects (all when it is not given).
pub fn select<'a>(all: &'a [BenchTarget], bench: Option<&str>) -> Result<Vec<&'a BenchTarget>> {
    if all.is_empty() {
        return Err(exit::usage(
            "this project declares no benches: add a criterion bench under benches/ \
             (`[[bench]] harness = false`)",
        ));
    }
    let selected: Vec<&BenchTarget> = all
        .iter()
        .filter(|b| bench.is_none_or(|f| b.name.contains(f)))
        .collect();
    if selected.is_empty() {
        let names: Vec<&str> = all.iter().map(|b| b.name.as_str()).collect();
        return Err(exit::usage(format!(
            "no bench target matches --bench {:?}; bench targets are: {}",
            bench.unwrap_or(""),
            names.join(", ")
        )));
    }
    Ok(selected)
}

/// Run `cargo gauntlet bench`.
pub fn run(args: Args, project: &Project) -> Result<u8> {
    let all = project.benches();
    let selected = select(&all, args.bench.as_deref())?;
    if args.time_ms == Some(0) {
        return Err(exit::usage(
            "--time-ms 0 records nothing; give a positive number of milliseconds",
        ));
    }
    warn_if_loaded();
    let out = project.gauntlet_dir().join("bench");
    let started = SystemTime::now();
    let mut cmd = project.cargo("bench");
    cmd.env("GAUNTLET_BENCH_OUT", &out);
    for b in &selected {
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
    sys::run_checked(&mut cmd)?;
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
    print!("{}", table(&records));
    eprintln!(
        "{} bench records: {}  (compare commits with `cargo harness compare BASE HEAD`)",
        records.len(),
        out.display()
    );
    Ok(0)
}

/// The Markdown table of `records`.
pub fn table(records: &[BenchRecord]) -> String {
    let mut s = format!(
        "| {} |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
        COLUMNS.join(" | ")
    );
    for r in records {
        s.push_str(&format!("| {} |\n", row_cells(r).join(" | ")));
    }
    s
}

/// Column titles of a bench row, shared by the Markdown table and the HTML report.
pub const COLUMNS: [&str; 10] = [
    "bench",
    "p50",
    "p90",
    "p99",
    "p99.9",
    "max",
    "mean",
    "allocs/op",
    "MB/s",
    "vs anchor (p50)",
];

/// The cells of one bench row (unescaped), in [`COLUMNS`] order.
pub fn row_cells(r: &BenchRecord) -> Vec<String> {
    let p = &r.percentiles_ns;
    vec![
        format!("{}{}", r.id, if r.anchor { " (anchor)" } else { "" }),
        fmt_ns(p.p50),
        fmt_ns(p.p90),
        fmt_ns(p.p99),
        fmt_ns(p.p999),
        fmt_ns(p.max),
        fmt_ns(r.mean_ns),
        format!("{:.2}", r.allocs_per_op),
        r.mb_per_s_p50.map_or("–".into(), |m| format!("{m:.1}")),
        r.vs_anchor.as_ref().map_or("–".into(), |v| {
            format!("×{:.2} vs {}", v.p50_speedup, v.anchor)
        }),
    ]
}

/// A bench on a busy machine measures the machine: say so before spending the time.
fn warn_if_loaded() {
    let load: f64 = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
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
        }
    }

    #[test]
    fn benches_are_selected_by_name_and_unknown_ones_are_usage_errors() {
        let all = [bt("p", "parse"), bt("p", "parse_long"), bt("q", "sort")];
        let names = |s: Vec<&BenchTarget>| s.iter().map(|b| b.name.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(select(&all, Some("parse")).unwrap()),
            ["parse", "parse_long"]
        );
        assert_eq!(select(&all, None).unwrap().len(), 3);
        let e = select(&all, Some("nope")).unwrap_err();
        assert_eq!(exit::code_of(&e), exit::USAGE);
        assert!(e.to_string().contains("parse, parse_long, sort"), "{e}");
        assert_eq!(exit::code_of(&select(&[], None).unwrap_err()), exit::USAGE);
    }
}
