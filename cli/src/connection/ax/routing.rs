//! How Arize's Python SDK (`arize` 8.61, which `ax` bundles) turns its
//! routing settings into the API's URL, for the same settings read from the
//! environment (`ARIZE_REGION`, `ARIZE_SINGLE_HOST`, …) or from an `ax`
//! profile's `[routing]` table:
//!
//! - `region`, `single_host`/`single_port` and `base_domain` each name the
//!   host, and are mutually exclusive: two of them are refused, naming both,
//!   as the SDK raises `MultipleEndpointOverridesError`;
//! - the host is `api.<region>.arize.com`, the single host,
//!   `api.<base_domain>`, else `api_host` (default `api.arize.com`);
//! - the port is `api_port` when set (not 0), else `single_port`, else none
//!   (the scheme's own);
//! - the URL is `api_scheme://host[:port]`, the scheme `https` unless set
//!   (`http` or `https`, any case).
//!
//! Whether plain http is allowed stays the library's rule (loopback only).

use arize_audit_logs::Region;

use crate::failure::Failure;

/// One routing setting: its value (trimmed, not empty) and where it was
/// read, in words for messages (`ARIZE_REGION`, `` `region` in FILE ``).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Set {
    /// The value as given, trimmed.
    pub value: String,
    /// Where it was read.
    pub from: String,
}

/// The SDK's routing settings, each where it was read (`None`: not set).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Routing {
    /// A region name or alias (`eu-west-1a`, `EU`).
    pub region: Option<Set>,
    /// One host for every service (on-premises).
    pub single_host: Option<Set>,
    /// The single host's port.
    pub single_port: Option<Set>,
    /// Hosts become `api.<base_domain>` (Private Connect).
    pub base_domain: Option<Set>,
    /// The API's host, when nothing above names one.
    pub api_host: Option<Set>,
    /// `http` or `https`.
    pub api_scheme: Option<Set>,
    /// The API's port (0: the scheme's).
    pub api_port: Option<Set>,
}

/// The SDK's environment variables that this tool reads, by setting.
pub const ENV: [(&str, &str); 7] = [
    ("region", "ARIZE_REGION"),
    ("single_host", "ARIZE_SINGLE_HOST"),
    ("single_port", "ARIZE_SINGLE_PORT"),
    ("base_domain", "ARIZE_BASE_DOMAIN"),
    ("api_host", "ARIZE_API_HOST"),
    ("api_scheme", "ARIZE_API_SCHEME"),
    ("api_port", "ARIZE_API_PORT"),
];

/// Where a resolved routing sends requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A region's own URL (https, no port).
    Region(Region),
    /// Any other URL.
    Url(String),
}

impl Routing {
    /// The settings the environment gives (`env` returns only non-blank
    /// values).
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Self {
        let mut routing = Self::default();
        for (setting, name) in ENV {
            if let Some(value) = env(name).map(|v| v.trim().to_owned()) {
                if !value.is_empty() {
                    *routing.slot(setting) = Some(Set {
                        value,
                        from: name.to_owned(),
                    });
                }
            }
        }
        routing
    }

    /// The field of `setting` (one of [`ENV`]'s names).
    pub fn slot(&mut self, setting: &str) -> &mut Option<Set> {
        match setting {
            "region" => &mut self.region,
            "single_host" => &mut self.single_host,
            "single_port" => &mut self.single_port,
            "base_domain" => &mut self.base_domain,
            "api_host" => &mut self.api_host,
            "api_scheme" => &mut self.api_scheme,
            _ => &mut self.api_port,
        }
    }

    fn all(&self) -> [&Option<Set>; 7] {
        [
            &self.region,
            &self.single_host,
            &self.single_port,
            &self.base_domain,
            &self.api_host,
            &self.api_scheme,
            &self.api_port,
        ]
    }

    /// Whether a setting that names a host is set (the scheme or a port
    /// alone name none).
    pub fn names_a_host(&self) -> bool {
        self.region.is_some()
            || self.single_host.is_some()
            || self.single_port.is_some()
            || self.base_domain.is_some()
            || self.api_host.is_some()
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.all().iter().all(|s| s.is_none())
    }

    /// Where each setting that is set was read, in order, without repeats.
    pub fn sources(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for set in self.all().into_iter().flatten() {
            if !out.contains(&set.from) {
                out.push(set.from.clone());
            }
        }
        out
    }

    /// The region, parsed (aliases included).
    pub fn parsed_region(&self) -> Result<Option<Region>, Failure> {
        self.region
            .as_ref()
            .map(|set| {
                set.value
                    .parse::<Region>()
                    .map_err(|_| unknown_region(&set.value, &set.from))
            })
            .transpose()
    }

    /// The URL the SDK would use, or why these settings cannot be used.
    pub fn resolve(&self) -> Result<Resolved, Failure> {
        let single = self.single_host.as_ref().or(self.single_port.as_ref());
        let overrides: Vec<(&str, &Set)> = [
            ("region", self.region.as_ref()),
            (
                if self.single_host.is_some() {
                    "single_host"
                } else {
                    "single_port"
                },
                single,
            ),
            ("base_domain", self.base_domain.as_ref()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.map(|s| (name, s)))
        .collect();
        if let [(a, first), (b, second), ..] = overrides.as_slice() {
            return Err(Failure::Usage(format!(
                "contradictory endpoint settings: {a} ({}) and {b} ({}) each name the host; keep \
                 one of region, single_host/single_port and base_domain (Arize's SDK refuses \
                 this too, with MultipleEndpointOverridesError)",
                first.from, second.from
            )));
        }
        let scheme = match &self.api_scheme {
            None => "https".to_owned(),
            Some(set) => {
                let scheme = set.value.to_ascii_lowercase();
                if scheme != "http" && scheme != "https" {
                    return Err(Failure::Usage(format!(
                        "api_scheme ({}) must be http or https, not {:?}",
                        set.from,
                        arize_audit_logs::escape_control(&set.value)
                    )));
                }
                scheme
            }
        };
        let api_port = port(self.api_port.as_ref())?;
        let single_port = port(self.single_port.as_ref())?;
        let port = api_port.or(single_port);
        let region = self.parsed_region()?;
        if let (Some(region), "https", None) = (&region, scheme.as_str(), port) {
            return Ok(Resolved::Region(region.clone()));
        }
        let host = if let Some(domain) = &self.base_domain {
            format!("api.{}", domain.value)
        } else if let Some(host) = &self.single_host {
            host.value.clone()
        } else if let Some(region) = &region {
            region.api_host()
        } else if let Some(host) = &self.api_host {
            host.value.clone()
        } else {
            Region::Global.api_host()
        };
        Ok(Resolved::Url(url(&scheme, &host, port)))
    }
}

/// A port setting: a number 0-65535, 0 meaning none (as the SDK reads it).
fn port(set: Option<&Set>) -> Result<Option<u16>, Failure> {
    let Some(set) = set else { return Ok(None) };
    match set.value.parse::<u16>() {
        Ok(0) => Ok(None),
        Ok(n) => Ok(Some(n)),
        Err(_) => Err(Failure::Usage(format!(
            "{} must be a port number, 0-65535, not {:?}",
            set.from,
            arize_audit_logs::escape_control(&set.value)
        ))),
    }
}

/// `scheme://host[:port]`; a port already in `host` gives way to `port`
/// (as the SDK's `_endpoint` does), and an IPv6 address is bracketed.
fn url(scheme: &str, host: &str, port: Option<u16>) -> String {
    let host = host.trim_end_matches('/');
    let colons = host.matches(':').count();
    let host = if colons > 1 && !host.starts_with('[') {
        format!("[{host}]")
    } else if let (Some(_), Some((name, tail))) = (port, host.rsplit_once(':')) {
        if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) {
            name.to_owned()
        } else {
            host.to_owned()
        }
    } else {
        host.to_owned()
    };
    match port {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    }
}

/// A region name that is none of the known ones or their aliases, read
/// from `source`.
pub fn unknown_region(name: &str, source: &str) -> Failure {
    Failure::Usage(format!(
        "unknown region {:?} ({source}): the known regions are {}. For another host, such as an \
         on-premises installation, use --base-url URL (or `base_url` in a profile)",
        arize_audit_logs::escape_control(name),
        Region::known_names()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_routing(vars: &[(&str, &str)]) -> Routing {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Routing::from_env(&move |name| {
            vars.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.trim().is_empty())
        })
    }

    fn url_of(vars: &[(&str, &str)]) -> String {
        match env_routing(vars).resolve() {
            Ok(Resolved::Url(url)) => url,
            Ok(Resolved::Region(region)) => region.base_url(),
            Err(f) => panic!("{vars:?}: {}", f.report()),
        }
    }

    fn refusal(vars: &[(&str, &str)]) -> String {
        let failure = env_routing(vars).resolve().expect_err("refused");
        assert_eq!(failure.exit_code(), 2);
        failure.report()
    }

    #[test]
    fn nothing_set_is_the_global_host_over_https() {
        assert_eq!(url_of(&[]), "https://api.arize.com");
        assert!(env_routing(&[]).is_empty());
    }

    #[test]
    fn a_region_or_its_alias_names_its_host() {
        assert_eq!(
            env_routing(&[("ARIZE_REGION", "eu")]).resolve().ok(),
            Some(Resolved::Region(Region::EuWest1a))
        );
        assert_eq!(
            url_of(&[("ARIZE_REGION", "US")]),
            "https://api.us-east-1b.arize.com"
        );
        assert_eq!(
            url_of(&[("ARIZE_REGION", "ca-central-1a")]),
            "https://api.ca-central-1a.arize.com"
        );
    }

    #[test]
    fn a_region_beats_api_host_and_keeps_the_scheme_and_port() {
        assert_eq!(
            url_of(&[
                ("ARIZE_REGION", "EU"),
                ("ARIZE_API_HOST", "ignored.example.com"),
                ("ARIZE_API_PORT", "8443"),
            ]),
            "https://api.eu-west-1a.arize.com:8443"
        );
    }

    #[test]
    fn a_single_host_and_port_with_a_scheme_make_a_loopback_url() {
        assert_eq!(
            url_of(&[
                ("ARIZE_SINGLE_HOST", "127.0.0.1"),
                ("ARIZE_SINGLE_PORT", "18777"),
                ("ARIZE_API_SCHEME", "HTTP"),
            ]),
            "http://127.0.0.1:18777"
        );
        assert_eq!(
            url_of(&[("ARIZE_SINGLE_HOST", "arize.corp.example")]),
            "https://arize.corp.example"
        );
    }

    #[test]
    fn api_port_beats_single_port() {
        assert_eq!(
            url_of(&[
                ("ARIZE_SINGLE_HOST", "h.example"),
                ("ARIZE_SINGLE_PORT", "1"),
                ("ARIZE_API_PORT", "2"),
            ]),
            "https://h.example:2"
        );
        assert_eq!(
            url_of(&[
                ("ARIZE_SINGLE_HOST", "h.example:9"),
                ("ARIZE_SINGLE_PORT", "4")
            ]),
            "https://h.example:4",
            "a port in the host gives way"
        );
        assert_eq!(
            url_of(&[("ARIZE_SINGLE_HOST", "::1"), ("ARIZE_SINGLE_PORT", "4")]),
            "https://[::1]:4"
        );
    }

    #[test]
    fn a_base_domain_prefixes_api() {
        assert_eq!(
            url_of(&[("ARIZE_BASE_DOMAIN", "arize.corp.example")]),
            "https://api.arize.corp.example"
        );
    }

    #[test]
    fn api_host_scheme_and_port_apply_without_an_override() {
        assert_eq!(
            url_of(&[
                ("ARIZE_API_HOST", "arize.internal"),
                ("ARIZE_API_SCHEME", "https"),
                ("ARIZE_API_PORT", "0"),
            ]),
            "https://arize.internal"
        );
        assert_eq!(
            url_of(&[("ARIZE_API_PORT", "8443")]),
            "https://api.arize.com:8443"
        );
        assert!(!env_routing(&[("ARIZE_API_PORT", "8443")]).names_a_host());
    }

    #[test]
    fn two_overrides_are_refused_naming_both_sources() {
        for (vars, a, b) in [
            (
                &[("ARIZE_REGION", "eu"), ("ARIZE_SINGLE_HOST", "h")][..],
                "region (ARIZE_REGION)",
                "single_host (ARIZE_SINGLE_HOST)",
            ),
            (
                &[("ARIZE_SINGLE_PORT", "1"), ("ARIZE_BASE_DOMAIN", "d")][..],
                "single_port (ARIZE_SINGLE_PORT)",
                "base_domain (ARIZE_BASE_DOMAIN)",
            ),
            (
                &[("ARIZE_REGION", "US"), ("ARIZE_BASE_DOMAIN", "d")][..],
                "region (ARIZE_REGION)",
                "base_domain (ARIZE_BASE_DOMAIN)",
            ),
        ] {
            let m = refusal(vars);
            assert!(
                m.contains(a) && m.contains(b) && m.contains("MultipleEndpointOverridesError"),
                "{m}"
            );
        }
    }

    #[test]
    fn bad_values_are_refused_naming_their_source() {
        let m = refusal(&[("ARIZE_API_SCHEME", "ftp")]);
        assert!(
            m.contains("ARIZE_API_SCHEME") && m.contains("http or https"),
            "{m}"
        );
        let m = refusal(&[("ARIZE_SINGLE_PORT", "99999")]);
        assert!(
            m.contains("ARIZE_SINGLE_PORT") && m.contains("0-65535"),
            "{m}"
        );
        let m = refusal(&[("ARIZE_REGION", "mars")]);
        assert!(
            m.contains("\"mars\" (ARIZE_REGION)") && m.contains("EU for eu-west-1a"),
            "{m}"
        );
    }
}
