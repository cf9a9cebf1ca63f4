//! schemathesis (PyPI, pinned in `.ci/run`, which installs it into
//! `target/schemathesis-venv` and runs the ignored tests) against
//! `arize-audit-logs serve-mock`, with the checked-in document and every
//! check: zero failures. `.ci/schemathesis.toml` holds its one adjustment,
//! with the reason. The test starts and stops both.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// A child process killed when the test is done with it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[ignore = "needs schemathesis: .ci/run installs it and runs the ignored tests"]
fn schemathesis_finds_no_failure_in_serve_mock() {
    let schemathesis = std::env::var_os("SCHEMATHESIS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/schemathesis-venv/bin/schemathesis"));
    assert!(
        schemathesis.exists(),
        "schemathesis is not at {}: .ci/run installs it",
        schemathesis.display()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let _server = Running(
        Command::new(env!("CARGO_BIN_EXE_arize-audit-logs"))
            .args(["serve-mock", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve-mock starts"),
    );
    let up = (0..200).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    assert!(up, "serve-mock did not listen on {port}");

    let workdir = root().join("target/schemathesis-run");
    std::fs::create_dir_all(&workdir).expect("dir");
    let out = Command::new(schemathesis)
        .current_dir(&workdir)
        .arg("--config-file")
        .arg(root().join(".ci/schemathesis.toml"))
        .arg("run")
        .arg(root().join("openapi/arize-audit-logs.yaml"))
        .args(["--url", &format!("http://127.0.0.1:{port}")])
        .args([
            "--checks",
            "all",
            "--seed",
            "42",
            "--max-examples",
            "200",
            "--workers",
            "1",
        ])
        // serve-mock's admin key.
        .args(["-H", "Authorization: Bearer mock-admin-key"])
        .output()
        .expect("schemathesis runs");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("No issues found"), "{report}");
}
