//! One attribute's value checked against its schema and normalised for storage (RFC 7643
//! §2.3, §2.5): types, the schema's key spelling, dropped members. It sees no whole resource.

use serde_json::{Map, Value};

use super::{Leniency, ValuePath, invalid_value};
use crate::scim::datetime::is_xsd_date_time;
use crate::scim::model::ScimError;
use crate::scim::schema::{AttrType, Attribute, Mutability, json_kind};

/// Checks and normalises the value of `attribute` found at `path` (RFC 7643 §2.3): types are
/// checked, keys of complex values take the schema's spelling, `null` members, readOnly
/// sub-attributes and unknown sub-attributes are dropped. `None` means unassigned: `null`,
/// `[]` and `{}` all read as "no value" (RFC 7643 §2.5).
pub(crate) fn normalise_value(
    attribute: &Attribute,
    value: &Value,
    path: &str,
    leniencies: &mut Vec<Leniency>,
) -> Result<Option<Value>, ScimError> {
    normalise_value_at(attribute, value.clone(), ValuePath::Text(path), leniencies)
}

/// [`normalise_value`] for one value of the attribute, ignoring `multiValued`.
pub(crate) fn normalise_single(
    attribute: &Attribute,
    value: &Value,
    path: &str,
    leniencies: &mut Vec<Leniency>,
) -> Result<Option<Value>, ScimError> {
    normalise_single_at(attribute, value.clone(), ValuePath::Text(path), leniencies)
}

/// [`normalise_value`] on a value it may take apart: what is kept is moved, not copied.
pub(super) fn normalise_value_at(
    attribute: &Attribute,
    value: Value,
    path: ValuePath<'_>,
    leniencies: &mut Vec<Leniency>,
) -> Result<Option<Value>, ScimError> {
    if !attribute.multi_valued {
        return normalise_single_at(attribute, value, path, leniencies);
    }
    match value {
        Value::Null => Ok(None),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let item_path = ValuePath::Item(&path, i);
                if let Some(v) = normalise_single_at(attribute, item, item_path, leniencies)? {
                    out.push(v);
                }
            }
            Ok((!out.is_empty()).then_some(Value::Array(out)))
        }
        other => Err(invalid_value(
            path,
            format!(
                "expected an array (multi-valued), found {}",
                json_kind(&other)
            ),
        )),
    }
}

fn normalise_single_at(
    attribute: &Attribute,
    value: Value,
    path: ValuePath<'_>,
    leniencies: &mut Vec<Leniency>,
) -> Result<Option<Value>, ScimError> {
    if value.is_null() {
        return Ok(None);
    }
    check_single_type(attribute.attr_type, &value, path)?;
    let normalised = match (attribute.attr_type, value) {
        (AttrType::Boolean, Value::String(text)) => {
            let parsed = text.eq_ignore_ascii_case("true");
            leniencies.push(Leniency::StringBoolean {
                path: path.to_string(),
                sent: text,
            });
            Value::Bool(parsed)
        }
        (AttrType::Complex, Value::Object(members)) => {
            let mut out = Map::with_capacity(members.len());
            for (key, member) in members {
                let member_path = ValuePath::Member(&path, &key);
                let Some(sub) = attribute.sub_attribute(&key) else {
                    leniencies.push(Leniency::UnknownAttributeIgnored {
                        path: member_path.to_string(),
                    });
                    continue;
                };
                if sub.mutability == Mutability::ReadOnly {
                    continue;
                }
                if let Some(v) = normalise_value_at(sub, member, member_path, leniencies)? {
                    out.insert(canonical_key(key, &sub.name), v);
                }
            }
            if out.is_empty() {
                return Ok(None);
            }
            Value::Object(out)
        }
        (_, other) => other,
    };
    Ok(Some(normalised))
}

/// Whether a single, non-null value has the attribute's type; booleans may also be the
/// strings `"true"`/`"false"` in any case, which the caller converts and reports.
fn check_single_type(
    attr_type: AttrType,
    value: &Value,
    path: ValuePath<'_>,
) -> Result<(), ScimError> {
    match (type_fit(attr_type, value), value) {
        (TypeFit::Fits | TypeFit::StringBoolean, _) => Ok(()),
        (TypeFit::NotBase64, _) => Err(invalid_value(path, "not valid base64 (RFC 7643 §2.3.6)")),
        (TypeFit::NotDateTime, Value::String(text)) => Err(invalid_value(
            path,
            format!(
                "`{text}` is not an xsd:dateTime such as 2015-02-23T08:30:00Z (RFC 7643 §2.3.5)"
            ),
        )),
        _ => Err(invalid_value(
            path,
            format!(
                "expected {}, found {}",
                expected(attr_type),
                json_kind(value)
            ),
        )),
    }
}

/// How a single, non-null value fits an attribute's type (RFC 7643 §2.3). This is the one
/// reading of the type rules: the server's reader refuses by it and `lint` reports by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeFit {
    /// The value has the attribute's type.
    Fits,
    /// `"true"` or `"false"`, in any case, for a boolean: what Entra's legacy provisioning
    /// sends, and what servers read as the boolean.
    StringBoolean,
    /// A string that is not base64, for a binary attribute (§2.3.6).
    NotBase64,
    /// A string that is not an xsd:dateTime, for a dateTime attribute (§2.3.5).
    NotDateTime,
    /// A JSON type other than the attribute's.
    OtherType,
}

/// How `value` fits `attr_type`; see [`TypeFit`].
pub(crate) fn type_fit(attr_type: AttrType, value: &Value) -> TypeFit {
    match (attr_type, value) {
        (AttrType::String | AttrType::Reference, Value::String(_))
        | (AttrType::Boolean, Value::Bool(_))
        | (AttrType::Decimal, Value::Number(_))
        | (AttrType::Complex, Value::Object(_)) => TypeFit::Fits,
        (AttrType::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => TypeFit::Fits,
        (AttrType::Boolean, Value::String(text))
            if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false") =>
        {
            TypeFit::StringBoolean
        }
        (AttrType::Binary, Value::String(text)) if is_base64(text) => TypeFit::Fits,
        (AttrType::Binary, Value::String(_)) => TypeFit::NotBase64,
        (AttrType::DateTime, Value::String(text)) if is_xsd_date_time(text) => TypeFit::Fits,
        (AttrType::DateTime, Value::String(_)) => TypeFit::NotDateTime,
        _ => TypeFit::OtherType,
    }
}

/// A value of `attr_type`, as an error message names what it expected.
fn expected(attr_type: AttrType) -> &'static str {
    match attr_type {
        AttrType::String | AttrType::Reference => "a string",
        AttrType::Binary => "a base64 string",
        AttrType::Boolean => "a boolean",
        AttrType::Integer => "an integer",
        AttrType::Decimal => "a number",
        AttrType::DateTime => "a dateTime string",
        AttrType::Complex => "an object",
    }
}

/// The key to store a member under: the schema's spelling, reusing the sent key when it is
/// already spelled that way.
pub(super) fn canonical_key(sent: String, name: &str) -> String {
    if sent == name { sent } else { name.to_owned() }
}

fn is_base64(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    text.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refusal(attr_type: AttrType, value: Value) -> Option<String> {
        check_single_type(attr_type, &value, ValuePath::Text("x"))
            .err()
            .map(|error| error.detail)
    }

    #[test]
    fn a_value_of_another_type_is_refused_with_what_the_attribute_takes() {
        assert_eq!(
            refusal(AttrType::String, json!(1)).as_deref(),
            Some("`x`: expected a string, found a number")
        );
        assert_eq!(
            refusal(AttrType::Binary, json!(true)).as_deref(),
            Some("`x`: expected a base64 string, found a boolean")
        );
        assert_eq!(
            refusal(AttrType::Binary, json!("not base64!")).as_deref(),
            Some("`x`: not valid base64 (RFC 7643 §2.3.6)")
        );
        assert_eq!(
            refusal(AttrType::Boolean, json!("yes")).as_deref(),
            Some("`x`: expected a boolean, found a string")
        );
        assert_eq!(
            refusal(AttrType::Integer, json!(1.5)).as_deref(),
            Some("`x`: expected an integer, found a number")
        );
        assert_eq!(
            refusal(AttrType::Decimal, json!("1.5")).as_deref(),
            Some("`x`: expected a number, found a string")
        );
        assert_eq!(
            refusal(AttrType::DateTime, json!(0)).as_deref(),
            Some("`x`: expected a dateTime string, found a number")
        );
        assert_eq!(
            refusal(AttrType::DateTime, json!("2015-02-23")).as_deref(),
            Some(
                "`x`: `2015-02-23` is not an xsd:dateTime such as 2015-02-23T08:30:00Z \
                 (RFC 7643 §2.3.5)"
            )
        );
        assert_eq!(
            refusal(AttrType::Complex, json!("Babs")).as_deref(),
            Some("`x`: expected an object, found a string")
        );
    }

    #[test]
    fn values_of_the_attributes_type_pass_and_string_booleans_are_left_to_the_caller() {
        for (attr_type, value) in [
            (AttrType::String, json!("a")),
            (AttrType::Reference, json!("https://example.com/Users/1")),
            (AttrType::Binary, json!("aGVsbG8=")),
            (AttrType::Boolean, json!(false)),
            (AttrType::Boolean, json!("True")),
            (AttrType::Integer, json!(-3)),
            (AttrType::Integer, json!(18446744073709551615u64)),
            (AttrType::Decimal, json!(1)),
            (AttrType::DateTime, json!("2015-02-23T08:30:00Z")),
            (AttrType::Complex, json!({})),
        ] {
            assert_eq!(
                refusal(attr_type, value.clone()),
                None,
                "{attr_type:?} {value}"
            );
        }
    }
}
