//! The service provider configuration (RFC 7643 §5): what a server says it supports, read
//! tolerantly from its `/ServiceProviderConfig` and written for the embedded server. It
//! decides nothing about a run.

use serde_json::{Value, json};

use super::json::{ObjectReader, SchemaError};
use crate::scim::model::SERVICE_PROVIDER_CONFIG_SCHEMA;

/// The `bulk` block of a service provider configuration (RFC 7643 §5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkConfig {
    pub supported: bool,
    /// `None` when the server does not say (the RFC requires it, some servers leave it out).
    pub max_operations: Option<u64>,
    pub max_payload_size: Option<u64>,
}

/// The `filter` block of a service provider configuration (RFC 7643 §5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterConfig {
    pub supported: bool,
    /// `None` when the server does not say.
    pub max_results: Option<u64>,
}

/// One entry of `authenticationSchemes` (RFC 7643 §5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthenticationScheme {
    /// `oauth`, `oauth2`, `oauthbearertoken`, `httpbasic`, `httpdigest`, or another value.
    pub scheme_type: String,
    pub name: String,
    pub description: String,
    pub spec_uri: Option<String>,
    pub documentation_uri: Option<String>,
    pub primary: bool,
}

/// What a service provider claims to support (RFC 7643 §5). A missing block reads as
/// unsupported, which is the only safe assumption about a server that does not say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceProviderConfig {
    pub documentation_uri: Option<String>,
    pub patch: bool,
    pub bulk: BulkConfig,
    pub filter: FilterConfig,
    pub change_password: bool,
    pub sort: bool,
    pub etag: bool,
    pub authentication_schemes: Vec<AuthenticationScheme>,
}

impl ServiceProviderConfig {
    /// Reads a `/ServiceProviderConfig` document. Keys match case-insensitively and numeric
    /// strings are accepted for the limits; anything else out of shape is an error naming its
    /// pointer.
    pub fn from_json(value: &Value) -> Result<ServiceProviderConfig, SchemaError> {
        let obj = ObjectReader::new(value, "")?;
        let supported = |key: &str| -> Result<bool, SchemaError> {
            match obj.object(key)? {
                Some(block) => Ok(block.boolean("supported")?.unwrap_or(false)),
                None => Ok(false),
            }
        };
        let bulk = match obj.object("bulk")? {
            Some(block) => BulkConfig {
                supported: block.boolean("supported")?.unwrap_or(false),
                max_operations: block.count("maxOperations")?,
                max_payload_size: block.count("maxPayloadSize")?,
            },
            None => BulkConfig::default(),
        };
        let filter = match obj.object("filter")? {
            Some(block) => FilterConfig {
                supported: block.boolean("supported")?.unwrap_or(false),
                max_results: block.count("maxResults")?,
            },
            None => FilterConfig::default(),
        };
        let mut authentication_schemes = Vec::new();
        for (pointer, item) in obj.array("authenticationSchemes")? {
            let scheme = ObjectReader::new(item, &pointer)?;
            authentication_schemes.push(AuthenticationScheme {
                scheme_type: scheme.string("type")?.unwrap_or_default().to_owned(),
                name: scheme.string("name")?.unwrap_or_default().to_owned(),
                description: scheme.string("description")?.unwrap_or_default().to_owned(),
                spec_uri: scheme.string("specUri")?.map(str::to_owned),
                documentation_uri: scheme.string("documentationUri")?.map(str::to_owned),
                primary: scheme.boolean("primary")?.unwrap_or(false),
            });
        }
        Ok(ServiceProviderConfig {
            documentation_uri: obj.string("documentationUri")?.map(str::to_owned),
            patch: supported("patch")?,
            bulk,
            filter,
            change_password: supported("changePassword")?,
            sort: supported("sort")?,
            etag: supported("etag")?,
            authentication_schemes,
        })
    }

    /// Whether a `/ServiceProviderConfig` document says `<feature>.supported` is true, read
    /// as [`ServiceProviderConfig::from_json`] reads it (keys in any case, `"true"` strings
    /// too). A feature is judged on its own block: a malformed limit elsewhere in the document
    /// does not hide the features it states correctly.
    pub fn advertises(document: &Value, feature: &str) -> bool {
        ObjectReader::new(document, "")
            .and_then(|config| config.object(feature))
            .ok()
            .flatten()
            .and_then(|block| block.boolean("supported").ok().flatten())
            .unwrap_or(false)
    }

    /// The RFC 7643 §5 representation, without `meta`.
    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
        });
        if let Some(uri) = &self.documentation_uri {
            out["documentationUri"] = uri.as_str().into();
        }
        out["patch"] = json!({"supported": self.patch});
        // A limit the server did not state stays unstated: a 0 would be a number nobody read.
        let mut bulk = json!({"supported": self.bulk.supported});
        if let Some(max) = self.bulk.max_operations {
            bulk["maxOperations"] = max.into();
        }
        if let Some(max) = self.bulk.max_payload_size {
            bulk["maxPayloadSize"] = max.into();
        }
        out["bulk"] = bulk;
        let mut filter = json!({"supported": self.filter.supported});
        if let Some(max) = self.filter.max_results {
            filter["maxResults"] = max.into();
        }
        out["filter"] = filter;
        out["changePassword"] = json!({"supported": self.change_password});
        out["sort"] = json!({"supported": self.sort});
        out["etag"] = json!({"supported": self.etag});
        out["authenticationSchemes"] = self
            .authentication_schemes
            .iter()
            .map(|s| {
                let mut scheme = json!({
                    "type": s.scheme_type,
                    "name": s.name,
                    "description": s.description,
                });
                if let Some(uri) = &s.spec_uri {
                    scheme["specUri"] = uri.as_str().into();
                }
                if let Some(uri) = &s.documentation_uri {
                    scheme["documentationUri"] = uri.as_str().into();
                }
                scheme["primary"] = s.primary.into();
                scheme
            })
            .collect();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unstated_limits_stay_unstated() {
        let doc = json!({"bulk": {"supported": false}, "filter": {"supported": true}});
        let spc = ServiceProviderConfig::from_json(&doc).expect("readable");
        assert_eq!(spc.bulk.max_operations, None);
        assert_eq!(spc.filter.max_results, None);
        let written = spc.to_json();
        assert_eq!(written["bulk"], json!({"supported": false}));
        assert_eq!(written["filter"], json!({"supported": true}));
    }

    #[test]
    fn service_provider_config_reads_what_servers_publish() {
        let doc = json!({
            "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
            "patch": {"supported": true},
            "Bulk": {"supported": true, "maxOperations": "1000", "maxPayloadSize": 1048576},
            "filter": {"supported": true, "maxResults": 200},
            "etag": {"supported": "True"},
            "authenticationSchemes": [
                {"type": "oauthbearertoken", "name": "OAuth Bearer Token", "description": "", "primary": true}
            ]
        });
        let spc = ServiceProviderConfig::from_json(&doc);
        let expected = ServiceProviderConfig {
            documentation_uri: None,
            patch: true,
            bulk: BulkConfig {
                supported: true,
                max_operations: Some(1000),
                max_payload_size: Some(1_048_576),
            },
            filter: FilterConfig {
                supported: true,
                max_results: Some(200),
            },
            change_password: false,
            sort: false,
            etag: true,
            authentication_schemes: vec![AuthenticationScheme {
                scheme_type: "oauthbearertoken".to_owned(),
                name: "OAuth Bearer Token".to_owned(),
                primary: true,
                ..AuthenticationScheme::default()
            }],
        };
        assert_eq!(spc.as_ref(), Ok(&expected));
        assert_eq!(
            ServiceProviderConfig::from_json(&expected.to_json()),
            Ok(expected)
        );

        let bad = json!({"filter": {"supported": true, "maxResults": -1}});
        assert_eq!(
            ServiceProviderConfig::from_json(&bad)
                .err()
                .map(|e| e.pointer),
            Some("/filter/maxResults".to_owned())
        );
    }

    #[test]
    fn a_feature_is_advertised_by_its_own_block_even_when_another_is_malformed() {
        let doc = json!({
            "Patch": {"supported": true},
            "bulk": {"supported": true, "maxOperations": "many"},
            "filter": {"supported": "TRUE", "maxResults": -1},
            "sort": {"supported": "yes"},
            "etag": true
        });
        assert!(ServiceProviderConfig::from_json(&doc).is_err());
        let advertised = |feature| ServiceProviderConfig::advertises(&doc, feature);
        assert!(advertised("patch") && advertised("bulk") && advertised("filter"));
        assert!(!advertised("sort"), "not a boolean");
        assert!(!advertised("etag"), "not a block");
        assert!(!advertised("changePassword"), "not stated");
        assert!(!ServiceProviderConfig::advertises(&json!([1]), "patch"));
    }
}
