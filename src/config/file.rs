//! The configuration file: where it lives, its profiles, and the edits of `config set` and
//! `config use`, written back atomically with owner-only permissions. An edit changes the one
//! value it names and keeps the rest of the user's text as written: comments, blank lines, the
//! order of keys and tables, quoting, inline tables. It resolves nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml_edit::{DocumentMut, Item, TableLike, Value};

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

/// The configuration file: its typed view for resolving, and its TOML document for editing, so
/// `set` and `use` write back everything else as the user wrote it.
#[derive(Debug, Clone, Default)]
pub struct ConfigFile {
    path: Option<PathBuf>,
    document: DocumentMut,
    /// Whether the file's lines end in CRLF, as they are written back.
    crlf: bool,
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
        let model = typed_view(path, text)?;
        let document = text.parse().map_err(|e: toml_edit::TomlError| {
            error(format!("invalid configuration in {}: {e}", path.display()))
        })?;
        Ok(ConfigFile {
            path: Some(path.to_owned()),
            document,
            crlf: text.contains("\r\n"),
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
        let mut document = self.document.clone();
        let new_profile = (self.profile(profile).is_none()).then(|| {
            let mut table = toml_edit::Table::new();
            // What follows the file's last setting (comments, say) belongs to that setting, not
            // to the profile added after it.
            if let Some(after_last) = take_closing_text(&mut document) {
                table.decor_mut().set_prefix(format!("{after_last}\n"));
            }
            table
        });
        let profiles = table_entry(document.as_table_mut(), "profiles")?;
        if let Some(table) = new_profile {
            profiles.insert(profile, Item::Table(table));
        }
        let entry = table_entry(profiles, profile)?;
        match key.strip_prefix("header.") {
            Some(header) => {
                parse_header(&format!("{header}: {value}"))?;
                let value = Value::from(value);
                match entry.get_mut("headers").and_then(Item::as_inline_table_mut) {
                    Some(inline) => set_inline_value(inline, header, value),
                    None => set_value(table_entry(entry, "headers")?, header, value),
                }
            }
            None => {
                let key = key.replace('-', "_");
                set_value(entry, &key, typed_setting(&key, value)?);
            }
        }
        self.commit(document)
    }

    /// Makes `name` the profile used when none is given: `config use`.
    pub fn use_profile(&mut self, name: &str) -> Result<(), ConfigError> {
        if !self.model.profiles.contains_key(name) {
            return Err(unknown_profile(name, self));
        }
        let mut document = self.document.clone();
        set_value(
            document.as_table_mut(),
            "default_profile",
            Value::from(name),
        );
        self.commit(document)
    }

    /// The file's TOML text.
    pub fn to_toml(&self) -> String {
        let text = self.document.to_string();
        if self.crlf {
            text.replace("\r\n", "\n").replace('\n', "\r\n")
        } else {
            text
        }
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

    /// Adopts an edited document only if it still makes a valid configuration.
    fn commit(&mut self, document: DocumentMut) -> Result<(), ConfigError> {
        let path = self.path.clone().unwrap_or_default();
        self.model = typed_view(&path, &document.to_string())?;
        self.document = document;
        Ok(())
    }
}

/// Sets `key` in `table` to `value`. A value already there keeps its place and what surrounds it
/// on its line (spacing, a trailing comment); a new key goes after the table's last one.
fn set_value(table: &mut dyn TableLike, key: &str, value: Value) {
    match table.get_mut(key).and_then(Item::as_value_mut) {
        Some(old) => {
            let decor = old.decor().clone();
            *old = value;
            *old.decor_mut() = decor;
        }
        None => {
            table.insert(key, Item::Value(value));
        }
    }
}

/// [`set_value`] for a key of an inline table (`headers = { X-Tenant = "acme" }`), whose last
/// value carries the spacing before `}`: a new last value takes it over.
fn set_inline_value(table: &mut toml_edit::InlineTable, key: &str, value: Value) {
    if table.contains_key(key) {
        return set_value(table, key, value);
    }
    let closing = table.iter_mut().last().and_then(|(_, last)| {
        let spacing = last.decor().suffix().cloned();
        last.decor_mut().set_suffix("");
        spacing
    });
    table.insert(key, value);
    if let (Some(closing), Some(new)) = (closing, table.get_mut(key)) {
        new.decor_mut().set_suffix(closing);
    }
}

/// The text after the document's last item, taken out of it, when it holds more than whitespace.
fn take_closing_text(document: &mut DocumentMut) -> Option<String> {
    let text = document.trailing().as_str()?.to_owned();
    if text.trim().is_empty() {
        return None;
    }
    document.set_trailing("");
    Some(text)
}

/// A profile value from `config set` text, typed as the file expects it.
fn typed_setting(key: &str, value: &str) -> Result<Value, ConfigError> {
    match key {
        "insecure" => value
            .parse::<bool>()
            .map(Value::from)
            .map_err(|_| error(format!("`insecure` must be true or false, not `{value}`"))),
        "timeout" => value
            .parse::<u32>()
            .map(|seconds| Value::from(i64::from(seconds)))
            .map_err(|_| {
                error(format!(
                    "`timeout` must be a whole number of seconds, not `{value}`"
                ))
            }),
        known if PROFILE_KEYS.contains(&known) => Ok(Value::from(value)),
        unknown => Err(error(format!(
            "unknown setting `{unknown}`; known: {}, header.NAME",
            PROFILE_KEYS.join(", ")
        ))),
    }
}

fn typed_view(path: &Path, text: &str) -> Result<ConfigModel, ConfigError> {
    toml::from_str(text)
        .map_err(|e| error(format!("invalid configuration in {}: {e}", path.display())))
}

/// The table at `key` in `table`, created if missing: a `[profiles.NAME]` section of its own at
/// the end of the file (with no empty `[profiles]` header above it), or a key of an inline table
/// when `table` is one.
fn table_entry<'a>(
    table: &'a mut dyn TableLike,
    key: &str,
) -> Result<&'a mut dyn TableLike, ConfigError> {
    if !table.contains_key(key) {
        let mut new = toml_edit::Table::new();
        new.set_implicit(true);
        table.insert(key, Item::Table(new));
    }
    table
        .get_mut(key)
        .and_then(Item::as_table_like_mut)
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

    /// A configuration file as people write them: comments, blank lines, literal strings, an
    /// inline table.
    const DOCUMENTED: &str = r#"# scimctl profiles: one per tenant.
default_profile = 'staging'   # the one we use most

[profiles.staging]
# The EU tenant.
url = "https://staging.example.com/scim/v2"  # behind the VPN
timeout = 60
headers = { X-Tenant = "acme" }

# Production: read-only token.
[profiles.prod]
url = 'https://prod.example.com/scim/v2'
"#;

    fn documented() -> ConfigFile {
        ConfigFile::parse(Path::new("/c.toml"), DOCUMENTED).expect("parses")
    }

    #[test]
    fn set_changes_one_value_and_keeps_every_comment_blank_line_and_quoting() {
        let mut config = documented();
        config
            .set("staging", "url", "https://eu.example.com/scim/v2")
            .expect("set url");
        config.set("staging", "timeout", "30").expect("set timeout");
        config
            .set("prod", "url", "https://p2.example.com")
            .expect("set");
        let expected = DOCUMENTED
            .replace(
                r#"url = "https://staging.example.com/scim/v2"  # behind"#,
                r#"url = "https://eu.example.com/scim/v2"  # behind"#,
            )
            .replace("timeout = 60", "timeout = 30")
            .replace(
                "url = 'https://prod.example.com/scim/v2'",
                r#"url = "https://p2.example.com""#,
            );
        assert_eq!(config.to_toml(), expected);
    }

    #[test]
    fn new_settings_and_profiles_go_next_to_their_kin_and_nothing_else_moves() {
        let mut config = documented();
        config.set("staging", "dialect", "entra").expect("set");
        config
            .set("staging", "header.X-Region", "eu")
            .expect("set header");
        config
            .set("dev", "url", "http://localhost:8080/scim/v2")
            .expect("new profile");
        config.use_profile("dev").expect("use");
        assert_eq!(
            config.to_toml(),
            r#"# scimctl profiles: one per tenant.
default_profile = "dev"   # the one we use most

[profiles.staging]
# The EU tenant.
url = "https://staging.example.com/scim/v2"  # behind the VPN
timeout = 60
headers = { X-Tenant = "acme", X-Region = "eu" }
dialect = "entra"

# Production: read-only token.
[profiles.prod]
url = 'https://prod.example.com/scim/v2'

[profiles.dev]
url = "http://localhost:8080/scim/v2"
"#
        );
    }

    #[test]
    fn a_new_profile_goes_after_the_comments_that_close_the_file() {
        let text = "[profiles.a]\nurl = \"x\"\n# token = \"for a, one day\"\n";
        let mut config = ConfigFile::parse(Path::new("/c.toml"), text).expect("parses");
        config.set("b", "url", "y").expect("new profile");
        assert_eq!(
            config.to_toml(),
            format!("{text}\n[profiles.b]\nurl = \"y\"\n")
        );
    }

    #[test]
    fn a_file_is_written_back_byte_for_byte_with_its_own_line_endings() {
        assert_eq!(documented().to_toml(), DOCUMENTED);
        let windows = DOCUMENTED.replace('\n', "\r\n");
        let mut config = ConfigFile::parse(Path::new("/c.toml"), &windows).expect("parses");
        assert_eq!(config.to_toml(), windows);
        config.set("prod", "timeout", "5").expect("set");
        let written = config.to_toml();
        assert!(written.ends_with("'https://prod.example.com/scim/v2'\r\ntimeout = 5\r\n"));
        assert_eq!(
            written.matches('\n').count(),
            written.matches("\r\n").count()
        );
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
        assert_eq!(
            config.to_toml(),
            file().to_toml(),
            "a refused edit changes nothing"
        );
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
