//! The exit codes of `cargo gauntlet`, one list for every verb (also in `--help` and README).

use std::fmt;

/// Nothing wrong found.
pub const OK: u8 = 0;
/// Something is wrong with the code under test: a crash or oracle mismatch (fuzz), a regression
/// (compare), a failing test (coverage, and mutants' unmutated run); or init left a differing
/// file alone.
pub const FAILED: u8 = 1;
/// A policy is broken: a STUCK or NEVER-COMPARES target (fuzz), coverage or a mutation score
/// under its minimum.
pub const POLICY: u8 = 2;
/// compare could not decide: too few runs or too much noise to see the threshold.
pub const INCONCLUSIVE: u8 = 3;
/// The command line or `gauntlet.toml` is wrong (sysexits' EX_USAGE).
pub const USAGE: u8 = 64;
/// gauntlet itself or a tool it runs failed (sysexits' EX_SOFTWARE).
pub const INTERNAL: u8 = 70;

/// The text `--help` ends with.
pub const HELP: &str = "\
Exit codes (every verb):
  0   nothing wrong found
  1   a crash or oracle mismatch, a regression, a failing test (init: a file left alone)
  2   a policy broken: a STUCK / NEVER-COMPARES target, coverage or mutation score under its minimum
  3   compare is inconclusive: too few runs or too noisy to see the threshold
  64  usage: a bad flag, an unknown target or bench, a bad ref, a bad gauntlet.toml
  70  internal: gauntlet or a tool it runs failed";

/// A mistake of the user's, found after the command line parsed (an unknown target, a ref that
/// does not exist): reported like a clap error, with exit code [`USAGE`].
#[derive(Debug)]
pub struct Usage(pub String);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// An [`anyhow::Error`] that exits with [`USAGE`].
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Usage(msg.into()))
}

/// The exit code an error ends the process with.
pub fn code_of(e: &anyhow::Error) -> u8 {
    if e.chain().any(|c| c.downcast_ref::<Usage>().is_some()) {
        USAGE
    } else {
        INTERNAL
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_mistakes_exit_with_the_usage_code_even_with_context() {
        let e = usage("no fuzz target \"x\"").context("while fuzzing");
        assert_eq!(code_of(&e), USAGE);
        assert_eq!(code_of(&anyhow::anyhow!("disk full")), INTERNAL);
    }

    #[test]
    fn the_help_lists_every_code() {
        for code in [OK, FAILED, POLICY, INCONCLUSIVE, USAGE, INTERNAL] {
            assert!(
                HELP.contains(&format!("  {code} ")),
                "{code} missing from --help"
            );
        }
    }
}
