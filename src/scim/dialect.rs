//! How identity providers shape the requests they send, for `--as`: the RFC's own shapes,
//! Okta's, Microsoft Entra ID's current (`aadOptscim062020`) shapes and Entra's legacy ones.
//! Pure: it renders bodies and headers and sends nothing.
//!
//! Each dialect renders PATCH bodies (op casing, string booleans), activation, membership
//! changes and create bodies byte for byte as that IdP does, so a server can be tried against
//! exactly what it will receive in production. Pure: serde_json and std only.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value, json};

use crate::scim::model::PATCH_OP;
use crate::scim::patch::PatchOpKind;
use crate::scim::resource::find_key_ci;

/// Whose request shapes to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dialect {
    /// RFC 7644 as written.
    #[default]
    Rfc,
    /// Okta's SCIM 2.0 client.
    Okta,
    /// Microsoft Entra ID with `aadOptscim062020`: lowercase ops, real booleans.
    Entra,
    /// Microsoft Entra ID's legacy shapes: capitalised ops, `"True"`/`"False"` strings, member
    /// removal by a value list.
    EntraLegacy,
}

/// One PATCH operation as the user asked for it, before a dialect renders it.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchStep {
    pub op: PatchOpKind,
    /// The path as written; `None` for a pathless add or replace (RFC 7644 §3.5.2.1, §3.5.2.3).
    pub path: Option<String>,
    pub value: Option<Value>,
}

impl Dialect {
    /// Every dialect, in the order `--help` lists them.
    pub const ALL: [Dialect; 4] = [
        Dialect::Rfc,
        Dialect::Okta,
        Dialect::Entra,
        Dialect::EntraLegacy,
    ];

    /// The name `--as` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Rfc => "rfc",
            Dialect::Okta => "okta",
            Dialect::Entra => "entra",
            Dialect::EntraLegacy => "entra-legacy",
        }
    }

    /// Headers the IdP sends with every request (Okta's, as in `fixtures/idp/okta-*.json`).
    /// `Content-Type` matters only for requests with a body; the client leaves it off the
    /// others.
    pub fn headers(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Dialect::Okta => &[
                ("User-Agent", "Okta SCIM Client 1.0.0"),
                ("Accept", "application/scim+json"),
                ("Accept-Charset", "utf-8"),
                ("Content-Type", "application/scim+json; charset=utf-8"),
            ],
            Dialect::Rfc | Dialect::Entra | Dialect::EntraLegacy => &[],
        }
    }

    /// The PatchOp request (RFC 7644 §3.5.2) for `steps`, as this IdP spells it (recorded in
    /// `fixtures/idp/`): Entra's legacy dialect capitalises `op` and sends booleans as
    /// `"True"`/`"False"`; Entra folds several replacements of plain attribute paths into one
    /// pathless `replace` whose keys are those paths (`name.givenName`,
    /// `urn:...:User:employeeNumber`), after the value-path operations.
    pub fn patch_body(self, steps: &[PatchStep]) -> Value {
        let plain_replace = |step: &PatchStep| {
            step.op == PatchOpKind::Replace
                && step.value.is_some()
                && step.path.as_deref().is_some_and(|path| !path.contains('['))
        };
        let folded =
            self == Dialect::Entra && steps.iter().filter(|s| plain_replace(s)).count() > 1;
        let mut operations: Vec<Value> = steps
            .iter()
            .filter(|step| !(folded && plain_replace(step)))
            .map(|step| self.operation(step.op, step.path.as_deref(), step.value.as_ref()))
            .collect();
        if folded {
            let keyed: Map<String, Value> = steps
                .iter()
                .filter(|step| plain_replace(step))
                .filter_map(|step| Some((step.path.clone()?, step.value.clone()?)))
                .collect();
            operations.push(self.operation(
                PatchOpKind::Replace,
                None,
                Some(&Value::Object(keyed)),
            ));
        }
        envelope(operations)
    }

    /// One operation object, keys in the order IdPs send them: `op`, `path`, `value`.
    fn operation(self, op: PatchOpKind, path: Option<&str>, value: Option<&Value>) -> Value {
        let mut operation = Map::new();
        operation.insert("op".to_owned(), json!(self.op_name(op)));
        if let Some(path) = path {
            operation.insert("path".to_owned(), json!(path));
        }
        if let Some(value) = value {
            operation.insert("value".to_owned(), self.value(value));
        }
        Value::Object(operation)
    }

    /// Turning a user on or off: Okta replaces without a path (`{"active":false}` as the value),
    /// Entra's legacy dialect sends `"False"`, the others the RFC's path form.
    pub fn set_active(self, active: bool) -> Value {
        let step = match self {
            Dialect::Okta => PatchStep {
                op: PatchOpKind::Replace,
                path: None,
                value: Some(json!({ "active": active })),
            },
            Dialect::Rfc | Dialect::Entra | Dialect::EntraLegacy => PatchStep {
                op: PatchOpKind::Replace,
                path: Some("active".to_owned()),
                value: Some(json!(active)),
            },
        };
        self.patch_body(&[step])
    }

    /// Adding members (each an id and, for Okta, the display name it sends along) in one `add`
    /// operation. Entra sends `"$ref": null` in front of each value and no display.
    pub fn add_members(self, members: &[(&str, Option<&str>)]) -> Value {
        let values = members
            .iter()
            .map(|(id, display)| match self {
                Dialect::Entra | Dialect::EntraLegacy => json!({ "$ref": null, "value": id }),
                Dialect::Rfc | Dialect::Okta => match display {
                    Some(display) => json!({ "value": id, "display": display }),
                    None => json!({ "value": id }),
                },
            })
            .collect();
        self.patch_body(&[PatchStep {
            op: PatchOpKind::Add,
            path: Some("members".to_owned()),
            value: Some(Value::Array(values)),
        }])
    }

    /// Removing members by id: one `remove` per member with a value filter
    /// (`members[value eq "id"]`, RFC 7644 §3.5.2.2), or for Entra's legacy dialect one
    /// `Remove` of path `members` carrying the list of values, which some servers read as
    /// "remove all" (apache/directory-scimple#436, Captain-P-Goldfish/SCIM-SDK#149).
    pub fn remove_members(self, ids: &[&str]) -> Value {
        match self {
            Dialect::EntraLegacy => self.patch_body(&[PatchStep {
                op: PatchOpKind::Remove,
                path: Some("members".to_owned()),
                value: Some(ids.iter().map(|id| json!({ "value": id })).collect()),
            }]),
            Dialect::Rfc | Dialect::Okta | Dialect::Entra => {
                let steps: Vec<PatchStep> = ids
                    .iter()
                    .map(|id| PatchStep {
                        op: PatchOpKind::Remove,
                        path: Some(member_filter_path(id)),
                        value: None,
                    })
                    .collect();
                self.patch_body(&steps)
            }
        }
    }

    /// A User create body with what this IdP adds to the user's data: Okta sends an empty
    /// `groups` list, Entra `roles: []` and `meta.resourceType`. The user's own attributes are
    /// kept as they are; nothing is invented (no password).
    pub fn create_user_body(self, user: &Value) -> Value {
        match self {
            Dialect::Rfc => user.clone(),
            Dialect::Okta => with_defaults(user, &[("groups", json!([]))]),
            Dialect::Entra | Dialect::EntraLegacy => with_defaults(
                user,
                &[
                    ("meta", json!({ "resourceType": "User" })),
                    ("roles", json!([])),
                ],
            ),
        }
    }

    /// A Group create body as this IdP sends it: Okta with an empty `members` list, Entra with
    /// `meta.resourceType`.
    pub fn create_group_body(self, group: &Value) -> Value {
        match self {
            Dialect::Rfc => group.clone(),
            Dialect::Okta => with_defaults(group, &[("members", json!([]))]),
            Dialect::Entra | Dialect::EntraLegacy => {
                with_defaults(group, &[("meta", json!({ "resourceType": "Group" }))])
            }
        }
    }

    fn op_name(self, op: PatchOpKind) -> &'static str {
        match (self, op) {
            (Dialect::EntraLegacy, PatchOpKind::Add) => "Add",
            (Dialect::EntraLegacy, PatchOpKind::Replace) => "Replace",
            (Dialect::EntraLegacy, PatchOpKind::Remove) => "Remove",
            (_, op) => op.as_str(),
        }
    }

    /// A value as the dialect sends it: Entra legacy turns every boolean into `"True"`/`"False"`,
    /// also inside objects such as `roles[].primary`.
    fn value(self, value: &Value) -> Value {
        match self {
            Dialect::EntraLegacy => string_booleans(value, 3),
            Dialect::Rfc | Dialect::Okta | Dialect::Entra => value.clone(),
        }
    }
}

/// The PatchOp envelope around `operations`.
fn envelope(operations: Vec<Value>) -> Value {
    json!({ "schemas": [PATCH_OP], "Operations": operations })
}

/// `members[value eq "id"]`, the id quoted as a JSON string (a filter's compValue, §3.4.2.2).
pub fn member_filter_path(id: &str) -> String {
    format!("members[value eq {}]", Value::String(id.to_owned()))
}

/// Booleans as Entra's legacy capitalised strings, also inside objects and lists. A PATCH
/// value is at most three levels deep (pathless object, multi-valued attribute, element), so
/// deeper data is left alone and the recursion is bounded.
fn string_booleans(value: &Value, depth_left: u8) -> Value {
    match value {
        Value::Bool(flag) => json!(if *flag { "True" } else { "False" }),
        Value::Array(items) if depth_left > 0 => items
            .iter()
            .map(|item| string_booleans(item, depth_left - 1))
            .collect(),
        Value::Object(members) if depth_left > 0 => Value::Object(
            members
                .iter()
                .map(|(key, member)| (key.clone(), string_booleans(member, depth_left - 1)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `body` with each default added where the body has no such key (case-insensitively).
fn with_defaults(body: &Value, defaults: &[(&str, Value)]) -> Value {
    let Value::Object(object) = body else {
        return body.clone();
    };
    let mut object = object.clone();
    for (key, value) in defaults {
        if find_key_ci(&object, key).is_none() {
            object.insert((*key).to_owned(), value.clone());
        }
    }
    Value::Object(object)
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Dialect {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Dialect::ALL
            .into_iter()
            .find(|dialect| dialect.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                format!("unknown dialect `{text}`: use rfc, okta, entra or entra-legacy")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_explained() {
        for dialect in Dialect::ALL {
            assert_eq!(dialect.to_string().parse::<Dialect>(), Ok(dialect));
        }
        assert_eq!("Entra-Legacy".parse(), Ok(Dialect::EntraLegacy));
        assert_eq!(
            "azure".parse::<Dialect>(),
            Err("unknown dialect `azure`: use rfc, okta, entra or entra-legacy".to_owned())
        );
    }

    #[test]
    fn member_filters_quote_ids_as_json_strings() {
        assert_eq!(member_filter_path("u1"), r#"members[value eq "u1"]"#);
        assert_eq!(
            member_filter_path(r#"a"b\c"#),
            r#"members[value eq "a\"b\\c"]"#
        );
    }
}
