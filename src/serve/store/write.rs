//! The writes of the store: create, replace, patch and delete, each assembling `meta`, keeping
//! the indexes and mirroring group membership into `User.groups`. It never answers a read.

use std::borrow::Cow;
use std::collections::HashSet;

use serde_json::{Map, Value};

use super::{Entry, Kind, Store, Written, created_of, display_of, not_found, render};
use crate::scim::model::{ScimError, ScimType};
use crate::scim::resource::{get_ci, get_ci_mut};
use crate::serve::ids::new_id;
use crate::serve::protocol::{self, WriteMode};
use crate::serve::quirks::{
    drop_email_types, keep_core_subset, keep_formatted_name, keep_old_primaries, unpad_certificates,
};

impl Store {
    /// Creates a resource from a POST body (RFC 7644 §3.3). Client `id` and `meta` are ignored,
    /// unless `honour_client_id` keeps a client's string `id`.
    pub fn create(&mut self, kind: Kind, body: Value, now: &str) -> Result<&Entry, ScimError> {
        let id = match get_ci(&body, "id") {
            Some(Value::String(sent)) if self.options.honour_client_id && !sent.is_empty() => {
                sent.clone()
            }
            _ if self.options.ids_unique_per_type => self.id_from_name(kind, &body),
            _ if self.options.bulk_id_in_ids => format!("bulkId-{}", new_id()),
            _ => new_id(),
        };
        self.create_with_id(kind, body, now, id)
    }

    /// `ids-unique-per-type`: the id of the n-th resource of `kind` named as `body` names it,
    /// the same for the n-th user and the n-th group of one name; a random one without a name.
    fn id_from_name(&mut self, kind: Kind, body: &Value) -> String {
        let Some(Value::String(name)) = get_ci(body, kind.unique_attribute()) else {
            return new_id();
        };
        let issued = self
            .collection_mut(kind)
            .names_issued
            .entry(name.to_lowercase())
            .or_default();
        *issued += 1;
        let text = format!("{}#{issued}", name.to_lowercase());
        // FNV-1a over the text, twice with different offsets: 128 bits, the same for both types.
        let fnv = |offset: u64| {
            text.bytes().fold(offset, |hash, byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
            })
        };
        format!(
            "{:016x}{:016x}",
            fnv(0xcbf2_9ce4_8422_2325),
            fnv(0x8422_2325_cbf2_9ce4)
        )
    }

    /// Creates a resource with a chosen id (seed files keep theirs, so demos have stable URLs).
    pub fn create_with_id(
        &mut self,
        kind: Kind,
        body: Value,
        now: &str,
        id: String,
    ) -> Result<&Entry, ScimError> {
        let taken = |other: Kind| self.get(other, &id).is_some();
        let other_kind = match kind {
            Kind::User => Kind::Group,
            Kind::Group => Kind::User,
        };
        if taken(kind) || (taken(other_kind) && !self.options.ids_unique_per_type) {
            return Err(ScimError::typed(
                ScimType::Uniqueness,
                format!("id `{id}` is already in use"),
            ));
        }
        let validated = self.validate(kind, body, WriteMode::Create)?;
        let mut attributes = self.prepare(kind, validated, &id)?;
        if self.options.assign_external_id
            && get_ci(&attributes, "externalId").is_none()
            && let Some(object) = attributes.as_object_mut()
        {
            object.insert("externalId".into(), id.clone().into());
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let created = if self.options.created_before_last_modified {
            second_before(now)
        } else {
            now.to_owned()
        };
        let entry = self.assemble(kind, &id, attributes, &created, now, seq);
        self.commit(kind, entry, now);
        self.require(kind, &id)
    }

    /// Replaces a resource from a PUT body (RFC 7644 §3.5.1); with `store` false the result is
    /// computed and returned but nothing changes (the `put-not-stored` quirk).
    pub fn replace(
        &mut self,
        kind: Kind,
        id: &str,
        body: Value,
        now: &str,
        store: bool,
    ) -> Result<Written, ScimError> {
        let existing = self.require(kind, id)?;
        let (seq, created) = (existing.seq, created_of(existing).to_string());
        let validated = self.validate(
            kind,
            body,
            WriteMode::Replace {
                current: &existing.resource,
            },
        )?;
        let attributes = self.prepare(kind, validated, id)?;
        let entry = self.assemble(kind, id, attributes, &created, now, seq);
        if store {
            self.commit(kind, entry.clone(), now);
        }
        Ok(Written {
            entry,
            changed: true,
        })
    }

    /// Applies a PATCH body (RFC 7644 §3.5.2). A PATCH that changes nothing keeps `meta`
    /// (and so the version) as it was.
    pub fn patch(
        &mut self,
        kind: Kind,
        id: &str,
        body: &Value,
        now: &str,
    ) -> Result<Written, ScimError> {
        let existing = self.require(kind, id)?;
        let (seq, created) = (existing.seq, created_of(existing).to_string());
        let patched = protocol::patch(&existing.resource, body, self.write_schema(kind))?;
        self.check_string_booleans(patched.used_string_booleans)?;
        if kind == Kind::Group
            && self.options.refuse_last_member_removal
            && !member_ids(&existing.resource).is_empty()
            && member_ids(&patched.resource).is_empty()
        {
            return Err(ScimError::typed(
                ScimType::InvalidValue,
                "a group must keep at least one member",
            ));
        }
        if !patched.changed && !self.options.restamp_unchanged_patch {
            return Ok(Written {
                entry: existing.clone(),
                changed: false,
            });
        }
        let mut attributes = patched.resource;
        if kind == Kind::User && !self.options.keep_stale_formatted_name {
            drop_stale_formatted_name(&existing.resource, &mut attributes);
        }
        if self.options.primary_not_exclusive {
            keep_old_primaries(&existing.resource, &mut attributes);
        }
        if let Some(object) = attributes.as_object_mut() {
            object.retain(|k, _| {
                !(k.eq_ignore_ascii_case("meta")
                    || k.eq_ignore_ascii_case("id")
                    || k.eq_ignore_ascii_case("groups"))
            });
        }
        let attributes = self.prepare(kind, attributes, id)?;
        let entry = self.assemble(kind, id, attributes, &created, now, seq);
        self.commit(kind, entry.clone(), now);
        Ok(Written {
            entry,
            changed: true,
        })
    }

    /// Deletes a resource (RFC 7644 §3.6) and every membership that names it.
    pub fn delete(&mut self, kind: Kind, id: &str, now: &str) -> Result<(), ScimError> {
        let removed = self
            .remove_indexed(kind, id)
            .ok_or_else(|| not_found(kind, id))?;
        if kind == Kind::Group {
            for member in member_ids(&removed.resource) {
                self.unlink(&member, removed.seq);
                self.refresh_user_groups(&member, now);
            }
        }
        let parents: Vec<String> = self
            .member_of
            .remove(id)
            .map(|groups| groups.into_values().collect())
            .unwrap_or_default();
        for group_id in parents {
            self.drop_member(&group_id, id, now);
        }
        Ok(())
    }

    fn validate(&self, kind: Kind, body: Value, mode: WriteMode<'_>) -> Result<Value, ScimError> {
        let foreign = self.foreign_schemas(kind, &body);
        self.check_schemas_order(kind, &body)?;
        let validated = protocol::validate_for_write(body, self.write_schema(kind), mode)?;
        self.check_string_booleans(validated.used_string_booleans)?;
        let mut resource = validated.resource;
        if let Some(Value::Array(schemas)) = resource.get_mut("schemas") {
            schemas.extend(foreign);
        }
        Ok(resource)
    }

    /// `schemas-order-matters`: 400 for a body whose `schemas` does not name the core schema
    /// first, as a server that reads the first URN as the resource's type does.
    fn check_schemas_order(&self, kind: Kind, body: &Value) -> Result<(), ScimError> {
        let core = &self.write_schema(kind).core.id;
        let first = get_ci(body, "schemas")
            .and_then(Value::as_array)
            .and_then(|urns| urns.first())
            .and_then(Value::as_str);
        match first {
            Some(first) if self.options.core_schema_first && !first.eq_ignore_ascii_case(core) => {
                Err(ScimError::typed(
                    ScimType::InvalidValue,
                    format!("`schemas` must list `{core}` first"),
                ))
            }
            _ => Ok(()),
        }
    }

    /// `foreign-schema-urn-echoed`: the URNs of `body`'s `schemas` that `kind` does not define,
    /// which the validation leaves out and the quirk puts back; none when the quirk is off.
    fn foreign_schemas(&self, kind: Kind, body: &Value) -> Vec<Value> {
        if !self.options.echo_foreign_schemas {
            return Vec::new();
        }
        let schema = self.write_schema(kind);
        let defined = |urn: &str| {
            std::iter::once(&schema.core)
                .chain(&schema.extensions)
                .any(|known| known.id.eq_ignore_ascii_case(urn))
        };
        match get_ci(body, "schemas") {
            Some(Value::Array(urns)) => urns
                .iter()
                .filter(|urn| urn.as_str().is_some_and(|urn| !defined(urn)))
                .cloned()
                .collect(),
            _ => Vec::new(),
        }
    }

    fn check_string_booleans(&self, used: bool) -> Result<(), ScimError> {
        if used && self.options.reject_string_booleans {
            return Err(ScimError::typed(
                ScimType::InvalidValue,
                "boolean attributes must be JSON true or false, not strings",
            ));
        }
        Ok(())
    }

    /// Checks uniqueness and, for groups, resolves the members; returns the attributes to store.
    /// Whether the unique attribute is required is the schema's business (Group `displayName`
    /// is, RFC 7643 §4.2).
    fn prepare(&self, kind: Kind, mut attributes: Value, id: &str) -> Result<Value, ScimError> {
        if self.options.core_subset {
            keep_core_subset(kind == Kind::Group, &mut attributes);
        }
        if kind == Kind::User && !self.options.unnormalized_user_names {
            prepare_user_name(&mut attributes);
        }
        if kind == Kind::User && self.options.emails_untyped {
            drop_email_types(&mut attributes);
        }
        if kind == Kind::User && self.options.name_formatted_only {
            keep_formatted_name(&mut attributes);
        }
        if self.options.binary_unpadded && kind == Kind::User {
            unpad_certificates(&mut attributes);
        }
        let unique_name = kind.unique_attribute();
        if let Some(Value::String(value)) = get_ci(&attributes, unique_name)
            && (self.collection(kind).names.holders(value))
                .iter()
                .any(|holder| holder != id)
        {
            return Err(ScimError::typed(
                ScimType::Uniqueness,
                format!("{unique_name} `{value}` is already in use"),
            ));
        }
        if kind == Kind::User && self.options.unique_emails {
            self.check_unique_emails(&attributes, id)?;
        }
        if kind == Kind::Group {
            self.resolve_members(&mut attributes, id)?;
        }
        Ok(attributes)
    }

    /// `unique-emails`: 409 `uniqueness` when another user already holds one of the email
    /// addresses (compared ignoring case), as a server that identifies accounts by email does;
    /// the server's schema decides what is unique (RFC 7643 §2.2, §7).
    fn check_unique_emails(&self, user: &Value, id: &str) -> Result<(), ScimError> {
        let addresses = |resource: &Value| -> Vec<String> {
            match get_ci(resource, "emails") {
                Some(Value::Array(emails)) => emails
                    .iter()
                    .filter_map(|email| get_ci(email, "value").and_then(Value::as_str))
                    .map(str::to_lowercase)
                    .collect(),
                _ => Vec::new(),
            }
        };
        let wanted = addresses(user);
        if wanted.is_empty() {
            return Ok(());
        }
        for other in self.iter(Kind::User).filter(|entry| entry.id() != id) {
            if let Some(taken) = addresses(&other.resource)
                .into_iter()
                .find(|address| wanted.contains(address))
            {
                return Err(ScimError::typed(
                    ScimType::Uniqueness,
                    format!("email `{taken}` is already in use"),
                ));
            }
        }
        Ok(())
    }

    /// Completes each member with `type`, `$ref` and (when absent) `display`, drops duplicates,
    /// and rejects members that do not exist with 400 `invalidValue`: a group of ghosts would
    /// only hide a client bug.
    fn resolve_members(&self, group: &mut Value, group_id: &str) -> Result<(), ScimError> {
        let Some(object) = group.as_object_mut() else {
            return Ok(());
        };
        let Some(key) = object
            .keys()
            .find(|k| k.eq_ignore_ascii_case("members"))
            .cloned()
        else {
            return Ok(());
        };
        let members = match object.remove(&key) {
            Some(Value::Array(members)) => members,
            Some(Value::Null) | None => return Ok(()),
            Some(_) => {
                return Err(ScimError::typed(
                    ScimType::InvalidValue,
                    "`members` must be an array",
                ));
            }
        };
        let mut seen = HashSet::new();
        let mut resolved = Vec::with_capacity(members.len());
        for (index, member) in members.into_iter().enumerate() {
            let Some(value) = get_ci(&member, "value").and_then(Value::as_str) else {
                return Err(ScimError::typed(
                    ScimType::InvalidValue,
                    format!("members[{index}] has no string `value`"),
                ));
            };
            if value == group_id {
                return Err(ScimError::typed(
                    ScimType::InvalidValue,
                    format!("members[{index}]: a group cannot be a member of itself"),
                ));
            }
            let (kind, target) = match (self.get(Kind::User, value), self.get(Kind::Group, value)) {
                (Some(user), _) => (Kind::User, user),
                (None, Some(group)) => (Kind::Group, group),
                (None, None) => {
                    return Err(ScimError::typed(
                        ScimType::InvalidValue,
                        format!("members[{index}]: no User or Group has id `{value}`"),
                    ));
                }
            };
            if !seen.insert(value.to_string()) {
                continue;
            }
            let display = match get_ci(&member, "display") {
                Some(Value::String(display)) => display.clone(),
                _ => display_of(kind, target),
            };
            let mut element = Map::new();
            element.insert("value".into(), value.into());
            let reference = if self.options.member_ref_is_id {
                value
            } else {
                target.location()
            };
            element.insert("$ref".into(), reference.into());
            element.insert("display".into(), display.into());
            element.insert("type".into(), kind.resource_type().into());
            resolved.push(Value::Object(element));
        }
        if !resolved.is_empty() {
            object.insert("members".into(), Value::Array(resolved));
        }
        Ok(())
    }

    /// Builds the stored resource: `schemas`, `id`, the attributes, `groups` for users, `meta`.
    fn assemble(
        &mut self,
        kind: Kind,
        id: &str,
        attributes: Value,
        created: &str,
        now: &str,
        seq: u64,
    ) -> Entry {
        let version = if self.options.frozen_versions {
            // Creation order never changes, so neither does a version made from it.
            format!("W/\"{seq}\"")
        } else {
            self.revision += 1;
            format!("W/\"{}\"", self.revision)
        };
        let location = [self.base_url.as_str(), kind.endpoint(), id].join("/");
        // Built in the attributes' own map: moving every member into a fresh one would hash
        // each key again.
        let mut resource = match attributes {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let schemas = resource
            .keys()
            .find(|k| k.eq_ignore_ascii_case("schemas"))
            .cloned()
            .and_then(|k| resource.remove(&k));
        resource.shift_insert(
            0,
            "schemas".into(),
            schemas.unwrap_or(Value::Array(Vec::new())),
        );
        resource.shift_insert(1, "id".into(), id.into());
        if kind == Kind::User
            && let Some(groups) = self.groups_of(id)
        {
            resource.insert("groups".into(), groups);
        }
        let mut meta = Map::with_capacity(5);
        if !self.options.omit_resource_type {
            meta.insert("resourceType".into(), kind.resource_type().into());
        }
        let stamps = self.options.time_stamps;
        meta.insert("created".into(), stamps.write(created));
        meta.insert("lastModified".into(), stamps.write(now));
        meta.insert("location".into(), location.into());
        meta.insert("version".into(), version.clone().into());
        resource.insert("meta".into(), Value::Object(meta));
        let resource = Value::Object(resource);
        let rendered = render(kind, &resource);
        Entry {
            seq,
            resource,
            rendered,
            version,
            created: created.to_owned(),
        }
    }

    /// Stores `entry` (new or replacing one with the same id), keeping indexes and memberships.
    fn commit(&mut self, kind: Kind, entry: Entry, now: &str) {
        let id = entry.id().to_string();
        let old = self.remove_indexed(kind, &id);
        let old_members: HashSet<String> = old
            .as_ref()
            .map(|e| member_ids(&e.resource))
            .unwrap_or_default();
        let new_members = member_ids(&entry.resource);
        let renamed = old.as_ref().is_some_and(|o| {
            get_ci(&o.resource, "displayName") != get_ci(&entry.resource, "displayName")
        });
        let seq = entry.seq;
        let collection = self.collection_mut(kind);
        if let Some(Value::String(name)) = get_ci(&entry.resource, kind.unique_attribute()) {
            collection.names.add(name, &id);
        }
        if let Some(Value::String(external)) = get_ci(&entry.resource, "externalId") {
            collection
                .external
                .entry(external.clone())
                .or_default()
                .push(id.clone());
        }
        collection.order.insert(seq, id.clone());
        collection.entries.insert(id.clone(), entry);
        if kind != Kind::Group {
            return;
        }
        for gone in old_members.difference(&new_members) {
            self.unlink(gone, seq);
            self.refresh_user_groups(gone, now);
        }
        for member in &new_members {
            let added = self
                .member_of
                .entry(member.clone())
                .or_default()
                .insert(seq, id.clone())
                .is_none();
            if added || renamed {
                self.refresh_user_groups(member, now);
            }
        }
    }

    /// Removes a resource and its index entries; memberships are the caller's business.
    fn remove_indexed(&mut self, kind: Kind, id: &str) -> Option<Entry> {
        let collection = self.collection_mut(kind);
        let entry = collection.entries.remove(id)?;
        collection.order.remove(&entry.seq);
        if let Some(Value::String(name)) = get_ci(&entry.resource, kind.unique_attribute()) {
            collection.names.remove(name, id);
        }
        if let Some(Value::String(external)) = get_ci(&entry.resource, "externalId")
            && let Some(ids) = collection.external.get_mut(external)
        {
            ids.retain(|other| other != id);
            if ids.is_empty() {
                collection.external.remove(external);
            }
        }
        Some(entry)
    }

    fn unlink(&mut self, member: &str, group_seq: u64) {
        if let Some(groups) = self.member_of.get_mut(member) {
            groups.remove(&group_seq);
            if groups.is_empty() {
                self.member_of.remove(member);
            }
        }
    }

    /// Removes a deleted resource from one group's members, as a new version of the group.
    fn drop_member(&mut self, group_id: &str, member: &str, now: &str) {
        let Some(group) = self.get(Kind::Group, group_id) else {
            return;
        };
        let (seq, created) = (group.seq, created_of(group).to_string());
        let mut attributes = group.resource.clone();
        if let Some(Value::Array(members)) = attributes.get_mut("members") {
            members.retain(|m| m.get("value").and_then(Value::as_str) != Some(member));
        }
        if let Some(object) = attributes.as_object_mut() {
            object.remove("meta");
            object.remove("id");
            if object
                .get("members")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty)
            {
                object.remove("members");
            }
        }
        let entry = self.assemble(Kind::Group, group_id, attributes, &created, now, seq);
        self.commit(Kind::Group, entry, now);
    }

    /// The `groups` attribute of a user (RFC 7643 §4.1.2), or `None` when it has none.
    fn groups_of(&self, user_id: &str) -> Option<Value> {
        let groups = self.member_of.get(user_id)?;
        let list: Vec<Value> = groups
            .values()
            .filter_map(|group_id| self.get(Kind::Group, group_id))
            .map(|group| {
                let reference = if self.options.user_groups_ref_to_users {
                    group.location().replacen("/Groups/", "/Users/", 1)
                } else {
                    group.location().to_owned()
                };
                serde_json::json!({
                    "value": group.id(),
                    "$ref": reference,
                    "display": display_of(Kind::Group, group),
                    "type": "direct",
                })
            })
            .collect();
        (!list.is_empty()).then_some(Value::Array(list))
    }

    /// Re-renders a user whose memberships changed, as a new version.
    fn refresh_user_groups(&mut self, user_id: &str, now: &str) {
        let groups = self.groups_of(user_id);
        let Some(user) = self.get(Kind::User, user_id) else {
            return;
        };
        if user.resource.get("groups") == groups.as_ref() {
            return;
        }
        let (seq, created) = (user.seq, created_of(user).to_string());
        let mut attributes = user.resource.clone();
        if let Some(object) = attributes.as_object_mut() {
            object.remove("meta");
            object.remove("id");
            object.remove("groups");
        }
        let entry = self.assemble(Kind::User, user_id, attributes, &created, now, seq);
        let collection = self.collection_mut(Kind::User);
        collection.entries.insert(user_id.to_string(), entry);
    }
}

/// `last-modified-differs-on-create`: the RFC 3339 time one second before `now`, as a server
/// that reads its clock once for `created` and again, after a slow write, for `lastModified`.
fn second_before(now: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(now).map_or_else(
        |_| now.to_owned(),
        |instant| {
            (instant - chrono::TimeDelta::seconds(1))
                .to_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        },
    )
}

/// Stores a user's userName prepared for comparison (RFC 7644 §5: RFC 7613's normalisation form
/// C), so that the uniqueness index and filters see one spelling of each name.
fn prepare_user_name(user: &mut Value) {
    let Some(members) = user.as_object_mut() else {
        return;
    };
    let name = members
        .iter_mut()
        .find(|(key, _)| key.eq_ignore_ascii_case("userName"));
    if let Some((_, Value::String(text))) = name
        && let Cow::Owned(prepared) = protocol::prepared(text)
    {
        *text = prepared;
    }
}

/// Takes `name.formatted` out of a patched user whose name components changed while
/// `formatted` stayed as it was, since it would describe the old name (RFC 7643 §4.1.1: when
/// both are returned they SHOULD describe the same name).
fn drop_stale_formatted_name(before: &Value, after: &mut Value) {
    let components = |name: &Map<String, Value>| -> Map<String, Value> {
        let mut kept = name.clone();
        kept.retain(|key, _| !key.eq_ignore_ascii_case("formatted"));
        kept
    };
    let Some(Value::Object(old)) = get_ci(before, "name") else {
        return;
    };
    let Some(Value::Object(new)) = after
        .as_object_mut()
        .and_then(|user| get_ci_mut(user, "name"))
    else {
        return;
    };
    let formatted = get_ci(old, "formatted");
    if formatted.is_some()
        && formatted == get_ci(new, "formatted")
        && components(old) != components(new)
    {
        new.retain(|key, _| !key.eq_ignore_ascii_case("formatted"));
    }
}

fn member_ids(group: &Value) -> HashSet<String> {
    match group.get("members") {
        Some(Value::Array(members)) => members
            .iter()
            .filter_map(|m| m.get("value").and_then(Value::as_str))
            .map(str::to_string)
            .collect(),
        _ => HashSet::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Kind, Store, StoreOptions};
    use crate::scim::model::{PATCH_OP, ScimType, USER_SCHEMA};
    use serde_json::json;

    const NOW: &str = "2026-01-01T00:00:00.000Z";

    fn store() -> Store {
        Store::new("http://localhost/scim/v2", StoreOptions::default())
    }

    fn add_user(store: &mut Store, user_name: &str, external_id: &str) -> String {
        let body =
            json!({"schemas": [USER_SCHEMA], "userName": user_name, "externalId": external_id});
        store
            .create(Kind::User, body, NOW)
            .unwrap()
            .id()
            .to_string()
    }

    #[test]
    fn user_names_are_stored_in_normalisation_form_c_so_two_spellings_are_one_name() {
        let precomposed = "ren\u{e9}";
        let decomposed = "rene\u{301}";
        let mut store = store();
        let id = add_user(&mut store, decomposed, "e");
        let stored = &store.get(Kind::User, &id).unwrap().resource["userName"];
        assert_eq!(stored, precomposed, "RFC 7613 §3: the prepared form is NFC");
        let again = json!({"schemas": [USER_SCHEMA], "userName": precomposed});
        let refused = store.create(Kind::User, again, NOW).unwrap_err();
        assert_eq!(refused.scim_type, Some(ScimType::Uniqueness));

        let mut as_sent = Store::new(
            "http://localhost/scim/v2",
            StoreOptions {
                unnormalized_user_names: true,
                ..StoreOptions::default()
            },
        );
        add_user(&mut as_sent, decomposed, "e");
        add_user(&mut as_sent, precomposed, "f");
        assert_eq!(
            as_sent.len(Kind::User),
            2,
            "`unnormalized-comparison`: two names"
        );
    }

    #[test]
    fn a_patch_of_name_components_drops_the_formatted_name_it_leaves_stale() {
        let patch = |path: &str, value: &str| json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": path, "value": value}]});
        for (keep_stale, formatted) in [(false, None), (true, Some("Ann Lee"))] {
            let mut store = Store::new(
                "http://localhost/scim/v2",
                StoreOptions {
                    keep_stale_formatted_name: keep_stale,
                    ..StoreOptions::default()
                },
            );
            let body = json!({"schemas": [USER_SCHEMA], "userName": "ann",
                "name": {"formatted": "Ann Lee", "givenName": "Ann", "familyName": "Lee"}});
            let id = store
                .create(Kind::User, body, NOW)
                .unwrap()
                .id()
                .to_string();
            let written = store
                .patch(Kind::User, &id, &patch("name.familyName", "Ray"), NOW)
                .unwrap();
            let name = &written.entry.resource["name"];
            assert_eq!(name["familyName"], "Ray");
            assert_eq!(
                name["formatted"].as_str(),
                formatted,
                "keep_stale: {keep_stale}"
            );
        }
        let mut store = store();
        let body = json!({"schemas": [USER_SCHEMA], "userName": "bo",
            "name": {"formatted": "Bo Li", "familyName": "Li"}});
        let id = store
            .create(Kind::User, body, NOW)
            .unwrap()
            .id()
            .to_string();
        let written = store
            .patch(Kind::User, &id, &patch("name.formatted", "Bo Li-Ray"), NOW)
            .unwrap();
        assert_eq!(
            written.entry.resource["name"]["formatted"], "Bo Li-Ray",
            "a formatted name the PATCH sets itself is kept"
        );
    }
}
