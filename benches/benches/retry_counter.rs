//! Next-delay cost of the retry counter, per jitter mode, in percentiles.
//!
//! `cargo bench -p gauntlet-bench --bench retry_counter`

use std::hint::black_box;
use std::time::Duration;

use gauntlet_bench::Bench;
use retry_counter::{Jitter, ManualClock, RetryConfig};

gauntlet_bench::counting_allocator!();

fn main() {
    let mut c = gauntlet_bench::criterion();
    let modes = [
        ("none", Jitter::None),
        ("additive", Jitter::Additive(0.5)),
        ("full", Jitter::Full),
        ("equal", Jitter::Equal),
        ("decorrelated", Jitter::Decorrelated),
        ("grpc", Jitter::Grpc(0.2)),
    ];
    for (mult_name, multiplier) in [("x2", 2.0), ("x1.6", 1.6)] {
        for (jitter_name, jitter) in modes {
            let config = RetryConfig::exponential(Duration::from_millis(100))
                .multiplier(multiplier)
                .max_delay(Duration::from_secs(120))
                .max_attempts(u32::MAX)
                .jitter(jitter)
                .seed(0x5eed)
                .build()
                .expect("valid config");
            let clock = ManualClock::new();
            let mut counter = config.counter_with(clock.clone(), clock.clone());
            // gRPC's jitter comes after the cap.
            let cap = match jitter {
                Jitter::Grpc(f) => config.max_delay().mul_f64(1.0 + f),
                _ => config.max_delay(),
            };
            // Cycle through attempts 0..64 so both the growing and the capped regime are measured.
            let mut n = 0u32;
            Bench::new(
                "retry_counter",
                &format!("next_delay/{mult_name}/{jitter_name}"),
            )
            .run(&mut c, || {
                if n == 64 {
                    // Clones of one clock: restarting allocates nothing.
                    counter = config.counter_with(clock.clone(), clock.clone());
                    n = 0;
                }
                let d = counter.next_delay();
                counter.use_retry();
                n += 1;
                assert!(d <= cap);
                d
            });
        }
    }
    // The pure pre-jitter formula at an attempt count where naive code overflows.
    let config = RetryConfig::exponential(Duration::from_secs(1))
        .build()
        .expect("valid config");
    let mut n = 0u32;
    Bench::new("retry_counter", "delay/x2/any_n").run(&mut c, || {
        n = n.wrapping_add(0x9E37_79B9);
        black_box(config.delay(black_box(n)))
    });
    c.final_summary();
}
