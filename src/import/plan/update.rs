//! The update of one resource: the PATCH or PUT that brings what the server holds to what a
//! row says, and the membership writes; built from the resource read just before writing,
//! never from the plan's fingerprints. PURE: serde_json and the SCIM core only; no I/O.

use serde_json::{Map, Value, json};

use super::MatchKey;
use crate::import::mapping::{CellValue, Mapping, Row, Slot};
use crate::scim::dialect::{Dialect, PatchStep};
use crate::scim::patch::PatchOpKind;
use crate::scim::resource::{find_key_ci, get_ci};
use crate::scim::schema::{Mutability, ResourceSchema};

/// One attribute an update changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The slot's path (`emails[type eq "work"].value`).
    pub path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// How an update is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Patch,
    Put,
}

/// The request that brings `current` to what `row` says, and what it changes; `None` when
/// nothing differs (the resource changed since the plan, or only in ways that do not matter).
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateRequest {
    /// A PatchOp body, or the whole resource for a PUT.
    pub body: Value,
    pub changes: Vec<Change>,
}

/// Builds the update of `current` to the values of `row`.
///
/// PATCH replaces each changed single-valued attribute or sub-attribute by its path (removing
/// it for a cleared cell) and each changed multi-valued attribute as a whole list, since value
/// filters in PATCH paths are not understood by every server. PUT sends the merged resource
/// without `meta` and the readOnly attributes.
pub fn update_request(
    mapping: &Mapping,
    row: &Row,
    current: &Value,
    key: MatchKey,
    method: Method,
    dialect: Dialect,
    schema: &ResourceSchema,
) -> Option<UpdateRequest> {
    let mut desired = current.clone();
    let slots = mapping.slots();
    let key_slot = key.paired_slot(mapping);
    let same_key = |index: usize, value: &CellValue| {
        Some(index) == key_slot
            && match (value, slots[index].read(current)) {
                (CellValue::Set(Value::String(wanted)), Some(Value::String(have))) => {
                    key.normalise(wanted) == key.normalise(have)
                }
                _ => false,
            }
    };
    let values: Vec<&(usize, CellValue)> = row
        .values
        .iter()
        .filter(|(index, value)| !same_key(*index, value))
        .collect();
    for (index, value) in &values {
        match value {
            CellValue::Set(value) => slots[*index].write(&mut desired, value.clone()),
            CellValue::Clear => slots[*index].clear(&mut desired),
        }
    }
    let changes: Vec<(usize, Change)> = values
        .iter()
        .filter_map(|(index, _)| {
            let slot = &slots[*index];
            let before = slot.read(current);
            let after = slot.read(&desired);
            (before != after).then(|| {
                (
                    *index,
                    Change {
                        path: slot.path.clone(),
                        before: before.cloned(),
                        after: after.cloned(),
                    },
                )
            })
        })
        .collect();
    if changes.is_empty() {
        return None;
    }
    let body = match method {
        Method::Patch => dialect.patch_body(&patch_steps(slots, &changes, &desired)),
        Method::Put => put_body(desired, mapping, schema),
    };
    Some(UpdateRequest {
        body,
        changes: changes.into_iter().map(|(_, change)| change).collect(),
    })
}

/// The PATCH steps of `changes`: each changed path replaced (or removed when cleared), and
/// each list a changed slot belongs to replaced whole, once.
fn patch_steps(slots: &[Slot], changes: &[(usize, Change)], desired: &Value) -> Vec<PatchStep> {
    let mut steps: Vec<PatchStep> = Vec::new();
    let mut lists_done: Vec<String> = Vec::new();
    for (index, change) in changes {
        let slot = &slots[*index];
        if slot.in_list() {
            let path = attribute_path(slot);
            if lists_done.contains(&path) {
                continue;
            }
            steps.push(replace_or_remove(
                path.clone(),
                attribute_value(slot, desired),
            ));
            lists_done.push(path);
        } else {
            steps.push(replace_or_remove(slot.path.clone(), change.after.as_ref()));
        }
    }
    steps
}

/// A step that sets `path` to `value`, or removes it when there is none.
fn replace_or_remove(path: String, value: Option<&Value>) -> PatchStep {
    PatchStep {
        op: if value.is_some() {
            PatchOpKind::Replace
        } else {
            PatchOpKind::Remove
        },
        path: Some(path),
        value: value.cloned(),
    }
}

/// `[urn:]name`: the whole attribute a slot is part of.
fn attribute_path(slot: &Slot) -> String {
    match slot.urn() {
        Some(urn) => format!("{urn}:{}", slot.name()),
        None => slot.name().to_owned(),
    }
}

/// The whole attribute a slot is part of, in `resource`.
fn attribute_value<'a>(slot: &Slot, resource: &'a Value) -> Option<&'a Value> {
    let object = resource.as_object()?;
    let container = match slot.urn() {
        Some(urn) => get_ci(object, urn)?.as_object()?,
        None => object,
    };
    get_ci(container, slot.name()).filter(|value| match value {
        Value::Array(items) => !items.is_empty(),
        Value::Null => false,
        _ => true,
    })
}

/// A PUT body: the resource without `meta` and readOnly attributes, its extension URNs in
/// `schemas`.
pub fn put_body(mut desired: Value, mapping: &Mapping, schema: &ResourceSchema) -> Value {
    let Some(object) = desired.as_object_mut() else {
        return desired;
    };
    let read_only: Vec<String> = object
        .keys()
        .filter(|key| {
            key.eq_ignore_ascii_case("meta")
                || schema.core.attribute(key).is_some_and(|attribute| {
                    attribute.mutability == Mutability::ReadOnly
                        && !attribute.name.eq_ignore_ascii_case("id")
                })
        })
        .cloned()
        .collect();
    for key in read_only {
        object.shift_remove(&key);
    }
    let mut schemas: Vec<Value> = match find_key_ci(object, "schemas").map(str::to_owned) {
        Some(key) => object
            .shift_remove(&key)
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    if schemas.is_empty() {
        schemas.push(json!(mapping.kind.core_schema()));
    }
    let extensions: Vec<String> = object
        .keys()
        .filter(|key| key.to_ascii_lowercase().starts_with("urn:"))
        .cloned()
        .collect();
    for urn in extensions {
        if !schemas
            .iter()
            .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(&urn)))
        {
            schemas.push(json!(urn));
        }
    }
    let mut ordered = Map::new();
    ordered.insert("schemas".to_owned(), Value::Array(schemas));
    ordered.extend(std::mem::take(object));
    Value::Object(ordered)
}

/// `[{"value": id}, ...]`: members (or a manager list) as a write sends them.
pub fn members_value(ids: &[String]) -> Value {
    Value::Array(ids.iter().map(|id| json!({ "value": id })).collect())
}

/// PATCH steps that add `add` in one operation and remove each of `remove` by a value filter
/// (`members[value eq "id"]`, RFC 7644 §3.5.2.2).
pub fn member_steps(add: &[String], remove: &[String]) -> Vec<PatchStep> {
    let mut steps = Vec::new();
    if !add.is_empty() {
        steps.push(PatchStep {
            op: PatchOpKind::Add,
            path: Some("members".to_owned()),
            value: Some(members_value(add)),
        });
    }
    for id in remove {
        steps.push(PatchStep {
            op: PatchOpKind::Remove,
            path: Some(crate::scim::dialect::member_filter_path(id)),
            value: None,
        });
    }
    steps
}

/// Membership changes that bring `current` ids to `wanted` ids: (to add, to remove), each in
/// the order given.
pub fn member_changes(current: &[String], wanted: &[String]) -> (Vec<String>, Vec<String>) {
    let add = wanted
        .iter()
        .filter(|id| !current.contains(id))
        .cloned()
        .collect();
    let remove = current
        .iter()
        .filter(|id| !wanted.contains(id))
        .cloned()
        .collect();
    (add, remove)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::mapping::EmptyCells;
    use crate::import::plan::tests::{mapping, row, server_user};
    use crate::scim::model::ENTERPRISE_USER_SCHEMA;

    #[test]
    fn a_patch_replaces_changed_paths_and_whole_lists() {
        let m = mapping(&["userName", "givenName", "email", "title", "department"]);
        let r = row(
            &m,
            &["BJensen", "Babs", "new@x.org", "", "Tour"],
            EmptyCells::Clears,
        );
        let update = update_request(
            &m,
            &r,
            &server_user(),
            MatchKey::UserName,
            Method::Patch,
            Dialect::Rfc,
            &ResourceSchema::user(),
        )
        .expect("something changed");
        assert_eq!(
            update.body,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [
                    {"op": "replace", "path": "name.givenName", "value": "Babs"},
                    {"op": "replace", "path": "emails", "value": [
                        {"value": "new@x.org", "type": "work", "primary": true},
                        {"value": "h@x.org", "type": "home"}
                    ]},
                    {"op": "remove", "path": "title"},
                    {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Tour"}
                ]
            })
        );
        assert_eq!(
            update
                .changes
                .iter()
                .map(|c| c.path.as_str())
                .collect::<Vec<_>>(),
            [
                "name.givenName",
                r#"emails[type eq "work"].value"#,
                "title",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
            ]
        );
        let unchanged = row(
            &m,
            &["BJensen", "Barbara", "b@x.org", "Guide", ""],
            EmptyCells::Ignored,
        );
        assert_eq!(
            update_request(
                &m,
                &unchanged,
                &server_user(),
                MatchKey::UserName,
                Method::Patch,
                Dialect::Rfc,
                &ResourceSchema::user()
            ),
            None
        );
    }

    #[test]
    fn a_put_sends_the_merged_resource_without_read_only_attributes() {
        let m = mapping(&["userName", "department"]);
        let r = row(&m, &["BJensen", "Tour"], EmptyCells::Ignored);
        let mut current = server_user();
        current["groups"] = json!([{"value": "g1"}]);
        let update = update_request(
            &m,
            &r,
            &current,
            MatchKey::UserName,
            Method::Put,
            Dialect::Rfc,
            &ResourceSchema::user(),
        )
        .expect("changed");
        assert_eq!(
            update.body["schemas"],
            json!([
                "urn:ietf:params:scim:schemas:core:2.0:User",
                ENTERPRISE_USER_SCHEMA
            ])
        );
        assert!(update.body.get("meta").is_none() && update.body.get("groups").is_none());
        assert_eq!(update.body["id"], "u1");
        assert_eq!(update.body[ENTERPRISE_USER_SCHEMA]["department"], "Tour");
        assert_eq!(
            update.body["title"], "Guide",
            "what the row does not name is kept"
        );
    }
}
