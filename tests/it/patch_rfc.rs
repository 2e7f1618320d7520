//! RFC 7644 §3.5.2 PATCH semantics: the RFC's own examples (as fixtures in `fixtures/patch/`)
//! and the error cases of §3.5.2 and §3.12, including atomicity.

use crate::patch_support::fixture_tests;
use scimctl::scim::model::ScimType;
use scimctl::scim::patch::{PatchOutcome, apply_patch, parse_patch};
use scimctl::scim::schema::ResourceSchema;
use serde_json::{Value, json};

fixture_tests! { "patch":
    add_appends_a_member => "rfc-add-member",
    adding_an_existing_member_changes_nothing => "rfc-add-existing-member-is-no-op",
    pathless_add_appends_emails_and_sets_nickname => "rfc-add-pathless-emails-and-nickname",
    remove_without_filter_unassigns_all_members => "rfc-remove-all-members",
    remove_with_filter_removes_one_member => "rfc-remove-one-member",
    remove_with_compound_filter_removes_every_match => "rfc-remove-work-emails-by-filter",
    removes_then_add_replace_the_membership => "rfc-remove-members-then-add",
    replace_without_filter_replaces_all_members => "rfc-replace-members",
    replace_with_filter_updates_the_work_address => "rfc-replace-work-address",
    replace_filtered_sub_attribute_changes_the_street => "rfc-replace-work-street",
    pathless_replace_sets_emails_and_nickname => "rfc-replace-pathless-emails-and-nickname",
    replace_filtered_email_value => "rfc-replace-work-email-value",
    replace_on_a_complex_attribute_merges => "rfc-replace-complex-merges",
    a_new_primary_clears_the_old_one => "rfc-add-primary-clears-the-others",
}

fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "userName": "bjensen",
        "displayName": "Babs Jensen",
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
        "meta": {"resourceType": "User", "version": "W/\"1\""}
    })
}

fn patch_op(operations: Value) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": operations
    })
}

/// Parses and applies `operations` to `resource` as a User.
fn patch_user(
    resource: &Value,
    operations: Value,
) -> Result<PatchOutcome, (Option<ScimType>, String)> {
    let schema = ResourceSchema::user();
    parse_patch(&patch_op(operations), &schema)
        .and_then(|request| apply_patch(resource, &request, &schema))
        .map_err(|e| (e.scim_type, e.detail))
}

fn scim_type_of(result: Result<PatchOutcome, (Option<ScimType>, String)>) -> Option<ScimType> {
    match result {
        Ok(outcome) => panic!("expected an error, got {}", outcome.resource),
        Err((scim_type, _)) => scim_type,
    }
}

#[test]
fn a_failing_second_operation_leaves_the_resource_untouched() {
    let before = user();
    let result = patch_user(
        &before,
        json!([
            {"op": "replace", "path": "displayName", "value": "Changed"},
            {"op": "replace", "path": "id", "value": "another-id"}
        ]),
    );
    assert_eq!(scim_type_of(result), Some(ScimType::Mutability));
    assert_eq!(before, user(), "the input must not change");
}

#[test]
fn replace_with_a_filter_that_matches_nothing_is_no_target() {
    let result = patch_user(
        &user(),
        json!([{"op": "replace", "path": "emails[type eq \"home\"].value", "value": "x@y.z"}]),
    );
    assert_eq!(scim_type_of(result), Some(ScimType::NoTarget));
}

#[test]
fn remove_without_a_path_is_no_target() {
    let result = patch_user(&user(), json!([{"op": "remove"}]));
    assert_eq!(scim_type_of(result), Some(ScimType::NoTarget));
}

#[test]
fn paths_that_name_nothing_or_do_not_parse_are_invalid_path() {
    for path in [
        "favouriteColour",
        "name.nickname",
        "displayName[value eq \"x\"]",
    ] {
        let result = patch_user(
            &user(),
            json!([{"op": "replace", "path": path, "value": "x"}]),
        );
        assert_eq!(
            scim_type_of(result),
            Some(ScimType::InvalidPath),
            "path {path}"
        );
    }
}

#[test]
fn read_only_and_required_attributes_are_protected_with_mutability() {
    let cases = [
        json!([{"op": "replace", "path": "id", "value": "x"}]),
        json!([{"op": "replace", "path": "meta.version", "value": "W/\"2\""}]),
        json!([{"op": "add", "path": "groups", "value": [{"value": "g1"}]}]),
        json!([{"op": "remove", "path": "userName"}]),
        json!([{"op": "remove", "path": "id"}]),
        json!([{"op": "replace", "value": {"id": "not-the-current-id"}}]),
    ];
    for operations in cases {
        let result = patch_user(&user(), operations.clone());
        assert_eq!(
            scim_type_of(result),
            Some(ScimType::Mutability),
            "{operations}"
        );
    }
}

#[test]
fn an_immutable_member_value_cannot_be_rewritten() {
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "g1", "displayName": "Ops",
        "members": [{"value": "u1"}]
    });
    let schema = ResourceSchema::group();
    let request = parse_patch(
        &patch_op(
            json!([{"op": "replace", "path": "members[value eq \"u1\"].value", "value": "u2"}]),
        ),
        &schema,
    )
    .map_err(|e| e.to_string());
    let result = request.and_then(|r| apply_patch(&group, &r, &schema).map_err(|e| e.to_string()));
    assert!(result.is_err_and(|e| e.contains("mutability") && e.contains("immutable")));
}

#[test]
fn values_of_the_wrong_type_are_invalid_value_naming_the_attribute() {
    let cases = [
        (
            json!([{"op": "replace", "path": "active", "value": "maybe"}]),
            "active",
        ),
        (
            json!([{"op": "replace", "path": "name", "value": 7}]),
            "name",
        ),
        (
            json!([{"op": "add", "path": "emails", "value": [{"value": "a@b.c", "primary": "yes"}]}]),
            "emails[0].primary",
        ),
        (
            json!([{"op": "replace", "value": {"displayName": ["a"]}}]),
            "displayName",
        ),
    ];
    for (operations, path) in cases {
        match patch_user(&user(), operations) {
            Err((Some(ScimType::InvalidValue), detail)) => {
                assert!(
                    detail.contains(&format!("`{path}`")),
                    "detail {detail:?} should name {path}"
                )
            }
            other => panic!("expected invalidValue for {path}, got {other:?}"),
        }
    }
}

#[test]
fn two_new_primaries_in_one_value_are_invalid_value() {
    let result = patch_user(
        &user(),
        json!([{"op": "add", "path": "emails", "value": [
            {"value": "a@example.com", "primary": true},
            {"value": "b@example.com", "primary": true}
        ]}]),
    );
    assert_eq!(scim_type_of(result), Some(ScimType::InvalidValue));
}

#[test]
fn malformed_envelopes_are_invalid_syntax() {
    let schema = ResourceSchema::user();
    let bodies = [
        json!([]),
        json!({"Operations": [{"op": "add", "path": "nickName", "value": "x"}]}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "merge", "path": "nickName"}]}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"path": "nickName"}]}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ["add"]}),
    ];
    for body in bodies {
        let result = parse_patch(&body, &schema);
        assert_eq!(
            result.err().and_then(|e| e.scim_type),
            Some(ScimType::InvalidSyntax),
            "{body}"
        );
    }
}

#[test]
fn replacing_a_value_with_itself_reports_no_change() {
    let outcome = patch_user(
        &user(),
        json!([{"op": "replace", "path": "displayName", "value": "Babs Jensen"}]),
    );
    assert_eq!(outcome.map(|o| o.changed), Ok(false));
}

#[test]
fn replace_of_an_absent_attribute_adds_it() {
    let outcome = patch_user(
        &user(),
        json!([{"op": "replace", "path": "title", "value": "Tour Guide"}]),
    );
    let resource = outcome.map(|o| o.resource);
    assert_eq!(
        resource.as_ref().map(|r| r.get("title").cloned()),
        Ok(Some(json!("Tour Guide")))
    );
}

#[test]
fn adding_no_members_keeps_the_existing_ones() {
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "g1", "displayName": "Ops", "members": [{"value": "u1"}]
    });
    let schema = ResourceSchema::group();
    let request = parse_patch(
        &patch_op(json!([{"op": "add", "path": "members", "value": []}])),
        &schema,
    );
    let outcome = request.and_then(|r| apply_patch(&group, &r, &schema));
    assert_eq!(outcome.map(|o| (o.changed, o.resource)), Ok((false, group)));
}

#[test]
fn extension_attributes_update_schemas_as_they_appear_and_disappear() {
    let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let added = patch_user(
        &user(),
        json!([{"op": "add", "path": format!("{enterprise}:department"), "value": "Tour"}]),
    )
    .map(|o| o.resource);
    let added = added.unwrap_or_else(|e| panic!("add failed: {e:?}"));
    assert_eq!(
        added["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:User", enterprise])
    );
    assert_eq!(added[enterprise], json!({"department": "Tour"}));

    let removed = patch_user(
        &added,
        json!([{"op": "remove", "path": format!("{enterprise}:department")}]),
    )
    .map(|o| o.resource);
    assert_eq!(removed, Ok(user()));
}

#[test]
fn keys_are_stored_in_the_schemas_spelling() {
    let outcome = patch_user(
        &user(),
        json!([{"op": "add", "path": "NAME.GIVENNAME", "value": "Barbara"},
               {"op": "replace", "value": {"DISPLAYNAME": "Babs"}}]),
    );
    let resource = outcome
        .map(|o| o.resource)
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(resource["name"], json!({"givenName": "Barbara"}));
    assert_eq!(resource["displayName"], json!("Babs"));
}

/// RFC 7644 §3.5.2.2's own example writes `members[value eq\"2819c223…\"]`, with no space
/// after `eq`; a lenient server should read it.
#[test]
fn the_rfcs_own_spelling_without_a_space_after_eq_is_read_leniently() {
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "g1", "displayName": "Ops",
        "members": [{"value": "2819c223"}, {"value": "902c246b"}]
    });
    let schema = ResourceSchema::group();
    let request = parse_patch(
        &patch_op(json!([{"op": "remove", "path": "members[value eq\"2819c223\"]"}])),
        &schema,
    );
    let outcome = request.and_then(|r| apply_patch(&group, &r, &schema));
    assert_eq!(
        outcome.map(|o| o.resource["members"].clone()),
        Ok(json!([{"value": "902c246b"}]))
    );
}
