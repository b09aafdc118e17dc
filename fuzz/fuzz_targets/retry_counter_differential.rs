//! Every delay of an arbitrary retry configuration and operation sequence, against the exact
//! big-integer model in `retry_counter::fuzzing`.
//!
//! `cargo +nightly fuzz run retry_counter_differential -- -max_total_time=60`
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    retry_counter::fuzzing::check_differential(data);
    retry_counter::fuzzing::ORACLE.tick();
});
