//! Reading a suite file: TOML into raw serde types that keep spans, then validated into the
//! model. Every refusal names the file, line and column, with the offending line shown.

use std::collections::HashSet;
use std::ops::Range;

use serde::Deserialize;
use serde_json::{Map, Value};
use toml::Spanned;

use super::{
    Assertion, AssertionKind, BUILTINS, Body, CAPABILITIES, Check, JsonType, Level, Method,
    OKTA_FEATURES, Requirement, Selector, Step, Suite, SuiteError, Template,
};
use crate::scim::model::ENTERPRISE_USER_SCHEMA;

/// Variables every check has without capturing them (documented in `testsuites/README.md`).
const BUILTIN_VARIABLES: &[&str] = &["unique", "run_id"];

/// Variable families with a free-form suffix: `{{random.NAME}}`, `{{uuid.NAME}}`.
const BUILTIN_FAMILIES: &[&str] = &["random.", "uuid."];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    suite: RawHeader,
    #[serde(default)]
    check: Vec<Spanned<RawCheck>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: Spanned<String>,
    title: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    id: Spanned<String>,
    title: String,
    rfc: String,
    level: Spanned<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    requires: Vec<Spanned<String>>,
    message: Option<String>,
    #[serde(default)]
    step: Vec<Spanned<RawStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    method: Spanned<String>,
    path: Option<Spanned<String>>,
    target: Option<Spanned<String>>,
    #[serde(default)]
    query: Map<String, Value>,
    #[serde(default)]
    headers: Map<String, Value>,
    body: Option<Value>,
    body_json: Option<Spanned<String>>,
    body_raw: Option<Spanned<String>>,
    #[serde(default = "yes")]
    auth: bool,
    #[serde(default)]
    settle: bool,
    #[serde(default)]
    skip_if_filter_declined: bool,
    #[serde(default)]
    setup: bool,
    status: Option<Spanned<StatusSpec>>,
    #[serde(default)]
    expect: Vec<Spanned<RawAssertion>>,
    #[serde(default)]
    capture: Map<String, Value>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StatusSpec {
    One(u16),
    Many(Vec<u16>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssertion {
    header: Option<String>,
    path: Option<String>,
    builtin: Option<String>,
    with: Option<Map<String, Value>>,
    present: Option<bool>,
    equals: Option<Value>,
    not_equals: Option<Value>,
    is_not: Option<Value>,
    equals_ci: Option<String>,
    contains: Option<Value>,
    media_type: Option<String>,
    exists: Option<bool>,
    absent: Option<bool>,
    #[serde(rename = "type")]
    json_type: Option<String>,
    count: Option<usize>,
    level: Option<String>,
    message: Option<String>,
}

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
        }
    }

    fn line_of(&self, span: &Range<usize>) -> usize {
        self.error(span.clone(), "").line
    }
}

/// Parses and validates a suite file. `origin` (a file name or a built-in suite's name) only
/// labels diagnostics.
pub fn parse_suite(origin: &str, text: &str) -> Result<Suite, SuiteError> {
    let source = Source { origin, text };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        source.error(span, e.message().trim().to_owned())
    })?;
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
    let mut seen = HashSet::new();
    let mut checks = Vec::with_capacity(raw.check.len());
    for spanned in raw.check {
        let span = spanned.span();
        let check = check(&source, spanned.into_inner(), span)?;
        checks.push(check);
    }
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

fn check(source: &Source<'_>, raw: RawCheck, span: Range<usize>) -> Result<Check, SuiteError> {
    let id = raw.id.get_ref().trim().to_owned();
    if id.is_empty() || id.chars().any(char::is_whitespace) {
        return Err(source.error(
            raw.id.span(),
            "a check id must be non-empty and without spaces",
        ));
    }
    let level = Level::parse(raw.level.get_ref()).ok_or_else(|| {
        source.error(
            raw.level.span(),
            format!(
                "unknown level `{}`; expected MUST, SHOULD, MAY, interop:okta or interop:entra",
                raw.level.get_ref()
            ),
        )
    })?;
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
    let mut steps = Vec::with_capacity(raw.step.len());
    for spanned in raw.step {
        let span = spanned.span();
        steps.push(step(source, spanned.into_inner(), span, &mut defined)?);
    }
    Ok(Check {
        id,
        title: raw.title,
        rfc: raw.rfc,
        level,
        tags: raw.tags,
        requires,
        message: raw.message,
        steps,
        line: source.line_of(&span),
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
         `User`, `enterprise`, or `okta:FEATURE`",
        CAPABILITIES.join(", ")
    ))
}

fn template(
    source: &Source<'_>,
    text: &str,
    span: Range<usize>,
    defined: &HashSet<String>,
) -> Result<Template, SuiteError> {
    let parsed =
        Template::parse(text).map_err(|(message, _)| source.error(span.clone(), message))?;
    for name in parsed.variables() {
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
    Ok(parsed)
}

/// Checks every string inside a JSON body as a template.
fn json_templates(
    source: &Source<'_>,
    value: &Value,
    span: &Range<usize>,
    defined: &HashSet<String>,
    depth: usize,
) -> Result<(), SuiteError> {
    if depth > 64 {
        return Err(source.error(span.clone(), "the body is nested more than 64 levels deep"));
    }
    match value {
        Value::String(text) => template(source, text, span.clone(), defined).map(drop),
        Value::Array(items) => items
            .iter()
            .try_for_each(|v| json_templates(source, v, span, defined, depth + 1)),
        Value::Object(map) => map
            .values()
            .try_for_each(|v| json_templates(source, v, span, defined, depth + 1)),
        _ => Ok(()),
    }
}

/// A step's `path`: below the base URL, without a query.
fn step_path(
    source: &Source<'_>,
    path: &Spanned<String>,
    defined: &HashSet<String>,
) -> Result<Template, SuiteError> {
    if !path.get_ref().starts_with('/') {
        return Err(source.error(
            path.span(),
            "a step path starts with `/` and is relative to the base URL, e.g. `/Users`",
        ));
    }
    if path.get_ref().contains('?') {
        return Err(source.error(
            path.span(),
            "put query parameters in `query = { ... }`, not in the path (or write the exact \
             request line in `target`)",
        ));
    }
    template(source, path.get_ref(), path.span(), defined)
}

/// A step's `target`, and its path part (which says whether the step writes): below the base
/// URL, and nothing that would break the request line.
fn step_target(
    source: &Source<'_>,
    target: &Spanned<String>,
    defined: &HashSet<String>,
) -> Result<(Template, Option<Template>), SuiteError> {
    let text = target.get_ref();
    if !text.starts_with('/') {
        return Err(source.error(
            target.span(),
            "a step target starts with `/` and is relative to the base URL, e.g. \
             `/Users?filter=userName+eq+\"x\"`",
        ));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(source.error(
            target.span(),
            "a target is sent byte for byte, so it cannot hold a space or a control character: \
             write a space as `+` or `%20`",
        ));
    }
    let path = text.split_once('?').map_or(text.as_str(), |(path, _)| path);
    Ok((
        template(source, path, target.span(), defined)?,
        Some(template(source, text, target.span(), defined)?),
    ))
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn step(
    source: &Source<'_>,
    raw: RawStep,
    span: Range<usize>,
    defined: &mut HashSet<String>,
) -> Result<Step, SuiteError> {
    let method = Method::parse(raw.method.get_ref()).ok_or_else(|| {
        source.error(
            raw.method.span(),
            format!(
                "unknown method `{}`; expected GET, HEAD, POST, PUT, PATCH or DELETE",
                raw.method.get_ref()
            ),
        )
    })?;
    let (path, target) = match (raw.path, raw.target) {
        (Some(path), None) => (step_path(source, &path, defined)?, None),
        (None, Some(target)) => {
            if !raw.query.is_empty() {
                return Err(source.error(
                    target.span(),
                    "a step with `target` writes its query in the target, not in `query`",
                ));
            }
            step_target(source, &target, defined)?
        }
        (Some(path), Some(_)) => {
            return Err(source.error(
                path.span(),
                "a step has `path` (encoded for you) or `target` (sent byte for byte), not both",
            ));
        }
        (None, None) => {
            return Err(source.error(
                span,
                "a step needs `path` (e.g. `/Users`) or `target` (the exact request-target)",
            ));
        }
    };
    let mut query = Vec::new();
    for (name, value) in &raw.query {
        let text = scalar_text(value).ok_or_else(|| {
            source.error(
                span.clone(),
                format!("query parameter `{name}` must be a string, number or boolean"),
            )
        })?;
        query.push((
            name.clone(),
            template(source, &text, span.clone(), defined)?,
        ));
    }
    let mut headers = Vec::new();
    for (name, value) in &raw.headers {
        let Value::String(text) = value else {
            return Err(source.error(span.clone(), format!("header `{name}` must be a string")));
        };
        headers.push((name.clone(), template(source, text, span.clone(), defined)?));
    }
    let bodies = [
        raw.body.is_some(),
        raw.body_json.is_some(),
        raw.body_raw.is_some(),
    ];
    if bodies.iter().filter(|b| **b).count() > 1 {
        return Err(source.error(
            span,
            "a step has at most one of `body`, `body_json` and `body_raw`",
        ));
    }
    let body = if let Some(value) = raw.body {
        json_templates(source, &value, &span, defined, 0)?;
        Some(Body::Json(value))
    } else if let Some(text) = raw.body_json {
        let value: Value = serde_json::from_str(text.get_ref()).map_err(|e| {
            source.error(
                text.span(),
                format!(
                    "`body_json` is not JSON: {e} (line {} of the JSON text)",
                    e.line()
                ),
            )
        })?;
        json_templates(source, &value, &text.span(), defined, 0)?;
        Some(Body::Json(value))
    } else if let Some(text) = raw.body_raw {
        Some(Body::Raw(template(
            source,
            text.get_ref(),
            text.span(),
            defined,
        )?))
    } else {
        None
    };
    let status = match raw.status {
        None => Vec::new(),
        Some(spec) => {
            let codes = match spec.get_ref() {
                StatusSpec::One(code) => vec![*code],
                StatusSpec::Many(codes) => codes.clone(),
            };
            if let Some(bad) = codes.iter().find(|c| !(100..=599).contains(*c)) {
                return Err(source.error(spec.span(), format!("{bad} is not an HTTP status code")));
            }
            codes
        }
    };
    if raw.setup && status.is_empty() {
        return Err(source.error(
            span,
            "a `setup` step needs `status`: the answers that mean the ground is ready",
        ));
    }
    let mut capture = Vec::new();
    for (name, value) in &raw.capture {
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let Value::String(text) = value else {
            return Err(source.error(
                span,
                format!("capture `{name}` must name where to read: a SCIM path, `/pointer` or `header:NAME`"),
            ));
        };
        if !valid || BUILTIN_VARIABLES.contains(&name.as_str()) {
            return Err(source.error(
                span,
                format!("`{name}` cannot be a variable name: use letters, digits and `_`, and not a built-in name"),
            ));
        }
        capture.push((name.clone(), selector(source, text, span.clone(), defined)?));
        defined.insert(name.clone());
    }
    let mut expect = Vec::with_capacity(raw.expect.len());
    for spanned in raw.expect {
        let span = spanned.span();
        expect.push(assertion(source, spanned.into_inner(), span, defined)?);
    }
    Ok(Step {
        method,
        path,
        target,
        query,
        headers,
        body,
        auth: raw.auth,
        settle: raw.settle,
        skip_if_filter_declined: raw.skip_if_filter_declined,
        setup: raw.setup,
        status,
        expect,
        capture,
        line: source.line_of(&span),
    })
}

/// Reads a selector; variables in a path or pointer must be known, as in any template.
fn selector(
    source: &Source<'_>,
    text: &str,
    span: Range<usize>,
    defined: &HashSet<String>,
) -> Result<Selector, SuiteError> {
    if let Some(name) = text.strip_prefix("header:") {
        return Ok(Selector::Header(name.trim().to_owned()));
    }
    template(source, text, span, defined)?;
    Ok(if text.starts_with('/') {
        Selector::Pointer(text.to_owned())
    } else {
        Selector::Path(text.to_owned())
    })
}

fn assertion(
    source: &Source<'_>,
    raw: RawAssertion,
    span: Range<usize>,
    defined: &HashSet<String>,
) -> Result<Assertion, SuiteError> {
    let err = |message: String| source.error(span.clone(), message);
    let level = match &raw.level {
        None => None,
        Some(text) => Some(Level::parse(text).ok_or_else(|| {
            err(format!(
                "unknown level `{text}`; expected MUST, SHOULD, MAY, interop:okta or interop:entra"
            ))
        })?),
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
    let tests: Vec<&str> = [
        ("present", raw.present.is_some()),
        ("equals", raw.equals.is_some()),
        ("not_equals", raw.not_equals.is_some()),
        ("is_not", raw.is_not.is_some()),
        ("equals_ci", raw.equals_ci.is_some()),
        ("contains", raw.contains.is_some()),
        ("media_type", raw.media_type.is_some()),
        ("exists", raw.exists.is_some()),
        ("absent", raw.absent.is_some()),
        ("type", raw.json_type.is_some()),
        ("count", raw.count.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    let kind = if let Some(name) = raw.builtin {
        if !tests.is_empty() {
            return Err(err(format!(
                "a builtin assertion takes its arguments in `with = {{ ... }}`, not `{}`",
                tests.join("`, `")
            )));
        }
        if !BUILTINS.iter().any(|(known, _)| *known == name) {
            let names: Vec<&str> = BUILTINS.iter().map(|(known, _)| *known).collect();
            return Err(err(format!(
                "unknown builtin assertion `{name}`; expected one of {}",
                names.join(", ")
            )));
        }
        let args = raw.with.unwrap_or_default();
        json_templates(source, &Value::Object(args.clone()), &span, defined, 0)?;
        AssertionKind::Builtin { name, args }
    } else {
        if raw.with.is_some() {
            return Err(err("`with` belongs to builtin assertions only".to_owned()));
        }
        let [test] = tests.as_slice() else {
            return Err(err(if tests.is_empty() {
                "an assertion needs one test: equals, not_equals, is_not, equals_ci, contains, \
                 exists, absent, type, count (on a path) or present, equals, not_equals, \
                 contains, media_type (on a header)"
                    .to_owned()
            } else {
                format!(
                    "an assertion has exactly one test; this one has `{}`",
                    tests.join("`, `")
                )
            }));
        };
        let tmpl = |text: &str| template(source, text, span.clone(), defined);
        if let Some(name) = raw.header {
            match *test {
                "present" => AssertionKind::HeaderPresent {
                    name,
                    present: raw.present.unwrap_or(true),
                },
                "equals" | "not_equals" | "contains" => {
                    let value = raw.equals.or(raw.not_equals).or(raw.contains.clone());
                    let Some(Value::String(text)) = value else {
                        return Err(err(format!("a header's `{test}` takes a string")));
                    };
                    let value = tmpl(&text)?;
                    match *test {
                        "equals" => AssertionKind::HeaderEquals { name, value },
                        "not_equals" => AssertionKind::HeaderNotEquals { name, value },
                        _ => AssertionKind::HeaderContains { name, value },
                    }
                }
                "media_type" => AssertionKind::MediaType {
                    name,
                    media_type: raw.media_type.unwrap_or_default(),
                },
                other => {
                    return Err(err(format!(
                        "`{other}` does not apply to a header; use present, equals, not_equals, contains \
                         or media_type"
                    )));
                }
            }
        } else {
            let selector = selector(
                source,
                raw.path.as_deref().unwrap_or_default(),
                span.clone(),
                defined,
            )?;
            let checked = |value: Value| -> Result<Value, SuiteError> {
                json_templates(source, &value, &span, defined, 0)?;
                Ok(value)
            };
            match *test {
                "equals" => AssertionKind::Equals {
                    selector,
                    value: checked(raw.equals.unwrap_or(Value::Null))?,
                },
                "not_equals" => AssertionKind::NotEquals {
                    selector,
                    value: checked(raw.not_equals.unwrap_or(Value::Null))?,
                },
                "is_not" => AssertionKind::IsNot {
                    selector,
                    value: checked(raw.is_not.unwrap_or(Value::Null))?,
                },
                "equals_ci" => AssertionKind::EqualsCi {
                    selector,
                    value: tmpl(&raw.equals_ci.unwrap_or_default())?,
                },
                "contains" => AssertionKind::Contains {
                    selector,
                    value: checked(raw.contains.unwrap_or(Value::Null))?,
                },
                "exists" => AssertionKind::Exists {
                    selector,
                    exists: raw.exists.unwrap_or(true),
                },
                "absent" => AssertionKind::Exists {
                    selector,
                    exists: !raw.absent.unwrap_or(true),
                },
                "type" => {
                    let text = raw.json_type.unwrap_or_default();
                    let json_type = JsonType::parse(&text).ok_or_else(|| {
                        err(format!(
                            "unknown JSON type `{text}`; expected string, number, integer, \
                             boolean, array, object or null"
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
                        "`{other}` does not apply to a path; use equals, not_equals, is_not, \
                         equals_ci, contains, exists, absent, type or count"
                    )));
                }
            }
        }
    };
    Ok(Assertion {
        kind,
        level,
        message: raw.message,
        line: source.line_of(&span),
    })
}
