//! The command line's shared options (connection, output) and the arguments of `scimctl test`,
//! `import` and `export`, turned into the option types the layers below take. Conversion only:
//! nothing runs here and no file is read.
//!
//! Below this point nothing sees clap: `config.rs` takes [`Flags`], a session takes a
//! [`Connection`] and [`GlobalOptions`], `scimctl test` and the demo take [`TestOptions`],
//! `import` takes [`ImportOptions`] and `export` [`ExportOptions`].

use std::time::Duration;

use crate::cli::GlobalArgs;
use crate::cli::connection::ConnectionArgs;
use crate::cli::import::{self as cli_import, ExportArgs, ImportArgs};
use crate::cli::test::{self as cli_test, TestArgs};
use crate::config::Flags;
use crate::exit::ExitError;
use crate::import::mapping::{EmptyCells, ImportKind};
use crate::import::options::{ImportOptions, Missing};
use crate::import::plan::{MatchKey, Method};
use crate::report::ReportRequest;
use crate::runner::outcome::FailOn;

use super::export::ExportOptions;
use super::input::{checked_filter, usage};
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

/// What `scimctl import` was asked to do.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportRequest {
    /// `--template`: print the header row of `kind`.
    Template(ImportKind),
    /// Import a file.
    Run(Box<ImportOptions>),
}

fn import_kind(family: cli_import::Family) -> ImportKind {
    match family {
        cli_import::Family::Users => ImportKind::Users,
        cli_import::Family::Groups => ImportKind::Groups,
    }
}

/// `scimctl import`'s arguments as options (`yes` is the global `--yes`). Options that do not
/// fit together, an unknown `--match`, `--scope`, `--report` or `--rate` are usage errors.
pub fn import(args: ImportArgs, yes: bool) -> Result<ImportRequest, ExitError> {
    let kind = import_kind(args.family);
    if args.template {
        return Ok(ImportRequest::Template(kind));
    }
    let key = match &args.match_key {
        Some(text) => MatchKey::parse(text, kind).map_err(usage)?,
        None => MatchKey::default_for(kind),
    };
    let missing = match (args.deactivate_missing, args.delete_missing) {
        (true, _) => Some(Missing::Deactivate),
        (_, true) => Some(Missing::Delete),
        _ => None,
    };
    if kind == ImportKind::Groups && missing == Some(Missing::Deactivate) {
        return Err(usage(
            "groups have no `active` attribute to turn off; use --delete-missing",
        ));
    }
    if args.scope.is_some() && missing.is_none() {
        return Err(usage(
            "--scope selects what --deactivate-missing or --delete-missing consider",
        ));
    }
    let scope = args
        .scope
        .as_deref()
        .map(|text| checked_filter(text, false, &|_| {}))
        .transpose()?;
    let report = args.report.as_deref().map(json_report).transpose()?;
    let rate = args
        .rate
        .as_deref()
        .map(parse_rate)
        .transpose()
        .map_err(usage)?;
    Ok(ImportRequest::Run(Box::new(ImportOptions {
        kind,
        file: args.file.unwrap_or_else(|| "-".into()),
        key,
        empty: match args.empty {
            cli_import::EmptyMode::Ignore => EmptyCells::Ignored,
            cli_import::EmptyMode::Clears => EmptyCells::Clears,
        },
        method: match args.method {
            cli_import::UpdateMethod::Patch => Method::Patch,
            cli_import::UpdateMethod::Put => Method::Put,
        },
        map: args.map,
        ignore_unknown: args.ignore_unknown,
        delimiter: args.delimiter,
        dry_run: args.dry_run,
        missing,
        scope,
        create_groups: args.create_groups,
        rejects: args.rejects,
        report,
        skip_invalid: args.skip_invalid,
        concurrency: usize::from(args.concurrency),
        rate,
        use_bulk: args.use_bulk,
        journal: args.journal,
        quiet: args.quiet,
        yes,
    })))
}

/// `--report json=FILE`: the file.
fn json_report(spec: &str) -> Result<std::path::PathBuf, ExitError> {
    match spec.split_once('=') {
        Some((format, path)) if format.eq_ignore_ascii_case("json") && !path.is_empty() => {
            Ok(path.into())
        }
        _ => Err(usage(format!(
            "--report {spec}: import writes `json=FILE` reports"
        ))),
    }
}

/// `--rate`: `50/s`, `600/min` or `50` (per second), as starts per second.
fn parse_rate(text: &str) -> Result<f64, String> {
    let (number, per) = match text.split_once('/') {
        Some((number, unit)) => (number, unit.trim().to_ascii_lowercase()),
        None => (text, "s".to_owned()),
    };
    let count: f64 = number
        .trim()
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n > 0.0)
        .ok_or_else(|| format!("--rate {text}: expected a positive number such as 50/s"))?;
    let per_second = match per.as_str() {
        "s" | "sec" | "second" => count,
        "m" | "min" | "minute" => count / 60.0,
        _ => return Err(format!("--rate {text}: per `s` or `min`")),
    };
    // The gate waits 1/rate between starts: a wait longer than an hour is a typo, and one of
    // 1e300 seconds is no duration a clock can hold.
    if per_second < SLOWEST_RATE {
        return Err(format!("--rate {text}: slower than one request an hour"));
    }
    Ok(per_second)
}

/// The slowest `--rate`, in requests per second: one an hour.
const SLOWEST_RATE: f64 = 1.0 / 3600.0;

/// `scimctl export`'s arguments as options.
pub fn export(args: ExportArgs) -> ExportOptions {
    ExportOptions {
        kind: import_kind(args.family),
        file: args.file,
        filter: args.filter,
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};
    use crate::exit::Exit;
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

    fn import_request(line: &[&str]) -> Result<ImportRequest, ExitError> {
        let cli = Cli::try_parse_from(line).expect("parses");
        let Command::Import(args) = cli.command else {
            panic!("not `scimctl import`");
        };
        import(args, cli.global.yes)
    }

    #[test]
    fn import_arguments_become_typed_options() {
        let Ok(ImportRequest::Run(options)) = import_request(&[
            "scimctl",
            "import",
            "groups",
            "g.csv",
            "--match",
            "externalId",
            "--delete-missing",
            "--scope",
            "displayName sw \"eng\"",
            "--report",
            "json=r.json",
            "--rate",
            "600/min",
            "--empty",
            "clears",
            "--yes",
        ]) else {
            panic!("not a run");
        };
        assert_eq!(options.kind, ImportKind::Groups);
        assert_eq!(options.key, MatchKey::ExternalId);
        assert_eq!(options.missing, Some(Missing::Delete));
        assert_eq!(options.report, Some("r.json".into()));
        assert_eq!(options.rate, Some(10.0));
        assert_eq!(options.empty, EmptyCells::Clears);
        assert!(options.yes);
        assert_eq!(
            options.plan_text("none"),
            "match=externalid;empty=clears;method=patch;map=none;ignore-unknown=false"
        );
        assert!(matches!(
            import_request(&["scimctl", "import", "users", "--template"]),
            Ok(ImportRequest::Template(ImportKind::Users))
        ));
    }

    #[test]
    fn import_options_that_do_not_fit_together_are_usage_errors() {
        let refused = |line: &[&str]| match import_request(line) {
            Err(error) => (error.exit, format!("{:#}", error.error)),
            Ok(request) => panic!("accepted: {request:?}"),
        };
        assert_eq!(
            refused(&[
                "scimctl",
                "import",
                "groups",
                "g.csv",
                "--deactivate-missing"
            ]),
            (
                Exit::Usage,
                "groups have no `active` attribute to turn off; use --delete-missing".to_owned()
            )
        );
        assert_eq!(
            refused(&["scimctl", "import", "users", "u.csv", "--rate", "fast"]).1,
            "--rate fast: expected a positive number such as 50/s"
        );
        assert_eq!(
            refused(&["scimctl", "import", "users", "u.csv", "--report", "html=r"]).1,
            "--report html=r: import writes `json=FILE` reports"
        );
        assert_eq!(parse_rate("50"), Ok(50.0));
        assert!(parse_rate("5/h").is_err());
        assert_eq!(parse_rate("1/min"), Ok(1.0 / 60.0));
        assert!(parse_rate("1e-300/s").is_err(), "no wait a clock can hold");
    }
}
