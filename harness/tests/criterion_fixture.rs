//! The criterion adapter (`src/criterion.rs`) end to end on the fixture project's ordinary
//! criterion bench (`tests/fixtures/project/benches/parse.rs`), whose code knows nothing of
//! gauntlet.
//!
//! They build the fixture (criterion included) and install cargo-criterion if it is missing,
//! which takes minutes, so plain `cargo test` skips them:
//!
//! `cargo test -p gauntlet-harness --test criterion_fixture -- --ignored --test-threads 1`

#[allow(dead_code)]
#[path = "../src/criterion.rs"]
mod criterion;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{BenchTarget, SecondsFormat, Timing};

/// One test at a time runs benches: they share a target dir and would time each other.
static BENCHING: Mutex<()> = Mutex::new(());

fn fixture() -> BenchTarget {
    BenchTarget {
        dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/project"),
        package: None,
        bench: "parse".to_owned(),
        target_dir: Some(Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-project")),
    }
}

/// cargo-criterion is there and the fixture resolves to criterion 0.5.
fn prepare(target: &BenchTarget) -> SecondsFormat {
    criterion::ensure_cargo_criterion().unwrap();
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(target.dir.join("Cargo.toml"))
        .exec()
        .unwrap();
    let criterion = metadata
        .packages
        .iter()
        .find(|p| p.name.as_str() == "criterion")
        .expect("the fixture depends on criterion");
    let version = (
        criterion.version.major,
        criterion.version.minor,
        criterion.version.patch,
    );
    assert_eq!((version.0, version.1), (0, 5), "{version:?}");
    SecondsFormat::of(version)
}

#[test]
#[ignore = "builds the fixture project; see the file's doc for the command"]
fn lists_runs_and_records_the_fixture_bench() {
    let _one = BENCHING.lock().unwrap_or_else(|p| p.into_inner());
    let target = fixture();
    let format = prepare(&target);

    let all = criterion::list(&target, None).unwrap();
    assert_eq!(all, ["parse/short", "parse/long", "format"]);
    assert_eq!(
        criterion::list(&target, Some("parse/")).unwrap(),
        ["parse/short", "parse/long"]
    );
    assert!(
        criterion::list(&target, Some("nothing-matches"))
            .unwrap()
            .is_empty()
    );

    let timing = Timing {
        limit: Some(Duration::from_secs(120)),
        ..Timing::default()
    };
    let run = criterion::run(&target, None, &timing, format, &[]).unwrap();
    eprintln!(
        "one run of 3 benchmark functions: {:.2} s",
        run.wall.as_secs_f64()
    );
    let ids: Vec<&str> = run.samples.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, all);
    assert!(run.overridden.is_empty(), "{:?}", run.overridden);
    let krate = "fixture-project";
    for s in &run.samples {
        assert_eq!(s.len(), 100, "{}", s.id);
        let rec = criterion::to_record(krate, s, Default::default()).unwrap();
        assert_eq!(rec.id, format!("fixture-project/{}", s.id));
        let p = &rec.percentiles_ns;
        assert!(
            0.0 < p.min && p.min <= p.p50 && p.p50 <= p.max,
            "{}: {p:?}",
            s.id
        );
    }
    // Bytes per iteration come from the bench's `Throughput::Bytes`.
    assert!(run.samples[0].throughput_bytes.is_some());
    // A bounded run: three functions of ~0.4 s each, plus cargo's no-op build. Generous, for a
    // loaded machine.
    assert!(run.wall.as_secs() < 60, "{:?}", run.wall);

    let one = criterion::run(&target, Some("^format$"), &timing, format, &[]).unwrap();
    let ids: Vec<&str> = one.samples.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["format"]);

    // Past its limit the whole run (cargo, cargo-criterion, the bench) is stopped.
    let tight = Timing {
        limit: Some(Duration::from_millis(300)),
        ..timing
    };
    let started = Instant::now();
    let e = criterion::run(&target, None, &tight, format, &[]).unwrap_err();
    assert!(e.to_string().contains("ran longer than 0.3 s"), "{e:#}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
#[ignore = "builds the fixture project; see the file's doc for the command"]
fn an_injected_slowdown_raises_the_median() {
    let _one = BENCHING.lock().unwrap_or_else(|p| p.into_inner());
    let target = fixture();
    let format = prepare(&target);
    let timing = Timing::default();
    let slow = [("FIXTURE_SLOWDOWN_PCT".to_owned(), "50".to_owned())];
    let plain = [("FIXTURE_SLOWDOWN_PCT".to_owned(), "0".to_owned())];
    // Interleaved process runs (ABBA), each side's p50 per run, then each side's fastest run.
    // Not a ratio per pair: on a shared 2-vCPU VM a whole process run can land in a state where
    // a busy neighbour halves its speed (seen here: the same p50 at 9 µs in some runs, 18 µs in
    // others), and such states change between runs, not within one. The fastest run of each
    // side is its cost with the machine least in the way.
    let mut p50s: BTreeMap<(String, bool), Vec<f64>> = BTreeMap::new();
    for pair in 0..7 {
        let mut order = [(false, &plain), (true, &slow)];
        if pair % 2 == 1 {
            order.reverse();
        }
        for (slowed, env) in order {
            let run = criterion::run(&target, Some("parse/"), &timing, format, env).unwrap();
            assert_eq!(run.samples.len(), 2);
            for s in &run.samples {
                let summary = criterion::summarize(&s.per_iteration()).unwrap();
                p50s.entry((s.id.clone(), slowed))
                    .or_default()
                    .push(summary.percentiles.p50);
            }
        }
    }
    let fastest = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    for id in ["parse/short", "parse/long"] {
        let base = &p50s[&(id.to_owned(), false)];
        let head = &p50s[&(id.to_owned(), true)];
        let (b, h) = (fastest(base), fastest(head));
        eprintln!(
            "{id}: p50 {b:.1} ns -> {h:.1} ns (x{:.2}); runs {base:.0?} -> {head:.0?}",
            h / b
        );
        assert!(h >= 1.2 * b, "{id}: {base:?} -> {head:?}");
    }
}
