//! A slot: where one cell's value goes in a resource, how its text is typed, and how it is
//! read, written and cleared in a resource's JSON; it knows nothing of columns or headers.

use super::*;

/// Where a value goes in a resource: an attribute path, with what the schema says about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// The path, as shown in plans and diffs (`emails[type eq "work"].value`).
    pub path: String,
    /// The extension URN the attribute lives under; `None` for the core schema.
    pub(super) urn: Option<String>,
    /// The top-level attribute, in the schema's spelling when it knows it.
    pub(super) name: String,
    /// For a value-filtered path: the sub-attributes that identify the element (`type: work`).
    pub(super) element: Option<Vec<(String, Value)>>,
    /// The sub-attribute written (`givenName`, `value`).
    pub(super) sub: Option<String>,
    /// The type of the value written.
    pub(super) attr_type: AttrType,
    /// Whether the top-level attribute is multi-valued.
    pub(super) multi_valued: bool,
}

impl Slot {
    /// Reads a SCIM path into a slot. Value filters may only pick an element by equality
    /// (`emails[type eq "work"]`): anything else names no single element to write.
    pub fn parse(text: &str, schema: &ResourceSchema) -> Result<Slot, String> {
        let path = parse_patch_path(text.trim()).map_err(|d| d.message)?;
        let (attr, element, sub) = match path {
            PatchPath::Attr(attr) => {
                let sub = attr.sub.clone();
                (AttrPath { sub: None, ..attr }, None, sub)
            }
            PatchPath::Filtered { attr, filter, sub } => {
                let mut fields = Vec::new();
                equalities(&filter, &mut fields)
                    .map_err(|()| "only `eq` and `and` can select an element".to_owned())?;
                (attr, Some(fields), sub)
            }
        };
        let top = schema.resolve(&attr);
        let target = schema.resolve(&AttrPath {
            sub: sub.clone(),
            ..attr.clone()
        });
        let urn = match (top, &attr.urn) {
            (Some(resolved), _) if resolved.is_extension => Some(resolved.schema.id.clone()),
            (Some(_), _) => None,
            (None, Some(urn)) if !urn.eq_ignore_ascii_case(&schema.core.id) => Some(urn.clone()),
            (None, _) => None,
        };
        let multi_valued = top.is_some_and(|r| r.attribute.multi_valued);
        let name = top.map_or(attr.name.clone(), |r| r.attribute.name.clone());
        let sub = match (sub, target.and_then(|r| r.sub_attribute)) {
            (Some(_), Some(known)) => Some(known.name.clone()),
            (sub, _) => sub,
        };
        let slot = Slot {
            path: String::new(),
            urn,
            name,
            element,
            sub,
            attr_type: target.map_or(AttrType::String, |r| r.target().attr_type),
            multi_valued,
        };
        Ok(Slot {
            path: slot.render(),
            ..slot
        })
    }

    /// The canonical text of the path.
    fn render(&self) -> String {
        let mut text = String::new();
        if let Some(urn) = &self.urn {
            text.push_str(urn);
            text.push(':');
        }
        text.push_str(&self.name);
        if let Some(fields) = &self.element {
            let filter: Vec<String> = fields
                .iter()
                .map(|(key, value)| format!("{key} eq {value}"))
                .collect();
            text.push('[');
            text.push_str(&filter.join(" and "));
            text.push(']');
        }
        if let Some(sub) = &self.sub {
            text.push('.');
            text.push_str(sub);
        }
        text
    }

    /// Whether two slots write the same place.
    pub(super) fn same_target(&self, other: &Slot) -> bool {
        self.path.eq_ignore_ascii_case(&other.path)
    }

    /// Whether the slot holds an email address.
    pub fn is_email(&self) -> bool {
        self.urn.is_none()
            && self.name.eq_ignore_ascii_case("emails")
            && self
                .sub
                .as_deref()
                .is_some_and(|sub| sub.eq_ignore_ascii_case("value"))
    }

    /// The extension URN the attribute lives under, if any.
    pub fn urn(&self) -> Option<&str> {
        self.urn.as_deref()
    }

    /// The top-level attribute's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The sub-attribute, if any.
    pub fn sub(&self) -> Option<&str> {
        self.sub.as_deref()
    }

    /// Whether the slot is one element of a multi-valued attribute (or a sub-attribute of
    /// one): changing it means sending the attribute's whole list.
    pub fn in_list(&self) -> bool {
        self.element.is_some() || (self.multi_valued && self.sub.is_some())
    }

    /// The value a cell's text stands for, by the attribute's type. Booleans take the
    /// spellings exports use; `inverted` reads them the other way round.
    pub fn value_of(&self, text: &str, inverted: bool) -> Result<Value, String> {
        let value = match self.attr_type {
            AttrType::Boolean => {
                let yes = parse_boolean(text).ok_or_else(|| {
                    format!(
                        "`{text}` is not a boolean (use true/false, yes/no, 1/0 or active/inactive)"
                    )
                })?;
                Value::Bool(yes != inverted)
            }
            AttrType::Integer => text
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("`{text}` is not an integer"))?,
            AttrType::Decimal => text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| format!("`{text}` is not a number"))?,
            AttrType::DateTime => {
                chrono::DateTime::parse_from_rfc3339(text).map_err(|_| {
                    format!("`{text}` is not a date and time such as 2026-01-31T09:00:00Z")
                })?;
                Value::from(text)
            }
            AttrType::Complex => {
                let json: Value = serde_json::from_str(text)
                    .ok()
                    .filter(|v: &Value| v.is_object() || v.is_array())
                    .ok_or_else(|| {
                        format!("`{}` is complex: its cells must be JSON, such as {{\"value\":\"...\"}}", self.path)
                    })?;
                json
            }
            AttrType::String | AttrType::Binary | AttrType::Reference => Value::from(text),
        };
        if self.is_email() && !is_email_address(text) {
            return Err(format!("`{text}` is not an email address"));
        }
        if self.multi_valued && !self.in_list() && !value.is_array() {
            return Ok(Value::Array(vec![value]));
        }
        Ok(value)
    }

    /// The value `resource` holds at this slot; `None` when absent or null.
    pub fn read<'a>(&self, resource: &'a Value) -> Option<&'a Value> {
        let container = self.container(resource)?;
        let top = get_ci(container.as_object()?, &self.name)?;
        let found = if self.in_list() {
            let element = top.as_array()?.iter().find(|item| self.selects(item))?;
            get_ci(element.as_object()?, self.sub.as_deref().unwrap_or("value"))?
        } else {
            match &self.sub {
                Some(sub) => get_ci(top.as_object()?, sub)?,
                None => top,
            }
        };
        (!found.is_null()).then_some(found)
    }

    /// Writes `value` at this slot of `resource` (a JSON object), creating what is missing.
    pub fn write(&self, resource: &mut Value, value: Value) {
        let Some(container) = self.container_mut(resource) else {
            return;
        };
        if self.in_list() {
            let Some(list) = array_entry(container, &self.name) else {
                return;
            };
            let index = match list.iter().position(|item| self.selects(item)) {
                Some(index) => index,
                None => {
                    let fields = self.element.clone().unwrap_or_default();
                    list.push(Value::Object(fields.into_iter().collect()));
                    list.len() - 1
                }
            };
            if let Some(Value::Object(element)) = list.get_mut(index) {
                insert_ci(element, self.sub.as_deref().unwrap_or("value"), value);
            }
            return;
        }
        match &self.sub {
            Some(sub) => {
                if let Some(Value::Object(parent)) = object_entry(container, &self.name) {
                    insert_ci(parent, sub, value);
                }
            }
            None => {
                if let Value::Object(object) = container {
                    insert_ci(object, &self.name, value);
                }
            }
        }
    }

    /// Clears this slot of `resource`: the attribute, the sub-attribute, or the whole element
    /// of a list (an email without its address means nothing).
    pub fn clear(&self, resource: &mut Value) {
        let Some(Value::Object(container)) = self.container_mut(resource) else {
            return;
        };
        let Some(key) = find_key_ci(container, &self.name).map(str::to_owned) else {
            return;
        };
        if self.in_list() {
            if let Some(Value::Array(list)) = container.get_mut(&key) {
                list.retain(|item| !self.selects(item));
                if list.is_empty() {
                    container.shift_remove(&key);
                }
            }
            return;
        }
        match &self.sub {
            Some(sub) => {
                if let Some(Value::Object(parent)) = container.get_mut(&key)
                    && let Some(sub_key) = find_key_ci(parent, sub).map(str::to_owned)
                {
                    parent.shift_remove(&sub_key);
                }
            }
            None => {
                container.shift_remove(&key);
            }
        }
    }

    /// Whether a list element is the one this slot names (by its identifying fields, compared
    /// without case, as `eq` compares caseExact-false strings); a slot without a filter names
    /// the first element.
    fn selects(&self, item: &Value) -> bool {
        let Some(object) = item.as_object() else {
            return false;
        };
        self.element
            .iter()
            .flatten()
            .all(|(key, wanted)| match (get_ci(object, key), wanted) {
                (Some(Value::String(have)), Value::String(want)) => have.eq_ignore_ascii_case(want),
                (Some(have), want) => have == want,
                (None, _) => false,
            })
    }

    fn container<'a>(&self, resource: &'a Value) -> Option<&'a Value> {
        match &self.urn {
            Some(urn) => get_ci(resource.as_object()?, urn),
            None => Some(resource),
        }
    }

    fn container_mut<'a>(&self, resource: &'a mut Value) -> Option<&'a mut Value> {
        match &self.urn {
            Some(urn) => object_entry(resource, urn),
            None => Some(resource),
        }
    }
}

/// Boolean spellings of exports and HR systems.
fn parse_boolean(text: &str) -> Option<bool> {
    match text.to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "active" | "enabled" | "on" => Some(true),
        "false" | "no" | "n" | "0" | "inactive" | "disabled" | "off" => Some(false),
        _ => None,
    }
}

/// A plausible address: one `@`, something on each side, a dot in the domain, no spaces or
/// list separators. Servers check more; this catches the usual CSV slips.
fn is_email_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, ',' | ';' | '<' | '>'))
}

/// The `eq` comparisons joined by `and` of an element filter.
fn equalities(filter: &Filter, fields: &mut Vec<(String, Value)>) -> Result<(), ()> {
    match filter {
        Filter::Compare(path, CompareOp::Eq, value) if path.sub.is_none() => {
            let value = match value {
                CompValue::String(s) => Value::from(s.as_str()),
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Number(n) => Value::Number(n.clone()),
                CompValue::Null => Value::Null,
            };
            fields.push((path.name.clone(), value));
            Ok(())
        }
        Filter::And(a, b) => {
            equalities(a, fields)?;
            equalities(b, fields)
        }
        _ => Err(()),
    }
}

/// Inserts under the key that names `key` case-insensitively, or under `key`.
fn insert_ci(object: &mut Map<String, Value>, key: &str, value: Value) {
    let key = find_key_ci(object, key).unwrap_or(key).to_owned();
    object.insert(key, value);
}

/// The object under `key` (case-insensitively), made one if it is missing or not an object.
fn object_entry<'a>(target: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    let object = target.as_object_mut()?;
    let key = find_key_ci(object, key).unwrap_or(key).to_owned();
    let slot = object.entry(key).or_insert(Value::Null);
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    Some(slot)
}

/// The list under `key` (case-insensitively), made one if it is missing or not a list.
fn array_entry<'a>(target: &'a mut Value, key: &str) -> Option<&'a mut Vec<Value>> {
    let object = target.as_object_mut()?;
    let key = find_key_ci(object, key).unwrap_or(key).to_owned();
    let slot = object.entry(key).or_insert(Value::Null);
    if !slot.is_array() {
        *slot = Value::Array(Vec::new());
    }
    slot.as_array_mut()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::mapping::aliases::ENTERPRISE_DEPARTMENT;
    use crate::import::mapping::tests::*;
    use serde_json::json;

    #[test]
    fn slots_read_write_and_clear_what_the_server_holds() {
        let schema = ResourceSchema::user();
        let work = Slot::parse(r#"emails[type eq "work"].value"#, &schema).unwrap();
        let given = Slot::parse("name.givenName", &schema).unwrap();
        let department = Slot::parse(ENTERPRISE_DEPARTMENT, &schema).unwrap();
        let mut user = json!({
            "userName": "b",
            "Emails": [{"Type": "Work", "value": "old@x.org", "primary": true}, {"type": "home", "value": "h@x.org"}],
            "name": {"givenName": "B"},
        });
        assert_eq!(work.read(&user), Some(&json!("old@x.org")));
        assert_eq!(department.read(&user), None);
        work.write(&mut user, json!("new@x.org"));
        department.write(&mut user, json!("Tour"));
        given.clear(&mut user);
        assert_eq!(
            user,
            json!({
                "userName": "b",
                "Emails": [{"Type": "Work", "value": "new@x.org", "primary": true}, {"type": "home", "value": "h@x.org"}],
                "name": {},
                ENTERPRISE: {"department": "Tour"}
            })
        );
        work.clear(&mut user);
        assert_eq!(
            user["Emails"],
            json!([{"type": "home", "value": "h@x.org"}])
        );
        assert!(Slot::parse(r#"emails[value co "x"].type"#, &schema).is_err());
    }
}
