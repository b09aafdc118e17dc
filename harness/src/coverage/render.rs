//! What `cargo gauntlet coverage` prints when it is done (the HTML is [`super::html`]'s).

use super::summary::{Metric, Metrics, Summary};

/// The run's table per crate, the lines only one side reaches, the time taken and the policy
/// failures, on stdout.
pub fn print_summary(s: &Summary) {
    let cell = |m: &Metric| format!("{:.1} % ({}/{})", m.percent, m.covered, m.count);
    let branches = |m: &Metrics| {
        m.branches
            .as_ref()
            .map_or(String::new(), |b| format!(" {:>22}", cell(b)))
    };
    let branch_head = if s.totals.branches.is_some() {
        format!(" {:>22}", "branches")
    } else {
        String::new()
    };
    println!(
        "{:<20} {:>22} {:>22} {:>22}{branch_head} {:>8}",
        "crate", "lines", "regions", "functions", "minimum"
    );
    for c in &s.crates {
        println!(
            "{:<20} {:>22} {:>22} {:>22}{} {:>8}",
            c.name,
            cell(&c.metrics.lines),
            cell(&c.metrics.regions),
            cell(&c.metrics.functions),
            branches(&c.metrics),
            s.policy
                .minimums
                .get(&c.name)
                .map_or("–".to_owned(), |m| format!("{m} %"))
        );
    }
    println!(
        "{:<20} {:>22} {:>22} {:>22}{}",
        "all",
        cell(&s.totals.lines),
        cell(&s.totals.regions),
        cell(&s.totals.functions),
        branches(&s.totals)
    );
    for (title, rows) in [
        ("only the fuzz corpora reach", &s.fuzz_only),
        ("only the tests reach", &s.tests_only),
    ] {
        for r in rows {
            println!(
                "{}: {title} {} lines, {} regions",
                r.crate_name, r.lines, r.regions
            );
            for f in &r.files {
                println!(
                    "  {}: {}",
                    f.path,
                    if f.line_ranges.is_empty() {
                        "(regions within covered lines)"
                    } else {
                        &f.line_ranges
                    }
                );
            }
        }
    }
    let phases: Vec<String> = ["build", "tests", "reports"]
        .iter()
        .filter_map(|k| s.phases_s.get(*k).map(|v| format!("{k} {v:.0} s")))
        .collect();
    println!("took {:.0} s ({})", s.elapsed_s, phases.join(", "));
    for f in &s.policy.failures {
        println!("FAIL {f}");
    }
}
