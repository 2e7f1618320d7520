//! Bulk import of users and groups from CSV (`scimctl import`), and the column mapping that
//! `serve --seed` shares.
//!
//! - [`mapping`]: headers to SCIM paths, cells to values (pure);
//! - [`apply`]: the writes, with bounded concurrency, through the client; [`bulk`]: creates
//!   sent in `/Bulk` requests;
//! - [`journal`]: what was written, for resuming and for knowing what imports created;
//! - [`options`]: what an import is asked to do, as the argument handling builds it;
//! - [`rejects`] and [`report`]: the rejected rows as CSV, the outcome of every row as JSON;
//! - [`plan`]: rows and the server's state to create, update, unchanged or invalid (pure);
//! - [`source`]: reading CSV as a stream of records, with the line of each;
//! - [`state`]: reading what the server holds, by pages or by lookups.
//!
//! Nothing here prints or draws progress: the app layer does.

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
