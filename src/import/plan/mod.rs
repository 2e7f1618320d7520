//! The plan: what each row asks of the server, given what the server holds; it decides, and
//! never sends nor reads anything itself (the caller hands it the server's state).
//!
//! The server's state is kept small: per resource its id, its match keys and a fingerprint of
//! each mapped slot's value ([`Existing`]), so a 100,000-user server fits in a few MiB. A row
//! whose values have the fingerprints the server's have is unchanged; one that differs is an
//! update, whose request is built by [`update_request`] from the resource read again just
//! before writing. PURE: serde_json and the SCIM core only; no I/O.

use std::collections::HashMap;
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::Value;

use crate::import::mapping::{CellValue, ImportKind, Mapping, Row};
use crate::scim::model::ENTERPRISE_USER_SCHEMA;
use crate::scim::resource::get_ci;

mod update;

pub use update::{
    Change, Method, UpdateRequest, member_changes, member_steps, members_value, put_body,
    update_request,
};

/// The attribute that pairs a row with a resource (`--match`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKey {
    /// `userName`, compared without case (RFC 7643 §4.1.1: caseExact false).
    UserName,
    /// `externalId`, compared exactly (RFC 7643 §3.1: caseExact true).
    ExternalId,
    /// Any of `emails[].value`, compared without case.
    Email,
    /// A group's `displayName`, compared without case.
    DisplayName,
}

impl MatchKey {
    /// Reads `--match` for `kind`.
    pub fn parse(text: &str, kind: ImportKind) -> Result<MatchKey, String> {
        let key = match text.to_ascii_lowercase().as_str() {
            "username" | "user-name" => MatchKey::UserName,
            "externalid" | "external-id" => MatchKey::ExternalId,
            "email" | "emails" => MatchKey::Email,
            "displayname" | "display-name" => MatchKey::DisplayName,
            _ => return Err(format!("unknown --match `{text}`: {}", Self::choices(kind))),
        };
        let fits = match kind {
            ImportKind::Users => key != MatchKey::DisplayName,
            ImportKind::Groups => matches!(key, MatchKey::DisplayName | MatchKey::ExternalId),
        };
        if fits {
            Ok(key)
        } else {
            Err(format!(
                "--match {text} does not fit {kind}: {}",
                Self::choices(kind)
            ))
        }
    }

    fn choices(kind: ImportKind) -> &'static str {
        match kind {
            ImportKind::Users => "users match by userName, externalId or email",
            ImportKind::Groups => "groups match by displayName or externalId",
        }
    }

    /// The default for `kind`.
    pub fn default_for(kind: ImportKind) -> MatchKey {
        match kind {
            ImportKind::Users => MatchKey::UserName,
            ImportKind::Groups => MatchKey::DisplayName,
        }
    }

    /// The attribute a lookup filters on (`userName eq "..."`).
    pub fn filter_attribute(self) -> &'static str {
        match self {
            MatchKey::UserName => "userName",
            MatchKey::ExternalId => "externalId",
            MatchKey::Email => "emails.value",
            MatchKey::DisplayName => "displayName",
        }
    }

    /// The name shown in messages.
    pub fn name(self) -> &'static str {
        match self {
            MatchKey::UserName => "userName",
            MatchKey::ExternalId => "externalId",
            MatchKey::Email => "email",
            MatchKey::DisplayName => "displayName",
        }
    }

    /// A key as compared: folded to lower case unless the attribute is caseExact.
    pub fn normalise(self, value: &str) -> String {
        match self {
            MatchKey::ExternalId => value.to_owned(),
            MatchKey::UserName | MatchKey::Email | MatchKey::DisplayName => value.to_lowercase(),
        }
    }

    /// The slot of `mapping` that holds this key.
    pub fn slot(self, mapping: &Mapping) -> Option<usize> {
        match self {
            MatchKey::Email => mapping.email_slot(),
            other => mapping.slot_index(other.filter_attribute()),
        }
    }

    /// The slot whose value is the key itself, so that pairing proves it equal; `None` for
    /// email, which may pair by another address than the one the slot holds.
    fn paired_slot(self, mapping: &Mapping) -> Option<usize> {
        match self {
            MatchKey::Email => None,
            other => other.slot(mapping),
        }
    }

    /// The key a row gives, as written.
    pub fn row_value(self, mapping: &Mapping, row: &Row) -> Option<String> {
        let slot = self.slot(mapping)?;
        row.values.iter().find_map(|(index, value)| match value {
            CellValue::Set(Value::String(text)) if *index == slot => Some(text.clone()),
            _ => None,
        })
    }

    /// Every key `resource` can be found by, normalised.
    pub fn resource_keys(self, resource: &Value) -> Vec<String> {
        let Some(object) = resource.as_object() else {
            return Vec::new();
        };
        match self {
            MatchKey::Email => get_ci(object, "emails")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|email| email.as_object().and_then(|e| get_ci(e, "value")))
                .filter_map(Value::as_str)
                .map(|address| self.normalise(address))
                .collect(),
            other => get_ci(object, other.filter_attribute())
                .and_then(Value::as_str)
                .map(|text| vec![self.normalise(text)])
                .unwrap_or_default(),
        }
    }
}

impl fmt::Display for MatchKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the plan keeps of one resource on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub id: String,
    /// One fingerprint per mapped slot of its current value ([`fingerprint`]).
    fingerprints: Box<[u64]>,
    /// `active`, when the resource says.
    pub active: Option<bool>,
    /// The ids the resource links to: its manager's (users) or its members' (groups).
    pub links: Vec<String>,
}

impl Existing {
    /// What the plan keeps of `resource`; `None` when it has no id.
    pub fn of(resource: &Value, mapping: &Mapping) -> Option<Existing> {
        let object = resource.as_object()?;
        let id = match get_ci(object, "id")? {
            Value::String(id) => id.clone(),
            Value::Null => return None,
            other => other.to_string(),
        };
        Some(Existing {
            id,
            fingerprints: mapping
                .slots()
                .iter()
                .map(|slot| fingerprint(slot.read(resource)))
                .collect(),
            active: get_ci(object, "active").and_then(Value::as_bool),
            links: current_links(resource, mapping.kind),
        })
    }
}

/// The ids `resource` links to: a user's manager, a group's members.
pub fn current_links(resource: &Value, kind: ImportKind) -> Vec<String> {
    let Some(object) = resource.as_object() else {
        return Vec::new();
    };
    let text = |value: &Value| match value {
        Value::String(text) => Some(text.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    match kind {
        ImportKind::Users => get_ci(object, ENTERPRISE_USER_SCHEMA)
            .and_then(Value::as_object)
            .and_then(|extension| get_ci(extension, "manager"))
            .and_then(|manager| match manager {
                Value::Object(manager) => get_ci(manager, "value").and_then(text),
                other => text(other),
            })
            .filter(|id| !id.is_empty())
            .into_iter()
            .collect(),
        ImportKind::Groups => get_ci(object, "members")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|member| member.as_object().and_then(|m| get_ci(m, "value")))
            .filter_map(text)
            .collect(),
    }
}

/// A value's fingerprint, the same for values that are equal as JSON (object keys in any
/// order); absent and null are one state.
pub fn fingerprint(value: Option<&Value>) -> u64 {
    let mut hasher = DefaultHasher::new();
    match value {
        None | Some(Value::Null) => 0u8.hash(&mut hasher),
        Some(value) => hash_value(value, &mut hasher),
    }
    hasher.finish()
}

/// Complex attributes cannot nest (RFC 7643 §2.3.8), and JSON cells are depth-limited by
/// serde_json, so the recursion is shallow.
fn hash_value(value: &Value, hasher: &mut DefaultHasher) {
    match value {
        Value::Null => 0u8.hash(hasher),
        Value::Bool(b) => (1u8, b).hash(hasher),
        Value::Number(n) => (2u8, n.to_string()).hash(hasher),
        Value::String(s) => (3u8, s).hash(hasher),
        Value::Array(items) => {
            (4u8, items.len()).hash(hasher);
            for item in items {
                hash_value(item, hasher);
            }
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            (5u8, keys.len()).hash(hasher);
            for key in keys {
                key.hash(hasher);
                hash_value(&map[key], hasher);
            }
        }
    }
}

/// The server's resources as the plan sees them, found by match key.
#[derive(Debug, Default)]
pub struct ServerIndex {
    resources: Vec<Existing>,
    /// Key -> positions in `resources` (more than one: the key is ambiguous).
    by_key: HashMap<String, Vec<usize>>,
    by_id: HashMap<String, usize>,
}

/// What a key finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found<'a> {
    Missing,
    One(&'a Existing),
    /// Several resources share the key: the row cannot be paired safely.
    Several(usize),
}

impl ServerIndex {
    /// Adds one resource read from the server; a resource already seen (same id) is replaced.
    pub fn add(&mut self, resource: &Value, mapping: &Mapping, key: MatchKey) {
        let Some(existing) = Existing::of(resource, mapping) else {
            return;
        };
        let position = match self.by_id.get(&existing.id) {
            Some(&position) => {
                self.resources[position] = existing;
                position
            }
            None => {
                self.by_id.insert(existing.id.clone(), self.resources.len());
                self.resources.push(existing);
                self.resources.len() - 1
            }
        };
        let mut keys = key.resource_keys(resource);
        keys.sort();
        keys.dedup();
        for key in keys {
            let positions = self.by_key.entry(key).or_default();
            if !positions.contains(&position) {
                positions.push(position);
            }
        }
    }

    /// The resource `key` (normalised) finds.
    pub fn find(&self, key: &str) -> Found<'_> {
        match self.by_key.get(key).map(Vec::as_slice) {
            None | Some([]) => Found::Missing,
            Some([one]) => Found::One(&self.resources[*one]),
            Some(several) => Found::Several(several.len()),
        }
    }

    /// A resource by id.
    pub fn by_id(&self, id: &str) -> Option<&Existing> {
        self.by_id
            .get(id)
            .map(|&position| &self.resources[position])
    }

    /// Every resource, with the keys it is found by.
    pub fn keys(&self) -> impl Iterator<Item = (&str, &Existing)> {
        self.by_key.iter().flat_map(move |(key, positions)| {
            positions
                .iter()
                .map(move |&position| (key.as_str(), &self.resources[position]))
        })
    }

    /// Whether some key finds more than one resource.
    pub fn has_ambiguous_keys(&self) -> bool {
        self.by_key.values().any(|positions| positions.len() > 1)
    }

    /// Resources known.
    pub fn len(&self) -> usize {
        self.resources.len()
    }

    /// Whether no resource is known.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }
}

/// What a row needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// No resource has the row's key.
    Create,
    /// A resource has the key and some of the row's values differ (the slots listed).
    Update { id: String, slots: Vec<usize> },
    /// A resource has the key and every value the row gives.
    Unchanged { id: String },
    /// The row cannot be applied.
    Invalid(String),
}

/// Decides what `row` needs, given the resource its key finds.
pub fn decide(mapping: &Mapping, row: &Row, found: Found<'_>, key: MatchKey) -> Decision {
    match found {
        Found::Several(count) => Decision::Invalid(format!(
            "{count} {}s on the server have this {key}; pair rows by another --match",
            mapping.kind.noun()
        )),
        Found::Missing => {
            let required = match mapping.kind {
                ImportKind::Users => "userName",
                ImportKind::Groups => "displayName",
            };
            let has_required = mapping.slot_index(required).is_some_and(|slot| {
                row.values
                    .iter()
                    .any(|(index, value)| *index == slot && matches!(value, CellValue::Set(_)))
            });
            if has_required {
                Decision::Create
            } else {
                Decision::Invalid(format!(
                    "no {} has this {key}, and a new one needs {required}",
                    mapping.kind.noun()
                ))
            }
        }
        Found::One(existing) => {
            // The key found the resource, so its slot holds the same key (in any case).
            let key_slot = key.paired_slot(mapping);
            let slots: Vec<usize> = row
                .values
                .iter()
                .filter(|(index, _)| Some(*index) != key_slot)
                .filter(|(index, value)| {
                    let wanted = match value {
                        CellValue::Set(value) => fingerprint(Some(value)),
                        CellValue::Clear => fingerprint(None),
                    };
                    existing.fingerprints.get(*index) != Some(&wanted)
                })
                .map(|(index, _)| *index)
                .collect();
            if slots.is_empty() {
                Decision::Unchanged {
                    id: existing.id.clone(),
                }
            } else {
                Decision::Update {
                    id: existing.id.clone(),
                    slots,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::mapping::EmptyCells;
    use crate::scim::dialect::Dialect;
    use crate::scim::schema::ResourceSchema;
    use serde_json::json;

    pub(super) fn mapping(headers: &[&str]) -> Mapping {
        let headers: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
        Mapping::new(
            ImportKind::Users,
            &headers,
            &ResourceSchema::user(),
            None,
            false,
        )
        .expect("known headers")
    }

    pub(super) fn row(mapping: &Mapping, cells: &[&str], empty: EmptyCells) -> Row {
        mapping.read(cells, empty).expect("valid row")
    }

    pub(super) fn server_user() -> Value {
        json!({
            "id": "u1",
            "userName": "BJensen",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "b@x.org", "type": "work", "primary": true}, {"value": "h@x.org", "type": "home"}],
            "title": "Guide",
            "active": true,
            "meta": {"resourceType": "User"}
        })
    }

    #[test]
    fn keys_fold_case_except_external_ids() {
        assert_eq!(MatchKey::UserName.normalise("BJensen"), "bjensen");
        assert_eq!(MatchKey::ExternalId.normalise("E-1a"), "E-1a");
        assert_eq!(
            MatchKey::Email.resource_keys(&server_user()),
            ["b@x.org", "h@x.org"]
        );
        assert!(MatchKey::parse("displayName", ImportKind::Users).is_err());
        assert_eq!(
            MatchKey::parse("externalId", ImportKind::Groups),
            Ok(MatchKey::ExternalId)
        );
    }

    #[test]
    fn a_row_equal_to_the_server_is_unchanged_and_a_different_one_an_update() {
        let m = mapping(&["userName", "givenName", "email", "title", "active"]);
        let mut index = ServerIndex::default();
        index.add(&server_user(), &m, MatchKey::UserName);
        let found = index.find("bjensen");
        assert!(
            matches!(found, Found::One(_)),
            "userName is matched without case"
        );
        let same = row(
            &m,
            &["bjensen", "Barbara", "b@x.org", "Guide", "yes"],
            EmptyCells::Ignored,
        );
        assert_eq!(
            decide(&m, &same, found, MatchKey::UserName),
            Decision::Unchanged { id: "u1".into() },
            "userName is caseExact false: bjensen is BJensen"
        );
        assert_eq!(
            update_request(
                &m,
                &same,
                &server_user(),
                MatchKey::UserName,
                Method::Patch,
                Dialect::Rfc,
                &ResourceSchema::user()
            ),
            None
        );
        let changed = row(
            &m,
            &["BJensen", "Babs", "b@x.org", "", "no"],
            EmptyCells::Ignored,
        );
        assert_eq!(
            decide(&m, &changed, found, MatchKey::UserName),
            Decision::Update {
                id: "u1".into(),
                slots: vec![1, 4]
            },
            "an empty title is left alone"
        );
        let cleared = row(
            &m,
            &["BJensen", "Barbara", "b@x.org", "", "yes"],
            EmptyCells::Clears,
        );
        assert_eq!(
            decide(&m, &cleared, found, MatchKey::UserName),
            Decision::Update {
                id: "u1".into(),
                slots: vec![3]
            }
        );
    }

    #[test]
    fn a_missing_key_is_a_create_unless_the_row_cannot_make_a_resource() {
        let m = mapping(&["userName", "externalId"]);
        let full = row(&m, &["b", "E1"], EmptyCells::Ignored);
        assert_eq!(
            decide(&m, &full, Found::Missing, MatchKey::ExternalId),
            Decision::Create
        );
        let partial = row(&m, &["", "E1"], EmptyCells::Ignored);
        assert_eq!(
            decide(&m, &partial, Found::Missing, MatchKey::ExternalId),
            Decision::Invalid("no user has this externalId, and a new one needs userName".into())
        );
        assert!(matches!(
            decide(&m, &full, Found::Several(2), MatchKey::Email),
            Decision::Invalid(message) if message.starts_with("2 users on the server have this email")
        ));
    }

    #[test]
    fn fingerprints_ignore_key_order_and_null() {
        let a = json!({"value": "x", "type": "work"});
        let b = json!({"type": "work", "value": "x"});
        assert_eq!(fingerprint(Some(&a)), fingerprint(Some(&b)));
        assert_eq!(fingerprint(None), fingerprint(Some(&Value::Null)));
        assert_ne!(fingerprint(Some(&json!("1"))), fingerprint(Some(&json!(1))));
    }

    #[test]
    fn links_are_a_managers_id_or_a_groups_members() {
        let user =
            json!({ENTERPRISE_USER_SCHEMA: {"manager": {"value": "m1", "displayName": "M"}}});
        assert_eq!(current_links(&user, ImportKind::Users), ["m1"]);
        let group = json!({"members": [{"value": "a"}, {"value": "b"}]});
        assert_eq!(current_links(&group, ImportKind::Groups), ["a", "b"]);
        let (add, remove) = member_changes(
            &["a".to_owned(), "b".to_owned()],
            &["b".to_owned(), "c".to_owned()],
        );
        assert_eq!((add, remove), (vec!["c".to_owned()], vec!["a".to_owned()]));
    }
}
