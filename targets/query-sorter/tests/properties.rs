//! Property tests: the fast sorter against the naive model, and the invariants of each mode.

use std::borrow::Cow;

use proptest::prelude::*;
use proptest::sample::select;
use query_sorter::{EmptyQuery, Mode, Options, Sorter, naive, sort_query};

/// Bytes that make parameters collide, share prefixes, need percent rules, or look like delimiters.
const PARAM_BYTES: &[u8] = b"ab=%41Fe~_\xc3\xff\x80\x00?";

fn param() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(select(PARAM_BYTES), 0..5)
}

/// `(path, parameters, fragment)`; parameters may be empty (giving `&&`), the fragment includes its `#`.
fn url_parts() -> impl Strategy<Value = (Vec<u8>, Vec<Vec<u8>>, Vec<u8>)> {
    (
        prop::collection::vec(select(&b"/p&=%41"[..]), 0..4),
        prop::collection::vec(param(), 0..12),
        prop::option::of(prop::collection::vec(select(&b"#&?ab"[..]), 0..4)),
    )
        .prop_map(|(path, params, fragment)| {
            let fragment = fragment.map_or(Vec::new(), |f| [&b"#"[..], &f].concat());
            (path, params, fragment)
        })
}

/// URLs built from tokens, so that percent triplets next to stray `%` come up often.
fn token_url() -> impl Strategy<Value = Vec<u8>> {
    const TOKENS: &[&[u8]] = &[
        b"%",
        b"%41",
        b"%34",
        b"%2f",
        b"%7e",
        b"4",
        b"a",
        b"=",
        b"&",
        b"?",
        b"#",
        b"\xff",
        b"\x80",
        b"\x00",
        b"abcdefgh",
    ];
    prop::collection::vec(select(TOKENS), 0..16).prop_map(|tokens| tokens.concat())
}

fn join(path: &[u8], params: &[Vec<u8>], fragment: &[u8]) -> Vec<u8> {
    [path, b"?", &params.join(&b'&'), fragment].concat()
}

fn glob() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(select(&b"ab*?="[..]), 0..4)
}

fn options() -> impl Strategy<Value = Options> {
    options_in(&[Mode::Canonical, Mode::ByKey, Mode::Varnish])
}

fn options_in(modes: &'static [Mode]) -> impl Strategy<Value = Options> {
    (
        select(modes),
        any::<[bool; 4]>(),
        prop::option::of(glob()),
        prop::option::of(glob()),
    )
        .prop_map(|(mode, [dedupe, decode, strip, remove], drop, keep)| {
            let mut options = Options::new(mode)
                .with_dedupe(dedupe)
                .with_decode_unreserved(decode)
                .with_strip_fragment(strip)
                .with_empty_query(if remove {
                    EmptyQuery::Remove
                } else {
                    EmptyQuery::Keep
                });
            if let Some(glob) = drop {
                options = options.drop(glob).unwrap();
            }
            if let Some(glob) = keep {
                options = options.keep(glob).unwrap();
            }
            options
        })
}

fn sorted(url: &[u8], options: &Options) -> Vec<u8> {
    let mut out = Vec::new();
    Sorter::new(options.clone()).sort_into(url, &mut out);
    out
}

/// The parameters between the first `?` and the fragment, as the output shows them.
fn output_params<'a>(out: &'a [u8], path: &[u8], fragment: &[u8]) -> Vec<&'a [u8]> {
    let query = &out[path.len() + 1..out.len() - fragment.len()];
    query
        .split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .collect()
}

fn name(param: &[u8]) -> &[u8] {
    param.split(|&b| b == b'=').next().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn fast_equals_naive_on_structured_urls((path, params, fragment) in url_parts(), options in options()) {
        let _deadline = gauntlet_oracle::no_hang("fast_equals_naive_on_structured_urls");
        let url = join(&path, &params, &fragment);
        prop_assert_eq!(sorted(&url, &options), naive::sort(&url, &options));
    }

    #[test]
    fn fast_equals_naive_on_token_urls(url in token_url(), options in options()) {
        let _deadline = gauntlet_oracle::no_hang("fast_equals_naive_on_token_urls");
        prop_assert_eq!(sorted(&url, &options), naive::sort(&url, &options));
    }

    #[test]
    fn fast_equals_naive_on_any_bytes(url in prop::collection::vec(any::<u8>(), 0..48), options in options()) {
        let _deadline = gauntlet_oracle::no_hang("fast_equals_naive_on_any_bytes");
        prop_assert_eq!(sorted(&url, &options), naive::sort(&url, &options));
    }

    #[test]
    fn idempotent_in_every_mode(url in token_url(), options in options()) {
        let _deadline = gauntlet_oracle::no_hang("idempotent_in_every_mode");
        let once = sorted(&url, &options);
        prop_assert_eq!(sorted(&once, &options), once);
    }

    #[test]
    fn canonical_is_permutation_invariant(
        (path, params, fragment) in url_parts(),
        shuffled in any::<prop::sample::Index>(),
        options in options_in(&[Mode::Canonical]),
    ) {
        let _deadline = gauntlet_oracle::no_hang("canonical_is_permutation_invariant");
        let mut permuted = params.clone();
        // A rotation plus a reversal reaches different orders; prop_shuffle would shrink poorly here.
        let pivot = shuffled.index(permuted.len().max(1));
        permuted.rotate_left(pivot);
        permuted.reverse();
        prop_assert_eq!(
            sorted(&join(&path, &params, &fragment), &options),
            sorted(&join(&path, &permuted, &fragment), &options)
        );
    }

    #[test]
    fn canonical_is_invariant_under_any_shuffle(params in prop::collection::vec(param(), 0..10).prop_shuffle()) {
        let _deadline = gauntlet_oracle::no_hang("canonical_is_invariant_under_any_shuffle");
        let mut reference = params.clone();
        reference.sort();
        prop_assert_eq!(sorted(&join(b"/p", &params, b""), &Options::default()), sorted(&join(b"/p", &reference, b""), &Options::default()));
    }

    #[test]
    fn output_is_the_non_empty_input_params_with_path_and_fragment_kept(
        (path, params, fragment) in url_parts(),
        mode in select(&[Mode::Canonical, Mode::ByKey, Mode::Varnish][..]),
    ) {
        let _deadline = gauntlet_oracle::no_hang("output_is_the_non_empty_input_params_with_path_and_fragment_kept");
        // `?` and `#` inside parameters would move the query boundaries; keep them out for this property.
        let params: Vec<Vec<u8>> = params.into_iter().map(|p| p.into_iter().filter(|&b| b != b'?').collect()).collect();
        let fragment = if mode == Mode::Varnish { Vec::new() } else { fragment };
        let url = join(&path, &params, &fragment);
        prop_assume!(!path.contains(&b'?'));
        let out = sorted(&url, &Options::new(mode));
        prop_assert!(out.starts_with(&path) && out[path.len()] == b'?');
        prop_assert!(out.ends_with(&fragment));
        let mut got = output_params(&out, &path, &fragment);
        let mut want: Vec<&[u8]> = params.iter().map(Vec::as_slice).filter(|p| !p.is_empty()).collect();
        got.sort();
        want.sort();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn options_only_ever_remove_params((path, params, _fragment) in url_parts(), options in options()) {
        let _deadline = gauntlet_oracle::no_hang("options_only_ever_remove_params");
        let params: Vec<Vec<u8>> = params.into_iter().map(|p| p.into_iter().filter(|&b| b != b'?').collect()).collect();
        let options = options.with_decode_unreserved(false);
        let out = sorted(&join(&path, &params, b""), &options);
        let got = if out.len() == path.len() { Vec::new() } else { output_params(&out, &path, b"") };
        let mut unused: Vec<&[u8]> = params.iter().map(Vec::as_slice).filter(|p| !p.is_empty()).collect();
        for param in &got {
            let at = unused.iter().position(|p| p == param);
            prop_assert!(at.is_some(), "output parameter {:?} not in the input", param);
            unused.swap_remove(at.unwrap_or_default());
        }
        if got.is_empty() {
            prop_assert!(out == path || out == [&path[..], b"?"].concat(), "{:?}", out);
        }
    }

    #[test]
    fn by_key_keeps_the_input_order_within_each_name((path, params, _fragment) in url_parts()) {
        let _deadline = gauntlet_oracle::no_hang("by_key_keeps_the_input_order_within_each_name");
        let params: Vec<Vec<u8>> = params.into_iter().map(|p| p.into_iter().filter(|&b| b != b'?').collect()).collect();
        let out = sorted(&join(&path, &params, b""), &Options::new(Mode::ByKey));
        let got = output_params(&out, &path, b"");
        prop_assert!(got.windows(2).all(|w| name(w[0]) <= name(w[1])), "names out of order: {:?}", got);
        for wanted in &got {
            let same_name = |p: &&[u8]| !p.is_empty() && name(p) == name(wanted);
            let in_input: Vec<&[u8]> = params.iter().map(Vec::as_slice).filter(same_name).collect();
            let in_output: Vec<&[u8]> = got.iter().copied().filter(same_name).collect();
            prop_assert_eq!(in_input, in_output);
        }
    }

    #[test]
    fn varnish_mode_matches_the_c_model_where_defined((path, params, _fragment) in url_parts()) {
        let _deadline = gauntlet_oracle::no_hang("varnish_mode_matches_the_c_model_where_defined");
        let url = join(&path, &params, b"");
        if let Some(expected) = naive::varnish_querysort(&url) {
            prop_assert_eq!(sorted(&url, &Options::new(Mode::Varnish)), expected);
        }
    }

    #[test]
    fn borrowing_forms_borrow_exactly_when_unchanged(url in prop::collection::vec(select(&b"ab=&?#"[..]), 0..16), options in options()) {
        let _deadline = gauntlet_oracle::no_hang("borrowing_forms_borrow_exactly_when_unchanged");
        let expected = sorted(&url, &options);
        let mut sorter = Sorter::new(options);
        let cow = sorter.sort(&url);
        prop_assert_eq!(matches!(cow, Cow::Borrowed(_)), expected == url);
        prop_assert_eq!(&*cow, &expected[..]);
        let canonical = sorted(&url, &Options::default());
        let quick = sort_query(&url);
        prop_assert_eq!(matches!(quick, Cow::Borrowed(_)), canonical == url);
        prop_assert_eq!(&*quick, &canonical[..]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn fast_equals_naive_with_many_params(
        params in prop::collection::vec(prop::collection::vec(select(&b"ab=\x80\x00"[..]), 0..20), 33..400),
        options in options(),
    ) {
        let _deadline = gauntlet_oracle::no_hang("fast_equals_naive_with_many_params");
        // Above the small-input threshold the chunked sort runs (in canonical mode above 256 pieces; below that the
        // packed sort meets many 15-byte ties); long shared prefixes make it go deep.
        let url = join(b"/p", &params, b"#f");
        prop_assert_eq!(sorted(&url, &options), naive::sort(&url, &options));
    }
}

#[test]
fn reused_sorter_gives_the_same_answers_as_fresh_ones() {
    let _deadline = gauntlet_oracle::no_hang("reused_sorter_gives_the_same_answers_as_fresh_ones");
    let urls: [&[u8]; 5] = [
        b"/p?b&a&c=%41",
        b"/q?",
        b"/r?z&y&x&w&v&u#f",
        b"",
        b"/s?a=1&a=1",
    ];
    for options in [
        Options::new(Mode::Canonical).with_decode_unreserved(true),
        Options::new(Mode::ByKey).with_dedupe(true),
        Options::new(Mode::Varnish).drop("c").unwrap(),
    ] {
        let mut reused = Sorter::new(options.clone());
        let mut out = Vec::new();
        for url in urls.iter().chain(urls.iter().rev()) {
            reused.sort_into(url, &mut out);
            assert_eq!(
                out,
                sorted(url, &options),
                "{:?}",
                String::from_utf8_lossy(url)
            );
        }
    }
}

/// Parameters for the packed canonical sort (up to 256 pieces): a shared prefix of 0 to 40 bytes, so that keys tie on
/// their first 7 bytes (the sort key), on all 15 (the full key) or not at all, and blocks pass 32 bytes; then a short
/// tail with bytes that sort around the zero padding (`\0`, `\x01`), non-ASCII bytes and `=`; empty pieces too.
fn packed_param() -> impl Strategy<Value = Vec<u8>> {
    const PREFIXES: &[&[u8]] = &[
        b"",
        b"a",
        b"a=",
        b"utm_c",
        b"utm_campaign=",
        b"aaaaaa",
        b"aaaaaaa",
        b"aaaaaaaa",
        b"aaaaaaaaaaaaaa",
        b"aaaaaaaaaaaaaaa",
        b"aaaaaaaaaaaaaaaa",
        b"session_tracking_identifier_for_a",
        b"session_tracking_identifier_for_analytics",
    ];
    (
        select(PREFIXES),
        prop::collection::vec(select(&b"a\0\x01=\x80\xff~"[..]), 0..4),
    )
        .prop_map(|(prefix, tail)| [prefix, &tail[..]].concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn packed_canonical_sort_equals_naive(
        params in prop::collection::vec(packed_param(), 0..60),
        fragment in prop::option::of(prop::collection::vec(select(&b"#&a"[..]), 0..4)),
        [dedupe, strip, remove] in any::<[bool; 3]>(),
    ) {
        let _deadline = gauntlet_oracle::no_hang("packed_canonical_sort_equals_naive");
        let fragment = fragment.map_or(Vec::new(), |f| [&b"#"[..], &f].concat());
        // By-key takes the packed path without dedupe, and the general one with it.
        for mode in [Mode::Canonical, Mode::ByKey] {
            let options = Options::new(mode)
                .with_dedupe(dedupe)
                .with_strip_fragment(strip)
                .with_empty_query(if remove { EmptyQuery::Remove } else { EmptyQuery::Keep });
            let url = join(b"/some/path/longer/than/32/bytes/x", &params, &fragment);
            prop_assert_eq!(sorted(&url, &options), naive::sort(&url, &options));
            let short = join(b"/p", &params, &fragment);
            // A reused sorter too: its scratch keeps bytes of earlier, longer URLs.
            let mut sorter = Sorter::new(options.clone());
            let mut out = Vec::new();
            sorter.sort_into(&url, &mut out);
            sorter.sort_into(&short, &mut out);
            prop_assert_eq!(out, naive::sort(&short, &options));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Above 256 pieces canonical mode (and by-key mode without dedupe) takes the wide sort: eleven bytes per key,
    /// refined past shared prefixes.
    #[test]
    fn wide_sort_equals_naive(
        params in prop::collection::vec(packed_param(), 257..900),
        [dedupe, strip, remove] in any::<[bool; 3]>(),
    ) {
        let _deadline = gauntlet_oracle::no_hang("wide_sort_equals_naive");
        for mode in [Mode::Canonical, Mode::ByKey] {
            let options = Options::new(mode)
                .with_dedupe(dedupe)
                .with_strip_fragment(strip)
                .with_empty_query(if remove { EmptyQuery::Remove } else { EmptyQuery::Keep });
            let url = join(b"/p", &params, b"#f&a");
            let mut sorter = Sorter::new(options.clone());
            let mut out = Vec::new();
            sorter.sort_into(&url, &mut out);
            prop_assert_eq!(&out, &naive::sort(&url, &options));
            // Reused on a shorter URL: stale keys and fields must not leak.
            let short = join(b"/q", &params[..params.len() / 2], b"");
            sorter.sort_into(&short, &mut out);
            prop_assert_eq!(out, naive::sort(&short, &options));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The wide sort copies a sorted query whole after one pass over neighbours: sorted and reversed queries must
    /// equal the model, with equal neighbours (dedupe or not), 11-byte ties, long pieces, an empty piece or not.
    #[test]
    fn wide_sort_of_sorted_and_reversed_queries(
        mut params in prop::collection::vec(packed_param().prop_filter("non-empty", |p| !p.is_empty()), 257..700),
        dedupe in any::<bool>(),
        empty_at in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let _deadline = gauntlet_oracle::no_hang("wide_sort_of_sorted_and_reversed_queries");
        params.sort();
        let options = Options::default().with_dedupe(dedupe);
        let mut reversed = params.clone();
        reversed.reverse();
        for mut list in [params, reversed] {
            if let Some(at) = empty_at {
                list.insert(at.index(list.len()), Vec::new());
            }
            let url = join(b"/p", &list, b"#f");
            prop_assert_eq!(sorted(&url, &options), naive::sort(&url, &options));
            prop_assert_eq!(&*sort_query(&url), &naive::sort(&url, &Options::default())[..]);
        }
    }
}

/// Ties of the packed and wide sorts at their boundaries: 7, 11, 15 and 22 shared bytes, padding against real `\0`
/// bytes, and parameters of 31 to 34 bytes (a block copy of 32 bytes with its `&`).
#[test]
fn packed_sort_boundaries() {
    let _deadline = gauntlet_oracle::no_hang("packed_sort_boundaries");
    let mut params: Vec<Vec<u8>> = Vec::new();
    for shared in [6, 7, 8, 10, 11, 12, 14, 15, 16, 21, 22, 23, 30, 31, 32, 33] {
        for tail in [&b""[..], b"\0", b"\0\0", b"\x01", b"b", b"\xff"] {
            params.push([&vec![b'k'; shared][..], tail].concat());
            // Names that tie at the boundaries, with values that would order them the other way.
            params.push([&vec![b'k'; shared][..], tail, b"=2"].concat());
            params.push([&vec![b'k'; shared][..], tail, b"=1"].concat());
        }
    }
    for options in [
        Options::default(),
        Options::default().with_dedupe(true),
        Options::new(Mode::ByKey),
    ] {
        for count in [1, 2, 5, 20, 21, 32, params.len()] {
            let mut chosen: Vec<Vec<u8>> = params
                .iter()
                .rev()
                .step_by(3)
                .take(count)
                .cloned()
                .collect();
            chosen.extend(params.iter().take(count).cloned());
            let twice = [chosen.clone(), chosen.clone()].concat();
            for url in [
                join(b"/p", &chosen, b""),
                join(b"/p", &chosen, b"#f&g"),
                join(b"/p", &twice, b"#f&g"),
            ] {
                assert_eq!(
                    sorted(&url, &options),
                    naive::sort(&url, &options),
                    "{count}"
                );
            }
        }
    }
}
