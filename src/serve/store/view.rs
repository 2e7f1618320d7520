//! What filters see of a stored resource: the resource itself, or under the filter quirks
//! (`multi-valued-first-value-only`, `missing-primary-is-true`, `schemas-not-filterable`) a
//! copy altered as such a server would read it, and whether some resource lacks an attribute
//! (`absent-attribute-filter-400`). Pure: no I/O.

use std::borrow::Cow;

use serde_json::Value;

use super::{Kind, Store};
use crate::scim::resource::get_ci;

impl Store {
    /// Whether some resource of `kind` has no value for the top-level attribute `name`
    /// (absent, null or an empty list: one state, RFC 7643 §2.5).
    pub fn some_lack(&self, kind: Kind, name: &str) -> bool {
        self.iter(kind).any(|entry| {
            get_ci(&entry.resource, name)
                .is_none_or(|value| value.is_null() || value.as_array().is_some_and(Vec::is_empty))
        })
    }

    /// The resource as filters see it: itself, or under `multi-valued-first-value-only` and
    /// `missing-primary-is-true` the values of its multi-valued complex attributes cut to the
    /// first, or each without `primary` marked primary, and under `schemas-not-filterable`
    /// without `schemas`.
    pub(super) fn filter_view<'r>(&self, resource: &'r Value) -> Cow<'r, Value> {
        let (first_only, absent_primary, no_schemas) = (
            self.options.first_value_only_in_filters,
            self.options.absent_primary_is_true_in_filters,
            self.options.schemas_hidden_from_filters,
        );
        if !(first_only || absent_primary || no_schemas) {
            return Cow::Borrowed(resource);
        }
        let mut view = resource.clone();
        if let Some(members) = view.as_object_mut().filter(|_| no_schemas) {
            members.retain(|key, _| !key.eq_ignore_ascii_case("schemas"));
        }
        let lists = view
            .as_object_mut()
            .into_iter()
            .flat_map(|m| m.values_mut());
        for values in lists.filter_map(Value::as_array_mut) {
            if !values.iter().all(Value::is_object) {
                continue;
            }
            if first_only {
                values.truncate(1);
            }
            for value in values.iter_mut().filter_map(Value::as_object_mut) {
                if absent_primary && !value.keys().any(|k| k.eq_ignore_ascii_case("primary")) {
                    value.insert("primary".into(), Value::Bool(true));
                }
            }
        }
        Cow::Owned(view)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Kind, Store, StoreOptions};
    use crate::scim::model::USER_SCHEMA;
    use crate::serve::protocol;
    use serde_json::json;

    const NOW: &str = "2026-01-01T00:00:00.000Z";

    fn find(store: &Store, filter: &str) -> Vec<String> {
        let filter = protocol::parse_filter(filter).unwrap();
        store
            .search(Kind::User, Some(&filter), None)
            .unwrap()
            .iter()
            .map(|e| e.id().to_string())
            .collect()
    }

    #[test]
    fn filter_quirks_change_only_what_filters_see() {
        let seen_with = |options: StoreOptions| {
            let mut store = Store::new("http://localhost/scim/v2", options);
            let body = json!({"schemas": [USER_SCHEMA], "userName": "m",
                "emails": [{"value": "a@x.example"}, {"value": "b@y.example"}]});
            store.create(Kind::User, body, NOW).unwrap();
            let found = |filter: &str| find(&store, filter).len();
            (
                found("emails.value eq \"b@y.example\""),
                found("emails[primary eq true]"),
                found(&format!("schemas eq \"{USER_SCHEMA}\"")),
            )
        };
        assert_eq!(seen_with(StoreOptions::default()), (1, 0, 1));
        let first_only = StoreOptions {
            first_value_only_in_filters: true,
            ..StoreOptions::default()
        };
        assert_eq!(seen_with(first_only), (0, 0, 1));
        let absent_primary = StoreOptions {
            absent_primary_is_true_in_filters: true,
            ..StoreOptions::default()
        };
        assert_eq!(seen_with(absent_primary), (1, 1, 1));
        let no_schemas = StoreOptions {
            schemas_hidden_from_filters: true,
            ..StoreOptions::default()
        };
        assert_eq!(seen_with(no_schemas), (1, 0, 0));
    }
}
