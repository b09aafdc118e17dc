//! The sort of short canonical queries without options (issue #19: realistic URLs of 5 to 15 parameters): no padded
//! copy of the query, one pass that finds the `&`s and the `#` and keys each parameter as its `&` is found, a sorting
//! network over `u64`s, and each parameter written into place over a copy of the URL with fixed-size copies.
//!
//! Where it matters, the code takes no branch whose direction the input decides. On a stream of distinct URLs (what a
//! proxy sees) the branch predictor cannot learn how each URL sorts, and every such branch costs a misprediction about
//! half the time: the insertion sort this replaced made `sort_into` twice as slow on 4 096 distinct URLs as on 64 URLs
//! sorted in turn, whose every branch the predictor had learned (crate README).

use wide::u8x16;

use super::network::sort_16;

/// Most parameters (non-empty pieces) [`Small::sort`] takes; empty pieces are not counted.
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

/// The eight bytes of `url` from `at` (below its length), big-endian; bytes past the end are zeros.
#[inline(always)]
fn word_at(url: &[u8], at: usize) -> u64 {
    match (
        url.get(at..).and_then(<[u8]>::first_chunk::<8>),
        url.last_chunk::<8>(),
    ) {
        (Some(bytes), _) => u64::from_be_bytes(*bytes),
        // The last eight bytes, shifted so that `url[at]` is on top.
        (None, Some(last)) => u64::from_be_bytes(*last) << (8 * (at + 8 - url.len())),
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
    /// The key of each parameter: its first seven bytes, big-endian and zero-padded, above its index.
    keys: [u64; SMALL_MAX],
    /// Each parameter's `(start, end)` in the query, by index.
    spans: [(u32, u32); SMALL_MAX],
}

impl Default for Small {
    fn default() -> Small {
        Small {
            keys: [0; SMALL_MAX],
            spans: [(0, 0); SMALL_MAX],
        }
    }
}

/// What [`Small::order`] found, for [`Small::write`].
#[derive(Clone, Copy, Debug)]
struct Order {
    /// The query's length: up to the first `#` after the `?`, or the URL's end.
    query_len: usize,
    /// Parameters keyed (non-empty pieces).
    count: usize,
    /// Every piece in input order and none empty: the output is `url[..query_start + query_len]`.
    in_order: bool,
}

/// The state of [`Small::sort`]'s scan: the parameters keyed so far, and where the current piece starts.
struct Scan<'a> {
    rest: &'a [u8],
    keys: &'a mut [u64; SMALL_MAX],
    spans: &'a mut [(u32, u32); SMALL_MAX],
    count: usize,
    ampersands: usize,
    start: usize,
}

impl Scan<'_> {
    /// Ends the current piece at `end`: keyed when it is not empty, `None` past [`SMALL_MAX`] parameters.
    #[inline(always)]
    fn piece(&mut self, end: usize) -> Option<()> {
        let (start, count) = (self.start, self.count);
        if end > start {
            if count == SMALL_MAX {
                return None;
            }
            let key = word_at(self.rest, start) & TOP_BYTES[(end - start).min(7)];
            self.keys[count] = key | count as u64;
            self.spans[count] = (start as u32, end as u32);
            self.count = count + 1;
        }
        Some(())
    }

    /// The `&` and `#` among the bytes from `base` flagged in `bits` (bit `i` for byte `base + i`, see
    /// [`block_bits`]): each `&` ends a piece; the first `#` ends the query, and its offset is returned. `None` past
    /// [`SMALL_MAX`] parameters.
    #[inline(always)]
    fn bits(&mut self, mut bits: u64, base: usize) -> Option<Option<usize>> {
        // At most 64 bits: a counted loop, so no slip can spin forever.
        for _ in 0..64 {
            if bits == 0 {
                break;
            }
            let at = base + bits.trailing_zeros() as usize;
            match self.rest.get(at) {
                Some(b'&') => {
                    self.piece(at)?;
                    self.start = at + 1;
                    self.ampersands += 1;
                }
                Some(b'#') => return Some(Some(at)),
                _ => {}
            }
            bits &= bits - 1;
        }
        Some(None)
    }
}

/// Bit `i` set for each byte `block[i]` that is `&` or `#`: sixteen bytes at a time compared with both, the two
/// masks joined and their top bits gathered into sixteen bits (SSE2's `pcmpeqb` and `pmovmskb` on x86-64, through
/// the `wide` crate, which has plain code for targets without SIMD). Against the word-at-a-time scan it replaces
/// (a carry-free test of each byte of a `u64`, gathered by a multiplication: 9 instructions per 8 bytes), callgrind
/// counted 8 % fewer instructions per call of `sort_into` at 5 parameters and the paired bench ran 5 to 8 % faster
/// (crate README, 2026-12-07).
#[inline(always)]
fn block_bits(block: &[u8; 64]) -> u64 {
    let mut bits = 0;
    for (i, chunk) in block.chunks_exact(16).enumerate() {
        let mask = either_of(chunk.try_into().unwrap_or(&[0; 16]), b'&', b'#');
        bits |= u64::from(mask) << (16 * i);
    }
    bits
}

/// Bit `i` set for each byte `chunk[i]` that is `a` or `b`: one 16-byte compare with each, the two masks joined and
/// their top bits gathered (`pcmpeqb`, `por`, `pmovmskb` through `wide`). The scan here and `find_opener`'s share it.
#[inline(always)]
pub(super) fn either_of(chunk: &[u8; 16], a: u8, b: u8) -> u32 {
    let bytes = u8x16::new(*chunk);
    let hits = bytes.cmp_eq(u8x16::splat(a)) | bytes.cmp_eq(u8x16::splat(b));
    // Sixteen bits, one per byte: the `i32` is never negative.
    u32::from(hits.move_mask() as u16)
}

impl Small {
    /// Writes `url` up to the end of its query (which starts at `query_start`, after the `?`, and ends at the first
    /// `#` after it) with the parameters in canonical order (no option but the fragment's, which is left to the
    /// caller); returns the query's length and whether the output equals `url[..query_start + query_len]`. `None`,
    /// having written nothing, when the query has no parameter or more than [`SMALL_MAX`], or does not fit in `u32`
    /// offsets.
    ///
    /// One pass finds the `&` and the `#` (see [`block_bits`]) and keys each parameter as its `&` is found: its first
    /// seven bytes (zero-padded: a shorter prefix sorts first) above its index, so one sort of integers orders all but
    /// the parameters that share seven bytes, and equal parameters stay in input order; runs that share seven bytes
    /// are then ordered by the whole parameter. When every parameter is in place (and none is empty) the copy of the
    /// URL is the answer; otherwise each parameter is written over it in order.
    ///
    /// The keys are sorted by a network of compare-exchanges (see [`sort_16`](super::network::sort_16)), not by the standard sort (an insertion
    /// sort at these sizes): in the bench's paired runs (2026-12-07), `sort_into` went from 3.4x, 3.1-3.2x and
    /// 2.7-2.8x split/sort/join on streams of 4 096 distinct URLs of 5, 10 and 15 parameters to 5.4-5.5x, 5.1-5.8x and
    /// 4.7-5.2x; on 64 URLs sorted in turn it moved by a few per cent either way (crate README). Before, networks (then
    /// only for 7 to 16 keys) had been tried and dropped on those 64 URLs alone, where the insertion sort's branches
    /// are predicted. Also tried and dropped: keys of fifteen bytes (`u128`, kept beside the `u64` sort keys to break
    /// ties without `memcmp`: 3.3x, 3.5x and 3.6x instead of 3.6x, 3.8x and 3.9x on 64 URLs).
    #[inline(always)]
    pub(super) fn sort(
        &mut self,
        url: &[u8],
        query_start: usize,
        out: &mut Vec<u8>,
    ) -> Option<(usize, bool)> {
        let order = self.order(url, query_start)?;
        self.write(url, query_start, order, out);
        Some((order.query_len, order.in_order))
    }

    /// The first half of [`Small::sort`]: finds the parameters, keys and orders them, and tells whether they are in
    /// order already; writes nothing. `None` where `sort` declines.
    #[inline(always)]
    fn order(&mut self, url: &[u8], query_start: usize) -> Option<Order> {
        let rest = &url[query_start..];
        // Offsets are `u32`s.
        if u32::try_from(rest.len()).is_err() {
            return None;
        }
        let Small { keys, spans } = self;
        let mut scan = Scan {
            rest,
            keys,
            spans,
            count: 0,
            ampersands: 0,
            start: 0,
        };
        // 64 bytes per step; the bytes after the last whole block are read as the end of the URL's last 64 bytes
        // (or, in a shorter URL, zero-padded: a zero is not special).
        let mut query_len = rest.len();
        let mut hash = None;
        for base in (0..rest.len()).step_by(64) {
            let bits = match (
                rest.get(base..).and_then(<[u8]>::first_chunk::<64>),
                url.last_chunk::<64>(),
            ) {
                (Some(block), _) => block_bits(block),
                (None, Some(block)) => block_bits(block) >> (base + 64 - rest.len()),
                (None, None) => {
                    let left = &rest[base..];
                    let mut block = [0; 64];
                    block[..left.len()].copy_from_slice(left);
                    block_bits(&block)
                }
            };
            hash = scan.bits(bits, base)?;
            if hash.is_some() {
                break;
            }
        }
        if let Some(at) = hash {
            query_len = at;
        }
        scan.piece(query_len)?;
        let Scan {
            keys,
            spans,
            count,
            ampersands,
            ..
        } = scan;
        if count == 0 {
            return None;
        }

        if count <= 16 {
            sort_16(keys, count);
        } else {
            keys[..count].sort_unstable();
        }
        let keys = &mut keys[..count];
        let prefix = |key: u64| key >> 8;
        // The index is below `SMALL_MAX`, a power of two: the mask spares a bounds check.
        let spans: &[(u32, u32); SMALL_MAX] = spans;
        let span = |key: u64| spans[usize::from(key as u8) % SMALL_MAX];
        // Runs that share seven bytes are in input order; each key that ties with the one before it moves down its
        // run past the keys whose parameters are above its own (so equal parameters keep their input order).
        let field = |key: u64| {
            let (start, end) = span(key);
            &rest[start as usize..end as usize]
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

        // Every piece in input order, none empty: the URL is the answer.
        // Every key looked at (no exit at the first one out of place, a branch that input order decides).
        let in_order = count == ampersands + 1
            && keys
                .iter()
                .enumerate()
                .fold(true, |all, (i, &key)| all & (usize::from(key as u8) == i));
        Some(Order {
            query_len,
            count,
            in_order,
        })
    }

    /// The second half of [`Small::sort`]: appends `url` up to the end of its query with the parameters in the
    /// order [`Small::order`] found. Not inlined (the compiler kept it out of line anyway): measured when `sort_query`
    /// still had a copy of the small path of its own, that copy ran 5 % faster on streams of 5-parameter URLs
    /// sharing this function than with it inlined, and `sort_into` no slower.
    #[inline(never)]
    fn write(&self, url: &[u8], query_start: usize, order: Order, out: &mut Vec<u8>) {
        let Order {
            query_len,
            count,
            in_order,
        } = order;
        // The URL up to the end of the query, then room for the overshoot of fixed-size copies; the query's bytes are
        // written over in sorted order, each parameter with a `&` after it (the last one cut off at the end).
        let at = out.len() + query_start;
        out.extend_from_slice(&url[..query_start + query_len]);
        if in_order {
            return;
        }
        let keys = &self.keys[..count];
        let spans = &self.spans;
        let span = |key: u64| spans[usize::from(key as u8) % SMALL_MAX];
        out.extend_from_slice(&[0; COPY]);
        // The URL's last `COPY` bytes (all of a shorter URL), then zeros: a parameter that starts within `COPY` bytes
        // of the URL's end is read from here, so that every copy is a fixed-size one (no `memcpy` call, whose size
        // classes are branches that the parameters' order decides).
        let tail_start = url.len().saturating_sub(COPY);
        let mut tail = [0; 2 * COPY];
        match url.last_chunk::<COPY>() {
            Some(last) => tail[..COPY].copy_from_slice(last),
            None => tail[..url.len()].copy_from_slice(url),
        }
        let buf = &mut out[at..];
        let mut written = 0;
        for &key in keys.iter() {
            let (start, end) = span(key);
            let (from, len) = (query_start + start as usize, (end - start) as usize);
            let (text, offset) = if from < tail_start {
                (url, from)
            } else {
                (&tail[..], from - tail_start)
            };
            match (
                text.get(offset..).and_then(<[u8]>::first_chunk::<COPY>),
                buf.get_mut(written..)
                    .and_then(<[u8]>::first_chunk_mut::<COPY>),
            ) {
                (Some(source), Some(room)) if len < COPY => *room = *source,
                _ => buf[written..written + len].copy_from_slice(&url[from..from + len]),
            }
            if let Some(ampersand) = buf.get_mut(written + len) {
                *ampersand = b'&';
            }
            written += len + 1;
        }
        out.truncate(at + written - 1);
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
        let told = small
            .sort(url, question_mark + 1, &mut out)
            .map(|(len, unchanged)| {
                assert_eq!(len, query_len, "{url:?}");
                unchanged
            });
        assert_eq!(&out[..4], b"junk", "{url:?}");
        (told, out[4..].to_vec())
    }

    /// Against the naive model on short URLs built to sit on the path's edges: parameters that share their first
    /// seven bytes (or are zero-padded prefixes of each other), repeats, empty pieces, `=`-less parameters, bytes 0
    /// and 0xff, quotes, parameters of 0 to 40 bytes near the
    /// end of the URL (reads past it are shifted from the URL's last bytes, copies near it are exact), URLs shorter
    /// than 8, 32 and 64 bytes, fragments, sorted and unsorted queries, 0 to 17 parameters and 30 to 36 around the
    /// limit. Where it declines it writes nothing; where it answers, it says whether the output is the URL.
    #[test]
    fn matches_the_model_and_says_when_the_url_is_unchanged() {
        let _deadline =
            gauntlet_oracle::no_hang("matches_the_model_and_says_when_the_url_is_unchanged");
        let stems: [&[u8]; 6] = [b"", b"a", b"categor", b"category=", b"ab\0", b"\xff\xffk"];
        let tails: [&[u8]; 10] = [
            b"",
            b"=",
            b"=1",
            b"\0",
            b"x",
            b"=abcdefghijklmnop",
            b"\xff",
            b"%41",
            b"='",
            b"\"",
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
                _ => (next(&mut seed) % 18) as usize,
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
            match told {
                None => {
                    assert!(out.is_empty(), "{url:?}");
                    assert!(non_empty == 0 || non_empty > SMALL_MAX, "{url:?}");
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

    /// The limit, exactly: 32 parameters are taken and 33 are not, however many empty pieces there are, whether the
    /// last `&` is found in a whole block of the scan or in the bytes after the last whole block (a first parameter
    /// of 1 to 70 bytes moves it); past the limit, far more `&` are declined without a fault.
    #[test]
    fn takes_up_to_32_parameters_and_any_empty_pieces() {
        let _deadline = gauntlet_oracle::no_hang("takes_up_to_32_parameters_and_any_empty_pieces");
        let mut small = Small::default();
        let mut last_in_tail = [0; 2];
        for lead in 1..=70 {
            // A parameter of `lead` bytes, `params - 1` of one byte, `empty` empty pieces, then "z": `params + 1`
            // parameters and `params + empty` ampersands.
            for (params, empty, taken) in [
                (31, 0, true),
                (32, 0, false),
                (31, 1, true),
                (31, 40, true),
                (20, 300, true),
                (32, 5, false),
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
                    // Where the last `&` is: after the last whole block of the query, or in it.
                    let query_len = url.len() - 3;
                    let last = url.iter().rposition(|&b| b == b'&').unwrap_or_default() - 3;
                    last_in_tail[usize::from(last >= query_len / 64 * 64)] += 1;
                }
            }
        }
        assert!(last_in_tail.iter().all(|&n| n > 8), "{last_in_tail:?}");
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

    /// `block_bits` against its definition: every byte value at every position of a block, the others random, and
    /// blocks of random bytes with many `&` and `#` and their neighbours; each flagged byte is one of the two, and
    /// each of the two is flagged.
    #[test]
    fn block_bits_flags_hashes_and_ampersands() {
        let _deadline = gauntlet_oracle::no_hang("block_bits_flags_hashes_and_ampersands");
        let special = |b: u8| matches!(b, b'#' | b'&');
        let check = |block: &[u8; 64]| {
            let want = (0..64).fold(0u64, |bits, i| bits | u64::from(special(block[i])) << i);
            assert_eq!(block_bits(block), want, "{block:?}");
        };
        let mut seed = 0x0b17_b10c_5eed_0001;
        let mut block = [0; 64];
        for value in 0..=255 {
            for at in 0..64 {
                for byte in block.iter_mut() {
                    *byte = next(&mut seed) as u8;
                }
                block[at] = value;
                check(&block);
            }
        }
        let mut flagged = 0;
        for _ in 0..2000 {
            for byte in block.iter_mut() {
                *byte = match next(&mut seed) % 4 {
                    0 => b'&',
                    1 => b'#' + (next(&mut seed) % 8) as u8,
                    _ => next(&mut seed) as u8,
                };
            }
            flagged += block_bits(&block).count_ones();
            check(&block);
        }
        assert!(flagged > 2000 * 16, "{flagged}");
    }
}
