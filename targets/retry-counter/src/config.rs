//! The reusable retry configuration (HBase's `RetryConfig` plus its backoff policy) and the
//! pre-jitter delay formula.

use std::fmt;
use std::time::Duration;

use crate::rng::SplitMix64;

/// Nanoseconds in `Duration::MAX`: the largest delay this crate ever produces.
pub(crate) const MAX_NANOS: u128 = duration_to_nanos(Duration::MAX);

/// How the delay is randomised. See the crate docs for the exact formulas.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Jitter {
    /// The delay is exactly `min(cap, base × multiplier^n)`.
    None,
    /// HBase's jitter: the attempt's own delay `d` grows by `U[0, f)·d`, *before* the cap is applied.
    Additive(f64),
    /// `U[0, v]`, where `v` is the capped delay (AWS "full jitter").
    Full,
    /// `v/2 + U[0, v/2]` (AWS "equal jitter").
    Equal,
    /// `min(cap, U[base, prev·3])`, where `prev` is the previous delay (initially `base`). Ignores the
    /// multiplier (AWS "decorrelated jitter").
    Decorrelated,
    /// gRPC's connection backoff with jitter `f` (the spec's `JITTER`, 0.2; any `f` in `[0, 1]`): retry 0
    /// waits exactly `v`, every later retry `v ± f·v` uniformly, where `v` is the capped delay. The jitter is
    /// applied *after* the cap, so a delay may exceed the cap (up to `(1 + f)·cap`) or fall below the base.
    Grpc(f64),
}

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The multiplier is below 1, NaN or infinite.
    InvalidMultiplier(f64),
    /// The jitter factor is NaN, infinite, negative, or (for [`Jitter::Grpc`]) above 1.
    InvalidJitterFactor(f64),
    /// `max_delay` is zero, which would make every delay zero: a retry loop with no backoff at all. Leave it
    /// unset for no cap (HBase reads a cap `<= 0` as "no cap"; here "no cap" is spelled by not setting one).
    ZeroMaxDelay,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::InvalidMultiplier(m) => {
                write!(f, "multiplier must be a finite number >= 1, got {m}")
            }
            ConfigError::InvalidJitterFactor(j) => {
                write!(
                    f,
                    "jitter factor must be a finite number >= 0 (additive) or in [0, 1] (grpc), got {j}"
                )
            }
            ConfigError::ZeroMaxDelay => write!(
                f,
                "max delay 0 would make every delay 0 (no backoff at all); leave it unset for no cap"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// A validated, reusable retry configuration: the factory that [`RetryConfig::counter`] builds
/// counters from. Cheap to clone and to share between threads.
///
/// Delay for retry `n` (`n = 0, 1, 2, …`) before jitter: `min(max_delay, base × multiplier^n)`.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryConfig {
    pub(crate) base_nanos: u128,
    pub(crate) cap_nanos: u128,
    pub(crate) multiplier: Multiplier,
    pub(crate) max_attempts: u32,
    pub(crate) jitter: Jitter,
    pub(crate) deadline: Option<Duration>,
    pub(crate) seed: Option<u64>,
}

/// The multiplier, split so that integer multipliers (HBase's 2, or 1 for fixed delays) are computed
/// exactly in integers and only fractional ones (gRPC's 1.6) go through floating point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Multiplier {
    Integer(u64),
    Fractional(f64),
}

/// Builder for [`RetryConfig`]; start from [`RetryConfig::fixed`], [`RetryConfig::exponential`] or
/// [`RetryConfig::bounded`].
#[derive(Debug, Clone)]
pub struct RetryConfigBuilder {
    base: Duration,
    multiplier: f64,
    max_delay: Option<Duration>,
    max_attempts: u32,
    jitter: Jitter,
    deadline: Option<Duration>,
    seed: Option<u64>,
}

impl RetryConfig {
    /// The same delay `base` before every retry (HBase's `FixedIntervalBackoffPolicy`).
    pub fn fixed(base: Duration) -> RetryConfigBuilder {
        RetryConfigBuilder::new(base, 1.0)
    }

    /// `base × 2^n` (HBase's `ExponentialBackoffPolicy`); change the factor with
    /// [`RetryConfigBuilder::multiplier`].
    pub fn exponential(base: Duration) -> RetryConfigBuilder {
        RetryConfigBuilder::new(base, 2.0)
    }

    /// `min(max_delay, base × 2^n)` (HBase's `BoundedExponentialBackoffPolicy`).
    pub fn bounded(base: Duration, max_delay: Duration) -> RetryConfigBuilder {
        RetryConfigBuilder::new(base, 2.0).max_delay(max_delay)
    }

    /// The number of retries a counter allows.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The jitter mode.
    pub fn jitter(&self) -> Jitter {
        self.jitter
    }

    /// The total-elapsed deadline, if any.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The cap on every delay before jitter, and after it except for [`Jitter::Grpc`] (`Duration::MAX` when none
    /// was set).
    pub fn max_delay(&self) -> Duration {
        nanos_to_duration(self.cap_nanos)
    }

    /// The delay before retry `n` without jitter: `min(max_delay, base × multiplier^n)`.
    /// Never panics and never overflows, for every `n` and every `Duration`.
    pub fn delay(&self, n: u32) -> Duration {
        nanos_to_duration(self.uncapped_nanos(n).min(self.cap_nanos))
    }

    /// `base × multiplier^n` in nanoseconds, saturating at `u128::MAX` (which is far above
    /// `Duration::MAX`, so saturation always ends in the cap).
    pub(crate) fn uncapped_nanos(&self, n: u32) -> u128 {
        match self.multiplier {
            Multiplier::Integer(m) => integer_power_times(self.base_nanos, m, n),
            // m^0 is exactly 1: the first delay is the base, to the nanosecond, whatever m is.
            Multiplier::Fractional(_) if n == 0 => self.base_nanos,
            Multiplier::Fractional(m) => {
                let v = self.base_nanos as f64 * m.powf(f64::from(n));
                float_nanos(v)
            }
        }
    }

    /// The delays of a full run of retries, `max_attempts` of them, with jitter drawn from `seed`
    /// (or the configured seed when `None`). Ignores the deadline: no time passes.
    pub fn schedule(&self, seed: Option<u64>) -> Schedule<'_> {
        Schedule {
            state: JitterState::new(self, seed.or(self.seed)),
            config: self,
            n: 0,
        }
    }
}

impl RetryConfigBuilder {
    fn new(base: Duration, multiplier: f64) -> Self {
        RetryConfigBuilder {
            base,
            multiplier,
            max_delay: None,
            max_attempts: 10,
            jitter: Jitter::None,
            deadline: None,
            seed: None,
        }
    }

    /// The growth factor per retry; any finite number `>= 1` (gRPC uses 1.6).
    pub fn multiplier(mut self, multiplier: f64) -> Self {
        self.multiplier = multiplier;
        self
    }

    /// Cap every delay at `max_delay` (after jitter, except [`Jitter::Grpc`], whose jitter comes after the
    /// cap). Zero is refused by [`build`](Self::build) ([`ConfigError::ZeroMaxDelay`]); leave it unset for no
    /// cap.
    pub fn max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = Some(max_delay);
        self
    }

    /// How many retries a counter allows (default 10). `0` means never retry.
    pub fn max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// The jitter mode (default [`Jitter::None`]).
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Stop retrying once this much time has passed since the counter was made; sleeps are
    /// shortened so that their sum never exceeds it.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Seed the jitter's random numbers, for reproducible schedules. Without a seed, every counter
    /// draws a fresh one.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Validate and build.
    pub fn build(self) -> Result<RetryConfig, ConfigError> {
        let m = self.multiplier;
        if !(m.is_finite() && m >= 1.0) {
            return Err(ConfigError::InvalidMultiplier(m));
        }
        match self.jitter {
            Jitter::Additive(f) if !(f.is_finite() && f >= 0.0) => {
                return Err(ConfigError::InvalidJitterFactor(f));
            }
            Jitter::Grpc(f) if !(0.0..=1.0).contains(&f) => {
                return Err(ConfigError::InvalidJitterFactor(f));
            }
            _ => {}
        }
        if self.max_delay == Some(Duration::ZERO) {
            return Err(ConfigError::ZeroMaxDelay);
        }
        // 2^64 is exactly representable, so `m < 2^64` guarantees the cast below is lossless.
        let multiplier = if m.fract() == 0.0 && m < 18_446_744_073_709_551_616.0 {
            Multiplier::Integer(m as u64)
        } else {
            Multiplier::Fractional(m)
        };
        Ok(RetryConfig {
            base_nanos: duration_to_nanos(self.base),
            cap_nanos: self.max_delay.map_or(MAX_NANOS, duration_to_nanos),
            multiplier,
            max_attempts: self.max_attempts,
            jitter: self.jitter,
            deadline: self.deadline,
            seed: self.seed,
        })
    }
}

/// Iterator over the (jittered) delays of a full schedule; see [`RetryConfig::schedule`].
#[derive(Debug, Clone)]
pub struct Schedule<'a> {
    config: &'a RetryConfig,
    state: JitterState,
    n: u32,
}

impl Iterator for Schedule<'_> {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        if self.n >= self.config.max_attempts {
            return None;
        }
        let d = self.state.next_delay(self.config, self.n);
        self.n += 1;
        Some(d)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.config.max_attempts - self.n) as usize;
        (left, Some(left))
    }
}

impl ExactSizeIterator for Schedule<'_> {}

/// The random state a jittered schedule carries from one retry to the next.
#[derive(Debug, Clone)]
pub(crate) struct JitterState {
    rng: SplitMix64,
    /// The previous delay, for decorrelated jitter.
    prev_nanos: u128,
}

impl JitterState {
    pub(crate) fn new(config: &RetryConfig, seed: Option<u64>) -> Self {
        JitterState {
            rng: seed.map_or_else(SplitMix64::from_entropy, SplitMix64::new),
            prev_nanos: config.base_nanos,
        }
    }

    /// The jittered delay before retry `n`, in nanoseconds, never above the cap (except with [`Jitter::Grpc`],
    /// never above `Duration::MAX`).
    pub(crate) fn next_nanos(&mut self, config: &RetryConfig, n: u32) -> u128 {
        let cap = config.cap_nanos;
        let d = match config.jitter {
            Jitter::None => config.uncapped_nanos(n).min(cap),
            Jitter::Additive(f) => {
                let raw = config.uncapped_nanos(n);
                // f64 keeps 53 bits: good enough for a random fraction, and saturating on the way back.
                let extra = float_nanos(self.rng.next_f64() * f * raw as f64);
                raw.saturating_add(extra).min(cap)
            }
            Jitter::Full => {
                let v = config.uncapped_nanos(n).min(cap);
                self.rng.uniform_inclusive(0, v)
            }
            Jitter::Equal => {
                let v = config.uncapped_nanos(n).min(cap);
                let half = v / 2;
                // `v - half` rather than `half` so that odd `v` can still reach `v`.
                half + self.rng.uniform_inclusive(0, v - half)
            }
            Jitter::Decorrelated => {
                let lo = config.base_nanos;
                let hi = self.prev_nanos.saturating_mul(3).max(lo);
                self.rng.uniform_inclusive(lo, hi).min(cap)
            }
            // The spec's first deadline is `now + INITIAL_BACKOFF`, without jitter.
            Jitter::Grpc(_) if n == 0 => config.uncapped_nanos(0).min(cap),
            Jitter::Grpc(f) => {
                let v = config.uncapped_nanos(n).min(cap);
                grpc_sleep(v, f, |lo, hi| self.rng.uniform_inclusive(lo, hi))
            }
        };
        self.prev_nanos = d;
        d
    }

    /// Record the delay actually used when the caller shortened it (deadline), so that decorrelated
    /// jitter grows from what was slept.
    pub(crate) fn shortened_to(&mut self, nanos: u128) {
        self.prev_nanos = self.prev_nanos.min(nanos);
    }

    pub(crate) fn next_delay(&mut self, config: &RetryConfig, n: u32) -> Duration {
        nanos_to_duration(self.next_nanos(config, n))
    }
}

/// gRPC's sleep for the capped backoff `v`: uniform over the nanoseconds of `[v − s, v + s]`, with the spread
/// `s = ⌊f·v⌋` (never more than `v`), drawn by `uniform(lo, hi)`; at most `Duration::MAX`.
fn grpc_sleep(v: u128, f: f64, uniform: impl FnOnce(u128, u128) -> u128) -> u128 {
    let spread = float_nanos(f * v as f64).min(v);
    // `v <= MAX_NANOS < 2^94`, so `v + spread` cannot overflow.
    uniform(v - spread, v + spread).min(MAX_NANOS)
}

/// `base × m^n`, exactly, saturating at `u128::MAX`.
fn integer_power_times(base: u128, m: u64, n: u32) -> u128 {
    if base == 0 || m == 1 || n == 0 {
        return if m == 0 && n > 0 { 0 } else { base };
    }
    if m.is_power_of_two() {
        let shift = u64::from(m.trailing_zeros()) * u64::from(n);
        return if shift > u64::from(base.leading_zeros()) {
            u128::MAX
        } else {
            base << shift
        };
    }
    match u128::from(m).checked_pow(n) {
        Some(p) => base.saturating_mul(p),
        None => u128::MAX,
    }
}

/// A non-negative float of nanoseconds, rounded down, saturating (NaN counts as 0).
fn float_nanos(v: f64) -> u128 {
    if v >= 3.4e38 {
        u128::MAX
    } else {
        // `as` saturates and maps NaN to 0.
        v as u128
    }
}

pub(crate) const fn duration_to_nanos(d: Duration) -> u128 {
    d.as_secs() as u128 * 1_000_000_000 + d.subsec_nanos() as u128
}

/// Callers pass at most `MAX_NANOS`; anything larger saturates to `Duration::MAX`.
pub(crate) fn nanos_to_duration(nanos: u128) -> Duration {
    if nanos >= MAX_NANOS {
        return Duration::MAX;
    }
    let secs = (nanos / 1_000_000_000) as u64;
    let sub = (nanos % 1_000_000_000) as u32;
    Duration::new(secs, sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    #[test]
    fn hbase_exponential_golden() {
        let _deadline = gauntlet_oracle::no_hang("hbase_exponential_golden");
        let c = RetryConfig::exponential(ms(1000)).build().unwrap();
        let got: Vec<_> = (0..6).map(|n| c.delay(n)).collect();
        assert_eq!(got, [1000, 2000, 4000, 8000, 16000, 32000].map(ms));
    }

    #[test]
    fn bounded_golden() {
        let _deadline = gauntlet_oracle::no_hang("bounded_golden");
        let c = RetryConfig::bounded(ms(1000), ms(5000)).build().unwrap();
        let got: Vec<_> = (0..5).map(|n| c.delay(n)).collect();
        assert_eq!(got, [1000, 2000, 4000, 5000, 5000].map(ms));
    }

    #[test]
    fn grpc_golden() {
        let _deadline = gauntlet_oracle::no_hang("grpc_golden");
        // gRPC connection backoff: 1 s initial, ×1.6, capped at 120 s.
        let c = RetryConfig::exponential(ms(1000))
            .multiplier(1.6)
            .max_delay(ms(120_000))
            .build()
            .unwrap();
        let got: Vec<u128> = (0..13).map(|n| c.delay(n).as_millis()).collect();
        assert_eq!(
            got,
            [
                1000, 1600, 2560, 4096, 6553, 10485, 16777, 26843, 42949, 68719, 109951, 120000,
                120000
            ]
        );
    }

    /// gRPC's spec parameters: INITIAL_BACKOFF 1 s, MULTIPLIER 1.6, JITTER 0.2, MAX_BACKOFF 120 s.
    fn grpc_spec() -> RetryConfig {
        RetryConfig::exponential(ms(1000))
            .multiplier(1.6)
            .max_delay(ms(120_000))
            .jitter(Jitter::Grpc(0.2))
            .max_attempts(14)
            .build()
            .unwrap()
    }

    /// By hand, in ns: `current_backoff` = min(1 s × 1.6^n, 120 s) (1.6^10 s = 109.9511627776 s, rounded down),
    /// then the sleep's extremes `current_backoff ∓ 0.2 × current_backoff`.
    const GRPC_BACKOFF_AND_EXTREMES: [(u128, u128, u128); 13] = [
        (1_000_000_000, 1_000_000_000, 1_000_000_000), // retry 0: INITIAL_BACKOFF, no jitter
        (1_600_000_000, 1_280_000_000, 1_920_000_000),
        (2_560_000_000, 2_048_000_000, 3_072_000_000),
        (4_096_000_000, 3_276_800_000, 4_915_200_000),
        (6_553_600_000, 5_242_880_000, 7_864_320_000),
        (10_485_760_000, 8_388_608_000, 12_582_912_000),
        (16_777_216_000, 13_421_772_800, 20_132_659_200),
        (26_843_545_600, 21_474_836_480, 32_212_254_720),
        (42_949_672_960, 34_359_738_368, 51_539_607_552),
        (68_719_476_736, 54_975_581_389, 82_463_372_083), // 0.2 × v = 13 743 895 347.2, rounded down
        (109_951_162_777, 87_960_930_222, 131_941_395_332), // spread 21 990 232 555
        (120_000_000_000, 96_000_000_000, 144_000_000_000), // capped: below and above the cap
        (120_000_000_000, 96_000_000_000, 144_000_000_000),
    ];

    #[test]
    fn grpc_jitter_extremes_match_the_spec_by_hand() {
        let _deadline = gauntlet_oracle::no_hang("grpc_jitter_extremes_match_the_spec_by_hand");
        let c = grpc_spec();
        for (n, &(backoff, lo, hi)) in GRPC_BACKOFF_AND_EXTREMES.iter().enumerate() {
            let n = n as u32;
            assert_eq!(c.uncapped_nanos(n).min(c.cap_nanos), backoff, "n={n}");
            if n == 0 {
                continue;
            }
            // The draw's two ends, and its middle, through the same function the schedule uses.
            assert_eq!(grpc_sleep(backoff, 0.2, |lo, _| lo), lo, "n={n}");
            assert_eq!(grpc_sleep(backoff, 0.2, |_, hi| hi), hi, "n={n}");
            assert_eq!(grpc_sleep(backoff, 0.2, |lo, hi| (lo + hi) / 2), backoff);
        }
    }

    #[test]
    fn grpc_schedules_stay_within_the_spec_and_reach_both_ends() {
        let _deadline =
            gauntlet_oracle::no_hang("grpc_schedules_stay_within_the_spec_and_reach_both_ends");
        let c = grpc_spec();
        let rounds = 4000u64;
        let mut lowest = [u128::MAX; 13];
        let mut highest = [0u128; 13];
        let mut sum = [0u128; 13];
        for seed in 0..rounds {
            for (n, d) in c.schedule(Some(seed)).take(13).enumerate() {
                let (_, lo, hi) = GRPC_BACKOFF_AND_EXTREMES[n];
                let d = duration_to_nanos(d);
                assert!(
                    (lo..=hi).contains(&d),
                    "seed {seed} n={n}: {d} not in [{lo}, {hi}]"
                );
                lowest[n] = lowest[n].min(d);
                highest[n] = highest[n].max(d);
                sum[n] += d;
            }
        }
        for (n, &(backoff, lo, hi)) in GRPC_BACKOFF_AND_EXTREMES.iter().enumerate().skip(1) {
            // Uniform over [lo, hi]: 4000 draws come within 0.5 % of the width of each end (a one-sided
            // jitter, or one cut at the cap, would not), and their mean within 2 % of the backoff.
            let near = (hi - lo) / 200;
            assert!(lowest[n] <= lo + near, "n={n}: lowest {}", lowest[n]);
            assert!(highest[n] >= hi - near, "n={n}: highest {}", highest[n]);
            let mean = sum[n] / u128::from(rounds);
            assert!(mean.abs_diff(backoff) <= backoff / 50, "n={n}: mean {mean}");
        }
        // Above the cap, unlike every other mode.
        assert!(highest[11] > 120_000_000_000);
    }

    #[test]
    fn grpc_jitter_may_fall_below_the_base() {
        let _deadline = gauntlet_oracle::no_hang("grpc_jitter_may_fall_below_the_base");
        // A fixed 1 s backoff: every retry after the first sleeps 0.8 s to 1.2 s.
        let c = RetryConfig::fixed(ms(1000))
            .jitter(Jitter::Grpc(0.2))
            .max_attempts(200)
            .build()
            .unwrap();
        let delays: Vec<Duration> = c.schedule(Some(3)).collect();
        assert_eq!(delays[0], ms(1000));
        assert!(delays.iter().any(|&d| d < ms(1000)), "{delays:?}");
        assert!(delays.iter().all(|&d| d >= ms(800) && d <= ms(1200)));
    }

    #[test]
    fn grpc_jitter_saturates_at_duration_max() {
        let _deadline = gauntlet_oracle::no_hang("grpc_jitter_saturates_at_duration_max");
        let c = RetryConfig::exponential(Duration::MAX)
            .jitter(Jitter::Grpc(1.0))
            .build()
            .unwrap();
        for d in c.schedule(Some(1)) {
            assert!(d <= Duration::MAX);
        }
        let zero = RetryConfig::exponential(ms(5))
            .jitter(Jitter::Grpc(0.0))
            .build()
            .unwrap();
        assert_eq!(
            zero.schedule(Some(9)).collect::<Vec<_>>(),
            (0..10).map(|n| zero.delay(n)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn grpc_factor_outside_zero_to_one_is_refused() {
        let _deadline = gauntlet_oracle::no_hang("grpc_factor_outside_zero_to_one_is_refused");
        for f in [-0.1, 1.000_001, f64::NAN, f64::INFINITY] {
            let e = RetryConfig::fixed(ms(1)).jitter(Jitter::Grpc(f)).build();
            assert!(matches!(e, Err(ConfigError::InvalidJitterFactor(_))), "{f}");
        }
        for f in [0.0, 0.2, 1.0] {
            assert!(
                RetryConfig::fixed(ms(1))
                    .jitter(Jitter::Grpc(f))
                    .build()
                    .is_ok()
            );
        }
    }

    /// HBase reads `maxSleepTime <= 0` as "no cap"; here a zero cap is a typed error (it would make every delay
    /// zero), and "no cap" is the builder without `max_delay`.
    #[test]
    fn zero_cap_is_refused_and_no_cap_is_unset() {
        let _deadline = gauntlet_oracle::no_hang("zero_cap_is_refused_and_no_cap_is_unset");
        let e = RetryConfig::bounded(ms(100), Duration::ZERO).build();
        assert_eq!(e, Err(ConfigError::ZeroMaxDelay));
        assert!(
            e.unwrap_err()
                .to_string()
                .contains("leave it unset for no cap")
        );
        let uncapped = RetryConfig::exponential(ms(100)).build().unwrap();
        assert_eq!(uncapped.max_delay(), Duration::MAX);
        assert_eq!(uncapped.delay(10), ms(102_400));
        // The smallest cap is accepted and holds.
        let c = RetryConfig::bounded(ms(100), Duration::from_nanos(1))
            .build()
            .unwrap();
        assert_eq!(c.delay(3), Duration::from_nanos(1));
    }

    #[test]
    fn fixed_is_constant_even_at_the_end() {
        let _deadline = gauntlet_oracle::no_hang("fixed_is_constant_even_at_the_end");
        let c = RetryConfig::fixed(ms(250)).build().unwrap();
        for n in [0, 1, 53, 1 << 20, u32::MAX] {
            assert_eq!(c.delay(n), ms(250));
        }
    }

    #[test]
    fn huge_attempts_and_durations_saturate_to_the_cap() {
        let _deadline = gauntlet_oracle::no_hang("huge_attempts_and_durations_saturate_to_the_cap");
        let c = RetryConfig::exponential(Duration::MAX).build().unwrap();
        assert_eq!(c.delay(u32::MAX), Duration::MAX);
        let c = RetryConfig::exponential(Duration::from_nanos(1))
            .multiplier(3.0)
            .build()
            .unwrap();
        assert_eq!(c.delay(u32::MAX), Duration::MAX);
        assert_eq!(c.delay(4), Duration::from_nanos(81));
        let c = RetryConfig::exponential(ms(1))
            .multiplier(1e300)
            .build()
            .unwrap();
        assert_eq!(c.delay(2), Duration::MAX);
        // HBase goes negative from attempt 53 with a 1 s base; here it simply hits the cap.
        let c = RetryConfig::exponential(ms(1000))
            .jitter(Jitter::Additive(0.5))
            .seed(7)
            .build()
            .unwrap();
        let mut s = JitterState::new(&c, Some(7));
        let d53 = s.next_delay(&c, 53);
        let raw = Duration::from_secs(1 << 53);
        assert!(d53 >= raw && d53 <= raw + raw / 2, "{d53:?}");
        assert_eq!(s.next_delay(&c, 200), Duration::MAX);
    }

    /// Integer multipliers below 2^64 are exact in integers; 2^64 itself (exactly representable) must go
    /// through `f64`, since it does not fit in `u64`.
    #[test]
    fn multiplier_at_two_to_the_64_is_exact() {
        let _deadline = gauntlet_oracle::no_hang("multiplier_at_two_to_the_64_is_exact");
        let below = 18_446_744_073_709_549_568.0; // 2^64 - 2048, the next f64 down
        for (m, nanos) in [
            (below, 18_446_744_073_709_549_568u128),
            (18_446_744_073_709_551_616.0, 18_446_744_073_709_551_616),
        ] {
            let c = RetryConfig::exponential(Duration::from_nanos(1))
                .multiplier(m)
                .build()
                .unwrap();
            assert_eq!(duration_to_nanos(c.delay(1)), nanos, "{m}");
            assert_eq!(c.delay(2), Duration::MAX, "{m}");
        }
    }

    #[test]
    fn zero_base_stays_zero() {
        let _deadline = gauntlet_oracle::no_hang("zero_base_stays_zero");
        let c = RetryConfig::exponential(Duration::ZERO).build().unwrap();
        assert_eq!(c.delay(u32::MAX), Duration::ZERO);
    }

    #[test]
    fn invalid_configs_are_refused() {
        let _deadline = gauntlet_oracle::no_hang("invalid_configs_are_refused");
        for m in [0.5, f64::NAN, f64::INFINITY, -2.0] {
            let e = RetryConfig::exponential(ms(1)).multiplier(m).build();
            assert!(matches!(e, Err(ConfigError::InvalidMultiplier(_))), "{m}");
        }
        let e = RetryConfig::fixed(ms(1))
            .jitter(Jitter::Additive(-0.1))
            .build();
        assert_eq!(e, Err(ConfigError::InvalidJitterFactor(-0.1)));
        assert!(e.unwrap_err().to_string().contains("jitter"));
    }

    #[test]
    fn nanos_round_trip() {
        let _deadline = gauntlet_oracle::no_hang("nanos_round_trip");
        for d in [Duration::ZERO, ms(1), Duration::new(5, 7), Duration::MAX] {
            assert_eq!(nanos_to_duration(duration_to_nanos(d)), d);
        }
    }

    #[test]
    fn schedule_is_max_attempts_long() {
        let _deadline = gauntlet_oracle::no_hang("schedule_is_max_attempts_long");
        let c = RetryConfig::exponential(ms(10))
            .max_attempts(3)
            .build()
            .unwrap();
        assert_eq!(c.schedule(None).len(), 3);
        // `take` bounds the read, so a schedule that never ended would fail here, not hang.
        assert_eq!(
            c.schedule(None).take(10).collect::<Vec<_>>(),
            [10, 20, 40].map(ms).to_vec()
        );
    }

    #[test]
    fn integer_power_times_is_exact_and_saturates() {
        let _deadline = gauntlet_oracle::no_hang("integer_power_times_is_exact_and_saturates");
        assert_eq!(integer_power_times(5, 0, 0), 5, "m^0 is 1, also for m = 0");
        assert_eq!(integer_power_times(5, 0, 1), 0);
        assert_eq!(integer_power_times(0, 7, 5), 0);
        assert_eq!(integer_power_times(9, 1, 1000), 9);
        assert_eq!(integer_power_times(3, 2, 4), 48);
        assert_eq!(integer_power_times(3, 3, 3), 81);
        assert_eq!(integer_power_times(1, 2, 127), 1 << 127);
        assert_eq!(integer_power_times(1, 2, 128), u128::MAX);
        assert_eq!(integer_power_times(2, 2, 127), u128::MAX);
        assert_eq!(integer_power_times(1, 10, 38), 10u128.pow(38));
        assert_eq!(integer_power_times(1, 10, 39), u128::MAX);
        assert_eq!(integer_power_times(4, 10, 38), u128::MAX);
    }

    #[test]
    fn the_deadline_is_none_unless_set() {
        let c = RetryConfig::exponential(ms(10)).build().unwrap();
        assert_eq!(c.deadline(), None);
        let c = RetryConfig::exponential(ms(10))
            .deadline(ms(250))
            .build()
            .unwrap();
        assert_eq!(c.deadline(), Some(ms(250)));
    }
}
