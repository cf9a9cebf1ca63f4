//! An embedded fake Arize server for `GET /v2/audit-logs` (feature `mock`).
//!
//! It behaves as the fact sheet says the real endpoint does: Bearer auth
//! (401 Problem for a missing or wrong key, 403 for a non-admin key), the
//! `start_time`/`end_time` window (inclusive; start defaults to 30 days before
//! end, end to now), `user_id` and `operation_type` filters, `limit` checked
//! (1..=100, default 50), opaque cursors bound to the filters (400 on a
//! corrupted cursor or one from other filters), newest first, and no
//! `next_cursor` on the last page. Every answer carries a `Date` header
//! from the server's clock, which can run behind the real one
//! ([`MockConfig::clock_behind`]), and the entries it grows can become
//! visible only some time after their `created_at`
//! ([`MockConfig::visibility_lag`]), as with commit lag or a replica behind. Its data are seeded and deterministic, and
//! its fault knobs inject latency, 429s with `Retry-After`, 503s, dropped
//! connections, truncated bodies, unlisted operation types and unknown
//! members.
//!
//! Test your own code against it:
//!
//! ```
//! use arize_audit_logs::mock::{MockConfig, MockServer};
//! use futures::TryStreamExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = MockServer::start(MockConfig::default().entries(250).seed(7)).await?;
//! let client = server.client()?; // a Client with the server's URL and key
//!
//! let ids: Vec<String> = client
//!     .list_audit_logs()
//!     .limit(100)
//!     .entries()
//!     .map_ok(|entry| entry.id)
//!     .try_collect()
//!     .await?;
//! assert_eq!(ids.len(), 250);
//! assert_eq!(ids[0], server.entries()[0].id); // newest first
//! # Ok(()) }
//! ```

mod cursor;
mod data;
mod handler;
mod oauth;

pub use oauth::{OAuthTokens, OAUTH_CLIENT_ID};

/// The body of every answer the fake server gives.
type Body = http_body_util::combinators::BoxBody<bytes::Bytes, std::io::Error>;

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex, RwLock,
    },
    time::{Duration, Instant},
};

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

use crate::{client::Client, error::Error, model::audit_log::AuditLog};

/// What the fake server holds and how it behaves.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct MockConfig {
    /// Seed of the synthetic data (and of the fault rolls).
    pub seed: u64,
    /// How many entries to generate.
    pub entries: usize,
    /// The newest entry's time (default: now, to the second).
    pub end: DateTime<Utc>,
    /// How far back the entries reach from `end` (default 30 days).
    pub span: TimeDelta,
    /// The admin key the server accepts.
    pub api_key: String,
    /// Keys the server knows but refuses with 403 (not an account admin).
    pub non_admin_keys: Vec<String>,
    /// Fraction of entries whose operation type the document does not list
    /// (`WEBHOOK`).
    pub unknown_operation_types: f64,
    /// Fault injection.
    pub faults: Faults,
    /// How far the server's clock runs behind the real one: its `Date`
    /// header, the `created_at` of the entries [`MockServer::grow`] adds,
    /// and the default `end_time` all come from that clock.
    pub clock_behind: Duration,
    /// The longest an entry [`MockServer::grow`] adds stays invisible after
    /// its `created_at`: each gets a seeded delay from zero to this, and no
    /// page returns it before then (commit lag, a replica behind).
    pub visibility_lag: Duration,
    /// How long an access token from `POST /oauth2/token` (or
    /// [`MockServer::sign_in`]) is accepted (default one hour).
    pub oauth_token_lifetime: Duration,
    /// Refresh tokens the server accepts once each, as if `ax auth login`
    /// had just issued them (default `mock-refresh-token`).
    pub oauth_refresh_tokens: Vec<String>,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            entries: 1_000,
            end: Utc::now().trunc_subsecs(0),
            span: TimeDelta::days(30),
            api_key: "mock-admin-key".to_owned(),
            non_admin_keys: vec!["mock-member-key".to_owned()],
            unknown_operation_types: 0.0,
            faults: Faults::default(),
            clock_behind: Duration::ZERO,
            visibility_lag: Duration::ZERO,
            oauth_token_lifetime: Duration::from_secs(3600),
            oauth_refresh_tokens: vec!["mock-refresh-token".to_owned()],
        }
    }
}

impl MockConfig {
    /// Sets [`entries`](Self::entries).
    #[must_use]
    pub fn entries(mut self, n: usize) -> Self {
        self.entries = n;
        self
    }

    /// Sets [`seed`](Self::seed).
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets [`end`](Self::end).
    #[must_use]
    pub fn end(mut self, end: DateTime<Utc>) -> Self {
        self.end = end;
        self
    }

    /// Sets [`span`](Self::span).
    #[must_use]
    pub fn span(mut self, span: TimeDelta) -> Self {
        self.span = span;
        self
    }

    /// Sets [`api_key`](Self::api_key).
    #[must_use]
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    /// Sets [`unknown_operation_types`](Self::unknown_operation_types).
    #[must_use]
    pub fn unknown_operation_types(mut self, fraction: f64) -> Self {
        self.unknown_operation_types = fraction;
        self
    }

    /// Sets [`faults`](Self::faults).
    #[must_use]
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Sets [`clock_behind`](Self::clock_behind).
    #[must_use]
    pub fn clock_behind(mut self, behind: Duration) -> Self {
        self.clock_behind = behind;
        self
    }

    /// Sets [`visibility_lag`](Self::visibility_lag).
    #[must_use]
    pub fn visibility_lag(mut self, lag: Duration) -> Self {
        self.visibility_lag = lag;
        self
    }

    /// Sets [`oauth_token_lifetime`](Self::oauth_token_lifetime).
    #[must_use]
    pub fn oauth_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.oauth_token_lifetime = lifetime;
        self
    }

    /// Sets [`oauth_refresh_tokens`](Self::oauth_refresh_tokens).
    #[must_use]
    pub fn oauth_refresh_tokens(mut self, tokens: impl IntoIterator<Item = String>) -> Self {
        self.oauth_refresh_tokens = tokens.into_iter().collect();
        self
    }

    /// The synthetic entries a server with this configuration holds, newest
    /// first (the same every time for the same seed, count, end and span).
    pub fn generate(&self) -> Vec<AuditLog> {
        data::synthetic(
            self.seed,
            self.entries,
            self.end,
            self.span,
            self.unknown_operation_types,
        )
    }
}

/// Fault injection: each request rolls once for each probability, in the
/// order dropped connection, 429, 503, truncated body.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Faults {
    /// Delay before every answer.
    pub latency: Duration,
    /// Probability of a 429 Problem.
    pub rate_limit: f64,
    /// The `Retry-After` seconds sent with a 429 (none when `None`).
    pub retry_after_secs: Option<u64>,
    /// Probability of a 503 Problem.
    pub server_error: f64,
    /// Probability of closing the connection without an answer.
    pub drop_connection: f64,
    /// Probability of sending half the body and breaking off.
    pub truncate_body: f64,
    /// Whether entries, pages and pagination carry members the document does
    /// not declare: flat and nested, some between the documented members,
    /// with number texts (`1.50`, `1e3`, a 23-digit integer) that any
    /// re-encoding would change.
    pub unknown_members: bool,
    /// How pages are cut (a misbehaving server).
    pub pages: PageFault,
    /// One way of breaking the documented contract (for conformance tests).
    pub contract: ContractFault,
}

/// Ways a server can break the document while still answering, one at a
/// time: what a conformance check must catch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContractFault {
    /// As documented.
    #[default]
    None,
    /// Every entry's `ip` is a number instead of a string.
    WrongType,
    /// Every entry lacks the required `user_id`.
    MissingRequired,
    /// A valid `limit` is accepted but not honoured: pages hold 50 entries.
    IgnoreLimit,
    /// A valid `user_id` is accepted but does not filter.
    IgnoreUserIdFilter,
    /// Error answers are an HTML page instead of `application/problem+json`.
    HtmlErrors,
}

/// Ways a server can cut its pages wrongly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageFault {
    /// Pages as documented.
    #[default]
    None,
    /// Every page after the first starts with the last entry of the page
    /// before.
    Overlap,
    /// Every page after the first repeats the first page's entries, under a
    /// fresh cursor each time.
    Loop,
    /// The entries of each page come oldest first.
    OldestFirst,
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// Sets [`latency`](Self::latency).
    #[must_use]
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Sets [`rate_limit`](Self::rate_limit) and [`retry_after_secs`](Self::retry_after_secs).
    #[must_use]
    pub fn rate_limit(mut self, probability: f64, retry_after_secs: Option<u64>) -> Self {
        self.rate_limit = probability;
        self.retry_after_secs = retry_after_secs;
        self
    }

    /// Sets [`server_error`](Self::server_error).
    #[must_use]
    pub fn server_error(mut self, probability: f64) -> Self {
        self.server_error = probability;
        self
    }

    /// Sets [`drop_connection`](Self::drop_connection).
    #[must_use]
    pub fn drop_connection(mut self, probability: f64) -> Self {
        self.drop_connection = probability;
        self
    }

    /// Sets [`truncate_body`](Self::truncate_body).
    #[must_use]
    pub fn truncate_body(mut self, probability: f64) -> Self {
        self.truncate_body = probability;
        self
    }

    /// Sets [`unknown_members`](Self::unknown_members).
    #[must_use]
    pub fn unknown_members(mut self, on: bool) -> Self {
        self.unknown_members = on;
        self
    }

    /// Sets [`pages`](Self::pages).
    #[must_use]
    pub fn pages(mut self, fault: PageFault) -> Self {
        self.pages = fault;
        self
    }

    /// Sets [`contract`](Self::contract).
    #[must_use]
    pub fn contract(mut self, fault: ContractFault) -> Self {
        self.contract = fault;
        self
    }
}

/// An entry with its sort key: (created_at in ns, sequence), descending.
struct Stored {
    key: (i64, u64),
    entry: AuditLog,
    /// No page returns the entry before this moment (`None`: always visible).
    visible_at: Option<Instant>,
}

impl Stored {
    fn visible(&self, now: Instant) -> bool {
        self.visible_at.is_none_or(|at| at <= now)
    }
}

struct Shared {
    config: MockConfig,
    store: RwLock<Vec<Stored>>,
    faults: RwLock<Faults>,
    rng: Mutex<fastrand::Rng>,
    next_seq: AtomicU64,
    secret: u64,
    requests: AtomicU64,
    /// Cleared by [`MockServer::stop_growing`].
    growing: AtomicBool,
    /// The OAuth tokens it has issued.
    oauth: Mutex<oauth::OAuthState>,
}

impl Shared {
    /// Adds entries, keeping the store newest first; among entries with the
    /// same time, those added later sort as newer.
    fn insert(&self, entries: impl IntoIterator<Item = (AuditLog, Option<Instant>)>) {
        let mut store = self.store.write().unwrap_or_else(|p| p.into_inner());
        self.push(&mut store, entries);
    }

    /// [`insert`](Self::insert), with the store's lock already held.
    fn push(
        &self,
        store: &mut Vec<Stored>,
        entries: impl IntoIterator<Item = (AuditLog, Option<Instant>)>,
    ) {
        for (entry, visible_at) in entries {
            let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
            store.push(Stored {
                key: (handler::nanos(entry.created_at), seq),
                entry,
                visible_at,
            });
        }
        store.sort_by_key(|s| std::cmp::Reverse(s.key));
    }

    /// The server's clock: the real one, less [`MockConfig::clock_behind`].
    fn now(&self) -> DateTime<Utc> {
        let behind = TimeDelta::from_std(self.config.clock_behind).unwrap_or(TimeDelta::MAX);
        Utc::now()
            .checked_sub_signed(behind)
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    fn faults(&self) -> Faults {
        self.faults
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Whether `token` is an access token it issued that has not expired.
    fn oauth_accepts(&self, token: &str) -> bool {
        self.oauth
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .accepts(token)
    }

    fn roll(&self) -> f64 {
        self.rng.lock().unwrap_or_else(|p| p.into_inner()).f64()
    }
}

/// A running fake server on a loopback port. Stops when dropped.
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a server on an ephemeral loopback port.
    pub async fn start(config: MockConfig) -> std::io::Result<Self> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    /// Starts a server on the given address.
    pub async fn start_on(addr: SocketAddr, config: MockConfig) -> std::io::Result<Self> {
        let entries = config.generate();
        let next_seq = entries.len() as u64 + 1;
        let stored = entries
            .into_iter()
            .map(|entry| Stored {
                key: (handler::nanos(entry.created_at), seq_of(&entry)),
                entry,
                visible_at: None,
            })
            .collect();
        let config_refresh_tokens = config.oauth_refresh_tokens.clone();
        let shared = Arc::new(Shared {
            faults: RwLock::new(config.faults.clone()),
            rng: Mutex::new(fastrand::Rng::with_seed(config.seed ^ 0x5eed)),
            secret: config.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xa11ce,
            config,
            store: RwLock::new(stored),
            next_seq: AtomicU64::new(next_seq),
            requests: AtomicU64::new(0),
            growing: AtomicBool::new(true),
            oauth: Mutex::new(oauth::OAuthState::new(&config_refresh_tokens)),
        });
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (shutdown, stop) = watch::channel(false);
        let task = tokio::spawn(serve(listener, shared.clone(), stop));
        Ok(Self {
            addr,
            shared,
            shutdown,
            task: Some(task),
        })
    }

    /// The base URL, such as `http://127.0.0.1:40123`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The admin key the server accepts.
    pub fn api_key(&self) -> &str {
        &self.shared.config.api_key
    }

    /// A [`Client`] for this server, with its key and default retries.
    pub fn client(&self) -> Result<Client, Error> {
        self.client_builder().build()
    }

    /// A client builder preset for this server, to adjust before building.
    pub fn client_builder(&self) -> crate::client::ClientBuilder {
        Client::builder()
            .ignore_environment()
            .api_key(self.api_key())
            .base_url(self.uri())
    }

    /// The server's clock ([`MockConfig::clock_behind`] behind the real one).
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.now()
    }

    /// Every entry the server holds, newest first, those not visible yet
    /// ([`MockConfig::visibility_lag`]) included.
    pub fn entries(&self) -> Vec<AuditLog> {
        let store = self.shared.store.read().unwrap_or_else(|p| p.into_inner());
        store.iter().map(|s| s.entry.clone()).collect()
    }

    /// Adds entries (for example newer ones, for `--follow`). Entries are
    /// kept newest first; among entries with the same time, those added
    /// later sort as newer.
    pub fn add_entries(&self, entries: impl IntoIterator<Item = AuditLog>) {
        self.shared.insert(entries.into_iter().map(|e| (e, None)));
    }

    /// Whether every entry the server holds is visible (none is still
    /// waiting out its [`MockConfig::visibility_lag`]).
    pub fn all_visible(&self) -> bool {
        let now = Instant::now();
        let store = self.shared.store.read().unwrap_or_else(|p| p.into_inner());
        store.iter().all(|s| s.visible(now))
    }

    /// Removes the entries with these ids, as Arize's retention or a
    /// deletion would: from now on no page returns them. Returns how many
    /// were removed.
    pub fn remove_entries<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> usize {
        let ids: std::collections::HashSet<&str> = ids.into_iter().collect();
        let mut store = self.shared.store.write().unwrap_or_else(|p| p.into_inner());
        let before = store.len();
        store.retain(|s| !ids.contains(s.entry.id.as_str()));
        before - store.len()
    }

    /// Makes the server grow as a real account does: from now on, every
    /// `every` it adds one synthetic entry dated at that moment (by the
    /// server's clock, see [`MockConfig::clock_behind`]), until it stops or
    /// [`stop_growing`](Self::stop_growing) is called (for showing
    /// `--follow`). With a [`MockConfig::visibility_lag`], each entry becomes
    /// visible a seeded delay after its `created_at`. Call it once.
    pub fn grow(&self, every: Duration) {
        let shared = self.shared.clone();
        let mut stop = self.shutdown.subscribe();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every.max(Duration::from_millis(1)));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stop.wait_for(|s| *s) => return,
                }
                if !shared.growing.load(Ordering::Relaxed) {
                    return;
                }
                let seq = shared.next_seq.load(Ordering::Relaxed);
                let (entry, lag) = {
                    let mut rng = shared.rng.lock().unwrap_or_else(|p| p.into_inner());
                    let entry = data::entry(
                        &mut rng,
                        seq,
                        shared.now().trunc_subsecs(3),
                        shared.config.unknown_operation_types,
                    );
                    (entry, shared.config.visibility_lag.mul_f64(rng.f64()))
                };
                let visible_at = (!lag.is_zero()).then(|| Instant::now() + lag);
                // Checked under the store's lock, as `stop_growing` sets it.
                let mut store = shared.store.write().unwrap_or_else(|p| p.into_inner());
                if !shared.growing.load(Ordering::Relaxed) {
                    return;
                }
                shared.push(&mut store, [(entry, visible_at)]);
            }
        });
    }

    /// Stops the growth [`grow`](Self::grow) started: no entry is added
    /// after this returns (those added stay, and become visible as their lag
    /// says).
    pub fn stop_growing(&self) {
        let _store = self.shared.store.write().unwrap_or_else(|p| p.into_inner());
        self.shared.growing.store(false, Ordering::Relaxed);
    }

    /// Replaces the fault settings (for example to clear a fault).
    pub fn set_faults(&self, faults: Faults) {
        *self
            .shared
            .faults
            .write()
            .unwrap_or_else(|p| p.into_inner()) = faults;
    }

    /// A new OAuth token pair, as `ax auth login` would get: the access
    /// token is accepted for [`MockConfig::oauth_token_lifetime`], the
    /// refresh token once.
    pub fn sign_in(&self) -> OAuthTokens {
        let lifetime = self.shared.config.oauth_token_lifetime;
        self.shared
            .oauth
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .issue(lifetime, self.shared.secret)
    }

    /// How many `POST /oauth2/token` refreshes were answered with new
    /// tokens.
    pub fn oauth_refreshes(&self) -> u64 {
        self.shared
            .oauth
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .refreshes
    }

    /// How many refreshes were refused: a refresh token used a second
    /// time (a lost race), unknown or missing.
    pub fn oauth_refused(&self) -> u64 {
        self.shared
            .oauth
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .refused
    }

    /// How many requests the server has received.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// Stops accepting connections and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// The sequence number in a synthetic id (`AuditLog:<n>`), else 0.
fn seq_of(entry: &AuditLog) -> u64 {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(&entry.id)
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| s.strip_prefix("AuditLog:").and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.changed() => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        let shared = shared.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let shared = shared.clone();
                async move { handler::handle(&shared, request).await }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = stop.changed() => {}
            }
        });
    }
}
