//! The look-back of `export --follow`, against the real binary: a fake whose
//! new entries become visible up to 3 s after their `created_at`, and one
//! whose clock runs 2 s behind. After SIGTERM the output holds every id the
//! server holds in the range exactly once, across a restart too; the entries
//! the look-back found are counted; an idle poll costs at most two requests.
//! And a continued export may be retuned, but not pointed at another archive.
#![cfg(unix)]

mod common;

use std::{
    collections::{HashMap, HashSet},
    path::Path,
    process::{Output, Stdio},
    time::Duration,
};

use arize_audit_logs::mock::{MockConfig, MockServer};
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use common::cli::{command, line_ids, plain_export_up_to, text};
use tokio::process::Child;

const KEY: &str = "mock-admin-key";

/// Polls `done` every 50 ms for up to a minute (a loaded machine is slow,
/// never wrong).
async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..1200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

fn since_40_days() -> String {
    (Utc::now() - TimeDelta::days(40)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A fake server with 30 entries over the last day, growing one entry every
/// 100 ms, each visible up to `lag` after its `created_at`.
async fn growing_server(lag: Duration) -> MockServer {
    let server = MockServer::start(
        MockConfig::default()
            .entries(30)
            .seed(21)
            .span(TimeDelta::days(1))
            .visibility_lag(lag),
    )
    .await
    .expect("fake server");
    server.grow(Duration::from_millis(100));
    server
}

/// `export --follow` from `server` since `start`, polling every second, with
/// `extra` flags, warnings logged.
fn follower(server: &MockServer, start: &str, extra: &[&str]) -> tokio::process::Command {
    let mut args = vec![
        "export",
        "--base-url",
        &server.uri(),
        "--start",
        start,
        "--follow",
        "--interval",
        "1s",
        "--no-progress",
        "-v",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect::<Vec<_>>();
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let mut cmd = command(&args, Some(KEY));
    // `-v`'s warnings, whatever the environment says.
    cmd.env_remove("RUST_LOG");
    cmd
}

fn lines(path: &Path) -> usize {
    std::fs::read(path).map_or(0, |b| b.iter().filter(|c| **c == b'\n').count())
}

fn ids_in(paths: &[&Path]) -> Vec<String> {
    paths
        .iter()
        .filter(|p| p.exists())
        .flat_map(|p| line_ids(p))
        .collect()
}

/// Every id `server` holds, visible or not.
fn held(server: &MockServer) -> HashSet<String> {
    server.entries().into_iter().map(|e| e.id).collect()
}

async fn terminate(child: Child) -> Output {
    let pid = child.id().expect("running").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(sent.success());
    child.wait_with_output().await.expect("exits")
}

/// Stops the growth, waits until every entry is visible and `paths` hold
/// all of them, and checks each is there exactly once.
async fn settle_and_check(server: &MockServer, paths: &[&Path]) -> HashSet<String> {
    server.stop_growing();
    let expected = held(server);
    wait_for("the follower wrote every entry the server holds", || {
        let written: HashSet<String> = ids_in(paths).into_iter().collect();
        expected.is_subset(&written)
    })
    .await;
    expected
}

fn assert_exactly_once(written: &[String], expected: &HashSet<String>) {
    let unique: HashSet<&String> = written.iter().collect();
    assert_eq!(unique.len(), written.len(), "an entry was written twice");
    let written: HashSet<String> = written.iter().cloned().collect();
    assert_eq!(&written, expected, "missed or extra entries");
}

/// The number in `... N entries were found by the look-back ...`.
fn found_by_lookback(stderr: &str) -> u64 {
    stderr
        .lines()
        .find_map(|l| {
            l.split_once(" entries were found by the look-back")
                .and_then(|(n, _)| n.trim().parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_followed_file_gets_every_entry_shown_up_to_3s_late_exactly_once_and_counts_them() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let server = growing_server(Duration::from_secs(3)).await;
    let start = since_40_days();
    let dir = common::temp_dir("lookback-file");
    let output = dir.join("audit.jsonl");
    let out = output.to_str().expect("utf8");
    let mut child = follower(
        &server,
        &start,
        &["--output", out, "--metrics-listen", "127.0.0.1:0"],
    )
    .stderr(Stdio::piped())
    .spawn()
    .expect("export starts");
    let mut stderr_lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let first = stderr_lines
        .next_line()
        .await
        .expect("reads")
        .expect("a line");
    let metrics = first
        .strip_prefix("Serving ")
        .and_then(|rest| rest.split(" and ").next())
        .unwrap_or_else(|| panic!("where metrics are served: {first}"))
        .to_owned();
    let rest = tokio::spawn(async move {
        let mut all = String::new();
        while let Ok(Some(line)) = stderr_lines.next_line().await {
            all += &line;
            all.push('\n');
        }
        all
    });
    // Well into the growth: 30 grown entries, most of them late.
    wait_for("60 entries written", || lines(&output) >= 60).await;
    let expected = settle_and_check(&server, &[&output]).await;
    let exposition = reqwest::get(&metrics)
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("body");
    let done = terminate(child).await;
    let stderr = rest.await.expect("stderr read");
    assert_eq!(done.status.code(), Some(0), "{stderr}");

    assert_exactly_once(&line_ids(&output), &expected);
    let found = found_by_lookback(&stderr);
    assert!(
        found > 0,
        "late entries are counted in the summary: {stderr}"
    );
    assert!(
        stderr.contains("found by the look-back: entries that became visible only after"),
        "and logged: {stderr}"
    );
    let counted = exposition
        .lines()
        .find_map(|l| l.strip_prefix("arize_audit_logs_entries_found_by_lookback_total "))
        .and_then(|v| v.trim().parse::<f64>().ok());
    assert_eq!(
        counted,
        Some(found as f64),
        "and in the metric: {exposition}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdout_with_state_restarted_midway_gets_every_late_entry_exactly_once() {
    let server = growing_server(Duration::from_secs(3)).await;
    let start = since_40_days();
    let dir = common::temp_dir("lookback-stdout");
    let state = dir.join("state.json");
    let state_arg = state.to_str().expect("utf8").to_owned();
    let (first, second) = (dir.join("first.jsonl"), dir.join("second.jsonl"));
    let run = |into: &Path| {
        follower(&server, &start, &["--state", &state_arg])
            .stdout(std::fs::File::create(into).expect("stdout file"))
            .stderr(Stdio::piped())
            .spawn()
            .expect("export starts")
    };

    // Stopped while entries it has not seen yet are still invisible: the
    // look-back ids go into the state, and the next run carries them on.
    let child = run(&first);
    wait_for("45 entries written", || lines(&first) >= 45).await;
    let done = terminate(child).await;
    assert_eq!(done.status.code(), Some(0), "{}", text(&done.stderr));
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&state).expect("state")).expect("json");
    assert!(
        !saved["until"]["lookback"]["seen"]
            .as_array()
            .expect("look-back ids in the state")
            .is_empty(),
        "{saved}"
    );

    let child = run(&second);
    wait_for("more entries after the restart", || lines(&second) >= 15).await;
    let expected = settle_and_check(&server, &[&first, &second]).await;
    let done = terminate(child).await;
    let stderr = text(&done.stderr);
    assert_eq!(done.status.code(), Some(0), "{stderr}");

    assert_exactly_once(&ids_in(&[&first, &second]), &expected);
    assert!(found_by_lookback(&stderr) > 0, "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_clock_2s_behind_bounds_each_poll_and_nothing_is_missed() {
    let (_server, base) = common::serve_mock(&[
        "--entries",
        "40",
        "--append-every",
        "100ms",
        "--clock-behind",
        "2s",
    ]);
    let start = since_40_days();
    let dir = common::temp_dir("lookback-clock");
    let output = dir.join("audit.jsonl");
    let journal = common::checkpoint_of(&output);
    let child = command(
        &[
            "export",
            "--base-url",
            &base,
            "--start",
            &start,
            "--follow",
            "--interval",
            "1s",
            "--no-progress",
            "--output",
            output.to_str().expect("utf8"),
        ],
        Some(KEY),
    )
    .spawn()
    .expect("export starts");

    // The range of a poll ends at the server's clock, not ours: 2 s behind
    // (once that clock has passed where the first pass, by ours, ended).
    let range_end = || -> Option<DateTime<Utc>> {
        let journal: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&journal).ok()?).ok()?;
        let first_pass_end: DateTime<Utc> = journal["requested"]["end"].as_str()?.parse().ok()?;
        let end: DateTime<Utc> = journal["range"]["end"].as_str()?.parse().ok()?;
        (end > first_pass_end).then_some(end)
    };
    let mut checked = 0;
    wait_for("polls ended at the server's clock", || {
        if let Some(end) = range_end() {
            let now = Utc::now();
            assert!(
                end <= now - TimeDelta::seconds(1) && end > now - TimeDelta::seconds(60),
                "a poll ended at {end}, with the real clock at {now} and the server's 2 s behind"
            );
            checked += 1;
        }
        checked >= 5
    })
    .await;
    wait_for("60 entries written", || lines(&output) >= 60).await;
    let done = terminate(child).await;
    assert_eq!(done.status.code(), Some(0), "{}", text(&done.stderr));

    let ids = line_ids(&output);
    let written = std::fs::read_to_string(&output).expect("output");
    assert_exactly_once(&ids, &plain_export_up_to(&base, &start, &written));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_poll_costs_at_most_two_requests_with_its_lookback_reread() {
    // Nothing new arrives; the look-back (5 min) holds all 20 entries, which
    // each poll reads again and skips.
    let server = MockServer::start(
        MockConfig::default()
            .entries(20)
            .end((Utc::now() - TimeDelta::seconds(10)).trunc_subsecs(3))
            .span(TimeDelta::minutes(1)),
    )
    .await
    .expect("fake server");
    let dir = common::temp_dir("lookback-idle");
    let output = dir.join("audit.jsonl");
    let out = output.to_str().expect("utf8");
    let start = since_40_days();
    let mut cmd = follower(&server, &start, &["--output", out]);
    cmd.env("RUST_LOG", "arize_audit_logs_archive::pipeline=info");
    let child = cmd.spawn().expect("export starts");
    wait_for("20 entries and five polls", || {
        lines(&output) >= 20 && server.requests() >= 6
    })
    .await;
    let done = terminate(child).await;
    let stderr = text(&done.stderr);
    assert_eq!(done.status.code(), Some(0), "{stderr}");
    let polls = stderr.lines().filter(|l| l.contains("polling")).count() as u64;
    assert!(polls >= 5, "{stderr}");
    // One request for the first pass (20 entries, one page), then each poll.
    assert!(
        server.requests() <= 1 + 2 * polls,
        "{} requests for {polls} idle polls",
        server.requests()
    );
    assert_eq!(line_ids(&output).len(), 20, "nothing written twice");
}

/// Runs a follower to stdout with `--state` until `ready`, then SIGTERM.
async fn follow_until(
    server: &MockServer,
    state: &Path,
    flags: &[&str],
    ready: impl FnMut() -> bool,
) -> Output {
    let mut args = vec!["--state", state.to_str().expect("utf8")];
    args.extend_from_slice(flags);
    let child = follower(server, "2026-01-01T00:00:00Z", &args)
        .stdout(Stdio::null())
        .spawn()
        .expect("export starts");
    wait_for("the follower is ready", ready).await;
    terminate(child).await
}

fn saved(state: &Path) -> serde_json::Value {
    std::fs::read(state)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_may_be_retuned_but_not_pointed_at_another_archive() {
    let server = MockServer::start(MockConfig::default().entries(20).seed(5))
        .await
        .expect("fake server");
    let dir = common::temp_dir("lookback-retune");
    let state = dir.join("state.json");
    let polled = |state: &Path| saved(state)["until"]["lookback"]["reread_to"].is_string();

    let first = follow_until(
        &server,
        &state,
        &[
            "--order",
            "oldest-first",
            "--page-size",
            "10",
            "--lookback",
            "1m",
        ],
        || polled(&state),
    )
    .await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));

    // How it runs changes; the order is left out and taken from the state.
    let retuned = |state: &Path| {
        let s = saved(state);
        s["page_size"] == 20
            && s["until"]["interval_ms"] == 2000
            && s["until"]["lookback"]["ms"] == 120_000
    };
    let mut args: Vec<&str> = vec!["--page-size", "20", "--lookback", "2m"];
    args.extend(["--checkpoint-every", "2s", "--batch-pages", "3"]);
    args.extend(["--health-intervals", "5", "--metrics-listen", "127.0.0.1:0"]);
    let child = command(
        &[
            "export",
            "--base-url",
            &server.uri(),
            "--start",
            "2026-01-01T00:00:00Z",
            "--follow",
            "--interval",
            "2s",
            "--no-progress",
            "--state",
            state.to_str().expect("utf8"),
        ]
        .into_iter()
        .chain(args.iter().copied())
        .collect::<Vec<_>>(),
        Some(KEY),
    )
    .stdout(Stdio::null())
    .spawn()
    .expect("export starts");
    wait_for("the new settings are in the state", || retuned(&state)).await;
    let second = terminate(child).await;
    let stderr = text(&second.stderr);
    assert_eq!(second.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("continuing with `--order oldest-first` from the state"),
        "{stderr}"
    );
    assert!(!stderr.contains("--page-size 10"), "{stderr}");

    // What it archives stays: each refused, naming both values.
    let refusals: HashMap<&str, (Vec<&str>, [&str; 2])> = HashMap::from([
        (
            "order",
            (
                vec!["--order", "newest-first"],
                ["newest-first", "oldest-first"],
            ),
        ),
        (
            "filter",
            (vec!["--user-id", "VXNlcjox"], ["VXNlcjox", "(none)"]),
        ),
    ]);
    let uri = server.uri();
    for (what, (flags, named)) in refusals {
        let mut args = vec![
            "export",
            "--base-url",
            &uri,
            "--follow",
            "--no-progress",
            "--state",
            state.to_str().expect("utf8"),
        ];
        args.extend(flags);
        let out = command(&args, Some(KEY))
            .output()
            .await
            .expect("the binary runs");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(
            named.iter().all(|n| stderr.contains(n)),
            "{what}: {named:?} in {stderr}"
        );
    }
    let elsewhere = dir.join("elsewhere.jsonl");
    let out = command(
        &[
            "export",
            "--base-url",
            &server.uri(),
            "--follow",
            "--no-progress",
            "--state",
            state.to_str().expect("utf8"),
            "--output",
            elsewhere.to_str().expect("utf8"),
        ],
        Some(KEY),
    )
    .output()
    .await
    .expect("the binary runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--output") && stderr.contains("stdout"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_from_before_the_lookback_still_continues() {
    let server = MockServer::start(MockConfig::default().entries(20).seed(6))
        .await
        .expect("fake server");
    let dir = common::temp_dir("lookback-v2");
    let state = dir.join("state.json");
    let polled = |state: &Path| saved(state)["until"]["lookback"]["reread_to"].is_string();
    let first = follow_until(&server, &state, &[], || polled(&state)).await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));

    // As version 2 wrote it: no look-back, no late count, no output.
    let mut old = saved(&state);
    old["version"] = 2.into();
    let until = old["until"].as_object_mut().expect("until");
    until.remove("lookback");
    let object = old.as_object_mut().expect("journal");
    object.remove("output");
    object["written"]
        .as_object_mut()
        .expect("written")
        .remove("late");
    std::fs::write(&state, serde_json::to_vec(&old).expect("json")).expect("write");

    let second = follow_until(&server, &state, &[], || {
        let s = saved(&state);
        s["version"] == 4 && s["until"]["lookback"]["reread_to"].is_string()
    })
    .await;
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
}
