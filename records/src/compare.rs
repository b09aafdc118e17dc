//! `target/gauntlet/compare/`: one `comparison.json` per comparison (`<base>-<head>/`), copied to
//! `latest.json`.

use serde::{Deserialize, Serialize};

use crate::Verdict;

/// The schema tag of a comparison file.
pub const SCHEMA: &str = "gauntlet-compare/1";

/// Statistics that decide the verdict.
pub const GATED: [&str; 3] = ["p50", "p90", "p99"];
/// Statistics that are shown but never gated (too few samples per run to be stable).
pub const SHOWN: [&str; 2] = ["p99.9", "max"];

/// How a comparison is judged.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Policy {
    /// A gated statistic regresses only if head ÷ base is at least `1 + threshold_pct / 100`.
    pub threshold_pct: f64,
    /// Family-wise error rate over every gated test of the comparison (Holm).
    pub alpha: f64,
    /// Coverage of the reported confidence intervals.
    pub confidence: f64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            threshold_pct: 5.0,
            alpha: 0.05,
            confidence: 0.95,
        }
    }
}

/// What one statistic (or bench, or comparison) did: the measured change, which
/// [`Change::verdict`] turns into the one [`Verdict`].
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// The confidence interval lies within ± the threshold.
    Unchanged,
    /// Neither a significant change beyond the threshold nor ruled out: more runs would tell.
    Inconclusive,
    /// Significantly faster by more than the threshold.
    Improved,
    /// Significantly slower by more than the threshold.
    Regressed,
}

impl Change {
    /// The one verdict this change amounts to.
    pub fn verdict(self) -> Verdict {
        match self {
            Change::Regressed => Verdict::Fail,
            Change::Inconclusive => Verdict::Inconclusive,
            Change::Unchanged | Change::Improved => Verdict::Pass,
        }
    }

    /// The word shown in tables.
    pub fn word(self) -> &'static str {
        match self {
            Change::Unchanged => "unchanged",
            Change::Inconclusive => "inconclusive",
            Change::Improved => "improved",
            Change::Regressed => "regressed",
        }
    }
}

/// One statistic of one bench across the process runs of both sides.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StatComparison {
    /// `p50`, `p90`, `p99`, `p99.9` or `max`.
    pub stat: String,
    /// Whether it takes part in the verdict.
    pub gated: bool,
    /// The statistic of each base process run, ns per op, in run order.
    pub base_runs: Vec<f64>,
    /// The same for head.
    pub head_runs: Vec<f64>,
    /// Median over the base runs.
    pub base_median: f64,
    /// Median over the head runs.
    pub head_median: f64,
    /// Hodges–Lehmann estimate of head ÷ base.
    pub ratio: f64,
    /// Confidence interval of the ratio (`None`: unbounded, too few runs).
    pub ratio_lo: Option<f64>,
    /// Upper end of the interval.
    pub ratio_hi: Option<f64>,
    /// One-sided rank-sum p-value for "head is slower".
    pub p_slower: f64,
    /// One-sided rank-sum p-value for "head is faster".
    pub p_faster: f64,
    /// `p_slower` after Holm's adjustment over every gated test (gated statistics only).
    pub p_slower_adjusted: Option<f64>,
    /// `p_faster` after Holm's adjustment.
    pub p_faster_adjusted: Option<f64>,
    /// Whether the p-values are exact.
    pub exact: bool,
    /// The verdict (shown statistics get one too, for information).
    pub verdict: Change,
}

/// A percentile curve: `(quantile, ns per op)` points from the merged histogram of all runs.
pub type Curve = Vec<(f64, f64)>;

/// One bench of the comparison.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BenchComparison {
    /// `crate/name`.
    pub id: String,
    /// Gated statistics first, then the shown ones.
    pub stats: Vec<StatComparison>,
    /// The worst verdict of the gated statistics.
    pub verdict: Change,
    /// Allocations per op: base, head (deterministic, so any change is real; not gated).
    pub allocs_per_op: (f64, f64),
    /// Bytes allocated per op: base, head.
    pub bytes_per_op: (f64, f64),
    /// Timed samples over all runs: base, head.
    pub samples: (u64, u64),
    /// Percentile curve of the base, all runs merged.
    pub base_curve: Curve,
    /// Percentile curve of the head.
    pub head_curve: Curve,
}

/// One side of the comparison.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct SideInfo {
    /// What the user asked for (`main`, `HEAD~1`, `WORKTREE`).
    pub spec: String,
    /// The full commit hash (of HEAD, for the working tree).
    pub commit: String,
    /// Short label: 12 hex digits, or `worktree`.
    pub label: String,
    /// Built from uncommitted files.
    pub dirty: bool,
    /// Extra environment of this side's process runs (calibration: an injected slowdown).
    pub env: Vec<String>,
    /// Process runs.
    pub runs: usize,
    /// Mean 1-minute load average at the start of this side's recordings.
    pub loadavg: f64,
}

/// The whole comparison.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Comparison {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// UTC time, RFC 3339.
    pub date: String,
    /// CPU model.
    pub cpu: String,
    /// `rustc --version` of the runs.
    pub rustc: String,
    /// The baseline.
    pub base: SideInfo,
    /// The side under test.
    pub head: SideInfo,
    /// Recording time per bench per process run, ms.
    pub time_ms: u64,
    /// How the runs were ordered.
    pub order: String,
    /// The judging policy.
    pub policy: Policy,
    /// Whether the sample sizes let any gated test reach significance at all.
    pub significance_reachable: bool,
    /// Benches in both sides.
    pub benches: Vec<BenchComparison>,
    /// Bench ids only the base has.
    pub only_in_base: Vec<String>,
    /// Bench ids only the head has.
    pub only_in_head: Vec<String>,
    /// Gated statistics that regressed.
    pub regressions: usize,
    /// Gated statistics that improved.
    pub improvements: usize,
}

impl Comparison {
    /// Whether the comparison could not decide: no gated statistic can reach significance with
    /// these runs, or some bench's change is neither ruled out nor shown. A regression decides.
    pub fn inconclusive(&self) -> bool {
        self.regressions == 0
            && (!self.significance_reachable
                || self
                    .benches
                    .iter()
                    .any(|b| b.verdict == Change::Inconclusive))
    }

    /// The comparison's verdict: Fail when a gated statistic regressed, Inconclusive when it
    /// cannot decide, else Pass.
    pub fn verdict(&self) -> Verdict {
        if self.regressions > 0 {
            Verdict::Fail
        } else if self.inconclusive() {
            Verdict::Inconclusive
        } else {
            Verdict::Pass
        }
    }

    /// The worst change over all benches.
    pub fn change(&self) -> Change {
        self.benches
            .iter()
            .map(|b| b.verdict)
            .max()
            .unwrap_or(Change::Unchanged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_regression_fails() {
        assert_eq!(Change::Regressed.verdict(), Verdict::Fail);
        assert_eq!(Change::Improved.verdict(), Verdict::Pass);
        assert_eq!(Change::Inconclusive.verdict(), Verdict::Inconclusive);
        assert!(Change::Regressed > Change::Improved && Change::Inconclusive > Change::Unchanged);
    }
}
