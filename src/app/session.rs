//! One client command's surroundings: the resolved connection, the SCIM client with its
//! exchange log on stderr, the output printer on stdout, the dialect, lazy discovery, and the
//! HAR file written at the end whatever happened.
//!
//! Building a session reads the configuration file (if any) and nothing else: discovery is
//! fetched only when a command needs schemas, so `users get ID` costs one request.

use std::io::{self, BufWriter, IsTerminal, StdoutLock, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;

use crate::cli::GlobalArgs;
use crate::cli::connection::ConnectionArgs;
use crate::client::discovery::{Discovery, DiscoveryCache, discover};
use crate::client::{
    BoxFuture, Recorder, RecorderOptions, Request, ReqwestTransport, Response, ScimClient,
    Transport, TransportError,
};
use crate::config::{ConfigFile, Environment, ProcessEnvironment, resolve};
use crate::exit::{Exit, ExitError};
use crate::output::progress::StderrSink;
use crate::output::{ColorEnv, Column, Format, Printer, parse_columns, use_color};
use crate::scim::dialect::Dialect;
use crate::scim::schema::ResourceSchema;

/// How long discovery documents stay cached.
const DISCOVERY_TTL: Duration = Duration::from_secs(3600);

/// Everything a client command works with.
pub struct Session {
    pub client: ScimClient,
    pub global: GlobalArgs,
    pub dialect: Dialect,
    format: Format,
    stdout_is_terminal: bool,
    /// Colour on stderr (diffs, summaries).
    pub stderr_color: bool,
    har: Option<PathBuf>,
    /// The last response body, kept only for `-o raw`.
    last_body: Option<Arc<Mutex<Vec<u8>>>>,
    cache: DiscoveryCache,
    discovery: Option<Discovery>,
}

/// The exchange recorder the wire options ask for (`-v`, `--curl`, `--har`), logging to stderr
/// (above a progress bar, when one is drawn).
pub(crate) fn stderr_recorder(connection: &ConnectionArgs) -> Recorder {
    Recorder::new(
        RecorderOptions {
            verbosity: connection.verbose,
            curl: connection.curl,
            har: connection.har.is_some(),
        },
        Box::new(StderrSink::default()),
    )
}

impl Session {
    /// Resolves the connection (flags, environment, profile) and builds the client.
    pub fn open(connection: &ConnectionArgs, global: GlobalArgs) -> anyhow::Result<Session> {
        let env = ProcessEnvironment;
        let file = ConfigFile::locate(&env)?;
        let resolved = resolve(connection, &env, &file)?;
        let recorder = stderr_recorder(connection);
        for warning in &resolved.warnings {
            recorder.warning(warning);
        }
        let dialect = match (&global.dialect, &resolved.dialect) {
            (Some(dialect), _) => *dialect,
            (None, Some(stored)) => stored.value.parse::<Dialect>().map_err(|e| {
                ExitError::new(
                    Exit::Usage,
                    anyhow::anyhow!("invalid dialect from {}: {e}", stored.origin),
                )
            })?,
            (None, None) => Dialect::Rfc,
        };
        let mut options = resolved.client_options()?;
        let mut headers: Vec<(String, String)> = dialect
            .headers()
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        headers.append(&mut options.headers);
        options.headers = headers;
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
            DISCOVERY_TTL,
        );
        let client = ScimClient::with_transport(options, transport, recorder)?;
        let color_env = ColorEnv::from_vars(|name| env.var(name));
        Ok(Session {
            client,
            dialect,
            format,
            stdout_is_terminal,
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
                parse_columns(list).map_err(|(text, diagnostic)| {
                    ExitError::new(
                        Exit::Usage,
                        anyhow::anyhow!("invalid --fields path: {}", diagnostic.render(&text)),
                    )
                })?,
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
        .escaping(self.stdout_is_terminal))
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
