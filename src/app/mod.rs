//! Command implementations: each turns parsed arguments into calls on the core, the server or
//! the client, and chooses the exit code. The only layer that sees both the CLI and the rest.
//!
//! Client commands run on a current-thread tokio runtime (one request at a time needs no
//! more, and it starts faster), inside a [`session::Session`] that writes the HAR file at the
//! end on success, failure and Ctrl-C alike (Ctrl-C exits 130).

mod args;
mod config;
mod demo;
mod discover;
mod doctor;
mod export;
mod generate;
mod import;
mod input;
mod kind;
mod lint;
mod list;
mod members;
mod replay;
mod resources;
mod schemas;
mod serve;
mod session;
mod test;

use anyhow::Context;

use crate::cli::{Cli, Command};
use crate::client::ClientError;
use crate::client::ops::LookupError;
use crate::config::ConfigError;
use crate::exit::{Exit, ExitError};
use crate::report::ReportArgError;
use crate::serve::SeedError;
use crate::serve::SpawnError;
use session::Session;

/// Runs one parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let Cli {
        connection,
        global,
        command,
    } = cli;
    let connection = args::connection(connection);
    let global = args::global(global);
    match command {
        Command::Demo(args) => demo::run(args, &connection, global.color),
        Command::Serve(args) => serve::run(args),
        Command::Test(args) => match args::test(args)? {
            args::TestRequest::Run(options) => test::run(*options, &connection, global.color),
            args::TestRequest::Cleanup(ledger) => test::cleanup(ledger.as_deref(), &connection),
        },
        Command::Import(args) => match args::import(args, global.yes)? {
            args::ImportRequest::Template(kind) => import::print_template(kind),
            args::ImportRequest::Run(options) => import::run(&options, &connection, global),
        },
        Command::Config(command) => config::run(command, &connection, &global),
        Command::Lint(args) => lint::run_lint(args, &connection, &global),
        Command::Explain(command) => lint::run_explain(command, &connection, &global),
        Command::Doctor(args) => doctor::run(args, &connection, &global),
        Command::Replay(args) => replay::run(args, &connection, &global),
        Command::Completions(args) => generate::completions(args),
        Command::Man(args) => generate::man(args),
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
                        Command::Export(args) => {
                            export::run(&mut session, args::export(args)).await
                        }
                        Command::Import(_)
                        | Command::Demo(_)
                        | Command::Serve(_)
                        | Command::Config(_)
                        | Command::Test(_)
                        | Command::Lint(_)
                        | Command::Explain(_)
                        | Command::Doctor(_)
                        | Command::Replay(_)
                        | Command::Completions(_)
                        | Command::Man(_) => Ok(()),
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

/// The exit code an error ends the process with: the one carried by the first error in its
/// chain that knows its own (each sets it where it is made), else 1.
pub fn exit_code(error: &anyhow::Error) -> Exit {
    error
        .chain()
        .find_map(carried_exit)
        .unwrap_or(Exit::ServerError)
}

/// The exit code `cause` carries, if it is one of the error types that carry one.
fn carried_exit(cause: &(dyn std::error::Error + 'static)) -> Option<Exit> {
    if let Some(e) = cause.downcast_ref::<ExitError>() {
        Some(e.exit)
    } else if let Some(e) = cause.downcast_ref::<ClientError>() {
        Some(e.exit())
    } else if let Some(e) = cause.downcast_ref::<LookupError>() {
        Some(e.exit())
    } else if let Some(e) = cause.downcast_ref::<ConfigError>() {
        Some(e.exit())
    } else if let Some(e) = cause.downcast_ref::<SeedError>() {
        Some(e.exit())
    } else if let Some(e) = cause.downcast_ref::<SpawnError>() {
        Some(e.exit())
    } else {
        cause
            .downcast_ref::<ReportArgError>()
            .map(ReportArgError::exit)
    }
}

/// Whether the error is a closed stdout (`scimctl users list | head`): not a failure.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use anyhow::Context;

    use super::*;

    #[test]
    fn errors_carry_the_exit_code_they_were_made_with_through_any_context() {
        let seed = crate::serve::Seed::from_json("[]").expect_err("not a seed document");
        let seed = anyhow::Error::from(seed).context("invalid seed `s.json`");
        assert_eq!(exit_code(&seed), Exit::Usage);
        let report = "pdf=r.pdf"
            .parse::<crate::report::ReportRequest>()
            .expect_err("no such format");
        assert_eq!(exit_code(&anyhow::Error::from(report)), Exit::Usage);
        let refused: anyhow::Result<()> = Err(ClientError::OAuth("denied".to_owned()).into());
        assert_eq!(
            exit_code(&refused.context("login").unwrap_err()),
            Exit::Auth
        );
        assert_eq!(
            exit_code(&anyhow::anyhow!("anything else")),
            Exit::ServerError
        );
    }
}
