//! The retry helper: run an operation, retry only the errors the caller marks retryable.

use std::fmt;

use crate::budget::RetryBudget;
use crate::config::RetryConfig;
use crate::counter::{Clock, Exhausted, Sleeper, SystemClock, ThreadSleeper};

/// Why [`retry`] gave up; always carries the operation's last error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryError<E> {
    /// The error was not retryable (e.g. ZooKeeper's "node exists").
    Permanent {
        /// The operation's error.
        error: E,
        /// Retries made before it.
        retries: u32,
    },
    /// The error was retryable but the counter ran out of attempts or time.
    Exhausted {
        /// The last error.
        error: E,
        /// Retries made.
        retries: u32,
        /// Attempts or deadline.
        reason: Exhausted,
    },
    /// The error was retryable but the shared retry budget was empty.
    BudgetExhausted {
        /// The last error.
        error: E,
        /// Retries made.
        retries: u32,
    },
}

impl<E> RetryError<E> {
    /// The operation's last error.
    pub fn into_inner(self) -> E {
        match self {
            RetryError::Permanent { error, .. }
            | RetryError::Exhausted { error, .. }
            | RetryError::BudgetExhausted { error, .. } => error,
        }
    }

    /// How many retries were made.
    pub fn retries(&self) -> u32 {
        match self {
            RetryError::Permanent { retries, .. }
            | RetryError::Exhausted { retries, .. }
            | RetryError::BudgetExhausted { retries, .. } => *retries,
        }
    }
}

impl<E: fmt::Display> fmt::Display for RetryError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RetryError::Permanent { error, retries } => {
                write!(f, "{error} (not retryable, after {retries} retries)")
            }
            RetryError::Exhausted {
                error,
                retries,
                reason,
            } => write!(f, "{error} (gave up after {retries} retries: {reason})"),
            RetryError::BudgetExhausted { error, retries } => {
                write!(f, "{error} (retry budget empty after {retries} retries)")
            }
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for RetryError<E> {}

/// Runs an operation under a [`RetryConfig`], optionally drawing on a shared [`RetryBudget`], on an
/// injectable clock and sleeper.
pub struct Retrier<'a, C = SystemClock, S = ThreadSleeper> {
    config: &'a RetryConfig,
    budget: Option<&'a RetryBudget>,
    clock: C,
    sleeper: S,
}

impl<C, S> fmt::Debug for Retrier<'_, C, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retrier")
            .field("config", self.config)
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

impl<'a> Retrier<'a> {
    /// On the real clock, sleeping the thread.
    pub fn new(config: &'a RetryConfig) -> Self {
        Retrier {
            config,
            budget: None,
            clock: SystemClock::default(),
            sleeper: ThreadSleeper,
        }
    }
}

impl<'a, C: Clock, S: Sleeper> Retrier<'a, C, S> {
    /// Every call deposits one request in `budget` and withdraws one per retry.
    pub fn budget(mut self, budget: &'a RetryBudget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Use another clock and sleeper (tests: one [`ManualClock`](crate::ManualClock) as both).
    pub fn time<C2: Clock, S2: Sleeper>(self, clock: C2, sleeper: S2) -> Retrier<'a, C2, S2> {
        Retrier {
            config: self.config,
            budget: self.budget,
            clock,
            sleeper,
        }
    }

    /// Call `op` until it succeeds, returns an error `is_retryable` rejects, or retries run out.
    pub fn run<T, E>(
        &self,
        mut is_retryable: impl FnMut(&E) -> bool,
        mut op: impl FnMut() -> Result<T, E>,
    ) -> Result<T, RetryError<E>>
    where
        C: Clone,
        S: Clone,
    {
        let mut counter = self
            .config
            .counter_with(self.clock.clone(), self.sleeper.clone());
        if let Some(b) = self.budget {
            b.deposit();
        }
        loop {
            let error = match op() {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            let retries = counter.attempts();
            if let Some(e) = self.give_up(&mut is_retryable, error, &counter) {
                return Err(e);
            }
            // `give_up` checked the counter, so this cannot fail.
            let _ = counter.sleep_until_next_retry();
            debug_assert_eq!(counter.attempts(), retries + 1);
        }
    }

    /// The error to return instead of retrying, or `None` to retry. Consumes the error only when
    /// giving up.
    fn give_up<E, C2: Clock, S2: Sleeper>(
        &self,
        is_retryable: &mut impl FnMut(&E) -> bool,
        error: E,
        counter: &crate::RetryCounter<C2, S2>,
    ) -> Option<RetryError<E>> {
        let retries = counter.attempts();
        if !is_retryable(&error) {
            return Some(RetryError::Permanent { error, retries });
        }
        if let Err(reason) = counter.check() {
            return Some(RetryError::Exhausted {
                error,
                retries,
                reason,
            });
        }
        if let Some(b) = self.budget {
            if !b.try_withdraw() {
                return Some(RetryError::BudgetExhausted { error, retries });
            }
        }
        drop(error);
        None
    }

    /// The async form of [`run`](Self::run): sleeps on tokio's timer and measures the deadline on
    /// tokio's clock (so `tokio::time::pause` makes tests instant). The injected clock and sleeper
    /// are not used.
    #[cfg(feature = "tokio")]
    pub async fn run_async<T, E, F, Fut>(
        &self,
        mut is_retryable: impl FnMut(&E) -> bool,
        mut op: F,
    ) -> Result<T, RetryError<E>>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        let mut counter = self.config.counter_with(TokioClock::default(), NoSleep);
        if let Some(b) = self.budget {
            b.deposit();
        }
        loop {
            let error = match op().await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            if let Some(e) = self.give_up(&mut is_retryable, error, &counter) {
                return Err(e);
            }
            let d = counter.next_delay();
            tokio::time::sleep(d).await;
            counter.use_retry();
        }
    }
}

/// tokio's (pausable) clock.
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy)]
struct TokioClock(tokio::time::Instant);

#[cfg(feature = "tokio")]
impl Default for TokioClock {
    fn default() -> Self {
        TokioClock(tokio::time::Instant::now())
    }
}

#[cfg(feature = "tokio")]
impl Clock for TokioClock {
    fn now(&self) -> std::time::Duration {
        self.0.elapsed()
    }
}

/// The async path sleeps itself.
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy)]
struct NoSleep;

#[cfg(feature = "tokio")]
impl Sleeper for NoSleep {
    fn sleep(&self, _: std::time::Duration) {}
}

/// Call `op`, retrying the errors `is_retryable` accepts, on the real clock.
///
/// ```
/// # use retry_counter::{retry, RetryConfig, RetryError};
/// # use std::time::Duration;
/// let config = RetryConfig::fixed(Duration::from_millis(1)).max_attempts(3).build()?;
/// let mut calls = 0;
/// let r: Result<(), RetryError<&str>> = retry(&config, |e| *e == "connection loss", || {
///     calls += 1;
///     Err(if calls < 2 { "connection loss" } else { "node exists" })
/// });
/// assert!(matches!(r, Err(RetryError::Permanent { error: "node exists", retries: 1 })));
/// # Ok::<(), retry_counter::ConfigError>(())
/// ```
pub fn retry<T, E>(
    config: &RetryConfig,
    is_retryable: impl FnMut(&E) -> bool,
    op: impl FnMut() -> Result<T, E>,
) -> Result<T, RetryError<E>> {
    Retrier::new(config).run(is_retryable, op)
}

/// Async [`retry`] on tokio's timer.
#[cfg(feature = "tokio")]
pub async fn retry_async<T, E, F, Fut>(
    config: &RetryConfig,
    is_retryable: impl FnMut(&E) -> bool,
    op: F,
) -> Result<T, RetryError<E>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    Retrier::new(config).run_async(is_retryable, op).await
}
