//! One check run: its steps in order (rendered, guarded, sent, captured, judged), its verdict,
//! then cleanup. It only sequences the parts that live in their own modules; it never prints.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::RunOptions;
use super::answer::{self, Answer};
use super::assert;
use super::builtin;
use super::capture::capture;
use super::cleanup::clean_up;
use super::error::{CheckError, Halt, Refusal, RefusedTwice};
use super::guard::WriteGuard;
use super::ledger::Ledger;
use super::outcome::{CheckOutcome, Exchange, Status};
use super::request::{self, endpoint_key, label, with_fuller_user};
use super::service::Service;
use super::setup;
use super::vars::{Vars, lock};
use crate::client::RawRequest;
use crate::scim::method::Method;
use crate::suite::{Assertion, AssertionKind, Check, Level, Step};

/// Pause between two attempts of a settling step.
const SETTLE_PAUSE: Duration = Duration::from_millis(100);

/// What every check of a run shares.
pub(crate) struct Shared {
    pub service: Arc<dyn Service>,
    pub ledger: Arc<Ledger>,
    pub options: RunOptions,
}

/// A failed assertion: how much it matters and what to say.
type Failure = (Level, String);

/// A verdict before it becomes a [`CheckOutcome`]; a fail or warn carries the level of the
/// assertion that decided it.
enum Verdict {
    /// Every assertion held; each note names a legal choice the server made (a status other
    /// than the first of a step's list).
    Pass(Vec<String>),
    Fail(Failure),
    Warn(Failure),
    Skip(String),
    Error(CheckError),
}

/// The state of one check while it runs. Every method takes `&self`, so built-in assertions
/// can send requests while the answer they judge is borrowed.
pub(crate) struct CheckRun<'a> {
    shared: &'a Shared,
    check: &'a Check,
    vars: Vars,
    exchanges: Mutex<Vec<Exchange>>,
    /// Endpoints (lowercased) where a setup create was accepted only with the fuller body.
    fuller_endpoints: Mutex<HashSet<String>>,
}

/// The choice a step's answer shows among the statuses the RFC leaves to the server (a step
/// that lists several): named when it is not the first, the one the check prefers.
fn chosen_status(index: usize, step: &Step, answer: &Answer) -> Option<String> {
    let preferred = *step.status.first()?;
    let legal = step.status.len() > 1 && step.status.contains(&answer.status);
    (legal && answer.status != preferred && !step.setup).then(|| {
        let listed: Vec<String> = step.status.iter().map(u16::to_string).collect();
        format!(
            "step {}: {} answered {} ({} accepted)",
            index + 1,
            answer.label,
            answer.status,
            listed.join(" or ")
        )
    })
}

/// The outcome of a check that did not run, and why.
pub(crate) fn skipped(check: &Check, suite: &str, reason: String) -> CheckOutcome {
    outcome(
        check,
        suite,
        Verdict::Skip(reason),
        Duration::ZERO,
        Vec::new(),
    )
}

/// The outcome of a check whose task crashed.
pub(crate) fn crashed(check: &Check, suite: &str, panic: String) -> CheckOutcome {
    let verdict = Verdict::Error(CheckError::Crashed(panic));
    outcome(check, suite, verdict, Duration::ZERO, Vec::new())
}

fn outcome(
    check: &Check,
    suite: &str,
    verdict: Verdict,
    duration: Duration,
    exchanges: Vec<Exchange>,
) -> CheckOutcome {
    let (status, deciding_level, message) = match verdict {
        Verdict::Pass(choices) if choices.is_empty() => (Status::Pass, check.level, "ok".into()),
        Verdict::Pass(choices) => (
            Status::Pass,
            check.level,
            format!("ok; the server chose: {}", choices.join("; ")),
        ),
        Verdict::Fail((level, message)) => (Status::Fail, level, message),
        Verdict::Warn((level, message)) => (Status::Warn, level, message),
        Verdict::Skip(reason) => (Status::Skip, check.level, reason),
        Verdict::Error(error) => (Status::Error, check.level, error.to_string()),
    };
    let exchanges = match status {
        Status::Pass | Status::Skip => Vec::new(),
        Status::Fail | Status::Warn | Status::Error => exchanges,
    };
    CheckOutcome {
        id: check.id.clone(),
        title: check.title.clone(),
        suite: suite.to_owned(),
        level: check.level,
        deciding_level,
        status,
        waiver: None,
        rfc: check.rfc.clone(),
        tags: check.tags.clone(),
        message,
        duration,
        exchanges,
    }
}

/// Runs one check to a verdict within the run's timeout, then deletes what it created.
/// Returns the outcome and any cleanup problem.
pub(crate) async fn run_check(
    shared: &Shared,
    check: &Check,
    suite: &str,
) -> (CheckOutcome, Vec<String>) {
    let started = Instant::now();
    let options = &shared.options;
    let run = CheckRun {
        shared,
        check,
        vars: Vars::new(&options.run_id, &check.id, options.seed),
        exchanges: Mutex::new(Vec::new()),
        fuller_endpoints: Mutex::new(HashSet::new()),
    };
    let timeout = options.check_timeout;
    let verdict = tokio::time::timeout(timeout, run.execute())
        .await
        .unwrap_or(Verdict::Error(CheckError::Timeout(timeout)));
    let cleanup = clean_up(shared.service.as_ref(), &shared.ledger, Some(&check.id));
    let problems = tokio::time::timeout(timeout, cleanup)
        .await
        .unwrap_or_else(|_| {
            vec![format!(
                "{}: cleanup did not finish within {} s; run `scimctl test cleanup`",
                check.id,
                timeout.as_secs_f64()
            )]
        });
    let exchanges = std::mem::take(&mut *lock(&run.exchanges));
    (
        outcome(check, suite, verdict, started.elapsed(), exchanges),
        problems,
    )
}

impl CheckRun<'_> {
    /// The check's variables.
    pub(crate) fn vars(&self) -> &Vars {
        &self.vars
    }

    fn guard(&self) -> WriteGuard<'_> {
        WriteGuard {
            ledger: &self.shared.ledger,
            run_id: &self.shared.options.run_id,
            check_id: &self.check.id,
            vars: &self.vars,
        }
    }

    /// The steps in order: a MUST-level miss ends the check; a SHOULD-level miss is kept and
    /// the check goes on, unless it left a capture unset (the steps that need it could only end
    /// in an unknown variable, so the miss is the verdict).
    async fn execute(&self) -> Verdict {
        let mut warning: Option<Failure> = None;
        let mut choices = Vec::new();
        for (index, step) in self.check.steps.iter().enumerate() {
            let mut failures = match self.run_step(index, step).await {
                Ok((failures, choice)) => {
                    choices.extend(choice);
                    failures
                }
                Err(Halt::Error(error)) => return Verdict::Error(error),
                Err(Halt::Skip(reason)) => {
                    return warning.map_or(Verdict::Skip(reason), Verdict::Warn);
                }
            };
            if let Some(position) = failures.iter().position(|(level, _)| level.is_mandatory()) {
                return Verdict::Fail(failures.swap_remove(position));
            }
            let uncaptured = step.capture.iter().any(|(name, _)| !self.vars.has(name));
            let miss = failures.into_iter().next();
            let stop = uncaptured && miss.is_some();
            warning = warning.or(miss);
            if stop {
                break;
            }
        }
        warning.map_or(Verdict::Pass(choices), Verdict::Warn)
    }

    /// Sends a step (again, while a settling step's assertions fail within `--settle`) and
    /// judges its answer; with the failures comes the legal choice the answer shows, if any.
    async fn run_step(
        &self,
        index: usize,
        step: &Step,
    ) -> Result<(Vec<Failure>, Option<String>), Halt> {
        let mut request = request::render(step, &self.vars)?;
        if self.needs_fuller_body(&request) {
            if let Some((fuller, _)) = with_fuller_user(&request) {
                request = fuller;
            }
        }
        let label = label(&request);
        if step.writes() {
            self.guard().admit(&request)?;
        }
        let settle_until =
            (step.settle && !step.writes()).then(|| Instant::now() + self.shared.options.settle);
        loop {
            let answer = self.send(&request, &label).await?;
            if step.writes() {
                self.guard().record_answer(&request, &answer)?;
            }
            let settling = settle_until.is_some_and(|until| Instant::now() < until);
            let refused = step.setup && !step.status.contains(&answer.status);
            if refused && settling {
                tokio::time::sleep(SETTLE_PAUSE).await;
                continue;
            }
            let answer = if refused {
                self.after_setup_refused(index, step, &request, answer)
                    .await?
            } else {
                answer
            };
            let failures = self.judge(index, step, &answer).await?;
            if !failures.is_empty() && settling {
                tokio::time::sleep(SETTLE_PAUSE).await;
                continue;
            }
            return Ok((failures, chosen_status(index, step, &answer)));
        }
    }

    /// A setup step was answered outside its `status`: the check cannot run, and says so rather
    /// than name the deviation it tests. A User create refused for its content is first sent
    /// once more with the attributes servers commonly demand added; when that is accepted, its
    /// answer stands in for the refused one and the check's later creates to the same endpoint
    /// carry the same additions (a duplicate is then the same user again).
    async fn after_setup_refused(
        &self,
        index: usize,
        step: &Step,
        request: &RawRequest,
        refused: Answer,
    ) -> Result<Answer, Halt> {
        let step_number = index + 1;
        let first = Refusal {
            label: refused.label.clone(),
            status: refused.status,
            detail: refused.error_detail(),
        };
        let retried = step.method == Method::Post
            && setup::is_user_create(&request.path)
            && setup::body_refused(refused.status);
        let Some((fuller, added)) = retried.then(|| with_fuller_user(request)).flatten() else {
            return Err(Halt::Error(CheckError::SetupRefused {
                refusal: first,
                step: step_number,
            }));
        };
        self.guard().admit(&fuller)?;
        let answer = self.send(&fuller, &refused.label).await?;
        self.guard().record_answer(&fuller, &answer)?;
        if step.status.contains(&answer.status) {
            lock(&self.fuller_endpoints).insert(endpoint_key(&fuller.path));
            return Ok(answer);
        }
        Err(Halt::Error(CheckError::SetupRefusedTwice(Box::new(
            RefusedTwice {
                second: Refusal {
                    label: refused.label,
                    status: answer.status,
                    detail: answer.error_detail(),
                },
                first,
                added,
                step: step_number,
            },
        ))))
    }

    /// True for a create to an endpoint where this check's setup needed the fuller body.
    fn needs_fuller_body(&self, request: &RawRequest) -> bool {
        request.method == Method::Post
            && lock(&self.fuller_endpoints).contains(&endpoint_key(&request.path))
    }

    /// Sends a request, keeps the exchange (redacted), and reads the answer.
    pub(crate) async fn send(
        &self,
        request: &RawRequest,
        label: &str,
    ) -> Result<Answer, CheckError> {
        let started = Instant::now();
        let result = self.shared.service.send(request).await;
        let elapsed = started.elapsed();
        match result {
            Ok(exchange) => {
                lock(&self.exchanges).push(answer::recorded(&exchange, elapsed));
                Answer::read(&exchange, label)
            }
            Err(error) => {
                lock(&self.exchanges).push(answer::unanswered(request, elapsed));
                Err(CheckError::NoAnswer {
                    label: label.to_owned(),
                    error,
                })
            }
        }
    }

    /// The deviation a failure names: the assertion's message, the check's, or its title.
    fn deviation(&self, assertion: Option<&Assertion>) -> String {
        assertion
            .and_then(|a| a.message.clone())
            .or_else(|| self.check.message.clone())
            .unwrap_or_else(|| self.check.title.clone())
    }

    /// Judges a step's answer: its status, its captures, then its assertions in order.
    async fn judge(
        &self,
        index: usize,
        step: &Step,
        answer: &Answer,
    ) -> Result<Vec<Failure>, Halt> {
        let place = format!("step {}: {}", index + 1, answer.label);
        if step.skip_if_filter_declined && answer.declines_filter() {
            return Err(Halt::Skip(format!(
                "the server declines this filter with 400 invalidFilter, as RFC 7644 Table 9 \
                 allows for an attribute and operator it does not support ({place})"
            )));
        }
        if !step.status.is_empty() && !step.status.contains(&answer.status) {
            let wanted: Vec<String> = step.status.iter().map(u16::to_string).collect();
            let message = format!(
                "{}: expected status {}, got {}{} ({place})",
                self.deviation(None),
                wanted.join(" or "),
                answer.status,
                answer.error_detail()
            );
            return Ok(vec![(self.check.level, message)]);
        }
        if let Some((selector, name)) = capture(step, answer, &self.vars)? {
            let observed =
                format!("the answer has no `{selector}` to capture as `{name}` ({place})");
            let prepares_later_steps = !step.expect.iter().any(|a| a.uses(name));
            if step.setup && prepares_later_steps {
                return Err(Halt::Error(CheckError::SetupUncaptured { observed }));
            }
            let message = format!("{}: {observed}", self.deviation(None));
            return Ok(vec![(self.check.level, message)]);
        }
        let mut failures = Vec::new();
        for assertion in &step.expect {
            let observed = match &assertion.kind {
                AssertionKind::Builtin(called) => {
                    match builtin::evaluate(self, called, answer).await {
                        // What was already observed is a verdict; an untestable rule after it
                        // must not hide it behind a skip.
                        Err(Halt::Skip(_)) if !failures.is_empty() => return Ok(failures),
                        other => other?,
                    }
                }
                other => assert::evaluate(other, answer, &self.vars)?,
            };
            if let Some(observed) = observed {
                failures.push((
                    assertion.level.unwrap_or(self.check.level),
                    format!("{}: {observed} ({place})", self.deviation(Some(assertion))),
                ));
            }
        }
        Ok(failures)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::client::{BoxFuture, ClientError, RawExchange, Request, Response, RetryStats};
    use crate::runner::ledger::NoSink;
    use crate::suite::parse_suite;

    /// A service that answers every request with the same status and body.
    struct Canned(u16, &'static str);

    impl Service for Canned {
        fn send<'a>(
            &'a self,
            request: &'a RawRequest,
        ) -> BoxFuture<'a, Result<RawExchange, ClientError>> {
            let exchange = RawExchange {
                request: Request {
                    method: request.method,
                    url: format!("http://scim.test{}", request.path),
                    verbatim: false,
                    headers: request.headers.clone(),
                    body: request.body.clone(),
                },
                response: Response {
                    status: self.0,
                    headers: vec![("content-type".into(), "application/scim+json".into())],
                    body: self.1.as_bytes().to_vec(),
                    elapsed: Duration::ZERO,
                },
            };
            Box::pin(async move { Ok(exchange) })
        }

        fn base_url(&self) -> String {
            "http://scim.test".to_owned()
        }

        fn retry_stats(&self) -> RetryStats {
            RetryStats::default()
        }
    }

    async fn verdict(service: Canned, steps: &str) -> CheckOutcome {
        let text = format!(
            "[suite]\nname = \"t\"\ntitle = \"T\"\n[[check]]\nid = \"t.c\"\ntitle = \"The title\"\n\
             rfc = \"-\"\nlevel = \"MUST\"\nmessage = \"it is off\"\n{steps}"
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
}
