//! Edges of the streaming decoder that whole-buffer decoding never meets: a block bigger than the
//! first input window, and an output limit met exactly at the end of the data.

mod common;

use bzip2_decoder::{Decoder, Error, Options, decompress};
use common::*;

/// The streaming decoder first buffers 2 MiB of input for a block and doubles the window while a
/// block needs more. A block of 880 000 symbols written with 20-bit codes takes 2.2 MB, more than
/// the first window: it must decode as the one-shot decoder does, not fail as too large.
#[test]
fn a_block_bigger_than_the_first_window_is_read_with_a_larger_one() {
    let _deadline =
        common::no_hang("a_block_bigger_than_the_first_window_is_read_with_a_larger_one");
    let symbols = 880_000;
    let mut block = RawBlock::from_bwt_input(b"ab");
    // Two byte values, so the alphabet is RUNA, RUNB, MTF index 1 and EOB; index 1 every time makes
    // the last column alternate. Its CRC is not the data's (the sort would take too long here):
    // both decoders must then agree on the CRC error, which comes only after the whole block is read.
    block.symbols = vec![2; symbols];
    block.symbols.push(3);
    block.code_len = 20;
    block.crc = 0;
    let stream = write_stream(9, &[block], None);
    assert!(stream.len() > 2 << 20, "{} bytes", stream.len());

    let one_shot = decompress(&stream);
    assert!(
        matches!(one_shot, Err(Error::BlockCrc { .. })),
        "{one_shot:?}"
    );
    for threads in [1, 2] {
        let decoder =
            Decoder::with_options(Pieces(&stream, 64 << 10), &Options::new().threads(threads));
        let streamed = drain(decoder, 1 << 16);
        assert_eq!(streamed, one_shot, "{threads} thread(s)");
    }
}

/// A block of 5.25 MB (padding in its code lengths), bigger than the first window (2 MiB, the stream
/// header is the only progress in it) and than the second (4 MiB, no progress at all): every reader
/// (one thread, or two, whose windows grow like that) must double its window until the block fits
/// and then decode it, and must not report it as too large.
#[test]
fn a_padded_block_needs_the_window_doubled_more_than_once() {
    let _deadline = common::no_hang("a_padded_block_needs_the_window_doubled_more_than_once");
    let mut block = RawBlock::from_bwt_input(b"padded");
    block.pad_pairs = 10_500_000;
    let stream = write_stream(9, &[block], None);
    assert!(stream.len() > 5_200_000, "{} bytes", stream.len());
    assert_eq!(decompress(&stream).as_deref(), Ok(&b"padded"[..]));
    for threads in [1, 2] {
        let decoder =
            Decoder::with_options(Pieces(&stream, 64 << 10), &Options::new().threads(threads));
        assert_eq!(
            drain(decoder, 1 << 16).as_deref(),
            Ok(&b"padded"[..]),
            "{threads} thread(s)"
        );
    }
}

/// A reader that is interrupted (`ErrorKind::Interrupted`, a signal) before every piece it hands
/// out, or that fails outright after the first piece.
struct Flaky<'a> {
    data: &'a [u8],
    interrupt_next: bool,
    fail_after_first: bool,
}

impl std::io::Read for Flaky<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.fail_after_first && self.data.len() < 1000 {
            return Err(std::io::Error::other("disk on fire"));
        }
        self.interrupt_next = !self.interrupt_next;
        if self.interrupt_next {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let n = buf.len().min(700).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// An interrupted read of the input is tried again, as `Read` asks, with one thread or two; any
/// other read error ends the decode with that error.
#[test]
fn an_interrupted_input_read_is_retried_and_other_errors_end_the_decode() {
    let _deadline =
        common::no_hang("an_interrupted_input_read_is_retried_and_other_errors_end_the_decode");
    let data = noise(5000, 3);
    let stream = c_compress(&data, 1);
    assert!(
        stream.len() > 1700,
        "{} bytes: more than one 700-byte piece",
        stream.len()
    );
    for threads in [1, 2] {
        let options = Options::new().threads(threads);
        let interrupted = Flaky {
            data: &stream,
            interrupt_next: false,
            fail_after_first: false,
        };
        assert_eq!(
            drain(Decoder::with_options(interrupted, &options), 4096).as_deref(),
            Ok(&data[..]),
            "{threads} thread(s)"
        );
        let mut failing = Decoder::with_options(
            Flaky {
                data: &stream[..1500],
                interrupt_next: true,
                fail_after_first: true,
            },
            &options,
        );
        let err = std::io::Read::read_to_end(&mut failing, &mut Vec::new()).unwrap_err();
        assert_eq!(err.to_string(), "disk on fire", "{threads} thread(s)");
    }
}

/// An output limit equal to the data's length is not exceeded: the last read that fills it must be
/// followed by the end of the stream, at every read size, across block and stream boundaries.
#[test]
fn an_output_limit_met_exactly_is_not_an_error() {
    let _deadline = common::no_hang("an_output_limit_met_exactly_is_not_an_error");
    let data = text(300_000, 7);
    let mut stream = c_compress(&data, 1);
    stream.extend_from_slice(&c_compress(b"and a second stream", 9));
    let mut expected = data.clone();
    expected.extend_from_slice(b"and a second stream");
    let len = expected.len() as u64;
    for buf_len in [1, 7, 4096, 1 << 16, expected.len(), expected.len() + 1] {
        let exact = Decoder::with_options(Pieces(&stream, 1000), &Options::new().max_output(len));
        assert_eq!(
            drain(exact, buf_len).as_deref(),
            Ok(&expected[..]),
            "limit == length, reads of {buf_len}"
        );
        let short =
            Decoder::with_options(Pieces(&stream, 1000), &Options::new().max_output(len - 1));
        assert_eq!(
            drain(short, buf_len),
            Err(Error::OutputLimit { limit: len - 1 }),
            "limit == length - 1, reads of {buf_len}"
        );
    }
}

/// A stream header cut short is reported where the input ends, by the streaming decoder as by the
/// one-shot one, also after a whole first stream.
#[test]
fn a_truncated_stream_header_is_reported_at_the_end_of_the_input() {
    let _deadline =
        common::no_hang("a_truncated_stream_header_is_reported_at_the_end_of_the_input");
    let first = c_compress(b"first stream", 9);
    for input in [
        b"BZh".to_vec(),
        b"BZ".to_vec(),
        [&first[..], b"BZh"].concat(),
    ] {
        let one_shot = decompress(&input);
        assert!(
            matches!(one_shot, Err(Error::Truncated { bit_offset }) if bit_offset == input.len() as u64 * 8),
            "{one_shot:?}"
        );
        let streamed = drain(Decoder::new(Pieces(&input, 2)), 64);
        assert_eq!(streamed, one_shot.map(|_| Vec::new()), "{input:?}");
    }
}
