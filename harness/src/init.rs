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

use anyhow::{Context, Result, bail};
use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, UndefinedBehavior, context};

use crate::project::Project;
use crate::{exit, sys};

/// Options of `cargo gauntlet init`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Overwrite files that exist and differ from what would be generated.
    #[arg(long)]
    pub force: bool,
    /// Print each file and what would happen to it; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The cargo-fuzz package, relative to the project root [default: the one `cargo gauntlet
    /// fuzz` finds, else `fuzz`].
    #[arg(long, value_name = "DIR")]
    pub fuzz_dir: Option<PathBuf>,
    /// Where the workflows install cargo-gauntlet from: a git URL your CI can clone (https://…,
    /// ssh://…, git@…), or `crates.io` [default: the repository this cargo-gauntlet was built
    /// from, when it names one].
    #[arg(long, value_name = "GIT-URL|crates.io")]
    pub install_from: Option<String>,
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
pub fn run(args: Args, project: &Project) -> Result<u8> {
    let root = project.root.clone();
    let fuzz_dir = args.fuzz_dir.clone().unwrap_or_else(|| {
        project
            .fuzz_dir()
            .and_then(|d| d.strip_prefix(&root).ok().map(Path::to_path_buf))
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("fuzz"))
    });
    let facts = gather(project, &fuzz_dir, args.install_from.as_deref())
        .map_err(|e| exit::usage(format!("{e:#}")))?;
    for note in notes(&facts) {
        eprintln!("note: {note}");
    }
    if let Some(top) = git_toplevel(&root)
        && top.canonicalize().ok() != root.canonicalize().ok()
    {
        eprintln!(
            "note: the project is not at the root of its git repository ({}); GitHub reads \
             workflows only from the repository's .github/workflows/, and they run there: move \
             them and add `working-directory:` to their steps",
            top.display()
        );
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

/// The root of the git work tree holding `dir`, if any.
fn git_toplevel(dir: &Path) -> Option<PathBuf> {
    sys::output(
        Command::new("git")
            .args(["rev-parse", "--show-toplevel"])
            .current_dir(dir),
    )
    .map(PathBuf::from)
}

/// Read the facts [`plan`] needs from `project`, with its cargo-fuzz package at `fuzz_dir`
/// (relative to the root); `install_from` is `--install-from`.
pub fn gather(
    project: &Project,
    fuzz_dir: &Path,
    install_from: Option<&str>,
) -> Result<ProjectFacts> {
    let fuzz_dir_str = relative_path(fuzz_dir).with_context(|| {
        format!(
            "--fuzz-dir {:?} must be a folder inside the project, relative to its root and made \
             of letters, digits, `.`, `_`, `-` and `/` (the workflows use it unquoted)",
            fuzz_dir.display().to_string()
        )
    })?;
    let fuzz_abs = project.root.join(fuzz_dir);
    let fuzz_targets = if fuzz_abs.join("Cargo.toml").is_file() {
        crate::project::fuzz_targets(&fuzz_abs)?
    } else {
        Vec::new()
    };
    let name = project
        .metadata
        .root_package()
        .map(|p| p.name.to_string())
        .or_else(|| {
            let root = project.root.canonicalize().ok()?;
            Some(root.file_name()?.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "project".to_owned());
    let gauntlet_git = install_source(install_from, env!("CARGO_PKG_REPOSITORY"))?;
    Ok(ProjectFacts {
        name,
        fuzz_dir: fuzz_dir_str,
        fuzz_targets,
        has_benches: !project.benches().is_empty(),
        gauntlet_git,
    })
}

/// Where the workflows install cargo-gauntlet from (`None`: crates.io), given `--install-from`
/// and the repository this binary was built from (`CARGO_PKG_REPOSITORY`). A workflow that
/// cannot install the tool would fail on its first run, so a placeholder repository (empty, or
/// on a `.invalid` host) is no default.
fn install_source(given: Option<&str>, built_from: &str) -> Result<Option<String>> {
    let git_url = |u: &str| {
        (u.starts_with("https://") || u.starts_with("ssh://") || u.starts_with("git@"))
            && !u.contains(char::is_whitespace)
    };
    let placeholder = |u: &str| {
        u.split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':']).next())
            .is_none_or(|host| host.ends_with(".invalid"))
    };
    match given {
        Some("crates.io") => Ok(None),
        Some(url) if git_url(url) => Ok(Some(url.to_owned())),
        Some(other) => bail!(
            "--install-from {other:?} is neither a git URL (https://…, ssh://…, git@…) nor crates.io"
        ),
        None if git_url(built_from) && !placeholder(built_from) => Ok(Some(built_from.to_owned())),
        None => bail!(
            "this cargo-gauntlet does not know where your CI can install it from (it was built \
             with repository {built_from:?}): pass --install-from GIT-URL, a gauntlet repository \
             your CI can clone, or --install-from crates.io"
        ),
    }
}

/// `dir` as a `/`-separated path below the root (`./fuzz/` → `fuzz`), or `None` when it leaves
/// the root, is empty, or has characters a workflow would need to quote.
fn relative_path(dir: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for c in dir.components() {
        match c {
            std::path::Component::Normal(part) => parts.push(part.to_str()?),
            std::path::Component::CurDir => {}
            _ => return None,
        }
    }
    let plain = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
    (!parts.is_empty() && parts.iter().all(|p| p.chars().all(plain))).then(|| parts.join("/"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_norway::Value;

    const GIT: &str = "https://github.com/example/gauntlet";

    #[test]
    fn the_install_source_is_a_real_one_or_an_error() {
        let real = "https://github.com/acme/gauntlet";
        assert_eq!(install_source(None, real).unwrap().as_deref(), Some(real));
        assert_eq!(install_source(Some("crates.io"), real).unwrap(), None);
        assert_eq!(
            install_source(Some("git@github.com:me/gauntlet.git"), "")
                .unwrap()
                .as_deref(),
            Some("git@github.com:me/gauntlet.git")
        );
        for placeholder in ["", "https://example.invalid/gauntlet"] {
            let e = install_source(None, placeholder).unwrap_err().to_string();
            assert!(e.contains("--install-from GIT-URL"), "{e}");
        }
        let e = install_source(Some("my fork"), real)
            .unwrap_err()
            .to_string();
        assert!(e.contains("neither a git URL"), "{e}");
    }

    fn facts() -> ProjectFacts {
        ProjectFacts {
            name: "Demo.Lib".to_owned(),
            fuzz_dir: "fuzz".to_owned(),
            fuzz_targets: vec!["demo_parse".to_owned(), "demo_roundtrip".to_owned()],
            has_benches: true,
            gauntlet_git: Some("https://github.com/example/gauntlet".to_owned()),
        }
    }

    fn file<'a>(files: &'a [GeneratedFile], path: &str) -> &'a GeneratedFile {
        files
            .iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("{path} not planned"))
    }

    fn yaml(files: &[GeneratedFile], path: &str) -> Value {
        serde_norway::from_str(&file(files, path).contents)
            .unwrap_or_else(|e| panic!("{path} is not YAML: {e}"))
    }

    /// The `run:` scripts and `uses:` actions of a workflow's one job, in order; every step has
    /// exactly one of the two.
    fn steps(workflow: &Value, job: &str) -> Vec<String> {
        let steps = workflow["jobs"][job]["steps"]
            .as_sequence()
            .unwrap_or_else(|| panic!("job {job} has no steps"));
        steps
            .iter()
            .map(|s| match (s.get("run"), s.get("uses")) {
                (Some(run), None) => run.as_str().unwrap().to_owned(),
                (None, Some(uses)) => format!("uses {}", uses.as_str().unwrap()),
                _ => panic!("a step needs run or uses, not both or neither: {s:?}"),
            })
            .collect()
    }

    fn step_with<'a>(steps: &'a [String], needle: &str) -> &'a str {
        steps
            .iter()
            .find(|s| s.contains(needle))
            .unwrap_or_else(|| panic!("no step with {needle:?} in {steps:#?}"))
    }

    #[test]
    fn plans_every_file_for_a_project_with_fuzz_targets_and_benches() {
        let paths: Vec<String> = plan(&facts())
            .unwrap()
            .into_iter()
            .map(|f| f.path)
            .collect();
        assert_eq!(
            paths,
            [
                ".github/workflows/gauntlet-fuzz-pr.yml",
                ".github/workflows/gauntlet-fuzz-nightly.yml",
                ".github/workflows/gauntlet-coverage-nightly.yml",
                ".github/workflows/gauntlet-bench-compare.yml",
                ".clusterfuzzlite/project.yaml",
                ".clusterfuzzlite/Dockerfile",
                ".clusterfuzzlite/build.sh",
            ]
        );
    }

    #[test]
    fn without_fuzz_targets_or_benches_only_coverage_is_planned_and_notes_say_why() {
        let bare = ProjectFacts {
            fuzz_targets: vec![],
            has_benches: false,
            ..facts()
        };
        let paths: Vec<String> = plan(&bare).unwrap().into_iter().map(|f| f.path).collect();
        assert_eq!(paths, [".github/workflows/gauntlet-coverage-nightly.yml"]);
        let notes = notes(&bare).join("\n");
        assert!(notes.contains("cargo fuzz init"), "{notes}");
        assert!(notes.contains("bench comparison"), "{notes}");
        assert!(super::notes(&facts()).is_empty());
    }

    #[test]
    fn github_expressions_survive_templating() {
        let files = plan(&facts()).unwrap();
        let bench = &file(&files, ".github/workflows/gauntlet-bench-compare.yml").contents;
        assert!(bench.contains(
            r#"cargo gauntlet compare "${{ github.event.pull_request.base.sha }}" HEAD"#
        ));
        let nightly = &file(&files, ".github/workflows/gauntlet-fuzz-nightly.yml").contents;
        assert!(nightly.contains("--time \"${{ inputs.time || '10m' }}\""));
        for f in &files {
            assert!(
                !f.contents.contains("<{"),
                "{} has a template tag left",
                f.path
            );
            assert!(
                !f.contents.contains("<%"),
                "{} has a template tag left",
                f.path
            );
        }
        // Bash's own braces, in the template's comment syntax neighbourhood, are untouched.
        let build = &file(&files, ".clusterfuzzlite/build.sh").contents;
        assert!(build.contains("${#seeds[@]}"));
    }

    #[test]
    fn every_workflow_installs_gauntlet_from_its_repository_and_keeps_target_gauntlet() {
        let files = plan(&facts()).unwrap();
        for f in files.iter().filter(|f| f.path.starts_with(".github/")) {
            assert!(
                f.contents
                    .starts_with("# Generated by `cargo gauntlet init`")
            );
            let wf = yaml(&files, &f.path);
            let job = wf["jobs"].as_mapping().unwrap().keys().next().unwrap();
            let steps = steps(&wf, job.as_str().unwrap());
            step_with(
                &steps,
                "cargo install --locked --git https://github.com/example/gauntlet cargo-gauntlet",
            );
            let upload = wf["jobs"][job]["steps"]
                .as_sequence()
                .unwrap()
                .iter()
                .find(|s| s["uses"].as_str() == Some("actions/upload-artifact@v4"))
                .unwrap_or_else(|| panic!("{} uploads nothing", f.path));
            assert!(
                upload["with"]["path"]
                    .as_str()
                    .unwrap()
                    .contains("target/gauntlet/"),
                "{}",
                f.path
            );
        }
        let from_crates_io = plan(&ProjectFacts {
            gauntlet_git: None,
            ..facts()
        })
        .unwrap();
        let pr = &file(&from_crates_io, ".github/workflows/gauntlet-fuzz-pr.yml").contents;
        assert!(pr.contains("cargo install --locked cargo-gauntlet\n"));
        assert!(!pr.contains("--git"));
    }

    #[test]
    fn pull_request_fuzz_shares_ten_minutes_between_the_targets() {
        let files = plan(&facts()).unwrap();
        let wf = yaml(&files, ".github/workflows/gauntlet-fuzz-pr.yml");
        assert!(wf["on"]["pull_request"].is_mapping(), "{:?}", wf["on"]);
        let steps = steps(&wf, "fuzz");
        assert_eq!(steps[1], "uses dtolnay/rust-toolchain@nightly");
        step_with(&steps, "cargo install --locked cargo-fuzz");
        step_with(&steps, "cargo gauntlet fuzz --fuzz-dir fuzz --time 300s");

        let many = ProjectFacts {
            fuzz_targets: (0..100).map(|i| format!("t{i}")).collect(),
            ..facts()
        };
        let files = plan(&many).unwrap();
        let pr = &file(&files, ".github/workflows/gauntlet-fuzz-pr.yml").contents;
        assert!(pr.contains("--time 30s"), "no target gets under 30 s");
    }

    #[test]
    fn nightly_fuzz_minimises_and_proposes_the_corpus() {
        let facts = ProjectFacts {
            fuzz_dir: "crates/fuzz".to_owned(),
            ..facts()
        };
        let files = plan(&facts).unwrap();
        let wf = yaml(&files, ".github/workflows/gauntlet-fuzz-nightly.yml");
        assert_eq!(wf["on"]["schedule"][0]["cron"].as_str(), Some("23 2 * * *"));
        assert!(wf["on"]["workflow_dispatch"]["inputs"]["time"].is_mapping());
        assert_eq!(wf["permissions"]["contents"].as_str(), Some("write"));
        let steps = steps(&wf, "fuzz");
        step_with(&steps, "cargo gauntlet fuzz --fuzz-dir crates/fuzz --time");
        let cmin = step_with(&steps, "cargo +nightly fuzz cmin");
        assert!(cmin.contains("cargo +nightly fuzz list --fuzz-dir crates/fuzz"));
        assert!(cmin.contains(r#"corpus="crates/fuzz/corpus/$t""#));
        step_with(&steps, "cargo gauntlet report");
        let propose = wf["jobs"]["fuzz"]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|s| s["uses"].as_str() == Some("peter-evans/create-pull-request@v6"))
            .unwrap();
        assert_eq!(
            propose["with"]["add-paths"].as_str(),
            Some("crates/fuzz/corpus/**\ncrates/fuzz/regressions/**\n")
        );
        // The work corpora persist between nights through the cache.
        let cache = &wf["jobs"]["fuzz"]["steps"][3];
        assert_eq!(cache["uses"].as_str(), Some("actions/cache@v4"));
        assert!(cache["with"]["path"].as_str().unwrap().contains("target\n"));
    }

    #[test]
    fn nightly_coverage_carries_its_history_between_nights() {
        let files = plan(&facts()).unwrap();
        let wf = yaml(&files, ".github/workflows/gauntlet-coverage-nightly.yml");
        assert!(wf["on"]["schedule"][0]["cron"].is_string());
        let steps = steps(&wf, "coverage");
        step_with(&steps, "cargo install --locked cargo-llvm-cov");
        step_with(&steps, "uses actions/cache/restore@v4");
        step_with(&steps, "uses actions/cache/save@v4");
        assert_eq!(
            step_with(&steps, "cargo gauntlet coverage"),
            "cargo gauntlet coverage"
        );
        let restore = &wf["jobs"]["coverage"]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|s| s["uses"].as_str() == Some("actions/cache/restore@v4"))
            .unwrap()["with"];
        assert_eq!(
            restore["path"].as_str(),
            Some("target/gauntlet/coverage/history.jsonl")
        );
    }

    #[test]
    fn bench_compare_runs_on_pull_requests_with_full_history() {
        let files = plan(&facts()).unwrap();
        let wf = yaml(&files, ".github/workflows/gauntlet-bench-compare.yml");
        assert!(wf["on"]["pull_request"].is_mapping());
        assert_eq!(wf["permissions"]["pull-requests"].as_str(), Some("write"));
        let checkout = &wf["jobs"]["compare"]["steps"][0];
        assert_eq!(checkout["with"]["fetch-depth"].as_u64(), Some(0));
        let steps = steps(&wf, "compare");
        step_with(&steps, "gh pr comment");
        step_with(&steps, "cargo gauntlet report");
        // Both verdicts: the percentiles and the instruction counts, each one gating the check.
        step_with(&steps, "--measure instructions");
        let verdict = step_with(&steps, "steps.instructions.outputs.status");
        assert!(
            verdict.contains("steps.compare.outputs.status"),
            "{verdict}"
        );
        step_with(&steps, "latest-instructions.md");
    }

    #[test]
    fn clusterfuzzlite_files_name_the_project_and_its_fuzz_package() {
        let facts = ProjectFacts {
            fuzz_dir: "crates/fuzz".to_owned(),
            ..facts()
        };
        let files = plan(&facts).unwrap();
        let project = yaml(&files, ".clusterfuzzlite/project.yaml");
        assert_eq!(project["language"].as_str(), Some("rust"));
        let docker = &file(&files, ".clusterfuzzlite/Dockerfile").contents;
        assert!(docker.contains("FROM gcr.io/oss-fuzz-base/base-builder-rust\n"));
        // The name is made safe for a path in the image.
        assert!(docker.contains("COPY . $SRC/demo-lib\nWORKDIR $SRC/demo-lib\n"));
        let build = file(&files, ".clusterfuzzlite/build.sh");
        assert!(build.executable);
        assert!(build.contents.starts_with("#!/usr/bin/env bash\n"));
        assert!(
            build
                .contents
                .contains(r#"fuzz_dir="$(cd "${FUZZ_DIR:-$repo/crates/fuzz}""#)
        );
        assert!(build.contents.contains(r#"fuzz build "${flags[@]}""#));
        assert!(build.contents.contains("flags=(-O "));
        assert!(
            build
                .contents
                .contains(r#"cp "$target_dir/$triple/release/$t" "$OUT/$t""#)
        );
        // Targets come from `cargo fuzz list` when it runs, so a new target needs no new init.
        for t in &facts.fuzz_targets {
            assert!(!build.contents.contains(t.as_str()));
        }
    }

    #[test]
    fn build_sh_is_valid_bash() {
        let files = plan(&facts()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("build.sh");
        std::fs::write(&path, &file(&files, ".clusterfuzzlite/build.sh").contents).unwrap();
        let status = Command::new("bash").arg("-n").arg(&path).status().unwrap();
        assert!(status.success());
    }

    #[test]
    fn decide_never_replaces_a_differing_file_without_force() {
        assert_eq!(decide(None, "new", false), Outcome::Created);
        assert_eq!(decide(Some("new"), "new", false), Outcome::Unchanged);
        assert_eq!(decide(Some("new"), "new", true), Outcome::Unchanged);
        assert_eq!(decide(Some("mine"), "new", false), Outcome::Skipped);
        assert_eq!(decide(Some("mine"), "new", true), Outcome::Overwritten);
    }

    #[test]
    fn docker_safe_names() {
        assert_eq!(docker_safe("my_crate-2"), "my_crate-2");
        assert_eq!(docker_safe("My Crate"), "my-crate");
        assert_eq!(docker_safe("ü"), "project");
    }

    /// A small project: a package with benches and a cargo-fuzz package with two targets.
    fn project() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("Cargo.toml"),
            "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n\
             [[bench]]\nname = \"speed\"\nharness = false\n",
        )
        .unwrap();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::create_dir_all(root.join("benches")).unwrap();
        std::fs::write(root.join("src/lib.rs"), "").unwrap();
        std::fs::write(root.join("benches/speed.rs"), "fn main() {}\n").unwrap();
        std::fs::create_dir(root.join("fuzz")).unwrap();
        std::fs::write(
            root.join("fuzz/Cargo.toml"),
            "[package]\nname = \"demo-fuzz\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
             [package.metadata]\ncargo-fuzz = true\n\n[workspace]\nmembers = [\".\"]\n\n\
             [[bin]]\nname = \"demo_parse\"\npath = \"fuzz_targets/demo_parse.rs\"\n\n\
             [[bin]]\nname = \"demo_roundtrip\"\npath = \"fuzz_targets/demo_roundtrip.rs\"\n",
        )
        .unwrap();
        std::fs::create_dir_all(root.join("fuzz/fuzz_targets")).unwrap();
        for t in ["demo_parse", "demo_roundtrip"] {
            std::fs::write(
                root.join(format!("fuzz/fuzz_targets/{t}.rs")),
                "fn main() {}\n",
            )
            .unwrap();
        }
        dir
    }

    fn args(force: bool, dry_run: bool) -> Args {
        Args {
            force,
            dry_run,
            fuzz_dir: None,
            install_from: Some(GIT.to_owned()),
        }
    }

    fn locate(root: &Path) -> Project {
        Project::locate(Some(&root.join("Cargo.toml")), None).unwrap()
    }

    #[test]
    fn gather_reads_name_targets_and_benches() {
        let dir = project();
        let facts = gather(&locate(dir.path()), Path::new("fuzz"), Some(GIT)).unwrap();
        assert_eq!(facts.name, "demo");
        assert_eq!(facts.fuzz_dir, "fuzz");
        assert_eq!(facts.fuzz_targets, ["demo_parse", "demo_roundtrip"]);
        assert!(facts.has_benches);

        // A virtual workspace: benches found in a member, the name from the folder.
        let ws = tempfile::tempdir().unwrap();
        let root = ws.path().join("my-ws");
        std::fs::create_dir_all(root.join("crates/a/benches")).unwrap();
        std::fs::create_dir_all(root.join("crates/a/src")).unwrap();
        std::fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"crates/*\"]\n",
        )
        .unwrap();
        std::fs::write(
            root.join("crates/a/Cargo.toml"),
            "[package]\nname = \"a\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        )
        .unwrap();
        std::fs::write(root.join("crates/a/src/lib.rs"), "").unwrap();
        std::fs::write(root.join("crates/a/benches/b.rs"), "fn main() {}\n").unwrap();
        let facts = gather(&locate(&root), Path::new("fuzz"), Some(GIT)).unwrap();
        assert_eq!(facts.name, "my-ws");
        assert!(facts.fuzz_targets.is_empty());
        assert!(facts.has_benches);
    }

    #[test]
    fn gather_errors_tell_what_to_do() {
        let dir = project();
        std::fs::write(dir.path().join("fuzz/Cargo.toml"), "[[bin]\n").unwrap();
        let e = format!(
            "{:#}",
            gather(&locate(dir.path()), Path::new("fuzz"), Some(GIT)).unwrap_err()
        );
        assert!(e.contains("fuzz/Cargo.toml"), "{e}");

        for bad in ["my fuzz", "../fuzz", "/fuzz", "", "."] {
            let e = format!(
                "{:#}",
                gather(&locate(dir.path()), Path::new(bad), Some(GIT)).unwrap_err()
            );
            assert!(
                e.contains("must be a folder inside the project"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn fuzz_dir_is_normalised() {
        assert_eq!(relative_path(Path::new("./fuzz/")).as_deref(), Some("fuzz"));
        assert_eq!(
            relative_path(Path::new("crates/my-fuzz")).as_deref(),
            Some("crates/my-fuzz")
        );
        assert_eq!(relative_path(Path::new("a/../fuzz")), None);
    }

    fn run_in(root: &Path, args: Args) -> Result<u8> {
        run(args, &locate(root))
    }

    #[test]
    fn init_writes_then_skips_differing_files_until_forced() {
        let dir = project();
        let root = dir.path();
        let planned = plan(&gather(&locate(root), Path::new("fuzz"), Some(GIT)).unwrap()).unwrap();
        assert_eq!(planned.len(), 7);

        // A dry run writes nothing.
        assert_eq!(run_in(root, args(false, true)).unwrap(), 0);
        assert!(!root.join(".github").exists());
        assert!(!root.join(".clusterfuzzlite").exists());

        assert_eq!(run_in(root, args(false, false)).unwrap(), 0);
        for f in &planned {
            let written = std::fs::read_to_string(root.join(&f.path)).unwrap();
            assert_eq!(written, f.contents, "{}", f.path);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(root.join(".clusterfuzzlite/build.sh"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o111, 0o111, "build.sh is executable");
        }
        // Again: everything is unchanged, which is success.
        assert_eq!(run_in(root, args(false, false)).unwrap(), 0);

        // A file the user edited is left alone, the rest still written, and the exit says so.
        let edited = root.join(".github/workflows/gauntlet-fuzz-pr.yml");
        std::fs::write(&edited, "# mine\n").unwrap();
        std::fs::remove_file(root.join(".clusterfuzzlite/project.yaml")).unwrap();
        let files = plan(&gather(&locate(root), Path::new("fuzz"), Some(GIT)).unwrap()).unwrap();
        let outcomes = apply(root, &files, false, false).unwrap();
        assert_eq!(outcomes[0], Outcome::Skipped);
        assert_eq!(outcomes[4], Outcome::Created);
        assert_eq!(outcomes[1], Outcome::Unchanged);
        assert_eq!(std::fs::read_to_string(&edited).unwrap(), "# mine\n");
        assert_eq!(run_in(root, args(false, false)).unwrap(), 1);
        assert_eq!(
            run_in(root, args(false, true)).unwrap(),
            1,
            "a dry run exits alike"
        );
        assert_eq!(std::fs::read_to_string(&edited).unwrap(), "# mine\n");

        // --force overwrites it.
        assert_eq!(run_in(root, args(true, false)).unwrap(), 0);
        assert_eq!(
            std::fs::read_to_string(&edited).unwrap(),
            planned[0].contents
        );
    }
}
