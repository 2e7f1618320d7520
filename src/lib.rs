//! scimctl: a SCIM 2.0 command-line client, conformance tester and embedded test server. The
//! crate root only lists the layers; it holds no code of its own.
//!
//! The crate is one package with a library and a binary. The library is organised in layers:
//! - [`scim`]: the protocol core (RFC 7643/7644). Pure: no I/O, no async, no printing.
//! - [`findings`]: the one form every diagnostic reports in (a deviation with a stable key,
//!   where it was seen, its RFC section, what Okta and Entra do, the fix) and its catalogue.
//! - [`lint`]: offline checks of a SCIM document against the schemas, as findings. Pure.
//! - [`doctor`]: `scimctl doctor`'s probes and what their answers mean, as findings. Pure.
//! - [`replay`]: `scimctl replay`'s judgement of an identity provider's scenario, as a
//!   transcript of exchanges and findings. Pure.
//! - [`serve`]: the embedded in-memory SCIM server behind `scimctl serve`.
//! - [`client`]: the HTTP edge (the only module that talks HTTP): auth, retries, redirects,
//!   the exchange log behind `-v`/`--curl`/`--har`, one-line errors with exit codes.
//! - [`config`]: connection settings from flags, environment and profiles, with their origins.
//! - [`redact`]: secrets that never print, and the deny-lists that mask them in traffic.
//! - [`text`]: untrusted text made safe for a terminal or a report; the ANSI colour wrapper.
//! - [`exit`]: the exit codes, and the error that carries one.
//! - [`hash`]: one stable hash for names derived from data.
//! - [`suite`]: the conformance suite file format (pure) and the built-in suites.
//! - [`runner`]: runs suite checks against a server and returns verdicts.
//! - [`import`]: CSV bulk import: column mapping, plan, apply, journal (`scimctl import`).
//! - [`report`]: conformance reports over a run's outcome: console, JSON, JUnit, Markdown, HTML.
//! - [`cli`]: clap types (the help text lives in their doc comments).
//! - [`output`]: tables, JSON, NDJSON, CSV and raw output; the colour policy; write diffs.
//! - [`app`]: one file per command family, the only layer that sees both the CLI and the rest.

pub mod app;
pub mod cli;
pub mod client;
pub mod config;
pub mod doctor;
pub mod exit;
pub mod findings;
pub mod hash;
pub mod import;
pub mod lint;
pub mod output;
pub mod redact;
pub mod replay;
pub mod report;
pub mod runner;
pub mod scim;
pub mod serve;
pub mod suite;
pub mod text;
