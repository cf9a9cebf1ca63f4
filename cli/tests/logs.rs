//! Logs fit for a service: `-vv` logs one event per request, `--log-format
//! json` one object a line, and no terminal escapes unless stderr is a
//! terminal (see `terminal.rs` for that side).

mod common;

use arize_audit_logs::mock::{Faults, MockServer};
use common::cli::{text, END, START};

async fn flaky_server() -> MockServer {
    let server = common::cli::server(95, 21).await;
    server.set_faults(Faults::none().server_error(0.25));
    server
}

fn export_args<'a>(server: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "export",
        "--base-url",
        server,
        "--start",
        START,
        "--end",
        END,
        "--page-size",
        "10",
        "--max-attempts",
        "10",
    ];
    args.extend(extra);
    args
}

#[tokio::test]
async fn json_logs_carry_one_event_per_request_with_its_fields_and_never_the_key() {
    let server = flaky_server().await;
    let uri = server.uri();
    let out = common::cli::run(
        &export_args(&uri, &["-vv", "--log-format", "json"]),
        Some(server.api_key()),
    )
    .await;
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(text(&out.stdout).lines().count(), 95);

    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: not JSON: {l}")))
        .collect();
    let requests: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["target"] == "arize_audit_logs::request")
        .collect();
    assert_eq!(requests.len() as u64, server.requests(), "{stderr}");
    for event in &requests {
        assert_eq!(event["method"], "GET");
        assert!(
            event["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/v2/audit-logs?") && p.contains("limit=10")),
            "{event}"
        );
        assert!(event["status"].is_u64(), "{event}");
        assert!(event["attempt"].as_u64().is_some_and(|a| a >= 1), "{event}");
        assert!(event["duration_ms"].is_u64(), "{event}");
        assert!(event["timestamp"].is_string() && event["level"] == "DEBUG");
    }
    let retried: Vec<_> = requests
        .iter()
        .filter(|e| e["attempt"].as_u64() > Some(1))
        .collect();
    let failed: Vec<_> = requests
        .iter()
        .filter(|e| e["status"].as_u64().is_some_and(|s| s >= 500))
        .collect();
    assert!(
        !failed.is_empty(),
        "the fake answered some requests with 5xx"
    );
    assert_eq!(
        retried.len(),
        failed.len(),
        "each failure was retried once more"
    );
    assert!(
        events
            .iter()
            .any(|e| e["message"] == "request failed; retrying"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(server.api_key()),
        "the key is never logged"
    );
}

#[tokio::test]
async fn text_logs_have_no_escapes_off_a_terminal_even_without_no_color() {
    let server = flaky_server().await;
    let uri = server.uri();
    let mut command = common::cli::command(&export_args(&uri, &["-vv"]), Some(server.api_key()));
    command.env_remove("NO_COLOR");
    let out = command.output().await.expect("runs");
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "no ANSI escapes into a file: {stderr:?}"
    );
    let requests = stderr
        .lines()
        .filter(|l| l.contains(" DEBUG request method=\"GET\" path=/v2/audit-logs?"))
        .count();
    assert_eq!(requests as u64, server.requests(), "{stderr}");
}

#[tokio::test]
async fn without_v_a_clean_export_logs_nothing_and_one_v_only_retries() {
    let server = flaky_server().await;
    let uri = server.uri();
    let quiet = common::cli::run(&export_args(&uri, &[]), Some(server.api_key())).await;
    assert!(quiet.status.success());
    assert_eq!(text(&quiet.stderr), "", "nothing but what went wrong");

    let before = server.requests();
    let one = common::cli::run(&export_args(&uri, &["-v"]), Some(server.api_key())).await;
    assert!(one.status.success());
    let stderr = text(&one.stderr);
    let retries = stderr.lines().filter(|l| l.contains("retrying")).count() as u64;
    assert!(retries > 0, "{stderr}");
    assert_eq!(retries + 10, server.requests() - before, "{stderr}");
    assert!(!stderr.contains("request method="), "{stderr}");
}

#[tokio::test]
async fn a_request_id_the_server_sends_is_logged_with_its_request() {
    use wiremock::{matchers, Mock, ResponseTemplate};
    let server = wiremock::MockServer::start().await;
    Mock::given(matchers::method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-request-id", "req-7f3a")
                .set_body_raw(
                    common::fixture("list_audit_logs_200.json"),
                    "application/json",
                ),
        )
        .mount(&server)
        .await;
    let uri = server.uri();
    let out = common::cli::run(
        &[
            "list",
            "--base-url",
            &uri,
            "-vv",
            "--log-format",
            "json",
            "--format",
            "json",
        ],
        Some(common::TEST_KEY),
    )
    .await;
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let event: serde_json::Value = stderr
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
        .find(|e| e["target"] == "arize_audit_logs::request")
        .expect("a request event");
    assert_eq!(event["request_id"], "req-7f3a", "{event}");
    assert_eq!(event["status"], 200);
    assert_eq!(event["path"], "/v2/audit-logs");
}
