//! Maintenance tasks for arize-audit-logs: regenerating the checked-in OpenAPI
//! document from Arize's upstream one, and spec drift checks.

pub mod bench;
pub mod document;
pub mod drift;
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

/// Parses a document already in extracted form (or an upstream one) into
/// openapiv3's types after extraction.
pub fn extracted_typed(bytes: &[u8]) -> Result<openapiv3::OpenAPI, document::DocumentError> {
    let extracted = document::extract(&document::parse(bytes)?)?;
    serde_json::from_value(extracted)
        .map_err(|e| document::DocumentError(format!("not valid OpenAPI 3.0: {e}")))
}
