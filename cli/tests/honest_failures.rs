//! Failures say what is true: entries that break the API's document are
//! archived as sent and end the export with exit 4 in every format; a full
//! disk at the very end says what is safe and how to continue, quoting the
//! journal's own cursor; long server text is shortened in every message.

mod common;

use common::{
    cli::{command, run, text},
    respond, TEST_KEY,
};
use wiremock::{matchers, Mock, MockServer, ResponseTemplate};

/// A page the document allows, then three the export must keep as sent:
/// a member of the wrong type, an operation type the document does not list
/// (no break: the list may grow), and a required member missing.
const SENT: [&str; 4] = [
    r#"{"id":"ok-1","user_id":"u1","ip":"1.2.3.4","operation_type":"QUERY","operation_name":"getModels","created_at":"2026-05-18T11:00:04.000Z"}"#,
    r#"{"id":"wrong-type","user_id":42,"ip":{"v":4},"operation_type":"MUTATION","created_at":"2026-05-18T11:00:03.000Z"}"#,
    r#"{"id":"new-kind","user_id":"u3","ip":"::1","operation_type":"TELEPORT","created_at":"2026-05-18T11:00:02.000Z"}"#,
    r#"{"id":"no-ip","user_id":"u4","operation_type":"QUERY","extra_member":[1,2],"created_at":"2026-05-18T11:00:01.000Z"}"#,
];

async fn breaking_server() -> MockServer {
    let server = MockServer::start().await;
    let body = format!(
        r#"{{"logs":[{}],"pagination":{{"has_more":false}}}}"#,
        SENT.join(",")
    );
    respond(200, "application/json", body.into_bytes())
        .mount(&server)
        .await;
    server
}

fn export_args(uri: &str, output: &std::path::Path, format: &str) -> Vec<String> {
    [
        "export",
        "--base-url",
        uri,
        "--start",
        "2026-05-18T00:00:00Z",
        "--end",
        "2026-05-18T12:00:00Z",
        "--format",
        format,
        "--output",
        output.to_str().expect("utf8"),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

fn assert_warned_and_exit_4(out: &std::process::Output) {
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(4),
        "the server is at fault: {stderr}"
    );
    assert!(
        stderr.contains("2 entries break the API's document"),
        "the count: {stderr}"
    );
    assert!(stderr.contains("wrong-type"), "names the first: {stderr}");
    assert!(stderr.contains("written as sent"), "{stderr}");
    assert!(
        !stderr.contains("run the same command again"),
        "a rerun would not help: {stderr}"
    );
}

#[tokio::test]
async fn entries_breaking_the_document_are_kept_as_sent_in_json_lines_and_exit_4() {
    let server = breaking_server().await;
    let dir = common::temp_dir("breaks-jsonl");
    let path = dir.join("out.jsonl");
    let args = export_args(&server.uri(), &path, "jsonl");
    let out = run(&args, Some(TEST_KEY)).await;
    assert_warned_and_exit_4(&out);
    let written = std::fs::read_to_string(&path).expect("the archive");
    let expected: String = SENT.iter().map(|l| format!("{l}\n")).collect();
    assert_eq!(written, expected, "every entry, byte for byte as sent");
    assert!(
        !common::checkpoint_of(&path).exists(),
        "the export is complete"
    );

    // The same command again does not loop on the same failure: the
    // archive is complete, and it is never replaced without --overwrite.
    let again = run(&args, Some(TEST_KEY)).await;
    assert_eq!(again.status.code(), Some(2), "{}", text(&again.stderr));
    assert!(text(&again.stderr).contains("--overwrite"));
    assert_eq!(std::fs::read_to_string(&path).expect("kept"), expected);
}

#[tokio::test]
async fn entries_breaking_the_document_are_kept_as_sent_in_a_json_array_and_exit_4() {
    let server = breaking_server().await;
    let dir = common::temp_dir("breaks-json");
    let path = dir.join("out.json");
    let out = run(&export_args(&server.uri(), &path, "json"), Some(TEST_KEY)).await;
    assert_warned_and_exit_4(&out);
    let written: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&path).expect("the archive")).expect("an array");
    let sent: Vec<serde_json::Value> = SENT
        .iter()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(written, sent, "every entry, every member");
}

#[tokio::test]
async fn entries_breaking_the_document_keep_every_member_in_csv_and_exit_4() {
    let server = breaking_server().await;
    let dir = common::temp_dir("breaks-csv");
    let path = dir.join("out.csv");
    let args = export_args(&server.uri(), &path, "csv");
    let out = run(&args, Some(TEST_KEY)).await;
    assert_warned_and_exit_4(&out);
    let mut reader = csv::Reader::from_path(&path).expect("csv");
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("row").iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 4, "a row per entry: {rows:?}");
    let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, ["ok-1", "wrong-type", "new-kind", "no-ip"]);
    // The wrong-typed members as the JSON text the server sent.
    assert_eq!(rows[1][1], "42");
    assert_eq!(rows[1][2], r#"{"v":4}"#);
    assert_eq!(rows[2][3], "TELEPORT");
    // The missing member is empty; the undocumented one is in `extra`.
    assert_eq!(rows[3][2], "");
    assert_eq!(rows[3][8], r#"{"extra_member":[1,2]}"#);
    assert_eq!(rows[3][7], "2026-05-18T11:00:01.000Z");

    let again = run(&args, Some(TEST_KEY)).await;
    assert_eq!(again.status.code(), Some(2), "{}", text(&again.stderr));
}

#[tokio::test]
async fn entries_breaking_the_document_to_stdout_with_state_exit_4_and_the_state_moves_on() {
    let server = breaking_server().await;
    let dir = common::temp_dir("breaks-stdout");
    let state = dir.join("state.json");
    let args = [
        "export",
        "--base-url",
        &server.uri(),
        "--start",
        "2026-05-18T00:00:00Z",
        "--end",
        "2026-05-18T12:00:00Z",
        "--state",
        state.to_str().expect("utf8"),
    ];
    let out = run(&args, Some(TEST_KEY)).await;
    assert_warned_and_exit_4(&out);
    assert_eq!(text(&out.stdout).lines().count(), 4);
    assert!(
        !state.exists(),
        "a finished range leaves no state to loop on"
    );
}

/// A server whose pages are small and many, each with a cursor of
/// `cursor_len` characters.
async fn paged_server(pages: usize, cursor_len: usize) -> MockServer {
    let server = MockServer::start().await;
    for page in 0..pages {
        let logs: Vec<String> = (0..5)
            .map(|i| {
                let n = page * 5 + i;
                format!(
                    r#"{{"id":"e{n:04}","user_id":"u","ip":"::1","operation_type":"QUERY","created_at":"2026-05-18T11:{:02}:{:02}.000Z"}}"#,
                    59 - n / 60,
                    59 - n % 60
                )
            })
            .collect();
        let next = format!("{page:03}{}", "c".repeat(cursor_len.saturating_sub(3)));
        let pagination = if page + 1 < pages {
            format!(r#"{{"has_more":true,"next_cursor":"{next}"}}"#)
        } else {
            r#"{"has_more":false}"#.to_owned()
        };
        let body = format!(
            r#"{{"logs":[{}],"pagination":{pagination}}}"#,
            logs.join(",")
        );
        let mut mock = Mock::given(matchers::method("GET")).and(matchers::path("/v2/audit-logs"));
        if page == 0 {
            mock = mock.and(matchers::query_param_is_missing("cursor"));
        } else {
            let this = format!(
                "{:03}{}",
                page - 1,
                "c".repeat(cursor_len.saturating_sub(3))
            );
            mock = mock.and(matchers::query_param("cursor", this));
        }
        mock.respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
            .mount(&server)
            .await;
    }
    server
}

fn journal_cursor(path: &std::path::Path) -> Option<String> {
    let journal: serde_json::Value =
        serde_json::from_slice(&std::fs::read(common::checkpoint_of(path)).expect("journal"))
            .expect("json");
    journal["plan"]["resume"]["cursor"]
        .as_str()
        .map(str::to_owned)
}

#[tokio::test]
async fn a_full_disk_at_the_final_flush_says_what_is_safe_and_how_to_continue() {
    let server = paged_server(4, 10).await;
    let dir = common::temp_dir("final-flush");
    let clean = dir.join("clean.json");
    let mut args = export_args(&server.uri(), &clean, "json");
    args.extend(["--page-size".into(), "5".into()]);
    let out = run(&args, Some(TEST_KEY)).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let size = std::fs::metadata(&clean).expect("clean").len();

    // Every byte but the array's last ones fits: the closing bracket, at
    // the final flush, meets a full disk.
    let path = dir.join("out.json");
    let mut args = export_args(&server.uri(), &path, "json");
    args.extend(["--page-size", "5", "--checkpoint-every", "0s"].map(String::from));
    let out = command(&args, Some(TEST_KEY))
        .env(
            "ARIZE_AUDIT_LOGS_TEST_FAIL_WRITE_AFTER",
            (size - 2).to_string(),
        )
        .output()
        .await
        .expect("runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "a local disk failure: {stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(
        stderr.contains("20 entries are safely in"),
        "the safe count: {stderr}"
    );
    assert!(
        stderr.contains("--resume"),
        "the continue command: {stderr}"
    );
    assert_eq!(common::checkpointed(&path), 20);

    let out = run(
        &[
            "export",
            "--output",
            path.to_str().expect("utf8"),
            "--resume",
        ],
        Some(TEST_KEY),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(&path).expect("resumed"),
        std::fs::read(&clean).expect("clean"),
        "the same array as an export that never failed"
    );
}

#[tokio::test]
async fn the_continue_message_quotes_the_journals_cursor_shortened() {
    // Pages of 5 entries (about 600 bytes) stay in the write buffer until
    // the sync after each page: the failing write is that sync's, after
    // the plan already moved on to the next page.
    let server = paged_server(6, 5_000).await;
    let dir = common::temp_dir("hint-cursor");
    let path = dir.join("out.jsonl");
    let mut args = export_args(&server.uri(), &path, "jsonl");
    args.extend(["--page-size", "5", "--checkpoint-every", "0s"].map(String::from));
    let out = command(&args, Some(TEST_KEY))
        .env("ARIZE_AUDIT_LOGS_TEST_FAIL_WRITE_AFTER", "1500")
        .output()
        .await
        .expect("runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let safe = common::checkpointed(&path);
    assert!(safe > 0, "{stderr}");
    assert!(
        stderr.contains(&format!("{safe} entries are safely in")),
        "the journal's count: {stderr}"
    );
    let cursor = journal_cursor(&path).expect("the journal stopped at a cursor");
    let quoted = stderr
        .split("It stopped at cursor ")
        .nth(1)
        .and_then(|rest| rest.split(" (entry ").next())
        .expect("the message names the cursor");
    assert!(
        quoted.chars().count() <= 230,
        "a 5,000-character cursor is shortened: {} characters",
        quoted.chars().count()
    );
    let shown = quoted.split('…').next().expect("prefix");
    assert!(
        cursor.starts_with(shown) && shown.len() >= 150,
        "the journal's cursor ({}…), not a later page's: {quoted}",
        &cursor[..10]
    );
    assert!(
        stderr.chars().count() < 1_500,
        "the 5,000 characters are not all there: {stderr}"
    );
}

#[tokio::test]
async fn the_stdout_continue_command_keeps_the_order_and_the_journals_place() {
    // Two pages, then the server fails: the command printed continues after
    // what stdout received, in the same order.
    let server = MockServer::start().await;
    let page = |ids: [&str; 2], at: [&str; 2], next: &str| {
        format!(
            r#"{{"logs":[{{"id":"{}","user_id":"u","ip":"::1","operation_type":"QUERY","created_at":"{}"}},{{"id":"{}","user_id":"u","ip":"::1","operation_type":"QUERY","created_at":"{}"}}],"pagination":{{"has_more":true,"next_cursor":"{next}"}}}}"#,
            ids[0], at[0], ids[1], at[1]
        )
    };
    Mock::given(matchers::query_param_is_missing("cursor"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            page(
                ["a", "b"],
                ["2026-05-18T11:00:04Z", "2026-05-18T11:00:03Z"],
                "p2",
            ),
            "application/json",
        ))
        .mount(&server)
        .await;
    Mock::given(matchers::query_param("cursor", "p2"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            page(
                ["c", "d"],
                ["2026-05-18T11:00:02Z", "2026-05-18T11:00:01Z"],
                "p3",
            ),
            "application/json",
        ))
        .mount(&server)
        .await;
    Mock::given(matchers::query_param("cursor", "p3"))
        .respond_with(ResponseTemplate::new(503).set_body_string("x".repeat(5_000)))
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
            "--page-size",
            "2",
            "--order",
            "oldest-first",
            "--max-attempts",
            "1",
        ],
        Some(TEST_KEY),
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    let ids: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("entry")["id"].to_string())
        .collect();
    assert_eq!(
        ids,
        [r#""b""#, r#""a""#, r#""d""#, r#""c""#],
        "oldest first"
    );
    let command = stderr
        .lines()
        .find(|l| l.trim_start().starts_with("arize-audit-logs export"))
        .unwrap_or_else(|| panic!("a continue command: {stderr}"));
    assert!(command.contains("--order oldest-first"), "{command}");
    assert!(command.contains("--cursor p3 --skip 0"), "{command}");
    assert!(
        stderr.lines().all(|l| l.chars().count() <= 400),
        "the server's 5,000 characters are shortened: {stderr}"
    );
}
