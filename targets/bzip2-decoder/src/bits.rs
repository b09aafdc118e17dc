//! MSB-first bit reader over a byte slice.
//!
//! Reading past the end yields zero bits instead of failing, so hot loops need no end check per symbol;
//! callers ask [`BitReader::overrun`] at checkpoints and report truncation from there. Every loop that
//! reads bits is bounded by the format (or consumes at least one bit per round), so reading zeros past
//! the end can never hang.

#[derive(Debug, Clone)]
pub(crate) struct BitReader<'a> {
    data: &'a [u8],
    /// Absolute bit offset of `data[0]` in the whole input, for error positions.
    origin: u64,
    /// Index of the next byte to load into `buf`.
    next: usize,
    /// Unconsumed bits, left-aligned: the next bit is bit 63. Bits below `count` may hold the correct
    /// following input bits or zeros; refills OR the same values in, so either is fine.
    pub(crate) buf: u64,
    /// Number of valid bits in `buf`.
    pub(crate) count: u32,
}

impl<'a> BitReader<'a> {
    /// A reader positioned `start_bit` bits into `data`; `origin` is the absolute bit offset of `data[0]`.
    pub(crate) fn new(data: &'a [u8], start_bit: u64, origin: u64) -> Self {
        let start_byte = usize::try_from(start_bit / 8)
            .unwrap_or(usize::MAX)
            .min(data.len());
        let mut reader = BitReader {
            data,
            origin,
            next: start_byte,
            buf: 0,
            count: 0,
        };
        reader.refill();
        reader.consume((start_bit % 8) as u32);
        reader
    }

    /// Tops `buf` up to at least 56 valid bits (from empty: seven whole bytes).
    #[inline(always)]
    pub(crate) fn refill(&mut self) {
        if self.count > 56 {
            return;
        }
        if let Some(chunk) = self.data.get(self.next..self.next + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.buf |= u64::from_be_bytes(word) >> self.count;
            let bytes = (63 - self.count) / 8;
            self.next += bytes as usize;
            self.count += bytes * 8;
        } else {
            while self.count <= 56 {
                let byte = self.data.get(self.next).copied().unwrap_or(0);
                self.buf |= u64::from(byte) << (56 - self.count);
                self.next += 1;
                self.count += 8;
            }
        }
    }

    /// The next `n` bits (1..=32) without consuming them; needs `count >= n` (call `refill` first).
    #[inline(always)]
    pub(crate) fn peek(&self, n: u32) -> u32 {
        debug_assert!((1..=32).contains(&n) && n <= self.count);
        (self.buf >> (64 - n)) as u32
    }

    #[inline(always)]
    pub(crate) fn consume(&mut self, n: u32) {
        debug_assert!(n <= self.count);
        self.buf <<= n;
        self.count -= n;
    }

    /// Reads `n` bits (1..=32).
    #[inline]
    pub(crate) fn bits(&mut self, n: u32) -> u32 {
        self.refill();
        let value = self.peek(n);
        self.consume(n);
        value
    }

    #[inline]
    pub(crate) fn bit(&mut self) -> bool {
        self.bits(1) == 1
    }

    /// Bits consumed so far, relative to `data[0]`.
    pub(crate) fn position(&self) -> u64 {
        self.next as u64 * 8 - u64::from(self.count)
    }

    /// Absolute bit offset of the next unread bit in the whole input.
    pub(crate) fn absolute(&self) -> u64 {
        self.origin + self.position()
    }

    /// True once more bits were consumed than `data` holds.
    pub(crate) fn overrun(&self) -> bool {
        self.position() > self.data.len() as u64 * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_msb_first_across_refills_and_pads_with_zeros() {
        let _deadline = crate::no_hang("reads_msb_first_across_refills_and_pads_with_zeros");
        let data: Vec<u8> = (0u8..20).map(|i| i.wrapping_mul(37) ^ 0xa5).collect();
        let mut reader = BitReader::new(&data, 3, 0);
        let mut expected_bits = Vec::new();
        for byte in &data {
            for shift in (0..8).rev() {
                expected_bits.push(u32::from((byte >> shift) & 1));
            }
        }
        let mut got = Vec::new();
        for width in [1u32, 7, 13, 20, 32, 5, 9, 17, 3].iter().cycle().take(30) {
            let value = reader.bits(*width);
            for shift in (0..*width).rev() {
                got.push((value >> shift) & 1);
            }
        }
        let read = got.len();
        let mut padded = expected_bits[3..].to_vec();
        padded.resize(read, 0);
        assert_eq!(got, padded);
        assert_eq!(reader.position(), 3 + read as u64);
        assert!(reader.overrun());
    }
}
