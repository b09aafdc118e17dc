//! The fast path: parameters as offset spans, sorted in place with an allocation-free unstable sort.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::ops::Range;

use crate::options::{EmptyQuery, Mode, Options};
use crate::percent;

mod network;
mod small;

/// Sorts the query parameters of URLs; reuse one to avoid allocation.
///
/// Holds the [`Options`] and scratch buffers that grow to the largest URL seen and are reused.
#[derive(Clone, Debug, Default)]
pub struct Sorter {
    options: Options,
    /// The options rule out the sort of short canonical queries ([`small::Small::sort`]): decided once, here, as they
    /// never change (the default, `false`, is right for the default options).
    no_small: bool,
    params: Vec<Param>,
    normalized: Vec<u8>,
    output: Vec<u8>,
    /// Pending `(params range, byte depth)` refinements of [`order`]; kept to reuse its allocation.
    work: Vec<(Range<usize>, usize)>,
    /// Scratch of the sort of short canonical queries.
    small: small::Small,
    /// Scratch of the packed sort of small canonical queries.
    packed: Packed,
    /// Scratch of the wide sort of large canonical queries.
    wide: Wide,
}

/// One non-empty parameter as offsets into the query (or into the normalised copy of it).
#[derive(Clone, Copy, Debug)]
struct Param {
    start: usize,
    end: usize,
    /// End of the name: the first `=`, or `end`.
    name_end: usize,
    /// The 8 bytes of the sort field at the current depth, big-endian, zero-padded (see [`chunk_key`]).
    key: u64,
    /// How many of those 8 bytes are real (0..=8).
    present: u8,
}

impl Param {
    fn bytes(self) -> Range<usize> {
        self.start..self.end
    }

    fn name(self) -> Range<usize> {
        self.start..self.name_end
    }
}

impl Sorter {
    /// A sorter with `options`.
    pub fn new(options: Options) -> Sorter {
        let no_small = options.mode != Mode::Canonical
            || options.dedupe
            || options.decode_unreserved
            || !options.drop.is_empty()
            || !options.keep.is_empty();
        Sorter {
            options,
            no_small,
            ..Sorter::default()
        }
    }

    /// The options this sorter applies.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Replaces `out`'s contents with the sorted `url`. Allocates only while its buffers grow.
    pub fn sort_into(&mut self, url: &[u8], out: &mut Vec<u8>) {
        self.sort_into_telling(url, out);
    }

    /// [`Sorter::sort_into`], telling whether `out` is equal to `url` where the sort knows it without comparing
    /// (`None` where it does not).
    pub(crate) fn sort_into_telling(&mut self, url: &[u8], out: &mut Vec<u8>) -> Option<bool> {
        if !self.no_small {
            if let Some(unchanged) = self.sort_small(url, out) {
                return Some(unchanged);
            }
        }
        self.sort_general(url, out)
    }

    /// The common case on its own, in a function of its own (a short prologue): canonical order of at most
    /// `SMALL_MAX` parameters without options but the fragment's. Returns whether `out` equals `url`, or `None`,
    /// having written nothing that the general path keeps, when the URL has no query or the small sort declines it.
    #[inline(always)]
    fn sort_small(&mut self, url: &[u8], out: &mut Vec<u8>) -> Option<bool> {
        out.clear();
        out.reserve(url.len() + 32);
        let question_mark = find_opener(url, true).filter(|&q| url[q] == b'?')?;
        let (query_len, unchanged) = self.small.sort(url, question_mark + 1, out)?;
        let fragment = &url[question_mark + 1 + query_len..];
        if self.options.strip_fragment {
            Some(unchanged && fragment.is_empty())
        } else {
            out.extend_from_slice(fragment);
            Some(unchanged)
        }
    }

    /// [`Sorter::sort_into_telling`] past the small path.
    #[inline(never)]
    fn sort_general(&mut self, url: &[u8], out: &mut Vec<u8>) -> Option<bool> {
        out.clear();
        // Room for the output and for the overshoot of the fixed-size copies of `Packed::sort`.
        out.reserve(url.len() + 32);
        let options = &self.options;
        let keep_fragment = !options.strip_fragment || options.mode == Mode::Varnish;
        let opener = find_opener(url, options.mode != Mode::Varnish);
        let question_mark = match opener {
            Some(q) if url[q] == b'?' => q,
            // No query: the URL is copied, up to the fragment if that is stripped.
            _ => {
                let end = match opener {
                    Some(hash) if !keep_fragment => hash,
                    _ => url.len(),
                };
                out.extend_from_slice(&url[..end]);
                return Some(end == url.len());
            }
        };
        let rest = &url[question_mark + 1..];
        // By-key order is stable, so exact repeats need not be neighbours: `--dedupe` takes the general path there.
        if (options.mode == Mode::Canonical || (options.mode == Mode::ByKey && !options.dedupe))
            && !options.decode_unreserved
            && options.drop.is_empty()
            && options.keep.is_empty()
        {
            let by_key = options.mode == Mode::ByKey;
            // More than `PACKED_MAX` pieces take the wide sort. A long query is checked up front (at least that
            // many `&`, found without scanning past them); a shorter one is left to the packed sort, which stops
            // early and writes nothing when there are too many, so realistic URLs pay no extra pass.
            let query = || &rest[..memchr::memchr(b'#', rest).unwrap_or(rest.len())];
            let many = rest.len() >= WIDE_FIRST_LEN
                && memchr::memchr_iter(b'&', query())
                    .nth(PACKED_MAX - 1)
                    .is_some();
            let packed = if many {
                None
            } else if by_key {
                self.packed
                    .sort::<true>(url, question_mark + 1, options, out)
            } else {
                self.packed
                    .sort::<false>(url, question_mark + 1, options, out)
            };
            let sorted = packed.or_else(|| {
                self.wide
                    .sort(url, question_mark + 1, query(), by_key, options, out)
            });
            if let Some((query_len, unchanged)) = sorted {
                let fragment = &rest[query_len..];
                if keep_fragment {
                    out.extend_from_slice(fragment);
                }
                return unchanged
                    .map(|unchanged| unchanged && (keep_fragment || fragment.is_empty()));
            }
        }
        let query_len = collect(rest, options, &mut self.params, &mut self.normalized);
        let fragment = question_mark + 1 + query_len;
        let source = if options.decode_unreserved {
            &self.normalized[..]
        } else {
            &rest[..query_len]
        };
        order(&mut self.params, &mut self.work, source, options);

        let keep_question_mark =
            !(self.params.is_empty() && options.empty_query == EmptyQuery::Remove);
        out.extend_from_slice(&url[..question_mark + usize::from(keep_question_mark)]);
        emit(&self.params, source, !options.decode_unreserved, out);
        if keep_fragment {
            out.extend_from_slice(&url[fragment..]);
        }
        None
    }

    /// Drops the scratch buffers once a large query has grown them, so that a long-lived sorter does not hold on to
    /// what one outlier needed. Small queries keep theirs (the packed sort's fixed 8 KiB included).
    /// Returns whether it did.
    pub(crate) fn release_if_large(&mut self) -> bool {
        const KEEP_BYTES: usize = 4 << 20;
        let bytes = self.params.capacity() * size_of::<Param>()
            + self.wide.keys.capacity() * size_of::<u128>()
            + self.wide.fields.capacity() * size_of::<(u32, u32, u32)>()
            + self.wide.short.capacity() * size_of::<u64>()
            + self.normalized.capacity()
            + self.packed.scratch.capacity();
        let large = bytes > KEEP_BYTES;
        if large {
            *self = Sorter::new(std::mem::take(&mut self.options));
        }
        large
    }

    /// The sorted `url`, borrowed when sorting changes nothing.
    pub fn sort<'a>(&mut self, url: &'a [u8]) -> Cow<'a, [u8]> {
        let mut output = std::mem::take(&mut self.output);
        let unchanged = self
            .sort_into_telling(url, &mut output)
            .unwrap_or_else(|| output == url);
        let sorted = if unchanged {
            Cow::Borrowed(url)
        } else {
            Cow::Owned(output.clone())
        };
        self.output = output;
        sorted
    }
}

/// The first `?`, or the first of `?` and `#` when `hash_too`. Sixteen bytes at a time (SSE2 through `wide`): the
/// paths in front of queries are short, and a `memchr` call costs more than scanning them.
fn find_opener(url: &[u8], hash_too: bool) -> Option<usize> {
    let other = if hash_too { b'#' } else { b'?' };
    let found = |chunk: &[u8; 16]| small::either_of(chunk, b'?', other);
    let mut chunks = url.chunks_exact(16);
    for (i, chunk) in (&mut chunks).enumerate() {
        let bits = found(chunk.try_into().unwrap_or(&[0; 16]));
        if bits != 0 {
            return Some(16 * i + bits.trailing_zeros() as usize);
        }
    }
    let remainder = chunks.remainder();
    let offset = url.len() - remainder.len();
    match url.last_chunk::<16>() {
        // The bytes after the last whole chunk, as the end of the URL's last 16 (those before them were searched;
        // with no bytes after the last chunk, all sixteen bits are shifted out).
        Some(last) => {
            let bits = found(last) >> (16 - remainder.len());
            (bits != 0).then(|| offset + bits.trailing_zeros() as usize)
        }
        None => remainder
            .iter()
            .position(|&b| b == b'?' || b == other)
            .map(|at| offset + at),
    }
}

/// Most pieces (parameters, empty ones included) [`Packed::sort`] takes: an index must fit in the low byte of a key.
const PACKED_MAX: usize = 256;

/// Length of [`Packed::sort`]'s bounds: a power of two (indexing is masked, without a check) with room for
/// [`PACKED_MAX`] pieces plus the sixteen one step of the scan can add before the limit is checked again.
const BOUNDS_LEN: usize = 512;

/// Zero bytes after the `&` that follows the copy of the query in [`Packed::sort`]'s scratch: room for the overshoot
/// of its fixed-size reads past the last piece (a 16-byte step of the scan, a 16-byte key, a 32-byte block copy).
const PADDING: usize = 40;

/// `KEEP_BYTES[n]` keeps the top `n` bytes of a `u128` (a load beats a variable 128-bit shift).
const KEEP_BYTES: [u128; 16] = {
    let mut masks = [0; 16];
    let mut n = 1;
    while n < 16 {
        masks[n] = !(u128::MAX >> (8 * n));
        n += 1;
    }
    masks
};

/// Scratch of [`Packed::sort`]; `bounds` and the keys are grown once to their fixed size, then reused as they are.
#[derive(Clone, Debug, Default)]
struct Packed {
    /// The query, a `&`, then [`PADDING`] zeros.
    scratch: Vec<u8>,
    /// Piece `k` of the query is `bounds[k]..bounds[k + 1] - 1`.
    bounds: Vec<u32>,
    /// The sort key of each non-empty piece: the top seven bytes of its full key above its piece index.
    keys: Vec<u64>,
    /// The full key of each non-empty piece, at its piece index: its first 15 bytes, big-endian and zero-padded,
    /// above the index.
    full_keys: Vec<u128>,
}

impl Packed {
    /// Writes `url` with the query that starts at `query_start` (after the `?`) in canonical order (or by-key order, without `dedupe`), dropping repeats
    /// if `options` say so, and the `?` with [`EmptyQuery::Remove`] when no parameter is left; the fragment is left to
    /// the caller. Returns the query length, or `None` (having written nothing) when the query has more than
    /// [`PACKED_MAX`] pieces (parameters, empty ones included) or does not fit in `u32` offsets.
    ///
    /// Zero padding keeps byte order (a shorter prefix sorts first), so sorting the parameters' 64-bit keys as
    /// integers orders everything except runs that share their first seven bytes (the standard sort of `u64` is
    /// cheaper than that of `u128`, and branch-free above 20 elements); those runs are then ordered by their full
    /// keys, and by the whole parameter where the full keys share all 15 bytes. Neighbours in the input are copied
    /// as one block.
    ///
    /// Working on a padded copy of the query makes every read a fixed-size, in-bounds one: the scan reads sixteen
    /// bytes per step, a key is one 16-byte load, and a block is copied as 32 bytes and cut to size.
    #[inline(never)]
    fn sort<const BY_KEY: bool>(
        &mut self,
        url: &[u8],
        query_start: usize,
        options: &Options,
        out: &mut Vec<u8>,
    ) -> Option<(usize, Option<bool>)> {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        let (head, rest) = url.split_at(query_start);
        if rest.len() >= u32::MAX as usize - PADDING {
            return None;
        }
        self.bounds.resize(BOUNDS_LEN, 0);
        self.keys.resize(PACKED_MAX, 0);
        self.full_keys.resize(PACKED_MAX, 0);
        let bounds: &mut [u32; BOUNDS_LEN] = (&mut self.bounds[..]).try_into().ok()?;
        let keys: &mut [u64; PACKED_MAX] = (&mut self.keys[..]).try_into().ok()?;
        let full_keys: &mut [u128; PACKED_MAX] = (&mut self.full_keys[..]).try_into().ok()?;
        let query_len = memchr::memchr(b'#', rest).unwrap_or(rest.len());
        // The query, a `&` that ends its last piece like the others, and zeros.
        self.scratch.clear();
        self.scratch.extend_from_slice(&rest[..query_len]);
        self.scratch.push(b'&');
        self.scratch.extend_from_slice(&[0; PADDING]);
        let scratch = &self.scratch[..];

        // Where each piece ends, sixteen bytes per step (two words, and one test when neither has an `&`): the high
        // bit of a byte of `ampersands(word)` is set when the byte is `&` (a zero byte of `word ^ "&&&&&&&&"`, found
        // without carries between bytes). `bounds[0]` is 0 from the first `resize` on, and never written.
        let ampersands = |word: &[u8]| {
            let word =
                u64::from_le_bytes(word.try_into().unwrap_or_default()) ^ (ONES * u64::from(b'&'));
            !(((word & LOW7) + LOW7) | word | LOW7)
        };
        let mut pieces = 0;
        let chunks = scratch[..(query_len + 1).div_ceil(16) * 16].chunks_exact(16);
        for (chunk_index, chunk) in chunks.enumerate() {
            // A step adds at most sixteen bounds, so this keeps them in the array.
            if pieces > PACKED_MAX {
                return None;
            }
            let (low, high) = chunk.split_at(8);
            let (low, high) = (ampersands(low), ampersands(high));
            if low | high == 0 {
                continue;
            }
            let offset = 16 * chunk_index + 1;
            // One turn per `&` found, each clearing the lowest: counted, so no slip can spin forever.
            let mut found = low;
            for _ in 0..found.count_ones() {
                pieces += 1;
                bounds[pieces % BOUNDS_LEN] = (offset + found.trailing_zeros() as usize / 8) as u32;
                found &= found - 1;
            }
            let mut found = high;
            for _ in 0..found.count_ones() {
                pieces += 1;
                bounds[pieces % BOUNDS_LEN] =
                    (offset + 8 + found.trailing_zeros() as usize / 8) as u32;
                found &= found - 1;
            }
        }
        if pieces > PACKED_MAX {
            return None;
        }

        // The keys of the non-empty pieces: from the whole piece, or in by-key mode from its name (up to the first
        // `=`), so that equal names stay in input order through the index in the low byte.
        let by_key = BY_KEY;
        let mut count = 0;
        for (index, window) in bounds[..=pieces].windows(2).enumerate() {
            let (start, end) = (window[0] as usize, window[1] as usize - 1);
            if end != start {
                let key_end = if by_key {
                    memchr::memchr(b'=', &scratch[start..end]).map_or(end, |eq| start + eq)
                } else {
                    end
                };
                let bytes =
                    u128::from_be_bytes(scratch[start..start + 16].try_into().unwrap_or_default());
                // The real bytes (at most 15), and the index in the low byte.
                let full = bytes & KEEP_BYTES[(key_end - start).min(15)] | index as u128;
                full_keys[index % PACKED_MAX] = full;
                keys[count % PACKED_MAX] = (full >> 64) as u64 & !0xff | index as u64;
                count += 1;
            }
        }
        let keys = &mut keys[..count];
        keys.sort_unstable();
        let prefix = |key: u64| key >> 8;
        // The piece of a key with its `&`: `start..=end`.
        let span = |key: u64| {
            let index = usize::from(key as u8);
            (bounds[index] as usize, bounds[index + 1] as usize - 1)
        };
        let field = |(start, end): (usize, usize)| &scratch[start..end];
        // What is compared: the whole piece, or its name.
        let sort_field = |key: u64| {
            let piece = field(span(key));
            if by_key {
                piece.split(|&b| b == b'=').next().unwrap_or(piece)
            } else {
                piece
            }
        };
        if keys
            .windows(2)
            .any(|pair| prefix(pair[0]) == prefix(pair[1]))
        {
            sort_ties(keys, |a, b| {
                let full_a = full_keys[usize::from(a as u8)];
                let full_b = full_keys[usize::from(b as u8)];
                if (full_a ^ full_b) >> 8 != 0 {
                    full_a.cmp(&full_b)
                } else {
                    // Equal names keep their input order (by-key is stable); equal pieces may go either way.
                    sort_field(a)
                        .cmp(sort_field(b))
                        .then((a as u8).cmp(&(b as u8)))
                }
            });
        }

        let keep_question_mark = !(keys.is_empty() && options.empty_query == EmptyQuery::Remove);
        let head = &head[..head.len() - usize::from(!keep_question_mark)];
        let at = out.len();
        match url.get(..32) {
            // A fixed-size copy is a few vector moves where a variable one is a `memcpy` call; the bytes past the
            // path are cut off again (the capacity reserved for them keeps this allocation-free).
            Some(chunk) if head.len() <= 32 => {
                out.extend_from_slice(chunk);
                out.truncate(at + head.len());
            }
            _ => out.extend_from_slice(head),
        }
        let Some((&first, others)) = keys.split_first() else {
            return Some((query_len, None));
        };
        // A block is copied with the `&` that follows it in `scratch`, as 32 bytes cut to size when it fits; the `&`
        // after the final block is taken off at the end.
        let copy_block = |out: &mut Vec<u8>, (start, end): (usize, usize)| {
            let len = end + 1 - start;
            if len <= 32 {
                let at = out.len();
                out.extend_from_slice(&scratch[start..start + 32]);
                out.truncate(at + len);
            } else {
                out.extend_from_slice(&scratch[start..=end]);
            }
        };
        let mut previous = first;
        let mut block = span(first);
        for &key in others {
            let (start, end) = span(key);
            if options.dedupe
                && prefix(key) == prefix(previous)
                && field((start, end)) == field(span(previous))
            {
                continue;
            }
            previous = key;
            if start == block.1 + 1 {
                block.1 = end;
            } else {
                copy_block(out, block);
                block = (start, end);
            }
        }
        // The last block runs from the first byte to the last: every piece in input order, none empty, none dropped
        // (each piece is in one block, so there was no other).
        let unchanged = block == (0, query_len);
        copy_block(out, block);
        out.pop();
        Some((query_len, Some(unchanged)))
    }
}

/// From this query length on, [`Sorter::sort_into`] counts `&` before choosing between the packed and wide sorts.
const WIDE_FIRST_LEN: usize = 4096;

/// Bytes of a parameter in a [`Wide`] key.
const WIDE_CHUNK: usize = 11;

/// Scratch of [`Wide::sort`], reused between calls.
#[derive(Clone, Debug, Default)]
struct Wide {
    /// Each non-empty piece in input order: `(start, end of the sort field, end)` in the query.
    fields: Vec<(u32, u32, u32)>,
    /// One key per piece: [`WIDE_CHUNK`] bytes of its sort field from the current depth (big-endian, zero-padded),
    /// how many of them are real (8 bits), and the piece's index in `fields` (32 bits).
    keys: Vec<u128>,
    /// Pending `(keys range, byte depth)` refinements.
    work: Vec<(Range<usize>, usize)>,
    /// The `u64` keys of [`Wide::sort_by_six_bytes`].
    short: Vec<u64>,
}

/// The real bytes of a [`Wide`] key: its `WIDE_CHUNK` bytes and their count, without the index.
fn wide_prefix(key: u128) -> u128 {
    key >> 32
}

/// How many bytes of a [`Wide`] key are real.
fn wide_present(key: u128) -> usize {
    usize::from((key >> 32) as u8)
}

/// The piece index of a [`Wide`] key.
fn wide_index(key: u128) -> usize {
    key as u32 as usize
}

impl Wide {
    /// Like [`Packed::sort`], for queries of any number of pieces (`query` is the query without its fragment, which
    /// starts at `query_start` in `url`). Returns `None`, having written nothing, when offsets do not fit in `u32`.
    ///
    /// A most-significant-digit sort on integer keys: each key holds eleven bytes of the sort field, how many are
    /// real, and the piece index, so one unstable sort of `u128`s orders everything except runs that share eleven
    /// real bytes, and equal fields (equal names in by-key mode) stay in input order. Each such run skips whatever
    /// all its fields share (one linear pass), is keyed on the next eleven bytes and sorted again.
    #[inline(never)]
    fn sort(
        &mut self,
        url: &[u8],
        query_start: usize,
        query: &[u8],
        by_key: bool,
        options: &Options,
        out: &mut Vec<u8>,
    ) -> Option<(usize, Option<bool>)> {
        if query.len() >= u32::MAX as usize {
            return None;
        }
        self.fields.clear();
        self.keys.clear();
        // An already sorted query (the common case, and what `sort_query` borrows) is copied as it is, and a
        // reversed one written back to front, after one pass that compares neighbours and builds nothing.
        if !by_key {
            // The query is copied first: it is the answer when ascending, and the room the reversed query is
            // written into otherwise.
            let at = out.len();
            out.extend_from_slice(&url[..query_start]);
            let query_at = out.len();
            out.extend_from_slice(query);
            match run_of(query, options.dedupe, &mut out[query_at..]) {
                Run::Ascending => return Some((query.len(), Some(true))),
                Run::Descending => return Some((query.len(), Some(false))),
                Run::Neither => out.truncate(at),
            }
        }
        let (fields, keys) = (&mut self.fields, &mut self.keys);
        // Whether every key's real bytes are above (below) the previous one's: the common sorted and reversed
        // inputs then need neither the sort nor the search for ties.
        let (mut ascending, mut descending) = (true, true);
        let mut previous = None;
        let mut add = |start: usize, field_end: usize, end: usize| {
            if end > start {
                let index = fields.len() as u128;
                fields.push((start as u32, field_end as u32, end as u32));
                let key = wide_chunk(query, start, field_end) | index;
                if let Some(previous) = previous {
                    ascending &= wide_prefix(key) > wide_prefix(previous);
                    descending &= wide_prefix(key) < wide_prefix(previous);
                }
                previous = Some(key);
                keys.push(key);
            }
        };
        // Eight bytes per step; a `memchr` call per piece would cost more than the piece.
        if by_key {
            split_params(query, false, |start, end, name_end| {
                add(start, name_end, end)
            });
        } else {
            split_ampersands(query, |start, end| {
                add(start, end, end);
                true
            });
        }
        if descending {
            self.keys.reverse();
        } else if !ascending && (by_key || !self.sort_by_six_bytes()) {
            self.keys.sort_unstable();
            self.refine(query);
        }
        self.emit(url, query_start, query, options, out);
        // Not ascending in canonical mode: an empty piece, a repeat dropped, or two pieces swapped.
        Some((query.len(), (!by_key).then_some(false)))
    }

    /// Orders the keys (in input order) by a sort of `u64`s, cheaper than that of the `u128` keys, when that is
    /// enough: each holds the first six bytes of its piece (zero-padded) above a 16-bit index. Pieces whose six bytes
    /// differ are then in canonical order (a zero pad only differs from a real byte after the shorter piece's end).
    /// Returns false, having left the keys as they were, when there are more than 2^16 pieces, when the first few
    /// already share their six bytes (a long shared prefix: no use trying), or when any two do after sorting.
    fn sort_by_six_bytes(&mut self) -> bool {
        let Wide { keys, short, .. } = self;
        let six = |key: u128| (key >> 80) as u64;
        let shared = |first: &[u128]| first.iter().skip(1).any(|&k| six(k) == six(first[0]));
        if keys.len() > 1 << 16 || shared(&keys[..keys.len().min(8)]) {
            return false;
        }
        short.clear();
        short.extend(
            keys.iter()
                .map(|&key| six(key) << 16 | wide_index(key) as u64),
        );
        short.sort_unstable();
        if short.windows(2).any(|pair| pair[0] >> 16 == pair[1] >> 16) {
            return false;
        }
        // Keys that `emit` reads as before: the index below, and above it real bytes that differ between any two.
        for (key, &sorted) in keys.iter_mut().zip(short.iter()) {
            *key = u128::from(sorted >> 16) << 80 | u128::from(sorted & 0xffff);
        }
        true
    }

    /// Orders the runs of keys that tie on eleven real bytes, deepest first, until no run ties.
    fn refine(&mut self, query: &[u8]) {
        let Wide {
            fields, keys, work, ..
        } = self;
        let field = |key: u128| {
            let (start, end, _) = fields[wide_index(key)];
            &query[start as usize..end as usize]
        };
        work.clear();
        push_wide_ties(keys, 0, 0, work);
        while let Some((range, depth)) = work.pop() {
            let run = &mut keys[range.clone()];
            let first = field(run[0]);
            let shared = run[1..].iter().fold(first.len(), |shared, &key| {
                shared.min(common_prefix(&first[depth..shared], &field(key)[depth..]) + depth)
            });
            let depth = shared.max(depth);
            for key in run.iter_mut() {
                let (start, end, _) = fields[wide_index(*key)];
                *key = wide_chunk(query, start as usize + depth, end as usize)
                    | wide_index(*key) as u128;
            }
            run.sort_unstable();
            push_wide_ties(run, range.start, depth, work);
        }
    }

    /// Writes the head (without the `?` when nothing is left and [`EmptyQuery::Remove`] says so) and the sorted
    /// pieces, dropping repeats if asked; pieces that were neighbours in the input are copied as one block.
    fn emit(
        &self,
        url: &[u8],
        query_start: usize,
        query: &[u8],
        options: &Options,
        out: &mut Vec<u8>,
    ) {
        let keep_question_mark =
            !(self.keys.is_empty() && options.empty_query == EmptyQuery::Remove);
        out.extend_from_slice(&url[..query_start - usize::from(!keep_question_mark)]);
        let span = |key: u128| {
            let (start, _, end) = self.fields[wide_index(key)];
            (start as usize, end as usize)
        };
        let Some((&first, others)) = self.keys.split_first() else {
            return;
        };
        // Written into a zeroed slice with room for every piece, its `&` and the overshoot of a 32-byte copy (the
        // capacity `sort_into` reserved): no capacity check per piece.
        let at = out.len();
        out.resize(at + query.len() + 33, 0);
        let buf = &mut out[at..];
        let mut written = 0;
        let mut copy_block = |(start, end): (usize, usize)| {
            let len = end - start;
            match query.get(start..start + 32) {
                // A fixed-size copy cut to size is a few vector moves.
                Some(chunk) if len < 32 => buf[written..written + 32].copy_from_slice(chunk),
                _ => buf[written..written + len].copy_from_slice(&query[start..end]),
            }
            buf[written + len] = b'&';
            written += len + 1;
        };
        let (mut previous, mut block) = (first, span(first));
        for &key in others {
            let (start, end) = span(key);
            if options.dedupe && wide_prefix(key) == wide_prefix(previous) && {
                let (p_start, p_end) = span(previous);
                query[start..end] == query[p_start..p_end]
            } {
                continue;
            }
            previous = key;
            if start == block.1 + 1 {
                block.1 = end;
            } else {
                copy_block(block);
                block = (start, end);
            }
        }
        copy_block(block);
        // Without the last `&`.
        out.truncate(at + written - 1);
    }
}

/// The key bits of `query[from..end]` at its start, without the index: up to [`WIDE_CHUNK`] bytes big-endian and
/// zero-padded above their count.
fn wide_chunk(query: &[u8], from: usize, end: usize) -> u128 {
    let present = end.saturating_sub(from).min(WIDE_CHUNK);
    let bytes = match query.get(from..from + 16) {
        Some(chunk) => u128::from_be_bytes(chunk.try_into().unwrap_or_default()),
        None => query[from.min(end)..end]
            .iter()
            .take(WIDE_CHUNK)
            .enumerate()
            .fold(0, |key, (i, &b)| key | u128::from(b) << (120 - 8 * i)),
    };
    bytes & KEEP_BYTES[present] | (present as u128) << 32
}

/// Pushes every run of `keys` (which start at `offset` in the whole key array) that ties on [`WIDE_CHUNK`] real
/// bytes at `depth`, to be refined at `depth + WIDE_CHUNK`.
fn push_wide_ties(
    keys: &[u128],
    offset: usize,
    depth: usize,
    work: &mut Vec<(Range<usize>, usize)>,
) {
    let mut lo = 0;
    for tied in keys.chunk_by(|&a, &b| wide_prefix(a) == wide_prefix(b)) {
        let hi = lo + tied.len();
        // Two or more keys tie. Fewer real bytes: the fields are equal (names in by-key mode) and
        // stay in input order.
        if let [first, _, ..] = tied
            && wide_present(*first) == WIDE_CHUNK
        {
            work.push((offset + lo..offset + hi, depth + WIDE_CHUNK));
        }
        lo = hi;
    }
}

/// Sorts, by `compare`, every run of `keys` that share their prefix (all but the low byte).
fn sort_ties(keys: &mut [u64], mut compare: impl FnMut(u64, u64) -> Ordering) {
    let prefix = |key: u64| key >> 8;
    for tied in keys.chunk_by_mut(|&a, &b| prefix(a) == prefix(b)) {
        tied.sort_unstable_by(|&a, &b| compare(a, b));
    }
}

/// How the pieces of a query run, as far as one pass over neighbours tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Run {
    /// Every piece is non-empty and none is below the one before it (none equal to it, with dedupe): sorting gives
    /// the query itself. A query of identical pieces (without dedupe) is ascending.
    Ascending,
    /// Every piece is non-empty and none is above the one before it (none equal to it, with dedupe), and some
    /// piece is below the one before it: sorting gives the pieces in reverse order.
    Descending,
    /// Anything else: an empty piece, pieces going both ways, or equal neighbours with dedupe.
    Neither,
}

/// `PREFIX_MASK[n]` keeps the top `n` bytes of a `u64`.
const PREFIX_MASK: [u64; 9] = {
    let mut masks = [u64::MAX; 9];
    let mut n = 0;
    while n < 8 {
        masks[n] = !(u64::MAX >> (8 * n));
        n += 1;
    }
    masks
};

/// The neighbour comparisons of [`run_of`]: the previous piece, the directions still possible, and the reversed
/// query written so far.
struct Neighbours<'q, 'b> {
    query: &'q [u8],
    dedupe: bool,
    ascending: bool,
    descending: bool,
    /// The previous piece and its [`prefix_key`]; `None` before the first.
    previous: Option<(usize, usize, u64)>,
    /// As long as `query`; once only descending is possible, every piece is written here at its place in the
    /// reversed query.
    reversed: &'b mut [u8],
}

impl Neighbours<'_, '_> {
    /// Compares the piece `start..end` with the previous one; false once the run can be neither way.
    #[inline(always)]
    fn visit(&mut self, start: usize, end: usize) -> bool {
        if end == start {
            self.ascending = false;
            self.descending = false;
            return false;
        }
        let key = prefix_key(self.query, start, end);
        if let Some((p_start, p_end, p_key)) = self.previous {
            // Different keys order the pieces (a zero pad only differs from a real byte after a shorter piece's
            // end); equal keys leave it to the whole pieces.
            let order = p_key
                .cmp(&key)
                .then_with(|| self.query[p_start..p_end].cmp(&self.query[start..end]));
            match order {
                Ordering::Less => self.descending = false,
                Ordering::Greater if self.ascending => {
                    // The first step down: the pieces before it are all equal, so reversed they read the same.
                    self.ascending = false;
                    let len = self.query.len();
                    self.reversed[len - p_end..].copy_from_slice(&self.query[..p_end]);
                }
                Ordering::Greater => {}
                Ordering::Equal if self.dedupe => {
                    self.ascending = false;
                    self.descending = false;
                }
                Ordering::Equal => {}
            }
        }
        self.previous = Some((start, end, key));
        if !self.ascending && self.descending {
            self.write_reversed(start, end);
        }
        self.ascending || self.descending
    }

    /// Writes the piece `start..end` (and the `&` before it) where it goes in the reversed query: at
    /// `len - end..len - start`, which mirrors its place. A short piece is one 16-byte copy that ends where the
    /// piece ends; what it writes before the piece belongs to later pieces, which overwrite it.
    #[inline(always)]
    fn write_reversed(&mut self, start: usize, end: usize) {
        let len = self.query.len();
        let (to_start, to_end) = (len - end, len - start);
        match (end.checked_sub(16), to_end.checked_sub(16)) {
            (Some(from), Some(to)) if end - start <= 16 => {
                self.reversed[to..to_end].copy_from_slice(&self.query[from..end]);
            }
            _ => self.reversed[to_start..to_end].copy_from_slice(&self.query[start..end]),
        }
        if let Some(ampersand) = self.reversed.get_mut(to_end) {
            *ampersand = b'&';
        }
    }
}

/// The first eight bytes of the piece `query[start..end]` (non-empty), big-endian and zero-padded.
#[inline(always)]
fn prefix_key(query: &[u8], start: usize, end: usize) -> u64 {
    match query.get(start..start + 8) {
        Some(chunk) => {
            u64::from_be_bytes(chunk.try_into().unwrap_or_default())
                & PREFIX_MASK[(end - start).min(8)]
        }
        None => query[start..end]
            .iter()
            .enumerate()
            .fold(0, |key, (i, &b)| key | u64::from(b) << (56 - 8 * i)),
    }
}

/// Whether the pieces of `query` are already in canonical order (strictly, with `dedupe`), in reverse canonical
/// order, or neither (see [`Run`]). One pass; stops as soon as it is neither. `reversed` is as long as `query`;
/// when ascending it is left untouched, when descending it is left holding the pieces in reverse order joined by
/// `&` (every byte overwritten), otherwise its contents are unspecified.
fn run_of(query: &[u8], dedupe: bool, reversed: &mut [u8]) -> Run {
    let mut run = Neighbours {
        query,
        dedupe,
        ascending: true,
        descending: true,
        previous: None,
        reversed,
    };
    // The loop of `split_ampersands`, written out: a closure call per piece is not inlined there.
    let mut start = 0;
    'scan: {
        for (i, block) in query.chunks(64).enumerate() {
            let mut found = ampersand_mask(block);
            for _ in 0..found.count_ones() {
                let at = 64 * i + found.trailing_zeros() as usize;
                if !run.visit(start, at) {
                    break 'scan;
                }
                start = at + 1;
                found &= found - 1;
            }
        }
        run.visit(start, query.len());
    }
    match (run.ascending, run.descending) {
        (true, _) => Run::Ascending,
        (false, true) => Run::Descending,
        (false, false) => Run::Neither,
    }
}

/// Bit `i` set when `block[i]` is `&`, for a block of at most 64 bytes. Written so that the compiler makes it a few
/// vector compares (bytes to 0 or 1) and one multiplication per eight bytes that gathers their low bits.
#[inline(always)]
fn ampersand_mask(block: &[u8]) -> u64 {
    let mut bytes = [0u8; 64];
    let bytes = match <&[u8; 64]>::try_from(block) {
        Ok(full) => full,
        Err(_) => {
            bytes[..block.len()].copy_from_slice(block);
            &bytes
        }
    };
    let ones = bytes.map(|b| u8::from(b == b'&'));
    let mut mask = 0;
    for (k, word) in ones.chunks_exact(8).enumerate() {
        let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
        // Byte `i` of `word` (0 or 1) lands on bit `56 + i`; no two partial products share a bit, so none carries.
        mask |= (word.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    mask
}

/// Calls `visit(start, end)` for every piece of `query` between `&`s, empty pieces included, until it returns
/// false; 64 bytes per step.
#[inline(always)]
fn split_ampersands(query: &[u8], mut visit: impl FnMut(usize, usize) -> bool) {
    let mut start = 0;
    for (i, block) in query.chunks(64).enumerate() {
        let mut found = ampersand_mask(block);
        for _ in 0..found.count_ones() {
            let at = 64 * i + found.trailing_zeros() as usize;
            if !visit(start, at) {
                return;
            }
            start = at + 1;
            found &= found - 1;
        }
    }
    visit(start, query.len());
}

/// Calls `visit(start, end, name_end)` for every piece of the query between `&`s, empty pieces included, where
/// `name_end` is the first `=` in the piece or `end`. The query is `rest` up to its first `#` when `stop_at_hash`,
/// else all of `rest`; returns its length. One pass, eight bytes at a time.
fn split_params(
    rest: &[u8],
    stop_at_hash: bool,
    mut visit: impl FnMut(usize, usize, usize),
) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    /// High bit set in exactly the bytes of `word` equal to `byte` (no false positives: no carries between bytes).
    fn bytes_equal(word: u64, byte: u8) -> u64 {
        let x = word ^ (ONES * u64::from(byte));
        !(((x & LOW7) + LOW7) | x) & !LOW7
    }
    let (mut start, mut name_end) = (0, None);
    let mut on_delimiter = |at: usize, is_ampersand: bool| {
        if is_ampersand {
            visit(start, at, name_end.unwrap_or(at));
            start = at + 1;
            name_end = None;
        } else if name_end.is_none() {
            name_end = Some(at);
        }
    };
    let mut query_len = rest.len();
    let mut chunks = rest.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let ampersands = bytes_equal(word, b'&');
        let mut delimiters = ampersands | bytes_equal(word, b'=');
        let hashes = if stop_at_hash {
            bytes_equal(word, b'#')
        } else {
            0
        };
        if hashes != 0 {
            let hash_bit = hashes.trailing_zeros();
            delimiters &= (1u64 << hash_bit) - 1;
            query_len = offset + hash_bit as usize / 8;
        }
        // One turn per delimiter, each clearing the lowest: counted, so no slip can spin forever.
        for _ in 0..delimiters.count_ones() {
            let bit = delimiters.trailing_zeros();
            on_delimiter(offset + bit as usize / 8, ampersands >> bit & 1 == 1);
            delimiters &= delimiters - 1;
        }
        if hashes != 0 {
            break;
        }
        offset += 8;
    }
    if query_len == rest.len() {
        for (i, &b) in chunks.remainder().iter().enumerate() {
            match b {
                b'&' | b'=' => on_delimiter(offset + i, b == b'&'),
                b'#' if stop_at_hash => {
                    query_len = offset + i;
                    break;
                }
                _ => {}
            }
        }
    }
    visit(start, query_len, name_end.unwrap_or(query_len));
    query_len
}

/// Splits the query at the start of `rest` into the non-empty, wanted parameters, normalising them first if asked.
/// Returns the query's length (where the fragment starts).
fn collect(
    rest: &[u8],
    options: &Options,
    params: &mut Vec<Param>,
    normalized: &mut Vec<u8>,
) -> usize {
    params.clear();
    normalized.clear();
    let filtered = !options.drop.is_empty() || !options.keep.is_empty();
    split_params(
        rest,
        options.mode != Mode::Varnish,
        |start, end, name_end| {
            if start == end {
                return;
            }
            let (from, to, name_end, source) = if options.decode_unreserved {
                // Decoding never creates or removes a `=` (it is reserved), but it can move it.
                let from = normalized.len();
                percent::normalize_into(&rest[start..end], normalized);
                let to = normalized.len();
                let name_end = memchr::memchr(b'=', &normalized[from..to]).map_or(to, |i| from + i);
                (from, to, name_end, &normalized[..])
            } else {
                (start, end, name_end, rest)
            };
            if !filtered || options.is_wanted(&source[from..name_end]) {
                let field = if options.mode == Mode::ByKey {
                    &source[from..name_end]
                } else {
                    &source[from..to]
                };
                let (key, present) = chunk_key(field, 0, options.mode == Mode::Varnish);
                params.push(Param {
                    start: from,
                    end: to,
                    name_end,
                    key,
                    present,
                });
            } else if options.decode_unreserved {
                normalized.truncate(from);
            }
        },
    )
}

/// Writes the parameters joined by `&`. When they are slices of the query itself, parameters that were
/// neighbours in the input are copied as one block (a sorted input is a single copy).
fn emit(params: &[Param], source: &[u8], contiguous_source: bool, out: &mut Vec<u8>) {
    let Some(first) = params.first() else {
        return;
    };
    let mut block = first.bytes();
    for param in &params[1..] {
        if contiguous_source && param.start == block.end + 1 {
            block.end = param.end;
        } else {
            out.extend_from_slice(&source[block]);
            out.push(b'&');
            block = param.bytes();
        }
    }
    out.extend_from_slice(&source[block]);
}

/// The 8 bytes of `field` from `depth`, big-endian and zero-padded, and how many are real. In Varnish mode the
/// bytes are flipped at the top bit so that unsigned order of the key is signed-`char` order of the bytes.
fn chunk_key(field: &[u8], depth: usize, signed: bool) -> (u64, u8) {
    let rest = field.get(depth..).unwrap_or_default();
    let present = rest.len().min(8);
    // A direct 8-byte load when possible: copying into a zeroed array first stalls on store forwarding.
    let mut key = match rest.first_chunk::<8>() {
        Some(chunk) => u64::from_be_bytes(*chunk),
        None => rest
            .iter()
            .enumerate()
            .fold(0, |key, (i, &b)| key | u64::from(b) << (56 - 8 * i)),
    };
    if signed {
        // Flip only the real bytes; padding stays 0, and ties are broken by `present` (a prefix sorts first).
        key ^= 0x8080_8080_8080_8080 & !(u64::MAX.checked_shr(8 * present as u32).unwrap_or(0));
    }
    (key, present as u8)
}

/// Below this many parameters one comparison sort on (first 8 bytes, then the whole field) beats the chunk sort.
const SMALL: usize = 32;

/// Signed-`char` byte order, as Varnish compares on x86-64, with a proper prefix first.
fn signed_order(a: &[u8], b: &[u8]) -> Ordering {
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(i) => (a[i] as i8).cmp(&(b[i] as i8)),
        None => a.len().cmp(&b.len()),
    }
}

/// Length of the common prefix of `a` and `b`, compared eight bytes at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let len = a.len().min(b.len());
    let (a, b) = (&a[..len], &b[..len]);
    let mut i = 0;
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        let diff = u64::from_le_bytes(x.try_into().unwrap_or_default())
            ^ u64::from_le_bytes(y.try_into().unwrap_or_default());
        if diff != 0 {
            return i + diff.trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    i + a[i..]
        .iter()
        .zip(&b[i..])
        .take_while(|(x, y)| x == y)
        .count()
}

/// Sorts `params` for `options.mode`, then removes duplicates if asked. Keys at depth 0 are already set.
///
/// Few parameters: one allocation-free unstable sort comparing the 8-byte keys first and the whole field on a
/// tie (by-key breaks the final tie on the input position, which is what makes it stable). Many parameters: a
/// most-significant-digit sort on 8-byte chunks: each range is sorted by `(chunk at depth, real bytes in it)`, and
/// runs whose chunks are equal and full move on to the next 8 bytes; runs with an equal, partial chunk hold
/// identical fields and, in by-key mode, are put back in input order. Shared prefixes then cost one linear pass per
/// 8 bytes (equal keys are linear for the pattern-defeating quicksort), never a byte-by-byte comparison in each of
/// the O(n log n) steps.
fn order(
    params: &mut Vec<Param>,
    work: &mut Vec<(Range<usize>, usize)>,
    source: &[u8],
    options: &Options,
) {
    let (by_name, signed) = match options.mode {
        Mode::Canonical => (false, false),
        Mode::ByKey => (true, false),
        Mode::Varnish => (false, true),
    };
    work.clear();
    if params.len() <= SMALL {
        match options.mode {
            Mode::Canonical => params.sort_unstable_by(|a, b| {
                (a.key, a.present)
                    .cmp(&(b.key, b.present))
                    .then_with(|| source[a.bytes()].cmp(&source[b.bytes()]))
            }),
            Mode::Varnish => params.sort_unstable_by(|a, b| {
                (a.key, a.present)
                    .cmp(&(b.key, b.present))
                    .then_with(|| signed_order(&source[a.bytes()], &source[b.bytes()]))
            }),
            Mode::ByKey => params.sort_unstable_by(|a, b| {
                (a.key, a.present)
                    .cmp(&(b.key, b.present))
                    .then_with(|| source[a.name()].cmp(&source[b.name()]))
                    .then(a.start.cmp(&b.start))
            }),
        }
    } else {
        work.push((0..params.len(), 0));
    }
    while let Some((range, mut depth)) = work.pop() {
        let run = &mut params[range.clone()];
        if depth > 0 {
            let field = |p: &Param| &source[if by_name { p.name() } else { p.bytes() }];
            // Skip the bytes the whole run shares: one linear pass instead of one sorting level per 8 bytes.
            let first = field(&run[0]);
            let shared = run[1..].iter().fold(first.len(), |shared, p| {
                shared.min(common_prefix(&first[depth..shared], &field(p)[depth..]) + depth)
            });
            depth = shared.max(depth);
            for param in run.iter_mut() {
                let field = if by_name { param.name() } else { param.bytes() };
                (param.key, param.present) = chunk_key(&source[field], depth, signed);
            }
        }
        run.sort_unstable_by_key(|p| (p.key, p.present));
        let mut lo = 0;
        while lo < run.len() {
            let (key, present) = (run[lo].key, run[lo].present);
            let hi = lo
                + run[lo..]
                    .iter()
                    .position(|p| (p.key, p.present) != (key, present))
                    .unwrap_or(run.len() - lo);
            if hi - lo > 1 {
                if present == 8 {
                    work.push((range.start + lo..range.start + hi, depth + 8));
                } else if by_name {
                    run[lo..hi].sort_unstable_by_key(|p| p.start);
                }
            }
            lo = hi;
        }
    }
    if !options.dedupe {
        return;
    }
    match options.mode {
        Mode::Canonical | Mode::Varnish => {
            params.dedup_by(|later, earlier| source[later.bytes()] == source[earlier.bytes()]);
        }
        Mode::ByKey => dedupe_within_names(params, source),
    }
}

/// By-key dedupe: equal parameters share a name, so each run of equal names is deduplicated on its own.
fn dedupe_within_names(params: &mut Vec<Param>, source: &[u8]) {
    let mut group_start = 0;
    while group_start < params.len() {
        let name = &source[params[group_start].name()];
        let group_len = params[group_start..]
            .iter()
            .position(|p| source[p.name()] != *name)
            .unwrap_or(params.len() - group_start);
        let group = &mut params[group_start..group_start + group_len];
        group_start += group_len;
        if group.len() < 2 {
            continue;
        }
        // Equal parameters become adjacent, earliest first; mark the later ones empty, then restore input order.
        group.sort_unstable_by(|a, b| {
            source[a.bytes()]
                .cmp(&source[b.bytes()])
                .then(a.start.cmp(&b.start))
        });
        for i in (1..group.len()).rev() {
            if source[group[i].bytes()] == source[group[i - 1].bytes()] {
                group[i].end = group[i].start;
            }
        }
        group.sort_unstable_by_key(|p| p.start);
    }
    params.retain(|p| p.end > p.start);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The common prefix, against a byte-by-byte count: in the eight-byte words, in the tail after
    /// them, at each position of a first difference, and for one slice a prefix of the other.
    #[test]
    fn common_prefix_counts_equal_leading_bytes() {
        let _deadline = gauntlet_oracle::no_hang("common_prefix_counts_equal_leading_bytes");
        let base: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        for len in [0, 1, 7, 8, 9, 16, 23, 40] {
            let a = &base[..len];
            assert_eq!(common_prefix(a, a), len, "equal, {len} bytes");
            assert_eq!(common_prefix(a, &base), len, "a prefix, {len} bytes");
            assert_eq!(
                common_prefix(&base, a),
                len,
                "a prefix the other way, {len} bytes"
            );
            for at in 0..len {
                let mut b = a.to_vec();
                b[at] ^= 0x20;
                assert_eq!(common_prefix(a, &b), at, "{len} bytes, differing at {at}");
            }
        }
    }

    #[test]
    fn a_sorter_gives_back_buffers_grown_past_4_mib_and_keeps_small_ones() {
        let _deadline = gauntlet_oracle::no_hang(
            "a_sorter_gives_back_buffers_grown_past_4_mib_and_keeps_small_ones",
        );
        let mut sorter = Sorter::default();
        let mut out = Vec::new();
        sorter.sort_into(b"/p?b=2&a=1", &mut out);
        assert!(
            !sorter.release_if_large(),
            "a small query's buffers are kept"
        );
        let many: Vec<String> = (0..200_000).rev().map(|i| format!("p{i}")).collect();
        sorter.sort_into(format!("/p?{}", many.join("&")).as_bytes(), &mut out);
        assert!(
            sorter.release_if_large(),
            "200 000 parameters grew them past 4 MiB"
        );
        assert!(!sorter.release_if_large(), "given back once");
    }

    /// `sort_into` reserves what the output needs and the 32 bytes of overshoot of fixed-size copies, no more.
    #[test]
    fn sort_into_reserves_the_url_and_32_bytes() {
        let _deadline = gauntlet_oracle::no_hang("sort_into_reserves_the_url_and_32_bytes");
        for url in [
            &b"/p?b=2&a=1"[..],
            b"/catalog/shoes/running?q=1&page=2&sort=asc#top",
            b"/no/query",
        ] {
            let mut out = Vec::new();
            Sorter::default().sort_into(url, &mut out);
            assert!(
                out.capacity() < 2 * (url.len() + 32),
                "{url:?}: {}",
                out.capacity()
            );
        }
    }

    /// The wide sort in by-key mode (more than 256 pieces, fewer than 4096 bytes) on names already in order, in
    /// reverse order, and in order but for one swap: the keys are neither flipped nor left unsorted.
    #[test]
    fn wide_by_key_sort_of_ordered_and_reversed_names() {
        let _deadline = gauntlet_oracle::no_hang("wide_by_key_sort_of_ordered_and_reversed_names");
        let options = Options::new(Mode::ByKey);
        let names: Vec<String> = (0..300).map(|i| format!("k{i:04}={}", 299 - i)).collect();
        let mut reversed = names.clone();
        reversed.reverse();
        let mut swapped = names.clone();
        swapped.swap(10, 11);
        for list in [names, reversed, swapped] {
            let url = format!("/p?{}", list.join("&")).into_bytes();
            let mut out = Vec::new();
            Sorter::new(options.clone()).sort_into(&url, &mut out);
            assert_eq!(out, crate::naive::sort(&url, &options));
        }
    }

    /// Around the packed sort's limit of 256 pieces, with one to four `&` per eight bytes and empty pieces.
    #[test]
    fn packed_sort_limit_falls_back_exactly() {
        let _deadline = gauntlet_oracle::no_hang("packed_sort_limit_falls_back_exactly");
        let options = Options::default().with_dedupe(true);
        for width in [1, 2, 5] {
            for pieces in 250..=260 {
                let mut url = b"/p?".to_vec();
                for i in (0..pieces).rev() {
                    if i % 7 != 3 {
                        url.extend(format!("{i:0width$}").bytes().take(width));
                    }
                    url.push(b'&');
                }
                url.pop();
                url.extend_from_slice(b"#f&g");
                let mut out = Vec::new();
                Sorter::new(options.clone()).sort_into(&url, &mut out);
                assert_eq!(out, crate::naive::sort(&url, &options), "{width} {pieces}");
            }
        }
    }

    /// xorshift64: the seeded bytes of the tests below.
    fn next(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    /// The small path is taken in canonical mode with no option but the fragment's and the empty query's, and with no
    /// other: every other option makes the sorter skip it (taking it would be wrong), and those two keep it (skipping
    /// it would give the same answer, only slower, which no other test sees).
    #[test]
    fn small_path_only_without_options() {
        let _deadline = gauntlet_oracle::no_hang("small_path_only_without_options");
        assert!(!Sorter::default().no_small);
        for options in [
            Options::default(),
            Options::new(Mode::Canonical).with_strip_fragment(true),
            Options::default().with_empty_query(EmptyQuery::Remove),
        ] {
            assert!(!Sorter::new(options.clone()).no_small, "{options:?}");
        }
        for options in [
            Options::new(Mode::ByKey),
            Options::new(Mode::Varnish),
            Options::default().with_dedupe(true),
            Options::default().with_decode_unreserved(true),
            Options::default().drop("a").expect("a glob"),
            Options::default().keep("a").expect("a glob"),
        ] {
            assert!(Sorter::new(options.clone()).no_small, "{options:?}");
        }
    }

    /// What `sort_into_telling` says, where it says anything, is whether the output equals the URL: small and wide
    /// queries, sorted or not, with empty pieces, repeats, fragments and no query at all, in every mode. Canonical
    /// mode without options must know the answer for sorted and unsorted queries alike.
    #[test]
    fn sort_into_tells_whether_the_url_is_unchanged() {
        let _deadline = gauntlet_oracle::no_hang("sort_into_tells_whether_the_url_is_unchanged");
        let pieces: [&[u8]; 7] = [b"a", b"b", b"a=1", b"b=2", b"", b"c", b"a"];
        let mut seed = 0x0bad_5eed_1234_5678;
        for options in [
            Options::default(),
            Options::default().with_strip_fragment(true),
            Options::default().with_dedupe(true),
            Options::default().with_empty_query(EmptyQuery::Remove),
            Options::new(Mode::ByKey),
            Options::new(Mode::Varnish),
        ] {
            let canonical = options.mode() == Mode::Canonical && !options.dedupe;
            let mut sorter = Sorter::new(options);
            let mut known = [0; 2];
            let mut out = Vec::new();
            for case in 0..1400 {
                let count = [0, 1, 2, 3, 5, 8, 300][case % 7];
                let mut list: Vec<&[u8]> = (0..count)
                    .map(|_| pieces[(next(&mut seed) % 7) as usize])
                    .collect();
                if case % 3 != 0 {
                    list.retain(|p| !p.is_empty());
                    list.sort();
                    list.dedup();
                }
                let mut url = b"/p".to_vec();
                if case % 11 != 0 {
                    url.push(b'?');
                }
                url.extend_from_slice(&list.join(&b'&'));
                if case % 5 == 0 {
                    url.extend_from_slice(b"#f&a");
                }
                let told = sorter.sort_into_telling(&url, &mut out);
                if let Some(unchanged) = told {
                    assert_eq!(unchanged, out == url, "{:?}", String::from_utf8_lossy(&url));
                    known[usize::from(unchanged)] += 1;
                }
            }
            if canonical {
                assert!(known.iter().all(|&n| n > 200), "{known:?}");
            }
        }
    }

    /// The `u64` sort of wide queries: taken for distinct six-byte prefixes (pieces shorter than six bytes
    /// included); refused up front for more than 2^16 pieces or a shared prefix among the first eight, and after
    /// sorting for a tie found then. Where taken, the keys come out in canonical order; the whole sort equals the
    /// model either way.
    #[test]
    fn wide_sort_by_six_bytes_where_it_is_enough() {
        let _deadline = gauntlet_oracle::no_hang("wide_sort_by_six_bytes_where_it_is_enough");
        let mut seed = 0x5eed_0f5a_110b_1e77;
        let distinct = |count: usize, seed: &mut u64| -> Vec<Vec<u8>> {
            let mut pieces: Vec<Vec<u8>> = (0..count)
                .map(|i| match i % 4 {
                    0 => format!("{i:05}").into_bytes(),
                    1 => format!("q{i:05}=v").into_bytes(),
                    2 => format!("r{i:05}abcdefghij").into_bytes(),
                    _ => [&b"s"[..], &(i as u32).to_be_bytes(), b"\0"].concat(),
                })
                .collect();
            for i in (1..pieces.len()).rev() {
                pieces.swap(i, (next(seed) % (i as u64 + 1)) as usize);
            }
            pieces
        };
        let taken = |pieces: &[Vec<u8>]| -> Option<bool> {
            let query = pieces.join(&b'&');
            let mut wide = Wide::default();
            let mut start = 0;
            for piece in pieces {
                let index = wide.keys.len() as u128;
                wide.fields.push((
                    start as u32,
                    (start + piece.len()) as u32,
                    (start + piece.len()) as u32,
                ));
                wide.keys
                    .push(wide_chunk(&query, start, start + piece.len()) | index);
                start += piece.len() + 1;
            }
            let before = wide.keys.clone();
            if !wide.sort_by_six_bytes() {
                assert_eq!(wide.keys, before, "refused, the keys must be as they were");
                // `None`: refused up front, without sorting.
                return (!wide.short.is_empty()).then_some(false);
            }
            let order: Vec<&Vec<u8>> = wide.keys.iter().map(|&k| &pieces[wide_index(k)]).collect();
            assert!(order.is_sorted());
            Some(true)
        };
        for count in [2, 3, 9, 300, 1000] {
            let mut pieces = distinct(count, &mut seed);
            assert_eq!(taken(&pieces), Some(true), "{count}");
            // Two pieces sharing six bytes, after the first eight and in the wrong order.
            pieces.push(b"tttttt2".to_vec());
            pieces.push(b"tttttt1".to_vec());
            assert_eq!(taken(&pieces), Some(false), "{count}");
            pieces.truncate(count);
            pieces.insert(1, [&pieces[0][..], b"x"].concat());
            if pieces[0].len() >= 6 {
                assert_eq!(taken(&pieces), None, "{count}");
            }
        }
        assert_eq!(taken(&distinct(1 << 16, &mut seed)), Some(true));
        assert_eq!(taken(&distinct((1 << 16) + 1, &mut seed)), None);

        for count in [300, 5000] {
            let mut pieces = distinct(count, &mut seed);
            pieces.push(b"tttttt2".to_vec());
            pieces.push(b"ab".to_vec());
            pieces.push(b"ab\0".to_vec());
            for list in [distinct(count, &mut seed), pieces] {
                let url = [&b"/p?"[..], &list.join(&b'&'), b"#f"].concat();
                for options in [Options::default(), Options::default().with_dedupe(true)] {
                    let mut out = Vec::new();
                    Sorter::new(options.clone()).sort_into(&url, &mut out);
                    assert_eq!(out, crate::naive::sort(&url, &options), "{count}");
                }
            }
        }
    }

    /// Every block length up to 64, with look-alike bytes (`&` with the top bit set, its neighbours, 0 and 0xff).
    #[test]
    fn ampersand_mask_marks_exactly_the_ampersands() {
        let _deadline = gauntlet_oracle::no_hang("ampersand_mask_marks_exactly_the_ampersands");
        let alphabet = [b'&', 0xa6, b'%', b'\'', 0x00, 0xff, b'a', 0x7f];
        let mut seed = 0x9e37_79b9_7f4a_7c15;
        for len in 0..=64 {
            for _ in 0..100 {
                let block: Vec<u8> = (0..len)
                    .map(|_| alphabet[(next(&mut seed) % 8) as usize])
                    .collect();
                let want = block
                    .iter()
                    .enumerate()
                    .fold(0u64, |mask, (i, &b)| mask | u64::from(b == b'&') << i);
                assert_eq!(ampersand_mask(&block), want, "{block:?}");
            }
        }
    }

    /// Pieces across 64-byte blocks, and a visitor that stops after `stop` pieces.
    #[test]
    fn split_ampersands_matches_a_split_and_stops_when_told() {
        let _deadline =
            gauntlet_oracle::no_hang("split_ampersands_matches_a_split_and_stops_when_told");
        let mut seed = 0x2545_f491_4f6c_dd1d;
        for len in (0..=140).chain([191, 192, 193, 255, 256, 257]) {
            let query: Vec<u8> = (0..len)
                .map(|_| if next(&mut seed) % 5 == 0 { b'&' } else { b'x' })
                .collect();
            let mut want = Vec::new();
            let mut start = 0;
            for piece in query.split(|&b| b == b'&') {
                want.push((start, start + piece.len()));
                start += piece.len() + 1;
            }
            for stop in [1, 2, want.len() / 2 + 1, usize::MAX] {
                let mut got = Vec::new();
                split_ampersands(&query, |start, end| {
                    got.push((start, end));
                    got.len() < stop
                });
                assert_eq!(got, want[..want.len().min(stop)], "{len} {stop}");
            }
        }
    }

    /// `run_of` against its definition, on queries built to sit on its edges: equal neighbours first, in the
    /// middle and last; pieces of 1 to 40 bytes (a key holds 8, a short copy 16) that share their first 8 bytes
    /// or end in `\0`; an empty piece; the first step down late. When descending, the reversed query is checked byte
    /// for byte.
    #[test]
    fn run_of_tells_ascending_descending_and_neither_and_reverses() {
        let _deadline =
            gauntlet_oracle::no_hang("run_of_tells_ascending_descending_and_neither_and_reverses");
        let mut seed = 0x1234_5678_9abc_def1;
        let piece = |seed: &mut u64| -> Vec<u8> {
            let len = [1, 2, 7, 8, 9, 15, 16, 17, 24, 40][(next(seed) % 10) as usize];
            let mut p = vec![b'k'; len];
            // Mostly the same bytes, so keys and whole pieces tie often.
            for b in p.iter_mut().skip(if next(seed) % 2 == 0 { 8 } else { 0 }) {
                *b = [b'k', b'a', b'\0', 0xff][(next(seed) % 4) as usize];
            }
            p
        };
        let mut counts = [0; 3];
        for case in 0..3000 {
            let count = 1 + (next(&mut seed) % 12) as usize;
            let mut pieces: Vec<Vec<u8>> = (0..count).map(|_| piece(&mut seed)).collect();
            match case % 4 {
                0 => pieces.sort(),
                1 | 2 => pieces.sort_by(|a, b| b.cmp(a)),
                _ => {}
            }
            if case % 8 == 2 {
                // Equal pieces first: the step down comes late.
                let first = pieces[0].clone();
                pieces.splice(0..0, std::iter::repeat_n(first, 3));
            }
            if case % 50 == 7 {
                let at = (next(&mut seed) % (pieces.len() as u64 + 1)) as usize;
                pieces.insert(at, Vec::new());
            }
            let query = pieces.join(&b'&');
            for dedupe in [false, true] {
                let up = |a: &Vec<u8>, b: &Vec<u8>| if dedupe { a < b } else { a <= b };
                let non_empty = pieces.iter().all(|p| !p.is_empty());
                let ascending = pieces.windows(2).all(|w| up(&w[0], &w[1]));
                let descending = pieces.windows(2).all(|w| up(&w[1], &w[0]));
                let want = match (non_empty, ascending, descending) {
                    (true, true, _) => Run::Ascending,
                    (true, false, true) => Run::Descending,
                    _ => Run::Neither,
                };
                let mut reversed = vec![0xee; query.len()];
                let got = run_of(&query, dedupe, &mut reversed);
                assert_eq!(got, want, "{query:?} {dedupe}");
                counts[want as usize] += 1;
                match want {
                    Run::Ascending => assert!(reversed.iter().all(|&b| b == 0xee)),
                    Run::Descending => {
                        let mut sorted = pieces.clone();
                        sorted.sort();
                        assert_eq!(reversed, sorted.join(&b'&'), "{query:?}");
                    }
                    Run::Neither => {}
                }
            }
        }
        assert!(counts.iter().all(|&n| n > 500), "{counts:?}");
    }

    /// Every length up to three words, with look-alike bytes (`&` and `=` with the top bit set, neighbours).
    #[test]
    fn split_params_matches_a_byte_loop() {
        let _deadline = gauntlet_oracle::no_hang("split_params_matches_a_byte_loop");
        let alphabet = [
            b'&', b'=', b'#', b'a', 0xa6, 0xbd, 0xa3, 0x25, 0x27, 0x3c, 0x00, 0xff,
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for len in 0..=24 {
            for _ in 0..200 {
                let rest: Vec<u8> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        alphabet[(seed % alphabet.len() as u64) as usize]
                    })
                    .collect();
                for stop_at_hash in [false, true] {
                    let mut got = Vec::new();
                    let got_len = split_params(&rest, stop_at_hash, |s, e, n| got.push((s, e, n)));
                    let query_len = match rest.iter().position(|&b| b == b'#') {
                        Some(hash) if stop_at_hash => hash,
                        _ => rest.len(),
                    };
                    let mut want = Vec::new();
                    let mut start = 0;
                    for piece in rest[..query_len].split(|&b| b == b'&') {
                        let name = piece.iter().position(|&b| b == b'=').unwrap_or(piece.len());
                        want.push((start, start + piece.len(), start + name));
                        start += piece.len() + 1;
                    }
                    assert_eq!((got_len, got), (query_len, want), "{rest:?} {stop_at_hash}");
                }
            }
        }
    }

    /// `find_opener` against a plain search, for URLs of 0 to 50 bytes with a `?`, a `#`, both or neither at every
    /// position (in whole 16-byte chunks, in the bytes after them, and in URLs shorter than a chunk), with and without
    /// `#` counting.
    #[test]
    fn find_opener_finds_the_first_question_mark_or_hash() {
        let _deadline =
            gauntlet_oracle::no_hang("find_opener_finds_the_first_question_mark_or_hash");
        let mut checked = [0; 2];
        for len in 0..=50usize {
            for first in 0..=len {
                for second in [None, Some(first + 1), Some(len.saturating_sub(1))] {
                    for (a, b) in [(b'?', b'#'), (b'#', b'?'), (b'#', b'#'), (b'?', b'?')] {
                        let mut url: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                        if let Some(at) = url.get_mut(first) {
                            *at = a;
                        }
                        if let Some(at) = second.and_then(|at| url.get_mut(at)) {
                            *at = b;
                        }
                        for hash_too in [false, true] {
                            let want = url
                                .iter()
                                .position(|&c| c == b'?' || (hash_too && c == b'#'));
                            assert_eq!(find_opener(&url, hash_too), want, "{url:?} {hash_too}");
                            checked[usize::from(want.is_some())] += 1;
                        }
                    }
                }
            }
        }
        assert!(checked.iter().all(|&n| n > 1000), "{checked:?}");
    }

    /// A fragment that comes before any `?` is not a query, `&` and `?` in it included: the small path, tried first,
    /// leaves such a URL to the general path, which copies it as it is (with the default options, and with the
    /// fragment stripped).
    #[test]
    fn a_fragment_before_any_query_is_not_sorted() {
        let _deadline = gauntlet_oracle::no_hang("a_fragment_before_any_query_is_not_sorted");
        let mut out = Vec::new();
        for (options, url, want) in [
            (Options::default(), &b"/p#b&a?d&c"[..], &b"/p#b&a?d&c"[..]),
            (Options::default(), b"/p#b&a", b"/p#b&a"),
            (Options::default(), b"/p?b&a#d&c", b"/p?a&b#d&c"),
            (
                Options::default().with_strip_fragment(true),
                b"/p#b&a?d&c",
                b"/p",
            ),
        ] {
            let mut sorter = Sorter::new(options);
            assert!(!sorter.no_small);
            let told = sorter.sort_into_telling(url, &mut out);
            assert_eq!(out, want, "{url:?}");
            assert_eq!(told.unwrap_or(out == url), out == url, "{url:?}");
        }
    }
}
