//! The decoding options, and the one-shot calls made with them ([`Options::decompress`],
//! [`Decompressor`]); the streaming [`crate::Decoder`] takes the same options.

use crate::error::Error;
use crate::{block, parallel, stream, wait};

/// One-shot decoding options: output limit and threads.
#[derive(Debug, Clone)]
pub struct Options {
    pub(crate) limit: u64,
    /// As asked for: 0 means all available.
    threads: usize,
    /// Test hook: use `threads` even when the process may use fewer cores.
    unclamped: bool,
    pub(crate) single_chain: bool,
    /// Below this many CPUs' worth (the process's CPU time over the wall time of the decode so
    /// far) the decoding threads fall back to one ([`parallel::FALL_BACK_BELOW`]; 0: never).
    pub(crate) floor: f64,
}

/// The result of [`Options::decompress`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Decompressed {
    /// The decompressed bytes of every stream.
    pub data: Vec<u8>,
    /// Byte offset of ignored data after the last stream, if there was any.
    pub trailing_garbage: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Self::new()
    }
}

impl Options {
    /// No output limit, one thread.
    pub fn new() -> Self {
        Options {
            limit: u64::MAX,
            threads: 1,
            unclamped: false,
            single_chain: false,
            floor: parallel::FALL_BACK_BELOW,
        }
    }

    /// Fail with [`Error::OutputLimit`] rather than return more than `bytes` bytes.
    pub fn max_output(mut self, bytes: u64) -> Self {
        self.limit = bytes;
        self
    }

    /// Decode the blocks of each stream on `threads` threads (1, the default, decodes serially; 0
    /// means as many as the process may use). More threads than the process may use (CPU affinity,
    /// cgroup quota: [`std::thread::available_parallelism`]) are cut to that many.
    ///
    /// A thread with no block to claim helps with another thread's block: it spins for at most
    /// 20 µs waiting for a share to be offered, then blocks until one is, so waiting threads take
    /// no CPU time from the ones doing the work.
    ///
    /// On Linux a decoding thread that starts, or wakes from blocking, on the CPU of the thread
    /// that started or woke it moves itself to another CPU it may use (it narrows its affinity
    /// for a moment, then restores it). Some kernels pack a thread that has been idle onto its
    /// waker's CPU for milliseconds while another CPU idles; one such VM made half of the
    /// two-thread decodes of 4.7 MB `-1` files no faster than one thread.
    ///
    /// More threads only pay when they get more CPU time. On Unix the decoder therefore watches
    /// the process's CPU clock: when, a few milliseconds into a decode with work left for every
    /// thread, the process has had less than 1.3 CPUs' worth of time per second of it (its cores
    /// taken by other programs: with autogroup scheduling, the Linux default, a process next to
    /// another session's programs gets a fixed share however many threads it runs), the other
    /// threads stop taking blocks and the calling thread finishes alone. A [`Decompressor`] (or
    /// [`crate::Decoder`]) that fell back decodes its next 2 calls (windows) on one thread, then tries
    /// again, waiting twice as long after each further fall-back (up to 64). Output and errors
    /// are the same either way.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self.unclamped = false;
        self.floor = parallel::FALL_BACK_BELOW;
        self
    }

    /// Test hook: decode on exactly `threads` threads (at least 1), even when the process may use
    /// fewer cores (waiting threads then block without spinning), and never fall back to one.
    #[doc(hidden)]
    pub fn unclamped_threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self.unclamped = true;
        self.floor = 0.0;
        self
    }

    /// Test hook: fall back to one thread when the process gets less than `cpus` CPUs' worth of
    /// time (`f64::INFINITY`: at the first look; 0: never). Call it after the threads.
    #[doc(hidden)]
    pub fn fall_back_below(mut self, cpus: f64) -> Self {
        self.floor = cpus;
        self
    }

    /// The decoding threads a call uses.
    pub(crate) fn thread_count(&self) -> usize {
        let cores = wait::cores();
        match self.threads {
            0 => cores,
            n if self.unclamped => n,
            n => n.min(cores),
        }
    }

    /// Test and bench hook: invert the BWT along one plain chain, as libbz2 does, instead of walking
    /// several segments of it at once.
    #[doc(hidden)]
    pub fn single_chain_bwt(mut self, on: bool) -> Self {
        self.single_chain = on;
        self
    }

    /// Decompresses all streams in `input`.
    ///
    /// The working memory (about 7 MiB per thread for level-9 input) is taken from a process-wide
    /// pool and put back afterwards, so repeated calls touch no fresh pages; the pool keeps the
    /// buffers of at most one thread per core. A [`Decompressor`] keeps its own instead.
    pub fn decompress(&self, input: &[u8]) -> Result<Decompressed, Error> {
        let mut data = Vec::new();
        let mut decompressor = Decompressor {
            options: self.clone(),
            pool: parallel::Pool::take_spare(),
        };
        let trailing_garbage = decompressor.decompress_into(input, &mut data);
        decompressor.pool.put_spare();
        Ok(Decompressed {
            data,
            trailing_garbage: trailing_garbage?,
        })
    }
}

/// One-shot decoding that keeps its working memory between calls.
///
/// A call allocates about 7 MiB of buffers per thread for level-9 input (the inverse BWT's links are
/// 4 bytes per byte of block). A `Decompressor` keeps them for its next call, so a program decoding
/// many inputs touches no fresh pages after the first (page faults were a tenth of one thread's
/// time on a 4 MiB file, and more with two threads), and appends to a buffer the caller can reuse.
/// ([`Options::decompress`] borrows its buffers from a process-wide pool instead.)
///
/// ```
/// let compressed = include_bytes!("../testdata/hello.bz2");
/// let mut decompressor = bzip2_decoder::Decompressor::new(bzip2_decoder::Options::new().threads(2));
/// let mut out = Vec::new();
/// for _ in 0..3 {
///     out.clear();
///     let trailing_garbage = decompressor.decompress_into(compressed, &mut out)?;
///     assert_eq!((&out[..], trailing_garbage), (&b"hello, bzip2\n"[..], None));
/// }
/// # Ok::<(), bzip2_decoder::Error>(())
/// ```
#[derive(Debug)]
pub struct Decompressor {
    options: Options,
    pool: parallel::Pool,
}

impl Decompressor {
    /// A decompressor with `options` (threads, output limit) and no buffers yet.
    pub fn new(options: Options) -> Self {
        Decompressor {
            options,
            pool: parallel::Pool::default(),
        }
    }

    /// Decompresses all streams in `input`, appending to `out`. Returns the byte offset of trailing
    /// garbage after the last stream, if there was any. The output limit counts the bytes appended
    /// by this call. On error `out` may hold part of the output.
    pub fn decompress_into(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Option<usize>, Error> {
        // The decoders count the limit from the start of `out`.
        let start = out.len() as u64;
        let limit = self.options.limit.saturating_add(start);
        let threads = self.options.thread_count();
        let result = if threads > 1 && self.pool.backoff.take_turn() {
            let floor = self.options.floor;
            parallel::decompress_parallel(input, threads, floor, limit, out, &mut self.pool)
        } else {
            let mut scratch = self
                .pool
                .scratches
                .pop()
                .unwrap_or_else(block::Scratch::new);
            scratch.single_chain = self.options.single_chain;
            let result = stream::decompress_serial(input, limit, &mut scratch, out);
            self.pool.scratches.push(scratch);
            result
        };
        result.map_err(|err| match err {
            Error::OutputLimit { .. } => Error::OutputLimit {
                limit: self.options.limit,
            },
            other => other,
        })
    }
}
