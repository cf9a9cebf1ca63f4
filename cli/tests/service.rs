//! Following as a service: `--state` apart from the output, stdout
//! included; SIGTERM and SIGINT sent for real to the real binary; and
//! `--order oldest-first`.

mod common;

use std::{
    collections::HashSet,
    fs::File,
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use common::cli::{ids_and_newest, line_ids, plain_export_up_to, text, wait_for_pause};

const KEY: &str = "mock-admin-key";

fn tool(args: &[&str]) -> Command {
    let mut cmd = common::std_command(args, Some(KEY));
    cmd.stdin(Stdio::null());
    cmd
}

/// `export --follow --state STATE` to stdout, which goes into `out`.
fn follow_to_stdout(base: &str, start: &str, state: &Path, out: &Path) -> Child {
    tool(&["export", "--base-url", base, "--start", start, "--follow"])
        .args(["--interval", "1s", "--state"])
        .arg(state)
        .stdout(File::create(out).expect("stdout file"))
        .stderr(Stdio::piped())
        .spawn()
        .expect("export starts")
}

fn lines(path: &Path) -> usize {
    std::fs::read(path).map_or(0, |b| b.iter().filter(|c| **c == b'\n').count())
}

/// Waits until `path` holds at least `n` lines.
fn wait_for_lines(path: &Path, n: usize) {
    let reached = (0..600).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        lines(path) >= n
    });
    assert!(reached, "{} never held {n} lines", path.display());
}

fn signal(child: &Child, name: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
}

fn forty_days_ago() -> String {
    (chrono::Utc::now() - chrono::TimeDelta::days(40))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[test]
fn following_to_stdout_with_state_continues_after_sigterm_and_sigint_writing_every_entry_once() {
    let (_server, base) = common::serve_mock(&["--entries", "40", "--append-every", "200ms"]);
    let start = forty_days_ago();
    let dir = common::temp_dir("service-stdout");
    let state = dir.join("state.json");
    let (first, second) = (dir.join("first.jsonl"), dir.join("second.jsonl"));

    // A service stop: SIGTERM while following is a normal end.
    let child = follow_to_stdout(&base, &start, &state, &first);
    wait_for_lines(&first, 43);
    signal(&child, "TERM");
    let out = child.wait_with_output().expect("exits");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Stopped following on SIGTERM")
            && text(&out.stderr).contains(&state.display().to_string()),
        "{}",
        text(&out.stderr)
    );
    assert!(state.exists(), "the state is kept for the next run");

    // The server grows while the service is down; the same command goes on.
    std::thread::sleep(Duration::from_millis(700));
    let child = follow_to_stdout(&base, &start, &state, &second);
    wait_for_lines(&second, 4);
    signal(&child, "INT");
    let out = child.wait_with_output().expect("exits");
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("its state is saved in")
            || text(&out.stderr).contains("state is saved in"),
        "{}",
        text(&out.stderr)
    );
    assert!(state.exists());

    let mut ids = line_ids(&first);
    ids.extend(line_ids(&second));
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "a clean stop repeats nothing");
    let written = std::fs::read_to_string(&first).expect("file")
        + &std::fs::read_to_string(&second).expect("file");
    assert_eq!(
        unique,
        plain_export_up_to(&base, &start, &written),
        "nothing missed across the restart, the entries added while it was down included"
    );
}

#[test]
fn sigterm_while_following_a_file_saves_its_journal_and_the_same_command_continues() {
    let (_server, base) = common::serve_mock(&["--entries", "40", "--append-every", "200ms"]);
    let start = forty_days_ago();
    let dir = common::temp_dir("service-file");
    let (output, state) = (dir.join("audit.json"), dir.join("audit.state"));
    let run = || {
        tool(&["export", "--base-url", &base, "--start", &start, "--follow"])
            .args(["--interval", "1s", "--format", "json", "--output"])
            .arg(&output)
            .arg("--state")
            .arg(&state)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("export starts")
    };
    let count = || -> Vec<String> {
        let array: Vec<serde_json::Value> =
            serde_json::from_slice(&std::fs::read(&output).expect("file")).expect("a JSON array");
        array
            .iter()
            .map(|e| e["id"].as_str().expect("id").to_owned())
            .collect()
    };
    for round in 0..2 {
        let child = run();
        let before = if round == 0 { 0 } else { count().len() };
        let grown = (0..600).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            // One entry a line in the JSON format.
            std::fs::read_to_string(&output).is_ok_and(|t| {
                t.lines().filter(|l| l.contains("\"id\":")).count() >= before.max(40) + 3
            })
        });
        assert!(grown, "round {round}: nothing new was written");
        signal(&child, "TERM");
        let out = child.wait_with_output().expect("exits");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        // Stopped, the file is a whole JSON array; the journal stays.
        let ids = count();
        assert!(ids.len() > before);
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
        assert!(state.exists());
        assert!(
            !common::checkpoint_of(&output).exists(),
            "--state replaces FILE.checkpoint"
        );
    }
}

#[test]
fn sigterm_interrupts_an_export_that_is_not_following_with_143_and_says_how_to_resume() {
    let (_server, base) = common::serve_mock(&["--entries", "3000", "--latency", "40ms"]);
    let dir = common::temp_dir("service-term");
    let output = dir.join("audit.jsonl");
    let child = tool(&[
        "export",
        "--base-url",
        &base,
        "--since",
        "400d",
        "--page-size",
        "10",
    ])
    .arg("--output")
    .arg(&output)
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .expect("export starts");
    wait_for_lines(&output, 50);
    signal(&child, "TERM");
    let out = child.wait_with_output().expect("exits");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(
        stderr.contains("stopped by SIGTERM") && stderr.contains("--resume"),
        "{stderr}"
    );
    let resumed = tool(&["export", "--output"])
        .arg(&output)
        .arg("--resume")
        .output()
        .expect("resume");
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    assert_eq!(lines(&output), 3000);
}

#[test]
fn a_crash_to_stdout_with_state_writes_at_most_the_unacknowledged_page_again() {
    let (_server, base) = common::serve_mock(&["--entries", "95"]);
    let dir = common::temp_dir("service-crash");
    let state = dir.join("state.json");
    let (first, second) = (dir.join("first.jsonl"), dir.join("second.jsonl"));
    let args = [
        "export",
        "--base-url",
        &base,
        "--since",
        "400d",
        "--page-size",
        "10",
    ];

    // Stopped dead after the third page reached stdout, before the state
    // that counts it was saved.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let mut cmd = tokio::process::Command::from(tool(&args));
        cmd.arg("--state")
            .arg(&state)
            .env("ARIZE_AUDIT_LOGS_TEST_PAUSE", "data-synced:3")
            .stdout(File::create(&first).expect("file"))
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("export starts");
        assert!(wait_for_pause(&mut child).await, "never paused");
        child.kill().await.expect("kill -9");
    });
    assert_eq!(lines(&first), 30);

    let out = tool(&args)
        .arg("--state")
        .arg(&state)
        .stdout(File::create(&second).expect("file"))
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!state.exists(), "a finished export removes its state");

    let (first, second) = (line_ids(&first), line_ids(&second));
    // The third page, unacknowledged, came again; nothing else did.
    assert_eq!(second[..10], first[20..30]);
    let mut all = first[..20].to_vec();
    all.extend(second.iter().cloned());
    let plain = tool(&args).output().expect("plain export");
    let expected = ids_and_newest(&text(&plain.stdout)).0;
    assert_eq!(all, expected);
}

#[test]
fn state_to_stdout_refuses_a_format_that_cannot_continue() {
    let (_server, base) = common::serve_mock(&["--entries", "5"]);
    let dir = common::temp_dir("service-format");
    let state = dir.join("state.json");
    for format in ["csv", "json"] {
        let out = tool(&["export", "--base-url", &base, "--format", format, "--state"])
            .arg(&state)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out.stderr).contains("--format jsonl"),
            "{}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty() && !state.exists());
    }
}

#[test]
fn oldest_first_writes_every_page_in_chronological_order_and_the_same_entries() {
    let (_server, base) = common::serve_mock(&["--entries", "95"]);
    let dir = common::temp_dir("service-order");
    let (newest, oldest) = (dir.join("newest.jsonl"), dir.join("oldest.jsonl"));
    for (path, order) in [(&newest, "newest-first"), (&oldest, "oldest-first")] {
        let out = tool(&[
            "export",
            "--base-url",
            &base,
            "--since",
            "400d",
            "--page-size",
            "10",
        ])
        .args(["--order", order, "--output"])
        .arg(path)
        .output()
        .expect("runs");
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let created = |path: &Path| -> Vec<(String, String)> {
        std::fs::read_to_string(path)
            .expect("file")
            .lines()
            .map(|l| {
                let e: serde_json::Value = serde_json::from_str(l).expect("entry");
                (
                    e["created_at"].as_str().expect("t").to_owned(),
                    e["id"].as_str().expect("id").to_owned(),
                )
            })
            .collect()
    };
    let (newest, oldest) = (created(&newest), created(&oldest));
    assert_eq!(newest.len(), 95);
    for (n, o) in newest.chunks(10).zip(oldest.chunks(10)) {
        let mut reversed = n.to_vec();
        reversed.reverse();
        assert_eq!(o, &reversed[..], "each page is the same page, oldest first");
        assert!(
            o.windows(2).all(|w| w[0].0 <= w[1].0),
            "chronological within the page"
        );
    }
}

#[test]
fn a_state_that_is_the_output_file_itself_is_refused_before_anything_is_touched() {
    let (_server, base) = common::serve_mock(&["--entries", "5"]);
    let dir = common::temp_dir("service-same-file");
    let output = dir.join("audit.jsonl");
    let out = tool(&["export", "--base-url", &base, "--output"])
        .arg(&output)
        .arg("--state")
        .arg(dir.join(".").join("audit.jsonl"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is the --output file itself"),
        "{}",
        text(&out.stderr)
    );
    assert!(!output.exists(), "nothing created");
}
