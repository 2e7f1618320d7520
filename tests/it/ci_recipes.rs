//! The CI recipes in `examples/ci/` run as their CI systems run them, with the binary under test
//! in place of the recipe's `cargo install`: each YAML file is parsed, its environment set, and
//! its shell steps run in order in a scratch workspace, on loopback.
//!
//! - GitHub Actions: every `run:` step with `bash --noprofile --norc -eo pipefail` (what
//!   `shell: bash` means there), with `GITHUB_STEP_SUMMARY` as the runner sets it; the `uses:`
//!   steps that publish reports are checked to find their files and to run `if: always()`.
//! - GitLab CI: `before_script` and `script` in one `bash -eo pipefail` session; the artifacts
//!   are checked to exist and to be kept `when: always`.
//!
//! Each recipe starts its SCIM service (`scimctl serve`) on the port it declares in `SCIM_PORT`,
//! which the test replaces with a free one; every process a step leaves running is stopped at
//! the end, and every step is bounded in time.

use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use yaml_rust2::{Yaml, YamlLoader};

use crate::support::{Running, wait_until};

/// The longest one step may take: the whole conformance suite takes seconds on loopback.
const STEP_TIMEOUT: Duration = Duration::from_secs(300);

fn recipe(name: &str) -> Yaml {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/ci")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("the recipe is readable");
    let mut documents = YamlLoader::load_from_str(&text).expect("the recipe is valid YAML");
    assert_eq!(documents.len(), 1, "{name} holds one YAML document");
    documents.remove(0)
}

fn text(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(n) => Some(n.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A YAML mapping of names to scalars (`env:`, `variables:`).
fn variables(value: &Yaml) -> BTreeMap<String, String> {
    value
        .as_hash()
        .into_iter()
        .flatten()
        .map(|(k, v)| (text(k).expect("a name"), text(v).expect("a scalar value")))
        .collect()
}

/// A YAML string or list of strings.
fn lines(value: &Yaml) -> Vec<String> {
    match value {
        Yaml::Array(items) => items.iter().map(|i| text(i).expect("a line")).collect(),
        other => text(other)
            .map(|t| t.lines().map(str::to_owned).collect())
            .unwrap_or_default(),
    }
}

/// A scratch CI workspace: the directory steps run in, the environment they share, and the
/// process groups they started, which are stopped when it is dropped (also when a step fails).
struct Workspace {
    dir: tempfile::TempDir,
    env: BTreeMap<String, String>,
    process_groups: Vec<u32>,
    port: u16,
}

impl Workspace {
    /// A workspace for a recipe declaring `declared`: its `SCIM_PORT` replaced with a free
    /// loopback port, and `SCIMCTL_URL` with the URL on that port.
    fn new(mut declared: BTreeMap<String, String>) -> Workspace {
        let recipe_port = declared
            .get("SCIM_PORT")
            .expect("the recipe declares SCIM_PORT")
            .clone();
        assert_eq!(
            declared.get("SCIMCTL_URL").map(String::as_str),
            Some(format!("http://127.0.0.1:{recipe_port}/scim/v2").as_str()),
            "SCIMCTL_URL points at the service the recipe starts"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free loopback port")
            .port();
        declared.insert("SCIM_PORT".into(), port.to_string());
        declared.insert(
            "SCIMCTL_URL".into(),
            format!("http://127.0.0.1:{port}/scim/v2"),
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().join("home");
        let workspace = dir.path().join("workspace");
        std::fs::create_dir_all(&home).expect("home");
        std::fs::create_dir_all(&workspace).expect("workspace");
        let binary = Path::new(env!("CARGO_BIN_EXE_scimctl"));
        let system_path = std::env::var("PATH").unwrap_or_default();
        declared.insert(
            "PATH".into(),
            format!(
                "{}:{system_path}",
                binary.parent().expect("a directory").display()
            ),
        );
        declared.insert("HOME".into(), home.display().to_string());
        declared.insert("CI".into(), "true".into());
        Workspace {
            dir,
            env: declared,
            process_groups: Vec::new(),
            port,
        }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join("workspace").join(relative)
    }

    /// Runs a script with `shell` (its words; the script file goes last) and `extra` variables,
    /// in a process group of its own; panics, with the script and its output, when it fails.
    fn run(&mut self, name: &str, shell: &[&str], script: &str, extra: &BTreeMap<String, String>) {
        let step = self.process_groups.len();
        let file = self.dir.path().join(format!("step-{step}.sh"));
        let output = self.dir.path().join(format!("step-{step}.out"));
        std::fs::write(&file, script).expect("script file");
        let log = std::fs::File::create(&output).expect("output file");
        let mut shell_process = Running::spawn(
            std::process::Command::new(shell[0])
                .args(&shell[1..])
                .arg(&file)
                .current_dir(self.path(""))
                .env_clear()
                .envs(&self.env)
                .envs(extra)
                .stdin(std::process::Stdio::null())
                .stdout(log.try_clone().expect("output file"))
                .stderr(log)
                .process_group(0),
        );
        self.process_groups.push(shell_process.0.id());
        let status = shell_process.wait_for_exit(STEP_TIMEOUT);
        assert!(
            status.success(),
            "step `{name}` failed ({status}):\n{script}\n--- output\n{}",
            std::fs::read_to_string(&output).unwrap_or_default()
        );
    }

    /// Checks a file a recipe publishes: there, and what it should be.
    fn assert_report(&self, relative: &str) {
        let path = self.path(relative);
        let content = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{relative} is not there to publish: {e}"));
        match relative.rsplit('.').next() {
            Some("xml") => {
                assert!(content.contains("<testsuites"), "{relative} is JUnit XML");
                assert!(
                    !content.contains("<failure"),
                    "{relative}: a clean server fails no check"
                );
            }
            Some("html") => assert!(content.starts_with("<!doctype html>"), "{relative} is HTML"),
            _ => {}
        }
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        for group in &self.process_groups {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", "--", &format!("-{group}")])
                .stderr(std::process::Stdio::null())
                .status();
        }
        // The service is stopped: its port stops answering (unless the test failed already).
        if !std::thread::panicking() {
            let what = format!("the service on port {} to stop answering", self.port);
            wait_until(&what, Duration::from_secs(5), || {
                TcpStream::connect(("127.0.0.1", self.port)).is_err()
            });
        }
    }
}

/// The install line of a recipe, which the test replaces with the binary under test.
fn assert_installs_scimctl(line: &str) {
    assert_eq!(
        line.trim(),
        "cargo install --locked scimctl",
        "the install step"
    );
}

#[test]
fn the_github_actions_workflow_runs_the_suites_and_publishes_both_reports() {
    let workflow = recipe("github-actions.yml");
    assert_eq!(
        text(&workflow["defaults"]["run"]["shell"]).as_deref(),
        Some("bash")
    );
    let job = &workflow["jobs"]["scim-conformance"];
    let mut declared = variables(&workflow["env"]);
    declared.extend(variables(&job["env"]));
    let mut workspace = Workspace::new(declared);
    let summary = workspace.dir.path().join("step-summary.md");
    std::fs::write(&summary, "").expect("summary file");
    let runner = BTreeMap::from([
        (
            "GITHUB_STEP_SUMMARY".to_owned(),
            summary.display().to_string(),
        ),
        (
            "GITHUB_WORKSPACE".to_owned(),
            workspace.path("").display().to_string(),
        ),
    ]);

    let steps = job["steps"].as_vec().expect("steps");
    let mut ran = Vec::new();
    let mut published = Vec::new();
    for step in steps {
        let name = text(&step["name"])
            .or_else(|| text(&step["uses"]))
            .expect("a name");
        if let Some(script) = text(&step["run"]) {
            if script.starts_with("cargo install") {
                assert_installs_scimctl(&script);
                continue;
            }
            let mut env = runner.clone();
            env.extend(variables(&step["env"]));
            workspace.run(
                &name,
                &["bash", "--noprofile", "--norc", "-eo", "pipefail"],
                &script,
                &env,
            );
            ran.push(name);
            continue;
        }
        let uses = text(&step["uses"]).expect("a step runs or uses an action");
        let with = &step["with"];
        let files = if uses.starts_with("actions/upload-artifact@") {
            lines(&with["path"])
        } else if uses.starts_with("mikepenz/action-junit-report@") {
            lines(&with["report_paths"])
        } else {
            continue;
        };
        assert_eq!(
            text(&step["if"]).as_deref(),
            Some("always()"),
            "`{name}` publishes also when checks fail"
        );
        for file in files {
            workspace.assert_report(&file);
            published.push(file);
        }
    }
    assert_eq!(ran.len(), 3, "start the service, test, summarise: {ran:?}");
    for report in ["scim-junit.xml", "scim-report.html"] {
        assert!(
            published.iter().any(|p| p == report),
            "{report} is published: {published:?}"
        );
    }
    let summary = std::fs::read_to_string(&summary).expect("summary");
    assert!(
        summary.contains("RFC 7644"),
        "the verdicts are on the summary page:\n{summary}"
    );
}

#[test]
fn the_gitlab_job_runs_the_suites_and_publishes_both_reports() {
    let pipeline = recipe("gitlab-ci.yml");
    let job = &pipeline["scim-conformance"];
    let mut declared = variables(&pipeline["variables"]);
    declared.extend(variables(&job["variables"]));
    let mut workspace = Workspace::new(declared);

    let mut script = lines(&job["before_script"]);
    let install = script
        .iter()
        .position(|l| l.starts_with("cargo install"))
        .expect("an install line");
    assert_installs_scimctl(&script.remove(install));
    script.extend(lines(&job["script"]));
    assert!(
        script.iter().any(|l| l.starts_with("scimctl test ")),
        "{script:?}"
    );
    workspace.run(
        "scim-conformance",
        &["bash", "-eo", "pipefail"],
        &(script.join("\n") + "\n"),
        &BTreeMap::new(),
    );

    let artifacts = &job["artifacts"];
    assert_eq!(
        text(&artifacts["when"]).as_deref(),
        Some("always"),
        "reports are kept also when checks fail"
    );
    let junit = text(&artifacts["reports"]["junit"]).expect("a JUnit report");
    let kept = lines(&artifacts["paths"]);
    for report in [junit.as_str(), "scim-junit.xml", "scim-report.html"] {
        workspace.assert_report(report);
        assert!(
            kept.iter().any(|k| k == report),
            "{report} is kept: {kept:?}"
        );
    }
}
