//! What `cargo gauntlet bench` prints: the Markdown table of percentiles and Bencher Metric
//! Format JSON. Reads records; runs nothing.

use gauntlet_records::bench::{BenchRecord, fmt_ns};

/// Bencher Metric Format: per bench id, `latency` (ns: the median, with the fastest sample and
/// p99 as its bounds) and, when the bench declares bytes per op, `throughput` (MB/s at p50).
pub fn bmf(records: &[BenchRecord]) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for r in records {
        let p = &r.percentiles_ns;
        let mut measures = serde_json::Map::new();
        measures.insert(
            "latency".into(),
            serde_json::json!({"value": p.p50, "lower_value": p.min, "upper_value": p.p99}),
        );
        if let Some(mb) = r.mb_per_s_p50 {
            measures.insert("throughput".into(), serde_json::json!({"value": mb}));
        }
        out.insert(r.id.clone(), serde_json::Value::Object(measures));
    }
    serde_json::Value::Object(out)
}

/// The Markdown table of `records`.
pub fn table(records: &[BenchRecord]) -> String {
    let mut s = format!(
        "| {} |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
        COLUMNS.join(" | ")
    );
    for r in records {
        s.push_str(&format!("| {} |\n", row_cells(r).join(" | ")));
    }
    s
}

/// Column titles of a bench row, shared by the Markdown table and the HTML report.
pub const COLUMNS: [&str; 10] = [
    "bench",
    "p50",
    "p90",
    "p99",
    "p99.9",
    "max",
    "mean",
    "allocs/op",
    "MB/s",
    "vs anchor (p50)",
];

/// The cells of one bench row (unescaped), in [`COLUMNS`] order.
pub fn row_cells(r: &BenchRecord) -> Vec<String> {
    let p = &r.percentiles_ns;
    vec![
        format!("{}{}", r.id, if r.anchor { " (anchor)" } else { "" }),
        fmt_ns(p.p50),
        fmt_ns(p.p90),
        fmt_ns(p.p99),
        fmt_ns(p.p999),
        fmt_ns(p.max),
        fmt_ns(r.mean_ns),
        format!("{:.2}", r.allocs_per_op),
        r.mb_per_s_p50.map_or("–".into(), |m| format!("{m:.1}")),
        r.vs_anchor.as_ref().map_or("–".into(), |v| {
            format!("×{:.2} vs {}", v.p50_speedup, v.anchor)
        }),
    ]
}
