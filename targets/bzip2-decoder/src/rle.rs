//! Un-RLE1: four equal bytes are followed by a count byte (0..=255) of further copies.

use crate::crc::Crc;

/// Resumable un-RLE1 of one block, with the block CRC computed over what it emits.
#[derive(Debug, Clone)]
pub(crate) struct Unrle {
    /// Next unread position in the pre-RLE1 block.
    pos: usize,
    /// Copies of `run_byte` still to emit.
    run_left: usize,
    run_byte: u8,
    /// Scan state carried across `emit` calls: see [`scan`].
    state: RunState,
    crc: Crc,
}

/// A block ending in four equal bytes has no count byte: libbz2 rejects it, and so do we.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MissingRunLength;

impl Unrle {
    pub(crate) fn new() -> Self {
        Unrle {
            pos: 0,
            run_left: 0,
            run_byte: 0,
            state: RunState::default(),
            crc: Crc::new(),
        }
    }

    /// True once the whole block has been emitted.
    pub(crate) fn is_done(&self, block: &[u8]) -> bool {
        self.pos >= block.len() && self.run_left == 0
    }

    pub(crate) fn crc(&self) -> u32 {
        self.crc.finish()
    }

    /// Emits as much of `block` as fits in `out`; returns the bytes written.
    pub(crate) fn emit(&mut self, block: &[u8], out: &mut [u8]) -> Result<usize, MissingRunLength> {
        let mut written = 0;
        loop {
            if self.run_left > 0 {
                let n = self.run_left.min(out.len() - written);
                out[written..written + n].fill(self.run_byte);
                self.crc.update_run(self.run_byte, n);
                written += n;
                self.run_left -= n;
                if self.run_left > 0 {
                    return Ok(written);
                }
            }
            if self.pos >= block.len() || written == out.len() {
                return Ok(written);
            }
            let room = out.len() - written;
            let (literal, run) = scan(&block[self.pos..], room, &mut self.state)?;
            // With input left and room for it, `scan` always moves on: a slip here would loop.
            debug_assert!(literal != 0 || run.is_some(), "un-RLE made no progress");
            let dest = &mut out[written..written + literal];
            dest.copy_from_slice(&block[self.pos..self.pos + literal]);
            self.crc.update(dest);
            written += literal;
            self.pos += literal;
            if let Some((byte, extra)) = run {
                self.pos += 1; // the count byte
                self.run_byte = byte;
                self.run_left = extra;
            }
        }
    }

    /// Appends the whole block to `out`, failing once `out` would exceed `limit` bytes.
    #[cfg(test)]
    pub(crate) fn emit_all(
        &mut self,
        block: &[u8],
        out: &mut Vec<u8>,
        limit: u64,
    ) -> Result<(), EmitError> {
        let start = out.len();
        self.expand_all(block, out, limit)?;
        self.crc.update(&out[start..]);
        Ok(())
    }

    /// Appends the whole block to `out` (failing once `out` would exceed `limit` bytes), without the
    /// CRC, for a caller that computes it (or shares the work).
    pub(crate) fn expand_all(
        &mut self,
        block: &[u8],
        out: &mut Vec<u8>,
        limit: u64,
    ) -> Result<(), EmitError> {
        // The output is rarely shorter than the block: one allocation instead of a doubling series
        // of copies (and the page faults of each copy) for a fresh buffer.
        let room = usize::try_from(limit.saturating_sub(out.len() as u64)).unwrap_or(usize::MAX);
        out.reserve((block.len() - self.pos).min(room));
        while self.pos < block.len() {
            let (literal, run) = scan(&block[self.pos..], usize::MAX, &mut self.state)
                .map_err(|_| EmitError::MissingRunLength)?;
            let grow = literal + run.map_or(0, |(_, extra)| extra);
            if (out.len() + grow) as u64 > limit {
                return Err(EmitError::Limit);
            }
            out.extend_from_slice(&block[self.pos..self.pos + literal]);
            self.pos += literal;
            if let Some((byte, extra)) = run {
                self.pos += 1;
                out.resize(out.len() + extra, byte);
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EmitError {
    MissingRunLength,
    Limit,
}

/// How many bytes just before the scan position are equal (capped below 4), and which byte. A run can
/// only start at a fresh position, so this is reset after every count byte, exactly like libbz2's state
/// machine.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RunState {
    byte: u8,
    same: u8,
}

/// Splits the front of `rest` into literal bytes to copy (at most `room`) and, if a run of four equal
/// bytes ends the literal stretch, the run's byte and count (the count byte itself follows the
/// literal, which includes the run's four bytes).
#[inline]
fn scan(
    rest: &[u8],
    room: usize,
    state: &mut RunState,
) -> Result<(usize, Option<(u8, usize)>), MissingRunLength> {
    let limit = rest.len().min(room);
    let mut same = state.same;
    let mut prev = state.byte;
    let mut i = 0;
    if same == 0 {
        // Fresh start (no equal bytes carried over): test six run starts per step, eight bytes at a
        // time. `z` has a zero byte at `j` where `rest[at + j] == rest[at + j + 1]`; four equal bytes
        // starting at `j` are three zero bytes in a row.
        let mut at = 0;
        while at + 9 <= limit {
            let x = u64::from_le_bytes(rest[at..at + 8].try_into().unwrap_or([0; 8]));
            let y = u64::from_le_bytes(rest[at + 1..at + 9].try_into().unwrap_or([0; 8]));
            let z = x ^ y;
            const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
            let zero = !(((z & LOW7) + LOW7) | z) & !LOW7;
            let runs = zero & (zero >> 8) & (zero >> 16);
            if runs != 0 {
                let start = at + (runs.trailing_zeros() / 8) as usize;
                *state = RunState::default();
                return match rest.get(start + 4) {
                    Some(&count) => Ok((start + 4, Some((rest[start], usize::from(count))))),
                    None => Err(MissingRunLength),
                };
            }
            at += 6;
        }
        // No run starts before `at`, so the equal bytes just before `at` number at most three and
        // the byte-wise scan may start afresh three bytes back.
        i = at.saturating_sub(3);
    }
    while i < limit {
        let byte = rest[i];
        same = if same > 0 && prev == byte {
            same + 1
        } else {
            1
        };
        prev = byte;
        i += 1;
        if same == 4 {
            *state = RunState::default();
            return match rest.get(i) {
                Some(&count) => Ok((i, Some((byte, usize::from(count))))),
                None => Err(MissingRunLength),
            };
        }
    }
    *state = RunState { byte: prev, same };
    Ok((i, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The naive model: walk the block, counting equal bytes, as the format describes.
    fn model(block: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < block.len() {
            let byte = block[i];
            let mut run = 1;
            while run < 4 && i + run < block.len() && block[i + run] == byte {
                run += 1;
            }
            out.extend(std::iter::repeat_n(byte, run));
            i += run;
            if run == 4 {
                let count = *block.get(i)?;
                out.extend(std::iter::repeat_n(byte, usize::from(count)));
                i += 1;
            }
        }
        Some(out)
    }

    #[test]
    fn long_blocks_with_runs_everywhere_match_model() {
        let _deadline = crate::no_hang("long_blocks_with_runs_everywhere_match_model");
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for case in 0..400 {
            // Runs of 1..=6 equal bytes from a small alphabet, so runs of four (and count bytes that
            // start new runs) land at every offset of the word-wise scan.
            let len = 1 + (next() % 300) as usize;
            let alphabet = 1 + (case % 4) as u64;
            let mut block = Vec::with_capacity(len + 6);
            while block.len() < len {
                let byte = (next() % alphabet) as u8;
                let run = 1 + (next() % 6) as usize;
                block.extend(std::iter::repeat_n(byte, run));
            }
            block.truncate(len);
            let expected = model(&block);
            let mut bulk = Vec::new();
            let got = Unrle::new()
                .emit_all(&block, &mut bulk, u64::MAX)
                .map(|()| bulk);
            assert_eq!(got.ok(), expected, "bulk {block:?}");
            for chunk in [1, 5, 9, 17, 64, 1000] {
                let mut unrle = Unrle::new();
                let mut out = Vec::new();
                let result = loop {
                    let mut buf = vec![0u8; chunk];
                    match unrle.emit(&block, &mut buf) {
                        Ok(0) => break Some(out),
                        Ok(n) => out.extend_from_slice(&buf[..n]),
                        Err(MissingRunLength) => break None,
                    }
                };
                assert_eq!(result, expected, "chunk {chunk} {block:?}");
            }
        }
    }

    #[test]
    fn streaming_and_bulk_match_model_for_every_output_chunk_size() {
        let _deadline =
            crate::no_hang("streaming_and_bulk_match_model_for_every_output_chunk_size");
        let cases: Vec<Vec<u8>> = vec![
            b"abc".to_vec(),
            b"aaaa\x00b".to_vec(),
            b"aaaa\x03aaaa\xffz".to_vec(),
            b"aaab".to_vec(),
            b"aaa".to_vec(),
            b"xaaaa\x00aaaa\x01".to_vec(),
            vec![7; 4],
            b"aaaaa".to_vec(),
        ];
        for block in cases {
            let expected = model(&block);
            let mut bulk = Vec::new();
            let got = Unrle::new()
                .emit_all(&block, &mut bulk, u64::MAX)
                .map(|()| bulk);
            assert_eq!(got.ok(), expected, "bulk {block:?}");
            for chunk in 1..8 {
                let mut unrle = Unrle::new();
                let mut out = Vec::new();
                let result = loop {
                    let mut buf = vec![0u8; chunk];
                    match unrle.emit(&block, &mut buf) {
                        Ok(0) => break Some(out),
                        Ok(n) => out.extend_from_slice(&buf[..n]),
                        Err(MissingRunLength) => break None,
                    }
                };
                assert_eq!(result, expected, "chunk {chunk} {block:?}");
            }
        }
    }
}
