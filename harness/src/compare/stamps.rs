//! The source timestamps of the last build in compare's shared target directory, so that a new
//! comparison's fresh checkout rebuilds only what differs from that build.
//!
//! cargo decides that a workspace crate is fresh by comparing its source files' modification
//! times with its last build. A fresh `git worktree add` gives every file the current time, so
//! without help each comparison would recompile every workspace crate (the dependencies stay
//! cached). After a successful build, [`Stamps::record`] writes each tracked file's git blob id
//! and modification time to `<target>/gauntlet-sources.json`; after the next checkout,
//! [`Stamps::restore`] gives every file whose blob is unchanged its recorded time back. A file
//! whose contents differ keeps the current time and is rebuilt, as is everything when the
//! record is missing (it is removed before each build, so a killed build leaves none).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::sys;

/// `<target>/gauntlet-sources.json`: per tracked file (path relative to the worktree), its git
/// blob id and modification time when the build in that target directory finished.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Stamps {
    /// Path → (blob id, modification time in nanoseconds since the Unix epoch).
    pub files: BTreeMap<String, (String, u128)>,
}

const FILE: &str = "gauntlet-sources.json";

/// Regular tracked files of the checkout at `tree` with their blob ids (`git ls-files -s`).
fn tracked(tree: &Path) -> Result<Vec<(String, String)>> {
    let out = sys::output(
        Command::new("git")
            .args(["ls-files", "-s", "-z"])
            .current_dir(tree),
    )
    .with_context(|| format!("cannot list the files of {}", tree.display()))?;
    Ok(out
        .split('\0')
        .filter_map(|entry| {
            // `<mode> <blob> <stage>\t<path>`
            let (meta, path) = entry.split_once('\t')?;
            let mut f = meta.split(' ');
            let mode = f.next()?;
            let blob = f.next()?;
            (mode == "100644" || mode == "100755").then(|| (path.to_owned(), blob.to_owned()))
        })
        .collect())
}

fn nanos(t: SystemTime) -> u128 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

impl Stamps {
    /// Forget the record in `target` (before a build that may not finish).
    pub fn forget(target: &Path) {
        let _ = std::fs::remove_file(target.join(FILE));
    }

    /// Record the files of `tree` as they are after a successful build into `target`.
    pub fn record(tree: &Path, target: &Path) -> Result<()> {
        let mut stamps = Stamps::default();
        for (path, blob) in tracked(tree)? {
            if let Ok(m) = std::fs::metadata(tree.join(&path)).and_then(|m| m.modified()) {
                stamps.files.insert(path, (blob, nanos(m)));
            }
        }
        sys::write(&target.join(FILE), serde_json::to_string(&stamps)?)
    }

    /// Give every file of `tree` whose blob matches the record in `target` its recorded time;
    /// returns how many files got their time back. No record, or an unreadable one: none.
    pub fn restore(tree: &Path, target: &Path) -> usize {
        let Some(stamps) = std::fs::read_to_string(target.join(FILE))
            .ok()
            .and_then(|t| serde_json::from_str::<Stamps>(&t).ok())
        else {
            return 0;
        };
        let Ok(files) = tracked(tree) else {
            return 0;
        };
        let mut restored = 0;
        for (path, blob) in files {
            let Some((was, time)) = stamps.files.get(&path) else {
                continue;
            };
            if *was != blob {
                continue;
            }
            let when = UNIX_EPOCH + Duration::from_nanos(u64::try_from(*time).unwrap_or(0));
            let set = std::fs::File::options()
                .write(true)
                .open(tree.join(&path))
                .and_then(|f| f.set_modified(when));
            if set.is_ok() {
                restored += 1;
            }
        }
        restored
    }
}
