//! Arbitrary data, level and stream count: C libbz2 compresses, ours (one-shot, streaming, parallel) returns the data.
//!
//! `cargo +nightly fuzz run bzip2_decoder_roundtrip -- -max_total_time=60`
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bzip2_decoder::fuzzing::check_roundtrip(data);
    bzip2_decoder::fuzzing::ORACLE.tick();
});
