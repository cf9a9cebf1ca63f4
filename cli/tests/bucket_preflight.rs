//! What an export into a bucket finds out before its first request to
//! Arize: missing credentials (exit 3) and a store that refuses the write
//! (exit 2), each said in one line without the store's XML or the
//! instance-metadata address. (A missing bucket, against moto: `bucket.rs`.)

mod common;

use common::cli::{server, text, END, START};
use wiremock::{matchers::any, Mock, MockServer, ResponseTemplate};

/// `export` of [`START`, `END`] from `uri` into `url`.
fn args<'a>(uri: &'a str, url: &'a str) -> Vec<&'a str> {
    vec![
        "export",
        "--base-url",
        uri,
        "--start",
        START,
        "--end",
        END,
        "--output",
        url,
    ]
}

/// Checks a refusal's stderr: one line, no XML, no instance-metadata
/// address.
fn one_clean_line(stderr: &str) {
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(!stderr.contains('<'), "no XML: {stderr}");
    assert!(!stderr.contains("169.254.169.254"), "{stderr}");
}

#[tokio::test]
async fn an_export_into_a_bucket_without_credentials_exits_3_before_any_request_to_arize() {
    let arize = server(50, 51).await;
    let uri = arize.uri();
    let mut cmd = common::cli::command(&args(&uri, "s3://archive/audit/"), Some(arize.api_key()));
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ] {
        cmd.env_remove(name);
    }
    cmd.env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    let out = cmd.output().await.expect("runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    one_clean_line(&stderr);
    assert!(stderr.contains("no AWS credentials"), "{stderr}");
    assert_eq!(arize.requests(), 0, "Arize was never asked");
}

#[tokio::test]
async fn a_store_that_refuses_the_write_stops_the_export_with_exit_2_before_any_request_to_arize() {
    let arize = server(50, 52).await;
    let store = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(403).set_body_string(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>\
             <Message>Access Denied</Message></Error>",
        ))
        .mount(&store)
        .await;
    let uri = arize.uri();
    let mut cmd = common::cli::command(&args(&uri, "s3://archive/audit/"), Some(arize.api_key()));
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .env("AWS_ENDPOINT_URL", store.uri());
    let out = cmd.output().await.expect("runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    one_clean_line(&stderr);
    assert!(stderr.contains("refused the write"), "{stderr}");
    assert_eq!(arize.requests(), 0, "Arize was never asked");
    assert!(
        !store
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty(),
        "the store was asked"
    );
}
