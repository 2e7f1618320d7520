//! The suites' own accuracy, the heart of the conformance tester: against `scimctl serve`
//! without quirks every check passes (no failure, no warning, no error); legal behaviours
//! (PATCH 204, a charset parameter, 429 with Retry-After, slow answers, a 204 labelled
//! text/html) change nothing; and every deviation quirk is caught by exactly the checks
//! `fixtures/expected/<quirk>.toml` names, with a message naming the deviation.

use std::collections::{BTreeMap, BTreeSet};

use scimctl::runner::outcome::{RunOutcome, Status};
use scimctl::serve::quirks::{CATALOGUE, Kind};
use scimctl::serve::{Limits, Quirk, ServeConfig};
use serde::Deserialize;

use crate::suite_runs::{
    NO_CONTENT_HTML_AND_PATCH_NO_CONTENT, clean_or_legal_run, deviation_run, deviations,
    run_against, run_against_server,
};

/// Runs one quirk (`QUIRK=name`) and prints every check that does not pass: the helper behind
/// each `fixtures/expected/<quirk>.toml`. Run it with
/// `QUIRK=soft-delete cargo test --test it -- --ignored one_quirk --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a helper that prints a report; it asserts nothing"]
async fn one_quirk_report() {
    let Ok(name) = std::env::var("QUIRK") else {
        return;
    };
    let outcome = run_against(&[Quirk::parse(&name).expect("known quirk")]).await;
    for line in not_passing(&outcome) {
        println!("{line}");
    }
}

fn not_passing(outcome: &RunOutcome) -> Vec<String> {
    outcome
        .checks()
        .filter(|c| !matches!(c.status, Status::Pass))
        .map(|c| format!("{} {}: {}", c.status.as_str(), c.id, c.message))
        .collect()
}

#[test]
fn a_correct_server_passes_every_check() {
    let outcome = clean_or_legal_run("");
    assert_eq!(not_passing(outcome), Vec::<String>::new());
    assert!(outcome.checks().count() >= 30);
}

/// The legal quirks that decline filters, or do not advertise them: legal, but they skip the
/// checks that need them. Each has its own test below.
const DECLINING_FILTERS: [&str; 3] = [
    "filter-eq-only",
    "filter-username-only",
    "filter-undeclared",
];

/// The legal quirks that store only part of the core schema: legal, but the checks that need
/// what they lack skip. Each has its own test below.
const PARTIAL_SCHEMAS: [&str; 3] = ["core-subset", "emails-untyped", "name-formatted-only"];

/// Every legal quirk of the table, alone with its example argument (`rate-limit=7`,
/// `latency=20`), and `no-content-html` with `patch-no-content`: no check fails, warns, errors or
/// even skips, but for the quirks that decline filters ([`DECLINING_FILTERS`]) and those that
/// store fewer attributes ([`PARTIAL_SCHEMAS`]): legal, but the checks that need them skip; their
/// own tests follow.
#[test]
fn legal_behaviours_fail_nothing() {
    let mut legal: Vec<String> = CATALOGUE
        .iter()
        .filter(|quirk| {
            quirk.kind == Kind::Legal
                && !DECLINING_FILTERS.contains(&quirk.name)
                && !PARTIAL_SCHEMAS.contains(&quirk.name)
        })
        .map(|quirk| quirk.example())
        .collect();
    assert!(legal.len() >= 5, "{legal:?}");
    legal.push(NO_CONTENT_HTML_AND_PATCH_NO_CONTENT.to_owned());
    for quirks in &legal {
        let outcome = clean_or_legal_run(quirks);
        assert_eq!(
            not_passing(outcome),
            Vec::<String>::new(),
            "with --quirk {quirks}"
        );
        if let [Quirk::RateLimit(_)] = crate::suite_runs::quirks_of(quirks)[..] {
            assert!(outcome.throttled > 0, "the 429s are counted");
        }
    }
}

/// RFC 7644 Table 9 lets a server decline an attribute and operator combination it does not
/// support with 400 `invalidFilter`, though `filter.supported` is one boolean. Against a server
/// that takes only `eq` comparisons joined by `and`, the checks that need more are skipped, each
/// saying why, and none fails, warns or errors, but for the two Entra checks that match users by
/// `emails[type eq "work"].value`: Entra set to match by work email would fail there, legal or not.
#[test]
fn declined_operators_skip_and_fail_nothing() {
    declined_filters_skip_and_fail_nothing("filter-eq-only", 10, &ENTRA_EMAIL_MATCHING);
}

/// Entra set to match users by work email filters on `emails[type eq "work"].value`.
const ENTRA_EMAIL_MATCHING: [&str; 2] = [
    "entra.match.external-id-and-work-email",
    "entra.match.work-email-any-case",
];

/// The same for a server that filters on `userName` alone: an `id`, `externalId` or group
/// `displayName` filter is declined too, and the RFC checks that need one skip. Only the
/// identity providers' checks fail, for the lookups Okta and Entra really send (a group by
/// `displayName`, a user by `externalId` or work email): they would fail against it too.
#[test]
fn declined_attributes_skip_and_fail_nothing() {
    let idp_lookups = [
        "okta.groups.push",
        "okta.groups.lookup-then-create",
        "okta.wire.group-push-lookup",
        "entra.match.external-id-and-work-email",
        "entra.groups.exclude-members",
        "entra.test-connection.groups",
        "entra.match.work-email-any-case",
        "entra.wire.matching",
        "entra.wire.group-lookup",
    ];
    declined_filters_skip_and_fail_nothing("filter-username-only", 10, &idp_lookups);
}

/// Runs the suites against a server with `quirk`, which declines filters: at least `at_least`
/// checks skip, each saying why, and only the `idp_lookups` checks fail, in this order, each
/// on the 400 that declined the filter.
fn declined_filters_skip_and_fail_nothing(quirk: &str, at_least: usize, idp_lookups: &[&str]) {
    let outcome = clean_or_legal_run(quirk);
    let skipped: Vec<_> = outcome
        .checks()
        .filter(|c| c.status == Status::Skip)
        .collect();
    assert!(skipped.len() >= at_least, "only {} skipped", skipped.len());
    for check in &skipped {
        assert!(
            check.message.contains("invalidFilter"),
            "{}: {}",
            check.id,
            check.message
        );
    }
    let judged: Vec<String> = not_passing(outcome)
        .into_iter()
        .filter(|line| !line.starts_with("skip "))
        .collect();
    assert_eq!(judged.len(), idp_lookups.len(), "{judged:#?}");
    for (line, check) in judged.iter().zip(idp_lookups) {
        assert!(
            line.starts_with(&format!("fail {check}: "))
                && line.contains("expected status 200, got 400"),
            "{line}"
        );
    }
}

/// The lookups Okta and Entra send whatever `/ServiceProviderConfig` says: neither reads it
/// before filtering users by `userName` (or groups by `displayName`, users by `externalId`).
const IDP_FILTER_LOOKUPS: [&str; 8] = [
    "okta.create.lookup-then-create",
    "okta.groups.lookup-then-create",
    "okta.wire.user-lookup",
    "okta.wire.group-push-lookup",
    "entra.test-connection",
    "entra.match.username-any-case",
    "entra.wire.matching",
    "entra.wire.group-lookup",
];

/// A server whose `/ServiceProviderConfig` says `filter.supported: false` (django-scim2's
/// default) under-promises, which RFC 7643 §5 allows: the RFC checks that need filtering skip,
/// saying so. The identity providers' checks still run, since Okta and Entra filter without
/// reading the ServiceProviderConfig, and against a server whose filters work they pass.
#[test]
fn a_server_not_advertising_filters_is_still_judged_on_the_idp_lookups() {
    let outcome = clean_or_legal_run("filter-undeclared");
    let judged: Vec<String> = not_passing(outcome)
        .into_iter()
        .filter(|line| !line.starts_with("skip "))
        .collect();
    assert_eq!(judged, Vec::<String>::new());
    let skipped: Vec<_> = outcome
        .checks()
        .filter(|c| c.status == Status::Skip)
        .collect();
    assert!(skipped.len() >= 20, "only {} skipped", skipped.len());
    for check in &skipped {
        assert!(
            check.id.starts_with("rfc7644.")
                && check.message.contains("does not advertise `filter`"),
            "{}: {}",
            check.id,
            check.message
        );
    }
    for id in IDP_FILTER_LOOKUPS {
        let check = outcome.checks().find(|c| c.id == id).expect(id);
        assert_eq!(check.status, Status::Pass, "{id}: {}", check.message);
    }
}

/// The other way: a server that does not advertise filtering and answers a lookup without
/// matches with 404 fails the Okta and Entra checks that `fixtures/expected/filter-no-match-404.toml`
/// lists for the same server advertising filters, as it would fail Okta and Entra; the RFC's
/// filter checks skip.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_not_advertising_filters_fails_the_idp_lookups_it_breaks() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/expected/filter-no-match-404.toml"
    );
    let text = std::fs::read_to_string(path).expect("readable");
    let expected: Expected = toml::from_str(&text).expect("valid expectations");
    let is_idp = |id: &str| id.starts_with("okta.") || id.starts_with("entra.");
    let advertised: BTreeSet<&str> = expected
        .expect
        .iter()
        .filter(|want| is_idp(&want.check) && want.status == "fail")
        .map(|want| want.check.as_str())
        .collect();
    assert!(advertised.len() >= 5, "{advertised:?}");
    let outcome = run_against(&[Quirk::FilterUndeclared, Quirk::FilterNoMatch404]).await;
    let undeclared: BTreeSet<&str> = outcome
        .checks()
        .filter(|c| is_idp(&c.id) && c.status == Status::Fail)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(undeclared, advertised);
    assert!(
        outcome
            .checks()
            .filter(|c| c.id.starts_with("rfc7644.filter."))
            .all(|c| c.status == Status::Skip),
        "the RFC's filter checks skip: the server does not advertise filtering"
    );
}

/// RFC 7644 §3.1 lets a service provider hold only part of RFC 7643's schema, as django-scim2's
/// default adapter does, and §3.4.2.1 has a filter on an attribute it lacks match nothing. Against
/// a server that keeps only userName, name, displayName, emails, active and externalId, the
/// checks that exercise `nickName`, `title` or the binary `x509Certificates`, and Entra's app
/// roles (Entra sends `roles` only to an application that has them), are skipped, each naming
/// the attribute its `/Schemas` lacks, and no check fails, warns or errors.
#[test]
fn a_core_subset_server_skips_checks_on_attributes_it_lacks_and_fails_nothing() {
    let (skipped, judged) = skipped_for_attributes_it_lacks(Quirk::CoreSubset);
    assert_eq!(
        skipped,
        [
            "entra.patch.empty-string-then-null-clears",
            "entra.roles.primary-as-string",
            "rfc7644.patch.add-simple",
            "rfc7644.patch.pathless-add",
            "rfc7644.patch.remove-simple",
            "rfc7644.patch.replace-with-null-clears",
            "rfc7644.patch.several-operations",
            "rfc7644.users.binary-is-base64",
        ]
    );
    assert_eq!(judged, Vec::<String>::new());
}

/// django-scim2's default adapter stores one email address without its `type`, which RFC 7644
/// §3.1 and §3.3 allow. The checks that need typed addresses (value paths, Entra matching by
/// work email) are skipped, each naming `emails.type`, and no check fails, warns or errors.
#[test]
fn a_server_without_email_types_skips_the_checks_that_need_them_and_fails_nothing() {
    let (skipped, judged) = skipped_for_attributes_it_lacks(Quirk::EmailsUntyped);
    assert_eq!(
        skipped,
        [
            "entra.legacy.multi-replace",
            "entra.match.external-id-and-work-email",
            "entra.match.work-email-any-case",
            "entra.wire.matching",
            "rfc7644.filter.multi-valued-matches-any-value",
            "rfc7644.filter.value-path",
            "rfc7644.filter.value-path-with-and",
            "rfc7644.patch.add-appends-to-multi-valued",
            "rfc7644.patch.add-duplicate-value-is-no-op",
            "rfc7644.patch.new-primary-clears-the-old",
            "rfc7644.patch.remove-by-value-filter",
            "rfc7644.patch.remove-filtered-sub-attribute-keeps-the-value",
            "rfc7644.patch.replace-value-path",
        ]
    );
    assert_eq!(judged, Vec::<String>::new());
}

/// RFC 7643 §4.1.1: "Service providers MAY return just the full name as a single string in the
/// formatted sub-attribute". Against a server that keeps only `name.formatted`, the checks on
/// name components are skipped, each naming the sub-attribute, and only Okta's checks fail:
/// Okta requires `name.givenName` and `name.familyName` to be stored (Okta's "Build your SCIM
/// API service"), so such a server really cannot be provisioned by Okta.
#[test]
fn a_server_keeping_only_the_formatted_name_skips_name_checks_and_fails_only_okta() {
    let (skipped, judged) = skipped_for_attributes_it_lacks(Quirk::NameFormattedOnly);
    assert_eq!(
        skipped,
        [
            "entra.create.user-with-client-meta",
            "entra.legacy.multi-replace",
            "entra.modern.pathless-multi-replace",
            "rfc7644.filter.sub-attribute-and-ne",
            "rfc7644.patch.formatted-name-follows-its-components",
            "rfc7644.patch.remove-sub-attribute",
            "rfc7644.patch.replace-complex-keeps-other-sub-attributes",
            "rfc7644.projection.sub-attribute",
            "rfc7644.sort.by-sub-attribute",
        ]
    );
    let failed: Vec<&str> = judged
        .iter()
        .map(|line| {
            assert!(
                line.starts_with("fail okta.") && line.contains("name."),
                "{line}"
            );
            line.split(':').next().unwrap_or_default()
        })
        .collect();
    assert_eq!(
        failed,
        [
            "fail okta.create.lookup-then-create",
            "fail okta.update.get-then-full-put",
            "fail okta.create.application-json-accepted",
            "fail okta.update.put-answers-the-resource",
            "fail okta.spec.read-created-user",
            "fail okta.spec.users-page-and-read-by-id",
        ]
    );
}

/// Runs the suites against a server with `quirk`, which stores only part of the core schema:
/// the checks skipped, in id order, each of them for an attribute the server's `/Schemas` does
/// not list, and the lines of the checks that fail, warn or error.
fn skipped_for_attributes_it_lacks(quirk: Quirk) -> (Vec<String>, Vec<String>) {
    let outcome = clean_or_legal_run(&quirk.to_string());
    let mut skipped: Vec<String> = outcome
        .checks()
        .filter(|c| c.status == Status::Skip)
        .map(|check| {
            assert!(
                check.message.contains("/Schemas does not list"),
                "{}: {}",
                check.id,
                check.message
            );
            check.id.clone()
        })
        .collect();
    skipped.sort_unstable();
    let judged = not_passing(outcome)
        .into_iter()
        .filter(|line| !line.starts_with("skip "))
        .collect();
    (skipped, judged)
}

/// `count` is only the largest page a client wants (RFC 7644 §3.4.2.4), and a server that
/// advertises `filter.maxResults` of 1 answers every list a resource at a time: checks must
/// follow the pages the server gives, not assume the page size they asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_advertised_pages_fail_nothing() {
    let outcome = run_against_server(ServeConfig {
        limits: Limits {
            max_results: 1,
            ..Limits::default()
        },
        ..ServeConfig::default()
    })
    .await;
    assert_eq!(not_passing(&outcome), Vec::<String>::new());
}

/// The field trial's server that refused scimctl's minimal test user: some 30 checks failed
/// naming their own deviations. RFC 7643 §4.1.1 requires only `userName`; against a server that
/// also demands `name.formatted`, that strictness is reported once, by its own check, and by
/// the Okta check whose create is Okta's real body (which Okta would really have refused);
/// every other check is still tested (its setup create retried with the attributes servers
/// commonly demand) and passes as against the clean server, and none errors.
#[test]
fn a_server_stricter_than_rfc_7643_is_reported_once_and_tested_on_everything_else() {
    let outcome = deviation_run(&Quirk::RequireNameFormatted.to_string());
    let refused = "expected status 201, got 400 (\"Field 'name.formatted' is required\")";
    assert_eq!(
        not_passing(outcome),
        [
            format!(
                "fail rfc7644.users.create-minimal: a create with only `schemas` and `userName` \
                 was refused, though RFC 7643 §4.1.1 requires no other attribute: {refused} \
                 (step 1: POST /Users)"
            ),
            format!(
                "fail okta.create.lookup-then-create: Okta could not create users: {refused} \
                 (step 2: POST /Users)"
            ),
        ]
    );
}

/// `fixtures/expected/<quirk>.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    quirk: String,
    why: String,
    expect: Vec<ExpectedCheck>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedCheck {
    check: String,
    status: String,
    message_contains: String,
}

/// `fixtures/expected/*.toml`, in name order.
fn expectation_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/expected"))
            .expect("fixtures/expected")
            .map(|entry| entry.expect("entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
            .collect();
    files.sort();
    files
}

#[test]
fn every_deviation_quirk_has_expectations_and_every_expectation_a_deviation_quirk() {
    let covered: Vec<String> = expectation_files()
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    let deviations = deviations();
    for quirk in &deviations {
        assert!(
            covered.iter().any(|c| c == quirk),
            "no fixtures/expected/{quirk}.toml"
        );
    }
    for quirk in &covered {
        assert!(
            deviations.contains(&quirk.as_str()),
            "fixtures/expected/{quirk}.toml names no deviation of the quirk table"
        );
    }
}

/// Each deviation fails or warns exactly the checks its fixture lists as `fail` or `warn`, at
/// that level and with a message naming the deviation: a check the quirk also breaks but the
/// fixture leaves out is as much an error as a listed check that passes. (Against the clean
/// server every check passes, so these are the checks the quirk alone breaks.) Entries with
/// `status = "pass"` name checks that must keep passing under the quirk.
#[test]
fn every_deviation_quirk_is_caught_with_a_message_naming_it() {
    for file in &expectation_files() {
        let text = std::fs::read_to_string(file).expect("readable");
        let expected: Expected = toml::from_str(&text).expect("valid expectations");
        assert!(!expected.why.is_empty());
        assert_eq!(
            file.file_stem()
                .map(|stem| stem.to_string_lossy().into_owned()),
            Some(expected.quirk.clone()),
            "{} names another quirk",
            file.display()
        );
        let outcome = deviation_run(&expected.quirk);
        for want in &expected.expect {
            let check = outcome
                .checks()
                .find(|c| c.id == want.check)
                .unwrap_or_else(|| panic!("{}: no check {}", expected.quirk, want.check));
            assert_eq!(
                check.status.as_str(),
                want.status,
                "--quirk {}: {} says {}",
                expected.quirk,
                check.id,
                check.message
            );
            assert!(
                check.message.contains(&want.message_contains),
                "--quirk {}: {} says `{}`, expected it to mention `{}`",
                expected.quirk,
                check.id,
                check.message,
                want.message_contains
            );
        }
        let listed: BTreeSet<(&str, &str)> = expected
            .expect
            .iter()
            .filter(|want| matches!(want.status.as_str(), "fail" | "warn"))
            .map(|want| (want.check.as_str(), want.status.as_str()))
            .collect();
        let caught: BTreeSet<(&str, &str)> = outcome
            .checks()
            .filter(|c| matches!(c.status, Status::Fail | Status::Warn))
            .map(|c| (c.id.as_str(), c.status.as_str()))
            .collect();
        let unlisted: Vec<_> = caught.difference(&listed).collect();
        assert!(
            unlisted.is_empty(),
            "--quirk {}: fixtures/expected/{}.toml leaves out {unlisted:?}",
            expected.quirk,
            expected.quirk
        );
        assert_eq!(listed, caught, "--quirk {}", expected.quirk);
        let errors: Vec<String> = outcome
            .checks()
            .filter(|c| c.status == Status::Error)
            .map(|c| format!("{}: {}", c.id, c.message))
            .collect();
        assert_eq!(errors, Vec::<String>::new(), "--quirk {}", expected.quirk);
    }
}

/// The audit behind the quirk list: prints every check of the built-in suites with the
/// deviation quirks that make it fail or warn, or `NEVER` for a check that no quirk tests the
/// wrong way. Run it by hand with `cargo test --test it -- --ignored audit_checks --nocapture`.
#[test]
#[ignore = "an audit that prints a report; it asserts nothing"]
fn audit_checks_that_no_deviation_quirk_exercises() {
    let mut caught: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for name in deviations() {
        let outcome = deviation_run(name);
        for check in outcome.checks() {
            let by = caught.entry(check.id.clone()).or_default();
            if matches!(check.status, Status::Fail | Status::Warn) {
                by.push(name.to_owned());
            }
        }
    }
    for (check, quirks) in &caught {
        let verdict = if quirks.is_empty() {
            "NEVER".to_owned()
        } else {
            quirks.join(",")
        };
        println!("{check}\t{verdict}");
    }
}
