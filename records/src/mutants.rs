//! `target/gauntlet/mutants/`: one `<run>.json` per mutation run (`<date>-<commit>[-shard-K-of-N]`),
//! copied to `latest.json`. A mutant is a small wrong change to the code (a function body
//! replaced by `Default::default()`, `==` turned into `!=`); a suite that still passes with it
//! did not check the answer.

use serde::{Deserialize, Serialize};

use crate::Verdict;

/// The schema tag of a mutation-run file.
pub const SCHEMA: &str = "gauntlet-mutants/1";

/// One run of cargo-mutants over some packages (or one shard of their mutants).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MutantsRun {
    pub schema: String,
    /// The file's name under `target/gauntlet/mutants/`, without `.json`.
    pub run: String,
    pub date: String,
    pub commit: String,
    /// `cargo mutants --version`.
    pub tool: String,
    /// `(k, n)`: this run tested shard `k` of `n` (from 0), so it saw about `1/n` of the mutants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<(u32, u32)>,
    /// Wall time of the whole run, baseline build and tests included.
    pub elapsed_s: f64,
    /// The minimum score every package must reach, from `gauntlet.toml` (`None`: no policy).
    #[serde(default)]
    pub minimum: Option<f64>,
    pub packages: Vec<PackageScore>,
    /// Fail when a package scores under the minimum, Pass otherwise.
    pub verdict: Verdict,
}

/// What the tests of one package did to its mutants.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PackageScore {
    pub name: String,
    /// A test failed: the suite noticed the wrong answer.
    pub caught: u64,
    /// Every test passed: the suite did not notice.
    pub missed: u64,
    /// The tests ran past the time limit. A hang is not a catch.
    pub timeout: u64,
    /// The mutant did not build; it says nothing about the tests and is left out of the score.
    pub unviable: u64,
    /// [`score`] of the counts, rounded to 0.01.
    pub score_percent: f64,
    /// The missed and timed-out mutants, in file and line order.
    pub survivors: Vec<Survivor>,
}

impl PackageScore {
    /// Mutants that built and were tested: the score's denominator.
    pub fn tested(&self) -> u64 {
        self.caught + self.missed + self.timeout
    }
}

/// `caught / (caught + missed + timeout) × 100`; 100 when no mutant was tested (nothing escaped),
/// unviable mutants left out.
pub fn score(caught: u64, missed: u64, timeout: u64) -> f64 {
    let tested = caught + missed + timeout;
    if tested == 0 {
        100.0
    } else {
        caught as f64 * 100.0 / tested as f64
    }
}

/// How a surviving mutant escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Escape {
    /// The tests passed with it.
    Missed,
    /// The tests did not finish in time.
    Timeout,
}

/// One mutant the tests did not catch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Survivor {
    /// Relative to the workspace root, `/`-separated.
    pub file: String,
    pub line: u64,
    pub column: u64,
    /// The enclosing function, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// What replaced the original code (`Default::default()`, `!=`, `true`).
    pub replacement: String,
    /// cargo-mutants' whole description: `replace == with != in Parser::next`.
    pub description: String,
    /// cargo-mutants' kind of mutation (`FnValue`, `BinaryOperator`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    pub escape: Escape,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_is_not_a_catch() {
        assert_eq!(score(9, 0, 1), 90.0);
        assert_eq!(score(9, 1, 0), 90.0);
        assert_eq!(score(0, 0, 0), 100.0);
        let p = PackageScore {
            caught: 3,
            missed: 1,
            timeout: 1,
            unviable: 7,
            ..Default::default()
        };
        assert_eq!(p.tested(), 5);
    }

    #[test]
    fn a_run_round_trips() {
        let run = MutantsRun {
            schema: SCHEMA.to_owned(),
            run: "2026-12-07-abc-shard-0-of-4".to_owned(),
            date: "2026-12-07T02:00:00Z".to_owned(),
            commit: "abc".to_owned(),
            tool: "cargo-mutants 27.1.0".to_owned(),
            shard: Some((0, 4)),
            elapsed_s: 12.5,
            minimum: Some(90.0),
            packages: vec![PackageScore {
                name: "p".to_owned(),
                caught: 1,
                missed: 1,
                score_percent: 50.0,
                survivors: vec![Survivor {
                    file: "src/lib.rs".to_owned(),
                    line: 3,
                    column: 5,
                    function: Some("f".to_owned()),
                    replacement: "true".to_owned(),
                    description: "replace f -> bool with true".to_owned(),
                    genre: Some("FnValue".to_owned()),
                    escape: Escape::Missed,
                }],
                ..Default::default()
            }],
            verdict: Verdict::Fail,
        };
        let text = serde_json::to_string(&run).unwrap();
        assert!(text.contains("\"shard\":[0,4]") && text.contains("\"escape\":\"missed\""));
        assert_eq!(serde_json::from_str::<MutantsRun>(&text).unwrap(), run);
    }
}
