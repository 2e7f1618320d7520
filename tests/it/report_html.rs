//! The HTML report, checked as a user sees it: rendered in headless Chromium, after its script
//! ran. The page must mark itself ready, open with the findings, head each area with a bar of
//! its verdicts, filter the check list from the URL hash, and show server text as text (a
//! `<script>` in a message must not run).
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

/// The findings come before the filters and the checks, most urgent first, each with what it
/// breaks, what was seen, its fix and its checks; a waived failure is none.
#[test]
fn the_page_opens_with_the_findings() {
    let page = html_report();
    let findings = page
        .find("<section id=\"findings\"")
        .expect("a findings section");
    assert!(findings < page.find("<form id=\"filters\"").expect("the filters"));
    assert!(findings < page.find("<section class=\"suite\">").expect("the checks"));
    let keys: Vec<&str> = page
        .split("<li class=\"cause ")
        .skip(1)
        .filter_map(|cause| cause.split("data-key=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(
        keys,
        [
            "filter-eq-not-exact",
            "pathless-patch-ignored",
            "error-body-missing"
        ]
    );
    assert!(page.contains(
        "<li class=\"cause bad\" data-key=\"error-body-missing\">\n<p class=\"headline\">An \
         error answer has no SCIM Error body: 2 checks, RFC 7644 §3.12</p>"
    ));
    assert!(
        page.contains("<dt>Breaks</dt><dd>matching existing users and groups before a create</dd>")
    );
    assert!(page.contains(
        "<dt>Checks</dt><dd class=\"checks\"><code class=\"id\">\
         rfc7644.discovery.unknown-schema-is-404</code> <code class=\"id\">\
         rfc7644.errors.error-schema</code></dd>"
    ));
    assert!(!page.contains("data-key=\"urn-path-refused\""), "waived");
    assert!(page.contains("<h3>Without a named deviation</h3>"));
}

/// Every area is headed by a bar of its verdicts and the same counts in words, and the bars of
/// all areas come together after the findings, before the filters.
#[test]
fn each_area_has_a_bar_of_its_verdicts() {
    let page = html_report();
    let tally = |area: &str| {
        page.split(&format!("<h3>{area}</h3>\n"))
            .nth(1)
            .and_then(|rest| rest.split('\n').next())
            .unwrap_or_else(|| panic!("no area {area}"))
            .to_owned()
    };
    assert_eq!(
        tally("filter"),
        "<p class=\"tally\"><span class=\"bar\" role=\"img\" aria-label=\"1 passed, 1 failed\">\
         <span class=\"pass\" style=\"flex-grow: 1\"></span><span class=\"fail\" \
         style=\"flex-grow: 1\"></span></span> <span class=\"tally-text\">1 passed, 1 failed</span></p>"
    );
    assert!(tally("patch").contains("aria-label=\"1 errored\""));
    let overview = page
        .split_once("<section id=\"areas\" class=\"overview\">")
        .and_then(|(_, rest)| rest.split_once("</section>"))
        .map(|(overview, _)| overview)
        .expect("an overview of the areas");
    assert!(page.find("id=\"areas\"") < page.find("<form id=\"filters\""));
    assert!(page.find("id=\"findings\"") < page.find("id=\"areas\""));
    assert!(overview.contains(
        "<h3>Okta</h3>\n<dl class=\"area-bars\">\n<dt>users</dt><dd><p class=\"tally\">\
         <span class=\"bar\" role=\"img\" aria-label=\"1 passed, 1 failed\">"
    ));
    assert_eq!(
        overview.matches("<p class=\"tally\">").count(),
        10,
        "one per area"
    );
    assert_eq!(
        page.matches("<p class=\"tally\">").count(),
        20,
        "and one over each area"
    );
}

/// As drawn: the findings and the bars of every area stay in view whatever the filter hides,
/// and each segment of an area's bar is as wide as its share of the area's checks (the bar
/// counts every check of the area, not only those the filter shows).
#[test]
fn the_findings_stay_shown_and_the_bars_are_drawn_to_scale() {
    let Some(browser) = chromium() else { return };
    let measure = r#"
        var findings = document.getElementById("findings");
        var suite = document.querySelector("section.suite");
        document.body.dataset.findingsFirst = String(
            (findings.compareDocumentPosition(suite) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0);
        document.body.dataset.findingsShown = String(findings.getBoundingClientRect().height > 0);
        document.body.dataset.barsShown = String(Array.prototype.filter.call(
            document.getElementById("areas").querySelectorAll(".bar"),
            function (bar) { return bar.getBoundingClientRect().width > 0; }).length);
        var area = Array.prototype.find.call(document.querySelectorAll("section.area"),
            function (section) { return section.querySelector("h3").textContent === "filter"; });
        document.body.dataset.filterBar = Array.prototype.map.call(
            area.querySelectorAll(".bar > span"),
            function (segment) {
                return segment.className + ":" + Math.round(segment.getBoundingClientRect().width);
            }).join(",");
    "#;
    let rendered = write_page(Some(measure));
    let dom = run_chromium(browser, &rendered, &["--dump-dom"], "#status=fail&q=eq-is");
    assert!(dom.contains("data-ready=\"1\""));
    assert_eq!(visible_statuses(&dom), ["fail"], "the filter applied");
    assert!(dom.contains("data-findings-first=\"true\""));
    assert!(
        dom.contains("data-findings-shown=\"true\""),
        "the filter narrows the checks, never the findings"
    );
    assert!(
        dom.contains("data-filter-bar=\"pass:90,fail:90\""),
        "one pass and one fail share the 180-pixel bar"
    );
    assert!(
        dom.contains("data-bars-shown=\"10\""),
        "every area's bar stays in the overview, though the filter hides all but one area"
    );
}
