//! What a PATCH path designates (RFC 7644 §3.5.2): which attribute definition, and whether an
//! operation's `value` is the whole attribute, one element a value filter selects, or a
//! sub-attribute of those elements. It resolves paths against schemas only: it never reads,
//! checks or changes a value.
//!
//! `lint` checks each value against it, `explain path` says what each op would do with it, and
//! the command line types a value by the shape it gives ([`crate::scim::typing`]). Application
//! itself stays in [`crate::scim::patch`]. Pure: std only.

use std::fmt;

use crate::scim::path::{AttrPath, PatchPath};
use crate::scim::schema::{AttrType, Attribute, Mutability, Resolved, ResourceSchema, Schema};
use crate::scim::suggest::did_you_mean;

/// What a path designates.
#[derive(Debug, Clone, Copy)]
pub enum Target<'s> {
    /// An attribute, or a sub-attribute, of the resource.
    Attribute {
        /// The attribute (and sub-attribute) the path names.
        resolved: Resolved<'s>,
        /// The path has a value filter: it selects elements of a multi-valued complex
        /// attribute.
        filtered: bool,
    },
    /// A URN-only path (read leniently): the whole extension object.
    Extension(&'s Schema),
}

/// Why a path designates nothing the schema describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetError {
    /// No schema of the resource type has the attribute (or the URN).
    UnknownAttribute { path: String, hint: String },
    /// The attribute has no such sub-attribute.
    UnknownSubAttribute {
        attribute: String,
        sub: String,
        hint: String,
    },
    /// A value filter on an attribute that is not multi-valued and complex.
    FilterOnSingleValue { attribute: String },
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetError::UnknownAttribute { path, hint } => {
                write!(f, "no schema of the resource type defines `{path}`{hint}")
            }
            TargetError::UnknownSubAttribute {
                attribute,
                sub,
                hint,
            } => write!(f, "`{attribute}` has no sub-attribute `{sub}`{hint}"),
            TargetError::FilterOnSingleValue { attribute } => write!(
                f,
                "a value filter selects elements of a multi-valued complex attribute, and \
                 `{attribute}` is not one"
            ),
        }
    }
}

impl<'s> Target<'s> {
    /// Whether the value is the whole multi-valued attribute, an array (`emails`).
    pub fn takes_array(&self) -> bool {
        match self {
            Target::Attribute { resolved, filtered } => {
                !filtered && resolved.sub_attribute.is_none() && resolved.attribute.multi_valued
            }
            Target::Extension(_) => false,
        }
    }

    /// Whether the value is one selected element, an object of sub-attributes
    /// (`emails[type eq "work"]`).
    pub fn takes_element(&self) -> bool {
        matches!(self, Target::Attribute { resolved, filtered: true } if resolved.sub_attribute.is_none())
    }

    /// The definition a value is checked against: the sub-attribute if the path names one,
    /// else the attribute. `None` for a whole extension object.
    pub fn attribute(&self) -> Option<&'s Attribute> {
        match self {
            Target::Attribute { resolved, .. } => Some(resolved.target()),
            Target::Extension(_) => None,
        }
    }

    /// Whether a server must refuse to change it: the attribute, or the sub-attribute the path
    /// names, is readOnly (RFC 7643 §2.2).
    pub fn is_read_only(&self) -> bool {
        match self {
            Target::Attribute { resolved, .. } => {
                resolved.attribute.mutability == Mutability::ReadOnly
                    || resolved.target().mutability == Mutability::ReadOnly
            }
            Target::Extension(_) => false,
        }
    }
}

/// Resolves what `path` designates in a resource described by `schema`.
pub fn patch_target<'s>(
    path: &PatchPath,
    schema: &'s ResourceSchema,
) -> Result<Target<'s>, TargetError> {
    let (attr, filtered_sub, filtered) = match path {
        PatchPath::Attr(attr) => (attr, None, false),
        PatchPath::Filtered { attr, sub, .. } => (attr, sub.as_deref(), true),
    };
    if attr.name.is_empty() {
        let urn = attr.urn.as_deref().unwrap_or_default();
        return schema.schema(urn).map(Target::Extension).ok_or_else(|| {
            TargetError::UnknownAttribute {
                path: urn.to_owned(),
                hint: String::new(),
            }
        });
    }
    let top = AttrPath {
        urn: attr.urn.clone(),
        name: attr.name.clone(),
        sub: None,
    };
    let Some(mut resolved) = schema.resolve(&top) else {
        let known: Vec<&str> = schema
            .core_attributes()
            .chain(schema.extensions.iter().flat_map(|s| s.attributes.iter()))
            .map(|a| a.name.as_str())
            .collect();
        return Err(TargetError::UnknownAttribute {
            path: top.to_string(),
            hint: did_you_mean(&attr.name, &known),
        });
    };
    if filtered
        && !(resolved.attribute.multi_valued && resolved.attribute.attr_type == AttrType::Complex)
    {
        return Err(TargetError::FilterOnSingleValue {
            attribute: resolved.attribute.name.clone(),
        });
    }
    if let Some(sub) = attr.sub.as_deref().or(filtered_sub) {
        resolved.sub_attribute = Some(sub_attribute(resolved.attribute, sub)?);
    }
    Ok(Target::Attribute { resolved, filtered })
}

/// The sub-attribute `sub` of `attribute`, or why there is none.
pub fn sub_attribute<'s>(
    attribute: &'s Attribute,
    sub: &str,
) -> Result<&'s Attribute, TargetError> {
    attribute
        .sub_attribute(sub)
        .ok_or_else(|| TargetError::UnknownSubAttribute {
            attribute: attribute.name.clone(),
            sub: sub.to_owned(),
            hint: did_you_mean(sub, &attribute.sub_attribute_names()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::filter::ParseOptions;
    use crate::scim::path::parse_patch_path_with;

    fn target(text: &str, schema: &ResourceSchema) -> Result<(String, bool, bool), TargetError> {
        let path = parse_patch_path_with(text, ParseOptions::lenient())
            .expect("parses")
            .path;
        let target = patch_target(&path, schema)?;
        let name = target
            .attribute()
            .map_or("(extension)".to_owned(), |a| a.name.clone());
        Ok((name, target.takes_array(), target.takes_element()))
    }

    #[test]
    fn the_value_shape_follows_the_path() {
        let user = ResourceSchema::user();
        assert_eq!(target("emails", &user), Ok(("emails".into(), true, false)));
        assert_eq!(
            target("emails[type eq \"work\"]", &user),
            Ok(("emails".into(), false, true))
        );
        assert_eq!(
            target("emails[type eq \"work\"].value", &user),
            Ok(("value".into(), false, false))
        );
        assert_eq!(
            target("name.givenName", &user),
            Ok(("givenName".into(), false, false))
        );
        assert_eq!(
            target(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                &user
            ),
            Ok(("(extension)".into(), false, false))
        );
    }

    #[test]
    fn unknown_names_come_with_the_nearest_known_one() {
        let group = ResourceSchema::group();
        let error = target("members[value eq \"x\"].displayName", &group).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`members` has no sub-attribute `displayName`; did you mean `display`?"
        );
        let error = target("displayNme", &group).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no schema of the resource type defines `displayNme`; did you mean `displayName`?"
        );
        assert_eq!(
            target("displayName[value eq \"x\"]", &group).unwrap_err(),
            TargetError::FilterOnSingleValue {
                attribute: "displayName".into()
            }
        );
    }
}
