//! The merged picture: per-crate and per-file counts, and what only the fuzz corpora or only the
//! tests reach. This is what `summary.json` holds.

use std::collections::{BTreeMap, BTreeSet};

use super::export::{Counts, Export, LineHits, RegionKey};
pub use gauntlet_records::coverage::{
    CrateSummary, FileReach, FileSummary, Metric, Metrics, PolicyResult, Reach, Summary,
};

/// A measured crate: where it lives, and whether a fuzz replay test feeds it.
#[derive(Clone, Debug)]
pub struct CrateInfo {
    pub name: String,
    /// Absolute directory of the crate (no trailing slash).
    pub dir: String,
    /// The directory relative to the workspace root (`targets/retry-counter`).
    pub rel_dir: String,
    pub fuzz_replay: bool,
}

/// Build the per-crate summaries from the merged export. Files outside the crates are dropped.
pub fn crates(all: &Export, crates: &[CrateInfo], root: &str, branches: bool) -> Vec<CrateSummary> {
    let mut out: Vec<CrateSummary> = crates
        .iter()
        .map(|c| CrateSummary {
            name: c.name.clone(),
            dir: c.rel_dir.clone(),
            fuzz_replay: c.fuzz_replay,
            metrics: metrics(
                Counts::default(),
                Counts::default(),
                Counts::default(),
                None,
            ),
            files: Vec::new(),
        })
        .collect();
    let mut totals = vec![[Counts::default(); 4]; crates.len()];
    for f in &all.files {
        let Some(i) = owner(crates, &f.path) else {
            continue;
        };
        let t = &mut totals[i];
        t[0] += f.lines;
        t[1] += f.regions;
        t[2] += f.functions;
        t[3] += f.branches;
        out[i].files.push(FileSummary {
            path: relative(&f.path, root),
            metrics: metrics(
                f.lines,
                f.regions,
                f.functions,
                branches.then_some(f.branches),
            ),
        });
    }
    for (c, t) in out.iter_mut().zip(totals) {
        c.metrics = metrics(t[0], t[1], t[2], branches.then_some(t[3]));
        c.files.sort_by(|a, b| a.path.cmp(&b.path));
    }
    out
}

/// The workspace-wide totals of several crates.
pub fn totals(crates: &[CrateSummary]) -> Metrics {
    let mut t = [Counts::default(); 4];
    let mut any_branches = false;
    for c in crates {
        t[0] += c.metrics.lines.counts();
        t[1] += c.metrics.regions.counts();
        t[2] += c.metrics.functions.counts();
        if let Some(b) = c.metrics.branches {
            any_branches = true;
            t[3] += b.counts();
        }
    }
    metrics(t[0], t[1], t[2], any_branches.then_some(t[3]))
}

fn metrics(lines: Counts, regions: Counts, functions: Counts, branches: Option<Counts>) -> Metrics {
    Metrics {
        lines: lines.into(),
        regions: regions.into(),
        functions: functions.into(),
        branches: branches.map(Into::into),
    }
}

/// Index of the crate whose directory holds `path` (the deepest one when crates nest).
pub fn owner(crates: &[CrateInfo], path: &str) -> Option<usize> {
    crates
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            path.strip_prefix(c.dir.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
        })
        .max_by_key(|(_, c)| c.dir.len())
        .map(|(i, _)| i)
}

/// `path` relative to `root` when it lies inside it.
pub fn relative(path: &str, root: &str) -> String {
    path.strip_prefix(root)
        .and_then(|r| r.strip_prefix('/'))
        .unwrap_or(path)
        .to_owned()
}

/// One side of the comparison: line hits (from lcov) and region counts (from the JSON export).
pub struct Side<'a> {
    pub lines: &'a LineHits,
    pub regions: &'a BTreeMap<RegionKey, u64>,
}

/// Per crate with a fuzz replay: lines and regions that `side` reaches and `other` never does.
pub fn only_reached_by(side: &Side, other: &Side, crates: &[CrateInfo], root: &str) -> Vec<Reach> {
    let mut per_crate: BTreeMap<usize, BTreeMap<String, FileReach>> = BTreeMap::new();
    let fuzzed = |path: &str| owner(crates, path).filter(|&i| crates[i].fuzz_replay);
    for (path, hits) in side.lines {
        let Some(i) = fuzzed(path) else { continue };
        let theirs = other.lines.get(path);
        let lines: Vec<u64> = hits
            .iter()
            .filter(|&(line, &n)| {
                n > 0 && theirs.and_then(|t| t.get(line)).copied().unwrap_or(0) == 0
            })
            .map(|(&line, _)| line)
            .collect();
        if !lines.is_empty() {
            let entry = file_entry(&mut per_crate, i, path, root);
            entry.line_ranges = ranges(&lines);
            entry.lines = lines;
        }
    }
    for ((path, start, end), &n) in side.regions {
        let Some(i) = fuzzed(path) else { continue };
        let key = (path.clone(), *start, *end);
        if n > 0 && other.regions.get(&key).copied().unwrap_or(0) == 0 {
            file_entry(&mut per_crate, i, path, root)
                .regions
                .push([[start.0, start.1], [end.0, end.1]]);
        }
    }
    let mut out = Vec::new();
    for (i, c) in crates.iter().enumerate() {
        if !c.fuzz_replay {
            continue;
        }
        let files: Vec<FileReach> = per_crate
            .remove(&i)
            .unwrap_or_default()
            .into_values()
            .collect();
        out.push(Reach {
            crate_name: c.name.clone(),
            lines: files.iter().map(|f| f.lines.len() as u64).sum(),
            regions: files.iter().map(|f| f.regions.len() as u64).sum(),
            files,
        });
    }
    out
}

fn file_entry<'a>(
    per_crate: &'a mut BTreeMap<usize, BTreeMap<String, FileReach>>,
    i: usize,
    path: &str,
    root: &str,
) -> &'a mut FileReach {
    let rel = relative(path, root);
    per_crate
        .entry(i)
        .or_default()
        .entry(rel.clone())
        .or_insert_with(|| FileReach {
            path: rel,
            ..FileReach::default()
        })
}

/// `[3, 4, 5, 9]` → `3-5, 9`.
pub fn ranges(lines: &[u64]) -> String {
    let set: BTreeSet<u64> = lines.iter().copied().collect();
    let mut parts = Vec::new();
    let mut it = set.into_iter().peekable();
    while let Some(start) = it.next() {
        let mut end = start;
        while it.peek() == Some(&(end + 1)) {
            end += 1;
            it.next();
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::super::export::FileCounts;
    use super::*;

    fn info(name: &str, rel: &str, fuzz: bool) -> CrateInfo {
        CrateInfo {
            name: name.into(),
            dir: format!("/w/{rel}"),
            rel_dir: rel.into(),
            fuzz_replay: fuzz,
        }
    }

    fn file(path: &str, lines: (u64, u64)) -> FileCounts {
        FileCounts {
            path: path.into(),
            lines: Counts::new(lines.0, lines.1),
            regions: Counts::new(1, 2),
            functions: Counts::new(1, 1),
            branches: Counts::new(0, 0),
        }
    }

    #[test]
    fn files_go_to_the_deepest_crate_and_strays_are_dropped() {
        let cs = [
            info("a", "a", true),
            info("inner", "a/inner", false),
            info("ab", "ab", false),
        ];
        let export = Export {
            files: vec![
                file("/w/a/src/lib.rs", (3, 4)),
                file("/w/a/inner/src/lib.rs", (1, 1)),
                file("/w/ab/src/lib.rs", (0, 5)),
                file("/elsewhere/x.rs", (9, 9)),
            ],
            regions: BTreeMap::new(),
        };
        let s = crates(&export, &cs, "/w", false);
        assert_eq!(s[0].files.len(), 1);
        assert_eq!(s[0].files[0].path, "a/src/lib.rs");
        assert_eq!(
            s[0].metrics.lines,
            Metric {
                covered: 3,
                count: 4,
                percent: 75.0
            }
        );
        assert_eq!(s[1].metrics.lines.covered, 1);
        assert_eq!(s[2].metrics.lines.percent, 0.0);
        assert!(s[0].metrics.branches.is_none());
        let t = totals(&s);
        assert_eq!((t.lines.covered, t.lines.count), (4, 10));
        assert_eq!((t.regions.covered, t.regions.count), (3, 6));
        let with_branches = crates(&export, &cs, "/w", true);
        assert_eq!(with_branches[0].metrics.branches.map(|b| b.count), Some(0));
    }

    #[test]
    fn only_reached_compares_lines_and_regions_of_fuzzed_crates() {
        let cs = [info("a", "a", true), info("b", "b", false)];
        let fuzz_lines = LineHits::from([
            (
                "/w/a/src/lib.rs".into(),
                BTreeMap::from([(1, 2), (2, 1), (3, 1), (5, 1), (6, 0)]),
            ),
            ("/w/b/src/lib.rs".into(), BTreeMap::from([(1, 1)])),
        ]);
        let test_lines = LineHits::from([(
            "/w/a/src/lib.rs".into(),
            BTreeMap::from([(1, 4), (2, 0), (6, 3), (7, 1)]),
        )]);
        let r = |l: u64| ("/w/a/src/lib.rs".to_owned(), (l, 1), (l, 9));
        let fuzz_regions = BTreeMap::from([(r(1), 1), (r(2), 5), (r(6), 0)]);
        let test_regions = BTreeMap::from([(r(1), 1), (r(2), 0), (r(6), 2)]);
        let fuzz = Side {
            lines: &fuzz_lines,
            regions: &fuzz_regions,
        };
        let tests = Side {
            lines: &test_lines,
            regions: &test_regions,
        };
        let only_fuzz = only_reached_by(&fuzz, &tests, &cs, "/w");
        assert_eq!(only_fuzz.len(), 1, "crate b has no fuzz replay");
        assert_eq!(only_fuzz[0].crate_name, "a");
        assert_eq!(only_fuzz[0].files[0].lines, vec![2, 3, 5]);
        assert_eq!(only_fuzz[0].files[0].line_ranges, "2-3, 5");
        assert_eq!(only_fuzz[0].files[0].regions, vec![[[2, 1], [2, 9]]]);
        assert_eq!((only_fuzz[0].lines, only_fuzz[0].regions), (3, 1));
        let only_tests = only_reached_by(&tests, &fuzz, &cs, "/w");
        assert_eq!(only_tests[0].files[0].lines, vec![6, 7]);
        assert_eq!(only_tests[0].files[0].regions, vec![[[6, 1], [6, 9]]]);
    }

    #[test]
    fn ranges_are_compact() {
        assert_eq!(ranges(&[9, 3, 4, 5, 11, 12]), "3-5, 9, 11-12");
        assert_eq!(ranges(&[]), "");
        assert_eq!(ranges(&[7]), "7");
    }
}
