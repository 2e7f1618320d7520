//! `scimctl serve`.

use crate::cli::serve::ServeArgs;

pub fn run(_args: ServeArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet implemented")
}
