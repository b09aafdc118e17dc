//! The two sides of a comparison before they run: resolve each to a commit, check it out (one
//! shared worktree, or one per side for criterion benches) and build its bench executables once.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use cargo_metadata::{Message, TargetKind};

use super::stamps::Stamps;
use crate::project::BenchTarget;
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

/// A side checked out and built: where it runs and its bench executables by bench name, copied
/// aside so that the checkout and the shared target directory can move on to the other side.
#[derive(Debug, Clone)]
pub struct Built {
    /// The project root the benches run in.
    pub dir: PathBuf,
    /// The target directory it was built in (criterion benches are run through cargo there).
    pub target_dir: PathBuf,
    /// How the side's criterion reads durations, when it has criterion benches.
    pub criterion: Option<crate::criterion::SecondsFormat>,
    /// Bench name → (its target, the executable copied aside).
    pub executables: BTreeMap<String, (BenchTarget, PathBuf)>,
}

/// A git worktree a committed side is checked out in (created on first checkout, removed when
/// dropped), so that its benches can be built and run while the user's checkout stays as it is.
#[derive(Debug)]
pub struct Worktree {
    /// The repository's top level (where `git worktree` runs).
    repo: PathBuf,
    /// The worktree.
    pub path: PathBuf,
    /// The project root relative to the repository's top level (`""` or `sub/dir/`).
    prefix: String,
    created: bool,
}

fn git(args: &[&str], dir: &Path) -> Result<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .context("cannot run git: is it installed?")?;
    if !out.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

impl Worktree {
    /// A worktree at `path` for the repository holding `project_root` (created on first checkout).
    pub fn new(project_root: &Path, path: PathBuf) -> Result<Worktree> {
        let repo = PathBuf::from(git(&["rev-parse", "--show-toplevel"], project_root)?);
        let prefix = git(&["rev-parse", "--show-prefix"], project_root)?;
        Ok(Worktree {
            repo,
            path,
            prefix,
            created: false,
        })
    }

    /// Check `commit` out (creating the worktree the first time); returns the project root in it.
    pub fn checkout(&mut self, commit: &str) -> Result<PathBuf> {
        if !self.created {
            if self.path.exists() {
                // Left over from a run that was killed: start clean.
                let _ = git(
                    &[
                        "worktree",
                        "remove",
                        "--force",
                        &self.path.to_string_lossy(),
                    ],
                    &self.repo,
                );
                if self.path.exists() {
                    sys::remove_dir(&self.path)?;
                }
            }
            git(&["worktree", "prune"], &self.repo)?;
            if let Some(parent) = self.path.parent() {
                sys::create_dir(parent)?;
            }
            git(
                &[
                    "worktree",
                    "add",
                    "--quiet",
                    "--detach",
                    &self.path.to_string_lossy(),
                    commit,
                ],
                &self.repo,
            )?;
            self.created = true;
        } else {
            // Only the files that differ get new timestamps, so cargo rebuilds only what changed.
            git(
                &["checkout", "--quiet", "--force", "--detach", commit],
                &self.path,
            )?;
            git(&["clean", "-ffdq"], &self.path)?;
        }
        let dir = self.path.join(&self.prefix);
        // A commit without Cargo.lock would resolve dependencies afresh; pin them to ours so both
        // sides build against the same versions.
        let lock = self.repo.join(&self.prefix).join("Cargo.lock");
        if !dir.join("Cargo.lock").exists() && lock.is_file() {
            sys::copy(&lock, &dir.join("Cargo.lock"))?;
        }
        Ok(dir)
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        if self.created {
            let _ = git(
                &[
                    "worktree",
                    "remove",
                    "--force",
                    &self.path.to_string_lossy(),
                ],
                &self.repo,
            );
            let _ = sys::remove_dir(&self.path);
            let _ = git(&["worktree", "prune"], &self.repo);
        }
    }
}

/// Checks out and builds the sides of a comparison.
///
/// Native benches are copied aside once built, so the committed sides share one worktree and one
/// target directory (`<compare>/target`), checked out and built in turn: git rewrites only the
/// files that differ between the two commits, with fresh timestamps, so the second build
/// recompiles only what the change touches. The target directory persists between comparisons;
/// the worktree is removed when the comparison ends, and the next comparison's checkout gets the
/// timestamps of the files its contents match back ([`Stamps`]), so it too rebuilds only what
/// differs from the last build. Two worktrees could not share it: cargo
/// names a workspace crate's artifacts by its path relative to the workspace root, the same in
/// every checkout, so a checkout made before the other side's build would be taken for fresh.
///
/// Criterion benches run through cargo (cargo-criterion) at every process run, so a side with
/// criterion benches keeps a worktree and target directory of its own (`<compare>/target-base`,
/// `target-head`) for the whole comparison. The checkout as it is ([`WORKTREE`]) builds in the
/// project's own target directory.
#[derive(Debug)]
pub struct Builder {
    root: PathBuf,
    project_target: PathBuf,
    compare_dir: PathBuf,
    bench: Option<String>,
    shared: Worktree,
    own: [Worktree; 2],
}

impl Builder {
    /// A builder for the project at `root` whose results go under `compare_dir`; `bench` selects
    /// bench files by name (else those that run by default).
    pub fn new(
        root: &Path,
        project_target: &Path,
        compare_dir: &Path,
        bench: Option<String>,
    ) -> Result<Builder> {
        let tree = |name: &str| Worktree::new(root, compare_dir.join("worktrees").join(name));
        Ok(Builder {
            root: root.to_path_buf(),
            project_target: project_target.to_path_buf(),
            compare_dir: compare_dir.to_path_buf(),
            bench,
            shared: tree("commits")?,
            own: [tree("base")?, tree("head")?],
        })
    }

    /// The selected benches of the checkout at `dir`.
    fn wanted(&self, side: &Side, dir: &Path) -> Result<Vec<BenchTarget>> {
        let all = crate::project::benches_in(dir)
            .with_context(|| format!("cannot read the benches of {} {}", side.role, side.spec))?;
        let wanted: Vec<BenchTarget> = all
            .into_iter()
            .filter(|b| match self.bench.as_deref() {
                Some(f) => b.name.contains(f),
                None => b.by_default,
            })
            .collect();
        if wanted.is_empty() {
            eprintln!(
                "note: {} {} has no bench matching {:?}",
                side.role,
                side.spec,
                self.bench.as_deref().unwrap_or("")
            );
        }
        Ok(wanted)
    }

    /// Check `side` out and build its selected benches; their executables are copied to
    /// `<compare>/bin/<role>/`.
    pub fn build(&mut self, side: &Side) -> Result<Built> {
        let aside = self.compare_dir.join("bin").join(side.role);
        let Source::Commit(commit) = &side.source else {
            let wanted = self.wanted(side, &self.root)?;
            return build(side, &self.root, &self.project_target, &wanted, &aside);
        };
        let dir = self.shared.checkout(commit)?;
        let wanted = self.wanted(side, &dir)?;
        if wanted.iter().all(|b| b.native) {
            let target = self.compare_dir.join("target");
            Stamps::restore(&self.shared.path, &target);
            Stamps::forget(&target);
            let built = build(side, &dir, &target, &wanted, &aside)?;
            Stamps::record(&self.shared.path, &target)?;
            return Ok(built);
        }
        let own = &mut self.own[usize::from(side.role == "head")];
        let dir = own.checkout(commit)?;
        let target = self.compare_dir.join(format!("target-{}", side.role));
        build(side, &dir, &target, &wanted, &aside)
    }
}

/// Build `benches` of the side checked out at `dir` in the shared `target_dir`, and copy each
/// executable to `<aside>/<name>`.
pub fn build(
    side: &Side,
    dir: &Path,
    target_dir: &Path,
    benches: &[BenchTarget],
    aside: &Path,
) -> Result<Built> {
    let mut executables = BTreeMap::new();
    let mut built = Built {
        dir: dir.to_path_buf(),
        target_dir: target_dir.to_path_buf(),
        criterion: None,
        executables: BTreeMap::new(),
    };
    if benches.is_empty() {
        return Ok(built);
    }
    if benches.iter().any(|b| !b.native) {
        crate::criterion::ensure_cargo_criterion()?;
        let version = crate::project::criterion_version(dir)?;
        built.criterion = Some(crate::criterion::SecondsFormat::of(version));
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
        ])
        .env("CARGO_TARGET_DIR", target_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for b in benches {
        cmd.args(["--package", &b.package, "--bench", &b.name]);
    }
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {}", sys::describe(&cmd)))?;
    let stdout = child.stdout.take().context("no stdout from cargo")?;
    let mut found = BTreeMap::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.context("cannot read cargo's output")?;
        if let Some((name, exe)) = bench_executable(&line) {
            found.insert(name, exe);
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
    for b in benches {
        let Some(exe) = found.get(&b.name) else {
            bail!(
                "cargo built no executable for bench {} of {} {}",
                b.name,
                side.role,
                side.label
            );
        };
        let copy = aside.join(&b.name);
        sys::copy(exe, &copy)?;
        executables.insert(b.name.clone(), (b.clone(), copy));
    }
    built.executables = executables;
    Ok(built)
}

/// The bench files both sides built, sorted; a note for each that only one side has. None in
/// common is a usage error (`bench` is `--bench`).
pub fn common_benches(base: &Built, head: &Built, bench: Option<&str>) -> Result<Vec<String>> {
    let mut common = Vec::new();
    let names: std::collections::BTreeSet<&String> = base
        .executables
        .keys()
        .chain(head.executables.keys())
        .collect();
    for name in names {
        if base.executables.contains_key(name) && head.executables.contains_key(name) {
            common.push(name.clone());
        } else {
            eprintln!("note: bench {name} exists on one side only; skipped");
        }
    }
    if common.is_empty() {
        return Err(crate::exit::usage(match bench {
            Some(f) => format!("no bench matching --bench {f:?} exists on both sides"),
            None => "no bench exists on both sides".to_owned(),
        }));
    }
    Ok(common)
}

/// `(bench name, executable)` from one line of cargo's JSON messages, if it is a built bench.
pub fn bench_executable(line: &str) -> Option<(String, PathBuf)> {
    let Ok(Message::CompilerArtifact(a)) = serde_json::from_str::<Message>(line) else {
        return None;
    };
    if !a.target.kind.contains(&TargetKind::Bench) {
        return None;
    }
    Some((a.target.name, a.executable?.into_std_path_buf()))
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_bench_executables_in_cargo_messages() {
        let bench = r#"{"reason":"compiler-artifact","package_id":"path+file:///w/benches#gauntlet-bench@0.1.0","manifest_path":"/w/benches/Cargo.toml","target":{"kind":["bench"],"crate_types":["bin"],"name":"fixture","src_path":"/w/benches/benches/fixture.rs","edition":"2024","doc":false,"doctest":false,"test":false},"profile":{"opt_level":"3","debuginfo":1,"debug_assertions":false,"overflow_checks":false,"test":false},"features":[],"filenames":["/t/release/deps/fixture-abc"],"executable":"/t/release/deps/fixture-abc","fresh":true}"#;
        assert_eq!(
            bench_executable(bench),
            Some((
                "fixture".into(),
                PathBuf::from("/t/release/deps/fixture-abc")
            ))
        );
        let lib = bench.replace(r#""kind":["bench"]"#, r#""kind":["lib"]"#);
        let lib = lib.as_str();
        assert_eq!(bench_executable(lib), None);
        assert_eq!(bench_executable(r#"{"reason":"build-finished"}"#), None);
        assert_eq!(bench_executable("not json"), None);
    }

    #[test]
    fn only_benches_both_sides_built_are_compared() {
        let built = |names: &[&str]| Built {
            dir: PathBuf::new(),
            target_dir: PathBuf::new(),
            criterion: None,
            executables: names
                .iter()
                .map(|n| {
                    let target = BenchTarget {
                        package: "p".into(),
                        name: (*n).into(),
                        native: true,
                        by_default: true,
                    };
                    ((*n).to_owned(), (target, PathBuf::from(n)))
                })
                .collect(),
        };
        let common = common_benches(&built(&["b", "a", "old"]), &built(&["a", "new", "b"]), None);
        assert_eq!(common.unwrap(), ["a", "b"]);
        let e = common_benches(&built(&["x"]), &built(&["y"]), Some("z")).unwrap_err();
        assert!(e.to_string().contains("--bench \"z\""), "{e}");
    }

    #[test]
    fn bad_refs_are_clear_errors() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
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

#[cfg(test)]
mod shared_build_tests {
    use super::*;

    fn sh(dir: &Path, args: &[&str]) {
        let out = Command::new(args[0])
            .args(&args[1..])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn commit(dir: &Path, message: &str) -> String {
        sh(dir, &["git", "add", "-A"]);
        sh(
            dir,
            &[
                "git",
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "commit",
                "-qm",
                message,
            ],
        );
        git(&["rev-parse", "HEAD"], dir).unwrap()
    }

    fn side(root: &Path, role: &'static str, commit: &str) -> Side {
        resolve(root, role, commit, &[]).unwrap()
    }

    /// Two commits whose bench code differs (its unchanged dependency, named `gauntlet-bench` so that
    /// the bench counts as native), built in turn in one worktree and one target
    /// directory: each side gets its own executable, and the crate the change does not touch is
    /// not rebuilt for the second side.
    #[test]
    fn committed_sides_share_a_target_dir_and_keep_their_own_code() {
        let root = std::env::temp_dir().join(format!("gauntlet-shared-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        write(
            &root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"a\", \"b\"]\nresolver = \"2\"\n",
        );
        write(
            &root.join("b/Cargo.toml"),
            "[package]\nname = \"gauntlet-bench\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        );
        write(&root.join("b/src/lib.rs"), "pub fn base() -> u32 { 40 }\n");
        write(
            &root.join("a/Cargo.toml"),
            "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\ngauntlet-bench = \
             { path = \"../b\" }\n\n[[bench]]\nname = \"answer\"\nharness = false\n",
        );
        write(&root.join("a/src/lib.rs"), "pub const ADD: u32 = 1;\n");
        write(
            &root.join("a/benches/answer.rs"),
            "fn main() { println!(\"{}\", gauntlet_bench::base() + a::ADD); }\n",
        );
        write(&root.join(".gitignore"), "/target\n");
        sh(&root, &["git", "init", "-q"]);
        let first = commit(&root, "one");
        write(&root.join("a/src/lib.rs"), "pub const ADD: u32 = 2;\n");
        let second = commit(&root, "two");

        let compare = root.join("target/gauntlet/compare");
        let mut builder =
            Builder::new(&root, &root.join("target"), &compare, Some("answer".into())).unwrap();
        let b_rlib = || {
            sys::files_in(&compare.join("target/release/deps"))
                .into_iter()
                .find(|p| {
                    p.to_string_lossy().contains("libgauntlet_bench-")
                        && p.extension().is_some_and(|e| e == "rlib")
                })
                .map(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        };
        let run = |built: &Built| {
            let exe = &built.executables["answer"].1;
            String::from_utf8(Command::new(exe).output().unwrap().stdout).unwrap()
        };
        let base = builder.build(&side(&root, "base", &first)).unwrap();
        let b_after_base = b_rlib().expect("b was built in the shared target directory");
        let head = builder.build(&side(&root, "head", &second)).unwrap();
        assert_eq!(run(&base).trim(), "41", "base runs the base's code");
        assert_eq!(run(&head).trim(), "42", "head runs the head's code");
        assert_eq!(
            b_rlib(),
            Some(b_after_base),
            "the crate the change does not touch is reused, not rebuilt"
        );
        drop(builder);
        assert!(
            !compare.join("worktrees/commits").exists(),
            "the worktree is removed"
        );

        // A later comparison checks out afresh, yet rebuilds only what differs from the last
        // build: the same commit again rebuilds nothing, and going back rebuilds `a` only.
        let a_exe = || {
            sys::files_in(&compare.join("target/release/deps"))
                .into_iter()
                .filter(|p| {
                    let name = p.file_name().unwrap().to_string_lossy().into_owned();
                    name.starts_with("answer-") && !name.ends_with(".d")
                })
                .map(|p| std::fs::metadata(p).unwrap().modified().unwrap())
                .max()
        };
        let before = a_exe();
        let mut builder =
            Builder::new(&root, &root.join("target"), &compare, Some("answer".into())).unwrap();
        let again = builder.build(&side(&root, "head", &second)).unwrap();
        assert_eq!(run(&again).trim(), "42");
        assert_eq!(a_exe(), before, "the same sources again are not rebuilt");
        let back = builder.build(&side(&root, "base", &first)).unwrap();
        assert_eq!(run(&back).trim(), "41", "a changed file is rebuilt");
        assert_eq!(b_rlib(), Some(b_after_base));
        drop(builder);
        let _ = std::fs::remove_dir_all(&root);
    }
}
