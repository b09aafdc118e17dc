//! Property tests: invariants that must hold for every configuration.

use std::time::Duration;

use proptest::prelude::*;
use retry_counter::{Jitter, ManualClock, RetryConfig};

fn jitter() -> impl Strategy<Value = Jitter> {
    prop_oneof![
        Just(Jitter::None),
        (0.0f64..2.0).prop_map(Jitter::Additive),
        Just(Jitter::Full),
        Just(Jitter::Equal),
        Just(Jitter::Decorrelated),
        (0.0f64..=1.0).prop_map(Jitter::Grpc),
    ]
}

fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0u64..10_000).prop_map(Duration::from_millis),
        any::<u64>().prop_map(Duration::from_nanos),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        Just(Duration::MAX),
    ]
}

fn multiplier() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(1.0),
        Just(2.0),
        Just(1.6),
        1.0f64..10.0,
        (1u32..1000).prop_map(f64::from)
    ]
}

fn config() -> impl Strategy<Value = RetryConfig> {
    (
        duration(),
        multiplier(),
        // A zero cap is refused (`ConfigError::ZeroMaxDelay`).
        proptest::option::of(duration().prop_filter("non-zero cap", |d| !d.is_zero())),
        jitter(),
        any::<u64>(),
    )
        .prop_map(|(base, m, cap, jitter, seed)| {
            let mut b = RetryConfig::exponential(base)
                .multiplier(m)
                .jitter(jitter)
                .max_attempts(64)
                .seed(seed);
            if let Some(cap) = cap {
                b = b.max_delay(cap);
            }
            b.build().expect("valid by construction")
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn never_above_the_cap(c in config(), n in any::<u32>()) {
        let _deadline = gauntlet_oracle::no_hang("never_above_the_cap");
        prop_assert!(c.delay(n) <= c.max_delay());
        // gRPC jitters after the cap, by at most its factor.
        let ceiling = match c.jitter() {
            Jitter::Grpc(f) => c.max_delay().saturating_add(c.max_delay().mul_f64(f)),
            _ => c.max_delay(),
        };
        for d in c.schedule(None) {
            prop_assert!(d <= ceiling, "{d:?} > {ceiling:?}");
        }
    }

    #[test]
    fn pre_jitter_delays_never_decrease(c in config(), n in 0u32..10_000) {
        let _deadline = gauntlet_oracle::no_hang("pre_jitter_delays_never_decrease");
        prop_assert!(c.delay(n) <= c.delay(n + 1));
        prop_assert!(c.delay(n) <= c.delay(u32::MAX));
    }

    #[test]
    fn jitter_within_bounds(c in config()) {
        let _deadline = gauntlet_oracle::no_hang("jitter_within_bounds");
        let mut prev = c.delay(0);
        let base = c.delay(0);
        for (n, d) in c.schedule(None).enumerate() {
            let v = c.delay(n as u32);
            match c.jitter() {
                Jitter::None => prop_assert_eq!(d, v),
                Jitter::Full => prop_assert!(d <= v),
                Jitter::Equal => prop_assert!(d >= v / 2 && d <= v),
                Jitter::Additive(f) => {
                    prop_assert!(d >= v);
                    // Upper bound: d·(1+f) before the cap, with float slack.
                    let hi = v.as_secs_f64() * (1.0 + f) * (1.0 + 1e-9) + 1e-9;
                    prop_assert!(d == c.max_delay() || d.as_secs_f64() <= hi, "{d:?} > {hi}");
                }
                Jitter::Decorrelated => {
                    let hi = prev.saturating_mul(3).max(base).min(c.max_delay());
                    prop_assert!(d >= base.min(c.max_delay()) && d <= hi);
                }
                Jitter::Grpc(_) if n == 0 => prop_assert_eq!(d, v),
                Jitter::Grpc(f) => {
                    // v·(1 ± f), with float slack, at most Duration::MAX.
                    let (v, d) = (v.as_secs_f64(), d.as_secs_f64());
                    let slack = v * 1e-9 + 1e-9;
                    prop_assert!(d >= v * (1.0 - f) - slack, "{d} < {v}·(1 − {f})");
                    prop_assert!(d <= v * (1.0 + f) + slack, "{d} > {v}·(1 + {f})");
                }
                _ => unreachable!(),
            }
            prev = d;
        }
    }

    #[test]
    fn same_seed_same_schedule(c in config(), seed in any::<u64>()) {
        let _deadline = gauntlet_oracle::no_hang("same_seed_same_schedule");
        let a: Vec<_> = c.schedule(Some(seed)).collect();
        let b: Vec<_> = c.schedule(Some(seed)).collect();
        prop_assert_eq!(a, b);
        let clock = ManualClock::new();
        let mut x = c.counter_with(clock.clone(), clock.clone());
        let mut y = c.counter_with(clock.clone(), clock);
        for _ in 0..16 {
            prop_assert_eq!(x.next_delay(), y.next_delay());
        }
    }

    #[test]
    fn sleeps_sum_within_the_deadline(c in config(), deadline in duration()) {
        let _deadline = gauntlet_oracle::no_hang("sleeps_sum_within_the_deadline");
        let c = RetryConfig::exponential(c.delay(0))
            .jitter(c.jitter())
            .max_attempts(1000)
            .deadline(deadline)
            .build()
            .unwrap();
        let clock = ManualClock::new();
        let mut counter = c.counter_with(clock.clone(), clock.clone());
        let mut total = Duration::ZERO;
        while let Ok(d) = counter.sleep_until_next_retry() {
            total = total.saturating_add(d);
        }
        prop_assert!(total <= deadline);
    }

    #[test]
    fn any_attempt_count_is_fine(c in config(), n in any::<u32>()) {
        let _deadline = gauntlet_oracle::no_hang("any_attempt_count_is_fine");
        let clock = ManualClock::new();
        let mut counter = c.counter_with(clock.clone(), clock);
        for _ in 0..(n % 1000) {
            counter.use_retry();
        }
        let _ = counter.next_delay();
        prop_assert!(c.delay(n) <= c.delay(u32::MAX));
    }
}

#[test]
fn every_attempt_from_zero_to_u32_max_in_strides() {
    let _deadline = gauntlet_oracle::no_hang("every_attempt_from_zero_to_u32_max_in_strides");
    // All of 0..=u32::MAX would take minutes in debug; a stride that hits every power-of-two
    // neighbourhood plus both ends covers where overflow could start.
    let configs = [
        RetryConfig::exponential(Duration::from_secs(1))
            .build()
            .unwrap(),
        RetryConfig::exponential(Duration::MAX)
            .multiplier(1.6)
            .build()
            .unwrap(),
        RetryConfig::exponential(Duration::from_nanos(1))
            .multiplier(7.0)
            .jitter(Jitter::Additive(0.9))
            .build()
            .unwrap(),
    ];
    for c in &configs {
        let mut prev = Duration::ZERO;
        let mut ns: Vec<u32> = (0..32)
            .flat_map(|b| [(1u32 << b) - 1, 1 << b, (1u32 << b) + 1])
            .collect();
        ns.extend((0..=u32::MAX).step_by(65_537));
        ns.push(u32::MAX);
        ns.sort_unstable();
        for n in ns {
            let d = c.delay(n);
            assert!(d >= prev, "delay({n}) decreased");
            prev = d;
        }
        assert_eq!(c.delay(u32::MAX), Duration::MAX);
    }
}
