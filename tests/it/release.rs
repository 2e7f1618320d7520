//! What a user gets from `cargo install`: one binary that needs nothing but the C runtime, a
//! `--version` that names the commit it was built from, shell completions that complete in a
//! real shell, and manual pages that `man` renders without a warning.
//!
//! `man` comes from the Debian package man-db, which `scripts/test` installs when it is missing;
//! `bash` is everywhere scimctl is built.

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;

use crate::support::Home;

#[expect(
    dead_code,
    reason = "the build script's `main` is cargo's to call, not the tests'"
)]
#[path = "../../build.rs"]
mod build_script;

/// Every command here ends within seconds; this bounds a hung one.
const TIMEOUT: Duration = Duration::from_secs(60);

fn stdout_of(command: &mut Command) -> String {
    let output = command.output().expect("the command runs");
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Runs git in `dir` as a user with no configuration of their own.
fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .timeout(TIMEOUT)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8")
        .trim()
        .to_owned()
}

#[test]
fn version_names_the_commit_the_binary_was_built_from() {
    let home = Home::new();
    let printed = stdout_of(home.command().arg("--version"));
    let package = Path::new(env!("CARGO_MANIFEST_DIR"));
    let version = env!("CARGO_PKG_VERSION");
    let expected = match build_script::checkout(package) {
        Some(checkout) => {
            assert_eq!(
                checkout.commit,
                git(package, &["rev-parse", "--short=12", "HEAD"])
            );
            let dirty = if checkout.dirty { ", dirty" } else { "" };
            format!("scimctl {version} (commit {}{dirty})\n", checkout.commit)
        }
        None => format!("scimctl {version}\n"),
    };
    assert_eq!(printed, expected);
}

/// A package checked out at one commit: its sources and a README.
fn package_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).expect("src");
    std::fs::write(root.join("Cargo.toml"), "[package]\nname = \"p\"\n").expect("manifest");
    std::fs::write(root.join("src/main.rs"), "fn main() {}\n").expect("main");
    std::fs::write(root.join("README.md"), "# p\n").expect("readme");
    std::fs::write(root.join(".gitignore"), "/target\n").expect("ignore");
    git(root, &["init", "--quiet"]);
    git(root, &["add", "."]);
    git(root, &["commit", "--quiet", "-m", "first"]);
    dir
}

#[test]
fn a_build_is_dirty_exactly_when_what_goes_into_the_binary_differs_from_the_commit() {
    let repository = package_repository();
    let root = repository.path();
    let clean = build_script::checkout(root).expect("a checkout");
    assert_eq!(
        clean.commit,
        git(root, &["rev-parse", "--short=12", "HEAD"])
    );
    assert!(!clean.dirty);
    assert_eq!(
        clean.describe("1.2.3"),
        format!("1.2.3 (commit {})", clean.commit)
    );
    assert!(
        clean.head_files.contains(&root.join(".git/HEAD")),
        "{:?}",
        clean.head_files
    );
    assert!(
        clean
            .head_files
            .contains(&root.join(".git/refs/heads/main")),
        "{:?}",
        clean.head_files
    );

    std::fs::write(root.join("README.md"), "# p, edited\n").expect("edit");
    assert!(
        !build_script::checkout(root).expect("a checkout").dirty,
        "the README is not built in"
    );

    std::fs::write(root.join("src/main.rs"), "fn main() { println!(); }\n").expect("edit");
    let edited = build_script::checkout(root).expect("a checkout");
    assert!(edited.dirty, "a modified source");
    assert_eq!(
        edited.describe("1.2.3"),
        format!("1.2.3 (commit {}, dirty)", clean.commit)
    );

    git(root, &["checkout", "--quiet", "src/main.rs"]);
    std::fs::write(root.join("src/new.rs"), "\n").expect("new file");
    assert!(
        build_script::checkout(root).expect("a checkout").dirty,
        "a new source not yet added"
    );
}

#[test]
fn a_package_git_does_not_track_is_no_checkout() {
    let outside = tempfile::tempdir().expect("temp dir");
    assert_eq!(
        build_script::checkout(outside.path()),
        None,
        "not in a repository"
    );

    // `cargo package` verifies its copy under the ignored `target/`, inside the checkout.
    let repository = package_repository();
    let copy = repository.path().join("target/package/p-0.1.0");
    std::fs::create_dir_all(&copy).expect("copy");
    std::fs::write(copy.join("Cargo.toml"), "[package]\nname = \"p\"\n").expect("manifest");
    assert_eq!(build_script::checkout(&copy), None, "an ignored copy");
}

/// Libraries every Linux program loads: the C runtime, its loader and the kernel's vDSO.
const C_RUNTIME: &[&str] = &[
    "linux-vdso.so.1",
    "libc.so.6",
    "libm.so.6",
    "libgcc_s.so.1",
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
];

#[cfg(target_os = "linux")]
#[test]
fn the_binary_needs_no_library_beyond_the_c_runtime() {
    let binary = env!("CARGO_BIN_EXE_scimctl");
    let listing = stdout_of(Command::new("ldd").arg(binary).timeout(TIMEOUT));
    let libraries: Vec<&str> = listing
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(|library| library.rsplit('/').next().unwrap_or(library))
        .collect();
    assert!(libraries.contains(&"libc.so.6"), "{listing}");
    let others: Vec<&&str> = libraries
        .iter()
        .filter(|l| !C_RUNTIME.contains(l))
        .collect();
    assert!(
        others.is_empty(),
        "scimctl needs {others:?} at run time:\n{listing}"
    );
}

#[test]
fn completion_scripts_know_every_shell_and_the_commands() {
    let home = Home::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(home.command().args(["completions", shell]));
        for word in [
            "scimctl",
            "users",
            "add-member",
            "--filter",
            "--allow-writes",
        ] {
            assert!(
                script.contains(word),
                "the {shell} script does not mention {word}"
            );
        }
    }
    home.command()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("invalid value 'tcsh'"));
}

/// Loads `scimctl completions bash` into bash and prints, for each partial command line (the
/// word being completed last), what a Tab would offer, one line of candidates per line.
fn bash_completions(home: &Home, lines: &[&str]) -> Vec<Vec<String>> {
    let script = stdout_of(home.command().args(["completions", "bash"]));
    let script_path = home.join("scimctl.bash");
    std::fs::write(&script_path, script).expect("script");
    let mut program = format!("source {}\ncomplete -p scimctl\n", script_path.display());
    for line in lines {
        program.push_str(&format!(
            "COMP_WORDS=({line}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); \
             COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; COMPREPLY=(); \
             _scimctl scimctl \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             echo \"${{COMPREPLY[*]}}\"\n"
        ));
    }
    let output = stdout_of(
        Command::new("bash")
            .args(["--norc", "--noprofile", "-c", &program])
            .env("HOME", home.path())
            .timeout(TIMEOUT),
    );
    let mut lines = output.lines();
    assert_eq!(
        lines.next(),
        Some("complete -o bashdefault -o default -o nosort -F _scimctl scimctl"),
        "the script registers its completion function"
    );
    lines
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect()
}

#[test]
fn bash_completes_a_subcommand_and_a_flag() {
    let home = Home::new();
    let offered = bash_completions(
        &home,
        &[
            "scimctl us",
            "scimctl users list --fi",
            "scimctl completions ''",
            "scimctl groups add-m",
        ],
    );
    assert_eq!(offered[0], ["users"]);
    assert_eq!(offered[1], ["--filter", "--fields"]);
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        assert!(
            offered[2].iter().any(|w| w == shell),
            "{shell} in {:?}",
            offered[2]
        );
    }
    assert_eq!(offered[3], ["add-member"]);
}

/// `man` renders a page file as a reader sees it, 100 columns wide, with every warning groff
/// can give sent to stderr.
fn man_render(page: &Path) -> (String, String) {
    assert!(
        Path::new("/usr/bin/man").exists(),
        "/usr/bin/man is missing: run scripts/test, which installs the Debian package man-db"
    );
    let output = Command::new("man")
        .args(["--warnings", "-l"])
        .arg(page)
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("LANG", "C.UTF-8")
        .timeout(TIMEOUT)
        .output()
        .expect("man runs");
    assert!(
        output.status.success(),
        "man -l {}: {}",
        page.display(),
        output.status
    );
    (
        String::from_utf8(output.stdout).expect("UTF-8 page"),
        String::from_utf8(output.stderr).expect("UTF-8 warnings"),
    )
}

#[test]
fn man_writes_a_page_per_command_and_each_renders_without_a_warning() {
    let home = Home::new();
    let dir = home.join("man/man1");
    let written = home
        .command()
        .arg("man")
        .arg(&dir)
        .output()
        .expect("man DIR runs");
    assert!(written.status.success());
    let mut pages: Vec<_> = std::fs::read_dir(&dir)
        .expect("the directory was made")
        .map(|entry| entry.expect("entry").path())
        .collect();
    pages.sort();
    assert_eq!(
        String::from_utf8_lossy(&written.stderr),
        format!("wrote {} manual pages to {}\n", pages.len(), dir.display())
    );
    assert!(pages.len() > 30, "{pages:?}");
    for page in &pages {
        let (text, warnings) = man_render(page);
        assert_eq!(warnings, "", "{}", page.display());
        assert!(text.contains("SYNOPSIS"), "{}:\n{text}", page.display());
    }

    let (main_page, _) = man_render(&dir.join("scimctl.1"));
    for section in [
        "NAME",
        "SYNOPSIS",
        "OPTIONS",
        "SUBCOMMANDS",
        "EXIT CODES",
        "VERSION",
    ] {
        assert!(
            main_page.lines().any(|l| l == section),
            "no {section} in:\n{main_page}"
        );
    }
    assert!(main_page.contains("scimctl-users(1)"), "{main_page}");
    assert!(
        main_page.contains("       130 interrupted"),
        "exit codes keep their lines:\n{main_page}"
    );

    let (list_page, _) = man_render(&dir.join("scimctl-users-list.1"));
    assert!(
        list_page.contains("scimctl-users-list - List users"),
        "{list_page}"
    );
    assert!(list_page.contains("--filter"), "{list_page}");

    let (serve_page, _) = man_render(&dir.join("scimctl-serve.1"));
    assert!(serve_page.contains("QUIRKS"), "{serve_page}");
    assert!(serve_page.contains("filter-no-match-404"), "{serve_page}");
}

#[test]
fn man_without_a_directory_prints_the_main_page() {
    let home = Home::new();
    let dir = home.join("pages");
    home.command().arg("man").arg(&dir).assert().success();
    std::fs::write(dir.join("unrelated.txt"), "kept").expect("a file of the user's");
    let printed = stdout_of(home.command().arg("man"));
    let written = std::fs::read_to_string(dir.join("scimctl.1")).expect("scimctl.1");
    assert_eq!(printed, written);
    home.command().arg("man").arg(&dir).assert().success();
    assert_eq!(
        std::fs::read_to_string(dir.join("unrelated.txt")).expect("kept"),
        "kept"
    );
}
