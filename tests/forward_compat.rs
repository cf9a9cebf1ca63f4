//! A newer API never breaks a running client, and nothing it sends is lost:
//! unknown enum values and unknown members are kept, and the rest of the page
//! is intact.

mod common;

use arize_audit_logs::OperationType;
use common::{client, respond};
use wiremock::MockServer;

const PAGE_WITH_NEWER_VALUES: &str = r#"{
  "logs": [
    {"id": "a", "user_id": "u", "ip": "1.2.3.4", "operation_type": "WEBHOOK",
     "created_at": "2026-05-18T12:00:02Z", "risk_score": 7, "geo": {"country": "NL"}},
    {"id": "b", "user_id": "u", "ip": "::1", "operation_type": "QUERY",
     "operation_name": null, "operation_text": null, "variables": null,
     "created_at": "2026-05-18T12:00:01.5Z"},
    {"id": "c", "user_id": "u", "ip": "10.0.0.1", "operation_type": "SUBSCRIPTION",
     "operation_name": "onEvent", "variables": "{\"a\":[1,2]}",
     "created_at": "2026-05-18T14:00:00+02:00"}
  ],
  "pagination": {"has_more": false, "total": 3},
  "request_id": "r-1"
}"#;

/// `PAGE_WITH_NEWER_VALUES`, served and parsed.
async fn newer_page() -> arize_audit_logs::Page {
    let server = MockServer::start().await;
    respond(200, "application/json", PAGE_WITH_NEWER_VALUES.into())
        .mount(&server)
        .await;
    client(&server)
        .list_audit_logs()
        .send()
        .await
        .expect("page parses")
}

#[tokio::test]
async fn unknown_operation_type_is_kept_and_rest_of_page_is_intact() {
    let page = newer_page().await;

    assert_eq!(page.logs.len(), 3);
    assert_eq!(
        page.logs[0].operation_type,
        OperationType::Unknown("WEBHOOK".into())
    );
    assert_eq!(page.logs[0].operation_type.to_string(), "WEBHOOK");
    assert!(!page.logs[0].operation_type.is_known());
    assert_eq!(page.logs[1].operation_type, OperationType::Query);
    assert_eq!(page.logs[2].operation_type, OperationType::Subscription);
    assert!(!page.has_more());
    assert_eq!(page.next_cursor(), None);
}

#[tokio::test]
async fn absent_and_null_optional_members_are_none() {
    let page = newer_page().await;
    for entry in &page.logs[..2] {
        assert_eq!(entry.operation_name, None);
        assert_eq!(entry.operation_text, None);
        assert_eq!(entry.variables, None);
        assert!(entry.variables_json().is_none());
    }
}

#[tokio::test]
async fn variables_are_raw_text_with_a_json_helper() {
    let page = newer_page().await;
    let entry = &page.logs[2];
    assert_eq!(entry.variables.as_deref(), Some(r#"{"a":[1,2]}"#));
    let parsed = entry
        .variables_json()
        .expect("present")
        .expect("valid JSON");
    assert_eq!(parsed, serde_json::json!({"a": [1, 2]}));
}

#[tokio::test]
async fn timestamps_with_offsets_and_fractions_become_utc() {
    let page = newer_page().await;
    assert_eq!(
        page.logs[1].created_at.to_rfc3339(),
        "2026-05-18T12:00:01.500+00:00"
    );
    assert_eq!(
        page.logs[2].created_at.to_rfc3339(),
        "2026-05-18T12:00:00+00:00"
    );
}

#[test]
fn operation_type_round_trips_through_json() {
    for value in ["QUERY", "MUTATION", "SUBSCRIPTION", "WEBHOOK", ""] {
        let json = serde_json::to_string(value).expect("string");
        let parsed: OperationType = serde_json::from_str(&json).expect("any string parses");
        assert_eq!(serde_json::to_string(&parsed).expect("serialises"), json);
    }
}

#[test]
fn invalid_variables_text_is_reported_not_hidden() {
    let entry =
        arize_audit_logs::AuditLog::new("i", "u", "ip", OperationType::Query, chrono::Utc::now())
            .with_variables(Some("{not json".into()));
    assert!(matches!(entry.variables_json(), Some(Err(_))));
}

#[tokio::test]
async fn created_at_is_written_back_as_sent_unless_changed() {
    let page = newer_page().await;
    let texts: Vec<String> = page
        .logs
        .iter()
        .map(|e| {
            serde_json::to_value(e).expect("serialises")["created_at"]
                .as_str()
                .expect("string")
                .to_owned()
        })
        .collect();
    assert_eq!(
        texts,
        [
            "2026-05-18T12:00:02Z",
            "2026-05-18T12:00:01.5Z",
            "2026-05-18T14:00:00+02:00"
        ]
    );

    let mut changed = page.logs[2].clone();
    changed.created_at += chrono::TimeDelta::seconds(1);
    assert_eq!(
        changed.created_at_text(),
        "2026-05-18T12:00:01.000Z",
        "a changed value is formatted anew"
    );
    assert_eq!(
        page.logs[2],
        page.logs[2].clone(),
        "equality ignores the kept text"
    );
}

/// An entry with unknown members before, between and after the documented
/// ones, flat and nested, with number texts a re-encoding would change.
const ENTRY_WITH_UNKNOWN_MEMBERS: &str = r#"{"zone":"eu","id":"a","user_id":"u","ip":"::1","operation_type":"QUERY","risk":{"score":7.50,"tags":["x",{"deep":[1e3,null,12345678901234567890123]}]},"operation_name":"getModels","created_at":"2026-05-18T12:00:02Z","seen":true}"#;

#[tokio::test]
async fn unknown_members_are_kept_exactly_as_sent() {
    let server = MockServer::start().await;
    let body =
        format!(r#"{{"logs":[{ENTRY_WITH_UNKNOWN_MEMBERS}],"pagination":{{"has_more":false}}}}"#);
    respond(200, "application/json", body.into_bytes())
        .mount(&server)
        .await;
    let page = client(&server)
        .list_audit_logs()
        .send()
        .await
        .expect("page");
    let entry = &page.logs[0];

    assert_eq!(entry.raw_json(), Some(ENTRY_WITH_UNKNOWN_MEMBERS));
    let unknown: Vec<(String, String)> = entry
        .unknown_members()
        .into_iter()
        .map(|(name, value)| (name, value.get().to_owned()))
        .collect();
    assert_eq!(
        unknown,
        [
            ("zone".to_owned(), r#""eu""#.to_owned()),
            (
                "risk".to_owned(),
                r#"{"score":7.50,"tags":["x",{"deep":[1e3,null,12345678901234567890123]}]}"#
                    .to_owned()
            ),
            ("seen".to_owned(), "true".to_owned()),
        ]
    );
    assert_eq!(
        entry.unknown_members_json().as_deref(),
        Some(
            r#"{"zone":"eu","risk":{"score":7.50,"tags":["x",{"deep":[1e3,null,12345678901234567890123]}]},"seen":true}"#
        )
    );
    // Serialized: the server's order and values, byte for byte.
    assert_eq!(
        serde_json::to_string(entry).expect("serialises"),
        ENTRY_WITH_UNKNOWN_MEMBERS
    );
}

#[test]
fn a_changed_field_is_serialized_as_changed_in_the_servers_order() {
    let mut entry: arize_audit_logs::AuditLog =
        serde_json::from_str(ENTRY_WITH_UNKNOWN_MEMBERS).expect("entry");
    entry.operation_name = Some("renamed".into());
    entry.variables = Some("{}".into());
    let text = serde_json::to_string(&entry).expect("serialises");
    assert_eq!(
        text,
        ENTRY_WITH_UNKNOWN_MEMBERS
            .replace("getModels", "renamed")
            .replace(r#","seen":true}"#, r#","seen":true,"variables":"{}"}"#)
    );
    assert_eq!(
        entry.raw_json(),
        Some(ENTRY_WITH_UNKNOWN_MEMBERS),
        "the raw text is as sent"
    );
    let built =
        arize_audit_logs::AuditLog::new("i", "u", "ip", OperationType::Query, chrono::Utc::now());
    assert!(built.unknown_members().is_empty() && built.raw_json().is_none());
}
