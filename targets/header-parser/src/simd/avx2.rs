//! The AVX2 backend: 32-byte vectors.

use super::vector::Vector;
use super::{Job, Proof};
use core::arch::x86_64::{
    __m128i, __m256i, _mm_loadu_si128, _mm256_and_si256, _mm256_andnot_si256,
    _mm256_broadcastsi128_si256, _mm256_cmpeq_epi8, _mm256_cmpgt_epi8, _mm256_loadu_si256,
    _mm256_min_epu8, _mm256_movemask_epi8, _mm256_or_si256, _mm256_set1_epi8, _mm256_shuffle_epi8,
    _mm256_srli_epi16,
};

#[derive(Clone, Copy, Debug)]
pub(crate) struct V256(__m256i);

/// The AVX2 copy of whatever `job` inlines.
#[target_feature(enable = "avx2")]
unsafe fn enabled<J: Job<Proof<V256>>>(proof: Proof<V256>, job: J) -> J::Output {
    job.run(proof)
}

/// The AVX2 copy of whatever `job` inlines, in a function of its own.
#[target_feature(enable = "avx2")]
#[inline(never)]
unsafe fn apart<J: Job<Proof<V256>>>(proof: Proof<V256>, job: J) -> J::Output {
    job.run(proof)
}

// SAFETY (every method): the trait's contract, that the CPU has AVX2, is all the intrinsics need; `load`
// reads the 32 bytes its caller vouched for, `table` exactly the 16-byte array.
impl Vector for V256 {
    const BYTES: usize = 32;

    #[inline]
    fn detected() -> bool {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("sse4.2")
    }

    #[inline(always)]
    unsafe fn enabled<J: Job<Proof<Self>>>(proof: Proof<Self>, job: J) -> J::Output {
        // SAFETY: the caller's `proof` says the CPU has AVX2.
        unsafe { enabled(proof, job) }
    }

    #[inline(always)]
    unsafe fn apart<J: Job<Proof<Self>>>(proof: Proof<Self>, job: J) -> J::Output {
        // SAFETY: the caller's `proof` says the CPU has AVX2.
        unsafe { apart(proof, job) }
    }

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm256_loadu_si256(ptr.cast::<__m256i>()) })
    }

    #[inline(always)]
    unsafe fn table(table: &[u8; 16]) -> Self {
        // SAFETY: see the impl.
        Self(unsafe {
            _mm256_broadcastsi128_si256(_mm_loadu_si128(table.as_ptr().cast::<__m128i>()))
        })
    }

    #[inline(always)]
    unsafe fn splat(byte: u8) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm256_set1_epi8(byte as i8) })
    }

    #[inline(always)]
    unsafe fn and(self, other: Self) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm256_and_si256(self.0, other.0) })
    }

    #[inline(always)]
    unsafe fn or(self, other: Self) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm256_or_si256(self.0, other.0) })
    }

    #[inline(always)]
    unsafe fn and_not(self, other: Self) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm256_andnot_si256(self.0, other.0) })
    }

    #[inline(always)]
    unsafe fn eq(self, other: Self) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm256_cmpeq_epi8(self.0, other.0) })
    }

    #[inline(always)]
    unsafe fn gt_signed(self, other: Self) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm256_cmpgt_epi8(self.0, other.0) })
    }

    #[inline(always)]
    unsafe fn min_unsigned(self, other: Self) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm256_min_epu8(self.0, other.0) })
    }

    #[inline(always)]
    unsafe fn shift_right_4(self) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm256_srli_epi16::<4>(self.0) })
    }

    #[inline(always)]
    unsafe fn shuffle(self, index: Self) -> Self {
        // SAFETY: see the impl.
        Self(unsafe { _mm256_shuffle_epi8(self.0, index.0) })
    }

    #[inline(always)]
    unsafe fn movemask(self) -> u32 {
        // SAFETY: see the impl.
        (unsafe { _mm256_movemask_epi8(self.0) }) as u32
    }
}
