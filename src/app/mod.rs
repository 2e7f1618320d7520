//! Command implementations: each turns parsed arguments into calls on the core, the server or
//! the client, and chooses the exit code. The only layer that sees both the CLI and the rest.

mod serve;
mod test;

use crate::cli::{Cli, Command};

/// Runs one parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Test(args) => test::run(args, &cli.connection),
    }
}
