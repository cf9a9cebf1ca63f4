//! The values shell completions offer beyond the flags themselves: the
//! known regions for `--region` (written into every completion script, from
//! the library's one list) and the profile names for `--profile` (read when
//! Tab is pressed, through `config profiles`, so a profile added later is
//! offered without regenerating the script).

use std::{ffi::OsStr, path::Path};

use arize_audit_logs::Region;
use clap::builder::{PossibleValue, TypedValueParser};

/// A `--region` parser: parses with the function it wraps (any non-empty
/// name passes here; which names exist is checked with the other settings,
/// so the error can say where the name came from), and lists the known
/// regions as the flag's possible values, which clap_complete writes into
/// each shell's script.
#[derive(Clone, Copy)]
pub struct RegionParser(fn(&str) -> Result<String, String>);

impl RegionParser {
    /// Wraps `parse`.
    pub fn new(parse: fn(&str) -> Result<String, String>) -> Self {
        Self(parse)
    }
}

impl TypedValueParser for RegionParser {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        self.0.parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            Region::KNOWN.iter().map(|r| PossibleValue::new(r.name())),
        ))
    }
}

/// The names `--profile` takes, sorted and without repeats: the config
/// file's profiles, then the `ax` tool's; and why the config file was not
/// read, when it could not be (its profiles are then left out, the `ax`
/// ones still given).
pub fn profile_names() -> (Vec<String>, Option<String>) {
    let (mut names, problem) = match crate::connection::config::Config::load() {
        Ok(config) => (config.names(), None),
        Err(e) => (Vec::new(), Some(e)),
    };
    if let Some(ax_dir) = crate::connection::ax::profile::directory() {
        names.extend(ax_profile_names(&ax_dir));
    }
    names.sort();
    names.dedup();
    (names, problem)
}

/// The `ax` tool's profiles ([`crate::connection::ax::profile::names`]) that a shell
/// can offer as they are: a name it would split or expand is left out.
pub fn ax_profile_names(ax_dir: &Path) -> Vec<String> {
    crate::connection::ax::profile::names(ax_dir)
        .into_iter()
        .filter(|name| {
            name.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ax_profiles_are_the_toml_file_names_of_its_profiles_directory() {
        let home = tempfile::tempdir().expect("dir");
        let ax_dir = home.path().join(".arize");
        assert!(ax_profile_names(&ax_dir).is_empty(), "no directory");
        let dir = ax_dir.join("profiles");
        std::fs::create_dir_all(dir.join("sub.toml")).expect("a directory named .toml");
        for name in ["prod.toml", "eu-dev.toml", "notes.txt", "with space.toml"] {
            std::fs::write(dir.join(name), "").expect("write");
        }
        let mut names = ax_profile_names(&ax_dir);
        names.sort();
        assert_eq!(names, ["eu-dev", "prod"]);
    }

    #[test]
    fn the_region_flag_offers_the_librarys_known_regions() {
        let parser = RegionParser::new(|s| Ok(s.to_owned()));
        let offered: Vec<String> = parser
            .possible_values()
            .expect("values")
            .map(|v| v.get_name().to_owned())
            .collect();
        assert!(
            Region::known_names().starts_with(&offered.join(", ")),
            "the canonical names, in the library's order: {offered:?}"
        );
        assert_eq!(offered.len(), Region::KNOWN.len());
    }
}
