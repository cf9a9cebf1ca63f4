//! Bad input is a typed error naming the parameter and the rule, and nothing
//! is sent: each test's server expects zero requests.

mod common;

use arize_audit_logs::{Error, ListAuditLogs, ValidationError, ValidationRule};
use chrono::{DateTime, Utc};
use common::client;
use futures::StreamExt;

/// Sends `build(request)` as one page and as a stream; both must fail with a
/// validation error before any request reaches the server.
async fn rejected(build: impl Fn(ListAuditLogs) -> ListAuditLogs) -> ValidationError {
    let server = common::empty_server(0).await;
    let client = client(&server);

    let error = build(client.list_audit_logs())
        .send()
        .await
        .expect_err("invalid");
    let Error::InvalidParameter(validation) = error else {
        panic!("not a validation error: {error:?}")
    };

    let mut pages = build(client.list_audit_logs()).pages();
    let first = pages.next().await.expect("the stream reports the error");
    assert!(
        matches!(first, Err(Error::InvalidParameter(ref v)) if *v == validation),
        "{first:?}"
    );
    assert!(
        pages.next().await.is_none(),
        "the stream ends after the error"
    );

    server.verify().await;
    validation
}

fn ts(s: &str) -> DateTime<Utc> {
    s.parse().expect("timestamp")
}

#[tokio::test]
async fn limit_zero_is_rejected_before_sending() {
    let e = rejected(|r| r.limit(0)).await;
    assert_eq!(e.parameter, "limit");
    assert_eq!(
        e.rule,
        ValidationRule::OutOfRange {
            value: 0,
            min: 1,
            max: 100
        }
    );
    assert_eq!(
        e.to_string(),
        "invalid `limit`: 0 is outside the allowed range 1..=100"
    );
}

#[tokio::test]
async fn limit_above_100_is_rejected_before_sending() {
    let e = rejected(|r| r.limit(101)).await;
    assert_eq!(e.parameter, "limit");
    assert_eq!(
        e.rule,
        ValidationRule::OutOfRange {
            value: 101,
            min: 1,
            max: 100
        }
    );
}

#[tokio::test]
async fn start_after_end_is_rejected_before_sending() {
    let e =
        rejected(|r| r.time_range(ts("2026-05-02T00:00:00Z"), ts("2026-05-01T00:00:00Z"))).await;
    assert_eq!(e.parameter, "start_time");
    assert_eq!(
        e.to_string(),
        "invalid `start_time`: start_time 2026-05-02T00:00:00Z is after end_time \
         2026-05-01T00:00:00Z; the start of the range must not be after its end"
    );
}

#[tokio::test]
async fn empty_user_id_is_rejected_before_sending() {
    let e = rejected(|r| r.user_id("")).await;
    assert_eq!((e.parameter, e.rule), ("user_id", ValidationRule::Empty));
}

#[tokio::test]
async fn empty_cursor_is_rejected_before_sending() {
    let e = rejected(|r| r.cursor("")).await;
    assert_eq!((e.parameter, e.rule), ("cursor", ValidationRule::Empty));
}

#[tokio::test]
async fn empty_operation_type_is_rejected_before_sending() {
    let e = rejected(|r| r.operation_type("")).await;
    assert_eq!(
        (e.parameter, e.rule),
        ("operation_type", ValidationRule::Empty)
    );
}

#[tokio::test]
async fn unrepresentable_window_is_rejected_before_sending() {
    let e = rejected(|r| r.last(chrono::TimeDelta::MAX)).await;
    assert_eq!(
        (e.parameter, e.rule),
        ("start_time", ValidationRule::Unrepresentable)
    );
}

#[tokio::test]
async fn equal_start_and_end_is_a_valid_one_instant_range() {
    let server = common::empty_server(1).await;
    let t = ts("2026-05-01T00:00:00Z");
    client(&server)
        .list_audit_logs()
        .time_range(t, t)
        .limit(1)
        .send()
        .await
        .expect("valid");
}

#[tokio::test]
async fn no_operation_name_in_the_list_is_rejected_before_sending() {
    let e = rejected(|r| r.operation_name(Vec::<String>::new())).await;
    assert_eq!(
        (e.parameter, e.item, e.rule),
        (
            "operation_name",
            None,
            ValidationRule::TooFew { count: 0, min: 1 }
        )
    );
}

#[tokio::test]
async fn more_than_twenty_operation_names_are_rejected_before_sending() {
    let names: Vec<String> = (0..21).map(|i| format!("op{i}")).collect();
    let e = rejected(|r| r.operation_name(names.clone())).await;
    assert_eq!(
        (e.parameter, e.rule),
        (
            "operation_name",
            ValidationRule::TooMany { count: 21, max: 20 }
        )
    );
}

#[tokio::test]
async fn an_empty_operation_name_is_rejected_naming_its_position() {
    let e = rejected(|r| r.operation_name(["getModels", ""])).await;
    assert_eq!(
        (e.parameter, e.item, e.rule.clone()),
        ("operation_name", Some(1), ValidationRule::Empty)
    );
    assert_eq!(
        e.to_string(),
        "invalid `operation_name` (item 2): must not be empty when given"
    );
}

#[tokio::test]
async fn an_operation_name_over_255_characters_is_rejected_before_sending() {
    let long = "é".repeat(256);
    let e = rejected(|r| r.operation_name(long.as_str())).await;
    assert_eq!(
        (e.parameter, e.item, e.rule),
        (
            "operation_name",
            Some(0),
            ValidationRule::TooLong {
                length: 256,
                max: 255
            }
        )
    );
}

#[tokio::test]
async fn twenty_names_of_255_characters_are_sent() {
    let server = common::empty_server(1).await;
    let names: Vec<String> = (0..20).map(|i| format!("{i:0>255}")).collect();
    client(&server)
        .list_audit_logs()
        .operation_name(names)
        .send()
        .await
        .expect("at the limits, sent");
}
