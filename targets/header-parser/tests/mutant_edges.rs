//! Edges that a one-character change to the parser would move, each pinned by name (found by
//! cargo-mutants: these inputs were the difference between a caught and a surviving mutant).

use header_parser::{EMPTY_HEADER, ErrorKind, Parser, Status, parse_chunk_size};

fn method(head: &[u8]) -> Result<String, (ErrorKind, usize)> {
    let mut headers = [EMPTY_HEADER; 4];
    match Parser::new().parse_request(head, &mut headers) {
        Ok(Status::Complete(r)) => Ok(r.method.to_owned()),
        Ok(Status::Partial) => panic!("{head:?} is a whole head"),
        Err(e) => Err((e.kind(), e.offset())),
    }
}

/// The common methods are matched without a scan, but only as whole tokens.
#[test]
fn a_method_that_starts_like_a_common_one_is_its_own() {
    let _deadline = gauntlet_oracle::no_hang("a_method_that_starts_like_a_common_one_is_its_own");
    for (head, expect) in [
        (&b"POST / HTTP/1.1\r\n\r\n"[..], "POST"),
        (b"POSTX / HTTP/1.1\r\n\r\n", "POSTX"),
        (b"GETS / HTTP/1.1\r\n\r\n", "GETS"),
        (b"PUTT / HTTP/1.1\r\n\r\n", "PUTT"),
    ] {
        assert_eq!(method(head), Ok(expect.to_owned()), "{head:?}");
    }
}

/// `chunk-ext-val` is a token or a quoted-string, never empty.
#[test]
fn an_empty_chunk_extension_value_is_refused_where_it_is() {
    let _deadline =
        gauntlet_oracle::no_hang("an_empty_chunk_extension_value_is_refused_where_it_is");
    for line in [&b"1;a=\r\n"[..], b"1;a= \r\n", b"1;a=;b\r\n"] {
        let e = parse_chunk_size(line).unwrap_err();
        let at = line.iter().rposition(|&b| b == b'=').unwrap() + 1;
        let at = at + line[at..].iter().take_while(|&&b| b == b' ').count();
        assert_eq!(
            (e.kind(), e.offset()),
            (ErrorKind::InvalidChunkSize, at),
            "{line:?}"
        );
    }
    assert_eq!(parse_chunk_size(b"1;a=b\r\n"), Ok(Status::Complete((7, 1))));
}

/// A request-target stops at its first byte outside `0x21..=0x7E`, also a byte with the top bit set
/// inside the first eight-byte words (the word-at-a-time scan must stop there, not step over it),
/// with and without SIMD.
#[test]
fn a_target_byte_with_the_top_bit_set_ends_the_target_where_it_is() {
    let _deadline =
        gauntlet_oracle::no_hang("a_target_byte_with_the_top_bit_set_ends_the_target_where_it_is");
    for high in [0x80u8, 0xc3, 0xff] {
        for at in 1..20 {
            let mut target = b"/abcdefghijklmnopqrstuvwxyz".to_vec();
            target[at] = high;
            let head = [&b"GET "[..], &target, b" HTTP/1.1\r\n\r\n"].concat();
            for parser in [Parser::new(), Parser::new().simd(false)] {
                let mut headers = [EMPTY_HEADER; 4];
                let e = parser.parse_request(&head, &mut headers).unwrap_err();
                assert_eq!(e.offset(), 4 + at, "{high:#x} at {at}: {:?}", e.kind());
            }
        }
    }
}
