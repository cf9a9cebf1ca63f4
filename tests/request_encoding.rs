//! The exact request on the wire for the documented example call, for each
//! parameter alone, and for all of them together.

mod common;

use arize_audit_logs::{ListAuditLogs, OperationType};
use chrono::{DateTime, Utc};
use common::{client, fixture, respond, WireRequest};
use wiremock::MockServer;

fn ts(s: &str) -> DateTime<Utc> {
    s.parse().expect("timestamp")
}

/// Sends `build(request)` to a fresh server and returns what it received.
async fn wire(build: impl FnOnce(ListAuditLogs) -> ListAuditLogs) -> WireRequest {
    let server = MockServer::start().await;
    respond(200, "application/json", fixture("list_audit_logs_200.json"))
        .expect(1)
        .mount(&server)
        .await;
    build(client(&server).list_audit_logs())
        .send()
        .await
        .expect("the documented example answer parses");
    let received = server.received_requests().await.expect("recording is on");
    assert_eq!(received.len(), 1);
    WireRequest::from(&received[0])
}

#[tokio::test]
async fn documented_example_call_sends_bearer_key_and_no_parameters() {
    // The reference page's curl: GET /v2/audit-logs with the bearer header only.
    let request = wire(|r| r).await;
    assert!(request.query.is_empty());
    assert_wire_snapshot!("documented_example_call", &request);
}

#[tokio::test]
async fn start_time_alone_goes_out_as_rfc3339_utc_with_z() {
    let request = wire(|r| r.start_time(ts("2026-04-18T00:00:00Z"))).await;
    assert_eq!(
        request.query,
        [("start_time".into(), "2026-04-18T00:00:00Z".into())]
    );
    assert_wire_snapshot!("start_time_alone", &request);
}

#[tokio::test]
async fn end_time_alone_goes_out_as_rfc3339_utc_with_z() {
    let request = wire(|r| r.end_time(ts("2026-05-18T23:59:59Z"))).await;
    assert_eq!(
        request.query,
        [("end_time".into(), "2026-05-18T23:59:59Z".into())]
    );
    assert_wire_snapshot!("end_time_alone", &request);
}

#[tokio::test]
async fn subsecond_time_keeps_its_precision_and_z() {
    let request = wire(|r| r.end_time(ts("2026-05-18T12:00:00.123+02:00"))).await;
    assert_eq!(
        request.query,
        [("end_time".into(), "2026-05-18T10:00:00.123Z".into())]
    );
}

#[tokio::test]
async fn user_id_alone_is_percent_encoded() {
    let request = wire(|r| r.user_id("VXNlcjoxMjM0NQ==")).await;
    assert_eq!(
        request.query,
        [("user_id".into(), "VXNlcjoxMjM0NQ==".into())]
    );
    assert_eq!(request.raw_query, "user_id=VXNlcjoxMjM0NQ%3D%3D");
    assert_wire_snapshot!("user_id_alone", &request);
}

#[tokio::test]
async fn operation_type_alone() {
    let request = wire(|r| r.operation_type(OperationType::Mutation)).await;
    assert_eq!(
        request.query,
        [("operation_type".into(), "MUTATION".into())]
    );
    assert_wire_snapshot!("operation_type_alone", &request);
}

#[tokio::test]
async fn an_operation_type_the_document_does_not_list_is_refused_before_sending() {
    let client = arize_audit_logs::Client::builder()
        .ignore_environment()
        .api_key("k")
        .base_url("http://127.0.0.1:9")
        .build()
        .expect("client");
    let e = client
        .list_audit_logs()
        .operation_type("WEBHOOK")
        .send()
        .await
        .expect_err("refused");
    let arize_audit_logs::Error::InvalidParameter(e) = e else {
        panic!("{e:?}")
    };
    assert_eq!(e.parameter, "operation_type");
    assert_eq!(
        e.rule,
        arize_audit_logs::ValidationRule::NotOneOf {
            value: "WEBHOOK".into(),
            allowed: &["QUERY", "MUTATION", "SUBSCRIPTION"],
        }
    );
}

#[tokio::test]
async fn limit_alone() {
    let request = wire(|r| r.limit(100)).await;
    assert_eq!(request.query, [("limit".into(), "100".into())]);
    assert_wire_snapshot!("limit_alone", &request);
}

#[tokio::test]
async fn cursor_alone_is_passed_back_unchanged() {
    let cursor = "eyJjcmVhdGVkQXQiOiIyMDI2LTA1LTE4VDEyOjAwOjAwLjAwMFoiLCJpZCI6NDJ9";
    let request = wire(|r| r.cursor(cursor)).await;
    assert_eq!(request.query, [("cursor".into(), cursor.into())]);
    assert_wire_snapshot!("cursor_alone", &request);
}

#[tokio::test]
async fn all_parameters_together() {
    let request = wire(|r| {
        r.start_time(ts("2026-04-18T00:00:00Z"))
            .end_time(ts("2026-05-18T23:59:59Z"))
            .user_id("VXNlcjoxMjM0NQ==")
            .operation_type(OperationType::Mutation)
            .limit(50)
            .cursor("eyJjcmVhdGVkQXQiOiIyMDI2LTA1LTE4VDEyOjAwOjAwLjAwMFoiLCJpZCI6NDJ9")
    })
    .await;
    assert_eq!(request.query.len(), 6);
    assert_wire_snapshot!("all_parameters", &request);
}

#[tokio::test]
async fn last_days_sends_a_fixed_window_ending_now() {
    let before = Utc::now();
    let request = wire(|r| r.last_days(7)).await;
    let after = Utc::now();
    let get = |name: &str| -> DateTime<Utc> {
        let (_, v) = request.query.iter().find(|(k, _)| k == name).expect(name);
        assert!(v.ends_with('Z'), "{v}");
        v.parse().expect("rfc3339")
    };
    let (start, end) = (get("start_time"), get("end_time"));
    assert!(before <= end && end <= after);
    assert_eq!(end - start, chrono::TimeDelta::days(7));
}

#[tokio::test]
async fn one_operation_name_is_sent_once() {
    let request = wire(|r| r.operation_name("createAiIntegration")).await;
    assert_eq!(
        request.query,
        [("operation_name".into(), "createAiIntegration".into())]
    );
}

#[tokio::test]
async fn several_operation_names_repeat_the_key_in_order() {
    let request = wire(|r| {
        r.operation_type(OperationType::Mutation).operation_name([
            "createAiIntegration",
            "deleteApiKey",
            "with space&amp",
        ])
    })
    .await;
    assert_eq!(
        request.query,
        [
            ("operation_name".into(), "createAiIntegration".into()),
            ("operation_name".into(), "deleteApiKey".into()),
            ("operation_name".into(), "with space&amp".into()),
            ("operation_type".into(), "MUTATION".into()),
        ]
    );
    assert_wire_snapshot!("operation_names", &request);
}
