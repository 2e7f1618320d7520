//! What a filter (RFC 7644 §3.4.2.2) or a PATCH path (§3.5.2) means, for `scimctl explain`:
//! the parse tree, how each attribute it names resolves against the schemas, what each
//! comparison matches, and, for a path, what each PATCH operation would do with it. It only
//! explains: it sends nothing, changes no resource and matches no filter against one.
//!
//! Everything comes from the core: the filter and path parsers (an input that only a lenient
//! parse reads is explained with its leniencies listed), schema resolution, the evaluator's
//! validation (an operator a server must refuse is said so), and [`crate::scim::target`] for
//! what a path designates. `filter.rs` explains comparisons, `path.rs` what each operation
//! does, and `render.rs` writes both for the console and for `-o json`, as plain text; the
//! caller supplies the request line, which only the HTTP client can encode. Pure: serde_json
//! and std only.

mod filter;
mod path;
mod render;

use crate::scim::diag::Diagnostic;
use crate::scim::filter::{Filter, ParseOptions, parse_filter_with};
use crate::scim::path::{PatchPath, parse_patch_path_with};

pub use filter::{Comparison, Resolution, element_comparisons, filter_comparisons};
pub use path::{PathTarget, path_target};
pub use render::{Heading, filter_console, filter_json, path_console, path_json};

/// The version of the JSON form; bumped on any incompatible change.
pub const FORMAT_VERSION: u64 = 1;

/// An input as read: the value, whether the RFC's grammar reads it as it is, and the parser's
/// notes (each leniency needed, unusual spellings).
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    pub value: T,
    /// The strict parser's objection, when only the lenient parse reads the input.
    pub strict_error: Option<Diagnostic>,
    pub notes: Vec<Diagnostic>,
}

/// Parses a filter as scimctl would before sending it: leniently, noting what the RFC's grammar
/// does not allow. An input that does not parse even leniently is an error with a caret.
pub fn parse_filter_explained(input: &str) -> Result<Parsed<Filter>, Diagnostic> {
    let lenient = parse_filter_with(input, ParseOptions::lenient())?;
    Ok(Parsed {
        value: lenient.filter,
        strict_error: parse_filter_with(input, ParseOptions::default()).err(),
        notes: lenient.warnings,
    })
}

/// Parses a PATCH path as [`parse_filter_explained`] parses a filter.
pub fn parse_path_explained(input: &str) -> Result<Parsed<PatchPath>, Diagnostic> {
    let lenient = parse_patch_path_with(input, ParseOptions::lenient())?;
    Ok(Parsed {
        value: lenient.path,
        strict_error: parse_patch_path_with(input, ParseOptions::default()).err(),
        notes: lenient.warnings,
    })
}
