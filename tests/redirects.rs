//! The Authorization header never follows a redirect to another host.

mod common;

use common::{client, fixture, TEST_KEY};
use wiremock::{matchers, Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn authorization_is_not_sent_to_another_host_on_redirect() {
    let elsewhere = MockServer::start().await;
    Mock::given(matchers::path("/v2/audit-logs"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("list_audit_logs_200.json"), "application/json"),
        )
        .expect(1)
        .mount(&elsewhere)
        .await;
    // The same machine under another host name: a different origin.
    let target = elsewhere.uri().replace("127.0.0.1", "localhost") + "/v2/audit-logs";

    let origin = MockServer::start().await;
    Mock::given(matchers::path("/v2/audit-logs"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", target.as_str()))
        .expect(1)
        .mount(&origin)
        .await;

    client(&origin)
        .list_audit_logs()
        .send()
        .await
        .expect("followed");

    let at_origin = &origin.received_requests().await.expect("recorded")[0];
    assert_eq!(
        at_origin.headers["authorization"],
        format!("Bearer {TEST_KEY}").as_str()
    );
    let at_target = &elsewhere.received_requests().await.expect("recorded")[0];
    assert!(
        at_target.headers.get("authorization").is_none(),
        "the key leaked to another host"
    );
}
