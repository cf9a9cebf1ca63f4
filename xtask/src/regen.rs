//! What `cargo xtask regen` writes: the normalised document and its
//! provenance. The same code writes the rehearsal's copy, so a rehearsal
//! changes exactly what a regeneration would.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::{document, DOCUMENT, PROVENANCE};

/// Writes the document extracted from `upstream` and its provenance under
/// `root`; `from` and `note` say where it came from. Returns the normalised
/// text.
pub fn write(
    root: &Path,
    upstream: &[u8],
    from: &str,
    note: Option<&str>,
) -> Result<String, String> {
    let normalised = document::extract_normalised(upstream).map_err(|e| format!("{from}: {e}"))?;
    let path = root.join(DOCUMENT);
    std::fs::write(&path, &normalised)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let mut provenance = serde_json::json!({
        "source": from,
        "sha256": hex(&Sha256::digest(upstream)),
        "retrieved": chrono::Utc::now().format("%Y-%m-%d").to_string(),
        "operation": document::OPERATION_ID,
        "tool": "cargo xtask regen",
    });
    if let Some(note) = note {
        provenance["note"] = note.into();
    }
    let path = root.join(PROVENANCE);
    std::fs::write(&path, format!("{provenance:#}\n"))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(normalised)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
