//! `cargo harness bench`: run the percentile benches and list what they recorded.

use std::process::Command;

use anyhow::Result;
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
}

/// Bench files declared in `benches/Cargo.toml`.
pub fn bench_names(root: &std::path::Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(root.join("benches/Cargo.toml"))?;
    let doc: toml::Table = text.parse()?;
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
        anyhow::bail!(
            "no bench matches {:?}; benches are: {}",
            args.bench,
            names.join(", ")
        );
    }
    let out = sys::gauntlet_dir(&root).join("bench");
    for name in selected {
        let mut cmd = Command::new("cargo");
        cmd.current_dir(&root)
            .args(["bench", "-p", "gauntlet-bench", "--bench", name]);
        cmd.env("GAUNTLET_BENCH_OUT", &out);
        if args.quick {
            cmd.env("GAUNTLET_BENCH_QUICK", "1");
        }
        if args.no_criterion {
            cmd.env("GAUNTLET_SKIP_CRITERION", "1");
        }
        if let Some(f) = &args.filter {
            cmd.args(["--", f]);
        }
        sys::run_checked(&mut cmd)?;
    }
    let records: Vec<BenchRecord> = sys::files_in(&out)
        .iter()
        .filter_map(|p| BenchRecord::load(p).ok())
        .collect();
    println!("| bench | p50 | p90 | p99 | p99.9 | max | allocs/op |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for r in &records {
        let p = &r.percentiles_ns;
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.2} |",
            r.id,
            fmt_ns(p.p50),
            fmt_ns(p.p90),
            fmt_ns(p.p99),
            fmt_ns(p.p999),
            fmt_ns(p.max),
            r.allocs_per_op
        );
    }
    eprintln!("bench records: {}", out.display());
    Ok(0)
}
