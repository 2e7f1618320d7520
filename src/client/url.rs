//! Request URLs: the base URL joined with path segments and query parameters, and the redirect
//! policy that decides where a `Location` may take us. It builds URLs; it sends nothing.
//!
//! Rules: keep a query already on the base URL (Entra's `?aadOptscim062020`), never produce a
//! double slash, encode every id as exactly one path segment, and percent-encode query values
//! strictly (`+` as `%2B`, space as `%20`), since a literal `+` reads as a space on many
//! servers and turns plus-addresses into other users (okta/okta-sdk-java#839).

use std::fmt;

use super::transport::Url;

/// Why a URL could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// The base URL does not parse, or is not an absolute `http(s)` URL with a host.
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidBase { url: String, reason: String },
    /// A path segment (usually a resource id) is empty, `.` or `..`: it would address another
    /// resource than the one meant.
    #[error("`{0}` cannot be used as a resource id or path segment")]
    InvalidSegment(String),
    /// A verbatim request-target that could not go on a request line as it is.
    #[error("cannot send the request-target `{target}`: {reason}")]
    InvalidTarget { target: String, reason: String },
}

/// Parses the SCIM base URL (`--url`). It must be absolute `http` or `https` with a host and
/// must not embed credentials (they would be logged and sent everywhere; `--basic` exists).
pub fn parse_base(url: &str) -> Result<Url, UrlError> {
    let invalid = |reason: &str| UrlError::InvalidBase {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let parsed = Url::parse(url.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid(
            "credentials in the URL are not allowed; use --basic USER:PASSWORD",
        ));
    }
    Ok(parsed)
}

pub use crate::scim::percent::encode_component;

/// The path below the base URL, encoded, e.g. `/Users/a%40b` for `["Users", "a@b"]`: used in
/// error messages ("(POST /Users)") as well as in the URL.
pub fn relative_path(segments: &[&str]) -> Result<String, UrlError> {
    let mut path = String::new();
    for segment in segments {
        if segment.is_empty() || *segment == "." || *segment == ".." {
            return Err(UrlError::InvalidSegment((*segment).to_owned()));
        }
        path.push('/');
        path.push_str(&encode_component(segment));
    }
    Ok(path)
}

/// The URL of `segments` below `base`, with `query` appended after any query the base already
/// carries. Query values are encoded strictly; the base's fragment is dropped.
pub fn endpoint(base: &Url, segments: &[&str], query: &[(&str, &str)]) -> Result<Url, UrlError> {
    let mut url = base.clone();
    let base_path = base.path().trim_end_matches('/');
    url.set_path(&format!("{base_path}{}", relative_path(segments)?));
    let mut parts: Vec<String> = base
        .query()
        .filter(|q| !q.is_empty())
        .map(str::to_owned)
        .into_iter()
        .collect();
    parts.extend(
        query
            .iter()
            .map(|(name, value)| format!("{}={}", encode_component(name), encode_component(value))),
    );
    url.set_query((!parts.is_empty()).then(|| parts.join("&")).as_deref());
    url.set_fragment(None);
    Ok(url)
}

/// The URL of `path` (already encoded, `/`-separated) below `base`, with `query` appended as
/// [`endpoint`] does. A `.` or `..` segment is refused: it would leave the base URL.
pub fn endpoint_with_path(
    base: &Url,
    path: &str,
    query: &[(String, String)],
) -> Result<Url, UrlError> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if let Some(bad) = segments.iter().find(|s| matches!(**s, "." | "..")) {
        return Err(UrlError::InvalidSegment((*bad).to_owned()));
    }
    let mut url = endpoint(base, &[], &[])?;
    let base_path = base.path().trim_end_matches('/');
    url.set_path(&format!("{base_path}/{}", segments.join("/")));
    let mut parts: Vec<String> = url.query().map(str::to_owned).into_iter().collect();
    parts.extend(
        query
            .iter()
            .map(|(name, value)| format!("{}={}", encode_component(name), encode_component(value))),
    );
    url.set_query((!parts.is_empty()).then(|| parts.join("&")).as_deref());
    Ok(url)
}

/// The absolute URL of `target` below `base`, kept byte for byte as an identity provider writes
/// it (`/Users?filter=userName+eq+"x"`): the base's path goes before the target's path and the
/// base's query before the target's query, and nothing is decoded or encoded again. What would
/// break the request line (spaces, control characters, a fragment) and `.` or `..` segments
/// (they would leave the base URL) are refused.
pub fn verbatim_url(base: &Url, target: &str) -> Result<String, UrlError> {
    let invalid = |reason: &str| UrlError::InvalidTarget {
        target: crate::text::one_line(target),
        reason: reason.to_owned(),
    };
    if !target.starts_with('/') {
        return Err(invalid("it must start with `/`, below the base URL"));
    }
    if target.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            "a space or control character would break the request line; write a space as + or %20",
        ));
    }
    if target.contains('#') {
        return Err(invalid(
            "a request-target has no fragment; write `#` as %23",
        ));
    }
    let (path, query) = target
        .split_once('?')
        .map_or((target, None), |(path, query)| (path, Some(query)));
    if let Some(bad) = path.split('/').find(|s| matches!(*s, "." | "..")) {
        return Err(UrlError::InvalidSegment(bad.to_owned()));
    }
    let mut url = format!(
        "{}://{}",
        base.scheme(),
        base.host_str().unwrap_or_default()
    );
    if let Some(port) = base.port() {
        url.push_str(&format!(":{port}"));
    }
    url.push_str(base.path().trim_end_matches('/'));
    url.push_str(path);
    let queries: Vec<&str> = [base.query(), query]
        .into_iter()
        .flatten()
        .filter(|q| !q.is_empty())
        .collect();
    if !queries.is_empty() {
        url.push('?');
        url.push_str(&queries.join("&"));
    }
    Ok(url)
}

/// True when two URLs share an origin: scheme, host and port (RFC 6454), with default ports
/// filled in, so `https://h` and `https://h:443` agree.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Why a redirect is not followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectRefused {
    /// The `Location` is not a usable http(s) URL.
    BadLocation(String),
    /// From `https` to `http`: the request (and whatever it carries) would travel in clear text.
    Downgrade { to: String },
}

impl fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedirectRefused::BadLocation(location) => {
                write!(
                    f,
                    "the server redirected to an unusable location `{location}`"
                )
            }
            RedirectRefused::Downgrade { to } => {
                write!(
                    f,
                    "refused to follow a redirect from https to plain http ({to})"
                )
            }
        }
    }
}

/// Where a redirect from `from` to `location` (absolute or relative) leads; https to http and
/// anything but http(s) are refused. Whether credentials go along is [`same_origin`]'s call.
pub fn redirect_step(from: &Url, location: &str) -> Result<Url, RedirectRefused> {
    let bad = || RedirectRefused::BadLocation(crate::text::one_line(location));
    let url = from.join(location.trim()).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad());
    }
    if from.scheme() == "https" && url.scheme() == "http" {
        return Err(RedirectRefused::Downgrade {
            to: crate::redact::redact_url(url.as_str()),
        });
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(url: &str) -> Url {
        parse_base(url).expect("test base URL parses")
    }

    #[test]
    fn a_raw_path_joins_the_base_and_keeps_its_query() {
        let url = endpoint_with_path(
            &base("https://h/scim/v2/?aadOptscim062020"),
            "/Users/a%40b",
            &[("filter".to_owned(), "userName eq \"x+y\"".to_owned())],
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://h/scim/v2/Users/a%40b?aadOptscim062020&filter=userName%20eq%20%22x%2By%22"
        );
        assert!(endpoint_with_path(&base("https://h/scim"), "/Users/../Groups", &[]).is_err());
    }

    #[test]
    fn a_verbatim_target_keeps_every_byte_and_joins_the_base_path_and_query() {
        let url = verbatim_url(
            &base("https://h:8443/scim/v2/?aadOptscim062020"),
            r#"/Users?filter=userName+eq+"dale.mohr%40example.com""#,
        )
        .unwrap();
        assert_eq!(
            url,
            r#"https://h:8443/scim/v2/Users?aadOptscim062020&filter=userName+eq+"dale.mohr%40example.com""#
        );
        let url = verbatim_url(&base("http://[::1]/scim"), "/Groups").unwrap();
        assert_eq!(url, "http://[::1]/scim/Groups");
    }

    #[test]
    fn a_verbatim_target_that_would_break_the_request_line_is_refused() {
        let scim = base("https://h/scim");
        for bad in [
            "Users",
            "/Users?filter=userName eq \"x\"",
            "/Users\r\nX-Evil: 1",
            "/Users#top",
        ] {
            assert!(
                matches!(
                    verbatim_url(&scim, bad),
                    Err(UrlError::InvalidTarget { .. })
                ),
                "{bad:?}"
            );
        }
        assert_eq!(
            verbatim_url(&scim, "/Users/../Groups"),
            Err(UrlError::InvalidSegment("..".to_owned()))
        );
    }

    #[test]
    fn paths_join_without_double_slashes() {
        for b in ["https://h/scim/v2", "https://h/scim/v2/"] {
            let url = endpoint(&base(b), &["Users"], &[]).expect("joins");
            assert_eq!(url.as_str(), "https://h/scim/v2/Users");
        }
        let url = endpoint(&base("https://h"), &["Groups", ".search"], &[]).expect("joins");
        assert_eq!(url.as_str(), "https://h/Groups/.search");
    }

    #[test]
    fn a_query_on_the_base_url_is_kept_before_ours() {
        let url = endpoint(
            &base("https://h/scim?aadOptscim062020"),
            &["Users"],
            &[("filter", "userName eq \"a+b@x.org\"")],
        )
        .expect("joins");
        assert_eq!(
            url.as_str(),
            "https://h/scim/Users?aadOptscim062020&filter=userName%20eq%20%22a%2Bb%40x.org%22"
        );
    }

    #[test]
    fn an_id_is_always_one_path_segment() {
        let url =
            endpoint(&base("https://h/scim"), &["Users", "a/b:c@d e?f#g"], &[]).expect("joins");
        assert_eq!(
            url.as_str(),
            "https://h/scim/Users/a%2Fb%3Ac%40d%20e%3Ff%23g"
        );
        for bad in ["", ".", ".."] {
            assert_eq!(
                endpoint(&base("https://h/scim"), &["Users", bad], &[]),
                Err(UrlError::InvalidSegment(bad.to_owned()))
            );
        }
    }

    #[test]
    fn base_urls_must_be_absolute_http_without_credentials() {
        assert!(parse_base("https://h/scim").is_ok());
        for bad in ["h/scim", "ftp://h/scim", "https://u:p@h/scim", "not a url"] {
            assert!(parse_base(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn relative_redirects_resolve_against_the_current_url() {
        let from = base("https://h/scim/Me");
        let target = redirect_step(&from, "/scim/Users/1").expect("followed");
        assert_eq!(target.as_str(), "https://h/scim/Users/1");
    }

    #[test]
    fn origins_compare_scheme_host_and_port_with_default_ports() {
        let scim = base("https://h/scim");
        assert!(same_origin(&scim, &base("https://h:443/other")));
        assert!(!same_origin(&scim, &base("https://h:8443/scim")));
        assert!(!same_origin(&scim, &base("http://h/scim")));
        assert!(!same_origin(&scim, &base("https://login.example/sso")));
    }

    #[test]
    fn redirects_from_https_to_http_are_refused() {
        let from = base("https://h/scim/Users");
        assert_eq!(
            redirect_step(&from, "http://h/scim/Users"),
            Err(RedirectRefused::Downgrade {
                to: "http://h/scim/Users".to_owned()
            })
        );
        assert!(matches!(
            redirect_step(&from, "javascript:alert(1)"),
            Err(RedirectRefused::BadLocation(_))
        ));
        let plain = base("http://h/scim/Users");
        assert!(redirect_step(&plain, "https://h/scim/Users").is_ok());
    }
}
