//! The path for short heads (at most [`MAX_LEN`] bytes of input): one scalar pass with no setup, no backend
//! dispatch and no error bookkeeping, tried before the general parser.
//!
//! It accepts only the plain shape of a head — `method SP target SP HTTP/1.x CRLF` or
//! `HTTP/1.x SP 3DIGIT SP reason CRLF`, then `name ":" OWS value OWS CRLF` lines and the empty line — and
//! answers `None` on anything else (an error, a leniency's case, a head not complete in the buffer, a full
//! header slice), after which the general parser starts over and decides. Everything it accepts the general
//! parser accepts with the same fields under every setting (no leniency changes what a plain head means), so
//! it changes no result, only how fast the common one comes; its unit tests and the differential fuzz
//! targets hold it to that.
//!
//! Why: on a 27-byte request the general parser's fixed cost per call (the backend dispatch, the
//! `#[target_feature]` entry's frame, the per-step `Partial`/error plumbing, the SIMD scanners' length checks
//! before they fall back to scalar) was about 1.4x picohttpparser's whole parse.

use crate::class::is_value_byte;
use crate::simd::{target_prefix, token_prefix};
use crate::{Header, Version};

/// Inputs up to this long take the short path first. Longer ones go straight to the SIMD parser, where the
/// short path's byte loops would lose.
pub(crate) const MAX_LEN: usize = 64;

/// The parts of a request head: method, target, version, field count, head length.
pub(crate) type RequestParts<'b> = (&'b str, &'b str, Version, usize, usize);
/// The parts of a response head: version, code, reason, field count, head length.
pub(crate) type ResponseParts<'b> = (Version, u16, &'b [u8], usize, usize);

/// `HTTP/1.1` or `HTTP/1.0` at `at`, then `after`.
#[inline(always)]
fn version(buf: &[u8], at: usize) -> Option<Version> {
    let eight = u64::from_le_bytes(buf.get(at..at + 8)?.try_into().ok()?);
    if eight == u64::from_le_bytes(*b"HTTP/1.1") {
        Some(Version::Http11)
    } else if eight == u64::from_le_bytes(*b"HTTP/1.0") {
        Some(Version::Http10)
    } else {
        None
    }
}

/// The first index at or after `from` whose byte is not a field-value byte, byte by byte: in a head this short a
/// word test ahead of the bytes costs more than it saves.
#[inline(always)]
fn value_end(buf: &[u8], mut from: usize) -> usize {
    while let Some(&b) = buf.get(from) {
        if !is_value_byte(b) {
            break;
        }
        from += 1;
    }
    from
}

#[inline(always)]
fn crlf(buf: &[u8], at: usize) -> Option<usize> {
    (buf.get(at..at + 2)? == b"\r\n").then_some(at + 2)
}

/// Plain field lines from `at` through the empty line: the field count and the head length.
#[inline(always)]
fn fields<'b>(buf: &'b [u8], mut at: usize, headers: &mut [Header<'b>]) -> Option<(usize, usize)> {
    let mut count = 0;
    loop {
        let line = buf.get(at..)?;
        if line.first() == Some(&b'\r') {
            return Some((count, crlf(buf, at)?));
        }
        let name = token_prefix(line);
        let name_end = at + name.len();
        if name.is_empty() || *buf.get(name_end)? != b':' {
            return None;
        }
        let mut value_start = name_end + 1;
        while let Some(b' ' | b'\t') = buf.get(value_start) {
            value_start += 1;
        }
        let stop = value_end(buf, value_start);
        let next = crlf(buf, stop)?;
        let mut value_end = stop;
        while value_end > value_start && matches!(buf[value_end - 1], b' ' | b'\t') {
            value_end -= 1;
        }
        *headers.get_mut(count)? = Header {
            name,
            value: &buf[value_start..value_end],
        };
        count += 1;
        at = next;
    }
}

/// A plain request head at the start of `buf` (already cut to the head-size limit), or `None`.
#[inline]
pub(crate) fn request<'b>(buf: &'b [u8], headers: &mut [Header<'b>]) -> Option<RequestParts<'b>> {
    let four = u32::from_le_bytes(buf.get(..4)?.try_into().ok()?);
    let (method, at) = if four == u32::from_le_bytes(*b"GET ") {
        ("GET", 4)
    } else if four == u32::from_le_bytes(*b"PUT ") {
        ("PUT", 4)
    } else {
        let method = token_prefix(buf);
        if method.is_empty() || *buf.get(method.len())? != b' ' {
            return None;
        }
        (method, method.len() + 1)
    };
    let target = target_prefix(&buf[at..]);
    let end = at + target.len();
    if target.is_empty() || *buf.get(end)? != b' ' {
        return None;
    }
    let version = version(buf, end + 1)?;
    let at = crlf(buf, end + 9)?;
    let (count, head_len) = fields(buf, at, headers)?;
    Some((method, target, version, count, head_len))
}

/// A plain response head at the start of `buf` (already cut to the head-size limit), or `None`.
#[inline]
pub(crate) fn response<'b>(buf: &'b [u8], headers: &mut [Header<'b>]) -> Option<ResponseParts<'b>> {
    let version = version(buf, 0)?;
    let [b' ', d0, d1, d2, b' '] = *buf.get(8..13)? else {
        return None;
    };
    if !(d0.is_ascii_digit() && d1.is_ascii_digit() && d2.is_ascii_digit()) {
        return None;
    }
    let code = u16::from(d0 - b'0') * 100 + u16::from(d1 - b'0') * 10 + u16::from(d2 - b'0');
    // With the multiple-spaces leniency a reason's leading SPs are not part of it.
    if buf.get(13) == Some(&b' ') {
        return None;
    }
    let end = value_end(buf, 13);
    let at = crlf(buf, end)?;
    let (count, head_len) = fields(buf, at, headers)?;
    Some((version, code, &buf[13..end], count, head_len))
}

#[cfg(test)]
mod tests {
    use crate::parse::{request_in, response_in};
    use crate::scan::Scalar;
    use crate::{EMPTY_HEADER, Leniency, Parser, Request, Response, Status};

    /// The short path's answer where it has one, in the general parser's terms.
    fn short_request<'b>(
        parser: Parser,
        input: &'b [u8],
        headers: &mut [crate::Header<'b>],
    ) -> Option<String> {
        let buf = &input[..input.len().min(parser.max_head_len)];
        let (method, target, version, count, head_len) = super::request(buf, headers)?;
        Some(format!(
            "{:?}",
            Ok::<_, crate::Error>(Status::Complete(Request {
                method,
                target,
                version,
                headers: &headers[..count],
                head_len,
                head: &input[..head_len],
            }))
        ))
    }

    fn short_response<'b>(
        parser: Parser,
        input: &'b [u8],
        headers: &mut [crate::Header<'b>],
    ) -> Option<String> {
        let buf = &input[..input.len().min(parser.max_head_len)];
        let (version, code, reason, count, head_len) = super::response(buf, headers)?;
        Some(format!(
            "{:?}",
            Ok::<_, crate::Error>(Status::Complete(Response {
                version,
                code,
                reason,
                headers: &headers[..count],
                head_len,
                head: &input[..head_len],
            }))
        ))
    }

    fn parsers() -> Vec<Parser> {
        let lenient = Leniency::ALL
            .iter()
            .fold(Parser::new(), |p, &l| p.lenient(l));
        if cfg!(miri) {
            return vec![Parser::new(), lenient];
        }
        let mut all = vec![Parser::new(), Parser::new().max_head_len(26), lenient];
        all.extend(Leniency::ALL.map(|l| Parser::new().lenient(l)));
        all
    }

    /// Checks one input against the general scalar parser on every setting: wherever the short path answers,
    /// the general parser gives the same answer. Returns how often the short path answered.
    fn check(input: &[u8]) -> usize {
        let mut answered = 0;
        for parser in parsers() {
            let slots: &[usize] = if cfg!(miri) { &[3] } else { &[0, 1, 3] };
            for &slots in slots {
                let mut a = vec![EMPTY_HEADER; slots];
                let mut b = vec![EMPTY_HEADER; slots];
                if let Some(short) = short_request(parser, input, &mut a) {
                    let general = format!("{:?}", request_in(Scalar, parser, input, &mut b));
                    assert_eq!(
                        short,
                        general,
                        "{parser:?} {:?}",
                        String::from_utf8_lossy(input)
                    );
                    answered += 1;
                }
                if let Some(short) = short_response(parser, input, &mut a) {
                    let general = format!("{:?}", response_in(Scalar, parser, input, &mut b));
                    assert_eq!(
                        short,
                        general,
                        "{parser:?} {:?}",
                        String::from_utf8_lossy(input)
                    );
                    answered += 1;
                }
            }
        }
        answered
    }

    const SEEDS: [&[u8]; 6] = [
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        b"PUT /x HTTP/1.0\r\nA:\tb c \r\nB:  \r\n\r\nbody",
        b"DELETE /a?b=c HTTP/1.1\r\nX-Y: z\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n",
        b"HTTP/1.0 404 Not  Found \r\nC:d\r\n\r\n",
        b"HTTP/1.1 204 \r\n\r\n",
    ];

    /// Every seed with every byte value at every position, and every prefix of it.
    #[test]
    #[cfg_attr(
        miri,
        ignore = "exhaustive: too slow under Miri; `miri_sized_short_heads` samples it"
    )]
    fn the_short_path_agrees_with_the_general_parser_on_every_one_byte_change() {
        let _deadline = gauntlet_oracle::no_hang(
            "the_short_path_agrees_with_the_general_parser_on_every_one_byte_change",
        );
        let mut answered = 0;
        for seed in SEEDS {
            for cut in 0..=seed.len() {
                answered += check(&seed[..cut]);
            }
            for pos in 0..seed.len() {
                for byte in 0..=255u8 {
                    let mut input = seed.to_vec();
                    input[pos] = byte;
                    answered += check(&input);
                    input.insert(pos, byte);
                    answered += check(&input);
                }
                let mut input = seed.to_vec();
                input.remove(pos);
                answered += check(&input);
            }
        }
        assert!(
            answered > 100_000,
            "the short path answered only {answered} times"
        );
    }

    #[test]
    fn miri_sized_short_heads() {
        let _deadline = gauntlet_oracle::no_hang("miri_sized_short_heads");
        for seed in SEEDS {
            assert!(check(seed) > 0, "{:?}", String::from_utf8_lossy(seed));
            for pos in [0, seed.len() / 2, seed.len() - 3] {
                for byte in [0x00, b'\t', b'\r', b' ', 0x80] {
                    let mut input = seed.to_vec();
                    input[pos] = byte;
                    check(&input);
                }
            }
        }
    }
}
