//! Tables for people, in the compact style of `kubectl get` and `gh`: one header line, one line
//! per row, no borders or rules, columns two spaces apart. Server text is escaped, and long
//! values are cut with `…` so that every line fits the width (`--wide` never cuts to a width).
//! Widths are counted in terminal columns (a CJK character takes two); comfy-table lays the
//! columns out. Nothing here reads the terminal: the caller says how wide it is.

use comfy_table::{ContentArrangement, Table, presets};
use serde_json::Value;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::MAX_CELL_CHARS;
use super::fields::value_text;
use crate::text::{Lines, for_terminal};

/// The width a table is cut to when stdout is not a terminal and no `COLUMNS` says otherwise
/// (`-o table` into a file or a pipe).
pub const DEFAULT_WIDTH: u16 = 120;

/// Spaces between two columns.
const GAP: usize = 2;

/// A cut column keeps at least this many columns of text, the `…` included.
const MIN_CUT_WIDTH: usize = 6;

/// How wide a table may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// Cut long values with `…` so that each line fits in this many columns.
    Fit(u16),
    /// Cut nothing to a width (`--wide`).
    Unlimited,
}

impl Width {
    /// The width policy: `--wide` cuts nothing; otherwise a valid `COLUMNS` (as for `ls` and
    /// Python's `shutil`), else the terminal's width, else [`DEFAULT_WIDTH`].
    pub fn choose(wide: bool, columns_env: Option<&str>, terminal: Option<u16>) -> Width {
        if wide {
            return Width::Unlimited;
        }
        let from_env = columns_env
            .and_then(|text| text.trim().parse::<u16>().ok())
            .filter(|&columns| columns > 0);
        Width::Fit(from_env.or(terminal).unwrap_or(DEFAULT_WIDTH))
    }
}

/// Draws `rows` under `headers`. Control characters in cells are always made visible, and a
/// cell longer than [`MAX_CELL_CHARS`] is cut whatever the width.
///
/// To fit a [`Width::Fit`], the widest columns are cut first, all to the same width, so short
/// columns stay whole. The first column names the row (an id, an attribute, a feature) and is
/// never cut: an id with an ellipsis could not be pasted into the next command.
pub fn render(headers: &[&str], rows: Vec<Vec<String>>, width: Width) -> String {
    let mut lines: Vec<Vec<String>> = Vec::with_capacity(rows.len() + 1);
    lines.push(headers.iter().map(|h| for_table(h)).collect());
    lines.extend(
        rows.iter()
            .map(|row| row.iter().map(|cell| for_table(cell)).collect()),
    );
    let natural: Vec<usize> = (0..headers.len())
        .map(|column| {
            lines
                .iter()
                .filter_map(|line| line.get(column))
                .map(|cell| cell.width())
                .max()
                .unwrap_or(0)
        })
        .collect();
    if let Width::Fit(columns) = width {
        let caps = column_caps(&natural, usize::from(columns));
        for line in &mut lines {
            for (cell, cap) in line.iter_mut().zip(&caps) {
                cut(cell, *cap);
            }
        }
    }
    let mut cells = lines.into_iter();
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    if let Some(header) = cells.next() {
        table.set_header(header);
    }
    table.add_rows(cells);
    let last = headers.len().saturating_sub(1);
    for (index, column) in table.column_iter_mut().enumerate() {
        let gap = if index == last { 0 } else { GAP };
        column.set_padding((0, u16::try_from(gap).unwrap_or(0)));
    }
    table.trim_fmt()
}

/// Server text made safe for a terminal, on one line, cut at [`MAX_CELL_CHARS`].
fn for_table(text: &str) -> String {
    for_terminal(text, Lines::Escape, MAX_CELL_CHARS)
}

/// The widest each column may be for the table to fit in `budget` columns: the first column
/// keeps its width, the others are capped at the largest common width that fits (never below
/// [`MIN_CUT_WIDTH`], so a table too narrow for its first column overflows instead).
fn column_caps(natural: &[usize], budget: usize) -> Vec<usize> {
    let gaps = GAP * natural.len().saturating_sub(1);
    let total = natural.iter().sum::<usize>() + gaps;
    let Some((first, others)) = natural.split_first() else {
        return Vec::new();
    };
    if total <= budget || others.is_empty() {
        return natural.to_vec();
    }
    let fits =
        |cap: usize| first + gaps + others.iter().map(|w| (*w).min(cap)).sum::<usize>() <= budget;
    let widest = others.iter().copied().max().unwrap_or(0);
    let cap = (MIN_CUT_WIDTH..widest)
        .rev()
        .find(|&cap| fits(cap))
        .unwrap_or(MIN_CUT_WIDTH);
    std::iter::once(*first)
        .chain(others.iter().map(|w| (*w).min(cap)))
        .collect()
}

/// Cuts `cell` to `cap` display columns, the last of them an `…`.
fn cut(cell: &mut String, cap: usize) {
    if cell.width() <= cap {
        return;
    }
    let mut used = 0;
    let end = cell
        .char_indices()
        .find(|(_, c)| {
            used += c.width().unwrap_or(0);
            used > cap - 1
        })
        .map_or(cell.len(), |(index, _)| index);
    cell.truncate(end);
    cell.push('…');
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

    fn rows(cells: &[[&str; 3]]) -> Vec<Vec<String>> {
        cells
            .iter()
            .map(|row| row.iter().map(|cell| (*cell).to_owned()).collect())
            .collect()
    }

    #[test]
    fn a_table_is_a_header_line_and_one_line_per_row_without_rules() {
        let text = render(
            &["id", "userName", "active"],
            rows(&[["1", "bjensen", "true"], ["22", "jsmith", "false"]]),
            Width::Fit(80),
        );
        assert_eq!(
            text,
            "id  userName  active\n\
             1   bjensen   true\n\
             22  jsmith    false"
        );
    }

    #[test]
    fn long_values_are_cut_with_an_ellipsis_to_fit_the_width() {
        let long = "x".repeat(60);
        let text = render(
            &["id", "displayName", "active"],
            rows(&[["1", &long, "true"]]),
            Width::Fit(40),
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines.iter().all(|line| line.chars().count() <= 40),
            "{text}"
        );
        assert!(lines[1].contains("x…"), "{text}");
        assert!(lines[1].ends_with("true"), "{text}");
        let wide = render(
            &["id", "displayName", "active"],
            rows(&[["1", &long, "true"]]),
            Width::Unlimited,
        );
        assert!(wide.contains(&long), "{wide}");
    }

    #[test]
    fn the_first_column_is_never_cut_and_short_columns_stay_whole() {
        let id = "2819c223-7f76-453a-919d-413861904646";
        let long = "The Quick Brown Fox Jumps Over The Lazy Dog";
        let text = render(
            &["id", "displayName", "active"],
            rows(&[[id, long, "false"]]),
            Width::Fit(60),
        );
        assert_eq!(
            text,
            "id                                    displayName     active\n\
             2819c223-7f76-453a-919d-413861904646  The Quick Bro…  false"
        );
    }

    #[test]
    fn wide_characters_count_as_two_columns() {
        let text = render(
            &["id", "displayName", "active"],
            rows(&[["1", "東京都渋谷区の営業部門チーム", "true"]]),
            Width::Fit(24),
        );
        let row = text.lines().nth(1).expect("a row");
        assert_eq!(row, "1   東京都渋谷…  true");
        assert!(row.width() <= 24);
    }

    #[test]
    fn the_width_follows_wide_then_columns_then_the_terminal() {
        assert_eq!(Width::choose(true, Some("80"), Some(100)), Width::Unlimited);
        assert_eq!(Width::choose(false, Some("80"), Some(100)), Width::Fit(80));
        assert_eq!(
            Width::choose(false, Some("wide"), Some(100)),
            Width::Fit(100)
        );
        assert_eq!(
            Width::choose(false, Some("0"), None),
            Width::Fit(DEFAULT_WIDTH)
        );
        assert_eq!(Width::choose(false, None, None), Width::Fit(DEFAULT_WIDTH));
    }

    #[test]
    fn cells_are_escaped_even_off_a_terminal() {
        let text = render(
            &["id", "userName"],
            vec![vec!["a".into(), "evil\u{1b}[31m".into()]],
            Width::Fit(80),
        );
        assert!(text.contains("userName"), "{text}");
        assert!(text.contains("evil\\u{1b}[31m"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
    }
}
