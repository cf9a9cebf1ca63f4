//! Maintenance tasks for arize-audit-logs: regenerating the checked-in OpenAPI
//! document from Arize's upstream one, and spec drift checks.

pub mod bench;
pub mod conform;
pub mod document;
pub mod drift;
pub mod links;
pub mod regen;
pub mod rehearse;
pub mod report;
pub mod source;
pub mod yaml;

use std::path::PathBuf;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The checked-in document, relative to the root.
pub const DOCUMENT: &str = "openapi/arize-audit-logs.yaml";
/// Where regen records where the document came from.
pub const PROVENANCE: &str = "openapi/provenance.json";

/// The snapshot tests whose snapshots follow from the document: the
/// generated bindings, and the command line's help (a new query parameter is
/// a new flag). `(package, test target, name filter)`.
pub const DOCUMENT_SNAPSHOTS: &[(&str, &str, &str)] = &[
    ("arize-audit-logs", "generated_code", ""),
    (
        "arize-audit-logs-cli",
        "cli",
        "help_texts_document_every_command",
    ),
];

/// Runs the snapshot tests of [`DOCUMENT_SNAPSHOTS`] in `dir`: with `update`
/// `always` they are rewritten for review; with `no` a stale one fails.
pub fn document_snapshots(
    dir: &std::path::Path,
    update: &str,
    target_dir: Option<&std::path::Path>,
) -> Result<(), String> {
    for (package, test, filter) in DOCUMENT_SNAPSHOTS {
        let mut args = vec![
            "test",
            "--quiet",
            "--all-features",
            "-p",
            package,
            "--test",
            test,
        ];
        if !filter.is_empty() {
            args.push(filter);
        }
        cargo_with_snapshots(dir, &args, update, target_dir)?;
    }
    Ok(())
}

/// Runs cargo in `dir` with `INSTA_UPDATE` set (`always` refreshes
/// snapshots, `no` fails on a stale one), optionally with another target dir.
pub fn cargo_with_snapshots(
    dir: &std::path::Path,
    args: &[&str],
    insta_update: &str,
    target_dir: Option<&std::path::Path>,
) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = std::process::Command::new(cargo);
    command
        .current_dir(dir)
        .args(args)
        .env("INSTA_UPDATE", insta_update)
        .env(
            "INSTA_FORCE_PASS",
            if insta_update == "always" { "1" } else { "0" },
        )
        .env_remove("ARIZE_API_KEY")
        .env_remove("ARIZE_BASE_URL");
    if let Some(target) = target_dir {
        command.env("CARGO_TARGET_DIR", target);
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {} failed ({status})", args.join(" ")))
    }
}

/// Parses a document already in extracted form (or an upstream one) into
/// openapiv3's types after extraction.
pub fn extracted_typed(bytes: &[u8]) -> Result<openapiv3::OpenAPI, document::DocumentError> {
    let extracted = document::extract(&document::parse(bytes)?)?;
    serde_json::from_value(extracted)
        .map_err(|e| document::DocumentError(format!("not valid OpenAPI 3.0: {e}")))
}
