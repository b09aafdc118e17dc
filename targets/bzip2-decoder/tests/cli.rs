//! The `bzip2-decoder` binary behaves like `bzip2 -dc`.
#![cfg(feature = "cli")]

mod common;

use std::io::{Read, Write};
use std::process::{Child, Command, Output, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Runs the binary with `--threads` taken as asked: the check for busy cores, which would decode
/// on one thread on a loaded test machine, is off (see [`busy_cores_change_no_output`]).
fn run(args: &[&str], stdin: &[u8]) -> Output {
    run_with_load_check(args, stdin, false)
}

/// Starts the binary with piped stdout and stderr, and a thread that writes `stdin` to it.
fn spawn(args: &[&str], stdin: &[u8], check: bool) -> (Child, JoinHandle<()>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bzip2-decoder"));
    if !check {
        command.env("BZIP2_DECODER_LOAD_CHECK", "0");
    }
    let mut child = command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    // The binary may stop reading early (a bad first block), so a failed write is not an error.
    let writer = std::thread::spawn(move || drop(input.write_all(&stdin)));
    (child, writer)
}

fn run_with_load_check(args: &[&str], stdin: &[u8], check: bool) -> Output {
    let (mut child, writer) = spawn(args, stdin, check);
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.read_to_end(&mut bytes).unwrap();
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    // A binary that hangs is killed and fails the test, rather than outliving it.
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bzip2-decoder {args:?} still running after 90 s: killed");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    writer.join().unwrap();
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

#[test]
fn decodes_stdin_and_files_with_any_thread_count() {
    let _deadline = gauntlet_oracle::no_hang("decodes_stdin_and_files_with_any_thread_count");
    let data = common::text(150_000, 1);
    let compressed = common::c_compress(&data, 1);
    for args in [
        &[][..],
        &["--threads", "2"],
        &["--threads=3", "-"],
        &["--threads", "0"],
    ] {
        let out = run(args, &compressed);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, data, "{args:?}");
        assert!(out.stderr.is_empty());
    }
    let dir = std::env::temp_dir().join(format!("bzip2-decoder-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("a.bz2");
    std::fs::write(&file, &compressed).unwrap();
    let path = file.to_str().unwrap();
    let out = run(&[path, path], b"");
    assert!(out.status.success());
    assert_eq!(
        out.stdout.len(),
        data.len() * 2,
        "two files, concatenated output"
    );
    let out = run(&["-t", path], b"");
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "-t writes nothing"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn busy_cores_change_no_output() {
    let _deadline = gauntlet_oracle::no_hang("busy_cores_change_no_output");
    let data = common::text(150_000, 3);
    let compressed = common::c_compress(&data, 1);
    let mut corrupt = compressed.clone();
    corrupt[20] ^= 0x40;
    for args in [&["--threads", "2"][..], &["--threads", "0"]] {
        let out = run_with_load_check(args, &compressed, true);
        assert!(out.status.success() && out.stderr.is_empty(), "{args:?}");
        assert_eq!(out.stdout, data, "{args:?}");
        let checked = run_with_load_check(args, &corrupt, true);
        let unchecked = run(args, &corrupt);
        assert_eq!(
            String::from_utf8_lossy(&checked.stderr),
            String::from_utf8_lossy(&unchecked.stderr)
        );
    }
}

#[test]
fn trailing_garbage_warns_and_exits_zero() {
    let _deadline = gauntlet_oracle::no_hang("trailing_garbage_warns_and_exits_zero");
    let mut input = common::c_compress(b"payload", 9);
    input.extend_from_slice(b"junk");
    for args in [&[][..], &["--threads", "2"]] {
        let out = run(args, &input);
        assert!(out.status.success());
        assert_eq!(out.stdout, b"payload");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("trailing garbage"),
            "{args:?}"
        );
    }
}

#[test]
fn corrupt_or_truncated_input_is_one_error_line_and_nonzero_exit() {
    let _deadline =
        common::no_hang("corrupt_or_truncated_input_is_one_error_line_and_nonzero_exit");
    let good = common::c_compress(&common::text(5000, 2), 9);
    let mut corrupt = good.clone();
    corrupt[20] ^= 0x40;
    let cases: [(&[&str], &[u8]); 5] = [
        (&[], b"not bzip2 at all"),
        (&[], &good[..good.len() / 2]),
        (&[], &corrupt),
        (&["--threads", "2"], &corrupt),
        (&["-t"], &good[..good.len() - 1]),
    ];
    for (args, input) in cases {
        let out = run(args, input);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.starts_with("error: ") && stderr.lines().count() == 1,
            "{stderr:?}"
        );
    }
    // One thread (streaming) and several (one-shot) report a bad file with the same line.
    for input in [&good[..good.len() / 2], &corrupt[..], b"not bzip2 at all"] {
        let serial = run(&[], input);
        let parallel = run(&["--threads", "2"], input);
        assert_eq!(
            String::from_utf8_lossy(&serial.stderr),
            String::from_utf8_lossy(&parallel.stderr)
        );
    }
    let out = run(&["--threads", "0"], b"");
    assert!(!out.status.success());
    let out = run(&["/nonexistent/file.bz2"], b"");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("error: /nonexistent/file.bz2: cannot open")
    );
}

#[test]
fn usage_mistakes_exit_64_with_one_error_line() {
    let _deadline = gauntlet_oracle::no_hang("usage_mistakes_exit_64_with_one_error_line");
    for args in [
        &["--frobnicate"][..],
        &["--threads", "many"],
        &["--threads"],
    ] {
        let out = run(args, b"");
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
    }
    // A bad file is not a usage mistake.
    let out = run(&[], b"not bzip2 at all");
    assert_eq!(out.status.code(), Some(1));
    let help = run(&["--help"], b"");
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("64 a usage mistake"));
}

/// `bzip2-decoder FILE | head` is not an error: when the reader of its output goes away, the
/// binary exits 0 without a message, with one thread or several.
#[test]
fn a_closed_output_pipe_ends_the_decode_quietly() {
    let _deadline = gauntlet_oracle::no_hang("a_closed_output_pipe_ends_the_decode_quietly");
    // Far more output than a pipe holds (64 KiB on Linux), so the binary is still writing.
    let data = common::text(4_000_000, 7);
    let compressed = common::c_compress(&data, 1);
    for threads in ["1", "2"] {
        let (mut child, writer) = spawn(&["--threads", threads], &compressed, false);
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 100];
        stdout.read_exact(&mut first).unwrap();
        assert_eq!(first[..], data[..100]);
        drop(stdout);
        let mut stderr = Vec::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_end(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        writer.join().unwrap();
        assert!(
            status.success(),
            "--threads {threads}: {status:?}, {}",
            String::from_utf8_lossy(&stderr)
        );
        assert!(stderr.is_empty(), "{}", String::from_utf8_lossy(&stderr));
    }
}
