//! The project gauntlet works on: found the way cargo finds it (`cargo metadata`, honouring
//! `--manifest-path`), read once and handed to every verb typed. Any package or workspace works;
//! nothing about this repository's layout is assumed.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use cargo_metadata::{Metadata, MetadataCommand, Package, TargetKind};

use crate::config::Config;

/// The name of the optional configuration file at the project root.
pub const CONFIG_FILE: &str = "gauntlet.toml";

/// A Rust package or workspace, as `cargo metadata` describes it, plus its `gauntlet.toml`.
#[derive(Debug)]
pub struct Project {
    /// The workspace root (the directory of the root `Cargo.toml`).
    pub root: PathBuf,
    /// Cargo's target directory (honours `CARGO_TARGET_DIR` and `.cargo/config.toml`).
    pub target_dir: PathBuf,
    /// The manifest given with `--manifest-path`, if any (passed on to every cargo call).
    pub manifest_path: Option<PathBuf>,
    /// `cargo metadata --no-deps` of the workspace.
    pub metadata: Metadata,
    /// `gauntlet.toml`, or the defaults when there is none.
    pub config: Config,
}

impl Project {
    /// Find the project around the current directory, or the one `manifest_path` names, with
    /// `config` (default `<root>/gauntlet.toml`, which may be missing) as its configuration.
    pub fn locate(manifest_path: Option<&Path>, config: Option<&Path>) -> Result<Project> {
        let mut cmd = MetadataCommand::new();
        cmd.no_deps();
        if let Some(m) = manifest_path {
            if !m.is_file() {
                bail!(
                    "--manifest-path {}: no such file (give the path of a Cargo.toml)",
                    m.display()
                );
            }
            cmd.manifest_path(m);
        }
        let metadata = cmd.exec().map_err(|e| {
            anyhow::anyhow!(
                "cannot read the project with `cargo metadata`: {}; run cargo gauntlet inside a \
                 Rust package or workspace, or pass --manifest-path",
                first_line(&e.to_string())
            )
        })?;
        let root = metadata.workspace_root.clone().into_std_path_buf();
        let target_dir = metadata.target_directory.clone().into_std_path_buf();
        let config = match config {
            Some(path) if !path.is_file() => {
                bail!("--config {}: no such file", path.display())
            }
            Some(path) => Config::load(path)?,
            None => Config::load(&root.join(CONFIG_FILE))?,
        };
        Ok(Project {
            root,
            target_dir,
            manifest_path: manifest_path.map(Path::to_path_buf),
            metadata,
            config,
        })
    }

    /// `<target>/gauntlet`: everything gauntlet writes.
    pub fn gauntlet_dir(&self) -> PathBuf {
        self.target_dir.join("gauntlet")
    }

    /// The workspace members, in `cargo metadata` order.
    pub fn members(&self) -> Vec<&Package> {
        self.metadata.workspace_packages()
    }

    /// A member's directory relative to the root, with `/` separators (`""` for the root).
    pub fn rel_dir(&self, p: &Package) -> String {
        let dir = p
            .manifest_path
            .parent()
            .map(|d| d.as_std_path().to_path_buf())
            .unwrap_or_default();
        dir.strip_prefix(&self.root)
            .unwrap_or(&dir)
            .to_string_lossy()
            .replace('\\', "/")
    }

    /// The cargo-fuzz package: `fuzz.dir` from `gauntlet.toml`, else `<root>/fuzz`, else the
    /// first member's `fuzz/`, as cargo-fuzz lays it out. `None` when there is none.
    pub fn fuzz_dir(&self) -> Option<PathBuf> {
        if let Some(d) = &self.config.fuzz.dir {
            return Some(self.root.join(d));
        }
        if is_cargo_fuzz_package(&self.root.join("Cargo.toml")) {
            return Some(self.root.clone());
        }
        let candidates = std::iter::once(self.root.join("fuzz")).chain(
            self.members().into_iter().filter_map(|p| {
                p.manifest_path
                    .parent()
                    .map(|d| d.as_std_path().join("fuzz"))
            }),
        );
        candidates
            .into_iter()
            .find(|d| is_cargo_fuzz_package(&d.join("Cargo.toml")))
    }

    /// Every bench target of the workspace: `(package, bench name, records percentiles itself)`.
    /// A bench "records itself" when its package is or depends on `gauntlet-bench`; any other
    /// bench is run as a criterion bench.
    pub fn benches(&self) -> Vec<BenchTarget> {
        benches_of(&self.metadata)
    }

    /// `cargo` with `--manifest-path` already in place when one was given, run from the root.
    pub fn cargo(&self, subcommand: &str) -> std::process::Command {
        let mut cmd = std::process::Command::new("cargo");
        cmd.current_dir(&self.root).arg(subcommand);
        if let Some(m) = &self.manifest_path {
            cmd.arg("--manifest-path").arg(absolute(m));
        }
        cmd
    }
}

/// The criterion version the project whose root is `dir` resolves to (the oldest, if several),
/// which decides how durations are written on criterion's command line.
pub fn criterion_version(dir: &Path) -> Result<(u64, u64, u64)> {
    let manifest = dir.join("Cargo.toml");
    let metadata = MetadataCommand::new()
        .manifest_path(&manifest)
        .exec()
        .with_context(|| format!("cannot read {} with cargo metadata", manifest.display()))?;
    criterion_versions(&metadata)
        .into_iter()
        .min()
        .with_context(|| {
            format!(
                "{} does not depend on criterion; only criterion benches can be measured",
                dir.display()
            )
        })
}

/// Versions of the `criterion` packages in the resolved dependency graph.
fn criterion_versions(metadata: &Metadata) -> Vec<(u64, u64, u64)> {
    metadata
        .packages
        .iter()
        .filter(|p| p.name.as_str() == "criterion")
        .map(|p| (p.version.major, p.version.minor, p.version.patch))
        .collect()
}

/// The benches of the project whose root is `dir` (another checkout of it, say).
pub fn benches_in(dir: &Path) -> Result<Vec<BenchTarget>> {
    let manifest = dir.join("Cargo.toml");
    let metadata = MetadataCommand::new()
        .no_deps()
        .manifest_path(&manifest)
        .exec()
        .with_context(|| format!("cannot read {} with cargo metadata", manifest.display()))?;
    Ok(benches_of(&metadata))
}

fn benches_of(metadata: &Metadata) -> Vec<BenchTarget> {
    let mut v = Vec::new();
    for p in metadata.workspace_packages() {
        let native = p.name.as_str() == "gauntlet-bench"
            || p.dependencies.iter().any(|d| d.name == "gauntlet-bench");
        let off = not_benched_by_default(p.manifest_path.as_std_path());
        for t in &p.targets {
            if t.kind.contains(&TargetKind::Bench) {
                v.push(BenchTarget {
                    package: p.name.to_string(),
                    name: t.name.clone(),
                    native,
                    by_default: !off.contains(&t.name),
                });
            }
        }
    }
    v
}

/// `[[bench]]` targets declared with `bench = false`: run only when named (cargo's own rule;
/// `cargo metadata` does not report the flag, so the manifest is read for it).
fn not_benched_by_default(manifest: &Path) -> Vec<String> {
    let Some(doc) = std::fs::read_to_string(manifest)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
    else {
        return Vec::new();
    };
    doc.get("bench")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter(|b| b.get("bench").and_then(toml::Value::as_bool) == Some(false))
        .filter_map(|b| b.get("name")?.as_str().map(str::to_owned))
        .collect()
}

/// The bench targets `--bench` selects (all when it is not given).
pub fn select_benches<'a>(
    all: &'a [BenchTarget],
    bench: Option<&str>,
) -> Result<Vec<&'a BenchTarget>> {
    if all.is_empty() {
        return Err(crate::exit::usage(
            "this project declares no benches: add a criterion bench under benches/ \
             (`[[bench]] harness = false`)",
        ));
    }
    let selected: Vec<&BenchTarget> = all
        .iter()
        .filter(|b| match bench {
            Some(f) => b.name.contains(f),
            None => b.by_default,
        })
        .collect();
    if selected.is_empty() {
        let names: Vec<&str> = all.iter().map(|b| b.name.as_str()).collect();
        return Err(crate::exit::usage(format!(
            "no bench target matches --bench {:?}; bench targets are: {}",
            bench.unwrap_or(""),
            names.join(", ")
        )));
    }
    Ok(selected)
}

/// One `[[bench]]` of a workspace member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchTarget {
    pub package: String,
    pub name: String,
    /// Writes gauntlet bench records itself (uses `gauntlet-bench`); otherwise criterion.
    pub native: bool,
    /// Run without being named (`bench = false` in the manifest turns that off).
    pub by_default: bool,
}

/// Whether `manifest` is a cargo-fuzz package (`[package.metadata] cargo-fuzz = true`).
pub fn is_cargo_fuzz_package(manifest: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(manifest) else {
        return false;
    };
    let Ok(doc) = text.parse::<toml::Table>() else {
        return false;
    };
    doc.get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("cargo-fuzz"))
        .and_then(toml::Value::as_bool)
        .unwrap_or(false)
}

/// The `[[bin]]` targets of a cargo-fuzz package, read with `cargo metadata` like any package.
pub fn fuzz_targets(fuzz_dir: &Path) -> Result<Vec<String>> {
    let manifest = fuzz_dir.join("Cargo.toml");
    if !manifest.is_file() {
        bail!(
            "no cargo-fuzz package at {}: create one with `cargo fuzz init`, or set fuzz.dir in {CONFIG_FILE}",
            fuzz_dir.display()
        );
    }
    let md = MetadataCommand::new()
        .no_deps()
        .manifest_path(&manifest)
        .exec()
        .with_context(|| format!("cannot read {} with cargo metadata", manifest.display()))?;
    let pkg = md
        .packages
        .iter()
        .find(|p| p.manifest_path.as_std_path() == manifest || md.packages.len() == 1)
        .or(md.packages.first())
        .with_context(|| format!("{} declares no package", manifest.display()))?;
    Ok(pkg
        .targets
        .iter()
        .filter(|t| t.kind.contains(&TargetKind::Bin))
        .map(|t| t.name.clone())
        .collect())
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn first_line(s: &str) -> &str {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or(s)
        .trim_start_matches("error: ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_workspace_is_found_with_its_fuzz_package_and_benches() {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        let p = Project::locate(Some(&manifest), None).unwrap();
        assert!(p.root.join("harness").is_dir());
        assert_eq!(p.fuzz_dir(), Some(p.root.join("fuzz")));
        let benches = p.benches();
        assert!(
            benches
                .iter()
                .any(|b| b.package == "gauntlet-bench" && b.name == "retry_counter" && b.native)
        );
        let fixture = benches.iter().find(|b| b.name == "fixture").unwrap();
        assert!(
            !fixture.by_default,
            "the calibration bench runs only when asked for"
        );
        let targets = fuzz_targets(&p.root.join("fuzz")).unwrap();
        assert!(targets.contains(&"retry_counter_differential".to_owned()));
    }

    #[test]
    fn the_criterion_version_comes_from_the_resolved_graph() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        // gauntlet-bench depends on criterion 0.5.
        let (major, minor, _) = criterion_version(&root).unwrap();
        assert_eq!((major, minor), (0, 5));
        let lone = tempfile::tempdir().unwrap();
        std::fs::write(
            lone.path().join("Cargo.toml"),
            "[package]\nname = \"lone\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
        )
        .unwrap();
        std::fs::create_dir(lone.path().join("src")).unwrap();
        std::fs::write(lone.path().join("src/lib.rs"), "").unwrap();
        let e = criterion_version(lone.path()).map(|_| ()).unwrap_err();
        assert!(
            e.to_string().contains("does not depend on criterion"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_manifest_is_a_clear_error() {
        let e = Project::locate(Some(Path::new("/nonexistent/Cargo.toml")), None).unwrap_err();
        assert!(e.to_string().contains("no such file"), "{e}");
    }

    #[test]
    fn only_cargo_fuzz_packages_count() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        assert!(is_cargo_fuzz_package(&root.join("fuzz/Cargo.toml")));
        assert!(!is_cargo_fuzz_package(&root.join("harness/Cargo.toml")));
    }
}
