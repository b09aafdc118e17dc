//! Canonical cache keys from URLs: order the query parameters so that `/p?b=2&a=1` and `/p?a=1&b=2` are one key.
//!
//! ```
//! use query_sorter::{Mode, Options, Sorter, sort_query};
//!
//! assert_eq!(&*sort_query(b"/p?b=2&&a=1#top"), b"/p?a=1&b=2#top");
//! let options = Options::new(Mode::ByKey).with_dedupe(true).drop("utm_*")?;
//! let (mut sorter, mut key) = (Sorter::new(options), Vec::new());
//! sorter.sort_into(b"/p?b=2&utm_source=x&a=2&a=1&b=2", &mut key); // no allocation once warm
//! assert_eq!(key, b"/p?a=2&a=1&b=2");
//! # Ok::<(), query_sorter::Error>(())
//! ```
//!
//! # Should I use this?
//! Use it to build a cache key (or a `req.url` to hash) from a request target when the backend does not care about
//! parameter order. Do not use it to rewrite the URL you forward unless the backend is order-insensitive: by-key mode
//! exists because `a=2&a=1` can mean something different from `a=1&a=2`.
//!
//! # What it does
//! A URL is taken as raw bytes (any bytes, not only UTF-8) and split as `path ? query # fragment`: the query starts
//! after the first `?` and ends at the first `#` after it. A `#` before any `?` starts a fragment and there is no
//! query. The query is split at every `&`; empty parameters (from `&&`, a leading or a trailing `&`) are dropped. The
//! path is never touched and the fragment is copied after the sorted query (or removed with
//! [`Options::with_strip_fragment`]). The output is never longer than the input.
//!
//! - [`Mode::Canonical`] (default) orders parameters by unsigned byte comparison of the whole parameter. Any
//!   permutation of the same parameters gives the same bytes.
//! - [`Mode::ByKey`] orders by name only (the bytes before the first `=`, or the whole parameter) and is stable:
//!   parameters with equal names keep their relative order.
//! - [`Mode::Varnish`] gives what Varnish's `std.querysort` gives (see below).
//!
//! Options, valid in every mode: [`with_dedupe`](Options::with_dedupe) removes exact duplicate parameters (the first
//! occurrence stays); [`drop`](Options::drop) and [`keep`](Options::keep) filter on the parameter *name* with byte
//! globs (`*` any run, `?` one byte, `\` escapes the next byte; a parameter stays when the keep list is empty or one
//! keep glob matches, and no drop glob matches); [`with_empty_query`](Options::with_empty_query) chooses what
//! happens to the `?` when no parameter is left; [`with_decode_unreserved`](Options::with_decode_unreserved)
//! normalises percent-encoding.
//!
//! ## Empty queries
//! With [`EmptyQuery::Keep`] (default) the `?` is kept whenever the input has one, so `/p?`, `/p?&&` and
//! `/p?utm_id=1` with `utm_*` dropped all give `/p?`; a URL without `?` never gains one. With
//! [`EmptyQuery::Remove`] the `?` is removed whenever no parameter is left, so all three give `/p`.
//!
//! ## Percent-encoding
//! Off by default: `%41` and `A` are different bytes and different parameters. With `decode_unreserved`, each
//! parameter is rewritten, left to right, before filtering and sorting (names are matched after the rewrite):
//! 1. A triplet is `%` followed by two hex digits (either case). A `%` not starting a triplet is copied unchanged.
//! 2. A triplet encoding an unreserved byte (RFC 3986: `A-Z a-z 0-9 - . _ ~`) is replaced by that byte, except when
//!    the byte is a hex digit and the output so far ends in `%` or in `%` plus one hex digit: decoding would then
//!    create a triplet that was not in the input (`%%34%31` would become `%41`), so the triplet is kept.
//! 3. Every other triplet is kept, with its hex digits uppercased (`%2f` becomes `%2F`).
//!
//! Reserved bytes (`%26` = `&`, `%3D` = `=`, `%25` = `%`, ...) are never decoded, so the split into parameters does
//! not change, and the rewrite is idempotent. The path and the fragment are never rewritten.
//!
//! ## Varnish compatibility
//! `std.querysort` (Varnish 7.1) compares two parameters only up to the shorter one's length, with C `char` (signed
//! on x86-64, so bytes `0x80..=0xFF` sort *before* ASCII), and uses `qsort`, which is not stable. When one parameter
//! is a proper prefix of another (`a` and `ab`, `a` and `a=1`) the two compare equal and their order in Varnish's
//! output is whatever the input order and the `qsort` implementation make it: that is the only case where Varnish's
//! output depends on the input order. [`Mode::Varnish`] orders by the signed byte comparison of the whole parameter
//! with a shorter prefix first, which agrees with Varnish on every pair Varnish distinguishes, so the output is
//! identical wherever Varnish's is order-independent; elsewhere it is one order consistent with every comparison
//! Varnish makes, and Varnish may print another. Like Varnish this mode has no notion of fragment: `#` is an ordinary
//! byte and the query runs to the end. Bytes after a NUL are invisible to Varnish (C strings); here they are data. On
//! platforms where `char` is unsigned (aarch64) Varnish orders like [`Mode::Canonical`] instead.
//!
//! # Cost
//! One pass splits the query (eight or sixteen bytes at a time). In canonical mode without decoding or name globs (and
//! in by-key mode without `dedupe`, keyed on the name), the parameters are sorted as integers. In canonical mode
//! without any option but the fragment's, up to 32 parameters (empty pieces not counted) are sorted in place: no padded
//! copy of the query, one scan for `&` and `#` that keys each parameter by its first 7 bytes above its index as it
//! goes, runs sharing 7 bytes ordered by the whole parameter, and each parameter written over a copy of the URL (none
//! when all are in place). Otherwise, up to 256
//! pieces, each parameter gets a `u64` key (its first 7 bytes above its index, so equal names keep their input order) that is
//! sorted, and a `u128` key (its first 15 bytes above its index) that orders the rare runs sharing 7 bytes, with the
//! whole parameter (or name) compared only within runs that share all 15. Above 256, canonical mode first compares
//! neighbours in one pass (finding the `&` of 64 bytes per step, comparing 8-byte prefixes and whole parameters only
//! on a tie): an already sorted query is copied as it is, and a reversed one is written back to front as it is read,
//! each piece at the mirror of its place. Any other query above 256 whose pieces all differ in their first six bytes
//! (and that has at most 2^16 of them) is ordered by one sort of `u64` keys (six bytes above a 16-bit index). The
//! rest give each piece a `u128` key (11 bytes, how many are real, a 32-bit index); runs that share 11 real bytes skip
//! whatever all their members share and are keyed and sorted again on the next 11. Otherwise up to 32 parameters are ordered by one comparison sort on
//! their first 8 bytes, falling back to the whole field on a tie; above that, the same MSD scheme on 8-byte chunks
//! of the parameters themselves. A long shared prefix is thus never compared again in each of the O(k log k) steps.
//! Sorted, reversed and all-equal inputs are linear for the underlying pattern-defeating quicksort; the worst case is
//! O(n log n) comparisons per chunk level, no parameter-count cap, no recursion. [`Sorter::sort_into`] allocates
//! nothing once its buffers have grown to the largest URL seen; [`sort_query`] allocates only the key it returns
//! (nothing when it borrows; the key is its scratch buffer, replaced, when that is at most twice the key's size), and
//! knows from the sort, without comparing, whether it can borrow. Name globs cost O(name length × pattern length) per parameter; patterns are capped at
//! 1024 bytes.
//!
//! # How it is tested
//! A table of 70+ vectors in `testdata/vectors.toml` (format in `testdata/README.md`); property tests
//! (idempotence, permutation invariance, parameter multiset, by-key stability, path and fragment preserved, both
//! sort paths) checked against [`naive`], a plain split-filter-sort-join model; a Varnish check against a
//! step-by-step model of the C code wherever its output is order-independent; the CLI end to end (exit codes in the
//! crate README); two libFuzzer
//! targets (`query_sorter_robust`, `query_sorter_differential`) whose check functions live in `fuzzing` (feature
//! `fuzzing`) and replay their corpus and regressions under `cargo test`. Speed is measured by
//! `cargo bench -p gauntlet-bench --bench query_sorter`, never by timed tests.
#![forbid(unsafe_code)]

mod error;
mod glob;
pub mod naive;
mod options;
mod percent;
mod sorter;

#[cfg(feature = "fuzzing")]
pub mod fuzzing;

use std::borrow::Cow;

pub use error::Error;
pub use options::{EmptyQuery, Mode, Options};
pub use sorter::Sorter;

/// Canonical mode with default options; borrows `url` when it is already canonical.
///
/// Allocates only the returned key (none when borrowing). It sorts with a [`Sorter`] kept per thread and hands that
/// sorter's output buffer over as the key (a fresh buffer of the same size takes its place: that is the one
/// allocation); the sorter gives its buffers back when a URL made them grow past 4 MiB (about 100 000 parameters;
/// checked after URLs of 4 KiB or more).
pub fn sort_query(url: &[u8]) -> Cow<'_, [u8]> {
    let sorted = SCRATCH.try_with(|scratch| {
        let (sorter, out) = &mut *scratch.try_borrow_mut().ok()?;
        let unchanged = sorter
            .sort_into_telling(url, out)
            .unwrap_or_else(|| *out == url);
        let sorted = if unchanged {
            Cow::Borrowed(url)
        } else {
            Cow::Owned(take_key(out))
        };
        // Only a long URL can grow the buffers past the limit (by more than what a short one needs, a few
        // hundred KiB at most), so the check is left to those.
        if url.len() >= RELEASE_CHECK_LEN {
            sorter.release_if_large();
            release_if_large(out);
        }
        Some(sorted)
    });
    // Only while the thread is being torn down.
    sorted
        .ok()
        .flatten()
        .unwrap_or_else(|| sort_query_alone(url))
}

thread_local! {
    /// The scratch space of [`sort_query`]: a sorter with default options and its output buffer.
    static SCRATCH: std::cell::RefCell<(Sorter, Vec<u8>)> = std::cell::RefCell::default();
}

/// From this URL length on, [`sort_query`] checks whether its scratch space grew past 4 MiB.
const RELEASE_CHECK_LEN: usize = 4096;

/// [`sort_query`] without the per-thread scratch space.
fn sort_query_alone(url: &[u8]) -> Cow<'_, [u8]> {
    let mut out = Vec::new();
    Sorter::default().sort_into(url, &mut out);
    if out == url {
        Cow::Borrowed(url)
    } else {
        Cow::Owned(out)
    }
}

/// The key in `out` as a vector of its own, with one allocation either way: `out` itself when its capacity is at most
/// twice the key's length plus 64 bytes, replaced by an empty buffer as large (so that the next URL finds the room it
/// found); else a copy. Handing the buffer over spares copying the key.
fn take_key(out: &mut Vec<u8>) -> Vec<u8> {
    if out.capacity() <= 2 * out.len() + 64 {
        let capacity = out.capacity();
        std::mem::replace(out, Vec::with_capacity(capacity))
    } else {
        out.to_vec()
    }
}

/// Gives the buffer's memory back when it grew past 4 MiB; `true` when it did.
fn release_if_large(out: &mut Vec<u8>) -> bool {
    let large = out.capacity() > 4 << 20;
    if large {
        *out = Vec::new();
    }
    large
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_scratch_space_a_sorted_query_is_borrowed() {
        let _deadline =
            gauntlet_oracle::no_hang("without_scratch_space_a_sorted_query_is_borrowed");
        assert!(matches!(
            sort_query_alone(b"/p?a=1&b=2"),
            Cow::Borrowed(b"/p?a=1&b=2")
        ));
        let sorted = sort_query_alone(b"/p?b=2&a=1");
        assert!(
            matches!(&sorted, Cow::Owned(v) if v == b"/p?a=1&b=2"),
            "{sorted:?}"
        );
    }

    /// Up to twice the key's length plus 64 bytes of capacity the buffer itself is handed over and replaced by an
    /// empty one as large; past that the key is copied and the buffer kept.
    #[test]
    fn a_key_takes_its_buffer_unless_the_buffer_is_much_larger() {
        let _deadline =
            gauntlet_oracle::no_hang("a_key_takes_its_buffer_unless_the_buffer_is_much_larger");
        for (len, capacity, handed_over) in [
            (0, 64, true),
            (0, 65, false),
            (100, 264, true),
            (100, 265, false),
            (300, 300, true),
        ] {
            let mut out = Vec::with_capacity(capacity);
            out.extend((0..len).map(|i| i as u8));
            let capacity = out.capacity();
            let buffer = out.as_ptr();
            let key = take_key(&mut out);
            assert_eq!(key, (0..len).map(|i| i as u8).collect::<Vec<u8>>());
            assert_eq!(key.as_ptr() == buffer, handed_over, "{len} {capacity}");
            assert_eq!(out.capacity(), capacity, "{len} {capacity}");
            assert_eq!(
                out.len(),
                if handed_over { 0 } else { len },
                "{len} {capacity}"
            );
        }
    }

    #[test]
    fn only_a_buffer_past_4_mib_is_given_back() {
        let _deadline = gauntlet_oracle::no_hang("only_a_buffer_past_4_mib_is_given_back");
        let mut small = Vec::with_capacity(4 << 20);
        small.push(1);
        assert!(!release_if_large(&mut small));
        assert_eq!((small.len(), small.capacity()), (1, 4 << 20));
        let mut large = Vec::with_capacity((4 << 20) + 1);
        large.push(1);
        assert!(release_if_large(&mut large));
        assert_eq!(large.capacity(), 0);
    }

    /// A URL past 4 MiB leaves neither the output buffer nor the sorter's buffers (grown past 4 MiB by 200 000
    /// parameters) behind; a short URL leaves a buffer of its own size for the next one, and none when it was
    /// already sorted (the buffer is handed over only as a key).
    #[test]
    fn sort_query_gives_back_what_a_long_url_grew() {
        let _deadline = gauntlet_oracle::no_hang("sort_query_gives_back_what_a_long_url_grew");
        let many: Vec<String> = (0..200_000).rev().map(|i| format!("p{i}")).collect();
        let url = format!("/p?{}", many.join("&")).into_bytes();
        assert!(matches!(sort_query(&url), Cow::Owned(_)));
        let huge = [&b"/p?"[..], &b"a&".repeat(2 << 20), b"a"].concat();
        assert!(matches!(sort_query(&huge), Cow::Borrowed(_)));
        SCRATCH.with(|scratch| {
            let (sorter, out) = &mut *scratch.borrow_mut();
            assert!(!sorter.release_if_large());
            assert_eq!(out.capacity(), 0);
        });
        assert!(matches!(sort_query(b"/p?a&b"), Cow::Borrowed(_)));
        SCRATCH.with(|scratch| assert!((6..=64).contains(&scratch.borrow().1.capacity())));
        let forty: Vec<String> = (0..40).rev().map(|i| format!("p{i}")).collect();
        let url = format!("/p?{}", forty.join("&")).into_bytes();
        assert!(matches!(sort_query(&url), Cow::Owned(ref key) if key.len() == url.len()));
        SCRATCH.with(|scratch| {
            let capacity = scratch.borrow().1.capacity();
            assert!(
                (url.len()..=2 * url.len() + 64).contains(&capacity),
                "{capacity}"
            );
        });
    }

    #[test]
    fn options_report_their_mode() {
        let _deadline = gauntlet_oracle::no_hang("options_report_their_mode");
        assert_eq!(Options::new(Mode::ByKey).mode(), Mode::ByKey);
        assert_eq!(Options::new(Mode::Varnish).mode(), Mode::Varnish);
        assert_eq!(Options::default().mode(), Mode::Canonical);
    }
}
