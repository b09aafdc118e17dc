//! Finding every block magic of a stretch of compressed data, at any bit alignment, about 2.7 GB/s
//! on this machine's VM: the start of the parallel decode (see the [`super`] module docs).

use crate::block::BLOCK_MAGIC;

/// Byte `k` (1 or 2) wholly covered by a block magic that starts at bit `r` of a byte.
const fn magic_byte(k: u32, r: u32) -> u8 {
    ((BLOCK_MAGIC >> (48 - 8 * (k + 1) + r)) & 0xff) as u8
}

/// `[magic_byte(k, r) for r in 0..8]`.
const fn magic_bytes(k: u32) -> [u8; 8] {
    let mut bytes = [0; 8];
    let mut r = 0;
    while r < 8 {
        bytes[r as usize] = magic_byte(k, r);
        r += 1;
    }
    bytes
}

/// Byte pairs the scan looks at in one go before it looks closer (see [`scan_block_magics`]).
const SCAN_CHUNK: usize = 64;

/// The bytes a block magic starting at bit `r` of a byte covers wholly: the next two, the `r`th
/// entries of these.
const FIRST: [u8; 8] = magic_bytes(1);
const SECOND: [u8; 8] = magic_bytes(2);

/// Bit offsets (relative to `data[0]`) of every occurrence of the block magic.
pub(super) fn scan_block_magics(data: &[u8]) -> Vec<u64> {
    // For a magic starting at bit `r` of byte `q`, bytes `q + 1` and `q + 2` must hold
    // `FIRST[r]` and `SECOND[r]`. Chunks of byte pairs are tested for any of those eight pairs at
    // once with plain compares, which the compiler turns into vector code (the test of each pair
    // through two lookup tables could not be: the scan of a 1.9 MB `-1` file took 1.3 ms, on the
    // thread that is to decode the first job, against 0.7 ms now); only a chunk that may hold one,
    // about one in sixty of the chunks of compressed data, is looked at pair by pair.
    let mut found = Vec::new();
    // Pair `j` is `data[j..j + 2]`, for a magic starting in byte `j - 1`.
    let pairs = data.len().saturating_sub(1);
    let mut j = 1;
    while j < pairs {
        let end = (j + SCAN_CHUNK).min(pairs);
        let whole = data
            .get(j..j + SCAN_CHUNK)
            .zip(data.get(j + 1..j + 1 + SCAN_CHUNK));
        if whole.is_none_or(|(a, b)| chunk_may_hold(a, b)) {
            for q in j..end {
                look_closer(data, q, &mut found);
            }
        }
        j = end;
    }
    found
}

/// Whether some `(a[k], b[k])` is one of the pairs `(FIRST[r], SECOND[r])`.
fn chunk_may_hold(a: &[u8], b: &[u8]) -> bool {
    let mut any = false;
    for (&x, &y) in a.iter().zip(b) {
        for r in 0..8 {
            any |= (x == FIRST[r]) & (y == SECOND[r]);
        }
    }
    any
}

/// The bits `1 << r` for which `(x, y)` is `(FIRST[r], SECOND[r])`.
fn pair_starts(x: u8, y: u8) -> u8 {
    let mut starts = 0;
    for r in 0..8 {
        if x == FIRST[r] && y == SECOND[r] {
            starts |= 1 << r;
        }
    }
    starts
}

/// Pushes the start of each block magic whose wholly covered bytes are the pair at byte `j`.
fn look_closer(data: &[u8], j: usize, found: &mut Vec<u64>) {
    let (Some(&x), Some(&y)) = (data.get(j), data.get(j + 1)) else {
        return;
    };
    let mut starts = pair_starts(x, y);
    while starts != 0 {
        let r = starts.trailing_zeros();
        starts &= starts - 1;
        let start = (j as u64 - 1) * 8 + u64::from(r);
        if read_48(data, start) == Some(BLOCK_MAGIC) {
            found.push(start);
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every bit offset where the block magic starts, the slow way.
    fn naive_magics(data: &[u8]) -> Vec<u64> {
        (0..(data.len() as u64 * 8).saturating_sub(47))
            .filter(|&bit| read_48(data, bit) == Some(BLOCK_MAGIC))
            .collect()
    }

    /// Writes the block magic into `data` starting at bit `at`.
    fn plant(data: &mut [u8], at: u64) {
        for i in 0..48u64 {
            let bit = at + i;
            let mask = 0x80 >> (bit % 8);
            if BLOCK_MAGIC & (1 << (47 - i)) != 0 {
                data[(bit / 8) as usize] |= mask;
            } else {
                data[(bit / 8) as usize] &= !mask;
            }
        }
    }

    #[test]
    fn scan_agrees_with_a_look_at_every_bit_across_chunk_edges() {
        let _deadline = crate::no_hang("scan_agrees_with_a_look_at_every_bit_across_chunk_edges");
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for len in [
            0, 1, 2, 6, 7, 8, 9, 63, 64, 65, 66, 67, 129, 130, 131, 1000, 4099,
        ] {
            // Magics at every bit near the chunk edges and the end, one per data set.
            let edges = [0, 1, 7, 8, 9, 62, 63, 64, 65, 66, 127, 128, 129, 130];
            let mut starts: Vec<u64> = edges.iter().map(|&byte| byte * 8).collect();
            starts.extend((0..16).map(|back| (len as u64 * 8).saturating_sub(48 + back)));
            starts.extend((0..8).map(|_| next() % (len as u64 * 8 + 1)));
            for start in starts {
                for shift in [0, 1, 3, 7] {
                    let mut data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                    let at = start + shift;
                    if at + 48 <= len as u64 * 8 {
                        plant(&mut data, at);
                        // A second magic overlapping the first's tail, where it fits.
                        if at + 96 <= len as u64 * 8 && shift == 3 {
                            plant(&mut data, at + 48);
                        }
                    }
                    let want = naive_magics(&data);
                    assert_eq!(scan_block_magics(&data), want, "len {len}, at {at}");
                    if at + 48 <= len as u64 * 8 {
                        assert!(want.contains(&at), "planted at {at}");
                    }
                }
            }
        }
    }

    #[test]
    fn only_the_pairs_a_magic_covers_pass_the_filters() {
        let _deadline = crate::no_hang("only_the_pairs_a_magic_covers_pass_the_filters");
        // The magic at bit 0: 0x31 0x41 0x59 ..., so byte 1 is 0x41 and byte 2 0x59.
        assert_eq!((FIRST[0], SECOND[0]), (0x41, 0x59));
        assert_eq!((FIRST[4], SECOND[4]), (0x14, 0x15));
        for r in 0..8 {
            assert_eq!(pair_starts(FIRST[r], SECOND[r]) & (1 << r), 1 << r, "r {r}");
            assert_eq!(pair_starts(FIRST[r], !SECOND[r]) & (1 << r), 0, "r {r}");
            assert_eq!(pair_starts(!FIRST[r], SECOND[r]) & (1 << r), 0, "r {r}");
            let mut a = [0u8; SCAN_CHUNK];
            let mut b = [0u8; SCAN_CHUNK];
            a[SCAN_CHUNK - 1] = FIRST[r];
            assert!(!chunk_may_hold(&a, &b), "half a pair, r {r}");
            b[0] = SECOND[r];
            assert!(!chunk_may_hold(&a, &b), "the halves apart, r {r}");
            b[SCAN_CHUNK - 1] = SECOND[r];
            assert!(chunk_may_hold(&a, &b), "a pair at the chunk's end, r {r}");
        }
        assert_eq!(pair_starts(0, 0), 0);
        assert!(!chunk_may_hold(&[0; SCAN_CHUNK], &[0; SCAN_CHUNK]));
    }

    #[test]
    fn scan_finds_the_magic_at_every_bit_alignment() {
        let _deadline = crate::no_hang("scan_finds_the_magic_at_every_bit_alignment");
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
