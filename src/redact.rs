//! Secrets and what counts as one: a [`Secret`] never prints its value, and the deny-lists mask
//! credentials wherever scimctl shows traffic. A leaf: std and serde_json only, no network.
//!
//! The deny-lists decide which headers, JSON fields, form fields and query parameters are
//! masked (`-v`, `--curl`, `--har`, `config show`); files that hold secrets (token files,
//! profiles, the OAuth token cache) are written for their owner only and refused when others
//! can read them.

use std::fmt;

use serde_json::Value;

/// What every masked value is replaced with.
pub const REDACTED: &str = "(redacted)";

/// A credential: its `Debug` and `Display` print `(redacted)`, so it cannot leak through a log
/// line or an error message by accident. Read it only where it goes on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The credential itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the credential is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Lowercase, without `-` and `_`, so `Client-Secret`, `client_secret` and `clientSecret` agree.
fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// True for a header whose value is a credential: `Authorization`, `Proxy-Authorization`,
/// `Cookie`, `Set-Cookie`, and anything named like a token, key, secret or password
/// (`X-API-Key`, `X-Auth-Token`).
pub fn is_secret_header(name: &str) -> bool {
    let name = normalise(name);
    matches!(
        name.as_str(),
        "authorization" | "proxyauthorization" | "cookie" | "setcookie"
    ) || ["token", "secret", "apikey", "password", "passwd", "session"]
        .iter()
        .any(|word| name.contains(word))
}

/// True for a JSON attribute, form field or query parameter whose value is a credential:
/// `password` (RFC 7643 §4.1: writeOnly, never returned), OAuth's `client_secret`,
/// `access_token`, `refresh_token`, `id_token`, and names ending in `token`, `secret` or
/// `password`.
pub fn is_secret_field(name: &str) -> bool {
    let name = normalise(name);
    matches!(
        name.as_str(),
        "pwd"
            | "passwd"
            | "apikey"
            | "privatekey"
            | "assertion"
            | "clientassertion"
            | "sig"
            | "signature"
    ) || name.contains("password")
        || name.ends_with("secret")
        || name.ends_with("token")
}

/// True when a SCIM PATCH `path` (RFC 7644 §3.5.2) targets a secret attribute, e.g. `password`
/// or `urn:...:User:password`: the operation's `value` is then a credential too.
fn is_secret_path(path: &str) -> bool {
    let last = path.rsplit([':', '.']).next().unwrap_or(path);
    is_secret_field(last)
}

/// Masks every secret in a JSON document in place: fields on the deny-list, and the `value` of
/// a PATCH operation whose `path` names one. Iterative, so no depth can overflow the stack.
pub fn redact_json(value: &mut Value) {
    let mut pending = vec![value];
    while let Some(node) = pending.pop() {
        match node {
            Value::Object(map) => {
                let patches_secret = map.iter().any(|(k, v)| {
                    k.eq_ignore_ascii_case("path") && v.as_str().is_some_and(is_secret_path)
                });
                for (key, child) in map.iter_mut() {
                    let masked = is_secret_field(key)
                        || (patches_secret && key.eq_ignore_ascii_case("value"));
                    if masked && !child.is_null() {
                        *child = Value::String(REDACTED.to_owned());
                    } else {
                        pending.push(child);
                    }
                }
            }
            Value::Array(items) => pending.extend(items.iter_mut()),
            _ => {}
        }
    }
}

/// Masks the values of secret fields in an `application/x-www-form-urlencoded` body or a URL
/// query (`client_secret=...`, `access_token=...`), leaving the rest byte for byte.
pub fn redact_form(encoded: &str) -> String {
    encoded
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_field(&decode_form_name(name)) => {
                format!("{name}={}", "%28redacted%29")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Decodes the `%XX` and `+` escapes of a form field name, well enough to recognise it.
fn decode_form_name(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Masks the secret query parameters of a URL (`?access_token=...`), keeping everything else.
pub fn redact_url(url: &str) -> String {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((head, tail)) => (head, Some(tail)),
        None => (url, None),
    };
    let mut out = match before_fragment.split_once('?') {
        Some((base, query)) => format!("{base}?{}", redact_form(query)),
        None => before_fragment.to_owned(),
    };
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(&redact_form(fragment));
    }
    out
}

/// The shortest credential value searched for in free text.
pub const MIN_SCRUBBED_LEN: usize = 6;

/// The credential values a process holds (tokens, passwords, client secrets), so any text can be
/// scrubbed of them even where no deny-list would recognise them: a server echoing a token in
/// an error body, a token pasted into a URL.
///
/// Values shorter than [`MIN_SCRUBBED_LEN`] are not searched for: a one-letter demo token such
/// as `t` would otherwise turn every `t` of a log into `(redacted)`. Such values are still
/// redacted wherever they are named (headers, JSON fields, query parameters).
#[derive(Debug, Default, Clone)]
pub struct KnownSecrets {
    values: Vec<Secret>,
}

impl KnownSecrets {
    /// Remembers one more credential; values too short to find in free text are ignored.
    pub fn add(&mut self, secret: &Secret) {
        if secret.expose().len() >= MIN_SCRUBBED_LEN && !self.values.contains(secret) {
            self.values.push(secret.clone());
        }
    }

    /// The text with every known credential replaced by `(redacted)`.
    pub fn scrub(&self, text: &str) -> String {
        self.values.iter().fold(text.to_owned(), |acc, secret| {
            acc.replace(secret.expose(), REDACTED)
        })
    }
}

/// The permission bits (`0o644`) of a file that group or others may read or write, or `None`
/// when only its owner can (and always on systems without Unix modes).
pub fn open_to_others(metadata: &std::fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

/// Writes a file only its owner can read (mode 600), creating missing parent directories, and
/// atomically: the bytes go to a temporary file that is then renamed into place, so a crash
/// never leaves half a file. A symbolic link (a configuration file kept with the user's
/// dotfiles) stays a link: the file it points to is the one replaced.
pub fn write_owner_only(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let resolved = std::fs::canonicalize(path);
    let path = resolved.as_deref().unwrap_or(path);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = std::path::PathBuf::from(temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[cfg(unix)]
    #[test]
    fn writing_through_a_symbolic_link_replaces_the_file_and_keeps_the_link() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let dotfiles = dir.path().join("dotfiles");
        std::fs::create_dir(&dotfiles).expect("dir");
        std::fs::write(dotfiles.join("scimctl.toml"), "old").expect("target");
        let link = dir.path().join("config.toml");
        std::os::unix::fs::symlink(dotfiles.join("scimctl.toml"), &link).expect("link");

        write_owner_only(&link, b"new").expect("written");

        assert!(link.symlink_metadata().expect("link").is_symlink());
        assert_eq!(
            std::fs::read_to_string(dotfiles.join("scimctl.toml")).expect("target"),
            "new"
        );
        let mode = std::fs::metadata(&link)
            .expect("target")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            std::fs::read_dir(&dotfiles).expect("dir").count(),
            1,
            "no temporary left"
        );
    }

    #[test]
    fn a_secret_never_prints_its_value() {
        let secret = Secret::new("s3cr3t");
        assert_eq!(format!("{secret}"), "(redacted)");
        assert_eq!(format!("{secret:?}"), "(redacted)");
        assert_eq!(secret.expose(), "s3cr3t");
    }

    #[test]
    fn credential_headers_are_secret_and_ordinary_ones_are_not() {
        for name in [
            "Authorization",
            "proxy-authorization",
            "Cookie",
            "Set-Cookie",
            "X-API-Key",
            "X-Auth-Token",
        ] {
            assert!(is_secret_header(name), "{name} should be secret");
        }
        for name in ["Accept", "Content-Type", "User-Agent", "Location", "ETag"] {
            assert!(!is_secret_header(name), "{name} should not be secret");
        }
    }

    #[test]
    fn credential_fields_are_secret_in_any_spelling() {
        for name in [
            "password",
            "newPassword",
            "client_secret",
            "clientSecret",
            "access_token",
            "refresh_token",
            "id_token",
        ] {
            assert!(is_secret_field(name), "{name} should be secret");
        }
        for name in ["userName", "displayName", "id", "token_type", "expires_in"] {
            assert!(!is_secret_field(name), "{name} should not be secret");
        }
    }

    #[test]
    fn json_redaction_masks_nested_fields_and_patch_values_for_secret_paths() {
        let mut body = json!({
            "userName": "bjensen",
            "password": "t1meMa$heen",
            "emails": [{"value": "b@example.com"}],
            "Operations": [
                {"op": "replace", "path": "password", "value": "n3w"},
                {"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:password", "value": "n4w"},
                {"op": "replace", "path": "displayName", "value": "Babs"},
                {"op": "replace", "value": {"password": "n5w", "active": true}}
            ]
        });
        redact_json(&mut body);
        assert_eq!(body["password"], "(redacted)");
        assert_eq!(body["emails"][0]["value"], "b@example.com");
        assert_eq!(body["Operations"][0]["value"], "(redacted)");
        assert_eq!(body["Operations"][1]["value"], "(redacted)");
        assert_eq!(body["Operations"][2]["value"], "Babs");
        assert_eq!(body["Operations"][3]["value"]["password"], "(redacted)");
        assert_eq!(body["Operations"][3]["value"]["active"], true);
    }

    #[test]
    fn form_and_query_redaction_keep_other_fields() {
        assert_eq!(
            redact_form("grant_type=client_credentials&client_id=app&client_secret=abc%2B1"),
            "grant_type=client_credentials&client_id=app&client_secret=%28redacted%29"
        );
        assert_eq!(
            redact_url("https://h/scim/Users?access_token=abc&filter=x#frag"),
            "https://h/scim/Users?access_token=%28redacted%29&filter=x#frag"
        );
        assert_eq!(
            redact_url("https://h/scim?aadOptscim062020"),
            "https://h/scim?aadOptscim062020"
        );
    }

    #[test]
    fn known_secrets_are_scrubbed_from_any_text() {
        let mut known = KnownSecrets::default();
        known.add(&Secret::new("tok-123"));
        known.add(&Secret::new(""));
        assert_eq!(
            known.scrub("invalid token tok-123 given"),
            "invalid token (redacted) given"
        );
        assert_eq!(known.scrub("nothing here"), "nothing here");
    }

    #[test]
    fn a_one_letter_token_does_not_mangle_every_log_line() {
        let mut known = KnownSecrets::default();
        known.add(&Secret::new("t"));
        assert_eq!(
            known.scrub("PATCH http://127.0.0.1/scim/v2/Users/1"),
            "PATCH http://127.0.0.1/scim/v2/Users/1"
        );
    }
}
