//! The conformance runner: executes suite checks against a SCIM service and returns verdicts.
//! It never prints and never opens files; reporters turn its outcome into text.

pub mod outcome;
