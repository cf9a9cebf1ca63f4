//! `export --format ocsf`: every entry as one OCSF API Activity event a
//! line. Each mapped value is compared with the entry it came from; every
//! `raw_data` is the JSON Lines export's line of its entry; every line
//! validates against `schema --format ocsf` and (ignored by default: it
//! needs ocsf-json-schema from PyPI, which `.ci/run` installs into
//! `target/ocsf-venv`; `OCSF_VENV` points elsewhere) against OCSF's own class
//! schema for the version the line declares. Digests, `verify`, a resume,
//! `--parallel`, `--follow` with `--state` and stdout with `--state` work as
//! with JSON Lines.

mod common;

use std::{
    collections::HashMap,
    net::IpAddr,
    path::{Path, PathBuf},
};

use arize_audit_logs::mock::{Faults, MockConfig, MockServer};
use chrono::{DateTime, TimeDelta};
use common::{
    cli::{command, end, run, text, END, START},
    temp_dir,
};
use serde_json::{value::RawValue, Value};

const KEY: &str = "mock-admin-key";

/// Entries with members the document does not list (flat, nested, between
/// the documented ones, number texts any re-encoding would change),
/// operation types it does not list, every kind of operation name, `ip`s
/// that are not addresses, `created_at` finer than a millisecond or with an
/// offset, escapes, and an entry sent pretty-printed over several lines.
/// Newest first, as the API sends them.
const UNKNOWN: &[&str] = &[
    r#"{"id":"e01","user_id":"VXNlcjox","geo":{"country":"NL","asn":64496},"ip":"203.0.113.7","operation_type":"QUERY","operation_name":"getModels","operation_text":"query getModels { models { id } }","variables":"{\"first\": 50}","created_at":"2026-05-18T12:00:09.123456Z","n":1.50}"#,
    r#"{"id":"e02","user_id":"VXNlcjoy","ip":"2001:db8::1f","big":12345678901234567890123,"operation_type":"MUTATION","operation_name":"createAiIntegration","operation_text":"mutation createAiIntegration { x }","variables":"{}","created_at":"2026-05-18T14:00:08+02:00","e":1e3}"#,
    r#"{"id":"e03","user_id":"VXNlcjoz","ip":"::ffff:192.0.2.1","operation_type":"MUTATION","operation_name":"updateMonitor","operation_text":null,"variables":"{\"id\":\"TW9uaXRvcjox\",\"threshold\":0.5}","created_at":"2026-05-18T12:00:07Z"}"#,
    r#"{"id":"e04","user_id":"VXNlcjo0","ip":"unknown","operation_type":"MUTATION","operation_name":"deleteApiKey","operation_text":"mutation deleteApiKey { x }","variables":"{}","created_at":"2026-05-18T12:00:06.000Z","tags":["a",{"deep":[1.50,null,1e3]}]}"#,
    r#"{"id":"e05","user_id":"VXNlcjo1","ip":"","operation_type":"MUTATION","operation_name":"rotateKey","operation_text":"mutation rotateKey { x }","variables":"not JSON at all","created_at":"2026-05-18T12:00:05Z"}"#,
    r#"{"id":"e06","user_id":"VXNlcjo2","ip":"198.51.100.23, 10.0.0.1","operation_type":"WEBHOOK","operation_name":"createThing","operation_text":"","variables":"{}","created_at":"2026-05-18T12:00:04Z","risk":{"score":0}}"#,
    r#"{"id":"e07","user_id":"VXNlcjo3","ip":"fe80::1%eth0","operation_type":"SUBSCRIPTION","operation_name":"onMonitorAlert","operation_text":"subscription onMonitorAlert { x }","variables":"{}","created_at":"2026-05-18T12:00:03Z"}"#,
    "{\n  \"id\": \"e08\",\n  \"user_id\": \"VXNlcjo4\",\n  \"ip\": \"192.0.2.41\",\n  \"operation_type\": \"MUTATION\",\n  \"operation_name\": \"POST /v2/experiments\",\n  \"operation_text\": \"{\\\"name\\\": \\\"caf\\u00e9 \u{e9}\\\"}\",\n  \"variables\": \"{}\",\n  \"created_at\": \"2026-05-18T12:00:02Z\",\n  \"note\": \"line\\nbreak\"\n}",
    r#"{"id":"e09","user_id":"VXNlcjo5","ip":"10.12.0.5","operation_type":"","operation_name":"x","operation_text":"x","variables":"{}","created_at":"2026-05-18T12:00:01Z"}"#,
];

/// Entries with `null` everywhere the document allows it
/// (`operation_name`, `operation_text`, `variables`), and with those
/// members left out.
const NULLS: &[&str] = &[
    r#"{"id":"n01","user_id":"VXNlcjox","ip":"203.0.113.7","operation_type":"QUERY","operation_name":null,"operation_text":null,"variables":null,"created_at":"2026-05-18T12:00:09Z"}"#,
    r#"{"id":"n02","user_id":"VXNlcjoy","ip":"2001:db8::1f","operation_type":"MUTATION","operation_name":null,"operation_text":null,"variables":null,"created_at":"2026-05-18T12:00:08Z"}"#,
    r#"{"id":"n03","user_id":"VXNlcjoz","ip":"192.0.2.41","operation_type":"SUBSCRIPTION","created_at":"2026-05-18T12:00:07Z"}"#,
    r#"{"id":"n04","user_id":"VXNlcjo0","ip":"198.51.100.23","operation_type":"MUTATION","created_at":"2026-05-18T12:00:06Z"}"#,
    r#"{"id":"n05","user_id":"VXNlcjo1","ip":"10.12.0.5","operation_type":"WEBHOOK","operation_name":null,"operation_text":null,"variables":null,"created_at":"2026-05-18T12:00:05Z"}"#,
];

/// The `activity_id` the rule in docs/operating.md gives each entry.
fn expected_activity(id: &str) -> u64 {
    match id {
        "e01" | "e07" | "n01" | "n03" => 2,
        "e02" | "e08" => 1,
        "e03" => 3,
        "e04" => 4,
        _ => 99,
    }
}

/// A server that answers every request with one last page of `entries`.
async fn serving(entries: &[&str]) -> wiremock::MockServer {
    let body = format!(
        "{{\"logs\":[{}],\"pagination\":{{\"has_more\":false}}}}",
        entries.join(",")
    );
    let server = wiremock::MockServer::start().await;
    common::respond(200, "application/json", body.into_bytes())
        .mount(&server)
        .await;
    server
}

/// `export` of [START, END] from `uri` into `output` as `format`.
async fn export(uri: &str, key: &str, output: &Path, format: &str, extra: &[&str]) {
    let mut args = common::cli::export_args(uri, output, &["--format", format, "--no-progress"]);
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let out = run(&args, Some(key)).await;
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The members of a JSON object, each value's text as written.
fn members(object: &str) -> HashMap<String, Box<RawValue>> {
    serde_json::from_str(object).expect("an object")
}

const DOCUMENTED: [&str; 8] = [
    "id",
    "user_id",
    "ip",
    "operation_type",
    "operation_name",
    "operation_text",
    "variables",
    "created_at",
];

/// Checks every mapped value of `event` against `sent`, the entry's text
/// as the server sent it.
fn check_event(event_line: &str, sent: &str) {
    let event: Value = serde_json::from_str(event_line).expect("an event");
    let entry: Value = serde_json::from_str(sent).expect("an entry");
    let id = entry["id"].as_str().expect("id");
    let at = |pointer: &str| event.pointer(pointer).cloned().unwrap_or(Value::Null);
    let said = |what: &str| format!("{id}: {what} in {event_line}");

    assert_eq!(at("/class_uid"), 6003, "{}", said("class_uid"));
    assert_eq!(at("/category_uid"), 6, "{}", said("category_uid"));
    assert_eq!(at("/metadata/version"), "1.8.0", "{}", said("version"));
    assert_eq!(at("/metadata/product/name"), "Arize AX");
    assert_eq!(at("/metadata/product/vendor_name"), "Arize AI");
    assert_eq!(at("/severity_id"), 1, "{}", said("severity_id"));
    assert_eq!(at("/status_id"), 0, "{}", said("status_id"));

    assert_eq!(at("/metadata/uid"), id, "{}", said("metadata.uid"));
    assert_eq!(at("/api/request/uid"), id);

    let created_at = entry["created_at"].as_str().expect("created_at");
    let millis = DateTime::parse_from_rfc3339(created_at)
        .expect("RFC 3339")
        .timestamp_millis();
    assert_eq!(at("/time"), millis, "{}", said("time"));
    assert_eq!(
        at("/metadata/logged_time"),
        millis,
        "{}",
        said("logged_time")
    );
    assert_eq!(at("/metadata/original_time"), created_at);

    assert_eq!(at("/actor/user/uid"), entry["user_id"], "{}", said("user"));
    let ip = entry["ip"].as_str().expect("ip");
    let endpoint = if ip.parse::<IpAddr>().is_ok() {
        serde_json::json!({ "ip": ip })
    } else {
        serde_json::json!({ "name": ip })
    };
    assert_eq!(at("/src_endpoint"), endpoint, "{}", said("src_endpoint"));

    let operation_type = &entry["operation_type"];
    let operation = match &entry["operation_name"] {
        Value::String(name) => Value::String(name.clone()),
        _ => operation_type.clone(),
    };
    assert_eq!(at("/api/operation"), operation, "{}", said("api.operation"));
    let data = at("/api/request/data");
    assert_eq!(data["operation_type"], *operation_type);
    for member in ["operation_name", "operation_text", "variables"] {
        match &entry[member] {
            // `variables` is the string as sent, not parsed.
            Value::String(value) => assert_eq!(data[member], *value, "{}", said(member)),
            _ => assert!(data.get(member).is_none(), "{}", said(member)),
        }
    }

    let activity = expected_activity(id);
    assert_eq!(at("/activity_id"), activity, "{}", said("activity_id"));
    assert_eq!(at("/type_uid"), 600_300 + activity, "{}", said("type_uid"));
    if activity == 99 {
        assert_eq!(
            at("/activity_name"),
            *operation_type,
            "{}",
            said("activity_name")
        );
    }

    // The undocumented members, each value's text unchanged.
    let unknown: HashMap<String, String> = members(sent)
        .into_iter()
        .filter(|(name, _)| !DOCUMENTED.contains(&name.as_str()))
        .map(|(name, value)| (name, value.get().to_owned()))
        .collect();
    #[derive(serde::Deserialize)]
    struct Unmapped {
        unmapped: Option<Box<RawValue>>,
    }
    let unmapped: Unmapped = serde_json::from_str(event_line).expect("event");
    let written: HashMap<String, String> = unmapped
        .unmapped
        .map(|u| members(u.get()))
        .unwrap_or_default()
        .into_iter()
        .map(|(name, value)| (name, value.get().to_owned()))
        .collect();
    assert_eq!(written, unknown, "{}", said("unmapped"));

    let raw_data = at("/raw_data");
    let raw_data = raw_data.as_str().expect("raw_data");
    if !sent.contains('\n') {
        assert_eq!(raw_data, sent, "{}", said("raw_data"));
    }
    assert_eq!(
        serde_json::from_str::<Value>(raw_data).expect("raw_data is JSON"),
        entry
    );
}

#[tokio::test]
async fn every_mapped_value_is_the_one_of_the_entry_it_came_from() {
    let dir = temp_dir("ocsf-fields");
    for (name, entries) in [("unknown", UNKNOWN), ("nulls", NULLS)] {
        let server = serving(entries).await;
        let output = dir.join(format!("{name}.ocsf.jsonl"));
        export(&server.uri(), common::TEST_KEY, &output, "ocsf", &[]).await;
        let written = lines(&output);
        assert_eq!(written.len(), entries.len(), "one line an entry");
        for (line, sent) in written.iter().zip(entries) {
            check_event(line, sent);
        }
    }
}

/// A fake server with unknown members and operation types, and its
/// window's JSON Lines and OCSF exports.
async fn both_exports(dir: &Path, extra: &[&str]) -> (MockServer, PathBuf, PathBuf) {
    let server = MockServer::start(
        MockConfig::default()
            .entries(600)
            .seed(11)
            .end(end())
            .span(TimeDelta::days(40))
            .unknown_operation_types(0.2)
            .faults(Faults::none().unknown_members(true)),
    )
    .await
    .expect("fake server");
    let jsonl = dir.join("export.jsonl");
    let ocsf = dir.join("export.ocsf.jsonl");
    export(&server.uri(), KEY, &jsonl, "jsonl", &[]).await;
    export(&server.uri(), KEY, &ocsf, "ocsf", extra).await;
    (server, jsonl, ocsf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_raw_data_is_the_json_lines_line_of_its_entry() {
    let dir = temp_dir("ocsf-raw");
    let (_server, jsonl, ocsf) = both_exports(&dir, &[]).await;
    let expected = lines(&jsonl);
    let events = lines(&ocsf);
    assert!(expected.len() > 400, "{} entries", expected.len());
    assert_eq!(events.len(), expected.len());
    for (event, line) in events.iter().zip(&expected) {
        let event: Value = serde_json::from_str(event).expect("event");
        assert_eq!(event["raw_data"].as_str(), Some(line.as_str()));
    }

    // An entry sent over several lines: the JSON Lines line is its compact
    // form, and raw_data is that line.
    let pretty = UNKNOWN.iter().find(|e| e.contains('\n')).expect("pretty");
    let server = serving(&[pretty]).await;
    export(
        &server.uri(),
        common::TEST_KEY,
        &jsonl,
        "jsonl",
        &["--overwrite"],
    )
    .await;
    export(
        &server.uri(),
        common::TEST_KEY,
        &ocsf,
        "ocsf",
        &["--overwrite"],
    )
    .await;
    let event: Value = serde_json::from_str(&lines(&ocsf)[0]).expect("event");
    assert_eq!(event["raw_data"].as_str(), Some(lines(&jsonl)[0].as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_line_validates_against_schema_format_ocsf() {
    let out = run(&["schema", "--format", "ocsf"], None).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let schema: Value = serde_json::from_slice(&out.stdout).expect("a JSON Schema");
    let validator = jsonschema::draft202012::new(&schema).expect("a valid draft 2020-12 schema");

    let dir = temp_dir("ocsf-schema");
    let (_server, _jsonl, ocsf) = both_exports(&dir, &[]).await;
    let mut checked = lines(&ocsf);
    for (name, entries) in [("unknown", UNKNOWN), ("nulls", NULLS)] {
        let server = serving(entries).await;
        let output = dir.join(format!("{name}.ocsf.jsonl"));
        export(&server.uri(), common::TEST_KEY, &output, "ocsf", &[]).await;
        checked.extend(lines(&output));
    }
    for line in &checked {
        let event: Value = serde_json::from_str(line).expect("event");
        let errors: Vec<String> = validator
            .iter_errors(&event)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}: {line}");
    }

    // The schema is strict: it catches a member the mapping never writes
    // and a value it never gives.
    let mut event: Value = serde_json::from_str(&checked[0]).expect("event");
    event["activity_id"] = 5.into();
    assert!(!validator.is_valid(&event));
    let mut event: Value = serde_json::from_str(&checked[0]).expect("event");
    event["metadata"]["bogus"] = 1.into();
    assert!(!validator.is_valid(&event));
}

/// The virtual environment that holds ocsf-json-schema and jsonschema.
fn venv() -> PathBuf {
    std::env::var_os("OCSF_VENV").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/ocsf-venv"),
        PathBuf::from,
    )
}

/// Runs `tests/support/validate_ocsf.py` on `files`, each line also as
/// OCSF 1.1.0 (what Amazon Security Lake takes): its summary, after
/// asserting that every line validated.
fn validate_with_ocsf_json_schema(files: &[PathBuf]) -> Value {
    let python = venv().join("bin/python");
    assert!(
        python.exists(),
        "no Python at {}: .ci/run installs ocsf-json-schema there",
        python.display()
    );
    let out = std::process::Command::new(python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/validate_ocsf.py"))
        .args(["--also-as", "1.1.0"])
        .args(files)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a summary")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs ocsf-json-schema, which .ci/run installs"]
async fn every_line_validates_against_the_ocsf_class_schema_of_its_version_and_of_1_1() {
    let dir = temp_dir("ocsf-validator");
    let mut files = Vec::new();
    for (name, entries) in [("unknown", UNKNOWN), ("nulls", NULLS)] {
        let server = serving(entries).await;
        let output = dir.join(format!("{name}.ocsf.jsonl"));
        export(&server.uri(), common::TEST_KEY, &output, "ocsf", &[]).await;
        files.push(output);
    }
    let (_server, _jsonl, ocsf) = both_exports(&dir, &[]).await;
    let total = UNKNOWN.len() + NULLS.len() + lines(&ocsf).len();
    files.push(ocsf);
    let summary = validate_with_ocsf_json_schema(&files);
    assert_eq!(summary["failures"], 0, "{summary}");
    assert_eq!(summary["lines"]["1.8.0/6003"], total, "{summary}");
    assert_eq!(summary["lines"]["1.1.0/6003"], total, "{summary}");
    assert!(
        summary["validator"]
            .as_str()
            .is_some_and(|v| v.starts_with("ocsf-json-schema 1.2.0")),
        "{summary}"
    );

    // The validator is not lenient: a line the mapping would never write fails.
    let bad = dir.join("bad.ocsf.jsonl");
    let mut event: Value = serde_json::from_str(&lines(&files[0])[0]).expect("event");
    event["src_endpoint"] = serde_json::json!({ "ip": "not an address" });
    std::fs::write(&bad, format!("{event}\n")).expect("write");
    let out = std::process::Command::new(venv().join("bin/python"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/validate_ocsf.py"))
        .arg(&bad)
        .output()
        .expect("python runs");
    assert!(!out.status.success(), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("src_endpoint/ip"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digested_ocsf_export_failed_midway_resumes_and_verifies_clean() {
    let dir = temp_dir("ocsf-digests");
    let server = common::cli::server(500, 5).await;
    let output = dir.join("archive.ocsf.jsonl");
    let mut args = common::cli::export_args(
        &server.uri(),
        &output,
        &[
            "--format",
            "ocsf",
            "--digests",
            "--checkpoint-every",
            "0s",
            "--no-progress",
        ],
    );
    let out = command(&args, Some(KEY))
        .env("ARIZE_AUDIT_LOGS_TEST_FAIL_WRITE_AFTER", "150000")
        .output()
        .await
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    args.push("--resume".into());
    let out = run(&args, Some(KEY)).await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    // The same file as an export that never failed.
    let whole = dir.join("whole.ocsf.jsonl");
    export(&server.uri(), KEY, &whole, "ocsf", &[]).await;
    assert_eq!(
        std::fs::read(&output).expect("read"),
        std::fs::read(&whole).expect("read")
    );

    let verify = |path: PathBuf| async move {
        let out = run(
            &[
                "verify".to_owned(),
                path.display().to_string(),
                "--json".into(),
            ],
            None,
        )
        .await;
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
        (out.status.code(), report)
    };
    let (code, report) = verify(output.clone()).await;
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["entries"], lines(&whole).len(), "{report}");

    // A changed event is named, down to its line.
    let mut changed = lines(&output);
    changed[3] = changed[3].replace("\"severity_id\":1", "\"severity_id\":4");
    std::fs::write(&output, changed.join("\n") + "\n").expect("write");
    let (code, report) = verify(output).await;
    assert_ne!(code, Some(0), "{report}");
    let lines_named: Vec<u64> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["line"].as_u64())
        .collect();
    assert!(lines_named.contains(&4), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parallel_ocsf_export_is_the_sequential_one() {
    let dir = temp_dir("ocsf-parallel");
    let server = common::cli::server(700, 9).await;
    let sequential = dir.join("seq.ocsf.jsonl");
    let parallel = dir.join("par.ocsf.jsonl");
    export(&server.uri(), KEY, &sequential, "ocsf", &[]).await;
    export(&server.uri(), KEY, &parallel, "ocsf", &["--parallel", "4"]).await;
    assert_eq!(
        std::fs::read(&parallel).expect("read"),
        std::fs::read(&sequential).expect("read")
    );
    assert_eq!(
        lines(&sequential).len(),
        common::cli::in_window(&server).len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocsf_to_stdout_with_state_is_accepted_and_csv_is_refused() {
    let dir = temp_dir("ocsf-stdout");
    let server = common::cli::server(300, 3).await;
    let state = dir.join("state.json");
    let args = |format: &str| {
        vec![
            "export".to_owned(),
            "--base-url".into(),
            server.uri(),
            "--start".into(),
            START.into(),
            "--end".into(),
            END.into(),
            "--format".into(),
            format.into(),
            "--max-entries".into(),
            "120".into(),
            "--state".into(),
            state.display().to_string(),
        ]
    };
    let first = run(&args("ocsf"), Some(KEY)).await;
    assert!(first.status.success(), "{}", text(&first.stderr));
    let ids = |out: &[u8]| -> Vec<String> {
        text(out)
            .lines()
            .map(|l| {
                let event: Value = serde_json::from_str(l).expect("event");
                event["metadata"]["uid"].as_str().expect("uid").to_owned()
            })
            .collect()
    };
    let expected: Vec<String> = common::cli::in_window(&server)
        .into_iter()
        .map(|e| e.id)
        .take(120)
        .collect();
    assert_eq!(ids(&first.stdout), expected);

    let csv = run(&args("csv"), Some(KEY)).await;
    assert_eq!(csv.status.code(), Some(2), "{}", text(&csv.stderr));
    assert!(
        text(&csv.stderr).contains("--format jsonl or ocsf"),
        "{}",
        text(&csv.stderr)
    );
}

#[tokio::test]
async fn an_entry_without_its_documented_types_still_has_its_event_and_the_export_exits_4() {
    let dir = temp_dir("ocsf-types");
    let broken = r#"{"id":"w01","user_id":"VXNlcjox","ip":7,"operation_type":"QUERY","created_at":"2026-05-18T12:00:08Z"}"#;
    let server = serving(&[NULLS[0], broken]).await;
    let output = dir.join("typed.ocsf.jsonl");
    let args = common::cli::export_args(&server.uri(), &output, &["--format", "ocsf"]);
    let out = run(&args, Some(common::TEST_KEY)).await;
    let stderr = text(&out.stderr);
    // The one policy of every format: kept, counted, warned about, exit 4.
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("w01"),
        "the warning names the entry: {stderr}"
    );
    let events: Vec<Value> = std::fs::read_to_string(&output)
        .expect("the export")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON event"))
        .collect();
    assert_eq!(events.len(), 2, "every entry has its event");
    let event = events
        .iter()
        .find(|e| e["metadata"]["uid"] == "w01")
        .expect("the broken entry's event");
    assert_eq!(event["raw_data"], broken, "kept exactly as sent");
    assert_eq!(
        event["src_endpoint"]["name"], "7",
        "the member as its JSON text"
    );
    assert_eq!(event["src_endpoint"].get("ip"), None, "no address invented");
    assert_eq!(event["actor"]["user"]["uid"], "VXNlcjox");
}

/// Follows `base` into `output` as OCSF with `state` until it holds at
/// least `lines` lines, then stops it with SIGTERM (a service's stop).
fn follow_until(base: &str, start: &str, output: &Path, state: &Path, lines: usize) {
    let mut follower = common::std_command(
        &[
            "export",
            "--base-url",
            base,
            "--start",
            start,
            "--follow",
            "--interval",
            "1s",
            "--format",
            "ocsf",
            "--state",
            &state.display().to_string(),
            "--output",
            &output.display().to_string(),
        ],
        Some(KEY),
    )
    .stdin(std::process::Stdio::null())
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .expect("export starts");
    let grown = (0..400).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::fs::read(output).map_or(0, |b| b.iter().filter(|c| **c == b'\n').count()) >= lines
    });
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &follower.id().to_string()])
        .status();
    let status = follower.wait().expect("export ends");
    assert!(grown, "the follower never saw the server grow");
    assert_eq!(
        status.code(),
        Some(0),
        "a followed export stops cleanly on SIGTERM"
    );
}

#[test]
fn following_as_ocsf_with_state_writes_every_new_entry_once_across_a_restart() {
    let (_server, base) = common::serve_mock(&["--entries", "40", "--append-every", "250ms"]);
    let start = (chrono::Utc::now() - TimeDelta::days(40))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let dir = temp_dir("ocsf-follow");
    let output = dir.join("followed.ocsf.jsonl");
    let state = dir.join("follow.state");
    follow_until(&base, &start, &output, &state, 43);
    let first = lines(&output).len();
    // The same command again goes on where the saved state ended.
    follow_until(&base, &start, &output, &state, first + 3);

    let events: Vec<Value> = lines(&output)
        .iter()
        .map(|l| serde_json::from_str(l).expect("an OCSF event"))
        .collect();
    let ids: Vec<&str> = events
        .iter()
        .map(|e| e["metadata"]["uid"].as_str().expect("uid"))
        .collect();
    let unique: std::collections::HashSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "an entry was written twice");

    // What a plain JSON Lines export of the same range holds, line for line
    // as each event's raw_data.
    let newest = events
        .iter()
        .filter_map(|e| e["metadata"]["original_time"].as_str())
        .max()
        .expect("events");
    let reference = dir.join("reference.jsonl");
    let out = common::std_command(
        &[
            "export",
            "--base-url",
            &base,
            "--start",
            &start,
            "--end",
            newest,
            "--output",
            &reference.display().to_string(),
        ],
        Some(KEY),
    )
    .output()
    .expect("export runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut expected = lines(&reference);
    let mut written: Vec<String> = events
        .iter()
        .map(|e| e["raw_data"].as_str().expect("raw_data").to_owned())
        .collect();
    expected.sort();
    written.sort();
    assert_eq!(written, expected, "missed or extra entries");
}
