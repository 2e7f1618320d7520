//! `me-location`: a `/Me` answer names the aliased resource in its `Location` header (RFC 7644
//! §3.11). `/Me` itself is optional, so a server that does not serve it is skipped. Pure: it
//! reads one answer and sends nothing.

use serde_json::Value;

use super::Miss;
use crate::runner::answer::Answer;
use crate::runner::error::Halt;
use crate::scim::resource::get_ci;

/// RFC 7644 §3.11: "In any response, the HTTP "Location" header MUST be the permanent location
/// of the aliased resource". A 200 carries the resource, whose `id` ends the location; a 308
/// names it in `Location` alone. Any other answer means no `/Me` (501, 404, 403: §3.11 lets a
/// server leave it out), and the check is skipped saying which.
pub(super) fn location(answer: &Answer) -> Result<Option<Miss>, Halt> {
    if !matches!(answer.status, 200 | 308) {
        return Err(Halt::Skip(format!(
            "the server does not serve /Me ({} answered {}), which RFC 7644 §3.11 allows",
            answer.label, answer.status
        )));
    }
    let Some(location) = answer.header("location") else {
        return Ok(Some(Miss::unnamed(format!(
            "the {} answer to /Me has no Location header naming the aliased resource",
            answer.status
        ))));
    };
    let id = answer
        .json
        .as_ref()
        .and_then(Value::as_object)
        .and_then(|resource| get_ci(resource, "id"))
        .and_then(Value::as_str);
    let path = location.split(['?', '#']).next().unwrap_or_default();
    Ok(match id {
        Some(id)
            if answer.status == 200 && !path.trim_end_matches('/').ends_with(&format!("/{id}")) =>
        {
            Some(Miss::unnamed(format!(
                "/Me answered the resource `{id}` with `Location: {location}`, which does not name it"
            )))
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn me(status: u16, location: Option<&str>, body: Value) -> Answer {
        Answer {
            status,
            headers: location
                .map(|l| ("location".to_owned(), l.to_owned()))
                .into_iter()
                .collect(),
            json: Some(body),
            label: "GET /Me".to_owned(),
        }
    }

    #[test]
    fn a_served_me_names_the_aliased_resource() {
        let user = json!({"id": "2819c223", "userName": "bjensen"});
        let at = "https://example.com/v2/Users/2819c223";
        assert!(matches!(
            location(&me(200, Some(at), user.clone())),
            Ok(None)
        ));
        assert!(matches!(location(&me(308, Some(at), json!({}))), Ok(None)));
        let without = location(&me(200, None, user.clone()));
        assert!(matches!(without, Ok(Some(miss)) if miss.observed
            == "the 200 answer to /Me has no Location header naming the aliased resource"));
        let elsewhere = location(&me(200, Some("https://example.com/v2/Me"), user));
        assert!(matches!(elsewhere, Ok(Some(miss)) if miss.observed.contains("does not name it")));
    }

    #[test]
    fn a_server_without_me_is_skipped() {
        for status in [501, 404, 403] {
            let skipped = location(&me(status, None, json!({"status": status.to_string()})));
            assert!(
                matches!(skipped, Err(Halt::Skip(reason)) if reason.contains("does not serve /Me"))
            );
        }
    }
}
