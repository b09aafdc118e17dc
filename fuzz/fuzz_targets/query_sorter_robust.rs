//! Robustness of `query_sorter::Sorter` on arbitrary bytes and options: no panic, idempotent, never longer, path kept.
//!
//! `cargo +nightly fuzz run query_sorter_robust -- -max_total_time=60 -dict=fuzz/dict/query_sorter_robust.dict`
#![no_main]

use libfuzzer_sys::fuzz_target;
use query_sorter::fuzzing::check_robust;

fuzz_target!(|data: &[u8]| check_robust(data));
