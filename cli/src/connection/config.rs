//! The optional config file: named profiles, for teams with several Arize
//! accounts. A profile holds where the API is (a region or a base URL), the
//! path of a key file, and defaults (page size, attempts, timeout). Never
//! the key itself: a config file is copied, shared and backed up more
//! freely than a key should be.
//!
//! ```toml
//! [profiles.default]
//! region = "eu-west-1a"
//! api_key_file = "eu.key"          # relative to this file's directory
//!
//! [profiles.us-prod]
//! base_url = "https://arize.internal.example.com"
//! api_key_file = "~/.secrets/arize-us-prod.key"
//! page_size = 100
//! max_attempts = 8
//! timeout = "45s"
//! ```

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::Duration,
};

use serde::Deserialize;

/// Names a config file instead of the platform's default location.
pub const CONFIG_FILE_ENV: &str = "ARIZE_CONFIG_FILE";
/// Selects a profile when `--profile` is not given.
pub const PROFILE_ENV: &str = "ARIZE_PROFILE";
/// The profile used when none is selected, if the file has one.
pub const DEFAULT_PROFILE: &str = "default";

/// Where the config file is looked for: `ARIZE_CONFIG_FILE`, else
/// `arize-audit-logs/config.toml` in the platform's config directory
/// (`$XDG_CONFIG_HOME` or `~/.config` on Linux, `~/Library/Application
/// Support` on macOS, `%APPDATA%` on Windows).
pub fn location() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(CONFIG_FILE_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    dirs::config_dir().map(|dir| dir.join("arize-audit-logs").join("config.toml"))
}

/// One profile, as written in the file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// A region name (`eu-west-1a`, …).
    pub region: Option<String>,
    /// The API's base URL (on-premises hosts). Not with `region`.
    pub base_url: Option<String>,
    /// A file whose first line is the API key.
    pub api_key_file: Option<PathBuf>,
    /// Entries per request: `export --page-size`, `list --limit`.
    pub page_size: Option<u32>,
    /// `--max-attempts`.
    pub max_attempts: Option<u32>,
    /// `--timeout`, such as `"45s"`.
    #[serde(default, deserialize_with = "duration")]
    pub timeout: Option<Duration>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// What a `timeout` that does not read as a duration is told.
const NOT_A_DURATION: &str = "is not a duration such as \"45s\" or \"2m\"";

fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let text = String::deserialize(d)?;
    humantime::parse_duration(&text)
        .map(Some)
        // The value is not quoted back: errors about this file never echo it.
        .map_err(|_| serde::de::Error::custom(NOT_A_DURATION))
}

/// The config file as read: its profiles, and where it is.
#[derive(Debug, Default)]
pub struct Config {
    /// Where it was looked for (whether or not it exists).
    pub path: Option<PathBuf>,
    /// Whether a file was there.
    pub found: bool,
    profiles: BTreeMap<String, Profile>,
}

impl Config {
    /// Reads the file at [`location`]; a missing file is an empty config.
    pub fn load() -> Result<Self, String> {
        match location() {
            Some(path) => Self::read(&path),
            None => Ok(Self::default()),
        }
    }

    /// Reads `path`; a missing file is an empty config, anything else that
    /// goes wrong is an error naming the file.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = match crate::small_file::read_text(path) {
            Ok(text) => text,
            Err(crate::small_file::ReadError::Io(e))
                if e.kind() == std::io::ErrorKind::NotFound =>
            {
                return Ok(Self {
                    path: Some(path.to_owned()),
                    ..Self::default()
                })
            }
            Err(e) => {
                return Err(format!(
                    "cannot read the config file {}: {e}",
                    path.display()
                ))
            }
        };
        let file: File = toml::from_str(&text).map_err(|e| explain(path, &text, &e))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut profiles = file.profiles;
        for (name, profile) in &mut profiles {
            check(path, name, profile)?;
            if let Some(key_file) = &profile.api_key_file {
                profile.api_key_file = Some(resolve_path(base, key_file));
            }
        }
        Ok(Self {
            path: Some(path.to_owned()),
            found: true,
            profiles,
        })
    }

    /// The profile named `name`, or an error listing the ones there are.
    pub fn profile(&self, name: &str) -> Result<&Profile, String> {
        self.profiles.get(name).ok_or_else(|| {
            let file = self
                .path
                .as_ref()
                .map_or("(no config directory)".into(), |p| p.display().to_string());
            if !self.found {
                format!("profile {name:?} not found: there is no config file at {file}")
            } else if self.profiles.is_empty() {
                format!("profile {name:?} not found: {file} defines no profiles")
            } else {
                format!(
                    "profile {name:?} not found in {file}; it defines {}",
                    self.names().join(", ")
                )
            }
        })
    }

    /// The profile `default`, when the file has one.
    pub fn default_profile(&self) -> Option<&Profile> {
        self.profiles.get(DEFAULT_PROFILE)
    }

    /// The profiles' names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.profiles.keys().cloned().collect()
    }
}

/// Where a TOML error is, as `PATH, line L, column C`, and its line: the
/// place, never the text there (for every TOML file the tool reads that may
/// hold a secret: the config file, an `ax` profile).
pub(crate) fn toml_error_place(path: &Path, text: &str, e: &toml::de::Error) -> (String, usize) {
    let at = e.span().map(|span| span.start.min(text.len())).unwrap_or(0);
    let before = text.get(..at).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .chars()
        .count()
        + 1;
    (
        format!("{}, line {line}, column {column}", path.display()),
        line,
    )
}

/// A TOML error in words of its own: the file, the line and column, the
/// setting and what is wrong with it, never the file's text (a key pasted
/// into the wrong place must not reach a terminal or a log).
fn explain(path: &Path, text: &str, e: &toml::de::Error) -> String {
    let (place, line) = toml_error_place(path, text, e);
    let message = e.message();
    let named = |name: Option<&str>| name.map_or("the value ".to_owned(), |n| format!("`{n}` "));
    // The setting on that line, when it is one of the documented ones.
    let line_text = text.lines().nth(line - 1).unwrap_or_default();
    let setting = line_text
        .split_once('=')
        .map(|(name, _)| name.trim().trim_matches('"'))
        .filter(|name| SETTINGS.contains(name) || *name == "profiles");
    let expected = message
        .rsplit_once(", expected ")
        .map(|(_, tail)| tail)
        .filter(|tail| !tail.contains('"'));
    let expected_part = expected.map_or(String::new(), |x| format!("; expected {x}"));
    let what = if let Some(rest) = message.strip_prefix("unknown field `") {
        match rest.split('`').next().filter(|f| plain_name(f)) {
            Some(field @ ("api_key" | "key" | "apikey" | "token" | "api_token")) => format!(
                "`{field}` is not a setting: a config file never holds the API key itself; put \
                 the key in a file of its own (chmod 600) and name that file with `api_key_file`"
            ),
            Some(field) => format!("`{field}` is not a setting{expected_part}"),
            None => format!("a name that is not a setting{expected_part}"),
        }
    } else if message.starts_with("duplicate key") {
        match setting {
            Some(field) => format!("`{field}` is set twice; keep one"),
            None => "a name is given twice; keep one".to_owned(),
        }
    } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
        format!(
            "{}has the wrong type{}",
            named(setting),
            expected.map_or(String::new(), |x| format!(": expected {x}"))
        )
    } else if message.contains(NOT_A_DURATION) {
        format!("{}{NOT_A_DURATION}", named(setting))
    } else if message.starts_with("string values must be quoted") {
        format!(
            "{}has a value that is not quoted: text goes in double quotes",
            named(setting)
        )
    } else if message.starts_with("invalid basic string") || message.contains("unterminated") {
        format!(
            "{}has a string that is not closed: it needs its closing double quote on the same \
             line",
            named(setting)
        )
    } else if message.starts_with("key with no value") {
        "a line that is not a setting: each setting is `name = value`, and a key goes in a \
         file of its own"
            .to_owned()
    } else {
        format!("this is not valid TOML ({})", safe_words(message))
    };
    format!("{place}: {}", what.trim_start())
}

/// The settings a profile takes.
pub(crate) const SETTINGS: [&str; 6] = [
    "region",
    "base_url",
    "api_key_file",
    "page_size",
    "max_attempts",
    "timeout",
];

/// A name that reads as a setting's (lower-case letters and `_`, short): one
/// that may be quoted back. Anything else might be a pasted secret.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 24
        && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

/// The parser's words, without anything it quotes from the file.
pub(crate) fn safe_words(message: &str) -> String {
    let quotes_text = message.contains('"')
        || message
            .split('`')
            .skip(1)
            .step_by(2)
            .any(|quoted| quoted.chars().count() > 3);
    if quotes_text {
        "see the line and column".to_owned()
    } else {
        message.to_owned()
    }
}

fn check(path: &Path, name: &str, profile: &Profile) -> Result<(), String> {
    let at = || format!("{}, profile {name:?}", path.display());
    if profile.region.is_some() && profile.base_url.is_some() {
        return Err(format!(
            "{}: sets both `region` and `base_url`; keep one (a base URL names the host \
             itself, a region names Arize's host for it)",
            at()
        ));
    }
    if profile
        .region
        .as_deref()
        .is_some_and(|r| r.trim().is_empty())
    {
        return Err(format!(
            "{}: `region` is empty; name a region, or leave the setting out",
            at()
        ));
    }
    if profile.page_size == Some(0) || profile.page_size.is_some_and(|n| n > 100) {
        return Err(format!("{}: `page_size` must be 1-100", at()));
    }
    if profile.max_attempts == Some(0) {
        return Err(format!("{}: `max_attempts` must be at least 1", at()));
    }
    if profile.timeout == Some(Duration::ZERO) {
        return Err(format!("{}: `timeout` must be greater than zero", at()));
    }
    Ok(())
}

/// `~/…` from the home directory; a relative path from the config file's
/// directory.
fn resolve_path(base: &Path, path: &Path) -> PathBuf {
    if let Ok(rest) = path.strip_prefix("~") {
        if let Some(home) = dirs::home_dir() {
            return home.join(rest);
        }
    }
    if path.is_absolute() {
        path.to_owned()
    } else {
        base.join(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (PathBuf, PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "arize-config-{}-{:x}",
            std::process::id(),
            fastrand_u64()
        ));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("config.toml");
        std::fs::write(&path, text).expect("write");
        (dir, path)
    }

    fn fastrand_u64() -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(0);
        h.finish()
    }

    #[test]
    fn profiles_are_read_with_key_files_relative_to_the_file() {
        let (dir, path) = write(
            "[profiles.default]\nregion = \"eu-west-1a\"\napi_key_file = \"eu.key\"\n\
             [profiles.onprem]\nbase_url = \"https://arize.example.com\"\npage_size = 20\ntimeout = \"45s\"\n",
        );
        let config = Config::read(&path).expect("reads");
        assert_eq!(config.names(), ["default", "onprem"]);
        let default = config.default_profile().expect("default");
        assert_eq!(default.region.as_deref(), Some("eu-west-1a"));
        assert_eq!(
            default.api_key_file.as_deref(),
            Some(dir.join("eu.key").as_path())
        );
        let onprem = config.profile("onprem").expect("onprem");
        assert_eq!(onprem.page_size, Some(20));
        assert_eq!(onprem.timeout, Some(Duration::from_secs(45)));
        let missing = config.profile("nope").expect_err("missing");
        assert!(missing.contains("default, onprem"), "{missing}");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_key_in_the_file_is_refused_with_the_way_to_do_it() {
        let (dir, path) = write("[profiles.default]\napi_key = \"ak-123\"\n");
        let error = Config::read(&path).expect_err("refused");
        assert!(
            error.contains("never holds the API key") && error.contains("api_key_file"),
            "{error}"
        );
        assert!(!error.contains("ak-123"), "{error}");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn contradictory_or_nonsensical_profiles_are_refused_naming_them() {
        for (text, expected) in [
            (
                "[profiles.a]\nregion = \"global\"\nbase_url = \"https://x\"\n",
                "both `region` and `base_url`",
            ),
            ("[profiles.a]\npage_size = 0\n", "`page_size` must be 1-100"),
            (
                "[profiles.a]\nmax_attempts = 0\n",
                "`max_attempts` must be at least 1",
            ),
            ("[profiles.a]\ntimeout = \"soon\"\n", "not a duration"),
            (
                "[profiles.a]\nregoin = \"global\"\n",
                "`regoin` is not a setting",
            ),
            ("[profiles.a\n", "config.toml"),
        ] {
            let (dir, path) = write(text);
            let error = Config::read(&path).expect_err(text);
            assert!(error.contains(expected), "{text}: {error}");
            std::fs::remove_dir_all(dir).ok();
        }
    }

    #[test]
    fn the_example_in_the_help_is_a_valid_config() {
        let help = crate::flags::cli::CONFIG_HELP;
        let start = help.find("  [profiles").expect("an example");
        let end = help.find("Each setting").expect("then the order");
        let example: String = help[start..end]
            .lines()
            .map(|l| format!("{}\n", l.strip_prefix("  ").unwrap_or(l)))
            .collect();
        let (dir, path) = write(&example);
        let config = Config::read(&path).expect("the documented example reads");
        assert_eq!(config.names(), ["default", "onprem"]);
        assert_eq!(
            config.profile("onprem").map(|p| p.max_attempts),
            Ok(Some(8))
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_missing_file_is_an_empty_config() {
        let config = Config::read(Path::new("/nonexistent/arize/config.toml")).expect("empty");
        assert!(!config.found && config.names().is_empty());
        let error = config.profile("prod").expect_err("none");
        assert!(
            error.contains("there is no config file at /nonexistent"),
            "{error}"
        );
    }
}
