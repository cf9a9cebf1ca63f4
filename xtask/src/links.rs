//! The documentation's links: every relative link and `#anchor` in the
//! README, the tool's README and `docs/*.md` must lead somewhere, as GitHub
//! renders them. A link to a file needs the file (names compared case by case,
//! as GitHub does); an anchor needs a heading whose GitHub anchor it is (the
//! slug rules of github-slugger, repeats numbered `-1`, `-2`, …). Links to
//! other sites are not followed (nothing here goes to the network), except
//! the repository's own `blob`/`tree` addresses, which are checked as local
//! paths.

use std::{
    collections::HashMap,
    fmt,
    path::{Component, Path, PathBuf},
};

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// The repository's address on GitHub; links under it name local files.
pub const REPOSITORY: &str = "https://github.com/arize-audit-logs/arize-audit-logs";

/// The Markdown files whose links are checked, relative to the root: the
/// README, the tool's and the archive crate's READMEs, and every `.md` file
/// under `docs/`, sorted.
pub fn documents(root: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = vec![PathBuf::from("README.md")];
    if root.join("cli/README.md").is_file() {
        files.push(PathBuf::from("cli/README.md"));
    }
    if root.join("archive/README.md").is_file() {
        files.push(PathBuf::from("archive/README.md"));
    }
    let docs = root.join("docs");
    if docs.is_dir() {
        let mut found = Vec::new();
        let entries =
            std::fs::read_dir(&docs).map_err(|e| format!("cannot list {}: {e}", docs.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot list {}: {e}", docs.display()))?;
            let name = entry.file_name();
            if Path::new(&name).extension().is_some_and(|ext| ext == "md") {
                found.push(Path::new("docs").join(name));
            }
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// Why a link leads nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The linked file or directory does not exist (the path is relative to
    /// the root).
    NoSuchFile(String),
    /// The link climbs out of the repository.
    OutsideRepository,
    /// The linked Markdown file (relative to the root) has no heading with
    /// that anchor.
    NoSuchAnchor {
        /// The file the anchor was looked for in.
        file: String,
        /// The anchor, without `#`.
        anchor: String,
    },
}

/// A link that leads nowhere, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// The Markdown file the link is in, relative to the root, `/`-separated.
    pub file: String,
    /// The line the link starts on, from 1.
    pub line: usize,
    /// The link's target as written.
    pub target: String,
    /// Why it leads nowhere.
    pub problem: Problem,
}

impl fmt::Display for BrokenLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: the link to `{}` ",
            self.file, self.line, self.target
        )?;
        match &self.problem {
            Problem::NoSuchFile(path) => write!(
                f,
                "leads nowhere: {path} does not exist (add the file, or fix the link)"
            ),
            Problem::OutsideRepository => write!(f, "leads outside the repository"),
            Problem::NoSuchAnchor { file, anchor } => write!(
                f,
                "leads nowhere: {file} has no heading whose anchor is `#{anchor}` \
                 (GitHub's anchor of a heading is its text in lower case, spaces as \
                 `-`, punctuation dropped)"
            ),
        }
    }
}

/// GitHub's anchor for a heading's text (github-slugger, before repeats are
/// numbered): lower case; letters, digits, `-` and `_` kept; each space
/// becomes `-`; everything else is dropped.
pub fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// A Markdown file's links (line, target) and its headings' anchors.
#[derive(Debug, Default)]
struct Parsed {
    links: Vec<(usize, String)>,
    anchors: Vec<String>,
}

fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut heading: Option<String> = None;
    let mut in_image = 0usize;
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Link { dest_url, .. }) => {
                let line = text[..range.start].matches('\n').count() + 1;
                parsed.links.push((line, dest_url.to_string()));
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                in_image += 1;
                let line = text[..range.start].matches('\n').count() + 1;
                parsed.links.push((line, dest_url.to_string()));
            }
            Event::End(TagEnd::Image) => in_image = in_image.saturating_sub(1),
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::Text(t) | Event::Code(t) if in_image == 0 => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(h) = heading.take() {
                    // github-slugger: a slug already given gets the next free
                    // `-N` of its base, and each slug given counts as taken.
                    let base = slug(&h);
                    let mut anchor = base.clone();
                    while seen.contains_key(&anchor) {
                        let n = seen.entry(base.clone()).or_insert(0);
                        *n += 1;
                        anchor = format!("{base}-{n}");
                    }
                    seen.insert(anchor.clone(), 0);
                    parsed.anchors.push(anchor);
                }
            }
            _ => {}
        }
    }
    parsed
}

/// A percent-encoded path or anchor, decoded (`%20` is a space); an invalid
/// escape is kept as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where a link points, when it points into the repository: the path
/// relative to the root (`None` for the linking file itself) and the anchor.
enum Target {
    /// Another site, or a scheme such as `mailto:`: not checked.
    Elsewhere,
    /// A path in the repository (empty: the linking file) and an anchor.
    Local(Option<PathBuf>, Option<String>),
    /// A path that climbs out of the repository.
    Outside,
}

fn target(file: &Path, link: &str) -> Target {
    let (path, anchor) = match link.split_once('#') {
        Some((path, anchor)) => (path, Some(percent_decode(anchor))),
        None => (link, None),
    };
    let (base, path) = if let Some(rest) = path.strip_prefix(REPOSITORY) {
        // https://github.com/OWNER/NAME/blob/BRANCH/PATH (or tree/BRANCH/PATH)
        let mut parts = rest.trim_start_matches('/').splitn(3, '/');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("blob" | "tree"), Some(_branch), rest) => {
                (PathBuf::new(), rest.unwrap_or("").to_string())
            }
            _ => return Target::Elsewhere,
        }
    } else if path.contains(':') || path.starts_with("//") {
        return Target::Elsewhere;
    } else if let Some(rooted) = path.strip_prefix('/') {
        (PathBuf::new(), rooted.to_string())
    } else if path.is_empty() {
        return Target::Local(None, anchor);
    } else {
        (
            file.parent().map(Path::to_path_buf).unwrap_or_default(),
            path.to_string(),
        )
    };
    let path = percent_decode(path.split('?').next().unwrap_or(""));
    let mut resolved = PathBuf::new();
    for component in base.join(&path).components() {
        match component {
            Component::Normal(part) => resolved.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                if !resolved.pop() {
                    return Target::Outside;
                }
            }
            Component::RootDir | Component::Prefix(_) => return Target::Outside,
        }
    }
    Target::Local(Some(resolved), anchor)
}

/// Whether `path` (relative to `root`) exists with exactly that spelling:
/// each component is looked up among its directory's entries, so a link
/// whose case differs fails here as it does on GitHub, on any file system.
fn exists_exactly(root: &Path, path: &Path) -> bool {
    let mut dir = root.to_path_buf();
    for component in path.components() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return false;
        };
        let name = component.as_os_str();
        if !entries.flatten().any(|e| e.file_name() == name) {
            return false;
        }
        dir.push(name);
    }
    true
}

fn slash(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Checks every link of [`documents`] under `root`; the broken ones, in
/// file and line order.
pub fn check(root: &Path) -> Result<Vec<BrokenLink>, String> {
    let mut anchors: HashMap<PathBuf, Vec<String>> = HashMap::new();
    let mut anchors_of = |path: &Path| -> Result<Vec<String>, String> {
        if let Some(found) = anchors.get(path) {
            return Ok(found.clone());
        }
        let full = root.join(path);
        let text = std::fs::read_to_string(&full)
            .map_err(|e| format!("cannot read {}: {e}", full.display()))?;
        let found = parse(&text).anchors;
        anchors.insert(path.to_path_buf(), found.clone());
        Ok(found)
    };
    let mut broken = Vec::new();
    for file in documents(root)? {
        let full = root.join(&file);
        let text = std::fs::read_to_string(&full)
            .map_err(|e| format!("cannot read {}: {e}", full.display()))?;
        for (line, link) in parse(&text).links {
            let (path, anchor) = match target(&file, &link) {
                Target::Elsewhere => continue,
                Target::Outside => {
                    broken.push(BrokenLink {
                        file: slash(&file),
                        line,
                        target: link,
                        problem: Problem::OutsideRepository,
                    });
                    continue;
                }
                Target::Local(path, anchor) => (path.unwrap_or_else(|| file.clone()), anchor),
            };
            if !path.as_os_str().is_empty() && !exists_exactly(root, &path) {
                broken.push(BrokenLink {
                    file: slash(&file),
                    line,
                    target: link,
                    problem: Problem::NoSuchFile(slash(&path)),
                });
                continue;
            }
            let Some(anchor) = anchor.filter(|a| !a.is_empty()) else {
                continue;
            };
            // Anchors are checked in Markdown files; another file's anchor
            // (a line of source, `#L10`) is GitHub's to resolve.
            if path.extension().is_some_and(|ext| ext == "md")
                && !anchors_of(&path)?.contains(&anchor)
            {
                broken.push(BrokenLink {
                    file: slash(&file),
                    line,
                    target: link,
                    problem: Problem::NoSuchAnchor {
                        file: slash(&path),
                        anchor,
                    },
                });
            }
        }
    }
    Ok(broken)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_githubs() {
        assert_eq!(
            slug("Does the server behave as documented? `cargo xtask conform`"),
            "does-the-server-behave-as-documented-cargo-xtask-conform"
        );
        assert_eq!(
            slug("Exactly once, and what that rests on"),
            "exactly-once-and-what-that-rests-on"
        );
        assert_eq!(slug("C++ & Rust"), "c--rust");
        assert_eq!(
            slug("snake_case and kebab-case"),
            "snake_case-and-kebab-case"
        );
        assert_eq!(slug("Résumé — Überblick"), "résumé--überblick");
    }

    #[test]
    fn repeated_headings_are_numbered() {
        let parsed = parse("# Notes\n\n## Notes\n\n## Notes\n\n## Notes 1\n");
        assert_eq!(parsed.anchors, ["notes", "notes-1", "notes-2", "notes-1-1"]);
    }

    #[test]
    fn percent_escapes_are_decoded() {
        assert_eq!(percent_decode("a%20b%2Fc"), "a b/c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
