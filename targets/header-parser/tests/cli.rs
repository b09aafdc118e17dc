//! The `header-parser` binary: exit codes, messages, and the bound on what it reads from stdin.
#![cfg(feature = "cli")]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_header-parser"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut input = child.stdin.take().unwrap();
    // Usage errors exit without reading stdin, so a broken pipe here is expected.
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_complete_head_exits_0_with_its_fields() {
    let _deadline = gauntlet_oracle::no_hang("a_complete_head_exits_0_with_its_fields");
    let out = run(&[], b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with(r#"{"status":"complete","kind":"request""#));
    assert!(out.stderr.is_empty());
}

#[test]
fn empty_input_exits_2_and_says_so() {
    let _deadline = gauntlet_oracle::no_hang("empty_input_exits_2_and_says_so");
    let out = run(&[], b"");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout), "{\"status\":\"partial\"}\n");
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("error: the input was empty"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn a_truncated_head_exits_2_and_says_where_it_ended() {
    let _deadline = gauntlet_oracle::no_hang("a_truncated_head_exits_2_and_says_where_it_ended");
    let out = run(&["--response"], b"HTTP/1.1 200 OK\r\nServer: x\r\n");
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: the input ended after 28 bytes"),
        "{stderr}"
    );
}

#[test]
fn an_invalid_head_exits_1() {
    let _deadline = gauntlet_oracle::no_hang("an_invalid_head_exits_1");
    let out = run(&[], b"GET / HTTP/1.1\r\nHost : a\r\n\r\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("error: "));
}

#[test]
fn usage_errors_exit_64_with_clap_s_message_and_tip() {
    let _deadline = gauntlet_oracle::no_hang("usage_errors_exit_64_with_clap_s_message_and_tip");
    let out = run(&["--bogus"], b"");
    assert_eq!(out.status.code(), Some(64));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("unexpected argument '--bogus'"), "{stderr}");
    assert!(
        stderr.contains("tip:") || stderr.contains("Usage:"),
        "{stderr}"
    );
    let out = run(&["--lenient", "nope"], b"");
    assert_eq!(out.status.code(), Some(64));
    assert!(
        text(&out.stderr).contains("possible values"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn help_and_version_exit_0_and_help_lists_the_exit_codes() {
    let _deadline =
        gauntlet_oracle::no_hang("help_and_version_exit_0_and_help_lists_the_exit_codes");
    let out = run(&["--help"], b"");
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for code in ["0   ", "1   ", "2   ", "3   ", "64  usage error"] {
        assert!(help.contains(code), "{code:?} missing from\n{help}");
    }
    let out = run(&["--version"], b"");
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("header-parser "));
}

/// Issue 21: the CLI read all of stdin before applying the 64 KiB limit (100 MB in, 100 MB resident). Now
/// it stops reading one byte past the limit, so a writer of endless bytes meets a closed pipe early.
#[test]
fn endless_input_is_cut_at_the_head_limit() {
    let _deadline = gauntlet_oracle::no_hang("endless_input_is_cut_at_the_head_limit");
    let mut child = Command::new(env!("CARGO_BIN_EXE_header-parser"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'a'; 1 << 16];
        let mut written = 0usize;
        while written < 100 << 20 {
            if input.write_all(&chunk).is_err() {
                break;
            }
            written += chunk.len();
        }
        written
    });
    let out = child.wait_with_output().unwrap();
    let written = writer.join().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("head_too_large"),
        "{}",
        text(&out.stdout)
    );
    assert!(written < 100 << 20, "the CLI consumed all {written} bytes");
}
