//! The `query-sorter` binary end to end: stdin to stdout, exit codes, error messages.
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
    // Read the pipes on threads and poll the exit, so a run that never ends fails this test
    // (after a minute, far past any real run) instead of hanging it.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let drain = |pipe: &mut dyn std::io::Read| {
        let mut bytes = Vec::new();
        pipe.read_to_end(&mut bytes).map(|_| bytes)
    };
    let (out, err) = std::thread::scope(|s| {
        let out = s.spawn(|| drain(&mut stdout));
        let err = s.spawn(|| drain(&mut stderr));
        let mut waited = 0;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for query-sorter") {
                break status;
            }
            if waited == 600 {
                child.kill().expect("kill query-sorter");
                child.wait().expect("reap query-sorter");
                panic!("query-sorter {args:?} ran past a minute");
            }
            waited += 1;
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        (
            out.join().unwrap().expect("read stdout"),
            (err.join().unwrap().expect("read stderr"), status),
        )
    });
    Output {
        status: err.1,
        stdout: out,
        stderr: err.0,
    }
}

#[test]
fn sorts_lines_and_preserves_every_byte() {
    let _deadline = gauntlet_oracle::no_hang("sorts_lines_and_preserves_every_byte");
    let input = b"/p?b=2&a=1\n/q?\xff&\x00\r\n\n/r\n/s?z&y";
    let out = run(&[], input);
    assert!(out.status.success());
    assert_eq!(out.stdout, b"/p?a=1&b=2\n/q?\x00&\xff\r\n\n/r\n/s?y&z");
    assert!(out.stderr.is_empty());
}

#[test]
fn flags_reach_the_sorter() {
    let _deadline = gauntlet_oracle::no_hang("flags_reach_the_sorter");
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
fn bad_arguments_exit_64_with_clap_whole_message() {
    let _deadline = gauntlet_oracle::no_hang("bad_arguments_exit_64_with_clap_whole_message");
    for args in [
        &["--mode", "sideways"][..],
        &["--drop"],
        &["--drop", "trailing\\"],
        &["--no-such-flag"],
    ] {
        let out = run(args, b"/p?b&a\n");
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?} wrote output");
        let stderr = String::from_utf8(out.stderr).expect("utf-8 stderr");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr:?}");
        assert!(
            stderr.contains("For more information, try '--help'."),
            "{args:?}: {stderr:?}"
        );
    }
}

#[test]
fn empty_stdin_is_a_one_line_error() {
    let _deadline = gauntlet_oracle::no_hang("empty_stdin_is_a_one_line_error");
    let out = run(&[], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).expect("utf-8 stderr");
    assert!(stderr.starts_with("error: stdin is empty"), "{stderr:?}");
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    // One empty line is input, not an empty stdin.
    let out = run(&[], b"\n");
    assert!(out.status.success());
    assert_eq!(out.stdout, b"\n");
}

#[test]
fn help_and_version_go_to_stdout_and_succeed() {
    let _deadline = gauntlet_oracle::no_hang("help_and_version_go_to_stdout_and_succeed");
    let out = run(&["--help"], b"");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--mode"));
    assert!(help.contains("64  usage error"), "{help}");
    let out = run(&["--version"], b"");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("query-sorter "));
}
