//! The typed files `cargo gauntlet` writes under `target/gauntlet/`, one definition each, shared
//! by the verb that writes a file and the report that reads it:
//!
//! | file | type |
//! |---|---|
//! | `fuzz/<run>/run.json`, `fuzz/latest.json` | [`fuzz::RunSummary`] |
//! | `fuzz/<run>/<target>.json` | [`fuzz::TargetRun`] |
//! | `coverage/<run>/summary.json` | [`coverage::Summary`] |
//! | `coverage/history.jsonl` (one per line) | [`coverage::Entry`] |
//! | `bench/<id>.json` | [`bench::BenchRecord`] |
//! | `compare/<base>-<head>/comparison.json`, `compare/latest.json` | [`compare::Comparison`] |
//! | `compare/<base>-<head>/instructions.json`, `compare/latest-instructions.json` | [`instructions::InstructionComparison`] |
//! | `mutants/<run>.json`, `mutants/latest.json` | [`mutants::MutantsRun`] |
//!
//! Every record's judgement is a [`Verdict`].
#![forbid(unsafe_code)]

pub mod bench;
pub mod compare;
pub mod coverage;
pub mod fuzz;
pub mod instructions;
pub mod mutants;
mod verdict;

pub use verdict::{Finding, Verdict};

use std::path::Path;

/// Read and decode a JSON record, naming the file in errors.
pub fn load<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} does not parse: {e}", path.display()))
}
