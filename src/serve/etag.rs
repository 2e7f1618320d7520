//! Resource versions as HTTP entity tags (RFC 7644 §3.14) and the `If-Match` /
//! `If-None-Match` comparison. Pure.
//!
//! Versions are weak tags (`W/"7"`). HTTP compares `If-Match` strongly, which would make a weak
//! tag never match; SCIM's own examples pair weak tags with `If-Match`, so the server compares
//! weakly: the opaque part must be equal, the `W/` prefix is ignored on both sides.

/// Whether a precondition header (a list of tags, or `*`) names `version`.
pub fn header_matches(header: &str, version: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || opaque(tag) == opaque(version))
}

fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_and_strong_spellings_of_a_tag_match() {
        assert!(header_matches("W/\"3\"", "W/\"3\""));
        assert!(header_matches("\"3\"", "W/\"3\""));
        assert!(header_matches("\"1\", W/\"3\"", "W/\"3\""));
        assert!(header_matches("*", "W/\"3\""));
    }

    #[test]
    fn other_tags_do_not_match() {
        assert!(!header_matches("W/\"4\"", "W/\"3\""));
        assert!(!header_matches("3", "W/\"3\""));
        assert!(!header_matches("", "W/\"3\""));
    }
}
