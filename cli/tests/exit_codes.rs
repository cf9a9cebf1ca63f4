//! Each exit code is the one the table in `--help` (and docs/operating.md) gives.

mod common;

use common::std_command;

fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = std_command(args, Some("an-unused-key"))
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn verify_of_a_path_that_does_not_exist_is_a_usage_error() {
    let dir = common::temp_dir("verify-missing");
    let path = dir.join("nowhere.jsonl");
    let (code, stderr) = run(&["verify", path.to_str().expect("utf8")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("there is no archive at"), "{stderr}");
}

#[test]
fn verify_of_an_archive_without_digests_says_no_digests_found() {
    let dir = common::temp_dir("verify-no-digests");
    let path = dir.join("out.jsonl");
    std::fs::write(
        &path,
        "{\"id\":\"a\",\"user_id\":\"u\",\"ip\":\"::1\",\"operation_type\":\"QUERY\",\"created_at\":\"2026-05-18T12:00:00Z\"}\n",
    )
    .expect("write");
    let (code, stderr) = run(&["verify", path.to_str().expect("utf8")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("no digests found"), "{stderr}");
    assert!(!stderr.contains("unexpected"), "no findings: {stderr}");
}

#[test]
fn verify_head_must_be_a_whole_sha256() {
    let dir = common::temp_dir("verify-head");
    let path = dir.join("out.jsonl");
    for head in [
        "abc123",
        &"g".repeat(64),
        &"a".repeat(63),
        &"a".repeat(65),
        "",
    ] {
        let (code, stderr) = run(&["verify", path.to_str().expect("utf8"), "--head", head]);
        assert_eq!(code, Some(2), "--head {head:?}: {stderr}");
        assert!(stderr.contains("64 hexadecimal digits"), "{stderr}");
    }
}

#[test]
fn an_empty_region_is_a_usage_error() {
    for command in [&["list"][..], &["export"][..], &["config", "show"][..]] {
        let mut args = command.to_vec();
        args.extend(["--region", ""]);
        let (code, stderr) = run(&args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("give a region name"), "{stderr}");
    }
}

#[test]
fn serve_mock_fault_rates_are_probabilities() {
    for flag in [
        "--rate-limit",
        "--server-error",
        "--drop-connection",
        "--truncate-body",
        "--unknown-operation-types",
    ] {
        for bad in ["1.5", "-0.1", "NaN", "lots"] {
            let arg = format!("{flag}={bad}");
            let (code, stderr) = run(&["serve-mock", "--listen", "127.0.0.1:9", &arg]);
            assert_eq!(code, Some(2), "{flag} {bad}: {stderr}");
            assert!(stderr.contains("from 0"), "{stderr}");
        }
    }
}

#[test]
fn the_help_table_has_every_exit_code_the_operating_guide_lists() {
    let out = std_command(&["--help"], None).output().expect("runs");
    let help = String::from_utf8_lossy(&out.stdout);
    let guide = include_str!("../../docs/operating.md");
    for code in ["0", "1", "2", "3", "4", "5", "130", "143"] {
        assert!(
            help.lines()
                .any(|l| l.trim_start().starts_with(&format!("{code} "))),
            "exit {code} in --help:\n{help}"
        );
        assert!(
            guide.contains(&format!("`{code}`")),
            "exit {code} in docs/operating.md"
        );
    }
}
