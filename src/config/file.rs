//! The configuration file: where it lives, its profiles, and the edits of `config set` and
//! `config use`, written back atomically with owner-only permissions. It resolves nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::resolve::parse_header;
use super::{ConfigError, Environment, PROFILE_KEYS, error};
use crate::redact::{is_secret_header, open_to_others, write_owner_only};

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
    pub(super) fn holds_secrets(&self) -> bool {
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
/// `set` and `use` write back every other setting and profile with its value. The file is
/// written anew: its comments and layout are not kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigFile {
    path: Option<PathBuf>,
    table: toml::Table,
    model: ConfigModel,
    pub(super) readable_by_others: bool,
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

pub(super) fn unknown_profile(name: &str, file: &ConfigFile) -> ConfigError {
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::{env, file};
    use super::*;

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
}
