//! `cargo harness bench`: run the percentile benches and list what they recorded.
//!
//! One `cargo bench` builds and runs every selected bench file; each writes one
//! [`BenchRecord`] per bench into `target/gauntlet/bench/`. The table lists only the records of
//! this invocation (records of benches not run this time stay in place for the report).
//! Deciding whether something got slower is `cargo harness compare`'s job: one process run on a
//! shared machine is an anecdote.

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use anyhow::{Result, bail};
use gauntlet_bench::{BenchRecord, fmt_ns};

use crate::sys;

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

/// Bench files declared in `<root>/benches/Cargo.toml`.
pub fn bench_names(root: &Path) -> Result<Vec<String>> {
    let path = root.join("benches/Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let doc: toml::Table = text
        .parse()
        .map_err(|e| anyhow::anyhow!("{} is not valid TOML: {e}", path.display()))?;
    Ok(doc
        .get("bench")
        .and_then(|b| b.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|b| b.get("name")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// Run `cargo harness bench`.
pub fn run(args: Args) -> Result<u8> {
    let root = sys::workspace_root();
    let names = bench_names(&root)?;
    let selected: Vec<&String> = names
        .iter()
        .filter(|n| args.bench.as_ref().is_none_or(|f| n.contains(f.as_str())))
        .collect();
    if selected.is_empty() {
        bail!(
            "no bench file matches {:?}; bench files are: {}",
            args.bench.as_deref().unwrap_or(""),
            names.join(", ")
        );
    }
    if args.time_ms == Some(0) {
        bail!("--time-ms 0 records nothing; give a positive number of milliseconds");
    }
    warn_if_loaded();
    let out = sys::gauntlet_dir(&root).join("bench");
    let started = SystemTime::now();
    let mut cmd = Command::new("cargo");
    cmd.current_dir(&root)
        .args(["bench", "-p", "gauntlet-bench"])
        .env("GAUNTLET_BENCH_OUT", &out);
    for name in &selected {
        cmd.args(["--bench", name.as_str()]);
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

    #[test]
    fn bench_names_come_from_the_manifest() {
        let names = bench_names(&sys::workspace_root()).unwrap();
        assert!(names.iter().any(|n| n == "retry_counter"), "{names:?}");
        assert!(names.iter().any(|n| n == "fixture"), "{names:?}");
        let e = bench_names(Path::new("/nonexistent")).unwrap_err();
        assert!(e.to_string().contains("cannot read"), "{e}");
    }
}
