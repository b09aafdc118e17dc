//! `cargo gauntlet init` on a throw-away project: what it prints and how it exits, and (ignored:
//! needs nightly and cargo-fuzz) that the `.clusterfuzzlite/build.sh` it generates builds the
//! project's fuzz targets into `$OUT`:
//!
//! `cargo test -p cargo-gauntlet --test init_cli -- --ignored`

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn init(project: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-gauntlet"))
        .arg("init")
        .arg("--manifest-path")
        .arg(project.join("Cargo.toml"))
        .args(["--install-from", "https://github.com/example/gauntlet"])
        .args(extra)
        .output()
        .expect("the harness binary runs")
}

/// A package named `fixture-project` whose `fuzz/` is the fixture cargo-fuzz package.
fn fixture_project(dir: &Path) -> PathBuf {
    let root = dir.join("fixture-project");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let fuzz = root.join("fuzz");
    for sub in ["fuzz_targets", "corpus/fixture_healthy"] {
        std::fs::create_dir_all(fuzz.join(sub)).unwrap();
    }
    for f in [
        "Cargo.toml",
        "Cargo.lock",
        "fuzz_targets/fixture_stuck.rs",
        "fuzz_targets/fixture_healthy.rs",
        "fuzz_targets/fixture_crash.rs",
        "corpus/fixture_healthy/seed1",
    ] {
        std::fs::copy(src.join(f), fuzz.join(f)).unwrap();
    }
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"fixture-project\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("src/lib.rs"), "").unwrap();
    root
}

#[test]
fn init_reports_each_file_and_exits_1_only_when_it_left_one_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let root = fixture_project(tmp.path());

    let out = init(&root, &[]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for path in [
        ".github/workflows/gauntlet-fuzz-pr.yml",
        ".github/workflows/gauntlet-fuzz-nightly.yml",
        ".github/workflows/gauntlet-coverage-nightly.yml",
        ".clusterfuzzlite/project.yaml",
        ".clusterfuzzlite/Dockerfile",
        ".clusterfuzzlite/build.sh",
    ] {
        assert!(root.join(path).is_file(), "{path} not written");
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(path) && l.ends_with("created")),
            "{stdout}"
        );
    }
    // No benches: no bench workflow, and a note saying so.
    assert!(!stdout.contains("bench-compare"), "{stdout}");
    assert!(stderr.contains("note: no benches"), "{stderr}");

    let edited = root.join(".clusterfuzzlite/Dockerfile");
    std::fs::write(&edited, "FROM mine\n").unwrap();
    let out = init(&root, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains(
            ".clusterfuzzlite/Dockerfile                      exists and differs: skipped"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(".clusterfuzzlite/build.sh                        unchanged"),
        "{stdout}"
    );
    assert!(
        stderr.contains("error: 1 existing file(s) differ"),
        "{stderr}"
    );
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&edited).unwrap(), "FROM mine\n");

    // A dry run shows the generated version and still writes nothing.
    let out = init(&root, &["--dry-run"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("--- .clusterfuzzlite/Dockerfile (generated) ---\n"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&edited).unwrap(), "FROM mine\n");

    let out = init(&root, &["--force"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("overwritten"),
        "{out:?}"
    );
    assert!(
        std::fs::read_to_string(&edited)
            .unwrap()
            .contains("COPY . $SRC/fixture-project\n")
    );
}

#[test]
fn a_folder_without_cargo_toml_is_a_one_line_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = init(tmp.path(), &[]);
    assert_eq!(out.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("no such file"), "{stderr}");
}

#[test]
#[ignore = "needs nightly and cargo-fuzz"]
fn generated_build_sh_builds_every_target_into_out() {
    let tmp = tempfile::tempdir().unwrap();
    let root = fixture_project(tmp.path());
    assert_eq!(init(&root, &[]).status.code(), Some(0));
    let out = tmp.path().join("out");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new("bash")
        .arg(root.join(".clusterfuzzlite/build.sh"))
        .env("OUT", &out)
        .env("SANITIZER", "none")
        .env_remove("SRC")
        .env_remove("FUZZ_DIR")
        // Share the build cache of `cargo harness fuzz` instead of a fresh fuzz/target.
        .env(
            "CARGO_TARGET_DIR",
            std::env::var_os("CARGO_TARGET_DIR")
                .unwrap_or_else(|| manifest.join("../target").into()),
        )
        .status()
        .unwrap();
    assert!(status.success(), "build.sh failed");
    for t in ["fixture_stuck", "fixture_healthy", "fixture_crash"] {
        assert!(out.join(t).is_file(), "{t} missing from $OUT");
    }
    assert!(out.join("fixture_healthy_seed_corpus.zip").is_file());
    let ran = Command::new(out.join("fixture_healthy"))
        .arg("-runs=100")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(ran.status.success(), "{stderr}");
    assert!(stderr.contains("Done 100 runs"), "{stderr}");
}
