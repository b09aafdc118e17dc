//! bzip2 decoding in MB/s of output and ns per block: ours (one thread, two threads, and with the plain
//! one-chain BWT walk) against C libbz2 1.0.8 (the anchor), libbz2-rs-sys and bzip2-rs, in the same run.
//!
//! `cargo bench -p gauntlet-bench --bench bzip2_decoder`
//!
//! Inputs are made at bench time: the Rust documentation HTML under `$(rustc --print sysroot)/share/doc`
//! (text) and the toolchain's shared libraries (binary), 4 MiB of each, compressed by C libbz2 at `-1`
//! and `-9`. Without a documented toolchain the bench falls back to generated text and says so.
//!
//! Goals: one thread ≥ 1.5× C libbz2 at p50 on text and binary; two threads on one single-stream file
//! ≥ 1.8× our one thread.
//!
//! Thread scaling is measured on 16 MiB files as well (`…/16MiB/…` cases, anchored on our one thread).
//! At `-9` the 4 MiB file is 4.6 blocks: with whole blocks as the unit of work two threads would
//! take 2.6 block-times instead of 4.6 (about 1.75×), so a thread with no block left takes half of
//! the sort, walk and CRC of another thread's block (`targets/bzip2-decoder/src/assist.rs`).
//!
//! The `…_reused` cases decode through one `Decompressor` and output buffer kept across iterations,
//! as a program decoding many files would (the thread-scaling goal is judged on these): the one-shot
//! cases also pay for fresh pages every call, and the second thread's buffers double that cost.
//! Each reused pair is then timed once more in alternation, one call of each per round, and the
//! median of the per-round ratios is printed with a 95 % confidence interval ("paired"): the
//! separately recorded p50s drift apart by ±10–20 % on a shared VM, the paired ratio much less.
//! Every round also runs two independent one-thread decodes at once: the machine's own ceiling for
//! two threads at that moment (1.5–1.98 on this 2-vCPU VM, depending on the neighbours), and the
//! efficiency is the speed-up over that ceiling.
//!
//! Busy machine (`…/busy`): the same reused one-thread/two-thread pair, timed in alternation while
//! the bench keeps every core the process may use busy with spinning threads (as two CPU-bound
//! processes would on this 2-vCPU VM). It prints the per-round speed ratio (goal ≥ 0.95: a second
//! thread must never cost time) and CPU-time ratio (goal ≤ 1.10: nor burn CPU waiting), medians
//! with 95 % confidence intervals. The decoders' CPU time is the process's CPU clock minus what
//! the spinners report from their own thread clocks. With `GAUNTLET_BZIP2_BUSY=session` the
//! spinners are processes in a session of their own instead (autogroup scheduling then gives
//! them, and the bench, separate shares of the CPU, as for programs started from another terminal).
//!
//! One-shot against reused (`…/one_shot_vs_reused`): `decompress()` and a reused `Decompressor`
//! (one thread) timed in alternation; the median per-round time ratio, goal ≤ 1.05.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use criterion::Criterion;
use gauntlet_bench::Bench;

gauntlet_bench::counting_allocator!();

const CORPUS_BYTES: usize = 4 << 20;
/// The corpus size in instruction mode (`cargo gauntlet compare --measure instructions`): under
/// callgrind a 4 MiB decode takes seconds, and the count per byte hardly depends on the size.
const INSTRUCTION_CORPUS_BYTES: usize = 512 << 10;
/// Decodes counted per bench in instruction mode (plus one warm-up).
const INSTRUCTION_ITERATIONS: u64 = 2;

fn sysroot() -> Option<PathBuf> {
    let out = std::process::Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    Some(PathBuf::from(String::from_utf8(out.stdout).ok()?.trim()))
}

/// The 16 MiB files for thread scaling.
const SCALING_BYTES: usize = 16 << 20;

/// Files under `dir` whose name ends in `suffix`, sorted, concatenated up to `limit` bytes.
fn gather(dir: &Path, suffix: &str, limit: usize) -> Vec<u8> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(suffix) {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for file in files {
        if out.len() >= limit {
            break;
        }
        if let Ok(bytes) = std::fs::read(&file) {
            out.extend_from_slice(&bytes);
        }
    }
    out.truncate(limit);
    out
}

/// Seeded filler for machines without a documented toolchain.
fn generated_text(limit: usize) -> Vec<u8> {
    let words = [
        "fn ", "let ", "impl ", "<div>", "</div>\n", "struct ", "trait ", "pub ", "self", "Vec<u8>",
    ];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut out = Vec::with_capacity(limit);
    while out.len() < limit {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(words[(state % words.len() as u64) as usize].as_bytes());
    }
    out
}

fn corpora(limit: usize) -> Vec<(&'static str, Vec<u8>)> {
    let root = sysroot();
    let text = root
        .as_ref()
        .map(|r| gather(&r.join("share/doc"), ".html", limit))
        .unwrap_or_default();
    let binary = root
        .as_ref()
        .map(|r| gather(&r.join("lib"), ".so", limit))
        .unwrap_or_default();
    let text = if text.len() < limit / 2 {
        eprintln!("note: no Rust documentation under the sysroot; benching generated text instead");
        generated_text(limit)
    } else {
        text
    };
    let mut out = vec![("text", text)];
    if binary.len() >= limit / 2 {
        out.push(("binary", binary));
    } else {
        eprintln!("note: no toolchain shared libraries found; skipping the binary corpus");
    }
    out
}

/// C libbz2 1.0.8 through its C API.
mod c {
    use bzip2_sys as ffi;

    pub fn compress(data: &[u8], level: i32) -> Vec<u8> {
        let mut out = vec![0u8; data.len() + data.len() / 50 + 1024];
        // SAFETY: an all-zero bz_stream (null pointers, null allocators) is the documented initial state.
        let mut strm: ffi::bz_stream = unsafe { std::mem::zeroed() };
        // SAFETY: `strm` is a valid, zeroed stream that lives until BZ2_bzCompressEnd below.
        let init = unsafe { ffi::BZ2_bzCompressInit(&mut strm, level, 0, 0) };
        assert_eq!(init, ffi::BZ_OK);
        strm.next_in = data.as_ptr() as *mut _;
        strm.avail_in = data.len() as u32;
        strm.next_out = out.as_mut_ptr() as *mut _;
        strm.avail_out = out.len() as u32;
        // SAFETY: next_in/next_out point into `data` and `out`, valid for their avail_* lengths.
        let rc = unsafe { ffi::BZ2_bzCompress(&mut strm, ffi::BZ_FINISH) };
        assert_eq!(
            rc,
            ffi::BZ_STREAM_END,
            "output buffer large enough for -{level}"
        );
        let len = out.len() - strm.avail_out as usize;
        // SAFETY: `strm` was initialised by BZ2_bzCompressInit.
        unsafe { ffi::BZ2_bzCompressEnd(&mut strm) };
        out.truncate(len);
        out
    }

    /// Decodes one stream into `out` (sized to the expected length); returns the bytes written.
    pub fn decompress(input: &[u8], out: &mut [u8]) -> usize {
        // SAFETY: an all-zero bz_stream is the documented initial state.
        let mut strm: ffi::bz_stream = unsafe { std::mem::zeroed() };
        // SAFETY: `strm` is valid and lives until BZ2_bzDecompressEnd below.
        let init = unsafe { ffi::BZ2_bzDecompressInit(&mut strm, 0, 0) };
        assert_eq!(init, ffi::BZ_OK);
        strm.next_in = input.as_ptr() as *mut _;
        strm.avail_in = input.len() as u32;
        strm.next_out = out.as_mut_ptr() as *mut _;
        strm.avail_out = out.len() as u32;
        // SAFETY: the buffers are valid for their avail_* lengths; libbz2 only reads `next_in`.
        let rc = unsafe { ffi::BZ2_bzDecompress(&mut strm) };
        assert_eq!(rc, ffi::BZ_STREAM_END);
        let len = out.len() - strm.avail_out as usize;
        // SAFETY: `strm` was initialised by BZ2_bzDecompressInit.
        unsafe { ffi::BZ2_bzDecompressEnd(&mut strm) };
        len
    }
}

/// libbz2-rs-sys through the same C API (implemented in Rust).
fn rs_sys_decompress(input: &[u8], out: &mut [u8]) -> usize {
    let mut len = out.len() as u32;
    // SAFETY: `out` is valid for `len` bytes and `input` for its length; the function reads only
    // `input` and writes at most `len` bytes, reporting the count back through `len`.
    let rc = unsafe {
        libbz2_rs_sys::BZ2_bzBuffToBuffDecompress(
            out.as_mut_ptr().cast(),
            &mut len,
            input.as_ptr() as *mut _,
            input.len() as u32,
            0,
            0,
        )
    };
    assert_eq!(rc, 0, "libbz2-rs-sys failed");
    len as usize
}

/// Our one thread and two threads through a reused [`bzip2_decoder::Decompressor`] and output buffer,
/// as a program decoding many files would run them: no fresh pages per call, so the thread-scaling
/// ratio is not diluted by page faults (on this machine's VM each costs about 1.5 µs, a tenth of a
/// one-thread 4 MiB decode, and the second thread's buffers double them).
fn reused_pair(
    c: &mut Criterion,
    case: &str,
    compressed: &[u8],
    expected_len: usize,
) -> (
    Option<gauntlet_bench::BenchRecord>,
    Option<gauntlet_bench::BenchRecord>,
) {
    let bench = |name: &str| {
        Bench::new("bzip2_decoder", &format!("{case}/{name}"))
            .throughput_bytes(expected_len as u64)
            .instruction_iterations(INSTRUCTION_ITERATIONS)
            .threads(threads_of(name))
    };
    let mut run = |name: &str, threads: usize, anchor: Option<String>| {
        let mut decompressor =
            bzip2_decoder::Decompressor::new(bzip2_decoder::Options::new().threads(threads));
        let mut out = Vec::new();
        let bench = match anchor {
            Some(anchor) => bench(name).vs(&anchor),
            None => bench(name).anchor(),
        };
        bench.run(c, || {
            out.clear();
            decompressor.decompress_into(compressed, &mut out).unwrap();
            assert_eq!(out.len(), expected_len);
            out.len()
        })
    };
    let one = run("ours_reused", 1, None);
    let two = run(
        "ours_2_threads_reused",
        2,
        Some(format!("{case}/ours_reused")),
    );
    (one, two)
}

/// Adds the p50 ratio of the reused pair and, when both ran, the same two decoders timed in
/// alternation together with the machine's own two-thread ceiling (see
/// [`gauntlet_bench::thread_scaling`]): on a machine whose speed drifts, these are the figures to
/// judge the thread-scaling goal by.
fn push_reused_ratio(
    ratios: &mut Vec<String>,
    case: &str,
    pair: (
        Option<gauntlet_bench::BenchRecord>,
        Option<gauntlet_bench::BenchRecord>,
    ),
    compressed: &[u8],
    expected_len: usize,
) {
    let (Some(one), Some(two)) = pair else {
        return;
    };
    ratios.push(format!(
        "{case}: reused decompressor, 2 threads/ours = {:.2}x (p50 speed ratio)",
        one.percentiles_ns.p50 / two.percentiles_ns.p50
    ));
    let decoder = |threads: usize| reused_decoder(threads, compressed, expected_len);
    let scaling = gauntlet_bench::thread_scaling(
        gauntlet_bench::record_time(),
        decoder(1),
        decoder(2),
        decoder(1),
    );
    let (speedup, ceiling, efficiency) = (scaling.speedup, scaling.ceiling, scaling.efficiency);
    ratios.push(format!(
        "{case}: reused decompressor, 2 threads/ours = {:.2}x paired (95% CI {:.2}-{:.2}); ceiling (two one-thread decodes at once) {:.2}x (CI {:.2}-{:.2}); efficiency {:.2} (CI {:.2}-{:.2}); {} rounds",
        speedup.median,
        speedup.low,
        speedup.high,
        ceiling.median,
        ceiling.low,
        ceiling.high,
        efficiency.median,
        efficiency.low,
        efficiency.high,
        speedup.rounds
    ));
}

/// CPU clocks, in nanoseconds.
mod cpu {
    fn clock(id: libc::clockid_t) -> u64 {
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `now` is a valid, writable timespec; the clock ids used are always supported on
        // Linux.
        let rc = unsafe { libc::clock_gettime(id, &mut now) };
        assert_eq!(rc, 0, "clock_gettime failed");
        now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
    }

    /// CPU time of every thread of this process, finished ones included.
    pub fn process() -> u64 {
        clock(libc::CLOCK_PROCESS_CPUTIME_ID)
    }

    /// CPU time of the calling thread.
    pub fn thread() -> u64 {
        clock(libc::CLOCK_THREAD_CPUTIME_ID)
    }
}

/// Threads that keep `n` cores busy until dropped, each publishing its own CPU time; or, with
/// `GAUNTLET_BZIP2_BUSY=session`, `n` spinning processes in a session of their own (`setsid`).
struct Spinners {
    stop: Arc<AtomicBool>,
    used: Arc<Vec<AtomicU64>>,
    threads: Vec<std::thread::JoinHandle<()>>,
    processes: Vec<std::process::Child>,
}

impl Spinners {
    /// Whether the spinners are processes in another session: with autogroup scheduling (the
    /// Linux default) that session then gets a share of the CPU of its own, as programs started
    /// from another terminal do, where spinning threads compete inside the bench's share.
    fn in_session() -> bool {
        std::env::var("GAUNTLET_BZIP2_BUSY").is_ok_and(|v| v == "session")
    }

    fn start(n: usize) -> Spinners {
        if Self::in_session() {
            let processes = (0..n)
                .map(|_| {
                    std::process::Command::new("setsid")
                        .args(["sh", "-c", "while :; do :; done"])
                        .spawn()
                        .expect("setsid sh (util-linux) starts a spinner")
                })
                .collect();
            return Spinners {
                stop: Arc::new(AtomicBool::new(false)),
                used: Arc::new(Vec::new()),
                threads: Vec::new(),
                processes,
            };
        }
        let stop = Arc::new(AtomicBool::new(false));
        let used: Arc<Vec<AtomicU64>> = Arc::new((0..n).map(|_| AtomicU64::new(0)).collect());
        let threads = (0..n)
            .map(|i| {
                let (stop, used) = (Arc::clone(&stop), Arc::clone(&used));
                std::thread::spawn(move || {
                    let start = cpu::thread();
                    let mut x = i as u64 | 1;
                    while !stop.load(Ordering::Relaxed) {
                        // A few microseconds of pure arithmetic between clock reads.
                        for _ in 0..2000 {
                            x = std::hint::black_box(x.wrapping_mul(6364136223846793005) ^ 1);
                        }
                        used[i].store(cpu::thread() - start, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        Spinners {
            stop,
            used,
            threads,
            processes: Vec::new(),
        }
    }

    /// What is spinning, for the report line.
    fn describe(&self) -> String {
        if self.processes.is_empty() {
            format!("{} spinning threads", self.threads.len())
        } else {
            format!(
                "{} spinning processes in another session",
                self.processes.len()
            )
        }
    }

    /// CPU time the spinner threads have used so far (none for processes, whose time the
    /// process clock does not count) (each at its last report, microseconds old).
    fn used(&self) -> u64 {
        self.used.iter().map(|u| u.load(Ordering::Relaxed)).sum()
    }
}

impl Drop for Spinners {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
        for mut process in self.processes.drain(..) {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

/// A reused [`bzip2_decoder::Decompressor`] with `threads` threads, as a closure that decodes
/// `compressed` and checks the length.
fn reused_decoder(
    threads: usize,
    compressed: &[u8],
    expected_len: usize,
) -> impl FnMut() -> usize + Send + '_ {
    let mut decompressor =
        bzip2_decoder::Decompressor::new(bzip2_decoder::Options::new().threads(threads));
    let mut out = Vec::new();
    move || {
        out.clear();
        decompressor.decompress_into(compressed, &mut out).unwrap();
        assert_eq!(out.len(), expected_len);
        out.len()
    }
}

/// The busy-machine case: two threads against one (reused decompressors), timed in alternation
/// while spinning threads keep every core busy; per-round speed and CPU-time ratios.
fn push_busy_ratio(ratios: &mut Vec<String>, case: &str, compressed: &[u8], expected_len: usize) {
    if !gauntlet_bench::filter_matches(&format!("bzip2_decoder/{case}/busy")) {
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut one = reused_decoder(1, compressed, expected_len);
    let mut two = reused_decoder(2, compressed, expected_len);
    let spinners = Spinners::start(cores);
    // Wall and decoder CPU time of one call.
    let measure = |op: &mut dyn FnMut() -> usize| {
        let (cpu0, spun0) = (cpu::process(), spinners.used());
        let t = Instant::now();
        std::hint::black_box(op());
        let wall = t.elapsed().as_nanos().max(1) as f64;
        let spun = spinners.used() - spun0;
        let cpu = cpu::process().saturating_sub(cpu0).saturating_sub(spun);
        (wall, cpu.max(1) as f64)
    };
    measure(&mut one);
    measure(&mut two);
    let end = Instant::now() + gauntlet_bench::record_time();
    let (mut speed, mut cpu) = (Vec::new(), Vec::new());
    let (mut wall_one, mut wall_two) = (Vec::new(), Vec::new());
    while speed.len() < 11 || Instant::now() < end {
        let ((w1, c1), (w2, c2)) = if speed.len() % 2 == 0 {
            let a = measure(&mut one);
            (a, measure(&mut two))
        } else {
            let b = measure(&mut two);
            (measure(&mut one), b)
        };
        speed.push(w1 / w2);
        cpu.push(c2 / c1);
        wall_one.push(w1);
        wall_two.push(w2);
    }
    let spinning = spinners.describe();
    drop(spinners);
    let (speed, cpu) = (
        gauntlet_bench::summarise_ratios(speed),
        gauntlet_bench::summarise_ratios(cpu),
    );
    let median = |v: Vec<f64>| gauntlet_bench::summarise_ratios(v).median;
    ratios.push(format!(
        "{case}: busy ({spinning}), 2 threads/1 thread speed = {:.2}x (95% CI {:.2}-{:.2}), CPU time = {:.2}x (CI {:.2}-{:.2}); one thread {}, two {} (medians); {} rounds",
        speed.median,
        speed.low,
        speed.high,
        cpu.median,
        cpu.low,
        cpu.high,
        gauntlet_bench::fmt_ns(median(wall_one)),
        gauntlet_bench::fmt_ns(median(wall_two)),
        speed.rounds,
    ));
}

/// `decompress()` against a reused one-thread [`bzip2_decoder::Decompressor`], timed in
/// alternation: the median per-round ratio of their times (above 1: one-shot is slower).
fn push_one_shot_ratio(
    ratios: &mut Vec<String>,
    case: &str,
    compressed: &[u8],
    expected_len: usize,
) {
    if !gauntlet_bench::filter_matches(&format!("bzip2_decoder/{case}/one_shot_vs_reused")) {
        return;
    }
    let one_shot = || {
        let got = bzip2_decoder::decompress(compressed).unwrap();
        assert_eq!(got.len(), expected_len);
        got
    };
    let ratio = gauntlet_bench::paired_speedup(
        gauntlet_bench::record_time(),
        one_shot,
        reused_decoder(1, compressed, expected_len),
    );
    ratios.push(format!(
        "{case}: one-shot/reused time = {:.3}x paired (95% CI {:.3}-{:.3}); {} rounds",
        ratio.median, ratio.low, ratio.high, ratio.rounds
    ));
}

/// Threads a bench named `name` decodes on (`…_2_threads`: two).
fn threads_of(name: &str) -> usize {
    if name.contains("2_threads") { 2 } else { 1 }
}

fn main() {
    let mut c = gauntlet_bench::criterion();
    let mut ratios = Vec::new();
    let counting = gauntlet_bench::instruction_mode();
    let corpus_bytes = if counting {
        INSTRUCTION_CORPUS_BYTES
    } else {
        CORPUS_BYTES
    };
    for (corpus, data) in corpora(corpus_bytes) {
        for level in [1, 9] {
            let compressed = c::compress(&data, level);
            let blocks = data.len().div_ceil(level as usize * 100_000 - 20) as f64;
            let case = format!("{corpus}/l{level}");
            let bytes = data.len() as u64;
            let mut out = vec![0u8; data.len() + 1];
            let bench = |name: &str| {
                Bench::new("bzip2_decoder", &format!("{case}/{name}"))
                    .throughput_bytes(bytes)
                    .instruction_iterations(INSTRUCTION_ITERATIONS)
                    .threads(threads_of(name))
            };
            let anchor = format!("{case}/c_libbz2");

            let c_rec = bench("c_libbz2").anchor().run(&mut c, || {
                let n = c::decompress(&compressed, &mut out);
                assert_eq!(n, data.len());
                n
            });
            let ours = bench("ours").vs(&anchor).run(&mut c, || {
                let got = bzip2_decoder::decompress(&compressed).unwrap();
                assert_eq!(got.len(), data.len());
                got
            });
            let ours2 = bench("ours_2_threads").vs(&anchor).run(&mut c, || {
                let got = bzip2_decoder::Options::new()
                    .threads(2)
                    .decompress(&compressed)
                    .unwrap();
                assert_eq!(got.data.len(), data.len());
                got
            });
            let reused = reused_pair(&mut c, &case, &compressed, data.len());
            bench("ours_one_step_bwt").vs(&anchor).run(&mut c, || {
                let got = bzip2_decoder::Options::new()
                    .single_chain_bwt(true)
                    .decompress(&compressed)
                    .unwrap();
                assert_eq!(got.data.len(), data.len());
                got
            });
            bench("libbz2_rs_sys").vs(&anchor).run(&mut c, || {
                let n = rs_sys_decompress(&compressed, &mut out);
                assert_eq!(n, data.len());
                n
            });
            bench("bzip2_rs").vs(&anchor).run(&mut c, || {
                let mut reader = bzip2_rs::DecoderReader::new(&compressed[..]);
                let mut got = Vec::with_capacity(data.len());
                reader.read_to_end(&mut got).unwrap();
                assert_eq!(got.len(), data.len());
                got
            });
            // Correctness once, outside the timed loops.
            assert!(bzip2_decoder::decompress(&compressed).unwrap() == data);
            if let (Some(c_rec), Some(ours), Some(ours2)) = (c_rec, ours, ours2) {
                let (c50, o50, t50) = (
                    c_rec.percentiles_ns.p50,
                    ours.percentiles_ns.p50,
                    ours2.percentiles_ns.p50,
                );
                println!(
                    "{case}: ns/block p50: c {:.0}, ours {:.0}, ours 2 threads {:.0}",
                    c50 / blocks,
                    o50 / blocks,
                    t50 / blocks
                );
                ratios.push(format!(
                    "{case}: ours/C = {:.2}x, 2 threads/ours = {:.2}x (p50 speed ratios)",
                    c50 / o50,
                    o50 / t50
                ));
            }
            if counting {
                // Timing ratios only: nothing to count.
                continue;
            }
            push_reused_ratio(&mut ratios, &case, reused, &compressed, data.len());
            push_one_shot_ratio(&mut ratios, &case, &compressed, data.len());
            push_busy_ratio(&mut ratios, &case, &compressed, data.len());
        }
    }
    // Thread scaling on files with enough blocks to share: 16 MiB is 18 blocks at -9, 168 at -1.
    // Not in instruction mode: callgrind counts one thread, and the one-thread decode is counted
    // above.
    let scaling = if counting {
        Vec::new()
    } else {
        corpora(SCALING_BYTES)
    };
    for (corpus, data) in scaling {
        for level in [1, 9] {
            let compressed = c::compress(&data, level);
            let case = format!("{corpus}/l{level}/16MiB");
            let bench = |name: &str| {
                Bench::new("bzip2_decoder", &format!("{case}/{name}"))
                    .throughput_bytes(data.len() as u64)
            };
            let one = bench("ours").anchor().run(&mut c, || {
                let got = bzip2_decoder::decompress(&compressed).unwrap();
                assert_eq!(got.len(), data.len());
                got
            });
            let two = bench("ours_2_threads")
                .vs(&format!("{case}/ours"))
                .run(&mut c, || {
                    let got = bzip2_decoder::Options::new()
                        .threads(2)
                        .decompress(&compressed)
                        .unwrap();
                    assert_eq!(got.data.len(), data.len());
                    got
                });
            if let (Some(one), Some(two)) = (one, two) {
                ratios.push(format!(
                    "{case}: 2 threads/ours = {:.2}x (p50 speed ratio)",
                    one.percentiles_ns.p50 / two.percentiles_ns.p50
                ));
            }
            let reused = reused_pair(&mut c, &case, &compressed, data.len());
            push_reused_ratio(&mut ratios, &case, reused, &compressed, data.len());
        }
    }
    for line in ratios {
        println!("{line}");
    }
    c.final_summary();
}
