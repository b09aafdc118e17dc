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
    let version = criterion::criterion_version(target).unwrap();
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

    let timing = Timing::default();
    let run = criterion::run(&target, None, &timing, format, &[]).unwrap();
    eprintln!(
        "one run of 3 benchmark functions: {:.2} s",
        run.wall.as_secs_f64()
    );
    let ids: Vec<&str> = run.samples.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, all);
    assert!(run.overridden.is_empty(), "{:?}", run.overridden);
    let krate = criterion::package_name(&target.dir).unwrap();
    for s in &run.samples {
        assert_eq!(s.len(), 100, "{}", s.id);
        let rec = criterion::to_record(&krate, s, Default::default()).unwrap();
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
    // Interleaved process runs, paired: the ratio of each pair's p50s, then the median ratio
    // over the pairs, so that a machine whose load drifts between runs slows both alike.
    let mut ratios: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for pair in 0..5 {
        let mut p50 = BTreeMap::new();
        // ABBA: alternate which side runs first.
        let mut order = [(false, &plain), (true, &slow)];
        if pair % 2 == 1 {
            order.reverse();
        }
        for (slowed, env) in order {
            let run = criterion::run(&target, Some("parse/"), &timing, format, env).unwrap();
            assert_eq!(run.samples.len(), 2);
            for s in &run.samples {
                let summary = criterion::summarize(&s.per_iteration()).unwrap();
                p50.insert((s.id.clone(), slowed), summary.percentiles.p50);
            }
        }
        for id in ["parse/short", "parse/long"] {
            let (base, head) = (p50[&(id.to_owned(), false)], p50[&(id.to_owned(), true)]);
            eprintln!("pair {pair} {id}: p50 {base:.1} ns -> {head:.1} ns");
            ratios.entry(id.to_owned()).or_default().push(head / base);
        }
    }
    for (id, mut r) in ratios {
        r.sort_by(f64::total_cmp);
        let median = r[r.len() / 2];
        eprintln!("{id}: median ratio x{median:.2} of {r:.2?}");
        assert!(median >= 1.2, "{id}: ratios {r:?}");
    }
}
