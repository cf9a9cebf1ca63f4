//! What `verify` found: findings by kind, each with its place, unit and
//! line, and the verdict, as text for people and JSON for machines.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::names::{Names, Setting};

/// What a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A line, or a unit, differs from what was digested.
    Modified,
    /// A digested line, or a whole unit, is gone.
    Missing,
    /// A line or an object that no digest covers.
    Unexpected,
    /// A digest is missing, repeated, out of place, unreadable or from
    /// another archive; or the chain lacks a head recorded earlier.
    ChainBroken,
    /// A signature that the public key does not verify.
    BadSignature,
    /// A digest without a signature where one was expected.
    Unsigned,
    /// The same id on two lines.
    Duplicate,
    /// A line whose `created_at` is outside its unit's range.
    OutOfRange,
    /// A line that is not an entry with `id` and `created_at`.
    NotAnEntry,
    /// An id Arize returns for the range that the archive lacks.
    NotInArchive,
    /// An id the archive holds that Arize no longer returns (retention or
    /// deletion): reported, but not a flaw of the archive.
    NotInArize,
    /// The comparison with Arize stopped before the end of the range.
    Incomplete,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Modified => "modified",
            Self::Missing => "missing",
            Self::Unexpected => "unexpected",
            Self::ChainBroken => "chain_broken",
            Self::BadSignature => "bad_signature",
            Self::Unsigned => "unsigned",
            Self::Duplicate => "duplicate",
            Self::OutOfRange => "out_of_range",
            Self::NotAnEntry => "not_an_entry",
            Self::NotInArchive => "not_in_archive",
            Self::NotInArize => "not_in_arize",
            Self::Incomplete => "incomplete",
        }
    }

    /// Whether the finding means the archive is not proven intact.
    pub fn fails(self) -> bool {
        self != Self::NotInArize
    }
}

/// One thing found wrong.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub kind: Kind,
    /// The file or object.
    pub place: String,
    /// The sequence of the digest whose unit it is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<u64>,
    /// 1-based: the line in the file or object; for a missing line, where
    /// it was when written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub detail: String,
}

/// How the signatures stand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Signatures {
    /// Every digest is signed by `key_id`, checked with `--public-key`.
    Verified { key_id: String },
    /// Signed (by `key_id`), but no `--public-key` was given to check.
    NotChecked { key_id: String },
    /// No digest is signed: the chain shows changes made since it was
    /// written, not who wrote it.
    Unsigned,
    /// Some findings are about signatures.
    Failed,
}

/// What `verify` found.
#[derive(Debug, Serialize)]
pub struct Report {
    /// What was verified (a path, or `s3://…`).
    pub archive: String,
    /// The archive id the digests carry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive_id: Option<String>,
    pub digests: u64,
    /// Entries in the units checked.
    pub entries: u64,
    pub signatures: Signatures,
    /// The last digest: record its SHA-256 and pass it as `--head` next
    /// time to detect an archive rolled back to an older chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<Head>,
    pub intact: bool,
    /// With `--against-arize`: the range compared with the API, and what it
    /// returned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub against_arize: Option<Reconciled>,
    pub findings: Vec<Finding>,
    /// The ids and times of the entries checked, when kept (for
    /// `--against-arize`).
    #[serde(skip)]
    pub seen: Option<Vec<(String, DateTime<Utc>)>>,
    /// Where each id was first seen: a place (an index into `places`) and
    /// a line.
    #[serde(skip)]
    ids: HashMap<Box<str>, (usize, u64)>,
    #[serde(skip)]
    places: Vec<String>,
    /// The query the digests record (for `--against-arize`).
    #[serde(skip)]
    pub query: Option<arize_audit_logs::ListAuditLogsParams>,
}

/// The last digest of a chain.
#[derive(Clone, Debug, Serialize)]
pub struct Head {
    pub sequence: u64,
    pub sha256: String,
}

/// Only units and lines within this range are checked (the chain always
/// is, whole).
#[derive(Clone, Copy, Debug, Default)]
pub struct Range {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

impl Range {
    /// Whether `[a, b]` overlaps the range.
    pub fn overlaps(&self, (a, b): (DateTime<Utc>, DateTime<Utc>)) -> bool {
        self.start.is_none_or(|s| b >= s) && self.end.is_none_or(|e| a <= e)
    }

    /// Whether `t` is in the range.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.overlaps((t, t))
    }
}

impl Report {
    pub fn new(archive: String) -> Self {
        Self {
            archive,
            archive_id: None,
            digests: 0,
            entries: 0,
            signatures: Signatures::Unsigned,
            head: None,
            intact: true,
            against_arize: None,
            findings: Vec::new(),
            seen: None,
            ids: HashMap::new(),
            places: Vec::new(),
            query: None,
        }
    }

    /// Keeps the id and time of each entry checked, for `--against-arize`.
    pub fn keep_ids(&mut self) {
        self.seen.get_or_insert_with(Vec::new);
    }

    /// A number for `place`, for [`first_seen`](Self::first_seen).
    pub fn place_index(&mut self, place: &str) -> usize {
        match self.places.iter().rposition(|p| p == place) {
            Some(i) => i,
            None => {
                self.places.push(place.to_owned());
                self.places.len() - 1
            }
        }
    }

    /// Where `id` was first seen, if it was; else records it as seen at
    /// `place` (a [`place_index`](Self::place_index)) and `line`.
    pub fn first_seen(&mut self, id: &str, place: usize, line: u64) -> Option<(String, u64)> {
        match self.ids.get(id) {
            Some(&(first, first_line)) => Some((self.places[first].clone(), first_line)),
            None => {
                self.ids.insert(id.into(), (place, line));
                None
            }
        }
    }

    pub fn add(&mut self, kind: Kind, place: &str, detail: impl Into<String>) -> &mut Finding {
        self.findings.push(Finding {
            kind,
            place: place.to_owned(),
            unit: None,
            line: None,
            id: None,
            detail: detail.into(),
        });
        self.findings.last_mut().expect("just pushed")
    }

    /// Orders the findings and decides whether the archive is intact.
    pub fn conclude(&mut self) {
        self.findings.sort_by(|a, b| {
            (a.place.as_str(), a.unit, a.line, a.kind).cmp(&(
                b.place.as_str(),
                b.unit,
                b.line,
                b.kind,
            ))
        });
        self.intact = !self.findings.iter().any(|f| f.kind.fails());
        if self
            .findings
            .iter()
            .any(|f| matches!(f.kind, Kind::BadSignature | Kind::Unsigned))
            && self.signatures != Signatures::Unsigned
        {
            self.signatures = Signatures::Failed;
        }
    }

    /// The report for people; its hints name settings as `names` does.
    pub fn text(&self, names: &dyn Names) -> String {
        let mut out = String::new();
        for f in &self.findings {
            let mut at = f.place.clone();
            if let Some(line) = f.line {
                at += &format!(" line {line}");
            }
            if let Some(unit) = f.unit {
                at += &format!(" (digest {unit})");
            }
            let id =
                f.id.as_ref()
                    .map(|i| format!(" [id {i}]"))
                    .unwrap_or_default();
            out += &format!("{:<15} {at}{id}: {}\n", f.kind.name(), f.detail);
        }
        let signatures = match &self.signatures {
            Signatures::Verified { key_id } => format!("every digest signed by key {key_id}"),
            Signatures::NotChecked { key_id } => format!(
                "signed by key {key_id}, not checked: pass {} to check the signatures",
                names.name(Setting::PublicKey)
            ),
            Signatures::Unsigned => format!(
                "unsigned: the chain shows any change since the digests were written, but not \
                 who wrote them (export with {})",
                names.name(Setting::SigningKey)
            ),
            Signatures::Failed => "signatures do not hold".into(),
        };
        let head = self
            .head
            .as_ref()
            .map(|h| format!("; head: digest {} {}", h.sequence, h.sha256))
            .unwrap_or_default();
        if let Some(compared) = &self.against_arize {
            out += &compared.text();
            out.push('\n');
        }
        let mut counts: Vec<(Kind, usize)> = Vec::new();
        for f in &self.findings {
            match counts.iter_mut().find(|(k, _)| *k == f.kind) {
                Some((_, n)) => *n += 1,
                None => counts.push((f.kind, 1)),
            }
        }
        counts.sort();
        let verdict = if self.intact {
            "INTACT".to_owned()
        } else {
            let failing: usize = counts
                .iter()
                .filter(|(k, _)| k.fails())
                .map(|(_, n)| n)
                .sum();
            format!("NOT INTACT: {failing} findings")
        };
        let by_kind = counts
            .iter()
            .map(|(k, n)| format!("{} {n}", k.name()))
            .collect::<Vec<_>>()
            .join(", ");
        out += &format!(
            "{verdict}{} — {}: {} digests, {} entries checked; {signatures}{head}\n",
            if by_kind.is_empty() {
                String::new()
            } else {
                format!(" ({by_kind})")
            },
            self.archive,
            self.digests,
            self.entries,
        );
        out
    }
}

/// What the comparison did: part of `verify`'s report (its `against_arize`
/// member, and a line of its text).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Reconciled {
    /// Pages (requests that succeeded) read from the API.
    pub pages: u64,
    /// Distinct entries the API returned.
    pub returned: u64,
    /// The range compared (the whole of it unless the budget ran out).
    #[serde(serialize_with = "serialize_timestamp")]
    pub from: DateTime<Utc>,
    #[serde(serialize_with = "serialize_timestamp")]
    pub to: DateTime<Utc>,
}

impl Reconciled {
    /// The comparison in one sentence, as `verify` prints it.
    pub fn text(&self) -> String {
        format!(
            "Compared with Arize from {} to {}: {} pages, {} entries returned.",
            crate::timestamp(&self.from),
            crate::timestamp(&self.to),
            self.pages,
            self.returned
        )
    }
}

/// A time as the rest of the report writes it.
fn serialize_timestamp<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::timestamp(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::BuilderNames;

    /// A library caller is told what to pass in the library's words; the
    /// tool names its flags (its own `Names`).
    #[test]
    fn the_signature_hints_name_settings_as_the_caller_does() {
        struct Flags;
        impl Names for Flags {
            fn name(&self, setting: Setting) -> String {
                format!("--{setting:?}")
            }
        }
        let mut report = Report::new("archive.jsonl".into());
        let unsigned = report.text(&BuilderNames);
        assert!(
            unsigned.contains("export with the key of .digests(Some(…))"),
            "{unsigned}"
        );
        assert!(!unsigned.contains("--"), "{unsigned}");
        assert!(report.text(&Flags).contains("export with --SigningKey"));
        report.signatures = Signatures::NotChecked {
            key_id: "k1".into(),
        };
        let not_checked = report.text(&BuilderNames);
        assert!(not_checked.contains("pass a public key"), "{not_checked}");
        assert!(!not_checked.contains("--"), "{not_checked}");
        assert!(report.text(&Flags).contains("pass --PublicKey to check"));
    }
}
