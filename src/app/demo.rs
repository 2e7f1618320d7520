//! `scimctl demo`: the embedded server with the demo data set, the users and groups it holds
//! shown as `users list` and `groups list` show them, then `scimctl test` with the rfc7644 and
//! okta suites against it. Every step is the real command's code, run on a server that lives
//! only as long as the demo.

use std::io::{self, Write};

use anyhow::Context;

use super::kind::Kind;
use super::resources::{self, Action};
use super::session::{Connection, GlobalOptions, Session};
use super::test::{self, TestOptions};
use crate::cli::demo::DemoArgs;
use crate::cli::resources::ListArgs;
use crate::config::Flags;
use crate::exit::{Exit, ExitError};
use crate::output::{ColorChoice, Format};
use crate::report::{self, ReportRequest};
use crate::serve::{Seed, ServeConfig};

/// The demo's users and groups, built into the binary so that an installed scimctl has them.
const DEMO_SEED: &str = include_str!("../../fixtures/seed/demo.json");

/// The built-in suites the demo runs.
const DEMO_SUITES: [&str; 2] = ["rfc7644", "okta"];

/// `scimctl test --suite rfc7644 --suite okta --allow-writes --report html=FILE --jobs N`: every
/// option the demo does not set keeps the default `scimctl test` has.
fn test_options(args: &DemoArgs) -> TestOptions {
    TestOptions {
        suites: DEMO_SUITES.map(str::to_owned).to_vec(),
        allow_writes: true,
        reports: vec![ReportRequest {
            format: report::Format::Html,
            path: args.html.clone(),
        }],
        jobs: args.jobs,
        ..TestOptions::default()
    }
}

/// Runs the demo; succeeds when no MUST-level check failed.
pub fn run(args: DemoArgs, connection: &Connection, color: ColorChoice) -> anyhow::Result<()> {
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
    let demo_connection = Connection {
        flags: Flags {
            url: Some(server.base_url().to_owned()),
            token: Some(server.token().to_owned()),
            ..Flags::default()
        },
        verbosity: connection.verbosity,
        ..Connection::default()
    };
    let shown = show_directory(&runtime, &demo_connection, color);
    // The suites run on their own runtime (as `scimctl test` does); the server keeps being
    // served by this runtime's worker threads meanwhile.
    let tested =
        shown.and_then(|()| test::run_suites(test_options(&args), &demo_connection, color));
    runtime.block_on(server.shutdown());
    let completed = tested?;
    writeln!(io::stdout(), "HTML report: {}", args.html.display())?;
    Ok(completed.verdict?)
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
    connection: &Connection,
    color: ColorChoice,
) -> anyhow::Result<()> {
    let global = GlobalOptions {
        output: Some(Format::Table),
        color,
        ..GlobalOptions::default()
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn the_demo_runs_the_rfc_and_okta_suites_with_writes_and_an_html_report() {
        let demo = DemoArgs {
            html: PathBuf::from("out/report.html"),
            jobs: 2,
        };
        let options = test_options(&demo);
        assert_eq!(options.suites, ["rfc7644", "okta"]);
        assert!(options.allow_writes);
        assert_eq!(
            options.reports,
            [ReportRequest {
                format: report::Format::Html,
                path: PathBuf::from("out/report.html"),
            }]
        );
        assert_eq!(options.jobs, 2);
        assert!(!options.list);
        assert_eq!(
            TestOptions {
                suites: Vec::new(),
                allow_writes: false,
                reports: Vec::new(),
                jobs: TestOptions::default().jobs,
                ..options
            },
            TestOptions::default(),
            "everything else as a bare `scimctl test`"
        );
    }
}
