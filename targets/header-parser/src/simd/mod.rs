//! The crate's only unsafe code: the SIMD scanners, the run-time dispatch that compiles the whole parser once
//! per instruction set, and the `&[u8]` to `&str` conversion of ASCII bytes. A benchmark put each of them
//! here: the byte-at-a-time token loop, `str::from_utf8` per field name, and an out-of-line call per scan
//! cost about two thirds of the time per head.
//!
//! The scanners are written once ([`generic`]) over a small vector trait ([`Vector`]); each instruction set
//! provides only its primitives (`sse42.rs`: 16-byte vectors, `avx2.rs`: 32-byte ones).
//!
//! Soundness rests on one proof type, [`Proof<V>`]: a value exists only after run-time detection found `V`'s
//! instruction set, and every unsafe call into instruction-set code takes one. Outside this module
//! everything is safe: the proof's methods and [`Proof::run`].
//!
//! The block scanners return `Ok(index)` of the first byte outside the class, or `Err(index)` when the buffer
//! is shorter than one vector and the scalar scanner must finish from there. When the buffer holds at least
//! one vector they finish the tail themselves: they load its last vector and ignore the lanes before the
//! resume point. Loads are unaligned and only ever cover `buf[i..i + V::BYTES]` with
//! `i + V::BYTES <= buf.len()`.
//!
//! This module imports only the byte classes ([`crate::class`]): the parser reaches it, and it calls back
//! only through the [`Job`] it is handed.

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod generic;
#[cfg(target_arch = "x86_64")]
mod sse42;
#[cfg(target_arch = "x86_64")]
mod vector;

use crate::class::TCHAR;
#[cfg(target_arch = "x86_64")]
use crate::class::Window;
use core::marker::PhantomData;
#[cfg(target_arch = "x86_64")]
pub(crate) use vector::Vector;

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

/// [`ascii_str`]'s answer for bytes that are not ASCII: never, for the slices the parser passes, so a branch
/// to here is cheaper than selecting it.
#[cfg(target_arch = "x86_64")]
#[cold]
fn not_ascii() -> &'static str {
    ""
}

/// The longest prefix of `bytes` made of `tchar`s, as `&str`: the class check is the ASCII check.
#[inline(always)]
pub(crate) fn token_prefix(bytes: &[u8]) -> &str {
    let mut n = 0;
    while let Some(&b) = bytes.get(n) {
        if !TCHAR[usize::from(b)] {
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
        assert!(!TCHAR[b]);
        b += 1;
    }
};

/// The longest prefix of `bytes` made of request-target bytes (`0x21..=0x7E`), as `&str`, a byte at a time: the
/// short path's (heads of at most 64 bytes), where targets are short. A word-at-a-time loop ahead of the bytes
/// cost more than it saved there: on 27-byte requests the short path ran 1.11-1.12x picohttpparser with it and
/// 1.26-1.29x without (this and the byte loop for field values, alternated runs of a profiling driver, 2026-12-08).
#[inline(always)]
pub(crate) fn target_prefix(bytes: &[u8]) -> &str {
    let mut n = 0;
    while let Some(&b) = bytes.get(n) {
        if !matches!(b, 0x21..=0x7E) {
            break;
        }
        n += 1;
    }
    let target = &bytes[..n];
    // SAFETY: every byte of `target` is in 0x21..=0x7E, so ASCII and so valid UTF-8.
    unsafe { core::str::from_utf8_unchecked(target) }
}

/// Which class a scan looks for the end of: `tchar`s, request-target bytes, field-value bytes.
pub(crate) const TOKEN: u8 = 0;
pub(crate) const TARGET: u8 = 1;
pub(crate) const VALUE: u8 = 2;

/// Work to run with an instruction set enabled: [`Proof::run`] calls `run` from a function compiled with
/// the set's `#[target_feature]`, so whatever `run` inlines is compiled with it. `run` must be
/// `#[inline(always)]` for that.
pub(crate) trait Job<B> {
    type Output;
    fn run(self, backend: B) -> Self::Output;
}

/// Proof that this CPU has the instruction set of `V`: only [`Proof::detect`] makes one (directly, or
/// through the cache behind [`Best::cached`]).
#[derive(Debug)]
pub(crate) struct Proof<V>(PhantomData<V>);

impl<V> Clone for Proof<V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for Proof<V> {}

/// The AVX2 backend's proof (detection also checks SSE4.2).
#[cfg(target_arch = "x86_64")]
pub(crate) type Avx2 = Proof<avx2::V256>;
/// The SSE4.2 backend's proof.
#[cfg(target_arch = "x86_64")]
pub(crate) type Sse42 = Proof<sse42::V128>;

#[cfg(target_arch = "x86_64")]
impl<V: Vector> Proof<V> {
    /// A proof, if this CPU has the instruction set.
    #[inline]
    pub(crate) fn detect() -> Option<Self> {
        V::detected().then_some(Proof(PhantomData))
    }

    /// Runs `job` compiled with the instruction set enabled.
    // Inlined so that `Parser::parse_request`, itself inlined into the caller's crate, calls the
    // `#[target_feature]` copy directly.
    #[inline]
    pub(crate) fn run<J: Job<Self>>(self, job: J) -> J::Output {
        // SAFETY: `self` proves the CPU has the instruction set.
        unsafe { V::enabled(self, job) }
    }

    /// Runs `job` compiled with the instruction set enabled, in a function that is never inlined.
    #[inline(always)]
    pub(crate) fn apart<J: Job<Self>>(self, job: J) -> J::Output {
        // SAFETY: `self` proves the CPU has the instruction set.
        unsafe { V::apart(self, job) }
    }

    /// The first index at or after `from` whose byte is outside class `CLASS`, as `Ok`; `Err(i)` when the
    /// buffer is shorter than one vector and the caller must finish from `i` with the scalar scanner.
    #[inline(always)]
    pub(crate) fn scan<const CLASS: u8>(self, buf: &[u8], from: usize) -> Result<usize, usize> {
        // SAFETY: `self` proves the CPU has the instruction set.
        unsafe { generic::scan::<V, CLASS>(buf, from) }
    }

    /// The token and value classes of 64 bytes from `base` (see [`Window`]); `None` when `base` is at or past
    /// the end or the buffer is shorter than 64 bytes.
    #[inline(always)]
    pub(crate) fn window(self, buf: &[u8], base: usize) -> Option<Window> {
        // SAFETY: `self` proves the CPU has the instruction set.
        unsafe { generic::window::<V>(buf, base) }
    }

    /// [`ascii_str`] of `buf[start..end]`, checked with one load that may reach outside the slice.
    #[inline(always)]
    pub(crate) fn ascii(self, buf: &[u8], start: usize, end: usize) -> &str {
        // SAFETY: `self` proves the CPU has the instruction set.
        unsafe { generic::ascii::<V>(buf, start, end) }
    }
}

/// The best backend this CPU has, as the parse entry points choose it.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy, Debug)]
pub(crate) enum Best {
    Avx2(Avx2),
    Sse42(Sse42),
    None,
}

#[cfg(target_arch = "x86_64")]
mod cache {
    use core::sync::atomic::AtomicU8;
    /// [`super::Best::detect_now`]'s answer once known: one of the constants below, written only by it.
    /// Asking `is_x86_feature_detected!` on every parse cost about ten instructions and, through its
    /// initialising call, a full register save in the entry point.
    pub(super) static BEST: AtomicU8 = AtomicU8::new(UNKNOWN);
    pub(super) const UNKNOWN: u8 = 0;
    pub(super) const NONE: u8 = 1;
    pub(super) const SSE42: u8 = 2;
    pub(super) const AVX2: u8 = 3;
}

#[cfg(target_arch = "x86_64")]
impl Best {
    /// What [`Self::detect_now`] found, or `None` before it first ran.
    #[inline(always)]
    pub(crate) fn cached() -> Option<Self> {
        use core::sync::atomic::Ordering;
        // `AVX2` and `SSE42` are stored only after the matching `detect` found the feature, so the proofs
        // made here are as sound as theirs. `Relaxed` is enough: every thread stores the same value.
        match cache::BEST.load(Ordering::Relaxed) {
            cache::AVX2 => Some(Self::Avx2(Proof(PhantomData))),
            cache::SSE42 => Some(Self::Sse42(Proof(PhantomData))),
            cache::NONE => Some(Self::None),
            _ => None,
        }
    }

    /// Runs detection and caches the answer for [`Self::cached`].
    #[cold]
    #[inline(never)]
    pub(crate) fn detect_now() -> Self {
        let (found, code) = if let Some(avx2) = Avx2::detect() {
            (Self::Avx2(avx2), cache::AVX2)
        } else if let Some(sse42) = Sse42::detect() {
            (Self::Sse42(sse42), cache::SSE42)
        } else {
            (Self::None, cache::NONE)
        };
        cache::BEST.store(code, core::sync::atomic::Ordering::Relaxed);
        found
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    /// Each instruction set is reported exactly when the CPU has it, so that the backends the tests
    /// run (`Backend::available`) are the ones this machine can run.
    #[test]
    fn detection_reports_what_the_cpu_has() {
        let _deadline = gauntlet_oracle::no_hang("detection_reports_what_the_cpu_has");
        assert_eq!(
            <sse42::V128 as Vector>::detected(),
            std::is_x86_feature_detected!("sse4.2")
        );
        assert_eq!(
            <avx2::V256 as Vector>::detected(),
            std::is_x86_feature_detected!("avx2")
        );
    }

    /// Each cached answer reads back as the backend it names. The SSE4.2 answer is stored only where
    /// SSE4.2 is there, as `detect_now` would; detection then restores this machine's own answer.
    #[test]
    fn the_cached_backend_reads_back_as_stored() {
        let _deadline = gauntlet_oracle::no_hang("the_cached_backend_reads_back_as_stored");
        use core::sync::atomic::Ordering::Relaxed;
        cache::BEST.store(cache::NONE, Relaxed);
        assert!(matches!(Best::cached(), Some(Best::None)));
        if Sse42::detect().is_some() {
            cache::BEST.store(cache::SSE42, Relaxed);
            assert!(matches!(Best::cached(), Some(Best::Sse42(_))));
        }
        cache::BEST.store(cache::UNKNOWN, Relaxed);
        assert!(Best::cached().is_none());
        let best = Best::detect_now();
        assert_eq!(
            core::mem::discriminant(&Best::cached().expect("detected")),
            core::mem::discriminant(&best)
        );
    }
}
