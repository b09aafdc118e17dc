//! cargo-mutants' `mutants.out/outcomes.json`, read into a score per package with its survivors.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use gauntlet_records::mutants::{Escape, PackageScore, Survivor, score as score_of};
use serde::Deserialize;

/// The parts of `mutants.out/outcomes.json` gauntlet reads (cargo-mutants 24 and later): one
/// outcome per scenario, the baseline and then each mutant.
#[derive(Deserialize)]
struct Outcomes {
    outcomes: Vec<Outcome>,
}

#[derive(Deserialize)]
struct Outcome {
    /// `"Baseline"` or `{"Mutant": {...}}`.
    scenario: Scenario,
    /// `CaughtMutant`, `MissedMutant`, `Timeout`, `Unviable`, `Success`, `Failure`.
    summary: String,
}

#[derive(Deserialize)]
enum Scenario {
    Baseline,
    Mutant(Mutant),
}

#[derive(Deserialize)]
struct Mutant {
    /// `src/lib.rs:12:5: replace f -> bool with true` (absent before cargo-mutants 25).
    #[serde(default)]
    name: Option<String>,
    package: String,
    file: String,
    #[serde(default)]
    function: Option<Function>,
    span: Span,
    replacement: String,
    #[serde(default)]
    genre: Option<String>,
}

#[derive(Deserialize)]
struct Function {
    function_name: String,
}

#[derive(Deserialize)]
struct Span {
    start: LineColumn,
}

#[derive(Deserialize)]
struct LineColumn {
    line: u64,
    column: u64,
}

/// Per package, the counts, the score and the surviving mutants of an `outcomes.json`.
pub fn parse_outcomes(text: &str) -> Result<Vec<PackageScore>> {
    let outcomes: Outcomes = serde_json::from_str(text)?;
    let mut by_package: BTreeMap<String, PackageScore> = BTreeMap::new();
    for o in outcomes.outcomes {
        let Scenario::Mutant(m) = o.scenario else {
            continue;
        };
        let p = by_package
            .entry(m.package.clone())
            .or_insert_with(|| PackageScore {
                name: m.package.clone(),
                ..Default::default()
            });
        let escape = match o.summary.as_str() {
            "CaughtMutant" => {
                p.caught += 1;
                None
            }
            "MissedMutant" => {
                p.missed += 1;
                Some(Escape::Missed)
            }
            "Timeout" => {
                p.timeout += 1;
                Some(Escape::Timeout)
            }
            "Unviable" => {
                p.unviable += 1;
                None
            }
            other => bail!(
                "mutant {} has the outcome {other:?}, which gauntlet does not know",
                m.name.as_deref().unwrap_or(&m.file)
            ),
        };
        if let Some(escape) = escape {
            p.survivors.push(survivor(m, escape));
        }
    }
    Ok(by_package
        .into_values()
        .map(|mut p| {
            p.score_percent = (score_of(p.caught, p.missed, p.timeout) * 100.0).round() / 100.0;
            p.survivors
                .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
            p
        })
        .collect())
}

fn survivor(m: Mutant, escape: Escape) -> Survivor {
    let function = m.function.map(|f| f.function_name);
    // The name is `<file>:<line>:<column>: <description>`; the description is the useful part.
    let description = m
        .name
        .as_deref()
        .and_then(|n| n.split_once(": ").map(|(_, d)| d.to_owned()))
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| match &function {
            Some(f) => format!("replace {f} with {}", m.replacement),
            None => format!("replace with {}", m.replacement),
        });
    Survivor {
        file: m.file,
        line: m.span.start.line,
        column: m.span.start.column,
        function,
        replacement: m.replacement,
        description,
        genre: m.genre,
        escape,
    }
}
