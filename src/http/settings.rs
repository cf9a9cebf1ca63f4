//! What every request of one client shares: where to send it, the HTTP
//! connection pool, and the settings the hooks apply.

use std::{fmt, sync::Arc, time::Duration};

use reqwest::header::HeaderValue;

use crate::{
    http::auth::Auth,
    retry::{gate::RateGate, no_progress::NoProgressPolicy, policy::RetryPolicy},
};

#[derive(Debug)]
pub(crate) struct ClientInner {
    pub(crate) base_url: String,
    pub(crate) endpoint: String,
    pub(crate) http: reqwest::Client,
    pub(crate) settings: Arc<Settings>,
}

/// What every request carries; shared with the generated client's hooks.
pub(crate) struct Settings {
    /// The bearer of each request, and what takes it out of errors.
    pub(crate) auth: Auth,
    pub(crate) user_agent: HeaderValue,
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_response_bytes: usize,
    pub(crate) retry: RetryPolicy,
    pub(crate) gate: RateGate,
    /// When a page stream that brings nothing new backs off and gives up.
    pub(crate) no_progress: NoProgressPolicy,
    /// What relative ranges (`last`, `last_days`, …) end at.
    pub(crate) clock: crate::clock::Clock,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("authorization", &self.auth)
            .field("user_agent", &self.user_agent)
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("retry", &self.retry)
            .field("no_progress", &self.no_progress)
            .field("clock", &self.clock)
            .finish()
    }
}
