//! Message framing on top of a parsed head (RFC 9112 §6), and the chunk-size line (RFC 9112 §7.1).
//!
//! httparse leaves all of this to its caller; request smuggling lives in exactly these rules, so they are
//! strict here: a head whose body length two implementations could read differently is an error.

use crate::{Error, ErrorKind, Header, Status, Version};

/// How the message body is delimited (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// No body: a request without Content-Length or Transfer-Encoding, or a response to HEAD, a 1xx, 204 or
    /// 304 response, or a 2xx response to CONNECT.
    None,
    /// Exactly this many body bytes follow the head.
    ContentLength(u64),
    /// The body is chunked (RFC 9112 §7.1): read chunk-size lines with [`parse_chunk_size`].
    Chunked,
    /// A response body that runs until the connection closes.
    Close,
}

/// The longest chunk-size line (size, extensions and CRLF) accepted; longer is an error, not `Partial`.
pub const MAX_CHUNK_LINE: usize = 4096;

/// Where a message's body-related fields stand after reading all field lines.
#[derive(Default)]
struct Fields {
    /// The agreed Content-Length and the offset of the field value that introduced it.
    content_length: Option<(u64, usize)>,
    /// Offset of the first Transfer-Encoding value, whether the last coding seen is `chunked`.
    transfer_encoding: Option<(usize, bool)>,
    /// Offset of a `chunked` that is not the last coding or occurs twice.
    misplaced_chunked: Option<usize>,
    /// Offset of whichever of Content-Length and Transfer-Encoding appeared second, once both have.
    both_at: Option<usize>,
}

fn offset_of(head: &[u8], value: &[u8]) -> usize {
    // Fields borrow `head`, so this is the value's index in it (no unsafe: only the addresses are compared).
    (value.as_ptr() as usize).wrapping_sub(head.as_ptr() as usize)
}

fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn skip_ows(value: &[u8], mut i: usize) -> usize {
    while value.get(i).is_some_and(|&b| is_ows(b)) {
        i += 1;
    }
    i
}

fn token_end(value: &[u8], i: usize) -> usize {
    crate::class::token_end_scalar(value, i)
}

/// `Content-Length = 1*DIGIT`, also accepting a list of identical values (RFC 9112 §6.3 item 5).
fn content_length(value: &[u8], at: usize) -> Result<u64, Error> {
    let invalid = |i: usize| Error::new(ErrorKind::InvalidContentLength, at + i);
    let mut agreed = None;
    let mut i = 0;
    loop {
        i = skip_ows(value, i);
        let digits_start = i;
        let mut n: u64 = 0;
        while let Some(&b) = value.get(i).filter(|b| b.is_ascii_digit()) {
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(b - b'0')))
                .ok_or_else(|| invalid(i))?;
            i += 1;
        }
        if i == digits_start {
            return Err(invalid(i));
        }
        match agreed {
            Some(previous) if previous != n => {
                return Err(Error::new(
                    ErrorKind::ConflictingContentLength,
                    at + digits_start,
                ));
            }
            _ => agreed = Some(n),
        }
        i = skip_ows(value, i);
        match value.get(i) {
            None => return Ok(n),
            Some(b',') => i += 1,
            Some(_) => return Err(invalid(i)),
        }
    }
}

/// Parses a `quoted-string` starting at the opening quote; returns the index after the closing quote.
fn quoted_string(value: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        match *value.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => {
                let escaped = *value.get(i + 1)?;
                if !(escaped == b'\t' || escaped == b' ' || escaped >= 0x21 && escaped != 0x7F) {
                    return None;
                }
                i += 2;
            }
            b'\t' | b' ' | 0x21 | 0x23..=0x5B | 0x5D..=0x7E | 0x80..=0xFF => i += 1,
            _ => return None,
        }
    }
}

/// Walks `#transfer-coding` (RFC 9112 §6.1, RFC 9110 §10.1.4), calling `coding(name, offset)` for each.
fn transfer_codings(
    value: &[u8],
    at: usize,
    mut coding: impl FnMut(&[u8], usize),
) -> Result<(), Error> {
    let invalid = |i: usize| Error::new(ErrorKind::InvalidTransferEncoding, at + i);
    let mut any = false;
    let mut i = 0;
    loop {
        i = skip_ows(value, i);
        match value.get(i) {
            None if any => return Ok(()),
            None => return Err(invalid(i)),
            // Empty list elements are allowed (RFC 9110 §5.6.1.2).
            Some(b',') => {
                i += 1;
                continue;
            }
            Some(_) => {}
        }
        let name_end = token_end(value, i);
        if name_end == i {
            return Err(invalid(i));
        }
        coding(&value[i..name_end], at + i);
        any = true;
        i = skip_ows(value, name_end);
        // transfer-parameter = token BWS "=" BWS ( token / quoted-string )
        while value.get(i) == Some(&b';') {
            i = skip_ows(value, i + 1);
            let param_end = token_end(value, i);
            if param_end == i {
                return Err(invalid(i));
            }
            i = skip_ows(value, param_end);
            if value.get(i) != Some(&b'=') {
                return Err(invalid(i));
            }
            i = skip_ows(value, i + 1);
            i = match value.get(i) {
                Some(b'"') => quoted_string(value, i).ok_or_else(|| invalid(i))?,
                _ => match token_end(value, i) {
                    end if end > i => end,
                    _ => return Err(invalid(i)),
                },
            };
            i = skip_ows(value, i);
        }
        match value.get(i) {
            None => {}
            Some(b',') => i += 1,
            Some(_) => return Err(invalid(i)),
        }
    }
}

fn read_fields(head: &[u8], headers: &[Header<'_>]) -> Result<Fields, Error> {
    let mut fields = Fields::default();
    for header in headers {
        let at = offset_of(head, header.value);
        if header.name.eq_ignore_ascii_case("content-length") {
            let n = content_length(header.value, at)?;
            match fields.content_length {
                Some((previous, _)) if previous != n => {
                    return Err(Error::new(ErrorKind::ConflictingContentLength, at));
                }
                Some(_) => {}
                None => {
                    fields.content_length = Some((n, at));
                    if fields.transfer_encoding.is_some() {
                        fields.both_at.get_or_insert(at);
                    }
                }
            }
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            if fields.transfer_encoding.is_none() && fields.content_length.is_some() {
                fields.both_at.get_or_insert(at);
            }
            let mut last_chunked = fields.transfer_encoding.is_some_and(|(_, chunked)| chunked);
            let first_at = fields.transfer_encoding.map_or(at, |(first, _)| first);
            transfer_codings(header.value, at, |name, offset| {
                if last_chunked {
                    // Something follows `chunked`, or `chunked` appears twice.
                    fields.misplaced_chunked.get_or_insert(offset);
                }
                last_chunked = name.eq_ignore_ascii_case(b"chunked");
            })?;
            fields.transfer_encoding = Some((first_at, last_chunked));
        }
    }
    Ok(fields)
}

/// The framing rules shared by requests and responses, after the no-body response cases.
pub(crate) fn framing(
    head: &[u8],
    headers: &[Header<'_>],
    version: Version,
    request: bool,
) -> Result<Framing, Error> {
    let fields = read_fields(head, headers)?;
    if let Some((te_at, last_chunked)) = fields.transfer_encoding {
        if version == Version::Http10 {
            return Err(Error::new(ErrorKind::TransferEncodingInHttp10, te_at));
        }
        if let Some(both_at) = fields.both_at {
            return Err(Error::new(
                ErrorKind::ContentLengthWithTransferEncoding,
                both_at,
            ));
        }
        if request {
            if let Some(at) = fields.misplaced_chunked {
                return Err(Error::new(ErrorKind::ChunkedNotFinal, at));
            }
            if !last_chunked {
                return Err(Error::new(ErrorKind::ChunkedNotFinal, te_at));
            }
        }
        return Ok(match (last_chunked, fields.misplaced_chunked) {
            (true, None) => Framing::Chunked,
            // A response whose codings do not end in a single chunked is read until close (§6.3 item 4).
            _ => Framing::Close,
        });
    }
    Ok(match fields.content_length {
        Some((n, _)) => Framing::ContentLength(n),
        None if request => Framing::None,
        None => Framing::Close,
    })
}

/// Parses a chunk-size line: `chunk-size [ chunk-ext ] CRLF` (RFC 9112 §7.1).
///
/// Returns the length of the line including CRLF and the chunk size; `Partial` while the line is incomplete.
/// Extensions are validated and skipped; a size that does not fit in `u64` is an error, never a wrap.
///
/// ```
/// use header_parser::{parse_chunk_size, Status};
/// assert_eq!(parse_chunk_size(b"1a;name=\"v\"\r\n..."), Ok(Status::Complete((13, 26))));
/// assert_eq!(parse_chunk_size(b"1a"), Ok(Status::Partial));
/// ```
pub fn parse_chunk_size(input: &[u8]) -> Result<Status<(usize, u64)>, Error> {
    let buf = &input[..input.len().min(MAX_CHUNK_LINE)];
    match chunk_line(buf) {
        Ok(Some(line)) => Ok(Status::Complete(line)),
        Ok(None) if input.len() >= MAX_CHUNK_LINE => {
            Err(Error::new(ErrorKind::InvalidChunkSize, MAX_CHUNK_LINE))
        }
        Ok(None) => Ok(Status::Partial),
        Err(error) => Err(error),
    }
}

/// `Ok(None)` means the buffer ended first.
fn chunk_line(buf: &[u8]) -> Result<Option<(usize, u64)>, Error> {
    let invalid = |i: usize| Err(Error::new(ErrorKind::InvalidChunkSize, i));
    let mut size: u64 = 0;
    let mut i = 0;
    while let Some(digit) = buf.get(i).and_then(|&b| (b as char).to_digit(16)) {
        size = match size.checked_mul(16) {
            Some(shifted) => shifted | u64::from(digit),
            None => return Err(Error::new(ErrorKind::ChunkSizeOverflow, i)),
        };
        i += 1;
    }
    if i == 0 {
        return if buf.is_empty() { Ok(None) } else { invalid(0) };
    }
    // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
    loop {
        let j = skip_ows(buf, i);
        let Some(&b) = buf.get(j) else {
            return Ok(None);
        };
        match b {
            b';' => {
                let name = skip_ows(buf, j + 1);
                let name_end = token_end(buf, name);
                if name_end == buf.len() {
                    return Ok(None);
                }
                if name_end == name {
                    return invalid(name);
                }
                i = name_end;
                let eq = skip_ows(buf, name_end);
                if eq == buf.len() {
                    return Ok(None);
                }
                if buf[eq] == b'=' {
                    let value = skip_ows(buf, eq + 1);
                    i = match buf.get(value) {
                        None => return Ok(None),
                        Some(b'"') => match quoted_string(buf, value) {
                            Some(end) => end,
                            // An unterminated quoted-string may still be completed by more input.
                            None if !buf[value + 1..].iter().any(|&b| !quoted_byte(b)) => {
                                return Ok(None);
                            }
                            None => return invalid(value),
                        },
                        Some(_) => match token_end(buf, value) {
                            end if end == buf.len() => return Ok(None),
                            end if end > value => end,
                            _ => return invalid(value),
                        },
                    };
                }
            }
            b'\r' if j == i => {
                return match buf.get(i + 1) {
                    None => Ok(None),
                    Some(b'\n') => Ok(Some((i + 2, size))),
                    Some(_) => Err(Error::new(ErrorKind::BareCr, i)),
                };
            }
            b'\n' if j == i => return Err(Error::new(ErrorKind::BareLf, i)),
            _ => return invalid(j),
        }
    }
}

/// Bytes that may appear inside a quoted-string (including the backslash of a quoted-pair).
fn quoted_byte(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7F)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EMPTY_HEADER, parse_request};

    fn request_framing(head: &str) -> Result<Framing, Error> {
        let mut headers = [EMPTY_HEADER; 8];
        match parse_request(head.as_bytes(), &mut headers)? {
            Status::Complete(request) => request.framing(),
            Status::Partial => panic!("partial head"),
        }
    }

    #[test]
    fn content_length_reaches_u64_max_and_not_beyond() {
        let _deadline = gauntlet_oracle::no_hang("content_length_reaches_u64_max_and_not_beyond");
        let max = format!("POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n", u64::MAX);
        assert_eq!(request_framing(&max), Ok(Framing::ContentLength(u64::MAX)));
        let over = format!("POST / HTTP/1.1\r\nContent-Length: {}0\r\n\r\n", u64::MAX);
        let error = request_framing(&over).unwrap_err();
        assert_eq!(
            (error.kind(), error.offset()),
            (ErrorKind::InvalidContentLength, 53)
        );
    }

    /// A transfer-parameter's value is a token or a quoted-string, never empty.
    #[test]
    fn an_empty_transfer_parameter_value_is_refused_where_it_is() {
        let _deadline =
            gauntlet_oracle::no_hang("an_empty_transfer_parameter_value_is_refused_where_it_is");
        for value in ["gzip;q=, chunked", "gzip;q= ;r=1, chunked", "chunked;q="] {
            let head = format!("POST / HTTP/1.1\r\nTransfer-Encoding: {value}\r\n\r\n");
            let error = request_framing(&head).unwrap_err();
            let at = head.find('=').unwrap() + 1;
            let at = at + head[at..].bytes().take_while(|&b| b == b' ').count();
            assert_eq!(
                (error.kind(), error.offset()),
                (ErrorKind::InvalidTransferEncoding, at),
                "{value}"
            );
        }
        for value in ["gzip;q=1, chunked", "gzip;q=\"\", chunked"] {
            let head = format!("POST / HTTP/1.1\r\nTransfer-Encoding: {value}\r\n\r\n");
            assert_eq!(request_framing(&head), Ok(Framing::Chunked), "{value}");
        }
    }

    #[test]
    fn chunk_size_reaches_u64_max_and_not_beyond() {
        let _deadline = gauntlet_oracle::no_hang("chunk_size_reaches_u64_max_and_not_beyond");
        assert_eq!(
            parse_chunk_size(b"ffffffffffffffff\r\n"),
            Ok(Status::Complete((18, u64::MAX)))
        );
        let error = parse_chunk_size(b"0ffffffffffffffff0\r\n").unwrap_err();
        assert_eq!(
            (error.kind(), error.offset()),
            (ErrorKind::ChunkSizeOverflow, 17)
        );
    }

    #[test]
    fn chunk_line_longer_than_the_limit_is_an_error_not_partial() {
        let _deadline =
            gauntlet_oracle::no_hang("chunk_line_longer_than_the_limit_is_an_error_not_partial");
        let mut line = b"5;".to_vec();
        line.resize(MAX_CHUNK_LINE, b'a');
        let error = parse_chunk_size(&line).unwrap_err();
        assert_eq!(
            (error.kind(), error.offset()),
            (ErrorKind::InvalidChunkSize, MAX_CHUNK_LINE)
        );
        assert_eq!(
            parse_chunk_size(&line[..MAX_CHUNK_LINE - 1]),
            Ok(Status::Partial)
        );
    }
}
