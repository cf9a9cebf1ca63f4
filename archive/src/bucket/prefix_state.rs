//! The export's state kept in the prefix itself, `PREFIX/_state.json`, for
//! an export to `s3://…` without `--state` (a container with no disk of its
//! own): the same journal a `--state` file holds, with the same write-ahead
//! rule (saved before the first request, and after each batch is stored).
//!
//! Each save is a conditional write: the first `If-None-Match: *`, every
//! later one `If-Match` the ETag of the previous, so two writers can never
//! both advance it, even past the lease (see `lease`).

use std::sync::Arc;

use object_store::{
    path::Path as ObjectPath, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
    UpdateVersion,
};

use super::preflight::one_line;
use crate::{
    journal::{self, Journal},
    Error,
};

/// Its name within the prefix.
pub const NAME: &str = super::STATE_NAME;

/// The state object of a prefix, and the version of it this export last
/// read or wrote.
pub struct PrefixState {
    store: Arc<dyn ObjectStore>,
    key: ObjectPath,
    /// `s3://bucket/prefix/_state.json`.
    pub url: String,
    version: Option<UpdateVersion>,
}

impl PrefixState {
    pub fn new(store: Arc<dyn ObjectStore>, bucket: &str, prefix: &str) -> Self {
        let key = ObjectPath::from(format!("{prefix}{NAME}"));
        Self {
            url: format!("s3://{bucket}/{key}"),
            store,
            key,
            version: None,
        }
    }

    /// The journal kept in the prefix; `None` when there is none.
    pub async fn load(&mut self) -> Result<Option<Journal>, Error> {
        let found = match self.store.get(&self.key).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.failure(&e)),
        };
        let version = UpdateVersion {
            e_tag: found.meta.e_tag.clone(),
            version: found.meta.version.clone(),
        };
        let bytes = found.bytes().await.map_err(|e| self.failure(&e))?;
        let journal = journal::parse(&bytes, &self.url)?;
        self.version = Some(version);
        Ok(Some(journal))
    }

    /// Replaces the state, on the condition that it is still the one this
    /// export last read or wrote (or, for a new export, that there is none).
    pub async fn save(&mut self, journal: &Journal) -> Result<(), Error> {
        let json = serde_json::to_vec_pretty(journal).map_err(|e| Error::storage(e.to_string()))?;
        let mode = match &self.version {
            Some(version) => PutMode::Update(version.clone()),
            None => PutMode::Create,
        };
        match self
            .store
            .put_opts(&self.key, PutPayload::from(json), PutOptions::from(mode))
            .await
        {
            Ok(written) => {
                self.version = Some(UpdateVersion::from(written));
                Ok(())
            }
            Err(
                object_store::Error::Precondition { .. }
                | object_store::Error::AlreadyExists { .. },
            ) => Err(Error::refused(format!(
                "{} was changed by another writer since this export read it: it is not \
                 overwritten, and this export stops. One export writes a prefix at a time",
                self.url
            ))),
            Err(e) => Err(self.failure(&e)),
        }
    }

    /// Removes the state (the export is finished, or wrote nothing).
    pub async fn remove(&mut self) -> Result<(), Error> {
        match self.store.delete(&self.key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {
                self.version = None;
                Ok(())
            }
            Err(e) => Err(self.failure(&e)),
        }
    }

    fn failure(&self, e: &object_store::Error) -> Error {
        Error::storage(format!("{}: {}", self.url, one_line(&e.to_string())))
    }
}
