//! Crashes and oracle mismatches: reproduce each artifact with a backtrace, name the bug by its
//! panic message and top frames, minimise it (`cargo fuzz tmin`) and keep one input per bug in
//! `fuzz/regressions/<target>/`, which the crates' stable `tests/fuzz_replay.rs` replay.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};
pub use gauntlet_records::fuzz::Crash;

use super::process;

/// The kind of a libFuzzer artifact from its file name, if it is a failure (`slow-unit-*` is not).
pub fn failure_kind(path: &str) -> Option<&'static str> {
    let name = Path::new(path).file_name()?.to_str()?;
    ["crash", "leak", "timeout", "oom"]
        .into_iter()
        .find(|k| name.starts_with(&format!("{k}-")))
}

/// What a failing run printed: where it panicked, the message, the top frames.
#[derive(Debug, Default, PartialEq)]
pub struct Failure {
    /// `file:line:col`.
    pub location: Option<String>,
    /// The message, possibly several lines (`assert_eq!`'s left/right).
    pub message: Option<String>,
    /// Innermost frames in the code under test.
    pub frames: Vec<String>,
}

/// How many frames name a bug.
const TOP_FRAMES: usize = 3;

/// Read the panic and the backtrace out of a failing run's stderr.
pub fn parse_failure(stderr: &str) -> Failure {
    let mut f = Failure::default();
    let mut lines = stderr.lines().peekable();
    while let Some(line) = lines.next() {
        if f.location.is_none() {
            if let Some(i) = line.find(" panicked at ") {
                let loc = line[i + " panicked at ".len()..].trim_end_matches(':');
                f.location = Some(loc.to_owned());
                let mut msg = vec![];
                while let Some(next) = lines.peek() {
                    if next.starts_with("note: ")
                        || next.starts_with("stack backtrace:")
                        || next.starts_with("==")
                    {
                        break;
                    }
                    msg.push(*next);
                    lines.next();
                }
                f.message = Some(msg.join("\n").trim().to_owned());
            }
        } else if line.starts_with("stack backtrace:") {
            f.frames = user_frames(&mut lines);
        }
    }
    f
}

/// Frames of a Rust backtrace (`  12: name` followed by `at file:line` lines), innermost first,
/// without the panic machinery above them and stopping at libFuzzer's entry point.
fn user_frames<'a>(lines: &mut impl Iterator<Item = &'a str>) -> Vec<String> {
    const PANIC_MACHINERY: [&str; 9] = [
        "std::",
        "core::",
        "alloc::",
        "<std::",
        "<core::",
        "<alloc::",
        "__rustc::",
        "rust_begin_unwind",
        "libfuzzer_sys::",
    ];
    let mut frames = vec![];
    for line in lines {
        let t = line.trim_start();
        let Some((num, name)) = t.split_once(": ") else {
            if t.starts_with("at ") {
                continue;
            }
            break;
        };
        if !num.chars().all(|c| c.is_ascii_digit()) {
            break;
        }
        let name = strip_hash(name.trim());
        if name == "__libfuzzer_sys_run" || name == "rust_fuzzer_test_input" {
            break;
        }
        if PANIC_MACHINERY.iter().any(|p| name.starts_with(p)) && frames.is_empty() {
            continue;
        }
        frames.push(name.to_owned());
        if frames.len() == TOP_FRAMES {
            break;
        }
    }
    frames
}

/// `foo::bar::h0123456789abcdef` → `foo::bar`.
fn strip_hash(name: &str) -> &str {
    match name.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) => {
            head
        }
        _ => name,
    }
}

/// The message with every number blanked, so `offset 3` and `offset 17` are one bug.
pub fn normalize(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            while chars
                .peek()
                .is_some_and(|c| c.is_ascii_hexdigit() || *c == 'x' || *c == '_' || *c == '.')
            {
                chars.next();
            }
            out.push('N');
        } else {
            out.push(c);
        }
    }
    out
}

/// The signature of a failure: 16 hex digits of FNV-1a over the kind, the first line of the
/// normalised message and the top frames. FNV because it must not change between Rust releases.
pub fn signature(kind: &str, f: &Failure) -> String {
    let first_line = f
        .message
        .as_deref()
        .unwrap_or("")
        .lines()
        .next()
        .unwrap_or("");
    let text = format!("{kind}|{}|{}", normalize(first_line), f.frames.join(";"));
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The file name an input is kept under: `<kind>-<first 12 digits of the signature>`.
pub fn kept_name(kind: &str, signature: &str) -> String {
    format!("{kind}-{}", &signature[..12.min(signature.len())])
}

/// An input in `dir` already kept for this signature.
pub fn find_duplicate(dir: &Path, kind: &str, signature: &str) -> Option<PathBuf> {
    let name = kept_name(kind, signature);
    crate::sys::files_in(dir).into_iter().find(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().contains(&name))
    })
}

/// How to run the built fuzz binary on single inputs.
pub struct Binary<'a> {
    /// The libFuzzer binary.
    pub path: &'a Path,
    /// Working directory (libFuzzer may drop files in it).
    pub cwd: &'a Path,
    /// `-timeout` for one input, seconds.
    pub unit_timeout_secs: u64,
}

impl Binary<'_> {
    fn command(&self) -> Command {
        let mut cmd = Command::new(self.path);
        cmd.current_dir(self.cwd)
            .arg(format!("-timeout={}", self.unit_timeout_secs));
        cmd
    }

    /// Run one input with a backtrace; `None` if it did not fail.
    pub fn reproduce(&self, input: &Path) -> Result<Option<Failure>> {
        let mut cmd = self.command();
        cmd.env("RUST_BACKTRACE", "1").arg(input);
        let limit = Duration::from_secs(self.unit_timeout_secs * 2 + 10);
        let out = process::run_captured(cmd, limit)?;
        let failed = out.timed_out || out.status.is_none_or(|s| !s.success());
        Ok(failed.then(|| parse_failure(&out.stderr)))
    }

    /// `cargo fuzz tmin`: libFuzzer's `-minimize_crash=1`, time-boxed, into `out`. Returns
    /// whether `out` was written.
    pub fn minimize(&self, input: &Path, out: &Path, secs: u64) -> Result<bool> {
        let _ = std::fs::remove_file(out);
        let mut cmd = self.command();
        cmd.env("RUST_BACKTRACE", "0")
            .arg("-minimize_crash=1")
            .arg(format!("-max_total_time={secs}"))
            .arg(format!("-exact_artifact_path={}", out.display()))
            .arg(input);
        process::run_captured(cmd, Duration::from_secs(secs + 15))
            .with_context(|| format!("cannot minimise {}", input.display()))?;
        Ok(out.is_file())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PANIC: &str = "\
Running: crash-0c23cbbce83ffac558430781fec76df3ade89c09

thread '<unnamed>' (16731) panicked at fuzz_targets/fixture_crash.rs:15:9:
planted bug: '!' at offset 3 after '#'
stack backtrace:
   0: __rustc::rust_begin_unwind
             at /rustc/e50aa/library/std/src/panicking.rs:689:5
   1: core::panicking::panic_fmt
             at /rustc/e50aa/library/core/src/panicking.rs:80:14
   2: fixture_crash::check::h0123456789abcdef
             at ./fuzz_targets/fixture_crash.rs:15:9
   3: __libfuzzer_sys_run
             at ./fuzz_targets/fixture_crash.rs:8:43
   4: rust_fuzzer_test_input
             at /root/.cargo/registry/src/libfuzzer-sys-0.4.13/src/lib.rs:276:60
   5: main
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.
==16731== ERROR: libFuzzer: deadly signal
";

    #[test]
    fn reads_the_panic_and_the_frames_under_test() {
        let f = parse_failure(PANIC);
        assert_eq!(
            f.location.as_deref(),
            Some("fuzz_targets/fixture_crash.rs:15:9")
        );
        assert_eq!(
            f.message.as_deref(),
            Some("planted bug: '!' at offset 3 after '#'")
        );
        assert_eq!(f.frames, ["fixture_crash::check"]);
    }

    #[test]
    fn multi_line_messages_and_no_backtrace() {
        let text = "thread 'main' panicked at src/a.rs:1:2:\nassertion `left == right` failed: delays\n  \
                    left: 5\n right: 6\nnote: run with `RUST_BACKTRACE=1`\n";
        let f = parse_failure(text);
        assert_eq!(
            f.message.as_deref(),
            Some("assertion `left == right` failed: delays\n  left: 5\n right: 6")
        );
        assert!(f.frames.is_empty());
        assert_eq!(parse_failure("INFO: nothing here\n"), Failure::default());
    }

    #[test]
    fn the_same_bug_with_other_numbers_has_one_signature() {
        let a = parse_failure(PANIC);
        let b = parse_failure(&PANIC.replace("offset 3", "offset 1017"));
        assert_eq!(signature("crash", &a), signature("crash", &b));
        let other_frame =
            parse_failure(&PANIC.replace("fixture_crash::check", "fixture_crash::other"));
        assert_ne!(signature("crash", &a), signature("crash", &other_frame));
        let other_text = parse_failure(&PANIC.replace("planted bug", "another bug"));
        assert_ne!(signature("crash", &a), signature("crash", &other_text));
        assert_ne!(signature("crash", &a), signature("timeout", &a));
        assert_eq!(signature("crash", &a).len(), 16);
        assert_eq!(
            normalize("delay 0x1f above 12_000 at 1.5s"),
            "delay N above N at Ns"
        );
    }

    #[test]
    fn artifact_kinds() {
        assert_eq!(failure_kind("/a/crash-0c23"), Some("crash"));
        assert_eq!(failure_kind("timeout-99"), Some("timeout"));
        assert_eq!(failure_kind("oom-1"), Some("oom"));
        assert_eq!(failure_kind("leak-1"), Some("leak"));
        assert_eq!(failure_kind("slow-unit-1"), None);
        assert_eq!(failure_kind("minimized-from-1"), None);
    }

    #[test]
    fn duplicates_are_found_by_name() {
        let dir = std::env::temp_dir().join(format!("gauntlet-dup-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let sig = "0123456789abcdef";
        assert_eq!(find_duplicate(&dir, "crash", sig), None);
        std::fs::write(dir.join("crash-0123456789ab"), b"x").unwrap();
        assert!(find_duplicate(&dir, "crash", sig).is_some());
        assert_eq!(find_duplicate(&dir, "timeout", sig), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
