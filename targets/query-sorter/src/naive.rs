//! Reference models, written for obviousness rather than speed: the oracles of the tests, fuzz targets and benches.
//!
//! [`sort`] splits the query into owned parameters, filters, sorts with the standard stable sort and joins. It
//! shares no code with [`Sorter`](crate::Sorter): globs are matched by a dynamic-programming table and the
//! percent rules are re-implemented. [`varnish_querysort`] follows Varnish's C code step by step.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use crate::glob::{Glob, Token};
use crate::options::{EmptyQuery, Mode, Options};

/// The naive model of [`Sorter::sort_into`](crate::Sorter::sort_into): split, filter, sort, join.
pub fn sort(url: &[u8], options: &Options) -> Vec<u8> {
    let (head, query, fragment) = split_url(url, options.mode);
    let Some(query) = query else {
        let mut out = head.to_vec();
        if !options.strip_fragment {
            out.extend_from_slice(fragment);
        }
        return out;
    };

    let mut params: Vec<Vec<u8>> = Vec::new();
    for raw in query.split(|&b| b == b'&') {
        if raw.is_empty() {
            continue;
        }
        let param = if options.decode_unreserved {
            normalize(raw)
        } else {
            raw.to_vec()
        };
        let name = name_of(&param);
        let kept = options.keep.is_empty() || options.keep.iter().any(|g| glob_matches(g, name));
        let dropped = options.drop.iter().any(|g| glob_matches(g, name));
        if kept && !dropped {
            params.push(param);
        }
    }

    match options.mode {
        Mode::Canonical => params.sort(),
        Mode::ByKey => params.sort_by(|a, b| name_of(a).cmp(name_of(b))),
        Mode::Varnish => params.sort_by(|a, b| signed_order(a, b)),
    }
    if options.dedupe {
        let mut seen = BTreeSet::new();
        params.retain(|p| seen.insert(p.clone()));
    }

    let mut out = head.to_vec();
    if !(params.is_empty() && options.empty_query == EmptyQuery::Remove) {
        out.push(b'?');
    }
    out.extend_from_slice(&params.join(&b'&'));
    if !options.strip_fragment {
        out.extend_from_slice(fragment);
    }
    out
}

/// `(path, query without the '?', fragment with its '#')`; Varnish mode has no fragment.
fn split_url(url: &[u8], mode: Mode) -> (&[u8], Option<&[u8]>, &[u8]) {
    let hash = if mode == Mode::Varnish {
        None
    } else {
        url.iter().position(|&b| b == b'#')
    };
    let (before_fragment, fragment) = match hash {
        Some(h) => url.split_at(h),
        None => (url, &b""[..]),
    };
    match before_fragment.iter().position(|&b| b == b'?') {
        Some(q) => (&url[..q], Some(&before_fragment[q + 1..]), fragment),
        None => (before_fragment, None, fragment),
    }
}

fn name_of(param: &[u8]) -> &[u8] {
    param.split(|&b| b == b'=').next().unwrap_or(param)
}

fn signed_order(a: &[u8], b: &[u8]) -> Ordering {
    let a: Vec<i8> = a.iter().map(|&x| x as i8).collect();
    let b: Vec<i8> = b.iter().map(|&x| x as i8).collect();
    a.cmp(&b)
}

/// `matched[i][j]`: the first `i` tokens match the first `j` bytes of `name`.
fn glob_matches(glob: &Glob, name: &[u8]) -> bool {
    let tokens = glob.tokens();
    let mut matched = vec![vec![false; name.len() + 1]; tokens.len() + 1];
    matched[0][0] = true;
    for i in 1..=tokens.len() {
        for j in 0..=name.len() {
            matched[i][j] = match tokens[i - 1] {
                Token::AnyRun => matched[i - 1][j] || (j > 0 && matched[i][j - 1]),
                Token::AnyOne => j > 0 && matched[i - 1][j - 1],
                Token::Byte(b) => j > 0 && name[j - 1] == b && matched[i - 1][j - 1],
            };
        }
    }
    matched[tokens.len()][name.len()]
}

/// The `decode_unreserved` rules of the crate docs, written as a second, independent implementation.
fn normalize(param: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < param.len() {
        let triplet = if param[i] == b'%' && i + 2 < param.len() {
            hex(param[i + 1]).zip(hex(param[i + 2]))
        } else {
            None
        };
        match triplet {
            None => {
                out.push(param[i]);
                i += 1;
            }
            Some((h, l)) => {
                let byte = h * 16 + l;
                let unreserved = byte.is_ascii_alphanumeric() || b"-._~".contains(&byte);
                let n = out.len();
                let last_is_percent = n >= 1 && out[n - 1] == b'%';
                let last_two_are_percent_hex =
                    n >= 2 && out[n - 2] == b'%' && out[n - 1].is_ascii_hexdigit();
                let would_fuse =
                    byte.is_ascii_hexdigit() && (last_is_percent || last_two_are_percent_hex);
                if unreserved && !would_fuse {
                    out.push(byte);
                } else {
                    out.push(b'%');
                    out.push(param[i + 1].to_ascii_uppercase());
                    out.push(param[i + 2].to_ascii_uppercase());
                }
                i += 3;
            }
        }
    }
    out
}

/// Varnish 7.1 `std.querysort`, step by step, where its result does not depend on the input order.
///
/// Returns `None` when Varnish's output depends on the order (two distinct non-empty parameters, one a prefix of
/// the other) or when `url` holds a NUL, which ends a C string.
pub fn varnish_querysort(url: &[u8]) -> Option<Vec<u8>> {
    if url.contains(&0) {
        return None;
    }
    // No '?': unchanged. No '&' after the '?': unchanged ("single-param queries").
    let Some(question_mark) = url.iter().position(|&b| b == b'?') else {
        return Some(url.to_vec());
    };
    if !url[question_mark..].contains(&b'&') {
        return Some(url.to_vec());
    }
    // Parameters as the C code collects them: split at runs of '&'; only the first and last can be empty.
    let mut params: Vec<&[u8]> = Vec::new();
    let mut start = question_mark + 1;
    let mut i = start;
    while i < url.len() {
        if url[i] == b'&' {
            params.push(&url[start..i]);
            while i + 1 < url.len() && url[i + 1] == b'&' {
                i += 1;
            }
            start = i + 1;
        }
        i += 1;
    }
    params.push(&url[start..]);
    // Empty parameters compare equal to everything in C and are skipped when emitting.
    params.retain(|p| !p.is_empty());

    let mut by_signed: Vec<&[u8]> = params.clone();
    by_signed.sort_by(|a, b| signed_order(a, b));
    let order_dependent = by_signed
        .windows(2)
        .any(|w| w[0] != w[1] && w[1].starts_with(w[0]));
    if order_dependent {
        return None;
    }
    // Now `compa` is a total order (equal only for identical parameters), so any sort gives Varnish's result.
    params.sort_by(|a, b| compa(a, b));
    let mut out = url[..=question_mark].to_vec();
    out.extend_from_slice(&params.join(&b'&'));
    Some(out)
}

/// Varnish's comparator: bytes as C `char` (signed on x86-64), only up to the shorter length.
fn compa(a: &[u8], b: &[u8]) -> Ordering {
    for (&x, &y) in a.iter().zip(b) {
        if x != y {
            return (i32::from(x as i8) - i32::from(y as i8)).cmp(&0);
        }
    }
    Ordering::Equal
}
