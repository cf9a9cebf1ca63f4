//! The HTTP client every request of the tool goes through (the audit log,
//! an OAuth refresh), with the Arize SDK's TLS and proxy settings, in the
//! SDK's meaning:
//!
//! - `ARIZE_REQUEST_VERIFY`: `false` (or `0`, `no`, `off`) turns certificate
//!   verification off, with a warning; `true`, `1`, `yes`, `on` or unset
//!   keep it. Anything else is refused (the SDK would read it as `false`).
//! - `ARIZE_SSL_CA_CERT`, else `REQUESTS_CA_BUNDLE`, else `SSL_CERT_FILE`: a
//!   PEM bundle of CA certificates trusted in addition to the system's (an
//!   on-premises host, a proxy that inspects TLS).
//! - `ARIZE_PROXY_URL`, else `HTTPS_PROXY`, else `HTTP_PROXY` (either
//!   letter case): the proxy of every request, whatever its scheme, except
//!   to the hosts `NO_PROXY` lists.
//!
//! A client for a plain `http://` URL that no proxy reaches over TLS (the
//! fake server, a service on this machine) loads neither the system's trust
//! roots nor the CA bundle: it never makes a TLS connection, and loading the
//! roots costs about 25 ms at start-up.

use std::{path::PathBuf, sync::OnceLock};

use crate::failure::Failure;

/// The variables read, in the order each setting looks at them.
pub const VERIFY_ENV: &str = "ARIZE_REQUEST_VERIFY";
/// Where a CA bundle is named, first set wins.
pub const CA_BUNDLE_ENV: [&str; 3] = ["ARIZE_SSL_CA_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"];
/// Where a proxy is named, first set wins.
pub const PROXY_ENV: [&str; 5] = [
    "ARIZE_PROXY_URL",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
];

/// The transport settings, with the variable each came from.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Transport {
    /// Whether certificates are verified.
    pub verify: bool,
    /// A PEM bundle of extra CA certificates, and the variable naming it.
    pub ca_bundle: Option<(PathBuf, &'static str)>,
    /// The proxy URL, and the variable naming it.
    pub proxy: Option<(String, &'static str)>,
    /// The hosts reached without the proxy (`NO_PROXY`'s format).
    pub no_proxy: Option<String>,
}

/// Reads the settings from `env`; a value that cannot be used is a usage
/// error naming its variable.
pub fn settings(env: &dyn Fn(&str) -> Option<String>) -> Result<Transport, Failure> {
    let first = |names: &[&'static str]| {
        names
            .iter()
            .find_map(|name| env(name).map(|v| (v.trim().to_owned(), *name)))
    };
    let verify = match env(VERIFY_ENV).map(|v| v.trim().to_ascii_lowercase()) {
        None => true,
        Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => true,
        Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => false,
        Some(v) => {
            return Err(Failure::Usage(format!(
                "{VERIFY_ENV}={v:?} is neither true nor false (true, 1, yes, on / false, 0, no, \
                 off)"
            )))
        }
    };
    let proxy = first(&PROXY_ENV);
    if let Some((url, name)) = &proxy {
        check_proxy(url, name)?;
    }
    Ok(Transport {
        verify,
        ca_bundle: first(&CA_BUNDLE_ENV).map(|(path, name)| (PathBuf::from(path), name)),
        proxy,
        no_proxy: env("NO_PROXY").or_else(|| env("no_proxy")),
    })
}

/// A proxy URL reqwest can use; the message never repeats the URL, which
/// may carry a password.
fn check_proxy(url: &str, name: &str) -> Result<(), Failure> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Failure::Usage(format!("{name} is not a URL ({e})")))?;
    match parsed.scheme() {
        "http" | "https" | "socks5" | "socks5h" => Ok(()),
        other => Err(Failure::Usage(format!(
            "{name} has the scheme {other:?}; a proxy URL is http://, https:// or socks5://"
        ))),
    }
}

/// Whether requests to `url` under these settings never make a TLS
/// connection (the library's rule, [`arize_audit_logs::reached_without_tls`],
/// with the proxy they name): then the client need not load the system's
/// trust roots. `NO_PROXY` is not consulted: it can only make a request go
/// direct, which for an `http://` URL needs no TLS either.
pub fn plain_text(settings: &Transport, url: &str) -> bool {
    arize_audit_logs::reached_without_tls(url, settings.proxy.iter().map(|(p, _)| p.as_str()))
}

/// Builds the client the settings describe, from the library's own
/// starting point (redirects within one origin, its user agent). `plain`
/// (only where [`plain_text`] holds): neither the system's trust roots nor
/// the CA bundle are loaded, and an https connection would fail
/// verification.
pub fn build(settings: &Transport, plain: bool) -> Result<reqwest::Client, Failure> {
    let mut builder = arize_audit_logs::http_client_builder();
    if !settings.verify {
        // Once a process, though it may build a client of each kind.
        static WARNED: std::sync::Once = std::sync::Once::new();
        WARNED.call_once(|| {
            crate::terminal::notice::warn(&format!(
                "warning: {VERIFY_ENV} is false: TLS certificates are not verified, so anyone on \
                 the path can read the credentials and the audit log"
            ));
        });
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    // A client that never makes a TLS connection has no use for a CA.
    if let Some((path, name)) = settings.ca_bundle.as_ref().filter(|_| !plain) {
        let pem = std::fs::read(path).map_err(|e| {
            Failure::Usage(format!(
                "cannot read the CA bundle {} ({name}): {e}",
                path.display()
            ))
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .ok()
            .filter(|certs| !certs.is_empty())
            .ok_or_else(|| {
                Failure::Usage(format!(
                    "the CA bundle {} ({name}) holds no PEM certificate",
                    path.display()
                ))
            })?;
        builder = builder.tls_certs_merge(certs);
    }
    match &settings.proxy {
        Some((url, name)) => {
            let proxy = reqwest::Proxy::all(url.as_str())
                .map_err(|_| Failure::Usage(format!("{name} is not a usable proxy URL")))?
                .no_proxy(
                    settings
                        .no_proxy
                        .as_deref()
                        .and_then(reqwest::NoProxy::from_string),
                );
            builder = builder.proxy(proxy);
        }
        // Nothing names a proxy: none is used (not even one reqwest would
        // find elsewhere), so there is one rule.
        None => builder = builder.no_proxy(),
    }
    if plain {
        builder = arize_audit_logs::without_tls_roots(builder);
    }
    builder
        .build()
        .map_err(|e| Failure::Usage(format!("the HTTP client cannot be built: {e}")))
}

/// The process's client for requests to `url` (the audit log's base URL,
/// an OAuth token URL), from its environment. Built once for each kind, so
/// a warning is printed once and every request of a kind shares one
/// connection pool: the client that can make TLS connections, as every
/// https URL gets, and, for a URL [`plain_text`] says needs no TLS, one that
/// skips loading the system's trust roots (about 25 ms at start-up).
pub fn client_for(url: &str) -> Result<reqwest::Client, Failure> {
    static TLS: OnceLock<reqwest::Client> = OnceLock::new();
    static PLAIN: OnceLock<reqwest::Client> = OnceLock::new();
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let settings = settings(&env)?;
    let plain = plain_text(&settings, url);
    let cell = if plain { &PLAIN } else { &TLS };
    if let Some(client) = cell.get() {
        return Ok(client.clone());
    }
    let client = build(&settings, plain)?;
    Ok(cell.get_or_init(|| client).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<Transport, Failure> {
        let env = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        };
        settings(&env)
    }

    #[test]
    fn the_arize_variable_beats_the_standard_ones_as_in_the_sdk() {
        let t = read(&[
            ("SSL_CERT_FILE", "/c.pem"),
            ("REQUESTS_CA_BUNDLE", "/b.pem"),
            ("HTTP_PROXY", "http://h:1"),
            ("HTTPS_PROXY", "http://s:2"),
        ])
        .expect("settings");
        assert_eq!(
            t.ca_bundle,
            Some((PathBuf::from("/b.pem"), "REQUESTS_CA_BUNDLE"))
        );
        assert_eq!(t.proxy, Some(("http://s:2".into(), "HTTPS_PROXY")));
        let t = read(&[
            ("ARIZE_SSL_CA_CERT", "/a.pem"),
            ("REQUESTS_CA_BUNDLE", "/b.pem"),
            ("ARIZE_PROXY_URL", "http://a:3"),
            ("HTTPS_PROXY", "http://s:2"),
        ])
        .expect("settings");
        assert_eq!(
            t.ca_bundle,
            Some((PathBuf::from("/a.pem"), "ARIZE_SSL_CA_CERT"))
        );
        assert_eq!(t.proxy, Some(("http://a:3".into(), "ARIZE_PROXY_URL")));
        assert!(t.verify);
    }

    #[test]
    fn request_verify_takes_the_sdk_words_and_refuses_others() {
        for off in ["false", "0", "No", "OFF"] {
            assert!(!read(&[(VERIFY_ENV, off)]).expect(off).verify, "{off}");
        }
        for on in ["true", "1", "yes", "On"] {
            assert!(read(&[(VERIFY_ENV, on)]).expect(on).verify, "{on}");
        }
        let Err(Failure::Usage(message)) = read(&[(VERIFY_ENV, "flase")]) else {
            panic!("a typo is refused");
        };
        assert!(message.contains(VERIFY_ENV), "{message}");
    }

    #[test]
    fn only_an_http_url_without_a_tls_proxy_gets_the_client_without_system_roots() {
        let direct = read(&[]).expect("settings");
        assert!(plain_text(&direct, "http://127.0.0.1:8080"));
        assert!(!plain_text(&direct, "https://api.arize.com"));
        let tls_proxy = read(&[("HTTPS_PROXY", "https://proxy:3128")]).expect("settings");
        assert!(!plain_text(&tls_proxy, "http://127.0.0.1:8080"));
        let proxy = read(&[("ARIZE_PROXY_URL", "http://proxy:3128")]).expect("settings");
        assert!(plain_text(&proxy, "http://127.0.0.1:8080"));
        assert!(!plain_text(&proxy, "https://api.arize.com"));
    }

    #[test]
    fn a_bad_proxy_url_is_refused_naming_the_variable_and_never_its_password() {
        let Err(Failure::Usage(message)) = read(&[("ARIZE_PROXY_URL", "ftp://u:s3cret@p:21")])
        else {
            panic!("an ftp proxy is refused");
        };
        assert!(message.contains("ARIZE_PROXY_URL"), "{message}");
        assert!(!message.contains("s3cret"), "{message}");
    }
}
