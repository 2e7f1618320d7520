//! The SCIM protocol core: filters, PATCH paths and operations, schemas and message models.
//! Pure: `serde_json` and `std` only; no I/O, no async, nothing spawned or printed.
//!
//! The server, the client and the conformance runner all build on it; `tests/it/layering.rs`
//! keeps it pure.

pub mod datetime;
pub mod diag;
pub mod dialect;
pub mod diff;
pub mod explain;
pub mod filter;
pub mod list;
pub mod method;
pub mod model;
pub mod patch;
pub mod path;
pub mod percent;
pub mod reference;
pub mod resource;
pub mod schema;
pub mod schema_set;
pub mod sort;
pub mod suggest;
pub mod target;
pub mod typing;

/// Barbara Jensen, the user of RFC 7643 §8.2, trimmed to what the unit tests of several
/// layers read: id, userName, name, two emails (the work one primary) and `active`.
#[cfg(test)]
pub(crate) fn example_user() -> serde_json::Value {
    serde_json::json!({
        "schemas": [model::USER_SCHEMA],
        "id": "2819c223",
        "userName": "bjensen",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "active": true
    })
}
