//! What a PATCH path designates and what `add`, `replace` and `remove` would do with it
//! (RFC 7644 §3.5.2), with a value of the right shape for an example operation. It only
//! explains; applying an operation stays in [`crate::scim::patch`].

use serde_json::{Value, json};

use super::filter::{Comparison, element_comparisons};
use crate::scim::patch::PatchOpKind;
use crate::scim::path::PatchPath;
use crate::scim::schema::{AttrType, Attribute, Mutability, Resolved, ResourceSchema};
use crate::scim::target::{Target, TargetError, patch_target};

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

/// What `op` would do with `target`, in words, with the refusals a server owes it.
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
    if target.is_read_only() {
        return format!(
            "400 mutability: `{}` is readOnly (RFC 7643 §2.2)",
            resolved.target().name
        );
    }
    let mut effect = shape_effect(op, resolved, *filtered, &path.to_string());
    effect.push_str(&refusals(op, resolved, *filtered, schema));
    effect
}

/// What `op` does by the shape of what the path designates: a whole multi-valued or complex
/// attribute, a single value, the elements a filter selects, or a sub-attribute of those.
fn shape_effect(op: PatchOpKind, resolved: &Resolved<'_>, filtered: bool, shown: &str) -> String {
    let top = resolved.attribute;
    match (op, filtered, resolved.sub_attribute) {
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
    }
}

/// What a server refuses in `op` beyond the readOnly case: changing an immutable value, and
/// removing a required attribute.
fn refusals(
    op: PatchOpKind,
    resolved: &Resolved<'_>,
    filtered: bool,
    schema: &ResourceSchema,
) -> String {
    let (top, sub) = (resolved.attribute, resolved.sub_attribute);
    let designated = resolved.target();
    let mut refused = String::new();
    if designated.mutability == Mutability::Immutable && op == PatchOpKind::Replace {
        refused.push_str(&format!(
            "; `{}` is immutable: once it has a value, 400 mutability",
            designated.name
        ));
    }
    if filtered && sub.is_none() && op == PatchOpKind::Replace {
        let fixed: Vec<&str> = top
            .sub_attributes
            .iter()
            .filter(|sub| sub.mutability == Mutability::Immutable)
            .map(|sub| sub.name.as_str())
            .collect();
        if !fixed.is_empty() {
            refused.push_str(&format!(
                "; `{}` cannot change once set (immutable): 400 mutability",
                fixed.join("`, `")
            ));
        }
    }
    if sub.is_none() && top.required && op == PatchOpKind::Remove {
        refused.push_str(&format!(
            "; `{}` is required for `{}`, so servers refuse it (400)",
            top.name, schema.core.name
        ));
    }
    refused
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
