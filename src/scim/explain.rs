//! What a filter (RFC 7644 §3.4.2.2) or a PATCH path (§3.5.2) means, for `scimctl explain`:
//! the parse tree, how each attribute it names resolves against the schemas, what each
//! comparison matches, and, for a path, what each PATCH operation would do with it.
//!
//! Everything comes from the core: the filter and path parsers (an input that only a lenient
//! parse reads is explained with its leniencies listed), schema resolution, the evaluator's
//! validation (an operator a server must refuse is said so), and [`crate::scim::target`] for
//! what a path designates. Rendering for the console and for `-o json` is here too, as plain
//! text; the caller supplies the request line, which only the HTTP client can encode. Pure:
//! serde_json and std only.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::scim::diag::Diagnostic;
use crate::scim::filter::{
    CompValue, CompareOp, Filter, ParseOptions, parse_filter_with, validate,
};
use crate::scim::patch::PatchOpKind;
use crate::scim::path::{AttrPath, PatchPath, parse_patch_path_with};
use crate::scim::schema::{AttrType, Attribute, Mutability, Resolved, ResourceSchema, Schema};
use crate::scim::target::{Target, TargetError, patch_target, sub_attribute};

/// The version of the JSON form; bumped on any incompatible change.
pub const FORMAT_VERSION: u64 = 1;

/// An input as read: the value, whether the RFC's grammar reads it as it is, and the parser's
/// notes (each leniency needed, unusual spellings).
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    pub value: T,
    /// The strict parser's objection, when only the lenient parse reads the input.
    pub strict_error: Option<Diagnostic>,
    pub notes: Vec<Diagnostic>,
}

/// Parses a filter as scimctl would before sending it: leniently, noting what the RFC's grammar
/// does not allow. An input that does not parse even leniently is an error with a caret.
pub fn parse_filter_explained(input: &str) -> Result<Parsed<Filter>, Diagnostic> {
    let lenient = parse_filter_with(input, ParseOptions::lenient())?;
    Ok(Parsed {
        value: lenient.filter,
        strict_error: parse_filter_with(input, ParseOptions::default()).err(),
        notes: lenient.warnings,
    })
}

/// Parses a PATCH path as [`parse_filter_explained`] parses a filter.
pub fn parse_path_explained(input: &str) -> Result<Parsed<PatchPath>, Diagnostic> {
    let lenient = parse_patch_path_with(input, ParseOptions::lenient())?;
    Ok(Parsed {
        value: lenient.path,
        strict_error: parse_patch_path_with(input, ParseOptions::default()).err(),
        notes: lenient.warnings,
    })
}

/// How an attribute path resolves.
#[derive(Debug, Clone, Copy)]
pub enum Resolution<'s> {
    /// An attribute (and sub-attribute) of a schema of the resource type.
    Attribute(Resolved<'s>),
    /// `schemas`: every resource has it (RFC 7643 §3), yet no schema lists it.
    SchemasAttribute,
    /// Nothing the schemas define.
    Unknown(&'s str),
}

/// One comparison (`path op value` or `path pr`) of a filter, explained.
#[derive(Debug, Clone)]
pub struct Comparison<'s> {
    /// The comparison as scimctl writes it, with the value filter it sits in, such as
    /// `emails[type eq "work"]`.
    pub text: String,
    /// The attribute path in full, such as `emails.type` inside `emails[...]`.
    pub path: String,
    pub resolution: Resolution<'s>,
    /// Why nothing resolves, with the nearest known names.
    pub unknown: Option<TargetError>,
    /// What it matches, in words.
    pub meaning: String,
    /// What a server will make of it that the user should know: a refusal, a type mismatch.
    pub warnings: Vec<String>,
}

/// Explains every comparison of a filter on resources described by `schema`, in order.
pub fn filter_comparisons<'s>(filter: &Filter, schema: &'s ResourceSchema) -> Vec<Comparison<'s>> {
    let mut out = Vec::new();
    collect(filter, schema, None, &mut out);
    out
}

/// Explains the comparisons of a PATCH path's value filter, whose paths name sub-attributes of
/// the attribute `parent` designates (`members[value eq "x"]`).
pub fn element_comparisons<'s>(
    filter: &Filter,
    parent_path: &AttrPath,
    schema: &'s ResourceSchema,
) -> Vec<Comparison<'s>> {
    let mut out = Vec::new();
    collect(filter, schema, Some(parent_path), &mut out);
    out
}

fn collect<'s>(
    filter: &Filter,
    schema: &'s ResourceSchema,
    within: Option<&AttrPath>,
    out: &mut Vec<Comparison<'s>>,
) {
    match filter {
        Filter::And(left, right) | Filter::Or(left, right) => {
            collect(left, schema, within, out);
            collect(right, schema, within, out);
        }
        Filter::Not(inner) => collect(inner, schema, within, out),
        Filter::ValuePath(path, inner) => collect(inner, schema, Some(path), out),
        Filter::Present(path) => out.push(comparison(filter, path, None, schema, within)),
        Filter::Compare(path, op, value) => {
            out.push(comparison(filter, path, Some((*op, value)), schema, within));
        }
    }
}

fn comparison<'s>(
    filter: &Filter,
    path: &AttrPath,
    compare: Option<(CompareOp, &CompValue)>,
    schema: &'s ResourceSchema,
    within: Option<&AttrPath>,
) -> Comparison<'s> {
    let (resolution, unknown) = match within {
        None => resolve(path, schema),
        Some(parent) => resolve_in_element(path, parent, schema),
    };
    let full_path = match within {
        None => path.to_string(),
        Some(parent) => format!("{parent}.{path}"),
    };
    let mut warnings = Vec::new();
    let checked = match within {
        None => filter.clone(),
        Some(parent) => Filter::ValuePath(parent.clone(), Box::new(filter.clone())),
    };
    if let Err(error) = validate(&checked, schema) {
        warnings.push(format!("servers answer 400 invalidFilter: {error}"));
    }
    let compared = compared_attribute(&resolution);
    if let (Some(attribute), Some((_, value))) = (compared, compare) {
        if let Some(warning) = value_type_warning(attribute, value) {
            warnings.push(warning);
        }
    }
    Comparison {
        text: match within {
            None => filter.to_string(),
            Some(parent) => format!("{parent}[{filter}]"),
        },
        meaning: meaning(&full_path, &resolution, compare, within.is_some()),
        path: full_path,
        resolution,
        unknown,
        warnings,
    }
}

fn resolve<'s>(
    path: &AttrPath,
    schema: &'s ResourceSchema,
) -> (Resolution<'s>, Option<TargetError>) {
    if path.urn.is_none() && path.sub.is_none() && path.name.eq_ignore_ascii_case("schemas") {
        return (Resolution::SchemasAttribute, None);
    }
    match patch_target(&PatchPath::Attr(path.clone()), schema) {
        Ok(Target::Attribute { resolved, .. }) => (Resolution::Attribute(resolved), None),
        Ok(Target::Extension(schema)) => (Resolution::Unknown(&schema.id), None),
        Err(error) => (Resolution::Unknown(""), Some(error)),
    }
}

/// A path inside `parent[...]`: a sub-attribute of `parent`'s attribute.
fn resolve_in_element<'s>(
    path: &AttrPath,
    parent: &AttrPath,
    schema: &'s ResourceSchema,
) -> (Resolution<'s>, Option<TargetError>) {
    let Some(mut resolved) = schema.resolve(parent) else {
        return (
            Resolution::Unknown(""),
            Some(TargetError::UnknownAttribute {
                path: parent.to_string(),
                hint: String::new(),
            }),
        );
    };
    let name = match &path.sub {
        Some(sub) => format!("{}.{sub}", path.name),
        None => path.name.clone(),
    };
    match sub_attribute(resolved.attribute, &name) {
        Ok(sub) => {
            resolved.sub_attribute = Some(sub);
            (Resolution::Attribute(resolved), None)
        }
        Err(error) => (Resolution::Unknown(""), Some(error)),
    }
}

/// What a comparison compares: the sub-attribute, or a complex attribute's `value`.
fn compared_attribute<'s>(resolution: &Resolution<'s>) -> Option<&'s Attribute> {
    let Resolution::Attribute(resolved) = resolution else {
        return None;
    };
    match resolved.sub_attribute {
        Some(sub) => Some(sub),
        None if resolved.attribute.attr_type == AttrType::Complex => {
            resolved.attribute.sub_attribute("value")
        }
        None => Some(resolved.attribute),
    }
}

/// A JSON string compared with a boolean or a number, or the other way round (field guide
/// §2.3 #9): legal syntax, but servers differ.
fn value_type_warning(attribute: &Attribute, value: &CompValue) -> Option<String> {
    let textual = matches!(
        attribute.attr_type,
        AttrType::String | AttrType::Reference | AttrType::DateTime | AttrType::Binary
    );
    let numeric = matches!(attribute.attr_type, AttrType::Integer | AttrType::Decimal);
    let mismatch = match value {
        CompValue::String(_) => !textual && attribute.attr_type != AttrType::Complex,
        CompValue::Bool(_) => attribute.attr_type != AttrType::Boolean,
        CompValue::Number(_) => !numeric,
        CompValue::Null => false,
    };
    mismatch.then(|| {
        format!(
            "{value} is not a {} value, which `{}` takes: servers may convert it, match \
             nothing or answer 400 invalidFilter",
            attribute.attr_type.as_str(),
            attribute.name
        )
    })
}

fn meaning(
    path: &str,
    resolution: &Resolution<'_>,
    compare: Option<(CompareOp, &CompValue)>,
    in_element: bool,
) -> String {
    let (multi, through_value, date, textual, case_exact) = match resolution {
        Resolution::Attribute(resolved) => {
            let compared = compared_attribute(resolution);
            let multi = !in_element
                && (resolved.attribute.multi_valued
                    || resolved.sub_attribute.is_some_and(|s| s.multi_valued));
            let through_value = resolved.sub_attribute.is_none()
                && resolved.attribute.attr_type == AttrType::Complex;
            let date = compared.is_some_and(|a| a.attr_type == AttrType::DateTime);
            let textual = compared
                .is_some_and(|a| matches!(a.attr_type, AttrType::String | AttrType::Reference));
            (
                multi,
                through_value,
                date,
                textual,
                compared.is_some_and(|a| a.case_exact),
            )
        }
        Resolution::SchemasAttribute => (true, false, false, true, false),
        Resolution::Unknown(_) => {
            return "no schema defines it: servers answer 400 invalidFilter or match nothing"
                .to_owned();
        }
    };
    let subject = match (multi, through_value) {
        (true, true) => format!("any value of {path} (compared by its `value`)"),
        (true, false) => format!("any value of {path}"),
        (false, true) => format!("{path} (compared by its `value`)"),
        (false, false) => path.to_owned(),
    };
    let Some((op, value)) = compare else {
        return if multi {
            format!("matches when {path} has at least one value")
        } else {
            format!("matches when {path} has a value (neither null nor empty)")
        };
    };
    if *value == CompValue::Null {
        return match op {
            CompareOp::Ne => format!("matches when {path} has a value"),
            _ => format!("matches when {path} has no value"),
        };
    }
    let verb = match (op, date) {
        (CompareOp::Eq, _) => "equals",
        (CompareOp::Ne, _) => "does not equal",
        (CompareOp::Co, _) => "contains",
        (CompareOp::Sw, _) => "starts with",
        (CompareOp::Ew, _) => "ends with",
        (CompareOp::Gt, true) => "is later than",
        (CompareOp::Ge, true) => "is at or later than",
        (CompareOp::Lt, true) => "is earlier than",
        (CompareOp::Le, true) => "is at or earlier than",
        (CompareOp::Gt, false) => "is greater than",
        (CompareOp::Ge, false) => "is greater than or equal to",
        (CompareOp::Lt, false) => "is less than",
        (CompareOp::Le, false) => "is less than or equal to",
    };
    let case = match (textual && matches!(value, CompValue::String(_)), case_exact) {
        (true, true) => ", case-sensitively (caseExact)",
        (true, false) => ", ignoring case",
        (false, _) => "",
    };
    format!("matches when {subject} {verb} {value}{case}")
}

/// What a PATCH path designates and what each operation would do.
#[derive(Debug, Clone)]
pub struct PathTarget<'s> {
    pub target: Result<Target<'s>, TargetError>,
    /// The value filter's comparisons, relative to each element.
    pub filter: Vec<Comparison<'s>>,
    /// What add, replace and remove would do, in that order.
    pub operations: Vec<(PatchOpKind, String)>,
    /// An operation with this path, as its JSON.
    pub example: Value,
}

/// Explains what `path` designates in a resource described by `schema`.
pub fn path_target<'s>(path: &PatchPath, schema: &'s ResourceSchema) -> PathTarget<'s> {
    let target = patch_target(path, schema);
    let filter = match path {
        PatchPath::Filtered { attr, filter, .. } => element_comparisons(filter, attr, schema),
        PatchPath::Attr(_) => Vec::new(),
    };
    let operations = match &target {
        Ok(target) => [PatchOpKind::Add, PatchOpKind::Replace, PatchOpKind::Remove]
            .into_iter()
            .map(|op| (op, operation_effect(op, target, path, schema)))
            .collect(),
        Err(_) => Vec::new(),
    };
    let example = json!({
        "op": "replace",
        "path": path.to_string(),
        "value": target.as_ref().map_or(Value::from("..."), example_value),
    });
    PathTarget {
        target,
        filter,
        operations,
        example,
    }
}

fn operation_effect(
    op: PatchOpKind,
    target: &Target<'_>,
    path: &PatchPath,
    schema: &ResourceSchema,
) -> String {
    let Target::Attribute { resolved, filtered } = target else {
        return match op {
            PatchOpKind::Remove => "removes the whole extension object".to_owned(),
            _ => "sets the attributes given in the value's object (a URN-only path is read \
                  leniently; the RFC's grammar has no such path)"
                .to_owned(),
        };
    };
    let top = resolved.attribute;
    let shown = path.to_string();
    let designated = resolved.sub_attribute.unwrap_or(top);
    if top.mutability == Mutability::ReadOnly || designated.mutability == Mutability::ReadOnly {
        return format!(
            "400 mutability: `{}` is readOnly (RFC 7643 §2.2)",
            designated.name
        );
    }
    let immutable = designated.mutability == Mutability::Immutable;
    let mut effect = match (op, filtered, resolved.sub_attribute) {
        (PatchOpKind::Add, false, None) if top.multi_valued => format!(
            "appends the values in the array to {shown}; a value already there is not added \
             again (RFC 7644 §3.5.2.1)"
        ),
        (PatchOpKind::Replace, false, None) if top.multi_valued => {
            format!("replaces every value of {shown} with those in the array (RFC 7644 §3.5.2.3)")
        }
        (PatchOpKind::Remove, false, None) if top.multi_valued => {
            format!("removes every value of {shown} (RFC 7644 §3.5.2.2)")
        }
        (PatchOpKind::Add | PatchOpKind::Replace, false, None)
            if top.attr_type == AttrType::Complex =>
        {
            "sets the sub-attributes given in the value's object and keeps the others \
             (RFC 7644 §3.5.2.1, §3.5.2.3)"
                .to_owned()
        }
        (PatchOpKind::Add, false, _) => {
            format!("sets {shown}, replacing any value it has (RFC 7644 §3.5.2.1)")
        }
        (PatchOpKind::Replace, false, _) => {
            format!("sets {shown}; when it has no value, as add does (RFC 7644 §3.5.2.3)")
        }
        (PatchOpKind::Remove, false, _) => format!("unassigns {shown} (RFC 7644 §3.5.2.2)"),
        (PatchOpKind::Add, true, None) => format!(
            "adds the sub-attributes in the value's object to each element of {} the filter \
             matches (RFC 7644 §3.5.2.1)",
            top.name
        ),
        (PatchOpKind::Replace, true, None) => format!(
            "sets the sub-attributes in the value's object on each element of {} the filter \
             matches; none matching is 400 noTarget (RFC 7644 §3.5.2.3)",
            top.name
        ),
        (PatchOpKind::Remove, true, None) => format!(
            "removes each element of {} the filter matches (RFC 7644 §3.5.2.2)",
            top.name
        ),
        (PatchOpKind::Add, true, Some(sub)) => format!(
            "sets {} on each element of {} the filter matches; Entra also sends it when none \
             matches, expecting a new element built from the filter (not in the RFC)",
            sub.name, top.name
        ),
        (PatchOpKind::Replace, true, Some(sub)) => format!(
            "sets {} on each element of {} the filter matches; none matching is 400 noTarget \
             (RFC 7644 §3.5.2.3)",
            sub.name, top.name
        ),
        (PatchOpKind::Remove, true, Some(sub)) => format!(
            "unassigns {} in each element of {} the filter matches (RFC 7644 §3.5.2.2)",
            sub.name, top.name
        ),
    };
    if immutable && op == PatchOpKind::Replace {
        effect.push_str(&format!(
            "; `{}` is immutable: once it has a value, 400 mutability",
            designated.name
        ));
    }
    if *filtered && resolved.sub_attribute.is_none() && op == PatchOpKind::Replace {
        let fixed: Vec<&str> = top
            .sub_attributes
            .iter()
            .filter(|sub| sub.mutability == Mutability::Immutable)
            .map(|sub| sub.name.as_str())
            .collect();
        if !fixed.is_empty() {
            effect.push_str(&format!(
                "; `{}` cannot change once set (immutable): 400 mutability",
                fixed.join("`, `")
            ));
        }
    }
    let required = resolved.sub_attribute.is_none() && top.required;
    if required && op == PatchOpKind::Remove {
        effect.push_str(&format!(
            "; `{}` is required for `{}`, so servers refuse it (400)",
            top.name, schema.core.name
        ));
    }
    effect
}

/// A placeholder value of the right shape for an operation on `target`.
fn example_value(target: &Target<'_>) -> Value {
    fn one(attribute: &Attribute) -> Value {
        match attribute.attr_type {
            AttrType::Boolean => Value::Bool(true),
            AttrType::Integer => json!(1),
            AttrType::Decimal => json!(1.5),
            AttrType::DateTime => json!("2015-02-23T08:30:00Z"),
            AttrType::Complex => {
                let first = attribute
                    .sub_attributes
                    .iter()
                    .find(|s| s.mutability != Mutability::ReadOnly);
                match first {
                    Some(sub) => json!({ sub.name.clone(): one(sub) }),
                    None => json!({}),
                }
            }
            AttrType::String | AttrType::Reference | AttrType::Binary => json!("..."),
        }
    }
    match target {
        Target::Extension(schema) => match schema.attributes.first() {
            Some(first) => json!({ first.name.clone(): one(first) }),
            None => json!({}),
        },
        Target::Attribute { resolved, .. } => {
            let single = one(target.attribute().unwrap_or(resolved.attribute));
            if target.takes_array() {
                Value::Array(vec![single])
            } else if target.takes_element() {
                one(resolved.attribute)
            } else {
                single
            }
        }
    }
}

/// The characteristics of `attribute` in one line: "string, single-valued, caseExact false,
/// readWrite, returned default".
pub fn characteristics(attribute: &Attribute) -> String {
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
    let document = json!({
        "format_version": FORMAT_VERSION,
        "kind": heading.kind,
        "input": heading.input,
        "canonical": parsed.value.to_string(),
        "resourceType": heading.resource_type,
        "schemas": heading.schemas,
        "parse": parse_json(parsed, &heading.input),
        "tree": tree_json(&parsed.value),
        "attributes": comparisons.iter().map(comparison_json).collect::<Vec<_>>(),
        "request": heading.request,
    });
    pretty(&document)
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
    let document = json!({
        "format_version": FORMAT_VERSION,
        "kind": heading.kind,
        "input": heading.input,
        "canonical": parsed.value.to_string(),
        "resourceType": heading.resource_type,
        "schemas": heading.schemas,
        "parse": parse_json(parsed, &heading.input),
        "tree": tree,
        "target": target_json,
        "filterAttributes": target.filter.iter().map(comparison_json).collect::<Vec<_>>(),
        "operations": operations,
        "example": target.example,
    });
    pretty(&document)
}

fn pretty(document: &Value) -> String {
    let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
    text.push('\n');
    text
}
