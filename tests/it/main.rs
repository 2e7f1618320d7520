//! Every integration test of scimctl, in one test binary with a module per topic (as cargo and
//! nextest lay theirs out): one link instead of one per file, and one run that shares the
//! machine's cores. `cargo test --test it MODULE` runs one topic, e.g. `runner_accuracy`.
//!
//! Servers are `scimctl::serve::spawn` on port 0 in this process (or scim2-server as a child),
//! each stopped by the test that started it; the binary runs hermetically (see `support`).

mod ci_recipes;
mod cli;
mod client_config;
mod client_http;
mod client_ops;
mod config_edit;
mod demo;
mod dialect_shapes;
mod doctor;
mod filter_corpus;
mod filter_diagnostics;
mod filter_eval;
mod filter_props;
mod findings;
mod hygiene;
mod idp_shapes;
mod import;
mod interop_scim2_tester;
mod layering;
mod lint;
mod patch_idp;
mod patch_props;
mod patch_rfc;
mod patch_support;
mod readme_cli;
mod release;
mod replay;
mod report_console;
mod report_html;
mod report_json;
mod report_junit;
mod report_markdown;
mod report_props;
mod report_support;
mod requirements;
mod runner_accuracy;
mod runner_cli;
mod runner_interrupt;
mod runner_progress;
mod runner_safety;
mod runner_scim2_server;
mod serve;
mod suite_parse;
mod suite_runs;
mod support;
