//! A fake that grows: `serve-mock --append-every` adds entries as time
//! passes, and `export --follow` writes every one of them once.

mod common;

use std::{
    collections::HashSet,
    process::{Command, Stdio},
    time::Duration,
};

use common::cli::{line_ids, text};

fn tool() -> Command {
    let mut cmd = common::std_command::<&str>(&[], Some("mock-admin-key"));
    cmd.stdin(Stdio::null());
    cmd
}

#[test]
fn follow_writes_every_entry_a_growing_fake_adds_exactly_once() {
    let (_server, base) = common::serve_mock(&["--entries", "40", "--append-every", "250ms"]);
    let start = (chrono::Utc::now() - chrono::TimeDelta::days(40))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let dir = common::temp_dir("growing");
    let followed = dir.join("followed.jsonl");
    let follower = tool()
        .args(["export", "--base-url", &base, "--start", &start, "--follow"])
        .args(["--interval", "1s", "--output"])
        .arg(&followed)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("export starts");

    // Until at least five entries added after the start have been written.
    let grown = (0..400).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        std::fs::read(&followed).map_or(0, |b| b.iter().filter(|c| **c == b'\n').count()) >= 45
    });
    let _ = Command::new("kill")
        .args(["-INT", &follower.id().to_string()])
        .status();
    let out = follower.wait_with_output().expect("export ends");
    assert!(grown, "the follower never saw the server grow");
    assert!(
        out.status.code() == Some(130),
        "{:?}: {}",
        out.status,
        text(&out.stderr)
    );

    let ids = line_ids(&followed);
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "an entry was written twice");

    // Everything the server holds up to the newest entry written, read by a
    // plain export of that range, is what the follower wrote.
    let newest = std::fs::read_to_string(&followed)
        .expect("file")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["created_at"].as_str().map(str::to_owned))
        .max()
        .expect("entries");
    let reference = dir.join("reference.jsonl");
    let status = tool()
        .args([
            "export",
            "--base-url",
            &base,
            "--start",
            &start,
            "--end",
            &newest,
            "--output",
        ])
        .arg(&reference)
        .stdout(Stdio::null())
        .status()
        .expect("export runs");
    assert!(status.success());
    let expected: HashSet<String> = line_ids(&reference).into_iter().collect();
    let written: HashSet<String> = ids.into_iter().collect();
    assert_eq!(written, expected, "missed or extra entries");
    assert!(written.len() >= 45);
}
