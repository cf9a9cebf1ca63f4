//! Client configuration: `Client::builder()`.

use std::{fmt, net::IpAddr, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use reqwest::header::HeaderValue;

use crate::{
    credentials::BearerSource,
    error::{ConfigError, Error},
    http::{
        auth::{Auth, Resolved},
        errors::api_error,
        hooks::Hooks,
        settings::{ClientInner, Settings},
    },
    list::builder::ListAuditLogs,
    region::Region,
    retry::{gate::RateGate, no_progress::NoProgressPolicy, policy::RetryPolicy},
};

/// The environment variable the API key is read from when none is given.
pub const API_KEY_ENV: &str = "ARIZE_API_KEY";
/// The environment variable the base URL is read from when none is given.
pub const BASE_URL_ENV: &str = "ARIZE_BASE_URL";
/// The `User-Agent` this crate sends.
pub const USER_AGENT: &str = concat!("arize-audit-logs-rust/", env!("CARGO_PKG_VERSION"));

/// Default time allowed to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed for one request, from connecting until the body is read.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default largest response body read (32 MiB, room for a page of 100
/// entries with very long operation texts); a larger one is an error.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// A client for the Arize audit-log API. Cheap to clone; clones share one
/// connection pool.
///
/// ```no_run
/// # async fn run() -> Result<(), arize_audit_logs::Error> {
/// use arize_audit_logs::{Client, Region};
///
/// let client = Client::builder()
///     .region(Region::EuWest1a) // the key must come from this region
///     .build()?; // the key comes from ARIZE_API_KEY
/// let page = client.list_audit_logs().last_days(7).limit(100).send().await?;
/// println!("{} entries, more: {}", page.logs.len(), page.has_more());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client with the API key from `ARIZE_API_KEY` and the base URL from
    /// `ARIZE_BASE_URL` (else the global region).
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// `GET /v2/audit-logs`: a request builder for one page, or for all of
    /// them as a stream.
    pub fn list_audit_logs(&self) -> ListAuditLogs {
        ListAuditLogs::new(self.inner.clone())
    }

    /// The base URL requests go to, such as `https://api.arize.com`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The retry policy this client applies.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.settings.retry
    }

    /// How this client's page streams treat pages that bring nothing new.
    pub fn no_progress_policy(&self) -> &NoProgressPolicy {
        &self.inner.settings.no_progress
    }

    /// The progenitor-generated client, configured like this one
    /// (authentication, user agent, timeouts, body limit), for what the
    /// wrapper does not cover. It neither validates, retries nor paginates,
    /// and it fails the whole page on an operation type the document does
    /// not list only if the wrapper's types do; its API may change with
    /// progenitor.
    pub fn generated(&self) -> crate::generated::Client {
        crate::generated::Client::new_with_client(
            &self.inner.base_url,
            self.inner.http.clone(),
            Hooks::new(self.inner.settings.clone()),
        )
    }

    /// Like [`Error::from_response`], for an answer to this client's
    /// request (through [`generated`](Self::generated), say), with every form
    /// of this client's API key (or of the bearer its source gave last)
    /// taken out of the body the error keeps.
    pub fn error_from_response(
        &self,
        status: reqwest::StatusCode,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
    ) -> Error {
        api_error(
            status,
            headers,
            body,
            self.inner.endpoint.clone(),
            &self.inner.settings.auth.last_redactor(),
        )
    }
}

/// The `reqwest` builder this crate's own HTTP client starts from: redirects
/// followed only within one origin, this crate's user agent, the default
/// connect timeout. Start from it to give
/// [`ClientBuilder::http_client`] a client with proxies or extra roots that
/// otherwise behaves as the default one.
pub fn http_client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
        .redirect(redirect_policy())
        .user_agent(USER_AGENT)
}

/// Whether a client whose requests go to `url`, directly or through one of
/// `proxies` (the proxy URLs that may carry them), never makes a TLS
/// connection: `url` is `http://`, and every proxy is reached in plain text
/// (`http://`, `socks5://`, `socks5h://`). Redirects do not change this: the
/// crate's policy follows only those within one origin, so never to https.
/// Such a client need not load the system's trust roots (see
/// [`without_tls_roots`]); an unparsable URL is taken to need TLS.
pub fn reached_without_tls<'a>(url: &str, proxies: impl IntoIterator<Item = &'a str>) -> bool {
    let scheme = |u: &str| reqwest::Url::parse(u.trim()).map(|u| u.scheme().to_owned());
    scheme(url).is_ok_and(|s| s == "http")
        && proxies.into_iter().all(|proxy| {
            scheme(proxy).is_ok_and(|s| ["http", "socks5", "socks5h"].contains(&s.as_str()))
        })
}

/// `builder`, trusting only the roots given to it with `tls_certs_merge`
/// (none by default), never the system's: building the client then skips
/// loading and parsing the system's trust roots (about 25 ms), and an https
/// connection it attempts fails certificate verification. Only for a client
/// that [`reached_without_tls`] says needs no TLS.
pub fn without_tls_roots(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    #[cfg(feature = "rustls")]
    let builder = builder.tls_certs_only(std::iter::empty());
    builder
}

/// The proxies reqwest may take from the environment for a client of its
/// own (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`, either letter case), or
/// `None` where it may also read the system's settings (macOS, Windows).
fn environment_proxies() -> Option<Vec<String>> {
    if cfg!(any(target_os = "macos", windows)) {
        return None;
    }
    Some(
        [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
        ]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .filter(|v| !v.trim().is_empty())
        .collect(),
    )
}

/// At most this many redirects within the base URL's origin are followed.
const MAX_REDIRECTS: usize = 5;

/// Follows a redirect only within the origin it came from (same scheme,
/// host and port, so never from https to http); any other is left for
/// [`Error::Redirected`] to report.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .last()
            .is_some_and(|from| from.origin() == attempt.url().origin());
        if !same_origin {
            attempt.stop()
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else {
            attempt.follow()
        }
    })
}

/// Configures a [`Client`]. Explicit settings beat the environment.
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    api_key: Option<String>,
    bearer_source: Option<Arc<dyn BearerSource>>,
    base_url: Option<String>,
    region: Option<Region>,
    host: Option<String>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    http: Option<reqwest::Client>,
    allow_insecure_http: bool,
    ignore_environment: bool,
    max_response_bytes: Option<usize>,
    retry: Option<RetryPolicy>,
    no_progress: Option<NoProgressPolicy>,
    clock: crate::clock::Clock,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field(
                "bearer_source",
                &self
                    .bearer_source
                    .as_ref()
                    .map(|_| "<caller's BearerSource>"),
            )
            .field("base_url", &self.base_url)
            .field("region", &self.region)
            .field("host", &self.host)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field(
                "http",
                &self.http.as_ref().map(|_| "<caller's reqwest::Client>"),
            )
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("ignore_environment", &self.ignore_environment)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("retry", &self.retry)
            .field("no_progress", &self.no_progress)
            .field("clock", &self.clock)
            .finish()
    }
}

impl ClientBuilder {
    /// The API key. Without one, `ARIZE_API_KEY` is read.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// A credential source asked for the bearer before every request
    /// (see [`BearerSource`]), for access tokens that expire and are
    /// refreshed. Beats [`api_key`](Self::api_key) and `ARIZE_API_KEY`.
    pub fn bearer_source(mut self, source: Arc<dyn BearerSource>) -> Self {
        self.bearer_source = Some(source);
        self
    }

    /// The full base URL, such as `https://api.arize.com` or a test server's
    /// `http://127.0.0.1:PORT`. Beats [`region`](Self::region),
    /// [`host`](Self::host) and `ARIZE_BASE_URL`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The region whose API to use (global by default). Beats
    /// `ARIZE_BASE_URL`.
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// An on-premises installation's host name: requests go to
    /// `https://<host>`. Beats [`region`](Self::region) and `ARIZE_BASE_URL`.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Time allowed to establish a connection (default 10 s). Ignored with
    /// [`http_client`](Self::http_client), whose own setting applies.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Time allowed for one request, from connecting until the whole body is
    /// read (default 60 s). Applies to each attempt.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends requests through the caller's `reqwest::Client` (proxies, custom
    /// roots, middleware-free tuning). Its connect timeout applies; the
    /// request timeout, user agent and authorization are still set per
    /// request. Its redirect policy decides what is followed, but an answer
    /// that came from another origin than the base URL's is still refused
    /// with [`Error::Redirected`].
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Allows a plain `http://` base URL for a host that is not loopback.
    /// The API key then crosses the network unencrypted.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Reads neither `ARIZE_API_KEY` nor `ARIZE_BASE_URL`.
    pub fn ignore_environment(mut self) -> Self {
        self.ignore_environment = true;
        self
    }

    /// The largest response body read (default 32 MiB); a larger one fails
    /// with [`Error::ResponseTooLarge`] without being held in memory.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }

    /// How failed requests are retried (see [`RetryPolicy`]; on by default).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// How page streams treat a server whose pages stop bringing new
    /// entries: they back off, then end with
    /// [`PaginationError::NoProgress`](crate::PaginationError::NoProgress)
    /// (see [`NoProgressPolicy`]; on by default, 100 pages in a row).
    pub fn no_progress_policy(mut self, policy: NoProgressPolicy) -> Self {
        self.no_progress = Some(policy);
        self
    }

    /// The clock that relative ranges ([`last`](crate::ListAuditLogs::last),
    /// [`last_days`](crate::ListAuditLogs::last_days), …) end at (default:
    /// the system clock). For tests and replays that need to decide what
    /// "now" is; requests, retries and timeouts keep the real time.
    pub fn clock(mut self, now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        self.clock = crate::clock::Clock::new(Arc::new(now));
        self
    }

    /// Builds the client. Fails with [`Error::Config`] when no key is found or
    /// a setting is unusable.
    pub fn build(self) -> Result<Client, Error> {
        let env = |name: &str| {
            if self.ignore_environment {
                None
            } else {
                std::env::var(name).ok().filter(|v| !v.trim().is_empty())
            }
        };

        let auth = match &self.bearer_source {
            Some(source) => Auth::source(source.clone()),
            None => {
                let key = self
                    .api_key
                    .clone()
                    .filter(|k| !k.trim().is_empty())
                    .or_else(|| env(API_KEY_ENV))
                    .ok_or(ConfigError::MissingApiKey)?;
                Auth::Static(Arc::new(
                    Resolved::new(&key).ok_or(ConfigError::InvalidApiKey)?,
                ))
            }
        };

        let (raw_url, setting) = if let Some(url) = &self.base_url {
            (url.clone(), "base_url")
        } else if let Some(host) = &self.host {
            (format!("https://{}", host.trim()), "host")
        } else if let Some(region) = &self.region {
            (region.base_url(), "region")
        } else if let Some(url) = env(BASE_URL_ENV) {
            (url, BASE_URL_ENV)
        } else {
            (Region::Global.base_url(), "region")
        };
        let base_url = check_base_url(&raw_url, setting, self.allow_insecure_http)?;

        for (setting, value) in [
            ("connect_timeout", self.connect_timeout),
            ("timeout", self.timeout),
        ] {
            if value == Some(Duration::ZERO) {
                return Err(ConfigError::ZeroTimeout { setting }.into());
            }
        }

        let http = match self.http {
            Some(http) => http,
            None => {
                let builder = http_client_builder()
                    .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT));
                let plain = environment_proxies().is_some_and(|proxies| {
                    reached_without_tls(&base_url, proxies.iter().map(String::as_str))
                });
                if plain {
                    without_tls_roots(builder)
                } else {
                    builder
                }
                .build()
                .map_err(ConfigError::HttpClient)?
            }
        };

        let settings = Settings {
            auth,
            user_agent: HeaderValue::from_static(USER_AGENT),
            timeout: Some(self.timeout.unwrap_or(DEFAULT_TIMEOUT)),
            max_response_bytes: self
                .max_response_bytes
                .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            retry: self.retry.unwrap_or_default(),
            no_progress: self.no_progress.unwrap_or_default(),
            gate: RateGate::default(),
            clock: self.clock,
        };
        let endpoint = format!("{base_url}/v2/audit-logs");
        Ok(Client {
            inner: Arc::new(ClientInner {
                base_url,
                endpoint,
                http,
                settings: Arc::new(settings),
            }),
        })
    }
}

/// Parses and normalises a base URL (no trailing slash, no query), refusing
/// plain http to non-loopback hosts unless allowed.
fn check_base_url(
    raw: &str,
    setting: &'static str,
    allow_insecure: bool,
) -> Result<String, ConfigError> {
    let invalid = |reason: String| ConfigError::InvalidBaseUrl {
        url: crate::model::text::escape_control(raw),
        setting,
        reason,
    };
    let url = reqwest::Url::parse(raw.trim()).map_err(|e| invalid(e.to_string()))?;
    match url.scheme() {
        "https" => {}
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
                Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
                None => false,
            };
            if !loopback && !allow_insecure {
                return Err(ConfigError::InsecureBaseUrl {
                    url: crate::model::text::escape_control(raw),
                });
            }
        }
        other => {
            return Err(invalid(format!(
                "the scheme must be https or http, not {other:?}"
            )))
        }
    }
    if url.host().is_none() {
        return Err(invalid("it has no host".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or a fragment".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "it must not carry credentials; use the API key".into(),
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}
