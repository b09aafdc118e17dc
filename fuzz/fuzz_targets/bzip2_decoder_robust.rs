//! Arbitrary bytes through the one-shot and streaming (Read) decoders: no panic, and they agree.
//!
//! `cargo +nightly fuzz run bzip2_decoder_robust -- -max_total_time=60`
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bzip2_decoder::fuzzing::check_robust(data);
    bzip2_decoder::fuzzing::ORACLE.tick();
});
