//! The built-in assertions a suite calls with `builtin = "NAME"`: rules that need code, such as
//! walking every page of a list. Their names and one-line contracts are listed in
//! [`crate::suite::BUILTINS`]; each returns `None` when the rule holds, else what was observed,
//! or halts with a reason to skip when the server's own advertisement makes the rule untestable.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::check::{Answer, CheckRun, Halt, label};
use crate::client::{Method, RawRequest};
use crate::scim::resource::{get_ci, lists_schema};

const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// Pages walked at most by `paginate`, so a server that never stops cannot hold a run.
const MAX_PAGES: usize = 500;

const BULK_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

/// The most operations `bulk-over-max-operations` sends (about 800 KB of DELETEs): servers
/// advertise 1000 or so in practice, and a far larger limit is often "no limit" in disguise.
const MAX_BULK_OPERATIONS_SENT: u64 = 10_000;

/// The largest body, in bytes, `bulk-over-max-payload` sends: above the 1 to 10 MiB servers
/// advertise in practice, small enough to send within a check's timeout on a slow link.
const MAX_BULK_PAYLOAD_SENT: u64 = 16 * 1024 * 1024;

/// Runs the built-in `name` on `answer`. `Err` is a runtime error or a reason to skip the
/// check (no verdict).
pub(crate) async fn evaluate(
    run: &CheckRun<'_>,
    name: &str,
    args: &Value,
    answer: &Answer,
) -> Result<Option<String>, Halt> {
    let empty = Map::new();
    let args = args.as_object().unwrap_or(&empty);
    match name {
        "scim-error" => Ok(scim_error(args, answer)),
        "list-response" => Ok(answer.json.as_ref().and_then(list_response)),
        "paginate" => Ok(paginate(run, args).await?),
        "sorted" => Ok(sorted(args, answer)),
        "bulk-over-max-operations" => bulk_over_max_operations(run, answer).await,
        "bulk-over-max-payload" => bulk_over_max_payload(run, answer).await,
        other => Err(Halt::Error(format!("no builtin assertion named `{other}`"))),
    }
}

fn string_arg<'a>(args: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    args.get(name).and_then(Value::as_str)
}

/// RFC 7644 §3.12: the Error schema, `status` as a string equal to the HTTP status, and the
/// expected `scimType` when one is named.
fn scim_error(args: &Map<String, Value>, answer: &Answer) -> Option<String> {
    let Some(body) = answer.json.as_ref().and_then(Value::as_object) else {
        return Some(format!(
            "the {} answer has no JSON Error body",
            answer.status
        ));
    };
    if !lists_schema(body, ERROR_SCHEMA) {
        return Some(format!(
            "the Error body does not list the schema {ERROR_SCHEMA}"
        ));
    }
    match get_ci(body, "status") {
        Some(Value::String(status)) if status.trim() == answer.status.to_string() => {}
        Some(Value::String(status)) => {
            return Some(format!(
                "the Error's `status` is \"{status}\" but the HTTP status is {}",
                answer.status
            ));
        }
        Some(Value::Number(number)) => {
            return Some(format!(
                "the Error's `status` is the number {number}, not the string \"{number}\""
            ));
        }
        Some(other) => return Some(format!("the Error's `status` is {other}, not a string")),
        None => return Some("the Error has no `status`".to_owned()),
    }
    let wanted = string_arg(args, "scimType")?;
    match get_ci(body, "scimType").and_then(Value::as_str) {
        Some(found) if found.eq_ignore_ascii_case(wanted) => None,
        Some(found) => Some(format!("`scimType` is \"{found}\", expected \"{wanted}\"")),
        None => Some(format!(
            "the Error has no `scimType`, expected \"{wanted}\""
        )),
    }
}

/// RFC 7644 §3.4.2: the ListResponse envelope of one page.
fn list_response(body: &Value) -> Option<String> {
    let Some(map) = body.as_object() else {
        return Some("the answer is not a JSON object".to_owned());
    };
    if !lists_schema(map, LIST_SCHEMA) {
        return Some(format!("the list does not list the schema {LIST_SCHEMA}"));
    }
    let Some(total) = get_ci(map, "totalResults").and_then(Value::as_u64) else {
        return Some("`totalResults` is missing or not a non-negative integer".to_owned());
    };
    let resources = map.get("Resources");
    if resources.is_none() && total > 0 && get_ci(map, "Resources").is_some() {
        return Some("the page is under a differently cased key, not `Resources`".to_owned());
    }
    let page = match resources {
        Some(Value::Array(items)) => items.len(),
        Some(_) => return Some("`Resources` is not a list".to_owned()),
        None => 0,
    };
    if let Some(items) = get_ci(map, "itemsPerPage") {
        match items.as_u64() {
            Some(n) if usize::try_from(n).is_ok_and(|n| n == page) => {}
            _ => {
                return Some(format!(
                    "`itemsPerPage` is {items} but the page holds {page} resource(s)"
                ));
            }
        }
    }
    if let Some(start) = get_ci(map, "startIndex")
        && start.as_u64().is_none_or(|s| s < 1)
    {
        return Some(format!(
            "`startIndex` is {start}, not an integer of at least 1"
        ));
    }
    None
}

/// RFC 7644 §3.4.2.4: walks `path` from startIndex=1 by what each page returned.
async fn paginate(run: &CheckRun<'_>, args: &Map<String, Value>) -> Result<Option<String>, String> {
    let path = string_arg(args, "path").unwrap_or("/Users").to_owned();
    let count = args
        .get("count")
        .and_then(Value::as_u64)
        .unwrap_or(2)
        .max(1);
    let filter = string_arg(args, "filter");
    let wanted_total = args.get("total").and_then(Value::as_u64);
    let mut seen: HashSet<String> = HashSet::new();
    let mut start: u64 = 1;
    let mut expected_total: Option<u64> = None;
    for _ in 0..MAX_PAGES {
        let mut query = vec![
            ("startIndex".to_owned(), start.to_string()),
            ("count".to_owned(), count.to_string()),
        ];
        if let Some(filter) = filter {
            query.push(("filter".to_owned(), filter.to_owned()));
        }
        let request = RawRequest {
            method: Method::Get,
            path: path.clone(),
            query,
            target: None,
            headers: Vec::new(),
            body: None,
            credentials: true,
        };
        let page_label = label(&request);
        let answer = run.send(&request, &page_label).await?;
        if answer.status != 200 {
            return Ok(Some(format!("{page_label} answered {}", answer.status)));
        }
        let Some(body) = answer.json.as_ref() else {
            return Ok(Some(format!("{page_label}: the answer is not JSON")));
        };
        if let Some(problem) = list_response(body) {
            return Ok(Some(format!("{page_label}: {problem}")));
        }
        let map = body.as_object().cloned().unwrap_or_default();
        let total = get_ci(&map, "totalResults")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if let Some(wanted) = wanted_total.filter(|wanted| *wanted != total) {
            return Ok(Some(format!(
                "{page_label}: `totalResults` is {total}, expected {wanted} (the whole result, \
                 not the page)"
            )));
        }
        match expected_total {
            Some(previous) if previous != total => {
                return Ok(Some(format!(
                    "`totalResults` changed from {previous} to {total} between pages"
                )));
            }
            _ => expected_total = Some(total),
        }
        let resources = map
            .get("Resources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if u64::try_from(resources.len()).unwrap_or(u64::MAX) > count {
            return Ok(Some(format!(
                "{page_label}: {} resources, more than count={count}",
                resources.len()
            )));
        }
        for resource in &resources {
            let Some(id) = resource
                .as_object()
                .and_then(|r| get_ci(r, "id"))
                .and_then(Value::as_str)
            else {
                return Ok(Some(format!("{page_label}: a resource without an `id`")));
            };
            if !seen.insert(id.to_owned()) {
                return Ok(Some(format!(
                    "{page_label}: `{id}` was already on an earlier page (pages overlap)"
                )));
            }
        }
        let walked = u64::try_from(seen.len()).unwrap_or(u64::MAX);
        if resources.is_empty() || walked >= total {
            return Ok((walked != total).then(|| {
                format!(
                    "the pages held {walked} distinct resource(s) but totalResults is {total} \
                     (a gap, or a wrong total)"
                )
            }));
        }
        start += u64::try_from(resources.len()).unwrap_or(u64::MAX);
    }
    Ok(Some(format!(
        "more than {MAX_PAGES} pages; stopped walking"
    )))
}

/// RFC 7644 §3.4.2.3: Resources ordered by `by`, case-insensitively.
fn sorted(args: &Map<String, Value>, answer: &Answer) -> Option<String> {
    let by = string_arg(args, "by").unwrap_or("userName");
    let descending =
        string_arg(args, "order").is_some_and(|o| o.eq_ignore_ascii_case("descending"));
    let resources = answer
        .json
        .as_ref()
        .and_then(Value::as_object)
        .and_then(|m| m.get("Resources"))
        .and_then(Value::as_array)?;
    let keys: Vec<Option<String>> = resources
        .iter()
        .map(|r| {
            super::select::select_path(r, by)
                .and_then(Value::as_str)
                .map(str::to_lowercase)
        })
        .collect();
    for pair in keys.windows(2) {
        let [a, b] = pair else { continue };
        let in_order = match (a, b) {
            (Some(a), Some(b)) => (a <= b) != descending || a == b,
            (None, Some(_)) => descending,
            (Some(_), None) => !descending,
            (None, None) => true,
        };
        if !in_order {
            return Some(format!(
                "`{}` comes before `{}` in a list sorted by {by} {}",
                a.as_deref().unwrap_or("(none)"),
                b.as_deref().unwrap_or("(none)"),
                if descending {
                    "descending"
                } else {
                    "ascending"
                }
            ));
        }
    }
    None
}

/// The limit `bulk.<name>` of a ServiceProviderConfig answer, when this check can exceed it
/// by sending at most `most`. `Ok(Err(observed))` when it is missing or not an integer, which
/// RFC 7643 §5 forbids (both limits are REQUIRED integers); a skip when bulk is not
/// supported, when the limit is 0 or negative (RFC 7643 §5 does not say what that means, and
/// some servers write "no limit" so), or when it is too large to exceed safely.
fn testable_bulk_limit(
    answer: &Answer,
    name: &str,
    unit: &str,
    most: u64,
) -> Result<Result<u64, String>, Halt> {
    let bulk = bulk_config(answer);
    let supported = bulk
        .and_then(|bulk| get_ci(bulk, "supported"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !supported {
        return Err(Halt::Skip(
            "the server does not advertise bulk (ServiceProviderConfig bulk.supported is not \
             true)"
                .to_owned(),
        ));
    }
    let Some(limit) = bulk.and_then(|bulk| get_ci(bulk, name)) else {
        return Ok(Err(format!(
            "the ServiceProviderConfig has no bulk.{name}, which RFC 7643 §5 makes a REQUIRED \
             integer"
        )));
    };
    let Some(integer) = integer_of(limit) else {
        return Ok(Err(format!(
            "bulk.{name} is {limit}, not the integer RFC 7643 §5 requires"
        )));
    };
    match u64::try_from(integer) {
        Ok(positive) if positive >= most => Err(Halt::Skip(format!(
            "bulk.{name} is {positive}{unit}: too large to test safely (exceeding it takes \
             {}{unit}; this check sends at most {most}{unit})",
            positive.saturating_add(1)
        ))),
        Ok(positive) if positive > 0 => Ok(Ok(positive)),
        _ => Err(Halt::Skip(format!(
            "bulk.{name} is {integer}, not a positive limit: RFC 7643 §5 does not say what that \
             means (some servers mean \"no limit\"), so there is nothing to exceed"
        ))),
    }
}

/// A JSON number with no fractional part (`1000` or `1000.0`, RFC 7643 §2.3.4).
fn integer_of(value: &Value) -> Option<i128> {
    value
        .as_i64()
        .map(i128::from)
        .or_else(|| value.as_u64().map(i128::from))
        .or_else(|| {
            value
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 1e18)
                .map(|f| f as i128)
        })
}

/// `bulk.maxPayloadSize` when it is a positive integer.
fn advertised_payload_limit(answer: &Answer) -> Option<u64> {
    bulk_config(answer)
        .and_then(|bulk| get_ci(bulk, "maxPayloadSize"))
        .and_then(integer_of)
        .and_then(|limit| u64::try_from(limit).ok())
        .filter(|limit| *limit > 0)
}

/// The `bulk` object of a ServiceProviderConfig answer.
fn bulk_config(answer: &Answer) -> Option<&Map<String, Value>> {
    answer
        .json
        .as_ref()
        .and_then(Value::as_object)
        .and_then(|spc| get_ci(spc, "bulk"))
        .and_then(Value::as_object)
}

/// A bulk DELETE of a generated id: nothing it could reach exists, so a server that wrongly
/// runs it changes nothing.
fn harmless_operation(run: &CheckRun<'_>, index: u64) -> Result<Value, String> {
    let id = run
        .lookup(&format!("uuid.bulk-{index}"))
        .and_then(|id| id.as_str().map(str::to_owned))
        .ok_or("cannot generate an id for a bulk operation")?;
    Ok(serde_json::json!({
        "method": "DELETE",
        "path": format!("/Users/{id}"),
        "bulkId": format!("d{index}"),
    }))
}

/// `failOnErrors: 1`: should the server run the request after all, it stops at the first 404.
fn bulk_request(operations: Vec<Value>) -> Value {
    serde_json::json!({
        "schemas": [BULK_REQUEST_SCHEMA],
        "failOnErrors": 1,
        "Operations": operations,
    })
}

async fn send_bulk(run: &CheckRun<'_>, body: Vec<u8>) -> Result<Answer, String> {
    let request = RawRequest {
        method: Method::Post,
        path: "/Bulk".to_owned(),
        query: Vec::new(),
        target: None,
        headers: Vec::new(),
        body: Some(body),
        credentials: true,
    };
    run.send(&request, &label(&request)).await
}

/// RFC 7644 §3.7.4: a limit exceeded is 413, with an Error body that names the limit.
fn refused_as_too_large(answer: &Answer, sent: &str) -> Option<String> {
    if answer.status != 413 {
        return Some(format!(
            "{sent} was answered {}, not 413 ({})",
            answer.status, answer.label
        ));
    }
    if let Some(problem) = scim_error(&Map::new(), answer) {
        return Some(format!("the 413 answer to {sent}: {problem}"));
    }
    let detail = answer
        .json
        .as_ref()
        .and_then(Value::as_object)
        .and_then(|body| get_ci(body, "detail"))
        .and_then(Value::as_str);
    detail
        .is_none_or(|d| d.trim().is_empty())
        .then(|| format!("the 413 Error to {sent} has no `detail` naming the limit exceeded"))
}

/// RFC 7644 §3.7.4: one operation more than `bulk.maxOperations` is refused with 413.
async fn bulk_over_max_operations(
    run: &CheckRun<'_>,
    answer: &Answer,
) -> Result<Option<String>, Halt> {
    let max = match testable_bulk_limit(
        answer,
        "maxOperations",
        " operations",
        MAX_BULK_OPERATIONS_SENT,
    )? {
        Ok(max) => max,
        Err(missing) => return Ok(Some(missing)),
    };
    let operations = (0..=max)
        .map(|index| harmless_operation(run, index))
        .collect::<Result<Vec<_>, _>>()?;
    let body = serde_json::to_vec(&bulk_request(operations))
        .map_err(|e| format!("cannot serialise the bulk request: {e}"))?;
    let size = u64::try_from(body.len()).unwrap_or(u64::MAX);
    if let Some(payload_limit) = advertised_payload_limit(answer).filter(|limit| size > *limit) {
        return Err(Halt::Skip(format!(
            "{} operations make a {size}-byte request, over bulk.maxPayloadSize \
             ({payload_limit}): a 413 would not tell which limit was enforced",
            max + 1
        )));
    }
    let reply = send_bulk(run, body).await?;
    Ok(refused_as_too_large(
        &reply,
        &format!("{} operations (maxOperations is {max})", max + 1),
    ))
}

/// RFC 7644 §3.7.4: a body one byte larger than `bulk.maxPayloadSize` is refused with 413.
/// The body holds one operation, padded with JSON whitespace, so only its size is wrong.
async fn bulk_over_max_payload(
    run: &CheckRun<'_>,
    answer: &Answer,
) -> Result<Option<String>, Halt> {
    let max = match testable_bulk_limit(answer, "maxPayloadSize", " bytes", MAX_BULK_PAYLOAD_SENT)?
    {
        Ok(max) => max,
        Err(missing) => return Ok(Some(missing)),
    };
    let mut body = serde_json::to_vec(&bulk_request(vec![harmless_operation(run, 0)?]))
        .map_err(|e| format!("cannot serialise the bulk request: {e}"))?;
    let wanted = usize::try_from(max + 1)
        .map_err(|_| format!("bulk.maxPayloadSize {max} does not fit in memory"))?;
    if let Some(closing) = body.pop() {
        body.resize(wanted.saturating_sub(1).max(body.len()), b' ');
        body.push(closing);
    }
    let size = body.len();
    let reply = send_bulk(run, body).await?;
    Ok(refused_as_too_large(
        &reply,
        &format!("a {size}-byte bulk request (maxPayloadSize is {max})"),
    ))
}
