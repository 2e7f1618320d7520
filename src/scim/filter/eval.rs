//! Filter evaluation against JSON resources (RFC 7644 §3.4.2.2), typed by the resource's
//! schemas (RFC 7643 §2.2-2.4). It only evaluates: parsing is `parser`'s.
//!
//! Attribute names and extension URNs are matched case-insensitively; string values compare
//! by the attribute's `caseExact`; a multi-valued attribute matches when any of its values
//! does; a complex attribute compared without a sub-attribute stands for its `value`.
//! Nothing here allocates per comparison, because a server runs one filter over every
//! resource it holds.
//!
//! Which operator may compare which attribute depends on the filter and the schema only,
//! never on the data; [`validate`] checks a whole filter up front so that a bad filter is an
//! error even when there is nothing to compare it with.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDateTime};
use serde_json::Value;

use super::{CompValue, CompareOp, Filter};
use crate::scim::path::AttrPath;
use crate::scim::resource::get_ci;
use crate::scim::schema::{AttrType, Attribute, ResourceSchema};

/// Why a syntactically valid filter cannot be evaluated; servers answer 400 `invalidFilter`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// The operator is not defined for the attribute's type: ordering on a boolean or binary
    /// attribute (§3.4.2.2), or `co`/`sw`/`ew` on a boolean or number.
    #[error("{}", operator_not_supported(*.op, *.attr_type, .attribute))]
    OperatorNotSupported {
        attribute: String,
        op: CompareOp,
        attr_type: AttrType,
    },
    /// The operator cannot use this kind of value: `gt true`, `lt null`, `co 42`.
    #[error("`{attribute} {op} {value}`: `{op}` cannot compare with `{value}`")]
    ValueNotSupported {
        attribute: String,
        op: CompareOp,
        value: CompValue,
    },
    /// A complex attribute without a `value` sub-attribute was compared as a whole.
    #[error(
        "`{attribute}` is a complex attribute without a `value` sub-attribute; \
         compare one of its sub-attributes, such as `{attribute}.<name>`"
    )]
    ComplexWithoutValue { attribute: String },
    /// A dateTime attribute was compared with a string that is not a dateTime.
    #[error("`{value}` is not a dateTime, which `{attribute}` is (e.g. \"2011-05-13T04:42:34Z\")")]
    InvalidDateTime { attribute: String, value: String },
}

/// [`EvalError::OperatorNotSupported`] said: ordering and matching read differently.
fn operator_not_supported(op: CompareOp, attr_type: AttrType, attribute: &str) -> String {
    let kind = attr_type.as_str();
    if op.is_ordering() {
        format!("`{op}` cannot order the {kind} attribute `{attribute}`")
    } else {
        format!("`{op}` is not defined for the {kind} attribute `{attribute}`")
    }
}

/// Whether `resource` matches `filter`.
pub fn matches(
    filter: &Filter,
    resource: &Value,
    schema: &ResourceSchema,
) -> Result<bool, EvalError> {
    eval(filter, resource, Scope::Resource(schema))
}

/// Whether one element of a multi-valued complex attribute matches a value filter, as in the
/// PATCH path `members[value eq "2819c223"]`: paths in `filter` name sub-attributes of
/// `attribute` (RFC 7644 §3.5.2).
pub fn matches_element(
    filter: &Filter,
    element: &Value,
    attribute: &Attribute,
) -> Result<bool, EvalError> {
    eval(filter, element, Scope::Element(Some(attribute)))
}

/// Whether one element matches a value filter when no schema describes it, as in a suite
/// selector `Operations[bulkId eq "u1"]`: names match case-insensitively, strings compare
/// ignoring case, numbers by value.
pub fn matches_schemaless(filter: &Filter, element: &Value) -> Result<bool, EvalError> {
    eval(filter, element, Scope::Element(None))
}

/// Checks that every comparison in `filter` is defined for its attribute's type.
pub fn validate(filter: &Filter, schema: &ResourceSchema) -> Result<(), EvalError> {
    validate_in(filter, Scope::Resource(schema))
}

/// What the paths of a filter are relative to.
#[derive(Clone, Copy)]
enum Scope<'a> {
    /// A whole resource of this resource type.
    Resource(&'a ResourceSchema),
    /// One element of a multi-valued attribute (inside `[...]`), with the attribute's
    /// definition when known.
    Element(Option<&'a Attribute>),
}

/// Where a path's attribute lives and what the schema says about it. Definitions are `None`
/// for attributes no schema defines; those compare by JSON type, case-insensitively.
struct Located<'a> {
    top: Option<&'a Attribute>,
    sub: Option<&'a Attribute>,
    /// The key of the extension object holding the attribute (RFC 7643 §3.3), if any.
    extension: Option<&'a str>,
}

fn locate<'a>(scope: Scope<'a>, path: &'a AttrPath) -> Located<'a> {
    let schema = match scope {
        Scope::Element(parent) => {
            let top = parent.and_then(|p| p.sub_attribute(&path.name));
            let sub = path
                .sub
                .as_deref()
                .and_then(|sub| top.and_then(|t| t.sub_attribute(sub)));
            return Located {
                top,
                sub,
                extension: None,
            };
        }
        Scope::Resource(schema) => schema,
    };
    if let Some(resolved) = schema.resolve(path) {
        return Located {
            top: Some(resolved.attribute),
            sub: resolved.sub_attribute,
            extension: resolved.is_extension.then_some(resolved.schema.id.as_str()),
        };
    }
    // A sub-attribute no schema defines, or an attribute of an unknown extension: still look
    // in the right object, and keep the top-level definition where there is one.
    let (extension, top) = match path.urn.as_deref() {
        Some(urn) => match schema.schema(urn) {
            Some(known) if std::ptr::eq(known, &schema.core) => (None, known.attribute(&path.name)),
            Some(known) => (Some(known.id.as_str()), known.attribute(&path.name)),
            None => (Some(urn), None),
        },
        None => match schema.core.attribute(&path.name) {
            Some(top) => (None, Some(top)),
            None => schema
                .extensions
                .iter()
                .find_map(|s| {
                    s.attribute(&path.name)
                        .map(|a| (Some(s.id.as_str()), Some(a)))
                })
                .unwrap_or((None, None)),
        },
    };
    Located {
        top,
        sub: None,
        extension,
    }
}

/// The definition of what a comparison compares: the sub-attribute, or for a complex
/// attribute named alone its `value` sub-attribute (the RFC's own `emails co "..."`).
fn compared<'a>(
    located: &Located<'a>,
    path: &AttrPath,
) -> Result<Option<&'a Attribute>, EvalError> {
    if path.sub.is_some() {
        return Ok(located.sub);
    }
    match located.top {
        Some(top) if top.attr_type == AttrType::Complex => top
            .sub_attribute("value")
            .map(Some)
            .ok_or_else(|| EvalError::ComplexWithoutValue {
                attribute: path.to_string(),
            }),
        other => Ok(other),
    }
}

/// Checks that `path op value` is defined, returning the compared attribute's definition.
fn check_comparison<'a>(
    located: &Located<'a>,
    path: &AttrPath,
    op: CompareOp,
    value: &CompValue,
) -> Result<Option<&'a Attribute>, EvalError> {
    let substring = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
    if *value == CompValue::Null {
        return match op {
            CompareOp::Eq | CompareOp::Ne => Ok(None),
            _ => Err(value_not_supported(path, op, value)),
        };
    }
    let definition = compared(located, path)?;
    if let Some(attribute) = definition {
        let unsupported = match attribute.attr_type {
            AttrType::Boolean => op.is_ordering() || substring,
            AttrType::Binary => op.is_ordering(),
            AttrType::Integer | AttrType::Decimal => substring,
            _ => false,
        };
        if unsupported {
            return Err(EvalError::OperatorNotSupported {
                attribute: path.to_string(),
                op,
                attr_type: attribute.attr_type,
            });
        }
        if let (AttrType::DateTime, CompValue::String(text)) = (attribute.attr_type, value) {
            if !substring && parse_datetime(text).is_none() {
                return Err(EvalError::InvalidDateTime {
                    attribute: path.to_string(),
                    value: text.clone(),
                });
            }
        }
    }
    let value_fits = match value {
        CompValue::Bool(_) => !op.is_ordering() && !substring,
        CompValue::Number(_) => !substring,
        _ => true,
    };
    if !value_fits {
        return Err(value_not_supported(path, op, value));
    }
    Ok(definition)
}

fn value_not_supported(path: &AttrPath, op: CompareOp, value: &CompValue) -> EvalError {
    EvalError::ValueNotSupported {
        attribute: path.to_string(),
        op,
        value: value.clone(),
    }
}

fn validate_in(filter: &Filter, scope: Scope<'_>) -> Result<(), EvalError> {
    match filter {
        Filter::Present(_) => Ok(()),
        Filter::Compare(path, op, value) => {
            check_comparison(&locate(scope, path), path, *op, value).map(drop)
        }
        Filter::Not(inner) => validate_in(inner, scope),
        Filter::And(left, right) | Filter::Or(left, right) => {
            validate_in(left, scope)?;
            validate_in(right, scope)
        }
        Filter::ValuePath(path, inner) => {
            validate_in(inner, Scope::Element(locate(scope, path).top))
        }
    }
}

fn eval(filter: &Filter, data: &Value, scope: Scope<'_>) -> Result<bool, EvalError> {
    match filter {
        Filter::Present(path) => {
            let located = locate(scope, path);
            any_leaf(data, &located, path, false, &mut |v| Ok(is_present(v)))
        }
        Filter::Compare(path, op, value) => compare(data, scope, path, *op, value),
        Filter::Not(inner) => Ok(!eval(inner, data, scope)?),
        Filter::And(left, right) => Ok(eval(left, data, scope)? && eval(right, data, scope)?),
        Filter::Or(left, right) => Ok(eval(left, data, scope)? || eval(right, data, scope)?),
        Filter::ValuePath(path, inner) => {
            let located = locate(scope, path);
            let element_scope = Scope::Element(located.top);
            any_leaf(data, &located, path, false, &mut |element| {
                eval(inner, element, element_scope)
            })
        }
    }
}

fn compare(
    data: &Value,
    scope: Scope<'_>,
    path: &AttrPath,
    op: CompareOp,
    value: &CompValue,
) -> Result<bool, EvalError> {
    let located = locate(scope, path);
    let definition = check_comparison(&located, path, op, value)?;
    if *value == CompValue::Null {
        // Absent, null and empty are one state (RFC 7643 §2.5).
        let present = any_leaf(data, &located, path, false, &mut |v| Ok(is_present(v)))?;
        return Ok((op == CompareOp::Ne) == present);
    }
    let case_exact = definition.is_some_and(|d| d.case_exact);
    let datetime = match (definition.map(|d| d.attr_type), value) {
        (Some(AttrType::DateTime), CompValue::String(text)) => parse_datetime(text),
        _ => None,
    };
    let holds = |leaf: &Value, op: CompareOp| match value {
        CompValue::Null => false,
        CompValue::Bool(b) => leaf.as_bool() == Some(*b) && op == CompareOp::Eq,
        CompValue::Number(n) => match leaf {
            Value::Number(m) => compare_numbers(m, n).is_some_and(|ord| ordering_holds(ord, op)),
            _ => false,
        },
        CompValue::String(text) => match (leaf.as_str(), datetime) {
            (None, _) => false,
            (Some(leaf), Some(wanted))
                if !matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew) =>
            {
                parse_datetime(leaf).is_some_and(|have| ordering_holds(have.cmp(&wanted), op))
            }
            (Some(leaf), _) => compare_strings(leaf, text, op, case_exact),
        },
    };
    if op == CompareOp::Ne {
        // Multi-valued: some value differs. Absent or empty: nothing equals the value.
        let mut seen_any = false;
        let differs = any_leaf(data, &located, path, true, &mut |leaf| {
            seen_any = true;
            Ok(!holds(leaf, CompareOp::Eq))
        })?;
        return Ok(differs || !seen_any);
    }
    any_leaf(data, &located, path, true, &mut |leaf| Ok(holds(leaf, op)))
}

fn ordering_holds(ordering: Ordering, op: CompareOp) -> bool {
    match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

/// Integers compare exactly; anything involving a decimal compares as `f64`.
fn compare_numbers(a: &serde_json::Number, b: &serde_json::Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// RFC 3339, as RFC 7643 §2.3.5 asks; a value without an offset is taken as UTC.
fn parse_datetime(text: &str) -> Option<DateTime<chrono::FixedOffset>> {
    DateTime::parse_from_rfc3339(text).ok().or_else(|| {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
            .ok()
            .map(|naive| naive.and_utc().fixed_offset())
    })
}

fn compare_strings(have: &str, wanted: &str, op: CompareOp, case_exact: bool) -> bool {
    match op {
        CompareOp::Co => contains(have, wanted, case_exact),
        CompareOp::Sw => starts_with(have, wanted, case_exact),
        CompareOp::Ew => ends_with(have, wanted, case_exact),
        CompareOp::Eq | CompareOp::Ne => {
            (op == CompareOp::Eq) == equal_strings(have, wanted, case_exact)
        }
        _ => {
            let ordering = if case_exact {
                have.cmp(wanted)
            } else if have.is_ascii() && wanted.is_ascii() {
                ascii_folded(have).cmp(ascii_folded(wanted))
            } else {
                folded(have).cmp(folded(wanted))
            };
            ordering_holds(ordering, op)
        }
    }
}

fn equal_strings(have: &str, wanted: &str, case_exact: bool) -> bool {
    if case_exact {
        have == wanted
    } else if have.is_ascii() && wanted.is_ascii() {
        have.eq_ignore_ascii_case(wanted)
    } else {
        folded(have).eq(folded(wanted))
    }
}

fn folded(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

fn ascii_folded(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.bytes().map(|b| b.to_ascii_lowercase())
}

fn folded_rev(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().rev().flat_map(|c| c.to_lowercase().rev())
}

fn starts_with(have: &str, wanted: &str, case_exact: bool) -> bool {
    if case_exact {
        return have.starts_with(wanted);
    }
    if have.is_ascii() && wanted.is_ascii() {
        return have
            .as_bytes()
            .get(..wanted.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(wanted.as_bytes()));
    }
    let mut have = folded(have);
    folded(wanted).all(|c| have.next() == Some(c))
}

fn ends_with(have: &str, wanted: &str, case_exact: bool) -> bool {
    if case_exact {
        return have.ends_with(wanted);
    }
    let mut have = folded_rev(have);
    folded_rev(wanted).all(|c| have.next() == Some(c))
}

fn contains(have: &str, wanted: &str, case_exact: bool) -> bool {
    if case_exact {
        return have.contains(wanted);
    }
    if wanted.is_empty() {
        return true;
    }
    if have.is_ascii() && wanted.is_ascii() {
        return have
            .as_bytes()
            .windows(wanted.len())
            .any(|window| window.eq_ignore_ascii_case(wanted.as_bytes()));
    }
    have.char_indices()
        .any(|(at, _)| starts_with(&have[at..], wanted, false))
}

/// `pr`: present and not null, `""`, `[]` or an object with nothing present in it.
fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => items.iter().any(is_present),
        Value::Object(members) => members.values().any(is_present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn top_value<'v>(data: &'v Value, located: &Located<'_>, path: &AttrPath) -> Option<&'v Value> {
    let container = match located.extension {
        Some(urn) => get_ci(data, urn)?,
        None => data,
    };
    get_ci(container, &path.name)
}

/// Calls `test` on each value the path reaches until one passes: each element of a
/// multi-valued attribute, each element's sub-attribute, and (with `complex_as_value`) the
/// `value` of a complex element compared without a sub-attribute.
fn any_leaf(
    data: &Value,
    located: &Located<'_>,
    path: &AttrPath,
    complex_as_value: bool,
    test: &mut dyn FnMut(&Value) -> Result<bool, EvalError>,
) -> Result<bool, EvalError> {
    let Some(top) = top_value(data, located, path) else {
        return Ok(false);
    };
    any_element(top, &mut |element| match (&path.sub, element) {
        (Some(sub), _) => match get_ci(element, sub) {
            Some(value) => any_element(value, test),
            None => Ok(false),
        },
        (None, Value::Object(_)) if complex_as_value => match get_ci(element, "value") {
            Some(value) => test(value),
            None => Ok(false),
        },
        (None, _) => test(element),
    })
}

fn any_element(
    value: &Value,
    test: &mut dyn FnMut(&Value) -> Result<bool, EvalError>,
) -> Result<bool, EvalError> {
    match value {
        Value::Array(items) => {
            for item in items {
                if test(item)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        other => test(other),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::filter::parse_filter;

    #[test]
    fn an_element_no_schema_describes_compares_strings_ignoring_case() {
        let element = json!({"Type": "Work", "value": "b@work", "rank": 2});
        let holds = |text: &str| matches_schemaless(&parse_filter(text).unwrap(), &element);
        assert_eq!(holds(r#"type eq "work""#), Ok(true));
        assert_eq!(holds(r#"type eq "home""#), Ok(false));
        assert_eq!(holds("rank eq 2"), Ok(true));
        assert_eq!(
            holds(r#"rank eq "2""#),
            Ok(false),
            "a string is not a number"
        );
    }
}
