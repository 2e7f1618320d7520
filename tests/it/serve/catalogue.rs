//! README's table of quirks is the one `scimctl::serve::quirks::readme_table` generates from the
//! quirk table, so the two cannot drift apart. `SCIMCTL_UPDATE_README=1` rewrites it in place.

use scimctl::serve::quirks::readme_table;

const BEGIN: &str = "<!-- quirk table: generated from src/serve/quirks/table.rs, checked by tests/it/serve/catalogue.rs -->\n";
const END: &str = "<!-- end of quirk table -->";

#[test]
fn the_readme_quirk_table_is_the_generated_one() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let start = readme.find(BEGIN).expect("README marks its quirk table") + BEGIN.len();
    let end = start + readme[start..].find(END).expect("the table's end marker");
    let generated = readme_table();
    if readme[start..end] == generated {
        return;
    }
    if std::env::var_os("SCIMCTL_UPDATE_README").is_some_and(|v| v == "1") {
        let updated = format!("{}{generated}{}", &readme[..start], &readme[end..]);
        std::fs::write(path, updated).expect("README.md written");
        return;
    }
    panic!(
        "README's quirk table differs from src/serve/quirks/table.rs; rerun this test with \
         SCIMCTL_UPDATE_README=1 to regenerate it. Expected:\n{generated}"
    );
}
