//! Arguments of `scimctl discover` and `scimctl config` (clap derive only; the doc comments are
//! the help text). No logic: `app/` reads them.

use clap::{Args, Subcommand};

/// `scimctl discover`
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// Fetch the documents again instead of using the cached copy
    #[arg(long)]
    pub refresh: bool,
}

/// `scimctl config ...`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// List the profiles (the default one is marked).
    List,
    /// Show the connection settings in use, secrets redacted.
    Show(ShowArgs),
    /// Set a key of the profile in use (--profile, else the default, else a new `default`).
    ///
    /// Keys: url, token, token_file, token_cmd, basic, oauth_token_url, client_id,
    /// client_secret, insecure, cacert, timeout, dialect, and header.NAME for a header.
    Set(SetArgs),
    /// Make a profile the default.
    Use(UseArgs),
}

/// `config show`
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Say where each value came from: a flag, a variable or the profile
    #[arg(long)]
    pub origin: bool,
}

/// `config set`
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The key, e.g. `url` or `header.X-Tenant`
    pub key: String,
    /// The value
    pub value: String,
}

/// `config use`
#[derive(Debug, Args)]
pub struct UseArgs {
    /// The profile's name
    pub name: String,
}
