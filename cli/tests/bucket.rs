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

/// The term of a prefix's lease in these tests (seconds): a holder killed
/// with SIGKILL leaves a lease that expires this long after its last renewal.
const LEASE_SECONDS: u64 = 4;

fn tool(args: &[&str], key: &str, endpoint: &str) -> Command {
    let mut cmd = common::std_command(args, Some(key));
    cmd.stdin(Stdio::null()).env(
        "ARIZE_AUDIT_LOGS_TEST_LEASE_SECONDS",
        LEASE_SECONDS.to_string(),
    );
    aws_env(&mut cmd, endpoint);
    cmd
}

/// Runs `cmd` until its test hook pauses at `point`, then kills it with
/// SIGKILL, and waits until the lease it held on its prefix has expired.
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
    std::thread::sleep(Duration::from_millis(LEASE_SECONDS * 1000 + 500));
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

/// The keys under `prefix`, listed with boto3.
fn keys_under(moto: &Moto, prefix: &str) -> Vec<String> {
    let out = moto
        .python(&[
            "-c",
            &format!(
                "import boto3,sys\ns3 = boto3.client('s3', endpoint_url=sys.argv[1])\n\
                 for p in s3.get_paginator('list_objects_v2').paginate(Bucket='{BUCKET}', Prefix='{prefix}'):\n    \
                 for o in p.get('Contents', []): print(o['Key'])"
            ),
            &moto.endpoint,
        ])
        .output()
        .expect("python runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).lines().map(str::to_owned).collect()
}

/// The ids the prefix holds (read back with boto3), each as often as stored.
fn stored_ids(moto: &Moto, prefix: &str, dir: &Path) -> Vec<String> {
    let (content, _) = moto.read_back(prefix, dir);
    ids_and_newest(&text(&content)).0
}

/// The ids of the fake server's entries inside [`START`, `END`].
fn all_ids(server: &arize_audit_logs::mock::MockServer) -> HashSet<String> {
    common::cli::in_window(server)
        .into_iter()
        .map(|e| e.id)
        .collect()
}

/// Checks a refusal's stderr: one line, no XML, no instance-metadata
/// address.
fn one_clean_line(stderr: &str) {
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(!stderr.contains('<'), "no XML: {stderr}");
    assert!(!stderr.contains("169.254.169.254"), "{stderr}");
}

/// `export` of [`START`, `END`] from `uri` into `url`, 20 entries a page,
/// then `extra`.
fn bucket_args<'a>(uri: &'a str, url: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "export",
        "--base-url",
        uri,
        "--page-size",
        "20",
        "--batch-pages",
        "3",
        "--output",
        url,
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
#[ignore = "needs moto and boto3 (PyPI); .ci/run installs them"]
fn a_second_export_into_a_leased_prefix_is_refused_naming_the_holder_and_a_killed_holders_lease_is_taken_over_once_expired(
) {
    let moto = Moto::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(common::cli::server(400, 31));
    let uri = server.uri();
    let dir = common::temp_dir("bucket-lease");
    let url = "s3://audit-archive/leased/";
    // No --state: the state is kept in the prefix.
    let args = bucket_args(&uri, url, &["--start", START, "--end", END]);

    // The first stops dead once it holds the lease and its state is saved,
    // before its first request to Arize.
    let mut first = tool(&args, server.api_key(), &moto.endpoint);
    first
        .env("ARIZE_AUDIT_LOGS_TEST_PAUSE", "started:1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut first = runtime.block_on(async {
        let mut child = tokio::process::Command::from(first)
            .kill_on_drop(true)
            .spawn()
            .expect("export starts");
        assert!(wait_for_pause(&mut child).await, "the first never paused");
        child
    });
    let pid = first.id().expect("running");

    let out = tool(&args, server.api_key(), &moto.endpoint)
        .output()
        .expect("runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    one_clean_line(&stderr);
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    assert!(
        stderr.contains("being written by another export")
            && stderr.contains(&format!("pid {pid} on host {host} since "))
            && stderr.contains("its lease runs to "),
        "{stderr}"
    );
    assert_eq!(server.requests(), 0, "nothing fetched by either");

    // Killed: its lease is no longer renewed, and expires.
    runtime.block_on(first.kill()).expect("kill -9");
    let expires: chrono::DateTime<chrono::Utc> = stderr
        .split("its lease runs to ")
        .nth(1)
        .and_then(|rest| rest.get(..20))
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no expiry: {stderr}"));
    let wait = (expires - chrono::Utc::now()).to_std().unwrap_or_default();
    std::thread::sleep(wait + Duration::from_secs(LEASE_SECONDS + 1));

    // Taken over: the export continues from the prefix's state, and ends.
    let out = tool(&args, server.api_key(), &moto.endpoint)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ids = stored_ids(&moto, "leased/", &dir);
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "no entry twice");
    assert_eq!(unique, all_ids(&server));
    let keys = keys_under(&moto, "leased/");
    assert!(
        !keys.iter().any(|k| k.ends_with("_state.json")),
        "a finished export removes the prefix's state: {keys:?}"
    );
}

#[test]
#[ignore = "needs moto and boto3 (PyPI); .ci/run installs them"]
fn overlapping_exports_into_one_prefix_never_store_an_entry_twice_the_second_is_refused_naming_the_overlap(
) {
    let moto = Moto::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(common::cli::server(500, 32));
    let uri = server.uri();
    let dir = common::temp_dir("bucket-overlap");
    let url = "s3://audit-archive/one-archive/";
    let first_state = dir.join("first.state").display().to_string();
    let first = bucket_args(
        &uri,
        url,
        &[
            "--start",
            START,
            "--end",
            "2026-05-05T00:00:00Z",
            "--state",
            &first_state,
        ],
    );
    let out = tool(&first, server.api_key(), &moto.endpoint)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stored = stored_ids(&moto, "one-archive/", &dir).len();
    let requests = server.requests();

    // Overlapping ranges, with a state of their own, or none.
    let second_state = dir.join("second.state").display().to_string();
    let overlapping = [
        ("2026-04-20T00:00:00Z", Some(second_state.as_str())),
        ("2026-04-20T00:00:00Z", None),
    ];
    let mut suggested = None;
    for (start, state) in overlapping {
        let mut extra = vec!["--start", start, "--end", END];
        if let Some(state) = state {
            extra.extend(["--state", state]);
        }
        let out = tool(
            &bucket_args(&uri, url, &extra),
            server.api_key(),
            &moto.endpoint,
        )
        .output()
        .expect("runs");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        one_clean_line(&stderr);
        assert!(
            stderr.contains("already holds entries of this export's range")
                && stderr.contains("one-archive/dt="),
            "names the overlap: {stderr}"
        );
        suggested = stderr
            .split("--start ")
            .nth(1)
            .map(|rest| rest.chars().take(24).collect::<String>());
        assert!(!Path::new(&second_state).exists(), "no state left behind");
    }
    assert_eq!(server.requests(), requests, "refused before any request");
    assert_eq!(
        stored_ids(&moto, "one-archive/", &dir).len(),
        stored,
        "nothing stored"
    );

    // Where the message says to start, the archive continues.
    let start = suggested.expect("a --start to continue from");
    let out = tool(
        &bucket_args(&uri, url, &["--start", &start, "--end", END]),
        server.api_key(),
        &moto.endpoint,
    )
    .output()
    .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ids = stored_ids(&moto, "one-archive/", &dir);
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "no entry twice in the prefix");
    assert_eq!(unique, all_ids(&server), "and none missing");
}

#[test]
#[ignore = "needs moto and boto3 (PyPI); .ci/run installs them"]
fn an_export_into_a_bucket_without_state_killed_and_rerun_continues_from_the_prefix_and_stores_every_entry_once(
) {
    let moto = Moto::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(common::cli::server(600, 33));
    let uri = server.uri();
    let dir = common::temp_dir("bucket-stateless");
    let url = "s3://audit-archive/stateless/";
    let args = bucket_args(&uri, url, &["--start", START, "--end", END]);
    // Stopped dead after its second batch is stored, before the prefix's
    // state counts it; then again after its fourth state save.
    for point in ["data-synced:2", "journal-saved:4"] {
        kill_at_pause(
            &runtime,
            tool(&args, server.api_key(), &moto.endpoint),
            point,
        );
        let keys = keys_under(&moto, "stateless/");
        assert!(
            keys.contains(&"stateless/_state.json".to_owned()),
            "the state is in the prefix: {keys:?}"
        );
    }
    let out = tool(&args, server.api_key(), &moto.endpoint)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ids = stored_ids(&moto, "stateless/", &dir);
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "no entry twice");
    assert_eq!(unique, all_ids(&server), "every entry");
    assert!(!keys_under(&moto, "stateless/").contains(&"stateless/_state.json".to_owned()));
}

#[test]
#[ignore = "needs moto and boto3 (PyPI); .ci/run installs them"]
fn a_missing_bucket_is_found_before_any_request_to_arize() {
    let moto = Moto::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(common::cli::server(50, 34));
    let uri = server.uri();
    let range = ["--start", START, "--end", END];

    let out = tool(
        &bucket_args(&uri, "s3://no-such-bucket/x/", &range),
        server.api_key(),
        &moto.endpoint,
    )
    .output()
    .expect("runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    one_clean_line(&stderr);
    assert!(stderr.contains("no such bucket"), "{stderr}");

    assert_eq!(server.requests(), 0, "Arize was never asked");
}

#[test]
#[ignore = "needs moto and boto3 (PyPI); .ci/run installs them"]
fn verify_of_a_prefix_without_digests_or_without_an_archive_is_a_usage_error() {
    let moto = Moto::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(common::cli::server(60, 35));
    let uri = server.uri();
    let out = tool(
        &bucket_args(
            &uri,
            "s3://audit-archive/plain/",
            &["--start", START, "--end", END],
        ),
        server.api_key(),
        &moto.endpoint,
    )
    .output()
    .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));

    for (url, says) in [
        ("s3://audit-archive/plain/", "no digests found"),
        ("s3://audit-archive/nothing-here/", "there is no archive at"),
    ] {
        let out = tool(&["verify", url], "unused", &moto.endpoint)
            .output()
            .expect("runs");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{url}: {stderr}");
        assert!(stderr.contains(says), "{url}: {stderr}");
        assert!(out.stdout.is_empty(), "no verdict: {}", text(&out.stdout));
    }
}

#[test]
#[ignore = "needs moto and boto3 (PyPI); .ci/run installs them"]
fn an_ocsf_export_into_a_bucket_keeps_the_layout_records_its_format_and_verifies() {
    let moto = Moto::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(common::cli::server(400, 23));
    let uri = server.uri();
    let dir = common::temp_dir("bucket-ocsf");
    let (key, public) = {
        let key = dir.join("key");
        let out = tool(
            &["keygen", &key.display().to_string()],
            "unused",
            &moto.endpoint,
        )
        .output()
        .expect("runs");
        assert!(out.status.success(), "{}", text(&out.stderr));
        (key.display().to_string(), dir.join("key.pub"))
    };
    let url = "s3://audit-archive/ocsf/";
    let export = |format: &str, output: &str, state: Option<&Path>, extra: &[&str]| {
        let mut args = vec![
            "export".to_owned(),
            "--base-url".into(),
            uri.clone(),
            "--start".into(),
            START.into(),
            "--end".into(),
            END.into(),
            "--page-size".into(),
            "20".into(),
            "--format".into(),
            format.into(),
            "--output".into(),
            output.into(),
        ];
        if let Some(state) = state {
            args.extend(["--state".into(), state.display().to_string()]);
        }
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        tool(&args, server.api_key(), &moto.endpoint)
            .output()
            .expect("runs")
    };
    let out = export(
        "ocsf",
        url,
        Some(&dir.join("ocsf.state")),
        &["--batch-pages", "5", "--signing-key", &key],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let file = dir.join("file.ocsf.jsonl");
    let out = export("ocsf", &file.display().to_string(), None, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // The JSON Lines layout: objects per day, manifests, read back by
    // another client as the file export's bytes; every manifest says ocsf.
    let (content, summary) = moto.read_back("ocsf/", &dir);
    assert_eq!(summary["entries"], 400, "{summary}");
    assert!(summary["days"].as_u64() > Some(20), "{summary}");
    assert_eq!(summary["formats"], serde_json::json!(["ocsf"]), "{summary}");
    assert!(content == std::fs::read(&file).expect("file"));
    let (code, report) = verify_bucket(&moto, url, &public);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["entries"], 400, "{report}");

    // One prefix, one format: JSON Lines into it is refused, naming both.
    let out = export("jsonl", url, Some(&dir.join("jsonl.state")), &[]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("lists ocsf objects, and this export writes jsonl"),
        "{}",
        text(&out.stderr)
    );
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

/// A state file as JSON (`null` when there is none).
fn state_json(path: &Path) -> serde_json::Value {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// The entries a state holds, fetched and not yet stored (`--batch-interval`).
fn held_entries(state: &serde_json::Value) -> u64 {
    state["held"]["lines"]
        .as_str()
        .map_or(0, |l| l.matches('\n').count() as u64)
}

/// The data objects among `keys` (not manifests, digests, lease or state).
fn data_objects(keys: &[String]) -> Vec<&String> {
    keys.iter().filter(|k| k.ends_with(".jsonl.gz")).collect()
}

/// Waits up to 60 s until `done`.
fn wait_until(what: &str, done: impl Fn() -> bool) {
    let reached = (0..1200).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        done()
    });
    assert!(reached, "timed out waiting until {what}");
}

/// Sends SIGTERM to a followed export; it must exit 0.
fn terminate(child: Child) -> String {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let out = child.wait_with_output().expect("exits");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stderr)
}

/// 40 days ago, where the followers of these tests start.
fn since_40_days() -> String {
    (chrono::Utc::now() - chrono::TimeDelta::days(40))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `export --follow` from `start` from `base` into `url`, its state in
/// `state` (`None`: in the prefix), then `extra`.
fn follow_into(
    base: &str,
    start: &str,
    url: &str,
    state: Option<&Path>,
    extra: &[&str],
) -> Vec<String> {
    let mut args: Vec<String> = ["export", "--base-url", base, "--start", start, "--follow"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.extend(["--output".to_owned(), url.to_owned()]);
    if let Some(state) = state {
        args.extend(["--state".to_owned(), state.display().to_string()]);
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

fn tool_with(args: &[String], endpoint: &str) -> Command {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut cmd = tool(&args, "mock-admin-key", endpoint);
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    cmd
}

/// Reads `prefix` back: every id stored once, and none missing from what a
/// plain export from `start` up to the newest stored gets.
fn assert_each_entry_stored_once(
    moto: &Moto,
    prefix: &str,
    base: &str,
    start: &str,
    dir: &Path,
) -> Vec<u8> {
    let (content, summary) = moto.read_back(prefix, dir);
    let text_content = text(&content);
    let ids = ids_and_newest(&text_content).0;
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "no entry twice: {summary}");
    assert_eq!(
        unique,
        plain_export_up_to(base, start, &text_content),
        "nothing missed: {summary}"
    );
    content
}

#[test]
#[ignore = "needs moto and boto3 (PyPI); .ci/run installs them"]
fn a_follow_into_a_bucket_killed_while_holding_polls_in_its_state_and_again_after_storing_them_stores_every_entry_once_under_digests(
) {
    let moto = Moto::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (_server, base) = common::serve_mock(&["--entries", "40", "--append-every", "200ms"]);
    let start = since_40_days();
    let dir = common::temp_dir("bucket-held");
    let state = dir.join("held.state");
    let key = dir.join("signing.key");
    let out = tool(
        &["keygen", &key.display().to_string()],
        "unused",
        &moto.endpoint,
    )
    .output()
    .expect("keygen");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let key = key.display().to_string();
    let url = "s3://audit-archive/held/";
    let args = |extra: &[&str]| {
        let mut all = vec!["--interval", "1s", "--signing-key", key.as_str()];
        all.extend_from_slice(extra);
        follow_into(&base, &start, url, Some(&state), &all)
    };

    // Polls fetched and held in the state, saved at each; nothing stored
    // within the interval. Then kill -9.
    let mut first = tool_with(&args(&["--batch-interval", "1h"]), &moto.endpoint)
        .spawn()
        .expect("export starts");
    wait_until("the state holds 50 entries", || {
        held_entries(&state_json(&state)) >= 50
    });
    first.kill().expect("kill -9");
    first.wait().expect("ends");
    let saved = state_json(&state);
    assert_eq!(
        saved["written"]["entries"].as_u64(),
        Some(held_entries(&saved)),
        "the state counts what it holds, and nothing else"
    );
    let keys = keys_under(&moto, "held/");
    assert!(
        !keys
            .iter()
            .any(|k| k.ends_with(".jsonl.gz") || k.ends_with("_manifest.json")),
        "nothing stored within the interval: {keys:?}"
    );
    std::thread::sleep(Duration::from_millis(LEASE_SECONDS * 1000 + 500));

    // Continued with every poll stored: the held lines and the first poll
    // are stored, and it is killed before the state counts them.
    kill_at_pause(
        &runtime,
        tool_with(&args(&["--batch-interval", "0s"]), &moto.endpoint),
        "data-synced:1",
    );
    let saved = state_json(&state);
    assert!(held_entries(&saved) >= 50, "still held by the state");
    assert!(
        saved["pending_pages"].is_u64(),
        "the batch they lead written ahead: {}",
        saved["pending_pages"]
    );
    assert!(!data_objects(&keys_under(&moto, "held/")).is_empty());

    // The same command, default interval: the same batch again, in place;
    // a SIGTERM stores what it holds before it exits.
    let third = tool_with(&args(&[]), &moto.endpoint)
        .spawn()
        .expect("export starts");
    std::thread::sleep(Duration::from_secs(3));
    terminate(third);
    let saved = state_json(&state);
    assert!(saved["held"].is_null(), "a stop stores what is held");

    let content = assert_each_entry_stored_once(&moto, "held/", &base, &start, &dir);
    let stored = text(&content).lines().count();
    assert!(stored > 50, "entries added while following were stored");
    let (code, report) = verify_bucket(&moto, url, &dir.join("signing.key.pub"));
    assert_eq!(code, 0, "every object under a digest: {report}");
    assert_eq!(report["entries"], stored, "{report}");
}

#[test]
#[ignore = "needs moto and boto3 (PyPI); .ci/run installs them"]
fn held_lines_stored_alone_and_killed_before_the_prefixs_state_counts_them_are_stored_again_in_place_not_twice(
) {
    let moto = Moto::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (_server, base) = common::serve_mock(&["--entries", "40", "--append-every", "200ms"]);
    let start = since_40_days();
    let dir = common::temp_dir("bucket-held-alone");
    let url = "s3://audit-archive/alone/";
    // No --state: held in the prefix's _state.json. The first poll's lines
    // are held at its end (the first save); after the 2 s wait they are
    // due, and stored alone, before the next poll.
    let args = follow_into(
        &base,
        &start,
        url,
        None,
        &["--interval", "2s", "--batch-interval", "1s"],
    );
    kill_at_pause(&runtime, tool_with(&args, &moto.endpoint), "data-synced:2");
    let read = moto
        .python(&[
            "-c",
            &format!(
                "import boto3,sys\nsys.stdout.buffer.write(boto3.client('s3', endpoint_url=sys.argv[1]).get_object(Bucket='{BUCKET}', Key='alone/_state.json')['Body'].read())"
            ),
            &moto.endpoint,
        ])
        .output()
        .expect("python runs");
    assert!(read.status.success(), "{}", text(&read.stderr));
    let saved: serde_json::Value = serde_json::from_slice(&read.stdout).expect("the state");
    assert_eq!(saved["pending_pages"], 0, "held lines alone, written ahead");
    assert!(held_entries(&saved) >= 40, "held: {}", held_entries(&saved));
    let first_objects = data_objects(&keys_under(&moto, "alone/")).len();
    assert!(first_objects > 0);

    let again = tool_with(&args, &moto.endpoint)
        .spawn()
        .expect("export starts");
    std::thread::sleep(Duration::from_secs(4));
    terminate(again);
    assert_each_entry_stored_once(&moto, "alone/", &base, &start, &dir);
}

#[test]
#[ignore = "needs moto and boto3 (PyPI); .ci/run installs them"]
fn a_quiet_follow_into_a_bucket_saves_its_state_every_poll_and_stores_one_object_per_day_when_stopped_within_the_interval(
) {
    let moto = Moto::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (_server, base) = common::serve_mock(&["--entries", "40", "--append-every", "300ms"]);
    let start = since_40_days();
    let dir = common::temp_dir("bucket-quiet");
    let state = dir.join("quiet.state");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let listen = format!("127.0.0.1:{port}");
    let args = follow_into(
        &base,
        &start,
        "s3://audit-archive/quiet/",
        Some(&state),
        &["--interval", "1s", "--metrics-listen", &listen],
    );
    let child = tool_with(&args, &moto.endpoint)
        .spawn()
        .expect("export starts");
    let range_end = || {
        state_json(&state)["range"]["end"]
            .as_str()
            .map(str::to_owned)
    };
    wait_until("45 entries in the state", || {
        state_json(&state)["written"]["entries"].as_u64() >= Some(45)
    });
    let before = range_end();
    wait_until("the next poll saved", || range_end() != before);
    assert!(
        data_objects(&keys_under(&moto, "quiet/")).is_empty(),
        "polls saved, nothing stored yet"
    );
    let metrics = runtime.block_on(async {
        reqwest::get(format!("http://{listen}/metrics"))
            .await
            .expect("answers")
            .text()
            .await
            .expect("body")
    });
    let sample = |name: &str| -> f64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&format!("arize_audit_logs_{name} ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name}: {metrics}"))
    };
    assert!(sample("entries_held") >= 45.0, "{metrics}");
    assert!(sample("entries_exported_total") >= sample("entries_held"));

    terminate(child);
    let content = assert_each_entry_stored_once(&moto, "quiet/", &base, &start, &dir);
    let days: HashSet<String> = text(&content)
        .lines()
        .map(|l| {
            let entry: serde_json::Value = serde_json::from_str(l).expect("an entry");
            entry["created_at"].as_str().expect("created_at")[..10].to_owned()
        })
        .collect();
    // One batch, stored at the stop, in order: an object per day, where
    // storing every poll makes one more for each poll that brought entries.
    assert_eq!(
        data_objects(&keys_under(&moto, "quiet/")).len(),
        days.len(),
        "one object per day"
    );
}

#[test]
fn batch_interval_is_refused_for_a_file_or_without_follow_naming_the_flag_before_any_request() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(common::cli::server(20, 36));
    let uri = server.uri();
    let dir = common::temp_dir("batch-interval-usage");
    let file = dir.join("out.jsonl").display().to_string();
    let cases: [(&[&str], &str); 3] = [
        (
            &["--follow", "--batch-interval", "1m", "--output", &file],
            "--batch-interval applies only to --follow into a bucket",
        ),
        (
            &["--follow", "--batch-interval", "1m"],
            "--batch-interval applies only to --follow into a bucket",
        ),
        (
            &[
                "--batch-interval",
                "1m",
                "--output",
                "s3://audit-archive/x/",
            ],
            "--follow",
        ),
    ];
    for (extra, says) in cases {
        let mut args = vec!["export", "--base-url", &uri, "--start", START];
        args.extend_from_slice(extra);
        let out = common::std_command(&args, Some(server.api_key()))
            .stdin(Stdio::null())
            .output()
            .expect("runs");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(says), "{extra:?}: {stderr}");
    }
    assert!(!Path::new(&file).exists(), "nothing written");
    assert_eq!(server.requests(), 0, "refused before any request");
}
