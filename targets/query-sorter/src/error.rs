//! The one error of the crate: a rejected option.

use std::fmt;

/// A rejected option. Sorting itself accepts any bytes and cannot fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A glob ends with a lone `\` at byte `offset`.
    DanglingEscape {
        /// Byte offset of the `\` in the pattern.
        offset: usize,
    },
    /// A glob is `len` bytes long; at most `max` are accepted.
    PatternTooLong {
        /// Length of the pattern.
        len: usize,
        /// The limit.
        max: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::DanglingEscape { offset } => write!(
                f,
                "glob ends with a lone `\\` at byte {offset}; write `\\\\` for a literal backslash"
            ),
            Error::PatternTooLong { len, max } => {
                write!(f, "glob is {len} bytes long; the limit is {max}")
            }
        }
    }
}

impl std::error::Error for Error {}
