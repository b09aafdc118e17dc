//! `header-parser [--response] [--lenient NAME]...`: parse one message head from stdin, print one JSON line.
//!
//! Reads at most the head limit plus one byte, so the memory it uses is bounded whatever arrives on stdin.
//! The exit codes are listed in [`EXIT_CODES`] (shown by `--help`) and in the crate README.

use anyhow::Context;
use clap::Parser as _;
use clap::builder::PossibleValuesParser;
use header_parser::{Leniency, Parser, report};
use std::io::{Read, Write};
use std::process::ExitCode;

/// The exit codes, as `--help` prints them.
const EXIT_CODES: &str = "\
Exit status:
  0   the head is complete and valid (the JSON line has its fields and framing)
  1   the head is invalid (the JSON line and stderr name the error and its offset)
  2   the input ended before the head was complete, or was empty
  3   stdin could not be read or stdout could not be written
  64  usage error (unknown flag, bad leniency name)";

/// Usage errors exit with `EX_USAGE` from sysexits.h.
const EX_USAGE: u8 = 64;
/// Reading stdin or writing stdout failed.
const EX_IO: u8 = 3;

/// Parse one HTTP/1.x message head from stdin and print the result as one JSON line.
#[derive(clap::Parser, Debug)]
#[command(name = "header-parser", version, after_help = EXIT_CODES)]
struct Cli {
    /// Parse a response head (status-line) instead of a request head.
    #[arg(long)]
    response: bool,
    /// Accept what this leniency relaxes (repeatable).
    #[arg(long, value_name = "NAME", value_parser = PossibleValuesParser::new(Leniency::ALL.map(Leniency::name)))]
    lenient: Vec<String>,
}

impl Cli {
    fn parser(&self) -> Parser {
        self.lenient
            .iter()
            .filter_map(|name| Leniency::from_name(name))
            .fold(Parser::new(), Parser::lenient)
    }
}

/// Reads stdin up to `limit + 1` bytes: one byte past the head limit is enough for the parser to report
/// `HeadTooLarge`, and nothing more is ever held in memory.
fn read_bounded(input: impl Read, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    input.take(cap).read_to_end(&mut buf)?;
    Ok(buf)
}

/// The line explaining a `Partial` outcome: the parser says "need more bytes", which at the end of stdin
/// means the message was cut short (or never sent).
fn incomplete_message(input_len: usize) -> String {
    if input_len == 0 {
        "the input was empty: expected an HTTP/1.x message head on stdin".to_owned()
    } else {
        format!(
            "the input ended after {input_len} bytes, before the head was complete \
             (a head ends with an empty line, CRLF CRLF)"
        )
    }
}

fn run(cli: &Cli) -> anyhow::Result<u8> {
    let parser = cli.parser();
    let input = read_bounded(std::io::stdin().lock(), Parser::DEFAULT_MAX_HEAD_LEN)
        .context("could not read the message from stdin")?;
    let report = report::render(&parser, &input, cli.response);
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", report.json).context("could not write to stdout")?;
    if let Some(error) = report.error {
        eprintln!("error: {error}");
    } else if report.exit_code == 2 {
        eprintln!("error: {}", incomplete_message(input.len()));
    }
    Ok(report.exit_code)
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // `--help` and `--version` arrive here too, on stdout and successful; everything else is a usage
            // error, printed in full with clap's tips.
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { EX_USAGE } else { 0 });
        }
    };
    match run(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EX_IO)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_at_most_one_byte_past_the_limit() {
        let _deadline = gauntlet_oracle::no_hang("reads_at_most_one_byte_past_the_limit");
        let big = std::io::repeat(b'x').take(10_000_000);
        assert_eq!(read_bounded(big, 100).unwrap().len(), 101);
        assert_eq!(read_bounded(&b"short"[..], 100).unwrap(), b"short");
    }

    #[test]
    fn usage_errors_and_help_are_told_apart() {
        let _deadline = gauntlet_oracle::no_hang("usage_errors_and_help_are_told_apart");
        let err = Cli::try_parse_from(["header-parser", "--bogus"]).unwrap_err();
        assert!(err.use_stderr());
        let err = Cli::try_parse_from(["header-parser", "--lenient", "nope"]).unwrap_err();
        assert!(err.use_stderr());
        assert!(err.to_string().contains("obs-fold"), "{err}");
        let err = Cli::try_parse_from(["header-parser", "--help"]).unwrap_err();
        assert!(!err.use_stderr());
        assert!(err.to_string().contains("64  usage error"), "{err}");
    }

    #[test]
    fn leniencies_are_applied() {
        let _deadline = gauntlet_oracle::no_hang("leniencies_are_applied");
        let cli = Cli::try_parse_from([
            "header-parser",
            "--lenient",
            "bare-lf",
            "--lenient",
            "obs-fold",
        ])
        .unwrap();
        let parser = cli.parser();
        assert!(parser.allows(Leniency::BareLf) && parser.allows(Leniency::ObsFold));
        assert!(!parser.allows(Leniency::MultipleSpaces));
    }
}
