//! Arguments of `scimctl replay`: clap declarations and their help text only, no logic;
//! `src/app/replay.rs` turns them into a replay.

use clap::Args;

use super::lint::FindingLevel;

/// Arguments of `scimctl replay` (the help text is on [`super::Command::Replay`]).
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The event: test-connection, create-user, update-user, deactivate, reactivate,
    /// group-push, add-member, remove-member, manager-update or import (--list shows what each
    /// identity provider has, with its arguments)
    #[arg(value_name = "SCENARIO", required_unless_present = "list")]
    pub scenario: Option<String>,

    /// The scenario's arguments: a userName, a group's displayName, new names
    #[arg(value_name = "ARGS")]
    pub args: Vec<String>,

    /// List the scenarios of --as (of every identity provider without it) and their arguments;
    /// nothing is sent
    #[arg(long, conflicts_with = "scenario")]
    pub list: bool,

    /// The lowest level of finding that fails the run (exit 1)
    #[arg(long, value_enum, default_value_t = FindingLevel::Interop)]
    pub fail_on: FindingLevel,
}
