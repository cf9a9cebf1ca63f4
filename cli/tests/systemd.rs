//! `contrib/arize-audit-logs.service`: systemd accepts it, and its command
//! line, run as systemd would run it, exports, stops cleanly on SIGTERM and
//! continues on the next start.

mod common;

use std::{
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

use common::cli::text;

fn unit() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contrib/arize-audit-logs.service");
    std::fs::read_to_string(path).expect("the unit")
}

/// The unit's `ExecStart=` with its continuation lines joined.
fn exec_start(unit: &str) -> String {
    let mut command = String::new();
    let mut lines = unit.lines().skip_while(|l| !l.starts_with("ExecStart="));
    for line in lines.by_ref() {
        let line = line.trim_start_matches("ExecStart=").trim();
        match line.strip_suffix('\\') {
            Some(part) => command.push_str(part),
            None => {
                command.push_str(line);
                break;
            }
        }
    }
    command
}

#[test]
#[ignore = "needs systemd-analyze (Debian's systemd package); .ci/run installs it"]
fn the_unit_passes_systemd_analyze_verify() {
    let dir = common::temp_dir("systemd-verify");
    // verify checks that ExecStart's program exists: point it at this build.
    let unit = unit().replace(
        "/usr/local/bin/arize-audit-logs",
        env!("CARGO_BIN_EXE_arize-audit-logs"),
    );
    let path = dir.join("arize-audit-logs.service");
    std::fs::write(&path, unit).expect("write");
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze runs");
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "{:?}\n{}{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
#[ignore = "needs systemd-analyze (Debian's systemd package); .ci/run installs it"]
fn the_unit_rates_2_0_or_better_in_systemd_analyze_security() {
    let dir = common::temp_dir("systemd-security");
    let path = dir.join("arize-audit-logs.service");
    std::fs::write(&path, unit()).expect("write");
    // --threshold is the exposure times ten: above 2.0 exits non-zero.
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--threshold=20"])
        .arg(&path)
        .output()
        .expect("systemd-analyze runs");
    let report = text(&out.stdout);
    let overall = report
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .unwrap_or_default()
        .to_owned();
    assert!(
        out.status.success(),
        "{overall}\n{report}{}",
        text(&out.stderr)
    );
    let score: f64 = overall
        .split(": ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no score in {overall:?}"));
    assert!(score <= 2.0, "{overall}");
}

#[test]
fn the_units_command_exports_stops_on_sigterm_with_0_and_continues_on_the_next_start() {
    let unit = unit();
    assert!(unit.contains("StateDirectory=arize-audit-logs"));
    assert!(unit.contains("LoadCredential=arize-api-key:"));
    assert!(unit.contains("Restart=on-failure") && unit.contains("KillSignal=SIGTERM"));
    let (_server, base) = common::serve_mock(&["--entries", "300"]);
    let dir = common::temp_dir("systemd-run");
    let (state_dir, credentials) = (dir.join("state"), dir.join("credentials"));
    std::fs::create_dir_all(&state_dir).expect("dir");
    std::fs::create_dir_all(&credentials).expect("dir");
    std::fs::write(credentials.join("arize-api-key"), "mock-admin-key\n").expect("key");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let command = exec_start(&unit)
        .replace(
            "${CREDENTIALS_DIRECTORY}",
            &credentials.display().to_string(),
        )
        .replace("${STATE_DIRECTORY}", &state_dir.display().to_string())
        .replace("127.0.0.1:9464", &format!("127.0.0.1:{port}"));
    let words: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(words[0], "/usr/local/bin/arize-audit-logs");
    assert!(
        !command.contains("mock-admin-key"),
        "no key on the command line"
    );
    let archive = state_dir.join("audit.jsonl");
    let lines = || std::fs::read(&archive).map_or(0, |b| b.iter().filter(|c| **c == b'\n').count());

    for round in 0..2 {
        let child = common::std_command(&words[1..], None)
            .env("ARIZE_BASE_URL", &base)
            .env("ARIZE_REGION", "global")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts");
        let up = (0..200).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() && lines() > 0
        });
        assert!(
            up,
            "round {round}: the metrics endpoint never came up, or nothing was written"
        );
        std::thread::sleep(Duration::from_millis(500));
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill");
        let out = child.wait_with_output().expect("exits");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        for line in stderr.lines().filter(|l| l.starts_with('{')) {
            serde_json::from_str::<serde_json::Value>(line).expect("JSON logs");
        }
        assert!(
            state_dir.join("state.json").exists(),
            "state kept for the next start"
        );
    }
    let ids = common::cli::line_ids(&archive);
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(
        unique.len(),
        ids.len(),
        "the second start wrote nothing twice"
    );
}
