//! The module layering the crate doc (`src/lib.rs`) describes, checked by reading the sources.
//!
//! The protocol core stays pure (no I/O, no async, no terminal), each edge crate has exactly one
//! home, and the server is never graded by code that shares its assumptions. Comment lines are
//! ignored, so a doc comment may name what a module avoids. Modules that do not exist yet satisfy
//! every rule about them.

use std::fs;
use std::path::Path;

/// One source file: its path relative to the crate root (with `/`), and its code with comment
/// lines blanked out (line numbers preserved).
struct Source {
    path: String,
    code: String,
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

/// The pure modules: the protocol core and the parts of other modules that only compute.
fn is_pure(path: &str) -> bool {
    path.starts_with("src/scim/")
        || path.starts_with("src/findings/")
        || path.starts_with("src/lint/")
        || path.starts_with("src/suite/")
        || path == "src/serve/store.rs"
        || path.starts_with("src/serve/store/")
        || path == "src/import/mapping.rs"
        || path == "src/import/plan.rs"
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
        "the pure modules (src/scim/, src/findings/, src/lint/, src/suite/, src/serve/store, \
         src/import/{mapping,plan}) \
         must do no I/O, no async and no terminal work",
        violations(is_pure, IMPURE),
    );
}

#[test]
fn only_the_client_imports_reqwest() {
    assert_none(
        "only src/client/ may use reqwest (the HTTP edge)",
        violations(|p| !is_under(p, "client"), &[Needle::Word("reqwest")]),
    );
}

#[test]
fn only_the_cli_layer_uses_clap() {
    assert_none(
        "only src/cli/ may use clap (src/main.rs may only call `Cli::parse`)",
        violations(
            |p| !is_under(p, "cli") && p != "src/main.rs",
            &[Needle::Word("clap")],
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
        "src/runner/ must not use the server",
        violations(|p| is_under(p, "runner"), &[Needle::Path("crate", "serve")]),
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
