//! Configuration like cloud CLIs: a config file in the platform's config
//! directory with named profiles, `--profile` / `ARIZE_PROFILE`,
//! `ARIZE_REGION`, and the documented precedence, seen from the outside.

mod common;

use std::path::Path;

use common::cli::{command, server, text, END};
use serde_json::Value;

/// A config home (`XDG_CONFIG_HOME`) holding `config` as the tool's file.
fn config_home(config: &str) -> common::TempDir {
    let home = common::temp_dir("profiles");
    let dir = home.join("arize-audit-logs");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("config.toml"), config).expect("config");
    home
}

/// The tool with the config home and `env` (nothing else that steers it).
async fn run_with(home: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = command(args, None);
    cmd.env_remove("ARIZE_CONFIG_FILE")
        .env("XDG_CONFIG_HOME", home)
        .env("HOME", home);
    for (name, value) in env {
        cmd.env(name, value);
    }
    cmd.output().await.expect("runs")
}

async fn show(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Value {
    let mut all = vec!["config", "show", "--json"];
    all.extend_from_slice(args);
    let out = run_with(home, &all, env).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

const CONFIG: &str = r#"
[profiles.default]
region = "ca-central-1a"
api_key_file = "keys/default.key"
page_size = 10

[profiles.eu]
region = "eu-west-1a"
api_key_file = "keys/eu.key"
max_attempts = 9
timeout = "45s"
"#;

#[tokio::test]
async fn the_file_is_found_in_the_platforms_config_directory() {
    let home = config_home(CONFIG);
    let out = run_with(&home, &["config", "path"], &[]).await;
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout).trim(),
        home.join("arize-audit-logs/config.toml")
            .display()
            .to_string()
    );
    let shown = show(&home, &[], &[]).await;
    assert_eq!(shown["config_file"]["found"], true);
    assert_eq!(
        shown["config_file"]["profiles"],
        serde_json::json!(["default", "eu"])
    );
}

#[tokio::test]
async fn each_setting_takes_the_first_of_flag_named_profile_environment_selected_profile_default() {
    let home = config_home(CONFIG);
    let key_file = home.join("arize-audit-logs/keys/eu.key");

    // 5 → 4: the default profile beats the built-in defaults.
    let s = show(&home, &[], &[]).await;
    assert_eq!(
        s["base_url"]["value"],
        "https://api.ca-central-1a.arize.com"
    );
    assert_eq!(s["page_size"]["value"], 10);
    assert_eq!(s["max_attempts"]["source"], "default");
    assert_eq!(s["profile"]["selected_by"], "being the default");

    // 4 → 3: the environment beats a profile ARIZE_PROFILE selects.
    let s = show(
        &home,
        &[],
        &[
            ("ARIZE_PROFILE", "eu"),
            ("ARIZE_REGION", "us-east-1b"),
            ("ARIZE_API_KEY", "k"),
        ],
    )
    .await;
    assert_eq!(s["base_url"]["value"], "https://api.us-east-1b.arize.com");
    assert_eq!(s["base_url"]["source"], "ARIZE_REGION");
    assert_eq!(s["api_key"]["from"], "environment");
    assert_eq!(
        s["max_attempts"]["value"], 9,
        "what the environment does not set"
    );

    // 3 → 2: a profile named with --profile beats the environment.
    let s = show(
        &home,
        &["--profile", "eu"],
        &[("ARIZE_REGION", "us-east-1b"), ("ARIZE_API_KEY", "k")],
    )
    .await;
    assert_eq!(s["base_url"]["value"], "https://api.eu-west-1a.arize.com");
    assert_eq!(s["api_key"]["path"], key_file.display().to_string());
    assert_eq!(s["timeout"]["value"], "45s");
    assert_eq!(
        s["page_size"]["source"], "default",
        "a named profile replaces the default one"
    );

    // 2 → 1: a flag beats everything.
    let s = show(
        &home,
        &[
            "--profile",
            "eu",
            "--base-url",
            "https://arize.example.com",
            "--max-attempts",
            "2",
        ],
        &[("ARIZE_REGION", "us-east-1b")],
    )
    .await;
    assert_eq!(s["base_url"]["value"], "https://arize.example.com");
    assert_eq!(s["base_url"]["source"], "--base-url");
    assert_eq!(s["max_attempts"]["value"], 2);

    // The key itself is never shown.
    let out = run_with(
        &home,
        &["config", "show"],
        &[("ARIZE_API_KEY", "sekrit-key")],
    )
    .await;
    assert!(!text(&out.stdout).contains("sekrit-key"));
}

#[tokio::test]
async fn a_profile_names_the_host_key_file_and_page_size_a_command_uses() {
    let server = server(30, 4).await;
    let home = config_home(&format!(
        "[profiles.fake]\nbase_url = \"{}\"\napi_key_file = \"fake.key\"\npage_size = 7\n",
        server.uri()
    ));
    let key = home.join("arize-audit-logs/fake.key");
    std::fs::write(&key, format!("{}\n", server.api_key())).expect("key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    for select in [&["--profile", "fake"][..], &[]] {
        let mut args = vec!["list", "--end", END];
        args.extend_from_slice(select);
        let env: &[(&str, &str)] = if select.is_empty() {
            &[("ARIZE_PROFILE", "fake")]
        } else {
            &[]
        };
        let out = run_with(&home, &args, env).await;
        assert!(out.status.success(), "{select:?}: {}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout).lines().count(),
            7,
            "the profile's page size"
        );
        assert!(
            text(&out.stderr).contains("--limit 7"),
            "{}",
            text(&out.stderr)
        );
    }
}

#[tokio::test]
async fn bad_configuration_is_a_usage_error_naming_where_it_came_from() {
    let home = config_home(CONFIG);
    for (args, env, says) in [
        (
            &["list", "--region", "mars-1a"][..],
            &[][..],
            "\"mars-1a\" (--region)",
        ),
        (
            &["list"],
            &[("ARIZE_REGION", "mars-1a")][..],
            "(ARIZE_REGION)",
        ),
        (
            &["list", "--profile", "prod"],
            &[],
            "profile \"prod\" not found",
        ),
        (
            &["list"],
            &[("ARIZE_PROFILE", "prod")][..],
            "it defines default, eu",
        ),
    ] {
        let out = run_with(&home, args, env).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        if says.contains("mars") || says.contains("REGION") {
            assert!(
                stderr.contains("global, eu-west-1a, ca-central-1a, us-central-1a, us-east-1b")
                    && stderr.contains("--base-url"),
                "{stderr}"
            );
        }
    }

    let home = config_home("[profiles.default]\napi_key = \"ak-live-123\"\n");
    let out = run_with(&home, &["list"], &[]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("never holds the API key") && !stderr.contains("ak-live-123"),
        "{stderr}"
    );
}
