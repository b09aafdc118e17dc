//! End-to-end calibration of `cargo harness compare` on real process runs of the fixture bench:
//!
//! - A/A: the same build on both sides must report no regression in at least 95 % of trials;
//! - an injected 10 % slowdown (`GAUNTLET_BENCH_SLOWDOWN_PCT=10` on the head's runs) must be
//!   detected in at least 95 % of trials.
//!
//! About 25 minutes of machine time with the defaults, so ignored by plain `cargo test`; run it
//! with
//!
//! ```text
//! scripts/bench-compare --calibrate
//! # or: cargo test -p cargo-gauntlet --test compare_calibration -- --ignored --nocapture
//! ```
//!
//! Knobs: `GAUNTLET_CALIBRATION_TRIALS` (default 20 of each kind), `GAUNTLET_CALIBRATION_RUNS`
//! (process runs per side, default 30), `GAUNTLET_CALIBRATION_TIME_MS` (per bench per run,
//! default 100), `GAUNTLET_CALIBRATION_REF` (what both sides build, default `WORKTREE`; a commit
//! such as `HEAD` is built once in a worktree and is immune to edits made while the trials run).
//! Every trial's comparison stays under `target/gauntlet/calibration/`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn gauntlet_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("harness/ has a parent")
        .to_path_buf();
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("gauntlet")
}

/// One comparison of the working tree against itself; returns (exit code, per-bench p50 ratios
/// and verdicts).
fn trial(
    reference: &str,
    out: &Path,
    runs: usize,
    time_ms: usize,
    slowdown: bool,
) -> (i32, Vec<(String, f64, String)>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-gauntlet"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args([
        "compare",
        reference,
        reference,
        "--bench",
        "fixture",
        "--runs",
        &runs.to_string(),
        "--time-ms",
        &time_ms.to_string(),
        "--out",
        &out.to_string_lossy(),
    ]);
    if slowdown {
        cmd.args(["--head-env", "GAUNTLET_BENCH_SLOWDOWN_PCT=10"]);
    }
    let o = cmd.output().expect("the harness binary runs");
    let code = o.status.code().unwrap_or(-1);
    assert!(
        matches!(code, 0 | 1 | 3),
        "compare failed ({code}): {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(out.join("comparison.json")).expect("comparison.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let benches = v["benches"].as_array().expect("benches").iter();
    let per_bench = benches
        .map(|b| {
            let p50 = &b["stats"][0];
            (
                b["id"].as_str().unwrap_or("?").to_owned(),
                p50["ratio"].as_f64().unwrap_or(f64::NAN),
                b["verdict"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect();
    (code, per_bench)
}

#[test]
#[ignore = "minutes of real bench process runs; run with scripts/bench-compare --calibrate"]
fn a_a_is_quiet_and_an_injected_ten_percent_slowdown_is_caught() {
    let trials = knob("GAUNTLET_CALIBRATION_TRIALS", 20);
    let runs = knob("GAUNTLET_CALIBRATION_RUNS", 30);
    let time_ms = knob("GAUNTLET_CALIBRATION_TIME_MS", 100);
    let reference =
        std::env::var("GAUNTLET_CALIBRATION_REF").unwrap_or_else(|_| "WORKTREE".to_owned());
    let dir = gauntlet_dir().join("calibration");
    let mut false_alarms = 0;
    let mut caught = 0;
    // Alternate the two kinds so a change in machine load hits both alike.
    for t in 0..trials {
        for slowdown in [false, true] {
            let kind = if slowdown { "slow10" } else { "aa" };
            let (code, benches) = trial(
                &reference,
                &dir.join(format!("{kind}-{t:02}")),
                runs,
                time_ms,
                slowdown,
            );
            let summary: Vec<String> = benches
                .iter()
                .map(|(id, r, v)| format!("{id} p50 {:+.1}% {v}", (r - 1.0) * 100.0))
                .collect();
            eprintln!(
                "trial {t:>2} {kind:>6}: exit {code}  {}",
                summary.join("  ")
            );
            match (slowdown, code) {
                (false, 1) => false_alarms += 1,
                (true, 1) => caught += 1,
                _ => {}
            }
        }
    }
    let quiet_rate = 1.0 - false_alarms as f64 / trials as f64;
    let catch_rate = caught as f64 / trials as f64;
    eprintln!(
        "A/A quiet in {}/{trials} ({:.0} %); 10 % slowdown caught in {caught}/{trials} ({:.0} %); \
         {runs} runs per side, {time_ms} ms per bench",
        trials - false_alarms,
        quiet_rate * 100.0,
        catch_rate * 100.0
    );
    assert!(quiet_rate >= 0.95, "A/A reported a regression too often");
    assert!(
        catch_rate >= 0.95,
        "the injected 10 % slowdown was missed too often"
    );
}
