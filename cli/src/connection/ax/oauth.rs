//! OAuth sign-in of an `ax` profile, as `ax` 0.39 does it (its
//! `ax/auth/bearer.py`): the profile's access token is used until it
//! expires within 60 seconds; then, holding the lock `ax` takes (Python
//! `filelock` on `PROFILE.toml.lock`, an `flock`), the profile is read again
//! (another process may have refreshed it), and unless it now holds a fresh
//! token, `POST {app}/oauth2/token` (`grant_type=refresh_token`,
//! `client_id=arize-cli`) gives a new access token and a rotated refresh
//! token, written back into the profile atomically, every other member and
//! comment kept, its mode kept.
//!
//! The source is asked before every request, so a long `--follow` refreshes
//! as it goes. Tokens are never logged or printed. A signed-out profile (no
//! `[auth.oauth]`) and a refused refresh (`invalid_grant`) are exit 3,
//! telling the user to run `ax auth login`.
//!
//! On Windows, Python's `filelock` deletes its lock file on release, which
//! a lock held through another handle cannot exclude; a refresh there is
//! refused with a clear message (the stored token is still used while it is
//! fresh) rather than risk two processes redeeming one refresh token.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use arize_audit_logs::{Bearer, BearerFuture, BearerSource, CredentialsError};
use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeDelta, Utc};
use toml_edit::DocumentMut;

use crate::failure::Failure;

/// The OAuth client id of `ax`.
pub const CLIENT_ID: &str = "arize-cli";
/// A token that expires within this is refreshed first (as `ax`).
pub const REFRESH_WINDOW: TimeDelta = TimeDelta::seconds(60);
/// How long the profile's lock is waited for (as `ax`: 30 s).
#[cfg_attr(not(unix), allow(dead_code))]
const LOCK_WAIT: Duration = Duration::from_secs(30);
/// How long a refresh request may take.
const REFRESH_TIMEOUT: Duration = Duration::from_secs(30);

/// The credential source of the `ax` profile at `profile_path`, whose app
/// host (where `/oauth2/token` lives) is `app_base_url`. A profile that is
/// signed out, or whose tokens cannot be read, is exit 3 now, before any
/// request.
pub fn credentials(
    profile_path: &Path,
    app_base_url: &str,
) -> Result<Arc<dyn BearerSource>, Failure> {
    let path = std::path::absolute(profile_path).unwrap_or_else(|_| profile_path.to_owned());
    let tokens = read_tokens(&path)
        .map_err(|e| Failure::Auth(e.to_string()))?
        .ok_or_else(|| Failure::Auth(signed_out(&path)))?;
    let token_url = format!("{}/oauth2/token", app_base_url.trim_end_matches('/'));
    reqwest::Url::parse(&token_url).map_err(|e| {
        Failure::Usage(format!(
            "the app URL {app_base_url:?} of the ax profile {} is not a URL: {e}",
            path.display()
        ))
    })?;
    Ok(Arc::new(ProfileTokens {
        lock_path: lock_path(&path),
        http: crate::connection::transport::client_for(&token_url)?,
        path,
        token_url,
        current: tokio::sync::Mutex::new(tokens),
    }))
}

/// `PROFILE.toml.lock`, beside the profile (as `ax`'s `filelock`).
pub fn lock_path(profile: &Path) -> PathBuf {
    let mut name = profile.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// The tokens of an `ax` profile.
#[derive(Clone)]
struct Tokens {
    access_token: String,
    refresh_token: String,
    expires_at: DateTime<Utc>,
}

impl Tokens {
    fn fresh(&self, now: DateTime<Utc>) -> bool {
        self.expires_at - now > REFRESH_WINDOW
    }
}

struct ProfileTokens {
    path: PathBuf,
    #[cfg_attr(not(unix), allow(dead_code))]
    lock_path: PathBuf,
    token_url: String,
    http: reqwest::Client,
    /// The tokens in use; held across a refresh, so concurrent requests of
    /// this process wait for one refresh instead of each starting one.
    current: tokio::sync::Mutex<Tokens>,
}

impl BearerSource for ProfileTokens {
    fn bearer(&self) -> BearerFuture<'_> {
        Box::pin(async move {
            let mut current = self.current.lock().await;
            if !current.fresh(Utc::now()) {
                *current = self.refresh(&current).await?;
            }
            Ok(Bearer::new(current.access_token.clone()))
        })
    }
}

impl ProfileTokens {
    /// New tokens: the profile's own if another process refreshed it while
    /// this one waited for the lock, else from `/oauth2/token`, written back.
    async fn refresh(&self, known: &Tokens) -> Result<Tokens, CredentialsError> {
        let _lock = self.lock().await?;
        let on_disk = read_tokens(&self.path)?
            .ok_or_else(|| CredentialsError::new(signed_out(&self.path)))?;
        if on_disk.fresh(Utc::now()) {
            tracing::info!(profile = %self.path.display(), "another process refreshed the ax profile's token");
            return Ok(on_disk);
        }
        // The profile's refresh token is the newest one; ours, if the file
        // lost it, is the one left.
        let refresh_token = if on_disk.refresh_token.is_empty() {
            &known.refresh_token
        } else {
            &on_disk.refresh_token
        };
        let tokens = self.redeem(refresh_token).await?;
        write_tokens(&self.path, &tokens)?;
        tracing::info!(
            profile = %self.path.display(),
            expires_at = %tokens.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            "refreshed the ax profile's access token"
        );
        Ok(tokens)
    }

    /// `ax`'s lock on the profile, waited for up to 30 s.
    #[cfg(unix)]
    async fn lock(&self) -> Result<std::fs::File, CredentialsError> {
        let opened = crate::safe_file::open(
            &self.lock_path,
            crate::safe_file::Open::NewOrExisting,
            Some(0o644),
        )
        .map_err(|f| CredentialsError::new(f.to_string()))?;
        let file = opened.file;
        let deadline = tokio::time::Instant::now() + LOCK_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(std::fs::TryLockError::WouldBlock)
                    if tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(CredentialsError::new(format!(
                        "another process has held {} for {} s while refreshing the sign-in of \
                         the ax profile {}; try again, or remove the lock file if no ax process \
                         is running",
                        self.lock_path.display(),
                        LOCK_WAIT.as_secs(),
                        self.path.display()
                    )))
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(CredentialsError::with_source(
                        format!("cannot lock {}: {e}", self.lock_path.display()),
                        e,
                    ))
                }
            }
        }
    }

    #[cfg(not(unix))]
    async fn lock(&self) -> Result<std::fs::File, CredentialsError> {
        Err(CredentialsError::new(format!(
            "the access token of the ax profile {} has expired, and refreshing it here could \
             race `ax` (whose lock file is deleted on release on this system); run any `ax` \
             command with this profile to refresh it, then run this again",
            self.path.display()
        )))
    }

    /// `POST /oauth2/token` with the refresh token.
    async fn redeem(&self, refresh_token: &str) -> Result<Tokens, CredentialsError> {
        let form = format!(
            "grant_type=refresh_token&refresh_token={}&client_id={CLIENT_ID}",
            form_encode(refresh_token)
        );
        let response = self
            .http
            .post(&self.token_url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(REFRESH_TIMEOUT)
            .body(form)
            .send()
            .await
            .map_err(|e| {
                let e = e.without_url();
                CredentialsError::with_source(
                    format!(
                        "cannot reach {} to refresh the sign-in of the ax profile {}: {e}",
                        self.token_url,
                        self.path.display(),
                    ),
                    e,
                )
            })?;
        let status = response.status();
        // A token answer is small; anything larger is not one.
        let body = response.bytes().await.unwrap_or_default();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        if !status.is_success() {
            let code = json["error"].as_str().unwrap_or("");
            return Err(CredentialsError::new(if code == "invalid_grant" {
                format!(
                    "the sign-in of the ax profile {} was refused ({code}): it has expired or \
                     was revoked, or another process used its refresh token; run `ax auth \
                     login` to sign in again",
                    self.path.display()
                )
            } else {
                format!(
                    "{} answered HTTP {}{} to the refresh of the ax profile {}'s sign-in; if \
                     this persists, run `ax auth login`",
                    self.token_url,
                    status.as_u16(),
                    if code.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", arize_audit_logs::escape_control(code))
                    },
                    self.path.display()
                )
            }));
        }
        let text = |name: &str| {
            json[name]
                .as_str()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        let expires_in = match &json["expires_in"] {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        match (text("access_token"), text("refresh_token"), expires_in) {
            (Some(access_token), Some(refresh_token), Some(secs)) if secs >= 0 => Ok(Tokens {
                access_token,
                refresh_token,
                expires_at: Utc::now() + TimeDelta::seconds(secs),
            }),
            _ => Err(CredentialsError::new(format!(
                "{} answered the refresh without access_token, refresh_token and expires_in",
                self.token_url
            ))),
        }
    }
}

fn signed_out(path: &Path) -> String {
    format!(
        "the ax profile {} is signed out (it has no [auth.oauth] tokens): run `ax auth login` \
         to sign in",
        path.display()
    )
}

/// The profile's `[auth.oauth]` tokens; `None` when it has none (signed
/// out). Never quotes the file.
fn read_tokens(path: &Path) -> Result<Option<Tokens>, CredentialsError> {
    let doc = read_profile(path)?;
    let Some(oauth) = doc
        .get("auth")
        .and_then(|a| a.get("oauth"))
        .filter(|o| o.is_table_like())
    else {
        return Ok(None);
    };
    let text = |name: &str| {
        oauth
            .get(name)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let invalid = |what: &str| {
        CredentialsError::new(format!(
            "the [auth.oauth] tokens of the ax profile {} are unusable ({what}): run `ax auth \
             login` to sign in again",
            path.display()
        ))
    };
    let expires_at = oauth
        .get("expires_at")
        .and_then(|v| {
            v.as_datetime()
                .map(|d| d.to_string())
                .or_else(|| v.as_str().map(str::to_owned))
        })
        .ok_or_else(|| invalid("no expires_at"))?;
    Ok(Some(Tokens {
        access_token: text("access_token").ok_or_else(|| invalid("no access_token"))?,
        refresh_token: text("refresh_token").unwrap_or_default(),
        expires_at: parse_time(&expires_at).ok_or_else(|| invalid("expires_at is not a time"))?,
    }))
}

fn read_profile(path: &Path) -> Result<DocumentMut, CredentialsError> {
    let text = crate::small_file::read_text(path).map_err(|e| {
        CredentialsError::new(format!(
            "cannot read the ax profile {}: {e}",
            path.display()
        ))
    })?;
    text.parse::<DocumentMut>().map_err(|e| {
        CredentialsError::new(format!(
            "the ax profile {} is not valid TOML (line {})",
            path.display(),
            e.span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1))
                .unwrap_or(1)
        ))
    })
}

/// A TOML or RFC 3339 time; one without an offset is UTC (as `ax` writes).
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim().replacen(' ', "T", 1);
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

/// Writes the new tokens into the profile, atomically, keeping every other
/// member, comment and the file's mode (as `ax` writes them:
/// `expires_at` a TOML date-time in UTC).
fn write_tokens(path: &Path, tokens: &Tokens) -> Result<(), CredentialsError> {
    let mut doc = read_profile(path)?;
    let auth = doc
        .entry("auth")
        .or_insert(toml_edit::table())
        .as_table_like_mut()
        .ok_or_else(|| {
            CredentialsError::new(format!(
                "the ax profile {} has an [auth] that is not a table",
                path.display()
            ))
        })?;
    let oauth = auth
        .entry("oauth")
        .or_insert(toml_edit::table())
        .as_table_like_mut()
        .ok_or_else(|| {
            CredentialsError::new(format!(
                "the ax profile {} has an [auth.oauth] that is not a table",
                path.display()
            ))
        })?;
    let expires_at: toml_edit::Datetime = tokens
        .expires_at
        .to_rfc3339_opts(SecondsFormat::Micros, false)
        .parse()
        .map_err(|_| CredentialsError::new("internal error: an unwritable expiry time"))?;
    oauth.insert(
        "access_token",
        toml_edit::value(tokens.access_token.as_str()),
    );
    oauth.insert(
        "refresh_token",
        toml_edit::value(tokens.refresh_token.as_str()),
    );
    oauth.insert("expires_at", toml_edit::value(expires_at));
    crate::safe_file::replace_keeping_mode(path, doc.to_string().as_bytes())
        .map_err(|f| CredentialsError::new(f.to_string()))
}

/// `application/x-www-form-urlencoded` of one value.
fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_file_is_the_profile_name_with_lock_appended_as_ax_names_it() {
        assert_eq!(
            lock_path(Path::new("/h/.arize/profiles/work.toml")),
            PathBuf::from("/h/.arize/profiles/work.toml.lock")
        );
    }

    #[test]
    fn expiry_times_read_as_ax_and_a_hand_edit_write_them() {
        let utc = |s: &str| parse_time(s).map(|t| t.to_rfc3339());
        let want = Some("2026-12-06T23:30:00.123456+00:00".to_owned());
        assert_eq!(utc("2026-12-06T23:30:00.123456+00:00"), want);
        assert_eq!(utc("2026-12-06 23:30:00.123456Z"), want);
        assert_eq!(utc("2026-12-06T23:30:00.123456"), want);
        assert_eq!(utc("2026-12-07T00:30:00.123456+01:00"), want);
        assert_eq!(utc("tomorrow"), None);
    }

    #[test]
    fn form_values_are_percent_encoded() {
        assert_eq!(form_encode("a.b-c_d~e"), "a.b-c_d~e");
        assert_eq!(form_encode("a+b/c=&d"), "a%2Bb%2Fc%3D%26d");
    }
}
