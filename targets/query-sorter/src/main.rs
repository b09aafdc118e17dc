//! `query-sorter`: reads URLs one per line on stdin, writes each with its query parameters sorted.

use std::ffi::OsString;
use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use query_sorter::{EmptyQuery, Mode, Options, Sorter};

const USAGE: &str = "\
usage: query-sorter [--mode canonical|by-key|varnish] [--dedupe] [--drop GLOB]... [--keep GLOB]...
                    [--decode-unreserved] [--strip-fragment] [--empty-query keep|remove]

Reads URLs one per line on stdin and writes each with its query parameters sorted, one per line.
Bytes are copied exactly; a line's \"\\r\\n\" or \"\\n\" ending is written back as it was.

  --mode MODE           canonical: whole parameter, byte order (default)
                        by-key: name only, stable for equal names
                        varnish: what Varnish's std.querysort gives
  --dedupe              remove exact duplicate parameters (the first stays)
  --drop GLOB           remove parameters whose name matches GLOB (`*`, `?`, `\\` escapes)
  --keep GLOB           keep only parameters whose name matches one --keep GLOB
  --decode-unreserved   decode %XX of A-Z a-z 0-9 - . _ ~ and uppercase other %xx
  --strip-fragment      remove the #fragment
  --empty-query POLICY  keep (default): keep the `?` even with no parameter left; remove: drop it";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let message = format!("{error:#}").replace('\n', " ");
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let Some(options) = parse_args(std::env::args_os().skip(1))? else {
        println!("{USAGE}");
        return Ok(());
    };
    let stdin = io::stdin().lock();
    let stdout = io::stdout().lock();
    sort_lines(Sorter::new(options), stdin, stdout)
}

/// `None` when help was asked for.
fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Option<Options>> {
    let mut args = args.into_iter();
    let mut mode = Mode::Canonical;
    let (mut dedupe, mut decode, mut strip) = (false, false, false);
    let mut empty_query = EmptyQuery::Keep;
    let mut globs: Vec<(bool, Vec<u8>)> = Vec::new();
    while let Some(arg) = args.next() {
        let arg = arg.into_encoded_bytes();
        let mut value = |flag: &str| {
            args.next()
                .map(OsString::into_encoded_bytes)
                .with_context(|| format!("{flag} needs a value; see --help"))
        };
        match &arg[..] {
            b"-h" | b"--help" => return Ok(None),
            b"--dedupe" => dedupe = true,
            b"--decode-unreserved" => decode = true,
            b"--strip-fragment" => strip = true,
            b"--mode" => {
                mode = match &value("--mode")?[..] {
                    b"canonical" => Mode::Canonical,
                    b"by-key" => Mode::ByKey,
                    b"varnish" => Mode::Varnish,
                    other => bail!(
                        "unknown mode `{}`; use canonical, by-key or varnish",
                        String::from_utf8_lossy(other)
                    ),
                }
            }
            b"--empty-query" => {
                empty_query = match &value("--empty-query")?[..] {
                    b"keep" => EmptyQuery::Keep,
                    b"remove" => EmptyQuery::Remove,
                    other => bail!(
                        "unknown --empty-query policy `{}`; use keep or remove",
                        String::from_utf8_lossy(other)
                    ),
                }
            }
            b"--drop" => globs.push((true, value("--drop")?)),
            b"--keep" => globs.push((false, value("--keep")?)),
            other => bail!(
                "unexpected argument `{}`; see --help",
                String::from_utf8_lossy(other)
            ),
        }
    }
    let mut options = Options::new(mode)
        .with_dedupe(dedupe)
        .with_decode_unreserved(decode)
        .with_strip_fragment(strip)
        .with_empty_query(empty_query);
    for (is_drop, glob) in globs {
        let flag = if is_drop { "--drop" } else { "--keep" };
        let shown = String::from_utf8_lossy(&glob).into_owned();
        options = if is_drop {
            options.drop(glob)
        } else {
            options.keep(glob)
        }
        .with_context(|| format!("bad {flag} glob `{shown}`"))?;
    }
    Ok(Some(options))
}

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
    output.flush().context("cannot write to stdout")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    fn run_cli(list: &[&str], input: &[u8]) -> Vec<u8> {
        let options = parse_args(args(list)).unwrap().unwrap();
        let mut out = Vec::new();
        sort_lines(Sorter::new(options), input, &mut out).unwrap();
        out
    }

    #[test]
    fn sorts_each_line_and_keeps_line_endings() {
        let out = run_cli(&[], b"/p?b&a\r\n/q?d&c\n/r?f&e");
        assert_eq!(out, b"/p?a&b\r\n/q?c&d\n/r?e&f");
    }

    #[test]
    fn applies_every_flag() {
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
    fn rejects_bad_arguments_with_one_line() {
        for bad in [
            &["--mode", "sideways"][..],
            &["--mode"],
            &["--drop", "a\\"],
            &["--frobnicate"],
            &["--empty-query", "maybe"],
        ] {
            let error = parse_args(args(bad)).unwrap_err();
            let message = format!("{error:#}");
            assert!(!message.is_empty(), "{bad:?}");
        }
        let error = parse_args(args(&["--drop", "a\\"])).unwrap_err();
        assert!(format!("{error:#}").contains("lone `\\` at byte 1"));
        assert!(parse_args(args(&["--help"])).unwrap().is_none());
    }
}
