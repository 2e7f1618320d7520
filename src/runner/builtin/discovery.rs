//! `resource-type-by-id`: a resource type of a `/ResourceTypes` list is served on its own, at
//! `/ResourceTypes/{id}` (RFC 7644 §4). RFC 7643 §6 makes `id` OPTIONAL: an entry without one
//! is fetched by its `name`, and when that is not served the list entry is all there is, which
//! the check's own assertions judge. It sends one GET.

use serde_json::Value;

use super::Miss;
use crate::client::encode_component;
use crate::runner::answer::Answer;
use crate::runner::check::CheckRun;
use crate::runner::error::CheckError;
use crate::runner::request::{label, plain};
use crate::scim::method::Method;
use crate::scim::resource::get_ci;

/// How a list entry is fetched on its own.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Key<'a> {
    /// By its `id`: the server must serve it.
    Id(&'a str),
    /// By its `name`, for want of an `id`: served or not, the entry was listed.
    Name(&'a str),
}

/// The entry of the list answer named `name` (compared ignoring case) and how to fetch it; a
/// miss when the list has none.
pub(super) fn entry_key<'b>(list: &'b Value, name: &str) -> Result<Key<'b>, Miss> {
    let text = |entry: &'b Value, key: &str| {
        entry
            .as_object()
            .and_then(|object| get_ci(object, key))
            .and_then(Value::as_str)
    };
    let entries = list
        .as_object()
        .and_then(|object| get_ci(object, "Resources"))
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let entry = entries
        .iter()
        .find(|entry| text(entry, "name").is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .ok_or_else(|| Miss::unnamed(format!("/ResourceTypes lists no resource type `{name}`")))?;
    Ok(match text(entry, "id") {
        Some(id) => Key::Id(id),
        // Found by its name, so it has one.
        None => Key::Name(text(entry, "name").unwrap_or_default()),
    })
}

/// What the single resource type's answer shows against the entry it was fetched for.
pub(super) fn judge_fetched(key: &Key<'_>, name: &str, answer: &Answer) -> Option<Miss> {
    match (key, answer.status) {
        (_, 200) => {
            let fetched = answer
                .json
                .as_ref()
                .and_then(Value::as_object)
                .and_then(|object| get_ci(object, "name"))
                .and_then(Value::as_str);
            match fetched {
                Some(found) if found.eq_ignore_ascii_case(name) => None,
                other => Some(Miss::unnamed(format!(
                    "{} answered the resource type {}, not `{name}`",
                    answer.label,
                    other.map_or_else(|| "without a name".to_owned(), |n| format!("`{n}`"))
                ))),
            }
        }
        (Key::Id(id), status) => Some(Miss::unnamed(format!(
            "the resource type `{name}` (id `{id}`) is not served by its id: {} answered \
             {status}{}",
            answer.label,
            answer.error_detail()
        ))),
        (Key::Name(_), _) => None,
    }
}

/// Fetches the resource type `name` of a `/ResourceTypes` list answer by its id (or name).
pub(super) async fn by_id(
    run: &CheckRun<'_>,
    list: &Answer,
    name: &str,
) -> Result<Option<Miss>, CheckError> {
    let Some(body) = list.json.as_ref() else {
        return Ok(Some(Miss::unnamed("/ResourceTypes answered no JSON")));
    };
    let key = match entry_key(body, name) {
        Ok(key) => key,
        Err(miss) => return Ok(Some(miss)),
    };
    let segment = match key {
        Key::Id(text) | Key::Name(text) => encode_component(text),
    };
    let request = plain(
        Method::Get,
        &format!("/ResourceTypes/{segment}"),
        Vec::new(),
    );
    let answer = run.send(&request, &label(&request)).await?;
    Ok(judge_fetched(&key, name, &answer))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn answer(status: u16, json: Value) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            json: Some(json),
            label: "GET /ResourceTypes/x".to_owned(),
        }
    }

    #[test]
    fn an_entry_is_fetched_by_its_id_or_for_want_of_one_by_its_name() {
        let list = json!({"Resources": [
            {"id": "u1", "name": "User"},
            {"name": "Group"}]});
        assert_eq!(entry_key(&list, "user"), Ok(Key::Id("u1")));
        assert_eq!(entry_key(&list, "Group"), Ok(Key::Name("Group")));
        assert_eq!(
            entry_key(&list, "Device").map_err(|miss| miss.observed),
            Err("/ResourceTypes lists no resource type `Device`".to_owned())
        );
    }

    #[test]
    fn an_id_must_be_served_and_a_name_need_not_be() {
        let missing = answer(404, json!({"status": "404"}));
        let by_id = judge_fetched(&Key::Id("u1"), "User", &missing).map(|miss| miss.observed);
        assert!(by_id.is_some_and(|o| {
            o.starts_with("the resource type `User` (id `u1`) is not served by its id")
        }),);
        assert_eq!(judge_fetched(&Key::Name("User"), "User", &missing), None);
        let served = answer(200, json!({"name": "User"}));
        assert_eq!(judge_fetched(&Key::Id("u1"), "User", &served), None);
        let other = answer(200, json!({"name": "Group"}));
        assert_eq!(
            judge_fetched(&Key::Name("User"), "User", &other).map(|miss| miss.observed),
            Some("GET /ResourceTypes/x answered the resource type `Group`, not `User`".to_owned())
        );
    }
}
