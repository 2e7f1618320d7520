//! The binary on a pseudo-terminal, as a user at a terminal runs it: util-linux `script` gives
//! the child a terminal for its stdin, stdout and stderr and copies what is drawn there, byte for
//! byte, escapes included, to a pipe this process reads. And the two views of such a stream a
//! test asserts on: the pieces of text the cursor controls separate, and whether any control is
//! there at all. Nothing here asserts a product behaviour.

use std::ffi::OsStr;
use std::process::Command;
use std::time::Duration;

use super::Run;

/// Runs `command` (built by `Home::scimctl` or `Env::scimctl`: its program, arguments,
/// environment and working directory) with a terminal for its stdin, stdout and stderr; what it
/// drew on the terminal is the run's `stdout` (`stderr` is `script`'s own). Ended after two
/// minutes.
pub fn run_on_terminal(command: &Command) -> Run {
    let line = std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(shell_quoted)
        .collect::<Vec<_>>()
        .join(" ");
    let mut on_terminal = Command::new("script");
    // -q: no "Script started" lines; -e: the child's exit code; -c: the command; /dev/null:
    // no typescript file.
    on_terminal.args(["-qec", &line, "/dev/null"]).env_clear();
    for (name, value) in command.get_envs() {
        if let Some(value) = value {
            on_terminal.env(name, value);
        }
    }
    on_terminal.env("TERM", "xterm-256color");
    if let Some(dir) = command.get_current_dir() {
        on_terminal.current_dir(dir);
    }
    let mut bounded = assert_cmd::Command::from_std(on_terminal);
    bounded.timeout(Duration::from_secs(120));
    Run::from(bounded.output().expect("`script` (util-linux) runs"))
}

/// `text` quoted for `sh -c`: between single quotes, each of its own quotes closed and escaped.
fn shell_quoted(text: &OsStr) -> String {
    let text = text.to_str().expect("a UTF-8 argument");
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The pieces of text a terminal stream shows between its carriage returns, line feeds and
/// escape sequences (cursor moves, line erasures, colours), without empty pieces. A progress
/// frame and a log line written on one line, without the cursor moving between them, end up in
/// one piece.
pub fn shown_pieces(stream: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut chars = stream.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' | '\n' => pieces.push(std::mem::take(&mut piece)),
            '\u{1b}' => {
                pieces.push(std::mem::take(&mut piece));
                // CSI: ESC [ parameters, then one final letter (ECMA-48 §5.4).
                if chars.next_if_eq(&'[').is_some() {
                    while chars.next_if(|c| !c.is_ascii_alphabetic()).is_some() {}
                    chars.next();
                }
            }
            other => piece.push(other),
        }
    }
    pieces.push(piece);
    pieces
        .into_iter()
        .map(|piece| piece.trim_end().to_owned())
        .filter(|piece| !piece.is_empty())
        .collect()
}

/// Whether `stream` holds anything that moves the cursor or erases: an escape or a carriage
/// return (which a log file shows as garbage).
pub fn has_terminal_controls(stream: &str) -> bool {
    stream.contains('\u{1b}') || stream.contains('\r')
}

/// Whether `piece` is one `-v` trace and nothing else: `METHOD http://... -> STATUS (N ms)`.
pub fn is_whole_trace(piece: &str) -> bool {
    let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    let method = piece.split(' ').next().unwrap_or_default();
    methods.contains(&method)
        && piece[method.len()..].starts_with(" http://")
        && piece.contains(" -> ")
        && piece.ends_with(" ms)")
        && piece.matches("http://").count() == 1
}
