//! The write guard: creates named from `{{unique}}` and in the ledger before they leave, changes
//! only to what this run created or generated. It records answers; it never sends a request.

use serde_json::Value;

use super::NAME_PREFIX;
use super::answer::Answer;
use super::error::CheckError;
use super::ledger::{Ledger, LedgerEntry};
use super::vars::Vars;
use crate::client::RawRequest;
use crate::scim::method::Method;
use crate::scim::percent::{Encoded, decode};
use crate::scim::resource::get_ci;

/// The attributes a created resource is named by, in the order they are looked for.
const NAME_ATTRIBUTES: [&str; 2] = ["userName", "displayName"];

/// What one check may write, and the ledger it writes to.
pub(crate) struct WriteGuard<'a> {
    pub ledger: &'a Ledger,
    pub run_id: &'a str,
    pub check_id: &'a str,
    pub vars: &'a Vars,
}

/// A path segment as the server names the resource (`%2F` is `/`); text that does not decode
/// is compared as it is.
fn decoded(segment: &str) -> String {
    decode(segment, Encoded::PathSegment).unwrap_or_else(|_| segment.to_owned())
}

/// The JSON body of a request, if it has one.
fn json_body(request: &RawRequest) -> Option<Value> {
    request
        .body
        .as_deref()
        .and_then(|b| serde_json::from_slice(b).ok())
}

/// The name a created resource carries, and the attribute holding it.
fn name_of(body: &serde_json::Map<String, Value>) -> Option<(&'static str, &str)> {
    NAME_ATTRIBUTES.iter().find_map(|attr| {
        get_ci(body, attr)
            .and_then(Value::as_str)
            .map(|n| (*attr, n))
    })
}

fn is_bulk(path: &str) -> bool {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .is_some_and(|segment| segment.eq_ignore_ascii_case("Bulk"))
}

impl WriteGuard<'_> {
    /// Refuses a write that could touch data this run did not create, and writes a create to
    /// the ledger before it is sent.
    pub fn admit(&self, request: &RawRequest) -> Result<(), CheckError> {
        let segments: Vec<&str> = request.path.split('/').filter(|s| !s.is_empty()).collect();
        let body = json_body(request);
        match request.method {
            Method::Post if is_bulk(&request.path) => self.admit_bulk(body.as_ref()),
            Method::Post => {
                self.announce_create(&format!("/{}", segments.join("/")), body.as_ref())
            }
            _ => {
                let owned = match segments.split_last() {
                    Some((id, rest)) if !rest.is_empty() => {
                        let id = decoded(id);
                        self.ledger.owns(&format!("/{}", rest.join("/")), &id)
                            || self.vars.generated(&id)
                    }
                    _ => false,
                };
                if owned {
                    Ok(())
                } else {
                    Err(CheckError::NotOwned {
                        method: request.method,
                        path: request.path.clone(),
                    })
                }
            }
        }
    }

    fn announce_create(&self, endpoint: &str, body: Option<&Value>) -> Result<(), CheckError> {
        let Some((name_attr, name)) = body.and_then(Value::as_object).and_then(name_of) else {
            return Ok(());
        };
        let prefix = format!("{NAME_PREFIX}{}", self.run_id);
        if !name.starts_with(&prefix) {
            return Err(CheckError::Unnamed {
                name: name.to_owned(),
                prefix,
            });
        }
        self.ledger
            .record(LedgerEntry::Create {
                run: self.run_id.to_owned(),
                check: self.check_id.to_owned(),
                endpoint: endpoint.to_owned(),
                name_attr: name_attr.to_owned(),
                name: name.to_owned(),
            })
            .map_err(CheckError::LedgerBeforeSend)
    }

    /// A bulk request may create (named from `{{unique}}`) and change only what this run owns.
    fn admit_bulk(&self, body: Option<&Value>) -> Result<(), CheckError> {
        for operation in bulk_operations(body).iter().filter_map(Value::as_object) {
            let text = |key| get_ci(operation, key).and_then(Value::as_str).unwrap_or("");
            let (method, path) = (text("method"), text("path"));
            if method.eq_ignore_ascii_case("POST") {
                self.announce_create(path, get_ci(operation, "data"))?;
                continue;
            }
            let owned = path.rsplit_once('/').is_some_and(|(endpoint, id)| {
                id.starts_with("bulkId:")
                    || self.ledger.owns(endpoint, id)
                    || self.vars.generated(id)
            });
            if !owned {
                return Err(CheckError::BulkNotOwned {
                    method: method.to_owned(),
                    path: path.to_owned(),
                });
            }
        }
        Ok(())
    }

    /// Records in the ledger what an answer to a POST says was created; a refused create made
    /// nothing, and its intent needs no cleanup.
    pub fn record_answer(&self, request: &RawRequest, answer: &Answer) -> Result<(), CheckError> {
        if request.method != Method::Post {
            return Ok(());
        }
        if !(200..300).contains(&answer.status) {
            return self.settle_refused_create(request);
        }
        let created = if is_bulk(&request.path) {
            created_by_bulk(answer)
        } else {
            answer
                .member("id")
                .and_then(Value::as_str)
                .map(|id| (request.path.clone(), id.to_owned()))
                .into_iter()
                .collect()
        };
        for (endpoint, id) in created {
            self.ledger
                .record(LedgerEntry::Created {
                    check: self.check_id.to_owned(),
                    endpoint,
                    id,
                })
                .map_err(CheckError::Ledger)?;
        }
        if is_bulk(&request.path) {
            self.keep_bulk_names_pending(json_body(request).as_ref())?;
        }
        Ok(())
    }

    /// A server may create more than its BulkResponse names (a circle of `bulkId`s broken by
    /// creating one resource twice): every name a bulk request created is announced again, so
    /// the cleanup also looks for it by name and deletes what it finds.
    fn keep_bulk_names_pending(&self, body: Option<&Value>) -> Result<(), CheckError> {
        for operation in bulk_operations(body).iter().filter_map(Value::as_object) {
            let text = |key| get_ci(operation, key).and_then(Value::as_str).unwrap_or("");
            if text("method").eq_ignore_ascii_case("POST") {
                self.announce_create(text("path"), get_ci(operation, "data"))?;
            }
        }
        Ok(())
    }

    fn settle_refused_create(&self, request: &RawRequest) -> Result<(), CheckError> {
        let body = json_body(request);
        let Some((_, name)) = body.as_ref().and_then(Value::as_object).and_then(name_of) else {
            return Ok(());
        };
        self.ledger
            .record(LedgerEntry::Settled {
                check: self.check_id.to_owned(),
                endpoint: request.path.clone(),
                name: name.to_owned(),
            })
            .map_err(CheckError::Ledger)
    }
}

/// The `Operations` of a BulkRequest body.
fn bulk_operations(body: Option<&Value>) -> Vec<Value> {
    body.and_then(Value::as_object)
        .and_then(|map| get_ci(map, "Operations"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The endpoint and id of every POST a BulkResponse reports, from its `location`.
fn created_by_bulk(answer: &Answer) -> Vec<(String, String)> {
    let operations = answer.member("Operations").and_then(Value::as_array);
    let mut created = Vec::new();
    for operation in operations
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
    {
        let is_post = get_ci(operation, "method")
            .and_then(Value::as_str)
            .is_some_and(|m| m.eq_ignore_ascii_case("POST"));
        let location = get_ci(operation, "location").and_then(Value::as_str);
        if let (true, Some(location)) = (is_post, location) {
            let mut parts = location.trim_end_matches('/').rsplitn(3, '/');
            if let (Some(id), Some(endpoint)) = (parts.next(), parts.next()) {
                created.push((format!("/{endpoint}"), decoded(id)));
            }
        }
    }
    created
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::runner::ledger::{Leftover, NoSink};
    use crate::runner::request::plain;

    fn with_guard(test: impl FnOnce(&WriteGuard<'_>, &Ledger)) {
        let ledger = Ledger::new(Box::new(NoSink), Vec::new());
        let vars = Vars::new("r1", "c", 0);
        let guard = WriteGuard {
            ledger: &ledger,
            run_id: "r1",
            check_id: "c",
            vars: &vars,
        };
        test(&guard, &ledger);
    }

    fn post(path: &str, body: Value) -> RawRequest {
        let mut request = plain(Method::Post, path, Vec::new());
        request.body = Some(serde_json::to_vec(&body).unwrap());
        request
    }

    fn answer(status: u16, json: Value) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            json: Some(json),
            label: "POST /Users".to_owned(),
        }
    }

    #[test]
    fn only_what_the_run_created_or_generated_may_be_changed() {
        with_guard(|guard, _| {
            let patch = plain(Method::Patch, "/Users/42", Vec::new());
            assert_eq!(
                guard.admit(&patch).unwrap_err().to_string(),
                "refusing to send PATCH /Users/42: a check may change only resources this run \
                 created (capture the id of a create) or ids it generated"
            );
            let create = post("/Users", json!({"userName": "scimctl-test-r1-abc"}));
            guard.admit(&create).unwrap();
            guard
                .record_answer(&create, &answer(201, json!({"id": "a/42"})))
                .unwrap();
            assert!(
                guard
                    .admit(&plain(Method::Delete, "/Users/a%2F42", Vec::new()))
                    .is_ok()
            );
            let generated = guard.vars.uuid("nobody");
            let put = plain(Method::Put, &format!("/Users/{generated}"), Vec::new());
            assert!(guard.admit(&put).is_ok(), "an id nobody owns");
        });
    }

    #[test]
    fn a_create_is_in_the_ledger_before_it_is_sent_and_settled_when_refused() {
        with_guard(|guard, ledger| {
            let alien = post("/Users", json!({"userName": "alice"}));
            assert!(matches!(
                guard.admit(&alien),
                Err(CheckError::Unnamed { .. })
            ));
            let create = post("/Users", json!({"userName": "scimctl-test-r1-x"}));
            guard.admit(&create).unwrap();
            assert!(matches!(&ledger.leftovers()[..], [Leftover::Named { .. }]));
            guard
                .record_answer(&create, &answer(409, json!({})))
                .unwrap();
            assert!(ledger.leftovers().is_empty());
        });
    }

    #[test]
    fn a_bulk_request_is_guarded_operation_by_operation() {
        with_guard(|guard, ledger| {
            let foreign = post(
                "/Bulk",
                json!({"Operations": [{"method": "DELETE", "path": "/Users/7"}]}),
            );
            assert!(matches!(
                guard.admit(&foreign),
                Err(CheckError::BulkNotOwned { .. })
            ));
            let own = post(
                "/Bulk",
                json!({"Operations": [
                    {"method": "POST", "path": "/Users", "data": {"userName": "scimctl-test-r1-b"}},
                    {"method": "PATCH", "path": "/Users/bulkId:u1"}
                ]}),
            );
            guard.admit(&own).unwrap();
            let reply = answer(
                200,
                json!({"Operations": [{"method": "POST", "location": "https://h/v2/Users/9"}]}),
            );
            guard.record_answer(&own, &reply).unwrap();
            assert!(ledger.owns("/Users", "9"));
        });
    }

    #[test]
    fn what_a_bulk_request_created_is_left_over_by_id_and_by_name() {
        with_guard(|guard, ledger| {
            let bulk = post(
                "/Bulk",
                json!({"Operations": [
                    {"method": "POST", "path": "/Groups", "bulkId": "a",
                     "data": {"displayName": "scimctl-test-r1-a"}}
                ]}),
            );
            guard.admit(&bulk).unwrap();
            let reply = answer(
                200,
                json!({"Operations": [{"method": "POST", "bulkId": "a", "status": "201",
                                       "location": "https://h/v2/Groups/9"}]}),
            );
            guard.record_answer(&bulk, &reply).unwrap();
            let left = ledger.leftovers();
            assert!(
                matches!(&left[..], [
                    Leftover::Id { id, .. },
                    Leftover::Named { name, .. },
                ] if id == "9" && name == "scimctl-test-r1-a"),
                "a second group of that name, not in the BulkResponse, is still looked for: \
                 {left:?}"
            );
        });
    }
}
