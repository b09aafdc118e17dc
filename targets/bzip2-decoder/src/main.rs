//! `bzip2-decoder [-t] [--threads N] [FILE...]`: like `bzip2 -dc`, decompressed bytes to stdout.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use bzip2_decoder::{Decoder, Options};

const USAGE: &str = "usage: bzip2-decoder [-t] [--threads N] [FILE...]
Decompresses bzip2 FILEs (or stdin when none, or `-`) to stdout, like `bzip2 -dc`.
  -t, --test        check integrity only, write nothing
  --threads N       decode the blocks of each stream on up to N threads (default 1; 0: as many
                    as the cores this process may use, which also caps N). On Linux no more
                    threads are used than there are idle cores when a file is opened, so with
                    the cores already busy a file is decoded on one thread, which is then
                    faster than several (BZIP2_DECODER_LOAD_CHECK=0 turns this check off)
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

/// The threads to decode the next file on: `asked` (0: all the process may use, `all`), but no
/// more than the cores `idle()` says are idle, and at least one.
///
/// Why: a second thread only pays when it gets a core of its own. With autogroup scheduling (the
/// Linux default for desktop sessions) a process whose cores are already taken by programs of
/// another session gets a fixed share of the CPU however many threads it runs, so a second
/// thread buys no CPU time and costs some: its own buffers (page faults), the scan for blocks,
/// the hand-overs, and caches shared by two working sets. Measured with two CPU-bound processes in
/// another session on the 2-core VM (`scripts/bzip2-threads-cli --busy 2`), two threads took
/// 0.76–0.88× the speed of one and 1.12–1.39× its CPU time. The library's own fall-back to one
/// thread (the process CPU clock) does not replace this check for a one-file run: it judges at
/// block boundaries, after the second thread has paid for its buffers and its first block. With
/// the check off (`BZIP2_DECODER_LOAD_CHECK=0 scripts/bzip2-threads-cli --busy 2`, load 10–12,
/// 4.7 MB files) two threads read 0.98–1.07× the speed of one but 1.15× its CPU time at `-9`
/// (1.02–1.07× at `-1`); with it, 0.92–1.05× and 1.00–1.04×.
///
/// One look is not enough: on a quiet machine a task is often runnable for a moment (the shell or
/// program that has just started this one, on its way to wait for it; a kernel worker), and a
/// single look at `procs_running` then took a core for busy: on the quiet 2-core VM
/// (`scripts/bzip2-threads-cli --quiet`, load 0.2) two threads read 1.12× the speed of one on
/// 4.7 MB of text at `-1` (range 0.70–2.16×) where they are 1.76× without the check. So when a
/// look finds too few idle cores, the check looks again, [`LOOKS`] times in all, after pauses
/// that grow from 50 µs to 600 µs (`pause(n)` before look `n`: [`LOOK_GAPS`]; short ones first,
/// so that a task runnable only briefly costs little waiting), and takes the most idle cores any
/// look found: a core counts as busy only if it stays busy for about a millisecond, as it does
/// under a program that keeps it busy.
///
/// The pauses yield the CPU rather than sleep. A process that sleeps once at its start, however
/// briefly, often loses the full core it would otherwise get next to programs of another session:
/// with two spinners (`--busy 2`, otherwise idle 2-core VM) and the decision the same (one
/// thread), 33 of 40 decodes of 4.7 MB of text at `-1` whose check had slept ran at half speed
/// (median 104 ms) against 15 of 40 one-thread decodes without a check (median 66 ms) and 11 of 40
/// whose check spun (median 57 ms); at `-9` on binary, 23 of 30 (166 ms) against 5 (94 ms) and 7
/// (95 ms). A pure spin kept the CPU from a task the scheduler had put on the same core (the
/// program that started this one, on its way to wait for it), which then counted as a busy core:
/// on the quiet machine two threads ranged down to 0.89× one on `-1` files. Yielding in a loop
/// lets such a task run and otherwise costs no more than the spin: quiet, 1.76× (95 % CI
/// 1.70–1.83×, range 1.01–1.90×) and 1.83× (1.78–1.85×, range 1.56–1.94×) on 4.7 MB of text and
/// of binaries at `-1`; busy, 5 of 30 text decodes slow, median 53 ms. The pauses cost at most a
/// millisecond of CPU time, and only where the first look finds too few idle cores.
fn threads_for(
    asked: usize,
    all: usize,
    mut idle: impl FnMut() -> Option<usize>,
    mut pause: impl FnMut(usize),
) -> usize {
    let wanted = if asked == 0 { all.max(1) } else { asked };
    if wanted == 1 {
        return 1;
    }
    let mut most = None;
    for look in 0..LOOKS {
        if look > 0 {
            pause(look);
        }
        most = most.max(idle());
        if most.is_some_and(|most| most >= wanted) {
            break;
        }
    }
    match most {
        Some(most) => wanted.min(most.max(1)),
        None => wanted,
    }
}

/// Waits `gap` without sleeping (see [`threads_for`] for why): it yields to tasks that want its
/// CPU, and otherwise keeps running.
fn yield_for(gap: std::time::Duration) {
    let until = std::time::Instant::now() + gap;
    while std::time::Instant::now() < until {
        std::thread::yield_now();
    }
}

/// How many times [`threads_for`] looks at the runnable tasks before it takes a core for busy.
const LOOKS: usize = 5;

/// The pause before look `n` is `LOOK_GAPS[n - 1]` µs: a core must stay busy for a millisecond.
const LOOK_GAPS: [u64; LOOKS - 1] = [50, 100, 250, 600];

/// The cores idle at this moment: the machine's online cores less the runnable tasks other than
/// the calling thread (`/proc/stat`: one `cpuN` line per online core, `procs_running` counts the
/// reader too). `None` where there is no `/proc/stat` or it reads otherwise.
fn idle_cores() -> Option<usize> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    idle_cores_in(&stat)
}

fn idle_cores_in(stat: &str) -> Option<usize> {
    let cores = stat
        .lines()
        .filter(|line| {
            line.strip_prefix("cpu")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .count();
    let running: usize = stat
        .lines()
        .find_map(|line| line.strip_prefix("procs_running "))?
        .trim()
        .parse()
        .ok()?;
    if cores == 0 || running == 0 {
        return None;
    }
    Some(cores.saturating_sub(running - 1))
}

/// Whether `BZIP2_DECODER_LOAD_CHECK` (its value, if set) leaves the check for busy cores on: only
/// `0` turns it off.
fn load_check_on(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_none_or(|v| v != "0")
}

/// Decodes one input to `out`; returns the trailing-garbage offset, if any.
fn decode_one(name: &str, args: &Args, out: &mut dyn Write) -> Result<Option<u64>> {
    let input = open(name)?;
    // With threads the decoder reads a window of a few blocks per thread ahead, never the whole
    // input, so a bad file fails as early as with one thread.
    let threads = if load_check_on(std::env::var_os("BZIP2_DECODER_LOAD_CHECK").as_deref()) {
        // Looked up only for `--threads 0`: it reads cgroup files, a tenth of a millisecond.
        let all = match args.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            _ => 0,
        };
        threads_for(args.threads, all, idle_cores, |look| {
            let gap = LOOK_GAPS.get(look.wrapping_sub(1)).copied().unwrap_or(0);
            yield_for(std::time::Duration::from_micros(gap));
        })
    } else {
        args.threads
    };
    let mut decoder = Decoder::with_options(input, &Options::new().threads(threads));
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match decoder.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            // The decoder retries an interrupted read of its input itself.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_broken_pipe_somewhere_in_the_chain_is_one() {
        let _deadline =
            gauntlet_oracle::no_hang("only_a_broken_pipe_somewhere_in_the_chain_is_one");
        let pipe = anyhow::Error::from(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(is_broken_pipe(&pipe));
        assert!(is_broken_pipe(&pipe.context("writing to stdout")));
        let other = anyhow::Error::from(io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(!is_broken_pipe(&other.context("opening x.bz2")));
        assert!(!is_broken_pipe(&anyhow::anyhow!("broken pipe")));
    }

    const STAT: &str = "cpu  1 2 3 4\ncpu0 1 2 3 4\ncpu1 1 2 3 4\nintr 5\nctxt 6\nprocs_running 3\nprocs_blocked 0\n";

    #[test]
    fn idle_cores_are_the_online_cores_less_the_other_runnable_tasks() {
        let _deadline = gauntlet_oracle::no_hang(
            "idle_cores_are_the_online_cores_less_the_other_runnable_tasks",
        );
        assert_eq!(idle_cores_in(STAT), Some(0));
        assert_eq!(
            idle_cores_in(&STAT.replace("procs_running 3", "procs_running 1")),
            Some(2)
        );
        assert_eq!(
            idle_cores_in(&STAT.replace("procs_running 3", "procs_running 2")),
            Some(1)
        );
        assert_eq!(idle_cores_in("cpu0 1\n"), None);
        assert_eq!(idle_cores_in("procs_running 1\n"), None);
    }

    #[test]
    fn only_zero_turns_the_load_check_off() {
        let _deadline = gauntlet_oracle::no_hang("only_zero_turns_the_load_check_off");
        use std::ffi::OsStr;
        assert!(load_check_on(None));
        assert!(load_check_on(Some(OsStr::new("1"))));
        assert!(load_check_on(Some(OsStr::new(""))));
        assert!(!load_check_on(Some(OsStr::new("0"))));
    }

    /// `threads_for` with the idle cores of successive looks taken from `looks` (then `None`);
    /// returns the threads, how many looks it took and the looks it paused before.
    fn decide(asked: usize, all: usize, looks: &[Option<usize>]) -> (usize, usize, Vec<usize>) {
        let mut taken = 0;
        let mut pauses = Vec::new();
        let threads = threads_for(
            asked,
            all,
            || {
                taken += 1;
                looks.get(taken - 1).copied().flatten()
            },
            |look| pauses.push(look),
        );
        (threads, taken, pauses)
    }

    #[test]
    fn busy_cores_cut_the_threads_down_to_one() {
        let _deadline = gauntlet_oracle::no_hang("busy_cores_cut_the_threads_down_to_one");
        assert_eq!(decide(2, 2, &[Some(0); 5]), (1, 5, vec![1, 2, 3, 4]));
        assert_eq!(decide(2, 2, &[Some(1); 5]), (1, 5, vec![1, 2, 3, 4]));
        assert_eq!(decide(4, 8, &[Some(2); 5]), (2, 5, vec![1, 2, 3, 4]));
        assert_eq!(
            decide(2, 2, &[None; 5]),
            (2, 5, vec![1, 2, 3, 4]),
            "no /proc/stat: as asked"
        );
        assert_eq!(decide(0, 2, &[Some(0); 5]), (1, 5, vec![1, 2, 3, 4]));
        assert_eq!(
            LOOK_GAPS.iter().sum::<u64>(),
            1000,
            "busy for a millisecond"
        );
    }

    #[test]
    fn enough_idle_cores_at_the_first_look_take_no_pause() {
        let _deadline =
            gauntlet_oracle::no_hang("enough_idle_cores_at_the_first_look_take_no_pause");
        assert_eq!(decide(2, 2, &[Some(2)]), (2, 1, vec![]));
        assert_eq!(decide(2, 4, &[Some(3)]), (2, 1, vec![]));
        assert_eq!(decide(0, 3, &[Some(3)]), (3, 1, vec![]), "0 asks for all");
        assert_eq!(decide(0, 4, &[Some(2); 5]), (2, 5, vec![1, 2, 3, 4]));
    }

    #[test]
    fn a_task_runnable_for_a_moment_does_not_take_a_core() {
        let _deadline =
            gauntlet_oracle::no_hang("a_task_runnable_for_a_moment_does_not_take_a_core");
        assert_eq!(
            decide(2, 2, &[Some(1), Some(1), Some(2)]),
            (2, 3, vec![1, 2])
        );
        assert_eq!(
            decide(2, 2, &[Some(0), Some(0), Some(0), Some(0), Some(2)]),
            (2, 5, vec![1, 2, 3, 4])
        );
        assert_eq!(
            decide(
                2,
                2,
                &[Some(0), Some(0), Some(0), Some(0), Some(0), Some(2)]
            ),
            (1, 5, vec![1, 2, 3, 4]),
            "five looks, no more"
        );
        assert_eq!(
            decide(4, 4, &[Some(1), Some(3), Some(2), Some(1), Some(0)]),
            (3, 5, vec![1, 2, 3, 4])
        );
        assert_eq!(
            decide(2, 2, &[None, Some(0), None, None, None]),
            (1, 5, vec![1, 2, 3, 4])
        );
    }

    #[test]
    fn one_thread_needs_no_look() {
        let _deadline = gauntlet_oracle::no_hang("one_thread_needs_no_look");
        let look = || panic!("one thread needs no look");
        assert_eq!(threads_for(1, 4, look, |_| panic!("nor a pause")), 1);
        assert_eq!(threads_for(0, 1, look, |_| panic!("nor a pause")), 1);
        assert_eq!(threads_for(0, 0, look, |_| panic!("nor a pause")), 1);
    }
}
