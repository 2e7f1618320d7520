//! Arguments of `scimctl doctor`: clap declarations and their help text only, no logic;
//! `src/app/doctor.rs` turns them into a check-up.

use std::path::PathBuf;

use clap::Args;

use super::lint::FindingLevel;

/// Arguments of `scimctl doctor` (the help text is on [`super::Command::Doctor`]).
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Also create, PATCH, deactivate and delete one throwaway user, named
    /// scimctl-test-<run>-doctor@example.com and shaped as --as says; what is left is deleted at
    /// the end, and `scimctl test cleanup` finds it from the ledger if the run is cut short
    #[arg(long)]
    pub allow_writes: bool,

    /// Where the cleanup ledger of --allow-writes goes [default: the cache directory, where
    /// `scimctl test cleanup` looks]
    #[arg(long, value_name = "FILE", requires = "allow_writes")]
    pub ledger: Option<PathBuf>,

    /// The lowest level of finding that fails the run (exit 1)
    #[arg(long, value_enum, default_value_t = FindingLevel::Must)]
    pub fail_on: FindingLevel,
}
