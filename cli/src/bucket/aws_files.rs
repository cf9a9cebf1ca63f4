//! The AWS shared credentials and config files, as the AWS CLI reads them:
//! the profile `AWS_PROFILE` names (else `default`), from
//! `AWS_SHARED_CREDENTIALS_FILE` (else `~/.aws/credentials`) and
//! `AWS_CONFIG_FILE` (else `~/.aws/config`, where profiles are
//! `[profile NAME]`, and `[default]`).

use std::path::PathBuf;

use ini::Ini;

use crate::failure::Failure;

/// Static keys from the files.
pub struct Found {
    pub key_id: String,
    pub secret_key: String,
    pub token: Option<String>,
}

fn profile() -> String {
    std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".into())
}

fn file(variable: &str, default: &str) -> Option<PathBuf> {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|home| home.join(".aws").join(default)))
}

fn load(path: Option<PathBuf>) -> Result<Option<Ini>, Failure> {
    let Some(path) = path else { return Ok(None) };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ini::load_from_str(&text)
            .map(Some)
            .map_err(|e| Failure::Usage(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::io(&path, e)),
    }
}

/// The profile's keys in the credentials file (or, as the AWS CLI also
/// allows, in the config file).
pub fn credentials() -> Result<Option<Found>, Failure> {
    let name = profile();
    let from_credentials =
        load(file("AWS_SHARED_CREDENTIALS_FILE", "credentials"))?.and_then(|ini| keys(&ini, &name));
    if from_credentials.is_some() {
        return Ok(from_credentials);
    }
    Ok(load(file("AWS_CONFIG_FILE", "config"))?.and_then(|ini| keys(&ini, &config_section(&name))))
}

/// The profile's region in the config file.
pub fn region() -> Result<Option<String>, Failure> {
    let section = config_section(&profile());
    Ok(load(file("AWS_CONFIG_FILE", "config"))?.and_then(|ini| {
        ini.section(Some(section))
            .and_then(|s| s.get("region").map(str::to_owned))
    }))
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
