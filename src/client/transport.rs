//! Sending one HTTP request and reading its answer: the [`Transport`] trait, its plain request
//! and response types, and the implementation over the network. A transport never follows
//! redirects, retries or adds credentials: [`ScimClient`](super::ScimClient) does.
//!
//! The network implementations are reqwest's, `plain` (hyper-util's client, for `http://`
//! through no proxy) and, for requests whose request-target must go out byte for byte,
//! `verbatim`; this file is the only place in scimctl that imports reqwest's client. Keeping redirects, retries and credentials in the client puts those rules in one
//! place, and a fake transport in a test sees exactly what would go on the wire.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// URLs, re-exported so that the rest of `client/` needs no reqwest import of its own.
pub use reqwest::Url;

/// A boxed future, so [`Transport`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pub use crate::scim::method::Method;

use super::plain::PlainSender;
use super::verbatim::VerbatimSender;

/// One request, exactly as it goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    /// Absolute URL, already encoded.
    pub url: String,
    /// True when the URL's path and query must reach the server byte for byte, as an identity
    /// provider writes them (raw quotes, `+` for spaces): no URL library parses them again.
    pub verbatim: bool,
    /// Header names and values in sending order.
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Request {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// One answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// Header names (lowercase) and values; values that are not UTF-8 are decoded lossily.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// From sending the request to reading the last byte of the body.
    pub elapsed: Duration,
}

impl Response {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// True for 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// What kind of failure kept an exchange from completing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// No answer within the time limit.
    Timeout,
    /// No connection: refused, reset, unresolvable host.
    Connect,
    /// The TLS handshake failed (untrusted certificate, wrong host name, old protocol).
    Tls,
    /// The connection was closed or reset before the answer was complete: the request may or
    /// may not have been processed.
    Dropped,
    /// The answer's body was larger than the cap.
    BodyTooLarge,
    /// Anything else (a malformed answer, an invalid header).
    Other,
}

/// A failed exchange.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    pub kind: TransportErrorKind,
    /// What happened, with the cause chain, for the user.
    pub message: String,
}

/// Sends one request and returns its answer. Implementations must not follow redirects.
pub trait Transport: Send + Sync {
    /// Performs one exchange.
    fn send(&self, request: Request) -> BoxFuture<'_, Result<Response, TransportError>>;
}

/// How the reqwest transport connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportOptions {
    /// Limit for establishing a connection.
    pub connect_timeout: Duration,
    /// Limit for a whole exchange, body included.
    pub timeout: Duration,
    /// Accept any certificate (`--insecure`).
    pub insecure: bool,
    /// Extra trusted roots, PEM (`--cacert`).
    pub extra_roots_pem: Option<Vec<u8>>,
    /// The largest response body accepted.
    pub max_body_bytes: usize,
}

impl Default for TransportOptions {
    fn default() -> Self {
        TransportOptions {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            insecure: false,
            extra_roots_pem: None,
            max_body_bytes: 64 * 1024 * 1024,
        }
    }
}

/// The transport used outside tests: reqwest over rustls; `http://` requests that no proxy
/// variable concerns on hyper-util's client without reqwest's layers (`plain`); and
/// [`Request::verbatim`] requests over a plain HTTP/1.1 exchange that writes the request-target
/// as it is. Proxies come from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`; TLS 1.2 is the minimum
/// (Entra requires it).
///
/// Reading the system trust store (every file under `/etc/ssl/certs`) costs more than a whole
/// loopback exchange, so it happens on the first exchange that needs TLS, never for `http://`:
/// plain exchanges go through a client that has no roots and cannot verify anyone, which is
/// harmless because it never speaks TLS.
#[derive(Debug)]
pub struct ReqwestTransport {
    settings: ClientSettings,
    /// For `http://` through no proxy or a plain-HTTP proxy.
    plain: OnceLock<Result<reqwest::Client, TransportError>>,
    /// For `https://`, or any URL when the proxy itself is reached over TLS.
    verifying: OnceLock<Result<reqwest::Client, TransportError>>,
    max_body_bytes: usize,
    verbatim: VerbatimSender,
    /// The last URL parsed, as sent and as parsed: an import sends thousands of requests to one
    /// URL, and parsing it (its host above all) costs more than the rest of building a request.
    last_url: Mutex<Option<(String, Url)>>,
    /// For `http://` when no proxy variable is set: hyper-util's client without reqwest's layers.
    direct: OnceLock<PlainSender>,
}

/// What both reqwest clients are built from.
#[derive(Debug)]
struct ClientSettings {
    connect_timeout: Duration,
    timeout: Duration,
    insecure: bool,
    /// `--cacert` roots, parsed up front so that a bad bundle is reported before any request.
    extra_roots: Vec<reqwest::Certificate>,
    /// `HTTP_PROXY`/`ALL_PROXY` names an `https://` proxy: plain URLs need the trust store too.
    plain_proxy_over_tls: bool,
    /// `HTTP_PROXY`/`ALL_PROXY` is set: plain URLs go through reqwest, which reads `NO_PROXY`.
    http_proxied: bool,
}

impl ClientSettings {
    fn build(&self, with_system_roots: bool) -> Result<reqwest::Client, TransportError> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .min_tls_version(reqwest::tls::Version::TLS_1_2)
            .danger_accept_invalid_certs(self.insecure)
            .tls_built_in_root_certs(with_system_roots);
        if with_system_roots {
            for root in &self.extra_roots {
                builder = builder.add_root_certificate(root.clone());
            }
        }
        builder.build().map_err(|e| classify(&e))
    }
}

impl ReqwestTransport {
    /// Builds the transport; fails on an unreadable `--cacert` bundle. Builds no client yet.
    pub fn new(options: &TransportOptions) -> Result<Self, TransportError> {
        let extra_roots = match &options.extra_roots_pem {
            Some(pem) => parse_roots(pem)?,
            None => Vec::new(),
        };
        let http_proxies: Vec<String> = ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
            .iter()
            .filter_map(|name| std::env::var(name).ok())
            .filter(|proxy| !proxy.is_empty())
            .collect();
        let plain_proxy_over_tls = http_proxies.iter().any(|proxy| is_https(proxy));
        Ok(ReqwestTransport {
            settings: ClientSettings {
                connect_timeout: options.connect_timeout,
                timeout: options.timeout,
                insecure: options.insecure,
                extra_roots,
                plain_proxy_over_tls,
                http_proxied: !http_proxies.is_empty(),
            },
            plain: OnceLock::new(),
            verifying: OnceLock::new(),
            max_body_bytes: options.max_body_bytes,
            verbatim: VerbatimSender::new(options)?,
            last_url: Mutex::new(None),
            direct: OnceLock::new(),
        })
    }

    /// `url` parsed, from the last request's when it is the same URL; `None` when it does not
    /// parse (reqwest then reports it as it would any unusable URL).
    fn parsed(&self, url: &str) -> Option<Url> {
        let mut last = self.last_url.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((text, parsed)) = last.as_ref()
            && text == url
        {
            return Some(parsed.clone());
        }
        let parsed = Url::parse(url).ok()?;
        *last = Some((url.to_owned(), parsed.clone()));
        Some(parsed)
    }

    /// The client for `url`, built on first use.
    fn client_for(&self, url: &str) -> Result<&reqwest::Client, TransportError> {
        let verifying = is_https(url) || self.settings.plain_proxy_over_tls;
        let slot = if verifying {
            &self.verifying
        } else {
            &self.plain
        };
        slot.get_or_init(|| self.settings.build(verifying))
            .as_ref()
            .map_err(Clone::clone)
    }

    async fn exchange(&self, request: Request) -> Result<Response, TransportError> {
        if request.verbatim {
            return self.verbatim.send(&request).await;
        }
        if !is_https(&request.url) && !self.settings.http_proxied {
            let direct = self.direct.get_or_init(|| {
                PlainSender::new(
                    self.settings.connect_timeout,
                    self.settings.timeout,
                    self.max_body_bytes,
                )
            });
            return direct.send(request).await;
        }
        let started = Instant::now();
        let method = http_method(request.method);
        let client = self.client_for(&request.url)?;
        let mut builder = match self.parsed(&request.url) {
            Some(url) => client.request(method, url),
            None => client.request(method, &request.url),
        };
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let mut answer = builder.send().await.map_err(|e| classify(&e))?;
        let status = answer.status().as_u16();
        let headers = header_fields(answer.headers());
        let mut body = Vec::new();
        while let Some(chunk) = answer.chunk().await.map_err(|e| classify(&e))? {
            if body.len() + chunk.len() > self.max_body_bytes {
                return Err(body_too_large(self.max_body_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            status,
            headers,
            body,
            elapsed: started.elapsed(),
        })
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: Request) -> BoxFuture<'_, Result<Response, TransportError>> {
        Box::pin(self.exchange(request))
    }
}

/// Whether `url` starts with the `https` scheme (schemes are case-insensitive, RFC 3986 §3.1).
fn is_https(url: &str) -> bool {
    url.get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

/// The certificates of a `--cacert` bundle; at least one is required.
fn parse_roots(pem: &[u8]) -> Result<Vec<reqwest::Certificate>, TransportError> {
    let roots = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| TransportError {
        kind: TransportErrorKind::Tls,
        message: format!("cannot read the CA certificates: {}", cause_chain(&e)),
    })?;
    if roots.is_empty() {
        return Err(TransportError {
            kind: TransportErrorKind::Tls,
            message: "the CA certificate file holds no PEM certificate".to_owned(),
        });
    }
    Ok(roots)
}

/// The error and its causes, joined: reqwest's own message alone ("error sending request") hides
/// the reason ("connection refused", "invalid peer certificate: UnknownIssuer").
pub(super) fn cause_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// Whether a failure's text says the connection went away mid-exchange (hyper's "connection
/// closed before message completed", a reset, a broken pipe), as opposed to a malformed answer.
/// An answer's status, header fields (names lowercased) and body.
pub(super) type Answer = (u16, Vec<(String, String)>, Vec<u8>);

/// The answer `exchange` gives within `timeout`, timed from now, or a timeout error naming
/// `origin`.
pub(super) async fn within(
    timeout: Duration,
    origin: &str,
    exchange: impl Future<Output = Result<Answer, TransportError>>,
) -> Result<Response, TransportError> {
    let started = Instant::now();
    let (status, headers, body) =
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| TransportError {
                kind: TransportErrorKind::Timeout,
                message: format!(
                    "no complete answer from {origin} within {} s",
                    timeout.as_secs_f64()
                ),
            })??;
    Ok(Response {
        status,
        headers,
        body,
        elapsed: started.elapsed(),
    })
}

/// The method as the `http` crate names it (reqwest's and hyper's alike).
pub(super) fn http_method(method: Method) -> http::Method {
    match method {
        Method::Get => http::Method::GET,
        Method::Head => http::Method::HEAD,
        Method::Post => http::Method::POST,
        Method::Put => http::Method::PUT,
        Method::Patch => http::Method::PATCH,
        Method::Delete => http::Method::DELETE,
    }
}

/// An answer's header fields as text (a value that is not UTF-8 is read lossily).
pub(super) fn header_fields(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// An answer whose body goes over `limit` bytes.
pub(super) fn body_too_large(limit: usize) -> TransportError {
    TransportError {
        kind: TransportErrorKind::BodyTooLarge,
        message: format!(
            "the response body is larger than the {} MiB limit",
            limit / (1024 * 1024)
        ),
    }
}

pub(super) fn is_dropped(lower: &str) -> bool {
    [
        "connection closed before message completed",
        "connection reset",
        "broken pipe",
        "unexpected end of file",
    ]
    .iter()
    .any(|sign| lower.contains(sign))
}

fn classify(error: &reqwest::Error) -> TransportError {
    let message = cause_chain(error);
    let lower = message.to_lowercase();
    let kind = if error.is_timeout() {
        TransportErrorKind::Timeout
    } else if ["certificate", "tls", "handshake"]
        .iter()
        .any(|w| lower.contains(w))
    {
        TransportErrorKind::Tls
    } else if error.is_connect() {
        TransportErrorKind::Connect
    } else if is_dropped(&lower) {
        TransportErrorKind::Dropped
    } else {
        TransportErrorKind::Other
    };
    TransportError { kind, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_https_scheme_counts_as_https_in_any_case() {
        assert!(is_https("https://scim.example.com/v2"));
        assert!(is_https("HTTPS://scim.example.com/v2"));
        assert!(!is_https("http://127.0.0.1:8080/scim/v2"));
        assert!(!is_https("https:"));
        assert!(!is_https(""));
    }

    #[test]
    fn a_plain_http_exchange_never_loads_the_system_trust_store() {
        let transport = ReqwestTransport::new(&TransportOptions::default()).expect("transport");
        assert!(transport.plain.get().is_none() && transport.verifying.get().is_none());
        if transport.settings.plain_proxy_over_tls {
            return; // an https:// HTTP_PROXY in this environment rightly needs the roots
        }
        transport
            .client_for("http://127.0.0.1:1/scim/v2/Users/1")
            .expect("plain client");
        assert!(transport.plain.get().is_some());
        assert!(transport.verifying.get().is_none(), "roots were loaded");
    }

    #[test]
    fn a_url_is_parsed_again_only_when_it_changes() {
        let transport = ReqwestTransport::new(&TransportOptions::default()).expect("transport");
        let users = "http://127.0.0.1:1/scim/v2/Users";
        assert_eq!(
            transport.parsed(users).map(String::from).as_deref(),
            Some(users)
        );
        assert_eq!(
            transport.parsed(users).map(String::from).as_deref(),
            Some(users)
        );
        let one = "http://127.0.0.1:1/scim/v2/Users/1?attributes=id";
        assert_eq!(
            transport.parsed(one).map(String::from).as_deref(),
            Some(one)
        );
        assert_eq!(transport.parsed("not a url"), None);
        assert_eq!(
            transport.parsed(users).map(String::from).as_deref(),
            Some(users),
            "a URL that does not parse leaves the last one in place"
        );
    }

    #[test]
    fn an_https_exchange_uses_the_verifying_client() {
        let transport = ReqwestTransport::new(&TransportOptions::default()).expect("transport");
        transport
            .client_for("https://scim.example.com/v2/Users/1")
            .expect("verifying client");
        assert!(transport.verifying.get().is_some());
    }

    #[test]
    fn a_cacert_bundle_without_certificates_is_refused_up_front() {
        let options = TransportOptions {
            extra_roots_pem: Some(b"not a certificate\n".to_vec()),
            ..TransportOptions::default()
        };
        let error = ReqwestTransport::new(&options).expect_err("no certificate");
        assert_eq!(error.kind, TransportErrorKind::Tls);
        assert!(error.message.contains("no PEM certificate"), "{error}");
    }
}
