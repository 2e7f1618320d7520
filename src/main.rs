//! The `scimctl` binary: parse arguments, run the command, map the outcome to an exit code. It
//! does nothing else: every command lives in `app/`.
//!
//! One exit path: every error is printed here, once, as `error: ...`; a closed stdout (a pipe
//! into `head`) ends the process quietly with success.

use std::process::ExitCode;

use clap::Parser;
use scimctl::exit::Exit;

fn main() -> ExitCode {
    let cli = scimctl::cli::Cli::parse();
    match scimctl::app::run(cli) {
        Ok(()) => Exit::Success.into(),
        Err(error) if scimctl::app::is_broken_pipe(&error) => Exit::Success.into(),
        Err(error) => {
            eprintln!("error: {error:#}");
            scimctl::app::exit_code(&error).into()
        }
    }
}
