//! The suite file as TOML reads it: serde types that keep spans and refuse unknown keys, and how
//! a step is written over its template. Nothing is validated here beyond TOML types.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use serde_json::{Map, Value};
use toml::Spanned;

use crate::scim::percent::QueryEncoding;
use crate::suite::merge_into;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub suite: RawHeader,
    /// Named partial steps a step starts from with `use = "NAME"`.
    #[serde(default)]
    pub templates: BTreeMap<String, Spanned<RawStep>>,
    #[serde(default)]
    pub check: Vec<Spanned<RawCheck>>,
}

/// A file of templates only: the standard templates.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTemplates {
    pub templates: BTreeMap<String, Spanned<RawStep>>,
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
    pub deviation: Option<Spanned<String>>,
    /// Steps that only prepare the ground, run before `step`; each is a setup step.
    #[serde(default)]
    pub setup: Vec<Spanned<RawStep>>,
    #[serde(default)]
    pub step: Vec<Spanned<RawStep>>,
}

/// A step as written. Every key is optional here, so that what a step leaves out can be told
/// from what it sets.
#[derive(Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStep {
    /// The template this step starts from.
    #[serde(rename = "use")]
    pub uses: Option<Spanned<String>>,
    /// Values for the parameters (`{{user_name}}`) of the template the step uses, bound into
    /// its request before the step is validated.
    pub with: Option<Spanned<Map<String, Value>>>,
    pub method: Option<Spanned<String>>,
    pub path: Option<Spanned<String>>,
    pub target: Option<Spanned<String>>,
    pub query: Option<Map<String, Value>>,
    pub headers: Option<Map<String, Value>>,
    pub body: Option<Value>,
    /// A variable holding a JSON object (a resource captured whole) that `body` is merged over
    /// when the request is sent.
    pub body_base: Option<Spanned<String>>,
    pub body_json: Option<Spanned<String>>,
    pub body_raw: Option<Spanned<String>>,
    pub auth: Option<bool>,
    pub settle: Option<bool>,
    pub skip_if_filter_declined: Option<bool>,
    pub skip_if_unsupported: Option<bool>,
    pub setup: Option<bool>,
    pub status: Option<Spanned<StatusSpec>>,
    pub deviation: Option<Spanned<String>>,
    #[serde(default)]
    pub expect: Vec<Spanned<RawAssertion>>,
    #[serde(default)]
    pub capture: Entries<Spanned<RawCapture>>,
    /// How the identity provider whose shape the step is built on writes a value into a
    /// query string; set when a shape is resolved, never written.
    #[serde(skip)]
    pub encoding: Option<QueryEncoding>,
}

impl RawStep {
    /// This step written over the template it uses: what it sets wins; `body` tables merge
    /// key by key (deeply), as do `query`, `headers` and `capture`; `expect` adds to the
    /// template's. A `path` or `target` replaces both of the template's, and a `body_json` or
    /// `body_raw` its whole body.
    pub fn over(self, base: RawStep) -> RawStep {
        let (path, target) = if self.path.is_some() || self.target.is_some() {
            (self.path, self.target)
        } else {
            (base.path, base.target)
        };
        let (body, body_json, body_raw) = match (self.body, self.body_json, self.body_raw) {
            (None, None, None) => (base.body, base.body_json, base.body_raw),
            (Some(body), None, None) => (Some(merged(base.body, body)), None, None),
            written => written,
        };
        let mut capture = base.capture.0;
        for (name, value) in self.capture.0 {
            match capture.iter_mut().find(|(known, _)| *known == name) {
                Some(entry) => entry.1 = value,
                None => capture.push((name, value)),
            }
        }
        RawStep {
            uses: None,
            with: None,
            method: self.method.or(base.method),
            path,
            target,
            query: merged_table(base.query, self.query),
            headers: merged_table(base.headers, self.headers),
            body,
            body_json,
            body_raw,
            body_base: self.body_base.or(base.body_base),
            auth: self.auth.or(base.auth),
            settle: self.settle.or(base.settle),
            skip_if_filter_declined: self
                .skip_if_filter_declined
                .or(base.skip_if_filter_declined),
            skip_if_unsupported: self.skip_if_unsupported.or(base.skip_if_unsupported),
            setup: self.setup.or(base.setup),
            status: self.status.or(base.status),
            deviation: self.deviation.or(base.deviation),
            expect: base.expect.into_iter().chain(self.expect).collect(),
            capture: Entries(capture),
            encoding: self.encoding.or(base.encoding),
        }
    }
}

impl RawStep {
    /// The step with every position moved to `span`: a template read from another text is
    /// reported where it is used.
    pub fn respan(self, span: &Range<usize>) -> RawStep {
        let at = |value: Spanned<String>| Spanned::new(span.clone(), value.into_inner());
        RawStep {
            uses: self.uses.map(at),
            method: self.method.map(at),
            path: self.path.map(at),
            target: self.target.map(at),
            body_json: self.body_json.map(at),
            body_raw: self.body_raw.map(at),
            body_base: self.body_base.map(at),
            with: self
                .with
                .map(|with| Spanned::new(span.clone(), with.into_inner())),
            deviation: self.deviation.map(at),
            status: self
                .status
                .map(|status| Spanned::new(span.clone(), status.into_inner())),
            expect: self
                .expect
                .into_iter()
                .map(|assertion| Spanned::new(span.clone(), assertion.into_inner().respan(span)))
                .collect(),
            capture: Entries(
                self.capture
                    .0
                    .into_iter()
                    .map(|(name, value)| (name, Spanned::new(span.clone(), value.into_inner())))
                    .collect(),
            ),
            ..self
        }
    }
}

impl RawAssertion {
    fn respan(self, span: &Range<usize>) -> RawAssertion {
        let at = |value: Spanned<String>| Spanned::new(span.clone(), value.into_inner());
        RawAssertion {
            header: self.header.map(at),
            path: self.path.map(at),
            builtin: self.builtin.map(at),
            deviation: self.deviation.map(at),
            with: self
                .with
                .map(|with| Spanned::new(span.clone(), with.into_inner())),
            ..self
        }
    }
}

/// `over` merged into `base`: objects key by key, recursively; anything else replaced. Keys
/// end up sorted, as in any table TOML reads, so a merged body is sent exactly as the same body
/// written out whole.
fn merged(base: Option<Value>, over: Value) -> Value {
    match base {
        Some(mut base) => {
            merge_into(&mut base, over);
            sort_keys(&mut base);
            base
        }
        None => over,
    }
}

fn sort_keys(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            for (key, mut item) in entries {
                sort_keys(&mut item);
                map.insert(key, item);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

fn merged_table(
    base: Option<Map<String, Value>>,
    over: Option<Map<String, Value>>,
) -> Option<Map<String, Value>> {
    match (base, over) {
        (Some(mut base), Some(over)) => {
            base.extend(over);
            Some(base)
        }
        (base, over) => over.or(base),
    }
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
    pub deviation: Option<Spanned<String>>,
    pub when_status: Option<u16>,
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
