//! Split invariance: every prefix parses as Partial or exactly as the whole message.
//!
//! `cargo +nightly fuzz run header_parser_split -- -max_total_time=60`
//! (seeds: `fuzz/corpus/header_parser_split/`, dictionary: `-dict=fuzz/dict/header_parser_split.dict`)
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    header_parser::fuzzing::check_split(data);
    header_parser::fuzzing::ORACLE.tick();
});
