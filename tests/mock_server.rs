//! The embedded fake server behaves as the fact sheet says the real endpoint
//! does, and its fault knobs produce the faults they name.
#![cfg(feature = "mock")]

use std::time::Duration;

use arize_audit_logs::{
    mock::{Faults, MockConfig, MockServer},
    Error, OperationType, RetryPolicy, TransportErrorKind,
};
use chrono::{TimeDelta, Utc};
use futures::TryStreamExt;

const END: &str = "2026-05-18T12:00:00Z";

async fn server(entries: usize) -> MockServer {
    let config = MockConfig::default()
        .entries(entries)
        .seed(3)
        .end(END.parse().expect("ts"));
    MockServer::start(config).await.expect("server starts")
}

async fn raw(
    server: &MockServer,
    query: &str,
    key: Option<&str>,
) -> (u16, serde_json::Value, Option<String>) {
    let mut request = reqwest::Client::new().get(format!("{}/v2/audit-logs?{query}", server.uri()));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.expect("answer");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, body, content_type)
}

#[tokio::test]
async fn missing_or_wrong_key_is_401_problem_and_non_admin_key_is_403() {
    let server = server(10).await;
    for key in [None, Some("wrong"), Some("")] {
        let (status, body, ct) = raw(&server, "", key).await;
        assert_eq!(status, 401, "{key:?}");
        assert_eq!(ct.as_deref(), Some("application/problem+json"));
        assert_eq!(body["status"], 401);
    }
    let (status, body, _) = raw(&server, "", Some("mock-member-key")).await;
    assert_eq!(
        (status, body["title"].as_str()),
        (403, Some("Access forbidden"))
    );
}

#[tokio::test]
async fn a_growing_server_adds_entries_dated_now_with_new_ids() {
    let server = MockServer::start(MockConfig::default().entries(5))
        .await
        .expect("server starts");
    let before = server.entries();
    let started = chrono::Utc::now() - chrono::TimeDelta::milliseconds(1);
    server.grow(std::time::Duration::from_millis(40));
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let after = server.entries();
    let added = &after[..after.len() - before.len()];
    assert!(added.len() >= 3, "{} added", added.len());
    assert_eq!(
        &after[added.len()..],
        &before[..],
        "the old entries stay, behind the new"
    );
    assert!(added.iter().all(|e| e.created_at >= started), "dated now");
    let ids: std::collections::HashSet<&str> = after.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), after.len(), "every id is new");
}

#[tokio::test]
async fn removed_entries_are_never_returned_again_as_after_retention() {
    use futures::TryStreamExt;
    let server = MockServer::start(MockConfig::default().entries(30))
        .await
        .expect("server starts");
    let all = server.entries();
    let gone: Vec<&str> = all.iter().step_by(7).map(|e| e.id.as_str()).collect();
    assert_eq!(server.remove_entries(gone.iter().copied()), gone.len());
    assert_eq!(
        server.remove_entries(gone.iter().copied()),
        0,
        "already gone"
    );
    let listed: Vec<arize_audit_logs::AuditLog> = server
        .client()
        .expect("client")
        .list_audit_logs()
        .last_days(365)
        .entries()
        .try_collect()
        .await
        .expect("lists");
    let ids: Vec<&str> = listed.iter().map(|e| e.id.as_str()).collect();
    let kept: Vec<&str> = all
        .iter()
        .map(|e| e.id.as_str())
        .filter(|id| !gone.contains(id))
        .collect();
    assert_eq!(ids, kept);
}

#[tokio::test]
async fn another_method_is_405_naming_get_in_allow() {
    let server = server(1).await;
    for method in [
        reqwest::Method::POST,
        reqwest::Method::DELETE,
        reqwest::Method::TRACE,
    ] {
        let response = reqwest::Client::new()
            .request(method.clone(), format!("{}/v2/audit-logs", server.uri()))
            .bearer_auth(server.api_key())
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status().as_u16(), 405, "{method}");
        assert_eq!(
            response
                .headers()
                .get("allow")
                .and_then(|v| v.to_str().ok()),
            Some("GET"),
            "{method}: RFC 9110 wants the supported methods listed"
        );
    }
}

#[tokio::test]
async fn default_limit_is_50_newest_first_and_last_page_omits_next_cursor() {
    let server = server(60).await;
    let key = Some(server.api_key().to_owned());
    // No end_time: "now" is long after END, and start defaults to 30 days before now.
    let q = format!("end_time={END}");
    let (status, body, _) = raw(&server, &q, key.as_deref()).await;
    assert_eq!(status, 200);
    let logs = body["logs"].as_array().expect("logs");
    assert_eq!(logs.len(), 50);
    let times: Vec<&str> = logs
        .iter()
        .map(|l| l["created_at"].as_str().expect("ts"))
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert!(times[0].ends_with(".000Z"), "{}", times[0]);
    assert_eq!(body["pagination"]["has_more"], true);
    let cursor = body["pagination"]["next_cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();

    let q = format!("end_time={END}&cursor={cursor}");
    let (_, last, _) = raw(&server, &q, key.as_deref()).await;
    assert_eq!(last["logs"].as_array().map(Vec::len), Some(10));
    assert_eq!(
        last["pagination"],
        serde_json::json!({"has_more": false}),
        "next_cursor omitted"
    );
}

#[tokio::test]
async fn window_defaults_to_30_days_before_now() {
    let recent = MockConfig::default().entries(100).span(TimeDelta::days(60));
    let server = MockServer::start(recent).await.expect("server");
    let all = server.entries();
    let cutoff = Utc::now() - TimeDelta::days(30);
    let expected = all.iter().filter(|e| e.created_at >= cutoff).count();
    let got: Vec<_> = server
        .client()
        .expect("client")
        .list_audit_logs()
        .entries()
        .try_collect()
        .await
        .expect("ok");
    assert!(expected > 0 && expected < all.len());
    assert_eq!(got.len(), expected);
}

#[tokio::test]
async fn filters_apply_with_inclusive_bounds() {
    let server = server(300).await;
    let all = server.entries();
    let (start, end) = (all[200].created_at, all[20].created_at);
    let user = all[50].user_id.clone();
    let got: Vec<_> = server
        .client()
        .expect("client")
        .list_audit_logs()
        .time_range(start, end)
        .user_id(user.clone())
        .operation_type(OperationType::Mutation)
        .limit(7)
        .entries()
        .try_collect()
        .await
        .expect("ok");
    let expected: Vec<_> = all
        .iter()
        .filter(|e| e.created_at >= start && e.created_at <= end)
        .filter(|e| e.user_id == user && e.operation_type == OperationType::Mutation)
        .cloned()
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(got, expected);
}

#[tokio::test]
async fn bad_limit_time_or_operation_type_is_400_problem() {
    let server = server(5).await;
    let key = Some(server.api_key().to_owned());
    for q in [
        "limit=0",
        "limit=101",
        "limit=ten",
        "start_time=yesterday",
        "operation_type=WEBHOOK",
        "start_time=2026-05-02T00:00:00Z&end_time=2026-05-01T00:00:00Z",
    ] {
        let (status, body, ct) = raw(&server, q, key.as_deref()).await;
        assert_eq!(
            (status, ct.as_deref()),
            (400, Some("application/problem+json")),
            "{q}"
        );
        assert_eq!(body["title"], "Invalid request parameters", "{q}");
    }
}

#[tokio::test]
async fn corrupted_cursor_or_cursor_from_other_filters_is_400() {
    let server = server(30).await;
    let key = Some(server.api_key().to_owned());
    let (_, first, _) = raw(&server, &format!("end_time={END}&limit=10"), key.as_deref()).await;
    let cursor = first["pagination"]["next_cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();

    let mut corrupted = cursor.clone().into_bytes();
    corrupted[5] = if corrupted[5] == b'A' { b'B' } else { b'A' };
    let corrupted = String::from_utf8(corrupted).expect("ascii");
    let (status, _, _) = raw(
        &server,
        &format!("end_time={END}&limit=10&cursor={corrupted}"),
        key.as_deref(),
    )
    .await;
    assert_eq!(status, 400);

    let other = format!("end_time={END}&operation_type=QUERY&limit=10&cursor={cursor}");
    let (status, body, _) = raw(&server, &other, key.as_deref()).await;
    assert_eq!(status, 400);
    assert!(body["detail"]
        .as_str()
        .is_some_and(|d| d.contains("other filters")));

    let (status, _, _) = raw(
        &server,
        &format!("end_time={END}&limit=25&cursor={cursor}"),
        key.as_deref(),
    )
    .await;
    assert_eq!(status, 200, "a cursor does not bind the page size");
}

#[tokio::test]
async fn unknown_values_and_members_reach_the_client_intact() {
    let config = MockConfig::default()
        .entries(200)
        .unknown_operation_types(0.2)
        .faults(Faults::none().unknown_members(true));
    let server = MockServer::start(config).await.expect("server");
    let got: Vec<_> = server
        .client()
        .expect("client")
        .list_audit_logs()
        .limit(100)
        .entries()
        .try_collect()
        .await
        .expect("ok");
    assert_eq!(got, server.entries());
    assert!(got
        .iter()
        .any(|e| e.operation_type == OperationType::Unknown("WEBHOOK".into())));
}

#[tokio::test]
async fn dropped_connection_and_truncated_body_are_transport_failures() {
    let server = server(10).await;
    let client = server
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");

    server.set_faults(Faults::none().drop_connection(1.0));
    let error = client.list_audit_logs().send().await.expect_err("dropped");
    assert!(matches!(&error, Error::Transport(_)), "{error:?}");

    server.set_faults(Faults::none().truncate_body(1.0));
    let error = client
        .list_audit_logs()
        .send()
        .await
        .expect_err("truncated");
    assert!(
        matches!(&error, Error::Transport(t) if t.kind == TransportErrorKind::Body),
        "{error:?}"
    );
    assert!(error.is_retryable());

    server.set_faults(Faults::none().rate_limit(1.0, Some(7)));
    let error = client.list_audit_logs().send().await.expect_err("429");
    assert_eq!(
        error.retry_after().map(|r| r.delay()),
        Some(Duration::from_secs(7))
    );

    server.set_faults(Faults::none().server_error(1.0));
    assert!(matches!(
        client.list_audit_logs().send().await,
        Err(Error::Server(_))
    ));

    server.set_faults(Faults::none());
    assert!(
        client.list_audit_logs().send().await.is_ok(),
        "faults clear"
    );
}

#[tokio::test]
async fn latency_knob_delays_every_answer() {
    let server = server(1).await;
    server.set_faults(Faults::none().latency(Duration::from_millis(150)));
    let started = std::time::Instant::now();
    server
        .client()
        .expect("client")
        .list_audit_logs()
        .send()
        .await
        .expect("ok");
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn added_entries_are_served_newest_first() {
    // Data ending now, inside the default 30-day window.
    let config = MockConfig::default().entries(5).span(TimeDelta::days(1));
    let server = MockServer::start(config).await.expect("server");
    let newest =
        arize_audit_logs::AuditLog::new("new", "u", "1.1.1.1", OperationType::Query, Utc::now());
    server.add_entries([newest.clone()]);
    let page = server
        .client()
        .expect("client")
        .list_audit_logs()
        .send()
        .await
        .expect("ok");
    assert_eq!(page.logs[0], newest);
    assert_eq!(page.logs.len(), 6);
}

#[tokio::test]
async fn every_answer_carries_the_server_clock_in_date_and_page_date_reads_it() {
    let server = MockServer::start(
        MockConfig::default()
            .entries(5)
            .clock_behind(Duration::from_secs(120)),
    )
    .await
    .expect("server starts");
    let before = Utc::now();
    let page = server
        .client()
        .expect("client")
        .list_audit_logs()
        .send()
        .await
        .expect("a page");
    let after = Utc::now();
    let date = page.date().expect("a Date header");
    // Whole seconds, two minutes behind the real clock.
    let behind = |t: chrono::DateTime<Utc>| t - TimeDelta::seconds(120);
    assert!(
        date >= behind(before) - TimeDelta::seconds(1) && date <= behind(after),
        "{date} not 2 min behind {before}..{after}"
    );
    // A Problem answer carries it too.
    let problem = reqwest::Client::new()
        .get(format!("{}/v2/audit-logs", server.uri()))
        .send()
        .await
        .expect("answer");
    assert_eq!(problem.status().as_u16(), 401);
    assert!(problem.headers().contains_key("date"));
}

#[tokio::test]
async fn a_server_clock_behind_dates_grown_entries_by_its_clock() {
    let server = MockServer::start(
        MockConfig::default()
            .entries(0)
            .clock_behind(Duration::from_secs(60)),
    )
    .await
    .expect("server starts");
    server.grow(Duration::from_millis(20));
    while server.entries().len() < 3 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let real = Utc::now();
    assert!(server
        .entries()
        .iter()
        .all(|e| e.created_at <= real - TimeDelta::seconds(59)));
}

#[tokio::test]
async fn grown_entries_become_visible_only_after_their_lag_and_growth_stops_on_request() {
    let server = MockServer::start(
        MockConfig::default()
            .entries(0)
            .visibility_lag(Duration::from_secs(3)),
    )
    .await
    .expect("server starts");
    server.grow(Duration::from_millis(20));
    while server.entries().len() < 20 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.stop_growing();
    let held = server.entries().len();
    let client = server.client().expect("client");
    let visible = || async {
        client
            .list_audit_logs()
            .limit(100)
            .send_raw()
            .await
            .expect("a page")
            .entries
            .len()
    };
    // Lags are spread from 0 to 3 s: some entries are not visible yet.
    assert!(!server.all_visible());
    assert!(
        visible().await < held,
        "an entry was visible before its lag"
    );
    while !server.all_visible() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        visible().await,
        held,
        "every entry visible once its lag passed"
    );
    assert_eq!(
        server.entries().len(),
        held,
        "no entry added after stop_growing"
    );
}
