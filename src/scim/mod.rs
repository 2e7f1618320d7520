//! The SCIM protocol core: filters, PATCH paths and operations, schemas and message models.
//!
//! Everything here is pure: it depends on `serde_json` and `std` only, performs no I/O, spawns
//! nothing and prints nothing. The server, the client and the conformance runner all build on it.

pub mod diag;
pub mod dialect;
pub mod diff;
pub mod filter;
pub mod list;
pub mod method;
pub mod model;
pub mod patch;
pub mod path;
pub mod percent;
pub mod resource;
pub mod schema;
pub mod sort;
pub mod typing;
