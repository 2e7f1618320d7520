//! Running one check: rendering its requests, guarding writes, sending, judging the answers,
//! capturing values for later steps, and cleaning up what it created.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::builtin;
use super::ledger::{Ledger, LedgerEntry, Leftover};
use super::outcome::{CheckOutcome, Exchange, Status};
use super::select::{select_path, select_pointer};
use super::setup;
use super::{NAME_PREFIX, RunOptions};
use crate::client::{RawExchange, RawRequest, ScimClient, encode_component};
use crate::redact::is_secret_header;
use crate::scim::resource::get_ci;
use crate::suite::{
    Assertion, AssertionKind, Body, Check, JsonType, Level, Method, Selector, Step, Template,
};

/// Bodies kept in a check's exchanges are cut at this many characters.
const MAX_KEPT_BODY_CHARS: usize = 64 * 1024;

/// Pause between two attempts of a settling step.
const SETTLE_PAUSE: Duration = Duration::from_millis(100);

/// What every check of a run shares.
pub(crate) struct Shared {
    pub client: Arc<ScimClient>,
    pub ledger: Arc<Ledger>,
    pub options: RunOptions,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A verdict before it becomes a [`CheckOutcome`]; a fail or warn carries the level of the
/// assertion that decided it.
enum Verdict {
    Pass,
    Fail(Failure),
    Warn(Failure),
    Skip(String),
    Error(String),
}

/// Why a step stopped before its assertions gave a verdict.
pub(crate) enum Halt {
    /// A runtime error: the server or the suite kept the check from a verdict.
    Error(String),
    /// The rule cannot be tested safely or meaningfully against this server (a built-in found
    /// out from what the server advertises); the check is skipped with this reason.
    Skip(String),
}

impl From<String> for Halt {
    fn from(message: String) -> Halt {
        Halt::Error(message)
    }
}

/// One answer, read for assertions.
pub(crate) struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as JSON; `None` when empty or not JSON.
    pub json: Option<Value>,
    /// What the step sent, for messages: `GET /Users?filter=...`.
    pub label: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A failed assertion: how much it matters and what to say.
type Failure = (Level, String);

/// The state of one check while it runs. Interior mutability keeps every method `&self`, so
/// built-in assertions can send requests while the answer they judge is borrowed.
pub(crate) struct CheckRun<'a> {
    shared: &'a Shared,
    check: &'a Check,
    vars: Mutex<HashMap<String, Value>>,
    /// Values generated for `{{uuid.X}}`/`{{random.X}}`: ids nobody owns, safe to address.
    generated: Mutex<HashSet<String>>,
    exchanges: Mutex<Vec<Exchange>>,
    /// Endpoints (lowercased) where a setup create was accepted only with the fuller body.
    fuller_endpoints: Mutex<HashSet<String>>,
}

pub(crate) fn skipped(check: &Check, suite: &str, reason: String) -> CheckOutcome {
    outcome(
        check,
        suite,
        Verdict::Skip(reason),
        Duration::ZERO,
        Vec::new(),
    )
}

pub(crate) fn errored(check: &Check, suite: &str, reason: String) -> CheckOutcome {
    outcome(
        check,
        suite,
        Verdict::Error(reason),
        Duration::ZERO,
        Vec::new(),
    )
}

fn outcome(
    check: &Check,
    suite: &str,
    verdict: Verdict,
    duration: Duration,
    exchanges: Vec<Exchange>,
) -> CheckOutcome {
    let (status, deciding_level, message) = match verdict {
        Verdict::Pass => (Status::Pass, check.level, "ok".to_owned()),
        Verdict::Fail((level, message)) => (Status::Fail, level, message),
        Verdict::Warn((level, message)) => (Status::Warn, level, message),
        Verdict::Skip(reason) => (Status::Skip, check.level, reason),
        Verdict::Error(message) => (Status::Error, check.level, message),
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
    let run = CheckRun::new(shared, check);
    let timeout = shared.options.check_timeout;
    let verdict = match tokio::time::timeout(timeout, run.execute()).await {
        Ok(verdict) => verdict,
        Err(_) => Verdict::Error(format!(
            "no verdict within {} s (the check's timeout); the server is too slow or stopped answering",
            timeout.as_secs_f64()
        )),
    };
    let problems = match tokio::time::timeout(
        timeout,
        clean_up(&shared.client, &shared.ledger, Some(&check.id)),
    )
    .await
    {
        Ok(problems) => problems,
        Err(_) => vec![format!(
            "{}: cleanup did not finish within {} s; run `scimctl test cleanup`",
            check.id,
            timeout.as_secs_f64()
        )],
    };
    let exchanges = std::mem::take(&mut *lock(&run.exchanges));
    (
        outcome(check, suite, verdict, started.elapsed(), exchanges),
        problems,
    )
}

/// FNV-1a: a stable hash for deriving names and random values from the seed.
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.iter().chain(b"\x00") {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// SplitMix64: spreads a hash into well-mixed bits.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl<'a> CheckRun<'a> {
    fn new(shared: &'a Shared, check: &'a Check) -> Self {
        let run_id = &shared.options.run_id;
        let unique = format!(
            "{NAME_PREFIX}{run_id}-{:08x}",
            fnv(&[check.id.as_bytes()]) as u32
        );
        let vars = HashMap::from([
            ("unique".to_owned(), Value::String(unique)),
            ("run_id".to_owned(), Value::String(run_id.clone())),
        ]);
        CheckRun {
            shared,
            check,
            vars: Mutex::new(vars),
            generated: Mutex::new(HashSet::new()),
            exchanges: Mutex::new(Vec::new()),
            fuller_endpoints: Mutex::new(HashSet::new()),
        }
    }

    async fn execute(&self) -> Verdict {
        let mut warning: Option<Failure> = None;
        for (index, step) in self.check.steps.iter().enumerate() {
            let mut failures = match self.run_step(index, step).await {
                Ok(failures) => failures,
                Err(Halt::Error(error)) => return Verdict::Error(error),
                Err(Halt::Skip(reason)) => {
                    return warning.map_or(Verdict::Skip(reason), Verdict::Warn);
                }
            };
            if let Some(position) = failures.iter().position(|(level, _)| level.is_mandatory()) {
                return Verdict::Fail(failures.swap_remove(position));
            }
            // A SHOULD-level miss goes on, unless it left a capture unset: the steps that need
            // it could only end in an unknown variable, and the miss is the verdict.
            let uncaptured = {
                let vars = lock(&self.vars);
                step.capture
                    .iter()
                    .any(|(name, _)| !vars.contains_key(name))
            };
            let miss = failures.into_iter().next();
            let stop = uncaptured && miss.is_some();
            warning = warning.or(miss);
            if stop {
                break;
            }
        }
        warning.map_or(Verdict::Pass, Verdict::Warn)
    }

    /// The value of a variable, generating `random.X` and `uuid.X` from the seed.
    pub(crate) fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(value) = lock(&self.vars).get(name) {
            return Some(value.clone());
        }
        let seed = self.shared.options.seed.to_le_bytes();
        let base = fnv(&[&seed, self.check.id.as_bytes(), name.as_bytes()]);
        let text = if name.starts_with("random.") {
            format!("{:016x}", mix(base))
        } else if name.starts_with("uuid.") {
            let (high, low) = (mix(base), mix(base ^ 0x5555));
            format!(
                "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
                high >> 32,
                (high >> 16) & 0xffff,
                high & 0x0fff,
                0x8000 | (low >> 48) & 0x3fff,
                low & 0xffff_ffff_ffff
            )
        } else {
            return None;
        };
        lock(&self.generated).insert(text.clone());
        lock(&self.vars).insert(name.to_owned(), Value::String(text.clone()));
        Some(Value::String(text))
    }

    pub(crate) fn render(&self, template: &Template) -> Result<String, String> {
        template.render(|name| self.lookup(name).map(|value| text_of(&value)))
    }

    fn render_path(&self, template: &Template) -> Result<String, String> {
        template.render(|name| {
            self.lookup(name)
                .map(|value| encode_component(&text_of(&value)))
        })
    }

    /// Substitutes the templates inside a JSON value; a string that is one variable takes the
    /// variable's JSON value.
    pub(crate) fn render_json(&self, value: &Value) -> Result<Value, String> {
        Ok(match value {
            Value::String(text) => {
                let template = Template::parse(text).map_err(|(message, _)| message)?;
                match template.sole_variable() {
                    Some(name) => self
                        .lookup(name)
                        .ok_or_else(|| format!("unknown variable `{{{{{name}}}}}`"))?,
                    None => Value::String(self.render(&template)?),
                }
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.render_json(item))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), self.render_json(v)?)))
                    .collect::<Result<Map<_, _>, String>>()?,
            ),
            other => other.clone(),
        })
    }

    fn request(&self, step: &Step) -> Result<RawRequest, String> {
        let mut headers = step
            .headers
            .iter()
            .map(|(name, value)| Ok((name.clone(), self.render(value)?)))
            .collect::<Result<Vec<_>, String>>()?;
        let body = match &step.body {
            None => None,
            Some(Body::Json(value)) => Some(
                serde_json::to_vec(&self.render_json(value)?)
                    .map_err(|e| format!("cannot serialise the body: {e}"))?,
            ),
            Some(Body::Raw(template)) => Some(self.render(template)?.into_bytes()),
        };
        if body.is_some()
            && !headers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        {
            headers.push((
                "Content-Type".to_owned(),
                crate::client::SCIM_MEDIA_TYPE.to_owned(),
            ));
        }
        let target = step
            .target
            .as_ref()
            .map(|target| self.render(target))
            .transpose()?;
        let path = match &target {
            Some(target) => target.split('?').next().unwrap_or_default().to_owned(),
            None => self.render_path(&step.path)?,
        };
        Ok(RawRequest {
            method: step.method,
            path,
            query: step
                .query
                .iter()
                .map(|(name, value)| Ok((name.clone(), self.render(value)?)))
                .collect::<Result<_, String>>()?,
            target,
            headers,
            body,
            credentials: step.auth,
        })
    }

    async fn run_step(&self, index: usize, step: &Step) -> Result<Vec<Failure>, Halt> {
        let mut request = self.request(step)?;
        if self.needs_fuller_body(&request) {
            if let Some((fuller, _)) = fuller_request(&request) {
                request = fuller;
            }
        }
        let label = label(&request);
        if step.writes() {
            self.guard_write(step, &request)?;
        }
        let settle_until =
            (step.settle && !step.writes()).then(|| Instant::now() + self.shared.options.settle);
        loop {
            let answer = self.send(&request, &label).await?;
            if step.writes() {
                self.note_created(&request, &answer)?;
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
            return Ok(failures);
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
        let first = (refused.status, error_detail(&refused));
        let fuller = (step.method == Method::Post
            && setup::is_user_create(&request.path)
            && setup::body_refused(refused.status))
        .then(|| fuller_request(request))
        .flatten();
        let Some((fuller, added)) = fuller else {
            return Err(Halt::Error(setup::refused(
                &refused.label,
                first.0,
                &first.1,
                step_number,
            )));
        };
        self.guard_write(step, &fuller)?;
        let answer = self.send(&fuller, &refused.label).await?;
        self.note_created(&fuller, &answer)?;
        if step.status.contains(&answer.status) {
            lock(&self.fuller_endpoints).insert(endpoint_key(&fuller.path));
            return Ok(answer);
        }
        Err(Halt::Error(setup::refused_twice(
            &refused.label,
            (first.0, &first.1),
            (answer.status, &error_detail(&answer)),
            &added,
            step_number,
        )))
    }

    /// True for a create to an endpoint where this check's setup needed the fuller body.
    fn needs_fuller_body(&self, request: &RawRequest) -> bool {
        request.method == Method::Post
            && lock(&self.fuller_endpoints).contains(&endpoint_key(&request.path))
    }

    /// Sends a request, keeps the exchange (redacted), and reads the answer.
    pub(crate) async fn send(&self, request: &RawRequest, label: &str) -> Result<Answer, String> {
        let started = Instant::now();
        let result = self.shared.client.send_raw(request).await;
        let elapsed = started.elapsed();
        match result {
            Ok(RawExchange { request, response }) => {
                let body_text = String::from_utf8_lossy(&response.body).into_owned();
                lock(&self.exchanges).push(Exchange {
                    method: request.method.to_string(),
                    url: crate::redact::redact_url(&request.url),
                    request_headers: redact_headers(&request.headers),
                    request_body: request
                        .body
                        .as_deref()
                        .map(|b| cut(&String::from_utf8_lossy(b))),
                    status: Some(response.status),
                    response_headers: redact_headers(&response.headers),
                    response_body: (!body_text.is_empty()).then(|| cut(&body_text)),
                    elapsed,
                });
                if response.status == 429 {
                    // The client already waited out every 429 it was allowed to: throttling says
                    // nothing about conformance, so there is no verdict.
                    return Err(format!(
                        "{label}: still 429 Too Many Requests after retrying; no verdict"
                    ));
                }
                let json = serde_json::from_str(&body_text).ok();
                Ok(Answer {
                    status: response.status,
                    headers: response.headers,
                    json,
                    label: label.to_owned(),
                })
            }
            Err(error) => {
                lock(&self.exchanges).push(Exchange {
                    method: request.method.to_string(),
                    url: request.path.clone(),
                    request_headers: Vec::new(),
                    request_body: None,
                    status: None,
                    response_headers: Vec::new(),
                    response_body: None,
                    elapsed,
                });
                Err(format!("no answer to {label}: {error}"))
            }
        }
    }

    /// Refuses writes that could touch data this run did not create, and writes a create to the
    /// ledger before it is sent.
    fn guard_write(&self, step: &Step, request: &RawRequest) -> Result<(), String> {
        let segments: Vec<&str> = request.path.split('/').filter(|s| !s.is_empty()).collect();
        let body: Option<Value> = request
            .body
            .as_deref()
            .and_then(|b| serde_json::from_slice(b).ok());
        match step.method {
            Method::Post
                if segments
                    .last()
                    .is_some_and(|s| s.eq_ignore_ascii_case("Bulk")) =>
            {
                self.guard_bulk(body.as_ref())
            }
            Method::Post => {
                self.announce_create(&format!("/{}", segments.join("/")), body.as_ref())
            }
            _ => {
                let target_ok = match segments.split_last() {
                    Some((id, rest)) if !rest.is_empty() => {
                        let id = percent_decode(id);
                        self.shared
                            .ledger
                            .owns(&format!("/{}", rest.join("/")), &id)
                            || lock(&self.generated).contains(&id)
                    }
                    _ => false,
                };
                if target_ok {
                    Ok(())
                } else {
                    Err(format!(
                        "refusing to send {} {}: a check may change only resources this run \
                         created (capture the id of a create) or ids it generated",
                        request.method, request.path
                    ))
                }
            }
        }
    }

    fn announce_create(&self, endpoint: &str, body: Option<&Value>) -> Result<(), String> {
        let Some(map) = body.and_then(Value::as_object) else {
            return Ok(());
        };
        let named = ["userName", "displayName"].iter().find_map(|attr| {
            get_ci(map, attr)
                .and_then(Value::as_str)
                .map(|n| (*attr, n))
        });
        let Some((name_attr, name)) = named else {
            return Ok(());
        };
        let prefix = format!("{NAME_PREFIX}{}", self.shared.options.run_id);
        if !name.starts_with(&prefix) {
            return Err(format!(
                "refusing to create `{name}`: what a check creates must be named from \
                 `{{{{unique}}}}` (`{prefix}-...`) so that it can be found and removed"
            ));
        }
        self.shared
            .ledger
            .record(LedgerEntry::Create {
                run: self.shared.options.run_id.clone(),
                check: self.check.id.clone(),
                endpoint: endpoint.to_owned(),
                name_attr: name_attr.to_owned(),
                name: name.to_owned(),
            })
            .map_err(|e| format!("cannot write the cleanup ledger, so nothing was sent: {e}"))
    }

    /// A bulk request may create (named from `{{unique}}`) and change only what this run owns.
    fn guard_bulk(&self, body: Option<&Value>) -> Result<(), String> {
        let operations = body
            .and_then(Value::as_object)
            .and_then(|map| get_ci(map, "Operations"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for operation in operations.iter().filter_map(Value::as_object) {
            let method = get_ci(operation, "method")
                .and_then(Value::as_str)
                .unwrap_or("");
            let path = get_ci(operation, "path")
                .and_then(Value::as_str)
                .unwrap_or("");
            if method.eq_ignore_ascii_case("POST") {
                self.announce_create(path, get_ci(operation, "data"))?;
                continue;
            }
            let owned = path.rsplit_once('/').is_some_and(|(endpoint, id)| {
                id.starts_with("bulkId:")
                    || self.shared.ledger.owns(endpoint, id)
                    || lock(&self.generated).contains(id)
            });
            if !owned {
                return Err(format!(
                    "refusing to send a bulk {method} to `{path}`: only resources this run \
                     created may be changed"
                ));
            }
        }
        Ok(())
    }

    /// Records in the ledger what an answer says was created.
    fn note_created(&self, request: &RawRequest, answer: &Answer) -> Result<(), String> {
        if request.method != Method::Post {
            return Ok(());
        }
        if !(200..300).contains(&answer.status) {
            return self.settle_refused_creates(request);
        }
        let mut created = Vec::new();
        if request.path.to_ascii_lowercase().ends_with("/bulk") {
            let operations = answer
                .json
                .as_ref()
                .and_then(Value::as_object)
                .and_then(|m| get_ci(m, "Operations"))
                .and_then(Value::as_array);
            for operation in operations
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
            {
                let is_post = get_ci(operation, "method")
                    .and_then(Value::as_str)
                    .is_some_and(|m| m.eq_ignore_ascii_case("POST"));
                let location = get_ci(operation, "location").and_then(Value::as_str);
                if let (true, Some(location)) = (is_post, location) {
                    let mut parts = location.trim_end_matches('/').rsplitn(3, '/');
                    if let (Some(id), Some(endpoint)) = (parts.next(), parts.next()) {
                        created.push((format!("/{endpoint}"), percent_decode(id)));
                    }
                }
            }
        } else if let Some(id) = answer
            .json
            .as_ref()
            .and_then(Value::as_object)
            .and_then(|m| get_ci(m, "id"))
            .and_then(Value::as_str)
        {
            created.push((request.path.clone(), id.to_owned()));
        }
        for (endpoint, id) in created {
            self.shared
                .ledger
                .record(LedgerEntry::Created {
                    check: self.check.id.clone(),
                    endpoint,
                    id,
                })
                .map_err(|e| format!("cannot write the cleanup ledger: {e}"))?;
        }
        Ok(())
    }

    /// A refused create made nothing: its ledger intents need no cleanup.
    fn settle_refused_creates(&self, request: &RawRequest) -> Result<(), String> {
        let body: Option<Value> = request
            .body
            .as_deref()
            .and_then(|b| serde_json::from_slice(b).ok());
        let Some(map) = body.as_ref().and_then(Value::as_object) else {
            return Ok(());
        };
        let name = ["userName", "displayName"]
            .iter()
            .find_map(|attr| get_ci(map, attr).and_then(Value::as_str));
        let Some(name) = name else {
            return Ok(());
        };
        self.shared
            .ledger
            .record(LedgerEntry::Settled {
                check: self.check.id.clone(),
                endpoint: request.path.clone(),
                name: name.to_owned(),
            })
            .map_err(|e| format!("cannot write the cleanup ledger: {e}"))
    }

    fn deviation(&self, assertion: Option<&Assertion>) -> String {
        assertion
            .and_then(|a| a.message.clone())
            .or_else(|| self.check.message.clone())
            .unwrap_or_else(|| self.check.title.clone())
    }

    async fn judge(
        &self,
        index: usize,
        step: &Step,
        answer: &Answer,
    ) -> Result<Vec<Failure>, Halt> {
        let place = format!("step {}: {}", index + 1, answer.label);
        if step.skip_if_filter_declined && declines_filter(answer) {
            return Err(Halt::Skip(format!(
                "the server declines this filter with 400 invalidFilter, as RFC 7644 Table 9 \
                 allows for an attribute and operator it does not support ({place})"
            )));
        }
        if !step.status.is_empty() && !step.status.contains(&answer.status) {
            let wanted: Vec<String> = step.status.iter().map(u16::to_string).collect();
            let detail = error_detail(answer);
            return Ok(vec![(
                self.check.level,
                format!(
                    "{}: expected status {}, got {}{detail} ({place})",
                    self.deviation(None),
                    wanted.join(" or "),
                    answer.status
                ),
            )]);
        }
        if let Some((selector, name)) = self.capture(step, answer)? {
            let observed =
                format!("the answer has no `{selector}` to capture as `{name}` ({place})");
            let prepares_later_steps = !step.expect.iter().any(|a| a.uses(name));
            if step.setup && prepares_later_steps {
                return Err(Halt::Error(format!(
                    "setup failed: {observed}, so the check could not run"
                )));
            }
            return Ok(vec![(
                self.check.level,
                format!("{}: {observed}", self.deviation(None)),
            )]);
        }
        let mut failures = Vec::new();
        for assertion in &step.expect {
            let observed = match &assertion.kind {
                AssertionKind::Builtin { name, args } => {
                    let args = self.render_json(&Value::Object(args.clone()))?;
                    match builtin::evaluate(self, name, &args, answer).await {
                        // What was already observed is a verdict; an untestable rule after it
                        // must not hide it behind a skip.
                        Err(Halt::Skip(_)) if !failures.is_empty() => return Ok(failures),
                        other => other?,
                    }
                }
                other => self.test(other, answer)?,
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

    /// The value a selector picks, after substituting the variables in it
    /// (`members[value eq "{{user_id}}"]`).
    fn select(&self, answer: &Answer, selector: &Selector) -> Result<Option<Value>, String> {
        let render = |text: &str| {
            Template::parse(text)
                .map_err(|(message, _)| message)
                .and_then(|template| self.render(&template))
        };
        let resolved = match selector {
            Selector::Header(name) => Selector::Header(name.clone()),
            Selector::Pointer(pointer) => Selector::Pointer(render(pointer)?),
            Selector::Path(path) => Selector::Path(render(path)?),
        };
        Ok(select_value(answer, &resolved))
    }

    /// `None` when the assertion holds, else what was observed instead.
    fn test(&self, kind: &AssertionKind, answer: &Answer) -> Result<Option<String>, String> {
        let header = |name: &str| answer.header(name);
        Ok(match kind {
            AssertionKind::HeaderPresent { name, present } => {
                match (header(name).is_some(), present) {
                    (true, false) => Some(format!("header {name} is present, expected none")),
                    (false, true) => Some(format!("no {name} header")),
                    _ => None,
                }
            }
            AssertionKind::HeaderEquals { name, value } => {
                let wanted = self.render(value)?;
                match header(name) {
                    Some(found) if found == wanted => None,
                    Some(found) => Some(format!("header {name} is `{found}`, expected `{wanted}`")),
                    None => Some(format!("no {name} header, expected `{wanted}`")),
                }
            }
            AssertionKind::HeaderNotEquals { name, value } => {
                let unwanted = self.render(value)?;
                match header(name) {
                    Some(found) if found == unwanted => {
                        Some(format!("header {name} is still `{found}`"))
                    }
                    Some(_) => None,
                    None => Some(format!("no {name} header")),
                }
            }
            AssertionKind::HeaderContains { name, value } => {
                let wanted = self.render(value)?;
                match header(name) {
                    Some(found) if found.contains(&wanted) => None,
                    Some(found) => Some(format!(
                        "header {name} is `{found}`, expected it to contain `{wanted}`"
                    )),
                    None => Some(format!("no {name} header")),
                }
            }
            AssertionKind::MediaType { name, media_type } => match header(name) {
                Some(found)
                    if found
                        .split(';')
                        .next()
                        .is_some_and(|t| t.trim().eq_ignore_ascii_case(media_type)) =>
                {
                    None
                }
                Some(found) => Some(format!("{name} is `{found}`, expected {media_type}")),
                None => Some(format!("no {name} header, expected {media_type}")),
            },
            AssertionKind::Equals { selector, value } => {
                let wanted = self.render_json(value)?;
                match self.select(answer, selector)? {
                    Some(found) if found == wanted => None,
                    Some(found) => Some(format!(
                        "`{selector}` is {}, expected {}",
                        show(&found),
                        show(&wanted)
                    )),
                    None => Some(format!("no `{selector}`, expected {}", show(&wanted))),
                }
            }
            AssertionKind::NotEquals { selector, value } => {
                let unwanted = self.render_json(value)?;
                match self.select(answer, selector)? {
                    Some(found) if found == unwanted => {
                        Some(format!("`{selector}` is still {}", show(&found)))
                    }
                    Some(_) => None,
                    None => Some(format!("no `{selector}`")),
                }
            }
            AssertionKind::IsNot { selector, value } => {
                let unwanted = self.render_json(value)?;
                self.select(answer, selector)?
                    .filter(|found| *found == unwanted)
                    .map(|found| format!("`{selector}` is {}", show(&found)))
            }
            AssertionKind::EqualsCi { selector, value } => {
                let wanted = self.render(value)?;
                match self.select(answer, selector)? {
                    Some(Value::String(found)) if found.to_lowercase() == wanted.to_lowercase() => {
                        None
                    }
                    Some(found) => Some(format!(
                        "`{selector}` is {}, expected \"{wanted}\" in any case",
                        show(&found)
                    )),
                    None => Some(format!("no `{selector}`, expected \"{wanted}\"")),
                }
            }
            AssertionKind::Exists { selector, exists } => {
                match (self.select(answer, selector)?, exists) {
                    (Some(found), false) => {
                        Some(format!("`{selector}` is {}, expected none", show(&found)))
                    }
                    (None, true) => Some(format!("no `{selector}`")),
                    _ => None,
                }
            }
            AssertionKind::Type {
                selector,
                json_type,
            } => match self.select(answer, selector)? {
                Some(found) if json_type.admits(&found) => None,
                Some(found) => Some(format!(
                    "`{selector}` is {} ({}), expected a JSON {}",
                    show(&found),
                    JsonType::of(&found).as_str(),
                    json_type.as_str()
                )),
                None if *json_type == JsonType::Null => None,
                None => Some(format!(
                    "no `{selector}`, expected a JSON {}",
                    json_type.as_str()
                )),
            },
            AssertionKind::Count { selector, count } => match self.select(answer, selector)? {
                Some(Value::Array(items)) if items.len() == *count => None,
                Some(Value::Array(items)) => Some(format!(
                    "`{selector}` has {} element(s), expected {count}",
                    items.len()
                )),
                None if *count == 0 => None,
                None => Some(format!("no `{selector}`, expected {count} element(s)")),
                Some(found) => Some(format!("`{selector}` is {}, not a list", show(&found))),
            },
            AssertionKind::Contains { selector, value } => {
                let wanted = self.render_json(value)?;
                match (self.select(answer, selector)?, &wanted) {
                    (Some(Value::Array(items)), _) if items.contains(&wanted) => None,
                    (Some(Value::String(found)), Value::String(part)) if found.contains(part) => {
                        None
                    }
                    (Some(found), _) => Some(format!(
                        "`{selector}` is {}, expected it to contain {}",
                        show(&found),
                        show(&wanted)
                    )),
                    (None, _) => Some(format!(
                        "no `{selector}`, expected it to contain {}",
                        show(&wanted)
                    )),
                }
            }
            AssertionKind::Builtin { .. } => None,
        })
    }

    /// Sets the step's captures (before its assertions, which may use them). Returns the first
    /// one the answer lacks, as its selector and variable: what follows cannot run without it.
    fn capture<'s>(
        &self,
        step: &'s Step,
        answer: &Answer,
    ) -> Result<Option<(&'s Selector, &'s str)>, String> {
        for (name, selector) in &step.capture {
            match self.select(answer, selector)? {
                Some(value) => {
                    lock(&self.vars).insert(name.clone(), value);
                }
                None => return Ok(Some((selector, name))),
            }
        }
        Ok(None)
    }
}

/// The selected value, owned (a header becomes a JSON string).
fn select_value(answer: &Answer, selector: &Selector) -> Option<Value> {
    match selector {
        Selector::Header(name) => answer.header(name).map(|v| Value::String(v.to_owned())),
        Selector::Pointer(pointer) => answer
            .json
            .as_ref()
            .and_then(|body| select_pointer(body, pointer))
            .cloned(),
        Selector::Path(path) => answer
            .json
            .as_ref()
            .and_then(|body| select_path(body, path))
            .cloned(),
    }
}

/// `GET /Users?filter=userName eq "x"`: what a step sent, readable.
pub(crate) fn label(request: &RawRequest) -> String {
    if let Some(target) = &request.target {
        return format!("{} {target}", request.method);
    }
    let query: Vec<String> = request
        .query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if query.is_empty() {
        format!("{} {}", request.method, request.path)
    } else {
        format!("{} {}?{}", request.method, request.path, query.join("&"))
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Compact JSON, cut to a readable length.
pub(crate) fn show(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 120 {
        format!("{}...", text.chars().take(117).collect::<String>())
    } else {
        text
    }
}

fn cut(text: &str) -> String {
    if text.len() > MAX_KEPT_BODY_CHARS {
        let mut end = MAX_KEPT_BODY_CHARS;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}... (cut)", &text[..end])
    } else {
        text.to_owned()
    }
}

fn redact_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let shown = if is_secret_header(name) {
                "(redacted)".to_owned()
            } else {
                value.clone()
            };
            (name.clone(), shown)
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Deletes what the ledger says is left (of one check, or all), newest first, and confirms each
/// deletion with a GET answered 404. Returns one line per resource that could not be removed.
pub async fn clean_up(client: &ScimClient, ledger: &Ledger, check: Option<&str>) -> Vec<String> {
    let mut problems = Vec::new();
    let leftovers: Vec<Leftover> = ledger
        .leftovers()
        .into_iter()
        .rev()
        .filter(|l| check.is_none_or(|c| l.check() == c))
        .collect();
    for leftover in leftovers {
        let targets = match &leftover {
            Leftover::Id { endpoint, id, .. } => vec![(endpoint.clone(), id.clone())],
            Leftover::Named {
                check,
                endpoint,
                name_attr,
                name,
            } => match find_by_name(client, endpoint, name_attr, name).await {
                Ok(ids) => {
                    // Found ids are tracked before the name is settled, so a failed DELETE
                    // still leaves them in the ledger.
                    let found = ids.iter().map(|id| LedgerEntry::Created {
                        check: check.clone(),
                        endpoint: endpoint.clone(),
                        id: id.clone(),
                    });
                    let settled = LedgerEntry::Settled {
                        check: check.clone(),
                        endpoint: endpoint.clone(),
                        name: name.clone(),
                    };
                    for entry in found.chain([settled]) {
                        if let Err(e) = ledger.record(entry) {
                            problems.push(format!("cannot write the cleanup ledger: {e}"));
                        }
                    }
                    ids.into_iter().map(|id| (endpoint.clone(), id)).collect()
                }
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            },
        };
        for (endpoint, id) in targets {
            if let Err(problem) = delete_and_confirm(client, ledger, &endpoint, &id).await {
                problems.push(problem);
            }
        }
    }
    problems
}

fn plain(method: Method, path: String, query: Vec<(String, String)>) -> RawRequest {
    RawRequest {
        method,
        path,
        query,
        target: None,
        headers: Vec::new(),
        body: None,
        credentials: true,
    }
}

/// Ids of resources named exactly `name` (always carrying the run prefix).
async fn find_by_name(
    client: &ScimClient,
    endpoint: &str,
    name_attr: &str,
    name: &str,
) -> Result<Vec<String>, String> {
    if !name.starts_with(NAME_PREFIX) {
        return Ok(Vec::new());
    }
    let quoted = Value::String(name.to_owned()).to_string();
    let request = plain(
        Method::Get,
        endpoint.to_owned(),
        vec![("filter".to_owned(), format!("{name_attr} eq {quoted}"))],
    );
    let exchange = client
        .send_raw(&request)
        .await
        .map_err(|e| format!("cannot look for `{name}` in {endpoint}: {e}"))?;
    let body: Value = serde_json::from_slice(&exchange.response.body).unwrap_or(Value::Null);
    let resources = body
        .as_object()
        .and_then(|m| get_ci(m, "Resources"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(resources
        .iter()
        .filter_map(Value::as_object)
        .filter(|r| get_ci(r, name_attr).and_then(Value::as_str) == Some(name))
        .filter_map(|r| get_ci(r, "id").and_then(Value::as_str).map(str::to_owned))
        .collect())
}

async fn delete_and_confirm(
    client: &ScimClient,
    ledger: &Ledger,
    endpoint: &str,
    id: &str,
) -> Result<(), String> {
    let path = format!("{endpoint}/{}", encode_component(id));
    let failed = |e: crate::client::ClientError| format!("cannot delete {path}: {e}");
    client
        .send_raw(&plain(Method::Delete, path.clone(), Vec::new()))
        .await
        .map_err(failed)?;
    let check = client
        .send_raw(&plain(Method::Get, path.clone(), Vec::new()))
        .await
        .map_err(failed)?;
    if check.response.status != 404 {
        return Err(format!(
            "{path} is still there after DELETE (GET answers {})",
            check.response.status
        ));
    }
    ledger
        .record(LedgerEntry::Deleted {
            endpoint: endpoint.to_owned(),
            id: id.to_owned(),
        })
        .map_err(|e| format!("deleted {path}, but cannot write the ledger: {e}"))
}

/// ` ("the detail")` of a SCIM Error answer, on one line; empty when it has none.
fn error_detail(answer: &Answer) -> String {
    answer
        .json
        .as_ref()
        .and_then(Value::as_object)
        .and_then(|m| get_ci(m, "detail"))
        .and_then(Value::as_str)
        .map(|d| format!(" (\"{}\")", crate::text::one_line(d)))
        .unwrap_or_default()
}

/// The request with a fuller User body ([`setup::fuller_user`]) and what was added; `None` when
/// its body is not JSON or lacks nothing.
fn fuller_request(request: &RawRequest) -> Option<(RawRequest, Vec<&'static str>)> {
    let body: Value = serde_json::from_slice(request.body.as_deref()?).ok()?;
    let (fuller, added) = setup::fuller_user(&body)?;
    let bytes = serde_json::to_vec(&fuller).ok()?;
    Some((
        RawRequest {
            body: Some(bytes),
            ..request.clone()
        },
        added,
    ))
}

/// An endpoint as compared for [`CheckRun::needs_fuller_body`]: lowercased, no trailing `/`.
fn endpoint_key(path: &str) -> String {
    path.trim_end_matches('/').to_ascii_lowercase()
}

/// A 400 SCIM Error whose `scimType` is `invalidFilter`.
fn declines_filter(answer: &Answer) -> bool {
    answer.status == 400
        && answer
            .json
            .as_ref()
            .and_then(Value::as_object)
            .and_then(|error| get_ci(error, "scimType"))
            .and_then(Value::as_str)
            .is_some_and(|kind| kind.eq_ignore_ascii_case("invalidFilter"))
}
