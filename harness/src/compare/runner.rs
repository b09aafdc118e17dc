//! The two sides of a comparison: resolve each to a commit, check it out in its own git worktree,
//! build its bench executables once, then run them as interleaved process runs.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use gauntlet_bench::BenchRecord;

use crate::sys;

/// The pseudo-ref for the checkout as it is, uncommitted changes included.
pub const WORKTREE: &str = "WORKTREE";

/// Where a side's sources come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A commit, checked out in a git worktree of its own.
    Commit(String),
    /// The current checkout, built in place.
    WorkingTree,
}

/// One side of the comparison, resolved.
#[derive(Debug, Clone)]
pub struct Side {
    /// `base` or `head`.
    pub role: &'static str,
    /// The ref as given.
    pub spec: String,
    /// Resolved source.
    pub source: Source,
    /// The full commit (HEAD's, for the working tree).
    pub commit: String,
    /// 12 hex digits or `worktree`.
    pub label: String,
    /// `KEY=VALUE` pairs for this side's runs.
    pub env: Vec<(String, String)>,
}

/// Resolve `spec` (a commit, a ref, or [`WORKTREE`]) in the repository at `root`.
pub fn resolve(
    root: &Path,
    role: &'static str,
    spec: &str,
    env: &[(String, String)],
) -> Result<Side> {
    let rev_parse = |rev: &str| {
        sys::output(
            Command::new("git")
                .args(["rev-parse", "--verify", "--quiet", rev])
                .current_dir(root),
        )
    };
    let (source, commit, label) = if spec == WORKTREE {
        let head = rev_parse("HEAD^{commit}").unwrap_or_default();
        (Source::WorkingTree, head, "worktree".to_owned())
    } else {
        if spec.starts_with('-') {
            bail!("{role} {spec:?} looks like an option, not a commit or ref");
        }
        let Some(commit) = rev_parse(&format!("{spec}^{{commit}}")) else {
            bail!(
                "{role} {spec:?} is not a commit or ref in {} (see `git log --oneline`; use \
                 {WORKTREE} for uncommitted changes)",
                root.display()
            );
        };
        let label = commit.chars().take(12).collect();
        (Source::Commit(commit.clone()), commit, label)
    };
    Ok(Side {
        role,
        spec: spec.to_owned(),
        source,
        commit,
        label,
        env: env.to_vec(),
    })
}

/// A side checked out and built: where its sources are and its bench executables by name.
#[derive(Debug, Clone)]
pub struct Built {
    /// The workspace root the benches run in.
    pub dir: PathBuf,
    /// Bench name → executable.
    pub executables: BTreeMap<String, PathBuf>,
}

/// Check `side` out (a worktree under `compare_dir/worktrees/<role>`) and return its root.
pub fn checkout(root: &Path, compare_dir: &Path, side: &Side) -> Result<PathBuf> {
    let Source::Commit(commit) = &side.source else {
        return Ok(root.to_path_buf());
    };
    let path = compare_dir.join("worktrees").join(side.role);
    let git = |args: &[&str], dir: &Path| -> Result<()> {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .context("cannot run git")?;
        if !out.status.success() {
            bail!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    };
    // Reusable only if it is a worktree of *this* repository (a target directory can be shared
    // between clones).
    let common_dir = |dir: &Path| {
        sys::output(
            Command::new("git")
                .args(["rev-parse", "--path-format=absolute", "--git-common-dir"])
                .current_dir(dir),
        )
        .and_then(|d| Path::new(&d).canonicalize().ok())
    };
    let reusable = path.join(".git").is_file()
        && sys::output(
            Command::new("git")
                .args(["rev-parse", "--show-toplevel"])
                .current_dir(&path),
        )
        .is_some_and(|top| Path::new(&top) == path.canonicalize().unwrap_or_default())
        && common_dir(&path).is_some_and(|c| Some(c) == common_dir(root));
    if reusable {
        // Reuse the worktree: only changed files get new timestamps, so cargo rebuilds little.
        git(&["clean", "-ffdxq"], &path)?;
        git(
            &["checkout", "--quiet", "--force", "--detach", commit],
            &path,
        )?;
    } else {
        if path.exists() {
            // Ours (under target/), but not a usable worktree any more.
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("cannot remove stale {}", path.display()))?;
        }
        git(&["worktree", "prune"], root)?;
        std::fs::create_dir_all(compare_dir.join("worktrees"))?;
        let p = path.to_string_lossy();
        git(
            &["worktree", "add", "--quiet", "--detach", &p, commit],
            root,
        )?;
    }
    // A commit without Cargo.lock would resolve dependencies afresh; pin them to ours so both
    // sides build against the same versions.
    let lock = root.join("Cargo.lock");
    if !path.join("Cargo.lock").exists() && lock.is_file() {
        std::fs::copy(&lock, path.join("Cargo.lock")).context("cannot copy Cargo.lock")?;
    }
    Ok(path)
}

/// Build the selected bench files of a checked-out side once and find their executables.
pub fn build(side: &Side, dir: &Path, target_dir: &Path, wanted: &[String]) -> Result<Built> {
    let declared = crate::bench::bench_names(dir).with_context(|| {
        format!(
            "{} {} has no readable benches/Cargo.toml",
            side.role, side.label
        )
    })?;
    let names: Vec<String> = wanted
        .iter()
        .filter(|w| declared.contains(w))
        .cloned()
        .collect();
    let mut executables = BTreeMap::new();
    if names.is_empty() {
        return Ok(Built {
            dir: dir.to_path_buf(),
            executables,
        });
    }
    eprintln!(
        "building {} {} ({}) in {}",
        side.role,
        side.spec,
        side.label,
        dir.display()
    );
    let mut cmd = Command::new("cargo");
    cmd.current_dir(dir)
        .args([
            "bench",
            "--no-run",
            "--message-format=json-render-diagnostics",
            "-p",
            "gauntlet-bench",
        ])
        .env("CARGO_TARGET_DIR", target_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for n in &names {
        cmd.args(["--bench", n]);
    }
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {}", sys::describe(&cmd)))?;
    let stdout = child.stdout.take().context("no stdout from cargo")?;
    for line in BufReader::new(stdout).lines() {
        let line = line.context("cannot read cargo's output")?;
        if let Some((name, exe)) = bench_executable(&line) {
            executables.insert(name, exe);
        }
    }
    let status = child.wait().context("cargo did not finish")?;
    if !status.success() {
        bail!(
            "cannot build the benches of {} {} ({}) in {}: `{}` failed ({status}); see the output \
             above",
            side.role,
            side.spec,
            side.label,
            dir.display(),
            sys::describe(&cmd)
        );
    }
    for n in &names {
        if !executables.contains_key(n) {
            bail!(
                "cargo built no executable for bench {n} of {} {}",
                side.role,
                side.label
            );
        }
    }
    Ok(Built {
        dir: dir.to_path_buf(),
        executables,
    })
}

/// `(bench name, executable)` from one line of cargo's JSON messages, if it is a built bench.
pub fn bench_executable(line: &str) -> Option<(String, PathBuf)> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    if v.get("reason")?.as_str()? != "compiler-artifact" {
        return None;
    }
    let target = v.get("target")?;
    let is_bench = target
        .get("kind")?
        .as_array()?
        .iter()
        .any(|k| k.as_str() == Some("bench"));
    let exe = v.get("executable")?.as_str()?;
    if !is_bench {
        return None;
    }
    let name = target.get("name")?.as_str()?.to_owned();
    Some((name, PathBuf::from(exe)))
}

/// How to run the benches.
#[derive(Debug, Clone)]
pub struct RunPlan {
    /// Process runs per side.
    pub runs: usize,
    /// Recording time per bench per run.
    pub time_ms: u64,
    /// Only bench ids containing this (passed to the executables).
    pub filter: Option<String>,
    /// Bench files to run.
    pub benches: Vec<String>,
}

/// The records of every process run, per side, in run order.
#[derive(Debug, Default)]
pub struct Recorded {
    /// Base runs.
    pub base: Vec<Vec<BenchRecord>>,
    /// Head runs.
    pub head: Vec<Vec<BenchRecord>>,
}

/// Run both sides interleaved, alternating which goes first in each pair (A B, B A, A B, …), so
/// that a machine that drifts (load, temperature, frequency) moves both sides alike.
pub fn run_interleaved(
    sides: [(&Side, &Built); 2],
    plan: &RunPlan,
    runs_dir: &Path,
) -> Result<Recorded> {
    if runs_dir.exists() {
        std::fs::remove_dir_all(runs_dir)
            .with_context(|| format!("cannot clear {}", runs_dir.display()))?;
    }
    let mut rec = Recorded::default();
    for i in 0..plan.runs {
        let order = if i % 2 == 0 { [0, 1] } else { [1, 0] };
        let mut times = [0.0; 2];
        for k in order {
            let (side, built) = sides[k];
            let out = runs_dir.join(format!("{}-{:02}", side.role, i + 1));
            let started = Instant::now();
            let records = run_once(side, built, plan, &out, i + 1)?;
            times[k] = started.elapsed().as_secs_f64();
            if k == 0 {
                rec.base.push(records);
            } else {
                rec.head.push(records);
            }
        }
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        eprintln!(
            "run {:>2}/{}  base {:.1} s  head {:.1} s  load {}",
            i + 1,
            plan.runs,
            times[0],
            times[1],
            load.split_whitespace().next().unwrap_or("?")
        );
    }
    Ok(rec)
}

/// One process run of every selected bench file of one side into `out`.
fn run_once(
    side: &Side,
    built: &Built,
    plan: &RunPlan,
    out: &Path,
    run: usize,
) -> Result<Vec<BenchRecord>> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for name in &plan.benches {
        let exe = &built.executables[name];
        let mut cmd = Command::new(exe);
        cmd.current_dir(&built.dir).arg("--bench");
        if let Some(f) = &plan.filter {
            cmd.arg(f);
        }
        // Nothing from the caller's environment may tilt one side: set every knob explicitly.
        cmd.env("GAUNTLET_SKIP_CRITERION", "1")
            .env("GAUNTLET_BENCH_OUT", out)
            .env("GAUNTLET_BENCH_TIME_MS", plan.time_ms.to_string())
            .env_remove("GAUNTLET_BENCH_QUICK")
            .env_remove("GAUNTLET_BENCH_SLOWDOWN_PCT");
        for (k, v) in &side.env {
            cmd.env(k, v);
        }
        let output = cmd
            .output()
            .with_context(|| format!("cannot start {}", exe.display()))?;
        if !output.status.success() {
            let err = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = err.lines().rev().take(15).collect();
            for l in tail.iter().rev() {
                eprintln!("  {l}");
            }
            bail!(
                "bench {name} of {} {} failed in run {run} ({})",
                side.role,
                side.label,
                output.status
            );
        }
    }
    let mut records = Vec::new();
    for path in sys::files_in(out) {
        if path.extension().is_some_and(|e| e == "json") {
            records.push(BenchRecord::load(&path).map_err(anyhow::Error::msg)?);
        }
    }
    if records.is_empty() {
        bail!(
            "run {run} of {} {} recorded no bench{}",
            side.role,
            side.label,
            plan.filter
                .as_ref()
                .map_or(String::new(), |f| format!(" matching {f:?}"))
        );
    }
    if let Source::Commit(c) = &side.source {
        let stale = records
            .iter()
            .find(|r| !r.meta.commit.is_empty() && &r.meta.commit != c);
        if let Some(r) = stale {
            bail!(
                "{} of {} claims commit {}, expected {c}: stale executable?",
                r.id,
                side.role,
                r.meta.commit
            );
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_bench_executables_in_cargo_messages() {
        let bench = r#"{"reason":"compiler-artifact","target":{"kind":["bench"],"name":"fixture"},"executable":"/t/release/deps/fixture-abc"}"#;
        assert_eq!(
            bench_executable(bench),
            Some((
                "fixture".into(),
                PathBuf::from("/t/release/deps/fixture-abc")
            ))
        );
        let lib = r#"{"reason":"compiler-artifact","target":{"kind":["lib"],"name":"x"},"executable":null}"#;
        assert_eq!(bench_executable(lib), None);
        assert_eq!(bench_executable(r#"{"reason":"build-finished"}"#), None);
        assert_eq!(bench_executable("not json"), None);
    }

    #[test]
    fn bad_refs_are_clear_errors() {
        let root = sys::workspace_root();
        let e = resolve(&root, "base", "no-such-ref-xyz", &[]).unwrap_err();
        assert!(e.to_string().contains("is not a commit or ref"), "{e}");
        let e = resolve(&root, "head", "--oops", &[]).unwrap_err();
        assert!(e.to_string().contains("looks like an option"), "{e}");
        let w = resolve(&root, "head", WORKTREE, &[]).unwrap();
        assert_eq!(
            (w.source, w.label.as_str()),
            (Source::WorkingTree, "worktree")
        );
    }
}
