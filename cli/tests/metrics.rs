//! `export --metrics-listen`: what /metrics counts while a real export runs
//! against the fake server, /healthz failing once polls stall, and the
//! exposition passing Prometheus's own `promtool check metrics`.

mod common;

use std::{collections::HashMap, process::Stdio, time::Duration};

use arize_audit_logs::mock::{Faults, MockServer};
use common::cli::{text, START};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::Child,
};

async fn server(faults: Faults) -> MockServer {
    let server = common::cli::server(95, 31).await;
    server.set_faults(faults);
    server
}

/// `export --follow` from `START` with metrics on a port of its choosing;
/// the child and the metrics' base URL, read from what it prints.
async fn follow_with_metrics(
    server: &MockServer,
    extra: &[&str],
    out: &std::path::Path,
) -> (Child, String) {
    follow_with_metrics_on("127.0.0.1:0", server, extra, out).await
}

/// [`follow_with_metrics`] with `--metrics-listen listen`.
async fn follow_with_metrics_on(
    listen: &str,
    server: &MockServer,
    extra: &[&str],
    out: &std::path::Path,
) -> (Child, String) {
    let uri = server.uri();
    let mut args = vec![
        "export",
        "--base-url",
        &uri,
        "--start",
        START,
        "--page-size",
        "10",
        "--follow",
        "--metrics-listen",
        listen,
        "--output",
    ];
    let out = out.display().to_string();
    args.push(&out);
    args.extend(extra);
    let mut child = common::cli::command(&args, Some(server.api_key()))
        .stderr(Stdio::piped())
        .spawn()
        .expect("export starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let first = lines.next_line().await.expect("reads").expect("a line");
    let base = first
        .strip_prefix("Serving ")
        .and_then(|rest| rest.split("/metrics").next())
        .unwrap_or_else(|| panic!("where metrics are served: {first}"))
        .to_owned();
    (child, base)
}

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.expect("answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// The samples of an exposition: name with labels → value.
fn samples(exposition: &str) -> HashMap<String, f64> {
    exposition
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (name, value) = l.rsplit_once(' ').expect("name value");
            (name.to_owned(), value.parse().expect("a number"))
        })
        .collect()
}

fn lines(path: &std::path::Path) -> usize {
    std::fs::read(path).map_or(0, |b| b.iter().filter(|c| **c == b'\n').count())
}

#[tokio::test]
async fn metrics_count_entries_pages_requests_retries_rate_limit_waits_and_lag() {
    // Every request is rate limited (Retry-After: 1) until the fake relents.
    let server = server(Faults::none().rate_limit(1.0, Some(1))).await;
    let dir = common::temp_dir("metrics-counts");
    let output = dir.join("audit.jsonl");
    let (mut child, base) = follow_with_metrics(&server, &["--interval", "60s"], &output).await;
    common::wait_until("two requests were refused", || server.requests() >= 2).await;
    server.set_faults(Faults::none());
    common::wait_until("the range is written", || lines(&output) == 95).await;

    let (status, exposition) = get(&format!("{base}/metrics")).await;
    assert_eq!(status, 200);
    let m = samples(&exposition);
    let value = |name: &str| {
        m.get(name)
            .copied()
            .unwrap_or_else(|| panic!("{name} in {exposition}"))
    };
    assert_eq!(value("arize_audit_logs_entries_exported_total"), 95.0);
    assert_eq!(value("arize_audit_logs_pages_exported_total"), 10.0);
    let refused = value("arize_audit_logs_requests_total{status=\"429\"}");
    let answered = value("arize_audit_logs_requests_total{status=\"200\"}");
    assert!(refused >= 2.0, "{exposition}");
    assert_eq!(answered, 10.0);
    assert_eq!(
        refused + answered,
        server.requests() as f64,
        "every request counted"
    );
    assert_eq!(
        value("arize_audit_logs_retries_total"),
        refused,
        "each refusal was retried"
    );
    assert!(
        value("arize_audit_logs_rate_limit_wait_seconds_total") >= refused * 0.99,
        "each refusal waited its Retry-After second: {exposition}"
    );

    let newest = std::fs::read_to_string(&output)
        .expect("file")
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("entry")["created_at"]
                .as_str()
                .expect("t")
                .to_owned()
        })
        .max()
        .expect("entries");
    let newest: chrono::DateTime<chrono::Utc> = newest.parse().expect("time");
    let now = chrono::Utc::now();
    assert!(
        (value("arize_audit_logs_newest_entry_timestamp_seconds")
            - newest.timestamp_millis() as f64 / 1e3)
            .abs()
            < 1e-3
    );
    let lag = value("arize_audit_logs_lag_seconds");
    let expected_lag = (now - newest).num_milliseconds() as f64 / 1e3;
    assert!(
        (lag - expected_lag).abs() < 5.0,
        "lag {lag}, expected about {expected_lag}"
    );
    let last = value("arize_audit_logs_last_success_timestamp_seconds");
    assert!((now.timestamp() as f64 - last).abs() < 10.0, "{last}");

    let (status, health) = get(&format!("{base}/healthz")).await;
    assert_eq!(status, 200, "{health}");
    let (status, _) = get(&format!("{base}/other")).await;
    assert_eq!(status, 404);
    child.kill().await.expect("stops");
}

#[tokio::test]
async fn healthz_fails_once_polls_stall_for_more_than_the_allowed_intervals_and_recovers() {
    let server = server(Faults::none()).await;
    let dir = common::temp_dir("metrics-health");
    let output = dir.join("audit.jsonl");
    let (mut child, base) = follow_with_metrics(
        &server,
        &["--interval", "1s", "--health-intervals", "2"],
        &output,
    )
    .await;
    common::wait_until("the range is written", || lines(&output) == 95).await;
    let (status, health) = get(&format!("{base}/healthz")).await;
    assert_eq!(status, 200, "{health}");

    // Polls now take 5 s each: the last success grows older than 2 s.
    server.set_faults(Faults::none().latency(Duration::from_secs(5)));
    let mut stalled = None;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (status, health) = get(&format!("{base}/healthz")).await;
        if status == 503 {
            stalled = Some(health);
            break;
        }
    }
    let stalled = stalled.expect("/healthz turned 503");
    assert!(
        stalled.contains("stalled") && stalled.contains("2 intervals"),
        "{stalled}"
    );

    server.set_faults(Faults::none());
    let mut recovered = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if get(&format!("{base}/healthz")).await.0 == 200 {
            recovered = true;
            break;
        }
    }
    assert!(recovered, "/healthz recovers with the next successful poll");
    child.kill().await.expect("stops");
}

#[tokio::test]
#[ignore = "needs promtool (Debian's prometheus package); .ci/run installs it"]
async fn the_exposition_passes_promtool_check_metrics() {
    let server = server(Faults::none().server_error(0.3)).await;
    let dir = common::temp_dir("metrics-promtool");
    let output = dir.join("audit.jsonl");
    let (mut child, base) = follow_with_metrics(
        &server,
        &["--interval", "60s", "--max-attempts", "10"],
        &output,
    )
    .await;
    common::wait_until("the range is written", || lines(&output) == 95).await;
    let (_, exposition) = get(&format!("{base}/metrics")).await;
    child.kill().await.expect("stops");

    let mut promtool = tokio::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs");
    {
        use tokio::io::AsyncWriteExt;
        let mut stdin = promtool.stdin.take().expect("stdin");
        stdin
            .write_all(exposition.as_bytes())
            .await
            .expect("writes");
    }
    let out = promtool.wait_with_output().await.expect("promtool ends");
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool: {:?} {} {}\n{exposition}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        exposition.contains("arize_audit_logs_requests_total{status=\"500\"}")
            || exposition.contains("status=\"503\""),
        "{exposition}"
    );
}

#[tokio::test]
async fn metrics_listen_takes_a_host_name_and_serves_on_what_it_resolves_to() {
    let server = server(Faults::none()).await;
    let dir = common::temp_dir("metrics-localhost");
    let output = dir.join("audit.jsonl");
    let (mut child, base) = follow_with_metrics_on("localhost:0", &server, &[], &output).await;
    let host = base
        .strip_prefix("http://")
        .and_then(|rest| rest.parse::<std::net::SocketAddr>().ok())
        .unwrap_or_else(|| panic!("an address localhost resolves to: {base}"));
    assert!(host.ip().is_loopback(), "{base}");
    common::wait_until("the range is written", || lines(&output) == 95).await;
    let (status, exposition) = get(&format!("{base}/metrics")).await;
    assert_eq!(status, 200);
    assert_eq!(
        samples(&exposition)["arize_audit_logs_entries_exported_total"],
        95.0
    );
    child.kill().await.expect("stops");
}

#[tokio::test]
async fn metrics_listen_on_a_name_that_does_not_resolve_is_a_usage_error_naming_the_flag() {
    let server = server(Faults::none()).await;
    let dir = common::temp_dir("metrics-unresolvable");
    let output = dir.join("audit.jsonl");
    let out = common::cli::run(
        &common::cli::export_args(
            &server.uri(),
            &output,
            &["--metrics-listen", &format!("{UNRESOLVABLE}:9466")],
        ),
        Some(server.api_key()),
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let message = text(&out.stderr);
    assert!(
        message.contains("--metrics-listen") && message.contains("does not resolve"),
        "{message}"
    );
    assert_eq!(server.requests(), 0, "refused before any request");
    assert!(!output.exists(), "nothing written");
}

#[tokio::test]
async fn serve_mock_listens_on_a_host_name() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let listen = format!("localhost:{port}");
    let mut child = common::cli::command(&["serve-mock", "--listen", &listen], None)
        .stdout(Stdio::piped())
        .spawn()
        .expect("serve-mock starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next_line().await.expect("reads").expect("a line");
    child.kill().await.expect("stops");
    let uri = first
        .strip_prefix("Fake Arize audit-log API listening on ")
        .unwrap_or_else(|| panic!("where it listens: {first}"));
    assert!(uri.ends_with(&format!(":{port}")), "{first}");

    let out = common::cli::run(
        &["serve-mock", "--listen", &format!("{UNRESOLVABLE}:{port}")],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--listen"),
        "{}",
        text(&out.stderr)
    );
}

/// A name no resolver answers, without asking a server: its first label is
/// longer than DNS allows (63), and `.invalid` is reserved (RFC 6761).
const UNRESOLVABLE: &str =
    "a-label-longer-than-sixty-three-characters-is-refused-before-any-query.invalid";
