//! Arguments of `scimctl demo`, and the `scimctl test` arguments the demo runs the suites with.

use std::path::PathBuf;

use clap::{Args, Parser};

use super::test::TestArgs;

/// Try scimctl in one command, without a SCIM service of your own.
///
/// Starts the embedded server on a free loopback port with a dozen users and a few groups,
/// lists them, runs the rfc7644 and okta conformance suites against it, prints the verdicts and
/// writes an HTML report. The server is stopped at the end, and on Ctrl-C.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the HTML report
    #[arg(long, value_name = "FILE", default_value = "scimctl-demo-report.html")]
    pub html: PathBuf,

    /// Checks run at the same time
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub jobs: usize,
}

/// The built-in suites the demo runs.
pub const DEMO_SUITES: [&str; 2] = ["rfc7644", "okta"];

/// A `scimctl test` command line, parsed like one, so that every option the demo does not set
/// keeps the default `scimctl test` has.
#[derive(Debug, Parser)]
struct SuiteCommandLine {
    #[command(flatten)]
    test: TestArgs,
}

impl DemoArgs {
    /// The arguments of `scimctl test --suite rfc7644 --suite okta --allow-writes
    /// --report html=FILE --jobs N`.
    pub fn test_args(&self) -> Result<TestArgs, clap::Error> {
        let report = format!("html={}", self.html.display());
        let jobs = self.jobs.to_string();
        let mut line: Vec<&str> = vec!["scimctl-test"];
        for suite in DEMO_SUITES {
            line.extend(["--suite", suite]);
        }
        line.extend(["--allow-writes", "--report", &report, "--jobs", &jobs]);
        SuiteCommandLine::try_parse_from(line).map(|parsed| parsed.test)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_runs_the_rfc_and_okta_suites_with_writes_and_an_html_report() {
        let demo = DemoArgs {
            html: PathBuf::from("out/report.html"),
            jobs: 2,
        };
        let test = demo.test_args().expect("a valid test command line");
        assert_eq!(test.suites, ["rfc7644", "okta"]);
        assert!(test.allow_writes);
        assert_eq!(test.reports, ["html=out/report.html"]);
        assert_eq!(test.jobs, 2);
        assert!(test.command.is_none() && !test.list);
    }
}
