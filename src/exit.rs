//! The process exit codes, each with one meaning, documented in `--help` and the README and
//! never reused for anything else; and [`ExitError`], an error that carries its code and hint.

use std::process::ExitCode;

use crate::scim::diag::with_hint;

/// Why scimctl stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything asked for was done.
    Success = 0,
    /// The server answered with an error, conformance checks failed, or `lint` or `doctor`
    /// found problems at its `--fail-on` level.
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

/// An error that knows which exit code it ends the process with, chosen where it is made, and
/// what the user can do about it.
#[derive(Debug, thiserror::Error)]
#[error("{}", with_hint(&format!("{error:#}"), hint.as_deref()))]
pub struct ExitError {
    pub exit: Exit,
    pub error: anyhow::Error,
    /// Shown on its own `hint:` line after the message.
    pub hint: Option<String>,
}

impl ExitError {
    pub fn new(exit: Exit, error: impl Into<anyhow::Error>) -> Self {
        ExitError {
            exit,
            error: error.into(),
            hint: None,
        }
    }

    /// A usage error (exit 2) with `message`.
    pub fn usage(message: impl std::fmt::Display) -> Self {
        ExitError::new(Exit::Usage, anyhow::anyhow!("{message}"))
    }

    /// The same error with a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hint_is_kept_apart_and_shown_on_its_own_line_after_the_whole_message() {
        let error = ExitError::new(Exit::Usage, anyhow::anyhow!("`--set x` has no `=`"))
            .with_hint("write --set PATH=VALUE");
        assert_eq!(error.hint.as_deref(), Some("write --set PATH=VALUE"));
        let shown = anyhow::Error::from(error).context("operation 1");
        assert_eq!(
            format!("{shown:#}"),
            "operation 1: `--set x` has no `=`\nhint: write --set PATH=VALUE"
        );
    }
}
