//! Progress on stderr, the only place that draws it (with indicatif): a bar on a terminal, a
//! plain line every few seconds elsewhere (CI logs), nothing with `--quiet`.
//!
//! Whether and how progress shows is a small pure function, [`progress_mode`]. While a bar is
//! drawn, everything else written to stderr through [`StderrSink`] (the `-v` exchange log,
//! warnings) is printed above it, whole, so progress and traces never interleave.

use std::io::{self, IsTerminal, Write};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{HumanDuration, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// How progress shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A bar redrawn in place (stderr is a terminal and not a CI log).
    Bar,
    /// A plain line every few seconds.
    Lines,
    /// Nothing.
    Silent,
}

/// Chooses how progress shows: nothing when `quiet`; a bar on a terminal unless `ci` (CI
/// runners often fake a terminal, and a log full of redraws helps nobody); otherwise plain
/// lines, or nothing when the command wants no progress off a terminal (`lines_elsewhere`).
pub fn progress_mode(
    quiet: bool,
    stderr_is_terminal: bool,
    ci: bool,
    lines_elsewhere: bool,
) -> ProgressMode {
    if quiet {
        ProgressMode::Silent
    } else if stderr_is_terminal && !ci {
        ProgressMode::Bar
    } else if lines_elsewhere {
        ProgressMode::Lines
    } else {
        ProgressMode::Silent
    }
}

/// [`progress_mode`] for this process: stderr's terminal status and the `CI` variable.
pub fn progress_mode_here(quiet: bool, lines_elsewhere: bool) -> ProgressMode {
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0");
    progress_mode(quiet, io::stderr().is_terminal(), ci, lines_elsewhere)
}

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// CSV rows, with a rate and an estimated time left.
    Rows,
    /// Conformance checks: a count only.
    Checks,
}

/// Time between two plain progress lines.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// The bar being drawn, if any: [`StderrSink`] prints above it.
static ACTIVE: Mutex<Option<ProgressBar>> = Mutex::new(None);

fn active() -> MutexGuard<'static, Option<ProgressBar>> {
    ACTIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Progress of one long task.
#[derive(Debug)]
pub struct Progress {
    mode: ProgressMode,
    bar: Option<ProgressBar>,
    label: String,
    total: u64,
    started: Instant,
    last_line: Mutex<Option<Instant>>,
}

impl Progress {
    /// Starts showing progress of `total` things as `mode` says.
    pub fn start(mode: ProgressMode, unit: Unit, label: &str, total: u64) -> Progress {
        let bar = (mode == ProgressMode::Bar).then(|| {
            let template = match unit {
                Unit::Rows => {
                    "{prefix} {wide_bar} {pos}/{len} rows, {rate}/s, ETA {eta_known}\n  {wide_msg}"
                }
                Unit::Checks => "{prefix} [{pos}/{len}] {wide_msg}",
            };
            let style = ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                // Before the first row is done there is no rate to show, nor a time left.
                .with_key(
                    "rate",
                    |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                        let _ = match state.pos() {
                            0 => write!(out, "-"),
                            _ => write!(out, "{:.0}", state.per_sec()),
                        };
                    },
                )
                .with_key(
                    "eta_known",
                    |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                        let _ = match state.pos() {
                            0 => write!(out, "-"),
                            _ => write!(out, "{:#}", HumanDuration(state.eta())),
                        };
                    },
                )
                .progress_chars("=> ");
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
                .with_style(style)
                .with_prefix(label.to_owned());
            bar.enable_steady_tick(Duration::from_millis(200));
            *active() = Some(bar.clone());
            bar
        });
        Progress {
            mode,
            bar,
            label: label.to_owned(),
            total,
            started: Instant::now(),
            // The first line comes after a while: a short task needs none.
            last_line: Mutex::new(Some(Instant::now())),
        }
    }

    /// How progress shows.
    pub fn mode(&self) -> ProgressMode {
        self.mode
    }

    /// `done` of the total are done; `message` says how they went.
    pub fn update(&self, done: u64, message: &str) {
        match self.mode {
            ProgressMode::Bar => {
                if let Some(bar) = &self.bar {
                    bar.set_position(done);
                    bar.set_message(message.to_owned());
                }
            }
            ProgressMode::Lines => {
                let mut last = self
                    .last_line
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                let due = last.is_none_or(|at| at.elapsed() >= LINE_EVERY);
                if due {
                    *last = Some(Instant::now());
                    let line = plain_line(
                        &self.label,
                        done,
                        self.total,
                        self.started.elapsed(),
                        message,
                    );
                    let _ = writeln!(io::stderr().lock(), "{line}");
                }
            }
            ProgressMode::Silent => {}
        }
    }

    /// Prints `text` on stderr above the bar (or as it is without one).
    pub fn println(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| {
                let _ = writeln!(io::stderr().lock(), "{text}");
            }),
            None => {
                let _ = writeln!(io::stderr().lock(), "{text}");
            }
        }
    }

    /// Stops showing progress: the bar is erased.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
            // One bar is drawn at a time: the one finishing is the active one.
            *active() = None;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// A plain progress line: `label: 400/1000 rows (40%), 80/s, ETA 8 s: message`.
pub fn plain_line(label: &str, done: u64, total: u64, elapsed: Duration, message: &str) -> String {
    let percent = (done * 100).checked_div(total).unwrap_or(100);
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        done as f64 / seconds
    } else {
        0.0
    };
    let eta = if rate > 0.0 && total > done {
        format!(", ETA {} s", ((total - done) as f64 / rate).ceil() as u64)
    } else {
        String::new()
    };
    format!("{label}: {done}/{total} ({percent}%), {rate:.0}/s{eta}: {message}")
}

/// Stderr for logs and warnings: while a bar is drawn, each text is printed above it, whole.
/// Text is held until `flush`, so a caller writing one entry in pieces is shown at once.
#[derive(Debug, Default)]
pub struct StderrSink {
    pending: Vec<u8>,
}

impl Write for StderrSink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let text = std::mem::take(&mut self.pending);
        let bar = active().clone();
        let write = || {
            let mut stderr = io::stderr().lock();
            stderr.write_all(&text).and_then(|()| stderr.flush())
        };
        match bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }
}

impl Drop for StderrSink {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mode_follows_quiet_the_terminal_and_ci() {
        use ProgressMode::*;
        assert_eq!(progress_mode(true, true, false, true), Silent);
        assert_eq!(progress_mode(false, true, false, true), Bar);
        assert_eq!(
            progress_mode(false, true, true, true),
            Lines,
            "CI fakes terminals"
        );
        assert_eq!(progress_mode(false, false, false, true), Lines);
        assert_eq!(
            progress_mode(false, false, false, false),
            Silent,
            "a command may want nothing off a terminal"
        );
    }

    #[test]
    fn a_plain_line_says_how_far_how_fast_and_how_long_to_go() {
        assert_eq!(
            plain_line(
                "import users.csv",
                400,
                1000,
                Duration::from_secs(5),
                "400 created"
            ),
            "import users.csv: 400/1000 (40%), 80/s, ETA 8 s: 400 created"
        );
        assert_eq!(
            plain_line("x", 0, 0, Duration::ZERO, "nothing"),
            "x: 0/0 (100%), 0/s: nothing"
        );
    }
}
