//! The tool installs like the tools its users know: `cargo install` with no
//! flags, and `cargo binstall` finding the archive the release workflow
//! builds, with a manual page for every command.

mod common;

use common::cli::{run, text};

fn manifest() -> toml::Table {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("cli/Cargo.toml");
    text.parse().expect("TOML")
}

fn release_workflow() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../.github/workflows/release.yml"
    ))
    .expect("the release workflow")
}

#[test]
fn cargo_install_needs_no_feature_flags() {
    let manifest = manifest();
    let bins = manifest["bin"].as_array().expect("[[bin]]");
    assert_eq!(bins.len(), 1);
    assert_eq!(bins[0]["name"].as_str(), Some("arize-audit-logs"));
    assert!(
        bins[0].get("required-features").is_none(),
        "a feature the installer must name"
    );
    // What `cargo install` builds is the default: the service extras, never
    // the test hooks. (`.ci/run` also builds it with no features at all.)
    let default: Vec<&str> = manifest
        .get("features")
        .and_then(|f| f.get("default"))
        .and_then(|d| d.as_array())
        .map(|d| d.iter().filter_map(|f| f.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(default, ["metrics", "s3"]);
}

#[test]
fn binstall_finds_the_archive_the_release_workflow_builds() {
    let manifest = manifest();
    let binstall = &manifest["package"]["metadata"]["binstall"];
    let target = "x86_64-unknown-linux-gnu";
    let render = |template: &str| {
        template
            .replace("{ repo }", "REPO")
            .replace("{ version }", env!("CARGO_PKG_VERSION"))
            .replace("{ target }", target)
            .replace("{ archive-format }", "tgz")
            .replace("{ bin }", "arize-audit-logs")
            .replace("{ binary-ext }", "")
    };
    let url = render(binstall["pkg-url"].as_str().expect("pkg-url"));
    assert_eq!(
        url,
        format!(
            "REPO/releases/download/v{}/arize-audit-logs-{target}.tgz",
            env!("CARGO_PKG_VERSION")
        )
    );
    let bin_dir = render(binstall["bin-dir"].as_str().expect("bin-dir"));
    assert_eq!(
        bin_dir,
        format!("arize-audit-logs-{target}/arize-audit-logs")
    );

    let workflow = release_workflow();
    for line in [
        r#"name="arize-audit-logs-${{ matrix.target }}""#,
        r#"tar czf "$name.tgz" "$name""#,
        r#"7z a "$name.zip" "$name""#,
        r#"cp "$bin" "$name/""#,
        "tags: [\"v*\"]",
    ] {
        assert!(workflow.contains(line), "the release workflow lacks {line}");
    }
}

#[tokio::test]
async fn the_release_ships_a_manual_page_for_every_command() {
    let out = run(&["--help"], None).await;
    let help = text(&out.stdout);
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 8, "{help}");
    let workflow = release_workflow();
    let shipped = workflow
        .lines()
        .find_map(|l| l.trim().strip_prefix("for command in "))
        .and_then(|l| l.strip_suffix("; do"))
        .expect("the workflow's list of pages");
    assert_eq!(shipped.split_whitespace().collect::<Vec<_>>(), commands);
}
