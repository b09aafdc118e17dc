//! Replaying fuzz inputs through a check on stable Rust, naming the input that fails.

use std::any::Any;
use std::fs;
use std::io::ErrorKind;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// Runs `check` on every input of `target` in the cargo-fuzz folder `fuzz_dir`: the seeds in
/// `corpus/<target>/`, then the crash inputs in `regressions/<target>/`. Returns how many inputs ran
/// (a missing folder contributes none); panics naming the first file whose check panics.
///
/// ```no_run
/// # fn check(_: &[u8]) {}
/// let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
/// assert!(gauntlet_oracle::replay_corpus(&fuzz, "my_target", check) > 0, "no corpus");
/// ```
pub fn replay_corpus(fuzz_dir: &Path, target: &str, mut check: impl FnMut(&[u8])) -> usize {
    ["corpus", "regressions"]
        .iter()
        .map(|folder| replay_dir(&fuzz_dir.join(folder).join(target), &mut check))
        .sum()
}

/// Runs `check` on the contents of every file directly in `dir`, in name order, and returns how
/// many ran. A missing `dir` runs none. When a check panics, panics with the file's path and the
/// check's message, so the failing input can be found and replayed alone. A check that runs past
/// [`crate::REPLAY_TIMEOUT`] ends the process as a failure naming the file ([`crate::deadline`]).
pub fn replay_dir(dir: &Path, mut check: impl FnMut(&[u8])) -> usize {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == ErrorKind::NotFound => return 0,
        Err(err) => panic!("cannot list {}: {err}", dir.display()),
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| {
            entry
                .unwrap_or_else(|err| panic!("cannot list {}: {err}", dir.display()))
                .path()
        })
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    for path in &files {
        let data =
            fs::read(path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
        let _deadline = crate::deadline::deadline(
            crate::deadline::replay_timeout(),
            format!("the check of fuzz input {}", path.display()),
        );
        // The check is a test's assertion: once it panicked nothing of its state is used again.
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| check(&data))) {
            panic!(
                "fuzz input {} fails its check: {}",
                path.display(),
                message(&*payload)
            );
        }
    }
    files.len()
}

fn message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "(a panic without a message)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh cargo-fuzz-like folder under the system's temporary folder.
    struct FuzzDir(PathBuf);

    impl FuzzDir {
        fn new(test: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("gauntlet-oracle-{}-{test}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }

        fn file(&self, path: &str, contents: &[u8]) -> PathBuf {
            let path = self.0.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, contents).unwrap();
            path
        }
    }

    impl Drop for FuzzDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn visits_corpus_then_regressions_in_name_order_files_only() {
        let fuzz = FuzzDir::new("order");
        fuzz.file("corpus/t/b", b"seed b");
        fuzz.file("corpus/t/a", b"seed a");
        fuzz.file("corpus/t/nested/c", b"not replayed");
        fuzz.file("corpus/other/d", b"another target");
        fuzz.file("regressions/t/crash-1", b"crash");
        let mut seen = Vec::new();
        let n = replay_corpus(&fuzz.0, "t", |data| seen.push(data.to_vec()));
        assert_eq!(n, 3);
        assert_eq!(seen, [&b"seed a"[..], b"seed b", b"crash"]);
    }

    #[test]
    fn missing_folders_replay_nothing() {
        let fuzz = FuzzDir::new("missing");
        assert_eq!(replay_corpus(&fuzz.0, "t", |_| panic!("no input")), 0);
        fuzz.file("regressions/t/only", b"x");
        assert_eq!(replay_corpus(&fuzz.0, "t", |_| {}), 1);
    }

    #[test]
    fn a_failing_input_is_named_with_the_checks_message() {
        let fuzz = FuzzDir::new("failing");
        fuzz.file("corpus/t/good", b"ok");
        let bad = fuzz.file("regressions/t/crash-overflow", b"bad");
        let failure = panic::catch_unwind(|| {
            replay_corpus(&fuzz.0, "t", |data| {
                assert_ne!(data, b"bad", "planted disagreement");
            })
        })
        .expect_err("the bad input passed");
        let message = failure
            .downcast_ref::<String>()
            .expect("a formatted message");
        assert!(
            message.contains(&bad.display().to_string()),
            "file not named: {message}"
        );
        assert!(
            message.contains("planted disagreement"),
            "check's message lost: {message}"
        );
    }

    #[test]
    fn a_hanging_input_ends_the_replay_as_a_failure_naming_it() {
        const CHILD: &str = "GAUNTLET_ORACLE_REPLAY_HANG_CHILD";
        if let Some(dir) = std::env::var_os(CHILD) {
            replay_dir(Path::new(&dir), |data| {
                if data == b"hang" {
                    std::thread::sleep(std::time::Duration::from_secs(60));
                }
            });
            return;
        }
        let fuzz = FuzzDir::new("hang");
        fuzz.file("a-fine", b"ok");
        let hang = fuzz.file("b-loops", b"hang");
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "replay::tests::a_hanging_input_ends_the_replay_as_a_failure_naming_it",
                "--nocapture",
            ])
            .env(CHILD, &fuzz.0)
            .env("GAUNTLET_REPLAY_TIMEOUT_SECS", "0.3")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(crate::HANG_EXIT_CODE), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "error: the check of fuzz input {} still running after 300",
                hang.display()
            )),
            "{stderr}"
        );
    }

    #[test]
    fn static_panic_messages_are_kept() {
        let fuzz = FuzzDir::new("static");
        fuzz.file("t", b"");
        let failure = panic::catch_unwind(|| replay_dir(&fuzz.0, |_| panic!("static message")))
            .expect_err("the check panicked");
        let message = failure.downcast_ref::<String>().unwrap();
        assert!(
            message.ends_with("fails its check: static message"),
            "{message}"
        );
    }
}
