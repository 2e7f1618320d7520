//! Attribute paths (RFC 7644 §3.10) and PATCH paths (§3.5.2, Figure 7).
//!
//! `attrPath = [URI ":"] ATTRNAME ["." subAttr]`; a PATCH path is an attrPath or a
//! `valuePath ["." subAttr]`, such as `emails[type eq "work"].value`. URNs contain both `:` and
//! `.`, so a URN-qualified path is split at the last `:` before the first `[`.

use crate::scim::diag::Diagnostic;
use crate::scim::filter::Filter;

/// `[urn:]name[.sub]`. Names keep the case they were written in; comparisons against schemas
/// and resources are case-insensitive (§3.10, RFC 7643 §2.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// The schema URN the path was qualified with, if any.
    pub urn: Option<String>,
    /// The top-level attribute name. Empty only for a lenient URN-only PATCH path, which
    /// designates the whole extension object.
    pub name: String,
    /// The sub-attribute name, for complex attributes.
    pub sub: Option<String>,
}

/// A PATCH operation's `path`.
#[derive(Debug, Clone, PartialEq)]
pub enum PatchPath {
    /// `name`, `name.sub`, `urn:...:name`, `urn:...:name.sub`.
    Attr(AttrPath),
    /// `name[filter]` or `name[filter].sub`; `attr` has no sub-attribute.
    Filtered {
        attr: AttrPath,
        filter: Filter,
        sub: Option<String>,
    },
}
