//! Requests whose request-target goes on the wire byte for byte: what an identity provider writes
//! (Entra's `?filter=userName+eq+"x"`), which an HTTP library would parse and encode again. Like
//! every transport it follows no redirect, retries nothing and adds no credentials.
//!
//! One HTTP/1.1 exchange per connection, over plain TCP or over TLS through rustls with the trust
//! settings of the reqwest transport (`--insecure`, `--cacert`, the system roots, TLS 1.2 at
//! least) and through the same `HTTP(S)_PROXY`/`NO_PROXY` proxies (absolute-form for http,
//! a CONNECT tunnel for https). Like every transport it follows no redirect, retries nothing and
//! adds no credentials: [`ScimClient`](super::ScimClient) does that for both paths alike.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use hyper_util::client::proxy::matcher::Matcher;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::transport::{
    Answer, Method, Request, Response, TransportError, TransportErrorKind, TransportOptions, Url,
    within,
};

/// The largest response head read (status line and header fields).
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// The most header fields an answer may carry.
const MAX_HEADER_FIELDS: usize = 100;

/// Sends requests marked [`Request::verbatim`].
pub(super) struct VerbatimSender {
    connect_timeout: Duration,
    timeout: Duration,
    insecure: bool,
    /// `--cacert` roots, parsed up front so that a bad bundle is reported before any request.
    extra_roots: Vec<CertificateDer<'static>>,
    max_body_bytes: usize,
    /// Built on the first https exchange: reading the system trust store is not free.
    tls: OnceLock<Result<Arc<ClientConfig>, TransportError>>,
    proxies: Matcher,
}

impl fmt::Debug for VerbatimSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerbatimSender")
            .field("insecure", &self.insecure)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Where a verbatim URL goes: scheme, host, port, and the exact request-target.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Destination {
    https: bool,
    host: String,
    port: u16,
    /// `host[:port]` as the URL spells it: the Host header.
    authority: String,
    /// Everything from the path on, byte for byte.
    target: String,
}

impl Destination {
    fn parse(url: &str) -> Result<Destination, TransportError> {
        let invalid = |reason: &str| TransportError {
            kind: TransportErrorKind::Other,
            message: format!("cannot send to `{url}`: {reason}"),
        };
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| invalid("not an absolute URL"))?;
        let https = match scheme.to_ascii_lowercase().as_str() {
            "https" => true,
            "http" => false,
            _ => return Err(invalid("the scheme must be http or https")),
        };
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(split);
        let origin =
            Url::parse(&format!("{scheme}://{authority}/")).map_err(|e| invalid(&e.to_string()))?;
        let host = origin
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| invalid("it has no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let target = match target {
            "" => "/".to_owned(),
            query if query.starts_with('?') => format!("/{query}"),
            path => path.to_owned(),
        };
        Ok(Destination {
            https,
            host,
            port: origin.port_or_known_default().unwrap_or(80),
            authority: authority.to_owned(),
            target,
        })
    }

    fn origin(&self) -> String {
        format!(
            "{}://{}",
            if self.https { "https" } else { "http" },
            self.authority
        )
    }
}

impl VerbatimSender {
    pub(super) fn new(options: &TransportOptions) -> Result<VerbatimSender, TransportError> {
        let extra_roots = extra_roots(options)?;
        Ok(VerbatimSender {
            connect_timeout: options.connect_timeout,
            timeout: options.timeout,
            insecure: options.insecure,
            extra_roots,
            max_body_bytes: options.max_body_bytes,
            tls: OnceLock::new(),
            proxies: Matcher::from_env(),
        })
    }

    /// The same sender with these proxies instead of the environment's.
    #[cfg(test)]
    fn with_proxies(mut self, proxies: Matcher) -> VerbatimSender {
        self.proxies = proxies;
        self
    }

    /// Performs one exchange: the request line is `METHOD TARGET HTTP/1.1` with the URL's path
    /// and query exactly as they are in `request.url`.
    pub(super) async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let destination = Destination::parse(&request.url)?;
        let origin = destination.origin();
        within(self.timeout, &origin, self.exchange(request, &destination)).await
    }

    async fn exchange(
        &self,
        request: &Request,
        destination: &Destination,
    ) -> Result<Answer, TransportError> {
        let proxy = http::Uri::try_from(format!("{}/", destination.origin()))
            .ok()
            .and_then(|uri| self.proxies.intercept(&uri));
        let mut target = destination.target.clone();
        let mut proxy_authorization = None;
        let socket = match &proxy {
            None => self.connect(&destination.host, destination.port).await?,
            Some(intercept) => {
                let via = intercept.uri();
                let host = via.host().unwrap_or_default().trim_matches(['[', ']']);
                let port = via.port_u16().unwrap_or(80);
                if via.scheme_str() == Some("https") {
                    return Err(TransportError {
                        kind: TransportErrorKind::Connect,
                        message: format!(
                            "cannot reach {} through the https:// proxy at {host}: a request \
                             sent byte for byte goes through http:// proxies only",
                            destination.origin()
                        ),
                    });
                }
                let mut socket = self.connect(host, port).await?;
                let credentials = intercept
                    .basic_auth()
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned);
                if destination.https {
                    open_tunnel(&mut socket, destination, credentials.as_deref()).await?;
                } else {
                    target = format!("{}{}", destination.origin(), destination.target);
                    proxy_authorization = credentials;
                }
                socket
            }
        };
        let head = request_head(
            request,
            &target,
            &destination.authority,
            proxy_authorization.as_deref(),
        );
        let reads_no_body = request.method == Method::Head;
        if destination.https {
            let tls = self.tls_config()?;
            let name = server_name(&destination.host)?;
            let stream = tokio_rustls::TlsConnector::from(tls)
                .connect(name, socket)
                .await
                .map_err(|e| TransportError {
                    kind: TransportErrorKind::Tls,
                    message: format!("TLS handshake with {} failed: {e}", destination.host),
                })?;
            self.converse(stream, &head, request, reads_no_body).await
        } else {
            self.converse(socket, &head, request, reads_no_body).await
        }
    }

    async fn connect(&self, host: &str, port: u16) -> Result<TcpStream, TransportError> {
        let failed = |reason: String| TransportError {
            kind: TransportErrorKind::Connect,
            message: format!("cannot connect to {host}:{port}: {reason}"),
        };
        let connecting = TcpStream::connect((host, port));
        let socket = tokio::time::timeout(self.connect_timeout, connecting)
            .await
            .map_err(|_| TransportError {
                kind: TransportErrorKind::Timeout,
                message: format!(
                    "no connection to {host}:{port} within {} s",
                    self.connect_timeout.as_secs_f64()
                ),
            })?
            .map_err(|e| failed(e.to_string()))?;
        socket
            .set_nodelay(true)
            .map_err(|e| failed(e.to_string()))?;
        Ok(socket)
    }

    async fn converse<S>(
        &self,
        mut stream: S,
        head: &[u8],
        request: &Request,
        reads_no_body: bool,
    ) -> Result<Answer, TransportError>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let mut out = head.to_vec();
        out.extend_from_slice(request.body.as_deref().unwrap_or_default());
        stream.write_all(&out).await.map_err(broken)?;
        stream.flush().await.map_err(broken)?;
        let mut incoming = Incoming::new(stream);
        loop {
            let (status, headers) = incoming.head().await?;
            // An interim answer (100 Continue, 103 Early Hints): the real one follows.
            if (100..200).contains(&status) && status != 101 {
                continue;
            }
            let body = if reads_no_body || matches!(status, 101 | 204 | 304) {
                Vec::new()
            } else {
                incoming.body(&headers, self.max_body_bytes).await?
            };
            return Ok((status, headers, body));
        }
    }

    fn tls_config(&self) -> Result<Arc<ClientConfig>, TransportError> {
        self.tls
            .get_or_init(|| self.build_tls_config())
            .as_ref()
            .map(Arc::clone)
            .map_err(Clone::clone)
    }

    fn build_tls_config(&self) -> Result<Arc<ClientConfig>, TransportError> {
        let unusable = |e: rustls::Error| TransportError {
            kind: TransportErrorKind::Tls,
            message: format!("cannot set up TLS: {e}"),
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(unusable)?;
        let mut config = if self.insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth()
        } else {
            builder
                .with_root_certificates(trusted_roots(&self.extra_roots))
                .with_no_client_auth()
        };
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// The `--cacert` certificates of `options`, none without the option.
pub(super) fn extra_roots(
    options: &TransportOptions,
) -> Result<Vec<CertificateDer<'static>>, TransportError> {
    match &options.extra_roots_pem {
        Some(pem) => CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TransportError {
                kind: TransportErrorKind::Tls,
                message: format!("cannot read the CA certificates: {e}"),
            }),
        None => Ok(Vec::new()),
    }
}

/// The roots a verifying exchange trusts: the system's, and the `--cacert` certificates.
pub(super) fn trusted_roots(extra_roots: &[CertificateDer<'static>]) -> RootCertStore {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    roots.add_parsable_certificates(extra_roots.iter().cloned());
    roots
}

fn broken(error: std::io::Error) -> TransportError {
    TransportError {
        kind: TransportErrorKind::Other,
        message: format!("the connection broke: {error}"),
    }
}

fn malformed(reason: impl fmt::Display) -> TransportError {
    TransportError {
        kind: TransportErrorKind::Other,
        message: format!("the answer is not valid HTTP/1.1: {reason}"),
    }
}

fn server_name(host: &str) -> Result<ServerName<'static>, TransportError> {
    ServerName::try_from(host.to_owned()).map_err(|e| TransportError {
        kind: TransportErrorKind::Tls,
        message: format!("`{host}` cannot be checked against a certificate: {e}"),
    })
}

/// The request line and header fields: `Host` first, then the request's fields in their order,
/// then the body's length; one exchange per connection, so `Connection: close`.
fn request_head(
    request: &Request,
    target: &str,
    authority: &str,
    proxy_authorization: Option<&str>,
) -> Vec<u8> {
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nHost: {authority}\r\n",
        request.method
    );
    for (name, value) in &request.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(value) = proxy_authorization {
        head.push_str(&format!("Proxy-Authorization: {value}\r\n"));
    }
    if let Some(body) = &request.body {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    head.into_bytes()
}

/// Asks an HTTP proxy for a tunnel to the destination (RFC 9110 §9.3.6).
async fn open_tunnel(
    socket: &mut TcpStream,
    destination: &Destination,
    proxy_authorization: Option<&str>,
) -> Result<(), TransportError> {
    let address = format!("{}:{}", destination.host, destination.port);
    let address = if destination.host.contains(':') {
        format!("[{}]:{}", destination.host, destination.port)
    } else {
        address
    };
    let mut head = format!("CONNECT {address} HTTP/1.1\r\nHost: {address}\r\n");
    if let Some(value) = proxy_authorization {
        head.push_str(&format!("Proxy-Authorization: {value}\r\n"));
    }
    head.push_str("\r\n");
    socket.write_all(head.as_bytes()).await.map_err(broken)?;
    let mut incoming = Incoming::new(&mut *socket);
    let (status, _) = incoming.head().await?;
    if !(200..300).contains(&status) {
        return Err(TransportError {
            kind: TransportErrorKind::Connect,
            message: format!("the proxy refused a tunnel to {address} with {status}"),
        });
    }
    if !incoming.unread().is_empty() {
        return Err(malformed("the proxy sent bytes before the tunnel opened"));
    }
    Ok(())
}

/// The answer as it arrives: bytes read but not yet used, then the stream.
struct Incoming<S> {
    stream: S,
    buffer: Vec<u8>,
    ended: bool,
}

impl<S: AsyncRead + Unpin> Incoming<S> {
    fn new(stream: S) -> Incoming<S> {
        Incoming {
            stream,
            buffer: Vec::new(),
            ended: false,
        }
    }

    fn unread(&self) -> &[u8] {
        &self.buffer
    }

    /// Reads more; false at the end of the stream.
    async fn fill(&mut self) -> Result<bool, TransportError> {
        if self.ended {
            return Ok(false);
        }
        let mut chunk = [0u8; 16 * 1024];
        let read = match self.stream.read(&mut chunk).await {
            Ok(read) => read,
            // A TLS peer that closes without close_notify: the end, as for any HTTP client.
            Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => 0,
            Err(error) => return Err(broken(error)),
        };
        self.ended = read == 0;
        self.buffer.extend_from_slice(&chunk[..read]);
        Ok(read > 0)
    }

    /// The status and header fields (names lowercased, values lossily decoded).
    async fn head(&mut self) -> Result<(u16, Vec<(String, String)>), TransportError> {
        loop {
            let mut fields = [httparse::EMPTY_HEADER; MAX_HEADER_FIELDS];
            let mut response = httparse::Response::new(&mut fields);
            match response.parse(&self.buffer).map_err(malformed)? {
                httparse::Status::Complete(length) => {
                    let status = response.code.unwrap_or_default();
                    let headers = response
                        .headers
                        .iter()
                        .map(|field| {
                            (
                                field.name.to_ascii_lowercase(),
                                String::from_utf8_lossy(field.value).into_owned(),
                            )
                        })
                        .collect();
                    self.buffer.drain(..length);
                    return Ok((status, headers));
                }
                httparse::Status::Partial if self.buffer.len() > MAX_HEAD_BYTES => {
                    return Err(malformed("the status line and header fields exceed 64 KiB"));
                }
                httparse::Status::Partial => {
                    if !self.fill().await? {
                        return Err(malformed("the connection closed before an answer"));
                    }
                }
            }
        }
    }

    /// The body after a head, delimited as RFC 9112 §6.3 says: chunked, Content-Length, or the
    /// end of the connection.
    async fn body(
        &mut self,
        headers: &[(String, String)],
        limit: usize,
    ) -> Result<Vec<u8>, TransportError> {
        let field = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let chunked = field("transfer-encoding").is_some_and(|value| {
            value
                .rsplit(',')
                .next()
                .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"))
        });
        if chunked {
            return self.chunked_body(limit).await;
        }
        if let Some(length) = field("content-length") {
            let length: usize = length
                .trim()
                .parse()
                .map_err(|_| malformed(format!("Content-Length `{length}`")))?;
            if length > limit {
                return Err(too_large(limit));
            }
            while self.buffer.len() < length {
                if !self.fill().await? {
                    return Err(malformed("the connection closed inside the body"));
                }
            }
            return Ok(self.buffer.drain(..length).collect());
        }
        while self.fill().await? {
            if self.buffer.len() > limit {
                return Err(too_large(limit));
            }
        }
        Ok(std::mem::take(&mut self.buffer))
    }

    async fn chunked_body(&mut self, limit: usize) -> Result<Vec<u8>, TransportError> {
        let mut body = Vec::new();
        loop {
            let line = self.line().await?;
            let size = line.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size, 16)
                .map_err(|_| malformed(format!("chunk size `{size}`")))?;
            if size == 0 {
                while !self.line().await?.is_empty() {}
                return Ok(body);
            }
            if body.len() + size > limit {
                return Err(too_large(limit));
            }
            while self.buffer.len() < size + 2 {
                if !self.fill().await? {
                    return Err(malformed("the connection closed inside a chunk"));
                }
            }
            body.extend(self.buffer.drain(..size));
            if self.buffer.drain(..2).as_slice() != b"\r\n" {
                return Err(malformed("a chunk is not followed by CRLF"));
            }
        }
    }

    /// One CRLF-ended line, without its end.
    async fn line(&mut self) -> Result<String, TransportError> {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&self.buffer[..end]).into_owned();
                self.buffer.drain(..end + 2);
                return Ok(line);
            }
            if self.buffer.len() > MAX_HEAD_BYTES {
                return Err(malformed("a chunk line is longer than 64 KiB"));
            }
            if !self.fill().await? {
                return Err(malformed("the connection closed inside the chunked body"));
            }
        }
    }
}

fn too_large(limit: usize) -> TransportError {
    TransportError {
        kind: TransportErrorKind::BodyTooLarge,
        message: format!(
            "the response body is larger than the {} MiB limit",
            limit / (1024 * 1024)
        ),
    }
}

/// `--insecure`: any certificate is taken, though handshake signatures are still checked.
#[derive(Debug)]
pub(super) struct AnyCertificate(pub(super) Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            signature,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            signature,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use tokio::net::TcpListener;

    use super::*;

    #[test]
    fn a_destination_keeps_the_target_as_written_and_names_host_and_port() {
        let plain = Destination::parse(r#"http://scim.example:8080/v2/Users?filter="x""#).unwrap();
        assert_eq!(
            plain,
            Destination {
                https: false,
                host: "scim.example".to_owned(),
                port: 8080,
                authority: "scim.example:8080".to_owned(),
                target: r#"/v2/Users?filter="x""#.to_owned(),
            }
        );
        let v6 = Destination::parse("https://[::1]/scim").unwrap();
        assert_eq!(
            (v6.host.as_str(), v6.port, v6.authority.as_str()),
            ("::1", 443, "[::1]")
        );
        assert_eq!(Destination::parse("http://h?x=1").unwrap().target, "/?x=1");
        assert!(Destination::parse("ftp://h/x").is_err());
    }

    /// A one-connection fake proxy: it keeps what it reads up to the end of the first head,
    /// writes `answer`, then keeps what follows (a tunnel's first bytes) until the client stops.
    async fn fake_proxy(answer: &'static str) -> (String, tokio::task::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = format!("http://user:pw@{}", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut seen = Vec::new();
            let mut chunk = [0u8; 4096];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut chunk).await {
                    Ok(0) | Err(_) => return seen,
                    Ok(n) => seen.extend_from_slice(&chunk[..n]),
                }
            }
            socket.write_all(answer.as_bytes()).await.expect("answer");
            if let Ok(Ok(n)) =
                tokio::time::timeout(Duration::from_secs(5), socket.read(&mut chunk)).await
            {
                seen.extend_from_slice(&chunk[..n]);
            }
            seen
        });
        (address, task)
    }

    fn get(url: &str) -> Request {
        Request {
            method: Method::Get,
            url: url.to_owned(),
            verbatim: true,
            headers: vec![("accept".to_owned(), "application/scim+json".to_owned())],
            body: None,
        }
    }

    fn sender(proxies: Matcher) -> VerbatimSender {
        let options = TransportOptions {
            timeout: Duration::from_secs(5),
            ..TransportOptions::default()
        };
        VerbatimSender::new(&options)
            .expect("sender")
            .with_proxies(proxies)
    }

    #[tokio::test]
    async fn through_an_http_proxy_the_target_is_absolute_and_the_proxy_gets_its_credentials() {
        let (proxy, seen) =
            fake_proxy("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}").await;
        let answer = sender(Matcher::builder().http(proxy).build())
            .send(&get(
                r#"http://scim.example:8080/v2/Users?filter=userName+eq+"x""#,
            ))
            .await
            .expect("answered through the proxy");
        assert_eq!((answer.status, answer.body.as_slice()), (200, &b"{}"[..]));
        let seen = String::from_utf8(seen.await.expect("proxy")).expect("ASCII");
        assert!(
            seen.starts_with(
                "GET http://scim.example:8080/v2/Users?filter=userName+eq+\"x\" HTTP/1.1\r\n\
                 Host: scim.example:8080\r\n"
            ),
            "{seen}"
        );
        assert!(
            seen.contains("\r\nProxy-Authorization: Basic dXNlcjpwdw==\r\n"),
            "{seen}"
        );
    }

    #[tokio::test]
    async fn an_https_destination_is_reached_through_a_connect_tunnel() {
        let (proxy, seen) = fake_proxy("HTTP/1.1 200 Connection established\r\n\r\n").await;
        let error = sender(Matcher::builder().https(proxy).build())
            .send(&get(r#"https://scim.example/v2/Users?filter="x""#))
            .await
            .expect_err("the fake proxy speaks no TLS");
        assert_eq!(error.kind, TransportErrorKind::Tls, "{error}");
        let seen = seen.await.expect("proxy");
        let head_end = seen
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("head")
            + 4;
        assert_eq!(
            &seen[..head_end],
            b"CONNECT scim.example:443 HTTP/1.1\r\nHost: scim.example:443\r\n\
              Proxy-Authorization: Basic dXNlcjpwdw==\r\n\r\n"
        );
        assert_eq!(
            seen.get(head_end),
            Some(&0x16),
            "a TLS handshake follows the tunnel"
        );
    }

    #[tokio::test]
    async fn a_proxy_that_refuses_the_tunnel_is_a_connection_failure() {
        let (proxy, _) =
            fake_proxy("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
                .await;
        let error = sender(Matcher::builder().https(proxy).build())
            .send(&get("https://scim.example/v2/Users"))
            .await
            .expect_err("refused");
        assert_eq!(error.kind, TransportErrorKind::Connect);
        assert!(error.message.contains("407"), "{error}");
    }
}
