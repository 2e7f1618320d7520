//! A PatchOp body read into operations that each target one attribute path, values checked
//! against the schema, every leniency recorded. It applies nothing.

use serde_json::{Map, Value};

use super::{
    PatchOpKind, PatchOperation, PatchRequest, Tolerance, invalid_path, invalid_value, syntax,
};
use crate::scim::diag::Diagnostic;
use crate::scim::filter::ParseOptions;
use crate::scim::model::{PATCH_OP, ScimError, ScimType};
use crate::scim::path::{AttrPath, PatchPath, parse_patch_path_with};
use crate::scim::resource::{
    check_single_primary, get_ci, lists_schema, normalise_single, normalise_value,
};
use crate::scim::schema::{AttrType, Attribute, Mutability, ResourceSchema, json_kind};

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
    if !lists_schema(members, PATCH_OP) {
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
        let op = PatchOpKind::from_keyword(sent).ok_or_else(|| {
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
            if let Some(extension) = self.schema.extension(key) {
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
            let Some(extension) = self.schema.extension(urn) else {
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
        let (attribute, target) = self.target(index, attr_path, filtered_sub, path_text)?;
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
        let normalised = match (op, value) {
            (PatchOpKind::Remove, _) => {
                self.removed_values(index, attribute, value, path_text, takes_array)?
            }
            (_, None) => {
                return Err(invalid_value(
                    index,
                    format!("{} `{path_text}` needs a `value`", op.as_str()),
                ));
            }
            (_, Some(raw)) => {
                let written = if takes_array {
                    self.written_list(index, attribute, raw, path_text)?
                } else {
                    self.written_value(index, target, raw, path_text)?
                };
                // `attr[filter]` takes an object of sub-attributes; only `attr[filter].sub`
                // can be cleared.
                if written.is_none() && filtered_sub == Some(None) {
                    return Err(invalid_value(
                        index,
                        format!("{} `{path_text}` needs a non-empty `value`", op.as_str()),
                    ));
                }
                written
            }
        };
        self.push(index, op, path, path_text, normalised, from_pathless_value);
        Ok(())
    }

    /// The attribute a path names and the one its value is for: the same, or its
    /// sub-attribute (`name.givenName`, `emails[type eq "work"].value`).
    fn target(
        &self,
        index: usize,
        attr_path: &AttrPath,
        filtered_sub: Option<Option<&str>>,
        path_text: &str,
    ) -> Result<(&'s Attribute, &'s Attribute), ScimError> {
        let schema = self.schema;
        let resolved = schema.resolve(attr_path).ok_or_else(|| {
            invalid_path(
                index,
                format!("`{path_text}` names no attribute of `{}`", schema.core.id),
            )
        })?;
        let attribute = resolved.attribute;
        let Some(sub) = filtered_sub else {
            return Ok((attribute, resolved.sub_attribute.unwrap_or(attribute)));
        };
        if !(attribute.multi_valued && attribute.attr_type == AttrType::Complex) {
            return Err(invalid_path(
                index,
                format!(
                    "`{path_text}`: a value filter needs a multi-valued complex attribute, and `{}` is not one",
                    attribute.name
                ),
            ));
        }
        let target = match sub {
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
        };
        Ok((attribute, target))
    }

    /// The values a `remove` lists: only for a whole multi-valued complex attribute given a
    /// non-empty array (Entra's legacy member removal); else `None`, removing it all.
    fn removed_values(
        &mut self,
        index: usize,
        attribute: &Attribute,
        value: Option<&Value>,
        path_text: &str,
        takes_array: bool,
    ) -> Result<Option<Value>, ScimError> {
        let Some(list @ Value::Array(items)) = value else {
            return Ok(None);
        };
        if !(takes_array && attribute.attr_type == AttrType::Complex && !items.is_empty()) {
            return Ok(None);
        }
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
        Ok(listed)
    }

    /// The value of an `add` or `replace` of a whole multi-valued attribute: an array (a single
    /// value is read as a one-element one), with at most one primary.
    fn written_list(
        &mut self,
        index: usize,
        attribute: &Attribute,
        raw: &Value,
        path_text: &str,
    ) -> Result<Option<Value>, ScimError> {
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
        Ok(normalised)
    }

    /// The value of an `add` or `replace` of one value of `target`: Entra's empty string clears
    /// it, and a plain string for a complex attribute is read as its `value`.
    fn written_value(
        &mut self,
        index: usize,
        target: &Attribute,
        raw: &Value,
        path_text: &str,
    ) -> Result<Option<Value>, ScimError> {
        if is_empty_string_for(target, raw) {
            self.tolerances.push(Tolerance::EmptyStringClears {
                index,
                path: path_text.to_owned(),
            });
            return Ok(None);
        }
        let (AttrType::Complex, Value::String(text)) = (target.attr_type, raw) else {
            return self.normalise(index, target, raw, path_text, false);
        };
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
        self.normalise(index, target, &wrapped, path_text, false)
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

/// Entra clears an attribute by sending `""`, and a manager by `""` or `{"value": ""}`: the
/// reader tolerates it as clearing, and `lint` names it.
pub(crate) fn is_empty_string_for(target: &Attribute, raw: &Value) -> bool {
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
