//! What a server returns of a stored resource: `attributes` and `excludedAttributes` (RFC 7644
//! §3.4.2.5, §3.9) under the schema's `returned` rules (RFC 7643 §2.2). It never changes the
//! stored resource: a projection is a view that serializes what is shown without copying it.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
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
    let projector = Projector::new(schema, attributes, excluded);
    // A view of a JSON value has string keys only, which is all `to_value` can refuse.
    serde_json::to_value(projector.view(resource)).unwrap_or_else(|_| Value::Object(Map::new()))
}

/// `attributes` and `excludedAttributes` resolved against a resource type's schemas once, for
/// projecting any number of its resources ([`project`] says what is shown).
pub struct Projector<'a> {
    schema: &'a ResourceSchema,
    attributes: Vec<Named<'a>>,
    excluded: Vec<Named<'a>>,
}

impl<'a> Projector<'a> {
    pub fn new(
        schema: &'a ResourceSchema,
        attributes: &'a [AttrPath],
        excluded: &'a [AttrPath],
    ) -> Projector<'a> {
        Projector {
            schema,
            attributes: named(schema, attributes),
            excluded: named(schema, excluded),
        }
    }

    /// What is shown of `resource`, serialized straight from it.
    pub fn view<'v>(&'v self, resource: &'v Value) -> Projected<'v> {
        let selection = if self.attributes.is_empty() {
            Selection::Default {
                excluded: &self.excluded,
            }
        } else {
            Selection::Only {
                attributes: &self.attributes,
            }
        };
        Projected {
            schema: self.schema,
            selection,
            resource,
        }
    }
}

/// A resource as a projection shows it (serialize it to get the JSON).
pub struct Projected<'v> {
    schema: &'v ResourceSchema,
    selection: Selection<'v>,
    resource: &'v Value,
}

impl Serialize for Projected<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Some(members) = self.resource.as_object() else {
            return self.resource.serialize(serializer);
        };
        let (schema, selection) = (self.schema, self.selection);
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in members {
            if key.eq_ignore_ascii_case("schemas") {
                map.serialize_entry(key, value)?;
            } else if let Some(attribute) = schema
                .core_attributes()
                .find(|a| a.name.eq_ignore_ascii_case(key))
            {
                if let Some(shown) = selection.attribute(&schema.core, attribute)
                    && shown.shows(value)
                {
                    map.serialize_entry(
                        key,
                        &Shaped {
                            value,
                            shown: &shown,
                        },
                    )?;
                }
            } else if let Some(extension) = schema.extension(key) {
                let view = ExtensionView {
                    selection: selection.within(extension),
                    extension,
                    value,
                };
                if view.shows_anything() {
                    map.serialize_entry(key, &view)?;
                }
            } else if selection.keeps_unknown(key) {
                map.serialize_entry(key, value)?;
            }
        }
        map.end()
    }
}

/// A path of `attributes` or `excludedAttributes` with the attribute it names (ignoring any
/// sub-attribute), when the schema defines one.
struct Named<'a> {
    path: &'a AttrPath,
    target: Option<(&'a Schema, &'a Attribute)>,
}

impl Named<'_> {
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

fn named<'a>(schema: &'a ResourceSchema, paths: &'a [AttrPath]) -> Vec<Named<'a>> {
    paths
        .iter()
        .map(|path| Named {
            path,
            target: schema.resolve_attribute(path.urn.as_deref(), &path.name),
        })
        .collect()
}

#[derive(Clone, Copy)]
enum Selection<'n> {
    /// Everything but `returned: request` and the excluded.
    Default { excluded: &'n [Named<'n>] },
    /// Only what is named, with what is always returned.
    Only { attributes: &'n [Named<'n>] },
    /// Nothing: an extension the exclusions name whole.
    Nothing,
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

/// How much of one attribute's value is shown.
struct Shown<'n> {
    /// `None`: the whole value; otherwise the sub-attributes the rule keeps.
    subs: Option<SubRule<'n>>,
    /// Whether the attribute is left out when nothing of it remains.
    unless_empty: bool,
}

/// Which sub-attributes of a complex attribute are shown; the schema's `returned: never` ones
/// never are, and those the schema does not define always are.
struct SubRule<'n> {
    attribute: &'n Attribute,
    keep: Keep,
    /// The paths that name the attribute (for the sub-attributes they name).
    paths: Vec<&'n Named<'n>>,
}

#[derive(Clone, Copy)]
enum Keep {
    /// Every sub-attribute.
    All,
    /// The attribute was named whole: all but the `returned: request` ones not named.
    NamedWhole,
    /// Only sub-attributes were named: those, and the `returned: always` ones.
    NamedSubs,
    /// The default set: `returned: always` and `default` ones not excluded.
    DefaultSet,
}

impl SubRule<'_> {
    fn keeps_member(&self, key: &str) -> bool {
        let Some(sub) = self.attribute.sub_attribute(key) else {
            return true;
        };
        let named = || self.paths.iter().any(|p| p.names_sub(sub));
        sub.returned != Returned::Never
            && match self.keep {
                Keep::All => true,
                Keep::NamedWhole => sub.returned != Returned::Request || named(),
                Keep::NamedSubs => sub.returned == Returned::Always || named(),
                Keep::DefaultSet => {
                    sub.returned == Returned::Always
                        || (sub.returned == Returned::Default && !named())
                }
            }
    }

    /// Whether anything of one value (an element of a multi-valued attribute) remains.
    fn element_shows(&self, element: &Value) -> bool {
        match element {
            Value::Object(members) => members.keys().any(|key| self.keeps_member(key)),
            other => is_assigned(other),
        }
    }
}

impl Shown<'_> {
    fn shows(&self, value: &Value) -> bool {
        if !self.unless_empty {
            return true;
        }
        match (&self.subs, value) {
            (None, value) => is_assigned(value),
            (Some(rule), Value::Array(items)) => items.iter().any(|e| rule.element_shows(e)),
            (Some(rule), value) => rule.element_shows(value),
        }
    }
}

impl<'n> Selection<'n> {
    fn keeps_unknown(&self, key: &str) -> bool {
        let named = |paths: &[Named]| {
            paths
                .iter()
                .any(|p| p.path.urn.is_none() && p.path.name.eq_ignore_ascii_case(key))
        };
        match self {
            Selection::Default { excluded } => !named(excluded),
            Selection::Only { attributes } => named(attributes),
            Selection::Nothing => false,
        }
    }

    /// The selection inside `extension`: all of it when `attributes` names it whole, nothing
    /// when `excludedAttributes` does.
    fn within(self, extension: &Schema) -> Selection<'n> {
        let names_whole =
            |paths: &[Named]| paths.iter().any(|p| names_extension(p.path, extension));
        match self {
            Selection::Only { attributes } if names_whole(attributes) => {
                Selection::Default { excluded: &[] }
            }
            Selection::Default { excluded } if names_whole(excluded) => Selection::Nothing,
            other => other,
        }
    }

    /// How much of `attribute` of `owner` is shown; `None` when it is left out.
    fn attribute(&self, owner: &Schema, attribute: &'n Attribute) -> Option<Shown<'n>> {
        let rule = |keep, paths| {
            (attribute.attr_type == AttrType::Complex).then_some(SubRule {
                attribute,
                keep,
                paths,
            })
        };
        match attribute.returned {
            _ if matches!(self, Selection::Nothing) => return None,
            Returned::Never => return None,
            Returned::Always => {
                return Some(Shown {
                    subs: rule(Keep::All, Vec::new()),
                    unless_empty: false,
                });
            }
            Returned::Default | Returned::Request => {}
        }
        match *self {
            Selection::Nothing => None,
            Selection::Only { attributes } => {
                let paths: Vec<&Named> = attributes
                    .iter()
                    .filter(|p| p.names(owner, attribute))
                    .collect();
                if paths.is_empty() {
                    return None;
                }
                let whole = paths.iter().any(|p| p.path.sub.is_none());
                Some(Shown {
                    subs: rule(
                        if whole {
                            Keep::NamedWhole
                        } else {
                            Keep::NamedSubs
                        },
                        paths,
                    ),
                    unless_empty: !whole,
                })
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
                Some(Shown {
                    subs: rule(Keep::DefaultSet, paths),
                    unless_empty: true,
                })
            }
        }
    }
}

/// An extension's object as the selection within it shows it.
struct ExtensionView<'v> {
    selection: Selection<'v>,
    extension: &'v Schema,
    value: &'v Value,
}

impl<'v> ExtensionView<'v> {
    /// The members shown, each with how much of it.
    fn members(&self) -> impl Iterator<Item = (&'v String, &'v Value, Option<Shown<'v>>)> + '_ {
        self.value
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(move |(key, inner)| {
                let shown = match self.extension.attribute(key) {
                    Some(attribute) => Some(self.selection.attribute(self.extension, attribute)?),
                    // A member the extension does not define: kept in the default set only.
                    None => matches!(self.selection, Selection::Default { .. }).then_some(None)?,
                };
                shown
                    .as_ref()
                    .is_none_or(|shown| shown.shows(inner))
                    .then_some((key, inner, shown))
            })
    }

    fn shows_anything(&self) -> bool {
        self.members().next().is_some()
    }
}

impl Serialize for ExtensionView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (key, value, shown) in self.members() {
            match &shown {
                Some(shown) => map.serialize_entry(key, &Shaped { value, shown })?,
                None => map.serialize_entry(key, value)?,
            }
        }
        map.end()
    }
}

/// One attribute's value as `shown` shows it.
struct Shaped<'v, 'n> {
    value: &'v Value,
    shown: &'v Shown<'n>,
}

impl Serialize for Shaped<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Some(rule) = &self.shown.subs else {
            return self.value.serialize(serializer);
        };
        match self.value {
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(None)?;
                for element in items.iter().filter(|e| rule.element_shows(e)) {
                    seq.serialize_element(&Element { element, rule })?;
                }
                seq.end()
            }
            element => Element { element, rule }.serialize(serializer),
        }
    }
}

/// One complex value with only the sub-attributes `rule` keeps.
struct Element<'v, 'n> {
    element: &'v Value,
    rule: &'v SubRule<'n>,
}

impl Serialize for Element<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Value::Object(members) = self.element else {
            return self.element.serialize(serializer);
        };
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in members
            .iter()
            .filter(|(key, _)| self.rule.keeps_member(key))
        {
            map.serialize_entry(key, value)?;
        }
        map.end()
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

    #[test]
    fn excluding_every_shown_sub_attribute_leaves_the_attribute_out() {
        let mut user = stored_user();
        user["emails"] =
            json!([{"value": "b@example.com"}, {"value": "c@example.com", "type": "home"}]);
        let projected = project(&user, &ResourceSchema::user(), &[], &[path("emails.value")]);
        assert_eq!(
            projected["emails"],
            json!([{"type": "home"}]),
            "an element with nothing left is dropped, the others keep what is not excluded"
        );
        let projected = project(
            &user,
            &ResourceSchema::user(),
            &[],
            &[path("emails.value"), path("emails.type")],
        );
        assert_eq!(projected.get("emails"), None);
    }

    #[test]
    fn an_excluded_extension_is_left_out_whole() {
        let projected = project(
            &stored_user(),
            &ResourceSchema::user(),
            &[],
            &[AttrPath {
                urn: Some(ENTERPRISE_USER_SCHEMA.to_owned()),
                name: String::new(),
                sub: None,
            }],
        );
        assert_eq!(projected.get(ENTERPRISE_USER_SCHEMA), None);
        assert_eq!(projected["userName"], "bjensen");
    }

    #[test]
    fn a_view_serializes_to_the_projected_value() {
        let schema = ResourceSchema::user();
        let attributes = [path("name.familyName"), path("emails")];
        let projector = Projector::new(&schema, &attributes, &[]);
        let text = serde_json::to_string(&projector.view(&stored_user())).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            project(&stored_user(), &schema, &attributes, &[])
        );
        assert_eq!(
            text,
            format!(
                r#"{{"schemas":["{USER_SCHEMA}","{ENTERPRISE_USER_SCHEMA}"],"id":"2819c223","name":{{"familyName":"Jensen"}},"emails":[{{"value":"b@example.com","type":"work"}}]}}"#
            ),
            "members keep their stored order"
        );
    }
}
