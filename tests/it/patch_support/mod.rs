//! Runs the PATCH fixtures shared by `patch_rfc` and `patch_idp`.
//!
//! A fixture is a JSON file holding a resource `before`, a PatchOp `request`, the resource
//! expected `after`, whether that counts as `changed`, and the tolerances the request needs,
//! as their `Display` text. The files double as a catalogue of what real clients send.

use std::path::Path;

use scimctl::scim::patch::{apply_patch, parse_patch};
use scimctl::scim::schema::ResourceSchema;
use serde_json::Value;

fn field<'a>(fixture: &'a Value, name: &str, file: &str) -> &'a Value {
    fixture
        .get(name)
        .unwrap_or_else(|| panic!("{file}: fixture has no `{name}`"))
}

/// Applies the fixture's request to its `before` resource and checks the outcome.
pub fn check_fixture(relative: &str) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(relative);
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let fixture: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{relative}: invalid JSON: {e}"));
    let schema = match field(&fixture, "resourceType", relative).as_str() {
        Some("User") => ResourceSchema::user(),
        Some("Group") => ResourceSchema::group(),
        other => panic!("{relative}: unknown resourceType {other:?}"),
    };
    let request = parse_patch(field(&fixture, "request", relative), &schema)
        .unwrap_or_else(|e| panic!("{relative}: request rejected: {e}"));
    let outcome = apply_patch(field(&fixture, "before", relative), &request, &schema)
        .unwrap_or_else(|e| panic!("{relative}: apply failed: {e}"));

    let expected = field(&fixture, "after", relative);
    assert!(
        outcome.resource == *expected,
        "{relative}: resulting resource differs\n--- got\n{}\n--- expected\n{}",
        pretty(&outcome.resource),
        pretty(expected)
    );
    assert_eq!(
        Some(outcome.changed),
        field(&fixture, "changed", relative).as_bool(),
        "{relative}: `changed`"
    );
    let reported: Vec<String> = request
        .tolerances
        .iter()
        .chain(outcome.tolerances.iter())
        .map(ToString::to_string)
        .collect();
    let expected_tolerances: Vec<&str> = field(&fixture, "tolerances", relative)
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(reported, expected_tolerances, "{relative}: tolerances");
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// Declares one test per fixture file, named after it.
macro_rules! fixture_tests {
    ($dir:literal: $($name:ident => $file:literal),+ $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::patch_support::check_fixture(concat!($dir, "/", $file, ".json"));
            }
        )+
    };
}

pub(crate) use fixture_tests;
