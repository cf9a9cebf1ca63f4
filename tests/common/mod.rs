//! Helpers shared by the conformance tests.
#![allow(dead_code)]

use std::collections::BTreeMap;

use arize_audit_logs::{Client, RetryPolicy};
use serde::Serialize;
use wiremock::{matchers, Mock, MockServer, Request, ResponseTemplate};

/// The key every test client sends; snapshots redact it.
pub const TEST_KEY: &str = "test-key-not-a-secret";

/// A documented fixture, as bytes.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// A client for `server` that does not retry (so each test sees one request
/// per call unless it says otherwise) and ignores the environment.
pub fn client(server: &MockServer) -> Client {
    client_with(server, RetryPolicy::none())
}

pub fn client_with(server: &MockServer, retry: RetryPolicy) -> Client {
    Client::builder()
        .ignore_environment()
        .api_key(TEST_KEY)
        .base_url(server.uri())
        .retry_policy(retry)
        .build()
        .expect("test client")
}

/// Answers `GET /v2/audit-logs` with the given status and body, once or more.
pub fn respond(status: u16, content_type: &str, body: Vec<u8>) -> Mock {
    Mock::given(matchers::method("GET"))
        .and(matchers::path("/v2/audit-logs"))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, content_type))
}

/// A server that answers every `GET /v2/audit-logs` with an empty last
/// page, and expects `expected` requests (checked when it is dropped).
pub async fn empty_server(expected: u64) -> MockServer {
    let server = MockServer::start().await;
    respond(
        200,
        "application/json",
        br#"{"logs":[],"pagination":{"has_more":false}}"#.to_vec(),
    )
    .expect(expected)
    .mount(&server)
    .await;
    server
}

/// The values of query parameter `name` in each request `server` received,
/// in order.
pub async fn query_values(server: &MockServer, name: &str) -> Vec<Vec<String>> {
    server
        .received_requests()
        .await
        .expect("recording is on")
        .iter()
        .map(|r| {
            r.url
                .query_pairs()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .collect()
        })
        .collect()
}

/// Runs the command-line tool with `args` against `server` and the test
/// key; panics unless it succeeds.
#[cfg(feature = "cli")]
pub fn run_cli_ok(args: &[&str], server: &MockServer) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_arize-audit-logs"))
        .args(args)
        .args(["--base-url", &server.uri()])
        .env("ARIZE_API_KEY", TEST_KEY)
        .env_remove("ARIZE_BASE_URL")
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A request as it went over the wire, for snapshots.
#[derive(Serialize)]
pub struct WireRequest {
    pub method: String,
    pub path: String,
    /// Query pairs in wire order, percent-decoded.
    pub query: Vec<(String, String)>,
    /// The query string exactly as sent.
    pub raw_query: String,
    pub headers: BTreeMap<String, String>,
}

impl WireRequest {
    pub fn from(request: &Request) -> Self {
        let mut headers = BTreeMap::new();
        for (name, value) in request.headers.iter() {
            headers.insert(
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            );
        }
        Self {
            method: request.method.to_string(),
            path: request.url.path().to_owned(),
            query: request
                .url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            raw_query: request.url.query().unwrap_or("").to_owned(),
            headers,
        }
    }
}

/// Snapshots a wire request with the run-to-run values redacted: the host
/// (its port varies), the API key (its `Bearer ` prefix stays visible, and
/// the redaction checks the real key was sent), and the crate version in the
/// user agent.
#[macro_export]
macro_rules! assert_wire_snapshot {
    ($name:expr, $request:expr) => {
        insta::assert_yaml_snapshot!($name, $request, {
            ".headers.host" => "[host:port]",
            ".headers.authorization" => insta::dynamic_redaction(|value, _| {
                assert_eq!(
                    value.as_str(),
                    Some(format!("Bearer {}", $crate::common::TEST_KEY).as_str()),
                    "the Authorization header must be `Bearer <key>`"
                );
                "Bearer [api key]"
            }),
            ".headers[\"user-agent\"]" => insta::dynamic_redaction(|value, _| {
                let ua = value.as_str().unwrap_or_default().to_owned();
                assert_eq!(ua, arize_audit_logs::USER_AGENT);
                ua.replace(env!("CARGO_PKG_VERSION"), "[version]")
            }),
        });
    };
}

/// A client builder preset for `uri` with the test key, ignoring the
/// environment; for tests that tune other settings.
pub fn builder(uri: &str) -> arize_audit_logs::ClientBuilder {
    Client::builder()
        .ignore_environment()
        .api_key(TEST_KEY)
        .base_url(uri)
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
#[cfg(feature = "cli")]
pub mod cli {
    use std::{ffi::OsStr, process::Output};

    /// The command-line tool with `args`, `key` as `ARIZE_API_KEY` (none:
    /// no key), and nothing else from the environment that steers it; its
    /// output piped, killed when dropped.
    pub fn command<S: AsRef<OsStr>>(args: &[S], key: Option<&str>) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_arize-audit-logs"));
        cmd.args(args)
            .env_remove("ARIZE_API_KEY")
            .env_remove("ARIZE_BASE_URL")
            .env_remove("ARIZE_AUDIT_LOGS_TEST_PAUSE")
            .env_remove("ARIZE_AUDIT_LOGS_TEST_FAIL_WRITE_AFTER")
            .env("NO_COLOR", "1")
            .kill_on_drop(true)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if let Some(key) = key {
            cmd.env("ARIZE_API_KEY", key);
        }
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
