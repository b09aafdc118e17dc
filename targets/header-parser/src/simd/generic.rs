//! The scanners, written once over [`Vector`]: each instruction set only provides the primitives.
//!
//! Every function here is `#[inline(always)]`, so that it is compiled into the `#[target_feature]` function
//! that runs the parser for its instruction set (a generic function left out of line would be compiled
//! without the feature, and the intrinsics in it would not inline). Every function is `unsafe` for one
//! reason: the CPU must have `V`'s instruction set (the caller holds a [`super::Proof`]). The memory
//! accesses are checked here: every load covers `buf[i..i + V::BYTES]` with `i + V::BYTES <= buf.len()`.

use super::vector::Vector;
use super::{TOKEN, VALUE, ascii_str, not_ascii};
use crate::class::{TCHAR_HIGH_NIBBLE, TCHAR_LOW_NIBBLE, Window};

/// One bit per lane of `block`: set where the byte is outside class `CLASS` ([`super::TOKEN`],
/// [`super::TARGET`] or [`super::VALUE`]).
///
/// # Safety
/// The CPU must have `V`'s instruction set.
#[inline(always)]
pub(super) unsafe fn outside<V: Vector, const CLASS: u8>(block: V) -> u32 {
    // SAFETY: the caller guarantees the instruction set; no memory is touched but the two tables.
    unsafe {
        let mask = match CLASS {
            TOKEN => {
                // A byte is a tchar when LOW[b & 15] & HIGH[b >> 4] != 0 (see `class::TCHAR_LOW_NIBBLE`);
                // bytes from 0x80 have a zero HIGH entry.
                let nibble = V::splat(0x0F);
                let row = V::table(&TCHAR_HIGH_NIBBLE).shuffle(block.shift_right_4().and(nibble));
                let column = V::table(&TCHAR_LOW_NIBBLE).shuffle(block.and(nibble));
                row.and(column).eq(V::splat(0))
            }
            VALUE => {
                // Unsigned `b <= 0x1F` is `min(b, 0x1F) == b`; HTAB is allowed, DEL is not.
                let control = block.min_unsigned(V::splat(0x1F)).eq(block);
                let tab = block.eq(V::splat(b'\t'));
                tab.and_not(control).or(block.eq(V::splat(0x7F)))
            }
            _ => {
                // TARGET. As signed bytes 0x80..=0xFF are negative, so `0x21 > b` catches them and
                // 0x00..=0x20 alike; only DEL is left to catch separately.
                V::splat(0x21).gt_signed(block).or(block.eq(V::splat(0x7F)))
            }
        };
        mask.movemask()
    }
}

/// Finds the first byte outside class `CLASS` from `i`: whole blocks, then the last block of the buffer with
/// the lanes before the resume point shifted out. `Err(i)` only when the buffer is shorter than a block (the
/// scalar scanner finishes from `i`).
///
/// # Safety
/// The CPU must have `V`'s instruction set.
#[inline(always)]
pub(super) unsafe fn scan<V: Vector, const CLASS: u8>(
    buf: &[u8],
    mut i: usize,
) -> Result<usize, usize> {
    while i + V::BYTES <= buf.len() {
        // SAFETY: `i + V::BYTES <= buf.len()`, so the load stays inside `buf`; the caller guarantees the
        // instruction set.
        let mask = unsafe { outside::<V, CLASS>(V::load(buf.as_ptr().add(i))) };
        if mask != 0 {
            return Ok(i + mask.trailing_zeros() as usize);
        }
        i += V::BYTES;
    }
    if i >= buf.len() || buf.len() < V::BYTES {
        return Err(i);
    }
    let base = buf.len() - V::BYTES;
    // SAFETY: `base + V::BYTES == buf.len()`: the load covers the last block of `buf`.
    let mask = unsafe { outside::<V, CLASS>(V::load(buf.as_ptr().add(base))) };
    // `base < i < base + V::BYTES`: lanes before `i` were scanned already (or precede `from`).
    let mask = mask >> (i - base);
    Ok(if mask != 0 {
        i + mask.trailing_zeros() as usize
    } else {
        buf.len()
    })
}

/// The token and field-value classes of the 64 bytes from `base`, or of the last 64 bytes of the buffer
/// (shifted so that bit 0 is `base`) when fewer remain; `None` for buffers shorter than 64 bytes or `base`
/// at or past the end.
///
/// # Safety
/// The CPU must have `V`'s instruction set.
#[inline(always)]
pub(super) unsafe fn window<V: Vector>(buf: &[u8], base: usize) -> Option<Window> {
    if base < buf.len() && buf.len() - base >= 64 {
        // The usual case, 64 bytes from `base`: nothing to shift or mark.
        // SAFETY: the caller guarantees the instruction set.
        let (not_token, not_value) = unsafe { classify_64::<V>(buf, base) };
        return Some(Window {
            not_token,
            not_value,
            len: 64,
        });
    }
    if buf.len() < 64 || base >= buf.len() {
        return None;
    }
    let start = buf.len() - 64;
    // SAFETY: the caller guarantees the instruction set.
    let (not_token, not_value) = unsafe { classify_64::<V>(buf, start) };
    Some(Window::new(not_token, not_value, 64, start, base))
}

/// The bytes outside the token class and outside the value class among the 64 bytes from `start`, bit `k`
/// for byte `start + k`.
///
/// # Panics
/// If `start + 64 > buf.len()`.
///
/// # Safety
/// The CPU must have `V`'s instruction set.
#[inline(always)]
unsafe fn classify_64<V: Vector>(buf: &[u8], start: usize) -> (u64, u64) {
    let block: &[u8; 64] = buf[start..start + 64].try_into().expect("64 bytes");
    let (mut not_token, mut not_value) = (0u64, 0u64);
    let mut k = 0;
    while k < 64 {
        // SAFETY: `k + V::BYTES <= 64`, so the load stays inside `block`; the caller guarantees the
        // instruction set.
        let (token, value) = unsafe {
            let vector = V::load(block.as_ptr().add(k));
            (outside::<V, TOKEN>(vector), outside::<V, VALUE>(vector))
        };
        not_token |= u64::from(token) << k;
        not_value |= u64::from(value) << k;
        k += V::BYTES;
    }
    (not_token, not_value)
}

/// [`ascii_str`] of `buf[start..end]` with one load and a movemask instead of `is_ascii`'s loop (which cost
/// about 25 instructions per field name): the slice is checked through the block ending at `end`, or the
/// first block of `buf` when `end` is nearer its start. Slices longer than a block, and buffers shorter than
/// one, go to `is_ascii`.
///
/// # Safety
/// The CPU must have `V`'s instruction set.
#[inline(always)]
pub(super) unsafe fn ascii<V: Vector>(buf: &[u8], start: usize, end: usize) -> &str {
    let bytes = &buf[start..end];
    if bytes.len() > V::BYTES || buf.len() < V::BYTES {
        return ascii_str(bytes);
    }
    // The top bits of the slice's bytes, in its low bits.
    let high = if end >= V::BYTES {
        // SAFETY: `end - V::BYTES + V::BYTES == end <= buf.len()`, so the load stays inside `buf`; the
        // caller guarantees the instruction set.
        let high = unsafe { V::load(buf.as_ptr().add(end - V::BYTES)).movemask() };
        // Bit `k` is the top bit of `buf[end - V::BYTES + k]`: the slice is the top `bytes.len()` bits.
        u64::from(high) >> (V::BYTES - bytes.len())
    } else {
        // SAFETY: `V::BYTES <= buf.len()`, so the load stays inside `buf`; the caller guarantees the set.
        let high = unsafe { V::load(buf.as_ptr()).movemask() };
        // Bit `k` is the top bit of `buf[k]`, and `end < V::BYTES`.
        (u64::from(high) >> start) & ((1u64 << bytes.len()) - 1)
    };
    if high != 0 {
        return not_ascii();
    }
    // SAFETY: every byte of `bytes` has its top bit clear, so it is ASCII and so valid UTF-8.
    unsafe { core::str::from_utf8_unchecked(bytes) }
}
