//! `cargo gauntlet mutants`: does the test suite catch wrong answers? cargo-mutants (installed on
//! demand) builds the project with one small wrong change at a time and runs its tests; a mutant
//! the tests still pass with, or that makes them hang, survives. This verb runs it, reads its
//! machine-readable `mutants.out/outcomes.json` (never its console text), writes
//! `target/gauntlet/mutants/<run>.json` and `latest.json` ([`MutantsRun`]) and judges each
//! package's score against `[mutants] minimum_score` in `gauntlet.toml`.
//!
//! cargo-mutants' own exit code says "some mutant was missed" (2) or "some timed out" (3); those
//! are the data, not the verdict. Only the policy decides gauntlet's exit.

mod outcomes;
mod render;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use gauntlet_records::Verdict;
use gauntlet_records::mutants::{MutantsRun, PackageScore, SCHEMA};

use crate::project::Project;
use crate::{exit, sys};
pub use outcomes::parse_outcomes;
use render::table;

/// Options of `cargo gauntlet mutants`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Mutate only this workspace member (repeatable); default: every member.
    #[arg(short = 'p', long = "package", value_name = "NAME")]
    packages: Vec<String>,
    /// Test only shard K of N (from 0): every Nth mutant starting at the Kth (round-robin), so
    /// each shard is a sample of every file and N machines share a whole run.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    shard: Option<(u32, u32)>,
    /// Seconds one mutant's tests may run before they count as a hang (cargo-mutants' default:
    /// a multiple of the unmutated tests' time).
    #[arg(long, value_name = "SECS")]
    timeout: Option<f64>,
    /// Passed on to cargo-mutants as they are, e.g. `-- --all-features` or `-- --jobs 2`.
    #[arg(last = true, value_name = "CARGO-MUTANTS ARGS")]
    passthrough: Vec<String>,
}

/// `K/N` with `0 ≤ K < N`.
fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("{s:?} is not a shard K/N with 0 <= K < N (e.g. 0/4)");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let k: u32 = k.trim().parse().map_err(|_| bad())?;
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    if k >= n {
        return Err(bad());
    }
    Ok((k, n))
}

/// cargo-mutants' exit codes that still mean "the mutants were tested" (success, some missed,
/// some timed out); see its `exit_code.rs`.
const TESTED: [i32; 3] = [0, 2, 3];
/// cargo-mutants: the tests fail without any mutant.
const BASELINE_FAILED: i32 = 4;

/// Run `cargo gauntlet mutants`; 0 when every package meets the minimum, 2 (a broken policy, like
/// coverage under its minimum) when one does not, 1 when the tests fail without any mutant.
pub fn run(args: Args, project: &Project) -> Result<u8> {
    let members: Vec<String> = project
        .members()
        .iter()
        .map(|p| p.name.to_string())
        .collect();
    for p in &args.packages {
        if !members.contains(p) {
            return Err(exit::usage(format!(
                "no workspace member is called {p:?} (members: {})",
                members.join(", ")
            )));
        }
    }
    if let Some(t) = args.timeout
        && !(t > 0.0 && t.is_finite())
    {
        return Err(exit::usage(format!(
            "--timeout {t}: give a positive number of seconds"
        )));
    }
    let policy = &project.config.mutants;
    let minimum = policy.minimum_score;
    for p in policy.minimum_score_by_package.keys() {
        if !members.contains(p) {
            bail!(
                "gauntlet.toml [mutants.minimum_score_by_package]: no workspace member is called \
                 {p:?} (members: {})",
                members.join(", ")
            );
        }
    }
    sys::ensure_cargo_tool("mutants", "cargo-mutants")?;
    let tool = sys::output(Command::new("cargo").args(["mutants", "--version"]))
        .unwrap_or_else(|| "cargo-mutants".to_owned());

    let date = gauntlet_records::bench::rfc3339_now();
    let commit = sys::commit_stamp(&project.root);
    let run = run_name(&date, &commit, args.shard);
    let dir = project.gauntlet_dir().join("mutants");
    let out = dir.join(&run);

    // cargo-mutants creates `<out>/mutants.out/` but not `<out>` itself.
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut cmd = Command::new("cargo");
    cmd.current_dir(&project.root)
        .arg("mutants")
        .args(cargo_mutants_args(
            &args,
            &out,
            project.manifest_path.as_deref(),
        ));
    eprintln!("mutants: {}", sys::describe(&cmd));
    let started = Instant::now();
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {}", sys::describe(&cmd)))?;
    let elapsed_s = started.elapsed().as_secs_f64();
    match status.code() {
        Some(c) if TESTED.contains(&c) => {}
        Some(BASELINE_FAILED) => {
            eprintln!(
                "error: the tests fail without any mutant, so no mutant can be judged; see {} \
                 and fix the tests first",
                out.join("mutants.out/log").display()
            );
            return Ok(exit::FAILED);
        }
        // 1 is both a bad command line (say, a wrong argument after `--`) and any other error.
        _ => bail!(
            "{} failed ({status}); its own message is above",
            sys::describe(&cmd)
        ),
    }

    let outcomes_path = out.join("mutants.out/outcomes.json");
    let text = std::fs::read_to_string(&outcomes_path)
        .with_context(|| format!("cannot read {}", outcomes_path.display()))?;
    let mut packages = parse_outcomes(&text)
        .with_context(|| format!("{} does not parse", outcomes_path.display()))?;
    // A selected package with no mutant in this shard is still shown, with nothing tested.
    for p in &args.packages {
        if !packages.iter().any(|s| &s.name == p) {
            packages.push(PackageScore {
                name: p.clone(),
                score_percent: 100.0,
                ..Default::default()
            });
        }
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    for p in &mut packages {
        p.minimum = policy.minimum_for(&p.name);
    }
    let verdict = judge(&packages);
    let record = MutantsRun {
        schema: SCHEMA.to_owned(),
        run: run.clone(),
        date,
        commit,
        tool,
        shard: args.shard,
        args: selection_args(&args),
        merged_shards: vec![],
        elapsed_s: (elapsed_s * 10.0).round() / 10.0,
        minimum,
        packages,
        verdict,
    };
    let json = serde_json::to_string_pretty(&record)?;
    let path = dir.join(format!("{run}.json"));
    sys::write(&path, &json)?;
    print!("{}", table(&record));
    println!("record: {}", path.display());
    // One shard is a sample; the shards of this commit run so far, added up, are the score.
    let judged = match merged(&dir, &record, policy)? {
        Some(all) => {
            let path = dir.join(format!("{}.json", all.run));
            sys::write(&path, &serde_json::to_string_pretty(&all)?)?;
            println!(
                "\n{} shards of {} at {} added up:",
                all.merged_shards.len(),
                record.shard.map_or(0, |(_, n)| n),
                all.commit
            );
            print!("{}", table(&all));
            println!("record: {}", path.display());
            all
        }
        None => record,
    };
    sys::write(
        &dir.join("latest.json"),
        &serde_json::to_string_pretty(&judged)?,
    )?;
    Ok(if judged.verdict == Verdict::Fail {
        exit::POLICY
    } else {
        exit::OK
    })
}

/// `<date>-<commit>`, plus `-shard-K-of-N` for one shard.
fn run_name(date: &str, commit: &str, shard: Option<(u32, u32)>) -> String {
    let day = date.get(..10).unwrap_or(date);
    match shard {
        Some((k, n)) => format!("{day}-{commit}-shard-{k}-of-{n}"),
        None => format!("{day}-{commit}"),
    }
}

/// Everything after `cargo mutants`.
fn cargo_mutants_args(args: &Args, out: &Path, manifest: Option<&Path>) -> Vec<String> {
    let mut a: Vec<String> = vec!["--output".into(), out.display().to_string()];
    a.push("--colors=never".into());
    if let Some(m) = manifest {
        a.extend(["--manifest-path".into(), m.display().to_string()]);
    }
    if args.packages.is_empty() {
        a.push("--workspace".into());
    }
    for p in &args.packages {
        a.extend(["--package".into(), p.clone()]);
    }
    if let Some((k, n)) = args.shard {
        a.extend(["--shard".into(), format!("{k}/{n}")]);
        // cargo-mutants' default slices the list (shard 0 of 8 would be the first eighth, a
        // few files); round-robin makes one shard's score an estimate of the whole package's.
        a.push("--sharding=round-robin".into());
    }
    if let Some(t) = args.timeout {
        a.extend(["--timeout".into(), t.to_string()]);
    }
    a.extend(args.passthrough.iter().cloned());
    a
}

/// Fail when a package scores under its minimum; pass otherwise (and always without one).
fn judge(packages: &[PackageScore]) -> Verdict {
    if packages.iter().any(PackageScore::under_minimum) {
        Verdict::Fail
    } else {
        Verdict::Pass
    }
}

/// The cargo-mutants arguments that decide which mutants a shard holds and how they are tested:
/// [`cargo_mutants_args`] without the output directory and the shard.
fn selection_args(args: &Args) -> Vec<String> {
    let a = cargo_mutants_args(args, Path::new(""), None);
    let mut out = Vec::new();
    let mut it = a.into_iter();
    while let Some(x) = it.next() {
        match x.as_str() {
            "--output" | "--shard" => {
                it.next();
            }
            "--colors=never" | "--sharding=round-robin" => {}
            _ => out.push(x),
        }
    }
    out
}

/// With `record` (a shard), every shard run of the same commit with the same arguments and
/// shard count under `dir`, added up into `<day>-<commit>-shards-of-<n>`, judged by today's
/// `policy`; `None` for a run that is no shard or from a working tree with uncommitted changes
/// (two dirty runs need not have tested the same code).
fn merged(
    dir: &Path,
    record: &MutantsRun,
    policy: &crate::config::MutantsConfig,
) -> Result<Option<MutantsRun>> {
    let Some((_, n)) = record.shard else {
        return Ok(None);
    };
    if record.commit.ends_with("-dirty") {
        return Ok(None);
    }
    let mut runs: Vec<MutantsRun> = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        // Other files (latest.json, merged records, older schemas) are not shards of this run.
        let Ok(r) = gauntlet_records::load::<MutantsRun>(&path) else {
            continue;
        };
        if r.run != record.run
            && r.commit == record.commit
            && r.args == record.args
            && r.shard.is_some_and(|(_, m)| m == n)
        {
            runs.push(r);
        }
    }
    runs.sort_by(|a, b| a.date.cmp(&b.date));
    runs.push(record.clone());
    Ok(merge_runs(runs, n, policy))
}

/// [`MutantsRun::merge`] under today's policy.
fn merge_runs(
    runs: Vec<MutantsRun>,
    n: u32,
    policy: &crate::config::MutantsConfig,
) -> Option<MutantsRun> {
    let last = runs.last()?;
    let name = format!(
        "{}-{}-shards-of-{n}",
        last.date.get(..10).unwrap_or(&last.date),
        last.commit
    );
    let mut all = MutantsRun::merge(name, &runs)?;
    all.minimum = policy.minimum_score;
    for p in &mut all.packages {
        p.minimum = policy.minimum_for(&p.name);
    }
    all.verdict = judge(&all.packages);
    Some(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gauntlet_records::mutants::{Escape, score as score_of};
    use serde::Deserialize;

    fn data(name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/mutants")
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn shards_are_k_of_n_from_zero() {
        assert_eq!(parse_shard("0/4"), Ok((0, 4)));
        assert_eq!(parse_shard("3/4"), Ok((3, 4)));
        for bad in ["4/4", "3/2", "0/0", "1", "a/2", "-1/2", "1/2/3", ""] {
            assert!(parse_shard(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn the_policy_fails_a_package_under_the_minimum() {
        let p = |name: &str, score_percent| PackageScore {
            name: name.to_owned(),
            score_percent,
            ..Default::default()
        };
        let mut ps = [p("a", 95.0), p("b", 89.99)];
        assert_eq!(judge(&ps), Verdict::Pass, "no minimum");
        let mut policy = crate::config::MutantsConfig {
            minimum_score: Some(80.0),
            ..Default::default()
        };
        let apply = |ps: &mut [PackageScore], policy: &crate::config::MutantsConfig| {
            for p in ps.iter_mut() {
                p.minimum = policy.minimum_for(&p.name);
            }
        };
        apply(&mut ps, &policy);
        assert_eq!(judge(&ps), Verdict::Pass);
        policy.minimum_score = Some(90.0);
        apply(&mut ps, &policy);
        assert_eq!(judge(&ps), Verdict::Fail);
        policy.minimum_score_by_package.insert("b".to_owned(), 85.0);
        apply(&mut ps, &policy);
        assert_eq!(judge(&ps), Verdict::Pass, "b's own minimum");
        policy.minimum_score_by_package.insert("a".to_owned(), 96.0);
        apply(&mut ps, &policy);
        assert_eq!(judge(&ps), Verdict::Fail, "a's own minimum");
        assert!(table(&run_of(ps.to_vec())).contains("under the minimum of 96 %"));
    }

    fn run_of(packages: Vec<PackageScore>) -> MutantsRun {
        MutantsRun {
            schema: SCHEMA.to_owned(),
            run: "r".to_owned(),
            date: "2026-12-07T03:00:00Z".to_owned(),
            commit: "abc".to_owned(),
            tool: "cargo-mutants 27.1.0".to_owned(),
            shard: None,
            args: vec![],
            merged_shards: vec![],
            elapsed_s: 1.0,
            minimum: None,
            packages,
            verdict: Verdict::Pass,
        }
    }

    #[test]
    fn the_shards_of_a_commit_are_judged_together() {
        let dir =
            std::env::temp_dir().join(format!("gauntlet-mutants-merge-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let shard = |k: u32, commit: &str, args: &[&str], caught, missed| {
            let mut r = run_of(vec![PackageScore {
                name: "p".to_owned(),
                caught,
                missed,
                score_percent: score_of(caught, missed, 0),
                ..Default::default()
            }]);
            r.run = format!("2026-12-07-{commit}-shard-{k}-of-4");
            r.commit = commit.to_owned();
            r.date = format!("2026-12-07T0{k}:00:00Z");
            r.shard = Some((k, 4));
            r.args = args.iter().map(|s| s.to_string()).collect();
            r
        };
        let write = |r: &MutantsRun| {
            let text = serde_json::to_string(r).unwrap();
            std::fs::write(dir.join(format!("{}.json", r.run)), text).unwrap();
        };
        write(&shard(0, "abc", &["-p", "p"], 10, 0));
        // Another commit, other arguments, another shard count: not added.
        write(&shard(2, "old", &["-p", "p"], 0, 10));
        write(&shard(2, "abc", &["-p", "q"], 0, 10));
        let mut other_n = shard(2, "abc", &["-p", "p"], 0, 10);
        other_n.shard = Some((2, 8));
        other_n.run = "2026-12-07-abc-shard-2-of-8".to_owned();
        write(&other_n);
        std::fs::write(dir.join("latest.json"), "not a record").unwrap();
        let policy = crate::config::MutantsConfig {
            minimum_score: Some(90.0),
            ..Default::default()
        };
        let now = shard(1, "abc", &["-p", "p"], 7, 3);
        assert_eq!(judge_alone(&now, &policy), Verdict::Fail, "70 % alone");
        let all = merged(&dir, &now, &policy).unwrap().unwrap();
        assert_eq!(all.run, "2026-12-07-abc-shards-of-4");
        assert_eq!(all.merged_shards, [(0, 4), (1, 4)]);
        assert_eq!((all.packages[0].caught, all.packages[0].missed), (17, 3));
        assert_eq!(all.packages[0].score_percent, 85.0);
        assert_eq!(all.verdict, Verdict::Fail);
        let lenient = crate::config::MutantsConfig {
            minimum_score: Some(90.0),
            minimum_score_by_package: [("p".to_owned(), 85.0)].into(),
        };
        assert_eq!(
            merged(&dir, &now, &lenient).unwrap().unwrap().verdict,
            Verdict::Pass
        );
        let mut dirty = now.clone();
        dirty.commit = "abc-dirty".to_owned();
        assert!(merged(&dir, &dirty, &policy).unwrap().is_none());
        let mut whole = now.clone();
        whole.shard = None;
        assert!(merged(&dir, &whole, &policy).unwrap().is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn judge_alone(r: &MutantsRun, policy: &crate::config::MutantsConfig) -> Verdict {
        let mut ps = r.packages.clone();
        for p in &mut ps {
            p.minimum = policy.minimum_for(&p.name);
        }
        judge(&ps)
    }

    #[test]
    fn the_selection_leaves_out_where_and_which_shard() {
        let args = Args {
            packages: vec!["a".into()],
            shard: Some((1, 8)),
            timeout: Some(30.0),
            passthrough: vec!["--all-features".into()],
        };
        assert_eq!(
            selection_args(&args),
            ["--package", "a", "--timeout", "30", "--all-features"]
        );
    }

    #[test]
    fn arguments_reach_cargo_mutants() {
        let args = Args {
            packages: vec!["a".into()],
            shard: Some((1, 8)),
            timeout: Some(30.0),
            passthrough: vec!["--all-features".into()],
        };
        let a = cargo_mutants_args(&args, Path::new("/t/g/m/run"), None).join(" ");
        assert_eq!(
            a,
            "--output /t/g/m/run --colors=never --package a --shard 1/8 --sharding=round-robin --timeout 30 --all-features"
        );
        let all = Args {
            packages: vec![],
            shard: None,
            timeout: None,
            passthrough: vec![],
        };
        assert!(cargo_mutants_args(&all, Path::new("o"), None).contains(&"--workspace".into()));
    }

    #[test]
    fn runs_are_named_by_day_commit_and_shard() {
        assert_eq!(
            run_name("2026-12-07T02:11:54Z", "abc", Some((0, 8))),
            "2026-12-07-abc-shard-0-of-8"
        );
        assert_eq!(
            run_name("2026-12-07T02:11:54Z", "abc", None),
            "2026-12-07-abc"
        );
    }

    /// `tests/data/mutants/tiny-outcomes.json` is what cargo-mutants 27.1.0 wrote for the crate
    /// in `tiny-lib.rs.txt` (`cargo mutants --timeout 5`): 14 caught, 7 missed, 2 timeouts.
    #[test]
    fn a_real_outcomes_json_becomes_scores_and_survivors() {
        let packages = parse_outcomes(&data("tiny-outcomes.json")).unwrap();
        assert_eq!(packages.len(), 1, "the baseline is not a package's mutant");
        let p = &packages[0];
        assert_eq!(p.name, "tiny");
        assert_eq!((p.caught, p.missed, p.timeout, p.unviable), (14, 7, 2, 0));
        assert_eq!(
            p.score_percent, 60.87,
            "14 / 23: the timeouts count against it"
        );
        assert_eq!(p.survivors.len(), 9);
        let first = &p.survivors[0];
        assert_eq!(
            (first.file.as_str(), first.line, first.column),
            ("src/lib.rs", 8, 5)
        );
        assert_eq!(first.description, "replace is_even -> bool with true");
        assert_eq!(first.replacement, "true");
        assert_eq!(first.function.as_deref(), Some("is_even"));
        assert_eq!(first.genre.as_deref(), Some("FnValue"));
        assert_eq!(first.escape, Escape::Missed);
        let hangs: Vec<&str> = p
            .survivors
            .iter()
            .filter(|v| v.escape == Escape::Timeout)
            .map(|v| v.description.as_str())
            .collect();
        assert_eq!(
            hangs,
            [
                "replace -= with += in count_down",
                "replace -= with /= in count_down"
            ]
        );
        let last = p.survivors.last().unwrap();
        assert_eq!(
            (last.line, last.description.as_str()),
            (23, "replace < with <= in less")
        );
    }

    /// gauntlet's per-package counts add up to cargo-mutants' own totals in the same file.
    #[test]
    fn the_counts_agree_with_cargo_mutants_totals() {
        #[derive(Deserialize)]
        struct Totals {
            caught: u64,
            missed: u64,
            timeout: u64,
            unviable: u64,
        }
        for name in [
            "tiny-outcomes.json",
            "retry-counter-shard-0-of-8-outcomes.json",
        ] {
            let text = data(name);
            let t: Totals = serde_json::from_str(&text).unwrap();
            let ps = parse_outcomes(&text).unwrap();
            let sum = |f: fn(&PackageScore) -> u64| ps.iter().map(f).sum::<u64>();
            assert_eq!(
                [
                    sum(|p| p.caught),
                    sum(|p| p.missed),
                    sum(|p| p.timeout),
                    sum(|p| p.unviable)
                ],
                [t.caught, t.missed, t.timeout, t.unviable],
                "{name}"
            );
            let survivors = ps.iter().map(|p| p.survivors.len() as u64).sum::<u64>();
            assert_eq!(survivors, t.missed + t.timeout, "{name}");
        }
    }

    #[test]
    fn the_retry_counter_shard_scores_63_6() {
        let ps = parse_outcomes(&data("retry-counter-shard-0-of-8-outcomes.json")).unwrap();
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].name, "retry-counter");
        assert_eq!(ps[0].score_percent, 63.64, "35 / (35 + 12 + 8)");
        let arm = ps[0]
            .survivors
            .iter()
            .find(|v| v.line == 101)
            .expect("the deleted match arm in main.rs");
        assert_eq!(arm.file, "targets/retry-counter/src/main.rs");
        assert_eq!(
            arm.description,
            "delete match arm ConfigError::InvalidMultiplier(_) in config"
        );
    }

    #[test]
    fn a_survivor_without_a_name_is_described_from_its_parts() {
        let text = r#"{"outcomes":[{"scenario":{"Mutant":{"package":"p","file":"src/lib.rs",
            "function":{"function_name":"f","return_type":"-> bool"},
            "span":{"start":{"line":4,"column":5},"end":{"line":4,"column":9}},
            "replacement":"true","genre":"FnValue"}},"summary":"MissedMutant"}]}"#;
        let p = &parse_outcomes(text).unwrap()[0];
        assert_eq!(p.survivors[0].description, "replace f with true");
        assert_eq!(p.score_percent, 0.0);
    }

    #[test]
    fn unknown_outcomes_are_refused_not_counted() {
        let text = r#"{"outcomes":[{"scenario":{"Mutant":{"package":"p","file":"src/lib.rs",
            "span":{"start":{"line":1,"column":1},"end":{"line":1,"column":2}},
            "replacement":"true"}},"summary":"Exploded"}]}"#;
        let e = parse_outcomes(text).unwrap_err().to_string();
        assert!(e.contains("Exploded"), "{e}");
    }
}
