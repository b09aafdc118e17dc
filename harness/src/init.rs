//! `cargo gauntlet init`: write the CI files that run gauntlet on a project — GitHub Actions
//! workflows (pull-request fuzz, nightly fuzz with corpus minimisation, nightly coverage with its
//! trend, pull-request bench comparison) and `.clusterfuzzlite/` (project.yaml, Dockerfile,
//! build.sh) so the same fuzz targets scale out on ClusterFuzzLite or OSS-Fuzz.
//!
//! Three steps, so that the middle one is testable without a file system:
//! [`gather`] reads the project into [`ProjectFacts`] (I/O), [`plan`] renders the templates under
//! `harness/templates/` into [`GeneratedFile`]s (pure), [`apply`] writes them (I/O), never
//! replacing a file that differs unless asked to.
//!
//! Exit status: 0 when every file was written or already had the generated contents; 1 when an
//! existing file differs and was left alone (re-run with `--force` to overwrite it). `--dry-run`
//! writes nothing and exits as the real run would.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, UndefinedBehavior, context};

use crate::sys;

/// Options of `cargo gauntlet init`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Overwrite files that exist and differ from what would be generated.
    #[arg(long)]
    pub force: bool,
    /// Print each file and what would happen to it; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The project's root (default: the cargo workspace around the current directory).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// The cargo-fuzz package, relative to the project root.
    #[arg(long, value_name = "DIR", default_value = "fuzz")]
    pub fuzz_dir: PathBuf,
}

/// What the generated files depend on, read from the project by [`gather`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFacts {
    /// The project's name: the root package's, else the root folder's. Names the checkout in the
    /// ClusterFuzzLite image.
    pub name: String,
    /// The cargo-fuzz package relative to the root, with `/` separators (`fuzz`).
    pub fuzz_dir: String,
    /// The `[[bin]]` names of `<fuzz_dir>/Cargo.toml`; empty when there is no fuzz package.
    pub fuzz_targets: Vec<String>,
    /// Whether the root package or a workspace member has benches.
    pub has_benches: bool,
    /// Where CI installs `cargo-gauntlet` from: a git repository, or crates.io when `None`.
    pub gauntlet_git: Option<String>,
}

/// One file [`plan`] generates, its path relative to the project root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative path, `/`-separated (`.github/workflows/gauntlet-fuzz-pr.yml`).
    pub path: String,
    /// Rendered contents.
    pub contents: String,
    /// Whether it is a script to be marked executable.
    pub executable: bool,
}

/// What [`apply`] did (or, in a dry run, would do) with one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The file did not exist and was written.
    Created,
    /// The file existed with the same contents.
    Unchanged,
    /// The file existed and differed; `--force` overwrote it.
    Overwritten,
    /// The file existed and differed; left alone without `--force`.
    Skipped,
}

/// Run `cargo gauntlet init`.
pub fn run(args: Args) -> Result<u8> {
    let root = match &args.project {
        Some(dir) => dir.clone(),
        None => project_root()?,
    };
    let facts = gather(&root, &args.fuzz_dir)?;
    for note in notes(&facts) {
        eprintln!("note: {note}");
    }
    let files = plan(&facts)?;
    let outcomes = apply(&root, &files, args.force, args.dry_run)?;
    for (file, outcome) in files.iter().zip(&outcomes) {
        println!("{:<48} {}", file.path, describe(*outcome, args.dry_run));
        if args.dry_run && *outcome != Outcome::Unchanged {
            println!("--- {} (generated) ---\n{}", file.path, file.contents);
        }
    }
    let skipped = outcomes.iter().filter(|o| **o == Outcome::Skipped).count();
    if skipped > 0 {
        let (were, next) = if args.dry_run {
            ("would be", "compare them with the generated versions above")
        } else {
            ("were", "compare them with `cargo gauntlet init --dry-run`")
        };
        eprintln!(
            "error: {skipped} existing file(s) differ from the generated ones and {were} left \
             alone; {next}, then re-run with --force to overwrite them"
        );
        return Ok(1);
    }
    Ok(0)
}

/// One file's line in the summary.
fn describe(outcome: Outcome, dry_run: bool) -> &'static str {
    match (outcome, dry_run) {
        (Outcome::Created, false) => "created",
        (Outcome::Created, true) => "would be created",
        (Outcome::Unchanged, _) => "unchanged",
        (Outcome::Overwritten, false) => "overwritten",
        (Outcome::Overwritten, true) => "would be overwritten",
        (Outcome::Skipped, false) => "exists and differs: skipped (--force overwrites)",
        (Outcome::Skipped, true) => "exists and differs: would be skipped (--force overwrites)",
    }
}

/// The cargo workspace root around the current directory (`cargo locate-project --workspace`).
fn project_root() -> Result<PathBuf> {
    let manifest = sys::output(Command::new("cargo").args([
        "locate-project",
        "--workspace",
        "--message-format",
        "plain",
    ]))
    .context("no Cargo.toml here or above: run `cargo gauntlet init` inside the project, or pass --project DIR")?;
    Ok(Path::new(&manifest)
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf))
}

/// Read the facts [`plan`] needs from the project at `root`.
pub fn gather(root: &Path, fuzz_dir: &Path) -> Result<ProjectFacts> {
    let manifest_path = root.join("Cargo.toml");
    let manifest = read_manifest(&manifest_path)?.with_context(|| {
        format!(
            "{} does not exist: pass --project with the folder of the project's Cargo.toml",
            manifest_path.display()
        )
    })?;
    let fuzz_manifest_path = root.join(fuzz_dir).join("Cargo.toml");
    let fuzz_targets = match read_manifest(&fuzz_manifest_path)? {
        Some(fuzz) => bin_names(&fuzz),
        None => Vec::new(),
    };
    let members = manifest
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(toml::Value::as_array)
        .map(|m| m.iter().filter_map(toml::Value::as_str).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut package_dirs = vec![root.to_path_buf()];
    for member in members {
        package_dirs.extend(expand_member(root, member));
    }
    let mut has_benches = false;
    for dir in &package_dirs {
        let declares = read_manifest(&dir.join("Cargo.toml"))?
            .is_some_and(|m| m.get("bench").is_some_and(toml::Value::is_array));
        has_benches |= declares || dir.join("benches").is_dir();
    }
    let name = manifest
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(toml::Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            let root = root.canonicalize().ok()?;
            Some(root.file_name()?.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "project".to_owned());
    let repository = env!("CARGO_PKG_REPOSITORY");
    Ok(ProjectFacts {
        name,
        fuzz_dir: fuzz_dir.to_string_lossy().replace('\\', "/"),
        fuzz_targets,
        has_benches,
        gauntlet_git: (!repository.is_empty()).then(|| repository.to_owned()),
    })
}

/// A parsed manifest, `None` when the file does not exist.
fn read_manifest(path: &Path) -> Result<Option<toml::Table>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let table = text
        .parse::<toml::Table>()
        .with_context(|| format!("{} is not valid TOML: fix it first", path.display()))?;
    Ok(Some(table))
}

/// The `[[bin]]` names of a cargo-fuzz manifest, in declaration order.
fn bin_names(manifest: &toml::Table) -> Vec<String> {
    manifest
        .get("bin")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|b| b.get("name")?.as_str().map(str::to_owned))
        .collect()
}

/// A workspace member's folders: `crates/x` as is, `crates/*` as every folder in `crates/`.
fn expand_member(root: &Path, member: &str) -> Vec<PathBuf> {
    match member.strip_suffix("/*") {
        Some(parent) => sys::dirs_in(&root.join(parent)),
        None => vec![root.join(member)],
    }
}

/// What the user should know about files that were not planned.
pub fn notes(facts: &ProjectFacts) -> Vec<String> {
    let mut notes = Vec::new();
    if facts.fuzz_targets.is_empty() {
        notes.push(format!(
            "no fuzz targets in {}/Cargo.toml: the fuzz workflows and .clusterfuzzlite/ are not \
             generated; create them with `cargo fuzz init` (or pass --fuzz-dir), then run \
             `cargo gauntlet init` again",
            facts.fuzz_dir
        ));
    }
    if !facts.has_benches {
        notes.push(
            "no benches (no benches/ folder or [[bench]] in the workspace): the bench comparison \
             workflow is not generated"
                .to_owned(),
        );
    }
    notes
}

/// The pull-request fuzz budget, shared by all targets.
const PR_FUZZ_BUDGET_S: usize = 600;
/// No target gets less than this on a pull request, however many there are.
const PR_FUZZ_MIN_S: usize = 30;

/// Every file `init` generates for a project with these facts, in a stable order.
pub fn plan(project: &ProjectFacts) -> Result<Vec<GeneratedFile>> {
    let env = environment()?;
    let install_gauntlet = match &project.gauntlet_git {
        Some(url) => format!("cargo install --locked --git {url} cargo-gauntlet"),
        None => "cargo install --locked cargo-gauntlet".to_owned(),
    };
    let per_target_s = (PR_FUZZ_BUDGET_S / project.fuzz_targets.len().max(1)).max(PR_FUZZ_MIN_S);
    let ctx = context! {
        header => format!(
            "Generated by `cargo gauntlet init` (gauntlet {}); edit freely, \
             `cargo gauntlet init --force` regenerates it.",
            env!("CARGO_PKG_VERSION")
        ),
        project => docker_safe(&project.name),
        fuzz_dir => project.fuzz_dir.clone(),
        install_gauntlet,
        pr_fuzz_time => format!("{per_target_s}s"),
    };
    let fuzz = !project.fuzz_targets.is_empty();
    let wanted = [
        (
            fuzz,
            "fuzz-pr.yml",
            ".github/workflows/gauntlet-fuzz-pr.yml",
        ),
        (
            fuzz,
            "fuzz-nightly.yml",
            ".github/workflows/gauntlet-fuzz-nightly.yml",
        ),
        (
            true,
            "coverage-nightly.yml",
            ".github/workflows/gauntlet-coverage-nightly.yml",
        ),
        (
            project.has_benches,
            "bench-compare.yml",
            ".github/workflows/gauntlet-bench-compare.yml",
        ),
        (
            fuzz,
            "clusterfuzzlite-project.yaml",
            ".clusterfuzzlite/project.yaml",
        ),
        (
            fuzz,
            "clusterfuzzlite-Dockerfile",
            ".clusterfuzzlite/Dockerfile",
        ),
        (
            fuzz,
            "clusterfuzzlite-build.sh",
            ".clusterfuzzlite/build.sh",
        ),
    ];
    wanted
        .into_iter()
        .filter(|(want, _, _)| *want)
        .map(|(_, template, path)| {
            let contents = env
                .get_template(template)
                .and_then(|t| t.render(&ctx))
                .with_context(|| format!("cannot render template {template} (a gauntlet bug)"))?;
            Ok(GeneratedFile {
                path: path.to_owned(),
                contents,
                executable: path.ends_with(".sh"),
            })
        })
        .collect()
}

/// The templates, with delimiters that leave GitHub's `${{ … }}` and bash's `${#…}` alone:
/// `<{ var }>`, `<% block %>`, `<# comment #>`.
fn environment() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_syntax(
        SyntaxConfig::builder()
            .variable_delimiters("<{", "}>")
            .block_delimiters("<%", "%>")
            .comment_delimiters("<#", "#>")
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .context("template syntax (a gauntlet bug)")?,
    );
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .with_context(|| format!("template {name} does not parse (a gauntlet bug)"))?;
    }
    Ok(env)
}

/// Every template, by name.
const TEMPLATES: [(&str, &str); 7] = [
    ("fuzz-pr.yml", include_str!("../templates/fuzz-pr.yml")),
    (
        "fuzz-nightly.yml",
        include_str!("../templates/fuzz-nightly.yml"),
    ),
    (
        "coverage-nightly.yml",
        include_str!("../templates/coverage-nightly.yml"),
    ),
    (
        "bench-compare.yml",
        include_str!("../templates/bench-compare.yml"),
    ),
    (
        "clusterfuzzlite-project.yaml",
        include_str!("../templates/clusterfuzzlite-project.yaml"),
    ),
    (
        "clusterfuzzlite-Dockerfile",
        include_str!("../templates/clusterfuzzlite-Dockerfile"),
    ),
    (
        "clusterfuzzlite-build.sh",
        include_str!("../templates/clusterfuzzlite-build.sh"),
    ),
];

/// A name usable as a folder in the build image: lower case, `[a-z0-9_-]`.
fn docker_safe(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '_' | '-') => c,
            _ => '-',
        })
        .collect();
    if safe.trim_matches('-').is_empty() {
        "project".to_owned()
    } else {
        safe
    }
}

/// What to do with a file that may exist: the decision of [`apply`], without the I/O.
pub fn decide(existing: Option<&str>, generated: &str, force: bool) -> Outcome {
    match existing {
        None => Outcome::Created,
        Some(old) if old == generated => Outcome::Unchanged,
        Some(_) if force => Outcome::Overwritten,
        Some(_) => Outcome::Skipped,
    }
}

/// Write `files` under `root` (unless `dry_run`), one [`Outcome`] per file, in order.
pub fn apply(
    root: &Path,
    files: &[GeneratedFile],
    force: bool,
    dry_run: bool,
) -> Result<Vec<Outcome>> {
    let mut outcomes = Vec::with_capacity(files.len());
    for file in files {
        let path = root.join(&file.path);
        let existing = match std::fs::read(&path) {
            Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot read {} to compare it", path.display()));
            }
        };
        let outcome = decide(existing.as_deref(), &file.contents, force);
        if !dry_run && matches!(outcome, Outcome::Created | Outcome::Overwritten) {
            sys::write(&path, &file.contents)?;
            if file.executable {
                sys::make_executable(&path)?;
            }
        }
        outcomes.push(outcome);
    }
    Ok(outcomes)
}
