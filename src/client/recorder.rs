//! The exchange log behind `-v`, `-vv`, `-vvv`, `--curl` and `--har`. It shows nothing
//! unredacted and never chooses where the log goes: the caller gives it a sink.
//!
//! Every exchange the client makes passes through the [`Recorder`], which writes what the
//! verbosity asks for to a sink (stderr in the binary, a buffer in tests) and keeps HAR 1.2
//! entries when asked. Everything it shows is redacted first: credential headers and fields by
//! name ([`crate::redact`]), and every credential value the process holds, wherever it appears.
//! Server text is escaped before it reaches the sink.

use std::io::{self, Write};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use serde_json::{Value, json};

use super::error::reason_phrase;
use super::transport::{Request, Response, TransportError};
use crate::redact::{
    KnownSecrets, REDACTED, Secret, is_secret_header, redact_form, redact_json, redact_url,
};
use crate::text::{Lines, for_terminal};

/// Bodies longer than this are cut in the `-vvv` log (the HAR file keeps them whole).
const MAX_LOGGED_BODY_CHARS: usize = 64 * 1024;

/// What to show and keep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecorderOptions {
    /// 0 quiet; 1 method, URL, status and time (and tolerated deviations); 2 adds headers;
    /// 3 adds bodies.
    pub verbosity: u8,
    /// Print each request as an equivalent curl command before sending it.
    pub curl: bool,
    /// Keep every exchange for a HAR file.
    pub har: bool,
}

/// The exchange log. Shared by concurrent requests; each exchange is written in one piece.
pub struct Recorder {
    options: RecorderOptions,
    sink: Mutex<Box<dyn Write + Send>>,
    secrets: Mutex<KnownSecrets>,
    entries: Mutex<Vec<Value>>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Locks a mutex even if a panicking thread poisoned it: the log is still usable.
fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Recorder {
    /// A recorder writing to `sink` (stderr in the binary).
    pub fn new(options: RecorderOptions, sink: Box<dyn Write + Send>) -> Self {
        Recorder {
            options,
            sink: Mutex::new(sink),
            secrets: Mutex::new(KnownSecrets::default()),
            entries: Mutex::new(Vec::new()),
        }
    }

    /// A recorder that shows and keeps nothing.
    pub fn quiet() -> Self {
        Recorder::new(RecorderOptions::default(), Box::new(io::sink()))
    }

    /// Remembers a credential value so that it is scrubbed from everything shown or kept.
    pub fn remember_secret(&self, secret: &Secret) {
        lock(&self.secrets).add(secret);
    }

    /// A warning shown whatever the verbosity (e.g. `--insecure`).
    pub fn warning(&self, message: &str) {
        self.write_lines(&format!("warning: {}\n", self.scrub(message)));
    }

    /// A warning shown from `-v` on: a tolerated deviation, a retry.
    pub fn verbose_warning(&self, message: &str) {
        if self.options.verbosity >= 1 {
            self.warning(message);
        }
    }

    /// Called just before a request goes out: prints it as a curl command under `--curl`.
    pub fn request_sent(&self, request: &Request) {
        if self.options.curl {
            let command = self.curl_command(request);
            self.write_lines(&format!("{command}\n"));
        }
    }

    /// Called when an exchange has ended, in an answer or a failure.
    pub fn exchange(
        &self,
        request: &Request,
        outcome: Result<&Response, &TransportError>,
        started: SystemTime,
    ) {
        if self.options.verbosity >= 1 {
            let log = self.log_lines(request, outcome);
            self.write_lines(&log);
        }
        if self.options.har {
            let entry = self.har_entry(request, outcome, started);
            lock(&self.entries).push(entry);
        }
    }

    /// The HAR 1.2 document of every exchange recorded so far.
    pub fn har(&self) -> Value {
        let entries = lock(&self.entries).clone();
        json!({
            "log": {
                "version": "1.2",
                "creator": {"name": "scimctl", "version": env!("CARGO_PKG_VERSION")},
                "pages": [],
                "entries": entries,
            }
        })
    }

    /// Writes the HAR document (`--har FILE`).
    pub fn write_har(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &self.har())?;
        out.write_all(b"\n")?;
        out.flush()
    }

    fn write_lines(&self, text: &str) {
        let mut sink = lock(&self.sink);
        // A log that cannot be written (stderr closed) must not fail the request it describes.
        let _ = sink.write_all(text.as_bytes()).and_then(|()| sink.flush());
    }

    fn scrub(&self, text: &str) -> String {
        lock(&self.secrets).scrub(text)
    }

    fn shown_url(&self, url: &str) -> String {
        self.scrub(&redact_url(url))
    }

    fn shown_headers(&self, headers: &[(String, String)]) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(name, value)| {
                let value = if is_secret_header(name) {
                    REDACTED.to_owned()
                } else {
                    self.scrub(value)
                };
                (name.clone(), value)
            })
            .collect()
    }

    /// The body as text with every secret masked: JSON by field, forms by field, and any known
    /// credential value anywhere.
    fn shown_body(&self, headers: &[(String, String)], body: &[u8], pretty: bool) -> String {
        let text = String::from_utf8_lossy(body);
        let content_type = content_type(headers);
        let masked = match serde_json::from_str::<Value>(&text) {
            Ok(mut json) => {
                redact_json(&mut json);
                let rendered = if pretty {
                    serde_json::to_string_pretty(&json)
                } else {
                    serde_json::to_string(&json)
                };
                rendered.unwrap_or_else(|_| text.into_owned())
            }
            Err(_) if content_type.starts_with("application/x-www-form-urlencoded") => {
                redact_form(&text)
            }
            Err(_) => text.into_owned(),
        };
        self.scrub(&masked)
    }

    fn log_lines(&self, request: &Request, outcome: Result<&Response, &TransportError>) -> String {
        let verbosity = self.options.verbosity;
        let url = for_terminal(&self.shown_url(&request.url), Lines::Escape, 2000);
        let mut out = match outcome {
            Ok(response) => format!(
                "{} {url} -> {} {} ({} ms)\n",
                request.method,
                response.status,
                reason_phrase(response.status),
                response.elapsed.as_millis()
            ),
            Err(error) => format!(
                "{} {url} -> failed: {}\n",
                request.method,
                for_terminal(&self.scrub(&error.message), Lines::Escape, 500)
            ),
        };
        if verbosity < 2 {
            return out;
        }
        let mut section = |marker: &str, headers: &[(String, String)], body: Option<&[u8]>| {
            for (name, value) in self.shown_headers(headers) {
                out.push_str(&format!(
                    "  {marker} {name}: {}\n",
                    for_terminal(&value, Lines::Escape, 2000)
                ));
            }
            if let Some(body) = body.filter(|b| verbosity >= 3 && !b.is_empty()) {
                let shown = for_terminal(
                    &self.shown_body(headers, body, true),
                    Lines::Keep,
                    MAX_LOGGED_BODY_CHARS,
                );
                for line in shown.lines() {
                    out.push_str(&format!("  {marker} {line}\n"));
                }
            }
        };
        section(">", &request.headers, request.body.as_deref());
        if let Ok(response) = outcome {
            section("<", &response.headers, Some(&response.body));
        }
        out
    }

    /// An equivalent curl command. Credentials are never printed: a bearer token becomes
    /// `$SCIMCTL_TOKEN` and Basic credentials `$SCIMCTL_BASIC`, so the command works once the
    /// variable is set; other credential headers show `(redacted)`.
    fn curl_command(&self, request: &Request) -> String {
        let mut parts = vec!["curl".to_owned()];
        match request.method {
            super::Method::Get => {}
            super::Method::Head => parts.push("--head".to_owned()),
            method => parts.push(format!("-X {method}")),
        }
        if request.verbatim {
            // curl would read `[...]` and `{...}` as URL globs; the target goes as it is.
            parts.push("--globoff --http1.1".to_owned());
        }
        parts.push(shell_quote(&self.shown_url(&request.url)));
        for (name, value) in &request.headers {
            if name.eq_ignore_ascii_case("authorization") {
                let scheme = value.split_whitespace().next().unwrap_or_default();
                if scheme.eq_ignore_ascii_case("basic") {
                    parts.push("-u \"$SCIMCTL_BASIC\"".to_owned());
                } else {
                    parts.push(format!(
                        "-H \"{name}: {} $SCIMCTL_TOKEN\"",
                        shell_safe_word(scheme)
                    ));
                }
            } else if is_secret_header(name) {
                parts.push(format!(
                    "-H {}",
                    shell_quote(&format!("{name}: {REDACTED}"))
                ));
            } else {
                parts.push(format!(
                    "-H {}",
                    shell_quote(&format!("{name}: {}", self.scrub(value)))
                ));
            }
        }
        if let Some(body) = &request.body {
            parts.push(format!(
                "--data-raw {}",
                shell_quote(&self.shown_body(&request.headers, body, false))
            ));
        }
        for_terminal(&parts.join(" \\\n  "), Lines::Keep, MAX_LOGGED_BODY_CHARS)
    }

    fn har_entry(
        &self,
        request: &Request,
        outcome: Result<&Response, &TransportError>,
        started: SystemTime,
    ) -> Value {
        let url = self.shown_url(&request.url);
        let query: Vec<Value> = url
            .split_once('?')
            .map(|(_, query)| query.split('#').next().unwrap_or_default())
            .into_iter()
            .flat_map(|query| query.split('&'))
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                json!({"name": name, "value": value})
            })
            .collect();
        let mut har_request = json!({
            "method": request.method.as_str(),
            "url": url,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": har_headers(&self.shown_headers(&request.headers)),
            "queryString": query,
            "headersSize": -1,
            "bodySize": request.body.as_ref().map_or(0, Vec::len),
        });
        if let Some(body) = &request.body {
            har_request["postData"] = json!({
                "mimeType": content_type(&request.headers),
                "text": self.shown_body(&request.headers, body, false),
            });
        }
        let started_at = chrono::DateTime::<chrono::Utc>::from(started)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let (har_response, elapsed_ms, error) = match outcome {
            Ok(response) => (
                json!({
                    "status": response.status,
                    "statusText": reason_phrase(response.status),
                    "httpVersion": "HTTP/1.1",
                    "cookies": [],
                    "headers": har_headers(&self.shown_headers(&response.headers)),
                    "content": {
                        "size": response.body.len(),
                        "mimeType": content_type(&response.headers),
                        "text": self.shown_body(&response.headers, &response.body, false),
                    },
                    "redirectURL": response.header("location").map(|l| self.shown_url(l)).unwrap_or_default(),
                    "headersSize": -1,
                    "bodySize": response.body.len(),
                }),
                response.elapsed.as_secs_f64() * 1000.0,
                None,
            ),
            Err(error) => (
                json!({
                    "status": 0,
                    "statusText": "",
                    "httpVersion": "",
                    "cookies": [],
                    "headers": [],
                    "content": {"size": 0, "mimeType": ""},
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": -1,
                }),
                SystemTime::now()
                    .duration_since(started)
                    .unwrap_or_default()
                    .as_secs_f64()
                    * 1000.0,
                Some(self.scrub(&error.message)),
            ),
        };
        let mut entry = json!({
            "startedDateTime": started_at,
            "time": elapsed_ms,
            "request": har_request,
            "response": har_response,
            "cache": {},
            "timings": {"send": 0, "wait": elapsed_ms, "receive": 0},
        });
        if let Some(error) = error {
            // HAR 1.2 allows custom fields that start with an underscore.
            entry["_error"] = Value::String(error);
        }
        entry
    }
}

fn content_type(headers: &[(String, String)]) -> String {
    headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map(|(_, value)| value.to_ascii_lowercase())
        .unwrap_or_default()
}

fn har_headers(headers: &[(String, String)]) -> Value {
    Value::Array(
        headers
            .iter()
            .map(|(name, value)| json!({"name": name, "value": value}))
            .collect(),
    )
}

/// POSIX single quotes: safe for any content; an embedded `'` becomes `'\''`.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// An auth scheme name reduced to letters, so it can sit inside double quotes.
fn shell_safe_word(word: &str) -> String {
    word.chars().filter(char::is_ascii_alphanumeric).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Method;
    use std::sync::Arc;
    use std::time::Duration;

    /// A sink the test can read back.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            lock(&self.0).extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Buffer {
        fn text(&self) -> String {
            String::from_utf8_lossy(&lock(&self.0)).into_owned()
        }
    }

    fn recorder(options: RecorderOptions) -> (Recorder, Buffer) {
        let buffer = Buffer::default();
        (Recorder::new(options, Box::new(buffer.clone())), buffer)
    }

    fn create_request() -> Request {
        Request {
            method: Method::Post,
            url: "https://h/scim/Users?access_token=tok-in-url".to_owned(),
            verbatim: false,
            headers: vec![
                ("accept".to_owned(), "application/scim+json".to_owned()),
                (
                    "content-type".to_owned(),
                    "application/scim+json".to_owned(),
                ),
                ("authorization".to_owned(), "Bearer tok-123".to_owned()),
                ("cookie".to_owned(), "session=abc".to_owned()),
            ],
            body: Some(br#"{"userName":"bjensen","password":"t1meMa$heen"}"#.to_vec()),
        }
    }

    fn created() -> Response {
        Response {
            status: 201,
            headers: vec![
                (
                    "content-type".to_owned(),
                    "application/scim+json".to_owned(),
                ),
                ("set-cookie".to_owned(), "session=xyz".to_owned()),
            ],
            body: br#"{"id":"1","userName":"bjensen","note":"your token is tok-123"}"#.to_vec(),
            elapsed: Duration::from_millis(12),
        }
    }

    #[test]
    fn one_v_prints_method_url_status_and_time() {
        let (recorder, buffer) = recorder(RecorderOptions {
            verbosity: 1,
            ..RecorderOptions::default()
        });
        recorder.exchange(&create_request(), Ok(&created()), SystemTime::now());
        assert_eq!(
            buffer.text(),
            "POST https://h/scim/Users?access_token=%28redacted%29 -> 201 Created (12 ms)\n"
        );
    }

    #[test]
    fn two_v_adds_headers_with_credentials_redacted() {
        let (recorder, buffer) = recorder(RecorderOptions {
            verbosity: 2,
            ..RecorderOptions::default()
        });
        recorder.exchange(&create_request(), Ok(&created()), SystemTime::now());
        let log = buffer.text();
        assert!(log.contains("  > accept: application/scim+json\n"), "{log}");
        assert!(log.contains("  > authorization: (redacted)\n"), "{log}");
        assert!(log.contains("  > cookie: (redacted)\n"), "{log}");
        assert!(log.contains("  < set-cookie: (redacted)\n"), "{log}");
        assert!(!log.contains("bjensen"), "bodies only from -vvv: {log}");
        assert!(
            !log.contains("tok-123") && !log.contains("session="),
            "{log}"
        );
    }

    #[test]
    fn three_v_adds_bodies_with_passwords_and_known_tokens_masked() {
        let (recorder, buffer) = recorder(RecorderOptions {
            verbosity: 3,
            ..RecorderOptions::default()
        });
        recorder.remember_secret(&Secret::new("tok-123"));
        recorder.exchange(&create_request(), Ok(&created()), SystemTime::now());
        let log = buffer.text();
        assert!(log.contains("  >   \"userName\": \"bjensen\""), "{log}");
        assert!(log.contains("  >   \"password\": \"(redacted)\""), "{log}");
        assert!(log.contains("your token is (redacted)"), "{log}");
        assert!(
            !log.contains("t1meMa$heen") && !log.contains("tok-123"),
            "{log}"
        );
    }

    #[test]
    fn curl_uses_the_environment_variable_in_place_of_the_token() {
        let (recorder, buffer) = recorder(RecorderOptions {
            curl: true,
            ..RecorderOptions::default()
        });
        recorder.request_sent(&create_request());
        let command = buffer.text();
        assert!(
            command.starts_with(
                "curl \\\n  -X POST \\\n  'https://h/scim/Users?access_token=%28redacted%29'"
            ),
            "{command}"
        );
        assert!(
            command.contains("-H \"authorization: Bearer $SCIMCTL_TOKEN\""),
            "{command}"
        );
        assert!(command.contains("-H 'cookie: (redacted)'"), "{command}");
        assert!(
            command.contains(r#"--data-raw '{"userName":"bjensen","password":"(redacted)"}'"#),
            "{command}"
        );
        assert!(!command.contains("tok-123"), "{command}");
    }

    #[test]
    fn curl_uses_the_basic_variable_for_basic_credentials_and_quotes_safely() {
        let (recorder, buffer) = recorder(RecorderOptions {
            curl: true,
            ..RecorderOptions::default()
        });
        recorder.request_sent(&Request {
            method: Method::Get,
            url: "https://h/scim/Users?filter=userName%20eq%20%22o'hara%22".to_owned(),
            verbatim: false,
            headers: vec![("authorization".to_owned(), "Basic YWxpY2U6cHc=".to_owned())],
            body: None,
        });
        let command = buffer.text();
        assert_eq!(
            command,
            "curl \\\n  'https://h/scim/Users?filter=userName%20eq%20%22o'\\''hara%22' \\\n  -u \"$SCIMCTL_BASIC\"\n"
        );
    }

    #[test]
    fn curl_sends_a_verbatim_target_unglobbed_over_http_1_1() {
        let (recorder, buffer) = recorder(RecorderOptions {
            curl: true,
            ..RecorderOptions::default()
        });
        recorder.request_sent(&Request {
            method: Method::Get,
            url: r#"https://h/scim/Users?filter=emails[type+eq+"work"].value+eq+"a%40b""#
                .to_owned(),
            verbatim: true,
            headers: Vec::new(),
            body: None,
        });
        assert_eq!(
            buffer.text(),
            "curl \\\n  --globoff --http1.1 \\\n  \
             'https://h/scim/Users?filter=emails[type+eq+\"work\"].value+eq+\"a%40b\"'\n"
        );
    }

    #[test]
    fn har_entries_are_redacted_and_well_formed() {
        let (recorder, _) = recorder(RecorderOptions {
            har: true,
            ..RecorderOptions::default()
        });
        recorder.remember_secret(&Secret::new("tok-123"));
        recorder.exchange(&create_request(), Ok(&created()), SystemTime::UNIX_EPOCH);
        let har = recorder.har();
        let text = har.to_string();
        assert!(
            !text.contains("tok-123")
                && !text.contains("t1meMa$heen")
                && !text.contains("session="),
            "{text}"
        );
        let entry = &har["log"]["entries"][0];
        assert_eq!(har["log"]["version"], "1.2");
        assert_eq!(entry["startedDateTime"], "1970-01-01T00:00:00.000Z");
        assert_eq!(entry["request"]["method"], "POST");
        assert_eq!(entry["request"]["queryString"][0]["name"], "access_token");
        assert_eq!(entry["response"]["status"], 201);
        assert_eq!(
            entry["response"]["content"]["mimeType"],
            "application/scim+json"
        );
        assert_eq!(entry["time"], 12.0);
    }
}
