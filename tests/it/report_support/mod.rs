//! A representative run outcome for the reporter tests: every status, every kind of suite
//! verdict, a MUST check decided by a SHOULD assertion, a waived failure, an interop failure
//! below the default `--fail-on`, exchanges with and without an answer, and server text that
//! tries to escape its medium (markup, a table pipe, backticks, ANSI escapes, a bidi override,
//! non-ASCII letters). Its findings: two checks whose answers had no Error body, one each of
//! three other deviations (one of them waived, so no finding), and a warning whose suite names
//! no deviation.

use std::time::Duration;

use scimctl::findings::{Deviation, Finding, Location};
use scimctl::runner::outcome::{
    CheckOutcome, Exchange, FailOn, Level, RunOutcome, Status, SuiteOutcome,
};
use scimctl::scim::method::Method;

/// A message with markup that must never run in the HTML report.
pub const SCRIPT_MESSAGE: &str =
    "detail was <script>document.title=\"pwned\"</script> instead of a SCIM Error";

fn check(
    suite: &str,
    id: &str,
    title: &str,
    level: Level,
    status: Status,
    rfc: &str,
    message: &str,
) -> CheckOutcome {
    CheckOutcome {
        id: id.to_owned(),
        title: title.to_owned(),
        suite: suite.to_owned(),
        level,
        deciding_level: level,
        status,
        waiver: None,
        rfc: rfc.to_owned(),
        tags: Vec::new(),
        message: message.to_owned(),
        finding: None,
        duration: Duration::from_millis(12),
        exchanges: Vec::new(),
    }
}

/// What `check` saw, as the runner records a failure whose suite names its deviation.
fn found(check: &mut CheckOutcome, deviation: Deviation, request: &str, seen: &str) {
    check.finding = Some(Finding::new(deviation, Location::request(request), seen));
}

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

fn get(url: &str, status: u16, body: &str) -> Exchange {
    Exchange {
        method: Method::Get,
        url: url.to_owned(),
        request_headers: headers(&[
            ("Accept", "application/scim+json"),
            ("Authorization", "(redacted)"),
        ]),
        request_body: None,
        status: Some(status),
        response_headers: headers(&[("Content-Type", "application/scim+json")]),
        response_body: Some(body.to_owned()),
        elapsed: Duration::from_millis(8),
    }
}

fn rfc7644() -> SuiteOutcome {
    let suite = "rfc7644";
    let mut spc = check(
        suite,
        "rfc7644.discovery.service-provider-config",
        "ServiceProviderConfig is served with its schema",
        Level::Must,
        Status::Pass,
        "RFC 7644 §4",
        "200 with urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig",
    );
    spc.tags = vec!["discovery".to_owned()];

    let mut unknown_schema = check(
        suite,
        "rfc7644.discovery.unknown-schema-is-404",
        "An unknown schema id answers 404",
        Level::Should,
        Status::Warn,
        "RFC 7644 §3.12",
        "GET /Schemas/urn:example:unknown answered 500, not 404 with a SCIM Error; detail: \"Schéma inconnu ✗\r\n\u{1b}[2J\u{7}\"",
    );
    unknown_schema.tags = vec!["discovery".to_owned()];
    found(
        &mut unknown_schema,
        Deviation::ErrorBodyMissing,
        "GET /Schemas/urn:example:unknown",
        "the 500 answer has no JSON Error body",
    );
    unknown_schema.exchanges = vec![get(
        "http://127.0.0.1:8080/scim/v2/Schemas/urn:example:unknown",
        500,
        "<html><body>Internal Server Error</body></html>",
    )];

    let mut eq_substring = check(
        suite,
        "rfc7644.filter.eq-is-not-substring",
        "eq is an exact match, not a substring match",
        Level::Must,
        Status::Fail,
        "RFC 7644 §3.4.2.2",
        "filter userName eq \"px\" also matched \"px_1\" | eq behaved like co",
    );
    found(
        &mut eq_substring,
        Deviation::FilterEqNotExact,
        "GET /Users?filter=userName eq \"px\"",
        "`totalResults` is 2, expected 1",
    );
    eq_substring.exchanges = vec![get(
        "http://127.0.0.1:8080/scim/v2/Users?filter=userName%20eq%20%22px%22",
        200,
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":2,"Resources":[{"id":"1","userName":"px"},{"id":"2","userName":"px_1"}]}"#,
    )];

    let mut error_detail = check(
        suite,
        "rfc7644.errors.error-schema",
        "Errors are SCIM Error objects",
        Level::Must,
        Status::Fail,
        "RFC 7644 §3.12",
        SCRIPT_MESSAGE,
    );
    found(
        &mut error_detail,
        Deviation::ErrorBodyMissing,
        "GET /Users/missing",
        SCRIPT_MESSAGE,
    );
    error_detail.exchanges = vec![get(
        "http://127.0.0.1:8080/scim/v2/Users/missing",
        404,
        "Ungültige ```Anfrage``` \u{1b}[31mrot\u{1b}[0m \u{202e}txet\ttab",
    )];

    let bulk = check(
        suite,
        "rfc7644.bulk.bulk-id-references",
        "Bulk operations resolve bulkId references",
        Level::May,
        Status::Skip,
        "RFC 7644 §3.7",
        "skipped: the server does not advertise bulk.supported",
    );

    let mut patch = check(
        suite,
        "rfc7644.patch.remove-member",
        "PATCH remove with a value filter removes one member",
        Level::Must,
        Status::Error,
        "RFC 7644 §3.5.2.2",
        "no answer within 30 s: connection reset by peer",
    );
    patch.exchanges = vec![Exchange {
        method: Method::Patch,
        url: "http://127.0.0.1:8080/scim/v2/Groups/g1".to_owned(),
        request_headers: headers(&[("Content-Type", "application/scim+json")]),
        request_body: Some(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"u1\"]"}]}"#
                .to_owned(),
        ),
        status: None,
        response_headers: Vec::new(),
        response_body: None,
        elapsed: Duration::from_secs(30),
    }];

    let mut location = check(
        suite,
        "rfc7644.users.create",
        "A create answers 201 with the user",
        Level::Must,
        Status::Warn,
        "RFC 7644 §3.3",
        "the 201 has no Location header: no Location header (step 1: POST /Users)",
    );
    location.deciding_level = Level::Should;
    location.tags = vec!["users".to_owned()];

    let unicode = check(
        suite,
        "rfc7644.filter.non-ascii-values",
        "Non-ASCII values match",
        Level::Must,
        Status::Pass,
        "RFC 7644 §3.4.2.2",
        "userName eq \"Zoë Ångström\" found the user",
    );

    SuiteOutcome {
        name: suite.to_owned(),
        title: "RFC 7644".to_owned(),
        checks: vec![
            spc,
            unknown_schema,
            eq_substring,
            unicode,
            error_detail,
            bulk,
            patch,
            location,
        ],
    }
}

fn okta() -> SuiteOutcome {
    let suite = "okta";
    let create = check(
        suite,
        "okta.users.create",
        "Create Users: filter on userName, then POST",
        Level::InteropOkta,
        Status::Pass,
        "Okta SCIM 2.0 Test App",
        "created scimctl-test-1-jdoe",
    );
    let mut deactivate = check(
        suite,
        "okta.users.deactivate",
        "Deactivate Users: pathless PATCH replace of active",
        Level::InteropOkta,
        Status::Fail,
        "Okta SCIM 2.0 Test App",
        "PATCH {\"active\": false} answered 204 but a GET still shows active: true",
    );
    deactivate.tags = vec!["users".to_owned(), "deactivate".to_owned()];
    found(
        &mut deactivate,
        Deviation::PathlessPatchIgnored,
        "GET /Users/u7",
        "`active` is true, expected false",
    );
    SuiteOutcome {
        name: suite.to_owned(),
        title: "Okta".to_owned(),
        checks: vec![create, deactivate],
    }
}

fn entra() -> SuiteOutcome {
    let suite = "entra";
    SuiteOutcome {
        name: suite.to_owned(),
        title: "Entra".to_owned(),
        checks: vec![
            check(
                suite,
                "entra.connection.test-connection",
                "Test Connection: a filter on a random userName finds nothing",
                Level::InteropEntra,
                Status::Pass,
                "Entra provisioning",
                "200 with totalResults 0",
            ),
            waived_manager(suite),
            check(
                suite,
                "entra.users.manager",
                "Manager is set, replaced and removed",
                Level::InteropEntra,
                Status::Skip,
                "Entra provisioning",
                "skipped: writes need --allow-writes",
            ),
        ],
    }
}

/// A failure a `--waivers` entry accepts.
fn waived_manager(suite: &str) -> CheckOutcome {
    let mut manager = check(
        suite,
        "entra.manager.replaced",
        "A manager is replaced by another",
        Level::InteropEntra,
        Status::Fail,
        "Entra provisioning",
        "the manager was not replaced: expected status 200, got 400 (step 3: PATCH /Users/u1)",
    );
    manager.waiver = Some("VENDOR-7: managers as plain strings land in release 5.2".to_owned());
    found(
        &mut manager,
        Deviation::UrnPathRefused,
        "PATCH /Users/u1",
        "expected status 200, got 400",
    );
    manager
}

/// The sample run at `--fail-on must`: 4 passed, 3 failed (one at interop level, which does not
/// fail the run), 2 warned (one a SHOULD assertion of a MUST check), 2 skipped, 1 errored, 1
/// waived; throttled 3 times.
pub fn sample_outcome() -> RunOutcome {
    RunOutcome {
        target: "http://127.0.0.1:8080/scim/v2".to_owned(),
        started: "2026-11-23T16:00:00Z".to_owned(),
        duration: Duration::from_millis(3210),
        suites: vec![rfc7644(), okta(), entra()],
        throttled: 3,
        throttle_wait: Duration::from_millis(4500),
        fail_on: FailOn::Must,
    }
}

/// Renders with a reporter into a string.
pub fn render(write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("reports are UTF-8")
}
