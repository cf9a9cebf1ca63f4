//! One writer per archive: the rule every export path goes through.
//!
//! An export that keeps a journal (a file's `FILE.checkpoint`, or `--state`
//! with stdout or a bucket) takes the lock of that journal before it reads
//! it, and holds it until it ends: a second writer is refused before it
//! fetches anything, and told who holds the archive ([`Holder`]: process id,
//! host, since when). Locally the lock is the operating system's
//! (`File::try_lock` on `JOURNAL.lock`, released by the kernel when its
//! holder dies, however it dies); the holder's details are written into that
//! file. A bucket prefix, shared by machines that share no kernel, is held by
//! a lease object under the prefix instead (see `bucket::lease`), whose
//! holder is described the same way.

use std::{
    fs::File,
    io::{Read, Seek, SeekFrom, Write},
    path::{Path, PathBuf},
};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::{safe_file::Open, Error};

/// Who holds an archive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// The process id.
    pub pid: u32,
    /// The machine's host name.
    pub host: String,
    /// When it took the archive.
    pub since: DateTime<Utc>,
}

impl Holder {
    /// This process, from now.
    pub fn this_process() -> Self {
        Self {
            pid: std::process::id(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            since: Utc::now(),
        }
    }

    /// `pid 1234 on host build-7 since 2026-05-18T12:00:00Z`.
    pub fn describe(&self) -> String {
        format!(
            "pid {} on host {} since {}",
            self.pid,
            self.host,
            self.since.to_rfc3339_opts(SecondsFormat::Secs, true)
        )
    }
}

/// The refusal of a second writer, naming the holder (and `more` about
/// its hold).
pub fn refused(archive: &str, holder: Option<&Holder>, more: &str) -> Error {
    Error::busy(format!(
        "{archive} is being written by another export right now (held by {}{more}): one \
         export writes an archive at a time; nothing was fetched. Wait for it to end, or stop \
         it first",
        holder.map_or_else(
            || "a process whose details could not be read".to_owned(),
            Holder::describe
        )
    ))
}

/// The lock on a local journal, held until dropped.
#[derive(Debug)]
pub struct LocalLock {
    #[cfg_attr(not(unix), allow(dead_code))]
    path: PathBuf,
    _file: File,
}

/// `JOURNAL.lock`.
pub fn path_for(journal: &Path) -> PathBuf {
    let mut name = journal.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl LocalLock {
    /// Takes the lock of the journal at `journal` (or refuses, naming the
    /// holder), and writes this process into it. `archive` names what the
    /// journal belongs to, in messages.
    pub fn acquire(journal: &Path, archive: &str) -> Result<Self, Error> {
        let path = path_for(journal);
        // A lock file removed by its holder between our open and our lock is
        // no lock: open again, a few times, until the file locked is the one
        // the path names.
        for _ in 0..16 {
            // Created exclusively or opened as it is, never through a link
            // and never truncated before it is locked (see `safe_file`).
            let mut file = crate::safe_file::open(&path, Open::NewOrExisting, Some(0o600))?.file;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let holder = read_holder(&mut file);
                    return Err(refused(
                        archive,
                        holder.as_ref(),
                        &format!("; lock file {}", path.display()),
                    ));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
            }
            if !still_named(&file, &path) {
                continue;
            }
            let holder = serde_json::to_vec(&Holder::this_process())
                .map_err(|e| Error::storage(e.to_string()))?;
            // Written over what a dead holder left, then cut to length, so
            // that a reader never finds it empty.
            file.seek(SeekFrom::Start(0))
                .and_then(|_| file.write_all(&holder))
                .and_then(|()| file.set_len(holder.len() as u64))
                .map_err(|e| Error::io(&path, e))?;
            return Ok(Self { path, _file: file });
        }
        Err(Error::storage(format!(
            "{}: the lock file kept changing under this export",
            path.display()
        )))
    }
}

impl Drop for LocalLock {
    fn drop(&mut self) {
        // Removed while still held, so no one can lock it and then lose it
        // (see `still_named`). Where an open file cannot be removed
        // (Windows), it stays, empty of meaning once unlocked.
        #[cfg(unix)]
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether `path` still names the file `file` is (a holder removes its lock
/// file on the way out; a lock taken on the removed file holds nothing).
#[cfg(unix)]
fn still_named(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::symlink_metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// Elsewhere the lock file is never removed, so the file locked is the one
/// named.
#[cfg(not(unix))]
fn still_named(_file: &File, _path: &Path) -> bool {
    true
}

/// The holder written into a lock file; `None` when it cannot be read (the
/// platform keeps a locked file from readers). A holder that has just taken
/// the lock may still be writing itself in: read again, briefly.
fn read_holder(file: &mut File) -> Option<Holder> {
    for _ in 0..25 {
        let mut text = Vec::new();
        file.seek(SeekFrom::Start(0)).ok()?;
        (&mut *file).take(4096).read_to_end(&mut text).ok()?;
        if let Ok(holder) = serde_json::from_slice(&text) {
            return Some(holder);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_journal_is_refused_naming_the_holder_and_free_once_dropped() {
        let dir = std::env::temp_dir().join(format!("arize-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let journal = dir.join("state.json");
        let first = LocalLock::acquire(&journal, "stdout").expect("free");
        let refused = LocalLock::acquire(&journal, "stdout").expect_err("held");
        assert_eq!(refused.kind(), crate::ErrorKind::Busy);
        let message = refused.to_string();
        let me = Holder::this_process();
        assert!(
            message.contains(&format!("pid {}", me.pid)) && message.contains(&me.host),
            "{message}"
        );
        drop(first);
        assert!(!path_for(&journal).exists(), "removed by its holder");
        let again = LocalLock::acquire(&journal, "stdout").expect("free again");
        drop(again);
        std::fs::remove_dir_all(dir).ok();
    }
}
