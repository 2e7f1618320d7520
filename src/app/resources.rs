//! `users`, `groups` and `resources TYPE`: one implementation for every resource type, driven
//! by a [`Kind`]. The CLI's per-type argument structs are turned into the generic [`Action`]
//! here; membership commands live in `members.rs`.

use std::io::{self, BufRead, Write};
use std::ops::ControlFlow;
use std::path::PathBuf;

use serde_json::{Value, json};

use super::input::{
    attribute_list, build_body, checked_attr_path, checked_filter, read_json, split_operations,
    typed_operations, usage,
};
use super::kind::{Family, Kind, names_members};
use super::members;
use super::session::Session;
use crate::cli::resources::{
    BodyArgs, GroupFields, GroupsCommand, ListArgs, PatchArgs, ProjectionArgs, ReplaceTarget,
    ResourceCommand, UserFields, UsersCommand,
};
use crate::client::ops::{ListQuery, Projection, equals_filter};
use crate::exit::{Exit, ExitError};
use crate::output::{Format, render_changes, split_list};
use crate::scim::diff::diff;
use crate::scim::filter::{Filter, FilterCheck, ParseOptions, parse_filter_with};
use crate::scim::list::ListPage;
use crate::scim::resource::get_ci;
use crate::scim::schema::ResourceSchema;
use crate::text::one_line;

/// Which resource a read names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Id(String),
    /// `attribute eq "value"`, exactly one match expected.
    Lookup {
        attribute: &'static str,
        value: String,
    },
    /// `/Me`.
    Me,
}

/// A command on resources of one kind.
#[derive(Debug)]
pub enum Action {
    List(ListArgs),
    Get(Target, ProjectionArgs),
    Create(Body),
    Replace(ReplaceTarget, Body),
    Patch(PatchArgs),
    SetActive(String, bool),
    Delete(String),
}

/// A request body: flags with fixed paths, plus `--file` and `--set`.
#[derive(Debug, Default)]
pub struct Body {
    pub flags: Vec<(&'static str, Value)>,
    pub file: Option<PathBuf>,
    pub sets: Vec<String>,
}

impl Body {
    fn new(flags: Vec<(&'static str, Value)>, args: BodyArgs) -> Body {
        Body {
            flags,
            file: args.file,
            sets: args.set,
        }
    }
}

/// `scimctl users ...`
pub async fn users(session: &mut Session, command: UsersCommand) -> anyhow::Result<()> {
    let action = match command {
        UsersCommand::List(args) => Action::List(args),
        UsersCommand::Get(args) => {
            let lookups = [
                ("userName", args.user_name),
                ("externalId", args.external_id),
            ];
            let target = target(args.id, lookups, args.me)?;
            Action::Get(target, args.projection)
        }
        UsersCommand::Create(args) => Action::Create(Body::new(user_flags(args.fields), args.body)),
        UsersCommand::Replace(args) => {
            Action::Replace(args.target, Body::new(user_flags(args.fields), args.body))
        }
        UsersCommand::Patch(args) => Action::Patch(args),
        UsersCommand::Activate(args) => Action::SetActive(args.id, true),
        UsersCommand::Deactivate(args) => Action::SetActive(args.id, false),
        UsersCommand::Delete(args) => Action::Delete(args.id),
    };
    run(session, &Kind::users(), action).await
}

/// `scimctl groups ...`
pub async fn groups(session: &mut Session, command: GroupsCommand) -> anyhow::Result<()> {
    let kind = Kind::groups();
    let action = match command {
        GroupsCommand::List(args) => Action::List(args),
        GroupsCommand::Get(args) => {
            let lookups = [
                ("displayName", args.display_name),
                ("externalId", args.external_id),
            ];
            Action::Get(target(args.id, lookups, false)?, args.projection)
        }
        GroupsCommand::Create(args) => {
            Action::Create(Body::new(group_flags(args.fields), args.body))
        }
        GroupsCommand::Replace(args) => {
            Action::Replace(args.target, Body::new(group_flags(args.fields), args.body))
        }
        GroupsCommand::Patch(args) => Action::Patch(args),
        GroupsCommand::Delete(args) => Action::Delete(args.id),
        GroupsCommand::Members(args) => return members::list(session, &kind, &args.id).await,
        GroupsCommand::AddMember(args) => return members::change(session, &kind, args, true).await,
        GroupsCommand::RemoveMember(args) => {
            return members::change(session, &kind, args, false).await;
        }
    };
    run(session, &kind, action).await
}

/// `scimctl resources TYPE ...`: the type is looked up in discovery (case-insensitively).
pub async fn resources(
    session: &mut Session,
    type_name: &str,
    command: ResourceCommand,
) -> anyhow::Result<()> {
    let discovery = session.discovery().await;
    let Some(resource_type) = discovery.resource_type(type_name) else {
        let known: Vec<String> = discovery
            .resource_types
            .iter()
            .map(|rt| one_line(&rt.name))
            .collect();
        let listed = if known.is_empty() {
            "the server lists none".to_owned()
        } else {
            format!("the server lists {}", known.join(", "))
        };
        return Err(usage(format!(
            "unknown resource type `{}`: {listed}",
            one_line(type_name)
        ))
        .into());
    };
    let mut kind = Kind::from_resource_type(&resource_type);
    if kind.builtin_schema.is_none() {
        kind.builtin_schema = discovery.resource_schema_for(&resource_type.name);
    }
    let action = match command {
        ResourceCommand::List(args) => Action::List(args),
        ResourceCommand::Get(args) => {
            let lookups = [("externalId", args.external_id)];
            Action::Get(target(args.id, lookups, false)?, args.projection)
        }
        ResourceCommand::Create(args) => Action::Create(Body::new(Vec::new(), args)),
        ResourceCommand::Replace(args) => {
            Action::Replace(args.target, Body::new(Vec::new(), args.body))
        }
        ResourceCommand::Patch(args) => Action::Patch(args),
        ResourceCommand::Delete(args) => Action::Delete(args.id),
    };
    run(session, &kind, action).await
}

/// The resource a `get` names: `/Me`, else the first lookup given, else the id (clap makes
/// sure one of them is there).
fn target<const N: usize>(
    id: Option<String>,
    lookups: [(&'static str, Option<String>); N],
    me: bool,
) -> Result<Target, ExitError> {
    if me {
        return Ok(Target::Me);
    }
    let lookup = lookups
        .into_iter()
        .find_map(|(attribute, value)| value.map(|value| Target::Lookup { attribute, value }));
    lookup
        .or(id.map(Target::Id))
        .ok_or_else(|| usage("give the resource's id, or a flag to look it up by"))
}

fn user_flags(fields: UserFields) -> Vec<(&'static str, Value)> {
    let mut flags = Vec::new();
    let mut text = |path: &'static str, value: Option<String>| {
        if let Some(value) = value {
            flags.push((path, Value::String(value)));
        }
    };
    text("userName", fields.user_name);
    text("name.givenName", fields.given_name);
    text("name.familyName", fields.family_name);
    text("displayName", fields.display_name);
    text("externalId", fields.external_id);
    if !fields.email.is_empty() {
        let emails = fields
            .email
            .iter()
            .enumerate()
            .map(|(index, address)| {
                let mut email = json!({"value": address, "type": "work"});
                if index == 0 {
                    email["primary"] = json!(true);
                }
                email
            })
            .collect();
        flags.push(("emails", Value::Array(emails)));
    }
    if let Some(active) = fields.active {
        flags.push(("active", Value::Bool(active)));
    }
    flags
}

fn group_flags(fields: GroupFields) -> Vec<(&'static str, Value)> {
    let mut flags = Vec::new();
    if let Some(name) = fields.display_name {
        flags.push(("displayName", Value::String(name)));
    }
    if let Some(external_id) = fields.external_id {
        flags.push(("externalId", Value::String(external_id)));
    }
    if !fields.member.is_empty() {
        let members = fields
            .member
            .iter()
            .map(|id| json!({"value": id}))
            .collect();
        flags.push(("members", Value::Array(members)));
    }
    flags
}

/// Runs one action on resources of `kind`.
pub async fn run(session: &mut Session, kind: &Kind, action: Action) -> anyhow::Result<()> {
    match action {
        Action::List(args) => list(session, kind, args).await,
        Action::Get(target, projection) => {
            let projection = projection_of(session, &projection)?;
            let resource = read(session, kind, &target, &projection).await?;
            print_resource(session, kind, &resource, &projection.attributes)
        }
        Action::Create(body) => create(session, kind, body).await,
        Action::Replace(target, body) => replace(session, kind, target, body).await,
        Action::Patch(args) => patch(session, kind, args).await,
        Action::SetActive(id, active) => {
            let body = session.dialect.set_active(active);
            write_patch(session, kind, &id, &body).await
        }
        Action::Delete(id) => delete(session, kind, &id).await,
    }
}

fn projection_of(session: &Session, args: &ProjectionArgs) -> Result<Projection, ExitError> {
    let raw = session.global.raw;
    Ok(Projection {
        attributes: match &args.attributes {
            Some(text) => attribute_list(text, "--attributes", raw)?,
            None => Vec::new(),
        },
        excluded_attributes: match &args.excluded_attributes {
            Some(text) => attribute_list(text, "--excluded-attributes", raw)?,
            None => Vec::new(),
        },
    })
}

/// Reads one resource: by id, by a unique attribute, or `/Me`.
pub async fn read(
    session: &Session,
    kind: &Kind,
    target: &Target,
    projection: &Projection,
) -> anyhow::Result<Value> {
    let client = &session.client;
    Ok(match target {
        Target::Id(id) => client.get(&kind.endpoint, id, projection).await?,
        Target::Me => client.me(projection).await?,
        Target::Lookup { attribute, value } => {
            let filter = equals_filter(attribute, value);
            client
                .find_unique(&kind.endpoint, &filter, &kind.display_schema())
                .await
                .map_err(|error| ExitError::new(error.exit(), error))?
        }
    })
}

async fn list(session: &mut Session, kind: &Kind, args: ListArgs) -> anyhow::Result<()> {
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
        // Member lists can be huge and slow (field guide §5 #18); Entra asks the same way.
        query.excluded_attributes.push("members".to_owned());
    }
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
/// or its `eq` matches substrings (field guide §5 #2).
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

/// Prints one resource, read with `attributes` (empty for the default set).
fn print_resource(
    session: &Session,
    kind: &Kind,
    resource: &Value,
    attributes: &[String],
) -> anyhow::Result<()> {
    let columns = kind.columns(attributes, session.global.wide);
    let mut printer = session.printer(columns, kind.display_schema())?;
    let raw = session.last_body();
    printer.resource(resource, raw.as_deref())?;
    Ok(())
}

/// The schemas for typing `--set` and PATCH values: the server's from discovery, else the
/// RFC's.
async fn typing_schema(session: &mut Session, kind: &Kind) -> ResourceSchema {
    let discovered = session
        .discovery()
        .await
        .resource_schema_for(&kind.endpoint);
    discovered
        .or_else(|| kind.builtin_schema.clone())
        .unwrap_or_else(|| ResourceSchema {
            core: crate::scim::schema::Schema {
                id: kind.core_schema.clone(),
                name: kind.name.clone(),
                description: String::new(),
                attributes: Vec::new(),
            },
            extensions: Vec::new(),
        })
}

async fn body_of(session: &mut Session, kind: &Kind, body: Body) -> anyhow::Result<Value> {
    let schema = if body.sets.is_empty() {
        kind.display_schema()
    } else {
        typing_schema(session, kind).await
    };
    let file = match &body.file {
        Some(path) => Some(read_json(path).await?),
        None => None,
    };
    Ok(build_body(
        kind.body_skeleton(),
        file,
        body.flags,
        &body.sets,
        &schema,
    )?)
}

async fn create(session: &mut Session, kind: &Kind, body: Body) -> anyhow::Result<()> {
    let body = body_of(session, kind, body).await?;
    let body = kind.shape_create(session.dialect, &body);
    let created = session.client.create(&kind.endpoint, &body).await?;
    let Some(created) = created else {
        session.note(&format!(
            "created a {}; the server returned no body",
            kind.name
        ));
        return Ok(());
    };
    if session.global.diff {
        let after = match id_of(&created) {
            Some(id) => {
                session
                    .client
                    .get(&kind.endpoint, &id, &Projection::default())
                    .await?
            }
            None => created.clone(),
        };
        session.note(&render_changes(
            &diff(&json!({}), &after),
            session.stderr_color,
        ));
    }
    print_resource(session, kind, &created, &[])
}

async fn replace(
    session: &mut Session,
    kind: &Kind,
    target: ReplaceTarget,
    body: Body,
) -> anyhow::Result<()> {
    let body = body_of(session, kind, body).await?;
    let auto = target
        .if_match
        .as_deref()
        .is_some_and(|tag| tag.eq_ignore_ascii_case("auto"));
    let mut before = None;
    let if_match = if auto {
        let fetched = session
            .client
            .get_with_etag(&kind.endpoint, &target.id, &Projection::default())
            .await?;
        if fetched.etag.is_none() {
            session.client.recorder().warning(&format!(
                "{} {} has no ETag or meta.version; replacing without If-Match",
                kind.name, target.id
            ));
        }
        before = Some(fetched.resource);
        fetched.etag
    } else {
        target.if_match.clone()
    };
    if session.global.diff && before.is_none() {
        before = Some(
            session
                .client
                .get(&kind.endpoint, &target.id, &Projection::default())
                .await?,
        );
    }
    let answer = session
        .client
        .replace(&kind.endpoint, &target.id, &body, if_match.as_deref())
        .await?;
    finish_write(
        session,
        kind,
        &target.id,
        before.filter(|_| session.global.diff),
        answer,
    )
    .await
}

async fn patch(session: &mut Session, kind: &Kind, args: PatchArgs) -> anyhow::Result<()> {
    let body = match &args.file {
        Some(path) => read_json(path).await?,
        None => {
            let operations = split_operations(&args.operations)?;
            let schema = if operations.iter().any(|op| op.value.is_some()) {
                typing_schema(session, kind).await
            } else {
                kind.display_schema()
            };
            let recorder = session.client.recorder();
            let steps = typed_operations(&operations, &schema, session.global.raw, &|text| {
                recorder.warning(text);
            })?;
            session.dialect.patch_body(&steps)
        }
    };
    write_patch(session, kind, &args.id, &body).await
}

/// Sends a PatchOp body, with `--diff` around it.
async fn write_patch(
    session: &mut Session,
    kind: &Kind,
    id: &str,
    body: &Value,
) -> anyhow::Result<()> {
    let before = if session.global.diff {
        Some(
            session
                .client
                .get(&kind.endpoint, id, &Projection::default())
                .await?,
        )
    } else {
        None
    };
    let answer = session.client.patch(&kind.endpoint, id, body).await?;
    finish_write(session, kind, id, before, answer).await
}

/// After a PUT or PATCH: the diff (when a `before` was read) and the resource, read again when
/// the server answered 204 without one.
async fn finish_write(
    session: &mut Session,
    kind: &Kind,
    id: &str,
    before: Option<Value>,
    answer: Option<Value>,
) -> anyhow::Result<()> {
    let after = match (&before, &answer) {
        (Some(_), _) | (None, None) => Some(
            session
                .client
                .get(&kind.endpoint, id, &Projection::default())
                .await?,
        ),
        (None, Some(_)) => None,
    };
    if let (Some(before), Some(after)) = (&before, &after) {
        session.note(&render_changes(&diff(before, after), session.stderr_color));
    }
    match answer.or(after) {
        Some(resource) => print_resource(session, kind, &resource, &[]),
        None => Ok(()),
    }
}

async fn delete(session: &mut Session, kind: &Kind, id: &str) -> anyhow::Result<()> {
    if !session.global.yes {
        if !session.can_ask() {
            return Err(usage(format!(
                "refusing to delete {} {id} without confirmation",
                kind.name
            ))
            .with_hint("pass --yes to delete without asking")
            .into());
        }
        if !confirm(&format!("delete {} {id}? [y/N] ", kind.name)).await? {
            return Err(ExitError::new(Exit::Usage, anyhow::anyhow!("not deleted")).into());
        }
    }
    session.client.delete(&kind.endpoint, id).await?;
    session.note(&format!("deleted {} {id}", kind.name));
    Ok(())
}

/// Asks on stderr and reads one line from stdin: yes only for `y` or `yes`. The line is read
/// on a blocking thread, so Ctrl-C at the question ends the command (exit 130) at once.
async fn confirm(question: &str) -> io::Result<bool> {
    {
        let mut stderr = io::stderr().lock();
        stderr.write_all(question.as_bytes())?;
        stderr.flush()?;
    }
    let answer = tokio::task::spawn_blocking(|| {
        let mut answer = String::new();
        io::stdin().lock().read_line(&mut answer).map(|_| answer)
    })
    .await
    .map_err(io::Error::other)??;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// A resource's `id` as text.
pub fn id_of(resource: &Value) -> Option<String> {
    match resource.as_object().and_then(|map| get_ci(map, "id"))? {
        Value::String(id) => Some(id.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
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
