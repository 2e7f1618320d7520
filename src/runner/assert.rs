//! The assertions a suite writes (all but built-ins): each says what it observed when its rule
//! does not hold. It never sends a request; levels and messages are the check's to decide.

use serde_json::Value;

use super::answer::Answer;
use super::error::CheckError;
use super::select::select;
use super::vars::Vars;
use crate::suite::{AssertionKind, JsonType, Selector};

/// `None` when the assertion holds, else what was observed instead.
pub(crate) fn evaluate(
    kind: &AssertionKind,
    answer: &Answer,
    vars: &Vars,
) -> Result<Option<String>, CheckError> {
    let value = |selector: &Selector| select(answer, selector, vars);
    Ok(match kind {
        AssertionKind::HeaderExists { name, exists } => {
            header_exists(name, answer.header(name), *exists)
        }
        AssertionKind::HeaderEquals { name, value } => {
            header_equals(name, answer.header(name), &vars.render(value)?)
        }
        AssertionKind::HeaderNotEquals { name, value } => {
            header_differs(name, answer.header(name), &vars.render(value)?)
        }
        AssertionKind::HeaderContains { name, value } => {
            header_contains(name, answer.header(name), &vars.render(value)?)
        }
        AssertionKind::MediaType { name, media_type } => {
            media_type_is(name, answer.header(name), media_type)
        }
        AssertionKind::Equals { selector, value: v } => {
            equals(selector, value(selector)?, &vars.render_json(v)?)
        }
        AssertionKind::NotEquals { selector, value: v } => {
            differs(selector, value(selector)?, &vars.render_json(v)?)
        }
        AssertionKind::IsNot { selector, value: v } => {
            let unwanted = vars.render_json(v)?;
            value(selector)?
                .filter(|found| *found == unwanted)
                .map(|found| format!("`{selector}` is {}", show(&found)))
        }
        AssertionKind::EqualsCi { selector, value: v } => {
            equals_ignoring_case(selector, value(selector)?, &vars.render(v)?)
        }
        AssertionKind::Exists { selector, exists } => {
            exists_as(selector, value(selector)?, *exists)
        }
        AssertionKind::Type {
            selector,
            json_type,
        } => has_type(selector, value(selector)?, *json_type),
        AssertionKind::Count { selector, count } => counts(selector, value(selector)?, *count),
        AssertionKind::Contains { selector, value: v } => {
            contains(selector, value(selector)?, &vars.render_json(v)?)
        }
        AssertionKind::Builtin(_) => None,
    })
}

fn header_exists(name: &str, found: Option<&str>, exists: bool) -> Option<String> {
    match (found.is_some(), exists) {
        (true, false) => Some(format!("header {name} is present, expected none")),
        (false, true) => Some(format!("no {name} header")),
        _ => None,
    }
}

fn header_equals(name: &str, found: Option<&str>, wanted: &str) -> Option<String> {
    match found {
        Some(found) if found == wanted => None,
        Some(found) => Some(format!("header {name} is `{found}`, expected `{wanted}`")),
        None => Some(format!("no {name} header, expected `{wanted}`")),
    }
}

fn header_differs(name: &str, found: Option<&str>, unwanted: &str) -> Option<String> {
    match found {
        Some(found) if found == unwanted => Some(format!("header {name} is still `{found}`")),
        Some(_) => None,
        None => Some(format!("no {name} header")),
    }
}

fn header_contains(name: &str, found: Option<&str>, wanted: &str) -> Option<String> {
    match found {
        Some(found) if found.contains(wanted) => None,
        Some(found) => Some(format!(
            "header {name} is `{found}`, expected it to contain `{wanted}`"
        )),
        None => Some(format!("no {name} header")),
    }
}

/// The media type before any parameter (`; charset=utf-8`), compared ignoring case.
fn media_type_is(name: &str, found: Option<&str>, media_type: &str) -> Option<String> {
    let essence = |value: &str| value.split(';').next().map(str::trim).map(str::to_owned);
    match found {
        Some(found) if essence(found).is_some_and(|t| t.eq_ignore_ascii_case(media_type)) => None,
        Some(found) => Some(format!("{name} is `{found}`, expected {media_type}")),
        None => Some(format!("no {name} header, expected {media_type}")),
    }
}

fn equals(selector: &Selector, found: Option<Value>, wanted: &Value) -> Option<String> {
    match found {
        Some(found) if found == *wanted => None,
        Some(found) => Some(format!(
            "`{selector}` is {}, expected {}",
            show(&found),
            show(wanted)
        )),
        None => Some(format!("no `{selector}`, expected {}", show(wanted))),
    }
}

fn differs(selector: &Selector, found: Option<Value>, unwanted: &Value) -> Option<String> {
    match found {
        Some(found) if found == *unwanted => {
            Some(format!("`{selector}` is still {}", show(&found)))
        }
        Some(_) => None,
        None => Some(format!("no `{selector}`")),
    }
}

fn equals_ignoring_case(selector: &Selector, found: Option<Value>, wanted: &str) -> Option<String> {
    match found {
        Some(Value::String(found)) if found.to_lowercase() == wanted.to_lowercase() => None,
        Some(found) => Some(format!(
            "`{selector}` is {}, expected \"{wanted}\" in any case",
            show(&found)
        )),
        None => Some(format!("no `{selector}`, expected \"{wanted}\"")),
    }
}

fn exists_as(selector: &Selector, found: Option<Value>, exists: bool) -> Option<String> {
    match (found, exists) {
        (Some(found), false) => Some(format!("`{selector}` is {}, expected none", show(&found))),
        (None, true) => Some(format!("no `{selector}`")),
        _ => None,
    }
}

fn has_type(selector: &Selector, found: Option<Value>, json_type: JsonType) -> Option<String> {
    match found {
        Some(found) if json_type.admits(&found) => None,
        Some(found) if json_type == JsonType::DateTime => Some(format!(
            "`{selector}` is {}, expected an xsd:dateTime string such as \"2008-01-23T04:56:22Z\"",
            show(&found)
        )),
        Some(found) => Some(format!(
            "`{selector}` is {} ({}), expected a JSON {}",
            show(&found),
            JsonType::of(&found).as_str(),
            json_type.as_str()
        )),
        None if json_type == JsonType::Null => None,
        None if json_type == JsonType::DateTime => {
            Some(format!("no `{selector}`, expected a dateTime"))
        }
        None => Some(format!(
            "no `{selector}`, expected a JSON {}",
            json_type.as_str()
        )),
    }
}

/// A missing value counts as an empty list.
fn counts(selector: &Selector, found: Option<Value>, count: usize) -> Option<String> {
    match found {
        Some(Value::Array(items)) if items.len() == count => None,
        Some(Value::Array(items)) => Some(format!(
            "`{selector}` has {} element(s), expected {count}",
            items.len()
        )),
        None if count == 0 => None,
        None => Some(format!("no `{selector}`, expected {count} element(s)")),
        Some(found) => Some(format!("`{selector}` is {}, not a list", show(&found))),
    }
}

/// A list holds the value as an element; a string holds it as a substring.
fn contains(selector: &Selector, found: Option<Value>, wanted: &Value) -> Option<String> {
    match (found, wanted) {
        (Some(Value::Array(items)), _) if items.contains(wanted) => None,
        (Some(Value::String(found)), Value::String(part)) if found.contains(part.as_str()) => None,
        (Some(found), _) => Some(format!(
            "`{selector}` is {}, expected it to contain {}",
            show(&found),
            show(wanted)
        )),
        (None, _) => Some(format!(
            "no `{selector}`, expected it to contain {}",
            show(wanted)
        )),
    }
}

/// Compact JSON, cut to a readable length.
pub(crate) fn show(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 120 {
        format!("{}...", text.chars().take(117).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn path(text: &str) -> Selector {
        Selector::Path(crate::suite::SelectorPath::parse(text).unwrap())
    }

    #[test]
    fn a_media_type_ignores_parameters_and_case() {
        let scim = "application/scim+json";
        assert_eq!(
            media_type_is(
                "Content-Type",
                Some("Application/SCIM+json; charset=utf-8"),
                scim
            ),
            None
        );
        assert_eq!(
            media_type_is("Content-Type", Some("application/json"), scim).as_deref(),
            Some("Content-Type is `application/json`, expected application/scim+json")
        );
        assert!(media_type_is("Content-Type", None, scim).is_some());
    }

    #[test]
    fn values_compare_as_json_and_say_what_was_found() {
        let id = path("id");
        assert_eq!(equals(&id, Some(json!("1")), &json!("1")), None);
        assert_eq!(
            equals(&id, Some(json!(1)), &json!("1")).as_deref(),
            Some("`id` is 1, expected \"1\""),
            "a number is not a string"
        );
        assert_eq!(
            differs(&id, Some(json!("v1")), &json!("v1")).as_deref(),
            Some("`id` is still \"v1\"")
        );
        assert_eq!(equals_ignoring_case(&id, Some(json!("ABC")), "abc"), None);
    }

    #[test]
    fn absence_counts_as_zero_elements_and_as_null() {
        let members = path("members");
        assert_eq!(counts(&members, None, 0), None);
        assert!(counts(&members, Some(json!([1])), 0).is_some());
        assert_eq!(has_type(&members, None, JsonType::Null), None);
        assert_eq!(has_type(&path("n"), Some(json!(3)), JsonType::Number), None);
        assert_eq!(exists_as(&members, None, false), None);
        assert!(exists_as(&members, Some(json!([])), false).is_some());
    }

    #[test]
    fn a_date_time_is_a_string_in_xsd_date_time_form() {
        let created = path("meta.created");
        assert_eq!(
            has_type(
                &created,
                Some(json!("2008-01-23T04:56:22Z")),
                JsonType::DateTime
            ),
            None
        );
        assert_eq!(
            has_type(
                &created,
                Some(json!("2008-01-23T04:56:22")),
                JsonType::DateTime
            ),
            None,
            "the time zone is optional in xsd:dateTime"
        );
        assert_eq!(
            has_type(&created, Some(json!("2008-01-23")), JsonType::DateTime).as_deref(),
            Some(
                "`meta.created` is \"2008-01-23\", expected an xsd:dateTime string such as \
                 \"2008-01-23T04:56:22Z\""
            )
        );
        assert_eq!(
            has_type(&created, Some(json!(1201064182)), JsonType::DateTime).as_deref(),
            Some(
                "`meta.created` is 1201064182, expected an xsd:dateTime string such as \
                 \"2008-01-23T04:56:22Z\""
            )
        );
        assert_eq!(
            has_type(&created, None, JsonType::DateTime).as_deref(),
            Some("no `meta.created`, expected a dateTime")
        );
    }

    #[test]
    fn contains_means_an_element_of_a_list_or_a_substring_of_a_text() {
        let schemas = path("schemas");
        assert_eq!(
            contains(&schemas, Some(json!(["a", "b"])), &json!("b")),
            None
        );
        assert_eq!(contains(&schemas, Some(json!("xaby")), &json!("ab")), None);
        assert!(contains(&schemas, Some(json!(["ab"])), &json!("a")).is_some());
    }

    #[test]
    fn long_values_are_shown_cut() {
        let long = json!("x".repeat(200));
        assert_eq!(show(&long).chars().count(), 120);
        assert!(show(&long).ends_with("..."));
    }
}
