//! The `Authorization` of every request, in one place: a fixed API key
//! (resolved once, at build), or a [`BearerSource`] asked before each
//! attempt. Either way a request carries the header and the [`Redactor`]
//! of the very bearer it sent, so an error about it never shows that bearer.

use std::{
    fmt,
    sync::{Arc, Mutex},
};

use reqwest::header::HeaderValue;

use crate::{
    credentials::{BearerSource, CredentialsError},
    error::Error,
    http::redact::Redactor,
};

/// One bearer, ready to send: its header, and what takes it out of text.
pub(crate) struct Resolved {
    token: String,
    pub(crate) header: HeaderValue,
    pub(crate) redactor: Redactor,
}

impl Resolved {
    /// `None` when the token cannot be sent in a header.
    pub(crate) fn new(token: &str) -> Option<Self> {
        let token = token.trim();
        let mut header = HeaderValue::try_from(format!("Bearer {token}")).ok()?;
        header.set_sensitive(true);
        Some(Self {
            token: token.to_owned(),
            header,
            redactor: Redactor::new(token),
        })
    }
}

/// Where the bearer of the next request comes from.
pub(crate) enum Auth {
    /// An API key, fixed at build: no cost per request but an `Arc` clone.
    Static(Arc<Resolved>),
    /// Asked before each attempt; the last answer is kept, so an unchanged
    /// token does not rebuild its redactor.
    Source {
        source: Arc<dyn BearerSource>,
        last: Mutex<Option<Arc<Resolved>>>,
    },
}

impl Auth {
    pub(crate) fn source(source: Arc<dyn BearerSource>) -> Self {
        Self::Source {
            source,
            last: Mutex::new(None),
        }
    }

    /// The bearer for the next attempt.
    pub(crate) async fn resolve(&self) -> Result<Arc<Resolved>, Error> {
        match self {
            Self::Static(resolved) => Ok(resolved.clone()),
            Self::Source { source, last } => {
                let bearer = source.bearer().await?;
                let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(known) = last.as_ref().filter(|k| k.token == bearer.expose()) {
                    return Ok(known.clone());
                }
                let resolved = Arc::new(Resolved::new(bearer.expose()).ok_or_else(|| {
                    CredentialsError::new(
                        "the credential source gave a token that cannot be sent in an HTTP \
                         header (empty, control characters or non-ASCII)",
                    )
                })?);
                *last = Some(resolved.clone());
                Ok(resolved)
            }
        }
    }

    /// The redactor of the bearer sent last (for errors built outside a
    /// request's own path).
    pub(crate) fn last_redactor(&self) -> Redactor {
        match self {
            Self::Static(resolved) => resolved.redactor.clone(),
            Self::Source { last, .. } => last
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
                .map(|r| r.redactor.clone())
                .unwrap_or_default(),
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Static(_) => f.write_str("Bearer <redacted>"),
            Self::Source { .. } => f.write_str("BearerSource(<asked before each request>)"),
        }
    }
}
