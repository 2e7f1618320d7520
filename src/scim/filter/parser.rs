//! Filter parser.

use super::Filter;
use crate::scim::diag::Diagnostic;

/// How forgiving the parser is.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions {
    pub lenient: bool,
}

/// A parsed filter and the leniencies that were needed to read it.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub filter: Filter,
    pub warnings: Vec<Diagnostic>,
}

pub fn parse_filter(input: &str) -> Result<Filter, Diagnostic> {
    parse_filter_with(input, ParseOptions::default()).map(|p| p.filter)
}

pub fn parse_filter_with(_input: &str, _opts: ParseOptions) -> Result<Parsed, Diagnostic> {
    unimplemented!("filter parser")
}
