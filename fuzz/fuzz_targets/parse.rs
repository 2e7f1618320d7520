//! Feeds arbitrary bytes to the filter and PATCH path parsers, strict and lenient: none may
//! panic, and whatever parses must print as text that parses back to the same tree.
//!
//! Run with `cargo +nightly fuzz run parse` from the repository root.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scimctl::scim::filter::{ParseOptions, parse_filter_with};
use scimctl::scim::path::{parse_attr_path, parse_patch_path_with};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    for opts in [ParseOptions::default(), ParseOptions::lenient()] {
        if let Ok(parsed) = parse_filter_with(input, opts) {
            let text = parsed.filter.to_string();
            let again = parse_filter_with(&text, opts).expect("canonical filter reparses");
            assert_eq!(again.filter, parsed.filter, "{text}");
        }
        if let Ok(parsed) = parse_patch_path_with(input, opts) {
            let text = parsed.path.to_string();
            let again = parse_patch_path_with(&text, opts).expect("canonical path reparses");
            assert_eq!(again.path, parsed.path, "{text}");
        }
    }
    let _ = parse_attr_path(input);
});
