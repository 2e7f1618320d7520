//! The README against the command definition (`scimctl::cli::Cli`), the one source of `--help`,
//! the man pages and the shell completions, so that none of them drifts from what ships:
//! - the command table (the table headed `| Command |`) names every command, and nothing else;
//! - every command line the README shows (in its `sh` blocks, after a `$ ` prompt, in the
//!   table's examples) parses with the real CLI;
//! - every synopsis (a `text` block line starting `scimctl COMMAND [`) lists exactly the
//!   command's own flags, and each flag named in prose exists on its command;
//! - the exit-code table says what `--help` says.
//!
//! A new command therefore fails here until the README gives it a row.

use std::collections::BTreeSet;

use clap::{Command, CommandFactory, Parser};
use scimctl::cli::{Cli, EXIT_CODES};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md is readable")
}

/// The command tree as users see it, global options propagated, without `help`.
fn cli() -> Command {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    command
}

/// Every command a user can run, as its words after `scimctl` ("users list", "test cleanup"):
/// each one without subcommands, and each one that runs on its own as well (`test`).
fn runnable_commands(command: &Command, path: &[String], into: &mut BTreeSet<String>) {
    let has_subcommands = command.has_subcommands();
    if !path.is_empty() && (!has_subcommands || !command.is_subcommand_required_set()) {
        into.insert(path.join(" "));
    }
    for subcommand in command.get_subcommands() {
        let mut deeper = path.to_vec();
        deeper.push(subcommand.get_name().to_owned());
        runnable_commands(subcommand, &deeper, into);
    }
}

/// Whether `word` (`--wide`, `-o`) is an option of `command`, its own or a global one.
fn has_flag(command: &Command, word: &str) -> bool {
    command
        .get_arguments()
        .any(|arg| match word.strip_prefix("--") {
            Some(long) => {
                arg.get_long() == Some(long)
                    || arg.get_all_aliases().is_some_and(|a| a.contains(&long))
            }
            None => {
                word.len() == 2 && arg.get_short().map(String::from).as_deref() == Some(&word[1..])
            }
        })
}

fn is_flag(word: &str) -> bool {
    let name = word.strip_prefix("--").or_else(|| word.strip_prefix('-'));
    name.is_some_and(|n| n.starts_with(|c: char| c.is_ascii_alphabetic()))
}

/// A command line split as a POSIX shell would: words with quotes removed, one list per
/// command of a pipeline or list (`|`, `&&`, `;`, `&`), redirections and their targets dropped.
fn shell_commands(line: &str) -> Vec<Vec<String>> {
    let mut commands = vec![Vec::new()];
    let mut word: Option<String> = None;
    let mut redirect = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let text = word.get_or_insert_with(String::new);
                for quoted in chars.by_ref() {
                    if quoted == '\'' {
                        break;
                    }
                    text.push(quoted);
                }
            }
            '"' => {
                let text = word.get_or_insert_with(String::new);
                while let Some(quoted) = chars.next() {
                    match quoted {
                        '"' => break,
                        '\\' if matches!(chars.peek(), Some('"' | '\\' | '$')) => {
                            text.extend(chars.next());
                        }
                        other => text.push(other),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            '#' if word.is_none() => break,
            c if c.is_whitespace() => end_word(&mut word, &mut commands, &mut redirect),
            '|' | '&' | ';' => {
                end_word(&mut word, &mut commands, &mut redirect);
                while chars.next_if(|next| matches!(next, '|' | '&')).is_some() {}
                commands.push(Vec::new());
            }
            '>' | '<' => {
                end_word(&mut word, &mut commands, &mut redirect);
                while chars.next_if(|next| matches!(next, '>' | '&')).is_some() {}
                redirect = true;
            }
            other => word.get_or_insert_with(String::new).push(other),
        }
    }
    end_word(&mut word, &mut commands, &mut redirect);
    commands.retain(|command| !command.is_empty());
    commands
}

/// Ends the word being read: a command's next word, or the target of a redirection (dropped).
fn end_word(word: &mut Option<String>, commands: &mut [Vec<String>], redirect: &mut bool) {
    if let Some(done) = word.take() {
        if *redirect {
            *redirect = false;
        } else {
            commands.last_mut().expect("one command").push(done);
        }
    }
}

/// The arguments after `scimctl` of each scimctl command on a shell line (also
/// `target/release/scimctl`, after `VAR=value` assignments).
fn scimctl_invocations(line: &str) -> Vec<Vec<String>> {
    shell_commands(line)
        .into_iter()
        .filter_map(|words| {
            let mut words = words
                .into_iter()
                .skip_while(|w| w.contains('=') && !w.starts_with('-'));
            let program = words.next()?;
            (program == "scimctl" || program.ends_with("/scimctl")).then(|| words.collect())
        })
        .collect()
}

/// The README's fenced blocks as (language, lines), `\` continuations joined.
fn fenced_blocks(readme: &str) -> Vec<(String, Vec<String>)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, Vec<String>)> = None;
    for line in readme.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(language)) => open = Some((language.trim().to_owned(), Vec::new())),
            (Some(_), Some(_)) => blocks.extend(open.take()),
            (Some((_, lines)), None) => match lines.last_mut() {
                Some(last) if last.ends_with('\\') => {
                    last.pop();
                    last.push(' ');
                    last.push_str(line.trim_start());
                }
                _ => lines.push(line.to_owned()),
            },
            (None, None) => {}
        }
    }
    blocks
}

/// The code spans (`...`) of a piece of Markdown.
fn code_spans(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The rows of the table whose header's first cell is `Command`, as their cells (`\|` read as
/// `|`).
fn command_table(readme: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut lines = readme.lines().skip_while(|l| !l.starts_with("| Command |"));
    lines.next();
    for line in lines.skip(1).take_while(|l| l.starts_with('|')) {
        let cells = line
            .replace("\\|", "\u{0}")
            .trim_matches('|')
            .split('|')
            .map(|cell| cell.replace('\u{0}', "|").trim().to_owned())
            .collect();
        rows.push(cells);
    }
    rows
}

/// Follows the words of a command name from `scimctl` down; what is left over must be an option
/// of the command reached, a `PLACEHOLDER`, a value, or `...` (which stands for every subcommand
/// below). Returns the command path, the subcommands `...` stands for, and the problems found.
struct Walk {
    path: Vec<String>,
    covers_below: bool,
    problems: Vec<String>,
}

fn walk(root: &Command, from: &[String], words: &[String]) -> Walk {
    let mut path = from.to_vec();
    let mut command = subcommand_at(root, &path).expect("a known path");
    let mut walk = Walk {
        path: Vec::new(),
        covers_below: false,
        problems: Vec::new(),
    };
    for word in words {
        if let Some(sub) = command.find_subcommand(word) {
            command = sub;
            path.push(word.clone());
        } else if word == "..." {
            walk.covers_below = true;
        } else if is_flag(word) {
            let flag = word.split('=').next().unwrap_or(word);
            if !has_flag(command, flag) {
                walk.problems.push(format!(
                    "`scimctl {}` has no option `{flag}`",
                    path.join(" ")
                ));
            }
        }
    }
    walk.path = path;
    walk
}

fn subcommand_at<'a>(root: &'a Command, path: &[String]) -> Option<&'a Command> {
    path.iter()
        .try_fold(root, |command, name| command.find_subcommand(name))
}

#[test]
fn the_command_table_names_every_command_and_only_commands_that_exist() {
    let root = cli();
    let mut expected = BTreeSet::new();
    runnable_commands(&root, &[], &mut expected);
    let mut named = BTreeSet::new();
    let mut problems = Vec::new();
    let rows = command_table(&readme());
    assert!(
        !rows.is_empty(),
        "README.md has no table headed `| Command | ... |`"
    );
    for row in &rows {
        let mut previous: Vec<String> = Vec::new();
        for span in code_spans(&row[0]) {
            let words: Vec<String> = span.split_whitespace().map(str::to_owned).collect();
            // `users activate` / `deactivate`: a later span names a sibling, or adds options.
            let parent = &previous[..previous.len().saturating_sub(1)];
            let from = match words.first() {
                Some(first) if is_flag(first) => previous.clone(),
                Some(first)
                    if !previous.is_empty()
                        && subcommand_at(&root, parent)
                            .is_some_and(|p| p.find_subcommand(first).is_some()) =>
                {
                    parent.to_vec()
                }
                _ => Vec::new(),
            };
            let walked = walk(&root, &from, &words);
            if walked.path.is_empty() {
                problems.push(format!("`{span}` in the command table names no command"));
                continue;
            }
            problems.extend(walked.problems);
            let name = walked.path.join(" ");
            if walked.covers_below {
                named.extend(
                    expected
                        .iter()
                        .filter(|c| c.starts_with(&format!("{name} ")))
                        .cloned(),
                );
            }
            if !walked.covers_below || expected.contains(&name) {
                named.insert(name);
            }
            previous = walked.path;
        }
    }
    for missing in expected.difference(&named) {
        problems.push(format!("README's command table has no row for `{missing}`: add `| \\`{missing}\\` | \\`scimctl {missing} ...\\` |`"));
    }
    for unknown in named.difference(&expected) {
        problems.push(format!(
            "README's command table names `{unknown}`, which cannot be run"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_command_line_the_readme_shows_parses() {
    let readme = readme();
    let mut lines: Vec<String> = Vec::new();
    for (language, block) in fenced_blocks(&readme) {
        let shell = matches!(language.as_str(), "sh" | "bash" | "shell" | "console");
        for line in block {
            match line.trim_start().strip_prefix("$ ") {
                Some(command) => lines.push(command.to_owned()),
                None if shell => lines.push(line),
                None => {}
            }
        }
    }
    for row in command_table(&readme) {
        lines.extend(
            row.iter()
                .skip(1)
                .flat_map(|cell| code_spans(cell))
                .map(str::to_owned),
        );
    }
    let mut checked = 0;
    let mut problems = Vec::new();
    for line in &lines {
        for arguments in scimctl_invocations(line) {
            checked += 1;
            let argv = std::iter::once("scimctl".to_owned()).chain(arguments);
            if let Err(error) = Cli::try_parse_from(argv) {
                if !matches!(
                    error.kind(),
                    clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
                ) {
                    problems.push(format!(
                        "{line}\n  {}",
                        error
                            .render()
                            .to_string()
                            .lines()
                            .next()
                            .unwrap_or_default()
                    ));
                }
            }
        }
    }
    assert!(
        checked > 30,
        "only {checked} command lines found in README.md"
    );
    assert!(
        problems.is_empty(),
        "README command lines the CLI refuses:\n{}",
        problems.join("\n")
    );
}

/// The synopses: lines of `text` blocks that start with `scimctl COMMAND` and go on with `[`
/// (an option list), with the indented lines that continue them.
fn synopses(readme: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (language, block) in fenced_blocks(readme) {
        if language != "text" {
            continue;
        }
        let mut in_synopsis = false;
        for line in block {
            if line.starts_with("scimctl ") {
                found.push(line.clone());
                in_synopsis = true;
            } else if in_synopsis && line.starts_with(' ') {
                let last = found.last_mut().expect("a synopsis");
                last.push(' ');
                last.push_str(line.trim());
            } else {
                in_synopsis = false;
            }
        }
    }
    found
}

#[test]
fn each_synopsis_lists_exactly_the_options_of_its_command() {
    let root = cli();
    let mut listed: std::collections::BTreeMap<Vec<String>, BTreeSet<String>> = Default::default();
    let mut problems = Vec::new();
    for synopsis in synopses(&readme()) {
        let words: Vec<String> = synopsis
            .split(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | '|' | '(' | ')'))
            .filter(|w| !w.is_empty())
            .skip(1)
            .map(|w| w.trim_end_matches("...").to_owned())
            .collect();
        let walked = walk(&root, &[], &words);
        problems.extend(
            walked
                .problems
                .into_iter()
                .map(|p| format!("{p} (synopsis `{synopsis}`)")),
        );
        let flags = listed.entry(walked.path).or_default();
        flags.extend(words.iter().filter(|w| is_flag(w)).cloned());
    }
    assert!(
        listed.len() >= 4,
        "only {} synopses found in README.md",
        listed.len()
    );
    for (path, flags) in &listed {
        let command = subcommand_at(&root, path).expect("walked");
        for arg in command
            .get_arguments()
            .filter(|a| !a.is_global_set() && !a.is_hide_set() && !a.is_positional())
        {
            let id = arg.get_id().as_str();
            if matches!(id, "help" | "version") {
                continue;
            }
            let long = arg.get_long().map(|l| format!("--{l}"));
            let short = arg.get_short().map(|s| format!("-{s}"));
            if !long.iter().chain(short.iter()).any(|f| flags.contains(f)) {
                problems.push(format!(
                    "the synopsis of `scimctl {}` does not list `{}`",
                    path.join(" "),
                    long.or(short).unwrap_or_default()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn options_named_with_their_command_in_prose_exist() {
    let root = cli();
    let readme = readme();
    let mut problems = Vec::new();
    for span in code_spans(&readme) {
        for arguments in scimctl_invocations(&span.replace("\\|", "|")) {
            problems.extend(
                walk(&root, &[], &arguments)
                    .problems
                    .into_iter()
                    .map(|p| format!("{p} (`{span}`)")),
            );
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The codes of an exit-code listing: the first number on each line that starts with one.
fn codes(lines: impl Iterator<Item = String>) -> Vec<u8> {
    lines
        .filter_map(|line| {
            line.trim_start_matches(['|', ' '])
                .split([' ', '|'])
                .next()
                .and_then(|n| n.parse().ok())
        })
        .collect()
}

#[test]
fn the_exit_code_table_says_what_help_says() {
    let readme = readme();
    let table = readme
        .lines()
        .skip_while(|l| l.trim() != "## Exit codes")
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .map(str::to_owned);
    let in_readme = codes(table);
    let in_help = codes(
        EXIT_CODES
            .lines()
            .skip(1)
            .filter(|l| l.starts_with("  ") && !l.starts_with("    "))
            .map(str::to_owned),
    );
    assert_eq!(
        in_readme, in_help,
        "README's exit codes differ from --help's"
    );
    assert_eq!(in_help, [0, 1, 2, 3, 4, 5, 130]);
}

#[test]
fn the_readers_of_this_file_see_what_they_should() {
    assert_eq!(
        shell_commands(
            r#"SCIMCTL_URL=x scimctl users list --filter 'userName eq "b"' -o json > out.json | head -1 && echo "a b" # done"#
        ),
        [
            vec![
                "SCIMCTL_URL=x",
                "scimctl",
                "users",
                "list",
                "--filter",
                "userName eq \"b\"",
                "-o",
                "json"
            ],
            vec!["head", "-1"],
            vec!["echo", "a b"],
        ]
    );
    assert_eq!(
        scimctl_invocations("cargo build --release && target/release/scimctl demo &"),
        [vec!["demo".to_owned()]]
    );
    let blocks = fenced_blocks("text\n```sh\nscimctl test --url u \\\n    --allow-writes\n```\n");
    assert_eq!(
        blocks,
        [(
            "sh".to_owned(),
            vec!["scimctl test --url u  --allow-writes".to_owned()]
        )]
    );
    let root = cli();
    let walked = walk(
        &root,
        &[],
        &["resources".into(), "TYPE".into(), "...".into()],
    );
    assert_eq!(
        (walked.path, walked.covers_below),
        (vec!["resources".to_owned()], true)
    );
    let walked = walk(
        &root,
        &[],
        &[
            "users".into(),
            "list".into(),
            "--wide".into(),
            "--nope".into(),
        ],
    );
    assert_eq!(
        walked.problems,
        ["`scimctl users list` has no option `--nope`"]
    );
}
