//! Connection settings from three places, in order of precedence: command-line flags, then
//! environment variables, then a profile in the configuration file. It reads and resolves;
//! it never parses the command line (it takes [`Flags`]) and never sends a request.
//!
//! Every resolved value remembers where it came from (for `scimctl config show --origin`).
//! `file` reads and edits the configuration file, `resolve` applies the precedence, `secrets`
//! reads token files and runs token commands.
//!
//! The file is `$SCIMCTL_CONFIG`, else `$XDG_CONFIG_HOME/scimctl/config.toml`, else
//! `~/.config/scimctl/config.toml`:
//!
//! ```toml
//! default_profile = "staging"
//!
//! [profiles.staging]
//! url = "https://staging.example.com/scim/v2"
//! token_cmd = "pass show scim/staging"
//! timeout = 60
//! [profiles.staging.headers]
//! X-Tenant = "acme"
//! ```
//!
//! The environment is passed in (see [`Environment`]) so resolution is testable without
//! touching the process's variables. Secrets are read only when a client is built
//! ([`Resolved::client_options`]): `config show` never runs a token command.

mod file;
mod resolve;
mod secrets;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

pub use file::{ConfigFile, Profile, cache_dir, config_path};
pub use resolve::{parse_header, resolve};
pub use secrets::{TOKEN_COMMAND_TIME_LIMIT, read_token_file, run_token_command};

use crate::exit::Exit;
use crate::redact::Secret;
use crate::scim::diag::with_hint;

/// The per-request time limit when none is configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Keys a profile may hold (`headers` is a table, set with `header.NAME`).
pub const PROFILE_KEYS: &[&str] = &[
    "url",
    "token",
    "token_file",
    "token_cmd",
    "basic",
    "oauth_token_url",
    "client_id",
    "client_secret",
    "insecure",
    "cacert",
    "timeout",
    "dialect",
];

/// Invalid or unusable configuration; nothing was sent. Always a usage error (exit 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", with_hint(message, hint.as_deref()))]
pub struct ConfigError {
    pub message: String,
    /// What to do about it, shown on its own `hint:` line.
    pub hint: Option<String>,
}

impl ConfigError {
    /// The exit code: every configuration problem is a usage error.
    pub fn exit(&self) -> Exit {
        Exit::Usage
    }

    fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl From<ConfigError> for crate::exit::ExitError {
    fn from(error: ConfigError) -> Self {
        crate::exit::ExitError::new(error.exit(), error)
    }
}

fn error(message: impl Into<String>) -> ConfigError {
    ConfigError {
        message: message.into(),
        hint: None,
    }
}

/// The connection settings given on the command line: the highest precedence. The CLI layer
/// fills this from `--url`, `--token`, ...; a field not given is `None`, empty or `false`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    pub url: Option<String>,
    pub token: Option<String>,
    pub token_file: Option<PathBuf>,
    pub token_cmd: Option<String>,
    /// `USER:PASSWORD`.
    pub basic: Option<String>,
    pub oauth_token_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// `Name: value` lines, in the order given.
    pub headers: Vec<String>,
    pub profile: Option<String>,
    pub insecure: bool,
    pub cacert: Option<PathBuf>,
    /// Seconds.
    pub timeout: Option<u64>,
}

/// Where environment variables come from: the process, or a map in tests.
pub trait Environment {
    /// The variable's value, if set and not empty.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnvironment;

impl Environment for ProcessEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl Environment for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.is_empty()).cloned()
    }
}

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag, e.g. `--url`.
    Flag(&'static str),
    /// An environment variable, e.g. `SCIMCTL_URL`.
    Env(&'static str),
    /// A profile in the configuration file.
    Profile { name: String, path: PathBuf },
    /// scimctl's built-in default.
    Default,
}

impl Origin {
    /// Higher wins: flags, then the environment, then the profile, then defaults.
    fn rank(&self) -> u8 {
        match self {
            Origin::Flag(_) => 3,
            Origin::Env(_) => 2,
            Origin::Profile { .. } => 1,
            Origin::Default => 0,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(flag) => write!(f, "flag {flag}"),
            Origin::Env(var) => write!(f, "environment {var}"),
            Origin::Profile { name, path } => write!(f, "profile {name} ({})", path.display()),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Valued<T> {
    pub value: T,
    pub origin: Origin,
}

/// HTTP Basic credentials from `--basic USER:PASSWORD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicCredentials {
    pub user: String,
    pub password: Secret,
}

/// The chosen way to authenticate, before any secret is read from a file or command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthSetting {
    Token(Valued<Secret>),
    TokenFile(Valued<PathBuf>),
    TokenCommand(Valued<String>),
    Basic(Valued<BasicCredentials>),
    OAuth {
        token_url: Valued<String>,
        client_id: Valued<String>,
        client_secret: Valued<Secret>,
    },
}

/// One line of `config show`: a key, its value (secrets redacted) and its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownSetting {
    pub key: String,
    pub value: String,
    pub origin: Origin,
}

/// The connection settings after precedence has been applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub profile: Option<Valued<String>>,
    pub url: Option<Valued<String>>,
    pub auth: Option<AuthSetting>,
    /// Header names and values, later sources replacing earlier ones of the same name.
    pub headers: Vec<Valued<(String, String)>>,
    pub insecure: Valued<bool>,
    pub cacert: Option<Valued<PathBuf>>,
    pub timeout: Valued<Duration>,
    /// The IdP dialect the profile names (`okta`, `entra`, ...), passed on as is.
    pub dialect: Option<Valued<String>>,
    /// Things the user should know, e.g. a config file with secrets that others can read.
    pub warnings: Vec<String>,
    /// Where OAuth tokens are cached between runs ([`cache_dir`]).
    pub cache_dir: Option<PathBuf>,
}

/// The configuration file and environment the unit tests of this module resolve against.
#[cfg(test)]
mod fixtures {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use super::{ConfigFile, Origin};

    const FILE: &str = r#"
default_profile = "staging"

[profiles.staging]
url = "https://staging.example.com/scim/v2"
token = "profile-token"
timeout = 60
dialect = "entra"
[profiles.staging.headers]
X-Tenant = "acme"
X-Region = "eu"

[profiles.prod]
url = "https://prod.example.com/scim/v2"
oauth_token_url = "https://login.example.com/oauth2/token"
client_id = "scimctl"
"#;

    pub fn file() -> ConfigFile {
        ConfigFile::parse(Path::new("/home/u/.config/scimctl/config.toml"), FILE)
            .expect("test config parses")
    }

    pub fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    pub fn profile_origin(name: &str) -> Origin {
        Origin::Profile {
            name: name.to_owned(),
            path: PathBuf::from("/home/u/.config/scimctl/config.toml"),
        }
    }
}
