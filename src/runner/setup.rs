//! Setup steps refused for their content: which refusals earn one retry with a fuller User
//! body, and that body. Pure: it builds bodies and sends nothing; the check sends them.
//!
//! RFC 7643 §4.1 makes only `userName` required, yet some servers also demand attributes such
//! as `name.formatted`. A check whose setup create is refused for that would otherwise test
//! nothing; with the optional attributes servers commonly demand added (never overriding what
//! the check sent), it can still test what it exists to test. The strictness itself is
//! reported once, by a check of its own (`rfc7644.users.create-minimal`).

use serde_json::{Map, Value};

use crate::scim::resource::{get_ci, get_ci_mut};

/// Refusals a fuller body may cure: the server did not take the content (RFC 7644 §3.12 uses
/// 400 `invalidValue` for a missing required attribute; some servers answer 422).
pub(super) fn body_refused(status: u16) -> bool {
    matches!(status, 400 | 422)
}

/// True for a POST to a `Users` endpoint: a User create, whose body the runner may fill out.
pub(super) fn is_user_create(path: &str) -> bool {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .is_some_and(|segment| segment.eq_ignore_ascii_case("Users"))
}

/// The body with the optional User attributes servers commonly demand added where it lacks
/// them: `name.givenName`, `name.familyName`, `name.formatted`, `displayName`, a work email and
/// `active: true`. Returns the new body and the attributes added, or `None` when the body is
/// not a JSON object or lacks none of them. Keys are matched case-insensitively (RFC 7643
/// §2.1); nothing the check sent is changed.
pub(super) fn fuller_user(body: &Value) -> Option<(Value, Vec<&'static str>)> {
    let mut user = body.as_object()?.clone();
    let mut added = Vec::new();
    let user_name = get_ci(&user, "userName")
        .and_then(Value::as_str)
        .unwrap_or("scimctl-test")
        .to_owned();
    if get_ci(&user, "name").is_none() {
        user.insert("name".to_owned(), Value::Object(Map::new()));
    }
    let formatted = match get_ci_mut(&mut user, "name").and_then(Value::as_object_mut) {
        Some(name) => {
            for (key, value, label) in [
                ("givenName", "Test", "name.givenName"),
                ("familyName", "User", "name.familyName"),
            ] {
                if get_ci(name, key).is_none() {
                    name.insert(key.to_owned(), Value::String(value.to_owned()));
                    added.push(label);
                }
            }
            let part = |key: &str| get_ci(name, key).and_then(Value::as_str).unwrap_or("");
            let formatted = format!("{} {}", part("givenName"), part("familyName"))
                .trim()
                .to_owned();
            if get_ci(name, "formatted").is_none() {
                name.insert("formatted".to_owned(), Value::String(formatted.clone()));
                added.push("name.formatted");
            }
            formatted
        }
        None => "Test User".to_owned(),
    };
    if get_ci(&user, "displayName").is_none() {
        user.insert("displayName".to_owned(), Value::String(formatted));
        added.push("displayName");
    }
    if get_ci(&user, "emails").is_none() {
        let address = if user_name.contains('@') {
            user_name
        } else {
            format!("{user_name}@example.com")
        };
        let email = serde_json::json!({"value": address, "type": "work", "primary": true});
        user.insert("emails".to_owned(), Value::Array(vec![email]));
        added.push("a work email");
    }
    if get_ci(&user, "active").is_none() {
        user.insert("active".to_owned(), Value::Bool(true));
        added.push("active");
    }
    (!added.is_empty()).then(|| (Value::Object(user), added))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_minimal_user_gets_every_commonly_demanded_attribute() {
        let minimal = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "scimctl-test-run-1-px"
        });
        let (fuller, added) = fuller_user(&minimal).expect("something to add");
        assert_eq!(
            fuller,
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "scimctl-test-run-1-px",
                "name": {"givenName": "Test", "familyName": "User", "formatted": "Test User"},
                "displayName": "Test User",
                "emails": [{
                    "value": "scimctl-test-run-1-px@example.com", "type": "work", "primary": true
                }],
                "active": true
            })
        );
        assert_eq!(
            crate::runner::error::listed(&added),
            "name.givenName, name.familyName, name.formatted, displayName, a work email and active"
        );
    }

    #[test]
    fn what_the_check_sent_is_never_overridden() {
        let sent = json!({
            "userName": "ada@example.org",
            "NAME": {"givenName": "Ada", "familyName": "Lovelace"},
            "displayname": "Countess",
            "emails": [],
            "active": false
        });
        let (fuller, added) = fuller_user(&sent).expect("name.formatted is missing");
        assert_eq!(added, ["name.formatted"]);
        assert_eq!(
            fuller["NAME"],
            json!({"givenName": "Ada", "familyName": "Lovelace", "formatted": "Ada Lovelace"})
        );
        assert_eq!(fuller["displayname"], "Countess");
        assert_eq!(fuller["emails"], json!([]));
        assert_eq!(fuller["active"], false);
    }

    #[test]
    fn a_complete_body_or_one_that_is_not_an_object_has_nothing_to_add() {
        let (complete, _) = fuller_user(&json!({"userName": "x"})).expect("minimal");
        assert_eq!(fuller_user(&complete), None);
        assert_eq!(fuller_user(&json!([1, 2])), None);
        let odd_name = json!({"userName": "x", "name": "plain", "displayName": "X",
                              "emails": [], "active": true});
        assert_eq!(
            fuller_user(&odd_name),
            None,
            "a `name` that is not an object is left"
        );
    }

    #[test]
    fn only_user_creates_refused_for_their_content_are_retried() {
        assert!(is_user_create("/Users"));
        assert!(is_user_create("/scim/v2/users/"));
        assert!(!is_user_create("/Groups"));
        assert!(!is_user_create("/Users/.search"));
        assert!(body_refused(400) && body_refused(422));
        assert!(!body_refused(409) && !body_refused(415) && !body_refused(500));
    }
}
