//! Exponential backoff that never overflows: an HBase-style retry counter with jitter, deadlines,
//! error classification and retry budgets.
//!
//! ```
//! use retry_counter::RetryConfig;
//! use std::time::Duration;
//!
//! let config = RetryConfig::bounded(Duration::from_secs(1), Duration::from_secs(5)).build()?;
//! let delays: Vec<u64> = (0..5).map(|n| config.delay(n).as_secs()).collect();
//! assert_eq!(delays, [1, 2, 4, 5, 5]);
//! assert_eq!(config.delay(u32::MAX), Duration::from_secs(5)); // no overflow, no panic
//! # Ok::<(), retry_counter::ConfigError>(())
//! ```
//!
//! # Should I use this?
//! If you want HBase's `RetryCounter` (`should_retry` / `sleep_until_next_retry`) or a `retry(op)`
//! helper that is deterministic in tests and correct for *every* attempt count and `Duration`, yes.
//! It has no required dependencies.
//!
//! # Features
//! - **Delay** before retry `n` (`n = 0, 1, …`): `min(max_delay, base × multiplier^n)`. Integer
//!   multipliers (1 = fixed, 2 = HBase) are computed exactly in 128-bit integers; fractional ones
//!   (gRPC's 1.6) in `f64` and rounded down to the nanosecond. Every result saturates at the cap
//!   (`Duration::MAX` when none is set); nothing is ever negative, wrapped or a panic, up to
//!   `u32::MAX` attempts.
//! - **Jitter** ([`Jitter`]), with `d = base × multiplier^n` and `v = min(cap, d)`:
//!   none `v`; additive (HBase's `addJitter`) `min(cap, d + U[0, f)·d)` — the fraction is of the
//!   attempt's own delay, applied *before* the cap; full `U[0, v]`; equal `⌊v/2⌋ + U[0, v − ⌊v/2⌋]`;
//!   decorrelated `min(cap, U[base, max(base, prev·3)])` with `prev` the previous delay (initially
//!   `base`); gRPC (`Jitter::Grpc(f)`, the connection-backoff spec with `JITTER = f`) `v` for retry 0,
//!   then `U[v − ⌊f·v⌋, v + ⌊f·v⌋]` — applied *after* the cap, so it may exceed the cap or fall below
//!   the base, as the spec says. Uniform draws over nanoseconds are exact (rejection sampling); a seed
//!   ([`RetryConfigBuilder::seed`]) makes every schedule reproducible.
//! - **Cap**: [`RetryConfigBuilder::max_delay`]; leave it unset for no cap. A zero cap is refused
//!   ([`ConfigError::ZeroMaxDelay`]) where HBase would read `maxSleepTime <= 0` as "no cap": here the
//!   absence of a cap already has a spelling, and a zero (typically a missing setting parsed as 0) would
//!   otherwise either retry with no backoff at all or, read HBase's way, sleep up to `Duration::MAX`.
//! - **Deadline**: [`RetryConfigBuilder::deadline`] bounds the total time on an injectable
//!   [`Clock`]; sleeps are shortened so that their sum never exceeds it. The [`Sleeper`] is
//!   injectable too ([`ManualClock`] is both), so tests are instant and exact.
//! - **Classification**: [`retry`] retries only the errors the caller marks retryable (ZooKeeper:
//!   retry "connection loss", stop on "node exists"); `retry_async` with the `tokio` feature.
//! - **Budget**: a [`RetryBudget`] shared by a client's requests allows retries up to a ratio of
//!   recent requests plus a per-second reserve (as Finagle and tower do).
//!
//! # How it is tested
//! Golden sequences (HBase exponential, gRPC 1 s × 1.6 up to 120 s, and gRPC's jitter against
//! hand-computed extremes), proptest invariants (never
//! above the cap, pre-jitter delays non-decreasing, jitter within its bounds, same seed → same
//! schedule, sleeps within the deadline, any attempt count), and a libFuzzer target that checks
//! every delay of arbitrary configurations against an exact big-integer model
//! ([`fuzzing`], feature `fuzzing`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod budget;
mod config;
mod counter;
mod retry;
mod rng;

#[cfg(feature = "fuzzing")]
pub mod fuzzing;

pub use budget::{BudgetError, RetryBudget};
pub use config::{ConfigError, Jitter, RetryConfig, RetryConfigBuilder, Schedule};
pub use counter::{
    Clock, Exhausted, ManualClock, RetryCounter, Sleeper, SystemClock, ThreadSleeper,
};
#[cfg(feature = "tokio")]
pub use retry::retry_async;
pub use retry::{Retrier, RetryError, retry};
