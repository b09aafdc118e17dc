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
    let (code, out, _) = run(&["schedule", "--base-ms", "1000", "--max-attempts", "5"]);
    assert_eq!(code, 0);
    assert_eq!(out, "1000\n2000\n4000\n8000\n16000\n");
}

#[test]
fn capped_schedule() {
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

#[test]
fn huge_values_do_not_overflow() {
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
fn bad_arguments_give_one_error_line() {
    for args in [
        &["schedule", "--base-ms", "x", "--max-attempts", "3"][..],
        &[
            "schedule",
            "--base-ms",
            "1",
            "--max-attempts",
            "3",
            "--multiplier",
            "0.5",
        ],
        &[
            "schedule",
            "--base-ms",
            "1",
            "--max-attempts",
            "3",
            "--jitter",
            "sometimes",
        ],
        &[
            "schedule",
            "--base-ms",
            "1",
            "--max-attempts",
            "3",
            "--jitter",
            "additive:-1",
        ],
        &["schedule", "--max-attempts", "3"],
        &["frobnicate"],
    ] {
        let (code, out, err) = run(args);
        assert_ne!(code, 0, "{args:?}");
        assert!(out.is_empty(), "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
    }
}
