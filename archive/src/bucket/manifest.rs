//! `dt=YYYY-MM-DD/_manifest.json`: every object of a day, in the order
//! written, with what an auditor checks it against.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use crate::digest::Edge;
use crate::Format;

/// The manifest of one day's partition.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// The format of this file: 1.
    pub version: u32,
    /// The day (UTC) of `created_at` of every entry listed.
    pub partition: NaiveDate,
    /// What each line of the objects is: an entry as sent (`jsonl`) or its
    /// OCSF event (`ocsf`). A manifest written before the member existed
    /// lists JSON Lines.
    #[serde(default = "json_lines")]
    pub format: Format,
    /// In the order written; an object uploaded again replaces its record.
    pub objects: Vec<ObjectRecord>,
}

/// One object.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct ObjectRecord {
    /// The object's key in the bucket.
    pub key: String,
    /// SHA-256 of the object as stored (gzip), hex.
    pub sha256: String,
    /// The object's size as stored.
    pub bytes: u64,
    /// SHA-256 of the decompressed JSON Lines, hex.
    pub content_sha256: String,
    pub content_bytes: u64,
    /// Lines, one entry each.
    pub entries: u64,
    /// The first and last entry, in the object's order.
    pub first: Edge,
    pub last: Edge,
}

impl Manifest {
    /// Its name within a partition.
    pub const NAME: &'static str = "_manifest.json";
    const VERSION: u32 = 1;

    pub fn new(partition: NaiveDate, format: Format) -> Self {
        Self {
            version: Self::VERSION,
            partition,
            format,
            objects: Vec::new(),
        }
    }

    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let manifest: Self = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if manifest.version != Self::VERSION {
            return Err(format!(
                "manifest version {}, this version writes {}",
                manifest.version,
                Self::VERSION
            ));
        }
        Ok(manifest)
    }

    /// Adds an object, or replaces the record of one uploaded again.
    pub fn record(&mut self, object: ObjectRecord) {
        match self.objects.iter_mut().find(|o| o.key == object.key) {
            Some(existing) => *existing = object,
            None => self.objects.push(object),
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut json = serde_json::to_vec_pretty(self).unwrap_or_default();
        json.push(b'\n');
        json
    }
}

/// The format of a manifest that does not name one.
fn json_lines() -> Format {
    Format::Jsonl
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(key: &str, sha: &str) -> ObjectRecord {
        let edge = Edge {
            id: "a".into(),
            created_at: "2026-05-01T00:00:00.000Z".into(),
        };
        ObjectRecord {
            key: key.into(),
            sha256: sha.into(),
            bytes: 1,
            content_sha256: sha.into(),
            content_bytes: 1,
            entries: 1,
            first: edge.clone(),
            last: edge,
        }
    }

    #[test]
    fn an_object_uploaded_again_replaces_its_record_and_keeps_its_place() {
        let mut manifest = Manifest::new("2026-05-01".parse().expect("day"), Format::Jsonl);
        manifest.record(object("x", "1"));
        manifest.record(object("y", "2"));
        manifest.record(object("x", "1"));
        assert_eq!(manifest.objects.len(), 2);
        assert_eq!(manifest.objects[0].key, "x");
        let back = Manifest::parse(&manifest.to_json()).expect("parses");
        assert_eq!(back.objects, manifest.objects);
    }

    #[test]
    fn the_format_is_recorded_and_a_manifest_without_one_lists_json_lines() {
        let manifest = Manifest::new("2026-05-01".parse().expect("day"), Format::Ocsf);
        let json: serde_json::Value = serde_json::from_slice(&manifest.to_json()).expect("json");
        assert_eq!(json["format"], "ocsf");
        assert_eq!(
            Manifest::parse(&manifest.to_json()).expect("parses").format,
            Format::Ocsf
        );
        let older = br#"{"version":1,"partition":"2026-05-01","objects":[]}"#;
        assert_eq!(
            Manifest::parse(older).expect("parses").format,
            Format::Jsonl
        );
    }
}
