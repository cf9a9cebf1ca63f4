//! OAuth sign-in of an `ax` profile (`auth_method = "oauth"`), against the
//! fake server acting as Arize's API and app host: the stored access token
//! is used; within 60 s of expiry it is refreshed through `/oauth2/token`
//! under `ax`'s lock and written back into the profile; a long `--follow`
//! refreshes as it goes; a signed-out profile or a refused refresh is exit
//! 3 saying to run `ax auth login`; and a refresh racing a real `ax`
//! process redeems the refresh token once.

mod common;

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use arize_audit_logs::mock::{MockConfig, MockServer, OAuthTokens};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use common::cli::{line_ids, text, END, START};

/// A fake server whose entries reach 40 days back from [`END`], whose
/// access tokens live `lifetime`.
async fn server(entries: usize, lifetime: Duration) -> MockServer {
    let config = MockConfig::default()
        .entries(entries)
        .seed(11)
        .end(common::cli::end())
        .span(TimeDelta::days(40))
        .oauth_token_lifetime(lifetime);
    MockServer::start(config).await.expect("fake server")
}

/// A home directory whose active `ax` profile `work` is signed in to
/// `server` with `tokens` expiring at `expires_at`; returns the home and
/// the profile's path.
fn home_with_profile(
    server: &MockServer,
    tokens: Option<(&OAuthTokens, DateTime<Utc>)>,
) -> (common::TempDir, PathBuf) {
    let home = common::temp_dir("oauth-home");
    let profiles = home.join(".arize/profiles");
    std::fs::create_dir_all(&profiles).expect("profiles dir");
    std::fs::write(home.join(".arize/.active_profile"), "work").expect("active");
    let oauth = match tokens {
        Some((t, expires_at)) => format!(
            "\n[auth.oauth]\naccess_token = \"{}\"\nrefresh_token = \"{}\"\nexpires_at = {}\n\
             user_email = \"dev@example.com\"\n",
            t.access_token,
            t.refresh_token,
            expires_at.to_rfc3339_opts(SecondsFormat::Micros, false)
        ),
        None => String::new(),
    };
    let text = format!(
        "# Work account; a comment ax would drop, which a refresh keeps.\n\
         [profile]\nname = \"work\"\n\n[auth]\nauth_method = \"oauth\"\n{oauth}\n\
         [routing]\nsingle_host = \"127.0.0.1\"\nsingle_port = \"{}\"\n\
         api_scheme = \"http\"\napp_scheme = \"http\"\n\n\
         [output]\nformat = \"json\" # kept too\n",
        server.addr().port()
    );
    let path = profiles.join("work.toml");
    std::fs::write(&path, text).expect("profile");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    (home, path)
}

/// `export` of [START, END] through the active `ax` profile of `home`,
/// then `extra`; nothing else names a connection or a key.
fn export(home: &Path, output: &Path, extra: &[&str]) -> tokio::process::Command {
    let mut args: Vec<String> = ["export", "--start", START, "--page-size", "50"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.extend(["--output".to_owned(), output.display().to_string()]);
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let mut cmd = common::cli::command(&args, None);
    cmd.env("HOME", home);
    cmd
}

fn oauth_member(profile: &Path, name: &str) -> String {
    let doc: toml::Table = std::fs::read_to_string(profile)
        .expect("profile")
        .parse()
        .expect("toml");
    doc["auth"]["oauth"][name].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oauth_profile_exports_with_its_stored_token_and_leaves_the_file_alone() {
    let fake = server(120, Duration::from_secs(3600)).await;
    let tokens = fake.sign_in();
    let (home, profile) =
        home_with_profile(&fake, Some((&tokens, Utc::now() + TimeDelta::hours(1))));
    let before = std::fs::read(&profile).expect("profile");
    let output = home.join("out.jsonl");
    let out = export(&home, &output, &["--end", END])
        .output()
        .await
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(line_ids(&output).len(), common::cli::in_window(&fake).len());
    assert_eq!(fake.oauth_refreshes(), 0);
    assert_eq!(std::fs::read(&profile).expect("profile"), before);
    let shown = format!("{}{}", text(&out.stderr), text(&out.stdout));
    assert!(!shown.contains(&tokens.access_token), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_near_expiry_is_refreshed_and_written_back_keeping_every_other_member() {
    let fake = server(120, Duration::from_secs(3600)).await;
    let tokens = fake.sign_in();
    let (home, profile) =
        home_with_profile(&fake, Some((&tokens, Utc::now() + TimeDelta::seconds(30))));
    let output = home.join("out.jsonl");
    let out = export(&home, &output, &["--end", END])
        .env("RUST_LOG", "debug")
        .output()
        .await
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(line_ids(&output).len(), common::cli::in_window(&fake).len());
    assert_eq!((fake.oauth_refreshes(), fake.oauth_refused()), (1, 0));

    let after = std::fs::read_to_string(&profile).expect("profile");
    assert!(!after.contains(&tokens.access_token), "{after}");
    assert!(!after.contains(&tokens.refresh_token), "{after}");
    let expires: DateTime<Utc> = oauth_member(&profile, "expires_at").parse().expect("time");
    assert!(expires > Utc::now() + TimeDelta::minutes(55), "{expires}");
    assert_eq!(oauth_member(&profile, "user_email"), "\"dev@example.com\"");
    for kept in [
        "# Work account; a comment ax would drop, which a refresh keeps.",
        "[profile]\nname = \"work\"",
        "auth_method = \"oauth\"",
        "single_port = ",
        "format = \"json\" # kept too",
    ] {
        assert!(after.contains(kept), "{kept:?} lost: {after}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&profile)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "the profile's mode is kept");
    }
    assert!(
        profile.with_extension("toml.lock").exists(),
        "ax's lock file"
    );
    // Never a token in the logs, not even at debug level.
    let logged = text(&out.stderr);
    let new_access = oauth_member(&profile, "access_token");
    for token in [
        tokens.access_token.as_str(),
        tokens.refresh_token.as_str(),
        new_access.trim_matches('"'),
    ] {
        assert!(!logged.contains(token), "a token was logged: {logged}");
    }

    // The written tokens are the server's: a second export uses them as is.
    let again = export(&home, &home.join("again.jsonl"), &["--end", END])
        .output()
        .await
        .expect("runs");
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(fake.oauth_refreshes(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_longer_than_the_token_lifetime_refreshes_as_it_goes() {
    // A token lives 62 s, so it is within a minute of expiry 2 s after
    // each refresh.
    let fake = server(40, Duration::from_secs(62)).await;
    fake.grow(Duration::from_millis(300));
    let tokens = fake.sign_in();
    let (home, profile) =
        home_with_profile(&fake, Some((&tokens, Utc::now() + TimeDelta::seconds(62))));
    let output = home.join("followed.jsonl");
    let follower = export(&home, &output, &["--follow", "--interval", "1s"])
        .stdout(Stdio::null())
        .spawn()
        .expect("export starts");
    let waited = tokio::time::Instant::now();
    while fake.oauth_refreshes() < 3 && waited.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let id = follower.id().expect("running").to_string();
    let _ = std::process::Command::new("kill")
        .args(["-INT", &id])
        .status();
    let out = follower.wait_with_output().await.expect("ends");
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(
        fake.oauth_refreshes() >= 3,
        "refreshed {} times",
        fake.oauth_refreshes()
    );
    assert_eq!(fake.oauth_refused(), 0);
    assert!(line_ids(&output).len() > 40, "the follower kept writing");
    assert_ne!(
        oauth_member(&profile, "refresh_token").trim_matches('"'),
        tokens.refresh_token
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_out_profile_is_exit_3_saying_to_run_ax_auth_login() {
    let fake = server(10, Duration::from_secs(3600)).await;
    let (home, _) = home_with_profile(&fake, None);
    let out = export(&home, &home.join("out.jsonl"), &["--end", END])
        .output()
        .await
        .expect("runs");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("ax auth login"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(fake.requests(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_is_exit_3_saying_to_run_ax_auth_login_and_keeps_the_profile() {
    let fake = server(10, Duration::from_secs(3600)).await;
    let revoked = OAuthTokens {
        access_token: "expired-access".into(),
        refresh_token: "revoked-refresh".into(),
        expires_in: Duration::ZERO,
    };
    let (home, profile) =
        home_with_profile(&fake, Some((&revoked, Utc::now() - TimeDelta::hours(1))));
    let before = std::fs::read(&profile).expect("profile");
    let out = export(&home, &home.join("out.jsonl"), &["--end", END])
        .output()
        .await
        .expect("runs");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("invalid_grant") && stderr.contains("ax auth login"),
        "{stderr}"
    );
    assert!(!stderr.contains("revoked-refresh"), "{stderr}");
    assert_eq!((fake.oauth_refused(), fake.requests()), (1, 0));
    assert_eq!(std::fs::read(&profile).expect("profile"), before);
}

/// The real `ax` 0.39.0 that CI installs.
fn ax_python() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/ax-venv/bin/python")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs ax, which .ci/run installs"]
async fn a_refresh_racing_a_real_ax_process_redeems_the_refresh_token_once() {
    let fake = server(400, Duration::from_secs(3600)).await;
    for round in 0..3 {
        let tokens = fake.sign_in();
        let (home, profile) =
            home_with_profile(&fake, Some((&tokens, Utc::now() + TimeDelta::seconds(5))));
        let refreshes = fake.oauth_refreshes();
        // `ax`'s own path to a bearer (`make_client` → `get_active_bearer`:
        // its lock, its re-read, its write), in its own process, started
        // with our export.
        let ax = tokio::process::Command::new(ax_python())
            .args([
                "-c",
                "from ax.core.client_factory import make_client; make_client()",
            ])
            .env("HOME", &*home)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("ax's python runs");
        let ours = export(&home, &home.join("out.jsonl"), &["--end", END]).output();
        let (ax, ours) = tokio::join!(ax.wait_with_output(), ours);
        let (ax, ours) = (ax.expect("ax ends"), ours.expect("export ends"));
        assert!(
            ax.status.success(),
            "round {round}: ax: {}",
            text(&ax.stderr)
        );
        assert!(
            ours.status.success(),
            "round {round}: {}",
            text(&ours.stderr)
        );
        // One refresh between them: the second process found the first's
        // tokens inside the lock; none was refused.
        assert_eq!(fake.oauth_refreshes() - refreshes, 1, "round {round}");
        assert_eq!(fake.oauth_refused(), 0, "round {round}");
        // What the profile holds now still works.
        let latest = oauth_member(&profile, "refresh_token");
        let answer = reqwest::Client::new()
            .post(format!("{}/oauth2/token", fake.uri()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=refresh_token&refresh_token={}&client_id=arize-cli",
                latest.trim_matches('"')
            ))
            .send()
            .await
            .expect("answers");
        assert_eq!(answer.status(), 200, "round {round}");
    }
}
