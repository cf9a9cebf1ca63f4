//! The `arize-audit-logs` command, run as a user runs it, against the
//! embedded fake server.

mod common;

use std::{path::Path, time::Duration};

use arize_audit_logs::{mock::Faults, AuditLog, OperationType};
use chrono::{TimeDelta, Utc};

use common::cli::{command, end, in_window, run, server, text, END, START};

fn read_jsonl(path: &Path) -> Vec<AuditLog> {
    let bytes = std::fs::read(path).expect("export file");
    bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("each line is an entry"))
        .collect()
}

fn ids(entries: &[AuditLog]) -> Vec<&str> {
    entries.iter().map(|e| e.id.as_str()).collect()
}

#[tokio::test]
async fn help_texts_document_every_command() {
    for args in [
        &["--help"][..],
        &["list", "--help"],
        &["export", "--help"],
        &["schema", "--help"],
        &["serve-mock", "--help"],
        &["demo", "--help"],
        &["config", "--help"],
        &["completions", "--help"],
        &["man", "--help"],
        &["verify", "--help"],
        &["keygen", "--help"],
    ] {
        let out = run(args, None).await;
        assert!(out.status.success(), "{args:?}");
        let name = match args[0] {
            "--help" => "help_main".to_owned(),
            command => format!("help_{command}"),
        };
        insta::assert_snapshot!(name, text(&out.stdout));
    }
}

#[tokio::test]
async fn list_prints_one_page_as_a_table_with_escaped_text() {
    let server = server(40, 11).await;
    let weird = AuditLog::new(
        "evil",
        "VXNlcjox",
        "::1",
        OperationType::Unknown("WEBHOOK".into()),
        end(),
    )
    .with_operation_name(Some("rename\u{1b}[31mRED\u{7}".into()));
    server.add_entries([weird]);
    let out = command(
        &[
            "list",
            "--format",
            "table",
            "--base-url",
            &server.uri(),
            "--end",
            END,
            "--limit",
            "5",
        ],
        Some(server.api_key()),
    )
    .env("COLUMNS", "100")
    .output()
    .await
    .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        !stdout.contains('\u{1b}'),
        "no raw escape reaches the terminal"
    );
    for line in stdout.lines() {
        assert!(line.chars().count() <= 100, "wider than COLUMNS: {line}");
    }
    insta::assert_snapshot!("list_table", stdout);
    assert!(
        text(&out.stderr).starts_with("5 entries; the next page:\n  arize-audit-logs list"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn list_into_a_pipe_prints_tab_separated_lines_and_the_hint_on_stderr() {
    let server = server(40, 11).await;
    let out = run(
        &[
            "list",
            "--base-url",
            &server.uri(),
            "--end",
            END,
            "--limit",
            "5",
        ],
        Some(server.api_key()),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let expected: Vec<String> = server
        .entries()
        .iter()
        .take(5)
        .map(|e| {
            [
                e.created_at_text().into_owned(),
                e.operation_type.to_string(),
                e.operation_name.clone().unwrap_or_default(),
                e.user_id.clone(),
                e.ip.clone(),
                e.id.clone(),
            ]
            .join("\t")
        })
        .collect();
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected);
    assert!(!stdout.contains('│'), "no table when piped");
    assert!(
        text(&out.stderr).contains("--cursor"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn lists_next_page_hint_with_a_relative_window_works_later() {
    let server = server(40, 11).await;
    let args = [
        "list",
        "--base-url",
        &server.uri(),
        "--since",
        "400d",
        "--limit",
        "2",
    ];
    let first = run(&args, Some(server.api_key())).await;
    assert!(first.status.success(), "{}", text(&first.stderr));
    let stderr = text(&first.stderr);
    let hint = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("arize-audit-logs "))
        .unwrap_or_else(|| panic!("no hint: {stderr}"));
    assert!(
        hint.contains("--start ") && hint.contains("--end ") && !hint.contains("--since"),
        "the window is absolute: {hint}"
    );
    // A relative window would have moved on by now.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let next = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("\"$BIN\" {hint}"))
        .env("BIN", env!("CARGO_BIN_EXE_arize-audit-logs"))
        .env("ARIZE_API_KEY", server.api_key())
        .env("ARIZE_CONFIG_FILE", "/nonexistent/config.toml")
        .env_remove("ARIZE_BASE_URL")
        .output()
        .await
        .expect("sh runs");
    assert!(next.status.success(), "{hint}: {}", text(&next.stderr));
    let ids: Vec<String> = text(&next.stdout)
        .lines()
        .map(|l| l.rsplit('\t').next().unwrap_or_default().to_owned())
        .collect();
    let expected: Vec<String> = server.entries()[2..4]
        .iter()
        .map(|e| e.id.clone())
        .collect();
    assert_eq!(ids, expected, "the page after the first two");
}

#[tokio::test]
async fn list_json_is_the_page_as_sent() {
    let server = server(3, 11).await;
    let out = run(
        &[
            "list",
            "--json",
            "--base-url",
            &server.uri(),
            "--start",
            START,
            "--end",
            END,
        ],
        Some(server.api_key()),
    )
    .await;
    assert!(out.status.success());
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(page["logs"].as_array().map(Vec::len), Some(3));
    assert_eq!(page["pagination"], serde_json::json!({"has_more": false}));
}

#[tokio::test]
async fn errors_are_sentences_with_documented_exit_codes() {
    let server = server(5, 11).await;
    let uri = server.uri();
    let cases: [(&str, Vec<&str>, Option<&str>, i32); 6] = [
        ("missing_key", vec!["list"], None, 3),
        (
            "wrong_key",
            vec!["list", "--base-url", &uri],
            Some("not-the-key"),
            3,
        ),
        (
            "non_admin_key",
            vec!["list", "--base-url", &uri],
            Some("mock-member-key"),
            3,
        ),
        (
            "limit_out_of_range",
            vec!["list", "--base-url", &uri, "--limit", "500"],
            Some(server.api_key()),
            2,
        ),
        (
            "start_after_end",
            vec!["export", "--base-url", &uri, "--start", END, "--end", START],
            Some(server.api_key()),
            2,
        ),
        (
            "unknown_operation_type",
            vec!["list", "--operation-type", "webhook"],
            Some("k"),
            2,
        ),
    ];
    for (name, args, key, code) in cases {
        let out = run(&args, key).await;
        assert_eq!(
            out.status.code(),
            Some(code),
            "{name}: {}",
            text(&out.stderr)
        );
        let stderr = text(&out.stderr).replace(&uri, "http://[fake-server]");
        assert!(!stderr.contains("not-the-key"), "the key never appears");
        insta::assert_snapshot!(format!("error_{name}"), stderr);
    }
}

#[tokio::test]
async fn export_writes_every_filtered_entry_once_newest_first_in_each_format() {
    let server = server(700, 12).await;
    let user = server.entries()[3].user_id.clone();
    let dir = tempdir();
    let expected_all = in_window(&server);
    let expected_mutations: Vec<AuditLog> = expected_all
        .iter()
        .filter(|e| e.operation_type == OperationType::Mutation)
        .cloned()
        .collect();
    let expected_user: Vec<AuditLog> = expected_all
        .iter()
        .filter(|e| e.user_id == user)
        .cloned()
        .collect();

    for format in ["jsonl", "csv", "json"] {
        let path = dir.join(format!("all.{format}"));
        let out = run(
            &[
                "export",
                "--base-url",
                &server.uri(),
                "--start",
                START,
                "--end",
                END,
                "--page-size",
                "37",
                "--format",
                format,
                "--output",
                path.to_str().expect("utf8"),
            ],
            Some(server.api_key()),
        )
        .await;
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        let got: Vec<String> = match format {
            "jsonl" => ids(&read_jsonl(&path))
                .into_iter()
                .map(str::to_owned)
                .collect(),
            "json" => serde_json::from_slice::<Vec<AuditLog>>(&std::fs::read(&path).expect("file"))
                .expect("a JSON array of entries")
                .into_iter()
                .map(|e| e.id)
                .collect(),
            _ => {
                let mut reader = csv::Reader::from_path(&path).expect("csv");
                assert_eq!(
                    reader.headers().expect("header").iter().collect::<Vec<_>>(),
                    [
                        "id",
                        "user_id",
                        "ip",
                        "operation_type",
                        "operation_name",
                        "operation_text",
                        "variables",
                        "created_at",
                        "extra"
                    ]
                );
                reader
                    .records()
                    .map(|r| r.expect("row")[0].to_owned())
                    .collect()
            }
        };
        assert_eq!(
            got,
            ids(&expected_all),
            "{format}: every entry once, newest first"
        );
        assert!(
            !checkpoint(&path).exists(),
            "a finished export leaves no checkpoint"
        );
    }

    let path = dir.join("mutations.jsonl");
    let out = run(
        &[
            "export",
            "--base-url",
            &server.uri(),
            "--start",
            START,
            "--end",
            END,
            "--operation-type",
            "mutation",
            "--output",
            path.to_str().expect("utf8"),
        ],
        Some(server.api_key()),
    )
    .await;
    assert!(out.status.success());
    assert_eq!(
        read_jsonl(&path),
        expected_mutations,
        "entries round-trip field for field"
    );

    let out = run(
        &[
            "export",
            "--base-url",
            &server.uri(),
            "--start",
            START,
            "--end",
            END,
            "--user-id",
            &user,
        ],
        Some(server.api_key()),
    )
    .await;
    assert!(out.status.success());
    let stdout_ids: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<AuditLog>(l).expect("entry").id)
        .collect();
    assert_eq!(stdout_ids, ids(&expected_user));
}

fn tempdir() -> common::TempDir {
    common::temp_dir("cli")
}

use common::{checkpoint_of as checkpoint, checkpointed, wait_until};

fn export_args<'a>(server_uri: &'a str, path: &'a Path) -> Vec<&'a str> {
    vec![
        "export",
        "--base-url",
        server_uri,
        "--start",
        START,
        "--end",
        END,
        "--page-size",
        "50",
        "--checkpoint-every",
        "0s",
        "--output",
        path.to_str().expect("utf8"),
    ]
}

#[tokio::test]
async fn resuming_after_a_crash_gives_the_file_of_an_uninterrupted_export() {
    let server = server(3_000, 13).await;
    let dir = tempdir();
    let clean = dir.join("clean.jsonl");
    let out = run(&export_args(&server.uri(), &clean), Some(server.api_key())).await;
    assert!(out.status.success());

    server.set_faults(Faults::none().latency(Duration::from_millis(15)));
    let crashed = dir.join("crashed.jsonl");
    let mut child = command(
        &export_args(&server.uri(), &crashed),
        Some(server.api_key()),
    )
    .spawn()
    .expect("spawn");
    wait_until("a third of the export is checkpointed", || {
        checkpointed(&crashed) >= 1_000
    })
    .await;
    child.start_kill().expect("kill -9");
    let _ = child.wait().await;
    assert!(checkpoint(&crashed).exists());
    // Killed mid-write, the file may end in part of a line (a resume cuts it).
    let lines = std::fs::read(&crashed)
        .expect("file")
        .iter()
        .filter(|b| **b == b'\n')
        .count();
    assert!(lines < 3_000, "the kill came before the end");

    server.set_faults(Faults::none());
    let uri = server.uri();
    let mut resume = export_args(&uri, &crashed);
    resume.push("--resume");
    let out = run(&resume, Some(server.api_key())).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(&crashed).expect("file"),
        std::fs::read(&clean).expect("file")
    );
    assert!(!checkpoint(&crashed).exists());
}

#[tokio::test]
async fn network_failure_says_how_to_resume_and_resuming_completes_the_file_exactly() {
    let server = server(1_500, 14).await;
    let dir = tempdir();
    let clean = dir.join("clean.csv");
    let uri = server.uri();
    let mut args = export_args(&uri, &clean);
    args.extend(["--format", "csv"]);
    assert!(run(&args, Some(server.api_key())).await.status.success());

    server.set_faults(Faults::none().latency(Duration::from_millis(10)));
    let broken = dir.join("broken.csv");
    let uri = server.uri();
    let mut args = export_args(&uri, &broken);
    args.extend(["--format", "csv", "--max-attempts", "2"]);
    let child = command(&args, Some(server.api_key()))
        .spawn()
        .expect("spawn");
    wait_until("some pages are written", || checkpointed(&broken) >= 300).await;
    server.set_faults(Faults::none().server_error(1.0));
    let out = child.wait_with_output().await.expect("exits");
    assert_eq!(out.status.code(), Some(4), "server failure exit code");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("after 2 attempts"), "{stderr}");
    assert!(stderr.contains("--resume"), "{stderr}");

    server.set_faults(Faults::none());
    args.push("--resume");
    let out = run(&args, Some(server.api_key())).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(&broken).expect("file"),
        std::fs::read(&clean).expect("file")
    );
}

#[tokio::test]
async fn follow_appends_newer_entries_once_each_across_the_inclusive_boundary() {
    let server = server(120, 16).await;
    let dir = tempdir();
    let path = dir.join("follow.jsonl");
    let first_pass = in_window(&server);
    assert!(
        first_pass.iter().filter(|e| e.created_at == end()).count() >= 1,
        "entries sit on the boundary"
    );

    let uri = server.uri();
    let mut args = export_args(&uri, &path);
    args.extend(["--follow", "--interval", "1s"]);
    let child = command(&args, Some(server.api_key()))
        .spawn()
        .expect("spawn");
    wait_until("the first pass is written", || {
        std::fs::read(&path)
            .map(|b| b.iter().filter(|c| **c == b'\n').count())
            .unwrap_or(0)
            == first_pass.len()
    })
    .await;

    // Newer entries arrive, one of them sharing the boundary timestamp.
    let now = Utc::now();
    let newer: Vec<AuditLog> = (0..5)
        .map(|i| {
            AuditLog::new(
                format!("new-{i}"),
                "VXNlcjo5",
                "192.0.2.1",
                OperationType::Mutation,
                now - TimeDelta::seconds(i),
            )
        })
        .chain([AuditLog::new(
            "late-at-boundary",
            "VXNlcjo5",
            "192.0.2.1",
            OperationType::Query,
            end(),
        )])
        .collect();
    server.add_entries(newer.clone());
    let total = first_pass.len() + newer.len();
    wait_until("the newer entries are appended", || {
        std::fs::read(&path)
            .map(|b| b.iter().filter(|c| **c == b'\n').count())
            .unwrap_or(0)
            >= total
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1_300)).await; // another poll: nothing more may appear

    let pid = child.id().expect("running").to_string();
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(interrupted.success());
    let out = child.wait_with_output().await.expect("exits");
    // Ctrl-C interrupts --follow (130), whether it waits for the next poll
    // or a poll is in flight, and says how to continue; the file holds
    // every entry once (checked below).
    assert!(
        out.status.code() == Some(130) && text(&out.stderr).contains("--resume"),
        "Ctrl-C ends --follow: {:?} {}",
        out.status,
        text(&out.stderr)
    );

    let written = read_jsonl(&path);
    let mut seen = std::collections::HashSet::new();
    assert!(
        written.iter().all(|e| seen.insert(e.id.clone())),
        "no entry twice"
    );
    assert_eq!(written.len(), total);
    assert_eq!(
        ids(&written[..first_pass.len()]),
        ids(&first_pass),
        "first pass newest first"
    );
    for e in &newer {
        assert!(seen.contains(&e.id), "{} picked up", e.id);
    }
}

#[tokio::test]
async fn api_key_file_is_read_and_a_shared_one_warns() {
    use std::os::unix::fs::PermissionsExt;
    let server = server(2, 17).await;
    let dir = tempdir();
    let key_file = dir.join("key");
    std::fs::write(&key_file, format!("{}\n", server.api_key())).expect("write");

    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let args = [
        "list",
        "--base-url",
        &server.uri(),
        "--api-key-file",
        key_file.to_str().expect("utf8"),
    ];
    let out = run(&args, None).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("warning"));

    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = run(&args, None).await;
    assert!(out.status.success());
    assert!(
        text(&out.stderr).contains("accessible to other users (mode 644)"),
        "{}",
        text(&out.stderr)
    );
    assert!(!text(&out.stderr).contains(server.api_key()));
}

#[tokio::test]
async fn schema_describes_an_exported_line() {
    let out = run(&["schema"], None).await;
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON Schema");
    let required: Vec<&str> = schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(
        required,
        ["id", "user_id", "ip", "operation_type", "created_at"]
    );
    insta::assert_snapshot!("schema", text(&out.stdout));
}

#[tokio::test]
async fn demo_exports_from_the_embedded_server_and_checks_the_file() {
    let dir = tempdir();
    let path = dir.join("demo.jsonl");
    let out = run(
        &[
            "demo",
            "--entries",
            "321",
            "--output",
            path.to_str().expect("utf8"),
        ],
        None,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Exported 321 entries in 4 pages"),
        "{stdout}"
    );
    assert!(stdout.contains("exactly once, newest first"));
    assert_eq!(read_jsonl(&path).len(), 321);
}

#[tokio::test]
async fn list_and_export_resolve_the_time_flags_alike_with_a_usage_error_never_a_panic() {
    for command in ["list", "export"] {
        let out = run(
            &[
                command,
                "--since",
                "200000000y",
                "--base-url",
                "http://127.0.0.1:9",
            ],
            Some("k"),
        )
        .await;
        assert_eq!(
            out.status.code(),
            Some(2),
            "{command}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains("--since 200000000years reaches before"),
            "{command}: {}",
            text(&out.stderr)
        );
    }
}

#[tokio::test]
async fn a_reader_that_closes_the_pipe_ends_the_export_and_list_quietly_with_exit_0() {
    let server = server(3_000, 41).await;
    let uri = server.uri();
    for args in [
        vec![
            "export",
            "--base-url",
            &uri,
            "--start",
            START,
            "--end",
            END,
            "--page-size",
            "100",
        ],
        vec![
            "list",
            "--base-url",
            &uri,
            "--start",
            START,
            "--end",
            END,
            "--all",
            "--json",
        ],
    ] {
        let mut child = command(&args, Some(server.api_key()))
            .spawn()
            .expect("spawn");
        // `… | head -1`: read one line, then close the pipe.
        let mut stdout = child.stdout.take().expect("stdout");
        let mut first = [0u8; 64];
        let read = tokio::io::AsyncReadExt::read(&mut stdout, &mut first)
            .await
            .expect("reads");
        assert!(read > 0, "{args:?} wrote something");
        drop(stdout);
        let out = child.wait_with_output().await.expect("exits");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stderr), "", "{args:?}: nothing said");
    }
}

#[tokio::test]
async fn nonsensical_values_and_key_problems_get_their_documented_exit_codes() {
    let out = run(&["list", "--max-attempts", "0"], Some("k")).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--max-attempts"),
        "{}",
        text(&out.stderr)
    );

    let out = run(&["export", "--follow", "--interval", "500ms"], Some("k")).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("under one second"),
        "{}",
        text(&out.stderr)
    );

    let dir = tempdir();
    let missing = dir.join("missing.key");
    let empty = dir.join("empty.key");
    std::fs::write(&empty, "\n").expect("write");
    for (file, says) in [
        (&missing, "cannot read the API key"),
        (&empty, "holds no API key"),
    ] {
        let out = run(
            &[
                "list",
                "--base-url",
                "http://127.0.0.1:9",
                "--api-key-file",
                file.to_str().expect("utf8"),
            ],
            None,
        )
        .await;
        assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains(says), "{}", text(&out.stderr));
    }
}
