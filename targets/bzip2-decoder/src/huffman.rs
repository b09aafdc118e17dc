//! Huffman decoding with exactly libbz2's semantics, plus a first-level lookup table.
//!
//! bzip2 assigns canonical codes: symbols sorted by (length, symbol), the first code of length `l + 1`
//! is `2 × (first[l] + count[l])`. libbz2 never checks that the lengths form a complete prefix code; it
//! decodes by growing a code value bit by bit until the value is at most `limit[l]`, the last code of
//! length `l`. We reproduce that rule for every set of lengths, so incomplete and over-subscribed
//! tables decode exactly as libbz2 decodes them (codes that cannot occur stay unused, and a bit string
//! that reaches the maximum length without matching is an error in both).

use crate::bits::BitReader;

/// Bits resolved by one table lookup; longer codes continue bit by bit.
pub(crate) const LUT_BITS: u32 = 10;
pub(crate) const MAX_CODE_LEN: usize = 20;
/// Number of symbols at most: 256 MTF values + RUNA/RUNB share the low values, plus EOB.
pub(crate) const MAX_ALPHA: usize = 258;

const LEN_SHIFT: u32 = 9;
const SYM_MASK: u16 = (1 << LEN_SHIFT) - 1;

#[derive(Debug, Clone)]
pub(crate) struct Table {
    /// Indexed by the next `LUT_BITS` bits: `symbol | length << 9`, or 0 when the code is longer than
    /// `LUT_BITS` (or no code matches within them).
    lut: [u16; 1 << LUT_BITS],
    max_len: u32,
    /// `limit[l]`: the last code of length `l` (libbz2's `limit`); codes of length `l` are the values
    /// `first[l]..=limit[l]`.
    limit: [i64; MAX_CODE_LEN + 2],
    /// `offset[l]`: add to a code of length `l` to index `perm`.
    offset: [i64; MAX_CODE_LEN + 2],
    /// Symbols sorted by (length, symbol).
    perm: [u16; MAX_ALPHA],
}

impl Table {
    pub(crate) fn new() -> Self {
        Table {
            lut: [0; 1 << LUT_BITS],
            max_len: 0,
            limit: [0; MAX_CODE_LEN + 2],
            offset: [0; MAX_CODE_LEN + 2],
            perm: [0; MAX_ALPHA],
        }
    }

    /// Builds the decoder for `lengths` (each in 1..=20, at most 258 of them).
    pub(crate) fn build(&mut self, lengths: &[u8]) {
        debug_assert!(lengths.len() <= MAX_ALPHA);
        let mut count = [0i64; MAX_CODE_LEN + 2];
        for &len in lengths {
            count[usize::from(len)] += 1;
        }
        let min_len = lengths.iter().copied().min().unwrap_or(1).max(1) as usize;
        let max_len = lengths.iter().copied().max().unwrap_or(1).max(1) as usize;
        let mut perm_len = 0;
        for len in min_len..=max_len {
            for (symbol, &l) in lengths.iter().enumerate() {
                if usize::from(l) == len {
                    self.perm[perm_len] = symbol as u16;
                    perm_len += 1;
                }
            }
        }

        self.lut.fill(0);
        self.limit = [-1; MAX_CODE_LEN + 2];
        self.offset = [0; MAX_CODE_LEN + 2];
        self.max_len = max_len as u32;
        let mut first = 0i64;
        let mut before = 0i64; // symbols with a shorter length
        for (len, &count) in count.iter().enumerate().take(max_len + 1).skip(min_len) {
            self.limit[len] = first + count - 1;
            self.offset[len] = before - first;
            if len as u32 <= LUT_BITS {
                // Codes of this length that fit in `len` bits; larger ones (over-subscribed tables) can
                // never be read, as in libbz2.
                let last = self.limit[len].min((1i64 << len) - 1);
                let shift = LUT_BITS - len as u32;
                let mut code = first;
                while code <= last {
                    let symbol = self.perm[(code + self.offset[len]) as usize];
                    let entry = symbol | ((len as u16) << LEN_SHIFT);
                    let start = (code as usize) << shift;
                    self.lut[start..start + (1 << shift)].fill(entry);
                    code += 1;
                }
            }
            before += count;
            first = (first + count) << 1;
        }
    }

    /// Decodes one symbol. `reader` must hold at least 20 valid bits (`refill` first).
    #[inline(always)]
    pub(crate) fn decode(&self, reader: &mut BitReader<'_>) -> Option<u16> {
        let entry = self.lut[reader.peek(LUT_BITS) as usize];
        if entry != 0 {
            reader.consume(u32::from(entry >> LEN_SHIFT));
            return Some(entry & SYM_MASK);
        }
        self.decode_long(reader)
    }

    /// Codes longer than `LUT_BITS`, grown bit by bit like libbz2 does.
    #[cold]
    fn decode_long(&self, reader: &mut BitReader<'_>) -> Option<u16> {
        let mut len = LUT_BITS + 1;
        while len <= self.max_len {
            let code = i64::from(reader.peek(len));
            if code <= self.limit[len as usize] {
                let index = code + self.offset[len as usize];
                // In range by construction: a code reaching length `len` is at least `first[len]`.
                let symbol = *self.perm.get(usize::try_from(index).ok()?)?;
                reader.consume(len);
                return Some(symbol);
            }
            len += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// libbz2's decode loop, transcribed as a naive model: grow the value bit by bit from `min_len`.
    fn model_decode(lengths: &[u8], bits: &[u8]) -> Option<(u16, u32)> {
        let min_len = *lengths.iter().min()? as usize;
        let max_len = *lengths.iter().max()? as usize;
        let mut perm = Vec::new();
        for len in min_len..=max_len {
            for (s, &l) in lengths.iter().enumerate() {
                if l as usize == len {
                    perm.push(s as u16);
                }
            }
        }
        let mut base = [0i64; 23];
        for &l in lengths {
            base[l as usize + 1] += 1;
        }
        for i in 1..23 {
            base[i] += base[i - 1];
        }
        let mut limit = [0i64; 23];
        let mut vec = 0i64;
        for i in min_len..=max_len {
            vec += base[i + 1] - base[i];
            limit[i] = vec - 1;
            vec <<= 1;
        }
        for i in min_len + 1..=max_len {
            base[i] = ((limit[i - 1] + 1) << 1) - base[i];
        }
        let mut zn = min_len;
        let mut zvec: i64 = bits[..zn].iter().fold(0, |acc, &b| acc * 2 + i64::from(b));
        loop {
            if zn > 20 {
                return None;
            }
            if zvec <= limit[zn] {
                break;
            }
            zvec = zvec * 2 + i64::from(bits[zn]);
            zn += 1;
        }
        let index = zvec - base[zn];
        Some((perm[index as usize], zn as u32))
    }

    fn check(lengths: &[u8], seed: u64) {
        let mut table = Table::new();
        table.build(lengths);
        let mut state = seed | 1;
        for _ in 0..300 {
            let mut bytes = [0u8; 8];
            for b in &mut bytes {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *b = state as u8;
            }
            let bits: Vec<u8> = bytes
                .iter()
                .flat_map(|b| (0..8).rev().map(move |s| (b >> s) & 1))
                .collect();
            let mut reader = BitReader::new(&bytes, 0, 0);
            reader.refill();
            let ours = table
                .decode(&mut reader)
                .map(|sym| (sym, reader.position() as u32));
            assert_eq!(
                ours,
                model_decode(lengths, &bits),
                "lengths {lengths:?} bits {bytes:02x?}"
            );
        }
    }

    #[test]
    fn matches_libbz2_rule_on_complete_incomplete_and_oversubscribed_tables() {
        let _deadline =
            crate::no_hang("matches_libbz2_rule_on_complete_incomplete_and_oversubscribed_tables");
        check(&[1, 2, 3, 3], 1);
        check(&[2, 2, 2, 2, 2, 2, 2], 2); // over-subscribed
        check(&[3, 5, 20, 20, 12], 3); // incomplete, long codes
        check(&[1, 1, 1], 4);
        let graded: Vec<u8> = (0..258).map(|i| (1 + i % 20) as u8).collect();
        check(&graded, 5);
        let flat: Vec<u8> = (0..258).map(|i| if i < 2 { 9 } else { 11 }).collect();
        check(&flat, 6);
        let deep: Vec<u8> = (0..40).map(|i| (i / 2 + 1).min(20) as u8).collect();
        check(&deep, 7);
    }
}
