//! Tamper-evident archives: `export --digests --signing-key`, `verify`, and
//! `verify --against-arize`. Every way of cheating tried here must be caught
//! and named; an archive written through faults, a `kill -9` and a resume
//! must verify clean.

mod common;

use std::{
    path::{Path, PathBuf},
    process::Output,
};

use arize_audit_logs::mock::{Faults, MockServer};
use common::cli::{command, line_ids, run, server, text, wait_for_pause};
use serde_json::Value;
use sha2::{Digest, Sha256};

const KEY: &str = "mock-admin-key";

/// A directory of its own, removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("aal-archive-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        Self(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

/// `keygen DIR/key`: the private and the public key.
async fn keygen(dir: &Dir) -> (PathBuf, PathBuf) {
    let key = dir.path("key");
    let out = run(&["keygen", &s(&key)], None).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    (key, dir.path("key.pub"))
}

/// The export of [START, END] into `output`, a checkpoint (and digest)
/// every page, with `extra` flags.
fn export_args(server: &MockServer, output: &Path, extra: &[&str]) -> Vec<String> {
    let mut flags = vec!["--checkpoint-every", "0s", "--no-progress"];
    flags.extend(extra);
    common::cli::export_args(&server.uri(), output, &flags)
}

async fn export(server: &MockServer, output: &Path, extra: &[&str]) {
    let out = run(&export_args(server, output, extra), Some(KEY)).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// `verify --json` with `extra` flags: its exit code and report.
async fn verify(archive: &Path, extra: &[&str]) -> (i32, Value, Output) {
    let mut args = vec!["verify".to_owned(), s(archive), "--json".into()];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let out = run(&args, Some(KEY)).await;
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
    (out.status.code().expect("exit code"), report, out)
}

/// The findings of a report as (kind, line) pairs, sorted.
fn findings(report: &Value) -> Vec<(String, Option<u64>)> {
    let mut found: Vec<(String, Option<u64>)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().expect("kind").to_owned(),
                f["line"].as_u64(),
            )
        })
        .collect();
    found.sort();
    found
}

fn kinds(report: &Value) -> Vec<String> {
    let mut kinds: Vec<String> = findings(report).into_iter().map(|(k, _)| k).collect();
    kinds.dedup();
    kinds
}

fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("read")
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).expect("write");
}

fn digests_of(archive: &Path) -> PathBuf {
    let mut name = archive.as_os_str().to_owned();
    name.push(".digests");
    PathBuf::from(name)
}

/// A copy of the intact archive and its digests, to cheat on.
fn copy_archive(from: &Path, to: &Path) {
    std::fs::copy(from, to).expect("copy");
    std::fs::copy(digests_of(from), digests_of(to)).expect("copy digests");
}

/// Which line (1-based) each digest's unit starts at, and its entries.
fn units(archive: &Path) -> Vec<(u64, u64)> {
    let mut at = 1;
    read_lines(&digests_of(archive))
        .iter()
        .map(|d| {
            let d: Value = serde_json::from_str(d).expect("digest");
            let n = d["digest"]["entries"].as_u64().expect("entries");
            let unit = (at, n);
            at += n;
            unit
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Rewrites digests `from..` as someone without the key would: content of
/// the unit recomputed from the file, chain relinked, and the signature
/// dropped (`keep_signature`: left as it was).
fn recompute_digests(archive: &Path, from: usize, keep_signature: bool) {
    let data = std::fs::read(archive).expect("data");
    let mut lines_at = Vec::new();
    let mut start = 0;
    for end in data
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i)
    {
        lines_at.push(&data[start..=end]);
        start = end + 1;
    }
    let mut digests = read_lines(&digests_of(archive));
    let mut line = 0usize;
    let mut previous: Option<String> = None;
    for (i, d) in digests.iter_mut().enumerate() {
        let mut v: Value = serde_json::from_str(d).expect("digest");
        let n = v["digest"]["entries"].as_u64().expect("entries") as usize;
        if i >= from {
            let unit: Vec<&[u8]> = lines_at[line..line + n].to_vec();
            let bytes: Vec<u8> = unit.concat();
            let body = &mut v["digest"];
            body["sha256"] = hex(&Sha256::digest(&bytes)).into();
            body["bytes"] = (bytes.len() as u64).into();
            body["lines"] = unit
                .iter()
                .map(|l| Value::from(hex(&Sha256::digest(l)[..8])))
                .collect();
            body["previous"] = previous.clone().map_or(Value::Null, Value::from);
            if !keep_signature {
                v["signature"] = Value::Null;
            }
            *d = serde_json::to_string(&v).expect("json");
        }
        previous = Some(hex(&Sha256::digest(d.as_bytes())));
        line += n;
    }
    write_lines(&digests_of(archive), &digests);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_way_of_cheating_is_caught_and_named() {
    let server = server(900, 14).await;
    let dir = Dir::new("cheats");
    let (key, public) = keygen(&dir).await;
    let intact = dir.path("intact.jsonl");
    export(&server, &intact, &["--signing-key", &s(&key)]).await;
    let units = units(&intact);
    assert!(units.len() >= 6, "a digest per page: {units:?}");
    let public = s(&public);
    let with_key = ["--public-key", public.as_str()];

    let (code, report, out) = verify(&intact, &with_key).await;
    assert_eq!(code, 0, "{}", text(&out.stdout));
    assert_eq!(report["intact"], true);
    assert_eq!(report["signatures"]["status"], "verified");
    assert_eq!(report["entries"], line_ids(&intact).len());
    let head = report["head"]["sha256"].as_str().expect("head").to_owned();
    let plain = run(&["verify", &s(&intact), "--public-key", &public], None).await;
    assert!(
        text(&plain.stdout).contains("INTACT"),
        "{}",
        text(&plain.stdout)
    );

    let copy = dir.path("cheat.jsonl");
    let (second_unit, _) = units[1];
    let (fifth_unit, _) = units[4];

    // One byte changed in a line.
    copy_archive(&intact, &copy);
    let mut lines = read_lines(&copy);
    let at = second_unit as usize + 3;
    lines[at - 1] = lines[at - 1].replacen("\"ip\":\"", "\"ip\":\"9", 1);
    write_lines(&copy, &lines);
    let (code, report, _) = verify(&copy, &with_key).await;
    assert_eq!(code, 5);
    assert_eq!(findings(&report), [("modified".into(), Some(at as u64))]);

    // Checked for a time range only, a change outside it is not looked at.
    let unit_time = |n: usize, end: &str| {
        let digest: Value =
            serde_json::from_str(&read_lines(&digests_of(&intact))[n]).expect("digest");
        digest["digest"][end]["created_at"]
            .as_str()
            .expect("created_at")
            .to_owned()
    };
    // Newest first: a unit's first entry is its newest.
    let newest_of_unit_1: chrono::DateTime<chrono::Utc> =
        unit_time(1, "first").parse().expect("time");
    let after_unit_1 = (newest_of_unit_1 + chrono::TimeDelta::milliseconds(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (code, _, out) = verify(&copy, &["--start", &after_unit_1]).await;
    assert_eq!(
        code,
        0,
        "unit 1 is older than --start: {}",
        text(&out.stdout)
    );
    let (code, _, _) = verify(&copy, &["--end", &unit_time(1, "first")]).await;
    assert_eq!(code, 5, "unit 1 is within --end");

    // A line removed.
    copy_archive(&intact, &copy);
    let mut lines = read_lines(&copy);
    lines.remove(at - 1);
    write_lines(&copy, &lines);
    let (code, report, _) = verify(&copy, &with_key).await;
    assert_eq!(code, 5);
    assert_eq!(findings(&report), [("missing".into(), Some(at as u64))]);

    // A line added: a well-formed entry with an id of its own.
    copy_archive(&intact, &copy);
    let mut lines = read_lines(&copy);
    let mut forged: Value = serde_json::from_str(&lines[at - 1]).expect("entry");
    forged["id"] = "forged-entry".into();
    lines.insert(at, serde_json::to_string(&forged).expect("json"));
    write_lines(&copy, &lines);
    let (code, report, _) = verify(&copy, &with_key).await;
    assert_eq!(code, 5);
    assert_eq!(
        findings(&report),
        [("unexpected".into(), Some(at as u64 + 1))]
    );

    // Two lines swapped across units.
    copy_archive(&intact, &copy);
    let mut lines = read_lines(&copy);
    let (a, b) = (second_unit as usize, fifth_unit as usize + 1);
    lines.swap(a - 1, b - 1);
    write_lines(&copy, &lines);
    let (code, report, _) = verify(&copy, &with_key).await;
    assert_eq!(code, 5);
    let found = findings(&report);
    for line in [a, b] {
        assert!(
            found.contains(&("modified".into(), Some(line as u64))),
            "{found:?}"
        );
    }
    assert!(
        kinds(&report).contains(&"out_of_range".to_owned()),
        "{found:?}"
    );

    // The file deleted.
    copy_archive(&intact, &copy);
    std::fs::remove_file(&copy).expect("rm");
    let (code, report, _) = verify(&copy, &with_key).await;
    assert_eq!(code, 5);
    assert_eq!(kinds(&report), ["missing"]);
    assert_eq!(findings(&report).len(), units.len(), "one for each digest");

    // A digest deleted: the chain breaks there, and its lines are in no digest.
    copy_archive(&intact, &copy);
    let mut digests = read_lines(&digests_of(&copy));
    digests.remove(2);
    write_lines(&digests_of(&copy), &digests);
    let (code, report, _) = verify(&copy, &with_key).await;
    assert_eq!(code, 5);
    assert_eq!(kinds(&report), ["chain_broken", "unexpected"]);
    let unexpected = findings(&report)
        .into_iter()
        .filter(|(k, _)| k == "unexpected")
        .count() as u64;
    assert_eq!(unexpected, units[2].1);

    // A line changed and its digest recomputed without the key (the chain
    // relinked after it): unsigned; keeping the old signature: bad.
    for keep_signature in [false, true] {
        copy_archive(&intact, &copy);
        let mut lines = read_lines(&copy);
        lines[at - 1] = lines[at - 1].replacen("\"ip\":\"", "\"ip\":\"9", 1);
        write_lines(&copy, &lines);
        recompute_digests(&copy, 1, keep_signature);
        let (code, report, _) = verify(&copy, &with_key).await;
        assert_eq!(code, 5);
        let expected = if keep_signature {
            "bad_signature"
        } else {
            "unsigned"
        };
        assert_eq!(kinds(&report), [expected], "{report}");
        assert_eq!(
            findings(&report).len(),
            units.len() - 1,
            "digests 1.. rewritten"
        );
        // Without the public key, a chain signed in part names them too.
        let (code, report, _) = verify(&copy, &[]).await;
        if keep_signature {
            assert_eq!(code, 0, "signatures are not checked without --public-key");
        } else {
            assert_eq!(code, 5);
            assert_eq!(kinds(&report), ["unsigned"]);
        }
    }

    // An old digest replayed: a digest and its unit's lines appended again.
    copy_archive(&intact, &copy);
    let mut digests = read_lines(&digests_of(&copy));
    digests.push(digests[1].clone());
    write_lines(&digests_of(&copy), &digests);
    let mut lines = read_lines(&copy);
    let replayed: Vec<String> =
        lines[second_unit as usize - 1..(second_unit + units[1].1) as usize - 1].to_vec();
    lines.extend(replayed);
    write_lines(&copy, &lines);
    let (code, report, _) = verify(&copy, &with_key).await;
    assert_eq!(code, 5);
    assert_eq!(kinds(&report), ["chain_broken", "duplicate"], "{report}");

    // The archive rolled back to an older, consistent chain: caught with
    // the head recorded from an earlier verify.
    copy_archive(&intact, &copy);
    let keep = 3;
    let digests = read_lines(&digests_of(&copy));
    write_lines(&digests_of(&copy), &digests[..keep]);
    let lines = read_lines(&copy);
    let end = (units[keep].0 - 1) as usize;
    write_lines(&copy, &lines[..end]);
    let (code, _, _) = verify(&copy, &with_key).await;
    assert_eq!(code, 0, "an older chain is consistent in itself");
    let (code, report, _) = verify(&copy, &["--public-key", &public, "--head", &head]).await;
    assert_eq!(code, 5);
    assert_eq!(kinds(&report), ["chain_broken"]);

    // A digest of another archive spliced in.
    let other = dir.path("other.jsonl");
    export(&server, &other, &["--signing-key", &s(&key)]).await;
    copy_archive(&intact, &copy);
    let mut digests = read_lines(&digests_of(&copy));
    digests[3] = read_lines(&digests_of(&other))[3].clone();
    write_lines(&digests_of(&copy), &digests);
    let (code, report, _) = verify(&copy, &with_key).await;
    assert_eq!(code, 5);
    assert!(
        kinds(&report).contains(&"chain_broken".to_owned()),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archive_written_through_faults_kills_and_resumes_verifies_clean() {
    let server = server(700, 15).await;
    server.set_faults(Faults::none().rate_limit(0.1, Some(0)).server_error(0.1));
    let dir = Dir::new("faults");
    let (key, public) = keygen(&dir).await;
    // Killed between the data and its digest, between the digest and the
    // journal, and after the journal.
    for (n, point) in ["data-synced", "digest-written", "journal-saved"]
        .into_iter()
        .enumerate()
    {
        let output = dir.path(&format!("out-{n}.jsonl"));
        let args = export_args(
            &server,
            &output,
            &["--signing-key", &s(&key), "--max-attempts", "10"],
        );
        let mut cmd = command(&args, Some(KEY));
        cmd.env("ARIZE_AUDIT_LOGS_TEST_PAUSE", format!("{point}:4"));
        let mut child = cmd.spawn().expect("spawn");
        assert!(wait_for_pause(&mut child).await, "{point}: paused");
        child.start_kill().expect("kill -9");
        child.wait().await.expect("killed");
        let mut resume = args.clone();
        resume.push("--resume".into());
        let out = run(&resume, Some(KEY)).await;
        assert!(out.status.success(), "{point}: {}", text(&out.stderr));
        let (code, report, out) = verify(&output, &["--public-key", &s(&public)]).await;
        assert_eq!(code, 0, "{point}: {}", text(&out.stdout));
        let ids = line_ids(&output);
        assert_eq!(report["entries"], ids.len());
        let expected: Vec<String> = common::cli::in_window(&server)
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ids, expected, "{point}: every entry once");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archive_whose_disk_filled_up_resumes_and_verifies_clean() {
    let server = server(500, 20).await;
    let dir = Dir::new("full");
    let output = dir.path("full.jsonl");
    let args = export_args(&server, &output, &["--digests"]);
    let out = command(&args, Some(KEY))
        .env("ARIZE_AUDIT_LOGS_TEST_FAIL_WRITE_AFTER", "70000")
        .output()
        .await
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--resume"),
        "{}",
        text(&out.stderr)
    );
    let mut resume = args.clone();
    resume.push("--resume".into());
    let out = run(&resume, Some(KEY)).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (code, report, out) = verify(&output, &[]).await;
    assert_eq!(code, 0, "{}", text(&out.stdout));
    assert_eq!(report["entries"], 500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_arize_finds_entries_removed_from_the_archive_and_entries_the_server_dropped() {
    let server = server(400, 16).await;
    let dir = Dir::new("arize");
    let output = dir.path("out.jsonl");
    export(&server, &output, &["--digests"]).await;
    let base = server.uri();
    let arize = ["--against-arize", "--base-url", base.as_str()];
    // Through 429s (Retry-After: 1) the comparison still completes.
    server.set_faults(Faults::none().rate_limit(0.3, Some(1)));
    let (code, report, out) = verify(&output, &arize).await;
    assert_eq!(code, 0, "{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(report["signatures"]["status"], "unsigned");
    let window = common::cli::in_window(&server).len();
    assert_eq!(report["against_arize"]["returned"], window, "{report}");
    server.set_faults(Faults::none());

    let mut lines = read_lines(&output);
    let id_of = |line: &str| {
        serde_json::from_str::<Value>(line).expect("entry")["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    let removed: Vec<String> = [lines.remove(40), lines.remove(200)]
        .iter()
        .map(|l| id_of(l))
        .collect();
    write_lines(&output, &lines);
    let dropped: Vec<String> = [10, 100, 300].iter().map(|&i| id_of(&lines[i])).collect();
    assert_eq!(server.remove_entries(dropped.iter().map(String::as_str)), 3);

    let (code, report, _) = verify(&output, &arize).await;
    assert_eq!(code, 5);
    let ids_of = |kind: &str| {
        let mut ids: Vec<String> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["kind"] == kind)
            .map(|f| f["id"].as_str().expect("id").to_owned())
            .collect();
        ids.sort();
        ids
    };
    let mut removed = removed;
    removed.sort();
    let mut dropped = dropped;
    dropped.sort();
    assert_eq!(ids_of("not_in_archive"), removed);
    assert_eq!(ids_of("not_in_arize"), dropped);
    let missing = findings(&report)
        .into_iter()
        .filter(|(k, _)| k == "missing")
        .count();
    assert_eq!(missing, 2, "and the digests name the lines removed");

    // A budget too small to read the range says so.
    let mut budget = arize.to_vec();
    budget.extend(["--max-requests", "1"]);
    let (code, report, _) = verify(&output, &budget).await;
    assert_eq!(code, 5);
    assert!(
        kinds(&report).contains(&"incomplete".to_owned()),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_against_arize_prints_its_whole_report_on_stdout_and_nothing_on_stderr() {
    let server = server(120, 18).await;
    let dir = Dir::new("arize-streams");
    let output = dir.path("out.jsonl");
    export(&server, &output, &["--digests"]).await;
    let window = common::cli::in_window(&server).len();
    let pages = window.div_ceil(100);
    let base = server.uri();
    let args = [
        "verify",
        &s(&output),
        "--against-arize",
        "--base-url",
        base.as_str(),
    ];
    let out = run(&args, Some(KEY)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Results on stdout: the comparison with Arize, then the verdict.
    let report = text(&out.stdout);
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 2, "{report}");
    assert!(
        lines[0].starts_with("Compared with Arize from ")
            && lines[0].ends_with(&format!(": {pages} pages, {window} entries returned.")),
        "{report}"
    );
    assert!(lines[1].starts_with("INTACT — "), "{report}");
    // Diagnostics on stderr: none when nothing went wrong.
    assert_eq!(text(&out.stderr), "", "stderr is for diagnostics");

    // The same report as JSON, whole on stdout.
    let mut json = args.to_vec();
    json.push("--json");
    let out = run(&json, Some(KEY)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(report["against_arize"]["pages"], pages);
    assert_eq!(report["against_arize"]["returned"], window);
    assert!(report["against_arize"]["from"].is_string(), "{report}");
    assert_eq!(report["intact"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_key_others_can_read_is_refused_and_keygen_never_replaces_one() {
    use std::os::unix::fs::PermissionsExt;
    let server = server(50, 17).await;
    let dir = Dir::new("keys");
    let (key, _) = keygen(&dir).await;
    let mode = std::fs::metadata(&key).expect("key").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let before = std::fs::read(&key).expect("key");
    let again = run(&["keygen", &s(&key)], None).await;
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(std::fs::read(&key).expect("key"), before, "left as it was");

    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let output = dir.path("out.jsonl");
    let out = run(
        &export_args(&server, &output, &["--signing-key", &s(&key)]),
        Some(KEY),
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let message = text(&out.stderr);
    assert!(
        message.contains("readable by others (mode 0644)"),
        "{message}"
    );
    assert!(
        !output.exists() && !digests_of(&output).exists(),
        "nothing written"
    );
    // Into a bucket too, before its state is created.
    let state = dir.path("bucket.state");
    let out = run(
        &[
            "export",
            "--base-url",
            &server.uri(),
            "--output",
            "s3://archive/arize/",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--state",
            &s(&state),
            "--signing-key",
            &s(&key),
        ],
        Some(KEY),
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(!state.exists(), "no state left behind");
    assert_eq!(server.requests(), 0, "refused before any request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn existing_digests_are_never_replaced_and_a_chain_keeps_its_key() {
    let server = server(200, 18).await;
    let dir = Dir::new("existing");
    let (key, _) = keygen(&dir).await;
    let output = dir.path("out.jsonl");
    export(&server, &output, &["--digests"]).await;
    let digests = std::fs::read(digests_of(&output)).expect("digests");
    let again = run(
        &export_args(&server, &output, &["--digests", "--overwrite"]),
        Some(KEY),
    )
    .await;
    assert_eq!(again.status.code(), Some(2), "{}", text(&again.stderr));
    assert!(text(&again.stderr).contains("move it away"));
    assert_eq!(
        std::fs::read(digests_of(&output)).expect("digests"),
        digests
    );

    // Stopped halfway, an export cannot be continued with another key.
    let second = dir.path("second.jsonl");
    let args = export_args(&server, &second, &["--digests"]);
    let mut cmd = command(&args, Some(KEY));
    cmd.env("ARIZE_AUDIT_LOGS_TEST_PAUSE", "journal-saved:2");
    let mut child = cmd.spawn().expect("spawn");
    assert!(wait_for_pause(&mut child).await);
    child.start_kill().expect("kill");
    child.wait().await.expect("killed");
    let mut resume = args.clone();
    resume.extend(["--resume".into(), "--signing-key".into(), s(&key)]);
    let out = run(&resume, Some(KEY)).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("a chain keeps its key"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_followed_archive_stopped_and_continued_verifies_clean() {
    let (_mock, base) = common::serve_mock(&["--entries", "300", "--append-every", "50ms"]);
    let dir = Dir::new("follow");
    let (key, public) = keygen(&dir).await;
    let output = dir.path("follow.jsonl");
    let state = dir.path("follow.state");
    let start = (chrono::Utc::now() - chrono::TimeDelta::days(40))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let args = [
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
        &s(&output),
        "--state",
        &s(&state),
        "--signing-key",
        &s(&key),
    ];
    for wanted in [320, 360] {
        let child = command(&args, Some(KEY)).spawn().expect("spawn");
        let grown = (0..400).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            std::fs::read(&output)
                .is_ok_and(|b| b.iter().filter(|c| **c == b'\n').count() >= wanted)
        });
        assert!(grown, "never reached {wanted} lines");
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &child.id().expect("pid").to_string()])
            .status()
            .expect("kill");
        assert!(sent.success());
        let out = child.wait_with_output().await.expect("exits");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let (code, report, out) = verify(&output, &["--public-key", &s(&public)]).await;
        assert_eq!(code, 0, "{}", text(&out.stdout));
        assert_eq!(report["entries"], line_ids(&output).len());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs openssl; .ci/run installs it"]
async fn an_auditor_checks_the_keys_and_signatures_with_openssl_alone() {
    let server = server(120, 19).await;
    let dir = Dir::new("openssl");
    let (key, public) = keygen(&dir).await;
    let output = dir.path("out.jsonl");
    export(&server, &output, &["--signing-key", &s(&key)]).await;
    let openssl = |args: &[&str]| {
        std::process::Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl runs (apt install openssl)")
    };
    let read = openssl(&["pkey", "-in", &s(&key), "-noout"]);
    assert!(read.status.success(), "{}", text(&read.stderr));
    for (n, line) in read_lines(&digests_of(&output)).iter().enumerate() {
        // The signed bytes are the body's text exactly as in the digest.
        let body = line
            .strip_prefix("{\"digest\":")
            .and_then(|rest| rest.rsplit_once(",\"signature\":"))
            .map(|(body, _)| body)
            .expect("the documented envelope");
        let digest: Value = serde_json::from_str(line).expect("digest");
        let signature = digest["signature"]["ed25519"].as_str().expect("signed");
        let signature: Vec<u8> = (0..signature.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&signature[i..i + 2], 16).expect("hex"))
            .collect();
        let (body_file, sig_file) = (
            dir.path(&format!("body-{n}")),
            dir.path(&format!("sig-{n}")),
        );
        std::fs::write(&body_file, body).expect("body");
        std::fs::write(&sig_file, &signature).expect("sig");
        let args = [
            "pkeyutl",
            "-verify",
            "-rawin",
            "-pubin",
            "-inkey",
            &s(&public),
        ];
        let checked = openssl(
            &[
                &args[..],
                &["-in", &s(&body_file), "-sigfile", &s(&sig_file)],
            ]
            .concat(),
        );
        assert!(
            checked.status.success(),
            "digest {n}: {}{}",
            text(&checked.stdout),
            text(&checked.stderr)
        );
        // And one byte changed is refused.
        std::fs::write(
            &body_file,
            body.replacen("\"sequence\":", "\"sequence\": ", 1),
        )
        .expect("body");
        let forged = openssl(
            &[
                &args[..],
                &["-in", &s(&body_file), "-sigfile", &s(&sig_file)],
            ]
            .concat(),
        );
        assert!(
            !forged.status.success(),
            "digest {n}: a changed body verifies"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoints_lines_beyond_ten_thousand_are_sealed_as_several_units() {
    let server = server(23_000, 22).await;
    let dir = Dir::new("units");
    let output = dir.path("big.jsonl");
    let mut args = export_args(&server, &output, &["--digests"]);
    // One checkpoint at the end: every line is new to it.
    for (i, arg) in args.clone().iter().enumerate() {
        if arg == "--checkpoint-every" {
            args[i + 1] = "1h".into();
        }
        if arg == "--page-size" {
            args[i + 1] = "100".into();
        }
    }
    let out = run(&args, Some(KEY)).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let entries: Vec<u64> = units(&output).into_iter().map(|(_, n)| n).collect();
    assert_eq!(entries, [10_000, 10_000, 3_000]);
    let (code, report, _) = verify(&output, &[]).await;
    assert_eq!(code, 0);
    assert_eq!(report["entries"], 23_000);
}
