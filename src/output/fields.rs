//! Columns of table and csv output: which SCIM path fills each, and how a resource's values
//! become the text of a cell. It parses no path itself: the core's PATCH path parser does.
//!
//! A column's path is read by the core's PATCH path parser, so `name.givenName`,
//! `urn:...:User:department` and `emails[type eq "work"].value` all work; values are looked up
//! case-insensitively (RFC 7643 §2.1) and value filters are evaluated by the core.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::scim::diag::Diagnostic;
use crate::scim::filter::{ParseOptions, matches_element};
use crate::scim::path::{AttrPath, PatchPath, parse_patch_path_with, top_level_separators};
use crate::scim::resource::get_ci;
use crate::scim::schema::{AttrType, Attribute, ResourceSchema};

/// One column: a header and what fills it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The header, as shown.
    pub header: String,
    content: Content,
}

#[derive(Debug, Clone, PartialEq)]
enum Content {
    /// The values at a SCIM path.
    Path(PatchPath),
    /// How many values the path holds (a group's members).
    Count(PatchPath),
    /// A person's name: `name.formatted`, else the given and family names.
    PersonName,
    /// The `value` of a multi-valued attribute's primary element, else of its first.
    PrimaryValue(String),
    /// The values at a path joined by `; `, each replaced by its name when `names` has one
    /// (an id by a userName): the form `scimctl import` reads in `groups`, `members` and
    /// `manager` columns.
    Names(PatchPath, Option<Arc<HashMap<String, String>>>),
}

impl Column {
    /// A column showing the values at `path`, headed by the path itself.
    ///
    /// Fails with a diagnostic pointing into `path` when it is not a valid SCIM path.
    pub fn path(path: &str) -> Result<Column, Diagnostic> {
        Ok(Column {
            header: path.to_owned(),
            content: Content::Path(parse_path(path)?),
        })
    }

    /// A column showing the values at `path` under another header.
    pub fn titled(header: &str, path: &str) -> Result<Column, Diagnostic> {
        Ok(Column {
            header: header.to_owned(),
            content: Content::Path(parse_path(path)?),
        })
    }

    /// A column counting the values at `path`.
    pub fn count(header: &str, path: &str) -> Result<Column, Diagnostic> {
        Ok(Column {
            header: header.to_owned(),
            content: Content::Count(parse_path(path)?),
        })
    }

    /// A column showing the `value` of the element of `attribute` marked `primary`, or of its
    /// first element when none is (RFC 7643 §2.4 makes `primary` optional): a user with one
    /// email that is not marked primary still shows it.
    pub fn primary_value(header: &str, attribute: &str) -> Column {
        Column {
            header: header.to_owned(),
            content: Content::PrimaryValue(attribute.to_owned()),
        }
    }

    /// A column listing the values at `path` as `scimctl import` reads names: joined by `; `,
    /// each translated through `names` (ids to userNames) when it is there.
    pub fn names(
        header: &str,
        path: &str,
        names: Option<Arc<HashMap<String, String>>>,
    ) -> Result<Column, Diagnostic> {
        Ok(Column {
            header: header.to_owned(),
            content: Content::Names(parse_path(path)?, names),
        })
    }

    /// A column showing a person's name.
    pub fn person_name(header: &str) -> Column {
        Column {
            header: header.to_owned(),
            content: Content::PersonName,
        }
    }

    /// The cell of this column for `resource`: its values as text, joined by `, `.
    pub fn cell(&self, resource: &Value, schema: &ResourceSchema) -> String {
        match &self.content {
            Content::Path(path) => values_at(resource, path, schema)
                .iter()
                .map(|value| value_text(value))
                .collect::<Vec<_>>()
                .join(", "),
            Content::Count(path) => {
                let values = values_at(resource, path, schema);
                values
                    .iter()
                    .map(|value| value.as_array().map_or(1, Vec::len))
                    .sum::<usize>()
                    .to_string()
            }
            Content::PersonName => person_name(resource),
            Content::PrimaryValue(attribute) => primary_value(resource, attribute),
            Content::Names(path, names) => values_at(resource, path, schema)
                .iter()
                .map(|value| {
                    let text = value_text(value);
                    names
                        .as_ref()
                        .and_then(|names| names.get(&text).cloned())
                        .unwrap_or(text)
                })
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

fn parse_path(path: &str) -> Result<PatchPath, Diagnostic> {
    parse_patch_path_with(path.trim(), ParseOptions::lenient()).map(|parsed| parsed.path)
}

/// Parses `--fields`: paths separated by commas outside brackets and quotes (a value filter
/// may hold a comma: `emails[value co ","]`).
pub fn parse_columns(list: &str) -> Result<Vec<Column>, (String, Diagnostic)> {
    split_list(list)
        .into_iter()
        .filter(|part| !part.trim().is_empty())
        .map(|part| Column::path(part.trim()).map_err(|d| (part.trim().to_owned(), d)))
        .collect()
}

/// Splits a comma-separated list of paths, keeping commas inside `[...]` and `"..."`.
pub fn split_list(list: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for index in top_level_separators(list, ',') {
        parts.push(&list[start..index]);
        start = index + 1;
    }
    parts.push(&list[start..]);
    parts
}

/// The values a PATCH-style path designates in `resource` (never more than two levels deep,
/// RFC 7643 §2.3.8, so no recursion).
pub fn values_at<'a>(
    resource: &'a Value,
    path: &PatchPath,
    schema: &ResourceSchema,
) -> Vec<&'a Value> {
    let (attr, filter, sub) = match path {
        PatchPath::Attr(attr) => (attr, None, attr.sub.as_deref()),
        PatchPath::Filtered { attr, filter, sub } => (attr, Some(filter), sub.as_deref()),
    };
    let Some(top) = top_level(resource, attr) else {
        return Vec::new();
    };
    let mut elements: Vec<&Value> = match top {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    };
    if let Some(filter) = filter {
        let fallback;
        let attribute = match schema.resolve(&AttrPath {
            sub: None,
            ..attr.clone()
        }) {
            Some(resolved) => resolved.attribute,
            None => {
                fallback = Attribute::new(&attr.name, AttrType::Complex);
                &fallback
            }
        };
        elements.retain(|element| matches_element(filter, element, attribute).unwrap_or(false));
    }
    match sub {
        Some(sub) => elements
            .into_iter()
            .filter_map(|element| element.as_object().and_then(|map| get_ci(map, sub)))
            .filter(|value| !value.is_null())
            .collect(),
        None => elements,
    }
}

/// The top-level value `attr` names: under its extension URN's object when the URN is not
/// the core schema's, and the whole extension object for a URN-only path.
fn top_level<'a>(resource: &'a Value, attr: &AttrPath) -> Option<&'a Value> {
    let object = resource.as_object()?;
    let container = match &attr.urn {
        Some(urn) => match get_ci(object, urn) {
            Some(extension) => extension,
            None if attr.name.is_empty() => return None,
            None => resource,
        },
        None => resource,
    };
    if attr.name.is_empty() {
        return Some(container);
    }
    get_ci(container.as_object()?, &attr.name)
}

/// A value as cell text: strings as they are, other scalars as JSON, arrays of scalars joined,
/// anything else as compact JSON.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        Value::Array(items)
            if items
                .iter()
                .all(|item| !item.is_object() && !item.is_array()) =>
        {
            items.iter().map(value_text).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

fn primary_value(resource: &Value, attribute: &str) -> String {
    let elements = resource
        .as_object()
        .and_then(|map| get_ci(map, attribute))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let is_primary = |element: &&Value| {
        element
            .as_object()
            .and_then(|e| get_ci(e, "primary"))
            .is_some_and(|primary| primary == &Value::Bool(true))
    };
    elements
        .iter()
        .find(is_primary)
        .or_else(|| elements.first())
        .and_then(|element| element.as_object().and_then(|e| get_ci(e, "value")))
        .map(value_text)
        .unwrap_or_default()
}

fn person_name(resource: &Value) -> String {
    let Some(name) = resource
        .as_object()
        .and_then(|map| get_ci(map, "name"))
        .and_then(Value::as_object)
    else {
        return String::new();
    };
    if let Some(formatted) = get_ci(name, "formatted").and_then(Value::as_str) {
        return formatted.to_owned();
    }
    ["givenName", "familyName"]
        .iter()
        .filter_map(|part| get_ci(name, part).and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn babs() -> Value {
        let mut user = crate::scim::example_user();
        user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] =
            json!({"department": "Tour"});
        user
    }

    fn cell(path: &str) -> String {
        Column::path(path)
            .expect("valid path")
            .cell(&babs(), &ResourceSchema::user())
    }

    #[test]
    fn simple_and_sub_attribute_paths_are_case_insensitive() {
        assert_eq!(cell("userName"), "bjensen");
        assert_eq!(cell("NAME.givenname"), "Barbara");
        assert_eq!(cell("active"), "true");
        assert_eq!(cell("title"), "");
    }

    #[test]
    fn a_value_filter_picks_the_matching_elements() {
        assert_eq!(
            cell(r#"emails[type eq "work"].value"#),
            "bjensen@example.com"
        );
        assert_eq!(cell("emails[primary eq true].value"), "bjensen@example.com");
        assert_eq!(cell("emails.value"), "bjensen@example.com, babs@jensen.org");
    }

    #[test]
    fn extension_attributes_are_found_under_their_urn() {
        assert_eq!(
            cell("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
            "Tour"
        );
    }

    #[test]
    fn counts_and_names_have_their_own_columns() {
        let group = json!({"members": [{"value": "a"}, {"value": "b"}]});
        let count = Column::count("members", "members").expect("valid");
        assert_eq!(count.cell(&group, &ResourceSchema::group()), "2");
        assert_eq!(count.cell(&json!({}), &ResourceSchema::group()), "0");
        let email = Column::primary_value("email", "emails");
        assert_eq!(
            email.cell(&babs(), &ResourceSchema::user()),
            "bjensen@example.com"
        );
        let unmarked = json!({"emails": [{"value": "a@x.org"}, {"value": "b@x.org"}]});
        assert_eq!(
            email.cell(&unmarked, &ResourceSchema::user()),
            "a@x.org",
            "without a primary, the first"
        );
        assert_eq!(email.cell(&json!({}), &ResourceSchema::user()), "");
        let name = Column::person_name("name");
        assert_eq!(
            name.cell(&babs(), &ResourceSchema::user()),
            "Barbara Jensen"
        );
    }

    #[test]
    fn name_columns_join_with_semicolons_and_translate_ids() {
        let user = json!({
            "groups": [{"value": "g1", "display": "Ops"}, {"value": "g2", "display": "Tour, Guides"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "42"}}
        });
        let schema = ResourceSchema::user();
        let groups = Column::names("groups", "groups.display", None).expect("valid");
        assert_eq!(groups.cell(&user, &schema), "Ops; Tour, Guides");
        let user_names = Arc::new(HashMap::from([("42".to_owned(), "bjensen".to_owned())]));
        let manager = Column::names(
            "manager",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            Some(user_names),
        )
        .expect("valid");
        assert_eq!(manager.cell(&user, &schema), "bjensen");
        assert_eq!(manager.cell(&json!({}), &schema), "");
    }

    #[test]
    fn field_lists_split_on_commas_outside_filters() {
        assert_eq!(
            split_list(r#"id,emails[value co ","].value,name.givenName"#),
            ["id", r#"emails[value co ","].value"#, "name.givenName"]
        );
        let columns = parse_columns("id, userName").expect("valid");
        assert_eq!(columns[1].header, "userName");
    }

    #[test]
    fn an_invalid_field_is_reported_with_its_text() {
        let (text, diagnostic) = parse_columns(r#"id,emails[type eq work"#).expect_err("invalid");
        assert_eq!(text, r#"emails[type eq work"#);
        assert!(!diagnostic.message.is_empty());
    }
}
