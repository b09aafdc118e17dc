//! Replays the committed fuzz corpora and regression inputs through the fuzz targets' checks, so
//! a fixed bug stays fixed without nightly.
#![cfg(feature = "fuzzing")]

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    gauntlet_oracle::replay_corpus(&fuzz, target, check)
}

#[test]
fn differential_corpus() {
    let _deadline = gauntlet_oracle::no_hang("differential_corpus");
    let n = replay(
        "retry_counter_differential",
        retry_counter::fuzzing::check_differential,
    );
    assert!(
        n > 0,
        "no seed corpus committed for retry_counter_differential"
    );
}

#[test]
fn robust_corpus() {
    let _deadline = gauntlet_oracle::no_hang("robust_corpus");
    let n = replay("retry_counter_robust", retry_counter::fuzzing::check_robust);
    assert!(n > 0, "no seed corpus committed for retry_counter_robust");
}
