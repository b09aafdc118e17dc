//! Differential against httparse: equal fields where both complete, documented rules where they differ.
//! The first byte picks the mode: bit 1 a response, bit 2 the leniencies both share, bit 4 skips the raw
//! head. Every input also builds a head from the rest read as choices (mostly well-formed, so most
//! inputs reach the field comparison); an input counts once, compared when either head was.
//!
//! `cargo +nightly fuzz run header_parser_differential -- -max_total_time=60`
//! (seeds: `fuzz/corpus/header_parser_differential/`, dictionary: `-dict=fuzz/dict/header_parser_differential.dict`)
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    header_parser::fuzzing::check_differential(data);
    header_parser::fuzzing::ORACLE.tick();
});
