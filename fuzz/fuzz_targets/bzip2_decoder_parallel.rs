//! The parallel decoder against the serial one, on raw bytes and on mutated multi-block streams.
//!
//! `cargo +nightly fuzz run bzip2_decoder_parallel -- -max_total_time=60`
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bzip2_decoder::fuzzing::check_parallel(data);
    bzip2_decoder::fuzzing::ORACLE.tick();
});
