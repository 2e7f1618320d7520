//! Reading a value out of an answer as a typed [`Selector`] says: a header, a JSON pointer or a
//! SCIM path, its filters evaluated by the core. Pure: it parses nothing and sends nothing.

use serde_json::Value;

use super::answer::Answer;
use super::error::CheckError;
use super::vars::Vars;
use crate::scim::filter::matches_schemaless;
use crate::scim::resource::get_ci;
use crate::suite::{PathStep, Selector, SelectorPath, render_filter};

/// The value a selector picks from an answer, owned (a header becomes a JSON string), with the
/// variables it holds filled in (`members[value eq "{{user_id}}"]`). A JSON `null` counts as
/// missing.
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
                .and_then(|body| body.pointer(&pointer))
                .and_then(non_null)
                .cloned()
        }
        Selector::Path(path) => match &answer.json {
            Some(body) => select_path(body, path, vars)?.cloned(),
            None => None,
        },
    })
}

/// Follows a path from `root`: `meta.location`, `Resources[0].id`, `emails[type eq "work"]`,
/// `urn:...:User:manager.value`. A path that is a whole schema URN names the extension object.
pub(crate) fn select_path<'a>(
    root: &'a Value,
    path: &SelectorPath,
    vars: &Vars,
) -> Result<Option<&'a Value>, CheckError> {
    let object = root.as_object();
    let mut current = root;
    if let Some(urn) = path.urn() {
        if let Some(extension) = object.and_then(|map| get_ci(map, path.text())) {
            return Ok(non_null(extension));
        }
        match object.and_then(|map| get_ci(map, urn)) {
            Some(extension) => current = extension,
            None => return Ok(None),
        }
    }
    for step in path.steps() {
        let next = match step {
            PathStep::Attr(name) => current.as_object().and_then(|map| get_ci(map, name)),
            PathStep::Index(index) => current.as_array().and_then(|items| items.get(*index)),
            PathStep::Where(filter) => {
                let filter = render_filter(filter, &|text| vars.render_text(text))?;
                current.as_array().and_then(|items| {
                    items
                        .iter()
                        .find(|item| matches_schemaless(&filter, item).unwrap_or(false))
                })
            }
        };
        match next {
            Some(value) => current = value,
            None => return Ok(None),
        }
    }
    Ok(non_null(current))
}

fn non_null(value: &Value) -> Option<&Value> {
    (!value.is_null()).then_some(value)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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

    fn at(text: &str) -> Option<Value> {
        let path = SelectorPath::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let vars = Vars::new("r", "c", 0);
        vars.set("kind", json!("WORK"));
        select_path(&user(), &path, &vars).unwrap().cloned()
    }

    #[test]
    fn names_are_case_insensitive_and_dots_go_into_sub_attributes() {
        assert_eq!(at("USERNAME"), Some(json!("bjensen")));
        assert_eq!(at("meta.location"), Some(json!("https://x/Users/42")));
    }

    #[test]
    fn indexes_and_value_filters_pick_elements() {
        assert_eq!(at("emails[0].value"), Some(json!("b@home")));
        assert_eq!(at(r#"emails[type eq "Work"].value"#), Some(json!("b@work")));
        assert_eq!(
            at(r#"emails[type eq "{{kind}}"].value"#),
            Some(json!("b@work"))
        );
        assert_eq!(at(r#"emails[type ne "home"].value"#), Some(json!("b@work")));
        assert_eq!(at(r#"emails[type eq "other"].value"#), None);
        assert_eq!(at("emails[9]"), None);
    }

    #[test]
    fn a_leading_urn_names_the_extension() {
        let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        assert_eq!(at(&format!("{urn}:manager.value")), Some(json!("7")));
        assert!(at(urn).is_some_and(|v| v.is_object()));
    }

    #[test]
    fn null_and_missing_values_and_other_shapes_find_nothing() {
        assert_eq!(at("nickName"), None);
        assert_eq!(at("userName.first"), None);
        assert_eq!(at("emails.value"), None);
        let answer = Answer {
            status: 200,
            headers: vec![("ETag".into(), "W/\"1\"".into())],
            json: Some(user()),
            label: "GET /Users/42".into(),
        };
        let vars = Vars::new("r", "c", 0);
        let pointer = Selector::Pointer("/emails/1/value".into());
        assert_eq!(
            select(&answer, &pointer, &vars).unwrap(),
            Some(json!("b@work"))
        );
        let header = Selector::Header("etag".into());
        assert_eq!(
            select(&answer, &header, &vars).unwrap(),
            Some(json!("W/\"1\""))
        );
    }
}
