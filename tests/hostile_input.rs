//! Whatever a server (or something pretending to be one) sends: a typed error,
//! bounded memory, no panic.

mod common;

use std::{
    io::{Read, Write},
    net::TcpListener,
    time::{Duration, Instant},
};

use arize_audit_logs::{Client, Error, RetryPolicy, TransportErrorKind};
use common::{client, respond};
use wiremock::MockServer;

async fn served(
    status: u16,
    content_type: &str,
    body: Vec<u8>,
) -> Result<arize_audit_logs::Page, Error> {
    let server = MockServer::start().await;
    respond(status, content_type, body).mount(&server).await;
    client(&server).list_audit_logs().send().await
}

/// A raw HTTP/1.1 server on loopback: for each connection, `answer` writes
/// whatever it likes. Stops after `connections` connections.
fn raw_server(
    connections: usize,
    answer: impl Fn(usize, &mut std::net::TcpStream) + Send + Sync + 'static,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let answer = std::sync::Arc::new(answer);
    std::thread::spawn(move || {
        for n in 0..connections {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            let answer = answer.clone();
            // A thread per connection: a stalled one does not hold up the next.
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                let _ = stream.read(&mut buf);
                answer(n, &mut stream);
            });
        }
    });
    format!("http://{addr}")
}

fn raw_client(base_url: String, retry: RetryPolicy, timeout: Duration) -> Client {
    common::builder(&base_url)
        .retry_policy(retry)
        .timeout(timeout)
        .build()
        .expect("client")
}

#[tokio::test]
async fn declared_50_mb_body_is_refused_before_it_is_read() {
    let error = served(200, "application/json", vec![b' '; 50 * 1024 * 1024])
        .await
        .expect_err("too large");
    assert!(
        matches!(error, Error::ResponseTooLarge { limit, .. } if limit == arize_audit_logs::DEFAULT_MAX_RESPONSE_BYTES),
        "{error:?}"
    );
}

#[tokio::test]
async fn endless_chunked_body_stops_at_the_limit() {
    let url = raw_server(1, |_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
        let chunk = vec![b'['; 64 * 1024];
        let framed = [
            format!("{:x}\r\n", chunk.len()).into_bytes(),
            chunk,
            b"\r\n".to_vec(),
        ]
        .concat();
        // Up to 1 GiB, or until the client hangs up.
        for _ in 0..16_384 {
            if stream.write_all(&framed).is_err() {
                return;
            }
        }
    });
    let client = common::builder(&url)
        .retry_policy(RetryPolicy::none())
        .max_response_bytes(4 * 1024 * 1024)
        .build()
        .expect("client");
    let error = client
        .list_audit_logs()
        .send()
        .await
        .expect_err("too large");
    assert!(
        matches!(
            error,
            Error::ResponseTooLarge {
                limit: 4_194_304,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn deeply_nested_json_never_overflows_the_stack() {
    let depth = 100_000;
    let nest = |prefix: &[u8], suffix: &[u8]| {
        [
            prefix.to_vec(),
            vec![b'['; depth],
            vec![b']'; depth],
            suffix.to_vec(),
        ]
        .concat()
    };
    // Inside an unknown member: skipped without recursion, the page is valid.
    let ignored = nest(
        br#"{"logs":[],"pagination":{"has_more":false},"extra":"#,
        b"}",
    );
    let page = served(200, "application/json", ignored)
        .await
        .expect("unknown members are ignored");
    assert!(page.logs.is_empty());
    // Where an entry is expected: refused at the first level.
    let typed = nest(br#"{"pagination":{"has_more":false},"logs":"#, b"}");
    let error = served(200, "application/json", typed)
        .await
        .expect_err("rejected");
    let Error::InvalidResponse(decode) = &error else {
        panic!("{error:?}")
    };
    assert!(
        decode.reason.contains("invalid type: sequence"),
        "{}",
        decode.reason
    );
}

#[tokio::test]
async fn invalid_utf8_in_a_page_is_a_decode_error() {
    let mut body = br#"{"logs":[{"id":"a","user_id":"u","ip":"1","operation_type":"QUERY","created_at":"2026-05-18T12:00:00Z","operation_name":"x"#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe]);
    body.extend_from_slice(br#""}],"pagination":{"has_more":false}}"#);
    let error = served(200, "application/json", body)
        .await
        .expect_err("rejected");
    assert!(matches!(error, Error::InvalidResponse(_)), "{error:?}");
}

#[tokio::test]
async fn invalid_utf8_in_an_error_body_is_kept_lossily() {
    let error = served(502, "text/html", vec![b'<', 0xff, b'>'])
        .await
        .expect_err("502");
    assert_eq!(
        error.api_error().and_then(|e| e.body.as_deref()),
        Some("<\u{fffd}>")
    );
}

#[tokio::test]
async fn a_valid_page_with_a_wrong_or_missing_content_type_still_parses() {
    let page = br#"{"logs":[],"pagination":{"has_more":false}}"#.to_vec();
    for content_type in ["text/plain", "application/octet-stream", ""] {
        let result = served(200, content_type, page.clone()).await;
        assert!(result.is_ok(), "{content_type:?}: {result:?}");
    }
}

#[tokio::test]
async fn problem_with_wrong_member_types_keeps_the_raw_body() {
    let body = br#"{"status":"four hundred","title":["x"]}"#.to_vec();
    let error = served(400, "application/problem+json", body.clone())
        .await
        .expect_err("400");
    assert!(error.problem().is_none());
    assert_eq!(
        error
            .api_error()
            .and_then(|e| e.body.clone())
            .map(String::into_bytes),
        Some(body)
    );
}

#[tokio::test]
async fn control_characters_from_the_server_never_reach_the_message_raw() {
    let body = br#"{"status":403,"title":"Denied\u001b[2J","detail":"bad\r\nline"}"#.to_vec();
    let error = served(403, "application/problem+json", body)
        .await
        .expect_err("403");
    let text = error.to_string();
    assert!(
        !text.contains('\u{1b}') && !text.contains('\r') && !text.contains('\n'),
        "{text:?}"
    );
}

#[tokio::test]
async fn a_body_that_stalls_times_out_and_is_retried() {
    let page = br#"{"logs":[],"pagination":{"has_more":false}}"#;
    let url = raw_server(2, move |n, stream| {
        if n == 0 {
            // Headers and half the body, then silence.
            let _ = stream.write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", page.len()).as_bytes());
            let _ = stream.write_all(&page[..10]);
            std::thread::sleep(Duration::from_secs(3));
        } else {
            let _ = stream.write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", page.len()).as_bytes());
            let _ = stream.write_all(page);
        }
    });
    let retry = RetryPolicy::default().initial_backoff(Duration::from_millis(10));
    let started = Instant::now();
    let page = raw_client(url, retry, Duration::from_millis(400))
        .list_audit_logs()
        .send()
        .await;
    assert!(page.is_ok(), "{page:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the stall was cut short by the timeout"
    );
}

#[tokio::test]
async fn a_stalled_body_without_retries_is_a_timeout_error() {
    let url = raw_server(1, |_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"logs\":[");
        std::thread::sleep(Duration::from_secs(3));
    });
    let error = raw_client(url, RetryPolicy::none(), Duration::from_millis(300))
        .list_audit_logs()
        .send()
        .await
        .expect_err("stalls");
    assert!(
        matches!(&error, Error::Transport(t) if t.kind == TransportErrorKind::Timeout),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_connection_closed_mid_body_is_retried() {
    let page = br#"{"logs":[],"pagination":{"has_more":false}}"#;
    let url = raw_server(2, move |n, stream| {
        let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", page.len());
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(if n == 0 { &page[..12] } else { page });
    });
    let retry = RetryPolicy::default().initial_backoff(Duration::from_millis(10));
    let result = raw_client(url, retry, Duration::from_secs(5))
        .list_audit_logs()
        .send()
        .await;
    assert!(result.is_ok(), "{result:?}");
}
