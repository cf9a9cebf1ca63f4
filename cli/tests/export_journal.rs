//! The export's journal and file safety, tried as a user meets them: crashes
//! (`kill -9`) at random and at chosen points, a full disk, an existing
//! file, concurrent runs, `--resume` with other flags or from another
//! directory, hand-edited files, and servers that cut their pages wrongly.

mod common;

use std::{
    path::{Path, PathBuf},
    process::Output,
    time::Duration,
};

use arize_audit_logs::{
    mock::{Faults, MockServer, PageFault},
    AuditLog,
};
use chrono::{DateTime, Utc};

use common::cli::{command, end, export_args, line_ids, run, server, text, wait_for_pause, START};

fn resume_args(path: &Path) -> Vec<String> {
    vec![
        "export".into(),
        "--output".into(),
        path.to_str().expect("utf8").into(),
        "--resume".into(),
    ]
}

fn journal(path: &Path) -> PathBuf {
    common::checkpoint_of(path)
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The ids of the server's entries inside [START, END].
fn in_window(server: &MockServer) -> Vec<String> {
    common::cli::in_window(server)
        .into_iter()
        .map(|e| e.id)
        .collect()
}

/// How a run is stopped dead.
#[derive(Clone, Debug)]
enum Kill {
    /// At a hook point (the Nth time the export reaches it).
    At(&'static str, u32),
    /// After this long.
    After(Duration),
}

/// Starts an export and kills it with SIGKILL as `kill` says. `true` when
/// it was killed (not finished first).
async fn run_and_kill(args: &[String], key: &str, kill: &Kill) -> bool {
    let mut cmd = command(args, Some(key));
    if let Kill::At(point, n) = kill {
        cmd.env("ARIZE_AUDIT_LOGS_TEST_PAUSE", format!("{point}:{n}"));
    }
    let mut child = cmd.spawn().expect("spawn");
    let killed = match kill {
        Kill::At(..) => wait_for_pause(&mut child).await,
        Kill::After(delay) => tokio::select! {
            _ = tokio::time::sleep(*delay) => true,
            _ = child.wait() => false,
        },
    };
    if killed {
        child.start_kill().expect("kill -9");
    }
    let status = child.wait().await.expect("exits");
    if killed {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "{kill:?}: killed by SIGKILL");
    } else {
        assert!(status.success(), "{kill:?}: finished on its own");
    }
    killed
}

/// A small deterministic generator for the random kill points.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_any_point_the_export_resumes_to_the_file_of_an_uninterrupted_one() {
    let server = server(600, 21).await;
    let uri = server.uri();
    let key = server.api_key().to_owned();
    let dir = common::temp_dir("journal-kill");
    let formats = ["jsonl", "csv", "json"];
    let mut clean = Vec::new();
    for format in formats {
        let path = dir.join(format!("clean.{format}"));
        let out = run(&export_args(&uri, &path, &["--format", format]), Some(&key)).await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        clean.push(read(&path));
    }
    assert_eq!(line_ids(&dir.join("clean.jsonl")), in_window(&server));

    // 12 pages of 50. Chosen points first (before the first page, between a
    // data write and its journal, right after a journal), then random times.
    let mut kills: Vec<Kill> = vec![
        Kill::At("started", 1),
        Kill::At("page-written", 1),
        Kill::At("page-written", 7),
        Kill::At("data-synced", 1),
        Kill::At("data-synced", 3),
        Kill::At("data-synced", 9),
        Kill::At("journal-saved", 1),
        Kill::At("journal-saved", 5),
        Kill::At("journal-saved", 12),
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let points = ["started", "page-written", "data-synced", "journal-saved"];
    for _ in 0..30 {
        let point = points[rng.below(4) as usize];
        let n = if point == "started" {
            1
        } else {
            1 + rng.below(12) as u32
        };
        kills.push(Kill::At(point, n));
    }
    for _ in 0..40 {
        kills.push(Kill::After(Duration::from_millis(25 + rng.below(200))));
    }
    assert!(kills.len() >= 75);

    server.set_faults(Faults::none().latency(Duration::from_millis(20)));
    let cadences = ["0s", "1s", "1h"];
    let mut killed = 0;
    for (i, kill) in kills.iter().enumerate() {
        let f = i % formats.len();
        let path = dir.join(format!("run-{i}.{}", formats[f]));
        // A hook point is counted per page with a journal each page; random
        // times meet every cadence.
        let cadence = match kill {
            Kill::At(..) => "0s",
            Kill::After(_) => cadences[(i / 3) % cadences.len()],
        };
        let args = export_args(
            &uri,
            &path,
            &["--format", formats[f], "--checkpoint-every", cadence],
        );
        if run_and_kill(&args, &key, kill).await {
            let again = if journal(&path).exists() {
                killed += 1;
                resume_args(&path)
            } else {
                // Killed while starting up, before it held the file: nothing
                // was written (at most an empty file), so the same command runs.
                assert!(
                    matches!(kill, Kill::After(_)),
                    "{kill:?}: the journal is written ahead"
                );
                assert!(
                    std::fs::metadata(&path).map_or(true, |m| m.len() == 0),
                    "{kill:?}"
                );
                args.clone()
            };
            let out = run(&again, Some(&key)).await;
            assert!(
                out.status.success(),
                "{kill:?}: resume failed: {}",
                text(&out.stderr)
            );
        }
        assert_eq!(
            read(&path),
            clean[f],
            "{kill:?} ({}): the resumed file is byte-identical to an uninterrupted export",
            formats[f]
        );
        assert!(
            !journal(&path).exists(),
            "{kill:?}: finished, no journal left"
        );
    }
    assert!(
        killed >= 50,
        "at least 50 runs were killed after they started ({killed})"
    );
}

/// Mounts a tmpfs of `size` at `dir` (root only); `false` where that is not
/// possible.
fn mount_tmpfs(dir: &Path, size: &str) -> bool {
    std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test]
async fn a_full_disk_fails_the_export_cleanly_and_resuming_completes_it_exactly() {
    let server = server(1_200, 22).await;
    let uri = server.uri();
    let key = server.api_key();
    let dir = common::temp_dir("journal-full");
    let clean = dir.join("clean.jsonl");
    assert!(run(&export_args(&uri, &clean, &[]), Some(key))
        .await
        .status
        .success());
    let size = read(&clean).len();

    let disk = dir.join("disk");
    std::fs::create_dir_all(&disk).expect("dir");
    let real_tmpfs = mount_tmpfs(&disk, "64k");
    let path = disk.join("full.jsonl");
    let args = export_args(&uri, &path, &["--checkpoint-every", "0s"]);
    let mut cmd = command(&args, Some(key));
    if !real_tmpfs {
        // Not root here: the same ENOSPC, injected at the file's writes.
        cmd.env(
            "ARIZE_AUDIT_LOGS_TEST_FAIL_WRITE_AFTER",
            (size / 3).to_string(),
        );
    }
    let out = cmd.output().await.expect("runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "local I/O failure: {stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(stderr.contains("entries are safely in"), "{stderr}");
    assert!(stderr.contains("--resume"), "{stderr}");
    let safe = common::checkpointed(&path);
    assert!(safe > 0, "the journal counts what is durable");

    if real_tmpfs {
        let grown = std::process::Command::new("mount")
            .args(["-o", "remount,size=16m"])
            .arg(&disk)
            .status()
            .expect("remount");
        assert!(grown.success());
    }
    let out = run(&resume_args(&path), Some(key)).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(read(&path), read(&clean), "byte-identical after resume");
    if real_tmpfs {
        let _ = std::process::Command::new("umount").arg(&disk).status();
    }
}

#[tokio::test]
async fn an_existing_file_is_never_replaced_without_overwrite() {
    let server = server(300, 23).await;
    let uri = server.uri();
    let dir = common::temp_dir("journal-clobber");
    let path = dir.join("archive.jsonl");
    let precious = b"{\"id\":\"kept\"}\n".repeat(100);
    std::fs::write(&path, &precious).expect("write");

    let out = run(&export_args(&uri, &path, &[]), Some(server.api_key())).await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("already exists") && stderr.contains("--overwrite"),
        "{stderr}"
    );
    assert_eq!(read(&path), precious, "untouched");
    assert!(!journal(&path).exists());

    // --overwrite with a start that fails: the old file stays as it was.
    let out = run(
        &export_args(&uri, &path, &["--overwrite"]),
        Some("wrong-key"),
    )
    .await;
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("Nothing was written"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(read(&path), precious, "a failed start replaces nothing");
    assert!(!journal(&path).exists(), "and leaves no journal");

    let out = run(
        &export_args(&uri, &path, &["--overwrite"]),
        Some(server.api_key()),
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(line_ids(&path), in_window(&server), "replaced when asked");
}

#[tokio::test]
async fn a_failed_start_leaves_nothing_behind_and_the_same_command_then_works() {
    let server = server(200, 24).await;
    let uri = server.uri();
    let dir = common::temp_dir("journal-failed-start");
    let path = dir.join("new.jsonl");
    for key in ["wrong-key", "mock-member-key"] {
        let out = run(&export_args(&uri, &path, &[]), Some(key)).await;
        assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
        assert!(!path.exists(), "no empty file where there was none ({key})");
        assert!(!journal(&path).exists(), "no journal ({key})");
    }
    let out = run(&export_args(&uri, &path, &[]), Some(server.api_key())).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(line_ids(&path), in_window(&server));
}

#[tokio::test]
async fn a_crash_before_the_first_page_does_not_block_the_same_command() {
    let server = server(200, 25).await;
    let uri = server.uri();
    let dir = common::temp_dir("journal-early-crash");
    let path = dir.join("x.jsonl");
    let args = export_args(&uri, &path, &[]);
    assert!(run_and_kill(&args, server.api_key(), &Kill::At("started", 1)).await);
    assert!(journal(&path).exists());
    let out = run(&args, Some(server.api_key())).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(line_ids(&path), in_window(&server));
}

#[tokio::test]
async fn an_unfinished_export_is_not_restarted_without_resume() {
    let server = server(600, 26).await;
    let uri = server.uri();
    let dir = common::temp_dir("journal-unfinished");
    let path = dir.join("x.jsonl");
    let args = export_args(&uri, &path, &["--checkpoint-every", "0s"]);
    assert!(run_and_kill(&args, server.api_key(), &Kill::At("journal-saved", 4)).await);
    let before = read(&path);
    let out = run(&args, Some(server.api_key())).await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("unfinished export") && stderr.contains("--resume"),
        "{stderr}"
    );
    assert_eq!(read(&path), before, "untouched");
}

#[tokio::test]
async fn every_writer_holds_the_lock_resume_included() {
    let server = server(2_000, 27).await;
    server.set_faults(Faults::none().latency(Duration::from_millis(20)));
    let uri = server.uri();
    let key = server.api_key();
    let dir = common::temp_dir("journal-lock");
    let path = dir.join("locked.jsonl");
    let args = export_args(&uri, &path, &["--checkpoint-every", "0s"]);
    let first = command(&args, Some(key)).spawn().expect("spawn");
    common::wait_until("the export is under way", || {
        common::checkpointed(&path) >= 100
    })
    .await;
    // A second export, and two resumes, while the first one writes.
    for other in [args.clone(), resume_args(&path), resume_args(&path)] {
        let out = run(&other, Some(key)).await;
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("being written by another export"),
            "{}",
            text(&out.stderr)
        );
    }
    let first = first.wait_with_output().await.expect("finishes");
    assert!(
        first.status.success(),
        "undisturbed: {}",
        text(&first.stderr)
    );
    assert_eq!(line_ids(&path), in_window(&server));
    assert!(!journal(&path).exists());
    let tmp = dir.join("locked.jsonl.checkpoint.tmp");
    assert!(!tmp.exists(), "no stray temporary journal");
}

#[tokio::test]
async fn resume_refuses_a_flag_that_contradicts_the_journal_and_writes_nothing() {
    let server = server(600, 28).await;
    let uri = server.uri();
    let key = server.api_key();
    let dir = common::temp_dir("journal-flags");
    let path = dir.join("q.jsonl");
    let args = export_args(
        &uri,
        &path,
        &["--operation-type", "QUERY", "--checkpoint-every", "0s"],
    );
    assert!(run_and_kill(&args, key, &Kill::At("journal-saved", 3)).await);
    let (file_before, journal_before) = (read(&path), read(&journal(&path)));
    for (flags, named) in [
        (
            &["--operation-type", "MUTATION"][..],
            "--operation-type MUTATION",
        ),
        (&["--format", "csv"][..], "--format csv"),
        (&["--order", "oldest-first"][..], "--order oldest-first"),
        (&["--since", "7d"][..], "--since"),
        (&["--base-url", "http://127.0.0.1:9"][..], "--base-url"),
    ] {
        let mut resume = resume_args(&path);
        resume.extend(flags.iter().map(|s| (*s).to_owned()));
        let out = run(&resume, Some(key)).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(
            stderr.contains(named) && stderr.contains("contradicts"),
            "{stderr}"
        );
        assert_eq!(read(&path), file_before, "{flags:?}: file untouched");
        assert_eq!(
            read(&journal(&path)),
            journal_before,
            "{flags:?}: journal untouched"
        );
    }
    let stderr_of_all = {
        let mut resume = resume_args(&path);
        resume.extend(["--operation-type", "MUTATION", "--format", "csv"].map(String::from));
        text(&run(&resume, Some(key)).await.stderr)
    };
    assert!(
        stderr_of_all.contains("QUERY"),
        "names the journal's value: {stderr_of_all}"
    );

    // The same values as the journal's are no contradiction.
    let mut resume = resume_args(&path);
    resume.extend(["--operation-type", "QUERY", "--page-size", "50"].map(String::from));
    let out = run(&resume, Some(key)).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let expected: Vec<String> = server
        .entries()
        .into_iter()
        .filter(|e| e.operation_type.as_str() == "QUERY")
        .filter(|e| {
            e.created_at >= START.parse::<DateTime<Utc>>().expect("ts") && e.created_at <= end()
        })
        .map(|e| e.id)
        .collect();
    assert_eq!(line_ids(&path), expected);
}

#[tokio::test]
async fn the_printed_command_continues_against_the_same_host_with_the_same_key_file() {
    use std::os::unix::fs::PermissionsExt;
    let server = server(900, 29).await;
    let uri = server.uri();
    let dir = common::temp_dir("journal-pasted");
    let clean = dir.join("clean.jsonl");
    assert!(run(&export_args(&uri, &clean, &[]), Some(server.api_key()))
        .await
        .status
        .success());

    let key_file = dir.join("arize.key");
    std::fs::write(&key_file, format!("{}\n", server.api_key())).expect("key");
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let path = dir.join("elsewhere.jsonl");
    let mut args = export_args(
        &uri,
        &path,
        &[
            "--api-key-file",
            key_file.to_str().expect("utf8"),
            "--max-attempts",
            "1",
        ],
    );
    args.extend(["--checkpoint-every".into(), "0s".into()]);
    server.set_faults(Faults::none().latency(Duration::from_millis(10)));
    let child = command(&args, None).spawn().expect("spawn");
    common::wait_until("some pages are written", || {
        common::checkpointed(&path) >= 300
    })
    .await;
    server.set_faults(Faults::none().server_error(1.0));
    let out = child.wait_with_output().await.expect("exits");
    assert_eq!(out.status.code(), Some(4));
    let stderr = text(&out.stderr);
    let printed = stderr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("arize-audit-logs export"))
        .unwrap_or_else(|| panic!("a command is printed: {stderr}"))
        .to_owned();
    let journal_text = text(&read(&journal(&path)));
    assert!(journal_text.contains(&uri), "the journal records the host");
    assert!(!journal_text.contains(server.api_key()), "never the key");

    // Pasted as printed, from another directory, with a misleading
    // ARIZE_BASE_URL and no key in the environment.
    server.set_faults(Faults::none());
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_arize-audit-logs"))
        .parent()
        .expect("bin dir");
    let path_var = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = tokio::process::Command::new("sh")
        .args(["-c", &printed])
        .current_dir(&dir)
        .env("PATH", path_var)
        .env_remove("ARIZE_API_KEY")
        .env("ARIZE_BASE_URL", "http://127.0.0.1:9")
        .output()
        .await
        .expect("sh");
    assert!(out.status.success(), "{printed}: {}", text(&out.stderr));
    assert_eq!(read(&path), read(&clean));
}

#[tokio::test]
async fn a_journal_that_does_not_match_the_file_is_refused_naming_what_differs() {
    let server = server(600, 30).await;
    let uri = server.uri();
    let key = server.api_key();
    let dir = common::temp_dir("journal-mismatch");
    type Tamper = fn(&Path, &Path);
    let cases: [(&str, Tamper); 4] = [
        ("is ", |file, _| {
            // Truncated by hand: the last three lines removed.
            let bytes = std::fs::read(file).expect("file");
            let mut cut = bytes.len() - 1;
            for _ in 0..3 {
                cut = bytes[..cut]
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .expect("line");
            }
            std::fs::write(file, &bytes[..=cut]).expect("write");
        }),
        ("CRC-32", |file, _| {
            // One byte changed in the middle.
            let mut bytes = std::fs::read(file).expect("file");
            let middle = bytes.len() / 2;
            bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
            std::fs::write(file, bytes).expect("write");
        }),
        ("not the end of a record", |_, journal| {
            // The journal edited to point inside a line.
            let mut j: serde_json::Value =
                serde_json::from_slice(&std::fs::read(journal).expect("j")).expect("json");
            let bytes = j["written"]["bytes"].as_u64().expect("bytes");
            j["written"]["bytes"] = (bytes - 7).into();
            std::fs::write(journal, serde_json::to_vec(&j).expect("json")).expect("write");
        }),
        ("last record holds entry", |_, journal| {
            let mut j: serde_json::Value =
                serde_json::from_slice(&std::fs::read(journal).expect("j")).expect("json");
            j["written"]["last"]["id"] = "QXVkaXRMb2c6MQ==".into();
            std::fs::write(journal, serde_json::to_vec(&j).expect("json")).expect("write");
        }),
    ];
    for (i, (says, tamper)) in cases.iter().enumerate() {
        let path = dir.join(format!("t{i}.jsonl"));
        let args = export_args(&uri, &path, &["--checkpoint-every", "0s"]);
        assert!(run_and_kill(&args, key, &Kill::At("journal-saved", 6)).await);
        tamper(&path, &journal(&path));
        let (file_before, journal_before) = (read(&path), read(&journal(&path)));
        let out = run(&resume_args(&path), Some(key)).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "case {i}: {stderr}");
        assert!(
            stderr.contains("does not match its journal") && stderr.contains(says),
            "case {i}: {stderr}"
        );
        assert_eq!(read(&path), file_before, "case {i}: nothing written");
        assert_eq!(read(&journal(&path)), journal_before, "case {i}");
    }
}

/// The entries of every page of [START, END] as the server sends them.
async fn raw_entries(server: &MockServer) -> Vec<String> {
    let http = reqwest::Client::new();
    let mut cursor: Option<String> = None;
    let mut raw = Vec::new();
    loop {
        let mut query = vec![
            ("start_time", "2026-04-01T00:00:00.000Z".to_owned()),
            ("end_time", "2026-05-18T12:00:00.000Z".to_owned()),
            ("limit", "50".to_owned()),
        ];
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let body = http
            .get(format!("{}/v2/audit-logs", server.uri()))
            .bearer_auth(server.api_key())
            .query(&query)
            .send()
            .await
            .expect("send")
            .bytes()
            .await
            .expect("body");
        #[derive(serde::Deserialize)]
        struct Page<'a> {
            #[serde(borrow)]
            logs: Vec<&'a serde_json::value::RawValue>,
            pagination: serde_json::Value,
        }
        let page: Page = serde_json::from_slice(&body).expect("page");
        raw.extend(page.logs.iter().map(|r| r.get().to_owned()));
        match page.pagination["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return raw,
        }
    }
}

#[tokio::test]
async fn members_the_document_does_not_list_reach_every_format_untouched() {
    let server = server(240, 31).await;
    server.set_faults(Faults::none().unknown_members(true));
    let uri = server.uri();
    let sent = raw_entries(&server).await;
    assert_eq!(sent.len(), in_window(&server).len());
    assert!(sent[0].contains(r#""deep":[1.50,null,1e3,12345678901234567890123]"#));
    let dir = common::temp_dir("journal-lossless");

    let jsonl = dir.join("x.jsonl");
    let out = run(&export_args(&uri, &jsonl, &[]), Some(server.api_key())).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<String> = text(&read(&jsonl)).lines().map(str::to_owned).collect();
    assert_eq!(lines, sent, "each line is the entry exactly as sent");

    let json = dir.join("x.json");
    let out = run(
        &export_args(&uri, &json, &["--format", "json"]),
        Some(server.api_key()),
    )
    .await;
    assert!(out.status.success());
    let json_bytes = read(&json);
    let array: Vec<&serde_json::value::RawValue> =
        serde_json::from_slice(&json_bytes).expect("array");
    let array: Vec<&str> = array.iter().map(|r| r.get()).collect();
    assert_eq!(array, sent, "each element is the entry exactly as sent");

    let csv_path = dir.join("x.csv");
    let out = run(
        &export_args(&uri, &csv_path, &["--format", "csv"]),
        Some(server.api_key()),
    )
    .await;
    assert!(out.status.success());
    let mut reader = csv::Reader::from_path(&csv_path).expect("csv");
    assert_eq!(
        reader.headers().expect("header").iter().next_back(),
        Some("extra")
    );
    for (row, sent) in reader.records().zip(&sent) {
        let row = row.expect("row");
        let entry: AuditLog = serde_json::from_str(sent).expect("entry");
        let extra = row.get(8).expect("extra");
        assert_eq!(Some(extra.to_owned()), entry.unknown_members_json());
        assert!(
            extra.starts_with(r#"{"tenant":{"region":"eu-west-1a","tags":["a",{"deep":[1.50,null,1e3,12345678901234567890123]}]},"risk_score":"#)
                && extra.ends_with(r#","geo":{"asn":64496,"country":"NL"}}"#),
            "{extra}"
        );
    }
}

/// An export of 1,000 entries from a server that cuts its pages wrongly.
async fn export_from_a_server_that(
    fault: PageFault,
    seed: u64,
) -> (MockServer, common::TempPath, Output) {
    let server = server(1_000, seed).await;
    server.set_faults(Faults::none().pages(fault));
    let path = common::temp_path("journal-pages", &format!("{fault:?}.jsonl"));
    let out = run(
        &export_args(&server.uri(), &path, &[]),
        Some(server.api_key()),
    )
    .await;
    (server, path, out)
}

#[tokio::test]
async fn overlapping_pages_are_written_once_and_counted() {
    let (server, path, out) = export_from_a_server_that(PageFault::Overlap, 32).await;
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        line_ids(&path),
        in_window(&server),
        "every entry once, newest first"
    );
    let pages = in_window(&server).len().div_ceil(49);
    assert!(
        stderr.contains("entries again on a later page"),
        "the repeats are reported: {stderr}"
    );
    let repeated: usize = stderr
        .split_whitespace()
        .skip_while(|w| *w != "sent")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert!(
        repeated + 2 >= pages && repeated > 10,
        "{repeated} repeats for ~{pages} pages"
    );
}

#[tokio::test]
async fn a_server_that_repeats_its_pages_stops_the_export_naming_the_cursor() {
    let (server, path, out) = export_from_a_server_that(PageFault::Loop, 33).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("repeats 50 entries") && stderr.contains("cursor "),
        "{stderr}"
    );
    assert_eq!(
        line_ids(&path),
        in_window(&server)[..50],
        "the first page, once"
    );
}

#[tokio::test]
async fn entries_out_of_order_stop_the_export_before_anything_of_the_page_is_written() {
    let (_server, path, out) = export_from_a_server_that(PageFault::OldestFirst, 34).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("out of order") && stderr.contains("first request"),
        "{stderr}"
    );
    assert!(!path.exists(), "nothing of the page was written: {stderr}");
}
