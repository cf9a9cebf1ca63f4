//! The document's examples are the published ones: the fixtures the harness
//! serves are taken from the reference page and the fact sheet, and the
//! checked-in document must carry the same values.

use arize_audit_logs::OPENAPI_DOCUMENT;
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(&path).expect("fixture")).expect("fixture is JSON")
}

fn example(response: &str, media_type: &str) -> Value {
    let doc: Value = serde_norway::from_str(OPENAPI_DOCUMENT).expect("YAML");
    let pointer = format!(
        "/components/responses/{response}/content/{}/example",
        media_type.replace('/', "~1")
    );
    doc.pointer(&pointer)
        .cloned()
        .unwrap_or_else(|| panic!("no example at {pointer}"))
}

#[test]
fn success_example_matches_reference_page() {
    assert_eq!(
        example("ListAuditLogsResponse", "application/json"),
        fixture("list_audit_logs_200.json")
    );
}

#[test]
fn error_examples_match_fact_sheet() {
    for (component, file) in [
        ("BadRequest", "problem_400.json"),
        ("Unauthorized", "problem_401.json"),
        ("Forbidden", "problem_403.json"),
        ("RateLimitExceeded", "problem_429.json"),
    ] {
        assert_eq!(
            example(component, "application/problem+json"),
            fixture(file),
            "{component}"
        );
    }
}
