//! The servers the tests talk to: `scimctl serve` in this process on a runtime of its own (for
//! tests that block on the binary), python-scim's scim2-server from the project's venv as a child
//! process, the demo seed, and a library client. Every server stops when its test ends.

use std::future::Future;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use scimctl::client::{ClientOptions, Credentials, Recorder, ScimClient};
use scimctl::redact::Secret;
use scimctl::serve::{Seed, ServeConfig, ServerHandle};

use super::{Running, wait_until};

/// `scimctl serve` on a runtime whose two workers keep serving while a synchronous test blocks
/// on the binary; stopped when dropped. (An async test awaits `scimctl::serve::spawn` itself.)
pub struct Server {
    runtime: tokio::runtime::Runtime,
    handle: Option<ServerHandle>,
}

impl Server {
    pub fn start(config: ServeConfig) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let handle = runtime
            .block_on(scimctl::serve::spawn(config))
            .expect("the server starts");
        Server {
            runtime,
            handle: Some(handle),
        }
    }

    pub fn handle(&self) -> &ServerHandle {
        self.handle.as_ref().expect("running until dropped")
    }

    pub fn url(&self) -> &str {
        self.handle().base_url()
    }

    pub fn token(&self) -> &str {
        self.handle().token()
    }

    /// Runs `future` (a library client's request, say) on the server's runtime.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Runs `task` in the background on the server's runtime (a proxy in front of it, say); it
    /// ends when the server stops.
    pub fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        self.runtime.spawn(task);
    }

    /// Stops the server and waits until it has, as dropping it does.
    pub fn stop(self) {}
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            self.runtime.block_on(handle.shutdown());
        }
    }
}

/// The users and groups of `fixtures/seed/demo.json`.
pub fn demo_seed() -> Seed {
    Seed::from_json(include_str!("../../../fixtures/seed/demo.json")).expect("the demo seed")
}

/// A library client of the server at `base_url`, with its bearer token and default settings.
pub fn client_of(base_url: &str, token: &str) -> ScimClient {
    ScimClient::new(
        ClientOptions {
            base_url: base_url.to_owned(),
            credentials: Credentials::Bearer(Secret::new(token.to_owned())),
            headers: Vec::new(),
            transport: Default::default(),
            retry: Default::default(),
        },
        Recorder::quiet(),
    )
    .expect("a client")
}

/// A program of the project's Python venv (`python`, `scim2-server`): next to the Python that
/// `SCIMCTL_PYTHON` names, else in `.venv/bin`. `None` when `SCIMCTL_SKIP_INTEROP=1` skips the
/// tests that need it; a missing program fails the test, saying how to get it.
pub fn venv_program(name: &str) -> Option<PathBuf> {
    if std::env::var_os("SCIMCTL_SKIP_INTEROP").is_some_and(|v| v == "1") {
        return None;
    }
    let python = std::env::var_os("SCIMCTL_PYTHON").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"),
        PathBuf::from,
    );
    let program = if name == "python" {
        python
    } else {
        python.with_file_name(name)
    };
    assert!(
        program.exists(),
        "no {name} at {}: run `scripts/python-env` (or `scripts/test`) to create the venv, \
         point SCIMCTL_PYTHON at a venv's python with scim2-tester 0.5.2 and scim2-server \
         0.8.3, or set SCIMCTL_SKIP_INTEROP=1 to skip this test",
        program.display()
    );
    Some(program)
}

/// python-scim's scim2-server 0.8.3 on a free loopback port, a server we did not write; killed
/// when dropped.
pub struct Scim2Server {
    _process: Running,
    url: String,
}

impl Scim2Server {
    /// Starts it with this bearer token and waits until it answers; `None` when
    /// `SCIMCTL_SKIP_INTEROP=1`. Tests start servers side by side, so the free port chosen can be
    /// taken before scim2-server binds it: it is ready only when its own discovery answers with
    /// this token, and starts again on another port (a bounded number of times) when it exits.
    pub fn start(token: &str) -> Option<Scim2Server> {
        let program = venv_program("scim2-server")?;
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|listener| listener.local_addr())
                .expect("a free port")
                .port();
            let mut process = Running::spawn(
                Command::new(&program)
                    .args(["--hostname", "127.0.0.1", "--port", &port.to_string()])
                    .args(["--bearer-token", token])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null()),
            );
            let mut exited = false;
            wait_until("scim2-server to answer", Duration::from_secs(30), || {
                exited = process
                    .0
                    .try_wait()
                    .expect("scim2-server can be waited for")
                    .is_some();
                exited || answers_discovery(port, token)
            });
            if !exited {
                return Some(Scim2Server {
                    _process: process,
                    url: format!("http://127.0.0.1:{port}/v2"),
                });
            }
        }
        panic!("scim2-server exited five times at start (its ports were taken?)");
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Whether the server on `port` answers scim2-server's discovery (`/v2/ServiceProviderConfig`)
/// with 200 to this token: another server that took the port answers otherwise.
fn answers_discovery(port: u16, token: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let request = format!(
        "GET /v2/ServiceProviderConfig HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\
         Authorization: Bearer {token}\r\n\r\n"
    );
    let mut answer = Vec::new();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .is_ok()
        && stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_end(&mut answer).is_ok()
        && answer.starts_with(b"HTTP/1.")
        && answer.get(9..12) == Some(b"200".as_slice())
}
