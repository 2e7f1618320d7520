//! Bulk import of users and groups from CSV (`scimctl import`), and the column mapping that
//! `serve --seed` shares.
//!
//! - [`mapping`]: headers to SCIM paths, cells to values (pure);
//! - [`source`]: reading CSV as a stream of records, with the line of each.
//!
//! Nothing here prints or draws progress: the app layer does.

pub mod mapping;
pub mod source;
