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
    /// The cargo-mutants arguments that chose the mutants and the tests (packages, timeout,
    /// filters, features), without the output directory and the shard: shards are merged only
    /// with shards of the same commit run with the same arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// A merged record (`latest.json` after a sharded run): the shards `(k, n)` of the same
    /// commit whose counts it adds up, in order; empty for one run as it ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_shards: Vec<(u32, u32)>,
    /// Wall time of the whole run, baseline build and tests included.
    pub elapsed_s: f64,
    /// The global minimum score, `[mutants] minimum_score` in `gauntlet.toml` (`None`: none).
    /// A package's own minimum, [`PackageScore::minimum`], is the one it is judged by.
    #[serde(default)]
    pub minimum: Option<f64>,
    pub packages: Vec<PackageScore>,
    /// Fail when a package scores under its minimum, Pass otherwise.
    pub verdict: Verdict,
}

impl MutantsRun {
    /// Which shards this run covers, counted from 0: `shard 1 of 4`, `shards 0, 1 of 4` (added
    /// up), or `None` for a whole run.
    pub fn shards_label(&self) -> Option<String> {
        match (self.shard, self.merged_shards.as_slice()) {
            (Some((k, n)), _) => Some(format!("shard {k} of {n}")),
            (None, []) => None,
            (None, all) => Some(format!(
                "shards {} of {}",
                all.iter()
                    .map(|(k, _)| k.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                all[0].1
            )),
        }
    }

    /// Adds up `shards`, runs of shards `(k, n)` of one commit (one `n`), into one record named
    /// `run`: per package the counts and survivors of every shard that tested it, the score
    /// recomputed from the sums. For a shard `k` run more than once, only its last run (in the
    /// order given) counts. The verdict is recomputed from each package's `minimum`.
    pub fn merge(run: String, shards: &[MutantsRun]) -> Option<MutantsRun> {
        let last = shards.last()?;
        let mut chosen: Vec<&MutantsRun> = Vec::new();
        for r in shards.iter().rev() {
            if !chosen.iter().any(|c| c.shard == r.shard) {
                chosen.push(r);
            }
        }
        chosen.sort_by_key(|r| r.shard);
        let mut packages: Vec<PackageScore> = Vec::new();
        for r in &chosen {
            for p in &r.packages {
                let i = match packages.iter().position(|q| q.name == p.name) {
                    Some(i) => i,
                    None => {
                        packages.push(PackageScore {
                            name: p.name.clone(),
                            ..Default::default()
                        });
                        packages.len() - 1
                    }
                };
                let m = &mut packages[i];
                m.caught += p.caught;
                m.missed += p.missed;
                m.timeout += p.timeout;
                m.unviable += p.unviable;
                m.survivors.extend(p.survivors.iter().cloned());
            }
        }
        // The latest run's minimum of a package is the policy now.
        for m in &mut packages {
            m.minimum = last
                .packages
                .iter()
                .find(|p| p.name == m.name)
                .map_or(last.minimum, |p| p.minimum);
            m.score_percent = (score(m.caught, m.missed, m.timeout) * 100.0).round() / 100.0;
            m.survivors
                .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        }
        packages.sort_by(|a, b| a.name.cmp(&b.name));
        let verdict = if packages.iter().any(PackageScore::under_minimum) {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
        Some(MutantsRun {
            schema: SCHEMA.to_owned(),
            run,
            date: last.date.clone(),
            commit: last.commit.clone(),
            tool: last.tool.clone(),
            shard: None,
            args: last.args.clone(),
            merged_shards: chosen.iter().filter_map(|r| r.shard).collect(),
            elapsed_s: chosen.iter().map(|r| r.elapsed_s).sum(),
            minimum: last.minimum,
            packages,
            verdict,
        })
    }
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
    /// The minimum score this package must reach: its own from `gauntlet.toml`
    /// (`[mutants.minimum_score_by_package]`), else the global one (`None`: no policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<f64>,
    /// The missed and timed-out mutants, in file and line order.
    pub survivors: Vec<Survivor>,
}

impl PackageScore {
    /// Mutants that built and were tested: the score's denominator.
    pub fn tested(&self) -> u64 {
        self.caught + self.missed + self.timeout
    }

    /// The score is under the package's minimum.
    pub fn under_minimum(&self) -> bool {
        self.minimum.is_some_and(|m| self.score_percent < m)
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

    fn shard(k: u32, caught: u64, missed: u64, line: u64, minimum: Option<f64>) -> MutantsRun {
        MutantsRun {
            schema: SCHEMA.to_owned(),
            run: format!("d-c-shard-{k}-of-4"),
            date: format!("2026-12-07T0{k}:00:00Z"),
            commit: "c".to_owned(),
            tool: "cargo-mutants 27.1.0".to_owned(),
            shard: Some((k, 4)),
            args: vec![],
            merged_shards: vec![],
            elapsed_s: 10.0,
            minimum: Some(50.0),
            packages: vec![PackageScore {
                name: "p".to_owned(),
                caught,
                missed,
                timeout: 0,
                unviable: 1,
                score_percent: score(caught, missed, 0),
                minimum,
                survivors: (0..missed)
                    .map(|i| Survivor {
                        file: "src/lib.rs".to_owned(),
                        line: line + i,
                        column: 1,
                        function: None,
                        replacement: "true".to_owned(),
                        description: "replace f -> bool with true".to_owned(),
                        genre: None,
                        escape: Escape::Missed,
                    })
                    .collect(),
            }],
            verdict: Verdict::Pass,
        }
    }

    #[test]
    fn the_shards_are_named_from_zero() {
        let mut r = shard(1, 1, 0, 1, None);
        assert_eq!(r.shards_label().as_deref(), Some("shard 1 of 4"));
        r.shard = None;
        assert_eq!(r.shards_label(), None);
        r.merged_shards = vec![(0, 4), (2, 4)];
        assert_eq!(r.shards_label().as_deref(), Some("shards 0, 2 of 4"));
    }

    #[test]
    fn shards_add_up_and_the_last_run_of_a_shard_counts() {
        // Shard 2 ran twice: 1 caught 3 missed, then (after a fix) 4 caught 0 missed.
        let runs = [
            shard(2, 1, 3, 50, Some(90.0)),
            shard(0, 9, 1, 30, Some(90.0)),
            shard(2, 4, 0, 0, Some(85.0)),
        ];
        let m = MutantsRun::merge("d-c-shards-of-4".to_owned(), &runs).unwrap();
        assert_eq!(m.merged_shards, [(0, 4), (2, 4)]);
        assert_eq!(m.shard, None);
        assert_eq!(m.elapsed_s, 20.0);
        assert_eq!(m.date, "2026-12-07T02:00:00Z", "the last run's");
        let p = &m.packages[0];
        assert_eq!((p.caught, p.missed, p.timeout, p.unviable), (13, 1, 0, 2));
        assert_eq!(p.score_percent, 92.86, "13 / 14");
        assert_eq!(p.survivors.len(), 1);
        assert_eq!(p.survivors[0].line, 30);
        assert_eq!(p.minimum, Some(85.0), "the latest policy");
        assert_eq!(m.verdict, Verdict::Pass);
        let strict = [shard(0, 9, 1, 30, None), shard(1, 8, 2, 10, Some(90.0))];
        let m = MutantsRun::merge("x".to_owned(), &strict).unwrap();
        assert_eq!(m.packages[0].score_percent, 85.0);
        assert_eq!(m.verdict, Verdict::Fail, "17 / 20 is under 90");
        let lines: Vec<u64> = m.packages[0].survivors.iter().map(|v| v.line).collect();
        assert_eq!(lines, [10, 11, 30], "in file and line order");
        assert!(MutantsRun::merge("x".to_owned(), &[]).is_none());
    }

    #[test]
    fn a_package_is_judged_by_its_own_minimum() {
        let p = |score_percent, minimum| PackageScore {
            score_percent,
            minimum,
            ..Default::default()
        };
        assert!(p(89.99, Some(90.0)).under_minimum());
        assert!(!p(90.0, Some(90.0)).under_minimum());
        assert!(!p(0.0, None).under_minimum());
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
            args: vec!["--package".to_owned(), "p".to_owned()],
            merged_shards: vec![],
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
