//! `.clusterfuzzlite/build.sh` builds every target of a cargo-fuzz package into `$OUT`, the way
//! ClusterFuzzLite runs it, here on the fixture package with `$OUT` a temporary folder. Needs
//! nightly and cargo-fuzz, so it is ignored by plain `cargo test`; `scripts/ci-fuzz` runs it:
//!
//! `cargo test -p cargo-gauntlet --test clusterfuzzlite -- --ignored`

use std::path::Path;
use std::process::Command;

#[test]
#[ignore = "needs nightly and cargo-fuzz; run by scripts/ci-fuzz"]
fn build_sh_puts_targets_seeds_and_dictionaries_in_out() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = std::env::temp_dir().join(format!("gauntlet-cfl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let (out, fuzz) = (tmp.join("out"), tmp.join("fuzz"));
    // The fixture, plus a dictionary so that copying one is tested too.
    let src = manifest.join("tests/fixtures/fuzz");
    for sub in ["fuzz_targets", "corpus/fixture_healthy", "dict"] {
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
    std::fs::write(fuzz.join("dict/fixture_healthy.dict"), "\"retries=\"\n").unwrap();
    let status = Command::new("bash")
        .arg(manifest.join("../.clusterfuzzlite/build.sh"))
        .env("OUT", &out)
        .env("FUZZ_DIR", &fuzz)
        .env("SANITIZER", "none")
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
        let bin = out.join(t);
        assert!(bin.is_file(), "{t} missing from $OUT");
    }
    // A built target runs its seeds (the crash fixture is left alone: finding its bug is its job).
    let ran = Command::new(out.join("fixture_healthy"))
        .arg("-runs=100")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(ran.status.success(), "{stderr}");
    assert!(stderr.contains("Done 100 runs"), "{stderr}");
    assert!(out.join("fixture_healthy_seed_corpus.zip").is_file());
    assert!(out.join("fixture_healthy.dict").is_file());
    assert!(
        !out.join("fixture_crash_seed_corpus.zip").exists(),
        "no seeds, no zip"
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}
