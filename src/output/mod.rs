//! The terminal edge: printing resources and lists as a table, JSON, NDJSON, CSV or the raw
//! server body, the colour policy, the before/after diff of a write, and progress. The only user
//! of comfy-table and indicatif; it writes to the `io::Write` it is given and never sends a
//! request.
//!
//! It writes to any `io::Write` it is given (stdout in the binary, a buffer in tests) and returns
//! write errors, so a closed pipe ends the command quietly instead of panicking. Server text in
//! tables is escaped before it reaches a terminal.

mod color;
mod diff;
mod fields;
pub mod progress;
mod table;

use std::fmt;
use std::io::{self, Write};

use serde_json::Value;

use crate::scim::schema::ResourceSchema;
use crate::text::{Lines, for_terminal};

pub use color::{ColorChoice, ColorEnv, use_color};
pub use diff::render_changes;
pub use fields::{Column, parse_columns, split_list, value_text, values_at};
pub use table::Width;
pub use table::render as render_table;

/// The width tables on stdout are cut to ([`Width::choose`]): the terminal's width is asked
/// for only when stdout is one.
pub fn stdout_table_width(
    wide: bool,
    columns_env: Option<&str>,
    stdout_is_terminal: bool,
) -> Width {
    let terminal = stdout_is_terminal
        .then(|| terminal_size::terminal_size_of(io::stdout()))
        .flatten()
        .map(|(width, _)| width.0);
    Width::choose(wide, columns_env, terminal)
}

/// Longest cell text shown in a table before it is cut.
const MAX_CELL_CHARS: usize = 200;

/// How results are printed (`-o`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A table (comfy-table), the default on a terminal.
    Table,
    /// Pretty JSON, the default otherwise; a list is a JSON array of resources.
    Json,
    /// One compact JSON resource per line, streamed page by page.
    Ndjson,
    /// Comma-separated values with a header row.
    Csv,
    /// The server's body bytes, as received.
    Raw,
}

impl Format {
    /// Every format's name, as `-o` takes it.
    pub const NAMES: [&'static str; 5] = ["table", "json", "ndjson", "csv", "raw"];

    /// Parses a format name.
    pub fn parse(text: &str) -> Result<Format, String> {
        match text.to_ascii_lowercase().as_str() {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "ndjson" | "jsonl" => Ok(Format::Ndjson),
            "csv" => Ok(Format::Csv),
            "raw" => Ok(Format::Raw),
            _ => Err(format!(
                "unknown output format `{text}`; expected one of {}",
                Format::NAMES.join(", ")
            )),
        }
    }

    /// The format when none is asked for: a table for people, JSON for programs.
    pub fn default_for(stdout_is_terminal: bool) -> Format {
        if stdout_is_terminal {
            Format::Table
        } else {
            Format::Json
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
            Format::Raw => "raw",
        };
        f.write_str(name)
    }
}

/// Prints results to one stream in one format.
pub struct Printer<W: Write> {
    out: W,
    format: Format,
    columns: Vec<Column>,
    /// Whether `--fields` chose the columns (a single resource is then a one-row table too).
    chosen_columns: bool,
    schema: ResourceSchema,
    /// Escape control characters in CSV and raw output (the stream is a terminal); tables
    /// are always escaped.
    escape: bool,
    /// How wide tables may be.
    width: Width,
}

impl<W: Write> Printer<W> {
    /// A printer of `format` to `out`. `columns` are the kind's default table columns unless
    /// `chosen` (from `--fields`); `schema` evaluates value filters in column paths.
    pub fn new(out: W, format: Format, columns: Vec<Column>, chosen: bool) -> Self {
        Printer {
            out,
            format,
            columns,
            chosen_columns: chosen,
            schema: ResourceSchema::user(),
            escape: false,
            width: Width::Fit(table::DEFAULT_WIDTH),
        }
    }

    /// The schemas that column paths are read against (the User schema by default).
    pub fn with_schema(mut self, schema: ResourceSchema) -> Self {
        self.schema = schema;
        self
    }

    /// Escape control characters in CSV and raw output too (for a terminal).
    pub fn escaping(mut self, escape: bool) -> Self {
        self.escape = escape;
        self
    }

    /// How wide tables may be ([`Width::choose`]); a fixed [`Width::Fit`] by default.
    pub fn table_width(mut self, width: Width) -> Self {
        self.width = width;
        self
    }

    /// The format in use.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Prints one resource. `raw` is the server's body, for `-o raw`.
    pub fn resource(&mut self, resource: &Value, raw: Option<&[u8]>) -> io::Result<()> {
        match self.format {
            Format::Table if !self.chosen_columns => {
                let rows = table::attribute_rows(resource);
                let text = table::render(&["attribute", "value"], rows, self.width);
                writeln!(self.out, "{text}")?;
                self.out.flush()
            }
            Format::Json => {
                serde_json::to_writer_pretty(&mut self.out, resource)?;
                writeln!(self.out)?;
                self.out.flush()
            }
            Format::Raw => self.raw(raw, resource),
            Format::Table | Format::Ndjson | Format::Csv => {
                let mut list = self.list();
                list.page(std::slice::from_ref(resource))?;
                list.finish()
            }
        }
    }

    /// Starts printing a list; feed it page by page, then [`ListPrinter::finish`].
    pub fn list(&mut self) -> ListPrinter<'_, W> {
        ListPrinter {
            printer: self,
            rows: Vec::new(),
            printed: 0,
            csv_header_done: false,
            finished: false,
        }
    }

    /// The server's body as received (escaped on a terminal); without one, compact JSON.
    pub fn raw(&mut self, raw: Option<&[u8]>, fallback: &Value) -> io::Result<()> {
        let bytes = match raw {
            Some(bytes) => bytes.to_vec(),
            None => serde_json::to_vec(fallback).map_err(io::Error::other)?,
        };
        if self.escape {
            let text = String::from_utf8_lossy(&bytes);
            write!(self.out, "{}", for_terminal(&text, Lines::Keep, usize::MAX))?;
        } else {
            self.out.write_all(&bytes)?;
        }
        if !bytes.ends_with(b"\n") {
            writeln!(self.out)?;
        }
        self.out.flush()
    }

    /// The column headers, in order.
    fn headers(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.header.as_str()).collect()
    }

    fn cells(&self, resource: &Value) -> Vec<String> {
        self.columns
            .iter()
            .map(|column| column.cell(resource, &self.schema))
            .collect()
    }
}

/// A list being printed. JSON, NDJSON and CSV stream each page as it arrives; a table needs
/// every row to size its columns, so it is drawn at the end.
///
/// A list dropped before [`ListPrinter::finish`] (Ctrl-C between pages, a page that failed)
/// still closes a JSON array it opened, so stdout holds valid JSON with what was printed. An
/// unfinished table is not drawn: its rows are incomplete, and the exit code says so.
pub struct ListPrinter<'p, W: Write> {
    printer: &'p mut Printer<W>,
    rows: Vec<Vec<String>>,
    printed: usize,
    csv_header_done: bool,
    finished: bool,
}

impl<W: Write> ListPrinter<'_, W> {
    /// Prints (or, for a table, keeps) one page of resources.
    pub fn page(&mut self, resources: &[Value]) -> io::Result<()> {
        match self.printer.format {
            Format::Table => {
                for resource in resources {
                    let cells = self.printer.cells(resource);
                    self.rows.push(cells);
                }
                Ok(())
            }
            Format::Json => {
                for resource in resources {
                    let text = serde_json::to_string_pretty(resource).map_err(io::Error::other)?;
                    let separator = if self.printed == 0 { "[\n" } else { ",\n" };
                    self.printer.out.write_all(separator.as_bytes())?;
                    for (index, line) in text.lines().enumerate() {
                        if index > 0 {
                            self.printer.out.write_all(b"\n")?;
                        }
                        write!(self.printer.out, "  {line}")?;
                    }
                    self.printed += 1;
                }
                self.printer.out.flush()
            }
            Format::Ndjson | Format::Raw => {
                for resource in resources {
                    serde_json::to_writer(&mut self.printer.out, resource)?;
                    self.printer.out.write_all(b"\n")?;
                    self.printed += 1;
                }
                self.printer.out.flush()
            }
            Format::Csv => {
                let mut text = Vec::new();
                {
                    let mut writer = csv::Writer::from_writer(&mut text);
                    if !self.csv_header_done {
                        writer
                            .write_record(self.printer.headers())
                            .map_err(io::Error::other)?;
                        self.csv_header_done = true;
                    }
                    for resource in resources {
                        let cells = self.printer.cells(resource);
                        let cells = cells.iter().map(|cell| self.printer.shown(cell));
                        writer.write_record(cells).map_err(io::Error::other)?;
                    }
                    writer.flush()?;
                }
                self.printer.out.write_all(&text)?;
                self.printer.out.flush()
            }
        }
    }

    /// Ends the list: closes the JSON array, or draws the table.
    pub fn finish(mut self) -> io::Result<()> {
        self.finished = true;
        match self.printer.format {
            Format::Json => {
                let end = if self.printed == 0 { "[]\n" } else { "\n]\n" };
                self.printer.out.write_all(end.as_bytes())?;
            }
            Format::Table => {
                let text = table::render(
                    &self.printer.headers(),
                    std::mem::take(&mut self.rows),
                    self.printer.width,
                );
                writeln!(self.printer.out, "{text}")?;
            }
            Format::Csv if !self.csv_header_done => {
                self.page(&[])?;
            }
            _ => {}
        }
        self.printer.out.flush()
    }
}

impl<W: Write> Drop for ListPrinter<'_, W> {
    fn drop(&mut self) {
        if !self.finished && self.printer.format == Format::Json && self.printed > 0 {
            // Best effort: a closed pipe may be what ended the list.
            let _ = self
                .printer
                .out
                .write_all(b"\n]\n")
                .and_then(|()| self.printer.out.flush());
        }
    }
}

impl<W: Write> Printer<W> {
    /// Cell text as it may be shown: escaped and cut on a terminal, untouched otherwise.
    fn shown(&self, text: &str) -> String {
        if self.escape {
            for_terminal(text, Lines::Escape, MAX_CELL_CHARS)
        } else {
            text.to_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn columns() -> Vec<Column> {
        vec![
            Column::path("id").expect("valid"),
            Column::path("userName").expect("valid"),
        ]
    }

    fn print_list(format: Format, pages: &[&[Value]]) -> String {
        let mut out = Vec::new();
        let mut printer = Printer::new(&mut out, format, columns(), false);
        let mut list = printer.list();
        for page in pages {
            list.page(page).expect("writes");
        }
        list.finish().expect("writes");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn formats_parse_by_name() {
        assert_eq!(Format::parse("NDJSON"), Ok(Format::Ndjson));
        assert!(
            Format::parse("yaml")
                .expect_err("unknown")
                .contains("table, json")
        );
        assert_eq!(Format::default_for(true), Format::Table);
        assert_eq!(Format::default_for(false), Format::Json);
    }

    #[test]
    fn a_json_list_is_one_array_across_pages() {
        let a = json!({"id": "a", "userName": "x"});
        let b = json!({"id": "b"});
        let text = print_list(
            Format::Json,
            &[std::slice::from_ref(&a), std::slice::from_ref(&b)],
        );
        let parsed: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(parsed, json!([a, b]));
        assert_eq!(
            text,
            serde_json::to_string_pretty(&parsed).expect("json") + "\n"
        );
        assert_eq!(print_list(Format::Json, &[]), "[]\n");
    }

    #[test]
    fn a_json_list_dropped_unfinished_closes_the_array_it_opened() {
        let a = json!({"id": "a"});
        let unfinished = |format: Format, pages: &[&[Value]]| {
            let mut out = Vec::new();
            let mut printer = Printer::new(&mut out, format, columns(), false);
            let mut list = printer.list();
            for page in pages {
                list.page(page).expect("writes");
            }
            drop(list);
            String::from_utf8(out).expect("utf-8")
        };
        let text = unfinished(Format::Json, &[std::slice::from_ref(&a)]);
        let parsed: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(parsed, json!([a]));
        assert_eq!(
            unfinished(Format::Json, &[]),
            "",
            "no array was opened, so none is closed (an error before the first page prints no list)"
        );
        assert_eq!(
            unfinished(Format::Table, &[std::slice::from_ref(&a)]),
            "",
            "an unfinished table is not drawn"
        );
    }

    #[test]
    fn ndjson_is_one_resource_per_line() {
        let text = print_list(
            Format::Ndjson,
            &[&[json!({"id": "a"})], &[json!({"id": "b"})]],
        );
        assert_eq!(text, "{\"id\":\"a\"}\n{\"id\":\"b\"}\n");
    }

    #[test]
    fn csv_has_one_header_row_and_quotes_what_needs_it() {
        let text = print_list(
            Format::Csv,
            &[
                &[json!({"id": "a", "userName": "x,y"})],
                &[json!({"id": "b", "userName": "z"})],
            ],
        );
        assert_eq!(text, "id,userName\na,\"x,y\"\nb,z\n");
        assert_eq!(print_list(Format::Csv, &[]), "id,userName\n");
    }

    #[test]
    fn a_table_escapes_control_characters_from_the_server_even_off_a_terminal() {
        let mut out = Vec::new();
        let mut printer = Printer::new(&mut out, Format::Table, columns(), false);
        let mut list = printer.list();
        list.page(&[json!({"id": "a", "userName": "evil\u{1b}[31m"})])
            .expect("writes");
        list.finish().expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.contains("evil\\u{1b}[31m"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
    }

    #[test]
    fn raw_prints_the_server_bytes() {
        let mut out = Vec::new();
        let mut printer = Printer::new(&mut out, Format::Raw, columns(), false);
        printer
            .resource(&json!({}), Some(b"{\"id\" : \"a\"}"))
            .expect("writes");
        assert_eq!(out, b"{\"id\" : \"a\"}\n");
    }

    #[test]
    fn a_single_resource_on_a_terminal_is_an_attribute_table() {
        let mut out = Vec::new();
        let mut printer = Printer::new(&mut out, Format::Table, columns(), false);
        printer
            .resource(&json!({"id": "a", "name": {"givenName": "B"}}), None)
            .expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.contains("name.givenName"), "{text}");
    }
}
