//! A bucket archive: whole pages gathered into batches, each batch's size
//! written ahead into the state before it is uploaded, and, following with a
//! batch interval, batches held in the state between polls.

use std::{io, path::PathBuf, time::Duration};

use chrono::Utc;
use futures::future::BoxFuture;

use super::{Lines, Store};
use crate::{
    bucket::batch,
    digest::{keys::SigningKey, Content, Sealed, Unit},
    journal::{self, Journal},
    resume::{Location, StateLocation},
    Error,
};

/// Stores batches of JSON Lines elsewhere (object storage): the backend of
/// a bucket archive.
///
/// A batch is whole pages, and always the same pages for the same starting
/// point: its size is written ahead in the state (`pending_pages`) before
/// it is uploaded, so a run that continues after a crash cuts the same batch
/// again and uploads the same objects under the same names, replacing
/// rather than duplicating them.
pub trait Uploader: Send {
    /// Stores `lines` durably; `Ok` only once they are, with the objects
    /// they were stored as.
    fn upload<'a>(
        &'a mut self,
        lines: &'a [u8],
    ) -> BoxFuture<'a, Result<Vec<(Unit, Content)>, Error>>;
    /// Stores a digest of the archive's chain (replacing one of the same
    /// sequence: the same batch stored again after a crash).
    fn store_digest<'a>(&'a mut self, digest: &'a Sealed) -> BoxFuture<'a, Result<(), Error>>;
    /// The last digest of the archive's chain, if it has one.
    fn digest_head(&mut self) -> BoxFuture<'_, Result<Option<Sealed>, Error>>;
    /// Where the batches go, for messages (`s3://bucket/prefix/`).
    fn location(&self) -> String;
    /// Saves the export's state in the store itself (an export without
    /// `--state`), on the condition that no one else changed it.
    fn save_state<'a>(&'a mut self, _journal: &'a Journal) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async { Err(Error::storage("this store keeps no state")) })
    }
    /// Where the store keeps the export's state (see [`Uploader::save_state`]).
    fn state_location(&self) -> String {
        self.location()
    }
    /// Removes the state kept in the store (see [`Uploader::save_state`]).
    fn remove_state(&mut self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async { Ok(()) })
    }
    /// The format of the lines it is given, told before the first batch
    /// (a bucket records it in its manifests).
    fn lines_are(&mut self, _format: crate::Format) {}
}

/// A bucket's prefix through its [`Uploader`], with the state in a file or
/// in the prefix.
pub(crate) struct BucketStore {
    /// A state file; `None`: the state is kept in the prefix.
    state: Option<PathBuf>,
    uploader: Box<dyn Uploader>,
    /// Digests of each object stored, signed with the key when there is one.
    digests: Option<Option<SigningKey>>,
    /// Pages fetched since the last commit (the batch).
    batch_pages: u64,
    /// Pages in a batch, unless the journal's pending batch says otherwise.
    batch_limit: u64,
    /// Following: how long a poll's batch may be held in the state before
    /// it is stored (`None`: every poll is stored).
    batch_interval: Option<batch::Interval>,
    /// The state as last saved (a batch's size is written ahead into it).
    saved: Option<Journal>,
}

impl BucketStore {
    pub(crate) fn new(
        state: Option<PathBuf>,
        uploader: Box<dyn Uploader>,
        digests: Option<Option<SigningKey>>,
        batch_limit: u64,
        batch_interval: Option<batch::Interval>,
    ) -> Self {
        Self {
            state,
            uploader,
            digests,
            batch_pages: 0,
            batch_limit,
            batch_interval,
            saved: None,
        }
    }

    async fn save(&mut self, journal: &Journal) -> Result<(), Error> {
        match &self.state {
            Some(path) => journal::save(journal, path),
            None => self.uploader.save_state(journal).await,
        }
    }

    /// At the end of a poll: holds the batch in the state instead of
    /// storing it, unless it is due (see [`crate::bucket::batch`]). A batch
    /// written ahead is stored as cut.
    fn hold(&mut self, journal: &mut Journal, lines: &mut dyn Lines) -> Result<bool, Error> {
        let Some(interval) = &self.batch_interval else {
            return Ok(false);
        };
        if journal.pending_pages.is_some() {
            return Ok(false);
        }
        let Some(batch) = lines.take_batch() else {
            return Ok(false);
        };
        let decided = interval.decide(&batch, journal.held.as_ref(), self.batch_pages, Utc::now());
        lines.restore_batch(batch);
        match decided? {
            batch::Decision::Hold(held) => {
                journal.held = Some(held);
                self.batch_pages = 0;
                Ok(true)
            }
            batch::Decision::Store => Ok(false),
        }
    }

    /// Uploads the batch gathered, its size written ahead into the state
    /// first. A failed upload keeps the batch, so the state is never saved
    /// past what is stored.
    async fn upload(&mut self, journal: &mut Journal, lines: &mut dyn Lines) -> Result<(), Error> {
        if let Some(saved) = &self.saved {
            // Lines held in the state lead the batch: written ahead even
            // when they go alone (no pages after them).
            if (self.batch_pages > 0 || saved.held.is_some())
                && saved.pending_pages != Some(self.batch_pages)
            {
                // Recorded as saved only once it is.
                let mut ahead = saved.clone();
                ahead.pending_pages = Some(self.batch_pages);
                self.save(&ahead).await?;
                self.saved = Some(ahead);
            }
        }
        // Taken once written ahead: a failure before keeps it in the sink.
        let Some(mut batch) = lines.take_batch() else {
            return Ok(());
        };
        if self.saved.as_ref().is_some_and(|j| j.held.is_some()) {
            batch = match batch::in_order(&batch, journal.order) {
                Ok(sorted) => sorted,
                Err(failure) => {
                    lines.restore_batch(batch);
                    return Err(failure);
                }
            };
        }
        if !batch.is_empty() {
            let units = match self.uploader.upload(&batch).await {
                Ok(units) => units,
                Err(failure) => {
                    lines.restore_batch(batch);
                    return Err(failure);
                }
            };
            // A digest for each stored object, once it is stored. If one
            // fails, the batch is kept and the chain set back: the next
            // attempt stores the same objects and digests under the same
            // names.
            if let (Some(key), Some(chain)) = (&self.digests, &mut journal.digests) {
                let before = chain.clone();
                for (unit, content) in units {
                    let sealed = chain.next_digest(unit, content, &journal.filters, key.as_ref());
                    if let Err(failure) = self.uploader.store_digest(&sealed).await {
                        *chain = before;
                        lines.restore_batch(batch);
                        return Err(failure);
                    }
                }
            }
        }
        self.batch_pages = 0;
        journal.pending_pages = None;
        journal.held = None;
        Ok(())
    }
}

impl Store for BucketStore {
    fn location(&self) -> Location {
        Location::Bucket(self.uploader.location())
    }

    fn state_location(&self) -> Option<StateLocation> {
        Some(match &self.state {
            Some(path) => StateLocation::File {
                path: path.clone(),
                default: false,
            },
            None => StateLocation::Prefix(self.uploader.state_location()),
        })
    }

    fn io_error(&self, e: io::Error) -> Error {
        Error::io(std::path::Path::new(&self.uploader.location()), e)
    }

    /// Held lines are counted in `written` already: they lead the next
    /// batch.
    fn begin(&mut self, journal: &Journal, lines: &mut dyn Lines) {
        if let Some(held) = &journal.held {
            lines.restore_batch(held.lines.clone().into_bytes());
        }
        self.saved = Some(journal.clone());
    }

    /// By whole batches.
    fn commit_due(&self, journal: &Journal, _: Duration) -> bool {
        self.batch_pages
            >= journal
                .pending_pages
                .unwrap_or_else(|| batch::room(self.batch_limit, journal.held.as_ref()))
    }

    fn page_fetched(&mut self) {
        self.batch_pages += 1;
    }

    fn store<'a>(
        &'a mut self,
        journal: &'a mut Journal,
        lines: &'a mut dyn Lines,
        poll: bool,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            if poll && self.hold(journal, lines)? {
                return Ok(());
            }
            self.upload(journal, lines).await
        })
    }

    fn keeps_state(&self) -> bool {
        true
    }

    fn save_state<'a>(&'a mut self, journal: &'a Journal) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.save(journal))
    }

    fn saved(&mut self, journal: &Journal) -> Option<u64> {
        self.saved = Some(journal.clone());
        Some(journal.held.as_ref().map_or(0, batch::Held::entries))
    }

    fn remove_state(&mut self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            match &self.state {
                Some(path) => journal::remove(path),
                None => self.uploader.remove_state().await,
            }
        })
    }

    /// The last batch is uploaded when the range is done.
    fn commits_at_finish(&self) -> bool {
        true
    }

    fn wrote_ahead(&self) -> bool {
        self.saved
            .as_ref()
            .is_some_and(|j| j.pending_pages.is_some())
    }

    fn held(&self) -> u64 {
        self.saved
            .as_ref()
            .and_then(|j| j.held.as_ref())
            .map_or(0, batch::Held::entries)
    }

    fn clean_up<'a>(
        &'a mut self,
        _: &'a Journal,
        _: &'a mut dyn Lines,
    ) -> BoxFuture<'a, Result<(), Error>> {
        self.remove_state()
    }
}
