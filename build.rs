//! Build script: records, for `scimctl --version`, the git commit the binary is built from and
//! whether the sources that go into it differed from that commit ("dirty").
//!
//! It must never fail the build: without git, or outside a checkout of this package (a crates.io
//! download, `cargo package`'s copy under `target/`), the version is the package version alone.
//! Cargo reruns it when one of [`SOURCES`] or the checked-out commit changes, and at no other
//! time, so an edit to a test or to the README does not rebuild the crate.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What goes into the binary, relative to the package root: a change to any of these (a tracked
/// file modified, or an untracked one added) makes the build dirty.
const SOURCES: &[&str] = &[
    "src",
    "testsuites",
    "fixtures/seed",
    "fixtures/tls",
    "build.rs",
    "Cargo.toml",
    "Cargo.lock",
];

/// The commit a package directory is checked out at.
#[derive(Debug, PartialEq, Eq)]
pub struct Checkout {
    /// The commit's hash, abbreviated to 12 hexadecimal digits.
    pub commit: String,
    /// Whether one of [`SOURCES`] differs from the commit.
    pub dirty: bool,
    /// Files whose change means another commit is checked out (`HEAD`, the branch's ref).
    pub head_files: Vec<PathBuf>,
}

impl Checkout {
    /// The version text: `0.1.0 (commit 0123456789ab, dirty)`.
    pub fn describe(&self, version: &str) -> String {
        let dirty = if self.dirty { ", dirty" } else { "" };
        format!("{version} (commit {}{dirty})", self.commit)
    }
}

/// The checkout `package` is the root of a git working tree's copy of, if git can tell. A
/// package whose `Cargo.toml` git does not track (an ignored or foreign directory inside some
/// other repository) is not a checkout of its own.
pub fn checkout(package: &Path) -> Option<Checkout> {
    git(package, &["ls-files", "--error-unmatch", "Cargo.toml"])?;
    let commit = git(package, &["rev-parse", "--short=12", "HEAD"])?;
    let mut status = vec!["--no-optional-locks", "status", "--porcelain", "--"];
    status.extend(SOURCES);
    let dirty = !git(package, &status)?.is_empty();
    Some(Checkout {
        commit,
        dirty,
        head_files: head_files(package),
    })
}

/// `HEAD`, the ref it points to and `packed-refs`, those that exist: cargo reruns a build script
/// on every build when a path it names is missing.
fn head_files(package: &Path) -> Vec<PathBuf> {
    let located = |args: &[&str]| git(package, args).map(|path| package.join(path));
    let mut files = Vec::new();
    if let Some(git_dir) = located(&["rev-parse", "--git-dir"]) {
        files.push(git_dir.join("HEAD"));
    }
    if let Some(common_dir) = located(&["rev-parse", "--git-common-dir"]) {
        if let Some(branch) = git(package, &["symbolic-ref", "--quiet", "HEAD"]) {
            files.push(common_dir.join(branch));
        }
        files.push(common_dir.join("packed-refs"));
    }
    files.retain(|file| file.is_file());
    files
}

/// Runs git in `dir`; its trimmed output when it succeeds.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn main() {
    for source in SOURCES {
        println!("cargo:rerun-if-changed={source}");
    }
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let package = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let described = match checkout(&package) {
        Some(checkout) => {
            for file in &checkout.head_files {
                println!("cargo:rerun-if-changed={}", file.display());
            }
            checkout.describe(&version)
        }
        None => version,
    };
    println!("cargo:rustc-env=SCIMCTL_VERSION={described}");
}
