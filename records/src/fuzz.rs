//! `target/gauntlet/fuzz/`: one record per target run (`<run>/<target>.json`) and per whole run
//! (`<run>/run.json`, copied to `latest.json`).

use serde::{Deserialize, Serialize};

use crate::verdict::{Finding, Verdict};

/// What a status line reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The seed corpus has been run.
    Inited,
    /// A new input added coverage.
    New,
    /// An input was replaced by a smaller one with the same features.
    Reduce,
    /// Periodic heartbeat (powers of two, then every few seconds).
    Pulse,
    /// The run ended normally.
    Done,
    /// A `-fork` mode progress line.
    Fork,
}

/// One status line, stamped with when the harness read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Milliseconds since the fuzzer process started.
    pub t_ms: u64,
    /// What kind of line.
    pub kind: Kind,
    /// Executions so far.
    pub execs: u64,
    /// Coverage counters hit (libFuzzer's `cov:`).
    pub cov: u64,
    /// Features (libFuzzer's `ft:`).
    pub ft: u64,
    /// Inputs in the corpus.
    pub corpus: u64,
    /// Executions per second.
    pub exec_s: u64,
    /// Resident set size, MB.
    pub rss_mb: u64,
}

/// One failing input a run produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crash {
    /// `crash` (panic, abort, oracle mismatch), `leak`, `timeout` or `oom`.
    pub kind: String,
    /// The file libFuzzer wrote.
    pub artifact: String,
    /// Stable name of the bug: a hash of the kind, the panic message with its numbers blanked,
    /// and the top frames. Two findings of one bug share it.
    pub signature: String,
    /// `file:line:col` of the panic.
    pub location: Option<String>,
    /// The panic message.
    pub message: Option<String>,
    /// The innermost frames in the code under test (std, core and libFuzzer frames skipped).
    pub frames: Vec<String>,
    /// Whether running the input again failed again.
    pub reproduced: bool,
    /// Size of the input libFuzzer wrote.
    pub bytes: u64,
    /// Size after minimisation, if that worked and still fails the same way.
    pub minimized_bytes: Option<u64>,
    /// Where it was kept under `fuzz/regressions/<target>/`.
    pub kept_as: Option<String>,
    /// An input already in `fuzz/regressions/<target>/` with the same signature.
    pub duplicate_of: Option<String>,
}

/// One target's run, as written to `<out>/<run>/<target>.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetRun {
    /// Fuzz target name.
    pub target: String,
    /// Seconds asked for.
    pub time_s: f64,
    /// Seconds it ran.
    pub elapsed_s: f64,
    /// Size of the PC table (`Loaded N PC tables`), the denominator of the coverage percentage.
    pub pc_table: Option<u64>,
    /// Final `cov` as a percentage of the PC table.
    pub cov_percent: Option<f64>,
    /// Every status line, timestamped.
    pub events: Vec<Event>,
    /// Health verdicts.
    pub verdicts: Vec<Finding>,
    /// Files libFuzzer wrote (crashes, hangs, slow inputs).
    pub artifacts: Vec<String>,
    /// The first panic message, if the target panicked.
    pub panic: Option<String>,
    /// libFuzzer's exit code (`None` if it had to be killed).
    pub exit_code: Option<i32>,
    /// Inputs that reached the differential oracle and inputs rejected before it, if the target
    /// reports them (`ORACLE compared=… rejected=…` lines).
    pub oracle: Option<(u64, u64)>,
    /// The machine's 1-minute load average while the target ran, `(t_ms, load)` about every 5 s
    /// (empty where the system has no `/proc/loadavg`): an exec/s drop that the load explains is
    /// the machine's, not the target's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load: Vec<(u64, f64)>,
    /// Logical CPUs of the machine (what the load is measured against).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<u32>,
    /// Why the monitor stopped the target before its time was up.
    #[serde(default)]
    pub stopped_early: Option<String>,
    /// Each failing input, reproduced, named by signature, minimised and kept.
    #[serde(default)]
    pub crashes: Vec<Crash>,
    /// The command that ran the fuzzer.
    #[serde(default)]
    pub command: String,
    /// Its full stderr while it runs (written beside the JSON as `<target>.log`, not into it).
    #[serde(skip)]
    pub log: String,
}

impl TargetRun {
    /// A run of `target` for `time_s` seconds, nothing observed yet.
    pub fn new(target: &str, time_s: f64) -> TargetRun {
        TargetRun {
            target: target.to_owned(),
            time_s,
            elapsed_s: 0.0,
            pc_table: None,
            cov_percent: None,
            events: vec![],
            verdicts: vec![],
            artifacts: vec![],
            panic: None,
            exit_code: None,
            oracle: None,
            load: vec![],
            cpus: None,
            stopped_early: None,
            crashes: vec![],
            command: String::new(),
            log: String::new(),
        }
    }

    /// A crash, hang, oracle mismatch, or a fuzzer that failed on its own (exit status 1).
    pub fn crashed(&self) -> bool {
        !self.crashes.is_empty() || (self.stopped_early.is_none() && self.exit_code != Some(0))
    }

    /// A failing verdict: STUCK or NEVER-COMPARES (exit status 2).
    pub fn stuck(&self) -> bool {
        self.verdicts.iter().any(Finding::fails)
    }
}

/// The whole run: `<out>/<run>/run.json` and `<out>/latest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSummary {
    /// `<unix time>-<commit>-<pid>`.
    pub id: String,
    /// Commit (with `-dirty`).
    pub commit: String,
    /// Stable and nightly rustc versions.
    pub toolchain: (String, String),
    /// CPU model.
    pub cpu: String,
    /// RFC 3339 start time.
    pub date: String,
    /// The cargo-fuzz package.
    #[serde(default)]
    pub fuzz_dir: String,
    /// Exit status of `cargo harness fuzz`: 0 healthy, 1 crash or mismatch, 2 stuck.
    #[serde(default)]
    pub exit_status: u8,
    /// Per-target results.
    pub targets: Vec<TargetRun>,
}

impl RunSummary {
    /// The run's verdict: a crash or a failing finding fails it, a warning warns.
    pub fn verdict(&self) -> Verdict {
        Verdict::worst(self.targets.iter().map(TargetRun::verdict))
    }
}

impl TargetRun {
    /// This target's verdict: a crash fails; otherwise the worst of its findings.
    pub fn verdict(&self) -> Verdict {
        if self.crashed() {
            Verdict::Fail
        } else {
            Verdict::worst(self.verdicts.iter().map(|f| f.verdict))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_outranks_every_finding() {
        let mut r = TargetRun::new("t", 1.0);
        r.exit_code = Some(0);
        r.verdicts = vec![Finding {
            status: "PLATEAU".into(),
            verdict: Verdict::Warn,
            why: String::new(),
        }];
        assert_eq!(r.verdict(), Verdict::Warn);
        r.exit_code = Some(1);
        assert!(r.crashed());
        assert_eq!(r.verdict(), Verdict::Fail);
    }
}
