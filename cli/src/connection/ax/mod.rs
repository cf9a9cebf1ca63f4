//! What users of Arize's own tools already set up, read the way those tools
//! read it: `ax` profiles (`~/.arize/profiles/NAME.toml`, the active one
//! named in `~/.arize/.active_profile`) and the Python SDK's routing
//! variables (`ARIZE_REGION`, `ARIZE_SINGLE_HOST`, …). Where they rank
//! among this tool's own settings is `connect`'s business.

pub mod oauth;
pub mod profile;
pub mod routing;

pub use profile::{AxAuth, AxProfile};

use crate::failure::Failure;

/// The credentials a profile's requests carry: its API key, or its OAuth
/// access token (asked for before each request, refreshed as `ax` does).
/// Warns when the file is readable by others, as for key files.
pub fn authenticate(
    builder: arize_audit_logs::ClientBuilder,
    profile: &AxProfile,
) -> Result<arize_audit_logs::ClientBuilder, Failure> {
    crate::terminal::notice::warn_if_shared(&profile.path);
    Ok(match &profile.auth {
        AxAuth::ApiKey(key) => builder.api_key(key.expose().to_owned()),
        AxAuth::OAuth(_) => builder.bearer_source(oauth_credentials(profile)?),
    })
}

/// The credential source of an OAuth profile (see [`oauth`]); a logged-out
/// profile (no `[auth.oauth]`) is exit 3, saying to sign in. Every OAuth
/// profile goes through here.
pub fn oauth_credentials(
    profile: &AxProfile,
) -> Result<std::sync::Arc<dyn arize_audit_logs::BearerSource>, Failure> {
    let AxAuth::OAuth(oauth) = &profile.auth else {
        return Err(Failure::Auth(format!(
            "the ax profile {:?} ({}) is not an OAuth profile",
            profile.name,
            profile.path.display()
        )));
    };
    match &oauth.tokens {
        Some(_) => oauth::credentials(&oauth.path, &oauth.app_url),
        None => Err(Failure::Auth(format!(
            "the ax profile {:?} ({}) is signed out: run `ax auth login` with it active \
             (`ax profiles use {}`)",
            profile.name,
            profile.path.display(),
            profile.name
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use profile::{OAuthProfile, OAuthTokens};

    fn oauth(tokens: Option<OAuthTokens>) -> AxProfile {
        AxProfile {
            name: "work".into(),
            path: "/nonexistent/.arize/profiles/work.toml".into(),
            auth: AxAuth::OAuth(OAuthProfile {
                path: "/nonexistent/.arize/profiles/work.toml".into(),
                app_url: "https://app.arize.com".into(),
                tokens,
            }),
            routing: routing::Routing::default(),
        }
    }

    #[test]
    fn a_signed_out_oauth_profile_is_exit_3_saying_to_sign_in() {
        let Err(f) = oauth_credentials(&oauth(None)) else {
            panic!("signed out");
        };
        assert_eq!(f.exit_code(), 3);
        assert!(f.report().contains("ax auth login"), "{}", f.report());
    }
}
