//! Result ordering for `sortBy` / `sortOrder` (RFC 7644 §3.4.2.3). Pure: std and serde_json;
//! it orders what it is given and filters nothing.
//!
//! The sort value of a resource is the value at the `sortBy` path. For a multi-valued
//! attribute it is the `primary` element's value, else the first element's (§3.4.2.3); a
//! complex attribute without a sub-attribute sorts by its `value`. Strings compare per the
//! attribute's `caseExact`, numbers numerically, booleans `false` before `true`; dateTime values
//! are RFC 3339 strings and compare as such. Resources without a value sort last in ascending
//! order and first in descending order, which is plain reversal of the ascending order.

use std::cmp::Ordering;

use serde_json::Value;

use crate::scim::path::AttrPath;
use crate::scim::resource::get_ci;
use crate::scim::schema::ResourceSchema;

/// The direction of `sortOrder`; ascending is the RFC default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    Ascending,
    Descending,
}

impl SortOrder {
    /// Reads `ascending` / `descending` in any letter case.
    pub fn parse(text: &str) -> Option<SortOrder> {
        if text.eq_ignore_ascii_case("ascending") {
            Some(SortOrder::Ascending)
        } else if text.eq_ignore_ascii_case("descending") {
            Some(SortOrder::Descending)
        } else {
            None
        }
    }
}

/// A sort value pulled out of a resource once, so sorting does not re-walk the JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    Bool(bool),
    Number(f64),
    Text(String),
    Missing,
}

impl SortKey {
    fn rank(&self) -> u8 {
        match self {
            SortKey::Bool(_) => 0,
            SortKey::Number(_) => 1,
            SortKey::Text(_) => 2,
            SortKey::Missing => 3,
        }
    }
}

/// Extracts the sort key of `resource` for `path`.
pub fn sort_key(resource: &Value, path: &AttrPath, schema: &ResourceSchema) -> SortKey {
    let resolved = schema.resolve(path);
    let case_exact = resolved.is_some_and(|r| r.target().case_exact);
    let container = match (&path.urn, resolved) {
        (Some(urn), _) => field(resource, urn),
        (None, Some(r)) if r.is_extension => field(resource, &r.schema.id),
        _ => Some(resource),
    };
    let Some(top) = container.and_then(|c| field(c, &path.name)) else {
        return SortKey::Missing;
    };
    let element = match top {
        Value::Array(items) => items
            .iter()
            .find(|item| field(item, "primary") == Some(&Value::Bool(true)))
            .or_else(|| items.first()),
        single => Some(single),
    };
    let leaf = match (element, &path.sub) {
        (Some(element), Some(sub)) => field(element, sub),
        (Some(element @ Value::Object(_)), None) => field(element, "value"),
        (element, None) => element,
        (None, Some(_)) => None,
    };
    match leaf {
        Some(Value::Bool(b)) => SortKey::Bool(*b),
        Some(Value::Number(n)) => n.as_f64().map_or(SortKey::Missing, SortKey::Number),
        Some(Value::String(s)) if case_exact => SortKey::Text(s.clone()),
        Some(Value::String(s)) => SortKey::Text(s.to_lowercase()),
        _ => SortKey::Missing,
    }
}

/// Orders two keys ascending: values of one type in their natural order, missing last.
pub fn compare_keys(a: &SortKey, b: &SortKey) -> Ordering {
    match (a, b) {
        (SortKey::Bool(x), SortKey::Bool(y)) => x.cmp(y),
        (SortKey::Number(x), SortKey::Number(y)) => x.total_cmp(y),
        (SortKey::Text(x), SortKey::Text(y)) => x.cmp(y),
        _ => a.rank().cmp(&b.rank()),
    }
}

/// Sorts `items` stably by the key `key_of` gives each, in `order`; ties keep their order.
pub fn sort_by_path<T>(
    items: &mut Vec<T>,
    order: SortOrder,
    mut key_of: impl FnMut(&T) -> SortKey,
) {
    let mut keyed: Vec<(SortKey, T)> = items.drain(..).map(|item| (key_of(&item), item)).collect();
    keyed.sort_by(|(a, _), (b, _)| match order {
        SortOrder::Ascending => compare_keys(a, b),
        SortOrder::Descending => compare_keys(b, a),
    });
    items.extend(keyed.into_iter().map(|(_, item)| item));
}

fn field<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    get_ci(value.as_object()?, key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::path::parse_attr_path;
    use serde_json::json;

    fn key(resource: Value, path: &str) -> SortKey {
        let path = parse_attr_path(path).unwrap();
        sort_key(&resource, &path, &ResourceSchema::user())
    }

    fn sorted(mut resources: Vec<Value>, path: &str, order: SortOrder) -> Vec<String> {
        let path = parse_attr_path(path).unwrap();
        let schema = ResourceSchema::user();
        sort_by_path(&mut resources, order, |r| sort_key(r, &path, &schema));
        resources
            .iter()
            .map(|r| r["id"].as_str().unwrap_or("").to_string())
            .collect()
    }

    #[test]
    fn strings_follow_case_exact() {
        assert_eq!(
            key(json!({"userName": "BJensen"}), "username"),
            SortKey::Text("bjensen".into())
        );
        assert_eq!(key(json!({"id": "AbC"}), "id"), SortKey::Text("AbC".into()));
    }

    #[test]
    fn multi_valued_attributes_sort_by_the_primary_value_else_the_first() {
        let emails = json!({"emails": [{"value": "b@x"}, {"value": "A@x", "primary": true}]});
        assert_eq!(
            key(emails.clone(), "emails.value"),
            SortKey::Text("a@x".into())
        );
        assert_eq!(key(emails, "emails"), SortKey::Text("a@x".into()));
        let first = json!({"emails": [{"value": "b@x"}, {"value": "c@x"}]});
        assert_eq!(key(first, "emails.value"), SortKey::Text("b@x".into()));
    }

    #[test]
    fn extension_attributes_are_found_with_or_without_their_urn() {
        let user = json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "7"}});
        assert_eq!(
            key(user.clone(), "employeeNumber"),
            SortKey::Text("7".into())
        );
        let qualified = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber";
        assert_eq!(key(user, qualified), SortKey::Text("7".into()));
    }

    #[test]
    fn missing_values_go_last_ascending_and_first_descending() {
        let users = vec![
            json!({"id": "none"}),
            json!({"id": "b", "title": "b"}),
            json!({"id": "a", "title": "A"}),
        ];
        assert_eq!(
            sorted(users.clone(), "title", SortOrder::Ascending),
            ["a", "b", "none"]
        );
        assert_eq!(
            sorted(users, "title", SortOrder::Descending),
            ["none", "b", "a"]
        );
    }

    #[test]
    fn ties_keep_their_order_and_numbers_and_booleans_compare_naturally() {
        let users = vec![
            json!({"id": "1", "active": true}),
            json!({"id": "2", "active": false}),
            json!({"id": "3", "active": true}),
        ];
        assert_eq!(
            sorted(users, "active", SortOrder::Ascending),
            ["2", "1", "3"]
        );
        assert_eq!(
            compare_keys(&SortKey::Number(2.0), &SortKey::Number(10.0)),
            Ordering::Less
        );
    }

    #[test]
    fn sort_order_reads_either_case() {
        assert_eq!(SortOrder::parse("DESCENDING"), Some(SortOrder::Descending));
        assert_eq!(SortOrder::parse("up"), None);
    }
}
