//! The run's `index.html` (`templates/report/coverage.html`): verdict, trend plot, per-crate and
//! per-file tables, and what only the fuzz corpora or only the tests reach. Line-by-line source
//! views are llvm-cov's, under `html/`.

use serde::Serialize;

use super::summary::{Metric, Reach, Summary};
use crate::plot;

#[derive(Serialize)]
struct Pct {
    percent: String,
    of: String,
}

fn pct(m: &Metric) -> Pct {
    Pct {
        percent: format!("{:.1} %", m.percent),
        of: format!("({}/{})", m.covered, m.count),
    }
}

#[derive(Serialize)]
struct Row {
    name: String,
    href: String,
    lines: Pct,
    regions: Pct,
    functions: Pct,
    branches: Option<Pct>,
}

#[derive(Serialize)]
struct CrateView {
    row: Row,
    dir: String,
    minimum: String,
    low: bool,
    fuzz_replay: bool,
    files: Vec<Row>,
}

#[derive(Serialize)]
struct ReachView {
    title: &'static str,
    what: &'static str,
    crates: Vec<ReachCrate>,
}

#[derive(Serialize)]
struct ReachCrate {
    name: String,
    lines: u64,
    regions: u64,
    files: Vec<(String, usize, usize, String)>,
}

fn reach(title: &'static str, what: &'static str, rows: &[Reach]) -> ReachView {
    ReachView {
        title,
        what,
        crates: rows
            .iter()
            .map(|r| ReachCrate {
                name: r.crate_name.clone(),
                lines: r.lines,
                regions: r.regions,
                files: r
                    .files
                    .iter()
                    .map(|f| {
                        (
                            f.path.clone(),
                            f.lines.len(),
                            f.regions.len(),
                            f.line_ranges.clone(),
                        )
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Render the page. `root` is the absolute workspace root (llvm-cov names its per-file pages after
/// absolute paths); `trend` is one series per crate of (run number, line %).
pub fn page(s: &Summary, root: &str, trend: &[(String, Vec<(f64, f64)>)]) -> String {
    let crates: Vec<CrateView> = s
        .crates
        .iter()
        .map(|c| {
            let min = s.policy.minimums.get(&c.name).copied();
            CrateView {
                row: Row {
                    name: c.name.clone(),
                    href: format!("#crate-{}", c.name),
                    lines: pct(&c.metrics.lines),
                    regions: pct(&c.metrics.regions),
                    functions: pct(&c.metrics.functions),
                    branches: c.metrics.branches.as_ref().map(pct),
                },
                dir: c.dir.clone(),
                minimum: min.map_or("–".to_owned(), |m| format!("{m} %")),
                low: min.is_some_and(|m| c.metrics.lines.percent < m),
                fuzz_replay: c.fuzz_replay,
                files: c
                    .files
                    .iter()
                    .map(|f| Row {
                        name: f.path.clone(),
                        href: format!("html/coverage{root}/{}.html", f.path),
                        lines: pct(&f.metrics.lines),
                        regions: pct(&f.metrics.regions),
                        functions: pct(&f.metrics.functions),
                        branches: f.metrics.branches.as_ref().map(pct),
                    })
                    .collect(),
            }
        })
        .collect();
    plot::render(
        "coverage.html",
        minijinja::context! {
            title => format!("coverage {}", s.run),
            s => plot::value(s),
            secs => format!("{:.0}", s.elapsed_s),
            passed => s.policy.verdict == gauntlet_records::Verdict::Pass,
            failures => s.policy.failures.iter().map(ToString::to_string).collect::<Vec<_>>(),
            trend => plot::safe(plot::coverage_trend(trend)),
            branches => s.totals.branches.is_some(),
            crates => plot::value(&crates),
            totals => plot::value(Row {
                name: "all".to_owned(),
                href: String::new(),
                lines: pct(&s.totals.lines),
                regions: pct(&s.totals.regions),
                functions: pct(&s.totals.functions),
                branches: s.totals.branches.as_ref().map(pct),
            }),
            reaches => plot::value([
                reach(
                    "Reached only by the fuzz corpora",
                    "where fuzzing earns its keep: no other test executes these",
                    &s.fuzz_only,
                ),
                reach(
                    "Reached only by the tests",
                    "where the fuzz corpora are blind: only unit, property, CLI or doc tests execute these",
                    &s.tests_only,
                ),
            ]),
        },
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::export::Counts;
    use super::super::policy::Failure;
    use super::super::summary::{CrateSummary, FileReach, FileSummary, Metrics, PolicyResult};
    use super::*;
    use gauntlet_records::Verdict;

    fn summary(failures: Vec<Failure>) -> Summary {
        let m: Metric = Counts::new(9, 10).into();
        let metrics = Metrics {
            lines: m,
            regions: m,
            functions: m,
            branches: None,
        };
        Summary {
            schema: 1,
            run: "2026-01-02-abc".into(),
            date: "2026-01-02".into(),
            unix_time: 0,
            commit: "abc".into(),
            toolchain: "rustc 1.95".into(),
            packages: vec!["a<b".into()],
            suites: vec!["tests".into()],
            failed_suites: Vec::new(),
            elapsed_s: 12.0,
            phases_s: BTreeMap::new(),
            totals: metrics.clone(),
            crates: vec![CrateSummary {
                name: "a<b".into(),
                dir: "targets/a".into(),
                fuzz_replay: true,
                metrics: metrics.clone(),
                files: vec![FileSummary {
                    path: "targets/a/src/lib.rs".into(),
                    metrics,
                }],
            }],
            fuzz_only: vec![Reach {
                crate_name: "a<b".into(),
                lines: 2,
                regions: 1,
                files: vec![FileReach {
                    path: "targets/a/src/lib.rs".into(),
                    lines: vec![3, 4],
                    line_ranges: "3-4".into(),
                    regions: vec![[[3, 1], [4, 2]]],
                }],
            }],
            tests_only: Vec::new(),
            policy: PolicyResult {
                verdict: if failures.is_empty() {
                    Verdict::Pass
                } else {
                    Verdict::Fail
                },
                minimums: BTreeMap::from([("a<b".to_owned(), 95.0)]),
                max_line_drop_points: 1.0,
                failures,
            },
        }
    }

    #[test]
    fn page_links_files_escapes_names_and_shows_the_trend_and_verdict() {
        let trend = vec![("a<b".to_owned(), vec![(1.0, 80.0), (2.0, 90.0)])];
        let h = page(&summary(Vec::new()), "/w", &trend);
        assert!(h.contains("a&lt;b") && !h.contains("a<b"));
        // minijinja escapes `/` too; a browser reads `&#x2f;` as `/`.
        assert!(
            h.replace("&#x2f;", "/")
                .contains("href=\"html/coverage/w/targets/a/src/lib.rs.html\""),
            "{h}"
        );
        assert!(h.contains("<svg") && h.contains("<polyline"));
        assert!(!h.contains("one run so far"));
        assert!(h.contains("class=\"pass\""));
        assert!(
            h.contains("class=\"low\""),
            "90 % is under the 95 % minimum"
        );
        assert!(h.contains("<code>3-4</code>"));
        assert!(h.contains("nothing is compared"), "tests_only is empty");

        let failed = summary(vec![Failure::BelowMinimum {
            crate_name: "a<b".into(),
            percent: 90.0,
            minimum: 95.0,
            files: Vec::new(),
        }]);
        let h = page(&failed, "/w", &[]);
        assert!(h.contains("Policy failed") && h.contains("below the minimum 95 %"));
        assert!(!h.contains("Tests failed"));
        let mut broken = summary(Vec::new());
        broken.failed_suites = vec!["doc tests".into()];
        assert!(page(&broken, "/w", &[]).contains("Tests failed in: doc tests."));
        assert!(!h.contains("<svg"), "no history, no plot");
        let first = page(
            &summary(Vec::new()),
            "/w",
            &[("a<b".to_owned(), vec![(1.0, 90.0)])],
        );
        assert!(
            first.contains("one run so far") && first.contains("<circle"),
            "{first}"
        );
    }
}
