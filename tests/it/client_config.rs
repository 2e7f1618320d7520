//! Profiles on disk: where the file is found, how `config set`/`use` write it back, and how
//! secrets are read from files and commands when a client is built. The environment is always
//! an injected map; the process environment is never touched.

use std::collections::BTreeMap;
use std::path::PathBuf;

use scimctl::client::Credentials;
use scimctl::config::{ConfigFile, Flags, resolve};
use scimctl::redact::Secret;

fn env(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

#[test]
fn scimctl_config_points_at_the_file_and_a_missing_file_is_empty() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("nested").join("config.toml");
    let file = ConfigFile::locate(&env(&[("SCIMCTL_CONFIG", path.display().to_string())]))
        .expect("locates");
    assert_eq!(file.path(), Some(path.as_path()));
    assert!(file.profile_names().is_empty());
}

#[test]
fn the_xdg_location_is_used_without_scimctl_config() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config_dir = dir.path().join("scimctl");
    std::fs::create_dir_all(&config_dir).expect("mkdir");
    std::fs::write(
        config_dir.join("config.toml"),
        "[profiles.lab]\nurl = \"http://lab/scim\"\n",
    )
    .expect("write");
    let file = ConfigFile::locate(&env(&[(
        "XDG_CONFIG_HOME",
        dir.path().display().to_string(),
    )]))
    .expect("locates");
    assert_eq!(file.profile_names(), ["lab"]);
}

#[cfg(unix)]
#[test]
fn set_and_use_are_saved_owner_only_and_read_back() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("scimctl").join("config.toml");
    let mut file = ConfigFile::load(&path).expect("empty");
    file.set("lab", "url", "http://localhost:8080/scim")
        .expect("set");
    file.set("lab", "token", "lab-token").expect("set");
    file.use_profile("lab").expect("use");
    file.save().expect("saved");
    let mode = std::fs::metadata(&path)
        .expect("exists")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let reread = ConfigFile::load(&path).expect("reads");
    let resolved = resolve(&Flags::default(), &env(&[]), &reread).expect("resolves");
    assert_eq!(
        resolved.url.map(|u| u.value).as_deref(),
        Some("http://localhost:8080/scim")
    );
    assert!(resolved.warnings.is_empty());
}

#[cfg(unix)]
#[test]
fn a_config_file_with_secrets_that_others_can_read_draws_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "default_profile = \"a\"\n[profiles.a]\nurl = \"https://h/scim\"\ntoken = \"t\"\n",
    )
    .expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let file = ConfigFile::load(&path).expect("reads");
    let resolved = resolve(&Flags::default(), &env(&[]), &file).expect("resolves");
    assert_eq!(resolved.warnings.len(), 1);
    assert!(
        resolved.warnings[0].contains("readable by group or others"),
        "{:?}",
        resolved.warnings
    );
}

#[cfg(unix)]
#[test]
fn client_options_read_the_token_file_and_run_the_token_command() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let token_path = dir.path().join("token");
    std::fs::write(&token_path, "file-token\n").expect("write");
    std::fs::set_permissions(&token_path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let config = "[profiles.by-file]\nurl = \"https://h/scim\"\ntoken_file = \"~/token\"\n\
                  [profiles.by-command]\nurl = \"https://h/scim\"\ntoken_cmd = \"echo cmd-token\"\n";
    let file = ConfigFile::parse(&dir.path().join("config.toml"), config).expect("parses");
    let home = env(&[("HOME", dir.path().display().to_string())]);
    let credentials = |profile: &str| {
        let args = Flags {
            profile: Some(profile.to_owned()),
            ..Flags::default()
        };
        resolve(&args, &home, &file)
            .expect("resolves")
            .client_options()
            .expect("options")
            .credentials
    };
    assert_eq!(
        credentials("by-file"),
        Credentials::Bearer(Secret::new("file-token"))
    );
    assert_eq!(
        credentials("by-command"),
        Credentials::Bearer(Secret::new("cmd-token"))
    );
}

#[test]
fn an_unreadable_ca_file_is_a_usage_error() {
    let args = Flags {
        url: Some("https://h/scim".to_owned()),
        cacert: Some(PathBuf::from("/nonexistent/ca.pem")),
        ..Flags::default()
    };
    let resolved = resolve(&args, &env(&[]), &ConfigFile::default()).expect("resolves");
    let refused = resolved.client_options().expect_err("no such file");
    assert!(
        refused
            .to_string()
            .starts_with("cannot read the CA file /nonexistent/ca.pem (from flag --cacert)"),
        "{refused}"
    );
}
