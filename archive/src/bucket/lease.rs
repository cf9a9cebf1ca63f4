//! The lease on a bucket prefix, `PREFIX/_lease.json`: one export writes a
//! prefix at a time, whichever machine it runs on.
//!
//! The lease names its holder (process id, host, since when) and when it
//! expires. It is taken with S3 conditional writes: created with
//! `If-None-Match: *` (object_store's `PutMode::Create`) when there is none,
//! or, once the one there has expired, replaced with `If-Match: ETAG`
//! (`PutMode::Update`), so of two exports that find it free only one gets
//! it. Its holder renews it (again `If-Match` its own last ETag) every third
//! of its term, checks it before every object it stores, and on the way out
//! marks it expired (the object stays, free for the next export). A holder
//! that dies (`kill -9`, a lost machine) stops renewing it, and the next
//! export takes it over once it has expired.
//!
//! Expiry is judged on the clock of the export that finds the lease, against
//! the time its holder wrote into it: machines whose clocks differ by more
//! than the term's slack can take a live lease (see docs/operating.md).
//!
//! The term is [`TERM`]; a build with the feature `fault-injection` takes
//! another from `ARIZE_AUDIT_LOGS_TEST_LEASE_SECONDS`, for the tests.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use object_store::{
    path::Path as ObjectPath, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
    UpdateVersion,
};
use serde::{Deserialize, Serialize};

use super::preflight;
use crate::{lock::Holder, Error};

/// Its name within the prefix.
pub const NAME: &str = "_lease.json";

/// How long a lease lasts unless renewed.
pub const TERM: Duration = Duration::from_secs(60);

/// The term: [`TERM`], or the tests' (feature `fault-injection`).
fn term() -> Duration {
    #[cfg(feature = "fault-injection")]
    if let Some(seconds) = std::env::var("ARIZE_AUDIT_LOGS_TEST_LEASE_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    {
        return Duration::from_secs(seconds.max(1));
    }
    TERM
}

/// The lease object.
#[derive(Debug, Serialize, Deserialize)]
struct Body {
    /// The format of this object: 1.
    version: u32,
    holder: Holder,
    /// When it expires unless renewed; a released lease expired when it was
    /// released.
    expires: DateTime<Utc>,
}

/// Where the lease stands for its holder.
#[derive(Debug)]
struct Held {
    version: UpdateVersion,
    expires: DateTime<Utc>,
    /// Why it is no longer held.
    lost: Option<String>,
}

/// A lease held on a prefix; renewed until [`Lease::release`].
pub struct Lease {
    store: Arc<dyn ObjectStore>,
    key: ObjectPath,
    /// `s3://bucket/prefix/_lease.json`, for messages.
    url: String,
    holder: Holder,
    term: Duration,
    held: Arc<Mutex<Held>>,
    renewer: tokio::task::JoinHandle<()>,
}

impl Lease {
    /// Takes the lease of the prefix `prefix` (empty or ending in `/`), or
    /// refuses, naming its holder. `archive` names the prefix in messages.
    pub async fn acquire(
        store: Arc<dyn ObjectStore>,
        bucket: &str,
        prefix: &str,
        archive: &str,
    ) -> Result<Self, Error> {
        let key = ObjectPath::from(format!("{prefix}{NAME}"));
        let url = format!("s3://{bucket}/{key}");
        let holder = Holder::this_process();
        let term = term();
        let body = |expires| Body {
            version: 1,
            holder: holder.clone(),
            expires,
        };
        // A lease released or taken over between our read and our write is
        // read again (a few rounds at most).
        for _ in 0..3 {
            let mine = body(Utc::now() + span(term));
            match put(&store, &key, &mine, PutMode::Create).await {
                Ok(version) => {
                    return Ok(Self::start(store, key, url, holder, term, version, mine))
                }
                Err(object_store::Error::AlreadyExists { .. }) => {}
                Err(e) => return Err(preflight::failure(bucket, key.as_ref(), &e)),
            }
            let found = match store.get(&key).await {
                Ok(found) => found,
                Err(object_store::Error::NotFound { .. }) => continue,
                Err(e) => return Err(preflight::failure(bucket, key.as_ref(), &e)),
            };
            let version = UpdateVersion {
                e_tag: found.meta.e_tag.clone(),
                version: found.meta.version.clone(),
            };
            let bytes = found
                .bytes()
                .await
                .map_err(|e| preflight::failure(bucket, key.as_ref(), &e))?;
            let Ok(theirs) = serde_json::from_slice::<Body>(&bytes) else {
                return Err(Error::refused(format!(
                    "{url} is not a lease this version reads: the prefix {archive} may be \
                     written by another tool; remove it only if nothing writes there"
                )));
            };
            if theirs.expires > Utc::now() {
                return Err(refused(archive, &theirs));
            }
            let mine = body(Utc::now() + span(term));
            match put(&store, &key, &mine, PutMode::Update(version)).await {
                Ok(version) => {
                    if theirs.holder != holder {
                        tracing::info!(
                            lease = %url,
                            previous = %theirs.holder.describe(),
                            "took over an expired lease"
                        );
                    }
                    return Ok(Self::start(store, key, url, holder, term, version, mine));
                }
                // Someone else took it meanwhile: read it again.
                Err(object_store::Error::Precondition { .. }) => {}
                Err(e) => return Err(preflight::failure(bucket, key.as_ref(), &e)),
            }
        }
        Err(Error::refused(format!(
            "{archive}: the lease {url} kept changing while this export tried to take it: \
             another export is starting there"
        )))
    }

    fn start(
        store: Arc<dyn ObjectStore>,
        key: ObjectPath,
        url: String,
        holder: Holder,
        term: Duration,
        version: UpdateVersion,
        body: Body,
    ) -> Self {
        let held = Arc::new(Mutex::new(Held {
            version,
            expires: body.expires,
            lost: None,
        }));
        let renewer = tokio::spawn(renew(
            store.clone(),
            key.clone(),
            holder.clone(),
            term,
            held.clone(),
        ));
        Self {
            store,
            key,
            url,
            holder,
            term,
            held,
            renewer,
        }
    }

    /// A handle that checks the lease before each write.
    pub fn check(&self) -> Check {
        Check {
            url: self.url.clone(),
            held: self.held.clone(),
            margin: margin(self.term),
        }
    }

    /// Stops renewing it and marks it expired, if it is still ours.
    pub async fn release(self) {
        self.renewer.abort();
        let version = {
            let held = lock(&self.held);
            if held.lost.is_some() {
                return;
            }
            UpdateVersion {
                e_tag: held.version.e_tag.clone(),
                version: held.version.version.clone(),
            }
        };
        let released = Body {
            version: 1,
            holder: self.holder.clone(),
            expires: Utc::now(),
        };
        if let Err(e) = put(&self.store, &self.key, &released, PutMode::Update(version)).await {
            tracing::warn!(
                lease = %self.url,
                error = %e,
                "could not release the lease; it expires within {} s",
                self.term.as_secs()
            );
        }
    }
}

/// Checks that a lease is still held.
#[derive(Clone)]
pub struct Check {
    url: String,
    held: Arc<Mutex<Held>>,
    /// How long before its expiry a lease no longer counts as held.
    margin: TimeDelta,
}

impl Check {
    /// `Ok` while the lease is held, with a margin before it expires.
    pub fn held(&self) -> Result<(), Error> {
        let held = lock(&self.held);
        let why = match &held.lost {
            Some(why) => why.clone(),
            None if held.expires <= Utc::now() + self.margin => format!(
                "it expired at {} without being renewed",
                held.expires.to_rfc3339_opts(SecondsFormat::Secs, true)
            ),
            None => return Ok(()),
        };
        Err(Error::storage(format!(
            "the lease {} is no longer this export's ({why}): stopped before writing more, \
             so that two exports never write the prefix at once",
            self.url
        )))
    }
}

/// Renews the lease every third of its term, until it is lost or the task
/// is stopped.
async fn renew(
    store: Arc<dyn ObjectStore>,
    key: ObjectPath,
    holder: Holder,
    term: Duration,
    held: Arc<Mutex<Held>>,
) {
    loop {
        tokio::time::sleep(term / 3).await;
        let version = {
            let held = lock(&held);
            UpdateVersion {
                e_tag: held.version.e_tag.clone(),
                version: held.version.version.clone(),
            }
        };
        let body = Body {
            version: 1,
            holder: holder.clone(),
            expires: Utc::now() + span(term),
        };
        match put(&store, &key, &body, PutMode::Update(version)).await {
            Ok(version) => {
                let mut held = lock(&held);
                held.version = version;
                held.expires = body.expires;
            }
            Err(object_store::Error::Precondition { .. }) => {
                lock(&held).lost = Some("another export took it over".into());
                return;
            }
            // Tried again in a third of the term; `Check` stops the export
            // if the lease runs out meanwhile.
            Err(e) => tracing::warn!(lease = %key, error = %e, "could not renew the lease"),
        }
    }
}

async fn put(
    store: &Arc<dyn ObjectStore>,
    key: &ObjectPath,
    body: &Body,
    mode: PutMode,
) -> Result<UpdateVersion, object_store::Error> {
    let mut json = serde_json::to_vec_pretty(body).unwrap_or_default();
    json.push(b'\n');
    store
        .put_opts(key, PutPayload::from(json), PutOptions::from(mode))
        .await
        .map(UpdateVersion::from)
}

fn refused(archive: &str, theirs: &Body) -> Error {
    crate::lock::refused(
        archive,
        Some(&theirs.holder),
        &format!(
            "; its lease runs to {} unless renewed",
            theirs.expires.to_rfc3339_opts(SecondsFormat::Secs, true)
        ),
    )
}

/// A sixth of the term, at most a second: a write is not begun on a lease
/// that expires sooner than that.
fn margin(term: Duration) -> TimeDelta {
    span(term / 6).min(TimeDelta::seconds(1))
}

fn span(term: Duration) -> TimeDelta {
    TimeDelta::from_std(term).unwrap_or(TimeDelta::seconds(60))
}

fn lock(held: &Mutex<Held>) -> std::sync::MutexGuard<'_, Held> {
    held.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
