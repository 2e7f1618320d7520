//! `lint` and `explain` on the RFC's own examples and on what Okta and Entra send:
//!
//! - every filter example of RFC 7644 §3.4.2.2 (`fixtures/rfc/filters.txt`) parses with the
//!   RFC's grammar and every attribute it names resolves against the RFC 7643 schemas;
//! - every PATCH path of §3.5.2 (`fixtures/rfc/paths.txt`) is read and its target explained;
//! - every PATCH example of §3.5.2.1-3 (`fixtures/rfc/patch/`) lints with the findings the RFC's
//!   own spelling earns, and no more;
//! - every IdP request in `fixtures/idp/` lints with exactly the findings the field guide (§4)
//!   says that IdP's shape deserves;
//! - lint agrees with the server's PATCH reader: each leniency `scim::patch` records for a
//!   fixture is a finding of lint's.

use std::path::{Path, PathBuf};

use scimctl::findings::{Deviation, Finding, Level};
use scimctl::lint::{Kind, Options, TypeOrigin, lint};
use scimctl::scim::explain::{
    Resolution, filter_comparisons, parse_filter_explained, parse_path_explained, path_target,
};
use scimctl::scim::patch::{Tolerance, parse_patch};
use scimctl::scim::schema::ResourceSchema;
use scimctl::scim::schema_set::SchemaSet;
use scimctl::scim::target::TargetError;
use serde_json::Value;

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
}

/// The lines of a fixture list that are neither blank nor comments.
fn listed(path: &str) -> Vec<String> {
    std::fs::read_to_string(fixture(path))
        .expect("fixture list")
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

fn json_files(dir: &str) -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture(dir))
        .expect("fixture directory")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path
                .file_stem()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).expect("readable");
            (name, serde_json::from_str(&text).expect("JSON"))
        })
        .collect()
}

fn keys(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.deviation.key()).collect()
}

#[test]
fn every_filter_example_of_rfc_7644_parses_strictly_and_resolves() {
    let filters = listed("rfc/filters.txt");
    assert_eq!(
        filters.len(),
        19,
        "two case examples and Figure 2's seventeen"
    );
    let user = ResourceSchema::user();
    for filter in &filters {
        let parsed = parse_filter_explained(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
        assert!(
            parsed.strict_error.is_none(),
            "{filter}: {:?}",
            parsed.strict_error
        );
        let comparisons = filter_comparisons(&parsed.value, &user);
        assert!(!comparisons.is_empty(), "{filter}");
        for comparison in comparisons {
            assert!(
                !matches!(comparison.resolution, Resolution::Unknown(_)),
                "{filter}: `{}` does not resolve: {:?}",
                comparison.path,
                comparison.unknown
            );
            assert!(
                comparison.warnings.is_empty(),
                "{filter}: {:?}",
                comparison.warnings
            );
            assert!(
                comparison.meaning.starts_with("matches when "),
                "{}",
                comparison.meaning
            );
        }
    }
}

#[test]
fn the_rfcs_complex_comparison_is_explained_through_its_value() {
    let parsed = parse_filter_explained(r#"emails co "example.com""#).expect("valid");
    let user = ResourceSchema::user();
    let comparisons = filter_comparisons(&parsed.value, &user);
    assert_eq!(
        comparisons[0].meaning,
        "matches when any value of emails (compared by its `value`) contains \"example.com\", \
         ignoring case"
    );
}

#[test]
fn every_patch_path_of_rfc_7644_is_read_and_its_target_explained() {
    let set = SchemaSet::builtin();
    let paths = listed("rfc/paths.txt");
    assert_eq!(paths.len(), 9);
    for line in &paths {
        let (path, resource_type) = line.split_once('\t').expect("path<TAB>type");
        let (_, schema) = set.resource_type(resource_type).expect("known type");
        let parsed = parse_path_explained(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let without_space = path.contains("eq\"");
        assert_eq!(parsed.strict_error.is_some(), without_space, "{path}");
        let target = path_target(&parsed.value, &schema);
        if path.ends_with(".displayName") {
            assert_eq!(
                target.target.err(),
                Some(TargetError::UnknownSubAttribute {
                    attribute: "members".into(),
                    sub: "displayName".into(),
                    hint: "; did you mean `display`?".into(),
                })
            );
            continue;
        }
        assert!(target.target.is_ok(), "{path}: {:?}", target.target.err());
        assert_eq!(target.operations.len(), 3, "{path}");
        assert!(
            target.filter.iter().all(|c| c.unknown.is_none()),
            "{path}: an unknown attribute in the filter"
        );
    }
}

/// What each RFC PATCH example earns, and the resource type lint recognises it as.
const RFC_PATCH_EXPECTED: &[(&str, &str, &[&str])] = &[
    ("3.5.2.1-add-member", "Group", &[]),
    ("3.5.2.1-add-pathless", "User", &[]),
    ("3.5.2.2-remove-all-members", "Group", &[]),
    ("3.5.2.2-remove-one-member", "Group", &[]),
    // The RFC writes `members[value eq\"...\"]`: no space after `eq`.
    (
        "3.5.2.2-remove-then-add-members",
        "Group",
        &["patch-path-lenient"],
    ),
    ("3.5.2.2-remove-all-then-add-members", "Group", &[]),
    ("3.5.2.2-remove-work-emails", "User", &[]),
    ("3.5.2.3-replace-members", "Group", &[]),
    ("3.5.2.3-replace-pathless", "User", &[]),
    ("3.5.2.3-replace-work-address", "User", &[]),
    ("3.5.2.3-replace-work-street", "User", &[]),
];

#[test]
fn every_patch_example_of_rfc_7644_lints_with_only_what_its_spelling_earns() {
    let examples = json_files("rfc/patch");
    assert_eq!(examples.len(), RFC_PATCH_EXPECTED.len());
    let set = SchemaSet::builtin();
    for (name, body) in &examples {
        let (_, resource_type, expected) = RFC_PATCH_EXPECTED
            .iter()
            .find(|(file, ..)| file == name)
            .unwrap_or_else(|| panic!("{name} has no expectation"));
        let linted = lint(body, &set, Options::default()).expect("lints");
        assert_eq!(linted.kind, Kind::PatchOp, "{name}");
        assert_eq!(
            linted.resource_type.as_deref(),
            Some(*resource_type),
            "{name}"
        );
        assert_eq!(linted.resource_type_origin, TypeOrigin::Guessed, "{name}");
        assert_eq!(
            keys(&linted.findings),
            *expected,
            "{name}: {:#?}",
            linted.findings
        );
    }
}

/// What each IdP request earns, as the field guide (§4) describes that IdP's shapes: Okta's
/// are the RFC's but for its own `id` in a pathless rename; Entra's legacy shapes capitalise
/// `op` and send "False"; Entra with `aadOptscim062020` keys pathless values by paths; both
/// Entra dialects send the manager as a string and clear with "".
const IDP_EXPECTED: &[(&str, &[&str])] = &[
    ("entra-2020-disable", &[]),
    (
        "entra-2020-multi-replace",
        &[
            "pathless-path-key",
            "pathless-path-key",
            "pathless-path-key",
        ],
    ),
    ("entra-2020-remove-member-by-filter", &[]),
    ("entra-add-phone-by-value-path", &["patch-op-capitalised"]),
    ("entra-legacy-add-members", &["patch-op-capitalised"]),
    ("entra-legacy-add-nickname", &["patch-op-capitalised"]),
    (
        "entra-legacy-disable",
        &["patch-op-capitalised", "string-boolean"],
    ),
    ("entra-legacy-multi-replace", &["patch-op-capitalised"; 5]),
    (
        "entra-legacy-remove-member-by-value-list",
        &["patch-op-capitalised", "remove-by-value-list"],
    ),
    ("entra-manager-as-string", &["complex-as-string"]),
    (
        "entra-manager-removed-by-empty-string",
        &["empty-string-value"],
    ),
    (
        "entra-manager-removed-by-empty-value",
        &["patch-op-capitalised", "empty-string-value"],
    ),
    (
        "entra-null-update-clears",
        &[
            "patch-op-capitalised",
            "empty-string-value",
            "patch-op-capitalised",
        ],
    ),
    ("entra-rename-group", &["patch-op-capitalised"]),
    ("okta-deactivate-user", &[]),
    ("okta-membership-remove-and-add", &[]),
    ("okta-rename-group", &["pathless-read-only"]),
    ("okta-replace-members", &[]),
];

fn lint_request(fixture: &Value) -> Vec<Finding> {
    let resource_type = fixture["resourceType"].as_str().expect("resourceType");
    lint(
        &fixture["request"],
        &SchemaSet::builtin(),
        Options {
            kind: None,
            resource_type: Some(resource_type),
            answered: false,
        },
    )
    .expect("lints")
    .findings
}

#[test]
fn every_idp_request_lints_with_what_the_field_guide_says_that_idp_sends() {
    let fixtures = json_files("idp");
    assert_eq!(fixtures.len(), IDP_EXPECTED.len());
    for (name, fixture) in &fixtures {
        let (_, expected) = IDP_EXPECTED
            .iter()
            .find(|(file, _)| file == name)
            .unwrap_or_else(|| panic!("{name} has no expectation"));
        let findings = lint_request(fixture);
        assert_eq!(keys(&findings), *expected, "{name}: {findings:#?}");
        if name.starts_with("okta-") {
            for finding in &findings {
                assert!(
                    finding.entry().okta.is_some(),
                    "{name}: {} says nothing of Okta, yet an Okta request earns it",
                    finding.deviation.key()
                );
            }
        }
        if name.starts_with("entra-") {
            for finding in &findings {
                assert!(
                    finding.entry().entra.is_some(),
                    "{name}: {} says nothing of Entra, yet an Entra request earns it",
                    finding.deviation.key()
                );
            }
        }
    }
}

/// The finding each leniency of the server's PATCH reader corresponds to. Exhaustive, so a new
/// leniency does not compile here until lint names it too.
fn finding_for(tolerance: &Tolerance) -> Option<Deviation> {
    Some(match tolerance {
        Tolerance::OpCase { .. } => Deviation::PatchOpCapitalised,
        Tolerance::StringBoolean { .. } => Deviation::StringBoolean,
        Tolerance::PathlessDottedKey { .. } | Tolerance::PathlessUrnKey { .. } => {
            Deviation::PathlessPathKey
        }
        Tolerance::MemberRemovalByValueList { .. } => Deviation::RemoveByValueList,
        Tolerance::StringAsComplexValue { .. } => Deviation::ComplexAsString,
        Tolerance::EmptyStringClears { .. } => Deviation::EmptyStringValue,
        Tolerance::SingleValueForMultiValued { .. } => Deviation::SingleValueForMultiValued,
        Tolerance::EmptyPath { .. } => Deviation::PatchPathEmpty,
        Tolerance::LenientPath { .. } => Deviation::PatchPathLenient,
        Tolerance::UnknownAttributeIgnored { .. } => Deviation::AttributeUnknown,
        Tolerance::ReadOnlyInPathlessValue { .. } => Deviation::PathlessReadOnly,
        // Decided while applying, by the resource's values: not visible in a body alone.
        Tolerance::CreatedFromFilter { .. } => return None,
    })
}

#[test]
fn every_leniency_the_server_needs_for_a_fixture_is_a_finding_of_lint() {
    let mut cases: Vec<(String, Value, String)> = Vec::new();
    for dir in ["idp", "patch"] {
        for (name, fixture) in json_files(dir) {
            let resource_type = fixture["resourceType"].as_str().expect("type").to_owned();
            cases.push((name, fixture["request"].clone(), resource_type));
        }
    }
    for (name, body) in json_files("rfc/patch") {
        let (_, resource_type, _) = RFC_PATCH_EXPECTED
            .iter()
            .find(|(file, ..)| *file == name)
            .expect("expected");
        cases.push((name, body, (*resource_type).to_owned()));
    }
    let set = SchemaSet::builtin();
    for (name, body, resource_type) in cases {
        let (_, schema) = set.resource_type(&resource_type).expect("type");
        let request = parse_patch(&body, &schema).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let linted = lint(
            &body,
            &set,
            Options {
                kind: Some(Kind::PatchOp),
                resource_type: Some(&resource_type),
                answered: false,
            },
        )
        .expect("lints");
        let found: Vec<Deviation> = linted.findings.iter().map(|f| f.deviation).collect();
        for tolerance in &request.tolerances {
            if let Some(deviation) = finding_for(tolerance) {
                assert!(
                    found.contains(&deviation),
                    "{name}: the server tolerates `{tolerance}` but lint says nothing ({})",
                    deviation.key()
                );
            }
        }
        if request.tolerances.is_empty() {
            let must: Vec<&Finding> = linted
                .findings
                .iter()
                .filter(|f| f.level() == Level::Must)
                .collect();
            assert!(
                must.is_empty(),
                "{name}: the server reads it without leniency, yet lint finds {must:#?}"
            );
        }
    }
}

#[test]
fn the_create_bodies_of_the_field_guide_lint_as_its_idps_need() {
    let set = SchemaSet::builtin();
    // Field guide §4.1: Okta's create body, `password` and an empty `groups` included.
    let okta: Value = serde_json::from_str(
        r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@okta.local",
            "name":{"givenName":"Test","familyName":"User"},"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],
            "displayName":"Test User","locale":"en-US","externalId":"00ujl29u0le5T6Aj10h7","groups":[],"password":"1mz050nq","active":true}"#,
    )
    .expect("JSON");
    let okta_findings = lint(&okta, &set, Options::default())
        .expect("lints")
        .findings;
    assert!(okta_findings.is_empty(), "{okta_findings:#?}");
    // Field guide §4.2: Entra's create group, with Microsoft's own schema URN.
    let entra: Value = serde_json::from_str(
        r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"displayName","meta":{"resourceType":"Group"}}"#,
    )
    .expect("JSON");
    let linted = lint(&entra, &set, Options::default()).expect("lints");
    assert_eq!(linted.resource_type.as_deref(), Some("Group"));
    assert_eq!(linted.resource_type_origin, TypeOrigin::Schemas);
    assert_eq!(keys(&linted.findings), ["schemas-unknown-urn"]);
    assert_eq!(linted.findings[0].location.to_string(), "/schemas/1");
}

#[test]
fn messages_lint_does_not_read_are_refused_rather_than_misread() {
    let bulk = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": []
    });
    let error = lint(&bulk, &SchemaSet::builtin(), Options::default()).expect_err("refused");
    assert!(
        error
            .to_string()
            .contains("BulkRequest` messages are not checked yet"),
        "{error}"
    );
}
