//! Plain `http://` exchanges that go through no proxy, on hyper-util's pooled HTTP/1.1 client:
//! an import sends thousands of requests to one server, and reqwest's layers (the URL parsed
//! again for its redirect policy, its retry policy), which this transport never uses, cost a
//! fifth of the import's own work. Like every transport it follows no redirect, retries nothing
//! and adds no credentials.
//!
//! It behaves as the reqwest client does for these exchanges: `TCP_NODELAY`, an `Accept: */*`
//! when the request names none, idle connections kept 90 seconds, the connect and overall time
//! limits, and the cap on the answer's body.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::transport::{
    Answer, Request, Response, TransportError, TransportErrorKind, body_too_large, cause_chain,
    header_fields, http_method, is_dropped, within,
};

/// How long an idle connection is kept for the next request, as reqwest does.
const POOL_IDLE: Duration = Duration::from_secs(90);

/// Sends plain-HTTP requests that no proxy takes.
pub(super) struct PlainSender {
    client: Client<HttpConnector, Full<Bytes>>,
    timeout: Duration,
    max_body_bytes: usize,
}

impl fmt::Debug for PlainSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlainSender")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl PlainSender {
    pub(super) fn new(
        connect_timeout: Duration,
        timeout: Duration,
        max_body_bytes: usize,
    ) -> PlainSender {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(connect_timeout));
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(POOL_IDLE)
            .build(connector);
        PlainSender {
            client,
            timeout,
            max_body_bytes,
        }
    }

    pub(super) async fn send(&self, request: Request) -> Result<Response, TransportError> {
        // `http://host:port`, the URL's first three `/`-separated parts.
        let origin = request.url.split('/').take(3).collect::<Vec<_>>().join("/");
        within(self.timeout, &origin, self.exchange(request)).await
    }

    async fn exchange(&self, request: Request) -> Result<Answer, TransportError> {
        let mut builder = http::Request::builder()
            .method(http_method(request.method))
            .uri(request.url.as_str());
        let mut names_accept = false;
        for (name, value) in &request.headers {
            names_accept |= name.eq_ignore_ascii_case("accept");
            builder = builder.header(name.as_str(), value.as_str());
        }
        if !names_accept {
            builder = builder.header(http::header::ACCEPT, "*/*");
        }
        let body = Full::new(Bytes::from(request.body.unwrap_or_default()));
        let sent = builder.body(body).map_err(|e| TransportError {
            kind: TransportErrorKind::Other,
            message: format!("cannot build the request to {}: {e}", request.url),
        })?;
        let answer = self.client.request(sent).await.map_err(|error| {
            let message = cause_chain(&error);
            let kind = if error.is_connect() {
                TransportErrorKind::Connect
            } else if is_dropped(&message.to_lowercase()) {
                TransportErrorKind::Dropped
            } else {
                TransportErrorKind::Other
            };
            TransportError { kind, message }
        })?;
        let status = answer.status().as_u16();
        let headers = header_fields(answer.headers());
        let mut incoming = answer.into_body();
        let mut body = Vec::new();
        while let Some(frame) = incoming.frame().await {
            let frame = frame.map_err(|error| {
                let message = cause_chain(&error);
                let kind = if is_dropped(&message.to_lowercase()) {
                    TransportErrorKind::Dropped
                } else {
                    TransportErrorKind::Other
                };
                TransportError { kind, message }
            })?;
            if let Ok(chunk) = frame.into_data() {
                if body.len() + chunk.len() > self.max_body_bytes {
                    return Err(body_too_large(self.max_body_bytes));
                }
                body.extend_from_slice(&chunk);
            }
        }
        Ok((status, headers, body))
    }
}
