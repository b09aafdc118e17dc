//! Arbitrary bytes: ours, C libbz2 1.0.8 and libbz2-rs-sys agree on success vs failure and every byte.
//!
//! `cargo +nightly fuzz run bzip2_decoder_differential -- -max_total_time=60`
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bzip2_decoder::fuzzing::check_differential(data);
    bzip2_decoder::fuzzing::ORACLE.tick();
});
