//! The client a command uses: its settings resolved from flags, the config
//! file's profiles, the environment and Arize's own `ax` profiles (in that
//! documented order), its key (from the environment, a key file or an `ax`
//! profile), and the logging of its requests.
//!
//! Each setting takes the first of:
//! 1. its command-line flag;
//! 2. the profile named by `--profile`: the config file's of that name,
//!    else `ax`'s (`~/.arize/profiles/NAME.toml`);
//! 3. the environment: the key from `ARIZE_API_KEY`; the host from
//!    `ARIZE_BASE_URL` (ours, which beats the SDK's variables), else the
//!    SDK's routing variables when one names a host (`ARIZE_REGION`,
//!    `ARIZE_SINGLE_HOST`, `ARIZE_SINGLE_PORT`, `ARIZE_BASE_DOMAIN`,
//!    `ARIZE_API_HOST`, with `ARIZE_API_SCHEME` and `ARIZE_API_PORT`),
//!    resolved as the SDK resolves them (see [`crate::connection::ax::routing`]);
//! 4. the profile named by `ARIZE_PROFILE` (the config file's, else `ax`'s),
//!    else the config file's profile `default`, else `ax`'s active profile
//!    (`~/.arize/.active_profile`);
//! 5. the built-in default (the global host, or `ARIZE_API_SCHEME` /
//!    `ARIZE_API_PORT` applied to it when only they are set).
//!
//! A profile named on the command line is as deliberate as a flag, so it
//! beats the ambient environment; one selected by the environment (or the
//! `default` one, or `ax`'s active one) does not. At one level a base URL
//! beats a region. An `ax` profile gives the host (its `[routing]`, resolved
//! as the SDK does) and the credentials (its API key or OAuth access token),
//! nothing else; `ax`'s active profile is read only when no profile of the
//! config file is selected and something is still missing.

use std::{fmt, path::Path, path::PathBuf, time::Duration};

use arize_audit_logs::{
    Client, ConfigError, Error, Region, RetryPolicy, API_KEY_ENV, BASE_URL_ENV,
};

use crate::{
    connection::ax::{self, routing::Resolved, AxProfile},
    connection::config::{Config, Profile, DEFAULT_PROFILE, PROFILE_ENV},
    failure::Failure,
    flags::cli::ConnectionArgs,
    journal::{KeySource, Target},
};

/// Attempts per request when nothing says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

/// Where a setting's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Flag(&'static str),
    /// A profile, and what selected it (`--profile`, `ARIZE_PROFILE`, or
    /// being the `default` one).
    Profile {
        name: String,
        via: &'static str,
    },
    /// An `ax` profile: its name, its file, and what selected it
    /// (`--profile`, `ARIZE_PROFILE`, or being `ax`'s active profile).
    AxProfile {
        name: String,
        path: PathBuf,
        via: &'static str,
    },
    Env(&'static str),
    /// The SDK's routing variables that made the URL together.
    EnvVars(Vec<String>),
    Default,
    /// The server's own default.
    Server,
}

/// What selects `ax`'s active profile, in messages.
pub const AX_ACTIVE: &str = "being ax's active profile";

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag(flag) => f.write_str(flag),
            Self::Profile { name, via } => write!(f, "profile {name:?}, selected by {via}"),
            Self::AxProfile { name, path, via } => write!(
                f,
                "ax profile {name:?} ({}), selected by {via}",
                path.display()
            ),
            Self::Env(name) => f.write_str(name),
            Self::EnvVars(names) => f.write_str(&names.join(" + ")),
            Self::Default => f.write_str("default"),
            Self::Server => f.write_str("the server's default"),
        }
    }
}

impl Source {
    /// Named on the command line (a flag, or a profile `--profile` chose).
    fn explicit(&self) -> bool {
        matches!(
            self,
            Self::Flag(_)
                | Self::Profile {
                    via: "--profile",
                    ..
                }
                | Self::AxProfile {
                    via: "--profile",
                    ..
                }
        )
    }
}

/// Where requests go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    BaseUrl(String),
    Region(Region),
}

impl Location {
    pub fn base_url(&self) -> String {
        match self {
            Self::BaseUrl(url) => url.trim_end_matches('/').to_owned(),
            Self::Region(region) => region.base_url(),
        }
    }
}

/// Where the key is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyChoice {
    File(PathBuf),
    Env,
    /// The API key or OAuth token of an `ax` profile.
    Ax(Box<AxProfile>),
}

/// Every connection setting, with where it came from.
#[derive(Debug)]
pub struct Settings {
    pub config: Config,
    /// The profile in use, and what selected it.
    pub profile: Option<(String, &'static str)>,
    /// The file of that profile when it is an `ax` profile.
    pub ax_profile: Option<PathBuf>,
    pub location: (Location, Source),
    pub key: Option<(KeyChoice, Source)>,
    pub max_attempts: (u32, Source),
    pub timeout: Option<(Duration, Source)>,
    pub page_size: Option<(u32, Source)>,
    pub max_response_bytes: Option<usize>,
}

/// Resolves the settings from the flags, the config file and the process
/// environment.
pub fn settings(connection: &ConnectionArgs) -> Result<Settings, Failure> {
    let config = Config::load().map_err(Failure::Usage)?;
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    resolve(
        connection,
        config,
        ax::profile::directory().as_deref(),
        &env,
    )
}

/// A profile a name selects: the config file's, else `ax`'s.
enum Named<'a> {
    Ours(String, &'static str, &'a Profile),
    Ax(Source, Box<AxProfile>),
}

/// A selected profile as the config file's or `ax`'s.
type Split<'a> = (
    Option<(String, &'static str, &'a Profile)>,
    Option<(Source, AxProfile)>,
);

fn split(chosen: Option<Named<'_>>) -> Split<'_> {
    match chosen {
        Some(Named::Ours(name, via, p)) => (Some((name, via, p)), None),
        Some(Named::Ax(source, p)) => (None, Some((source, *p))),
        None => (None, None),
    }
}

/// [`settings`] with `ax`'s directory (`~/.arize`) and the environment
/// given, for tests.
pub fn resolve(
    c: &ConnectionArgs,
    config: Config,
    ax_dir: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, Failure> {
    let ax_source = |name: &str, path: &Path, via: &'static str| Source::AxProfile {
        name: name.to_owned(),
        path: path.to_owned(),
        via,
    };
    let named = |name: &str, via: &'static str| -> Result<Named<'_>, Failure> {
        match config.profile(name) {
            Ok(p) => Ok(Named::Ours(name.to_owned(), via, p)),
            Err(ours) => match ax_dir.and_then(|dir| ax::profile::find(dir, name)) {
                Some(path) => Ok(Named::Ax(
                    ax_source(name, &path, via),
                    Box::new(ax::profile::load(&path, name, env)?),
                )),
                None => {
                    let theirs = ax_dir.map(ax::profile::names).unwrap_or_default();
                    let where_ = ax_dir.map_or("~/.arize".into(), |d| d.display().to_string());
                    Err(Failure::Usage(if theirs.is_empty() {
                        format!("{ours}; nor has ax a profile of that name ({where_}/profiles)")
                    } else {
                        format!(
                            "{ours}; nor has ax one of that name: ax's profiles ({where_}/profiles) \
                             are {}",
                            theirs.join(", ")
                        )
                    }))
                }
            },
        }
    };
    // Which profiles apply: one named on the command line (level 2), or one
    // the environment names or the default one (level 4).
    let (explicit, implicit) = match (&c.profile, env(PROFILE_ENV)) {
        (Some(name), _) => (Some(named(name, "--profile")?), None),
        (None, Some(name)) => (None, Some(named(&name, PROFILE_ENV)?)),
        (None, None) => (
            None,
            config
                .default_profile()
                .map(|p| Named::Ours(DEFAULT_PROFILE.to_owned(), "being the default", p)),
        ),
    };
    let (explicit, ax_explicit) = split(explicit);
    let (implicit, mut ax_implicit) = split(implicit);
    let from_profile = |chosen: &Option<(String, &'static str, &Profile)>| {
        chosen.as_ref().map(|(name, via, profile)| {
            (
                Source::Profile {
                    name: name.clone(),
                    via,
                },
                (*profile).clone(),
            )
        })
    };
    let explicit = from_profile(&explicit);
    let implicit = from_profile(&implicit);
    let profiles = || explicit.iter().chain(implicit.iter());
    // A profile's value, at its level.
    let at = |level: &Option<(Source, Profile)>, get: &dyn Fn(&Profile) -> Option<String>| {
        level
            .as_ref()
            .and_then(|(source, p)| get(p).map(|v| (v, source.clone())))
    };

    let env_routing = ax::routing::Routing::from_env(env);
    // ax's active profile, read only when no profile of ours is selected
    // and the levels above leave the host or the key unset.
    let located_above = c.base_url.is_some()
        || c.region.is_some()
        || explicit
            .as_ref()
            .is_some_and(|(_, p)| p.base_url.is_some() || p.region.is_some())
        || ax_explicit.is_some()
        || env(BASE_URL_ENV).is_some()
        || env_routing.names_a_host();
    let keyed_above = c.api_key_file.is_some()
        || explicit
            .as_ref()
            .is_some_and(|(_, p)| p.api_key_file.is_some())
        || ax_explicit.is_some()
        || env(API_KEY_ENV).is_some();
    if c.profile.is_none()
        && implicit.is_none()
        && ax_implicit.is_none()
        && !(located_above && keyed_above)
    {
        if let Some(dir) = ax_dir {
            if let Some(name) = ax::profile::active_name(dir)? {
                let path = ax::profile::find(dir, &name).ok_or_else(|| {
                    Failure::Usage(format!(
                        "ax's active profile {name:?} (named in {}) has no file in {}; run \
                         `ax profiles use NAME` with one of: {}",
                        dir.join(".active_profile").display(),
                        dir.join("profiles").display(),
                        ax::profile::names(dir).join(", ")
                    ))
                })?;
                ax_implicit = Some((
                    ax_source(&name, &path, AX_ACTIVE),
                    ax::profile::load(&path, &name, env)?,
                ));
            }
        }
    }
    let ax_location = |chosen: &(Source, AxProfile)| -> Result<(Location, Source), Failure> {
        Ok((
            location_of(chosen.0.clone(), chosen.1.routing.resolve()?).0,
            chosen.0.clone(),
        ))
    };
    let ax_key = |chosen: &(Source, AxProfile)| {
        (KeyChoice::Ax(Box::new(chosen.1.clone())), chosen.0.clone())
    };

    let region = |name: String, source: Source| -> Result<(Location, Source), Failure> {
        name.parse::<Region>()
            .map(|r| (Location::Region(r), source.clone()))
            .map_err(|_| crate::connection::ax::routing::unknown_region(&name, &source.to_string()))
    };
    let profile_location = |level: &Option<(Source, Profile)>| match level {
        Some((source, p)) => match (&p.base_url, &p.region) {
            (Some(url), _) => Some(Ok((Location::BaseUrl(url.clone()), source.clone()))),
            (None, Some(name)) => Some(region(name.clone(), source.clone())),
            (None, None) => None,
        },
        None => None,
    };
    let location = if let Some(url) = &c.base_url {
        (Location::BaseUrl(url.clone()), Source::Flag("--base-url"))
    } else if let Some(name) = &c.region {
        region(name.clone(), Source::Flag("--region"))?
    } else if let Some(found) = profile_location(&explicit) {
        found?
    } else if let Some(chosen) = &ax_explicit {
        ax_location(chosen)?
    } else if let Some(url) = env(BASE_URL_ENV) {
        (Location::BaseUrl(url), Source::Env(BASE_URL_ENV))
    } else if env_routing.names_a_host() {
        location_of(
            Source::EnvVars(env_routing.sources()),
            env_routing.resolve()?,
        )
    } else if let Some(found) = profile_location(&implicit) {
        found?
    } else if let Some(chosen) = &ax_implicit {
        ax_location(chosen)?
    } else if !env_routing.is_empty() {
        location_of(
            Source::EnvVars(env_routing.sources()),
            env_routing.resolve()?,
        )
    } else {
        (Location::Region(Region::Global), Source::Default)
    };

    let key_file = |level: &Option<(Source, Profile)>| {
        at(level, &|p| {
            p.api_key_file
                .as_ref()
                .map(|f| f.to_string_lossy().into_owned())
        })
        .map(|(path, source)| (KeyChoice::File(PathBuf::from(path)), source))
    };
    let key = if let Some(path) = &c.api_key_file {
        Some((
            KeyChoice::File(path.clone()),
            Source::Flag("--api-key-file"),
        ))
    } else if let Some(found) = key_file(&explicit) {
        Some(found)
    } else if let Some(chosen) = &ax_explicit {
        Some(ax_key(chosen))
    } else if env(API_KEY_ENV).is_some() {
        Some((KeyChoice::Env, Source::Env(API_KEY_ENV)))
    } else if let Some(found) = key_file(&implicit) {
        Some(found)
    } else {
        ax_implicit.as_ref().map(ax_key)
    };

    let number = |flag: Option<u32>, name: &'static str, get: fn(&Profile) -> Option<u32>| {
        flag.map(|v| (v, Source::Flag(name)))
            .or_else(|| profiles().find_map(|(source, p)| get(p).map(|v| (v, source.clone()))))
    };
    let max_attempts = number(c.max_attempts, "--max-attempts", |p| p.max_attempts)
        .unwrap_or((DEFAULT_MAX_ATTEMPTS, Source::Default));
    let timeout = c
        .timeout
        .map(|t| (t, Source::Flag("--timeout")))
        .or_else(|| profiles().find_map(|(source, p)| p.timeout.map(|t| (t, source.clone()))));
    let page_size = profiles().find_map(|(source, p)| p.page_size.map(|n| (n, source.clone())));

    let ax_in_use = ax_explicit.as_ref().or(ax_implicit.as_ref());
    let ours_in_use =
        explicit
            .as_ref()
            .or(implicit.as_ref())
            .and_then(|(source, _)| match source {
                Source::Profile { name, via } => Some((name.clone(), *via)),
                _ => None,
            });
    Ok(Settings {
        config,
        profile: ours_in_use.or_else(|| {
            ax_in_use.and_then(|(source, _)| match source {
                Source::AxProfile { name, via, .. } => Some((name.clone(), *via)),
                _ => None,
            })
        }),
        ax_profile: ax_in_use.map(|(_, p)| p.path.clone()),
        location,
        key,
        max_attempts,
        timeout,
        page_size,
        max_response_bytes: c.max_response_bytes,
    })
}

/// A resolved routing as a location, with its source.
fn location_of(source: Source, resolved: Resolved) -> (Location, Source) {
    match resolved {
        Resolved::Region(region) => (Location::Region(region), source),
        Resolved::Url(url) => (Location::BaseUrl(url), source),
    }
}

/// The API key in a key file (its first line). Every key problem is exit 3.
fn read_key_file(path: &Path, source: &Source) -> Result<String, Failure> {
    let text = crate::small_file::read_text(path).map_err(|e| {
        Failure::Auth(format!(
            "cannot read the API key from {} ({source}): {e}",
            path.display()
        ))
    })?;
    crate::terminal::notice::warn_if_shared(path);
    let key = text.lines().next().unwrap_or("").trim().to_owned();
    if key.is_empty() {
        return Err(Failure::Auth(format!(
            "{} ({source}) holds no API key on its first line",
            path.display()
        )));
    }
    Ok(key)
}

fn no_key() -> Failure {
    Failure::Auth(
        "no API key: set ARIZE_API_KEY, pass --api-key-file FILE, or name a key file in a \
         profile (`api_key_file`); it must be an Arize account admin's key, from the region \
         the account lives in"
            .into(),
    )
    .with_hint("To try the tool without a key, run `arize-audit-logs demo`.".into())
}

/// The client, as the settings say (`pinned` is `None`), or for the host
/// and key source an export's journal pins: then a host given on the
/// command line (a flag, or a profile `--profile` names) must agree with it,
/// the environment's is not read, and `--api-key-file` replaces the recorded
/// key source (a key may be rotated between a failure and its resume).
/// Returns where it connects and where its key came from.
pub fn client_with(
    settings: &Settings,
    pinned: Option<&Target>,
) -> Result<(Client, Target), Failure> {
    // Where requests go (the journal's host when resuming): an `http://`
    // one without a TLS proxy needs a client without the system's roots.
    let url = match pinned {
        Some(target) => target.base_url.clone(),
        None => settings.location.0.base_url(),
    };
    let mut builder = Client::builder()
        .http_client(crate::connection::transport::client_for(&url)?)
        .ignore_environment()
        .retry_policy(RetryPolicy::default().max_attempts(settings.max_attempts.0));
    if let Some(policy) = crate::hooks::no_progress_policy() {
        builder = builder.no_progress_policy(policy);
    }

    let key_choice = match (&settings.key, pinned.map(|t| &t.key)) {
        (Some((choice, source @ Source::Flag(_))), _) => Some((choice.clone(), source.clone())),
        (_, Some(KeySource::File { path })) => Some((
            KeyChoice::File(path.clone()),
            Source::Flag("the journal's key file"),
        )),
        (_, Some(KeySource::Env)) => Some((KeyChoice::Env, Source::Env(API_KEY_ENV))),
        (_, Some(KeySource::AxProfile { path })) => {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
            let profile = ax::profile::load(path, &name, &env)?;
            Some((
                KeyChoice::Ax(Box::new(profile)),
                Source::Flag("the journal's ax profile"),
            ))
        }
        // A state a service made with its own client: this run's key.
        (key, None | Some(KeySource::Caller)) => key.clone(),
    };
    let key_source = match key_choice {
        Some((KeyChoice::File(path), source)) => {
            let path = std::path::absolute(&path).unwrap_or(path);
            builder = builder.api_key(read_key_file(&path, &source)?);
            KeySource::File { path }
        }
        Some((KeyChoice::Env, _)) => {
            let key = std::env::var(API_KEY_ENV).unwrap_or_default();
            if key.trim().is_empty() {
                return Err(no_key());
            }
            builder = builder.api_key(key);
            KeySource::Env
        }
        Some((KeyChoice::Ax(profile), _)) => {
            builder = ax::authenticate(builder, &profile)?;
            KeySource::AxProfile {
                path: profile.path.clone(),
            }
        }
        None => return Err(no_key()),
    };

    let (location, source) = &settings.location;
    match pinned {
        Some(target) => {
            let url = location.base_url();
            if source.explicit() && url != target.base_url.trim_end_matches('/') {
                return Err(Failure::Usage(format!(
                    "{url} ({source}) contradicts the journal, which continues an export from {}: \
                     --resume uses the journal's host, so leave the host out",
                    target.base_url
                )));
            }
            builder = builder.base_url(target.base_url.clone());
        }
        None => {
            builder = match location {
                Location::BaseUrl(url) => builder.base_url(url.clone()),
                Location::Region(region) => builder.region(region.clone()),
            };
        }
    }
    if let Some((timeout, _)) = settings.timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(bytes) = settings.max_response_bytes {
        builder = builder.max_response_bytes(bytes);
    }
    match builder.build() {
        Err(Error::Config(ConfigError::MissingApiKey)) => Err(no_key()),
        Err(Error::Config(e)) => Err(Failure::Usage(config_message(&e, source))),
        Err(e) => Err(e.into()),
        Ok(client) => {
            let target = Target {
                base_url: client.base_url().to_owned(),
                key: key_source,
            };
            Ok((client, target))
        }
    }
}

/// A configuration error in the command line's words.
fn config_message(e: &ConfigError, source: &Source) -> String {
    match e {
        ConfigError::InvalidBaseUrl { url, reason, .. } => {
            format!("invalid base URL {url:?} ({source}): {reason}")
        }
        ConfigError::InsecureBaseUrl { url } => format!(
            "refusing the plain-http base URL {url:?} ({source}): the API key would cross the \
             network unencrypted; use an https URL (plain http is allowed for localhost only)"
        ),
        ConfigError::InvalidApiKey => "the API key contains characters that cannot be sent in \
             an HTTP header (control characters or non-ASCII); check that it was copied whole \
             and without a line break"
            .into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Args {
        #[command(flatten)]
        c: ConnectionArgs,
    }

    fn config(text: &str) -> Config {
        let dir = std::env::temp_dir().join(format!("arize-connect-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("{n}.toml"));
        std::fs::write(&path, text).expect("write");
        let config = Config::read(&path).expect("config");
        std::fs::remove_file(&path).ok();
        config
    }

    const FILE: &str = "[profiles.default]\nregion = \"ca-central-1a\"\napi_key_file = \"/keys/default\"\npage_size = 10\n\
        [profiles.eu]\nregion = \"eu-west-1a\"\napi_key_file = \"/keys/eu\"\nmax_attempts = 9\n\
        [profiles.bare]\npage_size = 20\n";

    fn resolved(args: &[&str], env: &[(&str, &str)]) -> Settings {
        let args = Args::parse_from(std::iter::once("t").chain(args.iter().copied()));
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        resolve(&args.c, config(FILE), None, &lookup).unwrap_or_else(|f| panic!("{}", f.report()))
    }

    fn url(s: &Settings) -> (String, String) {
        (s.location.0.base_url(), s.location.1.to_string())
    }

    #[test]
    fn a_flag_beats_everything() {
        let s = resolved(
            &[
                "--region",
                "us-east-1b",
                "--profile",
                "eu",
                "--api-key-file",
                "/k",
                "--max-attempts",
                "2",
            ],
            &[("ARIZE_REGION", "global"), ("ARIZE_API_KEY", "x")],
        );
        assert_eq!(
            url(&s),
            ("https://api.us-east-1b.arize.com".into(), "--region".into())
        );
        assert_eq!(
            s.key,
            Some((KeyChoice::File("/k".into()), Source::Flag("--api-key-file")))
        );
        assert_eq!(s.max_attempts, (2, Source::Flag("--max-attempts")));
    }

    #[test]
    fn a_profile_named_on_the_command_line_beats_the_environment() {
        let s = resolved(
            &["--profile", "eu"],
            &[
                ("ARIZE_BASE_URL", "https://env.example"),
                ("ARIZE_API_KEY", "x"),
            ],
        );
        let eu = Source::Profile {
            name: "eu".into(),
            via: "--profile",
        };
        assert_eq!(s.location, (Location::Region(Region::EuWest1a), eu.clone()));
        assert_eq!(
            s.key,
            Some((KeyChoice::File("/keys/eu".into()), eu.clone()))
        );
        assert_eq!(s.max_attempts, (9, eu));
        // A named profile replaces the default one: nothing is merged in.
        assert_eq!(s.page_size, None);
    }

    #[test]
    fn the_environment_beats_a_profile_it_selects_and_the_default_one() {
        let s = resolved(
            &[],
            &[
                ("ARIZE_PROFILE", "eu"),
                ("ARIZE_REGION", "us-central-1a"),
                ("ARIZE_API_KEY", "x"),
            ],
        );
        assert_eq!(
            url(&s),
            (
                "https://api.us-central-1a.arize.com".into(),
                "ARIZE_REGION".into()
            )
        );
        assert_eq!(s.key, Some((KeyChoice::Env, Source::Env("ARIZE_API_KEY"))));
        let eu = Source::Profile {
            name: "eu".into(),
            via: "ARIZE_PROFILE",
        };
        assert_eq!(s.max_attempts, (9, eu));

        let s = resolved(
            &[],
            &[
                ("ARIZE_BASE_URL", "https://env.example"),
                ("ARIZE_REGION", "global"),
            ],
        );
        assert_eq!(
            url(&s),
            ("https://env.example".into(), "ARIZE_BASE_URL".into())
        );
    }

    #[test]
    fn the_default_profile_applies_when_nothing_else_says() {
        let s = resolved(&[], &[]);
        let default = Source::Profile {
            name: "default".into(),
            via: "being the default",
        };
        assert_eq!(
            s.location,
            (Location::Region(Region::CaCentral1a), default.clone())
        );
        assert_eq!(
            s.key,
            Some((KeyChoice::File("/keys/default".into()), default.clone()))
        );
        assert_eq!(s.page_size, Some((10, default)));
        assert_eq!(s.max_attempts, (DEFAULT_MAX_ATTEMPTS, Source::Default));
    }

    #[test]
    fn without_a_config_the_built_in_defaults_apply() {
        let args = Args::parse_from(["t"]);
        let s = resolve(&args.c, Config::default(), None, &|_| None).expect("settings");
        assert_eq!(
            s.location,
            (Location::Region(Region::Global), Source::Default)
        );
        assert_eq!(s.key, None);
        assert_eq!(s.timeout, None);
    }

    #[test]
    fn an_unknown_region_lists_the_known_ones_and_points_to_base_url_naming_its_source() {
        let args = Args::parse_from(["t", "--region", "mars-1a"]);
        let f = resolve(&args.c, Config::default(), None, &|_| None).expect_err("unknown");
        let m = f.report();
        assert_eq!(f.exit_code(), 2);
        assert!(
            m.contains("\"mars-1a\" (--region)")
                && m.contains(&Region::known_names())
                && m.contains("--base-url"),
            "{m}"
        );
        let args = Args::parse_from(["t"]);
        let env = |n: &str| (n == "ARIZE_REGION").then(|| "eu-west-9".to_owned());
        let m = resolve(&args.c, Config::default(), None, &env)
            .expect_err("unknown")
            .report();
        assert!(m.contains("(ARIZE_REGION)"), "{m}");
    }

    #[test]
    fn an_unknown_profile_is_a_usage_error_listing_the_profiles() {
        let args = Args::parse_from(["t", "--profile", "prod"]);
        let f = resolve(&args.c, config(FILE), None, &|_| None).expect_err("unknown");
        assert_eq!(f.exit_code(), 2);
        assert!(f.report().contains("bare, default, eu"), "{}", f.report());
    }

    /// An `ax` directory holding `profiles` (name, text) and naming
    /// `active` in `.active_profile`.
    fn ax_dir(profiles: &[(&str, &str)], active: Option<&str>) -> PathBuf {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("arize-connect-ax-{}-{n}", std::process::id()));
        std::fs::create_dir_all(dir.join("profiles")).expect("dir");
        for (name, text) in profiles {
            std::fs::write(dir.join("profiles").join(format!("{name}.toml")), text).expect("write");
        }
        if let Some(active) = active {
            std::fs::write(dir.join(".active_profile"), active).expect("active");
        }
        dir
    }

    const AX_WORK: &str = "[auth]\nauth_method = \"api-key\"\napi_key = \"ax-work-key\"\n\
        [routing]\nsingle_host = \"127.0.0.1\"\nsingle_port = \"18777\"\napi_scheme = \"http\"\n";
    const AX_EU: &str = "[auth]\napi_key = \"ax-eu-key\"\n[routing]\nregion = \"eu-west-1a\"\n";

    fn with_ax(
        args: &[&str],
        file: &str,
        dir: &Path,
        env: &[(&str, &str)],
    ) -> Result<Settings, Failure> {
        let args = Args::parse_from(std::iter::once("t").chain(args.iter().copied()));
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let config = if file.is_empty() {
            Config::default()
        } else {
            config(file)
        };
        resolve(&args.c, config, Some(dir), &lookup)
    }

    fn ax_key_of(s: &Settings) -> Option<(String, String)> {
        match &s.key {
            Some((KeyChoice::Ax(p), source)) => Some((p.name.clone(), source.to_string())),
            _ => None,
        }
    }

    #[test]
    fn the_active_ax_profile_supplies_host_and_key_when_nothing_else_does() {
        let dir = ax_dir(&[("work", AX_WORK), ("eu", AX_EU)], Some("work"));
        let s = with_ax(&[], "", &dir, &[]).expect("settings");
        let source = url(&s).1;
        assert_eq!(url(&s).0, "http://127.0.0.1:18777");
        assert!(
            source.contains("ax profile \"work\"")
                && source.contains("work.toml")
                && source.contains(AX_ACTIVE),
            "{source}"
        );
        assert_eq!(ax_key_of(&s).map(|k| k.0).as_deref(), Some("work"));
        assert_eq!(s.profile, Some(("work".into(), AX_ACTIVE)));
        assert!(s
            .ax_profile
            .is_some_and(|p| p.ends_with("profiles/work.toml")));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn the_environment_beats_the_active_ax_profile_setting_by_setting() {
        let dir = ax_dir(&[("work", AX_WORK)], Some("work"));
        let s = with_ax(&[], "", &dir, &[("ARIZE_API_KEY", "k")]).expect("settings");
        assert_eq!(s.key, Some((KeyChoice::Env, Source::Env("ARIZE_API_KEY"))));
        assert_eq!(
            url(&s).0,
            "http://127.0.0.1:18777",
            "the host still from ax"
        );
        let s = with_ax(&[], "", &dir, &[("ARIZE_REGION", "EU")]).expect("settings");
        assert_eq!(
            url(&s),
            (
                "https://api.eu-west-1a.arize.com".into(),
                "ARIZE_REGION".into()
            )
        );
        assert_eq!(
            ax_key_of(&s).map(|k| k.0).as_deref(),
            Some("work"),
            "the key still from ax"
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_profile_of_ours_keeps_ax_out_and_the_active_one_is_not_read_when_not_needed() {
        let dir = ax_dir(&[("work", AX_WORK)], Some("work"));
        let s = with_ax(&[], FILE, &dir, &[]).expect("settings");
        assert_eq!(s.location.0, Location::Region(Region::CaCentral1a));
        assert_eq!(s.ax_profile, None);
        // A broken active profile does not matter when nothing is taken from it.
        let broken = ax_dir(&[("work", "[auth]\napi_key = \"unclosed\n")], Some("gone"));
        let s = with_ax(
            &["--base-url", "https://h.example"],
            "",
            &broken,
            &[("ARIZE_API_KEY", "k")],
        )
        .expect("settings");
        assert_eq!(s.ax_profile, None);
        let f = with_ax(&[], "", &broken, &[]).expect_err("it is needed");
        assert_eq!(f.exit_code(), 2);
        assert!(
            f.report().contains("\"gone\"") && f.report().contains("ax profiles use"),
            "{}",
            f.report()
        );
        std::fs::remove_dir_all(dir).ok();
        std::fs::remove_dir_all(broken).ok();
    }

    #[test]
    fn a_name_finds_an_ax_profile_when_the_config_file_has_none_of_that_name() {
        let dir = ax_dir(
            &[("work", AX_WORK), ("paris", AX_EU), ("default", AX_WORK)],
            Some("work"),
        );
        // --profile: as deliberate as a flag, so it beats the environment.
        let s = with_ax(
            &["--profile", "work"],
            FILE,
            &dir,
            &[("ARIZE_REGION", "us"), ("ARIZE_API_KEY", "k")],
        )
        .expect("settings");
        assert_eq!(url(&s).0, "http://127.0.0.1:18777");
        assert!(url(&s).1.contains("selected by --profile"), "{}", url(&s).1);
        assert!(s.location.1.explicit());
        assert_eq!(ax_key_of(&s).map(|k| k.0).as_deref(), Some("work"));
        // ARIZE_PROFILE: below the environment.
        let s = with_ax(&[], FILE, &dir, &[("ARIZE_PROFILE", "paris")]).expect("settings");
        assert_eq!(s.location.0, Location::Region(Region::EuWest1a));
        assert!(ax_key_of(&s)
            .is_some_and(|(name, src)| name == "paris" && src.contains("ARIZE_PROFILE")));
        // The config file's profile of a name wins over ax's.
        let s = with_ax(&["--profile", "default"], FILE, &dir, &[]).expect("settings");
        assert_eq!(s.location.0, Location::Region(Region::CaCentral1a));
        assert_eq!(s.ax_profile, None);
        // Neither has it: both lists.
        let m = with_ax(&["--profile", "prod"], FILE, &dir, &[])
            .expect_err("none")
            .report();
        assert!(
            m.contains("bare, default, eu") && m.contains("default, paris, work"),
            "{m}"
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn the_sdks_variables_rank_with_the_environment_below_arize_base_url() {
        let dir = ax_dir(&[], None);
        let env = [
            ("ARIZE_SINGLE_HOST", "127.0.0.1"),
            ("ARIZE_SINGLE_PORT", "9"),
            ("ARIZE_API_SCHEME", "http"),
        ];
        let s = with_ax(&[], FILE, &dir, &env).expect("settings");
        assert_eq!(
            url(&s),
            (
                "http://127.0.0.1:9".into(),
                "ARIZE_SINGLE_HOST + ARIZE_SINGLE_PORT + ARIZE_API_SCHEME".into()
            ),
            "beats the default profile"
        );
        let mut with_ours = env.to_vec();
        with_ours.push(("ARIZE_BASE_URL", "https://ours.example"));
        let s = with_ax(&[], FILE, &dir, &with_ours).expect("settings");
        assert_eq!(
            url(&s),
            ("https://ours.example".into(), "ARIZE_BASE_URL".into())
        );
        let s = with_ax(&["--profile", "eu"], FILE, &dir, &env).expect("settings");
        assert_eq!(
            s.location.0,
            Location::Region(Region::EuWest1a),
            "--profile beats them"
        );
        // A scheme or port alone names no host: the profile's stands, and
        // they apply to the built-in default only.
        let s = with_ax(&[], FILE, &dir, &[("ARIZE_API_PORT", "8443")]).expect("settings");
        assert_eq!(s.location.0, Location::Region(Region::CaCentral1a));
        let s = with_ax(&[], "", &dir, &[("ARIZE_API_PORT", "8443")]).expect("settings");
        assert_eq!(url(&s).0, "https://api.arize.com:8443");
        let m = with_ax(
            &[],
            "",
            &dir,
            &[("ARIZE_REGION", "eu"), ("ARIZE_BASE_DOMAIN", "d")],
        )
        .expect_err("contradiction")
        .report();
        assert!(
            m.contains("ARIZE_REGION") && m.contains("ARIZE_BASE_DOMAIN"),
            "{m}"
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn the_region_flag_and_a_profiles_region_take_the_aliases() {
        let s = resolved(&["--region", "EU"], &[]);
        assert_eq!(s.location.0, Location::Region(Region::EuWest1a));
        let s = resolved(&[], &[("ARIZE_REGION", "ca")]);
        assert_eq!(s.location.0, Location::Region(Region::CaCentral1a));
    }
}
