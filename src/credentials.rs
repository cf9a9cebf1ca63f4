//! A bearer that can change: a credential source the client asks before
//! every request, for access tokens that expire and are refreshed (OAuth
//! sign-in, as `ax auth login` leaves in a profile).

use std::{fmt, future::Future, pin::Pin};

/// A bearer credential: the text sent as `Authorization: Bearer <text>`.
/// Its `Debug` output never shows the text.
#[derive(Clone, PartialEq, Eq)]
pub struct Bearer(String);

impl Bearer {
    /// Wraps a token (surrounding white space is removed).
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into().trim().to_owned())
    }

    /// The token itself, to put in a header. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Bearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bearer(<redacted>)")
    }
}

/// What [`BearerSource::bearer`] returns.
pub type BearerFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Bearer, CredentialsError>> + Send + 'a>>;

/// A source of the bearer credential, asked before every request the client
/// sends (every attempt of every page, raw page and retry), so a token that
/// expires during a long stream is replaced as it goes.
///
/// The source decides when to refresh (for example when the token it holds
/// expires within a minute) and should return quickly when it need not. The
/// client remembers the last bearer it was given and takes every form of it
/// out of the server text an error carries.
///
/// A request the server answers with 401 is not retried: the caller gets
/// [`Error::Unauthorized`](crate::Error::Unauthorized), whatever the source
/// would say next, so a token the server refuses never turns into a loop.
/// A source that fails gives the caller
/// [`Error::Credentials`](crate::Error::Credentials); nothing is sent.
///
/// ```
/// use arize_audit_logs::{Bearer, BearerFuture, BearerSource, Client};
/// use std::sync::Arc;
///
/// struct FromVault;
/// impl BearerSource for FromVault {
///     fn bearer(&self) -> BearerFuture<'_> {
///         Box::pin(async { Ok(Bearer::new("token-from-the-vault")) })
///     }
/// }
///
/// let client = Client::builder()
///     .ignore_environment()
///     .bearer_source(Arc::new(FromVault))
///     .build()?;
/// # Ok::<(), arize_audit_logs::Error>(())
/// ```
pub trait BearerSource: Send + Sync {
    /// The bearer to send with the next request.
    fn bearer(&self) -> BearerFuture<'_>;
}

/// A credential source could not give a bearer: the user must sign in again,
/// or the sign-in service could not be reached. Its message says which, and
/// never contains a token.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CredentialsError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl CredentialsError {
    /// An error with a message a person can act on (it must not contain a
    /// token).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// The same, keeping the error that caused it.
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}
