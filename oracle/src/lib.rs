//! Tells you whether a differential fuzz target really compares anything, and replays its corpus on
//! stable Rust.
//!
//! A differential fuzz target checks the code under test against an independent implementation, but
//! only for the inputs that get that far. A target that turns nearly every input away (an `Arbitrary`
//! type that rarely parses, a model that declines) explores code and checks nothing, and libFuzzer
//! cannot tell. So each input opens an [`Oracle::input`] and marks it [`compared`](Input::compared)
//! or [`rejected`](Input::rejected), and the fuzz target calls [`Oracle::tick`] after every input:
//!
//! ```
//! static ORACLE: gauntlet_oracle::Oracle = gauntlet_oracle::Oracle::new();
//!
//! fn check(data: &[u8]) {
//!     let input = ORACLE.input();
//!     let Ok(text) = std::str::from_utf8(data) else { return input.rejected() };
//!     assert_eq!(text.len(), text.chars().map(char::len_utf8).sum::<usize>());
//!     input.compared();
//! }
//! check(b"h\xc3\xa9"); check(b"\xff"); // fuzz target: `fuzz_target!(|d| { check(d); ORACLE.tick() });`
//! assert_eq!(ORACLE.counts(), (1, 1));
//! ```
//!
//! # What the harness does with the lines
//!
//! [`Oracle::tick`] prints [`oracle_line`], `ORACLE compared=N rejected=M`, to stderr at the 1st, 2nd,
//! 4th, 8th… input (like libFuzzer's own status lines) and about once a second in between.
//! `cargo gauntlet fuzz` (or any monitor reading libFuzzer's stderr) keeps the last line of a run,
//! records the counts next to libFuzzer's, and warns when too few inputs reached the comparison.
//!
//! # Counting rules
//!
//! - **One input, at most one outcome.** Marking an input compared wins over marking it rejected,
//!   and marking it twice counts it once, so a check that compares in two steps cannot count an input
//!   twice. The counts are written when the [`Input`] is dropped (also when the check panics).
//! - **Nested inputs are one input.** An [`Oracle::input`] opened while another is open on the same
//!   thread joins it, so a check may call another check, or a helper that opens its own input.
//! - [`Oracle::tick`] counts the inputs themselves; with debug assertions it panics when more
//!   outcomes than inputs were recorded (a check that opened two inputs one after the other).
//!
//! # Replaying a corpus on stable
//!
//! [`replay_corpus`] runs a check over `corpus/<target>/` and `regressions/<target>/` of a cargo-fuzz
//! folder, file by file in name order, and fails naming the file that failed, so that plain
//! `cargo test` keeps every fuzz-found bug fixed without nightly:
//!
//! ```no_run
//! # fn check(_: &[u8]) {}
//! let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
//! assert!(gauntlet_oracle::replay_corpus(&fuzz, "my_target", check) > 0, "no corpus");
//! ```
//!
//! A replayed input that runs longer than [`REPLAY_TIMEOUT`] (two minutes, or
//! `GAUNTLET_REPLAY_TIMEOUT_SECS`) ends the test process with a failure naming the file, as libFuzzer's
//! `-timeout` would: a hang is a failure, not a test that never ends. [`deadline`] gives any other
//! test the same guard.
//!
//! # How it is tested
//!
//! Unit tests below pin the counting rules, the line the harness parses, the reporting cadence (as a
//! pure function) and the replay's order, folders and failure message. The crate needs only `std` and
//! has no `unsafe`.
#![forbid(unsafe_code)]

mod deadline;
mod replay;

use std::cell::Cell;
use std::marker::PhantomData;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

pub use deadline::{Deadline, HANG_EXIT_CODE, REPLAY_TIMEOUT, TEST_TIMEOUT, deadline, no_hang};
pub use replay::{replay_corpus, replay_dir};

/// How often the counts are printed once the powers of two are far apart.
const PRINT_EVERY_MS: u64 = 1000;
/// The clock is read once per this many inputs, so a fast target pays for a counter increment and a
/// mask test per input, not a clock read.
const CLOCK_EVERY: u64 = 64;

/// The oracle counts of one fuzz target: how many inputs reached the comparison with the independent
/// implementation, and how many were turned away before it. Meant to live in a `static`.
#[derive(Debug, Default)]
pub struct Oracle {
    compared: AtomicU64,
    rejected: AtomicU64,
    /// Calls of [`Oracle::tick`], i.e. inputs the fuzz target has run.
    ticks: AtomicU64,
    /// Milliseconds after `start` of the last line printed.
    last_line_ms: AtomicU64,
    start: OnceLock<Instant>,
}

impl Oracle {
    /// Zero counts; `const`, so it can initialise a `static`.
    pub const fn new() -> Self {
        Self {
            compared: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            ticks: AtomicU64::new(0),
            last_line_ms: AtomicU64::new(0),
            start: OnceLock::new(),
        }
    }

    /// Opens one input on this thread (or joins the one already open here). Mark it on the returned
    /// guard; the outcome is counted once, when the last guard of the input is dropped.
    #[must_use = "an input is counted when its guard is dropped; mark it with `compared()` or `rejected()`"]
    pub fn input(&self) -> Input<'_> {
        OPEN.with(|open| {
            let (depth, mark) = open.get();
            open.set((depth + 1, mark));
        });
        Input {
            oracle: self,
            not_send: PhantomData,
        }
    }

    /// `(compared, rejected)`: inputs counted so far in this process.
    pub fn counts(&self) -> (u64, u64) {
        (self.compared.load(Relaxed), self.rejected.load(Relaxed))
    }

    /// Call once after every input in the fuzz target: prints [`oracle_line`] to stderr at the 1st,
    /// 2nd, 4th… input and about once a second in between. Costs two counter reads and an increment
    /// per input, plus a clock read every 64th.
    pub fn tick(&self) {
        let n = self.ticks.fetch_add(1, Relaxed) + 1;
        let start = *self.start.get_or_init(Instant::now);
        let (compared, rejected) = self.counts();
        debug_assert!(
            compared + rejected <= n,
            "gauntlet-oracle: {compared} compared + {rejected} rejected outcomes for {n} inputs; \
             open one `Oracle::input()` per input and mark it once"
        );
        let now_ms = || start.elapsed().as_millis() as u64;
        if report_due(n, || {
            now_ms().saturating_sub(self.last_line_ms.load(Relaxed))
        }) {
            self.last_line_ms.store(now_ms(), Relaxed);
            eprintln!("{}", oracle_line(compared, rejected));
        }
    }

    fn commit(&self, mark: Mark) {
        match mark {
            Mark::Compared => self.compared.fetch_add(1, Relaxed),
            Mark::Rejected => self.rejected.fetch_add(1, Relaxed),
            Mark::Nothing => return,
        };
    }
}

/// One input of a fuzz target, from [`Oracle::input`]; counted when dropped.
#[derive(Debug)]
pub struct Input<'a> {
    oracle: &'a Oracle,
    /// The open input is per thread, so its guard stays on that thread.
    not_send: PhantomData<*const ()>,
}

impl Input<'_> {
    /// The input reached the comparison with the independent implementation (and agreed, or the
    /// check would have panicked). Wins over [`Input::rejected`].
    pub fn compared(&self) {
        mark(Mark::Compared);
    }

    /// The input was turned away before the comparison (did not parse, the model declined, too big).
    pub fn rejected(&self) {
        mark(Mark::Rejected);
    }
}

impl Drop for Input<'_> {
    fn drop(&mut self) {
        let closed = OPEN.with(|open| {
            let (depth, mark) = open.get();
            if depth > 1 {
                open.set((depth - 1, mark));
                None
            } else {
                open.set((0, Mark::Nothing));
                Some(mark)
            }
        });
        if let Some(mark) = closed {
            self.oracle.commit(mark);
        }
    }
}

/// What the input open on a thread has reached so far; later variants win.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mark {
    Nothing,
    Rejected,
    Compared,
}

thread_local! {
    /// `(guards alive, mark)` of the input open on this thread; depth 0 when none is.
    static OPEN: Cell<(u32, Mark)> = const { Cell::new((0, Mark::Nothing)) };
}

fn mark(new: Mark) {
    OPEN.with(|open| {
        let (depth, mark) = open.get();
        open.set((depth, mark.max(new)));
    });
}

/// The line the fuzz monitor parses: `ORACLE compared={compared} rejected={rejected}`.
pub fn oracle_line(compared: u64, rejected: u64) -> String {
    format!("ORACLE compared={compared} rejected={rejected}")
}

/// Whether the `n`th input (counting from 1) prints a line: every power of two, and otherwise every
/// [`CLOCK_EVERY`]th input once [`PRINT_EVERY_MS`] have passed since the last line. The clock is
/// read only in that last case.
fn report_due(n: u64, ms_since_last_line: impl FnOnce() -> u64) -> bool {
    n.is_power_of_two() || (n % CLOCK_EVERY == 0 && ms_since_last_line() >= PRINT_EVERY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_the_harness_parses() {
        assert_eq!(oracle_line(12, 3), "ORACLE compared=12 rejected=3");
        assert_eq!(oracle_line(0, 0), "ORACLE compared=0 rejected=0");
    }

    #[test]
    fn an_input_compared_in_two_steps_counts_once() {
        let oracle = Oracle::new();
        // The shape of query_sorter's check: compared, then a second oracle that may decline.
        for second_step_declines in [false, true] {
            let input = oracle.input();
            input.compared();
            if second_step_declines {
                input.rejected();
            } else {
                input.compared();
            }
        }
        assert_eq!(oracle.counts(), (2, 0));
    }

    #[test]
    fn rejected_then_compared_is_compared() {
        let oracle = Oracle::new();
        let input = oracle.input();
        input.rejected();
        input.compared();
        drop(input);
        assert_eq!(oracle.counts(), (1, 0));
    }

    #[test]
    fn counts_when_the_input_ends() {
        let oracle = Oracle::new();
        let input = oracle.input();
        input.rejected();
        assert_eq!(oracle.counts(), (0, 0), "counted before the input ended");
        drop(input);
        assert_eq!(oracle.counts(), (0, 1));
        drop(oracle.input());
        assert_eq!(
            oracle.counts(),
            (0, 1),
            "an unmarked input counts as nothing"
        );
    }

    #[test]
    fn nested_inputs_are_one_input() {
        let oracle = Oracle::new();
        let outer = oracle.input();
        outer.rejected();
        {
            let inner = oracle.input();
            inner.compared();
        }
        oracle.input().rejected();
        assert_eq!(oracle.counts(), (0, 0), "an inner guard closed the input");
        drop(outer);
        assert_eq!(oracle.counts(), (1, 0));
        // The next input starts clean.
        oracle.input().rejected();
        assert_eq!(oracle.counts(), (1, 1));
    }

    #[test]
    fn guards_dropped_out_of_order_still_close_the_input() {
        let oracle = Oracle::new();
        let first = oracle.input();
        let second = oracle.input();
        drop(first);
        second.compared();
        drop(second);
        assert_eq!(oracle.counts(), (1, 0));
        oracle.input().rejected();
        assert_eq!(oracle.counts(), (1, 1));
    }

    #[test]
    fn a_panicking_check_counts_once_and_closes_its_input() {
        let oracle = Oracle::new();
        let result = std::panic::catch_unwind(|| {
            let input = oracle.input();
            input.compared();
            panic!("disagreement");
        });
        assert!(result.is_err());
        oracle.input().rejected();
        assert_eq!(oracle.counts(), (1, 1));
    }

    #[test]
    fn inputs_on_different_threads_are_separate() {
        static SHARED: Oracle = Oracle::new();
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..100 {
                        let input = SHARED.input();
                        input.compared();
                        input.rejected();
                    }
                });
            }
        });
        assert_eq!(SHARED.counts(), (400, 0));
    }

    #[test]
    fn tick_counts_inputs_not_outcomes() {
        let oracle = Oracle::new();
        for i in 0..10 {
            let input = oracle.input();
            if i % 2 == 0 {
                input.compared();
            }
            drop(input);
            oracle.tick();
        }
        assert_eq!(oracle.ticks.load(Relaxed), 10);
        assert_eq!(oracle.counts(), (5, 0));
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "open one `Oracle::input()` per input")]
    fn tick_catches_two_outcomes_for_one_input() {
        let oracle = Oracle::new();
        oracle.input().compared();
        oracle.input().rejected();
        oracle.tick();
    }

    #[test]
    fn reports_at_powers_of_two_without_reading_the_clock() {
        let clock_read = || panic!("read the clock");
        for n in [1, 2, 4, 8, 1024, 1 << 40] {
            assert!(report_due(n, clock_read), "{n}");
        }
    }

    #[test]
    fn reads_the_clock_only_every_64th_input() {
        let clock_read = || panic!("read the clock");
        for n in [3, 5, 63, 65, 100, 129] {
            assert!(!report_due(n, clock_read), "{n}");
        }
    }

    #[test]
    fn reports_between_powers_of_two_once_a_second_passed() {
        assert!(!report_due(192, || 999));
        assert!(report_due(192, || 1000));
        assert!(report_due(3 * 64, || 5000));
    }
}
