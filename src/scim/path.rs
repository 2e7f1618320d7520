//! Attribute paths (RFC 7644 §3.10) and PATCH paths (§3.5.2, Figure 7), parsed with spans.
//! Syntax only: whether a path names an attribute is for the schema to say.
//!
//! `attrPath = [URI ":"] ATTRNAME ["." subAttr]`; a PATCH path is an attrPath or a
//! `valuePath ["." subAttr]`, such as `emails[type eq "work"].value`. URNs contain both `:` and
//! `.`, so a URN-qualified path is split at the last `:` before the first `[`.

use std::fmt;

use crate::scim::diag::{Diagnostic, Span};
use crate::scim::filter::parser::parse_patch_path_tokens;
use crate::scim::filter::{Filter, ParseOptions};

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

/// Parses a standalone attribute path, as used by `attributes`, `excludedAttributes` and
/// `sortBy` (RFC 7644 §3.4.2.3, §3.4.2.5): `[urn:]name[.sub]`.
pub fn parse_attr_path(input: &str) -> Result<AttrPath, Diagnostic> {
    let mut warnings = Vec::new();
    attr_path_from_word(input, 0, ParseOptions::default(), &mut warnings)
}

/// A parsed PATCH path and the leniencies that were needed to read it.
#[derive(Debug, Clone)]
pub struct ParsedPath {
    /// The path.
    pub path: PatchPath,
    /// One note per leniency used, and notes on legal but unusual spellings.
    pub warnings: Vec<Diagnostic>,
}

/// Parses a PATCH operation's `path` strictly (§3.5.2, Figure 7).
pub fn parse_patch_path(input: &str) -> Result<PatchPath, Diagnostic> {
    parse_patch_path_with(input, ParseOptions::default()).map(|parsed| parsed.path)
}

/// Parses a PATCH `path`. Lenient mode also accepts what the filter parser accepts leniently,
/// and a URN-only path naming a whole extension object (seen in apache/directory-scimple#695),
/// which becomes an [`AttrPath`] with an empty `name`.
pub fn parse_patch_path_with(input: &str, opts: ParseOptions) -> Result<ParsedPath, Diagnostic> {
    parse_patch_path_tokens(input, opts)
}

/// Reads an attribute path out of one word of the input that starts at byte `offset`.
///
/// The URN, if any, ends at the word's last `:`, since URNs contain `:` and `.` themselves
/// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`).
pub(crate) fn attr_path_from_word(
    word: &str,
    offset: usize,
    opts: ParseOptions,
    warnings: &mut Vec<Diagnostic>,
) -> Result<AttrPath, Diagnostic> {
    if word.is_empty() {
        return Err(Diagnostic::new("empty attribute path", Span::at(offset)));
    }
    let (urn, rest_at) = match word.rfind(':') {
        Some(colon) => {
            let urn = &word[..colon];
            check_urn(urn, offset)?;
            (Some(urn.to_string()), colon + 1)
        }
        None => (None, 0),
    };
    let rest = &word[rest_at..];
    let rest_offset = offset + rest_at;
    if rest.is_empty() {
        return Err(Diagnostic::new(
            "expected an attribute name after the schema URN",
            Span::at(offset + word.len()),
        ));
    }
    let (name, sub) = match rest.find('.') {
        Some(dot) => (
            &rest[..dot],
            Some((&rest[dot + 1..], rest_offset + dot + 1)),
        ),
        None => (rest, None),
    };
    check_name(name, rest_offset, opts, warnings)?;
    let sub = match sub {
        Some((sub, sub_offset)) => {
            if let Some(dot) = sub.find('.') {
                return Err(Diagnostic::new(
                    "an attribute path has at most two levels (`name.subAttr`)",
                    Span::new(sub_offset + dot, sub_offset + dot + 1),
                )
                .with_hint(
                    "complex attributes cannot contain complex attributes (RFC 7643 §2.3.8)",
                ));
            }
            check_name(sub, sub_offset, opts, warnings)?;
            Some(sub.to_string())
        }
        None => None,
    };
    Ok(AttrPath {
        urn,
        name: name.to_string(),
        sub,
    })
}

/// Reads a sub-attribute name (what follows `name.` or `].`) that starts at byte `offset`.
pub(crate) fn sub_attr_from_word(
    word: &str,
    offset: usize,
    opts: ParseOptions,
    warnings: &mut Vec<Diagnostic>,
) -> Result<String, Diagnostic> {
    if let Some(dot) = word.find('.') {
        return Err(Diagnostic::new(
            "an attribute path has at most two levels (`name.subAttr`)",
            Span::new(offset + dot, offset + dot + 1),
        )
        .with_hint("complex attributes cannot contain complex attributes (RFC 7643 §2.3.8)"));
    }
    check_name(word, offset, opts, warnings)?;
    Ok(word.to_string())
}

/// Whether `word` is a bare schema URN such as
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`: its last segment is a name
/// with no sub-attribute and the segment before it a version such as `2.0`. Read as an
/// attribute path it would name an attribute `User` of a schema `...:2.0`.
pub(crate) fn is_bare_schema_urn(word: &str) -> bool {
    let mut segments = word.rsplit(':');
    let (Some(last), Some(version)) = (segments.next(), segments.next()) else {
        return false;
    };
    let is_name = last.starts_with(|c: char| c.is_ascii_alphabetic())
        && last
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let is_version = version.starts_with(|c: char| c.is_ascii_digit())
        && version.chars().all(|c| c.is_ascii_digit() || c == '.');
    is_name && is_version && segments.next().is_some()
}

fn check_urn(urn: &str, offset: usize) -> Result<(), Diagnostic> {
    if !urn.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(Diagnostic::new(
            "a schema URN must start with a letter",
            Span::new(
                offset,
                offset + urn.chars().next().map_or(0, char::len_utf8),
            ),
        ));
    }
    let is_uri_char = |c: char| c.is_ascii_alphanumeric() || "-._~:/?#@!$&*+,;=%".contains(c);
    match urn.char_indices().find(|&(_, c)| !is_uri_char(c)) {
        Some((at, c)) => Err(Diagnostic::new(
            format!("unexpected `{}` in schema URN", c.escape_debug()),
            Span::new(offset + at, offset + at + c.len_utf8()),
        )),
        None => Ok(()),
    }
}

/// `ATTRNAME = ALPHA *(nameChar)` (RFC 7644 §3.4.2.2, Figure 1). RFC 7643 itself names
/// sub-attributes `$ref`; lenient mode accepts a leading `$` with a warning.
fn check_name(
    name: &str,
    offset: usize,
    opts: ParseOptions,
    warnings: &mut Vec<Diagnostic>,
) -> Result<(), Diagnostic> {
    let span = Span::new(offset, offset + name.len());
    let body = match name.strip_prefix('$') {
        Some(body) => {
            let message = format!(
                "`{name}` is not an ATTRNAME in the RFC 7644 grammar: names start with a letter"
            );
            if !opts.lenient {
                return Err(Diagnostic::new(message, span)
                    .with_hint("lenient parsing accepts `$ref` as RFC 7643 uses it"));
            }
            warnings.push(Diagnostic::new(message, span));
            body
        }
        None => name,
    };
    let body_offset = offset + (name.len() - body.len());
    let Some(first) = body.chars().next() else {
        return Err(Diagnostic::new("expected an attribute name", span));
    };
    if !first.is_ascii_alphabetic() {
        return Err(
            Diagnostic::new(format!("expected an attribute name, found `{name}`"), span)
                .with_hint("attribute names start with a letter"),
        );
    }
    match body
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        Some((at, c)) => Err(Diagnostic::new(
            format!("unexpected `{}` in attribute name", c.escape_debug()),
            Span::new(body_offset + at, body_offset + at + c.len_utf8()),
        )
        .with_hint("attribute names contain only letters, digits, `-` and `_`")),
        None => Ok(()),
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            f.write_str(urn)?;
            if self.name.is_empty() {
                return Ok(());
            }
            f.write_str(":")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatchPath::Attr(path) => path.fmt(f),
            PatchPath::Filtered { attr, filter, sub } => {
                write!(f, "{attr}[{filter}]")?;
                if let Some(sub) = sub {
                    write!(f, ".{sub}")?;
                }
                Ok(())
            }
        }
    }
}

/// The byte offsets of `separator` in `text` outside `[...]` and JSON strings, so that
/// `emails[value eq "a,b"].type,userName` splits into two paths.
pub fn top_level_separators(text: &str, separator: char) -> Vec<usize> {
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (index, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ if c == separator && depth == 0 => found.push(index),
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    #[test]
    fn a_urn_qualified_path_splits_at_the_last_colon() {
        let path = parse_attr_path(&format!("{ENTERPRISE}:manager.value")).unwrap();
        assert_eq!(
            path,
            AttrPath {
                urn: Some(ENTERPRISE.to_string()),
                name: "manager".to_string(),
                sub: Some("value".to_string()),
            }
        );
        assert_eq!(path.to_string(), format!("{ENTERPRISE}:manager.value"));
    }

    #[test]
    fn names_keep_the_case_they_were_written_in() {
        let path = parse_attr_path("Name.FamilyName").unwrap();
        assert_eq!(
            (path.name.as_str(), path.sub.as_deref()),
            ("Name", Some("FamilyName"))
        );
    }

    #[test]
    fn standalone_attribute_paths_reject_what_is_not_a_path() {
        assert_eq!(
            parse_attr_path("").unwrap_err().message,
            "empty attribute path"
        );
        assert_eq!(
            parse_attr_path("user name").unwrap_err().span,
            Span::new(4, 5)
        );
        assert!(parse_attr_path("members.$ref").is_err());
        assert!(parse_attr_path("emails[type eq \"work\"]").is_err());
    }

    #[test]
    fn a_bare_schema_urn_ends_in_a_version_and_a_name() {
        assert!(is_bare_schema_urn(ENTERPRISE));
        assert!(is_bare_schema_urn(
            "urn:ietf:params:scim:schemas:core:2.0:User"
        ));
        assert!(!is_bare_schema_urn(&format!("{ENTERPRISE}:manager")));
        assert!(!is_bare_schema_urn("urn:example:1.0:Thing:color"));
        assert!(!is_bare_schema_urn("2.0:User"));
        assert!(!is_bare_schema_urn("userName"));
    }

    #[test]
    fn separators_inside_brackets_and_strings_do_not_split() {
        let text = r#"emails[value eq "a,b"].type,userName"#;
        assert_eq!(top_level_separators(text, ','), vec![27]);
        assert_eq!(top_level_separators(r#"x[a eq "\"="]=1"#, '='), vec![13]);
    }
}
