//! Resources as JSON: case-insensitive key access (RFC 7643 §2.1), the normalisation a server
//! applies to a POST/PUT body before storing it (`write`, `value`), and response projection
//! (RFC 7644 §3.4.2.5, `project`). It checks and reshapes values; it stores nothing.
//!
//! Pure: serde_json and std only. Resources stay `serde_json::Value`s so that attributes the
//! schema does not know survive a round trip through the tools that only read them.

mod project;
mod value;
mod write;

use std::fmt;

use serde_json::{Map, Value};

use crate::scim::model::{ScimError, ScimType};
use crate::scim::schema::Attribute;

pub use project::{Projected, Projector, project};
pub(crate) use value::{TypeFit, normalise_single, normalise_value, type_fit};
pub use write::{
    Validated, WriteMode, WriteTolerance, validate_for_write, validate_owned_for_write,
};

/// The key of `map` that names `name`, compared ASCII-case-insensitively; an exact match wins
/// over a case-folded one so that a map holding both `userName` and `USERNAME` stays predictable.
pub fn find_key_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    find_entry_ci(map, name).map(|(key, _)| key.as_str())
}

fn find_entry_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<(&'a String, &'a Value)> {
    // A resource has a dozen members or so: one pass over them is cheaper than hashing `name`
    // for an exact lookup and then scanning anyway when the case differs.
    let mut folded = None;
    for entry in map {
        if entry.0 == name {
            return Some(entry);
        }
        if folded.is_none() && entry.0.eq_ignore_ascii_case(name) {
            folded = Some(entry);
        }
    }
    folded
}

/// A JSON object, or a JSON value that may be one: what [`get_ci`] looks keys up in.
pub trait JsonObject {
    /// The object's members; `None` for a value that is not an object.
    fn members(&self) -> Option<&Map<String, Value>>;
}

impl JsonObject for Map<String, Value> {
    fn members(&self) -> Option<&Map<String, Value>> {
        Some(self)
    }
}

impl JsonObject for Value {
    fn members(&self) -> Option<&Map<String, Value>> {
        self.as_object()
    }
}

impl<T: JsonObject + ?Sized> JsonObject for &T {
    fn members(&self) -> Option<&Map<String, Value>> {
        (**self).members()
    }
}

/// The value stored under `name`, whatever the case of its key (RFC 7643 §2.1); `None` also
/// when `object` is a value that is not an object.
pub fn get_ci<'a>(object: &'a impl JsonObject, name: &str) -> Option<&'a Value> {
    find_entry_ci(object.members()?, name).map(|(_, value)| value)
}

/// Whether the `schemas` of `object` lists `urn`, in any letter case; `false` when there is no
/// `schemas` array (or `object` is not an object).
pub fn lists_schema(object: &impl JsonObject, urn: &str) -> bool {
    get_ci(object, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|urns| {
            urns.iter().any(|listed| {
                listed
                    .as_str()
                    .is_some_and(|listed| listed.eq_ignore_ascii_case(urn))
            })
        })
}

/// The mutable value stored under `name`, whatever the case of its key.
pub fn get_ci_mut<'a>(map: &'a mut Map<String, Value>, name: &str) -> Option<&'a mut Value> {
    let key = find_key_ci(map, name)?.to_owned();
    map.get_mut(&key)
}

/// Removes the entry named `name`, whatever the case of its key, keeping the order of the
/// others.
pub fn remove_ci(map: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let key = find_key_ci(map, name)?.to_owned();
    map.shift_remove(&key)
}

/// Renames the key of `map` that names `canonical` but differs in case, so that the map uses
/// the schema's spelling (`USERNAME` becomes `userName`).
pub fn canonicalise_key(map: &mut Map<String, Value>, canonical: &str) {
    let Some(existing) = find_key_ci(map, canonical).map(str::to_owned) else {
        return;
    };
    if existing != canonical {
        if let Some(value) = map.shift_remove(&existing) {
            map.insert(canonical.to_owned(), value);
        }
    }
}

/// A leniency applied while reading a value, reported so that callers can warn about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leniency {
    /// A boolean attribute was sent as the string `"True"`/`"False"` (any case), as Entra's
    /// legacy provisioning does (AzureAD/SCIMReferenceCode#21).
    StringBoolean { path: String, sent: String },
    /// A member the schema does not define was dropped.
    UnknownAttributeIgnored { path: String },
}

impl fmt::Display for Leniency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Leniency::StringBoolean { path, sent } => {
                write!(f, "`{path}`: read the string \"{sent}\" as a boolean")
            }
            Leniency::UnknownAttributeIgnored { path } => {
                write!(f, "`{path}`: not defined by the schema; ignored")
            }
        }
    }
}

pub(super) fn invalid_value(path: impl fmt::Display, message: impl fmt::Display) -> ScimError {
    ScimError::typed(ScimType::InvalidValue, format!("`{path}`: {message}"))
}

/// Where a value sits in a write body, for error and leniency messages. It is rendered only
/// when a message needs it: formatting the path of every value up front cost more than
/// checking the values. Nesting follows the schema's (complex attributes hold simple ones), so
/// rendering recurses at most a few levels.
#[derive(Debug, Clone, Copy)]
pub(super) enum ValuePath<'a> {
    /// A path as written, such as `emails` or `name.givenName`.
    Text(&'a str),
    /// An extension attribute: `URN:name`.
    Extension(&'a str, &'a str),
    /// An element of a multi-valued attribute: `parent[index]`.
    Item(&'a ValuePath<'a>, usize),
    /// A member of a complex value: `parent.key`.
    Member(&'a ValuePath<'a>, &'a str),
}

impl fmt::Display for ValuePath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValuePath::Text(text) => f.write_str(text),
            ValuePath::Extension(urn, name) => write!(f, "{urn}:{name}"),
            ValuePath::Item(parent, index) => write!(f, "{parent}[{index}]"),
            ValuePath::Member(parent, key) => write!(f, "{parent}.{key}"),
        }
    }
}

/// RFC 7643 §2.4: the primary value `true` appears at most once.
pub(crate) fn check_single_primary(
    attribute: &Attribute,
    value: &Value,
    path: impl fmt::Display,
) -> Result<(), ScimError> {
    let Some(items) = value.as_array() else {
        return Ok(());
    };
    let primaries = items.iter().filter(|item| is_primary(item)).count();
    if primaries > 1 {
        return Err(invalid_value(
            path,
            format!(
                "{primaries} values of `{}` are marked primary; at most one may be (RFC 7643 §2.4)",
                attribute.name
            ),
        ));
    }
    Ok(())
}

/// Whether a multi-valued element carries `primary: true`.
pub(crate) fn is_primary(item: &Value) -> bool {
    item.as_object()
        .and_then(|m| get_ci(m, "primary"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// Whether a value counts as assigned (RFC 7643 §2.5: `null`, `[]` and `{}` do not).
pub(crate) fn is_assigned(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Array(items) => !items.is_empty(),
        Value::Object(members) => !members.is_empty(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schemas_lists_a_urn_in_any_case_and_nothing_without_an_array() {
        let urn = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
        assert!(lists_schema(
            &json!({"Schemas": [7, urn.to_uppercase()]}),
            urn
        ));
        assert!(!lists_schema(&json!({"schemas": urn}), urn));
        assert!(!lists_schema(&json!({"schemas": []}), urn));
        assert!(!lists_schema(&json!([urn]), urn));
    }

    #[test]
    fn case_insensitive_lookups_prefer_the_exact_key() {
        let mut map = json!({"USERNAME": "a", "userName": "b", "Active": true})
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert_eq!(get_ci(&map, "userName"), Some(&json!("b")));
        assert_eq!(get_ci(&map, "username"), Some(&json!("a")));
        assert_eq!(find_key_ci(&map, "ACTIVE"), Some("Active"));
        if let Some(v) = get_ci_mut(&mut map, "active") {
            *v = json!(false);
        }
        assert_eq!(remove_ci(&mut map, "aCtIvE"), Some(json!(false)));
        map.shift_remove("userName");
        canonicalise_key(&mut map, "userName");
        assert_eq!(map.get("userName"), Some(&json!("a")));
        assert_eq!(map.get("USERNAME"), None);
        assert_eq!(get_ci(&map, "missing"), None);
    }
}
