//! Property tests: any valid parameters reach the wire and decode back to the
//! same values; no body makes the decoders panic.

mod common;

use arize_audit_logs::{generated::types::ListAuditLogsResponse, Error, OperationType, Problem};
use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use reqwest::{header::HeaderMap, StatusCode};
use wiremock::{matchers, Mock, MockServer, ResponseTemplate};

fn timestamp() -> impl Strategy<Value = DateTime<Utc>> {
    // 1970..2200, with sub-second precision down to the nanosecond.
    (0i64..7_258_118_400, 0u32..1_000_000_000)
        .prop_map(|(s, n)| Utc.timestamp_opt(s, n).single().expect("in range"))
}

fn operation_type() -> impl Strategy<Value = OperationType> {
    prop_oneof![
        Just(OperationType::Query),
        Just(OperationType::Mutation),
        Just(OperationType::Subscription),
    ]
}

#[derive(Debug, Clone)]
struct Params {
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    user_id: Option<String>,
    operation_type: Option<OperationType>,
    limit: Option<u32>,
    cursor: Option<String>,
}

fn params() -> impl Strategy<Value = Params> {
    (
        proptest::option::of((timestamp(), timestamp())),
        any::<bool>(),
        proptest::option::of("\\PC{1,40}"),
        proptest::option::of(operation_type()),
        proptest::option::of(1u32..=100),
        proptest::option::of("[ -~]{1,120}|\\PC{1,60}"),
    )
        .prop_map(
            |(range, only_end, user_id, operation_type, limit, cursor)| {
                let (start, end) = match range {
                    Some((a, b)) if only_end => (None, Some(a.max(b))),
                    Some((a, b)) => (Some(a.min(b)), Some(a.max(b))),
                    None => (None, None),
                };
                Params {
                    start,
                    end,
                    user_id,
                    operation_type,
                    limit,
                    cursor,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn any_valid_parameters_decode_back_from_the_query(p in params()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let decoded = runtime.block_on(async {
            let server = MockServer::start().await;
            Mock::given(matchers::any())
                .respond_with(ResponseTemplate::new(200).set_body_raw(
                    r#"{"logs":[],"pagination":{"has_more":false}}"#,
                    "application/json",
                ))
                .mount(&server)
                .await;
            let mut request = common::client(&server).list_audit_logs();
            if let Some(v) = p.start { request = request.start_time(v); }
            if let Some(v) = p.end { request = request.end_time(v); }
            if let Some(v) = &p.user_id { request = request.user_id(v.clone()); }
            if let Some(v) = &p.operation_type { request = request.operation_type(v.clone()); }
            if let Some(v) = p.limit { request = request.limit(v); }
            if let Some(v) = &p.cursor { request = request.cursor(v.clone()); }
            request.send().await.expect("valid parameters are sent");
            let received = server.received_requests().await.expect("recorded");
            received[0].url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect::<Vec<_>>()
        });
        let get = |name: &str| decoded.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let time = |name: &str| get(name).map(|v| {
            assert!(v.ends_with('Z'), "{v}");
            v.parse::<DateTime<Utc>>().expect("RFC 3339")
        });
        prop_assert_eq!(time("start_time"), p.start);
        prop_assert_eq!(time("end_time"), p.end);
        prop_assert_eq!(get("user_id"), p.user_id.clone());
        prop_assert_eq!(get("operation_type").map(OperationType::from), p.operation_type.clone());
        prop_assert_eq!(get("limit").map(|v| v.parse::<u32>().expect("number")), p.limit);
        prop_assert_eq!(get("cursor"), p.cursor.clone());
        let expected = [p.start.is_some(), p.end.is_some(), p.user_id.is_some(), p.operation_type.is_some(), p.limit.is_some(), p.cursor.is_some()];
        prop_assert_eq!(decoded.len(), expected.iter().filter(|b| **b).count(), "nothing else is sent");
    }

    #[test]
    fn the_page_decoder_never_panics_on_bytes(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = serde_json::from_slice::<ListAuditLogsResponse>(&body);
    }

    #[test]
    fn the_page_decoder_never_panics_on_json_shaped_input(value in json_value()) {
        let text = value.to_string();
        let _ = serde_json::from_str::<ListAuditLogsResponse>(&text);
        let wrapped = serde_json::json!({"logs": [value.clone()], "pagination": {"has_more": value}});
        let _ = serde_json::from_value::<ListAuditLogsResponse>(wrapped);
    }

    #[test]
    fn pages_of_any_valid_entries_decode_and_round_trip(entries in proptest::collection::vec(entry(), 0..20), more in any::<bool>()) {
        let mut pagination = serde_json::json!({"has_more": more});
        if more { pagination["next_cursor"] = "c".into(); }
        let body = serde_json::to_vec(&serde_json::json!({"logs": entries, "pagination": pagination})).expect("json");
        let page: ListAuditLogsResponse = serde_json::from_slice(&body).expect("a valid page decodes");
        prop_assert_eq!(page.logs.len(), entries.len());
        // Entries as sent: the same text, and the typed entry it decodes to
        // serializes back to that text.
        for (raw, sent) in page.logs.iter().zip(&entries) {
            prop_assert_eq!(serde_json::from_str::<serde_json::Value>(raw.json()).expect("json"), sent.clone());
            let typed = raw.decode().expect("a raw entry always decodes");
            prop_assert_eq!(serde_json::to_string(&typed).expect("serialises"), raw.json());
            prop_assert_eq!(typed.id.as_str(), raw.id());
            prop_assert_eq!(typed.created_at, raw.created_at());
        }
        let again = serde_json::to_vec(&page.logs).expect("serialises");
        let reparsed: Vec<arize_audit_logs::RawAuditLog> = serde_json::from_slice(&again).expect("round trip");
        prop_assert_eq!(reparsed, page.logs);
    }

    #[test]
    fn conforms_gives_the_verdict_of_decode(
        // Mostly strings, so that both verdicts come up often.
        members in proptest::collection::vec(
            proptest::option::weighted(
                0.9,
                prop_oneof![3 => "\\PC{0,10}".prop_map(serde_json::Value::from), 1 => json_value()],
            ),
            6,
        ),
        extra in proptest::option::of(json_value()),
        at in timestamp(),
    ) {
        let names = ["user_id", "ip", "operation_type", "operation_name", "operation_text", "variables"];
        let mut entry = serde_json::Map::new();
        entry.insert("id".into(), "i".into());
        for (name, value) in names.iter().zip(&members) {
            if let Some(value) = value {
                entry.insert((*name).into(), value.clone());
            }
        }
        if let Some(extra) = extra {
            entry.insert("zone".into(), extra);
        }
        entry.insert("created_at".into(), at.to_rfc3339().into());
        let text = serde_json::Value::Object(entry).to_string();
        let raw: arize_audit_logs::RawAuditLog = serde_json::from_str(&text).expect("an entry");
        prop_assert_eq!(raw.conforms().is_ok(), raw.decode().is_ok(), "{}", text);
    }

    /// The same verdict for entries written in the document's order, as
    /// servers send them (the fast path of `conforms`): members left out,
    /// of another type, `null`, escaped, or followed by one more.
    #[test]
    fn conforms_gives_the_verdict_of_decode_in_the_documents_order(
        members in proptest::collection::vec(
            proptest::option::weighted(
                0.9,
                prop_oneof![
                    4 => "\\PC{0,10}".prop_map(serde_json::Value::from),
                    1 => Just(serde_json::Value::Null),
                    1 => json_value(),
                ],
            ),
            6,
        ),
        extra in proptest::option::of(json_value()),
        at in timestamp(),
        id in "\\PC{0,10}",
        broken in any::<bool>(),
    ) {
        let names = ["user_id", "ip", "operation_type", "operation_name", "operation_text", "variables"];
        // Sometimes with line breaks between the members (no longer compact).
        let comma = if broken { ",\r\n " } else { "," };
        let mut text = format!("{{\"id\":{}", serde_json::Value::from(id.clone()));
        for (name, value) in names.iter().zip(&members) {
            if let Some(value) = value {
                text += &format!("{comma}\"{name}\":{value}");
            }
        }
        if let Some(extra) = extra {
            text += &format!("{comma}\"zone\":{extra}");
        }
        text += &format!("{comma}\"created_at\":\"{}\"}}", at.to_rfc3339());
        let raw: arize_audit_logs::RawAuditLog = serde_json::from_str(&text).expect("an entry");
        prop_assert_eq!(raw.conforms().is_ok(), raw.decode().is_ok(), "{}", text);
        // What is read on the way, and the line JSON Lines writes.
        prop_assert_eq!(raw.id(), id.as_str());
        prop_assert_eq!(raw.created_at(), at);
        prop_assert_eq!(raw.created_at_text(), at.to_rfc3339());
        let line = raw.json_line();
        prop_assert!(!line.contains(['\n', '\r']), "{}", line);
        prop_assert_eq!(
            serde_json::from_str::<serde_json::Value>(&line).expect("JSON"),
            serde_json::from_str::<serde_json::Value>(&text).expect("JSON")
        );
        if !broken {
            prop_assert_eq!(line, text.as_str());
        }
    }

    #[test]
    fn the_error_decoder_never_panics(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..1024), ct in "[a-z/+-]{0,30}") {
        let status = StatusCode::from_u16(status).expect("valid status");
        let mut headers = HeaderMap::new();
        if let Ok(v) = ct.parse() { headers.insert("content-type", v); }
        let error = Error::from_response(status, &headers, &body, "http://x/v2/audit-logs");
        prop_assert_eq!(error.status(), Some(status));
        let _ = error.to_string();
        let _ = serde_json::from_slice::<Problem>(&body);
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        "\\PC{0,20}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("logs".to_owned()),
                    Just("pagination".to_owned()),
                    Just("id".to_owned()),
                    Just("created_at".to_owned()),
                    "[a-z_]{1,10}"
                ],
                inner,
                0..8
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn entry() -> impl Strategy<Value = serde_json::Value> {
    (
        "\\PC{1,30}",
        "\\PC{1,30}",
        "[0-9a-f:.]{1,39}",
        operation_type(),
        proptest::option::of("\\PC{0,40}"),
        proptest::option::of("\\PC{0,200}"),
        proptest::option::of("\\PC{0,60}"),
        timestamp(),
        any::<bool>(),
    )
        .prop_map(|(id, user, ip, op, name, text, vars, at, extra)| {
            let mut e = serde_json::json!({
                "id": id, "user_id": user, "ip": ip, "operation_type": op.as_str(),
                "operation_name": name, "operation_text": text, "variables": vars,
                "created_at": at.to_rfc3339(),
            });
            if extra {
                e["unknown_member"] = serde_json::json!({"nested": [1, 2]});
            }
            e
        })
}
