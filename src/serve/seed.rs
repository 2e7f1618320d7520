//! Seed files for `scimctl serve --seed FILE`: users and groups the server starts with, read
//! from JSON or CSV. It stores nothing itself: loading goes through the store like any POST.
//!
//! - JSON: `{"Users": [...], "Groups": [...]}`. A user may carry its own `id`, which is kept
//!   (so demo URLs are stable); without one the server assigns one. `schemas` may be omitted.
//!   A group member's `value` names a user by id or by userName (case-insensitively), or an
//!   earlier group by id or displayName.
//! - CSV: users only. The header row holds SCIM attribute paths, such as
//!   `userName,name.givenName,name.familyName,emails[type eq "work"].value,active`; each row is
//!   one user. Empty cells are left out; cells of boolean or integer attributes are converted.
//!
//! Parsing is pure; loading goes through the store like any POST, so a seed obeys the same
//! validation and uniqueness rules as a client.

use serde_json::{Map, Value};

use crate::exit::Exit;
use crate::scim::filter::{CompValue, CompareOp, Filter};
use crate::scim::model::{GROUP_SCHEMA, ScimError, USER_SCHEMA};
use crate::scim::path::{AttrPath, PatchPath};
use crate::scim::resource::get_ci;
use crate::scim::schema::AttrType;
use crate::serve::protocol;
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

    /// Reads a CSV file of users whose header row holds attribute paths.
    pub fn from_csv(text: &str) -> Result<Seed, SeedError> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| csv_error(&e, 1))?.clone();
        let columns: Vec<Column> = headers
            .iter()
            .map(Column::parse)
            .collect::<Result<_, _>>()
            .map_err(|message| SeedError::Csv { line: 1, message })?;
        let mut users = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(&e, 0))?;
            let line = record.position().map_or(0, |p| p.line());
            let mut user = Value::Object(Map::new());
            for (column, cell) in columns.iter().zip(record.iter()) {
                if cell.is_empty() {
                    continue;
                }
                column
                    .write(&mut user, cell)
                    .map_err(|message| SeedError::Csv { line, message })?;
            }
            users.push(user);
        }
        Ok(Seed {
            users,
            groups: Vec::new(),
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

fn csv_error(error: &csv::Error, line: u64) -> SeedError {
    SeedError::Csv {
        line: error.position().map_or(line, |p| p.line()),
        message: error.to_string(),
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

/// One CSV column: where its cells go in the user.
#[derive(Debug)]
struct Column {
    /// The attribute (with URN) holding the value, or the multi-valued attribute.
    attr: AttrPath,
    /// For `emails[type eq "work"].value`: the element's identifying fields (`type: work`).
    element: Option<Vec<(String, Value)>>,
    /// The sub-attribute written in the element (`value`).
    sub: Option<String>,
    kind: AttrType,
    multi_valued: bool,
}

impl Column {
    fn parse(header: &str) -> Result<Column, String> {
        let path = protocol::parse_patch_path(header)
            .map_err(|e| format!("column `{header}`: {}", e.detail))?;
        let (attr, element, sub) = match path {
            PatchPath::Attr(attr) => {
                let sub = attr.sub.clone();
                (AttrPath { sub: None, ..attr }, None, sub)
            }
            PatchPath::Filtered { attr, filter, sub } => {
                let mut fields = Vec::new();
                equalities(&filter, &mut fields).map_err(|()| {
                    format!("column `{header}`: only `eq` and `and` can select an element")
                })?;
                (attr, Some(fields), sub)
            }
        };
        let schema = Store::schema(Kind::User);
        let full = AttrPath {
            sub: sub.clone(),
            ..attr.clone()
        };
        let resolved = schema.resolve(&full);
        Ok(Column {
            kind: resolved.map_or(AttrType::String, |r| r.target().attr_type),
            multi_valued: schema
                .resolve(&attr)
                .is_some_and(|r| r.attribute.multi_valued),
            attr,
            element,
            sub,
        })
    }

    fn write(&self, user: &mut Value, cell: &str) -> Result<(), String> {
        let value = match self.kind {
            AttrType::Boolean => match cell.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Value::Bool(true),
                "false" | "no" | "0" => Value::Bool(false),
                _ => return Err(format!("`{cell}` is not a boolean")),
            },
            AttrType::Integer => cell
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("`{cell}` is not an integer"))?,
            _ => Value::from(cell),
        };
        let mut target = user;
        if let Some(urn) = &self.attr.urn
            && !urn.eq_ignore_ascii_case(USER_SCHEMA)
        {
            target = object_entry(target, urn);
        }
        if self.element.is_some() || (self.multi_valued && self.sub.is_some()) {
            let Some(list) = array_entry(target, &self.attr.name) else {
                return Ok(());
            };
            let fields = self.element.clone().unwrap_or_default();
            let position = list
                .iter()
                .position(|item| fields.iter().all(|(k, v)| item.get(k.as_str()) == Some(v)));
            let index = match position {
                Some(index) => index,
                None => {
                    list.push(Value::Object(fields.into_iter().collect()));
                    list.len() - 1
                }
            };
            let Some(element) = list.get_mut(index) else {
                return Ok(());
            };
            insert(element, self.sub.as_deref().unwrap_or("value"), value);
            return Ok(());
        }
        match &self.sub {
            Some(sub) => insert(object_entry(target, &self.attr.name), sub, value),
            None => insert(target, &self.attr.name, value),
        }
        Ok(())
    }
}

fn equalities(filter: &Filter, fields: &mut Vec<(String, Value)>) -> Result<(), ()> {
    match filter {
        Filter::Compare(path, CompareOp::Eq, value) if path.sub.is_none() => {
            let value = match value {
                CompValue::String(s) => Value::from(s.as_str()),
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Number(n) => Value::Number(n.clone()),
                CompValue::Null => Value::Null,
            };
            fields.push((path.name.clone(), value));
            Ok(())
        }
        Filter::And(a, b) => {
            equalities(a, fields)?;
            equalities(b, fields)
        }
        _ => Err(()),
    }
}

fn insert(target: &mut Value, key: &str, value: Value) {
    if let Some(object) = target.as_object_mut() {
        object.insert(key.to_string(), value);
    }
}

fn object_entry<'a>(target: &'a mut Value, key: &str) -> &'a mut Value {
    if !target.get(key).is_some_and(Value::is_object) {
        insert(target, key, Value::Object(Map::new()));
    }
    match target {
        Value::Object(object) => object.entry(key).or_insert(Value::Null),
        other => other,
    }
}

fn array_entry<'a>(target: &'a mut Value, key: &str) -> Option<&'a mut Vec<Value>> {
    if !target.get(key).is_some_and(Value::is_array) {
        insert(target, key, Value::Array(Vec::new()));
    }
    target.get_mut(key)?.as_array_mut()
}
