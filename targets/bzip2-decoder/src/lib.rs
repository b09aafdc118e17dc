//! A from-scratch bzip2 decoder that never panics, checked byte for byte against C libbz2.
//!
//! ```
//! let compressed = include_bytes!("../testdata/hello.bz2");
//! let text = bzip2_decoder::decompress(compressed)?;
//! assert_eq!(text, b"hello, bzip2\n");
//!
//! // Streaming, with a cap on the output (decompression bombs):
//! let mut reader = bzip2_decoder::Decoder::with_limit(&compressed[..], 1 << 20);
//! let mut out = Vec::new();
//! std::io::Read::read_to_end(&mut reader, &mut out)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Should I use this?
//! Use it to read `.bz2` data in safe Rust (`#![forbid(unsafe_code)]`), faster than C libbz2 on one
//! thread, and much faster on several: [`Options::threads`] decodes the blocks of a *single* stream in
//! parallel, like `lbzip2`. It only decodes; compress with something else.
//!
//! # Features
//! - Fast: the inverse BWT (most of the time in every bzip2 decoder) walks six segments of the chain at
//!   once, so their cache misses overlap instead of queueing one behind the other (`src/bwt.rs` explains
//!   how).
//! - The whole format: `BZh1`..`BZh9`, block and stream CRCs (always verified), the legacy randomised
//!   blocks, 2–6 Huffman tables, up to 18002 selectors used (extra ones are read and ignored, as libbz2
//!   1.0.8 does), any number of concatenated streams (pbzip2 and lbzip2 write many). Data after the last
//!   stream that is not a stream header is *trailing garbage*: ignored, and reported
//!   ([`Decoder::trailing_garbage`], [`Decompressed::trailing_garbage`]) so a tool can warn as `bzip2`
//!   does.
//! - [`Decoder`]: streaming `Read` adapter, memory bounded by one block plus buffers; with
//!   [`Decoder::with_options`] and threads it reads a window of a few MiB per thread ahead, never
//!   the whole input, and hands out each block as soon as it is decoded while its other threads,
//!   which outlive the `read` call, decode the next blocks into recycled buffers.
//! - [`decompress`] and [`Options`]: one-shot, with an output limit and parallel decoding. The parallel
//!   decoder finds blocks by scanning for the bit-aligned 48-bit block magic, decodes them on worker
//!   threads, and keeps only the blocks on the true chain, so a magic that appears by chance inside
//!   compressed data costs time, never correctness. A thread left with no block to claim takes half
//!   of the sort, BWT walk and CRC of a block another thread is decoding, so a stream of a few
//!   blocks still keeps every thread busy. Waiting threads spin for at most 20 µs and then block,
//!   and no more threads run than the cores the process may use, so on a machine whose cores are
//!   all busy a waiting thread takes no CPU from the ones doing the work. What a second thread still
//!   costs there is its own buffers (about 7 MiB at `-9`, page faults when fresh), the scan and
//!   the hand-overs, so where it gets no CPU time of its own (every core taken by other sessions'
//!   programs) the decode falls back to one thread after a few milliseconds (the process CPU
//!   clock, on Unix: see [`Options::threads`]).
//! - [`Decompressor`]: the same, keeping its buffers between calls and appending to the caller's.
//! - [`Error`] says what was wrong ([`Corruption`]) and where (block index, bit offset).
//! - The `bzip2-decoder` binary (feature `cli`, on by default): `bzip2-decoder [-t] [--threads N] [FILE...]`
//!   behaves like `bzip2 -dc`. On Linux it uses no more threads than there are idle cores when it
//!   opens a file: a process given a fixed share of the CPU (autogroup scheduling, with the cores
//!   taken by another session's programs) gains nothing from a second thread and pays for it.
//!
//! # Agreement with libbz2
//! The decoder accepts exactly the inputs C libbz2 1.0.8 accepts (as `bzip2 -d` drives it: concatenated
//! streams, trailing garbage ignored) and returns the same bytes. That includes malformed Huffman tables:
//! libbz2 never checks that code lengths form a complete prefix code, and we decode incomplete and
//! over-subscribed tables by its exact rule rather than rejecting them. The error *kinds* may differ
//! (libbz2 reports a truncated block as `BZ_UNEXPECTED_EOF` or `BZ_DATA_ERROR` depending on how far it
//! got). Two intended divergences:
//! - [`Decoder`] buffers a block's compressed bytes before decoding it, and gives up with
//!   [`Corruption::BlockTooLarge`] past 64 MiB for one block. Real blocks are below 2.3 MiB; only a
//!   hand-made code-length section padded with `+1 −1` pairs gets there, which libbz2 would read bit by
//!   bit. [`decompress`] has no such limit.
//! - libbz2 writes out a block's bytes before it knows the block CRC; we return no bytes from a block
//!   that fails its CRC. (Both report the error.)
//!
//! # How it is tested
//! - Unit tests of each stage against naive models (CRC, Huffman decoding by libbz2's bit-by-bit rule,
//!   un-RLE1, the magic scan).
//! - `tests/oracle.rs`: inputs compressed at test time by C libbz2 at levels 1–9 (empty, one byte, runs
//!   of 3/4/5/255/256/259/260, all byte values, block boundaries, concatenated streams, incompressible
//!   data), decoded serially (both BWT walks), streaming in odd chunk sizes, and in parallel; randomised
//!   blocks built field by field and judged by C; properties: round trips and single-bit flips vs C.
//! - `tests/malformed.rs`: one vector per rejection rule (each also rejected by C), error positions, and
//!   truncation at every byte. `tests/cli.rs`: the binary's output, warnings, errors and exit codes.
//! - Fuzz targets (`fuzz/`, feature `fuzzing`): arbitrary bytes against C libbz2 and libbz2-rs-sys,
//!   round trips through the C encoder, bit-level mutations of valid streams, parallel against serial.
//!   `tests/fuzz_replay.rs` replays their corpora and regressions on stable.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod assist;
mod bits;
mod block;
mod bwt;
mod crc;
mod error;
mod huffman;
mod options;
mod parallel;
mod read;
mod rle;
mod spread;
mod stream;
mod wait;

#[cfg(feature = "fuzzing")]
pub mod fuzzing;

pub use error::{Corruption, Error};
pub use options::{Decompressed, Decompressor, Options};
pub use read::Decoder;

/// Decompresses all bzip2 streams in `input` on the calling thread, with no output limit.
///
/// Trailing garbage after the last stream is ignored; use [`Options::decompress`] to learn of it.
/// Working memory is kept for the next call, as [`Options::decompress`] describes.
pub fn decompress(input: &[u8]) -> Result<Vec<u8>, Error> {
    Options::new().decompress(input).map(|done| done.data)
}

/// Test hook: how many decoding scratches (about 7 MiB each at `-9`) the process keeps for the
/// next one-shot call or streaming decoder with threads.
#[doc(hidden)]
pub fn spare_scratches() -> usize {
    parallel::spare_scratches()
}

/// Bounds a unit test: if it is still running after two minutes (a scheduling bug that never
/// hands a block over), the test binary fails instead of hanging.
#[cfg(test)]
pub(crate) fn no_hang(test: &str) -> gauntlet_oracle::Deadline {
    gauntlet_oracle::no_hang(test)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_are_cut_to_the_cores_and_zero_means_all() {
        let _deadline = crate::no_hang("threads_are_cut_to_the_cores_and_zero_means_all");
        let cores = wait::cores();
        assert_eq!(Options::new().thread_count(), 1);
        assert_eq!(Options::new().threads(0).thread_count(), cores);
        assert_eq!(Options::new().threads(10_000).thread_count(), cores);
        assert_eq!(Options::new().threads(1).thread_count(), 1);
        assert_eq!(Options::new().unclamped_threads(3).thread_count(), 3);
        assert_eq!(
            Options::new()
                .unclamped_threads(3)
                .threads(10_000)
                .thread_count(),
            cores,
            "the last call decides"
        );
    }
}
