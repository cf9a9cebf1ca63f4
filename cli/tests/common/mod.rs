//! Helpers shared by the command-line tests.
#![allow(dead_code)]

// The library's test helpers (a wiremock server, a test client, the key).
#[path = "../../../tests/common/mod.rs"]
mod library;
pub use library::*;

/// The variables that steer the tool, which a test sets itself or not at all.
pub const STEERING_ENV: &[&str] = &[
    "ARIZE_API_KEY",
    "ARIZE_BASE_URL",
    "ARIZE_REGION",
    "ARIZE_PROFILE",
    "ARIZE_API_HOST",
    "ARIZE_API_SCHEME",
    "ARIZE_API_PORT",
    "ARIZE_SINGLE_HOST",
    "ARIZE_SINGLE_PORT",
    "ARIZE_BASE_DOMAIN",
    "ARIZE_AUDIT_LOGS_TEST_PAUSE",
    "ARIZE_AUDIT_LOGS_TEST_FAIL_WRITE_AFTER",
    "ARIZE_AUDIT_LOGS_TEST_FAIL_OWNED_WRITES_AFTER",
    "ARIZE_AUDIT_LOGS_TEST_NO_PROGRESS_WAIT_MS",
    "COLUMNS",
    // The SDK's TLS and proxy variables (see cli/tests/transport.rs).
    "ARIZE_REQUEST_VERIFY",
    "ARIZE_SSL_CA_CERT",
    "REQUESTS_CA_BUNDLE",
    "SSL_CERT_FILE",
    "ARIZE_PROXY_URL",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];
/// Where tests point `ARIZE_CONFIG_FILE`: no config file, whatever the
/// machine has.
pub const NO_CONFIG_FILE: &str = "/nonexistent/arize-audit-logs/config.toml";

/// Where tests point `HOME`: no `~/.arize` (so a developer's own active `ax`
/// profile never connects a test to a real host), no AWS or config files. A
/// test that needs a home sets its own.
pub const NO_HOME: &str = "/nonexistent/arize-audit-logs/home";

/// The command-line tool with `args`, `key` as `ARIZE_API_KEY` (none: no
/// key), and nothing else from the environment that steers it.
pub fn std_command<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    key: Option<&str>,
) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_arize-audit-logs"));
    cmd.args(args)
        .env("ARIZE_CONFIG_FILE", NO_CONFIG_FILE)
        .env("HOME", NO_HOME)
        .env("NO_COLOR", "1");
    for name in STEERING_ENV {
        cmd.env_remove(name);
    }
    if let Some(key) = key {
        cmd.env("ARIZE_API_KEY", key);
    }
    cmd
}

/// `serve-mock` on a free loopback port, with `extra` flags, stopped when
/// dropped; its base URL once it listens.
pub fn serve_mock(extra: &[&str]) -> (ServeMock, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = std_command(
        &["serve-mock", "--listen", &format!("127.0.0.1:{port}")],
        None,
    )
    .args(extra)
    .stdin(std::process::Stdio::null())
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .expect("serve-mock starts");
    let server = ServeMock(child);
    let up = (0..200).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    assert!(up, "serve-mock did not listen on {port}");
    (server, format!("http://127.0.0.1:{port}"))
}

/// A running `serve-mock`, killed when dropped.
pub struct ServeMock(std::process::Child);

impl Drop for ServeMock {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the command-line tool with `args` against `server` and the test
/// key; panics unless it succeeds.
pub fn run_cli_ok(args: &[&str], server: &wiremock::MockServer) {
    let out = std_command(args, Some(TEST_KEY))
        .args(["--base-url", &server.uri()])
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A fresh directory for one test's files.
pub fn temp_dir(tag: &str) -> TempDir {
    use std::hash::{BuildHasher, Hasher};
    let mut unique = std::collections::hash_map::RandomState::new().build_hasher();
    unique.write_u64(0);
    let dir = std::env::temp_dir().join(format!(
        "arize-{tag}-{}-{:x}",
        std::process::id(),
        unique.finish()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    TempDir(dir)
}

/// A path named `name` in a fresh directory of its own, removed with it.
pub fn temp_path(tag: &str, name: &str) -> TempPath {
    let dir = temp_dir(tag);
    let path = dir.join(name);
    TempPath { path, _dir: dir }
}

/// A path in a directory of its own (see [`temp_path`]).
#[derive(Debug)]
pub struct TempPath {
    path: std::path::PathBuf,
    _dir: TempDir,
}

impl std::ops::Deref for TempPath {
    type Target = std::path::Path;

    fn deref(&self) -> &std::path::Path {
        &self.path
    }
}

impl AsRef<std::path::Path> for TempPath {
    fn as_ref(&self) -> &std::path::Path {
        &self.path
    }
}

/// A test's directory, removed when the test is done with it (and kept
/// when the test fails, to look into).
#[derive(Debug)]
pub struct TempDir(std::path::PathBuf);

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;

    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl AsRef<std::path::Path> for TempDir {
    fn as_ref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// The checkpoint file of an export to `output`.
pub fn checkpoint_of(output: &std::path::Path) -> std::path::PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".checkpoint");
    name.into()
}

/// Entries an export's journal records, 0 when there is none yet.
pub fn checkpointed(output: &std::path::Path) -> u64 {
    std::fs::read(checkpoint_of(output))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["written"]["entries"].as_u64())
        .unwrap_or(0)
}

/// Polls `done` every 25 ms for up to 10 s.
pub async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("timed out waiting until {what}");
}

/// The window and the fake server the command-line tests export from.
pub mod cli {
    use std::{collections::HashSet, ffi::OsStr, process::Output};

    /// The command-line tool with `args`, `key` as `ARIZE_API_KEY` (none:
    /// no key), and nothing else from the environment that steers it; its
    /// output piped, killed when dropped.
    pub fn command<S: AsRef<OsStr>>(args: &[S], key: Option<&str>) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::from(super::std_command(args, key));
        cmd.kill_on_drop(true)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        cmd
    }

    /// Runs [`command`] to the end.
    pub async fn run<S: AsRef<OsStr>>(args: &[S], key: Option<&str>) -> Output {
        command(args, key).output().await.expect("the binary runs")
    }

    /// Output as text, for messages and assertions.
    pub fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    /// The ids of a JSON Lines export, in file order.
    pub fn line_ids(path: &std::path::Path) -> Vec<String> {
        std::fs::read(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice::<AuditLog>(l).expect("entry").id)
            .collect()
    }

    /// The ids and the newest `created_at` of JSON Lines text.
    pub fn ids_and_newest(text: &str) -> (Vec<String>, Option<String>) {
        let mut newest: Option<String> = None;
        let ids = text
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| {
                let entry: serde_json::Value = serde_json::from_str(l).expect("an entry");
                let created = entry["created_at"].as_str().expect("created_at");
                if newest.as_deref().is_none_or(|n| created > n) {
                    newest = Some(created.to_owned());
                }
                entry["id"].as_str().expect("id").to_owned()
            })
            .collect();
        (ids, newest)
    }

    /// What a follower must have written, given what it wrote (JSON Lines):
    /// the ids a plain export of `[start, the newest created_at written]`
    /// gets from the fake server at `base`.
    pub fn plain_export_up_to(base: &str, start: &str, written: &str) -> HashSet<String> {
        let newest = ids_and_newest(written).1.expect("entries written");
        let out = super::std_command(
            &[
                "export",
                "--base-url",
                base,
                "--start",
                start,
                "--end",
                &newest,
            ],
            Some("mock-admin-key"),
        )
        .stdin(std::process::Stdio::null())
        .output()
        .expect("a plain export");
        assert!(out.status.success(), "{}", text(&out.stderr));
        ids_and_newest(&text(&out.stdout)).0.into_iter().collect()
    }

    /// `export` of [`START`, `END`] from `uri` into `path`, 50 entries a
    /// page, then `extra`.
    pub fn export_args(uri: &str, path: &std::path::Path, extra: &[&str]) -> Vec<String> {
        export_args_with(uri, "--output", path, extra)
    }

    /// `export` of [`START`, `END`] from `uri`, 50 entries a page, with
    /// `flag path` (`--output FILE`, `--state FILE`), then `extra`.
    pub fn export_args_with(
        uri: &str,
        flag: &str,
        path: &std::path::Path,
        extra: &[&str],
    ) -> Vec<String> {
        let mut args: Vec<String> = [
            "export",
            "--base-url",
            uri,
            "--start",
            START,
            "--end",
            END,
            "--page-size",
            "50",
            flag,
            path.to_str().expect("utf8"),
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    }

    /// Reads a child's stderr until its test hook says it paused
    /// (`ARIZE_AUDIT_LOGS_TEST_PAUSE`); `false` when it ended first.
    pub async fn wait_for_pause(child: &mut tokio::process::Child) -> bool {
        use tokio::io::{AsyncBufReadExt, BufReader};
        let Some(stderr) = child.stderr.take() else {
            return false;
        };
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if line.starts_with("test-pause:") {
                return true;
            }
        }
        false
    }

    use arize_audit_logs::{
        mock::{MockConfig, MockServer},
        AuditLog,
    };
    use chrono::{DateTime, TimeDelta, Utc};

    /// The window's inclusive bounds.
    pub const START: &str = "2026-04-01T00:00:00Z";
    pub const END: &str = "2026-05-18T12:00:00Z";

    pub fn end() -> DateTime<Utc> {
        END.parse().expect("ts")
    }

    /// A fake server whose entries reach 40 days back from [`END`].
    pub async fn server(entries: usize, seed: u64) -> MockServer {
        let config = MockConfig::default()
            .entries(entries)
            .seed(seed)
            .end(end())
            .span(TimeDelta::days(40));
        MockServer::start(config).await.expect("fake server")
    }

    /// The server's entries inside [START, END], newest first.
    pub fn in_window(server: &MockServer) -> Vec<AuditLog> {
        let start: DateTime<Utc> = START.parse().expect("ts");
        server
            .entries()
            .into_iter()
            .filter(|e| e.created_at >= start && e.created_at <= end())
            .collect()
    }
}
