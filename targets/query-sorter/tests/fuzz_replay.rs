//! Replays the fuzz corpus and regression inputs through the fuzz targets' check functions.
#![cfg(feature = "fuzzing")]

use std::path::Path;

use query_sorter::fuzzing::{check_differential, check_robust};

fn replay(target: &str, check: fn(&[u8])) {
    let fuzz = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz");
    let mut replayed = 0;
    for kind in ["corpus", "regressions"] {
        let dir = Path::new(fuzz).join(kind).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("read fuzz directory entry").path();
            if path.is_file() {
                let data = std::fs::read(&path).expect("read fuzz input");
                let outcome = std::panic::catch_unwind(|| check(&data));
                assert!(outcome.is_ok(), "{target}: {} fails", path.display());
                replayed += 1;
            }
        }
    }
    assert!(
        replayed > 0,
        "{target}: no corpus or regression inputs found under {fuzz}"
    );
}

#[test]
fn robust_corpus_and_regressions() {
    replay("query_sorter_robust", check_robust);
}

#[test]
fn differential_corpus_and_regressions() {
    replay("query_sorter_differential", check_differential);
}
