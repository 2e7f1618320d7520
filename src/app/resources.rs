//! `users`, `groups` and `resources TYPE`: one implementation for every resource type, driven
//! by a [`Kind`]; the CLI's per-type argument structs become the generic [`Action`] here. It does
//! not list (`list.rs`) nor change memberships (`members.rs`).

use std::io::{self, BufRead, Write};
use std::path::PathBuf;

use serde_json::{Value, json};

use super::input::{
    attribute_list, build_body, read_json, split_operations, typed_operations, usage,
};
use super::kind::Kind;
use super::session::Session;
use super::{list, members};
use crate::cli::resources::{
    BodyArgs, GroupFields, GroupsCommand, ListArgs, PatchArgs, ProjectionArgs, ReplaceTarget,
    ResourceCommand, UserFields, UsersCommand,
};
use crate::client::ops::{Projection, equals_filter};
use crate::exit::{Exit, ExitError};
use crate::output::render_changes;
use crate::scim::diff::diff;
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
        UsersCommand::Create(args) => {
            Action::Create(Body::new(user_flags(args.fields)?, args.body))
        }
        UsersCommand::Replace(args) => {
            Action::Replace(args.target, Body::new(user_flags(args.fields)?, args.body))
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

/// The types `--email` gives, in order: RFC 7643 §4.1.2's canonical values, each once, as
/// Microsoft Entra requires the `type` values of a multi-valued attribute to be unique.
const EMAIL_TYPES: [&str; 3] = ["work", "home", "other"];

fn user_flags(fields: UserFields) -> Result<Vec<(&'static str, Value)>, ExitError> {
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
    if fields.email.len() > EMAIL_TYPES.len() {
        return Err(usage(format!(
            "--email is given {} times; it types the addresses {} in turn, so give more with \
             --set 'emails=[...]'",
            fields.email.len(),
            EMAIL_TYPES.join(", ")
        )));
    }
    if !fields.email.is_empty() {
        let emails = fields
            .email
            .iter()
            .zip(EMAIL_TYPES)
            .enumerate()
            .map(|(index, (address, kind))| {
                let mut email = json!({"value": address, "type": kind});
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
    Ok(flags)
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
        Action::List(args) => list::list(session, kind, args).await,
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

pub(super) fn projection_of(
    session: &Session,
    args: &ProjectionArgs,
) -> Result<Projection, ExitError> {
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
