//! `operation_name`, the parameter the 2026-11-28 regeneration added, end to
//! end: the fake server filters on it exactly and refuses what the document
//! forbids; the library keeps the names on every page; the command line's
//! repeatable `--operation-name` reaches the wire from `list` and `export`,
//! and a parallel, a followed and a resumed export keep the names.

mod common;

use std::{path::Path, time::Duration};

use arize_audit_logs::{mock::MockServer, AuditLog, Client, OperationType};
use chrono::{DateTime, TimeDelta, Utc};
use futures::TryStreamExt;

use common::cli::{command, end, line_ids, run, server, text, wait_for_pause, END, START};

const NAMES: [&str; 2] = ["deleteApiKey", "updateMonitor"];

fn start() -> DateTime<Utc> {
    START.parse().expect("ts")
}

/// The ids of the window's entries named one of `names`, newest first.
fn matching(server: &MockServer, names: &[&str]) -> Vec<String> {
    common::cli::in_window(server)
        .into_iter()
        .filter(|e| {
            e.operation_name
                .as_deref()
                .is_some_and(|n| names.contains(&n))
        })
        .map(|e| e.id)
        .collect()
}

fn client(server: &MockServer) -> Client {
    server.client().expect("client")
}

fn export_args<'a>(uri: &'a str, path: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "export",
        "--base-url",
        uri,
        "--start",
        START,
        "--end",
        END,
        "--page-size",
        "7",
        "--operation-name",
        NAMES[0],
        "--operation-name",
        NAMES[1],
        "--output",
        path,
    ];
    args.extend_from_slice(extra);
    args
}

#[tokio::test]
async fn the_library_keeps_the_names_on_every_page_and_the_fake_server_matches_them_exactly() {
    let server = server(600, 31).await;
    let expected = matching(&server, &NAMES);
    assert!(expected.len() > 30, "several pages of matches");
    let got: Vec<String> = client(&server)
        .list_audit_logs()
        .time_range(start(), end())
        .operation_name(NAMES)
        .limit(7)
        .entries()
        .map_ok(|e| e.id)
        .try_collect()
        .await
        .expect("every page answered: the cursor is bound to the same names");
    assert_eq!(got, expected);

    let none: Vec<AuditLog> = client(&server)
        .list_audit_logs()
        .time_range(start(), end())
        .operation_name("DELETEAPIKEY")
        .entries()
        .try_collect()
        .await
        .expect("answered");
    assert!(none.is_empty(), "names are case-sensitive");
}

#[tokio::test]
async fn the_fake_server_answers_names_the_document_forbids_with_a_400_problem() {
    let server = server(10, 1).await;
    let http = reqwest::Client::new();
    let too_many: String = (0..21).map(|i| format!("operation_name=n{i}&")).collect();
    let long = format!("operation_name={}", "x".repeat(256));
    for query in [too_many.as_str(), "operation_name=", long.as_str()] {
        let response = http
            .get(format!("{}/v2/audit-logs?{query}", server.uri()))
            .bearer_auth(server.api_key())
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), 400, "{query}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let body: serde_json::Value = response.json().await.expect("problem");
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("operation_name")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn list_and_export_send_repeated_operation_name_flags() {
    let server = server(300, 32).await;
    let uri = server.uri();
    let out = run(
        &[
            "list",
            "--base-url",
            &uri,
            "--start",
            START,
            "--end",
            END,
            "--all",
            "--json",
            "--limit",
            "9",
            "--operation-name",
            NAMES[0],
            "--operation-name",
            NAMES[1],
        ],
        Some(server.api_key()),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed: Vec<AuditLog> = serde_json::from_slice(&out.stdout).expect("JSON array");
    let listed: Vec<String> = listed.into_iter().map(|e| e.id).collect();
    assert_eq!(listed, matching(&server, &NAMES));

    let dir = common::temp_dir("operation-name-export");
    let path = dir.join("names.jsonl");
    let path_text = path.to_str().expect("utf8");
    let out = run(&export_args(&uri, path_text, &[]), Some(server.api_key())).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(line_ids(&path), matching(&server, &NAMES));

    let parallel = dir.join("parallel.jsonl");
    let out = run(
        &export_args(&uri, parallel.to_str().expect("utf8"), &["--parallel", "4"]),
        Some(server.api_key()),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(&parallel).expect("parallel"),
        std::fs::read(&path).expect("sequential"),
        "--parallel keeps the names"
    );
}

#[tokio::test]
async fn invalid_names_are_usage_errors_naming_the_flag_and_nothing_is_sent() {
    let server = server(10, 2).await;
    let uri = server.uri();
    let long = "x".repeat(256);
    for (extra, says) in [
        (
            vec!["--operation-name", ""],
            "--operation-name (value 1): must not be empty",
        ),
        (
            vec!["--operation-name", "a", "--operation-name", &long],
            "--operation-name (value 2): 256 characters is too long: at most 255",
        ),
    ] {
        let mut args = vec!["list", "--base-url", &uri];
        args.extend(extra);
        let out = run(&args, Some(server.api_key())).await;
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains(says), "{}", text(&out.stderr));
    }
    let many: Vec<String> = (0..21).map(|i| format!("--operation-name=n{i}")).collect();
    let mut args = vec!["list", "--base-url", &uri];
    args.extend(many.iter().map(String::as_str));
    let out = run(&args, Some(server.api_key())).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--operation-name: 21 given, but at most 20 are allowed"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(server.requests(), 0, "nothing was sent");
}

#[tokio::test]
async fn a_resumed_export_keeps_the_names_and_refuses_other_ones() {
    let server = server(600, 33).await;
    let uri = server.uri();
    let dir = common::temp_dir("operation-name-resume");
    let path = dir.join("resumed.jsonl");
    let path_text = path.to_str().expect("utf8");

    // Stopped dead after the third page is written.
    let mut cmd = command(&export_args(&uri, path_text, &[]), Some(server.api_key()));
    cmd.env("ARIZE_AUDIT_LOGS_TEST_PAUSE", "page-written:3");
    let mut child = cmd.spawn().expect("spawn");
    assert!(wait_for_pause(&mut child).await, "reached the pause point");
    child.start_kill().expect("kill -9");
    child.wait().await.expect("exits");
    let journal: serde_json::Value =
        serde_json::from_slice(&std::fs::read(common::checkpoint_of(&path)).expect("journal"))
            .expect("JSON");
    assert_eq!(
        journal["filters"]["operation_name"],
        serde_json::json!(NAMES),
        "the journal records the names"
    );

    let out = run(
        &[
            "export",
            "--output",
            path_text,
            "--resume",
            "--operation-name",
            "getModels",
        ],
        Some(server.api_key()),
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("--operation-name getModels contradicts")
            && stderr.contains("deleteApiKey, updateMonitor"),
        "{stderr}"
    );

    let out = run(
        &["export", "--output", path_text, "--resume"],
        Some(server.api_key()),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(line_ids(&path), matching(&server, &NAMES));
}

#[tokio::test]
async fn a_followed_export_keeps_the_names_for_newer_entries() {
    let server = server(200, 34).await;
    let uri = server.uri();
    let dir = common::temp_dir("operation-name-follow");
    let path = dir.join("follow.jsonl");
    let first_pass = matching(&server, &NAMES);
    let mut child = command(
        &export_args(
            &uri,
            path.to_str().expect("utf8"),
            &["--follow", "--interval", "1s"],
        ),
        Some(server.api_key()),
    )
    .spawn()
    .expect("spawn");
    let lines = |path: &Path| {
        std::fs::read(path)
            .map(|b| b.iter().filter(|c| **c == b'\n').count())
            .unwrap_or(0)
    };
    common::wait_until("the first pass is written", || {
        lines(&path) == first_pass.len()
    })
    .await;

    let now = Utc::now();
    let newer: Vec<AuditLog> = ["deleteApiKey", "getModels", "updateMonitor", "DeleteApiKey"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut e = AuditLog::new(
                format!("new-{i}"),
                "VXNlcjo5",
                "192.0.2.1",
                OperationType::Mutation,
                now - TimeDelta::seconds(i64::try_from(i).expect("small")),
            );
            e.operation_name = Some((*name).to_owned());
            e
        })
        .collect();
    server.add_entries(newer);
    common::wait_until("the matching newer entries are appended", || {
        lines(&path) >= first_pass.len() + 2
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1_300)).await; // another poll: nothing else may appear
    let pid = child.id().expect("running").to_string();
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    child.wait().await.expect("exits");

    let written = line_ids(&path);
    assert_eq!(written.len(), first_pass.len() + 2, "{written:?}");
    assert_eq!(written[..first_pass.len()], first_pass[..]);
    let mut appended = written[first_pass.len()..].to_vec();
    appended.sort();
    assert_eq!(appended, ["new-0", "new-2"]);
}

fn page(id: &str, created_at: &str, next: Option<&str>) -> String {
    let pagination = match next {
        Some(c) => format!(r#"{{"next_cursor":"{c}","has_more":true}}"#),
        None => r#"{"has_more":false}"#.to_owned(),
    };
    format!(
        r#"{{"logs":[{{"id":"{id}","user_id":"VXNlcjox","ip":"192.0.2.1","operation_type":"MUTATION","operation_name":"deleteApiKey","operation_text":null,"variables":null,"created_at":"{created_at}"}}],"pagination":{pagination}}}"#
    )
}

#[tokio::test]
async fn a_failed_export_to_stdout_prints_a_command_that_continues_with_the_same_names() {
    use wiremock::{matchers, Mock, ResponseTemplate};
    let server = wiremock::MockServer::start().await;
    let json = |body: String| ResponseTemplate::new(200).set_body_raw(body, "application/json");
    Mock::given(matchers::query_param("cursor", "c2"))
        .respond_with(ResponseTemplate::new(503).set_body_raw(
            r#"{"status":503,"title":"Service unavailable"}"#,
            "application/problem+json",
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(matchers::query_param("cursor", "c2"))
        .respond_with(json(page("e2", "2026-05-01T00:00:00.000Z", None)))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(matchers::path("/v2/audit-logs"))
        .respond_with(json(page("e1", "2026-05-02T00:00:00.000Z", Some("c2"))))
        .with_priority(3)
        .mount(&server)
        .await;

    let uri = server.uri();
    let out = run(
        &[
            "export",
            "--base-url",
            &uri,
            "--start",
            START,
            "--end",
            END,
            "--max-attempts",
            "1",
            "--operation-name",
            "deleteApiKey",
            "--operation-name",
            "with space",
        ],
        Some("stdout-key"),
    )
    .await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    let continue_with = stderr
        .lines()
        .find(|l| l.trim_start().starts_with("arize-audit-logs export"))
        .unwrap_or_else(|| panic!("a command to continue: {stderr}"))
        .trim()
        .to_owned();
    assert!(
        continue_with.contains("--operation-name deleteApiKey --operation-name 'with space'"),
        "{continue_with}"
    );

    // Pasted into a shell as printed, it fetches the rest with the same names.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_arize-audit-logs"))
        .parent()
        .expect("bin dir");
    let pasted = tokio::process::Command::new("sh")
        .args(["-c", &continue_with])
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("ARIZE_API_KEY", "stdout-key")
        .env_remove("ARIZE_BASE_URL")
        .output()
        .await
        .expect("sh runs");
    assert!(pasted.status.success(), "{}", text(&pasted.stderr));
    let first: AuditLog =
        serde_json::from_slice(out.stdout.split(|b| *b == b'\n').next().expect("line"))
            .expect("entry");
    let rest: AuditLog =
        serde_json::from_slice(pasted.stdout.split(|b| *b == b'\n').next().expect("line"))
            .expect("entry");
    assert_eq!((first.id.as_str(), rest.id.as_str()), ("e1", "e2"));
    for request in server.received_requests().await.expect("recorded") {
        let names: Vec<String> = request
            .url
            .query_pairs()
            .filter(|(k, _)| k == "operation_name")
            .map(|(_, v)| v.into_owned())
            .collect();
        assert_eq!(names, ["deleteApiKey", "with space"], "{}", request.url);
    }
}
