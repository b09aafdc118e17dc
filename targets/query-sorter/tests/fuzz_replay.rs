//! Replays the fuzz corpus and regression inputs through the fuzz targets' check functions.
#![cfg(feature = "fuzzing")]

use std::path::Path;

use query_sorter::fuzzing::{check_differential, check_robust, oracle_counts};

fn replay(target: &str, check: fn(&[u8])) -> u64 {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let replayed = gauntlet_oracle::replay_corpus(&fuzz, target, check);
    assert!(
        replayed > 0,
        "{target}: no corpus or regression inputs found under {}",
        fuzz.display()
    );
    replayed as u64
}

#[test]
fn robust_corpus_and_regressions() {
    let _deadline = gauntlet_oracle::no_hang("robust_corpus_and_regressions");
    replay("query_sorter_robust", check_robust);
}

#[test]
fn differential_corpus_and_regressions() {
    let _deadline = gauntlet_oracle::no_hang("differential_corpus_and_regressions");
    // Only this test counts (the robust check does not), so the counts' growth is this replay's.
    let (compared, rejected) = oracle_counts();
    let inputs = replay("query_sorter_differential", check_differential);
    let (compared_after, rejected_after) = oracle_counts();
    assert_eq!(
        (compared_after - compared) + (rejected_after - rejected),
        inputs,
        "each input must count as exactly one of compared or rejected"
    );
    assert!(compared_after > compared, "no seed reached the comparison");
}
