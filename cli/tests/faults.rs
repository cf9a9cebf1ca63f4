//! The fault suite: an export through rate limits and a flaky network is
//! byte-identical to a fault-free one; a fault that never clears fails with
//! the cursor and the command to resume, and resuming completes the file.

mod common;

use std::time::Duration;

use arize_audit_logs::mock::{Faults, MockConfig, MockServer};
use chrono::TimeDelta;

const BIN: &str = env!("CARGO_BIN_EXE_arize-audit-logs");
const END: &str = "2026-05-18T12:00:00Z";

fn temp(name: &str) -> common::TempPath {
    common::temp_path("faults", name)
}

async fn export(
    server: &MockServer,
    output: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    tokio::process::Command::new(BIN)
        .args([
            "export",
            "--base-url",
            &server.uri(),
            "--start",
            "2026-01-01T00:00:00Z",
            "--end",
            END,
        ])
        .args([
            "--page-size",
            "100",
            "--output",
            output.to_str().expect("utf8"),
        ])
        .args(extra)
        .env("ARIZE_API_KEY", server.api_key())
        .env_remove("ARIZE_BASE_URL")
        .kill_on_drop(true)
        .output()
        .await
        .expect("runs")
}

fn faulty() -> Faults {
    Faults::none()
        .rate_limit(0.10, Some(0))
        .server_error(0.05)
        .drop_connection(0.02)
        .truncate_body(0.02)
}

#[tokio::test(flavor = "multi_thread")]
async fn export_of_20000_entries_through_faults_is_byte_identical_to_a_fault_free_one() {
    let config = MockConfig::default()
        .entries(20_000)
        .seed(99)
        .end(END.parse().expect("ts"))
        .span(TimeDelta::days(100));
    let server = MockServer::start(config).await.expect("server");

    let clean = temp("clean.jsonl");
    let out = export(&server, &clean, &[]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let clean_requests = server.requests();
    assert_eq!(clean_requests, 200, "20,000 entries in pages of 100");

    server.set_faults(faulty());
    let faulted = temp("faulted.jsonl");
    let out = export(&server, &faulted, &["--max-attempts", "10"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let faulted_requests = server.requests() - clean_requests;
    assert!(
        faulted_requests > 220,
        "faults were injected and retried: {faulted_requests} requests"
    );

    let (a, b) = (
        std::fs::read(&clean).expect("clean"),
        std::fs::read(&faulted).expect("faulted"),
    );
    assert_eq!(a.iter().filter(|c| **c == b'\n').count(), 20_000);
    assert!(a == b, "the faulted export differs from the clean one");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fault_that_never_clears_fails_naming_the_cursor_then_resume_completes_exactly() {
    let config = MockConfig::default()
        .entries(3_000)
        .seed(98)
        .end(END.parse().expect("ts"))
        .span(TimeDelta::days(100));
    let server = MockServer::start(config).await.expect("server");
    let clean = temp("never-clean.jsonl");
    assert!(export(&server, &clean, &[]).await.status.success());

    // Fails on its 6th page, and keeps failing.
    let broken = temp("never-broken.jsonl");
    server.set_faults(Faults::none().latency(Duration::from_millis(5)));
    let path = broken.to_path_buf();
    let uri = server.uri();
    let key = server.api_key().to_owned();
    let child = tokio::spawn(async move {
        tokio::process::Command::new(BIN)
            .args([
                "export",
                "--base-url",
                &uri,
                "--start",
                "2026-01-01T00:00:00Z",
                "--end",
                END,
            ])
            .args([
                "--page-size",
                "100",
                "--output",
                path.to_str().expect("utf8"),
                "--max-attempts",
                "3",
                "--checkpoint-every",
                "0s",
            ])
            .env("ARIZE_API_KEY", key)
            .kill_on_drop(true)
            .output()
            .await
            .expect("runs")
    });
    common::wait_until("some pages are checkpointed", || {
        common::checkpointed(&broken) >= 500
    })
    .await;
    server.set_faults(Faults::none().rate_limit(1.0, Some(0)));
    let out = child.await.expect("joined");
    assert_eq!(out.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("after 3 attempts"), "{stderr}");
    assert!(
        stderr.contains("It stopped at cursor "),
        "names the cursor: {stderr}"
    );
    assert!(stderr.contains("--resume"), "{stderr}");

    server.set_faults(Faults::none());
    let out = export(&server, &broken, &["--resume"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(&broken).expect("resumed") == std::fs::read(&clean).expect("clean"));
}
