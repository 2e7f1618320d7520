//! `scimctl demo`: the embedded server with the demo data set, the users and groups it holds
//! shown as `users list` and `groups list` show them, then `scimctl test` with the rfc7644 and
//! okta suites against it. Every step is the real command's code, run on a server that lives
//! only as long as the demo.

use std::io::{self, Write};

use anyhow::Context;

use super::kind::Kind;
use super::resources::{self, Action};
use super::session::Session;
use crate::cli::GlobalArgs;
use crate::cli::connection::ConnectionArgs;
use crate::cli::demo::DemoArgs;
use crate::cli::resources::ListArgs;
use crate::exit::{Exit, ExitError};
use crate::output::{ColorChoice, Format};
use crate::serve::{Seed, ServeConfig};

/// The demo's users and groups, built into the binary so that an installed scimctl has them.
const DEMO_SEED: &str = include_str!("../../fixtures/seed/demo.json");

/// Runs the demo; succeeds when no MUST-level check failed.
pub fn run(args: DemoArgs, connection: &ConnectionArgs, color: ColorChoice) -> anyhow::Result<()> {
    let test_args = args
        .test_args()
        .map_err(|e| ExitError::new(Exit::Usage, anyhow::anyhow!("{e}")))?;
    if let Some(dir) = args.html.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the report directory {}", dir.display()))?;
    }
    let seed = Seed::from_json(DEMO_SEED).context("the built-in demo data set is invalid")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    let server = runtime
        .block_on(crate::serve::spawn(ServeConfig {
            seed: Some(seed),
            ..ServeConfig::default()
        }))
        .context("failed to start the demo server")?;
    writeln!(
        io::stdout(),
        "SCIM server listening on {} (in memory, stopped when the demo ends)",
        server.base_url()
    )?;
    let demo_connection = ConnectionArgs {
        url: Some(server.base_url().to_owned()),
        token: Some(server.token().to_owned()),
        verbose: connection.verbose,
        ..ConnectionArgs::default()
    };
    let shown = show_directory(&runtime, &demo_connection, color);
    // The suites run on their own runtime (as `scimctl test` does); the server keeps being
    // served by this runtime's worker threads meanwhile.
    let tested = shown.and_then(|()| super::test::run(test_args, &demo_connection, color));
    runtime.block_on(server.shutdown());
    if report_written(&tested) {
        writeln!(io::stdout(), "HTML report: {}", args.html.display())?;
    }
    tested
}

/// Whether `scimctl test` got as far as writing its reports: it writes them after every
/// verdict, and only then fails the run (with its own exit code) when checks failed.
fn report_written(tested: &anyhow::Result<()>) -> bool {
    match tested {
        Ok(()) => true,
        Err(error) => error
            .downcast_ref::<ExitError>()
            .is_some_and(|e| e.exit == Exit::ServerError),
    }
}

/// `groups list --attributes displayName,members`: `groups list` leaves members out (they can
/// be many), but the demo's groups are small and their member counts are the point.
fn groups_with_members() -> (Kind, ListArgs) {
    let mut query = ListArgs::default();
    query.projection.attributes = Some("displayName,members".to_owned());
    (Kind::groups(), query)
}

/// Prints the users and the groups of the demo server, as tables; Ctrl-C stops the demo.
fn show_directory(
    runtime: &tokio::runtime::Runtime,
    connection: &ConnectionArgs,
    color: ColorChoice,
) -> anyhow::Result<()> {
    let global = GlobalArgs {
        output: Some(Format::Table),
        color,
        ..GlobalArgs::default()
    };
    let mut session = Session::open(connection, global)?;
    let listing = async {
        for (kind, query) in [(Kind::users(), ListArgs::default()), groups_with_members()] {
            writeln!(io::stdout(), "\n{}s:", kind.name)?;
            resources::run(&mut session, &kind, Action::List(query)).await?;
            io::stdout().flush()?;
        }
        writeln!(io::stdout())?;
        anyhow::Ok(())
    };
    runtime.block_on(async {
        tokio::select! {
            biased;
            _ = super::interrupted() => Err(ExitError::new(
                Exit::Interrupted,
                anyhow::anyhow!("interrupted"),
            )
            .into()),
            listed = listing => listed,
        }
    })
}
