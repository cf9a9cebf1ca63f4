//! The fake server as Arize's app host for OAuth sign-in: `POST
//! /oauth2/token` with `grant_type=refresh_token` answers a new access token
//! and a rotated refresh token, as the real one does for `ax`. An access
//! token it issued is accepted as a bearer on `/v2/audit-logs` until it
//! expires; a refresh token works once (a second use is refused with
//! `invalid_grant`, so a refresh race that two processes both lose shows).

use std::{
    collections::{HashMap, HashSet},
    sync::Mutex,
    time::{Duration, Instant},
};

use bytes::Bytes;
use http::{header, Response, StatusCode};
use http_body_util::{BodyExt, Full};

use super::Body;

/// The OAuth client id `ax` signs in with, the only one the server knows.
pub const OAUTH_CLIENT_ID: &str = "arize-cli";

/// A token pair, as `ax auth login` stores it.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthTokens {
    /// The bearer for `/v2/audit-logs`.
    pub access_token: String,
    /// Good for one `grant_type=refresh_token` request.
    pub refresh_token: String,
    /// How long the access token is accepted from now.
    pub expires_in: Duration,
}

impl std::fmt::Debug for OAuthTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthTokens")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// What the server has issued.
#[derive(Default)]
pub(super) struct OAuthState {
    /// Access tokens and when each stops being accepted.
    access: HashMap<String, Instant>,
    /// Refresh tokens not used yet.
    live_refresh: HashSet<String>,
    /// Refresh tokens used once already.
    used_refresh: HashSet<String>,
    next: u64,
    /// Refreshes answered with new tokens.
    pub(super) refreshes: u64,
    /// Refreshes refused (a used, unknown or missing refresh token).
    pub(super) refused: u64,
}

impl OAuthState {
    pub(super) fn new(refresh_tokens: &[String]) -> Self {
        Self {
            live_refresh: refresh_tokens.iter().cloned().collect(),
            ..Self::default()
        }
    }

    /// A new pair, as a sign-in or refresh gives (`salt` keeps tokens of
    /// different servers apart).
    pub(super) fn issue(&mut self, lifetime: Duration, salt: u64) -> OAuthTokens {
        self.next += 1;
        let n = self.next;
        let nonce = fastrand::u64(..);
        let access_token = format!("mock-at-{salt:x}-{n}-{nonce:016x}");
        let refresh_token = format!("mock-rt-{salt:x}-{n}-{:016x}", fastrand::u64(..));
        self.access
            .insert(access_token.clone(), Instant::now() + lifetime);
        self.live_refresh.insert(refresh_token.clone());
        OAuthTokens {
            access_token,
            refresh_token,
            expires_in: lifetime,
        }
    }

    /// Whether `token` is an access token it issued that has not expired.
    pub(super) fn accepts(&self, token: &str) -> bool {
        self.access
            .get(token)
            .is_some_and(|until| Instant::now() < *until)
    }

    fn redeem(&mut self, refresh_token: &str) -> bool {
        if self.live_refresh.remove(refresh_token) {
            self.used_refresh.insert(refresh_token.to_owned());
            true
        } else {
            false
        }
    }
}

/// Answers `POST /oauth2/token` (the form body already read).
pub(super) fn token(
    state: &Mutex<OAuthState>,
    lifetime: Duration,
    salt: u64,
    form: &[u8],
) -> Response<Body> {
    let form: HashMap<String, String> = form_urlencoded::parse(form).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    if field("client_id") != OAUTH_CLIENT_ID {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client_id",
        );
    }
    if field("grant_type") != "refresh_token" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only grant_type=refresh_token is supported",
        );
    }
    let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
    let refresh_token = field("refresh_token");
    if !state.redeem(refresh_token) {
        state.refused += 1;
        let why = if state.used_refresh.contains(refresh_token) {
            "the refresh token was already used"
        } else {
            "unknown refresh token"
        };
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why);
    }
    state.refreshes += 1;
    let tokens = state.issue(lifetime, salt);
    let body = serde_json::json!({
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "token_type": "Bearer",
        "expires_in": lifetime.as_secs().max(1),
    });
    json(StatusCode::OK, &body)
}

/// An RFC 6749 error answer.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response<Body> {
    json(
        status,
        &serde_json::json!({ "error": error, "error_description": description }),
    )
}

fn json(status: StatusCode, body: &serde_json::Value) -> Response<Body> {
    let mut response = Response::new(
        Full::new(Bytes::from(body.to_string()))
            .map_err(|never| match never {})
            .boxed(),
    );
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}
