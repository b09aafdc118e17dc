//! The instrumentation environment (`cargo llvm-cov show-env`), the toolchain's `llvm-profdata`
//! and `llvm-cov`, and the arguments gauntlet gives them.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// Parse `cargo llvm-cov show-env` output (`KEY=value` lines, values possibly in POSIX shell
/// single or double quotes). Lines that are not assignments are skipped.
pub fn parse_show_env(text: &str) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        out.push((key.to_owned(), unquote(raw)?));
    }
    if !out
        .iter()
        .any(|(k, _)| k == "RUSTC_WRAPPER" || k == "RUSTFLAGS")
    {
        bail!(
            "cargo llvm-cov show-env printed no instrumentation settings (RUSTC_WRAPPER or RUSTFLAGS)"
        );
    }
    Ok(out)
}

/// Undo POSIX shell quoting of one word: `'a'\''b'` → `a'b`.
fn unquote(raw: &str) -> Result<String> {
    let mut out = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(c) => out.push(c),
                    None => bail!("unterminated quote in show-env value {raw:?}"),
                }
            },
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => out.extend(chars.next()),
                    Some(c) => out.push(c),
                    None => bail!("unterminated quote in show-env value {raw:?}"),
                }
            },
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// `<sysroot>/lib/rustlib/<host>/bin`, given `rustc --print sysroot` and `rustc -vV` output.
pub fn tools_dir(sysroot: &str, rustc_vv: &str) -> Result<PathBuf> {
    let Some(host) = rustc_vv.lines().find_map(|l| l.strip_prefix("host: ")) else {
        bail!("`rustc -vV` printed no host triple");
    };
    Ok(Path::new(sysroot.trim())
        .join("lib/rustlib")
        .join(host.trim())
        .join("bin"))
}

/// Escape a literal for an LLVM (POSIX extended) regular expression.
pub fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\^$.|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The `-ignore-filename-regex` of a run: everything outside the measured crates' own sources —
/// the standard library, dependencies, build output, the crates that were not selected, and the
/// measured crates' `tests/`, `benches/` and `examples/` (test code is not the code under test).
pub fn ignore_regex(target_dir: &str, measured: &[&str], others: &[&str]) -> String {
    let mut alts: Vec<String> = vec![
        "^/rustc/".into(),
        "/\\.cargo/(registry|git)/".into(),
        "/\\.rustup/toolchains/".into(),
        format!("^{}/", regex_escape(target_dir.trim_end_matches('/'))),
    ];
    // A crate that was not selected but holds a measured one (a root package) must not hide it.
    let holds_measured = |dir: &str| {
        measured
            .iter()
            .any(|m| m.strip_prefix(dir).is_some_and(|r| r.starts_with('/')))
    };
    for dir in others.iter().filter(|d| !holds_measured(d)) {
        alts.push(format!("^{}/", regex_escape(dir)));
    }
    for dir in measured {
        alts.push(format!("^{}/(tests|benches|examples)/", regex_escape(dir)));
    }
    alts.join("|")
}

/// `llvm-cov` arguments naming the binaries: the first is positional, the rest `-object`.
pub fn object_args(objects: &[PathBuf]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        if i > 0 {
            out.push("-object".to_owned());
        }
        out.push(o.display().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_env_values_are_unquoted() {
        let text = "LLVM_PROFILE_FILE='/t/main-%p-%2m.profraw'\n__WRAPPER_RUSTFLAGS='-Cinstrument-coverage\u{1f}--cfg=coverage'\n\
                    RUSTC_WRAPPER=/home/u/.cargo/bin/cargo-llvm-cov\nRUSTDOCFLAGS='a '\\''b'\\'' c'\nexport X=\"q\\\"z\"\ninfo: ignored\n";
        let env = parse_show_env(text).unwrap();
        assert_eq!(
            env[0],
            ("LLVM_PROFILE_FILE".into(), "/t/main-%p-%2m.profraw".into())
        );
        assert_eq!(env[1].1, "-Cinstrument-coverage\u{1f}--cfg=coverage");
        assert_eq!(env[2].1, "/home/u/.cargo/bin/cargo-llvm-cov");
        assert_eq!(env[3].1, "a 'b' c");
        assert_eq!(env[4], ("X".into(), "q\"z".into()));
        assert_eq!(env.len(), 5);
        assert!(parse_show_env("A='open\n").is_err());
        assert!(
            parse_show_env("NOTHING=1\n").is_err(),
            "no instrumentation settings"
        );
    }

    #[test]
    fn tools_live_in_the_host_rustlib() {
        let vv = "rustc 1.95.0\nbinary: rustc\nhost: x86_64-unknown-linux-gnu\nrelease: 1.95.0\n";
        assert_eq!(
            tools_dir("/s\n", vv).unwrap(),
            PathBuf::from("/s/lib/rustlib/x86_64-unknown-linux-gnu/bin")
        );
        assert!(tools_dir("/s", "rustc 1.95.0\n").is_err());
    }

    #[test]
    fn ignore_regex_keeps_only_the_measured_sources() {
        assert_eq!(regex_escape("/a.b+(c)"), "/a\\.b\\+\\(c\\)");
        let r = ignore_regex("/t/", &["/w/targets/a"], &["/w/harness"]);
        assert_eq!(
            r,
            "^/rustc/|/\\.cargo/(registry|git)/|/\\.rustup/toolchains/|^/t/|^/w/harness/|^/w/targets/a/(tests|benches|examples)/"
        );
        let nested = ignore_regex("/t", &["/w/inner"], &["/w"]);
        assert!(!nested.contains("^/w/|"), "{nested}");
        let objs = [PathBuf::from("/b/one"), PathBuf::from("/b/two")];
        assert_eq!(object_args(&objs), ["/b/one", "-object", "/b/two"]);
    }
}
