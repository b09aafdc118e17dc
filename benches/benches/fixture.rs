//! A fixed, seeded workload that never changes: the yardstick for calibrating
//! `cargo harness compare` (an A/A comparison must stay quiet, and a slowdown injected with
//! `GAUNTLET_BENCH_SLOWDOWN_PCT=10` on one side must be caught).
//!
//! `cargo bench -p gauntlet-bench --bench fixture`
//!
//! Two shapes of work, so both a compute-bound and an allocator-bound distribution are covered:
//! sorting 4096 seeded integers (no allocation: the buffer is reused) and building a 1024-entry
//! `BTreeMap` from seeded keys (about a hundred allocations per operation).

use std::collections::BTreeMap;
use std::hint::black_box;

use gauntlet_bench::Bench;

gauntlet_bench::counting_allocator!();

/// SplitMix64: the inputs are the same in every process run and on every machine.
fn seeded(seed: u64, n: usize) -> Vec<u64> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        })
        .collect()
}

fn main() {
    let mut c = gauntlet_bench::criterion();

    let input = seeded(0x5eed_0001, 4096);
    let (min, max) = (
        *input.iter().min().expect("non-empty"),
        *input.iter().max().expect("non-empty"),
    );
    let mut buf = input.clone();
    Bench::new("fixture", "sort_u64/4096").run(&mut c, || {
        buf.copy_from_slice(black_box(&input));
        buf.sort_unstable();
        assert!(buf[0] == min && buf[buf.len() - 1] == max);
        buf[buf.len() / 2]
    });

    let keys = seeded(0x5eed_0002, 1024);
    let expected: u64 = keys.iter().fold(0u64, |a, &k| a.wrapping_add(k >> 32));
    Bench::new("fixture", "btree_insert/1024").run(&mut c, || {
        let mut map = BTreeMap::new();
        for &k in black_box(&keys) {
            map.insert(k, k >> 32);
        }
        let sum = map.values().fold(0u64, |a, &v| a.wrapping_add(v));
        assert_eq!(sum, expected);
        map.len()
    });

    c.final_summary();
}
