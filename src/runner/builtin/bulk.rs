//! The bulk-limit built-ins (RFC 7644 §3.7.4): one operation or byte over the advertised limit
//! must get 413. They send only DELETEs of ids nobody owns, so a wrong server changes nothing.

use serde_json::{Map, Value};

use super::Miss;
use super::shape::scim_error;
use crate::findings::Deviation;
use crate::runner::answer::Answer;
use crate::runner::check::CheckRun;
use crate::runner::error::{CheckError, Halt};
use crate::runner::request::{label, plain};
use crate::scim::method::Method;
use crate::scim::model::BULK_REQUEST;
use crate::scim::resource::get_ci;

/// The most operations `bulk-over-max-operations` sends (about 800 KB of DELETEs): servers
/// advertise 1000 or so in practice, and a far larger limit is often "no limit" in disguise.
const MAX_BULK_OPERATIONS_SENT: u64 = 10_000;

/// The largest body, in bytes, `bulk-over-max-payload` sends: above the 1 to 10 MiB servers
/// advertise in practice, small enough to send within a check's timeout on a slow link.
const MAX_BULK_PAYLOAD_SENT: u64 = 16 * 1024 * 1024;

/// RFC 7644 §3.7.4: one operation more than `bulk.maxOperations` is refused with 413.
pub(super) async fn over_max_operations(
    run: &CheckRun<'_>,
    config: &Answer,
) -> Result<Option<Miss>, Halt> {
    let max = match testable_limit(
        config,
        "maxOperations",
        " operations",
        MAX_BULK_OPERATIONS_SENT,
    )? {
        Limit::Testable(max) => max,
        Limit::NotAnInteger(observed) => return Ok(Some(Miss::unnamed(observed))),
    };
    let operations = (0..=max)
        .map(|index| harmless_operation(run, index))
        .collect();
    let body = serialised(&bulk_request(operations))?;
    let size = u64::try_from(body.len()).unwrap_or(u64::MAX);
    if let Some(payload_limit) = advertised_payload_limit(config).filter(|limit| size > *limit) {
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
pub(super) async fn over_max_payload(
    run: &CheckRun<'_>,
    config: &Answer,
) -> Result<Option<Miss>, Halt> {
    let max = match testable_limit(config, "maxPayloadSize", " bytes", MAX_BULK_PAYLOAD_SENT)? {
        Limit::Testable(max) => max,
        Limit::NotAnInteger(observed) => return Ok(Some(Miss::unnamed(observed))),
    };
    let mut body = serialised(&bulk_request(vec![harmless_operation(run, 0)]))?;
    let wanted = usize::try_from(max + 1).map_err(|_| CheckError::PayloadTooLarge(max))?;
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

/// An advertised bulk limit, as a check can use it.
#[derive(Debug, PartialEq, Eq)]
enum Limit {
    /// A positive integer the check can exceed.
    Testable(u64),
    /// Missing or not an integer, which RFC 7643 §5 forbids (both limits are REQUIRED
    /// integers): what was observed.
    NotAnInteger(String),
}

/// The limit `bulk.<name>` of a ServiceProviderConfig answer, when this check can exceed it
/// by sending at most `most`, or what is wrong with it; a skip when bulk is not
/// supported, when the limit is 0 or negative (RFC 7643 §5 does not say what that means, and
/// some servers write "no limit" so), or when it is too large to exceed safely. The answer is
/// judged as sent, not as the core's tolerant reader would take it.
fn testable_limit(config: &Answer, name: &str, unit: &str, most: u64) -> Result<Limit, Halt> {
    let bulk = bulk_config(config);
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
        return Ok(Limit::NotAnInteger(format!(
            "the ServiceProviderConfig has no bulk.{name}, which RFC 7643 §5 makes a REQUIRED \
             integer"
        )));
    };
    let Some(integer) = integer_of(limit) else {
        return Ok(Limit::NotAnInteger(format!(
            "bulk.{name} is {limit}, not the integer RFC 7643 §5 requires"
        )));
    };
    match u64::try_from(integer) {
        Ok(positive) if positive >= most => Err(Halt::Skip(format!(
            "bulk.{name} is {positive}{unit}: too large to test safely (exceeding it takes \
             {}{unit}; this check sends at most {most}{unit})",
            positive.saturating_add(1)
        ))),
        Ok(positive) if positive > 0 => Ok(Limit::Testable(positive)),
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
fn advertised_payload_limit(config: &Answer) -> Option<u64> {
    bulk_config(config)
        .and_then(|bulk| get_ci(bulk, "maxPayloadSize"))
        .and_then(integer_of)
        .and_then(|limit| u64::try_from(limit).ok())
        .filter(|limit| *limit > 0)
}

/// The `bulk` object of a ServiceProviderConfig answer.
fn bulk_config(config: &Answer) -> Option<&Map<String, Value>> {
    config.member("bulk").and_then(Value::as_object)
}

/// A bulk DELETE of a generated id: nothing it could reach exists.
fn harmless_operation(run: &CheckRun<'_>, index: u64) -> Value {
    let id = run.vars().uuid(&format!("bulk-{index}"));
    serde_json::json!({
        "method": "DELETE",
        "path": format!("/Users/{id}"),
        "bulkId": format!("d{index}"),
    })
}

/// `failOnErrors: 1`: should the server run the request after all, it stops at the first 404.
fn bulk_request(operations: Vec<Value>) -> Value {
    serde_json::json!({
        "schemas": [BULK_REQUEST],
        "failOnErrors": 1,
        "Operations": operations,
    })
}

fn serialised(request: &Value) -> Result<Vec<u8>, CheckError> {
    serde_json::to_vec(request).map_err(|error| CheckError::Serialise {
        what: "the bulk request",
        error,
    })
}

async fn send_bulk(run: &CheckRun<'_>, body: Vec<u8>) -> Result<Answer, CheckError> {
    let mut request = plain(Method::Post, "/Bulk", Vec::new());
    request.body = Some(body);
    run.send(&request, &label(&request)).await
}

/// RFC 7644 §3.7.4: a limit exceeded is 413, with an Error body that names the limit.
fn refused_as_too_large(answer: &Answer, sent: &str) -> Option<Miss> {
    if answer.status != 413 {
        return Some(Miss::of(
            Deviation::BulkLimitsNotEnforced,
            format!(
                "{sent} was answered {}, not 413 ({})",
                answer.status, answer.label
            ),
        ));
    }
    if let Some(problem) = scim_error(None, answer) {
        return Some(problem.within(&format!("the 413 answer to {sent}")));
    }
    let detail = answer.member("detail").and_then(Value::as_str);
    detail.is_none_or(|d| d.trim().is_empty()).then(|| {
        Miss::unnamed(format!(
            "the 413 Error to {sent} has no `detail` naming the limit exceeded"
        ))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn config(bulk: Value) -> Answer {
        Answer {
            status: 200,
            headers: Vec::new(),
            json: Some(json!({ "bulk": bulk })),
            label: "GET /ServiceProviderConfig".to_owned(),
        }
    }

    /// The limit, or the reason to skip.
    fn limit(bulk: Value) -> Result<Limit, String> {
        testable_limit(&config(bulk), "maxOperations", " operations", 10_000).map_err(|halt| {
            match halt {
                Halt::Skip(reason) => reason,
                Halt::Error(error) => panic!("{error}"),
            }
        })
    }

    #[test]
    fn a_limit_is_tested_only_when_it_is_a_positive_integer_within_reach() {
        assert_eq!(
            limit(json!({"supported": true, "maxOperations": 10})),
            Ok(Limit::Testable(10))
        );
        assert_eq!(
            limit(json!({"supported": true, "maxOperations": 10.0})),
            Ok(Limit::Testable(10))
        );
        assert!(
            limit(json!({"supported": false}))
                .unwrap_err()
                .contains("does not advertise")
        );
        assert!(
            limit(json!({"supported": true, "maxOperations": 0}))
                .unwrap_err()
                .contains("not a positive limit")
        );
        assert!(
            limit(json!({"supported": true, "maxOperations": 10_000}))
                .unwrap_err()
                .contains("too large")
        );
        let Ok(Limit::NotAnInteger(missing)) = limit(json!({"supported": true})) else {
            panic!("a missing limit is observed");
        };
        assert!(missing.contains("REQUIRED integer"), "{missing}");
        assert_eq!(
            limit(json!({"supported": true, "maxOperations": "10"})),
            Ok(Limit::NotAnInteger(
                "bulk.maxOperations is \"10\", not the integer RFC 7643 §5 requires".to_owned()
            ))
        );
    }

    #[test]
    fn a_413_must_carry_a_scim_error_with_a_detail() {
        let answer = |status, json| Answer {
            status,
            headers: Vec::new(),
            json: Some(json),
            label: "POST /Bulk".to_owned(),
        };
        let error =
            json!({"schemas": [crate::scim::model::ERROR], "status": "413", "detail": "too many"});
        assert_eq!(
            refused_as_too_large(&answer(413, error), "2 operations"),
            None
        );
        assert_eq!(
            refused_as_too_large(&answer(200, json!({})), "2 operations"),
            Some(Miss::of(
                Deviation::BulkLimitsNotEnforced,
                "2 operations was answered 200, not 413 (POST /Bulk)"
            ))
        );
        let numeric = json!({"schemas": [crate::scim::model::ERROR], "status": 413});
        let miss = refused_as_too_large(&answer(413, numeric), "2 operations").unwrap();
        assert!(
            miss.observed
                .starts_with("the 413 answer to 2 operations: ")
        );
        assert_eq!(miss.deviation, Some(Deviation::ErrorStatusNotString));
        let silent = json!({"schemas": [crate::scim::model::ERROR], "status": "413"});
        let miss = refused_as_too_large(&answer(413, silent), "2 operations").unwrap();
        assert!(miss.observed.contains("no `detail`"));
        assert_eq!(miss.deviation, None);
    }
}
