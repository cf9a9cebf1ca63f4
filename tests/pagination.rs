//! Auto-pagination: every entry once and in order, the same filters on every
//! request, the right cursor each time, exact resume, and the two guards.

mod common;

use arize_audit_logs::{Error, ListAuditLogsParams, OperationType, PaginationError, ResumePoint};
use common::client;
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use wiremock::{matchers, Mock, MockServer, Request, ResponseTemplate};

const START: &str = "2026-04-18T00:00:00Z";
const END: &str = "2026-05-18T23:59:59Z";

fn entry(n: u32) -> serde_json::Value {
    json!({
        "id": format!("id-{n}"), "user_id": "VXNlcjoxMjM0NQ==", "ip": "1.2.3.4",
        "operation_type": "MUTATION",
        "created_at": format!("2026-05-18T12:{:02}:{:02}Z", n / 60, n % 60),
    })
}

/// A page of entries `from..to` in descending order (newest first).
fn page(ids: std::ops::Range<u32>, next: Option<&str>) -> ResponseTemplate {
    let logs: Vec<_> = ids.rev().map(entry).collect();
    let mut pagination = json!({ "has_more": next.is_some() });
    if let Some(c) = next {
        pagination["next_cursor"] = json!(c);
    }
    ResponseTemplate::new(200).set_body_json(json!({ "logs": logs, "pagination": pagination }))
}

/// Mounts a page served only for the given cursor (None: no cursor).
async fn mount_page(server: &MockServer, cursor: Option<&str>, response: ResponseTemplate) {
    let cursor = cursor.map(str::to_owned);
    Mock::given(matchers::path("/v2/audit-logs"))
        .and(move |r: &Request| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "cursor")
                .map(|(_, v)| v.into_owned())
                == cursor
        })
        .respond_with(response)
        .expect(1)
        .mount(server)
        .await;
}

/// Three pages (entries 9..0), the last without next_cursor.
async fn three_pages() -> MockServer {
    let server = MockServer::start().await;
    mount_page(&server, None, page(6..10, Some("c1"))).await;
    mount_page(&server, Some("c1"), page(3..6, Some("c2"))).await;
    mount_page(&server, Some("c2"), page(0..3, None)).await;
    server
}

fn query_of(r: &Request) -> Vec<(String, String)> {
    r.url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[tokio::test]
async fn entries_arrive_once_in_order_with_same_filters_and_right_cursors() {
    let server = three_pages().await;
    let entries: Vec<_> = client(&server)
        .list_audit_logs()
        .time_range(START.parse().expect("ts"), END.parse().expect("ts"))
        .operation_type(OperationType::Mutation)
        .user_id("VXNlcjoxMjM0NQ==")
        .limit(4)
        .entries()
        .try_collect()
        .await
        .expect("all pages");

    let ids: Vec<_> = entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        ["id-9", "id-8", "id-7", "id-6", "id-5", "id-4", "id-3", "id-2", "id-1", "id-0"]
    );

    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), 3);
    let filters = |q: &[(String, String)]| -> Vec<(String, String)> {
        q.iter().filter(|(k, _)| k != "cursor").cloned().collect()
    };
    let expected_filters = vec![
        ("end_time".to_owned(), END.to_owned()),
        ("limit".to_owned(), "4".to_owned()),
        ("operation_type".to_owned(), "MUTATION".to_owned()),
        ("start_time".to_owned(), START.to_owned()),
        ("user_id".to_owned(), "VXNlcjoxMjM0NQ==".to_owned()),
    ];
    let cursors: Vec<Option<String>> = requests
        .iter()
        .map(|r| {
            let q = query_of(r);
            assert_eq!(
                filters(&q),
                expected_filters,
                "every request carries the same filters"
            );
            q.into_iter().find(|(k, _)| k == "cursor").map(|(_, v)| v)
        })
        .collect();
    assert_eq!(
        cursors,
        [None, Some("c1".to_owned()), Some("c2".to_owned())]
    );
}

#[tokio::test]
async fn pages_are_fetched_lazily_and_expose_the_resume_cursor() {
    let server = three_pages().await;
    let mut pages = client(&server).list_audit_logs().pages();
    assert_eq!(
        pages.resume_point(),
        Some(ResumePoint::at_cursor(None).with_request(&ListAuditLogsParams::default()))
    );
    assert!(
        server
            .received_requests()
            .await
            .expect("recorded")
            .is_empty(),
        "nothing before polling"
    );

    let first = pages.next().await.expect("a page").expect("ok");
    assert_eq!(first.logs.len(), 4);
    assert_eq!(pages.cursor(), Some("c1"));
    assert_eq!(
        server.received_requests().await.expect("recorded").len(),
        1,
        "one page, one request"
    );

    // Stop here and resume later from the exposed point: nothing lost, nothing repeated.
    let point = pages.resume_point().expect("more to come");
    drop(pages);
    let rest: Vec<_> = client(&server)
        .list_audit_logs()
        .resume(point)
        .entries()
        .try_collect()
        .await
        .expect("rest");
    let ids: Vec<_> = rest.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["id-5", "id-4", "id-3", "id-2", "id-1", "id-0"]);
}

#[tokio::test]
async fn entry_stream_resumes_exactly_inside_a_page() {
    let server = MockServer::start().await;
    Mock::given(matchers::path("/v2/audit-logs"))
        .and(matchers::query_param_is_missing("cursor"))
        .respond_with(page(6..10, Some("c1")))
        .mount(&server)
        .await;
    Mock::given(matchers::path("/v2/audit-logs"))
        .and(matchers::query_param("cursor", "c1"))
        .respond_with(page(3..6, Some("c2")))
        .mount(&server)
        .await;
    Mock::given(matchers::path("/v2/audit-logs"))
        .and(matchers::query_param("cursor", "c2"))
        .respond_with(page(0..3, None))
        .mount(&server)
        .await;
    let client = client(&server);

    let mut entries = client.list_audit_logs().entries();
    let mut seen = Vec::new();
    for _ in 0..6 {
        seen.push(entries.next().await.expect("entry").expect("ok").id);
    }
    // Two entries into the second page.
    let point = entries.resume_point().expect("not finished");
    assert_eq!(
        point,
        ResumePoint::new(Some("c1".into()), 2).with_request(&ListAuditLogsParams::default())
    );
    drop(entries);

    let mut resumed = client.list_audit_logs().resume(point).entries();
    while let Some(e) = resumed.next().await {
        seen.push(e.expect("ok").id);
    }
    assert_eq!(
        resumed.resume_point(),
        None,
        "the whole range was delivered"
    );
    let expected: Vec<String> = (0..10).rev().map(|n| format!("id-{n}")).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn max_entries_stops_at_the_cap_with_a_smaller_last_page() {
    let server = MockServer::start().await;
    Mock::given(matchers::query_param("limit", "4"))
        .and(matchers::query_param_is_missing("cursor"))
        .respond_with(page(6..10, Some("c1")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(matchers::query_param("limit", "2"))
        .and(matchers::query_param("cursor", "c1"))
        .respond_with(page(4..6, Some("c2")))
        .expect(1)
        .mount(&server)
        .await;
    let mut entries = client(&server)
        .list_audit_logs()
        .limit(4)
        .max_entries(6)
        .entries();
    let mut ids = Vec::new();
    while let Some(e) = entries.next().await {
        ids.push(e.expect("ok").id);
    }
    assert_eq!(ids.len(), 6);
    assert_eq!(
        entries.resume_point(),
        Some(
            ResumePoint::at_cursor(Some("c2".into())).with_request(&ListAuditLogsParams::default())
        )
    );
}

#[tokio::test]
async fn has_more_without_next_cursor_ends_with_a_typed_error_after_the_page() {
    let server = MockServer::start().await;
    mount_page(&server, None, page(6..10, Some("c1"))).await;
    let broken = ResponseTemplate::new(200).set_body_json(json!({
        "logs": [entry(5)], "pagination": { "has_more": true }
    }));
    mount_page(&server, Some("c1"), broken).await;

    let items: Vec<_> = client(&server).list_audit_logs().entries().collect().await;
    assert_eq!(items.len(), 6, "5 entries then the error: {items:?}");
    assert!(items[..5].iter().all(Result::is_ok));
    assert!(matches!(
        items[5],
        Err(Error::Pagination(PaginationError::MissingCursor {
            page: 2
        }))
    ));
    server.verify().await;
}

#[tokio::test]
async fn repeated_cursor_ends_with_a_typed_error_instead_of_looping() {
    let server = MockServer::start().await;
    mount_page(&server, None, page(6..10, Some("c1"))).await;
    mount_page(&server, Some("c1"), page(3..6, Some("c1"))).await;

    let mut pages = client(&server).list_audit_logs().pages();
    assert!(pages.next().await.expect("page 1").is_ok());
    assert!(pages.next().await.expect("page 2").is_ok());
    let error = pages
        .next()
        .await
        .expect("the guard fires")
        .expect_err("guard");
    assert!(
        matches!(&error, Error::Pagination(PaginationError::RepeatedCursor { page: 2, cursor }) if cursor == "c1"),
        "{error:?}"
    );
    assert!(pages.next().await.is_none(), "no further request");
    server.verify().await; // each page requested exactly once
}

#[tokio::test]
async fn failed_page_ends_the_stream_and_resume_point_stays_on_it() {
    let server = MockServer::start().await;
    mount_page(&server, None, page(6..10, Some("c1"))).await;
    mount_page(&server, Some("c1"), ResponseTemplate::new(503)).await;
    let mut entries = client(&server).list_audit_logs().entries();
    let mut ok = 0;
    let error = loop {
        match entries.next().await.expect("not the end yet") {
            Ok(_) => ok += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(ok, 4);
    assert!(matches!(error, Error::Server(_)));
    assert_eq!(
        entries.resume_point(),
        Some(
            ResumePoint::at_cursor(Some("c1".into())).with_request(&ListAuditLogsParams::default())
        )
    );
    assert!(entries.next().await.is_none());
}

#[tokio::test]
async fn prefetching_requests_the_next_page_before_it_is_asked_for() {
    let server = three_pages().await;
    let client = client(&server);
    let mut pages = client.list_audit_logs().limit(2).prefetch(true).pages();
    let first = pages.next().await.expect("a page").expect("ok");
    assert_eq!(first.logs.len(), 4);
    // Not polled again, yet the second page is on its way.
    let mut seen = 0;
    for _ in 0..100 {
        seen = server.received_requests().await.map_or(0, |r| r.len());
        if seen >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(seen, 2, "one request ahead, not more");
    let rest: Vec<_> = pages.try_collect().await.expect("the rest");
    let ids: Vec<String> = first
        .logs
        .iter()
        .chain(rest.iter().flat_map(|p| p.logs.iter()))
        .map(|e| e.id.clone())
        .collect();
    let expected: Vec<String> = (0..10).rev().map(|n| format!("id-{n}")).collect();
    assert_eq!(ids, expected, "every entry once, in order");
    let requests = server.received_requests().await.map_or(0, |r| r.len());
    assert_eq!(requests, 3, "three pages: none fetched twice");
}

#[tokio::test]
async fn a_wrong_guess_costs_a_request_never_a_page() {
    let server = MockServer::start().await;
    // The body's tail names a decoy cursor after the real pagination.
    let decoy = |logs: std::ops::Range<u32>, next: &str| {
        let logs: Vec<_> = logs.rev().map(entry).collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "logs": logs,
            "pagination": { "has_more": true, "next_cursor": next },
            "debug": { "next_cursor": "decoy" },
        }))
    };
    mount_page(&server, None, decoy(4..6, "c2")).await;
    mount_page(&server, Some("c2"), page(2..4, None)).await;
    // The guess may or may not be sent before it is cancelled.
    Mock::given(matchers::query_param("cursor", "decoy"))
        .respond_with(page(0..2, None))
        .mount(&server)
        .await;
    let entries: Vec<String> = client(&server)
        .list_audit_logs()
        .limit(2)
        .prefetch(true)
        .entries()
        .map_ok(|e| e.id)
        .try_collect()
        .await
        .expect("entries");
    assert_eq!(entries, ["id-5", "id-4", "id-3", "id-2"]);
}
