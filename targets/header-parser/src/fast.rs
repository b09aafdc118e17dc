//! The crate's only unsafe code: SSE4.2 and AVX2 block scanners for tokens, request-targets and field
//! values, the entry points that run the whole parser with those features enabled, and the `&[u8]` to `&str`
//! conversion of ASCII bytes. A benchmark put each of them here: the byte-at-a-time token loop,
//! `str::from_utf8` per field name, and an out-of-line call per scan cost about two thirds of the time per
//! head.
//!
//! Soundness rests on two proof types, [`Avx2`] and [`Sse42`]: a value exists only after run-time detection
//! found the feature, and every unsafe call into a `#[target_feature]` function goes through one.
//!
//! The block scanners return `Ok(index)` of the first byte outside the class when they find one, otherwise
//! `Err(index)` where fewer than one block remains, and the scalar scanner finishes from there. The AVX2
//! scanners also finish the tail themselves when the buffer holds at least one block: they load the last 32
//! bytes and ignore the lanes before the resume point. Loads are unaligned and only ever cover
//! `buf[i..i + BLOCK]` with `i + BLOCK <= buf.len()`.

use crate::parse;
use crate::scan::{self, Scan, TCHAR_HIGH_NIBBLE, TCHAR_LOW_NIBBLE};
use crate::{Error, Header, Parser, Request, Response, Status};
#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::{
    __m128i, __m256i, _SIDD_CMP_RANGES, _SIDD_LEAST_SIGNIFICANT, _SIDD_UBYTE_OPS, _mm_and_si128,
    _mm_cmpeq_epi8, _mm_cmpestri, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8, _mm_setr_epi8,
    _mm_setzero_si128, _mm_shuffle_epi8, _mm_srli_epi16, _mm256_and_si256, _mm256_andnot_si256,
    _mm256_broadcastsi128_si256, _mm256_cmpeq_epi8, _mm256_cmpgt_epi8, _mm256_loadu_si256,
    _mm256_min_epu8, _mm256_movemask_epi8, _mm256_or_si256, _mm256_set1_epi8, _mm256_setzero_si256,
    _mm256_shuffle_epi8, _mm256_srli_epi16,
};
#[cfg(target_arch = "x86_64")]
use core::sync::atomic::{AtomicU8, Ordering};

/// `bytes` as `&str` when they are ASCII (always, for the token and target slices the parser passes), else
/// `""`. `is_ascii` is a cheap inlined word loop; `str::from_utf8` was an out-of-line call per field name.
#[inline]
pub(crate) fn ascii_str(bytes: &[u8]) -> &str {
    if bytes.is_ascii() {
        // SAFETY: ASCII bytes are valid UTF-8.
        unsafe { core::str::from_utf8_unchecked(bytes) }
    } else {
        ""
    }
}

/// The longest prefix of `bytes` made of `tchar`s, as `&str`: the class check is the ASCII check.
#[inline(always)]
pub(crate) fn token_prefix(bytes: &[u8]) -> &str {
    let mut n = 0;
    while let Some(&b) = bytes.get(n) {
        if !scan::TCHAR[usize::from(b)] {
            break;
        }
        n += 1;
    }
    let token = &bytes[..n];
    // SAFETY: every byte of `token` is a tchar, and every tchar is ASCII (`TCHAR_IS_ASCII`), so valid UTF-8.
    unsafe { core::str::from_utf8_unchecked(token) }
}

// `TCHAR_IS_ASCII`: no byte with the top bit set is a `tchar`, which `token_prefix`'s soundness rests on.
const _: () = {
    let mut b = 0x80;
    while b < 256 {
        assert!(!scan::TCHAR[b]);
        b += 1;
    }
};

/// The longest prefix of `bytes` made of request-target bytes (`0x21..=0x7E`), as `&str`, a word at a time
/// while eight bytes remain.
#[inline(always)]
pub(crate) fn target_prefix(bytes: &[u8]) -> &str {
    let mut n = 0;
    while let Some(x) = scan::word(bytes, n) {
        if scan::word_leaves_target(x) || x & scan::HIGHS != 0 {
            break;
        }
        n += 8;
    }
    while let Some(&b) = bytes.get(n) {
        if !matches!(b, 0x21..=0x7E) {
            break;
        }
        n += 1;
    }
    let target = &bytes[..n];
    // SAFETY: the word loop steps only over words with no top bit set (the `x & HIGHS` term) and the byte loop
    // only over bytes up to 0x7E, so `target` is ASCII and so valid UTF-8.
    unsafe { core::str::from_utf8_unchecked(target) }
}

/// [`ascii_str`]'s answer for bytes that are not ASCII: never, for the slices the parser passes, so a branch
/// to here is cheaper than selecting it.
#[cfg(target_arch = "x86_64")]
#[cold]
fn not_ascii() -> &'static str {
    ""
}

type RequestResult<'b, 'h> = Result<Status<Request<'b, 'h>>, Error>;
type ResponseResult<'b, 'h> = Result<Status<Response<'b, 'h>>, Error>;

/// Proof that this CPU has AVX2: only [`Avx2::detect`] makes one (directly, or through the cache behind
/// [`Simd::cached`]).
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2(());

/// Proof that this CPU has SSE4.2 (and so SSSE3): only [`Sse42::detect`] makes one (directly, or through
/// the cache behind [`Simd::cached`]).
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sse42(());

/// The best SIMD backend this CPU has, as the parse entry points choose it.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy, Debug)]
pub(crate) enum Simd {
    Avx2(Avx2),
    Sse42(Sse42),
    None,
}

/// [`Simd::detect_now`]'s answer once known: one of the `SIMD_*` values, written only by it. Asking
/// `is_x86_feature_detected!` on every parse cost about ten instructions and, through its initialising
/// call, a full register save in the entry point.
#[cfg(target_arch = "x86_64")]
static SIMD: AtomicU8 = AtomicU8::new(SIMD_UNKNOWN);
#[cfg(target_arch = "x86_64")]
const SIMD_UNKNOWN: u8 = 0;
#[cfg(target_arch = "x86_64")]
const SIMD_NONE: u8 = 1;
#[cfg(target_arch = "x86_64")]
const SIMD_SSE42: u8 = 2;
#[cfg(target_arch = "x86_64")]
const SIMD_AVX2: u8 = 3;

#[cfg(target_arch = "x86_64")]
impl Simd {
    /// What [`Self::detect_now`] found, or `None` before it first ran.
    #[inline(always)]
    pub(crate) fn cached() -> Option<Self> {
        // `SIMD_AVX2` and `SIMD_SSE42` are stored only after the matching `detect` found the feature, so
        // the proofs made here are as sound as theirs. `Relaxed` is enough: every thread that stores a value
        // stores the same one.
        match SIMD.load(Ordering::Relaxed) {
            SIMD_AVX2 => Some(Self::Avx2(Avx2(()))),
            SIMD_SSE42 => Some(Self::Sse42(Sse42(()))),
            SIMD_NONE => Some(Self::None),
            _ => None,
        }
    }

    /// Runs detection and caches the answer for [`Self::cached`].
    #[cold]
    #[inline(never)]
    pub(crate) fn detect_now() -> Self {
        let (found, code) = if let Some(avx2) = Avx2::detect() {
            (Self::Avx2(avx2), SIMD_AVX2)
        } else if let Some(sse42) = Sse42::detect() {
            (Self::Sse42(sse42), SIMD_SSE42)
        } else {
            (Self::None, SIMD_NONE)
        };
        SIMD.store(code, Ordering::Relaxed);
        found
    }
}

#[cfg(target_arch = "x86_64")]
impl Avx2 {
    #[inline]
    pub(crate) fn detect() -> Option<Self> {
        (std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("sse4.2"))
            .then_some(Self(()))
    }

    /// The whole request parse compiled with AVX2 enabled, so the scanners inline into it.
    // This wrapper and the three below are inlined so that `Parser::parse_request`, itself inlined into the
    // caller's crate, calls the `#[target_feature]` copy directly.
    #[inline]
    pub(crate) fn request<'b, 'h>(
        self,
        parser: &Parser,
        input: &'b [u8],
        headers: &'h mut [Header<'b>],
    ) -> RequestResult<'b, 'h> {
        // SAFETY: `self` proves the CPU has AVX2.
        unsafe { request_avx2(self, parser, input, headers) }
    }

    /// The whole response parse compiled with AVX2 enabled.
    #[inline]
    pub(crate) fn response<'b, 'h>(
        self,
        parser: &Parser,
        input: &'b [u8],
        headers: &'h mut [Header<'b>],
    ) -> ResponseResult<'b, 'h> {
        // SAFETY: `self` proves the CPU has AVX2.
        unsafe { response_avx2(self, parser, input, headers) }
    }
}

#[cfg(target_arch = "x86_64")]
impl Sse42 {
    #[inline]
    pub(crate) fn detect() -> Option<Self> {
        std::is_x86_feature_detected!("sse4.2").then_some(Self(()))
    }

    /// The whole request parse compiled with SSE4.2 enabled.
    #[inline]
    pub(crate) fn request<'b, 'h>(
        self,
        parser: &Parser,
        input: &'b [u8],
        headers: &'h mut [Header<'b>],
    ) -> RequestResult<'b, 'h> {
        // SAFETY: `self` proves the CPU has SSE4.2.
        unsafe { request_sse42(self, parser, input, headers) }
    }

    /// The whole response parse compiled with SSE4.2 enabled.
    #[inline]
    pub(crate) fn response<'b, 'h>(
        self,
        parser: &Parser,
        input: &'b [u8],
        headers: &'h mut [Header<'b>],
    ) -> ResponseResult<'b, 'h> {
        // SAFETY: `self` proves the CPU has SSE4.2.
        unsafe { response_sse42(self, parser, input, headers) }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn request_avx2<'b, 'h>(
    scan: Avx2,
    parser: &Parser,
    input: &'b [u8],
    headers: &'h mut [Header<'b>],
) -> RequestResult<'b, 'h> {
    parse::request_in(scan, *parser, input, headers)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn response_avx2<'b, 'h>(
    scan: Avx2,
    parser: &Parser,
    input: &'b [u8],
    headers: &'h mut [Header<'b>],
) -> ResponseResult<'b, 'h> {
    parse::response_in(scan, *parser, input, headers)
}

/// The plain field lines compiled with AVX2 enabled, out of line: inlined into the whole parse, the loop
/// shared the registers with the start-line's results and spilled a third of its values to the stack.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline(never)]
unsafe fn fields_avx2<'b>(
    scan: Avx2,
    input: &'b [u8],
    at: usize,
    headers: &mut [Header<'b>],
) -> (usize, usize) {
    parse::field_lines(scan, input, at, headers)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.2")]
unsafe fn request_sse42<'b, 'h>(
    scan: Sse42,
    parser: &Parser,
    input: &'b [u8],
    headers: &'h mut [Header<'b>],
) -> RequestResult<'b, 'h> {
    parse::request_in(scan, *parser, input, headers)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.2")]
unsafe fn response_sse42<'b, 'h>(
    scan: Sse42,
    parser: &Parser,
    input: &'b [u8],
    headers: &'h mut [Header<'b>],
) -> ResponseResult<'b, 'h> {
    parse::response_in(scan, *parser, input, headers)
}

#[cfg(target_arch = "x86_64")]
impl Scan for Avx2 {
    #[inline(always)]
    fn token_end(self, buf: &[u8], from: usize) -> usize {
        // SAFETY: `self` proves the CPU has AVX2.
        match unsafe { scan_avx2::<TOKEN>(buf, from) } {
            Ok(stop) => stop,
            Err(rest) => scan::token_end_scalar(buf, rest),
        }
    }

    #[inline(always)]
    fn target_end(self, buf: &[u8], from: usize) -> usize {
        // SAFETY: `self` proves the CPU has AVX2.
        match unsafe { scan_avx2::<TARGET>(buf, from) } {
            Ok(stop) => stop,
            Err(rest) => scan::target_end_scalar(buf, rest),
        }
    }

    #[inline(always)]
    fn value_end(self, buf: &[u8], from: usize) -> usize {
        // SAFETY: `self` proves the CPU has AVX2.
        match unsafe { scan_avx2::<VALUE>(buf, from) } {
            Ok(stop) => stop,
            Err(rest) => scan::value_end_scalar(buf, rest),
        }
    }

    #[inline(always)]
    fn plain_fields<'b>(
        self,
        buf: &'b [u8],
        at: usize,
        headers: &mut [Header<'b>],
    ) -> (usize, usize) {
        // SAFETY: `self` proves the CPU has AVX2.
        unsafe { fields_avx2(self, buf, at, headers) }
    }

    #[inline(always)]
    fn window(self, buf: &[u8], base: usize) -> Option<scan::Window> {
        self.window_masks(buf, base)
    }

    #[inline(always)]
    fn ascii(self, buf: &[u8], start: usize, end: usize) -> &str {
        self.ascii_in(buf, start, end)
    }
}

#[cfg(target_arch = "x86_64")]
impl Avx2 {
    /// [`ascii_str`] of `buf[start..end]` with one 32-byte load and a movemask instead of `is_ascii`'s byte
    /// loop (which cost about 25 instructions per field name): the slice is checked through the 32 bytes
    /// ending at `end`, or the first 32 bytes of `buf` when `end` is nearer its start.
    #[inline(always)]
    pub(crate) fn ascii_in(self, buf: &[u8], start: usize, end: usize) -> &str {
        let bytes = &buf[start..end];
        if bytes.len() > 32 || buf.len() < 32 {
            return ascii_str(bytes);
        }
        // The top bits of the slice's bytes, in its low bits.
        let high = if end >= 32 {
            // SAFETY: `end - 32 + 32 == end <= buf.len()`, so the 32-byte unaligned load stays inside `buf`;
            // `self` proves the CPU has AVX2.
            let high = unsafe {
                _mm256_movemask_epi8(_mm256_loadu_si256(
                    buf.as_ptr().add(end - 32).cast::<__m256i>(),
                ))
            };
            // Bit `k` is the top bit of `buf[end - 32 + k]`: the slice is the top `bytes.len()` bits.
            u64::from(high as u32) >> (32 - bytes.len())
        } else {
            // SAFETY: `32 <= buf.len()`, so the 32-byte unaligned load stays inside `buf`; `self` proves the
            // CPU has AVX2.
            let high =
                unsafe { _mm256_movemask_epi8(_mm256_loadu_si256(buf.as_ptr().cast::<__m256i>())) };
            // Bit `k` is the top bit of `buf[k]`, and `end < 32`.
            (u64::from(high as u32) >> start) & ((1u64 << bytes.len()) - 1)
        };
        if high != 0 {
            return not_ascii();
        }
        // SAFETY: every byte of `bytes` has its top bit clear, so it is ASCII and so valid UTF-8.
        unsafe { core::str::from_utf8_unchecked(bytes) }
    }

    #[inline(always)]
    fn window_masks(self, buf: &[u8], base: usize) -> Option<scan::Window> {
        if base < buf.len() && buf.len() - base >= 64 {
            // The usual case, 64 bytes from `base`: nothing to shift or mark.
            let (not_token, not_value) = self.classify_64(buf, base);
            return Some(scan::Window {
                not_token,
                not_value,
                len: 64,
            });
        }
        if buf.len() < 64 || base >= buf.len() {
            return None;
        }
        // The last 64 bytes of the buffer, shifted so that bit 0 is `base`.
        let start = buf.len() - 64;
        let (not_token, not_value) = self.classify_64(buf, start);
        Some(scan::Window::new(not_token, not_value, 64, start, base))
    }

    /// The bytes outside the token class and outside the value class among the 64 bytes from `start`, bit
    /// `k` for byte `start + k`.
    ///
    /// # Panics
    /// If `start + 64 > buf.len()`.
    #[inline(always)]
    fn classify_64(self, buf: &[u8], start: usize) -> (u64, u64) {
        let block: &[u8; 64] = buf[start..start + 64].try_into().expect("64 bytes");
        // SAFETY: `block` holds 64 bytes, so both 32-byte unaligned loads stay inside it; `self` proves the
        // CPU has AVX2.
        unsafe {
            let lo = _mm256_loadu_si256(block.as_ptr().cast::<__m256i>());
            let hi = _mm256_loadu_si256(block.as_ptr().add(32).cast::<__m256i>());
            (
                u64::from(outside_avx2::<TOKEN>(lo)) | u64::from(outside_avx2::<TOKEN>(hi)) << 32,
                u64::from(outside_avx2::<VALUE>(lo)) | u64::from(outside_avx2::<VALUE>(hi)) << 32,
            )
        }
    }
}

#[cfg(target_arch = "x86_64")]
impl Scan for Sse42 {
    #[inline(always)]
    fn token_end(self, buf: &[u8], from: usize) -> usize {
        // SAFETY: `self` proves the CPU has SSE4.2.
        match unsafe { token_sse42(buf, from) } {
            Ok(stop) => stop,
            Err(rest) => scan::token_end_scalar(buf, rest),
        }
    }

    #[inline(always)]
    fn target_end(self, buf: &[u8], from: usize) -> usize {
        // SAFETY: `self` proves the CPU has SSE4.2.
        match unsafe { target_sse42(buf, from) } {
            Ok(stop) => stop,
            Err(rest) => scan::target_end_scalar(buf, rest),
        }
    }

    #[inline(always)]
    fn value_end(self, buf: &[u8], from: usize) -> usize {
        // SAFETY: `self` proves the CPU has SSE4.2.
        match unsafe { value_sse42(buf, from) } {
            Ok(stop) => stop,
            Err(rest) => scan::value_end_scalar(buf, rest),
        }
    }
}

#[cfg(target_arch = "x86_64")]
const SSE_MODE: i32 = _SIDD_UBYTE_OPS | _SIDD_CMP_RANGES | _SIDD_LEAST_SIGNIFICANT;

/// Runs `pcmpestri` in ranges mode: `ranges` holds `ranges_len` bytes of (low, high) pairs of *stop* bytes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.2")]
#[inline]
unsafe fn scan_ranges_sse42(
    buf: &[u8],
    mut i: usize,
    ranges: __m128i,
    ranges_len: i32,
) -> Result<usize, usize> {
    while i + 16 <= buf.len() {
        // SAFETY: `i + 16 <= buf.len()`, so the 16-byte unaligned load stays inside `buf`.
        let block = unsafe { _mm_loadu_si128(buf.as_ptr().add(i).cast::<__m128i>()) };
        let found = _mm_cmpestri::<SSE_MODE>(ranges, ranges_len, block, 16);
        if found != 16 {
            return Ok(i + found as usize);
        }
        i += 16;
    }
    Err(i)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.2")]
#[inline]
unsafe fn target_sse42(buf: &[u8], from: usize) -> Result<usize, usize> {
    // Stop bytes as (low, high) pairs: controls and SP, then DEL and everything above.
    let stops = _mm_setr_epi8(0x00, 0x20, 0x7F, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    // SAFETY: this function has SSE4.2 enabled, as its caller proved the CPU supports.
    unsafe { scan_ranges_sse42(buf, from, stops, 4) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.2")]
#[inline]
unsafe fn value_sse42(buf: &[u8], from: usize) -> Result<usize, usize> {
    // Stop bytes as (low, high) pairs: the controls before HTAB, the ones after it, and DEL.
    let stops = _mm_setr_epi8(
        0x00, 0x08, 0x0A, 0x1F, 0x7F, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    );
    // SAFETY: this function has SSE4.2 enabled, as its caller proved the CPU supports.
    unsafe { scan_ranges_sse42(buf, from, stops, 6) }
}

// A byte is a tchar when LOW[b & 15] & HIGH[b >> 4] != 0: each high nibble 2..=7 owns one bit, and the low
// table lists, per low nibble, the rows holding a tchar. Bytes >= 0x80 have a zero HIGH entry.

/// Skips whole 16-byte blocks of `tchar`s with an SSSE3 nibble lookup (SSE4.2 implies SSSE3).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.2")]
#[inline]
unsafe fn token_sse42(buf: &[u8], mut i: usize) -> Result<usize, usize> {
    // SAFETY: both tables are 16-byte arrays, so each unaligned 16-byte load reads exactly one of them.
    let (low, high) = unsafe {
        (
            _mm_loadu_si128(TCHAR_LOW_NIBBLE.as_ptr().cast::<__m128i>()),
            _mm_loadu_si128(TCHAR_HIGH_NIBBLE.as_ptr().cast::<__m128i>()),
        )
    };
    let nibble = _mm_set1_epi8(0x0F);
    while i + 16 <= buf.len() {
        // SAFETY: `i + 16 <= buf.len()`, so the 16-byte unaligned load stays inside `buf`.
        let block = unsafe { _mm_loadu_si128(buf.as_ptr().add(i).cast::<__m128i>()) };
        let row = _mm_shuffle_epi8(high, _mm_and_si128(_mm_srli_epi16::<4>(block), nibble));
        let column = _mm_shuffle_epi8(low, _mm_and_si128(block, nibble));
        let outside = _mm_cmpeq_epi8(_mm_and_si128(row, column), _mm_setzero_si128());
        let mask = _mm_movemask_epi8(outside) as u32;
        if mask != 0 {
            return Ok(i + mask.trailing_zeros() as usize);
        }
        i += 16;
    }
    Err(i)
}

/// Which class an AVX2 scan looks for the end of.
#[cfg(target_arch = "x86_64")]
const TOKEN: u8 = 0;
#[cfg(target_arch = "x86_64")]
const TARGET: u8 = 1;
#[cfg(target_arch = "x86_64")]
const VALUE: u8 = 2;

/// One bit per byte of `block`: set where the byte is outside class `CLASS`.
///
/// Not a `#[target_feature]` function but `#[inline(always)]`: it is inlined into the parser copy that
/// [`request_avx2`] compiles with AVX2 enabled, where the intrinsics inline too (a `#[target_feature]` callee
/// is left to LLVM's inlining heuristics, which kept the scanners out of line).
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn outside_avx2<const CLASS: u8>(block: __m256i) -> u32 {
    // SAFETY: the caller guarantees AVX2; the table loads read exactly the two 16-byte arrays.
    unsafe {
        let mask = match CLASS {
            TOKEN => {
                // A byte is a tchar when LOW[b & 15] & HIGH[b >> 4] != 0 (see `scan::TCHAR_LOW_NIBBLE`).
                let low = _mm256_broadcastsi128_si256(_mm_loadu_si128(
                    TCHAR_LOW_NIBBLE.as_ptr().cast::<__m128i>(),
                ));
                let high = _mm256_broadcastsi128_si256(_mm_loadu_si128(
                    TCHAR_HIGH_NIBBLE.as_ptr().cast::<__m128i>(),
                ));
                let nibble = _mm256_set1_epi8(0x0F);
                let row = _mm256_shuffle_epi8(
                    high,
                    _mm256_and_si256(_mm256_srli_epi16::<4>(block), nibble),
                );
                let column = _mm256_shuffle_epi8(low, _mm256_and_si256(block, nibble));
                _mm256_cmpeq_epi8(_mm256_and_si256(row, column), _mm256_setzero_si256())
            }
            TARGET => {
                // As signed bytes, 0x80..=0xFF are negative, so `0x21 > b` catches them and 0x00..=0x20 alike;
                // only DEL is left to catch separately.
                let low_or_high = _mm256_cmpgt_epi8(_mm256_set1_epi8(0x21), block);
                _mm256_or_si256(
                    low_or_high,
                    _mm256_cmpeq_epi8(block, _mm256_set1_epi8(0x7F)),
                )
            }
            _ => {
                // Unsigned `b <= 0x1F` is `min(b, 0x1F) == b`; HTAB is allowed, DEL is not.
                let control =
                    _mm256_cmpeq_epi8(_mm256_min_epu8(block, _mm256_set1_epi8(0x1F)), block);
                let tab = _mm256_cmpeq_epi8(block, _mm256_set1_epi8(0x09));
                let del = _mm256_cmpeq_epi8(block, _mm256_set1_epi8(0x7F));
                _mm256_or_si256(_mm256_andnot_si256(tab, control), del)
            }
        };
        _mm256_movemask_epi8(mask) as u32
    }
}

/// Finds the first byte outside class `CLASS` from `i`: whole 32-byte blocks, then the last 32 bytes of the
/// buffer with the lanes before the resume point shifted out.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn scan_avx2<const CLASS: u8>(buf: &[u8], mut i: usize) -> Result<usize, usize> {
    while i + 32 <= buf.len() {
        // SAFETY: `i + 32 <= buf.len()`, so the 32-byte unaligned load stays inside `buf`; the caller
        // guarantees AVX2.
        let mask = unsafe {
            outside_avx2::<CLASS>(_mm256_loadu_si256(buf.as_ptr().add(i).cast::<__m256i>()))
        };
        if mask != 0 {
            return Ok(i + mask.trailing_zeros() as usize);
        }
        i += 32;
    }
    if i >= buf.len() || buf.len() < 32 {
        return Err(i);
    }
    let base = buf.len() - 32;
    // SAFETY: `base + 32 == buf.len()`, so the load covers the last 32 bytes of `buf`; AVX2 as above.
    let mask = unsafe {
        outside_avx2::<CLASS>(_mm256_loadu_si256(buf.as_ptr().add(base).cast::<__m256i>()))
    };
    // `base < i < base + 32`: lanes before `i` were scanned already (or precede `from`), so shift them out.
    let mask = mask >> (i - base);
    Ok(if mask != 0 {
        i + mask.trailing_zeros() as usize
    } else {
        buf.len()
    })
}
