//! A zero-copy, zero-allocation parser for HTTP/1.0 and HTTP/1.1 request and response heads, strict
//! against request smuggling by default.
//!
//! ```
//! use header_parser::{Framing, Header, Status, EMPTY_HEADER};
//! let mut headers = [EMPTY_HEADER; 16];
//! let buf = b"POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello";
//! let Status::Complete(request) = header_parser::parse_request(buf, &mut headers)? else { panic!() };
//! assert_eq!((request.method, request.target, request.head_len), ("POST", "/upload", 63));
//! assert_eq!(request.headers[0], Header { name: "Host", value: b"example.com" });
//! assert_eq!(request.framing()?, Framing::ContentLength(5));
//! # Ok::<(), header_parser::Error>(())
//! ```
//!
//! # Should I use this?
//! Use it where a head comes from an untrusted peer and a misread body length would matter: a proxy, a
//! load balancer, a server behind one. It parses heads only; bodies are framed by [`Request::framing`],
//! [`Response::framing`] and [`parse_chunk_size`], and reading them is the caller's job.
//!
//! # Features
//! - **Strict by default** (RFC 9112/9110): token characters in methods and field names, no whitespace
//!   before the colon, no obs-fold, no bare CR or bare LF, no controls but HTAB in values (obs-text
//!   `0x80..=0xFF` is allowed), only `HTTP/1.0` and `HTTP/1.1`, three-digit status codes, empty lines before
//!   the request-line skipped, a 64 KiB head limit ([`Parser::max_head_len`]) and at most as many field lines
//!   as the caller's header slice holds. Leading and trailing whitespace of field values is trimmed.
//! - **Named leniencies** ([`Leniency`]) for the relaxations real deployments need, each citing its clause.
//! - **Framing** (RFC 9112 §6): Content-Length syntax and duplicates, Transfer-Encoding with Content-Length,
//!   `chunked` not final in a request, Transfer-Encoding in HTTP/1.0, chunk-size lines without overflow.
//! - **Incremental**: `Status::Partial` means "no error so far, need more bytes". Whatever the split,
//!   parsing a growing buffer ends in the same result as parsing the whole message at once.
//! - **SIMD** scanning of tokens, targets, field values and reason phrases with AVX2 or SSE4.2, detected at
//!   run time, with a scalar (table and word-at-a-time) fallback; [`Parser::simd`]`(false)` forces the scalar
//!   path. The whole parser is compiled once per backend with the feature enabled, so the scanners inline.
//!   The scanners are written once, over a vector trait that each instruction set implements with its
//!   primitives. All unsafe code is in one private module, `simd`, with a `// SAFETY:` comment on every
//!   block. The private modules depend one way: `parse` on `tiny`, `scan` and `simd`, `tiny` and `scan` on
//!   `simd`, and `simd` only on the byte classes in `class`; the parser reaches a backend's
//!   `#[target_feature]` copy through a job the backend runs.
//! - **Short heads** (inputs of at most 64 bytes) first take a scalar pass with no setup and no backend
//!   dispatch, which answers only plain, complete heads and leaves everything else to the general parser, so
//!   results are the same either way.
//!
//! # Differences from httparse
//! Checked by the differential fuzz target (`fuzzing::check_differential`). With default settings on both
//! sides, where both complete every field is equal; where they disagree, it is one of these rules:
//! 1. Bare LF line endings: httparse accepts them everywhere; here they are [`ErrorKind::BareLf`] unless
//!    [`Leniency::BareLf`].
//! 2. Empty lines before a status-line: httparse skips them; here only a request-line may be preceded by
//!    empty lines (RFC 9112 §2.2), so a response starting with CR or LF is an error.
//! 3. A status-line without the SP after the code (`HTTP/1.1 200\r\n`): httparse accepts it; here it is
//!    [`ErrorKind::InvalidStatus`] unless [`Leniency::MissingReason`].
//! 4. Non-ASCII bytes in the request-target: httparse accepts them when they form UTF-8; here the target is
//!    visible ASCII only ([`ErrorKind::InvalidTarget`]).
//! 5. A reason phrase with obs-text: httparse reports an empty reason; here it is returned as sent.
//! 6. Head size: httparse has no limit; here a head longer than [`Parser::max_head_len`] is an error.
//! 7. Too many headers: httparse notices when the extra field line is complete; here as soon as it starts,
//!    so on a truncated input this parser may report the error where httparse says `Partial`.
//!
//! # How it is tested
//! - A data-driven conformance suite (`tests/conformance.rs`, vectors in `testdata/conformance/*.toml`, format
//!   in `testdata/README.md`): every rule above, classic smuggling vectors (CL.TE, TE.CL, differing duplicate
//!   Content-Length, `Transfer-Encoding : chunked`, bare CR, obs-fold hiding a field). Each vector is also
//!   checked for split invariance and scalar/SIMD agreement, and the suite fails if an error kind or a
//!   leniency has no vector.
//! - Exhaustive unit tests: every SIMD backend against the byte classes, for every byte at every position;
//!   the short-head path against the general parser on every one-byte change of seed heads, under every
//!   leniency.
//! - Property tests (`tests/roundtrip.rs`): generated valid heads serialise, parse back to the same fields,
//!   and are `Partial` at every shorter prefix.
//! - Three fuzz targets (robustness, differential against httparse, split invariance) whose check functions
//!   live in the `fuzzing` module (feature `fuzzing`); `tests/fuzz_replay.rs` replays their corpora on stable.
//!   The differential target compares each input as it is and a head built from its bytes read as
//!   choices, so about 70 % of inputs reach the field-by-field comparison (9 % when only raw inputs were
//!   compared; `cargo gauntlet fuzz --time 60s header_parser_differential`).
//! - Miri on the tests that reach the unsafe code, with the SIMD backends compiled in:
//!   `RUSTFLAGS="-C target-feature=+avx2,+sse4.2" cargo +nightly miri test -p header-parser --lib -- scan:: parse:: tiny::`

#![deny(unsafe_code)]

mod class;
mod error;
mod framing;
mod parse;
pub mod report;
mod scan;
#[allow(unsafe_code)]
mod simd;
mod tiny;

#[cfg(feature = "fuzzing")]
pub mod fuzzing;

pub use error::{Error, ErrorKind};
pub use framing::{Framing, MAX_CHUNK_LINE, parse_chunk_size};

/// Result of parsing a possibly incomplete buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status<T> {
    /// The head is complete.
    Complete(T),
    /// No error so far, but the head is not complete: parse again with more bytes.
    Partial,
}

/// The HTTP version of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// `HTTP/1.0`
    Http10,
    /// `HTTP/1.1`
    Http11,
}

impl Version {
    /// The version as written on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Http10 => "HTTP/1.0",
            Self::Http11 => "HTTP/1.1",
        }
    }
}

/// One field line. Both parts borrow the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'b> {
    /// The field name as sent (token characters, so always ASCII).
    pub name: &'b str,
    /// The field value without leading and trailing whitespace. With [`Leniency::ObsFold`] it may contain
    /// folds: read each CR and LF in it as SP, as [`Header::unfolded_value`] does.
    pub value: &'b [u8],
}

/// An empty header to fill the caller's slice: `[EMPTY_HEADER; 32]`.
pub const EMPTY_HEADER: Header<'static> = Header {
    name: "",
    value: b"",
};

impl<'b> Header<'b> {
    /// The value with every obs-fold byte (CR, LF) replaced by SP (RFC 9112 §5.2), without allocating.
    pub fn unfolded_value(&self) -> impl Iterator<Item = u8> + 'b {
        self.value
            .iter()
            .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
    }
}

/// A parsed request head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request<'b, 'h> {
    /// The method, such as `GET`.
    pub method: &'b str,
    /// The request-target, such as `/index.html?q=1`.
    pub target: &'b str,
    /// The HTTP version.
    pub version: Version,
    /// The field lines, in order.
    pub headers: &'h [Header<'b>],
    /// Length of the head, including the final empty line: the body starts at this offset.
    pub head_len: usize,
    head: &'b [u8],
}

impl Request<'_, '_> {
    /// How the request body is delimited (RFC 9112 §6), or the rule that makes its length ambiguous.
    pub fn framing(&self) -> Result<Framing, Error> {
        framing::framing(self.head, self.headers, self.version, true)
    }
}

/// A parsed response head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response<'b, 'h> {
    /// The HTTP version.
    pub version: Version,
    /// The three-digit status code.
    pub code: u16,
    /// The reason phrase as sent (possibly empty; may hold obs-text).
    pub reason: &'b [u8],
    /// The field lines, in order.
    pub headers: &'h [Header<'b>],
    /// Length of the head, including the final empty line: the body starts at this offset.
    pub head_len: usize,
    head: &'b [u8],
}

impl Response<'_, '_> {
    /// How the response body is delimited (RFC 9112 §6.3), given the method of the request it answers.
    pub fn framing(&self, request_method: &str) -> Result<Framing, Error> {
        let no_body = request_method == "HEAD"
            || matches!(self.code, 100..=199 | 204 | 304)
            || (request_method == "CONNECT" && (200..300).contains(&self.code));
        if no_body {
            return Ok(Framing::None);
        }
        framing::framing(self.head, self.headers, self.version, false)
    }
}

/// A relaxation of the strict defaults. Each one is something RFC 9112 lets a recipient accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Leniency {
    /// Accept obs-fold (a field line continued by a line starting with SP or HTAB). The fold stays in the
    /// value; read its CR and LF as SP ([`Header::unfolded_value`]). RFC 9112 §5.2: a recipient may replace
    /// each obs-fold with SP instead of rejecting the message.
    ObsFold,
    /// Accept a lone LF as a line terminator. RFC 9112 §2.2: "a recipient MAY recognize a single LF as a
    /// line terminator and ignore any preceding CR".
    BareLf,
    /// Accept runs of SP between the parts of the request-line and the status-line. RFC 9112 §3 (and §4):
    /// recipients MAY parse on whitespace-delimited word boundaries.
    MultipleSpaces,
    /// In responses only, accept whitespace between a field name and its colon. RFC 9112 §5.1: a proxy
    /// MUST remove it from a response before forwarding; a server MUST reject it in a request, so requests
    /// are never relaxed.
    SpaceBeforeColon,
    /// Accept a status-line that ends right after the code (`HTTP/1.1 200\r\n`) with an empty reason.
    /// RFC 9112 §4 requires the SP, but also says a client SHOULD ignore the reason-phrase content.
    MissingReason,
}

impl Leniency {
    /// Every leniency.
    pub const ALL: [Leniency; 5] = [
        Self::ObsFold,
        Self::BareLf,
        Self::MultipleSpaces,
        Self::SpaceBeforeColon,
        Self::MissingReason,
    ];

    /// The kebab-case name the CLI accepts (`--lenient obs-fold`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::ObsFold => "obs-fold",
            Self::BareLf => "bare-lf",
            Self::MultipleSpaces => "multiple-spaces",
            Self::SpaceBeforeColon => "space-before-colon",
            Self::MissingReason => "missing-reason",
        }
    }

    /// The leniency with this [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// Parser settings: strict by default. `Copy` and cheap; build one and reuse it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parser {
    lenient: u8,
    max_head_len: usize,
    simd: bool,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    /// The default head-size limit: 64 KiB.
    pub const DEFAULT_MAX_HEAD_LEN: usize = 64 * 1024;

    /// A strict parser with the default limit and SIMD enabled where the CPU has it.
    pub const fn new() -> Self {
        Self {
            lenient: 0,
            max_head_len: Self::DEFAULT_MAX_HEAD_LEN,
            simd: true,
        }
    }

    /// Also accept what `leniency` relaxes.
    pub const fn lenient(mut self, leniency: Leniency) -> Self {
        self.lenient |= leniency.bit();
        self
    }

    /// Whether `leniency` is enabled.
    pub const fn allows(&self, leniency: Leniency) -> bool {
        self.lenient & leniency.bit() != 0
    }

    /// Reject heads longer than `max` bytes (including the final empty line) with [`ErrorKind::HeadTooLarge`].
    pub const fn max_head_len(mut self, max: usize) -> Self {
        self.max_head_len = max;
        self
    }

    /// Use SIMD scanners when the CPU supports them (the default), or force the scalar path.
    pub const fn simd(mut self, enabled: bool) -> Self {
        self.simd = enabled;
        self
    }

    /// Parses a request head from the start of `buf`, storing field lines in `headers`.
    // Inlined so that the caller reaches the parse of the detected backend in one direct call.
    #[inline]
    pub fn parse_request<'b, 'h>(
        &self,
        buf: &'b [u8],
        headers: &'h mut [Header<'b>],
    ) -> Result<Status<Request<'b, 'h>>, Error> {
        parse::request(self, buf, headers)
    }

    /// Parses a response head from the start of `buf`, storing field lines in `headers`.
    #[inline]
    pub fn parse_response<'b, 'h>(
        &self,
        buf: &'b [u8],
        headers: &'h mut [Header<'b>],
    ) -> Result<Status<Response<'b, 'h>>, Error> {
        parse::response(self, buf, headers)
    }
}

/// Parses a request head with the strict defaults: `Parser::new().parse_request(buf, headers)`.
pub fn parse_request<'b, 'h>(
    buf: &'b [u8],
    headers: &'h mut [Header<'b>],
) -> Result<Status<Request<'b, 'h>>, Error> {
    Parser::new().parse_request(buf, headers)
}

/// Parses a response head with the strict defaults: `Parser::new().parse_response(buf, headers)`.
pub fn parse_response<'b, 'h>(
    buf: &'b [u8],
    headers: &'h mut [Header<'b>],
) -> Result<Status<Response<'b, 'h>>, Error> {
    Parser::new().parse_response(buf, headers)
}
