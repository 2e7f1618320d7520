//! The process exit codes. Each has one meaning, documented in `--help` and the README, and
//! never reused for anything else.

use std::process::ExitCode;

/// Why scimctl stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything asked for was done.
    Success = 0,
    /// The server answered with an error, conformance checks failed, or `lint` found problems
    /// at its `--fail-on` level.
    ServerError = 1,
    /// The command line or an input file was invalid; nothing was sent.
    Usage = 2,
    /// Some of a batch succeeded and some failed.
    Partial = 3,
    /// The server could not be reached: network, TLS or timeout.
    Network = 4,
    /// The server refused the credentials (401) or the permission (403).
    Auth = 5,
    /// Interrupted by Ctrl-C.
    Interrupted = 130,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// An error that knows which exit code it ends the process with.
#[derive(Debug)]
pub struct ExitError {
    pub exit: Exit,
    pub error: anyhow::Error,
}

impl ExitError {
    pub fn new(exit: Exit, error: impl Into<anyhow::Error>) -> Self {
        ExitError {
            exit,
            error: error.into(),
        }
    }
}

impl std::fmt::Display for ExitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl std::error::Error for ExitError {}
