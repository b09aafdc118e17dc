//! The head parser: one left-to-right pass in which every decision depends only on the bytes already read.
//!
//! That property is what makes split invariance hold: running out of input anywhere yields `Partial`, and an
//! error is reported as soon as the byte that causes it (plus at most one byte of lookahead after a CR or a
//! line end) is in the buffer, so a prefix can never see an error the whole message would not.

use crate::class::Window;
use crate::scan::{Backend, Scalar, Scan};
use crate::simd::Job;
#[cfg(target_arch = "x86_64")]
use crate::simd::{Avx2, Best, Sse42};
use crate::tiny;
use crate::{Error, ErrorKind, Header, Leniency, Parser, Request, Response, Status, Version};

/// `HTTP/1.1` and `HTTP/1.0` as little-endian words.
const HTTP_11: u64 = u64::from_le_bytes(*b"HTTP/1.1");
const HTTP_10: u64 = u64::from_le_bytes(*b"HTTP/1.0");

/// Why parsing stopped early.
pub(crate) enum Halt {
    Partial,
    Invalid(Error),
}

type Step<T> = Result<T, Halt>;

#[cold]
fn fail<T>(kind: ErrorKind, offset: usize) -> Step<T> {
    Err(Halt::Invalid(Error::new(kind, offset)))
}

/// Converts the internal outcome, applying the head-size limit: running out of a window that is already as
/// long as the limit means the head is too large.
fn finish<T>(step: Step<T>, input_len: usize, limit: usize) -> Result<Status<T>, Error> {
    match step {
        Ok(value) => Ok(Status::Complete(value)),
        Err(Halt::Invalid(error)) => Err(error),
        Err(Halt::Partial) if input_len >= limit => Err(Error::new(ErrorKind::HeadTooLarge, limit)),
        Err(Halt::Partial) => Ok(Status::Partial),
    }
}

/// The parse of one head: the (limited) input plus the switches in force.
struct Cursor<'b, S> {
    buf: &'b [u8],
    parser: Parser,
    scan: S,
}

/// Where a field value sits, and where the next line starts.
struct FieldLine {
    value_start: usize,
    value_end: usize,
    next: usize,
}

impl<'b, S: Scan> Cursor<'b, S> {
    #[inline(always)]
    fn new(input: &'b [u8], parser: Parser, scan: S) -> Self {
        let limit = input.len().min(parser.max_head_len);
        Self {
            buf: &input[..limit],
            parser,
            scan,
        }
    }

    #[inline(always)]
    fn allows(&self, leniency: Leniency) -> bool {
        self.parser.allows(leniency)
    }

    #[inline(always)]
    fn byte(&self, at: usize) -> Step<u8> {
        self.buf.get(at).copied().ok_or(Halt::Partial)
    }

    /// Consumes the line terminator at `at`: CRLF, or a lone LF when allowed. Any other byte is `other`.
    #[inline(always)]
    fn line_end(&self, at: usize, other: ErrorKind) -> Step<usize> {
        // The common case in one two-byte compare.
        if self.buf.get(at..at + 2) == Some(b"\r\n") {
            return Ok(at + 2);
        }
        match self.byte(at)? {
            // `\r\n` was taken above, so a CR here is bare once the next byte is in.
            b'\r' => {
                self.byte(at + 1)?;
                fail(ErrorKind::BareCr, at)
            }
            b'\n' if self.allows(Leniency::BareLf) => Ok(at + 1),
            b'\n' => fail(ErrorKind::BareLf, at),
            _ => fail(other, at),
        }
    }

    /// Skips the extra SPs that the multiple-spaces leniency tolerates after a start-line delimiter.
    #[inline(always)]
    fn extra_spaces(&self, mut at: usize) -> Step<usize> {
        if self.allows(Leniency::MultipleSpaces) {
            while self.byte(at)? == b' ' {
                at += 1;
            }
        }
        Ok(at)
    }

    /// RFC 9112 §2.2: a server SHOULD ignore empty lines received before the request-line.
    fn skip_empty_lines(&self, mut at: usize) -> Step<usize> {
        loop {
            match self.byte(at)? {
                b'\r' | b'\n' => at = self.line_end(at, ErrorKind::BareCr)?,
                _ => return Ok(at),
            }
        }
    }

    /// `HTTP-version = "HTTP/1." ("0" / "1")`, checked byte by byte so a short prefix stays `Partial`.
    #[inline(always)]
    fn version(&self, at: usize) -> Step<(Version, usize)> {
        // The common case in one eight-byte compare (a match on the byte strings compiled to eight).
        if let Some(eight) = self
            .buf
            .get(at..at + 8)
            .and_then(|s| <[u8; 8]>::try_from(s).ok())
        {
            match u64::from_le_bytes(eight) {
                HTTP_11 => return Ok((Version::Http11, at + 8)),
                HTTP_10 => return Ok((Version::Http10, at + 8)),
                _ => {}
            }
        }
        for (i, &expected) in b"HTTP/1.".iter().enumerate() {
            if self.byte(at + i)? != expected {
                return fail(ErrorKind::InvalidVersion, at + i);
            }
        }
        // Eight bytes in and not `HTTP/1.0` or `HTTP/1.1` (taken above): the digit is wrong.
        self.byte(at + 7)?;
        fail(ErrorKind::InvalidVersion, at + 7)
    }

    #[inline(always)]
    fn method(&self, at: usize) -> Step<(&'b str, usize)> {
        // The common methods without a scan.
        match self.buf.get(at..at + 4) {
            Some(b"GET ") => return Ok(("GET", at + 4)),
            Some(b"PUT ") => return Ok(("PUT", at + 4)),
            Some(b"POST") if self.buf.get(at + 4) == Some(&b' ') => return Ok(("POST", at + 5)),
            _ => {}
        }
        let end = self.scan.token_end(self.buf, at);
        if self.byte(end)? != b' ' || end == at {
            return fail(ErrorKind::InvalidMethod, end);
        }
        Ok((self.scan.ascii(self.buf, at, end), end + 1))
    }

    #[inline(always)]
    fn target(&self, at: usize) -> Step<(&'b str, usize)> {
        let end = self.scan.target_end(self.buf, at);
        if self.byte(end)? != b' ' || end == at {
            return fail(ErrorKind::InvalidTarget, end);
        }
        Ok((self.scan.ascii(self.buf, at, end), end + 1))
    }

    #[inline(always)]
    fn request_line(&self) -> Step<(&'b str, &'b str, Version, usize)> {
        let at = self.skip_empty_lines(0)?;
        let (method, at) = self.method(at)?;
        let at = self.extra_spaces(at)?;
        let (target, at) = self.target(at)?;
        let at = self.extra_spaces(at)?;
        let (version, at) = self.version(at)?;
        let at = self.line_end(at, ErrorKind::InvalidVersion)?;
        Ok((method, target, version, at))
    }

    #[inline(always)]
    fn status_line(&self) -> Step<(Version, u16, &'b [u8], usize)> {
        let (version, at) = self.version(0)?;
        if self.byte(at)? != b' ' {
            return fail(ErrorKind::InvalidVersion, at);
        }
        let mut at = self.extra_spaces(at + 1)?;
        let mut code = 0u16;
        for _ in 0..3 {
            let digit = self.byte(at)?;
            if !digit.is_ascii_digit() {
                return fail(ErrorKind::InvalidStatus, at);
            }
            code = code * 10 + u16::from(digit - b'0');
            at += 1;
        }
        match self.byte(at)? {
            b' ' => {
                let start = self.extra_spaces(at + 1)?;
                let end = self.scan.value_end(self.buf, start);
                let next = self.line_end(end, ErrorKind::InvalidReason)?;
                Ok((version, code, &self.buf[start..end], next))
            }
            b'\r' | b'\n' if self.allows(Leniency::MissingReason) => {
                let next = self.line_end(at, ErrorKind::InvalidStatus)?;
                Ok((version, code, &self.buf[at..at], next))
            }
            _ => fail(ErrorKind::InvalidStatus, at),
        }
    }

    #[inline(always)]
    fn skip_ows(&self, mut at: usize) -> usize {
        // Usually exactly one SP follows the colon.
        if self.buf.get(at) == Some(&b' ') && !matches!(self.buf.get(at + 1), Some(b' ' | b'\t')) {
            return at + 1;
        }
        while let Some(b' ' | b'\t') = self.buf.get(at) {
            at += 1;
        }
        at
    }

    /// Parses `OWS field-value OWS` and its line end, starting right after the colon. Folded continuation
    /// lines (when allowed) stay inside the value; leading and trailing whitespace, folds included, does not.
    #[inline(always)]
    fn field_value(&self, at: usize) -> Step<FieldLine> {
        let mut value_start = self.skip_ows(at);
        let mut at = value_start;
        loop {
            let stop = self.scan.value_end(self.buf, at);
            let next = self.line_end(stop, ErrorKind::InvalidHeaderValue)?;
            if self.allows(Leniency::ObsFold) && matches!(self.byte(next)?, b' ' | b'\t') {
                if stop == value_start {
                    // Nothing but whitespace so far: the value starts after the fold.
                    value_start = self.skip_ows(next);
                    at = value_start;
                } else {
                    at = next;
                }
                continue;
            }
            let mut value_end = stop;
            while value_end > value_start
                && matches!(self.buf[value_end - 1], b' ' | b'\t' | b'\r' | b'\n')
            {
                value_end -= 1;
            }
            return Ok(FieldLine {
                value_start,
                value_end,
                next,
            });
        }
    }

    // No closures on the hot path: a closure is compiled without the entry point's target features, so
    // the SIMD scanners would not inline into it.
    #[inline(always)]
    fn request(
        &self,
        headers: &mut [Header<'b>],
    ) -> Step<(&'b str, &'b str, Version, usize, usize)> {
        let (method, target, version, at) = self.request_line()?;
        let (count, head_len) = self.fields(at, headers, false)?;
        Ok((method, target, version, count, head_len))
    }

    #[inline(always)]
    fn response(&self, headers: &mut [Header<'b>]) -> Step<(Version, u16, &'b [u8], usize, usize)> {
        let (version, code, reason, at) = self.status_line()?;
        let (count, head_len) = self.fields(at, headers, true)?;
        Ok((version, code, reason, count, head_len))
    }

    /// Parses field lines from `at` up to and including the empty line. Returns the count and the head length.
    #[inline(always)]
    fn fields(
        &self,
        mut at: usize,
        headers: &mut [Header<'b>],
        response: bool,
    ) -> Step<(usize, usize)> {
        let mut count = 0;
        if S::WINDOWS && !self.allows(Leniency::ObsFold) {
            (at, count) = self.scan.apart(FieldLines {
                buf: self.buf,
                at,
                headers,
            });
        }
        loop {
            match self.byte(at)? {
                b'\r' | b'\n' => return Ok((count, self.line_end(at, ErrorKind::BareCr)?)),
                b' ' | b'\t' => return fail(ErrorKind::ObsFold, at),
                _ => {}
            }
            let Some(slot) = headers.get_mut(count) else {
                return fail(ErrorKind::TooManyHeaders, at);
            };
            let name_end = self.scan.token_end(self.buf, at);
            let mut colon = name_end;
            match self.byte(name_end)? {
                b':' if name_end > at => {}
                b' ' | b'\t' if name_end > at => {
                    if !(response && self.allows(Leniency::SpaceBeforeColon)) {
                        return fail(ErrorKind::SpaceBeforeColon, name_end);
                    }
                    colon = self.skip_ows(name_end);
                    if self.byte(colon)? != b':' {
                        return fail(ErrorKind::InvalidHeaderName, colon);
                    }
                }
                _ => return fail(ErrorKind::InvalidHeaderName, name_end),
            }
            let line = self.field_value(colon + 1)?;
            *slot = Header {
                name: self.scan.ascii(self.buf, at, name_end),
                value: &self.buf[line.value_start..line.value_end],
            };
            count += 1;
            at = line.next;
        }
    }
}

/// The field lines from `at` that are plainly valid, read from class bit masks computed 64 bytes at a time
/// ([`Masks`]; each byte's classes once, and no scan loop per line): `name ":" OWS value OWS CRLF` with the
/// name all `tchar`s and the value all field-value bytes. Returns where it stopped and how many headers it
/// stored; `Cursor::fields` goes on from there, so anything else (the empty line, errors, a line running past
/// the buffer, a full `headers`) is decided by the general code, and each line taken here is stored exactly
/// as the general code would store it.
///
/// Run through [`Scan::apart`]: a SIMD backend runs it in a function of its own, where its few live values
/// stay in registers (inlined into the whole parse it shared them with the start-line's results, and spilled
/// a third of them). Not used with the obs-fold leniency, where a line's end depends on the next line's first
/// byte.
#[inline(always)]
pub(crate) fn field_lines<'b, S: Scan>(
    scan: S,
    buf: &'b [u8],
    mut at: usize,
    headers: &mut [Header<'b>],
) -> (usize, usize) {
    let mut count = 0;
    let Some(window) = scan.window(buf, at) else {
        return (at, count);
    };
    let mut masks = Masks { base: at, window };
    loop {
        let name_end = masks.first::<S, true>(scan, buf, at);
        if name_end == at || buf.get(name_end) != Some(&b':') {
            return (at, count);
        }
        let value_from = name_end + 1;
        let stop = masks.first::<S, false>(scan, buf, value_from);
        if buf.get(stop..stop + 2) != Some(b"\r\n") {
            return (at, count);
        }
        let Some(slot) = headers.get_mut(count) else {
            return (at, count);
        };
        // `buf[stop]` is CR, so the leading whitespace ends by `stop`. (Slice patterns cost 22 instructions
        // per line here, against about 8 for these index loops.) None of this is on the loop's dependency
        // chain (position, masks, first set bit, next position), which is what bounds its speed: a byte loaded
        // to decide where the value starts cost 10 % on browser requests.
        let mut value_start = value_from;
        while matches!(buf[value_start], b' ' | b'\t') {
            value_start += 1;
        }
        let mut value_end = stop;
        while value_end > value_start && matches!(buf[value_end - 1], b' ' | b'\t') {
            value_end -= 1;
        }
        *slot = Header {
            name: scan.ascii(buf, at, name_end),
            value: &buf[value_start..value_end],
        };
        count += 1;
        at = stop + 2;
    }
}

/// The class masks of consecutive 64-byte stretches of the buffer from where the field lines start, taken as
/// a forward-only search needs them. Each stretch starts 64 bytes after the last, not at a line's start: its
/// loads then depend only on the last stretch, so they do not wait for the search (taking a window at each
/// line's start, or finishing long values with the value scanner, ran fewer instructions but was 5–15 %
/// slower).
struct Masks {
    /// Where the current stretch starts: bit `k` of `window` describes `buf[base + k]`.
    base: usize,
    window: Window,
}

impl Masks {
    /// The first position at or after `from` (which must not lie before the current stretch) outside the
    /// token class (`TOKEN`) or the value class; `buf.len()` or more when there is none.
    #[inline(always)]
    fn first<S: Scan, const TOKEN: bool>(&mut self, scan: S, buf: &[u8], mut from: usize) -> usize {
        loop {
            let offset = from - self.base;
            if offset < 64 {
                let mask = if TOKEN {
                    self.window.not_token
                } else {
                    self.window.not_value
                };
                let bits = mask >> offset;
                if bits != 0 {
                    return from + bits.trailing_zeros() as usize;
                }
            }
            // Nothing set from `from` to the end of this stretch (which then covers 64 bytes of the buffer):
            // on to the next one.
            self.base += 64;
            from = from.max(self.base);
            match scan.window(buf, self.base) {
                Some(window) => self.window = window,
                None => return buf.len(),
            }
        }
    }
}

/// A request parse to run on a backend: the SIMD proofs run it from their `#[target_feature]` entry points,
/// so that the whole parse is compiled with their instruction set and the scanners inline into it.
struct RequestJob<'p, 'b, 'h> {
    parser: &'p Parser,
    input: &'b [u8],
    headers: &'h mut [Header<'b>],
}

impl<'b, 'h, S: Scan> Job<S> for RequestJob<'_, 'b, 'h> {
    type Output = Result<Status<Request<'b, 'h>>, Error>;

    #[inline(always)]
    fn run(self, scan: S) -> Self::Output {
        request_in(scan, *self.parser, self.input, self.headers)
    }
}

/// A response parse to run on a backend, as [`RequestJob`].
struct ResponseJob<'p, 'b, 'h> {
    parser: &'p Parser,
    input: &'b [u8],
    headers: &'h mut [Header<'b>],
}

impl<'b, 'h, S: Scan> Job<S> for ResponseJob<'_, 'b, 'h> {
    type Output = Result<Status<Response<'b, 'h>>, Error>;

    #[inline(always)]
    fn run(self, scan: S) -> Self::Output {
        response_in(scan, *self.parser, self.input, self.headers)
    }
}

/// The plain field lines from `at` ([`field_lines`]), run by [`Scan::apart`] in a function of their own.
struct FieldLines<'b, 'h> {
    buf: &'b [u8],
    at: usize,
    headers: &'h mut [Header<'b>],
}

impl<S: Scan> Job<S> for FieldLines<'_, '_> {
    type Output = (usize, usize);

    #[inline(always)]
    fn run(self, scan: S) -> Self::Output {
        field_lines(scan, self.buf, self.at, self.headers)
    }
}

/// Picks the backend per call. Inlined into [`Parser::parse_request`] so that a SIMD parse costs one cached
/// detection and a direct call; the scalar copy is kept out of line so that its frame is not set up on
/// every call.
#[inline(always)]
pub(crate) fn request<'b, 'h>(
    parser: &Parser,
    input: &'b [u8],
    headers: &'h mut [Header<'b>],
) -> Result<Status<Request<'b, 'h>>, Error> {
    if input.len() <= tiny::MAX_LEN {
        let buf = &input[..input.len().min(parser.max_head_len)];
        if let Some((method, target, version, count, head_len)) = tiny::request(buf, headers) {
            let headers: &'h [Header<'b>] = headers;
            return Ok(Status::Complete(Request {
                method,
                target,
                version,
                headers: &headers[..count],
                head_len,
                head: &input[..head_len],
            }));
        }
    }
    #[cfg(target_arch = "x86_64")]
    if parser.simd {
        match Best::cached() {
            Some(Best::Avx2(avx2)) => {
                return avx2.run(RequestJob {
                    parser,
                    input,
                    headers,
                });
            }
            Some(Best::Sse42(sse42)) => {
                return sse42.run(RequestJob {
                    parser,
                    input,
                    headers,
                });
            }
            Some(Best::None) => {}
            None => return request_detecting(parser, input, headers),
        }
    }
    request_scalar(parser, input, headers)
}

/// [`request`] on the first SIMD parse: detects the CPU's features, then parses. Out of line and reached
/// by a tail call, so that [`request`] makes no call that needs registers saved around it.
#[cfg(target_arch = "x86_64")]
#[cold]
#[inline(never)]
fn request_detecting<'b, 'h>(
    parser: &Parser,
    input: &'b [u8],
    headers: &'h mut [Header<'b>],
) -> Result<Status<Request<'b, 'h>>, Error> {
    Best::detect_now();
    request(parser, input, headers)
}

/// [`request`] without SIMD.
#[inline(never)]
fn request_scalar<'b, 'h>(
    parser: &Parser,
    input: &'b [u8],
    headers: &'h mut [Header<'b>],
) -> Result<Status<Request<'b, 'h>>, Error> {
    request_in(Scalar, *parser, input, headers)
}

/// Picks the backend per call, as [`request`] does.
#[inline(always)]
pub(crate) fn response<'b, 'h>(
    parser: &Parser,
    input: &'b [u8],
    headers: &'h mut [Header<'b>],
) -> Result<Status<Response<'b, 'h>>, Error> {
    if input.len() <= tiny::MAX_LEN {
        let buf = &input[..input.len().min(parser.max_head_len)];
        if let Some((version, code, reason, count, head_len)) = tiny::response(buf, headers) {
            let headers: &'h [Header<'b>] = headers;
            return Ok(Status::Complete(Response {
                version,
                code,
                reason,
                headers: &headers[..count],
                head_len,
                head: &input[..head_len],
            }));
        }
    }
    #[cfg(target_arch = "x86_64")]
    if parser.simd {
        match Best::cached() {
            Some(Best::Avx2(avx2)) => {
                return avx2.run(ResponseJob {
                    parser,
                    input,
                    headers,
                });
            }
            Some(Best::Sse42(sse42)) => {
                return sse42.run(ResponseJob {
                    parser,
                    input,
                    headers,
                });
            }
            Some(Best::None) => {}
            None => return response_detecting(parser, input, headers),
        }
    }
    response_scalar(parser, input, headers)
}

/// [`response`] on the first SIMD parse: detects the CPU's features, then parses. Out of line and reached
/// by a tail call, so that [`response`] makes no call that needs registers saved around it.
#[cfg(target_arch = "x86_64")]
#[cold]
#[inline(never)]
fn response_detecting<'b, 'h>(
    parser: &Parser,
    input: &'b [u8],
    headers: &'h mut [Header<'b>],
) -> Result<Status<Response<'b, 'h>>, Error> {
    Best::detect_now();
    response(parser, input, headers)
}

/// [`response`] without SIMD.
#[inline(never)]
fn response_scalar<'b, 'h>(
    parser: &Parser,
    input: &'b [u8],
    headers: &'h mut [Header<'b>],
) -> Result<Status<Response<'b, 'h>>, Error> {
    response_in(Scalar, *parser, input, headers)
}

/// [`request`] on the scanner backend chosen by the caller (tests compare them all). A SIMD backend the CPU
/// lacks falls back to scalar.
#[cfg_attr(not(any(test, feature = "fuzzing")), allow(dead_code))]
pub(crate) fn request_with<'b, 'h>(
    parser: Parser,
    backend: Backend,
    input: &'b [u8],
    headers: &'h mut [Header<'b>],
) -> Result<Status<Request<'b, 'h>>, Error> {
    #[cfg(target_arch = "x86_64")]
    {
        match backend {
            Backend::Avx2 => {
                if let Some(avx2) = Avx2::detect() {
                    return avx2.run(RequestJob {
                        parser: &parser,
                        input,
                        headers,
                    });
                }
            }
            Backend::Sse42 => {
                if let Some(sse42) = Sse42::detect() {
                    return sse42.run(RequestJob {
                        parser: &parser,
                        input,
                        headers,
                    });
                }
            }
            Backend::Scalar => {}
        }
    }
    let _ = backend;
    request_in(Scalar, parser, input, headers)
}

/// [`response`] on the scanner backend chosen by the caller.
#[cfg_attr(not(any(test, feature = "fuzzing")), allow(dead_code))]
pub(crate) fn response_with<'b, 'h>(
    parser: Parser,
    backend: Backend,
    input: &'b [u8],
    headers: &'h mut [Header<'b>],
) -> Result<Status<Response<'b, 'h>>, Error> {
    #[cfg(target_arch = "x86_64")]
    {
        match backend {
            Backend::Avx2 => {
                if let Some(avx2) = Avx2::detect() {
                    return avx2.run(ResponseJob {
                        parser: &parser,
                        input,
                        headers,
                    });
                }
            }
            Backend::Sse42 => {
                if let Some(sse42) = Sse42::detect() {
                    return sse42.run(ResponseJob {
                        parser: &parser,
                        input,
                        headers,
                    });
                }
            }
            Backend::Scalar => {}
        }
    }
    let _ = backend;
    response_in(Scalar, parser, input, headers)
}

/// The request parse for one scanner; inlined into each backend's entry point.
#[inline(always)]
pub(crate) fn request_in<'b, 'h, S: Scan>(
    scan: S,
    parser: Parser,
    input: &'b [u8],
    headers: &'h mut [Header<'b>],
) -> Result<Status<Request<'b, 'h>>, Error> {
    let cursor = Cursor::new(input, parser, scan);
    let step = cursor.request(headers);
    let status = finish(step, input.len(), parser.max_head_len)?;
    Ok(match status {
        Status::Complete((method, target, version, count, head_len)) => {
            let headers: &'h [Header<'b>] = headers;
            Status::Complete(Request {
                method,
                target,
                version,
                headers: &headers[..count],
                head_len,
                head: &input[..head_len],
            })
        }
        Status::Partial => Status::Partial,
    })
}

/// The response parse for one scanner; inlined into each backend's entry point.
#[inline(always)]
pub(crate) fn response_in<'b, 'h, S: Scan>(
    scan: S,
    parser: Parser,
    input: &'b [u8],
    headers: &'h mut [Header<'b>],
) -> Result<Status<Response<'b, 'h>>, Error> {
    let cursor = Cursor::new(input, parser, scan);
    let step = cursor.response(headers);
    let status = finish(step, input.len(), parser.max_head_len)?;
    Ok(match status {
        Status::Complete((version, code, reason, count, head_len)) => {
            let headers: &'h [Header<'b>] = headers;
            Status::Complete(Response {
                version,
                code,
                reason,
                headers: &headers[..count],
                head_len,
                head: &input[..head_len],
            })
        }
        Status::Partial => Status::Partial,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EMPTY_HEADER;

    /// Whole heads through every backend's entry point (the `#[target_feature]` copies of the parser);
    /// small enough for Miri.
    #[test]
    fn every_backend_parses_whole_heads_identically() {
        let _deadline = gauntlet_oracle::no_hang("every_backend_parses_whole_heads_identically");
        let request: &[u8] = b"GET /search?q=a+b&lang=en HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 \
            (X11; Linux x86_64)\r\nCookie: a=0123456789abcdef0123456789abcdef; b=2\r\nAccept:\t*/*\t\r\n\r\nbody";
        let response: &[u8] =
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nX-A: \xff\xfe obs-text\r\n\r\n";
        let invalid: &[u8] =
            b"GET / HTTP/1.1\r\nHost: a\r\nX-Bad: 0123456789abcdef0123456789abcdef\x00\r\n\r\n";
        let parser = Parser::new();
        let mut expected = None;
        for backend in Backend::available() {
            let mut headers = [EMPTY_HEADER; 8];
            let req = format!("{:?}", request_with(parser, backend, request, &mut headers));
            let mut headers = [EMPTY_HEADER; 8];
            let resp = format!(
                "{:?}",
                response_with(parser, backend, response, &mut headers)
            );
            let mut headers = [EMPTY_HEADER; 8];
            let bad = request_with(parser, backend, invalid, &mut headers);
            assert_eq!(
                bad.map(|_| ()).unwrap_err(),
                Error::new(ErrorKind::InvalidHeaderValue, 64),
                "{backend:?}"
            );
            let all = (req, resp);
            assert_eq!(
                expected.get_or_insert_with(|| all.clone()),
                &all,
                "{backend:?} differs from scalar"
            );
        }
        let (req, resp) = expected.unwrap();
        assert!(
            req.contains("head_len: 169") && req.contains(r#"value: [42, 47, 42]"#),
            "{req}"
        );
        assert!(
            resp.contains("code: 404") && resp.contains("head_len: 63"),
            "{resp}"
        );
    }
}

#[cfg(test)]
mod window_tests {
    use super::*;
    use crate::EMPTY_HEADER;
    use crate::class::{Window, window_scalar};

    /// The scalar scanners plus byte-by-byte windows: runs the field-line fast path on any machine (and
    /// under Miri), so it can be checked against the general code.
    #[derive(Clone, Copy)]
    struct ScalarWindows;

    impl Scan for ScalarWindows {
        const WINDOWS: bool = true;
        fn token_end(self, buf: &[u8], from: usize) -> usize {
            Scalar.token_end(buf, from)
        }
        fn target_end(self, buf: &[u8], from: usize) -> usize {
            Scalar.target_end(buf, from)
        }
        fn value_end(self, buf: &[u8], from: usize) -> usize {
            Scalar.value_end(buf, from)
        }
        fn window(self, buf: &[u8], base: usize) -> Option<Window> {
            // Like the AVX2 version: nothing for buffers under 64 bytes, and a shorter window at the end.
            if buf.len() < 64 {
                return None;
            }
            window_scalar(buf, base)
        }
    }

    /// The stretch search finds the first byte outside a class at any start, across stretches, and
    /// says `buf.len()` when there is none.
    #[test]
    fn masks_find_the_first_byte_outside_the_class_across_stretches() {
        let _deadline = gauntlet_oracle::no_hang(
            "masks_find_the_first_byte_outside_the_class_across_stretches",
        );
        let mut buf = b"X-Name-".repeat(12); // 84 token bytes
        buf.extend_from_slice(b": value\r\n");
        let colon = 84;
        let new = |base: usize| Masks {
            base,
            window: ScalarWindows.window(&buf, base).unwrap(),
        };
        for from in [0, 1, 30, 63, 64, 70, colon] {
            let base = from / 64 * 64;
            assert_eq!(
                new(base).first::<_, true>(ScalarWindows, &buf, from),
                colon,
                "token from {from}"
            );
        }
        assert_eq!(
            new(64).first::<_, false>(ScalarWindows, &buf, colon + 1),
            buf.len() - 2,
            "value stops at CR"
        );
        let all_token = b"abcdefgh".repeat(10);
        let mut masks = Masks {
            base: 0,
            window: ScalarWindows.window(&all_token, 0).unwrap(),
        };
        assert!(masks.first::<_, true>(ScalarWindows, &all_token, 3) >= all_token.len());
    }

    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    /// Heads made of valid and broken lines of every length up to about 150 bytes, cut at random points.
    fn heads() -> Vec<Vec<u8>> {
        // Under Miri (which checks the AVX2 window loads) a handful is plenty.
        let cases = if cfg!(miri) { 12 } else { 3000 };
        let pieces: [&[u8]; 14] = [
            b"Host",
            b"X-Long-Header-Name-0123456789",
            b": ",
            b":",
            b" \t",
            b"value",
            b"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz",
            b"\r\n",
            b"\n",
            b"\r",
            b"\t",
            b" ",
            b"\x00",
            b"\xff\x80",
        ];
        let mut state = 0x5eed_1234_abcd_ef01u64;
        let mut out = Vec::new();
        for case in 0..cases {
            let mut head = b"GET /index.html HTTP/1.1\r\n".to_vec();
            let lines = 1 + xorshift(&mut state) % 8;
            for _ in 0..lines {
                if case % 3 == 0 {
                    // Mostly well-formed lines.
                    head.extend_from_slice(pieces[(xorshift(&mut state) % 2) as usize]);
                    head.extend_from_slice(pieces[2 + (xorshift(&mut state) % 2) as usize]);
                    if xorshift(&mut state) % 4 == 0 {
                        head.extend_from_slice(b"\t "); // more whitespace before the value
                    }
                    for _ in 0..xorshift(&mut state) % 4 {
                        head.extend_from_slice(pieces[5 + (xorshift(&mut state) % 2) as usize]);
                        if xorshift(&mut state) % 3 == 0 {
                            head.extend_from_slice(b" \t "); // whitespace inside and at the end
                        }
                    }
                    head.extend_from_slice(b"\r\n");
                } else {
                    for _ in 0..1 + xorshift(&mut state) % 6 {
                        head.extend_from_slice(pieces[(xorshift(&mut state) % 14) as usize]);
                    }
                }
            }
            head.extend_from_slice(b"\r\n");
            let cut = head.len() - (xorshift(&mut state) % 4) as usize * (case % 2);
            head.truncate(cut);
            out.push(head);
        }
        out
    }

    #[test]
    fn the_field_line_fast_path_stores_what_the_general_code_stores() {
        let _deadline = gauntlet_oracle::no_hang(
            "the_field_line_fast_path_stores_what_the_general_code_stores",
        );
        for parser in [
            Parser::new(),
            Parser::new().lenient(crate::Leniency::BareLf),
            Parser::new().max_head_len(100),
        ] {
            for head in heads() {
                for slots in [2, 16] {
                    let mut a = vec![EMPTY_HEADER; slots];
                    let mut b = vec![EMPTY_HEADER; slots];
                    let general = format!("{:?}", request_in(Scalar, parser, &head, &mut a));
                    let fast = format!("{:?}", request_in(ScalarWindows, parser, &head, &mut b));
                    assert_eq!(fast, general, "{:?}", String::from_utf8_lossy(&head));
                    let mut response = b"HTTP/1.1 200 OK\r\n".to_vec();
                    response.extend_from_slice(&head[26.min(head.len())..]);
                    let general = format!("{:?}", response_in(Scalar, parser, &response, &mut a));
                    let fast = format!(
                        "{:?}",
                        response_in(ScalarWindows, parser, &response, &mut b)
                    );
                    assert_eq!(fast, general, "{:?}", String::from_utf8_lossy(&response));
                }
            }
        }
    }

    #[test]
    fn simd_windows_match_byte_by_byte_windows() {
        let _deadline = gauntlet_oracle::no_hang("simd_windows_match_byte_by_byte_windows");
        fn check(window: impl Fn(&[u8], usize) -> Option<Window>) {
            // Under Miri (which checks the loads) every seventh base is plenty.
            let step = if cfg!(miri) { 7 } else { 1 };
            for head in heads() {
                for base in (0..head.len()).step_by(step) {
                    let want = if head.len() < 64 {
                        None
                    } else {
                        window_scalar(&head, base)
                    };
                    assert_eq!(window(&head, base), want, "base {base}");
                }
            }
        }
        #[cfg(target_arch = "x86_64")]
        if let Some(avx2) = crate::simd::Avx2::detect() {
            check(|buf, base| avx2.window(buf, base));
        }
        #[cfg(target_arch = "x86_64")]
        if let Some(sse42) = crate::simd::Sse42::detect() {
            check(|buf, base| sse42.window(buf, base));
        }
    }
}
