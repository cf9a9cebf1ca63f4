//! Where an archive's entries and state go: one `Store` for each kind of
//! output, each owning what only it does. A file syncs, writes its digests
//! beside it and starts writeback in the background; a writer acknowledges
//! page by page; a bucket gathers whole pages into batches, writes each
//! batch's size ahead, uploads it and may hold it in the state. The
//! pipeline only asks them, in one order, on every path.

use std::{fs::File, io, time::Duration};

use futures::future::BoxFuture;

use crate::{
    journal::Journal,
    resume::{Location, StateLocation},
    sink::{Durable, Sink},
    Error,
};

mod bucket;
mod file;
mod writer;

pub(crate) use bucket::BucketStore;
pub use bucket::Uploader;
pub(crate) use file::FileStore;
pub(crate) use writer::WriterStore;

/// What a store may do with what the sink holds.
pub(crate) trait Lines: Send {
    /// Takes the lines gathered for a batch (see [`Durable::take_batch`]).
    fn take_batch(&mut self) -> Option<Vec<u8>>;
    /// Puts a batch back in front (see [`Durable::restore_batch`]).
    fn restore_batch(&mut self, batch: Vec<u8>);
    /// Bytes written in all.
    fn bytes(&self) -> u64;
    /// Whether anything was written by this run.
    fn started(&self) -> bool;
    /// A handle to the file, for background writeback.
    fn writeback_handle(&mut self) -> Option<File>;
    /// Empties the output (see [`Durable::discard_existing`]).
    fn discard_existing(&mut self) -> io::Result<()>;
}

impl<W: Durable> Lines for Sink<W> {
    fn take_batch(&mut self) -> Option<Vec<u8>> {
        Sink::take_batch(self)
    }

    fn restore_batch(&mut self, batch: Vec<u8>) {
        Sink::restore_batch(self, batch);
    }

    fn bytes(&self) -> u64 {
        Sink::bytes(self)
    }

    fn started(&self) -> bool {
        Sink::started(self)
    }

    fn writeback_handle(&mut self) -> Option<File> {
        Sink::writeback_handle(self)
    }

    fn discard_existing(&mut self) -> io::Result<()> {
        Sink::discard_existing(self)
    }
}

/// An output as the pipeline sees it. Every method but the state's has a
/// default that does nothing, for the stores it does not concern.
pub(crate) trait Store: Send {
    /// Where the output is.
    fn location(&self) -> Location;

    /// Where the state is kept; `None` when nowhere.
    fn state_location(&self) -> Option<StateLocation>;

    /// A failure to write the output, named after it.
    fn io_error(&self, e: io::Error) -> Error;

    /// Before the first page: what the state holds that the sink must
    /// write first (a bucket's held lines).
    fn begin(&mut self, _journal: &Journal, _lines: &mut dyn Lines) {}

    /// After a page is written, a commit being due.
    fn commit_due(&self, journal: &Journal, since_save: Duration) -> bool;

    /// After a page is written and no commit is due.
    fn between_commits(&mut self, _lines: &mut dyn Lines) {}

    /// A page was fetched into the sink (counted even when it brought
    /// nothing new: a bucket's batch is a number of pages).
    fn page_fetched(&mut self) {}

    /// Before the sink is synced: stores what it gathered (a bucket's
    /// batch), or at the end of a poll (`poll`) may hold it in the state.
    fn store<'a>(
        &'a mut self,
        _journal: &'a mut Journal,
        _lines: &'a mut dyn Lines,
        _poll: bool,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async { Ok(()) })
    }

    /// After the sink is synced up to `bytes`: a file's digests of them.
    fn seal(&mut self, _journal: &mut Journal, _bytes: u64) -> Result<(), Error> {
        Ok(())
    }

    /// Whether there is a state to save.
    fn keeps_state(&self) -> bool;

    /// Saves the state where the store keeps it.
    fn save_state<'a>(&'a mut self, journal: &'a Journal) -> BoxFuture<'a, Result<(), Error>>;

    /// After a save: entries held in the state, when the store holds any.
    fn saved(&mut self, _journal: &Journal) -> Option<u64> {
        None
    }

    /// Removes the state: the archive is finished.
    fn remove_state(&mut self) -> BoxFuture<'_, Result<(), Error>>;

    /// Whether a finished range commits once more at its end (a bucket's
    /// last batch).
    fn commits_at_finish(&self) -> bool {
        false
    }

    /// The run replaced nothing and wrote nothing: digests it created go.
    fn discard_digests(&mut self) {}

    /// A batch was written ahead and may be stored in part: the state must
    /// stay, so the next run stores the same batch again.
    fn wrote_ahead(&self) -> bool {
        false
    }

    /// Entries held in the state as last saved, not yet stored.
    fn held(&self) -> u64 {
        0
    }

    /// Undoes a start that wrote nothing durable.
    fn clean_up<'a>(
        &'a mut self,
        journal: &'a Journal,
        lines: &'a mut dyn Lines,
    ) -> BoxFuture<'a, Result<(), Error>>;
}
