//! Robustness: arbitrary bytes never panic, results are well formed and every SIMD backend agrees.
//!
//! `cargo +nightly fuzz run header_parser_robust -- -max_total_time=60`
//! (seeds: `fuzz/corpus/header_parser_robust/`, dictionary: `-dict=fuzz/dict/header_parser_robust.dict`)
#![no_main]

use header_parser::fuzzing::check_robust;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check_robust(data);
    header_parser::fuzzing::ORACLE.tick();
});
