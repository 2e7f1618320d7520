//! Lint of a PatchOp body (RFC 7644 §3.5.2): the envelope, each operation's `op`, its `path`
//! through the core path parser, what the path designates ([`crate::scim::target`]), and each
//! value against that target, naming every shape Okta and Entra send that the RFC does not.
//! It applies no operation: what a PATCH does to a resource is [`crate::scim::patch`]'s.

use serde_json::{Map, Value};

use super::resource::{extension_members, unknown_in_extension};
use super::values::{Source, check_single, check_value, described};
use super::{Kind, check_message_schemas, message_key};
use crate::findings::{Deviation, Finding, Pointer};
use crate::scim::explain::{Resolution, element_comparisons, parse_path_explained};
use crate::scim::model::PATCH_OP;
use crate::scim::patch::PatchOpKind;
use crate::scim::path::PatchPath;
use crate::scim::resource::{find_key_ci, get_ci};
use crate::scim::schema::{AttrType, Mutability, ResourceSchema, Schema};
use crate::scim::target::{Target, TargetError, patch_target};

/// Lints a PatchOp body for a resource described by `schema`.
pub(super) fn lint_patch(
    object: &Map<String, Value>,
    schema: &ResourceSchema,
    out: &mut Vec<Finding>,
) {
    check_message_schemas(object, PATCH_OP, Kind::PatchOp, out);
    let at = Pointer::root().key("Operations");
    let operations = match message_key(object, "Operations", out) {
        Some((_, Value::Array(operations))) if !operations.is_empty() => operations,
        found => {
            let seen = match found {
                None => "no `Operations`".to_owned(),
                Some((_, value)) => format!("`Operations` is {}", empty_or(value)),
            };
            out.push(Finding::at(Deviation::PatchOperationsMissing, &at, seen));
            return;
        }
    };
    let at = Pointer::root().key(find_key_ci(object, "Operations").unwrap_or("Operations"));
    for (index, operation) in operations.iter().enumerate() {
        lint_operation(operation, &at.index(index), schema, out);
    }
}

fn empty_or(value: &Value) -> String {
    match value {
        Value::Array(items) if items.is_empty() => "empty".to_owned(),
        other => described(other),
    }
}

fn lint_operation(
    operation: &Value,
    at: &Pointer,
    schema: &ResourceSchema,
    out: &mut Vec<Finding>,
) {
    let Value::Object(members) = operation else {
        out.push(Finding::at(
            Deviation::PatchOpInvalid,
            at,
            format!("{}, not an operation object", described(operation)),
        ));
        return;
    };
    let op = op_kind(members, at, out);
    let path = patch_path(members, at, out);
    // `null` is a value: it clears the attribute (RFC 7643 §2.5).
    let value = get_ci(members, "value");
    let value_at = at.key(find_key_ci(members, "value").unwrap_or("value"));
    let Some(op) = op else {
        return;
    };
    let (path, path_at) = match path {
        Err(Reported) => return,
        Ok(None) => {
            match (op, value) {
                (PatchOpKind::Remove, _) => out.push(Finding::at(
                    Deviation::PatchRemoveWithoutPath,
                    at,
                    "`remove` without a `path`",
                )),
                (_, None) => value_missing(op, &value_at, out),
                (_, Some(value)) => pathless(value, &value_at, schema, out),
            }
            return;
        }
        Ok(Some(parsed)) => parsed,
    };
    let target = match patch_target(&path, schema) {
        Ok(target) => target,
        Err(error) => {
            out.push(target_finding(&error, &path_at));
            return;
        }
    };
    if let PatchPath::Filtered { attr, filter, .. } = &path {
        for comparison in element_comparisons(filter, attr, schema) {
            if let (Resolution::Unknown(_), Some(error)) =
                (comparison.resolution, &comparison.unknown)
            {
                out.push(target_finding(error, &path_at));
            }
        }
    }
    if target.is_read_only() {
        out.push(Finding::at(
            Deviation::PatchReadOnlyTarget,
            &path_at,
            format!("`{op}` of `{path}`, which is readOnly", op = op.as_str()),
        ));
        return;
    }
    match (op, value) {
        (PatchOpKind::Remove, Some(value)) => removal_value(&target, value, &value_at, &path, out),
        (PatchOpKind::Remove, None) => {}
        (_, None) => value_missing(op, &value_at, out),
        (_, Some(value)) => {
            if op == PatchOpKind::Replace {
                immutable_replaced(&target, value, &path, &path_at, &value_at, out);
            }
            check_target_value(&target, value, &value_at, out);
        }
    }
}

/// The operation's `op`, with findings for a missing, unknown or capitalised one.
fn op_kind(
    members: &Map<String, Value>,
    at: &Pointer,
    out: &mut Vec<Finding>,
) -> Option<PatchOpKind> {
    let op_at = at.key(find_key_ci(members, "op").unwrap_or("op"));
    let sent = match get_ci(members, "op") {
        Some(Value::String(sent)) => sent,
        found => {
            let seen = match found {
                None => "no `op`".to_owned(),
                Some(other) => format!("`op` is {}", described(other)),
            };
            out.push(Finding::at(Deviation::PatchOpInvalid, &op_at, seen));
            return None;
        }
    };
    let Some(op) = PatchOpKind::from_keyword(sent) else {
        out.push(Finding::at(
            Deviation::PatchOpInvalid,
            &op_at,
            format!(
                "unknown op {}; expected add, remove or replace",
                described(&Value::from(sent.as_str()))
            ),
        ));
        return None;
    };
    if op.as_str() != sent {
        out.push(Finding::at(
            Deviation::PatchOpCapitalised,
            &op_at,
            format!("`{sent}` where RFC 7644 writes `{}`", op.as_str()),
        ));
    }
    Some(op)
}

/// A problem already reported as a finding, after which there is nothing more to check.
struct Reported;

/// The operation's `path` parsed (leniently, with a finding per leniency) and where it is;
/// `None` when there is no path (or an empty one, read as none).
fn patch_path(
    members: &Map<String, Value>,
    at: &Pointer,
    out: &mut Vec<Finding>,
) -> Result<Option<(PatchPath, Pointer)>, Reported> {
    let path_at = at.key(find_key_ci(members, "path").unwrap_or("path"));
    let text = match get_ci(members, "path") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => {
            out.push(Finding::at(
                Deviation::PatchPathEmpty,
                &path_at,
                format!(
                    "`path` is {}; read as no path",
                    described(&Value::from(text.as_str()))
                ),
            ));
            return Ok(None);
        }
        Some(Value::String(text)) => text,
        Some(other) => {
            out.push(Finding::at(
                Deviation::PatchPathInvalid,
                &path_at,
                format!("`path` is {}, not a string", described(other)),
            ));
            return Err(Reported);
        }
    };
    match parse_path_explained(text) {
        Ok(parsed) => {
            let notes = match (&parsed.strict_error, parsed.notes.is_empty()) {
                (Some(strict), true) => vec![strict.clone()],
                _ => parsed.notes,
            };
            for note in notes {
                out.push(Finding::at(
                    Deviation::PatchPathLenient,
                    &path_at,
                    format!("`{text}`: {} (at byte {})", note.message, note.span.start),
                ));
            }
            Ok(Some((parsed.value, path_at)))
        }
        Err(diagnostic) => {
            let hint = diagnostic
                .hint
                .as_deref()
                .map(|hint| format!("; {hint}"))
                .unwrap_or_default();
            out.push(Finding::at(
                Deviation::PatchPathInvalid,
                &path_at,
                format!(
                    "`{text}`: {} (at byte {}){hint}",
                    diagnostic.message, diagnostic.span.start
                ),
            ));
            Err(Reported)
        }
    }
}

fn value_missing(op: PatchOpKind, value_at: &Pointer, out: &mut Vec<Finding>) {
    out.push(Finding::at(
        Deviation::PatchValueMissing,
        value_at,
        format!("`{}` without a `value`", op.as_str()),
    ));
}

fn target_finding(error: &TargetError, at: &Pointer) -> Finding {
    let deviation = match error {
        TargetError::UnknownAttribute { .. } | TargetError::UnknownSubAttribute { .. } => {
            Deviation::AttributeUnknown
        }
        TargetError::FilterOnSingleValue { .. } => Deviation::PatchPathInvalid,
    };
    Finding::at(deviation, at, error.to_string())
}

/// A `replace` that changes an immutable value: the designated attribute itself, or, for an
/// element a filter selects, each immutable sub-attribute the value sets (the `value` of a
/// group's member). Replacing a whole multi-valued attribute builds new elements instead,
/// which is allowed.
fn immutable_replaced(
    target: &Target<'_>,
    value: &Value,
    path: &PatchPath,
    path_at: &Pointer,
    value_at: &Pointer,
    out: &mut Vec<Finding>,
) {
    let Some(attribute) = target.attribute() else {
        return;
    };
    if target.takes_element() {
        let Value::Object(members) = value else {
            return;
        };
        for key in members.keys() {
            if attribute
                .sub_attribute(key)
                .is_some_and(|sub| sub.mutability == Mutability::Immutable)
            {
                out.push(Finding::at(
                    Deviation::PatchImmutableTarget,
                    &value_at.key(key),
                    format!("`replace` of `{path}` sets `{key}`, which is immutable"),
                ));
            }
        }
    } else if !target.takes_array() && attribute.mutability == Mutability::Immutable {
        out.push(Finding::at(
            Deviation::PatchImmutableTarget,
            path_at,
            format!("`replace` of `{path}`, which is immutable"),
        ));
    }
}

/// `remove` with a value: Entra's legacy member removal sends the members to remove.
fn removal_value(
    target: &Target<'_>,
    value: &Value,
    value_at: &Pointer,
    path: &PatchPath,
    out: &mut Vec<Finding>,
) {
    let Some(attribute) = target.attribute() else {
        return;
    };
    match value {
        Value::Array(items)
            if target.takes_array()
                && attribute.attr_type == AttrType::Complex
                && !items.is_empty() =>
        {
            out.push(Finding::at(
                Deviation::RemoveByValueList,
                value_at,
                format!(
                    "`remove` of `{path}` with a list of {} value(s) to remove",
                    items.len()
                ),
            ));
            check_value(attribute, value, value_at, Source::Request, out);
        }
        _ => {}
    }
}

/// The value of an `add` or `replace` checked against what the path designates.
fn check_target_value(
    target: &Target<'_>,
    value: &Value,
    value_at: &Pointer,
    out: &mut Vec<Finding>,
) {
    match target {
        Target::Extension(schema) => extension_object(schema, value, value_at, out),
        Target::Attribute { resolved, .. } if target.takes_element() => {
            check_single(resolved.attribute, value, value_at, Source::PatchValue, out);
        }
        Target::Attribute { resolved, .. } => {
            let attribute = target.attribute().unwrap_or(resolved.attribute);
            check_value(attribute, value, value_at, Source::PatchValue, out);
        }
    }
}

/// An extension's attributes as one object: under a pathless value's URN key, or the value of
/// a URN-only path.
fn extension_object(schema: &Schema, value: &Value, at: &Pointer, out: &mut Vec<Finding>) {
    let Some(members) = extension_members(schema, value, at, out) else {
        return;
    };
    for (name, member) in members {
        let member_at = at.key(name);
        match schema.attribute(name) {
            Some(attribute) if attribute.mutability == Mutability::ReadOnly => {
                out.push(Finding::at(
                    Deviation::PathlessReadOnly,
                    &member_at,
                    format!("`{name}` is readOnly"),
                ))
            }
            Some(attribute) => check_value(attribute, member, &member_at, Source::PatchValue, out),
            None => out.push(unknown_in_extension(schema, name, &member_at)),
        }
    }
}

/// A pathless `add` or `replace`: an object of attributes (RFC 7644 §3.5.2.1, §3.5.2.3).
fn pathless(value: &Value, value_at: &Pointer, schema: &ResourceSchema, out: &mut Vec<Finding>) {
    let Value::Object(members) = value else {
        out.push(Finding::at(
            Deviation::PatchPathlessValueNotObject,
            value_at,
            format!("a pathless value that is {}", described(value)),
        ));
        return;
    };
    for (key, member) in members {
        let at = value_at.key(key);
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(extension) = schema.extension(key) {
            extension_object(extension, member, &at, out);
            continue;
        }
        if key.contains(':') || key.contains('.') {
            out.push(Finding::at(
                Deviation::PathlessPathKey,
                &at,
                format!("the key `{key}` is a path, not an attribute name"),
            ));
        }
        let path = match parse_path_explained(key) {
            Ok(parsed) if matches!(parsed.value, PatchPath::Attr(_)) => parsed.value,
            _ => {
                out.push(Finding::at(
                    Deviation::PatchPathInvalid,
                    &at,
                    format!("the key `{key}` is not an attribute name or path"),
                ));
                continue;
            }
        };
        let target = match patch_target(&path, schema) {
            Ok(target) => target,
            Err(error) => {
                out.push(target_finding(&error, &at));
                continue;
            }
        };
        if target.is_read_only() {
            out.push(Finding::at(
                Deviation::PathlessReadOnly,
                &at,
                format!("`{key}` is readOnly"),
            ));
            continue;
        }
        check_target_value(&target, member, &at, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(body: Value, schema: &ResourceSchema) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        lint_patch(body.as_object().expect("object"), schema, &mut out);
        out.into_iter()
            .map(|f| (f.location.to_string(), f.deviation.key()))
            .collect()
    }

    fn patch(operations: Value) -> Value {
        json!({"schemas": [PATCH_OP], "Operations": operations})
    }

    #[test]
    fn entras_legacy_disable_is_two_findings() {
        let body = patch(json!([{"op": "Replace", "path": "active", "value": "False"}]));
        assert_eq!(
            keys(body, &ResourceSchema::user()),
            [
                ("/Operations/0/op".to_owned(), "patch-op-capitalised"),
                ("/Operations/0/value".to_owned(), "string-boolean"),
            ]
        );
    }

    #[test]
    fn the_envelope_and_each_operation_are_checked() {
        let body = json!({"operations": [
            {"op": "merge", "path": "title"},
            {"op": "remove"},
            {"op": "add", "path": "emails[type eq \"work\"][primary eq true]", "value": "x"},
            {"op": "replace", "path": "meta.created", "value": "2015-02-23T08:30:00Z"},
            {"op": "add", "path": "nickName"}
        ]});
        assert_eq!(
            keys(body, &ResourceSchema::user()),
            [
                ("/schemas".to_owned(), "message-schemas-missing"),
                ("/operations".to_owned(), "message-key-case"),
                ("/operations/0/op".to_owned(), "patch-op-invalid"),
                ("/operations/1".to_owned(), "patch-remove-without-path"),
                ("/operations/2/path".to_owned(), "patch-path-invalid"),
                ("/operations/3/path".to_owned(), "patch-read-only-target"),
                ("/operations/4/value".to_owned(), "patch-value-missing"),
            ]
        );
    }

    #[test]
    fn pathless_values_are_checked_key_by_key() {
        let body = patch(json!([{"op": "replace", "value": {
            "id": "abf4dd94",
            "name.givenName": "Kkom",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": 7,
            "nickname": "Babs",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": "26118915"}
        }}]));
        let value = "/Operations/0/value";
        let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        assert_eq!(
            keys(body, &ResourceSchema::user()),
            [
                (format!("{value}/id"), "pathless-read-only"),
                (format!("{value}/name.givenName"), "pathless-path-key"),
                (format!("{value}/{urn}:employeeNumber"), "pathless-path-key"),
                (format!("{value}/{urn}:employeeNumber"), "type-mismatch"),
                (format!("{value}/{urn}/manager"), "complex-as-string"),
            ]
        );
    }

    #[test]
    fn unknown_names_in_paths_and_filters_are_named() {
        let body = patch(json!([
            {"op": "remove", "path": "members[valu eq \"2819c223\"]"},
            {"op": "replace", "path": "displayNme", "value": "x"},
            {"op": "remove", "path": "members", "value": [{"value": "u1091"}]},
            {"op": "replace", "path": "members[value eq \"x\"].value", "value": "y"},
            {"op": "replace", "path": "members[value eq \"x\"]", "value": {"value": "y", "display": "Y"}}
        ]));
        assert_eq!(
            keys(body, &ResourceSchema::group()),
            [
                ("/Operations/0/path".to_owned(), "attribute-unknown"),
                ("/Operations/1/path".to_owned(), "attribute-unknown"),
                ("/Operations/2/value".to_owned(), "remove-by-value-list"),
                ("/Operations/3/path".to_owned(), "patch-immutable-target"),
                (
                    "/Operations/4/value/value".to_owned(),
                    "patch-immutable-target"
                ),
            ]
        );
    }

    #[test]
    fn the_rfcs_path_without_a_space_is_read_leniently_with_a_finding() {
        let body = patch(json!([{"op": "remove", "path": "members[value eq\"2819c223\"]"}]));
        assert_eq!(
            keys(body, &ResourceSchema::group()),
            [("/Operations/0/path".to_owned(), "patch-path-lenient")]
        );
    }
}
