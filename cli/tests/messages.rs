//! What the tool says when something goes wrong names its own flags, never
//! a library call, and never shows the API key, whatever a server echoes.

mod common;

use common::{
    answering,
    cli::{run, text},
    fixture,
};
use wiremock::ResponseTemplate;

const KEY: &str = "ak-live-5f4e3d2c1b0a-do-not-print";

fn assert_names_flags_only(stderr: &str) {
    for library in [
        "ClientBuilder",
        "::",
        "max_response_bytes(",
        "allow_insecure_http",
    ] {
        assert!(
            !stderr.contains(library),
            "names a library call ({library}): {stderr}"
        );
    }
}

#[tokio::test]
async fn a_body_over_the_limit_points_to_the_flag_that_raises_it() {
    let server = answering(
        ResponseTemplate::new(200)
            .set_body_raw(fixture("list_audit_logs_200.json"), "application/json"),
    )
    .await;
    let out = run(
        &[
            "list",
            "--base-url",
            &server.uri(),
            "--max-response-bytes",
            "100",
            "--max-attempts",
            "1",
        ],
        Some(KEY),
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("100-byte maximum") && stderr.contains("--max-response-bytes"),
        "{stderr}"
    );
    assert_names_flags_only(&stderr);

    let out = run(
        &[
            "list",
            "--base-url",
            &server.uri(),
            "--max-response-bytes",
            "1000000",
        ],
        Some(KEY),
    )
    .await;
    assert!(
        out.status.success(),
        "raised, it passes: {}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn a_redirect_elsewhere_is_refused_naming_the_location_and_base_url() {
    let elsewhere = answering(
        ResponseTemplate::new(200)
            .set_body_raw(fixture("list_audit_logs_200.json"), "application/json"),
    )
    .await;
    let location = elsewhere.uri().replace("127.0.0.1", "localhost") + "/v2/audit-logs";
    let server =
        answering(ResponseTemplate::new(302).insert_header("Location", location.as_str())).await;
    let out = run(&["list", "--base-url", &server.uri()], Some(KEY)).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains(&location) && stderr.contains("--base-url"),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing from the other host is shown"
    );
    assert!(elsewhere
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty());
    assert_names_flags_only(&stderr);
}

#[tokio::test]
async fn plain_http_and_zero_values_are_refused_naming_the_flag() {
    for (args, says) in [
        (
            vec!["list", "--base-url", "http://arize.example.com"],
            "(--base-url)",
        ),
        (vec!["list", "--base-url", "ftp://x"], "(--base-url)"),
        (vec!["list", "--timeout", "0s"], "--timeout"),
        (
            vec!["list", "--max-response-bytes", "0"],
            "--max-response-bytes",
        ),
        (vec!["export", "--page-size", "101"], "--page-size"),
    ] {
        let out = run(&args, Some(KEY)).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert_names_flags_only(&stderr);
    }
}

#[tokio::test]
async fn a_key_a_server_echoes_is_never_printed() {
    let echoes = [
        ResponseTemplate::new(401).set_body_raw(
            format!(r#"{{"title":"Unauthorized","status":401,"detail":"bad token Bearer {KEY}"}}"#),
            "application/problem+json",
        ),
        ResponseTemplate::new(502).set_body_raw(
            format!("<html><pre>Authorization: Bearer {KEY}</pre></html>"),
            "text/html",
        ),
        ResponseTemplate::new(400).set_body_raw(
            format!(
                r#"{{"title":"Bad","status":400,"detail":"echo {}"}}"#,
                KEY.to_ascii_uppercase()
            ),
            "application/problem+json",
        ),
    ];
    for echo in echoes {
        let server = answering(echo).await;
        for command in ["list", "export"] {
            let out = run(
                &[
                    command,
                    "--base-url",
                    &server.uri(),
                    "--max-attempts",
                    "1",
                    "-vvv",
                ],
                Some(KEY),
            )
            .await;
            assert!(!out.status.success());
            let all = format!("{}{}", text(&out.stdout), text(&out.stderr)).to_ascii_lowercase();
            assert!(!all.contains(&KEY.to_ascii_lowercase()), "{command}: {all}");
            assert!(all.contains("[redacted]"), "{command}: {all}");
        }
    }
}
