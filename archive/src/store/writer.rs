//! A writer (standard output, a device, a pipe, any `Write`): with a state
//! it is acknowledged page by page, without one it keeps nothing.

use std::{io, path::PathBuf, time::Duration};

use futures::future::BoxFuture;

use super::{Lines, Store};
use crate::{
    journal::{self, Journal},
    resume::{Location, StateLocation},
    Error,
};

/// A writer, with its state when one is named.
pub(crate) struct WriterStore {
    state: Option<PathBuf>,
    checkpoint_every: Duration,
}

impl WriterStore {
    /// With a state, every page is acknowledged (flushed, then the state
    /// saved): what a restart writes again is one page at most.
    pub(crate) fn new(state: Option<PathBuf>, checkpoint_every: Duration) -> Self {
        let checkpoint_every = if state.is_some() {
            Duration::ZERO
        } else {
            checkpoint_every
        };
        Self {
            state,
            checkpoint_every,
        }
    }
}

impl Store for WriterStore {
    fn location(&self) -> Location {
        Location::Writer
    }

    fn state_location(&self) -> Option<StateLocation> {
        self.state.as_ref().map(|path| StateLocation::File {
            path: path.clone(),
            default: false,
        })
    }

    fn io_error(&self, e: io::Error) -> Error {
        Error::io(std::path::Path::new("stdout"), e)
    }

    fn commit_due(&self, _: &Journal, since_save: Duration) -> bool {
        since_save >= self.checkpoint_every
    }

    fn keeps_state(&self) -> bool {
        self.state.is_some()
    }

    fn save_state<'a>(&'a mut self, journal: &'a Journal) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            match &self.state {
                Some(path) => journal::save(journal, path),
                None => Ok(()),
            }
        })
    }

    fn remove_state(&mut self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            match &self.state {
                Some(path) => journal::remove(path),
                None => Ok(()),
            }
        })
    }

    fn clean_up<'a>(
        &'a mut self,
        _: &'a Journal,
        _: &'a mut dyn Lines,
    ) -> BoxFuture<'a, Result<(), Error>> {
        self.remove_state()
    }
}
