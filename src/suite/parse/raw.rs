//! The suite file as TOML reads it: serde types that keep spans for diagnostics and refuse
//! unknown keys. Nothing here is validated beyond its TOML type; `super` does that.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use serde_json::{Map, Value};
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub suite: RawHeader,
    #[serde(default)]
    pub check: Vec<Spanned<RawCheck>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHeader {
    pub name: Spanned<String>,
    pub title: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCheck {
    pub id: Spanned<String>,
    pub title: String,
    pub rfc: String,
    pub level: Spanned<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub requires: Vec<Spanned<String>>,
    pub message: Option<String>,
    #[serde(default)]
    pub step: Vec<Spanned<RawStep>>,
}

/// A step as written. Every key is optional here, so that what a step leaves out can be told
/// from what it sets.
#[derive(Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStep {
    pub method: Option<Spanned<String>>,
    pub path: Option<Spanned<String>>,
    pub target: Option<Spanned<String>>,
    pub query: Option<Map<String, Value>>,
    pub headers: Option<Map<String, Value>>,
    pub body: Option<Value>,
    pub body_json: Option<Spanned<String>>,
    pub body_raw: Option<Spanned<String>>,
    pub auth: Option<bool>,
    pub settle: Option<bool>,
    pub skip_if_filter_declined: Option<bool>,
    pub setup: Option<bool>,
    pub status: Option<Spanned<StatusSpec>>,
    #[serde(default)]
    pub expect: Vec<Spanned<RawAssertion>>,
    #[serde(default)]
    pub capture: Entries<Spanned<RawCapture>>,
}

#[derive(Deserialize, Clone)]
#[serde(untagged)]
pub(super) enum StatusSpec {
    One(u16),
    Many(Vec<u16>),
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAssertion {
    pub header: Option<Spanned<String>>,
    pub path: Option<Spanned<String>>,
    pub builtin: Option<Spanned<String>>,
    pub with: Option<Spanned<toml::Table>>,
    pub equals: Option<Value>,
    pub not_equals: Option<Value>,
    pub is_not: Option<Value>,
    pub equals_ci: Option<String>,
    pub contains: Option<Value>,
    pub media_type: Option<String>,
    pub exists: Option<bool>,
    #[serde(rename = "type")]
    pub json_type: Option<String>,
    pub count: Option<usize>,
    pub level: Option<String>,
    pub message: Option<String>,
}

/// Where a capture reads: a body path or pointer (a string), or `{ header = "NAME" }`.
#[derive(Clone)]
pub(super) enum RawCapture {
    Body(String),
    Header(String),
}

impl<'de> Deserialize<'de> for RawCapture {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CaptureVisitor;
        impl<'de> Visitor<'de> for CaptureVisitor {
            type Value = RawCapture;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a SCIM path, a `/pointer` or `{ header = \"NAME\" }`")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<RawCapture, E> {
                Ok(RawCapture::Body(text.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawCapture, A::Error> {
                let mut header = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key != "header" || header.is_some() {
                        return Err(de::Error::unknown_field(&key, &["header"]));
                    }
                    header = Some(map.next_value::<String>()?);
                }
                header
                    .map(RawCapture::Header)
                    .ok_or_else(|| de::Error::missing_field("header"))
            }
        }
        deserializer.deserialize_any(CaptureVisitor)
    }
}

/// A TOML table read in the order it was written (captures are set in order).
#[derive(Clone)]
pub(super) struct Entries<V>(pub Vec<(String, V)>);

impl<V> Default for Entries<V> {
    fn default() -> Self {
        Entries(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<V>, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    entries.push((key, map.next_value()?));
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}
