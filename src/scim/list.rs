//! Reading a ListResponse (RFC 7644 §3.4.2) the way servers really send it. Pure: serde_json
//! and std only; it never fetches a page.
//!
//! The RFC requires `totalResults`, and `Resources` when it is above 0; servers also send a
//! lowercase `resources` key, paging numbers as strings, resources without `schemas`, or a bare
//! array (pingidentity/scim2#233, python-scim/scim2-models#20). Each deviation is accepted and
//! written down in [`ListPage::tolerated`], so a CRUD command never aborts over it and `-v` can
//! still show it.

use serde_json::{Map, Value};

use crate::scim::resource::find_key_ci;
use crate::scim::schema::json_kind;

/// One page of a list or search answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListPage {
    /// `totalResults`: every match, across all pages. `None` when the server left it out.
    pub total_results: Option<u64>,
    /// `startIndex` as the server reports it (1-based, RFC 7644 §3.4.2.4).
    pub start_index: Option<u64>,
    /// `itemsPerPage`: the resources in this page, as the server reports it.
    pub items_per_page: Option<u64>,
    /// The resources of this page, in the server's order.
    pub resources: Vec<Value>,
    /// One sentence per deviation from RFC 7644 that was accepted to read the page.
    pub tolerated: Vec<String>,
}

/// Reads a ListResponse body. Fails only when no list can be read out of it at all.
pub fn parse_list_response(body: Value) -> Result<ListPage, String> {
    let mut object = match body {
        Value::Object(object) => object,
        Value::Array(items) => {
            let mut page = ListPage {
                tolerated: vec![
                    "the list is a bare JSON array, not a ListResponse (RFC 7644 §3.4.2)"
                        .to_owned(),
                ],
                ..ListPage::default()
            };
            page.resources = resource_objects(items, &mut page.tolerated)?;
            return Ok(page);
        }
        other => {
            return Err(format!(
                "the list answer is {}, not a ListResponse object",
                json_kind(&other)
            ));
        }
    };
    let mut tolerated = Vec::new();
    let total_results = paging_number(&object, "totalResults", &mut tolerated)?;
    let start_index = paging_number(&object, "startIndex", &mut tolerated)?;
    let items_per_page = paging_number(&object, "itemsPerPage", &mut tolerated)?;
    let resources_key = find_key_ci(&object, "Resources").map(str::to_owned);
    let resources = match resources_key {
        Some(key) => {
            if key != "Resources" {
                tolerated.push(format!(
                    "the resources are under `{key}`, not `Resources` (RFC 7644 §3.4.2)"
                ));
            }
            match object.remove(&key) {
                Some(Value::Array(items)) => resource_objects(items, &mut tolerated)?,
                Some(Value::Null) | None => Vec::new(),
                Some(other) => {
                    return Err(format!(
                        "`{key}` is {}, not an array of resources",
                        json_kind(&other)
                    ));
                }
            }
        }
        None => {
            // Legal when totalResults is 0 (RFC 7644 §3.4.2: REQUIRED only when above 0).
            if total_results.is_some_and(|total| total > 0) {
                tolerated.push(
                    "`Resources` is missing although totalResults is above 0 (RFC 7644 §3.4.2)"
                        .to_owned(),
                );
            }
            Vec::new()
        }
    };
    if total_results.is_none() {
        tolerated.push("`totalResults` is missing (REQUIRED by RFC 7644 §3.4.2)".to_owned());
    }
    Ok(ListPage {
        total_results,
        start_index,
        items_per_page,
        resources,
        tolerated,
    })
}

/// A paging field: a non-negative integer, or a numeric string (noted). Absent or `null` is
/// `None`.
fn paging_number(
    object: &Map<String, Value>,
    name: &str,
    tolerated: &mut Vec<String>,
) -> Result<Option<u64>, String> {
    let Some((key, value)) = find_key_ci(object, name).and_then(|key| object.get_key_value(key))
    else {
        return Ok(None);
    };
    let spelled = if key == name {
        String::new()
    } else {
        format!(" (spelled `{key}`)")
    };
    match (paging_value(value), value) {
        (PagingValue::Null, _) => Ok(None),
        (PagingValue::Number(number), _) => Ok(Some(number)),
        (PagingValue::NumericString(number), _) => {
            tolerated.push(format!(
                "`{name}`{spelled} is a numeric string, not a number (RFC 7644 §3.4.2)"
            ));
            Ok(Some(number))
        }
        (PagingValue::Invalid, Value::Number(number)) => Err(format!(
            "`{name}`{spelled} is {number}, not a non-negative integer"
        )),
        (PagingValue::Invalid, Value::String(text)) => Err(format!(
            "`{name}`{spelled} is \"{text}\", not a non-negative integer"
        )),
        (PagingValue::Invalid, other) => Err(format!(
            "`{name}`{spelled} is {}, not a number",
            json_kind(other)
        )),
    }
}

/// How a paging field (`totalResults`, `startIndex`, `itemsPerPage`) reads. This is the one
/// reading of them: [`parse_list_response`] tolerates by it and `lint` reports by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PagingValue {
    /// `null`: no value.
    Null,
    /// A non-negative integer, as RFC 7644 §3.4.2 has it.
    Number(u64),
    /// A non-negative integer written as a JSON string, which some servers send.
    NumericString(u64),
    /// Anything else: a negative or fractional number, other text, another JSON type.
    Invalid,
}

/// How `value` reads as a paging number; see [`PagingValue`].
pub(crate) fn paging_value(value: &Value) -> PagingValue {
    match value {
        Value::Null => PagingValue::Null,
        Value::Number(number) => number
            .as_u64()
            .map_or(PagingValue::Invalid, PagingValue::Number),
        Value::String(text) => text
            .trim()
            .parse()
            .map_or(PagingValue::Invalid, PagingValue::NumericString),
        _ => PagingValue::Invalid,
    }
}

/// The resources of a page; each must be an object. Those without `schemas` are kept, noted
/// once. Notes carry no values or counts, so a traversal can note each deviation once.
fn resource_objects(items: Vec<Value>, tolerated: &mut Vec<String>) -> Result<Vec<Value>, String> {
    let mut without_schemas = 0usize;
    for (index, item) in items.iter().enumerate() {
        let Value::Object(resource) = item else {
            return Err(format!(
                "resource {index} of the list is {}, not an object",
                json_kind(item)
            ));
        };
        if find_key_ci(resource, "schemas").is_none() {
            without_schemas += 1;
        }
    }
    if without_schemas > 0 {
        tolerated.push("resources without `schemas` (REQUIRED by RFC 7643 §3)".to_owned());
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_conformant_page_reads_without_notes() {
        let page = parse_list_response(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 3, "startIndex": 1, "itemsPerPage": 1,
            "Resources": [{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "a"}]
        }))
        .unwrap();
        assert_eq!(page.total_results, Some(3));
        assert_eq!(page.start_index, Some(1));
        assert_eq!(page.items_per_page, Some(1));
        assert_eq!(page.resources.len(), 1);
        assert!(page.tolerated.is_empty(), "{:?}", page.tolerated);
    }

    #[test]
    fn no_resources_at_zero_results_is_legal_and_not_noted() {
        let page = parse_list_response(json!({"totalResults": 0})).unwrap();
        assert!(page.resources.is_empty());
        assert!(page.tolerated.is_empty(), "{:?}", page.tolerated);
    }

    #[test]
    fn lowercase_resources_numeric_strings_and_missing_schemas_are_each_noted() {
        let page = parse_list_response(json!({
            "totalResults": "2", "startIndex": "1", "itemsPerPage": 2,
            "resources": [{"id": "a"}, {"id": "b", "schemas": []}]
        }))
        .unwrap();
        assert_eq!(page.total_results, Some(2));
        assert_eq!(page.start_index, Some(1));
        assert_eq!(page.resources.len(), 2);
        assert_eq!(
            page.tolerated,
            [
                "`totalResults` is a numeric string, not a number (RFC 7644 §3.4.2)",
                "`startIndex` is a numeric string, not a number (RFC 7644 §3.4.2)",
                "the resources are under `resources`, not `Resources` (RFC 7644 §3.4.2)",
                "resources without `schemas` (REQUIRED by RFC 7643 §3)",
            ]
        );
    }

    #[test]
    fn a_missing_total_and_a_bare_array_are_read_and_noted() {
        let page = parse_list_response(json!({"Resources": [{"id": "a", "schemas": []}]})).unwrap();
        assert_eq!(page.total_results, None);
        assert_eq!(page.resources.len(), 1);
        assert_eq!(page.tolerated.len(), 1);
        assert!(page.tolerated[0].contains("totalResults"));

        let bare = parse_list_response(json!([{"id": "a", "schemas": []}])).unwrap();
        assert_eq!(bare.resources.len(), 1);
        assert!(bare.tolerated[0].contains("bare JSON array"));
    }

    #[test]
    fn unreadable_lists_say_what_is_wrong_and_where() {
        assert_eq!(
            parse_list_response(json!("nope")).unwrap_err(),
            "the list answer is a string, not a ListResponse object"
        );
        assert_eq!(
            parse_list_response(json!({"totalResults": -1})).unwrap_err(),
            "`totalResults` is -1, not a non-negative integer"
        );
        assert_eq!(
            parse_list_response(json!({"totalResults": "many"})).unwrap_err(),
            "`totalResults` is \"many\", not a non-negative integer"
        );
        assert_eq!(
            parse_list_response(json!({"totalResults": 1, "Resources": {"id": "a"}})).unwrap_err(),
            "`Resources` is an object, not an array of resources"
        );
        assert_eq!(
            parse_list_response(json!({"totalResults": 2, "Resources": [{"id": "a"}, 7]}))
                .unwrap_err(),
            "resource 1 of the list is a number, not an object"
        );
    }
}
