//! `--as rfc|okta|entra|entra-legacy` must send exactly what each identity provider sends.
//!
//! The recorded IdP requests in `fixtures/idp/` (field guide §4) are compared byte for byte,
//! key order included, with what `scim::dialect` renders; every body of every dialect is also
//! kept as an insta snapshot so a change in shape shows up in review.

use std::path::Path;

use serde_json::{Value, json};

use scimctl::scim::dialect::{Dialect, PatchStep};
use scimctl::scim::patch::PatchOpKind;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The `request` of a fixture, as the compact JSON text the IdP sends.
fn recorded_request(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/idp")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let fixture: Value = serde_json::from_str(&text).expect("fixture is JSON");
    fixture["request"].to_string()
}

fn step(op: PatchOpKind, path: Option<&str>, value: Option<Value>) -> PatchStep {
    PatchStep {
        op,
        path: path.map(str::to_owned),
        value,
    }
}

/// The five replacements of the field guide's multi-replace example, in Entra's legacy order.
fn multi_replace() -> Vec<PatchStep> {
    let replace =
        |path: &str, value: &str| step(PatchOpKind::Replace, Some(path), Some(json!(value)));
    vec![
        replace("displayName", "Bjfe"),
        replace("emails[type eq \"work\"].value", "bjfe@testuser.com"),
        replace("name.givenName", "Kkom"),
        replace("name.familyName", "Unua"),
        replace(&format!("{ENTERPRISE}:employeeNumber"), "Aklq"),
    ]
}

#[test]
fn deactivation_matches_each_idp_byte_for_byte() {
    assert_eq!(
        Dialect::Okta.set_active(false).to_string(),
        recorded_request("okta-deactivate-user")
    );
    assert_eq!(
        Dialect::Entra.set_active(false).to_string(),
        recorded_request("entra-2020-disable")
    );
    assert_eq!(
        Dialect::EntraLegacy.set_active(false).to_string(),
        recorded_request("entra-legacy-disable")
    );
    assert_eq!(
        Dialect::Rfc.set_active(false),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "replace", "path": "active", "value": false}]})
    );
}

#[test]
fn membership_changes_match_each_idp_byte_for_byte() {
    assert_eq!(
        Dialect::EntraLegacy
            .add_members(&[("f648f8d5ea4e4cd38e9c", None), ("u1091", None)])
            .to_string(),
        recorded_request("entra-legacy-add-members")
    );
    assert_eq!(
        Dialect::EntraLegacy.remove_members(&["u1091"]).to_string(),
        recorded_request("entra-legacy-remove-member-by-value-list")
    );
    assert_eq!(
        Dialect::Entra
            .remove_members(&["7f4bc1a3-285e-48ae-8202-5accb43efb0e"])
            .to_string(),
        recorded_request("entra-2020-remove-member-by-filter")
    );
}

#[test]
fn okta_removes_by_filter_and_adds_with_display_in_one_request() {
    let remove = Dialect::Okta.remove_members(&["89bb1940-b905-4575-9e7f-6f887cfb368e"]);
    let add = Dialect::Okta.add_members(&[(
        "23a35c27-23d3-4c03-b4c5-6443c09e7173",
        Some("test.user@okta.local"),
    )]);
    let mut operations = remove["Operations"].as_array().cloned().unwrap();
    operations.extend(add["Operations"].as_array().cloned().unwrap());
    let combined = json!({"schemas": remove["schemas"], "Operations": operations});
    assert_eq!(
        combined.to_string(),
        recorded_request("okta-membership-remove-and-add")
    );
}

#[test]
fn multi_attribute_replacement_matches_both_entra_shapes() {
    assert_eq!(
        Dialect::EntraLegacy
            .patch_body(&multi_replace())
            .to_string(),
        recorded_request("entra-legacy-multi-replace")
    );
    assert_eq!(
        Dialect::Entra.patch_body(&multi_replace()).to_string(),
        recorded_request("entra-2020-multi-replace")
    );
}

#[test]
fn entra_legacy_sends_capitalised_ops_and_string_booleans_everywhere() {
    let body = Dialect::EntraLegacy.patch_body(&[
        step(PatchOpKind::Add, Some("nickName"), Some(json!("Babs"))),
        step(
            PatchOpKind::Replace,
            None,
            Some(json!({"active": true, "roles": [{"value": "admin", "primary": true}]})),
        ),
        step(PatchOpKind::Remove, Some("title"), None),
    ]);
    assert_eq!(
        body["Operations"],
        json!([
            {"op": "Add", "path": "nickName", "value": "Babs"},
            {"op": "Replace", "value": {"active": "True", "roles": [{"value": "admin", "primary": "True"}]}},
            {"op": "Remove", "path": "title"}
        ])
    );
    assert_eq!(
        recorded_request("entra-legacy-add-nickname"),
        Dialect::EntraLegacy
            .patch_body(&[step(
                PatchOpKind::Add,
                Some("nickName"),
                Some(json!("Babs"))
            )])
            .to_string()
    );
}

#[test]
fn only_okta_adds_headers() {
    assert_eq!(
        Dialect::Okta.headers(),
        [
            ("User-Agent", "Okta SCIM Client 1.0.0"),
            ("Accept", "application/scim+json"),
            ("Accept-Charset", "utf-8"),
            ("Content-Type", "application/scim+json; charset=utf-8"),
        ]
    );
    for dialect in [Dialect::Rfc, Dialect::Entra, Dialect::EntraLegacy] {
        assert!(dialect.headers().is_empty(), "{dialect}");
    }
}

#[test]
fn create_bodies_keep_the_users_data_and_add_only_what_the_idp_adds() {
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "bjensen", "active": true, "roles": [{"value": "kept"}]
    });
    let okta = Dialect::Okta.create_user_body(&user);
    assert_eq!(okta["groups"], json!([]));
    assert!(okta.get("password").is_none(), "no password is invented");
    let entra = Dialect::Entra.create_user_body(&user);
    assert_eq!(entra["meta"], json!({"resourceType": "User"}));
    assert_eq!(
        entra["roles"],
        json!([{"value": "kept"}]),
        "the user's roles stay"
    );
    assert_eq!(Dialect::Rfc.create_user_body(&user), user);
}

/// Every body of every dialect, reviewed as snapshots.
#[test]
fn every_body_of_every_dialect() {
    let user =
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"});
    let group =
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "ops"});
    for dialect in Dialect::ALL {
        let bodies = json!({
            "deactivate": dialect.set_active(false),
            "activate": dialect.set_active(true),
            "add_members": dialect.add_members(&[("u1", Some("alice")), ("u2", None)]),
            "remove_members": dialect.remove_members(&["u1", "u2"]),
            "multi_replace": dialect.patch_body(&multi_replace()),
            "create_user": dialect.create_user_body(&user),
            "create_group": dialect.create_group_body(&group),
        });
        insta::assert_json_snapshot!(format!("dialect_{}", dialect.as_str()), bodies);
    }
}
