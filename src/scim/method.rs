//! The HTTP methods SCIM uses (RFC 7644 §3.2): the one method type of the client, the suite
//! format, the runner and the embedded server. Names and parsing only; nothing is sent here.

use std::fmt;

/// An HTTP method a SCIM client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// Parses a method name (case-insensitive).
    pub fn parse(text: &str) -> Option<Method> {
        Some(match text.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => return None,
        })
    }

    /// Reads a method name as it arrives in a request line: HTTP method names are
    /// case-sensitive (RFC 9110 §9.1), so `get` is no method SCIM knows.
    pub fn from_wire(text: &str) -> Option<Method> {
        Method::parse(text).filter(|method| method.as_str() == text)
    }

    /// Whether a request with this method carries a JSON body (RFC 7644 §3.3, §3.5).
    pub fn has_body(self) -> bool {
        matches!(self, Method::Post | Method::Put | Method::Patch)
    }

    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_files_may_spell_a_method_in_any_case_but_the_wire_may_not() {
        assert_eq!(Method::parse("patch"), Some(Method::Patch));
        assert_eq!(Method::from_wire("PATCH"), Some(Method::Patch));
        assert_eq!(Method::from_wire("patch"), None);
        assert_eq!(Method::from_wire("OPTIONS"), None);
    }
}
