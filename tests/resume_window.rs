//! A resume point carries the window and filters its stream sent (issue 22):
//! resuming a `.last_days(30)` stream a day later finishes the original
//! window, and a request that contradicts the point is refused before it is
//! sent.
#![cfg(feature = "mock")]

use arize_audit_logs::{
    mock::{MockConfig, MockServer},
    AuditLog, Client, Error, ListAuditLogsParams, OperationType, ResumePoint, ValidationRule,
};
use chrono::{DateTime, TimeDelta, Utc};
use futures::{StreamExt, TryStreamExt};

/// "Now" when the first stream starts.
const T0: &str = "2026-11-01T00:00:00Z";

fn t0() -> DateTime<Utc> {
    T0.parse().expect("timestamp")
}

/// Entries over the weeks up to `T0`, reaching further back than 30 days.
async fn server() -> MockServer {
    let config = MockConfig::default()
        .entries(400)
        .seed(22)
        .end(t0())
        .span(TimeDelta::days(42));
    MockServer::start(config).await.expect("server starts")
}

/// A client whose clock reads `now`, as a process started at that time would.
fn client_at(server: &MockServer, now: DateTime<Utc>) -> Client {
    server
        .client_builder()
        .clock(move || now)
        .build()
        .expect("client")
}

fn ids(entries: &[AuditLog]) -> Vec<String> {
    entries.iter().map(|e| e.id.clone()).collect()
}

#[tokio::test]
async fn a_last_days_stream_resumed_a_day_later_finishes_its_original_window_exactly_once() {
    let server = server().await;
    let window_start = t0() - TimeDelta::days(30);
    let expected: Vec<AuditLog> = server
        .entries()
        .into_iter()
        .filter(|e| e.created_at >= window_start && e.created_at <= t0())
        .collect();
    // The day a recomputed window would lose holds entries.
    assert!(expected
        .iter()
        .any(|e| e.created_at < window_start + TimeDelta::days(1)));

    // Day one: stream the last 30 days, stop inside a page, store the point.
    let mut entries = client_at(&server, t0())
        .list_audit_logs()
        .last_days(30)
        .limit(25)
        .entries();
    let mut seen: Vec<AuditLog> = (&mut entries)
        .take(37)
        .try_collect()
        .await
        .expect("first part");
    let point = entries.resume_point().expect("more to come");
    assert_eq!(point.skip, 12, "stopped inside the second page");
    let stored = serde_json::to_string(&point).expect("serializes");
    drop(entries);

    // A day later: new activity, and a fresh process with the same code.
    let later = t0() + TimeDelta::days(1);
    let newer: Vec<AuditLog> = (0..5)
        .map(|n| {
            AuditLog::new(
                format!("newer-{n}"),
                "VXNlcjoxMjM0NQ==",
                "10.0.0.1",
                OperationType::Mutation,
                t0() + TimeDelta::hours(n + 1),
            )
        })
        .collect();
    server.add_entries(newer);
    let point: ResumePoint = serde_json::from_str(&stored).expect("loads");
    let rest: Vec<AuditLog> = client_at(&server, later)
        .list_audit_logs()
        .last_days(30)
        .limit(25)
        .resume(point.clone())
        .entries()
        .try_collect()
        .await
        .expect("the resumed stream is answered (no 400)");
    seen.extend(rest);
    assert_eq!(
        ids(&seen),
        ids(&expected),
        "every entry of the original window, once, newest first"
    );

    // What the point prevents: the same cursor with the window recomputed
    // from the later "now" is refused by the server.
    let bare = ResumePoint::new(point.cursor.clone(), point.skip);
    let refused = client_at(&server, later)
        .list_audit_logs()
        .last_days(30)
        .resume(bare)
        .entries()
        .try_collect::<Vec<_>>()
        .await
        .expect_err("a cursor answers only its own window");
    assert!(matches!(&refused, Error::BadRequest(_)), "{refused:?}");
}

#[tokio::test]
async fn a_relative_range_given_after_the_point_resumes_the_points_window() {
    let server = server().await;
    let user = server.entries()[0].user_id.clone();
    let mut pages = client_at(&server, t0())
        .list_audit_logs()
        .last_days(30)
        .user_id(&user)
        .pages();
    let point = pages.resume_point().expect("not started");
    let request = point
        .request
        .clone()
        .expect("a stream's point carries its request");
    assert_eq!(request.start_time, Some(t0() - TimeDelta::days(30)));
    assert_eq!(request.end_time, Some(t0()));
    assert_eq!(request.user_id.as_ref(), Some(&user));
    pages.next().await.expect("a page").expect("ok");

    let later = client_at(&server, t0() + TimeDelta::days(1));
    for builder in [
        later.list_audit_logs().resume(point.clone()).last_days(30),
        later.list_audit_logs().last_days(30).resume(point.clone()),
        later.list_audit_logs().resume(point.clone()),
    ] {
        let sent = builder.request().expect("no contradiction");
        assert_eq!(
            (sent.start_time, sent.end_time, sent.user_id.as_deref()),
            (request.start_time, request.end_time, Some(user.as_str())),
        );
    }
}

#[tokio::test]
async fn resume_refuses_a_parameter_that_contradicts_the_point_before_any_request() {
    let server = server().await;
    let client = client_at(&server, t0());
    let user = server.entries()[0].user_id.clone();
    let mut entries = client
        .list_audit_logs()
        .last_days(30)
        .user_id(&user)
        .limit(5)
        .entries();
    entries.next().await.expect("an entry").expect("ok");
    let point = entries.resume_point().expect("more to come");
    drop(entries);
    let before = server.requests();

    let cases = [
        (
            client
                .list_audit_logs()
                .user_id("VXNlcjo5OTk=")
                .resume(point.clone()),
            "user_id",
            vec!["VXNlcjo5OTk=".to_owned()],
            vec![user.clone()],
        ),
        (
            client
                .list_audit_logs()
                .resume(point.clone())
                .operation_type(OperationType::Query),
            "operation_type",
            vec!["QUERY".to_owned()],
            vec![],
        ),
        (
            client
                .list_audit_logs()
                .resume(point.clone())
                .start_time("2026-10-15T00:00:00Z".parse().expect("ts")),
            "start_time",
            vec!["2026-10-15T00:00:00Z".to_owned()],
            vec!["2026-10-02T00:00:00Z".to_owned()],
        ),
    ];
    for (builder, parameter, asked, resumed) in cases {
        let expected = ValidationRule::ContradictsResumePoint { asked, resumed };
        let error = builder.validate().expect_err(parameter);
        assert_eq!((error.parameter, &error.rule), (parameter, &expected));
        assert!(
            error.to_string().contains(&format!("`{parameter}`")),
            "{error}"
        );
        let streamed = builder
            .clone()
            .entries()
            .next()
            .await
            .expect("the error")
            .expect_err(parameter);
        assert!(
            matches!(&streamed, Error::InvalidParameter(e) if e.parameter == parameter),
            "{streamed:?}"
        );
        let sent = builder.send().await.expect_err(parameter);
        assert!(matches!(sent, Error::InvalidParameter(_)), "{sent:?}");
    }
    assert_eq!(server.requests(), before, "nothing was sent");

    let error = client
        .list_audit_logs()
        .resume(point)
        .user_id("VXNlcjo5OTk=")
        .validate()
        .expect_err("contradiction");
    assert_eq!(
        error.to_string(),
        format!(
            "invalid `user_id`: \"VXNlcjo5OTk=\" contradicts the resume point, whose stream \
             was sent with {user:?}; a cursor is answered only with the window and filters it \
             was issued for: leave the parameter out to resume that stream, or start a new \
             stream without the point"
        )
    );
}

#[tokio::test]
async fn resume_without_filters_takes_the_points_filters() {
    let server = server().await;
    let client = client_at(&server, t0());
    let user = server.entries()[0].user_id.clone();
    let mut entries = client
        .list_audit_logs()
        .last_days(30)
        .user_id(&user)
        .limit(3)
        .entries();
    entries.next().await.expect("an entry").expect("ok");
    let point = entries.resume_point().expect("more to come");
    drop(entries);

    let rest: Vec<AuditLog> = client
        .list_audit_logs()
        .resume(point)
        .entries()
        .try_collect()
        .await
        .expect("resumed");
    assert!(!rest.is_empty());
    assert!(
        rest.iter().all(|e| e.user_id == user),
        "the point's user_id"
    );
}

#[test]
fn a_point_without_request_serializes_as_before_and_old_points_load() {
    let old = r#"{"cursor":"c1","skip":3}"#;
    let point: ResumePoint = serde_json::from_str(old).expect("an old point loads");
    assert_eq!(point, ResumePoint::new(Some("c1".into()), 3));
    assert_eq!(point.request, None);
    assert_eq!(serde_json::to_string(&point).expect("json"), old);
    assert_eq!(
        serde_json::to_string(&ResumePoint::at_cursor(None)).expect("json"),
        r#"{"cursor":null,"skip":0}"#
    );

    let mut params = ListAuditLogsParams::default();
    params.start_time = Some("2026-10-02T00:00:00.123456789Z".parse().expect("ts"));
    params.end_time = Some(t0());
    params.limit = Some(25);
    params.cursor = Some("c0".into());
    let bound = ResumePoint::new(Some("c1".into()), 3).with_request(&params);
    let request = bound.request.clone().expect("request");
    assert_eq!(
        (request.limit, request.cursor),
        (None, None),
        "not part of it"
    );
    let text = serde_json::to_string(&bound).expect("json");
    let back: ResumePoint = serde_json::from_str(&text).expect("loads");
    assert_eq!(back, bound, "the window to the nanosecond: {text}");
}
