//! Reading an exported OCSF line back: which entry it is.

use serde::Deserialize;

/// The entry's `id` and `created_at` (as the server sent it) of an OCSF
/// event's `metadata` object, from its `uid` and `original_time`, which the
/// mapping fills from them.
pub fn identity(metadata: &str) -> Result<(String, String), String> {
    #[derive(Deserialize)]
    struct Metadata {
        uid: String,
        original_time: String,
    }
    let metadata: Metadata = serde_json::from_str(metadata).map_err(|e| {
        format!("an OCSF event without metadata.uid and metadata.original_time: {e}")
    })?;
    Ok((metadata.uid, metadata.original_time))
}
