//! PATCH operations (RFC 7644 §3.5.2): tolerant parsing of what identity providers send, and
//! application with RFC semantics, all operations or none.
//!
//! [`parse_patch`] turns a request body into operations that each target one attribute path,
//! with values already type-checked against the schema; every leniency it needed is recorded
//! in [`PatchRequest::tolerances`] so that a server can log it and a tester can report it.
//! [`apply_patch`] applies them to a copy of the resource, so an error leaves nothing half
//! done. Pure: serde_json and std only.

use std::fmt;

use serde_json::{Map, Value};

use crate::scim::diag::Diagnostic;
use crate::scim::filter::{CompValue, CompareOp, Filter, ParseOptions, matches_element};
use crate::scim::model::{PATCH_OP, ScimError, ScimType};
use crate::scim::path::{AttrPath, PatchPath, parse_patch_path_with};
use crate::scim::resource::{
    Leniency, canonicalise_key, check_single_primary, find_key_ci, get_ci, get_ci_mut, is_assigned,
    is_primary, normalise_single, normalise_value,
};
use crate::scim::schema::{AttrType, Attribute, Mutability, ResourceSchema, Schema, json_kind};

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

fn syntax(detail: String) -> ScimError {
    ScimError::typed(ScimType::InvalidSyntax, detail)
}

/// Reads a PatchOp body (RFC 7644 §3.5.2) against the resource type's schemas.
///
/// Errors: a body that is not an object, lacks the PatchOp URN in `schemas`, or has a
/// missing or empty `Operations` array, and an unknown `op`, are `invalidSyntax` (the body
/// does not fit the PatchOp schema, §3.12); a malformed path or one naming an attribute the
/// schema does not define is `invalidPath`; `remove` without a path is `noTarget`
/// (§3.5.2.2); a value of the wrong type is `invalidValue`.
pub fn parse_patch(body: &Value, schema: &ResourceSchema) -> Result<PatchRequest, ScimError> {
    let members = body.as_object().ok_or_else(|| {
        syntax(format!(
            "a PATCH body must be a JSON object, found {}",
            json_kind(body)
        ))
    })?;
    let lists_patch_op = get_ci(members, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|urns| {
            urns.iter()
                .any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(PATCH_OP)))
        });
    if !lists_patch_op {
        return Err(syntax(format!(
            "`schemas` must list `{PATCH_OP}` (RFC 7644 §3.5.2)"
        )));
    }
    let operations = match get_ci(members, "Operations") {
        Some(Value::Array(ops)) if !ops.is_empty() => ops,
        Some(Value::Array(_)) => {
            return Err(syntax(
                "`Operations` is empty; a PATCH needs at least one operation (RFC 7644 §3.5.2)"
                    .to_owned(),
            ));
        }
        Some(other) => {
            return Err(syntax(format!(
                "`Operations` must be an array, found {}",
                json_kind(other)
            )));
        }
        None => {
            return Err(syntax(
                "`Operations` is missing (RFC 7644 §3.5.2)".to_owned(),
            ));
        }
    };
    let mut parser = RequestParser {
        schema,
        operations: Vec::new(),
        tolerances: Vec::new(),
    };
    for (index, raw) in operations.iter().enumerate() {
        parser.operation(index, raw)?;
    }
    Ok(PatchRequest {
        operations: parser.operations,
        tolerances: parser.tolerances,
    })
}

struct RequestParser<'s> {
    schema: &'s ResourceSchema,
    operations: Vec<PatchOperation>,
    tolerances: Vec<Tolerance>,
}

fn invalid_path(index: usize, detail: impl fmt::Display) -> ScimError {
    ScimError::typed(
        ScimType::InvalidPath,
        format!("Operations[{index}]: {detail}"),
    )
}

fn invalid_value(index: usize, detail: impl fmt::Display) -> ScimError {
    ScimError::typed(
        ScimType::InvalidValue,
        format!("Operations[{index}]: {detail}"),
    )
}

impl<'s> RequestParser<'s> {
    fn operation(&mut self, index: usize, raw: &Value) -> Result<(), ScimError> {
        let members = raw.as_object().ok_or_else(|| {
            syntax(format!(
                "Operations[{index}] must be an object, found {}",
                json_kind(raw)
            ))
        })?;
        let op = self.op_kind(index, members)?;
        let value = get_ci(members, "value");
        let path_text = match get_ci(members, "path") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) if text.trim().is_empty() => {
                self.tolerances.push(Tolerance::EmptyPath { index });
                None
            }
            Some(Value::String(text)) => Some(text.as_str()),
            Some(other) => {
                return Err(invalid_path(
                    index,
                    format!("`path` must be a string, found {}", json_kind(other)),
                ));
            }
        };
        let Some(path_text) = path_text else {
            if op == PatchOpKind::Remove {
                return Err(ScimError::typed(
                    ScimType::NoTarget,
                    format!("Operations[{index}]: remove needs a `path` (RFC 7644 §3.5.2.2)"),
                ));
            }
            return self.pathless(index, op, value);
        };
        let path = self.parse_path(index, path_text)?;
        self.targeted(index, op, path, path_text, value, false)
    }

    fn op_kind(
        &mut self,
        index: usize,
        members: &Map<String, Value>,
    ) -> Result<PatchOpKind, ScimError> {
        let sent = match get_ci(members, "op") {
            Some(Value::String(sent)) => sent,
            Some(other) => {
                return Err(syntax(format!(
                    "Operations[{index}]: `op` must be a string, found {}",
                    json_kind(other)
                )));
            }
            None => return Err(syntax(format!("Operations[{index}]: `op` is missing"))),
        };
        let op = [PatchOpKind::Add, PatchOpKind::Remove, PatchOpKind::Replace]
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(sent))
            .ok_or_else(|| {
                syntax(format!(
                    "Operations[{index}]: unknown op `{sent}` (expected add, remove or replace)"
                ))
            })?;
        if op.as_str() != sent {
            self.tolerances.push(Tolerance::OpCase {
                index,
                sent: sent.clone(),
            });
        }
        Ok(op)
    }

    fn parse_path(&mut self, index: usize, text: &str) -> Result<PatchPath, ScimError> {
        let (path, notes) = parse_path_leniently(text).map_err(|diag| {
            invalid_path(index, format!("invalid path `{text}`: {}", diag.message))
        })?;
        self.tolerances
            .extend(notes.into_iter().map(|note| Tolerance::LenientPath {
                index,
                path: text.to_owned(),
                note: note.message,
            }));
        Ok(path)
    }

    /// A pathless `add`/`replace`: the value is an object of attributes (§3.5.2.1, §3.5.2.3),
    /// split here into one operation per attribute.
    fn pathless(
        &mut self,
        index: usize,
        op: PatchOpKind,
        value: Option<&Value>,
    ) -> Result<(), ScimError> {
        let members = match value {
            Some(Value::Object(members)) => members,
            Some(other) => {
                return Err(invalid_value(
                    index,
                    format!(
                        "without a `path`, `value` must be an object of attributes, found {}",
                        json_kind(other)
                    ),
                ));
            }
            None => {
                return Err(invalid_value(
                    index,
                    format!("{} without a `path` needs a `value`", op.as_str()),
                ));
            }
        };
        for (key, member) in members {
            if key.eq_ignore_ascii_case("schemas") {
                continue;
            }
            if let Some(extension) = self.extension(key) {
                self.extension_object(index, op, &extension.id, member, true)?;
                continue;
            }
            if key.contains(':') {
                self.tolerances.push(Tolerance::PathlessUrnKey {
                    index,
                    key: key.clone(),
                });
            } else if key.contains('.') {
                self.tolerances.push(Tolerance::PathlessDottedKey {
                    index,
                    key: key.clone(),
                });
            }
            let path = self.parse_path(index, key)?;
            if matches!(path, PatchPath::Filtered { .. }) {
                return Err(invalid_path(
                    index,
                    format!("a pathless value cannot have the filtered key `{key}`"),
                ));
            }
            self.targeted(index, op, path, key, Some(member), true)?;
        }
        Ok(())
    }

    fn extension(&self, urn: &str) -> Option<&'s Schema> {
        self.schema
            .extensions
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// An extension's attributes given as one object, under a pathless value's URN key or a
    /// URN-only path: one operation per attribute.
    fn extension_object(
        &mut self,
        index: usize,
        op: PatchOpKind,
        urn: &str,
        value: &Value,
        from_pathless_value: bool,
    ) -> Result<(), ScimError> {
        let members = value.as_object().ok_or_else(|| {
            invalid_value(
                index,
                format!("`{urn}` must be an object, found {}", json_kind(value)),
            )
        })?;
        for (name, member) in members {
            let path = PatchPath::Attr(AttrPath {
                urn: Some(urn.to_owned()),
                name: name.clone(),
                sub: None,
            });
            let text = format!("{urn}:{name}");
            self.targeted(index, op, path, &text, Some(member), from_pathless_value)?;
        }
        Ok(())
    }

    fn targeted(
        &mut self,
        index: usize,
        op: PatchOpKind,
        path: PatchPath,
        path_text: &str,
        value: Option<&Value>,
        from_pathless_value: bool,
    ) -> Result<(), ScimError> {
        let (attr_path, filtered_sub) = match &path {
            PatchPath::Attr(p) => (p, None),
            PatchPath::Filtered { attr, sub, .. } => (attr, Some(sub.as_deref())),
        };
        if attr_path.name.is_empty() {
            let urn = attr_path.urn.as_deref().unwrap_or_default();
            let Some(extension) = self.extension(urn) else {
                return Err(invalid_path(
                    index,
                    format!("`{path_text}` names no extension"),
                ));
            };
            let urn = extension.id.clone();
            if op != PatchOpKind::Remove {
                let value = value.ok_or_else(|| invalid_value(index, "missing `value`"))?;
                return self.extension_object(index, op, &urn, value, from_pathless_value);
            }
            self.push(index, op, path, path_text, None, from_pathless_value);
            return Ok(());
        }
        let schema = self.schema;
        let resolved = schema.resolve(attr_path).ok_or_else(|| {
            invalid_path(
                index,
                format!("`{path_text}` names no attribute of `{}`", schema.core.id),
            )
        })?;
        let attribute = resolved.attribute;
        let target = match filtered_sub {
            None => resolved.target(),
            Some(sub) => {
                if !(attribute.multi_valued && attribute.attr_type == AttrType::Complex) {
                    return Err(invalid_path(
                        index,
                        format!(
                            "`{path_text}`: a value filter needs a multi-valued complex attribute, and `{}` is not one",
                            attribute.name
                        ),
                    ));
                }
                match sub {
                    None => attribute,
                    Some(sub) => attribute.sub_attribute(sub).ok_or_else(|| {
                        invalid_path(
                            index,
                            format!(
                                "`{path_text}`: `{}` has no sub-attribute `{sub}`",
                                attribute.name
                            ),
                        )
                    })?,
                }
            }
        };
        let read_only = attribute.mutability == Mutability::ReadOnly
            || target.mutability == Mutability::ReadOnly;
        if read_only && !from_pathless_value {
            return Err(ScimError::typed(
                ScimType::Mutability,
                format!("Operations[{index}]: `{path_text}` is readOnly (RFC 7643 §2.2)"),
            ));
        }
        if read_only {
            self.tolerances.push(Tolerance::ReadOnlyInPathlessValue {
                index,
                attribute: path_text.to_owned(),
            });
        }
        // A whole multi-valued attribute takes an array; a sub-attribute or a filtered
        // element takes one value.
        let takes_array =
            filtered_sub.is_none() && attr_path.sub.is_none() && attribute.multi_valued;

        if op == PatchOpKind::Remove {
            let listed = match value {
                Some(list @ Value::Array(items))
                    if takes_array
                        && attribute.attr_type == AttrType::Complex
                        && !items.is_empty() =>
                {
                    let listed = self.normalise(index, attribute, list, path_text, true)?;
                    let count = listed
                        .as_ref()
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len);
                    self.tolerances.push(Tolerance::MemberRemovalByValueList {
                        index,
                        path: path_text.to_owned(),
                        count,
                    });
                    listed
                }
                _ => None,
            };
            self.push(index, op, path, path_text, listed, from_pathless_value);
            return Ok(());
        }

        let Some(raw) = value else {
            return Err(invalid_value(
                index,
                format!("{} `{path_text}` needs a `value`", op.as_str()),
            ));
        };
        let normalised = if takes_array {
            let wrapped;
            let list = if raw.is_array() || raw.is_null() {
                raw
            } else {
                self.tolerances.push(Tolerance::SingleValueForMultiValued {
                    index,
                    path: path_text.to_owned(),
                });
                wrapped = Value::Array(vec![raw.clone()]);
                &wrapped
            };
            let normalised = self.normalise(index, attribute, list, path_text, true)?;
            if let Some(items) = &normalised {
                check_single_primary(attribute, items, path_text)
                    .map_err(|e| invalid_value(index, e.detail))?;
            }
            normalised
        } else if is_empty_string_for(target, raw) {
            self.tolerances.push(Tolerance::EmptyStringClears {
                index,
                path: path_text.to_owned(),
            });
            None
        } else if let (AttrType::Complex, Value::String(text)) = (target.attr_type, raw) {
            if target.sub_attribute("value").is_none() {
                return Err(invalid_value(
                    index,
                    format!("`{path_text}`: expected an object, found a string"),
                ));
            }
            self.tolerances.push(Tolerance::StringAsComplexValue {
                index,
                path: path_text.to_owned(),
            });
            let wrapped = serde_json::json!({ "value": text });
            self.normalise(index, target, &wrapped, path_text, false)?
        } else {
            self.normalise(index, target, raw, path_text, false)?
        };
        // `attr[filter]` takes an object of sub-attributes; only `attr[filter].sub` can be
        // cleared.
        if normalised.is_none() && filtered_sub == Some(None) {
            return Err(invalid_value(
                index,
                format!("{} `{path_text}` needs a non-empty `value`", op.as_str()),
            ));
        }
        self.push(index, op, path, path_text, normalised, from_pathless_value);
        Ok(())
    }

    fn normalise(
        &mut self,
        index: usize,
        attribute: &Attribute,
        value: &Value,
        path_text: &str,
        as_array: bool,
    ) -> Result<Option<Value>, ScimError> {
        let mut leniencies = Vec::new();
        let normalised = if as_array {
            normalise_value(attribute, value, path_text, &mut leniencies)
        } else {
            normalise_single(attribute, value, path_text, &mut leniencies)
        }
        .map_err(|e| invalid_value(index, e.detail))?;
        self.tolerances.extend(
            leniencies
                .into_iter()
                .map(|l| Tolerance::from_leniency(index, l)),
        );
        Ok(normalised)
    }

    fn push(
        &mut self,
        index: usize,
        op: PatchOpKind,
        path: PatchPath,
        path_text: &str,
        value: Option<Value>,
        from_pathless_value: bool,
    ) {
        self.operations.push(PatchOperation {
            index,
            op,
            path,
            path_text: path_text.to_owned(),
            value,
            from_pathless_value,
        });
    }
}

/// Entra clears an attribute by sending `""`, and a manager by `""` or `{"value": ""}`.
fn is_empty_string_for(target: &Attribute, raw: &Value) -> bool {
    match raw {
        Value::String(text) => text.is_empty(),
        Value::Object(members) if target.attr_type == AttrType::Complex => {
            members.len() == 1 && get_ci(members, "value").and_then(Value::as_str) == Some("")
        }
        _ => false,
    }
}

/// Parses a PATCH path leniently, returning the parser's notes on what it tolerated (such
/// as a URN-only path naming a whole extension).
fn parse_path_leniently(text: &str) -> Result<(PatchPath, Vec<Diagnostic>), Diagnostic> {
    parse_patch_path_with(text, ParseOptions::lenient())
        .map(|parsed| (parsed.path, parsed.warnings))
}

/// Applies a parsed request to a resource (RFC 7644 §3.5.2): every operation, in order, or
/// none. The input is never modified; on error it is still the current state.
pub fn apply_patch(
    resource: &Value,
    request: &PatchRequest,
    schema: &ResourceSchema,
) -> Result<PatchOutcome, ScimError> {
    let Value::Object(original) = resource else {
        return Err(ScimError::typed(
            ScimType::InvalidValue,
            format!(
                "the stored resource is {}, not an object",
                json_kind(resource)
            ),
        ));
    };
    let mut working = original.clone();
    let mut tolerances = Vec::new();
    for operation in &request.operations {
        apply_operation(&mut working, operation, schema, &mut tolerances)?;
    }
    sync_extension_schemas(&mut working, schema);
    let changed = working != *original;
    Ok(PatchOutcome {
        resource: Value::Object(working),
        changed,
        tolerances,
    })
}

fn mutability(operation: &PatchOperation, detail: impl fmt::Display) -> ScimError {
    ScimError::typed(
        ScimType::Mutability,
        format!(
            "Operations[{}]: `{}` {detail}",
            operation.index, operation.path_text
        ),
    )
}

fn no_target(operation: &PatchOperation) -> ScimError {
    ScimError::typed(
        ScimType::NoTarget,
        format!(
            "Operations[{}]: `{}` matched no value (RFC 7644 §3.5.2.3)",
            operation.index, operation.path_text
        ),
    )
}

/// The object an attribute lives in: the resource itself, or the extension's object, created
/// when `create` is set.
fn container<'r>(
    resource: &'r mut Map<String, Value>,
    extension: Option<&Schema>,
    create: bool,
) -> Option<&'r mut Map<String, Value>> {
    let Some(extension) = extension else {
        return Some(resource);
    };
    if find_key_ci(resource, &extension.id).is_none() {
        if !create {
            return None;
        }
        resource.insert(extension.id.clone(), Value::Object(Map::new()));
    }
    let slot = get_ci_mut(resource, &extension.id)?;
    if !slot.is_object() {
        if !create {
            return None;
        }
        // A stored non-object here is not extension data; a write replaces it.
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

fn apply_operation(
    resource: &mut Map<String, Value>,
    operation: &PatchOperation,
    schema: &ResourceSchema,
    tolerances: &mut Vec<Tolerance>,
) -> Result<(), ScimError> {
    let (attr_path, filter, filtered_sub) = match &operation.path {
        PatchPath::Attr(p) => (p, None, None),
        PatchPath::Filtered { attr, filter, sub } => (attr, Some(filter), sub.as_deref()),
    };
    if attr_path.name.is_empty() {
        // Only `remove` reaches here: the parser splits URN-only add/replace by attribute.
        if let Some(key) = attr_path
            .urn
            .as_deref()
            .and_then(|urn| find_key_ci(resource, urn))
            .map(str::to_owned)
        {
            resource.shift_remove(&key);
        }
        return Ok(());
    }
    let resolved = schema.resolve(attr_path).ok_or_else(|| {
        invalid_path(
            operation.index,
            format!("`{}` names no attribute", operation.path_text),
        )
    })?;
    let extension = resolved.is_extension.then_some(resolved.schema);
    let attribute = resolved.attribute;
    let writing = operation.op != PatchOpKind::Remove && operation.value.is_some();
    let Some(object) = container(resource, extension, writing) else {
        return Ok(());
    };
    let key = attribute.name.as_str();
    canonicalise_key(object, key);
    match filter {
        None => match resolved.sub_attribute {
            None => apply_to_attribute(object, attribute, operation),
            Some(sub) => apply_to_sub_attribute(object, attribute, sub, operation),
        },
        Some(filter) => {
            let sub = filtered_sub.and_then(|s| attribute.sub_attribute(s));
            apply_filtered(object, attribute, filter, sub, operation, tolerances)
        }
    }
}

/// Refuses to clear or remove what the schema protects: readOnly and immutable attributes
/// and required ones (RFC 7644 §3.5.2.2, `mutability`).
fn check_removable(attribute: &Attribute, operation: &PatchOperation) -> Result<(), ScimError> {
    match attribute.mutability {
        Mutability::ReadOnly => Err(mutability(operation, "is readOnly")),
        Mutability::Immutable => Err(mutability(operation, "is immutable")),
        _ if attribute.required => Err(mutability(operation, "is required and cannot be removed")),
        _ => Ok(()),
    }
}

/// Refuses to change a readOnly value, or an immutable one that is already set (RFC 7643
/// §2.2). Writing the value a readOnly attribute already has is accepted only when it came
/// from a pathless value (Okta sends `id` with a rename).
fn check_writable(
    attribute: &Attribute,
    current: Option<&Value>,
    new: &Value,
    operation: &PatchOperation,
) -> Result<(), ScimError> {
    let unchanged = current == Some(new);
    match attribute.mutability {
        Mutability::ReadOnly if unchanged && operation.from_pathless_value => Ok(()),
        Mutability::ReadOnly => Err(mutability(operation, "is readOnly")),
        Mutability::Immutable if current.is_some_and(is_assigned) && !unchanged => Err(mutability(
            operation,
            "is immutable and already has a value",
        )),
        _ => Ok(()),
    }
}

fn apply_to_attribute(
    object: &mut Map<String, Value>,
    attribute: &Attribute,
    operation: &PatchOperation,
) -> Result<(), ScimError> {
    let key = attribute.name.as_str();
    let value = match (operation.op, &operation.value) {
        (PatchOpKind::Remove, Some(listed)) => {
            return remove_listed(object, attribute, listed, operation);
        }
        // Adding no values adds nothing; it must not wipe the list.
        (PatchOpKind::Add, None) if attribute.multi_valued => return Ok(()),
        (_, None) => {
            if object.get(key).is_some_and(is_assigned) {
                check_removable(attribute, operation)?;
            }
            object.shift_remove(key);
            return Ok(());
        }
        (_, Some(value)) => value,
    };
    let current = object.get(key).filter(|v| is_assigned(v));
    if attribute.multi_valued {
        check_writable(attribute, current, value, operation)?;
        let new_items = value.as_array().cloned().unwrap_or_default();
        return match operation.op {
            PatchOpKind::Replace => {
                object.insert(key.to_owned(), Value::Array(new_items));
                Ok(())
            }
            _ => add_values(object, attribute, new_items, operation),
        };
    }
    let new_value = match (attribute.attr_type, value) {
        // Add and replace both merge the given sub-attributes (§3.5.2.1, §3.5.2.3).
        (AttrType::Complex, Value::Object(given)) => {
            let mut merged = current
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for (sub_name, sub_value) in given {
                if let Some(sub) = attribute.sub_attribute(sub_name) {
                    check_writable(sub, merged.get(sub_name), sub_value, operation)?;
                }
                merged.insert(sub_name.clone(), sub_value.clone());
            }
            Value::Object(merged)
        }
        _ => value.clone(),
    };
    check_writable(attribute, current, &new_value, operation)?;
    object.insert(key.to_owned(), new_value);
    Ok(())
}

/// Appends to a multi-valued attribute (§3.5.2.1). A value whose `value` (and `type`, if
/// given) equals an existing element's is merged into it instead, so re-adding a member or
/// an email changes nothing; a new `primary: true` clears the others (§3.5.2).
fn add_values(
    object: &mut Map<String, Value>,
    attribute: &Attribute,
    new_items: Vec<Value>,
    operation: &PatchOperation,
) -> Result<(), ScimError> {
    let key = attribute.name.as_str();
    let mut items = object
        .get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut touched = Vec::new();
    for new in new_items {
        match items
            .iter()
            .position(|old| same_element(attribute, old, &new))
        {
            Some(at) => {
                if let (Some(Value::Object(old)), Value::Object(given)) = (items.get_mut(at), &new)
                {
                    for (k, v) in given {
                        old.insert(k.clone(), v.clone());
                    }
                }
                touched.push(at);
            }
            None => {
                items.push(new);
                touched.push(items.len() - 1);
            }
        }
    }
    settle_primary(attribute, &mut items, &touched, operation)?;
    object.insert(key.to_owned(), Value::Array(items));
    Ok(())
}

/// Whether `new` designates the same element as `old`: equal JSON, or for complex values an
/// equal `value` sub-attribute (compared as its `caseExact` says) and no conflicting `type`.
fn same_element(attribute: &Attribute, old: &Value, new: &Value) -> bool {
    if old == new {
        return true;
    }
    let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else {
        return false;
    };
    let Some(new_value) = new.get("value") else {
        return false;
    };
    let case_exact = attribute
        .sub_attribute("value")
        .is_none_or(|sub| sub.case_exact);
    let values_equal = match (old.get("value"), new_value) {
        (Some(Value::String(a)), Value::String(b)) if !case_exact => a.eq_ignore_ascii_case(b),
        (Some(a), b) => a == b,
        (None, _) => false,
    };
    let types_agree = match (old.get("type"), new.get("type")) {
        (Some(Value::String(a)), Some(Value::String(b))) => a.eq_ignore_ascii_case(b),
        (_, None) => true,
        (a, b) => a == b,
    };
    values_equal && types_agree
}

/// After a write to the elements at `touched`: if one of them became primary, the others
/// stop being primary (RFC 7644 §3.5.2); two written primaries are an error (RFC 7643 §2.4).
fn settle_primary(
    attribute: &Attribute,
    items: &mut [Value],
    touched: &[usize],
    operation: &PatchOperation,
) -> Result<(), ScimError> {
    let written_primaries = touched
        .iter()
        .filter(|&&i| items.get(i).is_some_and(is_primary))
        .count();
    if written_primaries > 1 {
        return Err(invalid_value(
            operation.index,
            format!(
                "`{}`: {written_primaries} values would be primary; at most one may be (RFC 7643 §2.4)",
                attribute.name
            ),
        ));
    }
    if written_primaries == 1 {
        for (i, item) in items.iter_mut().enumerate() {
            if !touched.contains(&i) && is_primary(item) {
                if let Some(members) = item.as_object_mut() {
                    members.insert("primary".to_owned(), Value::Bool(false));
                }
            }
        }
    }
    Ok(())
}

/// Entra's legacy member removal: `remove` on `members` with a `value` list removes only the
/// listed members.
fn remove_listed(
    object: &mut Map<String, Value>,
    attribute: &Attribute,
    listed: &Value,
    operation: &PatchOperation,
) -> Result<(), ScimError> {
    let key = attribute.name.as_str();
    let Some(Value::Array(items)) = object.get_mut(key) else {
        return Ok(());
    };
    if attribute.mutability != Mutability::ReadWrite {
        return Err(mutability(
            operation,
            format!("is {}", attribute.mutability.as_str()),
        ));
    }
    let listed = listed.as_array().map(Vec::as_slice).unwrap_or_default();
    items.retain(|item| !listed.iter().any(|l| same_element(attribute, item, l)));
    if items.is_empty() {
        object.shift_remove(key);
    }
    Ok(())
}

fn apply_to_sub_attribute(
    object: &mut Map<String, Value>,
    attribute: &Attribute,
    sub: &Attribute,
    operation: &PatchOperation,
) -> Result<(), ScimError> {
    let key = attribute.name.as_str();
    let clearing = operation.op == PatchOpKind::Remove || operation.value.is_none();
    if attribute.mutability == Mutability::ReadOnly && !operation.from_pathless_value {
        return Err(mutability(operation, "is readOnly"));
    }
    let elements: Vec<&mut Map<String, Value>> = match object.get_mut(key) {
        Some(Value::Array(items)) if attribute.multi_valued => {
            items.iter_mut().filter_map(Value::as_object_mut).collect()
        }
        Some(Value::Object(members)) => vec![members],
        _ if clearing => return Ok(()),
        _ if attribute.multi_valued => return Err(no_target(operation)),
        _ => {
            object.insert(key.to_owned(), Value::Object(Map::new()));
            object
                .get_mut(key)
                .and_then(Value::as_object_mut)
                .into_iter()
                .collect()
        }
    };
    for element in elements {
        write_sub_attribute(element, sub, operation)?;
    }
    drop_if_unassigned(object, key);
    Ok(())
}

/// Sets or clears one sub-attribute of one complex value.
fn write_sub_attribute(
    element: &mut Map<String, Value>,
    sub: &Attribute,
    operation: &PatchOperation,
) -> Result<(), ScimError> {
    canonicalise_key(element, &sub.name);
    let current = element.get(&sub.name);
    match operation
        .value
        .as_ref()
        .filter(|_| operation.op != PatchOpKind::Remove)
    {
        None => {
            if current.is_some_and(is_assigned) {
                check_removable(sub, operation)?;
            }
            element.shift_remove(&sub.name);
        }
        Some(value) => {
            check_writable(sub, current, value, operation)?;
            element.insert(sub.name.clone(), value.clone());
        }
    }
    Ok(())
}

fn drop_if_unassigned(object: &mut Map<String, Value>, key: &str) {
    let empty = match object.get_mut(key) {
        Some(Value::Array(items)) => {
            items.retain(is_assigned);
            items.is_empty()
        }
        Some(value) => !is_assigned(value),
        None => false,
    };
    if empty {
        object.shift_remove(key);
    }
}

/// `attr[filter]` and `attr[filter].sub` (§3.5.2): the filter selects elements of a
/// multi-valued complex attribute; its paths name the attribute's sub-attributes.
fn apply_filtered(
    object: &mut Map<String, Value>,
    attribute: &Attribute,
    filter: &Filter,
    sub: Option<&Attribute>,
    operation: &PatchOperation,
    tolerances: &mut Vec<Tolerance>,
) -> Result<(), ScimError> {
    let key = attribute.name.as_str();
    let mut items = object
        .get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut matched = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let hit = matches_element(filter, item, attribute).map_err(|e| {
            invalid_path(
                operation.index,
                format!("`{}`: cannot evaluate the filter: {e}", operation.path_text),
            )
        })?;
        if hit {
            matched.push(i);
        }
    }
    if operation.op == PatchOpKind::Remove {
        if !matched.is_empty() && sub.is_none() && attribute.mutability != Mutability::ReadWrite {
            return Err(mutability(
                operation,
                format!("is {}", attribute.mutability.as_str()),
            ));
        }
        match sub {
            None => {
                let mut i = 0;
                items.retain(|_| {
                    let keep = !matched.contains(&i);
                    i += 1;
                    keep
                });
            }
            Some(sub) => {
                for &i in &matched {
                    if let Some(element) = items.get_mut(i).and_then(Value::as_object_mut) {
                        write_sub_attribute(element, sub, operation)?;
                    }
                }
            }
        }
        store_items(object, key, items);
        return Ok(());
    }
    if attribute.mutability == Mutability::ReadOnly {
        return Err(mutability(operation, "is readOnly"));
    }
    if matched.is_empty() {
        let seed = match (operation.op, &operation.value) {
            (PatchOpKind::Add, None) => return Ok(()),
            (PatchOpKind::Add, Some(_)) => {
                element_from_filter(filter).ok_or_else(|| no_target(operation))?
            }
            _ => return Err(no_target(operation)),
        };
        tolerances.push(Tolerance::CreatedFromFilter {
            index: operation.index,
            path: operation.path_text.clone(),
        });
        items.push(Value::Object(seed));
        matched.push(items.len() - 1);
    }
    for &i in &matched {
        let Some(element) = items.get_mut(i).and_then(Value::as_object_mut) else {
            continue;
        };
        match (sub, &operation.value) {
            (Some(sub), _) => write_sub_attribute(element, sub, operation)?,
            (None, Some(Value::Object(given))) => {
                for (name, value) in given {
                    if let Some(sub) = attribute.sub_attribute(name) {
                        check_writable(sub, element.get(name), value, operation)?;
                    }
                    element.insert(name.clone(), value.clone());
                }
            }
            (None, _) => {}
        }
    }
    settle_primary(attribute, &mut items, &matched, operation)?;
    store_items(object, key, items);
    Ok(())
}

fn store_items(object: &mut Map<String, Value>, key: &str, items: Vec<Value>) {
    let items: Vec<Value> = items.into_iter().filter(is_assigned).collect();
    if items.is_empty() {
        object.shift_remove(key);
    } else {
        object.insert(key.to_owned(), Value::Array(items));
    }
}

/// The element a filter of `eq` comparisons joined by `and` describes, such as
/// `{"type": "work"}` for `type eq "work"`; `None` for any other filter.
fn element_from_filter(filter: &Filter) -> Option<Map<String, Value>> {
    let mut element = Map::new();
    let mut pending = vec![filter];
    while let Some(next) = pending.pop() {
        match next {
            Filter::And(left, right) => {
                pending.push(right);
                pending.push(left);
            }
            Filter::Compare(path, CompareOp::Eq, value) if path.sub.is_none() => {
                let value = match value {
                    CompValue::Null => return None,
                    CompValue::Bool(b) => Value::Bool(*b),
                    CompValue::Number(n) => Value::Number(n.clone()),
                    CompValue::String(s) => Value::String(s.clone()),
                };
                element.insert(path.name.clone(), value);
            }
            _ => return None,
        }
    }
    Some(element)
}

/// Keeps `schemas` in step with the extension objects after a PATCH: an extension that
/// gained data is listed, one that lost all of it is removed with its URN (RFC 7643 §3).
fn sync_extension_schemas(resource: &mut Map<String, Value>, schema: &ResourceSchema) {
    for extension in &schema.extensions {
        let Some(key) = find_key_ci(resource, &extension.id).map(str::to_owned) else {
            continue;
        };
        let has_data = resource.get(&key).is_some_and(is_assigned);
        if !has_data {
            resource.shift_remove(&key);
        }
        let Some(Value::Array(urns)) = get_ci_mut(resource, "schemas") else {
            continue;
        };
        let listed = urns.iter().position(|u| {
            u.as_str()
                .is_some_and(|u| u.eq_ignore_ascii_case(&extension.id))
        });
        match (has_data, listed) {
            (true, None) => urns.push(Value::String(extension.id.clone())),
            (false, Some(at)) => {
                urns.remove(at);
            }
            _ => {}
        }
    }
}
