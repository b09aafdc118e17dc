//! Streams: header, blocks until the end-of-stream trailer, concatenated streams, trailing garbage.

use std::sync::Arc;

use crate::assist::{Mate, Outcome, Task};
use crate::bits::BitReader;
use crate::block::{BlockInfo, Marker, SHARE_MIN, Scratch, read_marker};
use crate::crc::{self, Crc};
use crate::error::{Corruption, Error};
use crate::rle::{EmitError, Unrle};

/// What the bytes at a stream boundary hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Header {
    /// `BZh1`..`BZh9`: the level (block size in 100k units).
    Level(u32),
    /// Some byte differs from a stream header. After the first stream this is trailing garbage,
    /// ignored with a warning by `bzip2`.
    Mismatch,
    /// The input ends inside what could still be a header.
    Incomplete,
}

pub(crate) fn stream_header(bytes: &[u8]) -> Header {
    for (i, expected) in b"BZh".iter().enumerate() {
        match bytes.get(i) {
            None => return Header::Incomplete,
            Some(byte) if byte != expected => return Header::Mismatch,
            Some(_) => {}
        }
    }
    match bytes.get(3) {
        None => Header::Incomplete,
        Some(&level @ b'1'..=b'9') => Header::Level(u32::from(level - b'0')),
        Some(_) => Header::Mismatch,
    }
}

/// Where the decoder stands inside the input: the counters that error messages report.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Position {
    pub(crate) stream: u64,
    pub(crate) block: u64,
}

/// Decodes the block at `reader` (just past its magic) and appends its bytes to `out`; returns the
/// verified block CRC and the block's length before un-RLE1. With a `mate`, stages of the block are
/// offered to idle threads (see [`crate::assist`]).
pub(crate) fn decode_block_into(
    scratch: &mut Scratch,
    reader: &mut BitReader<'_>,
    level: u32,
    block: u64,
    out: &mut Vec<u8>,
    limit: u64,
    mate: Option<Mate<'_>>,
) -> Result<(u32, usize), Error> {
    let info = scratch.decode_block(reader, level, block, mate)?;
    let crc = expand_block(scratch, info, reader.absolute(), block, out, limit, mate)?;
    Ok((crc, info.len))
}

/// The second half of [`decode_block_into`]: un-RLE1 of the block `scratch` has decoded (`info`;
/// its data ends at bit `bit_offset`) appended to `out`, and its CRC checked; returns the CRC.
pub(crate) fn expand_block(
    scratch: &Scratch,
    info: BlockInfo,
    bit_offset: u64,
    block: u64,
    out: &mut Vec<u8>,
    limit: u64,
    mate: Option<Mate<'_>>,
) -> Result<u32, Error> {
    let mut unrle = Unrle::new();
    let start = out.len();
    match unrle.expand_all(&scratch.bwt_out[..info.len], out, limit) {
        Ok(()) => {}
        Err(EmitError::Limit) => return Err(Error::OutputLimit { limit }),
        Err(EmitError::MissingRunLength) => {
            return Err(Error::Corrupt {
                kind: Corruption::MissingRunLength,
                block,
                bit_offset,
            });
        }
    }
    let computed = match mate {
        Some(mate) if out.len() - start >= SHARE_MIN && mate.wanted() => {
            shared_crc(mate, out, start)
        }
        _ => {
            let mut crc = Crc::new();
            crc.update(&out[start..]);
            crc.finish()
        }
    };
    if computed != info.stored_crc {
        return Err(Error::BlockCrc {
            block,
            stored: info.stored_crc,
            computed,
        });
    }
    Ok(computed)
}

/// The CRC of `out[start..]`, its second half offered to an idle thread.
fn shared_crc(mate: Mate<'_>, out: &mut Vec<u8>, start: usize) -> u32 {
    let data = Arc::new(std::mem::take(out));
    let mid = start + (data.len() - start) / 2;
    mate.offer(Task::Crc {
        data: Arc::clone(&data),
        from: mid,
    });
    let mut crc = Crc::new();
    crc.update(&data[start..mid]);
    match mate.settle() {
        Some(Outcome::Crc(tail)) => crc = crc.append(tail, (data.len() - mid) as u64),
        _ => crc.update(&data[mid..]),
    }
    // The helper dropped its reference before handing over its outcome.
    *out = Arc::try_unwrap(data).unwrap_or_else(|shared| shared.as_ref().clone());
    crc.finish()
}

/// Reads the 32-bit combined CRC after an end-of-stream magic and checks it; returns the byte offset
/// where the next stream may start.
pub(crate) fn finish_stream(
    reader: &mut BitReader<'_>,
    stream: u64,
    computed: u32,
) -> Result<u64, Error> {
    let stored = reader.bits(32);
    if reader.overrun() {
        return Err(Error::Truncated {
            bit_offset: reader.absolute(),
        });
    }
    if stored != computed {
        return Err(Error::StreamCrc {
            stream,
            stored,
            computed,
        });
    }
    Ok(reader.absolute().div_ceil(8))
}

/// Serial one-shot decoding of all streams in `input`, appending to `out`. Returns the byte offset
/// of trailing garbage, if any.
pub(crate) fn decompress_serial(
    input: &[u8],
    limit: u64,
    scratch: &mut Scratch,
    out: &mut Vec<u8>,
) -> Result<Option<usize>, Error> {
    let mut offset = 0usize;
    let mut pos = Position::default();
    loop {
        let level = match stream_header(&input[offset..]) {
            Header::Level(level) => level,
            Header::Mismatch if pos.stream == 0 => return Err(Error::NotBzip2 { offset: 0 }),
            Header::Mismatch => return Ok(Some(offset)),
            Header::Incomplete => {
                return Err(Error::Truncated {
                    bit_offset: input.len() as u64 * 8,
                });
            }
        };
        let mut reader = BitReader::new(input, (offset as u64 + 4) * 8, 0);
        let mut combined = 0u32;
        loop {
            match read_marker(&mut reader, pos.block)? {
                Marker::Block => {
                    let (crc, _) = decode_block_into(
                        scratch,
                        &mut reader,
                        level,
                        pos.block,
                        out,
                        limit,
                        None,
                    )?;
                    combined = crc::combine(combined, crc);
                    pos.block += 1;
                }
                Marker::EndOfStream => {
                    offset = finish_stream(&mut reader, pos.stream, combined)? as usize;
                    break;
                }
            }
        }
        pos.stream += 1;
        if offset >= input.len() {
            return Ok(None);
        }
    }
}
