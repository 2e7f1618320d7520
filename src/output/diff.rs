//! A write's before/after diff for people (`--diff`, on stderr): one line per changed SCIM
//! path, so a silent no-op or a wiped attribute is visible at a glance.

use crate::scim::diff::Change;
use crate::text::{one_line, paint};

/// One line per change: `+ path: value` (added, green), `- path: value` (removed, red),
/// `~ path: before -> after` (changed, yellow); `no changes` when there are none. Values are
/// compact JSON with control characters escaped.
pub fn render_changes(changes: &[Change], color: bool) -> String {
    if changes.is_empty() {
        return "no changes\n".to_owned();
    }
    let shown = |value: &serde_json::Value| one_line(&value.to_string());
    let mut out = String::new();
    for change in changes {
        let path = one_line(&change.path);
        let line = match (&change.before, &change.after) {
            (None, Some(after)) => paint(&format!("+ {path}: {}", shown(after)), "32", color),
            (Some(before), None) => paint(&format!("- {path}: {}", shown(before)), "31", color),
            (Some(before), Some(after)) => paint(
                &format!("~ {path}: {} -> {}", shown(before), shown(after)),
                "33",
                color,
            ),
            (None, None) => continue,
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(
        path: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Change {
        Change {
            path: path.to_owned(),
            before,
            after,
        }
    }

    #[test]
    fn each_kind_of_change_has_its_sign() {
        let text = render_changes(
            &[
                change("nickName", None, Some(json!("Babs"))),
                change("title", Some(json!("Tour Guide")), None),
                change(
                    "name.givenName",
                    Some(json!("Barbara")),
                    Some(json!("Babs")),
                ),
            ],
            false,
        );
        assert_eq!(
            text,
            "+ nickName: \"Babs\"\n- title: \"Tour Guide\"\n~ name.givenName: \"Barbara\" -> \"Babs\"\n"
        );
    }

    #[test]
    fn a_silent_no_op_says_so() {
        assert_eq!(render_changes(&[], true), "no changes\n");
    }

    #[test]
    fn colour_wraps_each_line() {
        let text = render_changes(&[change("active", Some(json!(true)), None)], true);
        assert_eq!(text, "\u{1b}[31m- active: true\u{1b}[0m\n");
    }
}
