//! Every side effect of the harness: processes, files, git.

use std::path::{Path, PathBuf};

use std::process::Command;

use anyhow::{Context, Result, bail};

/// Run a command to completion with inherited output; error if it fails to start or fails.
pub fn run_checked(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {}", describe(cmd)))?;
    if !status.success() {
        bail!("{} failed ({status})", describe(cmd));
    }
    Ok(())
}

/// A command's trimmed stdout, or `None` if it cannot run or fails.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `program arg arg …` for messages.
pub fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Whether `cargo <sub> --version` works (an installed cargo subcommand).
pub fn has_cargo_subcommand(sub: &str) -> bool {
    Command::new("cargo")
        .args([sub, "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Install `cargo <sub>` (crate `krate`) with `cargo install --locked` when it is missing.
pub fn ensure_cargo_tool(sub: &str, krate: &str) -> Result<()> {
    if has_cargo_subcommand(sub) {
        return Ok(());
    }
    eprintln!(
        "gauntlet: {krate} is missing; installing it (cargo install --locked {krate}, a few minutes)"
    );
    run_checked(Command::new("cargo").args(["install", "--locked", krate]))
        .with_context(|| format!("cannot install {krate}; install it yourself and run again"))
}

/// `valgrind --version` (e.g. `valgrind-3.19.0`), installing valgrind with apt-get (through
/// sudo when not root) when it is missing.
pub fn ensure_valgrind() -> Result<String> {
    let version = || output(Command::new("valgrind").arg("--version"));
    if let Some(v) = version() {
        return Ok(v);
    }
    eprintln!("gauntlet: valgrind is missing; installing it (apt-get install -y valgrind)");
    let root = output(Command::new("id").arg("-u")).is_some_and(|u| u == "0");
    let apt = |args: &[&str]| {
        let mut cmd = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.args(["-n", "apt-get"]);
            c
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run_checked(&mut cmd)
    };
    apt(&["update", "-qq"])
        .and_then(|()| apt(&["install", "-y", "-qq", "valgrind"]))
        .context("cannot install valgrind; install it yourself (e.g. apt-get install valgrind) and run again")?;
    version().context("valgrind was installed but does not run")
}

/// Short commit hash of HEAD in `dir` plus `-dirty` when there are uncommitted changes.
pub fn commit_stamp(dir: &Path) -> String {
    let commit = output(
        Command::new("git")
            .args(["rev-parse", "--short=12", "HEAD"])
            .current_dir(dir),
    )
    .unwrap_or_else(|| "nogit".to_owned());
    let dirty = output(
        Command::new("git")
            .args(["status", "--porcelain", "--untracked-files=no"])
            .current_dir(dir),
    )
    .is_some_and(|s| !s.is_empty());
    if dirty {
        format!("{commit}-dirty")
    } else {
        commit
    }
}

/// `rustc --version` of the default and the nightly toolchain.
pub fn toolchains() -> (String, String) {
    (
        output(Command::new("rustc").arg("--version")).unwrap_or_default(),
        output(Command::new("rustc").args(["+nightly", "--version"])).unwrap_or_default(),
    )
}

/// Write `contents`, creating parent directories.
pub fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    if let Some(parent) = path.parent() {
        create_dir(parent)?;
    }
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
}

/// Create `dir` and its parents.
pub fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}

/// Remove `dir` and everything in it; a directory that is not there is fine.
pub fn remove_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// Copy the file `from` to `to`, creating `to`'s parent directories.
pub fn copy(from: &Path, to: &Path) -> Result<()> {
    if let Some(parent) = to.parent() {
        create_dir(parent)?;
    }
    std::fs::copy(from, to)
        .map(drop)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))
}

/// Files directly inside `dir` (none if it does not exist), sorted.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Subdirectories of `dir`, sorted.
pub fn dirs_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The 1, 5 and 15 minute load averages (zeros where `/proc/loadavg` does not exist).
pub fn loadavg() -> [f64; 3] {
    let s = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut it = s.split_whitespace().map(|v| v.parse().unwrap_or(0.0));
    [
        it.next().unwrap_or(0.0),
        it.next().unwrap_or(0.0),
        it.next().unwrap_or(0.0),
    ]
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Mark a file executable (`chmod +x`); nothing to do on systems without the bit.
pub fn make_executable(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut perms = std::fs::metadata(path)
            .with_context(|| format!("cannot stat {}", path.display()))?
            .permissions();
        perms.set_mode(perms.mode() | 0o111);
        std::fs::set_permissions(path, perms)
            .with_context(|| format!("cannot make {} executable", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_effects_create_copy_and_remove_with_clear_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("a.txt");
        write(&src, "x").unwrap();
        let to = tmp.path().join("deep/er/b.txt");
        copy(&src, &to).unwrap();
        assert_eq!(std::fs::read_to_string(&to).unwrap(), "x");
        remove_dir(&tmp.path().join("deep")).unwrap();
        assert!(!to.exists());
        remove_dir(&tmp.path().join("never-there")).unwrap();
        let e = copy(&tmp.path().join("missing"), &to).unwrap_err();
        assert!(e.to_string().starts_with("cannot copy "), "{e}");
        let e = create_dir(&src.join("under-a-file")).unwrap_err();
        assert!(e.to_string().starts_with("cannot create "), "{e}");
    }
}
