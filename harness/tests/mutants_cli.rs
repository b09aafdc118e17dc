//! `cargo harness mutants` refuses a bad shard, package or timeout with exit 64, before it installs
//! or runs cargo-mutants.

use std::process::{Command, Output};

fn harness(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-gauntlet"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the harness binary runs")
}

fn usage_error(args: &[&str]) -> String {
    let out = harness(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(64), "{args:?}: {err}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
    err
}

#[test]
fn a_shard_must_be_k_of_n_from_zero() {
    for shard in ["3/2", "0/0", "4/4", "2", "a/b"] {
        let err = usage_error(&["mutants", "--shard", shard]);
        assert!(err.contains("K/N") && err.contains(shard), "{shard}: {err}");
    }
}

#[test]
fn an_unknown_package_is_named_with_the_members() {
    let err = usage_error(&["mutants", "-p", "no-such-crate-4242"]);
    assert!(
        err.contains("\"no-such-crate-4242\"") && err.contains("cargo-gauntlet"),
        "{err}"
    );
}

#[test]
fn a_timeout_must_be_positive() {
    let err = usage_error(&["mutants", "-p", "cargo-gauntlet", "--timeout", "0"]);
    assert!(err.contains("--timeout"), "{err}");
}
