//! What a SCIM service says about itself (RFC 7644 §4; RFC 7643 §5–§7): its
//! ServiceProviderConfig, ResourceTypes and Schemas, fetched once and cached per endpoint.
//! Advisory only: a missing or broken document never makes a command fail.
//!
//! A missing or malformed document becomes a warning and the built-in RFC schemas stand in.
//! Discovery is also lazy: callers fetch it only when they need schema typing or an unknown
//! resource type. The cache holds the raw documents in an owner-only file under
//! `$XDG_CACHE_HOME/scimctl/discovery/`, keyed by base URL and a hash of the credential's
//! identity (never the secret itself), and expires after a time-to-live.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::ScimClient;
use super::auth::Credentials;
use super::error::ClientError;
use super::stable_hash;
use super::transport::Method;
use crate::scim::list::parse_list_response;
use crate::scim::schema::{ResourceSchema, ResourceType, Schema, ServiceProviderConfig, builtin};

/// How long cached discovery documents are trusted by default.
pub const DEFAULT_TTL: Duration = Duration::from_secs(3600);

/// The cache format; a file of another version is ignored.
const CACHE_VERSION: u64 = 1;

/// What a service published about itself, read tolerantly.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Discovery {
    /// `None` when the document was missing or unreadable.
    pub config: Option<ServiceProviderConfig>,
    /// The resource types that could be read.
    pub resource_types: Vec<ResourceType>,
    /// The schemas that could be read.
    pub schemas: Vec<Schema>,
    /// One sentence per missing document or unreadable entry.
    pub warnings: Vec<String>,
    /// Whether this came from the cache rather than the network.
    pub from_cache: bool,
}

/// Where discovery documents for one connection are cached, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryCache {
    file: Option<PathBuf>,
    base_url: String,
    ttl: Duration,
}

/// The three documents as fetched: raw JSON, or why there is none.
struct Documents {
    config: Result<Value, String>,
    resource_types: Result<Value, String>,
    schemas: Result<Value, String>,
}

impl DiscoveryCache {
    /// The cache of the connection to `base_url` with `credentials`, in
    /// `{cache_dir}/discovery/` (`cache_dir` is `config::cache_dir`, `None` disables caching).
    /// Different credentials get different files: servers may show each client other types.
    pub fn new(
        cache_dir: Option<&Path>,
        base_url: &str,
        credentials: &Credentials,
        ttl: Duration,
    ) -> Self {
        let identity = credential_identity(credentials);
        let key = stable_hash(&[base_url.as_bytes(), &[0], identity.as_bytes()]);
        DiscoveryCache {
            file: cache_dir.map(|dir| dir.join("discovery").join(format!("{key:016x}.json"))),
            base_url: base_url.to_owned(),
            ttl,
        }
    }

    /// A cache that never stores anything.
    pub fn disabled() -> Self {
        DiscoveryCache {
            file: None,
            base_url: String::new(),
            ttl: Duration::ZERO,
        }
    }

    /// The cache file, if caching is on.
    pub fn path(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The cached documents when present, written for this base URL, and younger than the TTL.
    fn load(&self, now: SystemTime) -> Option<Documents> {
        let text = std::fs::read_to_string(self.file.as_ref()?).ok()?;
        let cached: Value = serde_json::from_str(&text).ok()?;
        if cached.get("version")?.as_u64()? != CACHE_VERSION
            || cached.get("baseUrl")?.as_str()? != self.base_url
        {
            return None;
        }
        let fetched_at = UNIX_EPOCH + Duration::from_secs(cached.get("fetchedAt")?.as_u64()?);
        let age = now.duration_since(fetched_at).ok()?;
        if age >= self.ttl {
            return None;
        }
        let document = |name: &str| -> Result<Value, String> {
            match cached.get(name) {
                Some(Value::Object(entry)) => match (entry.get("body"), entry.get("missing")) {
                    (Some(body), _) => Ok(body.clone()),
                    (None, Some(Value::String(why))) => Err(why.clone()),
                    _ => Err(format!("{name}: the cache entry is unreadable")),
                },
                _ => Err(format!("{name}: the cache entry is unreadable")),
            }
        };
        Some(Documents {
            config: document("ServiceProviderConfig"),
            resource_types: document("ResourceTypes"),
            schemas: document("Schemas"),
        })
    }

    /// Stores the documents; best effort, since the cache only saves time.
    fn store(&self, documents: &Documents, now: SystemTime) -> std::io::Result<()> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let entry = |document: &Result<Value, String>| match document {
            Ok(body) => json!({ "body": body }),
            Err(why) => json!({ "missing": why }),
        };
        let fetched_at = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let cached = json!({
            "version": CACHE_VERSION,
            "baseUrl": self.base_url,
            "fetchedAt": fetched_at,
            "ServiceProviderConfig": entry(&documents.config),
            "ResourceTypes": entry(&documents.resource_types),
            "Schemas": entry(&documents.schemas),
        });
        crate::redact::write_owner_only(file, cached.to_string().as_bytes())
    }
}

/// Who the credentials are, without their secret: the secret only enters through a hash.
fn credential_identity(credentials: &Credentials) -> String {
    match credentials {
        Credentials::None => "none".to_owned(),
        Credentials::Bearer(token) => {
            format!("bearer:{:016x}", stable_hash(&[token.expose().as_bytes()]))
        }
        Credentials::Basic { user, .. } => format!("basic:{user}"),
        Credentials::OAuth(client) => format!("oauth:{}\0{}", client.token_url, client.client_id),
    }
}

/// Fetches (or reads from `cache`, unless `refresh`) the three discovery documents.
///
/// Never fails: each problem is a warning in [`Discovery::warnings`]. Documents are cached
/// only when every answer is a lasting one (see `settled`), so a network hiccup is not
/// remembered for an hour.
pub async fn discover(client: &ScimClient, cache: &DiscoveryCache, refresh: bool) -> Discovery {
    let now = SystemTime::now();
    if !refresh {
        if let Some(documents) = cache.load(now) {
            let mut discovery = Discovery::from_documents(&documents);
            discovery.from_cache = true;
            return discovery;
        }
    }
    let (config, resource_types, schemas) = tokio::join!(
        fetch(client, "ServiceProviderConfig"),
        fetch(client, "ResourceTypes"),
        fetch(client, "Schemas"),
    );
    let all_settled = [&config, &resource_types, &schemas]
        .into_iter()
        .all(settled);
    let describe = |name: &str, outcome: Result<Value, ClientError>| {
        outcome.map_err(|error| format!("/{name} is not available: {error}"))
    };
    let documents = Documents {
        config: describe("ServiceProviderConfig", config),
        resource_types: describe("ResourceTypes", resource_types),
        schemas: describe("Schemas", schemas),
    };
    let mut discovery = Discovery::from_documents(&documents);
    if all_settled {
        if let Err(error) = cache.store(&documents, now) {
            client
                .recorder()
                .verbose_warning(&format!("cannot cache the discovery documents: {error}"));
        }
    }
    discovery.from_cache = false;
    discovery
}

/// Whether an outcome is the server's lasting answer, worth caching: a document, an answer that
/// is not one, or a 4xx saying there is none. Network failures, 5xx, 429 and refused
/// credentials may pass, so they are not remembered.
fn settled(outcome: &Result<Value, ClientError>) -> bool {
    match outcome {
        Ok(_) | Err(ClientError::InvalidBody { .. }) => true,
        Err(ClientError::Http(failure)) => {
            (400..500).contains(&failure.status) && !matches!(failure.status, 401 | 403 | 429)
        }
        Err(_) => false,
    }
}

async fn fetch(client: &ScimClient, name: &str) -> Result<Value, ClientError> {
    client
        .send_json(Method::Get, &[name], &[], None)
        .await?
        .ok_or_else(|| ClientError::InvalidBody {
            label: format!("GET /{name}"),
            reason: "the answer has no body".to_owned(),
        })
}

impl Discovery {
    /// Reads the documents, turning every problem into a warning.
    fn from_documents(documents: &Documents) -> Discovery {
        let mut warnings = Vec::new();
        let config = match &documents.config {
            Ok(body) => match ServiceProviderConfig::from_json(body) {
                Ok(config) => Some(config),
                Err(error) => {
                    warnings.push(format!("/ServiceProviderConfig is not conformant: {error}"));
                    None
                }
            },
            Err(why) => {
                warnings.push(why.clone());
                None
            }
        };
        let resource_types = read_listed(
            "ResourceTypes",
            &documents.resource_types,
            ResourceType::from_json,
            &mut warnings,
        );
        let schemas = read_listed(
            "Schemas",
            &documents.schemas,
            Schema::from_json,
            &mut warnings,
        );
        Discovery {
            config,
            resource_types,
            schemas,
            warnings,
            from_cache: false,
        }
    }

    /// The resource type called `name` (case-insensitively, by name, id or endpoint), falling
    /// back to the RFC's User and Group when the server did not list them.
    pub fn resource_type(&self, name: &str) -> Option<ResourceType> {
        if let Some(found) = self.resource_types.iter().find(|rt| rt.is_called(name)) {
            return Some(found.clone());
        }
        [
            builtin::user_resource_type(),
            builtin::group_resource_type(),
        ]
        .into_iter()
        .find(|rt| rt.is_called(name))
    }

    /// The endpoint (`/Users`) of the resource type called `name`.
    pub fn endpoint_for(&self, name: &str) -> Option<String> {
        self.resource_type(name).map(|rt| rt.endpoint)
    }

    /// The schemas of the resource type called `name`: the server's when it published the core
    /// schema, else the RFC's for User and Group. `None` for an unknown type without schemas.
    pub fn resource_schema_for(&self, name: &str) -> Option<ResourceSchema> {
        let resource_type = self.resource_type(name)?;
        ResourceSchema::for_resource_type(&resource_type, &self.schemas)
            .or_else(|| builtin_schema_for(&resource_type.schema))
    }
}

/// The RFC's schemas for a core schema URN, when it is User or Group.
pub fn builtin_schema_for(core_schema: &str) -> Option<ResourceSchema> {
    [ResourceSchema::user(), ResourceSchema::group()]
        .into_iter()
        .find(|schema| schema.core.id.eq_ignore_ascii_case(core_schema))
}

/// The entries of a listed discovery document (a ListResponse, or leniently a bare array),
/// keeping those that read and warning about the others.
fn read_listed<T, E: std::fmt::Display>(
    name: &str,
    document: &Result<Value, String>,
    read: impl Fn(&Value) -> Result<T, E>,
    warnings: &mut Vec<String>,
) -> Vec<T> {
    let body = match document {
        Ok(body) => body,
        Err(why) => {
            warnings.push(why.clone());
            return Vec::new();
        }
    };
    let page = match parse_list_response(body.clone()) {
        Ok(page) => page,
        Err(error) => {
            warnings.push(format!("/{name} is not a ListResponse: {error}"));
            return Vec::new();
        }
    };
    warnings.extend(page.tolerated.iter().map(|note| format!("/{name}: {note}")));
    page.resources
        .iter()
        .enumerate()
        .filter_map(|(index, entry)| match read(entry) {
            Ok(item) => Some(item),
            Err(error) => {
                let id = entry
                    .get("id")
                    .and_then(Value::as_str)
                    .map(|id| format!(" ({id})"))
                    .unwrap_or_default();
                warnings.push(format!("/{name}: entry {index}{id} is skipped: {error}"));
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::Secret;

    const RT: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

    fn documents(config: Value, resource_types: Value, schemas: Value) -> Documents {
        Documents {
            config: Ok(config),
            resource_types: Ok(resource_types),
            schemas: Ok(schemas),
        }
    }

    #[test]
    fn missing_and_malformed_documents_are_warnings_and_builtins_stand_in() {
        let discovery = Discovery::from_documents(&Documents {
            config: Err("/ServiceProviderConfig is not available: 404 Not Found".to_owned()),
            resource_types: Ok(
                json!({"totalResults": 1, "Resources": [{"schemas": [RT], "name": "Device"}]}),
            ),
            schemas: Ok(json!("nonsense")),
        });
        assert_eq!(discovery.config, None);
        assert!(discovery.resource_types.is_empty());
        assert_eq!(discovery.warnings.len(), 3, "{:?}", discovery.warnings);
        assert!(discovery.warnings[1].starts_with("/ResourceTypes: entry 0 is skipped"));
        let users = discovery.resource_schema_for("users").unwrap();
        assert_eq!(users, ResourceSchema::user());
        assert_eq!(discovery.endpoint_for("GROUP").as_deref(), Some("/Groups"));
        assert_eq!(discovery.resource_schema_for("Device"), None);
    }

    #[test]
    fn a_servers_own_resource_types_and_schemas_win() {
        let device_schema = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            "id": "urn:example:Device", "name": "Device",
            "attributes": [{"name": "serial", "type": "string"}]
        });
        let discovery = Discovery::from_documents(&documents(
            json!({"patch": {"supported": true}}),
            json!({"totalResults": 1, "Resources": [{
                "schemas": [RT], "id": "Device", "name": "Device", "endpoint": "/Devices",
                "schema": "urn:example:Device"
            }]}),
            json!({"totalResults": 1, "Resources": [device_schema]}),
        ));
        assert!(discovery.warnings.is_empty(), "{:?}", discovery.warnings);
        assert!(discovery.config.as_ref().is_some_and(|c| c.patch));
        assert_eq!(
            discovery.endpoint_for("device").as_deref(),
            Some("/Devices")
        );
        assert_eq!(
            discovery.endpoint_for("Devices").as_deref(),
            Some("/Devices")
        );
        let schema = discovery.resource_schema_for("DEVICE").unwrap();
        assert_eq!(schema.core.id, "urn:example:Device");
    }

    #[test]
    fn the_cache_is_per_endpoint_and_credential_owner_only_and_expires() {
        let dir = std::env::temp_dir().join(format!("scimctl-discovery-{}", std::process::id()));
        let token = Credentials::Bearer(Secret::new("tok-secret-123"));
        let cache = DiscoveryCache::new(Some(&dir), "https://a.example/scim", &token, DEFAULT_TTL);
        let other_token = Credentials::Bearer(Secret::new("another"));
        let other = DiscoveryCache::new(
            Some(&dir),
            "https://a.example/scim",
            &other_token,
            DEFAULT_TTL,
        );
        assert_ne!(cache.path(), other.path());

        let now = SystemTime::now();
        let fetched = documents(
            json!({}),
            json!({"totalResults": 0}),
            json!({"totalResults": 0}),
        );
        cache.store(&fetched, now).unwrap();
        let path = cache.path().unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        assert!(!text.contains("tok-secret-123"));
        assert!(!path.to_string_lossy().contains("tok-secret-123"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert!(cache.load(now + Duration::from_secs(60)).is_some());
        assert!(cache.load(now + DEFAULT_TTL).is_none());
        assert!(other.load(now).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
