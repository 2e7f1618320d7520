//! Reading a value out of an answer, as a suite selector says: a JSON pointer, or a SCIM-style
//! path with case-insensitive names (RFC 7643 §2.1), indexes and simple value filters.

use serde_json::Value;

use super::answer::Answer;
use super::error::CheckError;
use super::vars::Vars;
use crate::scim::resource::get_ci;
use crate::suite::Selector;

/// How deep a selector may go: selectors come from user files, and recursion is bounded.
const MAX_SEGMENTS: usize = 32;

/// The value a selector picks from an answer, owned (a header becomes a JSON string), after
/// substituting the variables in it (`members[value eq "{{user_id}}"]`).
pub(crate) fn select(
    answer: &Answer,
    selector: &Selector,
    vars: &Vars,
) -> Result<Option<Value>, CheckError> {
    Ok(match selector {
        Selector::Header(name) => answer.header(name).map(|v| Value::String(v.to_owned())),
        Selector::Pointer(pointer) => {
            let pointer = vars.render_text(pointer)?;
            answer
                .json
                .as_ref()
                .and_then(|body| select_pointer(body, &pointer))
                .cloned()
        }
        Selector::Path(path) => {
            let path = vars.render_text(path)?;
            answer
                .json
                .as_ref()
                .and_then(|body| select_path(body, &path))
                .cloned()
        }
    })
}

/// Follows a SCIM-style path: `meta.location`, `Resources[0].id`, `emails[type eq "work"].value`,
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`. `None` when any
/// segment is missing (a JSON `null` counts as missing).
pub fn select_path<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    // A schema URN alone names a whole extension object.
    if let Some(extension) = root.as_object().and_then(|map| get_ci(map, path)) {
        return non_null(extension);
    }
    let (mut current, rest) = match split_urn(path) {
        Some((urn, rest)) => (get_ci(root.as_object()?, urn)?, rest),
        None => (root, path),
    };
    if rest.is_empty() {
        return non_null(current);
    }
    for (count, segment) in segments(rest).into_iter().enumerate() {
        if count >= MAX_SEGMENTS {
            return None;
        }
        current = match segment {
            Segment::Name(name) => get_ci(current.as_object()?, name)?,
            Segment::Index(index) => current.as_array()?.get(index)?,
            Segment::Filter { attr, value } => current.as_array()?.iter().find(|element| {
                element
                    .as_object()
                    .and_then(|map| get_ci(map, attr))
                    .is_some_and(|found| loosely_equal(found, &value))
            })?,
            Segment::Invalid => return None,
        };
    }
    non_null(current)
}

/// Follows a JSON pointer (RFC 6901).
pub fn select_pointer<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    root.pointer(pointer).and_then(non_null)
}

fn non_null(value: &Value) -> Option<&Value> {
    (!value.is_null()).then_some(value)
}

/// A leading schema URN ends at the last `:` before the first `[` (URNs hold `:` and `.`).
fn split_urn(path: &str) -> Option<(&str, &str)> {
    if !path.get(..4)?.eq_ignore_ascii_case("urn:") {
        return None;
    }
    let head = path.split('[').next().unwrap_or(path);
    let colon = head.rfind(':')?;
    Some((&path[..colon], &path[colon + 1..]))
}

enum Segment<'a> {
    Name(&'a str),
    Index(usize),
    Filter { attr: &'a str, value: Value },
    Invalid,
}

fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('[') {
            let Some(close) = inner.find(']') else {
                out.push(Segment::Invalid);
                break;
            };
            out.push(bracket(&inner[..close]));
            rest = inner[close + 1..].trim_start_matches('.');
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        out.push(Segment::Name(&rest[..end]));
        rest = rest[end..].strip_prefix('.').unwrap_or(&rest[end..]);
    }
    out
}

/// `[3]` or `[attr eq "value"]` (the value is JSON: a quoted string, a number, `true`).
fn bracket(inner: &str) -> Segment<'_> {
    let inner = inner.trim();
    if let Ok(index) = inner.parse::<usize>() {
        return Segment::Index(index);
    }
    let mut words = inner.splitn(3, ' ');
    match (words.next(), words.next(), words.next()) {
        (Some(attr), Some(op), Some(value)) if op.eq_ignore_ascii_case("eq") => {
            match serde_json::from_str(value.trim()) {
                Ok(value) => Segment::Filter { attr, value },
                Err(_) => Segment::Invalid,
            }
        }
        _ => Segment::Invalid,
    }
}

/// Strings compare case-insensitively (a `type` such as "work" is not caseExact, RFC 7643
/// §4.1.2); other values exactly.
fn loosely_equal(found: &Value, wanted: &Value) -> bool {
    match (found, wanted) {
        (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
        _ => found == wanted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "id": "42",
            "userName": "bjensen",
            "meta": {"location": "https://x/Users/42"},
            "emails": [
                {"type": "home", "value": "b@home"},
                {"type": "work", "value": "b@work"}
            ],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "manager": {"value": "7"}
            },
            "nickName": null
        })
    }

    #[test]
    fn names_are_case_insensitive_and_dots_go_into_sub_attributes() {
        let user = user();
        assert_eq!(select_path(&user, "USERNAME"), Some(&json!("bjensen")));
        assert_eq!(
            select_path(&user, "meta.location"),
            Some(&json!("https://x/Users/42"))
        );
    }

    #[test]
    fn indexes_and_value_filters_pick_elements() {
        let user = user();
        assert_eq!(
            select_path(&user, "emails[0].value"),
            Some(&json!("b@home"))
        );
        assert_eq!(
            select_path(&user, "emails[type eq \"Work\"].value"),
            Some(&json!("b@work"))
        );
        assert_eq!(select_path(&user, "emails[type eq \"other\"].value"), None);
        assert_eq!(select_path(&user, "emails[9]"), None);
    }

    #[test]
    fn a_leading_urn_names_the_extension() {
        let user = user();
        let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        assert_eq!(
            select_path(&user, &format!("{urn}:manager.value")),
            Some(&json!("7"))
        );
        assert!(select_path(&user, urn).is_some_and(Value::is_object));
    }

    #[test]
    fn null_and_malformed_selectors_find_nothing() {
        let user = user();
        assert_eq!(select_path(&user, "nickName"), None);
        assert_eq!(select_path(&user, "emails[type"), None);
        assert_eq!(select_path(&user, "emails[type ne \"x\"]"), None);
        assert_eq!(select_path(&json!("text"), "a.b"), None);
        assert_eq!(
            select_pointer(&user, "/emails/1/value"),
            Some(&json!("b@work"))
        );
    }
}
