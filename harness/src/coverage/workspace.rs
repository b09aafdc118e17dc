//! Which packages and test targets a coverage run measures, from `cargo metadata`, and the
//! `cargo test` arguments of each suite.

use anyhow::{Context, Result, bail};
use serde::Deserialize;

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

#[derive(Deserialize)]
struct Metadata {
    workspace_root: String,
    workspace_members: Vec<String>,
    packages: Vec<MetaPackage>,
}

#[derive(Deserialize)]
struct MetaPackage {
    id: String,
    name: String,
    manifest_path: String,
    targets: Vec<MetaTarget>,
}

#[derive(Deserialize)]
struct MetaTarget {
    kind: Vec<String>,
    name: String,
    #[serde(default = "yes")]
    test: bool,
    #[serde(default = "yes")]
    doctest: bool,
}

fn yes() -> bool {
    true
}

/// Parse `cargo metadata --no-deps --format-version 1`: the workspace root and its members.
pub fn parse_metadata(json: &str) -> Result<(String, Vec<Package>)> {
    let m: Metadata =
        serde_json::from_str(json).context("cargo metadata printed unexpected JSON")?;
    let root = m.workspace_root.trim_end_matches('/').to_owned();
    let mut out = Vec::new();
    for p in m
        .packages
        .into_iter()
        .filter(|p| m.workspace_members.contains(&p.id))
    {
        let dir = p
            .manifest_path
            .strip_suffix("/Cargo.toml")
            .with_context(|| {
                format!(
                    "manifest path {} does not end in /Cargo.toml",
                    p.manifest_path
                )
            })?
            .to_owned();
        let rel_dir = dir
            .strip_prefix(&root)
            .map(|r| r.trim_start_matches('/'))
            .unwrap_or(&dir)
            .to_owned();
        let has = |kind: &str| p.targets.iter().any(|t| t.kind.iter().any(|k| k == kind));
        let lib_targets = || {
            p.targets.iter().filter(|t| {
                t.kind
                    .iter()
                    .any(|k| matches!(k.as_str(), "lib" | "rlib" | "proc-macro"))
            })
        };
        let tests: Vec<&MetaTarget> = p
            .targets
            .iter()
            .filter(|t| t.kind.iter().any(|k| k == "test") && t.test)
            .collect();
        out.push(Package {
            name: p.name.clone(),
            rel_dir,
            dir,
            lib: lib_targets().next().is_some(),
            doctests: lib_targets().any(|t| t.doctest),
            bins: has("bin"),
            examples: has("example"),
            fuzz_replay: tests.iter().any(|t| t.name == FUZZ_REPLAY),
            tests: tests
                .iter()
                .filter(|t| t.name != FUZZ_REPLAY)
                .map(|t| t.name.clone())
                .collect(),
        });
    }
    out.sort_by(|a, b| a.rel_dir.cmp(&b.rel_dir));
    Ok((root, out))
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

    const METADATA: &str = r#"{"workspace_root":"/w","workspace_members":["a-id","h-id"],"packages":[
        {"id":"a-id","name":"a","manifest_path":"/w/targets/a/Cargo.toml","targets":[
            {"kind":["lib"],"name":"a","test":true,"doctest":true},
            {"kind":["bin"],"name":"a","test":true,"doctest":false},
            {"kind":["test"],"name":"cli","test":true,"doctest":false},
            {"kind":["test"],"name":"fuzz_replay","test":true,"doctest":false},
            {"kind":["test"],"name":"slow","test":false,"doctest":false}]},
        {"id":"h-id","name":"h","manifest_path":"/w/harness/Cargo.toml","targets":[
            {"kind":["bin"],"name":"h","test":true,"doctest":false},
            {"kind":["test"],"name":"cli","test":true,"doctest":false},
            {"kind":["test"],"name":"e2e","test":true,"doctest":false}]},
        {"id":"dep","name":"dep","manifest_path":"/r/dep/Cargo.toml","targets":[]}]}"#;

    fn args(v: &[String]) -> String {
        v.join(" ")
    }

    #[test]
    fn members_and_their_targets_are_read() {
        let (root, ps) = parse_metadata(METADATA).unwrap();
        assert_eq!(root, "/w");
        let names: Vec<&str> = ps.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            ["h", "a"],
            "sorted by directory, non-members dropped"
        );
        let a = &ps[1];
        assert_eq!(
            (a.dir.as_str(), a.rel_dir.as_str()),
            ("/w/targets/a", "targets/a")
        );
        assert!(a.lib && a.doctests && a.bins && a.fuzz_replay && !a.examples);
        assert_eq!(
            a.tests,
            ["cli"],
            "fuzz_replay and test = false are not plain tests"
        );
        assert!(!ps[0].lib && !ps[0].fuzz_replay);
        assert!(parse_metadata("{}").is_err());
    }

    #[test]
    fn every_suite_names_the_same_packages() {
        let (_, ps) = parse_metadata(METADATA).unwrap();
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
        let (_, ps) = parse_metadata(METADATA).unwrap();
        let e = select(&ps, &["nope".into()]).unwrap_err().to_string();
        assert!(e.contains("\"nope\"") && e.contains("members: h, a"), "{e}");
        assert_eq!(select(&ps, &[]).unwrap().len(), 2);
    }
}
