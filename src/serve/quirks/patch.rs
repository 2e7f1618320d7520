//! The PATCH quirks: how the misreading quirks refuse or rewrite a PATCH body before the
//! server applies it, and what `primary-not-exclusive` does to the result. Pure: no I/O, and no
//! switch is consulted here but those of [`Quirks`].

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::{Quirks, starts_with_urn};
use crate::scim::model::{ScimError, ScimType};
use crate::scim::resource::{get_ci, get_ci_mut, is_primary};

impl Quirks {
    /// The 400 a quirk answers to a PATCH body that the clean server accepts:
    /// `case-sensitive-patch-op` refuses an `op` not spelled in lowercase,
    /// `reject-value-path-patch` a `path` with a value filter, `reject-urn-paths` a `path`
    /// qualified with a schema URN (which RFC 7644 §3.10 allows everywhere).
    pub fn refused_patch(&self, body: &Value) -> Option<ScimError> {
        let operations = operations(body)?;
        let texts = |key: &'static str| {
            operations
                .iter()
                .filter_map(move |op| get_ci(op, key).and_then(Value::as_str))
        };
        if self.case_sensitive_patch_op
            && let Some(sent) = texts("op").find(|op| !matches!(*op, "add" | "remove" | "replace"))
        {
            return Some(ScimError::typed(
                ScimType::InvalidSyntax,
                format!("unknown PATCH op `{sent}`: expected add, remove or replace"),
            ));
        }
        if self.reject_value_path_patch
            && let Some(path) = texts("path").find(|path| path.contains('['))
        {
            return Some(ScimError::typed(
                ScimType::InvalidPath,
                format!("unsupported PATCH path `{path}`: filters in paths are not supported"),
            ));
        }
        if self.reject_urn_paths
            && let Some(path) = texts("path").find(|path| starts_with_urn(path))
        {
            return Some(ScimError::typed(
                ScimType::InvalidPath,
                format!("unsupported PATCH path `{path}`: schema URNs in paths are not supported"),
            ));
        }
        if self.null_replace_refused && operations.iter().any(replaces_with_null) {
            return Some(ScimError::typed(
                ScimType::InvalidValue,
                "a replace needs a value: `null` is not a valid value",
            ));
        }
        None
    }

    /// `patch-not-atomic`: the operations of a PATCH body, each as a PATCH body of its own,
    /// for a server that applies them one by one and stops at the first failure instead of
    /// applying all or none (RFC 7644 §3.5.2).
    pub fn one_operation_each(body: &Value) -> Vec<Value> {
        let Some(operations) = operations(body) else {
            return Vec::new();
        };
        operations
            .iter()
            .map(|operation| {
                let mut single = body.clone();
                if let Some(list) = operations_mut(&mut single) {
                    *list = vec![operation.clone()];
                }
                single
            })
            .collect()
    }

    /// Rewrites a PATCH body the way the misreading quirks understand it. The body is copied
    /// only when one of them is on.
    pub fn rewrite_patch(&self, body: &mut Cow<'_, Value>, on_group: bool) {
        let widen_member_removal = self.member_removal_empties_group && on_group;
        if !(widen_member_removal
            || self.patch_remove_ignored
            || self.patch_replace_ignored
            || self.patch_add_single_value_ignored
            || self.patch_add_first_value_only
            || self.ignore_null_replace
            || self.false_replace_ignored
            || self.add_replaces_list
            || self.replace_merges_list
            || self.replace_complex_clears_rest
            || self.filtered_remove_clears_all
            || self.filtered_sub_attribute_remove_drops_record
            || self.add_without_value_clears
            || self.pathless_patch_ignored)
        {
            return;
        }
        let Some(operations) = operations_mut(body.to_mut()) else {
            return;
        };
        if self.replace_complex_clears_rest {
            clear_before_complex_replace(operations);
        }
        for op in operations.iter_mut().filter_map(Value::as_object_mut) {
            if self.pathless_patch_ignored {
                empty_pathless_value(op);
            }
            let kind = text_of(op, "op").map(str::to_ascii_lowercase);
            match kind.as_deref() {
                Some("remove") if self.patch_remove_ignored => ignore_operation(op),
                Some("remove") => {
                    if widen_member_removal {
                        drop_member_list(op);
                    }
                    if self.filtered_remove_clears_all {
                        drop_value_filter(op);
                    }
                    if self.filtered_sub_attribute_remove_drops_record {
                        drop_sub_attribute_after_filter(op);
                    }
                }
                Some("replace") if self.patch_replace_ignored => ignore_operation(op),
                Some("replace") => {
                    if self.ignore_null_replace {
                        skip_nulls(op);
                    }
                    if self.false_replace_ignored {
                        skip_false(op);
                    }
                    if self.replace_merges_list {
                        swap_list_op(op, "add");
                    }
                }
                Some("add") if self.add_without_value_clears && value_of(op).is_none() => {
                    if let Some(kind) = get_ci_mut(op, "op") {
                        *kind = Value::from("remove");
                    }
                }
                Some("add") if self.patch_add_single_value_ignored && adds_one_value(op) => {
                    ignore_operation(op);
                }
                Some("add") if self.add_replaces_list => swap_list_op(op, "replace"),
                Some("add") if self.patch_add_first_value_only => keep_first_value(op),
                _ => {}
            }
        }
    }

    /// `add-duplicates-values`: an `add` to a multi-valued attribute that sends a value the
    /// resource `held` already holds becomes a `replace` with the held values followed by every
    /// value sent, so that value is there twice (RFC 7644 §3.5.2.1: when the attribute "already
    /// contains the value, no changes SHOULD be made"). The body is copied only when one does.
    pub fn duplicate_added_values(&self, body: &mut Cow<'_, Value>, held: &Value) {
        let repeats = |op: &Value| {
            let adds = text_of_value(op, "op").is_some_and(|kind| kind.eq_ignore_ascii_case("add"));
            match (held_list(op, held), get_ci(op, "value")) {
                (Some(held), Some(Value::Array(sent))) => {
                    adds && sent.iter().any(|value| held.contains(value))
                }
                _ => false,
            }
        };
        if !self.add_duplicates_values
            || !operations(body.as_ref()).is_some_and(|ops| ops.iter().any(repeats))
        {
            return;
        }
        let Some(operations) = operations_mut(body.to_mut()) else {
            return;
        };
        for op in operations.iter_mut() {
            if !repeats(op) {
                continue;
            }
            let mut all = held_list(op, held).cloned().unwrap_or_default();
            let Some(object) = op.as_object_mut() else {
                continue;
            };
            if let Some(Value::Array(sent)) = value_of(object) {
                all.append(sent);
            }
            object.retain(|k, _| !k.eq_ignore_ascii_case("op") && !k.eq_ignore_ascii_case("value"));
            object.insert("op".to_owned(), Value::from("replace"));
            object.insert("value".to_owned(), Value::Array(all));
        }
    }
}

pub(super) fn operations(body: &Value) -> Option<&Vec<Value>> {
    get_ci(body, "Operations")?.as_array()
}

pub(super) fn operations_mut(body: &mut Value) -> Option<&mut Vec<Value>> {
    body.as_object_mut()?
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
        .and_then(|(_, v)| v.as_array_mut())
}

/// A string member of a PATCH operation given as a JSON value, its key matched
/// case-insensitively.
fn text_of_value<'a>(op: &'a Value, key: &str) -> Option<&'a str> {
    text_of(op.as_object()?, key)
}

/// A string member of a PATCH operation, its key matched case-insensitively.
pub(super) fn text_of<'a>(op: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    op.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str())
}

/// The `value` member of a PATCH operation, its key matched case-insensitively.
fn value_of(op: &mut Map<String, Value>) -> Option<&mut Value> {
    op.iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case("value"))
        .map(|(_, v)| v)
}

/// `member-removal-empties-group`: a `remove` of `members` that lists the members to drop
/// (Entra's legacy shape) loses its list, so it removes every member.
fn drop_member_list(op: &mut Map<String, Value>) {
    if text_of(op, "path").is_some_and(|path| path.eq_ignore_ascii_case("members")) {
        op.retain(|k, _| !k.eq_ignore_ascii_case("value"));
    }
}

/// `pathless-patch-ignored`: an operation without a path gets an empty object as its value, so
/// it is accepted and changes nothing, like a server that only looks at `path` (RFC 7644
/// §3.5.2.1 and §3.5.2.3 apply a pathless value's attributes to the resource).
fn empty_pathless_value(op: &mut Map<String, Value>) {
    if text_of(op, "path").is_some_and(|path| !path.trim().is_empty()) {
        return;
    }
    if let Some(value) = value_of(op) {
        *value = Value::Object(Map::new());
    }
}

/// `patch-remove-ignored` and `patch-replace-ignored`: the operation becomes an `add` of
/// nothing, which changes nothing and is answered as a success, as by a server that implements
/// only some of the operations (RFC 7644 §3.5.2.2 removes the values the path names, §3.5.2.3
/// replaces them).
fn ignore_operation(op: &mut Map<String, Value>) {
    op.clear();
    op.insert("op".to_owned(), Value::from("add"));
    op.insert("value".to_owned(), Value::Object(Map::new()));
}

/// `patch-add-single-value-ignored`: whether an `add` sets one value (not a list) at a path.
fn adds_one_value(op: &Map<String, Value>) -> bool {
    let has_path = text_of(op, "path").is_some_and(|path| !path.trim().is_empty());
    let value = op
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("value"))
        .map(|(_, v)| v);
    has_path && value.is_some_and(|value| !value.is_array())
}

/// `patch-add-first-value-only`: an `add` of a list keeps only the list's first value, as a
/// server that reads `value[0]` does (RFC 7644 §3.5.2.1 adds every value).
fn keep_first_value(op: &mut Map<String, Value>) {
    if let Some(Value::Array(values)) = value_of(op) {
        values.truncate(1);
    }
}

/// `false-replace-ignored`: a `replace` whose value is `false` becomes a replace of nothing,
/// and `false` members of an object value are dropped, as a server that tests a value's
/// truthiness before writing it does (RFC 7644 §3.5.2.3 replaces with the value given).
fn skip_false(op: &mut Map<String, Value>) {
    match value_of(op) {
        Some(value @ Value::Bool(false)) => {
            *value = Value::Object(Map::new());
            op.retain(|k, _| !k.eq_ignore_ascii_case("path"));
        }
        Some(Value::Object(members)) => members.retain(|_, member| *member != Value::Bool(false)),
        _ => {}
    }
}

/// `null-replace-refused`: whether an operation is a `replace` with the value `null`, which
/// RFC 7643 §2.5 reads as "no value" (the attribute is cleared).
fn replaces_with_null(op: &Value) -> bool {
    text_of_value(op, "op").is_some_and(|kind| kind.eq_ignore_ascii_case("replace"))
        && op
            .as_object()
            .and_then(|members| {
                members
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("value"))
            })
            .is_some_and(|(_, value)| value.is_null())
}

/// `replace-complex-clears-rest`: before a `replace` that sets an object at a plain attribute
/// path (`name`), a `remove` of that path, so the sub-attributes it does not name are cleared
/// as by a server that sets the whole attribute (RFC 7644 §3.5.2.3 replaces only the
/// sub-attributes given).
fn clear_before_complex_replace(operations: &mut Vec<Value>) {
    let sets_complex = |op: &Value| {
        let members = op.as_object()?;
        let replaces = text_of(members, "op").is_some_and(|k| k.eq_ignore_ascii_case("replace"));
        let path = text_of(members, "path")?;
        let plain = !path.contains(['[', '.']) && !path.trim().is_empty();
        let object = members
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("value") && v.is_object());
        (replaces && plain && object).then(|| path.to_owned())
    };
    let mut rewritten = Vec::with_capacity(operations.len());
    for op in operations.drain(..) {
        if let Some(path) = sets_complex(&op) {
            rewritten.push(serde_json::json!({ "op": "remove", "path": path }));
        }
        rewritten.push(op);
    }
    *operations = rewritten;
}

/// `add-duplicates-values`: the list `held` holds at the plain attribute path an operation
/// names, if any.
fn held_list<'h>(op: &Value, held: &'h Value) -> Option<&'h Vec<Value>> {
    let path = text_of_value(op, "path")?;
    if path.contains(['[', '.', ':']) {
        return None;
    }
    get_ci(held, path)?.as_array()
}

/// `primary-not-exclusive`: marks primary again, in `after`, every value of a multi-valued
/// attribute that was primary `before` and is still there (matched by its `value`), as a
/// server that sets the new primary without clearing the old does (RFC 7643 §2.4: at most one
/// value is primary).
pub fn keep_old_primaries(before: &Value, after: &mut Value) {
    let (Some(before), Some(after)) = (before.as_object(), after.as_object_mut()) else {
        return;
    };
    for (name, values) in before {
        let Some(old) = values.as_array() else {
            continue;
        };
        let Some(Value::Array(new)) = after.get_mut(name) else {
            continue;
        };
        for primary in old.iter().filter(|value| is_primary(value)) {
            let kept = new
                .iter_mut()
                .filter_map(Value::as_object_mut)
                .find(|value| value.get("value") == primary.get("value"));
            if let Some(kept) = kept {
                kept.insert("primary".to_owned(), Value::Bool(true));
            }
        }
    }
}

/// `filtered-sub-attribute-remove-drops-record`: `emails[type eq "work"].primary` becomes
/// `emails[type eq "work"]`, so the remove takes the whole matching value instead of leaving it
/// without the sub-attribute (RFC 7644 §3.5.2.2).
fn drop_sub_attribute_after_filter(op: &mut Map<String, Value>) {
    let Some((_, Value::String(path))) =
        op.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case("path"))
    else {
        return;
    };
    if let Some(bracket) = path.rfind(']') {
        path.truncate(bracket + 1);
    }
}

/// `filtered-remove-clears-all`: a `remove` whose path has a value filter loses the filter and
/// everything after it, so `emails[type eq "work"]` removes every email (RFC 7644 §3.5.2.2
/// removes only the matching values).
fn drop_value_filter(op: &mut Map<String, Value>) {
    let Some((_, Value::String(path))) =
        op.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case("path"))
    else {
        return;
    };
    if let Some(bracket) = path.find('[') {
        path.truncate(bracket);
    }
}

/// `ignore-null-replace`: a `replace` whose value is `null` becomes a replace of nothing (no
/// path, no attributes), and `null` members of an object value are dropped, the way a server
/// that skips nulls while merging behaves (RFC 7643 §2.5 says null clears).
fn skip_nulls(op: &mut Map<String, Value>) {
    match value_of(op) {
        Some(value @ Value::Null) => {
            *value = Value::Object(Map::new());
            op.retain(|k, _| !k.eq_ignore_ascii_case("path"));
        }
        Some(Value::Object(members)) => members.retain(|_, member| !member.is_null()),
        _ => {}
    }
}

/// An operation that sets a list at a path is applied as the other kind: under
/// `add-replaces-list` an `add` becomes a `replace`, so the list takes the place of the
/// attribute's values instead of joining them (RFC 7644 §3.5.2.1); under `replace-merges-list`
/// a `replace` becomes an `add`, so the old values stay (§3.5.2.3).
fn swap_list_op(op: &mut Map<String, Value>, applied_as: &str) {
    let has_path = text_of(op, "path").is_some_and(|path| !path.trim().is_empty());
    if !(has_path && value_of(op).is_some_and(|value| value.is_array())) {
        return;
    }
    if let Some((_, kind)) = op.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case("op")) {
        *kind = applied_as.into();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::Quirk;

    #[test]
    fn patch_rewrites_touch_only_the_operations_they_name() {
        let body = serde_json::json!({"Operations": [
            {"op": "Add", "path": "emails", "value": [{"value": "a@b.c"}]},
            {"op": "add", "path": "title", "value": "T"},
            {"op": "replace", "path": "nickName", "value": null},
            {"op": "replace", "value": {"title": null, "displayName": "D"}},
            {"op": "remove", "path": "members", "value": [{"value": "1"}]},
            {"op": "remove", "path": "emails[type eq \"work\"].value"},
            {"op": "replace", "path": "phoneNumbers", "value": [{"value": "1"}]},
        ]});
        let mut untouched = Cow::Borrowed(&body);
        Quirks::default().rewrite_patch(&mut untouched, true);
        assert!(
            matches!(untouched, Cow::Borrowed(_)),
            "no copy without a quirk"
        );
        let quirks = Quirks::from_list(&[
            Quirk::AddReplacesList,
            Quirk::IgnoreNullReplace,
            Quirk::MemberRemovalEmptiesGroup,
            Quirk::FilteredRemoveClearsAll,
            Quirk::ReplaceMergesList,
        ]);
        let mut rewritten = Cow::Borrowed(&body);
        quirks.rewrite_patch(&mut rewritten, true);
        assert_eq!(
            rewritten.into_owned(),
            serde_json::json!({"Operations": [
                {"op": "replace", "path": "emails", "value": [{"value": "a@b.c"}]},
                {"op": "add", "path": "title", "value": "T"},
                {"op": "replace", "value": {}},
                {"op": "replace", "value": {"displayName": "D"}},
                {"op": "remove", "path": "members"},
                {"op": "remove", "path": "emails"},
                {"op": "add", "path": "phoneNumbers", "value": [{"value": "1"}]},
            ]})
        );
        let mut on_a_user = Cow::Borrowed(&body);
        quirks.rewrite_patch(&mut on_a_user, false);
        assert_eq!(
            on_a_user["Operations"][4]["value"][0]["value"], "1",
            "member removal is widened on groups only"
        );
    }

    #[test]
    fn the_new_patch_rewrites_touch_only_the_operations_they_name() {
        let body = serde_json::json!({"Operations": [
            {"op": "add", "path": "nickName", "value": "N"},
            {"op": "add", "path": "members", "value": [{"value": "1"}, {"value": "2"}]},
            {"op": "replace", "path": "active", "value": false},
            {"op": "replace", "value": {"active": false, "title": "T"}},
            {"op": "replace", "path": "name", "value": {"givenName": "G"}},
            {"op": "replace", "path": "name.givenName", "value": "G"},
        ]});
        let quirks = Quirks::from_list(&[
            Quirk::PatchAddSingleValueIgnored,
            Quirk::PatchAddFirstValueOnly,
            Quirk::FalseReplaceIgnored,
            Quirk::ReplaceComplexClearsRest,
        ]);
        let mut rewritten = Cow::Borrowed(&body);
        quirks.rewrite_patch(&mut rewritten, true);
        assert_eq!(
            rewritten.into_owned(),
            serde_json::json!({"Operations": [
                {"op": "add", "value": {}},
                {"op": "add", "path": "members", "value": [{"value": "1"}]},
                {"op": "replace", "value": {}},
                {"op": "replace", "value": {"title": "T"}},
                {"op": "remove", "path": "name"},
                {"op": "replace", "path": "name", "value": {"givenName": "G"}},
                {"op": "replace", "path": "name.givenName", "value": "G"},
            ]})
        );
    }

    #[test]
    fn added_values_already_held_are_added_again_only_under_the_quirk() {
        let held = serde_json::json!({"emails": [{"value": "a@b.c", "type": "work"}]});
        let body = serde_json::json!({"Operations": [
            {"op": "add", "path": "emails", "value": [{"value": "a@b.c", "type": "work"}]},
            {"op": "add", "path": "emails", "value": [{"value": "new@b.c"}]},
        ]});
        let mut untouched = Cow::Borrowed(&body);
        Quirks::default().duplicate_added_values(&mut untouched, &held);
        assert!(matches!(untouched, Cow::Borrowed(_)));
        let mut doubled = Cow::Borrowed(&body);
        Quirks::from_list(&[Quirk::AddDuplicatesValues])
            .duplicate_added_values(&mut doubled, &held);
        assert_eq!(
            doubled["Operations"],
            serde_json::json!([
                {"path": "emails", "op": "replace", "value": [
                    {"value": "a@b.c", "type": "work"}, {"value": "a@b.c", "type": "work"}
                ]},
                {"op": "add", "path": "emails", "value": [{"value": "new@b.c"}]},
            ])
        );
    }

    #[test]
    fn old_primaries_are_kept_only_where_the_value_is_still_there() {
        let before = serde_json::json!({"emails": [
            {"value": "w@x", "primary": true}, {"value": "gone@x", "primary": true}
        ]});
        let mut after = serde_json::json!({"emails": [
            {"value": "w@x", "primary": false}, {"value": "h@x", "primary": true}
        ]});
        keep_old_primaries(&before, &mut after);
        assert_eq!(
            after,
            serde_json::json!({"emails": [
                {"value": "w@x", "primary": true}, {"value": "h@x", "primary": true}
            ]})
        );
    }
}
