//! `scimctl config list|show|set|use`: the configuration file's profiles, and the settings a
//! command would use with where each came from. Sends nothing and runs no token command.

use std::io::{self, IsTerminal};

use serde_json::json;

use super::session::{Connection, GlobalOptions};
use crate::cli::config::ConfigCommand;
use crate::config::{ConfigFile, Environment, ProcessEnvironment, resolve};
use crate::output::{Column, Format, Printer, stdout_table_width};
use crate::scim::schema::ResourceSchema;

/// The profile `config set` writes when none is chosen and the file has no default.
const FIRST_PROFILE: &str = "default";

/// Runs a `config` command.
pub fn run(
    command: ConfigCommand,
    connection: &Connection,
    global: &GlobalOptions,
) -> anyhow::Result<()> {
    let env = ProcessEnvironment;
    let mut file = ConfigFile::locate(&env)?;
    match command {
        ConfigCommand::List => {
            let default = file.default_profile().map(str::to_owned);
            let rows: Vec<_> = file
                .profile_names()
                .into_iter()
                .map(|name| {
                    json!({
                        "name": name,
                        "default": default.as_deref() == Some(name),
                        "url": file.profile(name).and_then(|p| p.url.clone()),
                    })
                })
                .collect();
            print_rows(global, &["name", "default", "url"], &rows)
        }
        ConfigCommand::Show(args) => {
            let resolved = resolve(&connection.flags, &env, &file)?;
            let rows: Vec<_> = resolved
                .show()
                .into_iter()
                .map(|s| {
                    let mut row = json!({"key": s.key, "value": s.value});
                    if args.origin {
                        row["origin"] = json!(s.origin.to_string());
                    }
                    row
                })
                .collect();
            let headers: &[&str] = if args.origin {
                &["key", "value", "origin"]
            } else {
                &["key", "value"]
            };
            print_rows(global, headers, &rows)
        }
        ConfigCommand::Set(args) => {
            let profile = connection
                .flags
                .profile
                .clone()
                .or_else(|| env.var("SCIMCTL_PROFILE"))
                .or_else(|| file.default_profile().map(str::to_owned))
                .unwrap_or_else(|| FIRST_PROFILE.to_owned());
            file.set(&profile, &args.key, &args.value)?;
            if file.default_profile().is_none() {
                file.use_profile(&profile)?;
            }
            file.save()?;
            let path = file
                .path()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            eprintln!("set {} in profile `{profile}` ({path})", args.key);
            Ok(())
        }
        ConfigCommand::Use(args) => {
            file.use_profile(&args.name)?;
            file.save()?;
            eprintln!("`{}` is now the default profile", args.name);
            Ok(())
        }
    }
}

/// Prints settings rows as a table on a terminal, JSON otherwise (or as `-o` asks).
fn print_rows(
    global: &GlobalOptions,
    headers: &[&str],
    rows: &[serde_json::Value],
) -> anyhow::Result<()> {
    let is_terminal = io::stdout().is_terminal();
    let format = global
        .output
        .unwrap_or_else(|| Format::default_for(is_terminal));
    let columns = headers
        .iter()
        .filter_map(|h| Column::path(h).ok())
        .collect();
    let columns_env = ProcessEnvironment.var("COLUMNS");
    let mut printer = Printer::new(io::stdout().lock(), format, columns, false)
        .with_schema(ResourceSchema::user())
        .escaping(is_terminal)
        .table_width(stdout_table_width(
            global.wide,
            columns_env.as_deref(),
            is_terminal,
        ));
    let mut listing = printer.list();
    listing.page(rows)?;
    listing.finish()?;
    Ok(())
}
