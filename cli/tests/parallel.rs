//! `export --parallel` writes exactly what a sequential export writes: the
//! same entries, once each, newest first, also when entries share the
//! timestamp of a window edge, through rate limits, and after a resume.

mod common;

use std::time::Duration;

use arize_audit_logs::{
    mock::{Faults, MockConfig, MockServer},
    AuditLog, OperationType,
};
use chrono::{DateTime, TimeDelta, Utc};

const BIN: &str = env!("CARGO_BIN_EXE_arize-audit-logs");
const START: &str = "2026-05-18T00:00:00Z";
/// 400 s after START: with 4 workers × 4 windows, every window edge falls on
/// a whole second (every 25 s), where three entries share the timestamp.
const END: &str = "2026-05-18T00:06:40Z";

fn temp(name: &str) -> common::TempPath {
    common::temp_path("parallel", name)
}

/// Three entries at every whole second of [START, END], and none elsewhere.
async fn server() -> MockServer {
    let server = MockServer::start(MockConfig::default().entries(0))
        .await
        .expect("server");
    let start: DateTime<Utc> = START.parse().expect("ts");
    let entries = (0..=400).flat_map(|s| {
        (0..3).map(move |k| {
            AuditLog::new(
                format!("e-{s:03}-{k}"),
                "VXNlcjox",
                "192.0.2.1",
                OperationType::Mutation,
                start + TimeDelta::seconds(s),
            )
            .with_operation_name(Some(format!("op{k}")))
        })
    });
    server.add_entries(entries);
    server
}

fn args<'a>(server_uri: &'a str, output: &'a str) -> Vec<&'a str> {
    vec![
        "export",
        "--base-url",
        server_uri,
        "--start",
        START,
        "--end",
        END,
        "--page-size",
        "7",
        "--output",
        output,
    ]
}

async fn run(server: &MockServer, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(BIN)
        .args(args)
        .env("ARIZE_API_KEY", server.api_key())
        .env_remove("ARIZE_BASE_URL")
        .kill_on_drop(true)
        .output()
        .await
        .expect("runs")
}

async fn sequential(server: &MockServer, name: &str) -> Vec<u8> {
    let path = temp(&format!("sequential-{name}.jsonl"));
    let uri = server.uri();
    let out = run(server, &args(&uri, path.to_str().expect("utf8"))).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&path).expect("file");
    assert_eq!(
        bytes.iter().filter(|b| **b == b'\n').count(),
        401 * 3,
        "every entry once"
    );
    bytes
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_output_is_identical_to_sequential_with_shared_timestamps_at_window_edges() {
    let server = server().await;
    let expected = sequential(&server, "edges").await;
    for workers in ["2", "4", "8"] {
        let path = temp(&format!("parallel-{workers}.jsonl"));
        let uri = server.uri();
        let mut a = args(&uri, path.to_str().expect("utf8"));
        a.extend(["--parallel", workers]);
        let out = run(&server, &a).await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            std::fs::read(&path).expect("file") == expected,
            "--parallel {workers} differs from sequential"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_output_is_identical_through_rate_limits() {
    let server = server().await;
    let expected = sequential(&server, "limited").await;
    server.set_faults(Faults::none().rate_limit(0.15, Some(0)).server_error(0.05));
    let path = temp("parallel-limited.jsonl");
    let uri = server.uri();
    let mut a = args(&uri, path.to_str().expect("utf8"));
    a.extend(["--parallel", "4", "--max-attempts", "10"]);
    let out = run(&server, &a).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(&path).expect("file") == expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_parallel_export_resumes_to_the_same_file() {
    let server = server().await;
    let expected = sequential(&server, "crash").await;
    server.set_faults(Faults::none().latency(Duration::from_millis(20)));
    let path = temp("parallel-crash.jsonl");
    let uri = server.uri();
    let mut a = args(&uri, path.to_str().expect("utf8"));
    a.extend(["--parallel", "4", "--checkpoint-every", "0s"]);
    let mut child = tokio::process::Command::new(BIN)
        .args(&a)
        .env("ARIZE_API_KEY", server.api_key())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    common::wait_until("the export made progress", || {
        common::checkpointed(&path) >= 400
    })
    .await;
    child.start_kill().expect("kill -9");
    let _ = child.wait().await;

    server.set_faults(Faults::none());
    a.push("--resume");
    let out = run(&server, &a).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read(&path).expect("file") == expected,
        "resumed parallel export differs"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_busy_window_is_split_among_idle_workers_and_the_output_stays_identical() {
    // 700 entries in the last 7 s of a 400 s range: all in the newest of the
    // 8 windows that 4 workers start with, so the others idle unless it splits.
    let server = MockServer::start(MockConfig::default().entries(0))
        .await
        .expect("server");
    let end: DateTime<Utc> = END.parse().expect("ts");
    server.add_entries((0..700).map(|k| {
        AuditLog::new(
            format!("busy-{k:03}"),
            "VXNlcjox",
            "192.0.2.1",
            OperationType::Query,
            end - TimeDelta::milliseconds(10 * k),
        )
    }));
    let uri = server.uri();
    let seq_path = temp("busy-sequential.jsonl");
    let out = run(&server, &args(&uri, seq_path.to_str().expect("utf8"))).await;
    assert!(out.status.success());
    let sequential_requests = server.requests();
    assert_eq!(sequential_requests, 100, "700 entries in pages of 7");

    let par_path = temp("busy-parallel.jsonl");
    let mut a = args(&uri, par_path.to_str().expect("utf8"));
    a.extend(["--parallel", "4"]);
    let out = run(&server, &a).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(&par_path).expect("file") == std::fs::read(&seq_path).expect("file"));
    let parallel_requests = server.requests() - sequential_requests;
    // Without splits: the busy window's 100 pages and one request for each of
    // the 7 empty windows. Every split adds at least one.
    assert!(
        parallel_requests > 107,
        "the busy window was split: {parallel_requests} requests"
    );
}
