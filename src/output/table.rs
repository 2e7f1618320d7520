//! Tables for people: comfy-table, with server text escaped and long cells cut.

use comfy_table::{ContentArrangement, Table, presets};
use serde_json::Value;

use super::MAX_CELL_CHARS;
use super::fields::value_text;
use crate::client::{Lines, for_terminal};

/// Draws `rows` under `headers`. Tables are for people, so control characters in cells are
/// always made visible and long cells are cut.
pub fn render(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_HORIZONTAL_ONLY)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers.iter().copied());
    for row in rows {
        table.add_row(
            row.iter()
                .map(|cell| for_terminal(cell, Lines::Escape, MAX_CELL_CHARS)),
        );
    }
    table.to_string()
}

/// One resource as `attribute | value` rows: complex attributes are spread into
/// `name.sub` rows (extensions as `urn:...:attr`), everything else is one row.
pub fn attribute_rows(resource: &Value) -> Vec<Vec<String>> {
    let Some(object) = resource.as_object() else {
        return vec![vec![String::new(), value_text(resource)]];
    };
    let mut rows = Vec::new();
    for (key, value) in object {
        match value {
            Value::Object(inner) => {
                let joiner = if key.contains(':') { ":" } else { "." };
                for (sub, sub_value) in inner {
                    rows.push(vec![format!("{key}{joiner}{sub}"), value_text(sub_value)]);
                }
            }
            other => rows.push(vec![key.clone(), value_text(other)]),
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn complex_and_extension_attributes_are_spread_into_paths() {
        let rows = attribute_rows(&json!({
            "userName": "bjensen",
            "name": {"givenName": "Barbara"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tour"},
            "emails": [{"value": "b@x.org"}]
        }));
        assert_eq!(
            rows,
            [
                ["userName", "bjensen"],
                ["name.givenName", "Barbara"],
                [
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                    "Tour"
                ],
                ["emails", r#"[{"value":"b@x.org"}]"#],
            ]
        );
    }

    #[test]
    fn cells_are_escaped_even_off_a_terminal() {
        let text = render(
            &["id", "userName"],
            vec![vec!["a".into(), "evil\u{1b}[31m".into()]],
        );
        assert!(text.contains("userName"), "{text}");
        assert!(text.contains("evil\\u{1b}[31m"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
    }
}
