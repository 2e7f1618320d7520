//! Canonical rendering of filters: lowercase keywords, single spaces, JSON-escaped strings,
//! attribute paths as written, and parentheses only where precedence needs them (always after
//! `not`), so that parsing the text gives back the same tree.

use std::fmt;

use super::{CompValue, CompareOp, Filter};

/// Binding strength, loosest first; a child binding more loosely than its position allows is
/// parenthesised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    Or,
    And,
    Atom,
}

fn strength(filter: &Filter) -> Strength {
    match filter {
        Filter::Or(..) => Strength::Or,
        Filter::And(..) => Strength::And,
        _ => Strength::Atom,
    }
}

/// Writes `filter`, in parentheses if it binds more loosely than `required`.
fn write_at(f: &mut fmt::Formatter<'_>, filter: &Filter, required: Strength) -> fmt::Result {
    if strength(filter) < required {
        write!(f, "({filter})")
    } else {
        write!(f, "{filter}")
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Present(path) => write!(f, "{path} pr"),
            Filter::Compare(path, op, value) => write!(f, "{path} {op} {value}"),
            Filter::Not(inner) => write!(f, "not ({inner})"),
            // Both chains are left-associative: a right operand of the same kind needs
            // parentheses to keep its shape.
            Filter::And(left, right) => {
                write_at(f, left, Strength::And)?;
                f.write_str(" and ")?;
                write_at(f, right, Strength::Atom)
            }
            Filter::Or(left, right) => {
                write_at(f, left, Strength::Or)?;
                f.write_str(" or ")?;
                write_at(f, right, Strength::And)
            }
            Filter::ValuePath(path, inner) => write!(f, "{path}[{inner}]"),
        }
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Number(n) => write!(f, "{n}"),
            CompValue::String(s) => write_json_string(f, s),
        }
    }
}

/// Writes `s` as a JSON string (RFC 8259 §7), escaping only what JSON requires.
fn write_json_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    let mut plain_from = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            c if u32::from(c) < 0x20 => None,
            _ => continue,
        };
        f.write_str(&s[plain_from..i])?;
        match escape {
            Some(escape) => f.write_str(escape)?,
            None => write!(f, "\\u{:04x}", u32::from(c))?,
        }
        plain_from = i + c.len_utf8();
    }
    f.write_str(&s[plain_from..])?;
    f.write_str("\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::path::AttrPath;

    fn attr(name: &str) -> AttrPath {
        AttrPath {
            urn: None,
            name: name.to_string(),
            sub: None,
        }
    }

    fn present(name: &str) -> Box<Filter> {
        Box::new(Filter::Present(attr(name)))
    }

    #[test]
    fn parentheses_appear_only_where_precedence_needs_them() {
        let or_inside_and = Filter::And(
            present("a"),
            Box::new(Filter::Or(present("b"), present("c"))),
        );
        assert_eq!(or_inside_and.to_string(), "a pr and (b pr or c pr)");
        let and_inside_or = Filter::Or(
            present("a"),
            Box::new(Filter::And(present("b"), present("c"))),
        );
        assert_eq!(and_inside_or.to_string(), "a pr or b pr and c pr");
        let right_nested_and = Filter::And(
            present("a"),
            Box::new(Filter::And(present("b"), present("c"))),
        );
        assert_eq!(right_nested_and.to_string(), "a pr and (b pr and c pr)");
    }

    #[test]
    fn strings_are_written_as_json() {
        let value = CompValue::String("a\"b\\c\n\u{1}é".to_string());
        assert_eq!(value.to_string(), r#""a\"b\\c\n\u0001é""#);
    }
}
