//! One block: header, Huffman/MTF/RUNA-RUNB decoding into the BWT's last column, inverse BWT.
//!
//! Every check mirrors a rejection in libbz2 1.0.8's `BZ2_decompress`, so that the two accept exactly
//! the same blocks (see the crate docs for the one place they may differ).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize};

use crate::assist::{Mate, Outcome, Task};

use crate::bits::BitReader;
use crate::bwt;
use crate::error::{Corruption, Error};
use crate::huffman::{MAX_ALPHA, Table};

pub(crate) const BLOCK_MAGIC: u64 = 0x3141_5926_5359;
pub(crate) const END_MAGIC: u64 = 0x1772_4538_5090;
/// libbz2 1.0.8 stores at most this many selectors and ignores the rest.
const MAX_SELECTORS: usize = 18002;
const GROUP_SIZE: usize = 50;
const RUNB: u16 = 1;
/// libbz2 rejects a RUNA/RUNB run once its weight `N` reaches 2^21.
const MAX_RUN_WEIGHT: u32 = 2 * 1024 * 1024;

/// What follows a block boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    Block,
    EndOfStream,
}

/// Reads a 48-bit block or end-of-stream magic.
pub(crate) fn read_marker(reader: &mut BitReader<'_>, block: u64) -> Result<Marker, Error> {
    let at = reader.absolute();
    let magic = (u64::from(reader.bits(24)) << 24) | u64::from(reader.bits(24));
    if reader.overrun() {
        return Err(Error::Truncated {
            bit_offset: reader.absolute().min(at + 48),
        });
    }
    match magic {
        BLOCK_MAGIC => Ok(Marker::Block),
        END_MAGIC => Ok(Marker::EndOfStream),
        _ => Err(Error::Corrupt {
            kind: Corruption::BadBlockMagic,
            block,
            bit_offset: at,
        }),
    }
}

/// A block's header fields needed after its symbols are decoded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockInfo {
    pub(crate) stored_crc: u32,
    /// Bytes in the block before un-RLE1 (the BWT length).
    pub(crate) len: usize,
}

/// Reusable buffers for decoding blocks, allocated once: the column (1 byte per byte of block size),
/// the links (4), the output (1), and lane buffers of about 2 (twice each of six lanes' share).
#[derive(Debug)]
pub(crate) struct Scratch {
    /// The BWT's last column, as Huffman/MTF decoding produces it (shared with a helping thread
    /// during the sort).
    column: Arc<Vec<u8>>,
    /// How often each byte occurs in `column`.
    counts: [u32; 256],
    /// `counts` as it stood at positions of `column` (about every 16 KiB), so the
    /// counting sort can run on four stretches of the column at once.
    snapshots: Vec<(usize, [u32; 256])>,
    /// The inverse BWT's links: successor in the high bits, first-column byte in the low 8.
    tt: Arc<Vec<AtomicU32>>,
    /// Buffers for walking several BWT chains at once.
    lanes: bwt::Lanes,
    /// The block after the inverse BWT (and de-randomisation), before un-RLE1.
    pub(crate) bwt_out: Vec<u8>,
    tables: Vec<Table>,
    selectors: Vec<u8>,
    /// Test and bench hook: walk the BWT chain as one plain chain, as libbz2 does.
    pub(crate) single_chain: bool,
    /// Test hook: a speculative decode with this scratch panics, as a bug in a worker would.
    #[cfg(test)]
    pub(crate) panic_in_decode: bool,
}

impl Scratch {
    pub(crate) fn new() -> Self {
        Scratch {
            column: Arc::default(),
            counts: [0; 256],
            snapshots: Vec::new(),
            tt: Arc::default(),
            lanes: bwt::Lanes::default(),
            bwt_out: Vec::new(),
            tables: (0..6).map(|_| Table::new()).collect(),
            selectors: Vec::new(),
            single_chain: false,
            #[cfg(test)]
            panic_in_decode: false,
        }
    }

    /// The walk buffers and the links, for helping another thread's walk while this one is idle.
    pub(crate) fn helper_buffers(&mut self) -> (&mut bwt::Lanes, &mut Arc<Vec<AtomicU32>>) {
        (&mut self.lanes, &mut self.tt)
    }

    /// Decodes the block whose header starts right after the block magic (`reader` is positioned
    /// there). On success `bwt_out[..len]` holds the pre-RLE1 bytes.
    pub(crate) fn decode_block(
        &mut self,
        reader: &mut BitReader<'_>,
        level: u32,
        block: u64,
        mate: Option<Mate<'_>>,
    ) -> Result<BlockInfo, Error> {
        match self.decode_block_inner(reader, level, block, mate) {
            Err(_) if reader.overrun() => Err(Error::Truncated {
                bit_offset: reader.absolute(),
            }),
            other => other,
        }
    }

    fn decode_block_inner(
        &mut self,
        reader: &mut BitReader<'_>,
        level: u32,
        block: u64,
        mate: Option<Mate<'_>>,
    ) -> Result<BlockInfo, Error> {
        let corrupt = |kind, reader: &BitReader<'_>| Error::Corrupt {
            kind,
            block,
            bit_offset: reader.absolute(),
        };
        let max_len = level as usize * 100_000;
        let stored_crc = reader.bits(32);
        let randomised = reader.bit();
        let orig_ptr_at = reader.absolute();
        let orig_ptr = reader.bits(24) as usize;
        if orig_ptr >= max_len + 10 {
            return Err(Error::Corrupt {
                kind: Corruption::OrigPtrOutOfRange,
                block,
                bit_offset: orig_ptr_at,
            });
        }

        // The 16x16 map of byte values used; the MTF list starts as those bytes in order.
        let mut mtf = [0u8; 256];
        let mut in_use = 0usize;
        let ranges = reader.bits(16);
        for range in 0..16u32 {
            if ranges & (0x8000 >> range) != 0 {
                let used = reader.bits(16);
                for offset in 0..16u32 {
                    if used & (0x8000 >> offset) != 0 {
                        mtf[in_use] = (range * 16 + offset) as u8;
                        in_use += 1;
                    }
                }
            }
        }
        if in_use == 0 {
            return Err(corrupt(Corruption::NoSymbols, reader));
        }
        let alpha_size = in_use + 2;
        let eob = (in_use + 1) as u16;

        let table_count = reader.bits(3) as usize;
        if !(2..=6).contains(&table_count) {
            return Err(corrupt(Corruption::BadTableCount, reader));
        }
        let selector_count = reader.bits(15) as usize;
        if selector_count == 0 {
            return Err(corrupt(Corruption::NoSelectors, reader));
        }
        self.read_selectors(reader, table_count, selector_count, block)?;
        self.read_tables(reader, table_count, alpha_size, block)?;
        if reader.overrun() {
            return Err(Error::Truncated {
                bit_offset: reader.absolute(),
            });
        }

        let len = self.decode_symbols(reader, &mut mtf, eob, max_len, block)?;
        if orig_ptr >= len {
            return Err(Error::Corrupt {
                kind: Corruption::OrigPtrOutOfRange,
                block,
                bit_offset: orig_ptr_at,
            });
        }
        self.inverse_bwt(len, orig_ptr, mate);
        if randomised {
            derandomise(&mut self.bwt_out[..len]);
        }
        Ok(BlockInfo { stored_crc, len })
    }

    fn read_selectors(
        &mut self,
        reader: &mut BitReader<'_>,
        table_count: usize,
        selector_count: usize,
        block: u64,
    ) -> Result<(), Error> {
        let mut order = [0u8, 1, 2, 3, 4, 5];
        self.selectors.clear();
        for i in 0..selector_count {
            let mut index = 0usize;
            while reader.bit() {
                index += 1;
                if index >= table_count {
                    return Err(Error::Corrupt {
                        kind: Corruption::BadSelector,
                        block,
                        bit_offset: reader.absolute(),
                    });
                }
            }
            if i < MAX_SELECTORS {
                let table = order[index];
                order.copy_within(0..index, 1);
                order[0] = table;
                self.selectors.push(table);
            }
        }
        Ok(())
    }

    fn read_tables(
        &mut self,
        reader: &mut BitReader<'_>,
        table_count: usize,
        alpha_size: usize,
        block: u64,
    ) -> Result<(), Error> {
        let mut lengths = [0u8; MAX_ALPHA];
        for table in &mut self.tables[..table_count] {
            let mut len = reader.bits(5) as i32;
            for slot in &mut lengths[..alpha_size] {
                loop {
                    if !(1..=20).contains(&len) {
                        return Err(Error::Corrupt {
                            kind: Corruption::BadCodeLength,
                            block,
                            bit_offset: reader.absolute(),
                        });
                    }
                    if !reader.bit() {
                        break;
                    }
                    len += if reader.bit() { -1 } else { 1 };
                }
                *slot = len as u8;
            }
            if reader.overrun() {
                return Err(Error::Truncated {
                    bit_offset: reader.absolute(),
                });
            }
            table.build(&lengths[..alpha_size]);
        }
        Ok(())
    }

    /// Huffman → RUNA/RUNB → MTF, writing bytes to `column[..len]` and their histogram to `counts`;
    /// returns `len`.
    fn decode_symbols(
        &mut self,
        reader: &mut BitReader<'_>,
        mtf: &mut [u8; 256],
        eob: u16,
        max_len: usize,
        block: u64,
    ) -> Result<usize, Error> {
        // A local copy of the reader stays in registers through the hot loop; through the `&mut`
        // every symbol stored the bit buffer back to memory.
        let mut local = reader.clone();
        let result = self.decode_symbols_with(&mut local, mtf, eob, max_len, block);
        *reader = local;
        result
    }

    #[inline(always)]
    fn decode_symbols_with(
        &mut self,
        reader: &mut BitReader<'_>,
        mtf: &mut [u8; 256],
        eob: u16,
        max_len: usize,
        block: u64,
    ) -> Result<usize, Error> {
        // Unshared unless a helper still holds the last block's column (it drops it first).
        let column = Arc::make_mut(&mut self.column);
        let counts = &mut self.counts;
        *counts = [0; 256];
        let snapshots = &mut self.snapshots;
        snapshots.clear();
        // Often enough for any block length: the parallel decoder reads every block with the largest
        // size limit, whatever the stream's level.
        let interval = (max_len / 16).clamp(1024, 16_384);
        let mut next_snapshot = interval;
        let mut len = 0usize;
        let mut run_total: u32 = 0;
        let mut run_weight: u32 = 1;
        let corrupt = |kind, reader: &BitReader<'_>| Error::Corrupt {
            kind,
            block,
            bit_offset: reader.absolute(),
        };
        for &selector in &self.selectors {
            let table = &self.tables[usize::from(selector)];
            for _ in 0..GROUP_SIZE {
                reader.refill();
                let Some(symbol) = table.decode(reader) else {
                    return Err(corrupt(Corruption::BadHuffmanCode, reader));
                };
                if symbol <= RUNB {
                    // RUNA (0) and RUNB (1) spell the run length in bijective base 2.
                    if run_weight >= MAX_RUN_WEIGHT {
                        return Err(corrupt(Corruption::RunTooLong, reader));
                    }
                    run_total += (u32::from(symbol) + 1) * run_weight;
                    run_weight <<= 1;
                    continue;
                }
                if run_weight > 1 {
                    let run = run_total as usize;
                    let end = len + run;
                    // The buffer may be longer than this block's limit (it is reused across streams of
                    // different levels, and by the parallel decoder's level-9 guesses): test both.
                    if end > column.len().min(max_len) {
                        if end > max_len {
                            return Err(corrupt(Corruption::BlockTooLong, reader));
                        }
                        grow(column, end, max_len);
                    }
                    let front = mtf[0];
                    column[len..end].fill(front);
                    counts[usize::from(front)] += run as u32;
                    len = end;
                    run_total = 0;
                    run_weight = 1;
                }
                if symbol == eob {
                    return Ok(len);
                }
                if len >= column.len().min(max_len) {
                    if len >= max_len {
                        return Err(corrupt(Corruption::BlockTooLong, reader));
                    }
                    grow(column, len + 1, max_len);
                }
                let index = usize::from(symbol - 1);
                let byte = move_to_front(mtf, index);
                column[len] = byte;
                counts[usize::from(byte)] += 1;
                len += 1;
            }
            if len >= next_snapshot {
                // Runs are flushed before every non-run symbol, so `counts` describes `column[..len]`.
                snapshots.push((len, *counts));
                next_snapshot = len + interval;
            }
            if reader.overrun() {
                return Err(Error::Truncated {
                    bit_offset: reader.absolute(),
                });
            }
        }
        Err(corrupt(Corruption::SelectorsExhausted, reader))
    }

    /// Inverts the BWT of `column[..len]` into `bwt_out[..len]` (see [`crate::bwt`]), sharing the
    /// walk with an idle thread if `mate` finds one (see [`crate::assist`]): a thread idle when the
    /// sort starts sorts the column into links of its own and walks its share on them; one that
    /// turns idle later joins the walk on this thread's links.
    fn inverse_bwt(&mut self, len: usize, orig_ptr: usize, mate: Option<Mate<'_>>) {
        if self.tt.len() < len {
            self.tt = Arc::new((0..len).map(|_| AtomicU32::new(0)).collect());
        }
        // A fresh zeroed allocation, not `resize`: the OS hands out zeroed pages, so nothing is
        // written twice.
        if self.bwt_out.len() < len {
            self.bwt_out = vec![0; len];
        }
        let plan = bwt::Walk::plan(len, orig_ptr);
        let shareable = mate.filter(|_| len >= SHARE_MIN);
        let sort = Arc::new(bwt::Sort::plan(len, &self.counts, &self.snapshots, 4));
        let next = Arc::new(AtomicUsize::new(0));
        // Offered before the sort when some thread is idle, or during the walk as soon as one is.
        let mut offered = None;
        if let (Some(mate), Some(plan), false) = (shareable, plan, self.single_chain) {
            if mate.wanted() {
                mate.offer(Task::SortWalk {
                    column: Arc::clone(&self.column),
                    len,
                    sort: Arc::clone(&sort),
                    walk: plan,
                    next: Arc::clone(&next),
                });
                offered = Some(mate);
            }
        }
        bwt::sort(
            &self.column[..len],
            &sort,
            0..sort.stretches(),
            &self.tt[..len],
        );
        let tt = &self.tt[..len];
        let out = &mut self.bwt_out[..len];
        let (Some(plan), false) = (plan, self.single_chain) else {
            bwt::walk_single(tt, orig_ptr, out);
            return;
        };
        // A thread that turns idle during the walk joins it on this thread's links, which pays only
        // for links larger than one core's cache (see `JOIN_WALK_MIN`).
        let joinable = shareable.filter(|_| len >= JOIN_WALK_MIN);
        let poll = || {
            if let Some(mate) = joinable.filter(|mate| offered.is_none() && mate.wanted()) {
                mate.offer(Task::Walk {
                    tt: Arc::clone(&self.tt),
                    plan,
                    next: Arc::clone(&next),
                });
                offered = Some(mate);
            }
        };
        bwt::walk_part(tt, &plan, &next, &mut self.lanes, poll);
        // Without the helper's segments (not claimed), stitching finds the owner walked them all.
        let lent = offered.and_then(|mate| match mate.settle() {
            Some(Outcome::Walked { lanes, helper }) => Some((mate, lanes, helper)),
            _ => None,
        });
        // (A false return means a corrupt block, already redone with the plain walk.)
        let _ = match &lent {
            Some((_, lanes, _)) => bwt::stitch(tt, &plan, &[&self.lanes, lanes], out),
            None => bwt::stitch(tt, &plan, &[&self.lanes], out),
        };
        if let Some((mate, lanes, helper)) = lent {
            mate.give_back(helper, lanes);
        }
    }
}

/// Blocks shorter than this are not shared: the hand-over would cost more than it saves.
pub(crate) const SHARE_MIN: usize = 65_536; // 64 KiB, one literal: a tuning value (see .cargo/mutants.toml)

/// Blocks shorter than this are not walked by a thread that turns idle during the walk (on the
/// owner's links): two cores walking one set of links that fits in one core's cache (2 MiB here)
/// are slower than one core alone. `cargo bench -p gauntlet-bench --bench shared_walk` (2026-12-07):
/// 0.68x one thread's speed at 100 000 entries, 0.81x at 300 000, 1.21x at 500 000, 1.39x at
/// 900 000; a thread idle from the start sorts links of its own instead and gains 1.9-2.0x.
pub(crate) const JOIN_WALK_MIN: usize = 400_000; // one literal: a tuning value (see .cargo/mutants.toml)

/// Moves `mtf[index]` to the front, shifting the entries before it up by one; returns it.
///
/// Most indices are small and move byte by byte; long moves are one `memmove`. Measured slower on
/// this machine: a 16-byte-chunk loop (binary data +8 %), the list as sixteen `u128` rows shifted
/// register-wide (a load-shift-store chain on every symbol, text +30 %), and libbz2's sixteen
/// floating sub-lists (binary +17 %).
#[inline(always)]
fn move_to_front(mtf: &mut [u8; 256], index: usize) -> u8 {
    let byte = mtf[index];
    if index < 16 {
        let mut i = index;
        while i > 0 {
            mtf[i] = mtf[i - 1];
            i -= 1;
        }
    } else {
        mtf.copy_within(0..index, 1);
    }
    mtf[0] = byte;
    byte
}

/// Grows the symbol buffer to hold `needed` entries (doubling, at most `max_len`), so small blocks
/// never pay for a 900k buffer.
#[cold]
fn grow(column: &mut Vec<u8>, needed: usize, max_len: usize) {
    let size = needed.max(column.len() * 2).max(4096).min(max_len);
    column.resize(size, 0);
}

/// The legacy "randomised" block: XOR 1 into the bytes at the positions given by libbz2's table.
fn derandomise(block: &mut [u8]) {
    let mut pos = 0usize;
    let mut index = 0usize;
    loop {
        pos += usize::from(RAND_TABLE[index]);
        index = (index + 1) % RAND_TABLE.len();
        match block.get_mut(pos - 2) {
            Some(byte) => *byte ^= 1,
            None => return,
        }
    }
}

/// The 512 gaps of the randomisation mask (part of the bzip2 format).
#[rustfmt::skip]
static RAND_TABLE: [u16; 512] = [
    619, 720, 127, 481, 931, 816, 813, 233, 566, 247, 985, 724, 205, 454, 863, 491,
    741, 242, 949, 214, 733, 859, 335, 708, 621, 574, 73, 654, 730, 472, 419, 436,
    278, 496, 867, 210, 399, 680, 480, 51, 878, 465, 811, 169, 869, 675, 611, 697,
    867, 561, 862, 687, 507, 283, 482, 129, 807, 591, 733, 623, 150, 238, 59, 379,
    684, 877, 625, 169, 643, 105, 170, 607, 520, 932, 727, 476, 693, 425, 174, 647,
    73, 122, 335, 530, 442, 853, 695, 249, 445, 515, 909, 545, 703, 919, 874, 474,
    882, 500, 594, 612, 641, 801, 220, 162, 819, 984, 589, 513, 495, 799, 161, 604,
    958, 533, 221, 400, 386, 867, 600, 782, 382, 596, 414, 171, 516, 375, 682, 485,
    911, 276, 98, 553, 163, 354, 666, 933, 424, 341, 533, 870, 227, 730, 475, 186,
    263, 647, 537, 686, 600, 224, 469, 68, 770, 919, 190, 373, 294, 822, 808, 206,
    184, 943, 795, 384, 383, 461, 404, 758, 839, 887, 715, 67, 618, 276, 204, 918,
    873, 777, 604, 560, 951, 160, 578, 722, 79, 804, 96, 409, 713, 940, 652, 934,
    970, 447, 318, 353, 859, 672, 112, 785, 645, 863, 803, 350, 139, 93, 354, 99,
    820, 908, 609, 772, 154, 274, 580, 184, 79, 626, 630, 742, 653, 282, 762, 623,
    680, 81, 927, 626, 789, 125, 411, 521, 938, 300, 821, 78, 343, 175, 128, 250,
    170, 774, 972, 275, 999, 639, 495, 78, 352, 126, 857, 956, 358, 619, 580, 124,
    737, 594, 701, 612, 669, 112, 134, 694, 363, 992, 809, 743, 168, 974, 944, 375,
    748, 52, 600, 747, 642, 182, 862, 81, 344, 805, 988, 739, 511, 655, 814, 334,
    249, 515, 897, 955, 664, 981, 649, 113, 974, 459, 893, 228, 433, 837, 553, 268,
    926, 240, 102, 654, 459, 51, 686, 754, 806, 760, 493, 403, 415, 394, 687, 700,
    946, 670, 656, 610, 738, 392, 760, 799, 887, 653, 978, 321, 576, 617, 626, 502,
    894, 679, 243, 440, 680, 879, 194, 572, 640, 724, 926, 56, 204, 700, 707, 151,
    457, 449, 797, 195, 791, 558, 945, 679, 297, 59, 87, 824, 713, 663, 412, 693,
    342, 606, 134, 108, 571, 364, 631, 212, 174, 643, 304, 329, 343, 97, 430, 751,
    497, 314, 983, 374, 822, 928, 140, 206, 73, 263, 980, 736, 876, 478, 430, 305,
    170, 514, 364, 692, 829, 82, 855, 953, 676, 246, 369, 970, 294, 750, 807, 827,
    150, 790, 288, 923, 804, 378, 215, 828, 592, 281, 565, 555, 710, 82, 896, 831,
    547, 261, 524, 462, 293, 465, 502, 56, 661, 821, 976, 991, 658, 869, 905, 758,
    745, 193, 768, 550, 608, 933, 378, 286, 215, 979, 792, 961, 61, 688, 793, 644,
    986, 403, 106, 366, 905, 644, 372, 567, 466, 434, 645, 210, 389, 550, 919, 135,
    780, 773, 635, 389, 707, 100, 626, 958, 165, 504, 920, 176, 193, 713, 857, 265,
    203, 50, 668, 108, 645, 990, 626, 197, 510, 357, 358, 850, 858, 364, 936, 638,
];

#[cfg(test)]
mod tests;
