//! `users list`, `groups list` and `resources TYPE list`: one page or every page (`--all`,
//! with paging guards), the filter checked before it is sent and the answer checked against it.
//! It reads only; reading one resource and writing are in `resources.rs`.

use std::io::{self, Write};
use std::ops::ControlFlow;

use super::input::{checked_attr_path, checked_filter, usage};
use super::kind::{Family, Kind, names_members};
use super::resources::projection_of;
use super::session::Session;
use crate::cli::resources::ListArgs;
use crate::client::ops::ListQuery;
use crate::output::{Format, split_list};
use crate::scim::filter::{Filter, FilterCheck, ParseOptions, parse_filter_with};
use crate::scim::list::ListPage;
use crate::scim::schema::ResourceSchema;
use crate::text::one_line;

/// The list or search request `args` ask for, each filter and path checked (unless `--raw`);
/// a group list leaves members out unless they are asked for.
fn list_query(session: &Session, kind: &Kind, args: &ListArgs) -> anyhow::Result<ListQuery> {
    let raw = session.global.raw;
    let recorder = session.client.recorder();
    let warn = |text: &str| recorder.warning(text);
    let projection = projection_of(session, &args.projection)?;
    let mut query = ListQuery {
        filter: args
            .filter
            .as_deref()
            .map(|text| checked_filter(text, raw, &warn))
            .transpose()?,
        sort_by: args
            .sort_by
            .as_deref()
            .map(|text| checked_attr_path(text, "--sort-by", raw))
            .transpose()?,
        sort_order: args
            .sort_order
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(usage)?,
        attributes: projection.attributes,
        excluded_attributes: projection.excluded_attributes,
        start_index: args.start_index,
        count: args.count,
        search: args.search,
    };
    if kind.family == Family::Group && !members_requested(session, &query) {
        // Member lists can be huge and slow (FusionAuth/fusionauth-issues#3307); Entra asks
        // the same way.
        query.excluded_attributes.push("members".to_owned());
    }
    Ok(query)
}

pub(super) async fn list(session: &mut Session, kind: &Kind, args: ListArgs) -> anyhow::Result<()> {
    let query = list_query(session, kind, &args)?;
    let schema = kind.display_schema();
    let sent_filter = match &query.filter {
        Some(text) if !args.no_verify_filter => parse_sent_filter(session, text),
        _ => None,
    };
    let mut check = sent_filter
        .as_ref()
        .and_then(|filter| filter_check(session, filter, &schema, &query));
    let columns = kind.columns(&query.attributes, session.global.wide);
    let mut printer = session.printer(columns, kind.display_schema())?;
    let format = printer.format();
    if args.all {
        let mut failed: Option<io::Error> = None;
        let summary = {
            let mut listing = printer.list();
            let summary = session
                .client
                .list_all(&kind.endpoint, &query, |page| {
                    if let Some(check) = check.as_mut() {
                        for resource in page {
                            check.admit(resource);
                        }
                    }
                    let outcome = if format == Format::Raw {
                        write_raw_page(session.last_body())
                    } else {
                        listing.page(page)
                    };
                    match outcome {
                        Ok(()) => ControlFlow::Continue(()),
                        Err(error) => {
                            failed = Some(error);
                            ControlFlow::Break(())
                        }
                    }
                })
                .await?;
            if let Some(error) = failed {
                return Err(error.into());
            }
            listing.finish()?;
            summary
        };
        for tolerated in &summary.tolerated {
            session.client.recorder().verbose_warning(tolerated);
        }
        warn_of_mismatches(session, check.as_ref(), &query);
        let line = format!("paging: {summary}");
        if summary.stop.is_normal() && summary.gap.unwrap_or(0) == 0 && summary.duplicates == 0 {
            session.note(&line);
        } else {
            session.client.recorder().warning(&line);
        }
        return Ok(());
    }
    let page = session.client.list(&kind.endpoint, &query).await?;
    for tolerated in &page.tolerated {
        session.client.recorder().verbose_warning(tolerated);
    }
    if format == Format::Raw {
        write_raw_page(session.last_body())?;
    } else {
        let mut listing = printer.list();
        listing.page(&page.resources)?;
        listing.finish()?;
    }
    if let Some(check) = check.as_mut() {
        for resource in &page.resources {
            check.admit(resource);
        }
    }
    warn_of_mismatches(session, check.as_ref(), &query);
    if let Some(note) = partial_page_note(&page, query.start_index, &kind.name) {
        session.note(&note);
    }
    Ok(())
}

/// The note under a page that holds part of the result. Where it starts is the server's
/// `startIndex`, else the one asked for, else 1 (RFC 7644 §3.4.2.4's default).
fn partial_page_note(page: &ListPage, asked_start: Option<u64>, name: &str) -> Option<String> {
    let total = page.total_results?;
    let shown = page.resources.len() as u64;
    let first = page.start_index.or(asked_start).unwrap_or(1);
    (total > shown)
        .then(|| format!("{shown} of {total} {name}s (from {first}); --all follows every page"))
}

/// The filter a list sent, as scimctl reads it: leniently, as it was checked before sending,
/// but strictly under `--raw`, where the server got the text as typed. `None`, noted at `-v`,
/// when it does not parse.
fn parse_sent_filter(session: &Session, text: &str) -> Option<Filter> {
    let options = if session.global.raw {
        ParseOptions::default()
    } else {
        ParseOptions::lenient()
    };
    match parse_filter_with(text, options) {
        Ok(parsed) => Some(parsed.filter),
        Err(_) => {
            session.client.recorder().verbose_warning(
                "the answer is not checked against the filter: scimctl cannot parse it",
            );
            None
        }
    }
}

/// The check of a list's answer against `filter` (the code `users get --user-name` verifies
/// its hits with), unless the answer cannot be judged: then `-v` says why.
fn filter_check<'a>(
    session: &Session,
    filter: &'a Filter,
    schema: &'a ResourceSchema,
    query: &ListQuery,
) -> Option<FilterCheck<'a>> {
    match FilterCheck::new(
        filter,
        schema,
        &query.attributes,
        &query.excluded_attributes,
    ) {
        Ok(check) => Some(check),
        Err(why) => {
            session.client.recorder().verbose_warning(&format!(
                "the answer is not checked against the filter: {why}"
            ));
            None
        }
    }
}

/// One warning when resources that do not match the filter came back: the server ignored it,
/// or its `eq` matches substrings (Metatavu/keycloak-scim-server#67).
fn warn_of_mismatches(session: &Session, check: Option<&FilterCheck<'_>>, query: &ListQuery) {
    let (Some(check), Some(filter)) = (check, &query.filter) else {
        return;
    };
    if check.mismatched() > 0 {
        session.client.recorder().warning(&format!(
            "the server ignored or misapplied the filter: {} of {} resources do not match `{}` \
             (RFC 7644 §3.4.2.2; --no-verify-filter turns this check off)",
            check.mismatched(),
            check.checked(),
            one_line(filter)
        ));
    }
}

/// Whether the user asked for group members, so they must not be excluded.
fn members_requested(session: &Session, query: &ListQuery) -> bool {
    let fields = session
        .global
        .fields
        .as_deref()
        .map(split_list)
        .unwrap_or_default();
    query
        .attributes
        .iter()
        .chain(&query.excluded_attributes)
        .map(String::as_str)
        .chain(fields)
        .any(names_members)
}

fn write_raw_page(body: Option<Vec<u8>>) -> io::Result<()> {
    let mut out = io::stdout().lock();
    if let Some(body) = body {
        out.write_all(&body)?;
        if !body.ends_with(b"\n") {
            out.write_all(b"\n")?;
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn page(total: Option<u64>, start: Option<u64>, shown: usize) -> ListPage {
        ListPage {
            total_results: total,
            start_index: start,
            items_per_page: None,
            resources: vec![json!({}); shown],
            tolerated: Vec::new(),
        }
    }

    #[test]
    fn a_partial_page_says_where_it_starts_as_the_server_said_or_as_asked() {
        let note = |p: &ListPage, asked| partial_page_note(p, asked, "User");
        assert_eq!(
            note(&page(Some(10), Some(5), 2), Some(5)).as_deref(),
            Some("2 of 10 Users (from 5); --all follows every page")
        );
        assert_eq!(
            note(&page(Some(10), None, 2), Some(5)).as_deref(),
            Some("2 of 10 Users (from 5); --all follows every page"),
            "a server that leaves startIndex out is read as starting where asked"
        );
        assert_eq!(
            note(&page(Some(10), None, 2), None).as_deref(),
            Some("2 of 10 Users (from 1); --all follows every page")
        );
        assert_eq!(
            note(&page(Some(2), Some(1), 2), None),
            None,
            "the whole result"
        );
        assert_eq!(
            note(&page(None, None, 2), None),
            None,
            "no total, nothing to say"
        );
    }
}
