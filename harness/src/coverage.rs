//! `cargo harness coverage`: one whole-workspace coverage report of everything the tests reach —
//! unit, integration, property and CLI tests, doc tests on nightly, and a replay of every fuzz
//! target's corpus and regression inputs — plus what only the fuzz corpora or only the tests reach.
//!
//! How: `cargo llvm-cov show-env` gives the instrumentation environment; with it, one
//! `cargo test --no-run` builds every test binary once (its JSON messages name them), then each
//! suite runs with its own `LLVM_PROFILE_FILE` directory: the `fuzz_replay` tests in one, every
//! other test in the other. `llvm-profdata` merges each side and both; `llvm-cov` exports each
//! (JSON regions, lcov lines) against the same binaries, so the three pictures are directly
//! comparable, and renders the merged one as HTML. Output: `target/gauntlet/coverage/<date>-<commit>/`
//! (`index.html`, `html/`, `lcov.info`, `summary.json`) and one line in
//! `target/gauntlet/coverage/history.jsonl`. Exit 2 when the `[coverage]` policy of gauntlet.toml is not met, 1 when
//! a test failed (the report is still written, but kept out of the history).

mod export;
mod history;
mod html;
mod llvm;
mod policy;
mod render;
mod summary;
mod workspace;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::project::Project;
use crate::{exit, sys};
use export::Export;
use gauntlet_records::Verdict;

use summary::{CrateInfo, PolicyResult, Side, Summary};

/// Options of `cargo harness coverage`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Measure only this workspace member (repeatable); default: all of them.
    #[arg(short = 'p', long = "package", value_name = "NAME")]
    packages: Vec<String>,
    /// Build and run with the nightly toolchain, which adds doc tests and branch coverage.
    #[arg(long)]
    nightly: bool,
    /// Show the tests' own output instead of writing it to a log file.
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Do not replay the cargo-fuzz package's corpora.
    #[arg(long)]
    no_fuzz: bool,
    /// Compare with the history but do not append this run to it.
    #[arg(long)]
    no_history: bool,
}

/// Run `cargo harness coverage`; 0 when the policy holds, 2 when it does not.
pub fn run(args: Args, project: &Project) -> Result<u8> {
    let started = Instant::now();
    let mut phases: BTreeMap<String, f64> = BTreeMap::new();
    let mut phase = Instant::now();
    let mut lap = |name: &str, phases: &mut BTreeMap<String, f64>| {
        phases.insert(name.to_owned(), phase.elapsed().as_secs_f64());
        phase = Instant::now();
    };

    let policy = &project.config.coverage;
    let root = project.root.to_string_lossy().into_owned();
    let members = workspace::members(project);
    let selected =
        workspace::select(&members, &args.packages).map_err(|e| exit::usage(e.to_string()))?;
    sys::ensure_cargo_tool("llvm-cov", "cargo-llvm-cov")?;
    let toolchain = Toolchain {
        nightly: args.nightly,
    };
    let tools = toolchain.llvm_tools()?;

    let target = project.target_dir.clone();
    let build_dir =
        target
            .join("gauntlet-coverage")
            .join(if args.nightly { "nightly" } else { "stable" });
    let profiles = build_dir.join("profiles");
    let logs = build_dir.join("logs");
    for dir in [
        profiles.clone(),
        build_dir.join("doctestbins"),
        logs.clone(),
    ] {
        if dir.exists() {
            sys::remove_dir(&dir)?;
        }
    }
    sys::create_dir(&logs)?;
    let env = toolchain.show_env(Path::new(&root), &build_dir)?;
    let plan = workspace::plan(&members, &selected, args.nightly);

    eprintln!(
        "coverage: building instrumented tests of {}",
        names(&selected)
    );
    let mut objects = toolchain.build(Path::new(&root), &env, &plan.build)?;
    lap("build", &mut phases);

    let mut suites: Vec<String> = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    let mut run_suite = |name: &str, suite_args: &Option<Vec<String>>, side: &str| -> Result<()> {
        let Some(a) = suite_args else { return Ok(()) };
        let dir = profiles.join(side);
        sys::create_dir(&dir)?;
        let mut cmd = toolchain.cargo(Path::new(&root), &env);
        cmd.args(a)
            .env("LLVM_PROFILE_FILE", dir.join("gauntlet-%p-%m.profraw"));
        // The tests' own output (hundreds of `test … ok` lines) goes to a log unless asked for.
        let log = logs.join(format!("{}.log", suites.len()));
        if args.verbose {
            eprintln!("coverage: running {name}");
        } else {
            eprintln!("coverage: running {name} (output: {})", log.display());
            let file = std::fs::File::create(&log)
                .with_context(|| format!("cannot create {}", log.display()))?;
            cmd.stdout(file.try_clone()?).stderr(file);
        }
        let status = cmd
            .status()
            .with_context(|| format!("cannot start {}", sys::describe(&cmd)))?;
        if !status.success() {
            if !args.verbose {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                let lines: Vec<&str> = text.lines().collect();
                for l in &lines[lines.len().saturating_sub(30)..] {
                    eprintln!("  {l}");
                }
            }
            failed.push(name.to_owned());
        }
        suites.push(name.to_owned());
        Ok(())
    };
    run_suite("fuzz corpus replay tests", &plan.fuzz, "fuzz")?;
    run_suite(
        "tests (unit, integration, property, CLI)",
        &plan.tests,
        "tests",
    )?;
    run_suite("doc tests", &plan.doc, "tests")?;
    if !args.nightly {
        eprintln!("coverage: doc tests are not instrumented on stable (use --nightly)");
    }
    if let Some(fuzz_dir) = project.fuzz_dir().filter(|_| !args.no_fuzz) {
        let replayed = replay_fuzz_corpora(
            &toolchain,
            &fuzz_dir,
            &project.gauntlet_dir().join("fuzz/corpus"),
            &build_dir.join("fuzz-replay"),
            &profiles.join("fuzz"),
        )?;
        objects.extend(replayed.binaries);
        if !replayed.targets.is_empty() {
            suites.push(format!(
                "fuzz corpus replay ({} targets)",
                replayed.targets.len()
            ));
        }
        failed.extend(replayed.failed);
    }
    objects.extend(executables_under(&build_dir.join("doctestbins")));
    lap("tests", &mut phases);

    let fuzz_prof = merge(
        &tools,
        &[profiles.join("fuzz")],
        &build_dir.join("fuzz.profdata"),
    )?;
    let tests_prof = merge(
        &tools,
        &[profiles.join("tests")],
        &build_dir.join("tests.profdata"),
    )?;
    let Some(all_prof) = merge(
        &tools,
        &[profiles.join("fuzz"), profiles.join("tests")],
        &build_dir.join("all.profdata"),
    )?
    else {
        bail!("no test wrote a coverage profile (did the selection contain any test?)");
    };
    if objects.is_empty() {
        bail!("the build named no test binaries to read coverage from");
    }

    let measured: Vec<&str> = selected.iter().map(|p| p.dir.as_str()).collect();
    // The fuzz package's own files (fuzz_targets/) are harness code, not code under test.
    let fuzz_dir = project
        .fuzz_dir()
        .map(|d| d.to_string_lossy().trim_end_matches('/').to_owned());
    let others: Vec<&str> = members
        .iter()
        .filter(|m| !selected.contains(m))
        .map(|p| p.dir.as_str())
        .chain(fuzz_dir.as_deref().filter(|d| *d != root))
        .collect();
    let cov = Cov {
        tools: &tools,
        objects: &objects,
        ignore: llvm::ignore_regex(&target.display().to_string(), &measured, &others),
    };

    let date = utc_date(sys::unix_now());
    let commit = sys::commit_stamp(Path::new(&root));
    let run_name = run_name(&date, &commit, &selected, members.len());
    let coverage_dir = project.gauntlet_dir().join("coverage");
    let out = coverage_dir.join(&run_name);
    let html_dir = out.join("html");
    if html_dir.exists() {
        sys::remove_dir(&html_dir)?;
    }

    let all = Export::parse(&cov.export(&all_prof, "text")?)?;
    let all_lcov = cov.export(&all_prof, "lcov")?;
    sys::write(&out.join("lcov.info"), &all_lcov)?;
    cov.html(&all_prof, &html_dir, args.nightly)?;

    let mut infos: Vec<CrateInfo> = selected
        .iter()
        .map(|p| CrateInfo {
            name: p.name.clone(),
            dir: p.dir.clone(),
            rel_dir: p.rel_dir.clone(),
            fuzz_replay: p.fuzz_replay,
        })
        .collect();
    let (fuzz_only, tests_only) = match (&fuzz_prof, &tests_prof) {
        (Some(f), Some(t)) => {
            let (fj, fl) = (
                Export::parse(&cov.export(f, "text")?)?,
                export::parse_lcov(&cov.export(f, "lcov")?)?,
            );
            let (tj, tl) = (
                Export::parse(&cov.export(t, "text")?)?,
                export::parse_lcov(&cov.export(t, "lcov")?)?,
            );
            // A crate is fed by fuzzing when its replay test or any fuzz target reaches its code.
            for (path, hits) in &fl {
                if let Some(i) = summary::owner(&infos, path)
                    && hits.values().any(|&n| n > 0)
                {
                    infos[i].fuzz_replay = true;
                }
            }
            let fuzz = Side {
                lines: &fl,
                regions: &fj.regions,
            };
            let tests = Side {
                lines: &tl,
                regions: &tj.regions,
            };
            (
                summary::only_reached_by(&fuzz, &tests, &infos, &root),
                summary::only_reached_by(&tests, &fuzz, &infos, &root),
            )
        }
        _ => (Vec::new(), Vec::new()),
    };
    let crates = summary::crates(&all, &infos, &root, args.nightly);
    lap("reports", &mut phases);

    let history_path = coverage_dir.join("history.jsonl");
    let (mut entries, warnings) = match std::fs::read_to_string(&history_path) {
        Ok(text) => history::parse(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Vec::new(), Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", history_path.display())),
    };
    for w in warnings {
        eprintln!("warning: {}: {w}", history_path.display());
    }
    for key in policy.unmatched_keys(&crates) {
        eprintln!("note: policy minimum \"{key}\" matches no crate measured in this run");
    }
    let mut failures = policy::check_minimums(policy, &crates);
    failures.extend(policy::check_drops(policy, &entries, &crates));
    let toolchain_version = toolchain.version();
    let elapsed_s = started.elapsed().as_secs_f64();
    let summary = Summary {
        schema: 1,
        run: run_name.clone(),
        date: date.clone(),
        unix_time: sys::unix_now(),
        commit: commit.clone(),
        toolchain: toolchain_version.clone(),
        packages: selected.iter().map(|p| p.name.clone()).collect(),
        suites,
        failed_suites: failed.clone(),
        elapsed_s: (elapsed_s * 10.0).round() / 10.0,
        phases_s: phases
            .iter()
            .map(|(k, v)| (k.clone(), (v * 10.0).round() / 10.0))
            .collect(),
        totals: summary::totals(&crates),
        policy: PolicyResult {
            verdict: if failures.is_empty() {
                Verdict::Pass
            } else {
                Verdict::Fail
            },
            minimums: crates
                .iter()
                .filter_map(|c| policy.minimum(&c.name, &c.dir).map(|m| (c.name.clone(), m)))
                .collect(),
            max_line_drop_points: policy.max_line_drop_points,
            failures,
        },
        crates,
        fuzz_only,
        tests_only,
    };
    let entry = history::Entry::of_run(
        summary.unix_time,
        &date,
        &commit,
        &run_name,
        &toolchain_version,
        &summary.crates,
    );
    entries.push(entry.clone());
    let page = html::page(&summary, &root, &history::trend(&entries));
    let json = serde_json::to_string_pretty(&summary).context("cannot encode summary.json")?;
    sys::write(&out.join("summary.json"), json + "\n")?;
    sys::write(&out.join("index.html"), page)?;
    // A run with failing tests measured less than the code can reach: it must not become the
    // baseline the next run is compared with.
    if !args.no_history && failed.is_empty() {
        append(&history_path, &history::line(&entry))?;
    }
    render::print_summary(&summary);
    println!("report: {}", out.join("index.html").display());
    if !failed.is_empty() {
        eprintln!(
            "error: tests failed under coverage ({}): the report is written but not added to the history; plain `cargo test --all-features` shows the failure",
            failed.join(", ")
        );
        return Ok(exit::FAILED);
    }
    Ok(if summary.policy.verdict == Verdict::Pass {
        exit::OK
    } else {
        exit::POLICY
    })
}

/// `<date>-<commit>` for the whole workspace; a run of some packages only adds their names
/// (`…+retry-counter`), so it does not replace the whole-workspace report of the same commit.
fn run_name(date: &str, commit: &str, selected: &[workspace::Package], members: usize) -> String {
    let mut name = format!("{date}-{commit}");
    if selected.len() < members {
        for p in selected {
            name.push('+');
            name.push_str(&p.name);
        }
    }
    name
}

fn names(ps: &[workspace::Package]) -> String {
    ps.iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What replaying the fuzz corpora produced.
struct Replayed {
    /// The instrumented fuzz binaries (objects for llvm-cov).
    binaries: Vec<PathBuf>,
    /// Targets that had inputs to replay.
    targets: Vec<String>,
    /// `fuzz corpus replay: <target>` for each target whose replay failed.
    failed: Vec<String>,
}

/// Build the cargo-fuzz package's targets with coverage instrumentation (plain cargo with
/// `--cfg fuzzing`, no sanitizer, so stable works) and run each once over its corpus, its
/// regression inputs and the corpus `cargo gauntlet fuzz` grew (`-runs=0`): the targets' own `fuzz_target!` code replays them, so no replay
/// test has to exist. Profiles land in `profile_dir`.
fn replay_fuzz_corpora(
    toolchain: &Toolchain,
    fuzz_dir: &Path,
    work_corpora: &Path,
    target_dir: &Path,
    profile_dir: &Path,
) -> Result<Replayed> {
    let targets = crate::project::fuzz_targets(fuzz_dir)?;
    // The committed seeds and regressions (cargo-fuzz's layout) and what `cargo gauntlet fuzz`
    // has grown from them.
    let inputs = |t: &str| -> Vec<PathBuf> {
        [
            fuzz_dir.join("corpus").join(t),
            fuzz_dir.join("regressions").join(t),
            work_corpora.join(t),
        ]
        .into_iter()
        .filter(|d| !sys::files_in(d).is_empty())
        .collect()
    };
    let with_inputs: Vec<String> = targets
        .iter()
        .filter(|t| !inputs(t).is_empty())
        .cloned()
        .collect();
    let mut out = Replayed {
        binaries: Vec::new(),
        targets: Vec::new(),
        failed: Vec::new(),
    };
    if with_inputs.is_empty() {
        eprintln!(
            "coverage: {} has no corpus to replay (fuzz/corpus/<target>/ is empty)",
            fuzz_dir.display()
        );
        return Ok(out);
    }
    eprintln!(
        "coverage: building {} fuzz target(s) of {} instrumented",
        with_inputs.len(),
        fuzz_dir.display()
    );
    let triple = host_triple(toolchain)?;
    let mut rustflags = String::from("-C instrument-coverage --cfg fuzzing --cfg coverage");
    if toolchain.nightly {
        rustflags.push_str(" -Z coverage-options=branch");
    }
    let scratch = target_dir.join("build-profiles");
    let mut cmd = toolchain.command("cargo");
    cmd.current_dir(fuzz_dir)
        .args([
            "build",
            "--release",
            "--message-format=json-render-diagnostics",
        ])
        .arg("--manifest-path")
        .arg(fuzz_dir.join("Cargo.toml"))
        // With --target, RUSTFLAGS reaches only the target's code, not build scripts.
        .args(["--target", &triple])
        .arg("--target-dir")
        .arg(target_dir)
        .env("RUSTFLAGS", rustflags)
        .env_remove("RUSTC_WRAPPER")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env("LLVM_PROFILE_FILE", scratch.join("%p-%m.profraw"));
    for t in &with_inputs {
        cmd.args(["--bin", t]);
    }
    let stdout = capture(&mut cmd)?;
    let mut bins = std::collections::BTreeMap::new();
    for line in stdout.lines() {
        if let Ok(cargo_metadata::Message::CompilerArtifact(a)) =
            serde_json::from_str::<cargo_metadata::Message>(line)
            && let Some(exe) = a.executable
        {
            bins.insert(a.target.name, exe.into_std_path_buf());
        }
    }
    let artifacts = target_dir.join("replay-artifacts");
    sys::create_dir(&artifacts)?;
    sys::create_dir(profile_dir)?;
    for t in &with_inputs {
        let Some(exe) = bins.get(t) else {
            bail!("cargo built no executable for fuzz target {t}");
        };
        let dirs = inputs(t);
        let n: usize = dirs.iter().map(|d| sys::files_in(d).len()).sum();
        eprintln!("coverage: replaying {n} input(s) through fuzz target {t}");
        let mut run = Command::new(exe);
        run.current_dir(fuzz_dir)
            .arg("-runs=0")
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .args(&dirs)
            .env(
                "LLVM_PROFILE_FILE",
                profile_dir.join(format!("{t}-%p-%m.profraw")),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let o = run
            .output()
            .with_context(|| format!("cannot start {}", exe.display()))?;
        if !o.status.success() {
            let err = String::from_utf8_lossy(&o.stderr);
            for l in err.lines().rev().take(8).collect::<Vec<_>>().iter().rev() {
                eprintln!("  {l}");
            }
            eprintln!(
                "coverage: replaying the corpus of {t} failed ({})",
                o.status
            );
            out.failed.push(format!("fuzz corpus replay: {t}"));
        }
        out.targets.push(t.clone());
        out.binaries.push(exe.clone());
    }
    Ok(out)
}

/// The host triple of the toolchain.
fn host_triple(toolchain: &Toolchain) -> Result<String> {
    let vv = capture(toolchain.command("rustc").arg("-vV"))?;
    vv.lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .context("rustc -vV names no host")
}

/// Run a command with stderr shown and stdout captured; error if it fails.
fn capture(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .with_context(|| format!("cannot start {}", sys::describe(cmd)))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in stderr.lines().filter(|l| !benign_llvm_warning(l)) {
        eprintln!("{line}");
    }
    if !out.status.success() {
        bail!("{} failed ({})", sys::describe(cmd), out.status);
    }
    String::from_utf8(out.stdout)
        .with_context(|| format!("{} printed non-UTF-8", sys::describe(cmd)))
}

/// A warning of llvm-cov or llvm-profdata that says nothing about the user's code. A crate is
/// compiled twice here, into the test binaries and (with `--cfg fuzzing`) into the fuzz targets,
/// so a function can have two structural hashes. The profile keeps a record per hash; when
/// llvm-cov reads one binary, a function that ran only in the other reports "mismatched data"
/// and counts as not run in this one, which is the truth.
fn benign_llvm_warning(line: &str) -> bool {
    line.contains("have mismatched data") || line.contains("has mismatched data")
}

/// Stable or nightly: which `cargo`, `rustc` and LLVM tools a run uses (profiles of one
/// compiler's binaries must be read with that compiler's `llvm-cov`).
struct Toolchain {
    nightly: bool,
}

impl Toolchain {
    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        if self.nightly {
            c.arg("+nightly");
        }
        c
    }

    /// `cargo` in the workspace root with the instrumentation environment.
    fn cargo(&self, root: &Path, env: &[(String, String)]) -> Command {
        let mut c = self.command("cargo");
        c.current_dir(root).envs(env.iter().map(|(k, v)| (k, v)));
        c
    }

    fn version(&self) -> String {
        sys::output(self.command("rustc").arg("--version")).unwrap_or_default()
    }

    /// The directory holding this toolchain's `llvm-cov` and `llvm-profdata`.
    fn llvm_tools(&self) -> Result<PathBuf> {
        let sysroot = capture(self.command("rustc").args(["--print", "sysroot"]))?;
        let vv = capture(self.command("rustc").arg("-vV"))?;
        let dir = llvm::tools_dir(&sysroot, &vv)?;
        for tool in ["llvm-cov", "llvm-profdata"] {
            if !dir.join(tool).is_file() {
                bail!(
                    "{} is missing: run `rustup component add llvm-tools-preview{}` (or scripts/install-tools --coverage)",
                    dir.join(tool).display(),
                    if self.nightly {
                        " --toolchain nightly"
                    } else {
                        ""
                    }
                );
            }
        }
        Ok(dir)
    }

    /// `cargo llvm-cov show-env` for a build in `build_dir`, plus `CARGO_TARGET_DIR` itself.
    fn show_env(&self, root: &Path, build_dir: &Path) -> Result<Vec<(String, String)>> {
        let mut cmd = self.command("cargo");
        cmd.current_dir(root)
            .env("CARGO_TARGET_DIR", build_dir)
            .args(["llvm-cov", "show-env"]);
        if self.nightly {
            cmd.args(["--doctests", "--branch"]);
        }
        let mut env = llvm::parse_show_env(&capture(&mut cmd)?)?;
        env.push(("CARGO_TARGET_DIR".into(), build_dir.display().to_string()));
        Ok(env)
    }

    /// Build every test binary once; return the instrumented executables cargo reports.
    fn build(
        &self,
        root: &Path,
        env: &[(String, String)],
        args: &[String],
    ) -> Result<Vec<PathBuf>> {
        let stdout = capture(self.cargo(root, env).args(args))?;
        let mut out: Vec<PathBuf> = Vec::new();
        for line in stdout.lines().filter(|l| l.starts_with('{')) {
            let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            if msg["reason"] != "compiler-artifact" {
                continue;
            }
            let build_script = msg["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "custom-build"));
            if let (Some(exe), false) = (msg["executable"].as_str(), build_script) {
                out.push(PathBuf::from(exe));
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// Executable files anywhere under `dir` (the persisted doc-test binaries).
fn executables_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in sys::dirs_in(dir) {
        out.extend(executables_under(&d));
    }
    out.extend(sys::files_in(dir).into_iter().filter(|f| is_executable(f)));
    out
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "exe")
}

/// Merge every `.profraw` under `dirs` into `out`; `None` when there is none.
fn merge(tools: &Path, dirs: &[PathBuf], out: &Path) -> Result<Option<PathBuf>> {
    let raws: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| sys::files_in(d))
        .filter(|f| f.extension().is_some_and(|e| e == "profraw"))
        .collect();
    if raws.is_empty() {
        return Ok(None);
    }
    let mut cmd = Command::new(tools.join("llvm-profdata"));
    cmd.args(["merge", "-sparse", "-o"]).arg(out).args(&raws);
    capture(&mut cmd)?;
    Ok(Some(out.to_path_buf()))
}

/// `llvm-cov` over one run's binaries.
struct Cov<'a> {
    tools: &'a Path,
    objects: &'a [PathBuf],
    ignore: String,
}

impl Cov<'_> {
    fn llvm_cov(&self, sub: &str, profile: &Path) -> Command {
        let mut cmd = Command::new(self.tools.join("llvm-cov"));
        cmd.arg(sub)
            .arg(format!("-instr-profile={}", profile.display()))
            .arg(format!("-ignore-filename-regex={}", self.ignore));
        cmd
    }

    /// `llvm-cov export -format=<format>` (`text` is JSON) of `profile`.
    fn export(&self, profile: &Path, format: &str) -> Result<String> {
        let mut cmd = self.llvm_cov("export", profile);
        cmd.arg(format!("-format={format}"))
            .args(llvm::object_args(self.objects));
        capture(&mut cmd)
    }

    /// llvm-cov's own line-by-line HTML of `profile` into `dir`.
    fn html(&self, profile: &Path, dir: &Path, branches: bool) -> Result<()> {
        let mut cmd = self.llvm_cov("show", profile);
        cmd.args([
            "-format=html",
            "-show-line-counts-or-regions",
            "-show-instantiations=false",
            "-project-title=gauntlet",
        ])
        .arg(format!("-output-dir={}", dir.display()));
        if branches {
            cmd.arg("-show-branches=count");
        }
        cmd.args(llvm::object_args(self.objects));
        capture(&mut cmd).map(drop)
    }
}

fn append(path: &Path, line: &str) -> Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent() {
        sys::create_dir(parent)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(line.as_bytes()))
        .with_context(|| format!("cannot append to {}", path.display()))
}

/// `YYYY-MM-DD` (UTC) of a Unix time.
fn utc_date(unix: u64) -> String {
    gauntlet_records::bench::rfc3339(unix)[..10].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_two_hash_warning_is_hidden() {
        assert!(benign_llvm_warning(
            "warning: 12 functions have mismatched data"
        ));
        assert!(benign_llvm_warning(
            "warning: 1 function has mismatched data"
        ));
        assert!(!benign_llvm_warning(
            "warning: a.profraw: function basic block count change detected (counter mismatch)"
        ));
        assert!(!benign_llvm_warning("error: no profile can be merged"));
    }

    #[test]
    fn partial_runs_are_named_after_their_packages() {
        let p = |name: &str| workspace::Package {
            name: name.into(),
            dir: format!("/w/{name}"),
            rel_dir: name.into(),
            lib: true,
            doctests: true,
            bins: false,
            examples: false,
            tests: Vec::new(),
            fuzz_replay: false,
        };
        let both = [p("a"), p("b")];
        assert_eq!(run_name("2026-01-02", "abc", &both, 2), "2026-01-02-abc");
        assert_eq!(
            run_name("2026-01-02", "abc", &both[1..], 2),
            "2026-01-02-abc+b"
        );
    }

    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_709_251_199), "2024-02-29");
        assert_eq!(utc_date(1_798_761_600), "2027-01-01");
    }
}
