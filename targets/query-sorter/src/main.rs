//! `query-sorter`: reads URLs one per line on stdin, writes each with its query parameters sorted.

use std::ffi::OsString;
use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{CommandFactory, Parser, ValueEnum};
use query_sorter::{EmptyQuery, Mode, Options, Sorter};

/// What the exit status means; also printed at the end of `--help`.
const EXIT_CODES: &str = "\
Exit status:
  0   every line was sorted and written (also --help and --version)
  1   stdin was empty (no line at all), or reading stdin or writing stdout failed
  64  usage error: unknown flag, missing or bad value, bad glob (EX_USAGE); nothing is read";

/// EX_USAGE from sysexits.h.
const EXIT_USAGE: u8 = 64;

/// Reads URLs one per line on stdin and writes each with its query parameters sorted, one per line. Bytes are
/// copied exactly; a line's "\r\n" or "\n" ending is written back as it was.
#[derive(Debug, Parser)]
#[command(name = "query-sorter", version, after_help = EXIT_CODES)]
struct Cli {
    /// How parameters are ordered.
    #[arg(long, value_enum, default_value_t = CliMode::Canonical)]
    mode: CliMode,
    /// Remove exact duplicate parameters (the first stays).
    #[arg(long)]
    dedupe: bool,
    /// Remove parameters whose name matches GLOB (`*` any run, `?` one byte, `\` escapes); repeatable.
    #[arg(long, value_name = "GLOB", value_parser = clap::value_parser!(OsString))]
    drop: Vec<OsString>,
    /// Keep only parameters whose name matches one --keep GLOB; repeatable.
    #[arg(long, value_name = "GLOB", value_parser = clap::value_parser!(OsString))]
    keep: Vec<OsString>,
    /// Decode %XX of A-Z a-z 0-9 - . _ ~ and uppercase the hex digits of other %xx.
    #[arg(long)]
    decode_unreserved: bool,
    /// Remove the #fragment.
    #[arg(long)]
    strip_fragment: bool,
    /// What happens to the `?` when no parameter is left.
    #[arg(long, value_enum, value_name = "POLICY", default_value_t = CliEmptyQuery::Keep)]
    empty_query: CliEmptyQuery,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CliMode {
    /// The whole parameter, in byte order.
    Canonical,
    /// The name only, stable for equal names.
    ByKey,
    /// What Varnish's std.querysort gives.
    Varnish,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CliEmptyQuery {
    /// Keep the `?` even with no parameter left.
    Keep,
    /// Remove the `?` when no parameter is left.
    Remove,
}

impl Cli {
    /// The sorter options, or clap's error for a bad glob (so it reads and exits like any other usage error).
    fn options(&self) -> Result<Options, clap::Error> {
        let mode = match self.mode {
            CliMode::Canonical => Mode::Canonical,
            CliMode::ByKey => Mode::ByKey,
            CliMode::Varnish => Mode::Varnish,
        };
        let empty_query = match self.empty_query {
            CliEmptyQuery::Keep => EmptyQuery::Keep,
            CliEmptyQuery::Remove => EmptyQuery::Remove,
        };
        let mut options = Options::new(mode)
            .with_dedupe(self.dedupe)
            .with_decode_unreserved(self.decode_unreserved)
            .with_strip_fragment(self.strip_fragment)
            .with_empty_query(empty_query);
        let globs = (self.drop.iter().map(|g| ("--drop", g)))
            .chain(self.keep.iter().map(|g| ("--keep", g)));
        for (flag, glob) in globs {
            let bytes = glob.as_encoded_bytes();
            let added = if flag == "--drop" {
                options.drop(bytes)
            } else {
                options.keep(bytes)
            };
            options = added.map_err(|error| {
                Cli::command().error(
                    clap::error::ErrorKind::ValueValidation,
                    format!(
                        "invalid value '{}' for '{flag} <GLOB>': {error}",
                        glob.to_string_lossy()
                    ),
                )
            })?;
        }
        Ok(options)
    }
}

fn main() -> ExitCode {
    let options = match Cli::try_parse().and_then(|cli| cli.options()) {
        Ok(options) => options,
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
    let stdin = io::stdin().lock();
    let stdout = io::stdout().lock();
    match sort_lines(Sorter::new(options), stdin, stdout) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let message = format!("{error:#}").replace('\n', " ");
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Sorts every line of `input` to `output`. An input without a single byte is an error: a pipeline whose first
/// stage failed silently should not look like success.
fn sort_lines(mut sorter: Sorter, mut input: impl BufRead, output: impl Write) -> Result<()> {
    let mut output = io::BufWriter::new(output);
    let (mut line, mut sorted) = (Vec::new(), Vec::new());
    let mut line_number = 0u64;
    loop {
        line.clear();
        line_number += 1;
        let read = input
            .read_until(b'\n', &mut line)
            .with_context(|| format!("cannot read line {line_number} of stdin"))?;
        if read == 0 {
            break;
        }
        let ending = match &line[..] {
            [.., b'\r', b'\n'] => 2,
            [.., b'\n'] => 1,
            _ => 0,
        };
        let (url, terminator) = line.split_at(line.len() - ending);
        sorter.sort_into(url, &mut sorted);
        output
            .write_all(&sorted)
            .and_then(|()| output.write_all(terminator))
            .context("cannot write to stdout")?;
    }
    if line_number == 1 {
        bail!("stdin is empty: pipe URLs one per line, e.g. `echo '/p?b=2&a=1' | query-sorter`");
    }
    output.flush().context("cannot write to stdout")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(list: &[&str]) -> Result<Options, clap::Error> {
        Cli::try_parse_from(std::iter::once("query-sorter").chain(list.iter().copied()))
            .and_then(|cli| cli.options())
    }

    fn run_cli(list: &[&str], input: &[u8]) -> Vec<u8> {
        let options = parse(list).unwrap();
        let mut out = Vec::new();
        sort_lines(Sorter::new(options), input, &mut out).unwrap();
        out
    }

    #[test]
    fn sorts_each_line_and_keeps_line_endings() {
        let _deadline = gauntlet_oracle::no_hang("sorts_each_line_and_keeps_line_endings");
        let out = run_cli(&[], b"/p?b&a\r\n/q?d&c\n/r?f&e");
        assert_eq!(out, b"/p?a&b\r\n/q?c&d\n/r?e&f");
        assert_eq!(run_cli(&[], b"\n"), b"\n", "one empty line is input");
    }

    /// An empty stdin that fails the test when it is read past its end more than a few times: a
    /// loop that does not stop at the end of input fails instead of spinning.
    struct Eof(u32);

    impl io::Read for Eof {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Ok(0)
        }
    }

    impl BufRead for Eof {
        fn fill_buf(&mut self) -> io::Result<&[u8]> {
            self.0 += 1;
            assert!(self.0 <= 3, "stdin read {} times past its end", self.0);
            Ok(&[])
        }
        fn consume(&mut self, _: usize) {}
    }

    #[test]
    fn empty_input_is_an_error() {
        let _deadline = gauntlet_oracle::no_hang("empty_input_is_an_error");
        let error = sort_lines(Sorter::default(), Eof(0), Vec::new()).unwrap_err();
        assert!(error.to_string().starts_with("stdin is empty"), "{error}");
    }

    #[test]
    fn applies_every_flag() {
        let _deadline = gauntlet_oracle::no_hang("applies_every_flag");
        let out = run_cli(
            &[
                "--mode",
                "by-key",
                "--dedupe",
                "--drop",
                "utm_*",
                "--empty-query",
                "remove",
                "--strip-fragment",
                "--decode-unreserved",
            ],
            b"/p?b=2&a=%41&utm_x=1&a=A&b=1#f\n/q?utm_a\n",
        );
        assert_eq!(out, b"/p?a=A&b=2&b=1\n/q\n");
        let out = run_cli(&["--keep", "id", "--mode", "varnish"], b"/p?x=1&id=2\n");
        assert_eq!(out, b"/p?id=2\n");
    }

    #[test]
    fn bad_arguments_are_usage_errors_with_clap_messages() {
        let _deadline =
            gauntlet_oracle::no_hang("bad_arguments_are_usage_errors_with_clap_messages");
        for bad in [
            &["--mode", "sideways"][..],
            &["--mode"],
            &["--drop", "a\\"],
            &["--keep", "a\\"],
            &["--frobnicate"],
            &["--empty-query", "maybe"],
        ] {
            let error = parse(bad).unwrap_err();
            assert!(error.use_stderr(), "{bad:?}");
            let message = error.render().to_string();
            assert!(message.starts_with("error: "), "{bad:?}: {message}");
            // The whole message, not only its first line: the usage line or the tip to run --help.
            assert!(message.lines().count() > 1, "{bad:?}: {message}");
            assert!(message.contains("--help"), "{bad:?}: {message}");
        }
        let message = parse(&["--drop", "a\\"]).unwrap_err().render().to_string();
        assert!(message.contains("lone `\\` at byte 1"), "{message}");
        assert!(message.contains("'--drop <GLOB>'"), "{message}");
        for ok in ["--help", "--version"] {
            assert!(!parse(&[ok]).unwrap_err().use_stderr(), "{ok}");
        }
    }

    #[test]
    fn help_documents_the_exit_codes() {
        let _deadline = gauntlet_oracle::no_hang("help_documents_the_exit_codes");
        let help = Cli::command().render_long_help().to_string();
        for code in ["0 ", "1 ", "64 "] {
            assert!(help.contains(&format!("\n  {code}")), "{code}: {help}");
        }
    }
}
