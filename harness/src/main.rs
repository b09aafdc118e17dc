//! `cargo harness <verb>`: the gauntlet CLI.
//!
//! Every verb reads and writes under `target/gauntlet/`; [`sys`] holds all process and file-system
//! side effects, the verb modules hold the decisions.
#![forbid(unsafe_code)]

mod bench;
mod compare;
mod coverage;
#[allow(dead_code)] // until `bench`/`compare` call it
mod criterion;
mod fuzz;
mod libfuzzer;
mod report;
mod svg;
mod sys;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo harness",
    version,
    about = "Fuzz, cover, bench and compare the gauntlet workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run libFuzzer targets time-boxed and watch their coverage; fail on a crash or a stuck target.
    Fuzz(fuzz::Args),
    /// One whole-workspace coverage report (tests, properties, CLI tests and fuzz corpora).
    Coverage(coverage::Args),
    /// Run the percentile benches and record them under target/gauntlet/bench/.
    Bench(bench::Args),
    /// Compare bench percentiles between two commits.
    Compare(compare::Args),
    /// Write one self-contained HTML report from whatever results exist.
    Report(report::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            let msg = e.to_string();
            let first = msg.lines().next().unwrap_or("invalid arguments");
            eprintln!("error: {}", first.trim_start_matches("error: "));
            return ExitCode::from(64);
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    let result = match cli.command {
        Command::Fuzz(a) => fuzz::run(a),
        Command::Coverage(a) => coverage::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Report(a) => report::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(70)
        }
    }
}
