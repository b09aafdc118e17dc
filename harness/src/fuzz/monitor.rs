//! Turning a fuzzer's stderr, line by line, into a [`TargetRun`]: status events, the PC-table
//! size, artifacts, the panic message and the oracle counters.

use crate::libfuzzer::{self, Event};

use super::TargetRun;

/// The state of one target's run while its output arrives.
pub struct Monitor {
    /// What has been read so far.
    pub run: TargetRun,
    /// Collecting the lines of a panic message.
    in_panic: bool,
}

impl Monitor {
    /// Start watching `run` (its identity filled in, no events yet).
    pub fn new(run: TargetRun) -> Monitor {
        Monitor {
            run,
            in_panic: false,
        }
    }

    /// Take one line read `t_ms` after the fuzzer started; returns the status event it carried.
    pub fn feed(&mut self, line: &str, t_ms: u64) -> Option<&Event> {
        let run = &mut self.run;
        if self.in_panic {
            let end = line.starts_with("note: ")
                || line.starts_with("stack backtrace:")
                || line.starts_with("==")
                || line.starts_with("#");
            if end {
                self.in_panic = false;
            } else if let Some(p) = run.panic.as_mut() {
                p.push_str(if p.ends_with(':') { " " } else { " | " });
                p.push_str(line.trim());
                return None;
            }
        }
        if let Some(ev) = libfuzzer::parse_status(line, t_ms) {
            run.events.push(ev);
            return run.events.last();
        }
        if let Some(n) = libfuzzer::parse_pc_table(line) {
            // One table per instrumented module; the binary is one module, but sum to be safe.
            run.pc_table = Some(run.pc_table.unwrap_or(0) + n);
        } else if let Some(a) = libfuzzer::parse_artifact(line) {
            run.artifacts.push(a.to_owned());
        } else if let Some(rest) = line.strip_prefix("ORACLE ") {
            if let Some(counts) = parse_oracle(rest) {
                run.oracle = Some(counts);
            }
        } else if line.contains(" panicked at ") && run.panic.is_none() {
            run.panic = Some(line.to_owned());
            self.in_panic = true;
        }
        None
    }
}

/// `compared=10 rejected=3` → `(10, 3)`.
pub fn parse_oracle(rest: &str) -> Option<(u64, u64)> {
    let mut compared = None;
    let mut rejected = None;
    for kv in rest.split_whitespace() {
        match kv.split_once('=') {
            Some(("compared", v)) => compared = v.parse().ok(),
            Some(("rejected", v)) => rejected = v.parse().ok(),
            _ => {}
        }
    }
    Some((compared?, rejected?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::libfuzzer::Kind;

    /// The stderr of a real short run of the crash fixture, abridged.
    const LOG: &str = "\
INFO: Seed: 622845079
INFO: Loaded 1 modules   (161 inline 8-bit counters): 161 [0x55b6f1ef7128, 0x55b6f1ef71c9),
INFO: Loaded 1 PC tables (161 PCs): 161 [0x55b6f1ef71d0,0x55b6f1ef7be0),
#2\tINITED cov: 13 ft: 14 corp: 1/10b exec/s: 0 rss: 27Mb
ORACLE compared=1 rejected=1
#3\tNEW    cov: 15 ft: 16 corp: 2/20b lim: 10 exec/s: 0 rss: 27Mb L: 10/10 MS: 1 ChangeBit-
ORACLE compared=2 rejected=2

thread '<unnamed>' (16731) panicked at fuzz_targets/fixture_crash.rs:15:9:
planted bug: '!' at offset 3 after '#'
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
==16731== ERROR: libFuzzer: deadly signal
artifact_prefix='a/'; Test unit written to a/crash-0c23cbbce83ffac558430781fec76df3ade89c09
";

    fn empty_run() -> TargetRun {
        TargetRun::new("fixture_crash", 10.0)
    }

    #[test]
    fn a_whole_log() {
        let mut m = Monitor::new(empty_run());
        let mut kinds = vec![];
        for (i, line) in LOG.lines().enumerate() {
            if let Some(ev) = m.feed(line, i as u64) {
                kinds.push(ev.kind);
            }
        }
        let r = m.run;
        assert_eq!(kinds, [Kind::Inited, Kind::New]);
        assert_eq!(r.pc_table, Some(161));
        assert_eq!(r.oracle, Some((2, 2)));
        assert_eq!(
            r.artifacts,
            ["a/crash-0c23cbbce83ffac558430781fec76df3ade89c09"]
        );
        assert_eq!(
            r.panic.as_deref(),
            Some(
                "thread '<unnamed>' (16731) panicked at fuzz_targets/fixture_crash.rs:15:9: planted bug: '!' \
                 at offset 3 after '#'"
            )
        );
    }

    #[test]
    fn oracle_lines() {
        assert_eq!(parse_oracle("compared=10 rejected=3"), Some((10, 3)));
        assert_eq!(parse_oracle("rejected=3 compared=10"), Some((10, 3)));
        assert_eq!(parse_oracle("compared=10"), None);
        assert_eq!(parse_oracle("compared=ten rejected=3"), None);
    }
}
