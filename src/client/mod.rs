//! The HTTP edge of scimctl: [`ScimClient`] sends SCIM requests with the right headers and
//! credentials, retries what may be retried, follows redirects safely, records every exchange
//! for `-v`/`--curl`/`--har`, and turns failures into one-line errors with exit codes. It never
//! prints except through the [`Recorder`]'s sink.
//!
//! This module is the only one that talks HTTP, and `transport.rs` the only file that imports
//! reqwest. It may use `scim`, `redact`, `text` and `exit`. The only files it touches are its
//! own owner-only caches (OAuth tokens, discovery documents) in the directory it is given.

mod auth;
pub mod discovery;
mod error;
pub mod inspect;
pub mod ops;
pub mod paging;
mod plain;
mod recorder;
mod retry;
mod transport;
mod url;
mod verbatim;

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use serde_json::Value;

pub(crate) use crate::hash::stable_hash;
pub use auth::{Credentials, OAuthClient};
pub use discovery::{DEFAULT_TTL, Discovery, DiscoveryCache, discover};
pub use error::{ClientError, FailureBody, HttpFailure, classify_failure, reason_phrase};
pub use ops::{Fetched, ListQuery, LookupError, Projection, SortOrder, equals_filter};
pub use paging::{PagingSummary, StopReason};
pub use recorder::{Recorder, RecorderOptions};
pub use retry::{Decision, Failure, RetryPolicy, parse_retry_after};
pub use transport::{
    BoxFuture, Method, Request, ReqwestTransport, Response, Transport, TransportError,
    TransportErrorKind, TransportOptions, Url,
};
pub use url::{
    RedirectRefused, UrlError, encode_component, endpoint, parse_base, redirect_step, same_origin,
};

use crate::redact::{Secret, is_secret_header};
use crate::text::one_line;
use auth::Authenticator;

pub use crate::scim::model::SCIM_MEDIA_TYPE;

/// Redirects followed at most, for one request.
const MAX_REDIRECTS: usize = 5;

/// Everything needed to talk to one SCIM service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// The SCIM base URL; may carry a query (`?aadOptscim062020`) that every request keeps.
    pub base_url: String,
    pub credentials: Credentials,
    /// Extra headers (`-H`, `--as` dialect headers), sent with every request; they replace
    /// defaults of the same name. A `Content-Type` goes only with requests that have a body.
    pub headers: Vec<(String, String)>,
    pub transport: TransportOptions,
    pub retry: RetryPolicy,
}

/// What retrying has cost so far, for a closing summary: the number of 429s and the total
/// wait explain a slow run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryStats {
    /// 429 answers received.
    pub throttled: u64,
    /// Requests sent again.
    pub retries: u64,
    /// Time spent waiting before retries.
    pub waited: Duration,
}

#[derive(Debug, Default)]
struct RetryCounters {
    throttled: AtomicU64,
    retries: AtomicU64,
    waited_ms: AtomicU64,
}

/// A SCIM service client. Cheap to share by reference between concurrent requests.
pub struct ScimClient {
    base: Url,
    transport: Box<dyn Transport>,
    auth: Authenticator,
    headers: Vec<(String, String)>,
    retry: RetryPolicy,
    recorder: Recorder,
    user_agent: String,
    counters: RetryCounters,
}

impl std::fmt::Debug for ScimClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimClient")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

/// A request for [`ScimClient::send_raw`]: what a conformance check sends, verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRequest {
    pub method: Method,
    /// The path below the base URL, already percent-encoded, such as `/Users/2819c223`.
    pub path: String,
    /// Query parameters, encoded on sending, after any query the base URL carries.
    pub query: Vec<(String, String)>,
    /// The request-target below the base URL exactly as an identity provider writes it
    /// (`/Users?filter=userName+eq+"x"`), sent byte for byte instead of `path` and `query`
    /// (which then only describe it), after the base URL's own path and query.
    pub target: Option<String>,
    /// Headers that replace the defaults of the same name (`Content-Type`, `Accept`, `If-Match`);
    /// an empty value sends no header of that name (`User-Agent`).
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// False to send the request without credentials (the 401 checks).
    pub credentials: bool,
}

/// What [`ScimClient::send_raw`] sent (credentials included: redact before showing) and got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawExchange {
    pub request: Request,
    pub response: Response,
}

/// An answer, and whether getting it left the base URL's origin.
struct Delivered {
    response: Response,
    label: String,
    left_origin: bool,
}

impl ScimClient {
    /// A client over the real network (reqwest).
    ///
    /// Fails on an unusable `--cacert` bundle (a usage error: nothing was sent).
    pub fn new(options: ClientOptions, recorder: Recorder) -> Result<Self, ClientError> {
        let transport = ReqwestTransport::new(&options.transport)
            .map_err(|error| ClientError::Usage(format!("cannot set up TLS: {error}")))?;
        ScimClient::with_transport(options, Box::new(transport), recorder)
    }

    /// A client over any transport (tests, replay).
    pub fn with_transport(
        options: ClientOptions,
        transport: Box<dyn Transport>,
        recorder: Recorder,
    ) -> Result<Self, ClientError> {
        let base =
            url::parse_base(&options.base_url).map_err(|e| ClientError::Usage(e.to_string()))?;
        for (name, value) in &options.headers {
            check_header(name, value)?;
            if is_secret_header(name) {
                recorder.remember_secret(&Secret::new(value.clone()));
            }
        }
        for secret in options.credentials.secrets() {
            recorder.remember_secret(secret);
        }
        if options.transport.insecure {
            recorder.warning(
                "TLS certificate verification is off (--insecure): anyone on the network path can \
                 read and change this traffic, credentials included",
            );
        }
        Ok(ScimClient {
            base,
            transport,
            auth: Authenticator::new(options.credentials),
            headers: options.headers,
            retry: options.retry,
            recorder,
            user_agent: format!("scimctl/{}", env!("CARGO_PKG_VERSION")),
            counters: RetryCounters::default(),
        })
    }

    /// The base URL, with token-like query parameters redacted (for reports).
    pub fn base_url(&self) -> String {
        crate::redact::redact_url(self.base.as_str())
    }

    /// Replaces the retry policy: a long batch (`import`) is more patient than one command.
    pub fn set_retry_policy(&mut self, retry: RetryPolicy) {
        self.retry = retry;
    }

    /// The exchange log (for writing the HAR file at the end).
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// What retrying has cost since the client was built.
    pub fn retry_stats(&self) -> RetryStats {
        RetryStats {
            throttled: self.counters.throttled.load(Ordering::Relaxed),
            retries: self.counters.retries.load(Ordering::Relaxed),
            waited: Duration::from_millis(self.counters.waited_ms.load(Ordering::Relaxed)),
        }
    }

    /// Sends one request over the transport, recording it for `-v`, `--curl` and `--har`.
    async fn transmit(&self, request: &Request, label: &str) -> Result<Response, ClientError> {
        self.recorder.request_sent(request);
        let started = SystemTime::now();
        let outcome = self.transport.send(request.clone()).await;
        self.recorder.exchange(request, outcome.as_ref(), started);
        outcome.map_err(|error| ClientError::Transport {
            label: label.to_owned(),
            error,
            retry_note: None,
        })
    }

    /// Sends `method` to `segments` below the base URL (each segment encoded on its own, so an
    /// id is always one segment) with `query` appended, and `body` as SCIM JSON.
    ///
    /// Returns the answer when it is 2xx (or 304); anything else becomes a [`ClientError`].
    /// 429 is retried for every method, 5xx and timeouts only for idempotent requests
    /// (GET, HEAD, PUT, DELETE, `POST .../.search`; RFC 7644 §3.4.3 makes search safe), and a
    /// 404 to a retried DELETE is success. GET and HEAD follow redirects; credentials never
    /// leave the base URL's origin.
    pub async fn send(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Response, ClientError> {
        self.send_with_headers(method, segments, query, body, &[])
            .await
    }

    /// [`send`](Self::send) with headers for this request only (`If-Match`), which replace
    /// defaults and `-H` headers of the same name.
    pub async fn send_with_headers(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&Value>,
        extra_headers: &[(&str, &str)],
    ) -> Result<Response, ClientError> {
        for (name, value) in extra_headers {
            check_header(name, value)?;
        }
        let usage = |e: UrlError| ClientError::Usage(e.to_string());
        let url = url::endpoint(&self.base, segments, query).map_err(usage)?;
        let label = format!("{method} {}", url::relative_path(segments).map_err(usage)?);
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| ClientError::Usage(format!("cannot serialise the request body: {e}")))?;
        let idempotent = is_idempotent(method, segments.last() == Some(&".search"));
        let mut attempts = 0;
        let mut renewed_token = false;
        loop {
            attempts += 1;
            let outcome = self
                .send_following_redirects(method, &url, body.as_deref(), extra_headers, &label)
                .await;
            let (failure, what) = match &outcome {
                Ok(delivered) => {
                    let status = delivered.response.status;
                    if status == 401
                        && self.auth.renews_tokens()
                        && !renewed_token
                        && !delivered.left_origin
                    {
                        self.recorder.verbose_warning(&format!(
                            "{label}: 401 with a cached OAuth token; fetching a new one"
                        ));
                        self.auth.forget_token().await;
                        renewed_token = true;
                        attempts -= 1;
                        continue;
                    }
                    if method == Method::Delete && status == 404 && attempts > 1 {
                        // The attempt that failed on our side did delete it.
                        self.recorder.verbose_warning(&format!(
                            "{label}: 404 after a retried DELETE; the earlier attempt deleted it"
                        ));
                        return outcome.map(|d| d.response);
                    }
                    if status == 429 {
                        self.counters.throttled.fetch_add(1, Ordering::Relaxed);
                    } else if status < 500 {
                        return self.accept(method, outcome);
                    }
                    let retry_after = delivered.response.header("retry-after");
                    (
                        Failure::Status {
                            status,
                            retry_after,
                        },
                        status.to_string(),
                    )
                }
                Err(ClientError::Transport { error, .. }) => match error.kind {
                    TransportErrorKind::Timeout => (Failure::Timeout, "timeout".to_owned()),
                    TransportErrorKind::Connect => {
                        (Failure::Connect, "connection failure".to_owned())
                    }
                    TransportErrorKind::Dropped => {
                        (Failure::Connect, "connection lost mid-request".to_owned())
                    }
                    _ => return outcome.map(|d| d.response),
                },
                Err(_) => return outcome.map(|d| d.response),
            };
            match self
                .retry
                .decide(attempts, idempotent, failure, SystemTime::now(), jitter())
            {
                Decision::Retry(wait) => self.wait_to_retry(&label, &what, wait, attempts).await,
                Decision::GiveUp(note) => return self.give_up(method, &label, outcome, note),
            }
        }
    }

    /// Notes a retry, counts it and its wait, and waits.
    async fn wait_to_retry(&self, label: &str, what: &str, wait: Duration, attempts: u32) {
        self.recorder.verbose_warning(&format!(
            "{label}: {what}; retrying in {} ms (attempt {} of {})",
            wait.as_millis(),
            attempts + 1,
            self.retry.max_attempts
        ));
        self.counters.retries.fetch_add(1, Ordering::Relaxed);
        let waited_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
        self.counters
            .waited_ms
            .fetch_add(waited_ms, Ordering::Relaxed);
        tokio::time::sleep(wait).await;
    }

    /// The last attempt's outcome once retrying stops, with why it stopped (`note`): on the
    /// transport error, or noted before the answer is judged.
    fn give_up(
        &self,
        method: Method,
        label: &str,
        outcome: Result<Delivered, ClientError>,
        note: Option<String>,
    ) -> Result<Response, ClientError> {
        match outcome {
            Err(ClientError::Transport { label, error, .. }) => Err(ClientError::Transport {
                label,
                error,
                retry_note: note,
            }),
            other => {
                if let Some(note) = note {
                    self.recorder.verbose_warning(&format!("{label}: {note}"));
                }
                self.accept(method, other)
            }
        }
    }

    /// [`send`](Self::send), then the body as JSON: `None` for an empty body (a 204), an error for
    /// a body that is not JSON.
    pub async fn send_json(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Option<Value>, ClientError> {
        let response = self.send(method, segments, query, body).await?;
        response_json(&response, method, segments)
    }

    /// Sends a request exactly as a conformance check wrote it and returns whatever came back,
    /// 4xx and 5xx included: the caller judges the answer. Credentials are added unless
    /// `raw.credentials` is false; a 429 is waited out (honouring `Retry-After`) and counted, so
    /// throttling never reaches the caller as an answer. An idempotent request whose connection
    /// is lost before any answer is sent once more: servers (Express after a 5xx) close a
    /// keep-alive connection without saying so, and the next request on it is lost, which
    /// RFC 9112 §9.3.1 lets a client recover from. Nothing else is retried and redirects are not
    /// followed (a check wants to see them).
    ///
    /// With a `target`, the request line carries it byte for byte (over HTTP/1.1, whatever the
    /// server offers), and every rule above applies the same.
    pub async fn send_raw(&self, raw: &RawRequest) -> Result<RawExchange, ClientError> {
        let usage = |e: UrlError| ClientError::Usage(e.to_string());
        let (url, label) = match &raw.target {
            Some(target) => (
                url::verbatim_url(&self.base, target).map_err(usage)?,
                format!("{} {target}", raw.method),
            ),
            None => (
                url::endpoint_with_path(&self.base, &raw.path, &raw.query)
                    .map_err(usage)?
                    .to_string(),
                format!("{} {}", raw.method, raw.path),
            ),
        };
        let verbatim = raw.target.is_some();
        for (name, value) in &raw.headers {
            check_header(name, value)?;
        }
        let headers: Vec<(&str, &str)> = raw
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        let idempotent = is_idempotent(raw.method, raw.path.ends_with("/.search"));
        let mut resent_after_lost_connection = false;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let request = self
                .build_request(
                    raw.method,
                    (&url, verbatim),
                    raw.body.as_deref(),
                    &headers,
                    raw.credentials,
                )
                .await?;
            let response = match self.transmit(&request, &label).await {
                Err(ClientError::Transport { error, .. })
                    if error.kind == TransportErrorKind::Dropped
                        && idempotent
                        && !resent_after_lost_connection =>
                {
                    self.recorder.verbose_warning(&format!(
                        "{label}: {error}; sending it again on a new connection"
                    ));
                    resent_after_lost_connection = true;
                    attempts -= 1;
                    continue;
                }
                outcome => outcome?,
            };
            if response.status != 429 {
                return Ok(RawExchange { request, response });
            }
            self.counters.throttled.fetch_add(1, Ordering::Relaxed);
            let failure = Failure::Status {
                status: 429,
                retry_after: response.header("retry-after"),
            };
            match self
                .retry
                .decide(attempts, true, failure, SystemTime::now(), jitter())
            {
                Decision::Retry(wait) => {
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    let waited_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                    self.counters
                        .waited_ms
                        .fetch_add(waited_ms, Ordering::Relaxed);
                    tokio::time::sleep(wait).await;
                }
                Decision::GiveUp(_) => return Ok(RawExchange { request, response }),
            }
        }
    }

    /// Judges a final answer: success (noting tolerated deviations at `-v`) or a classified
    /// failure.
    fn accept(
        &self,
        method: Method,
        outcome: Result<Delivered, ClientError>,
    ) -> Result<Response, ClientError> {
        let Delivered {
            response, label, ..
        } = outcome?;
        let warn = |what: &str| {
            self.recorder
                .verbose_warning(&format!("{label}: {what} (tolerated)"))
        };
        if response.is_success() || response.status == 304 {
            if let Some(body) = error::non_json_page(&response) {
                return Err(ClientError::Http(HttpFailure {
                    status: response.status,
                    label,
                    body,
                }));
            }
            if error::has_content(&response.body) {
                match response.header("content-type").map(str::to_ascii_lowercase) {
                    None => warn("the answer has a body but no Content-Type"),
                    Some(ct) if ct.starts_with(SCIM_MEDIA_TYPE) => {}
                    Some(ct) if ct.starts_with("application/json") => warn(
                        "Content-Type is application/json, not application/scim+json (RFC 7644 §8.1)",
                    ),
                    Some(ct) => warn(&format!("unexpected Content-Type `{}`", one_line(&ct))),
                }
            }
            if response.status == 204 && matches!(method, Method::Put | Method::Patch) {
                warn(&format!(
                    "204 No Content to {method}: the server did not return the resource"
                ));
            }
            return Ok(response);
        }
        let failure = classify_failure(&label, &response);
        if let FailureBody::Scim {
            numeric_status: true,
            ..
        } = failure.body
        {
            warn("the Error's `status` is a number, not a string (RFC 7644 §3.12)");
        }
        Err(ClientError::Http(failure))
    }

    /// One logical exchange: GET and HEAD follow up to [`MAX_REDIRECTS`] redirects; writes never
    /// do. Credentials go only to the base URL's origin; https never
    /// downgrades to http.
    async fn send_following_redirects(
        &self,
        method: Method,
        url: &Url,
        body: Option<&[u8]>,
        extra_headers: &[(&str, &str)],
        label: &str,
    ) -> Result<Delivered, ClientError> {
        let mut current = url.clone();
        let mut with_credentials = true;
        let original_label = label;
        let mut label = label.to_owned();
        for hop in 0..=MAX_REDIRECTS {
            let request = self
                .build_request(
                    method,
                    (current.as_str(), false),
                    body,
                    extra_headers,
                    with_credentials,
                )
                .await?;
            let response = self.transmit(&request, &label).await?;
            let location = response.header("location").map(str::to_owned);
            let redirect = matches!(response.status, 301 | 302 | 303 | 307 | 308);
            let (Some(location), true, true) = (
                location,
                redirect,
                matches!(method, Method::Get | Method::Head),
            ) else {
                return Ok(Delivered {
                    response,
                    label,
                    left_origin: !with_credentials,
                });
            };
            if hop == MAX_REDIRECTS {
                break;
            }
            let target = url::redirect_step(&current, &location).map_err(|refused| {
                ClientError::Redirect {
                    label: label.clone(),
                    reason: refused.to_string(),
                }
            })?;
            with_credentials = url::same_origin(&self.base, &target);
            if !with_credentials {
                self.recorder.verbose_warning(&format!(
                    "{label}: redirected to another origin ({}); credentials are not sent there",
                    target.origin().ascii_serialization()
                ));
            }
            current = target;
            label = format!(
                "{original_label}, redirected to {}",
                one_line(&crate::redact::redact_url(current.as_str()))
            );
        }
        Err(ClientError::Redirect {
            label,
            reason: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    /// The request with default headers, `-H` headers and, for the base origin, credentials.
    /// `url` is the absolute URL and whether its path and query go out byte for byte.
    async fn build_request(
        &self,
        method: Method,
        (url, verbatim): (&str, bool),
        body: Option<&[u8]>,
        extra_headers: &[(&str, &str)],
        with_credentials: bool,
    ) -> Result<Request, ClientError> {
        let mut headers = vec![
            ("accept".to_owned(), SCIM_MEDIA_TYPE.to_owned()),
            ("user-agent".to_owned(), self.user_agent.clone()),
        ];
        if body.is_some() {
            headers.push(("content-type".to_owned(), SCIM_MEDIA_TYPE.to_owned()));
        }
        if with_credentials {
            let authorization = self
                .auth
                .header(self.transport.as_ref(), &self.recorder, &self.user_agent)
                .await?;
            if let Some(value) = authorization {
                headers.push(("authorization".to_owned(), value.expose().to_owned()));
            }
        }
        for (name, value) in &self.headers {
            let skipped = (!with_credentials && is_secret_header(name))
                || (body.is_none() && name.eq_ignore_ascii_case("content-type"));
            if skipped {
                continue;
            }
            headers.retain(|(existing, _)| !existing.eq_ignore_ascii_case(name));
            headers.push((name.clone(), value.clone()));
        }
        // An empty value leaves the header out: a check can send a request without a
        // User-Agent, as Entra's probes arrive.
        for (name, value) in extra_headers {
            headers.retain(|(existing, _)| !existing.eq_ignore_ascii_case(name));
            if !value.is_empty() {
                headers.push(((*name).to_owned(), (*value).to_owned()));
            }
        }
        Ok(Request {
            method,
            url: url.to_owned(),
            verbatim,
            headers,
            body: body.map(<[u8]>::to_vec),
        })
    }
}

/// The body of a successful answer as JSON: `None` for an empty body (a 204), an error for a
/// body that is not JSON.
pub(crate) fn response_json(
    response: &Response,
    method: Method,
    segments: &[&str],
) -> Result<Option<Value>, ClientError> {
    if !error::has_content(&response.body) {
        return Ok(None);
    }
    serde_json::from_slice(&response.body)
        .map(Some)
        .map_err(|e| ClientError::InvalidBody {
            label: format!(
                "{method} {}",
                url::relative_path(segments).unwrap_or_default()
            ),
            reason: format!(
                "the {} answer is not JSON ({e}): \"{}\"",
                response.status,
                one_line(&String::from_utf8_lossy(&response.body))
            ),
        })
}

/// Whether sending `method` twice has the effect of sending it once (RFC 9110 §9.2.2); a
/// search is a query however it is sent (RFC 7644 §3.4.3).
fn is_idempotent(method: Method, search: bool) -> bool {
    matches!(
        method,
        Method::Get | Method::Head | Method::Put | Method::Delete
    ) || (method == Method::Post && search)
}

/// Refuses a header that could not be sent or would smuggle another one (RFC 9110 §5.1, §5.5).
fn check_header(name: &str, value: &str) -> Result<(), ClientError> {
    let token_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token_char) {
        return Err(ClientError::Usage(format!(
            "invalid header name `{}`",
            one_line(name)
        )));
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(ClientError::Usage(format!(
            "the value of header `{name}` contains a control character (a line break?)"
        )));
    }
    Ok(())
}

/// A number in `[0, 1)` for backoff jitter. std's hasher keys are random per process and change
/// on every `RandomState`, which is all the randomness a backoff needs.
fn jitter() -> f64 {
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
        >> 11;
    bits as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_in_the_unit_interval() {
        for _ in 0..1000 {
            let value = jitter();
            assert!((0.0..1.0).contains(&value), "{value}");
        }
    }

    #[test]
    fn headers_that_would_break_the_request_are_refused() {
        assert!(check_header("X-Tenant", "acme").is_ok());
        assert!(check_header("X Tenant", "acme").is_err());
        assert!(check_header("", "acme").is_err());
        assert!(check_header("X-Tenant", "acme\r\nX-Evil: 1").is_err());
    }
}
