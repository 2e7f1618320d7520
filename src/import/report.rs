//! What an import did, counted ([`Tally`]) and, with `--report json=FILE`, written row by row
//! as it happens (a 100,000-row import is never held in memory for its report).
//!
//! The JSON is a versioned wire format (`format_version`), described in `docs/import.md`:
//! ```json
//! {"format_version": 1, "command": "import users", "input": "users.csv", "endpoint": "...",
//!  "dry_run": false,
//!  "rows": [{"line": 2, "key": "bjensen", "outcome": "created", "id": "..."}, ...],
//!  "writes": [{"what": "members", "target": "Ops", "outcome": "updated", ...}, ...],
//!  "summary": {"rows": 2, "created": 1, ...}}
//! ```

use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;

use crate::import::plan::Change;

/// The report format version.
pub const FORMAT_VERSION: u32 = 1;

/// What happened to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    Created,
    Updated,
    Unchanged,
    /// Applied by an earlier, interrupted run of the same file.
    AppliedEarlier,
    Invalid,
    Failed,
    /// Dry run: would be created.
    Create,
    /// Dry run: would be updated.
    Update,
}

impl RowOutcome {
    /// The word used in reports and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            RowOutcome::Created => "created",
            RowOutcome::Updated => "updated",
            RowOutcome::Unchanged => "unchanged",
            RowOutcome::AppliedEarlier => "applied earlier",
            RowOutcome::Invalid => "invalid",
            RowOutcome::Failed => "failed",
            RowOutcome::Create => "create",
            RowOutcome::Update => "update",
        }
    }
}

/// Counts of what an import did or would do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub applied_earlier: u64,
    pub invalid: u64,
    pub failed: u64,
    pub deactivated: u64,
    pub deleted: u64,
    pub groups_created: u64,
    pub members_added: u64,
    pub managers_set: u64,
    /// Writes of no single row (groups, memberships, managers, deactivations) that failed.
    pub other_failed: u64,
}

impl Tally {
    /// Counts one row's outcome.
    pub fn count(&mut self, outcome: RowOutcome) {
        match outcome {
            RowOutcome::Created | RowOutcome::Create => self.created += 1,
            RowOutcome::Updated | RowOutcome::Update => self.updated += 1,
            RowOutcome::Unchanged => self.unchanged += 1,
            RowOutcome::AppliedEarlier => self.applied_earlier += 1,
            RowOutcome::Invalid => self.invalid += 1,
            RowOutcome::Failed => self.failed += 1,
        }
    }

    /// Rows that reached an outcome (for progress).
    pub fn rows_done(&self) -> u64 {
        self.created
            + self.updated
            + self.unchanged
            + self.applied_earlier
            + self.invalid
            + self.failed
    }

    /// Whether anything failed (rows or other writes).
    pub fn any_failed(&self) -> bool {
        self.failed > 0 || self.other_failed > 0
    }
}

/// One row in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowEntry<'a> {
    pub line: u64,
    pub key: &'a str,
    pub outcome: RowOutcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
    #[serde(skip_serializing_if = "<[ChangeEntry]>::is_empty")]
    pub changes: Vec<ChangeEntry>,
}

/// One changed attribute.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeEntry {
    pub path: String,
    pub before: Value,
    pub after: Value,
}

impl From<&Change> for ChangeEntry {
    fn from(change: &Change) -> ChangeEntry {
        ChangeEntry {
            path: change.path.clone(),
            before: change.before.clone().unwrap_or(Value::Null),
            after: change.after.clone().unwrap_or(Value::Null),
        }
    }
}

/// A write of no single row: a group, a membership, a manager, a deactivation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WriteEntry<'a> {
    /// `group`, `members`, `manager`, `deactivate` or `delete`.
    pub what: &'a str,
    /// The group's name, the user's key.
    pub target: &'a str,
    /// `created`, `updated`, `deactivated`, `deleted`, `failed`, or in a dry run what would be
    /// done.
    pub outcome: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<&'a str>,
}

/// What the report is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header<'a> {
    pub format_version: u32,
    /// `import users` or `import groups`.
    pub command: &'a str,
    pub input: &'a str,
    pub endpoint: &'a str,
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Rows,
    Writes,
}

/// A JSON report being written.
pub struct JsonReport<W: Write> {
    out: W,
    section: Section,
    in_section: u64,
}

impl<W: Write> std::fmt::Debug for JsonReport<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonReport").finish_non_exhaustive()
    }
}

impl<W: Write> JsonReport<W> {
    /// Writes the header and opens the list of rows.
    pub fn start(mut out: W, header: &Header<'_>) -> io::Result<JsonReport<W>> {
        let text = serde_json::to_string(header).map_err(io::Error::other)?;
        let open = text.strip_suffix('}').unwrap_or(&text);
        write!(out, "{open},\n\"rows\": [")?;
        Ok(JsonReport {
            out,
            section: Section::Rows,
            in_section: 0,
        })
    }

    fn item(&mut self, item: &impl Serialize) -> io::Result<()> {
        let separator = if self.in_section == 0 { "\n" } else { ",\n" };
        self.out.write_all(separator.as_bytes())?;
        serde_json::to_writer(&mut self.out, item).map_err(io::Error::other)?;
        self.in_section += 1;
        Ok(())
    }

    /// Adds one row.
    pub fn row(&mut self, entry: &RowEntry<'_>) -> io::Result<()> {
        debug_assert_eq!(self.section, Section::Rows, "rows come before other writes");
        self.item(entry)
    }

    /// Adds one write of no single row (closing the list of rows on the first).
    pub fn write(&mut self, entry: &WriteEntry<'_>) -> io::Result<()> {
        if self.section == Section::Rows {
            self.out.write_all(b"\n],\n\"writes\": [")?;
            self.section = Section::Writes;
            self.in_section = 0;
        }
        self.item(entry)
    }

    /// Closes the lists and writes the summary.
    pub fn finish(mut self, tally: &Tally) -> io::Result<W> {
        if self.section == Section::Rows {
            self.out.write_all(b"\n],\n\"writes\": [")?;
        }
        let summary = serde_json::to_string(tally).map_err(io::Error::other)?;
        write!(self.out, "\n],\n\"summary\": {summary}\n}}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_report_is_one_json_document_written_as_it_goes() {
        let header = Header {
            format_version: FORMAT_VERSION,
            command: "import users",
            input: "users.csv",
            endpoint: "http://h/scim/v2/Users",
            dry_run: false,
        };
        let mut report = JsonReport::start(Vec::new(), &header).unwrap();
        let mut tally = Tally::default();
        report
            .row(&RowEntry {
                line: 2,
                key: "bjensen",
                outcome: RowOutcome::Updated,
                id: Some("u1"),
                error: None,
                changes: vec![ChangeEntry {
                    path: "title".into(),
                    before: json!("Guide"),
                    after: Value::Null,
                }],
            })
            .unwrap();
        tally.count(RowOutcome::Updated);
        report
            .write(&WriteEntry {
                what: "members",
                target: "Ops",
                outcome: "updated",
                id: Some("g1"),
                detail: Some("1 added"),
            })
            .unwrap();
        let text = String::from_utf8(report.finish(&tally).unwrap()).unwrap();
        let parsed: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(parsed["format_version"], 1);
        assert_eq!(
            parsed["rows"],
            json!([{"line": 2, "key": "bjensen", "outcome": "updated", "id": "u1",
                    "changes": [{"path": "title", "before": "Guide", "after": null}]}])
        );
        assert_eq!(parsed["writes"][0]["detail"], "1 added");
        assert_eq!(parsed["summary"]["updated"], 1);
        let empty = JsonReport::start(Vec::new(), &header).unwrap();
        let text = String::from_utf8(empty.finish(&Tally::default()).unwrap()).unwrap();
        let parsed: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(parsed["rows"], json!([]));
        assert_eq!(parsed["writes"], json!([]));
    }
}
