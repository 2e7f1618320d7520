//! Credentials and the `Authorization` header they produce: a bearer token, HTTP Basic
//! (RFC 7617), or an OAuth 2.0 client-credentials grant (RFC 6749 §4.4). It never shows a
//! secret, and never decides where a header may go: the client keeps it to the base URL's origin.
//!
//! An OAuth token is fetched once and reused until shortly before it expires (RFC 7644 §2
//! leaves SCIM authentication to HTTP). It is cached in memory and, when a cache directory is
//! given, in an owner-only file there, so that a run of short `scimctl` commands fetches one
//! token instead of one each. The file cache is best effort: a missing, unreadable or foreign
//! file just means a fetch.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use tokio::sync::Mutex;

use super::error::{ClientError, classify_failure};
use super::recorder::Recorder;
use super::transport::{Method, Request, Transport};
use crate::redact::Secret;
use crate::text::one_line;

/// How requests authenticate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Credentials {
    /// No `Authorization` header.
    #[default]
    None,
    /// `Authorization: Bearer TOKEN`.
    Bearer(Secret),
    /// `Authorization: Basic base64(user:password)`.
    Basic { user: String, password: Secret },
    /// A token from an OAuth 2.0 token endpoint, sent as a bearer token.
    OAuth(OAuthClient),
}

/// An OAuth 2.0 client registered for the client-credentials grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    /// The token endpoint.
    pub token_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Where tokens are cached between runs (`$XDG_CACHE_HOME/scimctl`); `None` keeps them in
    /// memory only.
    pub cache_dir: Option<PathBuf>,
}

impl Credentials {
    /// The secrets these credentials hold, so the recorder can scrub them.
    pub fn secrets(&self) -> Vec<&Secret> {
        match self {
            Credentials::None => vec![],
            Credentials::Bearer(token) => vec![token],
            Credentials::Basic { password, .. } => vec![password],
            Credentials::OAuth(client) => vec![&client.client_secret],
        }
    }
}

/// Tokens are renewed this long before they expire, or a tenth of their life if that is less,
/// so a request never leaves with a token that dies in flight.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

/// How long a token without `expires_in` is trusted (RFC 6749 §5.1 makes it optional). A 401
/// before then renews it anyway.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(300);

#[derive(Debug)]
struct CachedToken {
    token: Secret,
    renew_at: SystemTime,
}

/// Produces `Authorization` header values, fetching and caching OAuth tokens.
#[derive(Debug)]
pub(crate) struct Authenticator {
    credentials: Credentials,
    cached: Mutex<Option<CachedToken>>,
}

impl Authenticator {
    pub(crate) fn new(credentials: Credentials) -> Self {
        Authenticator {
            credentials,
            cached: Mutex::new(None),
        }
    }

    /// True when a 401 may be cured by fetching a new token.
    pub(crate) fn renews_tokens(&self) -> bool {
        matches!(self.credentials, Credentials::OAuth(_))
    }

    /// Forgets the cached OAuth token, in memory and on disk, after the server refused it.
    pub(crate) async fn forget_token(&self) {
        *self.cached.lock().await = None;
        if let Credentials::OAuth(client) = &self.credentials {
            if let Some(path) = cache_file(client) {
                // Already gone is as good as removed.
                let _ = std::fs::remove_file(path);
            }
        }
    }

    /// The `Authorization` header value, if any. Concurrent callers wait for one token fetch.
    pub(crate) async fn header(
        &self,
        transport: &dyn Transport,
        recorder: &Recorder,
        user_agent: &str,
    ) -> Result<Option<Secret>, ClientError> {
        let bearer = |token: &Secret| Secret::new(format!("Bearer {}", token.expose()));
        match &self.credentials {
            Credentials::None => Ok(None),
            Credentials::Bearer(token) => Ok(Some(bearer(token))),
            Credentials::Basic { user, password } => Ok(Some(basic(user, password.expose()))),
            Credentials::OAuth(client) => {
                let mut cached = self.cached.lock().await;
                let now = SystemTime::now();
                if let Some(token) = cached.as_ref().filter(|t| now < t.renew_at) {
                    return Ok(Some(bearer(&token.token)));
                }
                let token = match load_cached(client, now) {
                    Some(token) => token,
                    None => {
                        let fresh = fetch_token(client, transport, recorder, user_agent).await?;
                        if let Err(e) = store_cached(client, &fresh) {
                            recorder.verbose_warning(&format!("cannot cache the OAuth token: {e}"));
                        }
                        fresh
                    }
                };
                recorder.remember_secret(&token.token);
                let header = bearer(&token.token);
                *cached = Some(token);
                Ok(Some(header))
            }
        }
    }
}

/// The cache file of one client: named by a hash of token URL and client id, so clients of
/// different servers never share a token.
fn cache_file(client: &OAuthClient) -> Option<PathBuf> {
    let hash = super::stable_hash(&[
        client.token_url.as_bytes(),
        &[0],
        client.client_id.as_bytes(),
    ]);
    let dir = client.cache_dir.as_deref()?;
    Some(dir.join(format!("oauth-{hash:016x}.json")))
}

/// A cached token that is still good, from a file only its owner can read, issued for this
/// very token URL and client id.
fn load_cached(client: &OAuthClient, now: SystemTime) -> Option<CachedToken> {
    let path = cache_file(client)?;
    let file = std::fs::File::open(&path).ok()?;
    if crate::redact::open_to_others(&file.metadata().ok()?).is_some() {
        return None;
    }
    let json: Value = serde_json::from_reader(std::io::BufReader::new(file)).ok()?;
    let field = |name: &str| json.get(name).and_then(Value::as_str);
    if field("token_url")? != client.token_url || field("client_id")? != client.client_id {
        return None;
    }
    let renew_at = SystemTime::UNIX_EPOCH + Duration::from_secs(json.get("renew_at")?.as_u64()?);
    let token = Secret::new(field("access_token")?);
    (now < renew_at && !token.is_empty()).then_some(CachedToken { token, renew_at })
}

fn store_cached(client: &OAuthClient, token: &CachedToken) -> std::io::Result<()> {
    let Some(path) = cache_file(client) else {
        return Ok(());
    };
    let renew_at = token
        .renew_at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let json = serde_json::json!({
        "token_url": client.token_url,
        "client_id": client.client_id,
        "access_token": token.token.expose(),
        "renew_at": renew_at,
    });
    crate::redact::write_owner_only(&path, json.to_string().as_bytes())
}

/// `Basic base64(user:password)` (RFC 7617 §2).
fn basic(user: &str, password: &str) -> Secret {
    Secret::new(format!(
        "Basic {}",
        base64(format!("{user}:{password}").as_bytes())
    ))
}

/// Standard base64 with padding (RFC 4648 §4).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let symbol = |index: u32| char::from(ALPHABET[(index & 63) as usize]);
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        out.push(symbol(n >> 18));
        out.push(symbol(n >> 12));
        out.push(if chunk.len() > 1 { symbol(n >> 6) } else { '=' });
        out.push(if chunk.len() > 2 { symbol(n) } else { '=' });
    }
    out
}

/// Asks the token endpoint for a token. The client authenticates with HTTP Basic, the method
/// every authorization server must support (RFC 6749 §2.3.1), its id and secret form-encoded
/// first as that section requires.
async fn fetch_token(
    client: &OAuthClient,
    transport: &dyn Transport,
    recorder: &Recorder,
    user_agent: &str,
) -> Result<CachedToken, ClientError> {
    let url = super::url::parse_base(&client.token_url)
        .map_err(|e| ClientError::Usage(format!("OAuth token URL: {e}")))?;
    let label = format!("POST {}", crate::redact::redact_url(url.as_str()));
    let credentials = basic(
        &super::url::encode_component(&client.client_id),
        &super::url::encode_component(client.client_secret.expose()),
    );
    let request = Request {
        method: Method::Post,
        url: url.to_string(),
        verbatim: false,
        headers: vec![
            ("accept".to_owned(), "application/json".to_owned()),
            (
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ),
            ("user-agent".to_owned(), user_agent.to_owned()),
            ("authorization".to_owned(), credentials.expose().to_owned()),
        ],
        body: Some(b"grant_type=client_credentials".to_vec()),
    };
    // No `--curl` line: the SCIM requests' lines stand for this token as `$SCIMCTL_TOKEN`.
    let started = std::time::SystemTime::now();
    let outcome = transport.send(request.clone()).await;
    recorder.exchange(&request, outcome.as_ref(), started);
    let response = outcome.map_err(|error| ClientError::Transport {
        label: label.clone(),
        error,
        retry_note: None,
    })?;
    let refused =
        |why: String| ClientError::OAuth(format!("the OAuth token endpoint refused: {why}"));
    if !response.is_success() {
        let json: Option<Value> = serde_json::from_slice(&response.body).ok();
        let field = |name: &str| {
            json.as_ref()
                .and_then(|j| j.get(name))
                .and_then(Value::as_str)
        };
        return Err(match field("error") {
            // RFC 6749 §5.2 error response.
            Some(code) => refused(format!(
                "{} {}{} ({label})",
                response.status,
                one_line(code),
                field("error_description")
                    .map(|d| format!(": {}", one_line(d)))
                    .unwrap_or_default()
            )),
            None => refused(classify_failure(&label, &response).to_string()),
        });
    }
    let json: Value = serde_json::from_slice(&response.body)
        .map_err(|_| refused(format!("its answer is not JSON ({label})")))?;
    let token = json
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| refused(format!("its answer has no access_token ({label})")))?;
    let token_type = json
        .get("token_type")
        .and_then(Value::as_str)
        .unwrap_or("Bearer");
    if !token_type.eq_ignore_ascii_case("bearer") {
        return Err(refused(format!(
            "it issued a `{}` token; only bearer tokens are supported ({label})",
            one_line(token_type)
        )));
    }
    let token = Secret::new(token);
    recorder.remember_secret(&token);
    Ok(CachedToken {
        renew_at: SystemTime::now() + usable_lifetime(json.get("expires_in")),
        token,
    })
}

/// How long to use a token: `expires_in` (a number, or a numeric string from lenient servers)
/// minus the renewal margin.
fn usable_lifetime(expires_in: Option<&Value>) -> Duration {
    let seconds = match expires_in {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    let lifetime = seconds.map_or(DEFAULT_TOKEN_LIFETIME, Duration::from_secs);
    lifetime.saturating_sub(EXPIRY_MARGIN.min(lifetime / 10))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base64_matches_rfc_4648_test_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn basic_credentials_follow_rfc_7617() {
        assert_eq!(
            basic("Aladdin", "open sesame").expose(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }

    #[test]
    fn tokens_are_renewed_before_they_expire() {
        assert_eq!(
            usable_lifetime(Some(&json!(3600))),
            Duration::from_secs(3540)
        );
        assert_eq!(
            usable_lifetime(Some(&json!("120"))),
            Duration::from_secs(108)
        );
        assert_eq!(usable_lifetime(None), Duration::from_secs(270));
        assert_eq!(usable_lifetime(Some(&json!(0))), Duration::ZERO);
    }
}
