//! Byte classes, and the scalar scanners that find the first byte outside one.
//!
//! Each scanner returns the index of the first byte at or after `from` that is *not* in its class, or
//! `buf.len()`. The SIMD scanners ([`crate::simd`]) only ever advance over whole blocks that are in the
//! class, or finish themselves; where they stop short, the scalar code here has the last word, so every
//! backend returns the same index. This module imports nothing from the crate.

/// `tchar` (RFC 9110 §5.6.2): the bytes of methods, field names and transfer codings.
pub(crate) static TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    table
};

/// Per low nibble, the high nibbles (2..=7, one bit each) whose byte is a `tchar` (for the SIMD lookup).
pub(crate) static TCHAR_LOW_NIBBLE: [u8; 16] = {
    let mut table = [0u8; 16];
    let mut b = 0x20;
    while b < 0x80 {
        if TCHAR[b] {
            table[b & 0x0F] |= 1 << (b >> 4);
        }
        b += 1;
    }
    table
};

/// The bit each high nibble owns in [`TCHAR_LOW_NIBBLE`]; zero for rows without tchars.
pub(crate) static TCHAR_HIGH_NIBBLE: [u8; 16] = [
    0,
    0,
    1 << 2,
    1 << 3,
    1 << 4,
    1 << 5,
    1 << 6,
    1 << 7,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
];

/// Request-target bytes: visible ASCII (RFC 9112 §3.2 with RFC 3986's characters, plus the unsafe ones
/// real clients send, such as `|` and `{`).
#[inline]
pub(crate) const fn is_target_byte(b: u8) -> bool {
    matches!(b, 0x21..=0x7E)
}

/// `field-vchar / SP / HTAB` (RFC 9110 §5.5): everything except the controls other than HTAB, and DEL.
/// The same class serves the reason phrase (RFC 9112 §4).
#[inline]
pub(crate) const fn is_value_byte(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7F)
}

const ONES: u64 = 0x0101_0101_0101_0101;
pub(crate) const HIGHS: u64 = 0x8080_8080_8080_8080;

/// True when some byte of `x` is below `n` (exact for `n <= 0x80`).
#[inline]
const fn has_less(x: u64, n: u8) -> bool {
    (x.wrapping_sub(ONES * n as u64) & !x & HIGHS) != 0
}

/// True when some byte of `x` equals `b`.
#[inline]
const fn has_byte(x: u64, b: u8) -> bool {
    has_less(x ^ (ONES * b as u64), 1)
}

/// True when some byte of the little-endian word `x` is not a request-target byte.
#[inline(always)]
pub(crate) const fn word_leaves_target(x: u64) -> bool {
    has_less(x, 0x21) || (x & HIGHS) != 0 || has_byte(x, 0x7F)
}

/// True when some byte of the little-endian word `x` is a control (HTAB included) or DEL.
#[inline(always)]
const fn word_may_leave_value(x: u64) -> bool {
    has_less(x, 0x20) || has_byte(x, 0x7F)
}

#[inline(always)]
pub(crate) fn word(buf: &[u8], i: usize) -> Option<u64> {
    let bytes: [u8; 8] = buf.get(i..i + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// Byte classes of up to 64 bytes from a base position: bit `k` describes byte `base + k`. Bits from `len`
/// up (past the data the masks cover) are set in both masks, so a search for the first set bit never runs
/// past it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Window {
    /// Bytes that are not `tchar`s.
    pub(crate) not_token: u64,
    /// Bytes that are not field-value bytes.
    pub(crate) not_value: u64,
    /// How many bytes the masks describe (at most 64).
    pub(crate) len: usize,
}

impl Window {
    /// The masks from per-byte class bits of the `span` (at most 64) bytes at `start`, where
    /// `start <= base < start + span`, shifted so that bit 0 is `base`.
    #[inline(always)]
    pub(crate) fn new(
        not_token: u64,
        not_value: u64,
        span: usize,
        start: usize,
        base: usize,
    ) -> Self {
        let skip = base - start;
        let len = span - skip;
        let beyond = if len >= 64 { 0 } else { u64::MAX << len };
        Window {
            not_token: (not_token >> skip) | beyond,
            not_value: (not_value >> skip) | beyond,
            len,
        }
    }
}

/// [`crate::scan::Scan::window`] computed byte by byte: the reference the SIMD version is tested against.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn window_scalar(buf: &[u8], base: usize) -> Option<Window> {
    let bytes = buf.get(base..)?;
    let span = bytes.len().min(64);
    let (mut not_token, mut not_value) = (0u64, 0u64);
    for (k, &b) in bytes.iter().take(span).enumerate() {
        not_token |= u64::from(!TCHAR[usize::from(b)]) << k;
        not_value |= u64::from(!is_value_byte(b)) << k;
    }
    Some(Window::new(not_token, not_value, span, base, base))
}

/// Byte-at-a-time table scan for `tchar`s.
#[inline]
pub(crate) fn token_end_scalar(buf: &[u8], mut from: usize) -> usize {
    while let Some(&b) = buf.get(from) {
        if !TCHAR[b as usize] {
            break;
        }
        from += 1;
    }
    from
}

/// Word-at-a-time (SWAR) scalar scan for target bytes.
pub(crate) fn target_end_scalar(buf: &[u8], mut i: usize) -> usize {
    while let Some(x) = word(buf, i) {
        if word_leaves_target(x) {
            break;
        }
        i += 8;
    }
    while let Some(&b) = buf.get(i) {
        if !is_target_byte(b) {
            break;
        }
        i += 1;
    }
    i
}

/// Word-at-a-time (SWAR) scalar scan for field-value bytes. A word holding HTAB drops to the byte loop,
/// which accepts it and carries on.
pub(crate) fn value_end_scalar(buf: &[u8], i: usize) -> usize {
    value_end_inline(buf, i)
}

/// [`value_end_scalar`], inlined into the caller (the short-head path).
#[inline(always)]
pub(crate) fn value_end_inline(buf: &[u8], mut i: usize) -> usize {
    loop {
        while let Some(x) = word(buf, i) {
            if word_may_leave_value(x) {
                break;
            }
            i += 8;
        }
        // At most one word's worth of bytes one at a time, then back to words.
        let stop = (i + 8).min(buf.len());
        while i < stop {
            if !is_value_byte(buf[i]) {
                return i;
            }
            i += 1;
        }
        if i >= buf.len() {
            return i;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_is_eight_bytes_little_endian_or_none() {
        let _deadline = gauntlet_oracle::no_hang("a_word_is_eight_bytes_little_endian_or_none");
        let buf = b"\x01\x02\x03\x04\x05\x06\x07\x08\x09";
        assert_eq!(word(buf, 0), Some(0x0807_0605_0403_0201));
        assert_eq!(word(buf, 1), Some(0x0908_0706_0504_0302));
        assert_eq!(word(buf, 2), None);
        assert_eq!(word(b"", 0), None);
    }

    #[test]
    fn nibble_tables_classify_every_byte_like_the_tchar_table() {
        let _deadline =
            gauntlet_oracle::no_hang("nibble_tables_classify_every_byte_like_the_tchar_table");
        for b in 0..=255u8 {
            let hit = TCHAR_LOW_NIBBLE[usize::from(b & 0x0F)]
                & TCHAR_HIGH_NIBBLE[usize::from(b >> 4)]
                != 0;
            assert_eq!(hit, TCHAR[usize::from(b)], "byte {b:#x}");
        }
    }

    #[test]
    fn token_table_is_rfc_9110_tchar() {
        let _deadline = gauntlet_oracle::no_hang("token_table_is_rfc_9110_tchar");
        let listed =
            b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for b in 0..=255u8 {
            assert_eq!(TCHAR[b as usize], listed.contains(&b), "byte {b:#x}");
        }
    }

    #[test]
    fn swar_helpers_are_exact() {
        let _deadline = gauntlet_oracle::no_hang("swar_helpers_are_exact");
        for b in 0..=255u8 {
            for lane in 0..8 {
                let mut bytes = [b'a'; 8];
                bytes[lane] = b;
                let x = u64::from_le_bytes(bytes);
                assert_eq!(has_less(x, 0x21), b < 0x21, "{b:#x}");
                assert_eq!(has_less(x, 0x20), b < 0x20, "{b:#x}");
                assert_eq!(has_byte(x, 0x7F), b == 0x7F, "{b:#x}");
            }
        }
    }
}
