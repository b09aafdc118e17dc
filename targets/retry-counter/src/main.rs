//! `retry-counter schedule …`: print a retry schedule, one delay per line in whole milliseconds.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use retry_counter::{Jitter, RetryConfig};

#[derive(Parser)]
#[command(
    name = "retry-counter",
    version,
    about = "Exponential backoff schedules"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the delay before each retry, one per line, in whole milliseconds (rounded down).
    Schedule {
        /// Delay before the first retry, in milliseconds.
        #[arg(long)]
        base_ms: u64,
        /// Number of retries (lines printed).
        #[arg(long)]
        max_attempts: u32,
        /// Growth factor per retry (>= 1).
        #[arg(long, default_value_t = 2.0)]
        multiplier: f64,
        /// Cap on every delay, in milliseconds.
        #[arg(long)]
        max_delay_ms: Option<u64>,
        /// none | additive:F | full | equal | decorrelated
        #[arg(long, default_value = "none", value_parser = parse_jitter)]
        jitter: Jitter,
        /// Seed for the jitter's random numbers (reproducible output).
        #[arg(long)]
        seed: Option<u64>,
    },
}

fn parse_jitter(s: &str) -> Result<Jitter> {
    Ok(match s {
        "none" => Jitter::None,
        "full" => Jitter::Full,
        "equal" => Jitter::Equal,
        "decorrelated" => Jitter::Decorrelated,
        _ => match s.strip_prefix("additive:") {
            Some(f) => Jitter::Additive(
                f.parse()
                    .with_context(|| format!("additive jitter factor {f:?} is not a number"))?,
            ),
            None => {
                bail!("unknown jitter {s:?}: use none, additive:F, full, equal or decorrelated")
            }
        },
    })
}

fn run(cli: Cli) -> Result<()> {
    let Command::Schedule {
        base_ms,
        max_attempts,
        multiplier,
        max_delay_ms,
        jitter,
        seed,
    } = cli.command;
    let mut builder = RetryConfig::exponential(Duration::from_millis(base_ms))
        .multiplier(multiplier)
        .max_attempts(max_attempts)
        .jitter(jitter);
    if let Some(cap) = max_delay_ms {
        builder = builder.max_delay(Duration::from_millis(cap));
    }
    let config = builder.build().context("invalid schedule")?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for d in config.schedule(seed) {
        use std::io::Write;
        if let Err(e) = writeln!(out, "{}", d.as_millis()) {
            // A closed pipe (`| head`) is a normal way to stop reading.
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(());
            }
            return Err(e).context("writing to stdout");
        }
    }
    use std::io::Write;
    match out.flush() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("writing to stdout"),
        _ => Ok(()),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            // clap's own message spans several lines; keep the first, in our format.
            let msg = e.to_string();
            let first = msg.lines().next().unwrap_or("invalid arguments");
            eprintln!("error: {}", first.trim_start_matches("error: "));
            return ExitCode::from(2);
        }
        Err(e) => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
