//! Parallel decoding of one stream: find blocks by their bit-aligned magic, decode them on worker
//! threads, and chain the results in order.
//!
//! The 48-bit block magic may also occur by chance inside a block's Huffman data. Such false
//! positives are harmless: the main thread follows the true chain of blocks (each block ends exactly
//! where the next begins, the first starts right after the stream header) and takes only the decode
//! results whose start lies on it; a chained block whose start was not scanned (impossible, since
//! every real block starts with the magic) is decoded on the main thread. Every bit on the chain is
//! decoded by the same code as the serial decoder, so both return the same bytes and the same error.
//!
//! A thread with no block to claim (the last blocks of the input, or more threads than blocks) is
//! *lent* to a block being decoded: that block's inverse BWT walks half its segments on a scoped
//! thread (see [`crate::bwt::walk`]). The board counts decoding and lent threads so that no more than
//! `threads` run at once. Without the loan, two threads on a five-block `-9` file could at best take
//! three block-times instead of five.

use std::sync::{Condvar, Mutex};

use crate::bits::BitReader;
use crate::block::{BLOCK_MAGIC, Marker, NoSpare, Scratch, Spare, read_marker};
use crate::crc;
use crate::error::Error;
use crate::stream::{Header, Position, decode_block_into, finish_stream, stream_header};

/// Speculative decodes are made with the largest block size; the chain re-checks the real level.
const MAX_LEVEL: u32 = 9;

/// Bit offsets (relative to `data[0]`) of every occurrence of the block magic.
pub(crate) fn scan_block_magics(data: &[u8]) -> Vec<u64> {
    // For a magic starting at bit `r` of byte `q`, byte `q + 1` is covered completely and must hold
    // `SECOND[r]`; that one-byte test rejects almost every position before the full comparison.
    let second: [u8; 8] = std::array::from_fn(|r| ((BLOCK_MAGIC >> (48 - 16 + r)) & 0xff) as u8);
    let mut by_byte = [0u8; 256];
    for (r, &byte) in second.iter().enumerate() {
        by_byte[usize::from(byte)] |= 1 << r;
    }
    let mut found = Vec::new();
    for (j, &byte) in data.iter().enumerate().skip(1) {
        let mut shifts = by_byte[usize::from(byte)];
        while shifts != 0 {
            let r = shifts.trailing_zeros();
            shifts &= shifts - 1;
            let start = (j as u64 - 1) * 8 + u64::from(r);
            if read_48(data, start) == Some(BLOCK_MAGIC) {
                found.push(start);
            }
        }
    }
    found
}

/// The 48 bits starting at bit `bit` of `data`, if `data` holds them all.
fn read_48(data: &[u8], bit: u64) -> Option<u64> {
    let first = usize::try_from(bit / 8).ok()?;
    let last = usize::try_from((bit + 47) / 8).ok()?;
    if last >= data.len() {
        return None;
    }
    let mut word = 0u64;
    for i in 0..7 {
        word = (word << 8) | u64::from(data.get(first + i).copied().unwrap_or(0));
    }
    Some((word >> (8 - bit % 8)) & 0xffff_ffff_ffff)
}

/// One speculative block decode.
#[derive(Debug)]
struct Decoded {
    result: Result<(u32, Vec<u8>), Error>,
    /// Bit just past the block, relative to the input.
    end: u64,
    /// The block's length before un-RLE1, to re-check against the stream's real level.
    bwt_len: usize,
}

#[derive(Debug)]
struct Board {
    /// Next job index a worker may claim.
    next: usize,
    /// Jobs below this index are no longer wanted by the main thread.
    wanted_from: usize,
    stop: bool,
    results: Vec<Option<Decoded>>,
    /// Threads decoding a block now.
    decoding: usize,
    /// Threads lent to a decoding block (see [`Spare`]).
    lent: usize,
}

struct Shared<'a> {
    input: &'a [u8],
    jobs: Vec<u64>,
    /// Decoding threads, the main thread included.
    threads: usize,
    ahead: usize,
    limit: u64,
    board: Mutex<Board>,
    changed: Condvar,
    /// Output buffers the main thread has copied out, for workers to reuse (no fresh pages and no
    /// regrowth per block).
    spare: Mutex<Vec<Vec<u8>>>,
}

impl Shared<'_> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Board> {
        // A worker never panics while holding the lock, so poisoning cannot carry a broken state.
        self.board
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn worker(&self, scratch: &mut Scratch) {
        let mut board = self.lock();
        loop {
            if board.stop || board.next >= self.jobs.len() {
                return;
            }
            match self.claim(&mut board) {
                Some(job) => board = self.run(board, job, scratch),
                None => {
                    board = self
                        .changed
                        .wait(board)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
            }
        }
    }

    /// Whether a job inside the look-ahead window is waiting.
    fn claimable(&self, board: &Board) -> bool {
        let next = board.next.max(board.wanted_from);
        !board.stop && next < self.jobs.len() && next < board.wanted_from + self.ahead
    }

    /// The next job inside the look-ahead window, if any and if a core is free for it, marked as
    /// taken.
    fn claim(&self, board: &mut Board) -> Option<usize> {
        if !self.claimable(board) || board.decoding + board.lent >= self.threads {
            return None;
        }
        board.next = board.next.max(board.wanted_from) + 1;
        board.decoding += 1;
        Some(board.next - 1)
    }

    /// Decodes `job` with the lock released, posts the result and returns the lock.
    fn run<'s>(
        &'s self,
        board: std::sync::MutexGuard<'s, Board>,
        job: usize,
        scratch: &mut Scratch,
    ) -> std::sync::MutexGuard<'s, Board> {
        drop(board);
        let out = self
            .spare
            .lock()
            .map(|mut spare| spare.pop())
            .unwrap_or_default()
            .unwrap_or_default();
        let decoded = decode_speculatively(self, self.jobs[job], scratch, out);
        let mut board = self.lock();
        board.decoding -= 1;
        if job >= board.wanted_from {
            board.results[job] = Some(decoded);
        }
        self.changed.notify_all();
        board
    }

    /// Waits for job `index`'s result, telling the workers that earlier jobs are no longer needed.
    /// While it is not ready the calling (main) thread decodes jobs itself, so `threads` threads decode
    /// and none of them only waits.
    fn take(&self, index: usize, scratch: &mut Scratch) -> Decoded {
        let mut board = self.lock();
        let previous = board.wanted_from.min(index);
        board.wanted_from = index;
        for slot in &mut board.results[previous..index] {
            *slot = None;
        }
        self.changed.notify_all();
        loop {
            if let Some(decoded) = board.results[index].take() {
                board.wanted_from = index + 1;
                self.changed.notify_all();
                return decoded;
            }
            board = match self.claim(&mut board) {
                Some(job) => self.run(board, job, scratch),
                None => self
                    .changed
                    .wait(board)
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
            };
        }
    }

    fn stop(&self) {
        self.lock().stop = true;
        self.changed.notify_all();
    }
}

/// A thread is idle when no job is left for it (the tail of the input, or the main thread waiting
/// on a slow block): it is then lent to a block being decoded, whose inverse BWT splits in two.
impl Spare for Shared<'_> {
    fn reserve(&self) -> bool {
        let mut board = self.lock();
        if self.claimable(&board) || board.decoding + board.lent >= self.threads {
            return false;
        }
        board.lent += 1;
        true
    }

    fn release(&self) {
        self.lock().lent -= 1;
        self.changed.notify_all();
    }
}

fn decode_speculatively(
    shared: &Shared<'_>,
    start: u64,
    scratch: &mut Scratch,
    mut out: Vec<u8>,
) -> Decoded {
    let mut reader = BitReader::new(shared.input, start + 48, 0);
    out.clear();
    // Errors are re-decoded on the chain, with the right block index and level.
    let result = decode_block_into(
        scratch,
        &mut reader,
        MAX_LEVEL,
        0,
        &mut out,
        shared.limit,
        shared,
    );
    let bwt_len = result.as_ref().map_or(0, |&(_, len)| len);
    Decoded {
        result: result.map(|(crc, _)| (crc, out)),
        end: reader.position(),
        bwt_len,
    }
}

/// Buffers kept between calls by a [`crate::Decompressor`]: one scratch per decoding thread, and
/// the per-block output buffers.
#[derive(Debug, Default)]
pub(crate) struct Pool {
    pub(crate) scratches: Vec<Scratch>,
    outs: Vec<Vec<u8>>,
}

/// Decodes all streams in `input` using `threads` decoding threads, appending to `out`; returns
/// the byte offset of trailing garbage, like the serial decoder.
pub(crate) fn decompress_parallel(
    input: &[u8],
    threads: usize,
    limit: u64,
    out: &mut Vec<u8>,
    pool: &mut Pool,
) -> Result<Option<usize>, Error> {
    let jobs = scan_block_magics(input);
    let shared = Shared {
        input,
        threads,
        ahead: threads * 2,
        limit,
        board: Mutex::new(Board {
            next: 0,
            wanted_from: 0,
            stop: false,
            results: (0..jobs.len()).map(|_| None).collect(),
            decoding: 0,
            lent: 0,
        }),
        changed: Condvar::new(),
        spare: Mutex::new(std::mem::take(&mut pool.outs)),
        jobs,
    };
    let mut main_scratch = pool.scratches.pop();
    let result = std::thread::scope(|scope| {
        // The main thread chains results and decodes while it waits, so `threads - 1` helpers make
        // `threads` decoding threads (and no third thread competes for two cores).
        let workers: Vec<_> = (1..threads)
            .map(|_| {
                let scratch = pool.scratches.pop();
                let shared = &shared;
                scope.spawn(move || {
                    let mut scratch = scratch.unwrap_or_else(Scratch::new);
                    shared.worker(&mut scratch);
                    scratch
                })
            })
            .collect();
        let result = chain(&shared, out, &mut main_scratch);
        shared.stop();
        pool.scratches.extend(main_scratch);
        for worker in workers {
            // A worker cannot panic short of a bug; its panic is then re-raised by the scope.
            if let Ok(scratch) = worker.join() {
                pool.scratches.push(scratch);
            }
        }
        result
    });
    if let Ok(spare) = shared.spare.into_inner() {
        pool.outs = spare;
    }
    result
}

/// Follows the true block chain on the main thread.
fn chain(
    shared: &Shared<'_>,
    out: &mut Vec<u8>,
    main_scratch: &mut Option<Scratch>,
) -> Result<Option<usize>, Error> {
    let input = shared.input;
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
        let mut cursor = (offset as u64 + 4) * 8;
        let mut combined = 0u32;
        loop {
            let mut reader = BitReader::new(input, cursor, 0);
            match read_marker(&mut reader, pos.block)? {
                Marker::EndOfStream => {
                    offset = finish_stream(&mut reader, pos.stream, combined)? as usize;
                    break;
                }
                Marker::Block => {}
            }
            let speculative = match shared.jobs.binary_search(&cursor) {
                Ok(index) => {
                    Some(shared.take(index, main_scratch.get_or_insert_with(Scratch::new)))
                }
                Err(_) => None,
            };
            let usable =
                speculative.filter(|d| d.bwt_len <= level as usize * 100_000 && d.result.is_ok());
            let crc = match usable {
                Some(Decoded {
                    result: Ok((crc, data)),
                    end,
                    ..
                }) => {
                    if (out.len() + data.len()) as u64 > shared.limit {
                        return Err(Error::OutputLimit {
                            limit: shared.limit,
                        });
                    }
                    out.extend_from_slice(&data);
                    if let Ok(mut spare) = shared.spare.lock() {
                        spare.push(data);
                    }
                    cursor = end;
                    crc
                }
                _ => {
                    // Errors (and blocks too long for this stream's level) are re-decoded serially so
                    // that the error carries the right block index and level.
                    let scratch = main_scratch.get_or_insert_with(Scratch::new);
                    let (crc, _) = decode_block_into(
                        scratch,
                        &mut reader,
                        level,
                        pos.block,
                        out,
                        shared.limit,
                        &NoSpare,
                    )?;
                    cursor = reader.position();
                    crc
                }
            };
            combined = crc::combine(combined, crc);
            pos.block += 1;
        }
        pos.stream += 1;
        if offset >= input.len() {
            return Ok(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Lends a thread every time, counting the loans.
    struct Always(AtomicUsize, AtomicUsize);

    impl Spare for Always {
        fn reserve(&self) -> bool {
            self.0.fetch_add(1, Ordering::Relaxed);
            true
        }
        fn release(&self) {
            self.1.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn a_block_decoded_with_a_lent_thread_is_the_same_block() {
        let data: Vec<u8> = (0..700_000u32)
            .map(|i| {
                b"lent threads walk half the segments; "[(i as usize * 7 + i as usize / 97) % 37]
            })
            .collect();
        let mut encoder = bzip2_c::write::BzEncoder::new(Vec::new(), bzip2_c::Compression::new(9));
        encoder.write_all(&data).unwrap();
        let compressed = encoder.finish().unwrap();
        let decode = |spare: &dyn Spare| {
            let mut scratch = Scratch::new();
            let mut out = Vec::new();
            let mut reader = BitReader::new(&compressed, (4 + 6) * 8, 0);
            decode_block_into(&mut scratch, &mut reader, 9, 0, &mut out, u64::MAX, spare).unwrap();
            out
        };
        let always = Always(AtomicUsize::new(0), AtomicUsize::new(0));
        assert!(decode(&always) == data);
        assert!(decode(&NoSpare) == data);
        assert_eq!(always.0.load(Ordering::Relaxed), 1, "one loan for the walk");
        assert_eq!(always.1.load(Ordering::Relaxed), 1, "and it was given back");
    }

    #[test]
    fn scan_finds_the_magic_at_every_bit_alignment() {
        for shift in 0..16u64 {
            let mut bits = vec![0u8; 20];
            let magic_bits = BLOCK_MAGIC << 16; // left-aligned in 64 bits
            for i in 0..48u64 {
                if magic_bits & (1 << (63 - i)) != 0 {
                    let at = 8 + shift + i;
                    bits[(at / 8) as usize] |= 0x80 >> (at % 8);
                }
            }
            assert_eq!(scan_block_magics(&bits), vec![8 + shift], "shift {shift}");
        }
        assert!(scan_block_magics(&[0x31, 0x41, 0x59, 0x26, 0x53]).is_empty());
        assert_eq!(
            scan_block_magics(&[0x31, 0x41, 0x59, 0x26, 0x53, 0x59]),
            vec![0]
        );
    }
}
