//! The Arize SDK's TLS and proxy variables, in the SDK's meaning:
//! `ARIZE_SSL_CA_CERT` (then `REQUESTS_CA_BUNDLE`, `SSL_CERT_FILE`) trusts an
//! on-premises CA, `ARIZE_REQUEST_VERIFY=false` turns verification off with
//! a warning, `ARIZE_PROXY_URL` (then `HTTPS_PROXY`, `HTTP_PROXY`) carries
//! every request, `NO_PROXY` exempts hosts.

mod common;

use std::{path::PathBuf, sync::Arc};

use common::cli::{export_args, line_ids, server, text};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{
    rustls::{
        pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer},
        ServerConfig,
    },
    TlsAcceptor,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

/// The tool with `args`, the fake server's key, and only `env` of the
/// transport variables (the common command clears them all).
async fn run(args: &[String], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = common::cli::command(args, Some("mock-admin-key"));
    for (name, value) in env {
        cmd.env(name, value);
    }
    cmd.output().await.expect("the binary runs")
}

/// An https front for `backend` on loopback, with a certificate for
/// 127.0.0.1 signed by the test CA (`tests/fixtures/tls/ca.pem`): each
/// connection's TLS is ended here and its bytes passed on.
async fn tls_front(backend: std::net::SocketAddr) -> String {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(fixture("server.pem"))
        .expect("cert file")
        .collect::<Result<_, _>>()
        .expect("certs");
    let key = PrivateKeyDer::from_pem_file(fixture("server.key")).expect("key");
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("tls config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake.
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                if let Ok(mut plain) = TcpStream::connect(backend).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                }
            });
        }
    });
    format!("https://127.0.0.1:{}", addr.port())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_on_premises_ca_named_by_any_of_the_sdk_variables_is_trusted() {
    let fake = server(120, 3).await;
    let base = tls_front(fake.addr()).await;
    let dir = common::temp_dir("transport-ca");
    let ca = fixture("ca.pem");
    let ca = ca.to_str().expect("utf8");
    for name in ["ARIZE_SSL_CA_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"] {
        let output = dir.join(format!("{name}.jsonl"));
        let out = run(&export_args(&base, &output, &[]), &[(name, ca)]).await;
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        assert_eq!(
            line_ids(&output).len(),
            common::cli::in_window(&fake).len(),
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_ca_is_refused_unless_request_verify_is_false_which_warns() {
    let fake = server(60, 4).await;
    let base = tls_front(fake.addr()).await;
    let dir = common::temp_dir("transport-verify");

    let refused = dir.join("refused.jsonl");
    let out = run(&export_args(&base, &refused, &["--max-attempts", "1"]), &[]).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).to_lowercase().contains("certificate"),
        "{}",
        text(&out.stderr)
    );

    let unverified = dir.join("unverified.jsonl");
    let out = run(
        &export_args(&base, &unverified, &[]),
        &[("ARIZE_REQUEST_VERIFY", "false")],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("ARIZE_REQUEST_VERIFY is false"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        line_ids(&unverified).len(),
        common::cli::in_window(&fake).len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_bundle_that_cannot_be_read_is_a_usage_error_naming_the_variable() {
    let dir = common::temp_dir("transport-bad-ca");
    let out = run(
        &export_args("https://127.0.0.1:9", &dir.join("x.jsonl"), &[]),
        &[("ARIZE_SSL_CA_CERT", "/nonexistent/ca.pem")],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("ARIZE_SSL_CA_CERT"),
        "{}",
        text(&out.stderr)
    );
}

/// A proxy stand-in: answers every request with one empty last page.
async fn proxy() -> wiremock::MockServer {
    common::empty_server(1).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_goes_through_the_proxy_the_sdk_variables_name() {
    // Nothing listens on the API's address: only the proxy can answer.
    let dir = common::temp_dir("transport-proxy");
    for name in ["ARIZE_PROXY_URL", "HTTPS_PROXY", "HTTP_PROXY"] {
        let proxy = proxy().await;
        let out = run(
            &export_args(
                "http://127.0.0.1:9",
                &dir.join(format!("{name}.jsonl")),
                &[],
            ),
            &[(name, &proxy.uri())],
        )
        .await;
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        // `empty_server(1)` checks, when dropped, that it got the request.
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_arize_proxy_beats_the_standard_one_and_no_proxy_exempts_a_host() {
    let dir = common::temp_dir("transport-no-proxy");
    let ours = proxy().await;
    let unused = common::empty_server(0).await;
    let out = run(
        &export_args("http://127.0.0.1:9", &dir.join("a.jsonl"), &[]),
        &[
            ("ARIZE_PROXY_URL", &ours.uri()),
            ("HTTPS_PROXY", &unused.uri()),
        ],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    let bypassed = common::empty_server(0).await;
    let out = run(
        &export_args(
            "http://127.0.0.1:9",
            &dir.join("b.jsonl"),
            &["--max-attempts", "1"],
        ),
        &[
            ("ARIZE_PROXY_URL", &bypassed.uri()),
            ("NO_PROXY", "127.0.0.1"),
        ],
    )
    .await;
    // Straight to the API's address, where nothing listens.
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
}
