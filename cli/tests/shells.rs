//! Shell completions and manual pages, checked by the programs that read
//! them: each shell parses its script without running it, and groff renders
//! the pages without a warning. zsh, fish and groff are not on every
//! machine: `.ci/run` installs them and runs the tests marked ignored.

mod common;

use std::process::Stdio;

use common::cli::{run, text};

/// Runs `program args` with `input` on stdin; its stdout, or a panic with stderr.
fn feed(program: &str, args: &[&str], input: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} must be installed (.ci/run installs it): {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("writes");
    let out = child.wait_with_output().expect("waits");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{program} {args:?} rejected it: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

async fn script(shell: &str) -> Vec<u8> {
    let out = run(&["completions", shell], None).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!out.stdout.is_empty());
    out.stdout
}

#[tokio::test]
async fn bash_parses_its_completion_script() {
    let bash = script("bash").await;
    feed("bash", &["-n"], &bash);
    assert!(
        text(&bash).contains("complete -F _arize__audit__logs"),
        "registers the function"
    );
    for flag in ["--page-size", "--operation-name", "--profile", "--format"] {
        assert!(text(&bash).contains(flag), "bash completes {flag}");
    }
    let powershell = text(&script("powershell").await);
    assert!(
        powershell.contains("Register-ArgumentCompleter"),
        "{powershell}"
    );
}

#[tokio::test]
#[ignore = "needs zsh and fish: .ci/run installs them and runs the ignored tests"]
async fn zsh_and_fish_parse_their_completion_scripts() {
    feed("zsh", &["-n"], &script("zsh").await);
    feed("fish", &["--no-execute"], &script("fish").await);
}

#[tokio::test]
async fn bash_completes_commands_and_flags() {
    let bash = text(&script("bash").await);
    // Load the script and ask it, as bash would on <Tab>.
    let probe = format!(
        "{bash}\nCOMP_WORDS=(arize-audit-logs ex); COMP_CWORD=1; _arize__audit__logs arize-audit-logs ex arize-audit-logs; echo \"${{COMPREPLY[@]}}\"\n\
         COMP_WORDS=(arize-audit-logs export --page); COMP_CWORD=2; _arize__audit__logs arize-audit-logs --page export; echo \"${{COMPREPLY[@]}}\"\n"
    );
    let answers = feed("bash", &[], probe.as_bytes());
    let lines: Vec<&str> = answers.lines().collect();
    assert_eq!(lines.first().copied(), Some("export"), "{answers}");
    assert_eq!(lines.get(1).copied(), Some("--page-size"), "{answers}");
}

#[tokio::test]
#[ignore = "needs groff: .ci/run installs it and runs the ignored tests"]
async fn the_manual_pages_render_without_warnings() {
    let out = run(&["man"], None).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = feed("groff", &["-man", "-Tutf8", "-ww", "-P-cbou"], &out.stdout);
    for part in [
        "NAME",
        "SYNOPSIS",
        "arize-audit-logs",
        "export",
        "completions",
        "Exit codes",
    ] {
        assert!(page.contains(part), "the page shows {part}:\n{page}");
    }

    let out = run(&["man", "export"], None).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = feed("groff", &["-man", "-Tutf8", "-ww", "-P-cbou"], &out.stdout);
    for part in [
        "arize-audit-logs-export",
        "--page-size",
        "--resume",
        "--profile",
    ] {
        assert!(page.contains(part), "the export page shows {part}:\n{page}");
    }
}

#[tokio::test]
async fn man_for_a_command_that_does_not_exist_lists_the_commands() {
    let out = run(&["man", "export"], None).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(".TH arize-audit-logs-export 1"),
        "its own page"
    );
    let out = run(&["man", "nonsense"], None).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("the commands are list, export"),
        "{}",
        text(&out.stderr)
    );
}
