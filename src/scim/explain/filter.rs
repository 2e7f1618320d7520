//! What each comparison of a filter means: how its attribute path resolves against the
//! schemas, what it matches in words, and what a server will object to (an operator the
//! evaluator refuses, a value of the wrong JSON type). It only explains; it renders nothing.

use crate::scim::filter::{CompValue, CompareOp, Filter, validate};
use crate::scim::path::{AttrPath, PatchPath};
use crate::scim::schema::{AttrType, Attribute, Resolved, ResourceSchema};
use crate::scim::target::{Target, TargetError, patch_target, sub_attribute};

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
