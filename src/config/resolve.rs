//! Precedence applied: each setting from its flag, else its variable, else the profile, with
//! its origin; then the client's options, secrets read. It reads no file but the secrets'.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::file::unknown_profile;
use super::secrets::{TOKEN_COMMAND_TIME_LIMIT, read_token_file, run_token_command};
use super::{
    AuthSetting, BasicCredentials, ConfigError, ConfigFile, DEFAULT_TIMEOUT, Environment, Flags,
    Origin, Profile, Resolved, ShownSetting, Valued, cache_dir, error,
};
use crate::client::{ClientOptions, Credentials, OAuthClient, RetryPolicy, TransportOptions};
use crate::redact::{REDACTED, Secret, is_secret_header};

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
    let (profile, chosen) = choose_profile(args, env, file)?;
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

    let headers = resolve_headers(args, &sources)?;

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

    let warnings = match file.path() {
        Some(path) if chosen.is_some_and(Profile::holds_secrets) && file.readable_by_others => {
            vec![format!(
                "{} holds secrets and is readable by group or others; run `chmod 600 {}`",
                path.display(),
                path.display()
            )]
        }
        _ => Vec::new(),
    };
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

/// The profile in use, by `--profile`, else `SCIMCTL_PROFILE`, else the file's default (none
/// when none is named), and its settings; a name the file does not hold is an error.
fn choose_profile<'f>(
    args: &Flags,
    env: &dyn Environment,
    file: &'f ConfigFile,
) -> Result<(Option<Valued<String>>, Option<&'f Profile>), ConfigError> {
    let profile = pick([
        Sources::flag(args.profile.clone(), "--profile"),
        env.var("SCIMCTL_PROFILE")
            .map(|v| (v, Origin::Env("SCIMCTL_PROFILE"))),
        file.default_profile().map(|name| {
            let origin = Origin::Profile {
                name: name.to_owned(),
                path: file.path().unwrap_or(Path::new("")).to_owned(),
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
    Ok((profile, chosen))
}

/// The headers of the profile, then `SCIMCTL_HEADERS` (one per line), then `--header`: a
/// later source replaces an earlier one's header of the same name (in any letter case).
fn resolve_headers(
    args: &Flags,
    sources: &Sources<'_>,
) -> Result<Vec<Valued<(String, String)>>, ConfigError> {
    let mut headers: Vec<Valued<(String, String)>> = Vec::new();
    let mut add_header = |header: (String, String), origin: Origin| {
        headers.retain(|h| !h.value.0.eq_ignore_ascii_case(&header.0));
        headers.push(Valued {
            value: header,
            origin,
        });
    };
    for (name, value) in &sources.stored.headers {
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
    Ok(headers)
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::{env, file, profile_origin};
    use super::*;
    use crate::exit::Exit;

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
