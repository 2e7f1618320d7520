//! A check's variables and the templating that uses them (`{{unique}}`, captures, seeded
//! `random.`/`uuid.` values). Pure: it never sends and knows nothing of steps or verdicts.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::{Map, Value};

use super::NAME_PREFIX;
use super::error::CheckError;
use crate::client::encode_component;
use crate::hash::stable_hash;
use crate::scim::percent::{QueryEncoding, encode};
use crate::suite::{Template, TemplatePart, UnknownVariable};

/// The variables of one check. Interior mutability lets built-in assertions generate values
/// while the answer they judge is borrowed.
#[derive(Debug)]
pub(crate) struct Vars {
    check_id: String,
    seed: u64,
    values: Mutex<HashMap<String, Value>>,
    /// Values generated for `{{uuid.X}}`/`{{random.X}}`: ids nobody owns, safe to address.
    generated: Mutex<HashSet<String>>,
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// FNV-1a of the parts, each followed by a NUL so that no two splits of a text collide.
fn hash_fields(parts: &[&[u8]]) -> u64 {
    let fields: Vec<&[u8]> = parts.iter().flat_map(|part| [*part, &[0u8][..]]).collect();
    stable_hash(&fields)
}

/// SplitMix64: spreads a hash into well-mixed bits.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The name prefix of everything a check creates: `scimctl-test-<run>-<8 hex digits of the
/// check id>`, the same on every run with the same run id.
pub(crate) fn unique_name(run_id: &str, check_id: &str) -> String {
    let hash = hash_fields(&[check_id.as_bytes()]) as u32;
    format!("{NAME_PREFIX}{run_id}-{hash:08x}")
}

impl Vars {
    /// The variables a check starts with: `unique` and `run_id`.
    pub fn new(run_id: &str, check_id: &str, seed: u64) -> Vars {
        let values = HashMap::from([
            (
                "unique".to_owned(),
                Value::String(unique_name(run_id, check_id)),
            ),
            ("run_id".to_owned(), Value::String(run_id.to_owned())),
        ]);
        Vars {
            check_id: check_id.to_owned(),
            seed,
            values: Mutex::new(values),
            generated: Mutex::new(HashSet::new()),
        }
    }

    /// Sets a variable (a capture).
    pub fn set(&self, name: &str, value: Value) {
        lock(&self.values).insert(name.to_owned(), value);
    }

    /// True when the variable has a value.
    pub fn has(&self, name: &str) -> bool {
        lock(&self.values).contains_key(name)
    }

    /// True for a value generated for `{{uuid.X}}` or `{{random.X}}`: an id nobody owns.
    pub fn generated(&self, text: &str) -> bool {
        lock(&self.generated).contains(text)
    }

    /// The value of a variable, generating `random.X` and `uuid.X` from the seed (the same
    /// value for the same seed, check and name).
    pub fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(value) = lock(&self.values).get(name) {
            return Some(value.clone());
        }
        let seed = self.seed.to_le_bytes();
        let base = hash_fields(&[&seed, self.check_id.as_bytes(), name.as_bytes()]);
        let text = if name.starts_with("random.") {
            format!("{:016x}", mix(base))
        } else if name.starts_with("uuid.") {
            let (high, low) = (mix(base), mix(base ^ 0x5555));
            format!(
                "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
                high >> 32,
                (high >> 16) & 0xffff,
                high & 0x0fff,
                0x8000 | (low >> 48) & 0x3fff,
                low & 0xffff_ffff_ffff
            )
        } else {
            return None;
        };
        lock(&self.generated).insert(text.clone());
        self.set(name, Value::String(text.clone()));
        Some(Value::String(text))
    }

    /// A generated id, `uuid.<name>`.
    pub fn uuid(&self, name: &str) -> String {
        self.lookup(&format!("uuid.{name}"))
            .as_ref()
            .map(text_of)
            .unwrap_or_default()
    }

    /// The template with every variable's text inserted.
    pub fn render(&self, template: &Template) -> Result<String, UnknownVariable> {
        template.render(|name| self.lookup(name).map(|value| text_of(&value)))
    }

    /// A path template, each variable percent-encoded as one path segment.
    pub fn render_path(&self, template: &Template) -> Result<String, UnknownVariable> {
        template.render(|name| {
            self.lookup(name)
                .map(|value| encode_component(&text_of(&value)))
        })
    }

    /// A request-target written as an identity provider writes it: each variable encoded as a
    /// path segment before the `?`, as `encoding` says after it; the literal text as it is.
    pub fn render_target(
        &self,
        template: &Template,
        encoding: QueryEncoding,
    ) -> Result<String, UnknownVariable> {
        let mut out = String::new();
        let mut in_query = false;
        for part in &template.parts {
            match part {
                TemplatePart::Literal(text) => {
                    in_query |= text.contains('?');
                    out.push_str(text);
                }
                TemplatePart::Variable(name) => {
                    let value = self
                        .lookup(name)
                        .ok_or_else(|| UnknownVariable(name.clone()))?;
                    let text = text_of(&value);
                    out.push_str(&match in_query {
                        true => encode(&text, encoding),
                        false => encode_component(&text),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Text that may hold variables (a selector's filter value), rendered.
    pub fn render_text(&self, text: &str) -> Result<String, CheckError> {
        let template =
            Template::parse(text).map_err(|(message, _)| CheckError::Template(message))?;
        Ok(self.render(&template)?)
    }

    /// Substitutes the templates inside a JSON value; a string that is one variable takes the
    /// variable's JSON value (a number, an object) rather than its text.
    pub fn render_json(&self, value: &Value) -> Result<Value, CheckError> {
        Ok(match value {
            Value::String(text) => {
                let template =
                    Template::parse(text).map_err(|(message, _)| CheckError::Template(message))?;
                match template.sole_variable() {
                    Some(name) => self
                        .lookup(name)
                        .ok_or_else(|| UnknownVariable(name.to_owned()))?,
                    None => Value::String(self.render(&template)?),
                }
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.render_json(item))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), self.render_json(v)?)))
                    .collect::<Result<Map<_, _>, CheckError>>()?,
            ),
            other => other.clone(),
        })
    }
}

/// A value as text: a string as it is, anything else as JSON.
pub(crate) fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn template(text: &str) -> Template {
        Template::parse(text).expect("a template")
    }

    #[test]
    fn unique_names_carry_the_run_and_differ_by_check() {
        let vars = Vars::new("r1", "a.check", 0);
        let unique = vars.lookup("unique").unwrap();
        assert!(unique.as_str().unwrap().starts_with("scimctl-test-r1-"));
        assert_eq!(unique_name("r1", "a.check"), unique.as_str().unwrap());
        assert_ne!(unique_name("r1", "a.check"), unique_name("r1", "b.check"));
    }

    #[test]
    fn generated_values_follow_the_seed_and_are_remembered_as_nobodys() {
        let vars = Vars::new("r", "c", 7);
        let uuid = vars.uuid("x");
        assert_eq!(uuid.len(), 36);
        assert_eq!(uuid.as_bytes()[14], b'4', "a version-4 shape");
        assert!(vars.generated(&uuid));
        assert_eq!(
            Vars::new("r", "c", 7).uuid("x"),
            uuid,
            "same seed, same value"
        );
        assert_ne!(Vars::new("r", "c", 8).uuid("x"), uuid);
        assert_eq!(vars.lookup("random.a"), vars.lookup("random.a"));
        assert_eq!(vars.lookup("nothing"), None);
    }

    #[test]
    fn paths_encode_variables_and_json_keeps_a_sole_variables_type() {
        let vars = Vars::new("r", "c", 0);
        vars.set("id", json!("a b/c"));
        vars.set("meta", json!({"version": "W/\"1\""}));
        assert_eq!(
            vars.render_path(&template("/Users/{{id}}")).unwrap(),
            "/Users/a%20b%2Fc"
        );
        assert_eq!(vars.render(&template("x-{{id}}")).unwrap(), "x-a b/c");
        assert_eq!(
            vars.render_json(&json!({"meta": "{{meta}}", "name": "n-{{id}}", "n": 1}))
                .unwrap(),
            json!({"meta": {"version": "W/\"1\""}, "name": "n-a b/c", "n": 1})
        );
        assert_eq!(
            vars.render_target(
                &template("/Users/{{id}}?filter=userName+eq+\"{{id}}\""),
                QueryEncoding::Form
            )
            .unwrap(),
            "/Users/a%20b%2Fc?filter=userName+eq+\"a+b%2Fc\""
        );
        let unknown = vars.render_json(&json!(["{{nope}}"])).unwrap_err();
        assert_eq!(unknown.to_string(), "unknown variable `{{nope}}`");
    }
}
