//! The check functions behind the fuzz targets (feature `fuzzing`). Each panics with a clear message when an
//! invariant or the httparse oracle is violated; `tests/fuzz_replay.rs` replays the corpora through them on
//! stable Rust.
//!
//! The first input byte picks the mode (request or response, which leniencies, which limit); the rest is the
//! message.

use crate::class as scan;
use crate::scan::Backend;
use crate::{
    EMPTY_HEADER, Error, ErrorKind, Header, Leniency, Parser, Request, Response, Status,
    parse_chunk_size,
};

/// Inputs on which the oracle and this parser both completed and were compared field by field, and
/// inputs that gave no such comparison (an error or `Partial` on either side). The fuzz targets call
/// `ORACLE.tick()` after each input to report the counts.
pub static ORACLE: gauntlet_oracle::Oracle = gauntlet_oracle::Oracle::new();

/// `(compared, rejected)` so far in this process.
pub fn oracle_counts() -> (u64, u64) {
    ORACLE.counts()
}

const HEADERS: usize = 32;

type Parsed<'b, 'h, T> = Result<Status<T>, Error>;

fn split_mode(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((&mode, rest)) => (mode, rest),
        None => (0, &[]),
    }
}

/// A parser with the leniencies chosen by the low five bits of `bits`.
fn parser_from_bits(bits: u8) -> Parser {
    Leniency::ALL
        .into_iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .fold(Parser::new(), |parser, (_, leniency)| {
            parser.lenient(leniency)
        })
}

fn check_request_invariants(parser: &Parser, buf: &[u8], request: &Request<'_, '_>) {
    assert!(
        request.head_len <= buf.len() && request.head_len <= parser.max_head_len,
        "head_len out of range"
    );
    assert_eq!(buf[request.head_len - 1], b'\n', "a head ends with LF");
    assert!(
        !request.method.is_empty() && request.method.bytes().all(|b| scan::TCHAR[b as usize]),
        "method"
    );
    assert!(
        !request.target.is_empty() && request.target.bytes().all(scan::is_target_byte),
        "target"
    );
    check_fields(parser, request.headers);
    let _ = request.framing();
}

fn check_response_invariants(parser: &Parser, buf: &[u8], response: &Response<'_, '_>) {
    assert!(
        response.head_len <= buf.len() && response.head_len <= parser.max_head_len,
        "head_len out of range"
    );
    assert_eq!(buf[response.head_len - 1], b'\n', "a head ends with LF");
    assert!(response.code <= 999, "three digits");
    assert!(
        response.reason.iter().all(|&b| scan::is_value_byte(b)),
        "reason bytes"
    );
    check_fields(parser, response.headers);
    for method in ["GET", "HEAD", "CONNECT"] {
        let _ = response.framing(method);
    }
}

fn check_fields(parser: &Parser, headers: &[Header<'_>]) {
    for header in headers {
        assert!(
            !header.name.is_empty() && header.name.bytes().all(|b| scan::TCHAR[b as usize]),
            "name"
        );
        let fold = parser.allows(Leniency::ObsFold);
        for &b in header.value {
            assert!(
                scan::is_value_byte(b) || fold && (b == b'\r' || b == b'\n'),
                "value byte {b:#x}"
            );
        }
        let edge_ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
        assert!(
            !header.value.first().is_some_and(edge_ws),
            "value not trimmed at start: {header:?}"
        );
        assert!(
            !header.value.last().is_some_and(edge_ws),
            "value not trimmed at end: {header:?}"
        );
    }
}

fn check_error(error: &Error, buf: &[u8], parser: &Parser) {
    if error.kind() == ErrorKind::HeadTooLarge {
        assert!(
            error.offset() == parser.max_head_len && buf.len() >= parser.max_head_len,
            "{error}"
        );
    } else {
        assert!(
            error.offset() < buf.len(),
            "error offset beyond the input: {error}"
        );
    }
}

/// The parser and message `check_robust` reads from its input: mode bits 0-4 the leniencies, bit 7 a head
/// limit of 8 + (bits 0-5) bytes.
fn robust_setup(data: &[u8]) -> (Parser, &[u8]) {
    let (mode, buf) = split_mode(data);
    let base = parser_from_bits(mode);
    let base = if mode & 0x80 != 0 {
        base.max_head_len(usize::from(mode & 0x3F) + 8)
    } else {
        base
    };
    (base, buf)
}

/// Robustness on arbitrary bytes: no panic, every result well formed, every backend identical, and
/// chunk-size lines equal to a naive reading. Every input is compared, and counted into [`ORACLE`].
pub fn check_robust(data: &[u8]) {
    let oracle = ORACLE.input();
    let (base, buf) = robust_setup(data);
    for parser in [base, Parser::new(), parser_from_bits(0x1F)] {
        let mut first_request = None;
        let mut first_response = None;
        for backend in Backend::available() {
            let mut headers = [EMPTY_HEADER; HEADERS];
            let request = crate::parse::request_with(parser, backend, buf, &mut headers);
            match &request {
                Ok(Status::Complete(r)) => check_request_invariants(&parser, buf, r),
                Err(e) => check_error(e, buf, &parser),
                Ok(Status::Partial) => {}
            }
            let request = format!("{request:?}");
            assert_eq!(
                first_request.get_or_insert_with(|| request.clone()),
                &request,
                "{backend:?} differs"
            );
            let mut headers = [EMPTY_HEADER; HEADERS];
            let response = crate::parse::response_with(parser, backend, buf, &mut headers);
            match &response {
                Ok(Status::Complete(r)) => check_response_invariants(&parser, buf, r),
                Err(e) => check_error(e, buf, &parser),
                Ok(Status::Partial) => {}
            }
            let response = format!("{response:?}");
            assert_eq!(
                first_response.get_or_insert_with(|| response.clone()),
                &response,
                "{backend:?} differs"
            );
        }
    }
    chunk_line_agrees(buf, parse_chunk_size(buf));
    oracle.compared();
}

/// `parsed`, a chunk-size parse of `buf`, is well formed and agrees with a naive reading.
fn chunk_line_agrees(buf: &[u8], parsed: Result<Status<(usize, u64)>, Error>) {
    let digits = buf.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    let naive = buf[..digits].iter().try_fold(0u128, |n, &b| {
        let n = n * 16 + u128::from((b as char).to_digit(16).unwrap_or(0));
        (n <= u128::from(u64::MAX)).then_some(n)
    });
    match parsed {
        Ok(Status::Complete((line_len, size))) => {
            assert!(
                line_len <= buf.len() && buf[..line_len].ends_with(b"\r\n"),
                "chunk line end"
            );
            assert_eq!(
                Some(u128::from(size)),
                naive,
                "chunk size differs from the naive reading"
            );
        }
        Err(e) if e.kind() == ErrorKind::ChunkSizeOverflow => {
            assert_eq!(naive, None, "overflow reported for {buf:?}")
        }
        Err(e) => assert!(e.offset() <= buf.len(), "chunk error offset out of range"),
        Ok(Status::Partial) => assert!(
            buf.len() < crate::MAX_CHUNK_LINE,
            "partial beyond the line limit"
        ),
    }
}

/// The httparse configuration that matches this parser's with `lenient` on (or both defaults).
fn httparse_config(lenient: bool) -> httparse::ParserConfig {
    let mut config = httparse::ParserConfig::default();
    if lenient {
        config
            .allow_multiple_spaces_in_request_line_delimiters(true)
            .allow_multiple_spaces_in_response_status_delimiters(true)
            .allow_obsolete_multiline_headers_in_responses(true)
            .allow_spaces_after_header_name_in_responses(true);
    }
    config
}

fn ours_for(lenient: bool, response: bool) -> Parser {
    if !lenient {
        return Parser::new();
    }
    // httparse accepts bare LF and a missing reason always; folds and spaces before colons only in responses.
    let parser = Parser::new()
        .lenient(Leniency::BareLf)
        .lenient(Leniency::MultipleSpaces);
    if response {
        parser
            .lenient(Leniency::ObsFold)
            .lenient(Leniency::SpaceBeforeColon)
            .lenient(Leniency::MissingReason)
    } else {
        parser
    }
}

/// Which documented difference (crate docs, "Differences from httparse") explains our error where httparse
/// did not fail; `None` if none does.
fn explain(error: &Error, buf: &[u8], response: bool, parser: &Parser) -> Option<&'static str> {
    let at = error.offset();
    let byte = buf.get(at).copied();
    match error.kind() {
        ErrorKind::BareLf if byte == Some(b'\n') => Some("1: bare LF"),
        ErrorKind::InvalidVersion if response && at == 0 && matches!(byte, Some(b'\r' | b'\n')) => {
            Some("2: empty line before status-line")
        }
        ErrorKind::InvalidStatus if response && matches!(byte, Some(b'\r' | b'\n')) => {
            Some("3: no SP after code")
        }
        ErrorKind::InvalidTarget if byte.is_some_and(|b| b >= 0x80) => Some("4: non-ASCII target"),
        ErrorKind::HeadTooLarge if buf.len() >= parser.max_head_len => Some("6: head size limit"),
        ErrorKind::TooManyHeaders => Some("7: too many headers, noticed at the line start"),
        _ => None,
    }
}

fn same_headers(ours: &[Header<'_>], theirs: &[httparse::Header<'_>]) -> bool {
    ours.len() == theirs.len()
        && ours
            .iter()
            .zip(theirs)
            .all(|(a, b)| a.name == b.name && a.value == b.value)
}

/// Reads fuzz bytes as choices that build an HTTP head, so that most inputs are heads that complete
/// with an odd detail or two (and so get compared field by field) instead of noise both parsers
/// reject. Each choice takes one byte. Below `0xe0` (and once the input is exhausted) it picks the
/// first, well-formed option: a head needs a dozen choices, and with uniform picks almost every head
/// had several flaws and failed in both parsers. `0xe0..0xf0` picks one of the other options, and
/// from `0xf0` up, the byte's low four bits say how many raw bytes of the input to copy instead.
struct Choices<'a> {
    rest: &'a [u8],
    head: Vec<u8>,
}

impl Choices<'_> {
    fn byte(&mut self) -> u8 {
        match self.rest.split_first() {
            Some((&byte, rest)) => {
                self.rest = rest;
                byte
            }
            None => 0,
        }
    }

    fn pick(&mut self, options: &[&[u8]]) {
        let byte = self.byte();
        let odd = usize::from(byte & 0x0f);
        match byte {
            0xf0.. => {
                let (raw, rest) = self.rest.split_at(odd.min(self.rest.len()));
                self.head.extend_from_slice(raw);
                self.rest = rest;
            }
            0xe0.. => self
                .head
                .extend_from_slice(options[1 + odd % (options.len() - 1)]),
            _ => self.head.extend_from_slice(options[0]),
        }
    }
}

const SEPARATORS: &[&[u8]] = &[b" ", b"  ", b"\t", b"", b" \t"];
const LINE_ENDS: &[&[u8]] = &[b"\r\n", b"\n", b"\r", b"\r\r\n", b"\n\r"];
const VERSIONS: &[&[u8]] = &[
    b"HTTP/1.1",
    b"HTTP/1.0",
    b"HTTP/2.0",
    b"http/1.1",
    b"HTTP/1.",
    b"HTTP/1.11",
    b"HTTP/11",
];

/// A head built from `data`'s choices (see [`Choices`]).
fn build_head(data: &[u8], response: bool) -> Vec<u8> {
    let mut c = Choices {
        rest: data,
        head: Vec::new(),
    };
    if response {
        c.pick(VERSIONS);
        c.pick(SEPARATORS);
        c.pick(&[b"200", b"404", b"099", b"1000", b"20", b"2x0", b"999"]);
        c.pick(SEPARATORS);
        c.pick(&[
            b"OK",
            b"Not Found",
            b"",
            b" OK",
            b"O\tK",
            b"\x80\xff",
            b"OK ",
        ]);
    } else {
        c.pick(&[
            b"GET",
            b"POST",
            b"HEAD",
            b"PUT",
            b"OPTIONS",
            b"CONNECT",
            b"M-SEARCH",
            b"G\x7fT",
            b"",
        ]);
        c.pick(SEPARATORS);
        c.pick(&[
            b"/",
            b"/index.html?q=1&r=2",
            b"*",
            b"http://example.com:80/p",
            b"/%7Euser",
            b"/a b",
            b"//x",
            b"/\x80",
        ]);
        c.pick(SEPARATORS);
        c.pick(VERSIONS);
    }
    c.pick(LINE_ENDS);
    // 40 is more than the 32 header slots both parsers get.
    let headers = [1, 2, 0, 3, 5, 40][usize::from(c.byte()) % 6];
    for _ in 0..headers {
        c.pick(&[
            b"Host",
            b"Content-Length",
            b"Transfer-Encoding",
            b"X-Custom_1",
            b"a b",
            b"",
            b"Host ",
            b"\x80",
        ]);
        c.pick(&[b": ", b":", b" : ", b":\t", b"", b"::"]);
        c.pick(&[
            b"example.com",
            b"0",
            b"chunked",
            b"",
            b"  padded  ",
            b"a\tb",
            b"\x7f",
            b"\0",
            b"\x80\xff",
            b"x\r\n folded",
        ]);
        c.pick(LINE_ENDS);
    }
    c.pick(LINE_ENDS);
    c.head
}

/// Differential against httparse: where both complete, every field is equal; where they disagree, the
/// difference is one of the documented rules.
///
/// Mode bits (the first byte): 1 parses a response, 2 turns on the leniencies both parsers share, and
/// 4 skips the input taken as it is. Every input is also read as choices that build a head
/// ([`Choices`]) and that head is compared too. Mutated raw heads mostly end up as noise that both
/// parsers reject or find incomplete (only 2–3 % reached the field comparison); built heads mostly
/// complete. The input counts once for the oracle: compared when either head reached the fields.
pub fn check_differential(data: &[u8]) {
    let _input = ORACLE.input();
    let heads = differential_heads(data);
    if let Some(raw) = heads.raw {
        differential_head(raw, heads.response, heads.lenient);
    }
    differential_head(&heads.built, heads.response, heads.lenient);
}

/// What [`check_differential`] compares for one input.
#[derive(Debug, PartialEq)]
struct DifferentialHeads<'a> {
    response: bool,
    lenient: bool,
    /// The input after the mode byte, unless mode bit 4 skips it.
    raw: Option<&'a [u8]>,
    /// The head built from the same bytes read as choices.
    built: Vec<u8>,
}

fn differential_heads(data: &[u8]) -> DifferentialHeads<'_> {
    let (mode, rest) = split_mode(data);
    let response = mode & 1 != 0;
    DifferentialHeads {
        response,
        lenient: mode & 2 != 0,
        raw: (mode & 4 == 0).then_some(rest),
        built: build_head(rest, response),
    }
}

/// One head `buf` through both parsers, a request or a `response`, with the shared leniencies or not.
fn differential_head(buf: &[u8], response: bool, lenient: bool) {
    let parser = ours_for(lenient, response);
    let config = httparse_config(lenient);
    let mut ours_headers = [EMPTY_HEADER; HEADERS];
    let mut theirs_headers = [httparse::EMPTY_HEADER; HEADERS];
    if response {
        let ours = parser.parse_response(buf, &mut ours_headers);
        let mut theirs = httparse::Response::new(&mut theirs_headers);
        let theirs_status = config.parse_response(&mut theirs, buf);
        compare(&ours, &theirs_status, buf, response, &parser, |r| {
            assert_eq!(
                Some(r.version == crate::Version::Http11),
                theirs.version.map(|v| v == 1),
                "version"
            );
            assert_eq!(Some(r.code), theirs.code, "code");
            let reason = theirs.reason.unwrap_or_default().as_bytes();
            if r.reason.iter().all(u8::is_ascii) {
                assert_eq!(r.reason, reason, "reason");
            } else {
                assert!(
                    reason.is_empty(),
                    "5: httparse reports an obs-text reason as empty"
                );
            }
            assert!(
                same_headers(r.headers, theirs.headers),
                "headers: {:?} vs {:?}",
                r.headers,
                theirs.headers
            );
            r.head_len
        });
    } else {
        let ours = parser.parse_request(buf, &mut ours_headers);
        let mut theirs = httparse::Request::new(&mut theirs_headers);
        let theirs_status = config.parse_request(&mut theirs, buf);
        compare(&ours, &theirs_status, buf, response, &parser, |r| {
            assert_eq!(Some(r.method), theirs.method, "method");
            assert_eq!(Some(r.target), theirs.path, "target");
            assert_eq!(
                Some(r.version == crate::Version::Http11),
                theirs.version.map(|v| v == 1),
                "version"
            );
            assert!(
                same_headers(r.headers, theirs.headers),
                "headers: {:?} vs {:?}",
                r.headers,
                theirs.headers
            );
            r.head_len
        });
    }
}

fn compare<T: core::fmt::Debug>(
    ours: &Parsed<'_, '_, T>,
    theirs: &httparse::Result<usize>,
    buf: &[u8],
    response: bool,
    parser: &Parser,
    fields_equal: impl FnOnce(&T) -> usize,
) {
    let oracle = ORACLE.input();
    match (ours, theirs) {
        (Ok(Status::Complete(ours)), Ok(httparse::Status::Complete(theirs_len))) => {
            assert_eq!(fields_equal(ours), *theirs_len, "head_len");
            oracle.compared();
        }
        (Err(error), Ok(_)) => {
            let rule = explain(error, buf, response, parser);
            assert!(
                rule.is_some(),
                "we reject ({error}) where httparse gives {theirs:?}: no documented rule"
            );
            oracle.rejected();
        }
        (Err(_), Err(_)) | (Ok(Status::Partial), Ok(httparse::Status::Partial)) => {
            oracle.rejected()
        }
        _ => panic!("undocumented difference: ours {ours:?}, httparse {theirs:?}"),
    }
}

/// The parser, message kind and message `check_split` reads from its input: mode bits 0-4 the
/// leniencies, 5 a response, 6 a head limit of 32 bytes (96 with bit 7).
fn split_setup(data: &[u8]) -> (Parser, bool, &[u8]) {
    let (mode, buf) = split_mode(data);
    let parser = parser_from_bits(mode);
    let parser = if mode & 0x40 != 0 {
        parser.max_head_len(usize::from(mode >> 7) * 64 + 32)
    } else {
        parser
    };
    (parser, mode & 0x20 != 0, buf)
}

/// What a parse of one prefix gave: its `Debug` text, the head length when complete, the error.
type Rendered = (String, Option<usize>, Option<Error>);

/// Split invariance: every prefix parses as `Partial` or exactly as the whole input does, a complete head is
/// complete from its last byte on, and an error is reported once its byte and one more are present.
///
/// Oracle outcome: compared when the whole input is decided (complete or an error), so that its prefixes are
/// held to something; rejected when the whole input is still `Partial`.
pub fn check_split(data: &[u8]) {
    let (parser, response, buf) = split_setup(data);
    let render = |input: &[u8]| -> Rendered {
        let mut headers = [EMPTY_HEADER; HEADERS];
        if response {
            match parser.parse_response(input, &mut headers) {
                Ok(Status::Complete(r)) => (format!("{r:?}"), Some(r.head_len), None),
                other => (format!("{other:?}"), None, other.err()),
            }
        } else {
            match parser.parse_request(input, &mut headers) {
                Ok(Status::Complete(r)) => (format!("{r:?}"), Some(r.head_len), None),
                other => (format!("{other:?}"), None, other.err()),
            }
        }
    };
    split_invariance(&ORACLE, buf, render, |input| {
        format!("{:?}", parse_chunk_size(input))
    });
}

/// [`check_split`] of the head parse `render` and the chunk-size parse `chunk`, counting into `oracle`.
fn split_invariance(
    oracle: &gauntlet_oracle::Oracle,
    buf: &[u8],
    render: impl Fn(&[u8]) -> Rendered,
    chunk: impl Fn(&[u8]) -> String,
) {
    let input = oracle.input();
    let (whole, head_len, error) = render(buf);
    let partial = format!("{:?}", Ok::<Status<()>, Error>(Status::Partial));
    let stride = (buf.len() / 512).max(1);
    for cut in (0..buf.len()).step_by(stride) {
        let (prefix, _, _) = render(&buf[..cut]);
        assert!(
            prefix == partial || prefix == whole,
            "cut {cut}: {prefix} but whole: {whole}"
        );
        if let Some(head_len) = head_len {
            assert_eq!(
                prefix == whole,
                cut >= head_len,
                "cut {cut}: complete only from head_len {head_len}"
            );
        }
        if let Some(error) = error {
            let decided = error.offset() + 2;
            assert!(
                cut < decided || prefix == whole,
                "cut {cut}: error {error} not reported yet"
            );
        }
    }
    let whole_chunk = chunk(buf);
    for cut in (0..buf.len()).step_by(stride) {
        let prefix = chunk(&buf[..cut]);
        assert!(
            prefix == partial || prefix == whole_chunk,
            "chunk cut {cut}: {prefix} but whole: {whole_chunk}"
        );
    }
    if whole == partial {
        input.rejected();
    } else {
        input.compared();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exhausted_input_builds_a_well_formed_head() {
        let _deadline = gauntlet_oracle::no_hang("an_exhausted_input_builds_a_well_formed_head");
        assert_eq!(
            build_head(&[], false),
            b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
        );
        assert_eq!(
            build_head(&[], true),
            b"HTTP/1.1 200 OK\r\nHost: example.com\r\n\r\n"
        );
    }

    #[test]
    fn choices_pick_options_and_raw_bytes() {
        let _deadline = gauntlet_oracle::no_hang("choices_pick_options_and_raw_bytes");
        // Method: 3 raw bytes; separator option 1 ("  "); target option 2 ("*"); separator 0;
        // version option 1 ("HTTP/1.0"); line end option 1 ("\n"); header count 2 (none); final line
        // end 0x41, below 0xe0, so the first option ("\r\n").
        let head = build_head(
            &[0xf3, b'A', b'B', b'C', 0xe0, 0xe1, 0, 0xe0, 0xe0, 2, 0x41],
            false,
        );
        assert_eq!(head, b"ABC  * HTTP/1.0\n\r\n");
        // Option indices wrap around the other options: the version list has 7 entries, so 0xe6
        // picks option 1 again, as 0xe0 does.
        assert_eq!(
            build_head(&[0, 0, 0, 0, 0xe6, 0, 2], false),
            b"GET / HTTP/1.0\r\n\r\n"
        );
        // A raw run longer than what is left takes what is left.
        assert_eq!(
            build_head(&[0xff, b'x'], false),
            b"x / HTTP/1.1\r\nHost: example.com\r\n\r\n"
        );
        // Header count 5 (40 headers) makes more than the 32 slots.
        let many = build_head(&[0, 0, 0, 0, 0, 0, 5], false);
        assert_eq!(many.windows(4).filter(|w| w == b"Host").count(), 40);
    }

    #[test]
    fn built_heads_reach_the_field_comparison() {
        let _deadline = gauntlet_oracle::no_hang("built_heads_reach_the_field_comparison");
        // Target option 1; three headers: `Content-Length: 0`, `X-Custom_1:   padded  `, and the
        // default `Host: example.com`.
        let choices = [0, 0, 0xe0, 0, 0, 0, 3, 0xe0, 0, 0xe0, 0, 0xe2, 0, 0xe3, 0];
        let head = build_head(&choices, false);
        let parser = ours_for(false, false);
        let mut headers = [EMPTY_HEADER; HEADERS];
        let request = match parser.parse_request(&head, &mut headers) {
            Ok(Status::Complete(request)) => request,
            other => panic!("{other:?} for {:?}", String::from_utf8_lossy(&head)),
        };
        assert_eq!(request.target, "/index.html?q=1&r=2");
        let names: Vec<_> = request.headers.iter().map(|h| h.name).collect();
        assert_eq!(names, ["Content-Length", "X-Custom_1", "Host"]);
        let _global = GLOBAL_ORACLE.lock().unwrap_or_else(|p| p.into_inner());
        let before = oracle_counts();
        check_differential(&[[4].as_slice(), &choices].concat());
        let after = oracle_counts();
        assert_eq!(
            (after.0 - before.0, after.1 - before.1),
            (1, 0),
            "one field comparison"
        );
    }

    #[test]
    fn an_input_counts_once_compared_when_either_head_was() {
        let _deadline =
            gauntlet_oracle::no_hang("an_input_counts_once_compared_when_either_head_was");
        let _global = GLOBAL_ORACLE.lock().unwrap_or_else(|p| p.into_inner());
        let count = |data: &[u8]| {
            let before = oracle_counts();
            check_differential(data);
            let after = oracle_counts();
            (after.0 - before.0, after.1 - before.1)
        };
        // A complete raw request, and its bytes read as choices (all defaults): two comparisons,
        // one input.
        assert_eq!(
            count(b"\x00GET / HTTP/1.1\r\n\r\n"),
            (1, 0),
            "both heads compared"
        );
        // Raw noise both parsers find incomplete: the built head still reaches the fields.
        assert_eq!(count(b"\x00GET / HT"), (1, 0), "the built head compared");
        // Raw noise, and a built head whose method is the odd empty one (0xe7 picks option 1 + 7 % 8):
        // both rejected, so the input is rejected once.
        assert_eq!(count(b"\x00\xe7"), (0, 1), "neither compared");
        // Bit 4 skips the raw head: the same built head alone.
        assert_eq!(count(b"\x04\xe7"), (0, 1), "built head only");
    }

    #[test]
    fn each_documented_difference_explains_only_its_own_error() {
        let _deadline =
            gauntlet_oracle::no_hang("each_documented_difference_explains_only_its_own_error");
        let parser = Parser::new();
        let explain_at =
            |kind, at, buf: &[u8], response| explain(&Error::new(kind, at), buf, response, &parser);
        let head = b"GET / HTTP/1.1\nHost: x\r\n\r\n";
        assert_eq!(
            explain_at(ErrorKind::BareLf, 14, head, false),
            Some("1: bare LF")
        );
        assert_eq!(explain_at(ErrorKind::BareLf, 13, head, false), None);
        let empty_first = b"\r\nHTTP/1.1 200 OK\r\n\r\n";
        assert_eq!(
            explain_at(ErrorKind::InvalidVersion, 0, empty_first, true),
            Some("2: empty line before status-line")
        );
        assert_eq!(
            explain_at(ErrorKind::InvalidVersion, 0, empty_first, false),
            None
        );
        let later = b"HTTP/1.1 200 OK\r\n\r\n";
        assert_eq!(explain_at(ErrorKind::InvalidVersion, 15, later, true), None);
        let no_sp = b"HTTP/1.1 200\r\n\r\n";
        assert_eq!(
            explain_at(ErrorKind::InvalidStatus, 12, no_sp, true),
            Some("3: no SP after code")
        );
        assert_eq!(explain_at(ErrorKind::InvalidStatus, 12, no_sp, false), None);
        assert_eq!(explain_at(ErrorKind::InvalidStatus, 11, no_sp, true), None);
        let target = b"GET /\xc3\xa9 HTTP/1.1\r\n\r\n";
        assert_eq!(
            explain_at(ErrorKind::InvalidTarget, 5, target, false),
            Some("4: non-ASCII target")
        );
        assert_eq!(explain_at(ErrorKind::InvalidTarget, 4, target, false), None);
        let small = Parser::new().max_head_len(8);
        assert_eq!(
            explain(
                &Error::new(ErrorKind::HeadTooLarge, 8),
                b"GET / HTTP",
                false,
                &small
            ),
            Some("6: head size limit")
        );
        assert_eq!(
            explain(
                &Error::new(ErrorKind::HeadTooLarge, 7),
                b"GET / H",
                false,
                &small
            ),
            None
        );
        assert!(explain_at(ErrorKind::TooManyHeaders, 16, head, false).is_some());
        assert_eq!(explain_at(ErrorKind::InvalidMethod, 0, head, false), None);
    }

    #[test]
    fn differential_mode_bits_pick_kind_leniency_and_the_raw_head() {
        let _deadline =
            gauntlet_oracle::no_hang("differential_mode_bits_pick_kind_leniency_and_the_raw_head");
        let built = build_head(b"GET", false);
        assert_eq!(
            differential_heads(b"\x00GET"),
            DifferentialHeads {
                response: false,
                lenient: false,
                raw: Some(b"GET"),
                built: built.clone(),
            }
        );
        assert_eq!(
            differential_heads(b"\x04GET"),
            DifferentialHeads {
                response: false,
                lenient: false,
                raw: None,
                built,
            }
        );
        let heads = differential_heads(b"\x03HTTP");
        assert_eq!((heads.response, heads.lenient), (true, true));
        assert_eq!(heads.built, build_head(b"HTTP", true));
        assert!(heads.built.starts_with(b"HTTP/1.1 200 OK"));
    }

    /// Held by the tests that count into the global `ORACLE`, so each sees only its own counts.
    static GLOBAL_ORACLE: std::sync::Mutex<()> = std::sync::Mutex::new(());

    #[test]
    fn split_mode_bits_pick_kind_limit_and_leniencies() {
        let _deadline = gauntlet_oracle::no_hang("split_mode_bits_pick_kind_limit_and_leniencies");
        let (parser, response, buf) = split_setup(b"\x00GET");
        assert_eq!((response, buf), (false, &b"GET"[..]));
        assert_eq!(parser.max_head_len, Parser::DEFAULT_MAX_HEAD_LEN);
        assert_eq!(format!("{parser:?}"), format!("{:?}", Parser::new()));
        assert!(split_setup(b"\x20").1, "bit 5: a response");
        assert_eq!(split_setup(b"\x40").0.max_head_len, 32);
        assert_eq!(split_setup(b"\xc0").0.max_head_len, 96);
        assert_eq!(
            split_setup(b"\x80").0.max_head_len,
            Parser::DEFAULT_MAX_HEAD_LEN
        );
        assert_eq!(
            format!("{:?}", split_setup(b"\x1f").0),
            format!("{:?}", parser_from_bits(0x1f))
        );
        assert_ne!(
            format!("{:?}", parser_from_bits(0x1f)),
            format!("{parser:?}")
        );
        assert_eq!(split_setup(b"").2, b"");
    }

    fn real(response: bool) -> impl Fn(&[u8]) -> Rendered {
        move |input: &[u8]| {
            let parser = Parser::new();
            let mut headers = [EMPTY_HEADER; HEADERS];
            let parsed = if response {
                match parser.parse_response(input, &mut headers) {
                    Ok(Status::Complete(r)) => Ok(Some((format!("{r:?}"), r.head_len))),
                    Ok(Status::Partial) => Ok(None),
                    Err(e) => Err(e),
                }
            } else {
                match parser.parse_request(input, &mut headers) {
                    Ok(Status::Complete(r)) => Ok(Some((format!("{r:?}"), r.head_len))),
                    Ok(Status::Partial) => Ok(None),
                    Err(e) => Err(e),
                }
            };
            match parsed {
                Ok(Some((text, len))) => (text, Some(len), None),
                Ok(None) => (
                    format!("{:?}", Ok::<Status<()>, Error>(Status::Partial)),
                    None,
                    None,
                ),
                Err(e) => (format!("{:?}", Err::<Status<()>, Error>(e)), None, Some(e)),
            }
        }
    }

    fn chunk(input: &[u8]) -> String {
        format!("{:?}", parse_chunk_size(input))
    }

    /// Whether `split_invariance` reports a violation on `buf`.
    fn violation(
        buf: &[u8],
        render: impl Fn(&[u8]) -> Rendered,
        chunk: impl Fn(&[u8]) -> String,
    ) -> bool {
        let oracle = gauntlet_oracle::Oracle::new();
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            split_invariance(&oracle, buf, render, chunk)
        }))
        .is_err()
    }

    const HEAD: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    const BAD: &[u8] = b"GET / HTTP/1.1\r\nHo st: a\r\n\r\n";

    #[test]
    fn the_real_parser_is_split_invariant_and_counted() {
        let _deadline = gauntlet_oracle::no_hang("the_real_parser_is_split_invariant_and_counted");
        let oracle = gauntlet_oracle::Oracle::new();
        split_invariance(&oracle, HEAD, real(false), chunk);
        split_invariance(&oracle, BAD, real(false), chunk);
        split_invariance(&oracle, b"GET / HT", real(false), chunk);
        split_invariance(&oracle, b"HTTP/1.1 200 OK\r\n\r\n", real(true), chunk);
        assert_eq!(
            oracle.counts(),
            (3, 1),
            "complete, error, response: compared; partial: rejected"
        );
        assert!(real(false)(BAD).2.is_some(), "BAD is an error");
    }

    #[test]
    fn split_invariance_catches_a_parser_that_depends_on_the_cut() {
        let _deadline =
            gauntlet_oracle::no_hang("split_invariance_catches_a_parser_that_depends_on_the_cut");
        // Complete one byte early: the last prefix already reads as the whole head.
        let early = |input: &[u8]| {
            real(false)(if input.len() + 1 == HEAD.len() {
                HEAD
            } else {
                input
            })
        };
        assert!(violation(HEAD, early, chunk));
        // A prefix that parses as something else altogether.
        let other = |input: &[u8]| {
            if input.len() == 5 {
                real(false)(BAD)
            } else {
                real(false)(input)
            }
        };
        assert!(violation(HEAD, other, chunk));
        // An error that shows only with the whole input, long after its byte.
        let late = |input: &[u8]| {
            if input.len() < BAD.len() {
                real(false)(b"")
            } else {
                real(false)(input)
            }
        };
        assert!(violation(BAD, late, chunk));
        // A chunk-size parse that answers differently for a prefix.
        let size = b"1a;x=y\r\n";
        let wrong = |input: &[u8]| {
            if input.len() == 2 {
                "Ok(Complete((2, 26)))".to_owned()
            } else {
                chunk(input)
            }
        };
        assert!(violation(size, real(false), wrong));
        assert!(!violation(size, real(false), chunk));
    }

    #[test]
    fn check_robust_counts_each_input_once() {
        let _deadline = gauntlet_oracle::no_hang("check_robust_counts_each_input_once");
        let _global = GLOBAL_ORACLE.lock().unwrap_or_else(|p| p.into_inner());
        let before = oracle_counts();
        check_robust(b"");
        check_robust(&[[0].as_slice(), HEAD].concat());
        check_robust(b"\xffnot http at all");
        let after = oracle_counts();
        assert_eq!((after.0 - before.0, after.1 - before.1), (3, 0));
    }

    #[test]
    fn check_split_counts_into_oracle() {
        let _deadline = gauntlet_oracle::no_hang("check_split_counts_into_oracle");
        let _global = GLOBAL_ORACLE.lock().unwrap_or_else(|p| p.into_inner());
        let before = oracle_counts();
        check_split(&[[0].as_slice(), HEAD].concat());
        check_split(b"\x00GET / HT");
        check_split(&[[0x20].as_slice(), b"HTTP/1.1 200 OK\r\n\r\n"].concat());
        let after = oracle_counts();
        assert_eq!((after.0 - before.0, after.1 - before.1), (2, 1));
    }

    /// Whether `f` panics (an invariant check reported a violation).
    fn violated(f: impl FnOnce()) -> bool {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err()
    }

    #[test]
    fn the_chunk_line_check_catches_wrong_parses() {
        let _deadline = gauntlet_oracle::no_hang("the_chunk_line_check_catches_wrong_parses");
        let line = b"1a;x=y\r\n";
        chunk_line_agrees(line, parse_chunk_size(line));
        chunk_line_agrees(line, Ok(Status::Complete((8, 26))));
        let huge = b"10000000000000000\r\n";
        chunk_line_agrees(huge, parse_chunk_size(huge));
        let overflow = Err(Error::new(ErrorKind::ChunkSizeOverflow, 16));
        let long = [b'1'; crate::MAX_CHUNK_LINE];
        for (buf, parsed) in [
            (&line[..], Ok(Status::Complete((8, 27)))),
            (line, Ok(Status::Complete((9, 26)))),
            (line, Ok(Status::Complete((7, 26)))),
            (line, overflow),
            (line, Err(Error::new(ErrorKind::InvalidChunkSize, 9))),
            (&long[..], Ok(Status::Partial)),
            (huge, Ok(Status::Complete((19, 0)))),
        ] {
            assert!(violated(|| chunk_line_agrees(buf, parsed)), "{parsed:?}");
        }
        chunk_line_agrees(huge, overflow);
        chunk_line_agrees(line, Err(Error::new(ErrorKind::InvalidChunkSize, 8)));
        chunk_line_agrees(&long[..long.len() - 1], Ok(Status::Partial));
    }

    #[test]
    fn robust_mode_bits_pick_the_limit() {
        let _deadline = gauntlet_oracle::no_hang("robust_mode_bits_pick_the_limit");
        let (parser, buf) = robust_setup(b"\x83GET");
        assert_eq!((parser.max_head_len, buf), (3 + 8, &b"GET"[..]));
        assert!(parser.allows(Leniency::ALL[0]) && parser.allows(Leniency::ALL[1]));
        assert_eq!(robust_setup(b"\xff").0.max_head_len, 63 + 8);
        assert_eq!(
            robust_setup(b"\x3f").0.max_head_len,
            Parser::DEFAULT_MAX_HEAD_LEN
        );
        assert_eq!(robust_setup(b"").1, b"");
    }

    #[test]
    fn each_mode_bit_turns_on_its_own_leniency() {
        let _deadline = gauntlet_oracle::no_hang("each_mode_bit_turns_on_its_own_leniency");
        for i in 0..Leniency::ALL.len() {
            let parser = parser_from_bits(1 << i);
            for (j, other) in Leniency::ALL.into_iter().enumerate() {
                assert_eq!(parser.allows(other), i == j, "bit {i}, {other:?}");
            }
        }
    }

    const BUF: &[u8] = b"GET / HTTP/1.1\r\nA: b\r\n\r\n";

    fn request<'h>(headers: &'h [Header<'static>]) -> Request<'static, 'h> {
        Request {
            method: "GET",
            target: "/",
            version: crate::Version::Http11,
            headers,
            head_len: BUF.len(),
            head: BUF,
        }
    }

    #[test]
    fn the_request_invariants_catch_each_wrong_field() {
        let _deadline = gauntlet_oracle::no_hang("the_request_invariants_catch_each_wrong_field");
        let parser = Parser::new();
        let good = [Header {
            name: "A",
            value: b"b",
        }];
        check_request_invariants(&parser, BUF, &request(&good));
        let wrong = |edit: &dyn Fn(&mut Request<'static, '_>), headers: &[Header<'static>]| {
            let mut r = request(headers);
            edit(&mut r);
            violated(|| check_request_invariants(&parser, BUF, &r))
        };
        assert!(
            wrong(&|r| r.head_len = BUF.len() + 1, &good),
            "past the input"
        );
        assert!(
            wrong(&|r| r.head_len = BUF.len() - 1, &good),
            "not at an LF"
        );
        assert!(
            violated(|| check_request_invariants(
                &Parser::new().max_head_len(BUF.len() - 1),
                BUF,
                &request(&good)
            )),
            "past the limit"
        );
        assert!(wrong(&|r| r.method = "", &good), "empty method");
        assert!(wrong(&|r| r.method = "G(T", &good), "method");
        assert!(wrong(&|r| r.target = "", &good), "empty target");
        assert!(wrong(&|r| r.target = "/a b", &good), "target");
        for bad in [
            Header {
                name: "",
                value: b"b",
            },
            Header {
                name: "A:",
                value: b"b",
            },
            Header {
                name: "A",
                value: b"b\x00",
            },
            Header {
                name: "A",
                value: b"b\r\n c",
            },
            Header {
                name: "A",
                value: b" b",
            },
            Header {
                name: "A",
                value: b"b\t",
            },
        ] {
            assert!(wrong(&|_| {}, &[bad]), "{bad:?}");
        }
        // Folded lines keep their CR LF where obs-fold is allowed.
        check_fields(
            &Parser::new().lenient(Leniency::ObsFold),
            &[Header {
                name: "A",
                value: b"b\r\n c",
            }],
        );
    }

    #[test]
    fn the_response_invariants_catch_each_wrong_field() {
        let _deadline = gauntlet_oracle::no_hang("the_response_invariants_catch_each_wrong_field");
        let parser = Parser::new();
        let buf = b"HTTP/1.1 200 OK\r\n\r\n";
        let response = |code, reason: &'static [u8], head_len| Response {
            version: crate::Version::Http11,
            code,
            reason,
            headers: &[],
            head_len,
            head: buf,
        };
        check_response_invariants(&parser, buf, &response(999, b"OK", buf.len()));
        for (code, reason, head_len) in [
            (1000, &b"OK"[..], buf.len()),
            (200, b"O\x00K", buf.len()),
            (200, b"OK", buf.len() + 1),
            (200, b"OK", buf.len() - 1),
        ] {
            assert!(
                violated(|| check_response_invariants(
                    &parser,
                    buf,
                    &response(code, reason, head_len)
                )),
                "{code} {reason:?} {head_len}"
            );
        }
        let bad_header = [Header {
            name: "",
            value: b"",
        }];
        let r = Response {
            headers: &bad_header,
            ..response(200, b"OK", buf.len())
        };
        assert!(violated(|| check_response_invariants(&parser, buf, &r)));
        assert!(violated(|| check_response_invariants(
            &Parser::new().max_head_len(4),
            buf,
            &response(200, b"OK", buf.len())
        )));
    }

    #[test]
    fn the_error_invariants_hold_offsets_to_the_input_and_the_limit() {
        let _deadline = gauntlet_oracle::no_hang(
            "the_error_invariants_hold_offsets_to_the_input_and_the_limit",
        );
        let parser = Parser::new().max_head_len(8);
        let error = |kind, at| Error::new(kind, at);
        check_error(&error(ErrorKind::InvalidMethod, 3), b"abcd", &parser);
        assert!(violated(|| check_error(
            &error(ErrorKind::InvalidMethod, 4),
            b"abcd",
            &parser
        )));
        check_error(&error(ErrorKind::HeadTooLarge, 8), b"abcdefgh", &parser);
        assert!(violated(|| check_error(
            &error(ErrorKind::HeadTooLarge, 7),
            b"abcdefgh",
            &parser
        )));
        assert!(violated(|| check_error(
            &error(ErrorKind::HeadTooLarge, 8),
            b"abcdefg",
            &parser
        )));
    }
}
