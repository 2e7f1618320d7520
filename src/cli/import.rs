//! Arguments of `scimctl import` and `scimctl export` (clap derive only; the doc comments are
//! the help text). No logic: the app layer turns them into import and export options.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::import::source::delimiter_named;

/// Users or groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Family {
    /// /Users
    Users,
    /// /Groups
    Groups,
}

/// Create, update or leave alone each row of a CSV file, safely and resumably.
///
/// Every row is read and checked first; then the server's current state is read and a plan is
/// made (what to create, update, leave alone, deactivate); then the plan is applied with
/// bounded concurrency, each write journalled as it happens. An interrupted import (Ctrl-C, a
/// lost network, `kill -9`) resumes when the same command is run again, without duplicating
/// anything. Headers may be SCIM paths (`name.givenName`, `emails[type eq "work"].value`),
/// attribute names (`givenName`, `department`), the spellings HR exports use (`First Name`,
/// `mail`, `Status`) or Entra's bulk-template headers; `--template` prints a header row.
#[derive(Debug, Args)]
#[command(after_help = IMPORT_EXIT_CODES)]
pub struct ImportArgs {
    /// What the rows are
    #[arg(value_enum)]
    pub family: Family,

    /// The CSV file (`-` reads stdin)
    #[arg(value_name = "FILE.csv", required_unless_present = "template")]
    pub file: Option<PathBuf>,

    /// Print the header row of a CSV file this command reads, then exit
    #[arg(long, conflicts_with = "file")]
    pub template: bool,

    /// The attribute that pairs a row with an existing resource: userName (default), externalId
    /// or email for users; displayName (default) or externalId for groups
    #[arg(long = "match", value_name = "ATTRIBUTE")]
    pub match_key: Option<String>,

    /// Print the plan (what would be created, updated, left alone, deactivated, and the
    /// invalid rows) and write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Column renames, constants and transforms for headers the built-in names do not cover
    #[arg(long, value_name = "FILE.toml")]
    pub map: Option<PathBuf>,

    /// Skip columns no rule recognises instead of stopping
    #[arg(long)]
    pub ignore_unknown: bool,

    /// What an empty cell means: `ignore` leaves the attribute as it is, `clears` removes it
    #[arg(long, value_enum, default_value_t = EmptyMode::Ignore, value_name = "MODE")]
    pub empty: EmptyMode,

    /// The field delimiter: `,`, `;` or `tab` [default: detected from the header row]
    #[arg(long, value_name = "CHAR", value_parser = delimiter_named)]
    pub delimiter: Option<u8>,

    /// How changed resources are updated: `patch` sends only what changed; `put` replaces the
    /// whole resource, for servers without PATCH
    #[arg(long, value_enum, default_value_t = UpdateMethod::Patch, value_name = "METHOD")]
    pub method: UpdateMethod,

    /// Deactivate (active=false) resources the file no longer holds: only those earlier
    /// imports through the same journal created, or those --scope selects
    #[arg(long)]
    pub deactivate_missing: bool,

    /// Delete resources the file no longer holds (limited as for --deactivate-missing)
    #[arg(long, conflicts_with = "deactivate_missing")]
    pub delete_missing: bool,

    /// With --deactivate-missing or --delete-missing: consider the resources this filter
    /// selects instead of those the journal records as created by import
    #[arg(long, value_name = "FILTER")]
    pub scope: Option<String>,

    /// Create the groups named in a `groups` column that do not exist (else they are invalid)
    #[arg(long)]
    pub create_groups: bool,

    /// Write the invalid and failed rows to this CSV file, as read plus a `scimctl_error`
    /// column, so it can be fixed and imported as it is
    #[arg(long, value_name = "FILE.csv")]
    pub rejects: Option<PathBuf>,

    /// Write the outcome of every row: `json=FILE`
    #[arg(long = "report", value_name = "json=FILE")]
    pub report: Option<String>,

    /// Apply the valid rows even when some rows are invalid (those go to --rejects; exit 3)
    #[arg(long)]
    pub skip_invalid: bool,

    /// Requests in flight at most
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,

    /// Requests started per second at most, such as `50/s` or `600/min`
    #[arg(long, value_name = "N/s")]
    pub rate: Option<String>,

    /// Send creates, updates, deactivations and deletions in /Bulk requests when the server
    /// advertises Bulk
    #[arg(long)]
    pub use_bulk: bool,

    /// The journal that makes the import resumable and records what it created
    /// [default: FILE.csv.journal next to the input; scimctl-import.journal for stdin]
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,

    /// No progress and no summary (errors are still printed)
    #[arg(short, long)]
    pub quiet: bool,
}

/// Printed under `import --help`.
const IMPORT_EXIT_CODES: &str = "\
Exit codes of import:
  0  every row was applied (created, updated or already equal)
  2  invalid input: unknown columns, bad cells, an unreadable file (nothing was written)
  3  some rows failed (see --rejects and --report)
  4  the server could not be reached (run the same command again to resume)
  5  the server refused the credentials
  130 interrupted (run the same command again to resume)";

/// What an empty cell means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmptyMode {
    /// Leave the attribute as it is.
    Ignore,
    /// Remove the attribute.
    Clears,
}

/// How an update is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UpdateMethod {
    /// PATCH with the changed attributes only.
    Patch,
    /// PUT of the whole resource.
    Put,
}

/// Write every user or group as CSV (which `scimctl import` reads back unchanged), JSON or
/// NDJSON.
///
/// CSV columns are the ones `import --template` prints, or `--fields`; a `manager` column holds
/// the manager's userName and `groups`/`members` hold names separated by `;`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to export
    #[arg(value_enum)]
    pub family: Family,

    /// Where to write (`-` is stdout)
    #[arg(value_name = "FILE", default_value = "-")]
    pub file: PathBuf,

    /// Only the resources this filter selects, e.g. 'active eq true'
    #[arg(long, short = 'f', value_name = "FILTER")]
    pub filter: Option<String>,
}
