//! Bulk import of users and groups from CSV (`scimctl import`), and the column mapping that
//! `serve --seed` shares. Nothing here prints, asks or draws progress: the app layer does.
//!
//! - [`pipeline`]: an import from start to end, in its order of work; [`scan`]: the first
//!   reading of the file; [`rows`]: the rows through the engine; [`links`]: managers and group
//!   memberships; [`missing`]: what the file no longer holds;
//! - [`mapping`]: headers to SCIM paths, cells to values (pure);
//! - [`plan`]: rows and the server's state to create, update, unchanged or invalid, and the
//!   update requests (pure);
//! - [`apply`]: the writes, with bounded concurrency, through the client; [`bulk`]: creates
//!   sent in `/Bulk` requests;
//! - [`journal`]: what was written, for resuming and for knowing what imports created;
//!   [`journal_file`]: the journal on disk;
//! - [`input`]: the file, or stdin spooled so that it can be read again;
//! - [`options`]: what an import is asked to do, as the argument handling builds it;
//! - [`rejects`] and [`report`]: the rejected rows as CSV, the outcome of every row as JSON;
//! - [`source`]: reading CSV as a stream of records, with the line of each;
//! - [`state`]: reading what the server holds, by pages or by lookups.

pub mod apply;
pub mod bulk;
pub mod input;
pub mod journal;
pub mod journal_file;
pub mod links;
pub mod mapping;
pub mod missing;
pub mod options;
pub mod pipeline;
pub mod plan;
pub mod rejects;
pub mod report;
pub mod rows;
pub mod scan;
pub mod source;
pub mod state;
