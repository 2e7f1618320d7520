//! Lint of an Error (RFC 7644 §3.12): its URN, a `status` that is the HTTP code as a string,
//! and string `scimType` and `detail`. It checks the form only, not whether the error fits the
//! request that caused it, which only an exchange (`scimctl test`) can show.

use serde_json::{Map, Value};

use super::values::described;
use super::{Kind, check_message_schemas};
use crate::findings::{Deviation, Finding, Pointer};
use crate::scim::model::ERROR;
use crate::scim::resource::{find_key_ci, get_ci};

/// Lints an Error body.
pub(super) fn lint_error(object: &Map<String, Value>, out: &mut Vec<Finding>) {
    check_message_schemas(object, ERROR, Kind::Error, out);
    let status_at = Pointer::root().key(find_key_ci(object, "status").unwrap_or("status"));
    match get_ci(object, "status") {
        None | Some(Value::Null) => out.push(Finding::at(
            Deviation::ErrorStatusMissing,
            &status_at,
            "no `status`",
        )),
        Some(Value::Number(n)) => out.push(Finding::at(
            Deviation::ErrorStatusNotString,
            &status_at,
            format!("`status` is the number {n}, not the string \"{n}\""),
        )),
        Some(Value::String(text)) if is_http_status(text) => {}
        Some(other) => out.push(Finding::at(
            Deviation::ErrorStatusInvalid,
            &status_at,
            format!("`status` is {}", described(other)),
        )),
    }
    for name in ["scimType", "detail"] {
        let Some(key) = find_key_ci(object, name) else {
            continue;
        };
        match object.get(key) {
            Some(Value::String(_) | Value::Null) | None => {}
            Some(other) => out.push(Finding::at(
                Deviation::TypeMismatch,
                &Pointer::root().key(key),
                format!("`{name}` is {}, not a string", described(other)),
            )),
        }
    }
}

/// Three digits from 100 to 599 (RFC 9110 §15).
fn is_http_status(text: &str) -> bool {
    text.len() == 3
        && text
            .parse::<u16>()
            .is_ok_and(|code| (100..600).contains(&code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(error: Value) -> Vec<(String, &'static str, String)> {
        let mut out = Vec::new();
        lint_error(error.as_object().expect("object"), &mut out);
        out.into_iter()
            .map(|f| (f.location.to_string(), f.deviation.key(), f.seen))
            .collect()
    }

    #[test]
    fn the_rfc_error_has_no_findings() {
        let error = json!({"schemas": [ERROR], "status": "409", "scimType": "uniqueness", "detail": "taken"});
        assert_eq!(keys(error), []);
    }

    #[test]
    fn a_numeric_status_says_what_to_send_instead() {
        assert_eq!(
            keys(json!({"schemas": [ERROR], "status": 404, "detail": "no such user"})),
            [(
                "/status".to_owned(),
                "error-status-not-string",
                "`status` is the number 404, not the string \"404\"".to_owned()
            )]
        );
    }

    #[test]
    fn a_missing_urn_a_word_status_and_a_numeric_detail_are_named() {
        let found = keys(json!({"status": "Not Found", "detail": 7}));
        let named: Vec<&str> = found.iter().map(|(_, key, _)| *key).collect();
        assert_eq!(
            named,
            [
                "message-schemas-missing",
                "error-status-invalid",
                "type-mismatch"
            ]
        );
    }
}
