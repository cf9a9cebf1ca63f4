//! An `ax` profile, read as `ax` 0.39 reads it: `~/.arize/profiles/NAME.toml`
//! with `[auth]` (`auth_method`, `api_key` or `[auth.oauth]`) and
//! `[routing]`; `${VAR}` and `${VAR:default}` in a value expand from the
//! environment; a legacy profile without `auth_method` is inferred from the
//! credential it holds. Every other table is `ax`'s own and ignored.
//!
//! The key and the tokens are secrets: they never reach `Debug`, a message
//! or a log, and an error about the file never quotes its text.

use std::{
    fmt,
    path::{Path, PathBuf},
};

use serde::Deserialize;

use super::routing::{Routing, Set};
use crate::failure::Failure;

/// A secret from a profile: `Debug` shows that it is there, never what it is.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret (a key, a token).
    pub fn new(secret: String) -> Self {
        Self(secret)
    }

    /// The secret itself, for the request that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// An `ax` profile as this tool uses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AxProfile {
    /// Its name (the file's stem).
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// How it signs requests.
    pub auth: AxAuth,
    /// Its `[routing]` members (empty ones left out), each named with the file.
    pub routing: Routing,
}

/// A profile's credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AxAuth {
    /// `auth_method = "api-key"`.
    ApiKey(Secret),
    /// `auth_method = "oauth"`: tokens from `ax auth login`.
    OAuth(OAuthProfile),
}

impl AxAuth {
    /// `api-key` or `oauth`, as `ax` spells the method.
    pub fn method(&self) -> &'static str {
        match self {
            Self::ApiKey(_) => "api-key",
            Self::OAuth(_) => "oauth",
        }
    }
}

/// An OAuth profile: where it is (the tokens are refreshed into it) and the
/// app's base URL, which serves `/oauth2/token`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthProfile {
    /// The profile file.
    pub path: PathBuf,
    /// `app_scheme://app_host`, or as the single host, base domain or region
    /// give it (`ax`'s `resolve_app_url`).
    pub app_url: String,
    /// The tokens; `None` when logged out (no `[auth.oauth]`).
    pub tokens: Option<OAuthTokens>,
}

/// The tokens `ax auth login` stores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthTokens {
    /// Sent as `Authorization: Bearer …`.
    pub access_token: Secret,
    /// Exchanged for a new access token.
    pub refresh_token: Secret,
    /// When the access token expires (UTC, as written: RFC 3339).
    pub expires_at: String,
    /// Who signed in.
    pub user_email: String,
}

/// `~/.arize`, where `ax` keeps its profiles (`$HOME` on Unix).
pub fn directory() -> Option<PathBuf> {
    dirs::home_dir().map(|home| home.join(".arize"))
}

/// The name in `DIR/.active_profile` (what `ax profiles use` wrote), if any.
pub fn active_name(dir: &Path) -> Result<Option<String>, Failure> {
    let path = dir.join(".active_profile");
    match crate::small_file::read_text(&path) {
        Ok(text) => Ok(Some(text.trim().to_owned()).filter(|n| !n.is_empty())),
        Err(crate::small_file::ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(None)
        }
        Err(e) => Err(Failure::Usage(format!(
            "cannot read ax's active profile from {}: {e}",
            path.display()
        ))),
    }
}

/// The profiles in `DIR/profiles` (its `NAME.toml` files), sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("profiles"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| {
            entry
                .file_type()
                .is_ok_and(|t| t.is_file() || t.is_symlink())
        })
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".toml").map(str::to_owned)
        })
        .filter(|name| plain(name))
        .collect();
    names.sort();
    names
}

/// A name that is a file in the profiles directory, not a path elsewhere.
fn plain(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && !name.chars().any(char::is_control)
}

/// The file of the profile `name` in `dir`, when there is one.
pub fn find(dir: &Path, name: &str) -> Option<PathBuf> {
    let path = dir.join("profiles").join(format!("{name}.toml"));
    (plain(name) && path.is_file()).then_some(path)
}

#[derive(Deserialize, Default)]
struct File {
    #[serde(default)]
    auth: RawAuth,
    #[serde(default)]
    routing: std::collections::BTreeMap<String, toml::Value>,
}

#[derive(Deserialize, Default)]
struct RawAuth {
    auth_method: Option<String>,
    api_key: Option<String>,
    oauth: Option<RawOAuth>,
}

#[derive(Deserialize)]
struct RawOAuth {
    access_token: Option<String>,
    refresh_token: Option<String>,
    expires_at: Option<toml::Value>,
    user_email: Option<String>,
}

/// Reads the profile at `path` (named `name`), expanding `${VAR}` from
/// `env`. A file that is not a usable profile is a usage error (exit 2)
/// naming the file and the member; a profile without credentials is exit 3.
pub fn load(
    path: &Path,
    name: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<AxProfile, Failure> {
    let shown = path.display();
    let text = crate::small_file::read_text(path).map_err(|e| {
        Failure::Usage(format!(
            "cannot read the ax profile {name:?} ({shown}): {e}"
        ))
    })?;
    let file: File = toml::from_str(&text).map_err(|e| {
        let (place, _) = crate::connection::config::toml_error_place(path, &text, &e);
        Failure::Usage(format!(
            "{place}: the ax profile {name:?} cannot be read ({}); `ax profiles show {name}` \
             shows what ax makes of it",
            crate::connection::config::safe_words(e.message())
        ))
    })?;
    let member = |m: &str| format!("`{m}` in {shown}");
    let expand = |m: &str, value: &str| {
        expand(value, env).map_err(|var| {
            Failure::Usage(format!(
                "{} refers to the environment variable {var}, which is not set and has no default \
             (`${{{var}:default}}`)",
                member(m)
            ))
        })
    };

    let mut routing = Routing::default();
    let mut raw = std::collections::BTreeMap::new();
    for (key, value) in &file.routing {
        let text = match value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(n) => n.to_string(),
            _ => {
                return Err(Failure::Usage(format!(
                    "{} has the wrong type: expected a string",
                    member(key)
                )))
            }
        };
        let value = expand(key, &text)?.trim().to_owned();
        raw.insert(key.as_str(), value.clone());
        let known = super::routing::ENV
            .iter()
            .any(|(setting, _)| setting == key);
        if known && !value.is_empty() {
            *routing.slot(key) = Some(Set {
                value,
                from: member(key),
            });
        }
    }
    // ax checks the region when it reads the profile.
    let region = routing.parsed_region()?;

    let secret = |m: &str, value: &Option<String>| -> Result<Option<String>, Failure> {
        match value {
            Some(v) => Ok(Some(expand(m, v)?.trim().to_owned()).filter(|v| !v.is_empty())),
            None => Ok(None),
        }
    };
    let api_key = secret("api_key", &file.auth.api_key)?;
    let method = file
        .auth
        .auth_method
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty());
    let method = match (method, &api_key, &file.auth.oauth) {
        (Some(m), _, _) => m.to_owned(),
        (None, Some(_), _) => "api-key".to_owned(),
        (None, None, Some(_)) => "oauth".to_owned(),
        (None, None, None) => {
            return Err(Failure::Auth(format!(
                "the ax profile {name:?} ({shown}) holds no credentials: no `api_key` and no \
                 `[auth.oauth]`; run `ax profiles create` or `ax auth login`"
            )))
        }
    };
    let auth = match method.as_str() {
        "api-key" => {
            if file.auth.oauth.is_some() {
                return Err(Failure::Usage(format!(
                    "{} is an api-key profile with an `[auth.oauth]` table too; keep one",
                    shown
                )));
            }
            let key = api_key.ok_or_else(|| {
                Failure::Auth(format!(
                    "the ax profile {name:?} ({shown}) is an api-key profile without an \
                     `api_key`; run `ax profiles update {name} --api-key …`"
                ))
            })?;
            AxAuth::ApiKey(Secret::new(key))
        }
        "oauth" => {
            if api_key.is_some() {
                return Err(Failure::Usage(format!(
                    "{} is an oauth profile with an `api_key` too; keep one",
                    shown
                )));
            }
            let tokens = match &file.auth.oauth {
                None => None,
                Some(o) => {
                    let need = |m: &str, v: &Option<String>| {
                        secret(m, v)?.ok_or_else(|| {
                            Failure::Auth(format!(
                                "{} is missing or empty; run `ax auth login`",
                                member(&format!("auth.oauth.{m}"))
                            ))
                        })
                    };
                    let expires_at = match &o.expires_at {
                        Some(toml::Value::String(s)) => s.trim().to_owned(),
                        Some(toml::Value::Datetime(d)) => d.to_string(),
                        _ => {
                            return Err(Failure::Auth(format!(
                                "{} is missing or not a time; run `ax auth login`",
                                member("auth.oauth.expires_at")
                            )))
                        }
                    };
                    Some(OAuthTokens {
                        access_token: Secret(need("access_token", &o.access_token)?),
                        refresh_token: Secret(need("refresh_token", &o.refresh_token)?),
                        expires_at,
                        user_email: secret("user_email", &o.user_email)?.unwrap_or_default(),
                    })
                }
            };
            AxAuth::OAuth(OAuthProfile {
                path: path.to_owned(),
                app_url: app_url(&raw, region.as_ref()),
                tokens,
            })
        }
        _ => {
            return Err(Failure::Usage(format!(
                "{} must be \"api-key\" or \"oauth\"",
                member("auth_method")
            )))
        }
    };
    Ok(AxProfile {
        name: name.to_owned(),
        path: path.to_owned(),
        auth,
        routing,
    })
}

/// The app's URL as `ax` derives it (`RoutingConfig.resolve_app_url`): the
/// single host (with its port), else `https://app.<base_domain>`, else
/// `https://app.<region>.arize.com`, else `app_scheme://app_host`.
fn app_url(
    raw: &std::collections::BTreeMap<&str, String>,
    region: Option<&arize_audit_logs::Region>,
) -> String {
    let get = |k: &str| raw.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let scheme = get("app_scheme").unwrap_or("https");
    if let Some(host) = get("single_host") {
        return match get("single_port") {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        };
    }
    if let Some(domain) = get("base_domain") {
        return format!("https://app.{domain}");
    }
    if let Some(region) = region {
        return format!("https://app.{}.arize.com", region.name());
    }
    format!("{scheme}://{}", get("app_host").unwrap_or("app.arize.com"))
}

/// `${VAR}` and `${VAR:default}` replaced from `env`, as `ax` does; the
/// name of a variable that is unset and has no default is the error.
fn expand(value: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start + 2..].find('}') else {
            break;
        };
        let inner = &rest[start + 2..start + 2 + len];
        let (var, default) = match inner.split_once(':') {
            Some((var, default)) => (var, Some(default)),
            None => (inner, None),
        };
        if var.is_empty() {
            out.push_str(&rest[..start + 3 + len]);
            rest = &rest[start + 3 + len..];
            continue;
        }
        out.push_str(&rest[..start]);
        match (env(var), default) {
            (Some(v), _) => out.push_str(&v),
            (None, Some(d)) => out.push_str(d),
            (None, None) => return Err(var.to_owned()),
        }
        rest = &rest[start + 3 + len..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "ak-profile-secret-0123456789";

    fn write(name: &str, text: &str) -> (PathBuf, PathBuf) {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(0);
        let dir =
            std::env::temp_dir().join(format!("arize-ax-{}-{:x}", std::process::id(), h.finish()));
        std::fs::create_dir_all(dir.join("profiles")).expect("dir");
        let path = dir.join("profiles").join(format!("{name}.toml"));
        std::fs::write(&path, text).expect("write");
        (dir, path)
    }

    fn read(text: &str) -> Result<AxProfile, Failure> {
        let (dir, path) = write("work", text);
        let env = |name: &str| (name == "SET").then(|| "from-env".to_owned());
        let result = load(&path, "work", &env);
        std::fs::remove_dir_all(dir).ok();
        result
    }

    #[test]
    fn an_api_key_profile_as_ax_writes_it() {
        let p = read(&format!(
            "[profile]\nname = \"work\"\n\n[auth]\nauth_method = \"api-key\"\napi_key = \"{KEY}\"\n\n\
             [routing]\nsingle_host = \"127.0.0.1\"\nsingle_port = \"18777\"\napi_host = \"api.arize.com\"\n\
             api_scheme = \"http\"\napp_host = \"app.arize.com\"\napp_scheme = \"https\"\n\
             flight_port = \"443\"\n\n[output]\nformat = \"table\"\n"
        ))
        .expect("reads");
        assert_eq!(p.auth, AxAuth::ApiKey(Secret(KEY.into())));
        assert_eq!(
            p.routing.resolve().ok(),
            Some(super::super::routing::Resolved::Url(
                "http://127.0.0.1:18777".into()
            ))
        );
        assert!(!format!("{p:?}").contains(KEY), "{p:?}");
    }

    #[test]
    fn a_legacy_profile_is_inferred_from_its_credential() {
        let p = read(&format!("[auth]\napi_key = \"{KEY}\"\n")).expect("api key");
        assert_eq!(p.auth.method(), "api-key");
        let p = read(
            "[auth.oauth]\naccess_token = \"at\"\nrefresh_token = \"rt\"\n\
             expires_at = \"2030-01-01T00:00:00Z\"\nuser_email = \"a@example.com\"\n",
        )
        .expect("oauth");
        assert_eq!(p.auth.method(), "oauth");
        let f = read("[routing]\nregion = \"EU\"\n").expect_err("nothing");
        assert_eq!(f.exit_code(), 3);
        assert!(
            f.report().contains("holds no credentials"),
            "{}",
            f.report()
        );
    }

    #[test]
    fn an_oauth_profile_names_its_file_and_app_url_and_may_be_logged_out() {
        let p =
            read("[auth]\nauth_method = \"oauth\"\n[routing]\nregion = \"eu\"\n").expect("reads");
        match p.auth {
            AxAuth::OAuth(o) => {
                assert_eq!(o.tokens, None);
                assert_eq!(o.app_url, "https://app.eu-west-1a.arize.com");
                assert!(o.path.ends_with("profiles/work.toml"));
            }
            other => panic!("{other:?}"),
        }
        let p = read(
            "[auth]\nauth_method = \"oauth\"\n[auth.oauth]\naccess_token = \"at\"\n\
             refresh_token = \"rt\"\nexpires_at = 2030-01-01T00:00:00Z\nuser_email = \"u\"\n\
             [routing]\nsingle_host = \"localhost\"\nsingle_port = \"4040\"\napp_scheme = \"http\"\n",
        )
        .expect("reads");
        match p.auth {
            AxAuth::OAuth(o) => {
                assert_eq!(o.app_url, "http://localhost:4040");
                let tokens = o.tokens.expect("tokens");
                assert_eq!(tokens.access_token.expose(), "at");
                assert_eq!(tokens.expires_at, "2030-01-01T00:00:00Z");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn environment_references_expand_as_ax_expands_them() {
        let p =
            read("[auth]\napi_key = \"${SET}\"\n[routing]\napi_host = \"${UNSET:h.example}\"\n")
                .expect("reads");
        assert_eq!(p.auth, AxAuth::ApiKey(Secret("from-env".into())));
        assert_eq!(
            p.routing.api_host.map(|s| s.value),
            Some("h.example".into())
        );
        let m = read("[auth]\napi_key = \"${UNSET}\"\n")
            .expect_err("unset")
            .report();
        assert!(m.contains("UNSET") && m.contains("`api_key`"), "{m}");
    }

    #[test]
    fn errors_about_a_profile_never_quote_its_key() {
        for text in [
            format!("[auth]\napi_key = \"{KEY}\n"),
            format!("[auth]\napi_key = {KEY}\n"),
            format!("[auth]\napi_key = [\"{KEY}\"]\n"),
            format!("[auth]\nauth_method = \"oauth\"\napi_key = \"{KEY}\"\n"),
            format!("[auth]\nauth_method = \"{KEY}\"\n"),
            format!("{KEY}\n"),
        ] {
            let m = read(&text).expect_err(&text).report();
            assert!(!m.contains(KEY) && !m.contains("ak-profile"), "{text}: {m}");
            assert!(m.contains("work.toml"), "{m}");
        }
    }

    #[test]
    fn contradictory_routing_in_a_profile_names_both_members() {
        let p = read(&format!(
            "[auth]\napi_key = \"{KEY}\"\n[routing]\nregion = \"EU\"\nbase_domain = \"d.example\"\n"
        ))
        .expect("reads");
        let m = p.routing.resolve().expect_err("refused").report();
        assert!(
            m.contains("`region` in") && m.contains("`base_domain` in"),
            "{m}"
        );
    }

    #[test]
    fn the_active_profile_and_the_names_are_read_from_the_directory() {
        let (dir, _) = write("work", "");
        std::fs::write(dir.join("profiles/eu.toml"), "").expect("eu");
        assert_eq!(active_name(&dir).ok(), Some(None));
        std::fs::write(dir.join(".active_profile"), "eu").expect("active");
        assert_eq!(active_name(&dir).ok(), Some(Some("eu".into())));
        assert_eq!(names(&dir), ["eu", "work"]);
        assert!(find(&dir, "eu").is_some());
        assert!(find(&dir, "../profiles/eu").is_none());
        assert!(find(&dir, "nope").is_none());
        std::fs::remove_dir_all(dir).ok();
    }
}
