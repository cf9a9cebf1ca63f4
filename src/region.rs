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
    /// Another region, served at `https://api.<name>.arize.com`
    /// (the official Python SDK also knows `us-central-1a` and `us-east-1b`).
    Other(String),
}

impl Region {
    /// The region's name as Arize spells it (`global` for the default).
    pub fn name(&self) -> &str {
        match self {
            Self::Global => "global",
            Self::EuWest1a => "eu-west-1a",
            Self::CaCentral1a => "ca-central-1a",
            Self::Other(name) => name,
        }
    }

    /// The base URL of the region's API.
    pub fn base_url(&self) -> String {
        match self {
            Self::Global => "https://api.arize.com".to_owned(),
            other => format!("https://api.{}.arize.com", other.name()),
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Region {
    type Err = ConfigError;

    /// `global`, `eu-west-1a`, `ca-central-1a`, or any other name made of
    /// lower-case letters, digits and hyphens.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "global" | "" => Ok(Self::Global),
            "eu-west-1a" => Ok(Self::EuWest1a),
            "ca-central-1a" => Ok(Self::CaCentral1a),
            other
                if other.len() <= 63
                    && !other.starts_with('-')
                    && !other.ends_with('-')
                    && other
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
            {
                Ok(Self::Other(other.to_owned()))
            }
            other => Err(ConfigError::InvalidRegion {
                region: crate::model::text::escape_control(other),
            }),
        }
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
    fn region_names_must_be_dns_labels() {
        for bad in ["EU", "eu west", "evil.com/x", "-a", "a-"] {
            assert!(bad.parse::<Region>().is_err(), "{bad}");
        }
    }
}
