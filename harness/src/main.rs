//! `cargo gauntlet <verb>`: fuzz with coverage monitoring, one coverage report of tests and fuzz
//! corpora, percentile benches, commit comparisons and mutation scores — for any Rust package or
//! workspace.
//!
//! Installed as `cargo-gauntlet`, cargo runs it as `cargo-gauntlet gauntlet <verb> …`; run
//! directly, it is `cargo-gauntlet <verb> …`. Every verb finds the project with `cargo metadata`
//! ([`project`]), reads `gauntlet.toml` ([`config`]), and writes under `target/gauntlet/`; [`sys`]
//! holds the process and file-system side effects, the verb modules hold the decisions.
#![forbid(unsafe_code)]

mod bench;
mod callgrind;
mod compare;
mod config;
mod coverage;
mod criterion;
mod exit;
mod fuzz;
mod init;
mod libfuzzer;
mod mutants;
mod plot;
mod project;
mod report;
mod sys;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use project::Project;

#[derive(Parser)]
#[command(
    name = "cargo gauntlet",
    bin_name = "cargo gauntlet",
    version,
    about = "Fuzz, cover, bench and compare any Rust project: monitored libFuzzer runs, one coverage \
             report of tests and fuzz corpora, percentile benchmarks compared between commits",
    after_help = exit::HELP
)]
struct Cli {
    /// Path to the project's Cargo.toml (default: the package or workspace around the current
    /// directory, found like cargo finds it).
    #[arg(long, global = true, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// The configuration file [default: gauntlet.toml at the project root, if there is one].
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every cargo-fuzz target time-boxed and watch its coverage; fail on a crash or a stuck
    /// target (exit 1 crash, 2 stuck).
    Fuzz(fuzz::Args),
    /// One coverage report of the tests and a replay of the fuzz corpora, naming the lines only
    /// fuzzing reaches (exit 1 failing test, 2 policy broken).
    Coverage(coverage::Args),
    /// Run the benches (criterion or gauntlet-bench) and record percentiles under
    /// target/gauntlet/bench/.
    Bench(bench::Args),
    /// Did p50/p90/p99 regress between two commits? Interleaved runs, a per-run test (exit 1
    /// regressed, 3 inconclusive).
    Compare(compare::Args),
    /// Mutation testing with cargo-mutants (installed on demand): does the suite catch wrong
    /// answers? Score per package and the surviving mutants in target/gauntlet/mutants/ (exit 2
    /// when a package scores under [mutants] minimum_score).
    Mutants(mutants::Args),
    /// Write one self-contained HTML report (target/gauntlet/report.html) from the records.
    Report(report::Args),
    /// Write CI for this project: GitHub workflows (pull-request and nightly fuzzing, nightly
    /// coverage, pull-request bench comparison) and .clusterfuzzlite/. Never overwrites a file
    /// that differs without --force; exits 1 when one was left alone.
    Init(init::Args),
}

/// The arguments without the `gauntlet` cargo inserts when it runs `cargo-gauntlet`.
fn args() -> Vec<std::ffi::OsString> {
    let mut a: Vec<_> = std::env::args_os().collect();
    if a.get(1).is_some_and(|s| s == "gauntlet") {
        a.remove(1);
    }
    a
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(args()) {
        Ok(cli) => cli,
        Err(e) => {
            // clap's whole message: what is wrong, what was expected, its tips, the usage line.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    let result = Project::locate(cli.manifest_path.as_deref(), cli.config.as_deref())
        .map_err(|e| exit::usage(format!("{e:#}")))
        .and_then(|project| match cli.command {
            Command::Fuzz(a) => fuzz::run(a, &project),
            Command::Coverage(a) => coverage::run(a, &project),
            Command::Bench(a) => bench::run(a, &project),
            Command::Compare(a) => compare::run(a, &project),
            Command::Mutants(a) => mutants::run(a, &project),
            Command::Report(a) => report::run(a, &project),
            Command::Init(a) => init::run(a, &project),
        });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit::code_of(&e))
        }
    }
}
