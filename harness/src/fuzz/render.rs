//! What `cargo gauntlet fuzz` prints: the live progress line, each target's result with its
//! crashes, and the closing summary. Reads records; runs nothing.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use gauntlet_records::fuzz::{Crash, RunSummary, TargetRun};

/// The live line of a running target (rewritten in place on a terminal).
pub fn progress(r: &TargetRun, elapsed: Duration, total: Duration, tty: bool) {
    let Some(ev) = r.events.last() else {
        return;
    };
    let left = total.saturating_sub(elapsed).as_secs();
    let frac = (elapsed.as_secs_f64() / total.as_secs_f64().max(0.001)).min(1.0);
    let width = 20;
    let filled = (frac * width as f64) as usize;
    let bar: String = "#".repeat(filled) + &"-".repeat(width - filled);
    let pct = r
        .pc_table
        .map(|p| format!(" ({:.1}%)", ev.cov as f64 * 100.0 / p.max(1) as f64))
        .unwrap_or_default();
    let oracle = r
        .oracle
        .map(|(c, rej)| format!("  oracle {c}/{}", c + rej))
        .unwrap_or_default();
    let line = format!(
        "{:<32} [{bar}] {left:>4}s left  cov {}{pct} ft {} corp {}  {} exec/s  rss {} MB{oracle}",
        r.target, ev.cov, ev.ft, ev.corpus, ev.exec_s, ev.rss_mb
    );
    if tty {
        eprint!("\r{line}\x1b[K");
        let _ = std::io::stderr().flush();
    } else {
        eprintln!("{line}");
    }
}

/// A target's result: its figures, verdicts and crashes; `run_dir` holds its log.
pub fn print_result(fuzz_dir: &Path, run_dir: &Path, r: &TargetRun) {
    let last = r.events.last();
    let cov = last.map_or(0, |e| e.cov);
    let pct = r
        .cov_percent
        .map(|p| format!(" ({p:.1}% of {} PCs)", r.pc_table.unwrap_or(0)))
        .unwrap_or_default();
    let execs = last.map_or(0, |e| e.execs);
    let rate = if r.elapsed_s > 0.0 {
        execs as f64 / r.elapsed_s
    } else {
        0.0
    };
    eprintln!(
        "{:<32} {:>10} execs {:>9.0}/s  cov {cov}{pct}  ft {}  corpus {}  in {:.1} s",
        r.target,
        execs,
        rate,
        last.map_or(0, |e| e.ft),
        last.map_or(0, |e| e.corpus),
        r.elapsed_s
    );
    if let Some((c, rej)) = r.oracle {
        eprintln!("    oracle: {c} inputs compared, {rej} rejected before the comparison");
    }
    for v in &r.verdicts {
        eprintln!("    {}: {}", v.status, v.why);
    }
    if let Some(why) = &r.stopped_early {
        eprintln!("    stopped early: {why}");
    }
    if r.crashed() && r.crashes.is_empty() {
        eprintln!(
            "    FAILED: libFuzzer exited with {:?} without writing an input; see {}",
            r.exit_code,
            run_dir.join(format!("{}.log", r.target)).display()
        );
    }
    for c in &r.crashes {
        print_crash(fuzz_dir, r, c);
    }
}

fn print_crash(fuzz_dir: &Path, r: &TargetRun, c: &Crash) {
    let what = c
        .message
        .as_deref()
        .and_then(|m| m.lines().next())
        .unwrap_or("(no panic message)");
    let at = c.location.as_deref().unwrap_or("?");
    eprintln!(
        "    {} [{}]: {what} at {at}{}",
        c.kind.to_uppercase(),
        &c.signature,
        if c.reproduced || c.kind != "crash" {
            ""
        } else {
            " (did not reproduce on a second run: flaky or state-dependent)"
        }
    );
    if !c.frames.is_empty() {
        eprintln!("      in {}", c.frames.join(" ← "));
    }
    let fuzz_dir = fuzz_dir.display();
    let input = c.kept_as.as_deref().unwrap_or(&c.artifact);
    if let Some(dup) = &c.duplicate_of {
        eprintln!("      a known bug: same signature as {dup}");
    } else {
        let size = c.minimized_bytes.map_or(format!("{} bytes", c.bytes), |m| {
            format!("minimised from {} to {m} bytes", c.bytes)
        });
        eprintln!(
            "      kept as:   {input} ({size}); renamed after the bug it pins, it is replayed by"
        );
        eprintln!("                 cargo test --workspace --all-features (tests/fuzz_replay.rs)");
    }
    eprintln!(
        "      reproduce: cargo +nightly fuzz run --fuzz-dir {fuzz_dir} {} {input}",
        r.target
    );
    eprintln!(
        "      minimise:  cargo +nightly fuzz tmin --fuzz-dir {fuzz_dir} {} {}",
        r.target, c.artifact
    );
}

/// The run's closing lines: where it is recorded and what the exit status says.
pub fn print_summary(run_dir: &Path, s: &RunSummary) {
    let stuck: Vec<&str> = s
        .targets
        .iter()
        .filter(|r| r.stuck())
        .map(|r| r.target.as_str())
        .collect();
    let crashed: Vec<&str> = s
        .targets
        .iter()
        .filter(|r| r.crashed())
        .map(|r| r.target.as_str())
        .collect();
    eprintln!("fuzz results: {}", run_dir.display());
    eprintln!("{}", summary_line(s, &stuck, &crashed));
}

/// The last line of a run: it says what the exit status says. Warnings (PLATEAU, COLLAPSE, LEAK,
/// FEW-COMPARE) pass the run but are named, so "healthy" is only ever said of a clean run.
fn summary_line(s: &RunSummary, stuck: &[&str], crashed: &[&str]) -> String {
    let warned: Vec<String> = s
        .targets
        .iter()
        .filter(|r| r.verdict() == gauntlet_records::Verdict::Warn)
        .map(|r| {
            let codes: Vec<&str> = r
                .verdicts
                .iter()
                .filter(|f| f.verdict == gauntlet_records::Verdict::Warn)
                .map(|f| f.status.as_str())
                .collect();
            format!("{} ({})", r.target, codes.join(", "))
        })
        .collect();
    match s.exit_status {
        0 if warned.is_empty() => format!("fuzz: {} target(s) healthy", s.targets.len()),
        0 => format!(
            "fuzz: passed with warnings (exit 0): {} of {} target(s) warned: {}",
            warned.len(),
            s.targets.len(),
            warned.join("; ")
        ),
        1 => format!(
            "fuzz: FAILED: crash or oracle mismatch in {}",
            crashed.join(", ")
        ),
        _ => format!(
            "fuzz: FAILED: {} explore(s) nothing or check(s) nothing (see the verdicts above)",
            stuck.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gauntlet_records::{Finding, Verdict};

    #[test]
    fn a_run_with_warnings_is_never_called_healthy() {
        let target = |name: &str, status: &str, verdict: Verdict| {
            let mut r = TargetRun::new(name, 1.0);
            r.exit_code = Some(0);
            r.verdicts = vec![Finding {
                status: status.into(),
                verdict,
                why: String::new(),
            }];
            r
        };
        let mut s = RunSummary {
            id: "x".into(),
            commit: String::new(),
            toolchain: (String::new(), String::new()),
            cpu: String::new(),
            date: String::new(),
            fuzz_dir: String::new(),
            exit_status: 0,
            targets: vec![
                target("a", "HEALTHY", Verdict::Pass),
                target("b", "COLLAPSE", Verdict::Warn),
            ],
        };
        let line = summary_line(&s, &[], &[]);
        assert!(!line.contains("healthy"), "{line}");
        assert!(
            line.contains("b (COLLAPSE)") && line.contains("1 of 2"),
            "{line}"
        );
        s.targets.pop();
        assert_eq!(summary_line(&s, &[], &[]), "fuzz: 1 target(s) healthy");
    }
}
