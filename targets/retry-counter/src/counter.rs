//! The HBase-style counter: how many retries are left, how long to sleep before the next one.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::{JitterState, RetryConfig, duration_to_nanos, nanos_to_duration};

/// A monotonic clock: time elapsed since some fixed origin. Injectable so tests need no real time.
pub trait Clock {
    /// Time since the clock's origin; never decreases.
    fn now(&self) -> Duration;
}

/// Something that waits. Injectable so tests are instant.
pub trait Sleeper {
    /// Wait for `d`.
    fn sleep(&self, d: Duration);
}

/// The real monotonic clock ([`Instant`]).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    origin: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// Sleeps the current thread ([`std::thread::sleep`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadSleeper;

impl Sleeper for ThreadSleeper {
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }
}

/// A manual clock that is also a sleeper: sleeping advances it. Clones share the same time, so one
/// can be the counter's clock and another its sleeper. For tests and simulations; it counts up to
/// `Duration::MAX` (saturating), so even absurd sleeps keep deadline arithmetic exact.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    now: Arc<Mutex<Duration>>,
}

impl ManualClock {
    /// A clock at time zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Move the clock forward (saturating at `Duration::MAX`).
    pub fn advance(&self, d: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now = now.saturating_add(d);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Sleeper for ManualClock {
    fn sleep(&self, d: Duration) {
        self.advance(d);
    }
}

/// No retry is left: the attempts are used up or the deadline has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Exhausted {
    /// `max_attempts` retries were used.
    Attempts {
        /// The configured limit.
        max_attempts: u32,
    },
    /// The total-elapsed deadline has passed.
    Deadline {
        /// The configured deadline.
        deadline: Duration,
    },
}

impl fmt::Display for Exhausted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exhausted::Attempts { max_attempts } => {
                write!(f, "all {max_attempts} retries used")
            }
            Exhausted::Deadline { deadline } => write!(f, "retry deadline of {deadline:?} passed"),
        }
    }
}

impl std::error::Error for Exhausted {}

/// One operation's retry state, made by [`RetryConfig::counter`] (HBase's `RetryCounter`).
pub struct RetryCounter<C = SystemClock, S = ThreadSleeper> {
    config: RetryConfig,
    attempts: u32,
    jitter: JitterState,
    clock: C,
    sleeper: S,
    started: Duration,
}

impl<C, S> fmt::Debug for RetryCounter<C, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryCounter")
            .field("attempts", &self.attempts)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl RetryConfig {
    /// A counter on the real clock, sleeping the current thread.
    pub fn counter(&self) -> RetryCounter {
        self.counter_with(SystemClock::default(), ThreadSleeper)
    }

    /// A counter on an injected clock and sleeper.
    pub fn counter_with<C: Clock, S: Sleeper>(&self, clock: C, sleeper: S) -> RetryCounter<C, S> {
        let started = clock.now();
        RetryCounter {
            jitter: JitterState::new(self, self.seed),
            config: self.clone(),
            attempts: 0,
            clock,
            sleeper,
            started,
        }
    }
}

impl<C: Clock, S: Sleeper> RetryCounter<C, S> {
    /// Retries used so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The configured retry limit.
    pub fn max_attempts(&self) -> u32 {
        self.config.max_attempts
    }

    /// Whether at least one retry has been used (HBase's `isRetry`).
    pub fn is_retry(&self) -> bool {
        self.attempts > 0
    }

    /// Time since the counter was made, on its clock.
    pub fn elapsed(&self) -> Duration {
        self.clock.now().saturating_sub(self.started)
    }

    /// Why no retry is left, or `Ok` if one is.
    pub fn check(&self) -> Result<(), Exhausted> {
        if self.attempts >= self.config.max_attempts {
            return Err(Exhausted::Attempts {
                max_attempts: self.config.max_attempts,
            });
        }
        if let Some(deadline) = self.config.deadline {
            if self.elapsed() >= deadline {
                return Err(Exhausted::Deadline { deadline });
            }
        }
        Ok(())
    }

    /// Whether another retry is allowed: attempts remain and the deadline has not passed.
    pub fn should_retry(&self) -> bool {
        self.check().is_ok()
    }

    /// Count one retry without sleeping (saturates at `u32::MAX`).
    pub fn use_retry(&mut self) {
        self.attempts = self.attempts.saturating_add(1);
    }

    /// The delay before the next retry (jitter drawn now), shortened so that it ends no later than
    /// the deadline. Each call draws new jitter and, for decorrelated jitter, moves its state on.
    pub fn next_delay(&mut self) -> Duration {
        let mut nanos = self.jitter.next_nanos(&self.config, self.attempts);
        if let Some(deadline) = self.config.deadline {
            let left = duration_to_nanos(deadline.saturating_sub(self.elapsed()));
            nanos = nanos.min(left);
            // A no-op unless the deadline shortened the delay.
            self.jitter.shortened_to(nanos);
        }
        nanos_to_duration(nanos)
    }

    /// Sleep for [`next_delay`](Self::next_delay), then count the retry. Refuses, without sleeping,
    /// when no retry is left. Returns the time slept.
    pub fn sleep_until_next_retry(&mut self) -> Result<Duration, Exhausted> {
        self.check()?;
        let d = self.next_delay();
        self.sleeper.sleep(d);
        self.use_retry();
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Jitter;

    #[test]
    fn hbase_counter_semantics() {
        let _deadline = gauntlet_oracle::no_hang("hbase_counter_semantics");
        let clock = ManualClock::new();
        let cfg = RetryConfig::exponential(Duration::from_millis(100))
            .max_attempts(3)
            .build()
            .unwrap();
        let mut c = cfg.counter_with(clock.clone(), clock.clone());
        assert!(!c.is_retry());
        let mut slept = vec![];
        while c.should_retry() {
            slept.push(c.sleep_until_next_retry().unwrap().as_millis());
        }
        assert_eq!(slept, [100, 200, 400]);
        assert_eq!(c.attempts(), 3);
        assert!(c.is_retry());
        assert_eq!(clock.now(), Duration::from_millis(700));
        assert_eq!(
            c.sleep_until_next_retry(),
            Err(Exhausted::Attempts { max_attempts: 3 })
        );
        assert_eq!(
            clock.now(),
            Duration::from_millis(700),
            "refusal must not sleep"
        );
    }

    #[test]
    fn deadline_truncates_and_stops() {
        let _deadline = gauntlet_oracle::no_hang("deadline_truncates_and_stops");
        let clock = ManualClock::new();
        let cfg = RetryConfig::exponential(Duration::from_millis(100))
            .max_attempts(100)
            .deadline(Duration::from_millis(1000))
            .build()
            .unwrap();
        let mut c = cfg.counter_with(clock.clone(), clock.clone());
        let mut slept = vec![];
        while let Ok(d) = c.sleep_until_next_retry() {
            slept.push(d.as_millis());
        }
        // 100+200+400 = 700, then only 300 ms are left.
        assert_eq!(slept, [100, 200, 400, 300]);
        assert_eq!(
            c.check(),
            Err(Exhausted::Deadline {
                deadline: Duration::from_millis(1000)
            })
        );
        assert!(c.check().unwrap_err().to_string().contains("deadline"));
    }

    #[test]
    fn use_retry_saturates_at_u32_max() {
        let _deadline = gauntlet_oracle::no_hang("use_retry_saturates_at_u32_max");
        let cfg = RetryConfig::exponential(Duration::from_secs(1))
            .max_attempts(u32::MAX)
            .jitter(Jitter::Full)
            .seed(3)
            .build()
            .unwrap();
        let clock = ManualClock::new();
        let mut c = cfg.counter_with(clock.clone(), clock.clone());
        c.attempts = u32::MAX - 1;
        assert!(c.should_retry());
        assert!(c.sleep_until_next_retry().is_ok());
        assert!(!c.should_retry());
        c.use_retry();
        assert_eq!(c.attempts(), u32::MAX);
        assert!(c.next_delay() <= Duration::MAX);
    }

    #[test]
    fn seeded_counters_repeat_and_unseeded_differ() {
        let _deadline = gauntlet_oracle::no_hang("seeded_counters_repeat_and_unseeded_differ");
        let cfg = RetryConfig::exponential(Duration::from_millis(10))
            .jitter(Jitter::Full)
            .seed(99);
        let seeded = cfg.clone().build().unwrap();
        let run = |cfg: &RetryConfig| {
            let clock = ManualClock::new();
            let mut c = cfg.counter_with(clock.clone(), clock);
            (0..10).map(|_| c.next_delay()).collect::<Vec<_>>()
        };
        assert_eq!(run(&seeded), run(&seeded));
        let unseeded = RetryConfig::exponential(Duration::from_secs(1000))
            .jitter(Jitter::Full)
            .build()
            .unwrap();
        assert_ne!(run(&unseeded), run(&unseeded));
    }

    #[test]
    fn system_clock_counter_works() {
        let _deadline = gauntlet_oracle::no_hang("system_clock_counter_works");
        let cfg = RetryConfig::fixed(Duration::from_millis(1))
            .max_attempts(2)
            .build()
            .unwrap();
        let mut c = cfg.counter();
        assert_eq!(c.sleep_until_next_retry(), Ok(Duration::from_millis(1)));
        assert!(c.elapsed() >= Duration::from_millis(1));
    }
}
