//! Where a reference URI of a resource leads (`members[].$ref`, `meta.location`): RFC 7643
//! §2.3.7 makes it the absolute or relative URI of the target, and a relative one resolves
//! against a base that keeps every path segment up to the SCIM endpoints (`.../scim/v2/`), as
//! RFC 3986 §5.2 resolves references. It only computes the answer: nothing is sent, and a
//! reference that leaves the base URL is reported, never followed. Pure: std only.

use thiserror::Error;

/// Why a reference does not lead below the base URL.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReferenceError {
    /// Empty, or holding whitespace or control characters: not a URI.
    #[error("`{0}` is not a URI")]
    NotAUri(String),
    /// It resolves to a URI outside the base URL (another scheme, host or port, or a path that
    /// leaves the base path).
    #[error("`{reference}` resolves to `{resolved}`, outside the base URL `{base}`")]
    OutsideBase {
        reference: String,
        resolved: String,
        base: String,
    },
}

/// The request-target below `base_url` (`/Users/2819c223`, with its query when it has one)
/// that `reference` names, resolved as RFC 7643 §2.3.7 asks: against the base URL with a
/// trailing `/`, its own query and any userinfo left aside; the fragment is dropped.
pub fn below_base(base_url: &str, reference: &str) -> Result<String, ReferenceError> {
    if reference.is_empty()
        || reference
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(ReferenceError::NotAUri(reference.to_owned()));
    }
    let base = Parts::of(base_url.split(['?', '#']).next().unwrap_or(base_url));
    let base_path = format!("{}/", base.path.trim_end_matches('/'));
    let reference_text = reference.split('#').next().unwrap_or(reference);
    let (reference_path, query) = match reference_text.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (reference_text, None),
    };
    let (scheme, authority, path) = if has_scheme(reference_path) {
        let parts = Parts::of(reference_path);
        (
            parts.scheme,
            parts.authority,
            remove_dot_segments(&parts.path),
        )
    } else if let Some(rest) = reference_path.strip_prefix("//") {
        let parts = Parts::of(&format!("{}://{rest}", base.scheme));
        (
            base.scheme.clone(),
            parts.authority,
            remove_dot_segments(&parts.path),
        )
    } else if reference_path.starts_with('/') {
        (
            base.scheme.clone(),
            base.authority.clone(),
            remove_dot_segments(reference_path),
        )
    } else {
        let merged = format!("{base_path}{reference_path}");
        (
            base.scheme.clone(),
            base.authority.clone(),
            remove_dot_segments(&merged),
        )
    };
    let inside = scheme.eq_ignore_ascii_case(&base.scheme)
        && same_authority(&authority, &base.authority, &base.scheme)
        && path.starts_with(&base_path);
    if !inside {
        return Err(ReferenceError::OutsideBase {
            reference: reference.to_owned(),
            resolved: format!("{scheme}://{authority}{path}"),
            base: format!("{}://{}{base_path}", base.scheme, base.authority),
        });
    }
    let below = &path[base_path.len() - 1..];
    Ok(match query {
        Some(query) => format!("{below}?{query}"),
        None => below.to_owned(),
    })
}

/// A URI's scheme, authority (without userinfo) and path.
struct Parts {
    scheme: String,
    authority: String,
    path: String,
}

impl Parts {
    fn of(uri: &str) -> Parts {
        let (scheme, rest) = uri.split_once("://").unwrap_or(("", uri));
        let (authority, path) = match rest.find('/') {
            Some(slash) => rest.split_at(slash),
            None => (rest, ""),
        };
        let authority = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        Parts {
            scheme: scheme.to_owned(),
            authority: authority.to_owned(),
            path: if path.is_empty() {
                "/".to_owned()
            } else {
                path.to_owned()
            },
        }
    }
}

/// RFC 3986 §3.1: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"` before any `/`.
fn has_scheme(reference: &str) -> bool {
    let Some((scheme, _)) = reference.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Host and port compared ignoring case, the scheme's default port written or not.
fn same_authority(one: &str, other: &str, scheme: &str) -> bool {
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => ":443",
        "http" => ":80",
        _ => "",
    };
    let normal = |authority: &str| {
        let lower = authority.to_ascii_lowercase();
        match lower.strip_suffix(default_port) {
            Some(host) if !default_port.is_empty() => host.to_owned(),
            _ => lower,
        }
    };
    normal(one) == normal(other)
}

/// RFC 3986 §5.2.4: `.` and `..` segments taken out of a path.
fn remove_dot_segments(path: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len() - 1;
    for (index, segment) in segments.iter().enumerate() {
        match *segment {
            "." => {
                if index == last {
                    kept.push("");
                }
            }
            ".." => {
                if kept.len() > 1 {
                    kept.pop();
                }
                if index == last {
                    kept.push("");
                }
            }
            other => kept.push(other),
        }
    }
    let joined = kept.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://example.com/scim/v2";

    #[test]
    fn absolute_references_below_the_base_url_lead_to_their_path() {
        assert_eq!(
            below_base(BASE, "https://example.com/scim/v2/Users/2819c223"),
            Ok("/Users/2819c223".to_owned())
        );
        assert_eq!(
            below_base(BASE, "HTTPS://Example.COM:443/scim/v2/Users/2819c223"),
            Ok("/Users/2819c223".to_owned()),
            "scheme and host ignore case, the default port may be written"
        );
        assert_eq!(
            below_base(
                "https://example.com/scim/v2/?aadOptscim062020",
                "https://example.com/scim/v2/Users/1#top"
            ),
            Ok("/Users/1".to_owned()),
            "the base URL's trailing slash and query, and the fragment, are left aside"
        );
    }

    #[test]
    fn relative_references_resolve_against_the_base_url_with_its_path() {
        // RFC 7643 §2.3.7: the base keeps every segment up to the endpoints (`/scim/v2/`).
        assert_eq!(
            below_base(BASE, "Users/2819c223"),
            Ok("/Users/2819c223".to_owned())
        );
        assert_eq!(
            below_base(BASE, "/scim/v2/Groups/e9e30dba"),
            Ok("/Groups/e9e30dba".to_owned())
        );
        assert_eq!(
            below_base(BASE, "../v2/Users/1?attributes=id"),
            Ok("/Users/1?attributes=id".to_owned())
        );
        assert_eq!(
            below_base(BASE, "//example.com/scim/v2/Users/1"),
            Ok("/Users/1".to_owned())
        );
        assert_eq!(
            below_base(BASE, "2819c223"),
            Ok("/2819c223".to_owned()),
            "a bare id is a relative reference too: it names a resource the server lacks"
        );
    }

    #[test]
    fn references_outside_the_base_url_are_reported_not_followed() {
        for (reference, resolved) in [
            ("/Users/2819c223", "https://example.com/Users/2819c223"),
            (
                "https://internal:8443/scim/v2/Users/1",
                "https://internal:8443/scim/v2/Users/1",
            ),
            (
                "http://example.com/scim/v2/Users/1",
                "http://example.com/scim/v2/Users/1",
            ),
            (
                "https://example.com/scim/v1/Users/1",
                "https://example.com/scim/v1/Users/1",
            ),
            ("../../Users/1", "https://example.com/Users/1"),
            (
                "https://evil.example/scim/v2/Users/1",
                "https://evil.example/scim/v2/Users/1",
            ),
        ] {
            assert_eq!(
                below_base(BASE, reference),
                Err(ReferenceError::OutsideBase {
                    reference: reference.to_owned(),
                    resolved: resolved.to_owned(),
                    base: "https://example.com/scim/v2/".to_owned(),
                }),
                "{reference}"
            );
        }
    }

    #[test]
    fn text_that_is_no_uri_is_refused() {
        for text in ["", "Users/28 19", "Users/\n1"] {
            assert_eq!(
                below_base(BASE, text),
                Err(ReferenceError::NotAUri(text.to_owned()))
            );
        }
    }
}
