//! The judgement of answers, against scripted answers to the shipped scenarios: what each
//! identity provider concludes, which deviation it names, and when the event ends. No network:
//! a scripted sender answers and keeps what was sent.

use std::sync::Mutex;
use std::time::Duration;

use serde_json::json;

use super::*;
use crate::client::Request;
use crate::doctor::scripted::ready;
use crate::suite::idp::load_idp;

const BASE: &str = "http://scim.example/scim/v2";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// Answers each request with the next status and body of its script (599 when it runs out),
/// and keeps the requests.
struct Scripted {
    answers: Mutex<Vec<(u16, String)>>,
    sent: Mutex<Vec<RawRequest>>,
}

impl Scripted {
    fn new(answers: &[(u16, String)]) -> Scripted {
        let mut answers = answers.to_vec();
        answers.reverse();
        Scripted {
            answers: Mutex::new(answers),
            sent: Mutex::new(Vec::new()),
        }
    }

    /// The bodies sent, as text.
    fn bodies(&self) -> Vec<String> {
        self.sent
            .lock()
            .expect("lock")
            .iter()
            .map(|r| String::from_utf8_lossy(r.body.as_deref().unwrap_or_default()).into_owned())
            .collect()
    }

    fn targets(&self) -> Vec<String> {
        self.sent
            .lock()
            .expect("lock")
            .iter()
            .map(|r| r.target.clone().unwrap_or_else(|| r.path.clone()))
            .collect()
    }
}

impl Sender for Scripted {
    fn send<'a>(&'a self, raw: &'a RawRequest) -> BoxFuture<'a, Result<RawExchange, NoAnswer>> {
        self.sent.lock().expect("lock").push(raw.clone());
        let (status, body) = self
            .answers
            .lock()
            .expect("lock")
            .pop()
            .unwrap_or((599, String::new()));
        let target = raw.target.clone().unwrap_or_else(|| raw.path.clone());
        let exchange = RawExchange {
            request: Request {
                method: raw.method,
                url: format!("{BASE}{target}"),
                verbatim: raw.target.is_some(),
                headers: raw.headers.clone(),
                body: raw.body.clone(),
            },
            response: Response {
                status,
                headers: vec![(
                    "content-type".to_owned(),
                    "application/scim+json".to_owned(),
                )],
                body: body.into_bytes(),
                elapsed: Duration::ZERO,
            },
        };
        Box::pin(std::future::ready(match status {
            0 => Err(NoAnswer {
                message: "connection refused".to_owned(),
                exit: Exit::Network,
            }),
            _ => Ok(exchange),
        }))
    }
}

/// A user as a list holds it.
fn listed(id: &str, user_name: &str) -> serde_json::Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": id,
           "userName": user_name, "meta": {"resourceType": "User"}})
}

fn list(resources: serde_json::Value) -> String {
    let total = resources.as_array().map_or(0, Vec::len);
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total, "itemsPerPage": total, "startIndex": 1,
        "Resources": resources,
    })
    .to_string()
}

fn user(active: bool) -> String {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "u1", "userName": "alice", "active": active,
        "meta": {"resourceType": "User"},
    })
    .to_string()
}

fn error(status: u16, detail: &str) -> String {
    json!({"schemas": [ERROR], "status": status.to_string(), "detail": detail}).to_string()
}

/// Replays `scenario` of `idp` against `sender`, with these variables set.
fn replayed(sender: &Scripted, idp: &str, scenario: &str, values: &[(&str, &str)]) -> Replayed {
    let idp = load_idp(idp).expect("shipped").expect("valid");
    let scenario = idp.scenario(scenario).expect("a scenario");
    let setting = Setting {
        idp: &idp,
        scenario,
        values: values
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect(),
        prepared: Vec::new(),
        subject: Subject {
            name: BASE.to_owned(),
            facts: Vec::new(),
        },
        base_url: BASE.to_owned(),
        seed: 7,
    };
    ready(replay(sender, setting))
}

fn keys(replayed: &Replayed) -> Vec<&'static str> {
    replayed
        .transcript
        .findings()
        .iter()
        .map(|finding| finding.deviation.key())
        .collect()
}

#[test]
fn a_create_answered_without_the_user_is_what_okta_reports_as_an_empty_user() {
    let sender = Scripted::new(&[(200, list(json!([]))), (201, String::new())]);
    let replayed = replayed(
        &sender,
        "okta",
        "create-user",
        &[
            ("user", "dale@example.com"),
            ("given_name", "Dale"),
            ("family_name", "Mohr"),
        ],
    );
    assert_eq!(keys(&replayed), ["create-answer-empty"]);
    assert_eq!(
        replayed.transcript.conclusion,
        "Okta would report: Create new user returned empty user"
    );
    assert_eq!(replayed.failed, None);
    assert_eq!(
        sender.targets(),
        [
            "/Users?filter=userName%20eq%20%22dale%40example.com%22&startIndex=1&count=100",
            "/Users"
        ]
    );
    let created: serde_json::Value =
        serde_json::from_str(&sender.bodies()[1]).expect("Okta's body is JSON");
    assert_eq!(created["userName"], "dale@example.com");
    assert_eq!(created["displayName"], "Dale Mohr");
    assert_eq!(created["groups"], json!([]));
}

#[test]
fn okta_reads_a_404_lookup_as_no_such_user_and_goes_on_to_create_it() {
    let created = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u9",
                         "userName": "dale"});
    let sender = Scripted::new(&[(404, error(404, "no match")), (201, created.to_string())]);
    let replayed = replayed(
        &sender,
        "okta",
        "create-user",
        &[
            ("user", "dale"),
            ("given_name", "Test"),
            ("family_name", "User"),
        ],
    );
    assert_eq!(keys(&replayed), ["filter-no-match-error"]);
    let remark = &replayed.transcript.turns[0].remarks[0];
    assert_eq!(
        remark.says.as_deref(),
        Some("Okta reads the 404 as no such user and goes on to create `dale`")
    );
    assert_eq!(
        replayed.transcript.conclusion,
        "Okta would create `dale` and keep its id"
    );
}

#[test]
fn entra_would_create_a_duplicate_when_its_match_for_an_existing_user_answers_404() {
    let sender = Scripted::new(&[(404, error(404, "no match")), (404, error(404, "no match"))]);
    let replayed = replayed(
        &sender,
        "entra",
        "deactivate",
        &[("user", "alice"), ("user_id", "u1")],
    );
    assert_eq!(keys(&replayed), ["filter-misses-existing"]);
    assert_eq!(
        replayed.transcript.conclusion,
        "Entra would create a duplicate of `alice`: the filter answered 404"
    );
    assert_eq!(
        sender.targets(),
        [
            "/Users?filter=userName+eq+\"alice\"",
            "/Users?filter=userName%20eq%20%22alice%22"
        ],
        "the same lookup percent-encoded is refused as well: the raw line is not the cause"
    );
}

#[test]
fn a_refused_legacy_disable_is_named_by_the_first_variant_the_server_takes() {
    let sender = Scripted::new(&[
        (200, list(json!([listed("u1", "alice")]))),
        (400, error(400, "not a boolean")),
        (400, error(400, "not a boolean")),
        (200, user(false)),
    ]);
    let replayed = replayed(
        &sender,
        "entra-legacy",
        "deactivate",
        &[("user", "alice"), ("user_id", "u1")],
    );
    assert_eq!(keys(&replayed), ["string-boolean-refused"]);
    let bodies = sender.bodies();
    assert!(
        bodies[1].contains(r#"{"op":"Replace","path":"active","value":"False"}"#),
        "Entra's own shape first: {}",
        bodies[1]
    );
    assert!(bodies[2].contains(r#""op":"replace","path":"active","value":"False""#));
    assert!(bodies[3].contains(r#""op":"Replace","path":"active","value":false"#));
    let turns = &replayed.transcript.turns;
    assert_eq!(turns.len(), 4, "the match, the disable and two variants");
    assert_eq!(turns[1].by, "Microsoft Entra ID (legacy shapes)");
    assert_eq!(turns[2].by, "scimctl");
    assert!(
        replayed
            .transcript
            .conclusion
            .contains("refuses the string \"False\""),
        "{}",
        replayed.transcript.conclusion
    );
}

#[test]
fn a_write_answered_with_success_that_changed_nothing_is_found_by_the_read_back() {
    let sender = Scripted::new(&[(204, String::new()), (200, user(true))]);
    let replayed = replayed(
        &sender,
        "okta",
        "deactivate",
        &[("user", "alice"), ("user_id", "u1")],
    );
    assert_eq!(keys(&replayed), ["write-not-applied"]);
    assert_eq!(sender.targets(), ["/Users/u1", "/Users/u1"]);
    assert_eq!(replayed.transcript.turns[1].by, "scimctl");
    assert_eq!(
        sender.bodies()[0],
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}"#
    );
}

#[test]
fn a_clean_deactivation_concludes_with_the_outcome_and_no_finding() {
    let sender = Scripted::new(&[(204, String::new()), (200, user(false))]);
    let replayed = replayed(
        &sender,
        "okta",
        "deactivate",
        &[("user", "alice"), ("user_id", "u1")],
    );
    assert!(keys(&replayed).is_empty(), "{:?}", keys(&replayed));
    assert_eq!(
        replayed.transcript.conclusion,
        "Okta would deactivate `alice`"
    );
    assert_eq!(replayed.failed, None);
}

#[test]
fn refused_credentials_and_no_answer_end_the_event_with_their_exit_codes() {
    let refused = Scripted::new(&[(401, error(401, "bad token"))]);
    let replayed_refused = replayed(&refused, "okta", "test-connection", &[]);
    assert_eq!(replayed_refused.failed, Some(Exit::Auth));
    assert!(keys(&replayed_refused).is_empty());
    let silent = Scripted::new(&[(0, String::new())]);
    let replayed_silent = replayed(&silent, "okta", "test-connection", &[]);
    assert_eq!(replayed_silent.failed, Some(Exit::Network));
    assert_eq!(
        replayed_silent.transcript.conclusion,
        "Okta gets no answer: connection refused"
    );
}

#[test]
fn an_existing_user_is_linked_not_created_and_that_is_no_finding() {
    let sender = Scripted::new(&[(200, list(json!([listed("u1", "alice")])))]);
    let replayed = replayed(
        &sender,
        "okta",
        "create-user",
        &[
            ("user", "alice"),
            ("given_name", "Test"),
            ("family_name", "User"),
        ],
    );
    assert!(keys(&replayed).is_empty());
    assert_eq!(
        replayed.transcript.conclusion,
        "Okta would link the existing user `alice` instead of creating one"
    );
    assert_eq!(sender.targets().len(), 1, "nothing is created");
}

#[test]
fn a_deviation_every_answer_shows_is_linted_once() {
    let numeric = json!({"schemas": [ERROR], "status": 404, "detail": "no match"}).to_string();
    let sender = Scripted::new(&[(404, numeric.clone()), (404, numeric)]);
    let replayed = replayed(&sender, "entra", "test-connection", &[]);
    assert_eq!(
        keys(&replayed),
        ["filter-no-match-error", "error-status-not-string"]
    );
}

/// Isolations no `scimctl serve` quirk reaches: each variant the server takes names its own
/// deviation.
#[test]
fn every_variant_the_server_takes_names_what_the_shape_does_that_the_server_refuses() {
    let refused = || (400, error(400, "refused"));
    let group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1",
                       "displayName": "admins", "members": [{"value": "u1"}, {"value": "u2"}],
                       "meta": {"resourceType": "Group"}})
    .to_string();
    let found = list(json!([listed("u1", "alice")]));
    let groups = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 1, "itemsPerPage": 1, "startIndex": 1,
        "Resources": [{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1",
                       "displayName": "admins", "meta": {"resourceType": "Group"}}],
    })
    .to_string();
    // The identity provider, the scenario, its variables, the answers, the key to name.
    type Case<'a> = (
        &'a str,
        &'a str,
        Vec<(&'a str, &'a str)>,
        Vec<(u16, String)>,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "okta",
            "add-member",
            vec![
                ("group", "admins"),
                ("group_id", "g1"),
                ("member", "carol"),
                ("member_id", "u3"),
            ],
            vec![
                (200, group.clone()),
                (204, String::new()),
                refused(),
                (204, String::new()),
            ],
            "pathless-read-only",
        ),
        (
            "entra",
            "manager-update",
            vec![
                ("user", "alice"),
                ("user_id", "u1"),
                ("manager", "bob"),
                ("manager_id", "u2"),
            ],
            vec![(200, found.clone()), refused(), (204, String::new())],
            "complex-as-string-refused",
        ),
        (
            "entra",
            "update-user",
            vec![
                ("user", "alice"),
                ("user_id", "u1"),
                ("given_name", "A"),
                ("family_name", "B"),
            ],
            vec![(200, found.clone()), refused(), (204, String::new())],
            "pathless-path-key",
        ),
        (
            "entra-legacy",
            "remove-member",
            vec![
                ("group", "admins"),
                ("group_id", "g1"),
                ("member", "alice"),
                ("member_id", "u1"),
            ],
            vec![
                (200, groups),
                (200, group),
                refused(),
                refused(),
                (204, String::new()),
            ],
            "remove-by-value-list",
        ),
    ];
    for (idp, scenario, values, answers, key) in cases {
        let sender = Scripted::new(&answers);
        let replayed = replayed(&sender, idp, scenario, &values);
        assert_eq!(keys(&replayed), [key], "{idp} {scenario}");
        assert_eq!(
            sender.sent.lock().expect("lock").len(),
            answers.len(),
            "{idp} {scenario}: stops at the variant taken"
        );
    }
}
