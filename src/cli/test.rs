//! Arguments of `scimctl test` and `scimctl test cleanup` (clap derive only; the doc comments
//! are the help text). No logic: the app layer turns them into test options.

use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use clap::{Args, Subcommand, ValueEnum};

/// Run the conformance suites against a SCIM service.
///
/// Built-in suites: rfc7644, okta, entra (all three by default). A suite file of your own runs
/// with `--suite my-checks.toml`; the format is documented in testsuites/README.md. Checks that
/// write data are skipped unless --allow-writes is given; what they create is named
/// `scimctl-test-<run id>-...`, written to a ledger before it is sent, and deleted at the end
/// (also on Ctrl-C). Resources that existed before the run are never changed.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TestArgs {
    /// `cleanup`, or nothing to run the suites.
    #[command(subcommand)]
    pub command: Option<TestCommand>,

    /// A built-in suite name or a suite file (repeatable) [default: rfc7644, okta, entra]
    #[arg(long = "suite", value_name = "NAME|FILE")]
    pub suites: Vec<String>,

    /// Run only checks with one of these tags
    #[arg(long, value_name = "TAG,...", value_delimiter = ',')]
    pub only: Vec<String>,

    /// Leave out checks with one of these tags
    #[arg(long, value_name = "TAG,...", value_delimiter = ',')]
    pub skip: Vec<String>,

    /// Run only checks about these resource types (e.g. User)
    #[arg(long = "resource-type", value_name = "RT,...", value_delimiter = ',')]
    pub resource_types: Vec<String>,

    /// Run the checks that create, change and delete data (only data they create themselves)
    #[arg(long)]
    pub allow_writes: bool,

    /// The lowest requirement level whose failure fails the run (exit 1)
    #[arg(long, value_enum, default_value_t = FailOn::Must)]
    pub fail_on: FailOn,

    /// Write a report: json, junit, md or html (repeatable), e.g. `--report json=r.json`
    #[arg(long = "report", value_name = "FORMAT=FILE")]
    pub reports: Vec<String>,

    /// Seed for generated names and values, so that a run can be reproduced
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// TOML file of accepted failures: [[waiver]] id = "..." reason = "..."; a waived check
    /// keeps its verdict, is shown as waived and fails no run; an unknown id is an error
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,

    /// Checks run at the same time
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub jobs: usize,

    /// List the checks, each with whether it would run or be skipped and why; with a server
    /// to ask, only its ServiceProviderConfig and ResourceTypes are read
    #[arg(long)]
    pub list: bool,

    /// Retry read-after-write steps for up to MS milliseconds (eventually consistent servers)
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub settle: u64,

    /// Okta features the integration turns on (default: all): create, update, deactivate,
    /// import, groups
    #[arg(long, value_name = "FEATURE,...", value_delimiter = ',',
          value_parser = PossibleValuesParser::new(crate::suite::OKTA_FEATURES))]
    pub okta_features: Option<Vec<String>>,

    /// The longest one check may take, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub check_timeout: u64,

    /// Where the cleanup ledger is written [default: the cache directory]
    #[arg(long, value_name = "FILE")]
    pub ledger: Option<PathBuf>,
}

/// How serious a miss must be to fail the run, by the level that decided it (a SHOULD
/// assertion of a MUST check counts as SHOULD). Errors always fail it; waived checks never.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Failed MUST requirements only.
    Must,
    /// Failed MUST and interop (Okta, Entra) requirements.
    Interop,
    /// Also missed SHOULD requirements (warnings).
    Should,
}

/// Subcommands of `scimctl test`.
#[derive(Debug, Subcommand)]
pub enum TestCommand {
    /// Delete what a crashed or interrupted run left behind, as its ledger records it; each
    /// deletion is confirmed by a 404.
    Cleanup {
        /// The ledger file [default: every ledger in the cache directory]
        #[arg(long, value_name = "FILE")]
        ledger: Option<PathBuf>,
    },
}
