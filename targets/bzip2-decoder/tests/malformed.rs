//! One malformed vector per rejection rule, and truncation at every byte. Each vector is also fed to
//! C libbz2, which must reject it too; each starts from a stream both accept.

mod common;

use bzip2_decoder::{Corruption, Error, decompress};
use common::*;

fn base_block() -> RawBlock {
    RawBlock::from_bwt_input(b"hello, hello, malformed world")
}

/// What a vector must be rejected with.
enum Expect {
    NotBzip2,
    Corrupt(Corruption),
    BlockCrc,
    StreamCrc,
}

fn vectors() -> Vec<(&'static str, Vec<u8>, Expect)> {
    use Corruption::*;
    let good = write_stream(9, &[base_block()], None);
    let with = |edit: &dyn Fn(&mut RawBlock)| {
        let mut block = base_block();
        edit(&mut block);
        write_stream(9, &[block], None)
    };
    let mut bad_magic = good.clone();
    bad_magic[2] = b'x';
    let mut level_zero = good.clone();
    level_zero[3] = b'0';
    let mut block_magic = good.clone();
    block_magic[5] ^= 0x10;
    let mut bad_block_crc = good.clone();
    bad_block_crc[12] ^= 0x01; // inside the 32-bit block CRC at bytes 10..14
    vec![
        ("bad stream magic", bad_magic, Expect::NotBzip2),
        ("level 0", level_zero, Expect::NotBzip2),
        (
            "bad block magic",
            block_magic,
            Expect::Corrupt(BadBlockMagic),
        ),
        (
            "origPtr = block length",
            with(&|b| b.orig_ptr = 29),
            Expect::Corrupt(OrigPtrOutOfRange),
        ),
        (
            "origPtr beyond the level's block size",
            with(&|b| b.orig_ptr = 0xff_ffff),
            Expect::Corrupt(OrigPtrOutOfRange),
        ),
        (
            "empty symbol map",
            with(&|b| b.used.clear()),
            Expect::Corrupt(NoSymbols),
        ),
        (
            "1 table",
            with(&|b| b.tables = 1),
            Expect::Corrupt(BadTableCount),
        ),
        (
            "7 tables",
            with(&|b| b.tables = 7),
            Expect::Corrupt(BadTableCount),
        ),
        (
            "0 selectors",
            with(&|b| b.selectors = Some(0)),
            Expect::Corrupt(NoSelectors),
        ),
        (
            "selector index = table count",
            with(&|b| b.first_selector = 2),
            Expect::Corrupt(BadSelector),
        ),
        (
            "code length 0",
            with(&|b| b.first_len = Some(0)),
            Expect::Corrupt(BadCodeLength),
        ),
        (
            "code length 21",
            with(&|b| b.first_len = Some(21)),
            Expect::Corrupt(BadCodeLength),
        ),
        (
            "code that no symbol has",
            with(&|b| {
                // 18 symbols in use → 20 in the alphabet, 5-bit codes: 31 is no symbol.
                let end = b.symbols.len() - 1;
                b.symbols.insert(end, 31);
            }),
            Expect::Corrupt(BadHuffmanCode),
        ),
        (
            "symbols beyond the last selector",
            with(&|b| {
                let eob = *b.symbols.last().unwrap();
                b.symbols = vec![2; 60];
                b.symbols.push(eob);
                b.selectors = Some(1);
            }),
            Expect::Corrupt(SelectorsExhausted),
        ),
        (
            "RUNA run of weight 2^21",
            with(&|b| {
                let eob = *b.symbols.last().unwrap();
                b.symbols = vec![0; 22];
                b.symbols.push(eob);
            }),
            Expect::Corrupt(RunTooLong),
        ),
        (
            "run longer than the level allows",
            {
                let mut block = base_block();
                let eob = *block.symbols.last().unwrap();
                // 100_001 in bijective base 2 (RUNA = 1, RUNB = 2, least significant first).
                let mut digits = Vec::new();
                let mut n = 100_001u32;
                while n > 0 {
                    let digit = if n % 2 == 1 { 1 } else { 2 };
                    digits.push(digit as u16 - 1);
                    n = (n - digit) / 2;
                }
                block.symbols = digits;
                block.symbols.push(eob);
                block.orig_ptr = 0;
                write_stream(1, &[block], None)
            },
            Expect::Corrupt(BlockTooLong),
        ),
        (
            "final run of four without a count",
            write_stream(9, &[RawBlock::from_bwt_input(b"abcdxxxx")], None),
            Expect::Corrupt(MissingRunLength),
        ),
        ("bad block CRC", bad_block_crc, Expect::BlockCrc),
        (
            "bad stream CRC",
            write_stream(9, &[base_block()], Some(0x1234_5678)),
            Expect::StreamCrc,
        ),
    ]
}

#[test]
fn the_unmodified_vector_decodes_in_both() {
    let _deadline = common::no_hang("the_unmodified_vector_decodes_in_both");
    let good = write_stream(9, &[base_block()], None);
    assert_eq!(decompress(&good).unwrap(), b"hello, hello, malformed world");
    assert_eq!(
        c_decompress(&good).unwrap(),
        b"hello, hello, malformed world"
    );
}

#[test]
fn each_rule_rejects_its_vector_like_libbz2() {
    let _deadline = common::no_hang("each_rule_rejects_its_vector_like_libbz2");
    for (name, input, expect) in vectors() {
        let err = decompress(&input).expect_err(name);
        let ok = match (&expect, &err) {
            (Expect::NotBzip2, Error::NotBzip2 { offset: 0 }) => true,
            (
                Expect::Corrupt(kind),
                Error::Corrupt {
                    kind: got,
                    block: 0,
                    ..
                },
            ) => kind == got,
            (
                Expect::BlockCrc,
                Error::BlockCrc {
                    block: 0,
                    stored,
                    computed,
                },
            ) => stored != computed,
            (
                Expect::StreamCrc,
                Error::StreamCrc {
                    stream: 0,
                    stored: 0x1234_5678,
                    ..
                },
            ) => true,
            _ => false,
        };
        assert!(ok, "{name}: wrong error: {err}");
        assert_eq!(c_decompress(&input), None, "{name}: C libbz2 accepted it");
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn error_positions_point_at_the_field() {
    let _deadline = common::no_hang("error_positions_point_at_the_field");
    // Header: 32 bits, block magic 48, CRC 32, randomised 1 → origPtr at bit 113.
    let mut block = base_block();
    block.orig_ptr = 0xff_ffff;
    let err = decompress(&write_stream(9, &[block], None)).unwrap_err();
    assert_eq!(
        err,
        Error::Corrupt {
            kind: Corruption::OrigPtrOutOfRange,
            block: 0,
            bit_offset: 113
        }
    );
    let mut second_stream = write_stream(9, &[base_block()], None);
    let first_len = second_stream.len();
    second_stream.extend_from_slice(&write_stream(9, &[base_block()], None));
    second_stream[first_len + 4] ^= 1; // block magic of stream 2, block 1
    let err = decompress(&second_stream).unwrap_err();
    assert_eq!(
        err,
        Error::Corrupt {
            kind: Corruption::BadBlockMagic,
            block: 1,
            bit_offset: (first_len as u64 + 4) * 8
        }
    );
    assert!(err.to_string().contains("block 1"), "{err}");
}

#[test]
fn truncation_at_every_byte_is_an_error_in_both() {
    let _deadline = common::no_hang("truncation_at_every_byte_is_an_error_in_both");
    let data = text(3000, 11);
    for level in [1, 9] {
        let stream = c_compress(&data, level);
        for cut in 0..stream.len() {
            let err = decompress(&stream[..cut]).expect_err("truncated");
            assert!(matches!(err, Error::Truncated { .. }), "cut {cut}: {err}");
            assert_eq!(
                c_decompress(&stream[..cut]),
                None,
                "C accepted a cut at {cut}"
            );
            let parallel = bzip2_decoder::Options::new()
                .unclamped_threads(2)
                .decompress(&stream[..cut]);
            assert_eq!(parallel, Err(err), "cut {cut}: parallel differs");
        }
    }
}

/// A block too long for its own stream's level is rejected even when an earlier stream (a larger level) left the
/// decoder's buffers longer than that: the limit comes from the level, never from a buffer's size. Found by the
/// `bzip2_decoder_parallel` fuzz target, where the main thread's scratch had grown during a level-9 guess.
#[test]
fn a_block_too_long_for_its_level_after_a_larger_level_stream() {
    let _deadline = common::no_hang("a_block_too_long_for_its_level_after_a_larger_level_stream");
    let data = text(250_000, 7);
    let big = c_compress(&data, 9);
    // The same level-9 stream, relabelled as level 1: its one 250 000-byte block is too long for 100k blocks.
    let mut relabelled = big.clone();
    relabelled[3] = b'1';
    let input = [big.clone(), relabelled].concat();
    assert_eq!(c_decompress(&input), None, "C libbz2 accepted it");
    for result in [
        decompress(&input),
        bzip2_decoder::Options::new()
            .unclamped_threads(2)
            .decompress(&input)
            .map(|done| done.data),
        {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut bzip2_decoder::Decoder::new(&input[..]), &mut out)
                .map(|_| out)
                .map_err(
                    |e| match e.into_inner().map(|inner| inner.downcast::<Error>()) {
                        Some(Ok(error)) => *error,
                        other => panic!("not a decoder error: {other:?}"),
                    },
                )
        },
    ] {
        match result {
            // Blocks are counted across streams: stream 2's first block is block 1.
            Err(Error::Corrupt {
                kind: Corruption::BlockTooLong,
                block: 1,
                ..
            }) => {}
            other => panic!(
                "expected BlockTooLong in block 1, got {:?}",
                other.map(|data| format!("{} bytes", data.len()))
            ),
        }
    }
}

/// Issue 18: `BZh9` and then 100 MB of random bytes was read to the end (27 s, 100 MB of memory) by
/// the parallel path before it reported the bad magic of the first block. Every decoder now fails
/// having read at most a bounded window, as one thread does.
#[test]
fn a_bad_first_block_fails_before_reading_much_with_any_threads() {
    let _deadline = common::no_hang("a_bad_first_block_fails_before_reading_much_with_any_threads");
    /// `BZh9`, then up to 100 MB of seeded noise; counts the bytes handed out.
    struct Noise {
        sent: u64,
        state: u64,
    }
    impl std::io::Read for Noise {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min((100_000_000 - self.sent) as usize);
            for byte in &mut buf[..n] {
                *byte = match self.sent {
                    0..4 => b"BZh9"[self.sent as usize],
                    _ => {
                        self.state ^= self.state << 13;
                        self.state ^= self.state >> 7;
                        self.state ^= self.state << 17;
                        self.state as u8
                    }
                };
                self.sent += 1;
            }
            Ok(n)
        }
    }
    let options = [
        bzip2_decoder::Options::new(),
        bzip2_decoder::Options::new().threads(0),
        bzip2_decoder::Options::new().unclamped_threads(2),
        bzip2_decoder::Options::new().unclamped_threads(4),
    ];
    for options in options {
        let mut noise = Noise {
            sent: 0,
            state: 0x9e37_79b9_7f4a_7c15,
        };
        let mut decoder = bzip2_decoder::Decoder::with_options(&mut noise, &options);
        let err = std::io::Read::read(&mut decoder, &mut [0u8; 4096]).expect_err("bad magic");
        let err = *err.into_inner().unwrap().downcast::<Error>().unwrap();
        assert_eq!(
            err,
            Error::Corrupt {
                kind: Corruption::BadBlockMagic,
                block: 0,
                bit_offset: 32
            },
            "{options:?}"
        );
        drop(decoder);
        assert!(
            noise.sent <= 3 << 20,
            "{options:?}: read {} bytes before failing",
            noise.sent
        );
    }
}
