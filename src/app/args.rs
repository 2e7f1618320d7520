//! The command line's shared options (connection, output) and `scimctl test`'s arguments,
//! turned into the option types the layers below take. Conversion only: nothing runs here.
//!
//! Below this point nothing sees clap: `config.rs` takes [`Flags`], a session takes a
//! [`Connection`] and [`GlobalOptions`], `scimctl test` and the demo take [`TestOptions`].

use std::time::Duration;

use crate::cli::GlobalArgs;
use crate::cli::connection::ConnectionArgs;
use crate::cli::test::{self as cli_test, TestArgs};
use crate::config::Flags;
use crate::exit::ExitError;
use crate::report::ReportRequest;
use crate::runner::outcome::FailOn;

use super::session::{Connection, GlobalOptions};
use super::test::TestOptions;

/// The connection flags, and how much of the traffic to show.
pub fn connection(args: ConnectionArgs) -> Connection {
    let ConnectionArgs {
        url,
        token,
        token_file,
        token_cmd,
        basic,
        oauth_token_url,
        client_id,
        client_secret,
        headers,
        profile,
        insecure,
        cacert,
        timeout,
        verbose,
        curl,
        har,
    } = args;
    Connection {
        flags: Flags {
            url,
            token,
            token_file,
            token_cmd,
            basic,
            oauth_token_url,
            client_id,
            client_secret,
            headers,
            profile,
            insecure,
            cacert,
            timeout,
        },
        verbosity: verbose,
        curl,
        har,
    }
}

/// How results are shown and how writes are made.
pub fn global(args: GlobalArgs) -> GlobalOptions {
    let GlobalArgs {
        output,
        fields,
        wide,
        color,
        dialect,
        diff,
        yes,
        raw,
    } = args;
    GlobalOptions {
        output,
        fields,
        wide,
        color,
        dialect,
        diff,
        yes,
        raw,
    }
}

/// What `scimctl test` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestRequest {
    /// Run (or `--list`) the suites.
    Run(Box<TestOptions>),
    /// `scimctl test cleanup [--ledger FILE]`.
    Cleanup(Option<std::path::PathBuf>),
}

/// `scimctl test`'s arguments as options; an unreadable `--report` is a usage error.
pub fn test(args: TestArgs) -> Result<TestRequest, ExitError> {
    if let Some(cli_test::TestCommand::Cleanup { ledger }) = args.command {
        return Ok(TestRequest::Cleanup(ledger));
    }
    let reports = args
        .reports
        .iter()
        .map(|spec| {
            spec.parse::<ReportRequest>()
                .map_err(|e| ExitError::new(e.exit(), anyhow::anyhow!("--report {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TestRequest::Run(Box::new(TestOptions {
        suites: args.suites,
        only: args.only,
        skip: args.skip,
        resource_types: args.resource_types,
        allow_writes: args.allow_writes,
        fail_on: match args.fail_on {
            cli_test::FailOn::Must => FailOn::Must,
            cli_test::FailOn::Interop => FailOn::Interop,
            cli_test::FailOn::Should => FailOn::Should,
        },
        reports,
        seed: args.seed,
        waivers: args.waivers,
        jobs: args.jobs,
        list: args.list,
        settle: Duration::from_millis(args.settle),
        okta_features: args.okta_features,
        check_timeout: Duration::from_secs(args.check_timeout),
        ledger: args.ledger,
    })))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};
    use crate::report::Format;

    fn test_request(line: &[&str]) -> TestRequest {
        let cli = Cli::try_parse_from(line).expect("parses");
        let Command::Test(args) = cli.command else {
            panic!("not `scimctl test`");
        };
        test(args).expect("valid arguments")
    }

    #[test]
    fn a_bare_scimctl_test_asks_for_the_default_options_the_demo_starts_from() {
        assert_eq!(
            test_request(&["scimctl", "test"]),
            TestRequest::Run(Box::default())
        );
    }

    #[test]
    fn test_arguments_become_typed_options() {
        let TestRequest::Run(options) = test_request(&[
            "scimctl",
            "test",
            "--report",
            "html=out/r.html",
            "--fail-on",
            "should",
            "--settle",
            "250",
        ]) else {
            panic!("not a run");
        };
        assert_eq!(
            options.reports,
            [ReportRequest {
                format: Format::Html,
                path: "out/r.html".into(),
            }]
        );
        assert_eq!(options.fail_on, FailOn::Should);
        assert_eq!(options.settle, Duration::from_millis(250));
        assert_eq!(
            test_request(&["scimctl", "test", "cleanup"]),
            TestRequest::Cleanup(None)
        );
    }

    #[test]
    fn connection_flags_and_traffic_options_are_kept_apart() {
        let cli = Cli::try_parse_from([
            "scimctl", "users", "list", "--url", "http://h", "-vv", "--har", "x.har",
        ])
        .expect("parses");
        let connection = connection(cli.connection);
        assert_eq!(connection.flags.url.as_deref(), Some("http://h"));
        assert_eq!(connection.verbosity, 2);
        assert_eq!(connection.har, Some("x.har".into()));
    }
}
