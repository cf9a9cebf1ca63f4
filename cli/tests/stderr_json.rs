//! `--log-format json` means every line on stderr is a JSON object: the
//! log events, and the tool's own lines ("Serving …", a warning, "Stopped
//! following …", the error that ends the command).

mod common;

#[cfg(unix)]
use std::{
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

use common::cli::{run, text};
use wiremock::MockServer;

/// Every line of `stderr` as JSON, or a failure naming the line that is not.
fn json_lines(stderr: &str) -> Vec<serde_json::Value> {
    assert!(!stderr.trim().is_empty(), "something was said");
    stderr
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .filter(serde_json::Value::is_object)
                .unwrap_or_else(|| panic!("not a JSON object: {line:?}\nin:\n{stderr}"))
        })
        .collect()
}

fn said<'a>(lines: &'a [serde_json::Value], words: &str) -> Option<&'a serde_json::Value> {
    lines
        .iter()
        .find(|l| l["message"].as_str().is_some_and(|m| m.contains(words)))
}

#[cfg(unix)]
fn lines_in(path: &Path) -> usize {
    std::fs::read(path).map_or(0, |b| b.iter().filter(|c| **c == b'\n').count())
}

#[cfg(unix)]
#[test]
fn a_followed_export_with_metrics_stopped_by_sigterm_writes_only_json_to_stderr() {
    let (_server, base) = common::serve_mock(&["--entries", "30", "--append-every", "200ms"]);
    let dir = common::temp_dir("stderr-json");
    let state = dir.join("state.json");
    let out = dir.join("out.jsonl");
    // A key file others may read: its warning is one of the lines.
    let key = dir.join("key");
    std::fs::write(&key, "mock-admin-key\n").expect("key");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("mode");
    }
    let start = (chrono::Utc::now() - chrono::TimeDelta::days(40))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let child = common::std_command(
        &[
            "export",
            "--base-url",
            &base,
            "--start",
            &start,
            "--follow",
            "--interval",
            "1s",
            "--metrics-listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "-vv",
        ],
        None,
    )
    .arg("--api-key-file")
    .arg(&key)
    .arg("--state")
    .arg(&state)
    .stdin(Stdio::null())
    .stdout(std::fs::File::create(&out).expect("stdout file"))
    .stderr(Stdio::piped())
    .spawn()
    .expect("export starts");
    let reached = (0..400).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        lines_in(&out) >= 32
    });
    assert!(reached, "the export followed");
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let done = child.wait_with_output().expect("exits");
    let stderr = text(&done.stderr);
    assert_eq!(done.status.code(), Some(0), "{stderr}");
    let lines = json_lines(&stderr);
    assert!(
        said(&lines, "Serving http://127.0.0.1:").is_some(),
        "{stderr}"
    );
    let stopped = said(&lines, "Stopped following on SIGTERM").expect("the stop is said");
    assert_eq!(stopped["level"], "INFO");
    assert_eq!(
        said(&lines, "accessible to other users").expect("the key file's warning")["level"],
        "WARN"
    );
    assert!(
        lines.iter().any(|l| l.get("status").is_some()),
        "the request events too (-vv): {stderr}"
    );
}

#[tokio::test]
async fn a_failing_export_says_its_warning_and_its_error_as_json() {
    let server = MockServer::start().await;
    let body = r#"{"logs":[{"id":"bad","user_id":7,"ip":"::1","operation_type":"QUERY","created_at":"2026-05-18T11:00:00Z"}],"pagination":{"has_more":false}}"#;
    common::respond(200, "application/json", body.as_bytes().to_vec())
        .mount(&server)
        .await;
    let out = run(
        &[
            "export",
            "--base-url",
            &server.uri(),
            "--start",
            "2026-05-18T00:00:00Z",
            "--end",
            "2026-05-18T12:00:00Z",
            "--log-format",
            "json",
        ],
        Some(common::TEST_KEY),
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    let lines = json_lines(&stderr);
    assert_eq!(
        said(&lines, "1 entry breaks").expect("warned")["level"],
        "WARN"
    );
    assert_eq!(lines.last().expect("a last line")["level"], "ERROR");
}
