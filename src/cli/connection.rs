//! The connection options every client command shares: where the server is, how to
//! authenticate, TLS, and how much of the traffic to show. Declarations only: clap does not
//! read environment variables here, `config.rs` does.
//!
//! The options are global, so they are accepted before or after the subcommand. Environment
//! variables are left to `config.rs` so that `config show --origin` can tell a flag from a
//! variable and secrets never appear in `--help`.

use std::path::PathBuf;

use clap::{ArgAction, Args};

/// Connection settings. Each falls back to its environment variable, then to the profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
#[command(next_help_heading = "Connection")]
pub struct ConnectionArgs {
    /// SCIM base URL, e.g. `https://example.com/scim/v2` [env: SCIMCTL_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,

    /// Bearer token; prefer SCIMCTL_TOKEN, --token-file or --token-cmd, since other local users
    /// can read command lines [env: SCIMCTL_TOKEN]
    #[arg(long, global = true, value_name = "TOKEN")]
    pub token: Option<String>,

    /// Read the bearer token from a file that only you can read (mode 600)
    #[arg(long, global = true, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// Run a command that prints the bearer token, e.g. 'pass show scim/prod'
    #[arg(long, global = true, value_name = "COMMAND")]
    pub token_cmd: Option<String>,

    /// HTTP Basic credentials [env: SCIMCTL_BASIC]
    #[arg(long, global = true, value_name = "USER:PASSWORD")]
    pub basic: Option<String>,

    /// OAuth 2.0 token endpoint for the client-credentials grant [env: SCIMCTL_OAUTH_TOKEN_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub oauth_token_url: Option<String>,

    /// OAuth 2.0 client id [env: SCIMCTL_CLIENT_ID]
    #[arg(long, global = true, value_name = "ID")]
    pub client_id: Option<String>,

    /// OAuth 2.0 client secret; prefer the variable [env: SCIMCTL_CLIENT_SECRET]
    #[arg(long, global = true, value_name = "SECRET")]
    pub client_secret: Option<String>,

    /// Extra header sent with every request, repeatable [env: SCIMCTL_HEADERS, one per line]
    #[arg(
        short = 'H',
        long = "header",
        global = true,
        value_name = "NAME: VALUE"
    )]
    pub headers: Vec<String>,

    /// Profile from the configuration file [env: SCIMCTL_PROFILE]
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// Do not verify TLS certificates (prints a warning on every run)
    #[arg(long, global = true)]
    pub insecure: bool,

    /// Also trust the CA certificates in this PEM file
    #[arg(long, global = true, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Time limit per request, in seconds [default: 30]
    #[arg(long, global = true, value_name = "SECONDS")]
    pub timeout: Option<u64>,

    /// Show the traffic: -v requests and status, -vv headers, -vvv bodies (always redacted)
    #[arg(short = 'v', long = "verbose", global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// Print each request as a curl command, with $SCIMCTL_TOKEN in place of the token
    #[arg(long, global = true)]
    pub curl: bool,

    /// Write every exchange to a HAR 1.2 file (redacted)
    #[arg(long, global = true, value_name = "FILE")]
    pub har: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Parser, Subcommand};

    #[derive(Debug, Parser)]
    struct Probe {
        #[command(flatten)]
        connection: ConnectionArgs,
        #[command(subcommand)]
        command: ProbeCommand,
    }

    #[derive(Debug, Subcommand)]
    enum ProbeCommand {
        Users,
    }

    #[test]
    fn options_are_accepted_before_and_after_the_subcommand() {
        let before = Probe::try_parse_from(["scimctl", "--url", "https://h/scim", "-vv", "users"])
            .expect("parses");
        let after = Probe::try_parse_from(["scimctl", "users", "--url", "https://h/scim", "-vv"])
            .expect("parses");
        assert_eq!(before.connection, after.connection);
        assert_eq!(after.connection.url.as_deref(), Some("https://h/scim"));
        assert_eq!(after.connection.verbose, 2);
    }

    #[test]
    fn headers_repeat() {
        let probe =
            Probe::try_parse_from(["scimctl", "users", "-H", "X-A: 1", "--header", "X-B: 2"])
                .expect("parses");
        assert_eq!(probe.connection.headers, ["X-A: 1", "X-B: 2"]);
    }
}
