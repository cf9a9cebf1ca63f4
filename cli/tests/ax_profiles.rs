//! Users of Arize's own CLI (`ax`) keep their connection in `ax` profiles
//! (`~/.arize/profiles/NAME.toml`, the active one in
//! `~/.arize/.active_profile`): the tool exports through them with no other
//! setting, by the active one or by name (`--profile`, `ARIZE_PROFILE`).
//!
//! The tests marked ignored create the profiles with the real `ax`
//! (`arize-ax-cli` 0.39.0 from PyPI): `.ci/run` installs it into
//! `target/ax-venv` and runs them with `--ignored`; `AX_VENV` points
//! elsewhere. The others write a profile as `ax` writes it.

mod common;

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use serde_json::Value;

/// The key the embedded fake server accepts (`serve-mock`).
const KEY: &str = "mock-admin-key";
/// How many entries the fake server holds.
const ENTRIES: usize = 120;

/// The virtual environment that holds `ax`.
fn venv() -> PathBuf {
    std::env::var_os("AX_VENV").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/ax-venv"),
        PathBuf::from,
    )
}

/// Runs the real `ax` with `args` in `home`, with nothing from this
/// process's environment that steers it, and no way out to the network (its
/// update check is off in every profile made here, and a proxy on a closed
/// loopback port catches anything else).
fn ax(home: &Path, args: &[&str]) {
    let out = Command::new(venv().join("bin/ax"))
        .args(args)
        .current_dir(home)
        .env("HOME", home)
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env_remove("NO_PROXY")
        .env_remove("ARIZE_API_KEY")
        .env_remove("ARIZE_PROFILE")
        .output()
        .expect("ax runs (pip install arize-ax-cli==0.39.0 into target/ax-venv)");
    assert!(
        out.status.success(),
        "ax {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The tool with `args`, `HOME` at `home` and nothing else that names a
/// connection (no key, no base URL, no config file of its own).
fn tool(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = common::std_command(args, None);
    cmd.env("HOME", home);
    for (name, value) in env {
        cmd.env(name, value);
    }
    cmd.output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An export of every entry the fake server holds, into `home/NAME.jsonl`:
/// how many lines it wrote, and its stderr.
fn export(home: &Path, name: &str, args: &[&str], env: &[(&str, &str)]) -> (usize, String) {
    let output = home.join(format!("{name}.jsonl"));
    let mut all = vec!["export", "--since", "400d", "--output"];
    let path = output.to_str().expect("utf8").to_owned();
    all.push(&path);
    all.extend_from_slice(args);
    let out = tool(home, &all, env);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{args:?} {env:?}: {stderr}");
    let written = std::fs::read_to_string(&output).expect("output");
    (written.lines().count(), stderr)
}

fn show(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Value {
    let mut all = vec!["config", "show", "--json"];
    all.extend_from_slice(args);
    let out = tool(home, &all, env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stdout).contains(KEY), "never the key");
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// A profile file as `ax` writes it for a single host at `base`.
fn single_host_profile(base: &str, key: &str) -> String {
    let (host, port) = base
        .trim_start_matches("http://")
        .rsplit_once(':')
        .expect("host:port");
    format!(
        "[profile]\nname = \"fake\"\n\n[auth]\nauth_method = \"api-key\"\napi_key = \"{key}\"\n\n\
         [routing]\nsingle_host = \"{host}\"\nsingle_port = \"{port}\"\napi_host = \"api.arize.com\"\n\
         api_scheme = \"http\"\napp_host = \"app.arize.com\"\napp_scheme = \"https\"\n\n\
         [update]\nenabled = false\n"
    )
}

/// With the real `ax`, in a fresh home: `fake` (from a file: the single
/// host of the fake server at `base`), `eu` (`--region EU`), then `active`
/// made active with `ax profiles use`.
fn ax_home(base: &str, active: &str) -> common::TempDir {
    let home = common::temp_dir("ax-home");
    let fake = home.join("fake-in.toml");
    std::fs::write(&fake, single_host_profile(base, KEY)).expect("in");
    let eu = home.join("eu-in.toml");
    std::fs::write(
        &eu,
        "[auth]\nauth_method = \"api-key\"\napi_key = \"eu-key-not-a-secret\"\n\n\
         [update]\nenabled = false\n",
    )
    .expect("in");
    ax(
        &home,
        &[
            "profiles",
            "create",
            "fake",
            "--from-file",
            fake.to_str().expect("utf8"),
        ],
    );
    ax(
        &home,
        &[
            "profiles",
            "create",
            "eu",
            "--from-file",
            eu.to_str().expect("utf8"),
            "--region",
            "EU",
        ],
    );
    ax(&home, &["profiles", "use", active]);
    home
}

#[test]
#[ignore = "needs ax (arize-ax-cli 0.39.0, PyPI), which .ci/run installs"]
fn an_export_goes_through_axs_active_profile_with_no_other_setting() {
    let (_server, base) = common::serve_mock(&["--entries", &ENTRIES.to_string()]);
    let home = ax_home(&base, "fake");
    let (lines, stderr) = export(&home, "active", &[], &[]);
    assert_eq!(lines, ENTRIES, "{stderr}");
    assert!(!stderr.contains(KEY), "{stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let profile = home.join(".arize/profiles/fake.toml");
        let mode = std::fs::metadata(&profile)
            .expect("profile")
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            assert!(
                stderr.contains("accessible to other users") && stderr.contains("fake.toml"),
                "ax wrote its key into a mode {mode:o} file: {stderr}"
            );
        }
    }
    let s = show(&home, &[], &[]);
    assert_eq!(s["base_url"]["value"], base);
    let source = s["base_url"]["source"].as_str().unwrap_or_default();
    assert!(source.contains(".arize/profiles/fake.toml"), "{source}");
    assert_eq!(s["api_key"]["from"], "ax_profile");
    assert_eq!(s["profile"]["selected_by"], "being ax's active profile");
}

#[test]
#[ignore = "needs ax (arize-ax-cli 0.39.0, PyPI), which .ci/run installs"]
fn an_export_goes_through_an_ax_profile_named_by_profile_or_arize_profile() {
    let (_server, base) = common::serve_mock(&["--entries", &ENTRIES.to_string()]);
    // The active profile is the EU one, which this server does not serve.
    let home = ax_home(&base, "eu");
    let (lines, stderr) = export(&home, "flag", &["--profile", "fake"], &[]);
    assert_eq!(lines, ENTRIES, "{stderr}");
    let (lines, stderr) = export(&home, "env", &[], &[("ARIZE_PROFILE", "fake")]);
    assert_eq!(lines, ENTRIES, "{stderr}");
}

#[test]
#[ignore = "needs ax (arize-ax-cli 0.39.0, PyPI), which .ci/run installs"]
fn an_ax_profile_made_with_region_eu_sends_requests_to_the_eu_host() {
    let (_server, base) = common::serve_mock(&[]);
    let home = ax_home(&base, "eu");
    for (args, env) in [
        (&[][..], &[][..]),
        (&["--profile", "eu"][..], &[][..]),
        (&[][..], &[("ARIZE_PROFILE", "eu")][..]),
    ] {
        let s = show(&home, args, env);
        assert_eq!(s["base_url"]["value"], "https://api.eu-west-1a.arize.com");
        assert_eq!(s["region"], "eu-west-1a");
        let source = s["base_url"]["source"].as_str().unwrap_or_default();
        assert!(source.contains(".arize/profiles/eu.toml"), "{source}");
        let out = tool(&home, &["config", "show"], env);
        assert!(!text(&out.stdout).contains("eu-key-not-a-secret"));
    }
}

/// A home whose `ax` directory holds `profiles` and names `active`.
fn written_home(profiles: &[(&str, &str)], active: &str) -> common::TempDir {
    let home = common::temp_dir("ax-written");
    let dir = home.join(".arize/profiles");
    std::fs::create_dir_all(&dir).expect("dir");
    for (name, text) in profiles {
        std::fs::write(dir.join(format!("{name}.toml")), text).expect("profile");
    }
    std::fs::write(home.join(".arize/.active_profile"), active).expect("active");
    home
}

#[test]
fn a_profile_as_ax_writes_it_exports_with_a_warning_about_its_mode() {
    let (_server, base) = common::serve_mock(&["--entries", &ENTRIES.to_string()]);
    let home = written_home(&[("fake", &single_host_profile(&base, KEY))], "fake");
    let profile = home.join(".arize/profiles/fake.toml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&profile, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    let (lines, stderr) = export(&home, "active", &[], &[]);
    assert_eq!(lines, ENTRIES);
    #[cfg(unix)]
    assert!(
        stderr.contains("accessible to other users") && stderr.contains("mode 644"),
        "{stderr}"
    );
    assert!(!stderr.contains(KEY), "{stderr}");
}

#[test]
fn a_signed_out_oauth_profile_is_exit_3_saying_to_run_ax_auth_login() {
    let home = written_home(
        &[(
            "sso",
            "[auth]\nauth_method = \"oauth\"\n[routing]\nregion = \"EU\"\n",
        )],
        "sso",
    );
    let out = tool(&home, &["list"], &[]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("ax auth login"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_broken_profile_is_refused_without_quoting_its_key() {
    let secret = "ak-broken-profile-secret-42";
    let home = written_home(
        &[("bad", &format!("[auth]\napi_key = \"{secret}\n"))],
        "bad",
    );
    let out = tool(&home, &["list"], &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("bad.toml, line 2") && !stderr.contains(secret),
        "{stderr}"
    );
}

#[test]
fn the_sdks_variables_with_aliases_name_the_host_and_contradictions_are_refused() {
    let home = common::temp_dir("ax-sdk-env");
    let s = show(&home, &[], &[("ARIZE_REGION", "eu")]);
    assert_eq!(s["base_url"]["value"], "https://api.eu-west-1a.arize.com");
    let s = show(
        &home,
        &[],
        &[
            ("ARIZE_SINGLE_HOST", "127.0.0.1"),
            ("ARIZE_SINGLE_PORT", "18777"),
            ("ARIZE_API_SCHEME", "http"),
        ],
    );
    assert_eq!(s["base_url"]["value"], "http://127.0.0.1:18777");
    let out = tool(
        &home,
        &["config", "show"],
        &[("ARIZE_REGION", "US"), ("ARIZE_SINGLE_HOST", "h.example")],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("region (ARIZE_REGION)")
            && stderr.contains("single_host (ARIZE_SINGLE_HOST)"),
        "{stderr}"
    );
}

#[test]
fn config_show_gives_each_commands_page_size_and_says_a_key_file_is_missing() {
    let home = common::temp_dir("ax-show");
    let missing = home.join("no-such.key");
    let missing = missing.to_str().expect("utf8");
    let s = show(&home, &["--api-key-file", missing], &[]);
    assert_eq!(s["api_key"]["exists"], false);
    assert_eq!(s["page_size_by_command"]["export"]["value"], 100);
    assert_eq!(s["page_size_by_command"]["list"]["value"], 50);
    assert_eq!(
        s["page_size_by_command"]["list"]["source"],
        "the server's default"
    );
    let out = tool(&home, &["config", "show", "--api-key-file", missing], &[]);
    let shown = text(&out.stdout);
    assert!(
        shown.contains(&format!("missing: {missing} does not exist")),
        "{shown}"
    );
    assert!(!shown.contains("read from"), "{shown}");
    assert!(
        shown.contains("export 100  (default), list 50  (the server's default)"),
        "{shown}"
    );
}
