//! Byte classes and the scanners that find the first byte outside a class.
//!
//! Each scanner returns the index of the first byte at or after `from` that is *not* in its class, or
//! `buf.len()`. The SIMD backends (in [`crate::fast`]) only ever advance `from` over whole blocks that are in
//! the class; the scalar code here always has the last word, so every backend returns the same index.

use crate::fast;

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

/// The three scans the parser needs. Implemented by [`Scalar`] here and by the SIMD proofs in
/// [`crate::fast`]; the parser is generic over it, so each backend gets its own fully inlined copy.
pub(crate) trait Scan: Copy {
    /// First index at or after `from` whose byte is not a `tchar`.
    fn token_end(self, buf: &[u8], from: usize) -> usize;
    /// First index at or after `from` whose byte is not a request-target byte.
    fn target_end(self, buf: &[u8], from: usize) -> usize;
    /// First index at or after `from` whose byte is not a field-value byte.
    fn value_end(self, buf: &[u8], from: usize) -> usize;
    /// `buf[start..end]` (token or target bytes, ASCII by construction) as `&str`, or `""` if it is not ASCII
    /// after all. Takes the whole buffer so that a SIMD backend may check the slice with one load that
    /// reaches past it.
    #[inline(always)]
    fn ascii(self, buf: &[u8], start: usize, end: usize) -> &str {
        fast::ascii_str(&buf[start..end])
    }
    /// The plain field lines from `at` ([`crate::parse::field_lines`]), for backends with cheap
    /// [`Self::window`]s: where it stopped and how many headers it stored. By default none.
    #[inline(always)]
    fn plain_fields<'b>(
        self,
        buf: &'b [u8],
        at: usize,
        headers: &mut [crate::Header<'b>],
    ) -> (usize, usize) {
        let _ = (buf, headers);
        (at, 0)
    }
    /// The classes of `buf[base..]` (up to 64 bytes) as bit masks, for backends that compute them cheaply
    /// (AVX2), which [`Self::plain_fields`] reads.
    #[inline(always)]
    fn window(self, buf: &[u8], base: usize) -> Option<Window> {
        let _ = (buf, base);
        None
    }
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

/// [`Scan::window`] computed byte by byte: the reference the SIMD version is tested against.
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

/// The portable backend: a table loop for tokens, word-at-a-time (SWAR) loops for targets and values.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scalar;

impl Scan for Scalar {
    #[inline(always)]
    fn token_end(self, buf: &[u8], from: usize) -> usize {
        token_end_scalar(buf, from)
    }

    #[inline(always)]
    fn target_end(self, buf: &[u8], from: usize) -> usize {
        target_end_scalar(buf, from)
    }

    #[inline(always)]
    fn value_end(self, buf: &[u8], from: usize) -> usize {
        value_end_scalar(buf, from)
    }
}

/// Which scanner implementation runs. The SIMD variants only choose; the proof that the CPU has the feature
/// is a value of [`crate::fast::Avx2`] or [`crate::fast::Sse42`], made by detection when the parse starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Sse42,
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Backend {
    /// Every backend this CPU can run, scalar first (tests compare them all).
    #[cfg_attr(not(any(test, feature = "fuzzing")), allow(dead_code))]
    pub(crate) fn available() -> Vec<Self> {
        #[allow(unused_mut)]
        let mut all = vec![Self::Scalar];
        #[cfg(target_arch = "x86_64")]
        {
            if fast::Sse42::detect().is_some() {
                all.push(Self::Sse42);
            }
            if fast::Avx2::detect().is_some() {
                all.push(Self::Avx2);
            }
        }
        all
    }
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

    /// Runs one scan (0 token, 1 target, 2 value) on `backend`, through the proofs the parser uses.
    fn run(backend: Backend, which: u8, buf: &[u8], from: usize) -> usize {
        fn pick(scan: impl Scan, which: u8, buf: &[u8], from: usize) -> usize {
            match which {
                0 => scan.token_end(buf, from),
                1 => scan.target_end(buf, from),
                _ => scan.value_end(buf, from),
            }
        }
        match backend {
            Backend::Scalar => pick(Scalar, which, buf, from),
            #[cfg(target_arch = "x86_64")]
            Backend::Sse42 => pick(fast::Sse42::detect().unwrap(), which, buf, from),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => pick(fast::Avx2::detect().unwrap(), which, buf, from),
        }
    }

    fn token_end(buf: &[u8], from: usize, backend: Backend) -> usize {
        run(backend, 0, buf, from)
    }

    fn target_end(buf: &[u8], from: usize, backend: Backend) -> usize {
        run(backend, 1, buf, from)
    }

    fn value_end(buf: &[u8], from: usize, backend: Backend) -> usize {
        run(backend, 2, buf, from)
    }

    fn naive(buf: &[u8], from: usize, class: fn(u8) -> bool) -> usize {
        buf[from..]
            .iter()
            .position(|&b| !class(b))
            .map_or(buf.len(), |p| from + p)
    }

    /// Every backend agrees with the class definition for every byte value at every position of buffers of
    /// 1 to 34 bytes and of 48, 64, 65 and 70 bytes (so in 32-, 16- and 8-byte blocks, in the overlapping
    /// last block and in every tail), from two start offsets.
    #[test]
    #[cfg_attr(
        miri,
        ignore = "exhaustive: too slow under Miri; `miri_sized_sample` covers the unsafe paths"
    )]
    fn every_backend_matches_the_class_for_every_byte_at_every_position() {
        for backend in Backend::available() {
            for len in (1..=34usize).chain([48, 64, 65, 70]) {
                let mut buf = vec![b'a'; len];
                for pos in 0..len {
                    for byte in 0..=255u8 {
                        buf[pos] = byte;
                        for from in [0, 3].into_iter().filter(|&f| f <= pos) {
                            let value = if is_value_byte(byte) { len } else { pos };
                            let target = if is_target_byte(byte) { len } else { pos };
                            let token = if TCHAR[byte as usize] { len } else { pos };
                            assert_eq!(
                                token_end(&buf, from, backend),
                                token,
                                "token {backend:?} {len} {pos} {byte:#x}"
                            );
                            assert_eq!(
                                value_end(&buf, from, backend),
                                value,
                                "value {backend:?} {len} {pos} {byte:#x}"
                            );
                            assert_eq!(
                                target_end(&buf, from, backend),
                                target,
                                "target {backend:?} {len} {pos} {byte:#x}"
                            );
                        }
                    }
                    buf[pos] = b'a';
                }
            }
        }
    }

    /// The unsafe block loads at every alignment and buffer length around the 16- and 32-byte blocks,
    /// small enough for Miri (run with `-C target-feature=+avx2,+sse4.2` so the SIMD backends are detected).
    #[test]
    fn miri_sized_sample() {
        #[cfg(all(
            target_arch = "x86_64",
            target_feature = "avx2",
            target_feature = "sse4.2"
        ))]
        assert_eq!(
            Backend::available().len(),
            3,
            "SIMD compiled in but not detected"
        );
        let stops = [0x00u8, b'\t', b'\r', b' ', b':', 0x7F, 0x80];
        for backend in Backend::available() {
            for len in [0usize, 1, 15, 16, 17, 31, 32, 33, 40, 63, 64, 65] {
                for pos in [0, len / 2, len.saturating_sub(1)]
                    .into_iter()
                    .filter(|&p| p < len)
                {
                    for &byte in &stops {
                        let mut buf = vec![b'a'; len];
                        buf[pos] = byte;
                        for from in [0, 1].into_iter().filter(|&f| f <= pos) {
                            assert_eq!(
                                token_end(&buf, from, backend),
                                naive(&buf, from, |b| TCHAR[usize::from(b)])
                            );
                            assert_eq!(
                                target_end(&buf, from, backend),
                                naive(&buf, from, is_target_byte)
                            );
                            assert_eq!(
                                value_end(&buf, from, backend),
                                naive(&buf, from, is_value_byte)
                            );
                        }
                    }
                }
                let clean = vec![b'a'; len];
                assert_eq!(value_end(&clean, 0, backend), len);
            }
        }
    }

    /// `Scan::ascii` on every backend agrees with `is_ascii` for every slice of buffers around the 32-byte
    /// load (shorter than, exactly, and longer than one load), with a non-ASCII byte at each of a few places:
    /// slices ending at byte 32 or later take the load that ends with them, earlier ones the load of the
    /// first 32 bytes, longer ones `is_ascii`. Small enough for Miri.
    #[test]
    fn miri_sized_ascii_matches_is_ascii() {
        fn ascii(backend: Backend, buf: &[u8], start: usize, end: usize) -> &str {
            match backend {
                Backend::Scalar => Scalar.ascii(buf, start, end),
                #[cfg(target_arch = "x86_64")]
                Backend::Sse42 => fast::Sse42::detect().unwrap().ascii(buf, start, end),
                #[cfg(target_arch = "x86_64")]
                Backend::Avx2 => fast::Avx2::detect().unwrap().ascii(buf, start, end),
            }
        }
        let lens: &[usize] = if cfg!(miri) {
            &[31, 32, 40]
        } else {
            &[0, 1, 31, 32, 33, 40, 64, 70]
        };
        for backend in Backend::available() {
            for &len in lens {
                for bad in [None, Some(0), Some(len / 2), Some(len.saturating_sub(1))] {
                    let mut buf = vec![b'a'; len];
                    if let Some(at) = bad.filter(|&at| at < len) {
                        buf[at] = 0x80;
                    }
                    let step = if cfg!(miri) { 3 } else { 1 };
                    for start in (0..=len).step_by(step) {
                        for end in (start..=len).step_by(step) {
                            let slice = &buf[start..end];
                            let want = if slice.is_ascii() {
                                core::str::from_utf8(slice).unwrap()
                            } else {
                                ""
                            };
                            let got = ascii(backend, &buf, start, end);
                            assert_eq!(got, want, "{backend:?} {len} {bad:?} {start}..{end}");
                            assert!(got.is_empty() || got.as_ptr() == slice.as_ptr());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn scans_start_at_from_and_stop_at_the_end() {
        let buf = b"\x00\x00abc";
        for backend in Backend::available() {
            assert_eq!(value_end(buf, 2, backend), 5);
            assert_eq!(target_end(buf, 5, backend), 5);
            assert_eq!(value_end(&[], 0, backend), 0);
        }
        assert_eq!(naive(buf, 0, is_value_byte), 0);
    }

    #[test]
    fn value_scan_continues_past_tabs_in_every_backend() {
        let mut buf = vec![b'x'; 100];
        for i in (0..100).step_by(9) {
            buf[i] = b'\t';
        }
        buf[97] = b'\r';
        for backend in Backend::available() {
            assert_eq!(value_end(&buf, 0, backend), 97, "{backend:?}");
        }
    }

    #[test]
    fn nibble_tables_classify_every_byte_like_the_tchar_table() {
        for b in 0..=255u8 {
            let hit = TCHAR_LOW_NIBBLE[usize::from(b & 0x0F)]
                & TCHAR_HIGH_NIBBLE[usize::from(b >> 4)]
                != 0;
            assert_eq!(hit, TCHAR[usize::from(b)], "byte {b:#x}");
        }
    }

    #[test]
    fn token_table_is_rfc_9110_tchar() {
        let listed =
            b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for b in 0..=255u8 {
            assert_eq!(TCHAR[b as usize], listed.contains(&b), "byte {b:#x}");
        }
    }

    #[test]
    fn swar_helpers_are_exact() {
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
