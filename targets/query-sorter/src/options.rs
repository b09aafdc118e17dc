//! What a [`crate::Sorter`] is asked to do: the ordering [`Mode`] and the [`Options`] around it.

use crate::error::Error;
use crate::glob;

/// How parameters are ordered. All modes drop empty parameters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Unsigned byte order of the whole parameter: a normal form.
    #[default]
    Canonical,
    /// Unsigned byte order of the name only; equal names keep their input order.
    ByKey,
    /// The order of Varnish's `std.querysort` on x86-64 (signed bytes); `#` is not special.
    Varnish,
}

/// What happens to the `?` when no parameter is left.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum EmptyQuery {
    /// Keep the `?` whenever the input has one.
    #[default]
    Keep,
    /// Remove the `?` when no parameter is left.
    Remove,
}

/// Mode and options of a [`crate::Sorter`]. Built with [`Options::new`] and the `with_*`, `drop` and `keep` methods.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub(crate) mode: Mode,
    pub(crate) dedupe: bool,
    pub(crate) decode_unreserved: bool,
    pub(crate) strip_fragment: bool,
    pub(crate) empty_query: EmptyQuery,
    pub(crate) drop: Vec<glob::Glob>,
    pub(crate) keep: Vec<glob::Glob>,
}

impl Options {
    /// Default options in `mode`: nothing removed, `?` kept, fragment kept, no percent-decoding.
    pub fn new(mode: Mode) -> Options {
        Options {
            mode,
            ..Options::default()
        }
    }

    /// Remove parameters byte-equal to an earlier one (after percent normalisation if enabled).
    pub fn with_dedupe(mut self, on: bool) -> Options {
        self.dedupe = on;
        self
    }

    /// Normalise percent-encoding of unreserved bytes (see the crate docs for the exact rules).
    pub fn with_decode_unreserved(mut self, on: bool) -> Options {
        self.decode_unreserved = on;
        self
    }

    /// Remove the `#fragment` (ignored in [`Mode::Varnish`], which has no fragments).
    pub fn with_strip_fragment(mut self, on: bool) -> Options {
        self.strip_fragment = on;
        self
    }

    /// What to do with the `?` when no parameter is left.
    pub fn with_empty_query(mut self, policy: EmptyQuery) -> Options {
        self.empty_query = policy;
        self
    }

    /// Drop parameters whose name matches `glob`.
    pub fn drop(mut self, glob: impl AsRef<[u8]>) -> Result<Options, Error> {
        self.drop.push(glob::Glob::compile(glob.as_ref())?);
        Ok(self)
    }

    /// Keep only parameters whose name matches `glob` or another keep glob.
    pub fn keep(mut self, glob: impl AsRef<[u8]>) -> Result<Options, Error> {
        self.keep.push(glob::Glob::compile(glob.as_ref())?);
        Ok(self)
    }

    /// The ordering mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub(crate) fn is_wanted(&self, name: &[u8]) -> bool {
        (self.keep.is_empty() || self.keep.iter().any(|g| g.matches(name)))
            && !self.drop.iter().any(|g| g.matches(name))
    }
}
