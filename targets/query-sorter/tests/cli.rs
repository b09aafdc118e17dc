//! The `query-sorter` binary end to end: stdin to stdout, exit codes, one-line errors.
#![cfg(feature = "cli")]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_query-sorter"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start query-sorter");
    let written = child.stdin.take().expect("stdin").write_all(stdin);
    // A run that fails on its arguments exits without reading stdin.
    if let Err(error) = written {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "write stdin");
    }
    child.wait_with_output().expect("wait for query-sorter")
}

#[test]
fn sorts_lines_and_preserves_every_byte() {
    let input = b"/p?b=2&a=1\n/q?\xff&\x00\r\n\n/r\n/s?z&y";
    let out = run(&[], input);
    assert!(out.status.success());
    assert_eq!(out.stdout, b"/p?a=1&b=2\n/q?\x00&\xff\r\n\n/r\n/s?y&z");
    assert!(out.stderr.is_empty());
}

#[test]
fn flags_reach_the_sorter() {
    let out = run(
        &[
            "--mode", "by-key", "--dedupe", "--drop", "utm_*", "--keep", "*",
        ],
        b"/p?b=1&utm_source=x&a=2&a=1&a=2\n",
    );
    assert!(out.status.success());
    assert_eq!(out.stdout, b"/p?a=2&a=1&b=1\n");
    let out = run(&["--mode", "varnish"], b"/p?a&\xc3\xa9\n");
    assert_eq!(out.stdout, b"/p?\xc3\xa9&a\n");
}

#[test]
fn bad_arguments_give_one_error_line_and_a_failure_exit() {
    for args in [
        &["--mode", "sideways"][..],
        &["--drop"],
        &["--drop", "trailing\\"],
        &["--no-such-flag"],
    ] {
        let out = run(args, b"/p?b&a\n");
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(out.stdout.is_empty(), "{args:?} wrote output");
        let stderr = String::from_utf8(out.stderr).expect("utf-8 stderr");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr:?}");
    }
}

#[test]
fn help_goes_to_stdout_and_succeeds() {
    let out = run(&["--help"], b"");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--mode"));
}
