//! `target/gauntlet/bench/*.json`: one bench's percentiles from one process run.

use std::path::Path;

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::Deserializer;
use serde::{Deserialize, Serialize};

/// The `schema` of every bench record.
pub const SCHEMA: &str = "gauntlet-bench/1";

/// Percentiles and the rest, in nanoseconds per operation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Percentiles {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    #[serde(rename = "p99.9")]
    pub p999: f64,
    /// Slowest sample.
    pub max: f64,
    /// Fastest sample.
    pub min: f64,
}

/// Where and with what a record was made.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Meta {
    /// `git rev-parse HEAD` of the benched tree (empty outside git).
    pub commit: String,
    /// Uncommitted changes in the benched tree.
    pub dirty: bool,
    /// `rustc --version`.
    pub rustc: String,
    /// CPU model from `/proc/cpuinfo`.
    pub cpu: String,
    /// UTC time of the record, RFC 3339.
    pub date: String,
    /// 1, 5 and 15 minute load averages at the start of the recording.
    pub loadavg: [f64; 3],
}

/// Comparison with the anchor bench measured in the same process run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VsAnchor {
    /// The anchor's `crate/name`.
    pub anchor: String,
    /// Anchor p50 ÷ this bench's p50: above 1 means faster than the anchor.
    pub p50_speedup: f64,
    /// The same at p99.
    pub p99_speedup: f64,
}

/// One bench's result from one process run: the file format under `target/gauntlet/bench/`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BenchRecord {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// `crate/name`.
    pub id: String,
    /// The crate (or topic) the bench belongs to.
    #[serde(rename = "crate")]
    pub krate: String,
    /// The bench's name within the crate.
    pub name: String,
    /// Unit of [`percentiles_ns`](Self::percentiles_ns) and `mean_ns`.
    pub unit: String,
    /// Per-operation percentiles.
    pub percentiles_ns: Percentiles,
    /// Mean per operation (reported, never gated).
    pub mean_ns: f64,
    /// Standard deviation per operation.
    pub stdev_ns: f64,
    /// Timed samples recorded.
    pub samples: u64,
    /// Operations per timed sample.
    pub batch: u64,
    /// Calibrated cost of one timer read pair, subtracted from every sample.
    pub timer_overhead_ns: f64,
    /// Heap allocations per operation.
    pub allocs_per_op: f64,
    /// Bytes allocated per operation.
    pub bytes_per_op: f64,
    /// Bytes processed per operation, when the bench declares it.
    pub throughput_bytes: Option<u64>,
    /// MB/s (10^6 bytes) at the median, when the bench declares its throughput.
    pub mb_per_s_p50: Option<f64>,
    /// Whether this bench is an anchor (a reference implementation).
    pub anchor: bool,
    /// Ratio to the anchor, when one was named and measured earlier in the same run.
    pub vs_anchor: Option<VsAnchor>,
    /// The HdrHistogram of per-op times in **picoseconds**, V2 serialisation, base64.
    pub histogram_v2_base64: String,
    /// Provenance.
    pub meta: Meta,
}

impl BenchRecord {
    /// Decode the embedded histogram (picoseconds per op).
    pub fn histogram(&self) -> Result<Histogram<u64>, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&self.histogram_v2_base64)
            .map_err(|e| format!("histogram is not base64: {e}"))?;
        Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .map_err(|e| format!("histogram does not decode: {e:?}"))
    }

    /// Read a record file.
    pub fn load(path: &Path) -> Result<BenchRecord, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let rec: BenchRecord = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a bench record: {e}", path.display()))?;
        if rec.schema != SCHEMA {
            return Err(format!(
                "{} has schema {:?}, expected {SCHEMA:?}",
                path.display(),
                rec.schema
            ));
        }
        Ok(rec)
    }
}

/// `12.3 ns`, `4.56 µs`, `7.89 ms`.
pub fn fmt_ns(ns: f64) -> String {
    if ns < 1_000.0 {
        format!("{ns:.1} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1_000_000_000.0 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// `crate/name` → a file name: `/` and anything outside `[A-Za-z0-9._-]` become `_`.
pub fn file_name(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.json")
}

/// The CPU model name from `/proc/cpuinfo` (empty elsewhere).
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_default()
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Days to civil date (Howard Hinnant's algorithm, restated).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_392_000 + 3_661), "2026-11-23T01:01:01Z");
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("a/b c:d"), "a_b_c_d.json");
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(fmt_ns(12.34), "12.3 ns");
        assert_eq!(fmt_ns(4_560.0), "4.56 µs");
        assert_eq!(fmt_ns(7_890_000.0), "7.89 ms");
        assert_eq!(fmt_ns(2.5e9), "2.50 s");
    }
}
