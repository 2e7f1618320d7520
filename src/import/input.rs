//! The file an import reads: a path, or stdin copied to a temporary file so that it can be
//! read more than once (never held whole in memory); the copy is removed when done.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::exit::{Exit, ExitError};

/// The input file, or stdin copied to a temporary file (removed at the end) so that it can be
/// read more than once.
#[derive(Debug)]
pub struct Input {
    path: PathBuf,
    /// How messages name it.
    pub shown: String,
    from_stdin: bool,
}

impl Input {
    pub fn open(path: &Path) -> anyhow::Result<Input> {
        if path != Path::new("-") {
            File::open(path)
                .with_context(|| format!("cannot read {}", path.display()))
                .map_err(|e| ExitError::new(Exit::Usage, e))?;
            return Ok(Input {
                path: path.to_owned(),
                shown: path.display().to_string(),
                from_stdin: false,
            });
        }
        let spool = std::env::temp_dir().join(format!("scimctl-import-{}.csv", std::process::id()));
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&spool)
            .with_context(|| format!("cannot copy stdin to {}", spool.display()))?;
        io::copy(&mut io::stdin().lock(), &mut file).context("cannot read stdin")?;
        Ok(Input {
            path: spool,
            shown: "stdin".to_owned(),
            from_stdin: true,
        })
    }

    /// The file's size in bytes, when it can be read.
    pub fn size(&self) -> Option<u64> {
        std::fs::metadata(&self.path).ok().map(|meta| meta.len())
    }

    pub fn reader(&self) -> anyhow::Result<File> {
        File::open(&self.path).with_context(|| format!("cannot read {}", self.shown))
    }

    /// Where the journal goes unless `--journal` says: next to the file, or in the current
    /// directory for stdin.
    pub fn default_journal(&self) -> PathBuf {
        if self.from_stdin {
            PathBuf::from("scimctl-import.journal")
        } else {
            let mut name = self.path.as_os_str().to_owned();
            name.push(".journal");
            PathBuf::from(name)
        }
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        if self.from_stdin {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
