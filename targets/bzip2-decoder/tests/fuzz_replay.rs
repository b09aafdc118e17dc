//! Replays every fuzz corpus and regression input through the same check functions the fuzz targets
//! call, so regressions stay fixed without nightly.
#![cfg(feature = "fuzzing")]

use std::path::Path;

use bzip2_decoder::fuzzing;

fn replay(target: &str, check: fn(&[u8])) {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let count = gauntlet_oracle::replay_corpus(&fuzz, target, check);
    assert!(
        count > 0,
        "{target}: no corpus found under {}",
        fuzz.display()
    );
}

#[test]
fn robust() {
    let _deadline = gauntlet_oracle::no_hang("robust");
    replay("bzip2_decoder_robust", fuzzing::check_robust);
}

#[test]
fn differential() {
    let _deadline = gauntlet_oracle::no_hang("differential");
    replay("bzip2_decoder_differential", fuzzing::check_differential);
    // Counters are process-wide and other tests run concurrently, so only "some seed reached the
    // comparison with C" is asserted; agreeing on a rejection counts as a comparison.
    let (compared, _rejected) = fuzzing::oracle_counts();
    assert!(compared > 0, "no seed reached the comparison with C libbz2");
}

#[test]
fn roundtrip() {
    let _deadline = gauntlet_oracle::no_hang("roundtrip");
    replay("bzip2_decoder_roundtrip", fuzzing::check_roundtrip);
}

#[test]
fn mutate() {
    let _deadline = gauntlet_oracle::no_hang("mutate");
    replay("bzip2_decoder_mutate", fuzzing::check_mutate);
}

#[test]
fn parallel() {
    let _deadline = gauntlet_oracle::no_hang("parallel");
    replay("bzip2_decoder_parallel", fuzzing::check_parallel);
}
