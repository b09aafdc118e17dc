//! `target/gauntlet/compare/<base>-<head>/instructions.json` (copied to
//! `compare/latest-instructions.json`): a comparison by instruction counts under callgrind
//! (`cargo gauntlet compare --measure instructions`), and the line a `gauntlet-bench` bench
//! prints per bench in instruction mode.

use serde::{Deserialize, Serialize};

use crate::Verdict;
use crate::compare::SideInfo;

/// The schema tag of an instruction comparison.
pub const SCHEMA: &str = "gauntlet-instructions/1";

/// The prefix of the line a `gauntlet-bench` bench prints per bench in instruction mode, followed
/// by an [`InstructionRun`] as JSON.
pub const LINE_PREFIX: &str = "gauntlet-instructions ";

/// The cost model of [`Counts::estimated_cycles`], as shown in every output.
pub const COST_MODEL: &str = "est. cycles = Ir + 5·(I1mr + D1mr + D1mw) + 35·(ILmr + DLmr + DLmw)";

/// One bench measured in instruction mode: printed by the bench, in the order of its counted calls.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct InstructionRun {
    /// `crate/name`.
    pub id: String,
    /// Nominal iterations counted (the counts are divided by this).
    pub iterations: u64,
    /// The code path counted, when the code dispatches at run time (e.g. `scalar`).
    pub path: Option<String>,
}

/// Callgrind's events (with `--cache-sim=yes`), summed over some iterations.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct Counts {
    /// Instructions executed.
    pub ir: u64,
    /// Data reads.
    pub dr: u64,
    /// Data writes.
    pub dw: u64,
    /// L1 instruction-cache read misses.
    #[serde(rename = "I1mr")]
    pub i1mr: u64,
    /// L1 data-cache read misses.
    #[serde(rename = "D1mr")]
    pub d1mr: u64,
    /// L1 data-cache write misses.
    #[serde(rename = "D1mw")]
    pub d1mw: u64,
    /// Last-level instruction read misses.
    #[serde(rename = "ILmr")]
    pub ilmr: u64,
    /// Last-level data read misses.
    #[serde(rename = "DLmr")]
    pub dlmr: u64,
    /// Last-level data write misses.
    #[serde(rename = "DLmw")]
    pub dlmw: u64,
}

impl Counts {
    /// L1 misses of every kind.
    pub fn l1_misses(&self) -> u64 {
        self.i1mr + self.d1mr + self.d1mw
    }

    /// Last-level misses of every kind.
    pub fn ll_misses(&self) -> u64 {
        self.ilmr + self.dlmr + self.dlmw
    }

    /// Cycles by [`COST_MODEL`]: an instruction costs 1, an L1 miss 5 more, a last-level miss 35.
    pub fn estimated_cycles(&self) -> u64 {
        self.ir + 5 * self.l1_misses() + 35 * self.ll_misses()
    }

    /// `self − earlier`, event by event (saturating at 0): the cost of what ran in between.
    pub fn minus(&self, earlier: &Counts) -> Counts {
        Counts {
            ir: self.ir.saturating_sub(earlier.ir),
            dr: self.dr.saturating_sub(earlier.dr),
            dw: self.dw.saturating_sub(earlier.dw),
            i1mr: self.i1mr.saturating_sub(earlier.i1mr),
            d1mr: self.d1mr.saturating_sub(earlier.d1mr),
            d1mw: self.d1mw.saturating_sub(earlier.d1mw),
            ilmr: self.ilmr.saturating_sub(earlier.ilmr),
            dlmr: self.dlmr.saturating_sub(earlier.dlmr),
            dlmw: self.dlmw.saturating_sub(earlier.dlmw),
        }
    }
}

/// One bench on one side: the counts over `iterations` iterations of its routine.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Measured {
    /// Iterations the counts cover.
    pub iterations: u64,
    /// The events summed over those iterations.
    pub totals: Counts,
    /// How the iterations were counted (the measured function, or criterion's batches).
    pub method: String,
    /// The code path counted, when the bench names one.
    pub path: Option<String>,
}

impl Measured {
    /// Instructions per iteration.
    pub fn ir_per_iteration(&self) -> f64 {
        self.totals.ir as f64 / self.iterations.max(1) as f64
    }

    /// Estimated cycles per iteration ([`COST_MODEL`]).
    pub fn cycles_per_iteration(&self) -> f64 {
        self.totals.estimated_cycles() as f64 / self.iterations.max(1) as f64
    }
}

/// One bench of an instruction comparison.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BenchInstructions {
    /// `crate/name` (criterion benches: `<package>/<criterion id>`).
    pub id: String,
    /// The base's counts (`None`: not measured on that side).
    pub base: Option<Measured>,
    /// The head's counts.
    pub head: Option<Measured>,
    /// Change of instructions per iteration, percent (head over base).
    pub ir_change_pct: Option<f64>,
    /// Change of estimated cycles per iteration, percent.
    pub cycles_change_pct: Option<f64>,
    /// Fail: instructions grew beyond the threshold; Warn: only the estimated cycles did;
    /// Inconclusive: a side has no counts.
    pub verdict: Verdict,
    /// Why, in plain words.
    pub note: String,
}

/// The whole instruction comparison.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InstructionComparison {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// UTC time, RFC 3339.
    pub date: String,
    /// `valgrind --version`, and the tool.
    pub tool: String,
    /// [`COST_MODEL`].
    pub model: String,
    /// The baseline.
    pub base: SideInfo,
    /// The side under test.
    pub head: SideInfo,
    /// A change of instructions per iteration beyond this (percent) fails.
    pub threshold_pct: f64,
    /// Seconds the measuring took (both sides, under valgrind; builds excluded).
    pub measure_secs: f64,
    /// Every bench of either side.
    pub benches: Vec<BenchInstructions>,
}

impl InstructionComparison {
    /// The worst verdict of the benches (Inconclusive when there is none).
    pub fn verdict(&self) -> Verdict {
        if self.benches.is_empty() {
            return Verdict::Inconclusive;
        }
        Verdict::worst(self.benches.iter().map(|b| b.verdict))
    }
}

/// The schema tag of `instructions/latest.json` (`cargo gauntlet bench --measure instructions`).
pub const COUNTS_SCHEMA: &str = "gauntlet-instruction-counts/1";

/// `target/gauntlet/instructions/latest.json`: the counts of one checkout, no comparison
/// (`cargo gauntlet bench --measure instructions`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InstructionCounts {
    /// Always [`COUNTS_SCHEMA`].
    pub schema: String,
    /// UTC time, RFC 3339.
    pub date: String,
    /// The commit (12 hex digits, `-dirty` with uncommitted changes).
    pub commit: String,
    /// `valgrind --version`, and the tool.
    pub tool: String,
    /// [`COST_MODEL`].
    pub model: String,
    /// Per bench id, its counts.
    pub benches: Vec<(String, Measured)>,
}

/// The percent change from `base` to `head` (`None` when the base is 0).
pub fn change_pct(base: f64, head: f64) -> Option<f64> {
    (base > 0.0).then(|| (head - base) / base * 100.0)
}

/// Judge one bench: instructions beyond `threshold_pct` fail, estimated cycles beyond it warn.
pub fn judge(
    id: &str,
    base: Option<Measured>,
    head: Option<Measured>,
    threshold_pct: f64,
) -> BenchInstructions {
    let (ir, cycles) = match (&base, &head) {
        (Some(b), Some(h)) => (
            change_pct(b.ir_per_iteration(), h.ir_per_iteration()),
            change_pct(b.cycles_per_iteration(), h.cycles_per_iteration()),
        ),
        _ => (None, None),
    };
    let (verdict, note) = match (&base, &head, ir, cycles) {
        (None, _, _, _) | (_, None, _, _) => (
            Verdict::Inconclusive,
            format!(
                "no counts on the {}",
                if base.is_none() { "base" } else { "head" }
            ),
        ),
        (_, _, None, _) => (Verdict::Inconclusive, "no instructions on the base".into()),
        (_, _, Some(i), _) if i > threshold_pct => (
            Verdict::Fail,
            format!("{i:+.2} % instructions, beyond {threshold_pct} %"),
        ),
        (_, _, Some(_), Some(c)) if c > threshold_pct => (
            Verdict::Warn,
            format!("estimated cycles {c:+.2} %, beyond {threshold_pct} % (instructions within)"),
        ),
        (_, _, Some(i), _) if i < -threshold_pct => {
            (Verdict::Pass, format!("{i:+.2} % instructions: fewer"))
        }
        _ => (Verdict::Pass, format!("within ±{threshold_pct} %")),
    };
    BenchInstructions {
        id: id.to_owned(),
        base,
        head,
        ir_change_pct: ir,
        cycles_change_pct: cycles,
        verdict,
        note,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(ir: u64, d1mr: u64, dlmr: u64, iterations: u64) -> Measured {
        Measured {
            iterations,
            totals: Counts {
                ir,
                d1mr,
                dlmr,
                ..Counts::default()
            },
            method: "test".into(),
            path: None,
        }
    }

    #[test]
    fn the_cost_model_weighs_misses() {
        let c = Counts {
            ir: 1000,
            i1mr: 1,
            d1mr: 2,
            d1mw: 3,
            ilmr: 1,
            dlmr: 1,
            dlmw: 2,
            ..Counts::default()
        };
        assert_eq!(c.estimated_cycles(), 1000 + 5 * 6 + 35 * 4);
        assert_eq!(c.minus(&Counts { ir: 400, ..c }).ir, 600);
        assert_eq!(c.minus(&Counts { ir: 400, ..c }).d1mr, 0);
    }

    #[test]
    fn instructions_beyond_the_threshold_fail_and_identical_counts_are_zero() {
        let same = judge(
            "a/b",
            Some(m(5000, 10, 1, 100)),
            Some(m(5000, 10, 1, 100)),
            1.0,
        );
        assert_eq!(same.ir_change_pct, Some(0.0));
        assert_eq!(same.cycles_change_pct, Some(0.0));
        assert_eq!(same.verdict, Verdict::Pass);
        let slower = judge(
            "a/b",
            Some(m(5000, 0, 0, 100)),
            Some(m(5101, 0, 0, 100)),
            1.0,
        );
        assert_eq!(slower.verdict, Verdict::Fail, "{slower:?}");
        let just = judge(
            "a/b",
            Some(m(5000, 0, 0, 100)),
            Some(m(5050, 0, 0, 100)),
            1.0,
        );
        assert_eq!(just.verdict, Verdict::Pass, "{just:?}");
        // Per iteration: twice the iterations and twice the instructions are no change.
        let per = judge(
            "a/b",
            Some(m(5000, 0, 0, 100)),
            Some(m(10000, 0, 0, 200)),
            1.0,
        );
        assert_eq!(per.ir_change_pct, Some(0.0));
        let misses = judge("a/b", Some(m(5000, 0, 0, 1)), Some(m(5000, 0, 10, 1)), 1.0);
        assert_eq!(misses.verdict, Verdict::Warn, "{misses:?}");
        let one_side = judge("a/b", None, Some(m(1, 0, 0, 1)), 1.0);
        assert_eq!(one_side.verdict, Verdict::Inconclusive);
    }
}
