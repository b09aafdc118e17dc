//! The inverse BWT walk, several chains at once.
//!
//! After the counting sort, `tt[q]` holds the successor `T(q)` in its high bits and the first-column
//! byte `F[q]` (the byte the walk emits at `q`) in its low 8 bits. (libbz2 keeps the *last*-column byte
//! there instead, which costs a read-modify-write per position to build; the walk and its output are
//! the same.) Decoding is the walk `q₀ = origPtr, qₖ₊₁ = T(qₖ)`, emitting `F[qₖ]` — one *dependent*
//! load per output byte, so a plain walk runs at the latency of whatever cache level holds `tt` (L2
//! for `-1`, L3 for `-9`), with the CPU idle in between.
//!
//! We cut the cycle into segments instead. Every position that is a multiple of a stride (and
//! `origPtr`) is a *mark*; a segment runs from one mark up to the next mark along the walk. Segments
//! are independent, so [`LANES`] of them are walked in one loop, each lane's loads overlapping the
//! others'. Each lane appends its segments to its own buffer and records where every segment ended;
//! stitching the segments together from `origPtr`'s onwards is then a few hundred `memcpy`s. Spotting a
//! mark costs a mask test on a value we hold anyway, so no extra memory is touched.
//!
//! For a valid block `T` is one cycle through all `len` positions and the stitched output is exactly
//! the plain walk's. A corrupt block can make `T` several cycles; stitching then returns to `origPtr`
//! early, and we redo the block with the plain walk so that the output (which will fail its CRC) is
//! still libbz2's, byte for byte.

/// Chains walked at once. Four keeps the loop's state in registers and is enough to hide L2 latency;
/// more lanes help little for L3 (measured in the `bzip2_decoder` bench).
pub(crate) const LANES: usize = 6;

use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicU32, AtomicUsize};

/// Reusable buffers for the lanes of a walk ([`walk_part`]).
#[derive(Debug, Default)]
pub(crate) struct Lanes {
    /// `LANES` regions of `len` bytes each; lane `l` appends at `l * len + written[l]`.
    buf: Vec<u8>,
    /// Per mark: where its segment's bytes are in `buf`, how many, and the mark it ran into.
    segments: Vec<Segment>,
}

impl Lanes {
    /// Whether these buffers were ever walked into (a test of who got whose buffers back).
    #[cfg(test)]
    pub(crate) fn is_unused(&self) -> bool {
        self.buf.is_empty()
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Segment {
    at: u32,
    len: u32,
    end: u32,
}

/// Marks every `1 << shift` positions: about a thousand segments per block, so the lanes that run
/// dry at the end (they finish one by one, serially) cost little, and segment switches stay rare.
fn stride_shift(len: usize) -> u32 {
    let log2 = usize::BITS - 1 - len.max(1).leading_zeros();
    log2.saturating_sub(10).max(4)
}

/// How the counting sort cuts the column: `stretches` stretches `cuts[k]..cuts[k + 1]`, each with
/// its own bucket cursors (where its first entry of each byte goes).
#[derive(Debug, Clone)]
pub(crate) struct Sort {
    stretches: usize,
    cuts: [usize; MAX_STRETCHES + 1],
    cursors: [[u32; 256]; MAX_STRETCHES],
}

/// Most stretches a sort is cut into (the decoder cuts a column into four).
pub(crate) const MAX_STRETCHES: usize = 8;

impl Sort {
    /// Plans a sort of a column of `len` bytes whose histogram is `counts` into `wanted` (1, 4 or 8)
    /// stretches, cut at the snapshots nearest to equal shares. Too few snapshots (a small block)
    /// make it one stretch.
    ///
    /// `snapshots` are `(position, histogram of column[..position])` pairs in increasing position
    /// order.
    pub(crate) fn plan(
        len: usize,
        counts: &[u32; 256],
        snapshots: &[(usize, [u32; 256])],
        wanted: usize,
    ) -> Sort {
        let mut starts = [0u32; 256];
        let mut sum = 0u32;
        for (start, &count) in starts.iter_mut().zip(counts) {
            *start = sum;
            sum += count;
        }
        let mut sort = Sort {
            stretches: 1,
            cuts: [len; MAX_STRETCHES + 1],
            cursors: [starts; MAX_STRETCHES],
        };
        sort.cuts[0] = 0;
        let wanted = wanted.clamp(1, MAX_STRETCHES);
        for k in 1..wanted {
            let target = k * len / wanted;
            let nearest = snapshots
                .iter()
                .filter(|&&(at, _)| at > sort.cuts[k - 1] && at < len)
                .min_by_key(|&&(at, _)| at.abs_diff(target));
            let Some((at, histogram)) = nearest else {
                sort.stretches = 1;
                sort.cuts[1] = len;
                return sort;
            };
            sort.cuts[k] = *at;
            for (cursor, &before) in sort.cursors[k].iter_mut().zip(histogram) {
                *cursor += before;
            }
        }
        sort.stretches = wanted;
        sort.cuts[wanted] = len;
        sort
    }

    /// How many stretches the plan has.
    pub(crate) fn stretches(&self) -> usize {
        self.stretches
    }
}

/// The counting sort: `tt[q] = T(q) << 8 | F[q]` for the last column `column`. Every entry is
/// written exactly once, by a plain (relaxed) store.
///
/// This sorts the stretches `which` of `plan`; the plan's other stretches write other entries, so
/// two threads may sort disjoint sets of stretches into the same `tt` at once. Four stretches are
/// sorted in one interleaved loop: a single stretch would chain every step through a store and
/// reload of the same cursor whenever a byte repeats (runs are what the BWT makes), which measured
/// 15 % of all the time on text.
pub(crate) fn sort(column: &[u8], plan: &Sort, which: std::ops::Range<usize>, tt: &[AtomicU32]) {
    debug_assert_eq!(column.len(), tt.len());
    let which = which.start.min(plan.stretches)..which.end.min(plan.stretches);
    if which.len() != 4 {
        for k in which {
            let mut cursors = plan.cursors[k];
            sort_stretch(column, plan.cuts[k], plan.cuts[k + 1], &mut cursors, tt);
        }
        return;
    }
    let first = which.start;
    let cuts: [usize; 5] = std::array::from_fn(|k| plan.cuts[first + k]);
    let mut cursors: [[u32; 256]; 4] = std::array::from_fn(|k| plan.cursors[first + k]);
    let common = (0..4).map(|k| cuts[k + 1] - cuts[k]).min().unwrap_or(0);
    for offset in 0..common {
        for k in 0..4 {
            let i = cuts[k] + offset;
            let byte = column[i];
            let j = &mut cursors[k][usize::from(byte)];
            tt[*j as usize].store((i as u32) << 8 | u32::from(byte), Relaxed);
            *j += 1;
        }
    }
    for k in 0..4 {
        sort_stretch(column, cuts[k] + common, cuts[k + 1], &mut cursors[k], tt);
    }
}

fn sort_stretch(column: &[u8], from: usize, to: usize, cursors: &mut [u32; 256], tt: &[AtomicU32]) {
    for (i, &byte) in column.iter().enumerate().take(to).skip(from) {
        let j = &mut cursors[usize::from(byte)];
        tt[*j as usize].store((i as u32) << 8 | u32::from(byte), Relaxed);
        *j += 1;
    }
}

/// The plain walk: `out.len()` steps from `orig_ptr`, exactly as libbz2 does.
pub(crate) fn walk_single(tt: &[AtomicU32], orig_ptr: usize, out: &mut [u8]) {
    let mut pos = orig_ptr;
    for slot in out.iter_mut() {
        let entry = tt[pos].load(Relaxed);
        *slot = entry as u8;
        pos = (entry >> 8) as usize;
    }
}

/// Where the marks of a block's walk are, and the ids of their segments: `p >> shift` for strided
/// marks, `strided` for `orig_ptr` when it is not one of them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Walk {
    len: usize,
    orig_ptr: usize,
    shift: u32,
    strided: usize,
    orig_id: usize,
    /// Segment ids in use: `0..total`.
    total: usize,
}

impl Walk {
    /// The walk of a `len`-byte block from `orig_ptr`, or `None` when the block is small enough for
    /// the plain walk.
    pub(crate) fn plan(len: usize, orig_ptr: usize) -> Option<Walk> {
        if len < 4096 {
            return None;
        }
        let shift = stride_shift(len);
        let mask = (1usize << shift) - 1;
        let strided = (len + mask) >> shift;
        let orig_id = if orig_ptr & mask == 0 {
            orig_ptr >> shift
        } else {
            strided
        };
        Some(Walk {
            len,
            orig_ptr,
            shift,
            strided,
            orig_id,
            total: strided + usize::from(orig_id == strided),
        })
    }

    /// The block's length.
    pub(crate) fn block_len(&self) -> usize {
        self.len
    }

    fn mark_id(&self, p: usize) -> usize {
        if p == self.orig_ptr {
            self.orig_id
        } else {
            p >> self.shift
        }
    }

    fn mark_of(&self, id: usize) -> usize {
        if id == self.strided {
            self.orig_ptr
        } else {
            id << self.shift
        }
    }
}

/// Segment ids a walker takes at once (see [`walk_part`]).
pub(crate) const CLAIM_BATCH: usize = 16;

/// A segment no lane of this [`Lanes`] has walked.
const ABSENT: u32 = u32::MAX;

/// Decodes `out.len()` bytes (the block length, equal to `tt.len()`) starting at `orig_ptr`, on one
/// thread (the decoder inlines this to offer the walk to another).
///
/// `tt` must be a counting-sort result as described in the module docs: every successor `< tt.len()`.
#[cfg(test)]
pub(crate) fn walk(tt: &[AtomicU32], orig_ptr: usize, out: &mut [u8], lanes: &mut Lanes) {
    let len = tt.len();
    debug_assert_eq!(out.len(), len);
    let Some(plan) = Walk::plan(len, orig_ptr) else {
        walk_single(tt, orig_ptr, out);
        return;
    };
    walk_part(tt, &plan, &AtomicUsize::new(0), lanes, || {});
    let _ = stitch(tt, &plan, &[&*lanes], out);
}

/// Walks segments whose ids it takes from `next` until they run out, recording them in `lanes`.
/// Several threads may share one `next` (each with its own `lanes`): between them they walk every
/// segment once, and a thread may join while the others are walking. `poll` is called before
/// every batch of segments is claimed.
pub(crate) fn walk_part(
    tt: &[AtomicU32],
    plan: &Walk,
    next: &AtomicUsize,
    lanes: &mut Lanes,
    poll: impl FnMut(),
) {
    walk_lanes(
        tt,
        plan,
        next,
        lanes,
        poll,
        lane_region(plan.len, plan.shift),
    );
}

/// Bytes of `Lanes::buf` each lane may fill. Lanes step in turn and take segments as they finish
/// them, so each walks about `len / LANES`; twice that plus sixteen strides leaves a wide margin, and
/// a lane that does fill its region stops, which makes stitching fall back to the plain walk (still
/// correct). Small blocks get the whole length. (Six full-length regions were 5.4 MB for a `-9`
/// block, which `calloc` clears by hand once the allocator recycles memory: 1300 page faults.)
fn lane_region(len: usize, shift: u32) -> usize {
    if len <= 1 << 16 {
        len
    } else {
        (2 * len / LANES + (16 << shift)).min(len)
    }
}

fn walk_lanes(
    tt: &[AtomicU32],
    plan: &Walk,
    next: &AtomicUsize,
    lanes: &mut Lanes,
    mut poll: impl FnMut(),
    region: usize,
) {
    lanes.segments.clear();
    lanes.segments.resize(
        plan.total,
        Segment {
            at: 0,
            len: ABSENT,
            end: 0,
        },
    );
    if lanes.buf.len() < LANES * region {
        // A fresh zeroed allocation: when it comes straight from the OS, the pages no lane writes
        // are never touched. `resize` would write zeros to all of them first.
        lanes.buf = vec![0; LANES * region];
    }
    let buf = &mut lanes.buf[..LANES * region];
    let segments = &mut lanes.segments;
    // Ids are taken from `next` a batch at a time: the atomic add is a locked instruction, which
    // waits for the lanes' loads in flight, and one per segment cost 7 % on `-1` blocks.
    // The refill stays out of line so that the lane loop below is small enough to unroll (with the
    // lanes' state in registers); inlined, it cost the walk 60 %.
    let total = plan.total;
    let mut batch = 0..0;
    let mut claim = || {
        if batch.is_empty() {
            batch = refill(next, total, &mut poll);
        }
        batch.next()
    };
    let (mask, orig_ptr) = ((1usize << plan.shift) - 1, plan.orig_ptr);
    let is_mark = |p: usize| p & mask == 0 || p == orig_ptr;

    // Per lane: the position whose entry is loaded next, the segment being walked, where it began in
    // `buf`, and the write cursor.
    let mut pos = [0usize; LANES];
    let mut seg = [0usize; LANES];
    let mut seg_at = [0usize; LANES];
    let mut cursor = [0usize; LANES];
    let mut live = [false; LANES];
    let ends: [usize; LANES] = std::array::from_fn(|lane| (lane + 1) * region);
    for lane in 0..LANES {
        cursor[lane] = lane * region;
        if let Some(id) = claim() {
            seg[lane] = id;
            seg_at[lane] = cursor[lane];
            pos[lane] = plan.mark_of(id);
            live[lane] = true;
        }
    }

    // All lanes busy: one step of each per round. A step loads the entry at `pos`, emits its byte and
    // moves on, ending the segment when the successor is a mark. A lane whose region is full stops
    // with its segment unrecorded.
    // One step of lane `$lane`; written out once per lane (a `for` over the lanes was not
    // unrolled, which left the lanes' state in memory and cost the walk 60 %).
    macro_rules! step {
        ($lane:literal, $rounds:lifetime) => {{
            let lane = $lane;
            if cursor[lane] == ends[lane] {
                live[lane] = false;
                continue $rounds;
            }
            let entry = tt[pos[lane]].load(Relaxed);
            buf[cursor[lane]] = entry as u8;
            cursor[lane] += 1;
            let next = (entry >> 8) as usize;
            pos[lane] = next;
            if is_mark(next) {
                segments[seg[lane]] = Segment {
                    at: seg_at[lane] as u32,
                    len: (cursor[lane] - seg_at[lane]) as u32,
                    end: next as u32,
                };
                if let Some(id) = claim() {
                    seg[lane] = id;
                    seg_at[lane] = cursor[lane];
                    pos[lane] = plan.mark_of(id);
                } else {
                    live[lane] = false;
                    continue $rounds;
                }
            }
        }};
    }
    const _: () = assert!(LANES == 6, "one `step!` per lane");
    'rounds: while live.iter().all(|&l| l) {
        step!(0, 'rounds);
        step!(1, 'rounds);
        step!(2, 'rounds);
        step!(3, 'rounds);
        step!(4, 'rounds);
        step!(5, 'rounds);
    }
    // The queue is empty: finish the lanes still walking, one after another.
    for lane in 0..LANES {
        if !live[lane] {
            continue;
        }
        let mut p = pos[lane];
        let mut full = false;
        loop {
            if cursor[lane] == ends[lane] {
                full = true;
                break;
            }
            let entry = tt[p].load(Relaxed);
            buf[cursor[lane]] = entry as u8;
            cursor[lane] += 1;
            p = (entry >> 8) as usize;
            if is_mark(p) {
                break;
            }
        }
        if full {
            continue;
        }
        segments[seg[lane]] = Segment {
            at: seg_at[lane] as u32,
            len: (cursor[lane] - seg_at[lane]) as u32,
            end: p as u32,
        };
    }
}

/// The next batch of segment ids from `next`, after calling `poll`.
#[inline(never)]
fn refill(next: &AtomicUsize, total: usize, poll: &mut impl FnMut()) -> std::ops::Range<usize> {
    poll();
    let start = next.fetch_add(CLAIM_BATCH, Relaxed).min(total);
    start..(start + CLAIM_BATCH).min(total)
}

/// Joins the segments that `parts` walked (between them, every segment once) into `out`, in
/// order along the cycle from `orig_ptr`. If they do not make one cycle through all positions (a
/// corrupt block, or segments missing), redoes the block with the plain walk and returns false.
pub(crate) fn stitch(tt: &[AtomicU32], plan: &Walk, parts: &[&Lanes], out: &mut [u8]) -> bool {
    let len = plan.len;
    let mut written = 0usize;
    let mut id = plan.orig_id;
    loop {
        let found = parts.iter().find_map(|part| {
            let segment = part.segments.get(id)?;
            (segment.len != ABSENT).then_some((*segment, &part.buf))
        });
        let Some((Segment { at, len: n, end }, buf)) = found else {
            break;
        };
        let (at, n, end) = (at as usize, n as usize, end as usize);
        if n == 0 || n > len - written {
            break;
        }
        out[written..written + n].copy_from_slice(&buf[at..at + n]);
        written += n;
        if end == plan.orig_ptr {
            break;
        }
        id = plan.mark_id(end);
    }
    if written != len {
        // Several cycles (a corrupt block): libbz2's walk repeats orig_ptr's cycle; so do we.
        walk_single(tt, plan.orig_ptr, out);
        return false;
    }
    true
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A counting-sort `tt` for an arbitrary last column (a permutation, not always one cycle).
    fn build_tt(column: &[u8]) -> Vec<AtomicU32> {
        let mut counts = [0u32; 256];
        for &b in column {
            counts[usize::from(b)] += 1;
        }
        // Snapshots every 1000 positions, as `decode_symbols` takes them every sixteenth of a block.
        let mut snapshots = Vec::new();
        let mut running = [0u32; 256];
        for (i, &b) in column.iter().enumerate() {
            if i > 0 && i % 1000 == 0 {
                snapshots.push((i, running));
            }
            running[usize::from(b)] += 1;
        }
        let sorted = |wanted: usize, split: bool| {
            let tt: Vec<AtomicU32> = (0..column.len()).map(|_| AtomicU32::new(0)).collect();
            let plan = Sort::plan(column.len(), &counts, &snapshots, wanted);
            if split {
                sort(column, &plan, 4..8, &tt);
                sort(column, &plan, 0..4, &tt);
            } else {
                sort(column, &plan, 0..plan.stretches(), &tt);
            }
            tt.into_iter()
                .map(AtomicU32::into_inner)
                .collect::<Vec<u32>>()
        };
        let plain = {
            let tt: Vec<AtomicU32> = (0..column.len()).map(|_| AtomicU32::new(0)).collect();
            sort(
                column,
                &Sort::plan(column.len(), &counts, &[], 4),
                0..4,
                &tt,
            );
            tt.into_iter()
                .map(AtomicU32::into_inner)
                .collect::<Vec<u32>>()
        };
        assert!(
            sorted(4, false) == plain,
            "four stretches and one stretch sort alike"
        );
        assert!(
            sorted(8, true) == plain,
            "eight stretches sorted in two halves sort alike"
        );
        plain.into_iter().map(AtomicU32::new).collect()
    }

    pub(crate) fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn a_sort_plan_cuts_at_increasing_snapshots_or_makes_one_stretch() {
        let _deadline =
            crate::no_hang("a_sort_plan_cuts_at_increasing_snapshots_or_makes_one_stretch");
        let mut counts = [0u32; 256];
        counts[usize::from(b'a')] = 60;
        counts[usize::from(b'b')] = 40;
        let histogram = |a: u32, b: u32| {
            let mut h = [0u32; 256];
            h[usize::from(b'a')] = a;
            h[usize::from(b'b')] = b;
            h
        };
        let snapshots = [
            (25, histogram(20, 5)),
            (50, histogram(30, 20)),
            (75, histogram(45, 30)),
        ];
        let plan = Sort::plan(100, &counts, &snapshots, 4);
        assert_eq!(plan.stretches(), 4);
        assert_eq!(plan.cuts[..5], [0, 25, 50, 75, 100]);
        // Each stretch's cursors start where the bytes before its cut end.
        assert_eq!(plan.cursors[0][usize::from(b'b')], 60);
        assert_eq!(plan.cursors[2][usize::from(b'a')], 30);
        assert_eq!(plan.cursors[2][usize::from(b'b')], 80);
        // One snapshot cannot cut four stretches; a snapshot at the previous cut would make an
        // empty stretch, so the plan is one stretch.
        let one = Sort::plan(100, &counts, &snapshots[1..2], 4);
        assert_eq!((one.stretches(), one.cuts[1]), (1, 100));
        // A snapshot at the end of the column cuts nothing.
        let end = Sort::plan(100, &counts, &[(100, histogram(60, 40))], 2);
        assert_eq!(end.stretches(), 1);
    }

    #[test]
    fn lanes_match_the_plain_walk_on_any_permutation() {
        let _deadline = crate::no_hang("lanes_match_the_plain_walk_on_any_permutation");
        let mut lanes = Lanes::default();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for case in 0..60 {
            let len = match case % 4 {
                0 => 4096 + (xorshift(&mut state) % 2000) as usize,
                1 => 50_000 + (xorshift(&mut state) % 60_000) as usize,
                2 => 1 << 14, // a power of two: the last mark is exactly one stride from the end
                _ => 200_000,
            };
            let alphabet = 1 + (xorshift(&mut state) % 255);
            let column: Vec<u8> = (0..len)
                .map(|_| (xorshift(&mut state) % alphabet) as u8)
                .collect();
            let tt = build_tt(&column);
            let orig = (xorshift(&mut state) as usize) % len;
            for orig in [orig, 0, len - 1, orig & !63] {
                let mut want = vec![0u8; len];
                walk_single(&tt, orig, &mut want);
                let mut got = vec![0u8; len];
                walk(&tt, orig, &mut got, &mut lanes);
                assert!(got == want, "case {case}, len {len}, orig {orig}");
            }
        }
    }

    /// A random text over eight letters and its BWT: the last column and the row of the text.
    /// (Random text keeps the naive rotation sort fast; a periodic one made it quadratic.)
    pub(crate) fn real_bwt(len: usize, seed: u64) -> (Vec<u8>, Vec<u8>, usize) {
        let mut state = seed;
        let text: Vec<u8> = (0..len)
            .map(|_| b"abcdefgh"[(xorshift(&mut state) % 8) as usize])
            .collect();
        let mut rotations: Vec<usize> = (0..len).collect();
        rotations.sort_by(|&a, &b| {
            text[a..]
                .iter()
                .chain(&text[..a])
                .cmp(text[b..].iter().chain(&text[..b]))
        });
        let column = rotations
            .iter()
            .map(|&r| text[(r + len - 1) % len])
            .collect();
        let orig_ptr = rotations.iter().position(|&r| r == 0).unwrap_or(0);
        (text, column, orig_ptr)
    }

    #[test]
    fn a_lane_that_fills_its_region_makes_the_walk_fall_back_not_fail() {
        let _deadline =
            crate::no_hang("a_lane_that_fills_its_region_makes_the_walk_fall_back_not_fail");
        let (text, column, orig) = real_bwt(20_000, 2);
        let tt = build_tt(&column);
        let plan = Walk::plan(text.len(), orig).expect("a large block");
        for region in [1, 100, 2_000, 3_000] {
            let mut lanes = Lanes::default();
            walk_lanes(&tt, &plan, &AtomicUsize::new(0), &mut lanes, || {}, region);
            let mut got = vec![0u8; text.len()];
            let stitched = stitch(&tt, &plan, &[&lanes], &mut got);
            assert!(
                !stitched,
                "region {region}: six regions cannot hold 20000 bytes"
            );
            assert!(got == text, "region {region}: the plain walk redid it");
        }
        // Regions that do hold the block.
        let mut lanes = Lanes::default();
        walk_lanes(&tt, &plan, &AtomicUsize::new(0), &mut lanes, || {}, 20_000);
        let mut got = vec![0u8; text.len()];
        assert!(stitch(&tt, &plan, &[&lanes], &mut got) && got == text);
        assert_eq!(lane_region(20_000, 4), 20_000);
        assert_eq!(lane_region(900_000, 10), 300_000 + 16 * 1024);
    }

    #[test]
    fn one_cycle_through_all_positions_is_stitched_not_redone() {
        let _deadline = crate::no_hang("one_cycle_through_all_positions_is_stitched_not_redone");
        // The BWT of a real string is one cycle; the stitched result must equal the original text.
        let (text, column, orig) = real_bwt(20_000, 1);
        let tt = build_tt(&column);
        let plan = Walk::plan(text.len(), orig).expect("a large block");
        let mut lanes = Lanes::default();
        walk_part(&tt, &plan, &AtomicUsize::new(0), &mut lanes, || {});
        let mut got = vec![0u8; text.len()];
        assert!(stitch(&tt, &plan, &[&lanes], &mut got), "not redone");
        assert!(got == text);
    }
}
