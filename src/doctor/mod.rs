//! `scimctl doctor`'s judgement: the requests each stage sends, and what their answers mean,
//! as [`crate::findings`] lines. Pure: it builds [`Probe`]s and reads [`Exchange`]s; it never
//! sends, waits, prints or reads a file. `src/app/doctor/` sends the probes in order and hands
//! each answer back here.
//!
//! The stages run in a fixed order and none stops the check-up: reachability, TLS,
//! authentication, discovery, media types, reads, ServiceProviderConfig's claims and (only with
//! `--allow-writes`) a create, PATCH, deactivate and delete round trip. Each stage has its
//! module; each judgement names a [`Deviation`](crate::findings::Deviation) from the one
//! catalogue, so what a finding means and what Okta and Entra do about it is written once.
//! Answers are also linted ([`crate::lint`]) as the ListResponses, resources and Errors they
//! are, so a `status` that is a number or a page under `resources` is named the way `lint`
//! names it.

pub mod auth;
pub mod certificate;
pub mod claims;
pub mod discovery;
pub mod lists;
pub mod media;
pub mod net;
pub mod reads;
pub mod run;
pub mod writes;

use serde_json::Value;

use crate::client::{BoxFuture, Method, RawRequest, Response, classify_failure};
use crate::exit::Exit;
use crate::findings::{Deviation, Finding, Line, Location, Pointer, Section};
use crate::lint::{Kind, Options, lint};
use crate::scim::percent::{Encoded, decode};
use crate::scim::schema::ServiceProviderConfig;
use crate::scim::schema_set::SchemaSet;

/// How the stages reach the server: the command layer sends each probe (with credentials,
/// waiting out 429s, recording for `-v` and `--har`) and hands back what came back. The stages
/// never reach the network any other way.
pub trait Sender: Sync {
    /// Sends one probe.
    fn send<'a>(&'a self, probe: &'a Probe) -> BoxFuture<'a, Exchange>;
}

/// What the HTTP stages know about the server, filled in as they go.
#[derive(Debug, Clone)]
pub struct Context {
    /// The Users endpoint (`/Users`, or what /ResourceTypes says).
    pub users: String,
    /// The Groups endpoint.
    pub groups: String,
    /// The schemas answers are linted against: the server's, else RFC 7643's.
    pub schemas: SchemaSet,
    /// ServiceProviderConfig, when it could be read.
    pub config: Option<ServiceProviderConfig>,
    /// Whether credentials are configured at all.
    pub credentials: bool,
    /// A random GUID for lookups that must match nothing (`userName eq "<GUID>"`).
    pub nonce: String,
}

impl Context {
    /// A context before discovery: the RFC's endpoints and schemas.
    pub fn new(credentials: bool, nonce: String) -> Context {
        Context {
            users: "/Users".to_owned(),
            groups: "/Groups".to_owned(),
            schemas: SchemaSet::builtin(),
            config: None,
            credentials,
            nonce,
        }
    }
}

/// The stages, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Reachability,
    Tls,
    Auth,
    Discovery,
    MediaTypes,
    Reads,
    Claims,
    Writes,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 8] = [
        Stage::Reachability,
        Stage::Tls,
        Stage::Auth,
        Stage::Discovery,
        Stage::MediaTypes,
        Stage::Reads,
        Stage::Claims,
        Stage::Writes,
    ];

    /// The section heading.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Reachability => "reachability",
            Stage::Tls => "tls",
            Stage::Auth => "auth",
            Stage::Discovery => "discovery",
            Stage::MediaTypes => "media types",
            Stage::Reads => "reads",
            Stage::Claims => "claims",
            Stage::Writes => "writes",
        }
    }
}

/// One request of a stage, and how people read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// `GET /Users?filter=userName eq "x"`: the query decoded, as the finding's location.
    pub label: String,
    pub request: RawRequest,
}

impl Probe {
    /// A request to `path` (below the base URL, already encoded) with `query` (encoded when
    /// sent), with the configured credentials.
    pub fn new(method: Method, path: &str, query: &[(&str, &str)]) -> Probe {
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        let mut label = format!(
            "{method} {}",
            decode(path, Encoded::PathSegment).unwrap_or_else(|_| path.to_owned())
        );
        for (index, (name, value)) in query.iter().enumerate() {
            label.push(if index == 0 { '?' } else { '&' });
            label.push_str(&format!("{name}={value}"));
        }
        Probe {
            label,
            request: RawRequest {
                method,
                path: path.to_owned(),
                query,
                target: None,
                headers: Vec::new(),
                body: None,
                credentials: true,
            },
        }
    }

    /// A GET.
    pub fn get(path: &str, query: &[(&str, &str)]) -> Probe {
        Probe::new(Method::Get, path, query)
    }

    /// The request sent byte for byte with this request-target (below the base URL).
    pub fn verbatim(method: Method, target: &str) -> Probe {
        let mut probe = Probe::new(method, target, &[]);
        probe.label = format!("{method} {target}");
        probe.request.target = Some(target.to_owned());
        probe
    }

    /// The same request without the configured credentials.
    pub fn without_credentials(mut self) -> Probe {
        self.request.credentials = false;
        self
    }

    /// The same request with a header (an empty value sends none of that name).
    pub fn with_header(mut self, name: &str, value: &str) -> Probe {
        self.request
            .headers
            .push((name.to_owned(), value.to_owned()));
        self
    }

    /// The same request with a JSON body, labelled with `content_type`.
    pub fn with_body(self, body: &Value, content_type: &str) -> Probe {
        let mut probe = self.with_header("Content-Type", content_type);
        probe.request.body = Some(body.to_string().into_bytes());
        probe
    }

    /// A word for the label when the same request goes out in several forms
    /// (`GET /Users?count=1 (no credentials)`).
    pub fn noted(mut self, note: &str) -> Probe {
        self.label = format!("{} ({note})", self.label);
        self
    }
}

/// Why a probe got no answer: the message, and the exit code such a failure ends a run with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoAnswer {
    pub message: String,
    pub exit: Exit,
}

/// A probe as sent, and what came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub label: String,
    pub answer: Result<Response, NoAnswer>,
}

impl Exchange {
    /// The answer's status, if there was an answer.
    pub fn status(&self) -> Option<u16> {
        self.answer.as_ref().ok().map(|response| response.status)
    }

    /// Whether the answer is 2xx.
    pub fn succeeded(&self) -> bool {
        self.answer.as_ref().is_ok_and(Response::is_success)
    }

    /// The answer's body as JSON, when it is JSON.
    pub fn json(&self) -> Option<Value> {
        let response = self.answer.as_ref().ok()?;
        serde_json::from_slice(&response.body).ok()
    }

    /// A header of the answer.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.answer.as_ref().ok()?.header(name)
    }

    /// The whole exchange as a finding's location.
    pub fn location(&self) -> Location {
        Location::request(&self.label)
    }

    /// A place in the answer's body as a finding's location.
    pub fn at(&self, pointer: &Pointer) -> Location {
        Location::Exchange {
            request: self.label.clone(),
            pointer: Some(pointer.clone()),
        }
    }

    /// A finding about the whole exchange.
    pub fn finding(&self, deviation: Deviation, seen: impl Into<String>) -> Line {
        Line::Finding(Finding::new(deviation, self.location(), seen))
    }

    /// The answer in a few words: `200`, `404: no such user`, `no answer: cannot connect ...`.
    pub fn summary(&self) -> String {
        match &self.answer {
            Err(failure) => format!("no answer: {}", failure.message),
            Ok(response) if response.is_success() || response.status == 304 => {
                response.status.to_string()
            }
            Ok(response) => classify_failure(&self.label, response).answer(),
        }
    }

    /// `GET /Users answered 404: no such user`, for a line that is not a finding.
    pub fn described(&self) -> String {
        format!("{} answered {}", self.label, self.summary())
    }

    /// What `lint` finds in the answer's body read as `kind`, located in this exchange: an
    /// Error only in an error answer, anything else only in a 2xx. Nothing when the body is
    /// not JSON: other checks judge that.
    pub fn linted(&self, kind: Kind, schemas: &SchemaSet) -> Vec<Finding> {
        if self.succeeded() == (kind == Kind::Error) {
            return Vec::new();
        }
        let Some(document) = self.json() else {
            return Vec::new();
        };
        let options = Options {
            kind: Some(kind),
            resource_type: None,
            answered: true,
        };
        let Ok(linted) = lint(&document, schemas, options) else {
            return Vec::new();
        };
        linted
            .findings
            .into_iter()
            .map(|finding| {
                let location = match &finding.location {
                    Location::Pointer(pointer) => self.at(pointer),
                    other => other.clone(),
                };
                Finding::new(finding.deviation, location, finding.seen)
            })
            .collect()
    }
}

/// The findings among `lines`.
pub fn findings(lines: &[Line]) -> impl Iterator<Item = &Finding> {
    lines.iter().filter_map(|line| match line {
        Line::Finding(finding) => Some(finding),
        Line::Ok(_) | Line::Skipped(_) | Line::Failed(_) => None,
    })
}

/// Lines for what `lint` found in answers, each kind of problem at one place once: the first
/// answer that showed it, and how many more did.
pub fn lint_lines(found: Vec<Finding>) -> Vec<Line> {
    let mut merged: Vec<(Finding, usize)> = Vec::new();
    for finding in found {
        let place = |f: &Finding| match &f.location {
            Location::Exchange { pointer, .. } => pointer.clone(),
            Location::Pointer(_) | Location::Host(_) => None,
        };
        match merged
            .iter_mut()
            .find(|(seen, _)| seen.deviation == finding.deviation && place(seen) == place(&finding))
        {
            Some((_, more)) => *more += 1,
            None => merged.push((finding, 0)),
        }
    }
    merged
        .into_iter()
        .map(|(mut finding, more)| {
            if more > 0 {
                let answers = if more == 1 { "answer" } else { "answers" };
                finding.seen = format!("{} (and in {more} more {answers})", finding.seen);
            }
            Line::Finding(finding)
        })
        .collect()
}

/// A finished check-up: its sections in stage order, and the exit code of the failure that kept
/// stages from being checked, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckUp {
    pub sections: Vec<Section>,
    /// Network (4) or authentication (5): set when a failure kept stages from being checked.
    pub stopped: Option<Exit>,
}

impl CheckUp {
    /// Every finding, in stage order.
    pub fn findings(&self) -> Vec<&Finding> {
        self.sections
            .iter()
            .flat_map(|section| findings(&section.lines))
            .collect()
    }
}

/// A skipped line for every check of a stage that an earlier failure kept from running.
pub fn not_checked(why: &str) -> Vec<Line> {
    vec![Line::Skipped(format!("not checked: {why}"))]
}

/// A [`Sender`] that answers from a script, and a way to run the stages without a runtime,
/// for the tests of the stages.
#[cfg(test)]
pub(crate) mod scripted {
    use std::future::Future;
    use std::sync::Mutex;
    use std::task::{Context as TaskContext, Poll, Waker};
    use std::time::Duration;

    use super::{BoxFuture, Exchange, Probe, Response, Sender};

    /// Answers each probe with the next status and body of its script, and keeps the probes.
    pub struct Scripted {
        answers: Mutex<Vec<(u16, String)>>,
        pub sent: Mutex<Vec<Probe>>,
    }

    impl Scripted {
        pub fn new(answers: &[(u16, &str)]) -> Scripted {
            let mut answers: Vec<(u16, String)> = answers
                .iter()
                .map(|(status, body)| (*status, (*body).to_owned()))
                .collect();
            answers.reverse();
            Scripted {
                answers: Mutex::new(answers),
                sent: Mutex::new(Vec::new()),
            }
        }
    }

    impl Sender for Scripted {
        fn send<'a>(&'a self, probe: &'a Probe) -> BoxFuture<'a, Exchange> {
            self.sent.lock().expect("lock").push(probe.clone());
            let (status, body) = self
                .answers
                .lock()
                .expect("lock")
                .pop()
                .unwrap_or((599, String::new()));
            Box::pin(std::future::ready(Exchange {
                label: probe.label.clone(),
                answer: Ok(Response {
                    status,
                    headers: vec![(
                        "content-type".to_owned(),
                        "application/scim+json".to_owned(),
                    )],
                    body: body.into_bytes(),
                    elapsed: Duration::ZERO,
                }),
            }))
        }
    }

    /// The output of a future that never waits (every scripted answer is ready at once).
    pub fn ready<F: Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        match future
            .as_mut()
            .poll(&mut TaskContext::from_waker(Waker::noop()))
        {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("a scripted stage waited"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16, body: &str) -> Exchange {
        Exchange {
            label: "GET /Users?count=1".to_owned(),
            answer: Ok(Response {
                status,
                headers: vec![(
                    "content-type".to_owned(),
                    "application/scim+json".to_owned(),
                )],
                body: body.as_bytes().to_vec(),
                elapsed: std::time::Duration::ZERO,
            }),
        }
    }

    #[test]
    fn a_probe_reads_as_its_request_with_the_query_decoded() {
        let probe = Probe::get(
            "/Users",
            &[("filter", "userName eq \"a b\""), ("count", "1")],
        );
        assert_eq!(probe.label, "GET /Users?filter=userName eq \"a b\"&count=1");
        assert!(probe.request.credentials);
        let bare = Probe::get("/Users/a%2Fb", &[]).without_credentials();
        assert_eq!(bare.label, "GET /Users/a/b");
        assert!(!bare.request.credentials);
        let raw = Probe::verbatim(Method::Get, "/Users?filter=userName+eq+\"x\"");
        assert_eq!(raw.label, "GET /Users?filter=userName+eq+\"x\"");
        assert_eq!(
            raw.request.target.as_deref(),
            Some("/Users?filter=userName+eq+\"x\"")
        );
    }

    #[test]
    fn an_error_answer_is_summed_up_without_repeating_the_request() {
        let exchange = answered(
            404,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"no match"}"#,
        );
        assert_eq!(exchange.summary(), "404: no match");
        assert_eq!(
            exchange.described(),
            "GET /Users?count=1 answered 404: no match"
        );
        assert_eq!(answered(200, "{}").summary(), "200");
    }

    #[test]
    fn lint_findings_are_placed_in_the_exchange_and_repeats_are_counted() {
        let error = answered(
            404,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":404}"#,
        );
        let found = error.linted(Kind::Error, &SchemaSet::builtin());
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            error
                .linted(Kind::ListResponse, &SchemaSet::builtin())
                .is_empty()
        );
        assert_eq!(found[0].deviation, Deviation::ErrorStatusNotString);
        assert_eq!(
            found[0].location.to_string(),
            "GET /Users?count=1 at /status"
        );
        let mut twice = found.clone();
        twice.extend(found);
        let lines = lint_lines(twice);
        assert_eq!(lines.len(), 1);
        let Line::Finding(finding) = &lines[0] else {
            panic!("{lines:?}");
        };
        assert!(
            finding.seen.ends_with("(and in 1 more answer)"),
            "{finding:?}"
        );
    }
}
