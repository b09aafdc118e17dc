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
//! The scan (0.5 ms in one trace of the 380 kB `-1` bench file, a twenty-fifth of its two-thread
//! decode) is not waited for: the first worker scans while the main thread decodes the first block
//! directly, and the jobs the scan posts start after whatever the main thread has reached by then.
//!
//! Blocks are the unit of work, so on their own a stream of few blocks scales poorly: two threads on
//! 4.6 `-9` blocks take at least 2.6 block-times. A thread with no block to claim therefore spins
//! in [`crate::assist`] and takes half of the sort, walk and CRC of blocks still being decoded.
//! Tried and dropped before that: starting a scoped thread per lent walk. Alone, a 500k-byte walk
//! took 0.63–0.76 ms split against 1.14 ms whole; inside the decoder, on this machine's VM, the lent
//! walks of a last block took 1.1–4.6 ms against 1.8–2.3 ms whole (the idle vCPU was slow to wake).

use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use crate::assist::{Crew, Mate};
use crate::bits::BitReader;
use crate::block::{BLOCK_MAGIC, Marker, Scratch, read_marker};
use crate::crc;
use crate::error::Error;
use crate::stream::{Header, Position, decode_block_into, finish_stream, stream_header};

/// Speculative decodes are made with the largest block size; the chain re-checks the real level.
const MAX_LEVEL: u32 = 9;

/// How long a thread with nothing to claim spins for work to help with before it parks.
const SPIN_BUDGET: Duration = Duration::from_millis(20);

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
    /// Jobs claimed and not yet posted, plus a block the main thread decodes directly.
    running: usize,
    /// The start of the last block the main thread decoded directly, without a job (before the
    /// scan for block magics had finished); later jobs up to here are not wanted.
    direct: u64,
    /// One slot per job, once the scan has posted them.
    results: Vec<Option<Decoded>>,
}

struct Shared<'a> {
    input: &'a [u8],
    /// Bit offsets of the block magics: one speculative job each. The first worker scans for them
    /// while the main thread decodes the first block directly.
    jobs: OnceLock<Vec<u64>>,
    ahead: usize,
    limit: u64,
    board: Mutex<Board>,
    changed: Condvar,
    /// Where threads with nothing to claim help with the blocks being decoded.
    crew: Crew,
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

    fn jobs(&self) -> &[u64] {
        self.jobs.get().map_or(&[], Vec::as_slice)
    }

    /// Scans for block magics and posts a job for each, skipping what the main thread has
    /// decoded directly meanwhile.
    fn scan(&self) {
        let jobs = scan_block_magics(self.input);
        let mut board = self.lock();
        let skip = jobs.partition_point(|&start| start <= board.direct);
        board.results = (0..jobs.len()).map(|_| None).collect();
        board.wanted_from = skip;
        board.next = skip;
        // Set under the lock: the main thread checks for the jobs under it too.
        let _ = self.jobs.set(jobs);
        drop(board);
        self.notify();
    }

    fn worker(&self, me: usize, scratch: &mut Scratch) {
        if me == FIRST_WORKER {
            self.scan();
        }
        let mut board = self.lock();
        let mut spun_out = false;
        loop {
            if board.stop {
                return;
            }
            if let Some(job) = self.claim(&mut board) {
                board = self.run(board, job, scratch, me);
                continue;
            }
            if self.jobs.get().is_some() && board.next >= self.jobs().len() && board.running == 0 {
                return;
            }
            board = self.idle(board, me, &mut spun_out, scratch);
        }
    }

    /// With nothing to claim: spins helping the blocks being decoded until the board changes (or
    /// the spin budget runs out, after which the next call parks until the board changes).
    fn idle<'s>(
        &'s self,
        board: MutexGuard<'s, Board>,
        me: usize,
        spun_out: &mut bool,
        scratch: &mut Scratch,
    ) -> MutexGuard<'s, Board> {
        if self.crew.spins() && board.running > 0 && !*spun_out {
            // Read under the lock: a change after this moves the epoch on.
            let seen = self.crew.epoch();
            drop(board);
            *spun_out = self.crew.help(me, seen, SPIN_BUDGET, scratch.lanes_mut());
            self.lock()
        } else {
            *spun_out = false;
            self.changed
                .wait(board)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        }
    }

    /// Wakes parked threads and spinning ones.
    fn notify(&self) {
        self.changed.notify_all();
        self.crew.bump();
    }

    /// The next job inside the look-ahead window, if any, marked as taken.
    fn claim(&self, board: &mut Board) -> Option<usize> {
        if board.stop {
            return None;
        }
        board.next = board.next.max(board.wanted_from);
        if board.next < self.jobs().len() && board.next < board.wanted_from + self.ahead {
            board.next += 1;
            board.running += 1;
            return Some(board.next - 1);
        }
        None
    }

    /// Decodes `job` with the lock released, posts the result and returns the lock.
    fn run<'s>(
        &'s self,
        board: MutexGuard<'s, Board>,
        job: usize,
        scratch: &mut Scratch,
        me: usize,
    ) -> MutexGuard<'s, Board> {
        drop(board);
        let out = self
            .spare
            .lock()
            .map(|mut spare| spare.pop())
            .unwrap_or_default()
            .unwrap_or_default();
        let decoded = decode_speculatively(
            self.input,
            self.jobs()[job],
            scratch,
            out,
            self.limit,
            self.crew.mate(me),
        );
        let mut board = self.lock();
        board.running -= 1;
        if job >= board.wanted_from {
            board.results[job] = Some(decoded);
        }
        self.notify();
        board
    }

    /// Waits for job `index`'s result, telling the workers that earlier jobs are no longer needed.
    /// While it is not ready the calling (main) thread decodes jobs itself, or helps with the ones
    /// being decoded, so `threads` threads decode and none of them only waits.
    fn take(&self, index: usize, scratch: &mut Scratch) -> Decoded {
        let mut board = self.lock();
        let previous = board.wanted_from.min(index);
        board.wanted_from = index;
        for slot in &mut board.results[previous..index] {
            *slot = None;
        }
        self.notify();
        let mut spun_out = false;
        loop {
            if let Some(decoded) = board.results[index].take() {
                board.wanted_from = index + 1;
                self.notify();
                return decoded;
            }
            board = match self.claim(&mut board) {
                Some(job) => self.run(board, job, scratch, MAIN),
                None => self.idle(board, MAIN, &mut spun_out, scratch),
            };
        }
    }

    fn stop(&self) {
        self.lock().stop = true;
        self.notify();
    }
}

fn decode_speculatively(
    input: &[u8],
    start: u64,
    scratch: &mut Scratch,
    mut out: Vec<u8>,
    limit: u64,
    mate: Mate<'_>,
) -> Decoded {
    let mut reader = BitReader::new(input, start + 48, 0);
    out.clear();
    // Errors are re-decoded on the chain, with the right block index and level.
    let result = decode_block_into(
        scratch,
        &mut reader,
        MAX_LEVEL,
        0,
        &mut out,
        limit,
        Some(mate),
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

/// The main thread's index among the decoding threads (workers are `1..threads`).
const MAIN: usize = 0;
/// The worker that scans for block magics before it decodes.
const FIRST_WORKER: usize = 1;

/// Decodes all streams in `input` using `threads` decoding threads, appending to `out`; returns
/// the byte offset of trailing garbage, like the serial decoder.
pub(crate) fn decompress_parallel(
    input: &[u8],
    threads: usize,
    limit: u64,
    out: &mut Vec<u8>,
    pool: &mut Pool,
) -> Result<Option<usize>, Error> {
    let shared = Shared {
        input,
        ahead: threads * 2,
        limit,
        board: Mutex::new(Board {
            next: 0,
            wanted_from: 0,
            stop: false,
            running: 0,
            direct: 0,
            results: Vec::new(),
        }),
        changed: Condvar::new(),
        crew: Crew::new(threads),
        spare: Mutex::new(std::mem::take(&mut pool.outs)),
        jobs: OnceLock::new(),
    };
    let mut main_scratch = pool.scratches.pop();
    let result = std::thread::scope(|scope| {
        // The main thread chains results and decodes while it waits, so `threads - 1` helpers make
        // `threads` decoding threads (and no third thread competes for two cores).
        let workers: Vec<_> = (1..threads)
            .map(|me| {
                let scratch = pool.scratches.pop();
                let shared = &shared;
                scope.spawn(move || {
                    let mut scratch = scratch.unwrap_or_else(Scratch::new);
                    shared.worker(me, &mut scratch);
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
            // Until the scan has posted the jobs, blocks are decoded here directly (and helped).
            let (index, direct) = {
                let mut board = shared.lock();
                match shared.jobs.get() {
                    Some(jobs) => (jobs.binary_search(&cursor).ok(), false),
                    None => {
                        board.direct = cursor;
                        board.running += 1;
                        (None, true)
                    }
                }
            };
            let speculative = index
                .map(|index| shared.take(index, main_scratch.get_or_insert_with(Scratch::new)));
            let mate = direct.then(|| shared.crew.mate(MAIN));
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
                    let decoded = decode_block_into(
                        scratch,
                        &mut reader,
                        level,
                        pos.block,
                        out,
                        shared.limit,
                        mate,
                    );
                    if mate.is_some() {
                        shared.lock().running -= 1;
                        shared.notify();
                    }
                    let (crc, _) = decoded?;
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
