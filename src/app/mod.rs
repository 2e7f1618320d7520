//! Command implementations: each turns parsed arguments into calls on the core, the server or
//! the client, and chooses the exit code. The only layer that sees both the CLI and the rest.
//!
//! Client commands run on a current-thread tokio runtime (one request at a time needs no
//! more, and it starts faster), inside a [`session::Session`] that writes the HAR file at the
//! end on success, failure and Ctrl-C alike (Ctrl-C exits 130).

mod config;
mod demo;
mod discover;
mod export;
mod import;
mod input;
mod kind;
mod members;
mod resources;
mod serve;
mod session;
mod test;

use anyhow::Context;

use crate::cli::{Cli, Command};
use crate::client::ClientError;
use crate::client::ops::LookupError;
use crate::config::ConfigError;
use crate::exit::{Exit, ExitError};
use session::Session;

/// Runs one parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let Cli {
        connection,
        global,
        command,
    } = cli;
    match command {
        Command::Demo(args) => demo::run(args, &connection, global.color),
        Command::Serve(args) => serve::run(args),
        Command::Test(args) => test::run(args, &connection, global.color),
        Command::Import(args) => import::run(args, &connection, global),
        Command::Config(command) => config::run(command, &connection, &global),
        command => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("failed to start the async runtime")?;
            let mut session = Session::open(&connection, global)?;
            let outcome = runtime.block_on(async {
                let work = async {
                    match command {
                        Command::Users(command) => resources::users(&mut session, command).await,
                        Command::Groups(command) => resources::groups(&mut session, command).await,
                        Command::Resources(args) => {
                            resources::resources(&mut session, &args.type_name, args.command).await
                        }
                        Command::Discover(args) => discover::run(&mut session, args).await,
                        Command::Export(args) => export::run(&mut session, args).await,
                        Command::Import(_)
                        | Command::Demo(_)
                        | Command::Serve(_)
                        | Command::Config(_)
                        | Command::Test(_) => Ok(()),
                    }
                };
                // Output is written between awaits, a whole record at a time, so dropping the
                // command at an await on Ctrl-C leaves no half-written line behind, and a JSON
                // list closes its array as it is dropped. Biased: after Ctrl-C not one more
                // request goes out.
                tokio::select! {
                    biased;
                    _ = interrupted() => Err(ExitError::new(
                        Exit::Interrupted,
                        anyhow::anyhow!("interrupted"),
                    )
                    .into()),
                    outcome = work => outcome,
                }
            });
            // A read of stdin cut short by Ctrl-C still blocks its thread: do not wait for it.
            runtime.shutdown_background();
            let har = session.finish();
            outcome.and(har)
        }
    }
}

/// Resolves on Ctrl-C; never, if the signal handler cannot be installed (the default
/// handler then ends the process, as without scimctl's help).
async fn interrupted() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// The exit code an error ends the process with: the one it carries, else the one of the
/// first error in its chain that knows its own, else 1.
pub fn exit_code(error: &anyhow::Error) -> Exit {
    error
        .chain()
        .find_map(|cause| {
            if let Some(e) = cause.downcast_ref::<ExitError>() {
                Some(e.exit)
            } else if let Some(e) = cause.downcast_ref::<ClientError>() {
                Some(e.exit())
            } else if let Some(e) = cause.downcast_ref::<LookupError>() {
                Some(e.exit())
            } else {
                cause.downcast_ref::<ConfigError>().map(ConfigError::exit)
            }
        })
        .unwrap_or(Exit::ServerError)
}

/// Whether the error is a closed stdout (`scimctl users list | head`): not a failure.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
