//! The CLI's output: one JSON object per parsed head. The conformance suite compares against the same text.
//!
//! Bytes map to characters one to one (Latin-1): byte `0xNN` is `U+00NN`. Printable ASCII is written as is,
//! everything else as a `\u00NN` escape, so any byte round-trips and the output is plain ASCII.

use crate::{EMPTY_HEADER, Error, Framing, Header, Parser, Status};
use core::fmt::Write as _;

/// How many field lines [`render`] accepts before [`crate::ErrorKind::TooManyHeaders`].
pub const MAX_HEADERS: usize = 128;

/// The outcome of [`render`]: the JSON line (no newline) and the CLI's exit code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// `{"status":"complete",…}`, `{"status":"partial"}` or `{"status":"error",…}`.
    pub json: String,
    /// 0 complete, 1 error, 2 partial.
    pub exit_code: u8,
    /// The error, when there is one (head or framing).
    pub error: Option<Error>,
}

/// Parses `input` as a request (or a response) head with `parser` and renders the result.
/// A response's framing is computed as if it answered a GET.
pub fn render(parser: &Parser, input: &[u8], response: bool) -> Report {
    let mut headers = [EMPTY_HEADER; MAX_HEADERS];
    let mut json = String::from("{");
    let outcome = if response {
        parser
            .parse_response(input, &mut headers)
            .and_then(|status| match status {
                Status::Partial => Ok(None),
                Status::Complete(r) => {
                    let framing = r.framing("GET")?;
                    json.push_str(r#""status":"complete","kind":"response","version":"#);
                    string(&mut json, r.version.as_str().as_bytes());
                    let _ = write!(json, r#","code":{},"reason":"#, r.code);
                    string(&mut json, r.reason);
                    Ok(Some((r.headers, r.head_len, framing)))
                }
            })
    } else {
        parser
            .parse_request(input, &mut headers)
            .and_then(|status| match status {
                Status::Partial => Ok(None),
                Status::Complete(r) => {
                    let framing = r.framing()?;
                    json.push_str(r#""status":"complete","kind":"request","method":"#);
                    string(&mut json, r.method.as_bytes());
                    json.push_str(r#","target":"#);
                    string(&mut json, r.target.as_bytes());
                    json.push_str(r#","version":"#);
                    string(&mut json, r.version.as_str().as_bytes());
                    Ok(Some((r.headers, r.head_len, framing)))
                }
            })
    };
    let (exit_code, error) = match outcome {
        Ok(Some((headers, head_len, framing))) => {
            fields(&mut json, headers);
            let _ = write!(json, r#","head_len":{head_len},"framing":"#);
            json.push_str(&match framing {
                Framing::None => r#"{"kind":"none"}"#.to_owned(),
                Framing::ContentLength(n) => format!(r#"{{"kind":"content-length","length":{n}}}"#),
                Framing::Chunked => r#"{"kind":"chunked"}"#.to_owned(),
                Framing::Close => r#"{"kind":"close"}"#.to_owned(),
            });
            (0, None)
        }
        Ok(None) => {
            json.push_str(r#""status":"partial""#);
            (2, None)
        }
        Err(error) => {
            json.clear();
            let _ = write!(
                json,
                r#"{{"status":"error","error":"{}","offset":{}"#,
                error.kind().name(),
                error.offset()
            );
            (1, Some(error))
        }
    };
    json.push('}');
    Report {
        json,
        exit_code,
        error,
    }
}

fn fields(json: &mut String, headers: &[Header<'_>]) {
    json.push_str(r#","headers":["#);
    for (i, header) in headers.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push('[');
        string(json, header.name.as_bytes());
        json.push(',');
        // Folds are shown as the SPs a recipient must read them as (RFC 9112 §5.2).
        let unfolded: Vec<u8> = header.unfolded_value().collect();
        string(json, &unfolded);
        json.push(']');
    }
    json.push(']');
}

/// A JSON string of Latin-1 characters, one per byte.
fn string(json: &mut String, bytes: &[u8]) {
    json.push('"');
    for &b in bytes {
        match b {
            b'"' => json.push_str("\\\""),
            b'\\' => json.push_str("\\\\"),
            0x20..=0x7E => json.push(char::from(b)),
            _ => {
                let _ = write!(json, "\\u{b:04x}");
            }
        }
    }
    json.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_is_one_latin1_character() {
        let _deadline = gauntlet_oracle::no_hang("every_byte_is_one_latin1_character");
        let bytes: Vec<u8> = (0..=255).collect();
        let mut json = String::new();
        string(&mut json, &bytes);
        let decoded: String = serde_json::from_str(&json).unwrap();
        let round_trip: Vec<u8> = decoded
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap())
            .collect();
        assert_eq!(round_trip, bytes);
        assert!(json.is_ascii());
    }

    #[test]
    fn renders_the_documented_shape() {
        let _deadline = gauntlet_oracle::no_hang("renders_the_documented_shape");
        let report = render(&Parser::new(), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", false);
        assert_eq!(
            report.json,
            r#"{"status":"complete","kind":"request","method":"GET","target":"/","version":"HTTP/1.1","headers":[["Host","x"]],"head_len":27,"framing":{"kind":"none"}}"#
        );
        assert_eq!(report.exit_code, 0);
        let report = render(
            &Parser::new(),
            b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\n",
            true,
        );
        assert_eq!(
            report.json,
            r#"{"status":"complete","kind":"response","version":"HTTP/1.0","code":200,"reason":"OK","headers":[["Content-Length","3"]],"head_len":38,"framing":{"kind":"content-length","length":3}}"#
        );
        assert_eq!(
            render(&Parser::new(), b"GET / HT", false).json,
            r#"{"status":"partial"}"#
        );
        assert_eq!(render(&Parser::new(), b"GET / HT", false).exit_code, 2);
        let error = render(&Parser::new(), b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", false);
        assert_eq!(
            error.json,
            r#"{"status":"error","error":"space_before_colon","offset":20}"#
        );
        assert_eq!(error.exit_code, 1);
    }
}
