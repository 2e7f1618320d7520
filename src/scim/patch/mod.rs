//! PATCH operations (RFC 7644 §3.5.2): the request model, tolerant parsing of what identity
//! providers send (`parse`), and application with RFC semantics, all operations or none
//! (`apply`). It changes only the copy it is given.
//!
//! [`parse_patch`] turns a request body into operations that each target one attribute path,
//! with values already type-checked against the schema; every leniency it needed is recorded
//! in [`PatchRequest::tolerances`] so that a server can log it and a tester can report it.
//! [`apply_patch`] applies them to a copy of the resource, so an error leaves nothing half
//! done. Pure: serde_json and std only.

mod apply;
mod parse;

use std::fmt;

use serde_json::Value;

use crate::scim::model::{ScimError, ScimType};
use crate::scim::path::PatchPath;
use crate::scim::resource::Leniency;

pub use apply::apply_patch;
pub(crate) use parse::is_empty_string_for;
pub use parse::parse_patch;

/// The three PATCH operations (RFC 7644 §3.5.2.1–3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchOpKind {
    Add,
    Remove,
    Replace,
}

impl PatchOpKind {
    /// The operation as the RFC spells it (lowercase).
    pub fn as_str(self) -> &'static str {
        match self {
            PatchOpKind::Add => "add",
            PatchOpKind::Remove => "remove",
            PatchOpKind::Replace => "replace",
        }
    }

    /// Reads an operation name in any letter case, as Entra's `Replace` needs; `None` for
    /// anything but add, remove and replace.
    pub fn from_keyword(sent: &str) -> Option<PatchOpKind> {
        [PatchOpKind::Add, PatchOpKind::Remove, PatchOpKind::Replace]
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(sent))
    }
}

/// One operation on one attribute path, ready to apply.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// The position of the operation in the request's `Operations` array (0-based). Several
    /// operations share an index when a pathless value was split by attribute.
    pub index: usize,
    pub op: PatchOpKind,
    pub path: PatchPath,
    /// The path as the client wrote it (or the key of a pathless value), for messages.
    pub path_text: String,
    /// The type-checked value with keys in the schema's spelling. `None` for `add`/`replace`
    /// means "clear" (`null`, `[]`, or a tolerated `""`); for `remove` it means "the whole
    /// target", and `Some` list means "only these values" (Entra's legacy member removal).
    pub value: Option<Value>,
    /// The operation came from a pathless value. Okta sends the resource's own `id` there
    /// with a rename, so a readOnly attribute is accepted when the value would not change it.
    pub from_pathless_value: bool,
}

/// A parsed PATCH request.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    pub operations: Vec<PatchOperation>,
    /// Every leniency needed to read the request, in order.
    pub tolerances: Vec<Tolerance>,
}

/// A deviation from RFC 7644 that was accepted, and where. `index` is the position in the
/// request's `Operations` array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tolerance {
    /// `op` was not lowercase, such as Entra's `Replace`.
    OpCase { index: usize, sent: String },
    /// A boolean was sent as a string, such as Entra's legacy `"False"`.
    StringBoolean {
        index: usize,
        path: String,
        sent: String,
    },
    /// A pathless value had a dotted key such as `name.givenName` (Entra `aadOptscim062020`).
    PathlessDottedKey { index: usize, key: String },
    /// A pathless value had a URN-qualified attribute key such as
    /// `urn:…:enterprise:2.0:User:employeeNumber` (Entra `aadOptscim062020`).
    PathlessUrnKey { index: usize, key: String },
    /// `remove` on a multi-valued attribute with a `value` list removed only the listed values
    /// (Entra's legacy member removal).
    MemberRemovalByValueList {
        index: usize,
        path: String,
        count: usize,
    },
    /// A plain string was sent for a complex attribute and read as its `value` (Entra's
    /// manager).
    StringAsComplexValue { index: usize, path: String },
    /// An empty string (or `{"value": ""}`) was read as "clear the attribute" (Entra).
    EmptyStringClears { index: usize, path: String },
    /// A single value was sent where a multi-valued attribute takes an array.
    SingleValueForMultiValued { index: usize, path: String },
    /// `path` was the empty string and was read as no path.
    EmptyPath { index: usize },
    /// A leniency of the path parser, such as a URN-only path.
    LenientPath {
        index: usize,
        path: String,
        note: String,
    },
    /// A member of a value that the schema does not define was ignored.
    UnknownAttributeIgnored { index: usize, path: String },
    /// A pathless value carried a readOnly attribute (Okta's `id`); accepted as long as it
    /// does not change the stored value.
    ReadOnlyInPathlessValue { index: usize, attribute: String },
    /// `add` with a value filter that matched nothing created the element from the filter's
    /// `eq` comparisons (Entra adds `phoneNumbers[type eq "work"].value` this way).
    CreatedFromFilter { index: usize, path: String },
}

impl fmt::Display for Tolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tolerance::OpCase { index, sent } => {
                write!(f, "Operations[{index}]: op `{sent}` is not lowercase")
            }
            Tolerance::StringBoolean { index, path, sent } => write!(
                f,
                "Operations[{index}]: `{path}`: read the string \"{sent}\" as a boolean"
            ),
            Tolerance::PathlessDottedKey { index, key } => write!(
                f,
                "Operations[{index}]: pathless value has the dotted key `{key}`; read as a path"
            ),
            Tolerance::PathlessUrnKey { index, key } => write!(
                f,
                "Operations[{index}]: pathless value has the URN-qualified key `{key}`; read as a path"
            ),
            Tolerance::MemberRemovalByValueList { index, path, count } => write!(
                f,
                "Operations[{index}]: remove `{path}` with a value list; removed only the {count} listed value(s)"
            ),
            Tolerance::StringAsComplexValue { index, path } => write!(
                f,
                "Operations[{index}]: `{path}` is complex but a string was sent; read as its `value`"
            ),
            Tolerance::EmptyStringClears { index, path } => write!(
                f,
                "Operations[{index}]: `{path}` set to an empty string; read as clearing it"
            ),
            Tolerance::SingleValueForMultiValued { index, path } => write!(
                f,
                "Operations[{index}]: `{path}` is multi-valued but a single value was sent; read as a one-element array"
            ),
            Tolerance::EmptyPath { index } => {
                write!(f, "Operations[{index}]: empty `path` read as no path")
            }
            Tolerance::LenientPath { index, path, note } => {
                write!(f, "Operations[{index}]: path `{path}`: {note}")
            }
            Tolerance::UnknownAttributeIgnored { index, path } => write!(
                f,
                "Operations[{index}]: `{path}` is not defined by the schema; ignored"
            ),
            Tolerance::ReadOnlyInPathlessValue { index, attribute } => write!(
                f,
                "Operations[{index}]: readOnly `{attribute}` in a pathless value; accepted because it is unchanged"
            ),
            Tolerance::CreatedFromFilter { index, path } => write!(
                f,
                "Operations[{index}]: `{path}` matched nothing; added a value built from the filter"
            ),
        }
    }
}

impl Tolerance {
    fn from_leniency(index: usize, leniency: Leniency) -> Tolerance {
        match leniency {
            Leniency::StringBoolean { path, sent } => {
                Tolerance::StringBoolean { index, path, sent }
            }
            Leniency::UnknownAttributeIgnored { path } => {
                Tolerance::UnknownAttributeIgnored { index, path }
            }
        }
    }
}

/// The result of applying a PATCH request.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOutcome {
    pub resource: Value,
    /// Whether the resource differs from the input; a server keeps `meta.version` and
    /// `lastModified` for a no-op (RFC 7644 §3.5.2.1: re-adding a value changes nothing).
    pub changed: bool,
    /// Leniencies that only application could decide, such as [`Tolerance::CreatedFromFilter`].
    pub tolerances: Vec<Tolerance>,
}

pub(super) fn syntax(detail: String) -> ScimError {
    ScimError::typed(ScimType::InvalidSyntax, detail)
}

pub(super) fn invalid_path(index: usize, detail: impl fmt::Display) -> ScimError {
    ScimError::typed(
        ScimType::InvalidPath,
        format!("Operations[{index}]: {detail}"),
    )
}

pub(super) fn invalid_value(index: usize, detail: impl fmt::Display) -> ScimError {
    ScimError::typed(
        ScimType::InvalidValue,
        format!("Operations[{index}]: {detail}"),
    )
}
