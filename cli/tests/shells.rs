//! Shell completions and manual pages, checked by the programs that read
//! them: each shell parses its script without running it, and groff renders
//! the pages without a warning. zsh, fish and groff are not on every
//! machine: `.ci/run` installs them and runs the tests marked ignored.

mod common;

use std::process::Stdio;

use common::cli::{run, text};

/// Runs `program args` with `input` on stdin; its stdout, or a panic with stderr.
fn feed(program: &str, args: &[&str], input: &[u8]) -> String {
    feed_in(&[], program, args, input)
}

/// [`feed`] with `env` set.
fn feed_in(env: &[(&str, &std::ffi::OsStr)], program: &str, args: &[&str], input: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new(program)
        .envs(env.iter().copied())
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

#[tokio::test]
async fn completions_install_creates_the_directory_bash_and_fish_read_and_writes_the_script() {
    let home = common::temp_dir("completions-home");
    for (shell, variable, path) in [
        (
            "bash",
            "XDG_DATA_HOME",
            ".local/share/bash-completion/completions/arize-audit-logs",
        ),
        (
            "fish",
            "XDG_CONFIG_HOME",
            ".config/fish/completions/arize-audit-logs.fish",
        ),
    ] {
        let out = common::cli::command(&["completions", shell, "--install"], None)
            .env("HOME", &*home)
            .env_remove(variable)
            .output()
            .await
            .expect("runs");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let expected = home.join(path);
        assert_eq!(text(&out.stdout).trim(), expected.display().to_string());
        let written = std::fs::read(&expected).expect("the script is where the shell looks");
        assert_eq!(
            written,
            script(shell).await,
            "{shell}: the same script as on stdout"
        );
    }

    // XDG_DATA_HOME, when set, is where bash-completion looks.
    let data = home.join("data");
    let out = common::cli::command(&["completions", "bash", "--install"], None)
        .env("HOME", &*home)
        .env("XDG_DATA_HOME", &data)
        .output()
        .await
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(data
        .join("bash-completion/completions/arize-audit-logs")
        .is_file());
}

#[tokio::test]
async fn completions_install_for_a_shell_with_no_user_directory_is_a_usage_error() {
    let home = common::temp_dir("completions-zsh");
    let out = common::cli::command(&["completions", "zsh", "--install"], None)
        .env("HOME", &*home)
        .output()
        .await
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("fpath"), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_dir(&*home).expect("dir").count(),
        0,
        "nothing written"
    );
}

#[tokio::test]
async fn man_dir_writes_every_page_the_tools_page_refers_to() {
    let dir = common::temp_dir("man-dir");
    let man1 = dir.join("share/man/man1");
    let out = run(&["man".as_ref(), "--dir".as_ref(), man1.as_os_str()], None).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let top = std::fs::read_to_string(man1.join("arize-audit-logs.1")).expect("the tool's page");
    let listed = text(&out.stdout);
    // Every `arize-audit-logs-COMMAND(1)` the top page names (roff escapes
    // each dash) is a page in the directory.
    let referred: Vec<String> = top
        .lines()
        .filter_map(|l| l.strip_suffix("(1)"))
        .filter_map(|l| l.strip_prefix("arize\\-audit\\-logs\\-"))
        .map(|command| command.replace("\\-", "-"))
        .collect();
    for command in ["list", "export", "verify", "keygen", "serve-mock"] {
        assert!(
            referred.iter().any(|c| c == command),
            "{command} in {referred:?}"
        );
    }
    for command in &referred {
        let page = man1.join(format!("arize-audit-logs-{command}.1"));
        let roff = std::fs::read_to_string(&page)
            .unwrap_or_else(|e| panic!("{} is written: {e}", page.display()));
        assert!(
            roff.contains(&format!(".TH arize-audit-logs-{command} 1")),
            "{roff}"
        );
        assert!(listed.contains(&page.display().to_string()), "{listed}");
    }
    let referred = referred.len();
    let pages = std::fs::read_dir(&man1).expect("dir").count();
    assert!(
        pages > referred,
        "the tool's page and one per command: {pages}"
    );
}

/// A home with the `ax` profile `ax-dev` (~/.arize/profiles/ax-dev.toml) and
/// a config file with the profiles `prod` and `staging`; the variables that
/// point the tool at them, with the binary's directory first on PATH.
fn profiles_env(home: &std::path::Path) -> Vec<(&'static str, std::ffi::OsString)> {
    let ax = home.join(".arize/profiles");
    std::fs::create_dir_all(&ax).expect("dir");
    std::fs::write(ax.join("ax-dev.toml"), "[auth]\n").expect("ax profile");
    let config = home.join("config.toml");
    std::fs::write(
        &config,
        "[profiles.prod]\nregion = \"eu-west-1a\"\n[profiles.staging]\nregion = \"global\"\n",
    )
    .expect("config");
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_arize-audit-logs"));
    let mut path = std::ffi::OsString::from(bin.parent().expect("dir"));
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    vec![
        ("HOME", home.as_os_str().to_owned()),
        ("ARIZE_CONFIG_FILE", config.into_os_string()),
        ("PATH", path),
    ]
}

fn env_refs<'a>(
    env: &'a [(&'static str, std::ffi::OsString)],
) -> Vec<(&'static str, &'a std::ffi::OsStr)> {
    env.iter().map(|(k, v)| (*k, v.as_os_str())).collect()
}

#[tokio::test]
async fn config_profiles_lists_the_config_files_and_axs_profile_names() {
    let home = common::temp_dir("profiles-list");
    let env = profiles_env(&home);
    let mut cmd = common::cli::command(&["config", "profiles"], None);
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    let out = cmd.output().await.expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "ax-dev\nprod\nstaging\n");
}

#[tokio::test]
async fn bash_completes_profile_names_and_region_names() {
    let home = common::temp_dir("profiles-bash");
    let env = profiles_env(&home);
    let bash = text(&script("bash").await);
    let bin = env!("CARGO_BIN_EXE_arize-audit-logs");
    let probe = format!(
        "{bash}\nCOMP_WORDS=({bin} export --profile ''); COMP_CWORD=3; _arize__audit__logs {bin} '' --profile; echo \"${{COMPREPLY[@]}}\"\n\
         COMP_WORDS=({bin} list --profile s); COMP_CWORD=3; _arize__audit__logs {bin} s --profile; echo \"${{COMPREPLY[@]}}\"\n\
         COMP_WORDS=({bin} export --region eu); COMP_CWORD=3; _arize__audit__logs {bin} eu --region; echo \"${{COMPREPLY[@]}}\"\n"
    );
    let answers = feed_in(&env_refs(&env), "bash", &[], probe.as_bytes());
    let lines: Vec<&str> = answers.lines().collect();
    assert_eq!(
        lines,
        ["ax-dev prod staging", "staging", "eu-west-1a"],
        "{answers}"
    );
}

#[tokio::test]
#[ignore = "needs fish: .ci/run installs it and runs the ignored tests"]
async fn fish_completes_profile_names_and_region_names() {
    let home = common::temp_dir("profiles-fish");
    let env = profiles_env(&home);
    let script_path = home.join("arize-audit-logs.fish");
    std::fs::write(&script_path, script("fish").await).expect("script");
    let probe = format!(
        "source {}\n\
         complete -C 'arize-audit-logs export --profile '\n\
         echo ---\n\
         complete -C 'arize-audit-logs verify archive.jsonl --region eu'\n",
        script_path.display()
    );
    let answers = feed_in(&env_refs(&env), "fish", &["--no-config"], probe.as_bytes());
    let (profiles, regions) = answers.split_once("---\n").expect("both answers");
    let names = |text: &str| -> Vec<String> {
        text.lines()
            .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(names(profiles), ["ax-dev", "prod", "staging"], "{answers}");
    assert_eq!(names(regions), ["eu-west-1a"], "{answers}");
}

#[tokio::test]
#[ignore = "needs zsh: .ci/run installs it and runs the ignored tests"]
async fn zsh_completes_profile_names_and_region_names() {
    let home = common::temp_dir("profiles-zsh");
    let env = profiles_env(&home);
    let functions = home.join("functions");
    std::fs::create_dir_all(&functions).expect("dir");
    std::fs::write(functions.join("_arize-audit-logs"), script("zsh").await).expect("script");
    let offered = home.join("offered");
    let done = home.join("done");
    // An interactive zsh on a pseudo-terminal (zsh/zpty) presses Tab; each
    // time the completion system offers words, what it offers for the
    // word under the cursor is appended to `offered`.
    let probe = format!(
        r#"zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z 'PROMPT=""; fpath=({functions} $fpath); autoload -U compinit; compinit -u -D'
zpty -w z 'compadd() {{ local -a m; builtin compadd -O m "$@"; (( $#m )) && print -r -- "${{(j: :)m}}" >> {offered}; builtin compadd "$@" }}'
zpty -w z 'bindkey "^I" complete-word'
zpty -w z $'arize-audit-logs list --region eu\t'
zpty -w z $'\C-u'
zpty -w z $'arize-audit-logs export --profile \t'
zpty -w z $'\C-u'
zpty -w z $'print done > {done}\n'
for i in {{1..300}}; do [[ -e {done} ]] && break; sleep 0.1; zpty -r -t z chunk; done
zpty -d z
"#,
        functions = functions.display(),
        offered = offered.display(),
        done = done.display(),
    );
    feed_in(&env_refs(&env), "zsh", &["-f"], probe.as_bytes());
    assert!(done.exists(), "the probe finished");
    let offered = std::fs::read_to_string(&offered).expect("words were offered");
    assert_eq!(offered, "eu-west-1a\nax-dev prod staging\n");
}
