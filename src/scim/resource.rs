//! Resources as JSON: case-insensitive key access (RFC 7643 §2.1), the normalisation a server
//! applies to a POST/PUT body before storing it, and response projection (RFC 7644 §3.4.2.5).
//!
//! Pure: serde_json and std only. Resources stay `serde_json::Value`s so that attributes the
//! schema does not know survive a round trip through the tools that only read them.

use std::fmt;

use serde_json::{Map, Value};

use crate::scim::model::{ScimError, ScimType};
use crate::scim::path::AttrPath;
use crate::scim::schema::{
    AttrType, Attribute, Mutability, ResourceSchema, Returned, Schema, json_kind,
};

/// The key of `map` that names `name`, compared ASCII-case-insensitively; an exact match wins
/// over a case-folded one so that a map holding both `userName` and `USERNAME` stays predictable.
pub fn find_key_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    if let Some((key, _)) = map.get_key_value(name) {
        return Some(key.as_str());
    }
    map.keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .map(String::as_str)
}

/// The value stored under `name`, whatever the case of its key.
pub fn get_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    let key = find_key_ci(map, name)?;
    map.get(key)
}

/// The mutable value stored under `name`, whatever the case of its key.
pub fn get_ci_mut<'a>(map: &'a mut Map<String, Value>, name: &str) -> Option<&'a mut Value> {
    let key = find_key_ci(map, name)?.to_owned();
    map.get_mut(&key)
}

/// Removes the entry named `name`, whatever the case of its key, keeping the order of the
/// others.
pub fn remove_ci(map: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let key = find_key_ci(map, name)?.to_owned();
    map.shift_remove(&key)
}

/// Renames the key of `map` that names `canonical` but differs in case, so that the map uses
/// the schema's spelling (`USERNAME` becomes `userName`).
pub fn canonicalise_key(map: &mut Map<String, Value>, canonical: &str) {
    let Some(existing) = find_key_ci(map, canonical).map(str::to_owned) else {
        return;
    };
    if existing != canonical {
        if let Some(value) = map.shift_remove(&existing) {
            map.insert(canonical.to_owned(), value);
        }
    }
}

/// A leniency applied while reading a value, reported so that callers can warn about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leniency {
    /// A boolean attribute was sent as the string `"True"`/`"False"` (any case), as Entra's
    /// legacy provisioning does (field guide §5 #5).
    StringBoolean { path: String, sent: String },
    /// A member the schema does not define was dropped.
    UnknownAttributeIgnored { path: String },
}

impl fmt::Display for Leniency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Leniency::StringBoolean { path, sent } => {
                write!(f, "`{path}`: read the string \"{sent}\" as a boolean")
            }
            Leniency::UnknownAttributeIgnored { path } => {
                write!(f, "`{path}`: not defined by the schema; ignored")
            }
        }
    }
}

fn invalid_value(path: impl fmt::Display, message: impl fmt::Display) -> ScimError {
    ScimError::typed(ScimType::InvalidValue, format!("`{path}`: {message}"))
}

/// Where a value sits in a write body, for error and leniency messages. It is rendered only
/// when a message needs it: formatting the path of every value up front cost more than
/// checking the values. Nesting follows the schema's (complex attributes hold simple ones), so
/// rendering recurses at most a few levels.
#[derive(Debug, Clone, Copy)]
enum ValuePath<'a> {
    /// A path as written, such as `emails` or `name.givenName`.
    Text(&'a str),
    /// An extension attribute: `URN:name`.
    Extension(&'a str, &'a str),
    /// An element of a multi-valued attribute: `parent[index]`.
    Item(&'a ValuePath<'a>, usize),
    /// A member of a complex value: `parent.key`.
    Member(&'a ValuePath<'a>, &'a str),
}

impl fmt::Display for ValuePath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValuePath::Text(text) => f.write_str(text),
            ValuePath::Extension(urn, name) => write!(f, "{urn}:{name}"),
            ValuePath::Item(parent, index) => write!(f, "{parent}[{index}]"),
            ValuePath::Member(parent, key) => write!(f, "{parent}.{key}"),
        }
    }
}

/// Checks and normalises the value of `attribute` found at `path` (RFC 7643 §2.3): types are
/// checked, keys of complex values take the schema's spelling, `null` members, readOnly
/// sub-attributes and unknown sub-attributes are dropped. `None` means unassigned: `null`,
/// `[]` and `{}` all read as "no value" (RFC 7643 §2.5).
pub(crate) fn normalise_value(
    attribute: &Attribute,
    value: &Value,
    path: &str,
    leniencies: &mut Vec<Leniency>,
) -> Result<Option<Value>, ScimError> {
    normalise_value_at(attribute, value.clone(), ValuePath::Text(path), leniencies)
}

/// [`normalise_value`] for one value of the attribute, ignoring `multiValued`.
pub(crate) fn normalise_single(
    attribute: &Attribute,
    value: &Value,
    path: &str,
    leniencies: &mut Vec<Leniency>,
) -> Result<Option<Value>, ScimError> {
    normalise_single_at(attribute, value.clone(), ValuePath::Text(path), leniencies)
}

/// [`normalise_value`] on a value it may take apart: what is kept is moved, not copied.
fn normalise_value_at(
    attribute: &Attribute,
    value: Value,
    path: ValuePath<'_>,
    leniencies: &mut Vec<Leniency>,
) -> Result<Option<Value>, ScimError> {
    if !attribute.multi_valued {
        return normalise_single_at(attribute, value, path, leniencies);
    }
    match value {
        Value::Null => Ok(None),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let item_path = ValuePath::Item(&path, i);
                if let Some(v) = normalise_single_at(attribute, item, item_path, leniencies)? {
                    out.push(v);
                }
            }
            Ok((!out.is_empty()).then_some(Value::Array(out)))
        }
        other => Err(invalid_value(
            path,
            format!(
                "expected an array (multi-valued), found {}",
                json_kind(&other)
            ),
        )),
    }
}

fn normalise_single_at(
    attribute: &Attribute,
    value: Value,
    path: ValuePath<'_>,
    leniencies: &mut Vec<Leniency>,
) -> Result<Option<Value>, ScimError> {
    if value.is_null() {
        return Ok(None);
    }
    check_single_type(attribute.attr_type, &value, path)?;
    let normalised = match (attribute.attr_type, value) {
        (AttrType::Boolean, Value::String(text)) => {
            let parsed = text.eq_ignore_ascii_case("true");
            leniencies.push(Leniency::StringBoolean {
                path: path.to_string(),
                sent: text,
            });
            Value::Bool(parsed)
        }
        (AttrType::Complex, Value::Object(members)) => {
            let mut out = Map::with_capacity(members.len());
            for (key, member) in members {
                let member_path = ValuePath::Member(&path, &key);
                let Some(sub) = attribute.sub_attribute(&key) else {
                    leniencies.push(Leniency::UnknownAttributeIgnored {
                        path: member_path.to_string(),
                    });
                    continue;
                };
                if sub.mutability == Mutability::ReadOnly {
                    continue;
                }
                if let Some(v) = normalise_value_at(sub, member, member_path, leniencies)? {
                    out.insert(canonical_key(key, &sub.name), v);
                }
            }
            if out.is_empty() {
                return Ok(None);
            }
            Value::Object(out)
        }
        (_, other) => other,
    };
    Ok(Some(normalised))
}

/// Whether a single, non-null value has the attribute's type; booleans may also be the
/// strings `"true"`/`"false"` in any case, which the caller converts and reports.
fn check_single_type(
    attr_type: AttrType,
    value: &Value,
    path: ValuePath<'_>,
) -> Result<(), ScimError> {
    let mismatch = |expected: &str| {
        invalid_value(
            path,
            format!("expected {expected}, found {}", json_kind(value)),
        )
    };
    match attr_type {
        AttrType::String | AttrType::Reference => {
            value.as_str().ok_or_else(|| mismatch("a string"))?;
        }
        AttrType::Binary => {
            let text = value.as_str().ok_or_else(|| mismatch("a base64 string"))?;
            if !is_base64(text) {
                return Err(invalid_value(path, "not valid base64 (RFC 7643 §2.3.6)"));
            }
        }
        AttrType::Boolean => match value {
            Value::Bool(_) => {}
            Value::String(text)
                if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false") => {}
            _ => return Err(mismatch("a boolean")),
        },
        AttrType::Integer => {
            if !(value.is_i64() || value.is_u64()) {
                return Err(mismatch("an integer"));
            }
        }
        AttrType::Decimal => {
            value.as_number().ok_or_else(|| mismatch("a number"))?;
        }
        AttrType::DateTime => {
            let text = value
                .as_str()
                .ok_or_else(|| mismatch("a dateTime string"))?;
            if !is_date_time(text) {
                return Err(invalid_value(
                    path,
                    format!(
                        "`{text}` is not an xsd:dateTime such as 2015-02-23T08:30:00Z (RFC 7643 §2.3.5)"
                    ),
                ));
            }
        }
        AttrType::Complex => {
            value.as_object().ok_or_else(|| mismatch("an object"))?;
        }
    }
    Ok(())
}

/// The key to store a member under: the schema's spelling, reusing the sent key when it is
/// already spelled that way.
fn canonical_key(sent: String, name: &str) -> String {
    if sent == name { sent } else { name.to_owned() }
}

pub(crate) fn is_base64(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    text.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_'))
}

/// `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)`: the xsd:dateTime lexical form with the time
/// zone that RFC 7643 §2.3.5 requires implementations to accept.
pub(crate) fn is_date_time(text: &str) -> bool {
    fn digits(s: &str, n: usize) -> Option<(u32, &str)> {
        let head = s.get(..n)?;
        if !head.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some((head.parse().ok()?, s.get(n..)?))
    }
    fn expect(s: &str, c: char) -> Option<&str> {
        s.strip_prefix(c)
    }
    fn parse(s: &str) -> Option<()> {
        let (_, s) = digits(s, 4)?;
        let (month, s) = digits(expect(s, '-')?, 2)?;
        let (day, s) = digits(expect(s, '-')?, 2)?;
        let s = s.strip_prefix('T').or_else(|| s.strip_prefix('t'))?;
        let (hour, s) = digits(s, 2)?;
        let (minute, s) = digits(expect(s, ':')?, 2)?;
        let (second, mut s) = digits(expect(s, ':')?, 2)?;
        if let Some(fraction) = s.strip_prefix('.') {
            let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if len == 0 {
                return None;
            }
            s = fraction.get(len..)?;
        }
        let zone_ok = match s {
            "Z" | "z" => true,
            _ => {
                let sign = s.strip_prefix('+').or_else(|| s.strip_prefix('-'))?;
                let (zh, rest) = digits(sign, 2)?;
                let (zm, rest) = digits(expect(rest, ':')?, 2)?;
                rest.is_empty() && zh <= 14 && zm < 60
            }
        };
        let valid = zone_ok
            && (1..=12).contains(&month)
            && (1..=31).contains(&day)
            && hour < 24
            && minute < 60
            && second < 61;
        valid.then_some(())
    }
    parse(text).is_some()
}

/// Which write a body arrives with; a replacement is checked against the stored resource.
#[derive(Debug, Clone, Copy)]
pub enum WriteMode<'a> {
    /// POST (RFC 7644 §3.3).
    Create,
    /// PUT (RFC 7644 §3.5.1) over the resource currently stored.
    Replace { current: &'a Value },
}

/// A leniency applied while normalising a POST/PUT body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteTolerance {
    /// A value was read leniently or a member was ignored.
    Value(Leniency),
    /// `schemas` named a URN that is neither the core schema nor a known extension (Entra
    /// sends a Microsoft URN with groups); it was left out of the stored `schemas`.
    UnknownSchemaIgnored { urn: String },
    /// Extension data was sent without its URN in `schemas` (RFC 7643 §3 asks for it); the
    /// URN was added.
    UndeclaredExtension { urn: String },
}

impl fmt::Display for WriteTolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteTolerance::Value(leniency) => leniency.fmt(f),
            WriteTolerance::UnknownSchemaIgnored { urn } => {
                write!(f, "`schemas`: unknown schema `{urn}` ignored")
            }
            WriteTolerance::UndeclaredExtension { urn } => {
                write!(
                    f,
                    "`schemas`: extension `{urn}` has data but was not listed; added"
                )
            }
        }
    }
}

/// The resource a server should store from a write, and the leniencies needed to read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Validated {
    pub resource: Value,
    pub tolerances: Vec<WriteTolerance>,
}

/// Checks a POST or PUT body and returns the normalised resource to store.
///
/// - `schemas` must be an array naming the core schema. A body without it does not conform
///   to the request schema, so it is `invalidSyntax` (RFC 7644 §3.12), as is a non-object.
/// - Values are type-checked (`invalidValue`, naming the attribute path) and their keys take
///   the schema's spelling, so `USERNAME` is stored as `userName`.
/// - readOnly attributes (`id`, `meta`, `groups`, ...) are dropped: RFC 7644 §3.3 and §3.5.1
///   say the server ignores them, and Okta PUTs back whole fetched objects.
/// - Attributes the schema does not define are dropped and reported, so that the store only
///   ever holds what the schema describes (and what `/Schemas` therefore advertises).
/// - `null` and `[]` are no value (RFC 7643 §2.5); required attributes must have one.
/// - At most one `primary: true` per multi-valued attribute (RFC 7643 §2.4).
/// - On replace, immutable attributes that have a value must keep it (RFC 7644 §3.5.1,
///   `mutability`); immutable and writeOnly values the body omits are carried over, because
///   a client that PUTs back what it read cannot know a writeOnly value such as `password`.
pub fn validate_for_write(
    body: &Value,
    schema: &ResourceSchema,
    mode: WriteMode<'_>,
) -> Result<Validated, ScimError> {
    validate_owned_for_write(body.clone(), schema, mode)
}

/// [`validate_for_write`] on a body it may take apart: the values kept are moved into the
/// resource instead of copied.
pub fn validate_owned_for_write(
    body: Value,
    schema: &ResourceSchema,
    mode: WriteMode<'_>,
) -> Result<Validated, ScimError> {
    let members = match body {
        Value::Object(members) => members,
        other => {
            return Err(ScimError::typed(
                ScimType::InvalidSyntax,
                format!(
                    "the resource must be a JSON object, found {}",
                    json_kind(&other)
                ),
            ));
        }
    };
    let listed = listed_schemas(&members, schema)?;
    let mut tolerances: Vec<WriteTolerance> = listed
        .unknown
        .into_iter()
        .map(|urn| WriteTolerance::UnknownSchemaIgnored { urn })
        .collect();
    let mut leniencies = Vec::new();
    // The core attributes go straight into the map that is returned, after a `schemas` slot
    // filled in at the end: moving them into a second map would hash every key again.
    let mut resource = Map::with_capacity(members.len() + 1);
    resource.insert("schemas".to_owned(), Value::Null);
    let mut extension_objects: Vec<(&Schema, Map<String, Value>)> = Vec::new();

    for (key, value) in members {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(attribute) = schema
            .core_attributes()
            .find(|a| a.name.eq_ignore_ascii_case(&key))
        {
            store_attribute(
                &mut resource,
                attribute,
                canonical_key(key, &attribute.name),
                value,
                ValuePath::Text(&attribute.name),
                &mut leniencies,
            )?;
            continue;
        }
        let Some(extension) = schema
            .extensions
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(&key))
        else {
            leniencies.push(Leniency::UnknownAttributeIgnored { path: key });
            continue;
        };
        let inner = match value {
            Value::Null => continue,
            Value::Object(inner) => inner,
            other => {
                return Err(invalid_value(
                    &extension.id,
                    format!("expected an object, found {}", json_kind(&other)),
                ));
            }
        };
        let mut stored = Map::with_capacity(inner.len());
        for (inner_key, inner_value) in inner {
            let path = ValuePath::Extension(&extension.id, &inner_key);
            match extension.attribute(&inner_key) {
                Some(attribute) => store_attribute(
                    &mut stored,
                    attribute,
                    attribute.name.clone(),
                    inner_value,
                    path,
                    &mut leniencies,
                )?,
                None => leniencies.push(Leniency::UnknownAttributeIgnored {
                    path: path.to_string(),
                }),
            }
        }
        extension_objects.push((extension, stored));
    }

    if let WriteMode::Replace { current } = mode {
        keep_fixed_values(&mut resource, current, schema.core_attributes(), "")?;
        for extension in &schema.extensions {
            let Some(current_ext) = current.as_object().and_then(|m| get_ci(m, &extension.id))
            else {
                continue;
            };
            let index = match extension_objects
                .iter()
                .position(|(s, _)| s.id == extension.id)
            {
                Some(index) => index,
                None => {
                    extension_objects.push((extension, Map::new()));
                    extension_objects.len() - 1
                }
            };
            if let Some((_, stored)) = extension_objects.get_mut(index) {
                let prefix = format!("{}:", extension.id);
                keep_fixed_values(stored, current_ext, extension.attributes.iter(), &prefix)?;
            }
        }
    }

    check_required(&resource, schema.core_attributes(), "")?;
    let mut schemas = vec![Value::String(schema.core.id.clone())];
    let mut extension_members = Vec::new();
    for (extension, stored) in extension_objects {
        if stored.is_empty() {
            continue;
        }
        check_required(
            &stored,
            extension.attributes.iter(),
            &format!("{}:", extension.id),
        )?;
        if !listed.extensions.iter().any(|urn| urn == &extension.id) {
            tolerances.push(WriteTolerance::UndeclaredExtension {
                urn: extension.id.clone(),
            });
        }
        schemas.push(Value::String(extension.id.clone()));
        extension_members.push((extension.id.clone(), Value::Object(stored)));
    }
    if let Some(slot) = resource.get_mut("schemas") {
        *slot = Value::Array(schemas);
    }
    resource.extend(extension_members);
    tolerances.extend(leniencies.into_iter().map(WriteTolerance::Value));
    Ok(Validated {
        resource: Value::Object(resource),
        tolerances,
    })
}

/// The URNs of a body's `schemas`, split into known extensions (canonical spelling) and
/// unknown ones, after checking that the core schema is listed.
struct ListedSchemas {
    extensions: Vec<String>,
    unknown: Vec<String>,
}

fn listed_schemas(
    members: &Map<String, Value>,
    schema: &ResourceSchema,
) -> Result<ListedSchemas, ScimError> {
    let syntax = |detail: String| ScimError::typed(ScimType::InvalidSyntax, detail);
    let urns = match get_ci(members, "schemas") {
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(syntax(format!(
                "`schemas` must be an array of schema URNs, found {}",
                json_kind(other)
            )));
        }
        None => {
            return Err(syntax(format!(
                "`schemas` is missing; it must list `{}` (RFC 7643 §3)",
                schema.core.id
            )));
        }
    };
    let mut listed = ListedSchemas {
        extensions: Vec::new(),
        unknown: Vec::new(),
    };
    let mut has_core = false;
    for (i, urn) in urns.iter().enumerate() {
        let urn = urn.as_str().ok_or_else(|| {
            syntax(format!(
                "`schemas[{i}]` must be a string, found {}",
                json_kind(urn)
            ))
        })?;
        match schema.schema(urn) {
            Some(found) if std::ptr::eq(found, &schema.core) => has_core = true,
            Some(found) => listed.extensions.push(found.id.clone()),
            None => listed.unknown.push(urn.to_owned()),
        }
    }
    if !has_core {
        return Err(syntax(format!(
            "`schemas` does not list the core schema `{}` (RFC 7643 §3)",
            schema.core.id
        )));
    }
    Ok(listed)
}

/// Normalises one attribute of a write body into `target` under `name`, its canonical name;
/// readOnly attributes are ignored (RFC 7644 §3.3) and unassigned values leave no key.
fn store_attribute(
    target: &mut Map<String, Value>,
    attribute: &Attribute,
    name: String,
    value: Value,
    path: ValuePath<'_>,
    leniencies: &mut Vec<Leniency>,
) -> Result<(), ScimError> {
    if attribute.mutability == Mutability::ReadOnly {
        return Ok(());
    }
    if let Some(normalised) = normalise_value_at(attribute, value, path, leniencies)? {
        check_single_primary(attribute, &normalised, path)?;
        target.insert(name, normalised);
    }
    Ok(())
}

/// RFC 7643 §2.4: the primary value `true` appears at most once.
pub(crate) fn check_single_primary(
    attribute: &Attribute,
    value: &Value,
    path: impl fmt::Display,
) -> Result<(), ScimError> {
    let Some(items) = value.as_array() else {
        return Ok(());
    };
    let primaries = items.iter().filter(|item| is_primary(item)).count();
    if primaries > 1 {
        return Err(invalid_value(
            path,
            format!(
                "{primaries} values of `{}` are marked primary; at most one may be (RFC 7643 §2.4)",
                attribute.name
            ),
        ));
    }
    Ok(())
}

/// Whether a multi-valued element carries `primary: true`.
pub(crate) fn is_primary(item: &Value) -> bool {
    item.as_object()
        .and_then(|m| get_ci(m, "primary"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// For PUT: an immutable value that is set must not change; immutable and writeOnly values
/// the body omits are carried over from the current resource.
fn keep_fixed_values<'s>(
    stored: &mut Map<String, Value>,
    current: &Value,
    attributes: impl Iterator<Item = &'s Attribute>,
    prefix: &str,
) -> Result<(), ScimError> {
    let Some(current) = current.as_object() else {
        return Ok(());
    };
    for attribute in attributes {
        if !matches!(
            attribute.mutability,
            Mutability::Immutable | Mutability::WriteOnly
        ) {
            continue;
        }
        let Some(old) = get_ci(current, &attribute.name).filter(|v| !v.is_null()) else {
            continue;
        };
        match stored.get(&attribute.name) {
            None => {
                stored.insert(attribute.name.clone(), old.clone());
            }
            Some(new) if attribute.mutability == Mutability::Immutable && new != old => {
                return Err(ScimError::typed(
                    ScimType::Mutability,
                    format!(
                        "`{prefix}{}` is immutable and already set; a replacement must keep its value (RFC 7644 §3.5.1)",
                        attribute.name
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn check_required<'s>(
    stored: &Map<String, Value>,
    attributes: impl Iterator<Item = &'s Attribute>,
    prefix: &str,
) -> Result<(), ScimError> {
    for attribute in attributes {
        if !attribute.required || attribute.mutability == Mutability::ReadOnly {
            continue;
        }
        let present = stored
            .get(&attribute.name)
            .is_some_and(|v| v.as_str() != Some(""));
        if !present {
            return Err(ScimError::typed(
                ScimType::InvalidValue,
                format!("`{prefix}{}` is required", attribute.name),
            ));
        }
    }
    Ok(())
}

/// Applies `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9) and the schema's
/// `returned` characteristics (RFC 7643 §2.2) to a stored resource.
///
/// `schemas` and `returned: always` attributes (`id`) are always kept, `returned: never`
/// attributes (`password`) never, `returned: request` ones only when `attributes` names them.
/// A non-empty `attributes` list replaces the default set and `excluded` is then ignored, as
/// the two are alternatives. Paths may be URN-qualified and may name a sub-attribute; a
/// URN-only path (empty `name`) names a whole extension. Members the schema does not define
/// are kept in the default set and dropped when `attributes` is given, unless named.
pub fn project(
    resource: &Value,
    schema: &ResourceSchema,
    attributes: &[AttrPath],
    excluded: &[AttrPath],
) -> Value {
    let Some(members) = resource.as_object() else {
        return resource.clone();
    };
    let selection = if attributes.is_empty() {
        Selection::Default { excluded }
    } else {
        Selection::Only { attributes }
    };
    let mut out = Map::new();
    for (key, value) in members {
        if key.eq_ignore_ascii_case("schemas") {
            out.insert(key.clone(), value.clone());
            continue;
        }
        if let Some(attribute) = schema
            .core_attributes()
            .find(|a| a.name.eq_ignore_ascii_case(key))
        {
            if let Some(v) = selection.project_attribute(schema, &schema.core, attribute, value) {
                out.insert(key.clone(), v);
            }
            continue;
        }
        if let Some(extension) = schema
            .extensions
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(key))
        {
            if let Some(v) = selection.project_extension(schema, extension, value) {
                out.insert(key.clone(), v);
            }
            continue;
        }
        if selection.keeps_unknown(key) {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

enum Selection<'p> {
    Default { excluded: &'p [AttrPath] },
    Only { attributes: &'p [AttrPath] },
}

/// Whether `path` names `attribute` of `owner` (ignoring any sub-attribute in the path).
fn names_attribute(
    schema: &ResourceSchema,
    path: &AttrPath,
    owner: &Schema,
    attribute: &Attribute,
) -> bool {
    let top = AttrPath {
        urn: path.urn.clone(),
        name: path.name.clone(),
        sub: None,
    };
    schema
        .resolve(&top)
        .is_some_and(|r| std::ptr::eq(r.schema, owner) && std::ptr::eq(r.attribute, attribute))
}

/// Whether `path` names a whole extension: a URN-only path, or a bare URN that an attribute
/// path parser split at its last `:` (`urn:…:2.0` + `User`).
fn names_extension(path: &AttrPath, extension: &Schema) -> bool {
    let Some(urn) = path.urn.as_deref() else {
        return false;
    };
    if path.name.is_empty() {
        return urn.eq_ignore_ascii_case(&extension.id);
    }
    path.sub.is_none()
        && extension.id.len() == urn.len() + 1 + path.name.len()
        && format!("{urn}:{}", path.name).eq_ignore_ascii_case(&extension.id)
}

impl Selection<'_> {
    fn keeps_unknown(&self, key: &str) -> bool {
        let named = |paths: &[AttrPath]| {
            paths
                .iter()
                .any(|p| p.urn.is_none() && p.name.eq_ignore_ascii_case(key))
        };
        match self {
            Selection::Default { excluded } => !named(excluded),
            Selection::Only { attributes } => named(attributes),
        }
    }

    fn project_extension(
        &self,
        schema: &ResourceSchema,
        extension: &Schema,
        value: &Value,
    ) -> Option<Value> {
        let members = value.as_object()?;
        let names_whole = |paths: &[AttrPath]| paths.iter().any(|p| names_extension(p, extension));
        let effective = match self {
            Selection::Only { attributes } if names_whole(attributes) => {
                Selection::Default { excluded: &[] }
            }
            Selection::Default { excluded } if names_whole(excluded) => return None,
            Selection::Default { excluded } => Selection::Default { excluded },
            Selection::Only { attributes } => Selection::Only { attributes },
        };
        let mut out = Map::new();
        for (key, inner) in members {
            let kept = match extension.attribute(key) {
                Some(attribute) => effective.project_attribute(schema, extension, attribute, inner),
                None => matches!(effective, Selection::Default { .. }).then(|| inner.clone()),
            };
            if let Some(v) = kept {
                out.insert(key.clone(), v);
            }
        }
        (!out.is_empty()).then_some(Value::Object(out))
    }

    fn project_attribute(
        &self,
        schema: &ResourceSchema,
        owner: &Schema,
        attribute: &Attribute,
        value: &Value,
    ) -> Option<Value> {
        match attribute.returned {
            Returned::Never => return None,
            Returned::Always => return Some(strip_sub_attributes(attribute, value, |_| true)),
            Returned::Default | Returned::Request => {}
        }
        match self {
            Selection::Only { attributes } => {
                let paths: Vec<&AttrPath> = attributes
                    .iter()
                    .filter(|p| names_attribute(schema, p, owner, attribute))
                    .collect();
                if paths.is_empty() {
                    return None;
                }
                if paths.iter().any(|p| p.sub.is_none()) {
                    return Some(strip_sub_attributes(attribute, value, |sub| {
                        sub.returned != Returned::Request
                            || paths.iter().any(|p| {
                                p.sub
                                    .as_deref()
                                    .is_some_and(|s| s.eq_ignore_ascii_case(&sub.name))
                            })
                    }));
                }
                let kept = strip_sub_attributes(attribute, value, |sub| {
                    sub.returned == Returned::Always
                        || paths.iter().any(|p| {
                            p.sub
                                .as_deref()
                                .is_some_and(|s| s.eq_ignore_ascii_case(&sub.name))
                        })
                });
                is_assigned(&kept).then_some(kept)
            }
            Selection::Default { excluded } => {
                if attribute.returned == Returned::Request {
                    return None;
                }
                let paths: Vec<&AttrPath> = excluded
                    .iter()
                    .filter(|p| names_attribute(schema, p, owner, attribute))
                    .collect();
                if paths.iter().any(|p| p.sub.is_none()) {
                    return None;
                }
                let kept = strip_sub_attributes(attribute, value, |sub| {
                    sub.returned == Returned::Always
                        || (sub.returned == Returned::Default
                            && !paths.iter().any(|p| {
                                p.sub
                                    .as_deref()
                                    .is_some_and(|s| s.eq_ignore_ascii_case(&sub.name))
                            }))
                });
                is_assigned(&kept).then_some(kept)
            }
        }
    }
}

/// Keeps, in a complex value or in each element of a multi-valued complex value, only the
/// sub-attributes `keep` accepts (sub-attributes the schema does not define are kept) and
/// never the `returned: never` ones. Other values are returned unchanged.
fn strip_sub_attributes(
    attribute: &Attribute,
    value: &Value,
    keep: impl Fn(&Attribute) -> bool,
) -> Value {
    if attribute.attr_type != AttrType::Complex {
        return value.clone();
    }
    let strip_one = |element: &Value| match element {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .filter(|(key, _)| {
                    attribute
                        .sub_attribute(key)
                        .is_none_or(|sub| sub.returned != Returned::Never && keep(sub))
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    };
    match value {
        Value::Array(items) => {
            Value::Array(items.iter().map(strip_one).filter(is_assigned).collect())
        }
        other => strip_one(other),
    }
}

/// Whether a value counts as assigned (RFC 7643 §2.5: `null`, `[]` and `{}` do not).
pub(crate) fn is_assigned(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Array(items) => !items.is_empty(),
        Value::Object(members) => !members.is_empty(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::model::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
    use serde_json::json;

    fn create(body: Value) -> Result<Validated, ScimError> {
        validate_for_write(&body, &ResourceSchema::user(), WriteMode::Create)
    }

    fn error_of(result: Result<Validated, ScimError>) -> (Option<ScimType>, String) {
        match result {
            Ok(v) => panic!("expected an error, got {}", v.resource),
            Err(e) => (e.scim_type, e.detail),
        }
    }

    fn path(text: &str) -> AttrPath {
        let (urn, rest) = match text.rfind(':') {
            Some(at) => (Some(text[..at].to_owned()), &text[at + 1..]),
            None => (None, text),
        };
        let (name, sub) = match rest.split_once('.') {
            Some((n, s)) => (n.to_owned(), Some(s.to_owned())),
            None => (rest.to_owned(), None),
        };
        AttrPath { urn, name, sub }
    }

    #[test]
    fn case_insensitive_lookups_prefer_the_exact_key() {
        let mut map = json!({"USERNAME": "a", "userName": "b", "Active": true})
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert_eq!(get_ci(&map, "userName"), Some(&json!("b")));
        assert_eq!(get_ci(&map, "username"), Some(&json!("a")));
        assert_eq!(find_key_ci(&map, "ACTIVE"), Some("Active"));
        if let Some(v) = get_ci_mut(&mut map, "active") {
            *v = json!(false);
        }
        assert_eq!(remove_ci(&mut map, "aCtIvE"), Some(json!(false)));
        map.shift_remove("userName");
        canonicalise_key(&mut map, "userName");
        assert_eq!(map.get("userName"), Some(&json!("a")));
        assert_eq!(map.get("USERNAME"), None);
        assert_eq!(get_ci(&map, "missing"), None);
    }

    #[test]
    fn okta_create_body_is_normalised_for_storage() {
        let validated = create(json!({
            "schemas": [USER_SCHEMA],
            "USERNAME": "test.user@okta.local",
            "name": {"givenName": "Test", "FamilyName": "User"},
            "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
            "id": "client-chosen",
            "groups": [],
            "password": "1mz050nq",
            "active": true,
            "meta": {"resourceType": "User"}
        }));
        assert_eq!(
            validated.map(|v| (v.resource, v.tolerances)),
            Ok((
                json!({
                    "schemas": [USER_SCHEMA],
                    "userName": "test.user@okta.local",
                    "name": {"givenName": "Test", "familyName": "User"},
                    "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
                    "password": "1mz050nq",
                    "active": true
                }),
                vec![]
            ))
        );
    }

    #[test]
    fn entra_create_body_keeps_its_extension_and_drops_client_meta() {
        let validated = create(json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
            "active": true,
            "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
            "roles": [],
            "nickName": null,
            ENTERPRISE_USER_SCHEMA: {"department": "Sales"}
        }));
        assert_eq!(
            validated.map(|v| (v.resource, v.tolerances)),
            Ok((
                json!({
                    "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
                    "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
                    "active": true,
                    "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
                    "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
                    ENTERPRISE_USER_SCHEMA: {"department": "Sales"}
                }),
                vec![]
            ))
        );
    }

    #[test]
    fn missing_or_wrong_schemas_are_invalid_syntax() {
        for body in [
            json!({"userName": "a"}),
            json!({"schemas": USER_SCHEMA, "userName": "a"}),
            json!({"schemas": [GROUP_SCHEMA], "userName": "a"}),
            json!("not an object"),
        ] {
            assert_eq!(error_of(create(body)).0, Some(ScimType::InvalidSyntax));
        }
    }

    #[test]
    fn required_attributes_must_have_a_value() {
        for body in [
            json!({"schemas": [USER_SCHEMA]}),
            json!({"schemas": [USER_SCHEMA], "userName": null}),
            json!({"schemas": [USER_SCHEMA], "userName": ""}),
        ] {
            let (scim_type, detail) = error_of(create(body));
            assert_eq!(scim_type, Some(ScimType::InvalidValue));
            assert!(detail.contains("`userName` is required"), "{detail}");
        }
    }

    #[test]
    fn wrong_types_name_the_attribute_path() {
        let cases = [
            (json!({"active": 1}), "`active`"),
            (json!({"name": {"givenName": false}}), "`name.givenName`"),
            (json!({"emails": {"value": "a@b.c"}}), "`emails`"),
            (
                json!({"emails": [{"value": "a@b.c"}, {"value": 3}]}),
                "`emails[1].value`",
            ),
            (
                json!({"x509Certificates": [{"value": "not base64!"}]}),
                "`x509Certificates[0].value`",
            ),
            (
                json!({ENTERPRISE_USER_SCHEMA: {"manager": "boss"}}),
                "`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`",
            ),
        ];
        for (extra, named) in cases {
            let mut body = json!({"schemas": [USER_SCHEMA], "userName": "a"});
            if let (Some(target), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
                target.extend(extra.clone());
            }
            let (scim_type, detail) = error_of(create(body));
            assert_eq!(scim_type, Some(ScimType::InvalidValue), "{detail}");
            assert!(detail.contains(named), "{detail} should name {named}");
        }
    }

    #[test]
    fn string_booleans_are_accepted_and_reported() {
        let validated = create(json!({
            "schemas": [USER_SCHEMA], "userName": "a", "active": "False",
            "roles": [{"value": "admin", "primary": "True"}]
        }));
        let (resource, tolerances) = validated
            .map(|v| (v.resource, v.tolerances))
            .unwrap_or_default();
        assert_eq!(resource["active"], json!(false));
        assert_eq!(
            resource["roles"],
            json!([{"value": "admin", "primary": true}])
        );
        let shown: Vec<String> = tolerances.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "`active`: read the string \"False\" as a boolean",
                "`roles[0].primary`: read the string \"True\" as a boolean"
            ]
        );
    }

    #[test]
    fn two_primaries_are_invalid_value() {
        let (scim_type, detail) = error_of(create(json!({
            "schemas": [USER_SCHEMA], "userName": "a",
            "emails": [{"value": "a@x", "primary": true}, {"value": "b@x", "primary": true}]
        })));
        assert_eq!(scim_type, Some(ScimType::InvalidValue));
        assert!(detail.contains("at most one"), "{detail}");
    }

    #[test]
    fn unknown_attributes_and_schemas_are_dropped_and_reported() {
        let body = json!({
            "schemas": [GROUP_SCHEMA, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "displayName": "displayName",
            "externalId": "8aa1a0c0",
            "colour": "blue",
            "members": [{"value": "u1", "$ref": null, "nickname": "x"}],
            "meta": {"resourceType": "Group"}
        });
        let validated = validate_for_write(&body, &ResourceSchema::group(), WriteMode::Create);
        let (resource, tolerances) = validated
            .map(|v| (v.resource, v.tolerances))
            .unwrap_or_default();
        assert_eq!(
            resource,
            json!({
                "schemas": [GROUP_SCHEMA],
                "displayName": "displayName",
                "externalId": "8aa1a0c0",
                "members": [{"value": "u1"}]
            })
        );
        let shown: Vec<String> = tolerances.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "`schemas`: unknown schema `http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group` ignored",
                "`colour`: not defined by the schema; ignored",
                "`members[0].nickname`: not defined by the schema; ignored",
            ]
        );
    }

    #[test]
    fn extension_data_is_kept_and_its_urn_listed() {
        let validated = create(json!({
            "schemas": [USER_SCHEMA],
            "userName": "a",
            ENTERPRISE_USER_SCHEMA: {"Department": "Tour", "manager": {"value": "26118915", "displayName": "ignored"}}
        }));
        let (resource, tolerances) = validated
            .map(|v| (v.resource, v.tolerances))
            .unwrap_or_default();
        assert_eq!(
            resource,
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "userName": "a",
                ENTERPRISE_USER_SCHEMA: {"department": "Tour", "manager": {"value": "26118915"}}
            })
        );
        assert_eq!(
            tolerances,
            [WriteTolerance::UndeclaredExtension {
                urn: ENTERPRISE_USER_SCHEMA.to_owned()
            }]
        );
    }

    #[test]
    fn date_times_are_checked() {
        assert!(is_date_time("2015-02-23T08:30:00Z"));
        assert!(is_date_time("2015-02-23T08:30:00.123+05:30"));
        for bad in [
            "2015-02-23",
            "2015-13-01T00:00:00Z",
            "2015-02-23T08:30:00",
            "yesterday",
            "",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn replace_keeps_write_only_values_and_protects_immutable_ones() {
        let mut schema = ResourceSchema::user();
        if let Some(external_id) = schema
            .core
            .attributes
            .iter_mut()
            .find(|a| a.name == "userName")
        {
            external_id.mutability = Mutability::Immutable;
        }
        let current =
            json!({"schemas": [USER_SCHEMA], "id": "1", "userName": "a", "password": "secret"});
        let put = |body: Value| {
            validate_for_write(&body, &schema, WriteMode::Replace { current: &current })
                .map(|v| v.resource)
        };
        assert_eq!(
            put(json!({"schemas": [USER_SCHEMA], "userName": "a", "displayName": "A"})),
            Ok(
                json!({"schemas": [USER_SCHEMA], "userName": "a", "displayName": "A", "password": "secret"})
            )
        );
        assert_eq!(
            put(json!({"schemas": [USER_SCHEMA], "userName": "b"})).map_err(|e| e.scim_type),
            Err(Some(ScimType::Mutability))
        );
    }

    fn stored_user() -> Value {
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "id": "2819c223",
            "userName": "bjensen",
            "password": "t1meMa$heen",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "b@example.com", "type": "work"}],
            "meta": {"resourceType": "User"},
            ENTERPRISE_USER_SCHEMA: {"employeeNumber": "701984", "department": "Tour"}
        })
    }

    #[test]
    fn default_projection_never_shows_the_password() {
        let projected = project(&stored_user(), &ResourceSchema::user(), &[], &[]);
        let mut expected = stored_user();
        if let Some(map) = expected.as_object_mut() {
            map.shift_remove("password");
        }
        assert_eq!(projected, expected);
    }

    #[test]
    fn attributes_select_sub_attributes_and_urn_paths_and_keep_id() {
        let projected = project(
            &stored_user(),
            &ResourceSchema::user(),
            &[
                path("name.familyName"),
                path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
                path("password"),
            ],
            &[],
        );
        assert_eq!(
            projected,
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "id": "2819c223",
                "name": {"familyName": "Jensen"},
                ENTERPRISE_USER_SCHEMA: {"department": "Tour"}
            })
        );
    }

    #[test]
    fn excluded_attributes_cannot_remove_id() {
        let projected = project(
            &stored_user(),
            &ResourceSchema::user(),
            &[],
            &[
                path("id"),
                path("emails"),
                path("name.givenName"),
                path("meta"),
                path(ENTERPRISE_USER_SCHEMA),
            ],
        );
        assert_eq!(
            projected,
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "id": "2819c223",
                "userName": "bjensen",
                "name": {"familyName": "Jensen"}
            })
        );
    }

    #[test]
    fn a_sub_attribute_path_projects_every_element_of_a_multi_valued_attribute() {
        let projected = project(
            &stored_user(),
            &ResourceSchema::user(),
            &[path("EMAILS.VALUE")],
            &[],
        );
        assert_eq!(
            projected,
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "id": "2819c223",
                "emails": [{"value": "b@example.com"}]
            })
        );
    }

    #[test]
    fn a_urn_only_attribute_path_selects_the_whole_extension() {
        let projected = project(
            &stored_user(),
            &ResourceSchema::user(),
            &[AttrPath {
                urn: Some(ENTERPRISE_USER_SCHEMA.to_owned()),
                name: String::new(),
                sub: None,
            }],
            &[],
        );
        assert_eq!(
            projected,
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                "id": "2819c223",
                ENTERPRISE_USER_SCHEMA: {"employeeNumber": "701984", "department": "Tour"}
            })
        );
    }
}
