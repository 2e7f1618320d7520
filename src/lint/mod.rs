//! `scimctl lint`: offline checks of a SCIM document (a resource, a ListResponse, a PatchOp
//! body or an Error) against the schemas, reported as [`crate::findings`]. It never sends the
//! document anywhere nor changes it, and leaves what each finding means to the catalogue.
//!
//! The server's readers ([`crate::scim::resource`], [`crate::scim::patch`]) stop at the first
//! error and quietly tolerate what identity providers send; lint goes on past every problem and
//! names each one with a JSON pointer, including the tolerated ones, so one run shows all a
//! document would cost with a strict server, Okta or Entra. It is built on the same core: the
//! schema model and its resolution, the filter and PATCH path parsers, PATCH targets, how a
//! value fits its type, how a paging number reads. `tests/lint.rs` keeps lint in agreement with the server's PATCH reader on every
//! fixture. Pure: serde_json and std only.

mod error;
mod list;
mod patch;
mod resource;
mod values;

use std::fmt;

use serde_json::{Map, Value};

use crate::findings::{Deviation, Finding, Pointer};
use crate::scim::model::{
    BULK_REQUEST, BULK_RESPONSE, ERROR, LIST_RESPONSE, PATCH_OP, SEARCH_REQUEST,
};
use crate::scim::resource::{find_key_ci, get_ci, lists_schema};
use crate::scim::schema::{ResourceSchema, ResourceType};
use crate::scim::schema_set::SchemaSet;

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A User, a Group or another resource (RFC 7643 §3).
    Resource,
    /// A list or search answer (RFC 7644 §3.4.2).
    ListResponse,
    /// A PATCH request body (RFC 7644 §3.5.2).
    PatchOp,
    /// An error answer (RFC 7644 §3.12).
    Error,
}

impl Kind {
    /// The kind as messages and `-o json` name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Resource => "resource",
            Kind::ListResponse => "ListResponse",
            Kind::PatchOp => "PatchOp",
            Kind::Error => "Error",
        }
    }
}

/// What the caller knows about the document.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// The kind, when not to be detected.
    pub kind: Option<Kind>,
    /// The resource type of a resource or of what a PatchOp changes, when not to be detected.
    pub resource_type: Option<&'a str>,
    /// The resource is a server's answer (a read or a create's reply), not a request body:
    /// readOnly attributes belong there, and `returned: never` ones must not be there.
    pub answered: bool,
}

/// The outcome of linting one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Linted {
    pub kind: Kind,
    /// The resource type a resource or a PatchOp was checked as (none for lists and errors,
    /// whose resources each have their own).
    pub resource_type: Option<String>,
    /// How the resource type was chosen.
    pub resource_type_origin: TypeOrigin,
    pub findings: Vec<Finding>,
}

/// How a resource type was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeOrigin {
    /// Given by the caller.
    Given,
    /// The core schema URN in the document's `schemas`.
    Schemas,
    /// The type the document's attributes fit best.
    Guessed,
    /// Not applicable (lists, errors).
    None,
}

/// Why a document cannot be linted at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LintError {
    /// Not a JSON object (or, for a list, an array).
    NotADocument(String),
    /// `resource_type` names no resource type of the schema set.
    UnknownResourceType { name: String, known: Vec<String> },
    /// The schema set has no resource type whose schemas are all there.
    NoResourceType { known: Vec<String> },
}

impl fmt::Display for LintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LintError::NotADocument(why) => f.write_str(why),
            LintError::UnknownResourceType { name, known } => write!(
                f,
                "unknown resource type `{name}`; the schemas define {}",
                known.join(", ")
            ),
            LintError::NoResourceType { known } if known.is_empty() => {
                f.write_str("the schemas define no resource type")
            }
            LintError::NoResourceType { known } => write!(
                f,
                "no resource type has all its schemas ({}); give the core schema too",
                known.join(", ")
            ),
        }
    }
}

impl std::error::Error for LintError {}

/// Lints `document` against `schemas`.
pub fn lint(
    document: &Value,
    schemas: &SchemaSet,
    options: Options<'_>,
) -> Result<Linted, LintError> {
    if let Some(urn) = unsupported_message(document).filter(|_| options.kind.is_none()) {
        return Err(LintError::NotADocument(format!(
            "`{urn}` messages are not checked yet; lint reads resources, ListResponses, \
             PatchOps and Errors"
        )));
    }
    let detected = detect(document);
    let kind = options.kind.or(detected).ok_or_else(|| {
        LintError::NotADocument(format!(
            "the document is {}, not a SCIM resource or message",
            crate::scim::schema::json_kind(document)
        ))
    })?;
    let known_types = || -> Vec<String> {
        schemas
            .type_names()
            .iter()
            .map(|n| (*n).to_owned())
            .collect()
    };
    let given = match options.resource_type {
        Some(name) => {
            Some(
                schemas
                    .resource_type(name)
                    .ok_or_else(|| LintError::UnknownResourceType {
                        name: name.to_owned(),
                        known: known_types(),
                    })?,
            )
        }
        None => None,
    };
    let mut linted = Linted {
        kind,
        resource_type: None,
        resource_type_origin: TypeOrigin::None,
        findings: Vec::new(),
    };
    if kind == Kind::ListResponse && document.is_array() {
        list::lint_bare_array(document, schemas, &mut linted.findings);
        return Ok(linted);
    }
    let Value::Object(object) = document else {
        return Err(LintError::NotADocument(format!(
            "a {} is a JSON object, and the document is {}",
            kind.as_str(),
            crate::scim::schema::json_kind(document)
        )));
    };
    let no_type = || LintError::NoResourceType {
        known: known_types(),
    };
    let lint_one: Linter = match kind {
        Kind::Error => {
            error::lint_error(object, &mut linted.findings);
            return Ok(linted);
        }
        Kind::ListResponse => {
            list::lint_list(object, schemas, &mut linted.findings);
            return Ok(linted);
        }
        Kind::Resource if options.answered => resource::lint_response_body,
        Kind::Resource => resource::lint_request_body,
        Kind::PatchOp => patch::lint_patch,
    };
    let (rt, schema, origin) = match given {
        Some((rt, schema)) => (rt, schema, TypeOrigin::Given),
        None if kind == Kind::Resource => {
            resource_type_of(object, schemas, lint_one).ok_or_else(no_type)?
        }
        None => best_fit(object, schemas, lint_one).ok_or_else(no_type)?,
    };
    lint_one(object, &schema, &mut linted.findings);
    linted.resource_type = Some(rt.name.clone());
    linted.resource_type_origin = origin;
    Ok(linted)
}

/// The URN of a SCIM message lint does not read (a bulk or search request), if the document
/// is one.
fn unsupported_message(document: &Value) -> Option<&'static str> {
    [SEARCH_REQUEST, BULK_REQUEST, BULK_RESPONSE]
        .into_iter()
        .find(|message| lists_schema(document, message))
}

/// What a document looks like: its message URN in `schemas`, else its shape.
fn detect(document: &Value) -> Option<Kind> {
    let object = match document {
        Value::Array(_) => return Some(Kind::ListResponse),
        Value::Object(object) => object,
        _ => return None,
    };
    let lists = |urn: &str| lists_schema(object, urn);
    let has = |name: &str| find_key_ci(object, name).is_some();
    Some(if lists(PATCH_OP) {
        Kind::PatchOp
    } else if lists(LIST_RESPONSE) {
        Kind::ListResponse
    } else if lists(ERROR) {
        Kind::Error
    } else if has("Operations") && !has("id") {
        Kind::PatchOp
    } else if has("Resources") || has("totalResults") {
        Kind::ListResponse
    } else if has("status") && (has("detail") || has("scimType")) {
        Kind::Error
    } else {
        Kind::Resource
    })
}

/// The resource type of a resource: the one whose core schema `schemas` lists, else the best
/// fit by `lint`.
fn resource_type_of<'s>(
    object: &Map<String, Value>,
    schemas: &'s SchemaSet,
    lint: Linter,
) -> Option<(&'s ResourceType, ResourceSchema, TypeOrigin)> {
    let listed = get_ci(object, "schemas")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find_map(|urn| schemas.by_core_schema(urn));
    match listed {
        Some((rt, schema)) => Some((rt, schema, TypeOrigin::Schemas)),
        None => best_fit(object, schemas, lint),
    }
}

/// A check of a document against one resource type's schemas.
type Linter = fn(&Map<String, Value>, &ResourceSchema, &mut Vec<Finding>);

/// The resource type under which `lint` finds the fewest unknown attributes
/// ([`SchemaSet::best_fit`]).
fn best_fit<'s>(
    object: &Map<String, Value>,
    schemas: &'s SchemaSet,
    lint: Linter,
) -> Option<(&'s ResourceType, ResourceSchema, TypeOrigin)> {
    let unknown = |schema: &ResourceSchema| {
        let mut found = Vec::new();
        lint(object, schema, &mut found);
        found
            .iter()
            .filter(|f| {
                matches!(
                    f.deviation,
                    Deviation::AttributeUnknown | Deviation::ExtensionAttributeOutsideUrn
                )
            })
            .count()
    };
    let (rt, schema) = schemas.best_fit(unknown)?;
    Some((rt, schema, TypeOrigin::Guessed))
}

/// Checks that a message's `schemas` lists its URN (RFC 7644 §3.1).
fn check_message_schemas(
    object: &Map<String, Value>,
    urn: &str,
    kind: Kind,
    out: &mut Vec<Finding>,
) {
    if lists_schema(object, urn) {
        return;
    }
    let pointer = Pointer::root().key("schemas");
    let seen = match get_ci(object, "schemas") {
        None => format!("no `schemas`; a {} lists `{urn}`", kind.as_str()),
        Some(_) => format!("`schemas` does not list `{urn}`"),
    };
    out.push(Finding::at(
        Deviation::MessageSchemasMissing,
        &pointer,
        seen,
    ));
}

/// The key of `name` in `object`, with a finding when it is spelled in another case.
fn message_key<'o>(
    object: &'o Map<String, Value>,
    name: &str,
    out: &mut Vec<Finding>,
) -> Option<(&'o str, &'o Value)> {
    let key = find_key_ci(object, name)?;
    if key != name {
        out.push(Finding::at(
            Deviation::MessageKeyCase,
            &Pointer::root().key(key),
            format!("`{key}` where RFC 7644 writes `{name}`"),
        ));
    }
    Some((key, object.get(key)?))
}
