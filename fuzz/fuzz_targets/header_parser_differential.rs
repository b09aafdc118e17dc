//! Differential against httparse: equal fields where both complete, documented rules where they differ.
//!
//! `cargo +nightly fuzz run header_parser_differential -- -max_total_time=60`
//! (seeds: `fuzz/corpus/header_parser_differential/`, dictionary: `-dict=fuzz/dict/header_parser_differential.dict`)
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    header_parser::fuzzing::check_differential(data);
    let (compared, rejected) = header_parser::fuzzing::oracle_counts();
    gauntlet_fuzz::oracle_tick(compared, rejected);
});
