//! Command-line types (clap derive). The doc comments here are the help text; no logic, no I/O:
//! `app/` turns the arguments into options.
//!
//! The connection options ([`connection::ConnectionArgs`]) and the output options
//! ([`GlobalArgs`]) are global: they are accepted before or after the subcommand.

use clap::{Args, Parser, Subcommand};

pub mod config;
pub mod connection;
pub mod demo;
pub mod doctor;
pub mod generate;
pub mod import;
pub mod lint;
pub mod replay;
pub mod resources;
pub mod serve;
pub mod test;

use crate::output::{ColorChoice, Format};
use crate::scim::dialect::Dialect;

/// A SCIM 2.0 client, conformance tester and embedded test server.
///
/// Read and change what a SCIM service holds: users, groups and any resource type it lists,
/// with filters and PATCH paths checked before anything is sent, and the traffic visible
/// with -v, --curl and --har.
#[derive(Debug, Parser)]
#[command(name = "scimctl", version = VERSION, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub connection: connection::ConnectionArgs,
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// How results are shown and how writes are made; accepted anywhere on the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
#[command(next_help_heading = "Output and writes")]
pub struct GlobalArgs {
    /// Output format [default: table on a terminal, json otherwise]
    #[arg(short = 'o', long = "output", global = true, value_name = "FORMAT",
          value_parser = Format::parse)]
    pub output: Option<Format>,

    /// Columns for table and csv output: SCIM paths separated by commas, such as
    /// `userName,name.givenName,emails[type eq "work"].value`
    #[arg(long, global = true, value_name = "PATH,...")]
    pub fields: Option<String>,

    /// Tables: add columns (externalId, lastModified) and never cut values to the terminal's
    /// width
    #[arg(long, global = true)]
    pub wide: bool,

    /// When to colour output: auto follows NO_COLOR, CLICOLOR, CLICOLOR_FORCE and the terminal
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto",
          value_parser = ColorChoice::parse)]
    pub color: ColorChoice,

    /// Shape write requests exactly as this identity provider does: rfc, okta, entra,
    /// entra-legacy [default: the profile's dialect, else rfc]
    #[arg(long = "as", global = true, value_name = "DIALECT",
          value_parser = |text: &str| text.parse::<Dialect>())]
    pub dialect: Option<Dialect>,

    /// On writes, read the resource before and after and print what changed (to stderr)
    #[arg(long, global = true)]
    pub diff: bool,

    /// Do not ask for confirmation before deleting
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,

    /// Send filters and PATCH paths as typed, without checking them first
    #[arg(long, global = true)]
    pub raw: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Try scimctl: an embedded server with demo data, its users and groups, and the suites.
    Demo(demo::DemoArgs),
    /// Read and change users (/Users).
    #[command(subcommand)]
    Users(resources::UsersCommand),
    /// Read and change groups and their members (/Groups).
    #[command(subcommand)]
    Groups(resources::GroupsCommand),
    /// Read and change any resource type the server lists in /ResourceTypes.
    Resources(resources::ResourcesArgs),
    /// Show the server's ServiceProviderConfig, ResourceTypes and Schemas (cached for an hour).
    Discover(config::DiscoverArgs),
    /// List, show and change connection profiles in the configuration file.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Run an in-memory SCIM 2.0 server for demos, tests and reproducing server bugs.
    Serve(serve::ServeArgs),
    /// Run the conformance suites (RFC 7644, Okta, Entra) against a SCIM service.
    ///
    /// The console and every report (--report) open with the findings: failures that share one
    /// cause, each with what was seen, what it breaks in an identity provider's sync, the likely
    /// fix, the RFC section and the checks it covers; then every check, by suite and area.
    Test(test::TestArgs),
    /// Check a SCIM service from the network up, read-only, and name what breaks a sync.
    ///
    /// One pass, in order, that stops nowhere: DNS and TCP; TLS (the chain, its expiry, the
    /// host name); authentication (the configured credentials, no credentials, a wrong token, a
    /// request without User-Agent); the discovery documents and what they claim; the media types
    /// answered and accepted; sample reads (a one-item list, userName filters that match,
    /// differ in case or match nothing, paging with count=1, count=0, an unknown id,
    /// projections); and the ServiceProviderConfig claims (filter, sort, etag; patch and bulk
    /// with --allow-writes) against what the server does. Every line is "ok", "skipped" (and
    /// why) or a finding in the form `lint` prints: where, what was seen, the RFC section, what
    /// Okta and Entra do with it, and the likely fix. A stage that cannot run after a failure
    /// says "not checked" and why. Nothing is written without --allow-writes. Output: the
    /// console form, or -o json (versioned).
    ///
    /// Exit codes: 0 when no finding reaches --fail-on, 1 when one does (or a request failed
    /// for another reason), 2 on a usage error, 4 when the server cannot be reached or its TLS
    /// is not accepted, 5 when it refuses the credentials.
    Doctor(doctor::DoctorArgs),
    /// Check a resource, ListResponse, PatchOp or Error document offline, finding by finding.
    ///
    /// Every problem is one finding: where it is (a JSON pointer), what was seen, the RFC
    /// section, what Okta and Entra do with it, and the likely fix. The kind of document is read
    /// from its `schemas` (else its shape); --kind or --patch says it. Documents are checked
    /// against the RFC 7643 schemas, or against a server's own: --schemas FILE (a saved
    /// /Schemas answer), or --url/--profile to fetch them (with the connection options; cached
    /// like `discover`). Nothing else is sent anywhere. Output: the console form, or -o json
    /// (versioned).
    ///
    /// Exit codes: 0 when no finding reaches --fail-on, 1 when one does, 2 when the input
    /// cannot be read (not JSON, not a SCIM document, an unknown --resource-type).
    Lint(lint::LintArgs),
    /// Send what Okta or Entra sends for one provisioning event, and say what it would conclude.
    ///
    /// Sends the requests the identity provider of --as (okta, entra, entra-legacy) sends for
    /// SCENARIO, byte for byte as it writes them (Entra's raw quotes and `+` on the request
    /// line, Okta's `%20`, their headers and bodies; the shapes are testsuites/idp/*.toml, the
    /// same the okta and entra suites send), in its order, and shows each exchange: the request
    /// line, headers (credentials redacted) and body, the answer. Under each answer, what the
    /// identity provider makes of it: a finding in the form `lint` prints, and its conclusion
    /// ("Okta would report: Create new user returned empty user", "Entra would create a duplicate
    /// of `alice`: the filter answered 404"). A refused request that deviates from RFC 7644
    /// (Entra's legacy `"op":"Replace"`, `"False"`) is sent again without each deviation in turn,
    /// to name the one the server refuses. scimctl's own requests are marked: it finds the users
    /// and groups ARGS name (the ids the identity provider keeps), and reads back what a write
    /// changed. The writes are real: `deactivate` deactivates the user. Output: the console
    /// form, or -o json (versioned).
    ///
    /// Exit codes: 0 when the identity provider would carry out the event and no finding reaches
    /// --fail-on, 1 when one does or a request failed, 2 on a usage error (an unknown scenario,
    /// missing or extra ARGS, --as missing), 4 when the server cannot be reached, 5 when it
    /// refuses the credentials.
    Replay(replay::ReplayArgs),
    /// Explain a filter or a PATCH path: parse tree, attributes, what is sent.
    ///
    /// The parse tree, how each attribute resolves against the schemas (type, multi-valued,
    /// caseExact, mutability, returned), what each comparison matches, the canonical form, and
    /// the request scimctl would send (a filter) or what add, replace and remove would do (a
    /// path). An input outside the RFC's grammar that scimctl reads leniently is explained with
    /// each leniency shown; one that does not parse shows a caret and a suggestion (exit 2).
    #[command(subcommand)]
    Explain(lint::ExplainCommand),
    /// Create, update or leave alone users or groups from a CSV file (resumable; --dry-run).
    Import(import::ImportArgs),
    /// Write every user or group as CSV (which import reads back unchanged), JSON or NDJSON.
    Export(import::ExportArgs),
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish.
    ///
    /// Load it for one session with `source <(scimctl completions bash)`, or install it where
    /// the shell looks: `scimctl completions bash > ~/.local/share/bash-completion/completions/scimctl`,
    /// `scimctl completions zsh > ~/.zfunc/_scimctl` (with `fpath+=~/.zfunc` before `compinit`),
    /// `scimctl completions fish > ~/.config/fish/completions/scimctl.fish`.
    Completions(generate::CompletionsArgs),
    /// Print the manual page, or write one page per command into a directory.
    ///
    /// `scimctl man | man -l -` reads it now; `scimctl man ~/.local/share/man/man1` installs
    /// scimctl(1) and a page for every subcommand, such as scimctl-users-list(1).
    Man(generate::ManArgs),
}

/// The version `--version` prints: the package version and, when built from a git checkout,
/// the commit and whether the sources differed from it, such as `0.1.0 (commit 15ffac1c2d3e,
/// dirty)` (set by `build.rs`).
pub const VERSION: &str = env!("SCIMCTL_VERSION");

/// Printed under every `--help`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the server answered with an error, conformance checks failed, or lint, doctor or replay
     found problems
  2  usage error or invalid input (nothing was sent)
  3  partial failure
  4  network, TLS or timeout error
  5  authentication or authorisation refused (401/403)
  130 interrupted";

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_are_accepted_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "scimctl", "users", "list", "-o", "csv", "--fields", "id", "--url", "http://h",
        ])
        .expect("parses");
        assert_eq!(cli.global.output, Some(Format::Csv));
        assert_eq!(cli.global.fields.as_deref(), Some("id"));
        assert_eq!(cli.connection.url.as_deref(), Some("http://h"));
    }

    #[test]
    fn serve_keeps_its_own_token_option() {
        let cli = Cli::try_parse_from(["scimctl", "serve", "--token", "t", "--port", "0"])
            .expect("parses");
        let Command::Serve(args) = cli.command else {
            panic!("not serve");
        };
        assert_eq!(args.token.as_deref(), Some("t"));
    }
}
