//! What `cargo gauntlet mutants` prints: a line per package, then the survivors. Runs nothing.

use gauntlet_records::mutants::{Escape, MutantsRun};

/// The console summary: one line per package, then the survivors.
pub fn table(r: &MutantsRun) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let width = r
        .packages
        .iter()
        .map(|p| p.name.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let _ = writeln!(
        s,
        "{:<width$}  {:>6}  {:>6}  {:>7}  {:>8}  {:>7}",
        "package", "caught", "missed", "timeout", "unviable", "score"
    );
    for p in &r.packages {
        let _ = writeln!(
            s,
            "{:<width$}  {:>6}  {:>6}  {:>7}  {:>8}  {:>6.1}%{}",
            p.name,
            p.caught,
            p.missed,
            p.timeout,
            p.unviable,
            p.score_percent,
            match p.minimum {
                Some(m) if p.under_minimum() => format!("  under the minimum of {m} %"),
                _ => String::new(),
            }
        );
    }
    for p in r.packages.iter().filter(|p| !p.survivors.is_empty()) {
        let _ = writeln!(s, "\nsurviving mutants of {}:", p.name);
        for v in &p.survivors {
            let _ = writeln!(
                s,
                "  {}:{}: {}{}",
                v.file,
                v.line,
                v.description,
                if v.escape == Escape::Timeout {
                    " (timeout)"
                } else {
                    ""
                }
            );
        }
    }
    let shard = r
        .shards_label()
        .map_or(String::new(), |l| format!(" ({l})"));
    let _ = if r.packages.iter().any(|p| p.minimum.is_some()) {
        writeln!(
            s,
            "\nmutants{shard}: {} against the minimum scores in {:.0} s",
            r.verdict.word(),
            r.elapsed_s
        )
    } else {
        writeln!(
            s,
            "\nmutants{shard}: no minimum score set ([mutants] minimum_score in gauntlet.toml); {:.0} s",
            r.elapsed_s
        )
    };
    s
}
