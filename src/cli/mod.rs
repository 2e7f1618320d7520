//! Command-line types (clap derive). The doc comments here are the help text; no logic, no I/O.

use clap::{Parser, Subcommand};

pub mod connection;
pub mod serve;

/// A SCIM 2.0 client, conformance tester and embedded test server.
#[derive(Debug, Parser)]
#[command(name = "scimctl", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run an in-memory SCIM 2.0 server for demos, tests and reproducing server bugs.
    Serve(serve::ServeArgs),
}

/// Printed under every `--help`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the server answered with an error, or conformance checks failed
  2  usage error or invalid input (nothing was sent)
  3  partial failure
  4  network, TLS or timeout error
  5  authentication or authorisation refused (401/403)
  130 interrupted";
