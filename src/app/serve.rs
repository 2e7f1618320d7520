//! `scimctl serve`: load the seed, start the embedded server, print where it listens and its
//! token, and stop cleanly on Ctrl-C. It answers no request itself: `crate::serve` does.

use anyhow::Context;

use crate::cli::serve::ServeArgs;
use crate::exit::{Exit, ExitError};
use crate::serve::{Quirk, Quirks, Seed, SeedError, ServeConfig};

/// Runs the server until Ctrl-C.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let seed = args.seed.as_deref().map(read_seed).transpose()?;
    let config = ServeConfig {
        host: args.host,
        port: args.port,
        token: args.token,
        quirks: Quirks::from_list(&args.quirks),
        seed,
        me: args.me,
        ..ServeConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    runtime.block_on(async move {
        let handle = crate::serve::spawn(config).await?;
        println!("SCIM server listening on {}", handle.base_url());
        println!("token: {}", handle.token());
        if !args.quirks.is_empty() {
            let names: Vec<String> = args.quirks.iter().map(Quirk::to_string).collect();
            println!("quirks: {}", names.join(", "));
        }
        println!("press Ctrl-C to stop");
        tokio::signal::ctrl_c()
            .await
            .context("failed to listen for Ctrl-C")?;
        handle.shutdown().await;
        println!("stopped");
        Ok(())
    })
}

fn read_seed(path: &std::path::Path) -> anyhow::Result<Seed> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("failed to read seed `{}`", path.display()))
        .map_err(|e| ExitError::new(Exit::Usage, e))?;
    let is_csv = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"));
    let seed = if is_csv {
        Seed::from_csv(&bytes)
    } else {
        String::from_utf8(bytes)
            .map_err(|e| SeedError::Format(format!("not UTF-8: {e}")))
            .and_then(|text| Seed::from_json(&text))
    };
    seed.with_context(|| format!("invalid seed `{}`", path.display()))
}
