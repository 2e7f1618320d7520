//! Reading a suite file: TOML into span-keeping raw types, then validated into the model, with
//! file, line and column on every refusal. Nothing is left to fail at run time.

mod assertion;
mod bind;
mod idp;
mod raw;
mod step;
mod templates;

pub use idp::load_idp;

use std::collections::HashSet;
use std::ops::Range;

use toml::Spanned;

use super::{
    CAPABILITIES, Check, Deviation, Level, OKTA_FEATURES, Requirement, Suite, SuiteError, Template,
};
use crate::scim::diag::Diagnostic;
use crate::scim::model::ENTERPRISE_USER_SCHEMA;
use raw::{RawCheck, RawFile};
use templates::Templates;

/// Variables every check has without capturing them (documented in `testsuites/README.md`).
const BUILTIN_VARIABLES: &[&str] = &["unique", "run_id"];

/// Variable families with a free-form suffix: `{{random.NAME}}`, `{{uuid.NAME}}`.
const BUILTIN_FAMILIES: &[&str] = &["random.", "uuid."];

/// Keys the format no longer has, and what to write instead.
const RENAMED_KEYS: &[(&str, &str)] = &[
    ("absent", "`absent = true` is now `exists = false`"),
    (
        "present",
        "a header's `present = true|false` is now `exists = true|false`",
    ),
];

/// Positions in the text, for diagnostics.
struct Source<'a> {
    origin: &'a str,
    text: &'a str,
}

impl Source<'_> {
    fn error(&self, span: Range<usize>, message: impl Into<String>) -> SuiteError {
        let offset = span.start.min(self.text.len());
        let before = self.text.get(..offset).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before
            .get(line_start..)
            .map_or(1, |s| s.chars().count() + 1);
        let source_line = self
            .text
            .get(line_start..)
            .and_then(|rest| rest.lines().next())
            .unwrap_or("")
            .to_owned();
        SuiteError {
            origin: self.origin.to_owned(),
            line,
            column,
            message: message.into(),
            source_line,
            hint: None,
        }
    }

    fn line_of(&self, span: &Range<usize>) -> usize {
        self.error(span.clone(), "").line
    }

    /// A diagnostic about the text of a string value written at `span` (quotes included):
    /// the caret goes under the offending character when the string is written without
    /// escapes, else under its opening quote.
    fn inside(&self, span: Range<usize>, value: &str, diagnostic: Diagnostic) -> SuiteError {
        let written = self.text.get(span.clone()).unwrap_or("");
        let plain = written.len() == value.len() + 2 && written.get(1..=value.len()) == Some(value);
        let at = if plain {
            span.start + 1 + diagnostic.span.start.min(value.len())
        } else {
            span.start
        };
        SuiteError {
            hint: diagnostic.hint,
            ..self.error(at..at, diagnostic.message)
        }
    }

    /// A TOML or key error, with a hint for a misspelt or renamed key.
    fn toml(&self, error: &toml::de::Error, fallback: Range<usize>) -> SuiteError {
        let message = error.message().trim();
        let span = error.span().unwrap_or(fallback);
        let refused = backticked(message);
        let names_a_key =
            message.starts_with("unknown field") || message.starts_with("unknown variant");
        let hint = refused.filter(|_| names_a_key).and_then(|word| {
            RENAMED_KEYS
                .iter()
                .find(|(key, _)| *key == word && message.starts_with("unknown field"))
                .map(|(_, hint)| (*hint).to_owned())
                .or_else(|| did_you_mean(word, &expected(message)))
        });
        SuiteError {
            hint,
            ..self.error(span, message.to_owned())
        }
    }
}

/// The first `word` in backticks of a serde message (`unknown field `coutn`, expected ...`).
fn backticked(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once('`')?;
    rest.split_once('`').map(|(word, _)| word)
}

/// The names a serde message lists after `expected`.
fn expected(message: &str) -> Vec<&str> {
    let Some((_, list)) = message.split_once("expected") else {
        return Vec::new();
    };
    list.split('`').skip(1).step_by(2).collect()
}

/// `did you mean `x`?` for a name close to one of `known`: one it begins, or the nearest by
/// edit distance when that is a likely typo.
fn did_you_mean(word: &str, known: &[&str]) -> Option<String> {
    let prefixed: Vec<&str> = known
        .iter()
        .filter(|name| word.len() >= 3 && name.starts_with(word))
        .copied()
        .collect();
    let near = if prefixed.is_empty() {
        let close = crate::scim::suggest::closest(word, known);
        let nearest = close.first().map(|name| strsim::levenshtein(word, name));
        close
            .into_iter()
            .filter(|name| Some(strsim::levenshtein(word, name)) == nearest)
            .collect()
    } else {
        prefixed
    };
    (!near.is_empty()).then(|| format!("did you mean `{}`?", near.join("`, `")))
}

/// Parses and validates a suite file. `origin` (a file name or a built-in suite's name) only
/// labels diagnostics.
pub fn parse_suite(origin: &str, text: &str) -> Result<Suite, SuiteError> {
    let source = Source { origin, text };
    let raw: RawFile = toml::from_str(text).map_err(|e| source.toml(&e, 0..0))?;
    let name = raw.suite.name.get_ref().clone();
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !name_ok {
        return Err(source.error(
            raw.suite.name.span(),
            format!("suite name `{name}` must be lowercase letters, digits and `-`"),
        ));
    }
    let templates = Templates::new(raw.templates)?;
    let mut checks = Vec::with_capacity(raw.check.len());
    for spanned in raw.check {
        let span = spanned.span();
        checks.push(check(&source, &templates, spanned.into_inner(), span)?);
    }
    let mut seen = HashSet::new();
    for check in &checks {
        if !seen.insert(check.id.as_str()) {
            return Err(source.error(
                offset_of_line(text, check.line),
                format!("duplicate check id `{}`: ids must be unique", check.id),
            ));
        }
    }
    Ok(Suite {
        name,
        title: raw.suite.title,
        description: raw.suite.description,
        checks,
    })
}

fn offset_of_line(text: &str, line: usize) -> Range<usize> {
    let offset = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    offset..offset
}

fn check(
    source: &Source<'_>,
    templates: &Templates,
    raw: RawCheck,
    span: Range<usize>,
) -> Result<Check, SuiteError> {
    let id = raw.id.get_ref().trim().to_owned();
    if id.is_empty() || id.chars().any(char::is_whitespace) {
        return Err(source.error(
            raw.id.span(),
            "a check id must be non-empty and without spaces",
        ));
    }
    let level = level(source, raw.level.get_ref(), raw.level.span())?;
    let requires = raw
        .requires
        .iter()
        .map(|r| requirement(r.get_ref()).map_err(|message| source.error(r.span(), message)))
        .collect::<Result<Vec<_>, _>>()?;
    if raw.step.is_empty() {
        return Err(source.error(
            raw.id.span(),
            format!("check `{id}` has no steps; add at least one [[check.step]]"),
        ));
    }
    let mut defined: HashSet<String> = HashSet::new();
    let mut steps = Vec::with_capacity(raw.setup.len() + raw.step.len());
    for spanned in raw.setup {
        steps.push(templates.step(source, spanned, true, &mut defined)?);
    }
    for spanned in raw.step {
        steps.push(templates.step(source, spanned, false, &mut defined)?);
    }
    let deviation = raw
        .deviation
        .as_ref()
        .map(|d| deviation(source, d))
        .transpose()?;
    Ok(Check {
        id,
        title: raw.title,
        rfc: raw.rfc,
        level,
        tags: raw.tags,
        requires,
        message: raw.message,
        deviation,
        steps,
        line: source.line_of(&span),
    })
}

fn level(source: &Source<'_>, text: &str, span: Range<usize>) -> Result<Level, SuiteError> {
    Level::parse(text).ok_or_else(|| {
        source.error(
            span,
            format!(
                "unknown level `{text}`; expected MUST, SHOULD, MAY, interop:okta or interop:entra"
            ),
        )
    })
}

/// A deviation key of the findings catalogue, with the nearest key as a hint for a misspelt
/// one: a key nobody can group by is a mistake in the suite, refused like any other.
fn deviation(source: &Source<'_>, key: &Spanned<String>) -> Result<Deviation, SuiteError> {
    Deviation::from_key(key.get_ref()).ok_or_else(|| {
        let known: Vec<&str> = Deviation::ALL.iter().map(|d| d.key()).collect();
        SuiteError {
            hint: did_you_mean(key.get_ref(), &known).or_else(|| {
                Some(
                    "the keys are those of the findings catalogue (`src/findings/catalogue.rs`), \
                     as `scimctl lint` and `scimctl doctor` print them"
                        .to_owned(),
                )
            }),
            ..source.error(key.span(), format!("unknown deviation `{}`", key.get_ref()))
        }
    })
}

fn requirement(text: &str) -> Result<Requirement, String> {
    if let Some(feature) = text.strip_prefix("okta:") {
        return match OKTA_FEATURES
            .iter()
            .find(|f| f.eq_ignore_ascii_case(feature))
        {
            Some(known) => Ok(Requirement::OktaFeature((*known).to_owned())),
            None => Err(format!(
                "unknown Okta feature `{feature}`; expected one of {}",
                OKTA_FEATURES.join(", ")
            )),
        };
    }
    if let Some(attribute) = text.strip_prefix("attribute:") {
        return match attribute.split_once('.') {
            Some((resource_type, path))
                if !resource_type.is_empty()
                    && !path.is_empty()
                    && path.split('.').all(|part| {
                        !part.is_empty() && part.chars().all(char::is_alphanumeric)
                    }) =>
            {
                Ok(Requirement::Attribute {
                    resource_type: resource_type.to_owned(),
                    path: path.to_owned(),
                })
            }
            _ => Err(format!(
                "`{text}` names no attribute; expected `attribute:RESOURCETYPE.ATTRIBUTE`, such \
                 as `attribute:User.nickName` or `attribute:User.name.givenName`"
            )),
        };
    }
    if let Some(known) = CAPABILITIES.iter().find(|c| c.eq_ignore_ascii_case(text)) {
        return Ok(Requirement::Capability((*known).to_owned()));
    }
    if text.eq_ignore_ascii_case("enterprise") {
        return Ok(Requirement::Extension(ENTERPRISE_USER_SCHEMA.to_owned()));
    }
    if text.starts_with(|c: char| c.is_ascii_uppercase()) && text.chars().all(char::is_alphanumeric)
    {
        return Ok(Requirement::ResourceType(text.to_owned()));
    }
    Err(format!(
        "unknown requirement `{text}`; expected a capability ({}), a resource type such as \
         `User`, `enterprise`, `attribute:User.nickName`, or `okta:FEATURE`",
        CAPABILITIES.join(", ")
    ))
}

/// A template whose variables are all known: built in, or captured by an earlier step.
fn template(
    source: &Source<'_>,
    text: &str,
    span: Range<usize>,
    defined: &HashSet<String>,
) -> Result<Template, SuiteError> {
    let parsed =
        Template::parse(text).map_err(|(message, _)| source.error(span.clone(), message))?;
    known_variables(source, parsed.variables(), span, defined)?;
    Ok(parsed)
}

fn known_variables<'v>(
    source: &Source<'_>,
    names: impl IntoIterator<Item = &'v str>,
    span: Range<usize>,
    defined: &HashSet<String>,
) -> Result<(), SuiteError> {
    for name in names {
        let known = BUILTIN_VARIABLES.contains(&name)
            || BUILTIN_FAMILIES
                .iter()
                .any(|family| name.len() > family.len() && name.starts_with(family))
            || defined.contains(name);
        if !known {
            return Err(source.error(
                span,
                format!(
                    "unknown variable `{{{{{name}}}}}`: not built in ({}, random.NAME, \
                     uuid.NAME) and not captured by an earlier step",
                    BUILTIN_VARIABLES.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Checks every string inside a JSON value as a template.
fn json_templates(
    source: &Source<'_>,
    value: &serde_json::Value,
    span: &Range<usize>,
    defined: &HashSet<String>,
    depth: usize,
) -> Result<(), SuiteError> {
    if depth > 64 {
        return Err(source.error(span.clone(), "the body is nested more than 64 levels deep"));
    }
    match value {
        serde_json::Value::String(text) => template(source, text, span.clone(), defined).map(drop),
        serde_json::Value::Array(items) => items
            .iter()
            .try_for_each(|v| json_templates(source, v, span, defined, depth + 1)),
        serde_json::Value::Object(map) => map
            .values()
            .try_for_each(|v| json_templates(source, v, span, defined, depth + 1)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_key_gets_the_nearest_name_and_a_renamed_one_its_new_spelling() {
        let known = ["path", "filter", "count", "total"];
        assert_eq!(
            did_you_mean("coutn", &known).as_deref(),
            Some("did you mean `count`?")
        );
        assert_eq!(
            did_you_mean("desc", &["ascending", "descending"]).as_deref(),
            Some("did you mean `descending`?")
        );
        assert_eq!(did_you_mean("zzzzzzzz", &known), None);
        let message = "unknown field `coutn`, expected one of `path`, `filter`, `count`, `total`";
        assert_eq!(backticked(message), Some("coutn"));
        assert_eq!(expected(message), known);
    }

    #[test]
    fn a_deviation_is_read_on_a_check_a_step_and_an_assertion_and_a_template_passes_its_on() {
        let text = r#"
[suite]
name = "t"
title = "T"

[templates.lookup]
method = "GET"
path = "/Users"
status = 200
deviation = "filter-no-match-error"

[[check]]
id = "t.c"
title = "t"
rfc = "-"
level = "MUST"
deviation = "filter-misses-existing"
step = [
  { use = "lookup", expect = [{ path = "totalResults", equals = 0, deviation = "filter-eq-not-exact" }] },
  { use = "lookup", deviation = "raw-query-refused", expect = [{ header = "Content-Type", media_type = "application/scim+json" }] },
]
"#;
        let suite = parse_suite("t.toml", text).unwrap_or_else(|e| panic!("{e}"));
        let check = &suite.checks[0];
        assert_eq!(check.deviation, Some(Deviation::FilterMissesExisting));
        let [first, second] = check.steps.as_slice() else {
            panic!("two steps");
        };
        assert_eq!(first.deviation, Some(Deviation::FilterNoMatchError));
        assert_eq!(first.expect[0].deviation, Some(Deviation::FilterEqNotExact));
        assert_eq!(second.deviation, Some(Deviation::RawQueryRefused));
        assert_eq!(second.expect[0].deviation, None, "none is written");
        assert_eq!(
            second.expect[0].kind.implied_deviation(),
            Some(Deviation::ResponseNotScimJson),
            "a SCIM answer labelled otherwise can only mean one thing"
        );
        assert_eq!(first.expect[0].kind.implied_deviation(), None);
    }
}
