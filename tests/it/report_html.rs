//! The HTML report, checked as a user sees it: rendered in headless Chromium, after its script
//! ran. The page must mark itself ready, filter the check list from the URL hash, and show
//! server text as text (a `<script>` in a message must not run).
//!
//! Chromium comes from the Debian packages `chromium` and `chromium-driver`, which `scripts/test`
//! installs. Without it these tests fail and say so, unless `SCIMCTL_SKIP_BROWSER=1`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::report_support::{SCRIPT_MESSAGE, render, sample_outcome};
use crate::support::Running;
use scimctl::report::html;

const CHROMIUM: &str = "/usr/bin/chromium";
/// Chromium starts in about a second; this bounds a hung browser.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

fn html_report() -> String {
    render(|out| html::write(&sample_outcome(), out))
}

/// The browser, or `None` when the user asked to skip browser tests.
fn chromium() -> Option<&'static Path> {
    if std::env::var_os("SCIMCTL_SKIP_BROWSER").is_some_and(|v| v == "1") {
        eprintln!("SCIMCTL_SKIP_BROWSER=1: not rendering the HTML report in Chromium");
        return None;
    }
    let path = Path::new(CHROMIUM);
    assert!(
        path.exists(),
        "{CHROMIUM} is missing: run scripts/test, which installs the Debian packages chromium \
         and chromium-driver (or set SCIMCTL_SKIP_BROWSER=1 to skip the browser tests)"
    );
    Some(path)
}

/// A rendered report: its directory (removed on drop) and the page in it.
struct RenderedPage {
    dir: tempfile::TempDir,
    page: PathBuf,
}

/// Writes the report; a `user_script`, when given, runs after the page's own script and stands
/// in for a user's clicks and typing.
fn write_page(user_script: Option<&str>) -> RenderedPage {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let page = dir.path().join("report.html");
    let mut report = html_report();
    if let Some(script) = user_script {
        report = report.replace(
            "</body>",
            &format!("<script>\n{script}\n</script>\n</body>"),
        );
    }
    fs::write(&page, report).expect("the report is written");
    RenderedPage { dir, page }
}

/// Runs headless Chromium on the page with `extra` arguments and the page URL (plus `hash`),
/// and returns what it printed.
fn run_chromium(browser: &Path, rendered: &RenderedPage, extra: &[&str], hash: &str) -> String {
    let profile = rendered.dir.path().join("profile");
    let url = format!("file://{}{hash}", rendered.page.display());
    let (mut chromium, stdout, _stderr) = Running::with_output(
        Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(&url)
            .stdin(Stdio::null()),
    );
    let status = chromium.wait_for_exit(BROWSER_TIMEOUT);
    assert!(status.success(), "Chromium failed on {url}: {status}");
    stdout.finish()
}

/// The DOM after the page's script ran, as Chromium serialises it.
fn dom_after_script(browser: &Path, hash: &str) -> String {
    let rendered = write_page(None);
    run_chromium(browser, &rendered, &["--dump-dom"], hash)
}

/// The check rows of a dumped DOM: `(status, visible)` in page order.
fn rows(dom: &str) -> Vec<(String, bool)> {
    dom.match_indices("<details ")
        .filter_map(|(start, _)| {
            let tag = &dom[start..start + dom[start..].find('>')?];
            let status = tag.split("data-status=\"").nth(1)?.split('"').next()?;
            Some((status.to_owned(), !tag.contains(" hidden")))
        })
        .collect()
}

fn visible_statuses(dom: &str) -> Vec<String> {
    rows(dom)
        .into_iter()
        .filter(|(_, visible)| *visible)
        .map(|(status, _)| status)
        .collect()
}

#[test]
fn the_page_loads_nothing_from_outside_and_has_one_script() {
    let page = html_report();
    for needle in ["src=", "href=", "url(", "@import", "http-equiv=\"refresh\""] {
        assert!(!page.contains(needle), "the page mentions {needle}");
    }
    assert_eq!(page.matches("<script").count(), 1);
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none';"));
}

/// A waived failure is neither a failure nor a skip: it has its own counter and filter, and its
/// row keeps the verdict, the message and the waiver's reason.
#[test]
fn a_waived_check_has_its_own_filter_and_keeps_its_verdict_and_reason() {
    let page = html_report();
    assert!(page.contains(
        "<input type=\"checkbox\" name=\"status\" value=\"waived\" checked>\
         <span class=\"count\">1</span> waived"
    ));
    let row = page
        .split("<details ")
        .find(|row| row.contains("entra.manager.replaced"))
        .expect("the waived check has a row");
    assert!(row.starts_with("class=\"check\" data-status=\"waived\">"));
    assert!(row.contains("<span class=\"why\">fail: the manager was not replaced"));
    assert!(row.contains(
        "<dt>Waived</dt><dd>VENDOR-7: managers as plain strings land in release 5.2 \
         (verdict: fail)</dd>"
    ));
    assert!(page.contains("<p class=\"result\">The run fails at --fail-on must (3 checks).</p>"));
}

#[test]
fn without_a_hash_the_page_shows_what_needs_attention() {
    let Some(browser) = chromium() else { return };
    let dom = dom_after_script(browser, "");
    assert!(
        dom.contains("data-ready=\"1\""),
        "the script did not finish"
    );
    assert_eq!(rows(&dom).len(), 13, "every check has a row");
    assert_eq!(
        visible_statuses(&dom),
        ["warn", "fail", "fail", "error", "warn", "fail", "waived"]
    );
    assert!(dom.contains("<span id=\"shown\" aria-live=\"polite\">7 of 13 checks shown</span>"));
}

#[test]
fn a_status_in_the_hash_shows_only_those_checks() {
    let Some(browser) = chromium() else { return };
    let dom = dom_after_script(browser, "#status=fail");
    assert!(dom.contains("data-ready=\"1\""));
    assert_eq!(visible_statuses(&dom), ["fail", "fail", "fail"]);
    assert!(dom.contains("3 of 13 checks shown"));
    assert!(
        dom.contains("<section class=\"area\" hidden=\"\">\n<h3>discovery</h3>"),
        "an area with no failure is hidden"
    );
}

#[test]
fn a_search_in_the_hash_narrows_by_text() {
    let Some(browser) = chromium() else { return };
    let dom = dom_after_script(browser, "#status=pass,fail,warn,skip,error&q=OKTA");
    assert_eq!(visible_statuses(&dom), ["pass", "fail"]);
    assert!(dom.contains("2 of 13 checks shown"));
}

#[test]
fn a_script_in_a_message_is_shown_as_text_and_never_runs() {
    let Some(browser) = chromium() else { return };
    let dom = dom_after_script(browser, "#status=fail");
    assert!(dom.contains("<title>SCIM conformance: http://127.0.0.1:8080/scim/v2</title>"));
    assert!(!dom.contains("pwned</title>"));
    let escaped = SCRIPT_MESSAGE
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    assert!(dom.contains(&escaped), "the message is shown as text");
    assert_eq!(dom.matches("<script").count(), 1);
}

#[test]
fn ticking_a_status_and_typing_a_search_filter_the_list_and_update_the_hash() {
    let Some(browser) = chromium() else { return };
    let user = r#"
        var passed = document.querySelector("input[value=pass]");
        passed.checked = true;
        passed.dispatchEvent(new Event("input", { bubbles: true }));
        var search = document.getElementById("search");
        search.value = "entra";
        search.dispatchEvent(new Event("input", { bubbles: true }));
        document.body.dataset.hash = location.hash;
    "#;
    let rendered = write_page(Some(user));
    let dom = run_chromium(browser, &rendered, &["--dump-dom"], "");
    assert_eq!(visible_statuses(&dom), ["pass", "waived"]);
    assert!(dom.contains("2 of 13 checks shown"));
    assert!(dom.contains("data-hash=\"#status=fail,error,warn,waived,pass&amp;q=entra\""));
}
