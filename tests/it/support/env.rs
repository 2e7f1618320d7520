//! A server and the `scimctl` binary pointed at it, for the tests of the client's commands:
//! `scimctl serve` in the test process (or python-scim's scim2-server), a hermetic home
//! (`Home`), and snapshot settings that hide what changes from run to run. It asserts nothing
//! about the product beyond the exit codes and JSON its helpers need.

use assert_cmd::Command;
use scimctl::serve::{Quirk, Quirks, Seed, ServeConfig};

use super::{Home, Run, Scim2Server, Server};

/// The server's bearer token in every test.
pub const TOKEN: &str = "s3cr3t-t0k3n-value";

/// A server, a home directory, and the binary pointed at both.
pub struct Env {
    /// `scimctl serve` in this process, or scim2-server: held until the test ends.
    _server: Box<dyn std::any::Any>,
    pub home: Home,
    pub url: String,
}

impl Env {
    /// A conformant server with no data.
    pub fn start() -> Env {
        Env::with(ServeConfig::default())
    }

    /// A server with these quirks.
    pub fn with_quirks(quirks: &[Quirk]) -> Env {
        Env::with(ServeConfig {
            quirks: Quirks::from_list(quirks),
            ..ServeConfig::default()
        })
    }

    /// A server seeded with `seed` (the `serve --seed` JSON format).
    pub fn seeded(seed: &str, quirks: &[Quirk]) -> Env {
        Env::with(ServeConfig {
            quirks: Quirks::from_list(quirks),
            seed: Some(Seed::from_json(seed).expect("valid seed")),
            ..ServeConfig::default()
        })
    }

    /// A server started with `config` (port 0 and the test token are forced).
    pub fn with(config: ServeConfig) -> Env {
        let server = Server::start(ServeConfig {
            port: 0,
            token: Some(TOKEN.to_owned()),
            ..config
        });
        Env {
            url: server.url().to_owned(),
            _server: Box::new(server),
            home: Home::new(),
        }
    }

    /// python-scim's scim2-server 0.8.3 on a free loopback port; `None` when
    /// `SCIMCTL_SKIP_INTEROP=1`.
    pub fn scim2_server() -> Option<Env> {
        let server = Scim2Server::start(TOKEN)?;
        Some(Env {
            url: server.url().to_owned(),
            _server: Box::new(server),
            home: Home::new(),
        })
    }

    /// The binary, hermetic (see [`Home::scimctl`]), with the server's URL and token in
    /// SCIMCTL_URL and SCIMCTL_TOKEN: for a test that spawns it.
    pub fn scimctl(&self) -> std::process::Command {
        let mut command = self.home.scimctl();
        command
            .env("SCIMCTL_URL", &self.url)
            .env("SCIMCTL_TOKEN", TOKEN);
        command
    }

    /// [`Env::scimctl`] for assert_cmd, bounded in time as [`Home::command`] is.
    pub fn command(&self) -> Command {
        self.home.command_for(&self.url, TOKEN)
    }

    /// Runs the binary with `args` and no stdin.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(self.command().args(args))
    }

    /// Runs the binary with `args` and these environment variables.
    pub fn run_with_env(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let mut command = self.command();
        command.args(args);
        for (name, value) in vars {
            command.env(name, value);
        }
        self.run_with(&mut command)
    }

    /// Runs the binary with `args` and `stdin`.
    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Run {
        self.run_with(self.command().args(args).write_stdin(stdin.to_owned()))
    }

    fn run_with(&self, command: &mut Command) -> Run {
        Run::from(command.output().expect("binary runs"))
    }

    /// Creates a user from flags and returns its id.
    pub fn create_user(&self, user_name: &str) -> String {
        let created = self
            .run(&["users", "create", "--user-name", user_name, "-o", "json"])
            .json();
        created["id"].as_str().expect("an id").to_owned()
    }

    /// Creates a group and returns its id.
    pub fn create_group(&self, name: &str) -> String {
        let created = self
            .run(&["groups", "create", "--display-name", name, "-o", "json"])
            .json();
        created["id"].as_str().expect("an id").to_owned()
    }
}

/// Snapshot settings that replace what changes between runs (ids, times, ports, versions,
/// durations), so snapshots are stable: `snapshots().bind(|| assert_snapshot!(...))`.
pub fn snapshots() -> insta::Settings {
    redacting_ids_as("[id]")
}

/// [`snapshots`] for tables: an id becomes a placeholder as wide as itself, so the columns of
/// the snapshot line up as they do on the terminal.
pub fn table_snapshots() -> insta::Settings {
    redacting_ids_as("########-####-####-####-############")
}

fn redacting_ids_as(placeholder: &str) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        placeholder,
    );
    settings.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[time]");
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    settings.add_filter(r"\(\d+ ms\)", "([n] ms)");
    settings.add_filter(r"scimctl/\d+\.\d+\.\d+", "scimctl/[version]");
    settings.add_filter(r#"W/\\?"\d+\\?""#, "[etag]");
    settings.add_filter(r"date: .*", "date: [date]");
    settings.add_filter(r"content-length: \d+", "content-length: [n]");
    settings
}
