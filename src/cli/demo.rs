//! Arguments of `scimctl demo` (clap derive only; the help text is in the doc comments).
//! No logic: the app layer turns them into the options the demo runs `scimctl test` with.

use std::path::PathBuf;

use clap::Args;

/// Try scimctl in one command, without a SCIM service of your own.
///
/// Starts the embedded server on a free loopback port with a dozen users and a few groups,
/// lists them, runs the rfc7644 and okta conformance suites against it, prints the verdicts and
/// writes an HTML report. The server is stopped at the end, and on Ctrl-C.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the HTML report
    #[arg(long, value_name = "FILE", default_value = "scimctl-demo-report.html")]
    pub html: PathBuf,

    /// Checks run at the same time
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub jobs: usize,
}
