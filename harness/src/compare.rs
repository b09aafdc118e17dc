//! `cargo harness compare BASE HEAD`: bench percentiles between two commits.

use anyhow::Result;

/// Options of `cargo harness compare`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The baseline commit or ref.
    pub base: String,
    /// The commit or ref under test.
    pub head: String,
    /// Only bench files whose name contains this.
    #[arg(long)]
    pub bench: Option<String>,
    /// Process runs per side.
    #[arg(long, default_value_t = 10)]
    pub runs: u32,
}

/// Run `cargo harness compare`.
pub fn run(args: Args) -> Result<u8> {
    anyhow::bail!(
        "compare {}..{} is not implemented yet (issue 8)",
        args.base,
        args.head
    )
}
