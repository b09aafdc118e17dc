//! `cargo harness fuzz` end to end on the fixture package `tests/fixtures/fuzz/`.
//!
//! The tests that fuzz need nightly and cargo-fuzz and take about a minute and a half, so they are
//! ignored by plain `cargo test`; `scripts/ci-fuzz` runs them:
//!
//! `cargo test -p cargo-gauntlet --test fuzz_fixture -- --ignored --test-threads 1`
//!
//! Each copies the fixture into a fresh temporary folder (crashes are kept under the fuzz
//! package's `regressions/`) and records into another; builds are cached in the usual target dir.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// A fresh folder under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("gauntlet-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

/// The fixture package copied into `tmp/fuzz` with `monitor` as the `[fuzz.monitor]` table of
/// its `gauntlet.toml`.
fn fixture(tmp: &TempDir, monitor: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let dst = tmp.0.join("fuzz");
    for item in ["Cargo.toml", "Cargo.lock"] {
        std::fs::create_dir_all(&dst).unwrap();
        std::fs::copy(src.join(item), dst.join(item)).unwrap();
    }
    copy_dir(&src.join("fuzz_targets"), &dst.join("fuzz_targets"));
    copy_dir(&src.join("corpus"), &dst.join("corpus"));
    std::fs::write(
        dst.join("gauntlet.toml"),
        format!("[fuzz.monitor]\n{monitor}"),
    )
    .unwrap();
    dst
}

fn harness(args: &[&str]) -> Output {
    // The fixture copies share one build cache: the workspace's target directory.
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    Command::new(env!("CARGO_BIN_EXE_cargo-gauntlet"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CARGO_TARGET_DIR", target)
        .args(args)
        .output()
        .expect("the harness binary runs")
}

fn fuzz(fuzz_dir: &Path, out: &Path, time: &str, targets: &[&str]) -> (Option<i32>, Value, String) {
    let manifest = fuzz_dir.join("Cargo.toml");
    let mut args = vec![
        "fuzz",
        "--manifest-path",
        manifest.to_str().unwrap(),
        "--fuzz-dir",
        fuzz_dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--time",
        time,
    ];
    args.extend(targets);
    let o = harness(&args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let latest = std::fs::read_to_string(out.join("latest.json"))
        .unwrap_or_else(|e| panic!("no latest.json ({e}); stderr:\n{stderr}"));
    (
        o.status.code(),
        serde_json::from_str(&latest).unwrap(),
        stderr,
    )
}

fn target<'a>(run: &'a Value, name: &str) -> &'a Value {
    run["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["target"] == name)
        .unwrap_or_else(|| panic!("{name} not in the run"))
}

fn statuses(t: &Value) -> Vec<String> {
    t["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
#[ignore = "needs nightly and cargo-fuzz; run by scripts/ci-fuzz"]
fn a_target_that_returns_early_is_stuck_within_30_s_and_a_healthy_one_is_not() {
    let tmp = TempDir::new("fuzz-stuck");
    let fuzz_dir = fixture(&tmp, "");
    let out = tmp.0.join("out");
    let (code, run, stderr) = fuzz(
        &fuzz_dir,
        &out,
        "20s",
        &["fixture_stuck", "fixture_healthy"],
    );
    assert_eq!(code, Some(2), "exit status 2 (stuck); stderr:\n{stderr}");

    let stuck = target(&run, "fixture_stuck");
    assert_eq!(statuses(stuck), ["STUCK"], "{stderr}");
    assert_eq!(stuck["verdicts"][0]["verdict"], "fail");
    assert!(
        stuck["verdicts"][0]["why"]
            .as_str()
            .unwrap()
            .contains("does the target return early?")
    );
    // Reported and stopped within 30 s of starting, not at the end of its time.
    let elapsed = stuck["elapsed_s"].as_f64().unwrap();
    assert!(elapsed < 30.0, "stuck target ran {elapsed} s");
    assert!(
        stuck["stopped_early"]
            .as_str()
            .is_some_and(|s| s.starts_with("STUCK")),
        "{stuck}"
    );
    assert_eq!(stuck["exit_code"], 0, "stopped gracefully, not killed");
    assert!(stuck["crashes"].as_array().unwrap().is_empty());

    let healthy = target(&run, "fixture_healthy");
    let hs = statuses(healthy);
    assert!(!hs.contains(&"STUCK".to_owned()), "{hs:?}");
    assert!(
        healthy["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["verdict"] != "fail")
    );
    assert!(healthy["stopped_early"].is_null());
    assert!(healthy["elapsed_s"].as_f64().unwrap() >= 19.0);
    // The time series and the coverage percentage are recorded.
    let events = healthy["events"].as_array().unwrap();
    assert!(events.len() > 3);
    assert!(events.last().unwrap()["cov"].as_u64() > events[0]["cov"].as_u64());
    assert!(
        healthy["cov_percent"]
            .as_f64()
            .is_some_and(|p| p > 0.0 && p <= 100.0)
    );
    assert!(stderr.contains("fixture_stuck") && stderr.contains("STUCK at"));
    // One record per target and the run, beside the logs.
    let run_dir = out.join(run["id"].as_str().unwrap());
    for f in ["run.json", "fixture_stuck.json", "fixture_healthy.log"] {
        assert!(run_dir.join(f).is_file(), "{f} missing");
    }
}

#[test]
#[ignore = "needs nightly and cargo-fuzz; run by scripts/ci-fuzz"]
fn a_crash_is_minimised_kept_once_and_recognised_when_found_again() {
    let tmp = TempDir::new("fuzz-crash");
    let fuzz_dir = fixture(&tmp, "tmin_secs = 10\n");
    let out = tmp.0.join("out");
    let (code, run, stderr) = fuzz(&fuzz_dir, &out, "30s", &["fixture_crash"]);
    assert_eq!(code, Some(1), "exit status 1 (crash); stderr:\n{stderr}");
    let t = target(&run, "fixture_crash");
    let crashes = t["crashes"].as_array().unwrap();
    assert_eq!(crashes.len(), 1, "{t}");
    let c = &crashes[0];
    assert_eq!(c["kind"], "crash");
    assert!(c["reproduced"].as_bool().unwrap());
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .starts_with("planted bug: '!' at offset")
    );
    assert_eq!(c["frames"][0], "check");
    let kept = PathBuf::from(c["kept_as"].as_str().unwrap());
    assert_eq!(
        kept.parent().unwrap(),
        fuzz_dir.join("regressions/fixture_crash")
    );
    let input = std::fs::read(&kept).unwrap();
    // Minimised: the planted bug needs exactly '#' then '!'.
    assert_eq!(input, b"#!", "kept {input:?}");
    assert!(stderr.contains("reproduce: cargo +nightly fuzz run"));

    // Found again (most likely through another input): the same bug, not a second regression.
    let (code, run, stderr) = fuzz(&fuzz_dir, &out, "30s", &["fixture_crash"]);
    assert_eq!(code, Some(1), "{stderr}");
    let again = &target(&run, "fixture_crash")["crashes"][0];
    assert_eq!(again["signature"], c["signature"]);
    assert_eq!(again["duplicate_of"].as_str(), Some(kept.to_str().unwrap()));
    let kept_files = std::fs::read_dir(fuzz_dir.join("regressions/fixture_crash"))
        .unwrap()
        .count();
    assert_eq!(kept_files, 1);
}

#[test]
fn bad_input_is_a_usage_error() {
    let tmp = TempDir::new("fuzz-errors");
    // Mistakes found after parsing: one line, exit 64.
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "--fuzz-dir".into(),
                tmp.0.join("nope").display().to_string(),
            ],
            "cargo-fuzz package",
        ),
        (
            vec![
                "--fuzz-dir".into(),
                fixture(&tmp, "").display().to_string(),
                "no_such_target".into(),
            ],
            "no fuzz target \"no_such_target\"; targets are: fixture_crash, fixture_healthy, fixture_stuck",
        ),
    ];
    for (args, expect) in cases {
        let mut all = vec!["fuzz".to_owned()];
        all.extend(args.clone());
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let o = harness(&all);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(64), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
    }
    // Mistakes clap finds: its whole message (what is wrong, the usage, the help hint), exit 64.
    for (args, expect) in [
        (["--time", "soon"], "bad duration"),
        (["--jobs", "0"], "--jobs"),
    ] {
        let o = harness(&["fuzz", args[0], args[1]]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(64), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
        assert!(stderr.contains("try '--help'"), "{stderr}");
    }
    // A configuration file with a typo is refused before anything is built.
    let bad = tmp.0.join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    std::fs::copy(src.join("Cargo.toml"), bad.join("Cargo.toml")).unwrap();
    std::fs::copy(src.join("Cargo.lock"), bad.join("Cargo.lock")).unwrap();
    std::fs::write(
        bad.join("gauntlet.toml"),
        "[fuzz.monitor]\nstuck_after = 5\n",
    )
    .unwrap();
    let manifest = bad.join("Cargo.toml");
    let o = harness(&["fuzz", "--manifest-path", manifest.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(64), "{stderr}");
    assert!(
        stderr.starts_with("error: ")
            && stderr.contains("gauntlet.toml")
            && stderr.contains("stuck_after"),
        "{stderr}"
    );
}
