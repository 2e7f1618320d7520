//! The name index of a collection: each userName or displayName (ignoring case) and the
//! resources holding it, for uniqueness checks and `eq` lookups. A name has one holder, unless
//! `bulk-circle-created-twice` created it again. Pure: no I/O.

use std::collections::HashMap;

use serde_json::Value;

use super::{Entry, Kind, Store};
use crate::scim::model::ScimError;
use crate::scim::resource::get_ci;

/// Lowercased name -> the ids holding it, oldest first.
#[derive(Debug, Default)]
pub(super) struct NameIndex(HashMap<String, Vec<String>>);

impl NameIndex {
    /// The ids holding `name`, oldest first.
    pub(super) fn holders(&self, name: &str) -> &[String] {
        self.0.get(&name.to_lowercase()).map_or(&[], Vec::as_slice)
    }

    pub(super) fn add(&mut self, name: &str, id: &str) {
        self.0
            .entry(name.to_lowercase())
            .or_default()
            .push(id.to_owned());
    }

    pub(super) fn remove(&mut self, name: &str, id: &str) {
        let key = name.to_lowercase();
        if let Some(holders) = self.0.get_mut(&key) {
            holders.retain(|holder| holder != id);
            if holders.is_empty() {
                self.0.remove(&key);
            }
        }
    }
}

impl Store {
    /// `bulk-circle-created-twice`: [`Store::create`], even when another resource holds the
    /// name, as a server without a uniqueness index makes the second write of a bulk circle it
    /// breaks. Both stay in the index, so filters and cleanups find both.
    pub fn create_despite_name(
        &mut self,
        kind: Kind,
        body: Value,
        now: &str,
    ) -> Result<&Entry, ScimError> {
        let key = get_ci(&body, kind.unique_attribute())
            .and_then(Value::as_str)
            .map(str::to_lowercase);
        let names = &mut self.collection_mut(kind).names.0;
        let held = key.as_ref().and_then(|key| names.remove(key));
        let created = self
            .create(kind, body, now)
            .map(|entry| entry.id().to_string());
        if let (Some(key), Some(mut held)) = (key, held) {
            let names = &mut self.collection_mut(kind).names.0;
            held.append(names.entry(key.clone()).or_default());
            names.insert(key, held);
        }
        self.require(kind, &created?)
    }
}
