//! `bzip2-decoder [-t] [--threads N] [FILE...]`: like `bzip2 -dc`, decompressed bytes to stdout.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use bzip2_decoder::{Decoder, Options};

const USAGE: &str = "usage: bzip2-decoder [-t] [--threads N] [FILE...]
Decompresses bzip2 FILEs (or stdin when none, or `-`) to stdout, like `bzip2 -dc`.
  -t, --test        check integrity only, write nothing
  --threads N       decode the blocks of each stream on N threads (default 1; 0: as many as
                    the cores this process may use, which also caps N)
  -h, --help        show this help

Exit status: 0 decoded, 1 a file could not be read or is not valid bzip2, 64 a usage mistake
(unknown option, bad --threads).";

struct Args {
    test: bool,
    threads: usize,
    files: Vec<String>,
}

fn parse_args() -> Result<Option<Args>> {
    let mut args = Args {
        test: false,
        threads: 1,
        files: Vec::new(),
    };
    let mut iter = std::env::args().skip(1);
    let mut only_files = false;
    while let Some(arg) = iter.next() {
        if only_files || arg == "-" || !arg.starts_with('-') {
            args.files.push(arg);
            continue;
        }
        let threads_value = match arg.as_str() {
            "--" => {
                only_files = true;
                continue;
            }
            "-t" | "--test" => {
                args.test = true;
                continue;
            }
            "-h" | "--help" => return Ok(None),
            "--threads" => iter
                .next()
                .context("--threads needs a number (see --help)")?,
            other => match other.strip_prefix("--threads=") {
                Some(value) => value.to_string(),
                None => bail!("unknown option `{other}` (see --help)"),
            },
        };
        args.threads = threads_value
            .parse()
            .ok()
            .with_context(|| format!("--threads needs a number, not `{threads_value}`"))?;
    }
    if args.files.is_empty() {
        args.files.push("-".into());
    }
    Ok(Some(args))
}

fn open(name: &str) -> Result<Box<dyn Read>> {
    if name == "-" {
        return Ok(Box::new(io::stdin().lock()));
    }
    let file = File::open(name)
        .with_context(|| format!("{name}: cannot open (check the path and permissions)"))?;
    Ok(Box::new(file))
}

/// Decodes one input to `out`; returns the trailing-garbage offset, if any.
fn decode_one(name: &str, args: &Args, out: &mut dyn Write) -> Result<Option<u64>> {
    let input = open(name)?;
    // With threads the decoder reads a window of a few blocks per thread ahead, never the whole
    // input, so a bad file fails as early as with one thread.
    let mut decoder = Decoder::with_options(input, &Options::new().threads(args.threads));
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match decoder.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => {
                let detail = match err
                    .get_ref()
                    .and_then(|e| e.downcast_ref::<bzip2_decoder::Error>())
                {
                    Some(format_error) => format!("{format_error}"),
                    None => format!("read failed: {err}"),
                };
                bail!("{name}: {detail}");
            }
        };
        out.write_all(&buf[..n])
            .context("writing the output failed")?;
    }
    Ok(decoder.trailing_garbage())
}

fn run(args: &Args) -> Result<()> {
    let stdout = io::stdout();
    let mut out: Box<dyn Write> = if args.test {
        Box::new(io::sink())
    } else {
        Box::new(BufWriter::with_capacity(1 << 16, stdout.lock()))
    };
    for name in &args.files {
        if let Some(at) = decode_one(name, args, &mut out)? {
            eprintln!("bzip2-decoder: {name}: trailing garbage after EOF ignored (at byte {at})");
        }
    }
    out.flush().context("writing the output failed")
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(err) => {
            eprintln!("error: {err:#} (see bzip2-decoder --help)");
            return ExitCode::from(64);
        }
    };
    let result = Ok(args).and_then(|args| match args {
        Some(args) => run(&args),
        None => {
            println!("{USAGE}");
            Ok(())
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// `bzip2-decoder big.bz2 | head` is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
