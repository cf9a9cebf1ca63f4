//! What users of Arize's own tools already set up, read the way those tools
//! read it: `ax` profiles (`~/.arize/profiles/NAME.toml`, the active one
//! named in `~/.arize/.active_profile`) and the Python SDK's routing
//! variables (`ARIZE_REGION`, `ARIZE_SINGLE_HOST`, …). Where they rank
//! among this tool's own settings is `connect`'s business.

pub mod profile;
pub mod routing;

pub use profile::{AxAuth, AxProfile};

use crate::failure::Failure;

/// The bearer a profile's requests carry: its API key, or its OAuth access
/// token. Warns when the file is readable by others, as for key files.
pub fn credentials(profile: &AxProfile) -> Result<String, Failure> {
    crate::connect::warn_if_shared(&profile.path);
    match &profile.auth {
        AxAuth::ApiKey(key) => Ok(key.expose().to_owned()),
        AxAuth::OAuth(_) => oauth_credentials(profile),
    }
}

/// The access token of an OAuth profile, as stored; a logged-out profile
/// (no `[auth.oauth]`) is exit 3, saying to sign in. Every OAuth profile
/// goes through here.
pub fn oauth_credentials(profile: &AxProfile) -> Result<String, Failure> {
    let AxAuth::OAuth(oauth) = &profile.auth else {
        return Err(Failure::Auth(format!(
            "the ax profile {:?} ({}) is not an OAuth profile",
            profile.name,
            profile.path.display()
        )));
    };
    match &oauth.tokens {
        Some(tokens) => Ok(tokens.access_token.expose().to_owned()),
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
    use profile::{OAuthProfile, OAuthTokens, Secret};

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
        let f = credentials(&oauth(None)).expect_err("signed out");
        assert_eq!(f.exit_code(), 3);
        assert!(f.report().contains("ax auth login"), "{}", f.report());
    }

    #[test]
    fn a_signed_in_oauth_profile_sends_its_access_token() {
        let tokens = OAuthTokens {
            access_token: Secret::new("at-1".into()),
            refresh_token: Secret::new("rt-1".into()),
            expires_at: "2030-01-01T00:00:00Z".into(),
            user_email: "u@example.com".into(),
        };
        assert_eq!(
            credentials(&oauth(Some(tokens))).ok().as_deref(),
            Some("at-1")
        );
    }
}
