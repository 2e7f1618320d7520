//! `with = { NAME = VALUE }`: a template's parameters bound into its request (target, path,
//! headers, query, body) before the step that uses it is validated. A value's own text goes
//! into a target encoded the way the template's identity provider writes it there (`%40`, `+`
//! or `%20` for a space); a variable inside the value stays a variable, encoded when sent.
//! Validation is `step`'s, not this module's.

use std::collections::BTreeSet;
use std::ops::Range;

use serde_json::{Map, Value};
use toml::Spanned;

use super::raw::RawStep;
use super::{Source, did_you_mean};
use crate::scim::percent::{QueryEncoding, encode, encode_component};
use crate::suite::{SuiteError, Template, TemplatePart};

/// `base` (the resolved template a step uses, named `name`) with `params` bound into its
/// request. A parameter the template does not use is an error: it would bind nothing.
pub(super) fn bind(
    source: &Source<'_>,
    base: RawStep,
    params: &Spanned<Map<String, Value>>,
    name: &str,
) -> Result<RawStep, SuiteError> {
    let used = parameters(&base);
    if let Some(unused) = params.get_ref().keys().find(|key| !used.contains(*key)) {
        let takes = if used.is_empty() {
            "it takes none".to_owned()
        } else {
            format!(
                "it takes `{}`",
                used.iter().cloned().collect::<Vec<_>>().join("`, `")
            )
        };
        let known: Vec<&str> = used.iter().map(String::as_str).collect();
        return Err(SuiteError {
            hint: did_you_mean(unused, &known),
            ..source.error(
                params.span(),
                format!("`with` sets `{unused}`, which `{name}` does not use: {takes}"),
            )
        });
    }
    let params = params.get_ref();
    let encoding = base.encoding.unwrap_or(QueryEncoding::Percent);
    let text = |value: Option<Spanned<String>>, how: Insert| {
        value.map(|spanned| {
            let span = spanned.span();
            Spanned::new(span, substitute(&spanned.into_inner(), params, how))
        })
    };
    let table = |table: Option<Map<String, Value>>| {
        table.map(|table| {
            table
                .into_iter()
                .map(|(key, value)| (key, bind_json(value, params)))
                .collect()
        })
    };
    Ok(RawStep {
        target: text(base.target, Insert::Target(encoding)),
        path: text(base.path, Insert::Target(encoding)),
        body_raw: text(base.body_raw, Insert::AsIs),
        body_json: base.body_json.map(|spanned| {
            let span: Range<usize> = spanned.span();
            let text = spanned.into_inner();
            let bound = serde_json::from_str::<Value>(&text)
                .map(|json| bind_json(json, params).to_string())
                .unwrap_or(text);
            Spanned::new(span, bound)
        }),
        body: base.body.map(|body| bind_json(body, params)),
        headers: table(base.headers),
        query: table(base.query),
        ..base
    })
}

/// The variables a template's request uses: what `with` may bind.
fn parameters(step: &RawStep) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut add = |text: &str| {
        if let Ok(template) = Template::parse(text) {
            found.extend(template.variables().map(str::to_owned));
        }
    };
    for text in [&step.target, &step.path, &step.body_raw, &step.body_json]
        .into_iter()
        .flatten()
    {
        add(text.get_ref());
    }
    let body_json = step
        .body_json
        .as_ref()
        .and_then(|text| serde_json::from_str::<Value>(text.get_ref()).ok());
    let tables = [&step.headers, &step.query]
        .into_iter()
        .flatten()
        .flat_map(|table| table.values());
    for value in tables.chain(&step.body).chain(&body_json) {
        each_string(value, &mut add);
    }
    found
}

fn each_string(value: &Value, visit: &mut impl FnMut(&str)) {
    match value {
        Value::String(text) => visit(text),
        Value::Array(items) => items.iter().for_each(|item| each_string(item, visit)),
        Value::Object(members) => members.values().for_each(|item| each_string(item, visit)),
        _ => {}
    }
}

/// How a bound value's text goes into the text it is bound into.
#[derive(Clone, Copy)]
enum Insert {
    /// Into a request-target: percent-encoded as a path segment before the `?`, as the
    /// identity provider writes a query value after it.
    Target(QueryEncoding),
    /// As it is (a header, a raw body, a JSON string).
    AsIs,
}

/// `text` with each bound parameter replaced; anything that is not a template is kept.
fn substitute(text: &str, params: &Map<String, Value>, how: Insert) -> String {
    let Ok(template) = Template::parse(text) else {
        return text.to_owned();
    };
    let mut out = String::new();
    let mut in_query = false;
    for part in &template.parts {
        match part {
            TemplatePart::Literal(literal) => {
                in_query |= literal.contains('?');
                out.push_str(literal);
            }
            TemplatePart::Variable(name) => match params.get(name) {
                None => out.push_str(&written(name)),
                Some(value) => out.push_str(&inserted(value, how, in_query)),
            },
        }
    }
    out
}

/// A bound value's text as it goes in: its own text encoded for a target, its variables kept.
fn inserted(value: &Value, how: Insert, in_query: bool) -> String {
    let text = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let Insert::Target(encoding) = how else {
        return text;
    };
    let encoded = |literal: &str| match in_query {
        true => encode(literal, encoding),
        false => encode_component(literal),
    };
    match Template::parse(&text) {
        Ok(template) => template
            .parts
            .iter()
            .map(|part| match part {
                TemplatePart::Literal(literal) => encoded(literal),
                TemplatePart::Variable(name) => written(name),
            })
            .collect(),
        Err(_) => encoded(&text),
    }
}

fn written(variable: &str) -> String {
    format!("{{{{{variable}}}}}")
}

/// A JSON value with the parameters bound: a string that is exactly one bound parameter takes
/// the bound value (whatever its type); any other string has the parameters' text inserted.
fn bind_json(value: Value, params: &Map<String, Value>) -> Value {
    match value {
        Value::String(text) => {
            let sole = Template::parse(&text)
                .ok()
                .and_then(|template| template.sole_variable().map(str::to_owned));
            match sole.and_then(|name| params.get(&name)) {
                Some(bound) => bound.clone(),
                None => Value::String(substitute(&text, params, Insert::AsIs)),
            }
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| bind_json(item, params))
                .collect(),
        ),
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .map(|(key, item)| (key, bind_json(item, params)))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn params(value: Value) -> Map<String, Value> {
        value.as_object().cloned().expect("an object")
    }

    #[test]
    fn a_value_goes_into_a_target_encoded_as_the_idp_writes_it_and_its_variables_stay() {
        let bound = params(json!({ "name": "{{unique}} Sales+Team@x", "id": "a/b" }));
        let target = "/Groups/{{id}}?filter=displayName+eq+\"{{name}}\"";
        assert_eq!(
            substitute(target, &bound, Insert::Target(QueryEncoding::Form)),
            "/Groups/a%2Fb?filter=displayName+eq+\"{{unique}}+Sales%2BTeam%40x\""
        );
        assert_eq!(
            substitute(target, &bound, Insert::Target(QueryEncoding::Percent)),
            "/Groups/a%2Fb?filter=displayName+eq+\"{{unique}}%20Sales%2BTeam%40x\""
        );
        assert_eq!(
            substitute("{{name}}-{{other}}", &bound, Insert::AsIs),
            "{{unique}} Sales+Team@x-{{other}}"
        );
    }

    #[test]
    fn a_json_string_that_is_one_parameter_takes_the_bound_value_whole() {
        let bound = params(json!({ "flag": false, "name": "n" }));
        assert_eq!(
            bind_json(
                json!({ "a": "{{flag}}", "b": ["x-{{name}}", "{{kept}}"] }),
                &bound
            ),
            json!({ "a": false, "b": ["x-n", "{{kept}}"] })
        );
    }
}
