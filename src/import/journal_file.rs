//! The journal on disk: read back at the start, compacted when a finished one has grown long,
//! and appended to with batched fsyncs on a thread of their own; it decides nothing about
//! what the entries mean (the journal module does).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, PoisonError};

use anyhow::Context;

use crate::exit::ExitError;
use crate::import::journal::{self, Entry, Journal, JournalSink, Recovered};

/// A journal file: each append one `write` (which survives the process being killed); batch
/// flushes to disk run on a thread of their own, so that no request waits for the disk, and the
/// last flush is waited for.
struct FileSink {
    file: Arc<File>,
    flusher: Option<(std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>)>,
    /// The first error of a background flush.
    failed: Arc<std::sync::Mutex<Option<String>>>,
}

impl FileSink {
    fn new(file: File) -> FileSink {
        let file = Arc::new(file);
        let failed = Arc::new(std::sync::Mutex::new(None));
        let (requests, wanted) = std::sync::mpsc::channel::<()>();
        let flushing = Arc::clone(&file);
        let failures = Arc::clone(&failed);
        let thread = std::thread::spawn(move || {
            while wanted.recv().is_ok() {
                // Requests that came meanwhile are served by this one flush.
                while wanted.try_recv().is_ok() {}
                if let Err(error) = flushing.sync_data() {
                    let mut failed = failures.lock().unwrap_or_else(PoisonError::into_inner);
                    failed.get_or_insert_with(|| error.to_string());
                }
            }
        });
        FileSink {
            file,
            flusher: Some((requests, thread)),
            failed,
        }
    }

    fn failure(&self) -> io::Result<()> {
        match &*self.failed.lock().unwrap_or_else(PoisonError::into_inner) {
            Some(error) => Err(io::Error::other(error.clone())),
            None => Ok(()),
        }
    }
}

impl JournalSink for FileSink {
    fn append(&mut self, lines: &str) -> io::Result<()> {
        (&*self.file).write_all(lines.as_bytes())
    }

    fn sync(&mut self) -> io::Result<()> {
        self.failure()?;
        self.file.sync_data()
    }

    fn sync_soon(&mut self) -> io::Result<()> {
        self.failure()?;
        if let Some((requests, _)) = &self.flusher {
            // The thread ends only when this sink is dropped.
            let _ = requests.send(());
        }
        Ok(())
    }
}

impl Drop for FileSink {
    fn drop(&mut self) {
        if let Some((requests, thread)) = self.flusher.take() {
            drop(requests);
            let _ = thread.join();
        }
    }
}

/// Reads the journal at `path` (nothing there is an empty journal).
pub fn read_journal(path: &Path) -> anyhow::Result<Recovered> {
    match File::open(path) {
        Ok(file) => journal::read(io::BufReader::new(file)).map_err(|e| {
            ExitError::usage(format!(
                "the journal {} is damaged ({e}); move it away to start afresh (resources earlier \
                 imports created are then no longer known to --deactivate-missing)",
                path.display()
            ))
            .into()
        }),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Recovered::default()),
        Err(error) => Err(anyhow::Error::new(error)
            .context(format!("cannot read the journal {}", path.display()))),
    }
}

/// Opens the journal for this run: a finished journal grown long is compacted first (only
/// what imports created is kept; see [`Recovered::worth_compacting`]), then the session line
/// is written. It reaches the disk with the first batch flush, together with the lines that
/// follow it, so that the first write need not wait for the disk.
pub fn open_journal(
    path: &Path,
    recovered: &Recovered,
    session: &Entry,
    run: &str,
) -> anyhow::Result<Journal> {
    if recovered.worth_compacting() {
        let partial = path.with_extension("journal.partial");
        let mut text = journal::compacted(&recovered.tracked).join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        std::fs::write(&partial, text)
            .and_then(|()| std::fs::rename(&partial, path))
            .with_context(|| format!("cannot compact the journal {}", path.display()))?;
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot write the journal {}", path.display()))?;
    let journal = Journal::new(Box::new(FileSink::new(file)), run);
    journal
        .record(session)
        .with_context(|| format!("cannot write the journal {}", path.display()))?;
    Ok(journal)
}
