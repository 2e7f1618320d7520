//! Arguments of `scimctl serve` (clap derive only; the doc comments are the help text). No
//! logic: `app/serve.rs` starts the server.

use std::path::PathBuf;

use clap::Args;

use crate::serve::quirks::{Quirk, help_table};

/// Run an in-memory SCIM 2.0 server at http://HOST:PORT/scim/v2.
///
/// It prints its base URL and bearer token on start and stops cleanly on Ctrl-C. Users and
/// Groups, discovery, filters, sorting, paging, projection, .search, PATCH, ETags and /Bulk
/// are served from memory; nothing is written to disk.
#[derive(Debug, Args)]
#[command(after_help = help_table())]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one; the real port is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Bearer token clients must send (default: a random one, printed on start).
    #[arg(long, env = "SCIMCTL_SERVE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Users and groups to start with: a JSON file ({"Users":[...],"Groups":[...]}, members
    /// by id or userName) or a CSV file of users (.csv; header row of attribute paths such as
    /// userName,name.givenName,emails[type eq "work"].value,active).
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// The userName /Me stands for: every request carries the same token, so /Me is that
    /// user. Without it /Me answers 501 Not Implemented (RFC 7644 §3.11).
    #[arg(long, value_name = "USERNAME")]
    pub me: Option<String>,
    /// Reproduce a real-world server deviation (repeatable); the list is below.
    #[arg(long = "quirk", value_name = "NAME", value_parser = Quirk::parse)]
    pub quirks: Vec<Quirk>,
}
