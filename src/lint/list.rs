//! Lint of a ListResponse (RFC 7644 §3.4.2): the envelope, the paging numbers and how they
//! agree with the page, and every resource in it as a server's answer. It sees one page only:
//! nothing here follows `startIndex` to the next one, which is the client's paging.

use serde_json::{Map, Value};

use super::resource::lint_resource;
use super::values::{Source, described};
use super::{Kind, check_message_schemas, message_key, resource_type_of};
use crate::findings::{Deviation, Finding, Pointer};
use crate::scim::list::{PagingValue, paging_value};
use crate::scim::model::LIST_RESPONSE;
use crate::scim::resource::get_ci;
use crate::scim::schema_set::SchemaSet;

/// A bare array of resources where a ListResponse belongs.
pub(super) fn lint_bare_array(document: &Value, schemas: &SchemaSet, out: &mut Vec<Finding>) {
    out.push(Finding::at(
        Deviation::ListBareArray,
        &Pointer::root(),
        "a JSON array where a ListResponse object belongs",
    ));
    if let Value::Array(items) = document {
        lint_resources(items, &Pointer::root(), schemas, out);
    }
}

/// A ListResponse object.
pub(super) fn lint_list(object: &Map<String, Value>, schemas: &SchemaSet, out: &mut Vec<Finding>) {
    check_message_schemas(object, LIST_RESPONSE, Kind::ListResponse, out);
    let total = paging_number(object, "totalResults", out);
    let start = paging_number(object, "startIndex", out);
    let per_page = paging_number(object, "itemsPerPage", out);
    if get_ci(object, "totalResults").is_none_or(Value::is_null) {
        out.push(Finding::at(
            Deviation::ListTotalResultsMissing,
            &Pointer::root().key("totalResults"),
            "no `totalResults`",
        ));
    }
    if start == Some(0) {
        out.push(Finding::at(
            Deviation::ListStartIndexZero,
            &Pointer::root().key("startIndex"),
            "`startIndex` is 0",
        ));
    }
    let resources = match message_key(object, "Resources", out) {
        None | Some((_, Value::Null)) => None,
        Some((key, Value::Array(items))) => Some((key, items)),
        Some((key, other)) => {
            out.push(Finding::at(
                Deviation::TypeMismatch,
                &Pointer::root().key(key),
                format!("`{key}` is {}, not an array of resources", described(other)),
            ));
            return;
        }
    };
    let page = resources.map_or(0, |(_, items)| items.len() as u64);
    match (total, resources) {
        (Some(total), None) if total > 0 => out.push(Finding::at(
            Deviation::ListResourcesMissing,
            &Pointer::root().key("Resources"),
            format!("no `Resources`, though `totalResults` is {total}"),
        )),
        (Some(total), Some(_)) if total < page => out.push(Finding::at(
            Deviation::ListTotalBelowPage,
            &Pointer::root().key("totalResults"),
            format!("`totalResults` is {total}, but the page holds {page} resources"),
        )),
        _ => {}
    }
    // RFC 7644 §4's Figure 9 answers two resource types with `itemsPerPage` 10, the page size:
    // a server that copies it is not wrong; one that says fewer than the page holds is.
    if let Some(per_page) = per_page.filter(|n| *n < page) {
        out.push(Finding::at(
            Deviation::ListItemsPerPageWrong,
            &Pointer::root().key("itemsPerPage"),
            format!("`itemsPerPage` is {per_page}, but the page holds {page} resources"),
        ));
    }
    if let Some((key, items)) = resources {
        lint_resources(items, &Pointer::root().key(key), schemas, out);
    }
}

/// A paging number: a non-negative integer. A numeric string is read, with a finding.
fn paging_number(object: &Map<String, Value>, name: &str, out: &mut Vec<Finding>) -> Option<u64> {
    let (key, value) = message_key(object, name, out)?;
    let at = Pointer::root().key(key);
    match paging_value(value) {
        PagingValue::Null => None,
        PagingValue::Number(number) => Some(number),
        PagingValue::NumericString(number) => {
            out.push(Finding::at(
                Deviation::ListNumberAsString,
                &at,
                format!("`{name}` is {}", described(value)),
            ));
            Some(number)
        }
        PagingValue::Invalid => {
            out.push(Finding::at(
                Deviation::TypeMismatch,
                &at,
                format!(
                    "`{name}` is {}, not a non-negative integer",
                    described(value)
                ),
            ));
            None
        }
    }
}

/// Each resource of a page, as the server's answer, typed by its own `schemas`.
fn lint_resources(items: &[Value], at: &Pointer, schemas: &SchemaSet, out: &mut Vec<Finding>) {
    for (index, item) in items.iter().enumerate() {
        let item_at = at.index(index);
        let Value::Object(resource) = item else {
            out.push(Finding::at(
                Deviation::TypeMismatch,
                &item_at,
                format!("{} in a list of resources", described(item)),
            ));
            continue;
        };
        let lint_answer: super::Linter = |object, schema, out| {
            lint_resource(object, &Pointer::root(), schema, Source::Response, out);
        };
        if let Some((_, schema, _)) = resource_type_of(resource, schemas, lint_answer) {
            lint_resource(resource, &item_at, &schema, Source::Response, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(document: Value) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        match &document {
            Value::Object(object) => lint_list(object, &SchemaSet::builtin(), &mut out),
            other => lint_bare_array(other, &SchemaSet::builtin(), &mut out),
        }
        out.into_iter()
            .map(|f| (f.location.to_string(), f.deviation.key()))
            .collect()
    }

    #[test]
    fn an_items_per_page_of_the_page_size_asked_for_is_accepted() {
        let list = json!({"schemas": [LIST_RESPONSE], "totalResults": 0, "itemsPerPage": 100,
                          "Resources": []});
        assert_eq!(keys(list), [], "RFC 7644 Figure 9 does this");
    }

    #[test]
    fn an_empty_result_needs_no_resources() {
        let list = json!({"schemas": [LIST_RESPONSE], "totalResults": 0});
        assert_eq!(keys(list), []);
    }

    #[test]
    fn paging_deviations_are_each_named() {
        let list = json!({
            "schemas": [LIST_RESPONSE],
            "totalResults": "1",
            "startIndex": 0,
            "itemsPerPage": 1,
            "resources": [
                {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "a", "userName": "a"},
                {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "b", "displayName": "b"}
            ]
        });
        assert_eq!(
            keys(list),
            [
                ("/totalResults".to_owned(), "list-number-as-string"),
                ("/startIndex".to_owned(), "list-start-index-zero"),
                ("/resources".to_owned(), "message-key-case"),
                ("/totalResults".to_owned(), "list-total-below-page"),
                ("/itemsPerPage".to_owned(), "list-items-per-page-wrong"),
            ]
        );
    }

    #[test]
    fn resources_are_linted_as_answers_and_a_bare_array_is_named() {
        let list = json!([{"userName": "a", "password": "p"}]);
        assert_eq!(
            keys(list),
            [
                ("(document)".to_owned(), "list-bare-array"),
                ("/0/schemas".to_owned(), "schemas-missing"),
                ("/0/password".to_owned(), "returned-never-present"),
            ]
        );
    }

    #[test]
    fn a_missing_total_and_missing_resources_are_named() {
        assert_eq!(
            keys(json!({"schemas": [LIST_RESPONSE], "Resources": []})),
            [("/totalResults".to_owned(), "list-total-results-missing")]
        );
        assert_eq!(
            keys(json!({"schemas": [LIST_RESPONSE], "totalResults": 2})),
            [("/Resources".to_owned(), "list-resources-missing")]
        );
    }
}
