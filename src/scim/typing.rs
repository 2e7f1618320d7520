//! Turning what a user types on the command line into SCIM values, by the schema
//! (`--set name.givenName=Babs`, `users patch ID replace active false`). Pure: serde_json and
//! std only; it reads no command line itself.
//!
//! A JSON literal that fits the attribute is taken as is (`true`, `42`, `{"value":"x"}`,
//! `[...]`, `null` to clear); anything else is read by the attribute's type (RFC 7643 §2.3):
//! booleans in any case, integers, decimals, strings. Complex attributes need JSON. An
//! attribute the schema does not know takes a JSON object or array, or else the text as a
//! string. [`set_path`] places a value in a resource being built, extension attributes under
//! their URN (RFC 7643 §3.3). Pure: serde_json and std only.

use serde_json::{Map, Number, Value, json};

use crate::scim::path::{AttrPath, PatchPath};
use crate::scim::resource::find_key_ci;
use crate::scim::schema::{AttrType, Attribute, ResourceSchema};
use crate::scim::target::Target;

/// The JSON value `raw` stands for at `path` (an attribute path or a PATCH path).
///
/// Errors name the attribute and its type, such as
/// ``"`active` is a boolean: expected true or false, not \"yes\""``.
pub fn typed_value(schema: &ResourceSchema, path: &PatchPath, raw: &str) -> Result<Value, String> {
    let (attr, sub, filtered) = match path {
        PatchPath::Attr(attr) => (attr, attr.sub.as_deref(), false),
        PatchPath::Filtered { attr, sub, .. } => (attr, sub.as_deref(), true),
    };
    let lookup = AttrPath {
        urn: attr.urn.clone(),
        name: attr.name.clone(),
        sub: sub.map(str::to_owned),
    };
    let Some(resolved) = schema.resolve(&lookup) else {
        return Ok(untyped(raw));
    };
    // The value has the shape of a PATCH value for the path. Unlike `patch_target`, a value
    // filter on an attribute that is not multi-valued is no error here: the server answers it.
    let target = Target::Attribute { resolved, filtered };
    let attribute = resolved.target();
    let shown = path.to_string();
    let literal: Option<Value> = serde_json::from_str(raw).ok();
    if let Some(Value::Null) = literal {
        return Ok(Value::Null);
    }
    if target.takes_array() {
        if let Some(Value::Array(items)) = &literal {
            if items.iter().all(|item| fits(attribute, item)) {
                return Ok(Value::Array(items.clone()));
            }
        }
        return single(attribute, &shown, raw, literal).map(|value| json!([value]));
    }
    single(attribute, &shown, raw, literal)
}

/// One value of `attribute`'s type.
fn single(
    attribute: &Attribute,
    shown: &str,
    raw: &str,
    literal: Option<Value>,
) -> Result<Value, String> {
    if let Some(value) = literal.filter(|value| fits(attribute, value)) {
        return Ok(value);
    }
    let text = raw.trim();
    match attribute.attr_type {
        AttrType::Boolean => match text.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!(
                "`{shown}` is a boolean: expected true or false, not \"{raw}\""
            )),
        },
        AttrType::Integer => text
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("`{shown}` is an integer: \"{raw}\" is not one")),
        AttrType::Decimal => text
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("`{shown}` is a decimal: \"{raw}\" is not a number")),
        AttrType::Complex => Err(format!(
            "`{shown}` is complex: give a JSON object such as {}",
            example_object(attribute)
        )),
        AttrType::String | AttrType::DateTime | AttrType::Binary | AttrType::Reference => {
            Ok(Value::String(raw.to_owned()))
        }
    }
}

/// Whether a parsed JSON literal is a valid single value of `attribute`.
fn fits(attribute: &Attribute, value: &Value) -> bool {
    match attribute.attr_type {
        AttrType::Boolean => value.is_boolean(),
        AttrType::Integer => value.is_i64() || value.is_u64(),
        AttrType::Decimal => value.is_number(),
        AttrType::Complex => value.is_object(),
        AttrType::String | AttrType::DateTime | AttrType::Binary | AttrType::Reference => {
            value.is_string()
        }
    }
}

/// An attribute the schema does not describe: JSON structures as such, anything else as text.
fn untyped(raw: &str) -> Value {
    match serde_json::from_str::<Value>(raw) {
        Ok(value @ (Value::Object(_) | Value::Array(_) | Value::Null)) => value,
        _ => Value::String(raw.to_owned()),
    }
}

/// `{"givenName":"..."}`-style hint built from the first sub-attribute.
fn example_object(attribute: &Attribute) -> String {
    match attribute.sub_attributes.first() {
        Some(sub) => format!("{{\"{}\":\"...\"}}", sub.name),
        None => "{\"value\":\"...\"}".to_owned(),
    }
}

/// Puts `value` at `path` in `resource` (a JSON object being built).
///
/// Core attributes go at the top level; an extension attribute (named with its URN, or found
/// only in an extension of `schema`) goes under the URN key, and the URN joins `schemas`.
/// Existing keys are matched case-insensitively and keep their spelling; new keys take the
/// schema's spelling. A sub-attribute path creates or extends its complex parent.
pub fn set_path(
    resource: &mut Value,
    schema: &ResourceSchema,
    path: &AttrPath,
    value: Value,
) -> Result<(), String> {
    let Value::Object(root) = resource else {
        return Err("the resource is not a JSON object".to_owned());
    };
    let resolved = schema.resolve(path);
    let extension_urn = match (&path.urn, resolved) {
        (_, Some(resolved)) if resolved.is_extension => Some(resolved.schema.id.clone()),
        (_, Some(_)) => None,
        (Some(urn), None) if schema.core.id.eq_ignore_ascii_case(urn) => None,
        (Some(urn), None) => Some(urn.clone()),
        (None, None) => None,
    };
    let name = resolved.map_or(path.name.as_str(), |r| r.attribute.name.as_str());
    let sub = match (&path.sub, resolved.and_then(|r| r.sub_attribute)) {
        (_, Some(sub)) => Some(sub.name.as_str()),
        (Some(sub), None) => Some(sub.as_str()),
        (None, None) => None,
    };
    let container = match &extension_urn {
        Some(urn) => {
            add_schema_urn(root, urn)?;
            let slot = entry_ci(root, urn);
            if slot.is_null() {
                *slot = Value::Object(Map::new());
            }
            match slot {
                Value::Object(extension) => extension,
                other => {
                    return Err(format!(
                        "`{urn}` holds {}, not an extension object",
                        kind(other)
                    ));
                }
            }
        }
        None => root,
    };
    match sub {
        None => {
            *entry_ci(container, name) = value;
        }
        Some(sub) => {
            let parent = entry_ci(container, name);
            if parent.is_null() {
                *parent = Value::Object(Map::new());
            }
            let Value::Object(parent) = parent else {
                return Err(format!(
                    "`{name}` holds {}, so `{path}` cannot be set in it",
                    kind(parent)
                ));
            };
            *entry_ci(parent, sub) = value;
        }
    }
    Ok(())
}

/// The slot for `name`: the existing key matched case-insensitively, else a new one.
fn entry_ci<'a>(object: &'a mut Map<String, Value>, name: &str) -> &'a mut Value {
    let key = find_key_ci(object, name).unwrap_or(name).to_owned();
    object.entry(key).or_insert(Value::Null)
}

/// Adds `urn` to `schemas` unless it is there (case-insensitively).
fn add_schema_urn(root: &mut Map<String, Value>, urn: &str) -> Result<(), String> {
    let schemas = entry_ci(root, "schemas");
    if schemas.is_null() {
        *schemas = Value::Array(Vec::new());
    }
    let Value::Array(list) = schemas else {
        return Err(format!(
            "`schemas` holds {}, not a list of URNs",
            kind(schemas)
        ));
    };
    let listed = list
        .iter()
        .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)));
    if !listed {
        list.push(Value::String(urn.to_owned()));
    }
    Ok(())
}

fn kind(value: &Value) -> &'static str {
    crate::scim::schema::json_kind(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::path::{parse_attr_path, parse_patch_path};

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn typed(path: &str, raw: &str) -> Result<Value, String> {
        typed_value(
            &ResourceSchema::user(),
            &parse_patch_path(path).unwrap(),
            raw,
        )
    }

    #[test]
    fn scalars_are_typed_by_the_schema() {
        assert_eq!(typed("active", "FALSE"), Ok(json!(false)));
        assert_eq!(typed("active", "true"), Ok(json!(true)));
        assert_eq!(typed("userName", "42"), Ok(json!("42")));
        assert_eq!(typed("userName", "\"quoted\""), Ok(json!("quoted")));
        assert_eq!(typed("name.givenName", "Babs"), Ok(json!("Babs")));
        assert_eq!(typed("nickName", "null"), Ok(Value::Null));
        assert_eq!(
            typed("active", "yes"),
            Err("`active` is a boolean: expected true or false, not \"yes\"".to_owned())
        );
    }

    #[test]
    fn complex_and_multi_valued_attributes_take_json() {
        assert_eq!(
            typed("name", r#"{"givenName":"Babs"}"#),
            Ok(json!({"givenName": "Babs"}))
        );
        assert_eq!(
            typed("name", "Babs"),
            Err("`name` is complex: give a JSON object such as {\"formatted\":\"...\"}".to_owned())
        );
        // A single element given for a multi-valued attribute becomes a one-element list.
        assert_eq!(
            typed("emails", r#"{"value":"b@x.org","type":"work"}"#),
            Ok(json!([{"value": "b@x.org", "type": "work"}]))
        );
        assert_eq!(
            typed("emails", r#"[{"value":"b@x.org"}]"#),
            Ok(json!([{"value": "b@x.org"}]))
        );
        // A value path selects elements; its sub-attribute is a single string.
        assert_eq!(
            typed(r#"emails[type eq "work"].value"#, "b@x.org"),
            Ok(json!("b@x.org"))
        );
        assert_eq!(
            typed(r#"emails[type eq "work"]"#, r#"{"value":"b@x.org"}"#),
            Ok(json!({"value": "b@x.org"}))
        );
    }

    #[test]
    fn extension_and_unknown_attributes() {
        assert_eq!(
            typed(&format!("{ENTERPRISE}:employeeNumber"), "701984"),
            Ok(json!("701984"))
        );
        assert_eq!(
            typed(&format!("{ENTERPRISE}:manager"), r#"{"value":"26118915"}"#),
            Ok(json!({"value": "26118915"}))
        );
        assert_eq!(typed("favouriteColour", "42"), Ok(json!("42")));
        assert_eq!(typed("favouriteColour", "[1]"), Ok(json!([1])));
    }

    #[test]
    fn set_path_builds_core_sub_and_extension_attributes() {
        let schema = ResourceSchema::user();
        let mut user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]});
        let set = |user: &mut Value, path: &str, value: Value| {
            set_path(user, &schema, &parse_attr_path(path).unwrap(), value)
        };
        set(&mut user, "username", json!("bjensen")).unwrap();
        set(&mut user, "name.givenName", json!("Babs")).unwrap();
        set(&mut user, "name.familyname", json!("Jensen")).unwrap();
        set(
            &mut user,
            &format!("{ENTERPRISE}:department"),
            json!("Tour"),
        )
        .unwrap();
        set(&mut user, "employeeNumber", json!("701984")).unwrap();
        assert_eq!(
            user,
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
                "userName": "bjensen",
                "name": {"givenName": "Babs", "familyName": "Jensen"},
                ENTERPRISE: {"department": "Tour", "employeeNumber": "701984"}
            })
        );
        assert_eq!(
            set(&mut user, "userName.first", json!("x")),
            Err("`userName` holds a string, so `userName.first` cannot be set in it".to_owned())
        );
    }

    #[test]
    fn set_path_keeps_an_existing_keys_spelling_and_accepts_unknown_urns() {
        let schema = ResourceSchema::user();
        let mut user = json!({"UserName": "old"});
        set_path(
            &mut user,
            &schema,
            &parse_attr_path("userName").unwrap(),
            json!("new"),
        )
        .unwrap();
        set_path(
            &mut user,
            &schema,
            &parse_attr_path("urn:example:ext:shoeSize").unwrap(),
            json!(42),
        )
        .unwrap();
        assert_eq!(
            user,
            json!({"UserName": "new", "schemas": ["urn:example:ext"], "urn:example:ext": {"shoeSize": 42}})
        );
    }
}
