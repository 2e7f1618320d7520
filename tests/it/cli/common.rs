//! A `scimctl serve` server in the test process and the `scimctl` binary run against it,
//! hermetically: HOME, XDG directories and SCIMCTL_CONFIG point into a temporary directory
//! removed afterwards, and no variable of the developer's environment reaches the binary.
//! A few tests run against python-scim's scim2-server instead, started on a free port.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use assert_cmd::Command;
use scimctl::serve::{Quirk, Quirks, Seed, ServeConfig, ServerHandle, spawn};
use serde_json::Value;

/// The server's bearer token in every test.
pub const TOKEN: &str = "s3cr3t-t0k3n-value";

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts exit 0 and returns stdout parsed as JSON.
    pub fn json(&self) -> Value {
        assert_eq!(
            self.code, 0,
            "stderr: {}\nstdout: {}",
            self.stderr, self.stdout
        );
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    /// Asserts stderr says `text`, returning the run for more checks.
    pub fn stderr_contains(&self, text: &str) -> &Run {
        assert!(
            self.stderr.contains(text),
            "stderr does not say {text:?}: {}",
            self.stderr
        );
        self
    }

    /// Asserts the exit code, returning the run for more checks.
    pub fn exits(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "unexpected exit code; stderr: {}\nstdout: {}",
            self.stderr, self.stdout
        );
        self
    }
}

/// A temporary directory, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "scimctl-cli-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The server a test talks to.
enum Backend {
    /// `scimctl serve`, in this process.
    Serve {
        runtime: tokio::runtime::Runtime,
        server: Option<ServerHandle>,
    },
    /// python-scim's scim2-server, a child process killed at the end.
    Scim2Server(Child),
}

/// A server, a home directory, and the binary pointed at both.
pub struct Env {
    backend: Backend,
    pub home: TempDir,
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
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let server = runtime
            .block_on(spawn(ServeConfig {
                port: 0,
                token: Some(TOKEN.to_owned()),
                ..config
            }))
            .expect("server starts");
        let url = server.base_url().to_owned();
        Env {
            backend: Backend::Serve {
                runtime,
                server: Some(server),
            },
            home: TempDir::new(),
            url,
        }
    }

    /// python-scim's scim2-server 0.8.3 on a free loopback port, from the venv next to
    /// `SCIMCTL_PYTHON` (else `.venv`); `None` when `SCIMCTL_SKIP_INTEROP=1`.
    pub fn scim2_server() -> Option<Env> {
        if std::env::var_os("SCIMCTL_SKIP_INTEROP").is_some_and(|v| v == "1") {
            return None;
        }
        let python = std::env::var_os("SCIMCTL_PYTHON").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"),
            PathBuf::from,
        );
        let server = python.with_file_name("scim2-server");
        assert!(
            server.exists(),
            "no scim2-server at {}: run `scripts/python-env` to create the venv, point \
             SCIMCTL_PYTHON at a venv's python with scim2-server 0.8.3, or set \
             SCIMCTL_SKIP_INTEROP=1 to skip this test",
            server.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let child = std::process::Command::new(&server)
            .args(["--hostname", "127.0.0.1", "--port", &port.to_string()])
            .args(["--bearer-token", TOKEN])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("scim2-server starts");
        let env = Env {
            backend: Backend::Scim2Server(child),
            home: TempDir::new(),
            url: format!("http://127.0.0.1:{port}/v2"),
        };
        for _ in 0..120 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(env);
            }
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
        panic!("scim2-server did not listen on port {port} within 30 s");
    }

    /// The binary with a blank environment: only PATH, the temporary home, and the server's
    /// URL and token in SCIMCTL_URL and SCIMCTL_TOKEN.
    pub fn command(&self) -> Command {
        let mut command = Command::cargo_bin("scimctl").expect("binary");
        let home = self.home.path();
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("SCIMCTL_CONFIG", home.join("config.toml"))
            .env("SCIMCTL_URL", &self.url)
            .env("SCIMCTL_TOKEN", TOKEN)
            .timeout(std::time::Duration::from_secs(60));
        command
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
        let output = command.output().expect("binary runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
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

impl Drop for Env {
    fn drop(&mut self) {
        match &mut self.backend {
            Backend::Serve { runtime, server } => {
                if let Some(server) = server.take() {
                    runtime.block_on(server.shutdown());
                }
            }
            Backend::Scim2Server(child) => {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
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
