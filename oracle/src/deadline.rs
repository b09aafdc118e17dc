//! A hang is a failure: a guard that ends the test process when the work it covers runs too long.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread;
use std::time::Duration;

/// The exit status a test binary has when a test fails, used when a [`Deadline`] expires.
pub const HANG_EXIT_CODE: i32 = 101;

/// How long one replayed fuzz input may run (see [`crate::replay_dir`]); libFuzzer's `-timeout`
/// plays the same part in a fuzz run. `GAUNTLET_REPLAY_TIMEOUT_SECS` changes it.
pub const REPLAY_TIMEOUT: Duration = Duration::from_secs(120);

/// Covers some work with a time limit; dropping it ends the cover. See [`deadline`].
#[must_use = "the deadline is over as soon as the guard is dropped"]
#[derive(Debug)]
pub struct Deadline {
    _cancel: Sender<()>,
}

/// Starts a watchdog: if the returned guard is still alive after `limit`, it prints
/// `error: <what> still running after <limit>: a hang is a failure` to stderr and ends the whole
/// process with status [`HANG_EXIT_CODE`], as a failed test would.
///
/// A thread stuck in a loop cannot be unwound, so ending the process is the only way to turn a hang
/// into a failure a test runner (or a mutation tester, which otherwise counts it as a timeout, not a
/// catch) sees in bounded time. Use it around work that waits on other threads or loops on its input:
///
/// ```
/// let _deadline = gauntlet_oracle::deadline(std::time::Duration::from_secs(60), "decoding");
/// // ... work that must not hang ...
/// ```
pub fn deadline(limit: Duration, what: impl Into<String>) -> Deadline {
    let what = what.into();
    let (cancel, cancelled) = mpsc::channel::<()>();
    thread::Builder::new()
        .name("gauntlet-deadline".into())
        .spawn(move || {
            // The guard never sends: its drop disconnects the channel, which ends the wait early.
            if let Err(RecvTimeoutError::Timeout) = cancelled.recv_timeout(limit) {
                eprintln!(
                    "error: {what} still running after {:.0?}: a hang is a failure",
                    limit
                );
                std::process::exit(HANG_EXIT_CODE);
            }
        })
        .expect("cannot start the deadline's watchdog thread");
    Deadline { _cancel: cancel }
}

/// How long one test may run under [`no_hang`].
pub const TEST_TIMEOUT: Duration = Duration::from_secs(120);

/// The guard of one test: [`deadline`] of [`TEST_TIMEOUT`] named after the test. A test whose
/// code loops forever (a mutant that breaks a loop's step, a scheduling bug that never hands work
/// over) then fails within two minutes instead of hanging, which a mutation tester would count as
/// a timeout rather than a catch; cargo-mutants' test timeout must leave it that room.
///
/// ```
/// // The first line of a test function:
/// let _deadline = gauntlet_oracle::no_hang("parses_a_request");
/// ```
pub fn no_hang(test: &str) -> Deadline {
    deadline(TEST_TIMEOUT, format!("test {test}"))
}

/// [`REPLAY_TIMEOUT`], or `GAUNTLET_REPLAY_TIMEOUT_SECS` when it is set to a positive number.
pub(crate) fn replay_timeout() -> Duration {
    parse_secs(
        std::env::var("GAUNTLET_REPLAY_TIMEOUT_SECS")
            .ok()
            .as_deref(),
    )
}

fn parse_secs(value: Option<&str>) -> Duration {
    value
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|&secs| secs > 0.0 && secs.is_finite())
        .map_or(REPLAY_TIMEOUT, Duration::from_secs_f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Set in the child process that the expiry test starts: run the hanging body.
    const CHILD: &str = "GAUNTLET_ORACLE_DEADLINE_CHILD";

    #[test]
    fn an_expired_deadline_ends_the_process_as_a_failed_test() {
        if std::env::var_os(CHILD).is_some() {
            let _deadline = deadline(Duration::from_millis(200), "the hanging body");
            thread::sleep(Duration::from_secs(60));
            return;
        }
        let me = std::env::current_exe().unwrap();
        let started = std::time::Instant::now();
        let out = Command::new(me)
            .args([
                "--exact",
                "deadline::tests::an_expired_deadline_ends_the_process_as_a_failed_test",
                "--nocapture",
            ])
            .env(CHILD, "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(HANG_EXIT_CODE), "{stderr}");
        assert!(
            stderr.contains("error: the hanging body still running after 200"),
            "{stderr}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(50),
            "not ended early"
        );
    }

    #[test]
    fn a_dropped_deadline_never_fires() {
        let guard = deadline(Duration::from_millis(50), "nothing");
        drop(guard);
        thread::sleep(Duration::from_millis(300));
        // Still here: the process was not ended.
    }

    #[test]
    fn the_replay_timeout_comes_from_the_environment_when_positive() {
        assert_eq!(parse_secs(None), REPLAY_TIMEOUT);
        assert_eq!(parse_secs(Some("2.5")), Duration::from_millis(2500));
        assert_eq!(parse_secs(Some(" 7 ")), Duration::from_secs(7));
        for bad in ["0", "-1", "soon", "inf", ""] {
            assert_eq!(parse_secs(Some(bad)), REPLAY_TIMEOUT, "{bad:?}");
        }
    }
}
