//! Digest chains: what makes an archive tamper-evident (`export --digests`,
//! `verify`).
//!
//! Each finished unit of an archive (a byte range of a JSON Lines file,
//! sealed at each checkpoint; or an object in a bucket) gets one digest: its
//! SHA-256, entry count, first and last entry, and a short hash of each of
//! its lines, so a change can be named down to the line. Each digest names
//! the SHA-256 of the digest before it, so the digests of an archive form one
//! chain, and with `--signing-key` each is signed with Ed25519. A digest is
//! written only once the data it covers is durable, and before the journal
//! that counts that data is saved.
//!
//! # The format, version 1
//!
//! A digest is one JSON object: `{"digest": BODY, "signature": SIG}`. In a
//! file archive the digests are the lines of `FILE.digests`; in a bucket each
//! is an object `PREFIX/_digests/SEQUENCE.json` (20 digits). The SHA-256 of
//! a digest is that of its bytes (a line without its line break; an
//! object's content). `SIG` is `null`, or `{"key_id", "ed25519"}`: the
//! Ed25519 signature, hex, of the exact bytes of `BODY` as they appear in
//! the digest, and the first 16 hex digits of the SHA-256 of the raw 32-byte
//! public key. `BODY` has these members:
//!
//! | member | meaning |
//! |---|---|
//! | `version` | 1 |
//! | `archive` | a random id, the same in every digest of the chain |
//! | `sequence` | 0, 1, 2, … in the order written |
//! | `previous` | the SHA-256 (hex) of the digest before, `null` for sequence 0 |
//! | `written_at` | when the digest was written (RFC 3339, UTC) |
//! | `unit` | `{"kind":"range","file","offset","bytes"}` or `{"kind":"object","key","stored_bytes","stored_sha256"}` |
//! | `sha256` | of the unit's JSON Lines (an object's, decompressed) |
//! | `bytes` | their length |
//! | `entries` | lines, one entry each |
//! | `first`, `last` | `{"id","created_at"}` of the first and last line, `created_at` as the server sent it |
//! | `query` | the export's filters, in the API's parameter names |
//! | `lines` | for each line, the first 16 hex digits of the SHA-256 of the line with its `\n` |

pub mod keys;
pub mod reconcile;
pub mod report;
pub mod verify;
pub mod write;

use std::io::{self, BufRead};

use arize_audit_logs::ListAuditLogsParams;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest as _, Sha256};

use crate::Error;

/// The digest format this version writes and reads.
pub const DIGEST_VERSION: u32 = 1;

/// `FILE.digests`.
pub fn path_for(output: &std::path::Path) -> std::path::PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".digests");
    std::path::PathBuf::from(name)
}

/// The body of a digest: what is signed (its exact text, so a member
/// this version does not know is signed too).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Body {
    pub version: u32,
    pub archive: String,
    pub sequence: u64,
    pub previous: Option<String>,
    pub written_at: DateTime<Utc>,
    pub unit: Unit,
    #[serde(flatten)]
    pub content: Content,
    pub query: ListAuditLogsParams,
}

/// Where a unit is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Unit {
    /// Bytes `offset..offset + bytes` of a file (its name, without the
    /// directory: an archive can be moved).
    Range {
        file: String,
        offset: u64,
        bytes: u64,
    },
    /// An object, and its size and SHA-256 as stored (gzip).
    Object {
        key: String,
        stored_bytes: u64,
        stored_sha256: String,
    },
}

/// What a unit's JSON Lines hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Content {
    pub sha256: String,
    pub bytes: u64,
    pub entries: u64,
    pub first: Edge,
    pub last: Edge,
    pub lines: Vec<String>,
}

/// An entry at an end of a unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    pub id: String,
    /// As the server sent it.
    pub created_at: String,
}

/// The signature of a body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    pub key_id: String,
    pub ed25519: String,
}

/// A digest as stored, and its parts.
#[derive(Debug)]
pub struct Sealed {
    /// The digest's bytes (no line break).
    pub bytes: Vec<u8>,
    pub body: Body,
    /// `body` exactly as it appears in `bytes`, which is what is signed.
    pub body_text: String,
    pub signature: Option<Signature>,
}

impl Sealed {
    /// Parses a stored digest.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Envelope<'a> {
            #[serde(borrow)]
            digest: &'a RawValue,
            signature: Option<Signature>,
        }
        let envelope: Envelope<'_> = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let body: Body = serde_json::from_str(envelope.digest.get()).map_err(|e| e.to_string())?;
        if body.version != DIGEST_VERSION {
            return Err(format!(
                "digest version {}, this version reads {DIGEST_VERSION}",
                body.version
            ));
        }
        Ok(Self {
            bytes: bytes.to_vec(),
            body_text: envelope.digest.get().to_owned(),
            body,
            signature: envelope.signature,
        })
    }

    /// Serializes `body`, signed with `key` when there is one.
    pub fn seal(body: Body, key: Option<&keys::SigningKey>) -> Self {
        let body_text = serde_json::to_string(&body).unwrap_or_default();
        let signature = key.map(|key| key.sign(body_text.as_bytes()));
        let signature_text = match &signature {
            Some(s) => serde_json::to_string(s).unwrap_or_default(),
            None => "null".into(),
        };
        let bytes = format!("{{\"digest\":{body_text},\"signature\":{signature_text}}}");
        Self {
            bytes: bytes.into_bytes(),
            body,
            body_text,
            signature,
        }
    }

    /// The SHA-256 of the digest, which the next one names.
    pub fn sha256(&self) -> String {
        hex(&Sha256::digest(&self.bytes))
    }

    /// The lowest and highest `created_at` of the unit.
    pub fn time_range(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let a = parse_time(&self.body.content.first.created_at)?;
        let b = parse_time(&self.body.content.last.created_at)?;
        Some((a.min(b), a.max(b)))
    }
}

/// Where a chain stands: what the next digest continues from. Kept in the
/// export's journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainState {
    pub archive: String,
    /// The sequence of the next digest.
    pub next: u64,
    /// The SHA-256 of the last digest written.
    pub previous: Option<String>,
    /// The length of `FILE.digests` that holds the digests counted here
    /// (a file archive).
    pub file_bytes: u64,
    /// The bytes of the output covered by a digest (a file archive).
    pub covered: u64,
    /// The private key digests are signed with, and its id.
    pub signing_key: Option<std::path::PathBuf>,
    pub key_id: Option<String>,
}

impl ChainState {
    /// A new chain, under a new random archive id.
    pub fn new(key: Option<(&std::path::Path, &keys::SigningKey)>) -> Result<Self, Error> {
        let mut id = [0u8; 16];
        getrandom::fill(&mut id)
            .map_err(|e| Error::storage(format!("no randomness for the archive id: {e}")))?;
        Ok(Self {
            archive: hex(&id),
            next: 0,
            previous: None,
            file_bytes: 0,
            covered: 0,
            signing_key: key.map(|(path, _)| path.to_owned()),
            key_id: key.map(|(_, key)| key.id()),
        })
    }

    /// The next digest, for `unit` with `content`.
    pub fn next_digest(
        &mut self,
        unit: Unit,
        content: Content,
        query: &ListAuditLogsParams,
        key: Option<&keys::SigningKey>,
    ) -> Sealed {
        let body = Body {
            version: DIGEST_VERSION,
            archive: self.archive.clone(),
            sequence: self.next,
            previous: self.previous.clone(),
            written_at: Utc::now(),
            unit,
            content,
            query: query.filters(),
        };
        let sealed = Sealed::seal(body, key);
        self.next += 1;
        self.previous = Some(sealed.sha256());
        sealed
    }
}

/// Builds the [`Content`] of JSON Lines, a line at a time.
#[derive(Default)]
pub struct ContentBuilder {
    sha: Sha256,
    bytes: u64,
    lines: Vec<String>,
    first: Option<Edge>,
    last: Option<Edge>,
}

impl ContentBuilder {
    /// Adds one line, its `\n` included.
    pub fn line(&mut self, line: &[u8]) -> Result<(), String> {
        let edge = edge_of(line)?;
        self.sha.update(line);
        self.bytes += line.len() as u64;
        self.lines.push(line_hash(line));
        if self.first.is_none() {
            self.first = Some(edge.clone());
        }
        self.last = Some(edge);
        Ok(())
    }

    /// Lines so far.
    pub fn entries(&self) -> u64 {
        self.lines.len() as u64
    }

    /// The content; `None` when there were no lines.
    pub fn finish(self) -> Option<Content> {
        Some(Content {
            sha256: hex(&self.sha.finalize()),
            bytes: self.bytes,
            entries: self.lines.len() as u64,
            first: self.first?,
            last: self.last?,
            lines: self.lines,
        })
    }

    /// The content of the JSON Lines `reader` holds.
    #[cfg_attr(not(feature = "s3"), allow(dead_code))]
    pub fn read(reader: impl BufRead) -> Result<Option<Content>, String> {
        let mut builder = Self::default();
        for line in Lines(reader) {
            builder.line(&line.map_err(|e| e.to_string())?)?;
        }
        Ok(builder.finish())
    }
}

/// The lines of a reader, each with its `\n` (the last may lack it).
pub struct Lines<R>(pub R);

impl<R: BufRead> Iterator for Lines<R> {
    type Item = io::Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut line = Vec::new();
        match self.0.read_until(b'\n', &mut line) {
            Ok(0) => None,
            Ok(_) => Some(Ok(line)),
            Err(e) => Some(Err(e)),
        }
    }
}

/// The `id` and `created_at` of an exported line: an entry as sent (JSON
/// Lines), or the OCSF event of one (`--format ocsf`), whose
/// `metadata.uid` and `metadata.original_time` are the entry's `id` and
/// `created_at`. Every reader of exported lines (digests, `verify`, a
/// bucket's objects, a resumed file's last record) asks this.
pub fn edge_of(line: &[u8]) -> Result<Edge, String> {
    #[derive(Deserialize)]
    struct Head<'a> {
        id: Option<String>,
        created_at: Option<String>,
        class_uid: Option<u32>,
        #[serde(borrow)]
        metadata: Option<&'a RawValue>,
    }
    let not_an_entry = |why: &dyn std::fmt::Display| {
        format!("not an entry with id and created_at, nor its OCSF event: {why}")
    };
    let head: Head<'_> = serde_json::from_slice(line).map_err(|e| not_an_entry(&e))?;
    let (id, created_at) = match head {
        Head {
            id: Some(id),
            created_at: Some(created_at),
            ..
        } => (id, created_at),
        Head {
            id: None,
            created_at: None,
            class_uid: Some(crate::ocsf::CLASS_UID),
            metadata: Some(metadata),
        } => crate::ocsf::line::identity(metadata.get()).map_err(|e| not_an_entry(&e))?,
        Head { id: None, .. } => return Err(not_an_entry(&"missing field `id`")),
        Head { .. } => return Err(not_an_entry(&"missing field `created_at`")),
    };
    Ok(Edge { id, created_at })
}

/// The short hash of a line that lets `verify` name it.
pub fn line_hash(line: &[u8]) -> String {
    hex(&Sha256::digest(line)[..8])
}

pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINES: &[u8] = b"{\"id\":\"b\",\"created_at\":\"2026-05-02T00:00:00.000Z\"}\n\
{\"id\":\"a\",\"created_at\":\"2026-05-01T23:59:59.999Z\"}\n";

    #[test]
    fn content_counts_every_line_and_hashes_the_bytes_as_written() {
        let content = ContentBuilder::read(LINES).expect("reads").expect("lines");
        assert_eq!(content.entries, 2);
        assert_eq!(content.bytes, LINES.len() as u64);
        assert_eq!(content.sha256, hex(&Sha256::digest(LINES)));
        assert_eq!(
            (content.first.id.as_str(), content.last.id.as_str()),
            ("b", "a")
        );
        assert_eq!(content.lines.len(), 2);
        assert!(ContentBuilder::read(&b"{\"id\":1}\n"[..]).is_err());
    }

    #[test]
    fn a_sealed_digest_parses_back_to_the_same_bytes_and_chain() {
        let content = ContentBuilder::read(LINES).expect("reads").expect("lines");
        let mut chain = ChainState::new(None).expect("chain");
        let unit = Unit::Range {
            file: "x.jsonl".into(),
            offset: 0,
            bytes: content.bytes,
        };
        let first = chain.next_digest(unit.clone(), content.clone(), &Default::default(), None);
        let second = chain.next_digest(unit, content, &Default::default(), None);
        let parsed = Sealed::parse(&second.bytes).expect("parses");
        assert_eq!(parsed.body, second.body);
        assert_eq!(parsed.body_text, second.body_text);
        assert_eq!(parsed.body.previous, Some(first.sha256()));
        assert_eq!(parsed.body.sequence, 1);
        assert!(parsed.signature.is_none());
    }
}
