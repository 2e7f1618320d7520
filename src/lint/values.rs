//! Checks one attribute's value against its definition (RFC 7643 §2.3, §2.4), recording every
//! problem with its JSON pointer and going on, so one run names them all. It never converts or
//! normalises a value: that is the server's reader's job ([`crate::scim::resource`]).
//!
//! The type rules are the server's: [`crate::scim::resource`] says how a value fits a type
//! (dateTime and base64 forms included); what differs is that lint reports instead of refusing,
//! and names what identity providers send: string booleans, a manager as a plain string, `""`
//! to clear.

use serde_json::{Map, Value};

use crate::findings::{Deviation, Finding, Pointer};
use crate::scim::patch::is_empty_string_for;
use crate::scim::resource::{TypeFit, is_primary, type_fit};
use crate::scim::schema::{AttrType, Attribute};
use crate::scim::suggest::did_you_mean;

/// Where a value comes from, which decides a few rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// A resource a client sends (POST, PUT), or any resource on its own.
    Request,
    /// A resource in a server's answer (a ListResponse).
    Response,
    /// The `value` of a PATCH `add` or `replace`, where Entra sends `""` to clear.
    PatchValue,
}

/// The value, as a finding quotes it: `the string "False"`, `the number 42`.
pub(super) fn described(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => {
            let cut: String = s.chars().take(60).collect();
            let more = if cut.len() < s.len() { "..." } else { "" };
            format!("the string {}{more}", Value::from(cut))
        }
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// The type as a finding names it: "the boolean", "the multi-valued complex".
fn type_words(attribute: &Attribute) -> String {
    let multi = if attribute.multi_valued {
        "multi-valued "
    } else {
        ""
    };
    format!("the {multi}{}", attribute.attr_type.as_str())
}

/// Checks the whole value of `attribute` at `pointer`: an array when it is multi-valued.
pub(super) fn check_value(
    attribute: &Attribute,
    value: &Value,
    pointer: &Pointer,
    source: Source,
    out: &mut Vec<Finding>,
) {
    if value.is_null() || !attribute.multi_valued {
        check_single(attribute, value, pointer, source, out);
        return;
    }
    let Value::Array(items) = value else {
        out.push(Finding::at(
            Deviation::SingleValueForMultiValued,
            pointer,
            format!(
                "{} for {} `{}`, which takes an array",
                described(value),
                type_words(attribute),
                attribute.name
            ),
        ));
        check_single(attribute, value, pointer, source, out);
        return;
    };
    for (index, item) in items.iter().enumerate() {
        check_single(attribute, item, &pointer.index(index), source, out);
    }
    let primaries: Vec<String> = items
        .iter()
        .enumerate()
        .filter(|(_, item)| is_primary(item))
        .map(|(index, _)| index.to_string())
        .collect();
    if primaries.len() > 1 {
        out.push(Finding::at(
            Deviation::MultiplePrimary,
            pointer,
            format!(
                "{} values of `{}` have `primary: true` (elements {})",
                primaries.len(),
                attribute.name,
                primaries.join(", ")
            ),
        ));
    }
}

/// Checks one value of `attribute` (an element of a multi-valued one, or the element a PATCH
/// value filter selects), whatever its `multiValued`.
pub(super) fn check_single(
    attribute: &Attribute,
    value: &Value,
    pointer: &Pointer,
    source: Source,
    out: &mut Vec<Finding>,
) {
    if value.is_null() {
        return;
    }
    if source == Source::PatchValue && is_empty_string_for(attribute, value) {
        let shown = match value {
            Value::String(_) => described(value),
            other => format!("`{other}`"),
        };
        out.push(Finding::at(
            Deviation::EmptyStringValue,
            pointer,
            format!(
                "{shown} for `{}`, which Entra means as clearing it",
                attribute.name
            ),
        ));
        return;
    }
    let mismatch = |out: &mut Vec<Finding>, deviation: Deviation| {
        out.push(Finding::at(
            deviation,
            pointer,
            format!(
                "{} for {} `{}`",
                described(value),
                type_words(attribute),
                attribute.name
            ),
        ));
    };
    match type_fit(attribute.attr_type, value) {
        TypeFit::Fits => {
            if let Value::Object(members) = value {
                check_members(attribute, members, pointer, source, out);
            }
        }
        TypeFit::StringBoolean => mismatch(out, Deviation::StringBoolean),
        TypeFit::NotBase64 => mismatch(out, Deviation::BinaryNotBase64),
        TypeFit::NotDateTime => mismatch(out, Deviation::DateTimeFormat),
        TypeFit::OtherType
            if attribute.attr_type == AttrType::Complex
                && value.is_string()
                && attribute.sub_attribute("value").is_some() =>
        {
            mismatch(out, Deviation::ComplexAsString);
        }
        TypeFit::OtherType => mismatch(out, Deviation::TypeMismatch),
    }
}

/// The members of a complex value, each by its sub-attribute.
fn check_members(
    attribute: &Attribute,
    members: &Map<String, Value>,
    pointer: &Pointer,
    source: Source,
    out: &mut Vec<Finding>,
) {
    for (key, member) in members {
        let member_pointer = pointer.key(key);
        match attribute.sub_attribute(key) {
            Some(sub) => check_value(sub, member, &member_pointer, source, out),
            None => out.push(Finding::at(
                Deviation::AttributeUnknown,
                &member_pointer,
                format!(
                    "`{}` has no sub-attribute `{key}`{}",
                    attribute.name,
                    did_you_mean(key, &attribute.sub_attribute_names())
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schema::ResourceSchema;
    use serde_json::json;

    fn findings(name: &str, value: Value, source: Source) -> Vec<(String, &'static str, String)> {
        let user = ResourceSchema::user();
        let attribute = user
            .core
            .attribute(name)
            .or_else(|| user.extensions[0].attribute(name))
            .expect("known attribute");
        let mut out = Vec::new();
        check_value(
            attribute,
            &value,
            &Pointer::root().key(name),
            source,
            &mut out,
        );
        out.into_iter()
            .map(|f| (f.location.to_string(), f.deviation.key(), f.seen))
            .collect()
    }

    #[test]
    fn a_string_boolean_is_named_as_such_and_a_number_as_a_type_mismatch() {
        assert_eq!(
            findings("active", json!("False"), Source::Request),
            [(
                "/active".to_owned(),
                "string-boolean",
                "the string \"False\" for the boolean `active`".to_owned()
            )]
        );
        assert_eq!(
            findings("active", json!(0), Source::Request)[0].1,
            "type-mismatch"
        );
        assert!(findings("active", json!(true), Source::Request).is_empty());
    }

    #[test]
    fn every_element_of_a_multi_valued_attribute_is_checked() {
        let found = findings(
            "emails",
            json!([
                {"value": "a@example.com", "primary": "True"},
                {"value": 42, "primary": true, "tpye": "work"},
                {"value": "c@example.com", "primary": true}
            ]),
            Source::Request,
        );
        let keys: Vec<(&str, &str)> = found
            .iter()
            .map(|(at, key, _)| (at.as_str(), *key))
            .collect();
        assert_eq!(
            keys,
            [
                ("/emails/0/primary", "string-boolean"),
                ("/emails/1/value", "type-mismatch"),
                ("/emails/1/tpye", "attribute-unknown"),
                ("/emails", "multiple-primary"),
            ]
        );
        assert!(
            found[2].2.ends_with("did you mean `type`?"),
            "{}",
            found[2].2
        );
    }

    #[test]
    fn a_single_value_for_a_multi_valued_attribute_is_still_checked_inside() {
        let found = findings("emails", json!({"value": 7}), Source::Request);
        assert_eq!(found[0].1, "single-value-for-multi-valued");
        assert_eq!(found[1].0, "/emails/value");
    }

    #[test]
    fn entras_manager_string_and_empty_string_are_named() {
        assert_eq!(
            findings("manager", json!("2c2f6fb8"), Source::PatchValue)[0].1,
            "complex-as-string"
        );
        assert_eq!(
            findings("manager", json!({"value": ""}), Source::PatchValue)[0].1,
            "empty-string-value"
        );
        assert!(findings("displayName", json!(""), Source::Request).is_empty());
        assert_eq!(
            findings("name", json!("Babs"), Source::Request)[0].1,
            "type-mismatch"
        );
    }

    #[test]
    fn dates_and_base64_are_checked_by_their_form() {
        let user = ResourceSchema::user();
        let created = &crate::scim::schema::common_attribute("meta")
            .expect("meta")
            .sub_attribute("created")
            .expect("created")
            .clone();
        let mut out = Vec::new();
        check_single(
            created,
            &json!("2015-02-23"),
            &Pointer::root(),
            Source::Request,
            &mut out,
        );
        assert_eq!(out[0].deviation, Deviation::DateTimeFormat);
        let certificates = user.core.attribute("x509Certificates").expect("known");
        out.clear();
        check_value(
            certificates,
            &json!([{"value": "not base64!"}]),
            &Pointer::root(),
            Source::Request,
            &mut out,
        );
        assert_eq!(out[0].deviation, Deviation::BinaryNotBase64);
    }
}
