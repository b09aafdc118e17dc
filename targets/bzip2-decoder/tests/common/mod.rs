//! Test helpers: the C encoder, CRCs, and a tiny bzip2 *writer* that builds blocks field by field, so
//! tests can make streams no real encoder would (randomised blocks, broken fields).
#![allow(dead_code)]

use std::io::Write;

/// Compresses with C libbz2 1.0.8.
pub fn c_compress(data: &[u8], level: u32) -> Vec<u8> {
    let mut encoder = bzip2_c::write::BzEncoder::new(Vec::new(), bzip2_c::Compression::new(level));
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// Decodes with C libbz2 1.0.8 (all streams, as `bzip2 -d`): `None` if it rejects the input.
pub fn c_decompress(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut stream = 0;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let mut state = bzip2_c::Decompress::new(false);
        loop {
            let (before_in, before_out) = (state.total_in(), state.total_out());
            let status = state.decompress(&input[offset + before_in as usize..], &mut buf);
            let produced = (state.total_out() - before_out) as usize;
            out.extend_from_slice(&buf[..produced]);
            match status {
                Err(bzip2_c::Error::DataMagic) if stream > 0 => return Some(out),
                Err(_) => return None,
                Ok(bzip2_c::Status::StreamEnd) => break,
                Ok(_) if produced == 0 && state.total_in() == before_in => return None,
                Ok(_) => {}
            }
        }
        offset += state.total_in() as usize;
        stream += 1;
        if offset >= input.len() {
            return Some(out);
        }
    }
}

/// CRC-32/BZIP2, bit by bit.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in data {
        crc ^= u32::from(byte) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04c1_1db7
            } else {
                crc << 1
            };
        }
    }
    !crc
}

/// Deterministic pseudo-random bytes.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Text-like bytes with long-range repeats (compresses like prose).
pub fn text(len: usize, seed: u64) -> Vec<u8> {
    let words = [
        "the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dog ", "bzip2 ", "block\n",
    ];
    let pick = noise(len, seed);
    let mut out = Vec::with_capacity(len + 8);
    let mut i = 0;
    while out.len() < len {
        out.extend_from_slice(words[usize::from(pick[i % pick.len()]) % words.len()].as_bytes());
        i += 1;
    }
    out.truncate(len);
    out
}

/// Un-RLE1 as the format describes it (`None` when a final run of four lacks its count).
pub fn unrle(block: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < block.len() {
        let byte = block[i];
        let mut run = 1;
        while run < 4 && i + run < block.len() && block[i + run] == byte {
            run += 1;
        }
        out.extend(std::iter::repeat_n(byte, run));
        i += run;
        if run == 4 {
            out.extend(std::iter::repeat_n(byte, usize::from(*block.get(i)?)));
            i += 1;
        }
    }
    Some(out)
}

#[derive(Default)]
pub struct BitWriter {
    pub bytes: Vec<u8>,
    pub bits: u64,
}

impl BitWriter {
    pub fn put(&mut self, width: u32, value: u64) {
        for i in (0..width).rev() {
            if self.bits % 8 == 0 {
                self.bytes.push(0);
            }
            if (value >> i) & 1 == 1 {
                *self.bytes.last_mut().unwrap() |= 0x80 >> (self.bits % 8);
            }
            self.bits += 1;
        }
    }
}

/// One block, field by field. `symbols` includes the final EOB; every symbol is written with the same
/// code length (`code_len`, canonical, so symbol `s` is the code `s`).
#[derive(Clone, Debug)]
pub struct RawBlock {
    pub crc: u32,
    pub randomised: bool,
    pub orig_ptr: u32,
    /// Byte values in use, ascending.
    pub used: Vec<u8>,
    pub symbols: Vec<u16>,
    pub tables: u32,
    /// Selector count written (default: enough for the symbols).
    pub selectors: Option<u32>,
    pub code_len: u32,
    /// Start value of the first table's delta-coded lengths (default: `code_len`).
    pub first_len: Option<u32>,
    /// MTF index written for the first selector (0 is valid; `tables` or more is not).
    pub first_selector: u32,
    /// `+1 −1` pairs written into the first code length of the first table: they change nothing
    /// but the block's size (4 bits each), which no real encoder would pad.
    pub pad_pairs: usize,
}

impl RawBlock {
    /// The block whose inverse BWT is `pre_rle` (the bytes before un-RLE1), CRC over its un-RLE1.
    pub fn from_bwt_input(pre_rle: &[u8]) -> RawBlock {
        let n = pre_rle.len();
        let mut rows: Vec<usize> = (0..n).collect();
        rows.sort_by(|&a, &b| {
            let ra = pre_rle[a..].iter().chain(&pre_rle[..a]);
            let rb = pre_rle[b..].iter().chain(&pre_rle[..b]);
            ra.cmp(rb)
        });
        let last: Vec<u8> = rows.iter().map(|&r| pre_rle[(r + n - 1) % n]).collect();
        let orig_ptr = rows.iter().position(|&r| r == 0).unwrap() as u32;
        let mut used: Vec<u8> = last.clone();
        used.sort_unstable();
        used.dedup();
        let mut mtf: Vec<u8> = used.clone();
        let mut symbols = Vec::new();
        let mut zeros = 0usize;
        let flush = |zeros: &mut usize, symbols: &mut Vec<u16>| {
            if *zeros > 0 {
                let mut pending = *zeros - 1;
                loop {
                    symbols.push((pending & 1) as u16);
                    if pending < 2 {
                        break;
                    }
                    pending = (pending - 2) / 2;
                }
                *zeros = 0;
            }
        };
        for &byte in &last {
            let j = mtf.iter().position(|&b| b == byte).unwrap();
            if j == 0 {
                zeros += 1;
                continue;
            }
            flush(&mut zeros, &mut symbols);
            symbols.push(j as u16 + 1);
            mtf.remove(j);
            mtf.insert(0, byte);
        }
        flush(&mut zeros, &mut symbols);
        symbols.push(used.len() as u16 + 1);
        let alpha = used.len() as u32 + 2;
        let code_len = (32 - (alpha - 1).leading_zeros()).max(1);
        RawBlock {
            crc: unrle(pre_rle).map_or(0, |out| crc32(&out)),
            randomised: false,
            orig_ptr,
            used,
            symbols,
            tables: 2,
            selectors: None,
            code_len,
            first_len: None,
            pad_pairs: 0,
            first_selector: 0,
        }
    }

    pub fn write(&self, w: &mut BitWriter) {
        w.put(48, 0x3141_5926_5359);
        w.put(32, u64::from(self.crc));
        w.put(1, u64::from(self.randomised));
        w.put(24, u64::from(self.orig_ptr));
        let mut ranges = 0u64;
        for &b in &self.used {
            ranges |= 0x8000 >> (b / 16);
        }
        w.put(16, ranges);
        for range in 0..16u8 {
            if ranges & (0x8000 >> range) != 0 {
                let mut bits = 0u64;
                for &b in self.used.iter().filter(|&&b| b / 16 == range) {
                    bits |= 0x8000 >> (b % 16);
                }
                w.put(16, bits);
            }
        }
        w.put(3, u64::from(self.tables));
        let selectors = self
            .selectors
            .unwrap_or(self.symbols.len().div_ceil(50) as u32);
        w.put(15, u64::from(selectors));
        for i in 0..selectors {
            if i == 0 {
                for _ in 0..self.first_selector {
                    w.put(1, 1);
                }
            }
            w.put(1, 0);
        }
        let alpha = self.used.len() + 2;
        for table in 0..self.tables {
            let start = if table == 0 {
                self.first_len.unwrap_or(self.code_len)
            } else {
                self.code_len
            };
            w.put(5, u64::from(start));
            let mut len = start;
            for symbol in 0..alpha {
                while len < self.code_len {
                    w.put(2, 0b10);
                    len += 1;
                }
                while len > self.code_len {
                    w.put(2, 0b11);
                    len -= 1;
                }
                if table == 0 && symbol == 0 {
                    for _ in 0..self.pad_pairs {
                        w.put(4, 0b10_11);
                    }
                }
                w.put(1, 0);
            }
        }
        for &symbol in &self.symbols {
            w.put(self.code_len, u64::from(symbol));
        }
    }
}

/// A whole stream: header, blocks, trailer with the combined CRC (or `stream_crc` if given).
pub fn write_stream(level: u8, blocks: &[RawBlock], stream_crc: Option<u32>) -> Vec<u8> {
    let mut w = BitWriter::default();
    for &b in b"BZh" {
        w.put(8, u64::from(b));
    }
    w.put(8, u64::from(b'0' + level));
    let mut combined = 0u32;
    for block in blocks {
        block.write(&mut w);
        combined = combined.rotate_left(1) ^ block.crc;
    }
    w.put(48, 0x1772_4538_5090);
    w.put(32, u64::from(stream_crc.unwrap_or(combined)));
    w.bytes
}

/// Bounds a test that waits on decoding threads: if it is still running after two minutes (a
/// scheduling bug that never hands a block over), the test binary fails instead of hanging.
pub fn no_hang(test: &str) -> gauntlet_oracle::Deadline {
    gauntlet_oracle::no_hang(test)
}

/// A reader that hands out at most `.1` bytes of `.0` per call.
pub struct Pieces<'a>(pub &'a [u8], pub usize);

impl std::io::Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.1).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

/// Everything `decoder` yields through `buf_len`-byte reads, or the error it stops with.
pub fn drain<R: std::io::Read>(
    mut decoder: bzip2_decoder::Decoder<R>,
    buf_len: usize,
) -> Result<Vec<u8>, bzip2_decoder::Error> {
    use std::io::Read;
    let mut out = Vec::new();
    let mut buf = vec![0u8; buf_len];
    loop {
        match decoder.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(err) => {
                let inner = err.into_inner().expect("decoder errors wrap an Error");
                return Err(*inner
                    .downcast::<bzip2_decoder::Error>()
                    .expect("decoder errors wrap an Error"));
            }
        }
    }
}
