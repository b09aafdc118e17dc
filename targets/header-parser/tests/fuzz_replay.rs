//! Replays every seed and regression input of the fuzz targets through their check functions, so a crash
//! found by fuzzing stays fixed on stable Rust (`cargo test --all-features`).
#![cfg(feature = "fuzzing")]

use header_parser::fuzzing::{check_differential, check_robust, check_split, oracle_counts};
use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    gauntlet_oracle::replay_corpus(&fuzz, target, check)
}

#[test]
fn robust_corpus_replays() {
    let _deadline = gauntlet_oracle::no_hang("robust_corpus_replays");
    assert!(
        replay("header_parser_robust", check_robust) >= 10,
        "robust seeds missing"
    );
}

#[test]
fn differential_corpus_replays_and_compares() {
    let _deadline = gauntlet_oracle::no_hang("differential_corpus_replays_and_compares");
    let before = oracle_counts().0;
    assert!(
        replay("header_parser_differential", check_differential) >= 10,
        "differential seeds missing"
    );
    assert!(
        oracle_counts().0 > before,
        "no seed reached a field-by-field comparison with httparse"
    );
}

#[test]
fn split_corpus_replays() {
    let _deadline = gauntlet_oracle::no_hang("split_corpus_replays");
    assert!(
        replay("header_parser_split", check_split) >= 10,
        "split seeds missing"
    );
}
