//! `scimctl lint` and `scimctl explain`: read the input, load the schemas, call the core
//! ([`crate::lint`], [`crate::scim::explain`]), print the result and choose the exit code. It
//! neither checks nor explains anything itself: the findings and explanations, and their words,
//! come from the core and the catalogue.

use std::io::Write;

use super::session::Connection;
use super::session::GlobalOptions;
use crate::cli::lint::{DocumentKind, ExplainArgs, ExplainCommand, FindingLevel, LintArgs};
use crate::client::{encode_component, endpoint, parse_base};
use crate::exit::{Exit, ExitError};
use crate::findings::{self, Level, Style, Subject};
use crate::lint::{Kind, Options, TypeOrigin, lint};
use crate::output::Format;
use crate::scim::explain::{
    self, Comparison, Heading, Resolution, filter_comparisons, parse_filter_explained,
    parse_path_explained, path_target,
};
use crate::scim::schema::{ResourceSchema, ResourceType};
use crate::scim::schema_set::SchemaSet;

use super::input::{checked_filter, parse_json, read_text, usage};
use super::schemas;

/// Console or JSON, from `-o`: lint, explain and doctor print for people unless asked for JSON.
pub(super) fn style(global: &GlobalOptions) -> Result<Style, ExitError> {
    match global.output {
        None | Some(Format::Table) => Ok(Style::Console),
        Some(Format::Json) => Ok(Style::Json),
        Some(_) => Err(usage(
            "this command prints -o table (the default) or -o json",
        )),
    }
}

/// `scimctl lint`.
pub fn run_lint(
    args: LintArgs,
    connection: &Connection,
    global: &GlobalOptions,
) -> anyhow::Result<()> {
    let style = style(global)?;
    let (text, shown) = read_text(&args.file)?;
    let document = parse_json(&text, &shown)?;
    let schemas = schemas::load(&args.schemas, connection, global)?;
    let kind = match (args.patch, args.kind) {
        (true, _) | (false, Some(DocumentKind::Patch)) => Some(Kind::PatchOp),
        (false, Some(DocumentKind::Resource)) => Some(Kind::Resource),
        (false, Some(DocumentKind::List)) => Some(Kind::ListResponse),
        (false, Some(DocumentKind::Error)) => Some(Kind::Error),
        (false, None) => None,
    };
    let linted = lint(
        &document,
        &schemas.set,
        Options {
            kind,
            resource_type: args.resource_type.as_deref(),
            answered: false,
        },
    )
    .map_err(|error| usage(format!("cannot lint {shown}: {error}")))?;
    let mut facts = vec![("kind", linted.kind.as_str().to_owned())];
    if let Some(resource_type) = &linted.resource_type {
        let how = match linted.resource_type_origin {
            TypeOrigin::Guessed => " (the best fit; --resource-type to choose)",
            TypeOrigin::Given | TypeOrigin::Schemas | TypeOrigin::None => "",
        };
        facts.push(("resource_type", format!("{resource_type}{how}")));
    }
    facts.push(("schemas", schemas.origin));
    let subject = Subject { name: shown, facts };
    write_stdout(&findings::render(&subject, &linted.findings, style))?;
    let threshold = level(args.fail_on);
    fail_on(&linted.findings, threshold)?;
    Ok(())
}

/// Exit 1 when any finding reaches `--fail-on`; shared by every command that reports findings.
pub(super) fn fail_on(found: &[findings::Finding], threshold: Level) -> Result<(), ExitError> {
    let failing = findings::reaching(found, threshold);
    if failing > 0 {
        return Err(ExitError::new(
            Exit::ServerError,
            anyhow::anyhow!(
                "{failing} finding(s) at or above --fail-on {}",
                threshold.key()
            ),
        ));
    }
    Ok(())
}

pub(super) fn level(choice: FindingLevel) -> Level {
    match choice {
        FindingLevel::Must => Level::Must,
        FindingLevel::Interop => Level::Interop,
        FindingLevel::Should => Level::Should,
        FindingLevel::Note => Level::Note,
    }
}

/// `scimctl explain filter|path`.
pub fn run_explain(
    command: ExplainCommand,
    connection: &Connection,
    global: &GlobalOptions,
) -> anyhow::Result<()> {
    let style = style(global)?;
    let (kind, args) = match &command {
        ExplainCommand::Filter(args) => ("filter", args),
        ExplainCommand::Path(args) => ("path", args),
    };
    let invalid = |diagnostic: crate::scim::diag::Diagnostic| {
        usage(format!("invalid {kind}: {}", diagnostic.render(&args.text)))
    };
    let schemas = schemas::load(&args.schemas, connection, global)?;
    let text = match &command {
        ExplainCommand::Filter(_) => {
            let parsed = parse_filter_explained(&args.text).map_err(invalid)?;
            let (resource_type, schema) = explained_type(args, &schemas.set, |schema| {
                unknown_count(&filter_comparisons(&parsed.value, schema))
            })?;
            let comparisons = filter_comparisons(&parsed.value, &schema);
            let sent = checked_filter(&args.text, global.raw, &|_| {})?;
            let heading = Heading {
                kind,
                input: args.text.clone(),
                resource_type: resource_type.name.clone(),
                schemas: schemas.origin,
                request: Some(request_line(connection, &resource_type.endpoint, &sent)?),
            };
            match style {
                Style::Console => explain::filter_console(&heading, &parsed, &comparisons),
                Style::Json => explain::filter_json(&heading, &parsed, &comparisons),
            }
        }
        ExplainCommand::Path(_) => {
            let parsed = parse_path_explained(&args.text).map_err(invalid)?;
            let (resource_type, schema) = explained_type(args, &schemas.set, |schema| {
                let target = path_target(&parsed.value, schema);
                usize::from(target.target.is_err()) + unknown_count(&target.filter)
            })?;
            let target = path_target(&parsed.value, &schema);
            let heading = Heading {
                kind,
                input: args.text.clone(),
                resource_type: resource_type.name.clone(),
                schemas: schemas.origin,
                request: None,
            };
            match style {
                Style::Console => explain::path_console(&heading, &parsed, &target),
                Style::Json => explain::path_json(&heading, &parsed, &target),
            }
        }
    };
    write_stdout(&text)
}

/// Writes the whole text to stdout; a closed pipe is an error `main` ends quietly on.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

fn unknown_count(comparisons: &[Comparison<'_>]) -> usize {
    comparisons
        .iter()
        .filter(|c| matches!(c.resolution, Resolution::Unknown(_)))
        .count()
}

/// The resource type named by --resource-type, else the one under which `unknown` counts the
/// fewest unknown attributes ([`SchemaSet::best_fit`]).
fn explained_type(
    args: &ExplainArgs,
    set: &SchemaSet,
    unknown: impl Fn(&ResourceSchema) -> usize,
) -> Result<(ResourceType, ResourceSchema), ExitError> {
    if let Some(name) = &args.resource_type {
        let (rt, schema) = set.resource_type(name).ok_or_else(|| {
            usage(format!(
                "unknown resource type `{name}`; the schemas define {}",
                set.type_names().join(", ")
            ))
        })?;
        return Ok((rt.clone(), schema));
    }
    set.best_fit(unknown)
        .map(|(rt, schema)| (rt.clone(), schema))
        .ok_or_else(|| usage("the schemas define no resource type"))
}

/// The request scimctl would send for a list with `filter`: `GET /Users?filter=...`, against
/// the server when --url names one. Encoded by the client's own rules (`%20`, `%2B`, ...).
fn request_line(
    connection: &Connection,
    endpoint_path: &str,
    filter: &str,
) -> Result<String, ExitError> {
    let Some(url) = &connection.flags.url else {
        return Ok(format!(
            "GET {endpoint_path}?filter={}",
            encode_component(filter)
        ));
    };
    let base = parse_base(url).map_err(|e| usage(format!("--url: {e}")))?;
    let segments: Vec<&str> = endpoint_path.split('/').filter(|s| !s.is_empty()).collect();
    let url = endpoint(&base, &segments, &[("filter", filter)])
        .map_err(|e| usage(format!("--url: {e}")))?;
    Ok(format!("GET {url}"))
}
