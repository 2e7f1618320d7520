//! `scimctl replay`'s judgement: a scenario of an identity provider (`testsuites/idp/`) run step
//! by step, each answer read the way that identity provider reads it, into a
//! [`Transcript`]. Pure: it renders requests and judges answers; the [`Sender`] the command
//! layer gives it sends them, so nothing here touches the network, waits or prints.
//!
//! A step's request is its shape rendered with the scenario's variables (the arguments, what
//! scimctl found for them, what earlier answers gave). Its answer is judged in this order: a
//! refused status is explained by the first variant of the shape the server accepts
//! ([`crate::suite::idp::Isolation`]), else by the scenario's `refused` entries, else as
//! refused credentials (401, 403), else as a refused write; an accepted one by the scenario's
//! expectations (the first that does not hold ends the event) and tolerated misses (the
//! identity provider goes on). Every answer is also linted, as `doctor` lints its answers.
//! What a deviation means is looked up in the findings catalogue, never written here.

use std::collections::HashSet;

use serde_json::Value;

use crate::client::{BoxFuture, RawExchange, RawRequest, Response, classify_failure};
use crate::doctor::NoAnswer;
use crate::exit::Exit;
use crate::findings::{
    Deviation, Finding, Line, Location, Pointer, Remark, Subject, Transcript, Turn,
};
use crate::lint::{Kind, Options, lint};
use crate::runner::answer::Answer;
use crate::runner::assert::evaluate;
use crate::runner::error::CheckError;
use crate::runner::request::render;
use crate::runner::select::select;
use crate::runner::vars::Vars;
use crate::scim::method::Method;
use crate::scim::schema_set::SchemaSet;
use crate::suite::idp::{IdentityProvider, Isolation, Scenario, ScenarioStep, SentBy};
use crate::suite::{Assertion, Template, TemplatePart};

mod shown;

/// How the steps reach the server: the command layer sends each request with the configured
/// credentials (waiting out 429s, recording for `-v` and `--har`) and hands back the request
/// as it went on the wire and its answer.
pub trait Sender: Sync {
    /// Sends one request.
    fn send<'a>(&'a self, request: &'a RawRequest) -> BoxFuture<'a, Result<RawExchange, NoAnswer>>;
}

/// What to replay, and against what.
pub struct Setting<'a> {
    pub idp: &'a IdentityProvider,
    pub scenario: &'a Scenario,
    /// The scenario's variables before the first step: its arguments, and `NAME_id` for the
    /// users and groups scimctl found for them.
    pub values: Vec<(String, String)>,
    /// What scimctl did to prepare (found a user), for the transcript.
    pub prepared: Vec<String>,
    /// The server and what is replayed.
    pub subject: Subject,
    /// The base URL, so that each request is shown below it.
    pub base_url: String,
    /// Seeds `{{uuid.NAME}}` and `{{random.NAME}}`.
    pub seed: u64,
}

/// A replayed event: its transcript, and the exit code of the failure that cut it short, if
/// one did (no answer, refused credentials, a request that could not be judged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    pub transcript: Transcript,
    pub failed: Option<Exit>,
}

/// Why the event ended before its last step.
struct Ending {
    conclusion: String,
    failed: Option<Exit>,
}

impl Ending {
    fn concluded(conclusion: String) -> Ending {
        Ending {
            conclusion,
            failed: None,
        }
    }

    fn failed(conclusion: String, exit: Exit) -> Ending {
        Ending {
            conclusion,
            failed: Some(exit),
        }
    }
}

/// Runs the scenario's steps in order until one ends the event.
pub async fn replay(sender: &dyn Sender, setting: Setting<'_>) -> Replayed {
    let vars = Vars::new("replay", &setting.scenario.name, setting.seed);
    for (name, value) in &setting.values {
        vars.set(name, Value::String(value.clone()));
    }
    let mut run = Run {
        sender,
        idp: setting.idp,
        base_url: &setting.base_url,
        vars,
        turns: Vec::new(),
        linted: HashSet::new(),
        schemas: SchemaSet::builtin(),
    };
    let mut ending = None;
    for step in &setting.scenario.steps {
        if step.when.as_ref().is_some_and(|name| !run.vars.has(name)) {
            continue;
        }
        if let Some(end) = run.step(step).await {
            ending = Some(end);
            break;
        }
    }
    let (conclusion, failed) = match ending {
        Some(ending) => (ending.conclusion, ending.failed),
        None => (run.text(&setting.scenario.outcome), None),
    };
    Replayed {
        transcript: Transcript {
            subject: setting.subject,
            prepared: setting.prepared,
            turns: run.turns,
            conclusion,
        },
        failed,
    }
}

/// A replay in progress.
struct Run<'a> {
    sender: &'a dyn Sender,
    idp: &'a IdentityProvider,
    base_url: &'a str,
    vars: Vars,
    turns: Vec<Turn>,
    /// What `lint` already reported, so that a deviation every answer shows is said once.
    linted: HashSet<(Deviation, Option<Pointer>)>,
    schemas: SchemaSet,
}

/// How a step ended.
enum Judged {
    /// The identity provider goes on.
    GoOn,
    /// The event ends here.
    Ends(Ending),
}

impl Run<'_> {
    /// Runs one step: sends it, keeps the turn, judges the answer. `Some` when the event ends.
    async fn step(&mut self, step: &ScenarioStep) -> Option<Ending> {
        let by = self.by(step.by);
        let speaker = self.speaker(step.by);
        let request = match render(&step.step, &self.vars) {
            Ok(request) => request,
            Err(error) => {
                return Some(Ending::failed(
                    format!("{speaker} cannot send its next request: {error}"),
                    Exit::ServerError,
                ));
            }
        };
        let sent = self.sender.send(&request).await;
        let turn = self.turn(by.clone(), step.note.clone(), &request, &sent);
        let label = turn.request.label();
        self.turns.push(turn);
        let at = self.turns.len() - 1;
        let judged = match &sent {
            Err(no_answer) => {
                self.remark(at, Line::Failed(no_answer.message.clone()), None);
                Judged::Ends(Ending::failed(
                    format!("{speaker} gets no answer: {}", no_answer.message),
                    no_answer.exit,
                ))
            }
            Ok(exchange) => {
                let judged = self.judge(step, &request, exchange, &label, at).await;
                self.lint(exchange, &label, at);
                judged
            }
        };
        match judged {
            Judged::GoOn => None,
            Judged::Ends(ending) => Some(ending),
        }
    }

    /// Adds a line (and what the identity provider concludes from it) to the turn at `at`.
    fn remark(&mut self, at: usize, line: Line, says: Option<String>) {
        if let Some(turn) = self.turns.get_mut(at) {
            turn.remarks.push(Remark { line, says });
        }
    }

    /// The turn of a request as it went out and its answer, before any judgement.
    fn turn(
        &self,
        by: String,
        note: Option<String>,
        request: &RawRequest,
        sent: &Result<RawExchange, NoAnswer>,
    ) -> Turn {
        let (shown_request, answer) = match sent {
            Ok(exchange) => (
                shown::request(&exchange.request, self.base_url),
                Ok(shown::answer(&exchange.response)),
            ),
            Err(no_answer) => (shown::unsent(request), Err(no_answer.message.clone())),
        };
        Turn {
            by,
            note,
            request: shown_request,
            answer,
            remarks: Vec::new(),
        }
    }

    /// Who sends a step, as its turn is headed.
    fn by(&self, by: SentBy) -> String {
        match by {
            SentBy::Idp => self.idp.title.clone(),
            SentBy::Scimctl => "scimctl".to_owned(),
        }
    }

    /// Who concludes: the identity provider, by the short name its conclusions use.
    fn speaker(&self, by: SentBy) -> String {
        match by {
            SentBy::Idp => self.idp.short.clone(),
            SentBy::Scimctl => "scimctl".to_owned(),
        }
    }

    /// What the identity provider makes of one answer.
    async fn judge(
        &mut self,
        step: &ScenarioStep,
        request: &RawRequest,
        exchange: &RawExchange,
        label: &str,
        at: usize,
    ) -> Judged {
        let response = &exchange.response;
        let accepted = accepts(&step.step.status, response.status);
        let answer = Answer {
            status: response.status,
            headers: response.headers.clone(),
            json: serde_json::from_slice(&response.body).ok(),
            label: label.to_owned(),
        };
        if !accepted {
            return self.refused(step, request, response, label, at).await;
        }
        let missing: Vec<String> = step
            .step
            .capture
            .iter()
            .filter_map(
                |(name, selector)| match select(&answer, selector, &self.vars) {
                    Ok(Some(value)) => {
                        self.vars.set(name, value);
                        None
                    }
                    Ok(None) | Err(_) => Some(selector.to_string()),
                },
            )
            .collect();
        for assertion in &step.step.expect {
            let Some(observed) = self.missed(assertion, &answer) else {
                continue;
            };
            let says = self.message(assertion);
            let line = match assertion.deviation {
                Some(deviation) => finding(deviation, label, observed),
                None => Line::Ok(says.clone()),
            };
            let says_under = assertion.deviation.map(|_| says.clone());
            self.remark(at, line, says_under);
            return Judged::Ends(Ending::concluded(says));
        }
        for assertion in &step.tolerated {
            if let (Some(observed), Some(deviation)) =
                (self.missed(assertion, &answer), assertion.deviation)
            {
                let says = self.message(assertion);
                self.remark(at, finding(deviation, label, observed), Some(says));
            }
        }
        if let (SentBy::Idp, Some(selector)) = (step.by, missing.first()) {
            let by = self.speaker(step.by);
            let why = format!("the answer has no `{selector}`, which {by} needs next");
            self.remark(at, Line::Failed(why.clone()), None);
            return Judged::Ends(Ending::failed(
                format!("{by} would stop here: {why}"),
                Exit::ServerError,
            ));
        }
        let done = match &step.done {
            Some(done) => self.text(done),
            None => format!("answered {}", summary(label, response)),
        };
        self.remark(at, Line::Ok(done), None);
        Judged::GoOn
    }

    /// A status the identity provider does not take: explained by a variant the server
    /// accepts, by the scenario's refusals, as refused credentials, or as a refused write.
    async fn refused(
        &mut self,
        step: &ScenarioStep,
        request: &RawRequest,
        response: &Response,
        label: &str,
        at: usize,
    ) -> Judged {
        let by = self.speaker(step.by);
        let answered = format!("answered {}", summary(label, response));
        if let Some(variant) = self.isolate(step).await {
            let says = self.text(&variant.message);
            let shown_as = self.turns.len();
            for &deviation in &variant.deviations {
                let seen = format!(
                    "{answered}; `{}` is accepted (exchange {shown_as})",
                    variant.shape
                );
                self.remark(at, finding(deviation, label, seen), Some(says.clone()));
            }
            return Judged::Ends(Ending::concluded(says));
        }
        if let Some(refusal) = step
            .refused
            .iter()
            .find(|refusal| refusal.status.contains(&response.status))
        {
            let says = self.text(&refusal.message);
            self.remark(
                at,
                finding(refusal.deviation, label, answered),
                Some(says.clone()),
            );
            return match refusal.go_on {
                true => Judged::GoOn,
                false => Judged::Ends(Ending::concluded(says)),
            };
        }
        if matches!(response.status, 401 | 403) {
            let why = format!("the server refuses the credentials: {answered}");
            self.remark(at, Line::Failed(why.clone()), None);
            return Judged::Ends(Ending::failed(
                format!("{by} would stop here: {why}"),
                Exit::Auth,
            ));
        }
        if writes(request.method) {
            let says = format!("{by} would report the request as failed");
            self.remark(
                at,
                finding(Deviation::WriteRefused, label, answered),
                Some(says.clone()),
            );
            return Judged::Ends(Ending::concluded(says));
        }
        self.remark(at, Line::Failed(answered.clone()), None);
        Judged::Ends(Ending::failed(
            format!("{by} would stop here: {label} {answered}"),
            Exit::ServerError,
        ))
    }

    /// Sends the variants of a refused request in order, each as a turn of scimctl's, and
    /// returns the first the server accepts.
    async fn isolate<'s>(&mut self, step: &'s ScenarioStep) -> Option<&'s Isolation> {
        for variant in &step.isolate {
            let Ok(request) = render(&variant.step, &self.vars) else {
                continue;
            };
            let sent = self.sender.send(&request).await;
            let keys: Vec<&str> = variant.deviations.iter().map(|d| d.key()).collect();
            let note = format!(
                "tries `{}`, the same request without {}",
                variant.shape,
                keys.join(" and ")
            );
            let mut turn = self.turn("scimctl".to_owned(), Some(note), &request, &sent);
            let accepted = sent
                .as_ref()
                .is_ok_and(|exchange| accepts(&step.step.status, exchange.response.status));
            let line = match &sent {
                Ok(exchange) if accepted => Line::Ok(format!(
                    "accepted ({}): what this variant leaves out is what the server refuses",
                    exchange.response.status
                )),
                Ok(exchange) => Line::Skipped(format!(
                    "refused as well: {}",
                    summary(&turn.request.label(), &exchange.response)
                )),
                Err(no_answer) => Line::Failed(no_answer.message.clone()),
            };
            turn.remarks.push(Remark { line, says: None });
            self.turns.push(turn);
            if accepted {
                return Some(variant);
            }
        }
        None
    }

    /// What was observed when the assertion does not hold on the answer; `None` when it holds,
    /// or when it reads a variable the scenario could not set (a group without other members
    /// has nothing to keep).
    fn missed(&self, assertion: &Assertion, answer: &Answer) -> Option<String> {
        if !assertion.applies_to(answer.status) {
            return None;
        }
        match evaluate(&assertion.kind, answer, &self.vars) {
            Ok(observed) => observed,
            Err(CheckError::Variable(_)) => None,
            Err(error) => Some(error.to_string()),
        }
    }

    /// An assertion's message (what the identity provider concludes), its variables filled in.
    fn message(&self, assertion: &Assertion) -> String {
        let text = assertion.message.as_deref().unwrap_or_default();
        Template::parse(text).map_or_else(|_| text.to_owned(), |template| self.text(&template))
    }

    /// A template with every variable the scenario has filled in, and the others as written.
    fn text(&self, template: &Template) -> String {
        template
            .parts
            .iter()
            .map(|part| match part {
                TemplatePart::Literal(text) => text.clone(),
                TemplatePart::Variable(name) => self.vars.lookup(name).map_or_else(
                    || format!("{{{{{name}}}}}"),
                    |value| match value {
                        Value::String(text) => text,
                        other => other.to_string(),
                    },
                ),
            })
            .collect()
    }

    /// What `lint` finds in the answer's body (an Error in an error answer, what the body says
    /// it is in any other), each kind at each place once per replay.
    fn lint(&mut self, exchange: &RawExchange, label: &str, at: usize) {
        let response = &exchange.response;
        let Ok(document) = serde_json::from_slice::<Value>(&response.body) else {
            return;
        };
        let kind = (!response.is_success()).then_some(Kind::Error);
        let options = Options {
            kind,
            resource_type: None,
            answered: true,
        };
        let Ok(linted) = lint(&document, &self.schemas, options) else {
            return;
        };
        let shown_here: HashSet<Deviation> = self.turns[at]
            .remarks
            .iter()
            .filter_map(|remark| match &remark.line {
                Line::Finding(finding) => Some(finding.deviation),
                Line::Ok(_) | Line::Skipped(_) | Line::Failed(_) => None,
            })
            .collect();
        for found in linted.findings {
            let pointer = match &found.location {
                Location::Pointer(pointer) => Some(pointer.clone()),
                Location::Exchange { .. } | Location::Host(_) => None,
            };
            let fresh = self.linted.insert((found.deviation, pointer.clone()));
            if !fresh || shown_here.contains(&found.deviation) {
                continue;
            }
            let location = Location::Exchange {
                request: label.to_owned(),
                pointer,
            };
            let line = Line::Finding(Finding::new(found.deviation, location, found.seen));
            self.remark(at, line, None);
        }
    }
}

fn finding(deviation: Deviation, label: &str, seen: String) -> Line {
    Line::Finding(Finding::new(deviation, Location::request(label), seen))
}

/// Whether `status` is one the step takes: one of `accepted`, or any 2xx when it names none.
fn accepts(accepted: &[u16], status: u16) -> bool {
    match accepted {
        [] => (200..300).contains(&status),
        codes => codes.contains(&status),
    }
}

/// Whether a request may change data.
fn writes(method: Method) -> bool {
    !matches!(method, Method::Get | Method::Head)
}

/// The answer in a few words: `204`, `404: no such user`.
fn summary(label: &str, response: &Response) -> String {
    if response.is_success() || response.status == 304 {
        response.status.to_string()
    } else {
        classify_failure(label, response).answer()
    }
}

#[cfg(test)]
mod tests;
