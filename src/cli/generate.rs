//! Arguments of `scimctl completions` and `scimctl man` (clap derive only; the doc comments are
//! the help text). No logic: `app/generate.rs` renders both from the command definition, the
//! same one `--help` prints, so the three cannot drift apart.

use std::path::PathBuf;

use clap::Args;
use clap_complete::Shell;

/// `scimctl completions SHELL`
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in: bash, zsh, fish, powershell or elvish
    #[arg(value_enum)]
    pub shell: Shell,
}

/// `scimctl man [DIR]`
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write scimctl.1 and a page for every subcommand (scimctl-users-list.1, ...) into DIR,
    /// created if missing; other files there are left alone [default: print scimctl.1 to
    /// stdout]
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
}
