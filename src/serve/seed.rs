//! Seed files for `scimctl serve --seed FILE`: users and groups the server starts with, read
//! from JSON or CSV. It stores nothing itself: loading goes through the store like any POST.
//!
//! - JSON: `{"Users": [...], "Groups": [...]}`. A user may carry its own `id`, which is kept
//!   (so demo URLs are stable); without one the server assigns one. `schemas` may be omitted.
//!   A group member's `value` names a user by id or by userName (case-insensitively), or an
//!   earlier group by id or displayName.
//! - CSV: one user per row, read with `scimctl import`'s column mapping
//!   ([`crate::import::mapping`]): headers are SCIM paths
//!   (`userName,name.givenName,emails[type eq "work"].value,active`) or the aliases import knows
//!   (`First Name`, `mail`, `department`), and a `groups` column names the user's groups. Empty
//!   cells are left out; cells are typed by the schema.
//!
//! Parsing is pure; loading goes through the store like any POST, so a seed obeys the same
//! validation and uniqueness rules as a client.

use serde_json::Value;

use crate::exit::Exit;
use crate::import::mapping::{EmptyCells, ImportKind, Link, Mapping};
use crate::import::source::{CsvSource, InputError};
use crate::scim::model::{GROUP_SCHEMA, ScimError, USER_SCHEMA};
use crate::scim::resource::get_ci;
use crate::serve::store::{Kind, Store};

/// Users and groups to load at start-up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seed {
    pub users: Vec<Value>,
    pub groups: Vec<Value>,
}

/// What is wrong with a seed file, and where. Always a usage error (exit 2).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SeedError {
    /// The text is not a seed document.
    #[error("{0}")]
    Format(String),
    /// A CSV header or cell cannot be read.
    #[error("line {line}: {message}")]
    Csv { line: u64, message: String },
    /// The server refused a resource: `at` is like `Users[3]`.
    #[error("{at}: {error}")]
    Rejected { at: String, error: ScimError },
}

impl SeedError {
    /// The exit code: a seed is input, so any problem with it is a usage error.
    pub fn exit(&self) -> Exit {
        Exit::Usage
    }
}

impl Seed {
    /// Reads a JSON seed document.
    pub fn from_json(text: &str) -> Result<Seed, SeedError> {
        let document: Value = serde_json::from_str(text)
            .map_err(|e| SeedError::Format(format!("not valid JSON: {e}")))?;
        if !document.is_object() {
            return Err(SeedError::Format(
                "a JSON seed is an object with `Users` and `Groups` arrays".into(),
            ));
        }
        let list = |key: &str| -> Result<Vec<Value>, SeedError> {
            match get_ci(&document, key) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => Ok(items.clone()),
                Some(_) => Err(SeedError::Format(format!("`{key}` must be an array"))),
            }
        };
        Ok(Seed {
            users: list("Users")?,
            groups: list("Groups")?,
        })
    }

    /// Reads a CSV file of users with the column mapping of `scimctl import users`: headers are
    /// SCIM paths or the aliases import knows, and a `groups` column (`;`-separated names) puts
    /// each user in groups, created in the order they are first named.
    pub fn from_csv(input: impl AsRef<[u8]>) -> Result<Seed, SeedError> {
        let csv_error = |line, message: String| SeedError::Csv { line, message };
        let mut source =
            CsvSource::open(input.as_ref(), None).map_err(|e| csv_error(1, e.to_string()))?;
        let schema = Store::schema(Kind::User);
        let mapping = Mapping::new(ImportKind::Users, source.headers(), schema, None, false)
            .map_err(|e| csv_error(1, e.to_string()))?;
        if let Some(column) = mapping.link_column(Link::Manager) {
            return Err(csv_error(
                1,
                format!(
                    "column `{}`: a seed cannot set managers (their ids are not known before the \
                     server starts); import the file with `scimctl import users` instead",
                    column.header
                ),
            ));
        }
        let width = source.headers().len();
        let mut users = Vec::new();
        let mut groups: Vec<(String, Vec<Value>)> = Vec::new();
        for record in source.by_ref() {
            let record = record.map_err(|e| match e {
                InputError::NotUtf8 { line, .. } | InputError::Malformed { line, .. } => {
                    csv_error(line, e.to_string())
                }
                other => csv_error(0, other.to_string()),
            })?;
            if record.cells.len() != width {
                return Err(csv_error(
                    record.line,
                    format!("{} cells, but the header has {width}", record.cells.len()),
                ));
            }
            let cells: Vec<&str> = record.cells.iter().map(String::as_str).collect();
            let row = mapping
                .read(&cells, EmptyCells::Ignored)
                .map_err(|errors| {
                    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
                    csv_error(record.line, messages.join("; "))
                })?;
            let user = mapping.resource(&row);
            let user_name = get_ci(&user, "userName").cloned().unwrap_or_default();
            for (_, names) in &row.links {
                for name in names {
                    let member = serde_json::json!({ "value": user_name });
                    match groups
                        .iter_mut()
                        .find(|(g, _)| g.eq_ignore_ascii_case(name))
                    {
                        Some((_, members)) => members.push(member),
                        None => groups.push((name.clone(), vec![member])),
                    }
                }
            }
            users.push(user);
        }
        Ok(Seed {
            users,
            groups: groups
                .into_iter()
                .map(|(name, members)| {
                    serde_json::json!({ "displayName": name, "members": members })
                })
                .collect(),
        })
    }

    /// Creates every user, then every group, through the store's ordinary validation.
    pub fn load_into(&self, store: &mut Store) -> Result<(), SeedError> {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        for (index, user) in self.users.iter().enumerate() {
            let at = format!("Users[{index}]");
            create(store, Kind::User, user, &now, &at)?;
        }
        for (index, group) in self.groups.iter().enumerate() {
            let at = format!("Groups[{index}]");
            let mut group = group.clone();
            resolve_member_names(store, &mut group, &at)?;
            create(store, Kind::Group, &group, &now, &at)?;
        }
        Ok(())
    }
}

fn create(
    store: &mut Store,
    kind: Kind,
    body: &Value,
    now: &str,
    at: &str,
) -> Result<(), SeedError> {
    let rejected = |error| SeedError::Rejected {
        at: at.to_string(),
        error,
    };
    let mut body = body.clone();
    let Some(object) = body.as_object_mut() else {
        return Err(rejected(ScimError::status(400, "must be a JSON object")));
    };
    if get_ci(object, "schemas").is_none() {
        let core = match kind {
            Kind::User => USER_SCHEMA,
            Kind::Group => GROUP_SCHEMA,
        };
        let mut schemas = vec![Value::from(core)];
        for key in object.keys() {
            if key.starts_with("urn:") {
                schemas.push(Value::from(key.as_str()));
            }
        }
        object.insert("schemas".into(), Value::Array(schemas));
    }
    let id = get_ci(&body, "id")
        .and_then(Value::as_str)
        .map(str::to_string);
    match id {
        Some(id) => store.create_with_id(kind, body, now, id),
        None => store.create(kind, body, now),
    }
    .map(|_| ())
    .map_err(rejected)
}

/// Rewrites each member `value` that names a user or group into its id.
fn resolve_member_names(store: &Store, group: &mut Value, at: &str) -> Result<(), SeedError> {
    let Some(members) = group
        .as_object_mut()
        .and_then(|o| {
            o.iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case("members"))
        })
        .and_then(|(_, v)| v.as_array_mut())
    else {
        return Ok(());
    };
    for (index, member) in members.iter_mut().enumerate() {
        let Some(Value::String(name)) = member.get("value").cloned() else {
            continue;
        };
        let id =
            if store.get(Kind::User, &name).is_some() || store.get(Kind::Group, &name).is_some() {
                Some(name.clone())
            } else if let Some(user) = store.user_by_name(&name) {
                Some(user.id().to_string())
            } else {
                store
                    .search(Kind::Group, None, None)
                    .ok()
                    .and_then(|groups| {
                        groups.into_iter().find(|g| {
                            get_ci(&g.resource, "displayName")
                                .and_then(Value::as_str)
                                .is_some_and(|d| d.eq_ignore_ascii_case(&name))
                        })
                    })
                    .map(|g| g.id().to_string())
            };
        let Some(id) = id else {
            return Err(SeedError::Rejected {
                at: format!("{at}.members[{index}]"),
                error: ScimError::status(400, format!("no user or group `{name}`")),
            });
        };
        if let Some(object) = member.as_object_mut() {
            object.insert("value".into(), id.into());
        }
    }
    Ok(())
}
