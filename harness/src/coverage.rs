//! `cargo harness coverage`: one whole-workspace coverage report.

use std::process::Command;

use anyhow::{Result, bail};

use crate::sys;

/// Options of `cargo harness coverage`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Run `cargo harness coverage`: `cargo llvm-cov` over every test of the workspace (unit,
/// integration, property, CLI, doc where supported, and the fuzz corpus replays), HTML + lcov.
pub fn run(_args: Args) -> Result<u8> {
    let root = sys::workspace_root();
    if !sys::has_cargo_subcommand("llvm-cov") {
        bail!("cargo-llvm-cov is not installed: run scripts/install-tools");
    }
    let out = sys::gauntlet_dir(&root)
        .join("coverage")
        .join(sys::commit_stamp(&root));
    let mut test = Command::new("cargo");
    test.current_dir(&root)
        .args(["llvm-cov", "--workspace", "--all-features", "--no-report"]);
    sys::run_checked(&mut test)?;
    let mut html = Command::new("cargo");
    html.current_dir(&root)
        .args(["llvm-cov", "report", "--html", "--output-dir"])
        .arg(&out);
    sys::run_checked(&mut html)?;
    let mut lcov = Command::new("cargo");
    lcov.current_dir(&root)
        .args(["llvm-cov", "report", "--lcov", "--output-path"])
        .arg(out.join("lcov.info"));
    sys::run_checked(&mut lcov)?;
    let mut summary = Command::new("cargo");
    summary
        .current_dir(&root)
        .args(["llvm-cov", "report", "--summary-only"]);
    sys::run_checked(&mut summary)?;
    eprintln!("coverage report: {}", out.join("html/index.html").display());
    Ok(0)
}
