//! Arguments of `scimctl lint` and `scimctl explain` (clap derive only; the doc comments are
//! the help text). No logic: `app/lint.rs` turns them into the core's options.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

/// Arguments of `scimctl lint` (the help text is on [`super::Command::Lint`]).
#[derive(Debug, Args)]
pub struct LintArgs {
    /// The JSON document, or - for stdin
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The document is a PatchOp body (the same as --kind patch)
    #[arg(long, conflicts_with = "kind")]
    pub patch: bool,

    /// What the document is [default: read from `schemas`, else from its shape]
    #[arg(long, value_enum, value_name = "KIND")]
    pub kind: Option<DocumentKind>,

    /// The resource type of the resource, or of what the PatchOp changes: User, Group or one of
    /// the schemas' [default: the core schema in `schemas`, else the type the attributes fit]
    #[arg(long = "resource-type", value_name = "NAME")]
    pub resource_type: Option<String>,

    #[command(flatten)]
    pub schemas: SchemasArg,

    /// The lowest level of finding that fails the run (exit 1)
    #[arg(long, value_enum, default_value_t = FindingLevel::Must)]
    pub fail_on: FindingLevel,
}

/// Where the schemas come from.
#[derive(Debug, Clone, Default, Args)]
pub struct SchemasArg {
    /// Check against the schemas in FILE, a saved /Schemas answer (a ListResponse, an array or
    /// one schema) [default: the server's with --url or --profile, else RFC 7643's]
    #[arg(long = "schemas", value_name = "FILE")]
    pub schemas_file: Option<PathBuf>,
}

/// `--kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocumentKind {
    /// A User, a Group or another resource.
    Resource,
    /// A ListResponse (or a bare array of resources).
    List,
    /// A PatchOp request body.
    Patch,
    /// An Error answer.
    Error,
}

/// `--fail-on`: the same order as `scimctl test`'s, with `note` below `should`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FindingLevel {
    /// Broken MUSTs only.
    Must,
    /// Also what Okta or Entra send or need that the RFC does not say.
    Interop,
    /// Also missed SHOULDs.
    Should,
    /// Every finding, notes included.
    Note,
}

/// `scimctl explain filter|path`.
#[derive(Debug, Subcommand)]
pub enum ExplainCommand {
    /// Explain a filter (RFC 7644 §3.4.2.2) and the GET query string that carries it.
    Filter(ExplainArgs),
    /// Explain a PATCH path (RFC 7644 §3.5.2) and what add, replace and remove would do.
    Path(ExplainArgs),
}

/// Arguments of `explain filter` and `explain path`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The filter or path; quote it for the shell, e.g. 'userName eq "bjensen"'
    #[arg(value_name = "TEXT", allow_hyphen_values = true)]
    pub text: String,

    /// The resource type it applies to: User, Group or one of the schemas' [default: the type
    /// whose attributes it names, User on a tie]
    #[arg(long = "resource-type", value_name = "NAME")]
    pub resource_type: Option<String>,

    #[command(flatten)]
    pub schemas: SchemasArg,
}
