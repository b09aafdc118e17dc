//! The run's `index.html`: verdict, trend plot, per-crate and per-file tables, and what only the
//! fuzz corpora or only the tests reach. Line-by-line source views are llvm-cov's, under `html/`.

use std::fmt::Write;

use super::summary::{Metric, Reach, Summary};
use crate::svg::{esc, line_chart};

/// Render the page. `root` is the absolute workspace root (llvm-cov names its per-file pages after
/// absolute paths); `trend` is one series per crate of (run number, line %).
pub fn page(s: &Summary, root: &str, trend: &[(String, Vec<(f64, f64)>)]) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>coverage {run}</title><style>{CSS}</style></head><body><h1>Coverage {run}</h1>\
         <p class=meta>{date} · commit {commit} · {toolchain} · {secs:.0} s · packages: {packages} · ran: {suites} · \
         <a href=\"html/index.html\">line-by-line source view</a> · <a href=\"lcov.info\">lcov.info</a> · <a href=\"summary.json\">summary.json</a></p>",
        run = esc(&s.run),
        date = esc(&s.date),
        commit = esc(&s.commit),
        toolchain = esc(&s.toolchain),
        secs = s.elapsed_s,
        packages = esc(&s.packages.join(", ")),
        suites = esc(&s.suites.join(", ")),
    );
    verdict(&mut h, s);
    if trend.iter().any(|(_, pts)| !pts.is_empty()) {
        h.push_str("<h2>Trend</h2>");
        h.push_str(&line_chart(
            "line coverage per crate",
            "run",
            "line %",
            trend,
        ));
    }
    crates(&mut h, s, root);
    reach(
        &mut h,
        "Reached only by the fuzz corpora",
        "where fuzzing earns its keep: no other test executes these",
        &s.fuzz_only,
    );
    reach(
        &mut h,
        "Reached only by the tests",
        "where the fuzz corpora are blind: only unit, property, CLI or doc tests execute these",
        &s.tests_only,
    );
    h.push_str("</body></html>\n");
    h
}

const CSS: &str = "body{font:14px system-ui,sans-serif;margin:2em;max-width:72em}table{border-collapse:collapse;margin:.5em 0}\
td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}\
.meta{color:#555}.fail{color:#b00020}.pass{color:#1a7f37}.low{background:#fde7e9}code{font-size:12px}";

fn verdict(h: &mut String, s: &Summary) {
    if !s.failed_suites.is_empty() {
        let _ = write!(
            h,
            "<p class=fail>Tests failed in: {}. Their coverage is incomplete, and this run is not in the history.</p>",
            esc(&s.failed_suites.join(", "))
        );
    }
    if s.policy.verdict == gauntlet_records::Verdict::Pass {
        let _ = write!(
            h,
            "<p class=pass>Policy passed: every crate meets its minimum and none fell more than {} points.</p>",
            s.policy.max_line_drop_points
        );
        return;
    }
    h.push_str("<p class=fail>Policy failed:</p><ul class=fail>");
    for f in &s.policy.failures {
        let _ = write!(h, "<li>{}</li>", esc(&f.to_string()));
    }
    h.push_str("</ul>");
}

fn pct(m: &Metric) -> String {
    format!(
        "{:.1} % <small>({}/{})</small>",
        m.percent, m.covered, m.count
    )
}

fn crates(h: &mut String, s: &Summary, root: &str) {
    let branches = s.totals.branches.is_some();
    let branch_th = if branches { "<th>branches</th>" } else { "" };
    let _ = write!(
        h,
        "<h2>Crates</h2><table><tr><th>crate</th><th>lines</th><th>minimum</th><th>regions</th><th>functions</th>{branch_th}<th>fuzz replay</th></tr>"
    );
    for c in &s.crates {
        let min = s.policy.minimums.get(&c.name);
        let low = min.is_some_and(|m| c.metrics.lines.percent < *m);
        let _ = write!(
            h,
            "<tr{}><td><a href=\"#crate-{name}\">{name}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}<td>{}</td></tr>",
            if low { " class=low" } else { "" },
            pct(&c.metrics.lines),
            min.map_or("–".to_owned(), |m| format!("{m} %")),
            pct(&c.metrics.regions),
            pct(&c.metrics.functions),
            c.metrics
                .branches
                .map_or(String::new(), |b| format!("<td>{}</td>", pct(&b))),
            if c.fuzz_replay { "yes" } else { "no" },
            name = esc(&c.name),
        );
    }
    let _ = write!(
        h,
        "<tr><th>all</th><th>{}</th><th></th><th>{}</th><th>{}</th>{}<th></th></tr></table>",
        pct(&s.totals.lines),
        pct(&s.totals.regions),
        pct(&s.totals.functions),
        s.totals
            .branches
            .map_or(String::new(), |b| format!("<th>{}</th>", pct(&b))),
    );
    for c in &s.crates {
        let _ = write!(
            h,
            "<h3 id=\"crate-{0}\">{0} <small>({1})</small></h3><table><tr><th>file</th><th>lines</th><th>regions</th><th>functions</th>{branch_th}</tr>",
            esc(&c.name),
            esc(&c.dir)
        );
        for f in &c.files {
            let _ = write!(
                h,
                "<tr><td><a href=\"html/coverage{}/{}.html\">{}</a></td><td>{}</td><td>{}</td><td>{}</td>{}</tr>",
                esc(root),
                esc(&f.path),
                esc(&f.path),
                pct(&f.metrics.lines),
                pct(&f.metrics.regions),
                pct(&f.metrics.functions),
                f.metrics
                    .branches
                    .map_or(String::new(), |b| format!("<td>{}</td>", pct(&b))),
            );
        }
        h.push_str("</table>");
    }
}

fn reach(h: &mut String, title: &str, what: &str, rows: &[Reach]) {
    let _ = write!(h, "<h2>{}</h2><p class=meta>{}.</p>", esc(title), esc(what));
    if rows.is_empty() {
        h.push_str("<p>No fuzz corpus reached any crate in this run (no inputs under <code>fuzz/corpus/&lt;target&gt;/</code> and no <code>tests/fuzz_replay.rs</code>), so nothing is compared.</p>");
        return;
    }
    h.push_str(
        "<table><tr><th>crate / file</th><th>lines</th><th>regions</th><th>line numbers</th></tr>",
    );
    for r in rows {
        let _ = write!(
            h,
            "<tr><th>{}</th><th>{}</th><th>{}</th><th></th></tr>",
            esc(&r.crate_name),
            r.lines,
            r.regions
        );
        for f in &r.files {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                esc(&f.path),
                f.lines.len(),
                f.regions.len(),
                esc(&f.line_ranges)
            );
        }
    }
    h.push_str("</table>");
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
        assert!(h.contains("href=\"html/coverage/w/targets/a/src/lib.rs.html\""));
        assert!(h.contains("<svg") && h.contains("<polyline"));
        assert!(h.contains("class=pass"));
        assert!(h.contains("class=low"), "90 % is under the 95 % minimum");
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
    }
}
