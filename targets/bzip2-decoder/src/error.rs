//! The one error type: what was wrong and where.

use std::fmt;

/// Why a bzip2 input was rejected.
///
/// Positions are absolute in the compressed input: `bit_offset` counts bits from the first byte of the
/// input (divide by 8 for the byte), and `block` counts blocks from 0 across all concatenated streams.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The input does not start with a stream header `BZh1`..`BZh9`.
    NotBzip2 {
        /// Byte offset of the bad header.
        offset: u64,
    },
    /// The input ended inside a stream.
    Truncated {
        /// Bit offset at which more input was needed.
        bit_offset: u64,
    },
    /// A block or stream trailer broke one of the format's rules.
    Corrupt {
        /// Which rule.
        kind: Corruption,
        /// Index of the block being decoded (across all streams).
        block: u64,
        /// Bit offset of the offending field.
        bit_offset: u64,
    },
    /// A block decoded, but its CRC differs from the stored one.
    BlockCrc {
        /// Index of the block (across all streams).
        block: u64,
        /// CRC stored in the block header.
        stored: u32,
        /// CRC of the decoded bytes.
        computed: u32,
    },
    /// Every block matched its CRC, but the stream's combined CRC differs.
    StreamCrc {
        /// Index of the stream (0 for the first).
        stream: u64,
        /// Combined CRC stored in the end-of-stream trailer.
        stored: u32,
        /// Combined CRC of the decoded blocks.
        computed: u32,
    },
    /// The output would exceed the configured limit (a decompression bomb, or a limit set too low).
    OutputLimit {
        /// The limit in bytes.
        limit: u64,
    },
}

/// The format rule a corrupt block broke (see [`Error::Corrupt`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Corruption {
    /// Neither the block magic `0x314159265359` nor the end-of-stream magic `0x177245385090`.
    BadBlockMagic,
    /// The BWT origin pointer is not below the block's length.
    OrigPtrOutOfRange,
    /// The 16×16 symbol map marks no byte value as used.
    NoSymbols,
    /// The number of Huffman tables is not 2..=6.
    BadTableCount,
    /// The number of selectors is 0.
    NoSelectors,
    /// A selector's MTF index is not below the number of tables.
    BadSelector,
    /// A code length left 1..=20 while being delta-decoded.
    BadCodeLength,
    /// A bit string that is no code of the current Huffman table.
    BadHuffmanCode,
    /// The symbols ran past the last selector.
    SelectorsExhausted,
    /// A RUNA/RUNB run is longer than any block can hold.
    RunTooLong,
    /// The block holds more bytes than its stream's level allows (100k × level).
    BlockTooLong,
    /// The block ends in a run of four equal bytes with no count byte after it.
    MissingRunLength,
    /// A block needs more compressed input than the streaming decoder buffers (see the crate docs).
    BlockTooLarge,
}

impl Corruption {
    fn describe(self) -> &'static str {
        match self {
            Self::BadBlockMagic => "bad block magic",
            Self::OrigPtrOutOfRange => "BWT origin pointer out of range",
            Self::NoSymbols => "symbol map is empty",
            Self::BadTableCount => "number of Huffman tables not in 2..=6",
            Self::NoSelectors => "zero selectors",
            Self::BadSelector => "selector index not below the number of tables",
            Self::BadCodeLength => "Huffman code length outside 1..=20",
            Self::BadHuffmanCode => "invalid Huffman code",
            Self::SelectorsExhausted => "more symbols than the selectors cover",
            Self::RunTooLong => "RUNA/RUNB run too long",
            Self::BlockTooLong => "block longer than the stream's level allows",
            Self::MissingRunLength => {
                "run of four bytes without a count byte at the end of the block"
            }
            Self::BlockTooLarge => {
                "block needs more compressed input than the streaming buffer limit"
            }
        }
    }
}

impl fmt::Display for Corruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotBzip2 { offset } => {
                write!(
                    f,
                    "not a bzip2 stream: no `BZh1`..`BZh9` header at byte {offset}"
                )
            }
            Self::Truncated { bit_offset } => write!(
                f,
                "compressed data ends unexpectedly (at byte {}, bit {})",
                bit_offset / 8,
                bit_offset % 8
            ),
            Self::Corrupt {
                kind,
                block,
                bit_offset,
            } => write!(
                f,
                "corrupt block {block}: {kind} (at byte {}, bit {})",
                bit_offset / 8,
                bit_offset % 8
            ),
            Self::BlockCrc {
                block,
                stored,
                computed,
            } => write!(
                f,
                "block {block}: CRC mismatch (stored {stored:#010x}, computed {computed:#010x})"
            ),
            Self::StreamCrc {
                stream,
                stored,
                computed,
            } => write!(
                f,
                "stream {stream}: combined CRC mismatch (stored {stored:#010x}, computed {computed:#010x})"
            ),
            Self::OutputLimit { limit } => {
                write!(f, "decompressed output exceeds the limit of {limit} bytes")
            }
        }
    }
}

impl std::error::Error for Error {}

impl From<Error> for std::io::Error {
    fn from(err: Error) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidData, err)
    }
}
