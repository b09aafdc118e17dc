//! Check functions of the fuzz targets (`fuzz/fuzz_targets/query_sorter_*.rs`); each panics on a violation.
//!
//! Input layout shared by both targets: byte 0 picks the mode and flags, then optional length-prefixed globs,
//! then the URL (see [`split_input`]).

use crate::{EmptyQuery, Mode, Options, Sorter, naive, sort_query};

/// Inputs compared against the naive model, and inputs the model could not judge (an invalid
/// glob). The fuzz targets call `ORACLE.tick()` after each input to report the counts.
pub static ORACLE: gauntlet_oracle::Oracle = gauntlet_oracle::Oracle::new();

/// `(compared, rejected)` so far in this process.
pub fn oracle_counts() -> (u64, u64) {
    ORACLE.counts()
}

/// Decodes options and URL from fuzz bytes.
///
/// Byte 0: bits 0-1 mode (0 canonical, 1 by-key, 2 Varnish, 3 canonical), bit 2 dedupe, bit 3 decode unreserved,
/// bit 4 strip fragment, bit 5 remove empty `?`, bit 6 a drop glob follows, bit 7 a keep glob follows. Each glob
/// is one length byte (taken modulo 8) and that many bytes. The rest is the URL. `None` for an invalid glob.
pub fn split_input(data: &[u8]) -> Option<(Options, &[u8])> {
    let Some((&flags, mut rest)) = data.split_first() else {
        return Some((Options::default(), data));
    };
    let mode = match flags & 3 {
        1 => Mode::ByKey,
        2 => Mode::Varnish,
        _ => Mode::Canonical,
    };
    let mut options = Options::new(mode)
        .with_dedupe(flags & 4 != 0)
        .with_decode_unreserved(flags & 8 != 0)
        .with_strip_fragment(flags & 16 != 0)
        .with_empty_query(if flags & 32 != 0 {
            EmptyQuery::Remove
        } else {
            EmptyQuery::Keep
        });
    for (bit, is_drop) in [(64, true), (128, false)] {
        if flags & bit == 0 {
            continue;
        }
        let (glob, after) = take_glob(rest);
        rest = after;
        options = if is_drop {
            options.drop(glob)
        } else {
            options.keep(glob)
        }
        .ok()?;
    }
    Some((options, rest))
}

fn take_glob(data: &[u8]) -> (&[u8], &[u8]) {
    match data.split_first() {
        Some((&len, rest)) => rest.split_at((usize::from(len) % 8).min(rest.len())),
        None => (data, data),
    }
}

/// Robustness: any bytes, any options. The output is no longer than the input, sorting it again changes
/// nothing, the path before the `?` is kept, and the borrowing forms agree with [`Sorter::sort_into`].
pub fn check_robust(data: &[u8]) {
    let Some((options, url)) = split_input(data) else {
        return;
    };
    let mut sorter = Sorter::new(options.clone());
    let mut out = Vec::new();
    // Sort something else first so that stale scratch state would show.
    sorter.sort_into(data, &mut out);
    sorter.sort_into(url, &mut out);
    assert!(out.len() <= url.len(), "output grew: {url:?} -> {out:?}");

    let mut again = Vec::new();
    sorter.sort_into(&out, &mut again);
    assert_eq!(again, out, "not idempotent for {url:?} with {options:?}");

    let head_end = url
        .iter()
        .position(|&b| b == b'?' || (b == b'#' && options.mode() != Mode::Varnish))
        .unwrap_or(url.len());
    assert_eq!(&out[..head_end], &url[..head_end], "path changed: {url:?}");

    let cow = sorter.sort(url);
    assert_eq!(
        *cow, *out,
        "Sorter::sort differs from sort_into for {url:?}"
    );
    assert_eq!(
        matches!(cow, std::borrow::Cow::Borrowed(_)),
        out == url,
        "Sorter::sort borrows wrongly for {url:?}"
    );

    let mut canonical = Vec::new();
    Sorter::default().sort_into(url, &mut canonical);
    let quick = sort_query(url);
    assert_eq!(*quick, *canonical, "sort_query differs for {url:?}");
    assert_eq!(
        matches!(quick, std::borrow::Cow::Borrowed(_)),
        canonical == url,
        "sort_query borrows wrongly for {url:?}"
    );
}

/// Differential: [`Sorter`] against [`naive::sort`] in the mode and options encoded in `data`, and in Varnish mode
/// with default options also against [`naive::varnish_querysort`] wherever Varnish's output is order-independent.
pub fn check_differential(data: &[u8]) {
    differential(&ORACLE, data, |options, warm_up, url| {
        let mut sorter = Sorter::new(options.clone());
        let mut out = Vec::new();
        sorter.sort_into(warm_up, &mut out);
        sorter.sort_into(url, &mut out);
        out
    });
}

/// [`check_differential`] of the implementation `sort(options, warm_up, url)`, which must sort
/// `url` (after sorting `warm_up` with the same scratch space, so stale state would show),
/// counting into `oracle`.
fn differential(
    oracle: &gauntlet_oracle::Oracle,
    data: &[u8],
    sort: impl Fn(&Options, &[u8], &[u8]) -> Vec<u8>,
) {
    let input = oracle.input();
    let Some((options, url)) = split_input(data) else {
        input.rejected();
        return;
    };
    let fast = sort(&options, data, url);
    let model = naive::sort(url, &options);
    assert_eq!(
        fast, model,
        "Sorter and naive model differ for {url:?} with {options:?}"
    );
    // The input is counted once, as compared; where Varnish's output depends on the order the second
    // comparison below is skipped, which does not make the input a rejected one.
    input.compared();

    let fast = sort(&Options::new(Mode::Varnish), &[], url);
    if let Some(expected) = naive::varnish_querysort(url) {
        assert_eq!(
            fast, expected,
            "Varnish mode differs from std.querysort for {url:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options_of(data: &[u8]) -> Option<(String, Vec<u8>)> {
        split_input(data).map(|(options, url)| (format!("{options:?}"), url.to_vec()))
    }

    /// Every bit of byte 0 decodes to its own option, and the globs are read where the layout says.
    #[test]
    fn split_input_decodes_each_flag() {
        let _deadline = gauntlet_oracle::no_hang("split_input_decodes_each_flag");
        let expect = |options: Options, url: &[u8]| Some((format!("{options:?}"), url.to_vec()));
        assert_eq!(options_of(b""), expect(Options::default(), b""));
        assert_eq!(options_of(b"\x00/p"), expect(Options::default(), b"/p"));
        assert_eq!(
            options_of(b"\x01/p"),
            expect(Options::new(Mode::ByKey), b"/p")
        );
        assert_eq!(
            options_of(b"\x02/p"),
            expect(Options::new(Mode::Varnish), b"/p")
        );
        assert_eq!(
            options_of(b"\x03/p"),
            expect(Options::new(Mode::Canonical), b"/p")
        );
        let base = Options::new(Mode::Canonical);
        assert_eq!(
            options_of(b"\x04/p"),
            expect(base.clone().with_dedupe(true), b"/p")
        );
        assert_eq!(
            options_of(b"\x08/p"),
            expect(base.clone().with_decode_unreserved(true), b"/p")
        );
        assert_eq!(
            options_of(b"\x10/p"),
            expect(base.clone().with_strip_fragment(true), b"/p")
        );
        assert_eq!(
            options_of(b"\x20/p"),
            expect(base.clone().with_empty_query(EmptyQuery::Remove), b"/p")
        );
        // A drop glob of 2 bytes, then a keep glob of 9 % 8 = 1 byte, then the URL.
        let both = base.clone().drop("a*").unwrap().keep("b").unwrap();
        assert_eq!(options_of(b"\xc0\x02a*\x09b/p?x"), expect(both, b"/p?x"));
        // A glob longer than what is left takes what is left.
        assert_eq!(
            options_of(b"\x40\x07ab"),
            expect(base.clone().drop("ab").unwrap(), b"")
        );
        // A dangling escape is not a valid glob.
        assert_eq!(options_of(b"\x40\x01\\/p"), None);
    }

    fn right(options: &Options, warm_up: &[u8], url: &[u8]) -> Vec<u8> {
        let mut sorter = Sorter::new(options.clone());
        let mut out = Vec::new();
        sorter.sort_into(warm_up, &mut out);
        sorter.sort_into(url, &mut out);
        out
    }

    /// Whether `differential` with `sort` panics (reports a mismatch) on `data`.
    fn mismatch(data: &[u8], sort: impl Fn(&Options, &[u8], &[u8]) -> Vec<u8>) -> bool {
        let oracle = gauntlet_oracle::Oracle::new();
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            differential(&oracle, data, sort)
        }))
        .is_err()
    }

    /// Mode canonical; `é` (0xc3 0xa9) sorts after `a` unsigned and before it signed (Varnish).
    const URL: &[u8] = b"\x00/p?\xc3\xa9=1&b=2&a=3";

    #[test]
    fn the_oracle_passes_the_sorter() {
        let _deadline = gauntlet_oracle::no_hang("the_oracle_passes_the_sorter");
        let oracle = gauntlet_oracle::Oracle::new();
        differential(&oracle, URL, right);
        differential(&oracle, b"\x40\x01\\/p", right);
        assert_eq!(oracle.counts(), (1, 1));
    }

    #[test]
    fn the_oracle_catches_a_wrong_order() {
        let _deadline = gauntlet_oracle::no_hang("the_oracle_catches_a_wrong_order");
        // The URL as it came: nothing sorted.
        assert!(mismatch(URL, |_, _, url| url.to_vec()));
        // Canonical right, but Varnish mode ordering unsigned too.
        assert!(mismatch(URL, |options, warm_up, url| {
            let options = if options.mode() == Mode::Varnish {
                Options::new(Mode::Canonical)
            } else {
                options.clone()
            };
            right(&options, warm_up, url)
        }));
        // Options dropped: dedupe (byte 0 bit 2) ignored.
        assert!(mismatch(b"\x04/p?a&a", |_, w, url| right(
            &Options::default(),
            w,
            url
        )));
    }

    /// The only test in this binary that counts into the global `ORACLE`.
    #[test]
    fn check_differential_counts_into_oracle() {
        let _deadline = gauntlet_oracle::no_hang("check_differential_counts_into_oracle");
        let before = oracle_counts();
        check_differential(URL);
        check_differential(b"\x02/p?b&a");
        check_differential(b"\x40\x01\\/p");
        let after = oracle_counts();
        assert_eq!((after.0 - before.0, after.1 - before.1), (2, 1));
    }

    #[test]
    fn check_robust_accepts_the_sorter() {
        let _deadline = gauntlet_oracle::no_hang("check_robust_accepts_the_sorter");
        for data in [URL, b"\x1f/p?b=%41&a#f", b"\xff\x01*\x01a/p?a&b", b""] {
            check_robust(data);
        }
    }
}
