//! A step as written, validated into a [`Step`]: its request, accepted statuses and captures.
//! Assertions are `assertion`'s and templates `templates`'s, not this module's.

use std::collections::HashSet;
use std::ops::Range;

use serde_json::Value;
use toml::Spanned;

use super::raw::{RawCapture, RawStep, StatusSpec};
use super::{BUILTIN_VARIABLES, Source, assertion, deviation, json_templates, template};
use crate::suite::{Body, Method, Selector, Step, SuiteError, Template};

pub(super) fn step(
    source: &Source<'_>,
    raw: RawStep,
    span: Range<usize>,
    defined: &mut HashSet<String>,
) -> Result<Step, SuiteError> {
    let method = method(source, raw.method.as_ref(), &span)?;
    let (path, target) = request_target(source, &raw, &span, defined)?;
    let query = scalars(
        source,
        raw.query.as_ref(),
        &span,
        defined,
        "query parameter",
    )?;
    let mut headers = Vec::new();
    for (name, value) in raw.headers.iter().flatten() {
        let Value::String(text) = value else {
            return Err(source.error(span.clone(), format!("header `{name}` must be a string")));
        };
        headers.push((name.clone(), template(source, text, span.clone(), defined)?));
    }
    let body = body(source, &raw, &span, defined)?;
    let body_base = body_base(source, &raw, defined)?;
    let status = status(source, raw.status.as_ref())?;
    let named = raw
        .deviation
        .as_ref()
        .map(|d| deviation(source, d))
        .transpose()?;
    let setup = raw.setup.unwrap_or(false);
    if setup && status.is_empty() {
        return Err(source.error(
            span,
            "a `setup` step needs `status`: the answers that mean the ground is ready",
        ));
    }
    let mut capture = Vec::new();
    for (name, spanned) in &raw.capture.0 {
        capture.push((name.clone(), captured(source, name, spanned, defined)?));
        defined.insert(name.clone());
    }
    let mut expect = Vec::with_capacity(raw.expect.len());
    for spanned in raw.expect {
        let span = spanned.span();
        expect.push(assertion::assertion(
            source,
            spanned.into_inner(),
            span,
            defined,
        )?);
    }
    Ok(Step {
        method,
        path,
        target,
        encoding: raw.encoding,
        query,
        headers,
        body,
        body_base,
        auth: raw.auth.unwrap_or(true),
        settle: raw.settle.unwrap_or(false),
        skip_if_filter_declined: raw.skip_if_filter_declined.unwrap_or(false),
        skip_if_unsupported: raw.skip_if_unsupported.unwrap_or(false),
        setup,
        status,
        deviation: named,
        expect,
        capture,
        line: source.line_of(&span),
    })
}

fn method(
    source: &Source<'_>,
    method: Option<&Spanned<String>>,
    span: &Range<usize>,
) -> Result<Method, SuiteError> {
    let Some(method) = method else {
        return Err(source.error(span.clone(), "a step needs `method` (GET, POST, ...)"));
    };
    Method::parse(method.get_ref()).ok_or_else(|| {
        source.error(
            method.span(),
            format!(
                "unknown method `{}`; expected GET, HEAD, POST, PUT, PATCH or DELETE",
                method.get_ref()
            ),
        )
    })
}

/// The step's path, and its target when it has one.
fn request_target(
    source: &Source<'_>,
    raw: &RawStep,
    span: &Range<usize>,
    defined: &HashSet<String>,
) -> Result<(Template, Option<Template>), SuiteError> {
    match (&raw.path, &raw.target) {
        (Some(path), None) => Ok((step_path(source, path, defined)?, None)),
        (None, Some(target)) => {
            if raw.query.as_ref().is_some_and(|query| !query.is_empty()) {
                return Err(source.error(
                    target.span(),
                    "a step with `target` writes its query in the target, not in `query`",
                ));
            }
            step_target(source, target, defined)
        }
        (Some(path), Some(_)) => Err(source.error(
            path.span(),
            "a step has `path` (encoded for you) or `target` (sent byte for byte), not both",
        )),
        (None, None) => Err(source.error(
            span.clone(),
            "a step needs `path` (e.g. `/Users`) or `target` (the exact request-target)",
        )),
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

/// Query parameters: strings, numbers and booleans, sent as text.
fn scalars(
    source: &Source<'_>,
    table: Option<&serde_json::Map<String, Value>>,
    span: &Range<usize>,
    defined: &HashSet<String>,
    what: &str,
) -> Result<Vec<(String, Template)>, SuiteError> {
    let mut out = Vec::new();
    for (name, value) in table.into_iter().flatten() {
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                return Err(source.error(
                    span.clone(),
                    format!("{what} `{name}` must be a string, number or boolean"),
                ));
            }
        };
        out.push((
            name.clone(),
            template(source, &text, span.clone(), defined)?,
        ));
    }
    Ok(out)
}

fn body(
    source: &Source<'_>,
    raw: &RawStep,
    span: &Range<usize>,
    defined: &HashSet<String>,
) -> Result<Option<Body>, SuiteError> {
    let bodies = [
        raw.body.is_some(),
        raw.body_json.is_some(),
        raw.body_raw.is_some(),
    ];
    if bodies.iter().filter(|b| **b).count() > 1 {
        return Err(source.error(
            span.clone(),
            "a step has at most one of `body`, `body_json` and `body_raw`",
        ));
    }
    if let Some(value) = &raw.body {
        json_templates(source, value, span, defined, 0)?;
        return Ok(Some(Body::Json(value.clone())));
    }
    if let Some(text) = &raw.body_json {
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
        return Ok(Some(Body::Json(value)));
    }
    raw.body_raw
        .as_ref()
        .map(|text| template(source, text.get_ref(), text.span(), defined).map(Body::Raw))
        .transpose()
}

/// A `body_base`: one known variable, under a JSON `body` (or none).
fn body_base(
    source: &Source<'_>,
    raw: &RawStep,
    defined: &HashSet<String>,
) -> Result<Option<String>, SuiteError> {
    let Some(base) = &raw.body_base else {
        return Ok(None);
    };
    let parsed = template(source, base.get_ref(), base.span(), defined)?;
    let Some(name) = parsed.sole_variable() else {
        return Err(source.error(
            base.span(),
            "`body_base` names one variable, such as \"{{user}}\", holding the object the body \
             is merged over",
        ));
    };
    if raw.body_json.is_some() || raw.body_raw.is_some() {
        return Err(source.error(
            base.span(),
            "`body_base` takes a `body` table to merge over it, not `body_json` or `body_raw`",
        ));
    }
    Ok(Some(name.to_owned()))
}

fn status(source: &Source<'_>, spec: Option<&Spanned<StatusSpec>>) -> Result<Vec<u16>, SuiteError> {
    let Some(spec) = spec else {
        return Ok(Vec::new());
    };
    let codes = match spec.get_ref() {
        StatusSpec::One(code) => vec![*code],
        StatusSpec::Many(codes) => codes.clone(),
    };
    if let Some(bad) = codes.iter().find(|c| !(100..=599).contains(*c)) {
        return Err(source.error(spec.span(), format!("{bad} is not an HTTP status code")));
    }
    Ok(codes)
}

/// A capture: a variable name, and a selector read before the step's assertions.
fn captured(
    source: &Source<'_>,
    name: &str,
    spanned: &Spanned<RawCapture>,
    defined: &HashSet<String>,
) -> Result<Selector, SuiteError> {
    let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid || BUILTIN_VARIABLES.contains(&name) {
        return Err(source.error(
            spanned.span(),
            format!(
                "`{name}` cannot be a variable name: use letters, digits and `_`, and not a \
                 built-in name"
            ),
        ));
    }
    match spanned.get_ref() {
        RawCapture::Header(header) => assertion::header_name(source, header, spanned.span()),
        RawCapture::Body(text) => assertion::selector(source, text, spanned.span(), defined),
    }
}
