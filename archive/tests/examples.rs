//! The examples do what their documentation promises a service author:
//! `archive_to_file`, killed part way (`kill -9`), continues with the same
//! command, and the file holds every entry of the range once, in order; both
//! refuse a bad command line before they connect.

mod common;

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use arize_audit_logs::mock::{Faults, MockServer};
use arize_audit_logs_archive::journal;
use tokio::process::Command;

use common::{at, ids_between, ids_in, server, END};

/// The example's binary, beside this test's (`target/debug/examples/`).
///
/// `cargo test` of this package builds the examples along with the tests;
/// a run of this test file alone (`--test`) may not have, or may have an
/// older one, so it is built when missing or older than its source.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("tests run from target/<profile>/deps");
    let binary = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("examples/{name}.rs"));
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let stale = match (modified(&binary), modified(&source)) {
        (Some(built), Some(written)) => built < written,
        _ => true,
    };
    if stale {
        let status = std::process::Command::new(env!("CARGO"))
            .args([
                "build",
                "-q",
                "-p",
                "arize-audit-logs-archive",
                "--example",
                name,
            ])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cargo build --example {name} failed");
    }
    binary
}

/// The example's command for `file`, connected to `server` through the
/// environment only (as a service gets its key), no other `ARIZE_*`
/// variable of this machine leaking in.
fn archive_to_file(server: &MockServer, start: &str, end: &str, file: &Path) -> Command {
    let mut command = Command::new(example("archive_to_file"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ARIZE_") {
            command.env_remove(name);
        }
    }
    command
        .args(["--start", start, "--end", end])
        .arg(file)
        .env("ARIZE_API_KEY", server.api_key())
        .env("ARIZE_BASE_URL", server.uri())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_killed_mid_range_and_run_again_archives_every_entry_once_in_order() {
    let server = server(3_000).await;
    let (start, end) = ("2026-04-18T00:00:00Z", END);
    let expected = ids_between(&server, at(start), at(end));
    assert!(expected.len() > 2_000, "the range spans many pages");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("audit.jsonl");
    let checkpoint = journal::path_for(&file);

    // Slow pages, so that the kill lands with most of the range to go.
    server.set_faults(Faults::none().latency(Duration::from_millis(150)));
    let mut first = archive_to_file(&server, start, end, &file)
        .spawn()
        .expect("the example starts");
    let mut polls = 0;
    loop {
        if let Some(status) = first.try_wait().expect("the first run's status") {
            let output = first.wait_with_output().await.expect("its output");
            panic!(
                "the first run ended ({status}) before anything was written to kill it after: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        if std::fs::metadata(&file).is_ok_and(|m| m.len() > 0) {
            break;
        }
        polls += 1;
        assert!(
            polls < 3_000,
            "nothing written to {} in a minute",
            file.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.start_kill().expect("kill -9");
    let killed = first.wait_with_output().await.expect("the first run ends");
    assert!(!killed.status.success(), "the first run was killed");
    assert!(
        checkpoint.exists(),
        "the killed run left its journal: it had not finished (stderr: {})",
        String::from_utf8_lossy(&killed.stderr)
    );

    // The same command again, the server at full speed: it continues.
    server.set_faults(Faults::none());
    let second = archive_to_file(&server, start, end, &file)
        .output()
        .await
        .expect("the example runs again");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "the second run failed: {stderr}");
    assert!(
        stderr.contains("continuing the archive in"),
        "it continued rather than started: {stderr}"
    );
    let summary = String::from_utf8_lossy(&second.stdout);
    assert!(
        summary.starts_with(&format!("archived {} entries", expected.len())),
        "a one-line summary counting the whole range: {summary}"
    );
    assert_eq!(summary.lines().count(), 1, "one line: {summary}");
    assert_eq!(
        ids_in(&file),
        expected,
        "every entry of the range once, newest first"
    );
    assert!(
        !checkpoint.exists(),
        "the finished archive's journal is gone"
    );

    // Once finished, the same command writes nothing again.
    let before = std::fs::read(&file).expect("the archive");
    let third = archive_to_file(&server, start, end, &file)
        .output()
        .await
        .expect("the example runs a third time");
    assert!(
        !third.status.success(),
        "a finished archive is not written again"
    );
    assert!(
        String::from_utf8_lossy(&third.stderr).contains("already exists"),
        "it says why: {}",
        String::from_utf8_lossy(&third.stderr)
    );
    assert_eq!(
        std::fs::read(&file).expect("the archive"),
        before,
        "untouched"
    );
}

#[tokio::test]
async fn the_example_refuses_a_missing_range_before_connecting() {
    let server = server(10).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("audit.jsonl");
    let mut command = Command::new(example("archive_to_file"));
    let output = command
        .args(["--start", "2026-05-01T00:00:00Z"])
        .arg(&file)
        .env("ARIZE_API_KEY", server.api_key())
        .env("ARIZE_BASE_URL", server.uri())
        .output()
        .await
        .expect("the example runs");
    assert_eq!(output.status.code(), Some(2), "a usage error");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--end is required"),
        "it names what is missing: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(server.requests(), 0, "nothing was asked of the server");
    assert!(!file.exists(), "nothing was created");
}

#[tokio::test]
async fn the_bucket_example_refuses_a_missing_bucket_url_before_connecting() {
    let server = server(10).await;
    let output = Command::new(example("follow_to_bucket"))
        .args(["--endpoint", "http://127.0.0.1:9"])
        .env("ARIZE_API_KEY", server.api_key())
        .env("ARIZE_BASE_URL", server.uri())
        .output()
        .await
        .expect("the example runs");
    assert_eq!(output.status.code(), Some(2), "a usage error");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("the bucket URL is required"),
        "it names what is missing: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(server.requests(), 0, "nothing was asked of the server");
}

/// The virtual environment that holds moto and boto3 (as `.ci/run` makes
/// it for `cli/tests/bucket.rs`; `MOTO_VENV` points elsewhere).
#[cfg(unix)]
fn moto_venv() -> PathBuf {
    std::env::var_os("MOTO_VENV").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/moto-venv"),
        PathBuf::from,
    )
}

/// Credentials moto accepts and its region, as the AWS tools read them.
#[cfg(unix)]
fn aws_env(command: &mut Command) -> &mut Command {
    command
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
}

/// Runs the venv's python with `args` and moto's credentials; its stdout.
#[cfg(unix)]
async fn python(args: &[&str]) -> Vec<u8> {
    let output = aws_env(&mut Command::new(moto_venv().join("bin/python")))
        .args(args)
        .output()
        .await
        .expect("python runs");
    assert!(
        output.status.success(),
        "python {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto and boto3 (PyPI), which .ci/run installs"]
async fn the_bucket_example_follows_into_s3_with_digests_and_stops_cleanly_on_sigterm() {
    use tokio::io::{AsyncBufReadExt, BufReader};

    // Entries over the last 29 days: all inside the 30 days a new archive
    // covers.
    let server = MockServer::start(
        arize_audit_logs::mock::MockConfig::default()
            .entries(400)
            .seed(3)
            .span(chrono::TimeDelta::days(29)),
    )
    .await
    .expect("fake server");
    let expected: Vec<String> = server.entries().into_iter().map(|e| e.id).collect();
    let dir = tempfile::tempdir().expect("dir");
    let key = dir.path().join("signing.pem");
    arize_audit_logs_archive::digest::keys::generate(&key).expect("a signing key");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let _moto = aws_env(&mut Command::new(moto_venv().join("bin/moto_server")))
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("moto_server starts");
    let mut up = false;
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "moto listens");
    python(&[
        "-c",
        "import boto3,sys; boto3.client('s3', endpoint_url=sys.argv[1]).create_bucket(Bucket='audit')",
        &endpoint,
    ])
    .await;

    let mut command = Command::new(example("follow_to_bucket"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ARIZE_") {
            command.env_remove(name);
        }
    }
    let mut child = aws_env(&mut command)
        .args([
            "s3://audit/follow/",
            "--endpoint",
            &endpoint,
            "--signing-key",
        ])
        .arg(&key)
        .env("ARIZE_API_KEY", server.api_key())
        .env("ARIZE_BASE_URL", server.uri())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the example starts");

    // Once it has caught up (the range stored, waiting for the next poll),
    // the service manager stops it.
    let mut log = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut seen = Vec::new();
    loop {
        let line = log.next_line().await.expect("stderr reads");
        let Some(line) = line else {
            panic!("the example ended before it caught up: {seen:#?}");
        };
        let caught_up = line.starts_with("caught up:");
        seen.push(line);
        if caught_up {
            break;
        }
    }
    let pid = i32::try_from(child.id().expect("running")).expect("a pid");
    // SAFETY: kill(2) on the child this test started and still holds.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0, "SIGTERM sent");
    let output = child.wait_with_output().await.expect("it ends");
    while let Ok(Some(line)) = log.next_line().await {
        seen.push(line);
    }
    assert!(
        output.status.success(),
        "SIGTERM is a normal stop: {:?} {seen:#?}",
        output.status
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with(&format!("stopped: {} entries archived", expected.len())),
        "{stdout}"
    );

    // Read back with another client: every entry once, newest first, and a
    // chain of digests beside them.
    let read_back = dir.path().join("read-back.jsonl");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cli/tests/support/read_bucket.py");
    python(&[
        &script.display().to_string(),
        &endpoint,
        "audit",
        "follow/",
        &read_back.display().to_string(),
    ])
    .await;
    assert_eq!(common::ids_in(&read_back), expected);
    let keys = python(&[
        "-c",
        "import boto3,sys; [print(o['Key']) for o in boto3.client('s3', endpoint_url=sys.argv[1]).list_objects_v2(Bucket='audit', Prefix='follow/').get('Contents', [])]",
        &endpoint,
    ])
    .await;
    assert!(
        String::from_utf8_lossy(&keys).contains("follow/_digests/"),
        "digests stored: {}",
        String::from_utf8_lossy(&keys)
    );
}
