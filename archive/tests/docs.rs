//! The builder example shown in the READMEs is the one the crate's
//! documentation compiles as a doctest: neither README can drift from code
//! that builds. (The root README is doctested by the client crate, which does
//! not depend on this one, so its block is marked `ignore` and checked here.)

use std::path::Path;

/// The text of `path`, relative to the workspace root.
fn read(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The code lines of the first fenced block after `heading` (or anywhere,
/// for an empty heading) whose info string starts with `rust`; each line
/// trimmed at the end.
fn rust_block(markdown: &str, heading: &str) -> Vec<String> {
    let from = markdown
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading:?}"));
    let mut lines = markdown[from..].lines();
    lines
        .by_ref()
        .find(|l| l.starts_with("```rust"))
        .expect("a rust block");
    lines
        .take_while(|l| !l.starts_with("```"))
        .map(|l| l.trim_end().to_owned())
        .collect()
}

/// The doctest of the crate documentation's `# Example`, as a reader sees
/// it: the `//! ` taken off, hidden `# ` lines left out.
fn compiled_example() -> Vec<String> {
    let lib = read("archive/src/lib.rs");
    let doc: String = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    rust_block(&doc, "# Example")
        .into_iter()
        .filter(|l| !l.starts_with("# ") && l != "#")
        .collect()
}

/// Whether every line of `shown` but its comments is a line of `compiled`,
/// in the same order.
fn shown_in(shown: &[String], compiled: &[String]) -> Result<(), String> {
    let mut rest = compiled.iter();
    for line in shown {
        if line.trim_start().starts_with("//") {
            continue;
        }
        if !rest.any(|c| c == line) {
            return Err(format!(
                "{line:?} is not in the compiled example (in order)"
            ));
        }
    }
    Ok(())
}

#[test]
fn the_archive_readme_shows_the_compiled_example_verbatim() {
    let shown = rust_block(&read("archive/README.md"), "");
    assert_eq!(shown, compiled_example());
}

#[test]
fn the_root_readme_service_example_is_part_of_the_compiled_example() {
    let shown = rust_block(&read("README.md"), "## Use it from a service");
    assert!(shown.len() > 10, "the builder is shown: {shown:?}");
    shown_in(&shown, &compiled_example()).expect("the README's service example compiles");
}

#[test]
fn a_line_the_compiled_example_lacks_is_caught() {
    let compiled = compiled_example();
    let mut shown = compiled.clone();
    shown.insert(3, "    .overwrite(true)".to_owned());
    assert!(shown_in(&shown, &compiled).is_err());
    let reversed: Vec<String> = compiled.iter().rev().cloned().collect();
    assert!(shown_in(&reversed, &compiled).is_err(), "order counts");
}
