//! Valid streams from the C encoder, mutated at the bit level (structure-aware), compared with C libbz2.
//!
//! `cargo +nightly fuzz run bzip2_decoder_mutate -- -max_total_time=60`
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bzip2_decoder::fuzzing::check_mutate(data);
    bzip2_decoder::fuzzing::ORACLE.tick();
});
