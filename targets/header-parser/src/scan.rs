//! The scanners the parser is generic over: the [`Scan`] trait, its scalar backend, and its SIMD backends
//! (the proofs of [`crate::simd`]), each finishing with the scalar code of [`crate::class`] where a SIMD
//! scanner stops short, so every backend returns the same index.

use crate::class::{self, Window};
use crate::simd::{self, Job};
#[cfg(target_arch = "x86_64")]
use crate::simd::{Proof, TARGET, TOKEN, VALUE, Vector};

/// The scans the parser needs. Implemented by [`Scalar`] and by the SIMD proofs; the parser is generic over
/// it, so each backend gets its own fully inlined copy.
pub(crate) trait Scan: Copy {
    /// Whether [`Self::window`] gives masks: the field-line fast path (`parse::field_lines`) runs only then.
    const WINDOWS: bool = false;
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
        simd::ascii_str(&buf[start..end])
    }
    /// The classes of `buf[base..]` (up to 64 bytes) as bit masks, for backends that compute them cheaply.
    #[inline(always)]
    fn window(self, buf: &[u8], base: usize) -> Option<Window> {
        let _ = (buf, base);
        None
    }
    /// Runs `job` with this backend, in a function of its own for the SIMD backends (compiled with their
    /// instruction set), so that a loop gets registers of its own instead of sharing its caller's.
    #[inline(always)]
    fn apart<J: Job<Self>>(self, job: J) -> J::Output {
        job.run(self)
    }
}

#[cfg(target_arch = "x86_64")]
impl<V: Vector> Scan for Proof<V> {
    const WINDOWS: bool = true;

    #[inline(always)]
    fn token_end(self, buf: &[u8], from: usize) -> usize {
        match self.scan::<TOKEN>(buf, from) {
            Ok(stop) => stop,
            Err(rest) => class::token_end_scalar(buf, rest),
        }
    }

    #[inline(always)]
    fn target_end(self, buf: &[u8], from: usize) -> usize {
        match self.scan::<TARGET>(buf, from) {
            Ok(stop) => stop,
            Err(rest) => class::target_end_scalar(buf, rest),
        }
    }

    #[inline(always)]
    fn value_end(self, buf: &[u8], from: usize) -> usize {
        match self.scan::<VALUE>(buf, from) {
            Ok(stop) => stop,
            Err(rest) => class::value_end_scalar(buf, rest),
        }
    }

    #[inline(always)]
    fn ascii(self, buf: &[u8], start: usize, end: usize) -> &str {
        Proof::ascii(self, buf, start, end)
    }

    #[inline(always)]
    fn window(self, buf: &[u8], base: usize) -> Option<Window> {
        Proof::window(self, buf, base)
    }

    #[inline(always)]
    fn apart<J: Job<Self>>(self, job: J) -> J::Output {
        Proof::apart(self, job)
    }
}

/// The portable backend: a table loop for tokens, word-at-a-time (SWAR) loops for targets and values.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scalar;

impl Scan for Scalar {
    #[inline(always)]
    fn token_end(self, buf: &[u8], from: usize) -> usize {
        class::token_end_scalar(buf, from)
    }

    #[inline(always)]
    fn target_end(self, buf: &[u8], from: usize) -> usize {
        class::target_end_scalar(buf, from)
    }

    #[inline(always)]
    fn value_end(self, buf: &[u8], from: usize) -> usize {
        class::value_end_scalar(buf, from)
    }
}

/// Which scanner implementation runs. The SIMD variants only choose; the proof that the CPU has the feature
/// is a value of [`crate::simd::Avx2`] or [`crate::simd::Sse42`], made by detection when the parse starts.
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
            if simd::Sse42::detect().is_some() {
                all.push(Self::Sse42);
            }
            if simd::Avx2::detect().is_some() {
                all.push(Self::Avx2);
            }
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class::{TCHAR, is_target_byte, is_value_byte};

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
            Backend::Sse42 => pick(simd::Sse42::detect().unwrap(), which, buf, from),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => pick(simd::Avx2::detect().unwrap(), which, buf, from),
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
        let _deadline = gauntlet_oracle::no_hang(
            "every_backend_matches_the_class_for_every_byte_at_every_position",
        );
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
        let _deadline = gauntlet_oracle::no_hang("miri_sized_sample");
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
        let _deadline = gauntlet_oracle::no_hang("miri_sized_ascii_matches_is_ascii");
        fn ascii(backend: Backend, buf: &[u8], start: usize, end: usize) -> &str {
            match backend {
                Backend::Scalar => Scalar.ascii(buf, start, end),
                #[cfg(target_arch = "x86_64")]
                Backend::Sse42 => simd::Sse42::detect().unwrap().ascii(buf, start, end),
                #[cfg(target_arch = "x86_64")]
                Backend::Avx2 => simd::Avx2::detect().unwrap().ascii(buf, start, end),
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
        let _deadline = gauntlet_oracle::no_hang("scans_start_at_from_and_stop_at_the_end");
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
        let _deadline = gauntlet_oracle::no_hang("value_scan_continues_past_tabs_in_every_backend");
        let mut buf = vec![b'x'; 100];
        for i in (0..100).step_by(9) {
            buf[i] = b'\t';
        }
        buf[97] = b'\r';
        for backend in Backend::available() {
            assert_eq!(value_end(&buf, 0, backend), 97, "{backend:?}");
        }
    }
}
