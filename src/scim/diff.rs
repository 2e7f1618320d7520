//! What a write changed: a before/after diff of a resource keyed by SCIM path (`--diff`), so a
//! silent no-op or a wiped attribute is visible.
//!
//! Paths are those a PATCH would use (RFC 7644 §3.5.2): `name.givenName`,
//! `emails[value eq "a@b"].type`, `urn:...:enterprise:2.0:User:employeeNumber`. Elements of a
//! multi-valued complex attribute are matched by `value`, else by `type`, else by position.
//! Absent, `null`, `[]` and `{}` are the same state (RFC 7643 §2.5), keys match
//! case-insensitively (RFC 7643 §2.1), and `meta.lastModified`/`meta.version`, which change on
//! every write, are left out. Complex attributes cannot nest (RFC 7643 §2.3.8), so the walk is
//! at most three levels deep (extension, attribute, sub-attribute). Pure: serde_json and std.

use serde_json::{Map, Value};

use crate::scim::resource::get_ci;

/// One attribute that differs.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The SCIM path of the attribute, sub-attribute or element.
    pub path: String,
    /// `None` when the attribute was absent (or empty) before.
    pub before: Option<Value>,
    /// `None` when the attribute is absent (or empty) after.
    pub after: Option<Value>,
}

/// The meta sub-attributes that change on every write.
const VOLATILE_META: [&str; 2] = ["lastModified", "version"];

/// The changes from `before` to `after`, in document order (`before`'s keys, then the keys
/// only `after` has). Identical resources give an empty list.
pub fn diff(before: &Value, after: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    match (before, after) {
        (Value::Object(before), Value::Object(after)) => {
            diff_objects("", before, after, Level::Resource, &mut changes);
        }
        _ => compare_leaf(String::new(), before, after, &mut changes),
    }
    changes
}

/// Where in the resource an object sits, which decides how its members are walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// The resource's top level.
    Resource,
    /// An extension object: its members are attributes, qualified by the URN.
    Extension,
    /// A complex attribute's value: its members are sub-attributes, compared as leaves.
    Complex,
}

fn diff_objects(
    prefix: &str,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    level: Level,
    changes: &mut Vec<Change>,
) {
    for (key, old) in before {
        let new = get_ci(after, key).unwrap_or(&Value::Null);
        diff_member(prefix, key, old, new, level, changes);
    }
    for (key, new) in after {
        if get_ci(before, key).is_none() {
            diff_member(prefix, key, &Value::Null, new, level, changes);
        }
    }
}

fn diff_member(
    prefix: &str,
    key: &str,
    old: &Value,
    new: &Value,
    level: Level,
    changes: &mut Vec<Change>,
) {
    let path = match level {
        Level::Resource => key.to_owned(),
        Level::Extension => format!("{prefix}:{key}"),
        Level::Complex => format!("{prefix}.{key}"),
    };
    if level == Level::Complex {
        return compare_leaf(path, old, new, changes);
    }
    // An attribute that appears or disappears is walked against its empty state, so a wiped
    // `name` shows as `name.givenName` and `name.familyName`.
    let empty_object = Value::Object(Map::new());
    let empty_array = Value::Array(Vec::new());
    let empty_like = |other: &Value| match other {
        Value::Object(_) => Some(&empty_object),
        Value::Array(_) => Some(&empty_array),
        _ => None,
    };
    let (old, new) = match (old, new) {
        (Value::Null, new) => (empty_like(new).unwrap_or(old), new),
        (old, Value::Null) => (old, empty_like(old).unwrap_or(new)),
        pair => pair,
    };
    let is_meta = level == Level::Resource && key.eq_ignore_ascii_case("meta");
    let is_extension = level == Level::Resource && key.to_ascii_lowercase().starts_with("urn:");
    match (old, new) {
        (Value::Object(old), Value::Object(new)) if is_meta => {
            let keep = |object: &Map<String, Value>| -> Map<String, Value> {
                object
                    .iter()
                    .filter(|(k, _)| !VOLATILE_META.iter().any(|v| v.eq_ignore_ascii_case(k)))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            };
            diff_objects(&path, &keep(old), &keep(new), Level::Complex, changes);
        }
        (Value::Object(old), Value::Object(new)) if is_extension => {
            diff_objects(&path, old, new, Level::Extension, changes);
        }
        (Value::Object(old), Value::Object(new)) => {
            diff_objects(&path, old, new, Level::Complex, changes);
        }
        (Value::Array(old), Value::Array(new)) if all_objects(old) && all_objects(new) => {
            diff_elements(&path, old, new, changes);
        }
        _ => compare_leaf(path, old, new, changes),
    }
}

fn all_objects(items: &[Value]) -> bool {
    items.iter().all(Value::is_object)
}

/// How elements of a multi-valued complex attribute are told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Identity {
    /// By a sub-attribute (`value`, else `type`) that is a unique string or number on both sides.
    Key(&'static str),
    /// By position.
    Position,
}

fn element_identity(old: &[Value], new: &[Value]) -> Identity {
    let unique_on_both = |key: &str| {
        [old, new].iter().all(|side| {
            let mut seen = Vec::with_capacity(side.len());
            side.iter().all(|element| match element_key(element, key) {
                Some(text) if !seen.contains(&text) => {
                    seen.push(text);
                    true
                }
                _ => false,
            })
        })
    };
    ["value", "type"]
        .into_iter()
        .find(|key| unique_on_both(key))
        .map_or(Identity::Position, Identity::Key)
}

/// An element's identifying sub-attribute as filter literal text.
fn element_key(element: &Value, key: &str) -> Option<String> {
    match element.as_object().and_then(|e| get_ci(e, key))? {
        value @ (Value::String(_) | Value::Number(_)) => Some(value.to_string()),
        _ => None,
    }
}

fn diff_elements(path: &str, old: &[Value], new: &[Value], changes: &mut Vec<Change>) {
    let identity = element_identity(old, new);
    let selector = |index: usize, element: &Value| match identity {
        Identity::Key(key) => format!(
            "{path}[{key} eq {}]",
            element_key(element, key).unwrap_or_default()
        ),
        Identity::Position => format!("{path}[{index}]"),
    };
    let partner = |element: &Value, index: usize, others: &[Value]| -> Option<usize> {
        match identity {
            Identity::Key(key) => {
                let wanted = element_key(element, key);
                others.iter().position(|o| element_key(o, key) == wanted)
            }
            Identity::Position => (index < others.len()).then_some(index),
        }
    };
    for (index, element) in old.iter().enumerate() {
        let element_path = selector(index, element);
        match partner(element, index, new).and_then(|i| new.get(i)) {
            Some(counterpart) => match (element, counterpart) {
                (Value::Object(a), Value::Object(b)) => {
                    diff_objects(&element_path, a, b, Level::Complex, changes);
                }
                _ => compare_leaf(element_path, element, counterpart, changes),
            },
            None => compare_leaf(element_path, element, &Value::Null, changes),
        }
    }
    for (index, element) in new.iter().enumerate() {
        if partner(element, index, old).is_none() {
            compare_leaf(selector(index, element), &Value::Null, element, changes);
        }
    }
}

/// Records a change when two values differ as SCIM sees them.
fn compare_leaf(path: String, old: &Value, new: &Value, changes: &mut Vec<Change>) {
    let old = present(old);
    let new = present(new);
    if old != new {
        changes.push(Change {
            path,
            before: old.cloned(),
            after: new.cloned(),
        });
    }
}

/// `None` for the empty states RFC 7643 §2.5 treats as unassigned.
fn present(value: &Value) -> Option<&Value> {
    match value {
        Value::Null => None,
        Value::Array(items) if items.is_empty() => None,
        Value::Object(members) if members.is_empty() => None,
        other => Some(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(changes: &[Change]) -> Vec<&str> {
        changes.iter().map(|c| c.path.as_str()).collect()
    }

    fn user() -> Value {
        let mut user = crate::scim::example_user();
        user["meta"] = json!({
            "resourceType": "User",
            "lastModified": "2026-01-01T00:00:00Z",
            "version": "W/\"1\""
        });
        user
    }

    #[test]
    fn a_silent_no_op_is_an_empty_diff_even_when_meta_moves() {
        let mut after = user();
        after["meta"]["lastModified"] = json!("2026-02-02T00:00:00Z");
        after["meta"]["version"] = json!("W/\"2\"");
        assert_eq!(diff(&user(), &after), []);
    }

    #[test]
    fn sub_attributes_and_email_elements_are_keyed_by_path() {
        let mut after = user();
        after["name"]["givenName"] = json!("Babs");
        after["emails"][1]["type"] = json!("other");
        let changes = diff(&user(), &after);
        assert_eq!(
            changes,
            [
                Change {
                    path: "name.givenName".to_owned(),
                    before: Some(json!("Barbara")),
                    after: Some(json!("Babs")),
                },
                Change {
                    path: r#"emails[value eq "babs@jensen.org"].type"#.to_owned(),
                    before: Some(json!("home")),
                    after: Some(json!("other")),
                },
            ]
        );
    }

    #[test]
    fn a_wiped_attribute_shows_what_was_lost() {
        let mut after = user();
        after.as_object_mut().unwrap().remove("emails");
        after["name"] = json!(null);
        let changes = diff(&user(), &after);
        assert_eq!(
            paths(&changes),
            [
                "name.givenName",
                "name.familyName",
                r#"emails[value eq "bjensen@example.com"]"#,
                r#"emails[value eq "babs@jensen.org"]"#,
            ]
        );
        assert!(
            changes
                .iter()
                .all(|c| c.after.is_none() && c.before.is_some())
        );
    }

    #[test]
    fn extension_attributes_are_qualified_by_their_urn() {
        let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let before = json!({ urn: {"employeeNumber": "701984", "manager": {"value": "26118915"}} });
        let after = json!({ urn: {"employeeNumber": "701985", "manager": {"value": "26118915", "displayName": "John"}} });
        let changes = diff(&before, &after);
        assert_eq!(
            paths(&changes),
            [
                format!("{urn}:employeeNumber"),
                format!("{urn}:manager.displayName")
            ]
        );
    }

    #[test]
    fn members_added_and_removed_are_keyed_by_value() {
        let before = json!({"members": [{"value": "a"}, {"value": "b"}]});
        let after = json!({"members": [{"value": "b"}, {"value": "c", "display": "Cee"}]});
        let changes = diff(&before, &after);
        assert_eq!(
            changes,
            [
                Change {
                    path: r#"members[value eq "a"]"#.to_owned(),
                    before: Some(json!({"value": "a"})),
                    after: None,
                },
                Change {
                    path: r#"members[value eq "c"]"#.to_owned(),
                    before: None,
                    after: Some(json!({"value": "c", "display": "Cee"})),
                },
            ]
        );
    }

    #[test]
    fn elements_without_a_unique_value_fall_back_to_type_then_position() {
        let by_type = diff(
            &json!({"phoneNumbers": [{"type": "work", "display": "1"}]}),
            &json!({"phoneNumbers": [{"type": "work", "display": "2"}]}),
        );
        assert_eq!(paths(&by_type), [r#"phoneNumbers[type eq "work"].display"#]);
        let by_position = diff(
            &json!({"addresses": [{"locality": "A"}, {"locality": "B"}]}),
            &json!({"addresses": [{"locality": "A"}, {"locality": "C"}]}),
        );
        assert_eq!(paths(&by_position), ["addresses[1].locality"]);
    }

    #[test]
    fn empty_states_are_equal_and_keys_match_case_insensitively() {
        let before =
            json!({"nickName": null, "roles": [], "UserName": "b", "x509Certificates": {}});
        let after = json!({"userName": "b"});
        assert_eq!(diff(&before, &after), []);
        let case_change = diff(&json!({"userName": "b"}), &json!({"userName": "B"}));
        assert_eq!(paths(&case_change), ["userName"]);
    }

    #[test]
    fn simple_multi_valued_attributes_compare_whole() {
        let changes = diff(
            &json!({"schemas": ["urn:a"]}),
            &json!({"schemas": ["urn:a", "urn:b"]}),
        );
        assert_eq!(paths(&changes), ["schemas"]);
    }
}
