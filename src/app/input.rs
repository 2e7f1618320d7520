//! What the user typed, checked before anything is sent: filters and paths parsed by the core
//! (an invalid one is exit 2 with a caret under the problem), `OP PATH [VALUE]` operations,
//! `--set PATH=VALUE` assignments, and JSON bodies from files or stdin. It sends nothing.

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use crate::exit::ExitError;
use crate::output::split_list;
use crate::scim::diag::Span;
use crate::scim::diag::{Diagnostic, snippet};
use crate::scim::dialect::PatchStep;
use crate::scim::filter::{ParseOptions, parse_filter_with};
use crate::scim::patch::PatchOpKind;
use crate::scim::path::{
    AttrPath, PatchPath, parse_attr_path, parse_patch_path_with, top_level_separators,
};
use crate::scim::resource::get_ci;
use crate::scim::schema::ResourceSchema;
use crate::scim::typing::{set_path, typed_value};

/// A usage error (exit 2) with `message`.
pub fn usage(message: impl std::fmt::Display) -> ExitError {
    ExitError::usage(message)
}

/// A usage error pointing into `input` with a caret, with the diagnostic's hint.
pub(crate) fn invalid(what: &str, input: &str, diagnostic: &Diagnostic) -> ExitError {
    let error = usage(format!(
        "invalid {what}: {}\n{}",
        diagnostic.message,
        snippet(input, diagnostic.span, None)
    ));
    match &diagnostic.hint {
        Some(hint) => error.with_hint(hint),
        None => error,
    }
}

/// The filter to send: `text` itself when it parses (leniently), its canonical form when it
/// needed a leniency (each noted through `warn`), and `text` untouched under `--raw`.
pub fn checked_filter(text: &str, raw: bool, warn: &dyn Fn(&str)) -> Result<String, ExitError> {
    if raw {
        return Ok(text.to_owned());
    }
    let parsed = parse_filter_with(text, ParseOptions::lenient())
        .map_err(|diagnostic| invalid("filter", text, &diagnostic))?;
    Ok(as_sent(
        text,
        &parsed.filter,
        &parsed.warnings,
        "filter",
        warn,
    ))
}

/// A PATCH path to send: checked like a filter, canonical only when a leniency was needed.
pub fn checked_patch_path(text: &str, raw: bool, warn: &dyn Fn(&str)) -> Result<String, ExitError> {
    if raw {
        return Ok(text.to_owned());
    }
    let parsed = parse_patch_path_with(text, ParseOptions::lenient())
        .map_err(|diagnostic| invalid("PATCH path", text, &diagnostic))?;
    Ok(as_sent(text, &parsed.path, &parsed.warnings, "path", warn))
}

/// What to send for `text`, which parsed as `parsed`: `text` itself, or the canonical form
/// when reading it needed the leniencies `warnings` (each noted through `warn`, with `what`).
fn as_sent(
    text: &str,
    parsed: &impl std::fmt::Display,
    warnings: &[Diagnostic],
    what: &str,
    warn: &dyn Fn(&str),
) -> String {
    if warnings.is_empty() {
        return text.to_owned();
    }
    let canonical = parsed.to_string();
    for diagnostic in warnings {
        warn(&format!("{what}: {}", diagnostic.message));
    }
    warn(&format!(
        "sending the {what} as `{canonical}` (--raw sends it as typed)"
    ));
    canonical
}

/// A comma-separated list of attribute paths (`--attributes`, `--excluded-attributes`), each
/// checked (RFC 7644 §3.4.2.5) unless `raw`.
pub fn attribute_list(text: &str, flag: &str, raw: bool) -> Result<Vec<String>, ExitError> {
    split_list(text)
        .into_iter()
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            if !raw {
                parse_attr_path(part)
                    .map_err(|diagnostic| invalid(&format!("{flag} path"), part, &diagnostic))?;
            }
            Ok(part.to_owned())
        })
        .collect()
}

/// An attribute path checked for `--sort-by`.
pub fn checked_attr_path(text: &str, flag: &str, raw: bool) -> Result<String, ExitError> {
    if !raw {
        parse_attr_path(text)
            .map_err(|diagnostic| invalid(&format!("{flag} path"), text, &diagnostic))?;
    }
    Ok(text.to_owned())
}

/// One `OP PATH [VALUE]` from the command line, before values are typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedOperation {
    pub op: PatchOpKind,
    pub path: String,
    /// The value as typed; `remove` has none.
    pub value: Option<String>,
}

/// Splits `add PATH VALUE replace PATH VALUE remove PATH ...` into operations.
pub fn split_operations(tokens: &[String]) -> Result<Vec<TypedOperation>, ExitError> {
    let mut operations = Vec::new();
    let mut rest = tokens;
    while let Some((op_word, after_op)) = rest.split_first() {
        let number = operations.len() + 1;
        let op = match op_word.to_ascii_lowercase().as_str() {
            "add" => PatchOpKind::Add,
            "replace" => PatchOpKind::Replace,
            "remove" => PatchOpKind::Remove,
            _ => {
                return Err(usage(format!(
                    "operation {number}: expected add, replace or remove, found `{op_word}`"
                ))
                .with_hint("operations are OP PATH [VALUE], e.g. `replace name.givenName Babs`"));
            }
        };
        let Some((path, after_path)) = after_op.split_first() else {
            return Err(usage(format!("operation {number} ({op_word}) has no path")));
        };
        let (value, next) = match op {
            PatchOpKind::Remove => (None, after_path),
            PatchOpKind::Add | PatchOpKind::Replace => match after_path.split_first() {
                Some((value, next)) => (Some(value.clone()), next),
                None => {
                    return Err(usage(format!(
                        "operation {number} ({op_word} {path}) has no value"
                    )));
                }
            },
        };
        operations.push(TypedOperation {
            op,
            path: path.clone(),
            value,
        });
        rest = next;
    }
    Ok(operations)
}

/// The operations with checked paths and values typed by `schema` (JSON accepted as is).
pub fn typed_operations(
    operations: &[TypedOperation],
    schema: &ResourceSchema,
    raw: bool,
    warn: &dyn Fn(&str),
) -> Result<Vec<PatchStep>, ExitError> {
    operations
        .iter()
        .enumerate()
        .map(|(index, operation)| {
            let path = checked_patch_path(&operation.path, raw, warn).map_err(|e| ExitError {
                error: e.error.context(format!("operation {}", index + 1)),
                ..e
            })?;
            let value = match &operation.value {
                Some(text) => Some(typed_value(schema, &parsed_path(&path)?, text).map_err(
                    |why| {
                        usage(format!(
                            "operation {} ({} {}): {why}",
                            index + 1,
                            operation.op.as_str(),
                            operation.path
                        ))
                    },
                )?),
                None => None,
            };
            Ok(PatchStep {
                op: operation.op,
                path: Some(path),
                value,
            })
        })
        .collect()
}

/// A path already checked (or sent raw) parsed for typing; a raw path that does not parse is
/// typed as an unknown attribute would be.
fn parsed_path(text: &str) -> Result<PatchPath, ExitError> {
    parse_patch_path_with(text, ParseOptions::lenient())
        .map(|parsed| parsed.path)
        .or_else(|_| {
            Ok(PatchPath::Attr(AttrPath {
                urn: None,
                name: text.to_owned(),
                sub: None,
            }))
        })
}

/// Splits `PATH=VALUE` at the first `=` outside brackets and quotes.
pub fn split_assignment(text: &str) -> Result<(&str, &str), ExitError> {
    if let Some(&index) = top_level_separators(text, '=').first() {
        return Ok((&text[..index], &text[index + 1..]));
    }
    Err(usage(format!("`--set {text}` has no `=`"))
        .with_hint("write --set PATH=VALUE, e.g. --set name.givenName=Babs"))
}

/// Reads a JSON document from `path`, or from stdin for `-`.
pub async fn read_json(path: &Path) -> Result<Value, ExitError> {
    let text = if path == Path::new("-") {
        read_stdin()
            .await
            .map_err(|e| usage(format!("cannot read stdin: {e}")))?
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?
    };
    let shown = if path == Path::new("-") {
        "stdin".to_owned()
    } else {
        path.display().to_string()
    };
    parse_json(&text, &shown)
}

/// Reads `path`, or stdin for `-`, synchronously; returns the text and the name to show.
pub fn read_text(path: &Path) -> Result<(String, String), ExitError> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| usage(format!("cannot read stdin: {e}")))?;
        return Ok((text, "stdin".to_owned()));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
    Ok((text, path.display().to_string()))
}

/// Parses JSON read from `shown`; an error names the line and column and puts a caret under
/// them.
pub fn parse_json(text: &str, shown: &str) -> Result<Value, ExitError> {
    serde_json::from_str(text).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        let message = e.to_string();
        let message = message
            .strip_suffix(&format!(" at line {line} column {column}"))
            .unwrap_or(&message);
        let source_line = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
        let mut at = column.saturating_sub(1).min(source_line.len());
        while !source_line.is_char_boundary(at) {
            at -= 1;
        }
        let caret = Diagnostic::new(message, Span::at(at)).render(source_line);
        usage(format!("{shown}:{line}:{column}: invalid JSON: {caret}"))
    })
}

/// All of stdin, read on a blocking thread: Ctrl-C (which the runtime handles, so the read
/// itself is not interrupted) must still end a command waiting for typed input.
async fn read_stdin() -> std::io::Result<String> {
    tokio::task::spawn_blocking(|| {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map(|_| text)
    })
    .await
    .map_err(std::io::Error::other)?
}

/// A request body: the file's object (or `skeleton`; the skeleton's `schemas` when the file has
/// none), then each flag's value, then each `--set` typed by `schema`. Later assignments win;
/// extension attributes go under their URN.
pub fn build_body(
    skeleton: Value,
    file: Option<Value>,
    flags: Vec<(&str, Value)>,
    sets: &[String],
    schema: &ResourceSchema,
) -> Result<Value, ExitError> {
    let mut body = file.unwrap_or_else(|| skeleton.clone());
    let Some(object) = body.as_object_mut() else {
        return Err(usage("the request body must be a JSON object"));
    };
    if get_ci(object, "schemas").is_none() {
        // `schemas` is REQUIRED (RFC 7643 §3); a hand-written body often leaves it out.
        if let Some(schemas) = skeleton.get("schemas") {
            object.insert("schemas".to_owned(), schemas.clone());
        }
    }
    for (path, value) in flags {
        let attr = parse_attr_path(path).map_err(|d| invalid("path", path, &d))?;
        assign(&mut body, schema, &attr, value)?;
    }
    for text in sets {
        let (path, raw_value) = split_assignment(text)?;
        let attr = parse_attr_path(path).map_err(|d| invalid("--set path", path, &d))?;
        let value = typed_value(schema, &PatchPath::Attr(attr.clone()), raw_value)
            .map_err(|why| usage(format!("--set {path}: {why}")))?;
        assign(&mut body, schema, &attr, value)?;
    }
    Ok(body)
}

fn assign(
    body: &mut Value,
    schema: &ResourceSchema,
    path: &AttrPath,
    value: Value,
) -> Result<(), ExitError> {
    set_path(body, schema, path, value).map_err(|why| usage(format!("cannot set {path}: {why}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Exit;
    use serde_json::json;

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn operations_take_a_value_except_remove() {
        let operations = split_operations(&words(
            "replace name.givenName Babs remove title add nickName B",
        ))
        .expect("valid");
        assert_eq!(
            operations,
            [
                TypedOperation {
                    op: PatchOpKind::Replace,
                    path: "name.givenName".into(),
                    value: Some("Babs".into())
                },
                TypedOperation {
                    op: PatchOpKind::Remove,
                    path: "title".into(),
                    value: None
                },
                TypedOperation {
                    op: PatchOpKind::Add,
                    path: "nickName".into(),
                    value: Some("B".into())
                },
            ]
        );
    }

    #[test]
    fn a_missing_value_or_an_unknown_op_is_a_usage_error() {
        let missing = split_operations(&words("replace title")).expect_err("no value");
        assert_eq!(missing.exit, Exit::Usage);
        assert!(missing.to_string().contains("has no value"), "{missing}");
        let unknown = split_operations(&words("set title x")).expect_err("bad op");
        assert!(
            unknown
                .to_string()
                .contains("expected add, replace or remove"),
            "{unknown}"
        );
    }

    #[test]
    fn an_invalid_filter_is_refused_with_a_caret() {
        let error = checked_filter("userName eqq \"x\"", false, &|_| {}).expect_err("invalid");
        assert_eq!(error.exit, Exit::Usage);
        let text = error.to_string();
        assert!(text.contains("invalid filter"), "{text}");
        assert!(text.contains("^^^"), "{text}");
        assert_eq!(
            checked_filter("userName eqq \"x\"", true, &|_| {}).expect("raw"),
            "userName eqq \"x\""
        );
    }

    #[test]
    fn a_lenient_filter_is_sent_in_canonical_form_with_a_warning() {
        let warnings = std::cell::RefCell::new(Vec::new());
        let sent = checked_filter("userName  eq \"x\"", false, &|w| {
            warnings.borrow_mut().push(w.to_owned())
        })
        .expect("lenient");
        assert_eq!(sent, "userName eq \"x\"");
        assert!(!warnings.borrow().is_empty());
        assert_eq!(
            checked_filter("userName eq \"x\"", false, &|_| panic!("no warning")).expect("valid"),
            "userName eq \"x\""
        );
    }

    #[test]
    fn assignments_split_at_the_first_equals_outside_a_filter() {
        assert_eq!(
            split_assignment("name.givenName=a=b").expect("valid"),
            ("name.givenName", "a=b")
        );
        assert_eq!(
            split_assignment(r#"emails[value eq "a=b"].type=work"#).expect("valid"),
            (r#"emails[value eq "a=b"].type"#, "work")
        );
        assert!(split_assignment("nothing").is_err());
    }

    #[test]
    fn a_body_from_flags_and_sets_is_typed_by_the_schema() {
        let body = build_body(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}),
            None,
            vec![
                ("userName", json!("bjensen")),
                ("name.givenName", json!("Barbara")),
            ],
            &[
                "active=false".to_owned(),
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department=Tour"
                    .to_owned(),
            ],
            &ResourceSchema::user(),
        )
        .expect("valid");
        assert_eq!(body["userName"], "bjensen");
        assert_eq!(body["name"]["givenName"], "Barbara");
        assert_eq!(body["active"], false);
        assert_eq!(
            body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
            "Tour"
        );
    }

    #[test]
    fn attribute_lists_are_checked() {
        assert_eq!(
            attribute_list("userName, name.givenName", "--attributes", false).expect("valid"),
            ["userName", "name.givenName"]
        );
        assert!(attribute_list("user name", "--attributes", false).is_err());
    }
}
