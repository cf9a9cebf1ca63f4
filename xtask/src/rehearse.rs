//! A regeneration rehearsed on a copy of the crate: regenerate there, check
//! that it changed nothing but the document and snapshots, build, and run its
//! tests (and extra ones), leaving the working tree untouched.

use std::path::{Path, PathBuf};

use crate::{document, root};

/// What the copy is made of, relative to the root.
const COPIED: &[&str] = &[
    "build.rs",
    "build",
    "Cargo.lock",
    "README.md",
    "docs",
    "LICENSE-MIT",
    "LICENSE-APACHE",
    "src",
    "archive",
    "cli",
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

/// What a regeneration may change in the copy: the document (and its
/// provenance) and snapshot files. Anything else would be a hand edit.
fn regen_may_change(path: &str) -> bool {
    path.starts_with("openapi/")
        || ((path.starts_with("tests/snapshots/") || path.starts_with("cli/tests/snapshots/"))
            && path.ends_with(".snap"))
}

/// Which tests the regenerated copy runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tests {
    /// Every test of the crate, plus the extra ones.
    All,
    /// The snapshot, request-encoding and validation tests, plus the extra
    /// ones (what a new parameter touches).
    Parameters,
}

/// Copies the crate to `target/rehearsal/crate`, regenerates it from
/// `upstream` exactly as `cargo xtask regen` would (document, provenance,
/// generated-code snapshot), fails if that changed any file besides the
/// document and snapshots, then adds `extra_tests` and runs the tests (in a
/// target directory of its own).
pub fn rehearse(upstream: &[u8], extra_tests: &[PathBuf], tests: Tests) -> Result<(), String> {
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
    let manifest = manifest.replace(
        r#"members = [".", "archive", "cli", "xtask"]"#,
        r#"members = [".", "archive", "cli"]"#,
    );
    std::fs::write(dest.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;

    crate::regen::write(&dest, upstream, "(rehearsal)", None)?;
    println!(
        "Rehearsing in {}: refreshing the snapshots that follow from the document…",
        dest.display()
    );
    crate::document_snapshots(&dest, "always", Some(&root.join("target/rehearsal/target")))
        .map_err(|e| format!("{e} in the rehearsal"))?;

    let changed = changed_files(&root, &dest)?;
    println!("The regeneration changed:");
    for path in &changed {
        println!("  {path}");
    }
    let hand_edits: Vec<&String> = changed.iter().filter(|p| !regen_may_change(p)).collect();
    if !hand_edits.is_empty() {
        return Err(format!(
            "the regeneration changed files besides openapi/ and snapshots: {}",
            hand_edits
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    println!("Only the document and snapshots changed: nothing needs a hand edit.");

    let mut names = Vec::new();
    for test in extra_tests {
        let name = test
            .file_name()
            .ok_or_else(|| format!("{} is not a file", test.display()))?;
        // Into the command-line package: the extra tests run the binary as
        // well as the library.
        std::fs::copy(test, dest.join("cli/tests").join(name))
            .map_err(|e| format!("cannot copy {}: {e}", test.display()))?;
        names.push(
            Path::new(name)
                .file_stem()
                .and_then(|s| s.to_str())
                .ok_or_else(|| format!("{} is not a UTF-8 name", test.display()))?
                .to_owned(),
        );
    }
    match tests {
        Tests::All => {
            println!("Running every test of the regenerated crate…");
            cargo(&dest, &["test", "--workspace", "--all-features"], "no")?;
        }
        Tests::Parameters => {
            println!("Running the regenerated crate's parameter tests…");
            let mut args = vec!["test", "--all-features", "-p", "arize-audit-logs"];
            for name in ["generated_code", "request_encoding", "validation"] {
                args.extend(["--test", name]);
            }
            cargo(&dest, &args, "no")?;
            let mut args = vec!["test", "--all-features", "-p", "arize-audit-logs-cli"];
            for name in std::iter::once("cli").chain(names.iter().map(String::as_str)) {
                args.extend(["--test", name]);
            }
            cargo(&dest, &args, "no")?;
        }
    }
    println!("The regenerated crate builds and passes its tests.");
    Ok(())
}

/// Every file under [`COPIED`] whose bytes differ between `root` and `copy`,
/// or that exists in only one of them, relative and sorted.
fn changed_files(root: &Path, copy: &Path) -> Result<Vec<String>, String> {
    let mut files = std::collections::BTreeSet::new();
    // Cargo.lock is copied to pin versions, and cargo prunes the copy's of
    // the xtask member's dependencies: not a change the regeneration made.
    for item in COPIED.iter().filter(|item| **item != "Cargo.lock") {
        list(root, Path::new(item), &mut files)?;
        list(copy, Path::new(item), &mut files)?;
    }
    Ok(files
        .into_iter()
        .filter(|rel| std::fs::read(root.join(rel)).ok() != std::fs::read(copy.join(rel)).ok())
        .map(|rel| rel.to_string_lossy().into_owned())
        .collect())
}

fn list(
    base: &Path,
    rel: &Path,
    out: &mut std::collections::BTreeSet<PathBuf>,
) -> Result<(), String> {
    let path = base.join(rel);
    let Ok(meta) = std::fs::metadata(&path) else {
        return Ok(());
    };
    if meta.is_dir() {
        for entry in std::fs::read_dir(&path).map_err(|e| e.to_string())? {
            let entry = entry.map_err(|e| e.to_string())?;
            list(base, &rel.join(entry.file_name()), out)?;
        }
    } else {
        out.insert(rel.to_owned());
    }
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
