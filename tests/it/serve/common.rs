//! A running server plus a small HTTP client for the tests.

use reqwest::Method;
use reqwest::header::HeaderMap;
use scimctl::serve::{Quirk, Quirks, ServeConfig, ServerHandle, spawn};
use serde_json::{Value, json};

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
pub const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// One answer, read completely.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 7644 §3.12 Error with this status (as a string) and scimType.
    pub fn assert_error(&self, status: u16, scim_type: Option<&str>) -> Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        assert_eq!(self.header("content-type"), Some("application/scim+json"));
        let body = self.json();
        assert_eq!(body["schemas"], json!([ERROR]), "{body}");
        assert_eq!(body["status"], json!(status.to_string()), "{body}");
        assert_eq!(
            body.get("scimType").and_then(Value::as_str),
            scim_type,
            "{body}"
        );
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
        body
    }
}

/// A server started for one test; stopped by `stop()` (and by drop if the test fails).
pub struct Harness {
    pub server: ServerHandle,
    pub client: reqwest::Client,
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::with(ServeConfig::default()).await
    }

    pub async fn with_quirks(quirks: &[Quirk]) -> Harness {
        Harness::with(ServeConfig {
            quirks: Quirks::from_list(quirks),
            ..ServeConfig::default()
        })
        .await
    }

    pub async fn with(config: ServeConfig) -> Harness {
        let server = spawn(config).await.expect("server starts");
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .expect("client builds");
        Harness { server, client }
    }

    pub async fn stop(self) {
        self.server.shutdown().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    /// Sends with the right token; `body` goes out as `application/scim+json`.
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(self.server.token());
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        Answer::read(request).await
    }

    /// Sends a prepared request (for odd headers or bodies), token included.
    pub async fn raw(&self, request: reqwest::RequestBuilder) -> Answer {
        Answer::read(request.bearer_auth(self.server.token())).await
    }

    /// Sends a prepared request as is, without the token.
    pub async fn anonymous(&self, request: reqwest::RequestBuilder) -> Answer {
        Answer::read(request).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, operations: Value) -> Answer {
        let body = json!({"schemas": [PATCH_OP], "Operations": operations});
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(Method::DELETE, path, None).await
    }

    /// Creates a user and returns it as the server answered.
    pub async fn user(&self, user_name: &str) -> Value {
        self.user_with(json!({"userName": user_name})).await
    }

    /// Creates a user from the given attributes (`schemas` added).
    pub async fn user_with(&self, attributes: Value) -> Value {
        let mut body = attributes;
        body["schemas"] = json!([USER]);
        let answer = self.post("/Users", body).await;
        assert_eq!(answer.status, 201, "{}", answer.text);
        answer.json()
    }

    /// Creates a group with these member ids.
    pub async fn group(&self, display_name: &str, members: &[&str]) -> Value {
        let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
        let body = json!({"schemas": [GROUP], "displayName": display_name, "members": members});
        let answer = self.post("/Groups", body).await;
        assert_eq!(answer.status, 201, "{}", answer.text);
        answer.json()
    }

    /// The `id`s of a list answer, in order.
    pub async fn ids(&self, path: &str) -> Vec<String> {
        let answer = self.get(path).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        ids_of(&answer.json())
    }
}

impl Answer {
    async fn read(request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.expect("request is answered");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body is read");
        Answer {
            status,
            headers,
            text,
        }
    }
}

/// The ids in a ListResponse's `Resources`.
pub fn ids_of(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|r| r["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A string field of a resource.
pub fn text<'a>(resource: &'a Value, field: &str) -> &'a str {
    resource[field].as_str().unwrap_or_default()
}

/// A plain TCP connection to a server: requests go out byte for byte, as an identity provider
/// writes them (no HTTP library re-encodes the request line), and answers are read as they come.
pub struct Wire {
    stream: tokio::net::TcpStream,
    unread: Vec<u8>,
}

/// One answer read off a [`Wire`].
#[derive(Debug)]
pub struct WireAnswer {
    pub status: u16,
    /// Names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// How long a test waits for the server before it fails.
const WIRE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl Wire {
    pub async fn open(h: &Harness) -> Wire {
        let stream = tokio::net::TcpStream::connect(h.server.addr())
            .await
            .expect("server accepts");
        stream.set_nodelay(true).expect("nodelay");
        Wire {
            stream,
            unread: Vec::new(),
        }
    }

    pub async fn write(&mut self, bytes: &[u8]) {
        use tokio::io::AsyncWriteExt;
        self.stream.write_all(bytes).await.expect("request written");
    }

    /// Reads more bytes; false at the end of the stream.
    async fn fill(&mut self) -> bool {
        use tokio::io::AsyncReadExt;
        let mut chunk = [0u8; 8192];
        let read = tokio::time::timeout(WIRE_WAIT, self.stream.read(&mut chunk))
            .await
            .expect("the server answers in time");
        match read {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.unread.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    /// The next answer: its head, then a body of its Content-Length (what the server sends).
    pub async fn answer(&mut self) -> WireAnswer {
        let head_end = loop {
            if let Some(at) = self.unread.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            assert!(self.fill().await, "the connection closed before an answer");
        };
        let head = String::from_utf8(self.unread.drain(..head_end).collect()).expect("ASCII");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not a status line: {status_line:?}"));
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(name, _)| name == "content-length")
            .map_or(0, |(_, value)| value.parse().expect("a length"));
        while self.unread.len() < length {
            assert!(self.fill().await, "the connection closed inside a body");
        }
        let body = self.unread.drain(..length).collect();
        WireAnswer {
            status,
            headers,
            body,
        }
    }

    /// True when the server has closed the connection (after any answer already read).
    pub async fn is_closed(&mut self) -> bool {
        self.unread.is_empty() && !self.fill().await
    }
}

impl WireAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Asserts a ListResponse with this many results, in `application/scim+json`.
    pub fn assert_list(&self, total: u64) -> Value {
        assert_eq!(self.status, 200, "{}", String::from_utf8_lossy(&self.body));
        assert_eq!(self.header("content-type"), Some("application/scim+json"));
        let body = self.json();
        assert_eq!(
            body["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
        );
        assert_eq!(body["totalResults"], json!(total), "{body}");
        body
    }

    /// Asserts an RFC 7644 §3.12 Error with this status (as a string) and returns its detail.
    pub fn assert_error(&self, status: u16) -> String {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.header("content-type"), Some("application/scim+json"));
        let body = self.json();
        assert_eq!(body["schemas"], json!([ERROR]), "{body}");
        assert_eq!(body["status"], json!(status.to_string()), "{body}");
        let detail = body["detail"].as_str().unwrap_or_default().to_owned();
        assert!(!detail.is_empty(), "{body}");
        detail
    }
}

impl Harness {
    /// `METHOD /scim/v2TARGET HTTP/1.1` with Host and the token, then `fields` (each ending in
    /// CRLF) and the empty line: the target goes out exactly as given.
    pub fn request_head(&self, method: &str, target: &str, fields: &str) -> String {
        format!(
            "{method} /scim/v2{target} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n{fields}\r\n",
            self.server.addr(),
            self.server.token()
        )
    }
}
