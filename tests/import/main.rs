//! `scimctl import` and `scimctl export` end to end: the binary against `scimctl serve` (in
//! this process, on port 0), with its 429, latency and connection-dropping quirks, and against
//! python-scim's scim2-server. Every run is hermetic (see `../cli/common.rs`); the CSV files
//! are copied into the test's temporary directory, where their journals are written.

#[path = "../cli/common.rs"]
#[allow(dead_code)]
mod common;
mod support;

mod faults;
mod flow;
mod input;
mod interop;
mod plan;
mod sync;
