//! The buffers of a streaming decoder with threads go to the process's spare pools when it is
//! dropped, and the next decoder takes them. One test in its own process: nothing else here
//! touches the pools.

mod common;

use std::io::Read;

use bzip2_decoder::{Decoder, Options, spare_scratches};
use common::*;

#[test]
fn a_dropped_streaming_decoder_leaves_its_buffers_to_the_next() {
    let _deadline =
        gauntlet_oracle::no_hang("a_dropped_streaming_decoder_leaves_its_buffers_to_the_next");
    let data = text(1_500_000, 51);
    let compressed = c_compress(&data, 9);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // The pools keep no more scratches than there are cores: both, or none.
    let kept = if cores >= 2 { 2 } else { 0 };
    let options = Options::new().unclamped_threads(2);
    assert_eq!(spare_scratches(), 0, "nothing decoded yet");
    for round in 0..3 {
        let mut decoder = Decoder::with_options(&compressed[..], &options);
        assert_eq!(spare_scratches(), 0, "round {round}: the decoder took them");
        let mut out = Vec::new();
        decoder.read_to_end(&mut out).expect("decodes");
        assert!(out == data, "round {round}");
        drop(decoder);
        assert_eq!(spare_scratches(), kept, "round {round}: left for the next");
    }
}
