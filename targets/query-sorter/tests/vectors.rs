//! Runs `testdata/vectors.toml` (format in `testdata/README.md`).

use std::borrow::Cow;

use query_sorter::{EmptyQuery, Mode, Options, Sorter, naive};
use serde::Deserialize;

#[derive(Deserialize)]
struct File {
    vector: Vec<Vector>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    name: String,
    input: Bytes,
    expected: Bytes,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    dedupe: bool,
    #[serde(default)]
    decode_unreserved: bool,
    #[serde(default)]
    strip_fragment: bool,
    #[serde(default)]
    empty_query: Option<String>,
    #[serde(default)]
    drop: Vec<Bytes>,
    #[serde(default)]
    keep: Vec<Bytes>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Bytes {
    One(String),
    Pieces(Vec<Piece>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Piece {
    Text(String),
    Repeat { repeat: String, times: usize },
}

/// `\xNN` is one byte and `\\` one backslash; any other backslash is a mistake in the file.
fn unescape(text: &str, vector: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'\\', Some(b'\\')) => {
                out.push(b'\\');
                i += 2;
            }
            (b'\\', Some(b'x')) => {
                let hex = text.get(i + 2..i + 4).unwrap_or("");
                let byte = u8::from_str_radix(hex, 16)
                    .unwrap_or_else(|_| panic!("{vector}: bad \\x escape at {i} in {text:?}"));
                out.push(byte);
                i += 4;
            }
            (b'\\', _) => panic!("{vector}: lone backslash at {i} in {text:?}; write \\\\"),
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

impl Bytes {
    fn decode(&self, vector: &str) -> Vec<u8> {
        match self {
            Bytes::One(text) => unescape(text, vector),
            Bytes::Pieces(pieces) => pieces
                .iter()
                .flat_map(|piece| match piece {
                    Piece::Text(text) => unescape(text, vector),
                    Piece::Repeat { repeat, times } => unescape(repeat, vector).repeat(*times),
                })
                .collect(),
        }
    }
}

impl Vector {
    fn options(&self) -> Options {
        let mode = match self.mode.as_deref() {
            None | Some("canonical") => Mode::Canonical,
            Some("by-key") => Mode::ByKey,
            Some("varnish") => Mode::Varnish,
            Some(other) => panic!("{}: unknown mode {other:?}", self.name),
        };
        let empty_query = match self.empty_query.as_deref() {
            None | Some("keep") => EmptyQuery::Keep,
            Some("remove") => EmptyQuery::Remove,
            Some(other) => panic!("{}: unknown empty_query {other:?}", self.name),
        };
        let mut options = Options::new(mode)
            .with_dedupe(self.dedupe)
            .with_decode_unreserved(self.decode_unreserved)
            .with_strip_fragment(self.strip_fragment)
            .with_empty_query(empty_query);
        for glob in &self.drop {
            options = options.drop(glob.decode(&self.name)).unwrap();
        }
        for glob in &self.keep {
            options = options.keep(glob.decode(&self.name)).unwrap();
        }
        options
    }
}

fn load() -> Vec<Vector> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/vectors.toml");
    let text = std::fs::read_to_string(path).expect("read testdata/vectors.toml");
    let file: File = toml::from_str(&text).expect("parse testdata/vectors.toml");
    file.vector
}

#[test]
fn every_vector_gives_its_expected_output() {
    let _deadline = gauntlet_oracle::no_hang("every_vector_gives_its_expected_output");
    let vectors = load();
    assert!(vectors.len() >= 60, "only {} vectors loaded", vectors.len());
    let mut failures = Vec::new();
    for vector in &vectors {
        let input = vector.input.decode(&vector.name);
        let expected = vector.expected.decode(&vector.name);
        let options = vector.options();
        let mut sorter = Sorter::new(options.clone());
        let mut out = Vec::new();
        sorter.sort_into(&input, &mut out);
        if out != expected {
            failures.push(format!(
                "{}: got {:?}, expected {:?}",
                vector.name,
                String::from_utf8_lossy(&out[..out.len().min(200)]),
                String::from_utf8_lossy(&expected[..expected.len().min(200)])
            ));
            continue;
        }
        assert_eq!(
            naive::sort(&input, &options),
            expected,
            "{}: naive model",
            vector.name
        );
        let cow = sorter.sort(&input);
        assert_eq!(*cow, *expected, "{}: Sorter::sort", vector.name);
        assert_eq!(
            matches!(cow, Cow::Borrowed(_)),
            input == expected,
            "{}: Sorter::sort borrows iff unchanged",
            vector.name
        );
        let mut again = Vec::new();
        sorter.sort_into(&expected, &mut again);
        assert_eq!(again, expected, "{}: not idempotent", vector.name);
    }
    assert!(
        failures.is_empty(),
        "{} failing vectors:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn vector_names_are_unique() {
    let _deadline = gauntlet_oracle::no_hang("vector_names_are_unique");
    let vectors = load();
    let mut names: Vec<&str> = vectors.iter().map(|v| v.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate vector names");
}

#[test]
fn varnish_vectors_match_the_c_model_where_it_is_defined() {
    let _deadline =
        gauntlet_oracle::no_hang("varnish_vectors_match_the_c_model_where_it_is_defined");
    let mut checked = 0;
    for vector in load()
        .iter()
        .filter(|v| v.mode.as_deref() == Some("varnish"))
    {
        let input = vector.input.decode(&vector.name);
        if let Some(expected) = naive::varnish_querysort(&input) {
            let mut out = Vec::new();
            Sorter::new(Options::new(Mode::Varnish)).sort_into(&input, &mut out);
            assert_eq!(out, expected, "{}", vector.name);
            checked += 1;
        }
    }
    assert!(
        checked >= 5,
        "only {checked} Varnish vectors were order-independent"
    );
}
