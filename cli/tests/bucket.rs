//! `export --output s3://…` against a real S3 API server (moto, from PyPI),
//! read back with another client (boto3) and compared byte for byte with a
//! file export of the same range, through a `kill -9` and a resume, and
//! while following through SIGTERM and a restart.
//!
//! Ignored by default: moto is not on every machine. `.ci/run` installs it
//! into `target/moto-venv` and runs these with `--ignored`; `MOTO_VENV`
//! points elsewhere.

mod common;

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use common::cli::{ids_and_newest, plain_export_up_to, text, wait_for_pause, END, START};

const BUCKET: &str = "audit-archive";

/// The virtual environment that holds moto and boto3.
fn venv() -> PathBuf {
    std::env::var_os("MOTO_VENV").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/moto-venv"),
        PathBuf::from,
    )
}

/// A moto S3 server on a free port, with the bucket made; stopped when
/// dropped.
struct Moto {
    child: Child,
    endpoint: String,
}

impl Moto {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(venv().join("bin/moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts (pip install 'moto[server]')");
        let moto = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let up = (0..300).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(up, "moto did not listen");
        let made = moto
            .python(&[
                "-c",
                &format!(
                    "import boto3,sys; boto3.client('s3', endpoint_url=sys.argv[1]).create_bucket(Bucket='{BUCKET}')"
                ),
                &moto.endpoint,
            ])
            .output()
            .expect("python runs");
        assert!(made.status.success(), "{}", text(&made.stderr));
        moto
    }

    /// The venv's python with this server's credentials.
    fn python(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(venv().join("bin/python"));
        cmd.args(args);
        aws_env(&mut cmd, &self.endpoint);
        cmd
    }

    /// Reads `prefix` back with boto3 (see `support/read_bucket.py`): the
    /// decompressed content, and the summary.
    fn read_back(&self, prefix: &str, dir: &Path) -> (Vec<u8>, serde_json::Value) {
        let out = dir.join(format!("{}read-back.jsonl", prefix.replace('/', "-")));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/read_bucket.py");
        let run = self
            .python(&[
                &script.display().to_string(),
                &self.endpoint,
                BUCKET,
                prefix,
                &out.display().to_string(),
            ])
            .output()
            .expect("python runs");
        assert!(run.status.success(), "read back: {}", text(&run.stderr));
        let summary = serde_json::from_slice(&run.stdout).expect("summary");
        (std::fs::read(out).expect("content"), summary)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Credentials moto accepts, the region, and its endpoint, as the AWS tools
/// read them.
fn aws_env(cmd: &mut Command, endpoint: &str) {
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env_remove("AWS_PROFILE");
}

fn tool(args: &[&str], key: &str, endpoint: &str) -> Command {
    let mut cmd = common::std_command(args, Some(key));
    cmd.stdin(Stdio::null());
    aws_env(&mut cmd, endpoint);
    cmd
}

/// Runs `cmd` until its test hook pauses at `point`, then kills it with
/// SIGKILL.
fn kill_at_pause(runtime: &tokio::runtime::Runtime, cmd: Command, point: &str) {
    runtime.block_on(async {
        let mut cmd = tokio::process::Command::from(cmd);
        cmd.env("ARIZE_AUDIT_LOGS_TEST_PAUSE", point)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("export starts");
        assert!(wait_for_pause(&mut child).await, "never paused at {point}");
        child.kill().await.expect("kill -9");
    });
}

#[test]
#[ignore = "needs moto and boto3 (PyPI); .ci/run installs them"]
fn an_export_into_a_bucket_through_a_kill_and_a_resume_reads_back_byte_for_byte_as_a_file_export() {
    let moto = Moto::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(common::cli::server(950, 17));
    let uri = server.uri();
    let dir = common::temp_dir("bucket-export");
    let state = dir.join("bucket.state");
    let state_arg = state.display().to_string();
    let args = [
        "export",
        "--base-url",
        &uri,
        "--start",
        START,
        "--end",
        END,
        "--page-size",
        "20",
        "--output",
        "s3://audit-archive/arize/audit/",
        "--state",
        &state_arg,
        "--batch-pages",
        "5",
    ];

    // Stopped dead after its second batch is stored, before the state
    // counts it: the continued run cuts and stores that batch again.
    kill_at_pause(
        &runtime,
        tool(&args, server.api_key(), &moto.endpoint),
        "data-synced:2",
    );
    assert!(state.exists());
    let out = tool(&args, server.api_key(), &moto.endpoint)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!state.exists(), "a finished export removes its state");

    let file = dir.join("file.jsonl");
    let out = tool(
        &[
            "export",
            "--base-url",
            &uri,
            "--start",
            START,
            "--end",
            END,
            "--output",
            &file.display().to_string(),
        ],
        server.api_key(),
        &moto.endpoint,
    )
    .output()
    .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));

    let (content, summary) = moto.read_back("arize/audit/", &dir);
    let expected = std::fs::read(&file).expect("file");
    assert_eq!(summary["entries"], 950, "{summary}");
    assert!(
        summary["days"].as_u64() > Some(20),
        "partitioned by day: {summary}"
    );
    assert!(
        content == expected,
        "the bucket holds exactly the file export's bytes"
    );
}

#[test]
#[ignore = "needs moto and boto3 (PyPI); .ci/run installs them"]
fn following_into_a_bucket_stops_on_sigterm_and_the_same_command_continues_without_repeats() {
    let moto = Moto::start();
    let (_server, base) = common::serve_mock(&["--entries", "40", "--append-every", "200ms"]);
    let start = (chrono::Utc::now() - chrono::TimeDelta::days(40))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let dir = common::temp_dir("bucket-follow");
    let state = dir.join("follow.state");
    let state_arg = state.display().to_string();
    let args = [
        "export",
        "--base-url",
        &base,
        "--start",
        &start,
        "--follow",
        "--interval",
        "1s",
        "--output",
        "s3://audit-archive/followed",
        "--state",
        &state_arg,
    ];
    for _ in 0..2 {
        let child = tool(&args, "mock-admin-key", &moto.endpoint)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("export starts");
        std::thread::sleep(Duration::from_millis(2_500));
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(sent.success());
        let out = child.wait_with_output().expect("exits");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(state.exists());
    }

    let (content, summary) = moto.read_back("followed/", &dir);
    let content = text(&content);
    let ids = ids_and_newest(&content).0;
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "no entry twice: {summary}");
    assert!(
        ids.len() > 40,
        "entries added while following were stored: {summary}"
    );
    assert_eq!(
        unique,
        plain_export_up_to(&base, &start, &content),
        "nothing missed: {summary}"
    );
}

/// `verify s3://… --json` against moto: its exit code and report.
fn verify_bucket(moto: &Moto, url: &str, public: &Path) -> (i32, serde_json::Value) {
    let out = tool(
        &[
            "verify",
            url,
            "--json",
            "--public-key",
            &public.display().to_string(),
        ],
        "unused",
        &moto.endpoint,
    )
    .output()
    .expect("runs");
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
    (out.status.code().expect("exit code"), report)
}

fn finding_kinds(report: &serde_json::Value) -> Vec<String> {
    let mut kinds: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["kind"].as_str().expect("kind").to_owned())
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

#[test]
#[ignore = "needs moto and boto3 (PyPI); .ci/run installs them"]
fn a_signed_bucket_archive_verifies_clean_through_a_kill_and_two_runs_and_every_change_is_caught() {
    let moto = Moto::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(common::cli::server(600, 21));
    let uri = server.uri();
    let dir = common::temp_dir("bucket-digests");
    let key = dir.join("signing.key");
    let out = tool(
        &["keygen", &key.display().to_string()],
        "unused",
        &moto.endpoint,
    )
    .output()
    .expect("keygen");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let public = dir.join("signing.key.pub");
    let url = "s3://audit-archive/signed/";
    let key_arg = key.display().to_string();
    // Two runs into the same prefix, one range each: the second continues
    // the archive's chain from its last digest.
    let middle = "2026-05-01T00:00:00Z";
    let after_middle = "2026-05-01T00:00:00.001Z";
    for (n, (start, end)) in [(START, middle), (after_middle, END)]
        .into_iter()
        .enumerate()
    {
        let state = dir.join(format!("run-{n}.state"));
        let state_arg = state.display().to_string();
        let args = [
            "export",
            "--base-url",
            &uri,
            "--start",
            start,
            "--end",
            end,
            "--page-size",
            "20",
            "--output",
            url,
            "--state",
            &state_arg,
            "--batch-pages",
            "3",
            "--signing-key",
            &key_arg,
        ];
        // Stopped dead after a batch and its digests are stored, before the
        // state counts them: the next run stores both again, in place.
        kill_at_pause(
            &runtime,
            tool(&args, server.api_key(), &moto.endpoint),
            "data-synced:2",
        );
        let out = tool(&args, server.api_key(), &moto.endpoint)
            .output()
            .expect("runs");
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let (code, report) = verify_bucket(&moto, url, &public);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["entries"], 600, "{report}");
    assert_eq!(report["signatures"]["status"], "verified");

    let boto = |script: &str| {
        let out = moto
            .python(&[
                "-c",
                &format!(
                    "import boto3,sys\ns3 = boto3.client('s3', endpoint_url=sys.argv[1])\n\
                     keys = sorted(o['Key'] for p in s3.get_paginator('list_objects_v2').paginate(Bucket='{BUCKET}', Prefix='signed/') for o in p.get('Contents', []))\n\
                     data = [k for k in keys if k.endswith('.jsonl.gz')]\n\
                     digests = [k for k in keys if '/_digests/' in k]\n{script}"
                ),
                &moto.endpoint,
            ])
            .output()
            .expect("python runs");
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    // An object replaced: same key, one entry fewer.
    boto(
        "import gzip\nk = data[3]\nb = gzip.decompress(s3.get_object(Bucket='audit-archive', Key=k)['Body'].read())\n\
         s3.put_object(Bucket='audit-archive', Key=k, Body=gzip.compress(b[b.index(b'\\n') + 1:]))",
    );
    let (code, report) = verify_bucket(&moto, url, &public);
    assert_eq!(code, 5);
    assert_eq!(finding_kinds(&report), ["missing", "modified"], "{report}");
    // An object deleted; a digest deleted; an object no digest covers.
    boto(
        "s3.delete_object(Bucket='audit-archive', Key=data[5])\n\
         s3.delete_object(Bucket='audit-archive', Key=digests[7])\n\
         s3.put_object(Bucket='audit-archive', Key='signed/dt=2026-05-02/extra.jsonl.gz', Body=b'')",
    );
    let (code, report) = verify_bucket(&moto, url, &public);
    assert_eq!(code, 5);
    let kinds = finding_kinds(&report);
    for kind in ["chain_broken", "missing", "unexpected"] {
        assert!(kinds.contains(&kind.to_owned()), "{kind}: {report}");
    }
}

#[test]
#[ignore = "needs moto and boto3 (PyPI); .ci/run installs them"]
fn following_into_a_bucket_stores_each_entry_shown_up_to_3s_late_once_across_a_restart() {
    use arize_audit_logs::mock::{MockConfig, MockServer};
    let moto = Moto::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime
        .block_on(MockServer::start(
            MockConfig::default()
                .entries(30)
                .seed(22)
                .span(chrono::TimeDelta::days(1))
                .visibility_lag(Duration::from_secs(3)),
        ))
        .expect("fake server");
    runtime.block_on(async { server.grow(Duration::from_millis(100)) });
    let start = (chrono::Utc::now() - chrono::TimeDelta::days(40))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let dir = common::temp_dir("bucket-late");
    let state = dir.join("late.state");
    let state_arg = state.display().to_string();
    let uri = server.uri();
    let args = [
        "export",
        "--base-url",
        &uri,
        "--start",
        &start,
        "--follow",
        "--interval",
        "1s",
        "--output",
        "s3://audit-archive/late",
        "--state",
        &state_arg,
    ];
    let stored = || -> u64 {
        std::fs::read(&state)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["written"]["entries"].as_u64())
            .unwrap_or(0)
    };
    let wait_for = |what: &str, done: &dyn Fn() -> bool| {
        let reached = (0..1200).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            done()
        });
        assert!(reached, "timed out waiting until {what}");
    };
    let stop = |child: Child| {
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(sent.success());
        let out = child.wait_with_output().expect("exits");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stderr)
    };
    let spawn = || {
        tool(&args, "mock-admin-key", &moto.endpoint)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("export starts")
    };

    // Stopped while entries it has not seen are still invisible; the next
    // run's look-back finds them, from the ids the state carries.
    let first = spawn();
    wait_for("45 entries stored", &|| stored() >= 45);
    stop(first);
    let second = spawn();
    wait_for("60 entries stored", &|| stored() >= 60);
    server.stop_growing();
    let held: HashSet<String> = server.entries().into_iter().map(|e| e.id).collect();
    wait_for("every entry the server holds is stored", &|| {
        stored() >= held.len() as u64
    });
    let stderr = stop(second);
    assert!(stderr.contains("found by the look-back"), "{stderr}");

    let (content, summary) = moto.read_back("late/", &dir);
    let ids = ids_and_newest(&text(&content)).0;
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "no entry twice: {summary}");
    assert_eq!(unique, held, "nothing missed: {summary}");
}
