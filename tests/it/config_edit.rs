//! `scimctl config set` and `config use` edit the user's configuration file the way a careful
//! person would by hand: the one value changes, and every comment, blank line, key order and
//! quoting around it stays as written, also when the file is a link into a dotfiles directory.

use crate::support::Home;

const WRITTEN_BY_HAND: &str = r#"# Our SCIM tenants. Ask #identity before adding one.
default_profile = "staging"

[profiles.staging]
url = "https://staging.example.com/scim/v2"   # EU only
token_file = '~/.secrets/staging'

# Production is read-only for us.
[profiles.prod]
url = "https://prod.example.com/scim/v2"
"#;

#[cfg(unix)]
#[test]
fn config_set_and_use_change_one_line_and_keep_the_rest_of_a_linked_file() {
    let home = Home::new();
    let dotfiles = home.join("dotfiles");
    std::fs::create_dir(&dotfiles).expect("dotfiles");
    let target = dotfiles.join("scimctl.toml");
    std::fs::write(&target, WRITTEN_BY_HAND).expect("config");
    // The file SCIMCTL_CONFIG names in a hermetic home.
    let config = home.join("config.toml");
    std::os::unix::fs::symlink(&target, &config).expect("link");

    home.command()
        .args(["--profile", "staging", "config", "set", "url"])
        .arg("https://eu.example.com/scim/v2")
        .assert()
        .success();
    home.command()
        .args(["--profile", "prod", "config", "set", "timeout", "5"])
        .assert()
        .success();
    home.command()
        .args(["config", "use", "prod"])
        .assert()
        .success();

    assert!(
        config.symlink_metadata().expect("link").is_symlink(),
        "still a link"
    );
    let expected = WRITTEN_BY_HAND
        .replace(
            r#"url = "https://staging.example.com/scim/v2"   # EU"#,
            r#"url = "https://eu.example.com/scim/v2"   # EU"#,
        )
        .replace(
            r#"default_profile = "staging""#,
            r#"default_profile = "prod""#,
        )
        .replace(
            "url = \"https://prod.example.com/scim/v2\"\n",
            "url = \"https://prod.example.com/scim/v2\"\ntimeout = 5\n",
        );
    assert_eq!(std::fs::read_to_string(&target).expect("config"), expected);
}
