//! An assertion as written, validated into an [`Assertion`]: one subject (header, selector or
//! typed built-in) and one test. Errors point into the file; nothing is evaluated here.

use std::collections::HashSet;
use std::ops::Range;

use serde_json::Value;
use toml::Spanned;

use super::raw::RawAssertion;
use super::{Source, deviation, did_you_mean, json_templates, known_variables, level, template};
use crate::scim::diag::{Diagnostic, Span};
use crate::suite::selector::check_pointer;
use crate::suite::{
    Assertion, AssertionKind, Builtin, JsonType, Selector, SelectorPath, SuiteError, Template,
};

/// The tests an assertion may hold, in the order they are named in messages.
const PATH_TESTS: &str = "equals, not_equals, is_not, equals_ci, contains, exists, type or count";
const HEADER_TESTS: &str = "exists, equals, not_equals, contains or media_type";

pub(super) fn assertion(
    source: &Source<'_>,
    raw: RawAssertion,
    span: Range<usize>,
    defined: &HashSet<String>,
) -> Result<Assertion, SuiteError> {
    let err = |message: String| source.error(span.clone(), message);
    let level = match &raw.level {
        None => None,
        Some(text) => Some(level(source, text, span.clone())?),
    };
    let subjects = [
        raw.header.is_some(),
        raw.path.is_some(),
        raw.builtin.is_some(),
    ];
    if subjects.iter().filter(|s| **s).count() != 1 {
        return Err(err(
            "an assertion names exactly one of `header`, `path` or `builtin`".to_owned(),
        ));
    }
    let tests = tests_named(&raw);
    let kind = if let Some(name) = &raw.builtin {
        if !tests.is_empty() {
            return Err(err(format!(
                "a builtin assertion takes its arguments in `with = {{ ... }}`, not `{}`",
                tests.join("`, `")
            )));
        }
        AssertionKind::Builtin(builtin(source, name, raw.with.as_ref(), defined)?)
    } else {
        if raw.with.is_some() {
            return Err(err("`with` belongs to builtin assertions only".to_owned()));
        }
        let [test] = tests.as_slice() else {
            return Err(err(if tests.is_empty() {
                format!(
                    "an assertion needs one test: {PATH_TESTS} (on a path) or {HEADER_TESTS} \
                     (on a header)"
                )
            } else {
                format!(
                    "an assertion has exactly one test; this one has `{}`",
                    tests.join("`, `")
                )
            }));
        };
        match (&raw.header, &raw.path) {
            (Some(name), _) => header_test(source, test, name, &raw, &span, defined)?,
            (None, Some(path)) => path_test(source, test, path, &raw, &span, defined)?,
            (None, None) => unreachable!("one subject was counted"),
        }
    };
    Ok(Assertion {
        kind,
        level,
        message: raw.message,
        deviation: raw
            .deviation
            .as_ref()
            .map(|d| deviation(source, d))
            .transpose()?,
        when_status: raw.when_status,
        line: source.line_of(&span),
    })
}

/// The tests an assertion names.
fn tests_named(raw: &RawAssertion) -> Vec<&'static str> {
    [
        ("equals", raw.equals.is_some()),
        ("not_equals", raw.not_equals.is_some()),
        ("is_not", raw.is_not.is_some()),
        ("equals_ci", raw.equals_ci.is_some()),
        ("contains", raw.contains.is_some()),
        ("media_type", raw.media_type.is_some()),
        ("exists", raw.exists.is_some()),
        ("type", raw.json_type.is_some()),
        ("count", raw.count.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect()
}

fn header_test(
    source: &Source<'_>,
    test: &str,
    header: &Spanned<String>,
    raw: &RawAssertion,
    span: &Range<usize>,
    defined: &HashSet<String>,
) -> Result<AssertionKind, SuiteError> {
    let Selector::Header(name) = header_name(source, header.get_ref(), header.span())? else {
        unreachable!("a header name is a header selector");
    };
    let err = |message: String| source.error(span.clone(), message);
    Ok(match test {
        "exists" => AssertionKind::HeaderExists {
            name,
            exists: raw.exists.unwrap_or(true),
        },
        "equals" | "not_equals" | "contains" => {
            let value = raw
                .equals
                .as_ref()
                .or(raw.not_equals.as_ref())
                .or(raw.contains.as_ref());
            let Some(Value::String(text)) = value else {
                return Err(err(format!("a header's `{test}` takes a string")));
            };
            let value = template(source, text, span.clone(), defined)?;
            match test {
                "equals" => AssertionKind::HeaderEquals { name, value },
                "not_equals" => AssertionKind::HeaderNotEquals { name, value },
                _ => AssertionKind::HeaderContains { name, value },
            }
        }
        "media_type" => AssertionKind::MediaType {
            name,
            media_type: raw.media_type.clone().unwrap_or_default(),
        },
        other => {
            return Err(err(format!(
                "`{other}` does not apply to a header; use {HEADER_TESTS}"
            )));
        }
    })
}

fn path_test(
    source: &Source<'_>,
    test: &str,
    path: &Spanned<String>,
    raw: &RawAssertion,
    span: &Range<usize>,
    defined: &HashSet<String>,
) -> Result<AssertionKind, SuiteError> {
    let selector = selector(source, path.get_ref(), path.span(), defined)?;
    let err = |message: String| source.error(span.clone(), message);
    let json = |value: &Option<Value>| -> Result<Value, SuiteError> {
        let value = value.clone().unwrap_or(Value::Null);
        json_templates(source, &value, span, defined, 0)?;
        Ok(value)
    };
    Ok(match test {
        "equals" => AssertionKind::Equals {
            selector,
            value: json(&raw.equals)?,
        },
        "not_equals" => AssertionKind::NotEquals {
            selector,
            value: json(&raw.not_equals)?,
        },
        "is_not" => AssertionKind::IsNot {
            selector,
            value: json(&raw.is_not)?,
        },
        "equals_ci" => AssertionKind::EqualsCi {
            selector,
            value: template(
                source,
                raw.equals_ci.as_deref().unwrap_or_default(),
                span.clone(),
                defined,
            )?,
        },
        "contains" => AssertionKind::Contains {
            selector,
            value: json(&raw.contains)?,
        },
        "exists" => AssertionKind::Exists {
            selector,
            exists: raw.exists.unwrap_or(true),
        },
        "type" => {
            let text = raw.json_type.as_deref().unwrap_or_default();
            let json_type = JsonType::parse(text).ok_or_else(|| {
                err(format!(
                    "unknown JSON type `{text}`; expected string, number, integer, boolean, \
                     array, object, null or dateTime"
                ))
            })?;
            AssertionKind::Type {
                selector,
                json_type,
            }
        }
        "count" => AssertionKind::Count {
            selector,
            count: raw.count.unwrap_or(0),
        },
        other => {
            return Err(err(format!(
                "`{other}` does not apply to a path; use {PATH_TESTS}"
            )));
        }
    })
}

/// A header name, as RFC 9110 §5.1 allows it (a token).
pub(super) fn header_name(
    source: &Source<'_>,
    name: &str,
    span: Range<usize>,
) -> Result<Selector, SuiteError> {
    let is_token_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    match name.char_indices().find(|(_, c)| !is_token_char(*c)) {
        _ if name.is_empty() => Err(source.error(span, "a header name cannot be empty")),
        Some((at, c)) => Err(source.inside(
            span,
            name,
            Diagnostic::new(
                format!("`{}` cannot be part of a header name", c.escape_debug()),
                Span::at(at),
            ),
        )),
        None => Ok(Selector::Header(name.to_owned())),
    }
}

/// A selector for a body value: a `/pointer` (the empty one, `""`, is the whole body) or a
/// SCIM-style path, parsed now; the variables it reads must be known, as in any template.
pub(super) fn selector(
    source: &Source<'_>,
    text: &str,
    span: Range<usize>,
    defined: &HashSet<String>,
) -> Result<Selector, SuiteError> {
    if let Some(name) = text.strip_prefix("header:") {
        return Err(SuiteError {
            hint: Some(format!("write `{{ header = \"{}\" }}`", name.trim())),
            ..source.error(
                span,
                "a header is read with `header = \"NAME\"`, not `header:NAME`",
            )
        });
    }
    let selector = if text.is_empty() || text.starts_with('/') {
        check_pointer(text).map_err(|d| source.inside(span.clone(), text, d))?;
        template(source, text, span.clone(), defined)?;
        Selector::Pointer(text.to_owned())
    } else {
        let path = SelectorPath::parse(text).map_err(|d| source.inside(span.clone(), text, d))?;
        Selector::Path(path)
    };
    let variables = selector.variables();
    known_variables(source, variables.iter().map(String::as_str), span, defined)?;
    Ok(selector)
}

/// A built-in by name, with its typed arguments; templates among them must use known
/// variables.
fn builtin(
    source: &Source<'_>,
    name: &Spanned<String>,
    with: Option<&Spanned<toml::Table>>,
    defined: &HashSet<String>,
) -> Result<Builtin, SuiteError> {
    let args = with.map(|w| w.get_ref().clone()).unwrap_or_default();
    let Some(parsed) = Builtin::parse(name.get_ref(), args) else {
        return Err(SuiteError {
            hint: did_you_mean(name.get_ref(), Builtin::NAMES),
            ..source.error(
                name.span(),
                format!(
                    "unknown builtin assertion `{}`; expected one of {}",
                    name.get_ref(),
                    Builtin::NAMES.join(", ")
                ),
            )
        });
    };
    let with_span = with.map_or(name.span(), Spanned::span);
    let builtin = parsed.map_err(|error| {
        let message = error.message().trim();
        // Point at the key or value the message names, inside `with`.
        let at = super::backticked(message)
            .and_then(|word| {
                let written = source.text.get(with_span.clone())?;
                written.find(word).map(|at| with_span.start + at)
            })
            .unwrap_or(with_span.start);
        SuiteError {
            hint: super::backticked(message)
                .and_then(|word| did_you_mean(word, &super::expected(message))),
            ..source.error(at..at, format!("`{}`: {message}", name.get_ref()))
        }
    })?;
    let templates: Vec<&Template> = builtin.templates();
    known_variables(
        source,
        templates.iter().flat_map(|t| t.variables()),
        with_span,
        defined,
    )?;
    Ok(builtin)
}
