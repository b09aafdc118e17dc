//! What every differential fuzz target shares: reporting its oracle counters to the monitor.
//!
//! A differential target that rejects every input before the comparison (an `Arbitrary` type that
//! never parses, a model that always declines) explores code but checks nothing, and libFuzzer
//! cannot tell. So each differential target calls [`oracle_tick`] after every input with its
//! crate's running totals, and `cargo harness fuzz` reads the `ORACLE compared=N rejected=M`
//! lines from stderr, judges them and records them.
#![forbid(unsafe_code)]

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Inputs seen by [`oracle_tick`] in this process.
static TICKS: AtomicU64 = AtomicU64::new(0);
/// Milliseconds after [`START`] of the last line printed.
static LAST_PRINT_MS: AtomicU64 = AtomicU64::new(0);
static START: OnceLock<Instant> = OnceLock::new();

/// How often the counters are printed once the powers of two are far apart.
const PRINT_EVERY_MS: u64 = 1000;
/// The clock is read once per this many inputs, so a fast target pays for a counter increment and
/// a mask test, not a clock read, per input.
const CLOCK_EVERY: u64 = 64;

/// Report the oracle counters after one input: `compared` inputs reached the comparison with the
/// independent implementation, `rejected` were turned away before it. Prints
/// `ORACLE compared=N rejected=M` to stderr at the 1st, 2nd, 4th, 8th… input (like libFuzzer's
/// own pulse lines) and about once a second in between.
///
/// ```no_run
/// let (compared, rejected) = (7, 1); // e.g. `retry_counter::fuzzing::oracle_counts()`
/// gauntlet_fuzz::oracle_tick(compared, rejected);
/// ```
pub fn oracle_tick(compared: u64, rejected: u64) {
    let n = TICKS.fetch_add(1, Ordering::Relaxed) + 1;
    let start = *START.get_or_init(Instant::now);
    let due = if n.is_power_of_two() {
        true
    } else if n % CLOCK_EVERY == 0 {
        let now_ms = start.elapsed().as_millis() as u64;
        now_ms >= LAST_PRINT_MS.load(Ordering::Relaxed) + PRINT_EVERY_MS
    } else {
        false
    };
    if due {
        LAST_PRINT_MS.store(start.elapsed().as_millis() as u64, Ordering::Relaxed);
        eprintln!("{}", oracle_line(compared, rejected));
    }
}

/// The line `cargo harness fuzz` parses.
pub fn oracle_line(compared: u64, rejected: u64) -> String {
    format!("ORACLE compared={compared} rejected={rejected}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_the_harness_parses() {
        assert_eq!(oracle_line(12, 3), "ORACLE compared=12 rejected=3");
    }
}
