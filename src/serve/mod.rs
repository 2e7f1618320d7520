//! The embedded SCIM 2.0 server behind `scimctl serve`: an in-memory store of Users and Groups
//! answering RFC 7644 at `http://HOST:PORT/scim/v2`, with optional real-world quirks. It never
//! imports the client or the conformance runner, so the tester is never graded by itself.
//!
//! [`spawn`] starts it on the current tokio runtime and returns a [`ServerHandle`] that stops it
//! on [`ServerHandle::shutdown`] or drop; tests bind port 0. The room is split by concern:
//! `wire` (the HTTP/1 framing in front of hyper), `faults` (connections the `drop-connections`
//! quirk cuts), `store` (pure state), `api` (endpoints, synchronous), `routes` (axum edge),
//! `bulk`, `query`, `etag`, `ids`, `quirks`, `seed` and `protocol` (the doorway into
//! `crate::scim`).

mod api;
mod bulk;
mod etag;
mod faults;
mod ids;
mod protocol;
mod query;
pub mod quirks;
mod routes;
pub mod seed;
pub mod store;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::exit::Exit;

pub use quirks::{Quirk, Quirks};
pub use seed::{Seed, SeedError};

use api::Server;
use faults::SeveringListener;
use routes::Connection;
use routes::Edge;
use store::{Store, StoreOptions, TimeStamps};
use wire::WireListener;

/// Request and page limits, advertised in `/ServiceProviderConfig` and enforced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest page (`filter.maxResults`); also the page size when `count` is absent.
    pub max_results: usize,
    /// `bulk.maxOperations`.
    pub bulk_max_operations: usize,
    /// `bulk.maxPayloadSize`, and the body limit of every request (larger bodies get 413).
    pub max_payload_size: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_results: 1000,
            bulk_max_operations: 1000,
            max_payload_size: 1024 * 1024,
        }
    }
}

/// How to run a server.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub host: String,
    /// 0 picks a free port.
    pub port: u16,
    /// The bearer token clients must send; `None` generates a random one.
    pub token: Option<String>,
    pub quirks: Quirks,
    /// Users and groups to start with.
    pub seed: Option<Seed>,
    /// The userName `/Me` stands for; without it `/Me` answers 501.
    pub me: Option<String>,
    pub limits: Limits,
}

impl Default for ServeConfig {
    fn default() -> ServeConfig {
        ServeConfig {
            host: "127.0.0.1".into(),
            port: 0,
            token: None,
            quirks: Quirks::default(),
            seed: None,
            me: None,
            limits: Limits::default(),
        }
    }
}

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("failed to listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("failed to load the seed: {0}")]
    Seed(#[from] SeedError),
}

impl SpawnError {
    /// The exit code: the address and the seed are the user's choice, so both are usage
    /// errors.
    pub fn exit(&self) -> Exit {
        Exit::Usage
    }
}

/// A running server. Dropping it asks the server to stop.
#[derive(Debug)]
pub struct ServerHandle {
    base_url: String,
    token: String,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// `http://HOST:PORT/scim/v2`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The bearer token the server accepts.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections and waits (at most 5 seconds) for open ones to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Binds `config.host:config.port`, loads the seed and starts serving on the current runtime.
pub async fn spawn(config: ServeConfig) -> Result<ServerHandle, SpawnError> {
    let bind_to = format!("{}:{}", config.host, config.port);
    let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port))
        .await
        .map_err(|source| SpawnError::Bind {
            addr: bind_to.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SpawnError::Bind {
        addr: bind_to,
        source,
    })?;
    let shown_host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    let base_url = format!("http://{shown_host}:{}/scim/v2", addr.port());
    let quirks = config.quirks;
    let listener = SeveringListener(WireListener::new(listener, !quirks.reject_raw_query_chars));
    let mut store = Store::new(
        &base_url,
        StoreOptions {
            eq_substring: quirks.eq_substring,
            case_sensitive_username: quirks.case_sensitive_username,
            reject_string_booleans: quirks.reject_string_booleans,
            or_as_and: quirks.or_as_and,
            frozen_versions: quirks.etag_never_changes,
            honour_client_id: quirks.client_id_honoured,
            unique_emails: quirks.unique_emails,
            case_sensitive_emails: quirks.case_sensitive_emails,
            boolean_ordering_accepted: quirks.boolean_ordering_accepted,
            not_binds_loosely: quirks.not_binds_loosely,
            omit_resource_type: quirks.meta_without_resource_type,
            core_subset: quirks.core_subset,
            ids_unique_per_type: quirks.ids_unique_per_type,
            bulk_id_in_ids: quirks.bulkid_in_ids,
            time_stamps: if quirks.epoch_timestamps {
                TimeStamps::EpochSeconds
            } else if quirks.date_only_timestamps {
                TimeStamps::DateOnly
            } else {
                TimeStamps::DateTime
            },
            created_before_last_modified: quirks.last_modified_differs_on_create,
            assign_external_id: quirks.server_assigned_external_id,
            username_not_required: quirks.username_not_required,
            refuse_last_member_removal: quirks.last_member_removal_refused,
            member_ref_is_id: quirks.member_ref_not_uri,
            member_sub_attributes_mutable: quirks.member_sub_attributes_mutable,
            user_groups_ref_to_users: quirks.user_groups_ref_to_users,
            echo_foreign_schemas: quirks.foreign_schema_urn_echoed,
            core_schema_first: quirks.schemas_order_matters,
            restamp_unchanged_patch: quirks.noop_add_bumps_last_modified,
            first_value_only_in_filters: quirks.multi_valued_first_value_only,
            absent_primary_is_true_in_filters: quirks.missing_primary_is_true,
            sort_ignores_case: quirks.case_exact_sorted_ignoring_case,
            unnormalized_user_names: quirks.unnormalized_comparison,
            schemas_hidden_from_filters: quirks.schemas_not_filterable,
            keep_stale_formatted_name: quirks.stale_formatted_name,
            primary_not_exclusive: quirks.primary_not_exclusive,
            emails_untyped: quirks.emails_untyped,
            name_formatted_only: quirks.name_formatted_only,
            group_display_name_optional: quirks.group_display_name_optional,
            binary_unpadded: quirks.binary_unpadded,
        },
    );
    if let Some(seed) = &config.seed {
        seed.load_into(&mut store)?;
    }
    let token = config
        .token
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let edge = Arc::new(Edge {
        server: Server::new(store, quirks, config.limits, config.me),
        token: token.clone(),
        requests: AtomicU64::new(0),
        dropped_count: AtomicU64::new(0),
    });
    let (stop, stopped) = oneshot::channel::<()>();
    let app = routes::router(edge).into_make_service_with_connect_info::<Connection>();
    let task = tokio::spawn(async move {
        let serving = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        let _ = serving.await;
    });
    Ok(ServerHandle {
        base_url,
        token,
        addr,
        stop: Some(stop),
        task: Some(task),
    })
}
