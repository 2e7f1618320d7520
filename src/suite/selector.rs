//! Selectors (`Resources[name eq "User"].id`, `/pointer`, a header), parsed once on reading by
//! the core's name and filter parsers. Pure: it never reads an answer; the runner does.

use std::fmt;

use crate::scim::diag::{Diagnostic, Span};
use crate::scim::filter::{CompValue, Filter, ParseOptions, parse_filter};
use crate::scim::path::{attr_path_from_word, top_level_separators};

use super::Template;

/// How many steps a selector path may take: selectors come from user files.
const MAX_STEPS: usize = 32;

/// Where in an answer a value is read.
#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    /// A response header, by case-insensitive name.
    Header(String),
    /// A JSON pointer (RFC 6901) into the body, `/Resources/0/id`; it may hold variables
    /// (checked when the suite is read).
    Pointer(String),
    /// A SCIM-style path into the body.
    Path(SelectorPath),
}

impl Selector {
    /// Every variable the selector reads.
    pub fn variables(&self) -> Vec<String> {
        match self {
            Selector::Header(_) => Vec::new(),
            Selector::Pointer(pointer) => Template::parse(pointer)
                .map(|template| template.variables().map(str::to_owned).collect())
                .unwrap_or_default(),
            Selector::Path(path) => path.variables(),
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Header(name) => write!(f, "header {name}"),
            Selector::Pointer(pointer) => write!(f, "{pointer}"),
            Selector::Path(path) => f.write_str(&path.text),
        }
    }
}

/// A SCIM-style path: case-insensitive names, `.` into sub-attributes, `[N]` for an index,
/// `[filter]` for the first element the filter matches, and a leading schema URN
/// (`urn:...:User:manager.value`; a path that is a whole URN names the extension object).
#[derive(Debug, Clone, PartialEq)]
pub struct SelectorPath {
    text: String,
    urn: Option<String>,
    steps: Vec<PathStep>,
}

/// One step of a [`SelectorPath`].
#[derive(Debug, Clone, PartialEq)]
pub enum PathStep {
    /// A member, by case-insensitive name.
    Attr(String),
    /// An element of a list, from 0.
    Index(usize),
    /// The first element of a list the filter matches; its string values may hold variables.
    Where(Filter),
}

impl SelectorPath {
    /// Parses a path; the error's span is a byte range of `text`.
    pub fn parse(text: &str) -> Result<SelectorPath, Diagnostic> {
        let (urn, rest_at) = split_urn(text)?;
        let rest = &text[rest_at..];
        let mut steps = Vec::new();
        let mut start = 0;
        let ends = top_level_separators(rest, '.')
            .into_iter()
            .chain([rest.len()]);
        for end in ends {
            part(&rest[start..end], rest_at + start, &mut steps)?;
            start = end + 1;
        }
        if steps.len() > MAX_STEPS {
            return Err(Diagnostic::new(
                format!("a selector takes at most {MAX_STEPS} steps"),
                Span::new(0, text.len()),
            ));
        }
        Ok(SelectorPath {
            text: text.to_owned(),
            urn,
            steps,
        })
    }

    /// The path as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The schema URN the path starts with, if any.
    pub fn urn(&self) -> Option<&str> {
        self.urn.as_deref()
    }

    pub fn steps(&self) -> &[PathStep] {
        &self.steps
    }

    /// The variables in the values its filters compare with.
    pub fn variables(&self) -> Vec<String> {
        let mut strings = Vec::new();
        for step in &self.steps {
            if let PathStep::Where(filter) = step {
                filter_strings(filter, &mut strings);
            }
        }
        strings
            .into_iter()
            .filter_map(|text| Template::parse(text).ok())
            .flat_map(|template| template.variables().map(str::to_owned).collect::<Vec<_>>())
            .collect()
    }
}

/// A leading schema URN ends at the last `:` before the first `[` (URNs hold `:` and `.`);
/// returns it and where the rest of the path starts.
fn split_urn(text: &str) -> Result<(Option<String>, usize), Diagnostic> {
    let is_urn = text
        .get(..4)
        .is_some_and(|s| s.eq_ignore_ascii_case("urn:"));
    let head = text.split('[').next().unwrap_or(text);
    let Some(colon) = head.rfind(':').filter(|_| is_urn) else {
        return Ok((None, 0));
    };
    let first_name_end = text[colon + 1..]
        .find(['.', '['])
        .map_or(text.len(), |at| colon + 1 + at);
    let mut warnings = Vec::new();
    attr_path_from_word(
        &text[..first_name_end],
        0,
        ParseOptions::lenient(),
        &mut warnings,
    )?;
    Ok((Some(text[..colon].to_owned()), colon + 1))
}

/// One `.`-separated part: a name, then any number of `[N]` or `[filter]`.
fn part(text: &str, offset: usize, steps: &mut Vec<PathStep>) -> Result<(), Diagnostic> {
    let name_end = text.find('[').unwrap_or(text.len());
    let name = &text[..name_end];
    if let Some(colon) = name.find(':') {
        return Err(Diagnostic::new(
            "unexpected `:` in attribute name",
            Span::new(offset + colon, offset + colon + 1),
        )
        .with_hint("a schema URN comes first: `urn:...:User:name.familyName`"));
    }
    let mut warnings = Vec::new();
    let attr = attr_path_from_word(name, offset, ParseOptions::lenient(), &mut warnings)?;
    steps.push(PathStep::Attr(attr.name));
    let mut at = name_end;
    while at < text.len() {
        if !text[at..].starts_with('[') {
            let found = text[at..].chars().next().unwrap_or(' ');
            return Err(Diagnostic::new(
                format!("unexpected `{found}` after `]`; expected `.`, `[` or the end"),
                Span::new(offset + at, offset + at + found.len_utf8()),
            ));
        }
        let close = closing_bracket(&text[at..]).ok_or_else(|| {
            Diagnostic::new(
                "`[` without a closing `]`",
                Span::new(offset + at, offset + at + 1),
            )
        })?;
        steps.push(bracket(&text[at + 1..at + close], offset + at + 1)?);
        at += close + 1;
    }
    Ok(())
}

/// The offset of the `]` closing the `[` that `text` starts with, outside JSON strings.
fn closing_bracket(text: &str) -> Option<usize> {
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
            ']' if depth == 1 => return Some(index),
            ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// `[3]` or `[filter]`.
fn bracket(inner: &str, offset: usize) -> Result<PathStep, Diagnostic> {
    let trimmed = inner.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return trimmed.parse().map(PathStep::Index).map_err(|_| {
            Diagnostic::new(
                "the index is too large",
                Span::new(offset, offset + inner.len()),
            )
        });
    }
    if trimmed.is_empty() {
        return Err(Diagnostic::new(
            "expected an index or a filter inside `[]`",
            Span::at(offset),
        ));
    }
    parse_filter(inner)
        .map(PathStep::Where)
        .map_err(|mut diagnostic| {
            diagnostic.span =
                Span::new(offset + diagnostic.span.start, offset + diagnostic.span.end);
            diagnostic
        })
}

/// Every string value a filter compares with, depth first.
fn filter_strings<'a>(filter: &'a Filter, out: &mut Vec<&'a str>) {
    match filter {
        Filter::Compare(_, _, CompValue::String(text)) => out.push(text),
        Filter::Compare(..) | Filter::Present(_) => {}
        Filter::Not(inner) | Filter::ValuePath(_, inner) => filter_strings(inner, out),
        Filter::And(left, right) | Filter::Or(left, right) => {
            filter_strings(left, out);
            filter_strings(right, out);
        }
    }
}

/// The filter with `render` applied to every string it compares with (variables filled in).
pub fn render_filter<E>(
    filter: &Filter,
    render: &impl Fn(&str) -> Result<String, E>,
) -> Result<Filter, E> {
    let boxed = |inner: &Filter| render_filter(inner, render).map(Box::new);
    Ok(match filter {
        Filter::Compare(path, op, CompValue::String(text)) => {
            Filter::Compare(path.clone(), *op, CompValue::String(render(text)?))
        }
        Filter::Compare(..) | Filter::Present(_) => filter.clone(),
        Filter::Not(inner) => Filter::Not(boxed(inner)?),
        Filter::ValuePath(path, inner) => Filter::ValuePath(path.clone(), boxed(inner)?),
        Filter::And(left, right) => Filter::And(boxed(left)?, boxed(right)?),
        Filter::Or(left, right) => Filter::Or(boxed(left)?, boxed(right)?),
    })
}

/// A JSON pointer (RFC 6901): empty, or `/` tokens where `~` escapes only `0` and `1`.
pub(crate) fn check_pointer(text: &str) -> Result<(), Diagnostic> {
    if !text.is_empty() && !text.starts_with('/') {
        return Err(Diagnostic::new(
            "a JSON pointer starts with `/`",
            Span::at(0),
        ));
    }
    let bytes = text.as_bytes();
    for (at, byte) in bytes.iter().enumerate() {
        if *byte == b'~' && !matches!(bytes.get(at + 1), Some(b'0' | b'1')) {
            return Err(Diagnostic::new(
                "`~` in a JSON pointer is `~0` (a `~`) or `~1` (a `/`)",
                Span::new(at, at + 1),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::filter::CompareOp;

    fn steps(text: &str) -> Vec<PathStep> {
        SelectorPath::parse(text)
            .unwrap_or_else(|e| panic!("{text}: {}", e.render(text)))
            .steps
    }

    fn error(text: &str) -> String {
        SelectorPath::parse(text)
            .map(|_| String::new())
            .unwrap_or_else(|e| e.render(text))
    }

    #[test]
    fn names_indexes_and_filters_become_steps() {
        assert_eq!(
            steps("Resources[0].name.familyName"),
            [
                PathStep::Attr("Resources".into()),
                PathStep::Index(0),
                PathStep::Attr("name".into()),
                PathStep::Attr("familyName".into()),
            ]
        );
        let [
            PathStep::Attr(name),
            PathStep::Where(filter),
            PathStep::Attr(id),
        ] = &steps(r#"Resources[name eq "a.b]c"].id"#)[..]
        else {
            panic!("three steps");
        };
        assert_eq!((name.as_str(), id.as_str()), ("Resources", "id"));
        assert!(
            matches!(filter, Filter::Compare(_, CompareOp::Eq, CompValue::String(v)) if v == "a.b]c")
        );
    }

    #[test]
    fn a_leading_urn_is_split_at_its_last_colon() {
        let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let path = SelectorPath::parse(&format!("{urn}:manager.value")).unwrap();
        assert_eq!(path.urn(), Some(urn));
        assert_eq!(
            path.steps(),
            [
                PathStep::Attr("manager".into()),
                PathStep::Attr("value".into())
            ]
        );
        let whole = SelectorPath::parse(urn).unwrap();
        assert_eq!(whole.steps(), [PathStep::Attr("User".into())]);
        assert_eq!(whole.text(), urn);
    }

    #[test]
    fn a_typo_is_an_error_pointing_at_it() {
        assert_eq!(
            error(r#"Resources[name eqq "User"].id"#),
            "expected a comparison operator after `name`, found `eqq`\n  \
             Resources[name eqq \"User\"].id\n                 ^^^\n\
             hint: did you mean `eq`?"
        );
        assert!(error("emails[type eq").starts_with("`[` without a closing `]`"));
        assert!(error("meta..location").starts_with("empty attribute path"));
        assert!(error("emails[0]x").starts_with("unexpected `x` after `]`"));
        assert!(error("emails[]").starts_with("expected an index or a filter"));
        assert!(error("name:given").starts_with("unexpected `:`"));
    }

    #[test]
    fn variables_in_filter_values_are_found_and_rendered() {
        let path = SelectorPath::parse(r#"members[value eq "{{first}}"].display"#).unwrap();
        assert_eq!(path.variables(), ["first"]);
        let PathStep::Where(filter) = &path.steps()[1] else {
            panic!("a filter");
        };
        let rendered =
            render_filter(filter, &|text| Ok::<_, ()>(text.replace("{{first}}", "42"))).unwrap();
        assert!(matches!(rendered, Filter::Compare(_, _, CompValue::String(v)) if v == "42"));
    }

    #[test]
    fn a_pointer_escapes_only_tilde_zero_and_one() {
        assert!(check_pointer("/Resources/0/a~1b").is_ok());
        assert!(check_pointer("Resources").is_err());
        assert_eq!(check_pointer("/a~2").unwrap_err().span, Span::new(2, 3));
    }
}
