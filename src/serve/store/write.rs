//! The writes of the store: create, replace, patch and delete, each assembling `meta`, keeping
//! the indexes and mirroring group membership into `User.groups`. It never answers a read.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::{Entry, Kind, Store, Written, created_of, display_of, not_found, render};
use crate::scim::model::{ScimError, ScimType};
use crate::scim::resource::get_ci;
use crate::serve::ids::new_id;
use crate::serve::protocol::{self, WriteMode};
use crate::serve::quirks::{keep_core_subset, unpad_certificates};

impl Store {
    /// Creates a resource from a POST body (RFC 7644 §3.3). Client `id` and `meta` are ignored,
    /// unless `honour_client_id` keeps a client's string `id`.
    pub fn create(&mut self, kind: Kind, body: Value, now: &str) -> Result<&Entry, ScimError> {
        let id = match get_ci(&body, "id") {
            Some(Value::String(sent)) if self.options.honour_client_id && !sent.is_empty() => {
                sent.clone()
            }
            _ => new_id(),
        };
        self.create_with_id(kind, body, now, id)
    }

    /// Creates a resource with a chosen id (seed files keep theirs, so demos have stable URLs).
    pub fn create_with_id(
        &mut self,
        kind: Kind,
        body: Value,
        now: &str,
        id: String,
    ) -> Result<&Entry, ScimError> {
        if self.get(Kind::User, &id).is_some() || self.get(Kind::Group, &id).is_some() {
            return Err(ScimError::typed(
                ScimType::Uniqueness,
                format!("id `{id}` is already in use"),
            ));
        }
        let validated = self.validate(kind, body, WriteMode::Create)?;
        let attributes = self.prepare(kind, validated, &id)?;
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = self.assemble(kind, &id, attributes, now, now, seq);
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
        if !patched.changed {
            return Ok(Written {
                entry: existing.clone(),
                changed: false,
            });
        }
        let mut attributes = patched.resource;
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
        let validated = protocol::validate_for_write(body, self.write_schema(kind), mode)?;
        self.check_string_booleans(validated.used_string_booleans)?;
        Ok(validated.resource)
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
        if self.options.binary_unpadded && kind == Kind::User {
            unpad_certificates(&mut attributes);
        }
        let unique_name = kind.unique_attribute();
        if let Some(Value::String(value)) = get_ci(&attributes, unique_name)
            && let Some(holder) = self.collection(kind).unique.get(&value.to_lowercase())
            && holder != id
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
            element.insert("$ref".into(), target.location().into());
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
        meta.insert("created".into(), created.into());
        meta.insert("lastModified".into(), now.into());
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
            collection.unique.insert(name.to_lowercase(), id.clone());
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
            let key = name.to_lowercase();
            if collection.unique.get(&key).map(String::as_str) == Some(id) {
                collection.unique.remove(&key);
            }
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
                serde_json::json!({
                    "value": group.id(),
                    "$ref": group.location(),
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
