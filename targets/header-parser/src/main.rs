//! `header-parser [--response] [--lenient NAME]...`: parse one message head from stdin, print one JSON line.
//!
//! Exit status: 0 complete, 1 invalid, 2 partial, 3 usage or I/O error.

use anyhow::{Context, bail};
use header_parser::{Leniency, Parser, report};
use std::io::{Read, Write};
use std::process::ExitCode;

const USAGE: &str = "usage: header-parser [--response] [--lenient NAME]... < head";

fn options(args: impl Iterator<Item = String>) -> anyhow::Result<(Parser, bool)> {
    let mut parser = Parser::new();
    let mut response = false;
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--response" => response = true,
            "--lenient" => {
                let names = Leniency::ALL.map(Leniency::name).join(", ");
                let name = args
                    .next()
                    .with_context(|| format!("--lenient needs a name: one of {names}"))?;
                let leniency = Leniency::from_name(&name)
                    .with_context(|| format!("unknown leniency `{name}`; use one of {names}"))?;
                parser = parser.lenient(leniency);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                println!(
                    "leniencies: {}",
                    Leniency::ALL.map(Leniency::name).join(", ")
                );
                std::process::exit(0);
            }
            other => bail!("unexpected argument `{other}`; {USAGE}"),
        }
    }
    Ok((parser, response))
}

fn run() -> anyhow::Result<u8> {
    let (parser, response) = options(std::env::args().skip(1))?;
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .context("could not read the message from stdin")?;
    let report = report::render(&parser, &input, response);
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", report.json).context("could not write to stdout")?;
    if let Some(error) = report.error {
        eprintln!("error: {error}");
    }
    Ok(report.exit_code)
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(3)
        }
    }
}
