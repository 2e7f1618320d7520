//! Reading a CSV input as a stream of records: UTF-8 with or without a byte-order mark, the
//! delimiter (`,`, `;` or tab) detected from the header row unless given, CRLF or LF line
//! ends, quoted fields holding delimiters, quotes and line breaks, and rows of the wrong
//! length kept (for the caller to reject with their line number).
//!
//! Bytes that are not UTF-8 stop the reading with the line and byte where they are. Records are
//! read one at a time from any `io::Read`, so a large file is never held in memory. Opening
//! files is the caller's business.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};

/// Delimiters tried when none is given, in order of preference on a tie.
const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];

/// The longest header row read to detect the delimiter.
const MAX_HEADER_BYTES: usize = 1024 * 1024;

/// A delimiter as `--delimiter` names it: `,`, `;`, tab or `|`, typed or by name.
pub fn delimiter_named(text: &str) -> Result<u8, String> {
    match text {
        "," | "comma" => Ok(b','),
        ";" | "semicolon" => Ok(b';'),
        "\t" | "tab" | "\\t" => Ok(b'\t'),
        "|" | "pipe" => Ok(b'|'),
        _ => Err(format!(
            "unknown delimiter `{text}`: use `,`, `;`, `tab` or `|`"
        )),
    }
}

/// Why the input cannot be read.
#[derive(Debug)]
pub enum InputError {
    /// The bytes at `line`, `column` (1-based, in bytes) are not UTF-8.
    NotUtf8 {
        line: u64,
        column: u64,
        /// 0-based offset in the file.
        offset: u64,
        byte: u8,
    },
    /// The input has no header row.
    Empty,
    /// The CSV structure is broken (an unclosed quote, say).
    Malformed {
        line: u64,
        message: String,
    },
    Io(io::Error),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::NotUtf8 {
                line,
                column,
                offset,
                byte,
            } => write!(
                f,
                "line {line} is not UTF-8: byte 0x{byte:02X} at byte {column} of the line \
                 (offset {offset} in the file); save the file as UTF-8 (in Excel: CSV UTF-8)"
            ),
            InputError::Empty => f.write_str("the input is empty: a header row is needed"),
            InputError::Malformed { line, message } => write!(f, "line {line}: {message}"),
            InputError::Io(error) => write!(f, "cannot read the input: {error}"),
        }
    }
}

impl std::error::Error for InputError {}

/// One data row: the line it starts on, and its cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: u64,
    pub cells: Vec<String>,
}

/// The header row read ahead of the rest, then the rest.
type Rejoined<R> = io::Chain<io::Cursor<Vec<u8>>, BufReader<R>>;

/// An open CSV input.
pub struct CsvSource<R: Read> {
    reader: csv::Reader<Utf8Checked<Rejoined<R>>>,
    headers: Vec<String>,
    delimiter: u8,
    record: csv::ByteRecord,
}

impl<R: Read> fmt::Debug for CsvSource<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsvSource")
            .field("headers", &self.headers)
            .field("delimiter", &char::from(self.delimiter))
            .finish_non_exhaustive()
    }
}

impl<R: Read> CsvSource<R> {
    /// Opens `input`: reads the header row, and detects the delimiter unless `delimiter` is
    /// given. A first line `version:...` (Entra's bulk templates) is skipped.
    pub fn open(input: R, delimiter: Option<u8>) -> Result<CsvSource<R>, InputError> {
        let mut input = BufReader::with_capacity(64 * 1024, input);
        let mut head = Vec::new();
        let mut skipped_lines = 0;
        read_line(&mut input, &mut head)?;
        let mut skipped_bytes = 0;
        if head.starts_with(b"\xEF\xBB\xBF") {
            head.drain(..3);
            skipped_bytes = 3;
        }
        if is_version_line(&head) {
            skipped_bytes += head.len() as u64;
            head.clear();
            read_line(&mut input, &mut head)?;
            skipped_lines = 1;
        }
        // A header may hold a quoted line break: read on while a quote is open.
        while quotes_open(&head) && head.len() < MAX_HEADER_BYTES {
            if read_line(&mut input, &mut head)? == 0 {
                break;
            }
        }
        if head.iter().all(u8::is_ascii_whitespace) {
            return Err(InputError::Empty);
        }
        let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(&head));
        let checked = Utf8Checked::new(
            io::Cursor::new(head).chain(input),
            skipped_lines,
            skipped_bytes,
        );
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(true)
            .from_reader(checked);
        let headers = match reader.byte_headers() {
            Ok(headers) => headers
                .iter()
                .map(|h| String::from_utf8_lossy(h).trim().to_owned())
                .collect(),
            Err(error) => return Err(convert(error, Some(1 + skipped_lines))),
        };
        Ok(CsvSource {
            reader,
            headers,
            delimiter,
            record: csv::ByteRecord::new(),
        })
    }

    /// The header row, each header trimmed.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The delimiter in use.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// The next data row; `None` at the end. Blank lines are skipped.
    pub fn next_record(&mut self) -> Option<Result<Record, InputError>> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let start = self.record.position().map_or(0, csv::Position::byte);
                let line = self.reader.get_mut().line_at(start);
                // The bytes were checked as they were read; this cannot fail.
                let cells = self
                    .record
                    .iter()
                    .map(|cell| String::from_utf8_lossy(cell).into_owned())
                    .collect();
                Some(Ok(Record { line, cells }))
            }
            Err(error) => {
                let line = error
                    .position()
                    .map(|p| self.reader.get_mut().line_at(p.byte()));
                Some(Err(convert(error, line)))
            }
        }
    }
}

impl<R: Read> Iterator for CsvSource<R> {
    type Item = Result<Record, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record()
    }
}

/// A csv error as an input error; `line` is where the record in error starts.
fn convert(error: csv::Error, line: Option<u64>) -> InputError {
    let line = line.unwrap_or_default();
    match error.into_kind() {
        csv::ErrorKind::Io(io) => match io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<NotUtf8>())
        {
            Some(bad) => InputError::NotUtf8 {
                line: bad.line,
                column: bad.column,
                offset: bad.offset,
                byte: bad.byte,
            },
            None => InputError::Io(io),
        },
        other => InputError::Malformed {
            line,
            message: format!("{:?}", other).to_lowercase(),
        },
    }
}

/// Reads one line (with its end) onto `into`; the number of bytes read.
fn read_line(input: &mut impl BufRead, into: &mut Vec<u8>) -> Result<usize, InputError> {
    let mut limited = input.take(MAX_HEADER_BYTES as u64);
    limited.read_until(b'\n', into).map_err(InputError::Io)
}

fn is_version_line(line: &[u8]) -> bool {
    let text = String::from_utf8_lossy(line);
    let text = text.trim();
    text.len() >= 8
        && text[..8].eq_ignore_ascii_case("version:")
        && !DELIMITERS.iter().any(|d| text.as_bytes().contains(d))
}

/// Whether a double quote is still open at the end of `text`.
fn quotes_open(text: &[u8]) -> bool {
    text.iter().filter(|b| **b == b'"').count() % 2 == 1
}

/// The delimiter that occurs most often outside quotes in the header row (`,` on a tie).
fn detect_delimiter(header: &[u8]) -> u8 {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut quoted = false;
    for byte in header {
        if *byte == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(index) = DELIMITERS.iter().position(|d| d == byte) {
            counts[index] += 1;
        }
    }
    let mut best = 0;
    for index in 1..DELIMITERS.len() {
        if counts[index] > counts[best] {
            best = index;
        }
    }
    DELIMITERS[best]
}

/// Where a byte that is not UTF-8 sits.
#[derive(Debug)]
struct NotUtf8 {
    line: u64,
    column: u64,
    offset: u64,
    byte: u8,
}

impl fmt::Display for NotUtf8 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid UTF-8 on line {}", self.line)
    }
}

impl std::error::Error for NotUtf8 {}

/// A reader that passes on only valid UTF-8 and fails, saying where, at the first byte that is
/// not. It counts physical lines and bytes as they go by.
struct Utf8Checked<R> {
    inner: R,
    /// Bytes read but not yet passed on.
    pending: Vec<u8>,
    /// How many bytes at the start of `pending` are known to be UTF-8.
    valid: usize,
    line: u64,
    column: u64,
    /// Bytes passed on.
    passed: u64,
    /// Bytes of the file before what this reader sees (a byte-order mark, a version line).
    skipped_bytes: u64,
    at_end: bool,
    /// Offsets (in what this reader passed on) of line ends not yet asked about.
    newlines: VecDeque<u64>,
    /// Lines that ended before the last offset asked about, and the skipped ones.
    lines_before: u64,
}

impl<R: Read> Utf8Checked<R> {
    fn new(inner: R, skipped_lines: u64, skipped_bytes: u64) -> Self {
        Utf8Checked {
            inner,
            pending: Vec::new(),
            valid: 0,
            line: 1 + skipped_lines,
            column: 0,
            passed: 0,
            skipped_bytes,
            at_end: false,
            newlines: VecDeque::new(),
            lines_before: skipped_lines,
        }
    }

    /// Accounts for `bytes` passed on.
    fn count(&mut self, bytes: &[u8]) {
        for byte in bytes {
            if *byte == b'\n' {
                self.newlines.push_back(self.passed);
                self.line += 1;
                self.column = 0;
            } else {
                self.column += 1;
            }
            self.passed += 1;
        }
    }

    /// The 1-based line of the record starting at `offset` of what was passed on (after a
    /// CRLF, csv starts the next record at its `\n`, which belongs to the line before). Offsets asked about
    /// must not decrease (records are read in order), so line ends behind are forgotten.
    fn line_at(&mut self, offset: u64) -> u64 {
        while self.newlines.front().is_some_and(|&end| end <= offset) {
            self.newlines.pop_front();
            self.lines_before += 1;
        }
        self.lines_before + 1
    }

    fn failure(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            NotUtf8 {
                line: self.line,
                column: self.column + 1,
                offset: self.skipped_bytes + self.passed,
                byte: self.pending.first().copied().unwrap_or_default(),
            },
        )
    }
}

impl<R: Read> Read for Utf8Checked<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if self.valid == 0 && !self.pending.is_empty() {
                match std::str::from_utf8(&self.pending) {
                    Ok(_) => self.valid = self.pending.len(),
                    Err(error) => {
                        self.valid = error.valid_up_to();
                        let broken = error.error_len().is_some() || self.at_end;
                        if self.valid == 0 && broken {
                            return Err(self.failure());
                        }
                    }
                }
            }
            if self.valid > 0 {
                // Checked bytes may be handed over in any slices: csv reads bytes.
                let n = self.valid.min(out.len());
                out[..n].copy_from_slice(&self.pending[..n]);
                self.pending.drain(..n);
                self.valid -= n;
                self.count(&out[..n]);
                return Ok(n);
            }
            if self.at_end {
                return Ok(0);
            }
            let mut chunk = [0u8; 16 * 1024];
            let read = self.inner.read(&mut chunk)?;
            if read == 0 {
                self.at_end = true;
            } else {
                self.pending.extend_from_slice(&chunk[..read]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_named_or_typed() {
        assert_eq!(delimiter_named("tab"), Ok(b'\t'));
        assert_eq!(delimiter_named(";"), Ok(b';'));
        assert!(delimiter_named("x").is_err());
    }

    fn read_all(bytes: &[u8]) -> Result<(Vec<String>, Vec<Record>, u8), InputError> {
        let mut source = CsvSource::open(bytes, None)?;
        let headers = source.headers().to_vec();
        let delimiter = source.delimiter();
        let records = source.by_ref().collect::<Result<Vec<_>, _>>()?;
        Ok((headers, records, delimiter))
    }

    fn cells(records: &[Record]) -> Vec<Vec<&str>> {
        records
            .iter()
            .map(|r| r.cells.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn a_byte_order_mark_and_crlf_line_ends_are_read_through() {
        let (headers, records, delimiter) =
            read_all(b"\xEF\xBB\xBFuserName,title\r\nbjensen,Guide\r\n").unwrap();
        assert_eq!(headers, ["userName", "title"]);
        assert_eq!(cells(&records), [["bjensen", "Guide"]]);
        assert_eq!(delimiter, b',');
        assert_eq!(records[0].line, 2);
    }

    #[test]
    fn the_delimiter_is_the_one_the_header_uses_most() {
        let (headers, records, delimiter) =
            read_all("userName;title;\"a,b\"\nzoë;Lead, Platform;x\n".as_bytes()).unwrap();
        assert_eq!(delimiter, b';');
        assert_eq!(headers, ["userName", "title", "a,b"]);
        assert_eq!(cells(&records), [["zoë", "Lead, Platform", "x"]]);
        let (_, records, delimiter) = read_all(b"userName\ttitle\nb\tGuide\n").unwrap();
        assert_eq!(delimiter, b'\t');
        assert_eq!(cells(&records), [["b", "Guide"]]);
    }

    #[test]
    fn quoted_fields_hold_delimiters_quotes_and_line_breaks_and_lines_are_counted() {
        let input = "userName,title\n\"a\",\"Lead, \"\"Platform\"\"\nand more\"\nb,x\n";
        let (_, records, _) = read_all(input.as_bytes()).unwrap();
        assert_eq!(
            cells(&records),
            [vec!["a", "Lead, \"Platform\"\nand more"], vec!["b", "x"]]
        );
        assert_eq!(records[0].line, 2);
        assert_eq!(records[1].line, 4, "the quoted line break counts as a line");
    }

    #[test]
    fn rows_of_the_wrong_length_are_kept_for_the_caller_to_judge() {
        let (_, records, _) = read_all(b"a,b,c\n1,2\n1,2,3,4\n").unwrap();
        assert_eq!(records[0].cells.len(), 2);
        assert_eq!(records[1].cells.len(), 4);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_reported_with_line_and_byte() {
        let error = read_all(b"userName,title\nbjensen,Guide\nj\xE9r\xF4me,x\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 3 is not UTF-8: byte 0xE9 at byte 2 of the line (offset 30 in the file); \
             save the file as UTF-8 (in Excel: CSV UTF-8)"
        );
        let error = read_all(b"userName\nok\nabc\xC3").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("line 3 is not UTF-8: byte 0xC3 at byte 4"),
            "a character cut off by the end of the file: {error}"
        );
    }

    #[test]
    fn a_character_split_across_reads_is_passed_on_whole() {
        // One byte at a time: every multi-byte character arrives in pieces.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                match self.0.split_first() {
                    Some((first, rest)) if !out.is_empty() => {
                        out[0] = *first;
                        self.0 = rest;
                        Ok(1)
                    }
                    _ => Ok(0),
                }
            }
        }
        let text = "userName,displayName\nzoë,Zoë Ångström 日本\n";
        let mut source = CsvSource::open(Trickle(text.as_bytes()), None).unwrap();
        let record = source.next_record().unwrap().unwrap();
        assert_eq!(record.cells, ["zoë", "Zoë Ångström 日本"]);
    }

    #[test]
    fn an_entra_template_version_line_is_skipped() {
        let (headers, records, _) =
            read_all(b"version:v1.0\nName [displayName] Required,User name [userPrincipalName] Required\nA,a@x.org\n")
                .unwrap();
        assert_eq!(headers[0], "Name [displayName] Required");
        assert_eq!(records[0].line, 3);
    }

    #[test]
    fn an_empty_input_has_no_header() {
        assert!(matches!(read_all(b""), Err(InputError::Empty)));
        assert!(matches!(read_all(b"\n"), Err(InputError::Empty)));
    }
}
