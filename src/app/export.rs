//! `scimctl export users|groups`: every resource (or those a filter selects) as CSV that
//! `scimctl import` reads back unchanged, or as JSON or NDJSON, through the same printer as
//! `users list -o ...`. It only reads the server, and never leaves a half-written file behind.
//!
//! CSV columns are the import template's unless `--fields` names others. Columns that name
//! other resources (`manager`, `groups`, `members`) hold names, not ids: a first pass reads
//! every user's id and userName (and every group's displayName) to translate them. A user's
//! `groups` are its direct memberships; a nested group member is named by its displayName.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use super::input::{checked_filter, usage};
use super::kind::Kind;
use super::session::Session;
use crate::client::ops::ListQuery;
use crate::exit::ExitError;
use crate::import::mapping::{ImportKind, Link, StandardColumn, standard_columns};
use crate::output::{Column, Format, Printer, parse_columns};
use crate::scim::model::ENTERPRISE_USER_SCHEMA;
use crate::scim::resource::get_ci;

/// Resources per page asked for while exporting.
const PAGE_SIZE: u64 = 500;

/// `scimctl export users|groups [FILE] [--filter F]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    pub kind: ImportKind,
    /// Where to write; `-` is stdout.
    pub file: PathBuf,
    /// `--filter`, as typed.
    pub filter: Option<String>,
}

/// Runs `scimctl export`.
pub async fn run(session: &mut Session, args: ExportOptions) -> anyhow::Result<()> {
    let import_kind = args.kind;
    let kind = match import_kind {
        ImportKind::Users => Kind::users(),
        ImportKind::Groups => Kind::groups(),
    };
    let format = match session.global.output {
        None => Format::Csv,
        Some(format @ (Format::Csv | Format::Json | Format::Ndjson)) => format,
        Some(other) => {
            return Err(usage(format!("export writes csv, json or ndjson, not {other}")).into());
        }
    };
    let recorder = session.client.recorder();
    let warn = |text: &str| recorder.warning(text);
    let filter = args
        .filter
        .as_deref()
        .map(|text| checked_filter(text, session.global.raw, &warn))
        .transpose()?;
    let columns = match &session.global.fields {
        Some(list) => parse_columns(list).map_err(|(text, diagnostic)| {
            usage(format!(
                "invalid --fields path: {}",
                diagnostic.render(&text)
            ))
        })?,
        None if format == Format::Csv => standard(session, import_kind).await?,
        None => Vec::new(),
    };
    let query = list_query(
        filter,
        &columns,
        session.global.fields.as_deref(),
        import_kind,
        format,
    );
    let to_stdout = args.file == Path::new("-");
    let (out, partial) = open_output(&args.file, to_stdout)?;
    let mut printer = Printer::new(BufWriter::new(out), format, columns, true)
        .with_schema(kind.display_schema())
        .escaping(to_stdout && io::stdout().is_terminal());
    let mut failed: Option<io::Error> = None;
    let summary = {
        let mut listing = printer.list();
        let summary = session
            .client
            .list_all(&kind.endpoint, &query, |page| match listing.page(page) {
                Ok(()) => ControlFlow::Continue(()),
                Err(error) => {
                    failed = Some(error);
                    ControlFlow::Break(())
                }
            })
            .await;
        let summary = match summary {
            Ok(summary) => summary,
            Err(error) => {
                drop(listing);
                remove_partial(partial.as_deref());
                return Err(error.into());
            }
        };
        if let Some(error) = failed {
            drop(listing);
            remove_partial(partial.as_deref());
            return Err(error.into());
        }
        listing.finish()?;
        summary
    };
    drop(printer);
    if let Some(partial) = &partial {
        std::fs::rename(partial, &args.file)
            .with_context(|| format!("cannot write {}", args.file.display()))?;
    }
    for tolerated in &summary.tolerated {
        session.client.recorder().verbose_warning(tolerated);
    }
    let whole = summary.stop.is_normal() && summary.gap.unwrap_or(0) == 0;
    let place = if to_stdout {
        String::new()
    } else {
        format!(" to {}", args.file.display())
    };
    let line = format!(
        "exported {} {}(s){place}; paging: {summary}",
        summary.items,
        import_kind.noun()
    );
    if whole {
        session.note(&line);
    } else {
        session.client.recorder().warning(&line);
    }
    Ok(())
}

/// The list request: `--filter`, full pages, and a group's members left out when no column
/// names them (they can be many).
fn list_query(
    filter: Option<String>,
    columns: &[Column],
    fields: Option<&str>,
    import_kind: ImportKind,
    format: Format,
) -> ListQuery {
    let mut query = ListQuery {
        filter,
        count: Some(PAGE_SIZE),
        ..ListQuery::default()
    };
    let names_members = columns
        .iter()
        .any(|c| c.header.eq_ignore_ascii_case("members"))
        || fields.is_some_and(|f| f.to_ascii_lowercase().contains("members"));
    if import_kind == ImportKind::Groups && format == Format::Csv && !names_members {
        query.excluded_attributes.push("members".to_owned());
    }
    query
}

/// Where the export goes: stdout, or a partial file renamed over FILE once complete.
fn open_output(file: &Path, to_stdout: bool) -> anyhow::Result<(Box<dyn Write>, Option<PathBuf>)> {
    Ok(if to_stdout {
        (Box::new(io::stdout().lock()), None)
    } else {
        let partial = partial_path(file);
        let file = File::create(&partial)
            .with_context(|| format!("cannot write {}", partial.display()))
            .map_err(|e| ExitError::new(crate::exit::Exit::Usage, e))?;
        (Box::new(file), Some(partial))
    })
}

/// The import template's columns, with the names that link columns need.
async fn standard(session: &Session, kind: ImportKind) -> anyhow::Result<Vec<Column>> {
    let links: Vec<Link> = standard_columns(kind)
        .iter()
        .filter_map(|(_, column)| match column {
            StandardColumn::Link(link) => Some(*link),
            StandardColumn::Path(_) => None,
        })
        .collect();
    let needs_users = links
        .iter()
        .any(|l| matches!(l, Link::Manager | Link::Members));
    let needs_groups = links
        .iter()
        .any(|l| matches!(l, Link::Groups | Link::Members));
    let user_names = if needs_users {
        names_by_id(session, "/Users", "userName").await?
    } else {
        HashMap::new()
    };
    let group_names = if needs_groups {
        names_by_id(session, "/Groups", "displayName").await?
    } else {
        HashMap::new()
    };
    // A group's members may be groups too: ids are unique across types, so one map serves.
    let member_names: HashMap<String, String> = user_names
        .iter()
        .chain(&group_names)
        .map(|(id, name)| (id.clone(), name.clone()))
        .collect();
    let (user_names, group_names, member_names) = (
        Some(Arc::new(user_names)),
        Some(Arc::new(group_names)),
        Some(Arc::new(member_names)),
    );
    let manager_path = format!("{ENTERPRISE_USER_SCHEMA}:manager.value");
    standard_columns(kind)
        .into_iter()
        .map(|(header, column)| {
            let column = match column {
                StandardColumn::Path(path) => Column::titled(header, path),
                StandardColumn::Link(Link::Manager) => {
                    Column::names(header, &manager_path, user_names.clone())
                }
                StandardColumn::Link(Link::Members) => {
                    Column::names(header, "members.value", member_names.clone())
                }
                // Memberships through a nested group are the server's inference, not data.
                StandardColumn::Link(Link::Groups) => Column::names(
                    header,
                    r#"groups[type ne "indirect"].value"#,
                    group_names.clone(),
                ),
            };
            column.map_err(|d| anyhow::anyhow!("built-in column `{header}`: {}", d.message))
        })
        .collect()
}

/// Every resource's id and the text of `attribute`, from a listing that asks for no more.
async fn names_by_id(
    session: &Session,
    endpoint: &str,
    attribute: &str,
) -> anyhow::Result<HashMap<String, String>> {
    let query = ListQuery {
        attributes: vec![attribute.to_owned()],
        count: Some(PAGE_SIZE),
        ..ListQuery::default()
    };
    let mut names = HashMap::new();
    session
        .client
        .list_all(endpoint, &query, |page| {
            for resource in page {
                let Some(object) = resource.as_object() else {
                    continue;
                };
                if let (Some(id), Some(name)) = (
                    get_ci(object, "id").and_then(|v| v.as_str()),
                    get_ci(object, attribute).and_then(|v| v.as_str()),
                ) {
                    names.insert(id.to_owned(), name.to_owned());
                }
            }
            ControlFlow::Continue(())
        })
        .await?;
    Ok(names)
}

/// Where the file is written until it is complete: `FILE.partial`, renamed at the end, so an
/// export that fails leaves no truncated file under the name asked for.
fn partial_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

fn remove_partial(partial: Option<&Path>) {
    if let Some(partial) = partial {
        let _ = std::fs::remove_file(partial);
    }
}
