//! Instruction counts of bench executables under valgrind's callgrind: the ground under
//! `compare --measure instructions` and `bench --measure instructions`.
//!
//! - **gauntlet-bench benches** run in instruction mode (`GAUNTLET_BENCH_INSTRUCTIONS=1`): each
//!   bench calls its op once (warm-up), then a fixed number of times inside
//!   `gauntlet_bench::measured`, which callgrind counts (`--toggle-collect`) and dumps after
//!   (`--dump-after`), so dump *k* is the *k*-th bench the executable names on its
//!   `gauntlet-instructions {json}` lines.
//! - **criterion benches** run one benchmark id per process with `--profile-time`: criterion's
//!   profile mode warms up in batches of 1, 2, 4, … iterations, one call of `Bencher::iter` (or
//!   `iter_batched`, …) each, which callgrind counts and dumps after. The counts of one batch minus
//!   those of the batch before (`2^k` more iterations) are `2^k` iterations of the routine alone:
//!   the per-batch costs (clock reads, the call) cancel. With `iter_batched`, the setup is counted
//!   too.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use gauntlet_records::instructions::{self as rec, Counts, InstructionRun, Measured};

use crate::sys;

/// The function `gauntlet-bench` runs the counted iterations in.
pub const NATIVE_SYMBOL: &str = "gauntlet_bench::measured";

/// The `Bencher` methods criterion runs a batch of iterations in (0.3 to 0.5), as callgrind
/// names them; each is toggled and dumped after.
pub const CRITERION_SYMBOLS: [&str; 10] = [
    "criterion::bencher::Bencher<M>::iter",
    "criterion::bencher::Bencher<M>::iter_batched",
    "criterion::bencher::Bencher<M>::iter_batched_ref",
    "criterion::bencher::Bencher<M>::iter_custom",
    "criterion::bencher::Bencher<M>::iter_with_large_drop",
    "criterion::Bencher<M>::iter",
    "criterion::Bencher<M>::iter_batched",
    "criterion::Bencher<M>::iter_batched_ref",
    "criterion::Bencher<M>::iter_custom",
    "criterion::Bencher<M>::iter_with_large_drop",
];

/// The criterion warm-up batch whose difference to the batch before it is counted: batch
/// `CRITERION_BATCH` has `2^CRITERION_BATCH` iterations, the difference `2^(CRITERION_BATCH-1)`.
/// A slower routine that criterion's one-second warm-up (under valgrind) does not take that far
/// is counted at the last pair it reached, and says so.
pub const CRITERION_BATCH: usize = 6;

/// The simulated caches, fixed so that counts do not depend on the machine's caches.
pub const CACHE_ARGS: [&str; 3] = ["--I1=32768,8,64", "--D1=32768,8,64", "--LL=8388608,16,64"];

/// The tool as the records name it: valgrind's version and the options that decide the counts.
pub fn tool(valgrind_version: &str) -> String {
    format!(
        "{valgrind_version} --tool=callgrind --cache-sim=yes {}",
        CACHE_ARGS.join(" ")
    )
}

/// Everything one bench executable needs to be counted on one side.
pub struct Job<'a> {
    /// The executable.
    pub exe: &'a Path,
    /// The directory it runs in (the project root of its checkout).
    pub dir: &'a Path,
    /// Writes gauntlet-bench instruction lines (else: criterion).
    pub native: bool,
    /// The package, which prefixes criterion ids.
    pub package: &'a str,
    /// What to call it in messages (`bench parse of base 1234abcd`).
    pub what: String,
    /// The commit the executable was built from (`GAUNTLET_BENCH_COMMIT`).
    pub commit: &'a str,
    /// Extra environment of the runs.
    pub env: &'a [(String, String)],
    /// Only bench ids containing this.
    pub filter: Option<&'a str>,
    /// A work directory for callgrind's output (cleared first).
    pub work: PathBuf,
}

/// Count every selected bench of one executable: `(bench id, counts)` in run order.
pub fn measure(job: &Job) -> Result<Vec<(String, Measured)>> {
    if job.native {
        measure_native(job)
    } else {
        measure_criterion(job)
    }
}

/// The valgrind command line counting `symbols` of `exe`, dumping into `<work>/callgrind.out.N`.
fn callgrind(exe: &Path, symbols: &[&str], work: &Path) -> Command {
    let mut cmd = Command::new("valgrind");
    cmd.args([
        "--tool=callgrind",
        "--collect-atstart=no",
        "--cache-sim=yes",
        "--quiet",
    ]);
    cmd.args(CACHE_ARGS);
    for s in symbols {
        cmd.arg(format!("--toggle-collect={s}"));
        cmd.arg(format!("--dump-after={s}"));
    }
    cmd.arg(format!(
        "--callgrind-out-file={}",
        work.join("callgrind.out").display()
    ));
    cmd.arg(exe);
    cmd
}

/// Which of `symbols` a run of `cmd` (a callgrind command that collects nothing and dumps after
/// each of them) returned from first, from the trigger named in its first dump. callgrind counts
/// nothing when two `--toggle-collect` patterns name functions of one family (seen with criterion
/// 0.3's `Bencher::iter_batched_ref` next to `iter` or `iter_batched`), so the counting run
/// toggles the one method this probe found.
fn probe<'a>(
    mut cmd: Command,
    symbols: &[&'a str],
    work: &Path,
    what: &str,
) -> Result<Option<&'a str>> {
    run_tool(&mut cmd, what)?;
    let first = work.join("probe.out.1");
    let Ok(text) = std::fs::read_to_string(&first) else {
        return Ok(None);
    };
    Ok(trigger(&text).and_then(|t| symbols.iter().copied().find(|s| *s == t)))
}

/// The function named by a dump's `desc: Trigger: --dump-after=NAME` line.
pub fn trigger(dump: &str) -> Option<&str> {
    dump.lines()
        .find_map(|l| l.strip_prefix("desc: Trigger: --dump-after="))
        .map(str::trim)
}

/// A fresh work directory.
fn fresh(dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}

/// Run `cmd`, failing with the tail of its stderr; returns stdout.
fn run_tool(cmd: &mut Command, what: &str) -> Result<String> {
    let output = cmd
        .output()
        .with_context(|| format!("cannot start {}", sys::describe(cmd)))?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = err.lines().rev().take(15).collect();
        for l in tail.iter().rev() {
            eprintln!("  {l}");
        }
        let sigill = err.contains("SIGILL") || err.contains("unhandled instruction");
        bail!(
            "{what} failed under valgrind ({}){}",
            output.status,
            if sigill {
                ": an instruction valgrind cannot execute (SIMD dispatch?); make the bench pick a \
                 path valgrind runs when gauntlet_bench::instruction_mode() is set"
            } else {
                ""
            }
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The counts of callgrind's dumps `<work>/callgrind.out.1`, `.2`, … in order.
fn read_dumps(work: &Path) -> Result<Vec<Counts>> {
    let mut dumps = Vec::new();
    for n in 1.. {
        let path = work.join(format!("callgrind.out.{n}"));
        if !path.exists() {
            break;
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        dumps.push(parse_dump(&text).with_context(|| format!("in {}", path.display()))?);
    }
    Ok(dumps)
}

/// The environment every counted run gets, then the side's own.
fn base_env(cmd: &mut Command, job: &Job) {
    cmd.current_dir(job.dir)
        .env("GAUNTLET_BENCH_INSTRUCTIONS", "1")
        .env("GAUNTLET_SKIP_CRITERION", "1")
        .env("GAUNTLET_BENCH_TIME_MS", "1")
        .env("GAUNTLET_BENCH_OUT", job.work.join("records"))
        .env("GAUNTLET_BENCH_COMMIT", job.commit)
        .env_remove("GAUNTLET_BENCH_QUICK")
        .env_remove("GAUNTLET_BENCH_SLOWDOWN_PCT");
    for (k, v) in job.env {
        cmd.env(k, v);
    }
}

/// Count a gauntlet-bench executable: one process, one dump per bench.
fn measure_native(job: &Job) -> Result<Vec<(String, Measured)>> {
    fresh(&job.work)?;
    let mut cmd = callgrind(job.exe, &[NATIVE_SYMBOL], &job.work);
    cmd.arg("--bench");
    if let Some(f) = job.filter {
        cmd.arg(f);
    }
    base_env(&mut cmd, job);
    let what = &job.what;
    let stdout = run_tool(&mut cmd, what)?;
    let runs = parse_runs(&stdout)?;
    let dumps = read_dumps(&job.work)?;
    if dumps.len() != runs.len() {
        bail!(
            "{what}: {} bench(es) announced but callgrind dumped {} counts (is it built with \
             gauntlet-bench's instruction mode, and is `{NATIVE_SYMBOL}` kept as a symbol?)",
            runs.len(),
            dumps.len()
        );
    }
    Ok(runs
        .into_iter()
        .zip(dumps)
        .map(|(r, totals)| {
            (
                r.id,
                Measured {
                    iterations: r.iterations,
                    totals,
                    method: format!("{} iterations in one call of {NATIVE_SYMBOL}", r.iterations),
                    path: r.path,
                },
            )
        })
        .collect())
}

/// The `gauntlet-instructions {json}` lines of a bench's stdout, in order.
pub fn parse_runs(stdout: &str) -> Result<Vec<InstructionRun>> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(rec::LINE_PREFIX))
        .map(|j| serde_json::from_str(j).with_context(|| format!("bad instruction line {j:?}")))
        .collect()
}

/// Count a criterion executable: one process per benchmark id, batches differenced.
fn measure_criterion(job: &Job) -> Result<Vec<(String, Measured)>> {
    let mut list = Command::new(job.exe);
    list.current_dir(job.dir).args(["--bench", "--list"]);
    if let Some(f) = job.filter {
        list.arg(f);
    }
    for (k, v) in job.env {
        list.env(k, v);
    }
    let listed = sys::output(&mut list)
        .with_context(|| format!("cannot list the benchmarks of {}", job.what))?;
    let ids = crate::criterion::parse_list(&listed);
    let mut out = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let work = job.work.join(format!("{i:03}"));
        fresh(&work)?;
        let what = format!("{id} of {}", job.what);
        // An anchored regex rather than `--exact`, which criterion 0.3 does not know.
        let bench_args = |cmd: &mut Command| {
            cmd.args(["--bench", "--profile-time", "1", &exact_filter(id)]);
            base_env(cmd, job);
            cmd.env("CRITERION_HOME", work.join("criterion"));
        };
        let mut look = Command::new("valgrind");
        look.args(["--tool=callgrind", "--collect-atstart=no", "--quiet"]);
        for s in CRITERION_SYMBOLS {
            look.arg(format!("--dump-after={s}"));
        }
        look.arg(format!(
            "--callgrind-out-file={}",
            work.join("probe.out").display()
        ));
        look.arg(job.exe);
        bench_args(&mut look);
        let Some(method) = probe(look, &CRITERION_SYMBOLS, &work, &what)? else {
            eprintln!(
                "note: {what}: the routine returned from none of criterion's Bencher::iter* \
                 methods under valgrind; not counted"
            );
            continue;
        };
        let mut cmd = callgrind(job.exe, &[method], &work);
        bench_args(&mut cmd);
        run_tool(&mut cmd, &what)?;
        let dumps = read_dumps(&work)?;
        let Some((iterations, totals, k)) = difference(&dumps) else {
            eprintln!(
                "note: {what}: criterion ran {} warm-up batch(es) under valgrind, too few to \
                 count one routine (needs 2)",
                dumps.len()
            );
            continue;
        };
        let mut method = format!(
            "criterion --profile-time: batch of {} minus batch of {} iterations",
            1u64 << k,
            1u64 << (k - 1)
        );
        if k < CRITERION_BATCH {
            method.push_str(" (a slow routine: criterion's warm-up ended early)");
        }
        out.push((
            format!("{}/{id}", job.package),
            Measured {
                iterations,
                totals,
                method,
                path: None,
            },
        ));
    }
    Ok(out)
}

/// A criterion filter (a regex in criterion 0.3 to 0.5) that matches exactly `id`.
pub fn exact_filter(id: &str) -> String {
    let mut out = String::from("^");
    for c in id.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('$');
    out
}

/// From criterion's warm-up dumps (batch `k` has `2^k` iterations): `(iterations, counts, k)`
/// of batch `k` minus batch `k − 1`, with `k` = [`CRITERION_BATCH`] or the last one reached.
pub fn difference(dumps: &[Counts]) -> Option<(u64, Counts, usize)> {
    if dumps.len() < 2 {
        return None;
    }
    let k = CRITERION_BATCH.min(dumps.len() - 1);
    Some((1u64 << (k - 1), dumps[k].minus(&dumps[k - 1]), k))
}

/// The totals of one callgrind output file: its `events:` line names the columns of its
/// `summary:` (or `totals:`) line; trailing zeros may be left out.
pub fn parse_dump(text: &str) -> Result<Counts> {
    let mut events: Option<Vec<&str>> = None;
    let mut summary: Option<Vec<u64>> = None;
    for line in text.lines() {
        if let Some(e) = line.strip_prefix("events:") {
            events = Some(e.split_whitespace().collect());
        } else if let Some(s) = line
            .strip_prefix("summary:")
            .or_else(|| line.strip_prefix("totals:"))
        {
            if summary.is_none() {
                summary = Some(
                    s.split_whitespace()
                        .map(|v| v.parse().with_context(|| format!("bad count {v:?}")))
                        .collect::<Result<_>>()?,
                );
            }
        }
    }
    let events = events.context("no `events:` line: not a callgrind output file")?;
    let values = summary.context("no `summary:` or `totals:` line")?;
    if values.len() > events.len() {
        bail!("{} counts for {} events", values.len(), events.len());
    }
    let mut c = Counts::default();
    for (name, v) in events
        .iter()
        .zip(values.iter().copied().chain(std::iter::repeat(0)))
    {
        match *name {
            "Ir" => c.ir = v,
            "Dr" => c.dr = v,
            "Dw" => c.dw = v,
            "I1mr" => c.i1mr = v,
            "D1mr" => c.d1mr = v,
            "D1mw" => c.d1mw = v,
            "ILmr" => c.ilmr = v,
            "DLmr" => c.dlmr = v,
            "DLmw" => c.dlmw = v,
            _ => {}
        }
    }
    if !events.contains(&"Ir") {
        bail!("callgrind counted no instructions (events {events:?})");
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_reads_the_trigger_of_a_dump() {
        let dump = "version: 1\ncreator: callgrind-3.19.0\ncmd:  x --bench\npart: 1\n\ndesc: I1 cache: \ndesc: Trigger: --dump-after=criterion::bencher::Bencher<M>::iter_batched_ref\n\npositions: line\n";
        assert_eq!(
            trigger(dump),
            Some("criterion::bencher::Bencher<M>::iter_batched_ref")
        );
        assert_eq!(trigger("desc: Trigger: Program termination\n"), None);
    }

    #[test]
    fn an_exact_filter_escapes_every_regex_character() {
        assert_eq!(exact_filter("req/req"), "^req/req$");
        assert_eq!(exact_filter("parse (x+1)*.v2"), r"^parse \(x\+1\)\*\.v2$");
    }

    const DUMP: &str = "# callgrind format\nversion: 1\ncmd:  ./fixture --bench\n\
        desc: Trigger: --dump-after=gauntlet_bench::measured\n\
        events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\n\
        fn=(1) gauntlet_bench::measured\n0 5 1\n\
        summary: 48568715 12358204 11792403 2 115900 54002 2\n\
        totals: 1 1 1 1 1 1 1 1 1\n";

    #[test]
    fn a_dump_parses_by_its_event_names_with_trailing_zeros_left_out() {
        let c = parse_dump(DUMP).unwrap();
        assert_eq!(
            c,
            Counts {
                ir: 48568715,
                dr: 12358204,
                dw: 11792403,
                i1mr: 2,
                d1mr: 115900,
                d1mw: 54002,
                ilmr: 2,
                dlmr: 0,
                dlmw: 0,
            }
        );
        // Other column orders are read by name.
        let swapped = parse_dump("events: D1mr Ir\nsummary: 7 100\n").unwrap();
        assert_eq!((swapped.ir, swapped.d1mr), (100, 7));
        assert!(parse_dump("summary: 1\n").is_err());
        assert!(parse_dump("events: Ir\n").is_err());
        assert!(parse_dump("events: Ir\nsummary: 1 2\n").is_err());
        assert!(parse_dump("events: Dr\nsummary: 1\n").is_err());
    }

    #[test]
    fn criterion_batches_are_differenced() {
        // Batch k has 2^k iterations of 10 instructions plus 1000 fixed.
        let dumps: Vec<Counts> = (0..9)
            .map(|k| Counts {
                ir: 1000 + 10 * (1 << k),
                ..Counts::default()
            })
            .collect();
        let (n, c, k) = difference(&dumps).unwrap();
        assert_eq!((n, c.ir, k), (32, 320, CRITERION_BATCH));
        let (n, c, k) = difference(&dumps[..3]).unwrap();
        assert_eq!((n, c.ir, k), (2, 20, 2));
        assert!(difference(&dumps[..1]).is_none());
    }

    #[test]
    fn instruction_lines_are_read_in_order() {
        let out = "gauntlet fixture/x n=1\ngauntlet-instructions {\"id\":\"a/b\",\"iterations\":100,\"path\":\"scalar\"}\nnoise\ngauntlet-instructions {\"id\":\"a/c\",\"iterations\":5,\"path\":null}\n";
        let runs = parse_runs(out).unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(
            (runs[0].id.as_str(), runs[0].path.as_deref()),
            ("a/b", Some("scalar"))
        );
        assert_eq!((runs[1].id.as_str(), runs[1].iterations), ("a/c", 5));
        assert!(parse_runs("gauntlet-instructions {").is_err());
    }
}
