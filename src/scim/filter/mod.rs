//! SCIM filters (RFC 7644 §3.4.2.2): the syntax tree, a parser with spans, a canonical
//! `Display` that parses back to the same tree, evaluation against JSON resources, and the
//! check of a server's filtered answer against the filter. Pure: nothing is sent from here.
//!
//! Precedence follows the RFC's prose: grouping first, then `not`, then `and`, then `or`.
//! The tree does not remember grouping parentheses; `Display` adds them where precedence
//! requires, so `parse(display(t)) == t` for every tree the parser builds.

mod display;
mod eval;
mod hints;
mod lexer;
pub(crate) mod parser;
mod verify;

pub use eval::{EvalError, matches, matches_element, matches_schemaless, validate};
pub use parser::{
    MAX_COMPARISONS, MAX_DEPTH, ParseOptions, Parsed, parse_filter, parse_filter_with,
};
pub use verify::{FilterCheck, Unverifiable};

use crate::scim::path::AttrPath;

/// A comparison operator (§3.4.2.2, Table 3). Matched case-insensitively when parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Lt,
    Ge,
    Le,
}

impl CompareOp {
    /// The operator as the RFC spells it (lowercase).
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Lt => "lt",
            CompareOp::Ge => "ge",
            CompareOp::Le => "le",
        }
    }

    /// Parses an operator in any letter case.
    pub fn from_keyword(word: &str) -> Option<CompareOp> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "lt" => CompareOp::Lt,
            "ge" => CompareOp::Ge,
            "le" => CompareOp::Le,
            _ => return None,
        })
    }

    /// Ordering operators are not allowed on boolean and binary attributes (§3.4.2.2).
    pub fn is_ordering(self) -> bool {
        matches!(
            self,
            CompareOp::Gt | CompareOp::Lt | CompareOp::Ge | CompareOp::Le
        )
    }
}

/// A comparison value: a JSON literal (§3.4.2.2 `compValue`).
///
/// dateTime values are JSON strings; they are compared chronologically when the schema says
/// the attribute is a dateTime.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
}

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `attrPath pr`
    Present(AttrPath),
    /// `attrPath op value`
    Compare(AttrPath, CompareOp, CompValue),
    /// `not ( filter )`
    Not(Box<Filter>),
    /// `filter and filter`
    And(Box<Filter>, Box<Filter>),
    /// `filter or filter`
    Or(Box<Filter>, Box<Filter>),
    /// `attrPath [ valFilter ]`: the inner filter applies to each element of a multi-valued
    /// (or to a single complex) attribute; its attribute paths are relative to that element.
    ValuePath(AttrPath, Box<Filter>),
}
