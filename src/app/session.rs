//! One client command's surroundings: the resolved connection, the SCIM client with its
//! exchange log on stderr, the output printer on stdout, the dialect, lazy discovery, and the
//! HAR file written at the end whatever happened. It never reads clap's types: it takes a
//! [`Connection`] and [`GlobalOptions`].
//!
//! Building a session reads the configuration file (if any) and nothing else: discovery is
//! fetched only when a command needs schemas, so `users get ID` costs one request.

use std::io::{self, BufWriter, IsTerminal, StdoutLock, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context;

use super::input::invalid;
use crate::client::discovery::{DEFAULT_TTL, Discovery, DiscoveryCache, discover};
use crate::client::{
    BoxFuture, ClientOptions, Recorder, RecorderOptions, Request, ReqwestTransport, Response,
    ScimClient, Transport, TransportError,
};
use crate::config::{ConfigFile, Environment, Flags, ProcessEnvironment, Resolved, resolve};
use crate::exit::{Exit, ExitError};
use crate::output::progress::StderrSink;
use crate::output::{
    ColorChoice, ColorEnv, Column, Format, Printer, Width, parse_columns, stdout_table_width,
    use_color,
};
use crate::scim::dialect::Dialect;
use crate::scim::schema::ResourceSchema;

/// What a command connects with: the connection flags, and how much of the traffic to show
/// and keep (`-v`, `--curl`, `--har`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connection {
    pub flags: Flags,
    /// `-v` counted: 1 requests and status, 2 headers, 3 bodies.
    pub verbosity: u8,
    /// `--curl`.
    pub curl: bool,
    /// `--har FILE`.
    pub har: Option<PathBuf>,
}

/// How results are shown and how writes are made (the global `-o`, `--fields`, `--wide`,
/// `--color`, `--as`, `--diff`, `--yes` and `--raw`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GlobalOptions {
    /// `None`: a table on a terminal, JSON otherwise.
    pub output: Option<Format>,
    /// Comma-separated column paths.
    pub fields: Option<String>,
    pub wide: bool,
    pub color: ColorChoice,
    /// `None`: the profile's dialect, else RFC.
    pub dialect: Option<Dialect>,
    pub diff: bool,
    pub yes: bool,
    pub raw: bool,
}

/// Everything a client command works with.
pub struct Session {
    pub client: ScimClient,
    pub global: GlobalOptions,
    pub dialect: Dialect,
    format: Format,
    stdout_is_terminal: bool,
    table_width: Width,
    /// Colour on stderr (diffs, summaries).
    pub stderr_color: bool,
    har: Option<PathBuf>,
    /// The last response body, kept only for `-o raw`.
    last_body: Option<Arc<Mutex<Vec<u8>>>>,
    cache: DiscoveryCache,
    discovery: Option<Discovery>,
}

/// A connection resolved (flags, then environment, then profile) and its exchange log: the
/// one way every command gets to a client. Its secrets are read when the client's options are
/// taken ([`Resolved::client_options`]).
pub(crate) struct Prepared {
    pub resolved: Resolved,
    /// The exchange log on stderr, the configuration's warnings already in it.
    pub recorder: Recorder,
}

/// Resolves `connection` against the environment and the configuration file and writes the
/// configuration's warnings (such as a profile file others can read) to stderr. Nothing is
/// sent and no secret is read.
pub(crate) fn prepare(connection: &Connection) -> anyhow::Result<Prepared> {
    let env = ProcessEnvironment;
    let file = ConfigFile::locate(&env)?;
    let resolved = resolve(&connection.flags, &env, &file)?;
    let recorder = Recorder::new(
        RecorderOptions {
            verbosity: connection.verbosity,
            curl: connection.curl,
            har: connection.har.is_some(),
        },
        Box::new(StderrSink::default()),
    );
    for warning in &resolved.warnings {
        recorder.warning(warning);
    }
    Ok(Prepared { resolved, recorder })
}

/// The dialect writes are shaped in: `--as`, else the profile's, else the RFC's.
pub(crate) fn dialect(global: &GlobalOptions, resolved: &Resolved) -> Result<Dialect, ExitError> {
    match (&global.dialect, &resolved.dialect) {
        (Some(dialect), _) => Ok(*dialect),
        (None, Some(stored)) => stored.value.parse::<Dialect>().map_err(|e| {
            ExitError::new(
                Exit::Usage,
                anyhow::anyhow!("invalid dialect from {}: {e}", stored.origin),
            )
        }),
        (None, None) => Ok(Dialect::Rfc),
    }
}

/// Puts the headers the dialect's IdP sends (Okta's User-Agent) before the `-H` headers, which
/// replace them when they name the same header.
pub(crate) fn add_dialect_headers(dialect: Dialect, options: &mut ClientOptions) {
    let mut headers: Vec<(String, String)> = dialect
        .headers()
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    headers.append(&mut options.headers);
    options.headers = headers;
}

impl Session {
    /// Resolves the connection ([`prepare`]), applies the dialect and builds the client.
    pub fn open(connection: &Connection, global: GlobalOptions) -> anyhow::Result<Session> {
        let Prepared { resolved, recorder } = prepare(connection)?;
        let dialect = dialect(&global, &resolved)?;
        let mut options = resolved.client_options()?;
        add_dialect_headers(dialect, &mut options);
        let stdout_is_terminal = io::stdout().is_terminal();
        let format = global
            .output
            .unwrap_or_else(|| Format::default_for(stdout_is_terminal));
        let transport = ReqwestTransport::new(&options.transport).map_err(|error| {
            ExitError::new(Exit::Usage, anyhow::anyhow!("cannot set up TLS: {error}"))
        })?;
        let (transport, last_body): (Box<dyn Transport>, _) = if format == Format::Raw {
            let kept = Arc::new(Mutex::new(Vec::new()));
            let keeping = KeepingLastBody {
                inner: transport,
                last: Arc::clone(&kept),
            };
            (Box::new(keeping), Some(kept))
        } else {
            (Box::new(transport), None)
        };
        let cache = DiscoveryCache::new(
            resolved.cache_dir.as_deref(),
            &options.base_url,
            &options.credentials,
            DEFAULT_TTL,
        );
        let client = ScimClient::with_transport(options, transport, recorder)?;
        let env = ProcessEnvironment;
        let color_env = ColorEnv::from_vars(|name| env.var(name));
        let table_width = stdout_table_width(
            global.wide,
            env.var("COLUMNS").as_deref(),
            stdout_is_terminal,
        );
        Ok(Session {
            client,
            dialect,
            format,
            stdout_is_terminal,
            table_width,
            stderr_color: use_color(global.color, &color_env, io::stderr().is_terminal()),
            global,
            har: connection.har.clone(),
            last_body,
            cache,
            discovery: None,
        })
    }

    /// The output format in use.
    pub fn format(&self) -> Format {
        self.format
    }

    /// A printer on stdout: `--fields` columns if given, else `columns`.
    pub fn printer(
        &self,
        columns: Vec<Column>,
        schema: ResourceSchema,
    ) -> anyhow::Result<Printer<BufWriter<StdoutLock<'static>>>> {
        let (columns, chosen) = match &self.global.fields {
            Some(list) => (
                parse_columns(list)
                    .map_err(|(text, diagnostic)| invalid("--fields path", &text, &diagnostic))?,
                true,
            ),
            None => (columns, false),
        };
        Ok(Printer::new(
            BufWriter::new(io::stdout().lock()),
            self.format,
            columns,
            chosen,
        )
        .with_schema(schema)
        .escaping(self.stdout_is_terminal)
        .table_width(self.table_width))
    }

    /// The body of the last answer, for `-o raw`.
    pub fn last_body(&self) -> Option<Vec<u8>> {
        self.last_body
            .as_ref()
            .map(|kept| kept.lock().unwrap_or_else(PoisonError::into_inner).clone())
    }

    /// Whether stdin and stderr are a terminal a person can answer on.
    pub fn can_ask(&self) -> bool {
        io::stdin().is_terminal() && io::stderr().is_terminal()
    }

    /// Discovery, fetched (or read from the cache) on first use; its warnings go to stderr.
    pub async fn discovery(&mut self) -> &Discovery {
        let found = match self.discovery.take() {
            Some(found) => found,
            None => {
                let found = discover(&self.client, &self.cache, false).await;
                for warning in &found.warnings {
                    self.client.recorder().warning(warning);
                }
                found
            }
        };
        self.discovery.insert(found)
    }

    /// Discovery for `discover`: from the cache unless `refresh`; the caller shows warnings.
    pub async fn rediscover(&mut self, refresh: bool) -> &Discovery {
        let found = discover(&self.client, &self.cache, refresh).await;
        self.discovery.insert(found)
    }

    /// Writes `text` to stderr (summaries, diffs, warnings of the app layer).
    pub fn note(&self, text: &str) {
        let mut stderr = io::stderr().lock();
        let _ = stderr.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = stderr.write_all(b"\n");
        }
    }

    /// Writes the HAR file, if one was asked for. Called on success and on failure alike.
    pub fn finish(&self) -> anyhow::Result<()> {
        if let Some(path) = &self.har {
            let mut text = Vec::new();
            self.client.recorder().write_har(&mut text)?;
            crate::redact::write_owner_only(path, &text)
                .with_context(|| format!("cannot write the HAR file {}", path.display()))?;
        }
        Ok(())
    }
}

/// A transport that keeps the last answer's body, so `-o raw` can print the server's bytes.
struct KeepingLastBody {
    inner: ReqwestTransport,
    last: Arc<Mutex<Vec<u8>>>,
}

impl Transport for KeepingLastBody {
    fn send(&self, request: Request) -> BoxFuture<'_, Result<Response, TransportError>> {
        Box::pin(async move {
            let outcome = self.inner.send(request).await;
            if let Ok(response) = &outcome {
                response
                    .body
                    .clone_into(&mut self.last.lock().unwrap_or_else(PoisonError::into_inner));
            }
            outcome
        })
    }
}
