//! The export's journal, `FILE.checkpoint`: everything needed to continue an
//! export exactly, and a description of the file it belongs to.
//!
//! It is written ahead: created before the first request, and replaced (by
//! rename, with the directory synced) only after the data it counts has been
//! synced to disk. A file may run ahead of its journal (a page written after
//! the last save); it never falls behind it. The same holds for the digests
//! of `--digests` (`FILE.digests`): each is written after the data it covers
//! is synced and before the journal that counts it, and a continued export
//! cuts off a digest the journal does not count.

use std::{
    io,
    path::{Path, PathBuf},
};

use arize_audit_logs::{ListAuditLogsParams, ResumePoint};
use serde::{Deserialize, Serialize};

use crate::{check::GuardState, parallel::Window, Error, Format, Order};

/// The journal format this version writes: 4 may hold lines not yet
/// stored (`held`), which a reader of 3 would drop, so it refuses them.
pub const JOURNAL_VERSION: u32 = 4;
/// The oldest journal format this version reads (and saves again as
/// [`JOURNAL_VERSION`]): 2 lacks the look-back and the output, which
/// default.
pub const OLDEST_JOURNAL_VERSION: u32 = 2;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Journal {
    pub version: u32,
    /// Where the entries come from.
    pub target: Target,
    /// The query parameters that select entries (the range and paging
    /// aside), in the document's names.
    pub filters: ListAuditLogsParams,
    pub format: Format,
    /// The order within each page written (journals from before `--order`
    /// have none: newest first).
    #[serde(default)]
    pub order: Order,
    pub page_size: u32,
    /// The range as the command asked for it, both bounds inclusive.
    pub requested: Window,
    /// The range being exported; `--follow` moves it on to [old end, now]
    /// after each pass.
    pub range: Window,
    /// When the export is finished.
    pub until: Until,
    /// What is left to fetch.
    pub plan: Plan,
    /// What the file holds, up to where this journal vouches for it.
    pub written: Written,
    /// What the order and overlap checks remember.
    pub guard: GuardState,
    /// The file held someone's content when the export started (`--overwrite`):
    /// it is replaced when the first entries are written.
    pub replaces_existing: bool,
    /// The export created the file: a start that writes nothing removes it.
    pub created_file: bool,
    /// Object storage: the pages of the batch being uploaded from `plan`,
    /// written ahead so that a run continuing after a crash cuts the same
    /// batch again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_pages: Option<u64>,
    /// Object storage, `--batch-interval`: lines fetched and not yet stored,
    /// held here until they are (see [`crate::bucket::batch`]); `written`
    /// counts them, and a continued run stores them first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<crate::bucket::batch::Held>,
    /// `--digests`: where the archive's digest chain stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digests: Option<crate::digest::ChainState>,
    /// Where the export writes, as the run that created the journal named
    /// it (`stdout`, a file made absolute, or `s3://…`); journals from
    /// before it have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// The API host and where the key comes from (never the key itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub base_url: String,
    pub key: KeySource,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum KeySource {
    /// `ARIZE_API_KEY`.
    Env,
    /// `--api-key-file`.
    File { path: PathBuf },
    /// An `ax` profile's API key or OAuth token, read from its file.
    AxProfile { path: PathBuf },
    /// The client the caller built (a service using the library): a
    /// continued archive is fetched with the client it is given, on the
    /// condition that it goes to the same host.
    Caller,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Until {
    /// Every entry of the range.
    RangeEnd,
    /// `--max-entries`.
    Entries { max: u64 },
    /// `--follow`: never; poll every `interval_ms` for newer entries.
    /// `at_end` are the ids written with `created_at` equal to the range's
    /// end, as journals from before the look-back kept them (now always
    /// empty: `lookback` keeps them); the next range must not write them
    /// again.
    Follow {
        interval_ms: u64,
        at_end: Vec<String>,
        /// What each poll re-reads, and the ids written inside it.
        #[serde(default)]
        lookback: crate::lookback::Lookback,
    },
}

/// The windows still to fetch, newest first; `resume` is the position in
/// the first of them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plan {
    pub windows: Vec<Window>,
    pub resume: ResumePoint,
    /// Windows fetched at once (`--parallel`; 1: sequential).
    pub workers: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Written {
    pub entries: u64,
    pub bytes: u64,
    pub pages: u64,
    /// Entries the server sent again (overlapping pages), not written twice.
    pub repeats: u64,
    /// Entries a `--follow` poll's look-back found: visible only after an
    /// earlier poll had covered their `created_at`.
    #[serde(default)]
    pub late: u64,
    /// CRC-32 of the file's first `bytes` bytes.
    pub crc32: u32,
    pub last: Option<LastEntry>,
}

/// The last entry written: who it is and where its record starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastEntry {
    pub id: String,
    /// As the server sent it.
    pub created_at: String,
    pub offset: u64,
}

impl Journal {
    /// The parameters every request of the export carries (the window aside).
    pub fn params(&self) -> ListAuditLogsParams {
        let mut params = self.filters.filters();
        params.start_time = Some(self.range.start);
        params.end_time = Some(self.range.end);
        params.limit = Some(self.page_size);
        params
    }

    /// Whether the file holds nothing of this export yet.
    pub fn nothing_written(&self) -> bool {
        self.written.entries == 0 && self.written.bytes == 0
    }
}

/// `FILE.checkpoint`.
pub fn path_for(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".checkpoint");
    PathBuf::from(name)
}

/// Reads a journal; `None` when there is none.
pub fn load(path: &Path) -> Result<Option<Journal>, Error> {
    let Some(text) = crate::safe_file::read(path)? else {
        return Ok(None);
    };
    parse(&text, &path.display().to_string()).map(Some)
}

/// Reads a journal from its bytes; `name` says where they come from.
pub fn parse(text: &[u8], name: &str) -> Result<Journal, Error> {
    #[derive(Deserialize)]
    struct Version {
        version: u32,
    }
    let unreadable = |why: String| {
        Error::refused(format!(
            "{name} is not an export journal this version can read ({why}); move it away to start over"
        ))
    };
    let version: Version = serde_json::from_slice(text).map_err(|e| unreadable(e.to_string()))?;
    if !(OLDEST_JOURNAL_VERSION..=JOURNAL_VERSION).contains(&version.version) {
        return Err(unreadable(format!(
            "journal version {}, this version reads {OLDEST_JOURNAL_VERSION} to {JOURNAL_VERSION}",
            version.version
        )));
    }
    let mut journal: Journal =
        serde_json::from_slice(text).map_err(|e| unreadable(e.to_string()))?;
    journal.version = JOURNAL_VERSION;
    Ok(journal)
}

/// Replaces the journal atomically: written aside (under an unpredictable
/// name, created exclusively, removed on any failure) and synced, renamed
/// over the old one, and the directory synced so the rename survives a
/// crash. See [`crate::safe_file`].
pub fn save(journal: &Journal, path: &Path) -> Result<(), Error> {
    let json = serde_json::to_vec_pretty(journal).map_err(|e| Error::storage(e.to_string()))?;
    crate::safe_file::replace(path, &json)
}

/// Removes the journal (the export is finished, or wrote nothing).
pub fn remove(path: &Path) -> Result<(), Error> {
    match std::fs::remove_file(path) {
        Ok(()) => sync_dir(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Syncs the directory that holds `path`, so a rename or removal in it is
/// durable.
pub fn sync_dir(path: &Path) -> Result<(), Error> {
    crate::safe_file::sync_dir(path)
}
