//! `query_sorter::Sorter` against the naive split-filter-sort-join model in every mode and option, and Varnish mode
//! against a step-by-step model of Varnish's `std.querysort` where its output is order-independent.
//!
//! `cargo +nightly fuzz run query_sorter_differential -- -max_total_time=60 -dict=fuzz/dict/query_sorter_differential.dict`
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    query_sorter::fuzzing::check_differential(data);
    query_sorter::fuzzing::ORACLE.tick();
});
