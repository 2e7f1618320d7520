//! Where `lint` and `explain` get their schemas: a saved `/Schemas` answer (`--schemas FILE`),
//! the server's own through discovery and its cache (only when the command line names a server
//! with --url or --profile, so that an offline check stays offline), or RFC 7643's built in.

use super::session::Connection;
use super::session::GlobalOptions;
use crate::cli::lint::SchemasArg;
use crate::scim::schema_set::SchemaSet;

use super::input::{parse_json, read_text, usage};
use super::session::Session;

/// A schema set and, in words, where it came from.
pub struct Schemas {
    pub set: SchemaSet,
    pub origin: String,
}

const BUILTIN: &str = "built-in RFC 7643 schemas";

/// The schemas the command line asks for.
pub fn load(
    arg: &SchemasArg,
    connection: &Connection,
    global: &GlobalOptions,
) -> anyhow::Result<Schemas> {
    if let Some(path) = &arg.schemas_file {
        if connection.flags.url.is_some() {
            return Err(
                usage("--schemas and --url both say where the schemas are; give one").into(),
            );
        }
        let (text, shown) = read_text(path)?;
        let document = parse_json(&text, &shown)?;
        let (set, notes) = SchemaSet::from_schemas_document(document)
            .map_err(|why| usage(format!("{shown} is not a /Schemas answer: {why}")))?;
        for note in notes {
            eprintln!("warning: {shown}: {note}");
        }
        return Ok(Schemas {
            set,
            origin: format!("schemas from {shown}"),
        });
    }
    if connection.flags.url.is_none() && connection.flags.profile.is_none() {
        return Ok(Schemas {
            set: SchemaSet::builtin(),
            origin: BUILTIN.to_owned(),
        });
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut session = Session::open(connection, global.clone())?;
    let discovery = runtime.block_on(session.discovery()).clone();
    session.finish()?;
    let url = session.client.base_url();
    if discovery.schemas.is_empty() {
        session.note(&format!(
            "warning: {url} published no readable schema; checking against the {BUILTIN}"
        ));
        return Ok(Schemas {
            set: SchemaSet::builtin(),
            origin: format!("{BUILTIN} ({url} published none)"),
        });
    }
    Ok(Schemas {
        set: SchemaSet::new(discovery.schemas, discovery.resource_types),
        origin: format!("the schemas of {url}"),
    })
}
