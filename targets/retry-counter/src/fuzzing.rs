//! The reference model and the checks behind the fuzz targets (`fuzz/fuzz_targets/retry_counter_*`).
//!
//! The model computes `base × multiplier^n` exactly with a tiny big-integer type: an integer
//! multiplier is multiplied in `n` times; a fractional `f64` multiplier is exactly `mantissa ×
//! 2^exponent`, so the product is `base × mantissa^n / 2^(−exponent·n)`, again exact. It shares no
//! code with the crate's arithmetic. The checks panic with a description on any disagreement; the
//! fuzz targets and the stable regression replay (`tests/fuzz_replay.rs`) call them.

use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};

use crate::{Clock, Jitter, ManualClock, Retrier, RetryBudget, RetryConfig, RetryError};

/// Inputs that reached the comparison with the model, and inputs rejected before it (e.g. too few
/// bytes for `Arbitrary`, or the model declined). The fuzz targets call `ORACLE.tick()` after each
/// input to report the counts.
pub static ORACLE: gauntlet_oracle::Oracle = gauntlet_oracle::Oracle::new();

/// `(compared, rejected)` so far in this process.
pub fn oracle_counts() -> (u64, u64) {
    ORACLE.counts()
}

/// Non-negative big integer, little-endian 32-bit limbs. Only what the model needs.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn from_u128(mut v: u128) -> Big {
        let mut limbs = vec![];
        while v > 0 {
            limbs.push(v as u32);
            v >>= 32;
        }
        Big(limbs)
    }

    fn mul_small(&mut self, m: u64) {
        let (lo, hi) = (m & 0xFFFF_FFFF, m >> 32);
        let a = self.mul_u32(lo);
        let mut b = self.mul_u32(hi);
        if !b.0.is_empty() {
            b.0.insert(0, 0);
        }
        *self = a.add(&b);
    }

    fn mul_u32(&self, m: u64) -> Big {
        let mut out = Vec::with_capacity(self.0.len() + 1);
        let mut carry = 0u64;
        for &l in &self.0 {
            let v = u64::from(l) * m + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        // A zero top limb is trimmed below.
        out.push(carry as u32);
        let mut b = Big(out);
        b.trim();
        b
    }

    fn add(&self, o: &Big) -> Big {
        let n = self.0.len().max(o.0.len());
        let mut out = Vec::with_capacity(n + 1);
        let mut carry = 0u64;
        for i in 0..n {
            let v = u64::from(*self.0.get(i).unwrap_or(&0))
                + u64::from(*o.0.get(i).unwrap_or(&0))
                + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        // A zero top limb is trimmed below.
        out.push(carry as u32);
        let mut b = Big(out);
        b.trim();
        b
    }

    fn trim(&mut self) {
        while let Some(&0) = self.0.last() {
            self.0.pop();
        }
    }

    fn bits(&self) -> u64 {
        match self.0.last() {
            None => 0,
            Some(&top) => (self.0.len() as u64 - 1) * 32 + u64::from(32 - top.leading_zeros()),
        }
    }

    /// `⌊self / 2^k⌋`, as u128 if it fits.
    fn shr_to_u128(&self, k: u64) -> Option<u128> {
        let bits = self.bits();
        if bits <= k {
            return Some(0);
        }
        if bits - k > 128 {
            return None;
        }
        let mut v: u128 = 0;
        for i in (k..bits).rev() {
            let limb = self.0[(i / 32) as usize];
            v = (v << 1) + u128::from((limb >> (i % 32)) & 1);
        }
        Some(v)
    }
}

/// The model's answer for `base × m^n`, capped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelDelay {
    /// Exactly this many nanoseconds (already capped).
    Exact(u128),
    /// The model declined (a fractional multiplier so close to 1 that `n` steps are too many to
    /// compute exactly); the input counts as rejected.
    TooExpensive,
}

/// `min(cap, ⌊base × m^n⌋)` in nanoseconds, exactly.
pub fn model_delay(base: u128, multiplier: f64, n: u32, cap: u128) -> ModelDelay {
    assert!(multiplier.is_finite() && multiplier >= 1.0);
    if base == 0 || n == 0 || multiplier == 1.0 {
        return ModelDelay::Exact(base.min(cap));
    }
    // Decompose the f64 exactly: multiplier = mantissa × 2^exp.
    let bits = multiplier.to_bits();
    let raw_exp = ((bits >> 52) & 0x7FF) as i64;
    let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52);
    // Odd mantissa: its trailing zeros move into the exponent (no loop a slip could keep going).
    let zeros = mantissa.trailing_zeros();
    let (mantissa, exp) = (mantissa >> zeros, raw_exp - 1075 + i64::from(zeros));
    // Each step multiplies by mantissa and, when exp < 0, divides by 2^-exp.
    let shift_per_step = (-exp).max(0) as u64;
    let mul_shift = exp.max(0) as u64;
    let cap_bits = 128 - cap.leading_zeros() as u64;
    let mut value = Big::from_u128(base);
    let mut shift = 0u64;
    for step in 0..n {
        if step >= 600 {
            return ModelDelay::TooExpensive;
        }
        value.mul_small(mantissa);
        for _ in 0..mul_shift {
            value.mul_small(2);
        }
        shift += shift_per_step;
        // Once value / 2^shift has more bits than the cap, it is above the cap for good
        // (multiplier >= 1 never shrinks it).
        if value.bits() > shift + cap_bits {
            return ModelDelay::Exact(cap);
        }
    }
    match value.shr_to_u128(shift) {
        Some(v) => ModelDelay::Exact(v.min(cap)),
        None => ModelDelay::Exact(cap),
    }
}

/// How far the crate may be from the exact model: integer multipliers must agree exactly;
/// fractional ones go through `f64` and may be off by 2^-40 relative plus 1 ns.
fn tolerance(multiplier: f64, exact: u128) -> u128 {
    // The crate computes integer multipliers below 2^64 exactly; larger ones go through f64.
    if multiplier.fract() == 0.0 && multiplier < 18_446_744_073_709_551_616.0 {
        0
    } else {
        (exact >> 40) + 1
    }
}

fn nanos(d: Duration) -> u128 {
    d.as_nanos()
}

/// An arbitrary duration: mostly small values, sometimes the extremes.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum FuzzDuration {
    Millis(u16),
    Nanos(u64),
    Secs(u64, u32),
    Max,
}

impl FuzzDuration {
    fn get(self) -> Duration {
        match self {
            FuzzDuration::Millis(v) => Duration::from_millis(u64::from(v)),
            FuzzDuration::Nanos(v) => Duration::from_nanos(v),
            FuzzDuration::Secs(s, n) => Duration::new(s, n % 1_000_000_000),
            FuzzDuration::Max => Duration::MAX,
        }
    }
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum FuzzMultiplier {
    Integer(u8),
    /// `1 + k/1000`, gRPC-like.
    Thousandths(u16),
    /// Any bits at all: invalid values must be refused, not mishandled.
    Raw(f64),
}

impl FuzzMultiplier {
    fn get(self) -> f64 {
        match self {
            FuzzMultiplier::Integer(v) => f64::from(v),
            FuzzMultiplier::Thousandths(k) => 1.0 + f64::from(k) / 1000.0,
            FuzzMultiplier::Raw(v) => v,
        }
    }
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum FuzzJitter {
    None,
    Additive(u8),
    AdditiveRaw(f64),
    Full,
    Equal,
    Decorrelated,
    /// `k/200`: 0 to 1.275, so factors above 1 (refused) come up too.
    Grpc(u8),
}

impl FuzzJitter {
    fn get(self) -> Jitter {
        match self {
            FuzzJitter::None => Jitter::None,
            FuzzJitter::Additive(p) => Jitter::Additive(f64::from(p) / 100.0),
            FuzzJitter::AdditiveRaw(f) => Jitter::Additive(f),
            FuzzJitter::Full => Jitter::Full,
            FuzzJitter::Equal => Jitter::Equal,
            FuzzJitter::Decorrelated => Jitter::Decorrelated,
            FuzzJitter::Grpc(k) => Jitter::Grpc(f64::from(k) / 200.0),
        }
    }
}

/// One step a caller may take with a counter.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum Op {
    /// `sleep_until_next_retry`.
    Sleep,
    /// `next_delay` without counting a retry.
    Peek,
    /// `use_retry`.
    UseRetry,
    /// Time passes outside the counter.
    Advance(FuzzDuration),
    /// The pure `delay(n)` for an arbitrary n.
    DelayAt(u32),
}

/// A configuration and what the caller does with it.
#[derive(Debug, Clone, Arbitrary)]
pub struct Scenario {
    base: FuzzDuration,
    multiplier: FuzzMultiplier,
    max_delay: Option<FuzzDuration>,
    max_attempts: u32,
    jitter: FuzzJitter,
    deadline: Option<FuzzDuration>,
    seed: u64,
    ops: Vec<Op>,
}

impl Scenario {
    fn config(&self) -> Result<RetryConfig, crate::ConfigError> {
        let mut b = RetryConfig::exponential(self.base.get())
            .multiplier(self.multiplier.get())
            .max_attempts(self.max_attempts)
            .jitter(self.jitter.get())
            .seed(self.seed);
        if let Some(c) = self.max_delay {
            b = b.max_delay(c.get());
        }
        if let Some(d) = self.deadline {
            b = b.deadline(d.get());
        }
        b.build()
    }
}

/// What the model expects of one delay, given the pre-jitter value.
struct Expect {
    base: u128,
    cap: u128,
    multiplier: f64,
}

impl Expect {
    /// Checks a jittered delay (before deadline truncation) and returns the model's pre-jitter
    /// value, or `None` when the model declined.
    fn check(&self, jitter: Jitter, n: u32, got: u128, prev: u128, ctx: &str) -> Option<()> {
        let uncapped = match model_delay(self.base, self.multiplier, n, u128::MAX) {
            ModelDelay::Exact(v) => v,
            ModelDelay::TooExpensive => return None,
        };
        let v = uncapped.min(self.cap);
        let tol = tolerance(self.multiplier, v);
        // gRPC jitters after the cap.
        let ceiling = match jitter {
            Jitter::Grpc(f) => self.cap.saturating_add((self.cap as f64 * f) as u128),
            _ => self.cap,
        };
        assert!(got <= ceiling, "{ctx}: delay {got} above the cap {ceiling}");
        let (lo, hi) = match jitter {
            Jitter::None => (v, v),
            Jitter::Full => (0, v),
            Jitter::Equal => (v / 2, v),
            Jitter::Additive(f) => {
                let extra = (uncapped as f64 * f).min(3.4e38) as u128;
                (v, uncapped.saturating_add(extra).min(self.cap))
            }
            Jitter::Decorrelated => {
                let hi = prev.saturating_mul(3).max(self.base).min(self.cap);
                return {
                    assert!(
                        got >= self.base.min(self.cap) && got <= hi,
                        "{ctx}: decorrelated delay {got} outside [{}, {hi}] (prev {prev})",
                        self.base.min(self.cap)
                    );
                    Some(())
                };
            }
            // Retry 0 is the spec's INITIAL_BACKOFF, unjittered.
            Jitter::Grpc(_) if n == 0 => (v, v),
            Jitter::Grpc(f) => {
                // An independent reading of the spec: v·(1 − f) ≤ sleep ≤ v·(1 + f), at most Duration::MAX.
                let spread = (v as f64 * f) as u128;
                let max = nanos(Duration::MAX);
                let slack = (v >> 40) + 1;
                (
                    v.saturating_sub(spread + slack),
                    (v + spread + slack).min(max),
                )
            }
        };
        // Additive jitter multiplies in f64 on both sides: allow a relative 2^-40 there too.
        let tol_hi = if matches!(jitter, Jitter::Additive(_)) {
            tol + (hi >> 40) + 1
        } else {
            tol
        };
        assert!(
            got + tol >= lo && got <= hi.saturating_add(tol_hi),
            "{ctx}: delay {got} outside [{lo}, {hi}] ± {tol} for n={n}, model pre-jitter {v}"
        );
        Some(())
    }
}

/// Differential check: every delay an arbitrary configuration produces, through every operation,
/// against the exact model; plus determinism (same seed, same schedule) and the deadline bound.
pub fn check_differential(data: &[u8]) {
    let oracle = ORACLE.input();
    let Ok(scenario) = Scenario::arbitrary_take_rest(Unstructured::new(data)) else {
        oracle.rejected();
        return;
    };
    let m = scenario.multiplier.get();
    let config = match scenario.config() {
        Ok(c) => c,
        Err(e) => {
            let jitter_bad = match scenario.jitter.get() {
                Jitter::Additive(f) => !(f.is_finite() && f >= 0.0),
                Jitter::Grpc(f) => !(0.0..=1.0).contains(&f),
                _ => false,
            };
            let m_bad = !(m.is_finite() && m >= 1.0);
            let cap_zero = scenario.max_delay.is_some_and(|c| c.get().is_zero());
            assert!(m_bad || jitter_bad || cap_zero, "valid config refused: {e}");
            oracle.compared();
            return;
        }
    };
    let expect = Expect {
        base: nanos(scenario.base.get()),
        cap: scenario
            .max_delay
            .map_or(u128::MAX, |c| nanos(c.get()))
            .min(nanos(Duration::MAX)),
        multiplier: m,
    };
    let jitter = config.jitter();
    let run = || run_ops(&scenario, &config, &expect, jitter);
    let first = run();
    let Some(first) = first else {
        oracle.rejected();
        return;
    };
    // Same seed, same operations: the same delays, to the nanosecond.
    assert_eq!(
        Some(&first),
        run().as_ref(),
        "same seed gave a different schedule"
    );
    oracle.compared();
}

/// Runs the scenario's operations on a fresh counter; returns every delay seen, or `None` when
/// the model declined one of them.
fn run_ops(
    s: &Scenario,
    config: &RetryConfig,
    expect: &Expect,
    jitter: Jitter,
) -> Option<Vec<u128>> {
    let clock = ManualClock::new();
    let mut counter = config.counter_with(clock.clone(), clock.clone());
    let mut seen = vec![];
    let mut prev = expect.base;
    let mut attempts: u32 = 0;
    let mut slept: u128 = 0;
    let deadline = s.deadline.map(|d| nanos(d.get()));
    for (i, op) in s.ops.iter().enumerate() {
        let ctx = format!("op {i} {op:?}");
        // The manual clock is test equipment, not code under test: read elapsed time off it.
        let elapsed = nanos(clock.now());
        let model_should = attempts < s.max_attempts && deadline.is_none_or(|d| elapsed < d);
        assert_eq!(counter.should_retry(), model_should, "{ctx}: should_retry");
        match *op {
            Op::Sleep | Op::Peek => {
                let before = clock.now();
                let d = if matches!(op, Op::Sleep) {
                    match counter.sleep_until_next_retry() {
                        Ok(d) => d,
                        Err(_) => {
                            assert!(!model_should, "{ctx}: refused a retry the model allows");
                            assert_eq!(clock.now(), before, "{ctx}: a refusal slept");
                            continue;
                        }
                    }
                } else {
                    counter.next_delay()
                };
                let got = nanos(d);
                let left = deadline.map(|dl| dl.saturating_sub(elapsed));
                // The deadline may shorten the delay; when it did not, the jitter bounds apply.
                if let Some(left) = left {
                    assert!(
                        got <= left,
                        "{ctx}: delay {got} beyond the deadline ({left} left)"
                    );
                }
                if left.is_none_or(|l| got < l) {
                    expect.check(jitter, attempts, got, prev, &ctx)?;
                }
                prev = got;
                if matches!(op, Op::Sleep) {
                    assert!(model_should);
                    slept = slept.saturating_add(got);
                    attempts = attempts.saturating_add(1);
                }
                seen.push(got);
            }
            Op::UseRetry => {
                counter.use_retry();
                attempts = attempts.saturating_add(1);
            }
            Op::Advance(d) => {
                clock.advance(d.get());
            }
            Op::DelayAt(n) => {
                let got = nanos(config.delay(n));
                match model_delay(expect.base, expect.multiplier, n, expect.cap) {
                    ModelDelay::Exact(v) => {
                        let tol = tolerance(expect.multiplier, v);
                        assert!(
                            got.abs_diff(v) <= tol,
                            "{ctx}: delay({n}) = {got}, model {v}"
                        );
                        if n > 0 {
                            assert!(
                                config.delay(n - 1) <= config.delay(n),
                                "{ctx}: not monotone"
                            );
                        }
                    }
                    ModelDelay::TooExpensive => return None,
                }
                seen.push(got);
            }
        }
        assert_eq!(counter.attempts(), attempts, "{ctx}: attempts");
        if let Some(d) = deadline {
            assert!(
                slept <= d,
                "{ctx}: slept {slept} ns past the {d} ns deadline"
            );
        }
    }
    Some(seen)
}

/// Robustness: arbitrary configurations through the retry helper and a shared budget on a manual
/// clock. Nothing may panic; the helper must stop within the attempt limit and never retry a
/// permanent error.
///
/// Counts into [`ORACLE`]: compared once the input became a valid configuration and went through
/// the helper, rejected before that.
pub fn check_robust(data: &[u8]) {
    let oracle = ORACLE.input();
    let mut u = Unstructured::new(data);
    let Ok(scenario) = Scenario::arbitrary(&mut u) else {
        return oracle.rejected();
    };
    let Ok(config) = scenario.config() else {
        return oracle.rejected();
    };
    let outcomes: Vec<u8> = u.arbitrary().unwrap_or_default();
    let ratio = f64::from(u.arbitrary::<u16>().unwrap_or(0)) / 100.0;
    let min_per_sec: u32 = u.arbitrary().unwrap_or(0) % 100;
    let budget = RetryBudget::with_clock(
        Duration::from_secs(1),
        min_per_sec,
        ratio,
        ManualClock::new(),
    )
    .expect("valid budget");
    // One request on a clock that never moves: the budget holds `min_per_sec × 1 s + ratio`
    // retries. The bound is checked inside `op`, so a helper that would retry without end fails
    // at once instead of hanging.
    let budget_retries = (u64::from(min_per_sec) * 1000 + (ratio * 1000.0).round() as u64) / 1000;
    let most_retries = budget_retries.min(u64::from(config.max_attempts()));
    let clock = ManualClock::new();
    let retrier = Retrier::new(&config)
        .budget(&budget)
        .time(clock.clone(), clock.clone());
    let mut calls = 0usize;
    // 0 = success, 1 = retryable error, anything else = permanent error; past the end: retryable.
    let r: Result<usize, RetryError<u8>> = retrier.run(
        |e| *e == 1,
        || {
            calls += 1;
            assert!(
                calls as u64 <= most_retries + 1,
                "retry {} past the budget's {budget_retries} and the limit of {}",
                calls - 1,
                config.max_attempts()
            );
            match outcomes.get(calls - 1).copied().unwrap_or(1) {
                0 => Ok(calls),
                e => Err(e),
            }
        },
    );
    let retries = calls - 1;
    match &r {
        Err(RetryError::BudgetExhausted { .. }) => assert_eq!(
            retries as u64, budget_retries,
            "the budget stopped the helper before it was spent"
        ),
        Err(RetryError::Exhausted { .. }) => assert!(retries as u64 <= most_retries),
        _ => {}
    }
    match r {
        Ok(n) => assert_eq!(n, calls),
        Err(e) => {
            assert_eq!(e.retries() as usize, retries);
            if let RetryError::Permanent { error, .. } = e {
                assert!(error > 1, "a retryable error was reported permanent");
            }
        }
    }
    let _ = config.schedule(Some(scenario.seed)).take(64).count();
    oracle.compared();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_matches_known_values() {
        let _deadline = gauntlet_oracle::no_hang("model_matches_known_values");
        let cap = u128::MAX;
        assert_eq!(
            model_delay(1000, 2.0, 10, cap),
            ModelDelay::Exact(1_024_000)
        );
        assert_eq!(
            model_delay(1_000_000_000, 1.6, 4, cap),
            ModelDelay::Exact(6_553_600_000)
        );
        assert_eq!(model_delay(3, 1.5, 2, cap), ModelDelay::Exact(6)); // 6.75 rounds down
        assert_eq!(model_delay(5, 3.0, 200, 1000), ModelDelay::Exact(1000));
        assert_eq!(model_delay(5, 1.0, u32::MAX, 1000), ModelDelay::Exact(5));
        assert_eq!(
            model_delay(1, 1.0 + 1e-9, 1000, u128::MAX),
            ModelDelay::TooExpensive
        );
    }

    /// The early exit fires as soon as the value has more bits than the cap: with a multiplier this close to 1
    /// the value would otherwise sit one bit above the cap for every step, until the step limit declines it.
    #[test]
    fn model_caps_as_soon_as_the_value_outgrows_the_cap() {
        let _deadline =
            gauntlet_oracle::no_hang("model_caps_as_soon_as_the_value_outgrows_the_cap");
        // 1024 × (1 + 2^-52)^n stays in [1024, 2048) for n ≤ 700; the cap 1000 has 10 bits.
        assert_eq!(
            model_delay(1024, 1.0 + f64::EPSILON, 700, 1000),
            ModelDelay::Exact(1000)
        );
        assert_eq!(
            model_delay(1024, 1.0 + f64::EPSILON, 700, 1024),
            ModelDelay::TooExpensive
        );
    }

    #[test]
    fn big_add_and_multiply_carry_by_hand() {
        let _deadline = gauntlet_oracle::no_hang("big_add_and_multiply_carry_by_hand");
        let sum = Big::from_u128(u128::from(u32::MAX)).add(&Big::from_u128(1));
        assert_eq!(sum, Big(vec![0, 1]));
        let sum = Big::from_u128(u128::MAX).add(&Big::from_u128(1));
        assert_eq!(sum, Big(vec![0, 0, 0, 0, 1]));
        assert_eq!(sum.bits(), 129);
        assert_eq!(sum.shr_to_u128(1), Some(1 << 127));
        // No carry: no extra limb.
        assert_eq!(
            Big::from_u128(5).add(&Big::from_u128(7)),
            Big::from_u128(12)
        );
        // (2^64 − 1)² = 2^128 − 2^65 + 1.
        let mut square = Big::from_u128(u128::from(u64::MAX));
        square.mul_small(u64::MAX);
        assert_eq!(square, Big::from_u128(u128::MAX - (1 << 65) + 2));
        // 3 × (2^96 + 2^32 + 7), across limbs.
        let mut v = Big::from_u128((1 << 96) + (1 << 32) + 7);
        v.mul_small(3);
        assert_eq!(v, Big::from_u128(3 * ((1 << 96) + (1 << 32) + 7)));
    }

    /// The oracle must notice a wrong delay: a known-bad value for each mode makes `Expect::check` panic, and the
    /// right one passes.
    #[test]
    fn oracle_rejects_wrong_delays() {
        let _deadline = gauntlet_oracle::no_hang("oracle_rejects_wrong_delays");
        let expect = Expect {
            base: 1000,
            cap: 5000,
            multiplier: 2.0,
        };
        let fails = |jitter: Jitter, n: u32, got: u128, prev: u128| {
            std::panic::catch_unwind(|| expect.check(jitter, n, got, prev, "test")).is_err()
        };
        // n = 2: 4000 before the cap; n = 3: 8000, capped to 5000.
        assert!(!fails(Jitter::None, 2, 4000, 0));
        assert!(fails(Jitter::None, 2, 4001, 0));
        assert!(fails(Jitter::None, 2, 3999, 0));
        assert!(!fails(Jitter::None, 3, 5000, 0));
        assert!(fails(Jitter::None, 3, 8000, 0), "uncapped value accepted");
        assert!(fails(Jitter::Full, 2, 4001, 0));
        assert!(!fails(Jitter::Full, 2, 0, 0));
        assert!(fails(Jitter::Equal, 2, 1999, 0));
        assert!(!fails(Jitter::Equal, 2, 2000, 0));
        assert!(fails(Jitter::Additive(0.5), 2, 3999, 0));
        assert!(!fails(Jitter::Additive(0.5), 2, 5000, 0));
        assert!(fails(Jitter::Decorrelated, 2, 999, 2000));
        assert!(fails(Jitter::Decorrelated, 2, 5001, 2000));
        assert!(!fails(Jitter::Decorrelated, 2, 5000, 2000));
        // gRPC: retry 0 exact; later ones v ± 20 %, even above the cap.
        assert!(fails(Jitter::Grpc(0.2), 0, 1001, 0));
        assert!(!fails(Jitter::Grpc(0.2), 3, 6000, 0));
        assert!(fails(Jitter::Grpc(0.2), 3, 6002, 0));
        assert!(fails(Jitter::Grpc(0.2), 2, 3198, 0));
        assert!(!fails(Jitter::Grpc(0.2), 2, 3200, 0));
        // Below the ceiling (cap + 20 %) but above this retry's v + 20 % (+ 1 ns of slack).
        assert!(!fails(Jitter::Grpc(0.2), 2, 4801, 0));
        assert!(fails(Jitter::Grpc(0.2), 2, 4802, 0));
    }

    #[test]
    fn tolerance_is_exact_for_integer_multipliers_below_2_pow_64() {
        let _deadline =
            gauntlet_oracle::no_hang("tolerance_is_exact_for_integer_multipliers_below_2_pow_64");
        let two_64 = 18_446_744_073_709_551_616.0;
        assert_eq!(tolerance(2.0, 1 << 100), 0);
        assert_eq!(tolerance(two_64 - 4096.0, 1 << 100), 0);
        assert_eq!(tolerance(two_64, 1 << 50), (1 << 10) + 1);
        assert_eq!(tolerance(1.5, 1 << 41), 3);
        assert_eq!(tolerance(1.5, 5), 1);
    }

    #[test]
    fn fuzz_multipliers_read_as_documented() {
        let _deadline = gauntlet_oracle::no_hang("fuzz_multipliers_read_as_documented");
        assert_eq!(FuzzMultiplier::Integer(3).get(), 3.0);
        assert_eq!(FuzzMultiplier::Thousandths(600).get(), 1.6);
        assert_eq!(FuzzMultiplier::Thousandths(0).get(), 1.0);
        assert!(FuzzMultiplier::Raw(f64::NAN).get().is_nan());
    }

    /// A scenario with a deadline that shortens only the last delay.
    fn deadline_scenario() -> Scenario {
        Scenario {
            base: FuzzDuration::Millis(10),
            multiplier: FuzzMultiplier::Integer(2),
            max_delay: None,
            max_attempts: 10,
            jitter: FuzzJitter::None,
            deadline: Some(FuzzDuration::Millis(50)),
            seed: 1,
            ops: vec![Op::Peek, Op::Sleep, Op::Sleep, Op::Sleep],
        }
    }

    #[test]
    fn run_ops_returns_every_delay_the_counter_gave() {
        let s = deadline_scenario();
        let config = s.config().unwrap();
        let expect = Expect {
            base: 10_000_000,
            cap: u128::MAX,
            multiplier: 2.0,
        };
        // 10 ms, 10 ms, 20 ms, then 40 ms cut to the 20 ms left before the 50 ms deadline.
        assert_eq!(
            run_ops(&s, &config, &expect, Jitter::None),
            Some(vec![10_000_000, 10_000_000, 20_000_000, 20_000_000])
        );
    }

    #[test]
    fn run_ops_checks_delays_the_deadline_did_not_shorten() {
        let s = deadline_scenario();
        let config = s.config().unwrap();
        // A model that expects × 3: the second retry's 20 ms (not cut by the deadline) disagrees.
        let wrong = Expect {
            base: 10_000_000,
            cap: u128::MAX,
            multiplier: 3.0,
        };
        let caught =
            std::panic::catch_unwind(|| run_ops(&s, &config, &wrong, Jitter::None)).is_err();
        assert!(
            caught,
            "a delay off the model passed because a deadline was set"
        );
    }

    /// Held by the tests that count into the global `ORACLE`, so each sees only its own counts.
    static GLOBAL_ORACLE: std::sync::Mutex<()> = std::sync::Mutex::new(());

    #[test]
    fn check_robust_counts_each_input_once() {
        let _deadline = gauntlet_oracle::no_hang("check_robust_counts_each_input_once");
        let _global = GLOBAL_ORACLE.lock().unwrap_or_else(|p| p.into_inner());
        let count = |data: &[u8]| {
            let before = oracle_counts();
            check_robust(data);
            let after = oracle_counts();
            (after.0 - before.0, after.1 - before.1)
        };
        assert_eq!(count(&[]), (0, 1), "no scenario");
        // An all-zero scenario has multiplier 0, which the builder refuses.
        assert_eq!(count(&[0u8; 64]), (0, 1), "an invalid configuration");
        let valid: Vec<u8> = (1..=200u8).collect();
        assert_eq!(count(&valid), (1, 0), "a valid configuration runs");
    }

    #[test]
    fn fuzz_jitters_read_as_documented() {
        let _deadline = gauntlet_oracle::no_hang("fuzz_jitters_read_as_documented");
        assert_eq!(FuzzJitter::Grpc(40).get(), Jitter::Grpc(0.2));
        assert_eq!(FuzzJitter::Grpc(255).get(), Jitter::Grpc(1.275));
        assert_eq!(FuzzJitter::Additive(50).get(), Jitter::Additive(0.5));
        assert_eq!(FuzzJitter::AdditiveRaw(2.5).get(), Jitter::Additive(2.5));
        assert_eq!(FuzzJitter::Decorrelated.get(), Jitter::Decorrelated);
    }

    /// Every input is counted, as compared or as rejected; an all-zero scenario reaches the comparison.
    #[test]
    fn oracle_counts_what_it_judges() {
        let _deadline = gauntlet_oracle::no_hang("oracle_counts_what_it_judges");
        let _global = GLOBAL_ORACLE.lock().unwrap_or_else(|p| p.into_inner());
        let (compared, rejected) = oracle_counts();
        check_differential(&[]);
        check_differential(&[0u8; 64]);
        let (compared_after, rejected_after) = oracle_counts();
        // Each input is counted one way or the other; other tests running at the same time only add more.
        assert!((compared_after - compared) + (rejected_after - rejected) >= 2);
        assert!(
            compared_after > compared,
            "an all-zero scenario was not compared"
        );
    }

    #[test]
    fn big_shift_right() {
        let _deadline = gauntlet_oracle::no_hang("big_shift_right");
        let b = Big::from_u128(u128::MAX);
        assert_eq!(b.shr_to_u128(0), Some(u128::MAX));
        assert_eq!(b.shr_to_u128(120), Some(255));
        let mut c = b.clone();
        c.mul_small(1 << 40);
        assert_eq!(c.shr_to_u128(40), Some(u128::MAX));
        assert_eq!(c.shr_to_u128(10), None);
    }

    #[test]
    fn checks_run_on_some_inputs() {
        let _deadline = gauntlet_oracle::no_hang("checks_run_on_some_inputs");
        let _global = GLOBAL_ORACLE.lock().unwrap_or_else(|p| p.into_inner());
        for seed in 0u8..=255 {
            let data: Vec<u8> = (0..200u32)
                .map(|i| (i as u8).wrapping_mul(seed).wrapping_add(seed))
                .collect();
            check_differential(&data);
            check_robust(&data);
        }
        let (compared, _) = oracle_counts();
        assert!(compared > 0, "no input reached the comparison");
    }
}
