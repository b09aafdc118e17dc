//! Reading what `llvm-cov export` writes: its JSON (per-file summaries and per-function regions)
//! and lcov (per-line hit counts).

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

pub use gauntlet_records::coverage::Counts;

/// One source file's summary in an export.
#[derive(Clone, Debug, PartialEq)]
pub struct FileCounts {
    pub path: String,
    pub lines: Counts,
    pub regions: Counts,
    pub functions: Counts,
    pub branches: Counts,
}

/// Where a code region sits: file, start (line, column), end (line, column).
pub type RegionKey = (String, (u64, u64), (u64, u64));

/// The parts of an `llvm-cov export -format=text` document that gauntlet uses.
#[derive(Debug, Default)]
pub struct Export {
    pub files: Vec<FileCounts>,
    /// Execution count of every code region, summed over all instantiations of its function.
    pub regions: BTreeMap<RegionKey, u64>,
}

#[derive(Deserialize)]
struct RawExport {
    #[serde(rename = "type")]
    kind: String,
    data: Vec<RawData>,
}

#[derive(Deserialize)]
struct RawData {
    files: Vec<RawFile>,
    #[serde(default)]
    functions: Vec<RawFunction>,
}

#[derive(Deserialize)]
struct RawFile {
    filename: String,
    summary: RawSummary,
}

#[derive(Deserialize)]
struct RawSummary {
    lines: Counts,
    regions: Counts,
    functions: Counts,
    #[serde(default)]
    branches: Counts,
}

#[derive(Deserialize)]
struct RawFunction {
    filenames: Vec<String>,
    regions: Vec<Vec<u64>>,
}

/// `CodeRegion` in LLVM's `CounterMappingRegion::RegionKind`; expansion, skipped, gap and branch
/// regions carry no code of their own.
const CODE_REGION: u64 = 0;

impl Export {
    /// Parse an `llvm-cov export -format=text` document. Regions of files that the export's file
    /// list does not contain (ignored by `-ignore-filename-regex`) are dropped.
    pub fn parse(json: &str) -> Result<Self> {
        let raw: RawExport = serde_json::from_str(json)
            .context("llvm-cov export output is not the expected JSON")?;
        if raw.kind != "llvm.coverage.json.export" {
            bail!("llvm-cov export output has type {:?}", raw.kind);
        }
        let mut out = Export::default();
        for data in raw.data {
            let known: std::collections::BTreeSet<&str> =
                data.files.iter().map(|f| f.filename.as_str()).collect();
            for f in &data.functions {
                for r in &f.regions {
                    let &[ls, cs, le, ce, count, file_id, _expanded, kind, ..] = r.as_slice()
                    else {
                        bail!(
                            "llvm-cov export: a region has {} fields, expected 8",
                            r.len()
                        );
                    };
                    if kind != CODE_REGION {
                        continue;
                    }
                    let Some(file) = usize::try_from(file_id)
                        .ok()
                        .and_then(|i| f.filenames.get(i))
                    else {
                        bail!("llvm-cov export: region names file #{file_id}, which is not listed");
                    };
                    if !known.contains(file.as_str()) {
                        continue;
                    }
                    *out.regions
                        .entry((file.clone(), (ls, cs), (le, ce)))
                        .or_default() += count;
                }
            }
            out.files.extend(data.files.into_iter().map(|f| FileCounts {
                path: f.filename,
                lines: f.summary.lines,
                regions: f.summary.regions,
                functions: f.summary.functions,
                branches: f.summary.branches,
            }));
        }
        Ok(out)
    }
}

/// Per-file line hit counts from an lcov document: path → line → count.
pub type LineHits = BTreeMap<String, BTreeMap<u64, u64>>;

/// Parse the `SF:` / `DA:` records of an lcov document (other records are ignored).
pub fn parse_lcov(text: &str) -> Result<LineHits> {
    let mut out = LineHits::new();
    let mut current: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if let Some(path) = line.strip_prefix("SF:") {
            current = Some(path.to_owned());
            out.entry(path.to_owned()).or_default();
        } else if let Some(rest) = line.strip_prefix("DA:") {
            let Some(file) = &current else {
                bail!(
                    "lcov line {}: DA record outside a file (no SF: before it)",
                    i + 1
                );
            };
            let mut it = rest.split(',');
            let parse = |s: Option<&str>| s.and_then(|s| s.trim().parse::<u64>().ok());
            let (Some(n), Some(hits)) = (parse(it.next()), parse(it.next())) else {
                bail!("lcov line {}: malformed DA record {line:?}", i + 1);
            };
            *out.entry(file.clone()).or_default().entry(n).or_default() += hits;
        } else if line == "end_of_record" {
            current = None;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPORT: &str = r#"{"type":"llvm.coverage.json.export","version":"3.1.0","data":[{
        "files":[{"filename":"/w/a/src/lib.rs","segments":[],"summary":{
            "lines":{"count":10,"covered":7,"percent":70},
            "regions":{"count":4,"covered":3,"notcovered":1,"percent":75},
            "functions":{"count":2,"covered":2,"percent":100},
            "instantiations":{"count":3,"covered":3,"percent":100},
            "branches":{"count":0,"covered":0,"notcovered":0,"percent":0}}}],
        "functions":[
          {"name":"f","count":1,"filenames":["/w/a/src/lib.rs","/w/a/tests/t.rs"],"branches":[],
           "regions":[[1,1,3,2,5,0,0,0],[2,5,2,9,0,0,0,0],[2,5,2,9,0,0,0,3],[7,1,7,3,1,1,0,0]]},
          {"name":"f<u8>","count":1,"filenames":["/w/a/src/lib.rs"],"branches":[],
           "regions":[[1,1,3,2,2,0,0,0],[2,5,2,9,4,0,0,0]]}],
        "totals":{}}]}"#;

    #[test]
    fn export_sums_instantiations_and_drops_gap_and_unlisted_files() {
        let e = Export::parse(EXPORT).unwrap();
        assert_eq!(e.files.len(), 1);
        assert_eq!(e.files[0].lines, Counts::new(7, 10));
        assert_eq!(e.files[0].regions, Counts::new(3, 4));
        let f = "/w/a/src/lib.rs".to_owned();
        assert_eq!(e.regions.len(), 2, "{:?}", e.regions);
        assert_eq!(e.regions[&(f.clone(), (1, 1), (3, 2))], 7);
        assert_eq!(e.regions[&(f, (2, 5), (2, 9))], 4);
    }

    #[test]
    fn export_rejects_other_documents() {
        assert!(Export::parse("{}").is_err());
        assert!(Export::parse(r#"{"type":"other","data":[]}"#).is_err());
        let short = EXPORT.replace("[7,1,7,3,1,1,0,0]", "[7,1,7]");
        assert!(Export::parse(&short).is_err());
        let bad_file = EXPORT.replace("[7,1,7,3,1,1,0,0]", "[7,1,7,3,1,9,0,0]");
        assert!(Export::parse(&bad_file).is_err());
    }

    #[test]
    fn lcov_lines_are_summed_per_file() {
        let text = "TN:\nSF:/w/a.rs\nFN:1,f\nDA:1,3\nDA:2,0\nDA:1,2,abc\nLF:2\nLH:1\nend_of_record\nSF:/w/b.rs\nDA:9,1\nend_of_record\n";
        let hits = parse_lcov(text).unwrap();
        assert_eq!(hits["/w/a.rs"], BTreeMap::from([(1, 5), (2, 0)]));
        assert_eq!(hits["/w/b.rs"], BTreeMap::from([(9, 1)]));
        assert!(parse_lcov("DA:1,1\n").is_err());
        assert!(parse_lcov("SF:x\nDA:one,1\n").is_err());
    }

    #[test]
    fn percent_of_nothing_is_zero() {
        assert_eq!(Counts::new(0, 0).percent(), 0.0);
        assert_eq!(Counts::new(1, 4).percent(), 25.0);
    }
}
