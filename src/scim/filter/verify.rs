//! Checking a server's answer to a filtered request against the filter it was sent: a server
//! whose `eq` matches substrings, or that ignores `filter` altogether, returns resources that do
//! not match (Metatavu/keycloak-scim-server#67), and nothing else would tell.
//!
//! A resource can be judged only on the attributes it carries. When the request projected an
//! attribute the filter reads out of the answer (`attributes`, `excludedAttributes`, RFC 7644
//! §3.4.2.5), or the schema returns it only on request or never (RFC 7643 §2.2), its absence
//! says nothing, so the answer is not checked at all rather than judged wrongly.

use std::fmt;

use serde_json::Value;

use super::{EvalError, Filter, matches, validate};
use crate::scim::path::{AttrPath, parse_attr_path};
use crate::scim::schema::{ResourceSchema, Returned};

/// Why an answer cannot be checked against its filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Unverifiable {
    /// The filter reads an attribute that the answer need not carry.
    NotReturned {
        /// The attribute, as the filter names it.
        attribute: String,
        /// Why it may be missing, such as "excludedAttributes names it".
        reason: &'static str,
    },
    /// The filter compares in a way the schema does not allow, so scimctl cannot evaluate it.
    NotEvaluable(EvalError),
    /// An `attributes` or `excludedAttributes` path that scimctl cannot read (sent with
    /// `--raw`), so what the answer carries is unknown.
    UnreadableProjection(String),
}

impl fmt::Display for Unverifiable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unverifiable::NotReturned { attribute, reason } => write!(
                f,
                "the filter reads `{attribute}`, which the answer need not carry ({reason})"
            ),
            Unverifiable::NotEvaluable(error) => write!(f, "scimctl cannot evaluate it: {error}"),
            Unverifiable::UnreadableProjection(path) => write!(
                f,
                "scimctl cannot read the attribute path `{path}` the request was sent with"
            ),
        }
    }
}

/// Judges the resources of an answer against the filter that asked for them, counting those
/// that do not match.
#[derive(Debug)]
pub struct FilterCheck<'a> {
    filter: &'a Filter,
    schema: &'a ResourceSchema,
    checked: u64,
    mismatched: u64,
}

impl<'a> FilterCheck<'a> {
    /// A check of the answers to `filter` over resources of `schema`, requested with these
    /// `attributes` and `excluded_attributes` (as sent; empty for the default set).
    pub fn new(
        filter: &'a Filter,
        schema: &'a ResourceSchema,
        attributes: &[String],
        excluded_attributes: &[String],
    ) -> Result<FilterCheck<'a>, Unverifiable> {
        validate(filter, schema).map_err(Unverifiable::NotEvaluable)?;
        let parse = |list: &[String]| -> Result<Vec<AttrPath>, Unverifiable> {
            list.iter()
                .map(|text| {
                    parse_attr_path(text.trim())
                        .map_err(|_| Unverifiable::UnreadableProjection(text.clone()))
                })
                .collect()
        };
        let (attributes, excluded) = (parse(attributes)?, parse(excluded_attributes)?);
        let mut read = Vec::new();
        attributes_read(filter, None, &mut read);
        for path in &read {
            if let Some(reason) = why_missing(path, schema, &attributes, &excluded) {
                return Err(Unverifiable::NotReturned {
                    attribute: path.to_string(),
                    reason,
                });
            }
        }
        Ok(FilterCheck {
            filter,
            schema,
            checked: 0,
            mismatched: 0,
        })
    }

    /// Whether `resource` matches the filter, counting it. A resource the filter cannot be
    /// evaluated on counts as a match: only a definite mismatch is reported.
    pub fn admit(&mut self, resource: &Value) -> bool {
        self.checked += 1;
        let matched = matches(self.filter, resource, self.schema).unwrap_or(true);
        if !matched {
            self.mismatched += 1;
        }
        matched
    }

    /// Resources judged so far.
    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// Resources judged so far that do not match.
    pub fn mismatched(&self) -> u64 {
        self.mismatched
    }
}

/// Collects the attribute paths `filter` reads; inside `parent[...]`, paths are the parent's
/// sub-attributes.
fn attributes_read(filter: &Filter, parent: Option<&AttrPath>, out: &mut Vec<AttrPath>) {
    let place = |path: &AttrPath| match parent {
        Some(parent) => AttrPath {
            urn: parent.urn.clone(),
            name: parent.name.clone(),
            sub: Some(path.name.clone()),
        },
        None => path.clone(),
    };
    match filter {
        Filter::Present(path) | Filter::Compare(path, ..) => out.push(place(path)),
        Filter::Not(inner) => attributes_read(inner, parent, out),
        Filter::And(left, right) | Filter::Or(left, right) => {
            attributes_read(left, parent, out);
            attributes_read(right, parent, out);
        }
        Filter::ValuePath(path, inner) => attributes_read(inner, Some(&place(path)), out),
    }
}

/// Why the attribute at `path` may be absent from an answer requested with `attributes` or
/// `excluded`, if it may.
fn why_missing(
    path: &AttrPath,
    schema: &ResourceSchema,
    attributes: &[AttrPath],
    excluded: &[AttrPath],
) -> Option<&'static str> {
    let resolved = schema.resolve(path);
    let returned = resolved.map_or(Returned::Default, |r| {
        match (r.attribute.returned, r.sub_attribute.map(|s| s.returned)) {
            (Returned::Never, _) | (_, Some(Returned::Never)) => Returned::Never,
            (Returned::Always, _) => Returned::Always,
            (_, Some(sub)) => sub,
            (top, None) => top,
        }
    });
    let urn = resolved
        .map(|r| r.schema.id.as_str())
        .or(path.urn.as_deref());
    let named_in = |list: &[AttrPath]| list.iter().any(|listed| names(listed, path, urn));
    match returned {
        Returned::Always => None,
        Returned::Never => Some("the schema never returns it"),
        _ if !attributes.is_empty() && !named_in(attributes) => {
            Some("`attributes` does not name it")
        }
        Returned::Request if attributes.is_empty() => {
            Some("the schema returns it only when asked for")
        }
        _ if attributes.is_empty() && named_in(excluded) => Some("`excludedAttributes` names it"),
        _ => None,
    }
}

/// Whether the projection path `listed` covers the attribute at `path` (of the schema `urn`):
/// the same attribute, its parent, or its whole extension.
fn names(listed: &AttrPath, path: &AttrPath, urn: Option<&str>) -> bool {
    if let (Some(listed_urn), Some(urn)) = (listed.urn.as_deref(), urn) {
        // A bare extension URN names the whole extension; the attribute path parser splits it
        // at its last `:`, as if its last part were an attribute.
        let whole = match listed.name.as_str() {
            "" => listed_urn.to_owned(),
            name => format!("{listed_urn}:{name}"),
        };
        if listed.sub.is_none() && whole.eq_ignore_ascii_case(urn) {
            return true;
        }
        if !listed_urn.eq_ignore_ascii_case(urn) {
            return false;
        }
    }
    listed.name.eq_ignore_ascii_case(&path.name)
        && match (&listed.sub, &path.sub) {
            (None, _) => true,
            (Some(listed), Some(sub)) => listed.eq_ignore_ascii_case(sub),
            (Some(_), None) => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::filter::parse_filter;
    use serde_json::json;

    fn check<'a>(
        filter: &'a Filter,
        schema: &'a ResourceSchema,
        attributes: &[&str],
        excluded: &[&str],
    ) -> Result<FilterCheck<'a>, Unverifiable> {
        let owned = |list: &[&str]| list.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
        FilterCheck::new(filter, schema, &owned(attributes), &owned(excluded))
    }

    #[test]
    fn resources_that_do_not_match_are_counted() {
        let schema = ResourceSchema::user();
        let filter = parse_filter(r#"userName eq "px""#).expect("filter");
        let mut check = check(&filter, &schema, &[], &[]).expect("verifiable");
        assert!(
            check.admit(&json!({"userName": "PX"})),
            "userName is caseExact false"
        );
        assert!(!check.admit(&json!({"userName": "px_1"})));
        assert!(!check.admit(&json!({"id": "no name"})));
        assert_eq!((check.checked(), check.mismatched()), (3, 2));
    }

    #[test]
    fn an_attribute_projected_away_makes_the_answer_unverifiable() {
        let users = ResourceSchema::user();
        let by_name = parse_filter(r#"userName sw "p""#).expect("filter");
        let refused = check(&by_name, &users, &["emails"], &[]).expect_err("not returned");
        assert_eq!(
            refused.to_string(),
            "the filter reads `userName`, which the answer need not carry (`attributes` does \
             not name it)"
        );
        assert!(check(&by_name, &users, &["userName", "emails"], &[]).is_ok());
        assert!(check(&by_name, &users, &[], &["userName"]).is_err());
        assert!(check(&by_name, &users, &[], &["emails"]).is_ok());
        let by_id = parse_filter(r#"id eq "1""#).expect("filter");
        assert!(
            check(&by_id, &users, &["emails"], &["id"]).is_ok(),
            "id is always returned"
        );
        let groups = ResourceSchema::group();
        let by_member = parse_filter(r#"members[value eq "1"]"#).expect("filter");
        assert!(check(&by_member, &groups, &[], &["members"]).is_err());
        assert!(check(&by_member, &groups, &["members.value"], &[]).is_ok());
        assert!(check(&by_member, &groups, &["members.display"], &[]).is_err());
        let by_department = parse_filter(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "T""#,
        )
        .expect("filter");
        assert!(
            check(
                &by_department,
                &users,
                &[],
                &["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
            )
            .is_err(),
            "the whole extension is excluded"
        );
        assert!(
            check(
                &by_department,
                &users,
                &["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                &[]
            )
            .is_ok()
        );
        assert!(check(&by_department, &users, &["userName"], &[]).is_err());
    }

    #[test]
    fn a_projection_scimctl_cannot_read_makes_it_unverifiable() {
        let users = ResourceSchema::user();
        let by_name = parse_filter(r#"userName eq "p""#).expect("filter");
        assert_eq!(
            check(&by_name, &users, &["userName[bad"], &[]).expect_err("unreadable"),
            Unverifiable::UnreadableProjection("userName[bad".to_owned())
        );
    }

    #[test]
    fn attributes_the_schema_does_not_return_by_default_make_it_unverifiable() {
        let users = ResourceSchema::user();
        let by_password = parse_filter(r#"password eq "x""#).expect("filter");
        assert!(matches!(
            check(&by_password, &users, &[], &[]),
            Err(Unverifiable::NotReturned {
                reason: "the schema never returns it",
                ..
            })
        ));
    }

    #[test]
    fn a_filter_the_schema_forbids_is_not_evaluable() {
        let users = ResourceSchema::user();
        let ordered_boolean = parse_filter("active gt true").expect("filter");
        assert!(matches!(
            check(&ordered_boolean, &users, &[], &[]),
            Err(Unverifiable::NotEvaluable(_))
        ));
    }
}
