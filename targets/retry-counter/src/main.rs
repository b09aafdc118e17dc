//! `retry-counter schedule …`: print a retry schedule, one delay per line in whole milliseconds.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{CommandFactory, Parser, Subcommand};
use retry_counter::{ConfigError, Jitter, RetryConfig};

/// What the exit status means; also printed at the end of `--help`.
const EXIT_CODES: &str = "\
Exit status:
  0   the schedule was printed (also --help and --version, and a reader that closed the pipe early)
  1   writing to stdout failed
  64  usage error: unknown subcommand or flag, missing or bad value, or values that make no valid schedule
      (multiplier < 1, jitter factor out of range, --max-delay-ms 0) (EX_USAGE)";

/// EX_USAGE from sysexits.h.
const EXIT_USAGE: u8 = 64;

#[derive(Parser)]
#[command(
    name = "retry-counter",
    version,
    about = "Exponential backoff schedules",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the delay before each retry, one per line, in whole milliseconds (rounded down).
    #[command(after_help = EXIT_CODES)]
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
        /// Cap on every delay (before grpc jitter), in milliseconds, at least 1; omit it for no cap.
        #[arg(long)]
        max_delay_ms: Option<u64>,
        /// none | additive:F | full | equal | decorrelated | grpc[:F] (gRPC connection backoff, F = 0.2 by
        /// default: retry 0 waits the base, later ones the capped delay ± F of it, so they may exceed the cap)
        #[arg(long, default_value = "none", value_parser = parse_jitter)]
        jitter: Jitter,
        /// Seed for the jitter's random numbers (reproducible output).
        #[arg(long)]
        seed: Option<u64>,
    },
}

fn parse_jitter(s: &str) -> Result<Jitter> {
    let factor = |f: &str| {
        f.parse::<f64>()
            .with_context(|| format!("jitter factor {f:?} is not a number"))
    };
    Ok(match s {
        "none" => Jitter::None,
        "full" => Jitter::Full,
        "equal" => Jitter::Equal,
        "decorrelated" => Jitter::Decorrelated,
        // The spec's JITTER.
        "grpc" => Jitter::Grpc(0.2),
        _ => match s.split_once(':') {
            Some(("additive", f)) => Jitter::Additive(factor(f)?),
            Some(("grpc", f)) => Jitter::Grpc(factor(f)?),
            _ => bail!(
                "unknown jitter {s:?}: use none, additive:F, full, equal, decorrelated or grpc[:F]"
            ),
        },
    })
}

/// The configuration the flags describe, or clap's usage error naming the flag at fault.
fn config(command: &Command) -> Result<RetryConfig, clap::Error> {
    let Command::Schedule {
        base_ms,
        max_attempts,
        multiplier,
        max_delay_ms,
        jitter,
        seed: _,
    } = *command;
    let mut builder = RetryConfig::exponential(Duration::from_millis(base_ms))
        .multiplier(multiplier)
        .max_attempts(max_attempts)
        .jitter(jitter);
    if let Some(cap) = max_delay_ms {
        builder = builder.max_delay(Duration::from_millis(cap));
    }
    builder.build().map_err(|error| {
        let flag = match error {
            ConfigError::InvalidMultiplier(_) => "--multiplier <MULTIPLIER>",
            ConfigError::InvalidJitterFactor(_) => "--jitter <JITTER>",
            _ => "--max-delay-ms <MAX_DELAY_MS>",
        };
        Cli::command().error(
            clap::error::ErrorKind::ValueValidation,
            format!("invalid value for '{flag}': {error}"),
        )
    })
}

fn run(config: &RetryConfig, seed: Option<u64>) -> Result<()> {
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
    let parsed = Cli::try_parse().and_then(|cli| Ok((config(&cli.command)?, cli.command)));
    let (config, Command::Schedule { seed, .. }) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            // clap's whole message: what is wrong, the usage line and its tip. --help and --version go to stdout.
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(&config, seed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
