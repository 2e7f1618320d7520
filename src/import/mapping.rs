//! Column mapping: which SCIM attribute each CSV column fills, and how a row's cells become
//! attribute values. One mapping serves `scimctl import` and `serve --seed`'s CSV reader.
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
//! serde_json, toml and chrono's parser only; no I/O.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::scim::diag::closest_names;
use crate::scim::filter::{CompValue, CompareOp, Filter};
use crate::scim::model::{GROUP_SCHEMA, USER_SCHEMA};
use crate::scim::path::{AttrPath, PatchPath, parse_patch_path};
use crate::scim::resource::{find_key_ci, get_ci};
use crate::scim::schema::{AttrType, ResourceSchema};

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

/// Where a value goes in a resource: an attribute path, with what the schema says about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// The path, as shown in plans and diffs (`emails[type eq "work"].value`).
    pub path: String,
    /// The extension URN the attribute lives under; `None` for the core schema.
    urn: Option<String>,
    /// The top-level attribute, in the schema's spelling when it knows it.
    name: String,
    /// For a value-filtered path: the sub-attributes that identify the element (`type: work`).
    element: Option<Vec<(String, Value)>>,
    /// The sub-attribute written (`givenName`, `value`).
    sub: Option<String>,
    /// The type of the value written.
    attr_type: AttrType,
    /// Whether the top-level attribute is multi-valued.
    multi_valued: bool,
}

/// How a column's cells are read before they are typed.
#[derive(Debug, Clone, Default, PartialEq)]
struct CellRule {
    /// Replacements applied to the whole cell first (`A` -> `true`), from the map file.
    values: BTreeMap<String, String>,
    transform: Transform,
    /// A boolean the header states the other way round (Entra's "Block sign in").
    inverted: bool,
}

/// A transformation of a cell's text, from the map file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transform {
    #[default]
    None,
    Lowercase,
    Uppercase,
    Trim,
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

/// The `--map FILE.toml` file: renames, constants and transforms for what the built-in rules
/// do not cover.
///
/// ```toml
/// [columns]
/// "Emp ID" = "externalId"                        # a header read as another name or path
/// "Dept" = { path = "department", transform = "uppercase" }
/// "State" = { path = "active", values = { "A" = "true", "T" = "false" } }
/// "Notes" = "ignore"
///
/// [constants]                                    # the same value in every row
/// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization" = "Example Corp"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapFile {
    #[serde(default)]
    columns: BTreeMap<String, ColumnRule>,
    #[serde(default)]
    constants: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
enum ColumnRule {
    Target(String),
    Detailed(DetailedRule),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct DetailedRule {
    path: Option<String>,
    #[serde(default)]
    transform: Transform,
    #[serde(default)]
    values: BTreeMap<String, String>,
}

impl MapFile {
    /// Parses the TOML text of a map file.
    pub fn parse(text: &str) -> Result<MapFile, MappingError> {
        toml::from_str(text).map_err(|e| MappingError::MapFile(e.to_string().trim().to_owned()))
    }

    fn rule_for(&self, header: &str) -> Option<&ColumnRule> {
        self.columns.get(header).or_else(|| {
            self.columns
                .iter()
                .find(|(name, _)| normalise(name) == normalise(header))
                .map(|(_, rule)| rule)
        })
    }
}

/// Where a name leads, before the schema is consulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Path(&'static str),
    Link(Link),
}

const ENTERPRISE_DEPARTMENT: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";
const ENTERPRISE_EMPLOYEE_NUMBER: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber";
const ENTERPRISE_COST_CENTER: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter";
const ENTERPRISE_ORGANIZATION: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization";
const ENTERPRISE_DIVISION: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division";
const WORK_EMAIL: &str = r#"emails[type eq "work"].value"#;
const HOME_EMAIL: &str = r#"emails[type eq "home"].value"#;
const WORK_PHONE: &str = r#"phoneNumbers[type eq "work"].value"#;
const MOBILE_PHONE: &str = r#"phoneNumbers[type eq "mobile"].value"#;

/// User aliases: the spelling shown in suggestions, and where it leads. Compared after
/// [`normalise`], so `First Name`, `first_name` and `FIRSTNAME` are one entry.
const USER_ALIASES: &[(&str, Target)] = &[
    ("userName", Target::Path("userName")),
    ("login", Target::Path("userName")),
    ("user name", Target::Path("userName")),
    ("user_name", Target::Path("userName")),
    ("loginName", Target::Path("userName")),
    ("userPrincipalName", Target::Path("userName")),
    ("upn", Target::Path("userName")),
    ("givenName", Target::Path("name.givenName")),
    ("First Name", Target::Path("name.givenName")),
    ("firstname", Target::Path("name.givenName")),
    ("given_name", Target::Path("name.givenName")),
    ("forename", Target::Path("name.givenName")),
    ("familyName", Target::Path("name.familyName")),
    ("Last Name", Target::Path("name.familyName")),
    ("surname", Target::Path("name.familyName")),
    ("family_name", Target::Path("name.familyName")),
    ("sn", Target::Path("name.familyName")),
    ("middleName", Target::Path("name.middleName")),
    ("Middle Name", Target::Path("name.middleName")),
    ("formatted", Target::Path("name.formatted")),
    ("Full Name", Target::Path("name.formatted")),
    ("honorificPrefix", Target::Path("name.honorificPrefix")),
    ("honorificSuffix", Target::Path("name.honorificSuffix")),
    ("displayName", Target::Path("displayName")),
    ("Display Name", Target::Path("displayName")),
    ("name", Target::Path("displayName")),
    ("nickName", Target::Path("nickName")),
    ("email", Target::Path(WORK_EMAIL)),
    ("mail", Target::Path(WORK_EMAIL)),
    ("e-mail", Target::Path(WORK_EMAIL)),
    ("Email Address", Target::Path(WORK_EMAIL)),
    ("work email", Target::Path(WORK_EMAIL)),
    ("home email", Target::Path(HOME_EMAIL)),
    ("personal email", Target::Path(HOME_EMAIL)),
    ("phone", Target::Path(WORK_PHONE)),
    ("phoneNumber", Target::Path(WORK_PHONE)),
    ("work phone", Target::Path(WORK_PHONE)),
    ("office phone", Target::Path(WORK_PHONE)),
    ("telephone", Target::Path(WORK_PHONE)),
    ("telephoneNumber", Target::Path(WORK_PHONE)),
    ("businessPhone", Target::Path(WORK_PHONE)),
    ("mobile", Target::Path(MOBILE_PHONE)),
    ("mobile phone", Target::Path(MOBILE_PHONE)),
    ("cell", Target::Path(MOBILE_PHONE)),
    ("cell phone", Target::Path(MOBILE_PHONE)),
    ("title", Target::Path("title")),
    ("job title", Target::Path("title")),
    ("position", Target::Path("title")),
    ("userType", Target::Path("userType")),
    ("employee type", Target::Path("userType")),
    ("preferredLanguage", Target::Path("preferredLanguage")),
    ("language", Target::Path("preferredLanguage")),
    ("locale", Target::Path("locale")),
    ("timezone", Target::Path("timezone")),
    ("time zone", Target::Path("timezone")),
    ("profileUrl", Target::Path("profileUrl")),
    ("password", Target::Path("password")),
    ("initial password", Target::Path("password")),
    ("passwordProfile", Target::Path("password")),
    ("externalId", Target::Path("externalId")),
    ("external_id", Target::Path("externalId")),
    ("active", Target::Path("active")),
    ("enabled", Target::Path("active")),
    ("status", Target::Path("active")),
    ("is active", Target::Path("active")),
    ("accountEnabled", Target::Path("active")),
    (
        "streetAddress",
        Target::Path(r#"addresses[type eq "work"].streetAddress"#),
    ),
    (
        "street",
        Target::Path(r#"addresses[type eq "work"].streetAddress"#),
    ),
    (
        "city",
        Target::Path(r#"addresses[type eq "work"].locality"#),
    ),
    (
        "locality",
        Target::Path(r#"addresses[type eq "work"].locality"#),
    ),
    ("state", Target::Path(r#"addresses[type eq "work"].region"#)),
    (
        "region",
        Target::Path(r#"addresses[type eq "work"].region"#),
    ),
    (
        "province",
        Target::Path(r#"addresses[type eq "work"].region"#),
    ),
    (
        "postalCode",
        Target::Path(r#"addresses[type eq "work"].postalCode"#),
    ),
    (
        "zip",
        Target::Path(r#"addresses[type eq "work"].postalCode"#),
    ),
    (
        "zip code",
        Target::Path(r#"addresses[type eq "work"].postalCode"#),
    ),
    (
        "postcode",
        Target::Path(r#"addresses[type eq "work"].postalCode"#),
    ),
    (
        "country",
        Target::Path(r#"addresses[type eq "work"].country"#),
    ),
    ("department", Target::Path(ENTERPRISE_DEPARTMENT)),
    ("dept", Target::Path(ENTERPRISE_DEPARTMENT)),
    ("employeeNumber", Target::Path(ENTERPRISE_EMPLOYEE_NUMBER)),
    ("employee id", Target::Path(ENTERPRISE_EMPLOYEE_NUMBER)),
    ("employee no", Target::Path(ENTERPRISE_EMPLOYEE_NUMBER)),
    ("staff id", Target::Path(ENTERPRISE_EMPLOYEE_NUMBER)),
    ("costCenter", Target::Path(ENTERPRISE_COST_CENTER)),
    ("cost centre", Target::Path(ENTERPRISE_COST_CENTER)),
    ("organization", Target::Path(ENTERPRISE_ORGANIZATION)),
    ("organisation", Target::Path(ENTERPRISE_ORGANIZATION)),
    ("company", Target::Path(ENTERPRISE_ORGANIZATION)),
    ("company name", Target::Path(ENTERPRISE_ORGANIZATION)),
    ("division", Target::Path(ENTERPRISE_DIVISION)),
    ("manager", Target::Link(Link::Manager)),
    ("manager userName", Target::Link(Link::Manager)),
    ("manager login", Target::Link(Link::Manager)),
    ("groups", Target::Link(Link::Groups)),
    ("group", Target::Link(Link::Groups)),
    ("memberOf", Target::Link(Link::Groups)),
];

/// Group aliases.
const GROUP_ALIASES: &[(&str, Target)] = &[
    ("displayName", Target::Path("displayName")),
    ("Display Name", Target::Path("displayName")),
    ("name", Target::Path("displayName")),
    ("group", Target::Path("displayName")),
    ("group name", Target::Path("displayName")),
    ("externalId", Target::Path("externalId")),
    ("external_id", Target::Path("externalId")),
    ("members", Target::Link(Link::Members)),
    ("member", Target::Link(Link::Members)),
    ("users", Target::Link(Link::Members)),
];

/// The headers of `--template` and of `export`'s CSV, in order, each with where it leads.
pub fn standard_columns(kind: ImportKind) -> Vec<(&'static str, StandardColumn)> {
    let path = StandardColumn::Path;
    match kind {
        ImportKind::Users => vec![
            ("userName", path("userName")),
            ("externalId", path("externalId")),
            ("givenName", path("name.givenName")),
            ("familyName", path("name.familyName")),
            ("displayName", path("displayName")),
            ("email", path(WORK_EMAIL)),
            ("phone", path(WORK_PHONE)),
            ("mobile", path(MOBILE_PHONE)),
            ("title", path("title")),
            ("department", path(ENTERPRISE_DEPARTMENT)),
            ("employeeNumber", path(ENTERPRISE_EMPLOYEE_NUMBER)),
            ("costCenter", path(ENTERPRISE_COST_CENTER)),
            ("manager", StandardColumn::Link(Link::Manager)),
            ("active", path("active")),
            ("groups", StandardColumn::Link(Link::Groups)),
        ],
        ImportKind::Groups => vec![
            ("displayName", path("displayName")),
            ("externalId", path("externalId")),
            ("members", StandardColumn::Link(Link::Members)),
        ],
    }
}

/// What a standard column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StandardColumn {
    /// The values at this SCIM path.
    Path(&'static str),
    /// Names of other resources.
    Link(Link),
}

/// The header row `--template` prints.
pub fn template(kind: ImportKind) -> Vec<&'static str> {
    standard_columns(kind)
        .into_iter()
        .map(|(header, _)| header)
        .collect()
}

/// A name compared without case, spaces, `_`, `-` and `.`.
fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn aliases(kind: ImportKind) -> &'static [(&'static str, Target)] {
    match kind {
        ImportKind::Users => USER_ALIASES,
        ImportKind::Groups => GROUP_ALIASES,
    }
}

fn alias(kind: ImportKind, name: &str) -> Option<Target> {
    let wanted = normalise(name);
    aliases(kind)
        .iter()
        .find(|(spelling, _)| normalise(spelling) == wanted)
        .map(|(_, target)| *target)
}

/// The columns of one input, and the constants added to every row.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    pub kind: ImportKind,
    pub columns: Vec<Column>,
    slots: Vec<Slot>,
    constants: Vec<(usize, Value)>,
}

/// How a header was understood, before it gets a slot.
enum Resolved {
    Path(String, CellRule),
    Link(Link, CellRule),
    Ignored,
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

impl CellRule {
    fn apply(&self, text: &str) -> String {
        let text = self
            .values
            .get(text)
            .map_or(text, String::as_str)
            .to_owned();
        match self.transform {
            Transform::None => text,
            Transform::Lowercase => text.to_lowercase(),
            Transform::Uppercase => text.to_uppercase(),
            Transform::Trim => text.trim().to_owned(),
        }
    }
}

/// How one header is understood: the map file first, then aliases, SCIM paths and Entra's
/// `Label [property]`. `None` when nothing recognises it.
fn resolve_header(
    kind: ImportKind,
    header: &str,
    schema: &ResourceSchema,
    map: Option<&MapFile>,
) -> Result<Option<Resolved>, MappingError> {
    let header = header.trim();
    if header.eq_ignore_ascii_case(ERROR_COLUMN) {
        return Ok(Some(Resolved::Ignored));
    }
    if let Some(rule) = map.and_then(|map| map.rule_for(header)) {
        let (target, cell_rule) = match rule {
            ColumnRule::Target(target) => (Some(target.as_str()), CellRule::default()),
            ColumnRule::Detailed(detailed) => (
                detailed.path.as_deref(),
                CellRule {
                    values: detailed.values.clone(),
                    transform: detailed.transform,
                    inverted: false,
                },
            ),
        };
        let target = target.unwrap_or(header);
        if target.eq_ignore_ascii_case("ignore") {
            return Ok(Some(Resolved::Ignored));
        }
        return match resolve_name(kind, target, schema) {
            Some(resolved) => Ok(Some(resolved.with_rule(cell_rule))),
            None => Err(MappingError::MapFile(format!(
                "column `{header}`: `{target}` is neither a SCIM attribute path nor a known name"
            ))),
        };
    }
    if let Some(resolved) = resolve_name(kind, header, schema) {
        return Ok(Some(resolved));
    }
    let Some((label, property)) = entra_header(header) else {
        return Ok(None);
    };
    Ok(
        resolve_name(kind, property, schema).map(|resolved| match resolved {
            Resolved::Path(path, mut rule) if path == "active" => {
                rule.inverted = label.to_lowercase().contains("block");
                Resolved::Path(path, rule)
            }
            other => other,
        }),
    )
}

impl Resolved {
    fn with_rule(self, rule: CellRule) -> Resolved {
        match self {
            Resolved::Path(path, _) => Resolved::Path(path, rule),
            Resolved::Link(link, _) => Resolved::Link(link, rule),
            Resolved::Ignored => Resolved::Ignored,
        }
    }
}

/// An alias, else a SCIM path the schema knows (or qualified with an extension URN).
fn resolve_name(kind: ImportKind, name: &str, schema: &ResourceSchema) -> Option<Resolved> {
    match alias(kind, name) {
        Some(Target::Path(path)) => {
            return Some(Resolved::Path(path.to_owned(), CellRule::default()));
        }
        Some(Target::Link(link)) => return Some(Resolved::Link(link, CellRule::default())),
        None => {}
    }
    let path = parse_patch_path(name).ok()?;
    let attr = match &path {
        PatchPath::Attr(attr) => attr.clone(),
        PatchPath::Filtered { attr, sub, .. } => AttrPath {
            sub: sub.clone(),
            ..attr.clone()
        },
    };
    let known = schema.resolve(&attr).is_some()
        || attr
            .urn
            .as_deref()
            .is_some_and(|urn| !urn.eq_ignore_ascii_case(schema.core.id.as_str()));
    known.then(|| Resolved::Path(name.to_owned(), CellRule::default()))
}

/// `Label [property] Required` -> (`Label`, `property`), as in Entra's bulk-create template.
fn entra_header(header: &str) -> Option<(&str, &str)> {
    let open = header.rfind('[')?;
    let close = open + header[open..].find(']')?;
    let property = header[open + 1..close].trim();
    (!property.is_empty()).then(|| (header[..open].trim(), property))
}

/// Known names close to `header`: aliases and the schema's attribute paths.
fn suggestions(kind: ImportKind, header: &str, schema: &ResourceSchema) -> Vec<String> {
    let mut known: Vec<String> = aliases(kind)
        .iter()
        .map(|(spelling, _)| (*spelling).to_owned())
        .collect();
    for attribute in schema.core.attributes.iter() {
        known.push(attribute.name.clone());
        for sub in &attribute.sub_attributes {
            known.push(format!("{}.{}", attribute.name, sub.name));
        }
    }
    let wanted = entra_header(header).map_or(header, |(_, property)| property);
    closest_names(wanted, &known, normalise)
}

impl Slot {
    /// Reads a SCIM path into a slot. Value filters may only pick an element by equality
    /// (`emails[type eq "work"]`): anything else names no single element to write.
    pub fn parse(text: &str, schema: &ResourceSchema) -> Result<Slot, String> {
        let path = parse_patch_path(text.trim()).map_err(|d| d.message)?;
        let (attr, element, sub) = match path {
            PatchPath::Attr(attr) => {
                let sub = attr.sub.clone();
                (AttrPath { sub: None, ..attr }, None, sub)
            }
            PatchPath::Filtered { attr, filter, sub } => {
                let mut fields = Vec::new();
                equalities(&filter, &mut fields)
                    .map_err(|()| "only `eq` and `and` can select an element".to_owned())?;
                (attr, Some(fields), sub)
            }
        };
        let top = schema.resolve(&attr);
        let target = schema.resolve(&AttrPath {
            sub: sub.clone(),
            ..attr.clone()
        });
        let urn = match (top, &attr.urn) {
            (Some(resolved), _) if resolved.is_extension => Some(resolved.schema.id.clone()),
            (Some(_), _) => None,
            (None, Some(urn)) if !urn.eq_ignore_ascii_case(&schema.core.id) => Some(urn.clone()),
            (None, _) => None,
        };
        let multi_valued = top.is_some_and(|r| r.attribute.multi_valued);
        let name = top.map_or(attr.name.clone(), |r| r.attribute.name.clone());
        let sub = match (sub, target.and_then(|r| r.sub_attribute)) {
            (Some(_), Some(known)) => Some(known.name.clone()),
            (sub, _) => sub,
        };
        let slot = Slot {
            path: String::new(),
            urn,
            name,
            element,
            sub,
            attr_type: target.map_or(AttrType::String, |r| r.target().attr_type),
            multi_valued,
        };
        Ok(Slot {
            path: slot.render(),
            ..slot
        })
    }

    /// The canonical text of the path.
    fn render(&self) -> String {
        let mut text = String::new();
        if let Some(urn) = &self.urn {
            text.push_str(urn);
            text.push(':');
        }
        text.push_str(&self.name);
        if let Some(fields) = &self.element {
            let filter: Vec<String> = fields
                .iter()
                .map(|(key, value)| format!("{key} eq {value}"))
                .collect();
            text.push('[');
            text.push_str(&filter.join(" and "));
            text.push(']');
        }
        if let Some(sub) = &self.sub {
            text.push('.');
            text.push_str(sub);
        }
        text
    }

    /// Whether two slots write the same place.
    fn same_target(&self, other: &Slot) -> bool {
        self.path.eq_ignore_ascii_case(&other.path)
    }

    /// Whether the slot holds an email address.
    pub fn is_email(&self) -> bool {
        self.urn.is_none()
            && self.name.eq_ignore_ascii_case("emails")
            && self
                .sub
                .as_deref()
                .is_some_and(|sub| sub.eq_ignore_ascii_case("value"))
    }

    /// The extension URN the attribute lives under, if any.
    pub fn urn(&self) -> Option<&str> {
        self.urn.as_deref()
    }

    /// The top-level attribute's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The sub-attribute, if any.
    pub fn sub(&self) -> Option<&str> {
        self.sub.as_deref()
    }

    /// Whether the slot is one element of a multi-valued attribute (or a sub-attribute of
    /// one): changing it means sending the attribute's whole list.
    pub fn in_list(&self) -> bool {
        self.element.is_some() || (self.multi_valued && self.sub.is_some())
    }

    /// The value a cell's text stands for, by the attribute's type. Booleans take the
    /// spellings exports use; `inverted` reads them the other way round.
    pub fn value_of(&self, text: &str, inverted: bool) -> Result<Value, String> {
        let value = match self.attr_type {
            AttrType::Boolean => {
                let yes = parse_boolean(text).ok_or_else(|| {
                    format!(
                        "`{text}` is not a boolean (use true/false, yes/no, 1/0 or active/inactive)"
                    )
                })?;
                Value::Bool(yes != inverted)
            }
            AttrType::Integer => text
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("`{text}` is not an integer"))?,
            AttrType::Decimal => text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| format!("`{text}` is not a number"))?,
            AttrType::DateTime => {
                chrono::DateTime::parse_from_rfc3339(text).map_err(|_| {
                    format!("`{text}` is not a date and time such as 2026-01-31T09:00:00Z")
                })?;
                Value::from(text)
            }
            AttrType::Complex => {
                let json: Value = serde_json::from_str(text)
                    .ok()
                    .filter(|v: &Value| v.is_object() || v.is_array())
                    .ok_or_else(|| {
                        format!("`{}` is complex: its cells must be JSON, such as {{\"value\":\"...\"}}", self.path)
                    })?;
                json
            }
            AttrType::String | AttrType::Binary | AttrType::Reference => Value::from(text),
        };
        if self.is_email() && !is_email_address(text) {
            return Err(format!("`{text}` is not an email address"));
        }
        if self.multi_valued && !self.in_list() && !value.is_array() {
            return Ok(Value::Array(vec![value]));
        }
        Ok(value)
    }

    /// The value `resource` holds at this slot; `None` when absent or null.
    pub fn read<'a>(&self, resource: &'a Value) -> Option<&'a Value> {
        let container = self.container(resource)?;
        let top = get_ci(container.as_object()?, &self.name)?;
        let found = if self.in_list() {
            let element = top.as_array()?.iter().find(|item| self.selects(item))?;
            get_ci(element.as_object()?, self.sub.as_deref().unwrap_or("value"))?
        } else {
            match &self.sub {
                Some(sub) => get_ci(top.as_object()?, sub)?,
                None => top,
            }
        };
        (!found.is_null()).then_some(found)
    }

    /// Writes `value` at this slot of `resource` (a JSON object), creating what is missing.
    pub fn write(&self, resource: &mut Value, value: Value) {
        let Some(container) = self.container_mut(resource) else {
            return;
        };
        if self.in_list() {
            let Some(list) = array_entry(container, &self.name) else {
                return;
            };
            let index = match list.iter().position(|item| self.selects(item)) {
                Some(index) => index,
                None => {
                    let fields = self.element.clone().unwrap_or_default();
                    list.push(Value::Object(fields.into_iter().collect()));
                    list.len() - 1
                }
            };
            if let Some(Value::Object(element)) = list.get_mut(index) {
                insert_ci(element, self.sub.as_deref().unwrap_or("value"), value);
            }
            return;
        }
        match &self.sub {
            Some(sub) => {
                if let Some(Value::Object(parent)) = object_entry(container, &self.name) {
                    insert_ci(parent, sub, value);
                }
            }
            None => {
                if let Value::Object(object) = container {
                    insert_ci(object, &self.name, value);
                }
            }
        }
    }

    /// Clears this slot of `resource`: the attribute, the sub-attribute, or the whole element
    /// of a list (an email without its address means nothing).
    pub fn clear(&self, resource: &mut Value) {
        let Some(Value::Object(container)) = self.container_mut(resource) else {
            return;
        };
        let Some(key) = find_key_ci(container, &self.name).map(str::to_owned) else {
            return;
        };
        if self.in_list() {
            if let Some(Value::Array(list)) = container.get_mut(&key) {
                list.retain(|item| !self.selects(item));
                if list.is_empty() {
                    container.shift_remove(&key);
                }
            }
            return;
        }
        match &self.sub {
            Some(sub) => {
                if let Some(Value::Object(parent)) = container.get_mut(&key)
                    && let Some(sub_key) = find_key_ci(parent, sub).map(str::to_owned)
                {
                    parent.shift_remove(&sub_key);
                }
            }
            None => {
                container.shift_remove(&key);
            }
        }
    }

    /// Whether a list element is the one this slot names (by its identifying fields, compared
    /// without case, as `eq` compares caseExact-false strings); a slot without a filter names
    /// the first element.
    fn selects(&self, item: &Value) -> bool {
        let Some(object) = item.as_object() else {
            return false;
        };
        self.element
            .iter()
            .flatten()
            .all(|(key, wanted)| match (get_ci(object, key), wanted) {
                (Some(Value::String(have)), Value::String(want)) => have.eq_ignore_ascii_case(want),
                (Some(have), want) => have == want,
                (None, _) => false,
            })
    }

    fn container<'a>(&self, resource: &'a Value) -> Option<&'a Value> {
        match &self.urn {
            Some(urn) => get_ci(resource.as_object()?, urn),
            None => Some(resource),
        }
    }

    fn container_mut<'a>(&self, resource: &'a mut Value) -> Option<&'a mut Value> {
        match &self.urn {
            Some(urn) => object_entry(resource, urn),
            None => Some(resource),
        }
    }
}

/// Boolean spellings of exports and HR systems.
fn parse_boolean(text: &str) -> Option<bool> {
    match text.to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "active" | "enabled" | "on" => Some(true),
        "false" | "no" | "n" | "0" | "inactive" | "disabled" | "off" => Some(false),
        _ => None,
    }
}

/// A plausible address: one `@`, something on each side, a dot in the domain, no spaces or
/// list separators. Servers check more; this catches the usual CSV slips.
fn is_email_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, ',' | ';' | '<' | '>'))
}

/// The `eq` comparisons joined by `and` of an element filter.
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

/// Inserts under the key that names `key` case-insensitively, or under `key`.
fn insert_ci(object: &mut Map<String, Value>, key: &str, value: Value) {
    let key = find_key_ci(object, key).unwrap_or(key).to_owned();
    object.insert(key, value);
}

/// The object under `key` (case-insensitively), made one if it is missing or not an object.
fn object_entry<'a>(target: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    let object = target.as_object_mut()?;
    let key = find_key_ci(object, key).unwrap_or(key).to_owned();
    let slot = object.entry(key).or_insert(Value::Null);
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    Some(slot)
}

/// The list under `key` (case-insensitively), made one if it is missing or not a list.
fn array_entry<'a>(target: &'a mut Value, key: &str) -> Option<&'a mut Vec<Value>> {
    let object = target.as_object_mut()?;
    let key = find_key_ci(object, key).unwrap_or(key).to_owned();
    let slot = object.entry(key).or_insert(Value::Null);
    if !slot.is_array() {
        *slot = Value::Array(Vec::new());
    }
    slot.as_array_mut()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENTERPRISE: &str = crate::scim::model::ENTERPRISE_USER_SCHEMA;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    fn users(names: &[&str]) -> Result<Mapping, MappingError> {
        Mapping::new(
            ImportKind::Users,
            &headers(names),
            &ResourceSchema::user(),
            None,
            false,
        )
    }

    fn paths(mapping: &Mapping) -> Vec<String> {
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

    fn created(mapping: &Mapping, cells: &[&str]) -> Value {
        let row = mapping
            .read(cells, EmptyCells::Ignored)
            .expect("the row reads");
        mapping.resource(&row)
    }

    #[test]
    fn scim_paths_aliases_and_hr_spellings_find_their_attributes() {
        let mapping = users(&[
            "userName",
            "First Name",
            "last_name",
            "SURNAME_",
            r#"emails[type eq "work"].value"#,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        ]);
        // Two columns for the family name are one too many.
        assert_eq!(
            mapping.unwrap_err(),
            MappingError::Duplicate {
                first: "last_name".into(),
                second: "SURNAME_".into(),
                target: "name.familyName".into()
            }
        );
        let mapping = users(&[
            "login",
            "given_name",
            "Surname",
            "work email",
            "Mobile",
            "Job Title",
            "Dept",
            "Employee ID",
            "costCenter",
            "manager",
            "externalId",
            "Status",
            "groups",
            "name.middleName",
        ])
        .expect("every header is known");
        assert_eq!(
            paths(&mapping),
            [
                "userName",
                "name.givenName",
                "name.familyName",
                r#"emails[type eq "work"].value"#,
                r#"phoneNumbers[type eq "mobile"].value"#,
                "title",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
                "<manager>",
                "externalId",
                "active",
                "<groups>",
                "name.middleName",
            ]
        );
    }

    #[test]
    fn entra_bulk_template_headers_read_the_property_in_brackets() {
        let mapping = users(&[
            "Name [displayName] Required",
            "User name [userPrincipalName] Required",
            "Initial password [passwordProfile] Required",
            "Block sign in (Yes/No) [accountEnabled] Required",
            "First name [givenName]",
            "Last name [surname]",
            "Job title [jobTitle]",
            "Department [department]",
            "Mobile phone [mobile]",
        ])
        .expect("the template's headers are known");
        assert_eq!(
            paths(&mapping)[..4],
            ["displayName", "userName", "password", "active"]
        );
        let user = created(
            &mapping,
            &[
                "Chris Green",
                "chris@contoso.com",
                "Pa55word!",
                "No",
                "Chris",
                "Green",
                "Engineer",
                "R&D",
                "+1 555 0100",
            ],
        );
        assert_eq!(user["active"], true, "not blocked means active");
        assert_eq!(
            user["name"],
            json!({"givenName": "Chris", "familyName": "Green"})
        );
        assert_eq!(
            user["phoneNumbers"],
            json!([{"type": "mobile", "value": "+1 555 0100"}])
        );
        assert_eq!(user[ENTERPRISE]["department"], "R&D");
        let blocked = created(
            &mapping,
            &["x", "x@contoso.com", "p", "Yes", "", "", "", "", ""],
        );
        assert_eq!(blocked["active"], false);
    }

    #[test]
    fn unknown_columns_are_listed_together_with_the_closest_known_names() {
        let error = users(&["userName", "Frist Name", "Favourite colour", "emial"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown columns: `Frist Name` (did you mean `First Name`?), `Favourite colour`, \
             `emial` (did you mean `email`?)"
        );
        let ignored = Mapping::new(
            ImportKind::Users,
            &headers(&["userName", "Favourite colour"]),
            &ResourceSchema::user(),
            None,
            true,
        )
        .expect("--ignore-unknown");
        assert_eq!(paths(&ignored), ["userName", "<ignored>"]);
    }

    #[test]
    fn the_rejects_error_column_is_always_ignored() {
        let mapping = users(&["userName", ERROR_COLUMN]).expect("known");
        assert_eq!(paths(&mapping), ["userName", "<ignored>"]);
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

    #[test]
    fn slots_read_write_and_clear_what_the_server_holds() {
        let schema = ResourceSchema::user();
        let work = Slot::parse(r#"emails[type eq "work"].value"#, &schema).unwrap();
        let given = Slot::parse("name.givenName", &schema).unwrap();
        let department = Slot::parse(ENTERPRISE_DEPARTMENT, &schema).unwrap();
        let mut user = json!({
            "userName": "b",
            "Emails": [{"Type": "Work", "value": "old@x.org", "primary": true}, {"type": "home", "value": "h@x.org"}],
            "name": {"givenName": "B"},
        });
        assert_eq!(work.read(&user), Some(&json!("old@x.org")));
        assert_eq!(department.read(&user), None);
        work.write(&mut user, json!("new@x.org"));
        department.write(&mut user, json!("Tour"));
        given.clear(&mut user);
        assert_eq!(
            user,
            json!({
                "userName": "b",
                "Emails": [{"Type": "Work", "value": "new@x.org", "primary": true}, {"type": "home", "value": "h@x.org"}],
                "name": {},
                ENTERPRISE: {"department": "Tour"}
            })
        );
        work.clear(&mut user);
        assert_eq!(
            user["Emails"],
            json!([{"type": "home", "value": "h@x.org"}])
        );
        assert!(Slot::parse(r#"emails[value co "x"].type"#, &schema).is_err());
    }

    #[test]
    fn a_map_file_renames_transforms_ignores_and_adds_constants() {
        let map = MapFile::parse(
            r#"
            [columns]
            "Emp ID" = "externalId"
            "Dept" = { path = "department", transform = "uppercase" }
            "State" = { path = "active", values = { "A" = "true", "T" = "false" } }
            "Notes" = "ignore"

            [constants]
            organization = "Example Corp"
            "#,
        )
        .expect("valid");
        let mapping = Mapping::new(
            ImportKind::Users,
            &headers(&["userName", "emp id", "Dept", "State", "Notes"]),
            &ResourceSchema::user(),
            Some(&map),
            false,
        )
        .expect("mapped");
        let user = created(&mapping, &["b", "E1", "tour", "T", "anything"]);
        assert_eq!(user["externalId"], "E1");
        assert_eq!(user["active"], false);
        assert_eq!(
            user[ENTERPRISE],
            json!({"department": "TOUR", "organization": "Example Corp"})
        );
        let error = MapFile::parse("[columns]\nx = 3\n")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("the map file: "), "{error}");
        let error = MapFile::parse("[colums]\n").unwrap_err().to_string();
        assert!(error.contains("colums"), "{error}");
    }

    #[test]
    fn the_template_reads_back_as_the_standard_columns() {
        for kind in [ImportKind::Users, ImportKind::Groups] {
            let names: Vec<String> = template(kind).into_iter().map(str::to_owned).collect();
            let mapping = Mapping::new(kind, &names, &kind.builtin_schema(), None, false)
                .expect("the template maps");
            assert_eq!(mapping.columns.len(), names.len());
        }
    }
}
