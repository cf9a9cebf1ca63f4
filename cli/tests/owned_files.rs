//! The files the export owns (output, journal, state, digests, keys) are
//! never written through a link, never under a predictable temporary name,
//! and never left behind half-written; an output that is not a regular file
//! (`-`, `/dev/null`) works without a journal beside it; and a server whose
//! pages never advance is given a bounded number of requests, not a loop.

mod common;

use std::{
    path::{Path, PathBuf},
    process::Output,
    sync::atomic::{AtomicU64, Ordering},
};

use arize_audit_logs::{mock::MockServer, DEFAULT_MAX_PAGES_WITHOUT_PROGRESS};
use common::cli::{export_args, line_ids, run, server, text};
use serde_json::json;
use wiremock::{matchers, Mock, Request, Respond, ResponseTemplate};

fn key(server: &MockServer) -> String {
    server.api_key().to_owned()
}

async fn export(server: &MockServer, path: &Path, extra: &[&str]) -> Output {
    run(&export_args(&server.uri(), path, extra), Some(&key(server))).await
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("lists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

#[cfg(unix)]
mod links {
    use super::*;

    const PRECIOUS: &[u8] = b"someone's evidence, not the export's\n";

    /// A file outside the export's reach, and a link to it at `at`.
    fn plant(dir: &Path, at: &Path) -> PathBuf {
        let target = dir.join("precious.txt");
        std::fs::write(&target, PRECIOUS).expect("writes");
        std::os::unix::fs::symlink(&target, at).expect("links");
        target
    }

    fn assert_untouched(target: &Path, link: &Path, what: &str) {
        assert_eq!(
            std::fs::read(target).expect("the target is still there"),
            PRECIOUS,
            "{what}: the link's target was written"
        );
        let kept = std::fs::symlink_metadata(link).map(|m| m.is_symlink());
        assert!(
            kept.unwrap_or(true),
            "{what}: the link was replaced by a file"
        );
    }

    fn assert_refused(out: &Output, link: &Path, what: &str) {
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(stderr.contains("symbolic link"), "{what}: {stderr}");
        assert!(
            stderr.contains(&link.display().to_string()),
            "{what} names the link: {stderr}"
        );
    }

    #[tokio::test]
    async fn a_link_at_the_output_its_journal_its_state_or_its_digests_is_refused() {
        let server = server(120, 5).await;
        let cases: [(&str, &str, &[&str]); 4] = [
            ("the output", "", &[]),
            ("the journal", ".checkpoint", &[]),
            ("the digests", ".digests", &["--digests"]),
            ("the state", ".state", &[]),
        ];
        for (what, suffix, extra) in cases {
            let dir = common::temp_dir("owned-link");
            let path = dir.join("out.jsonl");
            let link = with_suffix(&path, suffix);
            let target = plant(&dir, &link);
            let state = with_suffix(&path, ".state");
            let mut flags: Vec<&str> = extra.to_vec();
            let state_text = state.to_str().expect("utf8").to_owned();
            if suffix == ".state" {
                flags.extend(["--state", &state_text]);
            }
            let out = export(&server, &path, &flags).await;
            assert_refused(&out, &link, what);
            assert_untouched(&target, &link, what);
            assert_eq!(
                names(&dir),
                sorted(&["precious.txt", &name_of(&link)]),
                "{what}: nothing else left"
            );
        }
    }

    #[tokio::test]
    async fn a_link_at_the_journal_of_a_resumed_export_is_refused() {
        let server = server(120, 5).await;
        let dir = common::temp_dir("owned-resume-link");
        let path = dir.join("out.jsonl");
        std::fs::write(&path, b"").expect("writes");
        let journal = common::checkpoint_of(&path);
        let target = plant(&dir, &journal);
        let out = run(
            &[
                "export",
                "--output",
                path.to_str().expect("utf8"),
                "--resume",
            ],
            Some(&key(&server)),
        )
        .await;
        assert_refused(&out, &journal, "--resume");
        assert_untouched(&target, &journal, "--resume");
    }

    #[tokio::test]
    async fn links_at_the_old_temporary_names_are_never_written() {
        // `FILE.checkpoint.tmp` and `STATE.tmp` were the journal's temporary
        // names: now they are unpredictable, so a link planted there is
        // simply never touched.
        let server = server(300, 6).await;
        let dir = common::temp_dir("owned-tmp-link");
        let path = dir.join("out.jsonl");
        let state = dir.join("export.state");
        for (at, extra) in [
            (with_suffix(&common::checkpoint_of(&path), ".tmp"), vec![]),
            (
                with_suffix(&state, ".tmp"),
                vec!["--state", state.to_str().expect("utf8")],
            ),
        ] {
            let target = plant(&dir, &at);
            let mut flags = vec!["--checkpoint-every", "0s"];
            flags.extend(extra);
            let out = export(&server, &path, &flags).await;
            assert!(out.status.success(), "{}", text(&out.stderr));
            assert_untouched(&target, &at, &at.display().to_string());
            assert_eq!(line_ids(&path).len(), 300, "the export itself works");
            assert_eq!(
                names(&dir),
                sorted(&["out.jsonl", "precious.txt", &name_of(&at)]),
                "no temporary file, no journal left"
            );
            std::fs::remove_file(&path).expect("removes");
            std::fs::remove_file(&at).expect("removes");
        }
    }

    #[tokio::test]
    async fn keygen_never_writes_a_key_through_a_link() {
        let dir = common::temp_dir("owned-keygen-link");
        let private = dir.join("signing.pem");
        let public = with_suffix(&private, ".pub");
        for link in [&private, &public] {
            let target = plant(&dir, link);
            let out = run(&["keygen", private.to_str().expect("utf8")], None).await;
            assert_refused(&out, link, "keygen");
            assert_untouched(&target, link, "keygen");
            assert_eq!(
                names(&dir),
                sorted(&["precious.txt", &name_of(link)]),
                "no half of a key pair left behind"
            );
            std::fs::remove_file(link).expect("removes");
        }
    }
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    names.sort();
    names
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .expect("a name")
        .to_string_lossy()
        .into_owned()
}

#[tokio::test]
async fn a_full_disk_at_the_first_journal_write_leaves_nothing_behind() {
    let server = server(200, 7).await;
    let dir = common::temp_dir("owned-full-first");
    let path = dir.join("out.jsonl");
    let mut cmd =
        common::cli::command(&export_args(&server.uri(), &path, &[]), Some(&key(&server)));
    cmd.env("ARIZE_AUDIT_LOGS_TEST_FAIL_OWNED_WRITES_AFTER", "0");
    let out = cmd.output().await.expect("runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert_eq!(
        names(&dir),
        Vec::<String>::new(),
        "no output, journal or temporary file"
    );
    assert_eq!(
        server.requests(),
        0,
        "nothing fetched before the journal exists"
    );
}

#[tokio::test]
async fn a_full_disk_at_a_later_journal_write_leaves_no_temporary_file_and_resumes() {
    let server = server(400, 8).await;
    let dir = common::temp_dir("owned-full-later");
    let path = dir.join("out.jsonl");
    let args = export_args(&server.uri(), &path, &["--checkpoint-every", "0s"]);
    let mut cmd = common::cli::command(&args, Some(&key(&server)));
    // The journal before the first request and after two pages is written;
    // the next one is not.
    cmd.env("ARIZE_AUDIT_LOGS_TEST_FAIL_OWNED_WRITES_AFTER", "3");
    let out = cmd.output().await.expect("runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert_eq!(
        names(&dir),
        vec!["out.jsonl", "out.jsonl.checkpoint"],
        "no temporary file"
    );
    assert_eq!(common::checkpointed(&path), 100, "two pages counted");
    let resumed = run(
        &[
            "export",
            "--output",
            path.to_str().expect("utf8"),
            "--resume",
        ],
        Some(&key(&server)),
    )
    .await;
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    assert_eq!(line_ids(&path).len(), 400, "every entry once");
    assert_eq!(names(&dir), vec!["out.jsonl"]);
}

#[tokio::test]
async fn a_full_disk_before_the_first_output_write_leaves_nothing_behind() {
    let server = server(200, 9).await;
    let dir = common::temp_dir("owned-full-output");
    let path = dir.join("out.jsonl");
    let args = export_args(&server.uri(), &path, &["--checkpoint-every", "0s"]);
    let mut cmd = common::cli::command(&args, Some(&key(&server)));
    cmd.env("ARIZE_AUDIT_LOGS_TEST_FAIL_WRITE_AFTER", "0");
    let out = cmd.output().await.expect("runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("nothing was left behind"), "{stderr}");
    assert_eq!(names(&dir), Vec::<String>::new());
}

#[tokio::test]
async fn an_existing_empty_file_is_left_alone_without_overwrite() {
    let server = server(150, 10).await;
    let dir = common::temp_dir("owned-empty");
    let path = dir.join("out.jsonl");
    std::fs::write(&path, b"").expect("writes");
    let out = export(&server, &path, &[]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("already exists (empty)"), "{stderr}");
    assert!(stderr.contains("--overwrite"), "{stderr}");
    assert_eq!(names(&dir), vec!["out.jsonl"], "no journal");
    assert_eq!(server.requests(), 0);

    let out = export(&server, &path, &["--overwrite"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(line_ids(&path).len(), 150);
}

#[tokio::test]
async fn overwrite_of_a_range_with_nothing_in_it_keeps_the_old_file_byte_for_byte() {
    let server = server(100, 11).await;
    for format in ["jsonl", "json", "csv"] {
        let dir = common::temp_dir("owned-overwrite-empty");
        let path = dir.join("out");
        let old = b"{\"id\":\"kept\"}\nthe old export, as it was\n";
        std::fs::write(&path, old).expect("writes");
        let args = [
            "export",
            "--base-url",
            &server.uri(),
            "--start",
            "2020-01-01T00:00:00Z",
            "--end",
            "2020-01-02T00:00:00Z",
            "--format",
            format,
            "--overwrite",
            "--output",
            path.to_str().expect("utf8"),
        ];
        let out = run(&args, Some(&key(&server))).await;
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        assert_eq!(std::fs::read(&path).expect("reads"), old, "{format}");
        assert_eq!(names(&dir), vec!["out"], "{format}: no journal left");
    }
}

#[tokio::test]
async fn dash_as_output_is_stdout() {
    let server = server(80, 12).await;
    let dir = common::temp_dir("owned-dash");
    let out = common::cli::command(
        &export_args(&server.uri(), Path::new("-"), &[]),
        Some(&key(&server)),
    )
    .current_dir(&*dir)
    .output()
    .await
    .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (ids, _) = common::cli::ids_and_newest(&text(&out.stdout));
    assert_eq!(ids.len(), 80);
    assert_eq!(names(&dir), Vec::<String>::new(), "no file named -");
}

#[cfg(unix)]
#[tokio::test]
async fn dev_null_as_output_works_and_leaves_no_journal_in_dev() {
    let server = server(80, 13).await;
    let out = export(&server, Path::new("/dev/null"), &[]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    for left in ["/dev/null.checkpoint", "/dev/null.digests"] {
        assert!(
            std::fs::symlink_metadata(left).is_err(),
            "{left} was created"
        );
    }
    assert!(server.requests() >= 2, "the export ran");
}

#[cfg(unix)]
#[tokio::test]
async fn a_fifo_as_output_is_written_like_stdout_with_no_journal_beside_it() {
    let server = server(90, 14).await;
    let dir = common::temp_dir("owned-fifo");
    let fifo = dir.join("to-the-shipper");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).expect("reads the fifo"))
    };
    let out = export(&server, &fifo, &[]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let read = String::from_utf8(reader.join().expect("reader")).expect("utf8");
    assert_eq!(common::cli::ids_and_newest(&read).0.len(), 90);
    assert_eq!(names(&dir), vec!["to-the-shipper"], "no journal beside it");
}

/// Every page is empty and says there is more, under a cursor never given
/// before; counts the requests.
struct NeverAdvancing(AtomicU64);

impl Respond for NeverAdvancing {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        ResponseTemplate::new(200).set_body_json(json!({
            "logs": [],
            "pagination": { "has_more": true, "next_cursor": format!("fresh-{n}") },
        }))
    }
}

async fn never_advancing() -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    Mock::given(matchers::path("/v2/audit-logs"))
        .respond_with(NeverAdvancing(AtomicU64::new(0)))
        .mount(&server)
        .await;
    server
}

async fn requests(server: &wiremock::MockServer) -> Vec<Request> {
    server.received_requests().await.expect("recording is on")
}

fn cursor_of(request: &Request) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == "cursor")
        .map(|(_, v)| v.into_owned())
}

/// The tool with `args`, its waits between pages without progress
/// shortened (the bound stays the default).
async fn against(args: &[String]) -> Output {
    let mut cmd = common::cli::command(args, Some(common::TEST_KEY));
    cmd.env("ARIZE_AUDIT_LOGS_TEST_NO_PROGRESS_WAIT_MS", "1");
    cmd.output().await.expect("runs")
}

#[tokio::test]
async fn a_server_that_never_advances_gets_a_bounded_number_of_requests_and_a_resumable_journal() {
    let server = never_advancing().await;
    let dir = common::temp_dir("owned-no-progress");
    let path = dir.join("out.jsonl");
    let out = against(&export_args(&server.uri(), &path, &[])).await;
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(4),
        "the server is at fault: {stderr}"
    );
    assert!(stderr.contains("not advancing"), "{stderr}");
    assert!(stderr.contains("--resume"), "the resume hint: {stderr}");
    let bound = DEFAULT_MAX_PAGES_WITHOUT_PROGRESS as usize;
    let sent = requests(&server).await;
    assert_eq!(sent.len(), bound, "exactly the bound, at most 1,000");
    let journal = common::checkpoint_of(&path);
    assert!(journal.exists(), "the journal is kept");

    // Fixed: the next page ends the range. `--resume` takes the journal and
    // asks from where it stopped.
    server.reset().await;
    Mock::given(matchers::path("/v2/audit-logs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "logs": [{
                "id": "after-the-stall", "user_id": "u", "ip": "1.2.3.4",
                "operation_type": "QUERY", "created_at": "2026-05-01T00:00:00Z",
            }],
            "pagination": { "has_more": false },
        })))
        .mount(&server)
        .await;
    let resumed = against(&[
        "export".into(),
        "--output".into(),
        path.to_str().expect("utf8").into(),
        "--resume".into(),
    ])
    .await;
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        cursor_of(&sent[0]).as_deref(),
        Some(format!("fresh-{}", bound - 2).as_str()),
        "from the journal's cursor"
    );
    assert_eq!(line_ids(&path), ["after-the-stall"]);
    assert!(!journal.exists());
}

#[tokio::test]
async fn list_parallel_workers_and_verify_against_arize_get_the_same_bound() {
    let bound = DEFAULT_MAX_PAGES_WITHOUT_PROGRESS as usize;
    let server = never_advancing().await;
    let args: Vec<String> = [
        "list",
        "--all",
        "--base-url",
        &server.uri(),
        "--since",
        "1d",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let out = against(&args).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not advancing"));
    assert_eq!(requests(&server).await.len(), bound);

    let server = never_advancing().await;
    let dir = common::temp_dir("owned-no-progress-parallel");
    let path = dir.join("out.jsonl");
    let out = against(&export_args(&server.uri(), &path, &["--parallel", "3"])).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let sent = requests(&server).await.len();
    assert!(sent <= 3 * bound, "each worker's stream is bounded: {sent}");

    // An archive checked against a server that never advances.
    let fake = common::cli::server(60, 15).await;
    let archive = dir.join("archive.jsonl");
    let out = export(&fake, &archive, &["--digests"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let server = never_advancing().await;
    let args: Vec<String> = [
        "verify",
        archive.to_str().expect("utf8"),
        "--against-arize",
        "--base-url",
        &server.uri(),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let out = against(&args).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not advancing"));
    assert_eq!(requests(&server).await.len(), bound);
}
