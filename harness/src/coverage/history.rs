//! `target/gauntlet/coverage/history.jsonl`: one JSON line per run, the per-crate and per-file line
//! counts that the next run compares against and the trend plot draws.

use std::collections::BTreeMap;

pub use gauntlet_records::coverage::Entry;

/// Parse a history file; lines that do not parse are skipped and reported as warnings (the history
/// is a record, and one damaged line must not stop every later run).
pub fn parse(text: &str) -> (Vec<Entry>, Vec<String>) {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(line) {
            Ok(e) => entries.push(e),
            Err(e) => warnings.push(format!("history line {} skipped: {e}", i + 1)),
        }
    }
    (entries, warnings)
}

/// One JSON line (with its newline) for the history file.
pub fn line(entry: &Entry) -> String {
    let mut s = serde_json::to_string(entry).unwrap_or_default();
    s.push('\n');
    s
}

/// Per crate, its line coverage over the runs that measured it: (run number from 1, percent).
pub fn trend(entries: &[Entry]) -> Vec<(String, Vec<(f64, f64)>)> {
    let mut series: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        for (name, c) in &e.crates {
            series
                .entry(name)
                .or_default()
                .push(((i + 1) as f64, c.lines.percent()));
        }
    }
    series.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gauntlet_records::coverage::{Counts, CrateEntry};

    fn entry(run: &str, crates: &[(&str, u64, u64)]) -> Entry {
        Entry {
            run: run.into(),
            crates: crates
                .iter()
                .map(|&(n, c, t)| {
                    (
                        n.to_owned(),
                        CrateEntry {
                            lines: Counts::new(c, t),
                            files: BTreeMap::from([("a.rs".to_owned(), Counts::new(c, t))]),
                        },
                    )
                })
                .collect(),
            ..Entry::default()
        }
    }

    #[test]
    fn lines_round_trip_and_damaged_lines_are_skipped_with_a_warning() {
        let a = entry("r1", &[("x", 1, 2)]);
        let b = entry("r2", &[("x", 2, 2), ("y", 0, 4)]);
        let text = format!("{}not json\n\n{}", line(&a), line(&b));
        let (entries, warnings) = parse(&text);
        assert_eq!(entries, vec![a, b]);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("history line 2 skipped"),
            "{warnings:?}"
        );
    }

    #[test]
    fn trend_has_one_series_per_crate_over_the_runs_that_measured_it() {
        let runs = [
            entry("r1", &[("x", 1, 2)]),
            entry("r2", &[("y", 1, 4)]),
            entry("r3", &[("x", 2, 2), ("y", 2, 4)]),
        ];
        let t = trend(&runs);
        assert_eq!(
            t,
            vec![
                ("x".to_owned(), vec![(1.0, 50.0), (3.0, 100.0)]),
                ("y".to_owned(), vec![(2.0, 25.0), (3.0, 50.0)]),
            ]
        );
    }
}
