//! `config init`: a commented config file with one profile, from flags
//! alone, that every command then reads; never holding the key, never
//! replacing a file without --force, never written through a link.

mod common;

use std::path::Path;

use common::cli::{command, text};
use serde_json::Value;

const SECRET: &str = "ak-config-init-secret-0123456789";

/// The tool run in `cwd` with the config home `home` (its file at
/// `home/arize-audit-logs/config.toml`) and a key in ARIZE_API_KEY.
async fn run_in(cwd: &Path, home: &Path, args: &[&str]) -> std::process::Output {
    run_with_key(cwd, home, args, Some(SECRET)).await
}

/// [`run_in`] with `key` (none: no ARIZE_API_KEY).
async fn run_with_key(
    cwd: &Path,
    home: &Path,
    args: &[&str],
    key: Option<&str>,
) -> std::process::Output {
    command(args, key)
        .current_dir(cwd)
        .env_remove("ARIZE_CONFIG_FILE")
        .env("XDG_CONFIG_HOME", home)
        .env("HOME", home)
        .output()
        .await
        .expect("runs")
}

#[tokio::test]
async fn config_init_writes_a_profile_every_command_reads_and_never_the_key() {
    let home = common::temp_dir("config-init");
    let work = home.join("work");
    std::fs::create_dir_all(&work).expect("dir");
    let out = run_in(
        &work,
        &home,
        &[
            "config",
            "init",
            "--region",
            "eu-west-1a",
            "--api-key-file",
            "eu.key",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let path = home.join("arize-audit-logs").join("config.toml");
    assert_eq!(
        text(&out.stdout).trim(),
        path.display().to_string(),
        "its path"
    );
    assert!(
        text(&out.stderr).contains("eu.key does not exist yet"),
        "{}",
        text(&out.stderr)
    );
    let written = std::fs::read_to_string(&path).expect("written where `config path` says");
    assert!(!written.contains(SECRET), "no key in the file:\n{written}");
    assert!(written.starts_with("# "), "commented:\n{written}");

    // Without ARIZE_API_KEY, which would win over the default profile's file.
    let out = run_with_key(&work, &home, &["config", "show", "--json"], None).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        shown["config_file"]["profiles"],
        serde_json::json!(["default"])
    );
    assert_eq!(shown["profile"]["name"], "default");
    assert_eq!(
        shown["base_url"]["value"],
        "https://api.eu-west-1a.arize.com"
    );
    assert_eq!(
        shown["api_key"]["path"],
        work.canonicalize()
            .expect("dir")
            .join("eu.key")
            .display()
            .to_string(),
        "a relative key file is written as the file it named where init ran"
    );

    // Another profile into another file, by --path.
    let other = home.join("other.toml");
    let out = run_in(
        &work,
        &home,
        &[
            "config",
            "init",
            "--profile",
            "onprem",
            "--base-url",
            "https://arize.example.com",
            "--path",
            other.to_str().expect("utf8"),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = command(&["config", "show", "--json", "--profile", "onprem"], None)
        .env("ARIZE_CONFIG_FILE", &other)
        .output()
        .await
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(shown["base_url"]["value"], "https://arize.example.com");
}

#[tokio::test]
async fn config_init_replaces_a_file_only_with_force_and_never_through_a_link() {
    let home = common::temp_dir("config-init-force");
    let path = home.join("config.toml");
    let p = path.to_str().expect("utf8");
    std::fs::write(&path, "# mine\n").expect("write");
    let out = run_in(&home, &home, &["config", "init", "--path", p]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--force"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&path).expect("file"),
        "# mine\n",
        "left as it was"
    );

    let out = run_in(&home, &home, &["config", "init", "--path", p, "--force"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(&path)
        .expect("file")
        .contains("[profiles.default]"));

    #[cfg(unix)]
    {
        let target = home.join("target.toml");
        std::fs::write(&target, "# theirs\n").expect("write");
        let link = home.join("link.toml");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        let l = link.to_str().expect("utf8");
        let out = run_in(&home, &home, &["config", "init", "--path", l, "--force"]).await;
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("symbolic link"),
            "{}",
            text(&out.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(&target).expect("target"),
            "# theirs\n"
        );
        assert!(std::fs::symlink_metadata(&link).expect("link").is_symlink());
    }
}

#[tokio::test]
async fn config_init_refuses_an_unknown_region_or_a_bad_base_url_before_writing() {
    let home = common::temp_dir("config-init-bad");
    let path = home.join("config.toml");
    let p = path.to_str().expect("utf8");
    let out = run_in(
        &home,
        &home,
        &["config", "init", "--path", p, "--region", "mars-1"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let message = text(&out.stderr);
    assert!(
        message.contains("--region") && message.contains("eu-west-1a"),
        "{message}"
    );

    for url in [
        "ftp://arize.example.com",
        "http://arize.example.com",
        "https://user:hunter2@arize.example.com",
    ] {
        let out = run_in(
            &home,
            &home,
            &["config", "init", "--path", p, "--base-url", url],
        )
        .await;
        assert_eq!(out.status.code(), Some(2), "{url}");
        let message = text(&out.stderr);
        assert!(message.contains("--base-url"), "{url}: {message}");
        assert!(!message.contains("hunter2"), "never quoted back: {message}");
    }
    let out = run_in(
        &home,
        &home,
        &[
            "config",
            "init",
            "--path",
            p,
            "--region",
            "global",
            "--base-url",
            "https://x.example",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "one or the other");
    assert!(!path.exists(), "nothing written");
}
