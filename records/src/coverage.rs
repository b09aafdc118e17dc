//! `target/gauntlet/coverage/`: one `summary.json` per run (`<date>-<commit>/`) and one line per
//! run in `history.jsonl`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Verdict;

/// Covered out of instrumented (lines, regions, functions or branches).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub covered: u64,
    pub count: u64,
}

impl Counts {
    pub fn new(covered: u64, count: u64) -> Self {
        Self { covered, count }
    }

    /// Percent covered; 0 when nothing is instrumented (a crate with no measured code is a fault,
    /// not a success).
    pub fn percent(self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.covered as f64 * 100.0 / self.count as f64
        }
    }
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Self) {
        self.covered += o.covered;
        self.count += o.count;
    }
}

/// Everything one run measured and decided: the contents of `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Bumped when a field changes meaning.
    pub schema: u32,
    /// The run's directory name under `target/gauntlet/coverage/` (`<date>-<commit>`).
    pub run: String,
    pub date: String,
    pub unix_time: u64,
    pub commit: String,
    pub toolchain: String,
    /// The packages measured (all workspace members unless `-p` was given).
    pub packages: Vec<String>,
    /// What ran instrumented, e.g. `tests`, `fuzz corpus replay`, `doc tests`.
    pub suites: Vec<String>,
    /// Suites with a failing test: their coverage is incomplete, so the run is not a baseline.
    #[serde(default)]
    pub failed_suites: Vec<String>,
    /// Wall time of the whole run, build included.
    pub elapsed_s: f64,
    /// Wall time of each phase: `build`, `tests` (all suites), `reports`.
    pub phases_s: BTreeMap<String, f64>,
    pub totals: Metrics,
    pub crates: Vec<CrateSummary>,
    /// Lines and regions that only the fuzz corpus replays reach (where fuzzing earns its keep).
    pub fuzz_only: Vec<Reach>,
    /// Lines and regions that only the other tests reach (where fuzzing is blind).
    pub tests_only: Vec<Reach>,
    pub policy: PolicyResult,
}

/// The policy as applied to this run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyResult {
    /// Pass, or Fail with the failures below.
    pub verdict: Verdict,
    /// Crate → the minimum line coverage that applied to it.
    pub minimums: BTreeMap<String, f64>,
    pub max_line_drop_points: f64,
    pub failures: Vec<Failure>,
}

/// Covered / instrumented with the percentage spelled out, as written to `summary.json`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub covered: u64,
    pub count: u64,
    pub percent: f64,
}

impl From<Counts> for Metric {
    fn from(c: Counts) -> Self {
        Self {
            covered: c.covered,
            count: c.count,
            percent: (c.percent() * 100.0).round() / 100.0,
        }
    }
}

impl Metric {
    pub fn counts(self) -> Counts {
        Counts::new(self.covered, self.count)
    }
}

/// The counts of one kind of code unit; branches only when the toolchain measured them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub lines: Metric,
    pub regions: Metric,
    pub functions: Metric,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branches: Option<Metric>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileSummary {
    /// Relative to the workspace root.
    pub path: String,
    #[serde(flatten)]
    pub metrics: Metrics,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrateSummary {
    pub name: String,
    pub dir: String,
    /// Whether a fuzz corpus replay (a fuzz target over its corpus, or a `tests/fuzz_replay.rs`)
    /// reaches this crate's code.
    pub fuzz_replay: bool,
    #[serde(flatten)]
    pub metrics: Metrics,
    pub files: Vec<FileSummary>,
}

/// Lines and regions of one file reached by one side only.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FileReach {
    pub path: String,
    pub lines: Vec<u64>,
    /// `12-15, 20`: the same lines, compact, for people.
    pub line_ranges: String,
    /// `[[start line, start column], [end line, end column]]` per region.
    pub regions: Vec<[[u64; 2]; 2]>,
}

/// What one side alone reaches, per crate (only crates with a fuzz replay are compared).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reach {
    pub crate_name: String,
    pub lines: u64,
    pub regions: u64,
    pub files: Vec<FileReach>,
}

/// One run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub unix_time: u64,
    pub date: String,
    pub commit: String,
    /// The run's directory name under `target/gauntlet/coverage/`.
    pub run: String,
    #[serde(default)]
    pub toolchain: String,
    pub crates: BTreeMap<String, CrateEntry>,
}

/// One crate's line counts, in total and per file (paths relative to the workspace root).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CrateEntry {
    pub lines: Counts,
    pub files: BTreeMap<String, Counts>,
}

impl Entry {
    /// The history line of a run.
    pub fn of_run(
        unix_time: u64,
        date: &str,
        commit: &str,
        run: &str,
        toolchain: &str,
        crates: &[CrateSummary],
    ) -> Self {
        Self {
            unix_time,
            date: date.to_owned(),
            commit: commit.to_owned(),
            run: run.to_owned(),
            toolchain: toolchain.to_owned(),
            crates: crates
                .iter()
                .map(|c| {
                    let files = c
                        .files
                        .iter()
                        .map(|f| (f.path.clone(), f.metrics.lines.counts()))
                        .collect();
                    (
                        c.name.clone(),
                        CrateEntry {
                            lines: c.metrics.lines.counts(),
                            files,
                        },
                    )
                })
                .collect(),
        }
    }
}

/// Why a run fails the policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    /// Line coverage under the crate's minimum; `files` are those under it, most uncovered first.
    BelowMinimum {
        crate_name: String,
        percent: f64,
        minimum: f64,
        files: Vec<FileDelta>,
    },
    /// Line coverage fell by more than the allowed points; `files` are those that lost coverage.
    Dropped {
        crate_name: String,
        previous: f64,
        current: f64,
        max_drop: f64,
        previous_run: String,
        files: Vec<FileDelta>,
    },
}

/// A file's line coverage now (and before, for a drop), with its uncovered lines.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileDelta {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<f64>,
    pub percent: f64,
    pub uncovered_lines: u64,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::BelowMinimum {
                crate_name,
                percent,
                minimum,
                files,
            } => {
                write!(
                    f,
                    "{crate_name}: line coverage {percent:.2} % is below the minimum {minimum} %"
                )?;
                if !files.is_empty() {
                    write!(f, "; files under it:")?;
                }
                for d in files {
                    write!(
                        f,
                        " {} ({:.1} %, {} lines uncovered)",
                        d.path, d.percent, d.uncovered_lines
                    )?;
                }
                Ok(())
            }
            Failure::Dropped {
                crate_name,
                previous,
                current,
                max_drop,
                previous_run,
                files,
            } => {
                write!(
                    f,
                    "{crate_name}: line coverage fell {:.2} points ({previous:.2} % → {current:.2} %) since {previous_run}, more than the allowed {max_drop}",
                    previous - current
                )?;
                if !files.is_empty() {
                    write!(f, "; files that lost coverage:")?;
                }
                for d in files {
                    write!(
                        f,
                        " {} ({:.1} % → {:.1} %)",
                        d.path,
                        d.previous.unwrap_or(0.0),
                        d.percent
                    )?;
                }
                Ok(())
            }
        }
    }
}
