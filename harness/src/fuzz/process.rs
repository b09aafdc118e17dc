//! The fuzzer process: its stderr read line by line on a thread, stopped gracefully (libFuzzer's
//! SIGUSR1: final stats, exit 0) or killed. It stays in the harness's process group, so Ctrl-C
//! stops both.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::sys;

/// A running fuzzer whose stderr arrives as lines.
pub struct Fuzzer {
    child: Child,
    lines: Receiver<String>,
    /// When it started.
    pub start: Instant,
    stop_sent: Option<Instant>,
    killed: bool,
}

/// What waiting for the next line gave.
pub enum Next {
    /// A line of stderr, without its line ending.
    Line(String),
    /// Nothing within the wait; the fuzzer is still running.
    Quiet,
    /// stderr is closed: the fuzzer has exited.
    Closed,
}

impl Fuzzer {
    /// Start `cmd` with stderr piped (stdout discarded).
    pub fn spawn(mut cmd: Command) -> Result<Fuzzer> {
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .with_context(|| format!("cannot start {}", sys::describe(&cmd)))?;
        let stderr = child.stderr.take().context("no stderr pipe")?;
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match reader.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let line = String::from_utf8_lossy(&buf).trim_end().to_owned();
                        if tx.send(line).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Ok(Fuzzer {
            child,
            lines,
            start: Instant::now(),
            stop_sent: None,
            killed: false,
        })
    }

    /// The next line of stderr, waiting at most `wait`.
    pub fn next(&self, wait: Duration) -> Next {
        match self.lines.recv_timeout(wait) {
            Ok(line) => Next::Line(line),
            Err(RecvTimeoutError::Timeout) => Next::Quiet,
            Err(RecvTimeoutError::Disconnected) => Next::Closed,
        }
    }

    /// Ask libFuzzer to stop: SIGUSR1 makes it print its final stats and exit 0. If it has not
    /// gone some time later, [`Fuzzer::enforce_stop`] kills it.
    pub fn request_stop(&mut self) {
        if self.stop_sent.is_none() {
            signal(self.child.id(), "USR1");
            self.stop_sent = Some(Instant::now());
        }
    }

    /// Whether a stop was requested.
    pub fn stopping(&self) -> bool {
        self.stop_sent.is_some()
    }

    /// Kill the process if a requested stop has not happened within `grace`.
    pub fn enforce_stop(&mut self, grace: Duration) {
        if let Some(sent) = self.stop_sent {
            if !self.killed && sent.elapsed() >= grace {
                let _ = self.child.kill();
                self.killed = true;
            }
        }
    }

    /// Whether it had to be killed; once killed, workers of `-fork=N` may still hold stderr open
    /// for a moment, so readers stop waiting for the end of it after `grace`.
    pub fn given_up(&self, grace: Duration) -> bool {
        self.killed && self.stop_sent.is_some_and(|s| s.elapsed() >= grace * 2)
    }

    /// Wait for the process to exit.
    pub fn wait(mut self) -> Result<ExitStatus> {
        Ok(self.child.wait()?)
    }
}

/// `kill -SIG PID`: std can only send SIGKILL, and the harness forbids unsafe.
fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// What [`run_captured`] saw.
pub struct Captured {
    /// The exit status; `None` if the process had to be killed.
    pub status: Option<ExitStatus>,
    /// Everything it wrote to stderr.
    pub stderr: String,
    /// Whether it ran into the time limit.
    pub timed_out: bool,
}

/// Run `cmd` to completion with at most `limit` of wall time, capturing stderr (stdout is
/// discarded).
pub fn run_captured(cmd: Command, limit: Duration) -> Result<Captured> {
    let grace = Duration::from_secs(3);
    let mut fuzzer = Fuzzer::spawn(cmd)?;
    let mut stderr = String::new();
    loop {
        match fuzzer.next(Duration::from_millis(100)) {
            Next::Line(line) => {
                stderr.push_str(&line);
                stderr.push('\n');
            }
            Next::Quiet => {}
            Next::Closed => break,
        }
        if fuzzer.start.elapsed() >= limit {
            fuzzer.request_stop();
        }
        fuzzer.enforce_stop(grace);
        if fuzzer.given_up(grace) {
            break;
        }
    }
    let timed_out = fuzzer.stopping();
    let killed = fuzzer.killed;
    let status = fuzzer.wait()?;
    Ok(Captured {
        status: (!killed).then_some(status),
        stderr,
        timed_out,
    })
}
