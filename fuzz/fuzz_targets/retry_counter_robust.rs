//! Arbitrary configurations through the retry helper and a shared budget: no panic, no retry
//! beyond the limit, no permanent error retried.
//!
//! `cargo +nightly fuzz run retry_counter_robust -- -max_total_time=60`
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    retry_counter::fuzzing::check_robust(data);
    retry_counter::fuzzing::ORACLE.tick();
});
