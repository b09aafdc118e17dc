//! Check functions for the fuzz targets in `fuzz/` (feature `fuzzing`). Each panics with a clear
//! message on any disagreement; `tests/fuzz_replay.rs` runs them over the corpora on stable.
//!
//! The oracles are C libbz2 1.0.8 (`bzip2` 0.4 with `static`, i.e. `bzip2-sys`) and libbz2-rs-sys
//! (`bzip2` 0.6), driven like `bzip2 -d`: one stream after another until the input is used up, a bad
//! magic after the first stream is trailing garbage.

use std::io::{Read, Write};

use arbitrary::{Arbitrary, Unstructured};

use crate::{Decoder, Error, Options, decompress};

/// Inputs both sides decoded (or both rejected) and compared, and inputs not compared (too large,
/// or not a valid structured input). The fuzz targets call `ORACLE.tick()` after each input to
/// report the counts.
pub static ORACLE: gauntlet_oracle::Oracle = gauntlet_oracle::Oracle::new();

/// `(compared, rejected)` so far in this process.
pub fn oracle_counts() -> (u64, u64) {
    ORACLE.counts()
}

/// Output cap for the comparisons: a few kilobytes of input can describe gigabytes.
const CAP: u64 = 32 << 20;

/// What an oracle made of an input.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Decoded; the bytes of every stream.
    Ok(Vec<u8>),
    /// Rejected, with the oracle's reason.
    Rejected(String),
    /// Produced more than the cap; not compared.
    TooBig,
}

macro_rules! oracle {
    ($name:ident, $krate:ident, $doc:literal) => {
        #[doc = $doc]
        pub fn $name(input: &[u8], cap: u64) -> Verdict {
            let mut out = Vec::new();
            let mut buf = vec![0u8; 1 << 16];
            let mut offset = 0usize;
            let mut stream = 0;
            loop {
                let mut state = $krate::Decompress::new(false);
                loop {
                    let rest = &input[offset + state.total_in() as usize..];
                    let (before_in, before_out) = (state.total_in(), state.total_out());
                    let status = state.decompress(rest, &mut buf);
                    let produced = (state.total_out() - before_out) as usize;
                    out.extend_from_slice(&buf[..produced]);
                    if out.len() as u64 > cap {
                        return Verdict::TooBig;
                    }
                    match status {
                        Err($krate::Error::DataMagic) if stream > 0 => return Verdict::Ok(out),
                        Err(err) => return Verdict::Rejected(format!("{err:?}")),
                        Ok($krate::Status::StreamEnd) => break,
                        Ok(_) if produced == 0 && state.total_in() == before_in => {
                            return Verdict::Rejected("unexpected end of input".into());
                        }
                        Ok(_) => {}
                    }
                }
                offset += state.total_in() as usize;
                stream += 1;
                if offset >= input.len() {
                    return Verdict::Ok(out);
                }
            }
        }
    };
}

oracle!(
    c_libbz2,
    bzip2_c,
    "Decodes `input` with C libbz2 1.0.8, stopping past `cap` output bytes."
);
oracle!(
    rust_libbz2,
    bzip2_rust,
    "Decodes `input` with libbz2-rs-sys, stopping past `cap` output bytes."
);

/// Compresses `data` with C libbz2 at `level` (1..=9).
pub fn c_compress(data: &[u8], level: u32) -> Vec<u8> {
    let mut encoder = bzip2_c::write::BzEncoder::new(Vec::new(), bzip2_c::Compression::new(level));
    encoder
        .write_all(data)
        .expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail")
}

fn ours(input: &[u8], cap: u64) -> Result<Vec<u8>, Error> {
    Options::new()
        .max_output(cap)
        .decompress(input)
        .map(|done| done.data)
}

/// Our streaming decoder, reading its input and writing its output in odd-sized pieces.
fn ours_streaming(input: &[u8], cap: u64, chunk: usize) -> Result<Vec<u8>, Error> {
    ours_streaming_with(input, &Options::new().max_output(cap), chunk)
}

/// [`ours_streaming`] with `options` (threads, output limit).
fn ours_streaming_with(input: &[u8], options: &Options, chunk: usize) -> Result<Vec<u8>, Error> {
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.1).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let mut decoder = Decoder::with_options(Trickle(input, chunk), options);
    let mut out = Vec::new();
    let mut buf = vec![0u8; chunk * 7 + 1];
    loop {
        match decoder.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(err) => {
                let inner = err.into_inner().expect("decoder errors wrap an Error");
                return Err(*inner
                    .downcast::<Error>()
                    .expect("decoder errors wrap an Error"));
            }
        }
    }
}

/// Target `bzip2_decoder_robust`: arbitrary bytes through the one-shot and streaming decoders. Neither
/// may panic, and both must agree on the result (the error's position may differ: the streaming
/// decoder sees the input in pieces, so it is compared by kind). Every input is compared, and counted
/// into [`ORACLE`].
pub fn check_robust(data: &[u8]) {
    let oracle = ORACLE.input();
    robust(data, ours_streaming);
    oracle.compared();
}

/// The piece size `check_robust` streams `data` in: 1 to 17 bytes, from the first byte.
fn robust_piece(data: &[u8]) -> usize {
    data.first().map_or(1, |&b| usize::from(b % 17) + 1)
}

/// [`check_robust`] of the streaming decoder `streaming(input, cap, piece)`.
fn robust(data: &[u8], streaming: impl Fn(&[u8], u64, usize) -> Result<Vec<u8>, Error>) {
    let one_shot = ours(data, CAP);
    let streamed = streaming(data, CAP, robust_piece(data));
    match (&one_shot, &streamed) {
        (Ok(a), Ok(b)) => assert!(a == b, "streaming decoder returned different bytes"),
        (Err(a), Err(b)) => assert_eq!(
            std::mem::discriminant(a),
            std::mem::discriminant(b),
            "one-shot and streaming decoders fail differently: {a} vs {b}"
        ),
        _ => panic!("one-shot {one_shot:?} vs streaming {streamed:?}"),
    }
    if let Err(err) = &one_shot {
        assert!(!err.to_string().is_empty());
    }
}

/// Target `bzip2_decoder_differential`: ours and both libbz2s agree on success vs failure and, on
/// success, on every byte.
pub fn check_differential(data: &[u8]) {
    differential(&ORACLE, data, ours);
}

/// [`check_differential`] of the decoder `ours`, counting into `oracle`.
fn differential(
    oracle: &gauntlet_oracle::Oracle,
    data: &[u8],
    ours: impl Fn(&[u8], u64) -> Result<Vec<u8>, Error>,
) {
    let oracle = oracle.input();
    let c = c_libbz2(data, CAP);
    let ours = ours(data, CAP);
    match (&c, &ours) {
        (Verdict::TooBig, _) => {
            oracle.rejected();
            return;
        }
        (Verdict::Ok(expected), Ok(got)) => {
            assert!(
                expected == got,
                "C libbz2 and ours decoded different bytes ({} vs {})",
                expected.len(),
                got.len()
            );
            oracle.compared();
        }
        // Both refusing the input is an agreement the oracle checked, not a skipped input.
        (Verdict::Rejected(_), Err(_)) => oracle.compared(),
        (Verdict::Ok(expected), Err(err)) => {
            panic!(
                "C libbz2 decoded {} bytes, ours failed: {err}",
                expected.len()
            )
        }
        (Verdict::Rejected(reason), Ok(got)) => {
            panic!(
                "C libbz2 rejected ({reason}), ours decoded {} bytes",
                got.len()
            )
        }
    }
    let rust = rust_libbz2(data, CAP);
    let agrees = match (&rust, &ours) {
        (Verdict::Ok(a), Ok(b)) => a == b,
        (Verdict::Rejected(_), Err(_)) | (Verdict::TooBig, _) => true,
        _ => false,
    };
    assert!(agrees, "libbz2-rs-sys {rust:?} vs ours {ours:?}");
}

/// The level (1 to 9), stream count (1 to 3) and streaming piece size (1 to 5 bytes) that the first
/// byte of a roundtrip input asks for: every level and stream count pair from the bytes 0 to 26.
fn roundtrip_knobs(knobs: u8) -> (u32, usize, usize) {
    (
        u32::from(knobs % 9) + 1,
        usize::from(knobs / 9 % 3) + 1,
        usize::from(knobs) % 5 + 1,
    )
}

/// Target `bzip2_decoder_roundtrip`: arbitrary data, level and stream count → C compresses → ours (one
/// shot, streaming and parallel) returns the data.
pub fn check_roundtrip(data: &[u8]) {
    let oracle = ORACLE.input();
    let Some((&knobs, payload)) = data.split_first() else {
        oracle.rejected();
        return;
    };
    let (level, streams, piece) = roundtrip_knobs(knobs);
    let mut compressed = Vec::new();
    let mut expected = Vec::new();
    for part in payload
        .chunks(payload.len().div_ceil(streams).max(1))
        .take(streams)
    {
        compressed.extend_from_slice(&c_compress(part, level));
        expected.extend_from_slice(part);
    }
    if compressed.is_empty() {
        compressed = c_compress(&[], level);
    }
    let got = decompress(&compressed).unwrap_or_else(|err| panic!("level {level}: {err}"));
    assert!(
        got == expected,
        "level {level}: round trip changed the data"
    );
    let streamed = ours_streaming(&compressed, u64::MAX, piece).expect("streaming round trip");
    assert!(
        streamed == expected,
        "level {level}: streaming round trip changed the data"
    );
    let parallel = Options::new()
        .unclamped_threads(2)
        .decompress(&compressed)
        .expect("parallel round trip");
    assert!(parallel.data == expected && parallel.trailing_garbage.is_none());
    oracle.compared();
}

/// One edit of a valid stream, at a bit or byte position taken modulo the stream's length.
#[derive(Debug, Clone, Arbitrary)]
pub enum Mutation {
    /// Flip one bit.
    FlipBit(u32),
    /// Flip `len` (1..=8) consecutive bits.
    FlipBits(u32, u8),
    /// Overwrite a byte.
    SetByte(u32, u8),
    /// Cut the stream.
    Truncate(u32),
    /// Insert bytes.
    Insert(u32, Vec<u8>),
    /// Remove up to 8 bytes.
    Remove(u32, u8),
    /// Append bytes (trailing garbage or another stream's start).
    Append(Vec<u8>),
}

/// The structured input of target `bzip2_decoder_mutate`.
#[derive(Debug, Clone, Arbitrary)]
pub struct MutateInput {
    /// Compression level, taken modulo 9.
    pub level: u8,
    /// Bytes to compress.
    pub payload: Vec<u8>,
    /// Compress the payload as this many concatenated streams (modulo 3, plus 1).
    pub streams: u8,
    /// Edits applied in order.
    pub mutations: Vec<Mutation>,
}

/// Applies `mutations` to `stream`.
pub fn mutate(stream: &mut Vec<u8>, mutations: &[Mutation]) {
    for mutation in mutations {
        let len = stream.len().max(1);
        let at = |pos: u32| pos as usize % len;
        match mutation {
            Mutation::FlipBit(bit) => {
                let bit = *bit as usize % (len * 8);
                if let Some(byte) = stream.get_mut(bit / 8) {
                    *byte ^= 0x80 >> (bit % 8);
                }
            }
            Mutation::FlipBits(bit, count) => {
                for i in 0..usize::from(count % 8) + 1 {
                    let bit = (*bit as usize + i) % (len * 8);
                    if let Some(byte) = stream.get_mut(bit / 8) {
                        *byte ^= 0x80 >> (bit % 8);
                    }
                }
            }
            Mutation::SetByte(pos, value) => {
                if let Some(byte) = stream.get_mut(at(*pos)) {
                    *byte = *value;
                }
            }
            Mutation::Truncate(pos) => stream.truncate(at(*pos)),
            Mutation::Insert(pos, bytes) => {
                let pos = at(*pos).min(stream.len());
                stream.splice(pos..pos, bytes.iter().copied());
            }
            Mutation::Remove(pos, count) => {
                let pos = at(*pos).min(stream.len());
                let end = (pos + usize::from(count % 8) + 1).min(stream.len());
                stream.drain(pos..end);
            }
            Mutation::Append(bytes) => stream.extend_from_slice(bytes),
        }
    }
}

/// Target `bzip2_decoder_mutate`: valid streams from the C encoder, edited at the bit level, then the
/// differential check (and the parallel decoder against the serial one).
pub fn check_mutate(data: &[u8]) {
    let oracle = ORACLE.input();
    let Ok(input) = MutateInput::arbitrary_take_rest(Unstructured::new(data)) else {
        oracle.rejected();
        return;
    };
    let level = u32::from(input.level % 9) + 1;
    let streams = usize::from(input.streams % 3) + 1;
    let mut stream = Vec::new();
    for part in input
        .payload
        .chunks(input.payload.len().div_ceil(streams).max(1))
        .take(streams)
    {
        stream.extend_from_slice(&c_compress(part, level));
    }
    if stream.is_empty() {
        stream = c_compress(&[], level);
    }
    mutate(&mut stream, &input.mutations);
    check_differential(&stream);
    check_parallel_agrees(&stream);
}

/// Parallel and serial decoding return identical results, errors included; so do the streaming
/// decoders with and without threads (on an error, the parallel one may have returned less).
fn check_parallel_agrees(input: &[u8]) {
    let serial_streaming = ours_streaming(input, CAP, 4093);
    let parallel_streaming = ours_streaming_with(
        input,
        &Options::new().max_output(CAP).unclamped_threads(2),
        4093,
    );
    match (&serial_streaming, &parallel_streaming) {
        (Ok(serial), Ok(parallel)) => assert!(
            serial == parallel,
            "streaming with 2 threads differs from one thread"
        ),
        (Err(serial), Err(parallel)) => assert_eq!(serial, parallel, "streaming errors differ"),
        (serial, parallel) => panic!("streaming with 2 threads {parallel:?} vs one {serial:?}"),
    }
    let serial = Options::new().max_output(CAP).decompress(input);
    for threads in [2, 3] {
        let parallel = Options::new()
            .max_output(CAP)
            .unclamped_threads(threads)
            .decompress(input);
        assert!(
            serial == parallel,
            "{threads} threads: parallel {parallel:?} vs serial {serial:?}"
        );
    }
    // One decompressor lives across all inputs of the run, so whatever an earlier input left in its
    // reused buffers must never change a later result.
    thread_local! {
        static REUSED: std::cell::RefCell<crate::Decompressor> =
            std::cell::RefCell::new(crate::Decompressor::new(Options::new().max_output(CAP).unclamped_threads(2)));
    }
    let mut out = Vec::new();
    let reused = REUSED.with(|d| d.borrow_mut().decompress_into(input, &mut out));
    match (&serial, reused) {
        (Ok(serial), Ok(garbage)) => assert!(
            serial.data == out && serial.trailing_garbage == garbage,
            "reused decompressor differs from a fresh serial decode"
        ),
        (Err(serial), Err(reused)) => assert_eq!(serial, &reused, "reused decompressor's error"),
        (serial, reused) => panic!("reused decompressor {reused:?} vs serial {serial:?}"),
    }
}

/// Target `bzip2_decoder_parallel`: the parallel decoder against the serial one, on multi-block
/// streams. The first byte picks the input: the raw bytes themselves, or the rest expanded to several
/// 100k blocks, compressed at level 1, then a few bits flipped.
pub fn check_parallel(data: &[u8]) {
    let oracle = ORACLE.input();
    match parallel_input(data) {
        ParallelInput::Rejected => oracle.rejected(),
        ParallelInput::Raw(stream) => {
            check_parallel_agrees(stream);
            oracle.compared();
        }
        ParallelInput::Built {
            stream,
            raw,
            edited,
        } => {
            check_parallel_agrees(&stream);
            if !edited {
                let decoded = Options::new()
                    .unclamped_threads(2)
                    .decompress(&stream)
                    .expect("valid multi-block stream");
                assert!(
                    decoded.data == raw,
                    "parallel decoder changed a valid multi-block stream"
                );
            }
            oracle.compared();
        }
    }
}

/// What [`check_parallel`] decodes for one input.
#[derive(Debug, PartialEq)]
enum ParallelInput<'a> {
    /// No mode byte, or a payload that does not parse.
    Rejected,
    /// An even mode byte: the rest as it is.
    Raw(&'a [u8]),
    /// An odd mode byte: `raw`, 2 to 4 blocks of the payload, compressed at level 1 into `stream`,
    /// then `edited` by up to four mutations.
    Built {
        stream: Vec<u8>,
        raw: Vec<u8>,
        edited: bool,
    },
}

fn parallel_input(data: &[u8]) -> ParallelInput<'_> {
    let Some((&mode, rest)) = data.split_first() else {
        return ParallelInput::Rejected;
    };
    if mode % 2 == 0 {
        return ParallelInput::Raw(rest);
    }
    let Ok(input) = MutateInput::arbitrary_take_rest(Unstructured::new(rest)) else {
        return ParallelInput::Rejected;
    };
    // Expand the payload to 2..4 blocks at level 1; a counter keeps the copies distinct.
    let mut raw = Vec::with_capacity(300_000);
    let seed = if input.payload.is_empty() {
        vec![0u8]
    } else {
        input.payload.clone()
    };
    let target = 120_000 * (usize::from(input.streams % 3) + 1);
    let mut round = 0u32;
    while raw.len() < target {
        raw.extend_from_slice(&seed);
        raw.extend_from_slice(&round.to_le_bytes());
        round += 1;
    }
    let mut stream = c_compress(&raw, 1);
    let edits: Vec<Mutation> = input.mutations.into_iter().take(4).collect();
    mutate(&mut stream, &edits);
    ParallelInput::Built {
        stream,
        raw,
        edited: !edits.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parallel_mode_byte_picks_raw_bytes_or_built_blocks() {
        let _deadline = crate::no_hang("the_parallel_mode_byte_picks_raw_bytes_or_built_blocks");
        assert_eq!(parallel_input(b""), ParallelInput::Rejected);
        assert_eq!(parallel_input(b"\x00BZh9"), ParallelInput::Raw(b"BZh9"));
        assert_eq!(parallel_input(b"\x02BZh9"), ParallelInput::Raw(b"BZh9"));
        let mut unedited = 0;
        for data in [&b"\x01"[..], b"\x03abc", b"\x05\x09hello"] {
            let ParallelInput::Built {
                stream,
                raw,
                edited,
            } = parallel_input(data)
            else {
                panic!("{data:?} is not built");
            };
            assert!(
                (120_000..360_000 + 1_000).contains(&raw.len()),
                "{data:?}: {} bytes",
                raw.len()
            );
            if !edited {
                assert!(
                    ours(&stream, CAP).expect("a valid stream") == raw,
                    "{data:?}"
                );
                unedited += 1;
            }
        }
        assert!(unedited > 0, "no case decoded its blocks unedited");
    }

    /// Whether `differential` with the decoder `ours` reports a mismatch on `data`.
    fn mismatch(data: &[u8], ours: impl Fn(&[u8], u64) -> Result<Vec<u8>, Error>) -> bool {
        let oracle = gauntlet_oracle::Oracle::new();
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            differential(&oracle, data, ours)
        }))
        .is_err()
    }

    #[test]
    fn the_oracle_passes_our_decoder_and_counts() {
        let _deadline = crate::no_hang("the_oracle_passes_our_decoder_and_counts");
        let oracle = gauntlet_oracle::Oracle::new();
        differential(&oracle, &c_compress(b"hello, hello", 9), ours);
        differential(&oracle, b"BZh9 not a stream", ours);
        assert_eq!(
            oracle.counts(),
            (2, 0),
            "a decode and a shared refusal are both compared"
        );
    }

    #[test]
    fn the_oracle_catches_wrong_decoders() {
        let _deadline = crate::no_hang("the_oracle_catches_wrong_decoders");
        let stream = c_compress(b"abcabcabc", 9);
        // One byte wrong.
        assert!(mismatch(&stream, |input, cap| ours(input, cap).map(
            |mut v| {
                v[0] ^= 1;
                v
            }
        )));
        // One byte short.
        assert!(mismatch(&stream, |input, cap| ours(input, cap).map(
            |mut v| {
                v.pop();
                v
            }
        )));
        // Refusing a valid stream.
        assert!(mismatch(&stream, |_, _| decompress(b"")));
        // Accepting garbage.
        assert!(mismatch(b"BZh9 not a stream", |_, _| Ok(Vec::new())));
    }

    #[test]
    fn robust_streams_in_pieces_of_1_to_17_bytes() {
        let _deadline = crate::no_hang("robust_streams_in_pieces_of_1_to_17_bytes");
        assert_eq!(robust_piece(b""), 1);
        assert_eq!(robust_piece(b"\x00"), 1);
        assert_eq!(robust_piece(b"\x10"), 17);
        assert_eq!(robust_piece(b"\x11"), 1);
        assert_eq!(robust_piece(b"B"), 16, "66 % 17 + 1");
        // The only test of this binary that counts into the global ORACLE, so the counts are its own.
        let before = ORACLE.counts();
        check_robust(b"\x00");
        check_robust(b"\x11 not bzip2");
        check_robust(&c_compress(b"robust", 9));
        assert_eq!(
            ORACLE.counts(),
            (before.0 + 3, before.1),
            "each input compared once"
        );
    }

    #[test]
    fn robust_catches_a_streaming_decoder_that_differs() {
        let _deadline = crate::no_hang("robust_catches_a_streaming_decoder_that_differs");
        let stream = c_compress(b"abcabc", 9);
        type Streaming = fn(&[u8], u64, usize) -> Result<Vec<u8>, Error>;
        let fails = |data: &[u8], streaming: Streaming| {
            std::panic::catch_unwind(|| robust(data, streaming)).is_err()
        };
        assert!(!fails(&stream, ours_streaming));
        assert!(fails(&stream, |i, c, p| ours_streaming(i, c, p).map(
            |mut v| {
                v.push(0);
                v
            }
        )));
        assert!(fails(&stream, |_, _, _| decompress(b"")));
        assert!(fails(b"junk", |_, _, _| Ok(Vec::new())));
        // Both fail, but differently.
        assert!(fails(b"junk", |i, c, p| {
            ours_streaming(&c_compress(i, 9)[..10], c, p)
        }));
    }

    #[test]
    fn the_first_roundtrip_byte_picks_each_level_and_stream_count() {
        let _deadline =
            crate::no_hang("the_first_roundtrip_byte_picks_each_level_and_stream_count");
        assert_eq!(roundtrip_knobs(0), (1, 1, 1));
        assert_eq!(roundtrip_knobs(8), (9, 1, 4));
        assert_eq!(roundtrip_knobs(9), (1, 2, 5));
        assert_eq!(roundtrip_knobs(26), (9, 3, 2));
        assert_eq!(roundtrip_knobs(27), (1, 1, 3));
        assert_eq!(roundtrip_knobs(255), (4, 2, 1));
        let pairs: std::collections::HashSet<_> = (0..27)
            .map(roundtrip_knobs)
            .map(|(l, s, _)| (l, s))
            .collect();
        assert_eq!(pairs.len(), 27);
        assert!((0..=255).all(|k| (1..=5).contains(&roundtrip_knobs(k).2)));
    }

    /// Each edit of the mutate target, checked against bytes worked out by hand: a bit flip clears a
    /// set bit too, positions wrap around the stream, counts are taken modulo 8 plus one.
    #[test]
    fn mutate_applies_each_edit_exactly() {
        let _deadline = gauntlet_oracle::no_hang("mutate_applies_each_edit_exactly");
        let edit = |stream: &[u8], mutation: Mutation| {
            let mut stream = stream.to_vec();
            mutate(&mut stream, &[mutation]);
            stream
        };
        let start = [0b1111_0000, 0x00, 0b1010_1010];
        assert_eq!(
            edit(&start, Mutation::FlipBit(0)),
            [0b0111_0000, 0x00, 0b1010_1010]
        );
        assert_eq!(
            edit(&start, Mutation::FlipBit(24 + 12)),
            [0b1111_0000, 0b0000_1000, 0b1010_1010]
        );
        // Bits 4..8 of byte 0 (count 3 means four bits).
        assert_eq!(
            edit(&start, Mutation::FlipBits(4, 3)),
            [0xff, 0x00, 0b1010_1010]
        );
        // Bits 22, 23, 0, 1: the run wraps to the front; both set bits of byte 0 are cleared.
        assert_eq!(
            edit(&start, Mutation::FlipBits(22, 11)),
            [0b0011_0000, 0x00, 0b1010_1001]
        );
        assert_eq!(
            edit(&start, Mutation::SetByte(4, 7)),
            [0b1111_0000, 7, 0b1010_1010]
        );
        assert_eq!(edit(&start, Mutation::Truncate(5)), [0b1111_0000, 0x00]);
        assert_eq!(
            edit(&start, Mutation::Insert(1, vec![9, 9])),
            [0b1111_0000, 9, 9, 0, 0b1010_1010]
        );
        assert_eq!(edit(&start, Mutation::Remove(3, 9)), [0b1010_1010]);
        assert_eq!(
            edit(&start, Mutation::Append(vec![1])),
            [0b1111_0000, 0, 0b1010_1010, 1]
        );
        // Edits apply in order, each to the result of the one before.
        let mut stream = start.to_vec();
        mutate(&mut stream, &[Mutation::Remove(0, 0), Mutation::FlipBit(0)]);
        assert_eq!(stream, [0x80, 0b1010_1010]);
        // An empty stream takes every edit without panicking.
        let mut empty = Vec::new();
        mutate(
            &mut empty,
            &[
                Mutation::FlipBit(3),
                Mutation::SetByte(1, 1),
                Mutation::Remove(0, 1),
            ],
        );
        assert!(empty.is_empty());
    }

    /// A stream whose output passes `CAP` is not compared, and counted as rejected.
    #[test]
    fn an_oversized_output_is_rejected_not_compared() {
        let _deadline = crate::no_hang("an_oversized_output_is_rejected_not_compared");
        let oracle = gauntlet_oracle::Oracle::new();
        let huge = c_compress(&vec![0u8; CAP as usize + 1], 1);
        differential(&oracle, &huge, |_, _| Ok(Vec::new()));
        assert_eq!(oracle.counts(), (0, 1));
    }
}
