//! `scimctl import` and `scimctl export` end to end: the binary against `scimctl serve` (in
//! this process, on port 0), with its 429, latency and connection-dropping quirks, and against
//! python-scim's scim2-server. Every run is hermetic (`support::Env`); the CSV files are
//! copied into the test's home, the binary's working directory, where their journals are written.

mod bulk;
mod common;
mod faults;
mod flow;
mod input;
mod interop;
mod pace;
mod plan;
mod sync;
mod terminal;
