//! `gauntlet.toml`: the one optional configuration file at the project root. Every key has a
//! default, so a project that has never heard of gauntlet needs none; unknown keys are refused so
//! that a typo does not silently change nothing.
//!
//! ```toml
//! [fuzz]
//! dir = "fuzz"          # the cargo-fuzz package (default: fuzz/ at the root or in a member)
//! time = "60s"          # time per target when --time is not given
//! [fuzz.monitor]        # health-verdict thresholds (see `Thresholds`)
//! stuck_after_secs = 10
//! [coverage]            # the coverage policy
//! max_line_drop_points = 1.0
//! [coverage.min_line_coverage]
//! "crates/*" = 90.0
//! [compare]
//! threshold_pct = 5.0
//! runs = 20
//! time_ms = 500
//! instructions_threshold_pct = 1.0   # compare --measure instructions
//! [mutants]
//! minimum_score = 80.0  # caught / (caught + missed + timeout), percent, per package
//! [mutants.minimum_score_by_package]
//! my-crate = 90.0       # this package's own minimum, instead of minimum_score
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use gauntlet_records::coverage::CrateSummary;
use serde::Deserialize;

use crate::libfuzzer::Thresholds;

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub fuzz: FuzzConfig,
    pub coverage: Policy,
    pub compare: CompareConfig,
    pub mutants: MutantsConfig,
}

/// `[fuzz]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FuzzConfig {
    /// The cargo-fuzz package, relative to the root.
    pub dir: Option<PathBuf>,
    /// Time per target (`60s`, `2m`) when the command line gives none.
    #[serde(deserialize_with = "duration_opt")]
    pub time: Option<Duration>,
    /// Thresholds of the health verdicts.
    pub monitor: Thresholds,
}

/// `[compare]`: defaults for `cargo gauntlet compare` flags.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompareConfig {
    pub threshold_pct: Option<f64>,
    pub alpha: Option<f64>,
    pub runs: Option<u32>,
    pub time_ms: Option<u64>,
    /// `--measure instructions`: a change of instructions per iteration beyond this fails.
    pub instructions_threshold_pct: Option<f64>,
}

/// `[mutants]`: the policy of `cargo gauntlet mutants`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MutantsConfig {
    /// Every package's mutation score (percent of the tested mutants the tests caught) must
    /// reach this; none by default, so a run records scores without failing on them.
    pub minimum_score: Option<f64>,
    /// `[mutants.minimum_score_by_package]`: a package's own minimum (key: the package name),
    /// which replaces `minimum_score` for it. A name that is no workspace member is refused when
    /// `cargo gauntlet mutants` runs.
    pub minimum_score_by_package: BTreeMap<String, f64>,
}

impl MutantsConfig {
    /// The minimum score `package` is judged by: its own, else the global one.
    pub fn minimum_for(&self, package: &str) -> Option<f64> {
        self.minimum_score_by_package
            .get(package)
            .copied()
            .or(self.minimum_score)
    }
}

fn duration_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    s.map(|s| parse_duration(&s).map_err(serde::de::Error::custom))
        .transpose()
}

impl Config {
    /// Read and check `path`; a missing file is the defaults.
    pub fn load(path: &Path) -> Result<Config> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Parse and check; `origin` names the file in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Config> {
        let c: Config = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| {
                text[..s.start.min(text.len())].matches('\n').count() + 1
            });
            anyhow::anyhow!(
                "{origin} line {line}: {}",
                e.message().trim().lines().collect::<Vec<_>>().join(": ")
            )
        })?;
        c.coverage
            .check()
            .map_err(|e| anyhow::anyhow!("{origin} [coverage]: {e}"))?;
        c.fuzz
            .monitor
            .check()
            .map_err(|e| anyhow::anyhow!("{origin} [fuzz.monitor]: {e}"))?;
        if let Some(t) = c.compare.threshold_pct {
            anyhow::ensure!(
                (0.0..1000.0).contains(&t),
                "{origin} [compare]: threshold_pct = {t} is not a percentage between 0 and 1000"
            );
        }
        if let Some(t) = c.compare.instructions_threshold_pct {
            anyhow::ensure!(
                (0.0..1000.0).contains(&t),
                "{origin} [compare]: instructions_threshold_pct = {t} is not a percentage between 0 \
                 and 1000"
            );
        }
        if let Some(a) = c.compare.alpha {
            anyhow::ensure!(
                a > 0.0 && a < 1.0,
                "{origin} [compare]: alpha = {a} must lie between 0 and 1"
            );
        }
        if let Some(m) = c.mutants.minimum_score {
            anyhow::ensure!(
                (0.0..=100.0).contains(&m),
                "{origin} [mutants]: minimum_score = {m} is not a percentage between 0 and 100"
            );
        }
        for (p, m) in &c.mutants.minimum_score_by_package {
            anyhow::ensure!(
                (0.0..=100.0).contains(m),
                "{origin} [mutants.minimum_score_by_package]: {p} = {m} is not a percentage \
                 between 0 and 100"
            );
        }
        Ok(c)
    }
}

/// `[coverage]`: the coverage policy and the verdicts it gives (applied in `coverage/policy.rs`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// A crate whose line coverage falls by more than this many percentage points since the
    /// previous run fails.
    #[serde(default = "default_drop")]
    pub max_line_drop_points: f64,
    /// Minimum line coverage in percent, keyed by crate name, crate directory
    /// (`targets/retry-counter`) or a directory pattern (`targets/*`: every crate directly under
    /// `targets/`). The most specific key wins: name, then directory, then pattern.
    #[serde(default)]
    pub min_line_coverage: BTreeMap<String, f64>,
}

fn default_drop() -> f64 {
    1.0
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_line_drop_points: default_drop(),
            min_line_coverage: BTreeMap::new(),
        }
    }
}

impl Policy {
    /// Parse and check a policy on its own (tests); `origin` names the file in errors.
    #[cfg(test)]
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let p: Policy = toml::from_str(text).map_err(|e| {
            // toml's own message spans several lines with a source excerpt; one line is enough.
            let line = e.span().map_or(0, |s| {
                text[..s.start.min(text.len())].matches('\n').count() + 1
            });
            anyhow::anyhow!(
                "{origin} is not a valid coverage policy (line {line}): {}",
                e.message().trim().lines().collect::<Vec<_>>().join(": ")
            )
        })?;
        p.check().map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
        Ok(p)
    }

    /// Refuse values that make no sense.
    pub fn check(&self) -> Result<(), String> {
        if !(self.max_line_drop_points.is_finite() && self.max_line_drop_points >= 0.0) {
            return Err(format!(
                "max_line_drop_points must be a number of points >= 0, not {}",
                self.max_line_drop_points
            ));
        }
        for (key, min) in &self.min_line_coverage {
            if !(0.0..=100.0).contains(min) {
                return Err(format!(
                    "min_line_coverage.\"{key}\" = {min} is not a percentage (0 to 100)"
                ));
            }
            if key.is_empty()
                || key.contains('*') && !(key.ends_with("/*") && key.matches('*').count() == 1)
            {
                return Err(format!(
                    "min_line_coverage key \"{key}\" must be a crate name, a crate directory or `<dir>/*`"
                ));
            }
        }
        Ok(())
    }

    /// The minimum that applies to a crate, if any.
    pub fn minimum(&self, name: &str, rel_dir: &str) -> Option<f64> {
        let by_pattern = || {
            let parent = rel_dir.rsplit_once('/').map_or("", |(p, _)| p);
            self.min_line_coverage.get(&format!("{parent}/*"))
        };
        self.min_line_coverage
            .get(name)
            .or_else(|| self.min_line_coverage.get(rel_dir))
            .or_else(by_pattern)
            .copied()
    }

    /// Keys that match none of `crates` (probably a typo, or a crate outside this run).
    pub fn unmatched_keys<'a>(&'a self, crates: &[CrateSummary]) -> Vec<&'a str> {
        self.min_line_coverage
            .keys()
            .filter(|k| {
                !crates.iter().any(|c| {
                    *k == &c.name
                        || *k == &c.dir
                        || k.strip_suffix("/*")
                            .is_some_and(|p| c.dir.rsplit_once('/').map_or("", |(d, _)| d) == p)
                })
            })
            .map(String::as_str)
            .collect()
    }
}

/// `60s`, `2m`, `500ms`, or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit())
        .map_or((s, "s"), |i| s.split_at(i));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("bad duration {s:?}: use e.g. 30s, 2m or 1h"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "h" => Ok(Duration::from_secs(n * 3600)),
        _ => Err(format!("bad duration unit in {s:?}: use ms, s, m or h")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_file_is_all_defaults() {
        let c = Config::load(Path::new("/nonexistent/gauntlet.toml")).unwrap();
        assert!(c.fuzz.dir.is_none() && c.fuzz.time.is_none());
        assert_eq!(
            c.fuzz.monitor.stuck_after_secs,
            Thresholds::default().stuck_after_secs
        );
        assert!(c.coverage.min_line_coverage.is_empty());
        assert!(c.mutants.minimum_score.is_none());
    }

    #[test]
    fn every_section_is_read() {
        let c = Config::parse(
            "[fuzz]\ndir = \"fz\"\ntime = \"2m\"\n[fuzz.monitor]\nstuck_after_secs = 3\n\
             [coverage]\nmax_line_drop_points = 0.5\n[coverage.min_line_coverage]\n\"crates/*\" = 80\n\
             [compare]\nruns = 12\nthreshold_pct = 2.5\ninstructions_threshold_pct = 0.5\n[mutants]\nminimum_score = 75.5\n",
            "g.toml",
        )
        .unwrap();
        assert_eq!(c.fuzz.dir.as_deref(), Some(Path::new("fz")));
        assert_eq!(c.fuzz.time, Some(Duration::from_secs(120)));
        assert_eq!(c.fuzz.monitor.stuck_after_secs, 3);
        assert_eq!(c.coverage.max_line_drop_points, 0.5);
        assert_eq!(c.coverage.minimum("x", "crates/x"), Some(80.0));
        assert_eq!(c.compare.runs, Some(12));
        assert_eq!(c.compare.threshold_pct, Some(2.5));
        assert_eq!(c.compare.instructions_threshold_pct, Some(0.5));
        assert_eq!(c.mutants.minimum_score, Some(75.5));
    }

    #[test]
    fn a_package_minimum_replaces_the_global_one() {
        let c = Config::parse(
            "[mutants]\nminimum_score = 80\n[mutants.minimum_score_by_package]\na = 92.5\nb = 70\n",
            "g.toml",
        )
        .unwrap();
        assert_eq!(c.mutants.minimum_for("a"), Some(92.5));
        assert_eq!(
            c.mutants.minimum_for("b"),
            Some(70.0),
            "lower than the global one too"
        );
        assert_eq!(c.mutants.minimum_for("c"), Some(80.0));
        let only = Config::parse("[mutants.minimum_score_by_package]\na = 90\n", "g").unwrap();
        assert_eq!(only.mutants.minimum_for("a"), Some(90.0));
        assert_eq!(only.mutants.minimum_for("c"), None);
    }

    #[test]
    fn mistakes_name_the_file_and_the_section() {
        for (text, says) in [
            ("[fuzz]\ntme = \"1s\"\n", "unknown field"),
            ("[fuzz]\ntime = \"abc\"\n", "bad duration"),
            ("[fuzz.monitor]\nplateau_fraction = 2.0\n", "[fuzz.monitor]"),
            ("[coverage.min_line_coverage]\nx = 101\n", "[coverage]"),
            ("[compare]\nalpha = 1.5\n", "alpha"),
            (
                "[compare]\ninstructions_threshold_pct = -1\n",
                "instructions_threshold_pct",
            ),
            ("[mutants]\nminimum_score = 101\n", "[mutants]"),
            ("[mutants]\nminimum_score = -1\n", "minimum_score"),
            ("[mutants]\nminimum = 90\n", "unknown field"),
            (
                "[mutants.minimum_score_by_package]\nx = 100.5\n",
                "[mutants.minimum_score_by_package]: x = 100.5",
            ),
            (
                "[mutants.minimum_score_by_package]\nx = \"high\"\n",
                "invalid type",
            ),
        ] {
            let e = format!("{:#}", Config::parse(text, "g.toml").unwrap_err());
            assert!(
                e.contains("g.toml") && e.contains(says),
                "{text:?} gave {e}"
            );
        }
    }

    #[test]
    fn this_repositorys_own_file_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../gauntlet.toml");
        let c = Config::load(&path).unwrap();
        assert_eq!(
            c.coverage.minimum("retry-counter", "targets/retry-counter"),
            Some(90.0)
        );
    }
}
