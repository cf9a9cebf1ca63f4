//! The documentation's links lead somewhere: the README, the tool's and the
//! archive crate's READMEs and `docs/*.md` are checked as they stand, and the
//! checker is shown to catch each kind of broken link in a fixture.

use std::path::Path;

use xtask::links::{check, documents, BrokenLink, Problem};

#[test]
fn every_relative_link_and_anchor_in_the_documentation_resolves() {
    let broken = check(&xtask::root()).expect("the documentation is readable");
    assert!(
        broken.is_empty(),
        "{} broken links in the documentation:\n{}",
        broken.len(),
        broken
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_readmes_and_every_guide_under_docs_are_checked() {
    let files = documents(&xtask::root()).expect("listed");
    for expected in [
        "README.md",
        "cli/README.md",
        "archive/README.md",
        "docs/operating.md",
        "docs/library.md",
        "docs/maintaining.md",
    ] {
        assert!(
            files.iter().any(|f| f == Path::new(expected)),
            "{expected} is not checked: {files:?}"
        );
    }
}

fn fixture() -> Vec<BrokenLink> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/links");
    check(&root).expect("the fixture is readable")
}

fn broken(file: &str, line: usize, target: &str, problem: Problem) -> BrokenLink {
    BrokenLink {
        file: file.into(),
        line,
        target: target.into(),
        problem,
    }
}

fn no_anchor(file: &str, anchor: &str) -> Problem {
    Problem::NoSuchAnchor {
        file: file.into(),
        anchor: anchor.into(),
    }
}

#[test]
fn the_checker_finds_exactly_the_broken_links_of_the_fixture() {
    // Files, directories, anchors in this file and in others (GitHub's slugs,
    // repeats numbered), percent-escapes and the repository's own addresses
    // resolve; code is not read for links; other sites are not followed.
    assert_eq!(
        fixture(),
        [
            broken(
                "README.md",
                17,
                "docs/absent.md",
                Problem::NoSuchFile("docs/absent.md".into())
            ),
            broken(
                "README.md",
                18,
                "docs/guide.md#no-such-heading",
                no_anchor("docs/guide.md", "no-such-heading")
            ),
            broken(
                "README.md",
                19,
                "#no-such-heading",
                no_anchor("README.md", "no-such-heading")
            ),
            broken(
                "README.md",
                20,
                "docs/Guide.md",
                Problem::NoSuchFile("docs/Guide.md".into())
            ),
            broken(
                "README.md",
                21,
                "../../outside.md",
                Problem::OutsideRepository
            ),
            broken(
                "README.md",
                22,
                "https://github.com/arize-audit-logs/arize-audit-logs/blob/main/docs/gone.md",
                Problem::NoSuchFile("docs/gone.md".into())
            ),
            broken(
                "README.md",
                26,
                "docs/absent-from-table.md",
                Problem::NoSuchFile("docs/absent-from-table.md".into())
            ),
            broken(
                "docs/guide.md",
                9,
                "../README.md#guide",
                no_anchor("README.md", "guide")
            ),
        ]
    );
}

#[test]
fn a_missing_file_is_named_with_where_the_link_is() {
    let message = fixture()[0].to_string();
    assert_eq!(
        message,
        "README.md:17: the link to `docs/absent.md` leads nowhere: docs/absent.md does not \
         exist (add the file, or fix the link)"
    );
}

#[test]
fn a_missing_anchor_is_named_with_the_file_it_was_looked_for_in() {
    let message = fixture()[1].to_string();
    assert!(
        message.starts_with(
            "README.md:18: the link to `docs/guide.md#no-such-heading` leads nowhere: \
             docs/guide.md has no heading whose anchor is `#no-such-heading`"
        ),
        "{message}"
    );
}
