//! The AWS shared credentials and config files, as the AWS CLI reads them:
//! the profile `AWS_PROFILE` names (else `default`), from
//! `AWS_SHARED_CREDENTIALS_FILE` (else `~/.aws/credentials`) and
//! `AWS_CONFIG_FILE` (else `~/.aws/config`, where profiles are
//! `[profile NAME]`, and `[default]`).

use std::{ffi::OsString, path::PathBuf};

use ini::Ini;

use crate::Error;

/// Static keys from the files.
pub struct Found {
    pub key_id: String,
    pub secret_key: String,
    pub token: Option<String>,
}

/// Reads a variable of the environment.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<OsString>;

/// The process's environment.
pub fn process_env(name: &str) -> Option<OsString> {
    std::env::var_os(name)
}

fn profile(env: Env<'_>) -> String {
    env("AWS_PROFILE")
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| "default".into())
}

fn file(env: Env<'_>, variable: &str, default: &str) -> Option<PathBuf> {
    env(variable)
        .map(PathBuf::from)
        .or_else(|| std::env::home_dir().map(|home| home.join(".aws").join(default)))
}

fn load(path: Option<PathBuf>) -> Result<Option<Ini>, Error> {
    let Some(path) = path else { return Ok(None) };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ini::load_from_str(&text)
            .map(Some)
            .map_err(|e| Error::refused(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(&path, e)),
    }
}

/// The profile's keys in the credentials file (or, as the AWS CLI also
/// allows, in the config file).
pub fn credentials(env: Env<'_>) -> Result<Option<Found>, Error> {
    let name = profile(env);
    let from_credentials = load(file(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials"))?
        .and_then(|ini| keys(&ini, &name));
    if from_credentials.is_some() {
        return Ok(from_credentials);
    }
    Ok(load(file(env, "AWS_CONFIG_FILE", "config"))?
        .and_then(|ini| keys(&ini, &config_section(&name))))
}

/// The profile's region in the config file.
pub fn region(env: Env<'_>) -> Result<Option<String>, Error> {
    let section = config_section(&profile(env));
    Ok(
        load(file(env, "AWS_CONFIG_FILE", "config"))?.and_then(|ini| {
            ini.section(Some(section))
                .and_then(|s| s.get("region").map(str::to_owned))
        }),
    )
}

fn config_section(profile: &str) -> String {
    if profile == "default" {
        "default".into()
    } else {
        format!("profile {profile}")
    }
}

fn keys(ini: &Ini, section: &str) -> Option<Found> {
    let section = ini.section(Some(section))?;
    Some(Found {
        key_id: section.get("aws_access_key_id")?.to_owned(),
        secret_key: section.get("aws_secret_access_key")?.to_owned(),
        token: section.get("aws_session_token").map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_profile_comes_from_the_credentials_file_and_its_region_from_the_config_file() {
        let dir = std::env::temp_dir().join(format!("arize-aws-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let (keys_file, config_file) = (dir.join("credentials"), dir.join("config"));
        std::fs::write(
            &keys_file,
            "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n\n\
             [archive]\naws_access_key_id = AKIAARCHIVE\naws_secret_access_key = s\n\
             aws_session_token = t\n",
        )
        .expect("write");
        std::fs::write(
            &config_file,
            "[default]\nregion = us-east-1\n\n[profile archive]\nregion = eu-west-1\n",
        )
        .expect("write");
        let files = |profile: Option<&'static str>| {
            let (keys_file, config_file) = (keys_file.clone(), config_file.clone());
            move |name: &str| match name {
                "AWS_SHARED_CREDENTIALS_FILE" => Some(keys_file.clone().into_os_string()),
                "AWS_CONFIG_FILE" => Some(config_file.clone().into_os_string()),
                "AWS_PROFILE" => profile.map(OsString::from),
                _ => None,
            }
        };

        let archive = files(Some("archive"));
        let found = credentials(&archive).expect("reads").expect("found");
        assert_eq!(
            (found.key_id.as_str(), found.token.as_deref()),
            ("AKIAARCHIVE", Some("t"))
        );
        assert_eq!(
            region(&archive).expect("reads").as_deref(),
            Some("eu-west-1")
        );

        let default = files(None);
        let found = credentials(&default).expect("reads").expect("found");
        assert_eq!((found.key_id.as_str(), found.token), ("AKIADEFAULT", None));
        assert_eq!(
            region(&default).expect("reads").as_deref(),
            Some("us-east-1")
        );

        let missing = files(Some("nobody"));
        assert!(credentials(&missing).expect("reads").is_none());
        std::fs::remove_dir_all(dir).ok();
    }
}
