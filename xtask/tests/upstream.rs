//! Regeneration and drift against upstream documents: a realistic
//! multi-operation document (`fixtures/upstream/base.yaml`) and variants of it
//! (`fixtures/upstream/variants/*.json`, JSON patches), each with the verdict
//! and findings it must get.

use std::{
    io::{Read, Write},
    net::TcpListener,
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use serde::Deserialize;
use serde_json::Value;
use xtask::{document, drift, report, root, source, DOCUMENT};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/upstream")
}

fn base() -> Value {
    let text = std::fs::read_to_string(fixtures().join("base.yaml")).expect("base.yaml");
    serde_norway::from_str(&text).expect("base.yaml is YAML")
}

fn checked_in() -> Vec<u8> {
    std::fs::read(root().join(DOCUMENT)).expect("the checked-in document")
}

/// `base.yaml` extracted and normalised: the document checked in before the
/// 2026-11-28 regeneration, which the variants are classified against.
fn base_extracted_path() -> PathBuf {
    fixtures().join("base.extracted.yaml")
}

fn base_extracted() -> Vec<u8> {
    std::fs::read(base_extracted_path()).expect("base.extracted.yaml")
}

#[derive(Deserialize)]
struct Variant {
    description: String,
    patch: json_patch::Patch,
    verdict: String,
    findings: Vec<Expected>,
}

#[derive(Deserialize, Debug, PartialEq, Eq)]
struct Expected {
    class: String,
    location: String,
}

fn variants() -> Vec<(String, Variant)> {
    let mut out: Vec<(String, Variant)> = std::fs::read_dir(fixtures().join("variants"))
        .expect("variants/")
        .map(|entry| {
            let path = entry.expect("entry").path();
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("name")
                .to_owned();
            let text = std::fs::read_to_string(&path).expect("variant");
            (
                name,
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The variant's upstream document, as JSON bytes (JSON is YAML too).
fn upstream_of(variant: &Variant) -> Vec<u8> {
    let mut doc = base();
    json_patch::patch(&mut doc, &variant.patch).expect("the patch applies to base.yaml");
    serde_json::to_vec_pretty(&doc).expect("serialises")
}

#[test]
fn every_variant_gets_its_verdict_and_findings() {
    let ours = xtask::extracted_typed(&base_extracted()).expect("base.extracted.yaml");
    let all = variants();
    assert!(all.len() >= 10, "at least ten variants");
    let mut failures = Vec::new();
    for (name, variant) in &all {
        let theirs = xtask::extracted_typed(&upstream_of(variant)).expect("variant extracts");
        let findings = drift::compare(&ours, &theirs);
        let verdict = match drift::verdict(&findings) {
            None => "none".to_owned(),
            Some(class) => class.to_string(),
        };
        let got: Vec<Expected> = findings
            .iter()
            .map(|f| Expected {
                class: f.class.to_string(),
                location: f.location.clone(),
            })
            .collect();
        if verdict != variant.verdict || got != variant.findings {
            failures.push(format!(
                "{name} ({}):\n  expected {} {:?}\n  got      {verdict} {:?}\n{}",
                variant.description,
                variant.verdict,
                variant.findings,
                got,
                report::human(&findings, "checked in", name)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_class_and_a_change_elsewhere_are_covered() {
    let verdicts: Vec<String> = variants().into_iter().map(|(_, v)| v.verdict).collect();
    for class in ["none", "docs", "additive", "breaking"] {
        assert!(
            verdicts.iter().any(|v| v == class),
            "a variant with verdict {class}"
        );
    }
    assert!(variants()
        .iter()
        .any(|(n, _)| n == "other-operations-changed"));
}

#[test]
fn regen_from_an_identical_upstream_changes_nothing() {
    let upstream = std::fs::read(fixtures().join("base.yaml")).expect("base");
    let regenerated = document::extract_normalised(&upstream).expect("extracts");
    assert_eq!(
        regenerated.as_bytes(),
        base_extracted().as_slice(),
        "byte for byte"
    );
}

#[test]
fn the_checked_in_document_is_the_recorded_upstream_regenerated() {
    let upstream = std::fs::read(fixtures().join("arize-2026-11-28.yaml")).expect("upstream");
    let regenerated = document::extract_normalised(&upstream).expect("extracts");
    assert_eq!(
        regenerated.as_bytes(),
        checked_in().as_slice(),
        "byte for byte"
    );
    let provenance: Value = serde_json::from_slice(
        &std::fs::read(root().join(xtask::PROVENANCE)).expect("provenance.json"),
    )
    .expect("JSON");
    let sha = <sha2::Sha256 as sha2::Digest>::digest(&upstream);
    let hex: String = sha.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        provenance["sha256"],
        hex.as_str(),
        "provenance names its sha256"
    );
    assert!(provenance["source"]
        .as_str()
        .is_some_and(|s| s.ends_with("2026-11-28.yaml")));
}

#[test]
fn the_2026_11_28_regeneration_reads_as_additive_adding_operation_name() {
    let before = xtask::extracted_typed(&base_extracted()).expect("before");
    let after = xtask::extracted_typed(&checked_in()).expect("after");
    let findings = drift::compare(&before, &after);
    assert_eq!(
        drift::verdict(&findings).map(|c| c.to_string()).as_deref(),
        Some("additive"),
        "{}",
        report::human(&findings, "before", "after")
    );
    assert!(findings
        .iter()
        .any(|f| f.location == "/paths/~1v2~1audit-logs/get/parameters/operation_name"));
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "drift",
            "--checked-in",
            base_extracted_path().to_str().expect("utf8"),
            "--upstream",
            root().join(DOCUMENT).to_str().expect("utf8"),
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "additive");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Verdict: ADDITIVE"));
}

#[test]
fn the_same_input_always_gives_the_same_bytes_from_yaml_or_json() {
    let yaml = std::fs::read(fixtures().join("base.yaml")).expect("base");
    let json = serde_json::to_vec(&base()).expect("json");
    let a = document::extract_normalised(&yaml).expect("yaml");
    let b = document::extract_normalised(&yaml).expect("yaml again");
    let c = document::extract_normalised(&json).expect("json");
    assert_eq!(a, b);
    assert_eq!(a, c);
}

#[test]
fn extraction_keeps_only_what_the_operation_reaches() {
    let extracted = document::extract(&base()).expect("extracts");
    let paths: Vec<&String> = extracted["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .collect();
    assert_eq!(paths, ["/v2/audit-logs"]);
    let schemas: Vec<&String> = extracted["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
        .collect();
    assert_eq!(
        schemas,
        [
            "AuditLog",
            "AuditLogOperationType",
            "Id",
            "ListAuditLogsResponse",
            "PaginationMetadata",
            "Problem"
        ]
    );
    let schemes: Vec<&String> = extracted["components"]["securitySchemes"]
        .as_object()
        .expect("schemes")
        .keys()
        .collect();
    assert_eq!(
        schemes,
        ["bearerAuth"],
        "apiKeyHeader is used only by another operation"
    );
    assert!(extracted["components"]["responses"]
        .get("NotFound")
        .is_none());
    assert_eq!(extracted["tags"].as_array().map(Vec::len), Some(1));
}

#[test]
fn unsupported_documents_are_refused_naming_what_is_wrong() {
    let cases: [(&str, &str); 6] = [
        ("swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n", "Swagger 2.0 documents are not supported"),
        ("openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths: {}\n", "OpenAPI 3.1.0 is not supported"),
        ("info: {title: x}\n", "no `openapi` version field"),
        ("openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths: {}\n", "no operation with operationId `list_audit_logs`"),
        ("[1, 2", "neither YAML nor JSON"),
        (
            "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: list_audit_logs\n      responses:\n        '200': {$ref: 'other.yaml#/components/responses/X'}\n",
            "external references are not supported",
        ),
    ];
    for (text, expected) in cases {
        let error = document::extract_normalised(text.as_bytes()).expect_err(expected);
        assert!(
            error.to_string().contains(expected),
            "{expected:?} not in {error}"
        );
    }
}

fn write_temp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

#[test]
fn drift_exit_status_is_0_none_1_additive_or_docs_2_breaking_3_unusable() {
    let variants = variants();
    let find = |n: &str| &variants.iter().find(|(name, _)| name == n).expect(n).1;
    for (name, code) in [
        ("identical", 0),
        ("docs-only", 1),
        ("optional-parameter-added", 1),
        ("enum-value-removed", 2),
    ] {
        let path = write_temp(&format!("{name}.json"), &upstream_of(find(name)));
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["drift", "--upstream", path.to_str().expect("utf8")])
            .args([
                "--checked-in",
                base_extracted_path().to_str().expect("utf8"),
            ])
            .output()
            .expect("runs");
        assert_eq!(
            out.status.code(),
            Some(code),
            "{name}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let bad = write_temp(
        "bad.yaml",
        b"openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths: {}\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["drift", "--upstream", bad.to_str().expect("utf8")])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("OpenAPI 3.1.0 is not supported"));
}

#[test]
fn drift_json_is_stable_and_the_human_report_is_grouped() {
    let variants = variants();
    let (_, variant) = variants
        .iter()
        .find(|(n, _)| n == "pattern-added")
        .expect("variant");
    let path = write_temp("pattern.json", &upstream_of(variant));
    let run = |json: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
        cmd.args(["drift", "--upstream", path.to_str().expect("utf8")]);
        cmd.args([
            "--checked-in",
            base_extracted_path().to_str().expect("utf8"),
        ]);
        if json {
            cmd.arg("--json");
        }
        String::from_utf8(cmd.output().expect("runs").stdout).expect("utf8")
    };
    let (first, second) = (run(true), run(true));
    assert_eq!(first, second);
    let parsed: Value = serde_json::from_str(&first).expect("JSON");
    assert_eq!(parsed["verdict"], "breaking");
    assert_eq!(parsed["exit_code"], 2);
    assert_eq!(parsed["findings"].as_array().map(Vec::len), Some(3));
    let human = run(false);
    let breaking = human.find("Breaking:").expect("breaking group");
    let additive = human.find("Additive:").expect("additive group");
    assert!(breaking < additive, "{human}");
    assert!(
        human.contains("pattern \"^[A-Za-z0-9+/=]+$\" added"),
        "{human}"
    );
}

#[test]
fn enum_value_added_to_a_response_says_unknown_values_are_kept() {
    let variants = variants();
    let (_, variant) = variants
        .iter()
        .find(|(n, _)| n == "enum-value-added")
        .expect("variant");
    let ours = xtask::extracted_typed(&base_extracted()).expect("ours");
    let theirs = xtask::extracted_typed(&upstream_of(variant)).expect("theirs");
    let findings = drift::compare(&ours, &theirs);
    assert!(
        findings
            .iter()
            .any(|f| f.change.contains("keeps values it does not know")),
        "{findings:?}"
    );
}

/// Serves `body` once on a loopback port; returns the URL.
fn serve_once(body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/yaml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    format!("http://{addr}/v2/spec.yaml")
}

#[test]
fn upstream_is_fetched_by_url_from_a_local_server() {
    let body = std::fs::read(fixtures().join("base.yaml")).expect("base");
    let url = serve_once(body.clone());
    let fetched = source::read(&url, Duration::from_secs(10)).expect("fetched");
    assert_eq!(fetched, body);
}

#[test]
fn fetching_a_silent_server_times_out_with_a_clear_error() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "http://{}/v2/spec.yaml",
        listener.local_addr().expect("addr")
    );
    let error = source::read(&url, Duration::from_secs(1)).expect_err("times out");
    assert!(error.contains("timed out after 1 s"), "{error}");
    drop(listener);
    let error = source::read("no/such/file.yaml", Duration::from_secs(1)).expect_err("missing");
    assert!(error.contains("cannot read no/such/file.yaml"), "{error}");
}
