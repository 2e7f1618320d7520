//! Robustness: no JSON input makes schema parsing, write validation, projection or PATCH
//! panic, and PATCH results stay well-formed.

use proptest::prelude::*;
use scimctl::scim::patch::{apply_patch, parse_patch};
use scimctl::scim::path::AttrPath;
use scimctl::scim::resource::{WriteMode, project, validate_for_write};
use scimctl::scim::schema::{ResourceSchema, ResourceType, Schema, ServiceProviderConfig};
use serde_json::{Value, json};

/// Keys that mean something to SCIM, mixed with noise, in varied case.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("schemas".to_owned()),
        Just("Operations".to_owned()),
        Just("op".to_owned()),
        Just("path".to_owned()),
        Just("value".to_owned()),
        Just("userName".to_owned()),
        Just("emails".to_owned()),
        Just("members".to_owned()),
        Just("primary".to_owned()),
        Just("name".to_owned()),
        Just("attributes".to_owned()),
        Just("type".to_owned()),
        Just("subAttributes".to_owned()),
        Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_owned()),
        "[a-zA-Z.:$]{0,12}",
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("urn:ietf:params:scim:api:messages:2.0:PatchOp".to_owned()),
            Just("urn:ietf:params:scim:schemas:core:2.0:User".to_owned()),
            Just("add".to_owned()),
            Just("Replace".to_owned()),
            Just("remove".to_owned()),
            Just("members[value eq \"a\"]".to_owned()),
            Just("emails[type eq \"work\"].value".to_owned()),
            Just("True".to_owned()),
            Just(String::new()),
            ".{0,16}",
        ]
        .prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

fn patch_body() -> impl Strategy<Value = Value> {
    let operation = (
        prop_oneof![Just("add"), Just("Remove"), Just("replace"), Just("bogus")],
        prop::option::of(prop_oneof![
            Just("members".to_owned()),
            Just("members[value eq \"u1\"]".to_owned()),
            Just("members[value eq \"u1\"].display".to_owned()),
            Just("emails[type eq \"work\"]".to_owned()),
            Just("emails".to_owned()),
            Just("name.givenName".to_owned()),
            Just("displayName".to_owned()),
            Just("active".to_owned()),
            Just("id".to_owned()),
            Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager".to_owned()),
            Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_owned()),
            ".{0,12}",
        ]),
        prop::option::of(json_value()),
    )
        .prop_map(|(op, path, value)| {
            let mut operation = json!({ "op": op });
            if let Some(path) = path {
                operation["path"] = path.into();
            }
            if let Some(value) = value {
                operation["value"] = value;
            }
            operation
        });
    prop::collection::vec(operation, 1..5).prop_map(|ops| {
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": ops
        })
    })
}

fn stored() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "u1", "userName": "bjensen", "displayName": "B",
        "emails": [{"value": "a@b.c", "type": "work", "primary": true}],
        "members": [{"value": "u1"}]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn discovery_parsers_never_panic(doc in json_value()) {
        let _ = Schema::from_json(&doc);
        let _ = ResourceType::from_json(&doc);
        let _ = ServiceProviderConfig::from_json(&doc);
    }

    #[test]
    fn write_validation_and_projection_never_panic(body in json_value()) {
        for schema in [ResourceSchema::user(), ResourceSchema::group()] {
            let _ = validate_for_write(&body, &schema, WriteMode::Create);
            let _ = validate_for_write(&body, &schema, WriteMode::Replace { current: &stored() });
            let attributes = [AttrPath { urn: None, name: "emails".to_owned(), sub: Some("value".to_owned()) }];
            let _ = project(&body, &schema, &attributes, &[]);
            let _ = project(&body, &schema, &[], &attributes);
        }
    }

    #[test]
    fn arbitrary_bodies_never_panic_the_patch_parser(body in json_value()) {
        let _ = parse_patch(&body, &ResourceSchema::user());
    }

    #[test]
    fn patch_results_are_objects_that_keep_their_id(body in patch_body()) {
        for schema in [ResourceSchema::user(), ResourceSchema::group()] {
            let Ok(request) = parse_patch(&body, &schema) else { continue };
            if let Ok(outcome) = apply_patch(&stored(), &request, &schema) {
                prop_assert_eq!(outcome.resource.get("id"), Some(&json!("u1")));
                prop_assert_eq!(outcome.changed, outcome.resource != stored());
            }
        }
    }
}
