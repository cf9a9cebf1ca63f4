//! `conform` against servers: Prism, which nobody here wrote (npm
//! `@stoplight/prism-cli`, which `.ci/run` installs with `npm ci --prefix .ci`
//! before it runs the ignored tests; the test starts and stops it), and the
//! fake server `serve-mock` runs.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use arize_audit_logs::mock::{MockConfig, MockServer};
use xtask::{conform, root};

/// Prism, as `.ci/run` installs it (or `PRISM`).
fn prism() -> PathBuf {
    std::env::var_os("PRISM")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".ci/node_modules/.bin/prism"))
}

/// A child process killed when the test is done with it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn wait_for_port(port: u16, what: &str) {
    for _ in 0..240 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("{what} did not listen on port {port} within a minute");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Prism: .ci/run installs it and runs the ignored tests"]
async fn conform_finds_against_prism_exactly_what_a_stateless_mock_must() {
    let prism = prism();
    assert!(
        prism.exists(),
        "Prism is not at {}: run `npm ci --prefix .ci`",
        prism.display()
    );
    let port = free_port();
    let _prism = Running(
        Command::new(&prism)
            .args(["mock", "--host", "127.0.0.1", "--port", &port.to_string()])
            .arg(root().join(xtask::DOCUMENT))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Prism starts"),
    );
    wait_for_port(port, "Prism").await;
    let report = conform::run(
        &format!("http://127.0.0.1:{port}"),
        Some("prism-takes-any-key".into()),
        60,
    )
    .await
    .expect("conform runs");
    let expected =
        std::fs::read_to_string(root().join(".ci/prism-expected.txt")).expect("expectations");
    let differences = report.differences(&expected);
    assert!(
        differences.is_empty(),
        "{differences:#?}\n{}",
        report.human()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn conform_passes_against_the_fake_server_serve_mock_runs() {
    let server = MockServer::start(MockConfig::default())
        .await
        .expect("fake server");
    let report = conform::run(&server.uri(), Some(server.api_key().to_owned()), 60)
        .await
        .expect("conform runs");
    let expected = "\
        pass schema.success_bodies\npass schema.error_bodies\nskipped rate_limit.retry_after_integer\n\
        pass limit.default\npass limit.honoured\npass limit.zero_rejected\npass limit.over_100_rejected\n\
        pass range.start_after_end_rejected\npass auth.no_key\npass auth.wrong_key\n\
        pass range.start_inclusive\npass range.end_inclusive\npass filter.user_id\n\
        pass filter.operation_type\npass filter.operation_name\n\
        pass pagination.same_entries_at_any_page_size\npass order.newest_first\n\
        pass pagination.next_cursor_iff_has_more\n";
    assert_eq!(report.differences(expected), Vec::<String>::new());
    // And an expectation that is wrong, or silent about a check, is caught.
    let wrong = expected.replace("pass limit.honoured", "fail limit.honoured");
    assert_eq!(
        report.differences(&wrong).len(),
        1,
        "{:?}",
        report.differences(&wrong)
    );
    let silent = expected.replace("pass auth.no_key\n", "");
    assert!(report.differences(&silent)[0].contains("auth.no_key: not in the expectations"));
}
