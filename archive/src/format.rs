//! How entries are written: the format of the output, and the order of the
//! entries of each page.

use serde::{Deserialize, Serialize};

/// The format an archive is written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Format {
    /// One JSON object a line, each entry byte for byte as the server sent
    /// it.
    #[default]
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON array.
    Json,
    /// One OCSF API Activity event a line (JSON Lines), each holding its
    /// entry as sent in `raw_data`.
    Ocsf,
}

impl Format {
    /// Every format, in the order of their names.
    pub const ALL: [Format; 4] = [Self::Jsonl, Self::Csv, Self::Json, Self::Ocsf];

    /// Its name: `jsonl`, `csv`, `json` or `ocsf`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Jsonl => "jsonl",
            Self::Csv => "csv",
            Self::Json => "json",
            Self::Ocsf => "ocsf",
        }
    }

    /// Whether each line of the output is one entry, as one JSON object,
    /// and nothing else: what a digest covers, what a writer can go on with
    /// after a restart, and what a bucket stores.
    pub fn is_line_per_entry(self) -> bool {
        match self {
            Self::Jsonl | Self::Ocsf => true,
            Self::Csv | Self::Json => false,
        }
    }
}

/// How the entries of each page are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Order {
    /// As the API sends them: newest first.
    #[default]
    NewestFirst,
    /// Each page reversed, oldest first: what a SIEM indexes.
    OldestFirst,
}

impl Order {
    /// Its name: `newest-first` or `oldest-first`.
    pub fn name(self) -> &'static str {
        match self {
            Self::NewestFirst => "newest-first",
            Self::OldestFirst => "oldest-first",
        }
    }
}

/// An instant as the archive writes it everywhere (state, messages,
/// reports): RFC 3339 in UTC, with the fraction of a second only when it has
/// one.
pub fn timestamp(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}
