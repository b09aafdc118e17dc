//! bzip2's CRC-32: polynomial 0x04c11db7, MSB-first (not reflected), initial and final XOR 0xffffffff.

const POLY: u32 = 0x04c1_1db7;

/// `TABLES[k][b]` is the CRC contribution of byte `b` followed by `k` zero bytes (slicing-by-8).
static TABLES: [[u32; 256]; 8] = build_tables();

const fn build_tables() -> [[u32; 256]; 8] {
    let mut tables = [[0u32; 256]; 8];
    let mut b = 0;
    while b < 256 {
        let mut crc = (b as u32) << 24;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ POLY
            } else {
                crc << 1
            };
            bit += 1;
        }
        tables[0][b] = crc;
        b += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut b = 0;
        while b < 256 {
            let prev = tables[k - 1][b];
            tables[k][b] = (prev << 8) ^ tables[0][(prev >> 24) as usize];
            b += 1;
        }
        k += 1;
    }
    tables
}

/// Running CRC state (before the final inversion).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Crc(u32);

impl Crc {
    pub(crate) fn new() -> Self {
        Crc(0xffff_ffff)
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        let mut crc = self.0;
        let mut chunks = data.chunks_exact(8);
        for chunk in &mut chunks {
            let hi = crc ^ u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            crc = TABLES[7][(hi >> 24) as usize]
                ^ TABLES[6][((hi >> 16) & 0xff) as usize]
                ^ TABLES[5][((hi >> 8) & 0xff) as usize]
                ^ TABLES[4][(hi & 0xff) as usize]
                ^ TABLES[3][chunk[4] as usize]
                ^ TABLES[2][chunk[5] as usize]
                ^ TABLES[1][chunk[6] as usize]
                ^ TABLES[0][chunk[7] as usize];
        }
        for &byte in chunks.remainder() {
            crc = (crc << 8) ^ TABLES[0][((crc >> 24) ^ u32::from(byte)) as usize];
        }
        self.0 = crc;
    }

    /// Adds `count` copies of `byte` (runs from RLE1 are common; this avoids materialising them twice).
    pub(crate) fn update_run(&mut self, byte: u8, count: usize) {
        let mut crc = self.0;
        for _ in 0..count {
            crc = (crc << 8) ^ TABLES[0][((crc >> 24) ^ u32::from(byte)) as usize];
        }
        self.0 = crc;
    }

    pub(crate) fn finish(self) -> u32 {
        !self.0
    }

    /// The state that CRCs a stretch on its own, for [`Crc::append`]: no initial XOR.
    pub(crate) fn detached() -> Self {
        Crc(0)
    }

    /// The state after this one's data followed by `len` bytes whose [`Crc::detached`] state is
    /// `tail`. The register is linear: feeding `len` bytes multiplies it by `x^(8 len)` and adds
    /// their CRC from zero.
    pub(crate) fn append(self, tail: Crc, len: u64) -> Crc {
        Crc(mul_mod(self.0, x_to_8n(len)) ^ tail.0)
    }
}

/// `a·b mod P` for polynomials over GF(2), bit 31 the coefficient of `x^31`.
fn mul_mod(a: u32, b: u32) -> u32 {
    let mut product = 0u32;
    for bit in (0..32).rev() {
        product = if product & 0x8000_0000 != 0 {
            (product << 1) ^ POLY
        } else {
            product << 1
        };
        if b >> bit & 1 != 0 {
            product ^= a;
        }
    }
    product
}

/// `x^(8 n) mod P`, by squaring.
fn x_to_8n(mut n: u64) -> u32 {
    let mut result = 1u32;
    let mut power = 1u32 << 8;
    while n != 0 {
        if n & 1 != 0 {
            result = mul_mod(result, power);
        }
        power = mul_mod(power, power);
        n >>= 1;
    }
    result
}

/// The stream CRC folds in each block CRC: rotate left by one, then XOR.
pub(crate) fn combine(stream: u32, block: u32) -> u32 {
    stream.rotate_left(1) ^ block
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bitwise(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &byte in data {
            crc ^= u32::from(byte) << 24;
            for _ in 0..8 {
                crc = if crc & 0x8000_0000 != 0 {
                    (crc << 1) ^ POLY
                } else {
                    crc << 1
                };
            }
        }
        !crc
    }

    #[test]
    fn matches_bitwise_model_and_known_check_value() {
        let _deadline = crate::no_hang("matches_bitwise_model_and_known_check_value");
        // CRC-32/BZIP2 check value for "123456789".
        let mut crc = Crc::new();
        crc.update(b"123456789");
        assert_eq!(crc.finish(), 0xfc89_1918);
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7919 % 251) as u8).collect();
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let mut crc = Crc::new();
            crc.update(&data[..split]);
            crc.update(&data[split..]);
            assert_eq!(crc.finish(), bitwise(&data), "split {split}");
        }
        for split in [0, 1, 7, 8, 9, 255, 256, 500, 999, 1000] {
            let mut head = Crc::new();
            head.update(&data[..split]);
            let mut tail = Crc::detached();
            tail.update(&data[split..]);
            let joined = head.append(tail, (data.len() - split) as u64);
            assert_eq!(joined.finish(), bitwise(&data), "append at {split}");
        }
        let mut crc = Crc::new();
        crc.update_run(b'x', 300);
        assert_eq!(crc.finish(), bitwise(&[b'x'; 300]));
    }
}
