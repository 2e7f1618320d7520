//! The shape of an answer, as RFC 7644 draws it: a SCIM Error (§3.12) and a ListResponse page
//! (§3.4.2). Pure: these read one answer and send nothing.

use serde_json::Value;

use super::Miss;
use crate::findings::Deviation;
use crate::runner::answer::Answer;
use crate::scim::model::{ERROR, LIST_RESPONSE};
use crate::scim::resource::{get_ci, lists_schema};

/// RFC 7644 §3.12: the Error schema, `status` as a string equal to the HTTP status, and the
/// expected `scimType` when one is named. Each broken rule is its own deviation.
pub(super) fn scim_error(scim_type: Option<&str>, answer: &Answer) -> Option<Miss> {
    let Some(body) = answer.json.as_ref().and_then(Value::as_object) else {
        return Some(Miss::of(
            Deviation::ErrorBodyMissing,
            format!("the {} answer has no JSON Error body", answer.status),
        ));
    };
    if !lists_schema(body, ERROR) {
        return Some(Miss::of(
            Deviation::MessageSchemasMissing,
            format!("the Error body does not list the schema {ERROR}"),
        ));
    }
    if let Some(problem) = status_problem(get_ci(body, "status"), answer.status) {
        return Some(problem);
    }
    let wanted = scim_type?;
    match get_ci(body, "scimType").and_then(Value::as_str) {
        Some(found) if found.eq_ignore_ascii_case(wanted) => None,
        Some(found) => Some(Miss::of(
            Deviation::ScimTypeWrong,
            format!("`scimType` is \"{found}\", expected \"{wanted}\""),
        )),
        None => Some(Miss::of(
            Deviation::ScimTypeWrong,
            format!("the Error has no `scimType`, expected \"{wanted}\""),
        )),
    }
}

/// What is wrong with an Error's `status` (RFC 7644 §3.12 makes it a string).
fn status_problem(status: Option<&Value>, http_status: u16) -> Option<Miss> {
    match status {
        Some(Value::String(status)) if status.trim() == http_status.to_string() => None,
        Some(Value::String(status)) => Some(Miss::of(
            Deviation::ErrorStatusInvalid,
            format!("the Error's `status` is \"{status}\" but the HTTP status is {http_status}"),
        )),
        Some(Value::Number(number)) => Some(Miss::of(
            Deviation::ErrorStatusNotString,
            format!("the Error's `status` is the number {number}, not the string \"{number}\""),
        )),
        Some(other) => Some(Miss::of(
            Deviation::ErrorStatusInvalid,
            format!("the Error's `status` is {other}, not a string"),
        )),
        None => Some(Miss::of(
            Deviation::ErrorStatusMissing,
            "the Error has no `status`",
        )),
    }
}

/// RFC 7644 §3.8: "UTF-8 SHALL be the default encoding format". An answer's `Content-Type` may
/// carry a `charset` parameter (RFC 8259 §11 defines none for JSON), but one naming another
/// encoding is a miss; no parameter, or `utf-8` in any case and quoted or not, holds.
pub(super) fn utf8_charset(answer: &Answer) -> Option<Miss> {
    let content_type = answer.header("content-type")?;
    let charset = content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"'))
    })?;
    let utf8 = charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("utf8");
    (!utf8).then(|| {
        Miss::unnamed(format!(
            "the answer is labelled `Content-Type: {content_type}`, an encoding other than UTF-8"
        ))
    })
}

/// RFC 7644 §3.4.2: the ListResponse envelope of one page. `itemsPerPage` is defined as "the
/// number of resources returned in a list response page", but §4's own Figure 9 answers two
/// resource types with 10, the page size: a server that copies it is not wrong, one that says
/// fewer than the page holds is. `Resources` is "REQUIRED if totalResults is non-zero", unless
/// the page is empty by request (`itemsPerPage` 0, or a `startIndex` past the end).
pub(super) fn list_response(body: &Value) -> Option<Miss> {
    let Some(map) = body.as_object() else {
        return Some(if body.is_array() {
            Miss::of(
                Deviation::ListBareArray,
                "the answer is a bare JSON array, not a ListResponse",
            )
        } else {
            Miss::unnamed("the answer is not a JSON object")
        });
    };
    if !lists_schema(map, LIST_RESPONSE) {
        return Some(Miss::of(
            Deviation::MessageSchemasMissing,
            format!("the list does not list the schema {LIST_RESPONSE}"),
        ));
    }
    let total = get_ci(map, "totalResults");
    let Some(total) = total.and_then(Value::as_u64) else {
        let deviation = match total {
            None => Deviation::ListTotalResultsMissing,
            Some(Value::String(_)) => Deviation::ListNumberAsString,
            Some(_) => Deviation::ListTotalResultsWrong,
        };
        return Some(Miss::of(
            deviation,
            "`totalResults` is missing or not a non-negative integer",
        ));
    };
    let resources = map.get("Resources");
    if resources.is_none() && total > 0 && get_ci(map, "Resources").is_some() {
        return Some(Miss::of(
            Deviation::MessageKeyCase,
            "the page is under a differently cased key, not `Resources`",
        ));
    }
    let page = match resources {
        Some(Value::Array(items)) => items.len(),
        Some(_) => return Some(Miss::unnamed("`Resources` is not a list")),
        None => 0,
    };
    let items_per_page = get_ci(map, "itemsPerPage");
    if let Some(items) = items_per_page {
        match items.as_u64() {
            Some(n) if usize::try_from(n).is_ok_and(|n| n >= page) => {}
            _ => {
                let deviation = if items.is_string() {
                    Deviation::ListNumberAsString
                } else {
                    Deviation::ListItemsPerPageWrong
                };
                return Some(Miss::of(
                    deviation,
                    format!("`itemsPerPage` is {items} but the page holds {page} resource(s)"),
                ));
            }
        }
    }
    let start = get_ci(map, "startIndex");
    if let Some(start) = start
        && start.as_u64().is_none_or(|s| s < 1)
    {
        let deviation = if start.is_string() {
            Some(Deviation::ListNumberAsString)
        } else {
            start
                .as_i64()
                .filter(|s| *s <= 0)
                .map(|_| Deviation::ListStartIndexZero)
        };
        return Some(Miss {
            observed: format!("`startIndex` is {start}, not an integer of at least 1"),
            deviation,
        });
    }
    let empty_by_request = items_per_page.and_then(Value::as_u64) == Some(0)
        || start.and_then(Value::as_u64).is_some_and(|s| s > total);
    if resources.is_none() && total > 0 && !empty_by_request {
        return Some(Miss::of(
            Deviation::ListResourcesMissing,
            format!("`Resources` is missing, though `totalResults` is {total}"),
        ));
    }
    None
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
            label: "GET /Users/x".to_owned(),
        }
    }

    #[test]
    fn an_error_needs_its_schema_and_the_status_as_a_string() {
        let good = json!({"schemas": [ERROR], "status": "404", "detail": "no such user"});
        assert_eq!(scim_error(None, &answer(404, good)), None);
        let numeric = json!({"schemas": [ERROR], "status": 404});
        assert_eq!(
            scim_error(None, &answer(404, numeric)),
            Some(Miss::of(
                Deviation::ErrorStatusNotString,
                "the Error's `status` is the number 404, not the string \"404\""
            ))
        );
        let unlabelled = json!({"status": "404"});
        assert_eq!(
            scim_error(None, &answer(404, unlabelled)).and_then(|miss| miss.deviation),
            Some(Deviation::MessageSchemasMissing)
        );
    }

    #[test]
    fn each_broken_rule_of_an_error_is_its_own_deviation() {
        let deviation = |status: u16, body: Option<Value>| {
            let answer = Answer {
                json: body,
                ..answer(status, Value::Null)
            };
            scim_error(None, &answer).and_then(|miss| miss.deviation)
        };
        assert_eq!(deviation(404, None), Some(Deviation::ErrorBodyMissing));
        assert_eq!(
            deviation(404, Some(json!({"schemas": [ERROR]}))),
            Some(Deviation::ErrorStatusMissing)
        );
        assert_eq!(
            deviation(404, Some(json!({"schemas": [ERROR], "status": "400"}))),
            Some(Deviation::ErrorStatusInvalid)
        );
        assert_eq!(
            deviation(404, Some(json!({"schemas": [ERROR], "status": true}))),
            Some(Deviation::ErrorStatusInvalid)
        );
    }

    #[test]
    fn a_named_scim_type_is_compared_ignoring_case() {
        let body = json!({"schemas": [ERROR], "status": "400", "scimType": "INVALIDFILTER"});
        assert_eq!(
            scim_error(Some("invalidFilter"), &answer(400, body.clone())),
            None
        );
        assert_eq!(
            scim_error(Some("uniqueness"), &answer(400, body)),
            Some(Miss::of(
                Deviation::ScimTypeWrong,
                "`scimType` is \"INVALIDFILTER\", expected \"uniqueness\""
            ))
        );
    }

    #[test]
    fn a_page_counts_what_it_holds() {
        let page = json!({"schemas": [LIST_RESPONSE], "totalResults": 3, "itemsPerPage": 1,
                          "startIndex": 1, "Resources": [{"id": "1"}]});
        assert_eq!(list_response(&page), None);
        let page_size = json!({"schemas": [LIST_RESPONSE], "totalResults": 3,
                               "itemsPerPage": 10, "Resources": [{"id": "1"}]});
        assert_eq!(
            list_response(&page_size),
            None,
            "RFC 7644 Figure 9 does this"
        );
        let undercounted = json!({"schemas": [LIST_RESPONSE], "totalResults": 3,
                                  "itemsPerPage": 1, "Resources": [{"id": "1"}, {"id": "2"}]});
        assert_eq!(
            list_response(&undercounted),
            Some(Miss::of(
                Deviation::ListItemsPerPageWrong,
                "`itemsPerPage` is 1 but the page holds 2 resource(s)"
            ))
        );
        let no_page = json!({"schemas": [LIST_RESPONSE], "totalResults": 5});
        assert_eq!(
            list_response(&no_page),
            Some(Miss::of(
                Deviation::ListResourcesMissing,
                "`Resources` is missing, though `totalResults` is 5"
            ))
        );
        let count_zero = json!({"schemas": [LIST_RESPONSE], "totalResults": 5, "itemsPerPage": 0});
        assert_eq!(list_response(&count_zero), None);
        let past_the_end = json!({"schemas": [LIST_RESPONSE], "totalResults": 5, "startIndex": 9});
        assert_eq!(list_response(&past_the_end), None);
        let lowercase = json!({"schemas": [LIST_RESPONSE], "totalResults": 1, "resources": []});
        let miss = list_response(&lowercase).unwrap();
        assert!(miss.observed.contains("differently cased"));
        assert_eq!(miss.deviation, Some(Deviation::MessageKeyCase));
        let zero = json!({"schemas": [LIST_RESPONSE], "totalResults": 0, "startIndex": 0});
        let miss = list_response(&zero).unwrap();
        assert!(miss.observed.contains("at least 1"));
        assert_eq!(miss.deviation, Some(Deviation::ListStartIndexZero));
    }

    #[test]
    fn each_broken_rule_of_a_page_is_its_own_deviation() {
        let deviation = |body: Value| list_response(&body).and_then(|miss| miss.deviation);
        assert_eq!(deviation(json!([])), Some(Deviation::ListBareArray));
        assert_eq!(deviation(json!("x")), None);
        assert_eq!(
            deviation(json!({"totalResults": 0})),
            Some(Deviation::MessageSchemasMissing)
        );
        assert_eq!(
            deviation(json!({"schemas": [LIST_RESPONSE]})),
            Some(Deviation::ListTotalResultsMissing)
        );
        assert_eq!(
            deviation(json!({"schemas": [LIST_RESPONSE], "totalResults": "1"})),
            Some(Deviation::ListNumberAsString)
        );
        assert_eq!(
            deviation(json!({"schemas": [LIST_RESPONSE], "totalResults": 0, "startIndex": "1"})),
            Some(Deviation::ListNumberAsString)
        );
        assert_eq!(
            deviation(json!({"schemas": [LIST_RESPONSE], "totalResults": 0, "startIndex": 1.5})),
            None
        );
    }

    #[test]
    fn a_charset_parameter_when_present_names_utf_8() {
        let labelled = |content_type: &str| Answer {
            status: 200,
            headers: vec![("content-type".to_owned(), content_type.to_owned())],
            json: Some(json!({})),
            label: "GET /ServiceProviderConfig".to_owned(),
        };
        for legal in [
            "application/scim+json",
            "application/scim+json; charset=utf-8",
            "application/scim+json;charset=\"UTF-8\"",
            "application/json; Charset=utf8",
        ] {
            assert_eq!(utf8_charset(&labelled(legal)), None, "{legal}");
        }
        assert_eq!(
            utf8_charset(&answer(200, json!({}))),
            None,
            "no Content-Type at all"
        );
        assert_eq!(
            utf8_charset(&labelled("application/scim+json; charset=iso-8859-1")),
            Some(Miss::unnamed(
                "the answer is labelled `Content-Type: application/scim+json; \
                 charset=iso-8859-1`, an encoding other than UTF-8"
            ))
        );
    }
}
