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

/// Reusable buffers for [`walk`].
#[derive(Debug, Default)]
pub(crate) struct Lanes {
    /// `LANES` regions of `len` bytes each; lane `l` appends at `l * len + written[l]`.
    buf: Vec<u8>,
    /// Per mark: where its segment's bytes are in `buf`, how many, and the mark it ran into.
    segments: Vec<Segment>,
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

/// The counting sort: `tt[q] = T(q) << 8 | F[q]` for the last column `column` whose byte histogram is
/// `counts`. Every entry is written exactly once, by a plain store.
///
/// `snapshots` are `(position, histogram of column[..position])` pairs in increasing position order.
/// With them the column is cut into four stretches, each with its own bucket cursors, sorted in one
/// interleaved loop: a single stretch would chain every step through a store and reload of the same
/// cursor whenever a byte repeats (runs are what the BWT makes), which measured 15 % of all the time
/// on text.
pub(crate) fn build(
    column: &[u8],
    counts: &[u32; 256],
    snapshots: &[(usize, [u32; 256])],
    tt: &mut [u32],
) {
    let len = column.len();
    debug_assert_eq!(len, tt.len());
    let mut starts = [0u32; 256];
    let mut sum = 0u32;
    for (start, &count) in starts.iter_mut().zip(counts) {
        *start = sum;
        sum += count;
    }
    // Cut points: the snapshot nearest each quarter, strictly increasing.
    let mut cuts = [0usize; 5];
    let mut cursors = [starts; 4];
    cuts[4] = len;
    for quarter in 1..4 {
        let target = quarter * len / 4;
        let nearest = snapshots
            .iter()
            .filter(|&&(at, _)| at > cuts[quarter - 1] && at < len)
            .min_by_key(|&&(at, _)| at.abs_diff(target));
        match nearest {
            Some((at, histogram)) => {
                cuts[quarter] = *at;
                for (cursor, &before) in cursors[quarter].iter_mut().zip(histogram) {
                    *cursor += before;
                }
            }
            None => {
                // Too few snapshots (a small block): one stretch.
                sort_stretch(column, 0, len, &mut starts, tt);
                return;
            }
        }
    }
    let common = (0..4).map(|k| cuts[k + 1] - cuts[k]).min().unwrap_or(0);
    for offset in 0..common {
        for k in 0..4 {
            let i = cuts[k] + offset;
            let byte = column[i];
            let j = &mut cursors[k][usize::from(byte)];
            tt[*j as usize] = (i as u32) << 8 | u32::from(byte);
            *j += 1;
        }
    }
    for k in 0..4 {
        sort_stretch(column, cuts[k] + common, cuts[k + 1], &mut cursors[k], tt);
    }
}

fn sort_stretch(column: &[u8], from: usize, to: usize, cursors: &mut [u32; 256], tt: &mut [u32]) {
    for (i, &byte) in column.iter().enumerate().take(to).skip(from) {
        let j = &mut cursors[usize::from(byte)];
        tt[*j as usize] = (i as u32) << 8 | u32::from(byte);
        *j += 1;
    }
}

/// The plain walk: `out.len()` steps from `orig_ptr`, exactly as libbz2 does.
pub(crate) fn walk_single(tt: &[u32], orig_ptr: usize, out: &mut [u8]) {
    let mut pos = orig_ptr;
    for slot in out.iter_mut() {
        let entry = tt[pos];
        *slot = entry as u8;
        pos = (entry >> 8) as usize;
    }
}

/// Decodes `out.len()` bytes (the block length, equal to `tt.len()`) starting at `orig_ptr`.
///
/// `tt` must be a counting-sort result as described in the module docs: every successor `< tt.len()`.
pub(crate) fn walk(tt: &[u32], orig_ptr: usize, out: &mut [u8], lanes: &mut Lanes) {
    let len = tt.len();
    debug_assert_eq!(out.len(), len);
    if len < 4096 {
        walk_single(tt, orig_ptr, out);
        return;
    }
    let shift = stride_shift(len);
    let mask = (1usize << shift) - 1;
    let strided = (len + mask) >> shift;
    // Segment ids: `p >> shift` for strided marks, `strided` for `orig_ptr` when it is not one.
    let orig_id = if orig_ptr & mask == 0 {
        orig_ptr >> shift
    } else {
        strided
    };
    let is_mark = |p: usize| p & mask == 0 || p == orig_ptr;
    let mark_id = |p: usize| if p == orig_ptr { orig_id } else { p >> shift };

    lanes.segments.clear();
    lanes.segments.resize(strided + 1, Segment::default());
    if lanes.buf.len() < LANES * len {
        // A fresh zeroed allocation comes straight from the OS: the pages no lane writes (most of
        // them) are never touched. `resize` would write zeros to all of them first.
        lanes.buf = vec![0; LANES * len];
    }
    let buf = &mut lanes.buf[..LANES * len];
    let segments = &mut lanes.segments;

    // Work queue: strided marks 0..strided, then orig_ptr if it is not one of them.
    let total = strided + usize::from(orig_id == strided);
    let mark_of = |id: usize| if id == strided { orig_ptr } else { id << shift };
    let mut next_id = 0usize;

    // Per lane: the position whose entry is loaded next, the segment being walked, where it began in
    // `buf`, and the write cursor.
    let mut pos = [0usize; LANES];
    let mut seg = [0usize; LANES];
    let mut seg_at = [0usize; LANES];
    let mut cursor = [0usize; LANES];
    let mut live = [false; LANES];
    for lane in 0..LANES {
        cursor[lane] = lane * len;
        if next_id < total {
            seg[lane] = next_id;
            seg_at[lane] = cursor[lane];
            pos[lane] = mark_of(next_id);
            live[lane] = true;
            next_id += 1;
        }
    }

    // All lanes busy: one step of each per round. A step loads the entry at `pos`, emits its byte and
    // moves on, ending the segment when the successor is a mark.
    'rounds: while live.iter().all(|&l| l) {
        for lane in 0..LANES {
            let entry = tt[pos[lane]];
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
                if next_id < total {
                    seg[lane] = next_id;
                    seg_at[lane] = cursor[lane];
                    pos[lane] = mark_of(next_id);
                    next_id += 1;
                } else {
                    live[lane] = false;
                    continue 'rounds;
                }
            }
        }
    }
    // The queue is empty: finish the lanes still walking, one after another.
    for lane in 0..LANES {
        if !live[lane] {
            continue;
        }
        let mut p = pos[lane];
        loop {
            let entry = tt[p];
            buf[cursor[lane]] = entry as u8;
            cursor[lane] += 1;
            p = (entry >> 8) as usize;
            if is_mark(p) {
                break;
            }
        }
        segments[seg[lane]] = Segment {
            at: seg_at[lane] as u32,
            len: (cursor[lane] - seg_at[lane]) as u32,
            end: p as u32,
        };
    }

    // Stitch from orig_ptr's segment along the cycle.
    let mut written = 0usize;
    let mut id = orig_id;
    loop {
        let Segment { at, len: n, end } = segments[id];
        let (at, n, end) = (at as usize, n as usize, end as usize);
        if n > len - written {
            break;
        }
        out[written..written + n].copy_from_slice(&buf[at..at + n]);
        written += n;
        if end == orig_ptr {
            break;
        }
        id = mark_id(end);
    }
    if written != len {
        // Several cycles (a corrupt block): libbz2's walk repeats orig_ptr's cycle; so do we.
        walk_single(tt, orig_ptr, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A counting-sort `tt` for an arbitrary last column (a permutation, not always one cycle).
    fn build_tt(column: &[u8]) -> Vec<u32> {
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
        let mut tt = vec![0; column.len()];
        build(column, &counts, &snapshots, &mut tt);
        let mut plain = vec![0; column.len()];
        build(column, &counts, &[], &mut plain);
        assert!(tt == plain, "four stretches and one stretch sort alike");
        tt
    }

    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn lanes_match_the_plain_walk_on_any_permutation() {
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

    #[test]
    fn one_cycle_through_all_positions_is_stitched_not_redone() {
        // The BWT of a real string is one cycle; the stitched result must equal the original text.
        let text: Vec<u8> = (0..20_000u32)
            .map(|i| b"abracadabra, the quick brown fox "[(i as usize * 7 + i as usize / 13) % 33])
            .collect();
        let n = text.len();
        let mut rotations: Vec<usize> = (0..n).collect();
        rotations.sort_by(|&a, &b| {
            text[a..]
                .iter()
                .chain(&text[..a])
                .cmp(text[b..].iter().chain(&text[..b]))
        });
        let column: Vec<u8> = rotations.iter().map(|&r| text[(r + n - 1) % n]).collect();
        let orig = rotations.iter().position(|&r| r == 0).unwrap();
        let tt = build_tt(&column);
        let mut got = vec![0u8; n];
        walk(&tt, orig, &mut got, &mut Lanes::default());
        assert!(got == text);
    }
}
