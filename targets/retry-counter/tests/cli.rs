//! The `retry-counter` binary, end to end.
#![cfg(feature = "cli")]

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_retry-counter"))
        .args(args)
        .output()
        .expect("run retry-counter");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn exponential_schedule() {
    let _deadline = gauntlet_oracle::no_hang("exponential_schedule");
    let (code, out, _) = run(&["schedule", "--base-ms", "1000", "--max-attempts", "5"]);
    assert_eq!(code, 0);
    assert_eq!(out, "1000\n2000\n4000\n8000\n16000\n");
}

#[test]
fn capped_schedule() {
    let _deadline = gauntlet_oracle::no_hang("capped_schedule");
    let (code, out, _) = run(&[
        "schedule",
        "--base-ms",
        "1000",
        "--max-attempts",
        "5",
        "--max-delay-ms",
        "5000",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out, "1000\n2000\n4000\n5000\n5000\n");
}

#[test]
fn grpc_schedule_rounds_down() {
    let _deadline = gauntlet_oracle::no_hang("grpc_schedule_rounds_down");
    let (code, out, _) = run(&[
        "schedule",
        "--base-ms",
        "1000",
        "--max-attempts",
        "8",
        "--multiplier",
        "1.6",
        "--max-delay-ms",
        "120000",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out, "1000\n1600\n2560\n4096\n6553\n10485\n16777\n26843\n");
}

#[test]
fn seeded_jitter_is_reproducible_and_bounded() {
    let _deadline = gauntlet_oracle::no_hang("seeded_jitter_is_reproducible_and_bounded");
    for jitter in ["full", "equal", "decorrelated", "additive:0.5"] {
        let args = [
            "schedule",
            "--base-ms",
            "100",
            "--max-attempts",
            "20",
            "--max-delay-ms",
            "3000",
            "--jitter",
            jitter,
            "--seed",
            "42",
        ];
        let (code, a, _) = run(&args);
        let (_, b, _) = run(&args);
        assert_eq!(code, 0, "{jitter}");
        assert_eq!(a, b, "{jitter}: same seed, different output");
        let vals: Vec<u64> = a.lines().map(|l| l.parse().unwrap()).collect();
        assert_eq!(vals.len(), 20);
        assert!(vals.iter().all(|&v| v <= 3000), "{jitter}: {vals:?}");
    }
}

/// `--seed` gives the same schedule in every version: full jitter from seed 0, computed by an independent model
/// of SplitMix64 and the rejection sampler (`U[0, v]` over nanoseconds, then whole milliseconds).
#[test]
fn seeded_full_jitter_is_pinned() {
    let _deadline = gauntlet_oracle::no_hang("seeded_full_jitter_is_pinned");
    let (code, out, _) = run(&[
        "schedule",
        "--base-ms",
        "1000",
        "--max-attempts",
        "5",
        "--jitter",
        "full",
        "--seed",
        "0",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out, "991\n565\n2148\n1917\n9959\n");
}

#[test]
fn huge_values_do_not_overflow() {
    let _deadline = gauntlet_oracle::no_hang("huge_values_do_not_overflow");
    let (code, out, _) = run(&[
        "schedule",
        "--base-ms",
        "18446744073709551615",
        "--max-attempts",
        "3",
        "--jitter",
        "additive:0.5",
        "--seed",
        "1",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 3);
}

#[test]
fn grpc_jitter_follows_the_spec() {
    let _deadline = gauntlet_oracle::no_hang("grpc_jitter_follows_the_spec");
    let args = [
        "schedule",
        "--base-ms",
        "1000",
        "--max-attempts",
        "14",
        "--multiplier",
        "1.6",
        "--max-delay-ms",
        "120000",
        "--jitter",
        "grpc",
        "--seed",
        "7",
    ];
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, run(&args).1, "same seed, different output");
    let vals: Vec<u64> = out.lines().map(|l| l.parse().unwrap()).collect();
    // current_backoff of the spec in ms, then ±20 % of it (whole ms, rounded down).
    let backoff = [
        1000, 1600, 2560, 4096, 6553, 10485, 16777, 26843, 42949, 68719, 109951, 120000, 120000,
        120000,
    ];
    assert_eq!(vals[0], 1000, "retry 0 is INITIAL_BACKOFF, unjittered");
    for (n, (&got, &v)) in vals.iter().zip(&backoff).enumerate().skip(1) {
        assert!(
            got >= v * 4 / 5 && got <= v * 6 / 5,
            "retry {n}: {got} ms, backoff {v} ms"
        );
    }
    // `grpc:F` takes another factor; 0 gives the capped backoff itself.
    let mut exact = args;
    exact[10] = "grpc:0";
    let (code, out, _) = run(&exact);
    assert_eq!(code, 0);
    let vals: Vec<u64> = out.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(vals, backoff);
}

#[test]
fn bad_arguments_exit_64_with_clap_whole_message() {
    let _deadline = gauntlet_oracle::no_hang("bad_arguments_exit_64_with_clap_whole_message");
    let schedule = ["schedule", "--base-ms", "1", "--max-attempts", "3"];
    let with = |extra: &[&'static str]| [&schedule[..], extra].concat();
    for args in [
        vec!["schedule", "--base-ms", "x", "--max-attempts", "3"],
        with(&["--multiplier", "0.5"]),
        with(&["--jitter", "sometimes"]),
        with(&["--jitter", "additive:-1"]),
        with(&["--jitter", "grpc:1.5"]),
        with(&["--jitter", "grpc:x"]),
        with(&["--max-delay-ms", "0"]),
        vec!["schedule", "--max-attempts", "3"],
        vec!["frobnicate"],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 64, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        // Not cut to one line: clap's usage line or tip stays.
        assert!(err.lines().count() > 1, "{args:?}: {err}");
        assert!(
            err.contains("--help") || err.contains("Usage:"),
            "{args:?}: {err}"
        );
    }
    // No subcommand at all: clap's help, on stderr, as a usage error.
    let (code, out, err) = run(&[]);
    assert_eq!((code, out.as_str()), (64, ""));
    assert!(err.contains("Usage: retry-counter <COMMAND>"), "{err}");
    let (_, _, err) = run(&with(&["--max-delay-ms", "0"]));
    assert!(err.contains("'--max-delay-ms <MAX_DELAY_MS>'"), "{err}");
    assert!(err.contains("leave it unset for no cap"), "{err}");
}

#[test]
fn help_and_version_exit_0_and_document_exit_codes() {
    let _deadline = gauntlet_oracle::no_hang("help_and_version_exit_0_and_document_exit_codes");
    for args in [&["--help"][..], &["schedule", "--help"]] {
        let (code, out, _) = run(args);
        assert_eq!(code, 0, "{args:?}");
        assert!(out.contains("64  usage error"), "{args:?}: {out}");
        assert!(out.contains("\n  1   "), "{args:?}: {out}");
    }
    let (code, out, _) = run(&["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("retry-counter "));
}

/// Runs the binary with stdout on `stdout`; (exit code, stderr).
fn run_into(args: &[&str], stdout: std::process::Stdio) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_retry-counter"))
        .args(args)
        .stdout(stdout)
        .output()
        .expect("run retry-counter");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The write end of a pipe whose reader has already exited: every write to it is EPIPE, with no
/// race against the reader.
fn closed_pipe() -> std::process::Stdio {
    let mut reader = Command::new("true")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("run true");
    let writer = reader.stdin.take().unwrap();
    reader.wait().unwrap();
    writer.into()
}

/// 2 bytes a line: 200 000 bytes, far past the 8 KiB output buffer.
const LONG: [&str; 7] = [
    "schedule",
    "--base-ms",
    "1",
    "--max-delay-ms",
    "1",
    "--max-attempts",
    "100000",
];
const SHORT: [&str; 5] = ["schedule", "--base-ms", "1", "--max-attempts", "3"];

#[test]
fn a_closed_pipe_ends_the_schedule_quietly() {
    let _deadline = gauntlet_oracle::no_hang("a_closed_pipe_ends_the_schedule_quietly");
    // A write fails (long output) or only the final flush does (short output).
    for args in [&LONG[..], &SHORT[..]] {
        let (code, err) = run_into(args, closed_pipe());
        assert_eq!((code, err.as_str()), (0, ""), "{args:?}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn any_other_write_error_exits_1_with_one_line() {
    let _deadline = gauntlet_oracle::no_hang("any_other_write_error_exits_1_with_one_line");
    for args in [&LONG[..], &SHORT[..]] {
        let full = std::fs::File::create("/dev/full").expect("/dev/full");
        let (code, err) = run_into(args, full.into());
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: writing to stdout: "),
            "{args:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn a_bad_value_names_its_own_flag() {
    let _deadline = gauntlet_oracle::no_hang("a_bad_value_names_its_own_flag");
    for (extra, flag) in [
        (["--multiplier", "0.5"], "'--multiplier <MULTIPLIER>'"),
        (["--jitter", "grpc:1.5"], "'--jitter <JITTER>'"),
        (["--jitter", "additive:-1"], "'--jitter <JITTER>'"),
        (["--max-delay-ms", "0"], "'--max-delay-ms <MAX_DELAY_MS>'"),
    ] {
        let (code, _, err) = run(&[&SHORT[..], &extra[..]].concat());
        assert_eq!(code, 64, "{extra:?}: {err}");
        assert!(err.contains(flag), "{extra:?}: {err}");
    }
}
