//! The SSE4.2 backend: 16-byte vectors. The primitives it uses are SSE2 and SSSE3 (`pshufb`), which SSE4.2
//! implies; the backend is named after the feature that detection checks.

use super::vector::Vector;
use super::{Job, Proof};
use core::arch::x86_64::{
    __m128i, _mm_and_si128, _mm_andnot_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_loadu_si128,
    _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_shuffle_epi8, _mm_srli_epi16,
};

#[derive(Clone, Copy, Debug)]
pub(crate) struct V128(__m128i);

/// The SSE4.2 copy of whatever `job` inlines.
#[target_feature(enable = "sse4.2")]
unsafe fn enabled<J: Job<Proof<V128>>>(proof: Proof<V128>, job: J) -> J::Output {
    job.run(proof)
}

/// The SSE4.2 copy of whatever `job` inlines, in a function of its own.
#[target_feature(enable = "sse4.2")]
#[inline(never)]
unsafe fn apart<J: Job<Proof<V128>>>(proof: Proof<V128>, job: J) -> J::Output {
    job.run(proof)
}

// SAFETY (every method): the trait's contract, that the CPU has SSE4.2 (and so SSSE3 and SSE2), is all the
// intrinsics need; `load` reads the 16 bytes its caller vouched for, `table` exactly the 16-byte array.
impl Vector for V128 {
    const BYTES: usize = 16;

    #[inline]
    fn detected() -> bool {
        std::is_x86_feature_detected!("sse4.2")
    }

    #[inline(always)]
    unsafe fn enabled<J: Job<Proof<Self>>>(proof: Proof<Self>, job: J) -> J::Output {
        // SAFETY: the caller's `proof` says the CPU has SSE4.2.
        unsafe { enabled(proof, job) }
    }

    #[inline(always)]
    unsafe fn apart<J: Job<Proof<Self>>>(proof: Proof<Self>, job: J) -> J::Output {
        // SAFETY: the caller's `proof` says the CPU has SSE4.2.
        unsafe { apart(proof, job) }
    }

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm_loadu_si128(ptr.cast::<__m128i>()) })
    }

    #[inline(always)]
    unsafe fn table(table: &[u8; 16]) -> Self {
        // SAFETY: see the impl.
        unsafe { Self::load(table.as_ptr()) }
    }

    #[inline(always)]
    unsafe fn splat(byte: u8) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm_set1_epi8(byte as i8) })
    }

    #[inline(always)]
    unsafe fn and(self, other: Self) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm_and_si128(self.0, other.0) })
    }

    #[inline(always)]
    unsafe fn or(self, other: Self) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm_or_si128(self.0, other.0) })
    }

    #[inline(always)]
    unsafe fn and_not(self, other: Self) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm_andnot_si128(self.0, other.0) })
    }

    #[inline(always)]
    unsafe fn eq(self, other: Self) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm_cmpeq_epi8(self.0, other.0) })
    }

    #[inline(always)]
    unsafe fn gt_signed(self, other: Self) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm_cmpgt_epi8(self.0, other.0) })
    }

    #[inline(always)]
    unsafe fn min_unsigned(self, other: Self) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm_min_epu8(self.0, other.0) })
    }

    #[inline(always)]
    unsafe fn shift_right_4(self) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm_srli_epi16::<4>(self.0) })
    }

    #[inline(always)]
    unsafe fn shuffle(self, index: Self) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm_shuffle_epi8(self.0, index.0) })
    }

    #[inline(always)]
    unsafe fn movemask(self) -> u32 {
        // SAFETY: see the impl.
        (unsafe { _mm_movemask_epi8(self.0) }) as u32
    }
}
