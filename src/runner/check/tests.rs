//! The runner's check tests: verdicts, messages and findings of one check against canned
//! answers, and the built-in filter checks against a server that refuses filters. They send
//! nothing over a network: every answer comes from a service in this file.

use std::sync::Arc;

use super::*;
use crate::client::{BoxFuture, ClientError, RawExchange, Request, Response, RetryStats};
use crate::findings::Deviation;
use crate::runner::ledger::NoSink;
use crate::suite::parse_suite;

/// A service that answers every request with the same status and body.
struct Canned(u16, &'static str);

impl Service for Canned {
    fn send<'a>(
        &'a self,
        request: &'a RawRequest,
    ) -> BoxFuture<'a, Result<RawExchange, ClientError>> {
        let exchange = canned_exchange(request, self.0, self.1);
        Box::pin(async move { Ok(exchange) })
    }

    fn base_url(&self) -> String {
        "http://scim.test".to_owned()
    }

    fn retry_stats(&self) -> RetryStats {
        RetryStats::default()
    }
}

/// `request` answered with `status` and a SCIM JSON `body`.
fn canned_exchange(request: &RawRequest, status: u16, body: &str) -> RawExchange {
    RawExchange {
        request: Request {
            method: request.method,
            url: format!("http://scim.test{}", request.path),
            verbatim: false,
            headers: request.headers.clone(),
            body: request.body.clone(),
        },
        response: Response {
            status,
            headers: vec![("content-type".into(), "application/scim+json".into())],
            body: body.as_bytes().to_vec(),
            elapsed: Duration::ZERO,
        },
    }
}

async fn verdict(service: Canned, steps: &str) -> CheckOutcome {
    verdict_of(service, "", steps).await
}

/// The outcome of a MUST check with these extra check keys (`deviation = "..."`) and steps.
async fn verdict_of(service: Canned, check_keys: &str, steps: &str) -> CheckOutcome {
    let text = format!(
        "[suite]\nname = \"t\"\ntitle = \"T\"\n[[check]]\nid = \"t.c\"\ntitle = \"The title\"\n\
         rfc = \"-\"\nlevel = \"MUST\"\nmessage = \"it is off\"\n{check_keys}\n{steps}"
    );
    let suite = parse_suite("t.toml", &text).unwrap_or_else(|e| panic!("{e}"));
    let shared = Shared {
        service: Arc::new(service),
        ledger: Arc::new(Ledger::new(Box::new(NoSink), Vec::new())),
        options: RunOptions {
            allow_writes: true,
            ..RunOptions::default()
        },
    };
    run_check(&shared, &suite.checks[0], "t").await.0
}

#[tokio::test]
async fn a_must_assertion_that_misses_fails_naming_the_deviation_and_the_step() {
    let outcome = verdict(
        Canned(200, r#"{"totalResults": 2}"#),
        "[[check.step]]\nmethod = \"GET\"\npath = \"/Users\"\nstatus = 200\n\
         expect = [{ path = \"totalResults\", equals = 1 }]",
    )
    .await;
    assert_eq!(outcome.status, Status::Fail);
    assert_eq!(
        outcome.message,
        "it is off: `totalResults` is 2, expected 1 (step 1: GET /Users)"
    );
    assert_eq!(outcome.exchanges.len(), 1, "a failure keeps its exchanges");
}

#[tokio::test]
async fn a_pass_names_the_legal_choice_the_server_made_and_only_that() {
    let step = "[[check.step]]\nmethod = \"GET\"\npath = \"/x\"\nstatus = [412, 409]";
    let chose = verdict(Canned(409, "{}"), step).await;
    assert_eq!(chose.status, Status::Pass);
    assert_eq!(
        chose.message,
        "ok; the server chose: step 1: GET /x answered 409 (412 or 409 accepted)"
    );
    let preferred = verdict(Canned(412, "{}"), step).await;
    assert_eq!(
        preferred.message, "ok",
        "the first status listed is the preferred one"
    );
}

#[tokio::test]
async fn an_assertion_with_when_status_judges_only_answers_with_that_status() {
    let step = "[[check.step]]\nmethod = \"GET\"\npath = \"/x\"\nstatus = [200, 204]\n\
                expect = [{ path = \"id\", exists = true, when_status = 200 }]";
    let no_content = verdict(Canned(204, ""), step).await;
    assert_eq!(no_content.status, Status::Pass, "{}", no_content.message);
    let empty_ok = verdict(Canned(200, "{}"), step).await;
    assert_eq!(empty_ok.status, Status::Fail);
    assert_eq!(empty_ok.message, "it is off: no `id` (step 1: GET /x)");
    let resource = verdict(Canned(200, r#"{"id": "7"}"#), step).await;
    assert_eq!(resource.status, Status::Pass);
}

#[tokio::test]
async fn an_unsupported_optional_operation_skips_the_check_saying_what_was_answered() {
    let step = "[[check.step]]\nmethod = \"POST\"\npath = \"/.search\"\nstatus = 200\n\
                skip_if_unsupported = true";
    for status in [404, 405, 501] {
        let outcome = verdict(Canned(status, "{}"), step).await;
        assert_eq!(outcome.status, Status::Skip);
        assert_eq!(
            outcome.message,
            format!(
                "the server does not offer this optional operation: it answered {status} \
                 (step 1: POST /.search)"
            )
        );
    }
    let refused = verdict(Canned(400, "{}"), step).await;
    assert_eq!(refused.status, Status::Fail, "any other status is judged");
}

#[tokio::test]
async fn a_should_miss_warns_and_the_check_goes_on() {
    let outcome = verdict(
        Canned(200, r#"{"a": 1}"#),
        "[[check.step]]\nmethod = \"GET\"\npath = \"/x\"\n\
         expect = [{ path = \"b\", exists = true, level = \"SHOULD\" }]\n\
         [[check.step]]\nmethod = \"GET\"\npath = \"/y\"\nexpect = [{ path = \"a\", equals = 1 }]",
    )
    .await;
    assert_eq!(outcome.status, Status::Warn);
    assert_eq!(outcome.deciding_level, Level::Should);
}

#[tokio::test]
async fn a_refused_setup_step_is_an_error_not_the_deviation() {
    let outcome = verdict(
        Canned(409, r#"{"detail": "exists"}"#),
        "[[check.step]]\nmethod = \"POST\"\npath = \"/Groups\"\nsetup = true\nstatus = 201\n\
         body = { displayName = \"{{unique}}\" }",
    )
    .await;
    assert_eq!(outcome.status, Status::Error);
    assert_eq!(
        outcome.message,
        "setup refused: POST /Groups answered 409 (\"exists\"), so the check could not run \
         (step 1)"
    );
}

#[tokio::test]
async fn a_write_to_a_resource_the_run_did_not_create_is_never_sent() {
    let outcome = verdict(
        Canned(204, ""),
        "[[check.step]]\nmethod = \"DELETE\"\npath = \"/Users/42\"\nstatus = 204",
    )
    .await;
    assert_eq!(outcome.status, Status::Error);
    assert!(
        outcome
            .message
            .starts_with("refusing to send DELETE /Users/42")
    );
    assert!(outcome.exchanges.is_empty(), "nothing was sent");
}

/// A server whose answer to each request the function decides.
struct Scripted(fn(&RawRequest) -> (u16, &'static str));

impl Service for Scripted {
    fn send<'a>(
        &'a self,
        request: &'a RawRequest,
    ) -> BoxFuture<'a, Result<RawExchange, ClientError>> {
        let (status, body) = (self.0)(request);
        let exchange = canned_exchange(request, status, body);
        Box::pin(async move { Ok(exchange) })
    }

    fn base_url(&self) -> String {
        "http://scim.test".to_owned()
    }

    fn retry_stats(&self) -> RetryStats {
        RetryStats::default()
    }
}

/// Creates what is posted and refuses every filter with the 400 SCIMMY answers when a stored
/// resource lacks the filtered attribute.
fn refuses_filters(request: &RawRequest) -> (u16, &'static str) {
    let filtered = request.query.iter().any(|(name, _)| name == "filter");
    match request.method {
        Method::Post => (201, r#"{"id": "u1", "userName": "x"}"#),
        Method::Get if filtered => (
            400,
            r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400", "scimType": "invalidValue", "detail": "Cannot convert undefined or null to object"}"#,
        ),
        Method::Delete => (204, ""),
        _ => (404, "{}"),
    }
}

/// Creates what is posted, reads it back, and answers every PATCH 501 without a body, as
/// django-scim2 does for a path it has no handler for.
fn refuses_patches(request: &RawRequest) -> (u16, &'static str) {
    match request.method {
        Method::Post => (201, r#"{"id": "u1", "userName": "x"}"#),
        Method::Get => (200, r#"{"id": "u1", "userName": "x"}"#),
        Method::Patch => (501, ""),
        Method::Delete => (204, ""),
        _ => (404, "{}"),
    }
}

/// The outcome of the built-in check `id` of `suite`, writes allowed, against `server`.
async fn builtin_outcome(
    suite: &str,
    id: &str,
    server: fn(&RawRequest) -> (u16, &'static str),
) -> CheckOutcome {
    let text = crate::suite::builtin_suite(suite).expect("built in");
    let suite = parse_suite(suite, text).unwrap_or_else(|e| panic!("{e}"));
    let check = suite.checks.iter().find(|c| c.id == id).expect("the check");
    let shared = Shared {
        service: Arc::new(Scripted(server)),
        ledger: Arc::new(Ledger::new(Box::new(NoSink), Vec::new())),
        options: RunOptions {
            allow_writes: true,
            ..RunOptions::default()
        },
    };
    run_check(&shared, check, "t").await.0
}

/// A check about how a filter matches must not blame the matching when the server refused
/// the filter outright: the failure says what the lookup did not find, and the status.
#[tokio::test]
async fn a_refused_filter_is_not_reported_as_a_wrong_match() {
    let checks = [
        (
            "rfc7644",
            "rfc7644.filter.email-is-case-insensitive",
            "case-sensitively",
        ),
        (
            "rfc7644",
            "rfc7644.filter.multi-valued-matches-any-value",
            "only at its first value",
        ),
        (
            "rfc7644",
            "rfc7644.filter.value-path",
            "matched the wrong users",
        ),
        (
            "entra",
            "entra.match.work-email-any-case",
            "is case-sensitive",
        ),
    ];
    for (suite, id, wrong_cause) in checks {
        let outcome = builtin_outcome(suite, id, refuses_filters).await;
        assert_eq!(outcome.status, Status::Fail, "{id}: {}", outcome.message);
        assert!(
            outcome.message.contains("expected status 200, got 400"),
            "{id}: {}",
            outcome.message
        );
        assert!(
            !outcome.message.contains(wrong_cause),
            "{id} blames the matching for a refused filter: {}",
            outcome.message
        );
    }
}

/// A check about one shape of a PATCH must not blame that shape when the server refuses the
/// PATCH in any shape: the plain request goes first, and its refusal is the finding.
#[tokio::test]
async fn a_refused_patch_is_not_blamed_on_the_shape_under_test() {
    let checks = [
        ("entra", "entra.roles.primary-as-string"),
        ("rfc7644", "rfc7644.patch.attributes-returns-the-resource"),
    ];
    for (suite, id) in checks {
        let outcome = builtin_outcome(suite, id, refuses_patches).await;
        assert_eq!(outcome.status, Status::Fail, "{id}: {}", outcome.message);
        assert_eq!(
            outcome.finding.map(|f| f.deviation),
            Some(Deviation::WriteRefused),
            "{id}: {}",
            outcome.message
        );
    }
}

/// The kind of a failure is the nearest one the suite names: the assertion's own, else the
/// check's (a step's names only its status); the finding says where it was seen and what
/// was observed.
#[tokio::test]
async fn a_failure_is_a_finding_of_the_nearest_deviation_named() {
    let page = || Canned(200, r#"{"totalResults": 2}"#);
    let step = |step_keys: &str, assertion_keys: &str| {
        format!(
            "[[check.step]]\nmethod = \"GET\"\npath = \"/Users\"\nstatus = 200\n{step_keys}\n\
             expect = [{{ path = \"totalResults\", equals = 1{assertion_keys} }}]"
        )
    };
    let check_level = "deviation = \"filter-eq-not-exact\"";
    let found = verdict_of(page(), check_level, &step("", "")).await;
    assert_eq!(
        found.finding,
        Some(Finding::new(
            Deviation::FilterEqNotExact,
            Location::request("GET /Users"),
            "`totalResults` is 2, expected 1"
        ))
    );
    assert_eq!(
        found.message, "it is off: `totalResults` is 2, expected 1 (step 1: GET /Users)",
        "the message is what it was without a deviation"
    );
    let step_level = "deviation = \"list-total-results-wrong\"";
    let found = verdict_of(page(), check_level, &step(step_level, "")).await;
    assert_eq!(
        found.finding.map(|f| f.deviation),
        Some(Deviation::FilterEqNotExact),
        "the step's deviation is what a wrong status means, not what its assertions do"
    );
    let own = ", deviation = \"filter-misses-existing\"";
    let found = verdict_of(page(), check_level, &step(step_level, own)).await;
    assert_eq!(
        found.finding.map(|f| f.deviation),
        Some(Deviation::FilterMissesExisting)
    );
    let unnamed = verdict(page(), &step("", "")).await;
    assert_eq!(unnamed.status, Status::Fail);
    assert_eq!(unnamed.finding, None, "nothing names a deviation");
}

/// A wrong status is what the step says it means; a built-in that can tell what it saw
/// names that, before the step or the check, unless the assertion names its own.
#[tokio::test]
async fn a_wrong_status_is_the_steps_deviation_and_a_built_in_names_what_it_saw() {
    let error = r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": 404}"#;
    let step = |status: u16, assertion_keys: &str| {
        format!(
            "[[check.step]]\nmethod = \"GET\"\npath = \"/Users/x\"\nstatus = {status}\n\
             deviation = \"unknown-id-not-404\"\n\
             expect = [{{ builtin = \"scim-error\"{assertion_keys} }}]"
        )
    };
    let refused = verdict(Canned(404, error), &step(400, "")).await;
    assert_eq!(
        refused.finding,
        Some(Finding::new(
            Deviation::UnknownIdNot404,
            Location::request("GET /Users/x"),
            "expected status 400, got 404"
        ))
    );
    let numeric = verdict(Canned(404, error), &step(404, "")).await;
    assert_eq!(
        numeric.finding.map(|f| f.deviation),
        Some(Deviation::ErrorStatusNotString)
    );
    let written = ", deviation = \"error-status-invalid\"";
    let numeric = verdict(Canned(404, error), &step(404, written)).await;
    assert_eq!(
        numeric.finding.map(|f| f.deviation),
        Some(Deviation::ErrorStatusInvalid)
    );
}

#[tokio::test]
async fn passes_skips_and_errors_are_findings_of_nothing() {
    let keys = "deviation = \"write-refused\"";
    let passed = verdict_of(
        Canned(200, "{}"),
        keys,
        "[[check.step]]\nmethod = \"GET\"\npath = \"/x\"\nstatus = 200",
    )
    .await;
    assert_eq!((passed.status, passed.finding), (Status::Pass, None));
    let refused_setup = verdict_of(
        Canned(409, "{}"),
        keys,
        "[[check.step]]\nmethod = \"POST\"\npath = \"/Groups\"\nsetup = true\nstatus = 201\n\
         body = { displayName = \"{{unique}}\" }",
    )
    .await;
    assert_eq!(
        (refused_setup.status, refused_setup.finding),
        (Status::Error, None)
    );
}
