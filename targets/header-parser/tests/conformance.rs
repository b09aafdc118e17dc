//! Runs the data-driven conformance vectors in `testdata/conformance/*.toml` (format: `testdata/README.md`).

use header_parser::{ErrorKind, Leniency, Parser, Status, parse_chunk_size, report};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

struct Case {
    file: String,
    name: String,
    kind: String,
    lenient: Vec<Leniency>,
    max_head_len: Option<usize>,
    input: Vec<u8>,
    expect: Value,
}

fn latin1(text: &str, case: &str) -> Vec<u8> {
    text.chars()
        .map(|c| {
            u8::try_from(u32::from(c))
                .unwrap_or_else(|_| panic!("{case}: input character {c:?} is not Latin-1"))
        })
        .collect()
}

fn load() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/conformance");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    let mut cases = Vec::new();
    for path in paths {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let table: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let entries = table["case"]
            .as_array()
            .unwrap_or_else(|| panic!("{file}: no [[case]] tables"));
        for entry in entries {
            let get = |key: &str| entry.get(key);
            let name = get("name")
                .and_then(|v| v.as_str())
                .expect("case without name")
                .to_owned();
            let label = format!("{file}:{name}");
            assert!(
                get("rule")
                    .and_then(|v| v.as_str())
                    .is_some_and(|r| !r.is_empty()),
                "{label}: every case cites a rule"
            );
            let lenient = get("lenient")
                .and_then(|v| v.as_array())
                .map(|names| {
                    names
                        .iter()
                        .map(|n| {
                            let n = n.as_str().unwrap();
                            Leniency::from_name(n)
                                .unwrap_or_else(|| panic!("{label}: unknown leniency {n}"))
                        })
                        .collect()
                })
                .unwrap_or_default();
            cases.push(Case {
                kind: get("kind")
                    .and_then(|v| v.as_str())
                    .unwrap_or("request")
                    .to_owned(),
                lenient,
                max_head_len: get("max_head_len")
                    .and_then(|v| v.as_integer())
                    .map(|n| n as usize),
                input: latin1(
                    get("input")
                        .and_then(|v| v.as_str())
                        .expect("case without input"),
                    &label,
                ),
                expect: serde_json::to_value(get("expect").expect("case without expect")).unwrap(),
                name,
                file: file.clone(),
            });
        }
    }
    cases
}

fn parser(case: &Case, simd: bool) -> Parser {
    let mut parser = Parser::new().simd(simd);
    for &leniency in &case.lenient {
        parser = parser.lenient(leniency);
    }
    if let Some(max) = case.max_head_len {
        parser = parser.max_head_len(max);
    }
    parser
}

fn chunk_result(input: &[u8]) -> Value {
    match parse_chunk_size(input) {
        Ok(Status::Complete((line_len, size))) => {
            json!({"status": "complete", "line_len": line_len, "size": size})
        }
        Ok(Status::Partial) => json!({"status": "partial"}),
        Err(e) => json!({"status": "error", "error": e.kind().name(), "offset": e.offset()}),
    }
}

fn result(case: &Case, input: &[u8], simd: bool) -> Value {
    match case.kind.as_str() {
        "chunk" => chunk_result(input),
        "request" | "response" => {
            let report = report::render(&parser(case, simd), input, case.kind == "response");
            serde_json::from_str(&report.json)
                .unwrap_or_else(|e| panic!("invalid JSON {}: {e}", report.json))
        }
        other => panic!("{}: unknown kind {other}", case.name),
    }
}

#[test]
fn conformance_vectors() {
    let _deadline = gauntlet_oracle::no_hang("conformance_vectors");
    let cases = load();
    assert!(
        cases.len() >= 140,
        "expected the full suite, found {} cases",
        cases.len()
    );
    let mut names = BTreeSet::new();
    let mut kinds_seen = BTreeSet::new();
    let mut leniencies_seen = BTreeSet::new();
    let mut failures = Vec::new();
    for case in &cases {
        let label = format!("{}:{}", case.file, case.name);
        assert!(names.insert(case.name.clone()), "{label}: duplicate name");
        leniencies_seen.extend(case.lenient.iter().map(|l| l.name()));
        let actual = result(case, &case.input, true);
        let expect = case.expect.as_object().unwrap();
        for (key, want) in expect {
            if actual.get(key) != Some(want) {
                failures.push(format!("{label}: {key} expected {want}, got {actual}"));
            }
        }
        if let Some(kind) = expect.get("error").and_then(Value::as_str) {
            kinds_seen.insert(kind.to_owned());
        }
        // The scalar path gives the very same answer.
        let scalar = result(case, &case.input, false);
        assert_eq!(scalar, actual, "{label}: scalar and SIMD scanners disagree");
        // Split invariance: every prefix is partial or already the final answer.
        for cut in 0..case.input.len() {
            let prefix = result(case, &case.input[..cut], true);
            let partial = prefix == json!({"status": "partial"});
            assert!(
                partial || prefix == actual,
                "{label}: prefix of {cut} bytes gave {prefix}, whole gave {actual}"
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    let all_kinds: BTreeSet<String> = ErrorKind::ALL.iter().map(|k| k.name().to_owned()).collect();
    let missing: Vec<_> = all_kinds.difference(&kinds_seen).collect();
    assert!(
        missing.is_empty(),
        "error kinds without a vector: {missing:?}"
    );
    let missing: Vec<_> = Leniency::ALL
        .iter()
        .filter(|l| !leniencies_seen.contains(l.name()))
        .collect();
    assert!(
        missing.is_empty(),
        "leniencies without a vector: {missing:?}"
    );
}
