//! schemathesis (PyPI, pinned in `.ci/run`, which installs it into
//! `target/schemathesis-venv` and runs the ignored tests) against
//! `arize-audit-logs serve-mock`, with the checked-in document and every
//! check: zero failures. `.ci/schemathesis.toml` holds its one adjustment,
//! with the reason. The test starts and stops both.

mod common;

use std::{
    path::{Path, PathBuf},
    process::Command,
};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
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
    let (_server, base) = common::serve_mock(&[]);

    let workdir = root().join("target/schemathesis-run");
    std::fs::create_dir_all(&workdir).expect("dir");
    let out = Command::new(schemathesis)
        .current_dir(&workdir)
        .arg("--config-file")
        .arg(root().join(".ci/schemathesis.toml"))
        .arg("run")
        .arg(root().join("openapi/arize-audit-logs.yaml"))
        .args(["--url", &base])
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
