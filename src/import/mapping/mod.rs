//! Column mapping: which SCIM attribute each CSV column fills, and how a row's cells become
//! attribute values. One mapping serves `scimctl import` and `serve --seed`'s CSV reader; it
//! never reads files nor talks to a server: callers hand it headers and cells.
//!
//! A header is read, in this order, as:
//! 1. an entry of the `--map` file (rename, constant, simple transforms);
//! 2. a common alias, compared without case, spaces, `_`, `-` and `.`: a core or enterprise
//!    attribute's own name (`givenName`, `department`), or what HR and directory exports write
//!    (`First Name`, `given_name`, `surname`, `mail`, `work email`, `mobile`, `enabled`, ...);
//! 3. a SCIM attribute path the schema knows (`name.givenName`, `emails[type eq "work"].value`,
//!    `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`), or any path
//!    qualified with an extension URN;
//! 4. an Entra bulk-template header, `Label [property]`, whose property is read as in 2 and 3
//!    (`Block sign in (Yes/No) [accountEnabled]` is `active`, inverted).
//!
//! Anything else is unknown, reported with the closest known names. PURE: the SCIM core,
//! serde_json, toml and chrono's parser only; no I/O. `aliases` holds the spellings,
//! `headers` the reading of a header, `slot` where a value goes in a resource.

use std::fmt;

use serde_json::{Map, Value};

use crate::scim::diag::closest_names;
use crate::scim::filter::{CompValue, CompareOp, Filter};
use crate::scim::model::{GROUP_SCHEMA, USER_SCHEMA};
use crate::scim::path::{AttrPath, PatchPath, parse_patch_path};
use crate::scim::resource::{find_key_ci, get_ci};
use crate::scim::schema::{AttrType, ResourceSchema};

mod aliases;
mod headers;
mod slot;

pub use aliases::{StandardColumn, standard_columns, template};
use aliases::{Target, alias};
use headers::{CellRule, Resolved, resolve_header, suggestions};
pub use headers::{MapFile, Transform};
pub use slot::Slot;

/// The header of the column a rejects file adds; a mapping always ignores it, so a fixed
/// rejects file can be imported as it is.
pub const ERROR_COLUMN: &str = "scimctl_error";

/// What is being imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Users,
    Groups,
}

impl ImportKind {
    /// The endpoint below the base URL.
    pub fn endpoint(self) -> &'static str {
        match self {
            ImportKind::Users => "/Users",
            ImportKind::Groups => "/Groups",
        }
    }

    /// The core schema URN.
    pub fn core_schema(self) -> &'static str {
        match self {
            ImportKind::Users => USER_SCHEMA,
            ImportKind::Groups => GROUP_SCHEMA,
        }
    }

    /// The RFC 7643 schemas of the resource type.
    pub fn builtin_schema(self) -> ResourceSchema {
        match self {
            ImportKind::Users => ResourceSchema::user(),
            ImportKind::Groups => ResourceSchema::group(),
        }
    }

    /// `user` or `group`, for messages.
    pub fn noun(self) -> &'static str {
        match self {
            ImportKind::Users => "user",
            ImportKind::Groups => "group",
        }
    }
}

impl fmt::Display for ImportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ImportKind::Users => "users",
            ImportKind::Groups => "groups",
        })
    }
}

/// A column whose cells are not attribute values but names of other resources, resolved once
/// every row is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Link {
    /// User import: the `;`-separated displayNames of the groups the user is in.
    Groups,
    /// User import: the userName of the user's manager (another row, or an existing user).
    Manager,
    /// Group import: the `;`-separated userNames of the group's members.
    Members,
}

impl Link {
    /// The column header the template and `export` use.
    pub fn header(self) -> &'static str {
        match self {
            Link::Groups => "groups",
            Link::Manager => "manager",
            Link::Members => "members",
        }
    }
}

/// What a column is for.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    /// Its cells are values of the attribute in `slots[index]`.
    Attribute(usize),
    /// Its cells name other resources.
    Link(Link),
    /// Read and left alone (`--ignore-unknown`, `ignore` in the map file, the rejects file's
    /// error column).
    Ignored,
}

/// One column of the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The header as written.
    pub header: String,
    pub role: Role,
    rule: CellRule,
}

/// What an empty cell means.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EmptyCells {
    /// Leave the attribute as it is (the default).
    #[default]
    Ignored,
    /// Clear the attribute (`--empty clears`).
    Clears,
}

/// The value a row gives a slot.
#[derive(Debug, Clone, PartialEq)]
pub enum CellValue {
    Set(Value),
    /// An empty cell under `--empty clears`.
    Clear,
}

/// One row, read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// Values by slot index, in column order; constants last.
    pub values: Vec<(usize, CellValue)>,
    /// The names in each link column.
    pub links: Vec<(Link, Vec<String>)>,
}

/// A cell that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// The column's header.
    pub column: String,
    pub message: String,
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column `{}`: {}", self.column, self.message)
    }
}

/// A header no rule recognises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownColumn {
    pub header: String,
    /// Known names close to it, best first.
    pub suggestions: Vec<String>,
}

/// Why the headers cannot be mapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("{}", unknown_message(.0))]
    Unknown(Vec<UnknownColumn>),
    #[error("columns `{first}` and `{second}` both fill `{target}`")]
    Duplicate {
        first: String,
        second: String,
        target: String,
    },
    #[error("no column gives {what}; {hint}")]
    Missing { what: String, hint: String },
    #[error("the map file: {0}")]
    MapFile(String),
    #[error("column `{header}`: {message}")]
    Column { header: String, message: String },
}

fn unknown_message(unknown: &[UnknownColumn]) -> String {
    let listed: Vec<String> = unknown
        .iter()
        .map(|column| match column.suggestions.as_slice() {
            [] => format!("`{}`", column.header),
            names => format!(
                "`{}` (did you mean {}?)",
                column.header,
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        })
        .collect();
    let noun = if unknown.len() == 1 {
        "column"
    } else {
        "columns"
    };
    format!("unknown {noun}: {}", listed.join(", "))
}

/// The columns of one input, and the constants added to every row.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    pub kind: ImportKind,
    pub columns: Vec<Column>,
    slots: Vec<Slot>,
    constants: Vec<(usize, Value)>,
}

impl Mapping {
    /// Maps `headers` for importing `kind`, typing values by `schema`. Unknown headers are an
    /// error listing all of them, unless `ignore_unknown`.
    pub fn new(
        kind: ImportKind,
        headers: &[String],
        schema: &ResourceSchema,
        map: Option<&MapFile>,
        ignore_unknown: bool,
    ) -> Result<Mapping, MappingError> {
        let mut mapping = Mapping {
            kind,
            columns: Vec::with_capacity(headers.len()),
            slots: Vec::new(),
            constants: Vec::new(),
        };
        let mut unknown = Vec::new();
        for header in headers {
            let role = match resolve_header(kind, header, schema, map)? {
                Some(Resolved::Path(path, rule)) => {
                    let slot =
                        Slot::parse(&path, schema).map_err(|message| MappingError::Column {
                            header: header.clone(),
                            message,
                        })?;
                    let index = mapping.add_slot(slot, header)?;
                    Column {
                        header: header.clone(),
                        role: Role::Attribute(index),
                        rule,
                    }
                }
                Some(Resolved::Link(link, rule)) => {
                    if let Some(other) = mapping.link_column(link) {
                        return Err(MappingError::Duplicate {
                            first: other.header.clone(),
                            second: header.clone(),
                            target: link.header().to_owned(),
                        });
                    }
                    Column {
                        header: header.clone(),
                        role: Role::Link(link),
                        rule,
                    }
                }
                Some(Resolved::Ignored) => Column {
                    header: header.clone(),
                    role: Role::Ignored,
                    rule: CellRule::default(),
                },
                None => {
                    if !ignore_unknown {
                        unknown.push(UnknownColumn {
                            header: header.clone(),
                            suggestions: suggestions(kind, header, schema),
                        });
                    }
                    Column {
                        header: header.clone(),
                        role: Role::Ignored,
                        rule: CellRule::default(),
                    }
                }
            };
            mapping.columns.push(role);
        }
        if !unknown.is_empty() {
            return Err(MappingError::Unknown(unknown));
        }
        if let Some(map) = map {
            for (name, raw) in &map.constants {
                let path = match alias(kind, name) {
                    Some(Target::Path(path)) => path.to_owned(),
                    Some(Target::Link(_)) => {
                        return Err(MappingError::MapFile(format!(
                            "constant `{name}`: names of other resources cannot be constants"
                        )));
                    }
                    None => name.clone(),
                };
                let slot = Slot::parse(&path, schema).map_err(|message| {
                    MappingError::MapFile(format!("constant `{name}`: {message}"))
                })?;
                let value = slot.value_of(raw, false).map_err(|message| {
                    MappingError::MapFile(format!("constant `{name}`: {message}"))
                })?;
                let index = mapping.add_slot(slot, &format!("constant {name}"))?;
                mapping.constants.push((index, value));
            }
        }
        mapping.check_required()?;
        Ok(mapping)
    }

    /// Adds a slot, refusing a second column for the same path.
    fn add_slot(&mut self, slot: Slot, header: &str) -> Result<usize, MappingError> {
        if let Some(index) = self.slots.iter().position(|s| s.same_target(&slot)) {
            let first = self
                .columns
                .iter()
                .find(|c| c.role == Role::Attribute(index))
                .map_or_else(|| slot.path.clone(), |c| c.header.clone());
            return Err(MappingError::Duplicate {
                first,
                second: header.to_owned(),
                target: slot.path,
            });
        }
        self.slots.push(slot);
        Ok(self.slots.len() - 1)
    }

    fn check_required(&self) -> Result<(), MappingError> {
        let (name, hint) = match self.kind {
            ImportKind::Users => (
                "userName",
                "name it userName, login or user name (`scimctl import users --template` prints \
                 the known headers)",
            ),
            ImportKind::Groups => (
                "displayName",
                "name it displayName or group name (`scimctl import groups --template` prints \
                 the known headers)",
            ),
        };
        if self.slot_index(name).is_none() {
            return Err(MappingError::Missing {
                what: name.to_owned(),
                hint: hint.to_owned(),
            });
        }
        Ok(())
    }

    /// Every slot, by index.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// The slot of a top-level core attribute without sub-attribute (`userName`, `externalId`,
    /// `active`), if a column or constant fills it.
    pub fn slot_index(&self, name: &str) -> Option<usize> {
        self.slots.iter().position(|slot| {
            slot.urn.is_none()
                && slot.element.is_none()
                && slot.sub.is_none()
                && slot.name.eq_ignore_ascii_case(name)
        })
    }

    /// The first slot holding an email address (`emails[...].value`).
    pub fn email_slot(&self) -> Option<usize> {
        self.slots.iter().position(Slot::is_email)
    }

    /// The column holding `link`, if any.
    pub fn link_column(&self, link: Link) -> Option<&Column> {
        self.columns
            .iter()
            .find(|column| column.role == Role::Link(link))
    }

    /// Reads one row's cells (in header order). Every problem of the row is reported, each
    /// naming its column.
    pub fn read(&self, cells: &[&str], empty: EmptyCells) -> Result<Row, Vec<CellError>> {
        let mut row = Row::default();
        let mut errors = Vec::new();
        for (column, raw) in self.columns.iter().zip(cells) {
            let text = column.rule.apply(raw.trim());
            match &column.role {
                Role::Ignored => {}
                Role::Attribute(index) => {
                    if text.is_empty() {
                        if empty == EmptyCells::Clears {
                            row.values.push((*index, CellValue::Clear));
                        }
                        continue;
                    }
                    match self.slots[*index].value_of(&text, column.rule.inverted) {
                        Ok(value) => row.values.push((*index, CellValue::Set(value))),
                        Err(message) => errors.push(CellError {
                            column: column.header.clone(),
                            message,
                        }),
                    }
                }
                Role::Link(link) => {
                    let names = split_names(*link, &text);
                    if !names.is_empty() || empty == EmptyCells::Clears {
                        row.links.push((*link, names));
                    }
                }
            }
        }
        for (index, value) in &self.constants {
            row.values.push((*index, CellValue::Set(value.clone())));
        }
        if errors.is_empty() {
            Ok(row)
        } else {
            Err(errors)
        }
    }

    /// A new resource holding the values `row` sets: the body of a create.
    pub fn resource(&self, row: &Row) -> Value {
        let mut resource = Value::Object(Map::new());
        // `schemas` first, as the RFC's examples have it; filled in at the end.
        resource["schemas"] = Value::Null;
        let mut schemas = vec![Value::from(self.kind.core_schema())];
        for (index, value) in &row.values {
            let CellValue::Set(value) = value else {
                continue;
            };
            let slot = &self.slots[*index];
            if let Some(urn) = &slot.urn
                && !schemas.iter().any(|s| s.as_str() == Some(urn.as_str()))
            {
                schemas.push(Value::from(urn.as_str()));
            }
            slot.write(&mut resource, value.clone());
        }
        resource["schemas"] = Value::Array(schemas);
        resource
    }
}

/// The names in a link cell: `;`-separated for lists, the whole cell for a manager.
fn split_names(link: Link, text: &str) -> Vec<String> {
    match link {
        Link::Manager => {
            if text.is_empty() {
                Vec::new()
            } else {
                vec![text.to_owned()]
            }
        }
        Link::Groups | Link::Members => text
            .split(';')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(super) const ENTERPRISE: &str = crate::scim::model::ENTERPRISE_USER_SCHEMA;

    pub(super) fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    pub(super) fn users(names: &[&str]) -> Result<Mapping, MappingError> {
        Mapping::new(
            ImportKind::Users,
            &headers(names),
            &ResourceSchema::user(),
            None,
            false,
        )
    }

    pub(super) fn paths(mapping: &Mapping) -> Vec<String> {
        mapping
            .columns
            .iter()
            .map(|column| match &column.role {
                Role::Attribute(index) => mapping.slots()[*index].path.clone(),
                Role::Link(link) => format!("<{}>", link.header()),
                Role::Ignored => "<ignored>".to_owned(),
            })
            .collect()
    }

    pub(super) fn created(mapping: &Mapping, cells: &[&str]) -> Value {
        let row = mapping
            .read(cells, EmptyCells::Ignored)
            .expect("the row reads");
        mapping.resource(&row)
    }

    #[test]
    fn a_user_import_needs_a_user_name_and_a_group_import_a_display_name() {
        assert_eq!(
            users(&["email"]).unwrap_err().to_string(),
            "no column gives userName; name it userName, login or user name \
             (`scimctl import users --template` prints the known headers)"
        );
        let groups = Mapping::new(
            ImportKind::Groups,
            &headers(&["Group Name", "members"]),
            &ResourceSchema::group(),
            None,
            false,
        )
        .expect("known");
        assert_eq!(paths(&groups), ["displayName", "<members>"]);
    }

    #[test]
    fn cells_are_typed_and_every_bad_cell_of_a_row_is_named() {
        let mapping = users(&["userName", "active", "email", "x509Certificates"]).expect("known");
        let errors = mapping
            .read(
                &["bjensen", "perhaps", "bjensen at example", "{"],
                EmptyCells::Ignored,
            )
            .unwrap_err();
        assert_eq!(
            errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "column `active`: `perhaps` is not a boolean (use true/false, yes/no, 1/0 or \
                 active/inactive)",
                "column `email`: `bjensen at example` is not an email address",
                "column `x509Certificates`: `x509Certificates` is complex: its cells must be \
                 JSON, such as {\"value\":\"...\"}",
            ]
        );
        for (text, active) in [
            ("Inactive", false),
            ("YES", true),
            ("0", false),
            ("enabled", true),
        ] {
            let user = created(&mapping, &["b", text, "b@example.com", ""]);
            assert_eq!(user["active"], active, "{text}");
        }
    }

    #[test]
    fn quoted_unicode_and_commas_are_values_like_any_other() {
        let mapping = users(&["userName", "displayName", "title"]).expect("known");
        let user = created(&mapping, &["zoë", "Zoë \"Zee\" Ångström", "Lead, Platform"]);
        assert_eq!(user["displayName"], "Zoë \"Zee\" Ångström");
        assert_eq!(user["title"], "Lead, Platform");
    }

    #[test]
    fn empty_cells_are_left_alone_unless_they_clear() {
        let mapping = users(&["userName", "title", "groups"]).expect("known");
        let kept = mapping.read(&["b", " ", ""], EmptyCells::Ignored).unwrap();
        assert_eq!(kept.values.len(), 1);
        assert!(kept.links.is_empty());
        let cleared = mapping.read(&["b", "", ""], EmptyCells::Clears).unwrap();
        assert_eq!(cleared.values[1], (1, CellValue::Clear));
        assert_eq!(cleared.links, [(Link::Groups, vec![])]);
    }

    #[test]
    fn a_create_body_names_its_schemas_and_builds_elements() {
        let mapping = users(&[
            "userName",
            "givenName",
            r#"emails[type eq "work"].value"#,
            r#"emails[type eq "home"].value"#,
            "department",
            "groups",
        ])
        .expect("known");
        let row = mapping
            .read(
                &[
                    "bjensen",
                    "Barbara",
                    "b@work.example",
                    "b@home.example",
                    "Tour",
                    "Ops; Tour Guides",
                ],
                EmptyCells::Ignored,
            )
            .unwrap();
        assert_eq!(
            mapping.resource(&row),
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE],
                "userName": "bjensen",
                "name": {"givenName": "Barbara"},
                "emails": [
                    {"type": "work", "value": "b@work.example"},
                    {"type": "home", "value": "b@home.example"}
                ],
                ENTERPRISE: {"department": "Tour"}
            })
        );
        assert_eq!(
            row.links,
            [(
                Link::Groups,
                vec!["Ops".to_owned(), "Tour Guides".to_owned()]
            )]
        );
    }
}
