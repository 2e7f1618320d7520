//! One check run: its steps in order (rendered, guarded, sent, captured, judged), its verdict,
//! then cleanup. It only sequences the parts that live in their own modules; it never prints.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::RunOptions;
use super::answer::{self, Answer};
use super::assert;
use super::builtin::{self, Miss};
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
use crate::findings::{Finding, Location};
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

/// A failed requirement: how much it matters, what to say, and what it is a finding of.
struct Failure {
    level: Level,
    message: String,
    finding: Option<Finding>,
}

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
    let (status, deciding_level, message, finding) = match verdict {
        Verdict::Pass(choices) if choices.is_empty() => {
            (Status::Pass, check.level, "ok".to_owned(), None)
        }
        Verdict::Pass(choices) => (
            Status::Pass,
            check.level,
            format!("ok; the server chose: {}", choices.join("; ")),
            None,
        ),
        Verdict::Fail(failure) => (
            Status::Fail,
            failure.level,
            failure.message,
            failure.finding,
        ),
        Verdict::Warn(failure) => (
            Status::Warn,
            failure.level,
            failure.message,
            failure.finding,
        ),
        Verdict::Skip(reason) => (Status::Skip, check.level, reason, None),
        Verdict::Error(error) => (Status::Error, check.level, error.to_string(), None),
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
        finding,
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

    /// The base URL under test, as the service reports it (secrets redacted).
    pub(crate) fn base_url(&self) -> String {
        self.shared.service.base_url()
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
            if let Some(position) = failures.iter().position(|f| f.level.is_mandatory()) {
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

    /// A miss of `step` (of one of its assertions, or of its status or captures when
    /// `assertion` is `None`): its level, its message (the deviation, what was observed,
    /// where), and what it is a finding of. The kind is the nearest one named: for an
    /// assertion, its own, else the one its built-in observed or its test implies; for a status
    /// or a capture, the step's; else the check's.
    fn failure(
        &self,
        step: &Step,
        assertion: Option<&Assertion>,
        miss: Miss,
        answer: &Answer,
        place: &str,
    ) -> Failure {
        let named = match assertion {
            Some(assertion) => assertion
                .deviation
                .or(miss.deviation)
                .or_else(|| assertion.kind.implied_deviation()),
            None => step.deviation,
        };
        let finding = named.or(self.check.deviation).map(|deviation| {
            Finding::new(
                deviation,
                Location::request(answer.label.clone()),
                &miss.observed,
            )
        });
        Failure {
            level: assertion
                .and_then(|assertion| assertion.level)
                .unwrap_or(self.check.level),
            message: format!("{}: {} ({place})", self.deviation(assertion), miss.observed),
            finding,
        }
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
        if step.skip_if_unsupported && matches!(answer.status, 404 | 405 | 501) {
            return Err(Halt::Skip(format!(
                "the server does not offer this optional operation: it answered {} ({place})",
                answer.status
            )));
        }
        if !step.status.is_empty() && !step.status.contains(&answer.status) {
            let wanted: Vec<String> = step.status.iter().map(u16::to_string).collect();
            let observed = format!(
                "expected status {}, got {}{}",
                wanted.join(" or "),
                answer.status,
                answer.error_detail()
            );
            let miss = Miss::unnamed(observed);
            return Ok(vec![self.failure(step, None, miss, answer, &place)]);
        }
        if let Some((selector, name)) = capture(step, answer, &self.vars)? {
            let observed = format!("the answer has no `{selector}` to capture as `{name}`");
            let prepares_later_steps = !step.expect.iter().any(|a| a.uses(name));
            if step.setup && prepares_later_steps {
                return Err(Halt::Error(CheckError::SetupUncaptured {
                    observed: format!("{observed} ({place})"),
                }));
            }
            let miss = Miss::unnamed(observed);
            return Ok(vec![self.failure(step, None, miss, answer, &place)]);
        }
        let mut failures = Vec::new();
        for assertion in step.expect.iter().filter(|a| a.applies_to(answer.status)) {
            let miss = match &assertion.kind {
                AssertionKind::Builtin(called) => {
                    match builtin::evaluate(self, called, answer).await {
                        // What was already observed is a verdict; an untestable rule after it
                        // must not hide it behind a skip.
                        Err(Halt::Skip(_)) if !failures.is_empty() => return Ok(failures),
                        other => other?,
                    }
                }
                other => assert::evaluate(other, answer, &self.vars)?.map(Miss::unnamed),
            };
            if let Some(miss) = miss {
                failures.push(self.failure(step, Some(assertion), miss, answer, &place));
            }
        }
        Ok(failures)
    }
}

#[cfg(test)]
mod tests;
