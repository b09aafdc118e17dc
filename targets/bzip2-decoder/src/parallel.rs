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
//! The scan (0.2 ms for 560 kB, 0.7 ms for 1.9 MB on this machine's VM, about 2.7 GB/s: see
//! [`scan_block_magics`]) is not waited for: the first worker scans while the main thread decodes
//! the first block directly, and the jobs the scan posts start after whatever the main thread has
//! reached by then.
//!
//! Blocks are the unit of work, so on their own a stream of few blocks scales poorly: two threads on
//! 4.6 `-9` blocks take at least 2.6 block-times. A thread with no block to claim therefore waits
//! in [`crate::assist`] (a short spin, then blocked: [`crate::wait`]) and takes a share of the
//! walk (sorting the column into links of its own first) and of the CRC of blocks still being
//! decoded.
//! Tried and dropped before that: starting a scoped thread per lent walk. Alone, a 500k-byte walk
//! took 0.63–0.76 ms split against 1.14 ms whole; inside the decoder, on this machine's VM, the lent
//! walks of a last block took 1.1–4.6 ms against 1.8–2.3 ms whole (the idle vCPU was slow to wake:
//! likely the kernel packing each new thread onto its spawner's vCPU, see [`crate::spread`]).
//!
//! Where the time of such a stream goes, from a timeline of one two-thread CLI run (4.7 MB of
//! source text at `-9`: blocks of 140, 123, 111, 69, 102 and 14 kB compressed; 34.6 ms from
//! `main` to its end against 58.6 ms on one thread, under `chrt -f 10`): reading the file 0.6 ms
//! before any decoding; the worker's start and scan 0.5 ms; each thread's first block 5–6 ms
//! slower than its later ones, of which about 3 ms are the page faults of its fresh buffers
//! (1,800 at 1.5 µs: the second thread's are the cost one thread does not have; huge pages do not
//! help: under jemalloc with `thp:always`, `LD_PRELOAD`ed, 2026-12-07, a two-thread run took 873
//! faults instead of 4,236, and the threads' first blocks took 8.0, 3.5 and 7.6 ms for Huffman,
//! sort and walk against 8.0, 3.5 and 7.6 without huge pages and 7.9, 4.0 and 7.8 under glibc,
//! medians of 7: on this VM the cost is the first touch of fresh memory, not the faults); and the end: the
//! worker, done with the small last block, idle 1.9 ms while the main thread runs the Huffman/MTF
//! stage of the last large one (which cannot be shared), then a shared walk that takes 3.1 ms on
//! each thread against 4.1 ms alone (likely because the helper reads links the other core's cache
//! holds), and
//! un-RLE1 0.6 ms alone. Process exit takes 0.85 ms against 0.25 ms for one thread (twice the
//! pages to free). Tried and dropped: claiming the largest job of the look-ahead first, so that a
//! quick block comes last (both threads then finished their second blocks together, and one waited
//! 2 ms for the other's last Huffman stage all the same); starting the worker before the window is
//! read, to fault in its buffers meanwhile (about 1 ms of faults moved off a 1.7 MB window's first
//! block, not measurable against the noise of the shared machine).

//!
//! Threads only pay when they get CPU time of their own. [`Probe`] compares the process's CPU
//! clock with the wall clock between blocks; under 1.3 CPUs' worth (the cores taken by programs
//! of other sessions, which autogroup scheduling gives a share of their own) the workers leave
//! and the main thread finishes alone, and the [`Pool`] skips threads for its next calls
//! ([`Backoff`]). With two spinning processes in another session on the 2-vCPU VM, two threads
//! through a reused decompressor had been 0.83–0.91× as fast as one at 1.06–1.11× the CPU time.
//!
//! A streamed input ([`crate::Decoder`] with threads) is decoded a window at a time: the blocks
//! lying wholly inside it, after which [`Chain`] says where the next window starts (blocks are
//! bit-aligned, so it may start inside a byte). A window that does not hold even one whole block
//! is re-read larger, as the serial streaming decoder does. A window's decoding is a [`Run`]: its
//! workers are plain threads holding the window's bytes in an `Arc`, and the reader moves the
//! chain one block per step, so each block is handed out (and its buffer recycled) while the
//! workers decode the next ones. Measured with `scripts/bzip2-threads-cli --rt` (idle machine
//! emulated) against decoding a window whole before handing out any of it: page faults of a
//! two-thread CLI run 6.9k -> 5.7k on 4.7 MB of source text at `-9`, 12.4k -> 8.4k on 16 MiB.
//! One-shot calls ([`decode_window`]) run the same [`Follower`] to the window's end on scoped
//! threads, appending to one buffer.
//!
//! A panic (a bug) costs no hang: a job whose decode panics is posted lost ([`Claim`]) and the main
//! thread decodes that block itself, and a panic of the main thread stops the workers
//! ([`StopOnDrop`]) before it reaches the caller. (Before, the main thread waited forever for the
//! block of a worker that had died.)

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;

use crate::assist::{Crew, Mate};
use crate::bits::BitReader;
use crate::block::{Marker, Scratch, read_marker};
use crate::crc;
use crate::error::Error;
use crate::spread;
use crate::stream::{
    Header, Position, decode_block_into, expand_block, finish_stream, stream_header,
};
use crate::wait::{self, lock};

mod probe;
mod scan;

use probe::Probe;
pub(crate) use probe::{Backoff, FALL_BACK_BELOW};
use scan::scan_block_magics;

/// Speculative decodes are made with the largest block size; the chain re-checks the real level.
const MAX_LEVEL: u32 = 9;

/// One speculative block decode.
#[derive(Debug)]
struct Decoded {
    result: Result<(u32, Vec<u8>), Error>,
    /// Bit just past the block, relative to the input.
    end: u64,
    /// The block's length before un-RLE1, to re-check against the stream's real level.
    bwt_len: usize,
}

/// A job that is over, in its slot on the board.
#[derive(Debug)]
enum Posted {
    Decoded(Decoded),
    /// The thread decoding it panicked (a bug): the main thread decodes the block itself.
    Lost,
}

/// A job claimed by a thread. It is posted when its decode returns, and posted [`Posted::Lost`]
/// should the decode panic, so that the main thread, which may be waiting for it, decodes the
/// block itself instead of waiting forever.
struct Claim<'s, I: AsRef<[u8]>> {
    shared: &'s Shared<I>,
    job: usize,
    posted: bool,
}

impl<'s, I: AsRef<[u8]>> Claim<'s, I> {
    /// Posts the job's decode; returns the board, locked.
    fn post(mut self, decoded: Decoded) -> MutexGuard<'s, Board> {
        self.posted = true;
        self.shared.post(self.job, Posted::Decoded(decoded))
    }
}

impl<I: AsRef<[u8]>> Drop for Claim<'_, I> {
    fn drop(&mut self) {
        if !self.posted {
            drop(self.shared.post(self.job, Posted::Lost));
        }
    }
}

/// Stops the decoding threads when dropped, also by a panic of the main thread: the workers
/// then leave, and the scope that joins them can end (and re-raise the panic).
struct StopOnDrop<'s, I: AsRef<[u8]>>(&'s Shared<I>);

impl<I: AsRef<[u8]>> Drop for StopOnDrop<'_, I> {
    fn drop(&mut self) {
        self.0.stop();
    }
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
    /// scan for block magics had finished); jobs up to here are not wanted. `None` before it
    /// decoded any: a window's first block may start at bit 0, which must not read as decoded.
    direct: Option<u64>,
    /// One slot per job, once the scan has posted them.
    results: Vec<Option<Posted>>,
    /// The threads did not get the CPU to pay for themselves ([`Probe`]): only the main thread
    /// claims jobs now, and the others leave.
    solo: bool,
}

/// What the decoding threads share. `I` is the input: borrowed by a one-shot call (scoped
/// threads), or a [`Tail`] of a streamed window (threads that outlive a `read` call).
#[derive(Debug)]
struct Shared<I> {
    input: I,
    /// Bit offsets of the block magics: one speculative job each. The first worker scans for them
    /// while the main thread decodes the first block directly.
    jobs: OnceLock<Vec<u64>>,
    ahead: usize,
    limit: u64,
    /// Changes are announced through `crew` ([`Crew::bump`]), where idle threads wait.
    board: Mutex<Board>,
    /// Where threads with nothing to claim help with the blocks being decoded.
    crew: Crew,
    /// Output buffers the main thread has copied out, for workers to reuse (no fresh pages and no
    /// regrowth per block).
    spare: Mutex<Vec<Vec<u8>>>,
}

impl<I: AsRef<[u8]>> Shared<I> {
    /// The board of a window decoded on `threads` threads, with the block buffers `spare`.
    fn new(input: I, threads: usize, limit: u64, spare: Vec<Vec<u8>>) -> Self {
        Shared {
            input,
            ahead: threads * 2,
            limit,
            board: Mutex::new(Board {
                next: 0,
                wanted_from: 0,
                stop: false,
                running: 0,
                direct: None,
                results: Vec::new(),
                solo: false,
            }),
            crew: Crew::new(threads),
            spare: Mutex::new(spare),
            jobs: OnceLock::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Board> {
        lock(&self.board)
    }

    fn input(&self) -> &[u8] {
        self.input.as_ref()
    }

    fn jobs(&self) -> &[u64] {
        self.jobs.get().map_or(&[], Vec::as_slice)
    }

    /// Scans for block magics and posts a job for each, skipping what the main thread has
    /// decoded directly meanwhile.
    fn scan(&self) {
        let jobs = scan_block_magics(self.input());
        let mut board = self.lock();
        let skip = board
            .direct
            .map_or(0, |direct| jobs.partition_point(|&start| start <= direct));
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
        loop {
            if board.stop || board.solo {
                return;
            }
            if let Some(job) = self.claim(&mut board) {
                board = self.run(board, job, scratch, me);
                continue;
            }
            if self.jobs.get().is_some() && board.next >= self.jobs().len() && board.running == 0 {
                return;
            }
            board = self.idle(board, me, scratch);
        }
    }

    /// With nothing to claim: helps with the blocks being decoded (see [`crate::assist`]) until
    /// the board changes, spinning briefly and then blocking between offers.
    fn idle<'s>(
        &'s self,
        board: MutexGuard<'s, Board>,
        me: usize,
        scratch: &mut Scratch,
    ) -> MutexGuard<'s, Board> {
        // Read under the lock: a change after this moves the epoch on.
        let seen = self.crew.epoch();
        drop(board);
        let (lanes, links) = scratch.helper_buffers();
        self.crew.help(me, seen, lanes, links);
        self.lock()
    }

    /// Wakes idle threads, spinning or blocked.
    fn notify(&self) {
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
        let claim = Claim {
            shared: self,
            job,
            posted: false,
        };
        let decoded = decode_speculatively(
            self.input(),
            self.jobs()[job],
            scratch,
            &self.spare,
            self.limit,
            self.crew.mate(me),
        );
        claim.post(decoded)
    }

    /// Puts the outcome of claimed `job` on the board (unless the main thread no longer wants it)
    /// and wakes idle threads; returns the board, locked.
    fn post(&self, job: usize, posted: Posted) -> MutexGuard<'_, Board> {
        let mut board = self.lock();
        board.running -= 1;
        if job >= board.wanted_from {
            board.results[job] = Some(posted);
        }
        self.notify();
        board
    }

    /// Waits for job `index`'s result, telling the workers that earlier jobs are no longer needed.
    /// While it is not ready the calling (main) thread decodes jobs itself, or helps with the ones
    /// being decoded, so `threads` threads decode and none of them only waits. `None`: the job
    /// was lost to a panic ([`Posted::Lost`]).
    fn take(&self, index: usize, scratch: &mut Scratch) -> Option<Decoded> {
        let mut board = self.lock();
        let previous = board.wanted_from.min(index);
        board.wanted_from = index;
        for slot in &mut board.results[previous..index] {
            *slot = None;
        }
        self.notify();
        loop {
            if let Some(posted) = board.results[index].take() {
                board.wanted_from = index + 1;
                self.notify();
                return match posted {
                    Posted::Decoded(decoded) => Some(decoded),
                    Posted::Lost => None,
                };
            }
            board = match self.claim(&mut board) {
                Some(job) => self.run(board, job, scratch, MAIN),
                None => self.idle(board, MAIN, scratch),
            };
        }
    }

    fn stop(&self) {
        self.lock().stop = true;
        self.notify();
    }

    /// Whether every decoding thread has work: jobs are posted and some are still unclaimed.
    fn work_for_all(&self) -> bool {
        let board = self.lock();
        self.jobs.get().is_some() && board.next < self.jobs().len()
    }

    /// Sends the workers away: the main thread decodes the rest alone (a worker finishes and
    /// posts the job it is decoding).
    fn fall_back(&self) {
        self.lock().solo = true;
        self.notify();
    }
}

/// Decodes the block whose magic starts at bit `start` of `input` into a buffer from `spare`.
fn decode_speculatively(
    input: &[u8],
    start: u64,
    scratch: &mut Scratch,
    spare: &Mutex<Vec<Vec<u8>>>,
    limit: u64,
    mate: Mate<'_>,
) -> Decoded {
    #[cfg(test)]
    assert!(
        !scratch.panic_in_decode,
        "injected: a worker's decode panics"
    );
    let mut reader = BitReader::new(input, start + 48, 0);
    // Errors are re-decoded on the chain, with the right block index and level.
    let mut bwt_len = 0;
    let result = scratch
        .decode_block(&mut reader, MAX_LEVEL, 0, Some(mate))
        .and_then(|info| {
            bwt_len = info.len;
            // The output buffer is taken only now, when it is written: a window's third block,
            // taken as soon as the first two were decoded and before the reader had handed them
            // out, got a fresh buffer (a page fault per 4 KiB written) where it now gets one of
            // theirs.
            let mut out = lock(spare).pop().unwrap_or_default();
            out.clear();
            let at = reader.absolute();
            expand_block(scratch, info, at, 0, &mut out, limit, Some(mate)).map(|crc| (crc, out))
        });
    Decoded {
        result,
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
    /// Whether the next calls use several threads, after a fall-back to one.
    pub(crate) backoff: Backoff,
}

/// Pools of finished one-shot calls ([`crate::Options::decompress`]), for the next ones: a fresh
/// pool costs a fault per page of its buffers and a zeroing of the links, 10–15 % of a one-thread
/// decode of a 4 MiB `-9` file.
static SPARE_POOLS: Mutex<Vec<Pool>> = Mutex::new(Vec::new());

/// The largest block output buffer a spare pool keeps.
const SPARE_OUT_MAX: usize = 4 << 20;

/// The scratches the spare pools hold (a test hook: [`crate::spare_scratches`]).
pub(crate) fn spare_scratches() -> usize {
    lock(&SPARE_POOLS)
        .iter()
        .map(|pool| pool.scratches.len())
        .sum()
}

impl Pool {
    /// Takes back a block buffer the streaming decoder has handed out, keeping no more than
    /// `keep` of ordinary size (a block of runs can expand to 45 MB).
    pub(crate) fn give_back(&mut self, out: Vec<u8>, keep: usize) {
        if out.capacity() <= SPARE_OUT_MAX && self.outs.len() < keep {
            self.outs.push(out);
        }
    }

    /// A pool left by an earlier one-shot call, or an empty one.
    pub(crate) fn take_spare() -> Pool {
        lock(&SPARE_POOLS).pop().unwrap_or_default()
    }

    /// Keeps this pool for a later one-shot call, unless the kept pools would then hold more
    /// scratches than there are cores (about 7 MiB each). Only a few block buffers of ordinary
    /// size are kept with it: a block of runs can expand to 45 MB.
    pub(crate) fn put_spare(mut self) {
        self.outs.retain(|out| out.capacity() <= SPARE_OUT_MAX);
        self.outs.truncate(2 * self.scratches.len());
        let mut spare = lock(&SPARE_POOLS);
        let kept: usize = spare.iter().map(|pool| pool.scratches.len()).sum();
        if kept + self.scratches.len() <= wait::cores() {
            spare.push(self);
        }
    }
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
    floor: f64,
    limit: u64,
    out: &mut Vec<u8>,
    pool: &mut Pool,
) -> Result<Option<usize>, Error> {
    let window = Window {
        data: input,
        origin: 0,
        start_bit: 0,
        last: true,
    };
    match decode_window(
        window,
        &mut Chain::default(),
        threads,
        floor,
        limit,
        &mut Output::Flat(out),
        pool,
    )? {
        Reached::End(garbage) => Ok(garbage.map(|at| at as usize)),
        // A last window never asks for more.
        Reached::More { .. } => Err(Error::Truncated {
            bit_offset: input.len() as u64 * 8,
        }),
    }
}

/// A stretch of the input held in memory: all of it, or a window of a streamed input
/// ([`crate::Decoder`] with threads).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window<'a> {
    pub(crate) data: &'a [u8],
    /// Absolute byte offset of `data[0]`, for error positions.
    pub(crate) origin: u64,
    /// Where the chain continues, in bits from `data[0]` (below 8).
    pub(crate) start_bit: u64,
    /// The input ends with `data`: running out of it is truncation, not a request for more.
    pub(crate) last: bool,
}

/// Where the chain of blocks stands between windows.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Chain {
    /// Inside a stream: its level and the combined CRC of its blocks so far. `None` at a stream
    /// boundary.
    stream: Option<(u32, u32)>,
    pos: Position,
}

impl Chain {
    /// The block index the chain has reached, for errors.
    pub(crate) fn block(&self) -> u64 {
        self.pos.block
    }
}

/// Where [`decode_window`] puts the blocks it decodes.
#[derive(Debug)]
pub(crate) enum Output<'a> {
    /// One-shot decoding: every block appended to one buffer.
    Flat(&'a mut Vec<u8>),
    /// Streaming ([`crate::Decoder`]): each block kept in its own buffer, which the reader hands
    /// out from and then gives back to the [`Pool`], so a window's output is never copied into
    /// one piece (a 4 MiB output cost a thousand page faults and a copy on the main thread).
    /// `len` counts the bytes of the blocks pushed by this window, for the output limit.
    Blocks {
        blocks: &'a mut VecDeque<Vec<u8>>,
        len: u64,
    },
}

impl Output<'_> {
    /// Bytes of output so far, as the limit counts them.
    fn len(&self) -> u64 {
        match self {
            Output::Flat(out) => out.len() as u64,
            Output::Blocks { len, .. } => *len,
        }
    }

    /// Takes a speculatively decoded block's bytes; returns the buffer when it is free again.
    fn push(&mut self, data: Vec<u8>) -> Option<Vec<u8>> {
        match self {
            Output::Flat(out) => {
                out.extend_from_slice(&data);
                Some(data)
            }
            Output::Blocks { blocks, len } => {
                *len += data.len() as u64;
                blocks.push_back(data);
                None
            }
        }
    }
}

/// How far a window took the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reached {
    /// The end of the input, with the absolute byte offset of trailing garbage, if any.
    End(Option<u64>),
    /// The window ends inside a stream header, a block or a trailer starting at bit `bit` of the
    /// window (every block before it is decoded and appended): the next window starts there.
    More { bit: u64 },
}

/// Decodes the blocks of `window` that lie wholly inside it using `threads` decoding threads,
/// appending to `out` and moving `chain` on. The workers leave early when the process gets less
/// than `floor` CPUs' worth of time ([`Probe`]; the pool then skips its next calls).
pub(crate) fn decode_window(
    window: Window<'_>,
    chain: &mut Chain,
    threads: usize,
    floor: f64,
    limit: u64,
    out: &mut Output<'_>,
    pool: &mut Pool,
) -> Result<Reached, Error> {
    let shared = Shared::new(window.data, threads, limit, std::mem::take(&mut pool.outs));
    let mut main_scratch = pool.scratches.pop();
    let mut probe = Probe::new(threads, floor);
    let result = std::thread::scope(|scope| {
        let stop = StopOnDrop(&shared);
        // The main thread chains results and decodes while it waits, so `threads - 1` helpers make
        // `threads` decoding threads (and no third thread competes for two cores).
        let here = spread::current_cpu();
        let workers: Vec<_> = (1..threads)
            .map(|me| {
                let scratch = pool.scratches.pop();
                let shared = &shared;
                scope.spawn(move || {
                    spread::move_off(here);
                    let mut scratch = scratch.unwrap_or_else(Scratch::new);
                    shared.worker(me, &mut scratch);
                    scratch
                })
            })
            .collect();
        spread::let_start();
        let mut follower = Follower::new(window.origin, window.start_bit, window.last);
        let result = loop {
            match follower.step(&shared, chain, out, &mut main_scratch, &mut probe) {
                Ok(None) => {}
                Ok(Some(reached)) => break Ok(reached),
                Err(err) => break Err(err),
            }
        };
        drop(stop);
        pool.scratches.extend(main_scratch);
        for worker in workers {
            // A worker cannot panic short of a bug; the main thread has then decoded its block
            // (`Posted::Lost`), and its scratch is lost.
            if let Ok(scratch) = worker.join() {
                pool.scratches.push(scratch);
            }
        }
        result
    });
    if let Ok(spare) = shared.spare.into_inner() {
        pool.outs = spare;
    }
    pool.backoff.record(probe.verdict);
    result
}

/// A streamed window's bytes, `data[from..]`, shared with the decoding threads.
#[derive(Debug)]
pub(crate) struct Tail {
    data: Arc<Vec<u8>>,
    from: usize,
}

impl AsRef<[u8]> for Tail {
    fn as_ref(&self) -> &[u8] {
        self.data.get(self.from..).unwrap_or_default()
    }
}

/// The decoding of one window of a streamed input ([`crate::Decoder`] with threads), one block
/// per [`Run::step`]: the reader hands out each block as soon as the chain reaches it and gives
/// its buffer back, while the workers, which outlive the `read` call that started them, decode
/// the next blocks. (Decoding a whole window before handing out any of it held the window's
/// output, all in fresh buffers, and let no decoding overlap the caller's use of the output.)
#[derive(Debug)]
pub(crate) struct Run {
    shared: Arc<Shared<Tail>>,
    workers: Vec<JoinHandle<Scratch>>,
    follower: Follower,
    main_scratch: Option<Scratch>,
    probe: Probe,
    /// Bytes of output pushed in this window, for the limit.
    pushed: u64,
    threads: usize,
}

impl Run {
    /// Starts decoding the window `data[from..]` (absolute byte `origin`; the chain continues at
    /// bit `start_bit` of it; `last`: the input ends with it) on `threads` threads, with the
    /// scratches and block buffers of `pool`, producing at most `limit` bytes.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn start(
        data: Arc<Vec<u8>>,
        from: usize,
        origin: u64,
        start_bit: u64,
        last: bool,
        threads: usize,
        floor: f64,
        limit: u64,
        pool: &mut Pool,
    ) -> Run {
        let tail = Tail { data, from };
        let spare = std::mem::take(&mut pool.outs);
        let shared = Arc::new(Shared::new(tail, threads, limit, spare));
        let main_scratch = pool.scratches.pop();
        let probe = Probe::new(threads, floor);
        let here = spread::current_cpu();
        let workers = (1..threads)
            .map(|me| {
                let scratch = pool.scratches.pop();
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || {
                    spread::move_off(here);
                    let mut scratch = scratch.unwrap_or_else(Scratch::new);
                    shared.worker(me, &mut scratch);
                    scratch
                })
            })
            .collect();
        spread::let_start();
        Run {
            shared,
            workers,
            follower: Follower::new(origin, start_bit, last),
            main_scratch,
            probe,
            pushed: 0,
            threads,
        }
    }

    /// Moves the chain over the next block (or stream header, or trailer), appending the
    /// block's bytes to `blocks`; `Some` once the window is done. After `Some` or an error, call
    /// [`Run::finish`].
    pub(crate) fn step(
        &mut self,
        chain: &mut Chain,
        blocks: &mut VecDeque<Vec<u8>>,
    ) -> Result<Option<Reached>, Error> {
        let mut out = Output::Blocks {
            blocks,
            len: self.pushed,
        };
        let shared = &*self.shared;
        let result = self.follower.step(
            shared,
            chain,
            &mut out,
            &mut self.main_scratch,
            &mut self.probe,
        );
        if let Output::Blocks { len, .. } = out {
            self.pushed = len;
        }
        result
    }

    /// A block buffer the reader has handed out, for the next blocks of this window.
    pub(crate) fn give_back(&self, block: Vec<u8>) {
        lock(&self.shared.spare).push(block);
    }

    /// Sends the workers away and takes the scratches and block buffers back into `pool`.
    pub(crate) fn finish(mut self, pool: &mut Pool) {
        self.shared.stop();
        pool.scratches.extend(self.main_scratch.take());
        for worker in self.workers.drain(..) {
            // A worker cannot panic short of a bug; its scratch is then lost.
            if let Ok(scratch) = worker.join() {
                pool.scratches.push(scratch);
            }
        }
        let mut outs = std::mem::take(&mut *lock(&self.shared.spare));
        outs.retain(|out| out.capacity() <= SPARE_OUT_MAX);
        outs.truncate(KEEP_OUTS * self.threads);
        pool.outs = outs;
        pool.backoff.record(self.probe.verdict);
    }
}

impl Drop for Run {
    /// A decoder dropped in the middle of a window stops its workers.
    fn drop(&mut self) {
        self.shared.stop();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

/// Block buffers a [`Pool`] keeps per thread between windows of a streamed input: about as
/// many as a window's decode has in flight (two claimed per thread, one being handed out).
const KEEP_OUTS: usize = 3;

/// Where the main thread stands on the true block chain of a window.
#[derive(Debug, Clone, Copy)]
struct Follower {
    /// Absolute byte offset of the window's first byte.
    origin: u64,
    /// The window ends the input.
    last: bool,
    /// The next bit of the chain, relative to the window.
    cursor: u64,
}

impl Follower {
    fn new(origin: u64, start_bit: u64, last: bool) -> Follower {
        Follower {
            origin,
            last,
            cursor: start_bit,
        }
    }

    /// Follows the chain over one stream header and block, or one end-of-stream trailer, on the
    /// main thread (which decodes jobs or helps while it waits for a result); `Some` once the
    /// window is done.
    fn step<I: AsRef<[u8]>>(
        &mut self,
        shared: &Shared<I>,
        chain: &mut Chain,
        out: &mut Output<'_>,
        main_scratch: &mut Option<Scratch>,
        probe: &mut Probe,
    ) -> Result<Option<Reached>, Error> {
        let input = shared.input();
        let origin = self.origin * 8;
        // Running out of the window is truncation only in the last one.
        let last = self.last;
        let more = |err: &Error| !last && matches!(err, Error::Truncated { .. });
        let mut cursor = self.cursor;
        {
            let (level, mut combined) = match chain.stream {
                Some(stream) => stream,
                None => {
                    // Streams start on a byte boundary.
                    let offset = cursor.div_ceil(8) as usize;
                    if chain.pos.stream > 0 && offset >= input.len() {
                        return Ok(Some(if last {
                            Reached::End(None)
                        } else {
                            Reached::More { bit: cursor }
                        }));
                    }
                    match stream_header(input.get(offset..).unwrap_or_default()) {
                        Header::Level(level) => {
                            cursor = (offset as u64 + 4) * 8;
                            chain.stream = Some((level, 0));
                            (level, 0)
                        }
                        Header::Mismatch if chain.pos.stream == 0 => {
                            return Err(Error::NotBzip2 { offset: 0 });
                        }
                        Header::Mismatch => {
                            return Ok(Some(Reached::End(Some(self.origin + offset as u64))));
                        }
                        Header::Incomplete if !last => {
                            return Ok(Some(Reached::More { bit: cursor }));
                        }
                        Header::Incomplete => {
                            return Err(Error::Truncated {
                                bit_offset: origin + input.len() as u64 * 8,
                            });
                        }
                    }
                }
            };
            let block_start = cursor;
            let mut reader = BitReader::new(input, cursor, origin);
            let marker = read_marker(&mut reader, chain.pos.block);
            let marker = match marker {
                Err(err) if more(&err) => return Ok(Some(Reached::More { bit: block_start })),
                other => other?,
            };
            if marker == Marker::EndOfStream {
                match finish_stream(&mut reader, chain.pos.stream, combined) {
                    Err(err) if more(&err) => return Ok(Some(Reached::More { bit: block_start })),
                    Err(err) => return Err(err),
                    Ok(end) => cursor = (end - self.origin) * 8,
                }
                chain.stream = None;
                chain.pos.stream += 1;
                self.cursor = cursor;
                return Ok(None);
            }
            // Until the scan has posted the jobs, blocks are decoded here directly (and helped).
            let (index, direct) = {
                let mut board = shared.lock();
                match shared.jobs.get() {
                    Some(jobs) => (jobs.binary_search(&cursor).ok(), false),
                    None => {
                        board.direct = Some(cursor);
                        board.running += 1;
                        (None, true)
                    }
                }
            };
            // A job lost to a worker's panic is decoded here, as an unscanned block would be.
            let speculative = index.and_then(|index| {
                shared.take(index, main_scratch.get_or_insert_with(Scratch::new))
            });
            let mate = direct.then(|| shared.crew.mate(MAIN));
            if let Some(Decoded {
                result: Err(err), ..
            }) = &speculative
            {
                // The block runs past the window (at the largest level, so at the real one too).
                if more(err) {
                    return Ok(Some(Reached::More { bit: block_start }));
                }
            }
            let usable =
                speculative.filter(|d| d.bwt_len <= level as usize * 100_000 && d.result.is_ok());
            let crc = match usable {
                Some(Decoded {
                    result: Ok((crc, data)),
                    end,
                    ..
                }) => {
                    if out.len() + data.len() as u64 > shared.limit {
                        return Err(Error::OutputLimit {
                            limit: shared.limit,
                        });
                    }
                    if let Some(data) = out.push(data) {
                        lock(&shared.spare).push(data);
                    }
                    cursor = end;
                    crc
                }
                _ => {
                    // Errors (and blocks too long for this stream's level) are re-decoded serially so
                    // that the error carries the right block index and level.
                    let scratch = main_scratch.get_or_insert_with(Scratch::new);
                    let decoded = match out {
                        Output::Flat(flat) => {
                            let before = flat.len();
                            let decoded = decode_block_into(
                                scratch,
                                &mut reader,
                                level,
                                chain.pos.block,
                                flat,
                                shared.limit,
                                mate,
                            );
                            if matches!(&decoded, Err(err) if more(err)) {
                                flat.truncate(before);
                            }
                            decoded
                        }
                        Output::Blocks { .. } => {
                            let mut data = lock(&shared.spare).pop().unwrap_or_default();
                            data.clear();
                            let decoded = decode_block_into(
                                scratch,
                                &mut reader,
                                level,
                                chain.pos.block,
                                &mut data,
                                shared.limit.saturating_sub(out.len()),
                                mate,
                            );
                            // The bytes of a block that fails are handed out before its error, as
                            // one thread's would be; a block cut by the window's end is re-decoded.
                            if matches!(&decoded, Err(err) if more(err)) || data.is_empty() {
                                lock(&shared.spare).push(data);
                            } else {
                                out.push(data);
                            }
                            decoded
                        }
                    };
                    if mate.is_some() {
                        shared.lock().running -= 1;
                        shared.notify();
                    }
                    let (crc, _) = match decoded {
                        Err(err) if more(&err) => {
                            return Ok(Some(Reached::More { bit: block_start }));
                        }
                        other => other?,
                    };
                    cursor = reader.position();
                    crc
                }
            };

            combined = crc::combine(combined, crc);
            chain.stream = Some((level, combined));
            chain.pos.block += 1;
            if probe.look(|| shared.work_for_all()) {
                shared.fall_back();
            }
        }
        self.cursor = cursor;
        Ok(None)
    }
}

#[cfg(test)]
mod tests;
