//! Where the API lives: the global deployment, a regional one, or an
//! on-premises host (the document's three `servers`).

use std::{fmt, str::FromStr};

use crate::error::ConfigError;

/// An Arize deployment. API keys are valid only in the region where they were
/// created.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// `https://api.arize.com`, the default.
    #[default]
    Global,
    /// `https://api.eu-west-1a.arize.com`
    EuWest1a,
    /// `https://api.ca-central-1a.arize.com`
    CaCentral1a,
    /// `https://api.us-central-1a.arize.com` (known to the official Python SDK).
    UsCentral1a,
    /// `https://api.us-east-1b.arize.com` (known to the official Python SDK).
    UsEast1b,
    /// A region this crate does not know yet, served at
    /// `https://api.<name>.arize.com`. Only built explicitly: parsing a name
    /// accepts the known regions alone, so a typo is an error, not a host
    /// that does not resolve.
    Other(String),
}

impl Region {
    /// Every region this crate knows, in the order its errors list them.
    pub const KNOWN: &'static [Region] = &[
        Self::Global,
        Self::EuWest1a,
        Self::CaCentral1a,
        Self::UsCentral1a,
        Self::UsEast1b,
    ];

    /// The region's name as Arize spells it (`global` for the default).
    pub fn name(&self) -> &str {
        match self {
            Self::Global => "global",
            Self::EuWest1a => "eu-west-1a",
            Self::CaCentral1a => "ca-central-1a",
            Self::UsCentral1a => "us-central-1a",
            Self::UsEast1b => "us-east-1b",
            Self::Other(name) => name,
        }
    }

    /// The short names Arize's own tools (`ax`) accept, in any case, and
    /// the region each stands for.
    pub const ALIASES: &'static [(&'static str, Region)] = &[
        ("US", Self::UsEast1b),
        ("EU", Self::EuWest1a),
        ("CA", Self::CaCentral1a),
    ];

    /// The known regions' names, comma-separated, then the aliases (for
    /// messages).
    pub fn known_names() -> String {
        let names = Self::KNOWN
            .iter()
            .map(Region::name)
            .collect::<Vec<_>>()
            .join(", ");
        let aliases = Self::ALIASES
            .iter()
            .map(|(alias, region)| format!("{alias} for {}", region.name()))
            .collect::<Vec<_>>()
            .join(", ");
        format!("{names} (or the aliases {aliases})")
    }

    /// The host of the region's API (`api.eu-west-1a.arize.com`).
    pub fn api_host(&self) -> String {
        match self {
            Self::Global => "api.arize.com".to_owned(),
            other => format!("api.{}.arize.com", other.name()),
        }
    }

    /// The base URL of the region's API.
    pub fn base_url(&self) -> String {
        format!("https://{}", self.api_host())
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Region {
    type Err = ConfigError;

    /// One of the [known](Region::KNOWN) names (`global`, `eu-west-1a`,
    /// `ca-central-1a`, `us-central-1a`, `us-east-1b`), or one of the
    /// [aliases](Region::ALIASES) `US`, `EU`, `CA`, in any case, as Arize's
    /// `ax` accepts them. Any other name is
    /// [`ConfigError::InvalidRegion`], which lists them; build
    /// [`Region::Other`] or set a base URL for a region or host this crate
    /// does not know.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim();
        if name.is_empty() {
            return Ok(Self::Global);
        }
        Self::KNOWN
            .iter()
            .find(|r| r.name().eq_ignore_ascii_case(name))
            .or_else(|| {
                Self::ALIASES
                    .iter()
                    .find(|(alias, _)| alias.eq_ignore_ascii_case(name))
                    .map(|(_, region)| region)
            })
            .cloned()
            .ok_or_else(|| ConfigError::InvalidRegion {
                region: crate::model::text::escape_control(name),
                known: Self::known_names(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_to_documented_servers() {
        assert_eq!(Region::Global.base_url(), "https://api.arize.com");
        assert_eq!(
            Region::EuWest1a.base_url(),
            "https://api.eu-west-1a.arize.com"
        );
        assert_eq!(
            Region::CaCentral1a.base_url(),
            "https://api.ca-central-1a.arize.com"
        );
        assert_eq!(
            "us-east-1b".parse::<Region>().map(|r| r.base_url()).ok(),
            Some("https://api.us-east-1b.arize.com".to_owned())
        );
    }

    #[test]
    fn only_known_region_names_parse() {
        for region in Region::KNOWN {
            assert_eq!(region.name().parse::<Region>().ok().as_ref(), Some(region));
        }
        for bad in ["mars-1a", "EUR", "eu west", "evil.com/x", "-a", "a-"] {
            let error = bad.parse::<Region>().expect_err(bad).to_string();
            assert!(
                error.contains(&Region::known_names()) && error.contains("base URL"),
                "{error}"
            );
        }
    }

    #[test]
    fn the_aliases_of_arizes_ax_parse_in_any_case() {
        for (text, region) in [
            ("EU", Region::EuWest1a),
            ("eu", Region::EuWest1a),
            ("Us", Region::UsEast1b),
            ("ca", Region::CaCentral1a),
            ("EU-WEST-1A", Region::EuWest1a),
        ] {
            assert_eq!(text.parse::<Region>().ok(), Some(region), "{text}");
        }
        assert!(Region::known_names().contains("EU for eu-west-1a"));
    }
}
