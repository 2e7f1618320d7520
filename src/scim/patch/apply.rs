//! Parsed PATCH operations applied to a copy of a resource (RFC 7644 §3.5.2.1-3): every one
//! in order, or none. It never reads a request body.

use std::fmt;

use serde_json::{Map, Value};

use super::{
    PatchOpKind, PatchOperation, PatchOutcome, PatchRequest, Tolerance, invalid_path, invalid_value,
};
use crate::scim::filter::{CompValue, CompareOp, Filter, matches_element};
use crate::scim::model::{ScimError, ScimType};
use crate::scim::path::PatchPath;
use crate::scim::resource::{canonicalise_key, find_key_ci, get_ci_mut, is_assigned, is_primary};
use crate::scim::schema::{AttrType, Attribute, Mutability, ResourceSchema, Schema, json_kind};

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
    let mut items = items_of(object, key);
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
    let mut items = items_of(object, key);
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

/// A copy of the elements of the multi-valued attribute `key` (none when it is unassigned).
fn items_of(object: &Map<String, Value>, key: &str) -> Vec<Value> {
    object
        .get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
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
