//! The client a command uses: its key (from the environment or a key file),
//! host, retries and timeout, and the logging of its requests.

use std::path::Path;

use arize_audit_logs::{Client, ConfigError, Error, RetryPolicy};

use crate::{
    cli::ConnectionArgs,
    failure::Failure,
    journal::{KeySource, Target},
};

pub fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "error",
        1 => "arize_audit_logs=warn",
        2 => "arize_audit_logs=info",
        _ => "arize_audit_logs=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// The API key in a key file (its first line). Every key problem is exit 3.
fn api_key(path: &Path) -> Result<String, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::Auth(format!(
            "cannot read the API key from {} (--api-key-file): {e}",
            path.display()
        ))
    })?;
    warn_if_shared(path);
    let key = text.lines().next().unwrap_or("").trim().to_owned();
    if key.is_empty() {
        return Err(Failure::Auth(format!(
            "{} (--api-key-file) holds no API key on its first line",
            path.display()
        )));
    }
    Ok(key)
}

/// Warns when a key file is readable or writable by group or others.
#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            eprintln!(
                "warning: {} is accessible to other users (mode {mode:03o}); restrict it with `chmod 600 {}`",
                path.display(),
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_: &Path) {}

pub fn client(connection: &ConnectionArgs) -> Result<Client, Failure> {
    client_for(connection, None).map(|(client, _)| client)
}

/// The client, as the command line says (`pinned` is `None`), or for the host
/// and key source an export's journal pins: then `--base-url` and `--region`
/// must agree with it, `ARIZE_BASE_URL` is not read, and `--api-key-file`
/// replaces the recorded key source (a key may be rotated between a failure
/// and its resume). Returns where it connects and where its key came from.
pub fn client_for(
    connection: &ConnectionArgs,
    pinned: Option<&Target>,
) -> Result<(Client, Target), Failure> {
    init_logging(connection.verbose);
    let mut builder = Client::builder()
        .retry_policy(RetryPolicy::default().max_attempts(connection.max_attempts));
    let key_source = match (&connection.api_key_file, pinned.map(|t| &t.key)) {
        (Some(path), _) | (None, Some(KeySource::File { path })) => KeySource::File {
            path: std::path::absolute(path).unwrap_or_else(|_| path.clone()),
        },
        (None, _) => KeySource::Env,
    };
    if let KeySource::File { path } = &key_source {
        builder = builder.api_key(api_key(path)?);
    }
    match pinned {
        Some(target) => {
            let given = match (&connection.base_url, &connection.region) {
                (Some(url), _) => Some(("--base-url", url.trim_end_matches('/').to_owned())),
                (None, Some(region)) => Some(("--region", region.base_url())),
                (None, None) => None,
            };
            if let Some((flag, url)) = given {
                if url != target.base_url.trim_end_matches('/') {
                    return Err(Failure::Usage(format!(
                        "{flag} ({url}) contradicts the journal, which continues an export from {}: \
                         --resume uses the journal's host, so leave {flag} out",
                        target.base_url
                    )));
                }
            }
            builder = builder.base_url(target.base_url.clone());
        }
        None => {
            if let Some(url) = &connection.base_url {
                builder = builder.base_url(url.clone());
            }
            if let Some(region) = &connection.region {
                builder = builder.region(region.clone());
            }
        }
    }
    if let Some(timeout) = connection.timeout {
        builder = builder.timeout(timeout);
    }
    match builder.build() {
        Err(Error::Config(ConfigError::MissingApiKey)) => Err(Failure::Auth(
            "no API key: set ARIZE_API_KEY or pass --api-key-file FILE (an Arize account admin's key, \
             from the region the account lives in)"
                .into(),
        )
        .with_hint("To try the tool without a key, run `arize-audit-logs demo`.".into())),
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
