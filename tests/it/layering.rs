//! The module layering the crate doc (`src/lib.rs`) describes, checked by reading the sources,
//! and the habits that keep modules small enough to read: sizes and opening module docs.
//!
//! The protocol core stays pure (no I/O, no async, no terminal), each edge crate has exactly one
//! home, and the server is never graded by code that shares its assumptions. Comment lines are
//! ignored, so a doc comment may name what a module avoids. Modules that do not exist yet satisfy
//! every rule about them.

use std::fs;
use std::path::Path;

/// One source file: its path relative to the crate root (with `/`), its code with comment
/// lines blanked out (line numbers preserved), and its text as written.
struct Source {
    path: String,
    code: String,
    text: String,
}

/// Something a module must not mention.
#[derive(Clone, Copy)]
enum Needle {
    /// An identifier such as a crate name, matched on identifier boundaries.
    Word(&'static str),
    /// `parent::child`, also when imported from a group: `use parent::{io, child};`.
    Path(&'static str, &'static str),
    /// A macro invocation such as `println!`.
    Macro(&'static str),
}

impl std::fmt::Display for Needle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Needle::Word(word) => write!(f, "`{word}`"),
            Needle::Path(parent, child) => write!(f, "`{parent}::{child}`"),
            Needle::Macro(name) => write!(f, "`{name}!`"),
        }
    }
}

/// Everything the pure modules must not touch: network, async runtimes, files, the terminal.
const IMPURE: &[Needle] = &[
    Needle::Word("reqwest"),
    Needle::Word("tokio"),
    Needle::Word("axum"),
    Needle::Path("std", "fs"),
    Needle::Path("std", "net"),
    Needle::Word("indicatif"),
    Needle::Word("comfy_table"),
    Needle::Word("clap"),
];

/// What else the pure modules must not touch: the terminal, the process's streams, its
/// environment and other processes. They return values; the edges print and read.
const EFFECTS: &[Needle] = &[
    Needle::Macro("print"),
    Needle::Macro("println"),
    Needle::Macro("eprint"),
    Needle::Macro("eprintln"),
    Needle::Macro("dbg"),
    Needle::Path("std", "io"),
    Needle::Path("std", "env"),
    Needle::Path("std", "process"),
];

/// The pure modules: the protocol core and the parts of other modules that only compute.
fn is_pure(path: &str) -> bool {
    path.starts_with("src/scim/")
        || path.starts_with("src/findings/")
        || path.starts_with("src/doctor/")
        || path.starts_with("src/lint/")
        || path.starts_with("src/suite/")
        || path.starts_with("src/replay/")
        || path == "src/serve/store.rs"
        || path.starts_with("src/serve/store/")
        || path.starts_with("src/import/mapping/")
        || path.starts_with("src/import/plan/")
}

fn is_under(path: &str, module: &str) -> bool {
    path.starts_with(&format!("src/{module}/")) || path == format!("src/{module}.rs")
}

fn is_ident_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Byte offsets where `word` occurs in `code` as a whole identifier.
fn word_offsets(code: &str, word: &str) -> Vec<usize> {
    let bytes = code.as_bytes();
    code.match_indices(word)
        .map(|(start, _)| start)
        .filter(|&start| {
            let before_ok = start == 0 || !is_ident_byte(bytes[start - 1]);
            let after = start + word.len();
            let after_ok = after >= bytes.len() || !is_ident_byte(bytes[after]);
            before_ok && after_ok
        })
        .collect()
}

/// The first identifier of each top-level item of the `{...}` group that starts at `open`.
fn group_heads(code: &str, open: usize) -> Vec<&str> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut item_start = open + 1;
    for (offset, ch) in code[open..].char_indices() {
        let at = open + offset;
        match ch {
            '{' => depth += 1,
            '}' | ',' if depth == 1 => {
                let head = code[item_start..at]
                    .trim_start()
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or("");
                heads.push(head);
                item_start = at + 1;
                if ch == '}' {
                    break;
                }
            }
            '}' => depth -= 1,
            _ => {}
        }
    }
    heads
}

/// Byte offsets where `needle` occurs in `code`.
fn needle_offsets(code: &str, needle: Needle) -> Vec<usize> {
    match needle {
        Needle::Word(word) => word_offsets(code, word),
        Needle::Macro(name) => word_offsets(code, name)
            .into_iter()
            .filter(|&start| code[start + name.len()..].starts_with('!'))
            .collect(),
        Needle::Path(parent, child) => word_offsets(code, parent)
            .into_iter()
            .filter(|&start| {
                let rest = code[start + parent.len()..].trim_start();
                let Some(rest) = rest.strip_prefix("::") else {
                    return false;
                };
                let rest = rest.trim_start();
                if rest.starts_with('{') {
                    let open = code.len() - rest.len();
                    group_heads(code, open).contains(&child)
                } else {
                    word_offsets(rest, child).first() == Some(&0)
                }
            })
            .collect(),
    }
}

fn line_of(code: &str, offset: usize) -> usize {
    code[..offset].matches('\n').count() + 1
}

/// Blanks out comment lines (`//`, `///`, `//!`) so prose may name what the code avoids.
fn without_comment_lines(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.trim_start().starts_with("//") {
                ""
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn collect_sources(dir: &Path, root: &Path, into: &mut Vec<Source>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|err| panic!("cannot list {}: {err}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect_sources(&path, root, into);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
            let relative = path.strip_prefix(root).expect("under the crate root");
            let path = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            into.push(Source {
                path,
                code: without_comment_lines(&text),
                text,
            });
        }
    }
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    collect_sources(&root.join("src"), root, &mut sources);
    assert!(
        sources.iter().any(|s| s.path == "src/lib.rs"),
        "found no src/lib.rs: the scan is looking in the wrong place"
    );
    sources
}

/// Every mention of any of `needles` in the files `applies` selects, as `path:line: needle`.
fn violations(applies: impl Fn(&str) -> bool, needles: &[Needle]) -> Vec<String> {
    let mut found = Vec::new();
    for source in sources().iter().filter(|s| applies(&s.path)) {
        for &needle in needles {
            for offset in needle_offsets(&source.code, needle) {
                let line = line_of(&source.code, offset);
                found.push(format!("{}:{line}: mentions {needle}", source.path));
            }
        }
    }
    found
}

fn assert_none(rule: &str, found: Vec<String>) {
    assert!(found.is_empty(), "{rule}:\n  {}", found.join("\n  "));
}

#[test]
fn pure_modules_touch_no_network_runtime_file_or_terminal() {
    assert_none(
        "the pure modules (src/scim/, src/findings/, src/lint/, src/doctor/, src/suite/, \
         src/replay/, src/serve/store, src/import/{mapping,plan}) \
         must do no I/O, no async and no terminal work",
        violations(is_pure, IMPURE),
    );
}

#[test]
fn pure_modules_neither_print_nor_read_the_process_environment() {
    assert_none(
        "the pure modules (src/scim/, src/findings/, src/lint/, src/doctor/, src/suite/, \
         src/replay/, src/serve/store, src/import/{mapping,plan}) \
         must not print, use std::io, read std::env or start processes",
        violations(is_pure, EFFECTS),
    );
}

#[test]
fn only_the_client_imports_reqwest() {
    assert_none(
        "only src/client/ may use reqwest (the HTTP edge)",
        violations(|p| !is_under(p, "client"), &[Needle::Word("reqwest")]),
    );
}

/// The app modules that are not argument handling: they take the option types the argument
/// handling built (a session, a connection, test options) and never read clap's structs.
fn is_app_beyond_arguments(path: &str) -> bool {
    [
        "src/app/session.rs",
        "src/app/test.rs",
        "src/app/kind.rs",
        "src/app/input.rs",
    ]
    .contains(&path)
        || path.starts_with("src/app/session/")
        || path.starts_with("src/app/test/")
}

/// Whether `path` is argument handling: `src/cli/` itself, `src/main.rs`, and the app modules
/// that turn arguments into options (every one but [`is_app_beyond_arguments`]).
fn handles_arguments(path: &str) -> bool {
    is_under(path, "cli")
        || path == "src/main.rs"
        || (is_under(path, "app") && !is_app_beyond_arguments(path))
}

#[test]
fn only_argument_handling_sees_clap_and_the_command_line_types() {
    assert_none(
        "clap and its argument types (src/cli/) are seen by argument handling only: config.rs, \
         the core, the client, the runner, the reports, output/ and the app's sessions and \
         `scimctl test` take option types instead",
        violations(
            |p| !handles_arguments(p),
            &[Needle::Path("crate", "cli"), Needle::Word("clap")],
        ),
    );
    assert_none(
        "src/main.rs may import clap's Parser to call `Cli::parse`, but defines no clap types",
        violations(
            |p| p == "src/main.rs",
            &[
                Needle::Word("derive"),
                Needle::Word("Args"),
                Needle::Word("Subcommand"),
                Needle::Word("ValueEnum"),
            ],
        ),
    );
}

#[test]
fn the_cli_layer_declares_types_and_holds_no_logic() {
    let mut found = Vec::new();
    for source in sources().iter().filter(|s| is_under(&s.path, "cli")) {
        let declarations = before_the_tests(&source.code);
        for needle in [Needle::Word("fn"), Needle::Word("impl")] {
            for offset in needle_offsets(declarations, needle) {
                let line = line_of(declarations, offset);
                found.push(format!("{}:{line}: mentions {needle}", source.path));
            }
        }
    }
    assert_none(
        "src/cli/ holds clap derive types and their help text only; what to do with the \
         arguments belongs in src/app/",
        found,
    );
}

/// The code above a file's `#[cfg(test)]` module (all of it when there is none).
fn before_the_tests(code: &str) -> &str {
    code.find("#[cfg(test)]").map_or(code, |at| &code[..at])
}

#[test]
fn only_the_output_layer_draws_tables_and_progress_bars() {
    assert_none(
        "only src/output/ may use comfy_table and indicatif (the terminal edge)",
        violations(
            |p| !is_under(p, "output"),
            &[Needle::Word("comfy_table"), Needle::Word("indicatif")],
        ),
    );
}

#[test]
fn the_server_and_the_conformance_runner_never_meet() {
    assert_none(
        "src/serve/ must not use the client or the runner: the tester is never graded by itself",
        violations(
            |p| is_under(p, "serve"),
            &[
                Needle::Path("crate", "client"),
                Needle::Path("crate", "runner"),
            ],
        ),
    );
    assert_none(
        "src/runner/ and src/replay/ must not use the server",
        violations(
            |p| is_under(p, "runner") || is_under(p, "replay"),
            &[Needle::Path("crate", "serve")],
        ),
    );
}

#[test]
fn the_runner_never_prints_nor_opens_files() {
    assert_none(
        "src/runner/ emits events and returns outcomes; reporters print, the app opens files",
        violations(
            |p| is_under(p, "runner"),
            &[
                Needle::Macro("print"),
                Needle::Macro("println"),
                Needle::Macro("eprint"),
                Needle::Macro("eprintln"),
                Needle::Macro("dbg"),
                Needle::Path("std", "fs"),
            ],
        ),
    );
}

/// The runner talks to the server through its own narrow trait, so that it can be tested
/// without HTTP and never reaches past what a check needs.
#[test]
fn the_runner_never_names_the_concrete_client() {
    assert_none(
        "src/runner/ reaches the server through the trait it owns, not `client::ScimClient`",
        violations(|p| is_under(p, "runner"), &[Needle::Word("ScimClient")]),
    );
}

#[test]
fn reporters_never_send_http() {
    assert_none(
        "src/report/ renders outcomes it is given; it never talks to a server",
        violations(
            |p| is_under(p, "report"),
            &[
                Needle::Path("crate", "client"),
                Needle::Word("tokio"),
                Needle::Word("axum"),
                Needle::Path("std", "net"),
            ],
        ),
    );
}

/// The scanner itself: each needle kind finds what it should and nothing else, so a rule that
/// passes above passes because the code is clean, not because the scan is blind.
#[test]
fn the_scanner_sees_grouped_imports_and_ignores_comments_and_longer_names() {
    let code = without_comment_lines(
        "//! no tokio here\nuse std::{\n    io,\n    fs::File,\n};\nlet tokio_like = 1;\n\
         use crate::{scim, client::Transport};\nprintln!(\"x\");\nlet printer = 2;",
    );
    assert_eq!(
        needle_offsets(&code, Needle::Word("tokio")),
        Vec::<usize>::new()
    );
    let fs_hits = needle_offsets(&code, Needle::Path("std", "fs"));
    assert_eq!(
        fs_hits
            .iter()
            .map(|&o| line_of(&code, o))
            .collect::<Vec<_>>(),
        [2]
    );
    assert!(needle_offsets(&code, Needle::Path("std", "net")).is_empty());
    assert_eq!(
        needle_offsets(&code, Needle::Path("crate", "client")).len(),
        1
    );
    assert!(needle_offsets(&code, Needle::Path("crate", "runner")).is_empty());
    assert_eq!(needle_offsets(&code, Needle::Macro("println")).len(), 1);
    assert!(needle_offsets(&code, Needle::Macro("print")).is_empty());
    assert_eq!(
        needle_offsets("use std::net::TcpListener;", Needle::Path("std", "net")),
        ["use ".len()]
    );
}

/// The most lines a source file may have.
const MAX_FILE_LINES: usize = 800;

/// The most lines a function may have, from its `fn` line to its closing brace.
const MAX_FUNCTION_LINES: usize = 100;

/// Data tables: files that are a list of definitions rather than logic, and may grow past the
/// limits as the standard they transcribe does.
const DATA_TABLES: &[&str] = &[
    // The RFC 7643 §8.7 schema definitions, attribute for attribute.
    "src/scim/schema/builtin.rs",
    // The catalogue of deviations: one entry (key, level, RFC section, IdP impact, fix) per
    // kind of finding, in one list so that no kind exists without its entry.
    "src/findings/catalogue.rs",
];

/// Each function of `text` longer than [`MAX_FUNCTION_LINES`], as `(name, first line, lines)`.
/// A function runs from its `fn` line to the first line that closes it at its own indentation;
/// a declaration without a body (a trait method) is not counted.
fn long_functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let Some(name) = function_name(trimmed) else {
            continue;
        };
        let indent = &line[..line.len() - trimmed.len()];
        let Some(open) = lines[start..]
            .iter()
            .position(|l| l.trim_end().ends_with('{') || l.trim_end().ends_with(';'))
        else {
            continue;
        };
        if lines[start + open].trim_end().ends_with(';') {
            continue;
        }
        let closing = format!("{indent}}}");
        if let Some(end) = lines[start..].iter().position(|l| *l == closing) {
            if end + 1 > MAX_FUNCTION_LINES {
                found.push((name.to_owned(), start + 1, end + 1));
            }
        }
    }
    found
}

/// The name of the function `line` (trimmed) declares, if it declares one.
fn function_name(line: &str) -> Option<&str> {
    let mut rest = line;
    for qualifier in [
        "pub(crate) ",
        "pub(super) ",
        "pub ",
        "const ",
        "async ",
        "unsafe ",
    ] {
        rest = rest.strip_prefix(qualifier).unwrap_or(rest);
    }
    let rest = rest.strip_prefix("fn ")?;
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Every source file and function that is over its limit.
fn oversized() -> Vec<String> {
    let mut found = Vec::new();
    for source in sources().iter() {
        if DATA_TABLES.contains(&source.path.as_str()) {
            continue;
        }
        let lines = source.text.lines().count();
        if lines > MAX_FILE_LINES {
            found.push(format!("{}: {lines} lines", source.path));
        }
        for (name, line, length) in long_functions(&source.text) {
            found.push(format!(
                "{}:{line}: fn {name} is {length} lines",
                source.path
            ));
        }
    }
    found
}

#[test]
fn files_and_functions_stay_small_enough_to_read() {
    assert_none(
        "a source file holds at most 800 lines and a function at most 100 (data tables \
         excepted); split along a seam, not at a line count",
        oversized(),
    );
}

/// What is wrong with the opening `//!` of `text`, if anything: it must be there, be at least
/// two lines, and say what the module does not do (a `not`, `no`, `never`, `only`, ...).
fn module_doc_problem(text: &str) -> Option<&'static str> {
    let opening: Vec<&str> = text
        .lines()
        .take_while(|line| line.starts_with("//!"))
        .map(|line| line.trim_start_matches("//!").trim())
        .take_while(|line| !line.is_empty())
        .collect();
    if opening.is_empty() {
        return Some("does not open with a `//!` module doc");
    }
    if opening.len() < 2 {
        return Some("opens with a one-line module doc: say what it owns and what it must not do");
    }
    let words = opening.join(" ").to_ascii_lowercase();
    let bounded = words
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '\'')
        .any(|word| {
            [
                "not", "no", "never", "nothing", "only", "without", "none", "neither", "nor",
            ]
            .contains(&word)
                || word.ends_with("n't")
        });
    (!bounded).then_some("opening module doc does not say what the module must not do")
}

/// Every source file whose opening module doc falls short, with what is wrong.
fn module_doc_problems() -> Vec<String> {
    sources()
        .iter()
        .filter_map(|s| module_doc_problem(&s.text).map(|why| format!("{}: {why}", s.path)))
        .collect()
}

#[test]
fn every_module_opens_with_what_it_owns_and_what_it_must_not_do() {
    assert_none(
        "every module opens with a `//!` paragraph of two lines or more: what it owns, and \
         what it must not do",
        module_doc_problems(),
    );
}

/// The measures themselves, on text made for them.
#[test]
fn the_size_and_doc_measures_see_what_they_should() {
    let long_body = "    x();\n".repeat(MAX_FUNCTION_LINES);
    let text = format!(
        "impl A {{\n    pub(crate) async fn long(&self) {{\n{long_body}    }}\n    fn declared();\n}}\n\
         fn short() {{\n}}\n"
    );
    assert_eq!(
        long_functions(&text),
        [("long".to_owned(), 2, MAX_FUNCTION_LINES + 2)]
    );
    assert_eq!(
        module_doc_problem("//! Reads files.\n\nuse x;"),
        Some("opens with a one-line module doc: say what it owns and what it must not do")
    );
    assert_eq!(
        module_doc_problem("//! Reads files,\n//! and prints them.\n"),
        Some("opening module doc does not say what the module must not do")
    );
    assert_eq!(
        module_doc_problem("//! Reads files; it never\n//! writes one.\n//!\n//! More.\n"),
        None
    );
    assert_eq!(
        module_doc_problem("use x;\n"),
        Some("does not open with a `//!` module doc")
    );
}
