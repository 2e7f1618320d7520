//! `scimctl completions` and `scimctl man`: shell completion scripts (clap_complete) and manual
//! pages (clap_mangen), rendered from the command definition in `cli/`, the one `--help` prints.
//! It adds no words of its own to either; it only lays out each command's closing notes (the
//! exit codes, the quirk list) as the preformatted text they are. Sends nothing.

use std::io::{self, Write};

use anyhow::Context;
use clap::{Command, CommandFactory};
use clap_mangen::Man;
use clap_mangen::roff::{Roff, roman};

use crate::cli::generate::{CompletionsArgs, ManArgs};
use crate::cli::{Cli, VERSION};

/// Prints the completion script for one shell.
pub fn completions(args: CompletionsArgs) -> anyhow::Result<()> {
    let mut command = Cli::command();
    let name = command.get_name().to_owned();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    write_stdout(&script)
}

/// Prints scimctl(1), or writes every page into `DIR`.
pub fn man(args: ManArgs) -> anyhow::Result<()> {
    let pages = pages()?;
    let Some(dir) = args.dir else {
        let (_, main_page) = pages.first().context("no manual page was rendered")?;
        return write_stdout(main_page);
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the directory {}", dir.display()))?;
    for (file_name, page) in &pages {
        let path = dir.join(file_name);
        std::fs::write(&path, page).with_context(|| format!("cannot write {}", path.display()))?;
    }
    eprintln!("wrote {} manual pages to {}", pages.len(), dir.display());
    Ok(())
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(bytes)?;
    stdout.flush()?;
    Ok(())
}

/// Every manual page as (file name, roff text): scimctl.1 first, then one per subcommand at any
/// depth (the `help` subcommand has none, as `--help` is on every page).
fn pages() -> io::Result<Vec<(String, Vec<u8>)>> {
    let mut root = Cli::command().disable_help_subcommand(true);
    root.build();
    let mut pages = Vec::new();
    collect_pages(&root, &mut pages)?;
    Ok(pages)
}

fn collect_pages(command: &Command, pages: &mut Vec<(String, Vec<u8>)>) -> io::Result<()> {
    let man = Man::new(command.clone()).source(format!("scimctl {VERSION}"));
    pages.push((man.get_filename(), render_page(&man, command)?));
    for subcommand in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect_pages(subcommand, pages)?;
    }
    Ok(())
}

/// clap_mangen's sections, with the command's after-help text as a section of its own in which
/// the lines are kept as written (clap_mangen would fill them into one paragraph).
fn render_page(man: &Man, command: &Command) -> io::Result<Vec<u8>> {
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    if command.get_arguments().any(|arg| !arg.is_hide_set()) {
        man.render_options_section(&mut page)?;
    }
    if command.has_subcommands() {
        man.render_subcommands_section(&mut page)?;
    }
    if let Some(notes) = command
        .get_after_long_help()
        .or_else(|| command.get_after_help())
    {
        notes_section(&notes.to_string()).to_writer(&mut page)?;
    }
    if command.get_version().is_some() {
        man.render_version_section(&mut page)?;
    }
    Ok(page)
}

/// A section for preformatted notes: titled by their first line when it is a heading
/// (`Exit codes:` gives EXIT CODES), else NOTES.
fn notes_section(text: &str) -> Roff {
    let (heading, aside, body) = match text.split_once('\n') {
        Some((first, rest)) if first.ends_with(':') => {
            let first = first.trim_end_matches(':');
            let (title, aside) = first
                .split_once(" (")
                .map_or((first, None), |(title, aside)| {
                    (title, Some(format!("({aside}")))
                });
            (title.to_uppercase(), aside, rest)
        }
        _ => ("NOTES".to_owned(), None, text),
    };
    let mut roff = Roff::new();
    roff.control("SH", [heading.as_str()]);
    if let Some(aside) = aside {
        roff.text([roman(aside)]);
    }
    roff.control("nf", []);
    for line in body.lines() {
        roff.text([roman(line)]);
    }
    roff.control("fi", []);
    roff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_headed_by_a_line_ending_in_a_colon_become_a_section_of_that_name() {
        let roff = notes_section("Exit codes:\n  0  success\n  1  failure").to_roff();
        assert!(roff.starts_with(".SH \"EXIT CODES\"\n.nf\n"), "{roff}");
        assert!(roff.contains("  0  success\n  1  failure\n.fi\n"), "{roff}");
        let quirks =
            notes_section("Quirks (--quirk NAME, repeatable):\n  eq-substring  x").to_roff();
        assert!(
            quirks.starts_with(".SH QUIRKS\n(\\-\\-quirk NAME, repeatable)\n.nf\n"),
            "{quirks}"
        );
        let untitled = notes_section("Operations: add PATH VALUE").to_roff();
        assert!(untitled.starts_with(".SH NOTES\n"), "{untitled}");
    }

    #[test]
    fn there_is_a_page_for_every_visible_command_and_none_for_help() {
        let names: Vec<String> = pages()
            .expect("pages")
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names[0], "scimctl.1");
        for expected in [
            "scimctl-users-list.1",
            "scimctl-test-cleanup.1",
            "scimctl-man.1",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} in {names:?}"
            );
        }
        assert!(!names.iter().any(|n| n.contains("help")), "{names:?}");
    }
}
