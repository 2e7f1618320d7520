//! What an import is asked to do, as the argument handling turns the command line into it:
//! typed, checked options the rest of `import` reads. It parses no command line and reads no
//! file: the `--map` file is named here and read by the caller.

use std::path::PathBuf;

use crate::import::mapping::{EmptyCells, ImportKind, MapFile};
use crate::import::plan::{MatchKey, Method};

/// What to do with resources the file no longer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// `--deactivate-missing`: set `active` to false.
    Deactivate,
    /// `--delete-missing`.
    Delete,
}

/// `scimctl import users|groups FILE.csv`, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOptions {
    pub kind: ImportKind,
    /// The CSV file; `-` is stdin.
    pub file: PathBuf,
    /// `--match`.
    pub key: MatchKey,
    /// `--empty`.
    pub empty: EmptyCells,
    /// `--method`.
    pub method: Method,
    /// `--map FILE.toml`.
    pub map: Option<PathBuf>,
    pub ignore_unknown: bool,
    /// `--delimiter`; `None`: detected from the header row.
    pub delimiter: Option<u8>,
    pub dry_run: bool,
    /// `--deactivate-missing` or `--delete-missing`.
    pub missing: Option<Missing>,
    /// `--scope FILTER`, checked.
    pub scope: Option<String>,
    pub create_groups: bool,
    /// `--rejects FILE.csv`.
    pub rejects: Option<PathBuf>,
    /// `--report json=FILE`: the file.
    pub report: Option<PathBuf>,
    pub skip_invalid: bool,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Request starts per second at most.
    pub rate: Option<f64>,
    pub use_bulk: bool,
    /// `--journal FILE`; `None`: next to the input.
    pub journal: Option<PathBuf>,
    pub quiet: bool,
    /// `--yes`: deactivations and deletions need no confirmation.
    pub yes: bool,
}

impl ImportOptions {
    /// What shapes the plan, for telling whether a resumed run plans the same way:
    /// `map_hash` identifies the map file's text (`none` without one).
    pub fn plan_text(&self, map_hash: &str) -> String {
        let empty = match self.empty {
            EmptyCells::Ignored => "ignore",
            EmptyCells::Clears => "clears",
        };
        let method = match self.method {
            Method::Patch => "patch",
            Method::Put => "put",
        };
        format!(
            "match={};empty={empty};method={method};map={map_hash};ignore-unknown={}",
            self.key.name(),
            self.ignore_unknown
        )
        .to_lowercase()
    }
}

/// The options, with the map file read.
#[derive(Debug)]
pub struct Settings {
    pub import: ImportOptions,
    pub map: Option<MapFile>,
    /// What shapes the plan, for telling whether a resumed run plans the same way.
    pub plan_text: String,
}

impl std::ops::Deref for Settings {
    type Target = ImportOptions;

    fn deref(&self) -> &ImportOptions {
        &self.import
    }
}
