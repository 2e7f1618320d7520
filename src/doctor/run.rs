//! The order of the stages: each one runs after the one before, and none stops the check-up.
//! A failure that makes the rest meaningless (no connection, a certificate that is not
//! accepted, refused credentials) leaves every later stage saying "not checked" and why,
//! instead of a stream of the same error. It sends through the [`Sender`] it is given and
//! takes the network observations (names, TCP, TLS) from the command layer; it never reaches
//! the network itself.

use crate::client::inspect::TlsInspection;
use crate::exit::Exit;
use crate::findings::{Line, Section};

use super::net::{Reach, Target, TlsContext};
use super::writes::Writes;
use super::{CheckUp, Context, Sender, Stage, auth, claims, discovery, media, net, reads, writes};

/// What the command layer observed below HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    pub target: Target,
    pub reach: Reach,
    /// The handshake, for https (`None`: http, or not reached).
    pub tls: Option<Result<TlsInspection, String>>,
    pub tls_context: TlsContext,
}

/// The sections gathered so far, and what stopped the check-up.
struct Progress {
    sections: Vec<Section>,
    stopped: Option<(Exit, &'static str)>,
}

impl Progress {
    fn push(&mut self, stage: Stage, lines: Vec<Line>) {
        self.sections.push(Section {
            name: stage.name(),
            lines,
        });
    }

    fn stop(&mut self, exit: Option<Exit>, why: &'static str) {
        if let (None, Some(exit)) = (self.stopped, exit) {
            self.stopped = Some((exit, why));
        }
    }

    /// Every stage not reached yet, each saying why.
    fn finish(mut self) -> CheckUp {
        let why = self.stopped.map_or("", |(_, why)| why);
        for stage in Stage::ALL.iter().skip(self.sections.len()) {
            self.sections.push(Section {
                name: stage.name(),
                lines: super::not_checked(why),
            });
        }
        CheckUp {
            sections: self.sections,
            stopped: self.stopped.map(|(exit, _)| exit),
        }
    }
}

/// Runs every stage in order. `writes` is `None` without `--allow-writes`.
pub async fn check_up(
    sender: &dyn Sender,
    network: &Network,
    mut context: Context,
    writes: Option<&Writes<'_>>,
) -> CheckUp {
    let mut progress = Progress {
        sections: Vec::new(),
        stopped: None,
    };
    let (lines, stop) = net::reachability(&network.target, &network.reach);
    progress.push(Stage::Reachability, lines);
    progress.stop(stop, "the server cannot be reached");
    if progress.stopped.is_some() {
        return progress.finish();
    }
    let (lines, stop) = net::tls(&network.target, network.tls_context, network.tls.as_ref());
    progress.push(Stage::Tls, lines);
    progress.stop(
        stop,
        "the TLS handshake or certificate is not accepted (--cacert FILE trusts a private CA; \
         --insecure goes on regardless)",
    );
    if progress.stopped.is_some() {
        return progress.finish();
    }
    let authenticated = auth::run(sender, &context).await;
    progress.push(Stage::Auth, authenticated.lines);
    let why = match authenticated.stop {
        Some(Exit::Auth) => "the credentials are refused",
        _ => "the server gave no answer",
    };
    progress.stop(authenticated.stop, why);
    if progress.stopped.is_some() {
        return progress.finish();
    }
    let (lines, mut seen) = discovery::run(sender, &mut context).await;
    progress.push(Stage::Discovery, lines);
    seen.extend(authenticated.answers);
    let lines = media::run(sender, &context, &seen).await;
    progress.push(Stage::MediaTypes, lines);
    let read = reads::run(sender, &context).await;
    let lines = claims::run(sender, &context, &read, writes.is_some()).await;
    progress.push(Stage::Reads, read.lines);
    progress.push(Stage::Claims, lines);
    let lines = match writes {
        Some(writes) => writes::run(sender, &context, writes).await,
        None => vec![Line::Skipped(
            "not checked: read-only; --allow-writes creates, changes and deletes a throwaway user"
                .to_owned(),
        )],
    };
    progress.push(Stage::Writes, lines);
    progress.finish()
}
