//! Property tests: generated valid heads, serialised with random optional whitespace, parse back to the same
//! fields, every prefix is `Partial`, and the scalar and SIMD paths agree.

use header_parser::{EMPTY_HEADER, Parser, Status, Version};
use proptest::prelude::*;

const TCHARS: &[u8] =
    b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn token(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(TCHARS), 1..=max)
        .prop_map(|bytes| String::from_utf8(bytes).unwrap())
}

/// A field value: visible ASCII and obs-text at both ends, SP and HTAB allowed inside, or empty.
fn value() -> impl Strategy<Value = Vec<u8>> {
    let visible = prop_oneof![8 => 0x21u8..=0x7E, 1 => 0x80u8..=0xFF];
    let inner =
        prop_oneof![8 => 0x21u8..=0x7E, 1 => 0x80u8..=0xFF, 2 => Just(b' '), 1 => Just(b'\t')];
    prop_oneof![
        1 => Just(Vec::new()),
        6 => (visible.clone(), proptest::collection::vec(inner, 0..120), visible).prop_map(|(first, mut middle, last)| {
            middle.insert(0, first);
            middle.push(last);
            middle
        }),
    ]
}

fn ows() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(prop_oneof![Just(b' '), Just(b'\t')], 0..3)
}

#[derive(Debug, Clone)]
struct Field {
    name: String,
    value: Vec<u8>,
    before: Vec<u8>,
    after: Vec<u8>,
}

fn fields() -> impl Strategy<Value = Vec<Field>> {
    proptest::collection::vec(
        (token(24), value(), ows(), ows()).prop_map(|(name, value, before, after)| Field {
            name,
            value,
            before,
            after,
        }),
        0..16,
    )
}

fn serialise_fields(head: &mut Vec<u8>, fields: &[Field]) {
    for field in fields {
        head.extend_from_slice(field.name.as_bytes());
        head.push(b':');
        head.extend_from_slice(&field.before);
        head.extend_from_slice(&field.value);
        if !field.value.is_empty() {
            head.extend_from_slice(&field.after);
        }
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
}

fn version_text(v: Version) -> &'static str {
    v.as_str()
}

fn any_version() -> impl Strategy<Value = Version> {
    prop_oneof![Just(Version::Http10), Just(Version::Http11)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn request_heads_round_trip(
        method in token(10),
        target in proptest::collection::vec(0x21u8..=0x7E, 0..60),
        version in any_version(),
        fields in fields(),
        body in proptest::collection::vec(any::<u8>(), 0..8),
    ) {
        let _deadline = gauntlet_oracle::no_hang("request_heads_round_trip");
        let target = format!("/{}", String::from_utf8(target).unwrap());
        let mut head = format!("{method} {target} {}\r\n", version_text(version)).into_bytes();
        serialise_fields(&mut head, &fields);
        let head_len = head.len();
        let mut message = head.clone();
        message.extend_from_slice(&body);

        for parser in [Parser::new(), Parser::new().simd(false)] {
            let mut headers = [EMPTY_HEADER; 16];
            let parsed = parser.parse_request(&message, &mut headers);
            let Ok(Status::Complete(request)) = parsed else {
                return Err(TestCaseError::fail(format!("{parsed:?} for {:?}", String::from_utf8_lossy(&head))));
            };
            prop_assert_eq!(request.method, method.as_str());
            prop_assert_eq!(request.target, target.as_str());
            prop_assert_eq!(request.version, version);
            prop_assert_eq!(request.head_len, head_len);
            prop_assert_eq!(request.headers.len(), fields.len());
            for (got, want) in request.headers.iter().zip(&fields) {
                prop_assert_eq!(got.name, want.name.as_str());
                prop_assert_eq!(got.value, &want.value[..]);
            }
        }
        for cut in 0..head_len {
            let mut headers = [EMPTY_HEADER; 16];
            prop_assert_eq!(Parser::new().parse_request(&message[..cut], &mut headers), Ok(Status::Partial), "cut {}", cut);
        }
    }

    #[test]
    fn response_heads_round_trip(
        code in 100u16..=999,
        reason in proptest::collection::vec(prop_oneof![0x20u8..=0x7E, Just(b'\t'), 0x80u8..=0xFF], 0..40),
        version in any_version(),
        fields in fields(),
    ) {
        let _deadline = gauntlet_oracle::no_hang("response_heads_round_trip");
        let mut head = format!("{} {code} ", version_text(version)).into_bytes();
        head.extend_from_slice(&reason);
        head.extend_from_slice(b"\r\n");
        serialise_fields(&mut head, &fields);

        for parser in [Parser::new(), Parser::new().simd(false)] {
            let mut headers = [EMPTY_HEADER; 16];
            let parsed = parser.parse_response(&head, &mut headers);
            let Ok(Status::Complete(response)) = parsed else {
                return Err(TestCaseError::fail(format!("{parsed:?} for {:?}", String::from_utf8_lossy(&head))));
            };
            prop_assert_eq!(response.code, code);
            prop_assert_eq!(response.reason, &reason[..]);
            prop_assert_eq!(response.version, version);
            prop_assert_eq!(response.head_len, head.len());
            let names: Vec<&str> = response.headers.iter().map(|h| h.name).collect();
            let want: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            prop_assert_eq!(names, want);
            for (got, want) in response.headers.iter().zip(&fields) {
                prop_assert_eq!(got.value, &want.value[..]);
            }
        }
    }

    /// Content-Length framing reads back any u64, with or without a repeated identical value.
    #[test]
    fn content_length_round_trips(n in any::<u64>(), repeat in any::<bool>()) {
        let _deadline = gauntlet_oracle::no_hang("content_length_round_trips");
        let mut head = format!("POST / HTTP/1.1\r\nContent-Length: {n}\r\n");
        if repeat {
            head += &format!("content-length: {n}, {n}\r\n");
        }
        head += "\r\n";
        let mut headers = [EMPTY_HEADER; 4];
        let Ok(Status::Complete(request)) = Parser::new().parse_request(head.as_bytes(), &mut headers) else {
            return Err(TestCaseError::fail("head rejected"));
        };
        prop_assert_eq!(request.framing(), Ok(header_parser::Framing::ContentLength(n)));
    }

    /// Chunk sizes read back any u64 in any hex case with leading zeros.
    #[test]
    fn chunk_size_round_trips(n in any::<u64>(), zeros in 0usize..4, upper in any::<bool>()) {
        let _deadline = gauntlet_oracle::no_hang("chunk_size_round_trips");
        let hex = if upper { format!("{n:X}") } else { format!("{n:x}") };
        let line = format!("{}{hex}\r\n", "0".repeat(zeros));
        prop_assert_eq!(header_parser::parse_chunk_size(line.as_bytes()), Ok(Status::Complete((line.len(), n))));
    }
}
