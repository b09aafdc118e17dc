//! The oracles and helpers of `bzip2_decoder::fuzzing` themselves: the libbz2 drivers decode
//! what they are given like `bzip2 -d`, the stream editor edits where it says, and the checks count
//! their outcomes into `ORACLE`.
#![cfg(feature = "fuzzing")]

use bzip2_decoder::fuzzing::{
    Mutation, Verdict, c_compress, c_libbz2, check_differential, check_parallel, check_roundtrip,
    mutate, oracle_counts, rust_libbz2,
};

type Driver = fn(&[u8], u64) -> Verdict;
const DRIVERS: [(&str, Driver); 2] = [("C", c_libbz2), ("Rust", rust_libbz2)];

#[test]
fn the_drivers_decode_one_stream_after_another() {
    let _deadline = gauntlet_oracle::no_hang("the_drivers_decode_one_stream_after_another");
    let (a, b) = (c_compress(b"first ", 9), c_compress(b"second", 1));
    for (name, decode) in DRIVERS {
        assert_eq!(
            decode(&a, 1 << 20),
            Verdict::Ok(b"first ".to_vec()),
            "{name}"
        );
        let both = [a.as_slice(), &b].concat();
        assert_eq!(
            decode(&both, 1 << 20),
            Verdict::Ok(b"first second".to_vec()),
            "{name}"
        );
        // After the first stream, a bad magic is trailing garbage; before it, an error.
        let trailing = [a.as_slice(), b"garbage"].concat();
        assert_eq!(
            decode(&trailing, 1 << 20),
            Verdict::Ok(b"first ".to_vec()),
            "{name}"
        );
        assert!(
            matches!(decode(b"garbage", 1 << 20), Verdict::Rejected(_)),
            "{name}"
        );
        assert_eq!(
            decode(&a[..a.len() - 3], 1 << 20),
            Verdict::Rejected("unexpected end of input".into()),
            "{name}: a cut stream"
        );
    }
}

#[test]
fn the_drivers_stop_past_the_cap() {
    let _deadline = gauntlet_oracle::no_hang("the_drivers_stop_past_the_cap");
    let data = vec![7u8; 100_000];
    let stream = c_compress(&data, 1);
    for (name, decode) in DRIVERS {
        assert_eq!(
            decode(&stream, 100_000),
            Verdict::Ok(data.clone()),
            "{name}: exactly the cap"
        );
        assert_eq!(decode(&stream, 99_999), Verdict::TooBig, "{name}");
    }
}

#[test]
fn mutations_edit_where_they_say() {
    let _deadline = gauntlet_oracle::no_hang("mutations_edit_where_they_say");
    let edit = |mutation: Mutation| {
        let mut s = vec![0u8, 0, 0, 0];
        mutate(&mut s, &[mutation]);
        s
    };
    assert_eq!(edit(Mutation::FlipBit(9)), [0, 0x40, 0, 0]);
    assert_eq!(
        edit(Mutation::FlipBit(32 + 9)),
        [0, 0x40, 0, 0],
        "modulo the bits"
    );
    assert_eq!(
        edit(Mutation::FlipBits(6, 3)),
        [0x03, 0xc0, 0, 0],
        "4 bits from bit 6"
    );
    assert_eq!(
        edit(Mutation::FlipBits(31, 1)),
        [0x80, 0, 0, 0x01],
        "wrapping around"
    );
    assert_eq!(edit(Mutation::SetByte(6, 9)), [0, 0, 9, 0]);
    assert_eq!(edit(Mutation::Truncate(3)), [0, 0, 0]);
    assert_eq!(edit(Mutation::Insert(1, vec![5, 6])), [0, 5, 6, 0, 0, 0]);
    assert_eq!(edit(Mutation::Remove(1, 1)), [0, 0], "2 bytes from byte 1");
    assert_eq!(edit(Mutation::Remove(3, 7)), [0, 0, 0], "up to the end");
    assert_eq!(edit(Mutation::Append(vec![1])), [0, 0, 0, 0, 1]);
    let mut empty = Vec::new();
    mutate(
        &mut empty,
        &[
            Mutation::FlipBit(3),
            Mutation::SetByte(0, 1),
            Mutation::Remove(0, 0),
            Mutation::Insert(5, vec![4]),
        ],
    );
    assert_eq!(
        empty,
        [4],
        "edits of an empty stream do nothing, an insert appends"
    );
}

/// The only test in this binary that counts into the global `ORACLE`.
#[test]
fn the_checks_count_their_outcomes() {
    let _deadline = gauntlet_oracle::no_hang("the_checks_count_their_outcomes");
    let before = oracle_counts();
    check_differential(&c_compress(b"abc", 9));
    check_differential(b"not bzip2");
    check_roundtrip(b"");
    check_roundtrip(b"\x05payload");
    check_parallel(b"");
    check_parallel(&[&[0u8][..], &c_compress(b"xyz", 1)].concat());
    let after = oracle_counts();
    assert_eq!((after.0 - before.0, after.1 - before.1), (4, 2));
}
