//! `cargo harness coverage` as a user runs it. The error paths are fast (they fail before any
//! build); the end-to-end run instruments and tests retry-counter, which takes minutes, so it is
//! `#[ignore]`d: `cargo test -p cargo-gauntlet --test coverage_cli -- --ignored`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn harness(args: &[&str], target_dir: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-gauntlet"));
    cmd.arg("coverage").args(args).current_dir(workspace());
    if let Some(t) = target_dir {
        cmd.env("CARGO_TARGET_DIR", t);
    }
    cmd.output().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "gauntlet-coverage-cli-{name}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Exit code and the single stderr line of a refused invocation.
fn refused(out: &Output) -> (Option<i32>, String) {
    let err = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    assert_eq!(err.lines().count(), 1, "one error line, got: {err}");
    (out.status.code(), err)
}

#[test]
fn a_broken_policy_is_refused_before_anything_is_built() {
    let dir = scratch("policy");
    let config = dir.join("gauntlet.toml");
    std::fs::write(
        &config,
        "[coverage.min_line_coverage]\n\"targets/*\" = 190\n",
    )
    .unwrap();
    let (code, err) = refused(&harness(&["--config", config.to_str().unwrap()], None));
    assert_eq!(code, Some(64));
    assert!(
        err.starts_with("error: ") && err.contains("is not a percentage"),
        "{err}"
    );

    std::fs::write(
        &config,
        "[coverage.min_line_coverage]\nretry-counter = 9 9\n",
    )
    .unwrap();
    let (code, err) = refused(&harness(&["--config", config.to_str().unwrap()], None));
    assert_eq!(code, Some(64));
    assert!(err.contains("gauntlet.toml line 2"), "{err}");

    let missing = dir.join("missing.toml");
    let (code, err) = refused(&harness(&["--config", missing.to_str().unwrap()], None));
    assert_eq!(code, Some(64));
    assert!(err.contains("no such file"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unknown_package_is_refused_with_the_members_listed() {
    let (code, err) = refused(&harness(&["-p", "no-such-crate"], None));
    assert_eq!(code, Some(64));
    assert!(
        err.contains("no workspace member is called \"no-such-crate\""),
        "{err}"
    );
    assert!(err.contains("retry-counter"), "{err}");
}

#[test]
#[ignore = "instruments and runs every retry-counter test: minutes on 2 cores"]
fn retry_counter_end_to_end() {
    // A target dir of its own keeps this run out of the real history and reports.
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace().join("target"), PathBuf::from);
    let target = base.join("coverage-e2e");
    let _ = std::fs::remove_dir_all(target.join("gauntlet"));
    let dir = scratch("e2e");
    let config = dir.join("gauntlet.toml");

    std::fs::write(
        &config,
        "[coverage.min_line_coverage]\n\"targets/*\" = 50\n",
    )
    .unwrap();
    let out = harness(
        &["-p", "retry-counter", "--config", config.to_str().unwrap()],
        Some(&target),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let coverage = target.join("gauntlet/coverage");
    let run = std::fs::read_dir(&coverage)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .expect("a run directory");
    for f in ["index.html", "lcov.info", "summary.json", "html/index.html"] {
        assert!(run.join(f).is_file(), "{f} missing in {}", run.display());
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    let rc = &summary["crates"][0];
    assert_eq!(rc["name"], "retry-counter");
    let lines = &rc["lines"];
    assert!(lines["count"].as_u64().unwrap() > 500 && lines["percent"].as_f64().unwrap() > 50.0);
    assert!(rc["files"].as_array().unwrap().iter().all(|f| {
        f["path"]
            .as_str()
            .unwrap()
            .starts_with("targets/retry-counter/src/")
    }));
    assert!(
        summary["fuzz_only"][0]["lines"].as_u64().unwrap() > 0,
        "the corpora reach the model's corners"
    );
    assert!(
        summary["tests_only"][0]["lines"].as_u64().unwrap() > 0,
        "the CLI is reached by tests only"
    );
    let history = std::fs::read_to_string(coverage.join("history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 1);

    // The same code against a minimum it cannot meet: exit 2, the crate and its files named,
    // and a second history line to plot.
    std::fs::write(
        &config,
        "[coverage.min_line_coverage]\nretry-counter = 100\n",
    )
    .unwrap();
    let out = harness(
        &["-p", "retry-counter", "--config", config.to_str().unwrap()],
        Some(&target),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("FAIL retry-counter: line coverage")
            && stdout.contains("targets/retry-counter/src/"),
        "{stdout}"
    );
    let history = std::fs::read_to_string(coverage.join("history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 2);
    assert!(
        std::fs::read_to_string(run.join("index.html"))
            .unwrap()
            .contains("<polyline")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
