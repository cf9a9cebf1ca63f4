//! `export --output s3://bucket/prefix/`: JSON Lines (entries as sent, or
//! their OCSF events) into an S3-compatible
//! object store through the `object_store` crate (feature `s3`, on by
//! default; a build without it refuses such an output).
//!
//! Each batch the export uploads (see [`crate::store::Uploader`]) becomes
//! one gzip-compressed object per day of `created_at` (UTC), under
//! `PREFIX/dt=YYYY-MM-DD/`, named after its content: the `created_at` of its
//! first and last line and the start of its SHA-256, so the same lines always
//! make the same object and a repeated upload replaces rather than
//! duplicates. Beside the objects of each day, `_manifest.json` lists every
//! object in the order written, with its SHA-256 (of the stored, compressed
//! bytes and of the lines), sizes, entry count and first and last entry, and
//! the format of the lines (`jsonl` or `ocsf`): the chain of custody an
//! auditor checks.
//!
//! Credentials come as the AWS tools take them: the `AWS_*` environment
//! (keys, `AWS_REGION`, `AWS_ENDPOINT_URL`), else the shared credentials and
//! config files (`AWS_PROFILE`, `AWS_SHARED_CREDENTIALS_FILE`,
//! `AWS_CONFIG_FILE`), else the instance or container role.

//!
//! A prefix is one archive, written by one export at a time: an export
//! takes the prefix's lease (`lease`) before anything else, which also
//! proves, before the first request to Arize, that there are credentials
//! and that the bucket takes writes (`preflight`); a new export refuses a
//! range the prefix's manifests already hold entries of (`overlap`); and
//! without `--state` the export's state is kept in the prefix
//! (`prefix_state`). A followed export stores what it fetched at most every
//! `--batch-interval`, holding it in its state until then (`batch`).

#[cfg(feature = "s3")]
mod aws_files;
pub mod batch;
#[cfg(feature = "s3")]
mod lease;
#[cfg(feature = "s3")]
mod manifest;
#[cfg(feature = "s3")]
mod overlap;
#[cfg(feature = "s3")]
mod prefix_state;
#[cfg(feature = "s3")]
mod preflight;

use crate::{journal::Journal, parallel::Window, store::Uploader, Error, Format};

/// The name, within a prefix, of the state an export without `--state`
/// keeps there.
pub const STATE_NAME: &str = "_state.json";

/// An export's hold on a bucket prefix: the prefix's lease, held (and
/// renewed) until [`Session::release`].
pub struct Session {
    #[cfg(feature = "s3")]
    inner: enabled::Session,
    #[cfg(not(feature = "s3"))]
    never: std::convert::Infallible,
}

impl Session {
    /// Opens the prefix `url` names for an export: checks the credentials,
    /// takes the lease (or refuses, naming its holder), and reads the state
    /// kept in the prefix. All of it before any request to Arize.
    #[cfg(feature = "s3")]
    pub async fn open(
        url: &str,
        endpoint: Option<&str>,
    ) -> Result<(Self, Option<Journal>, Box<dyn Uploader>), Error> {
        let (inner, state, bucket) = enabled::Session::open(url, endpoint).await?;
        Ok((Self { inner }, state, Box::new(bucket)))
    }

    /// A build without the feature `s3` cannot write to a bucket.
    #[cfg(not(feature = "s3"))]
    pub async fn open(
        _url: &str,
        _endpoint: Option<&str>,
    ) -> Result<(Self, Option<Journal>, Box<dyn Uploader>), Error> {
        Err(Error::refused(
            "a bucket output (s3://…) needs a build with the feature `s3` (on by default); \
             this one was built without it",
        ))
    }

    /// Where the state kept in the prefix is (`s3://…/_state.json`).
    pub fn state_url(&self) -> String {
        #[cfg(feature = "s3")]
        return self.inner.state_url();
        #[cfg(not(feature = "s3"))]
        match self.never {}
    }

    /// Refuses a new export whose range holds entries the prefix already
    /// has, naming them and where a range that continues it may start
    /// (`start` names that setting), or whose `format` is not the prefix's.
    pub async fn overlap(&self, range: &Window, format: Format, start: &str) -> Result<(), Error> {
        #[cfg(feature = "s3")]
        return self.inner.overlap(range, format, start).await;
        #[cfg(not(feature = "s3"))]
        match (self.never, range, format, start) {}
    }

    /// Gives the lease back (marks it expired).
    pub async fn release(self) {
        #[cfg(feature = "s3")]
        self.inner.release().await;
        #[cfg(not(feature = "s3"))]
        match self.never {}
    }
}

/// Whether `output` names a bucket rather than a file.
pub fn is_bucket(output: &std::path::Path) -> bool {
    output.to_str().is_some_and(|s| s.starts_with("s3://"))
}

/// `verify s3://…`: checks the archive under the prefix `url` names.
#[cfg(feature = "s3")]
pub async fn verify(
    url: &str,
    endpoint: Option<&str>,
    key: Option<&crate::digest::keys::PublicKey>,
    head: Option<&str>,
    range: crate::digest::report::Range,
    report: &mut crate::digest::report::Report,
) -> Result<(), Error> {
    enabled::Bucket::open(url, endpoint)?
        .verify(key, head, range, report)
        .await
}

/// A build without the feature `s3` cannot read a bucket.
#[cfg(not(feature = "s3"))]
pub async fn verify(
    _url: &str,
    _endpoint: Option<&str>,
    _key: Option<&crate::digest::keys::PublicKey>,
    _head: Option<&str>,
    _range: crate::digest::report::Range,
    _report: &mut crate::digest::report::Report,
) -> Result<(), Error> {
    Err(Error::refused(
        "verify s3://… needs a build with the feature `s3` (on by default); this one was \
         built without it",
    ))
}

#[cfg(feature = "s3")]
mod enabled {
    use std::{collections::HashMap, io::Write, sync::Arc};

    use chrono::{DateTime, NaiveDate, Utc};
    use flate2::{write::GzEncoder, Compression};
    use futures::future::BoxFuture;
    use object_store::{
        aws::{AmazonS3, AmazonS3Builder},
        path::Path as ObjectPath,
        ObjectStore, ObjectStoreExt, PutPayload,
    };
    use sha2::{Digest, Sha256};

    use super::{
        aws_files,
        lease::{self, Lease},
        manifest::{Edge, Manifest, ObjectRecord},
        overlap,
        prefix_state::{self, PrefixState},
        preflight,
    };
    use crate::{
        digest::{self, Content, ContentBuilder, Sealed, Unit},
        journal::Journal,
        parallel::Window,
        store::Uploader,
        Error, Format,
    };

    /// The lease of an export's prefix, and what reads the prefix for it.
    pub struct Session {
        lease: Lease,
        bucket: Bucket,
    }

    impl Session {
        pub async fn open(
            url: &str,
            endpoint: Option<&str>,
        ) -> Result<(Self, Option<Journal>, Bucket), Error> {
            let (mut bucket, s3, source) = Bucket::connect(url, endpoint)?;
            let location = bucket.location();
            preflight::credentials(&s3, &source, &location).await?;
            let lease = Lease::acquire(
                bucket.store.clone(),
                &bucket.bucket,
                &bucket.prefix,
                &location,
            )
            .await?;
            bucket.lease = Some(lease.check());
            let mut state = PrefixState::new(bucket.store.clone(), &bucket.bucket, &bucket.prefix);
            let journal = match state.load().await {
                Ok(journal) => journal,
                Err(failure) => {
                    lease.release().await;
                    return Err(failure);
                }
            };
            let session = Self {
                lease,
                bucket: Bucket {
                    store: bucket.store.clone(),
                    bucket: bucket.bucket.clone(),
                    prefix: bucket.prefix.clone(),
                    manifests: HashMap::new(),
                    lease: None,
                    state: None,
                    format: bucket.format,
                },
            };
            bucket.state = Some(state);
            Ok((session, journal, bucket))
        }

        pub fn state_url(&self) -> String {
            format!(
                "s3://{}/{}{}",
                self.bucket.bucket,
                self.bucket.prefix,
                prefix_state::NAME
            )
        }

        /// See [`super::Session::overlap`].
        pub async fn overlap(
            &self,
            range: &Window,
            format: Format,
            start: &str,
        ) -> Result<(), Error> {
            let mut found = Vec::new();
            let days = self.bucket.days().await?;
            // A prefix holds one format: the first day's manifest tells which,
            // before anything is fetched.
            let first = days.iter().min().copied();
            for day in days {
                let in_range = overlap::may_hold(day, range);
                if !in_range && Some(day) != first {
                    continue;
                }
                let key = format!("{}{}", self.bucket.partition(day), Manifest::NAME);
                let Some(bytes) = self.bucket.get(&key).await? else {
                    continue;
                };
                let manifest = Manifest::parse(&bytes).map_err(|why| {
                    Error::refused(format!("s3://{}/{key}: {why}", self.bucket.bucket))
                })?;
                if manifest.format != format {
                    return Err(other_format(
                        &self.bucket.bucket,
                        &key,
                        manifest.format,
                        format,
                    ));
                }
                if in_range {
                    found.extend(overlap::within(&manifest, range));
                }
            }
            overlap::refuse_if_any(&self.bucket.location(), range, &found, start)
        }

        pub async fn release(self) {
            self.lease.release().await;
        }
    }

    /// Where the digests of the archive under `prefix` are.
    const DIGESTS: &str = "_digests/";

    /// A bucket and the prefix the export writes under.
    pub struct Bucket {
        store: Arc<dyn ObjectStore>,
        bucket: String,
        /// Empty, or ending in `/`.
        prefix: String,
        /// The manifests touched by this run, by day.
        manifests: HashMap<NaiveDate, Manifest>,
        /// An export's lease, checked before each write.
        lease: Option<lease::Check>,
        /// An export's state kept in the prefix (without `--state`).
        state: Option<PrefixState>,
        /// The format of the lines uploaded.
        format: Format,
    }

    impl Bucket {
        pub fn open(url: &str, endpoint: Option<&str>) -> Result<Self, Error> {
            Self::connect(url, endpoint).map(|(bucket, _, _)| bucket)
        }

        /// The bucket, its store, and where its credentials come from.
        fn connect(
            url: &str,
            endpoint: Option<&str>,
        ) -> Result<(Self, Arc<AmazonS3>, preflight::Source), Error> {
            let rest = url.strip_prefix("s3://").unwrap_or(url);
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(Error::refused(format!(
                    "{url}: no bucket named; write s3://BUCKET/PREFIX/"
                )));
            }
            let prefix = prefix.trim_matches('/');
            let prefix = if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            };
            let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
            let mut from_files = false;
            if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
                if let Some(found) = aws_files::credentials(&aws_files::process_env)? {
                    from_files = true;
                    builder = builder
                        .with_access_key_id(found.key_id)
                        .with_secret_access_key(found.secret_key);
                    if let Some(token) = found.token {
                        builder = builder.with_token(token);
                    }
                }
            }
            // The environment's region is taken by `from_env` (AWS_REGION);
            // AWS_DEFAULT_REGION, then the config file, as the AWS CLI does.
            let region = match (
                std::env::var_os("AWS_REGION"),
                std::env::var("AWS_DEFAULT_REGION"),
            ) {
                (Some(_), _) => None,
                (None, Ok(region)) => Some(region),
                (None, Err(_)) => aws_files::region(&aws_files::process_env)?,
            };
            if let Some(region) = region {
                builder = builder.with_region(region);
            }
            let endpoint = endpoint
                .map(str::to_owned)
                .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok());
            if let Some(endpoint) = endpoint {
                builder = builder
                    .with_allow_http(endpoint.starts_with("http://"))
                    .with_endpoint(endpoint);
            }
            let store = Arc::new(builder.build().map_err(|e| {
                Error::refused(format!("{url}: {}", preflight::one_line(&e.to_string())))
            })?);
            let bucket = Self {
                store: store.clone(),
                bucket: bucket.to_owned(),
                prefix,
                manifests: HashMap::new(),
                lease: None,
                state: None,
                format: Format::Jsonl,
            };
            Ok((bucket, store, preflight::Source::find(from_files)))
        }

        /// The days the prefix has partitions for.
        async fn days(&self) -> Result<Vec<NaiveDate>, Error> {
            let under = ObjectPath::from(self.prefix.as_str());
            let listed = self
                .store
                .list_with_delimiter(Some(&under))
                .await
                .map_err(|e| self.failure(&self.prefix, &e))?;
            Ok(listed
                .common_prefixes
                .iter()
                .filter_map(|p| {
                    p.filename()
                        .and_then(|name| name.strip_prefix("dt="))
                        .and_then(|day| day.parse().ok())
                })
                .collect())
        }

        fn partition(&self, day: NaiveDate) -> String {
            format!("{}dt={}/", self.prefix, day.format("%Y-%m-%d"))
        }

        async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), Error> {
            if let Some(lease) = &self.lease {
                lease.held()?;
            }
            self.store
                .put(&ObjectPath::from(key), PutPayload::from(bytes))
                .await
                .map(|_| ())
                .map_err(|e| self.failure(key, &e))
        }

        fn failure(&self, key: &str, e: &object_store::Error) -> Error {
            Error::storage(format!(
                "s3://{}/{key}: {}",
                self.bucket,
                preflight::one_line(&e.to_string())
            ))
        }

        /// The day's manifest: as this run left it, else as stored, else new.
        async fn manifest(&mut self, day: NaiveDate) -> Result<&mut Manifest, Error> {
            if !self.manifests.contains_key(&day) {
                let key = format!("{}{}", self.partition(day), Manifest::NAME);
                let manifest = match self.store.get(&ObjectPath::from(key.as_str())).await {
                    Ok(found) => {
                        let bytes = found.bytes().await.map_err(|e| self.failure(&key, &e))?;
                        Manifest::parse(&bytes).map_err(|why| {
                            Error::storage(format!("s3://{}/{key}: {why}", self.bucket))
                        })?
                    }
                    Err(object_store::Error::NotFound { .. }) => Manifest::new(day, self.format),
                    Err(e) => return Err(self.failure(&key, &e)),
                };
                if manifest.format != self.format {
                    return Err(other_format(
                        &self.bucket,
                        &key,
                        manifest.format,
                        self.format,
                    ));
                }
                self.manifests.insert(day, manifest);
            }
            let format = self.format;
            Ok(self
                .manifests
                .entry(day)
                .or_insert_with(|| Manifest::new(day, format)))
        }

        /// Uploads the objects of a batch, then the manifests that list them.
        async fn store_batch(&mut self, lines: &[u8]) -> Result<Vec<(Unit, Content)>, Error> {
            let objects = split_by_day(lines)?;
            let mut touched = Vec::new();
            let mut units = Vec::new();
            for object in objects {
                let content_sha256 = hex(&Sha256::digest(object.lines));
                let key = format!(
                    "{}{}_{}_{}.jsonl.gz",
                    self.partition(object.day),
                    stamp(&object.first.created_at),
                    stamp(&object.last.created_at),
                    &content_sha256[..16]
                );
                let compressed = gzip(object.lines)
                    .map_err(|e| Error::storage(format!("compressing {key}: {e}")))?;
                let content = ContentBuilder::read(object.lines)
                    .map_err(|why| Error::storage(format!("{key}: {why}")))?;
                let stored_sha256 = hex(&Sha256::digest(&compressed));
                if let Some(content) = content {
                    units.push((
                        Unit::Object {
                            key: key.clone(),
                            stored_bytes: compressed.len() as u64,
                            stored_sha256: stored_sha256.clone(),
                        },
                        content,
                    ));
                }
                let record = ObjectRecord {
                    key: key.clone(),
                    sha256: stored_sha256,
                    bytes: compressed.len() as u64,
                    content_sha256,
                    content_bytes: object.lines.len() as u64,
                    entries: object.entries,
                    first: object.first,
                    last: object.last,
                };
                self.put(&key, compressed).await?;
                self.manifest(object.day).await?.record(record);
                if !touched.contains(&object.day) {
                    touched.push(object.day);
                }
            }
            for day in touched {
                let key = format!("{}{}", self.partition(day), Manifest::NAME);
                let json = self.manifest(day).await?.to_json();
                self.put(&key, json).await?;
            }
            Ok(units)
        }

        fn digest_key(&self, sequence: u64) -> String {
            format!("{}{DIGESTS}{sequence:020}.json", self.prefix)
        }

        /// The keys under the prefix (all of them, or under `within`).
        pub async fn keys(&self, within: &str) -> Result<Vec<String>, Error> {
            use futures::TryStreamExt;
            let prefix = format!("{}{within}", self.prefix);
            let listed: Vec<object_store::ObjectMeta> = self
                .store
                .list(Some(&ObjectPath::from(prefix.as_str())))
                .try_collect()
                .await
                .map_err(|e| self.failure(&prefix, &e))?;
            let mut keys: Vec<String> =
                listed.into_iter().map(|m| m.location.to_string()).collect();
            keys.sort();
            Ok(keys)
        }

        /// An object's bytes; `None` when there is no such object.
        pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
            match self.store.get(&ObjectPath::from(key)).await {
                Ok(found) => Ok(Some(
                    found
                        .bytes()
                        .await
                        .map_err(|e| self.failure(key, &e))?
                        .to_vec(),
                )),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(self.failure(key, &e)),
            }
        }

        async fn head(&self) -> Result<Option<Sealed>, Error> {
            let Some(last) = self.keys(DIGESTS).await?.pop() else {
                return Ok(None);
            };
            let bytes = self.get(&last).await?.unwrap_or_default();
            Sealed::parse(&bytes).map(Some).map_err(|why| {
                Error::refused(format!(
                    "s3://{}/{last}, the last digest of the archive, is not one this version                      reads ({why}): run `arize-audit-logs verify` on it",
                    self.bucket
                ))
            })
        }

        /// Checks the archive under the prefix (see `verify`).
        pub async fn verify(
            &self,
            key: Option<&digest::keys::PublicKey>,
            head: Option<&str>,
            range: digest::report::Range,
            report: &mut digest::report::Report,
        ) -> Result<(), Error> {
            let mut digests = Vec::new();
            for key in self.keys(DIGESTS).await? {
                let bytes = self.get(&key).await?.unwrap_or_default();
                digests.push((format!("s3://{}/{key}", self.bucket), bytes));
            }
            // Nothing to check against: a usage error, not a verdict (as for
            // a file archive without its digests file).
            if digests.is_empty() {
                let place = format!("s3://{}/{}", self.bucket, self.prefix);
                return Err(Error::refused(if self.keys("").await?.is_empty() {
                    format!("there is no archive at {place}")
                } else {
                    format!(
                        "no digests found: {place}{DIGESTS} holds none, so {place} cannot be \
                         verified. Export with --digests to write them"
                    )
                }));
            }
            let sealed = digest::verify::check_chain(digests, key, head, report);
            let mut digested = std::collections::HashSet::new();
            for digest in &sealed {
                let Unit::Object { key, .. } = &digest.body.unit else {
                    digest::verify::check_object(digest, None, None, report);
                    continue;
                };
                digested.insert(key.clone());
                if digest.time_range().is_some_and(|r| !range.overlaps(r)) {
                    continue;
                }
                let stored = self.get(key).await?;
                let lines = stored.as_deref().and_then(gunzip);
                digest::verify::check_object(digest, stored.as_deref(), lines.as_deref(), report);
            }
            for key in self.keys("").await? {
                let digest_or_manifest = key.strip_prefix(&self.prefix).is_some_and(|k| {
                    k.starts_with(DIGESTS)
                        || k.ends_with(Manifest::NAME)
                        || k == lease::NAME
                        || k == prefix_state::NAME
                });
                if !digest_or_manifest && !digested.contains(&key) {
                    report.add(
                        digest::report::Kind::Unexpected,
                        &key,
                        "an object no digest covers",
                    );
                }
            }
            Ok(())
        }
    }

    /// A prefix holds one format: the refusal of an export in another one.
    fn other_format(bucket: &str, key: &str, found: Format, writes: Format) -> Error {
        Error::refused(format!(
            "s3://{bucket}/{key} lists {} objects, and this export writes {}: a prefix holds \
             one format; export {} into another prefix",
            found.name(),
            writes.name(),
            writes.name()
        ))
    }

    fn gunzip(bytes: &[u8]) -> Option<Vec<u8>> {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .ok()?;
        Some(out)
    }

    impl Uploader for Bucket {
        fn upload<'a>(
            &'a mut self,
            lines: &'a [u8],
        ) -> BoxFuture<'a, Result<Vec<(Unit, Content)>, Error>> {
            Box::pin(self.store_batch(lines))
        }

        fn store_digest<'a>(&'a mut self, digest: &'a Sealed) -> BoxFuture<'a, Result<(), Error>> {
            let key = self.digest_key(digest.body.sequence);
            Box::pin(async move { self.put(&key, digest.bytes.clone()).await })
        }

        fn digest_head(&mut self) -> BoxFuture<'_, Result<Option<Sealed>, Error>> {
            Box::pin(self.head())
        }

        fn location(&self) -> String {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }

        fn save_state<'a>(&'a mut self, journal: &'a Journal) -> BoxFuture<'a, Result<(), Error>> {
            Box::pin(async move {
                if let Some(lease) = &self.lease {
                    lease.held()?;
                }
                match &mut self.state {
                    Some(state) => state.save(journal).await,
                    None => Err(Error::storage("this bucket keeps no state")),
                }
            })
        }

        fn remove_state(&mut self) -> BoxFuture<'_, Result<(), Error>> {
            Box::pin(async move {
                match &mut self.state {
                    Some(state) => state.remove().await,
                    None => Ok(()),
                }
            })
        }

        fn state_location(&self) -> String {
            format!("s3://{}/{}{}", self.bucket, self.prefix, prefix_state::NAME)
        }

        fn lines_are(&mut self, format: Format) {
            self.format = format;
        }
    }

    /// The lines of one object: consecutive lines of one day.
    struct DayObject<'a> {
        day: NaiveDate,
        lines: &'a [u8],
        entries: u64,
        first: Edge,
        last: Edge,
    }

    /// Cuts a batch into runs of consecutive lines of the same day.
    fn split_by_day(batch: &[u8]) -> Result<Vec<DayObject<'_>>, Error> {
        let mut objects: Vec<DayObject<'_>> = Vec::new();
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', batch) {
            let line = &batch[start..=end];
            let edge = digest::edge_of(line)
                .map_err(|why| Error::storage(format!("an exported line: {why}")))?;
            let day = DateTime::parse_from_rfc3339(&edge.created_at)
                .map_err(|e| Error::storage(format!("created_at {:?}: {e}", edge.created_at)))?
                .with_timezone(&Utc)
                .date_naive();
            match objects.last_mut() {
                Some(current) if current.day == day => {
                    let begin = current.lines.as_ptr() as usize - batch.as_ptr() as usize;
                    current.lines = &batch[begin..=end];
                    current.entries += 1;
                    current.last = edge;
                }
                _ => objects.push(DayObject {
                    day,
                    lines: line,
                    entries: 1,
                    first: edge.clone(),
                    last: edge,
                }),
            }
            start = end + 1;
        }
        Ok(objects)
    }

    /// `2026-05-01T10:00:00.123Z` as `20260501T100000.123Z`, for a key.
    fn stamp(created_at: &str) -> String {
        match DateTime::parse_from_rfc3339(created_at) {
            Ok(t) => t
                .with_timezone(&Utc)
                .format("%Y%m%dT%H%M%S%.3fZ")
                .to_string(),
            Err(_) => created_at.replace(|c: char| !c.is_ascii_alphanumeric(), ""),
        }
    }

    /// Gzip with a fixed header (no name, time 0): the same lines always
    /// compress to the same bytes.
    fn gzip(lines: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut encoder =
            GzEncoder::new(Vec::with_capacity(lines.len() / 4), Compression::default());
        encoder.write_all(lines)?;
        encoder.finish()
    }

    use digest::hex;

    #[cfg(test)]
    mod tests {
        use super::*;

        const BATCH: &[u8] = b"{\"id\":\"c\",\"created_at\":\"2026-05-02T00:00:01.000Z\"}\n\
{\"id\":\"b\",\"created_at\":\"2026-05-02T00:00:00.000Z\"}\n\
{\"id\":\"a\",\"created_at\":\"2026-05-01T23:59:59.999Z\"}\n";

        #[test]
        fn a_batch_is_cut_into_one_object_per_run_of_days_keeping_every_line() {
            let objects = split_by_day(BATCH).expect("splits");
            assert_eq!(objects.len(), 2);
            assert_eq!(objects[0].day.to_string(), "2026-05-02");
            assert_eq!(
                (
                    objects[0].entries,
                    objects[0].first.id.as_str(),
                    objects[0].last.id.as_str()
                ),
                (2, "c", "b")
            );
            assert_eq!(objects[1].entries, 1);
            let joined: Vec<u8> = objects.iter().flat_map(|o| o.lines.to_vec()).collect();
            assert_eq!(joined, BATCH);
        }

        #[test]
        fn the_same_lines_compress_to_the_same_bytes() {
            assert_eq!(gzip(BATCH).expect("gz"), gzip(BATCH).expect("gz"));
            assert_eq!(stamp("2026-05-01T23:59:59.999Z"), "20260501T235959.999Z");
        }
    }
}
