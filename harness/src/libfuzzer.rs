//! Reading libFuzzer's output: status lines into events, and a run's events into health verdicts.

use serde::{Deserialize, Serialize};

pub use gauntlet_records::fuzz::{Event, Kind};
use gauntlet_records::{Finding, Verdict};

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

/// Thresholds for the health verdicts and the time limits of a run; `fuzz/monitor.toml` sets
/// them (every key optional, unknown keys refused).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// STUCK is judged once the target has run this many seconds…
    pub stuck_after_secs: u64,
    /// …and this many executions…
    pub stuck_min_execs: u64,
    /// …and it is STUCK if its corpus never held more than this many inputs: libFuzzer keeps an
    /// input only when it reaches new code, so a healthy target has dozens within seconds.
    pub stuck_max_corpus: u64,
    /// PLATEAU: no new coverage over this last fraction of the run.
    pub plateau_fraction: f64,
    /// PLATEAU is only judged for runs at least this long.
    pub plateau_min_secs: u64,
    /// Exec/s collapse: the final rate below this fraction of the peak.
    pub collapse_ratio: f64,
    /// COLLAPSE is only judged for runs at least this long (early rates swing with input size).
    pub collapse_min_secs: u64,
    /// RSS below this many MB is never called a leak (ASan's quarantine alone reaches ~500 MB).
    pub leak_floor_mb: u64,
    /// A leak needs RSS still growing by at least this many MB per minute over the last half.
    pub leak_slope_mb_per_min: f64,
    /// The oracle counters are judged once this many inputs reached the target.
    pub oracle_min_inputs: u64,
    /// Below this fraction of inputs compared, the oracle is called idle (warning).
    pub oracle_min_compared_fraction: f64,
    /// libFuzzer's `-timeout`: one input running longer is a hang, kept like a crash.
    pub unit_timeout_secs: u64,
    /// Time limit for minimising one crash (`cargo fuzz tmin`).
    pub tmin_secs: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            stuck_after_secs: 10,
            stuck_min_execs: 10_000,
            stuck_max_corpus: 4,
            plateau_fraction: 0.5,
            plateau_min_secs: 60,
            collapse_ratio: 0.25,
            collapse_min_secs: 60,
            leak_floor_mb: 1024,
            leak_slope_mb_per_min: 100.0,
            oracle_min_inputs: 1000,
            oracle_min_compared_fraction: 0.05,
            unit_timeout_secs: 25,
            tmin_secs: 30,
        }
    }
}

impl Thresholds {
    /// Parse a `[fuzz.monitor]` table on its own (tests), refusing values that make no sense.
    #[cfg(test)]
    pub fn from_toml(text: &str) -> Result<Thresholds, String> {
        let th: Thresholds = toml::from_str(text).map_err(|e| e.message().to_owned())?;
        th.check()?;
        Ok(th)
    }

    /// Refuse values that make no sense.
    pub fn check(&self) -> Result<(), String> {
        let fractions = [
            ("plateau_fraction", self.plateau_fraction),
            ("collapse_ratio", self.collapse_ratio),
            (
                "oracle_min_compared_fraction",
                self.oracle_min_compared_fraction,
            ),
        ];
        for (name, v) in fractions {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("{name} = {v} is not a fraction between 0 and 1"));
            }
        }
        if self.unit_timeout_secs == 0 {
            return Err("unit_timeout_secs must be at least 1".into());
        }
        Ok(())
    }
}

/// A finding on one run: `STUCK`, `NEVER-COMPARES` (failures), `PLATEAU`, `COLLAPSE`, `LEAK`,
/// `FEW-COMPARE` (warnings) or `HEALTHY` (pass).
fn verdict(status: &str, fails: bool, why: String) -> Finding {
    Finding {
        status: status.to_owned(),
        verdict: if fails {
            Verdict::Fail
        } else if status == "HEALTHY" {
            Verdict::Pass
        } else {
            Verdict::Warn
        },
        why,
    }
}

/// The STUCK verdict, if it can be called `now_ms` after the fuzzer started: the run is long
/// enough, has executed enough inputs, and its corpus never grew past the first few inputs.
/// The monitor asks this while the target runs (to stop it early) and once more at the end.
pub fn stuck(events: &[Event], now_ms: u64, th: &Thresholds) -> Option<Finding> {
    let last = events.last()?;
    let start = events
        .iter()
        .find(|e| e.kind == Kind::Inited)
        .map_or(0, |e| e.t_ms);
    let secs = now_ms.saturating_sub(start) / 1000;
    let corpus = events.iter().map(|e| e.corpus).max().unwrap_or(0);
    let enough = secs >= th.stuck_after_secs && last.execs >= th.stuck_min_execs;
    (enough && corpus <= th.stuck_max_corpus).then(|| {
        verdict(
            "STUCK",
            true,
            format!(
                "coverage stayed at cov {} ft {} with {corpus} input(s) in the corpus over {} executions in {secs} s: \
                 every input takes the same path; does the target return early?",
                last.cov, last.ft, last.execs
            ),
        )
    })
}

/// Judge a whole run: its events, how long it ran (`end_ms` after the fuzzer started) and its
/// oracle counters `(compared, rejected)` if it reports them. Returns every verdict that applies
/// (HEALTHY alone when none does).
pub fn judge(
    events: &[Event],
    end_ms: u64,
    oracle: Option<(u64, u64)>,
    machine: Option<Machine<'_>>,
    th: &Thresholds,
) -> Vec<Finding> {
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
    let end_ms = end_ms.max(last.t_ms);
    let duration_s = end_ms.saturating_sub(first.t_ms) / 1000;
    let max_cov = events.iter().map(|e| e.cov).max().unwrap_or(0);
    let max_ft = events.iter().map(|e| e.ft).max().unwrap_or(0);
    let is_stuck = if let Some(v) = stuck(events, end_ms, th) {
        out.push(v);
        true
    } else {
        false
    };
    if !is_stuck && duration_s >= th.plateau_min_secs {
        out.extend(plateau(events, first, end_ms, duration_s, th));
    }
    if duration_s >= th.collapse_min_secs {
        out.extend(collapse(events, first, machine, th));
    }
    out.extend(leak(events, first, th));
    out.extend(oracle.and_then(|o| oracle_verdict(o, th)));
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

fn plateau(
    events: &[Event],
    first: &Event,
    end_ms: u64,
    duration_s: u64,
    th: &Thresholds,
) -> Option<Finding> {
    let max_cov = events.iter().map(|e| e.cov).max().unwrap_or(0);
    let grew = events.iter().any(|e| e.cov > first.cov || e.ft > first.ft);
    if !grew {
        return Some(verdict(
            "PLATEAU",
            false,
            format!(
                "no coverage beyond what the seed corpus reaches (cov {max_cov}) in {duration_s} s: the seeds may \
                 already cover everything reachable, or mutations never get past a check (checksum? magic?)"
            ),
        ));
    }
    let last_growth = events
        .windows(2)
        .filter(|w| w[1].cov > w[0].cov)
        .map(|w| w[1].t_ms)
        .next_back()
        .unwrap_or(first.t_ms);
    let quiet = end_ms.saturating_sub(last_growth) as f64 / 1000.0;
    (quiet >= duration_s as f64 * th.plateau_fraction).then(|| {
        verdict(
            "PLATEAU",
            false,
            format!(
                "no new coverage in the last {quiet:.0} s of {duration_s} s (cov {max_cov}): more time will not \
                 help much; a dictionary or better seeds might"
            ),
        )
    })
}

/// The machine a fuzzer ran on: its 1-minute load averages `(t_ms, load)` and logical CPUs.
#[derive(Clone, Copy, Debug)]
pub struct Machine<'a> {
    pub load: &'a [(u64, f64)],
    pub cpus: u32,
}

impl Machine<'_> {
    /// The load sample nearest to `t_ms`.
    fn load_at(&self, t_ms: u64) -> Option<f64> {
        self.load
            .iter()
            .min_by_key(|(t, _)| t.abs_diff(t_ms))
            .map(|&(_, l)| l)
    }

    /// The share of a CPU one busy process can get under `load`: all of one while there are
    /// CPUs to spare, `cpus / load` once more processes want to run than there are CPUs.
    fn share(&self, load: f64) -> f64 {
        (f64::from(self.cpus.max(1)) / load.max(1.0)).min(1.0)
    }
}

/// Exec/s: compare the end with the peak after the first second (startup rates are noisy). A drop
/// that the machine's load explains (the rate, scaled by the CPU share the load left the fuzzer,
/// held above `collapse_ratio` of the peak) is inconclusive, not the target's fault.
fn collapse(
    events: &[Event],
    first: &Event,
    machine: Option<Machine<'_>>,
    th: &Thresholds,
) -> Option<Finding> {
    let rates: Vec<&Event> = events
        .iter()
        .filter(|e| e.t_ms >= first.t_ms + 1000 && e.exec_s > 0)
        .collect();
    let top = *rates
        .iter()
        .max_by_key(|e| (e.exec_s, std::cmp::Reverse(e.t_ms)))?;
    let peak = top.exec_s;
    let end = rates.last()?;
    if !(rates.len() >= 3 && (end.exec_s as f64) < peak as f64 * th.collapse_ratio) {
        return None;
    }
    let loads = machine.and_then(|m| Some((m, m.load_at(top.t_ms)?, m.load_at(end.t_ms)?)));
    if let Some((m, at_peak, at_end)) = loads {
        let kept = m.share(at_end) / m.share(at_peak);
        let scaled = end.exec_s as f64 / kept;
        if kept < 1.0 && scaled >= peak as f64 * th.collapse_ratio {
            return Some(Finding {
                status: "COLLAPSE".to_owned(),
                verdict: Verdict::Inconclusive,
                why: format!(
                    "exec/s fell from a peak of {peak} to {}, but the machine got busier: the 1-minute load \
                     average rose from {at_peak:.1} to {at_end:.1} on {} CPUs, leaving the fuzzer {:.0} % of the \
                     CPU share it had at the peak; scaled by that, the rate held at {:.0} % of the peak. \
                     Rerun on a quiet machine to judge the target",
                    end.exec_s,
                    m.cpus,
                    kept * 100.0,
                    scaled * 100.0 / peak as f64
                ),
            });
        }
    }
    let load = loads.map_or(String::new(), |(m, a, b)| {
        format!(
            " (load average {a:.1} at the peak, {b:.1} at the end, on {} CPUs)",
            m.cpus
        )
    });
    Some(verdict(
        "COLLAPSE",
        false,
        format!(
            "exec/s fell from a peak of {peak} to {}{load}: some inputs are very slow (quadratic path?) or the \
             corpus grew too large",
            end.exec_s
        ),
    ))
}

fn leak(events: &[Event], first: &Event, th: &Thresholds) -> Option<Finding> {
    let rss: Vec<(u64, u64)> = events
        .iter()
        .filter(|e| e.rss_mb > 0)
        .map(|e| (e.t_ms, e.rss_mb))
        .collect();
    if rss.len() < 4 {
        return None;
    }
    let &(t_end, rss_end) = rss.last()?;
    let mid_t = first.t_ms + t_end.saturating_sub(first.t_ms) / 2;
    let &(t_mid, rss_mid) = rss.iter().find(|(t, _)| *t >= mid_t)?;
    let minutes = t_end.saturating_sub(t_mid) as f64 / 60_000.0;
    let slope = if minutes > 0.0 {
        rss_end.saturating_sub(rss_mid) as f64 / minutes
    } else {
        0.0
    };
    (rss_end >= th.leak_floor_mb && slope >= th.leak_slope_mb_per_min).then(|| {
        verdict(
            "LEAK",
            false,
            format!(
                "RSS is {rss_end} MB and still growing {slope:.0} MB/min over the second half of the run"
            ),
        )
    })
}

/// A differential target that never reaches its comparison checks nothing, however much code it
/// covers on the way.
fn oracle_verdict((compared, rejected): (u64, u64), th: &Thresholds) -> Option<Finding> {
    let total = compared + rejected;
    if total < th.oracle_min_inputs {
        return None;
    }
    if compared == 0 {
        return Some(verdict(
            "NEVER-COMPARES",
            true,
            format!(
                "none of {total} inputs reached the oracle comparison (all rejected before it): the \
                 differential target checks nothing; does the input type ever parse?"
            ),
        ));
    }
    let fraction = compared as f64 / total as f64;
    (fraction < th.oracle_min_compared_fraction).then(|| {
        verdict(
            "FEW-COMPARE",
            false,
            format!(
                "only {compared} of {total} inputs ({:.1}%) reached the oracle comparison; the rest were \
                 rejected before it",
                fraction * 100.0
            ),
        )
    })
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

    /// A pulse line at `t_s` seconds; the corpus grows with the features, as libFuzzer's does.
    fn ev(t_s: u64, execs: u64, cov: u64, ft: u64, exec_s: u64, rss: u64) -> Event {
        Event {
            t_ms: t_s * 1000,
            kind: Kind::Pulse,
            execs,
            cov,
            ft,
            corpus: 1 + ft.saturating_sub(7),
            exec_s,
            rss_mb: rss,
        }
    }

    fn statuses(v: &[Finding]) -> Vec<&str> {
        v.iter().map(|v| v.status.as_str()).collect()
    }

    #[test]
    fn flat_coverage_is_stuck_and_growth_is_not() {
        let th = Thresholds::default();
        let flat: Vec<Event> = (0..=30)
            .map(|s| ev(s, s * 100_000, 6, 7, 100_000, 40))
            .collect();
        let v = judge(&flat, 30_000, None, None, &th);
        assert_eq!(statuses(&v), ["STUCK"]);
        assert!(v[0].fails() && v[0].why.contains("return early"));
        let growing: Vec<Event> = (0..=30)
            .map(|s| ev(s, s * 100_000, 6 + s, 7 + s, 100_000, 40))
            .collect();
        assert_eq!(
            statuses(&judge(&growing, 30_000, None, None, &th)),
            ["HEALTHY"]
        );
        // Too short to judge: not stuck yet.
        assert_eq!(
            statuses(&judge(&flat[..5], 4_000, None, None, &th)),
            ["HEALTHY"]
        );
    }

    #[test]
    fn stuck_is_called_on_the_clock_even_when_libfuzzer_is_silent() {
        let th = Thresholds::default();
        // libFuzzer prints pulses only at powers of two: the last line may be seconds old.
        let mut evs = vec![ev(0, 2, 8, 9, 0, 27)];
        evs[0].kind = Kind::Inited;
        evs.push(ev(4, 1 << 20, 8, 9, 262_144, 27));
        evs.push(ev(8, 1 << 21, 8, 9, 262_144, 27));
        assert_eq!(stuck(&evs, 9_000, &th), None);
        let v = stuck(&evs, th.stuck_after_secs * 1000, &th).expect("stuck");
        assert!(v.fails());
        // Too few executions (a slow target) is not judged yet.
        assert_eq!(stuck(&evs[..1], 60_000, &th), None);
        // A corpus that grew past the first inputs is not stuck, however flat cov looks.
        let mut grown = evs.clone();
        grown[2].corpus = th.stuck_max_corpus + 1;
        assert_eq!(stuck(&grown, 60_000, &th), None);
    }

    #[test]
    fn a_rich_seed_corpus_that_never_grows_is_a_plateau_not_stuck() {
        let th = Thresholds::default();
        let evs: Vec<Event> = (0..=90)
            .map(|s| Event {
                corpus: 150,
                ..ev(s, s * 10_000, 500, 900, 10_000, 40)
            })
            .collect();
        let v = judge(&evs, 90_000, None, None, &th);
        assert_eq!(statuses(&v), ["PLATEAU"]);
        assert!(!v[0].fails() && v[0].why.contains("seed corpus"));
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
        let v = judge(&evs, 120_000, None, None, &th);
        assert_eq!(statuses(&v), ["PLATEAU", "COLLAPSE", "LEAK"]);
        assert!(v.iter().all(|v| !v.fails()));
    }

    /// exec/s falls from 40 000 to 8 000 (20 %, under the 25 % threshold) at 100 s.
    fn slowing() -> Vec<Event> {
        (0..=120)
            .map(|s| {
                let rate = if s > 100 { 8_000 } else { 40_000 };
                ev(s, s * 1000, 100 + s, 200 + s, rate, 100)
            })
            .collect()
    }

    fn collapse_of(load: &[(u64, f64)], cpus: u32) -> Finding {
        let machine = Machine { load, cpus };
        let v = judge(
            &slowing(),
            120_000,
            None,
            Some(machine),
            &Thresholds::default(),
        );
        v.into_iter()
            .find(|f| f.status == "COLLAPSE")
            .expect("a COLLAPSE finding")
    }

    #[test]
    fn a_collapse_the_load_explains_is_inconclusive() {
        // 2 CPUs: load 1 at the peak (a whole CPU), 6 at the end (a third of one). Scaled by 1/3,
        // 8 000 is 24 000, 60 % of the peak.
        let busy = collapse_of(&[(50_000, 1.0), (110_000, 6.0), (120_000, 6.0)], 2);
        assert_eq!(busy.verdict, Verdict::Inconclusive, "{}", busy.why);
        assert!(
            busy.why.contains("rose from 1.0 to 6.0 on 2 CPUs"),
            "{}",
            busy.why
        );
        assert!(busy.why.contains("33 % of the CPU share"), "{}", busy.why);
        assert!(
            busy.why.contains("held at 60 % of the peak"),
            "{}",
            busy.why
        );
        // Load 2 at the end leaves a whole CPU on 2 CPUs: nothing explained.
        let quiet = collapse_of(&[(50_000, 1.0), (120_000, 2.0)], 2);
        assert_eq!(quiet.verdict, Verdict::Warn);
        assert!(
            quiet
                .why
                .contains("(load average 1.0 at the peak, 2.0 at the end, on 2 CPUs)")
        );
        // Load 3 at the end leaves 2/3 of a CPU: 8 000 scales to 12 000, 30 % of the peak.
        assert_eq!(
            collapse_of(&[(0, 1.0), (120_000, 3.0)], 2).verdict,
            Verdict::Inconclusive
        );
        // 1 CPU, load 1.2 at the end (5/6 of it): 8 000 scales to 9 600, 24 %: the target's.
        assert_eq!(
            collapse_of(&[(0, 1.0), (120_000, 1.2)], 1).verdict,
            Verdict::Warn
        );
        // No samples: judged as before.
        assert_eq!(collapse_of(&[], 2).verdict, Verdict::Warn);
        // The load nearest in time counts: busy only long after the end does not excuse it.
        assert_eq!(
            collapse_of(&[(40_000, 1.0), (120_000, 1.0), (400_000, 9.0)], 2).verdict,
            Verdict::Warn
        );
    }

    #[test]
    fn asan_quarantine_plateau_is_not_a_leak() {
        let th = Thresholds::default();
        // RSS climbs to 480 MB in the first minute, then stays: the quarantine, not a leak.
        let evs: Vec<Event> = (0..=120)
            .map(|s| ev(s, s * 1000, 10 + s, 20 + s, 50_000, (40 + s * 8).min(480)))
            .collect();
        assert!(
            judge(&evs, 120_000, None, None, &th)
                .iter()
                .all(|v| v.status != "LEAK")
        );
    }

    #[test]
    fn oracle_counters() {
        let th = Thresholds::default();
        let evs: Vec<Event> = (0..=20)
            .map(|s| ev(s, s * 1000, 10 + s, 20 + s, 1000, 40))
            .collect();
        let judged = |o| statuses(&judge(&evs, 20_000, Some(o), None, &th)).join(",");
        assert_eq!(judged((0, 50_000)), "NEVER-COMPARES");
        assert_eq!(judged((10, 50_000)), "FEW-COMPARE");
        assert_eq!(judged((40_000, 10_000)), "HEALTHY");
        // Too few inputs to say anything yet.
        assert_eq!(judged((0, 10)), "HEALTHY");
        let never = judge(&evs, 20_000, Some((0, 50_000)), None, &th);
        assert!(never[0].fails());
    }

    #[test]
    fn thresholds_file() {
        let th = Thresholds::from_toml("stuck_after_secs = 5\n").unwrap();
        assert_eq!(th.stuck_after_secs, 5);
        assert_eq!(th.stuck_min_execs, Thresholds::default().stuck_min_execs);
        let e = Thresholds::from_toml("stuck_after = 5\n").unwrap_err();
        assert!(e.contains("stuck_after"), "{e}");
        assert!(Thresholds::from_toml("collapse_ratio = 4.0\n").is_err());
        assert!(Thresholds::from_toml("unit_timeout_secs = 0\n").is_err());
    }
}
