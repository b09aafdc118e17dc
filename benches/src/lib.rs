//! Percentile bench support: every sample in an HdrHistogram, allocations per op, and one JSON
//! result file per bench that `cargo harness compare` reads.
//!
//! ```no_run
//! use gauntlet_bench::Bench;
//! gauntlet_bench::counting_allocator!();
//! fn main() {
//!     let mut c = gauntlet_bench::criterion();
//!     Bench::new("demo", "sum/1k").run(&mut c, || (0..1000u64).sum::<u64>());
//!     c.final_summary();
//! }
//! ```
//!
//! # What a run does
//! [`Bench::run`] first runs an ordinary criterion bench (its HTML report stays available under
//! `target/criterion/`), then a recording pass of its own: the timer overhead is calibrated, the
//! operation is batched so one timed sample lasts at least [`MIN_SAMPLE_NANOS`], and every sample
//! (batch time minus overhead, divided by the batch size) goes into an HdrHistogram in picoseconds.
//! A separate pass counts allocations per op through [`CountingAlloc`].
//!
//! # Environment
//! - `GAUNTLET_BENCH_OUT`: directory for result files (default `<workspace>/target/gauntlet/bench`).
//! - `GAUNTLET_BENCH_QUICK=1`: skip criterion, record for 100 ms (smoke runs, CI).
//! - `GAUNTLET_BENCH_TIME_MS`: recording time per bench (default 2000).
//! - `GAUNTLET_SKIP_CRITERION=1`: record only (what `cargo harness compare` uses per process run).
//! - `GAUNTLET_BENCH_SLOWDOWN_PCT`: spin this many percent longer per op. Only for calibrating
//!   the comparison (a known injected regression must be detected). In instruction mode the op
//!   runs this many percent more times instead (deterministic work, not time).
//! - `GAUNTLET_BENCH_INSTRUCTIONS=1`: instruction mode (`cargo gauntlet compare --measure
//!   instructions` sets it and runs the executable under callgrind): no criterion, no timing;
//!   each selected bench runs its op once to warm up, then [`Bench::instruction_iterations`]
//!   times inside one call of `gauntlet_bench::measured`, the only code callgrind counts, and
//!   prints a line `gauntlet-instructions {json}` (an [`InstructionRun`]) naming the bench, the
//!   iteration count and the code path counted. Benches that time things outside [`Bench::run`]
//!   should check [`instruction_mode`] and skip that.
//!
//! The result format is [`BenchRecord`]; see `benches/README.md`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
pub use criterion::{Criterion, Throughput};
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer, V2Serializer};

/// A timed sample lasts at least this long, so the timer's overhead and resolution stay small
/// against it.
pub const MIN_SAMPLE_NANOS: u64 = 2_000;

/// The schema tag written into every record.
pub use gauntlet_records::bench::{
    BenchRecord, Meta, Percentiles, SCHEMA, VsAnchor, cpu_model, file_name, fmt_ns, rfc3339,
    rfc3339_now,
};

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static ALLOC_BYTES: AtomicU64 = AtomicU64::new(0);
/// How many [`count_allocations`] calls are running: the allocator counts only while one is, so
/// that timed code pays no atomic increments per allocation.
static COUNTING: AtomicUsize = AtomicUsize::new(0);

/// Adds one allocation of `bytes` to the counters, if a [`count_allocations`] call is running.
#[inline]
fn count(bytes: usize) {
    if COUNTING.load(Ordering::Relaxed) > 0 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        ALLOC_BYTES.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

/// A global allocator that counts allocations (and reallocations) and bytes while
/// [`count_allocations`] runs, then defers to the system allocator. Install it with
/// [`counting_allocator!`].
///
/// Outside `count_allocations` it counts nothing: two atomic increments per allocation cost about
/// as much as the allocation itself (measured in the query-sorter bench: with them, one
/// `malloc`/`free` of a 140-byte key timed at 1/11 of a split/sort/join of a 5-parameter URL,
/// 1/18 without), which would charge code that allocates for the bench's own bookkeeping.
#[derive(Debug)]
pub struct CountingAlloc;

// SAFETY: every method forwards to `System`, which upholds the `GlobalAlloc` contract; the
// counters are plain atomics and do not touch the memory.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller's contract for `alloc` is passed through unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: `ptr`/`layout` came from `System` through this allocator; the caller upholds
        // `realloc`'s contract for `new_size`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Installs [`CountingAlloc`] as the bench binary's global allocator.
#[macro_export]
macro_rules! counting_allocator {
    () => {
        #[global_allocator]
        static GAUNTLET_COUNTING_ALLOC: $crate::CountingAlloc = $crate::CountingAlloc;
    };
}

/// Runs `op` with the [`CountingAlloc`] counting, and returns its result with the allocations
/// (and reallocations) and bytes made meanwhile, on any thread (zeros unless
/// [`counting_allocator!`] is installed). Calls may overlap: the allocator counts while any runs,
/// so each sees the others' allocations too.
pub fn count_allocations<R>(op: impl FnOnce() -> R) -> (R, u64, u64) {
    /// Stops the counting when dropped, even if `op` panics.
    struct Counting;
    impl Drop for Counting {
        fn drop(&mut self) {
            COUNTING.fetch_sub(1, Ordering::Relaxed);
        }
    }
    COUNTING.fetch_add(1, Ordering::Relaxed);
    let counting = Counting;
    let (allocs, bytes) = (
        ALLOCS.load(Ordering::Relaxed),
        ALLOC_BYTES.load(Ordering::Relaxed),
    );
    let result = op();
    let counted = (
        ALLOCS.load(Ordering::Relaxed) - allocs,
        ALLOC_BYTES.load(Ordering::Relaxed) - bytes,
    );
    drop(counting);
    (result, counted.0, counted.1)
}

/// A criterion configured for gauntlet: command-line filter honoured, short enough for 2 cores.
pub fn criterion() -> Criterion {
    Criterion::default()
        .configure_from_args()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
}

/// Results of this process run, so later benches can be compared with an earlier anchor.
static RESULTS: Mutex<Vec<BenchRecord>> = Mutex::new(Vec::new());

/// One percentile bench. See the crate docs.
#[derive(Debug, Clone)]
pub struct Bench {
    krate: String,
    name: String,
    throughput_bytes: Option<u64>,
    anchor: bool,
    vs: Option<String>,
    instruction_iterations: u64,
    path: Option<String>,
    threads: usize,
}

/// Iterations an op runs under callgrind unless [`Bench::instruction_iterations`] says otherwise.
pub const INSTRUCTION_ITERATIONS: u64 = 100;

/// What a bench prints in instruction mode, after the `gauntlet-instructions ` prefix, once per
/// bench in the order of the calls of `gauntlet_bench::measured` (so the harness can pair it
/// with callgrind's dump of that call).
pub use gauntlet_records::instructions::InstructionRun;

/// Whether this process runs in instruction mode (`GAUNTLET_BENCH_INSTRUCTIONS`): under
/// callgrind, where only the instructions of [`Bench::run`]'s op count. Code with run-time CPU
/// dispatch must pick a path valgrind can execute, and timing-only measurements should be
/// skipped.
pub fn instruction_mode() -> bool {
    env_flag("GAUNTLET_BENCH_INSTRUCTIONS")
}

/// Runs `op` `iterations` times: in instruction mode the only function callgrind counts
/// (`--toggle-collect`) and dumps after (`--dump-after`), so one call is one bench's counts.
#[inline(never)]
fn measured<R>(op: &mut impl FnMut() -> R, iterations: u64) {
    for _ in 0..iterations {
        black_box(op());
    }
}

/// The iterations to run for `nominal` with an injected slowdown of `pct` percent: that many
/// percent more (rounded down), so the counts per nominal iteration grow by about `pct` %.
pub fn slowed_iterations(nominal: u64, pct: u32) -> u64 {
    nominal + nominal * u64::from(pct) / 100
}

impl Bench {
    /// A bench named `krate/name`.
    pub fn new(krate: &str, name: &str) -> Self {
        Bench {
            krate: krate.to_owned(),
            name: name.to_owned(),
            throughput_bytes: None,
            anchor: false,
            vs: None,
            instruction_iterations: INSTRUCTION_ITERATIONS,
            path: None,
            threads: 1,
        }
    }

    /// The op runs on `n` threads. In instruction mode such a bench is skipped (with a note on
    /// stderr): callgrind counts only the thread that enters the measured function.
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n.max(1);
        self
    }

    /// Iterations of the op counted in instruction mode (default [`INSTRUCTION_ITERATIONS`]);
    /// fewer for ops that take milliseconds. At least 1.
    pub fn instruction_iterations(mut self, n: u64) -> Self {
        self.instruction_iterations = n.max(1);
        self
    }

    /// Names the code path the op takes when the code dispatches at run time (e.g. `scalar`
    /// when SIMD is switched off for valgrind); shown with the instruction counts.
    pub fn path(mut self, path: &str) -> Self {
        self.path = Some(path.to_owned());
        self
    }

    /// Each operation processes `n` bytes: MB/s is reported.
    pub fn throughput_bytes(mut self, n: u64) -> Self {
        self.throughput_bytes = Some(n);
        self
    }

    /// Mark this bench as a reference implementation that others compare against.
    pub fn anchor(mut self) -> Self {
        self.anchor = true;
        self
    }

    /// Compare with the anchor bench `name` (same crate) measured earlier in this run.
    pub fn vs(mut self, anchor_name: &str) -> Self {
        self.vs = Some(format!("{}/{anchor_name}", self.krate));
        self
    }

    fn id(&self) -> String {
        format!("{}/{}", self.krate, self.name)
    }

    /// Run the criterion bench and the recording pass; write and return the record. Returns
    /// `None` when the command-line filter excludes this bench.
    pub fn run<R>(self, c: &mut Criterion, mut op: impl FnMut() -> R) -> Option<BenchRecord> {
        let id = self.id();
        let sel = selection();
        if !sel.matches(&id) {
            return None;
        }
        if sel.list {
            println!("{id}: benchmark");
            return None;
        }
        let slowdown = slowdown_pct();
        if instruction_mode() && self.threads > 1 {
            eprintln!(
                "note: {id} runs on {} threads; not counted in instruction mode (callgrind counts \
                 only the thread that enters the measured function)",
                self.threads
            );
            return None;
        }
        if instruction_mode() {
            // One warm-up call outside the counted function (lazy initialisation, first
            // allocations, the simulated caches), then the counted iterations.
            black_box(op());
            let iterations = self.instruction_iterations;
            measured(&mut op, slowed_iterations(iterations, slowdown));
            let run = InstructionRun {
                id,
                iterations,
                path: self.path.clone(),
            };
            println!(
                "{}{}",
                gauntlet_records::instructions::LINE_PREFIX,
                serde_json::to_string(&run).expect("a plain struct serialises")
            );
            return None;
        }
        let mut op = move || {
            let start = if slowdown > 0 {
                Some(Instant::now())
            } else {
                None
            };
            let r = op();
            if let Some(start) = start {
                let extra = start.elapsed().mul_f64(f64::from(slowdown) / 100.0);
                let until = Instant::now() + extra;
                while Instant::now() < until {
                    std::hint::spin_loop();
                }
            }
            r
        };
        if !env_flag("GAUNTLET_BENCH_QUICK") && !env_flag("GAUNTLET_SKIP_CRITERION") {
            let mut g = c.benchmark_group(&self.krate);
            if let Some(n) = self.throughput_bytes {
                g.throughput(Throughput::Bytes(n));
            }
            g.bench_function(&self.name, |b| b.iter(|| black_box(op())));
            g.finish();
        }
        let record = self.record(&mut op);
        print_summary(&record);
        if let Err(e) = write_record(&record) {
            eprintln!("warning: {e}");
        }
        RESULTS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(record.clone());
        Some(record)
    }

    fn record<R>(&self, op: &mut impl FnMut() -> R) -> BenchRecord {
        self.record_for(op, record_time())
    }

    fn record_for<R>(&self, op: &mut impl FnMut() -> R, time: Duration) -> BenchRecord {
        let loadavg = read_loadavg();
        let overhead = timer_overhead();
        // Warm up first (caches, branch predictors, allocator pools, page faults), so that one
        // cold call cannot make the calibration pick a batch that is far too small.
        let warm_until = Instant::now() + time / 10;
        while Instant::now() < warm_until {
            black_box(op());
        }
        let batch = calibrate_batch(op);
        let mut hist = Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000_000, 3)
            .expect("static histogram bounds are valid");
        let overhead_ps = (overhead.as_nanos() as u64).saturating_mul(1000);
        let end = Instant::now() + time;
        let mut samples = 0u64;
        while samples < 10 || (Instant::now() < end && samples < 5_000_000) {
            let t0 = Instant::now();
            for _ in 0..batch {
                black_box(op());
            }
            let elapsed_ps = (t0.elapsed().as_nanos() as u64).saturating_mul(1000);
            let per_op = elapsed_ps.saturating_sub(overhead_ps) / batch;
            hist.saturating_record(per_op.max(1));
            samples += 1;
        }
        let alloc_ops = (samples * batch).clamp(1, 1000);
        let ((), allocs, alloc_bytes) = count_allocations(|| {
            for _ in 0..alloc_ops {
                black_box(op());
            }
        });
        let ns = |ps: u64| ps as f64 / 1000.0;
        let percentiles_ns = Percentiles {
            p50: ns(hist.value_at_quantile(0.50)),
            p90: ns(hist.value_at_quantile(0.90)),
            p99: ns(hist.value_at_quantile(0.99)),
            p999: ns(hist.value_at_quantile(0.999)),
            max: ns(hist.max()),
            min: ns(hist.min()),
        };
        let mut buf = Vec::new();
        V2Serializer::new()
            .serialize(&hist, &mut buf)
            .expect("serialising into a Vec cannot fail");
        let vs_anchor = self.vs.as_ref().and_then(|anchor| {
            let results = RESULTS.lock().unwrap_or_else(|p| p.into_inner());
            let a = results.iter().rev().find(|r| &r.id == anchor)?;
            Some(VsAnchor {
                anchor: anchor.clone(),
                p50_speedup: a.percentiles_ns.p50 / percentiles_ns.p50,
                p99_speedup: a.percentiles_ns.p99 / percentiles_ns.p99,
            })
        });
        BenchRecord {
            schema: SCHEMA.to_owned(),
            id: self.id(),
            krate: self.krate.clone(),
            name: self.name.clone(),
            unit: "ns".to_owned(),
            mb_per_s_p50: self
                .throughput_bytes
                .map(|b| b as f64 / percentiles_ns.p50 * 1000.0),
            percentiles_ns,
            mean_ns: hist.mean() / 1000.0,
            stdev_ns: hist.stdev() / 1000.0,
            samples,
            batch,
            timer_overhead_ns: overhead.as_nanos() as f64,
            allocs_per_op: allocs as f64 / alloc_ops as f64,
            bytes_per_op: alloc_bytes as f64 / alloc_ops as f64,
            throughput_bytes: self.throughput_bytes,
            anchor: self.anchor,
            vs_anchor,
            histogram_v2_base64: base64::engine::general_purpose::STANDARD.encode(&buf),
            meta: Meta { loadavg, ..meta() },
        }
    }
}

/// The speed ratio of two operations timed in alternation: see [`paired_speedup`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedSpeedup {
    /// Rounds timed (each times both operations once).
    pub rounds: usize,
    /// Median over rounds of `time(base) / time(new)`: above 1, `new` is faster.
    pub median: f64,
    /// A 95 % confidence interval for that median (distribution-free: order statistics of the
    /// round ratios).
    pub low: f64,
    pub high: f64,
}

/// Times `base` and `new` in alternation for about `time` (at least 11 rounds), and summarises
/// the per-round speed ratios `time(base) / time(new)`.
///
/// Each round times one call of each, back to back, in alternating order (ABBA), so a machine
/// whose speed drifts over seconds (a shared VM) slows both sides of a round alike, and the
/// ratio holds where two separately recorded percentiles would not. Meant for operations of
/// about 100 µs and longer, where one call is one sample.
pub fn paired_speedup<R, S>(
    time: Duration,
    mut base: impl FnMut() -> R,
    mut new: impl FnMut() -> S,
) -> PairedSpeedup {
    let ratios = alternating_rounds(time, |flip| {
        let (b, n) = time_both(flip, &mut base, &mut new);
        b / n
    });
    summarise_ratios(ratios)
}

/// Nanoseconds one call of `op` takes.
fn time_call<R>(op: &mut impl FnMut() -> R) -> f64 {
    let t = Instant::now();
    black_box(op());
    t.elapsed().as_nanos().max(1) as f64
}

/// The times of one call of `a` and one of `b`, run in the order `b, a` when `flip` is set.
fn time_both<R, S>(flip: bool, a: &mut impl FnMut() -> R, b: &mut impl FnMut() -> S) -> (f64, f64) {
    if flip {
        let tb = time_call(b);
        (time_call(a), tb)
    } else {
        let ta = time_call(a);
        (ta, time_call(b))
    }
}

/// Runs `round` once to warm up (first-call costs such as page faults and thread stacks are not
/// what is compared), then for about `time` and at least 11 rounds, flipping its argument every
/// round (ABBA); returns the results of the timed rounds.
fn alternating_rounds<T>(time: Duration, mut round: impl FnMut(bool) -> T) -> Vec<T> {
    round(false);
    let end = Instant::now() + time;
    let mut results = Vec::new();
    while results.len() < 11 || (Instant::now() < end && results.len() < 100_000) {
        results.push(round(results.len() % 2 == 1));
    }
    results
}

/// A two-thread speed-up read against what the machine offers at that moment: see
/// [`thread_scaling`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThreadScaling {
    /// `time(one) / time(two)`: the two-thread version against the one-thread version.
    pub speedup: PairedSpeedup,
    /// `2·time(one) / time(one and one_more at once on two threads)`: the most any two-thread
    /// version of the job could gain, since two busy vCPUs of a shared VM run slower than one
    /// (shared caches and memory, the host's other tenants).
    pub ceiling: PairedSpeedup,
    /// `speedup / ceiling`, per round.
    pub efficiency: PairedSpeedup,
}

/// Times, in every round, `one` (a job on one thread), `two` (the same job on two threads, ABBA
/// order with `one`) and `one` together with `one_more` (a second copy of the one-thread job on its
/// own state) started at once on two threads; summarises the three per-round ratios of
/// [`ThreadScaling`] like [`paired_speedup`], for about `time` (at least 11 rounds).
///
/// All three come from the same rounds, so a machine whose speed drifts moves the speed-up and its
/// ceiling together: on the 2-vCPU VM the ceiling alone varied between 1.5 and 1.98 within an
/// hour, while the efficiency held.
pub fn thread_scaling<R: Send, S>(
    time: Duration,
    mut one: impl FnMut() -> R + Send,
    mut two: impl FnMut() -> S,
    mut one_more: impl FnMut() -> R + Send,
) -> ThreadScaling {
    let barrier = std::sync::Barrier::new(2);
    let rounds = alternating_rounds(time, |flip| {
        let (t1, t2) = time_both(flip, &mut one, &mut two);
        let together = std::thread::scope(|scope| {
            let other = scope.spawn(|| {
                barrier.wait();
                black_box(one_more());
            });
            barrier.wait();
            let t = Instant::now();
            black_box(one());
            // A panic in `one_more` is re-raised by the scope.
            let _ = other.join();
            t.elapsed().as_nanos().max(1) as f64
        });
        (t1 / t2, 2.0 * t1 / together, together / (2.0 * t2))
    });
    ThreadScaling {
        speedup: summarise_ratios(rounds.iter().map(|r| r.0).collect()),
        ceiling: summarise_ratios(rounds.iter().map(|r| r.1).collect()),
        efficiency: summarise_ratios(rounds.iter().map(|r| r.2).collect()),
    }
}

/// Median of `ratios` with a 95 % confidence interval from the binomial order statistics (normal
/// approximation: ranks `n/2 ∓ 0.98·√n`), for benches that take their own per-round ratios (at
/// least one).
pub fn summarise_ratios(mut ratios: Vec<f64>) -> PairedSpeedup {
    ratios.sort_by(f64::total_cmp);
    let n = ratios.len();
    let half_width = 0.98 * (n as f64).sqrt();
    let rank = |r: f64| (r.max(0.0) as usize).min(n - 1);
    let median = if n % 2 == 1 {
        ratios[n / 2]
    } else {
        (ratios[n / 2 - 1] + ratios[n / 2]) / 2.0
    };
    PairedSpeedup {
        rounds: n,
        median,
        low: ratios[rank((n as f64 / 2.0 - half_width).floor())],
        high: ratios[rank((n as f64 / 2.0 + half_width).ceil())],
    }
}

/// The recording time per bench: `GAUNTLET_BENCH_TIME_MS`, else 100 ms with
/// `GAUNTLET_BENCH_QUICK`, else 2 s.
pub fn record_time() -> Duration {
    let quick = env_flag("GAUNTLET_BENCH_QUICK");
    Duration::from_millis(
        std::env::var("GAUNTLET_BENCH_TIME_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(if quick { 100 } else { 2000 }),
    )
}

/// Median cost of reading the clock twice back to back.
fn timer_overhead() -> Duration {
    let mut v: Vec<Duration> = (0..1001)
        .map(|_| {
            let t = Instant::now();
            t.elapsed()
        })
        .collect();
    v.sort_unstable();
    v[v.len() / 2]
}

/// Operations per timed sample so that one sample takes at least `MIN_SAMPLE_NANOS`.
fn calibrate_batch<R>(op: &mut impl FnMut() -> R) -> u64 {
    let mut batch = 1u64;
    loop {
        // The fastest of three, so one preemption does not end the search early.
        let ns = (0..3)
            .map(|_| {
                let t = Instant::now();
                for _ in 0..batch {
                    black_box(op());
                }
                t.elapsed().as_nanos() as u64
            })
            .min()
            .unwrap_or(0);
        if ns >= MIN_SAMPLE_NANOS || batch >= 1 << 20 {
            return batch;
        }
        // Grow towards the target, at least doubling.
        let want = (batch * MIN_SAMPLE_NANOS / ns.max(1)).max(batch * 2);
        batch = want.min(1 << 20);
    }
}

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0")
}

fn slowdown_pct() -> u32 {
    std::env::var("GAUNTLET_BENCH_SLOWDOWN_PCT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// What the command line selects, by criterion's conventions: the first free argument filters
/// bench ids (a substring; with `--exact`, the whole id), `--list` lists instead of running.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// The filter, if one was given.
    pub filter: Option<String>,
    /// `--exact`: the filter must equal the id.
    pub exact: bool,
    /// `--list`: print `<id>: benchmark` for each selected bench and run nothing.
    pub list: bool,
}

impl Selection {
    /// Read the arguments after the program name (as `cargo bench -- ARGS` passes them).
    pub fn parse(args: impl IntoIterator<Item = String>) -> Selection {
        let mut sel = Selection::default();
        let mut args = args.into_iter();
        while let Some(a) = args.next() {
            match a.as_str() {
                "--list" => sel.list = true,
                "--exact" => sel.exact = true,
                // Flags with values criterion knows; skip the value.
                "--save-baseline"
                | "--baseline"
                | "--load-baseline"
                | "--sample-size"
                | "--measurement-time"
                | "--warm-up-time"
                | "--output-format"
                | "--color"
                | "--profile-time"
                | "--noise-threshold"
                | "--significance-level"
                | "--confidence-level"
                | "--nresamples"
                | "--plotting-backend"
                | "--format" => {
                    args.next();
                }
                _ if a.starts_with('-') => {}
                _ if sel.filter.is_none() => sel.filter = Some(a),
                _ => {}
            }
        }
        sel
    }

    /// Whether the bench `id` is selected (all are without a filter).
    pub fn matches(&self, id: &str) -> bool {
        match &self.filter {
            None => true,
            Some(f) if self.exact => id == f,
            Some(f) => id.contains(f.as_str()),
        }
    }
}

/// The selection of this process's command line.
fn selection() -> Selection {
    Selection::parse(std::env::args().skip(1))
}

/// Whether the command line selects the bench `id` for running, for measurements made outside
/// [`Bench::run`]: never under `--list`, which lists and runs nothing, and never in
/// [`instruction_mode`], which counts only [`Bench::run`]'s ops.
pub fn filter_matches(id: &str) -> bool {
    let sel = selection();
    !sel.list && !instruction_mode() && sel.matches(id)
}

fn print_summary(r: &BenchRecord) {
    let p = &r.percentiles_ns;
    let mut line = format!(
        "gauntlet {:<40} n={} p50 {} p90 {} p99 {} p99.9 {} max {}  allocs/op {:.2}",
        r.id,
        r.samples,
        fmt_ns(p.p50),
        fmt_ns(p.p90),
        fmt_ns(p.p99),
        fmt_ns(p.p999),
        fmt_ns(p.max),
        r.allocs_per_op
    );
    if let Some(mb) = r.mb_per_s_p50 {
        line.push_str(&format!("  {mb:.1} MB/s"));
    }
    if let Some(v) = &r.vs_anchor {
        line.push_str(&format!(
            "  ×{:.2} vs {} at p50 (×{:.2} p99)",
            v.p50_speedup, v.anchor, v.p99_speedup
        ));
    }
    println!("{line}");
}

/// The directory result files go to.
pub fn output_dir() -> PathBuf {
    match std::env::var_os("GAUNTLET_BENCH_OUT") {
        Some(d) => PathBuf::from(d),
        None => workspace_target().join("gauntlet").join("bench"),
    }
}

fn workspace_target() -> PathBuf {
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(t);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .join("target")
}

fn write_record(r: &BenchRecord) -> Result<(), String> {
    let dir = output_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(file_name(&r.id));
    let json = serde_json::to_string_pretty(r).map_err(|e| e.to_string())?;
    std::fs::write(&path, json).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn command_output(cmd: &str, args: &[&str], dir: &Path) -> Option<String> {
    let out = std::process::Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Provenance of the current tree and machine.
///
/// `GAUNTLET_BENCH_COMMIT` names the commit instead of asking git: `cargo gauntlet compare` sets
/// it, because it runs executables built from a checkout that has since moved on.
pub fn meta() -> Meta {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let given = std::env::var("GAUNTLET_BENCH_COMMIT")
        .ok()
        .filter(|c| !c.is_empty());
    Meta {
        dirty: given.is_none()
            && command_output(
                "git",
                &["status", "--porcelain", "--untracked-files=no"],
                dir,
            )
            .is_some_and(|s| !s.is_empty()),
        commit: given
            .or_else(|| command_output("git", &["rev-parse", "HEAD"], dir))
            .unwrap_or_default(),
        rustc: command_output("rustc", &["--version"], dir).unwrap_or_default(),
        cpu: cpu_model(),
        date: rfc3339_now(),
        loadavg: read_loadavg(),
    }
}

fn read_loadavg() -> [f64; 3] {
    let s = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut it = s.split_whitespace().map(|v| v.parse().unwrap_or(0.0));
    [
        it.next().unwrap_or(0.0),
        it.next().unwrap_or(0.0),
        it.next().unwrap_or(0.0),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_selects_like_criterion() {
        let sel = |args: &[&str]| Selection::parse(args.iter().map(|a| (*a).to_owned()));
        let s = sel(&["--bench", "--sample-size", "10", "sort"]);
        assert_eq!(s.filter.as_deref(), Some("sort"));
        assert!(s.matches("query-sorter/sort/5") && !s.matches("retry/next"));
        assert!(!s.list && !s.exact);
        let s = sel(&["--bench", "--exact", "retry/next"]);
        assert!(s.matches("retry/next") && !s.matches("retry/next_delay"));
        let s = sel(&["--list", "--bench"]);
        assert!(s.list && s.filter.is_none() && s.matches("anything"));
    }

    #[test]
    fn counting_alloc_counts_and_forwards_only_while_counting() {
        // Runs under Miri too: `cargo +nightly miri test -p gauntlet-bench --lib counting_alloc`.
        let a = CountingAlloc;
        let layout = Layout::from_size_align(24, 8).unwrap();
        // SAFETY: `layout` has non-zero size; every pointer is written within its size, then
        // reallocated or freed exactly once with the layout it currently has.
        let round_trip = || unsafe {
            let p = a.alloc(layout);
            assert!(!p.is_null());
            p.write_bytes(0xAB, 24);
            let q = a.realloc(p, layout, 48);
            assert!(!q.is_null());
            assert_eq!(*q.add(23), 0xAB, "realloc must keep the contents");
            a.dealloc(q, Layout::from_size_align(48, 8).unwrap());
            let z = a.alloc_zeroed(layout);
            assert_eq!(*z.add(10), 0);
            a.dealloc(z, layout);
        };
        // No other test counts, so the counters move only inside `count_allocations` below.
        let before = (
            ALLOCS.load(Ordering::Relaxed),
            ALLOC_BYTES.load(Ordering::Relaxed),
        );
        round_trip();
        let after = (
            ALLOCS.load(Ordering::Relaxed),
            ALLOC_BYTES.load(Ordering::Relaxed),
        );
        assert_eq!(
            before, after,
            "nothing is counted outside count_allocations"
        );
        let (answer, allocs, bytes) = count_allocations(|| {
            round_trip();
            42
        });
        assert_eq!((answer, allocs, bytes), (42, 3, 24 + 48 + 24));
        // Nested calls each see the whole of their span, and counting stops when the outer one ends.
        let (inner, outer, _) = count_allocations(|| {
            round_trip();
            count_allocations(round_trip).1
        });
        assert_eq!((inner, outer), (3, 6));
        assert_eq!(COUNTING.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn paired_ratios_summarise_to_median_and_order_statistic_interval() {
        // 101 ratios 0.50, 0.51, ..., 1.50 in scrambled order: median 1.00; 0.98·√101 ≈ 9.85,
        // so the interval spans ranks 40 and 61.
        let ratios: Vec<f64> = (0..101)
            .map(|i| 0.5 + f64::from((i * 37) % 101) / 100.0)
            .collect();
        let s = summarise_ratios(ratios);
        assert_eq!(s.rounds, 101);
        assert!((s.median - 1.0).abs() < 1e-9, "{s:?}");
        assert!(
            (s.low - 0.90).abs() < 1e-9 && (s.high - 1.11).abs() < 1e-9,
            "{s:?}"
        );
        // Even count: the median is the mean of the middle two.
        let s = summarise_ratios(vec![4.0, 1.0, 3.0, 2.0]);
        assert!(
            (s.median - 2.5).abs() < 1e-9 && s.low == 1.0 && s.high == 4.0,
            "{s:?}"
        );
    }

    #[test]
    fn paired_speedup_sees_which_side_is_slower() {
        let spin = |micros: u64| {
            let until = Instant::now() + Duration::from_micros(micros);
            while Instant::now() < until {
                std::hint::spin_loop();
            }
        };
        // `new` takes three times as long as `base`: the ratio is about 1/3, and well below 1
        // even on a busy machine.
        let s = paired_speedup(Duration::from_millis(50), || spin(200), || spin(600));
        assert!(s.rounds >= 11);
        assert!(s.low <= s.median && s.median <= s.high, "{s:?}");
        assert!(s.median > 0.2 && s.median < 0.5, "{s:?}");
    }

    #[test]
    fn thread_scaling_reads_a_speedup_against_the_ceiling() {
        // Sleeps overlap perfectly whatever the machine is doing: two at once take one's time,
        // so the ceiling is 2; a "two-thread version" that takes 2/3 of the time is a 1.5x
        // speed-up, efficiency 0.75.
        let nap = |ms: u64| move || std::thread::sleep(Duration::from_millis(ms));
        let s = thread_scaling(Duration::from_millis(50), nap(6), nap(4), nap(6));
        assert!(s.speedup.rounds >= 11);
        assert!(s.ceiling.median > 1.7 && s.ceiling.median < 2.1, "{s:?}");
        assert!(s.speedup.median > 1.3 && s.speedup.median < 1.6, "{s:?}");
        assert!(
            s.efficiency.median > 0.65 && s.efficiency.median < 0.85,
            "{s:?}"
        );
    }

    #[test]
    fn record_round_trips_with_histogram() {
        let mut op_count = 0u64;
        let b = Bench::new("selftest", "count");
        let rec = b.record_for(
            &mut || {
                op_count += 1;
                black_box(op_count)
            },
            Duration::from_millis(30),
        );
        assert!(rec.samples >= 10);
        assert!(op_count >= rec.samples * rec.batch);
        let p = &rec.percentiles_ns;
        assert!(
            p.min <= p.p50
                && p.p50 <= p.p90
                && p.p90 <= p.p99
                && p.p99 <= p.p999
                && p.p999 <= p.max
        );
        let h = rec.histogram().unwrap();
        assert_eq!(h.len(), rec.samples);
        let json = serde_json::to_string(&rec).unwrap();
        let back: BenchRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rec);
        assert!(json.contains("\"p99.9\""));
    }
}
