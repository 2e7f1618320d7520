//! The rejects file (`--rejects FILE.csv`): every invalid or failed row as it was read, with a
//! `scimctl_error` column saying why, so the file can be fixed and imported as it is (the
//! mapping ignores that column). A rejects file fed back keeps one error column, rewritten. It
//! never decides which rows are rejected: the caller hands it each one.

use std::io::{self, Write};

use crate::import::mapping::ERROR_COLUMN;

/// Writes rejected rows.
pub struct Rejects<W: Write> {
    writer: csv::Writer<W>,
    /// Where the error goes: an existing `scimctl_error` column, or a new last one.
    error_at: usize,
    width: usize,
    written: u64,
}

impl<W: Write> std::fmt::Debug for Rejects<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rejects")
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

impl<W: Write> Rejects<W> {
    /// Starts a rejects file with the input's `headers` and `delimiter`.
    pub fn new(out: W, headers: &[String], delimiter: u8) -> io::Result<Rejects<W>> {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .from_writer(out);
        let existing = headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(ERROR_COLUMN));
        let mut row: Vec<&str> = headers.iter().map(String::as_str).collect();
        let error_at = match existing {
            Some(index) => index,
            None => {
                row.push(ERROR_COLUMN);
                headers.len()
            }
        };
        writer.write_record(&row).map_err(io::Error::other)?;
        Ok(Rejects {
            writer,
            error_at,
            width: row.len(),
            written: 0,
        })
    }

    /// Writes one row's cells as read, with `error`. A row of the wrong length keeps its cells;
    /// the error still goes in the error column.
    pub fn write(&mut self, cells: &[String], error: &str) -> io::Result<()> {
        let width = self.width.max(cells.len());
        let mut row: Vec<&str> = (0..width)
            .map(|i| cells.get(i).map_or("", String::as_str))
            .collect();
        let error = crate::text::one_line(error);
        row[self.error_at] = &error;
        self.writer.write_record(&row).map_err(io::Error::other)?;
        self.written += 1;
        Ok(())
    }

    /// Rows written.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Flushes what was written.
    pub fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn rejected_rows_keep_their_cells_and_gain_an_error_column() {
        let mut out = Vec::new();
        {
            let mut rejects =
                Rejects::new(&mut out, &strings(&["userName", "title"]), b';').unwrap();
            rejects
                .write(&strings(&["b", "Lead; Ops"]), "line 2: column `email`: bad")
                .unwrap();
            rejects.flush().unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "userName;title;scimctl_error\nb;\"Lead; Ops\";line 2: column `email`: bad\n"
        );
    }

    #[test]
    fn a_rejects_file_fed_back_keeps_one_error_column() {
        let mut out = Vec::new();
        {
            let headers = strings(&["userName", ERROR_COLUMN, "title"]);
            let mut rejects = Rejects::new(&mut out, &headers, b',').unwrap();
            rejects
                .write(&strings(&["b", "old reason", "x"]), "new\nreason")
                .unwrap();
            rejects.flush().unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "userName,scimctl_error,title\nb,new\\nreason,x\n"
        );
    }
}
