//! `scimctl doctor`: resolve the connection, look below HTTP (the name, a TCP connection, the
//! TLS handshake, through [`crate::client::inspect`]), run the stages of [`crate::doctor`]
//! through the SCIM client, delete what `--allow-writes` created, print the check-up and choose
//! the exit code. It judges nothing itself: every line comes from `src/doctor/`.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;

use super::session::{Connection, GlobalOptions, Prepared, add_dialect_headers, dialect, prepare};
use super::test::{FileSink, finish_ledger, ledger_dir, run_id, write_har};
use crate::cli::doctor::DoctorArgs;
use crate::client::inspect::{self, TlsInspection};
use crate::client::{BoxFuture, Credentials, ScimClient, TransportOptions, parse_base};
use crate::doctor::net::{Reach, Target, TlsContext};
use crate::doctor::run::{Network, check_up};
use crate::doctor::writes::Writes;
use crate::doctor::{CheckUp, Context, Exchange, NoAnswer, Probe, Sender};
use crate::exit::{Exit, ExitError};
use crate::findings::{self, Level, Line, Subject, render_sections};
use crate::runner::{self, ledger::Ledger};
use crate::scim::dialect::Dialect;

use super::input::usage;

/// The stages send through the SCIM client: its credentials, 429 handling and recording.
struct ThroughClient<'a>(&'a ScimClient);

impl Sender for ThroughClient<'_> {
    fn send<'a>(&'a self, probe: &'a Probe) -> BoxFuture<'a, Exchange> {
        Box::pin(async move {
            let answer = self
                .0
                .send_raw(&probe.request)
                .await
                .map(|exchange| exchange.response)
                .map_err(|error| NoAnswer {
                    message: error.to_string(),
                    exit: error.exit(),
                });
            Exchange {
                label: probe.label.clone(),
                answer,
            }
        })
    }
}

/// A `--allow-writes` run's ledger and where it is kept.
struct WriteRun {
    run_id: String,
    ledger: Ledger,
    path: PathBuf,
}

/// `scimctl doctor`.
pub fn run(
    args: DoctorArgs,
    connection: &Connection,
    global: &GlobalOptions,
) -> anyhow::Result<()> {
    let style = super::lint::style(global)?;
    let threshold = super::lint::level(args.fail_on);
    let Prepared { resolved, recorder } = prepare(connection)?;
    let dialect = dialect(global, &resolved)?;
    let mut options = resolved.client_options()?;
    add_dialect_headers(dialect, &mut options);
    let transport = options.transport.clone();
    let credentials = !matches!(options.credentials, Credentials::None);
    let target = target(&options.base_url)?;
    let client = ScimClient::new(options, recorder)?;
    let write_run = match args.allow_writes {
        true => Some(open_ledger(args.ledger)?),
        false => None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    let finished = runtime.block_on(async {
        let checking = async {
            let network = observe(target, &transport).await;
            let context = Context::new(credentials, uuid::Uuid::new_v4().to_string());
            let writes = write_run.as_ref().map(|run| Writes {
                ledger: &run.ledger,
                run_id: &run.run_id,
                dialect,
            });
            check_up(&ThroughClient(&client), &network, context, writes.as_ref()).await
        };
        tokio::select! {
            biased;
            _ = tokio::signal::ctrl_c() => None,
            check_up = checking => Some(check_up),
        }
    });
    if let Some(run) = &write_run {
        let problems = runtime.block_on(runner::clean_up(&client, &run.ledger, None));
        finish_ledger(&run.path, &problems);
    }
    write_har(&client, connection)?;
    let Some(check_up) = finished else {
        return Err(ExitError::new(Exit::Interrupted, anyhow::anyhow!("interrupted")).into());
    };
    let subject = subject(&client, write_run.as_ref(), dialect);
    let text = render_sections(&subject, &check_up.sections, style);
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    verdict(&check_up, threshold).map_err(Into::into)
}

/// The base URL's scheme, host and port.
fn target(base_url: &str) -> Result<Target, ExitError> {
    let url = parse_base(base_url).map_err(|error| usage(error.to_string()))?;
    let host = url
        .host_str()
        .ok_or_else(|| usage(format!("`{base_url}` has no host")))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    Ok(Target {
        https: url.scheme().eq_ignore_ascii_case("https"),
        port: url.port_or_known_default().unwrap_or(443),
        host,
    })
}

/// The ledger of a `--allow-writes` run, in the file given or the cache directory.
fn open_ledger(path: Option<PathBuf>) -> anyhow::Result<WriteRun> {
    let run_id = run_id(None);
    let path = path.unwrap_or_else(|| ledger_dir().join(format!("{run_id}.jsonl")));
    let ledger = Ledger::new(Box::new(FileSink::create(&path)?), Vec::new());
    eprintln!(
        "run {run_id}: the throwaway user is named scimctl-test-{run_id}-doctor@example.com; ledger: {}",
        path.display()
    );
    Ok(WriteRun {
        run_id,
        ledger,
        path,
    })
}

/// What the first two stages judge: the name, a TCP connection to the first address that
/// takes one, and for https a TLS handshake there.
async fn observe(target: Target, transport: &TransportOptions) -> Network {
    let limit = transport.connect_timeout;
    let resolved = inspect::resolve(&target.host, target.port, limit).await;
    let loopback = resolved
        .as_ref()
        .is_ok_and(|addresses| addresses.iter().all(IpAddr::is_loopback));
    let mut connected: Option<Result<SocketAddr, String>> = None;
    if let Ok(addresses) = &resolved {
        for address in addresses {
            let socket = SocketAddr::new(*address, target.port);
            let attempt = inspect::connect(socket, limit).await.map(|()| socket);
            let done = attempt.is_ok();
            connected = Some(attempt.map_err(|why| format!("{socket}: {why}")));
            if done {
                break;
            }
        }
    }
    let tls: Option<Result<TlsInspection, String>> = match (&connected, target.https) {
        (Some(Ok(socket)), true) => {
            Some(inspect::inspect_tls(*socket, &target.host, transport).await)
        }
        _ => None,
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        });
    Network {
        reach: Reach {
            resolved: resolved.map(|addresses| addresses.iter().map(IpAddr::to_string).collect()),
            connected: connected.map(|result| result.map(|socket| socket.to_string())),
        },
        tls,
        tls_context: TlsContext {
            loopback,
            insecure: transport.insecure,
            now,
        },
        target,
    }
}

/// The base URL (secrets redacted) and how the check-up ran.
fn subject(client: &ScimClient, write_run: Option<&WriteRun>, dialect: Dialect) -> Subject {
    let mut facts = vec![(
        "writes",
        match write_run {
            Some(run) => format!("writes allowed (run {})", run.run_id),
            None => "read-only".to_owned(),
        },
    )];
    if dialect != Dialect::Rfc {
        facts.push(("dialect", format!("writes shaped as {}", dialect.as_str())));
    }
    Subject {
        name: client.base_url(),
        facts,
    }
}

/// The exit code: a failure that kept stages from running first (4 or 5), then findings at
/// `--fail-on` or requests that failed (1).
fn verdict(check_up: &CheckUp, threshold: Level) -> Result<(), ExitError> {
    if let Some(exit) = check_up.stopped {
        let why = match exit {
            Exit::Auth => "the server refuses the credentials",
            _ => "the server cannot be reached, or its TLS is not accepted",
        };
        return Err(ExitError::new(
            exit,
            anyhow::anyhow!("{why}: later stages were not checked"),
        ));
    }
    let findings: Vec<findings::Finding> = check_up.findings().into_iter().cloned().collect();
    super::lint::fail_on(&findings, threshold)?;
    let failed = check_up
        .sections
        .iter()
        .flat_map(|section| &section.lines)
        .filter(|line| matches!(line, Line::Failed(_)))
        .count();
    if failed > 0 {
        return Err(ExitError::new(
            Exit::ServerError,
            anyhow::anyhow!("{failed} request(s) failed, so some checks could not be made"),
        ));
    }
    Ok(())
}
