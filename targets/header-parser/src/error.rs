//! The one error type: what went wrong and at which byte.

use core::fmt;

/// Why a head (or a chunk-size line) was rejected.
///
/// Every variant names the rule that failed; `Display` gives the RFC 9112/9110 clause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The method is empty or has a byte that is not a token character.
    InvalidMethod,
    /// The request-target is empty or has a byte outside visible ASCII (`0x21..=0x7E`).
    InvalidTarget,
    /// The version is not exactly `HTTP/1.0` or `HTTP/1.1`, or is not followed by the expected delimiter.
    InvalidVersion,
    /// The status code is not three digits followed by SP.
    InvalidStatus,
    /// The reason phrase holds a control character.
    InvalidReason,
    /// A field name is empty or has a byte that is not a token character.
    InvalidHeaderName,
    /// Whitespace between a field name and its colon.
    SpaceBeforeColon,
    /// A field value holds NUL, DEL or another control character other than HTAB.
    InvalidHeaderValue,
    /// A line starts with whitespace: an obs-fold, or whitespace before the first field line.
    ObsFold,
    /// A CR that is not followed by LF.
    BareCr,
    /// An LF that is not preceded by CR.
    BareLf,
    /// More field lines than the caller's header slice holds.
    TooManyHeaders,
    /// The head is longer than the parser's limit.
    HeadTooLarge,
    /// A Content-Length value is not a list of decimal numbers that fit in `u64`.
    InvalidContentLength,
    /// Content-Length values that differ.
    ConflictingContentLength,
    /// Both Transfer-Encoding and Content-Length are present.
    ContentLengthWithTransferEncoding,
    /// A Transfer-Encoding value is not a valid list of transfer codings.
    InvalidTransferEncoding,
    /// In a request, the last transfer coding is not `chunked` (or `chunked` is applied twice).
    ChunkedNotFinal,
    /// Transfer-Encoding in an HTTP/1.0 message.
    TransferEncodingInHttp10,
    /// A chunk-size line is malformed.
    InvalidChunkSize,
    /// A chunk size does not fit in `u64`.
    ChunkSizeOverflow,
}

impl ErrorKind {
    /// Every kind, in declaration order (for tests and docs).
    pub const ALL: [ErrorKind; 21] = [
        Self::InvalidMethod,
        Self::InvalidTarget,
        Self::InvalidVersion,
        Self::InvalidStatus,
        Self::InvalidReason,
        Self::InvalidHeaderName,
        Self::SpaceBeforeColon,
        Self::InvalidHeaderValue,
        Self::ObsFold,
        Self::BareCr,
        Self::BareLf,
        Self::TooManyHeaders,
        Self::HeadTooLarge,
        Self::InvalidContentLength,
        Self::ConflictingContentLength,
        Self::ContentLengthWithTransferEncoding,
        Self::InvalidTransferEncoding,
        Self::ChunkedNotFinal,
        Self::TransferEncodingInHttp10,
        Self::InvalidChunkSize,
        Self::ChunkSizeOverflow,
    ];

    /// A stable snake_case name, as the CLI prints it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::InvalidMethod => "invalid_method",
            Self::InvalidTarget => "invalid_target",
            Self::InvalidVersion => "invalid_version",
            Self::InvalidStatus => "invalid_status",
            Self::InvalidReason => "invalid_reason",
            Self::InvalidHeaderName => "invalid_header_name",
            Self::SpaceBeforeColon => "space_before_colon",
            Self::InvalidHeaderValue => "invalid_header_value",
            Self::ObsFold => "obs_fold",
            Self::BareCr => "bare_cr",
            Self::BareLf => "bare_lf",
            Self::TooManyHeaders => "too_many_headers",
            Self::HeadTooLarge => "head_too_large",
            Self::InvalidContentLength => "invalid_content_length",
            Self::ConflictingContentLength => "conflicting_content_length",
            Self::ContentLengthWithTransferEncoding => "content_length_with_transfer_encoding",
            Self::InvalidTransferEncoding => "invalid_transfer_encoding",
            Self::ChunkedNotFinal => "chunked_not_final",
            Self::TransferEncodingInHttp10 => "transfer_encoding_in_http10",
            Self::InvalidChunkSize => "invalid_chunk_size",
            Self::ChunkSizeOverflow => "chunk_size_overflow",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::InvalidMethod => "invalid method token (RFC 9112 §3.1)",
            Self::InvalidTarget => "invalid request-target (RFC 9112 §3.2)",
            Self::InvalidVersion => "invalid HTTP version (RFC 9112 §2.3)",
            Self::InvalidStatus => "invalid status code (RFC 9112 §4)",
            Self::InvalidReason => "control character in reason phrase (RFC 9112 §4)",
            Self::InvalidHeaderName => "invalid field name (RFC 9110 §5.1)",
            Self::SpaceBeforeColon => "whitespace between field name and colon (RFC 9112 §5.1)",
            Self::InvalidHeaderValue => "control character in field value (RFC 9110 §5.5)",
            Self::ObsFold => "line starts with whitespace: obs-fold (RFC 9112 §5.2)",
            Self::BareCr => "CR not followed by LF (RFC 9112 §2.2)",
            Self::BareLf => "LF not preceded by CR (RFC 9112 §2.2)",
            Self::TooManyHeaders => "more field lines than the header slice holds",
            Self::HeadTooLarge => "head longer than the configured limit",
            Self::InvalidContentLength => "invalid Content-Length (RFC 9112 §6.3)",
            Self::ConflictingContentLength => "differing Content-Length values (RFC 9112 §6.3)",
            Self::ContentLengthWithTransferEncoding => {
                "Transfer-Encoding together with Content-Length (RFC 9112 §6.1)"
            }
            Self::InvalidTransferEncoding => "invalid Transfer-Encoding list (RFC 9112 §6.1)",
            Self::ChunkedNotFinal => "chunked is not the final transfer coding (RFC 9112 §6.3)",
            Self::TransferEncodingInHttp10 => {
                "Transfer-Encoding in an HTTP/1.0 message (RFC 9112 §6.1)"
            }
            Self::InvalidChunkSize => "invalid chunk-size line (RFC 9112 §7.1)",
            Self::ChunkSizeOverflow => "chunk size does not fit in 64 bits (RFC 9112 §7.1)",
        }
    }
}

/// A rejected head: the rule that failed and the offset of the offending byte in the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Error {
    kind: ErrorKind,
    offset: usize,
}

impl Error {
    pub(crate) const fn new(kind: ErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }

    /// Which rule failed.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Offset in the input of the byte that made the head invalid (for framing errors: the start of the
    /// offending field value; for [`ErrorKind::HeadTooLarge`]: the limit).
    pub const fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind.describe(), self.offset)
    }
}

impl std::error::Error for Error {}
