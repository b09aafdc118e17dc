//! Every decoding path reports a corrupt block at the same bit: the one-shot decoder, the
//! streaming one in any piece size, and both with threads.

mod common;

use bzip2_decoder::{Corruption, Decoder, Error, Options, decompress};
use common::*;

/// The error of reading all of `input` through [`Decoder`] in `chunk`-byte pieces.
fn streaming_error(input: &[u8], chunk: usize, threads: usize) -> Error {
    let options = Options::new().unclamped_threads(threads);
    let decoder = Decoder::with_options(Pieces(input, chunk), &options);
    drain(decoder, 8192).expect_err("a corrupt stream")
}

#[test]
fn a_missing_run_length_is_reported_at_the_same_bit_everywhere() {
    let _deadline = common::no_hang("a_missing_run_length_is_reported_at_the_same_bit_everywhere");
    let bad = write_stream(9, &[RawBlock::from_bwt_input(b"abcdxxxx")], None);
    // The same bad stream after a good one: the block starts past the first stream's bytes.
    let after = [c_compress(&text(5000, 1), 9), bad.clone()].concat();
    // After more than the streaming decoder's 256 KiB read chunk: the bytes before the bad block
    // have left its buffer, so its offset counts from a buffer that no longer starts at byte 0.
    let far = [c_compress(&noise(300_000, 2), 1), bad.clone()].concat();
    assert!(far.len() > 300_000);
    for input in [bad, after, far] {
        let one_shot = decompress(&input).expect_err("a corrupt stream");
        let Error::Corrupt {
            kind: Corruption::MissingRunLength,
            bit_offset,
            ..
        } = one_shot
        else {
            panic!("{one_shot}");
        };
        assert!(bit_offset > 32, "past the stream header: {bit_offset}");
        assert!(bit_offset <= input.len() as u64 * 8, "{bit_offset}");
        for chunk in [1, 7, 4096, input.len()] {
            for threads in [1, 2] {
                assert_eq!(
                    streaming_error(&input, chunk, threads),
                    one_shot,
                    "{chunk}-byte pieces, {threads} threads"
                );
            }
        }
        let parallel = Options::new()
            .unclamped_threads(2)
            .decompress(&input)
            .expect_err("a corrupt stream");
        assert_eq!(parallel, one_shot, "parallel one-shot");
    }
}
