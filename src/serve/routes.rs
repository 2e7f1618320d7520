//! The HTTP edge (axum): the refusals of `wire`, latency, rate-limit and drop-connections
//! quirks, bearer authentication, the base path, request media types, bounded body reading and
//! JSON decoding, then one call into [`Server::handle`]. Every answer, including axum-level
//! failures and request heads `wire` refused, is a SCIM Error in `application/scim+json`: there
//! is a single fallback handler and no extractor that could reject on its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::serve::IncomingStream;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::Value;

use crate::scim::method::Method;
use crate::scim::model::{ScimError, ScimType};
use crate::serve::api::{ApiRequest, Reply, Server};
use crate::serve::faults::{Severable, Severance, SeveringListener};
use crate::serve::query::QueryPairs;
use crate::serve::quirks::Quirks;
use crate::serve::wire::{Doorway, WireListener, WireStream};

/// The two spellings of the base path; `/scim/v2` is the one printed.
const BASE_PATHS: [&str; 2] = ["/scim/v2", "/scim"];

/// Shared by every connection.
#[derive(Debug)]
pub(crate) struct Edge {
    pub server: Server,
    pub token: String,
    pub requests: AtomicU64,
    /// Requests counted by the `drop-connections` quirk.
    pub dropped_count: AtomicU64,
}

/// What the handler knows of the connection a request came on: the wire's verdicts on its
/// request heads, and the switch that cuts it (thrown by the `drop-connections` quirk only).
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    doorway: Doorway,
    severance: Severance,
}

impl Connected<IncomingStream<'_, SeveringListener<WireListener>>> for Connection {
    fn connect_info(stream: IncomingStream<'_, SeveringListener<WireListener>>) -> Connection {
        let io: &Severable<WireStream> = stream.io();
        Connection {
            doorway: io.inner().doorway().clone(),
            severance: io.severance(),
        }
    }
}

/// The router: one fallback handler that sees every request.
pub(crate) fn router(edge: Arc<Edge>) -> Router {
    Router::new().fallback(handle).with_state(edge)
}

async fn handle(State(edge): State<Arc<Edge>>, request: Request) -> Response {
    let quirks = edge.server.quirks();
    let connection = request
        .extensions()
        .get::<ConnectInfo<Connection>>()
        .map(|ConnectInfo(connection)| connection.clone());
    let refusal = connection
        .as_ref()
        .and_then(|connection| connection.doorway.next_refusal());
    if let Some(refusal) = refusal {
        let error = ScimError::status(refusal.status, refusal.detail);
        return respond(Reply::error(&error, quirks), quirks.content_type());
    }
    if let Some(delay) = quirks.latency {
        tokio::time::sleep(delay).await;
    }
    let reply = match admit(&edge, &request) {
        Err(reply) => reply,
        Ok(()) => match process(&edge.server, request).await {
            Ok(reply) => reply,
            Err(error) => Reply::error(&error, quirks),
        },
    };
    if let (Some(every), Some(connection)) = (quirks.drop_connections_every, connection) {
        // The request was read and applied: cutting now leaves the client not knowing.
        let seen = edge.dropped_count.fetch_add(1, Ordering::Relaxed) + 1;
        if seen % u64::from(every) == 0 {
            connection.severance.cut();
        }
    }
    respond(reply, quirks.content_type())
}

/// What the `require-user-agent` quirk answers, as a web application firewall would.
const FIREWALL_PAGE: &str =
    "<html><body><h1>403 Forbidden</h1><p>Request blocked.</p></body></html>";

/// The user-agent and rate-limit quirks, then bearer authentication (RFC 7644 §2).
fn admit(edge: &Edge, request: &Request) -> Result<(), Reply> {
    let headers = request.headers();
    let quirks = edge.server.quirks();
    if quirks.require_user_agent && !headers.contains_key(header::USER_AGENT) {
        return Err(Reply {
            status: 403,
            body: Some(FIREWALL_PAGE.to_owned()),
            headers: vec![("content-type", "text/html".to_owned())],
        });
    }
    if let Some(every) = quirks.rate_limit_every {
        let seen = edge.requests.fetch_add(1, Ordering::Relaxed) + 1;
        if seen % u64::from(every) == 0 {
            let error = ScimError::status(429, "too many requests; retry after 1 second");
            let mut reply = Reply::error(&error, quirks);
            reply.headers.push(("retry-after", "1".into()));
            return Err(reply);
        }
    }
    if quirks.no_auth {
        return Ok(());
    }
    let full_path = request.uri().path();
    let below_base = BASE_PATHS
        .iter()
        .find_map(|base| full_path.strip_prefix(base))
        .unwrap_or(full_path);
    if quirks.admits_anyone(request.method() == axum::http::Method::GET, below_base) {
        return Ok(());
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
        .map(|(_, token)| token.trim());
    match presented {
        Some(token) if token == edge.token => Ok(()),
        Some(_) => Err(Reply::error(
            &ScimError::status(401, "the bearer token is not valid"),
            quirks,
        )),
        None if quirks.admits_anonymous(
            request.method() == axum::http::Method::POST,
            request.uri().path(),
        ) =>
        {
            Ok(())
        }
        None => Err(Reply::error(
            &ScimError::status(
                401,
                "authentication required: send Authorization: Bearer TOKEN",
            ),
            quirks,
        )),
    }
}

async fn process(server: &Server, request: Request) -> Result<Reply, ScimError> {
    let (parts, body) = request.into_parts();
    let full_path = parts.uri.path();
    let path = BASE_PATHS
        .iter()
        .find_map(|base| {
            let rest = full_path.strip_prefix(base)?;
            (rest.is_empty() || rest.starts_with('/')).then_some(rest)
        })
        .ok_or_else(|| {
            ScimError::status(
                404,
                format!("no endpoint at `{full_path}`; the base URL ends in /scim/v2"),
            )
        })?;
    let method = Method::from_wire(parts.method.as_str());
    let body = if method.is_some_and(Method::has_body) {
        check_media_type(&parts.headers, server.quirks())?;
        let bytes = read_body_apart(body, body_limit(server, path)).await?;
        parse_json(&bytes)?
    } else {
        None
    };
    let text = |name| {
        parts
            .headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    Ok(server.handle(ApiRequest {
        method,
        path,
        query: QueryPairs::parse(parts.uri.query().unwrap_or(""))?,
        body,
        if_match: text(header::IF_MATCH),
        if_none_match: text(header::IF_NONE_MATCH),
    }))
}

/// JSON bodies only: `application/scim+json` (RFC 7644 §8.1), `application/json` (which §3.8
/// says servers SHOULD accept), any other `+json` type, or no Content-Type at all. Anything
/// else is 415, because parsing a form or text as JSON would only produce a confusing 400.
fn check_media_type(headers: &HeaderMap, quirks: &Quirks) -> Result<(), ScimError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let text = value.to_str().unwrap_or("");
    let essence = text
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let json = essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"));
    if json && !quirks.refuses_media_type(&essence) {
        return Ok(());
    }
    Err(ScimError::status(
        415,
        format!("unsupported Content-Type `{text}`: send application/scim+json"),
    ))
}

/// `maxPayloadSize`; under `ignore-bulk-limits`, bulk requests may be eight times larger.
fn body_limit(server: &Server, path: &str) -> usize {
    let limit = server.limits().max_payload_size;
    let bulk = path.trim_matches('/').eq_ignore_ascii_case("Bulk");
    if bulk && server.quirks().ignore_bulk_limits {
        limit.saturating_mul(8)
    } else {
        limit
    }
}

/// [`read_body`] on a task of its own. Taking a chunk from hyper's body channel wakes the
/// connection task. Woken inside its own poll, the connection task counts as yielding, and
/// tokio's multi-thread scheduler then wakes an idle worker: per request with a body, a futex
/// call and an event-fd write, and now and then the connection moving to the other core.
/// Woken by another task on the same worker, it just becomes that worker's next task. A
/// client that hangs up leaves the reader to finish on its own, within `limit`.
async fn read_body_apart(body: Body, limit: usize) -> Result<Bytes, ScimError> {
    tokio::spawn(read_body(body, limit))
        .await
        .unwrap_or_else(|error| {
            Err(ScimError::typed(
                ScimType::InvalidSyntax,
                format!("the body could not be read: {error}"),
            ))
        })
}

async fn read_body(body: Body, limit: usize) -> Result<Bytes, ScimError> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => Err(ScimError::status(
            413,
            format!("the body exceeds maxPayloadSize ({limit} bytes)"),
        )),
        Err(error) => Err(ScimError::typed(
            ScimType::InvalidSyntax,
            format!("the body could not be read: {error}"),
        )),
    }
}

/// An empty body is no body; anything else must be UTF-8 JSON (RFC 7644 §3.8).
fn parse_json(bytes: &[u8]) -> Result<Option<Value>, ScimError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if let Err(error) = std::str::from_utf8(bytes) {
        return Err(ScimError::typed(
            ScimType::InvalidSyntax,
            format!("the body is not valid UTF-8 (byte {})", error.valid_up_to()),
        ));
    }
    serde_json::from_slice(bytes).map(Some).map_err(|error| {
        ScimError::typed(
            ScimType::InvalidSyntax,
            format!("the body is not valid JSON: {error}"),
        )
    })
}

fn respond(reply: Reply, content_type: &'static str) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let has_body = reply.body.is_some();
    let mut response = Response::new(reply.body.map_or_else(Body::empty, Body::from));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if has_body {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    for (name, value) in reply.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}
