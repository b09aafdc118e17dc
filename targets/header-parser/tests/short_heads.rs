//! Inputs of at most 64 bytes first take the short-head path; longer ones never do. A complete head keeps its
//! fields whatever follows it, so parsing an input and the same input padded past 64 bytes must agree
//! wherever the first completes: that checks the short path through the public API, entry points included,
//! on every one-byte change of a few heads and under every setting.

use header_parser::{EMPTY_HEADER, Leniency, Parser, Status};

const SEEDS: [&[u8]; 6] = [
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST /submit HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    b"OPTIONS * HTTP/1.0\r\nA:\tb \t\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.0 304 \r\nETag: \"x\"\r\n\r\n",
    b"HTTP/1.1 500 Server Error\r\n\r\n",
];

fn parsers() -> Vec<Parser> {
    let mut all = vec![
        Parser::new(),
        Parser::new().simd(false),
        Parser::new().max_head_len(30),
    ];
    all.extend(Leniency::ALL.map(|l| Parser::new().lenient(l)));
    all
}

/// Checks `input` (at most 64 bytes) against itself padded to 100 bytes; returns whether it completed.
fn check(input: &[u8]) -> bool {
    assert!(input.len() <= 64);
    let mut padded = input.to_vec();
    padded.resize(100, b'Z');
    let mut completed = false;
    for parser in parsers() {
        let (mut a, mut b) = ([EMPTY_HEADER; 4], [EMPTY_HEADER; 4]);
        if let Ok(Status::Complete(short)) = parser.parse_request(input, &mut a) {
            let long = parser.parse_request(&padded, &mut b);
            assert_eq!(long, Ok(Status::Complete(short)), "{parser:?} {input:?}");
            completed = true;
        }
        let (mut a, mut b) = ([EMPTY_HEADER; 4], [EMPTY_HEADER; 4]);
        if let Ok(Status::Complete(short)) = parser.parse_response(input, &mut a) {
            let long = parser.parse_response(&padded, &mut b);
            assert_eq!(long, Ok(Status::Complete(short)), "{parser:?} {input:?}");
            completed = true;
        }
    }
    completed
}

#[test]
fn short_inputs_complete_as_the_general_parser_completes_them() {
    let _deadline =
        gauntlet_oracle::no_hang("short_inputs_complete_as_the_general_parser_completes_them");
    let mut completed = 0;
    for seed in SEEDS {
        assert!(check(seed), "{:?}", String::from_utf8_lossy(seed));
        for pos in 0..seed.len() {
            let step = if cfg!(miri) { 51 } else { 1 };
            for byte in (0..=255u8).step_by(step) {
                let mut input = seed.to_vec();
                input[pos] = byte;
                completed += usize::from(check(&input));
            }
        }
    }
    assert!(completed > 500, "only {completed} changed heads completed");
}
