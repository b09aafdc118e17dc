//! `cargo gauntlet compare --measure instructions` end to end on the fixture project's ordinary
//! criterion bench (`tests/fixtures/project/benches/parse.rs`), under valgrind's callgrind:
//! A/A gives exactly 0.0 % on every bench, and 2 % more work injected into `parse/long`
//! (`FIXTURE_EXTRA_WORK_PCT=2`) fails the 1 % gate with exit 1.
//!
//! Needs valgrind (CI installs it with `scripts/install-tools`); without it the test says so and
//! passes. It builds the fixture in `target/e2e-fixture`, which `scripts/e2e-fixture` reuses.

use std::path::{Path, PathBuf};
use std::process::Command;

use gauntlet_records::Verdict;
use gauntlet_records::instructions::InstructionComparison;

fn has_valgrind() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is <target>/tmp")
        .join("e2e-fixture")
}

/// Run an instruction comparison of the fixture's criterion bench; returns the exit code and the
/// record.
fn compare(out: &Path, extra: &[&str]) -> (i32, InstructionComparison) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/project");
    let status = Command::new(env!("CARGO_BIN_EXE_cargo-gauntlet"))
        .arg("--manifest-path")
        .arg(fixture.join("Cargo.toml"))
        .args([
            "compare",
            "WORKTREE",
            "WORKTREE",
            "--bench",
            "parse",
            "--measure",
            "instructions",
        ])
        .arg("--out")
        .arg(out)
        .args(extra)
        .env("CARGO_TARGET_DIR", target_dir())
        .status()
        .expect("the harness binary runs");
    let record = gauntlet_records::load(&out.join("instructions.json")).unwrap();
    (status.code().unwrap_or(-1), record)
}

#[test]
fn a_a_is_exactly_zero_and_two_percent_more_work_fails() {
    if !has_valgrind() {
        eprintln!("SKIPPED: valgrind is not installed (scripts/install-tools --bench installs it)");
        return;
    }
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("instructions-fixture");

    let (code, aa) = compare(&out.join("aa"), &[]);
    assert_eq!(code, 0, "A/A must pass");
    let ids: Vec<&str> = aa.benches.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "fixture-project/format",
            "fixture-project/parse/long",
            "fixture-project/parse/short"
        ]
    );
    for b in &aa.benches {
        assert_eq!(b.ir_change_pct, Some(0.0), "{b:?}");
        assert_eq!(b.cycles_change_pct, Some(0.0), "{b:?}");
        assert_eq!(b.verdict, Verdict::Pass, "{b:?}");
        let base = b.base.as_ref().unwrap();
        assert!(base.iterations >= 1 && base.totals.ir > 0, "{b:?}");
        assert!(base.method.contains("criterion --profile-time"), "{b:?}");
    }
    // Parsing 200 entries costs more than 4: the counts are per routine, not per process.
    let per = |id: &str| {
        aa.benches
            .iter()
            .find(|b| b.id == id)
            .unwrap()
            .base
            .as_ref()
            .unwrap()
            .ir_per_iteration()
    };
    let (long, short) = (
        per("fixture-project/parse/long"),
        per("fixture-project/parse/short"),
    );
    assert!(
        long > 20.0 * short && short > 100.0,
        "long {long}, short {short}"
    );

    let (code, slow) = compare(
        &out.join("slow"),
        &["--head-env", "FIXTURE_EXTRA_WORK_PCT=2"],
    );
    assert_eq!(code, 1, "2 % more instructions must fail the 1 % gate");
    for b in &slow.benches {
        let change = b.ir_change_pct.unwrap();
        if b.id == "fixture-project/parse/long" {
            assert!((1.5..3.0).contains(&change), "{b:?}");
            assert_eq!(b.verdict, Verdict::Fail, "{b:?}");
        } else {
            // 2 % of 4 entries is none; `format` has no knob.
            assert_eq!(change, 0.0, "{b:?}");
            assert_eq!(b.verdict, Verdict::Pass, "{b:?}");
        }
    }
    assert!(slow.model.contains("35·"), "{}", slow.model);
}
