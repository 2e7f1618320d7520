//! Request parameters: the URL query string and the POST `.search` body (RFC 7644 §3.4.2,
//! §3.4.3), read into one [`ListParams`]. Unknown parameters are ignored. Pure: no I/O.

use std::borrow::Cow;

use serde_json::Value;

use crate::scim::filter::Filter;
use crate::scim::model::{ScimError, ScimType};
use crate::scim::path::AttrPath;
use crate::scim::percent::{DecodeError, Encoded, decode};
use crate::scim::resource::get_ci;
use crate::scim::sort::SortOrder;
use crate::serve::protocol;

/// The decoded `name=value` pairs of a query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryPairs(Vec<(String, String)>);

impl QueryPairs {
    /// Splits and percent-decodes a raw query string; `+` is a space (HTML forms, and Entra
    /// sends filters that way). Invalid percent escapes or UTF-8 are 400 `invalidValue`.
    pub fn parse(raw: &str) -> Result<QueryPairs, ScimError> {
        let mut pairs = Vec::new();
        for piece in raw.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            pairs.push((percent_decode(name)?, percent_decode(value)?));
        }
        Ok(QueryPairs(pairs))
    }

    /// The parameters' names, in the order sent.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(name, _)| name.as_str())
    }

    /// The last value of a parameter, its name matched case-insensitively.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A percent-encoded path segment of the request URL, decoded; `+` stays a plus (RFC 3986 §3.3
/// gives it no special meaning in paths). Segments without escapes are borrowed, not copied.
pub fn decode_path_segment(segment: &str) -> Result<Cow<'_, str>, ScimError> {
    if !segment.contains('%') {
        return Ok(Cow::Borrowed(segment));
    }
    decode(segment, Encoded::PathSegment)
        .map(Cow::Owned)
        .map_err(invalid_encoding)
}

fn percent_decode(text: &str) -> Result<String, ScimError> {
    decode(text, Encoded::Query).map_err(invalid_encoding)
}

/// A request URL that cannot be decoded is 400 `invalidValue`.
fn invalid_encoding(error: DecodeError) -> ScimError {
    ScimError::typed(ScimType::InvalidValue, error.to_string())
}

/// `attributes` and `excludedAttributes` (§3.4.2.5), valid on reads and writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Projection {
    pub attributes: Vec<AttrPath>,
    pub excluded: Vec<AttrPath>,
}

impl Projection {
    /// Whether the default representation is asked for.
    pub fn is_default(&self) -> bool {
        self.attributes.is_empty() && self.excluded.is_empty()
    }

    /// Reads the two parameters from a query string.
    pub fn from_query(query: &QueryPairs) -> Result<Projection, ScimError> {
        Ok(Projection {
            attributes: comma_paths(query.get("attributes"), "attributes")?,
            excluded: comma_paths(query.get("excludedAttributes"), "excludedAttributes")?,
        })
    }
}

fn comma_paths(list: Option<&str>, parameter: &str) -> Result<Vec<AttrPath>, ScimError> {
    list.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| attribute_path(p, parameter))
        .collect()
}

fn attribute_path(text: &str, parameter: &str) -> Result<AttrPath, ScimError> {
    protocol::parse_attr_path(text).map_err(|e| {
        ScimError::typed(
            ScimType::InvalidValue,
            format!("`{parameter}`: {}", e.detail),
        )
    })
}

/// Everything a list or search request asks for.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub filter: Option<Filter>,
    pub sort_by: Option<AttrPath>,
    pub sort_order: SortOrder,
    /// As sent; the paging rules of §3.4.2.4 are applied when the page is cut.
    pub start_index: Option<i64>,
    pub count: Option<i64>,
    pub projection: Projection,
}

impl ListParams {
    /// Reads a GET list request's query string.
    pub fn from_query(query: &QueryPairs) -> Result<ListParams, ScimError> {
        Ok(ListParams {
            filter: query
                .get("filter")
                .map(protocol::parse_filter)
                .transpose()?,
            sort_by: query
                .get("sortBy")
                .map(|p| attribute_path(p, "sortBy"))
                .transpose()?,
            sort_order: sort_order(query.get("sortOrder"))?,
            start_index: query
                .get("startIndex")
                .map(|v| integer_text(v, "startIndex"))
                .transpose()?,
            count: query
                .get("count")
                .map(|v| integer_text(v, "count"))
                .transpose()?,
            projection: Projection::from_query(query)?,
        })
    }

    /// Reads a SearchRequest body (§3.4.3); `attributes` and `excludedAttributes` are arrays.
    pub fn from_search_body(body: &Value) -> Result<ListParams, ScimError> {
        if !body.is_object() {
            return Err(ScimError::typed(
                ScimType::InvalidSyntax,
                "a SearchRequest must be a JSON object",
            ));
        }
        let field = |name| get_ci(body, name).filter(|v| !v.is_null());
        let text = |name: &'static str| -> Result<Option<&str>, ScimError> {
            match field(name) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(ScimError::typed(
                    ScimType::InvalidValue,
                    format!("`{name}` must be a string"),
                )),
            }
        };
        let number = |name: &'static str| -> Result<Option<i64>, ScimError> {
            match field(name) {
                None => Ok(None),
                Some(value) => value.as_i64().map(Some).ok_or_else(|| {
                    ScimError::typed(
                        ScimType::InvalidValue,
                        format!("`{name}` must be an integer"),
                    )
                }),
            }
        };
        let paths = |name: &'static str| -> Result<Vec<AttrPath>, ScimError> {
            match field(name) {
                None => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|item| match item {
                        Value::String(s) => attribute_path(s, name),
                        _ => Err(ScimError::typed(
                            ScimType::InvalidValue,
                            format!("`{name}` must be an array of strings"),
                        )),
                    })
                    .collect(),
                Some(Value::String(list)) => comma_paths(Some(list), name),
                Some(_) => Err(ScimError::typed(
                    ScimType::InvalidValue,
                    format!("`{name}` must be an array of strings"),
                )),
            }
        };
        Ok(ListParams {
            filter: text("filter")?.map(protocol::parse_filter).transpose()?,
            sort_by: text("sortBy")?
                .map(|p| attribute_path(p, "sortBy"))
                .transpose()?,
            sort_order: sort_order(text("sortOrder")?)?,
            start_index: number("startIndex")?,
            count: number("count")?,
            projection: Projection {
                attributes: paths("attributes")?,
                excluded: paths("excludedAttributes")?,
            },
        })
    }
}

fn sort_order(text: Option<&str>) -> Result<SortOrder, ScimError> {
    match text {
        None => Ok(SortOrder::Ascending),
        Some(text) => SortOrder::parse(text).ok_or_else(|| {
            ScimError::typed(
                ScimType::InvalidValue,
                format!("`sortOrder` must be `ascending` or `descending`, not `{text}`"),
            )
        }),
    }
}

/// A non-numeric `count` or `startIndex` is 400 `invalidValue`; numbers beyond i64 saturate.
fn integer_text(text: &str, parameter: &str) -> Result<i64, ScimError> {
    let trimmed = text.trim();
    if let Ok(n) = trimmed.parse::<i64>() {
        return Ok(n);
    }
    let digits = trimmed.strip_prefix(['-', '+']).unwrap_or(trimmed);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(if trimmed.starts_with('-') {
            i64::MIN
        } else {
            i64::MAX
        });
    }
    Err(ScimError::typed(
        ScimType::InvalidValue,
        format!("`{parameter}` must be an integer, not `{text}`"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_decoded_and_keep_plus_signs() {
        assert!(matches!(
            decode_path_segment("plain-id"),
            Ok(Cow::Borrowed("plain-id"))
        ));
        assert_eq!(decode_path_segment("a+b%20c&d").unwrap(), "a+b c&d");
        let error = decode_path_segment("bad%2").unwrap_err();
        assert_eq!(
            error.detail,
            "bad percent escape at byte 3 of a path segment"
        );
    }

    #[test]
    fn query_strings_are_percent_and_plus_decoded() {
        let query = QueryPairs::parse("filter=displayName+eq+%22EDU%20All%22&count=2").unwrap();
        assert_eq!(query.get("filter"), Some("displayName eq \"EDU All\""));
        assert_eq!(query.get("COUNT"), Some("2"));
    }

    #[test]
    fn broken_escapes_and_utf8_are_invalid_values() {
        for raw in ["filter=%2", "filter=%zz", "filter=%ff%fe"] {
            let error = QueryPairs::parse(raw).unwrap_err();
            assert_eq!(error.scim_type, Some(ScimType::InvalidValue), "{raw}");
        }
    }

    #[test]
    fn paging_numbers_are_integers_or_an_error() {
        assert_eq!(integer_text("-3", "count"), Ok(-3));
        assert_eq!(integer_text("99999999999999999999", "count"), Ok(i64::MAX));
        assert_eq!(integer_text("-99999999999999999999", "count"), Ok(i64::MIN));
        assert!(integer_text("ten", "count").is_err());
        assert!(integer_text("", "count").is_err());
    }
}
