//! `coverage/policy.toml` (format in `coverage/README.md`) and the verdicts it gives: per-crate
//! minimum line coverage, and the largest drop against the previous run.

pub use crate::config::Policy;
pub use gauntlet_records::coverage::{Failure, FileDelta};

use super::export::Counts;
use super::history::Entry;
use super::summary::CrateSummary;

/// Crates under their minimum, with the files that pull them down.
pub fn check_minimums(policy: &Policy, crates: &[CrateSummary]) -> Vec<Failure> {
    let mut out = Vec::new();
    for c in crates {
        let Some(minimum) = policy.minimum(&c.name, &c.dir) else {
            continue;
        };
        let percent = c.metrics.lines.counts().percent();
        if percent >= minimum {
            continue;
        }
        let mut files: Vec<FileDelta> = c
            .files
            .iter()
            .filter(|f| f.metrics.lines.counts().percent() < minimum)
            .map(|f| FileDelta {
                path: f.path.clone(),
                previous: None,
                percent: f.metrics.lines.counts().percent(),
                uncovered_lines: f.metrics.lines.count - f.metrics.lines.covered,
            })
            .collect();
        files.sort_by(|a, b| {
            b.uncovered_lines
                .cmp(&a.uncovered_lines)
                .then(a.path.cmp(&b.path))
        });
        out.push(Failure::BelowMinimum {
            crate_name: c.name.clone(),
            percent,
            minimum,
            files,
        });
    }
    out
}

/// Crates whose line coverage fell by more than the policy allows since the most recent earlier
/// run that measured them, with the files that lost coverage.
pub fn check_drops(policy: &Policy, history: &[Entry], crates: &[CrateSummary]) -> Vec<Failure> {
    let mut out = Vec::new();
    for c in crates {
        let Some((prev_entry, prev)) = history
            .iter()
            .rev()
            .find_map(|e| e.crates.get(&c.name).map(|p| (e, p)))
        else {
            continue;
        };
        let previous = prev.lines.percent();
        let current = c.metrics.lines.counts().percent();
        if previous - current <= policy.max_line_drop_points + 1e-9 {
            continue;
        }
        let mut files: Vec<FileDelta> = Vec::new();
        for (path, before) in &prev.files {
            let now = c
                .files
                .iter()
                .find(|f| &f.path == path)
                .map_or(Counts::default(), |f| f.metrics.lines.counts());
            if now.percent() < before.percent() {
                files.push(FileDelta {
                    path: path.clone(),
                    previous: Some(before.percent()),
                    percent: now.percent(),
                    uncovered_lines: now.count - now.covered,
                });
            }
        }
        for f in &c.files {
            let added = !prev.files.contains_key(&f.path);
            if added && f.metrics.lines.counts().percent() < previous {
                files.push(FileDelta {
                    path: f.path.clone(),
                    previous: None,
                    percent: f.metrics.lines.counts().percent(),
                    uncovered_lines: f.metrics.lines.count - f.metrics.lines.covered,
                });
            }
        }
        files.sort_by(|a, b| {
            let fall = |d: &FileDelta| d.previous.unwrap_or(100.0) - d.percent;
            fall(b).total_cmp(&fall(a)).then(a.path.cmp(&b.path))
        });
        out.push(Failure::Dropped {
            crate_name: c.name.clone(),
            previous,
            current,
            max_drop: policy.max_line_drop_points,
            previous_run: format!("{} ({})", prev_entry.run, prev_entry.date),
            files,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::summary::{FileSummary, Metrics};
    use super::*;
    use gauntlet_records::coverage::CrateEntry;

    fn metrics(covered: u64, count: u64) -> Metrics {
        let m = Counts::new(covered, count).into();
        Metrics {
            lines: m,
            regions: m,
            functions: m,
            branches: None,
        }
    }

    fn krate(name: &str, dir: &str, files: &[(&str, u64, u64)]) -> CrateSummary {
        let (cov, cnt) = files.iter().fold((0, 0), |(a, b), f| (a + f.1, b + f.2));
        CrateSummary {
            name: name.into(),
            dir: dir.into(),
            fuzz_replay: false,
            metrics: metrics(cov, cnt),
            files: files
                .iter()
                .map(|&(p, c, n)| FileSummary {
                    path: p.into(),
                    metrics: metrics(c, n),
                })
                .collect(),
        }
    }

    const POLICY: &str = "max_line_drop_points = 0.5\n[min_line_coverage]\n\"targets/*\" = 90.0\n\"special\" = 50\n\"tools/x\" = 10\n";

    #[test]
    fn the_most_specific_minimum_applies() {
        let p = Policy::parse(POLICY, "policy.toml").unwrap();
        assert_eq!(p.max_line_drop_points, 0.5);
        assert_eq!(p.minimum("rc", "targets/rc"), Some(90.0));
        assert_eq!(p.minimum("special", "targets/special"), Some(50.0));
        assert_eq!(p.minimum("x", "tools/x"), Some(10.0));
        assert_eq!(p.minimum("h", "harness"), None);
        assert_eq!(p.minimum("deep", "targets/a/deep"), None);
        let crates = [krate("rc", "targets/rc", &[])];
        assert_eq!(p.unmatched_keys(&crates), vec!["special", "tools/x"]);
        assert_eq!(Policy::parse("", "p").unwrap(), Policy::default());
    }

    #[test]
    fn bad_policies_are_refused_with_the_reason() {
        for (text, needle) in [
            ("[min_line_coverage]\nx = 101\n", "not a percentage"),
            ("[min_line_coverage]\nx = -1\n", "not a percentage"),
            ("max_line_drop_points = -2\n", ">= 0"),
            ("[min_line_coverage]\n\"a*b\" = 3\n", "must be a crate name"),
            (
                "min_line = 3\n",
                "policy (line 1): unknown field `min_line`",
            ),
            (
                "[min_line_coverage]\nx = \"high\"\n",
                "not a valid coverage policy",
            ),
        ] {
            let e = format!("{:#}", Policy::parse(text, "policy.toml").unwrap_err());
            assert!(e.contains(needle), "{text:?}: {e}");
            assert!(!e.contains('\n'), "one line: {e}");
        }
    }

    #[test]
    fn crates_under_their_minimum_name_their_weak_files() {
        let p = Policy::parse(POLICY, "p").unwrap();
        let crates = [
            krate(
                "rc",
                "targets/rc",
                &[("a.rs", 95, 100), ("b.rs", 10, 20), ("c.rs", 5, 10)],
            ),
            krate("ok", "targets/ok", &[("a.rs", 9, 10)]),
            krate("h", "harness", &[("a.rs", 0, 10)]),
        ];
        let f = check_minimums(&p, &crates);
        assert_eq!(f.len(), 1);
        let Failure::BelowMinimum {
            crate_name,
            files,
            minimum,
            ..
        } = &f[0]
        else {
            panic!()
        };
        assert_eq!((crate_name.as_str(), *minimum), ("rc", 90.0));
        let names: Vec<&str> = files.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(names, ["b.rs", "c.rs"]);
        let text = f[0].to_string();
        assert!(
            text.starts_with("rc: line coverage 84.62 % is below the minimum 90 %"),
            "{text}"
        );
        assert!(text.contains("b.rs (50.0 %, 10 lines uncovered)"), "{text}");
    }

    fn entry(run: &str, name: &str, files: &[(&str, u64, u64)]) -> Entry {
        let mut e = Entry {
            run: run.into(),
            date: "2026-01-01".into(),
            ..Entry::default()
        };
        let (cov, cnt) = files.iter().fold((0, 0), |(a, b), f| (a + f.1, b + f.2));
        e.crates.insert(
            name.into(),
            CrateEntry {
                lines: Counts::new(cov, cnt),
                files: files
                    .iter()
                    .map(|&(p, c, n)| (p.to_owned(), Counts::new(c, n)))
                    .collect(),
            },
        );
        e
    }

    #[test]
    fn a_drop_beyond_the_allowance_names_the_files_that_lost_lines() {
        let p = Policy::parse(POLICY, "p").unwrap();
        let history = [
            entry("old", "rc", &[("a.rs", 10, 10)]),
            entry(
                "prev",
                "rc",
                &[("a.rs", 90, 100), ("b.rs", 10, 10), ("gone.rs", 5, 5)],
            ),
            entry("other-crate", "zz", &[("z.rs", 0, 1)]),
        ];
        let now = [krate(
            "rc",
            "targets/rc",
            &[("a.rs", 90, 100), ("b.rs", 5, 10), ("new.rs", 0, 4)],
        )];
        let f = check_drops(&p, &history, &now);
        assert_eq!(f.len(), 1);
        let Failure::Dropped {
            previous,
            current,
            previous_run,
            files,
            ..
        } = &f[0]
        else {
            panic!()
        };
        assert!((previous - 91.304).abs() < 0.01 && (current - 83.33).abs() < 0.01);
        assert!(previous_run.starts_with("prev"));
        let names: Vec<&str> = files.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(names, ["gone.rs", "new.rs", "b.rs"]);
        assert!(
            f[0].to_string().contains("b.rs (100.0 % → 50.0 %)"),
            "{}",
            f[0]
        );

        // 105/115 → 109/120 is a 0.47-point fall: within the 0.5 allowed.
        let within = [krate(
            "rc",
            "targets/rc",
            &[
                ("a.rs", 90, 100),
                ("b.rs", 10, 10),
                ("gone.rs", 5, 5),
                ("new.rs", 4, 5),
            ],
        )];
        assert!(check_drops(&p, &history, &within).is_empty());
    }
}
