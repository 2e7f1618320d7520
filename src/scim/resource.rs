//! Resources as JSON: case-insensitive key access (RFC 7643 §2.1), the normalisation a server
//! applies to a POST/PUT body before storing it, and response projection (RFC 7644 §3.4.2.5).
//!
//! Pure: serde_json and std only. Resources stay `serde_json::Value`s so that attributes the
//! schema does not know survive a round trip through the tools that only read them.

use serde_json::{Map, Value};

/// The key of `map` that names `name`, compared ASCII-case-insensitively; an exact match wins
/// over a case-folded one so that a map holding both `userName` and `USERNAME` stays predictable.
pub fn find_key_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    if let Some((key, _)) = map.get_key_value(name) {
        return Some(key.as_str());
    }
    map.keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .map(String::as_str)
}

/// The value stored under `name`, whatever the case of its key.
pub fn get_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    let key = find_key_ci(map, name)?;
    map.get(key)
}

/// The mutable value stored under `name`, whatever the case of its key.
pub fn get_ci_mut<'a>(map: &'a mut Map<String, Value>, name: &str) -> Option<&'a mut Value> {
    let key = find_key_ci(map, name)?.to_owned();
    map.get_mut(&key)
}

/// Removes the entry named `name`, whatever the case of its key, keeping the order of the
/// others.
pub fn remove_ci(map: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let key = find_key_ci(map, name)?.to_owned();
    map.shift_remove(&key)
}

/// Stores `value` under `canonical`, replacing an entry whose key differs only in case, so
/// that the stored resource uses the schema's spelling.
pub fn insert_ci(map: &mut Map<String, Value>, canonical: &str, value: Value) {
    if let Some(existing) = find_key_ci(map, canonical).map(str::to_owned) {
        if existing != canonical {
            map.shift_remove(&existing);
        }
    }
    map.insert(canonical.to_owned(), value);
}
