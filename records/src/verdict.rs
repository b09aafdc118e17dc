//! The one verdict every verb gives, on a fuzz target, a coverage policy, a bench statistic or a
//! whole run.

use serde::{Deserialize, Serialize};

/// What gauntlet concluded, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing wrong found.
    Pass,
    /// Worth a look, but not a failure (a plateau, a few comparisons, an improvement that is
    /// not a regression).
    Warn,
    /// Could not decide: too few runs, too much noise.
    Inconclusive,
    /// Wrong: a crash, a regression, a broken policy.
    Fail,
}

impl Verdict {
    /// The word shown in tables.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Fail => "fail",
        }
    }

    /// The worst of several verdicts (`Pass` for none).
    pub fn worst(all: impl IntoIterator<Item = Verdict>) -> Verdict {
        all.into_iter().max().unwrap_or(Verdict::Pass)
    }
}

/// One named finding with its verdict and the explanation, in plain words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// A short code: `STUCK`, `PLATEAU`, `HEALTHY`, …
    pub status: String,
    pub verdict: Verdict,
    pub why: String,
}

impl Finding {
    /// Whether it fails the run.
    pub fn fails(&self) -> bool {
        self.verdict == Verdict::Fail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_verdict_wins() {
        assert_eq!(Verdict::worst([]), Verdict::Pass);
        assert_eq!(
            Verdict::worst([Verdict::Warn, Verdict::Fail, Verdict::Pass]),
            Verdict::Fail
        );
        assert_eq!(
            Verdict::worst([Verdict::Warn, Verdict::Inconclusive]),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn verdicts_serialise_as_lowercase_words() {
        assert_eq!(
            serde_json::to_string(&Verdict::Inconclusive).unwrap(),
            "\"inconclusive\""
        );
        assert_eq!(Verdict::Fail.word(), "fail");
    }
}
