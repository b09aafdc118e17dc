//! `cargo harness compare` and `bench` refuse bad input with one clear line and a non-zero exit,
//! before building or running anything.

use std::process::{Command, Output};

fn harness(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-gauntlet"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the harness binary runs")
}

/// Exit code and the single stderr line, which must start with `error: `.
fn one_line_error(args: &[&str]) -> (i32, String) {
    let out = harness(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: expected one line, got {err:?}");
    assert!(lines[0].starts_with("error: "), "{args:?}: {err:?}");
    assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
    (out.status.code().unwrap_or(-1), lines[0].to_owned())
}

#[test]
fn an_unknown_ref_is_named() {
    let (code, line) = one_line_error(&["compare", "no-such-branch-4242", "HEAD"]);
    assert_eq!(code, 64, "a user's mistake is a usage error");
    assert!(
        line.contains("\"no-such-branch-4242\" is not a commit or ref"),
        "{line}"
    );
    let (_, line) = one_line_error(&["compare", "WORKTREE", "also-missing-4242"]);
    assert!(line.contains("head \"also-missing-4242\""), "{line}");
}

#[test]
fn too_few_runs_are_refused() {
    let (code, line) = one_line_error(&["compare", "HEAD", "HEAD", "--runs", "3"]);
    assert_eq!(code, 64);
    assert!(line.contains("--runs 3 is too few"), "{line}");
}

#[test]
fn nonsense_settings_are_refused() {
    let (_, line) = one_line_error(&["compare", "HEAD", "HEAD", "--alpha", "2"]);
    assert!(line.contains("--alpha"), "{line}");
    let (_, line) = one_line_error(&["compare", "HEAD", "HEAD", "--threshold=-1"]);
    assert!(line.contains("--threshold"), "{line}");
    let (_, line) = one_line_error(&["compare", "HEAD", "HEAD", "--time-ms", "1"]);
    assert!(line.contains("--time-ms"), "{line}");
    // clap's own errors keep their whole message: what is wrong, the usage, the help hint.
    let out = harness(&["compare", "HEAD", "HEAD", "--head-env", "NOEQUALS"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "usage errors exit 64");
    assert!(
        err.starts_with("error: ") && err.contains("KEY=VALUE"),
        "{err}"
    );
    assert!(err.contains("try '--help'"), "{err}");
    let out = harness(&["compare"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64));
    assert!(
        err.contains("<BASE>") && err.contains("<HEAD>"),
        "the missing arguments are named: {err}"
    );
    let out = harness(&["compar", "HEAD", "HEAD"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("similar subcommand") || err.contains("'compare'"),
        "clap's tip is kept: {err}"
    );
}

#[test]
fn a_bench_filter_that_matches_nothing_lists_the_bench_files() {
    let (_, line) = one_line_error(&["compare", "WORKTREE", "WORKTREE", "--bench", "zzz_none"]);
    assert!(
        line.contains("no bench target matches --bench \"zzz_none\"") && line.contains("fixture"),
        "{line}"
    );
    let (code, line) = one_line_error(&["bench", "--bench", "zzz_none"]);
    assert_eq!(code, 64);
    assert!(line.contains("no bench target matches"), "{line}");
}
