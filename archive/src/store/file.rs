//! A file archive: the file, its journal, its digests beside it.

use std::{io, path::PathBuf, time::Duration};

use futures::future::BoxFuture;

use super::{Lines, Store};
use crate::{
    digest::{self, keys::SigningKey, write::FileDigests},
    hooks,
    journal::{self, Journal},
    resume::{Location, StateLocation},
    Error,
};

/// Start writing the file back to disk in the background every this many
/// bytes, so the sync that ends the archive has little left to do. It only
/// saves time; the journal's order does not depend on it.
const WRITEBACK_EVERY: u64 = 4 << 20;

/// A file and its journal, committed by time.
pub(crate) struct FileStore {
    output: PathBuf,
    journal: PathBuf,
    checkpoint_every: Duration,
    /// The digests file and the key its chain is signed with.
    digests: Option<(FileDigests, Option<SigningKey>)>,
    /// Bytes written when background writeback was last started, and that
    /// writeback while it runs.
    writeback_at: u64,
    writeback: Option<tokio::task::JoinHandle<()>>,
}

impl FileStore {
    pub(crate) fn new(
        output: PathBuf,
        journal: PathBuf,
        checkpoint_every: Duration,
        digests: Option<(FileDigests, Option<SigningKey>)>,
    ) -> Self {
        Self {
            output,
            journal,
            checkpoint_every,
            digests,
            writeback_at: 0,
            writeback: None,
        }
    }
}

impl Store for FileStore {
    fn location(&self) -> Location {
        Location::File(self.output.clone())
    }

    fn state_location(&self) -> Option<StateLocation> {
        Some(StateLocation::File {
            path: self.journal.clone(),
            default: self.journal == journal::path_for(&self.output),
        })
    }

    fn io_error(&self, e: io::Error) -> Error {
        Error::io(&self.output, e)
    }

    fn commit_due(&self, _: &Journal, since_save: Duration) -> bool {
        since_save >= self.checkpoint_every
    }

    /// Every few MiB, starts syncing the file on the blocking pool (one at a
    /// time) while the archive goes on waiting for the network.
    fn between_commits(&mut self, lines: &mut dyn Lines) {
        if lines.bytes() < self.writeback_at + WRITEBACK_EVERY
            || self.writeback.as_ref().is_some_and(|w| !w.is_finished())
        {
            return;
        }
        self.writeback_at = lines.bytes();
        if let Some(file) = lines.writeback_handle() {
            self.writeback = Some(tokio::task::spawn_blocking(move || {
                let _ = file.sync_data();
            }));
        }
    }

    /// Writes the digests of the file's bytes `covered..bytes`, which are
    /// durable; the journal saved next counts them.
    fn seal(&mut self, journal: &mut Journal, bytes: u64) -> Result<(), Error> {
        let (Some((file, key)), Some(chain)) = (&mut self.digests, &mut journal.digests) else {
            return Ok(());
        };
        while chain.covered < bytes {
            let Some((unit, content)) =
                digest::write::next_unit(&self.output, chain.covered, bytes)?
            else {
                break;
            };
            // The chain moves on only once its digest is on disk.
            let mut next = chain.clone();
            next.covered += content.bytes;
            let sealed = next.next_digest(unit, content, &journal.filters, key.as_ref());
            next.file_bytes = file.append(&sealed)?;
            *chain = next;
        }
        hooks::pause("digest-written");
        Ok(())
    }

    fn keeps_state(&self) -> bool {
        true
    }

    fn save_state<'a>(&'a mut self, journal: &'a Journal) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move { journal::save(journal, &self.journal) })
    }

    fn remove_state(&mut self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move { journal::remove(&self.journal) })
    }

    fn discard_digests(&mut self) {
        if let Some((file, _)) = &self.digests {
            file.remove_if_created();
        }
    }

    /// The journal goes, and the file too if the archive created it (else
    /// it is cut back to empty, as it was, unless an overwrite already
    /// replaced it).
    fn clean_up<'a>(
        &'a mut self,
        journal: &'a Journal,
        lines: &'a mut dyn Lines,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            self.discard_digests();
            if journal.created_file {
                match std::fs::remove_file(&self.output) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::io(&self.output, e)),
                }
            } else if lines.started() {
                lines
                    .discard_existing()
                    .map_err(|e| Error::io(&self.output, e))?;
            }
            journal::remove(&self.journal)
        })
    }
}
