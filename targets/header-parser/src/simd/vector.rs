//! The primitives an instruction set provides: one vector of `BYTES` lanes and the handful of lane-wise
//! operations the scanners in [`super::generic`] are written in. Each method is the one instruction of that
//! set that does the job, so the generic code compiles to what a hand-written copy per set would be.

use super::{Job, Proof};

/// A SIMD register of `BYTES` byte lanes.
///
/// # Safety
/// Every method except [`Vector::detected`] may only run on a CPU that has the instruction set
/// (`detected()` returned true): the implementations call `#[target_feature]` intrinsics.
pub(crate) trait Vector: Copy {
    /// Lanes per vector: 16 or 32.
    const BYTES: usize;

    /// Whether this CPU has the instruction set (run-time detection).
    fn detected() -> bool;

    /// Runs `job` in a function compiled with the instruction set enabled, so that everything `job`
    /// inlines (the whole parser) is compiled with it too.
    ///
    /// # Safety
    /// The CPU must have the instruction set; `proof` says so.
    unsafe fn enabled<J: Job<Proof<Self>>>(proof: Proof<Self>, job: J) -> J::Output;

    /// [`Vector::enabled`] in a function that is never inlined: for a loop that should get registers of its
    /// own rather than share them with its caller's live values.
    ///
    /// # Safety
    /// As for [`Vector::enabled`].
    unsafe fn apart<J: Job<Proof<Self>>>(proof: Proof<Self>, job: J) -> J::Output;

    /// Loads `BYTES` bytes from `ptr` (no alignment needed).
    ///
    /// # Safety
    /// `ptr..ptr + BYTES` must be readable; and see the trait.
    unsafe fn load(ptr: *const u8) -> Self;
    /// Loads a 16-byte table into every 128-bit lane (the lookup table of [`Vector::shuffle`]).
    unsafe fn table(table: &[u8; 16]) -> Self;
    /// Every lane `byte`.
    unsafe fn splat(byte: u8) -> Self;
    unsafe fn and(self, other: Self) -> Self;
    unsafe fn or(self, other: Self) -> Self;
    /// `!self & other`.
    unsafe fn and_not(self, other: Self) -> Self;
    /// 0xFF where the lanes are equal, else 0.
    unsafe fn eq(self, other: Self) -> Self;
    /// 0xFF where `self > other` as *signed* bytes, else 0.
    unsafe fn gt_signed(self, other: Self) -> Self;
    /// The unsigned minimum per lane.
    unsafe fn min_unsigned(self, other: Self) -> Self;
    /// Each 16-bit lane shifted right by 4 (used with a mask, to get each byte's high nibble).
    unsafe fn shift_right_4(self) -> Self;
    /// `self[index[k] & 15]` per lane within each 128-bit lane (indices below 0x80).
    unsafe fn shuffle(self, index: Self) -> Self;
    /// The top bit of every lane: bit `k` is lane `k`.
    unsafe fn movemask(self) -> u32;
}
