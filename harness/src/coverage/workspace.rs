//! Which packages and test targets a coverage run measures, from `cargo metadata`, and the
//! `cargo test` arguments of each suite.

use anyhow::{Result, bail};
use cargo_metadata::TargetKind;

use crate::project::Project;

/// The integration test that replays a crate's fuzz corpora and regression inputs.
pub const FUZZ_REPLAY: &str = "fuzz_replay";

/// A workspace member, as far as coverage cares.
#[derive(Clone, Debug, PartialEq)]
pub struct Package {
    pub name: String,
    /// Absolute directory (no trailing slash).
    pub dir: String,
    /// Relative to the workspace root.
    pub rel_dir: String,
    pub lib: bool,
    pub doctests: bool,
    pub bins: bool,
    pub examples: bool,
    /// Integration tests run by `cargo test`, the fuzz replay excepted.
    pub tests: Vec<String>,
    pub fuzz_replay: bool,
}

/// The workspace members of `project`, sorted by directory.
pub fn members(project: &Project) -> Vec<Package> {
    let mut out: Vec<Package> = project
        .members()
        .into_iter()
        .map(|p| {
            let dir = p
                .manifest_path
                .parent()
                .map_or_else(String::new, |d| d.as_str().trim_end_matches('/').to_owned());
            let has = |kind: TargetKind| p.targets.iter().any(|t| t.kind.contains(&kind));
            let lib_targets = || {
                p.targets.iter().filter(|t| {
                    t.kind.iter().any(|k| {
                        matches!(
                            k,
                            TargetKind::Lib | TargetKind::RLib | TargetKind::ProcMacro
                        )
                    })
                })
            };
            let tests: Vec<&str> = p
                .targets
                .iter()
                .filter(|t| t.kind.contains(&TargetKind::Test) && t.test)
                .map(|t| t.name.as_str())
                .collect();
            Package {
                name: p.name.to_string(),
                rel_dir: project.rel_dir(p),
                dir,
                lib: lib_targets().next().is_some(),
                doctests: lib_targets().any(|t| t.doctest),
                bins: has(TargetKind::Bin),
                examples: has(TargetKind::Example),
                fuzz_replay: tests.contains(&FUZZ_REPLAY),
                tests: tests
                    .iter()
                    .filter(|t| **t != FUZZ_REPLAY)
                    .map(|t| (*t).to_owned())
                    .collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.rel_dir.cmp(&b.rel_dir));
    out
}

/// The packages named by `-p` (all members when none is named).
pub fn select(all: &[Package], wanted: &[String]) -> Result<Vec<Package>> {
    if wanted.is_empty() {
        return Ok(all.to_vec());
    }
    for w in wanted {
        if !all.iter().any(|p| &p.name == w) {
            let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
            bail!(
                "no workspace member is called {w:?} (members: {})",
                names.join(", ")
            );
        }
    }
    Ok(all
        .iter()
        .filter(|p| wanted.contains(&p.name))
        .cloned()
        .collect())
}

/// `cargo test` arguments of each suite. Every suite names the same packages, so every one
/// resolves the same features and reuses the one instrumented build.
#[derive(Debug, PartialEq)]
pub struct Plan {
    /// `--no-run` build of everything the suites run, with JSON messages naming the binaries.
    pub build: Vec<String>,
    /// The fuzz corpus replays, if any selected package has one.
    pub fuzz: Option<Vec<String>>,
    /// Unit, integration, property and CLI tests: everything but the fuzz replays and doc tests.
    pub tests: Option<Vec<String>>,
    /// Doc tests (instrumented only on nightly).
    pub doc: Option<Vec<String>>,
}

pub fn plan(all: &[Package], selected: &[Package], doctests: bool) -> Plan {
    let mut base: Vec<String> = vec!["test".into()];
    if selected.len() == all.len() {
        base.push("--workspace".into());
    } else {
        for p in selected {
            base.extend(["--package".into(), p.name.clone()]);
        }
    }
    base.push("--all-features".into());
    let with = |extra: &[String]| -> Vec<String> { base.iter().chain(extra).cloned().collect() };

    let mut build = vec![
        "--no-run".into(),
        "--message-format=json-render-diagnostics".into(),
        "--tests".into(),
    ];
    if selected.iter().any(|p| p.examples) {
        build.push("--examples".into());
    }

    let mut tests: Vec<String> = Vec::new();
    if selected.iter().any(|p| p.lib) {
        tests.push("--lib".into());
    }
    if selected.iter().any(|p| p.bins) {
        tests.push("--bins".into());
    }
    if selected.iter().any(|p| p.examples) {
        tests.push("--examples".into());
    }
    let mut names: Vec<&String> = selected.iter().flat_map(|p| &p.tests).collect();
    names.sort();
    names.dedup();
    for n in names {
        tests.extend(["--test".into(), n.clone()]);
    }
    let run_flags = ["--no-fail-fast".to_owned()];
    Plan {
        build: with(&build),
        fuzz: selected
            .iter()
            .any(|p| p.fuzz_replay)
            .then(|| with(&[&run_flags[..], &["--test".into(), FUZZ_REPLAY.into()]].concat())),
        tests: (!tests.is_empty()).then(|| with(&[&run_flags[..], &tests].concat())),
        doc: (doctests && selected.iter().any(|p| p.doctests))
            .then(|| with(&[&run_flags[..], &["--doc".into()]].concat())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(name: &str, rel_dir: &str, lib: bool, fuzz_replay: bool, tests: &[&str]) -> Package {
        Package {
            name: name.into(),
            dir: format!("/w/{rel_dir}"),
            rel_dir: rel_dir.into(),
            lib,
            doctests: lib,
            bins: true,
            examples: false,
            tests: tests.iter().map(|t| (*t).to_owned()).collect(),
            fuzz_replay,
        }
    }

    fn fixture() -> Vec<Package> {
        vec![
            pkg("h", "harness", false, false, &["cli", "e2e"]),
            pkg("a", "targets/a", true, true, &["cli"]),
        ]
    }

    fn args(v: &[String]) -> String {
        v.join(" ")
    }

    #[test]
    fn members_and_their_targets_are_read() {
        let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        let project = Project::locate(Some(&manifest), None).unwrap();
        let ps = members(&project);
        let rel: Vec<&str> = ps.iter().map(|p| p.rel_dir.as_str()).collect();
        let mut sorted = rel.clone();
        sorted.sort();
        assert_eq!(rel, sorted, "sorted by directory");
        let rc = ps.iter().find(|p| p.name == "retry-counter").unwrap();
        assert_eq!(rc.rel_dir, "targets/retry-counter");
        assert!(rc.dir.ends_with("/targets/retry-counter"), "{}", rc.dir);
        assert!(rc.lib && rc.doctests && rc.bins && rc.fuzz_replay && !rc.examples);
        assert!(rc.tests.contains(&"cli".to_owned()));
        assert!(
            !rc.tests.contains(&FUZZ_REPLAY.to_owned()),
            "fuzz_replay is not a plain test"
        );
        let harness = ps.iter().find(|p| p.name == "cargo-gauntlet").unwrap();
        assert!(!harness.lib && !harness.fuzz_replay && harness.bins);
    }

    #[test]
    fn every_suite_names_the_same_packages() {
        let ps = fixture();
        let p = plan(&ps, &ps, true);
        assert_eq!(
            args(&p.build),
            "test --workspace --all-features --no-run --message-format=json-render-diagnostics --tests"
        );
        assert_eq!(
            args(p.fuzz.as_ref().unwrap()),
            "test --workspace --all-features --no-fail-fast --test fuzz_replay"
        );
        assert_eq!(
            args(p.tests.as_ref().unwrap()),
            "test --workspace --all-features --no-fail-fast --lib --bins --test cli --test e2e"
        );
        assert_eq!(
            args(p.doc.as_ref().unwrap()),
            "test --workspace --all-features --no-fail-fast --doc"
        );

        let only_h = select(&ps, &["h".into()]).unwrap();
        let p = plan(&ps, &only_h, true);
        assert_eq!(p.fuzz, None);
        assert_eq!(p.doc, None, "h has no library, so no doc tests");
        assert_eq!(
            args(p.tests.as_ref().unwrap()),
            "test --package h --all-features --no-fail-fast --bins --test cli --test e2e"
        );
        assert_eq!(plan(&ps, &ps, false).doc, None);
    }

    #[test]
    fn unknown_packages_are_refused_with_the_members_listed() {
        let ps = fixture();
        let e = select(&ps, &["nope".into()]).unwrap_err().to_string();
        assert!(e.contains("\"nope\"") && e.contains("members: h, a"), "{e}");
        assert_eq!(select(&ps, &[]).unwrap().len(), 2);
    }
}
