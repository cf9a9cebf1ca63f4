//! A regeneration rehearsed on a copy of the crate: regenerate there, build,
//! and run its tests (and extra ones), leaving the working tree untouched.

use std::path::{Path, PathBuf};

use crate::{document, root, DOCUMENT};

/// What the copy is made of, relative to the root.
const COPIED: &[&str] = &[
    "build.rs",
    "Cargo.lock",
    "README.md",
    "LICENSE-MIT",
    "LICENSE-APACHE",
    "src",
    "openapi",
    "tests",
    "benches",
];

/// Applies a JSON patch (a bare array, or a variant file's `patch`) to a document.
pub fn patched(upstream: &[u8], patch_file: &Path) -> Result<Vec<u8>, String> {
    let mut doc = document::parse(upstream).map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(patch_file)
        .map_err(|e| format!("cannot read {}: {e}", patch_file.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not JSON: {e}", patch_file.display()))?;
    let operations = value.get("patch").cloned().unwrap_or(value);
    let patch: json_patch::Patch = serde_json::from_value(operations)
        .map_err(|e| format!("{} is not a JSON patch: {e}", patch_file.display()))?;
    json_patch::patch(&mut doc, &patch).map_err(|e| format!("the patch does not apply: {e}"))?;
    serde_json::to_vec_pretty(&doc).map_err(|e| e.to_string())
}

/// Copies the crate to `target/rehearsal/crate`, regenerates it from
/// `upstream`, adds `extra_tests`, refreshes its generated-code snapshot and
/// runs all its tests (in a target directory of its own).
pub fn rehearse(upstream: &[u8], extra_tests: &[PathBuf]) -> Result<(), String> {
    let root = root();
    let dest = root.join("target/rehearsal/crate");
    if dest.exists() {
        std::fs::remove_dir_all(&dest)
            .map_err(|e| format!("cannot clear {}: {e}", dest.display()))?;
    }
    std::fs::create_dir_all(&dest).map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
    for item in COPIED {
        copy(&root.join(item), &dest.join(item))?;
    }
    // The copy is a workspace of its own, without the xtask member.
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let manifest = manifest.replace(r#"members = [".", "xtask"]"#, r#"members = ["."]"#);
    std::fs::write(dest.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;

    let normalised = document::extract_normalised(upstream).map_err(|e| e.to_string())?;
    std::fs::write(dest.join(DOCUMENT), normalised).map_err(|e| e.to_string())?;
    for test in extra_tests {
        let name = test
            .file_name()
            .ok_or_else(|| format!("{} is not a file", test.display()))?;
        std::fs::copy(test, dest.join("tests").join(name))
            .map_err(|e| format!("cannot copy {}: {e}", test.display()))?;
    }

    println!(
        "Rehearsing in {}: refreshing the generated-code snapshot…",
        dest.display()
    );
    cargo(
        &dest,
        &[
            "test",
            "--quiet",
            "--all-features",
            "--test",
            "generated_code",
        ],
        "always",
    )?;
    println!("Running every test of the regenerated crate…");
    cargo(&dest, &["test", "--all-features"], "no")?;
    println!("The regenerated crate builds and passes its tests.");
    Ok(())
}

/// Runs cargo in the copy with a target directory of its own. Sharing the
/// workspace's would be faster but wrong: cargo identifies a path package by
/// its path relative to its workspace root, so the copy's units would take the
/// same fingerprints as the real crate's and overwrite its test binaries.
fn cargo(dir: &Path, args: &[&str], insta_update: &str) -> Result<(), String> {
    crate::cargo_with_snapshots(
        dir,
        args,
        insta_update,
        Some(&root().join("target/rehearsal/target")),
    )
    .map_err(|e| format!("{e} in the rehearsal"))
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    let meta =
        std::fs::metadata(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    if meta.is_dir() {
        std::fs::create_dir_all(to).map_err(|e| e.to_string())?;
        for entry in std::fs::read_dir(from).map_err(|e| e.to_string())? {
            let entry = entry.map_err(|e| e.to_string())?;
            copy(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        std::fs::copy(from, to)
            .map(|_| ())
            .map_err(|e| format!("cannot copy {}: {e}", from.display()))
    }
}
