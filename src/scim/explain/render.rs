//! `scimctl explain`'s output: an explained filter or PATCH path as plain text for the console
//! and as a versioned JSON document (`-o json`). It formats what the explaining modules found
//! and decides nothing itself; the request line comes from the caller, which only the HTTP
//! client can encode.

use std::fmt::{self, Write as _};

use serde_json::{Value, json};

use super::filter::{Comparison, Resolution};
use super::path::PathTarget;
use super::{FORMAT_VERSION, Parsed};
use crate::scim::diag::Diagnostic;
use crate::scim::filter::{CompValue, Filter};
use crate::scim::path::{AttrPath, PatchPath};
use crate::scim::schema::{Attribute, Schema};
use crate::scim::target::{Target, TargetError};

/// What was explained and against what, for the heading.
#[derive(Debug, Clone)]
pub struct Heading {
    /// `filter` or `path`.
    pub kind: &'static str,
    pub input: String,
    /// The resource type, such as `User`.
    pub resource_type: String,
    /// Where the schemas come from, such as `built-in RFC 7643 schemas`.
    pub schemas: String,
    /// The request scimctl would send, when there is one (a filter's GET).
    pub request: Option<String>,
}

/// The characteristics of `attribute` in one line: "string, single-valued, caseExact false,
/// readWrite, returned default".
fn characteristics(attribute: &Attribute) -> String {
    let mut text = format!(
        "{}, {}, caseExact {}, {}, returned {}",
        attribute.attr_type.as_str(),
        if attribute.multi_valued {
            "multi-valued"
        } else {
            "single-valued"
        },
        attribute.case_exact,
        attribute.mutability.as_str(),
        attribute.returned.as_str(),
    );
    if attribute.required {
        text.push_str(", required");
    }
    if !attribute.canonical_values.is_empty() {
        let _ = write!(
            text,
            "; canonical values {}",
            attribute.canonical_values.join(", ")
        );
    }
    text
}

/// Where a resolved attribute comes from and what it is, in lines for the console.
fn resolution_lines(resolution: &Resolution<'_>, unknown: Option<&TargetError>) -> Vec<String> {
    match resolution {
        Resolution::Attribute(resolved) => {
            let origin = origin(resolved.schema, resolved.is_extension, resolved.attribute);
            let top = resolved.attribute;
            match resolved.sub_attribute {
                None => vec![format!("{}: {} ({origin})", top.name, characteristics(top))],
                Some(sub) => vec![
                    format!("{}: {} ({origin})", top.name, characteristics(top)),
                    format!("{}.{}: {}", top.name, sub.name, characteristics(sub)),
                ],
            }
        }
        Resolution::SchemasAttribute => vec![
            "schemas: the URNs of the schemas a resource uses (RFC 7643 §3); every resource \
             has it, though no schema lists it"
                .to_owned(),
        ],
        Resolution::Unknown(urn) if !urn.is_empty() => {
            vec![format!("{urn}: a whole extension object")]
        }
        Resolution::Unknown(_) => vec![match unknown {
            Some(error) => format!("unknown: {error}"),
            None => "unknown".to_owned(),
        }],
    }
}

fn origin(schema: &Schema, is_extension: bool, attribute: &Attribute) -> String {
    if crate::scim::schema::common_attribute(&attribute.name)
        .is_some_and(|common| std::ptr::eq(common, attribute))
    {
        return "common to every resource, RFC 7643 §3.1".to_owned();
    }
    let role = if is_extension {
        "extension"
    } else {
        "core schema"
    };
    format!("{role} {}", schema.id)
}

/// Renders an explained filter for the console.
pub fn filter_console(
    heading: &Heading,
    parsed: &Parsed<Filter>,
    comparisons: &[Comparison<'_>],
) -> String {
    let mut out = heading_console(heading, &parsed.value.to_string(), parsed);
    out.push_str("\nparse tree\n");
    tree_lines(&parsed.value, 1, &mut out);
    out.push_str("\nattributes\n");
    for comparison in comparisons {
        comparison_console(comparison, &mut out);
    }
    if let Some(request) = &heading.request {
        let _ = write!(out, "\nrequest\n  {request}\n");
    }
    out
}

/// Renders an explained PATCH path for the console.
pub fn path_console(
    heading: &Heading,
    parsed: &Parsed<PatchPath>,
    target: &PathTarget<'_>,
) -> String {
    let mut out = heading_console(heading, &parsed.value.to_string(), parsed);
    out.push_str("\nparse tree\n");
    match &parsed.value {
        PatchPath::Attr(attr) => {
            out.push_str("  attribute path\n");
            attr_lines(attr, &mut out);
        }
        PatchPath::Filtered { attr, filter, sub } => {
            out.push_str("  value path\n");
            attr_lines(attr, &mut out);
            out.push_str("    filter, on each element\n");
            tree_lines(filter, 3, &mut out);
            if let Some(sub) = sub {
                let _ = writeln!(out, "    sub-attribute `{sub}`");
            }
        }
    }
    out.push_str("\ntarget\n");
    match &target.target {
        Ok(found) => {
            let resolution = match found {
                Target::Attribute { resolved, .. } => Resolution::Attribute(*resolved),
                Target::Extension(schema) => Resolution::Unknown(&schema.id),
            };
            for line in resolution_lines(&resolution, None) {
                let _ = writeln!(out, "  {line}");
            }
        }
        Err(error) => {
            let _ = writeln!(out, "  unknown: {error}");
        }
    }
    if !target.filter.is_empty() {
        out.push_str("\nfilter attributes\n");
        for comparison in &target.filter {
            comparison_console(comparison, &mut out);
        }
    }
    if !target.operations.is_empty() {
        out.push_str("\noperations\n");
        for (op, effect) in &target.operations {
            let _ = writeln!(out, "  {:<8} {effect}", op.as_str());
        }
        let _ = write!(out, "\nexample\n  {}\n", target.example);
    }
    out
}

fn heading_console<T>(heading: &Heading, canonical: &str, parsed: &Parsed<T>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:<10} {}", heading.kind, heading.input);
    let _ = writeln!(out, "{:<10} {canonical}", "canonical");
    let _ = writeln!(
        out,
        "{:<10} {} ({})",
        "against", heading.resource_type, heading.schemas
    );
    if let Some(strict) = &parsed.strict_error {
        let _ = writeln!(
            out,
            "\nnot in the RFC's grammar, read leniently (scimctl sends the canonical form):"
        );
        for note in notes_for(strict, &parsed.notes) {
            for line in note.render(&heading.input).lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
    } else if !parsed.notes.is_empty() {
        out.push_str("\nnotes\n");
        for note in &parsed.notes {
            let _ = writeln!(out, "  {}", note.message);
        }
    }
    out
}

/// The leniencies to show: the parser's notes, or the strict error when it left none.
fn notes_for<'a>(strict: &'a Diagnostic, notes: &'a [Diagnostic]) -> Vec<&'a Diagnostic> {
    if notes.is_empty() {
        vec![strict]
    } else {
        notes.iter().collect()
    }
}

/// The parts of an attribute path, one per line.
fn attr_lines(attr: &AttrPath, out: &mut String) {
    if let Some(urn) = &attr.urn {
        let _ = writeln!(out, "    schema `{urn}`");
    }
    if !attr.name.is_empty() {
        let _ = writeln!(out, "    attribute `{}`", attr.name);
    }
    if let Some(sub) = &attr.sub {
        let _ = writeln!(out, "    sub-attribute `{sub}`");
    }
}

fn comparison_console(comparison: &Comparison<'_>, out: &mut String) {
    let _ = writeln!(out, "  {}", comparison.text);
    for line in resolution_lines(&comparison.resolution, comparison.unknown.as_ref()) {
        let _ = writeln!(out, "    {line}");
    }
    let _ = writeln!(out, "    {}", comparison.meaning);
    for warning in &comparison.warnings {
        let _ = writeln!(out, "    warning: {warning}");
    }
}

/// The tree, one node per line, indented two spaces a level.
fn tree_lines(filter: &Filter, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    match filter {
        Filter::And(left, right) | Filter::Or(left, right) => {
            let word = if matches!(filter, Filter::And(..)) {
                "and"
            } else {
                "or"
            };
            let _ = writeln!(out, "{indent}{word}");
            tree_lines(left, depth + 1, out);
            tree_lines(right, depth + 1, out);
        }
        Filter::Not(inner) => {
            let _ = writeln!(out, "{indent}not");
            tree_lines(inner, depth + 1, out);
        }
        Filter::ValuePath(path, inner) => {
            let _ = writeln!(out, "{indent}{path}[...]: each element of {path}");
            tree_lines(inner, depth + 1, out);
        }
        Filter::Present(_) | Filter::Compare(..) => {
            let _ = writeln!(out, "{indent}{filter}");
        }
    }
}

/// The tree as JSON.
fn tree_json(filter: &Filter) -> Value {
    match filter {
        Filter::And(left, right) => {
            json!({"op": "and", "operands": [tree_json(left), tree_json(right)]})
        }
        Filter::Or(left, right) => {
            json!({"op": "or", "operands": [tree_json(left), tree_json(right)]})
        }
        Filter::Not(inner) => json!({"op": "not", "operand": tree_json(inner)}),
        Filter::ValuePath(path, inner) => {
            json!({"op": "valuePath", "path": path.to_string(), "filter": tree_json(inner)})
        }
        Filter::Present(path) => json!({"op": "pr", "path": path.to_string()}),
        Filter::Compare(path, op, value) => json!({
            "op": op.as_str(),
            "path": path.to_string(),
            "value": comp_value_json(value),
        }),
    }
}

fn comp_value_json(value: &CompValue) -> Value {
    match value {
        CompValue::Null => Value::Null,
        CompValue::Bool(b) => Value::Bool(*b),
        CompValue::Number(n) => Value::Number(n.clone()),
        CompValue::String(s) => Value::from(s.as_str()),
    }
}

fn attribute_json(attribute: &Attribute) -> Value {
    json!({
        "name": attribute.name,
        "type": attribute.attr_type.as_str(),
        "multiValued": attribute.multi_valued,
        "caseExact": attribute.case_exact,
        "required": attribute.required,
        "mutability": attribute.mutability.as_str(),
        "returned": attribute.returned.as_str(),
        "canonicalValues": attribute.canonical_values,
    })
}

fn resolution_json(resolution: &Resolution<'_>, unknown: Option<&TargetError>) -> Value {
    match resolution {
        Resolution::Attribute(resolved) => json!({
            "schema": resolved.schema.id,
            "extension": resolved.is_extension,
            "attribute": attribute_json(resolved.attribute),
            "subAttribute": resolved.sub_attribute.map(attribute_json),
        }),
        Resolution::SchemasAttribute => json!({"special": "schemas"}),
        Resolution::Unknown(urn) if !urn.is_empty() => json!({"extensionObject": urn}),
        Resolution::Unknown(_) => json!({"unknown": unknown.map(ToString::to_string)}),
    }
}

fn comparison_json(comparison: &Comparison<'_>) -> Value {
    json!({
        "comparison": comparison.text,
        "path": comparison.path,
        "resolved": resolution_json(&comparison.resolution, comparison.unknown.as_ref()),
        "meaning": comparison.meaning,
        "warnings": comparison.warnings,
    })
}

fn parse_json<T>(parsed: &Parsed<T>, input: &str) -> Value {
    let note = |d: &Diagnostic| json!({"message": d.message, "at": d.span.start, "rendered": d.render(input)});
    json!({
        "strict": parsed.strict_error.is_none(),
        "strictError": parsed.strict_error.as_ref().map(note),
        "notes": parsed.notes.iter().map(note).collect::<Vec<_>>(),
    })
}

/// Renders an explained filter as JSON.
pub fn filter_json(
    heading: &Heading,
    parsed: &Parsed<Filter>,
    comparisons: &[Comparison<'_>],
) -> String {
    let body = json!({
        "tree": tree_json(&parsed.value),
        "attributes": comparisons.iter().map(comparison_json).collect::<Vec<_>>(),
        "request": heading.request,
    });
    document_json(heading, parsed, body)
}

/// Renders an explained PATCH path as JSON.
pub fn path_json(heading: &Heading, parsed: &Parsed<PatchPath>, target: &PathTarget<'_>) -> String {
    let tree = match &parsed.value {
        PatchPath::Attr(attr) => json!({"attribute": attr.to_string()}),
        PatchPath::Filtered { attr, filter, sub } => json!({
            "attribute": attr.to_string(),
            "filter": tree_json(filter),
            "subAttribute": sub,
        }),
    };
    let target_json = match &target.target {
        Ok(Target::Attribute { resolved, filtered }) => json!({
            "resolved": resolution_json(&Resolution::Attribute(*resolved), None),
            "filtered": filtered,
        }),
        Ok(Target::Extension(schema)) => json!({"extensionObject": schema.id}),
        Err(error) => json!({"unknown": error.to_string()}),
    };
    let operations: serde_json::Map<String, Value> = target
        .operations
        .iter()
        .map(|(op, effect)| (op.as_str().to_owned(), Value::from(effect.as_str())))
        .collect();
    let body = json!({
        "tree": tree,
        "target": target_json,
        "filterAttributes": target.filter.iter().map(comparison_json).collect::<Vec<_>>(),
        "operations": operations,
        "example": target.example,
    });
    document_json(heading, parsed, body)
}

/// The JSON document: what every explained input has (the version, the input as read, the
/// schemas), then the members of `body`, pretty-printed with a final newline.
fn document_json<T: fmt::Display>(heading: &Heading, parsed: &Parsed<T>, body: Value) -> String {
    let mut document = json!({
        "format_version": FORMAT_VERSION,
        "kind": heading.kind,
        "input": heading.input,
        "canonical": parsed.value.to_string(),
        "resourceType": heading.resource_type,
        "schemas": heading.schemas,
        "parse": parse_json(parsed, &heading.input),
    });
    if let (Value::Object(document), Value::Object(body)) = (&mut document, body) {
        document.extend(body);
    }
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}
