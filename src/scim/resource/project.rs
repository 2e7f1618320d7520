//! What a server returns of a stored resource: `attributes` and `excludedAttributes` (RFC 7644
//! §3.4.2.5, §3.9) under the schema's `returned` rules (RFC 7643 §2.2). It never changes the
//! stored resource.

use serde_json::{Map, Value};

use super::is_assigned;
use crate::scim::path::AttrPath;
use crate::scim::schema::{AttrType, Attribute, ResourceSchema, Returned, Schema};

/// Applies `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9) and the schema's
/// `returned` characteristics (RFC 7643 §2.2) to a stored resource.
///
/// `schemas` and `returned: always` attributes (`id`) are always kept, `returned: never`
/// attributes (`password`) never, `returned: request` ones only when `attributes` names them.
/// A non-empty `attributes` list replaces the default set and `excluded` is then ignored, as
/// the two are alternatives. Paths may be URN-qualified and may name a sub-attribute; a
/// URN-only path (empty `name`) names a whole extension. Members the schema does not define
/// are kept in the default set and dropped when `attributes` is given, unless named.
pub fn project(
    resource: &Value,
    schema: &ResourceSchema,
    attributes: &[AttrPath],
    excluded: &[AttrPath],
) -> Value {
    let Some(members) = resource.as_object() else {
        return resource.clone();
    };
    // Each path is resolved once here rather than once per member of the resource: a page of
    // a thousand users with `attributes=` would otherwise resolve every path thousands of times.
    let (attributes, excluded) = (named(schema, attributes), named(schema, excluded));
    let selection = if attributes.is_empty() {
        Selection::Default {
            excluded: &excluded,
        }
    } else {
        Selection::Only {
            attributes: &attributes,
        }
    };
    let mut out = Map::with_capacity(members.len());
    for (key, value) in members {
        if key.eq_ignore_ascii_case("schemas") {
            out.insert(key.clone(), value.clone());
            continue;
        }
        if let Some(attribute) = schema
            .core_attributes()
            .find(|a| a.name.eq_ignore_ascii_case(key))
        {
            if let Some(v) = selection.project_attribute(&schema.core, attribute, value) {
                out.insert(key.clone(), v);
            }
            continue;
        }
        if let Some(extension) = schema.extension(key) {
            if let Some(v) = selection.project_extension(extension, value) {
                out.insert(key.clone(), v);
            }
            continue;
        }
        if selection.keeps_unknown(key) {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

/// A path of `attributes` or `excludedAttributes` with the attribute it names (ignoring any
/// sub-attribute), when the schema defines one.
struct Named<'p, 's> {
    path: &'p AttrPath,
    target: Option<(&'s Schema, &'s Attribute)>,
}

impl Named<'_, '_> {
    /// Whether the path names `attribute` of `owner`.
    fn names(&self, owner: &Schema, attribute: &Attribute) -> bool {
        self.target
            .is_some_and(|(s, a)| std::ptr::eq(s, owner) && std::ptr::eq(a, attribute))
    }

    /// Whether the path names sub-attribute `sub`.
    fn names_sub(&self, sub: &Attribute) -> bool {
        self.path
            .sub
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(&sub.name))
    }
}

fn named<'p, 's>(schema: &'s ResourceSchema, paths: &'p [AttrPath]) -> Vec<Named<'p, 's>> {
    paths
        .iter()
        .map(|path| Named {
            path,
            target: schema.resolve_attribute(path.urn.as_deref(), &path.name),
        })
        .collect()
}

enum Selection<'n, 'p, 's> {
    Default { excluded: &'n [Named<'p, 's>] },
    Only { attributes: &'n [Named<'p, 's>] },
}

/// Whether `path` names a whole extension: a URN-only path, or a bare URN that an attribute
/// path parser split at its last `:` (`urn:…:2.0` + `User`).
fn names_extension(path: &AttrPath, extension: &Schema) -> bool {
    let Some(urn) = path.urn.as_deref() else {
        return false;
    };
    if path.name.is_empty() {
        return urn.eq_ignore_ascii_case(&extension.id);
    }
    path.sub.is_none()
        && extension.id.len() == urn.len() + 1 + path.name.len()
        && format!("{urn}:{}", path.name).eq_ignore_ascii_case(&extension.id)
}

impl Selection<'_, '_, '_> {
    fn keeps_unknown(&self, key: &str) -> bool {
        let named = |paths: &[Named]| {
            paths
                .iter()
                .any(|p| p.path.urn.is_none() && p.path.name.eq_ignore_ascii_case(key))
        };
        match self {
            Selection::Default { excluded } => !named(excluded),
            Selection::Only { attributes } => named(attributes),
        }
    }

    fn project_extension(&self, extension: &Schema, value: &Value) -> Option<Value> {
        let members = value.as_object()?;
        let names_whole =
            |paths: &[Named]| paths.iter().any(|p| names_extension(p.path, extension));
        let effective = match self {
            Selection::Only { attributes } if names_whole(attributes) => {
                Selection::Default { excluded: &[] }
            }
            Selection::Default { excluded } if names_whole(excluded) => return None,
            Selection::Default { excluded } => Selection::Default { excluded },
            Selection::Only { attributes } => Selection::Only { attributes },
        };
        let mut out = Map::new();
        for (key, inner) in members {
            let kept = match extension.attribute(key) {
                Some(attribute) => effective.project_attribute(extension, attribute, inner),
                None => matches!(effective, Selection::Default { .. }).then(|| inner.clone()),
            };
            if let Some(v) = kept {
                out.insert(key.clone(), v);
            }
        }
        (!out.is_empty()).then_some(Value::Object(out))
    }

    fn project_attribute(
        &self,
        owner: &Schema,
        attribute: &Attribute,
        value: &Value,
    ) -> Option<Value> {
        match attribute.returned {
            Returned::Never => return None,
            Returned::Always => return Some(strip_sub_attributes(attribute, value, |_| true)),
            Returned::Default | Returned::Request => {}
        }
        match self {
            Selection::Only { attributes } => {
                let paths: Vec<&Named> = attributes
                    .iter()
                    .filter(|p| p.names(owner, attribute))
                    .collect();
                if paths.is_empty() {
                    return None;
                }
                if paths.iter().any(|p| p.path.sub.is_none()) {
                    return Some(strip_sub_attributes(attribute, value, |sub| {
                        sub.returned != Returned::Request || paths.iter().any(|p| p.names_sub(sub))
                    }));
                }
                let kept = strip_sub_attributes(attribute, value, |sub| {
                    sub.returned == Returned::Always || paths.iter().any(|p| p.names_sub(sub))
                });
                is_assigned(&kept).then_some(kept)
            }
            Selection::Default { excluded } => {
                if attribute.returned == Returned::Request {
                    return None;
                }
                let paths: Vec<&Named> = excluded
                    .iter()
                    .filter(|p| p.names(owner, attribute))
                    .collect();
                if paths.iter().any(|p| p.path.sub.is_none()) {
                    return None;
                }
                let kept = strip_sub_attributes(attribute, value, |sub| {
                    sub.returned == Returned::Always
                        || (sub.returned == Returned::Default
                            && !paths.iter().any(|p| p.names_sub(sub)))
                });
                is_assigned(&kept).then_some(kept)
            }
        }
    }
}

/// Keeps, in a complex value or in each element of a multi-valued complex value, only the
/// sub-attributes `keep` accepts (sub-attributes the schema does not define are kept) and
/// never the `returned: never` ones. Other values are returned unchanged.
fn strip_sub_attributes(
    attribute: &Attribute,
    value: &Value,
    keep: impl Fn(&Attribute) -> bool,
) -> Value {
    if attribute.attr_type != AttrType::Complex {
        return value.clone();
    }
    let strip_one = |element: &Value| match element {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .filter(|(key, _)| {
                    attribute
                        .sub_attribute(key)
                        .is_none_or(|sub| sub.returned != Returned::Never && keep(sub))
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    };
    match value {
        Value::Array(items) => {
            Value::Array(items.iter().map(strip_one).filter(is_assigned).collect())
        }
        other => strip_one(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::model::{ENTERPRISE_USER_SCHEMA, USER_SCHEMA};
    use serde_json::json;

    fn path(text: &str) -> AttrPath {
        let (urn, rest) = match text.rfind(':') {
            Some(at) => (Some(text[..at].to_owned()), &text[at + 1..]),
            None => (None, text),
        };
        let (name, sub) = match rest.split_once('.') {
            Some((n, s)) => (n.to_owned(), Some(s.to_owned())),
            None => (rest.to_owned(), None),
        };
        AttrPath { urn, name, sub }
    }

    fn stored_user() -> Value {
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "id": "2819c223",
            "userName": "bjensen",
            "password": "t1meMa$heen",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "b@example.com", "type": "work"}],
            "meta": {"resourceType": "User"},
            ENTERPRISE_USER_SCHEMA: {"employeeNumber": "701984", "department": "Tour"}
        })
    }

    #[test]
    fn default_projection_never_shows_the_password() {
        let projected = project(&stored_user(), &ResourceSchema::user(), &[], &[]);
        let mut expected = stored_user();
        if let Some(map) = expected.as_object_mut() {
            map.shift_remove("password");
        }
        assert_eq!(projected, expected);
    }

    #[test]
    fn attributes_select_sub_attributes_and_urn_paths_and_keep_id() {
        let projected = project(
            &stored_user(),
            &ResourceSchema::user(),
            &[
                path("name.familyName"),
                path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
                path("password"),
            ],
            &[],
        );
        assert_eq!(
            projected,
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "id": "2819c223",
                "name": {"familyName": "Jensen"},
                ENTERPRISE_USER_SCHEMA: {"department": "Tour"}
            })
        );
    }

    #[test]
    fn excluded_attributes_cannot_remove_id() {
        let projected = project(
            &stored_user(),
            &ResourceSchema::user(),
            &[],
            &[
                path("id"),
                path("emails"),
                path("name.givenName"),
                path("meta"),
                path(ENTERPRISE_USER_SCHEMA),
            ],
        );
        assert_eq!(
            projected,
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "id": "2819c223",
                "userName": "bjensen",
                "name": {"familyName": "Jensen"}
            })
        );
    }

    #[test]
    fn a_sub_attribute_path_projects_every_element_of_a_multi_valued_attribute() {
        let projected = project(
            &stored_user(),
            &ResourceSchema::user(),
            &[path("EMAILS.VALUE")],
            &[],
        );
        assert_eq!(
            projected,
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "id": "2819c223",
                "emails": [{"value": "b@example.com"}]
            })
        );
    }

    #[test]
    fn a_urn_only_attribute_path_selects_the_whole_extension() {
        let projected = project(
            &stored_user(),
            &ResourceSchema::user(),
            &[AttrPath {
                urn: Some(ENTERPRISE_USER_SCHEMA.to_owned()),
                name: String::new(),
                sub: None,
            }],
            &[],
        );
        assert_eq!(
            projected,
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "id": "2819c223",
                ENTERPRISE_USER_SCHEMA: {"employeeNumber": "701984", "department": "Tour"}
            })
        );
    }
}
