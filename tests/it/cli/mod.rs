//! Integration tests of the `scimctl` binary's client commands against `scimctl serve`
//! (started in the test process on port 0, stopped at the end of each test), with insta
//! snapshots of what people see. Every run is hermetic: see `common.rs`.

mod explain;
mod flow;
mod groups;
mod lint;
mod output;
mod quirks;
mod resources;
mod settings;
mod users;
mod wire;
