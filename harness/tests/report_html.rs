//! `cargo gauntlet report` over fixed records: `tests/data/report/gauntlet/` is a
//! `target/gauntlet/` with a 12-target fuzz run, a coverage run with two history lines, 20 benches
//! in 3 crates (one id with markup in it), a comparison and a mutation run (a survivor with
//! markup in it). The test copies it into a scratch
//! `CARGO_TARGET_DIR`, runs the binary and checks the page's structure: every section, one
//! `<svg>` per chart, tick labels on the axes, every key outside its plot frame, data escaped.
//!
//! The fixtures are built by the ignored test at the end:
//! `cargo test -p cargo-gauntlet --test report_html -- --ignored regenerate_fixtures`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/report")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// A scratch target dir holding the fixtures; `history` replaces `coverage/history.jsonl`.
fn target_dir(name: &str, history: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("gauntlet-report-{name}-"))
        .tempdir()
        .unwrap();
    copy_tree(&fixtures().join("gauntlet"), &dir.path().join("gauntlet"));
    if let Some(h) = history {
        std::fs::write(dir.path().join("gauntlet/coverage/history.jsonl"), h).unwrap();
    }
    dir
}

/// Run `cargo gauntlet report --out …` with the scratch target dir; the page's text.
fn report(target: &Path) -> String {
    let out = target.join("report.html");
    let run = Command::new(env!("CARGO_BIN_EXE_cargo-gauntlet"))
        .args(["report", "--out"])
        .arg(&out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CARGO_TARGET_DIR", target)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read_to_string(out).unwrap()
}

/// Every `<svg …>…</svg>` of the page.
fn svgs(html: &str) -> Vec<&str> {
    html.match_indices("<svg")
        .map(|(i, _)| {
            let end = html[i..].find("</svg>").unwrap() + i + "</svg>".len();
            &html[i..end]
        })
        .collect()
}

/// The value of attribute `name` in the first tag of `tag` (text starting at `<…`).
fn attr(tag: &str, name: &str) -> f64 {
    let key = format!(" {name}=\"");
    let start = tag
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {tag}"))
        + key.len();
    let end = tag[start..].find('"').unwrap() + start;
    tag[start..end].parse().unwrap()
}

fn title(svg: &str) -> &str {
    let start = svg.find("<title>").unwrap() + "<title>".len();
    &svg[start..start + svg[start..].find("</title>").unwrap()]
}

/// The chart's frame and every key entry: each key text lies outside the frame.
fn check_chart(svg: &str) {
    let name = title(svg);
    let frame = &svg[svg.find("<rect class=\"frame\"").expect("a frame")..];
    let (x, y, w, h) = (
        attr(frame, "x"),
        attr(frame, "y"),
        attr(frame, "width"),
        attr(frame, "height"),
    );
    assert!(
        w > 200.0 && h >= 40.0,
        "{name}: a frame of {w}×{h} is too small"
    );
    assert!(
        svg.contains("class=\"tick\""),
        "{name}: no tick labels on any axis"
    );
    assert!(
        svg.contains("class=\"axis-label\""),
        "{name}: no axis title"
    );
    for axis in ["x-axis", "y-axis"] {
        let start = svg.find(&format!("<g class=\"{axis}\"")).unwrap();
        let group = &svg[start..start + svg[start..].find("</g>").unwrap()];
        let labels: Vec<&str> = group
            .match_indices("<text class=\"tick\"")
            .map(|(i, _)| {
                let from = group[i..].find('>').unwrap() + i + 1;
                &group[from..from + group[from..].find("</text>").unwrap()]
            })
            .collect();
        let mut unique = labels.clone();
        unique.dedup();
        assert_eq!(unique, labels, "{name}: {axis} labels repeat");
    }
    for (i, _) in svg.match_indices("<text class=\"key-text\"") {
        let (kx, ky) = (attr(&svg[i..], "x"), attr(&svg[i..], "y"));
        let inside = kx > x && kx < x + w && ky > y && ky < y + h;
        assert!(!inside, "{name}: key at ({kx}, {ky}) inside the frame");
    }
    assert!(
        !svg.contains("NaN") && !svg.contains("inf"),
        "{name}: {svg}"
    );
}

/// The texts of a chart's key.
fn key_texts(svg: &str) -> Vec<&str> {
    svg.match_indices("<text class=\"key-text\"")
        .map(|(i, _)| {
            let start = svg[i..].find('>').unwrap() + i + 1;
            &svg[start..start + svg[start..].find("</text>").unwrap()]
        })
        .collect()
}

fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<h2 id=\"{id}\""))
        .or_else(|| html.find(&format!("<h2>{id}")))
        .unwrap_or_else(|| panic!("no section {id}"));
    let end = html[start + 4..]
        .find("<h2")
        .map_or(html.len(), |e| e + start + 4);
    &html[start..end]
}

#[test]
fn the_report_of_fixed_records_has_every_section_and_readable_charts() {
    let dir = target_dir("full", None);
    let html = report(dir.path());

    let fuzz = section(&html, "fuzz");
    assert_eq!(fuzz.matches("<tr>").count(), 1 + 12, "a row per target");
    assert_eq!(svgs(fuzz).len(), 12, "one coverage chart per target");
    assert!(fuzz.contains("CRASH") && fuzz.contains("STUCK"));
    // Non-differential targets have no oracle counts: a dash, not "0 inputs compared".
    assert!(fuzz.contains("<td>–</td>") && !fuzz.contains(">0 of 0"));
    assert!(
        fuzz.contains(" of "),
        "differential targets show compared of all inputs"
    );

    let coverage = section(&html, "coverage");
    let trend = svgs(coverage);
    assert_eq!(trend.len(), 1, "one trend chart");
    assert_eq!(trend[0].matches("<polyline").count(), 5, "a line per crate");
    assert!(!coverage.contains("one run so far"));

    let bench = section(&html, "bench");
    assert_eq!(svgs(bench).len(), 3, "one chart per crate");
    assert_eq!(bench.matches("<div class=\"scroll\"><table>").count(), 3);
    assert!(bench.contains("<th>samples</th>"));
    for chart in svgs(bench) {
        assert_eq!(
            key_texts(chart),
            ["p50", "p90", "p99", "p99.9", "max"],
            "{}: a key for every statistic",
            title(chart)
        );
    }

    let comparison = section(&html, "Bench comparison");
    assert!(comparison.contains("<b>Fail</b>: 1 regression"));
    assert_eq!(
        svgs(comparison).len(),
        2 * 4,
        "curves and 3 run charts per bench"
    );
    assert!(comparison.contains("median base → head") && comparison.contains("CI of the change"));
    assert!(comparison.contains("samples base / head"));

    let mutants = section(&html, "mutants");
    assert!(mutants.contains("<tr class=\"low\"><td>header-parser</td><td>16</td><td>1</td><td>1</td><td>3</td><td>88.9 %</td><td>90 %</td></tr>"), "{mutants}");
    assert!(mutants.contains("<td>retry-counter</td>") && mutants.contains("100.0 %"));
    assert!(
        mutants.contains("<td>100.0 %</td><td>95 %</td>"),
        "its own minimum: {mutants}"
    );
    assert!(mutants.contains("global minimum score 90 %") && mutants.contains("shard 0 of 4"));
    assert!(mutants.contains("targets&#x2f;header-parser&#x2f;src&#x2f;lib.rs:77 — replace &lt; with &lt;= in parse (timeout)"), "{mutants}");
    assert_eq!(mutants.matches("<li>").count(), 2, "the two survivors");

    for svg in svgs(&html) {
        check_chart(svg);
    }
    // Every table scrolls instead of overflowing the page.
    assert_eq!(
        html.matches("<table>").count(),
        html.matches("<div class=\"scroll\"><table>").count()
    );
    // A bench id or a mutant with markup in it is text, everywhere.
    assert!(!html.contains("<b>bold</b>") && html.contains("&lt;b&gt;bold&lt;&#x2f;b&gt;"));
    assert!(!html.contains("<b>Header</b>") && html.contains("&lt;b&gt;Header&lt;&#x2f;b&gt;"));
    assert!(!html.contains("<script"));
}

#[test]
fn a_first_coverage_run_shows_its_points_not_an_empty_frame() {
    let history =
        std::fs::read_to_string(fixtures().join("gauntlet/coverage/history.jsonl")).unwrap();
    let first = history.lines().next().unwrap().to_owned() + "\n";
    let dir = target_dir("first", Some(&first));
    let html = report(dir.path());
    let coverage = section(&html, "coverage");
    let trend = svgs(coverage);
    assert_eq!(trend.len(), 1);
    assert!(trend[0].contains("one run so far"));
    assert_eq!(
        trend[0].matches("<circle").count(),
        5 * 2,
        "a point per crate, and its key"
    );
    check_chart(trend[0]);
}

/// Writes `tests/data/report/gauntlet/` from the records built below.
#[test]
#[ignore = "regenerates the committed fixtures"]
fn regenerate_fixtures() {
    fixture::write(&fixtures().join("gauntlet"));
}

mod fixture {
    use std::collections::BTreeMap;
    use std::path::Path;

    use gauntlet_records::Finding;
    use gauntlet_records::Verdict;
    use gauntlet_records::bench::{BenchRecord, Meta, Percentiles, SCHEMA};
    use gauntlet_records::compare::{
        BenchComparison, Change, Comparison, Policy, SideInfo, StatComparison,
    };
    use gauntlet_records::coverage::{
        Counts, CrateEntry, CrateSummary, Entry, Failure, FileSummary, Metric, Metrics,
        PolicyResult, Reach, Summary,
    };
    use gauntlet_records::fuzz::{Event, Kind, RunSummary, TargetRun};
    use gauntlet_records::mutants::{Escape, MutantsRun, PackageScore, Survivor};

    fn json(path: &Path, v: &impl serde::Serialize) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, serde_json::to_string_pretty(v).unwrap() + "\n").unwrap();
    }

    pub fn write(g: &Path) {
        let _ = std::fs::remove_dir_all(g);
        // One line: 12 targets' status lines are long, and nobody reads them here.
        std::fs::create_dir_all(g.join("fuzz")).unwrap();
        std::fs::write(
            g.join("fuzz/latest.json"),
            serde_json::to_string(&fuzz()).unwrap() + "\n",
        )
        .unwrap();
        let (summary, history) = coverage();
        json(
            &g.join(format!("coverage/{}/summary.json", summary.run)),
            &summary,
        );
        let lines: String = history
            .iter()
            .map(|e| serde_json::to_string(e).unwrap() + "\n")
            .collect();
        std::fs::write(g.join("coverage/history.jsonl"), lines).unwrap();
        for r in benches() {
            json(
                &g.join("bench")
                    .join(gauntlet_records::bench::file_name(&r.id)),
                &r,
            );
        }
        json(&g.join("compare/latest.json"), &comparison());
        json(&g.join("mutants/latest.json"), &mutants());
    }

    /// One package under the minimum with a missed mutant (with markup in its description) and a
    /// timed-out one; one package above it.
    fn mutants() -> MutantsRun {
        let survivor = |line, description: &str, escape| Survivor {
            file: "targets/header-parser/src/lib.rs".to_owned(),
            line,
            column: 9,
            function: Some("parse".to_owned()),
            replacement: "Ok(Default::default())".to_owned(),
            description: description.to_owned(),
            genre: Some("FnValue".to_owned()),
            escape,
        };
        MutantsRun {
            schema: gauntlet_records::mutants::SCHEMA.to_owned(),
            run: "2026-12-07-0123456789ab-shard-0-of-4".to_owned(),
            date: "2026-12-07T02:00:00Z".to_owned(),
            commit: "0123456789ab".to_owned(),
            tool: "cargo-mutants 27.1.0".to_owned(),
            shard: Some((0, 4)),
            args: vec![],
            merged_shards: vec![],
            elapsed_s: 321.0,
            minimum: Some(90.0),
            packages: vec![
                PackageScore {
                    name: "header-parser".to_owned(),
                    caught: 16,
                    missed: 1,
                    timeout: 1,
                    unviable: 3,
                    score_percent: 88.89,
                    minimum: Some(90.0),
                    survivors: vec![
                        survivor(
                            41,
                            "replace parse -> Result<Vec<<b>Header</b>>> with Ok(vec![])",
                            Escape::Missed,
                        ),
                        survivor(77, "replace < with <= in parse", Escape::Timeout),
                    ],
                },
                PackageScore {
                    name: "retry-counter".to_owned(),
                    caught: 20,
                    missed: 0,
                    timeout: 0,
                    unviable: 2,
                    score_percent: 100.0,
                    minimum: Some(95.0),
                    survivors: vec![],
                },
            ],
            verdict: Verdict::Fail,
        }
    }

    const TARGETS: [&str; 12] = [
        "bzip2_decoder_differential",
        "bzip2_decoder_mutate",
        "bzip2_decoder_parallel",
        "bzip2_decoder_robust",
        "bzip2_decoder_roundtrip",
        "header_parser_differential",
        "header_parser_robust",
        "header_parser_split",
        "query_sorter_differential",
        "query_sorter_robust",
        "retry_counter_differential",
        "retry_counter_robust",
    ];

    fn finding(status: &str, verdict: Verdict, why: &str) -> Finding {
        Finding {
            status: status.into(),
            verdict,
            why: why.into(),
        }
    }

    fn fuzz() -> RunSummary {
        let targets = TARGETS
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let mut t = TargetRun::new(name, 60.0);
                t.elapsed_s = 60.0;
                t.exit_code = Some(0);
                // Coverage that saturates at very different levels per target.
                let ceiling = [
                    3_400.0, 2_900.0, 3_100.0, 2_600.0, 3_300.0, 540.0, 610.0, 580.0, 180.0, 150.0,
                    95.0, 12.0,
                ][i];
                let stuck = *name == "retry_counter_robust";
                t.events = (0..=60)
                    .step_by(2)
                    .map(|s| {
                        let f = 1.0 - (-(s as f64) / (6.0 + i as f64)).exp();
                        let cov = if stuck {
                            12
                        } else {
                            (ceiling * (0.3 + 0.7 * f)) as u64
                        };
                        Event {
                            t_ms: s * 1000 + 37,
                            kind: if s == 0 { Kind::Inited } else { Kind::Pulse },
                            execs: s * (20_000 + 3_000 * i as u64),
                            cov,
                            ft: cov * 3 + s,
                            corpus: if stuck { 2 } else { cov / 9 },
                            exec_s: 20_000 + 3_000 * i as u64,
                            rss_mb: 40 + s,
                        }
                    })
                    .collect();
                t.pc_table = Some((ceiling * 1.6) as u64);
                t.cov_percent = Some(100.0 / 1.6);
                if name.ends_with("differential") {
                    let execs = 60 * (20_000 + 3_000 * i as u64);
                    t.oracle = Some((execs * 7 / 10, execs * 3 / 10));
                }
                t.verdicts = vec![if stuck {
                    finding(
                        "STUCK",
                        Verdict::Fail,
                        "the corpus never held more than 4 inputs",
                    )
                } else if i == 2 {
                    finding("PLATEAU", Verdict::Warn, "no new coverage in the last 30 s")
                } else {
                    finding("HEALTHY", Verdict::Pass, "coverage grew")
                }];
                if i == 7 {
                    t.exit_code = Some(1);
                    t.panic = Some("index out of bounds".into());
                }
                t
            })
            .collect();
        RunSummary {
            id: "1796000000-abc123-42".into(),
            commit: "abc123def456".into(),
            toolchain: ("rustc 1.95.0".into(), "rustc 1.97.0-nightly".into()),
            cpu: "Test CPU".into(),
            date: "2026-12-07T01:00:00Z".into(),
            fuzz_dir: "fuzz".into(),
            exit_status: 1,
            targets,
        }
    }

    fn metric(covered: u64, count: u64) -> Metric {
        Counts::new(covered, count).into()
    }

    fn metrics(covered: u64, count: u64) -> Metrics {
        Metrics {
            lines: metric(covered, count),
            regions: metric(covered * 2, count * 2 + 7),
            functions: metric(covered / 10, count / 10 + 1),
            branches: None,
        }
    }

    const CRATES: [(&str, u64, u64); 5] = [
        ("bzip2-decoder", 1_812, 1_990),
        ("gauntlet-oracle", 140, 151),
        ("header-parser", 655, 690),
        ("query-sorter", 402, 470),
        ("retry-counter", 210, 212),
    ];

    fn coverage() -> (Summary, Vec<Entry>) {
        let crates: Vec<CrateSummary> = CRATES
            .iter()
            .map(|&(name, covered, count)| CrateSummary {
                name: name.into(),
                dir: format!("targets/{name}"),
                fuzz_replay: name != "gauntlet-oracle",
                metrics: metrics(covered, count),
                files: vec![FileSummary {
                    path: format!("targets/{name}/src/lib.rs"),
                    metrics: metrics(covered, count),
                }],
            })
            .collect();
        let summary = Summary {
            schema: 1,
            run: "2026-12-07-abc123def456".into(),
            date: "2026-12-07".into(),
            unix_time: 1_796_000_000,
            commit: "abc123def456".into(),
            toolchain: "rustc 1.95.0".into(),
            packages: CRATES.iter().map(|c| c.0.to_owned()).collect(),
            suites: vec!["tests".into(), "fuzz corpus replay".into()],
            failed_suites: Vec::new(),
            elapsed_s: 312.0,
            phases_s: BTreeMap::new(),
            totals: metrics(3_219, 3_513),
            crates: crates.clone(),
            fuzz_only: vec![Reach {
                crate_name: "bzip2-decoder".into(),
                lines: 37,
                regions: 12,
                files: Vec::new(),
            }],
            tests_only: Vec::new(),
            policy: PolicyResult {
                verdict: Verdict::Fail,
                minimums: CRATES.iter().map(|c| (c.0.to_owned(), 90.0)).collect(),
                max_line_drop_points: 1.0,
                failures: vec![Failure::BelowMinimum {
                    crate_name: "query-sorter".into(),
                    percent: 85.53,
                    minimum: 90.0,
                    files: Vec::new(),
                }],
            },
        };
        let entry = |unix_time: u64, run: &str, shift: u64| Entry {
            unix_time,
            date: run[..10].to_owned(),
            commit: run[11..].to_owned(),
            run: run.to_owned(),
            toolchain: "rustc 1.95.0".into(),
            crates: CRATES
                .iter()
                .map(|&(name, covered, count)| {
                    (
                        name.to_owned(),
                        CrateEntry {
                            lines: Counts::new(covered.saturating_sub(shift), count),
                            files: BTreeMap::new(),
                        },
                    )
                })
                .collect(),
        };
        let history = vec![
            entry(1_795_900_000, "2026-12-06-0123456789ab", 30),
            entry(1_796_000_000, "2026-12-07-abc123def456", 0),
        ];
        (summary, history)
    }

    fn record(krate: &str, name: &str, p50: f64, samples: u64) -> BenchRecord {
        BenchRecord {
            schema: SCHEMA.into(),
            id: format!("{krate}/{name}"),
            krate: krate.into(),
            name: name.into(),
            unit: "ns".into(),
            percentiles_ns: Percentiles {
                p50,
                p90: p50 * 1.3,
                p99: p50 * 2.1,
                p999: p50 * 4.0,
                max: p50 * 19.0,
                min: p50 * 0.8,
            },
            mean_ns: p50 * 1.1,
            stdev_ns: p50 * 0.2,
            samples,
            batch: 1,
            timer_overhead_ns: 18.0,
            allocs_per_op: 0.0,
            bytes_per_op: 0.0,
            throughput_bytes: None,
            mb_per_s_p50: None,
            anchor: false,
            vs_anchor: None,
            histogram_v2_base64: String::new(),
            meta: Meta {
                commit: "abc123def4567890".into(),
                dirty: true,
                rustc: "rustc 1.95.0".into(),
                cpu: "Test CPU".into(),
                date: "2026-12-07T01:00:00Z".into(),
                loadavg: [1.0, 1.0, 1.0],
            },
        }
    }

    fn benches() -> Vec<BenchRecord> {
        let mut v = Vec::new();
        for (i, size) in ["1k", "16k", "256k", "1m", "4m", "16m", "64m"]
            .iter()
            .enumerate()
        {
            let p50 = 12_000.0 * 3.2f64.powi(i as i32);
            v.push(record(
                "bzip2-decoder",
                &format!("decode/{size}"),
                p50,
                4_000 / (i as u64 + 1),
            ));
            v.push(record(
                "bzip2-decoder",
                &format!("decode_parallel/{size}"),
                p50 / 1.7,
                4_000 / (i as u64 + 1),
            ));
        }
        for (i, name) in [
            "parse/small",
            "parse/large",
            "parse/many_headers",
            "parse <b>bold</b>",
            "httparse/small",
            "httparse/large",
        ]
        .iter()
        .enumerate()
        {
            v.push(record(
                "header-parser",
                name,
                85.0 * (1.0 + i as f64 * 1.9),
                250_000,
            ));
        }
        for (i, name) in ["retry/fresh", "retry/saturated"].iter().enumerate() {
            v.push(record(
                "retry-counter",
                name,
                5.6 + 3.0 * i as f64,
                1_000_000,
            ));
        }
        v
    }

    fn stat(name: &str, gated: bool, base: f64, slower: f64, verdict: Change) -> StatComparison {
        let base_runs: Vec<f64> = (0..20)
            .map(|i| base * (1.0 + 0.03 * ((i * 7 % 11) as f64 / 11.0 - 0.5)))
            .collect();
        let head_runs: Vec<f64> = base_runs
            .iter()
            .map(|v| v * slower * (1.0 + 0.01 * (v % 3.0)))
            .collect();
        StatComparison {
            stat: name.into(),
            gated,
            base_median: base,
            head_median: base * slower,
            ratio: slower,
            ratio_lo: Some(slower - 0.04),
            ratio_hi: Some(slower + 0.05),
            p_slower: if slower > 1.05 { 1e-6 } else { 0.4 },
            p_faster: 0.5,
            p_slower_adjusted: gated.then_some(if slower > 1.05 { 1e-5 } else { 0.9 }),
            p_faster_adjusted: gated.then_some(0.9),
            exact: true,
            base_runs,
            head_runs,
            verdict,
        }
    }

    fn curve(p50: f64, slower: f64) -> Vec<(f64, f64)> {
        [0.0, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999, 1.0]
            .iter()
            .map(|&q: &f64| {
                (
                    q,
                    p50 * slower * (1.0 + 8.0 * q.powi(8)) * (1.0 / (1.0 - q).max(1e-4)).powf(0.15),
                )
            })
            .collect()
    }

    fn comparison() -> Comparison {
        let bench = |id: &str, p50: f64, slower: f64, verdict: Change| BenchComparison {
            id: id.into(),
            stats: vec![
                stat("p50", true, p50, slower, verdict),
                stat("p90", true, p50 * 1.3, slower, Change::Unchanged),
                stat("p99", true, p50 * 2.1, 1.0, Change::Unchanged),
                stat("p99.9", false, p50 * 4.0, 1.0, Change::Unchanged),
                stat("max", false, p50 * 19.0, 1.2, Change::Inconclusive),
            ],
            verdict,
            allocs_per_op: (0.0, 0.0),
            bytes_per_op: (0.0, 0.0),
            samples: (20 * 2_000, 20 * 1_950),
            base_curve: curve(p50, 1.0),
            head_curve: curve(p50, slower),
        };
        let side = |spec: &str, label: &str| SideInfo {
            spec: spec.into(),
            commit: label.repeat(3),
            label: label.into(),
            dirty: false,
            env: Vec::new(),
            runs: 20,
            loadavg: 1.5,
        };
        Comparison {
            schema: gauntlet_records::compare::SCHEMA.into(),
            date: "2026-12-07T01:00:00Z".into(),
            cpu: "Test CPU".into(),
            rustc: "rustc 1.95.0".into(),
            base: side("main", "0123456789ab"),
            head: side("HEAD", "abc123def456"),
            time_ms: 500,
            order: "interleaved".into(),
            policy: Policy::default(),
            significance_reachable: true,
            benches: vec![
                bench("retry-counter/retry/fresh", 5.6, 1.264, Change::Regressed),
                bench("header-parser/parse/small", 85.0, 1.01, Change::Unchanged),
            ],
            only_in_base: Vec::new(),
            only_in_head: vec!["header-parser/parse <b>bold</b>".into()],
            regressions: 1,
            improvements: 0,
        }
    }
}
