//! The streaming [`Decoder`]: `Read` in, `Read` out, memory bounded by one block plus buffers (or,
//! with threads, by a window of a few blocks per thread and the blocks decoded ahead in it).

use std::collections::VecDeque;
use std::io::{self, Read};
use std::sync::Arc;

use crate::bits::BitReader;
use crate::block::{Marker, Scratch, read_marker};
use crate::crc;
use crate::error::{Corruption, Error};
use crate::options::Options;
use crate::parallel::{Chain, Pool, Reached, Run};
use crate::rle::{MissingRunLength, Unrle};
use crate::stream::{Header, Position, finish_stream, stream_header};

/// Compressed bytes buffered ahead before decoding a block: more than any encoder's largest block.
const BLOCK_WINDOW: usize = 2 << 20;
/// A block needing more compressed input than this is rejected (`Corruption::BlockTooLarge`); only
/// hand-made streams with padded code-length sections get near it.
const MAX_WINDOW: usize = 64 << 20;
const READ_CHUNK: usize = 256 << 10;
/// Block output buffers a [`Decoder`] with threads keeps for its next windows, per thread: one
/// being decoded and one finished and waiting, as many as a window's decode has in flight.
const KEEP_BLOCKS: usize = 2;

/// The most compressed input a [`Decoder`] with `threads` threads reads ahead: a window of at
/// least two blocks per thread (one to decode, one claimed next), the largest blocks being under
/// 1 MiB. The first window is [`BLOCK_WINDOW`], as for one thread, so a bad first block is
/// reported after reading as little.
fn read_ahead(threads: usize) -> usize {
    BLOCK_WINDOW * (threads + 1)
}

/// The state of a [`Decoder`] with more than one thread: it decodes a window of the input at a
/// time ([`Run`]), handing out each block's bytes as soon as the chain reaches the block while the
/// other threads decode the next ones.
#[derive(Debug)]
struct Parallel {
    threads: usize,
    /// [`Options::threads`]: fall back to one thread below this many CPUs' worth of time.
    floor: f64,
    pool: Pool,
    chain: Chain,
    /// The window being decoded, if any, and the byte of `Decoder::input` it starts at.
    run: Option<Run>,
    run_from: usize,
    /// Blocks decoded and not yet handed out, and how much of the first `read` has returned.
    /// Buffers handed out go back to the run (or the pool) for the next blocks.
    blocks: VecDeque<Vec<u8>>,
    sent: usize,
    /// The error that ended the last window, returned once the output before it has been.
    pending: Option<Error>,
    /// Compressed bytes to hold for the next window, and for this one if it is re-read larger.
    window: usize,
    want: usize,
}

impl Drop for Parallel {
    /// Stops a window's decoding threads, and leaves the buffers (a scratch per thread, about
    /// 7 MiB each at `-9`) to the next decoder or one-shot call of the process, as
    /// [`Options::decompress`] does: a program decoding one file after another (the CLI) touches
    /// no fresh pages after the first.
    fn drop(&mut self) {
        if let Some(run) = self.run.take() {
            run.finish(&mut self.pool);
        }
        std::mem::take(&mut self.pool).put_spare();
    }
}

/// Streaming bzip2 decoder over any [`Read`]: decodes every concatenated stream, verifies all CRCs.
///
/// Format errors surface as [`io::Error`]s of kind `InvalidData` wrapping an [`Error`]
/// (`err.get_ref().and_then(|e| e.downcast_ref::<Error>())`), and repeat on later reads. An input
/// read interrupted by a signal (`ErrorKind::Interrupted`) is retried, so `read` never returns
/// that kind; other input errors are returned as they are.
///
/// With [`Options::threads`] above 1 ([`Decoder::with_options`]) it decodes a window of the
/// input at a time in parallel: at most a few MiB per thread are read ahead, and a bad first
/// block fails after reading as much as with one thread. Each `read` hands out decoded bytes of
/// the next block on the chain (decoding it, or waiting for it, when none are left) while the
/// other threads decode the blocks after it, between `read` calls too; they stop when the window
/// is done or the decoder is dropped. Its output is that of one thread, except that it stops at
/// the last whole block before an error, where one thread may have returned part of the failing
/// block (a block that fails its CRC comes out whole from both).
#[derive(Debug)]
pub struct Decoder<R> {
    inner: R,
    /// Buffered compressed input; `input[0]` is at absolute byte `origin`. Shared with the
    /// decoding threads while a window is decoded ([`Run`]), never while it is filled.
    input: Arc<Vec<u8>>,
    /// Landing buffer for reads, so `input` never needs zero-filling.
    chunk: Vec<u8>,
    origin: u64,
    /// Next unread bit, relative to `input[0]`.
    bit: u64,
    eof: bool,
    scratch: Scratch,
    state: State,
    pos: Position,
    level: u32,
    combined: u32,
    block_len: usize,
    stored_crc: u32,
    unrle: Unrle,
    emitted: u64,
    limit: u64,
    trailing_garbage: Option<u64>,
    failed: Option<Error>,
    parallel: Option<Box<Parallel>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    StreamStart,
    Blocks,
    Emitting,
    Done,
}

impl<R: Read> Decoder<R> {
    /// A decoder with no output limit.
    pub fn new(inner: R) -> Self {
        Self::with_limit(inner, u64::MAX)
    }

    /// A decoder that fails with [`Error::OutputLimit`] rather than produce more than `limit` bytes.
    pub fn with_limit(inner: R, limit: u64) -> Self {
        Decoder {
            inner,
            input: Arc::default(),
            chunk: Vec::new(),
            origin: 0,
            bit: 0,
            eof: false,
            scratch: Scratch::new(),
            state: State::StreamStart,
            pos: Position::default(),
            level: 0,
            combined: 0,
            block_len: 0,
            stored_crc: 0,
            unrle: Unrle::new(),
            emitted: 0,
            limit,
            trailing_garbage: None,
            failed: None,
            parallel: None,
        }
    }

    /// A decoder with `options`: its output limit, and its threads (more than one decodes the
    /// blocks of a window of the input in parallel).
    pub fn with_options(inner: R, options: &Options) -> Self {
        let mut decoder = Self::with_limit(inner, options.limit);
        decoder.scratch.single_chain = options.single_chain;
        let threads = options.thread_count();
        if threads > 1 {
            decoder.parallel = Some(Box::new(Parallel {
                threads,
                floor: options.floor,
                pool: Pool::take_spare(),
                chain: Chain::default(),
                run: None,
                run_from: 0,
                blocks: VecDeque::new(),
                sent: 0,
                pending: None,
                window: BLOCK_WINDOW,
                want: BLOCK_WINDOW,
            }));
        }
        decoder
    }

    /// Byte offset of data after the last stream that is not a stream header (`bzip2` warns and
    /// ignores it); known once `read` has returned 0.
    pub fn trailing_garbage(&self) -> Option<u64> {
        self.trailing_garbage
    }

    /// The wrapped reader.
    pub fn into_inner(self) -> R {
        self.inner
    }

    fn fail(&mut self, err: Error) -> io::Error {
        self.failed = Some(err.clone());
        err.into()
    }

    /// The current bit's offset from the start of the input (for errors): the buffer's absolute
    /// start plus the bit within it.
    fn bit_offset(&self) -> u64 {
        self.origin * 8 + self.bit
    }

    /// Buffers input until `want` bytes from the current byte are available, or the end of input.
    fn fill(&mut self, want: usize) -> io::Result<()> {
        let current = (self.bit / 8) as usize;
        // Unshared here: a window's decoding threads are gone before the next fill.
        let input = Arc::make_mut(&mut self.input);
        if current > READ_CHUNK {
            input.drain(..current);
            self.origin += current as u64;
            self.bit -= current as u64 * 8;
        }
        let current = (self.bit / 8) as usize;
        if self.chunk.is_empty() {
            self.chunk = vec![0u8; READ_CHUNK];
        }
        while !self.eof && input.len() - current < want {
            match self.inner.read(&mut self.chunk) {
                Ok(0) => self.eof = true,
                Ok(n) => input.extend_from_slice(&self.chunk[..n.min(READ_CHUNK)]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn start_stream(&mut self) -> io::Result<()> {
        self.fill(4)?;
        let offset = (self.bit / 8) as usize;
        if self.pos.stream > 0 && offset == self.input.len() {
            self.state = State::Done;
            return Ok(());
        }
        match stream_header(&self.input[offset..]) {
            Header::Level(level) => {
                self.level = level;
                self.combined = 0;
                self.bit += 32;
                self.state = State::Blocks;
                Ok(())
            }
            Header::Mismatch if self.pos.stream == 0 => {
                Err(self.fail(Error::NotBzip2 { offset: 0 }))
            }
            Header::Mismatch => {
                self.trailing_garbage = Some(self.origin + offset as u64);
                self.state = State::Done;
                Ok(())
            }
            Header::Incomplete => {
                let bit_offset = (self.origin + self.input.len() as u64) * 8;
                Err(self.fail(Error::Truncated { bit_offset }))
            }
        }
    }

    /// Decodes the next block (or the end-of-stream trailer), re-reading with a larger window if the
    /// buffered input was not enough.
    fn next_block(&mut self) -> io::Result<()> {
        let mut want = BLOCK_WINDOW;
        loop {
            self.fill(want)?;
            let mut reader = BitReader::new(&self.input, self.bit, self.origin * 8);
            let result = match read_marker(&mut reader, self.pos.block) {
                Ok(Marker::Block) => self
                    .scratch
                    .decode_block(&mut reader, self.level, self.pos.block, None)
                    .map(Some),
                Ok(Marker::EndOfStream) => {
                    finish_stream(&mut reader, self.pos.stream, self.combined).map(|_| None)
                }
                Err(e) => Err(e),
            };
            let end = reader.position();
            match result {
                Err(Error::Truncated { .. }) if !self.eof => {
                    if want >= MAX_WINDOW {
                        let err = Error::Corrupt {
                            kind: Corruption::BlockTooLarge,
                            block: self.pos.block,
                            bit_offset: self.bit_offset(),
                        };
                        return Err(self.fail(err));
                    }
                    want *= 2;
                }
                Err(e) => return Err(self.fail(e)),
                Ok(Some(info)) => {
                    self.bit = end;
                    self.block_len = info.len;
                    self.stored_crc = info.stored_crc;
                    self.unrle = Unrle::new();
                    self.state = State::Emitting;
                    return Ok(());
                }
                Ok(None) => {
                    self.bit = end.div_ceil(8) * 8;
                    self.pos.stream += 1;
                    self.state = State::StreamStart;
                    return Ok(());
                }
            }
        }
    }

    fn emit(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let block = &self.scratch.bwt_out[..self.block_len];
        let room = (buf.len() as u64).min(self.limit - self.emitted) as usize;
        if room == 0 && !self.unrle.is_done(block) {
            return Err(self.fail(Error::OutputLimit { limit: self.limit }));
        }
        match self.unrle.emit(block, &mut buf[..room]) {
            Ok(0) => {
                let computed = self.unrle.crc();
                if computed != self.stored_crc {
                    let err = Error::BlockCrc {
                        block: self.pos.block,
                        stored: self.stored_crc,
                        computed,
                    };
                    return Err(self.fail(err));
                }
                self.combined = crc::combine(self.combined, computed);
                self.pos.block += 1;
                self.state = State::Blocks;
                Ok(0)
            }
            Ok(n) => {
                self.emitted += n as u64;
                Ok(n)
            }
            Err(MissingRunLength) => {
                let err = Error::Corrupt {
                    kind: Corruption::MissingRunLength,
                    block: self.pos.block,
                    bit_offset: self.bit_offset(),
                };
                Err(self.fail(err))
            }
        }
    }
}

impl<R: Read> Decoder<R> {
    /// `read` with threads: hands out the decoded blocks, moving the chain over the next block
    /// when they are used up, and starting the next window when the chain has left this one.
    fn read_parallel(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(par) = &mut self.parallel else {
                return Ok(0);
            };
            if let Some(block) = par.blocks.front() {
                let n = buf.len().min(block.len() - par.sent);
                buf[..n].copy_from_slice(&block[par.sent..par.sent + n]);
                par.sent += n;
                if par.sent == block.len() {
                    par.sent = 0;
                    if let Some(block) = par.blocks.pop_front() {
                        match &par.run {
                            Some(run) => run.give_back(block),
                            None => par.pool.give_back(block, KEEP_BLOCKS * par.threads),
                        }
                    }
                }
                if n > 0 {
                    self.emitted += n as u64;
                    return Ok(n);
                }
                continue;
            }
            if let Some(err) = par.pending.take() {
                return Err(self.fail(err));
            }
            if par.run.is_none() && self.state == State::Done {
                return Ok(0);
            }
            if let Some(mut par) = self.parallel.take() {
                let result = match par.run {
                    Some(_) => self.step_window(&mut par),
                    None => self.start_window(&mut par),
                };
                self.parallel = Some(par);
                result?;
            }
        }
    }

    /// Reads ahead and starts decoding the blocks that lie wholly in the window.
    fn start_window(&mut self, par: &mut Parallel) -> io::Result<()> {
        self.fill(par.want)?;
        let current = (self.bit / 8) as usize;
        let limit = self.limit - self.emitted;
        let threads = if par.pool.backoff.take_turn() {
            par.threads
        } else {
            1
        };
        par.run = Some(Run::start(
            Arc::clone(&self.input),
            current,
            self.origin + current as u64,
            self.bit % 8,
            self.eof,
            threads,
            par.floor,
            limit,
            &mut par.pool,
        ));
        par.run_from = current;
        Ok(())
    }

    /// Moves the chain over the next block of the window. Once the window is done it is re-read
    /// larger (as [`Decoder::next_block`] does) if not even one block fitted in it.
    fn step_window(&mut self, par: &mut Parallel) -> io::Result<()> {
        let Some(run) = &mut par.run else {
            return Ok(());
        };
        let reached = match run.step(&mut par.chain, &mut par.blocks) {
            Ok(None) => return Ok(()),
            other => other,
        };
        if let Some(run) = par.run.take() {
            run.finish(&mut par.pool);
        }
        match reached {
            Ok(None) => Ok(()),
            Err(err) => {
                par.pending = Some(match err {
                    Error::OutputLimit { .. } => Error::OutputLimit { limit: self.limit },
                    other => other,
                });
                Ok(())
            }
            Ok(Some(Reached::End(garbage))) => {
                self.trailing_garbage = garbage;
                self.state = State::Done;
                Ok(())
            }
            Ok(Some(Reached::More { bit })) => {
                let start_bit = self.bit % 8;
                self.bit = par.run_from as u64 * 8 + bit;
                if bit != start_bit {
                    par.window = (par.window * 2).min(read_ahead(par.threads));
                    par.want = par.window;
                    return Ok(());
                }
                if par.want >= MAX_WINDOW {
                    let err = Error::Corrupt {
                        kind: Corruption::BlockTooLarge,
                        block: par.chain.block(),
                        bit_offset: self.bit_offset(),
                    };
                    return Err(self.fail(err));
                }
                par.want *= 2;
                Ok(())
            }
        }
    }
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(err) = &self.failed {
            return Err(err.clone().into());
        }
        if buf.is_empty() {
            return Ok(0);
        }
        if self.parallel.is_some() {
            return self.read_parallel(buf);
        }
        loop {
            match self.state {
                State::StreamStart => self.start_stream()?,
                State::Blocks => self.next_block()?,
                State::Emitting => {
                    let n = self.emit(buf)?;
                    if n > 0 {
                        return Ok(n);
                    }
                }
                State::Done => return Ok(0),
            }
        }
    }
}
