//! Connection settings from three places, in order of precedence: command-line flags, then
//! environment variables, then a profile in the configuration file; every resolved value
//! remembers where it came from (for `scimctl config show --origin`).
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

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::client::{ClientOptions, Credentials, OAuthClient, RetryPolicy, TransportOptions};
use crate::exit::Exit;
use crate::redact::{REDACTED, Secret, is_secret_header, open_to_others, write_owner_only};
use crate::scim::diag::with_hint;

/// The per-request time limit when none is configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long `--token-cmd` may run.
pub const TOKEN_COMMAND_TIME_LIMIT: Duration = Duration::from_secs(30);

/// The largest token file or command output read.
const MAX_TOKEN_BYTES: u64 = 64 * 1024;

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

/// One profile of the configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub url: Option<String>,
    pub token: Option<String>,
    pub token_file: Option<PathBuf>,
    pub token_cmd: Option<String>,
    pub basic: Option<String>,
    pub oauth_token_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    pub insecure: Option<bool>,
    pub cacert: Option<PathBuf>,
    pub timeout: Option<u64>,
    pub dialect: Option<String>,
}

impl Profile {
    fn holds_secrets(&self) -> bool {
        self.token.is_some()
            || self.basic.is_some()
            || self.client_secret.is_some()
            || self.headers.keys().any(|name| is_secret_header(name))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigModel {
    default_profile: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// The configuration file: its typed view for resolving, and its TOML table for editing, so
/// `set` and `use` write back every other profile untouched.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigFile {
    path: Option<PathBuf>,
    table: toml::Table,
    model: ConfigModel,
    readable_by_others: bool,
}

/// The configuration file's path: `$SCIMCTL_CONFIG`, else the XDG location. `None` when no home
/// directory is known.
pub fn config_path(env: &dyn Environment) -> Option<PathBuf> {
    if let Some(path) = env.var("SCIMCTL_CONFIG") {
        return Some(PathBuf::from(path));
    }
    let config_home = env
        .var("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| env.var("HOME").map(|home| Path::new(&home).join(".config")))
        .or_else(|| env.var("APPDATA").map(PathBuf::from))?;
    Some(config_home.join("scimctl").join("config.toml"))
}

/// Where OAuth tokens are cached between runs: `$XDG_CACHE_HOME/scimctl`, else
/// `~/.cache/scimctl`. `None` when no home directory is known (tokens then live in memory only).
pub fn cache_dir(env: &dyn Environment) -> Option<PathBuf> {
    let cache_home = env
        .var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| env.var("HOME").map(|home| Path::new(&home).join(".cache")))
        .or_else(|| env.var("LOCALAPPDATA").map(PathBuf::from))?;
    Some(cache_home.join("scimctl"))
}

impl ConfigFile {
    /// Finds ([`config_path`]) and reads the configuration file; without a known location the
    /// configuration is empty.
    pub fn locate(env: &dyn Environment) -> Result<Self, ConfigError> {
        match config_path(env) {
            Some(path) => ConfigFile::load(&path),
            None => Ok(ConfigFile::default()),
        }
    }

    /// Reads the file; a missing file is an empty configuration.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(error(format!("cannot read {}: {e}", path.display()))),
        };
        let mut file = ConfigFile::parse(path, &text)?;
        file.readable_by_others = std::fs::metadata(path)
            .ok()
            .and_then(|m| open_to_others(&m))
            .is_some();
        Ok(file)
    }

    /// Parses configuration text that belongs at `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            error(format!("invalid configuration in {}: {e}", path.display()))
        })?;
        let model = typed_view(path, &table)?;
        Ok(ConfigFile {
            path: Some(path.to_owned()),
            table,
            model,
            readable_by_others: false,
        })
    }

    /// Where the file lives, if known.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The profile names, sorted.
    pub fn profile_names(&self) -> Vec<&str> {
        self.model.profiles.keys().map(String::as_str).collect()
    }

    /// The profile `config use` chose, if any.
    pub fn default_profile(&self) -> Option<&str> {
        self.model.default_profile.as_deref()
    }

    /// A profile by name.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.model.profiles.get(name)
    }

    /// Sets `key` of profile `profile` (created if new) to `value`: `config set`. Header keys are
    /// written `header.NAME`.
    pub fn set(&mut self, profile: &str, key: &str, value: &str) -> Result<(), ConfigError> {
        check_profile_name(profile)?;
        let key = key.trim();
        let mut table = self.table.clone();
        let entry = table_entry(table_entry(&mut table, "profiles")?, profile)?;
        match key.strip_prefix("header.") {
            Some(header) => {
                parse_header(&format!("{header}: {value}"))?;
                table_entry(entry, "headers")?
                    .insert(header.to_owned(), toml::Value::String(value.to_owned()));
            }
            None => {
                let key = key.replace('-', "_");
                entry.insert(key.clone(), typed_setting(&key, value)?);
            }
        }
        self.commit(table)
    }

    /// Makes `name` the profile used when none is given: `config use`.
    pub fn use_profile(&mut self, name: &str) -> Result<(), ConfigError> {
        if !self.model.profiles.contains_key(name) {
            return Err(unknown_profile(name, self));
        }
        let mut table = self.table.clone();
        table.insert(
            "default_profile".to_owned(),
            toml::Value::String(name.to_owned()),
        );
        self.commit(table)
    }

    /// The file's TOML text.
    pub fn to_toml(&self) -> String {
        self.table.to_string()
    }

    /// Writes the file back (owner-only permissions, since it may hold secrets), atomically.
    pub fn save(&self) -> Result<(), ConfigError> {
        let path = self
            .path
            .as_deref()
            .ok_or_else(|| error("no configuration file location: set SCIMCTL_CONFIG or HOME"))?;
        write_owner_only(path, self.to_toml().as_bytes())
            .map_err(|e| error(format!("cannot write {}: {e}", path.display())))
    }

    /// Adopts an edited table only if it still makes a valid configuration.
    fn commit(&mut self, table: toml::Table) -> Result<(), ConfigError> {
        let path = self.path.clone().unwrap_or_default();
        self.model = typed_view(&path, &table)?;
        self.table = table;
        Ok(())
    }
}

/// A profile value from `config set` text, typed as the file expects it.
fn typed_setting(key: &str, value: &str) -> Result<toml::Value, ConfigError> {
    match key {
        "insecure" => value
            .parse()
            .map(toml::Value::Boolean)
            .map_err(|_| error(format!("`insecure` must be true or false, not `{value}`"))),
        "timeout" => value
            .parse::<u32>()
            .map(|seconds| toml::Value::Integer(seconds.into()))
            .map_err(|_| {
                error(format!(
                    "`timeout` must be a whole number of seconds, not `{value}`"
                ))
            }),
        known if PROFILE_KEYS.contains(&known) => Ok(toml::Value::String(value.to_owned())),
        unknown => Err(error(format!(
            "unknown setting `{unknown}`; known: {}, header.NAME",
            PROFILE_KEYS.join(", ")
        ))),
    }
}

fn typed_view(path: &Path, table: &toml::Table) -> Result<ConfigModel, ConfigError> {
    ConfigModel::deserialize(toml::Value::Table(table.clone()))
        .map_err(|e| error(format!("invalid configuration in {}: {e}", path.display())))
}

fn table_entry<'a>(
    table: &'a mut toml::Table,
    key: &str,
) -> Result<&'a mut toml::Table, ConfigError> {
    table
        .entry(key.to_owned())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()))
        .as_table_mut()
        .ok_or_else(|| error(format!("`{key}` in the configuration file is not a table")))
}

fn check_profile_name(name: &str) -> Result<(), ConfigError> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(error(format!(
            "invalid profile name `{name}`: use letters, digits, `-` and `_`"
        )))
    }
}

fn unknown_profile(name: &str, file: &ConfigFile) -> ConfigError {
    let place = file.path().map_or_else(
        || "the configuration".to_owned(),
        |p| p.display().to_string(),
    );
    let known = file.profile_names();
    let hint = if known.is_empty() {
        "no profiles are defined; create one with `scimctl config set --profile NAME url URL`"
            .to_owned()
    } else {
        format!("known profiles: {}", known.join(", "))
    };
    error(format!("profile `{name}` not found in {place}")).with_hint(hint)
}

/// The three sources of one setting, highest precedence first.
fn pick<T>(candidates: [Option<(T, Origin)>; 3]) -> Option<Valued<T>> {
    candidates
        .into_iter()
        .flatten()
        .next()
        .map(|(value, origin)| Valued { value, origin })
}

/// Like [`pick`], falling back to scimctl's default.
fn pick_or<T>(candidates: [Option<(T, Origin)>; 3], default: T) -> Valued<T> {
    pick(candidates).unwrap_or(Valued {
        value: default,
        origin: Origin::Default,
    })
}

/// Parses `Name: value` (curl's `-H` syntax).
pub fn parse_header(text: &str) -> Result<(String, String), ConfigError> {
    match text.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.trim().to_owned()))
        }
        _ => Err(error(format!(
            "invalid header `{text}`: expected `Name: value`"
        ))),
    }
}

fn parse_basic(text: &str, origin: &Origin) -> Result<BasicCredentials, ConfigError> {
    match text.split_once(':') {
        Some((user, password)) if !user.is_empty() => Ok(BasicCredentials {
            user: user.to_owned(),
            password: Secret::new(password),
        }),
        _ => Err(error(format!(
            "invalid Basic credentials from {origin}: expected USER:PASSWORD"
        ))),
    }
}

/// `~/x` with the home directory spelled out, for paths from the configuration file.
fn expand_home(path: &Path, env: &dyn Environment) -> PathBuf {
    match (path.strip_prefix("~"), env.var("HOME")) {
        (Ok(rest), Some(home)) => Path::new(&home).join(rest),
        _ => path.to_owned(),
    }
}

/// The three places a setting can come from, for one resolution.
struct Sources<'a> {
    env: &'a dyn Environment,
    stored: &'a Profile,
    profile_origin: Origin,
}

impl Sources<'_> {
    fn flag<T>(value: Option<T>, flag: &'static str) -> Option<(T, Origin)> {
        value.map(|v| (v, Origin::Flag(flag)))
    }

    fn env(&self, name: &'static str) -> Option<(String, Origin)> {
        self.env.var(name).map(|v| (v, Origin::Env(name)))
    }

    fn stored<T: Clone>(&self, value: &Option<T>) -> Option<(T, Origin)> {
        value.clone().map(|v| (v, self.profile_origin.clone()))
    }
}

/// The ways to authenticate, for choosing between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthKind {
    Token,
    TokenFile,
    TokenCommand,
    Basic,
    OAuth,
}

impl fmt::Display for AuthKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthKind::Token => "token",
            AuthKind::TokenFile => "token file",
            AuthKind::TokenCommand => "token command",
            AuthKind::Basic => "Basic credentials",
            AuthKind::OAuth => "OAuth token URL",
        })
    }
}

/// Applies precedence (flags, then environment, then profile) to every connection setting.
pub fn resolve(
    args: &Flags,
    env: &dyn Environment,
    file: &ConfigFile,
) -> Result<Resolved, ConfigError> {
    let file_path = file.path().unwrap_or(Path::new("")).to_owned();
    let profile = pick([
        Sources::flag(args.profile.clone(), "--profile"),
        env.var("SCIMCTL_PROFILE")
            .map(|v| (v, Origin::Env("SCIMCTL_PROFILE"))),
        file.default_profile().map(|name| {
            let origin = Origin::Profile {
                name: name.to_owned(),
                path: file_path.clone(),
            };
            (name.to_owned(), origin)
        }),
    ]);
    let chosen = match &profile {
        Some(name) => Some(
            file.profile(&name.value)
                .ok_or_else(|| unknown_profile(&name.value, file))?,
        ),
        None => None,
    };
    let empty = Profile::default();
    let stored = chosen.unwrap_or(&empty);
    let sources = Sources {
        env,
        stored,
        profile_origin: Origin::Profile {
            name: profile
                .as_ref()
                .map(|p| p.value.clone())
                .unwrap_or_default(),
            path: file_path,
        },
    };

    let url = pick([
        Sources::flag(args.url.clone(), "--url"),
        sources.env("SCIMCTL_URL"),
        sources.stored(&stored.url),
    ]);
    let auth = resolve_auth(args, &sources)?;

    let mut headers: Vec<Valued<(String, String)>> = Vec::new();
    let mut add_header = |header: (String, String), origin: Origin| {
        headers.retain(|h| !h.value.0.eq_ignore_ascii_case(&header.0));
        headers.push(Valued {
            value: header,
            origin,
        });
    };
    for (name, value) in &stored.headers {
        add_header(
            (name.clone(), value.clone()),
            sources.profile_origin.clone(),
        );
    }
    if let Some((lines, origin)) = sources.env("SCIMCTL_HEADERS") {
        for line in lines.lines().filter(|l| !l.trim().is_empty()) {
            add_header(parse_header(line)?, origin.clone());
        }
    }
    for text in &args.headers {
        add_header(parse_header(text)?, Origin::Flag("--header"));
    }

    let insecure = pick_or(
        [
            Sources::flag(args.insecure.then_some(true), "--insecure"),
            None,
            sources.stored(&stored.insecure),
        ],
        false,
    );
    let cacert = pick([
        Sources::flag(args.cacert.clone(), "--cacert"),
        None,
        sources
            .stored(&stored.cacert)
            .map(|(path, origin)| (expand_home(&path, env), origin)),
    ]);
    let timeout = pick_or(
        [
            Sources::flag(args.timeout.map(Duration::from_secs), "--timeout"),
            None,
            sources.stored(&stored.timeout.map(Duration::from_secs)),
        ],
        DEFAULT_TIMEOUT,
    );
    if timeout.value.is_zero() {
        return Err(error(format!(
            "the timeout from {} must be at least one second",
            timeout.origin
        )));
    }

    let mut warnings = Vec::new();
    if let (Some(path), true) = (
        file.path(),
        chosen.is_some_and(Profile::holds_secrets) && file.readable_by_others,
    ) {
        warnings.push(format!(
            "{} holds secrets and is readable by group or others; run `chmod 600 {}`",
            path.display(),
            path.display()
        ));
    }
    Ok(Resolved {
        url,
        auth,
        headers,
        insecure,
        cacert,
        timeout,
        dialect: pick([None, None, sources.stored(&stored.dialect)]),
        warnings,
        profile,
        cache_dir: cache_dir(env),
    })
}

/// Chooses one way to authenticate: the one given at the highest precedence level. Two ways at
/// the same level (`--token` and `--basic`) are a usage error rather than a silent choice.
fn resolve_auth(args: &Flags, sources: &Sources<'_>) -> Result<Option<AuthSetting>, ConfigError> {
    let stored = sources.stored;
    let token = pick([
        Sources::flag(args.token.clone(), "--token"),
        sources.env("SCIMCTL_TOKEN"),
        sources.stored(&stored.token),
    ]);
    let token_file = pick([
        Sources::flag(args.token_file.clone(), "--token-file"),
        None,
        sources.stored(&stored.token_file),
    ]);
    let token_cmd = pick([
        Sources::flag(args.token_cmd.clone(), "--token-cmd"),
        None,
        sources.stored(&stored.token_cmd),
    ]);
    let basic = pick([
        Sources::flag(args.basic.clone(), "--basic"),
        sources.env("SCIMCTL_BASIC"),
        sources.stored(&stored.basic),
    ]);
    let token_url = pick([
        Sources::flag(args.oauth_token_url.clone(), "--oauth-token-url"),
        sources.env("SCIMCTL_OAUTH_TOKEN_URL"),
        sources.stored(&stored.oauth_token_url),
    ]);

    let candidates: Vec<(AuthKind, &Origin)> = [
        token.as_ref().map(|v| (AuthKind::Token, &v.origin)),
        token_file
            .as_ref()
            .map(|v| (AuthKind::TokenFile, &v.origin)),
        token_cmd
            .as_ref()
            .map(|v| (AuthKind::TokenCommand, &v.origin)),
        basic.as_ref().map(|v| (AuthKind::Basic, &v.origin)),
        token_url.as_ref().map(|v| (AuthKind::OAuth, &v.origin)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let Some(top) = candidates.iter().map(|(_, origin)| origin.rank()).max() else {
        return Ok(None);
    };
    let winners: Vec<&(AuthKind, &Origin)> =
        candidates.iter().filter(|(_, o)| o.rank() == top).collect();
    let [(winner, _)] = winners.as_slice() else {
        let listed: Vec<String> = winners
            .iter()
            .map(|(kind, origin)| format!("{kind} ({origin})"))
            .collect();
        return Err(error(format!(
            "more than one way to authenticate: {}; give only one",
            listed.join(", ")
        )));
    };
    let chosen = match winner {
        AuthKind::Token => token.map(|t| {
            AuthSetting::Token(Valued {
                value: Secret::new(t.value),
                origin: t.origin,
            })
        }),
        AuthKind::TokenFile => token_file.map(|t| {
            AuthSetting::TokenFile(Valued {
                value: expand_home(&t.value, sources.env),
                origin: t.origin,
            })
        }),
        AuthKind::TokenCommand => token_cmd.map(AuthSetting::TokenCommand),
        AuthKind::Basic => match basic {
            Some(b) => Some(AuthSetting::Basic(Valued {
                value: parse_basic(&b.value, &b.origin)?,
                origin: b.origin,
            })),
            None => None,
        },
        AuthKind::OAuth => match token_url {
            Some(token_url) => Some(resolve_oauth(args, sources, token_url)?),
            None => None,
        },
    };
    Ok(chosen)
}

/// The client id and secret that go with an OAuth token URL, each from wherever it was given.
fn resolve_oauth(
    args: &Flags,
    sources: &Sources<'_>,
    token_url: Valued<String>,
) -> Result<AuthSetting, ConfigError> {
    let client_id = pick([
        Sources::flag(args.client_id.clone(), "--client-id"),
        sources.env("SCIMCTL_CLIENT_ID"),
        sources.stored(&sources.stored.client_id),
    ])
    .ok_or_else(|| error("OAuth needs a client id: --client-id or SCIMCTL_CLIENT_ID"))?;
    let client_secret = pick([
        Sources::flag(args.client_secret.clone(), "--client-secret"),
        sources.env("SCIMCTL_CLIENT_SECRET"),
        sources.stored(&sources.stored.client_secret),
    ])
    .ok_or_else(|| {
        error("OAuth needs a client secret: SCIMCTL_CLIENT_SECRET or --client-secret")
    })?;
    Ok(AuthSetting::OAuth {
        token_url,
        client_id,
        client_secret: Valued {
            value: Secret::new(client_secret.value),
            origin: client_secret.origin,
        },
    })
}

impl Resolved {
    /// Every setting in use, with secrets redacted: `config show [--origin]`.
    pub fn show(&self) -> Vec<ShownSetting> {
        let mut rows = Vec::new();
        let mut row = |key: &str, value: String, origin: &Origin| {
            rows.push(ShownSetting {
                key: key.to_owned(),
                value,
                origin: origin.clone(),
            });
        };
        if let Some(p) = &self.profile {
            row("profile", p.value.clone(), &p.origin);
        }
        if let Some(u) = &self.url {
            row("url", u.value.clone(), &u.origin);
        }
        match &self.auth {
            Some(AuthSetting::Token(t)) => row("token", REDACTED.to_owned(), &t.origin),
            Some(AuthSetting::TokenFile(f)) => {
                row("token_file", f.value.display().to_string(), &f.origin)
            }
            Some(AuthSetting::TokenCommand(c)) => row("token_cmd", c.value.clone(), &c.origin),
            Some(AuthSetting::Basic(b)) => {
                row("basic", format!("{}:{REDACTED}", b.value.user), &b.origin)
            }
            Some(AuthSetting::OAuth {
                token_url,
                client_id,
                client_secret,
            }) => {
                row(
                    "oauth_token_url",
                    token_url.value.clone(),
                    &token_url.origin,
                );
                row("client_id", client_id.value.clone(), &client_id.origin);
                row("client_secret", REDACTED.to_owned(), &client_secret.origin);
            }
            None => {}
        }
        for header in &self.headers {
            let (name, value) = &header.value;
            let shown = if is_secret_header(name) {
                REDACTED.to_owned()
            } else {
                value.clone()
            };
            row(&format!("header.{name}"), shown, &header.origin);
        }
        row(
            "insecure",
            self.insecure.value.to_string(),
            &self.insecure.origin,
        );
        if let Some(c) = &self.cacert {
            row("cacert", c.value.display().to_string(), &c.origin);
        }
        row(
            "timeout",
            self.timeout.value.as_secs().to_string(),
            &self.timeout.origin,
        );
        if let Some(d) = &self.dialect {
            row("dialect", d.value.clone(), &d.origin);
        }
        rows
    }

    /// The client's options, reading secrets now: the token file (refused when others can read
    /// it), the token command (bounded in time), the CA bundle.
    pub fn client_options(&self) -> Result<ClientOptions, ConfigError> {
        let url = self.url.as_ref().ok_or_else(|| {
            error("no SCIM URL").with_hint(
                "pass --url, set SCIMCTL_URL, or store one with `scimctl config set url URL`",
            )
        })?;
        let credentials = match &self.auth {
            None => Credentials::None,
            Some(AuthSetting::Token(t)) => Credentials::Bearer(t.value.clone()),
            Some(AuthSetting::TokenFile(f)) => Credentials::Bearer(read_token_file(&f.value)?),
            Some(AuthSetting::TokenCommand(c)) => {
                Credentials::Bearer(run_token_command(&c.value, TOKEN_COMMAND_TIME_LIMIT)?)
            }
            Some(AuthSetting::Basic(b)) => Credentials::Basic {
                user: b.value.user.clone(),
                password: b.value.password.clone(),
            },
            Some(AuthSetting::OAuth {
                token_url,
                client_id,
                client_secret,
            }) => Credentials::OAuth(OAuthClient {
                token_url: token_url.value.clone(),
                client_id: client_id.value.clone(),
                client_secret: client_secret.value.clone(),
                cache_dir: self.cache_dir.clone(),
            }),
        };
        let extra_roots_pem = match &self.cacert {
            Some(path) => Some(std::fs::read(&path.value).map_err(|e| {
                error(format!(
                    "cannot read the CA file {} (from {}): {e}",
                    path.value.display(),
                    path.origin
                ))
            })?),
            None => None,
        };
        Ok(ClientOptions {
            base_url: url.value.clone(),
            credentials,
            headers: self.headers.iter().map(|h| h.value.clone()).collect(),
            transport: TransportOptions {
                timeout: self.timeout.value,
                insecure: self.insecure.value,
                extra_roots_pem,
                ..TransportOptions::default()
            },
            retry: RetryPolicy::default(),
        })
    }
}

/// Reads a bearer token from a file, refusing one that group or others can read: a token that
/// other users can read is a leaked token.
pub fn read_token_file(path: &Path) -> Result<Secret, ConfigError> {
    let fail = |e: std::io::Error| {
        error(format!(
            "cannot read the token file {}: {e}",
            path.display()
        ))
    };
    let file = std::fs::File::open(path).map_err(fail)?;
    if let Some(mode) = open_to_others(&file.metadata().map_err(fail)?) {
        return Err(error(format!(
            "refusing the token file {}: it is readable by group or others (mode {mode:03o})",
            path.display()
        ))
        .with_hint(format!("chmod 600 {}", path.display())));
    }
    let mut text = String::new();
    file.take(MAX_TOKEN_BYTES)
        .read_to_string(&mut text)
        .map_err(fail)?;
    let token = text.trim();
    if token.is_empty() {
        return Err(error(format!("the token file {} is empty", path.display())));
    }
    Ok(Secret::new(token))
}

/// Runs `--token-cmd` through the shell and takes the first line it prints as the token (so
/// `pass show`, which prints metadata after the secret, works). The command may run for at most
/// `limit`; it is killed after that.
pub fn run_token_command(command: &str, limit: Duration) -> Result<Secret, ConfigError> {
    let shown = crate::text::one_line(command);
    let mut child = shell(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| error(format!("cannot run the token command `{shown}`: {e}")))?;
    let stdout = read_in_background(child.stdout.take());
    let stderr = read_in_background(child.stderr.take());
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                // The result of kill and wait no longer matters: we report the time-out.
                let _ = child.kill();
                let _ = child.wait();
                return Err(error(format!(
                    "the token command `{shown}` did not finish within {} s",
                    limit.as_secs()
                )));
            }
            Err(e) => {
                return Err(error(format!(
                    "cannot wait for the token command `{shown}`: {e}"
                )));
            }
        }
    };
    let remaining = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(100));
    let output = stdout.recv_timeout(remaining).unwrap_or_default();
    if !status.success() {
        let said = stderr
            .recv_timeout(Duration::from_millis(100))
            .unwrap_or_default();
        let said = String::from_utf8_lossy(&said);
        let first = said
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        return Err(error(format!(
            "the token command `{shown}` failed ({status}): {}",
            crate::text::one_line(first)
        )));
    }
    let output = String::from_utf8_lossy(&output);
    match output.lines().map(str::trim).find(|l| !l.is_empty()) {
        Some(token) => Ok(Secret::new(token)),
        None => Err(error(format!(
            "the token command `{shown}` printed nothing"
        ))),
    }
}

#[cfg(unix)]
fn shell(command: &str) -> Command {
    let mut shell = Command::new("sh");
    shell.arg("-c").arg(command);
    shell
}

#[cfg(not(unix))]
fn shell(command: &str) -> Command {
    let mut shell = Command::new("cmd");
    shell.arg("/C").arg(command);
    shell
}

/// Reads a pipe to its end on a helper thread, so a chatty child never blocks on a full pipe and
/// the caller can stop waiting at its deadline even if a grandchild keeps the pipe open.
fn read_in_background(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<Vec<u8>> {
    let (sender, receiver) = mpsc::channel();
    if let Some(pipe) = pipe {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.take(MAX_TOKEN_BYTES).read_to_end(&mut bytes);
            // The receiver may have given up waiting; then nobody needs the bytes.
            let _ = sender.send(bytes);
        });
    }
    receiver
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn file() -> ConfigFile {
        ConfigFile::parse(Path::new("/home/u/.config/scimctl/config.toml"), FILE)
            .expect("test config parses")
    }

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn profile_origin(name: &str) -> Origin {
        Origin::Profile {
            name: name.to_owned(),
            path: PathBuf::from("/home/u/.config/scimctl/config.toml"),
        }
    }

    #[test]
    fn the_default_profile_supplies_what_nothing_else_does() {
        let resolved = resolve(&Flags::default(), &env(&[]), &file()).expect("resolves");
        assert_eq!(
            resolved.profile.as_ref().map(|p| p.value.as_str()),
            Some("staging")
        );
        let url = resolved.url.expect("url");
        assert_eq!(url.value, "https://staging.example.com/scim/v2");
        assert_eq!(url.origin, profile_origin("staging"));
        assert_eq!(resolved.timeout.value, Duration::from_secs(60));
        assert_eq!(resolved.dialect.map(|d| d.value).as_deref(), Some("entra"));
        assert_eq!(
            resolved.insecure,
            Valued {
                value: false,
                origin: Origin::Default
            }
        );
    }

    #[test]
    fn flags_beat_the_environment_which_beats_the_profile() {
        let environment = env(&[
            ("SCIMCTL_URL", "https://env.example.com/scim"),
            ("SCIMCTL_TOKEN", "env-token"),
        ]);
        let from_env = resolve(&Flags::default(), &environment, &file()).expect("resolves");
        assert_eq!(
            from_env.url.as_ref().map(|u| &u.origin),
            Some(&Origin::Env("SCIMCTL_URL"))
        );
        assert_eq!(
            from_env.auth,
            Some(AuthSetting::Token(Valued {
                value: Secret::new("env-token"),
                origin: Origin::Env("SCIMCTL_TOKEN")
            }))
        );

        let args = Flags {
            url: Some("https://flag.example.com/scim".to_owned()),
            timeout: Some(5),
            ..Flags::default()
        };
        let from_flag = resolve(&args, &environment, &file()).expect("resolves");
        let url = from_flag.url.expect("url");
        assert_eq!(
            (url.value.as_str(), url.origin),
            ("https://flag.example.com/scim", Origin::Flag("--url"))
        );
        assert_eq!(from_flag.timeout.origin, Origin::Flag("--timeout"));
    }

    #[test]
    fn the_profile_is_chosen_by_flag_then_environment_then_file() {
        let by_env = resolve(
            &Flags::default(),
            &env(&[("SCIMCTL_PROFILE", "prod"), ("SCIMCTL_CLIENT_SECRET", "s")]),
            &file(),
        )
        .expect("resolves");
        assert_eq!(
            by_env.profile.map(|p| (p.value, p.origin)),
            Some(("prod".to_owned(), Origin::Env("SCIMCTL_PROFILE")))
        );
        let args = Flags {
            profile: Some("nope".to_owned()),
            ..Flags::default()
        };
        let missing = resolve(&args, &env(&[]), &file()).expect_err("unknown profile");
        assert_eq!(
            missing.to_string(),
            "profile `nope` not found in /home/u/.config/scimctl/config.toml\nhint: known profiles: prod, staging"
        );
    }

    #[test]
    fn oauth_parts_combine_across_sources_with_their_own_origins() {
        let resolved = resolve(
            &Flags {
                profile: Some("prod".to_owned()),
                ..Flags::default()
            },
            &env(&[("SCIMCTL_CLIENT_SECRET", "very-secret")]),
            &file(),
        )
        .expect("resolves");
        let shown = resolved.show();
        let find = |key: &str| shown.iter().find(|s| s.key == key).cloned().expect(key);
        assert_eq!(find("client_id").origin, profile_origin("prod"));
        assert_eq!(find("client_secret").value, "(redacted)");
        assert_eq!(
            find("client_secret").origin,
            Origin::Env("SCIMCTL_CLIENT_SECRET")
        );
        let missing_secret = resolve(
            &Flags {
                profile: Some("prod".to_owned()),
                ..Flags::default()
            },
            &env(&[]),
            &file(),
        );
        assert!(
            missing_secret
                .expect_err("no secret")
                .to_string()
                .contains("client secret")
        );
    }

    #[test]
    fn two_ways_to_authenticate_at_the_same_level_are_refused() {
        let args = Flags {
            token: Some("t".to_owned()),
            basic: Some("u:p".to_owned()),
            ..Flags::default()
        };
        let refused = resolve(&args, &env(&[]), &file()).expect_err("conflict");
        assert_eq!(
            refused.to_string(),
            "more than one way to authenticate: token (flag --token), Basic credentials (flag --basic); give only one"
        );
        let basic_by_flag = Flags {
            basic: Some("alice:pw".to_owned()),
            ..Flags::default()
        };
        let resolved = resolve(
            &basic_by_flag,
            &env(&[("SCIMCTL_TOKEN", "env-token")]),
            &file(),
        )
        .expect("flag wins");
        assert!(
            matches!(resolved.auth, Some(AuthSetting::Basic(ref b)) if b.value.user == "alice")
        );
    }

    #[test]
    fn headers_merge_by_name_with_the_higher_source_winning() {
        let args = Flags {
            headers: vec!["x-tenant: from-flag".to_owned()],
            ..Flags::default()
        };
        let resolved = resolve(
            &args,
            &env(&[("SCIMCTL_HEADERS", "X-Region: us\nX-Trace: 1")]),
            &file(),
        )
        .expect("resolves");
        let headers: Vec<(String, String, Origin)> = resolved
            .headers
            .into_iter()
            .map(|h| (h.value.0, h.value.1, h.origin))
            .collect();
        assert_eq!(
            headers,
            vec![
                (
                    "X-Region".to_owned(),
                    "us".to_owned(),
                    Origin::Env("SCIMCTL_HEADERS")
                ),
                (
                    "X-Trace".to_owned(),
                    "1".to_owned(),
                    Origin::Env("SCIMCTL_HEADERS")
                ),
                (
                    "x-tenant".to_owned(),
                    "from-flag".to_owned(),
                    Origin::Flag("--header")
                ),
            ]
        );
        let bad = Flags {
            headers: vec!["no colon".to_owned()],
            ..Flags::default()
        };
        assert!(resolve(&bad, &env(&[]), &file()).is_err());
    }

    #[test]
    fn show_redacts_secrets_and_names_every_origin() {
        let resolved = resolve(&Flags::default(), &env(&[]), &file()).expect("resolves");
        let shown: Vec<String> = resolved
            .show()
            .iter()
            .map(|s| format!("{} = {} [{}]", s.key, s.value, s.origin))
            .collect();
        let origin = "profile staging (/home/u/.config/scimctl/config.toml)";
        assert_eq!(
            shown,
            vec![
                format!("profile = staging [{origin}]"),
                format!("url = https://staging.example.com/scim/v2 [{origin}]"),
                format!("token = (redacted) [{origin}]"),
                format!("header.X-Region = eu [{origin}]"),
                format!("header.X-Tenant = acme [{origin}]"),
                "insecure = false [default]".to_owned(),
                format!("timeout = 60 [{origin}]"),
                format!("dialect = entra [{origin}]"),
            ]
        );
    }

    #[test]
    fn the_config_path_follows_scimctl_config_then_xdg_then_home() {
        assert_eq!(
            config_path(&env(&[("SCIMCTL_CONFIG", "/tmp/c.toml"), ("HOME", "/h")])),
            Some(PathBuf::from("/tmp/c.toml"))
        );
        assert_eq!(
            config_path(&env(&[("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")])),
            Some(PathBuf::from("/x/scimctl/config.toml"))
        );
        assert_eq!(
            config_path(&env(&[("XDG_CONFIG_HOME", "relative"), ("HOME", "/h")])),
            Some(PathBuf::from("/h/.config/scimctl/config.toml"))
        );
        assert_eq!(config_path(&env(&[])), None);
    }

    #[test]
    fn set_and_use_edit_one_profile_and_keep_the_others() {
        let mut config = file();
        config
            .set("dev", "url", "http://localhost:8080/scim")
            .expect("set url");
        config.set("dev", "timeout", "5").expect("set timeout");
        config
            .set("dev", "header.X-Debug", "1")
            .expect("set header");
        config.use_profile("dev").expect("use");
        let reparsed =
            ConfigFile::parse(Path::new("/c.toml"), &config.to_toml()).expect("round trip");
        assert_eq!(reparsed.default_profile(), Some("dev"));
        assert_eq!(reparsed.profile_names(), ["dev", "prod", "staging"]);
        let dev = reparsed.profile("dev").expect("dev");
        assert_eq!(dev.timeout, Some(5));
        assert_eq!(dev.headers.get("X-Debug").map(String::as_str), Some("1"));
        assert_eq!(reparsed.profile("staging"), file().profile("staging"));
    }

    #[test]
    fn set_and_use_refuse_what_would_break_the_file() {
        let mut config = file();
        assert!(
            config
                .set("dev", "tokn", "x")
                .expect_err("typo")
                .to_string()
                .starts_with("unknown setting `tokn`")
        );
        assert!(config.set("dev", "timeout", "soon").is_err());
        assert!(config.set("dev", "insecure", "yes").is_err());
        assert!(config.set("a.b", "url", "x").is_err());
        assert!(config.use_profile("missing").is_err());
        assert_eq!(config, file(), "a refused edit changes nothing");
    }

    #[test]
    fn unknown_keys_in_the_file_are_reported_with_their_place() {
        let refused = ConfigFile::parse(Path::new("/c.toml"), "[profiles.a]\nurll = \"x\"\n")
            .expect_err("typo");
        assert!(
            refused.to_string().contains("unknown field `urll`"),
            "{refused}"
        );
    }

    #[test]
    fn a_missing_url_is_a_usage_error_with_a_hint() {
        let resolved =
            resolve(&Flags::default(), &env(&[]), &ConfigFile::default()).expect("resolves");
        let refused = resolved.client_options().expect_err("no url");
        assert!(
            refused.to_string().starts_with("no SCIM URL\nhint:"),
            "{refused}"
        );
        assert_eq!(refused.exit(), Exit::Usage);
    }
}
