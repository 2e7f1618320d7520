//! The `scimctl` binary: parse arguments, run the command, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use scimctl::exit::{Exit, ExitError};

fn main() -> ExitCode {
    let cli = scimctl::cli::Cli::parse();
    match scimctl::app::run(cli) {
        Ok(()) => Exit::Success.into(),
        Err(err) => {
            let exit = err
                .downcast_ref::<ExitError>()
                .map_or(Exit::ServerError, |e| e.exit);
            eprintln!("error: {err:#}");
            exit.into()
        }
    }
}
