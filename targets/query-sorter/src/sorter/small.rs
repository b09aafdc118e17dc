//! The sort of short canonical queries without options (issue #19: realistic URLs of 5 to 15 parameters): no padded
//! copy of the query, one pass that finds the `&`s, one that keys the parameters, a sort of `u64`s, and each
//! parameter written into place over a copy of the URL.

/// Most parameters (non-empty pieces) [`Small::sort`] takes, and most `&` in the query.
pub(super) const SMALL_MAX: usize = 32;

/// Bytes of a fixed-size copy: a parameter of fewer bytes is copied as this many, the bytes past it overwritten by the
/// next one or cut off at the end.
const COPY: usize = 32;

/// `TOP_BYTES[n]` keeps the top `n` bytes of a `u64` (`n` at most 7: the low byte holds the piece's index).
const TOP_BYTES: [u64; 8] = {
    let mut masks = [0; 8];
    let mut n = 1;
    while n < 8 {
        masks[n] = !(u64::MAX >> (8 * n));
        n += 1;
    }
    masks
};

/// The high bit of each byte of `word` that is `&` (exact: no carry runs between bytes).
#[inline(always)]
fn ampersands(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let word = word ^ (ONES * u64::from(b'&'));
    !(((word & LOW7) + LOW7) | word | LOW7)
}

/// The eight bytes of `url` from `at` (below its length), big-endian; bytes past the end are zeros.
#[inline(always)]
fn word_at(url: &[u8], at: usize) -> u64 {
    match (
        url.get(at..).and_then(<[u8]>::first_chunk::<8>),
        url.len().checked_sub(8),
    ) {
        (Some(bytes), _) => u64::from_be_bytes(*bytes),
        // The last eight bytes, shifted so that `url[at]` is on top.
        (None, Some(last)) => {
            u64::from_be_bytes(url[last..].try_into().unwrap_or_default()) << (8 * (at - last))
        }
        (None, None) => {
            let mut bytes = [0; 8];
            bytes[..url.len() - at].copy_from_slice(&url[at..]);
            u64::from_be_bytes(bytes)
        }
    }
}

/// Scratch of [`Small::sort`], kept by the sorter so that nothing is zeroed per call.
#[derive(Clone, Debug)]
pub(super) struct Small {
    /// Where each `&` of the query is, in order: room for [`SMALL_MAX`] of them and the eight more one word of the scan
    /// can add before the limit is checked (the end of the query takes the place of the first of those).
    ends: [u32; SMALL_MAX + 8],
    /// The key of each parameter: its first seven bytes, big-endian and zero-padded, above its index.
    keys: [u64; SMALL_MAX],
    /// Each parameter's `(start, end)` in the query, by index.
    spans: [(u32, u32); SMALL_MAX],
}

impl Default for Small {
    fn default() -> Small {
        Small {
            ends: [0; SMALL_MAX + 8],
            keys: [0; SMALL_MAX],
            spans: [(0, 0); SMALL_MAX],
        }
    }
}

impl Small {
    /// Writes `url` with the query `url[query_start..query_start + query_len]` in canonical order (no option but the
    /// fragment's, which is left to the caller); returns whether the output equals `url[..query_start +
    /// query_len]`. `None`, having written nothing, when the query has no parameter, more than [`SMALL_MAX`]
    /// parameters or `&`, or offsets that do not fit in `u32`.
    ///
    /// Each parameter gets a `u64` key, its first seven bytes (zero-padded: a shorter prefix sorts first) above its
    /// index, so one sort of integers orders all but the parameters that share seven bytes, and equal parameters
    /// stay in input order; runs that share seven bytes are then ordered by the whole parameter. When every
    /// parameter is in place (and none is empty) the copy of the URL is the answer; otherwise each parameter is
    /// written over it in order.
    pub(super) fn sort(
        &mut self,
        url: &[u8],
        query_start: usize,
        query_len: usize,
        out: &mut Vec<u8>,
    ) -> Option<bool> {
        // Offsets are `u32`s.
        let query_end = u32::try_from(query_len).ok()?;
        let query = &url[query_start..query_start + query_len];
        let Small { ends, keys, spans } = self;

        // Where the `&`s are, eight bytes per step. The limit is checked after each word, so at most eight more than
        // `SMALL_MAX` are ever written.
        let mut found_count = 0;
        let mut words = query.chunks_exact(8);
        for (i, word) in (&mut words).enumerate() {
            let mut found = ampersands(u64::from_le_bytes(word.try_into().unwrap_or_default()));
            // At most eight `&` in a word: a counted loop, so no slip can spin forever.
            for _ in 0..8 {
                if found == 0 {
                    break;
                }
                ends[found_count] = (8 * i + found.trailing_zeros() as usize / 8) as u32;
                found_count += 1;
                found &= found - 1;
            }
            if found_count > SMALL_MAX {
                return None;
            }
        }
        let offset = query_len - words.remainder().len();
        for (i, &byte) in words.remainder().iter().enumerate() {
            if byte == b'&' {
                ends[found_count] = (offset + i) as u32;
                found_count += 1;
            }
        }
        if found_count > SMALL_MAX {
            return None;
        }
        ends[found_count] = query_end;

        // The keys and spans of the non-empty pieces.
        let mut count = 0;
        let mut start = 0;
        for &end in &ends[..=found_count] {
            let end = end as usize;
            if end > start {
                if count == SMALL_MAX {
                    return None;
                }
                let key = word_at(url, query_start + start) & TOP_BYTES[(end - start).min(7)];
                keys[count] = key | count as u64;
                spans[count] = (start as u32, end as u32);
                count += 1;
            }
            start = end + 1;
        }
        if count == 0 {
            return None;
        }

        let keys = &mut keys[..count];
        keys.sort_unstable();
        let prefix = |key: u64| key >> 8;
        // The index is below `SMALL_MAX`, a power of two: the mask spares a bounds check.
        let spans: &[(u32, u32); SMALL_MAX] = spans;
        let span = |key: u64| spans[usize::from(key as u8) % SMALL_MAX];
        // Runs that share seven bytes are in input order; each key that ties with the one before it moves down its
        // run past the keys whose parameters are above its own (so equal parameters keep their input order).
        let field = |key: u64| {
            let (start, end) = span(key);
            &query[start as usize..end as usize]
        };
        for i in 1..count {
            let mut j = i;
            while j > 0
                && prefix(keys[j - 1]) == prefix(keys[j])
                && field(keys[j]) < field(keys[j - 1])
            {
                keys.swap(j - 1, j);
                j -= 1;
            }
        }

        // The URL up to the end of the query, then room for the overshoot of fixed-size copies; the query's bytes are
        // written over in sorted order, each parameter with a `&` after it (the last one cut off at the end).
        // Parameters within `COPY` bytes of the URL's end are copied from `tail`, the URL's last `COPY` bytes and
        // zeros.
        let mut tail = [0; 2 * COPY];
        let tail_start = url.len().saturating_sub(COPY);
        match url.last_chunk::<COPY>() {
            Some(last) => tail[..COPY].copy_from_slice(last),
            None => tail[..url.len()].copy_from_slice(url),
        }
        let at = out.len() + query_start;
        out.extend_from_slice(&url[..query_start + query_len]);
        // Every piece in input order, none empty: the copy is the answer.
        let in_order = count == found_count + 1
            && keys
                .iter()
                .enumerate()
                .all(|(i, &key)| usize::from(key as u8) == i);
        if in_order {
            return Some(true);
        }
        out.extend_from_slice(&[0; COPY]);
        let buf = &mut out[at..];
        let mut written = 0;
        for &key in keys.iter() {
            let (start, end) = span(key);
            let (from, len) = (query_start + start as usize, (end - start) as usize);
            let source = match url.get(from..).and_then(<[u8]>::first_chunk::<COPY>) {
                Some(bytes) => bytes,
                None => tail[from - tail_start..]
                    .first_chunk::<COPY>()
                    .unwrap_or(&[0; COPY]),
            };
            match buf
                .get_mut(written..)
                .and_then(<[u8]>::first_chunk_mut::<COPY>)
            {
                Some(room) if len < COPY => *room = *source,
                _ => buf[written..written + len].copy_from_slice(&url[from..from + len]),
            }
            if let Some(ampersand) = buf.get_mut(written + len) {
                *ampersand = b'&';
            }
            written += len + 1;
        }
        out.truncate(at + written - 1);
        Some(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options, naive};

    /// xorshift64: the seeded bytes of the tests below.
    fn next(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    /// What `Small::sort` writes after `junk`, and what it says, for `url` whose query starts after its first `?`
    /// and ends at the first `#` after that.
    fn run(small: &mut Small, url: &[u8]) -> (Option<bool>, Vec<u8>) {
        let question_mark = url.iter().position(|&b| b == b'?').expect("a query");
        let rest = &url[question_mark + 1..];
        let query_len = rest.iter().position(|&b| b == b'#').unwrap_or(rest.len());
        let mut out = b"junk".to_vec();
        let told = small.sort(url, question_mark + 1, query_len, &mut out);
        assert_eq!(&out[..4], b"junk", "{url:?}");
        (told, out[4..].to_vec())
    }

    /// Against the naive model on short URLs built to sit on the path's edges: parameters that share their first
    /// seven bytes (or are zero-padded prefixes of each other), repeats, empty pieces, `=`-less parameters, bytes 0
    /// and 0xff, parameters of 0 to 40 bytes near the end of the URL (reads past it come from the window), URLs
    /// shorter than 8 and 32 bytes, fragments, sorted and unsorted queries, and 30 to 36 parameters around the limit.
    /// Where it declines it writes nothing; where it answers, it says whether the output is the URL.
    #[test]
    fn matches_the_model_and_says_when_the_url_is_unchanged() {
        let _deadline =
            gauntlet_oracle::no_hang("matches_the_model_and_says_when_the_url_is_unchanged");
        let stems: [&[u8]; 6] = [b"", b"a", b"categor", b"category=", b"ab\0", b"\xff\xffk"];
        let tails: [&[u8]; 8] = [
            b"",
            b"=",
            b"=1",
            b"\0",
            b"x",
            b"=abcdefghijklmnop",
            b"\xff",
            b"%41",
        ];
        let paths: [&[u8]; 4] = [
            b"?",
            b"/p?",
            b"/catalog/shoes/running?",
            b"/a/rather/long/path/of/more/than/32/bytes?",
        ];
        let mut seed = 0x5eed_5a11_0fc0_ffee;
        let mut small = Small::default();
        let mut seen = [0; 4];
        for case in 0..20_000 {
            let count = match case % 10 {
                0 => 30 + (next(&mut seed) % 7) as usize,
                _ => (next(&mut seed) % 16) as usize,
            };
            let mut pieces: Vec<Vec<u8>> = Vec::new();
            for _ in 0..count {
                let roll = next(&mut seed);
                let piece = match pieces.last() {
                    Some(last) if roll % 7 == 0 => last.clone(),
                    _ if roll % 11 == 0 => Vec::new(),
                    _ => [
                        stems[(roll >> 8) as usize % stems.len()],
                        tails[(roll >> 16) as usize % tails.len()],
                        tails[(roll >> 24) as usize % tails.len()],
                    ]
                    .concat(),
                };
                pieces.push(piece);
            }
            if case % 3 == 0 {
                pieces.sort();
            }
            let mut url = paths[case % paths.len()].to_vec();
            url.extend_from_slice(&pieces.join(&b'&'));
            if case % 5 == 0 {
                url.extend_from_slice(b"#f&a=1");
            }
            let (told, out) = run(&mut small, &url);
            let question_mark = url.iter().position(|&b| b == b'?').unwrap_or_default();
            let query_end = url[question_mark..]
                .iter()
                .position(|&b| b == b'#')
                .map_or(url.len(), |hash| question_mark + hash);
            let non_empty = pieces.iter().filter(|p| !p.is_empty()).count();
            let ampersands = url[question_mark..query_end]
                .iter()
                .filter(|&&b| b == b'&')
                .count();
            match told {
                None => {
                    assert!(out.is_empty(), "{url:?}");
                    assert!(
                        non_empty == 0 || non_empty > SMALL_MAX || ampersands > SMALL_MAX,
                        "{url:?}"
                    );
                    seen[0] += 1;
                }
                Some(unchanged) => {
                    let want = naive::sort(&url[..query_end], &Options::default());
                    assert_eq!(out, want, "{:?}", String::from_utf8_lossy(&url));
                    assert_eq!(unchanged, out == url[..query_end], "{url:?}");
                    seen[1 + usize::from(unchanged)] += 1;
                    if pieces.windows(2).any(|w| w[0] == w[1] && !w[0].is_empty()) {
                        seen[3] += 1;
                    }
                }
            }
        }
        assert!(seen.iter().all(|&n| n > 500), "{seen:?}");
    }

    /// The limits, exactly: 32 parameters are taken and 33 are not; 32 `&` are taken and 33 are not, whether the
    /// last of them is found in a whole word of the scan or in the bytes after the last whole word (a first
    /// parameter of 1 to 8 bytes moves them); past the limit, far more `&` are declined without a fault.
    #[test]
    fn takes_up_to_32_parameters_and_32_ampersands() {
        let _deadline = gauntlet_oracle::no_hang("takes_up_to_32_parameters_and_32_ampersands");
        let mut small = Small::default();
        let mut last_in_tail = [0; 2];
        for lead in 1..=8 {
            // A parameter of `lead` bytes, `params - 1` of one byte, `empty` empty pieces, then "z": `params + 1`
            // parameters and `params + empty` ampersands.
            for (params, empty, taken) in [
                (31, 0, true),
                (32, 0, false),
                (31, 1, true),
                (30, 2, true),
                (31, 2, false),
                (20, 13, false),
                (300, 0, false),
            ] {
                let mut pieces = vec!["b".repeat(lead)];
                pieces.extend((1..params).map(|i| ((b'a' + (i % 26) as u8) as char).to_string()));
                pieces.extend(std::iter::repeat_n(String::new(), empty));
                pieces.push("z".to_owned());
                let url = format!("/p?{}", pieces.join("&")).into_bytes();
                let (told, out) = run(&mut small, &url);
                assert_eq!(told.is_some(), taken, "{params} {empty} {lead}");
                if taken {
                    assert_eq!(out, naive::sort(&url, &Options::default()));
                    // Where the last `&` is: after the last whole word of the query, or in it.
                    let query_len = url.len() - 3;
                    let last = url.iter().rposition(|&b| b == b'&').unwrap_or_default() - 3;
                    last_in_tail[usize::from(last >= query_len / 8 * 8)] += 1;
                }
            }
        }
        assert!(last_in_tail.iter().all(|&n| n > 3), "{last_in_tail:?}");
    }

    /// Equal parameters in order leave the URL as it is, and say so; a tie broken only past the seventh byte, or
    /// only by length, is ordered like the model; a URL shorter than a word is read whole.
    #[test]
    fn ties_and_tiny_urls() {
        let _deadline = gauntlet_oracle::no_hang("ties_and_tiny_urls");
        let mut small = Small::default();
        for (url, unchanged) in [
            (&b"?a&a"[..], true),
            (b"/p?category=1&category=1&category=2", true),
            (b"/p?category=2&category=1", false),
            (b"/p?abcdefgh&abcdefg", false),
            (b"/p?abcdefg&abcdefg\0", true),
            (b"/p?ab\0&ab", false),
            (b"?b&a", false),
            (b"?a", true),
            (b"?x=1#f&a", true),
        ] {
            let (told, out) = run(&mut small, url);
            let query_end = url.iter().position(|&b| b == b'#').unwrap_or(url.len());
            assert_eq!(
                out,
                naive::sort(&url[..query_end], &Options::default()),
                "{url:?}"
            );
            assert_eq!(told, Some(unchanged), "{url:?}");
        }
        for url in [&b"?"[..], b"?&", b"?&&#a"] {
            assert_eq!(run(&mut small, url), (None, Vec::new()), "{url:?}");
        }
    }

    /// The keys themselves, not only the order they give (a key that told nothing would leave every parameter to the
    /// tie breaks and still sort): the first seven bytes, zero-padded, above the input index.
    #[test]
    fn keys_hold_seven_bytes_above_the_index() {
        let _deadline = gauntlet_oracle::no_hang("keys_hold_seven_bytes_above_the_index");
        let mut small = Small::default();
        let url = b"/p?b=2&a&categories=x&ab\0&";
        assert_eq!(run(&mut small, url).0, Some(false));
        let key = |bytes: &[u8], index: u64| {
            let mut padded = [0; 8];
            padded[..bytes.len()].copy_from_slice(bytes);
            u64::from_be_bytes(padded) | index
        };
        let want = [
            key(b"a", 1),
            key(b"ab\0", 3),
            key(b"b=2", 0),
            key(b"categor", 2),
        ];
        assert_eq!(small.keys[..4], want);
        for (n, mask) in TOP_BYTES.iter().enumerate() {
            assert_eq!(mask.count_ones() as usize, 8 * n);
            assert_eq!(mask.leading_ones() as usize, 8 * n);
        }
    }

    /// `word_at` against its definition at every position of URLs of 0 to 20 bytes.
    #[test]
    fn word_at_reads_eight_bytes_zero_padded() {
        let _deadline = gauntlet_oracle::no_hang("word_at_reads_eight_bytes_zero_padded");
        let bytes: Vec<u8> = (1..=20).collect();
        for len in 0..=20 {
            for at in 0..len {
                let mut want = [0; 8];
                let real = (len - at).min(8);
                want[..real].copy_from_slice(&bytes[at..at + real]);
                assert_eq!(
                    word_at(&bytes[..len], at),
                    u64::from_be_bytes(want),
                    "{len} {at}"
                );
            }
        }
    }
}
