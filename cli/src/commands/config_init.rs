//! `config init`: writes a commented config file with one profile, from
//! flags alone, never replacing a file without `--force` (and then
//! atomically, never through a link: [`crate::safe_file`]). The file holds
//! where the key is, never the key.

use std::path::PathBuf;

use arize_audit_logs::Region;

use crate::{
    connection::config, failure::Failure, flags::cli::ConfigInitArgs, safe_file, terminal::stdout,
};

/// The settings of the profile to write, checked.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct NewProfile {
    /// The profile's name (`--profile`).
    pub name: String,
    /// A known region's name (`--region`).
    pub region: Option<String>,
    /// A base URL the client accepts (`--base-url`).
    pub base_url: Option<String>,
    /// The key file, absolute or from `~/` (`--api-key-file`).
    pub api_key_file: Option<PathBuf>,
}

/// Writes the file the flags describe and prints its path.
pub fn run(args: ConfigInitArgs) -> Result<(), Failure> {
    let profile = checked(&args)?;
    let path = match args.path.clone() {
        Some(path) => path,
        None => config::location().ok_or_else(|| {
            Failure::Usage(format!(
                "this platform has no config directory; give --path FILE, or set {}",
                config::CONFIG_FILE_ENV
            ))
        })?,
    };
    safe_file::refuse_link(&path)?;
    let exists = std::fs::symlink_metadata(&path).is_ok();
    if exists && !args.force {
        return Err(Failure::Usage(format!(
            "{} already exists and is left as it is; `config show` prints what it sets, and \
             --force replaces it",
            path.display()
        )));
    }
    let text = render(&profile);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Failure::io(dir, e))?;
    }
    if exists {
        safe_file::replace(&path, text.as_bytes())?;
    } else {
        safe_file::create_with(&path, text.as_bytes(), None)?;
    }
    if let Some(key_file) = &profile.api_key_file {
        if !key_file.starts_with("~") && !key_file.exists() {
            crate::terminal::notice::warn(&format!(
                "warning: {} does not exist yet: put the API key on its first line, readable \
                 by you alone (chmod 600)",
                key_file.display()
            ));
        }
    }
    stdout::write_all(format!("{}\n", path.display()).as_bytes())
}

/// The flags checked before anything is written: a profile name, a known
/// region, a base URL the client accepts, a key file as an absolute path.
fn checked(args: &ConfigInitArgs) -> Result<NewProfile, Failure> {
    if args.profile.trim().is_empty() || args.profile.chars().any(char::is_control) {
        return Err(Failure::Usage(
            "--profile: give a name without control characters, such as default or eu-prod".into(),
        ));
    }
    if let Some(name) = &args.region {
        name.parse::<Region>().map_err(|_| {
            Failure::Usage(format!(
                "--region {:?}: the known regions are {}; for another host, give --base-url",
                arize_audit_logs::escape_control(name),
                Region::known_names()
            ))
        })?;
    }
    if let Some(url) = &args.base_url {
        // The client's own rule (https, or http to this machine; a host; no
        // query, no credentials), so the file holds what it will accept.
        arize_audit_logs::Client::builder()
            .ignore_environment()
            .api_key("config-init-check")
            .base_url(url.clone())
            .build()
            .map_err(|e| {
                use arize_audit_logs::{ConfigError, Error};
                // The reason alone: the URL is not quoted back, as it might
                // carry a password or a token.
                let why = match e {
                    Error::Config(ConfigError::InvalidBaseUrl { reason, .. }) => reason,
                    Error::Config(ConfigError::InsecureBaseUrl { .. }) => {
                        "plain http is for this machine only (localhost, 127.0.0.1, ::1): the \
                         key would cross the network unencrypted; use https"
                            .into()
                    }
                    other => other.to_string(),
                };
                Failure::Usage(format!("--base-url: {why}"))
            })?;
    }
    let api_key_file = match &args.api_key_file {
        Some(file) if file.starts_with("~") || file.is_absolute() => Some(file.clone()),
        // Relative to where the command runs, not to the config file's
        // directory, which is how the file reads a relative path.
        Some(file) => Some(std::path::absolute(file).map_err(|e| Failure::io(file, e))?),
        None => None,
    };
    Ok(NewProfile {
        name: args.profile.clone(),
        region: args.region.clone(),
        base_url: args.base_url.clone(),
        api_key_file,
    })
}

/// A TOML string (quoted and escaped).
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// A profile name as a TOML key: bare when it can be.
fn key(name: &str) -> String {
    if name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        name.to_owned()
    } else {
        quoted(name)
    }
}

/// The file's text: what it is for, the profile, and the optional settings
/// commented out at their defaults.
pub fn render(p: &NewProfile) -> String {
    let mut out = String::from(
        "# arize-audit-logs config file, written by `arize-audit-logs config init`.\n\
         #\n\
         # Each [profiles.NAME] table is one Arize account or host. `--profile NAME`\n\
         # (or ARIZE_PROFILE) selects one; without either, the profile \"default\" is\n\
         # used. A flag or ARIZE_* variable overrides a profile's setting, and\n\
         # `arize-audit-logs config show` prints the settings in effect.\n\
         #\n\
         # The API key itself never goes in this file: `api_key_file` names a file\n\
         # whose first line is the key (readable by you alone). A relative path is\n\
         # read from this file's directory; ~/ is your home directory.\n\n",
    );
    out += &format!("[profiles.{}]\n", key(&p.name));
    let regions = Region::known_names();
    match (&p.region, &p.base_url) {
        (Some(region), _) => {
            out += &format!("region = {}  # one of: {regions}\n", quoted(region));
            out += "# base_url = \"https://arize.example.com\"  # instead of region, for another host\n";
        }
        (None, Some(url)) => out += &format!("base_url = {}\n", quoted(url)),
        (None, None) => {
            out += &format!("# region = \"global\"  # one of: {regions}\n");
            out += "# base_url = \"https://arize.example.com\"  # instead of region, for another host\n";
        }
    }
    match &p.api_key_file {
        Some(file) => out += &format!("api_key_file = {}\n", quoted(&file.to_string_lossy())),
        None => out += "# api_key_file = \"arize.key\"  # without it, ARIZE_API_KEY is read\n",
    }
    out += "# page_size = 100      # entries per request, 1-100\n\
            # max_attempts = 5     # attempts per request; 1 turns retries off\n\
            # timeout = \"60s\"      # time allowed for one request\n";
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// `profile` written into `dir` and read back as any command reads it.
    fn written(dir: &Path, profile: &NewProfile) -> config::Config {
        let path = dir.join("config.toml");
        std::fs::write(&path, render(profile)).expect("write");
        config::Config::read(&path).unwrap_or_else(|e| panic!("{e}\n{}", render(profile)))
    }

    #[test]
    fn a_profile_with_a_region_and_key_file_reads_back_as_written() {
        let dir = tempfile::tempdir().expect("dir");
        let profile = NewProfile {
            name: "eu-prod".into(),
            region: Some("eu-west-1a".into()),
            api_key_file: Some(dir.path().join("keys dir").join("eu.key")),
            ..NewProfile::default()
        };
        let config = written(dir.path(), &profile);
        assert_eq!(config.names(), ["eu-prod"]);
        let read = config.profile("eu-prod").expect("profile");
        assert_eq!(read.region.as_deref(), Some("eu-west-1a"));
        assert_eq!(read.base_url, None);
        assert_eq!(read.api_key_file, profile.api_key_file);
        assert_eq!(
            (read.page_size, read.max_attempts, read.timeout),
            (None, None, None)
        );
    }

    #[test]
    fn a_base_url_profile_and_an_empty_one_read_back_and_every_option_is_explained() {
        let dir = tempfile::tempdir().expect("dir");
        let onprem = NewProfile {
            name: "on prem \"lab\"".into(),
            base_url: Some("https://arize.example.com".into()),
            ..NewProfile::default()
        };
        let config = written(dir.path(), &onprem);
        let read = config.profile("on prem \"lab\"").expect("a quoted name");
        assert_eq!(read.base_url.as_deref(), Some("https://arize.example.com"));
        assert_eq!(read.region, None);

        let empty = NewProfile {
            name: "default".into(),
            ..NewProfile::default()
        };
        let config = written(dir.path(), &empty);
        let read = config.default_profile().expect("default");
        assert_eq!(
            (read.region.clone(), read.api_key_file.clone()),
            (None, None)
        );
        let text = render(&empty);
        for setting in crate::connection::config::SETTINGS {
            assert!(
                text.contains(&format!("# {setting} = ")),
                "{setting}:\n{text}"
            );
        }
        assert!(text.contains(&Region::known_names()), "{text}");
    }
}
