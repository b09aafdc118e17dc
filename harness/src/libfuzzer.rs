//! Reading libFuzzer's output: status lines into events, and a run's events into health verdicts.

use serde::{Deserialize, Serialize};

/// What a status line reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The seed corpus has been run.
    Inited,
    /// A new input added coverage.
    New,
    /// An input was replaced by a smaller one with the same features.
    Reduce,
    /// Periodic heartbeat (powers of two, then every few seconds).
    Pulse,
    /// The run ended normally.
    Done,
    /// A `-fork` mode progress line.
    Fork,
}

/// One status line, stamped with when the harness read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Milliseconds since the fuzzer process started.
    pub t_ms: u64,
    /// What kind of line.
    pub kind: Kind,
    /// Executions so far.
    pub execs: u64,
    /// Coverage counters hit (libFuzzer's `cov:`).
    pub cov: u64,
    /// Features (libFuzzer's `ft:`).
    pub ft: u64,
    /// Inputs in the corpus.
    pub corpus: u64,
    /// Executions per second.
    pub exec_s: u64,
    /// Resident set size, MB.
    pub rss_mb: u64,
}

/// Parse one line of libFuzzer's stderr; `None` for lines that are not status lines.
///
/// Handles `#N\tKIND cov: C ft: F corp: U/Sb … exec/s: E rss: RMb` and the `-fork` form
/// `#N: cov: C ft: F corp: U exec/s E oom/timeout/crash: … time: Ts job: J`.
pub fn parse_status(line: &str, t_ms: u64) -> Option<Event> {
    let rest = line.strip_prefix('#')?;
    let digits = rest.find(|c: char| !c.is_ascii_digit())?;
    let execs: u64 = rest[..digits].parse().ok()?;
    let rest = &rest[digits..];
    let (kind, rest) = if let Some(r) = rest.strip_prefix(':') {
        (Kind::Fork, r)
    } else {
        let rest = rest.trim_start();
        let word_end = rest.find(char::is_whitespace)?;
        let kind = match &rest[..word_end] {
            "INITED" => Kind::Inited,
            "NEW" => Kind::New,
            "REDUCE" => Kind::Reduce,
            "pulse" => Kind::Pulse,
            "DONE" => Kind::Done,
            _ => return None,
        };
        (kind, &rest[word_end..])
    };
    let mut ev = Event {
        t_ms,
        kind,
        execs,
        cov: 0,
        ft: 0,
        corpus: 0,
        exec_s: 0,
        rss_mb: 0,
    };
    let mut words = rest.split_whitespace();
    while let Some(w) = words.next() {
        let key = w.trim_end_matches(':');
        let value = |v: Option<&str>| -> u64 {
            let v = v.unwrap_or("");
            let end = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
            v[..end].parse().unwrap_or(0)
        };
        match key {
            "cov" => ev.cov = value(words.next()),
            "ft" => ev.ft = value(words.next()),
            "corp" => ev.corpus = value(words.next()),
            "exec/s" => ev.exec_s = value(words.next()),
            "rss" => ev.rss_mb = value(words.next()),
            _ => {}
        }
    }
    // A status line always carries coverage; anything else that starts with '#' is not one.
    (ev.cov > 0 || ev.ft > 0 || kind == Kind::Inited).then_some(ev)
}

/// `INFO: Loaded 1 PC tables (12345 PCs): …` → 12345.
pub fn parse_pc_table(line: &str) -> Option<u64> {
    let rest = line.strip_prefix("INFO: Loaded ")?;
    let i = rest.find("PC tables (")?;
    let n = &rest[i + "PC tables (".len()..];
    n[..n.find(' ')?].parse().ok()
}

/// `… Test unit written to ./crash-abc` → `./crash-abc`.
pub fn parse_artifact(line: &str) -> Option<&str> {
    let i = line.find("Test unit written to ")?;
    Some(line[i + "Test unit written to ".len()..].trim())
}

/// Thresholds for the health verdicts; the defaults live in `fuzz/monitor.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// A target whose coverage has not grown past its first inputs after this many seconds
    /// (and `stuck_min_execs` executions) is STUCK.
    pub stuck_after_secs: u64,
    /// Executions needed before STUCK can be called.
    pub stuck_min_execs: u64,
    /// PLATEAU: no new coverage over this last fraction of the run.
    pub plateau_fraction: f64,
    /// PLATEAU is only judged for runs at least this long.
    pub plateau_min_secs: u64,
    /// Exec/s collapse: the final rate below this fraction of the peak.
    pub collapse_ratio: f64,
    /// RSS below this many MB is never called a leak (ASan's quarantine alone reaches ~500 MB).
    pub leak_floor_mb: u64,
    /// A leak needs RSS still growing by at least this many MB per minute over the last half.
    pub leak_slope_mb_per_min: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            stuck_after_secs: 20,
            stuck_min_execs: 10_000,
            plateau_fraction: 0.5,
            plateau_min_secs: 60,
            collapse_ratio: 0.25,
            leak_floor_mb: 1024,
            leak_slope_mb_per_min: 100.0,
        }
    }
}

/// A verdict on one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// `STUCK` (fail), `PLATEAU`, `COLLAPSE`, `LEAK` (warnings) or `HEALTHY`.
    pub status: String,
    /// Whether it fails the run.
    pub fails: bool,
    /// The explanation, in plain words.
    pub why: String,
}

fn verdict(status: &str, fails: bool, why: String) -> Verdict {
    Verdict {
        status: status.to_owned(),
        fails,
        why,
    }
}

/// Judge a run's events. Returns every verdict that applies (HEALTHY alone when none does).
pub fn judge(events: &[Event], th: &Thresholds) -> Vec<Verdict> {
    let mut out = vec![];
    let Some(first) = events
        .iter()
        .find(|e| e.kind == Kind::Inited)
        .or(events.first())
    else {
        return vec![verdict(
            "STUCK",
            true,
            "libFuzzer printed no status line at all: did the target start?".into(),
        )];
    };
    let last = events.last().unwrap_or(first);
    let duration_s = last.t_ms.saturating_sub(first.t_ms) / 1000;
    let max_cov = events.iter().map(|e| e.cov).max().unwrap_or(0);
    let max_ft = events.iter().map(|e| e.ft).max().unwrap_or(0);
    let grew = max_cov > first.cov || max_ft > first.ft;
    if !grew && last.execs >= th.stuck_min_execs && duration_s >= th.stuck_after_secs {
        out.push(verdict(
            "STUCK",
            true,
            format!(
                "coverage stayed at cov {} ft {} for {} executions over {duration_s} s: every input takes the \
                 same path; does the target return early?",
                first.cov, first.ft, last.execs
            ),
        ));
    }
    if grew && duration_s >= th.plateau_min_secs {
        let last_growth = events
            .windows(2)
            .filter(|w| w[1].cov > w[0].cov)
            .map(|w| w[1].t_ms)
            .next_back()
            .unwrap_or(first.t_ms);
        let quiet = last.t_ms.saturating_sub(last_growth) as f64 / 1000.0;
        if quiet >= duration_s as f64 * th.plateau_fraction {
            out.push(verdict(
                "PLATEAU",
                false,
                format!(
                    "no new coverage in the last {quiet:.0} s of {duration_s} s (cov {max_cov}): more time will \
                     not help much; a dictionary or better seeds might"
                ),
            ));
        }
    }
    // Exec/s: compare the end with the peak after the first second (startup rates are noisy).
    let rates: Vec<&Event> = events
        .iter()
        .filter(|e| e.t_ms >= first.t_ms + 1000 && e.exec_s > 0)
        .collect();
    if let (Some(peak), Some(end)) = (rates.iter().map(|e| e.exec_s).max(), rates.last()) {
        if rates.len() >= 3 && (end.exec_s as f64) < peak as f64 * th.collapse_ratio {
            out.push(verdict(
                "COLLAPSE",
                false,
                format!(
                    "exec/s fell from a peak of {peak} to {}: some inputs are very slow (quadratic path?) or \
                     the corpus grew too large",
                    end.exec_s
                ),
            ));
        }
    }
    let rss: Vec<(u64, u64)> = events
        .iter()
        .filter(|e| e.rss_mb > 0)
        .map(|e| (e.t_ms, e.rss_mb))
        .collect();
    if let (Some(&(t_end, rss_end)), true) = (rss.last(), rss.len() >= 4) {
        let mid_t = first.t_ms + (t_end - first.t_ms) / 2;
        if let Some(&(t_mid, rss_mid)) = rss.iter().find(|(t, _)| *t >= mid_t) {
            let minutes = (t_end.saturating_sub(t_mid)) as f64 / 60_000.0;
            let slope = if minutes > 0.0 {
                rss_end.saturating_sub(rss_mid) as f64 / minutes
            } else {
                0.0
            };
            if rss_end >= th.leak_floor_mb && slope >= th.leak_slope_mb_per_min {
                out.push(verdict(
                    "LEAK",
                    false,
                    format!("RSS is {rss_end} MB and still growing {slope:.0} MB/min over the second half of the run"),
                ));
            }
        }
    }
    if out.is_empty() {
        out.push(verdict(
            "HEALTHY",
            false,
            format!(
                "coverage grew to cov {max_cov} ft {max_ft} over {} executions",
                last.execs
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_lines() {
        let e = parse_status(
            "#17325\tDONE   cov: 635 ft: 1503 corp: 198/6650b lim: 53 exec/s: 275 rss: 516Mb",
            9,
        )
        .unwrap();
        assert_eq!(
            e,
            Event {
                t_ms: 9,
                kind: Kind::Done,
                execs: 17325,
                cov: 635,
                ft: 1503,
                corpus: 198,
                exec_s: 275,
                rss_mb: 516
            }
        );
        let e = parse_status("#2\tINITED cov: 6 ft: 7 corp: 1/1b exec/s: 0 rss: 30Mb", 0).unwrap();
        assert_eq!((e.kind, e.cov, e.ft, e.corpus), (Kind::Inited, 6, 7, 1));
        let e = parse_status(
            "#3\tNEW    cov: 7 ft: 8 corp: 2/3b lim: 4 exec/s: 0 rss: 30Mb L: 1/1 MS: 1 ChangeBit-",
            5,
        )
        .unwrap();
        assert_eq!((e.kind, e.cov, e.ft), (Kind::New, 7, 8));
        let e = parse_status(
            "#1048576\tpulse  cov: 12 ft: 20 corp: 5/40b lim: 100 exec/s: 349525 rss: 410Mb",
            3000,
        )
        .unwrap();
        assert_eq!((e.kind, e.exec_s, e.rss_mb), (Kind::Pulse, 349_525, 410));
        let e = parse_status("#523: cov: 635 ft: 1503 corp: 198 exec/s 275 oom/timeout/crash: 0/0/0 time: 10s job: 3", 1).unwrap();
        assert_eq!(
            (e.kind, e.execs, e.cov, e.corpus, e.exec_s),
            (Kind::Fork, 523, 635, 198, 275)
        );
        assert_eq!(parse_status("#include <x>", 0), None);
        assert_eq!(parse_status("INFO: Seed: 123", 0), None);
    }

    #[test]
    fn parses_pc_tables_and_artifacts() {
        assert_eq!(
            parse_pc_table("INFO: Loaded 1 PC tables (5124 PCs): 5124 [0x55,0x56),"),
            Some(5124)
        );
        assert_eq!(
            parse_pc_table("INFO: Loaded 1 modules   (5124 inline 8-bit counters)"),
            None
        );
        assert_eq!(
            parse_artifact("artifact_prefix='./'; Test unit written to ./crash-e0d7"),
            Some("./crash-e0d7")
        );
    }

    fn ev(t_s: u64, execs: u64, cov: u64, ft: u64, exec_s: u64, rss: u64) -> Event {
        Event {
            t_ms: t_s * 1000,
            kind: Kind::Pulse,
            execs,
            cov,
            ft,
            corpus: 1,
            exec_s,
            rss_mb: rss,
        }
    }

    #[test]
    fn flat_coverage_is_stuck_and_growth_is_not() {
        let th = Thresholds::default();
        let flat: Vec<Event> = (0..=30)
            .map(|s| ev(s, s * 100_000, 6, 7, 100_000, 40))
            .collect();
        let v = judge(&flat, &th);
        assert_eq!(v[0].status, "STUCK");
        assert!(v[0].fails && v[0].why.contains("return early"));
        let growing: Vec<Event> = (0..=30)
            .map(|s| ev(s, s * 100_000, 6 + s, 7 + s, 100_000, 40))
            .collect();
        assert_eq!(judge(&growing, &th)[0].status, "HEALTHY");
        // Too short to judge: not stuck yet.
        assert_eq!(judge(&flat[..5], &th)[0].status, "HEALTHY");
    }

    #[test]
    fn plateau_collapse_and_leak() {
        let th = Thresholds::default();
        let mut evs: Vec<Event> = (0..=10)
            .map(|s| ev(s, s * 1000, 100 + s, 200 + s, 50_000, 100))
            .collect();
        evs.extend((11..=120).map(|s| {
            ev(
                s,
                s * 1000,
                110,
                210,
                if s > 100 { 1000 } else { 50_000 },
                100 + s * 20,
            )
        }));
        let v = judge(&evs, &th);
        let names: Vec<&str> = v.iter().map(|v| v.status.as_str()).collect();
        assert_eq!(names, ["PLATEAU", "COLLAPSE", "LEAK"]);
        assert!(v.iter().all(|v| !v.fails));
    }

    #[test]
    fn asan_quarantine_plateau_is_not_a_leak() {
        let th = Thresholds::default();
        // RSS climbs to 480 MB in the first minute, then stays: the quarantine, not a leak.
        let evs: Vec<Event> = (0..=120)
            .map(|s| ev(s, s * 1000, 10 + s, 20 + s, 50_000, (40 + s * 8).min(480)))
            .collect();
        assert!(judge(&evs, &th).iter().all(|v| v.status != "LEAK"));
    }
}
