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
    runtime.block_on(async {
        let mut cmd = tokio::process::Command::from(tool(&args, server.api_key(), &moto.endpoint));
        cmd.env("ARIZE_AUDIT_LOGS_TEST_PAUSE", "data-synced:2")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("export starts");
        assert!(wait_for_pause(&mut child).await, "never paused");
        child.kill().await.expect("kill -9");
    });
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
