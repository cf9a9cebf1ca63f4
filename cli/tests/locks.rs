//! One writer per archive: concurrent exports on one `--state` (to stdout)
//! are refused before they fetch anything, with exit 2 and a message that
//! names the holder (pid, host, since when). (A file's lock:
//! `export_journal.rs`; a bucket prefix's lease: `bucket.rs`.)

mod common;

use std::{path::Path, process::Stdio};

use chrono::{DateTime, Utc};
use common::cli::{command, ids_and_newest, in_window, run, server, text};
use tokio::io::{AsyncBufReadExt, BufReader};

/// `export` of [`START`, `END`] to stdout with `--state state`.
fn stdout_args(uri: &str, state: &Path) -> Vec<String> {
    common::cli::export_args_with(uri, "--state", state, &[])
}

/// How a run ended, or that it paused at its test hook (still running).
enum Outcome {
    Paused(tokio::process::Child),
    Exited(Option<i32>, String),
}

/// Runs `cmd` until it pauses at its test hook or exits.
async fn until_paused_or_done(mut cmd: tokio::process::Command) -> Outcome {
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("export starts");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut said = String::new();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.starts_with("test-pause:") {
            return Outcome::Paused(child);
        }
        said.push_str(&line);
        said.push('\n');
    }
    let status = child.wait().await.expect("exits");
    Outcome::Exited(status.code(), said)
}

/// Checks that `stderr` refuses a second writer, naming `holder` by pid,
/// this host, and a time no later than now.
fn names_the_holder(stderr: &str, holder: u32) {
    assert!(
        stderr.contains("being written by another export"),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("pid {holder} ")), "{stderr}");
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    assert!(stderr.contains(&format!("on host {host} ")), "{stderr}");
    let since = stderr
        .split(" since ")
        .nth(1)
        .and_then(|rest| rest.get(..20))
        .and_then(|t| t.parse::<DateTime<Utc>>().ok())
        .unwrap_or_else(|| panic!("no since: {stderr}"));
    assert!(since <= Utc::now(), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
}

#[tokio::test]
async fn of_three_concurrent_writers_on_one_state_one_runs_and_two_are_refused_before_any_request()
{
    let server = server(300, 41).await;
    let uri = server.uri();
    let dir = common::temp_dir("locks-three");
    let state = dir.join("stdout.state");
    let args = stdout_args(&uri, &state);
    // Each stops dead once its state is saved, before its first request,
    // if it gets that far.
    let runs = (0..3).map(|_| {
        let mut cmd = command(&args, Some(server.api_key()));
        cmd.env("ARIZE_AUDIT_LOGS_TEST_PAUSE", "started:1");
        until_paused_or_done(cmd)
    });
    let outcomes = futures::future::join_all(runs).await;
    let mut holders = Vec::new();
    let mut refused = Vec::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Paused(child) => holders.push(child),
            Outcome::Exited(code, stderr) => refused.push((code, stderr)),
        }
    }
    assert_eq!(holders.len(), 1, "exactly one runs: {refused:?}");
    let mut holder = holders.pop().expect("one");
    let pid = holder.id().expect("running");
    for (code, stderr) in &refused {
        assert_eq!(*code, Some(2), "{stderr}");
        names_the_holder(stderr, pid);
    }
    assert_eq!(server.requests(), 0, "no request from anyone yet");

    // The holder dies; the same command then runs and writes every entry once.
    holder.kill().await.expect("kill -9, waited for");
    let out = run(&args, Some(server.api_key())).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ids = ids_and_newest(&text(&out.stdout)).0;
    let expected: Vec<String> = in_window(&server).into_iter().map(|e| e.id).collect();
    assert_eq!(ids, expected);
    assert!(!state.exists(), "a finished export removes its state");
}

#[tokio::test]
async fn a_second_writer_on_a_state_being_written_is_refused_without_a_request_of_its_own() {
    let server = server(300, 42).await;
    let uri = server.uri();
    let dir = common::temp_dir("locks-two");
    let state = dir.join("stdout.state");
    let args = stdout_args(&uri, &state);
    let mut first = command(&args, Some(server.api_key()));
    first.env("ARIZE_AUDIT_LOGS_TEST_PAUSE", "page-written:2");
    let Outcome::Paused(mut first) = until_paused_or_done(first).await else {
        panic!("the first export ran to its pause");
    };
    let pid = first.id().expect("running");
    // The page the first one fetched ahead, before it stopped, arrives.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let before = server.requests();
    assert!(before >= 2, "the first export is under way");

    let out = run(&args, Some(server.api_key())).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    names_the_holder(&text(&out.stderr), pid);
    assert!(out.stdout.is_empty(), "nothing written");
    assert_eq!(server.requests(), before, "the second made no request");

    first.kill().await.expect("kill -9, waited for");
    let out = run(&args, Some(server.api_key())).await;
    assert!(
        out.status.success(),
        "continued once the holder is gone: {}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn a_second_export_to_a_file_being_written_is_refused_naming_the_holder() {
    let server = server(200, 43).await;
    let uri = server.uri();
    let dir = common::temp_dir("locks-file");
    let path = dir.join("archive.jsonl");
    let args = common::cli::export_args(&uri, &path, &[]);
    let mut first = command(&args, Some(server.api_key()));
    first.env("ARIZE_AUDIT_LOGS_TEST_PAUSE", "started:1");
    let Outcome::Paused(first) = until_paused_or_done(first).await else {
        panic!("the first export ran to its pause");
    };
    let pid = first.id().expect("running");
    let out = run(&args, Some(server.api_key())).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    names_the_holder(&text(&out.stderr), pid);
    assert_eq!(server.requests(), 0, "no request from either");
    drop(first);
}
